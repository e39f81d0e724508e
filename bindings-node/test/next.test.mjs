// wardgate/next (next.mjs), the handler of proxy.ts (and of Edge middleware.ts), without
// Next.js: module hooks give it a `next/server.js` whose NextResponse does what Next's does
// with request headers (x-middleware-request-*), and run the suite twice, over the native
// addon (what `wardgate` is on Node, in proxy.ts) and over the WebAssembly build (ESM, as on
// the Edge) when it has been built.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { register } from 'node:module'
import { existsSync } from 'node:fs'
import { Signer, claims, policyFor, jwksServer, NOW } from './support.mjs'

const nextServer = `
export class NextResponse extends Response {
  static next(init) {
    const headers = new Headers(init?.headers)
    headers.set('x-middleware-next', '1')
    const forwarded = init?.request?.headers
    if (forwarded) {
      if (!(forwarded instanceof Headers)) throw new Error('request.headers must be an instance of Headers')
      const keys = []
      for (const [key, value] of forwarded) {
        headers.set('x-middleware-request-' + key, value)
        keys.push(key)
      }
      headers.set('x-middleware-override-headers', keys.join(','))
    }
    return new NextResponse(null, { ...init, headers })
  }
  static json(body, init) {
    const response = Response.json(body, init)
    return new NextResponse(response.body, response)
  }
  static redirect(url, init) {
    const status = typeof init === 'number' ? init : init?.status ?? 307
    const headers = new Headers(init?.headers)
    headers.set('Location', String(url))
    return new NextResponse(null, { headers, status })
  }
}
`

const hooks = `
const wasm = ${JSON.stringify(new URL('../wasm-node.mjs', import.meta.url).href)}
const nextServer = ${JSON.stringify(`data:text/javascript,${encodeURIComponent(nextServer)}`)}
export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'next/server.js') return { url: nextServer, shortCircuit: true }
  if (specifier === 'wardgate' && context.parentURL?.endsWith('?engine=wasm')) return { url: wasm, shortCircuit: true }
  return nextResolve(specifier, context)
}
`
register(`data:text/javascript,${encodeURIComponent(hooks)}`)

const signer = new Signer('k1')
const other = new Signer('k1')
const policy = {
  ...policyFor(signer),
  rules: [
    { id: 'admins', effect: 'permit', resource: '*', actions: '*', when: "'admin' in principal.roles" },
    { id: 'reports', effect: 'permit', resource: 'report', actions: ['list'] },
    { id: 'banned', effect: 'forbid', resource: '*', actions: '*', when: 'principal.claims has banned && principal.claims.banned == true' },
  ],
}
const now = () => NOW
const valid = (extra) => signer.sign(claims(extra))
const expired = signer.sign(claims({ iat: NOW - 7200, exp: NOW - 3600 }))

function request(path, { method = 'GET', headers = {} } = {}) {
  return new Request(`https://app.example.com${path}`, { method, headers })
}

// The request headers Next would pass on: the x-middleware-request-* copies.
function forwardedHeaders(response) {
  assert.equal(response.headers.get('x-middleware-next'), '1')
  const names = response.headers.get('x-middleware-override-headers').split(',').filter(Boolean)
  return new Headers(names.map((name) => [name, response.headers.get(`x-middleware-request-${name}`)]))
}

// Outside scripts/test the WebAssembly engine may not have been built yet (scripts/wasm-build).
const wasmBuilt = existsSync(new URL('../wasm/wardgate_bg.wasm', import.meta.url))
if (!wasmBuilt) test('wardgate/next over the wasm engine', { skip: 'no WebAssembly build (scripts/wasm-build)' }, () => {})

for (const engine of wasmBuilt ? ['native', 'wasm'] : ['native']) {
  const next = await import(`../next.mjs?engine=${engine}`)
  const { wardgate, readPrincipal, PRINCIPAL_HEADER, USER_ID_HEADER } = next
  const guard = (options = {}) => wardgate({ policy, now, ...options })

  describe(`wardgate/next over the ${engine} engine`, () => {
    test('re-exports the light modules: wardgate/next/principal and wardgate/next/return-to', async () => {
      const principal = await import('../next-principal.mjs')
      const returnTo = await import('../next-return-to.mjs')
      for (const [name, value] of Object.entries({ ...principal, ...returnTo })) assert.equal(next[name], value, name)
      assert.deepEqual(Object.keys(next).sort(), ['wardgate', ...Object.keys(principal), ...Object.keys(returnTo)].sort())
      assert.equal(wardgate({ policy }).name, 'proxy')
    })

    test('without a token: 401 JSON with WWW-Authenticate: Bearer', async () => {
      const response = await guard()(request('/api/todos'))
      assert.equal(response.status, 401)
      assert.equal(response.headers.get('www-authenticate'), 'Bearer')
      const body = await response.json()
      assert.deepEqual(Object.keys(body).sort(), ['code', 'detail', 'reason', 'status'])
      assert.deepEqual([body.code, body.status, body.reason], ['TOKEN_MISSING', 401, 'missing'])
    })

    test('a valid Bearer token: the principal in the forwarded request headers', async () => {
      const response = await guard()(request('/api/todos', { headers: { authorization: `Bearer ${valid({ role: 'user,editor' })}` } }))
      const headers = forwardedHeaders(response)
      assert.equal(headers.get(USER_ID_HEADER), 'user_1')
      assert.match(headers.get(PRINCIPAL_HEADER), /^[A-Za-z0-9_-]+$/)
      const principal = readPrincipal(headers)
      assert.deepEqual(principal.roles, ['user', 'editor'])
      assert.equal(principal.id, 'user_1')
      assert.equal(principal.tenant, null)
      assert.equal(principal.claims.exp, NOW + 3600)
      assert.ok(headers.get('authorization'), 'the Authorization header goes on')
    })

    test('forged x-wardgate-* request headers are removed', async () => {
      const forged = { 'x-wardgate-principal': 'eyJpZCI6Im1hbGxvcnkifQ', 'X-Wardgate-User-Id': 'mallory', 'x-wardgate-other': '1' }
      const response = await guard()(request('/api/todos', { headers: { ...forged, authorization: `Bearer ${valid()}` } }))
      const headers = forwardedHeaders(response)
      assert.equal(readPrincipal(headers).id, 'user_1')
      assert.equal(headers.get(USER_ID_HEADER), 'user_1')
      assert.equal(headers.get('x-wardgate-other'), null)

      const open = await guard({ public: ['/about'] })(request('/about', { headers: forged }))
      const passed = forwardedHeaders(open)
      assert.equal(readPrincipal(passed), null)
      assert.deepEqual([...passed.keys()].filter((name) => name.startsWith('x-wardgate-')), [])
    })

    test('an expired token: 401 TOKEN_EXPIRED with error="invalid_token"', async () => {
      const response = await guard()(request('/api/todos', { headers: { authorization: `Bearer ${expired}` } }))
      assert.equal(response.status, 401)
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"')
      const body = await response.json()
      assert.deepEqual([body.code, body.status, body.reason], ['TOKEN_EXPIRED', 401, 'expired'])
      assert.equal(typeof body.detail, 'string')
    })

    test('a token signed with another key: 401 TOKEN_INVALID', async () => {
      const response = await guard()(request('/x', { headers: { authorization: `Bearer ${other.sign(claims())}` } }))
      const body = await response.json()
      assert.deepEqual([response.status, body.code, body.reason], [401, 'TOKEN_INVALID', 'bad_signature'])
    })

    test('the cookie carries the token when the Authorization header has no Bearer token', async () => {
      const g = guard({ cookie: 'token' })
      const cookie = `a=1; token=${valid({ sub: 'user_2' })}; b=2`
      const fromCookie = await g(request('/x', { headers: { cookie } }))
      assert.equal(readPrincipal(forwardedHeaders(fromCookie)).id, 'user_2')

      const besideBasic = await g(request('/x', { headers: { cookie, authorization: 'Basic dXNlcjpwYXNz' } }))
      assert.equal(readPrincipal(forwardedHeaders(besideBasic)).id, 'user_2')

      // A Bearer token wins, even an expired one.
      const both = await g(request('/x', { headers: { cookie, authorization: `Bearer ${expired}` } }))
      assert.equal((await both.json()).code, 'TOKEN_EXPIRED')

      const empty = await g(request('/x', { headers: { cookie: 'token=' } }))
      assert.equal((await empty.json()).code, 'TOKEN_MISSING')

      const unset = await guard()(request('/x', { headers: { cookie } }))
      assert.equal(unset.status, 401, 'no cookie option: cookies are not read')
    })

    test('route rules: prefix paths, RegExps, computed actions, every match checked', async () => {
      const g = guard({
        routes: [
          { path: '/admin', action: 'read', resource: { type: 'admin' } },
          { path: /^\/reports(\/|$)/, action: (r) => (r.method === 'GET' ? 'list' : 'create'), resource: { type: 'report' } },
        ],
      })
      const user = { authorization: `Bearer ${valid()}` }
      const admin = { authorization: `Bearer ${valid({ role: 'admin' })}` }

      const denied = await g(request('/admin/users', { headers: user }))
      assert.equal(denied.status, 403)
      assert.equal(denied.headers.get('www-authenticate'), null)
      assert.deepEqual(await denied.json(), {
        detail: 'no permit rule applies to this request',
        code: 'INSUFFICIENT_PERMISSIONS',
        status: 403,
        reason: 'denied',
      })
      assert.equal((await g(request('/admin', { headers: admin }))).status, 200)
      assert.equal((await g(request('/administrator', { headers: user }))).status, 200, 'not under /admin')
      assert.equal((await g(request('/reports', { headers: user }))).status, 200)
      assert.equal((await g(request('/reports', { method: 'POST', headers: user }))).status, 403)
      assert.equal((await g(request('/reports', { method: 'POST', headers: admin }))).status, 200)

      const banned = await g(request('/admin', { headers: { authorization: `Bearer ${valid({ role: 'admin', banned: true })}` } }))
      const body = await banned.json()
      assert.deepEqual([banned.status, body.reason, body.detail], [403, 'forbidden', 'a forbid rule applies to this request'])
    })

    test('signIn: page requests are redirected, API calls and denials get JSON', async () => {
      const g = guard({ signIn: '/sign-in', routes: [{ path: '/admin', action: 'read', resource: { type: 'admin' } }] })
      const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }

      const page = await g(request('/dashboard?tab=2', { headers: html }))
      assert.equal(page.status, 307)
      const location = new URL(page.headers.get('location'))
      assert.equal(location.origin + location.pathname, 'https://app.example.com/sign-in')
      assert.equal(location.searchParams.get('returnTo'), '/dashboard?tab=2')

      const stale = await g(request('/dashboard', { headers: { ...html, authorization: `Bearer ${expired}` } }))
      assert.equal(stale.status, 307)

      assert.equal((await g(request('/dashboard', { headers: { accept: '*/*' } }))).status, 401)
      assert.equal((await g(request('/dashboard', { method: 'POST', headers: html }))).status, 401)
      assert.equal((await g(request('/sign-in', { headers: html }))).status, 401, 'no redirect loop')
      assert.equal((await g(request('/admin', { headers: { ...html, authorization: `Bearer ${valid()}` } }))).status, 403)

      const external = guard({ signIn: 'https://auth.example.com/login?app=1' })
      const away = new URL((await external(request('/x', { headers: html }))).headers.get('location'))
      assert.equal(away.href, 'https://auth.example.com/login?app=1&returnTo=%2Fx')
    })

    test('public paths need no token', async () => {
      const g = guard({ public: [/^\/$/, '/sign-in'] })
      assert.equal((await g(request('/'))).headers.get('x-middleware-next'), '1')
      assert.equal((await g(request('/sign-in/email'))).headers.get('x-middleware-next'), '1')
      assert.equal((await g(request('/signing'))).status, 401)
      assert.equal((await g(request('/dashboard'))).status, 401)
    })

    test('an engine instead of a policy, and the system clock without now', async () => {
      const { Engine } = engine === 'wasm' ? await import('../wasm-node.mjs') : (await import('../index.js')).default
      const g = wardgate({ engine: new Engine(policy) })
      const fresh = signer.sign(claims({}, Math.floor(Date.now() / 1000)))
      assert.equal((await g(request('/x', { headers: { authorization: `Bearer ${fresh}` } }))).status, 200)
      const old = await g(request('/x', { headers: { authorization: `Bearer ${valid()}` } }))
      assert.equal((await old.json()).code, 'TOKEN_EXPIRED', 'valid at NOW, expired by now')
    })

    test('keys.jwks_url: fetched keys verify; keys that cannot be fetched are a 503 with Retry-After, never a redirect', async () => {
      const { Engine } = engine === 'wasm' ? await import('../wasm-node.mjs') : (await import('../index.js')).default
      const quiet = { info() {}, warn() {}, error() {} }
      const remote = (url) => new Engine({ ...policy, keys: { jwks_url: url } }, { logger: quiet })
      const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }

      const live = await jwksServer([signer])
      try {
        const g = wardgate({ engine: remote(live.url), now, signIn: '/sign-in' })
        const ok = await g(request('/dashboard', { headers: { ...html, authorization: `Bearer ${valid()}` } }))
        assert.equal(readPrincipal(forwardedHeaders(ok)).id, 'user_1')
        assert.equal(live.requests, 1)
      } finally {
        live.close()
      }

      const gone = await jwksServer([signer])
      gone.down()
      const g = wardgate({ engine: remote(gone.url), now, signIn: '/sign-in', cookie: 'token' })
      for (const headers of [
        { authorization: `Bearer ${valid()}` },
        { ...html, authorization: `Bearer ${valid()}` },
        { ...html, cookie: `token=${valid()}` },
      ]) {
        const response = await g(request('/dashboard', { headers }))
        assert.equal(response.status, 503)
        assert.equal(response.headers.get('retry-after'), '5')
        assert.equal(response.headers.get('www-authenticate'), null)
        assert.equal(response.headers.get('location'), null)
        const body = await response.json()
        assert.deepEqual(Object.keys(body).sort(), ['code', 'detail', 'reason', 'status'])
        assert.deepEqual([body.code, body.status, body.reason], ['KEYS_UNAVAILABLE', 503, 'keys_unavailable'])
      }
      // Without a token no keys are needed to refuse: still the sign-in redirect.
      assert.equal((await g(request('/dashboard', { headers: html }))).status, 307)
    })

    test('non-ASCII ids and claims survive the headers', async () => {
      const response = await guard()(request('/x', { headers: { authorization: `Bearer ${valid({ sub: 'zoë@example.com', name: 'Zoë 🦀' })}` } }))
      const headers = forwardedHeaders(response)
      assert.equal(decodeURIComponent(headers.get(USER_ID_HEADER)), 'zoë@example.com')
      const principal = readPrincipal(headers)
      assert.equal(principal.id, 'zoë@example.com')
      assert.equal(principal.claims.name, 'Zoë 🦀')
    })

    test('readPrincipal: null without a well-formed principal', () => {
      const of = (value) => readPrincipal(new Headers(value === undefined ? {} : { [PRINCIPAL_HEADER]: value }))
      assert.equal(of(undefined), null)
      assert.equal(of(''), null)
      assert.equal(of('not base64url!'), null)
      assert.equal(of(Buffer.from('[1]').toString('base64url')), null)
      assert.equal(of(Buffer.from('{"id":1,"roles":[],"tenant":null,"claims":{}}').toString('base64url')), null)
      const ok = { id: 'u', roles: [], tenant: 't', claims: { sub: 'u' } }
      assert.deepEqual(of(Buffer.from(JSON.stringify(ok)).toString('base64url')), ok)
      assert.equal(readPrincipal(undefined), null)
    })

    test('bad options throw when the handler is made', () => {
      assert.throws(() => wardgate({}), TypeError)
      assert.throws(() => wardgate(), TypeError)
      assert.throws(() => wardgate({ policy, engine: {} }), TypeError)
      assert.throws(() => wardgate({ engine: { verify() {} } }), /options\.engine/)
      assert.throws(() => wardgate({ policy, cookie: '' }), /options\.cookie/)
      assert.throws(() => wardgate({ policy, signIn: 3 }), /options\.signIn/)
      assert.throws(() => wardgate({ policy, now: 5 }), /options\.now/)
      assert.throws(() => wardgate({ policy, public: '/x' }), /options\.public/)
      assert.throws(() => wardgate({ policy, routes: [{ path: 'admin', action: 'read', resource: { type: 'a' } }] }), /routes\[0\]\.path/)
      assert.throws(() => wardgate({ policy, routes: [{ path: '/a', action: 1, resource: { type: 'a' } }] }), /routes\[0\]\.action/)
      assert.throws(() => wardgate({ policy, routes: [{ path: '/a', action: 'read', resource: 'a' }] }), /routes\[0\]\.resource/)
      assert.throws(() => wardgate({ policy: { ...policy, token: { ...policy.token, audiance: 'x' } } }), (e) => e.name === 'ConfigError')
    })
  })
}
