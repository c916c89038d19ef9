import { PassThrough } from 'node:stream'
import { sendWebhook, type WebhookResult } from '@layercode-kit/protocol'
import { readJsonLines } from '@layercode-kit/test-support'
import { loadConfig } from '../config.ts'
import { closeLogger } from '../logging/logger.ts'
import { type RunningServer, startServer } from '../server/start.ts'

export const TEST_SECRET = 'whsec_test_0123456789abcdef'

export type TestServer = RunningServer & {
  webhookUrl: string
  /** Every JSON log line written so far. */
  logs(): Array<Record<string, unknown>>
  send(body: Record<string, unknown>, headers?: Record<string, string>): Promise<WebhookResult>
  stop(): Promise<void>
}

/** The real server on an ephemeral loopback port, fast settings, logs captured in memory. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const config = loadConfig({
    LAYERCODE_WEBHOOK_SECRET: TEST_SECRET,
    HOST: '127.0.0.1',
    PORT: '0',
    OFFLINE_MODEL_DELAY_MS: '0',
    SLOW_AGENT_DELAY_MS: '20',
    AGENT_FAULT_INJECTION: 'true',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...env,
  })
  const stdout = new PassThrough()
  const lines: Array<Record<string, unknown>> = []
  readJsonLines(stdout, (line) => lines.push(line))
  const running = await startServer(config, { stdout })
  const webhookUrl = `${running.url}${config.agentRoute}`
  return {
    ...running,
    webhookUrl,
    logs: () => lines,
    send: (body, headers) => sendWebhook({ url: webhookUrl, secret: TEST_SECRET, body, headers }),
    async stop() {
      await running.close()
      await closeLogger(running.logger)
    },
  }
}

let counter = 0
/** Fresh ids per call, so tests never share a conversation by accident. */
export function ids(prefix = 't'): { session_id: string; conversation_id: string } {
  counter += 1
  return { session_id: `sess_${prefix}_${counter}`, conversation_id: `conv_${prefix}_${counter}` }
}

export function eventTypes(result: WebhookResult): string[] {
  return result.events.map((e) => String(e.event.type))
}

/** The speech of an answer, joined as LayerCode's transcript joins `response.tts` chunks. */
export function spoken(result: WebhookResult): string {
  return result.events
    .filter((e) => e.event.type === 'response.tts')
    .map((e) => e.event.content)
    .join('')
}
