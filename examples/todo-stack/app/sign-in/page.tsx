// The sign-in page. Where to go afterwards is decided here, on the server, from the
// `returnTo` query parameter (which the middleware sets and anyone can write) by the one rule
// in lib/return-to.mjs: a path on this site, else /dashboard. The form gets only that path.
import { headers } from 'next/headers'
import { requestOrigin, safeReturnTo } from '@/lib/return-to.mjs'
import { SignInForm } from './form'

export const dynamic = 'force-dynamic'

export default async function SignIn({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { returnTo } = await searchParams
  return <SignInForm returnTo={safeReturnTo(returnTo, requestOrigin(await headers()))} />
}
