// Hardening: when something fails, nothing JavaScript code can see holds the token, a key
// or a secret (FORMAT.md: the `detail` "never contains the token, a key or a secret"). Run
// on the native addon (leaks.test.mjs) and on the WebAssembly build
// (bindings-wasm/test/leaks.test.mjs): the same API (api.js) over either engine.
//
// The failures come from data: every conformance vector (the project's, and the shared ones
// beside the repository when present) goes through every form of loading, verifying and
// checking, once as written and once with its token's signature altered. Each error is
// turned into every text it can give (`message`, `String()`, `util.inspect()` with its stack
// and own properties, `JSON.stringify` of its own properties and of `toJSON()`), each denied
// decision into its `util.inspect()` and JSON; `util.inspect(engine)`, `keyStatus()` and every
// line the engine hands its logger are searched too. The needles: the token and its parts,
// the `Authorization` value, and every string under the policy's `keys`. Wrong argument types
// and remote key sets that serve private keys, garbage, errors or oversized bodies are
// covered at the end.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { inspect } from 'node:util'

import { Signer, NOW, claims, jwksServer, projectVectorFiles, sharedVectorFiles } from './support.mjs'


// Needles shorter than this are not looked for: short strings (`sig`, `P-256`) are ordinary
// words of the messages.
const MIN_NEEDLE = 8

// Members whose string values are not needles, on purpose: key ids are public names
// (keyStatus() lists them, key events name them); the others name key types, curves,
// algorithms and uses, not key material, and a configuration error quotes an unsupported one
// (`"secp256k1" is not supported`) so that its author sees what was refused.
const PUBLIC_NAMES = new Set(['kid', 'kty', 'crv', 'alg', 'use', 'key_ops'])

// A request that no vector's rules permit, so that every verified token is also denied.
const NOBODYS = { action: 'leak-check', resource: { type: 'leak-check', owner_id: 'nobody' } }

// --- Needles: what must never be shown -------------------------------------------------

function push(out, what, text) {
  if (text.length >= MIN_NEEDLE) out.set(`${what}\0${text}`, { what, text })
}

/** The whole value, each whitespace-separated word and each dot-separated part. */
function credentialNeedles(what, credential, out) {
  push(out, what, credential)
  for (const word of credential.split(/\s+/).filter(Boolean)) {
    push(out, `${what} (a word)`, word)
    word.split('.').forEach((part, i) => push(out, `${what} (part ${i + 1})`, part))
  }
}

/**
 * Every string (and long number) under a `keys` section, but the public names.
 * `keys.jwks_url` is shown on purpose without its query (keyStatus().url, the log); its
 * query, which may hold a credential, is a needle, and so is the whole URL when it has a
 * query or user info.
 */
function keyNeedles(value, out, path = 'keys', name = '') {
  if (Array.isArray(value)) {
    value.forEach((item, i) => keyNeedles(item, out, `${path}[${i}]`, name))
  } else if (value !== null && typeof value === 'object') {
    for (const [member, item] of Object.entries(value)) keyNeedles(item, out, `${path}.${member}`, member)
  } else if (typeof value === 'string') {
    if (PUBLIC_NAMES.has(name)) return
    if (path === 'keys.jwks_url') {
      if (value.includes('?')) {
        push(out, 'the query of keys.jwks_url', value.slice(value.indexOf('?') + 1))
        push(out, 'keys.jwks_url with its query', value)
      }
      if (value.includes('@')) push(out, 'keys.jwks_url with user info', value)
      return
    }
    push(out, path, value)
    if (value.includes('-----BEGIN')) {
      for (const line of value.split('\n')) if (!line.startsWith('-----')) push(out, `${path} (a PEM line)`, line.trim())
    }
  } else if (typeof value === 'number') {
    push(out, path, JSON.stringify(value))
  }
}

/** A case: one run of a vector (or of a test's own input) and its needles. */
function caseOf(vector, variant, needles) {
  return { vector, id: vector + variant, needles: [...needles.values()] }
}

// --- The audit: every text a failure gives, searched for the needles -------------------

class Audit {
  configErrors = 0
  refusals = 0
  denials = 0
  otherErrors = 0
  texts = 0
  lines = 0
  failing = new Set()
  leaks = []

  constructor({ AuthError, ConfigError }) {
    this.AuthError = AuthError
    this.ConfigError = ConfigError
  }

  get failures() {
    return this.configErrors + this.refusals + this.denials + this.otherErrors
  }

  look(kase, place, text) {
    this.texts += 1
    for (const { what, text: needle } of kase.needles) {
      // The report names the needle's kind and start, never the needle.
      if (String(text).includes(needle)) this.leaks.push(`${kase.id}: ${place} holds ${what} (starting ${JSON.stringify(needle.slice(0, 6))})`)
    }
  }

  /** Counts and searches an error of any kind, from a vector or a wrong argument. */
  error(kase, place, e) {
    if (e instanceof this.ConfigError) this.configErrors += 1
    else if (e instanceof this.AuthError) this.refusals += 1
    else this.otherErrors += 1
    this.failing.add(kase.vector)
    place = `${place}: ${e?.name}`
    this.look(kase, `${place} message`, e?.message)
    this.look(kase, `${place} String()`, String(e))
    this.look(kase, `${place} util.inspect()`, inspect(e, { depth: 10 }))
    this.look(kase, `${place} stack`, e?.stack)
    const own = Object.fromEntries(Object.getOwnPropertyNames(e ?? {}).map((k) => [k, e[k]]))
    this.look(kase, `${place} own properties`, JSON.stringify(own))
    this.look(kase, `${place} JSON.stringify()`, JSON.stringify(e))
    if (typeof e?.toJSON === 'function') this.look(kase, `${place} toJSON()`, JSON.stringify(e.toJSON()))
  }

  decision(kase, place, decision) {
    if (decision.allowed) return
    this.denials += 1
    this.failing.add(kase.vector)
    this.look(kase, `${place}: util.inspect(decision)`, inspect(decision, { depth: 10 }))
    this.look(kase, `${place}: JSON of the decision`, JSON.stringify(decision))
  }

  engine(kase, engine) {
    this.look(kase, 'util.inspect(engine)', inspect(engine, { depth: 10, showHidden: true }))
    this.look(kase, 'keyStatus()', JSON.stringify(engine.keyStatus()))
    this.look(kase, 'warnings()', JSON.stringify(engine.warnings()))
    this.look(kase, 'cacheStatus()', JSON.stringify(engine.cacheStatus()))
  }

  /** Every line the engine gave its logger since the last call, then forgets them. */
  log(kase, recorder) {
    for (const [level, ...args] of recorder.lines.splice(0)) {
      this.lines += 1
      this.look(kase, `logger.${level}()`, args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10 }))).join(' '))
    }
  }

  assertClean() {
    assert.equal(this.leaks.length, 0, `${this.leaks.length} leak(s) found:\n${this.leaks.slice(0, 40).join('\n')}`)
  }
}

/** A logger that keeps every call: `[level, ...args]`. */
function recorder() {
  const lines = []
  const logger = {}
  for (const level of ['info', 'warn', 'error', 'debug', 'log']) logger[level] = (...args) => lines.push([level, ...args])
  return { lines, logger }
}

/** `call()` (awaited), or undefined with its error audited. */
async function attempt(audit, kase, place, call) {
  try {
    return await call()
  } catch (e) {
    audit.error(kase, place, e)
    return undefined
  }
}

// --- The vectors -----------------------------------------------------------------------

/** The token with the first character of its signature changed; null without one. */
function altered(token) {
  const dot = token.lastIndexOf('.')
  if (dot < 0 || dot === token.length - 1) return null
  return `${token.slice(0, dot + 1)}${token[dot + 1] === 'A' ? 'B' : 'A'}${token.slice(dot + 2)}`
}

/** `[variant, kind, value]`: the vector's credential, then its token with the signature altered. */
function credentials(vector) {
  let kind = 'nothing'
  let value = null
  if (typeof vector.token === 'string') [kind, value] = ['token', vector.token]
  else if (typeof vector.authorization === 'string') [kind, value] = ['authorization', vector.authorization]
  const all = [['', kind, value]]
  const words = (value ?? '').split(/\s+/).filter(Boolean)
  const tampered = words.length ? altered(words[words.length - 1]) : null
  if (tampered !== null) all.push([' (signature altered)', 'token', tampered])
  return all
}

async function runVector(audit, api, name, vector) {
  const { Engine } = api
  const { policy } = vector
  const at = { now: vector.now ?? NOW }
  const request = vector.request ? { resource: {}, ...vector.request } : NOBODYS
  const keys = new Map()
  keyNeedles(policy?.keys, keys)
  for (const [variant, kind, value] of credentials(vector)) {
    const needles = new Map(keys)
    if (value !== null) credentialNeedles(kind === 'authorization' ? 'the Authorization value' : 'the token', value, needles)
    const kase = caseOf(`${name}:${vector.id}`, variant, needles)
    const log = recorder()
    if (!variant) {
      // The policy every way it can be given: an object, JSON text, JSON text cut short.
      const text = JSON.stringify(policy)
      await attempt(audit, kase, 'new Engine(JSON text)', () => new Engine(text, { logger: log.logger }))
      await attempt(audit, kase, 'new Engine(JSON text cut short)', () => new Engine(text.slice(0, -1), { logger: log.logger }))
    }
    let engine
    try {
      engine = new Engine(policy, { logger: log.logger })
    } catch (e) {
      if (!variant) audit.error(kase, 'new Engine(object)', e)
      continue
    }
    const token = kind === 'token' ? value : kind === 'nothing' ? '' : null
    const header = kind === 'token' ? `Bearer ${value}` : value
    const credential = token ?? header
    const principals = []
    const verify = async (place, call) => principals.push(await attempt(audit, kase, place, call))
    const check = async (place, call) => {
      const decision = await attempt(audit, kase, place, call)
      if (decision) audit.decision(kase, place, decision)
    }
    if (token !== null) {
      await verify('verify', () => engine.verify(token, at))
      await verify('verifySync', () => engine.verifySync(token, at))
    }
    await verify('verifyAuthorization', () => engine.verifyAuthorization(header, at))
    await verify('verifyAuthorizationSync', () => engine.verifyAuthorizationSync(header, at))
    for (const shown of new Set([credential, token ? `Bearer ${token}` : credential])) {
      await check('check', () => engine.check(shown, request, at))
      await check('checkSync', () => engine.checkSync(shown, request, at))
    }
    for (const principal of principals.filter(Boolean)) {
      audit.decision(kase, 'authorize', engine.authorize(principal, request))
    }
    audit.engine(kase, engine)
    audit.log(kase, log)
  }
}

async function auditFiles(api, files) {
  const audit = new Audit(api)
  for (const path of files) {
    for (const vector of JSON.parse(readFileSync(path, 'utf8')).vectors) await runVector(audit, api, basename(path), vector)
  }
  return audit
}

// --- Remote key sets that misbehave ----------------------------------------------------

const URL_TOKEN = 'url-query-credential-7f3e9a'
const BODY_SECRET = 'cookie-secret-from-a-misconfigured-server-4c1d'

function badResponses(signer) {
  const good = signer.jwk
  const fake = Buffer.from(BODY_SECRET).toString('base64url')
  const body = (value) => JSON.stringify(value)
  const privateRsa = { kty: 'RSA', kid: 'rsa', n: fake.repeat(8), e: 'AQAB', d: `${fake}d`, p: `${fake}p`, q: `${fake}q`, dp: `${fake}dp`, dq: `${fake}dq`, qi: `${fake}qi` }
  return [
    ['a private Ed25519 key (d)', 200, body({ keys: [{ ...good, d: signer.privateKey.export({ format: 'jwk' }).d }] })],
    ['a private RSA key', 200, body({ keys: [good, privateRsa] })],
    ['a symmetric key (k)', 200, body({ keys: [good, { kty: 'oct', kid: 'hs', k: BODY_SECRET }] })],
    ['garbage', 200, `<html><body>${BODY_SECRET}</body></html>`],
    ['JSON without keys', 200, body({ error: BODY_SECRET })],
    ['keys that are not a list', 200, body({ keys: BODY_SECRET })],
    ['a key that is not base64url', 200, body({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: BODY_SECRET }] })],
    ['a 500', 500, body({ error: BODY_SECRET })],
    ['a redirect', 302, BODY_SECRET],
    ['an oversized body', 200, body({ keys: [good], padding: BODY_SECRET.repeat(Math.ceil((1024 * 1024) / BODY_SECRET.length) + 1) })],
    ['a good key among bad ones', 200, body({ keys: [
      good,
      { kty: 'OKP', crv: 'Ed25519', x: fake, kid: 'short' },
      { kty: 'EC', crv: 'P-256', x: BODY_SECRET, y: BODY_SECRET, kid: 'ec' },
      { ...good, kid: 'enc', use: 'enc', note: BODY_SECRET },
    ] })],
    ['no answer (the connection is reset)', 0, null],
  ]
}

function servedNeedles(body, out) {
  try {
    const { padding, ...doc } = JSON.parse(body)
    keyNeedles(doc, out, 'served')
  } catch {
    // Not JSON: only the planted secret.
  }
  push(out, 'a secret in the served body', BODY_SECRET)
}

// --- The tests -------------------------------------------------------------------------

/** Defines the tests for `api` (the package's exports over one build). */
export function leakTests(api) {
  const { Engine } = api

  test('the project\'s vectors leak nothing', async () => {
    const audit = await auditFiles(api, projectVectorFiles())
    audit.assertClean()
    // Not vacuous: every kind of failure was looked at, many times.
    assert.ok(audit.configErrors >= 400, `${audit.configErrors} configuration errors`)
    assert.ok(audit.refusals >= 3000, `${audit.refusals} refusals`)
    assert.ok(audit.denials >= 200, `${audit.denials} denials`)
    assert.ok(audit.failing.size >= 700, `${audit.failing.size} failing vectors`)
    assert.ok(audit.lines >= 20, `${audit.lines} logged lines`)
    console.log(`leaks: ${audit.failures} failures (${audit.configErrors} configuration errors, ${audit.refusals} refusals, ` +
      `${audit.denials} denials, ${audit.otherErrors} other errors) of ${audit.failing.size} vectors, ${audit.texts} texts searched`)
  })

  test('the shared vectors leak nothing', async (t) => {
    const files = sharedVectorFiles(t)
    if (!files) return
    const audit = await auditFiles(api, files)
    audit.assertClean()
    assert.ok(audit.failures >= 100, `${audit.failures} failures`)
  })

  test('the audit finds a needle', () => {
    const needles = new Map()
    credentialNeedles('the token', 'aaaaaaaaaa.bbbbbbbbbb.cccccccccc', needles)
    keyNeedles({ secret: 's3cr3t-s3cr3t', jwk: { kid: 'a-public-name', d: 'dddddddddd' } }, needles)
    const audit = new Audit(api)
    const kase = caseOf('f:v', '', needles)
    audit.look(kase, 'here', 'nothing secret, a-public-name')
    assert.deepEqual(audit.leaks, [])
    for (const [text, what] of [['x bbbbbbbbbb x', 'the token (part 2)'], ['s3cr3t-s3cr3t', 'keys.secret'], ['dddddddddd', 'keys.jwk.d']]) {
      audit.look(kase, 'here', text)
      assert.equal(audit.leaks.length, 1)
      assert.ok(audit.leaks.pop().startsWith(`f:v: here holds ${what} `))
    }
    audit.error(kase, 'e', Object.assign(new Error('fine'), { extra: 's3cr3t-s3cr3t' }))
    assert.ok(audit.leaks.length > 0 && audit.leaks.every((leak) => leak.includes('keys.secret')))
  })

  test('wrong argument types echo no secret', async () => {
    const SECRET = 'wrong-type-secret-0123456789-abcdefghijklmnop'
    const SHORT = 'hunter2' // shorter than MIN_NEEDLE: looked for anyway
    const NUMBER = 12345678901234
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3cm9uZy10eXBlcyJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg'
    const needles = new Map([['s', { what: 'the secret', text: SECRET }], ['h', { what: 'the short secret', text: SHORT }],
      ['n', { what: 'the secret as a number', text: String(NUMBER) }],
      ['b', { what: 'the secret as a BigInt', text: String(BigInt(NUMBER) * BigInt(NUMBER)) }]])
    credentialNeedles('the token', token, needles)
    const kase = caseOf('wrong types', '', needles)
    const audit = new Audit(api)
    const hs256 = (secret) => ({ token: { algorithms: ['HS256'] }, keys: { secret } })
    const named = (name) => Object.defineProperty(() => 1, 'name', { value: name })
    const shady = { toString: () => SECRET, toJSON: () => SECRET, [inspect.custom]: () => SECRET }
    for (const [place, policy] of [
      ['keys.secret a number', hs256(NUMBER)],
      ['keys.secret too short', hs256(SHORT)],
      ['keys.secret a BigInt', hs256(BigInt(NUMBER) * BigInt(NUMBER))],
      ['keys.secret a Symbol', hs256(Symbol(SECRET))],
      ['keys.secret a function', hs256(named(SECRET))],
      ['keys.secret in an array', hs256([SECRET])],
      ['keys.secret in an object', hs256({ value: SECRET })],
      ['keys.secret a Buffer', hs256(Buffer.from(SECRET))],
      ['keys.secret a Set', hs256(new Set([SECRET]))],
      // (`shady` itself would load: a policy is read as JSON, and its toJSON gives a string.)
      ['keys.secret an object with toString', hs256({ toString: shady.toString, [inspect.custom]: shady[inspect.custom] })],
      ['keys.secret NaN', hs256(NaN)],
      ['keys an iterable object', { token: { algorithms: ['HS256'] }, keys: { secret: SHORT, note: SECRET, *[Symbol.iterator]() {} } }],
      ['keys.jwk.k', { token: { algorithms: ['HS256'] }, keys: { jwk: { kty: 'oct', k: SECRET } } }],
      ['JSON text cut short', JSON.stringify(hs256(SECRET)).slice(0, -2)],
      ['the policy a Buffer', Buffer.from(JSON.stringify(hs256(SECRET)))],
      ['the policy an array', [hs256(SECRET)]],
    ]) {
      const loaded = await attempt(audit, kase, place, () => new Engine(policy, { logger: recorder().logger }))
      assert.equal(loaded, undefined, `${place} loads`)
    }
    const log = recorder()
    const engine = new Engine(hs256('k'.repeat(40)), { logger: log.logger })
    const request = { action: 'read', resource: { type: 'todo' } }
    for (const [place, call] of [
      ['verifySync(Buffer)', () => engine.verifySync(Buffer.from(token))],
      ['verify(object)', () => engine.verify(shady)],
      ['verify(number)', () => engine.verify(NUMBER)],
      ['verify(Symbol)', () => engine.verify(Symbol(token))],
      ['verify(now: string)', () => engine.verify(token, { now: SECRET })],
      ['verifyAuthorization(Buffer)', () => engine.verifyAuthorization(Buffer.from(`Bearer ${token}`))],
      ['check(Buffer)', () => engine.check(Buffer.from(token), request)],
      ['check(resource with a function)', () => engine.check(token, { action: 'read', resource: { type: 'todo', f: named(token) } })],
      ['check(resource with a BigInt)', () => engine.check(token, { action: 'read', resource: { type: 'todo', n: BigInt(NUMBER) } })],
      ['check(context not an object)', () => engine.check(token, { ...request, context: token })],
      ['check(request a string)', () => engine.check(token, token)],
      ['authorize(not a principal)', () => engine.authorize(token, request)],
      ['new Engine(logger: a string)', () => new Engine(hs256('k'.repeat(40)), { logger: SECRET })],
      ['new Engine(options: a string)', () => new Engine(hs256('k'.repeat(40)), SECRET)],
    ]) {
      assert.equal(await attempt(audit, kase, place, call), undefined, `${place} succeeds`)
    }
    audit.log(kase, log)
    audit.assertClean()
  })

  test('remote key sets that misbehave leak nothing', async () => {
    const signer = new Signer('k1')
    const token = signer.sign(claims())
    const tokens = [token, altered(token)]
    const server = await jwksServer([signer])
    const audit = new Audit(api)
    const messages = []
    try {
      const url = `${server.url}?access_token=${URL_TOKEN}`
      const policy = { token: { algorithms: ['EdDSA'] }, keys: { jwks_url: url, refresh: { max_age: 0, cooldown: 0 } } }
      for (const [what, status, body] of badResponses(signer)) {
        const needles = new Map()
        keyNeedles(policy.keys, needles)
        for (const t of tokens) credentialNeedles('the token', t, needles)
        if (body !== null) servedNeedles(body, needles)
        const kase = caseOf(`remote: ${what}`, '', needles)
        // Nothing cached before, then good keys cached before: both ways of failing.
        for (const cached of [false, true]) {
          const log = recorder()
          const engine = new Engine(policy, { logger: log.logger })
          if (cached) {
            server.mode = 'ok'
            assert.equal((await engine.verify(token, { now: NOW })).id, 'user_1')
          }
          server.mode = status === 0 ? 'reset' : { status, body }
          for (const t of tokens) {
            await attempt(audit, kase, 'verify', () => engine.verify(t, { now: NOW }))
            await attempt(audit, kase, 'verifyAuthorization', () => engine.verifyAuthorization(`Bearer ${t}`, { now: NOW }))
            const decision = await attempt(audit, kase, 'check', () => engine.check(t, NOBODYS, { now: NOW }))
            if (decision) audit.decision(kase, 'check', decision)
          }
          audit.engine(kase, engine)
          messages.push(...log.lines.map(([, message]) => message))
          audit.log(kase, log)
        }
      }
    } finally {
      server.close()
    }
    audit.assertClean()
    // Not vacuous: each way of refusing a key set was logged, and looked at.
    for (const why of ['private or symmetric key material', 'is not JSON', 'is not a JWK Set', 'no usable key', 'HTTP 500',
      'HTTP 302', 'larger than', 'skipped a key', 'serving the 1 cached key(s)', 'no keys are cached']) {
      assert.ok(messages.some((m) => m.includes(why)), `no logged line says ${JSON.stringify(why)}`)
    }
    assert.ok(audit.refusals >= 40, `${audit.refusals} refusals`)
  })
}
