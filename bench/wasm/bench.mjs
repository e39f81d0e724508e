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
// call and the ratio of medians (jose / portcullis). The tokens, the checks and the rounds
// are bench/js/harness.mjs, shared with bench/node.
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
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { AuthError, Engine } from '../../bindings-node/wasm-node.mjs'
import {
  ALGORITHMS, JOSE_VERSION, check, compare, machine, makeCase, measure, median, options, rangeLines, resultCells, sides, table,
} from '../js/harness.mjs'

const require = createRequire(import.meta.url)
const WASM = new URL('../../bindings-node/wasm/portcullis_bg.wasm', import.meta.url)
const CHILD = fileURLToPath(new URL('instantiate.mjs', import.meta.url))
// Minimum speed-up (jose median / portcullis median) the project aims for, for both the
// sync and the async call: EdDSA no slower than jose.
const TARGETS = { EdDSA: 1 }
// Median compile + instantiate of the module must stay under this.
const INSTANTIATE_TARGET_MS = 10

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

const ms = (v) => `${v.toFixed(2)} ms`

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
  const { args, rounds, batchNs } = options({ processes: { type: 'string' } })
  const processes = Number(args.processes ?? (args.quick ? 5 : 15))
  if (!(processes >= 1)) throw new Error('--processes must be a positive number')

  const versions = {
    node: process.version,
    v8: process.versions.v8,
    portcullis: require('../../bindings-node/package.json').version,
    jose: JOSE_VERSION,
    machine: machine(),
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
    const c = await makeCase(Engine, alg, now)
    if (alg === 'EdDSA') eddsa = c
    await check(c, 'wasm', AuthError)
    results.push(compare(alg, await measure(sides(c), rounds, batchNs), TARGETS[alg] ?? null))
  }

  const rows = [['alg', 'wasm sync', 'wasm async', 'jose', 'jose/sync', 'jose/async', 'target']]
  for (const r of results) rows.push(resultCells(r))
  console.log(table(rows))
  console.log('\nper-round ratio ranges (jose / portcullis):')
  console.log(rangeLines(results).join('\n'))
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
  const missed = results.filter((r) => !r.met)
  const below = [...missed.map((r) => r.alg), ...(instantiateMet ? [] : ['instantiate'])]
  if (below.length) console.log(`below target: ${below.join(', ')}`)
}

await main()
