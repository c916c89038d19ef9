/**
 * The generator (@layercode-kit/grafana-gen), which reads layercode-kit.yaml when it loads: a
 * config that does not validate exits 1 with one line per problem (file:line: key: what was
 * expected) instead of a stack trace. For `npm run docs`/`rules` and `npm run export`.
 */
export async function loadGenerator() {
  try {
    return await import('@layercode-kit/grafana-gen')
  } catch (error) {
    if ((error as Error).name !== 'ConfigError') throw error
    console.error((error as Error).message)
    process.exit(1)
  }
}
