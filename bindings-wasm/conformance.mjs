#!/usr/bin/env node
// The WebAssembly conformance runner: `node bindings-wasm/conformance.mjs FILE...`, through
// the package's public API on the WebAssembly build (`wardgate/wasm`; see
// bindings-node/runner.mjs).
import * as api from '../bindings-node/wasm-node.mjs'
import { main } from '../bindings-node/runner.mjs'

process.exit(await main(api, process.argv.slice(2), 'node bindings-wasm/conformance.mjs'))
