// The sign-in page. Where to go afterwards is decided here, on the server, from the
// `returnTo` query parameter (which the proxy sets and anyone can write) by the package's
// rule (`safeReturnTo` from wardgate/next/return-to): a path on this site, else /dashboard.
// The form gets only that path.
import { headers } from 'next/headers'
import { requestOrigin, safeReturnTo } from 'wardgate/next/return-to'
import { HOME } from '@/lib/home'
import { SignInForm } from './form'

export const dynamic = 'force-dynamic'

export default async function SignIn({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { returnTo } = await searchParams
  return <SignInForm returnTo={safeReturnTo(returnTo, requestOrigin(await headers()), HOME)} />
}
