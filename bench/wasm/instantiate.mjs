// One cold start of the WebAssembly engine, run by bench.mjs in a fresh `node` process each
// time (V8 keeps compiled WebAssembly for the life of a process, so only a new process
// shows what an application pays when it starts). Prints one JSON line of milliseconds:
//
//   read           readFileSync of portcullis_bg.wasm
//   compile        new WebAssembly.Module(bytes)
//   instantiate    initSync({ module }): the imports, new WebAssembly.Instance, wasm-bindgen's start
//   engine         new Engine(policy) (the first calls into the module)
//   first_verify   the first engine.verifySync(token)
//   second_verify  the next engine.verifySync(token)
//
// The JavaScript modules (the glue and api.js) are loaded before any timing starts. V8
// compiles WebAssembly functions lazily (on their first call), so part of the start-up
// cost lands in engine and first_verify; they are reported apart, beside second_verify.
//
//   node bench/wasm/instantiate.mjs '{"policy": {...}, "token": "..."}'

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'
import { initSync, NativeEngine } from '../../bindings-node/wasm/portcullis.js'

const require = createRequire(import.meta.url)
const { createApi } = require('../../bindings-node/api.js')
const { wasmEngine } = require('../../bindings-node/wasm-engine.js')
const { policy, token } = JSON.parse(process.argv[2])
const file = new URL('../../bindings-node/wasm/portcullis_bg.wasm', import.meta.url)

const t0 = performance.now()
const bytes = readFileSync(file)
const t1 = performance.now()
const module = new WebAssembly.Module(bytes)
const t2 = performance.now()
initSync({ module })
const t3 = performance.now()
const { Engine } = createApi(wasmEngine(NativeEngine))
const engine = new Engine(policy)
const t4 = performance.now()
const first = engine.verifySync(token)
const t5 = performance.now()
const second = engine.verifySync(token)
const t6 = performance.now()
if (first.claims.sub !== 'user_1' || second.claims.sub !== 'user_1') throw new Error('the token was not accepted')

const ms = { read: t1 - t0, compile: t2 - t1, instantiate: t3 - t2, engine: t4 - t3, first_verify: t5 - t4, second_verify: t6 - t5 }
console.log(JSON.stringify(ms))
