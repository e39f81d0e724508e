// wardgate/better-auth against the real better-auth package, on an in-memory SQLite database
// (better-sqlite3) with Better Auth's own migrations: real sign-ups, sign-ins, JWTs from the
// jwt plugin and every way a session ends, checking which entries reach engine.revoke.
//
// The engine is made by makeEngine() alone: the native Engine on a real redis-server started
// for this file (memoryEngine(), which behaves as the Engine documents, only where
// redis-server is not installed outside CI). The assertions read
// what the plugin asked of the engine (a recording wrapper, whatever the engine) and what
// the engine's revocationSet() then holds, by membership, so a shared Redis with entries of
// other runs does not matter.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import Database from 'better-sqlite3'
import { betterAuth } from 'better-auth'
import { getMigrations } from 'better-auth/db/migration'
import { admin, jwt } from 'better-auth/plugins'

import { REVOCATION_FAILED, REVOCATION_UNAVAILABLE, REVOKED_PATH, wardgate, withSessionId } from 'wardgate/better-auth'
import { Engine } from 'wardgate'
import { startRedis } from './redis-server.mjs'
import { Signer, policyFor } from './support.mjs'

const BASE = 'http://127.0.0.1:3000'
const SECRET = 'a-test-secret-for-better-auth-0123456789'
const PASSWORD = 'correct horse battery'
const TTL = 900

const redis = await startRedis({ unref: true })
const signer = new Signer()

/** The engine the plugin writes to. */
function makeEngine() {
  if (!redis) return memoryEngine()
  return new Engine({ ...policyFor(signer), revocation: { redis_url: redis.url() } })
}

/**
 * revoke() and revocationSet() as the native Engine documents them, in memory: a `sid` or
 * `jti` entry revokes that session or token, a `sub` entry every token of that principal
 * issued at or before now (`subjects[sub] = now`).
 */
function memoryEngine() {
  const sid = new Set()
  const jti = new Set()
  const subjects = {}
  return {
    async revoke(entry) {
      const named = ['sid', 'jti', 'sub'].filter((key) => entry?.[key] !== undefined)
      if (named.length === 0 || named.some((key) => typeof entry[key] !== 'string' || entry[key] === '')) {
        throw Object.assign(new TypeError('entry needs a non-empty sid, jti or sub'), { code: 'ERR_INVALID_ARG_VALUE' })
      }
      if (!Number.isSafeInteger(entry.ttl) || entry.ttl <= 0) {
        throw Object.assign(new TypeError('entry.ttl must be a whole number of seconds above 0'), { code: 'ERR_INVALID_ARG_VALUE' })
      }
      if (entry.sid !== undefined) sid.add(entry.sid)
      if (entry.jti !== undefined) jti.add(entry.jti)
      if (entry.sub !== undefined) subjects[entry.sub] = Math.floor(Date.now() / 1000)
    },
    revocationSet() {
      return { sid: [...sid], jti: [...jti], subjects: { ...subjects } }
    },
  }
}

/**
 * The engine handed to the plugin: records each revoke() call, and rejects them (as an
 * unreachable store would, with an Error whose code is a string) while `down` is set.
 */
function recording(engine) {
  const recorder = {
    calls: [],
    down: null,
    engine: {
      async revoke(entry) {
        recorder.calls.push(entry)
        if (recorder.down) throw Object.assign(new Error('the revocation store cannot be reached'), { code: recorder.down })
        return engine.revoke(entry)
      },
      revocationSet: () => engine.revocationSet(),
    },
  }
  return recorder
}

/** A Better Auth instance with the jwt, admin and wardgate plugins, migrated. */
async function setup({ engine = makeEngine(), jwtOptions = {}, options = {}, wardgateOptions = {}, extraPlugins = [] } = {}) {
  const recorder = recording(engine)
  const logs = []
  const database = new Database(':memory:')
  const authOptions = {
    baseURL: BASE,
    secret: SECRET,
    database,
    emailAndPassword: { enabled: true },
    user: { deleteUser: { enabled: true } },
    logger: { level: 'info', log: (level, message, ...args) => logs.push([level, message, ...args.map(String)].join(' ')) },
    ...options,
    plugins: [
      jwt({ jwt: { definePayload: withSessionId(), ...jwtOptions } }),
      admin(),
      wardgate({ engine: recorder.engine, ...wardgateOptions }),
      ...extraPlugins,
    ],
  }
  const { runMigrations } = await getMigrations(authOptions)
  await runMigrations()
  const auth = betterAuth(authOptions)
  // The ids of a user's sessions, read from the database itself.
  const sessionsOf = (user) => new Set(database.prepare('SELECT id FROM session WHERE userId = ?').pluck().all(user.id))
  return { auth, context: await auth.$context, engine, recorder, logs, sessionsOf }
}

const cookieOf = (setCookie) => setCookie.getSetCookie().map((c) => c.split(';')[0]).join('; ')

async function signUp(auth, name) {
  const { headers } = await auth.api.signUpEmail({ body: { email: `${name}@example.com`, password: PASSWORD, name }, returnHeaders: true })
  return sessionOf(auth, headers)
}

async function signIn(auth, name) {
  const { headers } = await auth.api.signInEmail({ body: { email: `${name}@example.com`, password: PASSWORD }, returnHeaders: true })
  return sessionOf(auth, headers)
}

/** The signed-in session behind a response's cookies: request headers, session, user. */
async function sessionOf(auth, setCookie) {
  const headers = new Headers({ cookie: cookieOf(setCookie), origin: BASE })
  const found = await auth.api.getSession({ headers })
  assert.ok(found, 'signed in')
  return { headers, session: found.session, user: found.user }
}

async function jwtOf(auth, { headers }) {
  const { token } = await auth.api.getToken({ headers })
  return token
}

const claims = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'))

async function makeAdmin(context, user) {
  await context.internalAdapter.updateUser(user.id, { role: 'admin' })
}

/** The sorted sids of the revoke calls, and the other calls apart. */
function revoked(recorder) {
  const sids = recorder.calls.filter((c) => c.sid !== undefined).map((c) => c.sid).sort()
  const subs = recorder.calls.filter((c) => c.sub !== undefined).map((c) => c.sub).sort()
  return { sids, subs, calls: recorder.calls.length }
}

const sorted = (values) => [...values].sort()
const now = () => Math.floor(Date.now() / 1000)

/** Asserts that no log line and no message holds a session token, cookie or JWT. */
function assertNoSecrets(texts, secrets) {
  for (const text of texts) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `a session token or JWT appears in: ${text.slice(0, 200)}`)
  }
}

test('a JWT from the jwt plugin carries sid, the id of its session; the user payload is kept', async () => {
  const { auth } = await setup()
  const alice = await signUp(auth, 'alice')
  const token = await jwtOf(auth, alice)
  const payload = claims(token)
  assert.equal(payload.sid, alice.session.id)
  assert.equal(payload.sub, alice.user.id)
  assert.equal(payload.email, 'alice@example.com')
  assert.equal(payload.exp - payload.iat, TTL)

  // The set-auth-jwt header of get-session is signed by the same definePayload.
  const { headers } = await auth.api.getSession({ headers: alice.headers, returnHeaders: true })
  assert.equal(claims(headers.get('set-auth-jwt')).sid, alice.session.id)
})

test('withSessionId keeps what your definePayload returns and adds sid', async () => {
  const define = withSessionId(async ({ user }) => ({ name: user.name, tier: 'gold' }))
  const session = { user: { id: 'u1', name: 'Ann' }, session: { id: 's1', userId: 'u1' } }
  assert.deepEqual(await define(session), { name: 'Ann', tier: 'gold', sid: 's1' })
  assert.deepEqual(await withSessionId()(session), { id: 'u1', name: 'Ann', sid: 's1' })
  assert.deepEqual(await withSessionId(() => undefined)(session), { sid: 's1' })
  assert.deepEqual(await withSessionId(() => ({ sid: 's1', a: 1 }))(session), { sid: 's1', a: 1 })

  await assert.rejects(withSessionId(() => ({ sid: 'other' }))(session), {
    name: 'TypeError',
    message: 'withSessionId: definePayload returned a sid that is not the session id; leave sid to withSessionId',
  })
  await assert.rejects(withSessionId(() => 'claims')(session), /definePayload must return an object \(the token's claims\), not string/)
  await assert.rejects(withSessionId()({ user: { id: 'u1' }, session: {} }), /the jwt plugin gave a session without an id/)
  assert.throws(() => withSessionId('payload'), { name: 'TypeError', message: "withSessionId(definePayload): definePayload must be a function (the jwt plugin's jwt.definePayload) or absent, not string" })

  // With the jwt plugin, through its own endpoint.
  const { auth } = await setup({ jwtOptions: { definePayload: withSessionId(({ user }) => ({ name: user.name, tier: 'gold' })) } })
  const bob = await signUp(auth, 'bob')
  const payload = claims(await jwtOf(auth, bob))
  assert.equal(payload.sid, bob.session.id)
  assert.equal(payload.tier, 'gold')
  assert.equal(payload.email, undefined)
})

test('sign-out revokes its session, once, and no other', async () => {
  const { auth, engine, recorder, logs } = await setup()
  const alice = await signUp(auth, 'alice')
  const laptop = await signIn(auth, 'alice')
  const token = await jwtOf(auth, alice)

  const result = await auth.api.signOut({ headers: alice.headers })
  assert.equal(result.success, true)
  assert.deepEqual(recorder.calls, [{ sid: alice.session.id, ttl: TTL }])
  assert.ok(engine.revocationSet().sid.includes(alice.session.id))
  assert.ok(!engine.revocationSet().sid.includes(laptop.session.id))
  assert.equal(await auth.api.getSession({ headers: alice.headers }), null)
  assertNoSecrets(logs, [alice.session.token, token])
})

test('sign-out over HTTP (auth.handler) revokes its session', async () => {
  const { auth, recorder } = await setup()
  const alice = await signUp(auth, 'alice')
  const response = await auth.handler(new Request(`${BASE}/api/auth/sign-out`, { method: 'POST', headers: alice.headers }))
  assert.equal(response.status, 200)
  assert.deepEqual(recorder.calls, [{ sid: alice.session.id, ttl: TTL }])
})

test('revokeSession, revokeSessions and revokeOtherSessions revoke the sessions they end', async () => {
  const { auth, recorder } = await setup()
  const alice = await signUp(auth, 'alice')
  const phone = await signIn(auth, 'alice')
  const laptop = await signIn(auth, 'alice')
  const tablet = await signIn(auth, 'alice')
  const bob = await signUp(auth, 'bob')

  await auth.api.revokeSession({ headers: alice.headers, body: { token: phone.session.token } })
  assert.deepEqual(recorder.calls, [{ sid: phone.session.id, ttl: TTL }])

  recorder.calls.length = 0
  await auth.api.revokeOtherSessions({ headers: alice.headers })
  assert.deepEqual(revoked(recorder).sids, sorted([laptop.session.id, tablet.session.id]))
  assert.ok(await auth.api.getSession({ headers: alice.headers }), 'the current session stays')

  const desk = await signIn(auth, 'alice')
  recorder.calls.length = 0
  await auth.api.revokeSessions({ headers: desk.headers })
  assert.deepEqual(revoked(recorder), { sids: sorted([alice.session.id, desk.session.id]), subs: [], calls: 2 })
  assert.ok(await auth.api.getSession({ headers: bob.headers }), "another user's session stays")
})

test("the admin plugin's revokeUserSession and revokeUserSessions revoke the sessions they end", async () => {
  const { auth, context, recorder } = await setup()
  const root = await signUp(auth, 'root')
  await makeAdmin(context, root.user)
  const alice = await signUp(auth, 'alice')
  const phone = await signIn(auth, 'alice')

  await auth.api.revokeUserSession({ headers: root.headers, body: { sessionToken: phone.session.token } })
  assert.deepEqual(recorder.calls, [{ sid: phone.session.id, ttl: TTL }])

  const laptop = await signIn(auth, 'alice')
  recorder.calls.length = 0
  await auth.api.revokeUserSessions({ headers: root.headers, body: { userId: alice.user.id } })
  assert.deepEqual(revoked(recorder), { sids: sorted([alice.session.id, laptop.session.id]), subs: [], calls: 2 })
})

test('a ban revokes the user (sub, at the time of the ban) and their sessions', async () => {
  const { auth, context, engine, recorder } = await setup()
  const root = await signUp(auth, 'root')
  await makeAdmin(context, root.user)
  const alice = await signUp(auth, 'alice')
  const phone = await signIn(auth, 'alice')
  const before = now()

  await auth.api.banUser({ headers: root.headers, body: { userId: alice.user.id, banReason: 'spam' } })
  assert.deepEqual(revoked(recorder), { sids: sorted([alice.session.id, phone.session.id]), subs: [alice.user.id], calls: 3 })
  assert.deepEqual(recorder.calls[0], { sub: alice.user.id, ttl: TTL })
  const T = engine.revocationSet().subjects[alice.user.id]
  assert.ok(T >= before && T <= now(), `subjects[alice] is the time of the ban (${T})`)
  assert.equal(engine.revocationSet().subjects[root.user.id], undefined)

  // The admin's own update of a user who is not banned revokes nothing; unbanning neither.
  recorder.calls.length = 0
  await auth.api.unbanUser({ headers: root.headers, body: { userId: alice.user.id } })
  await auth.api.setRole({ headers: root.headers, body: { userId: alice.user.id, role: 'user' } })
  assert.deepEqual(recorder.calls, [])

  // adminUpdateUser with banned: true is a ban too.
  const bob = await signUp(auth, 'bob')
  await auth.api.adminUpdateUser({ headers: root.headers, body: { userId: bob.user.id, data: { banned: true } } })
  assert.deepEqual(revoked(recorder), { sids: [bob.session.id], subs: [bob.user.id], calls: 2 })
})

test('a password change with revokeOtherSessions revokes the old sessions by sid, never the user, and the new token works', async () => {
  const { auth, engine, recorder } = await setup()
  const alice = await signUp(auth, 'alice')
  const phone = await signIn(auth, 'alice')

  // Without revokeOtherSessions nothing ends, nothing is revoked.
  await auth.api.changePassword({ headers: alice.headers, body: { currentPassword: PASSWORD, newPassword: 'a second password', revokeOtherSessions: false } })
  assert.deepEqual(recorder.calls, [])

  const { headers, response } = await auth.api.changePassword({
    headers: alice.headers,
    body: { currentPassword: 'a second password', newPassword: PASSWORD, revokeOtherSessions: true },
    returnHeaders: true,
  })
  assert.ok(response.token, 'Better Auth made a new session')
  assert.deepEqual(revoked(recorder), { sids: sorted([alice.session.id, phone.session.id]), subs: [], calls: 2 })
  assert.equal(engine.revocationSet().subjects[alice.user.id], undefined, 'no sub entry: it would refuse a token issued in the same second')

  const current = await sessionOf(auth, headers)
  const fresh = claims(await jwtOf(auth, current))
  assert.equal(fresh.sid, current.session.id)
  assert.ok(!engine.revocationSet().sid.includes(fresh.sid), 'the new token is not revoked')
  assert.equal(engine.revocationSet().subjects[fresh.sub], undefined)
})

test('a deleted user is revoked (sub) with their sessions: deleteUser and the admin removeUser', async () => {
  const { auth, context, engine, recorder } = await setup()
  const alice = await signUp(auth, 'alice')
  const phone = await signIn(auth, 'alice')
  await auth.api.deleteUser({ headers: alice.headers, body: { password: PASSWORD } })
  assert.deepEqual(revoked(recorder), { sids: sorted([alice.session.id, phone.session.id]), subs: [alice.user.id], calls: 3 })
  assert.ok(engine.revocationSet().subjects[alice.user.id] <= now())

  const root = await signUp(auth, 'root')
  await makeAdmin(context, root.user)
  const bob = await signUp(auth, 'bob')
  recorder.calls.length = 0
  await auth.api.removeUser({ headers: root.headers, body: { userId: bob.user.id } })
  assert.deepEqual(revoked(recorder), { sids: [bob.session.id], subs: [bob.user.id], calls: 2 })
})

test('a bulk deletion of more sessions than Better Auth runs hooks for (100) revokes every one', async () => {
  // A second plugin counts the session.delete.before hooks Better Auth runs.
  let hooks = 0
  const counter = { id: 'count-session-hooks', init: () => ({ options: { databaseHooks: { session: { delete: { before: async () => void hooks++ } } } } }) }
  const { auth, context, recorder, sessionsOf } = await setup({ extraPlugins: [counter] })
  const alice = await signUp(auth, 'alice')
  const others = []
  for (let i = 0; i < 104; i++) others.push(await context.internalAdapter.createSession(alice.user.id))
  const bob = await signUp(auth, 'bob')

  await auth.api.revokeSessions({ headers: alice.headers })
  assert.deepEqual([...sessionsOf(alice.user)], [], 'Better Auth deleted the 105 sessions')
  assert.equal(hooks, 100, 'Better Auth ran the hook for 100 of them')
  assert.deepEqual(revoked(recorder).sids, sorted([alice.session.id, ...others.map((s) => s.id)]))
  assert.equal(recorder.calls.length, 105, 'each session once')
  assert.ok(await auth.api.getSession({ headers: bob.headers }))
})

test('a session that expired more than ttl ago is not revoked: none of its tokens can be valid', async () => {
  const { auth, context, recorder, sessionsOf } = await setup()
  const alice = await signUp(auth, 'alice')
  const at = (seconds) => ({ expiresAt: new Date(Date.now() + seconds * 1000) })
  const recent = await context.internalAdapter.createSession(alice.user.id, false, at(-60), true)
  const old = await context.internalAdapter.createSession(alice.user.id, false, at(-TTL - 60), true)
  assert.equal(sessionsOf(alice.user).size, 3)

  await auth.api.revokeSessions({ headers: alice.headers })
  assert.deepEqual(sessionsOf(alice.user).size, 0)
  assert.deepEqual(revoked(recorder).sids, sorted([alice.session.id, recent.id]))
  assert.ok(!revoked(recorder).sids.includes(old.id))
})

test('with a small defaultFindManyLimit: revokeOtherSessions, a password change and a ban revoke exactly the sessions that end', async () => {
  const { auth, context, recorder, sessionsOf } = await setup({ options: { advanced: { database: { defaultFindManyLimit: 3 } } } })
  const alice = await signUp(auth, 'alice')
  const root = await signUp(auth, 'root')
  await makeAdmin(context, root.user)
  const addSessions = async (n) => {
    for (let i = 0; i < n; i++) await context.internalAdapter.createSession(alice.user.id)
  }
  // Runs a flow and returns the ids of alice's sessions it ended, read from the database.
  const ended = async (flow) => {
    recorder.calls.length = 0
    const before = sessionsOf(alice.user)
    const result = await flow()
    const after = sessionsOf(alice.user)
    return { result, ended: sorted([...before].filter((id) => !after.has(id))) }
  }

  // revokeOtherSessions lists (at most 3) sessions and ends them one by one: the current
  // session is never revoked.
  await addSessions(6)
  const others = await ended(() => auth.api.revokeOtherSessions({ headers: alice.headers }))
  assert.ok(others.ended.length > 0 && !others.ended.includes(alice.session.id))
  assert.deepEqual(revoked(recorder), { sids: others.ended, subs: [], calls: others.ended.length })

  // deleteUserSessions: one bulk deletion, of more sessions than the hooks run for.
  await addSessions(5)
  const change = await ended(() =>
    auth.api.changePassword({ headers: alice.headers, body: { currentPassword: PASSWORD, newPassword: 'a second password', revokeOtherSessions: true }, returnHeaders: true }),
  )
  assert.ok(change.ended.length >= 6 && change.ended.includes(alice.session.id))
  assert.deepEqual(revoked(recorder), { sids: change.ended, subs: [], calls: change.ended.length })
  const current = await sessionOf(auth, change.result.headers)
  assert.deepEqual([...sessionsOf(alice.user)], [current.session.id])

  await addSessions(4)
  const ban = await ended(() => auth.api.banUser({ headers: root.headers, body: { userId: alice.user.id } }))
  assert.equal(ban.ended.length, 5)
  assert.deepEqual(revoked(recorder), { sids: ban.ended, subs: [alice.user.id], calls: 6 })
  assert.deepEqual([...sessionsOf(alice.user)], [])
})

test('with secondaryStorage, sessions kept in the database (storeSessionInDatabase, preserveSessionInDatabase) are revoked when they end', async () => {
  const store = new Map()
  const secondaryStorage = { get: async (key) => store.get(key) ?? null, set: async (key, value) => void store.set(key, value), delete: async (key) => void store.delete(key) }
  for (const preserveSessionInDatabase of [false, true]) {
    const { auth, context, recorder } = await setup({
      options: { secondaryStorage, session: { storeSessionInDatabase: true, preserveSessionInDatabase }, advanced: { database: { defaultFindManyLimit: 3 } } },
    })
    const alice = await signUp(auth, 'alice')
    const phone = await signIn(auth, 'alice')
    await auth.api.signOut({ headers: phone.headers })
    assert.deepEqual(recorder.calls, [{ sid: phone.session.id, ttl: TTL }], `preserveSessionInDatabase: ${preserveSessionInDatabase}`)

    const others = []
    for (let i = 0; i < 5; i++) others.push(await context.internalAdapter.createSession(alice.user.id))
    recorder.calls.length = 0
    await auth.api.revokeSessions({ headers: alice.headers })
    assert.deepEqual(revoked(recorder).sids, sorted([alice.session.id, ...others.map((s) => s.id)]), `preserveSessionInDatabase: ${preserveSessionInDatabase}`)
    assert.equal(recorder.calls.length, 6)
  }
})

test('a revoke that fails makes sign-out fail, naming revocation, and leaves the session alive', async () => {
  const { auth, engine, recorder, logs } = await setup()
  const alice = await signUp(auth, 'alice')
  const token = await jwtOf(auth, alice)
  recorder.down = 'REVOCATION_STORE_UNAVAILABLE'

  await assert.rejects(auth.api.signOut({ headers: alice.headers }), (error) => {
    assert.equal(error.statusCode, 503)
    assert.equal(error.body.code, REVOCATION_FAILED)
    assert.equal(
      error.message,
      "wardgate: the session's tokens could not be revoked (engine.revoke failed with code REVOCATION_STORE_UNAVAILABLE), so they would still be accepted until they expire; the request was stopped",
    )
    assert.equal(error.cause.code, 'REVOCATION_STORE_UNAVAILABLE')
    return true
  })
  assert.ok(await auth.api.getSession({ headers: alice.headers }), 'the session was not ended')
  assert.ok(!engine.revocationSet().sid.includes(alice.session.id))

  // Over HTTP: a 503 with the code and message, and no cookie cleared.
  const response = await auth.handler(new Request(`${BASE}/api/auth/sign-out`, { method: 'POST', headers: alice.headers }))
  assert.equal(response.status, 503)
  assert.equal(response.headers.get('retry-after'), '5')
  assert.deepEqual(response.headers.getSetCookie(), [])
  const body = await response.json()
  assert.equal(body.code, REVOCATION_FAILED)
  assert.match(body.message, /could not be revoked/)
  assertNoSecrets([JSON.stringify(body), ...logs], [alice.session.token, token, cookieOf(new Headers([['set-cookie', alice.headers.get('cookie')]]))])

  // Once the engine answers again, sign-out works.
  recorder.down = null
  await auth.api.signOut({ headers: alice.headers })
  assert.ok(engine.revocationSet().sid.includes(alice.session.id))
})

test('a revoke that fails fails revokeSession(s), a ban and a password change with the revocation error, not a bare 500', async () => {
  const { auth, context, recorder, logs } = await setup()
  const alice = await signUp(auth, 'alice')
  const phone = await signIn(auth, 'alice')
  const root = await signUp(auth, 'root')
  await makeAdmin(context, root.user)
  recorder.down = 'REVOCATION_STORE_UNAVAILABLE'

  const revocationError = (error) => {
    assert.equal(error.statusCode, 503)
    assert.equal(error.body.code, REVOCATION_FAILED)
    assert.match(error.message, /^wardgate: the (session|user)'s tokens could not be revoked \(engine\.revoke failed with code REVOCATION_STORE_UNAVAILABLE\)/)
    return true
  }
  await assert.rejects(auth.api.revokeSession({ headers: alice.headers, body: { token: phone.session.token } }), revocationError)
  await assert.rejects(auth.api.revokeSessions({ headers: alice.headers }), revocationError)
  await assert.rejects(auth.api.revokeOtherSessions({ headers: alice.headers }), revocationError)
  await assert.rejects(auth.api.banUser({ headers: root.headers, body: { userId: alice.user.id } }), revocationError)
  await assert.rejects(auth.api.changePassword({ headers: phone.headers, body: { currentPassword: PASSWORD, newPassword: 'a second password', revokeOtherSessions: true } }), revocationError)
  await assert.rejects(auth.api.removeUser({ headers: root.headers, body: { userId: alice.user.id } }), revocationError)

  // The sessions were not deleted (the hook stops the deletion before it happens).
  assert.ok(await auth.api.getSession({ headers: phone.headers }))
  assert.ok(await context.internalAdapter.findUserById(alice.user.id))
  assertNoSecrets(logs, [alice.session.token, phone.session.token])
})

test('GET /api/auth/wardgate/revoked serves the revoked set as JSON, never cached', async () => {
  const { auth, context, engine } = await setup()
  const root = await signUp(auth, 'root')
  await makeAdmin(context, root.user)
  const alice = await signUp(auth, 'alice')
  await auth.api.signOut({ headers: alice.headers })
  const bob = await signUp(auth, 'bob')
  await auth.api.banUser({ headers: root.headers, body: { userId: bob.user.id } })

  assert.equal(REVOKED_PATH, '/wardgate/revoked')
  const response = await auth.handler(new Request(`${BASE}/api/auth/wardgate/revoked`))
  assert.equal(response.status, 200)
  assert.equal(response.headers.get('cache-control'), 'no-store')
  assert.match(response.headers.get('content-type'), /^application\/json/)
  const set = await response.json()
  assert.deepEqual(Object.keys(set), ['sid', 'jti', 'subjects'])
  assert.deepEqual(set, engine.revocationSet())
  assert.ok(set.sid.includes(alice.session.id) && set.sid.includes(bob.session.id))
  assert.ok(!set.sid.includes(root.session.id))
  assert.ok(Number.isInteger(set.subjects[bob.user.id]))
  assert.equal(set.subjects[alice.user.id], undefined)

  // auth.api gives the same object.
  assert.deepEqual(await auth.api.getRevocationSet(), set)

  // Only GET.
  const post = await auth.handler(new Request(`${BASE}/api/auth/wardgate/revoked`, { method: 'POST', headers: { origin: BASE } }))
  assert.notEqual(post.status, 200)
})

test('the endpoint answers 503 when the engine cannot give the set', async () => {
  const failing = {
    revoke: async () => {},
    revocationSet() {
      throw Object.assign(new Error('no set yet'), { code: 'REVOCATION_UNAVAILABLE' })
    },
  }
  const { auth } = await setup({ engine: failing })
  const response = await auth.handler(new Request(`${BASE}/api/auth/wardgate/revoked`))
  assert.equal(response.status, 503)
  assert.equal(response.headers.get('cache-control'), 'no-store')
  assert.equal(response.headers.get('retry-after'), '5')
  assert.deepEqual(await response.json(), {
    code: REVOCATION_UNAVAILABLE,
    message: 'wardgate: the revoked set is not available (engine.revocationSet() failed with code REVOCATION_UNAVAILABLE)',
  })

  const wrong = await setup({ engine: { revoke: async () => {}, revocationSet: () => ['s1'] } })
  const answer = await wrong.auth.handler(new Request(`${BASE}/api/auth/wardgate/revoked`))
  assert.equal(answer.status, 500)
  assert.match((await answer.json()).message, /engine\.revocationSet\(\) returned an array, not \{ sid: \[\.\.\.\], jti: \[\.\.\.\], subjects: \{\.\.\.\} \}/)
})

test('ttl: the jwt plugin token lifetime by default, options.ttl otherwise, never shorter than the lifetime', async () => {
  const hour = await setup({ jwtOptions: { expirationTime: '1h' } })
  const alice = await signUp(hour.auth, 'alice')
  await hour.auth.api.signOut({ headers: alice.headers })
  assert.deepEqual(hour.recorder.calls, [{ sid: alice.session.id, ttl: 3600 }])

  const longer = await setup({ wardgateOptions: { ttl: 1000 } })
  const bob = await signUp(longer.auth, 'bob')
  await longer.auth.api.signOut({ headers: bob.headers })
  assert.deepEqual(longer.recorder.calls, [{ sid: bob.session.id, ttl: 1000 }])

  await assert.rejects(setup({ jwtOptions: { expirationTime: '1h' }, wardgateOptions: { ttl: 900 } }), {
    message: "wardgate: options.ttl (900 s) is shorter than the jwt plugin's token lifetime (3600 s), so a revoked token would be accepted again before it expires",
  })
  await assert.rejects(setup({ jwtOptions: { expirationTime: new Date(Date.now() + 60_000) } }), /jwt\.expirationTime is not a duration this plugin reads .* give wardgate\(\{ ttl \}\) in seconds/)
  const absolute = await setup({ jwtOptions: { expirationTime: new Date(Date.now() + 60_000) }, wardgateOptions: { ttl: 120 } })
  assert.ok(absolute.context)
})

test('Better Auth set-ups whose tokens could not be revoked are refused when the auth context is made', async () => {
  const base = { baseURL: BASE, secret: SECRET, database: new Database(':memory:'), logger: { disabled: true } }
  const engine = recording(makeEngine()).engine
  const made = (options) => betterAuth({ ...base, ...options }).$context

  await assert.rejects(made({ plugins: [jwt(), wardgate({ engine })] }), {
    message: "wardgate: the jwt plugin's tokens carry no sid, so ending a session could not revoke them; set jwt({ jwt: { definePayload: withSessionId() } }) (from 'wardgate/better-auth'; withSessionId(yourDefinePayload) keeps your own)",
  })
  await assert.rejects(made({ plugins: [jwt({ jwt: { definePayload: async ({ user }) => user } }), wardgate({ engine })] }), /tokens carry no sid/)
  await assert.rejects(made({ plugins: [jwt({ jwt: { definePayload: withSessionId(), getSubject: ({ user }) => user.email } }), wardgate({ engine })] }), {
    message: "wardgate: the jwt plugin sets jwt.getSubject, so a token's sub is not the user's id; give wardgate({ subject }) the same mapping from a user to the sub, for bans and deleted users",
  })
  const storage = { get: async () => null, set: async () => {}, delete: async () => {} }
  await assert.rejects(made({ secondaryStorage: storage, plugins: [wardgate({ engine })] }), {
    message: 'wardgate: Better Auth keeps sessions in secondaryStorage only, where ending a session runs no database hook, so their tokens could not be revoked; set session.storeSessionInDatabase: true',
  })
  assert.ok(await made({ secondaryStorage: storage, session: { storeSessionInDatabase: true }, plugins: [wardgate({ engine })] }))
  assert.ok(await made({ plugins: [wardgate({ engine })] }), 'without the jwt plugin')
})

test('with getSubject, options.subject gives the sub of bans and deleted users', async () => {
  const { auth, context, recorder } = await setup({
    jwtOptions: { getSubject: ({ user }) => `user:${user.id}` },
    wardgateOptions: { subject: (user) => `user:${user.id}` },
  })
  const root = await signUp(auth, 'root')
  await makeAdmin(context, root.user)
  const alice = await signUp(auth, 'alice')
  assert.equal(claims(await jwtOf(auth, alice)).sub, `user:${alice.user.id}`)
  await auth.api.banUser({ headers: root.headers, body: { userId: alice.user.id } })
  assert.deepEqual(revoked(recorder), { sids: [alice.session.id], subs: [`user:${alice.user.id}`], calls: 2 })
})

test('wardgate(options) names what is wrong with its options', () => {
  const engine = recording(makeEngine()).engine
  const cases = [
    [undefined, 'wardgate(options): options must be an object ({ engine, ttl?, subject? }), not undefined'],
    [{}, 'wardgate(options): options.engine must be a Wardgate Engine, not undefined'],
    [{ engine: { revoke() {} } }, 'wardgate(options): options.engine has no revocationSet() method; give an Engine whose policy has a revocation section that can be written to (revocation.redis_url)'],
    [{ engine, ttl: 0 }, 'wardgate(options): options.ttl must be a whole number of seconds above 0, not 0'],
    [{ engine, ttl: 1.5 }, 'wardgate(options): options.ttl must be a whole number of seconds above 0, not 1.5'],
    [{ engine, ttl: '900' }, 'wardgate(options): options.ttl must be a whole number of seconds above 0, not string'],
    [{ engine, subject: 'id' }, "wardgate(options): options.subject must be a function from a user to the token's sub, not string"],
    [{ engine, tll: 900 }, 'wardgate(options): unknown option "tll" (the options are engine, ttl, subject)'],
  ]
  for (const [options, message] of cases) assert.throws(() => wardgate(options), { name: 'TypeError', message })
  assert.equal(wardgate({ engine }).id, 'wardgate')
})
