// `wardgate/next/principal` and `wardgate/next/return-to` are light: a page that only reads
// the principal, or a sign-in page that only checks a return address, loads neither the
// engine (native addon or WebAssembly) nor `next`, at run time or in TypeScript. Each check
// runs in an app folder of its own whose node_modules holds only `wardgate` (a link to this
// package), so nothing else is there to be found, and each has a control: the same check
// on `wardgate/next` sees `next` and the engine.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const pkg = fileURLToPath(new URL('..', import.meta.url))
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

/** A folder with `node_modules/wardgate` linked to this package and nothing else. */
function app(t) {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-next-light-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(pkg, join(dir, 'node_modules', 'wardgate'), 'dir')
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
  return dir
}

// Module hooks for the child: every resolution is written down, and `next` (and anything
// under it) and the engine (`wardgate` itself, its native loader and its WebAssembly build)
// are replaced by an empty module, so that a module that needs one of them fails to link,
// after all of its imports have been resolved (and written down).
const hooks = `
import { appendFileSync } from 'node:fs'
const log = process.env.WARDGATE_RESOLVE_LOG
const engine = /\\/(index|native|api|edge|wasm-node|wasm-engine)\\.m?js$|\\.node$|\\.wasm$|\\/wasm\\/wardgate\\.js$/
const empty = 'data:text/javascript,export {}'
export async function resolve(specifier, context, nextResolve) {
  const refused = specifier === 'next' || specifier.startsWith('next/') || specifier === 'wardgate'
  let url = null
  let error = null
  if (!refused) {
    try {
      url = (await nextResolve(specifier, context)).url
    } catch (e) {
      error = e.code ?? String(e)
    }
  }
  const blocked = refused || (url !== null && engine.test(url))
  appendFileSync(log, JSON.stringify({ specifier, parent: context.parentURL ?? null, url, blocked, error }) + '\\n')
  if (blocked) return { url: empty, shortCircuit: true }
  if (error) throw new Error('cannot resolve ' + specifier)
  return { url, shortCircuit: true }
}
`

/**
 * Imports `specifier` from a script in `dir`, in a child process under the hooks (and with
 * `process.dlopen` watched, for addons loaded by CommonJS code the hooks do not see).
 * `{ ok, exports, dlopen, resolved, stderr }`: `resolved` lists every resolution after the
 * script's own.
 */
function load(dir, specifier) {
  const log = join(dir, `resolve-${Math.random().toString(36).slice(2)}.log`)
  writeFileSync(log, '')
  const script = join(dir, 'main.mjs')
  writeFileSync(
    script,
    `
const dlopen = []
const original = process.dlopen
process.dlopen = function (module, file, ...rest) {
  dlopen.push(file)
  return original.call(this, module, file, ...rest)
}
try {
  const loaded = await import(${JSON.stringify(specifier)})
  console.log(JSON.stringify({ ok: true, exports: Object.keys(loaded).sort(), dlopen }))
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: String(error), dlopen }))
}
`,
  )
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)})`
  const child = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, script], {
    cwd: dir,
    env: { ...process.env, WARDGATE_RESOLVE_LOG: log, NODE_PATH: '' },
    encoding: 'utf8',
  })
  assert.equal(child.status, 0, child.stderr)
  const result = JSON.parse(child.stdout.trim().split('\n').at(-1))
  const scriptUrl = pathToFileURL(script).href
  const resolved = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((r) => r.url !== scriptUrl)
  return { ...result, resolved, stderr: child.stderr }
}

describe('the import graph at run time', () => {
  test('wardgate/next/principal is one module that imports nothing', (t) => {
    const dir = app(t)
    const result = load(dir, 'wardgate/next/principal')
    assert.ok(result.ok, result.error)
    assert.deepEqual(result.exports, ['PRINCIPAL_HEADER', 'USER_ID_HEADER', 'readPrincipal'])
    assert.deepEqual(
      result.resolved.map((r) => [r.specifier, r.url]),
      [['wardgate/next/principal', pathToFileURL(join(pkg, 'next-principal.mjs')).href]],
    )
    assert.deepEqual(result.dlopen, [])
  })

  test('wardgate/next/return-to is one module that imports nothing', (t) => {
    const dir = app(t)
    const result = load(dir, 'wardgate/next/return-to')
    assert.ok(result.ok, result.error)
    assert.deepEqual(result.exports, ['DEFAULT_RETURN_TO', 'MAX_RETURN_TO_LENGTH', 'requestOrigin', 'safeReturnTo'])
    assert.deepEqual(
      result.resolved.map((r) => [r.specifier, r.url]),
      [['wardgate/next/return-to', pathToFileURL(join(pkg, 'next-return-to.mjs')).href]],
    )
    assert.deepEqual(result.dlopen, [])
  })

  test('next is not to be found in the app folder', (t) => {
    const dir = app(t)
    const resolve = spawnSync(process.execPath, ['--input-type=module', '-e', "import.meta.resolve('next/server.js')"], { cwd: dir, encoding: 'utf8' })
    assert.notEqual(resolve.status, 0)
    assert.match(resolve.stderr, /ERR_MODULE_NOT_FOUND|Cannot find (package|module) 'next'/)
  })

  test('control: the same check on wardgate/next sees next/server.js and the engine', (t) => {
    const dir = app(t)
    const result = load(dir, 'wardgate/next')
    assert.equal(result.ok, false, 'wardgate/next links without next and the engine')
    const blocked = result.resolved.filter((r) => r.blocked).map((r) => r.specifier)
    assert.ok(blocked.includes('next/server.js'), JSON.stringify(result.resolved))
    assert.ok(blocked.includes('wardgate'), JSON.stringify(result.resolved))
    const light = result.resolved.filter((r) => !r.blocked).map((r) => r.url)
    assert.ok(light.includes(pathToFileURL(join(pkg, 'next-principal.mjs')).href), JSON.stringify(light))
    assert.ok(light.includes(pathToFileURL(join(pkg, 'next-return-to.mjs')).href), JSON.stringify(light))
  })
})

describe('the TypeScript declarations without next', () => {
  const source = `
import { readPrincipal, PRINCIPAL_HEADER, USER_ID_HEADER, type Principal } from 'wardgate/next/principal'
import { safeReturnTo, requestOrigin } from 'wardgate/next/return-to'

const headers = { get: (name: string): string | null => (name === 'host' ? '127.0.0.1:3000' : null) }
const principal: Principal | null = readPrincipal(headers)
const id: string | undefined = principal?.id
const roles: readonly string[] = principal?.roles ?? []
const name: 'x-wardgate-principal' = PRINCIPAL_HEADER
const user: 'x-wardgate-user-id' = USER_ID_HEADER
const path: string = safeReturnTo(['/todos'], requestOrigin(headers), '/dashboard')
export { id, roles, name, user, path }
`

  // `module` and `moduleResolution` as a Next.js app (bundler) and as Node (nodenext) read
  // them; the libraries of a Next.js app (es2022 and the DOM, for URL and Headers) but no
  // @types/node (`types: []`), and the package's own declarations checked (skipLibCheck:
  // false).
  const settings = {
    bundler: { module: 'esnext', moduleResolution: 'bundler' },
    nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  }

  function check(dir, text, resolution) {
    writeFileSync(join(dir, 'page.ts'), text)
    const compilerOptions = { strict: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], types: [], skipLibCheck: false, ...settings[resolution] }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['page.ts'] }))
    return spawnSync(process.execPath, [tsc, '-p', dir, '--noEmit'], { encoding: 'utf8' })
  }

  for (const resolution of Object.keys(settings)) {
    test(`readPrincipal and safeReturnTo type-check from the light paths (${resolution})`, (t) => {
      const dir = app(t)
      const r = check(dir, source, resolution)
      assert.equal(r.status, 0, r.stdout + r.stderr)
    })

    test(`a misuse of the light declarations is caught (${resolution})`, (t) => {
      const dir = app(t)
      const r = check(dir, "import { readPrincipal } from 'wardgate/next/principal'\nconst n: number = readPrincipal({ get: () => null })!.id\n", resolution)
      assert.notEqual(r.status, 0)
      assert.match(r.stdout, /Type 'string' is not assignable to type 'number'/)
    })

    test(`control: wardgate/next needs next's types (${resolution})`, (t) => {
      const dir = app(t)
      const r = check(dir, "import { readPrincipal } from 'wardgate/next'\nexport const p = readPrincipal({ get: () => null })\n", resolution)
      assert.notEqual(r.status, 0)
      assert.match(r.stdout, /Cannot find module 'next\/server\.js'/)
    })
  }
})
