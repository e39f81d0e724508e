//! The engine: a compiled policy that verifies tokens and decides requests.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::algorithm::Algorithm;
use crate::claims;
use crate::decision::{self, Decision};
use crate::error::{AuthError, ConfigError, Reason};
use crate::key_cache::{KeyCache, KeyEvent, KeyFetch, KeyNeed, KeyResponse, KeyStatus};
use crate::keys::{Keys, Unfit};
use crate::lint::{self, Warning};
use crate::policy::Policy;
use crate::principal::Principal;
use crate::request::Request;
use crate::time::{monotonic_ms, UnixTime};
use crate::token;
use crate::token_cache::{self, CacheStatus, Entry, TokenCache};

/// A loaded policy: verifies tokens and decides requests. Cheap to share between
/// threads (`Send + Sync`); every call takes the time from its `now` argument.
///
/// ```
/// use wardgate::{Engine, Reason, Request};
/// use serde_json::json;
///
/// let engine = Engine::from_value(&json!({
///     "token": { "algorithms": ["HS256"], "issuer": "https://app.example.com" },
///     "keys": { "secret": "an example secret of at least 32 bytes!" },
///     "rules": [{ "id": "own", "effect": "permit", "resource": "todo",
///                 "actions": ["read"], "when": "resource.owner_id == principal.id" }]
/// })).unwrap();
///
/// // A token that is not a JWS is refused before anything else is looked at.
/// let err = engine.verify("not-a-token", 1_764_000_000).unwrap_err();
/// assert_eq!(err.reason(), Reason::Malformed);
///
/// // Authorization on a principal you already have:
/// let alice = wardgate::Principal::new("alice", vec![], None, json!({"sub": "alice"}));
/// let mine = Request::new("read", json!({"type": "todo", "owner_id": "alice"}));
/// let theirs = Request::new("read", json!({"type": "todo", "owner_id": "bob"}));
/// assert!(engine.authorize(&alice, &mine).allowed);
/// assert_eq!(engine.authorize(&alice, &theirs).reason, Some(Reason::Denied));
/// ```
#[derive(Debug)]
pub struct Engine {
    policy: Policy,
}

impl Engine {
    /// Loads a policy document given as JSON text.
    ///
    /// ```
    /// let err = wardgate::Engine::from_json("{").unwrap_err();
    /// assert!(err.to_string().starts_with("the policy is not valid JSON"));
    /// ```
    pub fn from_json(text: &str) -> Result<Engine, ConfigError> {
        Engine::from_value(&parse_document(text)?)
    }

    /// Loads a policy document given as a JSON value.
    ///
    /// ```
    /// use serde_json::json;
    /// let err = wardgate::Engine::from_value(&json!({"token": {"algorithms": []}, "keys": {}})).unwrap_err();
    /// assert_eq!(err.path(), "token.algorithms");
    /// ```
    pub fn from_value(doc: &Value) -> Result<Engine, ConfigError> {
        Ok(Engine { policy: Policy::from_value(doc)? })
    }

    /// Loads a policy document, reporting every problem rather than the first: each
    /// unknown top-level field, and the first problem of each independent part (`token`,
    /// `keys`, `principal`, each rule), in document order.
    ///
    /// ```
    /// use serde_json::json;
    /// let problems = wardgate::Engine::validate(&json!({
    ///     "token": {"algorithms": ["EdDSA"], "leeway": -1},
    ///     "keys": {},
    ///     "rules": [{"id": "a", "effect": "allow", "resource": "*", "actions": "*"},
    ///               {"id": "b", "effect": "permit", "resource": "*", "actions": "*", "when": "x =="}]
    /// })).unwrap_err();
    /// let paths: Vec<&str> = problems.iter().map(|p| p.path()).collect();
    /// assert_eq!(paths, ["token.leeway", "keys", "rules[0].effect", "rules[1].when"]);
    /// ```
    pub fn validate(doc: &Value) -> Result<Engine, Vec<ConfigError>> {
        Ok(Engine { policy: Policy::load(doc)? })
    }

    /// Loads a policy document from a JSON file.
    ///
    /// ```
    /// let err = wardgate::Engine::from_file("/nonexistent/policy.json").unwrap_err();
    /// assert!(err.to_string().contains("cannot read"));
    /// ```
    pub fn from_file(path: impl AsRef<Path>) -> Result<Engine, ConfigError> {
        Engine::from_json(&read_document(path.as_ref())?)
    }

    /// [`Engine::validate`] for a JSON file: every problem, or the engine.
    ///
    /// ```
    /// let problems = wardgate::Engine::validate_file("/nonexistent/policy.json").unwrap_err();
    /// assert!(problems[0].to_string().contains("cannot read"));
    /// ```
    pub fn validate_file(path: impl AsRef<Path>) -> Result<Engine, Vec<ConfigError>> {
        let doc = read_document(path.as_ref()).and_then(|text| parse_document(&text)).map_err(|e| vec![e])?;
        Engine::validate(&doc)
    }

    /// Verifies a compact JWS and maps its claims to a [`Principal`].
    ///
    /// Checks run in the contract's order: length, structure, header, key selection,
    /// signature, then claims. An empty token is [`Reason::Missing`].
    ///
    /// With a remote key set (`keys.jwks_url`) and the `http` feature, a verification
    /// that needs keys fetched (none cached, stale, or an unknown `kid`) fetches them, or
    /// waits for the fetch under way, blocking the thread up to `refresh.timeout`; in
    /// async code call it from a blocking-capable thread. Without the feature it uses the
    /// cached keys, like [`Engine::verify_cached`].
    ///
    /// ```
    /// # let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    /// #   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}}"#).unwrap();
    /// let err = engine.verify("", 1_764_000_000).unwrap_err();
    /// assert_eq!(err.code().as_str(), "TOKEN_MISSING");
    /// ```
    pub fn verify(&self, token: &str, now: impl Into<UnixTime>) -> Result<Principal, AuthError> {
        self.verify_with(token, now.into(), KeyAccess::Fetch)?.into_principal()
    }

    /// [`Engine::verify`] that never fetches: a remote key set answers from what is
    /// cached now, and with nothing cached the token is refused with
    /// [`Reason::KeysUnavailable`] (503). For hosts that fetch keys themselves (see
    /// [`Engine::key_need`]) or that must not block.
    ///
    /// ```
    /// use wardgate::{Engine, Reason};
    /// let engine = Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwks_url":"http://127.0.0.1:9/jwks"}}"#).unwrap();
    /// let token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2ln";
    /// let err = engine.verify_cached(token, 1_764_000_000).unwrap_err();
    /// assert_eq!((err.reason(), err.status()), (Reason::KeysUnavailable, 503));
    /// ```
    pub fn verify_cached(&self, token: &str, now: impl Into<UnixTime>) -> Result<Principal, AuthError> {
        self.verify_with(token, now.into(), KeyAccess::Cached)?.into_principal()
    }

    /// [`Engine::verify_cached`] when the keys `token` needs are in: `None` when a
    /// remote key set must be fetched first (none cached, due for a refresh, an unknown
    /// `kid` past the cooldown) or a fetch is under way. Hosts that fetch off the calling
    /// thread call this first and go asynchronous only on `None`, so a token is parsed
    /// once. With local keys it is always `Some`.
    ///
    /// ```
    /// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwks_url":"http://127.0.0.1:9/jwks"}}"#).unwrap();
    /// assert!(engine.verify_if_ready("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2ln", 1_764_000_000).is_none());
    /// // A token that fails on its own needs no keys.
    /// assert!(engine.verify_if_ready("not a token", 1_764_000_000).unwrap().is_err());
    /// ```
    pub fn verify_if_ready(&self, token: &str, now: impl Into<UnixTime>) -> Option<Result<Principal, AuthError>> {
        match self.verify_with(token, now.into(), KeyAccess::IfReady) {
            Ok(Verified::NotReady) => None,
            verified => Some(verified.and_then(Verified::into_principal)),
        }
    }

    /// The verification every public form shares: the token cache first, then
    /// [`Engine::verify_token`].
    pub(crate) fn verify_with(&self, token: &str, now: UnixTime, access: KeyAccess) -> Result<Verified, AuthError> {
        if token.is_empty() {
            return Err(AuthError::new(Reason::Missing, "no token was presented"));
        }
        let Some(tokens) = &self.policy.cache else {
            return Ok(self.verify_token(token, now, access)?.map_or(Verified::NotReady, |(p, _)| Verified::Fresh(p)));
        };
        let digest = token_cache::digest(token);
        if let Some(entry) = tokens.get(&digest) {
            match self.cached(&entry, now, access) {
                Some(Ok(true)) => {
                    tokens.count(true);
                    return Ok(Verified::Hit(entry));
                }
                Some(Ok(false)) => return Ok(Verified::NotReady),
                Some(Err(e)) => {
                    tokens.count(true);
                    return Err(e);
                }
                None => tokens.forget(&digest),
            }
        }
        let verified = self.verify_token(token, now, access);
        if !matches!(verified, Ok(None)) {
            tokens.count(false);
        }
        let Some((principal, Stamp { generation, kid, alg })) = verified? else {
            return Ok(Verified::NotReady);
        };
        tokens.insert(digest, Entry::new(principal.clone(), generation, kid, alg));
        Ok(Verified::Fresh(principal))
    }

    /// A cache hit: `None` when the entry was verified with keys no longer in use;
    /// `Some(Ok(false))` when, with [`KeyAccess::IfReady`], the keys are due for a fetch;
    /// otherwise every claim check again, with the caller's `now`.
    fn cached(&self, entry: &Entry, now: UnixTime, access: KeyAccess) -> Option<Result<bool, AuthError>> {
        let policy = &self.policy;
        let generation = match &policy.keys {
            Keys::Static(..) => 0,
            Keys::Remote(cache) => {
                // A hit still lets a due refresh of the keys happen, as a miss would.
                match access {
                    #[cfg(feature = "http")]
                    KeyAccess::Fetch => crate::http::settle(cache, entry.kid.as_deref(), entry.alg),
                    KeyAccess::IfReady if !cache.ready(entry.kid.as_deref(), entry.alg, monotonic_ms()) => {
                        return Some(Ok(false))
                    }
                    _ => {}
                }
                cache.generation(monotonic_ms())?
            }
        };
        if generation != entry.generation {
            return None;
        }
        Some(claims::check(&entry.principal.claims, &policy.claims, &policy.principal, now).map(|()| true))
    }

    /// The whole verification: the principal, and what the token cache keeps beside it;
    /// `None` when, with [`KeyAccess::IfReady`], a remote key set must be fetched first.
    fn verify_token(
        &self,
        token: &str,
        now: UnixTime,
        access: KeyAccess,
    ) -> Result<Option<(Principal, Stamp)>, AuthError> {
        let policy = &self.policy;
        let parsed = token::parse(token, &policy.header)?;
        let fetched;
        let mut generation = 0;
        let keys = match &policy.keys {
            Keys::Static(_, set) => set,
            Keys::Remote(cache) => {
                // A header that fails on its own needs no keys, so it fetches nothing.
                if parsed.check_header(&policy.header).is_ok() {
                    match access {
                        #[cfg(feature = "http")]
                        KeyAccess::Fetch => crate::http::settle(cache, parsed.kid.as_deref(), parsed.alg),
                        KeyAccess::IfReady if !cache.ready(parsed.kid.as_deref(), parsed.alg, monotonic_ms()) => {
                            return Ok(None)
                        }
                        _ => {}
                    }
                }
                let Some((set, current)) = cache.keys_and_generation(monotonic_ms()) else {
                    parsed.check_header(&policy.header)?;
                    return Err(AuthError::new(
                        Reason::KeysUnavailable,
                        "the keys to verify the token with could not be fetched from keys.jwks_url",
                    ));
                };
                fetched = set;
                generation = current;
                &*fetched
            }
        };
        let fit = keys.fit(parsed.kid.as_deref(), parsed.alg);
        if let Err(unfit @ Unfit::AlgorithmNotAllowed) = fit {
            return Err(AuthError::new(unfit.reason(), unfit.detail()));
        }
        parsed.check_header(&policy.header)?;
        if let Err(unfit) = fit {
            return Err(AuthError::new(unfit.reason(), unfit.detail()));
        }
        if !keys.verify(parsed.kid.as_deref(), parsed.alg, parsed.signing_input, &parsed.signature) {
            return Err(AuthError::new(Reason::BadSignature, "the token's signature does not verify"));
        }
        claims::check(&parsed.payload, &policy.claims, &policy.principal, now)?;
        let stamp = Stamp { generation, kid: parsed.kid, alg: parsed.alg };
        Ok(Some((policy.principal.principal(parsed.payload), stamp)))
    }

    /// Verifies the token in a raw `Authorization` header value (`Bearer <token>`, the
    /// scheme in any case). Anything else, including an empty value, is [`Reason::Missing`].
    ///
    /// ```
    /// # let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    /// #   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}}"#).unwrap();
    /// let err = engine.verify_authorization("Basic dXNlcjpwYXNz", 1_764_000_000).unwrap_err();
    /// assert_eq!(err.reason(), wardgate::Reason::Missing);
    /// ```
    pub fn verify_authorization(&self, header: &str, now: impl Into<UnixTime>) -> Result<Principal, AuthError> {
        self.verify(bearer_token(header)?, now)
    }

    /// Decides `request` for `principal`. Never fails: a condition that cannot be
    /// evaluated is reported in [`Decision::errors`] and counts against the request.
    ///
    /// ```
    /// # let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    /// #   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
    /// #   "rules":[{"id":"gold","effect":"permit","resource":"*","actions":"*","when":"principal.claims.tier == 'gold'"}]}"#).unwrap();
    /// use wardgate::{Principal, Reason, Request};
    /// use serde_json::json;
    /// // The rule reads a claim this principal lacks: the permit does not apply.
    /// let p = Principal::new("u1", vec![], None, json!({"sub": "u1"}));
    /// let d = engine.authorize(&p, &Request::new("read", json!({"type": "report"})));
    /// assert_eq!(d.reason, Some(Reason::Denied));
    /// assert_eq!(d.errors[0].rule.as_deref(), Some("gold"));
    /// ```
    pub fn authorize(&self, principal: &Principal, request: &Request) -> Decision {
        decision::decide(&self.policy.rules, principal, request)
    }

    /// [`Engine::verify`] then [`Engine::authorize`].
    ///
    /// ```
    /// # let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    /// #   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}}"#).unwrap();
    /// let request = wardgate::Request::new("read", serde_json::json!({"type": "todo"}));
    /// assert!(engine.check("a.b", &request, 1_764_000_000).is_err());
    /// ```
    pub fn check(&self, token: &str, request: &Request, now: impl Into<UnixTime>) -> Result<Decision, AuthError> {
        let principal = self.verify(token, now)?;
        Ok(self.authorize(&principal, request))
    }

    /// [`Engine::verify_cached`] then [`Engine::authorize`]: never fetches.
    ///
    /// ```
    /// # let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    /// #   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}}"#).unwrap();
    /// let request = wardgate::Request::new("read", serde_json::json!({"type": "todo"}));
    /// assert!(engine.check_cached("a.b", &request, 1_764_000_000).is_err());
    /// ```
    pub fn check_cached(
        &self,
        token: &str,
        request: &Request,
        now: impl Into<UnixTime>,
    ) -> Result<Decision, AuthError> {
        let principal = self.verify_cached(token, now)?;
        Ok(self.authorize(&principal, request))
    }

    /// [`Engine::check_cached`] when the keys `token` needs are in: `None` when a remote
    /// key set must be fetched first (see [`Engine::verify_if_ready`]).
    ///
    /// ```
    /// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwks_url":"http://127.0.0.1:9/jwks"}}"#).unwrap();
    /// let request = wardgate::Request::new("read", serde_json::json!({"type": "todo"}));
    /// assert!(engine.check_if_ready("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2ln", &request, 1_764_000_000).is_none());
    /// ```
    pub fn check_if_ready(
        &self,
        token: &str,
        request: &Request,
        now: impl Into<UnixTime>,
    ) -> Option<Result<Decision, AuthError>> {
        let verified = self.verify_if_ready(token, now)?;
        Some(verified.map(|principal| self.authorize(&principal, request)))
    }

    /// [`Engine::verify_authorization`] then [`Engine::authorize`].
    ///
    /// ```
    /// # let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    /// #   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}}"#).unwrap();
    /// let request = wardgate::Request::new("read", serde_json::json!({"type": "todo"}));
    /// let err = engine.check_authorization("", &request, 1_764_000_000).unwrap_err();
    /// assert_eq!(err.status(), 401);
    /// ```
    pub fn check_authorization(
        &self,
        header: &str,
        request: &Request,
        now: impl Into<UnixTime>,
    ) -> Result<Decision, AuthError> {
        self.check(bearer_token(header)?, request, now)
    }

    /// Whether the keys come from `keys.jwks_url` (and verification may need a fetch).
    ///
    /// ```
    /// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwks_url":"https://auth.example.com/api/auth/jwks"}}"#).unwrap();
    /// assert!(engine.has_remote_keys());
    /// ```
    pub fn has_remote_keys(&self) -> bool {
        matches!(self.policy.keys, Keys::Remote(_))
    }

    /// What verifying `token` needs first, for hosts that fetch keys themselves:
    /// [`KeyNeed::Ready`] (always, with inline keys, and for a token whose structure or
    /// header fails on its own, so that it never causes a fetch), [`KeyNeed::Fetch`] (this caller must GET the ticket's URL
    /// and hand the outcome to [`Engine::key_response`]), or [`KeyNeed::Wait`] (another
    /// caller's fetch is under way).
    ///
    /// ```
    /// use wardgate::{Engine, KeyNeed, KeyResponse};
    /// let engine = Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwks_url":"http://127.0.0.1:9/jwks"}}"#).unwrap();
    /// let token = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1MSJ9.c2ln";
    /// let KeyNeed::Fetch(ticket) = engine.key_need(token) else { panic!("nothing is cached yet") };
    /// assert!(matches!(engine.key_need(token), KeyNeed::Wait));
    /// // The host performs the GET; here the server is down.
    /// engine.key_response(&ticket, KeyResponse::Failed("connection refused".into()));
    /// assert_eq!(engine.key_status().last_error.as_deref(), Some("connection refused"));
    /// ```
    pub fn key_need(&self, token: &str) -> KeyNeed {
        match self.remote_for(token) {
            Some((cache, kid, alg)) => cache.need(kid.as_deref(), alg, monotonic_ms()),
            None => KeyNeed::Ready,
        }
    }

    /// Whether verifying `token` can go ahead without a fetch: [`Engine::key_need`]
    /// without taking a ticket.
    ///
    /// ```
    /// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwks_url":"http://127.0.0.1:9/jwks"}}"#).unwrap();
    /// assert!(!engine.keys_ready("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2ln"));
    /// assert!(engine.keys_ready("not a token"));
    /// ```
    pub fn keys_ready(&self, token: &str) -> bool {
        match self.remote_for(token) {
            Some((cache, kid, alg)) => cache.ready(kid.as_deref(), alg, monotonic_ms()),
            None => true,
        }
    }

    fn remote_for(&self, token: &str) -> Option<(&KeyCache, Option<String>, Algorithm)> {
        let Keys::Remote(cache) = &self.policy.keys else { return None };
        let parsed = token::parse(token, &self.policy.header).ok()?;
        parsed.check_header(&self.policy.header).ok()?;
        Some((cache, parsed.kid, parsed.alg))
    }

    /// Hands the outcome of a [`KeyFetch`] to the key cache. A good key set replaces the
    /// cached one; a failure never does. An answer to an abandoned ticket is ignored.
    /// See [`Engine::key_need`].
    pub fn key_response(&self, ticket: &KeyFetch, response: KeyResponse) {
        if let Keys::Remote(cache) = &self.policy.keys {
            cache.answer(ticket, response, monotonic_ms());
        }
    }

    /// The state of the key source, for health checks and logs.
    ///
    /// ```
    /// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwks_url":"https://auth.example.com/api/auth/jwks?tenant=a"}}"#).unwrap();
    /// let status = engine.key_status();
    /// assert_eq!((status.source, status.state, status.keys), ("jwks_url", "empty", 0));
    /// assert_eq!(status.url.as_deref(), Some("https://auth.example.com/api/auth/jwks"));
    /// ```
    pub fn key_status(&self) -> KeyStatus {
        match &self.policy.keys {
            Keys::Static(source, set) => KeyStatus::inline(source, set),
            Keys::Remote(cache) => cache.status(monotonic_ms()),
        }
    }

    /// Takes the key cache's events not taken yet (oldest first, at most 32 kept):
    /// fetched keys, failed fetches, skipped keys, keys dropped. Hosts log them; they
    /// name the URL without its query and never hold key material.
    ///
    /// ```
    /// # let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    /// #   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}}"#).unwrap();
    /// assert!(engine.key_events().is_empty());
    /// ```
    pub fn key_events(&self) -> Vec<KeyEvent> {
        match &self.policy.keys {
            Keys::Static(..) => Vec::new(),
            Keys::Remote(cache) => cache.drain_events(),
        }
    }

    /// The verified-token cache's counters, when the policy has a `cache` section.
    ///
    /// ```
    /// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
    ///   "cache":{"max_entries":10000}}"#).unwrap();
    /// let status = engine.cache_status().unwrap();
    /// assert_eq!((status.max_entries, status.entries, status.hits), (10000, 0, 0));
    /// ```
    pub fn cache_status(&self) -> Option<CacheStatus> {
        self.policy.cache.as_ref().map(TokenCache::status)
    }

    /// Things in the policy that are valid but suspicious: rules that can never apply,
    /// forbid rules that read an attribute without a `has` guard, algorithms with no key.
    ///
    /// ```
    /// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
    ///   "rules":[{"id":"b","effect":"forbid","resource":"*","actions":"*","when":"principal.claims.banned == true"}]}"#).unwrap();
    /// let w = engine.warnings();
    /// assert_eq!(w[0].path, "rules[0].when");
    /// assert!(w[0].message.contains("without a `has` guard"));
    /// ```
    pub fn warnings(&self) -> Vec<Warning> {
        lint::warnings(&self.policy)
    }
}

/// How a verification may get a remote key set's keys (`keys.jwks_url`); local keys
/// ignore it. Each public form of [`Engine::verify`] uses one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyAccess {
    /// As [`Engine::verify`]: with the `http` feature, fetch (or wait for the fetch under
    /// way) when the keys are due, blocking; without it, as `Cached`.
    Fetch,
    /// As [`Engine::verify_cached`]: the keys cached now, never a fetch.
    Cached,
    /// As [`Engine::verify_if_ready`]: the keys cached now, unless a fetch is due or under
    /// way, and then no verification at all.
    IfReady,
}

/// A verification's result inside the engine.
pub(crate) enum Verified {
    /// A verified-token cache hit, its claims checked again.
    Hit(Arc<Entry>),
    /// A whole verification.
    Fresh(Principal),
    /// [`KeyAccess::IfReady`] and the keys are not ready.
    NotReady,
}

impl Verified {
    /// The principal. `NotReady` comes only from `KeyAccess::IfReady`, whose callers look
    /// for it first; anywhere else it fails closed as unavailable keys.
    pub(crate) fn into_principal(self) -> Result<Principal, AuthError> {
        match self {
            Verified::Hit(entry) => Ok(entry.principal.clone()),
            Verified::Fresh(principal) => Ok(principal),
            Verified::NotReady => Err(keys_not_ready()),
        }
    }
}

/// What `Verified::NotReady` becomes anywhere but `KeyAccess::IfReady`: unavailable keys,
/// failing closed.
pub(crate) fn keys_not_ready() -> AuthError {
    AuthError::new(Reason::KeysUnavailable, "the keys are not ready")
}

/// How a token verified: the key set generation, its `kid` and `alg`.
struct Stamp {
    generation: u64,
    kid: Option<String>,
    alg: Algorithm,
}

fn read_document(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError::new("", format!("cannot read {}: {e}", path.display())))
}

fn parse_document(text: &str) -> Result<Value, ConfigError> {
    serde_json::from_str(text).map_err(|e| {
        ConfigError::new("", format!("the policy is not valid JSON (line {}, column {})", e.line(), e.column()))
    })
}

/// The token in a credential that is either a compact token or a whole `Authorization`
/// value, for APIs that accept both (`engine.check(token_or_header, ...)` in Python).
///
/// A compact JWS never contains whitespace, so a value with whitespace, or the bare word
/// `Bearer`, is read as an `Authorization` value (see [`bearer_token`]); anything else is
/// the token itself.
///
/// ```
/// use wardgate::credential_token;
/// assert_eq!(credential_token("abc.def.ghi").unwrap(), "abc.def.ghi");
/// assert_eq!(credential_token("Bearer abc.def.ghi").unwrap(), "abc.def.ghi");
/// assert_eq!(credential_token("").unwrap(), "");
/// assert!(credential_token("Basic dXNlcg==").is_err());
/// assert!(credential_token("bearer").is_err());
/// ```
pub fn credential_token(credential: &str) -> Result<&str, AuthError> {
    if credential.contains(char::is_whitespace) || credential.eq_ignore_ascii_case("bearer") {
        bearer_token(credential)
    } else {
        Ok(credential)
    }
}

/// The token of a `Bearer` `Authorization` value.
///
/// ```
/// use wardgate::bearer_token;
/// assert_eq!(bearer_token("bearer  abc.def.ghi ").unwrap(), "abc.def.ghi");
/// assert!(bearer_token("Bearer").is_err());
/// assert!(bearer_token("Basic abc").is_err());
/// ```
pub fn bearer_token(header: &str) -> Result<&str, AuthError> {
    let missing = || AuthError::new(Reason::Missing, "the Authorization header does not carry a Bearer token");
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').ok_or_else(missing)?;
    let token = rest.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(missing());
    }
    Ok(token)
}
