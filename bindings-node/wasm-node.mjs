// The WebAssembly engine on Node (`wardgate/wasm`): the same API as the native addon,
// for places that cannot load a native addon, and for testing the WebAssembly build.
import { readFileSync } from 'node:fs'
import { initSync, NativeEngine } from './wasm/wardgate.js'
import { createApi } from './api.js'
import { wasmEngine } from './wasm-engine.js'

initSync({ module: readFileSync(new URL('./wasm/wardgate_bg.wasm', import.meta.url)) })

const api = createApi(wasmEngine(NativeEngine))
export const Engine = api.Engine
export const AuthError = api.AuthError
export const ConfigError = api.ConfigError
export const FilterError = api.FilterError
export const RevokeError = api.RevokeError
export const Filter = api.Filter
