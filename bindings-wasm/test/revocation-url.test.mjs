// revocation.url on the WebAssembly build: the shared suite on wasm-node.mjs, and the Edge
// entry (edge.mjs, what Next.js middleware and workerd load) in a child process whose module
// hooks stand in for the bundler: `./wasm/wardgate_bg.wasm?module` is the compiled module.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

import { revocationServer, revocationUrlTests } from '../../bindings-node/test/revocation-url-suite.mjs'
import { Signer, NOW, claims, policyFor } from '../../bindings-node/test/support.mjs'
import * as api from '../../bindings-node/wasm-node.mjs'

revocationUrlTests(api)

// What a bundler does with `import wasm from './x.wasm?module'`: a WebAssembly.Module.
const hooks = `
import { fileURLToPath } from 'node:url'
export async function resolve(specifier, context, nextResolve) {
  if (specifier.endsWith('.wasm?module')) return { url: new URL(specifier, context.parentURL).href, shortCircuit: true }
  return nextResolve(specifier, context)
}
export async function load(url, context, nextLoad) {
  if (!url.endsWith('.wasm?module')) return nextLoad(url, context)
  const file = fileURLToPath(url.slice(0, -'?module'.length))
  const source = 'import { readFileSync } from "node:fs"; export default new WebAssembly.Module(readFileSync(' + JSON.stringify(file) + '))'
  return { format: 'module', source, shortCircuit: true }
}
`

const script = `
const { Engine } = await import(process.env.EDGE)
const { policy, live, gone, now } = JSON.parse(process.env.CASE)
const engine = new Engine(policy, { logger: { info() {}, warn() {}, error() {} } })
const reason = (p) => p.then(() => 'accepted', (e) => e.reason ?? e.code)
const out = {}
out.starting = engine.revocationStatus().state
out.live = (await engine.verify(live, { now })).id
out.gone = await reason(engine.verify(gone, { now }))
out.check = (await engine.check('Bearer ' + live, { action: 'read', resource: { type: 'todo', owner_id: 'user_1' } }, { now })).allowed
out.goneCheck = await reason(engine.check(gone, { action: 'read', resource: { type: 'todo' } }, { now }))
try {
  engine.verifySync(live, { now })
  out.sync = 'no error'
} catch (e) {
  out.sync = e.code
}
const { source, url, state, sids } = engine.revocationStatus()
out.status = { source, url, state, sids }
console.log(JSON.stringify(out))
`

test('the Edge build (edge.mjs): await engine.verify and check fetch the revoked set with the host fetch', async () => {
  const server = await revocationServer({ sid: ['s-gone'], jti: [], subjects: {} })
  try {
    const k1 = new Signer('k1')
    const policy = { ...policyFor(k1), revocation: { url: server.url } }
    const testCase = { policy, live: k1.sign(claims({ sid: 's-live' })), gone: k1.sign(claims({ sid: 's-gone' })), now: NOW }
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)})`
    const edge = new URL('../../bindings-node/edge.mjs', import.meta.url).href
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script],
      { env: { ...process.env, EDGE: edge, CASE: JSON.stringify(testCase) } },
    )
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').at(-1)), {
      starting: 'starting',
      live: 'user_1',
      gone: 'revoked',
      check: true,
      goneCheck: 'revoked',
      sync: 'ERR_REMOTE_KEYS',
      status: { source: 'url', url: server.shown, state: 'ready', sids: 1 },
    })
    assert.equal(server.requests, 1)
  } finally {
    server.close()
  }
})
