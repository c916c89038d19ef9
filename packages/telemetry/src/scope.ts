import packageJson from '../package.json' with { type: 'json' }
import { DEFAULT_SERVICE_NAME } from './contract.ts'

/** The instrumentation scope of everything the kit itself emits, named after the service. */
export const SCOPE_NAME = DEFAULT_SERVICE_NAME
/** The instrumentation scope version: this package's version. */
export const SCOPE_VERSION = packageJson.version
