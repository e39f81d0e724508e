// Where to send the user after signing in (`wardgate/next/return-to`, re-exported by
// `wardgate/next`): the rule for return addresses (`returnTo`), which the proxy's sign-in
// redirect sets and the sign-in page follows. It imports nothing and needs only `URL`, so
// it runs the same in a Server Component, a route handler, the proxy and the browser.
//
// A return address comes from the query string, so an attacker can write it. Only a path
// on this site is followed: the value is resolved against the page's origin the way a
// browser would (`new URL`, which turns `\` into `/` and drops tabs and newlines), the
// result must have that same origin, and only its path, query and fragment are kept. So
// `//evil.example`, `/\evil.example`, `/<tab>/evil.example`, `javascript:...` and
// `https://evil.example` fall back, and `http://<this origin>/todos` is kept as `/todos`.
// A path that the resolution turns into `//host...` (`/.//evil.example`) falls back too: a
// browser would read it as another host. Empty, missing, repeated (an array) and very long
// values fall back as well.

/** Where the user goes when there is no usable return address, unless told otherwise. */
export const DEFAULT_RETURN_TO = '/'

/** Longer return addresses are not followed. */
export const MAX_RETURN_TO_LENGTH = 2048

/**
 * A same-origin path (`pathname + search + hash`) for `value`, or `fallback`.
 *
 * @param {unknown} value the requested return address (a `returnTo` query parameter)
 * @param {string} origin the page's origin, e.g. `http://127.0.0.1:3000`
 * @param {string} [fallback] `/` when absent
 * @returns {string}
 */
export function safeReturnTo(value, origin, fallback = DEFAULT_RETURN_TO) {
  if (typeof value !== 'string' || value === '' || value.length > MAX_RETURN_TO_LENGTH) return fallback
  let base
  let url
  try {
    base = new URL(origin).origin
    url = new URL(value, base)
  } catch {
    return fallback
  }
  if (base === 'null' || url.origin !== base) return fallback
  const path = url.pathname + url.search + url.hash
  if (!path.startsWith('/') || /^\/[/\\]/.test(path)) return fallback
  return path
}

/**
 * The origin a request was sent to, from its `Host` header and `X-Forwarded-Proto` (which
 * Next sets), e.g. `http://127.0.0.1:3000`; without a usable `Host`, the placeholder
 * `http://invalid`. The origin only decides whether an absolute URL counts as this site's:
 * whatever it is, `safeReturnTo` returns a path.
 *
 * @param {{ get(name: string): string | null }} headers
 * @returns {string}
 */
export function requestOrigin(headers) {
  const proto = headers.get('x-forwarded-proto')?.split(',')[0].trim() === 'https' ? 'https' : 'http'
  const host = headers.get('host') ?? ''
  if (host === '' || /[/\\?#@\s]/.test(host)) return 'http://invalid'
  try {
    return new URL(`${proto}://${host}`).origin
  } catch {
    return 'http://invalid'
  }
}
