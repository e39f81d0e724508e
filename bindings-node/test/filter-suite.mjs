// List filters through the package's API, run on the native addon (filter.test.mjs) and on
// the WebAssembly build (bindings-wasm/test/filter.test.mjs): both must behave the same.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { Signer, NOW, claims, policyFor, ISSUER, AUDIENCE } from './support.mjs'

const RULES = [
  { id: 'own', effect: 'permit', resource: 'todo', actions: ['read', 'update'], when: 'resource.owner_id == principal.id' },
  { id: 'admins', effect: 'permit', resource: '*', actions: '*', when: "'admin' in principal.roles" },
  { id: 'archived', effect: 'forbid', resource: 'todo', actions: ['update'], when: "resource.status == 'archived'" },
  { id: 'banned', effect: 'forbid', resource: '*', actions: '*', when: 'principal.claims has banned && principal.claims.banned == true' },
]
const COLUMNS = { owner_id: 'text', status: 'text', priority: 'integer', score: 'real', done: 'boolean' }

const user = (id, extra = {}) => ({ id, roles: ['user'], tenant: null, claims: { sub: id }, ...extra })

/** Defines the tests for `api` (the package's exports on one engine). */
export function filterTests({ Engine, Filter, FilterError, ConfigError }) {
  const signer = new Signer()
  const engine = new Engine({ ...policyFor(signer), rules: RULES })
  const withRules = (rules) => new Engine({ ...policyFor(signer), rules })

  test('engine.filter plans a Filter of one of three kinds', () => {
    const own = engine.filter(user('u1'), 'read', 'todo')
    assert.ok(own instanceof Filter)
    assert.equal(own.kind, 'conditional')
    assert.equal(own.action, 'read')
    assert.equal(own.resourceType, 'todo')
    assert.equal(engine.filter(user('root', { roles: ['admin'] }), 'read', 'todo').kind, 'always')
    assert.equal(engine.filter(user('root', { roles: ['admin'] }), 'update', 'todo').kind, 'conditional')
    const banned = user('u1', { roles: ['admin'], claims: { sub: 'u1', banned: true } })
    assert.equal(engine.filter(banned, 'read', 'todo').kind, 'never')
    assert.equal(engine.filter(user('u1'), 'read', 'invoice').kind, 'never', 'no rule for the type')
    assert.equal(engine.filter(user('u1'), 'read', 'todo', { ip: '10.0.0.1' }).kind, 'conditional')
    assert.equal(engine.filter(user('u1'), 'read', 'todo', null).kind, 'conditional')
  })

  test('matches gives the answer authorize gives, resource by resource', () => {
    const resources = [
      { owner_id: 'u1' },
      { owner_id: 'u2' },
      { owner_id: 'u1', status: 'archived' },
      { status: 'archived' },
      {},
      { owner_id: 1 },
      { owner_id: 'u1', type: 'invoice' },
    ]
    const principals = [user('u1'), user('u2'), user('root', { roles: ['admin'] }), user('u1', { claims: { sub: 'u1', banned: true } })]
    for (const principal of principals) {
      for (const action of ['read', 'update', 'delete']) {
        const filter = engine.filter(principal, action, 'todo')
        for (const resource of resources) {
          const allowed = engine.authorize(principal, { action, resource: { ...resource, type: 'todo' } }).allowed
          assert.equal(filter.matches(resource), allowed, `${principal.id} ${action} ${JSON.stringify(resource)}`)
        }
      }
    }
  })

  test('sql writes a parameterised condition for SQLite and PostgreSQL', () => {
    const filter = engine.filter(user('u1'), 'update', 'todo')
    assert.deepEqual(filter.sql('sqlite', COLUMNS), {
      sql: '"owner_id" = ? AND "status" <> ?',
      params: ['u1', 'archived'],
    })
    assert.deepEqual(filter.sql('postgres', COLUMNS), {
      sql: '"owner_id" = $1::text AND "status" <> $2::text',
      params: ['u1', 'archived'],
    })
    assert.deepEqual(filter.sql('postgresql', COLUMNS), filter.sql('postgres', COLUMNS))
    const numbers = withRules([
      { id: 'n', effect: 'permit', resource: 'todo', actions: '*', when: 'resource.priority >= 2 && resource.done == true && resource.score < 1' },
    ]).filter(user('u1'), 'read', 'todo')
    assert.deepEqual(numbers.sql('sqlite', COLUMNS), {
      sql: '"priority" >= CAST(? AS INTEGER) AND "done" = ? AND "score" < CAST(? AS REAL)',
      params: [2, 1, 1],
    })
    assert.deepEqual(numbers.sql('postgres', COLUMNS), {
      sql: '"priority" >= $1::bigint AND "done" = $2::boolean AND "score" < $3::double precision',
      params: [2, true, 1],
    })
    const joined = { ...COLUMNS, owner_id: { type: 'text', column: 'user_id', table: 'p' } }
    assert.equal(filter.sql('sqlite', joined).sql, '"p"."user_id" = ? AND "status" <> ?')
    assert.deepEqual(engine.filter(user('root', { roles: ['admin'] }), 'read', 'todo').sql('sqlite', COLUMNS), { sql: 'TRUE', params: [] })
    assert.deepEqual(engine.filter(user('u1'), 'read', 'invoice').sql('postgres', COLUMNS), { sql: 'FALSE', params: [] })
  })

  test('clause gives the folded tree for ORM adapters', () => {
    const filter = engine.filter(user('u1'), 'update', 'todo')
    assert.deepEqual(filter.clause('sqlite', COLUMNS), {
      and: [
        { compare: '=', attr: 'owner_id', value: 'u1', type: 'text' },
        { compare: '<>', attr: 'status', value: 'archived', type: 'text' },
      ],
    })
    const mixed = withRules([
      { id: 'm', effect: 'permit', resource: 'todo', actions: '*', when: "resource.priority < resource.score && resource.status in ['a', 'b']" },
    ]).filter(user('u1'), 'read', 'todo')
    assert.deepEqual(mixed.clause('postgres', COLUMNS), {
      and: [
        { compare: '<', attr: 'priority', other: 'score', type: 'real' },
        { in: 'status', values: ['a', 'b'], type: 'text' },
      ],
    })
    assert.equal(engine.filter(user('root', { roles: ['admin'] }), 'read', 'todo').clause('sqlite', {}), true)
  })

  test('the JSON form reads back, as an object or as text', () => {
    const filter = engine.filter(user('u1'), 'update', 'todo')
    const json = filter.toJSON()
    assert.deepEqual(json, {
      kind: 'conditional',
      action: 'update',
      resource_type: 'todo',
      permits: [{ rule: 'own', when: { eq: 'owner_id', value: 'u1' } }],
      forbids: [{ rule: 'archived', when: { or: [{ not: { exists: 'status' } }, { eq: 'status', value: 'archived' }] } }],
    })
    json.permits = []
    assert.equal(filter.toJSON().permits.length, 1, 'toJSON gives a new object each time')
    assert.deepEqual(JSON.parse(JSON.stringify(filter)), filter.toJSON())
    for (const again of [Filter.fromJSON(filter.toJSON()), Filter.fromJSON(String(filter)), Filter.fromJSON(JSON.stringify(filter))]) {
      assert.ok(again instanceof Filter)
      assert.equal(again.kind, 'conditional')
      assert.deepEqual(again.toJSON(), filter.toJSON())
      assert.deepEqual(again.sql('sqlite', COLUMNS), filter.sql('sqlite', COLUMNS))
      assert.equal(again.matches({ owner_id: 'u1', status: 'open' }), true)
      assert.equal(again.matches({ owner_id: 'u1' }), false, 'a forbid whose condition fails applies')
    }
  })

  test('integers beyond 2^53 stay exact from the token to the SQL parameters', () => {
    // A verified principal's claims reach the planner as the core verified them.
    const token = signer.sign(`{"sub":"u1","iss":"${ISSUER}","aud":"${AUDIENCE}","iat":${NOW - 60},"exp":${NOW + 3600},"org":9007199254740993}`)
    const orgs = withRules([{ id: 'org', effect: 'permit', resource: 'todo', actions: '*', when: 'resource.org == principal.claims.org' }])
    const principal = orgs.verifySync(token, { now: NOW })
    assert.equal(principal.claims.org, 9007199254740992, 'JavaScript cannot hold the claim')
    const filter = orgs.filter(principal, 'read', 'todo')
    assert.ok(String(filter).includes('9007199254740993'))
    const { sql, params } = filter.sql('sqlite', { org: 'integer' })
    assert.equal(sql, '"org" = CAST(? AS INTEGER)')
    assert.deepEqual(params, ['9007199254740993'], 'beyond 2^53, a decimal string the cast reads back')
    assert.deepEqual(filter.sql('postgres', { org: 'integer' }).params, ['9007199254740993'])
    assert.deepEqual(filter.clause('sqlite', { org: 'integer' }), { compare: '=', attr: 'org', value: '9007199254740993', type: 'integer' })
    assert.deepEqual(Filter.fromJSON(String(filter)).sql('sqlite', { org: 'integer' }).params, ['9007199254740993'], 'the text form is exact')
    assert.equal(filter.matches({ org: 9007199254740992 }), false)
    assert.equal(orgs.authorize(principal, { action: 'read', resource: { type: 'todo', org: 9007199254740992 } }).allowed, false)
  })

  test('errors are FilterErrors with a code and a detail that names no value', () => {
    const isFilterError = (code, pattern) => (e) => {
      assert.ok(e instanceof FilterError && e instanceof Error, `${e}`)
      assert.equal(e.name, 'FilterError')
      assert.equal(e.code, code)
      assert.equal(e.detail, e.message)
      assert.match(e.message, pattern)
      assert.ok(!e.message.includes('s3cr3t'), e.message)
      return true
    }
    const filter = engine.filter(user('u1'), 'update', 'todo')
    assert.throws(() => filter.sql('mysql', COLUMNS), isFilterError('FILTER_COLUMNS', /"mysql" is not a dialect/))
    assert.throws(() => filter.sql('sqlite', { owner_id: 'uuid' }), isFilterError('FILTER_COLUMNS', /owner_id/))
    assert.throws(() => filter.clause('sqlite', { owner_id: { type: 'text', colour: 'x' } }), isFilterError('FILTER_COLUMNS', /colour/))
    assert.throws(() => Filter.fromJSON({ kind: 'always' }), isFilterError('FILTER_INVALID', /action/))
    assert.throws(() => Filter.fromJSON('{'), isFilterError('FILTER_INVALID', /filter/))
    assert.throws(() => Filter.fromJSON({ ...filter.toJSON(), kind: 'always' }), isFilterError('FILTER_INVALID', /kind/))
    const secret = user('u1', { claims: { sub: 'u1', o: { key: 's3cr3t' } } })
    const whole = withRules([{ id: 'whole', effect: 'permit', resource: 'todo', actions: '*', when: 'resource == principal.claims.o' }])
    const planned = whole.filter(secret, 'read', 'todo')
    assert.throws(() => planned.sql('postgres', COLUMNS), isFilterError('FILTER_UNTRANSLATABLE', /rule "whole"/))
    const lists = withRules([{ id: 'lists', effect: 'permit', resource: 'todo', actions: '*', when: 'resource.owner_id == [resource.status]' }])
    assert.throws(() => lists.filter(secret, 'read', 'todo'), isFilterError('FILTER_UNSUPPORTED', /rule "lists"/))
  })

  test('arguments of the wrong type are TypeErrors naming them', () => {
    const filter = engine.filter(user('u1'), 'read', 'todo')
    const typeError = (pattern) => (e) => e instanceof TypeError && pattern.test(e.message)
    assert.throws(() => engine.filter(null, 'read', 'todo'), typeError(/^principal must be a Principal/))
    assert.throws(() => engine.filter({ roles: [] }, 'read', 'todo'), typeError(/^principal must be a Principal/))
    assert.throws(() => engine.filter(user('u1'), 7, 'todo'), typeError(/^action must be a string/))
    assert.throws(() => engine.filter(user('u1'), 'read'), typeError(/^resourceType must be a string/))
    assert.throws(() => engine.filter(user('u1'), 'read', 'todo', []), typeError(/^context must be an object, not an array/))
    assert.throws(() => engine.filter(user('u1'), 'read', 'todo', { n: 1n }), typeError(/^context must hold only JSON values/))
    assert.throws(() => engine.filter(user('u1', { claims: { f() {} } }), 'read', 'todo'), typeError(/^principal must hold only JSON values/))
    assert.throws(() => filter.matches('u1'), typeError(/^resource must be an object, not string/))
    assert.throws(() => filter.matches({ owner_id: Symbol('x') }), typeError(/^resource must hold only JSON values/))
    assert.throws(() => filter.sql(undefined, COLUMNS), typeError(/^dialect must be a string/))
    assert.throws(() => filter.sql('sqlite'), typeError(/^columns must be an object/))
    assert.throws(() => filter.clause('sqlite', ['owner_id']), typeError(/^columns must be an object/))
    assert.throws(() => Filter.fromJSON(7), typeError(/^filter must be an object or a JSON string/))
    assert.throws(() => new Filter(), typeError(/engine\.filter/))
    assert.throws(() => new Filter(Symbol('wardgate.filter'), '{}'), typeError(/engine\.filter/))
  })

  // The filter crosses as its JSON form, which names an attribute by a string (one name, dots
  // included) and a path by a list of names: `resource has 'a.b'` is never the path a → b.
  test('attributes lists the first name of every path the rules read, sorted', () => {
    const rules = withRules([{ id: 'p', effect: 'permit', resource: 'todo', actions: '*', when: "resource.team.lead == principal.id || resource has 'a.b' || resource.done" }])
    assert.deepEqual(rules.filter(user('u1'), 'read', 'todo').attributes, ['a.b', 'done', 'team'])
    assert.deepEqual(engine.filter(user('root', { roles: ['admin'] }), 'read', 'todo').attributes, [])
  })

  test('an attribute name that is no identifier crosses the JSON form', () => {
    const odd = withRules([{ id: 'odd', effect: 'permit', resource: 'todo', actions: '*', when: "resource has 'a.b' || resource has 'label; --'" }])
    const filter = odd.filter(user('u1'), 'read', 'todo')
    for (const resource of [{ 'a.b': 1 }, { a: { b: 1 } }, { 'label; --': 'x' }, { label: 'x' }]) {
      const allowed = odd.authorize(user('u1'), { action: 'read', resource: { ...resource, type: 'todo' } }).allowed
      assert.equal(filter.matches(resource), allowed, JSON.stringify(resource))
    }
  })

  test('planning needs no keys: filter is synchronous with keys.jwks_url too', async () => {
    const remote = new Engine(
      { token: { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] }, keys: { jwks_url: 'http://127.0.0.1:9/jwks' }, rules: RULES },
      { logger: { info() {}, warn() {}, error() {} } },
    )
    const filter = remote.filter(user('u1'), 'read', 'todo')
    assert.equal(filter.kind, 'conditional')
    assert.equal((await remote.filter(user('u1'), 'read', 'todo')).kind, 'conditional', 'awaiting it is harmless')
    assert.equal(remote.keyStatus().fetches, 0)
  })

  test('a verified principal plans as its token says', () => {
    const token = signer.sign(claims({ sub: 'u7' }))
    const principal = engine.verifySync(token, { now: NOW })
    assert.deepEqual(engine.filter(principal, 'read', 'todo').sql('sqlite', COLUMNS), { sql: '"owner_id" = ?', params: ['u7'] })
    const copy = { ...principal, roles: ['admin'] }
    assert.equal(engine.filter(copy, 'read', 'todo').kind, 'always')
    assert.ok(ConfigError)
  })
}
