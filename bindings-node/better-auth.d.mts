/**
 * Better Auth for Wardgate's revocation (`wardgate/better-auth`): ending a session revokes
 * the JWTs issued for it, and the revoked set is served to Edge engines. better-auth (^1.7.25)
 * is an optional peer dependency.
 *
 * ```ts
 * import { betterAuth } from 'better-auth'
 * import { admin, jwt } from 'better-auth/plugins'
 * import { Engine } from 'wardgate'
 * import { wardgate, withSessionId } from 'wardgate/better-auth'
 *
 * const engine = Engine.fromFile('policy.json')   // "revocation": { "redis_url": "rediss://..." }
 * export const auth = betterAuth({
 *   // ...database, emailAndPassword...
 *   plugins: [jwt({ jwt: { definePayload: withSessionId() } }), admin(), wardgate({ engine })],
 * })
 * ```
 *
 * What is revoked (each entry kept `ttl` seconds):
 * - `{ sid: session.id }` for every session that ends: sign-out, `revokeSession`,
 *   `revokeSessions`, `revokeOtherSessions`, the admin plugin's `revokeUserSession`,
 *   `revokeUserSessions`, `banUser` and `removeUser`, `changePassword` with
 *   `revokeOtherSessions: true` (the old sessions only: the new session's token works), a
 *   deleted user, and any other deletion through Better Auth's internal adapter
 *   (`deleteSession`, `deleteSessions`, `deleteUserSessions`, `deleteUser`), bulk ones
 *   included. A session that expired more than `ttl` seconds before it is deleted is not
 *   revoked: none of its tokens can still be valid.
 * - `{ sub }` (every token the user holds now) for a ban (a user updated with
 *   `banned: true`; again on any later update while banned) and for a deleted user. Never for
 *   a password change: a `sub` entry at `T` = now would also refuse the new session's token
 *   issued in the same second.
 *
 * How: Better Auth's database hooks (`session.delete.before`, `user.update.after`,
 * `user.delete.before`, returned by the plugin's `init`), which run wherever a session or
 * user is deleted; the session's `sid` is revoked before its row is deleted. Better Auth runs
 * the session hook for at most `advanced.database.defaultFindManyLimit` (100) rows of one
 * bulk deletion; when that many sessions of one user end in one request, the plugin notes the
 * user's live sessions first and revokes, after the deletion, those that ended without the
 * hook. Outside a Better Auth endpoint (a direct `internalAdapter` call) that note is not
 * taken: there, a bulk deletion of more sessions than that limit leaves the rest unrevoked.
 *
 * Failures are not silent: the request fails. When `engine.revoke` rejects, the request
 * answers 503 with `Retry-After: 5` and `{ code: 'WARDGATE_REVOCATION_FAILED', message }`
 * (an `APIError` from `auth.api.*`); the message names the revocation and the engine's error
 * `code`, never a token, cookie or secret, and the engine's error is its `cause`. The hook runs
 * before the deletion, so the session is not deleted (sign-out leaves the session and its
 * cookie alive; sign out again once the store answers). Better Auth's own sign-out would log
 * and ignore a failed deletion, and revokeSession(s) would answer a bare 500: the plugin
 * revokes the signed-out session before sign-out runs, and puts its error back as the answer
 * of any request in which a revocation failed. A bulk deletion that fails part-way leaves the
 * sessions revoked so far revoked but not deleted: their tokens are refused (fail closed).
 *
 * Refused when Better Auth's context is made (an Error naming the setting):
 * - the jwt plugin without `definePayload: withSessionId(...)` (its tokens would carry no sid);
 * - the jwt plugin's `getSubject` without `options.subject`;
 * - `secondaryStorage` without `session.storeSessionInDatabase: true` (ending a session
 *   there runs no database hook);
 * - a `ttl` shorter than the jwt plugin's token lifetime, or no `ttl` when that lifetime is
 *   not a duration (a number or a Date in `jwt.expirationTime`).
 */
import type { BetterAuthPlugin, Session, User } from 'better-auth'
import type { AuthEndpoint } from 'better-auth/api'

import type { RevocationSet, RevokeEntry } from './index.js'

/** An entry of the revoked set, as `engine.revoke` takes it (the package's `RevokeEntry`). */
export type RevocationEntry = RevokeEntry
/**
 * The revoked set as JSON, as `engine.revocationSet()` gives it and
 * `GET {basePath}/wardgate/revoked` serves it (the shape of the policy's `revocation.inline`).
 */
export type { RevocationSet }

/** What the plugin needs of a Wardgate `Engine`: writing to the revoked set and reading it. */
export interface RevocationEngine {
  /** Writes an entry (to the policy's `revocation.redis_url`); rejects with an Error whose `code` is a string. */
  revoke(entry: RevocationEntry): Promise<void>
  /** The revoked set in force. */
  revocationSet(): RevocationSet | Promise<RevocationSet>
}

export interface WardgateOptions {
  /** The engine whose revoked set is written (its policy's `revocation.redis_url`). */
  engine: RevocationEngine
  /**
   * Seconds each entry is kept, at least the tokens' lifetime (and add the policy's
   * `token.leeway`). Default: the jwt plugin's `jwt.expirationTime` when it is a duration
   * (`'15m'`, `'1h'`), else 900 (the jwt plugin's default, 15 minutes); required when
   * `expirationTime` is a number or a Date.
   */
  ttl?: number
  /**
   * The token's `sub` for a user, for bans and deleted users: required, and the same
   * mapping, when the jwt plugin sets `jwt.getSubject`. Default: `user.id`.
   */
  subject?: (user: User & Record<string, any>) => string | Promise<string>
}

/** The session the jwt plugin passes to `jwt.definePayload`. */
export interface JwtSession {
  user: User & Record<string, any>
  session: Session & Record<string, any>
}

/**
 * `jwt.definePayload` for the jwt plugin: the claims `definePayload` returns (without one,
 * Better Auth's default, the user object) plus `sid: session.id`, so that ending the session
 * revokes its tokens. The returned function rejects with a TypeError when `definePayload`
 * returns a `sid` other than the session id, or something that is not an object.
 */
export declare function withSessionId(
  definePayload?: ((session: JwtSession) => Record<string, any> | undefined | Promise<Record<string, any> | undefined>) | null,
): (session: JwtSession) => Promise<Record<string, any> & { sid: string }>

/**
 * The Better Auth plugin (id `wardgate`). Throws a TypeError naming the option when
 * `engine` lacks `revoke` or `revocationSet`, `ttl` is not a whole number of seconds above 0,
 * `subject` is not a function, or an option is unknown.
 *
 * Its endpoint `GET {basePath}/wardgate/revoked` (`auth.api.getRevocationSet()`) answers
 * `engine.revocationSet()` as JSON (`RevocationSet`) with `Cache-Control: no-store`, for
 * Edge engines, which cannot reach Redis (their policy's `revocation.url`); 503
 * `{ code: 'WARDGATE_REVOCATION_UNAVAILABLE', message }` with `Retry-After: 5` when the engine
 * cannot give it. It needs no session: anyone who can reach it reads which session ids and
 * user ids were revoked in the last `ttl` seconds (no token or secret).
 */
export declare function wardgate(options: WardgateOptions): WardgatePlugin

/** The plugin `wardgate(options)` returns. */
export interface WardgatePlugin {
  id: 'wardgate'
  init: NonNullable<BetterAuthPlugin['init']>
  hooks: NonNullable<BetterAuthPlugin['hooks']>
  endpoints: {
    /** `GET {basePath}/wardgate/revoked`: the revoked set (`auth.api.getRevocationSet()`). */
    getRevocationSet: AuthEndpoint<'/wardgate/revoked', { method: 'GET'; metadata: { noStore: true } }, RevocationSet>
  }
}

/** The `code` of the error a request fails with when a revocation fails (status 503). */
export declare const REVOCATION_FAILED: 'WARDGATE_REVOCATION_FAILED'
/** The `code` of the error `GET {basePath}/wardgate/revoked` answers when the set cannot be had (status 503). */
export declare const REVOCATION_UNAVAILABLE: 'WARDGATE_REVOCATION_UNAVAILABLE'
/** The path of the revoked set under Better Auth's base path: `/wardgate/revoked`. */
export declare const REVOKED_PATH: '/wardgate/revoked'
