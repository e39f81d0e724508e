// An Edge route with Wardgate's WebAssembly build (the edge-light condition): the same
// policy as everywhere else, except that the Edge cannot reach Redis, so its revoked set
// comes from Better Auth's wardgate plugin over HTTP (revocation.url), fetched again once it
// is a second old: a token taken before a sign-out is refused here within about a second.
import { AuthError, Engine } from 'wardgate'
import policy from '../../../../policy.json'

export const runtime = 'edge'

const engine = new Engine({
  ...policy,
  revocation: {
    url: 'http://127.0.0.1:3000/api/auth/wardgate/revoked',
    stale_for: policy.revocation.stale_for,
    refresh: { max_age: 1, cooldown: 1, timeout: 2 },
  },
})

export async function GET(request: Request) {
  try {
    const principal = await engine.verifyAuthorization(request.headers.get('authorization'))
    return Response.json({ id: principal.id, revocation: engine.revocationStatus() })
  } catch (error) {
    if (error instanceof AuthError) return Response.json(error.toJSON(), { status: error.status, headers: error.headers })
    throw error
  }
}
