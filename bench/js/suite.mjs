// The Node harness of bench/run (contract and method: bench/README.md): wardgate's native
// addon (`wardgate`, bindings-node/index.js) and its WebAssembly build (`wardgate/wasm`,
// bindings-node/wasm-node.mjs) beside jose 6, in one process, on the tokens, keys and
// policies of bench/fixtures.py.
//
// Compared, for EdDSA, ES256, ES512, RS256, PS256 and HS256 (keys and engines made once,
// outside the timing; every side checks the signature, iss, aud and exp at the current time):
//
//   verify         await engine.verify(token)                  both builds
//                  await jwtVerify(token, createLocalJWKSet({ keys: [jwk] }),
//                    { issuer, audience, algorithms: [alg], requiredClaims: ['exp', 'sub'] })
//                                                              jose (HS256: the secret's bytes)
//   verify-sync    engine.verifySync(token)                    both builds
//
// and, for both builds: `verify-cached` (engine.verifySync on an engine whose verified-token
// cache holds the EdDSA token) and `verify-cached-async` (the same with await engine.verify);
// `authorize` (engine.authorize(principal, { action, resource }), alg = the request's name);
// the list filters of the fixtures' `filter` case (examples/policy.json, `read` on `todo`):
// `filter` (engine.filter(principal, action, resourceType), alg = the principal: `user`, a
// conditional filter; `admin`, always; `banned`, never) and `filter-sql` (the user's
// filter.sql('sqlite', columns)).
//
// Revocation (native only: the WebAssembly build has no Redis client): `verify-revocation`
// (await engine.verify of an EdDSA token with `sid` and `jti` claims) and
// `verify-cached-revocation` (engine.verifySync, a verified-token cache hit of it), each on an
// engine without a `revocation` section (`wardgate (native)`) and on one with
// `revocation.redis_url` (`wardgate (native, redis)`: bench/run's own server, holding the
// fixtures' revoked set). Each Redis engine must report revocationStatus() `ready` with every
// entry, and refuse the same claims with a revoked `sid`, before it is timed.
//
// Before timing, every side must accept the token and refuse a tampered, an expired, a
// wrong-issuer and a wrong-audience one (checks.mjs); the run stops otherwise. The sides of
// one algorithm (of the cache, of authorize) then run interleaved, their order rotating every
// round; a sample is k calls, awaited one after the other for the Promise forms (harness.mjs).
// Rows give the median and p99 of the samples and the ratio to the native addon's median.
//
// Extras (extras.mjs): the WebAssembly module's compile + instantiate and each build's first
// verification in fresh processes, RSS per engine and per cached token in fresh processes,
// and EdDSA throughput over one and two worker_threads workers.
//
//   node bench/js/suite.mjs --fixtures FILE --out FILE [--quick]

import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { JOSE_VERSION, LIBRARY, loadWasm, pinNative, WARDGATE_VERSION } from './builds.mjs'
import { check, claimsOf, joseVerifier, wardgateVerifiers, testTokens } from './checks.mjs'
import { memory, startup, throughput } from './extras.mjs'
import { addRatios, asyncTimer, fmt, machine, measure, options, readJson, row, syncTimer, table } from './harness.mjs'

const JOSE = 'jose'
/** The library of the revocation sides with `revocation.redis_url`. */
const NATIVE_REDIS = 'wardgate (native, redis)'
/** How long a Redis engine's mirror may take to hold the whole set (ms). */
const READY_WITHIN_MS = 10_000

/** Aborts when the fixtures' tokens have expired (they are valid for a day). */
function assertFresh(fixtures, now) {
  const exp = claimsOf(fixtures.cases[0].token).exp
  if (exp <= now + 60) throw new Error(`the fixtures' tokens expire at ${exp}: write them again with bench/fixtures.py`)
}

/** One engine per build over `policy`. */
function engines(builds, policy) {
  return Object.fromEntries(Object.entries(builds).map(([key, { Engine }]) => [key, new Engine(policy)]))
}

/** The wardgate verifiers of checks.mjs for one engine per build. */
function buildVerifiers(builds, engineOf) {
  return Object.entries(builds).flatMap(([key, { AuthError }]) => wardgateVerifiers(LIBRARY[key], engineOf[key], AuthError))
}

/** Measures sides ({library, operation, alg, timer}) interleaved; their rows. */
async function rowsOf(sides, settings) {
  const result = await measure(Object.fromEntries(sides.map((side, i) => [i, side.timer])), settings)
  return sides.map((side, i) => row(side, result[i].samples))
}

/** verify and verify-sync of one fixture case: both builds and jose. */
async function verifyRows(c, fixtures, builds, tokens, settings) {
  const key = c.secret === null ? createLocalJWKSet({ keys: [c.jwk] }) : new TextEncoder().encode(c.secret)
  const joseOptions = { issuer: fixtures.issuer, audience: fixtures.audience, algorithms: [c.alg], requiredClaims: ['exp', 'sub'] }
  const engine = engines(builds, c.policy)
  await check(c.alg, [...buildVerifiers(builds, engine), joseVerifier(key, joseOptions)], tokens)
  const { alg, token } = c
  return rowsOf(
    [
      { library: LIBRARY.native, operation: 'verify', alg, timer: asyncTimer(() => engine.native.verify(token)) },
      { library: LIBRARY.wasm, operation: 'verify', alg, timer: asyncTimer(() => engine.wasm.verify(token)) },
      { library: JOSE, operation: 'verify', alg, timer: asyncTimer(() => jwtVerify(token, key, joseOptions)) },
      { library: LIBRARY.native, operation: 'verify-sync', alg, timer: syncTimer(() => engine.native.verifySync(token)) },
      { library: LIBRARY.wasm, operation: 'verify-sync', alg, timer: syncTimer(() => engine.wasm.verifySync(token)) },
    ],
    settings,
  )
}

/** verify-cached and verify-cached-async: a cache hit of each build, then checks it was one. */
async function cachedRows(cache, builds, tokens, settings) {
  const engine = engines(builds, cache.policy)
  await check(`${cache.alg} cached`, buildVerifiers(builds, engine), tokens)
  const { alg, token } = cache
  const rows = await rowsOf(
    Object.keys(builds).flatMap((key) => [
      { library: LIBRARY[key], operation: 'verify-cached', alg, timer: syncTimer(() => engine[key].verifySync(token)) },
      { library: LIBRARY[key], operation: 'verify-cached-async', alg, timer: asyncTimer(() => engine[key].verify(token)) },
    ]),
    settings,
  )
  for (const [key, e] of Object.entries(engine)) {
    const status = e.cacheStatus()
    if (!(status?.hits > 0)) throw new Error(`${LIBRARY[key]}: no cache hit after verify-cached (${JSON.stringify(status)})`)
  }
  return rows
}

/** authorize, per request and build, with the principal of the authorize token. */
async function authorizeRows(authorize, builds, settings) {
  const engine = engines(builds, authorize.policy)
  const sides = []
  for (const key of Object.keys(builds)) {
    const principal = engine[key].verifySync(authorize.token)
    for (const { name, action, resource, allowed } of authorize.requests) {
      const request = { action, resource }
      const decision = engine[key].authorize(principal, request)
      if (decision.allowed !== allowed) throw new Error(`${LIBRARY[key]}: ${name} gave allowed = ${decision.allowed}`)
      sides.push({ library: LIBRARY[key], operation: 'authorize', alg: name, timer: syncTimer(() => engine[key].authorize(principal, request)) })
    }
  }
  return rowsOf(sides, settings)
}

/** filter per principal and build, then filter-sql of the conditional one; each filter must
 *  be of the kind the fixtures give, and its SQL must bind its values, before it is timed. */
async function filterRows(spec, builds, settings) {
  const engine = engines(builds, spec.policy)
  const { action, resource_type: resourceType, columns } = spec
  const sides = []
  for (const key of Object.keys(builds)) {
    const plans = []
    for (const { name, token, kind } of spec.principals) {
      const principal = engine[key].verifySync(token)
      const filter = engine[key].filter(principal, action, resourceType)
      if (filter.kind !== kind) throw new Error(`${LIBRARY[key]}: filter ${name} is ${filter.kind}, the fixtures say ${kind}`)
      plans.push({ name, kind, filter })
      sides.push({ library: LIBRARY[key], operation: 'filter', alg: name, timer: syncTimer(() => engine[key].filter(principal, action, resourceType)) })
    }
    const { name, filter } = plans.find((p) => p.kind === 'conditional')
    const { sql, params } = filter.sql('sqlite', columns)
    if (!sql.includes('?') || params.length === 0) throw new Error(`${LIBRARY[key]}: filter-sql ${name}: ${sql} binds no parameter`)
    sides.push({ library: LIBRARY[key], operation: 'filter-sql', alg: name, timer: syncTimer(() => filter.sql('sqlite', columns)) })
  }
  return rowsOf(sides, settings)
}

/** Waits until a Redis engine's mirror is `ready` and holds `entries` entries. */
async function waitReady(engine, entries, label) {
  const deadline = Date.now() + READY_WITHIN_MS
  for (;;) {
    const status = engine.revocationStatus()
    if (status?.state === 'ready' && status.entries === entries) return
    if (Date.now() > deadline) throw new Error(`${label}: the Redis mirror is not ready with ${entries} entries: ${JSON.stringify(status)}`)
    await sleep(10)
  }
}

/** The reason `engine` refuses `token` with, or null when it accepts it. */
function refusal(engine, AuthError, token) {
  try {
    engine.verifySync(token)
    return null
  } catch (error) {
    if (error instanceof AuthError) return error.reason
    throw error
  }
}

/** verify-revocation and verify-cached-revocation, native only: without, then with, the Redis
 *  source; each engine checked first (checks.mjs's tokens, the revoked-sid token refused by
 *  the Redis engines only, a cache hit for the cache engines). */
async function revocationRows(spec, builds, now, settings) {
  const { Engine, AuthError } = builds.native
  const { alg, token, revoked_token: revoked } = spec
  const tokens = await testTokens({ alg, kid: 'ed-1', token, secret: null }, now)
  const groups = [
    { operation: 'verify-revocation', plain: spec.policy, redis: spec.redis_policy, cached: false },
    { operation: 'verify-cached-revocation', plain: spec.cache_policy, redis: spec.redis_cache_policy, cached: true },
  ]
  const sides = []
  for (const { operation, plain, redis, cached } of groups) {
    for (const [library, policy] of [[LIBRARY.native, plain], [NATIVE_REDIS, redis]]) {
      const label = `${operation}, ${library}`
      const engine = new Engine(policy)
      if (policy === redis) {
        await waitReady(engine, spec.entries.total, label)
        if (refusal(engine, AuthError, revoked) !== 'revoked') throw new Error(`${label}: the token with a revoked sid is not refused as revoked`)
      } else if (refusal(engine, AuthError, revoked) !== null) {
        throw new Error(`${label}: without a revocation set, the token with a revoked sid is refused`)
      }
      await check(label, wardgateVerifiers(library, engine, AuthError), tokens)
      if (cached) {
        engine.verifySync(token)
        if (!(engine.cacheStatus()?.hits > 0)) throw new Error(`${label}: the second verification is not a cache hit`)
      }
      const timer = cached ? syncTimer(() => engine.verifySync(token)) : asyncTimer(() => engine.verify(token))
      sides.push({ library, operation, alg, timer })
    }
  }
  return rowsOf(sides, settings)
}

/** The rows as a table: per operation and alg, the medians and their ratios. */
function rowsTable(rows) {
  const groups = new Map()
  for (const r of rows) {
    const id = `${r.operation}\t${r.alg}`
    if (!groups.has(id)) groups.set(id, {})
    groups.get(id)[r.library] = r.median_ns
  }
  const cell = (v) => (v === undefined ? '-' : fmt(v))
  const ratio = (a, b) => (a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}x`)
  const lines = [['operation', 'alg', 'native', 'wasm', 'jose', 'wasm/native', 'jose/native', 'jose/wasm']]
  const redis = []
  for (const [id, m] of groups) {
    const [n, w, j, r] = [m[LIBRARY.native], m[LIBRARY.wasm], m[JOSE], m[NATIVE_REDIS]]
    if (r !== undefined) redis.push([...id.split('\t'), cell(n), cell(r), ratio(r, n)])
    else lines.push([...id.split('\t'), cell(n), cell(w), cell(j), ratio(w, n), ratio(j, n), ratio(j, w)])
  }
  if (redis.length) return `${table(lines)}\n\n${table([['operation', 'alg', 'native', 'native, redis', 'redis/native'], ...redis])}`
  return table(lines)
}

/** The extras as a table. */
function extrasTable(extras) {
  const value = (e) => (e.value === null ? `- (${e.note})` : `${e.value.toLocaleString('en-US')} ${e.unit}`)
  return table([['measure', 'library', 'value'], ...extras.map((e) => [e.measure, e.library, value(e)])])
}

/** Every row: the verifications of each case, the cache hits, the authorizations, the filters. */
async function allRows(fixtures, builds, settings, now) {
  const rows = []
  const tokensOf = {}
  for (const c of fixtures.cases) {
    tokensOf[c.alg] = await testTokens(c, now)
    rows.push(...(await verifyRows(c, fixtures, builds, tokensOf[c.alg], settings)))
  }
  rows.push(...(await cachedRows(fixtures.cache, builds, tokensOf[fixtures.cache.alg], settings)))
  rows.push(...(await authorizeRows(fixtures.authorize, builds, settings)))
  rows.push(...(await filterRows(fixtures.filter, builds, settings)))
  rows.push(...(await revocationRows(fixtures.revocation, builds, now, settings)))
  return addRatios(rows, LIBRARY.native)
}

/** Every extra: start-up, memory and throughput. */
async function allExtras(fixtures, settings) {
  const eddsa = fixtures.cases.find((c) => c.alg === 'EdDSA')
  return [
    ...(await startup(eddsa, settings.quick ? 5 : 20)),
    ...(await memory(path.resolve(settings.fixtures))),
    ...(await throughput(eddsa, fixtures, settings.quick ? 500 : 2000)),
  ]
}

async function main() {
  const started = process.hrtime.bigint()
  const settings = options()
  const fixtures = readJson(settings.fixtures)
  const now = Math.floor(Date.now() / 1000)
  assertFresh(fixtures, now)
  const { build: native, cleanup } = await pinNative()
  process.on('exit', cleanup)
  const builds = { native, wasm: await loadWasm() }
  const versions = {
    node: process.version,
    wardgate: WARDGATE_VERSION,
    jose: JOSE_VERSION,
    openssl: process.versions.openssl,
    v8: process.versions.v8,
  }
  console.log(`${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join('  ')}\n${machine()}`)
  console.log(`${settings.rounds} interleaved rounds of ~${settings.batchNs / 1e6} ms per side; medians per call\n`)

  const rows = await allRows(fixtures, builds, settings, now)
  console.log(rowsTable(rows))
  const extras = await allExtras(fixtures, settings)
  console.log(`\n${extrasTable(extras)}`)

  mkdirSync(path.dirname(path.resolve(settings.out)), { recursive: true })
  writeFileSync(settings.out, JSON.stringify({ runtime: 'node', versions, rows, extras }, null, 2) + '\n')
  console.log(`\nwrote ${settings.out} in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`)
}

try {
  await main()
} catch (error) {
  console.error(`suite.mjs: ${error.message}`)
  process.exitCode = 1
}
