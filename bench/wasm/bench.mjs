// Node benchmark: portcullis's WebAssembly build beside jose 6 `jwtVerify` (WebCrypto), and
// the start-up cost of the WebAssembly module.
//
// Verification: for EdDSA, ES256, RS256 and HS256 every side verifies the same token, signed
// with the test-only keys in tests/keys/ and checked against the same public key (or
// secret): signature, `iss`, `aud` and `exp`, at the real current time. Each side is called
// the way an application calls it, with its keys loaded once, outside the timing:
//
//   engine.verifySync(token)                     (Engine from bindings-node/wasm-node.mjs)
//   await engine.verify(token)
//   await jwtVerify(token, createLocalJWKSet(jwks), { issuer, audience, algorithms: [alg] })
//
// (for HS256 jose gets the secret as a Uint8Array instead of a JWK Set). Before timing,
// every side must accept each token and reject a tampered, an expired, a wrong-issuer and a
// wrong-audience one. Then the sides run in rounds, one batch (about --batch-ms) per side
// per round, in an order that rotates every round; the report gives the median time per
// call and the ratio of medians (jose / portcullis). This is the method of bench/node/.
//
// Start-up: instantiate.mjs runs in --processes fresh `node` processes, one after the other;
// each compiles and instantiates the module once and reports its times (a fresh process
// each time, since V8 reuses compiled WebAssembly within a process). The report gives the
// medians, and the raw and gzip -9 size of the .wasm.
//
//   bench/wasm/run [--quick] [--rounds N] [--batch-ms MS] [--processes N] [--json FILE]

import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { createLocalJWKSet, errors as joseErrors, importPKCS8, jwtVerify, SignJWT } from 'jose'
import { AuthError, Engine } from '../../bindings-node/wasm-node.mjs'

const require = createRequire(import.meta.url)
const ROOT = new URL('../../', import.meta.url)
const KEYS = new URL('tests/keys/', ROOT)
const WASM = new URL('bindings-node/wasm/portcullis_bg.wasm', ROOT)
const CHILD = fileURLToPath(new URL('instantiate.mjs', import.meta.url))
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
// Minimum speed-up (jose median / portcullis median), for both the sync and the async call:
// EdDSA no slower than jose.
const TARGETS = { EdDSA: 1 }
// Median compile + instantiate of the module in a fresh process, at most (ms).
const INSTANTIATE_TARGET_MS = 10

const b64 = (bytes) => Buffer.from(bytes).toString('base64url')

/** One algorithm: the token and the verifiers. */
async function makeCase(alg, now) {
  const [pem, kid] = ALGORITHMS[alg]
  let signingKey, keys, joseKey, header
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
  return { alg, now, policy, engine: new Engine(policy), joseKey, joseOptions, token, sign }
}

/** Every side accepts the token and rejects bad ones (else the timing would be moot). */
async function check(c) {
  const sides = {
    'wasm sync': async (t) => c.engine.verifySync(t).claims,
    'wasm async': async (t) => (await c.engine.verify(t)).claims,
    jose: async (t) => (await jwtVerify(t, c.joseKey, c.joseOptions)).payload,
  }
  const refusal = { 'wasm sync': AuthError, 'wasm async': AuthError, jose: joseErrors.JOSEError }
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

/** Cold starts: instantiate.mjs in `count` fresh processes, one after the other. */
function coldStarts(count, c) {
  const payload = JSON.stringify({ policy: c.policy, token: c.token })
  const runs = []
  for (let i = 0; i < count; i++) {
    const child = spawnSync(process.execPath, [...process.execArgv, CHILD, payload], { encoding: 'utf8' })
    if (child.status !== 0) throw new Error(`instantiate.mjs failed:\n${child.stderr}`)
    const ms = JSON.parse(child.stdout)
    runs.push({ ...ms, total: ms.compile + ms.instantiate })
  }
  return runs
}

function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`)
const ms = (v) => `${v.toFixed(2)} ms`

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)))
  const line = (row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n')
}

/** The gzip -9 size, as scripts/wasm-build counts it (the gzip tool; zlib if it is missing). */
function gzipSize(bytes) {
  const gzip = spawnSync('gzip', ['-9', '-c', fileURLToPath(WASM)], { maxBuffer: 64 << 20 })
  if (gzip.status === 0) return { gzip9: gzip.stdout.length, gzip_tool: 'gzip' }
  return { gzip9: gzipSync(bytes, { level: 9 }).length, gzip_tool: 'zlib level 9' }
}

/** The CPUs this process may run on (Linux), to tell a pinned run from a free one. */
function cpusAllowed() {
  try {
    return readFileSync('/proc/self/status', 'utf8').match(/^Cpus_allowed_list:\s*(.+)$/m)[1]
  } catch {
    return 'unknown'
  }
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      'batch-ms': { type: 'string' },
      processes: { type: 'string' },
      json: { type: 'string' },
    },
  })
  const rounds = Number(args.rounds ?? (args.quick ? 5 : 30))
  const batchNs = Number(args['batch-ms'] ?? (args.quick ? 5 : 20)) * 1e6
  const processes = Number(args.processes ?? (args.quick ? 5 : 15))
  if (!(rounds >= 1) || !(batchNs > 0) || !(processes >= 1)) {
    throw new Error('--rounds, --batch-ms and --processes must be positive numbers')
  }

  const versions = {
    node: process.version,
    v8: process.versions.v8,
    portcullis: require('../../bindings-node/package.json').version,
    jose: require('jose/package.json').version,
    machine: `${os.platform()} ${os.arch()}, ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} CPUs)`,
    cpus_allowed: cpusAllowed(),
    node_flags: process.execArgv.join(' ') || '(none)',
  }
  console.log(Object.entries(versions).map(([k, v]) => `${k} ${v}`).join('  '))

  const bytes = readFileSync(WASM)
  const size = { raw: bytes.length, ...gzipSize(bytes) }
  console.log(`portcullis_bg.wasm: ${size.raw} bytes, ${size.gzip9} bytes gzip -9 (${size.gzip_tool})\n`)

  console.log(`verify: ${rounds} rounds of ~${batchNs / 1e6} ms batches per side, interleaved; medians per call\n`)
  const now = Math.floor(Date.now() / 1000)
  const results = []
  let eddsa
  for (const alg of Object.keys(ALGORITHMS)) {
    const c = await makeCase(alg, now)
    if (alg === 'EdDSA') eddsa = c
    await check(c)
    const { engine, token, joseKey, joseOptions } = c
    const samples = await measure(
      {
        sync: syncTimer(() => engine.verifySync(token)),
        async: asyncTimer(() => engine.verify(token)),
        jose: asyncTimer(() => jwtVerify(token, joseKey, joseOptions)),
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
  const rows = [['alg', 'wasm sync', 'wasm async', 'jose', 'jose/sync', 'jose/async', 'target']]
  for (const r of results) {
    const m = r.median_ns
    const met = r.ratio_sync >= r.target && r.ratio_async >= r.target
    rows.push([r.alg, fmt(m.sync), fmt(m.async), fmt(m.jose), x(r.ratio_sync), x(r.ratio_async),
      r.target === null ? '-' : `>= ${r.target}x ${met ? 'met' : 'MISSED'}`])
  }
  console.log(table(rows))
  console.log('\nper-round ratio ranges (jose / portcullis):')
  for (const r of results) {
    const span = ([lo, hi]) => `${lo.toFixed(2)}-${hi.toFixed(2)}`
    console.log(`  ${r.alg.padEnd(5)}  sync ${span(r.round_ratios_sync)}  async ${span(r.round_ratios_async)}`)
  }
  console.log('ratio = jose median / portcullis median (higher: portcullis faster)')

  console.log(`\nstart-up: ${processes} fresh node processes, each loading the module once; milliseconds\n`)
  const runs = coldStarts(processes, eddsa)
  const columns = ['read', 'compile', 'instantiate', 'total', 'engine', 'first_verify', 'second_verify']
  const stat = (f) => Object.fromEntries(columns.map((k) => [k, f(runs.map((run) => run[k]))]))
  const instantiate = {
    median_ms: stat(median),
    min_ms: stat((v) => Math.min(...v)),
    max_ms: stat((v) => Math.max(...v)),
    target_ms: INSTANTIATE_TARGET_MS,
    runs_ms: runs,
  }
  const startRows = [['', ...columns]]
  for (const k of ['median', 'min', 'max']) startRows.push([k, ...columns.map((col) => ms(instantiate[`${k}_ms`][col]))])
  console.log(table(startRows))
  const instantiateMet = instantiate.median_ms.total < INSTANTIATE_TARGET_MS
  console.log(
    'compile: new WebAssembly.Module(bytes); instantiate: initSync({ module }) (new WebAssembly.Instance\n' +
      'and the wasm-bindgen start); total = compile + instantiate; engine: new Engine(policy) (EdDSA JWK);\n' +
      'first_verify / second_verify: the first and the next verifySync of the EdDSA token (V8 compiles\n' +
      'WebAssembly functions lazily, on their first call, so part of the start-up lands there)',
  )
  console.log(
    `target: median compile + instantiate < ${INSTANTIATE_TARGET_MS} ms: ${ms(instantiate.median_ms.total)} ` +
      `${instantiateMet ? 'met' : 'MISSED'}`,
  )

  if (args.json) {
    const out = { versions, size_bytes: size, rounds, batch_ms: batchNs / 1e6, results, processes, instantiate }
    writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n')
  }
  const missed = results.filter((r) => r.target !== null && !(r.ratio_sync >= r.target && r.ratio_async >= r.target))
  const below = [...missed.map((r) => r.alg), ...(instantiateMet ? [] : ['instantiate'])]
  if (below.length) console.log(`below target: ${below.join(', ')}`)
}

await main()
