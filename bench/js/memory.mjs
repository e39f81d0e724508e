// One memory measure of one wardgate build, run by suite.mjs in a fresh `node` process
// (started with --expose-gc, so the garbage is collected before each reading). Prints one
// JSON line: the growth of the resident set size per item, and the readings it comes from.
//
//   engines  `memory.engines` engines over `memory.engine_policy`, held in an array, in
//            BATCHES successive batches (all held); the median batch's growth / engines.
//            A first batch, held too, is made before the first reading, so one-time costs
//            (the WebAssembly functions V8 tiers up, allocator arenas) stay out; the median
//            keeps out the steps in which V8's heap grows, which a batch of wrappers can
//            happen to cross
//   tokens   `memory.cached_tokens` distinct HS256 tokens (`memory.claims` with sub
//            user_<i>, signed with node:crypto's HMAC and `memory.secret`), all made before
//            the first reading, then verified once each by one engine over
//            `memory.cache_policy` made after that reading (its cache's own table is
//            counted), whose cache must then hold every one of them. Another
//            engine first verifies WARM_TOKENS other tokens (and is kept), for the same
//            one-time costs
//
// The tokens are flat strings, as a token read from a request is: a string built by
// concatenation is flattened on its first use, which would move the JavaScript heap
// during the measure.
//
//   node --expose-gc bench/js/memory.mjs native|wasm engines|tokens FIXTURES.json

import crypto from 'node:crypto'
import { loadBuild } from './builds.mjs'
import { median, readJson } from './harness.mjs'

const BATCHES = 5
const WARM_TOKENS = 1000

/** The resident set size once the garbage is collected (when gc is exposed). */
function rss() {
  for (let i = 0; i < 3; i++) globalThis.gc?.()
  return process.memoryUsage().rss
}

/** A string with the same text, flat (a sequential string, not a rope of concatenations). */
const flat = (text) => Buffer.from(text, 'latin1').toString('latin1')

/** `count` distinct HS256 tokens over `claims`, sub `${prefix}_<i>`. */
function hs256Tokens(claims, secret, prefix, count) {
  const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')
  const key = crypto.createSecretKey(Buffer.from(secret))
  return Array.from({ length: count }, (_, i) => {
    const input = `${head}.${Buffer.from(JSON.stringify({ ...claims, sub: `${prefix}_${i}` })).toString('base64url')}`
    return flat(`${input}.${crypto.createHmac('sha256', key).update(input).digest('base64url')}`)
  })
}

/** RSS growth per engine: the median of BATCHES batches of `memory.engines` engines. */
function engines(Engine, memory) {
  const batch = () => Array.from({ length: memory.engines }, () => new Engine(memory.engine_policy))
  const held = [batch()]
  const readings = [rss()]
  for (let i = 0; i < BATCHES; i++) {
    held.push(batch())
    readings.push(rss())
  }
  const growth = readings.slice(1).map((after, i) => after - readings[i])
  if (held.flat().length !== memory.engines * (BATCHES + 1)) throw new Error('engines went missing')
  return { count: memory.engines, bytes: median(growth), readings }
}

/** RSS growth per token while one engine's cache takes `memory.cached_tokens` distinct tokens. */
function tokens(Engine, memory) {
  const warm = new Engine(memory.cache_policy)
  for (const token of hs256Tokens(memory.claims, memory.secret, 'warm', WARM_TOKENS)) warm.verifySync(token)
  const all = hs256Tokens(memory.claims, memory.secret, 'user', memory.cached_tokens)
  // The cache's own table is part of what is counted, as in the other runtimes.
  const before = rss()
  const engine = new Engine(memory.cache_policy)
  for (const token of all) engine.verifySync(token)
  const after = rss()
  const { entries, misses } = engine.cacheStatus()
  if (entries !== all.length || misses !== all.length) {
    throw new Error(`the cache holds ${entries} entries after ${misses} misses, not ${all.length}`)
  }
  if (warm.cacheStatus().entries !== WARM_TOKENS) throw new Error('the warm-up engine lost its tokens')
  return { count: entries, bytes: after - before, readings: [before, after] }
}

const [build, measure, fixtures] = process.argv.slice(2)
const { Engine } = await loadBuild(build)
const memory = readJson(fixtures).memory
const run = { engines, tokens }[measure]
if (!run) throw new Error(`unknown measure ${measure}`)
const { count, bytes, readings } = run(Engine, memory)
console.log(JSON.stringify({ count, bytes_per_item: bytes / count, rss_readings: readings, gc: !!globalThis.gc }))
