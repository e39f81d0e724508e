'use strict'
// The WebAssembly engine with the addon's surface, so api.js drives both the same way: the
// per-request calls hand their outcome over as JSON text, as the addon's do, which api.js
// parses; the others' JSON text (see bindings-wasm/src/lib.rs for why) is parsed here.

/** Wraps wasm-bindgen's `NativeEngine` class. */
function wasmEngine(Wasm) {
  class NativeEngine {
    #engine

    constructor(engine) {
      this.#engine = engine
    }

    // A policy that does not load is thrown as the JSON text of its configuration error.
    static load(policy) {
      let engine
      try {
        engine = Wasm.load(policy)
      } catch (e) {
        if (typeof e === 'string') return JSON.parse(e)
        throw e
      }
      return new NativeEngine(engine)
    }

    verify(token, now) {
      return this.#engine.verify(token, now)
    }

    verifyIfReady(token, now) {
      return this.#engine.verifyIfReady(token, now) ?? null
    }

    verifyAuthorization(header, now) {
      return this.#engine.verifyAuthorization(header, now)
    }

    authorize(principal, action, resource, context) {
      return this.#engine.authorize(principal, action, resource, context)
    }

    check(credential, action, resource, context, now) {
      return this.#engine.check(credential, action, resource, context, now)
    }

    checkIfReady(credential, action, resource, context, now) {
      return this.#engine.checkIfReady(credential, action, resource, context, now) ?? null
    }

    filter(principal, action, resourceType, context) {
      return this.#engine.filter(principal, action, resourceType, context)
    }

    static filterRead(filter) {
      return Wasm.filterRead(filter)
    }

    static filterMatches(filter, resource) {
      return Wasm.filterMatches(filter, resource)
    }

    static filterSql(filter, dialect, columns) {
      return Wasm.filterSql(filter, dialect, columns)
    }

    static filterAttributes(filter) {
      return Wasm.filterAttributes(filter)
    }

    static filterClause(filter, dialect, columns) {
      return Wasm.filterClause(filter, dialect, columns)
    }

    warnings() {
      return JSON.parse(this.#engine.warnings())
    }

    isRemote() {
      return this.#engine.isRemote()
    }

    bearerToken(header) {
      return JSON.parse(this.#engine.bearerToken(header))
    }

    credentialToken(credential) {
      return JSON.parse(this.#engine.credentialToken(credential))
    }

    // The remote key set's cache and the revocation.url source, driven by api.js:
    // `{ need: 'ready' | 'wait' }` or `{ need: 'fetch', ticket }`; the answer goes back with
    // the ticket's id and whether the ticket came from revocationNeed.
    keyNeed(token) {
      return JSON.parse(this.#engine.keyNeed(token))
    }

    revocationNeed() {
      return JSON.parse(this.#engine.revocationNeed())
    }

    keyResponse(ticket, status, cacheControl, contentEncoding, body, revocation = false) {
      const coding = contentEncoding ?? undefined
      this.#engine.keyResponse(ticket.id, status, cacheControl ?? undefined, coding, body, revocation)
    }

    keyFailed(ticket, failure, revocation = false) {
      this.#engine.keyFailed(ticket.id, JSON.stringify(failure), revocation)
    }

    keyStatus() {
      return JSON.parse(this.#engine.keyStatus())
    }

    cacheStatus() {
      return JSON.parse(this.#engine.cacheStatus())
    }

    revocationStatus() {
      return JSON.parse(this.#engine.revocationStatus())
    }

    revocationSet() {
      return JSON.parse(this.#engine.revocationSet())
    }

    async revoke(entry) {
      return this.#engine.revoke(entry)
    }

    keyEvents() {
      return JSON.parse(this.#engine.keyEvents())
    }
  }
  return NativeEngine
}

module.exports = { wasmEngine }
