// The app's Better Auth instance (server side only), made on first use: at build time
// there is no secret and no database to open.
import { betterAuth } from 'better-auth'
import { authOptions } from '../auth.config.mjs'

async function create() {
  return betterAuth(await authOptions())
}

let instance: ReturnType<typeof create> | undefined

export function getAuth() {
  return (instance ??= create())
}
