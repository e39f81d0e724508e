// The return-address rule (`wardgate/next/return-to`, next-return-to.mjs) without a server.
// examples/nextjs-edge and examples/todo-stack check over HTTP that their sign-in pages use it.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DEFAULT_RETURN_TO, MAX_RETURN_TO_LENGTH, requestOrigin, safeReturnTo } from '../next-return-to.mjs'

const ORIGIN = 'http://127.0.0.1:3000'
const HOME = '/dashboard'

/** Values that must not leave the site: each falls back. */
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
  '/%2e//evil.example/phish',
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

describe('safeReturnTo', () => {
  test('the fallback is / unless one is given', () => {
    assert.equal(DEFAULT_RETURN_TO, '/')
    assert.equal(safeReturnTo('//evil.example', ORIGIN), '/')
    assert.equal(safeReturnTo(undefined, ORIGIN), '/')
    assert.equal(safeReturnTo('//evil.example', ORIGIN, HOME), HOME)
  })

  test('refuses every address that is not a path on this origin', () => {
    for (const value of REFUSED) assert.equal(safeReturnTo(value, ORIGIN, HOME), HOME, JSON.stringify(value))
  })

  test('refuses what is not one string', () => {
    for (const value of [undefined, null, ['/todos'], ['/todos', '//evil.example'], 42, { toString: () => '/todos' }]) {
      assert.equal(safeReturnTo(value, ORIGIN, HOME), HOME, String(value))
    }
  })

  test('refuses addresses longer than MAX_RETURN_TO_LENGTH', () => {
    assert.equal(MAX_RETURN_TO_LENGTH, 2048)
    const longest = `/${'a'.repeat(MAX_RETURN_TO_LENGTH - 1)}`
    assert.equal(safeReturnTo(longest, ORIGIN, HOME), longest)
    assert.equal(safeReturnTo(`${longest}a`, ORIGIN, HOME), HOME)
  })

  test('keeps a same-origin address as its path, query and fragment', () => {
    for (const [value, path] of KEPT) assert.equal(safeReturnTo(value, ORIGIN, HOME), path, JSON.stringify(value))
  })

  test('whatever the origin, the answer is a path that stays on it', () => {
    for (const origin of [ORIGIN, 'https://app.example.com', 'http://invalid', 'not a url', 'javascript:x', 'data:,x']) {
      for (const value of [...REFUSED, ...KEPT.map(([v]) => v)]) {
        for (const path of [safeReturnTo(value, origin), safeReturnTo(value, origin, HOME)]) {
          assert.match(path, /^\/(?![/\\])/, `${JSON.stringify(value)} against ${origin}`)
          const base = 'https://app.example.com'
          assert.equal(new URL(path, base).origin, base, `${JSON.stringify(value)} against ${origin}`)
        }
      }
    }
  })

  test('an origin with a path or credentials counts as its origin alone', () => {
    assert.equal(safeReturnTo(`${ORIGIN}/todos`, `${ORIGIN}/sign-in?x=1`, HOME), '/todos')
    assert.equal(safeReturnTo('http://evil.example/x', 'http://u:p@evil.example', HOME), '/x')
  })
})

test("requestOrigin: the request's Host and X-Forwarded-Proto, or an origin nothing matches", () => {
  const origin = (headers) => requestOrigin(new Headers(headers))
  assert.equal(origin({ host: '127.0.0.1:3000' }), 'http://127.0.0.1:3000')
  assert.equal(origin({ host: 'app.example.com', 'x-forwarded-proto': 'https' }), 'https://app.example.com')
  assert.equal(origin({ host: 'app.example.com', 'x-forwarded-proto': 'https, http' }), 'https://app.example.com')
  assert.equal(origin({ host: 'app.example.com', 'x-forwarded-proto': 'javascript' }), 'http://app.example.com')
  assert.equal(origin({ host: 'app.example.com:443', 'x-forwarded-proto': 'https' }), 'https://app.example.com')
  for (const host of [undefined, '', 'evil.example/x', 'a@evil.example', 'evil.example\\x', 'x:99999', 'a b', 'x?y', 'x#y']) {
    assert.equal(origin(host === undefined ? {} : { host }), 'http://invalid', String(host))
  }
  // A plain object with get(), as the declarations allow.
  assert.equal(requestOrigin({ get: (name) => (name === 'host' ? 'example.com' : null) }), 'http://example.com')
})

test('the rule and requestOrigin together: a forged Host still gives a path on the site the browser is on', () => {
  const headers = new Headers({ host: 'evil.example' })
  const path = safeReturnTo('http://evil.example/phish', requestOrigin(headers), HOME)
  assert.equal(path, '/phish')
  assert.equal(new URL(path, ORIGIN).origin, ORIGIN)
})
