// The suite's `extras` (bench/README.md): start-up in fresh processes (instantiate.mjs),
// memory in fresh processes (memory.mjs) and throughput over worker_threads workers
// (worker.mjs). Each returns entries of the contract's `extras`.

import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { LIBRARY } from './builds.mjs'
import { extra, median, runChild } from './harness.mjs'

const INSTANTIATE = fileURLToPath(new URL('instantiate.mjs', import.meta.url))
const MEMORY = fileURLToPath(new URL('memory.mjs', import.meta.url))
const WORKER = new URL('worker.mjs', import.meta.url)
const BUILDS = ['native', 'wasm']

const ms = (v) => `${v.toFixed(2)} ms`
const count = (n) => n.toLocaleString('en-US')

/** The median of one column of start-up runs. */
const column = (runs, key) => median(runs.map((run) => run[key]))

/**
 * Start-up: `processes` fresh processes per build, alternating the builds; each brings its
 * build up, makes an engine over the case's policy and verifies the case's token twice.
 * @param {{policy: object, token: string}} c the EdDSA fixture case
 * @param {number} processes
 */
export async function startup(c, processes) {
  const payload = JSON.stringify({ policy: c.policy, token: c.token })
  const runs = { native: [], wasm: [] }
  for (let i = 0; i < processes; i++) {
    for (const build of BUILDS) runs[build].push(await runChild(INSTANTIATE, [build, payload]))
  }
  const wasm = runs.wasm.map((run) => ({ ...run, total: run.compile + run.instantiate }))
  const after = (build, what) =>
    `${what}; new Engine ${ms(column(runs[build], 'engine'))}, the next verifySync ${ms(column(runs[build], 'second_verify'))} (medians)`
  return [
    extra(LIBRARY.wasm, 'instantiate_ms', column(wasm, 'total'), 'ms',
      `median of ${processes} fresh node processes: new WebAssembly.Module(bytes) ${ms(column(wasm, 'compile'))} + ` +
        `initSync({ module }) ${ms(column(wasm, 'instantiate'))} (instantiation and the wasm-bindgen start); ` +
        `reading the .wasm file (${ms(column(wasm, 'read'))}) not included`),
    extra(LIBRARY.wasm, 'first_verify_ms', column(wasm, 'first_verify'), 'ms',
      after('wasm', `median of ${processes} fresh processes: the first engine.verifySync(EdDSA token) after instantiation, ` +
        'which carries V8\'s lazy compilation of the WebAssembly functions it calls')),
    extra(LIBRARY.native, 'first_verify_ms', column(runs.native, 'first_verify'), 'ms',
      after('native', `median of ${processes} fresh processes: the first engine.verifySync(EdDSA token) after loading the ` +
        `addon (require ${ms(column(runs.native, 'load'))})`)),
  ]
}

/**
 * Memory: per build, a fresh process for the engines and one for the cached tokens.
 * @param {string} fixturesFile the fixtures, whose memory section the children read
 */
export async function memory(fixturesFile) {
  const entries = []
  for (const build of BUILDS) {
    const held = await runChild(MEMORY, [build, 'engines', fixturesFile], ['--expose-gc'])
    entries.push(extra(LIBRARY[build], 'rss_per_engine', held.bytes_per_item, 'bytes',
      `RSS growth for ${count(held.count)} engines (memory.engine_policy: EdDSA, one JWK) held in an array / ` +
        `${count(held.count)}: the median of ${held.rss_readings.length - 1} successive batches, after a first batch ` +
        'that takes the one-time costs; a fresh process, after gc; includes the JavaScript wrappers'))
    const cached = await runChild(MEMORY, [build, 'tokens', fixturesFile], ['--expose-gc'])
    entries.push(extra(LIBRARY[build], 'rss_per_cached_token', cached.bytes_per_item, 'bytes',
      `RSS growth for ${count(cached.count)} verified-token cache entries (engine included) / ${count(cached.count)}: ` +
        'one engine (memory.cache_policy) verifies that many distinct HS256 tokens once each; tokens made before the first reading, ' +
        'another engine warmed up first; a fresh process, after gc'))
  }
  return entries
}

/** The next message of a worker; rejects if it fails or exits first. */
function nextMessage(worker) {
  return new Promise((resolve, reject) => {
    const done = (f) => (value) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit)
      f(value)
    }
    const onMessage = done(resolve)
    const onError = done(reject)
    const onExit = done((code) => reject(new Error(`the worker exited (code ${code}) before answering`)))
    worker.on('message', onMessage).on('error', onError).on('exit', onExit)
  })
}

/** Verifications per second of `workers` workers of one library, summed. */
async function rate(library, workers, data) {
  const pool = Array.from({ length: workers }, () => new Worker(WORKER, { workerData: { ...data, library } }))
  try {
    await Promise.all(pool.map(nextMessage))
    const results = pool.map(nextMessage)
    for (const worker of pool) worker.postMessage('go')
    return (await Promise.all(results)).reduce((sum, { count: n, ns }) => sum + (n / ns) * 1e9, 0)
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()))
  }
}

/**
 * Throughput: EdDSA verifications per second with one and with two workers, per library.
 * @param {object} c the EdDSA fixture case
 * @param {{issuer: string, audience: string}} fixtures
 * @param {number} durationMs how long the workers count (after a quarter of it to warm up)
 */
export async function throughput(c, { issuer, audience }, durationMs) {
  const data = { case: c, issuer, audience, warmupMs: durationMs / 4, durationMs }
  const libraries = { native: LIBRARY.native, wasm: LIBRARY.wasm, jose: 'jose' }
  const calls = { native: 'await engine.verify(token)', wasm: 'await engine.verify(token)', jose: 'await jwtVerify(...)' }
  const entries = []
  for (const workers of [1, 2]) {
    for (const [key, library] of Object.entries(libraries)) {
      const note = `${workers} worker_threads worker${workers > 1 ? 's' : ''}, each looping ${calls[key]} on the EdDSA ` +
        `token for ${durationMs / 1000} s after a ${durationMs / 4000} s warm-up; the workers' rates summed; ` +
        `${os.availableParallelism?.() ?? os.cpus().length} CPUs`
      const value = await rate(key, workers, data).then((v) => ({ v }), (e) => ({ error: e }))
      entries.push(value.error
        ? extra(library, `throughput_${workers}`, null, 'verifications/s', `not measured: ${value.error.message}`)
        : extra(library, `throughput_${workers}`, value.v, 'verifications/s', note))
    }
  }
  return entries
}
