// One cold start of a wardgate build, run by suite.mjs in a fresh `node` process each time
// (V8 keeps compiled WebAssembly for the life of a process, so only a new process shows what
// an application pays when it starts). Prints one JSON line of milliseconds:
//
//   wasm:    read          readFileSync of wardgate_bg.wasm
//            compile       new WebAssembly.Module(bytes)
//            instantiate   initSync({ module }): the imports, new WebAssembly.Instance,
//                          wasm-bindgen's start
//   native:  load          require of the package (the addon's dlopen and its registration)
//   both:    engine        new Engine(policy) (the first calls into the build)
//            first_verify  the first engine.verifySync(token)
//            second_verify the next engine.verifySync(token)
//
// The JavaScript modules (wasm-bindgen's glue, api.js) are loaded before any timing starts.
// V8 compiles WebAssembly functions lazily (on their first call), so part of the WebAssembly
// start-up lands in engine and first_verify; they are reported apart, beside second_verify.
//
//   node bench/js/instantiate.mjs native|wasm '{"policy": {...}, "token": "..."}'

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'
import { initSync, NativeEngine } from '../../bindings-node/wasm/wardgate.js'

const require = createRequire(import.meta.url)
const { createApi } = require('../../bindings-node/api.js')
const { wasmEngine } = require('../../bindings-node/wasm-engine.js')
const WASM = new URL('../../bindings-node/wasm/wardgate_bg.wasm', import.meta.url)

/** Brings the WebAssembly build up: its Engine class and the times of each step. */
function startWasm() {
  const t0 = performance.now()
  const bytes = readFileSync(WASM)
  const t1 = performance.now()
  const module = new WebAssembly.Module(bytes)
  const t2 = performance.now()
  initSync({ module })
  const t3 = performance.now()
  const { Engine } = createApi(wasmEngine(NativeEngine))
  return { Engine, ms: { read: t1 - t0, compile: t2 - t1, instantiate: t3 - t2 } }
}

/** Loads the native addon through the package entry: its Engine class and the load time. */
function startNative() {
  const t0 = performance.now()
  const { Engine } = require('../../bindings-node')
  return { Engine, ms: { load: performance.now() - t0 } }
}

/** Times new Engine and the first two verifications. */
function firstCalls(Engine, policy, token) {
  const t0 = performance.now()
  const engine = new Engine(policy)
  const t1 = performance.now()
  const first = engine.verifySync(token)
  const t2 = performance.now()
  const second = engine.verifySync(token)
  const t3 = performance.now()
  if (first.id !== second.id || typeof first.id !== 'string') throw new Error('the token was not accepted')
  return { engine: t1 - t0, first_verify: t2 - t1, second_verify: t3 - t2 }
}

const [build, payload] = process.argv.slice(2)
const { policy, token } = JSON.parse(payload)
const { Engine, ms } = build === 'wasm' ? startWasm() : startNative()
console.log(JSON.stringify({ ...ms, ...firstCalls(Engine, policy, token) }))
