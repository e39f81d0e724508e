// What the JavaScript benchmarks share (bench/node: the native addon, bench/wasm: the
// WebAssembly build), so both measure the same way: the tokens and keys, the checks made
// before timing, the interleaved rounds and the report helpers.

import crypto from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { createLocalJWKSet, errors as joseErrors, importPKCS8, jwtVerify, SignJWT } from 'jose'

/** The version of jose measured against. */
export const JOSE_VERSION = createRequire(import.meta.url)('jose/package.json').version

const KEYS = new URL('../../tests/keys/', import.meta.url)
const ISS = 'https://app.example.com'
const AUD = 'https://app.example.com'
const EVIL = 'https://evil.example.com'
/** Per algorithm: private key file and kid in jwks.json (null: the HMAC secret). */
export const ALGORITHMS = {
  EdDSA: ['ed25519-1.pem', 'ed-1'],
  ES256: ['p256.pem', 'p256'],
  RS256: ['rsa-2048.pem', 'rsa-2048'],
  HS256: [null, null],
}

const b64 = (bytes) => Buffer.from(bytes).toString('base64url')

/** One algorithm: the policy, an `Engine` over it, jose's key and options, and the token. */
export async function makeCase(Engine, alg, now) {
  const [pem, kid] = ALGORITHMS[alg]
  let signingKey, keys, joseKey, publicKey, header
  if (pem === null) {
    // tests/keys/README.md: exactly 64 ASCII bytes, no trailing newline; used as is.
    const secret = readFileSync(new URL('hmac-secret.txt', KEYS), 'utf8')
    signingKey = joseKey = new TextEncoder().encode(secret)
    keys = { secret }
    header = { alg }
  } else {
    const jwk = JSON.parse(readFileSync(new URL('jwks.json', KEYS), 'utf8')).keys.find((k) => k.kid === kid)
    signingKey = await importPKCS8(readFileSync(new URL(pem, KEYS), 'utf8'), alg)
    // The same one-key JWK Set for both libraries.
    keys = { jwks: { keys: [jwk] } }
    joseKey = createLocalJWKSet({ keys: [jwk] })
    publicKey = crypto.createPublicKey({ key: jwk, format: 'jwk' })
    header = { alg, kid }
  }
  const policy = { token: { issuer: ISS, audience: AUD, algorithms: [alg] }, keys, rules: [] }
  const joseOptions = { issuer: ISS, audience: AUD, algorithms: [alg] }

  // A token like a Better Auth JWT: issued a minute ago, expiring in ten years.
  const sign = (changes = {}) =>
    new SignJWT({ sub: 'user_1', iss: ISS, aud: AUD, iat: now - 60, exp: now + 10 * 365 * 86400, role: 'user', ...changes })
      .setProtectedHeader(header)
      .sign(signingKey)
  const token = await sign()
  return { alg, now, policy, engine: new Engine(policy), joseKey, joseOptions, publicKey, signingKey, token, sign }
}

/** Every side accepts the token and rejects bad ones (else the timing would be moot);
 *  `name` labels the portcullis sides in errors, `AuthError` is their refusal. */
export async function check(c, name, AuthError) {
  const sides = {
    [`${name} sync`]: async (t) => c.engine.verifySync(t).claims,
    [`${name} async`]: async (t) => (await c.engine.verify(t)).claims,
    jose: async (t) => (await jwtVerify(t, c.joseKey, c.joseOptions)).payload,
  }
  const refusal = (side) => (side === 'jose' ? joseErrors.JOSEError : AuthError)
  for (const [side, verify] of Object.entries(sides)) {
    const claims = await verify(c.token)
    if (claims.sub !== 'user_1') throw new Error(`${c.alg}: ${side} returned the wrong claims`)
  }
  const [head, payload, signature] = c.token.split('.')
  const forged = { ...JSON.parse(Buffer.from(payload, 'base64url')), role: 'admin' }
  const bad = {
    tampered: `${head}.${b64(JSON.stringify(forged))}.${signature}`,
    expired: await c.sign({ iat: c.now - 7200, exp: c.now - 3600 }),
    'wrong issuer': await c.sign({ iss: EVIL }),
    'wrong audience': await c.sign({ aud: EVIL }),
  }
  for (const [what, token] of Object.entries(bad)) {
    for (const [side, verify] of Object.entries(sides)) {
      const outcome = await verify(token).then(() => null, (e) => e)
      if (!(outcome instanceof refusal(side))) {
        throw new Error(`${c.alg}: ${side} ${outcome ? `threw ${outcome}` : 'accepted'} the ${what} token`)
      }
    }
  }
}

/** The timers of the three sides every benchmark compares: `sync`, `async` and `jose`. */
export function sides({ engine, token, joseKey, joseOptions }) {
  return {
    sync: syncTimer(() => engine.verifySync(token)),
    async: asyncTimer(() => engine.verify(token)),
    jose: asyncTimer(() => jwtVerify(token, joseKey, joseOptions)),
  }
}

// Timers: run(n) makes n calls and resolves to the elapsed nanoseconds.
export function syncTimer(f) {
  return async (n) => {
    const start = process.hrtime.bigint()
    for (let i = 0; i < n; i++) f()
    return Number(process.hrtime.bigint() - start)
  }
}

export function asyncTimer(f) {
  return async (n) => {
    const start = process.hrtime.bigint()
    for (let i = 0; i < n; i++) await f()
    return Number(process.hrtime.bigint() - start)
  }
}

/** Calls per batch so that one batch takes about batchNs (this also warms up). */
async function batchSize(run, batchNs) {
  for (let n = 1; ; n *= 2) {
    const elapsed = await run(n)
    if (elapsed >= batchNs / 2) return Math.max(1, Math.round((n * batchNs) / elapsed))
  }
}

/** Per-call times (ns), one per round and timer; the order rotates every round. */
export async function measure(timers, rounds, batchNs) {
  const names = Object.keys(timers)
  const sizes = {}
  for (const name of names) sizes[name] = await batchSize(timers[name], batchNs)
  const samples = Object.fromEntries(names.map((name) => [name, []]))
  for (let r = 0; r < rounds; r++) {
    const k = r % names.length
    for (const name of [...names.slice(k), ...names.slice(0, k)]) {
      samples[name].push((await timers[name](sizes[name])) / sizes[name])
    }
  }
  return samples
}

/** One algorithm's result: medians, the ratios jose / portcullis (of medians, and their
 *  lowest and highest per round), and whether the target is met. */
export function compare(alg, samples, target) {
  const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))
  const range = (side) => {
    const ratios = samples.jose.map((j, i) => j / samples[side][i]).sort((a, b) => a - b)
    return [ratios[0], ratios.at(-1)]
  }
  const ratioSync = medians.jose / medians.sync
  const ratioAsync = medians.jose / medians.async
  return {
    alg,
    median_ns: medians,
    ratio_sync: ratioSync,
    ratio_async: ratioAsync,
    round_ratios_sync: range('sync'),
    round_ratios_async: range('async'),
    target,
    met: target === null || (ratioSync >= target && ratioAsync >= target),
    samples_ns: samples,
  }
}

/** The leading report columns of a result: alg, sync, async, jose, both ratios, target. */
export function resultCells(r) {
  const m = r.median_ns
  const x = (v) => `${v.toFixed(2)}x`
  const target = r.target === null ? '-' : `>= ${r.target}x ${r.met ? 'met' : 'MISSED'}`
  return [r.alg, fmt(m.sync), fmt(m.async), fmt(m.jose), x(r.ratio_sync), x(r.ratio_async), target]
}

/** The per-round ratio ranges, one line per algorithm. */
export function rangeLines(results) {
  const span = ([lo, hi]) => `${lo.toFixed(2)}-${hi.toFixed(2)}`
  return results.map((r) => `  ${r.alg.padEnd(5)}  sync ${span(r.round_ratios_sync)}  async ${span(r.round_ratios_async)}`)
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`)

export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)))
  const line = (row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n')
}

/** The machine, for the report. */
export function machine() {
  const cpus = os.cpus()
  return `${os.platform()} ${os.arch()}, ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} CPUs)`
}

/** The options every benchmark takes (`extra`: more of them), with the rounds and batch
 *  length they give. */
export function options(extra = {}) {
  const { values: args } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      'batch-ms': { type: 'string' },
      json: { type: 'string' },
      ...extra,
    },
  })
  const rounds = Number(args.rounds ?? (args.quick ? 5 : 30))
  const batchNs = Number(args['batch-ms'] ?? (args.quick ? 5 : 20)) * 1e6
  if (!(rounds >= 1) || !(batchNs > 0)) throw new Error('--rounds and --batch-ms must be positive numbers')
  return { args, rounds, batchNs }
}
