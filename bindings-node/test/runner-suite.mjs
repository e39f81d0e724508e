// The conformance runner's tests, for the native runner (conformance.test.mjs) and the
// WebAssembly one (bindings-wasm/test/conformance.test.mjs).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync, execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'

import {
  Signer,
  NOW,
  claims,
  jwksServer,
  ISSUER,
  AUDIENCE,
  projectVectorFiles,
  sharedVectorFiles,
  projectFilterVectorFiles,
  sharedFilterVectorFiles,
} from './support.mjs'

/** Defines the tests of the conformance runner script `runner` (a path). */
export function conformanceTests(runner) {
const run = (...files) => spawnSync(process.execPath, [runner, ...files], { encoding: 'utf8' })

test("the project's vectors pass", () => {
  const r = run(...projectVectorFiles())
  assert.equal(r.status, 0, r.stdout.slice(-3000))
  assert.match(r.stdout.trim(), / passed, 0 failed$/)
})

test('the shared vectors pass', (t) => {
  const files = sharedVectorFiles(t)
  if (!files) return
  const r = run(...files)
  assert.equal(r.status, 0, r.stdout.slice(-3000))
})

test("the project's filter vectors pass: matches, authorize and SQLite agree on every row", () => {
  const r = run(...projectFilterVectorFiles())
  assert.equal(r.status, 0, r.stdout.slice(-3000))
  assert.match(r.stdout.trim(), / passed, 0 failed$/)
})

test('the shared filter vectors pass', (t) => {
  const files = sharedFilterVectorFiles(t)
  if (!files) return
  const r = run(...files)
  assert.equal(r.status, 0, r.stdout.slice(-3000))
})

test('a wrong filter expectation is reported', () => {
  const [base] = projectFilterVectorFiles().flatMap((f) => JSON.parse(readFileSync(f, 'utf8')).vectors)
    .filter((v) => v.expect.ok && v.expect.filter?.kind === 'conditional')
  const rows = base.filter.rows.map((row) => row.id).filter((id) => !base.expect.filter.rows.includes(id)).slice(0, 1)
  const wrongRows = { ...base, id: 'wrong-rows', expect: { ok: true, filter: { rows: [...base.expect.filter.rows, ...rows] } } }
  const wrongKind = { ...base, id: 'wrong-kind', expect: { ok: true, filter: { ...base.expect.filter, kind: 'always' } } }
  const file = join(mkdtempSync(join(tmpdir(), 'wardgate-')), 'filters.json')
  writeFileSync(file, JSON.stringify({ suite: 't', vectors: [base, wrongRows, wrongKind] }))
  const r = run(file)
  assert.equal(r.status, 1)
  const lines = r.stdout.trim().split('\n')
  assert.ok(lines[0].startsWith(`FAIL ${file} wrong-rows: expected `) && lines[0].includes('filter.rows: expected'), lines[0])
  assert.ok(lines[1].startsWith(`FAIL ${file} wrong-kind: expected `) && lines[1].includes('filter.kind: expected "always", got "conditional"'), lines[1])
  assert.equal(lines.at(-1), '1 passed, 2 failed')
})

test('a wrong expectation is reported, and bad files fail', () => {
  const every = projectVectorFiles().flatMap((f) => JSON.parse(readFileSync(f, 'utf8')).vectors)
  const [good, base] = every.filter((v) => v.expect.ok === false)
  const wrong = { ...base, id: 'deliberately-wrong', expect: { ...base.expect, reason: 'not_a_reason' } }
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-'))
  const file = join(dir, 'vectors.json')
  writeFileSync(file, JSON.stringify({ suite: 't', vectors: [good, wrong] }))
  const r = run(file)
  assert.equal(r.status, 1)
  const lines = r.stdout.trim().split('\n')
  assert.ok(lines[0].startsWith(`FAIL ${file} deliberately-wrong: expected `), lines[0])
  assert.ok(lines[0].includes('reason: expected "not_a_reason"'))
  assert.equal(lines.at(-1), '1 passed, 1 failed')
  const bad = join(dir, 'bad.json')
  writeFileSync(bad, '{')
  const r2 = run(bad, join(dir, 'absent.json'))
  assert.equal(r2.status, 1)
  assert.equal(r2.stdout.split('FAIL ').length - 1, 2)
  assert.equal(run().status, 2)
})

test('vectors whose policy has keys.jwks_url: fetched, unavailable, or refused before any fetch', async () => {
  const signer = new Signer('k1')
  const token = signer.sign(claims())
  const live = await jwksServer([signer])
  const gone = await jwksServer([signer])
  gone.down()
  const policy = (url) => ({ token: { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] }, keys: { jwks_url: url } })
  const vectors = [
    { id: 'fetched', policy: policy(live.url), now: NOW, token, expect: { ok: true, principal: { id: 'user_1' } } },
    { id: 'fetched-authorization', policy: policy(live.url), now: NOW, authorization: `Bearer ${token}`, expect: { ok: true } },
    {
      id: 'unavailable',
      policy: policy(gone.url),
      now: NOW,
      token,
      expect: { ok: false, code: 'KEYS_UNAVAILABLE', status: 503, reason: 'keys_unavailable' },
    },
    { id: 'malformed', policy: policy(live.url), now: NOW, token: 'not-a-token', expect: { ok: false, reason: 'malformed' } },
  ]
  const file = join(mkdtempSync(join(tmpdir(), 'wardgate-')), 'remote.json')
  writeFileSync(file, JSON.stringify({ suite: 'remote', vectors }))
  try {
    // Not spawnSync: the server answers from this process's event loop.
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [runner, file], { encoding: 'utf8' })
    assert.equal(stdout.trim(), '4 passed, 0 failed')
    assert.equal(stderr, '', 'the key cache logs nothing to the runner output')
    assert.equal(live.requests, 2, 'one fetch per vector engine; none for the malformed token')
  } finally {
    live.close()
  }
})
}
