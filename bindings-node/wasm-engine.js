'use strict'
// The WebAssembly engine with the addon's surface: its per-request calls return JSON text
// (see bindings-wasm/src/lib.rs for why), parsed here, so api.js drives both the same way.

/** Wraps wasm-bindgen's `NativeEngine` class. */
function wasmEngine(Wasm) {
  class NativeEngine {
    #engine

    constructor(engine) {
      this.#engine = engine
    }

    static load(policy) {
      const outcome = Wasm.load(policy)
      return outcome instanceof Wasm ? new NativeEngine(outcome) : outcome
    }

    verify(token, now) {
      return JSON.parse(this.#engine.verify(token, now))
    }

    verifyAuthorization(header, now) {
      return JSON.parse(this.#engine.verifyAuthorization(header, now))
    }

    authorize(principal, action, resource, context) {
      return JSON.parse(this.#engine.authorize(principal, action, resource, context))
    }

    check(credential, action, resource, context, now) {
      return JSON.parse(this.#engine.check(credential, action, resource, context, now))
    }

    warnings() {
      return JSON.parse(this.#engine.warnings())
    }
  }
  return NativeEngine
}

module.exports = { wasmEngine }
