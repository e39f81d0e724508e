import { headers } from 'next/headers'
import { requestOrigin, safeReturnTo } from 'wardgate/next/return-to'

// Where the middleware sends page requests without a valid token. A real app signs the user
// in here (e.g. with Better Auth), stores the JWT in the `token` cookie and then goes to the
// return address, which this page decides on the server by the package's rule
// (`safeReturnTo`): `returnTo` when it is a path on this site, else /dashboard.
export default async function SignIn({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { returnTo } = await searchParams
  const destination = safeReturnTo(returnTo, requestOrigin(await headers()), '/dashboard')
  return (
    <main>
      <h1>Sign in</h1>
      <p id="return-to">
        After signing in, go back to <a href={destination}>{destination}</a>.
      </p>
    </main>
  )
}
