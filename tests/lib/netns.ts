/**
 * A private network for the end-to-end run: one network namespace per compose service, each
 * with its own address on a bridge that lives in a namespace of its own, and an
 * /etc/netns/<ns>/hosts that resolves the compose service names, so the shipped configs run
 * unmodified. The test process reaches the services through one veth in its namespace.
 * All traffic stays on addresses inside namespaces this module creates (needs root).
 */
import { execFile } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ip = (...args: string[]) => run('ip', args)

export const SUBNET = '10.213.77'
export const PREFIX = 'kite2e'
/** The test process's own address on the bridge. */
export const TEST_ADDRESS = `${SUBNET}.1`
export const SERVICES = {
  collector: 10,
  tempo: 11,
  loki: 12,
  prometheus: 13,
  agent: 14,
  // The scaled-out topology (scale.test.ts): a second agent replica, the sampling tier, and a
  // second Tempo stand-in that tells the two samplers' output apart.
  'agent-2': 15,
  'sampler-1': 16,
  'sampler-2': 17,
  'tempo-2': 18,
  // A third app beside the two agents (generations.test.ts: one per GenAI switch value).
  'agent-3': 19,
} as const
export type ServiceName = keyof typeof SERVICES

export const nsName = (service: ServiceName) => `${PREFIX}-${service}`
export const addressOf = (service: ServiceName) => `${SUBNET}.${SERVICES[service]}`
const HUB = `${PREFIX}-hub`

/** Why namespaces cannot be made here, or undefined. */
export async function missingPrivileges(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'the native end-to-end run needs root (network namespaces)'
  try {
    await ip('netns', 'list')
    return undefined
  } catch {
    return 'iproute2 (`ip netns`) is not available'
  }
}

async function inNs(ns: string, ...args: string[]) {
  await run('ip', ['netns', 'exec', ns, ...args])
}

export async function teardown(): Promise<void> {
  const { stdout } = await ip('netns', 'list').catch(() => ({ stdout: '' }))
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0] ?? ''
    if (name.startsWith(`${PREFIX}-`)) await ip('netns', 'del', name).catch(() => {})
  }
  await ip('link', 'del', `${PREFIX}r`).catch(() => {})
  for (const service of Object.keys(SERVICES)) {
    await rm(`/etc/netns/${nsName(service as ServiceName)}`, { recursive: true, force: true })
  }
}

export async function setup(): Promise<void> {
  await teardown()
  await ip('netns', 'add', HUB)
  await inNs(HUB, 'ip', 'link', 'add', 'br0', 'type', 'bridge')
  await inNs(HUB, 'ip', 'link', 'set', 'br0', 'up')
  // The test process's side: a veth from this namespace into the hub's bridge.
  await ip('link', 'add', `${PREFIX}r`, 'type', 'veth', 'peer', 'name', `${PREFIX}h1`)
  await ip('link', 'set', `${PREFIX}h1`, 'netns', HUB)
  await inNs(HUB, 'ip', 'link', 'set', `${PREFIX}h1`, 'master', 'br0', 'up')
  await ip('addr', 'add', `${TEST_ADDRESS}/24`, 'dev', `${PREFIX}r`)
  await ip('link', 'set', `${PREFIX}r`, 'up')
  for (const [service, host] of Object.entries(SERVICES)) {
    const ns = nsName(service as ServiceName)
    await ip('netns', 'add', ns)
    await ip(
      'link',
      'add',
      `${PREFIX}h${host}`,
      'type',
      'veth',
      'peer',
      'name',
      `${PREFIX}p${host}`,
    )
    await ip('link', 'set', `${PREFIX}h${host}`, 'netns', HUB)
    await inNs(HUB, 'ip', 'link', 'set', `${PREFIX}h${host}`, 'master', 'br0', 'up')
    await ip('link', 'set', `${PREFIX}p${host}`, 'netns', ns)
    await inNs(ns, 'ip', 'link', 'set', 'lo', 'up')
    await inNs(ns, 'ip', 'link', 'set', `${PREFIX}p${host}`, 'name', 'eth0')
    await inNs(ns, 'ip', 'addr', 'add', `${addressOf(service as ServiceName)}/24`, 'dev', 'eth0')
    await inNs(ns, 'ip', 'link', 'set', 'eth0', 'up')
    await mkdir(`/etc/netns/${ns}`, { recursive: true })
    await setHosts(service as ServiceName)
  }
}

/**
 * The /etc/hosts `service`'s processes see (`ip netns exec` bind-mounts /etc/netns/<ns>/hosts):
 * every service by its own name, with `names` resolving to other services' addresses instead
 * (several addresses: a headless Service's DNS answer). Rewritten in place, so running
 * processes see the change too (Go re-reads it within 5 s).
 */
export async function setHosts(
  service: ServiceName,
  names: Record<string, readonly ServiceName[]> = {},
): Promise<void> {
  const lines = ['127.0.0.1 localhost']
  for (const s of Object.keys(SERVICES) as ServiceName[])
    if (!(s in names)) lines.push(`${addressOf(s)} ${s}`)
  for (const [name, targets] of Object.entries(names))
    for (const target of targets) lines.push(`${addressOf(target)} ${name}`)
  await writeFile(`/etc/netns/${nsName(service)}/hosts`, `${lines.join('\n')}\n`)
}
