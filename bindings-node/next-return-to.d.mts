/**
 * The return address after sign-in (`wardgate/next/return-to`, also exported by
 * `wardgate/next`): only a path on this site is followed. No engine, no `next`: usable in
 * Server Components, route handlers and Client Components alike.
 *
 * ```tsx
 * // app/sign-in/page.tsx (a Server Component)
 * import { headers } from 'next/headers'
 * import { requestOrigin, safeReturnTo } from 'wardgate/next/return-to'
 * const { returnTo } = await searchParams
 * const destination = safeReturnTo(returnTo, requestOrigin(await headers()), '/dashboard')
 * ```
 */

/** Where the user goes when there is no usable return address and no fallback is given: `/`. */
export declare const DEFAULT_RETURN_TO: '/'

/** Longer return addresses (in characters) are not followed: 2048. */
export declare const MAX_RETURN_TO_LENGTH: number

/**
 * A path on `origin` (`pathname + search + hash`) for `value`, or `fallback` (`/` when
 * absent). `value` is resolved against `origin` as a browser would (`new URL(value, origin)`);
 * it is kept only when the result has that same origin and its path does not start with
 * `//` or `/\`. Anything that is not one string (missing, repeated: an array), empty, or
 * longer than `MAX_RETURN_TO_LENGTH` gives `fallback`. Whatever `origin` is, the answer is a
 * path, so the user never leaves the site.
 */
export declare function safeReturnTo(value: unknown, origin: string, fallback?: string): string

/**
 * The origin a request was sent to, from its `Host` header and `X-Forwarded-Proto`
 * (`https` or else `http`), e.g. `http://127.0.0.1:3000`; without a usable `Host`,
 * `http://invalid`, which no return address matches.
 */
export declare function requestOrigin(headers: { get(name: string): string | null }): string
