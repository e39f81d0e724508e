// One worker_threads worker of the throughput measure (suite.mjs, extras.mjs): it loads one
// library, builds its verifier for the EdDSA fixture case, checks it accepts the token,
// loops for `warmupMs`, says it is ready, and on the go loops for `durationMs`, awaiting one
// verification after the other, then posts how many it made and in how many nanoseconds.
//
// workerData: { library: 'native' | 'wasm' | 'jose', case, issuer, audience, warmupMs, durationMs }

import { once } from 'node:events'
import { parentPort, workerData } from 'node:worker_threads'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { loadBuild } from './builds.mjs'

/** Calls per check of the clock. */
const STRIDE = 16

/** The verification the worker repeats: `await engine.verify` or `await jwtVerify`. */
async function verifier({ library, case: c, issuer, audience }) {
  if (library === 'jose') {
    const key = c.secret === null ? createLocalJWKSet({ keys: [c.jwk] }) : new TextEncoder().encode(c.secret)
    const options = { issuer, audience, algorithms: [c.alg], requiredClaims: ['exp', 'sub'] }
    return async () => (await jwtVerify(c.token, key, options)).payload.sub
  }
  const { Engine } = await loadBuild(library)
  const engine = new Engine(c.policy)
  return async () => (await engine.verify(c.token)).id
}

/** Verifies for `ms` milliseconds; the count and the nanoseconds it took. */
async function loop(verify, ms) {
  const start = process.hrtime.bigint()
  const end = start + BigInt(Math.round(ms * 1e6))
  let count = 0
  let now = start
  while (now < end) {
    for (let i = 0; i < STRIDE; i++) await verify()
    count += STRIDE
    now = process.hrtime.bigint()
  }
  return { count, ns: Number(now - start) }
}

const verify = await verifier(workerData)
if ((await verify()) !== 'user_1') throw new Error(`${workerData.library}: the token was not accepted`)
await loop(verify, workerData.warmupMs)
parentPort.postMessage({ ready: true })
await once(parentPort, 'message')
parentPort.postMessage(await loop(verify, workerData.durationMs))
