'use strict'
// The public API of the `portcullis` package, shared by the native addon (index.js) and
// the WebAssembly build (edge.mjs, wasm-node.mjs): JS habits over either engine. This file
// only converts arguments and turns the engine's error objects into the package's Error
// classes; every rule lives in the Rust core.

/** A refused credential or a denied request. */
class AuthError extends Error {
  constructor(detail, code, status, reason) {
    super(detail)
    this.name = 'AuthError'
    this.detail = detail
    this.code = code
    this.status = status
    this.reason = reason
  }

  toJSON() {
    return { detail: this.detail, code: this.code, status: this.status, reason: this.reason }
  }
}

/** A policy document that cannot be loaded. */
class ConfigError extends Error {
  constructor(detail, path, problem) {
    super(detail)
    this.name = 'ConfigError'
    this.code = 'CONFIG_ERROR'
    this.path = path
    this.problem = problem
  }
}

const FROM_NATIVE = Symbol('portcullis.native')

/**
 * The package's exports over `NativeEngine`: the napi-rs class or the wasm-bindgen one,
 * which have the same methods (`load`, `verify`, `verifyAuthorization`, `authorize`,
 * `check`, `warnings`; `loadFile` only where there is a file system, and then
 * `fileURLToPath` too).
 */
function createApi(NativeEngine, { fileURLToPath } = {}) {
  function loaded(outcome) {
    if (outcome instanceof NativeEngine) return outcome
    throw new ConfigError(outcome.detail, outcome.path, outcome.message)
  }

  class Engine {
    #native

    constructor(policy, native) {
      if (policy === FROM_NATIVE) {
        this.#native = native
        return
      }
      if (typeof policy !== 'string' && !isObject(policy)) {
        throw new TypeError(`policy must be an object or a JSON string, not ${describe(policy)}`)
      }
      this.#native = loaded(call(() => NativeEngine.load(policy), 'policy'))
    }

    static fromFile(path) {
      if (typeof NativeEngine.loadFile !== 'function') {
        throw new Error('Engine.fromFile needs a file system; in this runtime pass the policy: new Engine(policy)')
      }
      const file = path instanceof URL ? fileURLToPath(path) : path
      if (typeof file !== 'string') throw new TypeError(`path must be a string or a file URL, not ${describe(path)}`)
      return new Engine(FROM_NATIVE, loaded(NativeEngine.loadFile(file)))
    }

    verifySync(token, options) {
      text(token, 'token')
      return principalOf(this.#native.verify(token, clock(options)))
    }

    async verify(token, options) {
      return this.verifySync(token, options)
    }

    verifyAuthorizationSync(header, options) {
      const value = header === undefined || header === null ? '' : header
      text(value, 'header')
      return principalOf(this.#native.verifyAuthorization(value, clock(options)))
    }

    async verifyAuthorization(header, options) {
      return this.verifyAuthorizationSync(header, options)
    }

    authorize(principal, request) {
      if (principal === null || typeof principal !== 'object' || typeof principal.id !== 'string') {
        throw new TypeError(`principal must be a Principal (from engine.verify), not ${describe(principal)}`)
      }
      const { action, resource, context } = requestOf(request)
      return call(() => this.#native.authorize(principal, action, resource, context), 'request').decision
    }

    checkSync(tokenOrHeader, request, options) {
      text(tokenOrHeader, 'tokenOrHeader')
      const { action, resource, context } = requestOf(request)
      const now = clock(options)
      const outcome = call(() => this.#native.check(tokenOrHeader, action, resource, context, now), 'request')
      if (outcome.error) throw authError(outcome.error)
      return outcome.decision
    }

    async check(tokenOrHeader, request, options) {
      return this.checkSync(tokenOrHeader, request, options)
    }

    warnings() {
      return this.#native.warnings()
    }
  }

  return { Engine, AuthError, ConfigError }
}

function principalOf(outcome) {
  if (outcome.error) throw authError(outcome.error)
  return outcome.principal
}

function authError({ detail, code, status, reason }) {
  return new AuthError(detail, code, status, reason)
}

function requestOf(request) {
  if (request === null || typeof request !== 'object') {
    throw new TypeError(`request must be an object { action, resource, context? }, not ${describe(request)}`)
  }
  const { action, resource, context } = request
  text(action, 'request.action')
  if (!isObject(resource)) {
    throw new TypeError(`request.resource must be an object, not ${describe(resource)}`)
  }
  if (context !== undefined && context !== null && !isObject(context)) {
    throw new TypeError(`request.context must be an object, not ${describe(context)}`)
  }
  return { action, resource, context: context ?? undefined }
}

// A value the engine refused (a function, a symbol...) becomes a TypeError naming the argument.
function call(f, what) {
  try {
    return f()
  } catch (e) {
    const refused = e && (e.code === 'InvalidArg' || /not a JSON value/.test(e.message))
    if (refused) throw new TypeError(`${what} must hold only JSON values: ${e.message}`)
    throw e
  }
}

function clock(options) {
  const now = options?.now
  if (now === undefined || now === null) return Date.now() / 1000
  if (typeof now === 'number' && !Number.isNaN(now)) return now
  if (now instanceof Date && !Number.isNaN(now.getTime())) return now.getTime() / 1000
  throw new TypeError(`options.now must be seconds since the epoch (number) or a Date, not ${describe(now)}`)
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function text(value, name) {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, not ${describe(value)}`)
}

/** How a wrong argument is named in a TypeError: `null`, `an array` or its `typeof`. */
function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value
}

module.exports = { createApi, AuthError, ConfigError, describe }
