/**
 * The reference agent's public surface for other packages: the LayerCode webhook protocol as
 * a client speaks it (signing, sending, reading the SSE answer). The server is run with the CLI.
 */
export * from './protocol/client.ts'
export * from './protocol/signature.ts'
export * from './protocol/sse.ts'
