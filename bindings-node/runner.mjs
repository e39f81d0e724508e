// The conformance runner of the JavaScript runtimes (FORMAT.md), over a package API:
// `bindings-node/conformance.mjs` runs it on the native addon and
// `bindings-wasm/conformance.mjs` on the WebAssembly build. It prints
// `FAIL <file> <id>: expected ..., got ...` for each mismatch and `N passed, N failed`.
// It verifies through the Promise API, so vectors whose policy has `keys.jwks_url` run too
// (the engine fetches the keys, or fails with KEYS_UNAVAILABLE); the key cache's log lines
// are left out of the output. A vector whose policy has a `cache` section has its credential
// verified twice by one engine, and the two outcomes must be the same.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
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
  const verify = async () => {
    try {
      if ('token' in vector) return { principal: await engine.verify(vector.token, options) }
      if ('authorization' in vector) return { principal: await engine.verifyAuthorization(vector.authorization, options) }
      return { principal: await engine.verify('', options) }
    } catch (e) {
      if (e instanceof AuthError) return { error: { ok: false, ...e.toJSON() } }
      throw e
    }
  }
  const first = await verify()
  // With a verified-token cache, the same credential again (a hit, when the first one
  // verified) must give the same outcome: a cache never changes an answer.
  if (vector.policy?.cache !== undefined) {
    const again = await verify()
    if (!isDeepStrictEqual(again, first)) {
      throw new Error(`the second verification (with the cache) differs from the first: ${summary(again.error ?? again)}`)
    }
  }
  if (first.error) return first.error
  const { principal } = first
  const got = { ok: true, principal }
  if (vector.filter) got.filter = filterOutcome(engine, principal, vector.filter)
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
    } else if (key === 'filter') {
      for (const [field, value] of Object.entries(want)) {
        const have = field === 'rows' ? sorted(got.filter?.rows) : got.filter?.[field]
        const expected = field === 'rows' ? sorted(value) : value
        if (!isDeepStrictEqual(have, expected)) wrong.push(`filter.${field}: expected ${show(expected)}, got ${show(have)}`)
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

function sorted(list) {
  return Array.isArray(list) ? [...list].sort() : list
}

/**
 * A filter vector's outcome, `{ rows, kind }`: the ids of the rows the filter selects, which
 * must be the rows `authorize` allows, one by one, and the rows its SQL selects from an
 * in-memory SQLite table holding them (else it throws, saying where they disagree).
 */
function filterOutcome(engine, principal, spec) {
  const { action, resource_type: type, context = {}, columns, rows } = spec
  const filter = engine.filter(principal, action, type, context)
  const selected = []
  for (const row of rows) {
    const allowed = engine.authorize(principal, { action, resource: { ...row, type }, context }).allowed
    const matched = filter.matches(row)
    if (matched !== allowed) throw new Error(`row ${row.id}: matches says ${matched}, authorize says ${allowed}`)
    if (allowed) selected.push(row.id)
  }
  const fromSql = sqliteRows(filter, columns, rows)
  if (!isDeepStrictEqual(fromSql, sorted(selected))) {
    throw new Error(`SQLite selects ${show(fromSql)}, authorize allows ${show(sorted(selected))}`)
  }
  return { rows: selected, kind: filter.kind }
}

// better-sqlite3 is a development dependency of the package: it is loaded for filter vectors only.
let Database
function sqlite() {
  try {
    Database ??= createRequire(import.meta.url)('better-sqlite3')
  } catch (e) {
    throw new Error(`filter vectors need better-sqlite3 (npm install better-sqlite3): ${e.message}`)
  }
  return new Database(':memory:')
}

const STORAGE = { integer: 'INTEGER', boolean: 'INTEGER', real: 'REAL', text: 'TEXT' }

/** The ids, sorted, that `filter.sql('sqlite', columns)` selects from a table of `rows`. */
function sqliteRows(filter, columns, rows) {
  const db = sqlite()
  try {
    const names = Object.keys(columns)
    const quote = (name) => `"${name.replaceAll('"', '""')}"`
    const typeOf = (name) => (typeof columns[name] === 'string' ? columns[name] : columns[name].type)
    db.exec(`CREATE TABLE t (${names.map((n) => `${quote(n)} ${STORAGE[typeOf(n)] ?? 'TEXT'}`).join(', ')})`)
    const insert = db.prepare(`INSERT INTO t (${names.map(quote).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`)
    for (const row of rows) insert.run(...names.map((n) => stored(row[n])))
    const { sql, params } = filter.sql('sqlite', columns)
    return db.prepare(`SELECT id FROM t WHERE ${sql} ORDER BY id`).pluck().all(...params).sort()
  } finally {
    db.close()
  }
}

/** A row's JSON value as SQLite stores it: `NULL` when absent, booleans as 1/0. */
function stored(value) {
  if (value === undefined || value === null) return null
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value
  if (typeof value === 'string') return value
  return JSON.stringify(value)
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
