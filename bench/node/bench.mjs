// Node benchmark: portcullis (native addon) beside jose 6 `jwtVerify`.
//
// For EdDSA, ES256, RS256 and HS256 every side verifies the same token, signed with the
// test-only keys in tests/keys/ and checked against the same public key (or secret):
// signature, `iss`, `aud` and `exp`, at the real current time. Each side is called the way
// an application calls it, with its keys loaded once, outside the timing:
//
//   engine.verifySync(token)
//   await engine.verify(token)
//   await jwtVerify(token, createLocalJWKSet(jwks), { issuer, audience, algorithms: [alg] })
//
// (for HS256 jose gets the secret as a Uint8Array instead of a JWK Set). The async calls
// are awaited one after the other, as a request handler awaits them.
//
// Before timing, every side must accept each token and reject a tampered, an expired, a
// wrong-issuer and a wrong-audience one, so no failing path is measured. Then the sides
// run in rounds: in each round each side runs one batch (sized to about --batch-ms), in
// an order that rotates every round, so machine noise hits all of them. The report gives
// the median time per call of each side and the ratio of medians (jose / portcullis),
// beside two floors: the bare signature check with node:crypto (`crypto.verify` or an
// HMAC, with a KeyObject made once) and with WebCrypto (`crypto.subtle.verify`, awaited,
// which is what jose 6 calls). The garbage collector stays on, as in an application.
//
//   bench/node/run [--quick] [--rounds N] [--batch-ms MS] [--json FILE]
//
// The tokens, the checks and the rounds are bench/js/harness.mjs, shared with bench/wasm.

import crypto from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import {
  ALGORITHMS, JOSE_VERSION, asyncTimer, check, compare, fmt, machine, makeCase, measure, options, rangeLines, resultCells, sides,
  syncTimer, table,
} from '../js/harness.mjs'

const require = createRequire(import.meta.url)
const { Engine, AuthError } = require('../../bindings-node')

// Minimum speed-up (jose median / portcullis median) the project aims for, for both the
// sync and the async portcullis call.
const TARGETS = { EdDSA: 2, ES256: 2 }

/** The bare signature checks: node:crypto (sync) and WebCrypto (async, what jose 6 calls).
 *  Splitting and decoding the token is done here, outside the timing. */
async function floors(c) {
  const dot = c.token.lastIndexOf('.')
  const message = Buffer.from(c.token.slice(0, dot))
  const signature = Buffer.from(c.token.slice(dot + 1), 'base64url')
  let node, subtleKey, subtleAlg
  if (c.alg === 'HS256') {
    const secret = crypto.createSecretKey(c.signingKey)
    node = () => crypto.timingSafeEqual(crypto.createHmac('sha256', secret).update(message).digest(), signature)
    subtleAlg = { name: 'HMAC' }
    subtleKey = await crypto.subtle.importKey('raw', c.signingKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
  } else {
    const key = c.alg === 'ES256' ? { key: c.publicKey, dsaEncoding: 'ieee-p1363' } : c.publicKey
    const hash = c.alg === 'EdDSA' ? null : 'sha256'
    node = () => crypto.verify(hash, message, key, signature)
    const imported = {
      EdDSA: { name: 'Ed25519' },
      ES256: { name: 'ECDSA', namedCurve: 'P-256' },
      RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    }[c.alg]
    subtleAlg = c.alg === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : imported
    subtleKey = await crypto.subtle.importKey('jwk', c.publicKey.export({ format: 'jwk' }), imported, false, ['verify'])
  }
  const subtle = () => crypto.subtle.verify(subtleAlg, subtleKey, signature, message)
  if (!node() || !(await subtle())) throw new Error(`${c.alg}: the bare signature check fails`)
  return { node, subtle }
}

async function main() {
  const { args, rounds, batchNs } = options()
  const versions = {
    node: process.version,
    portcullis: require('../../bindings-node/package.json').version,
    jose: JOSE_VERSION,
    openssl: process.versions.openssl,
    machine: machine(),
  }
  console.log(Object.entries(versions).map(([k, v]) => `${k} ${v}`).join('  '))
  console.log(`${rounds} rounds of ~${batchNs / 1e6} ms batches per side, interleaved; medians per call\n`)

  const now = Math.floor(Date.now() / 1000)
  const results = []
  for (const alg of Object.keys(ALGORITHMS)) {
    const c = await makeCase(Engine, alg, now)
    await check(c, 'portcullis', AuthError)
    const floor = await floors(c)
    const timers = { ...sides(c), node: syncTimer(floor.node), subtle: asyncTimer(floor.subtle) }
    results.push(compare(alg, await measure(timers, rounds, batchNs), TARGETS[alg] ?? null))
  }

  const rows = [['alg', 'portcullis sync', 'portcullis async', 'jose', 'jose/sync', 'jose/async', 'target',
    'node:crypto', 'subtle']]
  for (const r of results) rows.push([...resultCells(r), fmt(r.median_ns.node), fmt(r.median_ns.subtle)])
  console.log(table(rows))
  console.log('\nper-round ratio ranges (jose / portcullis):')
  console.log(rangeLines(results).join('\n'))
  console.log(
    '\nratio = jose median / portcullis median (higher: portcullis faster);\n' +
      'node:crypto: bare crypto.verify (HMAC + timingSafeEqual for HS256), KeyObject made once;\n' +
      'subtle: bare crypto.subtle.verify, awaited (the call jose 6 makes)',
  )

  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ versions, rounds, batch_ms: batchNs / 1e6, results }, null, 2) + '\n')
  }
  const missed = results.filter((r) => !r.met)
  if (missed.length) console.log(`below target: ${missed.map((r) => r.alg).join(', ')}`)
}

await main()
