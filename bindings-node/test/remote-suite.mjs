// Remote key sets (keys.jwks_url) against a real JWKS endpoint on 127.0.0.1, run on the
// native addon (remote.test.mjs), where the core fetches on the libuv thread pool, and on
// the WebAssembly build (bindings-wasm/test/remote.test.mjs), where api.js fetches for it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'

import { Signer, NOW, claims, jwksServer, ISSUER, AUDIENCE, RULES } from './support.mjs'

const at = { now: NOW }

function remotePolicy(url, refresh) {
  return {
    token: { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] },
    keys: refresh ? { jwks_url: url, refresh } : { jwks_url: url },
    rules: RULES,
  }
}

/** A logger that keeps its lines: `[level, message]`. */
function recorder() {
  const lines = []
  const logger = {}
  for (const level of ['info', 'warn', 'error']) logger[level] = (message) => lines.push([level, message])
  return { lines, logger }
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

function assertNoToken(lines, token) {
  for (const [, message] of lines) {
    for (const part of token.split('.')) assert.ok(!message.includes(part), `a log line holds the token: ${message}`)
  }
}

/** Defines the remote key set tests for `api` (the package's exports over one build). */
export function remoteTests({ Engine, AuthError, ConfigError }) {
  const k1 = new Signer('k1')
  const token = k1.sign(claims())

  test('nothing fetched yet: the first verify fetches once, then the cache serves', () =>
    withServer([k1], async (server) => {
      const { lines, logger } = recorder()
      const engine = new Engine(remotePolicy(server.url), { logger })
      const before = engine.keyStatus()
      assert.deepEqual(
        [before.source, before.url, before.state, before.keys, before.fetches],
        ['jwks_url', server.url, 'empty', 0, 0],
      )

      assert.equal((await engine.verify(token, at)).id, 'user_1')
      assert.equal(server.requests, 1)
      const status = engine.keyStatus()
      assert.deepEqual(
        [status.state, status.kids, status.keys, status.fetches, status.failures, status.lastError, status.fetching],
        ['fresh', ['k1'], 1, 1, 0, null, false],
      )
      assert.ok(status.freshFor > 590 && status.freshFor <= 600, `freshFor ${status.freshFor}`)
      assert.ok(status.servedFor > status.freshFor)
      assert.ok(status.age >= 0 && status.age < 10)

      assert.equal((await engine.verifyAuthorization(`Bearer ${token}`, at)).id, 'user_1')
      const decision = await engine.check(token, { action: 'read', resource: { type: 'todo', owner_id: 'user_1' } }, at)
      assert.ok(decision.allowed)
      const denied = await engine.check(`Bearer ${token}`, { action: 'read', resource: { type: 'todo', owner_id: 'x' } }, at)
      assert.deepEqual([denied.allowed, denied.code], [false, 'INSUFFICIENT_PERMISSIONS'])
      await assert.rejects(engine.verifyAuthorization('Basic dXNlcg==', at), { code: 'TOKEN_MISSING' })
      await assert.rejects(engine.check(token, { action: 'read', resource: { type: 'todo', f: () => 1 } }, at), TypeError)
      assert.equal(server.requests, 1, 'the cached keys serve')

      assert.deepEqual(lines, [['info', `wardgate: 1 key(s) from ${server.url}: kid k1`]])
    }))

  test('a token from a newly rotated key verifies after exactly one refetch', () =>
    withServer([k1], async (server) => {
      const engine = new Engine(remotePolicy(server.url, { cooldown: 1 }), { logger: recorder().logger })
      assert.equal((await engine.verify(token, at)).id, 'user_1')
      const k2 = new Signer('k2')
      server.rotate(k2)
      await sleep(1100) // past the cooldown
      assert.equal((await engine.verify(k2.sign(claims({ sub: 'user_2' })), at)).id, 'user_2')
      assert.equal(server.requests, 2)
      assert.deepEqual(engine.keyStatus().kids.sort(), ['k1', 'k2'])
      assert.equal((await engine.verify(token, at)).id, 'user_1', 'the old key stays')
      assert.equal(server.requests, 2)
    }))

  test("a removed key stops verifying within refresh.max_age, whatever the server's Cache-Control says", () =>
    withServer([k1, new Signer('k2')], async (server) => {
      // The server would have its keys trusted for a day; refresh.max_age says 1 s.
      server.cacheControl = 'public, max-age=86400'
      const engine = new Engine(remotePolicy(server.url, { max_age: 1, cooldown: 0 }), { logger: recorder().logger })
      assert.equal((await engine.verify(token, at)).id, 'user_1')
      const k2 = new Signer('k2')
      server.serve([k2])
      await sleep(1100) // past max_age
      // k1 is a kid the cache knows, so only max_age can bring the refetch.
      await assert.rejects(engine.verify(token, at), { code: 'TOKEN_INVALID', reason: 'unknown_key' })
      assert.equal(server.requests, 2)
      assert.deepEqual(engine.keyStatus().kids, ['k2'])
      assert.equal((await engine.verify(k2.sign(claims({ sub: 'user_2' })), at)).id, 'user_2')
      assert.equal(server.requests, 2)
      assert.ok(engine.keyStatus().freshFor <= 1, 'the server shortens max_age, never lengthens it')
    }))

  test('1000 concurrent verifications of an unknown kid share one fetch', () =>
    withServer([k1], async (server) => {
      const engine = new Engine(remotePolicy(server.url), { logger: recorder().logger })
      const stranger = new Signer('k9').sign(claims())
      const round = () => Promise.allSettled(Array.from({ length: 1000 }, () => engine.verify(stranger, at)))
      for (const results of [await round(), await round()]) {
        assert.equal(results.length, 1000)
        for (const r of results) {
          assert.equal(r.status, 'rejected')
          assert.ok(r.reason instanceof AuthError)
          assert.equal(r.reason.reason, 'unknown_key')
        }
      }
      assert.equal(server.requests, 1, 'one fetch within the cooldown')
      assert.equal((await engine.verify(token, at)).id, 'user_1')
      assert.equal(server.requests, 1)
    }))

  test('with the server down, cached keys keep working and the failure is logged', () =>
    withServer([k1], async (server) => {
      const { lines, logger } = recorder()
      // Keys are stale at once, so every verification tries a refresh.
      const engine = new Engine(remotePolicy(server.url, { max_age: 0, cooldown: 0 }), { logger })
      assert.equal((await engine.verify(token, at)).id, 'user_1')
      server.down()
      assert.equal((await engine.verify(token, at)).id, 'user_1')
      const status = engine.keyStatus()
      assert.deepEqual([status.state, status.kids, status.fetches, status.failures], ['stale', ['k1'], 2, 1])
      assert.equal(status.lastError, 'connection refused')
      const warnings = lines.filter(([level]) => level === 'warn').map(([, message]) => message)
      assert.equal(warnings.length, 1, JSON.stringify(lines))
      assert.ok(warnings[0].startsWith(`wardgate: fetching ${server.url} failed: connection refused; serving the 1 cached key`))
      assertNoToken(lines, token)
    }))

  test('a garbage body, a 500, a private key, a huge body and a redirect do not evict good keys', () =>
    withServer([k1], async (server) => {
      const { lines, logger } = recorder()
      const engine = new Engine(remotePolicy(server.url, { max_age: 0, cooldown: 0 }), { logger })
      assert.equal((await engine.verify(token, at)).id, 'user_1')
      const d = k1.privateKey.export({ format: 'jwk' }).d
      const cases = [
        ['garbage', /not JSON/],
        ['error', /HTTP 500/],
        ['private', /private/],
        ['huge', /larger than/],
        ['redirect', /HTTP 302 \(redirects are not followed\)/],
      ]
      for (const [i, [mode, why]] of cases.entries()) {
        server.mode = mode
        assert.equal((await engine.verify(token, at)).id, 'user_1', mode)
        const status = engine.keyStatus()
        assert.equal(server.requests, i + 2, mode)
        assert.deepEqual(status.kids, ['k1'], mode)
        assert.match(status.lastError, why)
        assert.ok(!status.lastError.includes(d))
      }
      server.mode = 'ok'
      await engine.verify(token, at)
      assert.equal(engine.keyStatus().lastError, null, 'a good fetch clears the error')
      assert.equal(lines.filter(([level]) => level === 'warn').length, cases.length)
      for (const [, message] of lines) assert.ok(!message.includes(d))
    }))

  test('a gzip-encoded key set is taken; other codings, a body that does not decode and a gzip bomb are refused', () =>
    withServer([k1], async (server) => {
      server.mode = { encoding: 'gzip' }
      const engine = new Engine(remotePolicy(server.url, { cooldown: 0 }), { logger: recorder().logger })
      assert.equal((await engine.verify(token, at)).id, 'user_1')
      assert.equal(engine.keyStatus().lastError, null)
      assert.deepEqual(server.acceptEncodings, ['gzip'], 'asks for the codings the core takes')
      const k2 = new Signer('k2')
      server.rotate(k2)
      const rotated = k2.sign(claims({ sub: 'user_2' }))
      const unsupported = (coding) =>
        `Content-Encoding "${coding}" is not supported (a key set must come uncompressed or in gzip)`
      const cases = [
        [{ encoding: 'br' }, unsupported('br')],
        [{ encoding: 'deflate' }, unsupported('deflate')],
        [{ encoding: 'x-gzip' }, unsupported('x-gzip')],
        [{ encoding: 'gzip, gzip' }, unsupported('gzip, gzip')],
        [{ encoding: 'gzip', bad: true }, 'the body could not be decoded (gzip)'],
        [{ encoding: 'gzip', bomb: true }, 'the response is larger than 1048576 bytes'],
      ]
      for (const [mode, why] of cases) {
        server.mode = mode
        const started = Date.now()
        // Each refetches (cooldown 0) for the new kid; the refused set replaces nothing.
        await assert.rejects(engine.verify(rotated, at), { reason: 'unknown_key' })
        const elapsed = Date.now() - started
        assert.ok(elapsed < 2000, `${JSON.stringify(mode)}: took ${elapsed} ms`)
        const status = engine.keyStatus()
        assert.deepEqual([status.kids, status.lastError], [['k1'], why], JSON.stringify(mode))
      }
      // identity, spelled out, is no coding at all.
      server.mode = { encoding: 'identity' }
      assert.equal((await engine.verify(rotated, at)).id, 'user_2')
      assert.equal(server.requests, 2 + cases.length)
    }))

  test('a server that never answers, or stops mid-body: KEYS_UNAVAILABLE within the timeout', () =>
    withServer([k1], async (server) => {
      for (const mode of ['hang', 'stall']) {
        server.mode = mode
        const engine = new Engine(remotePolicy(server.url, { timeout: 1 }), { logger: recorder().logger })
        const started = Date.now()
        await assert.rejects(engine.verify(token, at), (e) => {
          assert.ok(e instanceof AuthError)
          assert.deepEqual([e.code, e.status, e.reason], ['KEYS_UNAVAILABLE', 503, 'keys_unavailable'])
          return true
        })
        const elapsed = Date.now() - started
        assert.ok(elapsed < 2000, `${mode}: took ${elapsed} ms`)
        assert.equal(engine.keyStatus().lastError, 'timed out after 1 s', mode)
      }
    }))

  test('a server down from the start: KEYS_UNAVAILABLE (503); a broken token fetches nothing', async () => {
    const server = await jwksServer([k1])
    server.down()
    const { lines, logger } = recorder()
    const engine = new Engine(remotePolicy(server.url), { logger })
    await assert.rejects(engine.verify(token, at), (e) => {
      assert.deepEqual([e.name, e.code, e.status, e.reason], ['AuthError', 'KEYS_UNAVAILABLE', 503, 'keys_unavailable'])
      assert.deepEqual(e.toJSON(), { detail: e.detail, code: 'KEYS_UNAVAILABLE', status: 503, reason: 'keys_unavailable' })
      return true
    })
    await assert.rejects(engine.check(token, { action: 'read', resource: { type: 'todo' } }, at), { code: 'KEYS_UNAVAILABLE' })
    await assert.rejects(engine.verifyAuthorization(`Bearer ${token}`, at), { code: 'KEYS_UNAVAILABLE' })
    assert.equal(engine.keyStatus().lastError, 'connection refused')
    assert.equal(lines[0][0], 'error')
    assert.match(lines[0][1], /^wardgate: fetching .* failed: connection refused; no keys are cached/)
    assertNoToken(lines, token)

    await withServer([k1], async (live) => {
      const fresh = new Engine(remotePolicy(live.url), { logger })
      await assert.rejects(fresh.verify('not-a-token', at), { code: 'TOKEN_INVALID', reason: 'malformed' })
      await assert.rejects(fresh.verify(`${token}x.y`, at), { reason: 'malformed' })
      await assert.rejects(fresh.verify(k1.sign(claims(), { crit: ['exp'] }), at), { reason: 'invalid_header' })
      await assert.rejects(fresh.verifyAuthorization('Bearer abc.def', at), { reason: 'malformed' })
      await assert.rejects(fresh.check('abc', { action: 'read', resource: { type: 'todo' } }, at), { reason: 'malformed' })
      await assert.rejects(fresh.verify('', at), { code: 'TOKEN_MISSING' })
      assert.equal(live.requests, 0)
      assert.equal(fresh.keyStatus().fetches, 0)
    })
  })

  test('the synchronous calls refuse a remote engine with ERR_REMOTE_KEYS', () => {
    const engine = new Engine(remotePolicy('http://127.0.0.1:1/jwks'), { logger: recorder().logger })
    const request = { action: 'read', resource: { type: 'todo' } }
    for (const [call, promise] of [
      [() => engine.verifySync(token, at), 'verify'],
      [() => engine.verifyAuthorizationSync(`Bearer ${token}`, at), 'verifyAuthorization'],
      [() => engine.checkSync(token, request, at), 'check'],
    ]) {
      assert.throws(call, (e) => {
        assert.ok(e instanceof Error && !(e instanceof AuthError))
        assert.equal(e.code, 'ERR_REMOTE_KEYS')
        assert.ok(e.message.includes('Promise form') && e.message.includes(`engine.${promise}(`), e.message)
        return true
      })
    }
    assert.equal(engine.keyStatus().fetches, 0)
  })

  test('jwks_url and refresh configuration errors name the field', () => {
    assert.throws(() => new Engine(remotePolicy('http://example.com/jwks')), (e) => {
      assert.ok(e instanceof ConfigError)
      assert.equal(e.path, 'keys.jwks_url')
      assert.match(e.message, /https/)
      return true
    })
    const inline = { token: { algorithms: ['EdDSA'] }, keys: { jwks: { keys: [k1.jwk] }, refresh: { max_age: 60 } } }
    assert.throws(() => new Engine(inline), (e) => e instanceof ConfigError && e.path === 'keys.refresh')
    assert.throws(() => new Engine(remotePolicy('https://a.example/jwks', { timeout: 0 })), { path: 'keys.refresh.timeout' })
  })

  test('keyStatus of inline keys, and the logger option', () => {
    const engine = new Engine({ token: { algorithms: ['EdDSA'] }, keys: { jwks: { keys: [k1.jwk] } } })
    assert.deepEqual(engine.keyStatus(), {
      source: 'jwks', url: null, state: 'static', keys: 1, kids: ['k1'], age: null, freshFor: null,
      servedFor: null, fetches: 0, failures: 0, lastError: null, fetching: false,
    })
    assert.equal(engine.verifySync(token, at).id, 'user_1')
    const policy = remotePolicy('https://a.example/jwks')
    assert.throws(() => new Engine(policy, { logger: { info() {} } }), { name: 'TypeError', message: /options\.logger/ })
    assert.throws(() => new Engine(policy, 'console'), { name: 'TypeError', message: /options must be an object/ })
    assert.ok(new Engine(policy, {}) instanceof Engine, 'the console by default')
  })
}
