// The two wardgate builds the suite measures, loaded the same way in its main thread, its
// workers and its child processes: the native addon through the package entry
// (bindings-node/index.js) and the WebAssembly build through `wardgate/wasm`
// (bindings-node/wasm-node.mjs). Both have the same API; jose is imported where it is used.
//
// The suite copies the addon to a temporary folder once and points every load at that copy
// (NAPI_RS_NATIVE_LIBRARY_PATH, which the napi-rs loader honours), so a rebuild of
// bindings-node during the run neither changes what is measured nor pulls the file from
// under a running process.

import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const PACKAGE = fileURLToPath(new URL('../../bindings-node/', import.meta.url))
const OVERRIDE = 'NAPI_RS_NATIVE_LIBRARY_PATH'

/** Library names of the rows, per build. */
export const LIBRARY = { native: 'wardgate (native)', wasm: 'wardgate (wasm)' }

/** The wardgate package version. */
export const WARDGATE_VERSION = require('../../bindings-node/package.json').version
/** The jose version measured against. */
export const JOSE_VERSION = require('jose/package.json').version

/** The addon file of this platform in bindings-node. */
function addonFile() {
  const files = readdirSync(PACKAGE).filter((f) => /^wardgate\..+\.node$/.test(f))
  const own = files.filter((f) => f.includes(`.${process.platform}-${process.arch}`))
  const file = own.length === 1 ? own[0] : files.length === 1 ? files[0] : null
  if (!file) throw new Error(`no single native addon in ${PACKAGE} (found: ${files.join(', ') || 'none'}); build it with ./scripts/node-addon`)
  return path.join(PACKAGE, file)
}

/**
 * Copies the addon to a temporary folder, loads it from there (retrying with a fresh copy
 * while a rebuild may be writing it) and points later loads (workers, child processes) at
 * the same copy. Honours an NAPI_RS_NATIVE_LIBRARY_PATH already set.
 * @returns {Promise<{build: {Engine: Function, AuthError: Function}, cleanup: () => void}>}
 */
export async function pinNative(attempts = 5) {
  if (process.env[OVERRIDE]) return { build: loadNative(), cleanup: () => {} }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wardgate-bench-'))
  const cleanup = () => rmSync(dir, { recursive: true, force: true })
  for (let attempt = 1; ; attempt++) {
    const copy = path.join(dir, `wardgate-${attempt}.node`)
    try {
      copyFileSync(addonFile(), copy)
      process.env[OVERRIDE] = copy
      return { build: loadNative(), cleanup }
    } catch (error) {
      delete process.env[OVERRIDE]
      if (attempt >= attempts) {
        cleanup()
        throw new Error(`the native addon does not load (${error.message}); rebuild it with ./scripts/node-addon`)
      }
      await sleep(2000)
    }
  }
}

/**
 * The native addon's `Engine` and `AuthError` (the package entry, bindings-node/index.js).
 * @returns {{Engine: Function, AuthError: Function}}
 */
function loadNative() {
  const { Engine, AuthError } = require(PACKAGE)
  return { Engine, AuthError }
}

/**
 * The WebAssembly build's `Engine` and `AuthError` (`wardgate/wasm`, which compiles and
 * instantiates the module when first imported).
 * @returns {Promise<{Engine: Function, AuthError: Function}>}
 */
export async function loadWasm() {
  const { Engine, AuthError } = await import('../../bindings-node/wasm-node.mjs')
  return { Engine, AuthError }
}

/**
 * A build by key, `native` or `wasm` (in a worker or a child process of the suite).
 * @param {'native' | 'wasm'} key
 */
export async function loadBuild(key) {
  if (key === 'native') return loadNative()
  if (key === 'wasm') return loadWasm()
  throw new Error(`unknown build ${key}`)
}
