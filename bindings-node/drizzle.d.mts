/**
 * Drizzle ORM for Wardgate's list filters (`wardgate/drizzle`): a filter as a Drizzle
 * condition, built with drizzle-orm's operators. drizzle-orm is an optional peer dependency.
 *
 * ```ts
 * import { where } from 'wardgate/drizzle'
 *
 * const filter = engine.filter(principal, 'read', 'todo')
 * const rows = await db.select().from(todos).where(where(filter, todos))
 * // a column of a joined table: where(filter, todos, { team: projects.teamId })
 * ```
 */
import type { Column, SQL } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { Filter } from './index.js'

/**
 * The filter as a Drizzle `SQL` condition on `table`, a SQLite or PostgreSQL table (which
 * gives the dialect). `TRUE` for an `always` filter, `FALSE` for a `never` one.
 *
 * A resource attribute is the column of `table` whose key (`ownerId`) or SQL name
 * (`owner_id`) it is, keys first, unless `columns` maps it to another column, of this table
 * or of a joined one. An attribute that is no column is absent from every row. Columns
 * compare as the core's types: SQLite `text`, `integer`, `real`, `integer({ mode: 'boolean' })`;
 * PostgreSQL `text`, `varchar`, `integer`, `smallint`, `bigint` (and the serials),
 * `doublePrecision`, `boolean`. Values are bound parameters cast to their type (integers as
 * 64-bit, reals as doubles). A rule that reads a column of any other type (numeric, real
 * (float4), JSON, timestamps...) throws a `FilterError` with code `FILTER_COLUMNS` naming
 * the column; a filter the clause cannot be built for throws `FilterError` too.
 */
export declare function where(
  filter: Pick<Filter, 'clause' | 'toJSON'>,
  table: SQLiteTable | PgTable,
  columns?: Record<string, Column> | null,
): SQL
