'use client'
// Email and password sign-in (or sign-up) with Better Auth, then a request to
// /api/session-token, which sets the `wardgate_token` cookie the proxy reads, then the
// return address the server chose (page.tsx), checked once more against this origin by the
// same rule (wardgate/next/return-to imports nothing, so it runs in the browser as well).
import { useState, type FormEvent } from 'react'
import { safeReturnTo } from 'wardgate/next/return-to'
import { HOME } from '@/lib/home'

async function post(path: string, body?: object) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  })
  if (!response.ok) {
    const error = await response.json().catch(() => ({}))
    throw new Error(error.message ?? error.detail ?? `HTTP ${response.status}`)
  }
}

export function SignInForm({ returnTo }: { returnTo: string }) {
  const [error, setError] = useState('')

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null
    const email = String(form.get('email'))
    const password = String(form.get('password'))
    try {
      if (submitter?.value === 'sign-up') {
        await post('/api/auth/sign-up/email', { email, password, name: email.split('@')[0] })
      } else {
        await post('/api/auth/sign-in/email', { email, password })
      }
      await post('/api/session-token')
      window.location.assign(safeReturnTo(form.get('returnTo'), window.location.origin, HOME))
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    }
  }

  return (
    <main>
      <h1>Sign in</h1>
      <form onSubmit={submit}>
        <input type="hidden" name="returnTo" value={returnTo} />
        <p>
          <label>
            Email <input name="email" type="email" required autoComplete="username" />
          </label>
        </p>
        <p>
          <label>
            Password <input name="password" type="password" required minLength={8} autoComplete="current-password" />
          </label>
        </p>
        <button type="submit" value="sign-in">Sign in</button> <button type="submit" value="sign-up">Sign up</button>
      </form>
      {error && <p role="alert">{error}</p>}
    </main>
  )
}
