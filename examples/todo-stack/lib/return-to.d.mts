// Types of return-to.mjs (plain JavaScript, so that `node --test` runs its unit test as is).

/** Where the user goes when there is no usable return address: `/dashboard`. */
export const DEFAULT_RETURN_TO: string

/** Longer return addresses are not followed. */
export const MAX_RETURN_TO_LENGTH: number

/** A same-origin path (`pathname + search + hash`) for `value`, or `fallback` (`/dashboard`). */
export function safeReturnTo(value: unknown, origin: string, fallback?: string): string

/** The origin a request was sent to (`Host`, `X-Forwarded-Proto`), or one nothing matches. */
export function requestOrigin(headers: { get(name: string): string | null }): string
