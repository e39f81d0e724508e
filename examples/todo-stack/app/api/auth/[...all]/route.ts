// Better Auth's endpoints: sign-up, sign-in, /api/auth/token (the JWT), /api/auth/jwks...
import { toNextJsHandler } from 'better-auth/next-js'
import { getAuth } from '@/lib/auth'

export const runtime = 'nodejs'

export async function GET(request: Request) {
  return toNextJsHandler(await getAuth()).GET(request)
}

export async function POST(request: Request) {
  return toNextJsHandler(await getAuth()).POST(request)
}
