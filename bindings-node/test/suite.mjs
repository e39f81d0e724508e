// The behaviour of the package's API, run on the native addon (engine.test.mjs) and on the
// WebAssembly build (bindings-wasm/test/engine.test.mjs): both must behave the same.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

import { Signer, NOW, claims, policyFor, signHs256, SECRET } from './support.mjs'

/**
 * Defines the tests for `api`; `files` says whether it can read policy files, `native`
 * whether it is the native addon (with a Redis client), by default the same.
 */
export function engineTests({ Engine, AuthError, ConfigError }, { files, native = files }) {
const signer = new Signer()
const policy = policyFor(signer)
const engine = new Engine(policy)
const at = { now: NOW }

test('loads from an object, JSON text, a path and a file URL', { skip: !files && 'no file system' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-'))
  const file = join(dir, 'policy.json')
  writeFileSync(file, JSON.stringify(policy))
  const token = signer.sign(claims())
  for (const e of [new Engine(policy), new Engine(JSON.stringify(policy)), Engine.fromFile(file), Engine.fromFile(pathToFileURL(file))]) {
    assert.equal(e.verifySync(token, at).id, 'user_1')
  }
})

test('configuration errors name the field', () => {
  assert.throws(() => new Engine({ ...policy, token: { ...policy.token, audiance: 'x' } }), (e) => {
    assert.ok(e instanceof ConfigError && e instanceof Error)
    assert.equal(e.code, 'CONFIG_ERROR')
    assert.equal(e.path, 'token.audiance')
    assert.equal(e.problem, 'unknown field (did you mean `audience`?)')
    assert.equal(e.message, 'token.audiance: unknown field (did you mean `audience`?)')
    return true
  })
  const bad = { ...policy, rules: [{ id: 'r', effect: 'permit', resource: '*', actions: '*', when: 'principal.id ==' }] }
  assert.throws(() => new Engine(bad), (e) => e instanceof ConfigError && e.path.startsWith('rules[0].when') && /column/.test(e.message))
  assert.throws(() => new Engine('{'), (e) => e instanceof ConfigError && /not valid JSON/.test(e.message))
  if (files) assert.throws(() => Engine.fromFile('/nonexistent/policy.json'), (e) => e instanceof ConfigError && /cannot read/.test(e.message))
  else assert.throws(() => Engine.fromFile('/policy.json'), /needs a file system/)
})

test('a policy of the wrong type is a TypeError', () => {
  assert.throws(() => new Engine([]), { name: 'TypeError', message: 'policy must be an object or a JSON string, not an array' })
  assert.throws(() => new Engine(7), { name: 'TypeError' })
  if (files) assert.throws(() => Engine.fromFile(7), { name: 'TypeError' })
})

test('a policy object is read as JSON is written', () => {
  const token = signer.sign(claims())
  // undefined members are left out, toJSON is honoured: as JSON.stringify reads the object.
  const loose = { ...policy, token: { ...policy.token, typ: undefined, max_age: { toJSON: () => 86400 } } }
  assert.equal(new Engine(loose).verifySync(token, at).id, 'user_1')
  for (const [what, odd] of [['a BigInt', 86400n], ['a function', () => 86400], ['a symbol', Symbol('s')]]) {
    assert.throws(() => new Engine({ ...policy, token: { ...policy.token, max_age: odd } }),
      (e) => e instanceof TypeError && /^policy must hold only JSON values/.test(e.message), what)
  }
  const cycle = { ...policy }
  cycle.self = cycle
  assert.throws(() => new Engine(cycle), (e) => e instanceof TypeError && /^policy /.test(e.message))
})

test('verify maps the principal with JSON-typed claims', async () => {
  const token = signer.sign(claims({ role: 'user, editor', plan: { seats: 3 }, verified: true }))
  const p = await engine.verify(token, at)
  assert.deepEqual([p.id, p.roles, p.tenant], ['user_1', ['user', 'editor'], null])
  assert.deepEqual(p.claims.plan, { seats: 3 })
  assert.equal(p.claims.verified, true)
  assert.equal(typeof p.claims.exp, 'number')
  assert.deepEqual(engine.verifySync(token, at), p)
})

test('the verified-token cache answers repeats and reports its counters', async () => {
  assert.equal(engine.cacheStatus(), null)
  const cached = new Engine({ ...policy, cache: { max_entries: 100 } })
  const token = signer.sign(claims())
  const first = await cached.verify(token, at)
  assert.deepEqual(cached.verifySync(token, at), first)
  // A hit re-checks expiry with the caller's clock.
  assert.throws(() => cached.verifySync(token, { now: NOW + 1e9 }), { code: 'TOKEN_EXPIRED' })
  assert.deepEqual(cached.cacheStatus(), { maxEntries: 100, entries: 1, hits: 2, misses: 1 })
})

test('revocation: revoked sids, jtis and subjects are refused, on every call, with the cache too', async () => {
  assert.equal(engine.revocationStatus(), null)
  const revocation = { inline: { sid: ['s-gone'], jti: ['j-gone'], subjects: { banned: NOW - 60 } } }
  for (const cache of [undefined, { max_entries: 10 }]) {
    const revoking = new Engine({ ...policy, cache, revocation })
    const refused = [
      signer.sign(claims({ sid: 's-gone' })),
      signer.sign(claims({ jti: 'j-gone' })),
      signer.sign(claims({ sub: 'banned', iat: NOW - 60 })),
      signer.sign(claims({ sub: 'banned', iat: undefined })),
    ]
    for (let round = 0; round < 3; round++) {
      for (const token of refused) {
        const check = (e) => {
          assert.ok(e instanceof AuthError)
          assert.deepEqual(e.toJSON(), { detail: 'the token has been revoked', code: 'TOKEN_INVALID', status: 401, reason: 'revoked' })
          assert.equal(e.headers['WWW-Authenticate'], 'Bearer error="invalid_token"')
          return true
        }
        assert.throws(() => revoking.verifySync(token, at), check)
        await assert.rejects(revoking.verify(token, at), check)
        assert.throws(() => revoking.checkSync(token, { action: 'read', resource: { type: 'todo' } }, at), check)
      }
      // Issued after the subject's time, another session, another token id: fine.
      assert.equal(revoking.verifySync(signer.sign(claims({ sub: 'banned', iat: NOW - 59 })), at).id, 'banned')
      assert.equal(revoking.verifySync(signer.sign(claims({ sid: 's-live', jti: 'j-live' })), at).id, 'user_1')
    }
    // Revocation comes after the claim checks: an expired, revoked token is expired.
    assert.throws(() => revoking.verifySync(signer.sign(claims({ sid: 's-gone', exp: NOW })), at), { code: 'TOKEN_EXPIRED' })
    assert.deepEqual(revoking.revocationStatus(), {
      source: 'inline', url: null, state: 'ready', entries: 3, sids: 1, jtis: 1, subjects: 1, lastSync: null, age: null,
      lastError: null,
    })
    assert.deepEqual(revoking.revocationSet(), { sid: ['s-gone'], jti: ['j-gone'], subjects: { banned: NOW - 60 } })
    await assert.rejects(revoking.revoke({ sid: 's-live', ttl: 60 }), { name: 'RevokeError', code: 'REVOKE_UNSUPPORTED' })
    if (cache) assert.equal(revoking.cacheStatus().entries, 2)
  }
  const redis = { redis_url: 'redis://:pw-secret@127.0.0.1:9/0', refresh: { timeout: 1 } }
  if (native) {
    // The native builds mirror Redis (tested against a real server in revocation-redis.test.mjs).
    assert.equal(new Engine({ ...policy, revocation: redis }).revocationStatus().source, 'redis_url')
  } else {
    // The WebAssembly build cannot open a connection.
    assert.throws(() => new Engine({ ...policy, revocation: redis }), (e) => {
      assert.ok(e instanceof ConfigError)
      assert.equal(e.path, 'revocation.redis_url')
      assert.match(e.problem, /^this build has no Redis client/)
      assert.ok(!e.message.includes('pw-secret'))
      return true
    })
  }
  assert.equal(engine.revocationSet(), null)
  assert.throws(() => new Engine({ ...policy, revocation: { inline: { sids: [] } } }), {
    path: 'revocation.inline.sids',
    problem: 'unknown field (did you mean `sid`?)',
  })
})

test('every failure is an AuthError with code, status, reason and toJSON', async () => {
  const cases = [
    ['', 'TOKEN_MISSING', 'missing'],
    [signer.sign(claims({ exp: NOW - 1 })), 'TOKEN_EXPIRED', 'expired'],
    [signer.sign(claims({ aud: 'https://other.example.com' })), 'TOKEN_INVALID', 'audience_mismatch'],
    [new Signer('k1').sign(claims()), 'TOKEN_INVALID', 'bad_signature'],
    ['abc.def', 'TOKEN_INVALID', 'malformed'],
  ]
  for (const [token, code, reason] of cases) {
    const check = (e) => {
      assert.ok(e instanceof AuthError && e instanceof Error, `${code}`)
      assert.deepEqual([e.code, e.status, e.reason, e.name], [code, 401, reason, 'AuthError'])
      assert.deepEqual(e.toJSON(), { detail: e.detail, code, status: 401, reason })
      assert.equal(e.message, e.detail)
      for (const part of token.split('.')) if (part.length > 8) assert.ok(!e.message.includes(part))
      return true
    }
    assert.throws(() => engine.verifySync(token, at), check)
    await assert.rejects(engine.verify(token, at), check)
  }
})

test('Authorization values', async () => {
  const token = signer.sign(claims())
  assert.equal((await engine.verifyAuthorization(`Bearer ${token}`, at)).id, 'user_1')
  assert.equal(engine.verifyAuthorizationSync(`bearer   ${token}`, at).id, 'user_1')
  for (const header of [null, undefined, '', 'Bearer', `Basic ${token}`, token]) {
    assert.throws(() => engine.verifyAuthorizationSync(header, at), { code: 'TOKEN_MISSING' })
  }
})

test('now takes seconds, a Date or the system clock', () => {
  const token = signer.sign(claims())
  assert.equal(engine.verifySync(token, { now: NOW + 0.5 }).id, 'user_1')
  assert.equal(engine.verifySync(token, { now: new Date(NOW * 1000) }).id, 'user_1')
  assert.throws(() => engine.verifySync(token), { code: 'TOKEN_EXPIRED' })
  assert.throws(() => engine.verifySync(token, { now: '1764000000' }), { name: 'TypeError' })
  assert.throws(() => engine.verifySync(token, { now: new Date('nope') }), { name: 'TypeError' })
})

test('bad argument types are TypeErrors that name the argument', () => {
  assert.throws(() => engine.verifySync(Buffer.from('x')), { name: 'TypeError', message: 'token must be a string, not object' })
  assert.throws(() => engine.verifyAuthorizationSync(1), { name: 'TypeError', message: 'header must be a string, not number' })
  const p = { id: 'u1', roles: [], tenant: null, claims: {} }
  assert.throws(() => engine.authorize(null, { action: 'read', resource: { type: 'todo' } }), { name: 'TypeError' })
  assert.throws(() => engine.authorize(p, { action: 1, resource: { type: 'todo' } }), { message: 'request.action must be a string, not number' })
  assert.throws(() => engine.authorize(p, { action: 'read', resource: 'todo' }), { message: 'request.resource must be an object, not string' })
  assert.throws(() => engine.authorize(p, { action: 'read', resource: { type: 'todo', f: () => 1 } }), {
    name: 'TypeError',
    message: 'request.resource must hold only JSON values: "f" is a function',
  })
  assert.throws(() => engine.authorize(p, { action: 'read', resource: { type: 'todo' }, context: [] }), { name: 'TypeError' })
  // A member JSON cannot hold is refused, never left out (a forbid rule could read it).
  const flagged = { ...p, claims: { banned: Symbol('yes') } }
  assert.throws(() => engine.authorize(flagged, { action: 'read', resource: { type: 'todo' } }), {
    name: 'TypeError',
    message: /^principal must hold only JSON values/,
  })
  const context = { n: 1n }
  assert.throws(() => engine.authorize(p, { action: 'read', resource: { type: 'todo' }, context }), {
    name: 'TypeError',
    message: /^request.context must hold only JSON values/,
  })
  const cycle = { type: 'todo' }
  cycle.self = cycle
  assert.throws(() => engine.authorize(p, { action: 'read', resource: cycle }), { name: 'TypeError' })
})

test('authorize decides by the rules, synchronously, with plain objects', () => {
  const p = engine.verifySync(signer.sign(claims()), at)
  assert.deepEqual(engine.authorize(p, { action: 'update', resource: { type: 'todo', owner_id: 'user_1' } }), {
    allowed: true, code: null, status: 200, reason: null, rules: ['own'], errors: [], detail: null,
  })
  const theirs = engine.authorize(p, { action: 'update', resource: { type: 'todo', owner_id: 'user_2' } })
  assert.deepEqual([theirs.allowed, theirs.status, theirs.code, theirs.reason], [false, 403, 'INSUFFICIENT_PERMISSIONS', 'denied'])
  const banned = engine.verifySync(signer.sign(claims({ banned: true })), at)
  const d = engine.authorize(banned, { action: 'read', resource: { type: 'todo', owner_id: 'user_1' } })
  assert.deepEqual([d.reason, d.rules], ['forbidden', ['banned']])
  const missing = engine.authorize(p, { action: 'read', resource: { type: 'todo' } })
  assert.equal(missing.allowed, false)
  assert.equal(missing.errors[0].rule, 'own')
})

test('principals built by hand and context', () => {
  const office = new Engine({ ...policy, rules: [{ id: 'office', effect: 'permit', resource: '*', actions: '*', when: "context.ip == '10.0.0.1'" }] })
  const p = { id: 'u1', roles: ['admin'], tenant: 'org_1', claims: {} }
  assert.ok(office.authorize(p, { action: 'read', resource: { type: 'doc' }, context: { ip: '10.0.0.1' } }).allowed)
  assert.ok(!office.authorize(p, { action: 'read', resource: { type: 'doc' }, context: { ip: '10.0.0.2' } }).allowed)
  assert.ok(!office.authorize(p, { action: 'read', resource: { type: 'doc' } }).allowed)
})

test('check takes a token or a header', async () => {
  const token = signer.sign(claims())
  const request = { action: 'read', resource: { type: 'todo', owner_id: 'user_1' } }
  assert.ok((await engine.check(token, request, at)).allowed)
  assert.ok(engine.checkSync(`Bearer ${token}`, request, at).allowed)
  assert.ok(!engine.checkSync(token, { action: 'read', resource: { type: 'todo', owner_id: 'x' } }, at).allowed)
  assert.throws(() => engine.checkSync(`Basic ${token}`, request, at), { code: 'TOKEN_MISSING' })
  await assert.rejects(engine.check(token, request, { now: NOW + 7200 }), { code: 'TOKEN_EXPIRED' })
})

test('HMAC policies', () => {
  const hs = new Engine({ token: { algorithms: ['HS256'] }, keys: { secret: SECRET } })
  assert.equal(hs.verifySync(signHs256({ sub: 'u9', exp: NOW + 10 }), at).id, 'u9')
  assert.throws(() => hs.verifySync(signHs256({ sub: 'u9', exp: NOW + 10 }, 'another-secret-that-is-long-enough-xxxx'), at), { reason: 'bad_signature' })
})

test('warnings', () => {
  const w = new Engine({ ...policy, rules: [{ id: 'b', effect: 'forbid', resource: '*', actions: '*', when: 'principal.claims.banned == true' }] }).warnings()
  assert.equal(w[0].path, 'rules[0].when')
})
}
