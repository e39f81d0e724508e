// revocation.url against a real endpoint on 127.0.0.1 (node:http) serving the revoked set,
// run on the native addon (revocation-url.test.mjs), where the core fetches on the libuv
// thread pool, and on the WebAssembly build (bindings-wasm/test/revocation-url.test.mjs),
// where api.js fetches for it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

import { Signer, NOW, claims, jwksServer, policyFor } from './support.mjs'

const at = { now: NOW }
const request = { action: 'read', resource: { type: 'todo', owner_id: 'user_1' } }
const quiet = { logger: { info() {}, warn() {}, error() {} } }

/**
 * An endpoint on 127.0.0.1 serving the revoked set (`{ sid, jti, subjects }`) at `url`, as
 * the Better Auth plugin does (`Cache-Control: no-store`), counting `requests`. `mode` makes
 * it misbehave: 'error' (500), 'garbage' (200, not JSON), 'invalid' (a set with an entry that
 * breaks the rules of revocation.inline), 'huge' (over 1 MB), 'redirect' (302), 'hang'
 * (never answers), 'down' (connections refused).
 */
export async function revocationServer(set = { sid: [], jti: [], subjects: {} }) {
  let requests = 0
  let mode = 'ok'
  let current = set
  const server = createServer((request, response) => {
    requests += 1
    const json = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      response.end(body)
    }
    if (mode === 'hang') return
    if (mode === 'error') return json(500, '{"error":"internal"}')
    if (mode === 'garbage') return json(200, '<html>not a set</html>')
    if (mode === 'invalid') return json(200, JSON.stringify({ sid: ['s-secret-entry'], subjects: { 'u-secret': -5 } }))
    if (mode === 'huge') return json(200, JSON.stringify({ ...current, jti: Array(70_000).fill('j-padding-entry') }))
    if (mode === 'redirect') {
      response.writeHead(302, { location: '/elsewhere' })
      return response.end()
    }
    json(200, JSON.stringify(current))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  const close = () => {
    server.close()
    server.closeAllConnections()
  }
  return {
    shown: `http://127.0.0.1:${port}/api/auth/wardgate/revoked`,
    url: `http://127.0.0.1:${port}/api/auth/wardgate/revoked?key=s3cret-query`,
    get requests() {
      return requests
    },
    set mode(value) {
      mode = value
      if (value === 'down') close()
    },
    /** Serves `set` from now on. */
    serve(set) {
      current = set
    },
    close,
  }
}

function urlPolicy(signer, url, extra = {}) {
  return { ...policyFor(signer), cache: { max_entries: 100 }, revocation: { url, ...extra } }
}

async function withServer(set, f) {
  const server = await revocationServer(set)
  try {
    await f(server)
  } finally {
    server.close()
  }
}

const revoked = (...sid) => ({ sid, jti: [], subjects: {} })

/** Defines the revocation.url tests for `api` (the package's exports over one build). */
export function revocationUrlTests({ Engine, AuthError, RevokeError }) {
  const k1 = new Signer('k1')
  const live = k1.sign(claims({ sid: 's-live' }))
  const gone = k1.sign(claims({ sid: 's-gone' }))

  test('revocation.url: the first verification fetches the set; a revocation at the endpoint is refused within max_age', () =>
    withServer(revoked('s-gone'), async (server) => {
      const engine = new Engine(urlPolicy(k1, server.url, { refresh: { max_age: 1, cooldown: 0 } }), quiet)
      const before = engine.revocationStatus()
      assert.deepEqual([before.source, before.url, before.state, before.entries], ['url', server.shown, 'starting', 0])
      assert.equal((await engine.verify(live, at)).id, 'user_1')
      await assert.rejects(engine.verify(gone, at), { code: 'TOKEN_INVALID', reason: 'revoked', status: 401 })
      assert.ok((await engine.check(live, request, at)).allowed)
      await assert.rejects(engine.check(`Bearer ${gone}`, request, at), { reason: 'revoked' })
      assert.equal((await engine.verifyAuthorization(`Bearer ${live}`, at)).id, 'user_1')
      assert.equal(server.requests, 1, 'the set is fresh for max_age')
      const status = engine.revocationStatus()
      assert.deepEqual(
        [status.source, status.url, status.state, status.entries, status.sids, status.lastError],
        ['url', server.shown, 'ready', 1, 1, null],
      )
      assert.ok(typeof status.lastSync === 'number' && Math.abs(status.lastSync - Date.now() / 1000) < 60)
      assert.ok(status.age >= 0 && status.age < 1)
      assert.deepEqual(engine.revocationSet(), revoked('s-gone'))

      server.serve(revoked('s-gone', 's-live'))
      const started = Date.now()
      while (await engine.verify(live, at).then(() => true, () => false)) {
        assert.ok(Date.now() - started < 1500, 'still accepted after max_age')
        await sleep(20)
      }
      await assert.rejects(engine.check(live, request, at), { reason: 'revoked' })
      assert.equal(engine.revocationStatus().sids, 2)
    }))

  test('revocation.url: a 500, garbage, an invalid entry, a huge body, a redirect or a hang: the last set serves for stale_for, then REVOCATION_UNAVAILABLE, then recovery', () =>
    Promise.all(
      ['error', 'garbage', 'invalid', 'huge', 'redirect', 'hang'].map((mode) =>
        withServer(revoked('s-gone'), async (server) => {
          // Fresh 1 s, served 4 s more; a fetch may take 1 s, and the next comes 1 s after it
          // (a hanging endpoint holds each verification that fetches for 1 s).
          const policy = urlPolicy(k1, server.url, { stale_for: 4, refresh: { max_age: 1, cooldown: 1, timeout: 1 } })
          const engine = new Engine(policy, quiet)
          const fetched = Date.now()
          assert.equal((await engine.verify(live, at)).id, 'user_1')
          server.mode = mode
          await sleep(1100)
          assert.equal((await engine.verify(live, at)).id, 'user_1', mode)
          await assert.rejects(engine.verify(gone, at), { reason: 'revoked' }, mode)
          const stale = engine.revocationStatus()
          assert.ok(Date.now() - fetched < 4900, `${mode}: too slow to see the stale state`)
          assert.equal(stale.state, 'stale', mode)
          const expected = {
            error: /^HTTP 500$/,
            garbage: /^the response is not JSON$/,
            invalid: /^the response is not a revocation set: subjects: must be a non-negative whole number/,
            huge: /^the response is larger than 1048576 bytes$/,
            redirect: /^HTTP 302 \(redirects are not followed\)$|^a redirect/,
            hang: /^timed out after 1 s$/,
          }[mode]
          assert.match(stale.lastError, expected, mode)
          assert.ok(!/secret|s3cret/.test(stale.lastError), stale.lastError)

          await sleep(Math.max(0, 5300 - (Date.now() - fetched)))
          await assert.rejects(engine.verify(live, at), (e) => {
            assert.ok(e instanceof AuthError)
            assert.deepEqual([e.code, e.status, e.reason], ['REVOCATION_UNAVAILABLE', 503, 'revocation_unavailable'])
            assert.equal(e.headers['Retry-After'], '5')
            return true
          })
          assert.equal(engine.revocationStatus().state, 'unavailable')
          assert.equal(engine.revocationSet(), null)

          server.mode = 'ok'
          const back = Date.now()
          while (await engine.verify(live, at).then(() => false, () => true)) {
            assert.ok(Date.now() - back < 3000, `${mode}: no recovery`)
            await sleep(50)
          }
          await assert.rejects(engine.verify(gone, at), { reason: 'revoked' })
          assert.deepEqual([engine.revocationStatus().state, engine.revocationStatus().lastError], ['ready', null])
        }),
      ),
    ))

  test('revocation.url: the first fetch failing is REVOCATION_UNAVAILABLE (503); a broken token fetches nothing', () =>
    withServer(revoked(), async (server) => {
      const engine = new Engine(urlPolicy(k1, server.url), quiet)
      await assert.rejects(engine.verify('not-a-token', at), { reason: 'malformed' })
      await assert.rejects(engine.verify(k1.sign(claims({ exp: NOW - 10_000 })), at), { reason: 'expired' })
      assert.equal(server.requests, 0)
      server.mode = 'down'
      await assert.rejects(engine.verify(live, at), (e) => {
        assert.deepEqual(e.toJSON(), {
          detail: e.detail,
          code: 'REVOCATION_UNAVAILABLE',
          status: 503,
          reason: 'revocation_unavailable',
        })
        assert.ok(!e.detail.includes('s3cret'), e.detail)
        return true
      })
      await assert.rejects(engine.check(live, request, at), { code: 'REVOCATION_UNAVAILABLE' })
      const status = engine.revocationStatus()
      assert.deepEqual([status.state, status.lastError], ['unavailable', 'connection refused'])
    }))

  test('revocation.url: 200 concurrent verifications share one fetch', () =>
    withServer(revoked('s-gone'), async (server) => {
      const engine = new Engine(urlPolicy(k1, server.url), quiet)
      const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => engine.verify(i % 2 ? live : gone, at)))
      for (const [i, r] of results.entries()) {
        if (i % 2) assert.equal(r.value?.id, 'user_1', JSON.stringify(r.reason?.toJSON?.()))
        else assert.equal(r.reason?.reason, 'revoked')
      }
      assert.equal(server.requests, 1)
    }))

  test('revocation.url with keys.jwks_url: both are fetched, then the token is checked against both', () =>
    withServer(revoked('s-gone'), async (server) => {
      const keys = await jwksServer([k1])
      try {
        const policy = { ...urlPolicy(k1, server.url), keys: { jwks_url: keys.url } }
        const engine = new Engine(policy, quiet)
        assert.equal((await engine.verify(live, at)).id, 'user_1')
        await assert.rejects(engine.verify(gone, at), { reason: 'revoked' })
        assert.deepEqual([keys.requests, server.requests], [1, 1])
        assert.deepEqual([engine.keyStatus().state, engine.revocationStatus().state], ['fresh', 'ready'])
      } finally {
        keys.close()
      }
    }))

  test('revocation.url: the synchronous calls throw ERR_REMOTE_KEYS (use the Promise form); revoke is REVOKE_UNSUPPORTED', () =>
    withServer(revoked('s-gone'), async (server) => {
      const engine = new Engine(urlPolicy(k1, server.url), quiet)
      for (const [call, promise] of [
        [() => engine.verifySync(live, at), 'verify'],
        [() => engine.verifyAuthorizationSync(`Bearer ${live}`, at), 'verifyAuthorization'],
        [() => engine.checkSync(live, request, at), 'check'],
      ]) {
        assert.throws(call, (e) => {
          assert.ok(e instanceof Error && !(e instanceof AuthError))
          assert.equal(e.code, 'ERR_REMOTE_KEYS')
          assert.ok(e.message.includes('revocation.url') && e.message.includes(`engine.${promise}(`), e.message)
          return true
        })
      }
      // Even once the set is held: the next verification may find it due.
      await engine.verify(live, at)
      assert.throws(() => engine.verifySync(live, at), { code: 'ERR_REMOTE_KEYS' })
      await assert.rejects(engine.revoke({ sid: 's1', ttl: 60 }), (e) => {
        assert.ok(e instanceof RevokeError)
        assert.equal(e.code, 'REVOKE_UNSUPPORTED')
        return true
      })
      assert.equal(server.requests, 1)
    }))

  test('revocation.url: messages and status never show the query or an entry', () =>
    withServer(revoked(), async (server) => {
      server.mode = 'invalid'
      const engine = new Engine(urlPolicy(k1, server.url), quiet)
      const error = await engine.verify(live, at).catch((e) => e)
      assert.equal(error.code, 'REVOCATION_UNAVAILABLE')
      const said = [error.message, JSON.stringify(error), JSON.stringify(engine.revocationStatus())].join(' ')
      for (const secret of ['s3cret', 'secret-entry', 'u-secret']) assert.ok(!said.includes(secret), said)
      assert.match(engine.revocationStatus().lastError, /^the response is not a revocation set: /)
    }))

  test('revocation.url configuration errors name the field', () => {
    for (const [revocation, path] of [
      [{ url: 'http://app.example.com/revoked' }, 'revocation.url'],
      [{ url: 'https://app.example.com/revoked', refresh: { timeout: 0 } }, 'revocation.refresh.timeout'],
      [{ url: 'https://app.example.com/revoked', stale_for: -1 }, 'revocation.stale_for'],
    ]) {
      assert.throws(() => new Engine({ ...policyFor(k1), revocation }), { name: 'ConfigError', path })
    }
    const engine = new Engine({ ...policyFor(k1), revocation: { url: 'https://app.example.com/revoked?key=s3cret' } })
    assert.equal(engine.revocationStatus().url, 'https://app.example.com/revoked')
  })
}
