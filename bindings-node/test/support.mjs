// Shared test helpers: real Ed25519 keys and tokens signed in the test.
import { generateKeyPairSync, sign, createHmac } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { createServer } from 'node:http'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import assert from 'node:assert/strict'

export const ISSUER = 'https://app.example.com'
export const AUDIENCE = 'https://api.example.com'
export const NOW = 1_764_000_000
export const SECRET = 'a-test-secret-that-is-long-enough-for-hs256'

const root = fileURLToPath(new URL('../../', import.meta.url))
const jsonFiles = (dir) => readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => join(dir, f))

/** The project's vector files (`tests/conformance/*.json`), as paths. */
export function projectVectorFiles() {
  const files = jsonFiles(join(root, 'tests', 'conformance'))
  assert.ok(files.length >= 10, "the project's vector files are missing")
  return files
}

/**
 * The shared vector files beside the repository (`../shared/conformance/vectors/*.json`), as
 * paths; without them, the test `t` fails under `CI=true` and is skipped elsewhere (null).
 */
export function sharedVectorFiles(t) {
  const dir = join(root, '..', 'shared', 'conformance', 'vectors')
  if (existsSync(dir)) return jsonFiles(dir)
  assert.notEqual(process.env.CI, 'true', `${dir} is missing (required under CI)`)
  t.skip(`${dir} is missing`)
  return null
}

/** The project's filter vector files (`tests/conformance/filters/*.json`), as paths. */
export function projectFilterVectorFiles() {
  const files = jsonFiles(join(root, 'tests', 'conformance', 'filters'))
  assert.ok(files.length >= 1, "the project's filter vector files are missing")
  return files
}

/**
 * The shared filter vector files (`../shared/conformance/filters/*.json`), as paths; without
 * them, the test `t` fails under `CI=true` and is skipped elsewhere (null).
 */
export function sharedFilterVectorFiles(t) {
  const dir = join(root, '..', 'shared', 'conformance', 'filters')
  if (existsSync(dir)) return jsonFiles(dir)
  assert.notEqual(process.env.CI, 'true', `${dir} is missing (required under CI)`)
  t.skip(`${dir} is missing`)
  return null
}

/**
 * The PostgreSQL server of the tests that need one (`WARDGATE_TEST_POSTGRES_URL`, which
 * scripts/with-postgres exports); without it, the test `t` fails under `CI=true` and is
 * skipped elsewhere, saying so (null).
 */
export function postgresUrl(t) {
  const url = process.env.WARDGATE_TEST_POSTGRES_URL
  if (url) return url
  const why = 'WARDGATE_TEST_POSTGRES_URL is unset: run the tests under scripts/with-postgres for PostgreSQL'
  assert.notEqual(process.env.CI, 'true', `${why} (required under CI)`)
  t.skip(why)
  return null
}

const b64url = (data) => Buffer.from(data).toString('base64url')
const encode = (part) => b64url(JSON.stringify(part))

export class Signer {
  constructor(kid = 'k1') {
    this.kid = kid
    const { publicKey, privateKey } = generateKeyPairSync('ed25519')
    this.privateKey = privateKey
    this.jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' }
  }

  /** A token for `payload`: an object, or JSON text (for numbers JavaScript cannot hold). */
  sign(payload, header = {}) {
    const body = typeof payload === 'string' ? b64url(payload) : encode(payload)
    const input = `${encode({ alg: 'EdDSA', typ: 'JWT', kid: this.kid, ...header })}.${body}`
    return `${input}.${b64url(sign(null, Buffer.from(input), this.privateKey))}`
  }
}

export function signHs256(payload, secret = SECRET) {
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

/** A Better Auth-like payload valid at `now` for an hour. */
export function claims(extra = {}, now = NOW) {
  return { sub: 'user_1', iss: ISSUER, aud: AUDIENCE, iat: now - 60, exp: now + 3600, role: 'user', ...extra }
}

export const RULES = [
  { id: 'own', effect: 'permit', resource: 'todo', actions: ['read', 'update', 'delete'], when: 'resource.owner_id == principal.id' },
  { id: 'create', effect: 'permit', resource: 'todo', actions: ['create'] },
  { id: 'banned', effect: 'forbid', resource: '*', actions: '*', when: 'principal.claims has banned && principal.claims.banned == true' },
]

export function policyFor(signer) {
  return {
    token: { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] },
    keys: { jwks: { keys: [signer.jwk] } },
    rules: RULES,
  }
}

/**
 * A JWKS endpoint on 127.0.0.1 for remote key set tests. It serves the public keys of
 * `signers` at `url` and counts `requests`; `mode` makes it misbehave: 'hang' (never
 * answers), 'stall' (sends the headers and the start of the body, then nothing), 'garbage' (200, not JSON), 'error' (500), 'private' (a set with `d`), 'huge' (a
 * body over 1 MB), 'redirect' (302), 'reset' (closes the connection unanswered), or
 * `{ status, body }` (exactly that answer, as JSON with a `location` header). `down()`
 * closes the listener (connections are refused). `cacheControl` sets the `Cache-Control`
 * header of its key sets; `serve(signers)` replaces the keys it serves. `targets` lists the
 * request target of each request, as its request line gave it (`/jwks?k=v`), and
 * `acceptEncodings` its `Accept-Encoding` header. `{ encoding }` serves the key set encoded
 * in that content coding and labelled so (`gzip`, `x-gzip`, `deflate`, `br`, `gzip, gzip`
 * encoded twice, `identity`), with `bad: true` labelled only (a body that does not decode),
 * with `bomb: true` followed by 256 MB of spaces once decoded (gzip members, 256 kB sent).
 */
export async function jwksServer(signers = []) {
  const keys = signers.map((s) => s.jwk)
  const targets = []
  const acceptEncodings = []
  let requests = 0
  let mode = 'ok'
  let cacheControl = null
  const server = createServer((request, response) => {
    requests += 1
    targets.push(request.url)
    acceptEncodings.push(request.headers['accept-encoding'])
    const json = (status, body) => {
      const headers = { 'content-type': 'application/json' }
      if (cacheControl !== null) headers['cache-control'] = cacheControl
      response.writeHead(status, headers)
      response.end(body)
    }
    if (mode === 'hang') return
    if (mode === 'reset') return request.socket.destroy()
    if (typeof mode === 'object' && mode.encoding) {
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': mode.encoding })
      return response.end(encoded(JSON.stringify({ keys }), mode))
    }
    if (typeof mode === 'object') {
      response.writeHead(mode.status, { 'content-type': 'application/json', location: '/elsewhere' })
      return response.end(mode.body)
    }
    if (mode === 'stall') {
      response.writeHead(200, { 'content-type': 'application/json' })
      return response.write('{"keys":[')
    }
    if (mode === 'garbage') return json(200, '<html>this is not a key set</html>')
    if (mode === 'error') return json(500, '{"error":"internal"}')
    if (mode === 'redirect') {
      response.writeHead(302, { location: '/elsewhere' })
      return response.end()
    }
    if (mode === 'private') {
      const leaked = signers.map((s) => ({ ...s.privateKey.export({ format: 'jwk' }), kid: s.kid }))
      return json(200, JSON.stringify({ keys: leaked }))
    }
    if (mode === 'huge') return json(200, JSON.stringify({ keys, padding: 'x'.repeat(2 * 1024 * 1024) }))
    json(200, JSON.stringify({ keys }))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  const down = () => {
    server.close()
    server.closeAllConnections()
  }
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    get requests() {
      return requests
    },
    get targets() {
      return [...targets]
    },
    get acceptEncodings() {
      return [...acceptEncodings]
    },
    set mode(value) {
      mode = value
    },
    set cacheControl(value) {
      cacheControl = value
    },
    /** Adds a key; the ones served before stay. */
    rotate(signer) {
      keys.push(signer.jwk)
    },
    /** Serves exactly the keys of `signers` from now on (a key left out is revoked). */
    serve(signers) {
      keys.splice(0, keys.length, ...signers.map((s) => s.jwk))
    },
    down,
    close: down,
  }
}

/** `text` in the content coding `encoding` (see jwksServer's `{ encoding, bad, bomb }`). */
function encoded(text, { encoding, bad, bomb }) {
  if (bad || encoding === 'identity') return Buffer.from(text)
  if (bomb) {
    const spaces = gzipSync(Buffer.alloc(1 << 20, ' '), { level: 9 })
    return Buffer.concat([gzipSync(text.slice(0, -1)), ...Array(256).fill(spaces), gzipSync('}')])
  }
  const encode = { gzip: gzipSync, 'x-gzip': gzipSync, deflate: deflateSync, br: brotliCompressSync }
  if (encoding === 'gzip, gzip') return gzipSync(gzipSync(text))
  return encode[encoding](text)
}
