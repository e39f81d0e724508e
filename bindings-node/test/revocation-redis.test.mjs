// revocation.redis_url from Node, against a real redis-server: a revocation made here is
// refused by an engine in another process within a second; 1,000 concurrent verifications
// while revocations stream in never take one back; entries expire; a stopped server serves
// the last set for stale_for, then REVOCATION_UNAVAILABLE (503), and recovers; a server that
// answers garbage fails closed; RevokeError's codes; no message holds the password.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import net from 'node:net'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { redisServer } from './redis-server.mjs'
import { NOW, Signer, claims, policyFor } from './support.mjs'

const require = createRequire(import.meta.url)
const { Engine, AuthError, RevokeError } = require('../index.js')
const indexJs = fileURLToPath(new URL('../index.js', import.meta.url))

function policy(signer, revocation) {
  return { ...policyFor(signer), revocation, cache: { max_entries: 1000 } }
}

async function outcome(engine, token) {
  try {
    await engine.verify(token, { now: NOW })
    return 'ok'
  } catch (e) {
    if (!(e instanceof AuthError)) throw e
    return e.reason
  }
}

async function until(engine, token, expected, limitMs) {
  const start = performance.now()
  for (;;) {
    const got = await outcome(engine, token)
    if (got === expected) return performance.now() - start
    assert.ok(performance.now() - start < limitMs, `still ${got} after ${limitMs} ms, expected ${expected}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

// A second process: loads the policy, verifies each token every millisecond, and prints
// `<index> <outcome>` each time an outcome changes.
const WATCHER = `
const { Engine } = require(process.argv[1])
const { policy, tokens, now } = JSON.parse(process.argv[2])
const engine = new Engine(policy)
const last = tokens.map(() => '')
const tick = async () => {
  for (let i = 0; i < tokens.length; i++) {
    let got = 'ok'
    try { await engine.verify(tokens[i], { now }) } catch (e) { got = e.reason }
    if (got !== last[i]) { last[i] = got; process.stdout.write(i + ' ' + got + '\\n') }
  }
  setTimeout(tick, 1)
}
tick()
`

test('a revocation made here is refused by an engine in another process within a second', async (t) => {
  const server = await redisServer(t)
  if (!server) return
  const signer = new Signer()
  const doc = policy(signer, { redis_url: server.url() })
  const tokens = [
    signer.sign(claims({ sub: 'u1', sid: 's1' })),
    signer.sign(claims({ sub: 'u2', jti: 'j2' })),
    signer.sign(claims({ sub: 'u3', sid: 's3' })),
    signer.sign(claims({ sub: 'u4', sid: 's4', jti: 'j4' })),
  ]
  const child = spawn(process.execPath, ['-e', WATCHER, indexJs, JSON.stringify({ policy: doc, tokens, now: NOW })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  t.after(() => child.kill())
  const seen = new Map()
  const waiters = []
  let buffered = ''
  child.stdout.on('data', (data) => {
    buffered += data
    let newline
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const [i, got] = buffered.slice(0, newline).split(' ')
      buffered = buffered.slice(newline + 1)
      seen.set(Number(i), { got, at: performance.now() })
      for (const w of waiters.splice(0)) w()
    }
  })
  const report = async (i, expected) => {
    while (seen.get(i)?.got !== expected) await new Promise((r) => waiters.push(r))
    return seen.get(i).at
  }
  for (let i = 0; i < tokens.length; i++) await report(i, 'ok')
  const engine = new Engine(doc)
  const times = []
  for (const [i, entry] of [[0, { sid: 's1' }], [1, { jti: 'j2' }], [2, { sub: 'u3' }]]) {
    const start = performance.now()
    await engine.revoke({ ...entry, ttl: 60 })
    assert.equal(await outcome(engine, tokens[i]), 'revoked', 'this engine refuses once revoke resolves')
    const at = await Promise.race([report(i, 'revoked'), new Promise((_, reject) => setTimeout(() => reject(new Error(`token ${i} still verifies in the other process after 1 s`)), 1000))])
    times.push(at - start)
  }
  t.diagnostic(`propagation to another process: ${times.map((ms) => ms.toFixed(1)).join(', ')} ms`)
  assert.equal(seen.get(3).got, 'ok', 'another user is unaffected')
  const status = engine.revocationStatus()
  assert.equal(status.source, 'redis_url')
  assert.equal(status.state, 'ready')
  assert.deepEqual([status.entries, status.sids, status.jtis, status.subjects], [3, 1, 1, 1])
  assert.equal(status.lastError, null)
  assert.equal(typeof status.lastSync, 'number')
  const set = engine.revocationSet()
  assert.deepEqual([set.sid, set.jti, Object.keys(set.subjects)], [['s1'], ['j2'], ['u3']])
})

test('1,000 concurrent verifications while revocations stream in never take one back', async (t) => {
  const server = await redisServer(t)
  if (!server) return
  const signer = new Signer()
  const doc = policy(signer, { redis_url: server.url() })
  const verifier = new Engine(doc)
  const revoker = new Engine(doc)
  const tokens = Array.from({ length: 100 }, (_, i) => signer.sign(claims({ sub: `u${i}`, sid: `s${i}` })))
  for (const token of tokens) assert.equal(await outcome(verifier, token), 'ok')
  const refused = new Set()
  let done = false
  const revoking = (async () => {
    for (let i = 0; i < 50; i++) await revoker.revoke({ sid: `s${i}`, ttl: 60 })
  })()
  const verifying = Array.from({ length: 1000 }, async (_, n) => {
    for (let round = 0; round < 3 || !done; round++) {
      const i = (n * 7 + round * 13) % 100
      const got = await outcome(verifier, tokens[i])
      if (got === 'revoked') {
        assert.ok(i < 50, `s${i} was never revoked`)
        refused.add(i)
      } else {
        assert.equal(got, 'ok')
        assert.ok(!refused.has(i), `s${i} verified again after it was refused`)
      }
      await new Promise((r) => setImmediate(r))
    }
  })
  await revoking
  await until(verifier, tokens[49], 'revoked', 1000)
  done = true
  await Promise.all(verifying)
  for (let i = 0; i < 100; i++) assert.equal(await outcome(verifier, tokens[i]), i < 50 ? 'revoked' : 'ok')
})

test('entries expire on their own', async (t) => {
  const server = await redisServer(t)
  if (!server) return
  const signer = new Signer()
  const engine = new Engine(policy(signer, { redis_url: server.url(), refresh: { max_age: 1 } }))
  const token = signer.sign(claims({ sid: 's1' }))
  await engine.revoke({ sid: 's1', ttl: 1 })
  assert.equal(await outcome(engine, token), 'revoked')
  await until(engine, token, 'ok', 5000)
  assert.equal(engine.revocationStatus().entries, 0)
})

test('a stopped Redis: the last set for stale_for, then REVOCATION_UNAVAILABLE, then recovery', async (t) => {
  const server = await redisServer(t)
  if (!server) return
  const signer = new Signer()
  const engine = new Engine(policy(signer, { redis_url: server.url(), stale_for: 2, refresh: { cooldown: 1, timeout: 1 } }))
  const revoked = signer.sign(claims({ sub: 'u1', sid: 's1' }))
  const live = signer.sign(claims({ sub: 'u2', sid: 's2' }))
  assert.equal(await outcome(engine, live), 'ok')
  await engine.revoke({ sid: 's1', ttl: 300 })
  await server.stop()
  const stopped = performance.now()
  while (engine.revocationStatus().state === 'ready') await new Promise((r) => setTimeout(r, 10))
  assert.equal(engine.revocationStatus().state, 'stale')
  assert.equal(await outcome(engine, revoked), 'revoked')
  assert.equal(await outcome(engine, live), 'ok')
  await assert.rejects(engine.revoke({ sid: 's9', ttl: 60 }), (e) => e instanceof RevokeError && e.code === 'REVOKE_FAILED')
  await until(engine, live, 'revocation_unavailable', 5000)
  const error = await engine.verify(live, { now: NOW }).catch((e) => e)
  assert.deepEqual([error.code, error.status, error.headers['Retry-After']], ['REVOCATION_UNAVAILABLE', 503, '5'])
  t.diagnostic(`unavailable ${((performance.now() - stopped) / 1000).toFixed(2)} s after the stop (stale_for 2 s)`)
  assert.equal(engine.revocationStatus().state, 'unavailable')
  assert.match(engine.revocationStatus().lastError, /refused/)
  await server.start()
  await until(engine, live, 'ok', 5000)
  assert.equal(await outcome(engine, revoked), 'revoked', 'the revocation outlived the restart')
})

test('a server that answers garbage fails closed, and no message holds the password', async (t) => {
  const garbage = net.createServer((socket) => {
    socket.on('error', () => {})
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello'))
  })
  await new Promise((r) => garbage.listen(0, '127.0.0.1', r))
  t.after(() => garbage.close())
  const signer = new Signer()
  const url = `redis://:hunter2@127.0.0.1:${garbage.address().port}/0`
  const engine = new Engine(policy(signer, { redis_url: url, refresh: { timeout: 1 } }))
  const token = signer.sign(claims({ sid: 's1' }))
  const error = await engine.verify(token, { now: NOW }).catch((e) => e)
  assert.equal(error.code, 'REVOCATION_UNAVAILABLE')
  const revokeError = await engine.revoke({ sid: 's1', ttl: 60 }).catch((e) => e)
  assert.ok(revokeError instanceof RevokeError)
  assert.equal(revokeError.code, 'REVOKE_FAILED')
  const said = [error.message, JSON.stringify(error), revokeError.message, JSON.stringify(engine.revocationStatus())].join(' ')
  for (const secret of ['hunter2', 's1', token]) assert.ok(!said.includes(secret), `${secret} in ${said}`)
})

test('revoke: its errors name what is wrong', async () => {
  const signer = new Signer()
  const inline = new Engine(policy(signer, { inline: {} }))
  const none = new Engine(policyFor(signer))
  const code = (p) => p.then(() => 'resolved', (e) => (e instanceof RevokeError ? `${e.code}: ${e.message}` : e))
  assert.equal(await code(none.revoke({ sid: 's1', ttl: 60 })), 'REVOKE_UNSUPPORTED: revoking needs a revocation.redis_url source; this policy has no revocation section')
  assert.match(await code(inline.revoke({ sid: 's1', ttl: 60 })), /^REVOKE_UNSUPPORTED: .*revocation.inline/)
  assert.equal(await code(inline.revoke({ sid: 's1', ttl: 0 })), 'REVOKE_INVALID: ttl: must be 1 to 31622400 seconds')
  assert.equal(await code(inline.revoke({ sid: 's1' })), 'REVOKE_INVALID: ttl: is required (seconds the entries are kept)')
  assert.equal(await code(inline.revoke({ sid: 5, ttl: 60 })), 'REVOKE_INVALID: sid: must be a string, not a number')
  assert.equal(await code(inline.revoke({ ttl: 60 })), 'REVOKE_INVALID: sid, jti or sub: at least one is needed')
  assert.equal(await code(inline.revoke({ session: 's1', ttl: 60 })), 'REVOKE_INVALID: entry: `session` is not one of sid, jti, sub and ttl')
  await assert.rejects(inline.revoke('s1'), TypeError)
  assert.deepEqual(inline.revocationSet(), { sid: [], jti: [], subjects: {} })
  assert.equal(none.revocationSet(), null)
})
