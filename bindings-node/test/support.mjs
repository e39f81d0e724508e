// Shared test helpers: real Ed25519 keys and tokens signed in the test.
import { generateKeyPairSync, sign, createHmac } from 'node:crypto'

export const ISSUER = 'https://app.example.com'
export const AUDIENCE = 'https://api.example.com'
export const NOW = 1_764_000_000
export const SECRET = 'a-test-secret-that-is-long-enough-for-hs256'

const b64url = (data) => Buffer.from(data).toString('base64url')
const encode = (part) => b64url(JSON.stringify(part))

export class Signer {
  constructor(kid = 'k1') {
    this.kid = kid
    const { publicKey, privateKey } = generateKeyPairSync('ed25519')
    this.privateKey = privateKey
    this.jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' }
  }

  sign(payload, header = {}) {
    const input = `${encode({ alg: 'EdDSA', typ: 'JWT', kid: this.kid, ...header })}.${encode(payload)}`
    return `${input}.${b64url(sign(null, Buffer.from(input), this.privateKey))}`
  }
}

export function signHs256(payload, secret = SECRET) {
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

/** A Better Auth-like payload valid at `now` for an hour. */
export function claims(extra = {}, now = NOW) {
  return { sub: 'user_1', iss: ISSUER, aud: AUDIENCE, iat: now - 60, exp: now + 3600, role: 'user', ...extra }
}

export const RULES = [
  { id: 'own', effect: 'permit', resource: 'todo', actions: ['read', 'update', 'delete'], when: 'resource.owner_id == principal.id' },
  { id: 'create', effect: 'permit', resource: 'todo', actions: ['create'] },
  { id: 'banned', effect: 'forbid', resource: '*', actions: '*', when: 'principal.claims has banned && principal.claims.banned == true' },
]

export function policyFor(signer) {
  return {
    token: { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] },
    keys: { jwks: { keys: [signer.jwk] } },
    rules: RULES,
  }
}
