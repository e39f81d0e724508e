'use strict'
// The public API of the `wardgate` package, shared by the native addon (index.js) and
// the WebAssembly build (edge.mjs, wasm-node.mjs): JS habits over either engine. This file
// only converts arguments and turns the engine's error objects into the package's Error
// classes; every rule lives in the Rust core. The one piece of host work here is the GET
// of a remote key set or of a `revocation.url` set for the WebAssembly engine, which cannot
// do I/O (`hostFetches`): the core decides when to fetch and judges what comes back.

/**
 * A refused credential or a denied request. `code`, `status` and `reason` are the engine's
 * (its table in core/src/error.rs): `TOKEN_MISSING` (`missing`), `TOKEN_EXPIRED` (`expired`),
 * `TOKEN_INVALID` (`malformed`, `token_too_large`, `invalid_header`, `algorithm_not_allowed`,
 * `unknown_key`, `bad_signature`, `missing_claim`, `invalid_claim`, `not_yet_valid`,
 * `too_old`, `issuer_mismatch`, `audience_mismatch`, `revoked`), all 401;
 * `INSUFFICIENT_PERMISSIONS` (`denied`, `forbidden`), 403; `KEYS_UNAVAILABLE`
 * (`keys_unavailable`) and `REVOCATION_UNAVAILABLE` (`revocation_unavailable`), 503. `headers` are those of its HTTP answer, as the engine gives them
 * (`WWW-Authenticate` on a 401, `Retry-After` on a 503, none on a 403); not enumerable, so
 * the error's own fields stay its body's.
 */
class AuthError extends Error {
  constructor(detail, code, status, reason, headers = {}) {
    super(detail)
    this.name = 'AuthError'
    this.detail = detail
    this.code = code
    this.status = status
    this.reason = reason
    Object.defineProperty(this, 'headers', { value: Object.freeze({ ...headers }), enumerable: false })
  }

  toJSON() {
    return { detail: this.detail, code: this.code, status: this.status, reason: this.reason }
  }
}

/**
 * A policy document that cannot be loaded: `detail` is the whole text (also the message),
 * `path` the field (empty for the document as a whole), `problem` what is wrong there.
 */
class ConfigError extends Error {
  constructor(detail, path, problem) {
    super(detail)
    this.name = 'ConfigError'
    this.code = 'CONFIG_ERROR'
    this.detail = detail
    this.path = path
    this.problem = problem
  }
}

/** A base for an error class with a `code` and a `detail` (also the message). */
function codedError() {
  return class extends Error {
    constructor(detail, code) {
      super(detail)
      this.name = new.target.name
      this.code = code
      this.detail = detail
    }
  }
}

/**
 * A list filter that cannot be planned, read back or turned into a query. `code` is one of
 * `FILTER_UNSUPPORTED`, `FILTER_TOO_COMPLEX`, `FILTER_UNTRANSLATABLE`, `FILTER_COLUMNS` or
 * `FILTER_INVALID`; `detail` (also the message) names the rule and the operator or the
 * column, never a value. Whatever cannot be translated exactly is this error, never a
 * wider filter.
 */
class FilterError extends codedError() {}

/**
 * A revocation that was not made. `code` is `REVOKE_UNSUPPORTED` (the policy's revocation
 * source is not `redis_url`: a `revocation.url` set is revoked from where it is served),
 * `REVOKE_INVALID` (an entry member that cannot be used; `detail` names it) or
 * `REVOKE_FAILED` (Redis could not be written to: nothing may have been revoked). No message
 * holds an entry, a URL or a password.
 */
class RevokeError extends codedError() {}

const FROM_NATIVE = Symbol('wardgate.native')
const LOG_LEVELS = ['info', 'warn', 'error']

/**
 * The package's exports over `NativeEngine`: the napi-rs class or the wasm-bindgen one,
 * which have the same methods (`load`, `verify`, `verifyAuthorization`, `authorize`,
 * `check`, `filter`, `warnings`, `cacheStatus`, `revocationStatus`, `revocationSet`,
 * `revoke` (a Promise natively), and for remote key sets
 * `isRemote`, `verifyIfReady`, `checkIfReady`, `bearerToken`, `credentialToken`,
 * `keyStatus`, `keyEvents`; the static `filterRead`, `filterMatches`, `filterSql`,
 * `filterAttributes` and `filterClause`; `loadFile` only where there is a file system, and
 * then `fileURLToPath` too). `verify`, `verifyAuthorization` and
 * `check` give their outcome as JSON text and never fetch: with a remote key set they use
 * the keys cached at the time (and with `revocation.url` the revoked set held);
 * `verifyIfReady` and `checkIfReady` give null instead when a fetch must come first. The
 * engines differ in how remote keys and revoked sets are fetched: the addon's core fetches
 * them itself (`verifyAsync`, `checkAsync`), the WebAssembly engine's core says what to
 * fetch (`keyNeed`, `revocationNeed`, `keyResponse`, `keyFailed`); see `coreFetches` and
 * `hostFetches`.
 */
function createApi(NativeEngine, { fileURLToPath } = {}) {
  const remoteKeys = typeof NativeEngine.prototype.verifyAsync === 'function' ? coreFetches : hostFetches

  function loaded(outcome) {
    if (outcome instanceof NativeEngine) return outcome
    // The core calls what is wrong `problem`; engines built before the rename call it `message`.
    throw new ConfigError(outcome.detail, outcome.path, outcome.problem ?? outcome.message)
  }

  class Engine {
    #native
    #logger
    // For keys from keys.jwks_url or revoked entries from revocation.url:
    // `(token, ready, cached, fetching)` gives the outcome once what `token` needs is in (see
    // remoteKeys); null when nothing is fetched.
    #keys

    constructor(policy, options) {
      const adopted = policy === FROM_NATIVE ? options : null
      if (adopted) options = adopted.options
      else if (typeof policy !== 'string' && !isObject(policy)) {
        throw new TypeError(`policy must be an object or a JSON string, not ${describe(policy)}`)
      }
      this.#logger = loggerOf(options)
      this.#native = adopted ? adopted.native : loaded(call(() => NativeEngine.load(policyText(policy)), 'policy'))
      this.#keys = this.#native.isRemote() ? remoteKeys(this.#native) : null
    }

    static fromFile(path, options) {
      if (typeof NativeEngine.loadFile !== 'function') {
        throw new Error('Engine.fromFile needs a file system; in this runtime pass the policy: new Engine(policy)')
      }
      const file = path instanceof URL ? fileURLToPath(path) : path
      if (typeof file !== 'string') throw new TypeError(`path must be a string or a file URL, not ${describe(path)}`)
      loggerOf(options)
      return new Engine(FROM_NATIVE, { native: loaded(NativeEngine.loadFile(file)), options })
    }

    verifySync(token, options) {
      this.#local('verifySync', 'verify')
      text(token, 'token')
      return principalOf(this.#native.verify(token, clock(options)))
    }

    async verify(token, options) {
      if (!this.#keys) return this.verifySync(token, options)
      text(token, 'token')
      const now = clock(options)
      const native = this.#native
      return principalOf(
        await this.#remote(
          token,
          () => native.verifyIfReady(token, now),
          () => native.verify(token, now),
          () => native.verifyAsync(token, now),
        ),
      )
    }

    verifyAuthorizationSync(header, options) {
      this.#local('verifyAuthorizationSync', 'verifyAuthorization')
      const value = header === undefined || header === null ? '' : header
      text(value, 'header')
      return principalOf(this.#native.verifyAuthorization(value, clock(options)))
    }

    async verifyAuthorization(header, options) {
      if (!this.#keys) return this.verifyAuthorizationSync(header, options)
      const value = header === undefined || header === null ? '' : header
      text(value, 'header')
      return this.verify(tokenOf(this.#native.bearerToken(value)), options)
    }

    authorize(principal, request) {
      const who = principalArg(principal)
      const { action, resource, context } = requestOf(request)
      return decisionOf(call(() => this.#native.authorize(who, action, resource, context), 'request'))
    }

    /**
     * The list filter: which resources of `resourceType` `authorize` would let `principal`
     * `action` in `context`, planned from the rules alone. Synchronous: planning reads no
     * keys, so it never waits, even with `keys.jwks_url`.
     */
    filter(principal, action, resourceType, context) {
      const who = principalArg(principal)
      text(action, 'action')
      text(resourceType, 'resourceType')
      if (context !== undefined && context !== null && !isObject(context)) {
        throw new TypeError(`context must be an object, not ${describe(context)}`)
      }
      const ctx = context === undefined || context === null ? undefined : jsonOf(context, 'context')
      return filterOf(this.#native.filter(who, action, resourceType, ctx))
    }

    checkSync(tokenOrHeader, request, options) {
      this.#local('checkSync', 'check')
      text(tokenOrHeader, 'tokenOrHeader')
      const { action, resource, context } = requestOf(request)
      const now = clock(options)
      return decisionOf(call(() => this.#native.check(tokenOrHeader, action, resource, context, now), 'request'))
    }

    async check(tokenOrHeader, request, options) {
      if (!this.#keys) return this.checkSync(tokenOrHeader, request, options)
      text(tokenOrHeader, 'tokenOrHeader')
      const { action, resource, context } = requestOf(request)
      const now = clock(options)
      const native = this.#native
      const token = tokenOf(native.credentialToken(tokenOrHeader))
      const args = [tokenOrHeader, action, resource, context, now]
      const ready = () => call(() => native.checkIfReady(...args), 'request')
      const cached = () => call(() => native.check(...args), 'request')
      const fetching = () => call(() => native.checkAsync(...args), 'request')
      return decisionOf(await this.#remote(token, ready, cached, fetching))
    }

    warnings() {
      return this.#native.warnings()
    }

    /** The verified-token cache's counters (the policy's `cache` section), or null. */
    cacheStatus() {
      const s = this.#native.cacheStatus()
      return s && camelCased(s)
    }

    /**
     * Where revoked entries come from (the policy's `revocation` section), whether the set is
     * ready, and how many entries it holds; null without the section.
     */
    revocationStatus() {
      const s = this.#native.revocationStatus()
      return s && camelCased(s)
    }

    /**
     * The revoked set in force, `{ sid, jti, subjects }` (the JSON of `revocation.inline`,
     * what an endpoint serves to engines whose source is `revocation.url`), or null.
     */
    revocationSet() {
      return this.#native.revocationSet()
    }

    /**
     * Revokes a session (`sid`), a token (`jti`) or every token of a principal issued up to
     * now (`sub`), kept `ttl` seconds, in every process that shares the policy's
     * `revocation.redis_url`; this engine refuses the tokens once the Promise resolves.
     * Rejects with a `RevokeError`.
     */
    async revoke(entry) {
      if (!isObject(entry)) {
        throw new TypeError(`the entry must be an object { sid, jti, sub, ttl }, not ${describe(entry)}`)
      }
      const outcome = JSON.parse(await this.#native.revoke(JSON.stringify(entry)))
      if (outcome.error) throw new RevokeError(outcome.error.detail, outcome.error.code)
    }

    /** Where the keys come from and, for keys.jwks_url, the state of their cache. */
    keyStatus() {
      const s = this.#native.keyStatus()
      if (s === null) throw new Error('the key status could not be read')
      if (this.#keys) this.#log()
      return camelCased(s)
    }

    #local(sync, promise) {
      if (!this.#keys) return
      const keys = this.#native.keyStatus()?.source === 'jwks_url'
      const fetched = keys ? 'keys from keys.jwks_url' : 'the revoked set of revocation.url'
      const error = new Error(
        `${sync} cannot use ${fetched}, which may have to be fetched first: ` +
          `use the Promise form, await engine.${promise}(...)`,
      )
      error.code = 'ERR_REMOTE_KEYS'
      throw error
    }

    async #remote(token, ready, cached, fetching) {
      try {
        return await this.#keys(token, ready, cached, fetching)
      } finally {
        this.#log()
      }
    }

    // The key cache's events (fetched keys, failed fetches...) go to the logger.
    #log() {
      for (const { level, message } of this.#native.keyEvents()) this.#logger[level](`wardgate: ${message}`)
    }
  }

  /**
   * A list filter (see `Engine#filter`): its `kind`, `matches(resource)`, its SQL and its
   * clause for ORM adapters. It holds its JSON form as the core wrote it, which every call
   * hands back to the core, so values in it stay exact (integers beyond 2^53 included).
   */
  class Filter {
    #text
    #kind
    #action
    #resourceType

    constructor(token, text) {
      if (token !== FILTER) {
        throw new TypeError('a Filter comes from engine.filter(...) or Filter.fromJSON(...)')
      }
      const { kind, action, resource_type: resourceType } = JSON.parse(text)
      this.#text = text
      this.#kind = kind
      this.#action = action
      this.#resourceType = resourceType
    }

    /**
     * A filter from its JSON form (`filter.toJSON()`), as an object or as JSON text
     * (`String(filter)`, exact for integers beyond 2^53). Throws `FilterError`
     * (`FILTER_INVALID`) for a form that does not read.
     */
    static fromJSON(value) {
      if (typeof value !== 'string' && !isObject(value)) {
        throw new TypeError(`filter must be an object or a JSON string, not ${describe(value)}`)
      }
      return filterOf(NativeEngine.filterRead(typeof value === 'string' ? value : jsonOf(value, 'filter')))
    }

    /** `'always'` (every resource of the type), `'never'` (none) or `'conditional'`. */
    get kind() {
      return this.#kind
    }

    /** The action it was planned for. */
    get action() {
      return this.#action
    }

    /** The resource type it was planned for. */
    get resourceType() {
      return this.#resourceType
    }

    /** Whether the filter selects a resource (its attributes; a `type` member is ignored): `authorize`'s answer. */
    matches(resource) {
      if (!isObject(resource)) throw new TypeError(`resource must be an object, not ${describe(resource)}`)
      return filterAnswer(NativeEngine.filterMatches(this.#text, jsonOf(resource, 'resource'))).matches
    }

    /** The filter as a `WHERE` condition `{ sql, params }` for `'sqlite'` or `'postgres'`. */
    sql(dialect, columns) {
      return filterAnswer(NativeEngine.filterSql(this.#text, ...sqlArgs(dialect, columns))).sql
    }

    /**
     * The resource attributes the filter reads (the first name of each path), sorted: what a
     * table needs columns for.
     */
    get attributes() {
      return filterAnswer(NativeEngine.filterAttributes(this.#text)).attributes
    }

    /** The filter folded against the columns' types: the tree ORM adapters build from. */
    clause(dialect, columns) {
      return filterAnswer(NativeEngine.filterClause(this.#text, ...sqlArgs(dialect, columns))).clause
    }

    /** The filter's JSON form, a new object each time (`Filter.fromJSON` reads it back). */
    toJSON() {
      return JSON.parse(this.#text)
    }

    /** The filter's JSON form as text, exactly as the core wrote it. */
    toString() {
      return this.#text
    }
  }

  // `{"filter":F}` as the core writes it: F's text is the outcome less its first 10 and its
  // last character, kept as is so that no number in it goes through a JavaScript number.
  function filterOf(outcome) {
    if (!outcome.startsWith(FILTER_OUTCOME)) filterAnswer(outcome)
    return new Filter(FILTER, outcome.slice(FILTER_OUTCOME.length, -1))
  }

  return { Engine, AuthError, ConfigError, FilterError, RevokeError, Filter }
}

const FILTER = Symbol('wardgate.filter')
const FILTER_OUTCOME = '{"filter":'

/** A filter call's outcome (JSON text), or its FilterError thrown. */
function filterAnswer(text) {
  const outcome = JSON.parse(text)
  if (outcome.error) throw new FilterError(outcome.error.detail, outcome.error.code)
  return outcome
}

function sqlArgs(dialect, columns) {
  text(dialect, 'dialect')
  if (!isObject(columns)) {
    throw new TypeError(`columns must be an object { attribute: type }, not ${describe(columns)}`)
  }
  return [dialect, jsonOf(columns, 'columns')]
}

/** The JSON text of the `principal` argument, which must be a Principal. */
function principalArg(principal) {
  if (principal === null || typeof principal !== 'object' || typeof principal.id !== 'string') {
    throw new TypeError(`principal must be a Principal (from engine.verify), not ${describe(principal)}`)
  }
  return principalText(principal)
}

// How a remote engine gets its keys. Both return `(token, ready, cached, fetching)`, which
// gives the outcome: `ready()` when the keys `token` needs are in (it verifies, or gives
// null when a fetch must come first, parsing the token once either way), else the
// verification after the fetch. The core decides when to fetch; these only carry its
// answers.

// The addon: the core fetches for itself, blocking, so a verification that needs keys runs
// as `fetching` on the libuv thread pool (verifyAsync/checkAsync); the others stay here.
// While one such call is under way, the next ones that need keys wait for it here and ask
// again, rather than each holding a pool thread (which file, DNS and zlib work share)
// blocked on the same fetch.
function coreFetches() {
  let underWay = null
  return async (token, ready, cached, fetching) => {
    const done = ready()
    if (done !== null) return done
    if (underWay) {
      await underWay
      const after = ready()
      if (after !== null) return after
    }
    const outcome = fetching()
    const settled = outcome.then(
      () => {},
      () => {},
    )
    underWay = settled
    settled.then(() => {
      if (underWay === settled) underWay = null
    })
    return outcome
  }
}

// WebAssembly: no I/O there, so the host's `fetch` performs the GETs the core asks for: the
// key set a token needs (`keyNeed`) and the revoked set of revocation.url (`revocationNeed`),
// each handing out one ticket at a time, both at once when both are due. Each response goes
// back to the core, then the token is verified on what is held (`cached`). Callers told to
// wait await the fetch under way.
function hostFetches(native) {
  const underWay = [null, null] // the key set's fetch, the revoked set's
  return async (token, ready, cached) => {
    const done = ready()
    if (done !== null) return done
    const needs = [native.keyNeed(token), native.revocationNeed()]
    await Promise.all(
      needs.map(({ need, ticket }, i) => {
        if (need !== 'fetch') return need === 'wait' ? underWay[i] : null
        const fetching = fetchTicket(native, ticket, i === 1).finally(() => {
          if (underWay[i] === fetching) underWay[i] = null
        })
        underWay[i] = fetching
        return fetching
      }),
    )
    return cached()
  }
}

// One GET of the ticket's URL, answered to the core whatever happens (never rejects): to the
// key cache, or to the revocation source when `revocation`. It asks for the content codings
// the core takes (`accept_encoding`; a browser sends its own) and follows no redirect;
// `fetch` decodes the body as it is read, so at most the ticket's `max_bytes` decoded bytes
// are inflated, and the core judges the response's Content-Encoding. Failures go to the core
// as their cause (`{ kind, detail }`), which the core words.
async function fetchTicket(native, ticket, revocation) {
  try {
    const response = await fetch(ticket.url, {
      headers: { accept: 'application/json', 'accept-encoding': ticket.accept_encoding },
      redirect: 'manual',
      signal: AbortSignal.timeout(ticket.timeout_ms),
    })
    if (response.type === 'opaqueredirect') {
      native.keyFailed(ticket, { kind: 'redirected' }, revocation)
      return
    }
    const { headers, status } = response
    const coding = headers.get('content-encoding')
    let body = new Uint8Array(0)
    if (status === 200) {
      try {
        body = await readAtMost(response.body, ticket.max_bytes)
      } catch (e) {
        // zlib's error codes (Z_DATA_ERROR...): the body does not decode in its coding. In the
        // coding asked for, that is the failure (as natively); in another, the core refuses
        // the coding whatever the body (as natively, where it is not decoded at all).
        if (!String(e?.cause?.code).startsWith('Z_')) throw e
        if (coding === ticket.accept_encoding) {
          native.keyFailed(ticket, { kind: 'undecodable', detail: coding }, revocation)
        } else native.keyResponse(ticket, status, headers.get('cache-control'), coding, new Uint8Array(0), revocation)
        return
      }
    } else response.body?.cancel().catch(() => {})
    native.keyResponse(ticket, status, headers.get('cache-control'), coding, body, revocation)
  } catch (e) {
    native.keyFailed(ticket, fetchFailure(e, ticket.timeout_ms), revocation)
  }
}

async function readAtMost(stream, limit) {
  const chunks = []
  let size = 0
  if (stream) {
    const reader = stream.getReader()
    while (size < limit) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
    if (size >= limit) reader.cancel().catch(() => {})
  }
  const body = new Uint8Array(Math.min(size, limit))
  let at = 0
  for (const chunk of chunks) {
    const part = chunk.subarray(0, body.length - at)
    body.set(part, at)
    at += part.length
  }
  return body
}

// A few words on a fetch that got no response, for logs and keyStatus().lastError; never the
// URL, whose query may hold a credential.
function fetchFailure(error, timeoutMs) {
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') return { kind: 'timed_out', detail: timeoutMs }
  const code = error?.cause?.code
  if (code === 'ECONNREFUSED') return { kind: 'connection_refused' }
  if (error?.cause?.message === 'bad port') return { kind: 'port_refused' }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { kind: 'host_not_found' }
  return { kind: 'network', detail: typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : null }
}

function loggerOf(options) {
  if (options === undefined || options === null) return console
  if (!isObject(options)) throw new TypeError(`options must be an object { logger }, not ${describe(options)}`)
  const { logger = console } = options
  if (!LOG_LEVELS.every((level) => typeof logger?.[level] === 'function')) {
    throw new TypeError(`options.logger must have info, warn and error methods, not ${describe(logger)}`)
  }
  return logger
}

function tokenOf({ token, error }) {
  if (error) throw authError(error)
  return token
}

// The claims of every principal `verify` returns, as the JSON text the core wrote them in,
// are kept in a private field of the principal's claims object, which is then frozen (so it
// cannot come to say anything else). A JavaScript number holds integers exactly only up to
// 2^53, so claims parsed into JavaScript and written back could differ from the ones the core
// verified (9007199254740993 would come back as 9007199254740992, a float 1e16 as an
// integer); `authorize` hands the core its own text instead, for the verified principal and
// for a copy of it that shares its claims object. The field is out of reach of user code, in
// both builds alike (api.js serves both). How: a constructor may return another object, and
// a subclass's fields are then added to that object, so `new ClaimsText(claims, text)` stamps
// `claims`; this costs a verification far less than a WeakMap entry would.
class Returning {
  constructor(object) {
    return object
  }
}

class ClaimsText extends Returning {
  #text

  constructor(claims, text) {
    super(claims)
    this.#text = text
  }

  /** The verified claims text stamped on `value`, or undefined. */
  static of(value) {
    return value !== null && typeof value === 'object' && #text in value ? value.#text : undefined
  }
}

// The principals of the latest outcomes, by their text: a principal is deeply frozen and its
// text says all of it, so the same text may give the same object. A verified-token cache hit
// then costs the core's checks and a lookup, not a parse and a freeze. Errors are not kept.
const RECENT_PRINCIPALS = 64
const recentPrincipals = new Map()

/** The principal of a verification's outcome (JSON text), or its AuthError thrown. */
function principalOf(text) {
  const known = recentPrincipals.get(text)
  if (known !== undefined) return known
  const outcome = JSON.parse(text)
  if (outcome.error) throw authError(outcome.error)
  new ClaimsText(outcome.principal.claims, claimsText(text))
  const principal = frozen(outcome.principal)
  if (recentPrincipals.size === RECENT_PRINCIPALS) recentPrincipals.delete(recentPrincipals.keys().next().value)
  recentPrincipals.set(text, principal)
  return principal
}

// A principal's outcome is `{"principal":{"id":S,"roles":[S,...],"tenant":S|null,"claims":C}}`
// (S JSON strings; the core's tests pin this form). Its first `,"claims":` is the member
// itself: inside a string every `"` is escaped, and no string before it is a member name.
const CLAIMS = ',"claims":'

/** The text C of the claims in a principal's outcome. */
function claimsText(outcome) {
  return outcome.slice(outcome.indexOf(CLAIMS) + CLAIMS.length, -2)
}

/**
 * The JSON text of a principal for the engine: its own id, roles and tenant, and its claims
 * as the core verified them when they are a verified principal's claims object, else as
 * JSON.stringify writes them (a principal built by hand).
 */
function principalText(principal) {
  const claims = ClaimsText.of(principal.claims)
  if (claims === undefined) return jsonOf(principal, 'principal')
  const { id, roles, tenant } = principal
  return `${jsonOf({ id, roles, tenant }, 'principal').slice(0, -1)}${CLAIMS}${claims}}`
}

/** `value`, with every object and array in it frozen. */
function frozen(value) {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) frozen(value[i])
  } else {
    for (const member of Object.values(value)) frozen(member)
  }
  return Object.freeze(value)
}

/**
 * The decision of a check's outcome (JSON text), or its AuthError thrown. The decision stays
 * a plain object (its prototype is Object.prototype, and JSON.stringify, spreading,
 * structuredClone and deepStrictEqual see only its data); `throwIfDenied` is added as a
 * read-only, non-enumerable own property.
 */
function decisionOf(text) {
  const outcome = JSON.parse(text)
  if (outcome.error) throw authError(outcome.error)
  return Object.defineProperty(outcome.decision, 'throwIfDenied', THROW_IF_DENIED)
}

// The denial as an error, as Python's `Decision.raise_if_denied()` and the core's
// `Decision::error()` give it: INSUFFICIENT_PERMISSIONS, 403, the denial's reason and its
// detail, which names no rule. Its toJSON() is the body of every other 403 (the one
// wardgate/next answers with). Anything but `allowed: true` is a denial, so a decision
// changed by hand fails closed.
function throwIfDenied() {
  if (this.allowed === true) return this
  throw new AuthError(
    this.detail ?? 'the request is denied',
    'INSUFFICIENT_PERMISSIONS',
    403,
    this.reason ?? 'denied',
  )
}

const THROW_IF_DENIED = { value: throwIfDenied, enumerable: false, writable: false, configurable: false }

// A status object of the core with its member names in JS's case (`fresh_for` → `freshFor`):
// the members are the core's, none is named here.
function camelCased(object) {
  return Object.fromEntries(
    Object.entries(object).map(([name, value]) => [name.replace(/_([a-z])/g, (_, c) => c.toUpperCase()), value]),
  )
}

function authError({ detail, code, status, reason, headers }) {
  return new AuthError(detail, code, status, reason, headers)
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
  return {
    action,
    resource: jsonOf(resource, 'request.resource'),
    context: context === undefined || context === null ? undefined : jsonOf(context, 'request.context'),
  }
}

// A policy reaches both engines as JSON text, so the addon and the WebAssembly build read
// the same document from the same object: JSON's own rules (toJSON, undefined members left
// out) and a TypeError for what JSON cannot hold.
function policyText(policy) {
  return typeof policy === 'string' ? policy : jsonOf(policy, 'policy')
}

// The engines take principals, resources and contexts as JSON text: V8 writes it faster
// than the engine can walk a JS object through the host's API. A member JSON cannot hold
// (a function, a symbol, a BigInt) or a cycle is a TypeError naming the argument, rather
// than being left out.
function jsonOf(value, what) {
  try {
    return JSON.stringify(value, onlyJson)
  } catch (e) {
    throw new TypeError(`${what} must hold only JSON values: ${e.message}`)
  }
}

function onlyJson(key, value) {
  const type = typeof value
  if (type === 'function' || type === 'symbol') throw new TypeError(`${key ? `"${key}"` : 'a value'} is a ${type}`)
  return value
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

module.exports = { createApi, AuthError, ConfigError, FilterError, RevokeError, describe }
