/**
 * Wardgate: verify JSON Web Tokens and decide who may do what to which resource,
 * with the same engine (and the same decisions) as in Rust, Python and the Edge.
 *
 * ```ts
 * import { Engine, AuthError } from 'wardgate'
 *
 * const engine = Engine.fromFile('policy.json')
 * try {
 *   const principal = await engine.verifyAuthorization(request.headers.get('authorization'))
 *   engine.authorize(principal, { action: 'update', resource: { type: 'todo', owner_id: row.ownerId } }).throwIfDenied()
 * } catch (e) {
 *   // 401, 403 or 503, with the body {detail, code, status, reason}
 *   if (e instanceof AuthError) return Response.json(e, { status: e.status })
 *   throw e
 * }
 * ```
 */

/** A JSON value, as claims, resources and contexts hold. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** A JSON value that cannot be changed, as the claims of a verified principal are (frozen). */
export type FrozenJson = null | boolean | number | string | readonly FrozenJson[] | { readonly [key: string]: FrozenJson }

/**
 * Who a verified token speaks for.
 *
 * `verify` returns it deeply frozen (`Object.isFrozen` at every level; a write throws in
 * strict code), and `authorize` decides on its claims exactly as the core verified them,
 * as `check` does, even where a JavaScript number is not exact (an integer beyond 2^53 such
 * as `9007199254740993` reads as `9007199254740992` in `principal.claims`, but a rule still
 * compares the token's value). To change a principal, copy it: a copy's own `id`, `roles`
 * and `tenant` count, and while it keeps the verified `claims` object
 * (`{ ...principal, roles: [...principal.roles, 'auditor'] }`) its claims are still the
 * verified ones, exactly. Claims in any other object (a principal built by hand,
 * `{ ...principal.claims }`, `structuredClone`, a JSON round trip) are read as
 * `JSON.stringify` writes them: numbers as JavaScript holds them.
 */
export interface Principal {
  /** The principal's id (by default the `sub` claim). */
  readonly id: string
  /** Roles (by default from the `role` claim, split on commas); empty when absent. */
  readonly roles: readonly string[]
  /** The tenant, when the policy names a tenant claim and the token carries it. */
  readonly tenant: string | null
  /** The whole verified payload, with its JSON types. */
  readonly claims: { readonly [claim: string]: FrozenJson }
}

/** An authorization request: `action` on `resource`, whose `type` selects the rules. */
export interface AuthorizationRequest {
  action: string
  resource: { type: string; [attribute: string]: Json | undefined }
  context?: { [name: string]: Json | undefined } | null
}

/** A condition that could not be evaluated (`rule` is null for a problem with the request). */
export interface RuleError {
  rule: string | null
  message: string
}

/**
 * The answer to an authorization request: a plain object (`JSON.stringify`, spreading and
 * `structuredClone` give its data members only), with `throwIfDenied` as a non-enumerable
 * method. A copy (`{ ...decision }`, a JSON round trip) has the data, not the method.
 */
export interface Decision {
  allowed: boolean
  /** `'INSUFFICIENT_PERMISSIONS'` for a denial, null for an allow. */
  code: 'INSUFFICIENT_PERMISSIONS' | null
  /** 200 for an allow, 403 for a denial. */
  status: 200 | 403
  /** `'denied'` (no permit rule applies) or `'forbidden'` (a forbid rule applies); null for an allow. */
  reason: 'denied' | 'forbidden' | null
  /** Ids of the rules that determined the decision. */
  rules: string[]
  errors: RuleError[]
  /** For a denial, an explanation that names no rule (for a 403 body); null for an allow. */
  detail: string | null
  /**
   * Returns the decision when it allows; otherwise throws an `AuthError` with code
   * `INSUFFICIENT_PERMISSIONS`, status 403, the decision's `reason` and `detail` (the denial
   * as Python's `raise_if_denied()` raises it), whose `toJSON()` is the 403 body
   * `{ detail, code, status, reason }`. Anything but `allowed: true` counts as a denial.
   */
  throwIfDenied(): AllowedDecision
}

/** A decision that allows, as `throwIfDenied()` returns it. */
export type AllowedDecision = Decision & { allowed: true; code: null; status: 200; reason: null; detail: null }

/** The clock: seconds since the epoch or a `Date`; the system clock when absent. */
export interface VerifyOptions {
  now?: number | Date
}

export type AuthErrorCode =
  | 'TOKEN_MISSING'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_INVALID'
  | 'INSUFFICIENT_PERMISSIONS'
  | 'KEYS_UNAVAILABLE'
  | 'REVOCATION_UNAVAILABLE'

export type AuthErrorReason =
  | 'missing'
  | 'expired'
  | 'malformed'
  | 'token_too_large'
  | 'invalid_header'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'bad_signature'
  | 'missing_claim'
  | 'invalid_claim'
  | 'not_yet_valid'
  | 'too_old'
  | 'issuer_mismatch'
  | 'audience_mismatch'
  | 'revoked'
  | 'denied'
  | 'forbidden'
  | 'keys_unavailable'
  | 'revocation_unavailable'

/**
 * A refused credential (401), a denied request (403), or keys that cannot be had (503,
 * `KEYS_UNAVAILABLE`: `keys.jwks_url` could not be fetched and no keys are cached; the token
 * may be fine, so retry later rather than sign in again). A token that verifies but whose
 * `sid`, `jti` or subject the policy's `revocation` section revokes is `TOKEN_INVALID` with
 * reason `'revoked'`; when the revocation source (`revocation.redis_url` or `revocation.url`)
 * has never been read, or has been out of reach for longer than `revocation.stale_for`, every
 * token is `REVOCATION_UNAVAILABLE` (503, `Retry-After`). The message never holds the token
 * or a claim's value.
 */
export declare class AuthError extends Error {
  constructor(detail: string, code: AuthErrorCode, status: number, reason: AuthErrorReason, headers?: Record<string, string>)
  readonly name: 'AuthError'
  readonly detail: string
  readonly code: AuthErrorCode
  readonly status: number
  readonly reason: AuthErrorReason
  /**
   * The headers of the HTTP answer, from the engine: `WWW-Authenticate` on a 401 (`Bearer`,
   * or `Bearer error="invalid_token"` for a token that was presented), `Retry-After` on a
   * 503, none on a 403. Not enumerable.
   */
  readonly headers: Readonly<Record<string, string>>
  /** The body of an error response. */
  toJSON(): { detail: string; code: AuthErrorCode; status: number; reason: AuthErrorReason }
}

/**
 * A policy document that cannot be loaded, e.g. for `{"token": {"audiance": "x"}}`:
 * `detail` `'token.audiance: unknown field'`, `path` `'token.audiance'`, `problem`
 * `'unknown field'`.
 */
export declare class ConfigError extends Error {
  constructor(detail: string, path: string, problem: string)
  readonly name: 'ConfigError'
  readonly code: 'CONFIG_ERROR'
  /** The whole text, path included (also `message`): `'token.audiance: unknown field'`. */
  readonly detail: string
  /** The offending field, e.g. `token.audiance` or `rules[2].when`; empty for the document as a whole. */
  readonly path: string
  /** What is wrong there, without the path: `'unknown field'`. */
  readonly problem: string
}

/** Where the key cache's log lines go: `console` by default. Lines start with `wardgate: `. */
export interface Logger {
  /** Keys were fetched and changed. */
  info(message: string): void
  /** A fetch failed, or a fetched key was skipped; cached keys still serve. */
  warn(message: string): void
  /** No keys are available: verifications fail with `KEYS_UNAVAILABLE`. */
  error(message: string): void
}

export interface EngineOptions {
  /** Receives the remote key cache's events (never a token or key material). */
  logger?: Logger
}

/** The state of an engine's keys (`engine.keyStatus()`), for health checks and logs. */
export interface KeyStatus {
  /** `'jwks_url'`, or the inline source: `'jwks'`, `'jwk'`, `'pem'`, `'secret'`. */
  source: 'jwks_url' | 'jwks' | 'jwk' | 'pem' | 'secret'
  /** The JWKS URL without its query (remote keys only). */
  url: string | null
  /**
   * `'static'` (inline keys), `'empty'` (nothing fetched yet, or dropped after `stale_for`),
   * `'fresh'`, or `'stale'` (past their freshness, still served while a refresh is due or failing).
   */
  state: 'static' | 'empty' | 'fresh' | 'stale'
  /** How many keys are usable. */
  keys: number
  /** Their ids. */
  kids: string[]
  /** Seconds since the keys in use were fetched. */
  age: number | null
  /** Seconds the keys in use stay fresh (0 when stale). */
  freshFor: number | null
  /** Seconds stale keys will still be served while fetches fail. */
  servedFor: number | null
  /** Fetches answered so far, successful or not. */
  fetches: number
  /** Of those, the failed ones. */
  failures: number
  /** Why the last fetch failed, when it did (never the URL's query). */
  lastError: string | null
  /** Whether a fetch is under way. */
  fetching: boolean
}

/**
 * A loaded policy document. Throws `ConfigError` when it does not load.
 *
 * With `keys.jwks_url`, keys are fetched when a verification needs them (none cached yet,
 * stale, or a token with an unknown `kid`, at most once per `refresh.cooldown`); concurrent
 * verifications share one fetch. With `revocation.url`, so is the revoked set (none held
 * yet, or older than `revocation.refresh.max_age`, 5 s by default); the others use the set
 * held meanwhile. Use the Promise forms (`verify`, `verifyAuthorization`, `check`): for
 * either, the `...Sync` forms throw an `Error` with `code: 'ERR_REMOTE_KEYS'` (rather than
 * verify without the fetch a due set needs). In the WebAssembly build (Edge runtimes) the
 * package's own `fetch` performs the GETs.
 */
export declare class Engine {
  constructor(policy: object | string, options?: EngineOptions)
  /** Loads a policy document from a JSON file. */
  static fromFile(path: string | URL, options?: EngineOptions): Engine
  /**
   * Verifies a compact JWS, fetching remote keys or a `revocation.url` set first if needed.
   * Rejects with `AuthError`.
   */
  verify(token: string, options?: VerifyOptions): Promise<Principal>
  /**
   * `verify` for engines that fetch nothing (else it throws `ERR_REMOTE_KEYS`: keys from
   * `keys.jwks_url` or revoked entries from `revocation.url`). Throws `AuthError`.
   */
  verifySync(token: string, options?: VerifyOptions): Principal
  /** Verifies the token of an `Authorization: Bearer <token>` value; anything else is `TOKEN_MISSING`. */
  verifyAuthorization(header: string | null | undefined, options?: VerifyOptions): Promise<Principal>
  /** `verifyAuthorization` for engines that fetch nothing (else it throws `ERR_REMOTE_KEYS`). */
  verifyAuthorizationSync(header: string | null | undefined, options?: VerifyOptions): Principal
  /**
   * Decides a request for a principal from `verify` (its claims exactly as verified: the same
   * decision as `check`) or built by hand (read as `JSON.stringify` writes it; see
   * `Principal`); never throws for a denial (`decision.throwIfDenied()` does). A
   * `TypeError` names a principal or request that holds what JSON cannot (a function, a
   * symbol, a BigInt, a cycle).
   */
  authorize(principal: Principal, request: AuthorizationRequest): Decision
  /**
   * The list filter: which resources of `resourceType` `authorize` would let `principal`
   * `action` in `context`, planned from the rules alone (`filter.matches(resource)` is
   * `authorize`'s answer on every resource of that type). Synchronous, even with
   * `keys.jwks_url`: planning reads no keys (awaiting it is harmless). The principal is read
   * as for `authorize`. Throws `FilterError` (`FILTER_UNSUPPORTED`, `FILTER_TOO_COMPLEX`)
   * for a condition that cannot be planned exactly.
   *
   * ```ts
   * const filter = engine.filter(principal, 'read', 'todo')
   * if (filter.kind === 'never') return Response.json([])
   * const { sql, params } = filter.sql('sqlite', { owner_id: 'text', priority: 'integer' })
   * const rows = db.prepare(`SELECT * FROM todos WHERE ${sql}`).all(...params)
   * ```
   */
  filter(
    principal: Principal,
    action: string,
    resourceType: string,
    context?: { [name: string]: Json | undefined } | null,
  ): Filter
  /** `verify` (or `verifyAuthorization` for a value with a scheme), then `authorize`. */
  check(tokenOrHeader: string, request: AuthorizationRequest, options?: VerifyOptions): Promise<Decision>
  /** `check` for engines that fetch nothing (else it throws `ERR_REMOTE_KEYS`). */
  checkSync(tokenOrHeader: string, request: AuthorizationRequest, options?: VerifyOptions): Decision
  /** Valid but suspicious parts of the policy. */
  warnings(): { path: string; message: string }[]
  /** Where the keys come from and, for `keys.jwks_url`, the state of their cache. */
  keyStatus(): KeyStatus
  /** The verified-token cache's counters; null when the policy has no `cache` section. */
  cacheStatus(): CacheStatus | null
  /**
   * Where revoked entries come from and how many there are; null when the policy has no
   * `revocation` section.
   */
  revocationStatus(): RevocationStatus | null
  /**
   * The revoked set in force (the JSON of `revocation.inline`: what an endpoint serves to
   * engines whose source is `revocation.url`); null without a `revocation` section, or when
   * its source has no set to vouch for.
   */
  revocationSet(): RevocationSet | null
  /**
   * Revokes a session (`sid`), a token (`jti`) or every token of a principal issued up to now
   * (`sub`, the principal id), kept `ttl` seconds, in every process that shares the policy's
   * `revocation.redis_url`; this engine refuses the tokens once the Promise resolves (the
   * others within about a millisecond, through Redis's channel). Rejects with a
   * `RevokeError`: `REVOKE_UNSUPPORTED` for any other source (a `revocation.url` set is
   * revoked where it is served; always, in the WebAssembly build, which cannot reach Redis),
   * `REVOKE_INVALID`, `REVOKE_FAILED`.
   */
  revoke(entry: RevokeEntry): Promise<void>
}

/** What `engine.revoke` revokes: any of `sid`, `jti` and `sub`, at least one. */
export interface RevokeEntry {
  /** A session id: every token whose `sid` claim is this is refused. */
  sid?: string
  /** A token id: the token whose `jti` claim is this is refused. */
  jti?: string
  /** A principal id: every token of that principal issued at or before now is refused. */
  sub?: string
  /**
   * How long the entries are kept, in whole seconds (1 to 31,622,400): at least the
   * longest remaining lifetime of a token they should refuse.
   */
  ttl: number
}

/** The revoked set: session ids, token ids, and principal ids with their time `T`. */
export interface RevocationSet {
  sid: string[]
  jti: string[]
  /** Principal id to `T` (Unix seconds): tokens of that principal with `iat <= T` are revoked. */
  subjects: Record<string, number>
}

export type RevokeErrorCode = 'REVOKE_UNSUPPORTED' | 'REVOKE_INVALID' | 'REVOKE_FAILED'

/**
 * A revocation that was not made: `REVOKE_UNSUPPORTED` (the policy's revocation source is not
 * `redis_url`; a `revocation.url` set is revoked where it is served), `REVOKE_INVALID` (an entry member that cannot be used; the message names it),
 * `REVOKE_FAILED` (Redis could not be written to: nothing may have been revoked). No message
 * holds an entry, a URL or a password.
 */
export declare class RevokeError extends Error {
  constructor(detail: string, code: RevokeErrorCode)
  readonly name: 'RevokeError'
  readonly code: RevokeErrorCode
  /** The whole text (also `message`). */
  readonly detail: string
}

/** The counters of the verified-token cache (`"cache": { "max_entries": N }`). */
export interface CacheStatus {
  /** `cache.max_entries`. */
  maxEntries: number
  /** Tokens held now. */
  entries: number
  /** Verifications answered from the cache. */
  hits: number
  /** Verifications that went the whole way (refused tokens included). */
  misses: number
}

/**
 * The state of the revocation source (the policy's `revocation` section), for health checks
 * and logs.
 */
export interface RevocationStatus {
  /**
   * Where the entries come from: `'inline'` (written in the policy), `'redis_url'` (a Redis
   * server shared by every process, mirrored locally) or `'url'` (an HTTP endpoint serving
   * the set, fetched every `revocation.refresh.max_age`).
   */
  source: 'inline' | 'redis_url' | 'url'
  /** For `'url'`, the URL without its query (which may hold a key); null for the others. */
  url: string | null
  /**
   * `'ready'`: the set is in hand and current (always, for an inline set; for `'url'`,
   * fetched less than `refresh.max_age` ago); `'starting'`: nothing read yet (for `'url'`,
   * the first verification fetches the set); `'stale'`: the source is out of reach (or a
   * `'url'` set is due for a refresh) and the last set serves, up to `revocation.stale_for`
   * past its freshness; `'unavailable'`: no set can be vouched for, and verifications fail
   * with `REVOCATION_UNAVAILABLE` (503).
   */
  state: 'ready' | 'starting' | 'stale' | 'unavailable'
  /** How many entries the set holds in all (`sids + jtis + subjects`). */
  entries: number
  /** Revoked session ids (`sid`). */
  sids: number
  /** Revoked token ids (`jti`). */
  jtis: number
  /** Principals with a "revoked before" time. */
  subjects: number
  /** When the whole set was last read (Unix seconds); null for an inline set or before the first read. */
  lastSync: number | null
  /**
   * Seconds since the source last answered (for `'url'`, since the set was fetched); null for
   * an inline set or before the first answer.
   */
  age: number | null
  /**
   * Why the source could not be read the last time it failed (never a URL's query, a password
   * or an entry); null after a success.
   */
  lastError: string | null
}

/** What a filter selects: every resource of its type, none, or those its condition holds for. */
export type FilterKind = 'always' | 'never' | 'conditional'

/** A column's type, which decides how its values compare. */
export type ColumnType = 'text' | 'integer' | 'real' | 'boolean'

/** `'postgresql'` is read as `'postgres'`. */
export type SqlDialect = 'sqlite' | 'postgres' | 'postgresql'

/**
 * The table's columns by resource attribute: a type, or `{ type, column, table }` for a
 * column of another name or of another (joined, aliased) table. An attribute that is no
 * column is absent from every row.
 */
export type FilterColumns = {
  [attribute: string]: ColumnType | { type: ColumnType; column?: string; table?: string }
}

/**
 * A bound parameter: a string for a `text` column, or for an integer beyond ±(2^53 − 1)
 * (the SQL casts it back: `CAST(? AS INTEGER)`, `$1::bigint`); a number; a boolean
 * (PostgreSQL; SQLite's are `1`/`0`).
 */
export type SqlParam = string | number | boolean

/**
 * A `WHERE` condition (without the keyword) and its parameters in order: `?` for SQLite,
 * `$1`, `$2`... (each cast to its type) for PostgreSQL.
 */
export interface FilterSql {
  sql: string
  params: SqlParam[]
}

/**
 * A predicate of a filter's JSON form: `true`, `false`, `{ and }`, `{ or }`, `{ not }`, or a
 * test on a resource attribute such as `{ eq: 'owner_id', value: 'u1' }` (see the README).
 */
export type FilterPredicate =
  | boolean
  | { and: FilterPredicate[] }
  | { or: FilterPredicate[] }
  | { not: FilterPredicate }
  | { [test: string]: Json }

/** A rule's part of a filter: where the rule applies. */
export interface FilterRule {
  rule: string
  when: FilterPredicate
}

/** A filter's JSON form (`filter.toJSON()`, read back by `Filter.fromJSON`). */
export interface FilterJSON {
  kind: FilterKind
  action: string
  resource_type: string
  /** A resource passes when one of these applies... */
  permits: FilterRule[]
  /** ...and none of these does. */
  forbids: FilterRule[]
}

/** A comparison operator of a clause. */
export type ClauseOperator = '=' | '<>' | '<' | '<=' | '>' | '>='

/**
 * A filter folded against the column types (`filter.clause(dialect, columns)`), for ORM
 * adapters. Attributes are resource attribute names (keys of the columns). `type` is the
 * type both sides compare as: when it is `'real'`, a side that is not a `real` column is cast
 * to a double. Values are of that type (integers beyond ±(2^53 − 1) as decimal strings).
 * A comparison is `NULL` where a column it reads is `NULL`; negations are already pushed
 * down, so no `NOT` is needed.
 */
export type Clause =
  | boolean
  | { and: Clause[] }
  | { or: Clause[] }
  | { is_null: string }
  | { not_null: string }
  | { compare: ClauseOperator; attr: string; value: string | number | boolean; type: ColumnType }
  | { compare: ClauseOperator; attr: string; other: string; type: ColumnType }
  | { in: string; values: (string | number | boolean)[]; type: ColumnType }
  | { not_in: string; values: (string | number | boolean)[]; type: ColumnType }

/**
 * A list filter, from `engine.filter(...)` or `Filter.fromJSON(...)`. It holds its JSON form
 * as the core wrote it and hands it back to the core for each call, so the values in it stay
 * exact (integers beyond 2^53 included).
 */
export declare class Filter {
  private constructor()
  /**
   * A filter from its JSON form: an object (`filter.toJSON()`) or JSON text
   * (`String(filter)`, exact even for integers beyond 2^53, which an object cannot hold).
   * Throws `FilterError` (`FILTER_INVALID`) for a form that does not read back.
   */
  static fromJSON(value: FilterJSON | string): Filter
  /** `'always'` (every resource of the type), `'never'` (none) or `'conditional'`. */
  readonly kind: FilterKind
  /** The action it was planned for. */
  readonly action: string
  /** The resource type it was planned for. */
  readonly resourceType: string
  /**
   * The resource attributes the filter reads (the first name of each path), sorted: what a
   * table needs columns for (`wardgate/drizzle` types exactly these).
   */
  readonly attributes: string[]
  /**
   * Whether the filter selects a resource, given its attributes (a `type` member is
   * ignored): always `authorize`'s answer for that resource.
   */
  matches(resource: { [attribute: string]: Json | undefined }): boolean
  /**
   * The filter as a parameterised `WHERE` condition for `'sqlite'` or `'postgres'`.
   * Throws `FilterError` (`FILTER_UNTRANSLATABLE`, `FILTER_COLUMNS`).
   */
  sql(dialect: SqlDialect, columns: FilterColumns): FilterSql
  /** The filter folded against the column types, for ORM adapters (see `Clause`). */
  clause(dialect: SqlDialect, columns: FilterColumns): Clause
  /**
   * The filter's JSON form, a new object each time. Numbers are JavaScript numbers: an
   * integer beyond 2^53 in it is not exact (`String(filter)` is).
   */
  toJSON(): FilterJSON
  /** The filter's JSON form as text, exactly as the core wrote it. */
  toString(): string
}

export type FilterErrorCode =
  | 'FILTER_UNSUPPORTED'
  | 'FILTER_TOO_COMPLEX'
  | 'FILTER_UNTRANSLATABLE'
  | 'FILTER_COLUMNS'
  | 'FILTER_INVALID'

/**
 * A list filter that cannot be planned (`FILTER_UNSUPPORTED`, `FILTER_TOO_COMPLEX`), turned
 * into SQL (`FILTER_UNTRANSLATABLE`; `FILTER_COLUMNS` for a column description, a column
 * type or a dialect that cannot be used) or read back (`FILTER_INVALID`). The message names
 * the rule and the operator or the column, never a value. Never a wider filter: whatever
 * cannot be translated exactly is this error.
 */
export declare class FilterError extends Error {
  constructor(detail: string, code: FilterErrorCode)
  readonly name: 'FilterError'
  readonly code: FilterErrorCode
  /** The whole text (also `message`). */
  readonly detail: string
}
