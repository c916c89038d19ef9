import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { sendWebhook } from '@layercode-kit/protocol'
import { HEAP_SNAPSHOT_SIGNAL } from './profiling.ts'
import { spawnAgent, waitForLog } from './testing/spawn-agent.ts'

const SECRET = 'whsec_profiling_0123456789'

describe('profiling', () => {
  it('--cpu-prof writes a CPU profile on exit, and SIGUSR2 a heap snapshot while running', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'agent-prof-'))
    const agent = await spawnAgent({
      telemetry: false,
      args: ['--agent', 'echo', '--cpu-prof', dir],
      env: { LAYERCODE_WEBHOOK_SECRET: SECRET, HEAP_SNAPSHOT_DIR: dir },
    })
    try {
      const body = {
        type: 'message',
        session_id: 's',
        conversation_id: 'c',
        turn_id: 't',
        text: 'profile me',
      }
      for (let i = 0; i < 20; i++)
        await sendWebhook({ url: `${agent.url}/api/agent`, secret: SECRET, body })
      agent.child.kill(HEAP_SNAPSHOT_SIGNAL)
      const snapshot = String(
        (await waitForLog(agent.child, 'heap snapshot written', agent.logs)).file,
      )
      assert.equal(path.dirname(snapshot), dir)
      const head = (await readFile(snapshot, 'utf8')).slice(0, 200)
      assert.match(head, /"snapshot"/)
      const health = await fetch(`${agent.url}/health`)
      assert.equal(health.status, 200, 'the agent keeps serving after a snapshot')
    } finally {
      assert.equal((await agent.stop()).code, 0)
    }
    const profile = String(agent.logs.find((l) => l.message === 'cpu profile written')?.file)
    const parsed = JSON.parse(await readFile(profile, 'utf8')) as {
      nodes: unknown[]
      samples: unknown[]
    }
    assert.ok(parsed.nodes.length > 10)
    assert.ok(parsed.samples.length > 0)
    const files = await readdir(dir)
    assert.ok(files.some((f) => f.endsWith('.cpuprofile')))
    assert.ok(files.some((f) => f.endsWith('.heapsnapshot')))
    await rm(dir, { recursive: true })
  })
})
