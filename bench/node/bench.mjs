// Node benchmark: portcullis (native addon) beside jose 6 `jwtVerify`.
//
// For EdDSA, ES256, RS256 and HS256 every side verifies the same token, signed with the
// test-only keys in tests/keys/ and checked against the same public key (or secret):
// signature, `iss`, `aud` and `exp`, at the real current time. Each side is called the way
// an application calls it, with its keys loaded once, outside the timing:
//
//   engine.verifySync(token)
//   await engine.verify(token)
//   await jwtVerify(token, createLocalJWKSet(jwks), { issuer, audience, algorithms: [alg] })
//
// (for HS256 jose gets the secret as a Uint8Array instead of a JWK Set). The async calls
// are awaited one after the other, as a request handler awaits them.
//
// Before timing, every side must accept each token and reject a tampered, an expired, a
// wrong-issuer and a wrong-audience one, so no failing path is measured. Then the sides
// run in rounds: in each round each side runs one batch (sized to about --batch-ms), in
// an order that rotates every round, so machine noise hits all of them. The report gives
// the median time per call of each side and the ratio of medians (jose / portcullis),
// beside two floors: the bare signature check with node:crypto (`crypto.verify` or an
// HMAC, with a KeyObject made once) and with WebCrypto (`crypto.subtle.verify`, awaited,
// which is what jose 6 calls). The garbage collector stays on, as in an application.
//
//   bench/node/run [--quick] [--rounds N] [--batch-ms MS] [--json FILE]

import crypto from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { createLocalJWKSet, errors as joseErrors, importPKCS8, jwtVerify, SignJWT } from 'jose'

const require = createRequire(import.meta.url)
const { Engine, AuthError } = require('../../bindings-node')

const ROOT = new URL('../../', import.meta.url)
const KEYS = new URL('tests/keys/', ROOT)
const ISS = 'https://app.example.com'
const AUD = 'https://app.example.com'
const EVIL = 'https://evil.example.com'
// Per algorithm: private key file and kid in jwks.json (null: the HMAC secret).
const ALGORITHMS = {
  EdDSA: ['ed25519-1.pem', 'ed-1'],
  ES256: ['p256.pem', 'p256'],
  RS256: ['rsa-2048.pem', 'rsa-2048'],
  HS256: [null, null],
}
// Minimum speed-up (jose median / portcullis median) the project aims for, for both the
// sync and the async portcullis call.
const TARGETS = { EdDSA: 2, ES256: 2 }

const b64 = (bytes) => Buffer.from(bytes).toString('base64url')

/** One algorithm: the token, the verifiers and the floors. */
async function makeCase(alg, now) {
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
    const privatePem = readFileSync(new URL(pem, KEYS), 'utf8')
    signingKey = await importPKCS8(privatePem, alg)
    // The same one-key JWK Set for both libraries.
    keys = { jwks: { keys: [jwk] } }
    joseKey = createLocalJWKSet({ keys: [jwk] })
    publicKey = crypto.createPublicKey({ key: jwk, format: 'jwk' })
    header = { alg, kid }
  }
  const engine = new Engine({ token: { issuer: ISS, audience: AUD, algorithms: [alg] }, keys, rules: [] })
  const joseOptions = { issuer: ISS, audience: AUD, algorithms: [alg] }

  // A token like a Better Auth JWT: issued a minute ago, expiring in ten years.
  const sign = (changes = {}) =>
    new SignJWT({ sub: 'user_1', iss: ISS, aud: AUD, iat: now - 60, exp: now + 10 * 365 * 86400, role: 'user', ...changes })
      .setProtectedHeader(header)
      .sign(signingKey)
  const token = await sign()
  return { alg, now, engine, joseKey, joseOptions, publicKey, signingKey, token, sign }
}

/** Every side accepts the token and rejects bad ones (else the timing would be moot). */
async function check(c) {
  const sides = {
    'portcullis sync': async (t) => c.engine.verifySync(t).claims,
    'portcullis async': async (t) => (await c.engine.verify(t)).claims,
    jose: async (t) => (await jwtVerify(t, c.joseKey, c.joseOptions)).payload,
  }
  const refusal = { 'portcullis sync': AuthError, 'portcullis async': AuthError, jose: joseErrors.JOSEError }
  for (const [name, verify] of Object.entries(sides)) {
    const claims = await verify(c.token)
    if (claims.sub !== 'user_1') throw new Error(`${c.alg}: ${name} returned the wrong claims`)
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
    for (const [name, verify] of Object.entries(sides)) {
      const outcome = await verify(token).then(() => null, (e) => e)
      if (!(outcome instanceof refusal[name])) {
        throw new Error(`${c.alg}: ${name} ${outcome ? `threw ${outcome}` : 'accepted'} the ${what} token`)
      }
    }
  }
}

/** The bare signature checks: node:crypto (sync) and WebCrypto (async, what jose 6 calls).
 *  Splitting and decoding the token is done here, outside the timing. */
async function floors(c) {
  const dot = c.token.lastIndexOf('.')
  const message = Buffer.from(c.token.slice(0, dot))
  const signature = Buffer.from(c.token.slice(dot + 1), 'base64url')
  let node, subtleKey, subtleAlg
  if (c.alg === 'HS256') {
    const secret = crypto.createSecretKey(c.signingKey)
    node = () => crypto.timingSafeEqual(crypto.createHmac('sha256', secret).update(message).digest(), signature)
    subtleAlg = { name: 'HMAC' }
    subtleKey = await crypto.subtle.importKey('raw', c.signingKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
  } else {
    const key = c.alg === 'ES256' ? { key: c.publicKey, dsaEncoding: 'ieee-p1363' } : c.publicKey
    const hash = c.alg === 'EdDSA' ? null : 'sha256'
    node = () => crypto.verify(hash, message, key, signature)
    const imported = {
      EdDSA: { name: 'Ed25519' },
      ES256: { name: 'ECDSA', namedCurve: 'P-256' },
      RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    }[c.alg]
    subtleAlg = c.alg === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : imported
    subtleKey = await crypto.subtle.importKey('jwk', c.publicKey.export({ format: 'jwk' }), imported, false, ['verify'])
  }
  const subtle = () => crypto.subtle.verify(subtleAlg, subtleKey, signature, message)
  if (!node() || !(await subtle())) throw new Error(`${c.alg}: the bare signature check fails`)
  return { node, subtle }
}

// Timers: run(n) makes n calls and resolves to the elapsed nanoseconds.
function syncTimer(f) {
  return async (n) => {
    const start = process.hrtime.bigint()
    for (let i = 0; i < n; i++) f()
    return Number(process.hrtime.bigint() - start)
  }
}

function asyncTimer(f) {
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
async function measure(timers, rounds, batchNs) {
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

function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`)

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)))
  const line = (row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n')
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      'batch-ms': { type: 'string' },
      json: { type: 'string' },
    },
  })
  const rounds = Number(args.rounds ?? (args.quick ? 5 : 30))
  const batchNs = Number(args['batch-ms'] ?? (args.quick ? 5 : 20)) * 1e6
  if (!(rounds >= 1) || !(batchNs > 0)) throw new Error('--rounds and --batch-ms must be positive numbers')

  const versions = {
    node: process.version,
    portcullis: require('../../bindings-node/package.json').version,
    jose: require('jose/package.json').version,
    openssl: process.versions.openssl,
    machine: `${os.platform()} ${os.arch()}, ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} CPUs)`,
  }
  console.log(Object.entries(versions).map(([k, v]) => `${k} ${v}`).join('  '))
  console.log(`${rounds} rounds of ~${batchNs / 1e6} ms batches per side, interleaved; medians per call\n`)

  const now = Math.floor(Date.now() / 1000)
  const results = []
  for (const alg of Object.keys(ALGORITHMS)) {
    const c = await makeCase(alg, now)
    await check(c)
    const floor = await floors(c)
    const { engine, token, joseKey, joseOptions } = c
    const samples = await measure(
      {
        sync: syncTimer(() => engine.verifySync(token)),
        async: asyncTimer(() => engine.verify(token)),
        jose: asyncTimer(() => jwtVerify(token, joseKey, joseOptions)),
        node: syncTimer(floor.node),
        subtle: asyncTimer(floor.subtle),
      },
      rounds,
      batchNs,
    )
    const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))
    // Lowest and highest per-round ratio jose / portcullis.
    const range = (side) => {
      const ratios = samples.jose.map((j, i) => j / samples[side][i]).sort((a, b) => a - b)
      return [ratios[0], ratios.at(-1)]
    }
    results.push({
      alg,
      median_ns: medians,
      ratio_sync: medians.jose / medians.sync,
      ratio_async: medians.jose / medians.async,
      round_ratios_sync: range('sync'),
      round_ratios_async: range('async'),
      target: TARGETS[alg] ?? null,
      samples_ns: samples,
    })
  }

  const x = (r) => `${r.toFixed(2)}x`
  const rows = [['alg', 'portcullis sync', 'portcullis async', 'jose', 'jose/sync', 'jose/async', 'target',
    'node:crypto', 'subtle']]
  for (const r of results) {
    const m = r.median_ns
    const met = r.ratio_sync >= r.target && r.ratio_async >= r.target
    rows.push([r.alg, fmt(m.sync), fmt(m.async), fmt(m.jose), x(r.ratio_sync), x(r.ratio_async),
      r.target === null ? '-' : `>= ${r.target}x ${met ? 'met' : 'MISSED'}`, fmt(m.node), fmt(m.subtle)])
  }
  console.log(table(rows))
  console.log('\nper-round ratio ranges (jose / portcullis):')
  for (const r of results) {
    const span = ([lo, hi]) => `${lo.toFixed(2)}-${hi.toFixed(2)}`
    console.log(`  ${r.alg.padEnd(5)}  sync ${span(r.round_ratios_sync)}  async ${span(r.round_ratios_async)}`)
  }
  console.log(
    '\nratio = jose median / portcullis median (higher: portcullis faster);\n' +
      'node:crypto: bare crypto.verify (HMAC + timingSafeEqual for HS256), KeyObject made once;\n' +
      'subtle: bare crypto.subtle.verify, awaited (the call jose 6 makes)',
  )

  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ versions, rounds, batch_ms: batchNs / 1e6, results }, null, 2) + '\n')
  }
  const missed = results.filter((r) => r.target !== null && !(r.ratio_sync >= r.target && r.ratio_async >= r.target))
  if (missed.length) console.log(`below target: ${missed.map((r) => r.alg).join(', ')}`)
}

await main()
