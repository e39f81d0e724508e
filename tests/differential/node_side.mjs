// The JavaScript side of the differential test: Wardgate (the native addon and the
// WebAssembly build) and jose, on every case.
//
//   node tests/differential/node_side.mjs CASES.json OUT.json
//
// writes {"wardgate-node": [...], "wardgate-wasm": [...], "jose": [...]}, one result
// per case in the order of the cases: {ok: true, sub} or {ok: false, why} (why: Wardgate's
// reason, jose's error code).
//
// jose is configured as a Next.js app would configure it from the same policy:
// jwtVerify(token, key, {issuer, audience, algorithms, clockTolerance: leeway, typ,
// requiredClaims, currentDate: now}), with createLocalJWKSet(keys.jwks) as the key, or the
// UTF-8 bytes of keys.secret.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createLocalJWKSet, jwtVerify } from 'jose'
import * as wasm from '../../bindings-node/wasm-node.mjs'

const native = createRequire(import.meta.url)('../../bindings-node/index.js')

function wardgateSide({ Engine, AuthError }) {
  return (policy) => {
    const engine = new Engine(policy)
    return async (token, now) => {
      try {
        const principal = engine.verifySync(token, { now })
        return { ok: true, sub: principal.id }
      } catch (e) {
        if (e instanceof AuthError) return { ok: false, why: e.reason }
        throw e
      }
    }
  }
}

function joseSide(policy) {
  const t = policy.token
  const key = policy.keys.jwks ? createLocalJWKSet(policy.keys.jwks) : new TextEncoder().encode(policy.keys.secret)
  const options = {
    algorithms: t.algorithms,
    issuer: t.issuer,
    audience: t.audience,
    clockTolerance: t.leeway ?? 0,
    requiredClaims: t.required_claims ?? ['sub', 'exp'],
    typ: t.typ,
  }
  return async (token, now) => {
    try {
      const { payload } = await jwtVerify(token, key, { ...options, currentDate: new Date(now * 1000) })
      return { ok: true, sub: payload.sub }
    } catch (e) {
      return { ok: false, why: e.code ?? e.name }
    }
  }
}

const sides = {
  'wardgate-node': wardgateSide(native),
  'wardgate-wasm': wardgateSide(wasm),
  jose: joseSide,
}

const [casesPath, outPath] = process.argv.slice(2)
const doc = JSON.parse(readFileSync(casesPath, 'utf8'))
const out = {}
for (const [name, make] of Object.entries(sides)) {
  const verifiers = Object.fromEntries(Object.entries(doc.groups).map(([id, g]) => [id, make(g.policy)]))
  const results = []
  for (const c of doc.cases) results.push(await verifiers[c.group](c.token, c.now))
  out[name] = results
}
writeFileSync(outPath, JSON.stringify(out))
const joseVersion = JSON.parse(readFileSync(new URL('./node_modules/jose/package.json', import.meta.url), 'utf8')).version
console.log(`node side: jose ${joseVersion}, Node ${process.versions.node}`)
