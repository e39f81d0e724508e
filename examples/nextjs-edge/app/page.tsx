import { headers } from 'next/headers'
import { readPrincipal } from 'wardgate/next/principal'

// Public: the middleware lets the request through without a token, and strips any
// x-wardgate-* header a client sent, so there is never a principal here.
export default async function Home() {
  const principal = readPrincipal(await headers())
  return (
    <main>
      <h1>Wardgate on the Edge</h1>
      <p id="who">{principal ? `Signed in as ${principal.id}` : 'No principal on this page'}</p>
      <ul>
        <li><a href="/dashboard">/dashboard</a> (a page: needs a token)</li>
        <li><code>GET /api/todos</code> (needs a token)</li>
        <li><code>GET /api/admin</code> (needs the role admin)</li>
      </ul>
    </main>
  )
}
