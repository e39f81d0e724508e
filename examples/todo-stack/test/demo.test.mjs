// The demo command as a user runs it: `node stack.mjs` prints the URLs, the demo users and a
// curl line with a real token, serves until interrupted, and stops both servers on Ctrl-C.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { API_URL, DEMO_USERS } from '../stack.mjs'

const here = join(import.meta.dirname, '..')

test('the demo starts the stack, prints a working token, and stops everything on Ctrl-C', { timeout: 120_000 }, async () => {
  const data = mkdtempSync(join(tmpdir(), 'wardgate-demo-'))
  const demo = spawn(process.execPath, ['stack.mjs'], {
    cwd: here,
    env: { ...process.env, STACK_DATA: data, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  demo.stdout.on('data', (chunk) => (output += chunk))
  demo.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise((done) => demo.on('exit', (code) => done(code)))
  try {
    await new Promise((ready, fail) => {
      demo.stdout.on('data', () => output.includes('Ctrl-C stops both servers.') && ready())
      exited.then((code) => fail(new Error(`the demo exited (${code}):\n${output}`)))
    })
    for (const user of DEMO_USERS) assert.ok(output.includes(`${user.email} / ${user.password}`), output)
    const token = /TOKEN=(\S+)/.exec(output)?.[1]
    assert.ok(token, output)
    assert.match(output, /curl -s -X POST http:\/\/127\.0\.0\.1:8000\/todos -H "Authorization: Bearer \$TOKEN"/)
    const response = await fetch(`${API_URL}/todos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'from the demo token' }),
    })
    assert.equal(response.status, 201)
  } finally {
    demo.kill('SIGINT')
    assert.equal(await exited, 0, output)
    rmSync(data, { recursive: true, force: true })
  }
  assert.match(output, /Stopping\.\.\./)
  // Both servers are gone: nothing answers on their ports.
  await assert.rejects(fetch(`${API_URL}/openapi.json`))
  await assert.rejects(fetch('http://127.0.0.1:3000/api/auth/ok'))
})
