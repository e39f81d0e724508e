// Next.js proxy (`wardgate/next`): verifies the request's token, applies route rules and
// forwards the principal to pages and route handlers in request headers. It imports
// `wardgate` by name, so the runtime picks the engine: the native addon in `proxy.ts`
// (Next 16's proxy runs on Node; list `wardgate` in serverExternalPackages), the WebAssembly
// build in Edge middleware (`middleware.ts`, under the edge-light condition).
//
// `next/server.js`, not `next/server`: the `next` package has no "exports" map, so Node's ESM
// resolver (which loads this file when an app lists `wardgate` in serverExternalPackages)
// needs the file name; bundlers resolve both to the same module.
//
// Pages and route handlers that only read the principal import `wardgate/next/principal`
// (next-principal.mjs), which loads neither the engine nor `next`; the return-address rule
// for the sign-in page is `wardgate/next/return-to` (next-return-to.mjs). Both are
// re-exported here.
import { NextResponse } from 'next/server.js'
import { AuthError, Engine } from 'wardgate'
import { describe } from './api.js'
import { PRINCIPAL_HEADER, USER_ID_HEADER } from './next-principal.mjs'

export { PRINCIPAL_HEADER, USER_ID_HEADER, readPrincipal } from './next-principal.mjs'
export { DEFAULT_RETURN_TO, MAX_RETURN_TO_LENGTH, requestOrigin, safeReturnTo } from './next-return-to.mjs'

// Every request header with this prefix is removed before the request goes on, so only the
// proxy can set them.
const HEADER_PREFIX = 'x-wardgate-'

/**
 * The request handler for `proxy.ts`:
 * `export const proxy = wardgate({ policy, routes, signIn })` (or `export default
 * wardgate(...)`); in Edge `middleware.ts`, `export const middleware = wardgate(...)`.
 * Options are checked here, once; a policy that does not load throws `ConfigError`.
 */
export function wardgate(options) {
  const settings = settingsOf(options)
  const { engine } = settings

  return async function proxy(request) {
    const url = request.nextUrl ?? new URL(request.url)
    const headers = new Headers(request.headers)
    for (const name of [...headers.keys()]) {
      if (name.toLowerCase().startsWith(HEADER_PREFIX)) headers.delete(name)
    }
    if (settings.public.some((pattern) => matches(pattern, url.pathname))) {
      return NextResponse.next({ request: { headers } })
    }

    let principal
    try {
      principal = await verify(engine, request, settings)
    } catch (e) {
      if (!(e instanceof AuthError)) throw e
      return refuse(request, url, e, settings)
    }

    for (const route of settings.routes) {
      if (!matches(route.path, url.pathname)) continue
      const decision = engine.authorize(principal, {
        action: valueOf(route.action, request),
        resource: valueOf(route.resource, request),
        context: valueOf(route.context, request),
      })
      if (!decision.allowed) return deny(decision)
    }

    headers.set(PRINCIPAL_HEADER, encode(JSON.stringify(principal)))
    headers.set(USER_ID_HEADER, encodeURIComponent(principal.id))
    return NextResponse.next({ request: { headers } })
  }
}

function settingsOf(options) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options must be an object { engine | policy, ... }, not ${describe(options)}`)
  }
  const { engine, policy, cookie, routes = [], signIn, now } = options
  const open = options.public ?? []
  if ((engine === undefined) === (policy === undefined)) {
    throw new TypeError('options need exactly one of engine (a wardgate Engine) and policy (a policy document)')
  }
  if (engine !== undefined && !isEngine(engine)) {
    throw new TypeError(`options.engine must be a wardgate Engine, not ${describe(engine)}`)
  }
  if (cookie !== undefined && (typeof cookie !== 'string' || cookie === '')) {
    throw new TypeError(`options.cookie must be a cookie name, not ${describe(cookie)}`)
  }
  if (signIn !== undefined && (typeof signIn !== 'string' || signIn === '')) {
    throw new TypeError(`options.signIn must be a path or a URL, not ${describe(signIn)}`)
  }
  if (now !== undefined && typeof now !== 'function') {
    throw new TypeError(`options.now must be a function returning seconds or a Date, not ${describe(now)}`)
  }
  if (!Array.isArray(open)) throw new TypeError(`options.public must be an array, not ${describe(open)}`)
  open.forEach((pattern, i) => checkPattern(pattern, `options.public[${i}]`))
  if (!Array.isArray(routes)) throw new TypeError(`options.routes must be an array, not ${describe(routes)}`)
  routes.forEach(checkRoute)
  return {
    engine: engine ?? new Engine(policy),
    cookie,
    routes,
    public: open,
    signIn,
    now,
  }
}

function checkRoute(route, i) {
  const name = `options.routes[${i}]`
  if (route === null || typeof route !== 'object') {
    throw new TypeError(`${name} must be an object { path, action, resource }, not ${describe(route)}`)
  }
  checkPattern(route.path, `${name}.path`)
  if (typeof route.action !== 'string' && typeof route.action !== 'function') {
    throw new TypeError(`${name}.action must be a string or a function, not ${describe(route.action)}`)
  }
  const resource = route.resource
  if (typeof resource !== 'function' && (resource === null || typeof resource !== 'object' || Array.isArray(resource))) {
    throw new TypeError(`${name}.resource must be an object { type, ... } or a function, not ${describe(resource)}`)
  }
}

function checkPattern(pattern, name) {
  if (pattern instanceof RegExp) return
  if (typeof pattern !== 'string' || !pattern.startsWith('/')) {
    throw new TypeError(`${name} must be a path starting with / or a RegExp, not ${describe(pattern)}`)
  }
}

// A string matches the path itself and every path below it ('/admin': '/admin', '/admin/x',
// not '/administrator'); a RegExp is tested against the pathname.
function matches(pattern, pathname) {
  if (pattern instanceof RegExp) {
    pattern.lastIndex = 0
    return pattern.test(pathname)
  }
  const prefix = pattern.length > 1 && pattern.endsWith('/') ? pattern.slice(0, -1) : pattern
  return prefix === '/' || pathname === prefix || pathname.startsWith(`${prefix}/`)
}

function valueOf(value, request) {
  return typeof value === 'function' ? value(request) : value
}

// The Authorization header first; the engine decides what a Bearer value is. When it carries
// no Bearer token (absent, or another scheme), the cookie, if one is configured and present.
async function verify(engine, request, { cookie, now }) {
  const options = { now: now?.() }
  try {
    return await engine.verifyAuthorization(request.headers.get('authorization'), options)
  } catch (e) {
    const token = cookie === undefined ? undefined : cookieValue(request.headers.get('cookie'), cookie)
    if (!(e instanceof AuthError) || e.code !== 'TOKEN_MISSING' || !token) throw e
    return engine.verify(token, options)
  }
}

function cookieValue(header, name) {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const at = part.indexOf('=')
    if (at < 0 || part.slice(0, at).trim() !== name) continue
    const value = part.slice(at + 1).trim()
    try {
      return decodeURIComponent(value)
    } catch {
      return value
    }
  }
  return undefined
}

// A 401: a redirect to the sign-in page for a page request, JSON otherwise. A 503 (the keys
// to verify with cannot be fetched: KEYS_UNAVAILABLE) is never a redirect, since signing in
// again would not help; it asks the client to retry soon.
function refuse(request, url, error, { signIn }) {
  if (error.status === 401 && signIn !== undefined && isPageRequest(request)) {
    const target = signInUrl(signIn, url)
    if (target.pathname !== url.pathname) return NextResponse.redirect(target)
  }
  return NextResponse.json(error.toJSON(), { status: error.status, headers: error.headers })
}

// A browser navigation: GET or HEAD accepting HTML. (An App Router client navigation fetches
// without text/html, and Next hides its RSC header from the proxy; on the JSON 401 the
// router falls back to a browser navigation, which is redirected.)
function isPageRequest(request) {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false
  return (request.headers.get('accept') ?? '').includes('text/html')
}

// The sign-in page with `returnTo` set to the requested path and query. A path keeps the
// request's origin (and, through nextUrl, the app's basePath).
function signInUrl(signIn, url) {
  const returnTo = url.pathname + url.search
  let target
  if (signIn.startsWith('/') && typeof url.clone === 'function') {
    target = url.clone()
    const [pathname, search = ''] = signIn.split('?')
    target.pathname = pathname
    target.search = search
  } else {
    target = new URL(signIn, url.href)
  }
  target.searchParams.set('returnTo', returnTo)
  return target
}

function deny(decision) {
  const { detail, code, status, reason } = decision
  return NextResponse.json({ detail, code, status, reason }, { status })
}

function isEngine(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.verify === 'function' &&
    typeof value.verifyAuthorization === 'function' &&
    typeof value.authorize === 'function'
  )
}

// base64url of UTF-8, without Buffer (absent on the Edge runtime); readPrincipal decodes it.
function encode(text) {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

