import list from './credential-headers.json' with { type: 'json' }

/** Real-world credential header names and an unknown vendor's (the JSON is shared with Python's tests). */
export const CREDENTIAL_HEADERS: readonly string[] = list.headers
