import { existsSync } from 'node:fs'
import { stripVTControlCharacters } from 'node:util'
import { type ArgsDef, type CommandDef, renderUsage, runCommand } from 'citty'
import { CodedError, ErrorCode, KitError } from './errors.ts'

/** Loads `--env-file` (which must exist) or, when there is one, `.env`; variables already set win. */
export function loadEnvFile(envFile: string | undefined): void {
  if (envFile && !existsSync(envFile))
    throw new KitError(ErrorCode.EnvFileMissing, `env file not found: ${envFile}`)
  if (envFile || existsSync('.env')) process.loadEnvFile(envFile ?? '.env')
}

/** citty colours its messages whenever NO_COLOR/CI are unset; only a terminal gets colours. */
export function plain(text: string, stream: NodeJS.WriteStream): string {
  return stream.isTTY ? text : stripVTControlCharacters(text)
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0
      row[j] = Math.min(
        above + 1,
        (row[j - 1] ?? 0) + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
      diagonal = above
    }
  }
  return row[b.length] ?? 0
}

/**
 * citty accepts any flag and drops the ones it does not know, so `run --agnet bakery`
 * would start the default agent. Every `--name`/`-x` must be one the command declares
 * (or `--no-name` of a boolean); the error suggests the nearest known flag.
 */
export function rejectUnknownFlags(rawArgs: readonly string[], args: ArgsDef): void {
  const known = new Set<string>(['help', 'h'])
  const booleans = new Set<string>()
  for (const [name, def] of Object.entries(args)) {
    if (def.type === 'positional') continue
    const aliases = 'alias' in def && def.alias ? [def.alias].flat() : []
    for (const n of [name, ...aliases]) {
      known.add(n)
      if (def.type === 'boolean') booleans.add(n)
    }
  }
  for (const token of rawArgs) {
    if (token === '--') break
    if (!token.startsWith('-') || token === '-' || /^-\d/.test(token)) continue
    const name = token.replace(/^--?/, '').split('=')[0] ?? ''
    if (known.has(name) || (name.startsWith('no-') && booleans.has(name.slice(3)))) continue
    const nearest = [...known]
      .filter((n) => n.length > 1)
      .map((n) => ({ n, d: distance(name, n) }))
      .sort((a, b) => a.d - b.d)[0]
    const hint = nearest && nearest.d <= 2 ? ` (did you mean --${nearest.n}?)` : ''
    throw new KitError(ErrorCode.UsageError, `unknown option ${token.split('=')[0]}${hint}`)
  }
}

/**
 * The one top-level catch of a command: any failure is one line on stderr and exit code 1.
 * CodedErrors (KitError, a package's own such as the agent's) and citty's usage errors carry
 * a message written for users; others get their name too.
 */
export function runCli(program: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message =
      error instanceof CodedError || (error as { name?: string })?.name === 'CLIError'
        ? (error as Error).message
        : String(error)
    console.error(plain(`${program}: ${message}`, process.stderr))
    process.exitCode = 1
  })
}

/**
 * A command without subcommands, run as users expect: `--help` prints its usage, an unknown
 * flag is an error, any failure is one line (runCli).
 */
export function runSingleCommand(program: string, command: CommandDef, argv: string[]): void {
  runCli(program, async () => {
    if (argv.includes('--help') || argv.includes('-h'))
      return console.log(plain(await renderUsage(command), process.stdout))
    rejectUnknownFlags(argv, command.args as ArgsDef)
    await runCommand(command, { rawArgs: argv })
  })
}
