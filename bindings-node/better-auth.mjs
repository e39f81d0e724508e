// Better Auth for Wardgate's revocation (`wardgate/better-auth`). A JWT from Better Auth's
// jwt plugin stays valid until its `exp` whatever happens to the session behind it; this
// module makes ending a session (or banning or deleting a user) revoke the tokens issued for
// it, through the engine's `revoke`, and serves the revoked set to Edge engines.
//
// The mechanism is Better Auth's database hooks, returned by the plugin's `init`: every way a
// session ends (sign-out, revokeSession(s), revokeOtherSessions, the admin plugin's revokes
// and bans, a password change with revokeOtherSessions, a deleted user, expired sessions
// cleaned up, other plugins) goes through the internal adapter's deleteSession,
// deleteSessions, deleteUserSessions or deleteUser, which run `session.delete.before` for each
// row, bulk deletions included. The hook revokes the session's `sid` before the row goes, so
// a failure aborts the deletion and fails the request (a session that expired more than `ttl`
// seconds ago is skipped: none of its tokens can still be valid). Three gaps of those hooks are closed
// here: Better Auth's sign-out catches and only logs an error from deleting the session, so a
// before hook on /sign-out revokes first; revokeSession(s) turn any error into a bare 500, so
// an after hook puts the revocation error back; and a bulk deletion runs the hooks for at most
// `advanced.database.defaultFindManyLimit` rows (100), so when that many sessions of one user
// end in one request, the sessions that ended without a hook are revoked after the deletion.
// better-auth is an optional peer dependency of the package; only this module imports it.
import { getCurrentAdapter } from 'better-auth'
import { APIError, createAuthEndpoint, createAuthMiddleware } from 'better-auth/api'
import { describe } from './api.js'

/** The `code` of the error a request fails with when a revocation fails. */
export const REVOCATION_FAILED = 'WARDGATE_REVOCATION_FAILED'
/** The `code` of the error `GET /wardgate/revoked` answers when the set cannot be had. */
export const REVOCATION_UNAVAILABLE = 'WARDGATE_REVOCATION_UNAVAILABLE'
/** The path of the revoked set under Better Auth's base path (`/api/auth/wardgate/revoked`). */
export const REVOKED_PATH = '/wardgate/revoked'

// The jwt plugin's default token lifetime (`expirationTime: '15m'`).
const DEFAULT_TTL = 900
// Rows read per query when noting a user's live sessions.
const PAGE = 1000
// Marks the functions withSessionId returns, so that `init` can tell that tokens carry `sid`
// (a registered symbol: two copies of this module still recognise each other's functions).
const SESSION_ID = Symbol.for('wardgate.better-auth.withSessionId')
const OPTIONS = ['engine', 'ttl', 'subject']

/**
 * The jwt plugin's `jwt.definePayload` with `sid: session.id` added, so that ending the
 * session revokes its tokens: `jwt({ jwt: { definePayload: withSessionId() } })`. The payload
 * is what `definePayload` returns (without one, Better Auth's default: the user object).
 */
export function withSessionId(definePayload) {
  if (definePayload !== undefined && definePayload !== null && typeof definePayload !== 'function') {
    throw new TypeError(`withSessionId(definePayload): definePayload must be a function (the jwt plugin's jwt.definePayload) or absent, not ${describe(definePayload)}`)
  }
  const define = async (session) => {
    const sid = session?.session?.id
    if (typeof sid !== 'string' || sid === '') {
      throw new TypeError('withSessionId: the jwt plugin gave a session without an id, so the token could not carry sid')
    }
    const payload = definePayload ? await definePayload(session) : session.user
    if (payload === undefined || payload === null) return { sid }
    if (typeof payload !== 'object' || Array.isArray(payload)) {
      throw new TypeError(`withSessionId: definePayload must return an object (the token's claims), not ${describe(payload)}`)
    }
    if (Object.hasOwn(payload, 'sid') && payload.sid !== sid) {
      throw new TypeError('withSessionId: definePayload returned a sid that is not the session id; leave sid to withSessionId')
    }
    return { ...payload, sid }
  }
  Object.defineProperty(define, SESSION_ID, { value: true })
  return define
}

/**
 * The Better Auth plugin (id `wardgate`): revokes the tokens of every session that ends
 * (`sid`), and of a banned or deleted user (`sub`), through `engine.revoke`, and serves
 * `engine.revocationSet()` at `GET {basePath}/wardgate/revoked`.
 */
export function wardgate(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`wardgate(options): options must be an object ({ engine, ttl?, subject? }), not ${describe(options)}`)
  }
  for (const name of Object.keys(options)) {
    if (!OPTIONS.includes(name)) throw new TypeError(`wardgate(options): unknown option ${JSON.stringify(name)} (the options are ${OPTIONS.join(', ')})`)
  }
  const { engine, ttl, subject } = options
  if (engine === null || (typeof engine !== 'object' && typeof engine !== 'function')) {
    throw new TypeError(`wardgate(options): options.engine must be a Wardgate Engine, not ${describe(engine)}`)
  }
  for (const method of ['revoke', 'revocationSet']) {
    if (typeof engine[method] !== 'function') {
      throw new TypeError(`wardgate(options): options.engine has no ${method}() method; give an Engine whose policy has a revocation section that can be written to (revocation.redis_url)`)
    }
  }
  if (ttl !== undefined && !(Number.isSafeInteger(ttl) && ttl > 0)) {
    throw new TypeError(`wardgate(options): options.ttl must be a whole number of seconds above 0, not ${typeof ttl === 'number' ? ttl : describe(ttl)}`)
  }
  if (subject !== undefined && typeof subject !== 'function') {
    throw new TypeError(`wardgate(options): options.subject must be a function from a user to the token's sub, not ${describe(subject)}`)
  }

  let seconds = ttl // set by init, which knows the jwt plugin's token lifetime
  let authContext // the context init was given: for hooks run outside any endpoint

  // What one request has revoked, and what it noted to find sessions that ended without a
  // hook. Keyed by the request's AuthContext, the object Better Auth hands to the hooks of
  // one endpoint call (`ctx.context`, `endpointContext.context`); outside an endpoint each
  // hook gets a state of its own.
  const states = new WeakMap()
  const stateOf = (endpointContext) => {
    const key = endpointContext?.context
    if (key === null || typeof key !== 'object') return newState()
    let state = states.get(key)
    if (state === undefined) states.set(key, (state = newState()))
    return state
  }

  async function revoke(state, entry) {
    const key = entry.sid !== undefined ? `sid:${entry.sid}` : `sub:${entry.sub}`
    if (state.revoked.has(key)) return
    try {
      await engine.revoke({ ...entry, ttl: seconds })
    } catch (cause) {
      const error = revocationFailed(entry.sid !== undefined ? "the session's tokens" : "the user's tokens", cause)
      state.failure ??= error
      throw error
    }
    state.revoked.add(key)
  }

  async function revokeSubject(user, endpointContext) {
    const sub = subject ? await subject(user) : user?.id
    if (typeof sub !== 'string' || sub === '') {
      throw new TypeError(`wardgate: ${subject ? 'options.subject(user) returned' : "the user's id is"} ${describe(sub)}, not a non-empty string, so the user's tokens could not be revoked`)
    }
    await revoke(stateOf(endpointContext), { sub })
  }

  // A user's sessions whose tokens may still be valid (expiring after `since`), as
  // id -> expiry in ms, read through the request's transaction if there is one.
  async function sessionsOf(endpointContext, userId, since) {
    const adapter = await getCurrentAdapter((endpointContext?.context ?? authContext).adapter)
    const where = [
      { field: 'userId', value: userId },
      { field: 'expiresAt', value: new Date(since), operator: 'gt' },
    ]
    const sessions = new Map()
    for (let offset = 0; ; offset += PAGE) {
      const rows = await adapter.findMany({ model: 'session', where, limit: PAGE, offset, sortBy: { field: 'id', direction: 'asc' } })
      for (const row of rows) sessions.set(row.id, new Date(row.expiresAt).getTime())
      if (rows.length < PAGE) return sessions
    }
  }

  // No token of a session that expired more than `ttl` seconds ago can still be valid.
  const mayHaveTokens = (session) => !(new Date(session.expiresAt).getTime() + seconds * 1000 <= Date.now())

  const databaseHooks = {
    session: {
      delete: {
        // Before each session row is deleted (or, with preserveSessionInDatabase, ended).
        async before(session, endpointContext) {
          if (typeof session?.id !== 'string' || session.id === '') {
            throw new TypeError(`wardgate: Better Auth is deleting a session whose id is ${describe(session?.id)}, so its tokens could not be revoked`)
          }
          const state = stateOf(endpointContext)
          if (mayHaveTokens(session)) await revoke(state, { sid: session.id })
          // A bulk deletion runs this hook for at most defaultFindManyLimit rows: when that
          // many sessions of one user end in one request, note the user's sessions now, while
          // they all still exist, to revoke after the deletion those that ended unseen.
          const userId = session.userId
          const seen = (state.seen.get(userId) ?? 0) + 1
          state.seen.set(userId, seen)
          const limit = (endpointContext?.context ?? authContext).options?.advanced?.database?.defaultFindManyLimit ?? 100
          if (seen >= limit && !state.noted.has(userId)) {
            const at = Date.now()
            state.noted.set(userId, { at, sessions: await sessionsOf(endpointContext, userId, at - seconds * 1000) })
          }
        },
        async after(session, endpointContext) {
          const state = stateOf(endpointContext)
          const noted = state.noted.get(session?.userId)
          if (noted === undefined) return
          state.noted.delete(session.userId)
          state.seen.set(session.userId, 0)
          // A session ended if its row is gone, or (preserveSessionInDatabase) now expires
          // between the note and now, as Better Auth ends a kept row.
          const now = Date.now()
          const rows = await sessionsOf(endpointContext, session.userId, noted.at - seconds * 1000)
          for (const sid of noted.sessions.keys()) {
            const expires = rows.get(sid)
            if (expires === undefined || (expires >= noted.at && expires <= now)) await revoke(state, { sid })
          }
        },
      },
    },
    user: {
      // A ban (the admin plugin's banUser, or updateUser with banned: true), and any update
      // of a user while banned: every token the user holds now is refused.
      update: {
        async after(user, endpointContext) {
          if (user !== null && typeof user === 'object' && user.banned === true) await revokeSubject(user, endpointContext)
        },
      },
      delete: {
        async before(user, endpointContext) {
          await revokeSubject(user, endpointContext)
        },
      },
    },
  }

  return {
    id: 'wardgate',
    init(context) {
      seconds = checkAuthOptions(context.options, { ttl, subject })
      authContext = context
      return { options: { databaseHooks } }
    },
    hooks: {
      before: [
        {
          // Better Auth's sign-out logs an error from deleting the session and answers success
          // all the same (cookie cleared, the session and its tokens alive): revoke first, so a
          // failure stops the sign-out with nothing changed. The database hook then skips the sid.
          matcher: (ctx) => ctx.path === '/sign-out',
          handler: createAuthMiddleware(async (ctx) => {
            const token = await ctx.getSignedCookie(ctx.context.authCookies.sessionToken.name, ctx.context.secret)
            if (!token) return
            const found = await ctx.context.internalAdapter.findSession(token)
            if (found?.session?.id && mayHaveTokens(found.session)) await revoke(stateOf(ctx), { sid: found.session.id })
          }),
        },
      ],
      after: [
        {
          // A revocation that failed during the request fails it with that error, also where
          // Better Auth caught it (revokeSession(s) answer a bare 500, sign-out a success).
          matcher: (ctx) => states.get(ctx.context)?.failure !== undefined,
          handler: createAuthMiddleware(async (ctx) => {
            const state = states.get(ctx.context)
            const failure = state?.failure
            if (state) state.failure = undefined
            if (failure !== undefined && ctx.context.returned !== failure) throw failure
          }),
        },
      ],
    },
    endpoints: {
      getRevocationSet: createAuthEndpoint(
        REVOKED_PATH,
        {
          method: 'GET',
          metadata: {
            noStore: true,
            openapi: {
              operationId: 'getRevocationSet',
              summary: "Wardgate's revoked set",
              description: 'The revoked sessions, tokens and principals, for engines that cannot reach the revocation store (revocation.url)',
            },
          },
        },
        async (ctx) => {
          let set
          try {
            set = await engine.revocationSet()
          } catch (cause) {
            throw new APIError(
              'SERVICE_UNAVAILABLE',
              { code: REVOCATION_UNAVAILABLE, message: `wardgate: the revoked set is not available (engine.revocationSet() failed${codeOf(cause)})`, cause },
              { 'Cache-Control': 'no-store', 'Retry-After': '5' },
            )
          }
          const valid =
            set !== null &&
            typeof set === 'object' &&
            Array.isArray(set.sid) &&
            Array.isArray(set.jti) &&
            set.subjects !== null &&
            typeof set.subjects === 'object' &&
            !Array.isArray(set.subjects)
          if (!valid) {
            throw new APIError(
              'INTERNAL_SERVER_ERROR',
              { code: REVOCATION_UNAVAILABLE, message: `wardgate: engine.revocationSet() returned ${describe(set)}, not { sid: [...], jti: [...], subjects: {...} }` },
              { 'Cache-Control': 'no-store' },
            )
          }
          ctx.setHeader('Cache-Control', 'no-store')
          return ctx.json({ sid: set.sid, jti: set.jti, subjects: set.subjects })
        },
      ),
    },
  }
}

function newState() {
  return { revoked: new Set(), seen: new Map(), noted: new Map(), failure: undefined }
}

function codeOf(cause) {
  if (cause !== null && typeof cause === 'object' && typeof cause.code === 'string' && cause.code !== '') return ` with code ${cause.code}`
  return cause instanceof Error ? ' with an error without a code' : `: it threw ${describe(cause)}`
}

// The request's error when a revocation fails. It names the failure and the engine's error
// code; the engine's error is its cause, for logs (the engine's messages hold no token,
// key or URL).
function revocationFailed(what, cause) {
  return new APIError(
    'SERVICE_UNAVAILABLE',
    {
      code: REVOCATION_FAILED,
      message: `wardgate: ${what} could not be revoked (engine.revoke failed${codeOf(cause)}), so they would still be accepted until they expire; the request was stopped`,
      cause,
    },
    { 'Retry-After': '5' },
  )
}

// Checks Better Auth's options when the auth context is made, and gives the seconds each
// entry is kept: options.ttl, or the jwt plugin's token lifetime.
function checkAuthOptions(authOptions, { ttl, subject }) {
  if (authOptions.secondaryStorage && authOptions.session?.storeSessionInDatabase !== true) {
    throw new TypeError('wardgate: Better Auth keeps sessions in secondaryStorage only, where ending a session runs no database hook, so their tokens could not be revoked; set session.storeSessionInDatabase: true')
  }
  const jwtPlugin = (authOptions.plugins ?? []).find((plugin) => plugin?.id === 'jwt')
  const jwt = jwtPlugin?.options?.jwt
  if (jwtPlugin && jwt?.definePayload?.[SESSION_ID] !== true) {
    throw new TypeError("wardgate: the jwt plugin's tokens carry no sid, so ending a session could not revoke them; set jwt({ jwt: { definePayload: withSessionId() } }) (from 'wardgate/better-auth'; withSessionId(yourDefinePayload) keeps your own)")
  }
  if (jwt?.getSubject && !subject) {
    throw new TypeError("wardgate: the jwt plugin sets jwt.getSubject, so a token's sub is not the user's id; give wardgate({ subject }) the same mapping from a user to the sub, for bans and deleted users")
  }
  const lifetime = tokenLifetime(jwt?.expirationTime)
  if (ttl === undefined) {
    if (lifetime === null) {
      throw new TypeError("wardgate: the jwt plugin's jwt.expirationTime is not a duration this plugin reads (such as '15m' or '1h'); give wardgate({ ttl }) in seconds, at least the tokens' lifetime")
    }
    return lifetime
  }
  if (lifetime !== null && ttl < lifetime) {
    throw new TypeError(`wardgate: options.ttl (${ttl} s) is shorter than the jwt plugin's token lifetime (${lifetime} s), so a revoked token would be accepted again before it expires`)
  }
  return ttl
}

// The jwt plugin's token lifetime in seconds, read as Better Auth reads a duration
// ('15m', '1 hour', '7d'), or null when it is not one (a number or a Date is an absolute
// expiry).
function tokenLifetime(expirationTime) {
  if (expirationTime === undefined) return DEFAULT_TTL
  if (typeof expirationTime !== 'string') return null
  const match = /^\+? ?(\d+|\d+\.\d+) ?(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|months?|mo|years?|yrs?|y)(?: from now)?$/i.exec(expirationTime)
  if (match === null) return null
  const unit = match[2].toLowerCase()
  const scale =
    unit.startsWith('mo') ? 2_592_000
    : unit.startsWith('s') ? 1
    : unit.startsWith('m') ? 60
    : unit.startsWith('h') ? 3600
    : unit.startsWith('d') ? 86_400
    : unit.startsWith('w') ? 604_800
    : 31_557_600
  const seconds = Math.round(Number(match[1]) * scale)
  return seconds > 0 ? seconds : null
}
