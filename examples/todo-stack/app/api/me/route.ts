// A Node route with the native addon and the same policy as the proxy and FastAPI:
// who the bearer token (or the cookie) says you are, and what the policy lets you do.
import { join } from 'node:path'
import { NextResponse, type NextRequest } from 'next/server'
import { AuthError, Engine } from 'wardgate'

export const runtime = 'nodejs'

const engine = Engine.fromFile(join(process.cwd(), 'policy.json'))

export async function GET(request: NextRequest) {
  const header = request.headers.get('authorization')
  const credential = header ?? request.cookies.get('wardgate_token')?.value ?? ''
  try {
    const principal = await engine.verifyAuthorization(header ?? `Bearer ${credential}`)
    return NextResponse.json({
      id: principal.id,
      roles: principal.roles,
      email: principal.claims.email ?? null,
      may: {
        viewDashboard: engine.authorize(principal, { action: 'view', resource: { type: 'dashboard' } }).allowed,
        // The list of todos is the todos one may read (FastAPI's GET /todos): it holds every
        // todo when the `read` rules allow any todo whatever its columns (admins).
        listAllTodos: engine.filter(principal, 'read', 'todo').kind === 'always',
      },
      keys: engine.keyStatus(),
    })
  } catch (error) {
    // The body, the status and the headers (WWW-Authenticate, Retry-After) of the refusal.
    if (error instanceof AuthError) return NextResponse.json(error.toJSON(), { status: error.status, headers: error.headers })
    throw error
  }
}
