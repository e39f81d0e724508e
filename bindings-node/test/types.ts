// Compiled with `tsc --noEmit` by test/types.test.mjs: the package's types as an app uses them.
import { Engine, AuthError, ConfigError, type Decision, type Principal } from 'portcullis'

async function handler(header: string | null): Promise<number> {
  const engine: Engine = Engine.fromFile('policy.json')
  try {
    const principal: Principal = await engine.verifyAuthorization(header, { now: new Date() })
    const roles: string[] = principal.roles
    const decision: Decision = engine.authorize(principal, {
      action: 'update',
      resource: { type: 'todo', owner_id: principal.id },
      context: { ip: '127.0.0.1' },
    })
    const reason: 'denied' | 'forbidden' | null = decision.reason
    void roles
    void reason
    return decision.status
  } catch (e) {
    if (e instanceof AuthError) {
      const body: { code: string; status: number } = e.toJSON()
      return body.status
    }
    if (e instanceof ConfigError) return e.path.length
    throw e
  }
}

const sync: Principal = new Engine({ token: { algorithms: ['EdDSA'] } }).verifySync('t', { now: 1 })
void sync
void handler

// @ts-expect-error: authorize takes a request object, not an action string
new Engine('{}').authorize(sync, 'read')
