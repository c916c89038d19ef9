/**
 * The generators, which read layercode-kit.yaml when they load: a config that does not
 * validate exits 1 with one line per problem (file:line: key: what was expected) instead of a
 * stack trace. `loadGenerator()` for `npm run export`, `loadKitFiles()` for `npm run docs`.
 */
async function loading<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    if ((error as Error).name !== 'ConfigError') throw error
    console.error((error as Error).message)
    process.exit(1)
  }
}

export const loadGenerator = () => loading(() => import('@layercode-kit/grafana-gen'))
export const loadKitFiles = () => loading(() => import('@layercode-kit/cli'))
