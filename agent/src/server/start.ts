import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Writable } from 'node:stream'
import { serve } from '@hono/node-server'
import { priceTable, reportExportErrorsTo, SessionTracker } from '@layercode-kit/telemetry'
import { instrumentModel } from '@layercode-kit/telemetry/ai'
import { createAgent } from '../agents/registry.ts'
import { type AgentConfig, secretValues } from '../config.ts'
import { AgentError, AgentErrorCode } from '../errors.ts'
import { ConversationStore } from '../history/store.ts'
import { createLogger, type Logger } from '../logging/logger.ts'
import { resolveModel } from '../model/provider.ts'
import { createApp } from './app.ts'
import { watchParserErrors } from './framing.ts'
import { Lifecycle } from './lifecycle.ts'

export type RunningServer = {
  url: string
  port: number
  logger: Logger
  lifecycle: Lifecycle
  server: Server
  /** Stops accepting, lets open turns finish (bounded), then closes every connection. */
  close(): Promise<void>
}

export type StartOptions = {
  /** Where JSON log lines go (stdout by default). */
  stdout?: Writable
}

/** Wires config into logger, model, agent, history and app, and listens. */
export async function startServer(
  config: AgentConfig,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = createLogger({
    level: config.log.level,
    file: config.log.file
      ? { path: config.log.file, maxSize: config.log.maxSize, maxFiles: config.log.maxFiles }
      : undefined,
    secrets: secretValues(config),
    keyPattern: config.log.secretKeyPattern,
    stdout: options.stdout,
  })
  reportExportErrorsTo((report) => logger.warn('telemetry export failing', report))
  if (config.devWebhookSecret)
    logger.warn(
      "webhooks are verified with the public development secret: LayerCode will be refused and anyone can sign; set LAYERCODE_WEBHOOK_SECRET to your agent's secret before exposing this server",
      { app_env: config.appEnv },
    )
  const lifecycle = new Lifecycle()
  const agent = createAgent(config.agent, { slowDelayMs: config.slowDelayMs })
  const sessions = new SessionTracker()
  sessions.track(agent.name, {
    idleTtlMs: config.history.idleTtlMs,
    maxSessions: config.history.maxConversations,
  })
  const baseModel = await resolveModel({
    modelId: config.modelId,
    openaiApiKey: config.openai.apiKey,
    openaiBaseUrl: config.openai.baseUrl,
    offlineChunkDelayMs: config.offlineChunkDelayMs,
  })
  // A broken price table is a configuration error now, not a silently missing cost later.
  try {
    priceTable()
  } catch (error) {
    throw new AgentError(AgentErrorCode.ConfigInvalid, (error as Error).message, { cause: error })
  }
  const model = instrumentModel(baseModel, agent.name)
  const app = createApp({
    sessions,
    agent,
    model,
    logger,
    lifecycle,
    store: new ConversationStore(config.history),
    webhookSecret: config.webhookSecret,
    faultInjection: config.faultInjection,
    slowDelayMs: config.slowDelayMs,
    upstreamUrl: new URL('/v1/kitchen/status', config.layercode.baseUrl).href,
    agentRoute: config.agentRoute,
    authorizeRoute: config.authorizeRoute,
    bodyLimitBytes: config.bodyLimitBytes,
    authorize: {
      apiKey: config.layercode.apiKey,
      baseUrl: config.layercode.baseUrl,
      defaultAgentId: config.layercode.agentId,
      timeoutMs: config.layercode.timeoutMs,
    },
  })
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve(
      {
        fetch: app.fetch,
        hostname: config.host,
        port: config.port,
        serverOptions: {
          // A webhook is small: a client slower than this is holding a socket, not sending.
          headersTimeout: config.server.headersTimeoutMs,
          requestTimeout: config.server.requestTimeoutMs,
          // How often Node checks the two timeouts (30 s by default, which would stretch them).
          connectionsCheckingInterval: 1000,
        },
      },
      () => resolve(created as Server),
    ) as Server
    created.once('error', reject)
  })
  watchParserErrors(server)
  // Past this many open sockets Node drops new connections at once instead of queueing them.
  server.maxConnections = config.server.maxConnections
  // Counted at the socket level: a streamed answer is done when its last byte left, not
  // when the handler returned, so shutdown never cuts the final response.end.
  server.on('request', (_request, response) => response.once('close', lifecycle.beginResponse()))
  const { port } = server.address() as AddressInfo
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  logger.info('agent listening', {
    url,
    agent: agent.name,
    model: `${model.provider}:${model.modelId}`,
    agent_route: config.agentRoute,
    authorize_route: config.authorizeRoute,
  })

  let closing: Promise<void> | undefined
  // While turns drain the listener stays open: /ready answers 503 draining (a probe sees the
  // agent leaving, not a refused connection) and new requests get 503 and Connection: close.
  async function close(): Promise<void> {
    lifecycle.draining = true
    server.closeIdleConnections()
    const drained = await lifecycle.waitForIdle(config.shutdownTimeoutMs)
    if (!drained)
      logger.warn('shutdown timeout: closing open streams', { in_flight: lifecycle.inFlight })
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    await stopped
  }
  return { url, port, logger, lifecycle, server, close: () => (closing ??= close()) }
}
