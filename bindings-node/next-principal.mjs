// The principal as pages and route handlers read it (`wardgate/next/principal`): what the
// proxy (or middleware) made by `wardgate/next` forwards in request headers, decoded. This
// module imports nothing, neither the engine nor `next`, so a Server Component or route
// handler that only reads the principal loads this file alone. `wardgate/next` re-exports it.

/** The principal, as base64url JSON `{ id, roles, tenant, claims }`; see `readPrincipal`. */
export const PRINCIPAL_HEADER = 'x-wardgate-principal'
/** The principal's id, percent-encoded (`encodeURIComponent`). */
export const USER_ID_HEADER = 'x-wardgate-user-id'

/**
 * The principal the proxy forwarded, from the request headers of a page
 * (`readPrincipal(await headers())`) or a route handler (`readPrincipal(request.headers)`);
 * null when there is none. Trust it only on paths the proxy runs on.
 */
export function readPrincipal(headers) {
  const value = headers?.get(PRINCIPAL_HEADER)
  if (typeof value !== 'string' || value === '') return null
  let principal
  try {
    principal = JSON.parse(decode(value))
  } catch {
    return null
  }
  const valid =
    principal !== null &&
    typeof principal === 'object' &&
    typeof principal.id === 'string' &&
    Array.isArray(principal.roles) &&
    (principal.tenant === null || typeof principal.tenant === 'string') &&
    principal.claims !== null &&
    typeof principal.claims === 'object'
  return valid ? principal : null
}

// base64url of UTF-8, without Buffer (absent on the Edge runtime); the inverse of the
// encoding in next.mjs.
function decode(value) {
  const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/'))
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
}
