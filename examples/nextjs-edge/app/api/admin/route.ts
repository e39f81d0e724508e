import { USER_ID_HEADER } from 'wardgate/next/principal'

// The middleware's route rule allowed `read` on `admin`: only principals with the role admin
// get here. The id alone is in its own header (percent-encoded).
export async function GET(request: Request) {
  const id = request.headers.get(USER_ID_HEADER)
  if (id === null) throw new Error('the middleware did not run on /api/admin')
  return Response.json({ admin: true, userId: decodeURIComponent(id) })
}
