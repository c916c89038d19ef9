import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { SIGNATURE_HEADER, signPayload, takeSseEvents } from '@layercode-kit/protocol'
import { FAULT_METADATA_KEY } from '@layercode-kit/telemetry'

export const CASES = Number(process.env.FUZZ_CASES ?? 2000)
export const SEED = Number(process.env.FUZZ_SEED ?? 20261127)
export const SECRET = 'whsec_fuzz_0123456789abcdef'
export const BODY_LIMIT = 64 * 1024
/** The agent's resident memory once idle after the run (~200 MB at start): a leak keeps it above. */
export const RSS_BOUND_MB = 300

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed with its seed. */
export function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
  return { next, int, pick }
}
export type Rng = ReturnType<typeof prng>

export const WORDS = [
  'hello',
  'menu',
  'croissant',
  '🥐',
  'ÿ',
  '\u0000',
  '"',
  '\\',
  '\n',
  '日本',
  ' ',
  '',
]
export const text = (r: Rng, max = 40) =>
  Array.from({ length: r.int(max) }, () => r.pick(WORDS)).join(' ')
// Printable ASCII only: Node's client refuses other bytes in a header before sending.
export const headerText = (r: Rng) =>
  String.fromCharCode(...Array.from({ length: 1 + r.int(60) }, () => 0x20 + r.int(95)))
export const id = (r: Rng) =>
  r.pick(['', 'a', `id_${r.int(1e9)}`, 'x'.repeat(r.pick([256, 257, 5000]))])
export const badId = (r: Rng) => r.pick(['', 'x'.repeat(257), 'x'.repeat(5000)])

export function randomJson(r: Rng, depth = 0): unknown {
  const kind = depth > 4 ? r.int(4) : r.int(6)
  switch (kind) {
    case 0:
      return r.pick([null, true, false])
    case 1:
      return r.pick([0, -1, 1e308, 3.5, Number.MAX_SAFE_INTEGER])
    case 2:
    case 3:
      return text(r, 5)
    case 4:
      return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1))
    default:
      return Object.fromEntries(
        Array.from({ length: r.int(4) }, () => [text(r, 2), randomJson(r, depth + 1)]),
      )
  }
}

export type Expect = 'turn' | 'ok' | '4xx' | 'any-but-5xx' | 'none' | '400'
export type Case = {
  name: string
  method?: string
  path?: string
  headers?: Record<string, string>
  body?: Buffer
  expect: Expect
  turnId?: string
  /** Send the body in pieces with pauses (a slow client), or stop half way and hang up. */
  mode?: 'normal' | 'slow' | 'abort-upload' | 'hang-up-mid-stream' | 'chunked'
  /** Bytes written on a raw socket (framing node:http would refuse to send); closed after. */
  raw?: { bytes: string; abort: boolean }
}

export const sign = (body: Buffer, t = Math.floor(Date.now() / 1000)) => ({
  [SIGNATURE_HEADER]: signPayload(SECRET, body, t),
})

export function makeCase(r: Rng, n: number): Case {
  const ids = { session_id: `s_${n % 50}`, conversation_id: `c_${n % 97}` }
  const json = (value: unknown) => Buffer.from(JSON.stringify(value))
  switch (r.int(17)) {
    case 0:
    case 1: {
      const turnId = `t_${n}`
      const type = r.pick(['message', 'message', 'session.start'])
      const body = json({ type, ...ids, turn_id: turnId, text: r.pick([text(r), null, undefined]) })
      return { name: `valid ${type}`, body, headers: sign(body), expect: 'turn', turnId }
    }
    case 2: {
      const body = json(
        r.pick([
          { type: 'data', ...ids, turn_id: `t_${n}`, data: { x: randomJson(r) } },
          { type: 'session.update', ...ids, recording_status: 'completed' },
          {
            type: 'session.end',
            ...ids,
            duration: r.int(1e6),
            transcript: [{ role: 'user', text: text(r), timestamp: r.pick([1, '2026-11-27']) }],
          },
        ]),
      )
      return { name: 'valid non-turn event', body, headers: sign(body), expect: 'ok' }
    }
    case 3: {
      const body = json({ type: 'message', ...ids, turn_id: `t_${n}`, text: 'hi' })
      const v1 = signPayload(SECRET, body).split('v1=')[1] ?? ''
      const header = r.pick([
        '',
        headerText(r),
        `t=${r.int(1e12)},v1=${v1}`,
        `t=${Math.floor(Date.now() / 1000) - 301},v1=${v1}`,
        `t=${Math.floor(Date.now() / 1000)},v1=${'f'.repeat(64)}`,
        `t=abc,v1=${v1}`,
        `v1=${v1}`,
        `t=1,t=2,v1=${v1}`,
        'x'.repeat(r.pick([10, 8000])),
      ])
      return {
        name: 'bad signature',
        body,
        headers: header ? { [SIGNATURE_HEADER]: header } : {},
        expect: '4xx',
      }
    }
    case 4: {
      const body = r.pick([
        Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
        Buffer.from('{"type": "message",'),
        json(randomJson(r)),
        json({ type: r.pick(['call.ringing', '', 42, null]), ...ids }),
        json({ type: 'message', ...ids, turn_id: r.pick([5, null, '']), text: 'x' }),
        json({ type: 'message', session_id: badId(r), conversation_id: id(r), turn_id: id(r) }),
        json({ type: 'data', ...ids, turn_id: 't', data: r.pick(['str', 1, [1]]) }),
      ])
      return { name: 'malformed body (signed)', body, headers: sign(body), expect: '4xx' }
    }
    case 5: {
      const levels = r.pick([33, 500, 5000, 20000])
      const open = r.pick(['[', '{"a":'])
      const close = open === '[' ? ']' : '}'
      const body = Buffer.from(
        `{"type":"data","session_id":"s","conversation_id":"c","turn_id":"t","data":{"x":${open.repeat(levels)}1${close.repeat(levels)}}}`,
      )
      return { name: 'deeply nested body (signed)', body, headers: sign(body), expect: '4xx' }
    }
    case 6: {
      const body = Buffer.alloc(BODY_LIMIT + 1 + r.int(BODY_LIMIT), 0x61)
      return {
        name: 'oversized body',
        body,
        headers: sign(body),
        expect: '4xx',
        mode: r.pick(['normal', 'chunked']),
      }
    }
    case 7:
      return {
        name: 'unknown route or method',
        method: r.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'POST', 'OPTIONS']),
        path: r.pick([
          '/',
          '/api',
          '/api/agent/x',
          '/%2e%2e/etc/passwd',
          `/${encodeURIComponent(text(r, 3))}`,
          '/api/agent?x=%zz',
          '/api/agent',
        ]),
        expect: 'any-but-5xx',
      }
    case 8: {
      const body = r.pick([
        json({ agent_id: 'a1', custom_metadata: randomJson(r) }),
        json(randomJson(r)),
        Buffer.from('{nope'),
        Buffer.from(`{"agent_id":"a","config":${'['.repeat(5000)}${']'.repeat(5000)}}`),
      ])
      return {
        name: 'authorize',
        path: '/api/authorize',
        body,
        headers: { 'content-type': 'application/json' },
        expect: 'any-but-5xx',
      }
    }
    case 9: {
      const body = json({ type: 'message', ...ids, turn_id: `t_${n}`, text: text(r) })
      return {
        name: 'upload abandoned',
        body,
        headers: sign(body),
        expect: 'none',
        mode: 'abort-upload',
      }
    }
    case 10: {
      const turnId = `t_${n}`
      const body = json({
        type: 'message',
        ...ids,
        turn_id: turnId,
        text: 'tell me about the menu',
      })
      return {
        name: 'caller hangs up mid-stream',
        body,
        headers: sign(body),
        expect: 'none',
        mode: 'hang-up-mid-stream',
      }
    }
    case 12: {
      // Framing Node's parser rejects or a client abandons: never a 5xx, in answers or in
      // the agent's own telemetry (checked after the run).
      const path = r.pick(['/api/agent', '/api/authorize'])
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n`
      const body = JSON.stringify({ type: 'message', ...ids, turn_id: `t_${n}`, text: 'x' })
      const signature = `${SIGNATURE_HEADER}: ${signPayload(SECRET, body)}\r\n`
      const [name, bytes, abort] = r.pick([
        [
          'chunked upload abandoned',
          `${head}Transfer-Encoding: chunked\r\n\r\n5\r\n{"age\r\n`,
          true,
        ],
        [
          'signed chunked upload abandoned',
          `${head}${signature}Transfer-Encoding: chunked\r\n\r\n9\r\n{"type":"\r\n`,
          true,
        ],
        ['bad chunk size', `${head}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, false],
        ['unsupported transfer coding', `${head}Transfer-Encoding: gzip\r\n\r\n${body}`, false],
        [
          'Content-Length shorter than the body',
          `${head}${signature}Content-Length: 5\r\n\r\n${body}`,
          false,
        ],
        [
          'two Host headers',
          `${head}Host: y\r\n${signature}Content-Length: ${body.length}\r\n\r\n${body}`,
          false,
        ],
      ] as const)
      return { name: `raw: ${name}`, raw: { bytes, abort }, expect: abort ? 'none' : '400' }
    }
    case 11: {
      const turnId = `t_${n}`
      const body = json({ type: 'message', ...ids, turn_id: turnId, text: 'slowly' })
      return {
        name: 'slow client',
        body,
        headers: sign(body),
        expect: 'turn',
        turnId,
        mode: 'slow',
      }
    }
    default: {
      const turnId = `t_${n}`
      const body = json({
        type: 'message',
        ...ids,
        turn_id: turnId,
        text: text(r),
        custom_metadata: { [FAULT_METADATA_KEY]: r.pick(['error', 'slow', 'tokens', 'bogus', 5]) },
      })
      return {
        name: 'turn with a fault request',
        body,
        headers: sign(body),
        expect: 'turn',
        turnId,
      }
    }
  }
}

export type Outcome = { status?: number; body: string; error?: string }

/** Raw bytes on a socket: the answer's status line, or none (an abort reads nothing). */
export async function sendRaw(base: URL, raw: NonNullable<Case['raw']>): Promise<Outcome> {
  const socket = connect(Number(base.port), base.hostname)
  let body = ''
  socket.on('data', (chunk: Buffer) => {
    body += chunk.toString()
  })
  socket.on('error', () => {})
  await once(socket, 'connect')
  socket.write(raw.bytes)
  if (raw.abort) await sleep(5)
  else await Promise.race([once(socket, 'close'), sleep(5000)])
  socket.destroy()
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(body)?.[1]
  return { status: status === undefined ? undefined : Number(status), body }
}

/** One request over node:http (fetch would refuse half the inputs), bounded by a timeout. */
export function send(base: URL, c: Case): Promise<Outcome> {
  if (c.raw) return sendRaw(base, c.raw)
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      ...c.headers,
    }
    if (c.body && c.mode !== 'chunked') headers['content-length'] = c.body.length
    const req = request(
      new URL(c.path ?? '/api/agent', base),
      { method: c.method ?? 'POST', headers, timeout: 30_000 },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          body += chunk
          if (c.mode === 'hang-up-mid-stream' && body.includes('response.')) req.destroy()
        })
        res.on('end', () => resolve({ status: res.statusCode, body }))
        res.on('error', (error) => resolve({ status: res.statusCode, body, error: error.message }))
      },
    )
    req.on('error', (error) => resolve({ body: '', error: error.message }))
    req.on('timeout', () => req.destroy(new Error('timeout')))
    const body = c.body ?? Buffer.alloc(0)
    if (c.mode === 'abort-upload') {
      req.write(body.subarray(0, Math.max(1, body.length >> 1)))
      setTimeout(() => req.destroy(), 5)
    } else if (c.mode === 'slow') {
      void (async () => {
        for (let i = 0; i < body.length; i += 16) {
          req.write(body.subarray(i, i + 16))
          await sleep(2)
        }
        req.end()
      })()
    } else req.end(body)
  })
}

export function judge(c: Case, out: Outcome): string | undefined {
  if (c.expect === 'none') return undefined
  if (out.status === undefined) return `no answer: ${out.error}`
  if (out.status >= 500) return `${out.status}: ${out.body.slice(0, 200)}`
  if (c.expect === '4xx' && (out.status < 400 || out.status >= 500)) return `status ${out.status}`
  if (c.expect === '400' && out.status !== 400) return `status ${out.status}`
  if (c.expect === 'ok' && out.status !== 200)
    return `status ${out.status}: ${out.body.slice(0, 200)}`
  if (c.expect === 'turn') {
    if (out.status !== 200) return `status ${out.status}: ${out.body.slice(0, 200)}`
    const { events, rest } = takeSseEvents(out.body)
    const last = events.at(-1) as { type?: string; turn_id?: string } | undefined
    if (rest !== '' || last?.type !== 'response.end' || last.turn_id !== c.turnId)
      return `stream did not end with response.end: ${out.body.slice(-200)}`
  }
  return undefined
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024
}
