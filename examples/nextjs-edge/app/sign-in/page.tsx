// Where the middleware sends page requests without a valid token. A real app signs the user
// in here (e.g. with Better Auth) and stores the JWT in the `token` cookie.
export default async function SignIn({ searchParams }: { searchParams: Promise<{ returnTo?: string }> }) {
  const { returnTo } = await searchParams
  return (
    <main>
      <h1>Sign in</h1>
      <p id="return-to">{`After signing in, go back to ${returnTo ?? '/'}.`}</p>
    </main>
  )
}
