// Compiled with `tsc --noEmit` by test/types.test.mjs: the package's types as an app uses them.
import {
  Engine,
  AuthError,
  ConfigError,
  Filter,
  FilterError,
  type AuthErrorCode,
  type CacheStatus,
  type Clause,
  type Decision,
  type FilterColumns,
  type FilterErrorCode,
  type FilterJSON,
  type FilterKind,
  type FilterSql,
  type KeyStatus,
  type Logger,
  type Principal,
  type RevocationSet,
  type RevocationStatus,
  RevokeError,
  type RevokeErrorCode,
  type SqlParam,
} from 'wardgate'

async function handler(header: string | null): Promise<number> {
  const engine: Engine = Engine.fromFile('policy.json')
  try {
    const principal: Principal = await engine.verifyAuthorization(header, { now: new Date() })
    const roles: readonly string[] = principal.roles
    const decision: Decision = engine.authorize(principal, {
      action: 'update',
      resource: { type: 'todo', owner_id: principal.id },
      context: { ip: '127.0.0.1' },
    })
    const reason: 'denied' | 'forbidden' | null = decision.reason
    void roles
    void reason
    return decision.status
  } catch (e) {
    if (e instanceof AuthError) {
      const body: { code: string; status: number } = e.toJSON()
      return body.status
    }
    if (e instanceof ConfigError) return e.path.length
    throw e
  }
}

const sync: Principal = new Engine({ token: { algorithms: ['EdDSA'] } }).verifySync('t', { now: 1 })
void sync
void handler

// @ts-expect-error: authorize takes a request object, not an action string
new Engine('{}').authorize(sync, 'read')

// Remote key sets: a logger, the key status, and the 503 code.
const logger: Logger = { info: (m: string) => void m, warn: console.warn, error: console.error }
const remote = new Engine({ keys: { jwks_url: 'https://auth.example.com/api/auth/jwks' } }, { logger })
const fromFile: Engine = Engine.fromFile('policy.json', { logger: console })
const status: KeyStatus = remote.keyStatus()
const freshFor: number | null = status.freshFor
const lastError: string | null = status.lastError
const state: 'static' | 'empty' | 'fresh' | 'stale' = status.state
const unavailable: AuthErrorCode = 'KEYS_UNAVAILABLE'
void [fromFile, freshFor, lastError, state, unavailable]

async function remoteHandler(token: string): Promise<number> {
  try {
    return (await remote.verify(token)).id.length
  } catch (e) {
    if (e instanceof AuthError && e.code === 'KEYS_UNAVAILABLE') return e.status
    throw e
  }
}
void remoteHandler

// @ts-expect-error: a logger needs info, warn and error
new Engine('{}', { logger: { info() {} } })
// @ts-expect-error: the key status uses camelCase
void remote.keyStatus().fresh_for

// The verified-token cache's counters, or null.
const cache: CacheStatus | null = remote.cacheStatus()
const hits: number | undefined = cache?.hits
void hits
// @ts-expect-error: camelCase here too
void remote.cacheStatus()?.max_entries

// The revocation source's state, or null; a refusal for a revoked token is a reason.
const revocation: RevocationStatus | null = remote.revocationStatus()
const revoked: number | undefined = revocation?.entries
void revoked
const reason: AuthError['reason'] = 'revoked'
void reason
const revocationState: RevocationStatus["state"] | undefined = revocation?.state
const revocationError: string | null | undefined = revocation?.lastError
const revocationSource: 'inline' | 'redis_url' | 'url' | undefined = revocation?.source
const revocationUrl: string | null | undefined = revocation?.url
void [revocationState, revocationError, revocationSource, revocationUrl]
const revocationUnavailable: AuthErrorCode = "REVOCATION_UNAVAILABLE"
void revocationUnavailable

// Revoking: a Promise; its failures are RevokeErrors with a code.
async function logout(userId: string): Promise<RevokeErrorCode | null> {
  try {
    await remote.revoke({ sub: userId, ttl: 900 })
    await remote.revoke({ sid: 'session-id', jti: 'token-id', ttl: 60 })
    return null
  } catch (e) {
    if (e instanceof RevokeError) return e.code
    throw e
  }
}
void logout
// @ts-expect-error: ttl is required
void remote.revoke({ sid: 'session-id' })
// @ts-expect-error: ttl is seconds, a number
void remote.revoke({ sid: 'session-id', ttl: '900' })
const set: RevocationSet | null = remote.revocationSet()
const subjectTime: number | undefined = set?.subjects['user_1']
void subjectTime
// @ts-expect-error: not a reason
const notAReason: AuthError['reason'] = 'banned'
void notAReason

// A verified principal is frozen, and typed so; a copy, or a principal built by hand with
// mutable arrays, is still a Principal.
function copies(principal: Principal): Principal[] {
  // @ts-expect-error: a verified principal's roles cannot change
  principal.roles.push('admin')
  // @ts-expect-error: nor its claims
  principal.claims.plan = 'pro'
  const copy: Principal = { ...principal, roles: [...principal.roles, 'auditor'] }
  const byHand: Principal = { id: 'u1', roles: ['admin'], tenant: null, claims: { tags: ['a'], n: 1 } }
  return [copy, byHand]
}
void copies

// List filters: planned synchronously, turned into SQL or a clause, kept as JSON.
function listTodos(engine: Engine, principal: Principal): FilterSql | null {
  const filter: Filter = engine.filter(principal, 'read', 'todo', { ip: '127.0.0.1' })
  const kind: FilterKind = filter.kind
  if (kind === 'never') return null
  const columns: FilterColumns = { owner_id: 'text', priority: 'integer', team: { type: 'text', column: 'team_id', table: 'p' } }
  const { sql, params } = filter.sql('postgres', columns)
  const first: SqlParam | undefined = params[0]
  void [sql, first, filter.matches({ owner_id: principal.id }) satisfies boolean]
  const clause: Clause = filter.clause('sqlite', columns)
  if (typeof clause === 'object' && 'compare' in clause) void clause.type
  const stored: FilterJSON = filter.toJSON()
  const again: Filter = Filter.fromJSON(stored)
  void [Filter.fromJSON(String(filter)), again.resourceType, stored.resource_type, engine.filter(principal, 'read', 'todo').action]
  try {
    return again.sql('sqlite', columns)
  } catch (e) {
    if (e instanceof FilterError) {
      const code: FilterErrorCode = e.code
      void code
      return null
    }
    throw e
  }
}
void listTodos

// @ts-expect-error: a Filter comes from engine.filter or Filter.fromJSON
new Filter()

