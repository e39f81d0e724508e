//! The policy's `revocation` section: exactly one source of revoked entries (`inline`,
//! `redis_url` or `url`) and, for the sources that are not inline, `stale_for`.
//!
//! ```json
//! "revocation": { "inline": { "sid": ["s1"], "jti": ["j1"], "subjects": { "user_1": 1764000000 } } }
//! ```
//!
//! `redis_url` needs the cargo feature `redis` (a build without it reads the URL for its
//! shape, so a document fails on its own mistakes first, and then refuses it); `url` is
//! available in every build.

use serde_json::Value;

use super::url::UrlSource;
use super::{Revocation, RevocationSet, MAX_SECONDS, MAX_TIME};
use crate::error::ConfigError;
use crate::keys::remote::url::{check_url, without_query, RemoteConfig};
use crate::policy::fields::{strings, type_name, Fields};

/// The members that give the entries; a section has exactly one.
const SOURCES: [&str; 3] = ["inline", "redis_url", "url"];
/// Every member of the section.
const MEMBERS: [&str; 5] = ["inline", "redis_url", "url", "stale_for", "refresh"];
/// The members of `revocation.inline` (and of the set a `url` endpoint serves).
pub(super) const INLINE_MEMBERS: [&str; 3] = ["sid", "jti", "subjects"];
/// The `revocation.refresh` settings, with their defaults in seconds for `redis_url`: the
/// longest the source goes without a full read, the least time between two attempts to
/// reach it, and how long an attempt may take.
const REFRESH: [(&str, u64); 3] = [("max_age", 30), ("cooldown", 1), ("timeout", 2)];
/// `revocation.refresh.max_age` for `url`, in seconds: how long a fetched set is used
/// before it is fetched again, which bounds how long a revoked token is still accepted
/// (a Redis mirror hears of each revocation as it is made, and reads everything again only
/// to catch what it missed).
const URL_MAX_AGE: u64 = 5;
/// The longest `revocation.refresh.timeout`, in seconds.
const MAX_TIMEOUT: u64 = 60;

/// `revocation.stale_for` when the document gives none, in seconds: how long the last set a
/// source obtained is still used while the source cannot be reached.
pub(crate) const DEFAULT_STALE_FOR: u64 = 60;

/// Reads the `revocation` section.
pub(crate) fn parse(value: &Value) -> Result<Revocation, ConfigError> {
    let fields = Fields::new(value, "revocation", &MEMBERS)?;
    let given: Vec<&str> = SOURCES.into_iter().filter(|name| fields.has(name)).collect();
    let source = match given.as_slice() {
        [one] => *one,
        [] => return Err(ConfigError::new("revocation", "needs exactly one of inline, redis_url or url")),
        _ => {
            return Err(ConfigError::new(
                "revocation",
                format!("needs exactly one of inline, redis_url or url, not {}", given.join(" and ")),
            ))
        }
    };
    let path = fields.path_of(source);
    if source == "inline" {
        let set = inline(fields.required(source)?, &path)?;
        for name in ["stale_for", "refresh"] {
            if fields.has(name) {
                return Err(fields
                    .error(name, "applies only to revocation.redis_url and revocation.url, not revocation.inline"));
            }
        }
        return Ok(Revocation::Inline(set));
    }
    let url = fields.string(source)?.ok_or_else(|| fields.error(source, "is required"))?;
    let url = if source == "redis_url" {
        check_redis_url(url).map_err(|problem| ConfigError::new(&path, problem))?;
        url.to_owned()
    } else {
        check_url(url).map_err(|problem| ConfigError::new(&path, problem.to_string()))?
    };
    let stale_for = fields.non_negative("stale_for", MAX_SECONDS)?.unwrap_or(DEFAULT_STALE_FOR);
    let [max_age, cooldown, timeout] = refresh(&fields, source == "url")?;
    let [max_age, cooldown, timeout, stale_for] = [max_age, cooldown, timeout, stale_for].map(|s| s * 1000);
    if source == "url" {
        let shown = without_query(&url).to_owned();
        let config = RemoteConfig { url, shown, max_age, cooldown, timeout, stale_for };
        return Ok(Revocation::Url(Box::new(UrlSource::new(config))));
    }
    redis_source(&url, [max_age, cooldown, timeout, stale_for]).map_err(|problem| ConfigError::new(path, problem))
}

/// `revocation.refresh`: its three durations in seconds, the source's defaults filled in.
fn refresh(fields: &Fields<'_>, url: bool) -> Result<[u64; 3], ConfigError> {
    let mut seconds = REFRESH.map(|(_, default)| default);
    if url {
        seconds[0] = URL_MAX_AGE;
    }
    let Some(value) = fields.get("refresh") else { return Ok(seconds) };
    let path = fields.path_of("refresh");
    let names = REFRESH.map(|(name, _)| name);
    let refresh = Fields::new(value, &path, &names)?;
    for (slot, name) in seconds.iter_mut().zip(names) {
        let max = if name == "timeout" { MAX_TIMEOUT } else { MAX_SECONDS };
        if let Some(n) = refresh.non_negative(name, max)? {
            *slot = n;
        }
    }
    if seconds[2] == 0 {
        return Err(refresh.error("timeout", "must be at least 1"));
    }
    Ok(seconds)
}

/// The Redis source for `url`, with `[max_age, cooldown, timeout, stale_for]` in ms.
#[cfg(feature = "redis")]
fn redis_source(url: &str, [max_age, cooldown, timeout, stale_for]: [u64; 4]) -> Result<Revocation, &'static str> {
    let timing = super::redis::Timing { max_age, cooldown, timeout, stale_for };
    super::redis::RedisSource::start(url, timing).map(|source| Revocation::Redis(Box::new(source)))
}

/// Without the `redis` feature there is no client to mirror a Redis server with.
#[cfg(not(feature = "redis"))]
fn redis_source(_url: &str, _timing: [u64; 4]) -> Result<Revocation, &'static str> {
    Err("this build has no Redis client (the wardgate crate's `redis` feature); the WebAssembly build, which cannot open connections, reads revocation.url")
}

/// `revocation.inline`: `{"sid": [...], "jti": [...], "subjects": {"<principal id>": T}}`,
/// each member optional and possibly empty; also the body a `url` endpoint serves.
pub(super) fn inline(value: &Value, path: &str) -> Result<RevocationSet, ConfigError> {
    let fields = Fields::new(value, path, &INLINE_MEMBERS)?;
    let sids = ids(&fields, "sid", "session ids")?;
    let jtis = ids(&fields, "jti", "token ids")?;
    let subjects = match fields.get("subjects") {
        None => Vec::new(),
        Some(value @ Value::Object(map)) => {
            let path = fields.path_of("subjects");
            let times = Fields::open_any(value, &path)?;
            let mut subjects = Vec::with_capacity(map.len());
            for id in map.keys() {
                if id.is_empty() {
                    return Err(ConfigError::new(&path, "a principal id must not be empty"));
                }
                let before = times.non_negative(id, MAX_TIME)?.ok_or_else(|| times.error(id, "is required"))?;
                subjects.push((id.clone(), before));
            }
            subjects
        }
        Some(other) => {
            return Err(fields.error(
                "subjects",
                format!("must be an object of principal ids and times (Unix seconds), not {}", type_name(other)),
            ))
        }
    };
    Ok(RevocationSet::new(sids, jtis, subjects))
}

/// A list of non-empty strings (possibly `[]`), or nothing.
fn ids(fields: &Fields<'_>, name: &str, what: &str) -> Result<Vec<String>, ConfigError> {
    match fields.get(name) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => strings(items, &fields.path_of(name), true),
        Some(other) => Err(fields.error(name, format!("must be a list of {what}, not {}", type_name(other)))),
    }
}

/// The shape of a `redis://` or `rediss://` URL. The problems never repeat the URL, which
/// may hold a password.
fn check_redis_url(url: &str) -> Result<(), &'static str> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain whitespace or control characters");
    }
    let scheme_end = url.find("://").ok_or("must be a redis:// or rediss:// URL")?;
    if !["redis", "rediss"].iter().any(|s| url[..scheme_end].eq_ignore_ascii_case(s)) {
        return Err("must be a redis:// or rediss:// URL");
    }
    let rest = &url[scheme_end + 3..];
    if rest.is_empty() || rest.starts_with(['/', '?', '#']) {
        return Err("has no host");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revocation::status::RevocationState;
    use serde_json::json;

    fn err(value: Value) -> String {
        parse(&value).unwrap_err().to_string()
    }

    fn status(value: Value) -> (usize, usize, usize) {
        let Ok(Revocation::Inline(set)) = parse(&value) else { panic!("not an inline set") };
        set.counts()
    }

    #[test]
    fn inline_sets() {
        let full = json!({"inline": {"sid": ["s1", "s2"], "jti": ["j1"], "subjects": {"u1": 1_764_000_000, "u2": 0}}});
        assert_eq!(status(full), (2, 1, 2));
        assert_eq!(status(json!({"inline": {}})), (0, 0, 0));
        assert_eq!(status(json!({"inline": {"sid": [], "jti": [], "subjects": {}}})), (0, 0, 0));
        assert_eq!(status(json!({"inline": {"sid": ["s1", "s1"]}})), (1, 0, 0));
        assert_eq!(status(json!({"inline": {"subjects": {"u1": 9_007_199_254_740_991u64}}})), (0, 0, 1));
    }

    #[test]
    fn exactly_one_source() {
        assert_eq!(err(json!({})), "revocation: needs exactly one of inline, redis_url or url");
        assert_eq!(err(json!({"stale_for": 60})), "revocation: needs exactly one of inline, redis_url or url");
        assert_eq!(
            err(json!({"inline": {}, "url": "https://a.example/revoked"})),
            "revocation: needs exactly one of inline, redis_url or url, not inline and url"
        );
        assert!(err(json!([])).starts_with("revocation: this must be an object"));
    }

    #[test]
    fn unknown_members_are_named_with_a_suggestion() {
        assert_eq!(err(json!({"inlne": {}})), "revocation.inlne: unknown field (did you mean `inline`?)");
        assert_eq!(err(json!({"inline": {}, "stale": 60})), "revocation.stale: unknown field");
        assert_eq!(
            err(json!({"inline": {}, "stale_fr": 60})),
            "revocation.stale_fr: unknown field (did you mean `stale_for`?)"
        );
        assert_eq!(err(json!({"redis": "redis://x"})), "revocation.redis: unknown field");
        assert_eq!(err(json!({"inline": {"sids": []}})), "revocation.inline.sids: unknown field (did you mean `sid`?)");
        assert_eq!(
            err(json!({"inline": {"subject": {}}})),
            "revocation.inline.subject: unknown field (did you mean `subjects`?)"
        );
    }

    #[test]
    fn inline_members_are_checked_with_paths() {
        assert_eq!(err(json!({"inline": []})), "revocation.inline: this must be an object, not a list");
        assert_eq!(
            err(json!({"inline": {"sid": "s1"}})),
            "revocation.inline.sid: must be a list of session ids, not a string"
        );
        assert_eq!(
            err(json!({"inline": {"jti": {"j1": 1}}})),
            "revocation.inline.jti: must be a list of token ids, not an object"
        );
        assert_eq!(err(json!({"inline": {"sid": ["s1", ""]}})), "revocation.inline.sid[1]: must not be empty");
        assert_eq!(
            err(json!({"inline": {"jti": ["j1", 2]}})),
            "revocation.inline.jti[1]: must be a string, not a number"
        );
        assert!(
            err(json!({"inline": {"subjects": ["u1"]}})).starts_with("revocation.inline.subjects: must be an object")
        );
        assert_eq!(
            err(json!({"inline": {"subjects": {"": 1}}})),
            "revocation.inline.subjects: a principal id must not be empty"
        );
        assert!(err(json!({"inline": {"subjects": {"u1": -1}}}))
            .starts_with("revocation.inline.subjects.u1: must be a non-negative"));
        assert!(err(json!({"inline": {"subjects": {"u1": 1.5}}})).ends_with("not a fraction"));
        assert!(err(json!({"inline": {"subjects": {"u1": "2025-01-01"}}})).ends_with("not a string"));
        assert!(err(json!({"inline": {"subjects": {"u1": null}}})).ends_with("not null"));
        assert_eq!(
            err(json!({"inline": {"subjects": {"u1": 9_007_199_254_740_992u64}}})),
            "revocation.inline.subjects.u1: must be at most 9007199254740991"
        );
    }

    #[test]
    fn stale_for_and_refresh_belong_to_the_remote_sources() {
        for name in ["stale_for", "refresh"] {
            assert_eq!(
                err(json!({"inline": {}, name: 60})),
                format!(
                    "revocation.{name}: applies only to revocation.redis_url and revocation.url, not revocation.inline"
                )
            );
        }
        // The source's own problems come first, as for redis_url and url.
        assert!(err(json!({"inline": {"sid": "s1"}, "stale_for": 60})).starts_with("revocation.inline.sid:"));
        let url = |extra: Value| {
            let mut doc = json!({"url": "https://auth.example.com/api/auth/wardgate/revoked"});
            doc.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            err(doc)
        };
        assert!(url(json!({"stale_for": -1})).starts_with("revocation.stale_for: must be a non-negative"));
        assert!(url(json!({"stale_for": 0.5})).starts_with("revocation.stale_for: must be a non-negative"));
        assert!(url(json!({"stale_for": "60"})).starts_with("revocation.stale_for: must be a non-negative"));
        assert_eq!(url(json!({"stale_for": 366 * 24 * 3600 + 1})), "revocation.stale_for: must be at most 31622400");
        assert_eq!(url(json!({"refresh": {"timeout": 0}})), "revocation.refresh.timeout: must be at least 1");
        assert_eq!(url(json!({"refresh": {"timeout": 61}})), "revocation.refresh.timeout: must be at most 60");
        assert_eq!(
            url(json!({"refresh": {"max_agе": 1}})),
            "revocation.refresh.max_agе: unknown field (did you mean `max_age`?)"
        );
        assert!(url(json!({"refresh": 5})).starts_with("revocation.refresh: this must be an object"));
    }

    #[test]
    fn a_url_makes_a_url_source_with_its_own_defaults() {
        let timing = |doc: Value| {
            let Ok(Revocation::Url(source)) = parse(&doc) else { panic!("not a url source: {doc}") };
            let c = source.config();
            (c.url.clone(), c.shown.clone(), [c.max_age, c.cooldown, c.timeout, c.stale_for])
        };
        // The canonical URL is fetched; status shows it without its query.
        let (url, shown, defaults) = timing(json!({"url": "HTTPS://App.Example.com:443/api/revoked?key=k1"}));
        assert_eq!(
            (url.as_str(), shown.as_str()),
            ("https://app.example.com/api/revoked?key=k1", "https://app.example.com/api/revoked")
        );
        assert_eq!(defaults, [5_000, 1_000, 2_000, 60_000]);
        let (_, _, given) = timing(json!({"url": "http://127.0.0.1:3000/revoked", "stale_for": 0,
                                          "refresh": {"max_age": 30, "cooldown": 0, "timeout": 60}}));
        assert_eq!(given, [30_000, 0, 60_000, 0]);
        assert!(matches!(
            parse(&json!({"url": "https://a.example/r"})).unwrap().status().state,
            RevocationState::Starting
        ));
    }

    #[cfg(feature = "redis")]
    #[test]
    fn a_redis_url_makes_a_redis_source() {
        let doc = json!({"redis_url": "redis://127.0.0.1:9/0", "stale_for": 0, "refresh": {"max_age": 5, "cooldown": 0, "timeout": 1}});
        assert!(matches!(parse(&doc), Ok(Revocation::Redis(_))));
        for url in ["rediss://:secret@cache.example:6380", "REDIS://localhost"] {
            assert!(matches!(parse(&json!({"redis_url": url})), Ok(Revocation::Redis(_))), "{url}");
        }
    }

    #[cfg(not(feature = "redis"))]
    #[test]
    fn a_redis_url_needs_the_redis_feature() {
        assert!(err(json!({"redis_url": "redis://127.0.0.1:6379/0"}))
            .starts_with("revocation.redis_url: this build has no Redis client"));
    }

    #[test]
    fn remote_sources_are_checked_for_their_shape() {
        for (url, problem) in [
            ("http://127.0.0.1:6379", "must be a redis:// or rediss:// URL"),
            ("127.0.0.1:6379", "must be a redis:// or rediss:// URL"),
            ("redis://", "has no host"),
            ("redis:///0", "has no host"),
            ("redis://:pw@host /0", "must not contain whitespace or control characters"),
        ] {
            let msg = err(json!({"redis_url": url}));
            assert_eq!(msg, format!("revocation.redis_url: {problem}"));
        }
        assert_eq!(err(json!({"redis_url": ""})), "revocation.redis_url: must not be empty");
        assert_eq!(err(json!({"redis_url": 6379})), "revocation.redis_url: must be a string, not a number");
        assert!(err(json!({"url": "http://auth.example.com/revoked"})).starts_with("revocation.url: must use https:"));
        assert!(err(json!({"url": {"href": "https://a.example"}})).starts_with("revocation.url: must be a string"));
        // Messages never repeat a URL, which may hold a password or a key.
        let msg = err(json!({"redis_url": "rediss://:hunter2@cache.example:6380 "}));
        assert!(!msg.contains("hunter2"), "{msg}");
    }
}
