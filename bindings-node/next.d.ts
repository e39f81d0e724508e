/**
 * Next.js middleware for Wardgate (`wardgate/next`).
 *
 * ```ts
 * // middleware.ts (the Edge runtime: the WebAssembly engine)
 * import { wardgate } from 'wardgate/next'
 * import policy from './policy.json'
 *
 * export const middleware = wardgate({
 *   policy,
 *   cookie: 'token',
 *   public: [/^\/$/, '/sign-in'],
 *   routes: [{ path: '/admin', action: 'read', resource: { type: 'admin' } }],
 *   signIn: '/sign-in',
 * })
 * export const config = { matcher: ['/((?!_next/|favicon.ico).*)'] }
 *
 * // app/dashboard/page.tsx
 * import { headers } from 'next/headers'
 * import { readPrincipal } from 'wardgate/next'
 * const principal = readPrincipal(await headers())
 * ```
 */
import type { NextRequest, NextResponse } from 'next/server.js'
import type { AuthErrorCode, AuthorizationRequest, Engine, Json, Principal } from './index.js'

/**
 * A path: a string matches itself and every path below it (`'/admin'` matches `/admin` and
 * `/admin/users`, not `/administrator`; `'/'` matches every path); a RegExp is tested
 * against the pathname (`/^\/$/` for the home page alone).
 */
export type PathPattern = string | RegExp

/** A value given as is, or computed from the request. */
export type FromRequest<T> = T | ((request: NextRequest) => T)

/**
 * A route rule: on paths matching `path`, the verified principal must be allowed `action`
 * on `resource` (`engine.authorize`), or the response is a 403. Every matching rule is
 * checked, in order.
 */
export interface Route {
  path: PathPattern
  /** The action, e.g. `'read'`, or a function of the request (e.g. of `request.method`). */
  action: FromRequest<string>
  /** The resource; its `type` selects the policy's rules. */
  resource: FromRequest<AuthorizationRequest['resource']>
  /** The context, read by conditions as `context.*`. */
  context?: FromRequest<{ [name: string]: Json | undefined } | null | undefined>
}

interface CommonOptions {
  /**
   * A cookie that carries the token, read when the `Authorization` header carries no Bearer
   * token (absent, or another scheme such as `Basic`). The header wins when both are present.
   */
  cookie?: string
  /** Route rules, checked after the token verifies. */
  routes?: Route[]
  /**
   * Paths served without a token. The middleware still removes `x-wardgate-*` request
   * headers there, so `readPrincipal` gives null on them.
   */
  public?: PathPattern[]
  /**
   * A sign-in page (a path, or an absolute URL): a 401 on a page request becomes a 307
   * redirect there, with `returnTo` set to the requested path and query. A page request is a
   * GET or HEAD whose `Accept` header includes `text/html` (a browser navigation); `fetch`
   * calls and other methods get the JSON 401. (On an App Router client navigation, the
   * router answers the JSON 401 with a browser navigation, which is redirected.) A 403 is
   * always JSON. Without `signIn`, every refusal is JSON.
   */
  signIn?: string
  /** The clock, for tests: seconds since the epoch or a `Date`; the system clock when absent. */
  now?: () => number | Date
}

/** The engine to use, or a policy document to load one from (once, when the middleware is made). */
export type WardgateOptions = CommonOptions &
  ({ engine: Engine; policy?: undefined } | { policy: object | string; engine?: undefined })

/** The response body of a refusal (401), a denial (403) or keys that cannot be had (503). */
export interface ErrorBody {
  detail: string
  code: AuthErrorCode
  status: number
  reason: string
}

/**
 * Makes the middleware. For each request it:
 *
 * 1. removes every `x-wardgate-*` request header, so clients cannot forge them;
 * 2. on a `public` path, lets the request through;
 * 3. verifies the token from `Authorization: Bearer` (or the `cookie`); a failure is a 401
 *    `ErrorBody` with `WWW-Authenticate: Bearer` (no token) or `Bearer error="invalid_token"`,
 *    or a redirect to `signIn` for a page request; when the policy's `keys.jwks_url` cannot
 *    be fetched and no keys are cached, it is a 503 `ErrorBody` (`KEYS_UNAVAILABLE`) with
 *    `Retry-After: 5`, never a redirect;
 * 4. checks every matching route rule; a denial is a 403 `ErrorBody`
 *    (`INSUFFICIENT_PERMISSIONS`, reason `denied` or `forbidden`);
 * 5. lets the request through (`NextResponse.next`) with the principal in the request
 *    headers `x-wardgate-principal` (see `readPrincipal`) and `x-wardgate-user-id`.
 *
 * Throws `ConfigError` for a policy that does not load and `TypeError` for bad options.
 */
export declare function wardgate(options: WardgateOptions): (request: NextRequest) => Promise<NextResponse>

/**
 * The principal the middleware forwarded: `readPrincipal(await headers())` in a page or
 * server action, `readPrincipal(request.headers)` in a route handler. Null when the request
 * carries none (a public path, or a path the middleware does not run on). Only the
 * middleware can set the header on paths it runs on; elsewhere a client could, so read it
 * only on paths its matcher covers.
 */
export declare function readPrincipal(headers: { get(name: string): string | null }): Principal | null

/** The request header holding the principal: base64url of the JSON `{ id, roles, tenant, claims }`. */
export declare const PRINCIPAL_HEADER: 'x-wardgate-principal'
/** The request header holding the principal's id, percent-encoded (`encodeURIComponent`). */
export declare const USER_ID_HEADER: 'x-wardgate-user-id'
