//! The engine: a compiled policy that verifies tokens and decides requests.

pub(crate) mod options;
pub(crate) mod token_cache;

pub use options::{KeyAccess, Options};

use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::filter::{Filter, FilterError};

use crate::error::{AuthError, ConfigError, Reason};
use crate::keys::remote::cache::{KeyCache, KeyEvent, KeyFetch, KeyNeed, KeyResponse};
use crate::keys::set::Unfit;
use crate::keys::status::KeyStatus;
use crate::keys::Keys;
use crate::policy::decision::{self, Decision};
use crate::policy::lint::{self, Warning};
use crate::policy::principal::Principal;
use crate::policy::request::Request;
use crate::policy::Policy;
use crate::revocation::revoke::{Revoke, RevokeError};
use crate::revocation::status::RevocationStatus;
use crate::revocation::url::UrlSource;
use crate::time::{monotonic_ms, UnixTime};
use crate::token;
use crate::token::algorithm::Algorithm;
use crate::token::claims;
use crate::token::credential::Credential;
use token_cache::{CacheStatus, Entry, TokenCache};

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

    /// Verifies a credential and maps its token's claims to a [`Principal`].
    ///
    /// `credential` is a compact token (a `&str` converts) or an `Authorization` value
    /// ([`Credential::Authorization`]); `options` is the time claims are checked against
    /// (any integer or [`UnixTime`] converts) and how a remote key set's keys may be
    /// obtained ([`KeyAccess`]: by default fetched as needed, blocking, with the `http`
    /// feature). Checks run in the contract's order: length, structure, header, key
    /// selection, signature, claims, then revocation (with a `revocation` section). An empty
    /// token is [`Reason::Missing`].
    ///
    /// ```
    /// use wardgate::{Credential, Engine, KeyAccess, Options, Reason};
    /// let engine = Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwks_url":"http://127.0.0.1:9/jwks"}}"#).unwrap();
    /// let err = engine.verify("", 1_764_000_000).unwrap_err();
    /// assert_eq!(err.code().as_str(), "TOKEN_MISSING");
    /// let err = engine.verify(Credential::Authorization("Basic dXNlcjpwYXNz"), 1_764_000_000).unwrap_err();
    /// assert_eq!(err.reason(), Reason::Missing);
    /// // Nothing is cached and this call may not fetch: 503, the keys are unavailable.
    /// let token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2ln";
    /// let err = engine.verify(token, Options::at(1_764_000_000).keys(KeyAccess::Cached)).unwrap_err();
    /// assert_eq!((err.reason(), err.status()), (Reason::KeysUnavailable, 503));
    /// ```
    pub fn verify<'a>(
        &self,
        credential: impl Into<Credential<'a>>,
        options: impl Into<Options>,
    ) -> Result<Principal, AuthError> {
        self.verified(credential.into(), options.into())?.into_principal()
    }

    /// The verification [`Engine::verify`] and the binding layer share: the token cache
    /// first, then [`Engine::verify_token`].
    pub(crate) fn verified(&self, credential: Credential<'_>, options: Options) -> Result<Verified, AuthError> {
        let (token, now, access) = (credential.token()?, options.now, options.keys);
        if token.is_empty() {
            return Err(AuthError::new(Reason::Missing, "no token was presented"));
        }
        let Some(tokens) = &self.policy.cache else {
            return Ok(self
                .verify_token(token, now, access)?
                .map_or_else(Verified::NotReady, |(p, _)| Verified::Fresh(p)));
        };
        let digest = token_cache::digest(token);
        if let Some(entry) = tokens.get(&digest) {
            match self.cached(&entry, now, access) {
                Some(Ok(Ok(()))) => {
                    tokens.count(true);
                    return Ok(Verified::Hit(entry));
                }
                Some(Ok(Err(pending))) => return Ok(Verified::NotReady(pending)),
                Some(Err(e)) => {
                    tokens.count(true);
                    return Err(e);
                }
                None => tokens.forget(&digest),
            }
        }
        let verified = self.verify_token(token, now, access);
        if !matches!(verified, Ok(Err(_))) {
            tokens.count(false);
        }
        let (principal, Stamp { generation, kid, alg }) = match verified? {
            Ok(done) => done,
            Err(pending) => return Ok(Verified::NotReady(pending)),
        };
        tokens.insert(digest, Entry::new(principal.clone(), generation, kid, alg));
        Ok(Verified::Fresh(principal))
    }

    /// A cache hit: `None` when the entry was verified with keys no longer in use;
    /// `Some(Ok(Err(reason)))` when, with [`KeyAccess::IfReady`], the keys or the revoked
    /// set are due for a fetch; otherwise every claim check again, with the caller's `now`,
    /// and the revocation step against the set in force now.
    fn cached(&self, entry: &Entry, now: UnixTime, access: KeyAccess) -> Option<Result<Ready<()>, AuthError>> {
        let policy = &self.policy;
        let generation = match &policy.keys {
            Keys::Static(..) => 0,
            Keys::Remote(cache) => {
                // A hit still lets a due refresh of the keys happen, as a miss would.
                match access {
                    #[cfg(feature = "http")]
                    KeyAccess::Fetch => crate::keys::remote::http::settle(cache, entry.kid.as_deref(), entry.alg),
                    KeyAccess::IfReady if !cache.ready(entry.kid.as_deref(), entry.alg, monotonic_ms()) => {
                        return Some(Ok(Err(Reason::KeysUnavailable)))
                    }
                    _ => {}
                }
                cache.generation(monotonic_ms())?
            }
        };
        if generation != entry.generation {
            return None;
        }
        let claims = &entry.principal.claims;
        Some(
            claims::check(claims, &policy.claims, &policy.principal, now).and_then(|()| self.unrevoked(claims, access)),
        )
    }

    /// The whole verification: the principal, and what the token cache keeps beside it;
    /// `Ok(Err(reason))` when, with [`KeyAccess::IfReady`], a remote key set
    /// (`KeysUnavailable`) or the revoked set of `revocation.url` (`RevocationUnavailable`)
    /// must be fetched first.
    fn verify_token(
        &self,
        token: &str,
        now: UnixTime,
        access: KeyAccess,
    ) -> Result<Ready<(Principal, Stamp)>, AuthError> {
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
                        KeyAccess::Fetch => crate::keys::remote::http::settle(cache, parsed.kid.as_deref(), parsed.alg),
                        KeyAccess::IfReady if !cache.ready(parsed.kid.as_deref(), parsed.alg, monotonic_ms()) => {
                            return Ok(Err(Reason::KeysUnavailable))
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
        if let Err(pending) = self.unrevoked(&parsed.payload, access)? {
            return Ok(Err(pending));
        }
        let stamp = Stamp { generation, kid: parsed.kid, alg: parsed.alg };
        Ok(Ok((policy.principal.principal(parsed.payload), stamp)))
    }

    /// The last step of verification: with a `revocation` section, verified `claims` that
    /// the set in force revokes are [`Reason::Revoked`]. A `revocation.url` set is obtained
    /// first as `access` allows: `Ok(Err(RevocationUnavailable))` when, with
    /// [`KeyAccess::IfReady`], it must be fetched first.
    fn unrevoked(&self, claims: &Map<String, Value>, access: KeyAccess) -> Result<Ready<()>, AuthError> {
        match &self.policy.revocation {
            None => Ok(Ok(())),
            Some(revocation) => match revocation.check(claims, &self.policy.principal.id, access)? {
                true => Ok(Ok(())),
                false => Ok(Err(Reason::RevocationUnavailable)),
            },
        }
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

    /// Plans a list filter: which resources of `resource_type` `authorize` would allow
    /// `principal` to `action`, with `context`, as a condition on their attributes (see
    /// [`crate::filter`]). Nothing is fetched or verified; the principal is taken as given.
    ///
    /// # Errors
    ///
    /// [`FilterError`] when a rule's condition cannot be planned exactly (a resource
    /// attribute compared with a list holding resource attributes) or grows beyond
    /// [`filter::MAX_PLAN_SIZE`](crate::filter::MAX_PLAN_SIZE) nodes.
    ///
    /// ```
    /// # let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    /// #   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
    /// #   "rules":[{"id":"banned","effect":"forbid","resource":"*","actions":"*","when":"principal.claims.banned == true"}]}"#).unwrap();
    /// use wardgate::filter::FilterKind;
    /// use wardgate::Principal;
    /// use serde_json::{json, Map};
    /// let troll = Principal::new("troll", vec![], None, json!({"banned": true}));
    /// assert_eq!(engine.filter(&troll, "read", "todo", &Map::new())?.kind(), FilterKind::Never);
    /// # Ok::<(), wardgate::filter::FilterError>(())
    /// ```
    pub fn filter(
        &self,
        principal: &Principal,
        action: &str,
        resource_type: &str,
        context: &Map<String, Value>,
    ) -> Result<Filter, FilterError> {
        Filter::plan(&self.policy.rules, principal, action, resource_type, context)
    }

    /// [`Engine::verify`] then [`Engine::authorize`].
    ///
    /// ```
    /// # let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    /// #   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}}"#).unwrap();
    /// use wardgate::{Credential, Request};
    /// let request = Request::new("read", serde_json::json!({"type": "todo"}));
    /// assert!(engine.check("a.b", &request, 1_764_000_000).is_err());
    /// let err = engine.check(Credential::Authorization(""), &request, 1_764_000_000).unwrap_err();
    /// assert_eq!(err.status(), 401);
    /// ```
    pub fn check<'a>(
        &self,
        credential: impl Into<Credential<'a>>,
        request: &Request,
        options: impl Into<Options>,
    ) -> Result<Decision, AuthError> {
        let principal = self.verify(credential, options)?;
        Ok(self.authorize(&principal, request))
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
    pub fn key_need<'a>(&self, credential: impl Into<Credential<'a>>) -> KeyNeed {
        match self.remote_for(credential.into()) {
            Some((cache, kid, alg)) => cache.need(kid.as_deref(), alg, monotonic_ms()),
            None => KeyNeed::Ready,
        }
    }

    /// Whether a verification may have to fetch: the keys come from `keys.jwks_url`, or the
    /// revoked entries from `revocation.url`.
    pub(crate) fn remote(&self) -> bool {
        matches!(self.policy.keys, Keys::Remote(_)) || self.revocation_url().is_some()
    }

    fn revocation_url(&self) -> Option<&UrlSource> {
        self.policy.revocation.as_ref().and_then(|r| r.url())
    }

    /// What the revocation step needs first, for hosts that fetch for the engine (as with
    /// [`Engine::key_need`]): [`KeyNeed::Ready`] (always, unless the policy's revoked
    /// entries come from `revocation.url`), [`KeyNeed::Fetch`] (nothing usable is held, or
    /// the set is older than `revocation.refresh.max_age`: GET the ticket's URL and hand the
    /// outcome to [`Engine::revocation_response`]) or [`KeyNeed::Wait`] (another caller's
    /// fetch is under way and no usable set is held). The ticket and the response are those
    /// of a key set fetch, and the same host code performs it.
    ///
    /// ```
    /// use wardgate::{Engine, KeyNeed, KeyResponse, Reason};
    /// let engine = Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
    ///   "revocation":{"url":"https://app.example.com/api/auth/wardgate/revoked?key=k1"}}"#).unwrap();
    /// let KeyNeed::Fetch(ticket) = engine.revocation_need() else { panic!("nothing is held yet") };
    /// assert_eq!(ticket.url, "https://app.example.com/api/auth/wardgate/revoked?key=k1");
    /// assert!(matches!(engine.revocation_need(), KeyNeed::Wait));
    /// // The host performs the GET; here the endpoint serves the set.
    /// let body = br#"{"sid": ["s1"], "jti": [], "subjects": {}}"#.to_vec();
    /// let response = KeyResponse::Http { status: 200, cache_control: None, content_encoding: None, body };
    /// engine.revocation_response(&ticket, response);
    /// assert!(matches!(engine.revocation_need(), KeyNeed::Ready));
    /// assert_eq!(engine.revocation_set().unwrap()["sid"][0], "s1");
    /// ```
    pub fn revocation_need(&self) -> KeyNeed {
        self.revocation_url().map_or(KeyNeed::Ready, |source| source.need(monotonic_ms()))
    }

    /// Hands the outcome of a [`KeyFetch`] from [`Engine::revocation_need`] to the
    /// `revocation.url` source. A set that reads by the rules of `revocation.inline`
    /// replaces the one held; anything else is a failed fetch, which never does. An answer
    /// to an abandoned ticket is ignored.
    pub fn revocation_response(&self, ticket: &KeyFetch, response: KeyResponse) {
        if let Some(source) = self.revocation_url() {
            source.answer(ticket, response, monotonic_ms());
        }
    }

    fn remote_for(&self, credential: Credential<'_>) -> Option<(&KeyCache, Option<String>, Algorithm)> {
        let Keys::Remote(cache) = &self.policy.keys else { return None };
        let parsed = token::parse(credential.token().ok()?, &self.policy.header).ok()?;
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
    /// use wardgate::{KeySource, KeyState};
    /// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwks_url":"https://auth.example.com/api/auth/jwks?tenant=a"}}"#).unwrap();
    /// let status = engine.key_status();
    /// assert_eq!((status.source, status.state, status.keys), (KeySource::JwksUrl, KeyState::Empty, 0));
    /// assert_eq!(status.url.as_deref(), Some("https://auth.example.com/api/auth/jwks"));
    /// ```
    pub fn key_status(&self) -> KeyStatus {
        match &self.policy.keys {
            Keys::Static(source, set) => KeyStatus::inline(*source, set),
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

    /// The revocation source's state, when the policy has a `revocation` section: where the
    /// entries come from, whether they can be vouched for, and how many there are.
    ///
    /// ```
    /// use wardgate::{RevocationSource, RevocationState};
    /// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
    ///   "revocation":{"inline":{"sid":["s1"],"jti":["j1","j2"]}}}"#).unwrap();
    /// let status = engine.revocation_status().unwrap();
    /// assert_eq!((status.source, status.state), (RevocationSource::Inline, RevocationState::Ready));
    /// assert_eq!((status.entries, status.sids, status.jtis, status.subjects), (3, 1, 2, 0));
    /// ```
    pub fn revocation_status(&self) -> Option<RevocationStatus> {
        self.policy.revocation.as_ref().map(|r| r.status())
    }

    /// The revoked set in force, in the JSON form of `revocation.inline`
    /// (`{"sid": [...], "jti": [...], "subjects": {"<principal id>": T}}`): what an endpoint
    /// serves to engines whose source is `revocation.url`. `None` without a `revocation`
    /// section, or when its source has no set to vouch for (verifications then fail with
    /// `REVOCATION_UNAVAILABLE`).
    ///
    /// ```
    /// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
    ///   "revocation":{"inline":{"sid":["s1"],"subjects":{"u1":1764000000}}}}"#).unwrap();
    /// assert_eq!(
    ///     engine.revocation_set(),
    ///     Some(serde_json::json!({"sid": ["s1"], "jti": [], "subjects": {"u1": 1764000000}}))
    /// );
    /// ```
    pub fn revocation_set(&self) -> Option<Value> {
        self.policy.revocation.as_ref().and_then(|r| r.to_value())
    }

    /// Revokes a session, a token or every token of a principal issued up to now, in every
    /// process that shares the policy's `revocation.redis_url` (cargo feature `redis`): the
    /// entries are written to Redis with `ttl` and announced, and this engine refuses the
    /// tokens as soon as the call returns. Blocks for one round trip to Redis (at most
    /// `revocation.refresh.timeout`, twice when a kept connection turns out to be closed).
    ///
    /// Fails with `REVOKE_INVALID` for an empty id, no id or a `ttl` out of range (checked
    /// first), `REVOKE_UNSUPPORTED` for any other source (or none; a `revocation.url` set is
    /// revoked where it is served), and `REVOKE_FAILED` when Redis cannot be written to
    /// (nothing may have been revoked).
    ///
    /// ```
    /// use wardgate::{Engine, Revoke};
    /// let engine = Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
    ///   "revocation":{"inline":{}}}"#).unwrap();
    /// let err = engine.revoke(&Revoke::new(900).sub("user_42")).unwrap_err();
    /// assert_eq!(err.code(), "REVOKE_UNSUPPORTED");
    /// assert_eq!(err.to_string(), "revoking needs a revocation.redis_url source; this policy has revocation.inline, which is read-only");
    /// ```
    pub fn revoke(&self, revoke: &Revoke) -> Result<(), RevokeError> {
        match &self.policy.revocation {
            Some(revocation) => revocation.revoke(revoke),
            None => {
                revoke.entries(0)?;
                Err(RevokeError::Unsupported("no revocation section"))
            }
        }
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

/// A verification's result inside the engine.
pub(crate) enum Verified {
    /// A verified-token cache hit, its claims checked again.
    Hit(Arc<Entry>),
    /// A whole verification.
    Fresh(Principal),
    /// [`KeyAccess::IfReady`] and the keys (`KeysUnavailable`) or the revoked set of
    /// `revocation.url` (`RevocationUnavailable`) are not ready.
    NotReady(Reason),
}

impl Verified {
    /// The principal. `NotReady` (only from `KeyAccess::IfReady`) is an error that fails
    /// closed as unavailable keys to whoever does not ask [`AuthError::keys_pending`].
    pub(crate) fn into_principal(self) -> Result<Principal, AuthError> {
        match self {
            Verified::Hit(entry) => Ok(entry.principal.clone()),
            Verified::Fresh(principal) => Ok(principal),
            Verified::NotReady(reason) => Err(AuthError::pending(reason)),
        }
    }
}

/// A result, or (with [`KeyAccess::IfReady`]) what must be fetched first: `KeysUnavailable`
/// for a remote key set, `RevocationUnavailable` for the set of `revocation.url`.
type Ready<T> = Result<T, Reason>;

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

#[cfg(test)]
mod tests;
