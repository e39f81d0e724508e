import { headers } from 'next/headers'
import { readPrincipal } from 'wardgate/next/principal'

// Protected: the middleware verified the token and forwarded the principal. This page (on
// Node) imports only wardgate/next/principal, which loads neither the engine nor `next`.
export default async function Dashboard() {
  const principal = readPrincipal(await headers())
  if (!principal) throw new Error('the middleware did not run on /dashboard')
  return (
    <main>
      <h1>Dashboard</h1>
      <p id="user">{`Signed in as ${principal.id}`}</p>
      <p id="roles">{`Roles: ${principal.roles.join(', ') || '(none)'}`}</p>
      <pre id="claims">{JSON.stringify(principal.claims, null, 2)}</pre>
    </main>
  )
}
