// Runs on the Edge runtime with Wardgate's WebAssembly build: /dashboard needs a valid
// Better Auth JWT whose principal the policy allows to `view` the dashboard. The token
// comes from the `wardgate_token` cookie, which app/api/session-token sets after sign-in
// (API clients may send `Authorization: Bearer <token>` instead). The keys come from the
// policy's `keys.jwks_url`: Better Auth's /api/auth/jwks on this same server.
import { wardgate } from 'wardgate/next'
import policy from './policy.json'

export const middleware = wardgate({
  policy,
  cookie: 'wardgate_token',
  routes: [{ path: '/dashboard', action: 'view', resource: { type: 'dashboard' } }],
  signIn: '/sign-in',
})

export const config = {
  matcher: ['/dashboard', '/dashboard/:path*'],
}
