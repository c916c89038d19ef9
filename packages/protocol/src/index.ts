/**
 * The LayerCode webhook protocol as both sides speak it: signing and verifying the
 * `layercode-signature` header, sending a webhook and reading its SSE answer, encoding events.
 */
export * from './client.ts'
export * from './dev-secret.ts'
export * from './signature.ts'
export * from './sse.ts'
