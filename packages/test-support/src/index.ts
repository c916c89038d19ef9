/** What the kit's tests share: polling, an OTLP receiver, running a Node entry point, a free port. */

export * from './credential-headers.ts'
export * from './otlp-receiver.ts'
export * from './poll.ts'
export * from './ports.ts'
export * from './process.ts'
export * from './workspace.ts'
