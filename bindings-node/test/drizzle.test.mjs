// wardgate/drizzle: filters as Drizzle conditions, on SQLite (better-sqlite3) and on
// PostgreSQL (node-postgres; WARDGATE_TEST_POSTGRES_URL), checked against authorize.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

import Database from 'better-sqlite3'
import pg from 'pg'
import { eq } from 'drizzle-orm'
import { drizzle as sqliteDrizzle } from 'drizzle-orm/better-sqlite3'
import { drizzle as pgDrizzle } from 'drizzle-orm/node-postgres'
import { integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import * as pgCore from 'drizzle-orm/pg-core'

import { where } from 'wardgate/drizzle'
import * as wasm from '../wasm-node.mjs'
import { postgresUrl } from './support.mjs'

const require = createRequire(import.meta.url)
const { Engine, FilterError } = require('../index.js')
const pkg = fileURLToPath(new URL('..', import.meta.url))

const RULES = [
  { id: 'own', effect: 'permit', resource: 'todo', actions: ['read'], when: 'resource.owner_id == principal.id' },
  { id: 'team', effect: 'permit', resource: 'todo', actions: ['read'], when: "principal.claims has team && resource.team == principal.claims.team && resource.priority >= 2" },
  { id: 'admins', effect: 'permit', resource: '*', actions: '*', when: "'admin' in principal.roles" },
  { id: 'archived', effect: 'forbid', resource: 'todo', actions: '*', when: "resource.status == 'archived' && !(resource.done == true)" },
  { id: 'banned', effect: 'forbid', resource: '*', actions: '*', when: 'principal.claims has banned && principal.claims.banned == true' },
]
const engine = new Engine({ token: { algorithms: ['HS256'] }, keys: { secret: 'a-test-secret-that-is-long-enough-for-hs256' }, rules: RULES })
const withRules = (rules) => new Engine({ token: { algorithms: ['HS256'] }, keys: { secret: 'a-test-secret-that-is-long-enough-for-hs256' }, rules })

const user = (id, claims = {}, roles = ['user']) => ({ id, roles, tenant: null, claims: { sub: id, ...claims } })
const PRINCIPALS = [
  user('u1'),
  user('u2', { team: 'blue' }),
  user('u3', { team: "O'Brien; --" }),
  user('root', {}, ['admin']),
  user('u1', { banned: true }, ['admin']),
  user("x' OR '1'='1"),
]

// Rows as the application sees them (JavaScript keys); `team` is a column of `projects`.
const ROWS = [
  { id: 't1', ownerId: 'u1', status: 'open', priority: 3, score: 0.5, done: false, projectId: 'p1' },
  { id: 't2', ownerId: 'u2', status: 'archived', priority: 1, score: 2.5, done: true, projectId: 'p1' },
  { id: 't3', ownerId: 'u1', status: 'archived', priority: 2, score: null, done: false, projectId: 'p2' },
  { id: 't4', ownerId: null, status: null, priority: null, score: null, done: null, projectId: null },
  { id: 't5', ownerId: 'u3', status: 'open', priority: 2147483647, score: -1.5, done: null, projectId: 'p3' },
  { id: 't6', ownerId: "x' OR '1'='1", status: 'open', priority: -1, score: 0, done: true, projectId: 'p2' },
]
const PROJECTS = [
  { id: 'p1', team: 'blue' },
  { id: 'p2', team: "O'Brien; --" },
  { id: 'p3', team: null },
]

/** The resource `authorize` sees for a row: its attributes by SQL name, null ones absent. */
function resourceOf(row) {
  const team = PROJECTS.find((p) => p.id === row.projectId)?.team
  const named = { id: row.id, owner_id: row.ownerId, status: row.status, priority: row.priority, score: row.score, done: row.done, team }
  return Object.fromEntries(Object.entries(named).filter(([, v]) => v !== null && v !== undefined))
}

function allowedIds(anEngine, principal, action = 'read') {
  return ROWS.filter((row) => anEngine.authorize(principal, { action, resource: { ...resourceOf(row), type: 'todo' } }).allowed)
    .map((row) => row.id)
    .sort()
}

const ids = (rows) => rows.map((r) => r.id).sort()

// --- SQLite ---------------------------------------------------------------------------------

const todos = sqliteTable('todos', {
  id: text('id').primaryKey(),
  ownerId: text('owner_id'),
  status: text('status'),
  priority: integer('priority'),
  score: real('score'),
  done: integer('done', { mode: 'boolean' }),
  projectId: text('project_id'),
  createdAt: integer('created_at', { mode: 'timestamp' }),
  meta: text('meta', { mode: 'json' }),
})
const projects = sqliteTable('projects', { id: text('id').primaryKey(), team: text('team') })

function sqliteDb() {
  const client = new Database(':memory:')
  client.exec(`CREATE TABLE todos (id TEXT PRIMARY KEY, owner_id TEXT, status TEXT, priority INTEGER, score REAL, done INTEGER,
    project_id TEXT, created_at INTEGER, meta TEXT);
    CREATE TABLE projects (id TEXT PRIMARY KEY, team TEXT)`)
  const db = sqliteDrizzle(client)
  db.insert(todos).values(ROWS).run()
  db.insert(projects).values(PROJECTS).run()
  return db
}

test('SQLite: the rows where() selects are the rows authorize allows', () => {
  const db = sqliteDb()
  for (const principal of PRINCIPALS) {
    const filter = engine.filter(principal, 'read', 'todo')
    const condition = where(filter, todos, { team: projects.team })
    const rows = db.select({ id: todos.id }).from(todos).leftJoin(projects, eq(todos.projectId, projects.id)).where(condition).all()
    assert.deepEqual(ids(rows), allowedIds(engine, principal), principal.id)
    const query = db.select({ id: todos.id }).from(todos).leftJoin(projects, eq(todos.projectId, projects.id)).where(condition).toSQL()
    for (const value of ["O'Brien", 'x\'', '--', 'archived']) assert.ok(!query.sql.includes(value), query.sql)
  }
})

test('SQLite: attributes are keys or SQL names; columns maps others; the kinds are TRUE and FALSE', () => {
  const db = sqliteDb()
  const byKey = withRules([{ id: 'k', effect: 'permit', resource: 'todo', actions: '*', when: "resource.ownerId == 'u1' && resource.projectId == 'p2'" }])
  const filter = byKey.filter(user('u1'), 'read', 'todo')
  assert.deepEqual(ids(db.select({ id: todos.id }).from(todos).where(where(filter, todos)).all()), ['t3'])
  const renamed = withRules([{ id: 'r', effect: 'permit', resource: 'todo', actions: '*', when: "resource.owner == 'u2'" }])
  const owner = renamed.filter(user('u1'), 'read', 'todo')
  assert.deepEqual(ids(db.select({ id: todos.id }).from(todos).where(where(owner, todos, { owner: todos.ownerId })).all()), ['t2'])
  assert.deepEqual(db.select({ id: todos.id }).from(todos).where(where(owner, todos)).all(), [], 'no column: absent')
  const always = withRules([RULES[2]]).filter(user('root', {}, ['admin']), 'read', 'todo')
  assert.equal(always.kind, 'always')
  assert.match(db.select().from(todos).where(where(always, todos)).toSQL().sql, /where TRUE$/)
  assert.equal(db.select({ id: todos.id }).from(todos).where(where(always, todos)).all().length, ROWS.length)
  const never = engine.filter(user('u1', { banned: true }), 'read', 'todo')
  assert.equal(never.kind, 'never')
  assert.deepEqual(db.select().from(todos).where(where(never, todos)).all(), [])
})

test('SQLite: values are typed parameters, integers beyond 2^53 included', () => {
  const db = sqliteDb()
  const big = withRules([
    { id: 'b', effect: 'permit', resource: 'todo', actions: '*', when: 'resource.priority < 9007199254740993 && resource.score < resource.priority && resource.done == false' },
  ])
  const filter = big.filter(user('u1'), 'read', 'todo')
  const query = db.select({ id: todos.id }).from(todos).where(where(filter, todos))
  const { sql: text, params } = query.toSQL()
  assert.equal(
    text,
    'select "id" from "todos" where ("todos"."priority" < CAST(? AS INTEGER) and "todos"."score" < CAST("todos"."priority" AS REAL) and "todos"."done" = ?)',
  )
  assert.deepEqual(params, ['9007199254740993', 0])
  assert.deepEqual(ids(query.all()), allowedIds(big, user('u1')))
})

test('a rule reading a column of another type is a FilterError naming the column', () => {
  const dates = withRules([{ id: 'd', effect: 'permit', resource: 'todo', actions: '*', when: 'resource.created_at > 0 || resource.owner_id == principal.id' }])
  assert.throws(() => where(dates.filter(user('u1'), 'read', 'todo'), todos), (e) => {
    assert.ok(e instanceof FilterError)
    assert.equal(e.code, 'FILTER_COLUMNS')
    assert.match(e.message, /^resource\.created_at is the column "todos"\."created_at" \(SQLiteTimestamp\)/)
    return true
  })
  const json = withRules([{ id: 'j', effect: 'permit', resource: 'todo', actions: '*', when: "resource.meta == 'x'" }])
  assert.throws(() => where(json.filter(user('u1'), 'read', 'todo'), todos), /"todos"\."meta" \(SQLiteTextJson\)/)
  // Columns the rules do not read may be of any type.
  assert.doesNotThrow(() => where(engine.filter(user('u1'), 'read', 'todo'), todos))
})

test('where() refuses arguments of the wrong type', () => {
  const filter = engine.filter(user('u1'), 'read', 'todo')
  assert.throws(() => where(null, todos), { name: 'TypeError', message: 'filter must be a Filter (from engine.filter), not null' })
  assert.throws(() => where(filter.toJSON(), todos), /filter must be a Filter/)
  assert.throws(() => where(filter, {}), { name: 'TypeError', message: 'table must be a Drizzle SQLite or PostgreSQL table, not object' })
  assert.throws(() => where(filter, todos, []), /columns must be an object/)
  assert.throws(() => where(filter, todos, { team: 'team' }), /columns\.team must be a Drizzle column, not string/)
  const pgTeams = pgCore.pgTable('teams', { name: pgCore.text('name') })
  assert.throws(() => where(filter, todos, { team: pgTeams.name }), /columns\.team is a column of another dialect/)
})

test('the WebAssembly build gives where() the same filter', () => {
  const db = sqliteDb()
  const wasmEngine = new wasm.Engine({ token: { algorithms: ['HS256'] }, keys: { secret: 'a-test-secret-that-is-long-enough-for-hs256' }, rules: RULES })
  for (const principal of PRINCIPALS) {
    const filter = wasmEngine.filter(principal, 'read', 'todo')
    const rows = db.select({ id: todos.id }).from(todos).leftJoin(projects, eq(todos.projectId, projects.id))
      .where(where(filter, todos, { team: projects.team })).all()
    assert.deepEqual(ids(rows), allowedIds(engine, principal), principal.id)
  }
})

test("the package's main entries do not load drizzle-orm", () => {
  const script = `
    require('./index.js')
    import('./wasm-node.mjs').then(() => {
      const loaded = Object.keys(require.cache).some((f) => f.includes('drizzle-orm'))
      process.stdout.write(String(loaded))
    })`
  const r = spawnSync(process.execPath, ['-e', script], { cwd: pkg, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout, 'false')
  const drizzled = spawnSync(process.execPath, ['--input-type=module', '-e', "import('wardgate/drizzle').then((m) => process.stdout.write(typeof m.where))"], { cwd: pkg, encoding: 'utf8' })
  assert.equal(drizzled.stdout, 'function', drizzled.stderr)
})

// --- PostgreSQL -----------------------------------------------------------------------------

test('PostgreSQL: the rows where() selects are the rows authorize allows', async (t) => {
  const url = postgresUrl(t)
  if (!url) return
  const suffix = `${process.pid}`
  const { pgTable, text: pgText, varchar, integer: int4, smallint, bigint, doublePrecision, boolean, real: float4, numeric, jsonb } = pgCore
  const pgTodos = pgTable(`drizzle_todos_${suffix}`, {
    id: pgText('id').primaryKey(),
    ownerId: varchar('owner_id', { length: 64 }),
    status: pgText('status'),
    priority: int4('priority'),
    rank: smallint('rank'),
    big: bigint('big', { mode: 'bigint' }),
    small: bigint('small', { mode: 'number' }),
    score: doublePrecision('score'),
    done: boolean('done'),
    projectId: pgText('project_id'),
    ratio: float4('ratio'),
    amount: numeric('amount'),
    meta: jsonb('meta'),
  })
  const pgProjects = pgTable(`drizzle_projects_${suffix}`, { id: pgText('id').primaryKey(), team: pgText('team') })
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`CREATE TABLE drizzle_todos_${suffix} (id text PRIMARY KEY, owner_id varchar(64), status text,
      priority integer, rank smallint, big bigint, small bigint, score double precision, done boolean, project_id text,
      ratio real, amount numeric, meta jsonb);
      CREATE TABLE drizzle_projects_${suffix} (id text PRIMARY KEY, team text)`)
    const db = pgDrizzle(client)
    await db.insert(pgTodos).values(ROWS.map((r, i) => ({ ...r, rank: i, big: 9007199254740993n * BigInt(i % 2), small: i })))
    await db.insert(pgProjects).values(PROJECTS)
    const select = (condition) =>
      db.select({ id: pgTodos.id }).from(pgTodos).leftJoin(pgProjects, eq(pgTodos.projectId, pgProjects.id)).where(condition)
    for (const principal of PRINCIPALS) {
      const filter = engine.filter(principal, 'read', 'todo')
      assert.deepEqual(ids(await select(where(filter, pgTodos, { team: pgProjects.team }))), allowedIds(engine, principal), principal.id)
    }

    // Large values against int4 and smallint columns are no error; bigint columns compare exactly.
    const wide = withRules([
      { id: 'w', effect: 'permit', resource: 'todo', actions: '*', when: 'resource.priority < 9223372036854775807 && resource.rank > -9007199254740993 && resource.big != 9007199254740993' },
    ])
    const filter = wide.filter(user('u1'), 'read', 'todo')
    const query = select(where(filter, pgTodos))
    assert.match(query.toSQL().sql, /"priority" < \$1::bigint and .*"rank" > \$2::bigint and .*"big" <> \$3::bigint/)
    assert.deepEqual(query.toSQL().params, ['9223372036854775807', '-9007199254740993', '9007199254740993'])
    const expected = ROWS.map((r, i) => ({ ...r, i })).filter((r) => r.priority !== null && r.i % 2 === 0).map((r) => r.id).sort()
    assert.deepEqual(ids(await query), expected)

    // Mixed numbers: an integer column compared with a double is cast to double precision.
    const mixed = withRules([{ id: 'm', effect: 'permit', resource: 'todo', actions: '*', when: 'resource.score < resource.priority && resource.small >= 0' }])
    const mixedQuery = select(where(mixed.filter(user('u1'), 'read', 'todo'), pgTodos))
    assert.match(mixedQuery.toSQL().sql, /"score" < "drizzle_todos_\d+"\."priority"::double precision/)
    assert.deepEqual(ids(await mixedQuery), ROWS.filter((r) => r.score !== null && r.priority !== null && r.score < r.priority).map((r) => r.id).sort())

    // float4, numeric and JSON columns are refused when read.
    for (const [column, type] of [['ratio', 'PgReal'], ['amount', 'PgNumeric'], ['meta', 'PgJsonb']]) {
      const rules = withRules([{ id: 'x', effect: 'permit', resource: 'todo', actions: '*', when: `resource.${column} == 1` }])
      assert.throws(() => where(rules.filter(user('u1'), 'read', 'todo'), pgTodos), (e) =>
        e instanceof FilterError && e.code === 'FILTER_COLUMNS' && e.message.includes(`"drizzle_todos_${suffix}"."${column}" (${type})`))
    }
  } finally {
    await client.query(`DROP TABLE IF EXISTS drizzle_todos_${suffix}, drizzle_projects_${suffix}`)
    await client.end()
  }
})
