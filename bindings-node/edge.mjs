// The package on Edge runtimes (Next.js middleware, workerd, browsers): the shared API
// (api.js) over the WebAssembly engine. Edge runtimes refuse to compile WebAssembly from
// bytes, so the module comes in through the bundler (`?module`) and is instantiated here,
// once, when this module loads.
import init, { NativeEngine } from './wasm/wardgate.js'
import wasm from './wasm/wardgate_bg.wasm?module'
import { createApi } from './api.js'
import { wasmEngine } from './wasm-engine.js'

await init({ module_or_path: wasm })

const api = createApi(wasmEngine(NativeEngine))
export const Engine = api.Engine
export const AuthError = api.AuthError
export const ConfigError = api.ConfigError
export const FilterError = api.FilterError
export const RevokeError = api.RevokeError
export const Filter = api.Filter
