/** Signed LayerCode conversations at a steady rate, and their summary. */
export * from './conversation.ts'
export * from './run.ts'
export * from './stats.ts'
