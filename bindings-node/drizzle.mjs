// Drizzle ORM for Wardgate's list filters (`wardgate/drizzle`): a filter (`engine.filter(...)`,
// from the native addon or the WebAssembly build) as a Drizzle `SQL` condition for
// `.where(...)`, built with drizzle-orm's own operators. It imports neither engine: the
// filter's `clause(dialect, columns)` (the core's fold against the column types) is all it
// reads, and this module only maps each clause node to its Drizzle construct and each Drizzle
// column to one of the core's four column types. drizzle-orm is an optional peer dependency
// of the package; only this module imports it.
import { Column, Table, and, eq, getTableColumns, getTableName, gt, gte, inArray, is, isNotNull, isNull, lt, lte, ne, notInArray, or, sql } from 'drizzle-orm'
import { PgTable } from 'drizzle-orm/pg-core'
import { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { FilterError, describe } from './api.js'

// Drizzle's column classes (`columnType`) whose values compare exactly as the core's types.
// Anything else (SQLite numeric, timestamp and JSON modes, blobs; PostgreSQL real (float4),
// numeric, char, enums, uuid, json, dates...) is refused when a rule reads it.
const TYPES = {
  sqlite: {
    SQLiteText: 'text',
    SQLiteInteger: 'integer',
    SQLiteReal: 'real',
    SQLiteBoolean: 'boolean',
  },
  postgres: {
    PgText: 'text',
    PgVarchar: 'text',
    PgInteger: 'integer',
    PgSmallInt: 'integer',
    PgBigInt53: 'integer',
    PgBigInt64: 'integer',
    PgSerial: 'integer',
    PgSmallSerial: 'integer',
    PgBigSerial53: 'integer',
    PgBigSerial64: 'integer',
    PgDoublePrecision: 'real',
    PgBoolean: 'boolean',
  },
}

const COMPARE = { '=': eq, '<>': ne, '<': lt, '<=': lte, '>': gt, '>=': gte }

// A value as a bound parameter cast to its type, as the core's own SQL binds it: integers as
// 64-bit (so an int4 or smallint column never makes a large value an error in PostgreSQL),
// reals as doubles. Integers beyond 2^53 come as decimal strings, which the casts read back
// exactly.
const PARAM = {
  sqlite: {
    text: (v) => sql`${v}`,
    integer: (v) => sql`CAST(${v} AS INTEGER)`,
    real: (v) => sql`CAST(${v} AS REAL)`,
    boolean: (v) => sql`${v ? 1 : 0}`,
  },
  postgres: {
    text: (v) => sql`${v}::text`,
    integer: (v) => sql`${v}::bigint`,
    real: (v) => sql`${v}::double precision`,
    boolean: (v) => sql`${v}::boolean`,
  },
}

// An integer (or boolean) column compared as `real` is read as a double.
const AS_REAL = {
  sqlite: (column) => sql`CAST(${column} AS REAL)`,
  postgres: (column) => sql`${column}::double precision`,
}

/**
 * The filter as a Drizzle condition on `table` (a SQLite or PostgreSQL table, whose class
 * gives the dialect): `db.select().from(todos).where(where(filter, todos))`.
 *
 * A resource attribute is the column of `table` whose key (`ownerId`) or SQL name
 * (`owner_id`) it is, keys first, unless `columns` maps it to another column, of this table
 * or of a joined one (`{ team: teams.id }`). An attribute that is no column is absent from
 * every row, as it is from a resource built from the row. A rule that reads a column whose
 * type has no exact comparison (anything but text, integer, real, and boolean) is a
 * `FilterError` (`FILTER_COLUMNS`) naming the column, never a wider condition.
 */
export function where(filter, table, columns) {
  if (filter === null || typeof filter !== 'object' || typeof filter.clause !== 'function') {
    throw new TypeError(`filter must be a Filter (from engine.filter), not ${describe(filter)}`)
  }
  const dialect = dialectOf(table)
  if (columns !== undefined && columns !== null && (typeof columns !== 'object' || Array.isArray(columns))) {
    throw new TypeError(`columns must be an object { attribute: column }, not ${describe(columns)}`)
  }
  const places = placesOf(table, columns ?? {}, dialect)
  const types = {}
  for (const attribute of filter.attributes) {
    const place = places.get(attribute)
    if (place === undefined) continue
    if (place.type === undefined) {
      const { column } = place
      throw new FilterError(
        `resource.${attribute} is the column ${columnName(column)} (${column.columnType}), whose values the ` +
          'filter cannot compare exactly: only text, integer, real (double precision) and boolean columns ' +
          'can be filtered on',
        'FILTER_COLUMNS',
      )
    }
    types[attribute] = place.type
  }
  return build(filter.clause(dialect, types), places, dialect)
}

function dialectOf(table) {
  if (is(table, SQLiteTable)) return 'sqlite'
  if (is(table, PgTable)) return 'postgres'
  throw new TypeError(`table must be a Drizzle SQLite or PostgreSQL table, not ${describe(table)}`)
}

// Every attribute a column can stand for: the table's keys and SQL names, then `columns`.
function placesOf(table, columns, dialect) {
  const places = new Map()
  const own = Object.entries(getTableColumns(table))
  for (const [, column] of own) places.set(column.name, placeOf(column, dialect))
  for (const [key, column] of own) places.set(key, placeOf(column, dialect))
  for (const [attribute, column] of Object.entries(columns)) {
    if (!is(column, Column)) {
      throw new TypeError(`columns.${attribute} must be a Drizzle column, not ${describe(column)}`)
    }
    const place = placeOf(column, dialect)
    if (place.foreign) {
      throw new TypeError(`columns.${attribute} is a column of another dialect than the table's (${dialect})`)
    }
    places.set(attribute, place)
  }
  return places
}

function placeOf(column, dialect) {
  const type = Object.hasOwn(TYPES[dialect], column.columnType) ? TYPES[dialect][column.columnType] : undefined
  const other = dialect === 'sqlite' ? 'postgres' : 'sqlite'
  return { column, type, foreign: Object.hasOwn(TYPES[other], column.columnType) }
}

function build(clause, places, dialect) {
  const node = (c) => build(c, places, dialect)
  const column = (attribute, type) => {
    const place = places.get(attribute)
    if (place === undefined) throw new FilterError(`the clause names resource.${attribute}, which has no column`, 'FILTER_INVALID')
    return type === 'real' && place.type !== 'real' ? AS_REAL[dialect](place.column) : place.column
  }
  const param = (type) => {
    if (!Object.hasOwn(PARAM[dialect], type)) unknown(clause)
    return PARAM[dialect][type]
  }
  if (clause === true) return sql`TRUE`
  if (clause === false) return sql`FALSE`
  if (clause === null || typeof clause !== 'object') unknown(clause)
  if ('and' in clause) return clause.and.length ? and(...clause.and.map(node)) : sql`TRUE`
  if ('or' in clause) return clause.or.length ? or(...clause.or.map(node)) : sql`FALSE`
  if ('is_null' in clause) return isNull(column(clause.is_null))
  if ('not_null' in clause) return isNotNull(column(clause.not_null))
  if ('compare' in clause) {
    const { compare, attr, type } = clause
    if (!Object.hasOwn(COMPARE, compare)) unknown(clause)
    const right = 'other' in clause ? column(clause.other, type) : param(type)(clause.value)
    return COMPARE[compare](column(attr, type), right)
  }
  if ('in' in clause) return inArray(column(clause.in), clause.values.map(param(clause.type)))
  if ('not_in' in clause) return notInArray(column(clause.not_in), clause.values.map(param(clause.type)))
  unknown(clause)
}

function unknown(clause) {
  const what = clause !== null && typeof clause === 'object' ? `{${Object.keys(clause).join(', ')}}` : describe(clause)
  throw new FilterError(`a clause this version cannot build: ${what}`, 'FILTER_INVALID')
}

function columnName(column) {
  return is(column.table, Table) ? `"${getTableName(column.table)}"."${column.name}"` : `"${column.name}"`
}
