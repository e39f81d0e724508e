// What every side must do before it is timed, so that no failing path is measured: accept
// the fixture token (with its claims) and refuse a tampered, an expired, a wrong-issuer and
// a wrong-audience token, each for the right reason. The bad tokens are signed here with
// jose and the private keys of tests/keys/ (the files bench/fixtures.py signs with); a
// control token, the fixture's claims signed the same way, must be accepted, which shows
// the refusals come from the one claim changed and not from the signing.

import { readFileSync } from 'node:fs'
import { errors, importPKCS8, jwtVerify, SignJWT } from 'jose'

const KEYS = new URL('../../tests/keys/', import.meta.url)
/** The private key file per algorithm (as in bench/fixtures.py; HS256 uses the secret). */
const PRIVATE_KEYS = {
  EdDSA: 'ed25519-1.pem',
  ES256: 'p256.pem',
  ES512: 'p521.pem',
  RS256: 'rsa-2048.pem',
  PS256: 'rsa-2048.pem',
}
const ELSEWHERE = 'https://evil.example.com'

const b64 = (text) => Buffer.from(text).toString('base64url')

/**
 * The payload of a compact JWS, decoded without verification.
 * @param {string} token
 */
export function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
}

/** The key a case's tokens are signed with: its private key, or the HMAC secret. */
async function signingKey({ alg, secret }) {
  if (secret !== null) return new TextEncoder().encode(secret)
  const file = PRIVATE_KEYS[alg]
  if (!file) throw new Error(`${alg}: no private key known to sign test tokens with`)
  return importPKCS8(readFileSync(new URL(file, KEYS), 'utf8'), alg)
}

/**
 * The tokens every side is checked with, for one fixture case: `token` is accepted,
 * the others are refused with wardgate's `reason` and jose's error class `jose`.
 * @param {{alg: string, kid: string|null, token: string, secret: string|null}} c a fixture case
 * @param {number} now seconds since the epoch
 */
export async function testTokens(c, now) {
  const key = await signingKey(c)
  const header = c.kid ? { alg: c.alg, kid: c.kid } : { alg: c.alg, typ: 'JWT' }
  const claims = claimsOf(c.token)
  const sign = (changes) => new SignJWT({ ...claims, ...changes }).setProtectedHeader(header).sign(key)
  const [head, , signature] = c.token.split('.')
  return {
    accepted: { fixture: c.token, 'control (re-signed)': await sign({}) },
    refused: {
      tampered: {
        token: `${head}.${b64(JSON.stringify({ ...claims, role: 'admin' }))}.${signature}`,
        reason: 'bad_signature',
        jose: errors.JWSSignatureVerificationFailed,
      },
      expired: { token: await sign({ iat: now - 7200, exp: now - 3600 }), reason: 'expired', jose: errors.JWTExpired },
      'wrong issuer': { token: await sign({ iss: ELSEWHERE }), reason: 'issuer_mismatch', jose: errors.JWTClaimValidationFailed },
      'wrong audience': { token: await sign({ aud: ELSEWHERE }), reason: 'audience_mismatch', jose: errors.JWTClaimValidationFailed },
    },
  }
}

/**
 * The two calls of a wardgate engine, as verifiers to check.
 * @param {string} library
 * @param {{verifySync: Function, verify: Function}} engine
 * @param {Function} AuthError the build's refusal class
 */
export function wardgateVerifiers(library, engine, AuthError) {
  const refused = (error, expected) => error instanceof AuthError && error.reason === expected.reason
  return [
    { name: `${library} verifySync`, verify: async (t) => engine.verifySync(t).claims, refused },
    { name: `${library} verify`, verify: async (t) => (await engine.verify(t)).claims, refused },
  ]
}

/**
 * jose's `jwtVerify` with a key and options, as a verifier to check.
 * @param {unknown} key a JWK Set function or the secret
 * @param {object} options jwtVerify's options
 */
export function joseVerifier(key, options) {
  return {
    name: 'jose',
    verify: async (t) => (await jwtVerify(t, key, options)).payload,
    refused: (error, expected) => error instanceof expected.jose,
  }
}

/**
 * Throws, naming the side and the token, unless every verifier accepts the good tokens with
 * the fixture's claims and refuses each bad one for the expected reason.
 * @param {string} label what is checked (the algorithm)
 * @param {{name: string, verify: Function, refused: Function}[]} verifiers
 * @param {Awaited<ReturnType<typeof testTokens>>} tokens
 */
export async function check(label, verifiers, tokens) {
  const expected = claimsOf(tokens.accepted.fixture)
  for (const v of verifiers) {
    for (const [what, token] of Object.entries(tokens.accepted)) {
      const claims = await v.verify(token).catch((e) => {
        throw new Error(`${label}: ${v.name} refused the ${what} token: ${e.message}`)
      })
      if (claims.sub !== expected.sub || claims.exp !== expected.exp) {
        throw new Error(`${label}: ${v.name} returned the wrong claims for the ${what} token`)
      }
    }
    for (const [what, bad] of Object.entries(tokens.refused)) {
      const error = await v.verify(bad.token).then(() => null, (e) => e)
      if (!error) throw new Error(`${label}: ${v.name} accepted the ${what} token`)
      if (!v.refused(error, bad)) throw new Error(`${label}: ${v.name} refused the ${what} token for another reason: ${error.message}`)
    }
  }
}
