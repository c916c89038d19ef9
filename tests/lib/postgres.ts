/**
 * A real PostgreSQL server (Debian's `postgresql` package) for a test: a fresh cluster in a
 * temporary directory, listening on 127.0.0.1 inside a service's network namespace (where the
 * app under test runs) and on a Unix socket the test itself uses to load data.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { chown, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { waitFor } from '@layercode-kit/test-support'
import type { ServiceName } from './netns.ts'
import { inNamespace, type Proc, stopProc } from './processes.ts'

const run = promisify(execFile)
const ROOT_DIR = '/usr/lib/postgresql'

/** The newest installed server's bin directory, or undefined. */
export function postgresBin(): string | undefined {
  if (!existsSync(ROOT_DIR)) return undefined
  const versions = readdirSync(ROOT_DIR)
    .filter((v) => existsSync(path.join(ROOT_DIR, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] ? path.join(ROOT_DIR, versions[0], 'bin') : undefined
}

export type Postgres = {
  /** For the app, inside the namespace. */
  url: string
  /** Runs SQL as the superuser, over the Unix socket. */
  sql(statement: string): Promise<string>
  stop(): Promise<void>
}

/** The server refuses to run as root; as root it runs as Debian's `postgres` user. */
const asServerUser = (command: string[]) =>
  userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--', ...command] : command

export async function startPostgres(service: ServiceName, log: string[]): Promise<Postgres> {
  const bin = postgresBin()
  if (!bin) throw new Error(`no PostgreSQL server under ${ROOT_DIR} (apt install postgresql)`)
  const dir = await mkdtemp(path.join(tmpdir(), 'kit-postgres-'))
  if (userInfo().uid === 0) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    await chown(dir, Number(stdout), Number(gid))
  }
  const data = path.join(dir, 'data')
  const [initdb, ...initArgs] = asServerUser([
    path.join(bin, 'initdb'),
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
  ])
  await run(initdb as string, initArgs)
  const proc: Proc = inNamespace(
    service,
    asServerUser([
      path.join(bin, 'postgres'),
      '-D',
      data,
      '-h',
      '127.0.0.1',
      '-p',
      '5432',
      '-k',
      dir,
      '-c',
      'fsync=off',
    ]),
    process.env,
    log,
    dir,
    true,
  )
  const psql = (statement: string) =>
    run(path.join(bin, 'psql'), [
      '-h',
      dir,
      '-U',
      'postgres',
      '-AtX',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      statement,
    ])
  await waitFor('PostgreSQL accepting connections', async () => {
    await psql('SELECT 1')
    return true
  })
  return {
    url: 'postgresql://postgres@127.0.0.1:5432/postgres',
    sql: async (statement) => (await psql(statement)).stdout,
    stop: async () => {
      await stopProc(proc, 'SIGINT')
      await rm(dir, { recursive: true, force: true })
    },
  }
}
