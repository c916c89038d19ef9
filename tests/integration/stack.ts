import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { settle } from '@layercode-kit/test-support'
import { getContainerRuntimeClient } from 'testcontainers'
import type { LogView } from '../lib/expectations.ts'
import { logView, readRecording } from '../lib/recordings.ts'
import { ROOT } from '../stack/support.ts'
import {
  COMPOSE_FILES,
  GRAFANA_PASSWORD,
  SERVICES,
  STANDIN_FILE,
  STANDIN_SERVICES,
  URLS,
} from './plan.ts'

export async function runtimeMissing(): Promise<string | undefined> {
  if (process.env.KIT_NO_ENGINE) return process.env.KIT_NO_ENGINE
  try {
    await getContainerRuntimeClient()
    return undefined
  } catch (error) {
    return `no container runtime is reachable (${(error as Error).message.split('\n')[0]})`
  }
}

/** Why Tempo, Loki and Grafana are stand-ins here (undefined: the real images run). */
export const STANDINS = process.env.KIT_STANDINS
export const realOnly = STANDINS ? `needs the real Tempo, Loki and Grafana: ${STANDINS}` : false
export const running = SERVICES.filter((s) => !(STANDINS && s === 'grafana'))
export const project = `kit-it-${randomUUID().slice(0, 8)}`
export const recordings = STANDINS ? await mkdtemp(path.join(tmpdir(), 'kit-it-recordings-')) : ''
export const composeFiles = [...COMPOSE_FILES, ...(STANDINS ? [STANDIN_FILE] : [])]
export const exec = promisify(execFile)
/** `docker compose` on this suite's project (the environment run.ts prepared). */
export const compose = async (...args: string[]) =>
  (
    await exec(
      'docker',
      ['compose', '-p', project, ...composeFiles.flatMap((f) => ['-f', f]), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, KIT_STANDIN_RECORDINGS: recordings },
      },
    )
  ).stdout

export const missing = await runtimeMissing()
if (missing && process.env.REQUIRE_DOCKER === '1')
  throw new Error(`integration: ${missing}, and REQUIRE_DOCKER=1`)
if (missing) console.log(`# SKIP compose integration suite: ${missing}`)

export const auth = `Basic ${Buffer.from(`admin:${GRAFANA_PASSWORD}`).toString('base64')}`
export async function grafana<T>(path: string): Promise<T> {
  const res = await fetch(`${URLS.grafana}${path}`, { headers: { authorization: auth } })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}
export async function eventually<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const { done, value, error } = await settle(probe, (v) => v !== undefined, ms, 3000)
  if (done) return value as T
  throw new Error(`timed out waiting for ${what}${error ? `: ${(error as Error).message}` : ''}`)
}
/** Prometheus through Grafana's datasource proxy, or directly beside the stand-ins. */
export const promQuery = async (q: string) => {
  const path = `/api/v1/query?query=${encodeURIComponent(q)}`
  type Result = {
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> }
  }
  if (!STANDINS)
    return (await grafana<Result>(`/api/datasources/proxy/uid/prometheus${path}`)).data.result
  const res = await fetch(`${URLS.prometheus}${path}`)
  if (!res.ok) throw new Error(`${q}: ${res.status} ${await res.text()}`)
  return ((await res.json()) as Result).data.result
}
/** Log lines with their labels: from Loki through Grafana, or the Loki stand-in's recording. */
export async function logLines(selector: string, filter?: string): Promise<LogView[]> {
  if (STANDINS) {
    const service = /service_name="([^"]+)"/.exec(selector)?.[1]
    return readRecording(path.join(recordings, 'loki.jsonl'), 'logs')
      .map(logView)
      .filter((l) => l.resource['service.name'] === service)
      .filter((l) => !filter || l.body.includes(filter))
  }
  const start = String((Date.now() - 15 * 60_000) * 1e6)
  const query = filter ? `${selector} |= "${filter}"` : selector
  const result = await grafana<{
    data: { result: Array<{ stream: Record<string, string>; values: Array<[string, string]> }> }
  }>(
    `/api/datasources/proxy/uid/loki/loki/api/v1/query_range?limit=5000&start=${start}&query=${encodeURIComponent(query)}`,
  )
  return result.data.result.flatMap((stream) =>
    stream.values.map(([, line]) => ({
      body: line,
      traceId: stream.stream.trace_id ?? '',
      spanId: stream.stream.span_id ?? '',
      attributes: stream.stream,
      resource: { 'service.name': stream.stream.service_name },
    })),
  )
}

/** One tagged OTLP/JSON log record, sent to the collector as a user's app would. */
export const sendLog = (tag: string, i: number) =>
  fetch(`${URLS.collector}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceLogs: [
        {
          resource: {
            attributes: [{ key: 'service.name', value: { stringValue: 'integration-restart' } }],
          },
          scopeLogs: [
            {
              logRecords: [
                { timeUnixNano: String(Date.now() * 1e6), body: { stringValue: `${tag} ${i}` } },
              ],
            },
          ],
        },
      ],
    }),
  })
export type ServiceState = { Service: string; State: string; Health: string; ExitCode: number }
/** Every container of the project (or of `services`), as `docker compose ps -a` reports it. */
export const serviceStates = async (...services: string[]): Promise<ServiceState[]> =>
  (await compose('ps', '-a', '--format', 'json', ...services))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ServiceState)
/** A service's container health. */
export const serviceHealth = async (service: string) => (await serviceStates(service))[0]?.Health

export const b64hex = (id: string) =>
  /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex')

if (STANDINS) console.log(`# stand-ins for ${STANDIN_SERVICES.join(', ')}: ${STANDINS}`)
