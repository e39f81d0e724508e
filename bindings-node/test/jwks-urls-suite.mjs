// keys.jwks_url against WHATWG's URL (Node's `URL`, the parser behind the `fetch` that the
// WebAssembly build's api.js uses): every URL of the corpus tests/urls/jwks_urls.json goes
// through the public API of one build, on the native addon (jwks-urls.test.mjs) and on the
// WebAssembly build (bindings-wasm/test/jwks-urls.test.mjs). The core refuses a URL, or
// keeps one canonical form of it that WHATWG reads exactly as it reads the URL as written;
// and a real server on 127.0.0.1 receives the request target the core read.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

import { Signer, claims, jwksServer, NOW } from './support.mjs'

const corpus = JSON.parse(readFileSync(new URL('../../tests/urls/jwks_urls.json', import.meta.url), 'utf8'))

const policy = (url) => ({ token: { algorithms: ['EdDSA'] }, keys: { jwks_url: url } })
const quiet = { logger: { info() {}, warn() {}, error() {} } }

/** What a fetch uses of a URL, as WHATWG reads it. */
const PARTS = ['href', 'protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash']
const partsOf = (url) => {
  const parsed = new URL(url)
  return Object.fromEntries(PARTS.map((name) => [name, parsed[name]]))
}

const withoutQuery = (url) => url.split('?')[0]

/** What is wrong with the build's answer for one corpus entry, if anything. */
function judge({ Engine, ConfigError }, { url, canonical, refused }) {
  let engine
  try {
    engine = new Engine(policy(url))
  } catch (e) {
    if (!(e instanceof ConfigError)) return `${e?.name} instead of a ConfigError: ${e?.message}`
    if (canonical !== undefined) return `refused (${e.message}), expected ${canonical}`
    if (e.path !== 'keys.jwks_url') return `refused at ${e.path}, not keys.jwks_url`
    const query = url.split('?')[1] ?? ''
    if (e.message.includes(url) || (query.length > 2 && e.message.includes(query))) {
      return `the message repeats the URL: ${e.message}`
    }
    return null
  }
  if (canonical === undefined) return `accepted, expected to be refused (${refused})`
  const shown = engine.keyStatus().url
  if (shown !== withoutQuery(canonical)) return `key status shows ${shown}, expected ${withoutQuery(canonical)}`
  let written
  try {
    written = partsOf(url)
  } catch {
    return 'accepted, but WHATWG cannot parse it'
  }
  const kept = partsOf(canonical)
  for (const name of PARTS) {
    if (written[name] !== kept[name]) {
      return `WHATWG reads ${name} ${written[name]} as written, ${kept[name]} in the canonical form`
    }
  }
  if (kept.href !== canonical) return `the canonical form is not a fixed point: WHATWG writes it ${kept.href}`
  return null
}

/** Defines the tests for `api` (the package's exports over one build). */
export function jwksUrlTests(api) {
  test('every corpus URL is refused, or kept in a form WHATWG reads exactly as the URL written', () => {
    assert.ok(corpus.urls.length >= 100, `the corpus has ${corpus.urls.length} URLs`)
    const failures = []
    for (const entry of corpus.urls) {
      const problem = judge(api, entry)
      if (problem) failures.push(`${JSON.stringify(entry.url)}: ${problem}`)
    }
    assert.deepEqual(failures, [], `${failures.length} of ${corpus.urls.length}:\n${failures.join('\n')}`)
  })

  test('the finding of issue 16: a backslash that WHATWG reads as a slash is refused', () => {
    const url = 'http://evil.example\\.localhost/jwks'
    assert.equal(new URL(url).hostname, 'evil.example', 'WHATWG reads another host')
    assert.throws(() => new api.Engine(policy(url)), (e) => {
      assert.ok(e instanceof api.ConfigError)
      assert.equal(e.path, 'keys.jwks_url')
      assert.match(e.message, /backslash/)
      assert.ok(!e.message.includes('evil'), e.message)
      return true
    })
  })

  test('a server on 127.0.0.1 receives the request target the core read, through this build', async () => {
    const signer = new Signer('k1')
    const token = signer.sign(claims())
    for (const { url: template, target } of corpus.fetched) {
      const server = await jwksServer([signer])
      try {
        const { port } = new URL(server.url)
        const url = template.replaceAll('{port}', port)
        const engine = new api.Engine(policy(url), quiet)
        assert.equal(engine.keyStatus().url, withoutQuery(`http://127.0.0.1:${port}${target}`), url)
        assert.equal((await engine.verify(token, { now: NOW })).id, 'user_1', url)
        assert.deepEqual(server.targets, [target], url)
        const parsed = new URL(url)
        assert.equal(parsed.href.slice(parsed.origin.length), target, `WHATWG reads ${url} with another target`)
      } finally {
        server.close()
      }
    }
  })
}
