// Compiled with `tsc --noEmit` by test/types.test.mjs as an ES module (wardgate/better-auth is
// one): the Better Auth plugin's types as an app uses them.
import { betterAuth } from 'better-auth'
import { admin, jwt } from 'better-auth/plugins'
import {
  REVOCATION_FAILED,
  REVOCATION_UNAVAILABLE,
  REVOKED_PATH,
  wardgate,
  withSessionId,
  type RevocationEngine,
  type RevocationEntry,
  type RevocationSet,
} from 'wardgate/better-auth'

declare const engine: RevocationEngine

export const auth = betterAuth({
  emailAndPassword: { enabled: true },
  plugins: [jwt({ jwt: { definePayload: withSessionId() } }), admin(), wardgate({ engine })],
})

// The endpoint is typed on auth.api.
export async function served(): Promise<RevocationSet> {
  const set = await auth.api.getRevocationSet()
  const ids: string[] = set.sid
  const banned: number | undefined = set.subjects['user_42']
  // @ts-expect-error: sid is a list of session ids (the set is typed, not any)
  const count: number = set.sid
  void ids, banned, count
  return set
}

// withSessionId keeps your own definePayload; the options of the plugin.
jwt({ jwt: { definePayload: withSessionId(({ user, session }) => ({ name: user.name, device: session.userAgent })) } })
jwt({ jwt: { definePayload: withSessionId(async ({ user }) => ({ email: user.email })), expirationTime: '1h' } })
wardgate({ engine, ttl: 3600, subject: (user) => `user:${user.id}` })
wardgate({ engine, subject: async (user) => user.email })
export const plugin: 'wardgate' = wardgate({ engine }).id

// Any object with revoke and revocationSet will do (the native Engine, a wrapper).
wardgate({
  engine: {
    revoke: async (entry: RevocationEntry) => void entry.ttl,
    revocationSet: () => ({ sid: [], jti: [], subjects: {} }),
  },
})

export const codes: ['WARDGATE_REVOCATION_FAILED', 'WARDGATE_REVOCATION_UNAVAILABLE', '/wardgate/revoked'] = [REVOCATION_FAILED, REVOCATION_UNAVAILABLE, REVOKED_PATH]

// @ts-expect-error: ttl is in seconds, not a duration
wardgate({ engine, ttl: '1h' })
// @ts-expect-error: an engine must be able to revoke
wardgate({ engine: { revocationSet: () => ({ sid: [], jti: [], subjects: {} }) } })
// @ts-expect-error: an entry needs its ttl
export const entry: RevocationEntry = { sid: 'session-1' }
// @ts-expect-error: definePayload receives the session, not the user alone
withSessionId((user: { id: number }) => ({ id: user.id }))
