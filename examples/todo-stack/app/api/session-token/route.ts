// POST: mints a JWT for the Better Auth session of this request (the jwt plugin's
// /api/auth/token) and keeps it in the `wardgate_token` cookie, which the proxy reads.
// HttpOnly, SameSite=Lax, and it expires with the token.
import { NextResponse } from 'next/server'
import { getAuth } from '@/lib/auth'

export const runtime = 'nodejs'

export async function POST(request: Request) {
  let token: string
  try {
    ;({ token } = await (await getAuth()).api.getToken({ headers: request.headers }))
  } catch {
    return NextResponse.json({ detail: 'no session', code: 'TOKEN_MISSING', status: 401 }, { status: 401 })
  }
  const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp as number
  const response = NextResponse.json({ ok: true })
  response.cookies.set('wardgate_token', token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: Math.max(0, exp - Math.floor(Date.now() / 1000)),
  })
  return response
}
