/**
 * Next.js proxy for Wardgate (`wardgate/next`).
 *
 * ```ts
 * // proxy.ts (Next 16: the Node runtime, the native addon; next.config.ts lists
 * // `wardgate` in serverExternalPackages)
 * import { wardgate } from 'wardgate/next'
 * import policy from './policy.json'
 *
 * export const proxy = wardgate({
 *   policy,
 *   cookie: 'token',
 *   public: [/^\/$/, '/sign-in'],
 *   routes: [{ path: '/admin', action: 'read', resource: { type: 'admin' } }],
 *   signIn: '/sign-in',
 * })
 * export const config = { matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'] }
 *
 * // app/dashboard/page.tsx: the light import, without the engine or `next`
 * import { headers } from 'next/headers'
 * import { readPrincipal } from 'wardgate/next/principal'
 * const principal = readPrincipal(await headers())
 * ```
 *
 * The same handler runs as Edge middleware with the WebAssembly engine:
 * `export const middleware = wardgate({ ... })` in `middleware.ts`.
 */
import type { NextRequest, NextResponse } from 'next/server.js'
import type { AuthErrorCode, AuthorizationRequest, Engine, Json } from './index.js'

export { PRINCIPAL_HEADER, USER_ID_HEADER, readPrincipal } from './next-principal.mjs'
export type { Principal } from './next-principal.mjs'
export { DEFAULT_RETURN_TO, MAX_RETURN_TO_LENGTH, requestOrigin, safeReturnTo } from './next-return-to.mjs'

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
   * Paths served without a token. The proxy still removes `x-wardgate-*` request headers
   * there, so `readPrincipal` gives null on them.
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

/** The engine to use, or a policy document to load one from (once, when the proxy is made). */
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
 * Makes the request handler: `export const proxy = wardgate({ ... })` (or
 * `export default wardgate({ ... })`) in `proxy.ts`, or `export const middleware =
 * wardgate({ ... })` in Edge `middleware.ts`. For each request it:
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
