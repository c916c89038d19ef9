/** Ends a flush that a hanging collector would otherwise hold for the exporter's full timeout. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 5000
