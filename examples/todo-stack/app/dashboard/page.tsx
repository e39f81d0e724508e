// Reached only through the proxy (proxy.ts), which verified the token and forwarded the
// principal in x-wardgate-* request headers. `wardgate/next/principal` only decodes them:
// this page loads neither the engine nor anything of `next` beyond next/headers.
import { headers } from 'next/headers'
import { readPrincipal } from 'wardgate/next/principal'

export const dynamic = 'force-dynamic'

export default async function Dashboard() {
  const principal = readPrincipal(await headers())
  if (!principal) return <main>No principal: the proxy did not run.</main>
  return (
    <main>
      <h1>Dashboard</h1>
      <p>
        Signed in as <strong data-testid="user">{String(principal.claims.email ?? principal.id)}</strong> (id{' '}
        <code data-testid="user-id">{principal.id}</code>, roles{' '}
        <code data-testid="roles">{principal.roles.join(', ') || 'none'}</code>).
      </p>
      <p>
        Your todos live in the FastAPI service; call it with your token from <code>/api/auth/token</code>.
      </p>
    </main>
  )
}
