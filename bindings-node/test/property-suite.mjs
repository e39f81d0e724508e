// The property test of list filters, run on the native addon (property.test.mjs) and on the
// WebAssembly build (bindings-wasm/test/property.test.mjs): random policies from a small
// grammar over a fixed table, random principals, contexts and rows (NULLs and boundary
// values); for every case the ids selected through wardgate/drizzle and through the plain SQL
// form, on SQLite and on PostgreSQL, must be the ids `authorize` allows, row by row, and so
// must the ids `filter.matches` accepts. A disagreement is shrunk to a minimal reproduction
// and printed with the seed. Also an SQL-injection test with hostile values and claims.
//
// WARDGATE_PROPERTY_SEED replays a run; WARDGATE_PROPERTY_CASES changes the number of cases.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'

import Database from 'better-sqlite3'
import pg from 'pg'
import { drizzle as sqliteDrizzle } from 'drizzle-orm/better-sqlite3'
import { drizzle as pgDrizzle } from 'drizzle-orm/node-postgres'
import * as sqliteCore from 'drizzle-orm/sqlite-core'
import * as pgCore from 'drizzle-orm/pg-core'

import { where } from 'wardgate/drizzle'
import { postgresUrl } from './support.mjs'

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256'

// --- the fixed table --------------------------------------------------------------------------

/** The columns as the core reads them: `m` is NOT NULL, the others nullable. */
const COLUMNS = { id: 'text', t: 'text', u: 'text', n: 'integer', m: 'integer', r: 'real', b: 'boolean' }
const NAMES = Object.keys(COLUMNS)

const sqliteItems = sqliteCore.sqliteTable('items', {
  id: sqliteCore.text('id').primaryKey(),
  t: sqliteCore.text('t'),
  u: sqliteCore.text('u'),
  n: sqliteCore.integer('n'),
  m: sqliteCore.integer('m').notNull(),
  r: sqliteCore.real('r'),
  b: sqliteCore.integer('b', { mode: 'boolean' }),
})

function pgItems(name) {
  return pgCore.pgTable(name, {
    id: pgCore.text('id').primaryKey(),
    t: pgCore.text('t'),
    u: pgCore.varchar('u'),
    n: pgCore.bigint('n', { mode: 'bigint' }),
    m: pgCore.integer('m').notNull(),
    r: pgCore.doublePrecision('r'),
    b: pgCore.boolean('b'),
  })
}

// --- values ------------------------------------------------------------------------------------

const NUL = 'a\u0000b'
const TEXTS = ['', 'a', 'A', 'u1', 'u2', 'acme', "O'Brien", '"q"', "x'); DROP TABLE items; --", '--', ';', 'é', 'e\u0301',
  '日本', '😀', ' a', 'back\\slash', '%', '_', '1', 'true', 'null', NUL]
// Row integers are what JSON.stringify writes for them (2 ** 62 is 4611686018427388000 there);
// the databases get that text's integer.
const ROW_INTS = [0, -1, 1, 2, 3, 7, 2147483647, -2147483648, 2147483648, 9007199254740991, -9007199254740991, 2 ** 53, 2 ** 62, -(2 ** 62)]
const M_INTS = [0, -1, 1, 2, 3, 2147483647, -2147483648]
// Reals that JSON.stringify writes so that the engine reads the double the database holds:
// fractions, exponents, and integral values below 2^53 (which compare the same as integers).
const REALS = [0, 0.5, -0.5, 1.5, 2, 3, -1, 0.1, 1e-300, 1e300, -1e300, 2147483647.5, 9007199254740991, 4503599627370495.5]
// Integer literals of the policy language, written as text: exact beyond 2^53.
const LITERAL_INTS = ['0', '1', '2', '3', '-1', '7', '2147483647', '2147483648', '-2147483648', '9007199254740991', '9007199254740992',
  '9007199254740993', '-9007199254740993', '4611686018427387904', '4611686018427388000', '9223372036854775807', '-9223372036854775808']
const ROLES = ['admin', 'user', "x'--"]

// --- a seeded random source ------------------------------------------------------------------

function random(seed) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pick = (list) => list[Math.floor(next() * list.length)]
  const chance = (p) => next() < p
  const some = (list, p = 0.5) => list.filter(() => chance(p))
  return { next, pick, chance, some }
}

// --- the grammar -------------------------------------------------------------------------------

/** A string literal of the policy language. */
function literal(s) {
  const escaped = [...s].map((c) => ({ '\\': '\\\\', "'": "\\'", '\n': '\\n', '\u0000': '\\u0000' })[c] ?? c).join('')
  return `'${escaped}'`
}

const RESOURCE_PATHS = ['resource.t', 'resource.u', 'resource.n', 'resource.m', 'resource.r', 'resource.b', 'resource.id',
  'resource.type', 'resource.missing', 'resource.t.x']
const PRINCIPAL_PATHS = ['principal.id', 'principal.tenant', 'principal.roles', 'principal.claims.s', 'principal.claims.n',
  'principal.claims.f', 'principal.claims.b', 'principal.claims.l', 'principal.claims.o', 'principal.claims.z', 'principal.claims.missing']
const CONTEXT_PATHS = ['context.s', 'context.n', 'context.f', 'context.b', 'context.l', 'context.missing']
const COMPARISONS = ['==', '!=', '<', '<=', '>', '>=']

// Mostly comparisons a table can answer (a column against a value or a path of its type, or
// against another column), and some of anything, so that errors (missing paths, `<` on text,
// `in` on a non-list, non-boolean operands) are frequent but do not decide every case.
const TYPED = {
  text: { columns: ['resource.t', 'resource.u', 'resource.id'], paths: ['principal.id', 'principal.tenant', 'principal.claims.s', 'context.s'], ops: ['==', '!=', '==', '!=', '<'] },
  integer: { columns: ['resource.n', 'resource.m'], paths: ['principal.claims.n', 'context.n'], ops: COMPARISONS },
  real: { columns: ['resource.r'], paths: ['principal.claims.f', 'context.f'], ops: COMPARISONS },
  boolean: { columns: ['resource.b'], paths: ['principal.claims.b', 'context.b'], ops: ['==', '!='] },
}

function grammar(rnd) {
  const { pick, chance, next } = rnd
  const valueOf = (type) => {
    if (type === 'text') return literal(pick(TEXTS))
    if (type === 'integer' || type === 'real') return pick(LITERAL_INTS)
    return pick(['true', 'false'])
  }
  const lit = () => valueOf(pick(['text', 'text', 'integer', 'integer', 'boolean']))
  const known = () => (chance(0.6) ? pick(PRINCIPAL_PATHS) : pick(CONTEXT_PATHS))
  const operand = () => {
    const x = next()
    if (x < 0.45) return pick(RESOURCE_PATHS)
    if (x < 0.65) return pick(PRINCIPAL_PATHS)
    if (x < 0.77) return pick(CONTEXT_PATHS)
    if (x < 0.98) return lit()
    return 'action'
  }
  const typed = () => {
    const type = pick(Object.keys(TYPED))
    const { columns, paths, ops } = TYPED[type]
    const x = next()
    let other
    if (x < 0.6) other = valueOf(type)
    else if (x < 0.8) other = pick(paths)
    else if (x < 0.92) other = pick(type === 'integer' || type === 'real' ? [...TYPED.integer.columns, ...TYPED.real.columns] : columns)
    else other = lit()
    const sides = [pick(columns), other]
    if (chance(0.2)) sides.reverse()
    return `${sides[0]} ${pick(ops)} ${sides[1]}`
  }
  const list = (type) => {
    const x = next()
    if (x < 0.6) {
      const items = Array.from({ length: Math.floor(next() * 4) }, () => (chance(0.75) ? (chance(0.8) ? valueOf(type) : lit()) : known()))
      return `[${items.join(', ')}]`
    }
    if (x < 0.9) return pick(['principal.roles', 'principal.claims.l', 'context.l'])
    return pick(['resource.t', 'principal.claims.s'])
  }
  const atom = () => {
    const x = next()
    if (x < 0.5) return typed()
    if (x < 0.6) return `${operand()} ${pick(COMPARISONS)} ${operand()}`
    if (x < 0.75) {
      const type = pick(Object.keys(TYPED))
      return chance(0.85) ? `${pick(TYPED[type].columns)} in ${list(type)}` : `${known()} in [resource.t, resource.u]`
    }
    if (x < 0.87) {
      return pick([
        `resource has ${pick(['t', 'u', 'n', 'm', 'r', 'b', 'id', 'type', 'missing'])}`,
        `principal.claims has ${pick(['s', 'n', 'b', 'l', 'missing'])}`,
        `context has ${pick(['s', 'b', 'missing'])}`,
      ])
    }
    return pick(['resource.b', 'resource.b', 'principal.claims.b', 'context.b', 'true', 'false', 'resource.t', "'admin' in principal.roles"])
  }
  const expr = (depth) => {
    const x = next()
    if (depth === 0 || x < 0.35) return { k: 'atom', s: atom() }
    if (x < 0.6) return { k: '&&', a: expr(depth - 1), b: expr(depth - 1) }
    if (x < 0.82) return { k: '||', a: expr(depth - 1), b: expr(depth - 1) }
    return { k: '!', a: expr(depth - 1) }
  }
  const rule = (i) => ({
    id: `r${i}`,
    effect: chance(0.75) ? 'permit' : 'forbid',
    resource: pick(['item', 'item', 'item', 'item', '*', 'other']),
    actions: pick([['read'], ['read'], ['read'], '*', '*', ['write'], ['read', 'write']]),
    when: chance(0.06) ? null : expr(pick([1, 2, 2, 3])),
  })
  return { rule, lit }
}

/** The `when` text of an expression tree. */
function show(e) {
  if (e.k === 'atom') return e.s
  if (e.k === '!') return `!(${show(e.a)})`
  return `(${show(e.a)} ${e.k} ${show(e.b)})`
}

function policyOf(rules) {
  return {
    token: { algorithms: ['HS256'] },
    keys: { secret: SECRET },
    rules: rules.map(({ when, ...rule }) => (when === null ? rule : { ...rule, when: show(when) })),
  }
}

function claimValue(rnd, name) {
  const { pick, next } = rnd
  switch (name) {
    case 's':
      return pick(TEXTS)
    case 'n':
      return pick(ROW_INTS)
    case 'f':
      return pick(REALS)
    case 'b':
      return rnd.chance(0.5)
    case 'l':
      return Array.from({ length: Math.floor(next() * 4) }, () => claimValue(rnd, pick(['s', 's', 'n', 'f', 'b'])))
    default:
      return null
  }
}

function principalOf(rnd) {
  const id = rnd.pick(['u1', 'u2', "O'Brien", 'acme', '', 'é', NUL, '1'])
  const claims = { sub: id }
  for (const name of rnd.some(['s', 'n', 'f', 'b', 'l', 'o', 'z'], 0.8)) claims[name] = name === 'o' ? { x: 1 } : claimValue(rnd, name)
  return { id, roles: rnd.some(ROLES, 0.3), tenant: rnd.pick(['acme', null, "O'Brien"]), claims }
}

function contextOf(rnd) {
  const context = {}
  for (const name of rnd.some(['s', 'n', 'f', 'b', 'l'], 0.7)) context[name] = claimValue(rnd, name)
  return context
}

function rowsOf(rnd, count, { nul }) {
  const texts = nul ? TEXTS : TEXTS.filter((t) => t !== NUL)
  const maybe = (p, value) => (rnd.chance(p) ? null : value())
  return Array.from({ length: count }, (_, i) => ({
    id: `${i}${rnd.pick(['', "'", '--', ';', 'é', ' OR 1=1'])}`,
    t: maybe(0.25, () => rnd.pick(texts)),
    u: maybe(0.3, () => rnd.pick(texts)),
    n: maybe(0.25, () => rnd.pick(ROW_INTS)),
    m: rnd.pick(M_INTS),
    r: maybe(0.25, () => rnd.pick(REALS)),
    b: maybe(0.3, () => rnd.chance(0.5)),
  }))
}

/** A row's resource: its non-NULL columns. */
function resourceOf(row) {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null))
}

/** An integer as the database must hold it: the integer of its JSON text. */
const exactInteger = (n) => (n === null ? null : BigInt(JSON.stringify(n)))

// --- the databases -----------------------------------------------------------------------------

function sqliteTarget() {
  const client = new Database(':memory:')
  client.exec('CREATE TABLE items (id TEXT PRIMARY KEY, t TEXT, u TEXT, n INTEGER, m INTEGER NOT NULL, r REAL, b INTEGER)')
  const insert = client.prepare('INSERT INTO items (id, t, u, n, m, r, b) VALUES (?, ?, ?, ?, ?, ?, ?)')
  const db = sqliteDrizzle(client)
  return {
    name: 'SQLite',
    async load(rows) {
      client.exec('DELETE FROM items')
      for (const row of rows) {
        insert.run(row.id, row.t, row.u, exactInteger(row.n), exactInteger(row.m), row.r, row.b === null ? null : row.b ? 1 : 0)
      }
    },
    async plain(filter) {
      const { sql, params } = filter.sql('sqlite', COLUMNS)
      return { ids: client.prepare(`SELECT id FROM items WHERE ${sql}`).pluck().all(...params), sql, params }
    },
    async drizzle(filter) {
      const query = db.select({ id: sqliteItems.id }).from(sqliteItems).where(where(filter, sqliteItems))
      return { ids: query.all().map((r) => r.id), ...query.toSQL() }
    },
    async close() {
      client.close()
    },
  }
}

async function postgresTarget(url, tag) {
  const table = `property_items_${tag}_${process.pid}`
  const items = pgItems(table)
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(`DROP TABLE IF EXISTS ${table}`)
  await client.query(`CREATE TABLE ${table} (id text PRIMARY KEY, t text, u varchar, n bigint, m integer NOT NULL,
    r double precision, b boolean)`)
  const db = pgDrizzle(client)
  return {
    name: 'PostgreSQL',
    async load(rows) {
      await client.query(`DELETE FROM ${table}`)
      if (rows.length === 0) return
      const values = rows.map((_, i) => `(${NAMES.map((__, j) => `$${i * NAMES.length + j + 1}`).join(', ')})`)
      const params = rows.flatMap((row) => [row.id, row.t, row.u, row.n === null ? null : JSON.stringify(row.n), row.m, row.r, row.b])
      await client.query(`INSERT INTO ${table} (${NAMES.join(', ')}) VALUES ${values.join(', ')}`, params)
    },
    async plain(filter) {
      const { sql, params } = filter.sql('postgres', COLUMNS)
      const { rows } = await client.query(`SELECT id FROM ${table} WHERE ${sql}`, params)
      return { ids: rows.map((r) => r.id), sql, params }
    },
    async drizzle(filter) {
      const query = db.select({ id: items.id }).from(items).where(where(filter, items))
      return { ids: (await query).map((r) => r.id), ...query.toSQL() }
    },
    async close() {
      await client.query(`DROP TABLE IF EXISTS ${table}`)
      await client.end()
    },
  }
}

// --- one case ------------------------------------------------------------------------------

const sorted = (ids) => [...ids].sort()
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i])

/**
 * What is wrong with a case on `rows` (already loaded into `targets`), or null. Planning
 * refusals the documentation names (FILTER_UNSUPPORTED) are `{ refused }`.
 */
async function check(api, targets, { rules, principal, context }, rows) {
  const engine = new api.Engine(policyOf(rules))
  let filter
  try {
    filter = engine.filter(principal, 'read', 'item', context)
  } catch (e) {
    if (e instanceof api.FilterError && e.code === 'FILTER_UNSUPPORTED') return { refused: e.code }
    return { wrong: `engine.filter threw ${e.name} ${e.code ?? ''}: ${e.message}` }
  }
  const allowed = []
  for (const row of rows) {
    const resource = resourceOf(row)
    const decision = engine.authorize(principal, { action: 'read', resource: { ...resource, type: 'item' }, context })
    const matched = filter.matches(resource)
    if (matched !== decision.allowed) return { wrong: `row ${JSON.stringify(row.id)}: matches says ${matched}, authorize says ${decision.allowed}`, filter }
    if (decision.allowed) allowed.push(row.id)
  }
  const expected = sorted(allowed)
  for (const target of targets) {
    for (const way of ['plain', 'drizzle']) {
      let got
      try {
        got = await target[way](filter)
      } catch (e) {
        return { wrong: `${target.name} ${way}: ${e.name} ${e.code ?? ''}: ${e.message}`, filter }
      }
      if (!same(sorted(got.ids), expected)) {
        return {
          wrong: `${target.name} ${way === 'plain' ? 'filter.sql' : 'wardgate/drizzle'} selects ${JSON.stringify(sorted(got.ids))}, authorize allows ${JSON.stringify(expected)}`,
          sql: got.sql,
          params: got.params,
          filter,
        }
      }
    }
  }
  return { kind: filter.kind }
}

// --- shrinking -----------------------------------------------------------------------------

/** Every tree one step simpler than `e`: a child in its place, or a constant. */
function* simpler(e) {
  if (e.k !== 'atom') {
    yield e.a
    if (e.b) yield e.b
    for (const a of simpler(e.a)) yield { ...e, a }
    if (e.b) for (const b of simpler(e.b)) yield { ...e, b }
  }
  if (e.k !== 'atom' || (e.s !== 'true' && e.s !== 'false')) {
    yield { k: 'atom', s: 'true' }
    yield { k: 'atom', s: 'false' }
  }
}

function* smaller({ kase, rows }) {
  const { rules, principal, context } = kase
  for (let i = 0; i < rows.length; i++) yield { kase, rows: rows.filter((_, j) => j !== i) }
  for (let i = 0; i < rules.length; i++) {
    if (rules.length > 1) yield { kase: { ...kase, rules: rules.filter((_, j) => j !== i) }, rows }
    const rule = rules[i]
    const replace = (changed) => ({ kase: { ...kase, rules: rules.map((r, j) => (j === i ? changed : r)) }, rows })
    if (rule.when !== null) {
      yield replace({ ...rule, when: null })
      for (const when of simpler(rule.when)) yield replace({ ...rule, when })
    }
    if (rule.actions !== '*' && rule.actions.length > 1) yield replace({ ...rule, actions: ['read'] })
  }
  for (const name of Object.keys(principal.claims)) {
    if (name === 'sub') continue
    const { [name]: _, ...claims } = principal.claims
    yield { kase: { ...kase, principal: { ...principal, claims } }, rows }
  }
  for (const role of principal.roles) yield { kase: { ...kase, principal: { ...principal, roles: principal.roles.filter((r) => r !== role) } }, rows }
  for (const name of Object.keys(context)) {
    const { [name]: _, ...rest } = context
    yield { kase: { ...kase, context: rest }, rows }
  }
  for (let i = 0; i < rows.length; i++) {
    for (const name of ['t', 'u', 'n', 'r', 'b']) {
      if (rows[i][name] !== null) yield { kase, rows: rows.map((row, j) => (j === i ? { ...row, [name]: null } : row)) }
    }
  }
}

/** The smallest case (by greedy steps) that still fails, and how. */
async function shrink(api, targets, kase, rows, budget = 2000) {
  const fails = async (candidate) => {
    for (const target of targets) await target.load(candidate.rows)
    const outcome = await check(api, targets, candidate.kase, candidate.rows)
    return outcome.wrong ? outcome : null
  }
  let best = { kase, rows }
  let how = await fails(best)
  let tries = 0
  for (let progress = true; progress && tries < budget; ) {
    progress = false
    for (const candidate of smaller(best)) {
      if (++tries > budget) break
      const outcome = await fails(candidate)
      if (outcome) {
        best = candidate
        how = outcome
        progress = true
        break
      }
    }
  }
  return { ...best, how }
}

function reproduction(seed, index, { kase, rows, how }) {
  return [
    `a filter disagrees with authorize (seed ${seed}, case ${index}; replay: WARDGATE_PROPERTY_SEED=${seed})`,
    `  ${how.wrong}`,
    `  policy rules: ${JSON.stringify(policyOf(kase.rules).rules)}`,
    `  principal: ${JSON.stringify(kase.principal)}`,
    `  context: ${JSON.stringify(kase.context)}`,
    `  rows: ${JSON.stringify(rows)}`,
    how.filter ? `  filter: ${String(how.filter)}` : null,
    how.sql ? `  sql: ${how.sql}  params: ${JSON.stringify(how.params)}` : null,
  ].filter(Boolean).join('\n')
}

// --- the tests -----------------------------------------------------------------------------

/** Defines the property and injection tests for `api`; `tag` names its PostgreSQL tables. */
export function propertyTests(api, { cases: defaultCases, tag }) {
  test(`property: the rows of filter.sql and wardgate/drizzle are the rows authorize allows (SQLite, PostgreSQL)`, async (t) => {
    const seed = Number(process.env.WARDGATE_PROPERTY_SEED ?? randomInt(2 ** 31))
    const cases = Number(process.env.WARDGATE_PROPERTY_CASES ?? defaultCases)
    t.diagnostic(`seed ${seed} (replay with WARDGATE_PROPERTY_SEED=${seed}), ${cases} cases`)
    const rnd = random(seed)
    const { rule } = grammar(rnd)
    const url = postgresUrl({ skip: (why) => t.diagnostic(`PostgreSQL skipped: ${why}`) })
    const sqlite = sqliteTarget()
    const postgres = url ? await postgresTarget(url, tag) : null
    const kinds = { always: 0, never: 0, conditional: 0 }
    let refused = 0
    let onPostgres = 0
    try {
      const perBatch = 10
      for (let batch = 0; batch * perBatch < cases; batch++) {
        // Half the batches hold NUL in their text; PostgreSQL's text cannot, so those run on SQLite only.
        const nul = batch % 2 === 1
        const rows = rowsOf(rnd, 6 + Math.floor(rnd.next() * 10), { nul })
        const targets = postgres && !nul ? [sqlite, postgres] : [sqlite]
        for (const target of targets) await target.load(rows)
        for (let i = 0; i < perBatch && batch * perBatch + i < cases; i++) {
          const kase = {
            rules: Array.from({ length: 1 + Math.floor(rnd.next() * 3) }, (_, j) => rule(j)),
            principal: principalOf(rnd),
            context: contextOf(rnd),
          }
          const outcome = await check(api, targets, kase, rows)
          if (outcome.refused) refused += 1
          else if (outcome.wrong) {
            const minimal = await shrink(api, targets, kase, rows)
            assert.fail(reproduction(seed, batch * perBatch + i, minimal))
          } else {
            kinds[outcome.kind] += 1
            if (targets.length > 1) onPostgres += 1
          }
        }
      }
    } finally {
      await sqlite.close()
      await postgres?.close()
    }
    t.diagnostic(`kinds ${JSON.stringify(kinds)}; refused by the planner ${refused}; on PostgreSQL too ${onPostgres}`)
    // The grammar must reach every kind, mostly conditional filters, and few refusals.
    assert.ok(kinds.conditional > cases * 0.4, JSON.stringify(kinds))
    assert.ok(kinds.always > 0 && kinds.never > 0, JSON.stringify(kinds))
    assert.ok(refused < cases * 0.1, `${refused} refused`)
    if (postgres) assert.ok(onPostgres > cases * 0.4, `${onPostgres} cases on PostgreSQL`)
  })

  test('SQL injection: hostile values and claims select what authorize says and never reach the SQL text', async (t) => {
    const hostile = ["'", "''", "O'Brien", "' OR '1'='1", "x'); DROP TABLE items; --", '--', '/*', '*/', ';', '; DELETE FROM items',
      '"', '"items"', '\\', '$1', '?', '%', '_', 'é', '日本語', '😀', '\u202e', NUL]
    const rules = [
      { id: 'own', effect: 'permit', resource: 'item', actions: ['read'], when: 'resource.t == principal.id' },
      { id: 'claims', effect: 'permit', resource: 'item', actions: ['read'], when: 'resource.u in principal.claims.l || resource.u == context.s' },
      { id: 'tags', effect: 'permit', resource: 'item', actions: ['read'], when: `resource.t in [${hostile.map(literal).slice(0, 6).join(', ')}]` },
      { id: 'quoted', effect: 'forbid', resource: 'item', actions: ['read'], when: `resource.u == ${literal("'; --")}` },
    ]
    const url = postgresUrl(t)
    const targets = [sqliteTarget(), ...(url ? [await postgresTarget(url, `${tag}_injection`)] : [])]
    try {
      for (const target of targets) {
        const rows = hostile
          .filter((h) => target.name === 'SQLite' || h !== NUL)
          .flatMap((h, i) => [
            { id: `t${i}${h}`, t: h, u: null, n: null, m: i, r: null, b: null },
            { id: `u${i}${h}`, t: null, u: h, n: i, m: i, r: 0.5, b: i % 2 === 0 },
          ])
        rows.push({ id: "u'; --", t: null, u: "'; --", n: null, m: 0, r: null, b: null })
        await target.load(rows)
        for (const [i, id] of hostile.entries()) {
          const principal = { id, roles: [], tenant: null, claims: { sub: id, l: [hostile[(i + 1) % hostile.length], hostile[(i + 5) % hostile.length]] } }
          const context = { s: hostile[(i + 9) % hostile.length] }
          const kase = { rules: rules.map((r) => ({ ...r, when: { k: 'atom', s: r.when } })), principal, context }
          const outcome = await check(api, [target], kase, rows)
          assert.equal(outcome.wrong, undefined, `${target.name}, principal ${JSON.stringify(id)}: ${outcome.wrong}`)
          const filter = new api.Engine(policyOf(kase.rules)).filter(principal, 'read', 'item', context)
          for (const got of [await target.plain(filter), await target.drizzle(filter)]) {
            // Identifiers are double-quoted and parameters are `?` or `$N`: nothing else of these.
            for (const value of hostile.filter((h) => !['"', '"items"', '$1', '?', '%', '_'].includes(h))) {
              assert.ok(!got.sql.includes(value), `${JSON.stringify(value)} in ${got.sql}`)
            }
            assert.ok(!/DROP|DELETE/i.test(got.sql), got.sql)
          }
        }
      }
    } finally {
      for (const target of targets) await target.close()
    }
  })
}
