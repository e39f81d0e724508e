import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, symlinkSync, mkdirSync, copyFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..')
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

function compile(source, file = 'app.ts', { skipLibCheck = false } = {}) {
  // A project that depends on the package, as an app would.
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-types-'))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(pkg, join(dir, 'node_modules', 'wardgate'), 'dir')
  // wardgate/drizzle's and wardgate/better-auth's types name drizzle-orm's and better-auth's,
  // optional peers the app installs.
  symlinkSync(join(pkg, 'node_modules', 'drizzle-orm'), join(dir, 'node_modules', 'drizzle-orm'), 'dir')
  symlinkSync(join(pkg, 'node_modules', 'better-auth'), join(dir, 'node_modules', 'better-auth'), 'dir')
  writeFileSync(join(dir, file), source)
  const config = { compilerOptions: { strict: true, noEmit: true, module: 'nodenext', target: 'es2022', skipLibCheck, types: [] }, files: [file] }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config))
  return spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' })
}

test('the declarations type an app that uses the package', () => {
  const dir = dirname(fileURLToPath(import.meta.url))
  const source = createRequire(import.meta.url)('node:fs').readFileSync(join(dir, 'types.ts'), 'utf8')
  const r = compile(source)
  assert.equal(r.status, 0, r.stdout + r.stderr)
})

test('the declarations type an app that uses wardgate/drizzle', () => {
  const dir = dirname(fileURLToPath(import.meta.url))
  const source = createRequire(import.meta.url)('node:fs').readFileSync(join(dir, 'types-drizzle.mts'), 'utf8')
  // drizzle-orm's own declarations need skipLibCheck (as its documentation says); the app's
  // uses of wardgate/drizzle are checked all the same, and an `any` would fail the
  // @ts-expect-error lines.
  const r = compile(source, 'app.mts', { skipLibCheck: true })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})

test('the declarations type an app that uses wardgate/better-auth', () => {
  const dir = dirname(fileURLToPath(import.meta.url))
  const source = createRequire(import.meta.url)('node:fs').readFileSync(join(dir, 'types-better-auth.mts'), 'utf8')
  // better-auth's own declarations need skipLibCheck, as drizzle-orm's do; the app's uses of
  // wardgate/better-auth are checked all the same (an `any` would fail the @ts-expect-error lines).
  const r = compile(source, 'app.mts', { skipLibCheck: true })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})

test('the declarations catch a misuse of filters', () => {
  const r = compile(
    "import { Engine } from 'wardgate'\n" +
      "const f = new Engine('{}').filter({ id: 'u', roles: [], tenant: null, claims: {} }, 'read', 'todo')\n" +
      "f.sql('mysql', { id: 'text' })\n" +
      "f.sql('sqlite', { id: 'uuid' })\n",
  )
  assert.notEqual(r.status, 0)
  assert.match(r.stdout, /'"mysql"' is not assignable to parameter of type 'SqlDialect'/)
  assert.match(r.stdout, /'"uuid"' is not assignable/)
})

test('the declarations catch a misuse', () => {
  const r = compile("import { Engine } from 'wardgate'\nconst n: number = new Engine('{}').verifySync('t').id\n")
  assert.notEqual(r.status, 0)
  assert.match(r.stdout, /Type 'string' is not assignable to type 'number'/)
})
