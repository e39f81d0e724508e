// The return-address rule (lib/return-to.mjs) without a server, on both copies of the file:
// this example's and examples/nextjs-edge's. test/e2e.test.mjs checks over HTTP that the
// sign-in page uses it.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'

const copies = {
  'todo-stack': new URL('../lib/return-to.mjs', import.meta.url),
  'nextjs-edge': new URL('../../nextjs-edge/lib/return-to.mjs', import.meta.url),
}

const ORIGIN = 'http://127.0.0.1:3000'

/** Values that must not leave the site: each falls back to /dashboard. */
const REFUSED = [
  '//evil.example/phish',
  '/\\evil.example/phish',
  '\\/evil.example/phish',
  '\\\\evil.example/phish',
  '///evil.example/phish',
  '/\t/evil.example/phish',
  '/\n/evil.example/phish',
  '\t//evil.example/phish',
  ' //evil.example/phish',
  '/.//evil.example/phish',
  '/..//evil.example/phish',
  `${ORIGIN}//evil.example/phish`,
  'javascript:alert(document.cookie)',
  'JavaScript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'https://evil.example/phish',
  'http://evil.example/phish',
  'https://127.0.0.1:3000/dashboard',
  'http://127.0.0.1:3001/dashboard',
  'http://127.0.0.1:3000.evil.example/phish',
  'http://127.0.0.1:3000@evil.example/phish',
  'http://evil.example\\@127.0.0.1:3000/',
  'mailto:a@evil.example',
  '',
  '/' + 'a'.repeat(4096),
]

/** Same-origin values and the path that is kept. */
const KEPT = [
  ['/todos?x=1', '/todos?x=1'],
  ['/dashboard?tab=1#top', '/dashboard?tab=1#top'],
  ['/', '/'],
  [`${ORIGIN}/todos?x=1`, '/todos?x=1'],
  ['HTTP://127.0.0.1:3000/todos', '/todos'],
  ['/%5Cevil.example/phish', '/%5Cevil.example/phish'],
  ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
  ['/a/../todos', '/todos'],
  ['todos', '/todos'],
]

for (const [name, file] of Object.entries(copies)) {
  describe(`safeReturnTo (${name})`, async () => {
    const { safeReturnTo, requestOrigin, DEFAULT_RETURN_TO } = await import(file)

    test('the fallback is /dashboard', () => assert.equal(DEFAULT_RETURN_TO, '/dashboard'))

    test('refuses every address that is not a path on this origin', () => {
      for (const value of REFUSED) assert.equal(safeReturnTo(value, ORIGIN), '/dashboard', JSON.stringify(value))
    })

    test('refuses what is not one string', () => {
      for (const value of [undefined, null, ['/todos'], ['/todos', '//evil.example'], 42, { toString: () => '/todos' }]) {
        assert.equal(safeReturnTo(value, ORIGIN), '/dashboard', String(value))
      }
    })

    test('keeps a same-origin address as its path, query and fragment', () => {
      for (const [value, path] of KEPT) assert.equal(safeReturnTo(value, ORIGIN), path, JSON.stringify(value))
    })

    test('uses the fallback it is given', () => {
      assert.equal(safeReturnTo('//evil.example', ORIGIN, '/'), '/')
    })

    test('whatever the origin, the answer is a path that stays on it', () => {
      for (const origin of [ORIGIN, 'https://app.example.com', 'http://invalid', 'not a url', 'javascript:x']) {
        for (const value of [...REFUSED, ...KEPT.map(([v]) => v)]) {
          const path = safeReturnTo(value, origin)
          assert.match(path, /^\/(?![/\\])/, `${JSON.stringify(value)} against ${origin}`)
          const base = 'https://app.example.com'
          assert.equal(new URL(path, base).origin, base, `${JSON.stringify(value)} against ${origin}`)
        }
      }
    })

    test("requestOrigin: the request's Host and X-Forwarded-Proto, or an origin nothing matches", () => {
      const origin = (headers) => requestOrigin(new Headers(headers))
      assert.equal(origin({ host: '127.0.0.1:3000' }), 'http://127.0.0.1:3000')
      assert.equal(origin({ host: 'app.example.com', 'x-forwarded-proto': 'https' }), 'https://app.example.com')
      assert.equal(origin({ host: 'app.example.com', 'x-forwarded-proto': 'https, http' }), 'https://app.example.com')
      assert.equal(origin({ host: 'app.example.com', 'x-forwarded-proto': 'javascript' }), 'http://app.example.com')
      for (const host of [undefined, '', 'evil.example/x', 'a@evil.example', 'evil.example\\x', 'x:99999']) {
        assert.equal(origin(host === undefined ? {} : { host }), 'http://invalid', String(host))
      }
    })
  })
}

test('the two examples carry the same rule and types', () => {
  for (const file of ['return-to.mjs', 'return-to.d.mts']) {
    const [a, b] = Object.values(copies).map((copy) => readFileSync(new URL(file, copy), 'utf8'))
    assert.equal(a, b, file)
  }
})
