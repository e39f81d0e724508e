// `authorize(verify(token))` decides exactly as `check(token)`, on the native addon
// (verified.test.mjs) and on the WebAssembly build (bindings-wasm/test/verified.test.mjs):
// over every decision vector, and over claims that JavaScript numbers cannot hold exactly
// (integers beyond 2^53, beyond 64 bits, -0, floats at the ends of the range), nested up to
// the 32-level limit, compared with a model of the core's number semantics.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { sign } from 'node:crypto'

import { Signer, NOW, ISSUER, AUDIENCE, projectVectorFiles, sharedVectorFiles } from './support.mjs'

const quiet = { info() {}, warn() {}, error() {} }
const at = { now: NOW }
const b64url = (data) => Buffer.from(data).toString('base64url')

/** A token whose payload is `members`, raw JSON text (so it can hold any number). */
function signRaw(signer, members) {
  const head = b64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid: signer.kid }))
  const base = { sub: 'user_1', iss: ISSUER, aud: AUDIENCE, iat: NOW - 60, exp: NOW + 3600, role: 'user' }
  const payload = `${JSON.stringify(base).slice(0, -1)},${members}}`
  const input = `${head}.${b64url(payload)}`
  return `${input}.${b64url(sign(null, Buffer.from(input), signer.privateKey))}`
}

/** A call's decision, or its AuthError as JSON; anything else is thrown. */
async function settle(api, f) {
  try {
    return { decision: await f() }
  } catch (e) {
    if (e instanceof api.AuthError) return { error: e.toJSON() }
    throw e
  }
}

/** Both paths for one credential and request: `[authorize(verify(...)), check(...)]`. */
async function bothPaths(api, engine, { token, authorization }, request, options) {
  const verified = () =>
    authorization !== undefined ? engine.verifyAuthorization(authorization, options) : engine.verify(token ?? '', options)
  const viaVerify = await settle(api, async () => engine.authorize(await verified(), request))
  const viaCheck = await settle(api, () => engine.check(authorization ?? token ?? '', request, options))
  return [viaVerify, viaCheck]
}

/** How many decision vectors of `files` gave the same outcome on both paths (fails on one that does not). */
async function compareVectors(api, files) {
  let compared = 0
  let decisions = 0
  for (const file of files) {
    for (const vector of JSON.parse(readFileSync(file, 'utf8')).vectors) {
      if (!vector.request) continue
      decisions += 1
      let engine
      try {
        engine = new api.Engine(vector.policy, { logger: quiet })
      } catch (e) {
        if (e instanceof api.ConfigError) continue
        throw e
      }
      // check reads a value with whitespace (or `Bearer` alone) as an Authorization value and
      // anything else as a token; verifyAuthorization reads every value as a header.
      const { authorization } = vector
      if (typeof authorization === 'string' && authorization !== '' && authorization !== 'Bearer' && !/\s/.test(authorization)) continue
      const { action, resource = {}, context } = vector.request
      const [viaVerify, viaCheck] = await bothPaths(api, engine, vector, { action, resource, context }, { now: vector.now })
      assert.deepEqual(viaVerify, viaCheck, `${file} ${vector.id}`)
      compared += 1
    }
  }
  return { compared, decisions }
}

// The model of the core's numbers: an integer text within i64 or u64 is exact, anything else
// a double (correctly rounded); integers compare exactly, anything with a double as doubles.
const I64_MIN = -(2n ** 63n)
const U64_MAX = 2n ** 64n - 1n
const isIntegerText = (text) => /^-?(0|[1-9][0-9]*)$/.test(text)
function numberOf(text) {
  if (isIntegerText(text)) {
    const n = BigInt(text)
    if (n >= I64_MIN && n <= U64_MAX) return { int: n }
  }
  return { float: Number(text) }
}
/** What JSON.stringify makes of a JS number, as the core reads it back (a resource value). */
const numberOfDouble = (d) => numberOf(JSON.stringify(d))
function compare(a, b) {
  if ('int' in a && 'int' in b) return a.int < b.int ? -1 : a.int > b.int ? 1 : 0
  const x = 'int' in a ? Number(a.int) : a.float
  const y = 'int' in b ? Number(b.int) : b.float
  return x < y ? -1 : x > y ? 1 : 0
}
const inI64 = (text) => isIntegerText(text) && BigInt(text) >= I64_MIN && BigInt(text) < 2n ** 63n

const DEEP = 31 // objects under the payload: the innermost is at level 32, the limit
const deepPath = `principal.claims${'.d'.repeat(DEEP)}.n`
const deepMember = (value) => `"d":${'{"d":'.repeat(DEEP - 1)}{"n":${value}}${'}'.repeat(DEEP - 1)}`

/**
 * One token for the number texts `n` and `m`, claims `n`, `m`, `list: [m]`,
 * `nested: {a: {b: n}}` and `n` at the deepest level; forbid rules comparing them (and
 * `m` as a literal when it is an i64, and `resource.v`, the JS number of `m`); the ids of
 * the forbid rules that must apply by the model.
 */
function numberCase(signer, n, m) {
  const a = numberOf(n)
  const b = numberOf(m)
  const v = numberOfDouble(Number(m))
  const rules = [{ id: 'all', effect: 'permit', resource: '*', actions: '*' }]
  const expected = []
  const forbid = (id, when, applies) => {
    rules.push({ id, effect: 'forbid', resource: '*', actions: '*', when })
    if (applies) expected.push(id)
  }
  const c = compare(a, b)
  for (const [name, left] of [['n', 'principal.claims.n'], ['nested', 'principal.claims.nested.a.b'], ['deep', deepPath]]) {
    forbid(`${name}==m`, `${left} == principal.claims.m`, c === 0)
    forbid(`${name}<m`, `${left} < principal.claims.m`, c < 0)
    forbid(`${name}>m`, `${left} > principal.claims.m`, c > 0)
  }
  forbid('n in list', 'principal.claims.n in principal.claims.list', c === 0)
  forbid('n in [m]', 'principal.claims.n in [principal.claims.m]', c === 0)
  forbid('n==v', 'principal.claims.n == resource.v', compare(a, v) === 0)
  forbid('n<=v', 'principal.claims.n <= resource.v', compare(a, v) <= 0)
  if (inI64(m)) {
    forbid('n==M', `principal.claims.n == ${m}`, c === 0)
    forbid('n>=M', `principal.claims.n >= ${m}`, c >= 0)
    forbid('n in [M]', `principal.claims.n in [${m}]`, c === 0)
  }
  const token = signRaw(signer, `"n":${n},"m":${m},"list":[${m}],"nested":{"a":{"b":${n}}},${deepMember(n)}`)
  const request = { action: 'read', resource: { type: 'doc', v: Number(m) } }
  const policy = { token: { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] }, keys: { jwks: { keys: [signer.jwk] } }, rules }
  return { token, request, policy, expected: expected.length ? expected : ['all'] }
}

/** A small deterministic generator (xorshift), so a failure can be replayed. */
function random(seed) {
  let x = BigInt(seed) | 1n
  const mask = 2n ** 64n - 1n
  return () => {
    x ^= (x << 13n) & mask
    x ^= x >> 7n
    x ^= (x << 17n) & mask
    return x
  }
}

/** Pairs of number texts near where JavaScript numbers stop being exact, and random doubles. */
function randomPairs(count, seed) {
  const next = random(seed)
  const pick = (list) => list[Number(next() % BigInt(list.length))]
  const pairs = []
  while (pairs.length < count) {
    const kind = Number(next() % 4n)
    if (kind < 2) {
      // Integers around 2^53, 2^63, 2^64 and 2^70, either sign, and a neighbour.
      const base = pick([2n ** 53n, 2n ** 63n, 2n ** 64n, 2n ** 70n, 10n ** 20n])
      const x = (pick([1n, -1n]) * (base + (next() % 4096n) - 2048n))
      const y = x + (next() % 5n) - 2n
      pairs.push([String(x), kind === 0 ? String(y) : `${y}.0`])
    } else {
      // Any finite double, by its bits, against itself, the next double, or an integer near it.
      const bits = new BigUint64Array([next()])
      const d = new Float64Array(bits.buffer)[0]
      if (!Number.isFinite(d)) continue
      bits[0] += 1n
      const after = new Float64Array(bits.buffer)[0]
      const other = pick([d, after, Number.isFinite(after) ? after : d])
      const text = (x) => (Object.is(x, -0) ? '-0.0' : JSON.stringify(x))
      pairs.push([text(d), kind === 2 ? text(other) : String(BigInt(Math.trunc(Math.min(Math.max(d, -1e25), 1e25))))])
    }
  }
  return pairs
}

/** Pairs chosen by hand: the filed case, the limits of i64 and u64, -0, the ends of the double range. */
const NAMED_PAIRS = [
  ['9007199254740993', '9007199254740993'],
  ['9007199254740993', '9007199254740992'],
  ['9007199254740992', '9007199254740993'],
  ['-9007199254740993', '-9007199254740992'],
  ['9007199254740993', '9007199254740993.0'],
  ['9223372036854775807', '9223372036854775806'],
  ['9223372036854775808', '9223372036854775807'],
  ['-9223372036854775808', '-9223372036854775807'],
  ['-9223372036854775809', '-9223372036854775808'],
  ['18446744073709551615', '18446744073709551614'],
  ['18446744073709551616', '18446744073709551615'],
  ['123456789012345678901234567890', '123456789012345678901234567891'],
  ['1e16', '10000000000000001'],
  ['10000000000000001', '1e16'],
  ['-0', '0'],
  ['-0.0', '0'],
  ['0', '-0.0'],
  ['1e21', '1e+21'],
  ['1e21', '1000000000000000000000'],
  ['5e-324', '0'],
  ['5e-324', '1e-323'],
  ['1.7976931348623157e308', '1.7976931348623155e308'],
  ['-1.7976931348623157e308', '-9223372036854775808'],
  ['2.2250738585072014e-308', '2.225073858507201e-308'],
  ['0.1', '0.30000000000000004'],
  ['11148.284766321629', '11148.284766321629'],
  ['0.015237159548277339', '0.015237159548277339'],
  ['48805841351080.484', '48805841351080.484'],
  ['4.2383001187231827e+21', '4.2383001187231827e21'],
]

/** Runs the number cases of `pairs`: both paths, against the model. */
async function checkPairs(api, signer, pairs) {
  for (const [n, m] of pairs) {
    const { token, request, policy, expected } = numberCase(signer, n, m)
    const engine = new api.Engine(policy)
    const [viaVerify, viaCheck] = await bothPaths(api, engine, { token }, request, at)
    const what = `n = ${n}, m = ${m}`
    assert.ok(viaCheck.decision, `${what}: check refused the token: ${JSON.stringify(viaCheck.error)}`)
    assert.deepEqual(viaVerify, viaCheck, `${what}: authorize(verify(token)) and check(token) differ`)
    assert.deepEqual([...viaCheck.decision.rules].sort(), [...expected].sort(), `${what}: not as the model says`)
    assert.deepEqual(viaCheck.decision.errors, [], what)
  }
}

/** Defines the tests for `api` (the package's exports over one engine). */
export function verifiedTests(api) {
  const { Engine } = api
  const signer = new Signer()

  test('authorize(verify(token)) decides as check(token) on every project decision vector', async () => {
    const { compared, decisions } = await compareVectors(api, projectVectorFiles())
    assert.ok(compared >= 100 && compared === decisions, `${compared} of ${decisions} decision vectors compared`)
  })

  test('authorize(verify(token)) decides as check(token) on every shared decision vector', async (t) => {
    const files = sharedVectorFiles(t)
    if (!files) return
    const { compared, decisions } = await compareVectors(api, files)
    assert.ok(compared > 0 && compared === decisions, `${compared} of ${decisions} decision vectors compared`)
  })

  test('numbers JavaScript cannot hold decide as the core reads them, on both paths', async () => {
    await checkPairs(api, signer, NAMED_PAIRS)
  })

  test('random integers beyond 2^53 and random doubles decide as the core reads them, on both paths', async () => {
    await checkPairs(api, signer, randomPairs(400, 0x5eed_2026))
  })

  test('the filed case: a forbid rule on 9007199254740993 applies after verify as in check', async () => {
    const engine = new Engine({
      token: { algorithms: ['EdDSA'] },
      keys: { jwks: { keys: [signer.jwk] } },
      rules: [
        { id: 'all', effect: 'permit', resource: '*', actions: '*' },
        { id: 'blocked', effect: 'forbid', resource: '*', actions: '*', when: 'principal.claims.n == 9007199254740993' },
      ],
    })
    const token = signRaw(signer, '"n":9007199254740993')
    const request = { action: 'read', resource: { type: 'doc' } }
    const principal = engine.verifySync(token, at)
    assert.deepEqual(engine.checkSync(token, request, at).rules, ['blocked'])
    assert.deepEqual(engine.authorize(principal, request).rules, ['blocked'])
    // The JavaScript number is rounded; the decision is not.
    assert.equal(principal.claims.n, 9007199254740992)
  })

  test('nesting at the 32-level limit verifies and decides on both paths; one level more is malformed', async () => {
    const engine = new Engine({
      token: { algorithms: ['EdDSA'] },
      keys: { jwks: { keys: [signer.jwk] } },
      rules: [{ id: 'deep', effect: 'forbid', resource: '*', actions: '*', when: `${deepPath} == 9223372036854775807` }],
    })
    const request = { action: 'read', resource: { type: 'doc' } }
    const [viaVerify, viaCheck] = await bothPaths(api, engine, { token: signRaw(signer, deepMember('9223372036854775807')) }, request, at)
    assert.deepEqual(viaVerify, viaCheck)
    assert.deepEqual(viaCheck.decision.rules, ['deep'])
    const tooDeep = signRaw(signer, `"x":{${deepMember('1')}}`)
    assert.throws(() => engine.verifySync(tooDeep, at), { reason: 'malformed' })
  })

  test('a verified principal is deeply frozen; a copy keeps the verified claims exactly only while it shares them', async () => {
    const engine = new Engine({
      token: { algorithms: ['EdDSA'] },
      keys: { jwks: { keys: [signer.jwk] } },
      rules: [
        { id: 'admins', effect: 'permit', resource: '*', actions: '*', when: "'admin' in principal.roles" },
        { id: 'big', effect: 'forbid', resource: '*', actions: '*', when: 'principal.claims.org.n == 9007199254740993' },
      ],
    })
    const token = signRaw(signer, '"org":{"n":9007199254740993,"tags":["a"]}')
    const p = engine.verifySync(token, at)
    for (const part of [p, p.roles, p.claims, p.claims.org, p.claims.org.tags]) assert.ok(Object.isFrozen(part))
    // Module code is strict: writes throw rather than being ignored.
    assert.throws(() => p.roles.push('admin'), TypeError)
    assert.throws(() => { p.claims.org.n = 1 }, TypeError)
    assert.throws(() => { p.id = 'someone' }, TypeError)
    const request = { action: 'read', resource: { type: 'doc' } }
    assert.deepEqual(engine.authorize(p, request).rules, ['big'])
    // A copy is read from its own id, roles and tenant; sharing the verified claims object,
    // it keeps the verified claims exactly.
    const admin = { ...p, roles: ['admin'] }
    assert.ok(!Object.isFrozen(admin) && admin.claims === p.claims)
    assert.deepEqual(engine.authorize(admin, request).rules, ['big'])
    assert.deepEqual(engine.authorize({ ...p, tenant: undefined, roles: undefined }, request).rules, ['big'])
    // New claims are built by hand: read as JSON.stringify writes them, numbers as
    // JavaScript holds them (9007199254740993 is 9007199254740992 there).
    for (const copy of [structuredClone(admin), { ...admin, claims: { ...p.claims } }, JSON.parse(JSON.stringify(admin))]) {
      assert.equal(copy.claims.org.n, 9007199254740992)
      assert.deepEqual(engine.authorize(copy, request).rules, ['admins'])
    }
    // Claims built by hand are still checked: a member JSON cannot hold is a TypeError.
    assert.throws(() => engine.authorize({ ...p, claims: { ...p.claims, f: () => 1 } }, request), {
      name: 'TypeError',
      message: /^principal must hold only JSON values/,
    })
  })

  test('a repeated verification may hand out the same frozen principal; another token, its own', async () => {
    const engine = new Engine({
      token: { algorithms: ['EdDSA'] },
      keys: { jwks: { keys: [signer.jwk] } },
      cache: { max_entries: 10 },
      rules: [{ id: 'big', effect: 'forbid', resource: '*', actions: '*', when: 'principal.claims.n == 9007199254740993' }],
    })
    const token = signRaw(signer, '"n":9007199254740993')
    const first = engine.verifySync(token, at)
    const again = engine.verifySync(token, at)
    assert.deepEqual(again, first)
    assert.ok(Object.isFrozen(again) && Object.isFrozen(again.claims))
    const request = { action: 'read', resource: { type: 'doc' } }
    assert.deepEqual(engine.authorize(again, request).rules, ['big'])
    const other = engine.verifySync(signRaw(signer, '"n":9007199254740992'), at)
    assert.notEqual(other, first)
    assert.deepEqual(engine.authorize(other, request).rules, [])
    // Errors are never kept: the same token after its expiry is refused.
    assert.throws(() => engine.verifySync(token, { now: NOW + 7200 }), { code: 'TOKEN_EXPIRED' })
    assert.deepEqual(engine.verifySync(token, at), first)
  })

  test('ids, roles and tenants that spell out a claims member do not move the claims', async () => {
    const tricky = '","claims":{"n":1},"x":"'
    const engine = new Engine({
      token: { algorithms: ['EdDSA'] },
      keys: { jwks: { keys: [signer.jwk] } },
      principal: { id: 'uid', roles: 'groups', tenant: 'org' },
      rules: [
        { id: 'all', effect: 'permit', resource: '*', actions: '*' },
        { id: 'n', effect: 'forbid', resource: '*', actions: '*', when: 'principal.claims.n == 9007199254740993' },
        { id: 'who', effect: 'forbid', resource: '*', actions: '*', when: 'principal.id == principal.claims.org && principal.tenant == principal.claims.org' },
      ],
    })
    const member = JSON.stringify(tricky)
    const token = signRaw(signer, `"uid":${member},"org":${member},"groups":[${member},"claims"],"n":9007199254740993`)
    const request = { action: 'read', resource: { type: 'doc' } }
    const [viaVerify, viaCheck] = await bothPaths(api, engine, { token }, request, at)
    assert.deepEqual(viaVerify, viaCheck)
    assert.deepEqual(viaCheck.decision.rules, ['n', 'who'])
    const p = engine.verifySync(token, at)
    assert.deepEqual([p.id, p.tenant, p.roles], [tricky, tricky, [tricky, 'claims']])
    // A copy with another id keeps the verified claims.
    assert.deepEqual(engine.authorize({ ...p, id: 'someone' }, request).rules, ['n'])
  })

  test('__proto__ as a claim name is an ordinary claim on both paths, and pollutes nothing', async () => {
    const engine = new Engine({
      token: { algorithms: ['EdDSA'] },
      keys: { jwks: { keys: [signer.jwk] } },
      rules: [
        { id: 'all', effect: 'permit', resource: '*', actions: '*' },
        { id: 'proto', effect: 'forbid', resource: '*', actions: '*', when: 'principal.claims has __proto__ && principal.claims.__proto__.admin == true' },
        { id: 'json', effect: 'forbid', resource: '*', actions: '*', when: "principal.claims.toJSON == 'x'" },
      ],
    })
    const token = signRaw(signer, '"__proto__":{"admin":true},"toJSON":"x"')
    const request = { action: 'read', resource: { type: 'doc' } }
    const [viaVerify, viaCheck] = await bothPaths(api, engine, { token }, request, at)
    assert.deepEqual(viaVerify, viaCheck)
    assert.deepEqual([...viaCheck.decision.rules].sort(), ['json', 'proto'])
    const p = engine.verifySync(token, at)
    assert.ok(Object.hasOwn(p.claims, '__proto__'))
    assert.equal(Object.getPrototypeOf(p.claims), Object.prototype)
    assert.equal(p.claims.admin, undefined)
    assert.equal({}.admin, undefined)
    // A copy keeps it as an own member, so the copy decides the same.
    assert.deepEqual(engine.authorize({ ...p, claims: { ...p.claims } }, request), viaCheck.decision)
  })
}
