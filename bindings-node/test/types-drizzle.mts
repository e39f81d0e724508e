// Compiled with `tsc --noEmit` by test/types.test.mjs as an ES module (wardgate/drizzle is
// one): the Drizzle adapter's types as an app uses them.
import { Engine, type Filter, type Principal } from 'wardgate'
import { where } from 'wardgate/drizzle'
import { and, eq, type SQL } from 'drizzle-orm'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { bigint, pgTable, text as pgText } from 'drizzle-orm/pg-core'

// A Drizzle SQL condition for a SQLite or PostgreSQL table, combined with others.
const todos = sqliteTable('todos', { id: text('id').primaryKey(), ownerId: text('owner_id'), teamId: integer('team_id') })
const teams = pgTable('teams', { id: pgText('id') })
function drizzled(filter: Filter): SQL[] {
  return [where(filter, todos), where(filter, todos, { team: todos.teamId }), where(filter, teams)]
}
void drizzled
// @ts-expect-error: where takes a table, not a table name
void ((filter: Filter) => where(filter, 'todos'))

export function listed(engine: Engine, principal: Principal): SQL | undefined {
  const filter = engine.filter(principal, 'read', 'todo')
  const big = pgTable('big', { id: bigint('id', { mode: 'bigint' }) })
  void where(filter, big, null)
  return and(where(filter, todos), eq(todos.ownerId, principal.id))
}
