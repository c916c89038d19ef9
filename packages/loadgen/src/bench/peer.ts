/**
 * The peer the kit replaces: the Python toolkit (layercode-create-app, its echo agent) with
 * Logfire's SDK exporting OTLP to the benchmark's sink (`on`), and with Logfire's setup
 * stubbed out (`off`: a sitecustomize that makes `logfire.configure` and its `instrument_*`
 * calls no-ops, so no span is built). BENCH_TOOLKIT_CLI names the toolkit's console script
 * (`npm run bench` finds the one `npm run setup` installed).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { cleanEnv } from '@layercode-kit/agent/testing'
import { freePort } from '@layercode-kit/test-support'

export const PEER_MODES = ['peer off', 'peer on'] as const
export type PeerMode = (typeof PEER_MODES)[number]

const STUB = `"""Logfire stubbed out: the toolkit as it runs without Logfire (the benchmark's peer off)."""
import logfire


def _none(*args, **kwargs):
    return None


logfire.configure = _none
logfire.instrument_pydantic_ai = _none
logfire.instrument_fastapi = _none
`

let stubDir: string | undefined

export type Peer = { url: string; pid: number; stop(): Promise<void> }

/** The toolkit serving the echo agent on loopback in `mode`, once it answers /health. */
export async function startPeer(
  toolkitCli: string,
  mode: PeerMode,
  secret: string,
  endpoint: string,
): Promise<Peer> {
  stubDir ??= await mkdtemp(path.join(tmpdir(), 'bench-peer-'))
  await writeFile(path.join(stubDir, 'sitecustomize.py'), STUB)
  const port = await freePort()
  const env: Record<string, string> =
    mode === 'peer on'
      ? {
          // What the migration guide tells a Logfire user to set, the sink as the collector.
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_METRIC_EXPORT_INTERVAL: '5000',
          OTEL_SEMCONV_STABILITY_OPT_IN: 'http',
        }
      : { PYTHONPATH: stubDir }
  const child: ChildProcess = spawn(
    toolkitCli,
    ['run', '--agent', 'echo', '--host', '127.0.0.1', `--port=${port}`],
    {
      env: cleanEnv({
        LAYERCODE_WEBHOOK_SECRET: secret,
        LAYERCODE_API_KEY: 'bench-api-key-not-used', // the toolkit requires one to start
        PYTHONUNBUFFERED: '1',
        ...env,
      }),
      stdio: ['ignore', 'ignore', 'ignore'],
    },
  )
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the toolkit exited with ${child.exitCode}`)
    const up = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) break
    if (i > 300) throw new Error('the toolkit did not answer /health in 30 s')
    await sleep(100)
  }
  return {
    url: `${url}/api/agent`,
    pid: child.pid as number,
    async stop() {
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}
