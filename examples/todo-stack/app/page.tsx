export default function Home() {
  return (
    <main>
      <h1>Wardgate todo stack</h1>
      <p>
        Better Auth signs you in and issues an EdDSA JWT; this app&apos;s proxy and Node routes (native addon)
        and the FastAPI todo API all check it against one policy.
      </p>
      <p>
        <a href="/sign-in">Sign in</a> · <a href="/dashboard">Dashboard</a>
      </p>
    </main>
  )
}
