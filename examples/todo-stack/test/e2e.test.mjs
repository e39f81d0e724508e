// End to end, over real HTTP on 127.0.0.1: Better Auth signs users in and issues EdDSA JWTs
// (the jwt plugin, keys rotating every few seconds here), the FastAPI todo API and the
// Next.js app (`next build`, then `next start`: proxy.ts and a route handler, both on Node
// with the native addon) check them against one policy whose keys come from Better Auth's
// /api/auth/jwks.
//
// Run with ./run test (which builds everything first). Better Auth's database is a SQLite
// file in a fresh folder, or the PostgreSQL database named by DATABASE_URL (postgres://...,
// which should be empty: the test signs up fixed email addresses).
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { betterAuth } from 'better-auth'
import { getMigrations } from 'better-auth/db/migration'
import { API_URL, AuthClient, WEB_URL, startStack } from '../stack.mjs'
import { authOptions, database } from '../auth.config.mjs'

const EXPIRES_IN = 8 // seconds: JWT_EXPIRATION
const ROTATION = 30 // seconds: JWKS_ROTATION_INTERVAL
const COOLDOWN = 2 // policy.json keys.refresh.cooldown
const LEEWAY = 2 // policy.json token.leeway

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000))
const claims = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
const header = (token) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())

/** A call to the FastAPI todo API with a bearer token: `{ status, body }`. */
async function api(token, method, path, body) {
  const response = await fetch(`${API_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

/** A page request to the Next.js app, as a browser navigation. */
async function page(path, { cookie } = {}) {
  const response = await fetch(`${WEB_URL}${path}`, {
    redirect: 'manual',
    headers: { accept: 'text/html', ...(cookie ? { cookie: `wardgate_token=${cookie}` } : {}) },
  })
  return { status: response.status, location: response.headers.get('location'), text: await response.text() }
}

/** Text of an HTML attribute value as React writes it. */
const unescapeHtml = (text) =>
  text.replace(/&(?:amp|quot|lt|gt|#x([0-9a-f]+)|#(\d+));/gi, (entity, hex, dec) =>
    hex ? String.fromCodePoint(parseInt(hex, 16)) : dec ? String.fromCodePoint(Number(dec)) : { '&amp;': '&', '&quot;': '"', '&lt;': '<', '&gt;': '>' }[entity],
  )

/**
 * Where the sign-in page at `path` sends the user after signing in: the value of its hidden
 * `returnTo` field, which the server filled in and the form follows.
 */
async function signInDestination(path) {
  const signIn = await page(path)
  assert.equal(signIn.status, 200, path)
  const field = signIn.text.match(/<input[^>]*\bname="returnTo"[^>]*>/)
  assert.ok(field, `the sign-in page at ${path} names no return address`)
  const value = field[0].match(/\bvalue="([^"]*)"/)
  assert.ok(value, `the returnTo field at ${path} has no value`)
  return unescapeHtml(value[1])
}

/** Files mapped into the processes of the process group `pgid` (Linux: /proc/<pid>/maps). */
function mappedFiles(pgid) {
  const files = new Set()
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      // After "pid (comm) ": state, ppid, pgrp, ...
      const [, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(pgrp) !== pgid) continue
      for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
        const at = line.indexOf('/')
        if (at >= 0) files.add(line.slice(at))
      }
    } catch {
      // Gone, or not ours to read.
    }
  }
  return [...files]
}

/** The files of the package `wardgate` that `next build` traced for an entry of .next/server. */
function tracedWardgateFiles(entry) {
  const trace = JSON.parse(readFileSync(new URL(`../.next/server/${entry}.nft.json`, import.meta.url), 'utf8'))
  const marker = '/node_modules/wardgate/'
  return trace.files
    .filter((file) => file.includes(marker))
    .map((file) => file.slice(file.lastIndexOf(marker) + marker.length))
    .sort()
}

/** The Node route (native addon): `{ status, body }`. */
async function me(token) {
  const response = await fetch(`${WEB_URL}/api/me`, { headers: { authorization: `Bearer ${token}` } })
  return { status: response.status, body: await response.json() }
}

describe('the todo stack', { timeout: 240_000 }, () => {
  const data = mkdtempSync(join(tmpdir(), 'wardgate-stack-'))
  const admin = { email: 'admin@example.com', password: 'admin-test-password', name: 'Admin', role: 'admin' }
  const users = {
    a: { email: 'a@example.com', password: 'a-test-password', name: 'A' },
    b: { email: 'b@example.com', password: 'b-test-password', name: 'B' },
    banned: { email: 'c@example.com', password: 'c-test-password', name: 'C' },
  }
  const clients = {}
  let stack
  const authDatabase = process.env.DATABASE_URL || join(data, 'auth.db')

  /** Sets the admin plugin's `banned` flag on a user row, straight in Better Auth's database. */
  async function setBanned(email) {
    const db = await database({ DATABASE_URL: authDatabase })
    if (typeof db.end === 'function') {
      await db.query('UPDATE "user" SET banned = true WHERE email = $1', [email])
      await db.end()
    } else {
      db.prepare('UPDATE user SET banned = 1 WHERE email = ?').run(email)
      db.close()
    }
  }

  before(async () => {
    stack = await startStack({
      data,
      quiet: true,
      users: [admin],
      env: { JWT_EXPIRATION: `${EXPIRES_IN}s`, JWKS_ROTATION_INTERVAL: String(ROTATION), DATABASE_URL: authDatabase },
    })
    for (const [name, user] of Object.entries(users)) {
      clients[name] = new AuthClient()
      await clients[name].signUp(user)
    }
    clients.admin = new AuthClient()
    await clients.admin.signIn(admin)
  })

  after(async () => {
    await stack?.stop()
    for (const child of stack?.processes ?? []) {
      assert.throws(() => process.kill(child.pid, 0), { code: 'ESRCH' }, `${child.label} is still running`)
    }
    rmSync(data, { recursive: true, force: true })
  })

  test('proxy.ts runs on Node with the native addon; the pages load only the light modules', async () => {
    const server = new URL('../.next/server/', import.meta.url)
    // `next build` made a Node proxy, no Edge middleware, and one Edge function: the route
    // of app/api/edge/me (the WebAssembly build, revocation.url).
    const edge = JSON.parse(readFileSync(new URL('middleware-manifest.json', server), 'utf8'))
    assert.deepEqual([edge.middleware, Object.keys(edge.functions)], [{}, ['/api/edge/me/route']], 'the Edge functions in middleware-manifest.json')
    const functions = JSON.parse(readFileSync(new URL('functions-config-manifest.json', server), 'utf8')).functions
    assert.equal(functions['/_middleware']?.runtime, 'nodejs', JSON.stringify(functions))
    assert.deepEqual(functions['/_middleware'].matchers.map((m) => m.originalSource), ['/dashboard', '/dashboard/:path*'])
    // Node loads `wardgate/next` and the addon from node_modules (serverExternalPackages); the
    // WebAssembly build is not part of the proxy.
    const proxy = tracedWardgateFiles('middleware.js')
    assert.ok(proxy.includes('next.mjs') && proxy.some((file) => /^wardgate\.[\w-]+\.node$/.test(file)), proxy.join(', '))
    assert.ok(!proxy.some((file) => file.startsWith('wasm/') || file === 'edge.mjs'), proxy.join(', '))
    // The pages import wardgate/next/principal and wardgate/next/return-to: no engine, no next.mjs.
    assert.deepEqual(tracedWardgateFiles('app/dashboard/page.js'), ['next-principal.mjs', 'package.json'])
    assert.deepEqual(tracedWardgateFiles('app/sign-in/page.js'), ['next-return-to.mjs', 'package.json'])

    // The `next start` process answers through the proxy and has the addon loaded.
    const anonymous = await page('/dashboard')
    assert.equal(anonymous.status, 307)
    assert.equal(new URL(anonymous.location, WEB_URL).href, `${WEB_URL}/sign-in?returnTo=%2Fdashboard`)
    if (existsSync('/proc/self/maps')) {
      const next = stack.processes.find((child) => child.label === 'next')
      const addons = mappedFiles(next.pid).filter((file) => /\/node_modules\/wardgate\/wardgate\.[\w-]+\.node$/.test(file))
      assert.equal(addons.length, 1, 'the native addon is not loaded in the next start process')
    }
  })

  test('users get EdDSA JWTs from Better Auth, with its base URL as issuer and audience', async () => {
    const token = await clients.a.token()
    assert.equal(header(token).alg, 'EdDSA')
    const c = claims(token)
    assert.equal(c.iss, WEB_URL)
    assert.equal(c.aud, WEB_URL)
    assert.equal(c.email, users.a.email)
    assert.equal(c.exp - c.iat, EXPIRES_IN)
  })

  test("each user's todos are theirs: B can neither list, read, update nor delete A's", async () => {
    const a = await clients.a.token()
    const b = await clients.b.token()
    const created = await api(a, 'POST', '/todos', { title: 'A private todo' })
    assert.equal(created.status, 201)
    const id = created.body.id
    assert.equal(created.body.owner_id, claims(a).sub)

    const listed = await api(b, 'GET', '/todos')
    assert.equal(listed.status, 200)
    assert.deepEqual(listed.body, [], "B's list holds only the todos B may read")
    const mine = await api(b, 'POST', '/todos', { title: "B's todo" })
    assert.deepEqual((await api(b, 'GET', '/todos')).body.map((t) => t.id), [mine.body.id])
    for (const [method, body] of [['GET'], ['PATCH', { done: true }], ['DELETE']]) {
      const refused = await api(b, method, `/todos/${id}`, body)
      assert.equal(refused.status, 403, `${method} by B`)
      assert.equal(refused.body.code, 'INSUFFICIENT_PERMISSIONS')
    }
    const unchanged = await api(a, 'GET', `/todos/${id}`)
    assert.deepEqual([unchanged.status, unchanged.body.done, unchanged.body.title], [200, false, 'A private todo'])

    assert.equal((await api(a, 'PATCH', `/todos/${id}`, { done: true })).body.done, true)
    assert.deepEqual((await api(a, 'GET', '/todos')).body.map((t) => t.id), [id])

    const other = (await api(a, 'POST', '/todos', { title: 'to delete' })).body.id
    assert.equal((await api(a, 'DELETE', `/todos/${other}`)).status, 204)
    assert.equal((await api(a, 'GET', `/todos/${other}`)).status, 404)
  })

  test('the admin (admin plugin role) may list, read and update every todo', async () => {
    const a = await clients.a.token()
    const id = (await api(a, 'POST', '/todos', { title: 'seen by the admin' })).body.id
    const b = (await api(await clients.b.token(), 'POST', '/todos', { title: "B's, seen by the admin" })).body.id
    const token = await clients.admin.token()
    assert.deepEqual(claims(token).role, 'admin')
    const all = await api(token, 'GET', '/todos')
    assert.equal(all.status, 200)
    assert.ok(all.body.some((t) => t.id === id) && all.body.some((t) => t.id === b), "the admin's list holds everyone's")
    // The Node route asks the same policy: the admin's `read` filter on todos is `always`.
    assert.equal((await me(token)).body.may.listAllTodos, true)
    assert.equal((await api(token, 'GET', `/todos/${id}`)).status, 200)
    assert.equal((await api(token, 'PATCH', `/todos/${id}`, { title: 'edited by the admin' })).status, 200)
    assert.equal((await api(a, 'GET', `/todos/${id}`)).body.title, 'edited by the admin')
  })

  test('a banned user is refused by the forbid rule, in FastAPI and in the proxy', async () => {
    const before = await clients.banned.token()
    assert.equal((await api(before, 'POST', '/todos', { title: 'before the ban' })).status, 201)
    // A ban kept on the user row while the session lives (Better Auth's own ban endpoint
    // also ends the user's sessions and refuses new ones: see below). Tokens minted now
    // carry banned: true.
    await setBanned(users.banned.email)
    const token = await clients.banned.token()
    assert.equal(claims(token).banned, true)
    const refused = await api(token, 'POST', '/todos', { title: 'after the ban' })
    assert.deepEqual([refused.status, refused.body.reason], [403, 'forbidden'])
    // The list is the todos the user may read: none, not even the one made before the ban.
    const listed = await api(token, 'GET', '/todos')
    assert.deepEqual([listed.status, listed.body], [200, []])
    const self = await me(token)
    assert.deepEqual([self.status, self.body.may.viewDashboard, self.body.may.listAllTodos], [200, false, false])
    const dashboard = await page('/dashboard', { cookie: token })
    assert.equal(dashboard.status, 403)
    assert.equal(JSON.parse(dashboard.text).reason, 'forbidden')

    // Banned through the admin plugin: Better Auth ends B's sessions and refuses sign-in.
    const ban = await clients.admin.post('/api/auth/admin/ban-user', { userId: claims(await clients.b.token()).sub })
    assert.equal(ban.status, 200)
    assert.equal((await clients.b.request('/api/auth/token')).status, 401)
    await assert.rejects(new AuthClient().signIn(users.b), /403/)
  })

  test('/dashboard redirects to sign-in without a session and renders with one', async () => {
    const anonymous = await page('/dashboard')
    assert.equal(anonymous.status, 307)
    assert.equal(new URL(anonymous.location, WEB_URL).href, `${WEB_URL}/sign-in?returnTo=%2Fdashboard`)
    // What the sign-in page does after Better Auth's sign-in: /api/session-token sets the cookie.
    const browser = new AuthClient()
    await browser.signIn(users.a)
    assert.equal((await browser.post('/api/session-token')).status, 200)
    const cookie = browser.cookie('wardgate_token')
    assert.ok(cookie)
    const dashboard = await page('/dashboard', { cookie })
    assert.equal(dashboard.status, 200)
    assert.match(dashboard.text, /Signed in as <strong data-testid="user">a@example\.com<\/strong>/)
    const self = await me(cookie)
    assert.equal(self.status, 200)
    assert.deepEqual([self.body.email, self.body.may.viewDashboard, self.body.may.listAllTodos], [users.a.email, true, false])
  })

  test('the sign-in page returns only to a path on this site (no open redirect)', async () => {
    const destination = (returnTo) => signInDestination(`/sign-in?returnTo=${encodeURIComponent(returnTo)}`)
    const refused = [
      '//evil.example/phish',
      '/\\evil.example/phish',
      '\\/evil.example/phish',
      '/\t/evil.example/phish',
      '/\n/evil.example/phish',
      '/.//evil.example/phish',
      `${WEB_URL}//evil.example/phish`,
      'javascript:alert(document.cookie)',
      'https://evil.example/phish',
      'http://127.0.0.1:3000.evil.example/phish',
      'http://127.0.0.1:3000@evil.example/phish',
      '',
      `/${'a'.repeat(4000)}`,
    ]
    for (const returnTo of refused) assert.equal(await destination(returnTo), '/dashboard', JSON.stringify(returnTo))
    // The two attacks as written in a link, without percent-encoding.
    assert.equal(await signInDestination('/sign-in?returnTo=//evil.example/phish'), '/dashboard')
    assert.equal(await signInDestination('/sign-in?returnTo=/\\evil.example/phish'), '/dashboard')
    // Missing, or given twice (the second could be anything).
    assert.equal(await signInDestination('/sign-in'), '/dashboard')
    assert.equal(await signInDestination('/sign-in?returnTo=%2Ftodos&returnTo=%2F%2Fevil.example'), '/dashboard')

    const kept = [
      ['/todos?x=1', '/todos?x=1'],
      ['/dashboard?tab=1#top', '/dashboard?tab=1#top'],
      [`${WEB_URL}/todos?x=1`, '/todos?x=1'],
      ['/%5Cevil.example/phish', '/%5Cevil.example/phish'],
    ]
    for (const [returnTo, path] of kept) assert.equal(await destination(returnTo), path, JSON.stringify(returnTo))

    // The whole way: the proxy's redirect, then the sign-in page it names.
    const anonymous = await page('/dashboard?tab=1')
    assert.equal(anonymous.status, 307)
    const signIn = new URL(anonymous.location, WEB_URL)
    assert.equal(signIn.origin + signIn.pathname, `${WEB_URL}/sign-in`)
    assert.equal(await signInDestination(signIn.pathname + signIn.search), '/dashboard?tab=1')
  })

  test('a token from another Better Auth instance (other keys) is refused everywhere', async () => {
    const otherData = mkdtempSync(join(tmpdir(), 'wardgate-other-'))
    try {
      // Same base URL, so issuer and audience match: only the signing keys differ.
      const options = await authOptions({ BETTER_AUTH_SECRET: 'another-instance-secret-0123456789', DATABASE_URL: join(otherData, 'auth.db') })
      await (await getMigrations(options)).runMigrations()
      const other = betterAuth(options)
      const { token } = await other.api.signJWT({ body: { payload: { sub: 'intruder', email: 'x@example.com' } } })
      assert.equal(claims(token).iss, WEB_URL)
      const refused = await api(token, 'GET', '/todos')
      assert.deepEqual([refused.status, refused.body.reason], [401, 'unknown_key'])
      const route = await me(token)
      assert.deepEqual([route.status, route.body.reason], [401, 'unknown_key'])
      const dashboard = await page('/dashboard', { cookie: token })
      assert.equal(dashboard.status, 307)
      options.database.close()
    } finally {
      rmSync(otherData, { recursive: true, force: true })
    }
  })

  test('after a key rotation, new tokens verify in FastAPI, the Node route and the proxy without a restart', async () => {
    // The previous test made every verifier fetch the key set (for the intruder's kid): a
    // new kid is looked for at most once per cooldown.
    await sleep(COOLDOWN)
    const first = await clients.a.token()
    assert.equal((await api(first, 'GET', '/todos')).status, 200)
    assert.equal((await page('/dashboard', { cookie: first })).status, 200)
    assert.equal((await me(first)).status, 200)
    await sleep(ROTATION + 1)
    const second = await clients.a.token()
    assert.notEqual(header(second).kid, header(first).kid, 'Better Auth rotated its signing key')
    assert.equal((await api(second, 'GET', '/todos')).status, 200)
    assert.equal((await page('/dashboard', { cookie: second })).status, 200)
    const self = await me(second)
    assert.equal(self.status, 200)
    assert.ok(self.body.keys.kids.includes(header(second).kid))
    assert.ok(self.body.keys.kids.includes(header(first).kid), 'the old key stays listed for its grace period')
  })

  /**
   * Polls until `token` is refused as revoked by FastAPI and by the Node route; the
   * milliseconds from `since` until both refused it (at most `limit`).
   */
  async function refusedEverywhere(token, since, limit = 1000) {
    const done = { api: null, me: null }
    while (done.api === null || done.me === null) {
      if (done.api === null) {
        const r = await api(token, 'GET', '/todos')
        if (r.status === 401 && r.body.reason === 'revoked') done.api = performance.now() - since
        else assert.equal(r.status, 200, JSON.stringify(r.body))
      }
      if (done.me === null) {
        const r = await me(token)
        if (r.status === 401 && r.body.reason === 'revoked') done.me = performance.now() - since
        else assert.equal(r.status, 200, JSON.stringify(r.body))
      }
      assert.ok(performance.now() - since < limit, `still accepted after ${limit} ms: ${JSON.stringify(done)}`)
    }
    return Math.max(done.api, done.me)
  }

  const propagation = []
  const edgePropagation = []
  after(() => {
    if (propagation.length) console.log(`# revocation reached FastAPI and the Node route in: ${propagation.map((p) => p.toFixed(1)).join(', ')} ms`)
    if (edgePropagation.length) console.log(`# and the Edge route (revocation.url, max_age 1 s) in: ${edgePropagation.map((p) => p.toFixed(1)).join(', ')} ms`)
  })

  // Each client from an address of its own (x-forwarded-for): Better Auth's rate limits
  // allow a few sign-ups and sign-ins per address and window.
  let addresses = 0
  const address = () => `198.51.100.${++addresses}`

  async function signedUp(user, sessions = 1) {
    const first = new AuthClient(address())
    await first.signUp(user)
    const all = [first]
    for (let i = 1; i < sessions; i++) {
      const next = new AuthClient(address())
      await next.signIn(user)
      all.push(next)
    }
    return all
  }

  test("sign-out revokes the session's token in FastAPI, the Node route and the proxy within a second, and on the Edge", async () => {
    const [d] = await signedUp({ email: 'd@example.com', password: 'd-test-password', name: 'D' })
    const token = await d.token()
    assert.equal(typeof claims(token).sid, 'string', 'tokens carry their session id')
    assert.equal((await api(token, 'GET', '/todos')).status, 200)
    assert.equal((await me(token)).status, 200)
    const edge = await fetch(`${WEB_URL}/api/edge/me`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(edge.status, 200, await edge.text())
    const since = performance.now()
    assert.equal((await d.post('/api/auth/sign-out')).status, 200)
    propagation.push(await refusedEverywhere(token, since))
    const dashboard = await page('/dashboard', { cookie: token })
    assert.equal(dashboard.status, 307, 'the proxy sends a revoked token to sign-in')
    // The Edge route (WebAssembly, revocation.url: the set Better Auth's plugin serves,
    // fetched again once a second old) refuses it within its refresh interval.
    for (;;) {
      const edge = await fetch(`${WEB_URL}/api/edge/me`, { headers: { authorization: `Bearer ${token}` } })
      const body = await edge.json()
      if (edge.status === 401 && body.reason === 'revoked') break
      assert.equal(edge.status, 200, JSON.stringify(body))
      assert.ok(performance.now() - since < 3000, 'the Edge route still accepts the token 3 s after the sign-out')
      await sleep(0.05)
    }
    edgePropagation.push(performance.now() - since)
    const refused = await api(token, 'GET', '/todos')
    assert.deepEqual(refused.body, { detail: 'the token has been revoked', code: 'TOKEN_INVALID', status: 401, reason: 'revoked' })
  })

  test('revokeSessions and a ban refuse every session of that user, and no one else', async () => {
    const other = await clients.a.token()
    const [e1, e2] = await signedUp({ email: 'e@example.com', password: 'e-test-password', name: 'E' }, 2)
    const eTokens = [await e1.token(), await e2.token()]
    let since = performance.now()
    assert.equal((await e1.post('/api/auth/revoke-sessions')).status, 200)
    for (const token of eTokens) propagation.push(await refusedEverywhere(token, since))

    const [f1, f2] = await signedUp({ email: 'f@example.com', password: 'f-test-password', name: 'F' }, 2)
    const fTokens = [await f1.token(), await f2.token()]
    since = performance.now()
    const ban = await clients.admin.post('/api/auth/admin/ban-user', { userId: claims(fTokens[0]).sub })
    assert.equal(ban.status, 200)
    for (const token of fTokens) propagation.push(await refusedEverywhere(token, since))

    assert.equal((await api(other, 'GET', '/todos')).status, 200, 'another user is unaffected')
    assert.equal((await me(other)).status, 200)
  })

  test("a password change that revokes the other sessions keeps the current session's new token", async () => {
    const user = { email: 'g@example.com', password: 'g-test-password', name: 'G' }
    const [g1, g2] = await signedUp(user, 2)
    const elsewhere = await g2.token()
    const since = performance.now()
    const changed = await g1.post('/api/auth/change-password', {
      currentPassword: user.password,
      newPassword: 'g-new-test-password',
      revokeOtherSessions: true,
    })
    assert.equal(changed.status, 200)
    propagation.push(await refusedEverywhere(elsewhere, since))
    const current = await g1.token()
    assert.equal((await api(current, 'GET', '/todos')).status, 200)
    assert.equal((await me(current)).status, 200)
  })

  test("an admin signs a user out everywhere through FastAPI's admin route", async () => {
    const [i] = await signedUp({ email: 'i@example.com', password: 'i-test-password', name: 'I' })
    const token = await i.token()
    const admin = await clients.admin.token()
    assert.equal((await api(token, 'POST', `/admin/users/${claims(token).sub}/logout`)).status, 403, 'not for a user')
    const since = performance.now()
    assert.equal((await api(admin, 'POST', `/admin/users/${claims(token).sub}/logout`)).status, 204)
    propagation.push(await refusedEverywhere(token, since))
    assert.equal((await api(admin, 'GET', '/todos')).status, 200, 'the admin is not affected')
  })

  test('an expired token is TOKEN_EXPIRED in FastAPI and the Node route, and redirects in the proxy', async () => {
    const token = await clients.a.token()
    assert.equal((await api(token, 'GET', '/todos')).status, 200)
    const wait = claims(token).exp + LEEWAY + 1 - Date.now() / 1000
    await sleep(Math.max(0, wait))
    const expired = await api(token, 'GET', '/todos')
    assert.deepEqual([expired.status, expired.body.code], [401, 'TOKEN_EXPIRED'])
    assert.equal((await me(token)).body.code, 'TOKEN_EXPIRED')
    const dashboard = await page('/dashboard', { cookie: token })
    assert.equal(dashboard.status, 307)
  })

  test('Redis stopped: tokens verify for stale_for, then 503 everywhere, and all recovers when it is back', async () => {
    const STALE_FOR = 5 // policy.json revocation.stale_for
    const token = await clients.a.token()
    assert.equal((await api(token, 'GET', '/todos')).status, 200)
    await stack.redis.stop()
    const stopped = performance.now()
    // The last set keeps serving...
    assert.equal((await api(token, 'GET', '/todos')).status, 200)
    assert.equal((await me(token)).status, 200)
    // ...while a sign-out, which cannot revoke, fails rather than leave its token working.
    const [h] = await signedUp({ email: 'h@example.com', password: 'h-test-password', name: 'H' })
    const signOut = await h.post('/api/auth/sign-out')
    assert.equal(signOut.status, 503)
    assert.equal((await signOut.json()).code, 'WARDGATE_REVOCATION_FAILED')
    assert.equal((await h.request('/api/auth/token')).status, 200, 'the session was not ended')
    // Past stale_for (counted from Redis's last answer): 503 with Retry-After, in both.
    for (;;) {
      const r = await api(token, 'GET', '/todos')
      if (r.status === 503) {
        assert.equal(r.body.code, 'REVOCATION_UNAVAILABLE')
        break
      }
      assert.equal(r.status, 200)
      assert.ok(performance.now() - stopped < (STALE_FOR + 3) * 1000, 'FastAPI still answers 200 long past stale_for')
      await sleep(0.05)
    }
    const unavailableAfter = (performance.now() - stopped) / 1000
    assert.ok(unavailableAfter >= STALE_FOR - 1.5, `503 after ${unavailableAfter} s`)
    // The Node route's mirror last heard from Redis at its own ping, up to a second apart.
    let route
    for (;;) {
      route = await fetch(`${WEB_URL}/api/me`, { headers: { authorization: `Bearer ${token}` } })
      if (route.status === 503) break
      assert.equal(route.status, 200)
      assert.ok(performance.now() - stopped < (STALE_FOR + 3) * 1000, 'the Node route still answers 200 long past stale_for')
      await sleep(0.05)
    }
    assert.equal(route.headers.get('retry-after'), '5')
    assert.equal((await route.json()).code, 'REVOCATION_UNAVAILABLE')
    console.log(`# Redis stopped: 503 after ${unavailableAfter.toFixed(2)} s (stale_for ${STALE_FOR} s)`)
    await stack.redis.start()
    const back = performance.now()
    const fresh = await clients.a.token()
    for (;;) {
      const [r, m] = [await api(fresh, 'GET', '/todos'), await me(fresh)]
      if (r.status === 200 && m.status === 200) break
      assert.ok(performance.now() - back < 5000, `not back 5 s after Redis: ${r.status} ${m.status}`)
      await sleep(0.05)
    }
  })
})
