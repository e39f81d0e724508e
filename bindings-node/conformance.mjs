#!/usr/bin/env node
// The Node conformance runner: `node bindings-node/conformance.mjs FILE...`, through the
// package's public API on the native addon (see runner.mjs).
import { createRequire } from 'node:module'
import { main } from './runner.mjs'

const api = createRequire(import.meta.url)('./index.js')
process.exit(await main(api, process.argv.slice(2), 'node bindings-node/conformance.mjs'))
