// End to end: `next build`, then `next start` on a free port, then real HTTP requests.
// Tokens are signed here with the test-only key tests/keys/ed25519-1.pem (kid ed-1), whose
// public half is in policy.json.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createPrivateKey, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const app = fileURLToPath(new URL('..', import.meta.url))
const nextBin = fileURLToPath(new URL('../node_modules/next/dist/bin/next', import.meta.url))
const keys = new URL('../../../tests/keys/', import.meta.url)
const ISSUER = 'http://localhost:3000'
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }

const b64url = (data) => Buffer.from(data).toString('base64url')
const signingKey = createPrivateKey(readFileSync(new URL('ed25519-1.pem', keys)))
const otherKey = createPrivateKey(readFileSync(new URL('ed25519-2.pem', keys)))

function token(extra = {}, key = signingKey) {
  const now = Math.floor(Date.now() / 1000)
  const payload = {
    sub: 'user_1',
    iss: ISSUER,
    aud: ISSUER,
    iat: now - 60,
    exp: now + 900,
    email: 'ada@example.com',
    name: 'Ada',
    role: 'user',
    emailVerified: true,
    ...extra,
  }
  const input = `${b64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid: 'ed-1' }))}.${b64url(JSON.stringify(payload))}`
  return `${input}.${b64url(sign(null, Buffer.from(input), key))}`
}

const bearer = (jwt) => ({ authorization: `Bearer ${jwt}` })
const HTML = { accept: 'text/html,application/xhtml+xml' }
const forged = b64url(JSON.stringify({ id: 'mallory', roles: ['admin'], tenant: null, claims: { sub: 'mallory' } }))

let server
let base
let output = ''

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

async function waitUntilUp(url, child, seconds = 60) {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${output}`)
    try {
      await fetch(url, { redirect: 'manual' })
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  throw new Error(`next start did not answer within ${seconds} s:\n${output}`)
}

before(async () => {
  const bundler = process.env.E2E_BUNDLER === 'webpack' ? ['--webpack'] : []
  const build = spawnSync(process.execPath, [nextBin, 'build', ...bundler], { cwd: app, env, encoding: 'utf8' })
  assert.equal(build.status, 0, `next build failed:\n${build.stdout}\n${build.stderr}`)

  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  server = spawn(process.execPath, [nextBin, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: app,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server.stdout.on('data', (chunk) => (output += chunk))
  server.stderr.on('data', (chunk) => (output += chunk))
  await waitUntilUp(`${base}/`, server)
})

after(async () => {
  if (!server || server.exitCode !== null) return
  const exited = new Promise((resolve) => server.once('exit', resolve))
  server.kill('SIGTERM')
  const timer = setTimeout(() => server.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
})

const get = (path, headers = {}) => fetch(`${base}${path}`, { headers, redirect: 'manual' })

/** Where the sign-in page at `path` sends the user after signing in: its link's address. */
async function signInDestination(path) {
  const response = await get(path, HTML)
  assert.equal(response.status, 200, path)
  const link = (await response.text()).match(/<p id="return-to">[^<]*<a href="([^"]*)"/)
  assert.ok(link, `the sign-in page at ${path} names no return address`)
  return link[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
}

test('the middleware is an Edge function that bundles the WebAssembly engine', () => {
  const next = new URL('../.next/', import.meta.url)
  const manifest = JSON.parse(readFileSync(new URL('server/middleware-manifest.json', next)))
  const middleware = manifest.middleware['/']
  assert.ok(middleware, 'no Edge middleware in middleware-manifest.json')
  const engine = readFileSync(new URL('../node_modules/wardgate/wasm/wardgate_bg.wasm', import.meta.url))
  assert.ok(
    middleware.wasm.some((w) => readFileSync(new URL(w.filePath, next)).equals(engine)),
    `wardgate_bg.wasm is not among the middleware's WebAssembly modules ${JSON.stringify(middleware.wasm)}`,
  )
})

test('pages and route handlers load only wardgate/next/principal and wardgate/next/return-to', () => {
  // What `next build` traced for each server entry that Node runs: the light modules, never
  // the engine (native addon or WebAssembly) or next.mjs.
  const marker = '/node_modules/wardgate/'
  const traced = (entry) =>
    JSON.parse(readFileSync(new URL(`../.next/server/${entry}.nft.json`, import.meta.url)))
      .files.filter((file) => file.includes(marker))
      .map((file) => file.slice(file.lastIndexOf(marker) + marker.length))
      .sort()
  for (const [entry, module] of [
    ['app/page.js', 'next-principal.mjs'],
    ['app/dashboard/page.js', 'next-principal.mjs'],
    ['app/api/todos/route.js', 'next-principal.mjs'],
    ['app/api/admin/route.js', 'next-principal.mjs'],
    ['app/sign-in/page.js', 'next-return-to.mjs'],
  ]) {
    assert.deepEqual(traced(entry), [module, 'package.json'], entry)
  }
})

test('an API request without a token is a JSON 401', async () => {
  const response = await get('/api/todos')
  assert.equal(response.status, 401)
  assert.equal(response.headers.get('www-authenticate'), 'Bearer')
  assert.match(response.headers.get('content-type'), /^application\/json/)
  const body = await response.json()
  assert.deepEqual(
    { code: body.code, status: body.status, reason: body.reason },
    { code: 'TOKEN_MISSING', status: 401, reason: 'missing' },
  )
  assert.equal(typeof body.detail, 'string')
})

test('an Authorization value that is not Bearer is TOKEN_MISSING', async () => {
  const response = await get('/api/todos', { authorization: 'Basic dXNlcjpwYXNz' })
  assert.equal(response.status, 401)
  assert.equal((await response.json()).code, 'TOKEN_MISSING')
})

test('a page request without a token is redirected to the sign-in page', async () => {
  const response = await get('/dashboard?tab=1', HTML)
  assert.equal(response.status, 307)
  const location = new URL(response.headers.get('location'), base)
  assert.equal(location.pathname, '/sign-in')
  assert.equal(location.searchParams.get('returnTo'), '/dashboard?tab=1')

  assert.equal(await signInDestination(location.pathname + location.search), '/dashboard?tab=1')
})

test('the sign-in page returns only to a path on this site (no open redirect)', async () => {
  const destination = (returnTo) => signInDestination(`/sign-in?returnTo=${encodeURIComponent(returnTo)}`)
  for (const returnTo of [
    '//evil.example/phish',
    '/\\evil.example/phish',
    '\\/evil.example/phish',
    '/\t/evil.example/phish',
    '/.//evil.example/phish',
    'javascript:alert(document.cookie)',
    'https://evil.example/phish',
    `${base}.evil.example/phish`,
    '',
    `/${'a'.repeat(4000)}`,
  ]) {
    assert.equal(await destination(returnTo), '/dashboard', JSON.stringify(returnTo))
  }
  assert.equal(await signInDestination('/sign-in?returnTo=//evil.example/phish'), '/dashboard')
  assert.equal(await signInDestination('/sign-in?returnTo=/\\evil.example/phish'), '/dashboard')
  assert.equal(await signInDestination('/sign-in'), '/dashboard')
  assert.equal(await destination('/todos?x=1'), '/todos?x=1')
  assert.equal(await destination(`${base}/todos?x=1`), '/todos?x=1')
})

test('a page request to a doubled-slash path never leads off the site', async () => {
  // Next normalizes the path first (a 308), or the middleware sends it to sign in with that
  // path as the return address; either way, the sign-in page returns to this site.
  let response = await get('//evil.example/phish', HTML)
  for (let hops = 0; response.status >= 300 && response.status < 400 && hops < 5; hops++) {
    const next = new URL(response.headers.get('location'), base)
    assert.equal(next.origin, base)
    if (next.pathname === '/sign-in') {
      const path = await signInDestination(next.pathname + next.search)
      assert.equal(new URL(path, base).origin, base, path)
      assert.match(path, /^\/(?![/\\])/)
      return
    }
    response = await get(next.pathname + next.search, HTML)
  }
  assert.fail(`no redirect to the sign-in page: ${response.status}`)
})

test('a valid token reaches the API with the principal', async () => {
  const response = await get('/api/todos', bearer(token()))
  assert.equal(response.status, 200)
  const body = await response.json()
  assert.equal(body.userId, 'user_1')
  assert.equal(body.todos[0].ownerId, 'user_1')
})

test('a valid token shows the principal on the page', async () => {
  const response = await get('/dashboard', { ...HTML, ...bearer(token()) })
  assert.equal(response.status, 200)
  const html = await response.text()
  assert.match(html, /Signed in as user_1/)
  assert.match(html, /Roles: user/)
  assert.match(html, /ada@example\.com/)
})

test('the token cookie works for page requests', async () => {
  const response = await get('/dashboard', { ...HTML, cookie: `theme=dark; token=${token({ sub: 'user_2' })}` })
  assert.equal(response.status, 200)
  assert.match(await response.text(), /Signed in as user_2/)
})

test('an expired token is a 401 TOKEN_EXPIRED', async () => {
  const now = Math.floor(Date.now() / 1000)
  const expired = token({ iat: now - 7200, exp: now - 3600 })
  const response = await get('/api/todos', bearer(expired))
  assert.equal(response.status, 401)
  assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"')
  const body = await response.json()
  assert.deepEqual([body.code, body.reason, body.status], ['TOKEN_EXPIRED', 'expired', 401])

  const page = await get('/dashboard', { ...HTML, cookie: `token=${expired}` })
  assert.equal(page.status, 307)
  assert.equal(new URL(page.headers.get('location'), base).pathname, '/sign-in')
})

test('a token signed with another key is a 401 TOKEN_INVALID', async () => {
  const response = await get('/api/todos', bearer(token({}, otherKey)))
  assert.equal(response.status, 401)
  const body = await response.json()
  assert.deepEqual([body.code, body.reason], ['TOKEN_INVALID', 'bad_signature'])
})

test('a token for another audience is a 401 TOKEN_INVALID', async () => {
  const response = await get('/api/todos', bearer(token({ aud: 'https://elsewhere.example' })))
  assert.equal(response.status, 401)
  assert.equal((await response.json()).reason, 'audience_mismatch')
})

test('the admin route denies a principal without the role admin', async () => {
  const response = await get('/api/admin', bearer(token()))
  assert.equal(response.status, 403)
  assert.equal(response.headers.get('www-authenticate'), null)
  assert.deepEqual(await response.json(), {
    detail: 'no permit rule applies to this request',
    code: 'INSUFFICIENT_PERMISSIONS',
    status: 403,
    reason: 'denied',
  })
})

test('the admin route allows an admin', async () => {
  const response = await get('/api/admin', bearer(token({ sub: 'admin_1', role: 'admin' })))
  assert.equal(response.status, 200)
  assert.deepEqual(await response.json(), { admin: true, userId: 'admin_1' })
})

test('encoded, dotted or doubled paths do not get past the admin rule', async () => {
  for (const path of ['/api/%61dmin', '/api/admin%2F', '/API/admin', '/api/admin/', '//api/admin', '/api/todos/../admin']) {
    const response = await get(path, bearer(token()))
    assert.notEqual(response.status, 200, path)
    if (response.status === 308) assert.equal(response.headers.get('location'), '/api/admin', path)
  }
})

test('a forbid rule beats the admin role', async () => {
  const response = await get('/api/admin', bearer(token({ sub: 'admin_2', role: 'admin', banned: true })))
  assert.equal(response.status, 403)
  assert.equal((await response.json()).reason, 'forbidden')
})

test('forged x-wardgate-* request headers are replaced', async () => {
  const spoof = { 'x-wardgate-principal': forged, 'x-wardgate-user-id': 'mallory' }

  const todos = await get('/api/todos', { ...spoof, ...bearer(token()) })
  assert.equal(todos.status, 200)
  assert.equal((await todos.json()).userId, 'user_1')

  const admin = await get('/api/admin', { ...spoof, ...bearer(token()) })
  assert.equal(admin.status, 403)

  const anonymous = await get('/api/todos', spoof)
  assert.equal(anonymous.status, 401)

  const page = await get('/dashboard', { ...HTML, ...spoof, ...bearer(token()) })
  const html = await page.text()
  assert.match(html, /Signed in as user_1/)
  assert.doesNotMatch(html, /mallory/)
})

test('public pages get no principal, forged or not', async () => {
  const response = await get('/', { ...HTML, 'x-wardgate-principal': forged })
  assert.equal(response.status, 200)
  const html = await response.text()
  assert.match(html, /No principal on this page/)
  assert.doesNotMatch(html, /mallory/)
})
