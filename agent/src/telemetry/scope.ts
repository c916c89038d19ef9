import packageJson from '../../package.json' with { type: 'json' }

/** The instrumentation scope of everything the kit itself emits. */
export const SCOPE_NAME = 'layercode-agent'
export const SCOPE_VERSION = packageJson.version
