// `decision.throwIfDenied()` and the fields of `ConfigError`, run on the native addon
// (denied.test.mjs) and on the WebAssembly build (bindings-wasm/test/denied.test.mjs).
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { Signer, NOW, claims, policyFor, jwksServer, ISSUER, AUDIENCE, RULES } from './support.mjs'

const at = { now: NOW }
const DENIED = 'no permit rule applies to this request'
const FORBIDDEN = 'a forbid rule applies to this request'
const theirs = { action: 'update', resource: { type: 'todo', owner_id: 'user_2' } }
const own = { action: 'update', resource: { type: 'todo', owner_id: 'user_1' } }

/** The 403 body every other path gives for `decision` (wardgate/next's `deny`). */
function body({ detail, code, status, reason }) {
  return { detail, code, status, reason }
}

/** Defines the tests for `api` (the package's exports over one engine). */
export function deniedTests({ Engine, AuthError, ConfigError }) {
  const signer = new Signer()
  const engine = new Engine(policyFor(signer))
  const token = signer.sign(claims())
  const principal = engine.verifySync(token, at)
  const banned = engine.verifySync(signer.sign(claims({ banned: true })), at)

  test('a refusal carries the headers of its HTTP answer, from the engine, outside its body', () => {
    const thrown = (f) => {
      try {
        f()
      } catch (e) {
        return e
      }
      assert.fail('nothing was thrown')
    }
    const missing = thrown(() => engine.verifySync('', at))
    assert.deepEqual({ ...missing.headers }, { 'WWW-Authenticate': 'Bearer' })
    const invalid = thrown(() => engine.verifySync('not.a.token', at))
    assert.deepEqual({ ...invalid.headers }, { 'WWW-Authenticate': 'Bearer error="invalid_token"' })
    assert.ok(Object.isFrozen(invalid.headers))
    assert.ok(!Object.keys(invalid).includes('headers'))
    assert.equal(JSON.stringify(invalid), JSON.stringify(invalid.toJSON()))
    const denied = thrown(() => engine.authorize(principal, theirs).throwIfDenied())
    assert.deepEqual({ ...denied.headers }, {})
  })

  /** Asserts that `f` throws the 403 AuthError for `reason` with `detail`; gives it. */
  function refusal(f, reason, detail) {
    let thrown
    assert.throws(f, (e) => {
      thrown = e
      return true
    })
    assert.ok(thrown instanceof AuthError && thrown instanceof Error, `${thrown?.name}: ${thrown?.message}`)
    assert.equal(thrown.name, 'AuthError')
    assert.deepEqual(
      [thrown.code, thrown.status, thrown.reason, thrown.detail, thrown.message],
      ['INSUFFICIENT_PERMISSIONS', 403, reason, detail, detail],
    )
    const json = { detail, code: 'INSUFFICIENT_PERMISSIONS', status: 403, reason }
    assert.deepEqual(thrown.toJSON(), json)
    assert.equal(JSON.stringify(thrown), JSON.stringify(json))
    return thrown
  }

  test('throwIfDenied returns an allowing decision itself', async () => {
    const decisions = [
      engine.authorize(principal, own),
      engine.checkSync(token, own, at),
      engine.checkSync(`Bearer ${token}`, own, at),
      await engine.check(token, own, at),
    ]
    for (const d of decisions) {
      assert.equal(d.allowed, true)
      assert.equal(d.throwIfDenied(), d)
    }
    assert.equal((await engine.check(token, own, at)).throwIfDenied().rules[0], 'own')
  })

  test('throwIfDenied throws a denial as the 403 AuthError, with the body of every other 403', async () => {
    const denied = [
      engine.authorize(principal, theirs),
      engine.checkSync(token, theirs, at),
      await engine.check(`Bearer ${token}`, theirs, at),
    ]
    for (const d of denied) {
      const e = refusal(() => d.throwIfDenied(), 'denied', DENIED)
      assert.deepEqual(e.toJSON(), body(d))
    }
    const forbidden = engine.authorize(banned, own)
    assert.deepEqual(forbidden.rules, ['banned'])
    const e = refusal(() => forbidden.throwIfDenied(), 'forbidden', FORBIDDEN)
    assert.deepEqual(e.toJSON(), body(forbidden))
    assert.doesNotMatch(e.message, /banned/, 'the detail names no rule')
    // A resource without a type is denied, with an error in the decision.
    const untyped = engine.authorize(principal, { action: 'read', resource: { owner_id: 'user_1' } })
    assert.equal(untyped.errors.length, 1)
    refusal(() => untyped.throwIfDenied(), 'denied', DENIED)
  })

  test('throwIfDenied carries an awaited check to a catch', async () => {
    const e = await engine.check(token, theirs, at).then((d) => d.throwIfDenied()).catch((e) => e)
    assert.ok(e instanceof AuthError)
    assert.deepEqual(e.toJSON(), { detail: DENIED, code: 'INSUFFICIENT_PERMISSIONS', status: 403, reason: 'denied' })
    // A refused token rejects before there is a decision, with its own body.
    const expired = await engine
      .check(token, own, { now: NOW + 7200 })
      .then((d) => d.throwIfDenied())
      .catch((e) => e)
    assert.deepEqual([expired instanceof AuthError, expired.status, expired.code], [true, 401, 'TOKEN_EXPIRED'])
  })

  test('a decision stays a plain object: its JSON, keys, copies and equality do not change', () => {
    const allow = engine.authorize(principal, own)
    const deny = engine.authorize(banned, own)
    assert.equal(
      JSON.stringify(allow),
      '{"allowed":true,"code":null,"status":200,"reason":null,"rules":["own"],"errors":[],"detail":null}',
    )
    assert.equal(
      JSON.stringify(deny),
      '{"allowed":false,"code":"INSUFFICIENT_PERMISSIONS","status":403,"reason":"forbidden","rules":["banned"],' +
        `"errors":[],"detail":"${FORBIDDEN}"}`,
    )
    for (const d of [allow, deny]) {
      assert.equal(Object.getPrototypeOf(d), Object.prototype)
      assert.deepEqual(Object.keys(d), ['allowed', 'code', 'status', 'reason', 'rules', 'errors', 'detail'])
      assert.ok(!('throwIfDenied' in { ...d }))
      assert.deepEqual(structuredClone(d), JSON.parse(JSON.stringify(d)))
      assert.deepEqual(d, JSON.parse(JSON.stringify(d)))
      assert.equal(Object.isFrozen(d), false)
      const { enumerable, writable, configurable } = Object.getOwnPropertyDescriptor(d, 'throwIfDenied')
      assert.deepEqual([enumerable, writable, configurable], [false, false, false])
      assert.throws(() => {
        d.throwIfDenied = () => d
      }, TypeError)
    }
    assert.deepEqual(allow, { allowed: true, code: null, status: 200, reason: null, rules: ['own'], errors: [], detail: null })
  })

  test('throwIfDenied reads the decision it is called on, and fails closed', () => {
    const changed = engine.authorize(principal, own)
    changed.allowed = false
    // An allow has no reason or detail: the denial's defaults, as the core's.
    refusal(() => changed.throwIfDenied(), 'denied', 'the request is denied')
    for (const allowed of ['yes', 1, undefined]) {
      const d = engine.authorize(principal, own)
      d.allowed = allowed
      assert.throws(() => d.throwIfDenied(), AuthError, String(allowed))
    }
    const d = engine.authorize(principal, theirs)
    assert.throws(() => d.throwIfDenied.call(undefined), TypeError)
  })

  test('decisions on remote keys have throwIfDenied too', async () => {
    const server = await jwksServer([signer])
    try {
      const remote = new Engine({
        token: { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] },
        keys: { jwks_url: server.url },
        rules: RULES,
      }, { logger: { info() {}, warn() {}, error() {} } })
      const allow = await remote.check(token, own, at)
      assert.equal(allow.throwIfDenied(), allow)
      const deny = await remote.check(token, theirs, at)
      refusal(() => deny.throwIfDenied(), 'denied', DENIED)
      const verified = await remote.verify(token, at)
      refusal(() => remote.authorize(verified, theirs).throwIfDenied(), 'denied', DENIED)
    } finally {
      server.close()
    }
  })

  test('a configuration error has detail, path and problem', () => {
    const policy = policyFor(signer)
    assert.throws(() => new Engine({ ...policy, token: { ...policy.token, audiance: 'x' } }), (e) => {
      assert.ok(e instanceof ConfigError)
      assert.deepEqual(
        [e.name, e.code, e.detail, e.path, e.problem, e.message],
        ['ConfigError', 'CONFIG_ERROR', 'token.audiance: unknown field (did you mean `audience`?)', 'token.audiance', 'unknown field (did you mean `audience`?)', 'token.audiance: unknown field (did you mean `audience`?)'],
      )
      return true
    })
    // The document as a whole: no path, and the detail is the problem.
    assert.throws(() => new Engine('{'), (e) => {
      assert.ok(e instanceof ConfigError)
      assert.equal(e.path, '')
      assert.equal(e.detail, e.problem)
      assert.match(e.problem, /not valid JSON/)
      return true
    })
  })
}
