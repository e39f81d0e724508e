// Better Auth's options, shared by the app (lib/auth.ts) and the migration step
// (stack.mjs), so both see the same tables and plugins. Plain JavaScript so `node` runs it.
//
// Environment:
//   BETTER_AUTH_URL          base URL, also the tokens' `iss` and `aud` (default http://127.0.0.1:3000)
//   BETTER_AUTH_SECRET       required: signs sessions and encrypts the private signing keys
//   DATABASE_URL             postgres://... for PostgreSQL; otherwise a SQLite file path
//                            (default .data/auth.db beside this file)
//   JWT_EXPIRATION           lifetime of the JWTs (default 15m)
//   JWKS_ROTATION_INTERVAL   seconds between signing key rotations (default: no rotation)
//   JWKS_GRACE_PERIOD        seconds a rotated key stays in the JWKS (default 30 days)
//   WARDGATE_POLICY          the policy file (default ./policy.json)
//
// Revocation: every token carries its session id (`sid`), and the wardgate plugin revokes
// it in Redis (policy.json's revocation.redis_url) when the session ends: sign-out, the
// revoke endpoints, a ban, a password change that ends the other sessions, a deleted user.
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { admin, jwt } from 'better-auth/plugins'
import { Engine } from 'wardgate'
import { wardgate, withSessionId } from 'wardgate/better-auth'

const here = dirname(fileURLToPath(import.meta.url))

/** The database Better Auth keeps users, sessions and signing keys in. */
export async function database(env = process.env) {
  const url = env.DATABASE_URL
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const { Pool } = (await import('pg')).default
    return new Pool({ connectionString: url })
  }
  const file = url ? url.replace(/^(sqlite|file):(\/\/)?/, '') : join(here, '.data', 'auth.db')
  mkdirSync(dirname(file), { recursive: true })
  return new Database(file)
}

function seconds(text) {
  return text ? Number(text) : undefined
}

/**
 * How long a revocation is kept, in seconds: longer than any token of the stack lives
 * (JWT_EXPIRATION, 15 minutes at most here) plus the policy's leeway. The plugin refuses a
 * value shorter than the jwt plugin's token lifetime.
 */
const REVOKED_FOR = 3600

let engine
/**
 * The engine the wardgate plugin revokes through (one per process, mirroring Redis), from
 * WARDGATE_POLICY or ./policy.json (the app's folder, where `next start` runs).
 */
function revocationEngine(env) {
  return (engine ??= Engine.fromFile(env.WARDGATE_POLICY ?? join(process.cwd(), 'policy.json')))
}

/** Better Auth's options from the environment. */
export async function authOptions(env = process.env) {
  if (!env.BETTER_AUTH_SECRET) throw new Error('BETTER_AUTH_SECRET is not set (stack.mjs sets one)')
  return {
    baseURL: env.BETTER_AUTH_URL ?? 'http://127.0.0.1:3000',
    secret: env.BETTER_AUTH_SECRET,
    database: await database(env),
    emailAndPassword: { enabled: true },
    plugins: [
      jwt({
        // EdDSA (Ed25519) keys, the plugin's default.
        jwks: {
          rotationInterval: seconds(env.JWKS_ROTATION_INTERVAL),
          gracePeriod: seconds(env.JWKS_GRACE_PERIOD),
        },
        jwt: { expirationTime: env.JWT_EXPIRATION ?? '15m', definePayload: withSessionId() },
      }),
      admin(),
      wardgate({ engine: revocationEngine(env), ttl: REVOKED_FOR }),
    ],
  }
}
