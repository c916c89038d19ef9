/**
 * Whether models report to first-speech clocks in this process: `instrumentModel` says so
 * when it wraps one, and from then on a turn without a model call spent 0 s in models rather
 * than "not reported". Internal (not re-exported by the index).
 */
let wrapped = false

export function modelWrapped(): void {
  wrapped = true
}

export function modelsReport(): boolean {
  return wrapped
}
