import packageJson from '../package.json' with { type: 'json' }

/**
 * The instrumentation scope of everything the kit itself emits: this library's name and
 * version, as the OpenTelemetry specification asks of an instrumentation library (the
 * service is the resource's `service.name`, not the scope).
 */
export const SCOPE_NAME = packageJson.name
/** The instrumentation scope version: this package's version. */
export const SCOPE_VERSION = packageJson.version
