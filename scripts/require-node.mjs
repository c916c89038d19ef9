// Loaded with `node --import` before the kit's TypeScript entry points: an older Node fails on
// the `.ts` extension with a bare ERR_UNKNOWN_FILE_EXTENSION, so this plain-JavaScript check
// says what is needed first. The minimum is the root package.json's `engines.node`.
import { readFileSync } from 'node:fs'

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const required = Number(/\d+/.exec(engines.node)?.[0])
const major = Number(process.versions.node.split('.')[0])
if (major < required) {
  process.stderr.write(
    `layercode-otel-kit needs Node.js ${required} or newer (this is ${process.version}): ` +
      `run \`nvm install\` or \`fnm use\` here (they read .nvmrc), or get it from https://nodejs.org\n`,
  )
  process.exit(1)
}
