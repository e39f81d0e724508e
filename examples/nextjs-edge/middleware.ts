// Edge middleware, with Wardgate's WebAssembly build: Next 16 still runs middleware.ts on
// the Edge runtime (it prints that the file convention is deprecated), while proxy.ts always
// runs on Node, with the native addon; see examples/todo-stack/proxy.ts for that, the
// primary way. Under the edge-light condition, `wardgate` resolves to its WebAssembly build.
import { wardgate } from 'wardgate/next'
import policy from './policy.json'

export const middleware = wardgate({
  policy,
  // Browsers navigating to pages send the token in this cookie; API clients use
  // `Authorization: Bearer <token>`.
  cookie: 'token',
  // Served without a token: the home page and the sign-in page.
  public: [/^\/$/, '/sign-in'],
  routes: [
    { path: '/api/admin', action: 'read', resource: { type: 'admin' } },
    {
      path: '/api/todos',
      action: (request) => (request.method === 'POST' ? 'create' : 'list'),
      resource: { type: 'todo' },
    },
  ],
  // A page request without a valid token is redirected here (API calls get a JSON 401).
  signIn: '/sign-in',
})

// Everything but Next's own assets, so no other path can receive forged x-wardgate-* headers.
export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
}
