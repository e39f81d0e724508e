// Next 16's proxy: it runs on Node, where `wardgate` is the native addon (next.config.ts
// lists it in serverExternalPackages, so Node loads it from node_modules). /dashboard needs
// a valid Better Auth JWT whose principal the policy allows to `view` the dashboard. The
// token comes from the `wardgate_token` cookie, which app/api/session-token sets after
// sign-in (API clients may send `Authorization: Bearer <token>` instead). The keys come from
// the policy's `keys.jwks_url`: Better Auth's /api/auth/jwks on this same server.
import { wardgate } from 'wardgate/next'
import policy from './policy.json'

export const proxy = wardgate({
  policy,
  cookie: 'wardgate_token',
  routes: [{ path: '/dashboard', action: 'view', resource: { type: 'dashboard' } }],
  signIn: '/sign-in',
})

export const config = {
  matcher: ['/dashboard', '/dashboard/:path*'],
}
