/** The wrapper's own unit tests pass (python -m unittest, in-memory providers). */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { INTEGRATION_PATH } from '../../../tools/python.ts'
import { missing, toolkit } from './scenario.ts'

describe("the Python wrapper's unit tests", { skip: missing }, () => {
  it("the wrapper's unit tests pass (python -m unittest, in-memory providers)", async () => {
    const { stderr } = await promisify(execFile)(
      toolkit.python,
      ['-m', 'unittest', 'discover', '-s', `${INTEGRATION_PATH}/tests`],
      { env: { ...process.env, PYTHONPATH: INTEGRATION_PATH, PYTHONDONTWRITEBYTECODE: '1' } },
    )
    assert.match(stderr, /^Ran [1-9]\d* tests? in .*\n\nOK\s*$/ms)
  })
})
