// The conformance runner of the JavaScript runtimes (FORMAT.md), over a package API:
// `bindings-node/conformance.mjs` runs it on the native addon and
// `bindings-wasm/conformance.mjs` on the WebAssembly build. It prints
// `FAIL <file> <id>: expected ..., got ...` for each mismatch and `N passed, N failed`.
// It verifies through the Promise API, so vectors whose policy has `keys.jwks_url` run too
// (the engine fetches the keys, or fails with KEYS_UNAVAILABLE); the key cache's log lines
// are left out of the output.

import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'

const quiet = { info() {}, warn() {}, error() {} }

/** What the engine does with one vector, in the shape of its `expect`. */
export async function outcome({ Engine, AuthError, ConfigError }, vector) {
  let engine
  try {
    engine = new Engine(vector.policy, { logger: quiet })
  } catch (e) {
    if (e instanceof ConfigError) return { config_error: true, detail: e.message }
    throw e
  }
  const options = { now: vector.now }
  let principal
  try {
    if ('token' in vector) principal = await engine.verify(vector.token, options)
    else if ('authorization' in vector) principal = await engine.verifyAuthorization(vector.authorization, options)
    else principal = await engine.verify('', options)
  } catch (e) {
    if (e instanceof AuthError) return { ok: false, ...e.toJSON() }
    throw e
  }
  const got = { ok: true, principal }
  if (vector.request) {
    const { action, resource = {}, context } = vector.request
    const decision = engine.authorize(principal, { action, resource, context })
    Object.assign(got, { allowed: decision.allowed, rules: decision.rules })
    if (!decision.allowed) Object.assign(got, { code: decision.code, status: decision.status, reason: decision.reason })
    if (decision.errors.length) got.errors = decision.errors
  }
  return got
}

/** What differs between `expect` and `got`; only what `expect` states is compared. */
export function mismatches(expect, got) {
  if (expect.config_error === true || got.config_error === true) {
    return expect.config_error === true && got.config_error === true ? [] : ['config_error']
  }
  const wrong = []
  for (const [key, want] of Object.entries(expect)) {
    if (key === 'principal') {
      for (const [field, value] of Object.entries(want)) {
        const have = got.principal?.[field]
        if (!isDeepStrictEqual(have, value)) wrong.push(`principal.${field}: expected ${show(value)}, got ${show(have)}`)
      }
    } else if (key === 'rules') {
      const a = [...want].sort()
      const b = [...(got.rules ?? [])].sort()
      if (!isDeepStrictEqual(a, b)) wrong.push(`rules: expected ${show(a)}, got ${show(b)}`)
    } else if (!isDeepStrictEqual(got[key], want)) {
      wrong.push(`${key}: expected ${show(want)}, got ${show(got[key])}`)
    }
  }
  return wrong
}

function show(value) {
  return value === undefined ? 'nothing' : JSON.stringify(value)
}

function summary(got) {
  if (!got.principal) return JSON.stringify(got)
  const { claims, ...principal } = got.principal
  return JSON.stringify({ ...got, principal })
}

/** Runs every vector of every file, writing FAIL lines with `print`; resolves with the tally. */
export async function runFiles(api, paths, print = console.log) {
  let passed = 0
  let failed = 0
  for (const path of paths) {
    let vectors
    try {
      vectors = JSON.parse(readFileSync(path, 'utf8')).vectors
      if (!Array.isArray(vectors)) throw new Error('no "vectors" list')
    } catch (e) {
      failed += 1
      print(`FAIL ${path} (file): ${e.message}`)
      continue
    }
    for (const [index, vector] of vectors.entries()) {
      const id = vector?.id ?? `#${index}`
      let wrong
      let got = {}
      try {
        got = await outcome(api, vector)
        wrong = mismatches(vector.expect, got)
      } catch (e) {
        wrong = [`the vector cannot be run: ${e.name}: ${e.message}`]
      }
      if (wrong.length) {
        failed += 1
        print(`FAIL ${path} ${id}: expected ${JSON.stringify(vector?.expect)}, got ${summary(got)} (${wrong.join('; ')})`)
      } else {
        passed += 1
      }
    }
  }
  return { passed, failed }
}

/** The command line: runs the files in `paths` through `api`; resolves with the exit status. */
export async function main(api, paths, usage) {
  if (paths.length === 0 || paths[0] === '--help' || paths[0] === '-h') {
    console.error(`usage: ${usage} FILE...`)
    return 2
  }
  const { passed, failed } = await runFiles(api, paths)
  console.log(`${passed} passed, ${failed} failed`)
  return failed === 0 ? 0 : 1
}
