import { readPrincipal } from 'wardgate/next/principal'

// The middleware verified the token and allowed `list` (GET) or `create` (POST) on todos.
export async function GET(request: Request) {
  const principal = readPrincipal(request.headers)
  if (!principal) throw new Error('the middleware did not run on /api/todos')
  return Response.json({
    userId: principal.id,
    todos: [{ id: 1, title: 'Ship the edge example', ownerId: principal.id }],
  })
}
