// The WebAssembly key cache's clock: refresh.max_age, cooldown and stale_for are measured on
// the host's monotonic clock (performance.now()), so stepping the wall clock (Date.now)
// back or forward an hour changes nothing about when key sets are refreshed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'

import * as api from '../../bindings-node/wasm-node.mjs'
import { Signer, NOW, claims, jwksServer, ISSUER, AUDIENCE } from '../../bindings-node/test/support.mjs'

const { Engine } = api
const require = createRequire(import.meta.url)
const { createApi } = require('../../bindings-node/api.js')
const { wasmEngine } = require('../../bindings-node/wasm-engine.js')
const at = { now: NOW }
const HOUR = 3_600_000
const quiet = { info() {}, warn() {}, error() {} }

function remotePolicy(url, refresh) {
  return {
    token: { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] },
    keys: { jwks_url: url, refresh },
  }
}

// Runs `f` with `Date.now` `shift` ms away from the real time, restored afterwards.
async function withClockShifted(shift, f) {
  const realNow = Date.now
  Date.now = () => realNow.call(Date) + shift
  try {
    await f()
  } finally {
    Date.now = realNow
  }
}

// Runs `f` with a JWKS server for `signers`, closed afterwards.
async function withServer(signers, f) {
  const server = await jwksServer(signers)
  try {
    await f(server)
  } finally {
    server.close()
  }
}

test('wall clock stepped back an hour: a removed key stops verifying once max_age has passed', () =>
  withServer([], async (server) => {
    const k1 = new Signer('k1')
    const k2 = new Signer('k2')
    server.serve([k1, k2])
    const engine = new Engine(remotePolicy(server.url, { max_age: 1, cooldown: 0 }), { logger: quiet })
    const revoked = k1.sign(claims())
    assert.equal((await engine.verify(revoked, at)).id, 'user_1')
    await withClockShifted(-HOUR, async () => {
      server.serve([k2])
      await sleep(1100) // past max_age
      await assert.rejects(engine.verify(revoked, at), { reason: 'unknown_key' })
      assert.equal(server.requests, 2)
      assert.deepEqual(engine.keyStatus().kids, ['k2'])
    })
  }))

test('wall clock stepped back an hour: a rotated-in kid is fetched once the cooldown has passed', () =>
  withServer([], async (server) => {
    const k1 = new Signer('k1')
    const k2 = new Signer('k2')
    server.serve([k1])
    const engine = new Engine(remotePolicy(server.url, { cooldown: 1 }), { logger: quiet })
    assert.equal((await engine.verify(k1.sign(claims()), at)).id, 'user_1')
    await withClockShifted(-HOUR, async () => {
      server.rotate(k2)
      await sleep(1100) // past the cooldown
      assert.equal((await engine.verify(k2.sign(claims({ sub: 'user_2' })), at)).id, 'user_2')
      assert.equal(server.requests, 2)
      assert.deepEqual(engine.keyStatus().kids.sort(), ['k1', 'k2'])
    })
  }))

test('wall clock stepped forward an hour: fresh keys stay fresh and the cooldown still holds', () =>
  withServer([], async (server) => {
    const k1 = new Signer('k1')
    const k2 = new Signer('k2')
    server.serve([k1])
    // With stale_for 0, keys that looked an hour old would be dropped at once.
    const engine = new Engine(remotePolicy(server.url, { max_age: 600, cooldown: 1, stale_for: 0 }), { logger: quiet })
    const token = k1.sign(claims())
    assert.equal((await engine.verify(token, at)).id, 'user_1')
    await withClockShifted(HOUR, async () => {
      assert.equal((await engine.verify(token, at)).id, 'user_1')
      const status = engine.keyStatus()
      assert.deepEqual([status.state, status.fetches, server.requests], ['fresh', 1, 1])
      assert.ok(status.freshFor > 590, `freshFor ${status.freshFor}`)
      server.rotate(k2)
      const rotated = k2.sign(claims({ sub: 'user_2' }))
      // Within the cooldown (in real time) the unknown kid is not fetched for.
      await assert.rejects(engine.verify(rotated, at), { reason: 'unknown_key' })
      assert.equal(server.requests, 1)
      await sleep(1100)
      assert.equal((await engine.verify(rotated, at)).id, 'user_2')
      assert.equal(server.requests, 2)
    })
  }))

test('wall clock stepped forward an hour: a removed key stops verifying once max_age has passed', () =>
  withServer([], async (server) => {
    const k1 = new Signer('k1')
    const k2 = new Signer('k2')
    server.serve([k1, k2])
    const engine = new Engine(remotePolicy(server.url, { max_age: 1, cooldown: 0 }), { logger: quiet })
    const revoked = k1.sign(claims())
    assert.equal((await engine.verify(revoked, at)).id, 'user_1')
    await withClockShifted(HOUR, async () => {
      server.serve([k2])
      await sleep(1100)
      await assert.rejects(engine.verify(revoked, at), { reason: 'unknown_key' })
      assert.equal(server.requests, 2)
    })
  }))

// The package's API over a WebAssembly instance of its own (a module URL of its own gives
// fresh glue), whose clock finds its source on first use.
async function ownInstance(tag) {
  const glue = await import(`../../bindings-node/wasm/wardgate.js?${tag}`)
  glue.initSync({ module: readFileSync(new URL('../../bindings-node/wasm/wardgate_bg.wasm', import.meta.url)) })
  return createApi(wasmEngine(glue.NativeEngine))
}

// Without performance.now (none at all, or one that throws), the clock falls back to
// Date.now and counts a step back as no time: refreshes go on.
for (const [kind, stand] of [
  ['absent', undefined],
  ['throwing', { now() { throw new Error('no clock here') } }],
]) {
  test(`performance.now ${kind}: Date.now stepped back an hour does not freeze refreshes`, () =>
    withServer([], async (server) => {
      const { Engine: OwnEngine } = await ownInstance(kind)
      const k1 = new Signer('k1')
      const k2 = new Signer('k2')
      server.serve([k1])
      const engine = new OwnEngine(remotePolicy(server.url, { cooldown: 1 }), { logger: quiet })
      const real = Object.getOwnPropertyDescriptor(globalThis, 'performance')
      Object.defineProperty(globalThis, 'performance', { value: stand, configurable: true, writable: true })
      try {
        assert.equal(engine.keyStatus().state, 'empty') // the clock's first reading
      } finally {
        Object.defineProperty(globalThis, 'performance', real)
      }
      assert.equal((await engine.verify(k1.sign(claims()), at)).id, 'user_1')
      await withClockShifted(-HOUR, async () => {
        assert.equal(engine.keyStatus().fetches, 1) // a reading at the step
        server.rotate(k2)
        await sleep(1100) // past the cooldown
        assert.equal((await engine.verify(k2.sign(claims({ sub: 'user_2' })), at)).id, 'user_2')
        assert.equal(server.requests, 2)
      })
      // Date.now back to the real time is a step forward, which the fallback counts as time
      // passed (performance.now would not): the keys look an hour old and are refreshed.
      assert.equal(engine.keyStatus().state, 'stale')
      assert.equal((await engine.verify(k1.sign(claims()), at)).id, 'user_1')
      assert.equal(server.requests, 3)
    }))
}
