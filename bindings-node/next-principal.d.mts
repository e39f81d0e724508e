/**
 * The principal in pages and route handlers (`wardgate/next/principal`): no engine, no
 * `next`, so a Server Component that only reads the principal loads nothing else, and these
 * declarations need neither `next` nor its types. `wardgate/next` re-exports the same names.
 *
 * ```tsx
 * // app/dashboard/page.tsx (a Server Component)
 * import { headers } from 'next/headers'
 * import { readPrincipal } from 'wardgate/next/principal'
 * const principal = readPrincipal(await headers())
 *
 * // app/api/todos/route.ts (a route handler)
 * const principal = readPrincipal(request.headers)
 * ```
 */
import type { Principal } from './index.js'

export type { Principal }

/**
 * The principal the proxy (or middleware) forwarded: `readPrincipal(await headers())` in a
 * page or server action, `readPrincipal(request.headers)` in a route handler. Null when the
 * request carries none (a public path, or a path the proxy does not run on). Only the proxy
 * can set the header on paths it runs on; elsewhere a client could, so read it only on
 * paths its matcher covers.
 */
export declare function readPrincipal(headers: { get(name: string): string | null } | null | undefined): Principal | null

/** The request header holding the principal: base64url of the JSON `{ id, roles, tenant, claims }`. */
export declare const PRINCIPAL_HEADER: 'x-wardgate-principal'
/** The request header holding the principal's id, percent-encoded (`encodeURIComponent`). */
export declare const USER_ID_HEADER: 'x-wardgate-user-id'
