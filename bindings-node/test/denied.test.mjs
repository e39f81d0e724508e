import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { deniedTests } from './denied-suite.mjs'

const require = createRequire(import.meta.url)
deniedTests(require('../index.js'))

// The engines' configuration error object names what is wrong `problem` (`message` in
// builds before the rename); either way the JS error's field is `problem`.
test('ConfigError takes problem from the engine, or message from an older build', () => {
  const { createApi } = require('../api.js')
  for (const named of [{ problem: 'unknown field' }, { message: 'unknown field' }]) {
    class NativeEngine {
      static load() {
        return { code: 'CONFIG_ERROR', path: 'token.audiance', detail: 'token.audiance: unknown field', ...named }
      }
    }
    const { Engine, ConfigError } = createApi(NativeEngine)
    assert.throws(() => new Engine({}), (e) => {
      assert.ok(e instanceof ConfigError)
      assert.deepEqual([e.detail, e.path, e.problem], ['token.audiance: unknown field', 'token.audiance', 'unknown field'])
      return true
    })
  }
})

// The declarations, compiled as an app that depends on the package would (see types.test.mjs).
const APP = `
import { Engine, AuthError, ConfigError, type AllowedDecision, type Decision } from 'wardgate'

const engine = new Engine('{}')
const request = { action: 'read', resource: { type: 'todo' } }
const decision: Decision = engine.checkSync('t', request)
const allowed: AllowedDecision = decision.throwIfDenied()
const yes: true = allowed.allowed
const ok: 200 = allowed.status
const reason: null = allowed.reason
const later: Promise<AllowedDecision> = engine.check('t', request).then((d) => d.throwIfDenied())
// @ts-expect-error: a decision may deny
const unchecked: AllowedDecision = decision
void [yes, ok, reason, later, unchecked]

function body(e: unknown): { detail: string; code: string; status: number; reason: string } | null {
  return e instanceof AuthError ? e.toJSON() : null
}
function config(e: ConfigError): string[] {
  return [e.detail, e.path, e.problem, e.message]
}
void [body, config]
`

test('the declarations type throwIfDenied and the fields of ConfigError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-types-'))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(join(dirname(fileURLToPath(import.meta.url)), '..'), join(dir, 'node_modules', 'wardgate'), 'dir')
  writeFileSync(join(dir, 'app.ts'), APP)
  const compilerOptions = { strict: true, noEmit: true, module: 'nodenext', target: 'es2022', skipLibCheck: false, types: [] }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['app.ts'] }))
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})
