//! `keys.jwks_url` and `keys.refresh`: where a remote key set lives and how it is kept.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::doc::Fields;
use crate::error::ConfigError;

/// The `refresh` settings, with their defaults.
const REFRESH: [(&str, u64); 4] = [("max_age", 600), ("cooldown", 30), ("timeout", 5), ("stale_for", 86_400)];

/// The longest `refresh.timeout`, in seconds.
const MAX_TIMEOUT: u64 = 60;
/// The longest of the other `refresh` durations (one year), in seconds.
const MAX_SECONDS: u64 = 366 * 24 * 3600;

/// A validated `keys.jwks_url` with its `keys.refresh` settings, in milliseconds.
#[derive(Clone)]
pub(crate) struct RemoteConfig {
    /// The URL fetched.
    pub url: String,
    /// The URL without its query, for messages and status (a query may carry a credential).
    pub shown: String,
    /// How long fetched keys are fresh when the response sets no `Cache-Control: max-age`.
    pub max_age: u64,
    /// The least time between two fetches started for an unknown `kid` or stale keys.
    pub cooldown: u64,
    /// How long a fetch may take.
    pub timeout: u64,
    /// How long keys are still served after they stop being fresh while fetches fail.
    pub stale_for: u64,
}

/// Shows the URL without its query, which may hold a credential.
impl std::fmt::Debug for RemoteConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteConfig")
            .field("url", &self.shown)
            .field("max_age", &self.max_age)
            .field("cooldown", &self.cooldown)
            .field("timeout", &self.timeout)
            .field("stale_for", &self.stale_for)
            .finish()
    }
}

/// Reads `jwks_url` and `refresh` from the `keys` section.
pub(crate) fn parse(keys: &Fields<'_>) -> Result<RemoteConfig, ConfigError> {
    let url = keys.string("jwks_url")?.ok_or_else(|| keys.error("jwks_url", "is required"))?;
    let shown = check_url(url).map_err(|problem| keys.error("jwks_url", problem))?;
    let path = keys.path_of("refresh");
    let mut seconds = REFRESH.map(|(_, default)| default);
    if let Some(value) = keys.get("refresh") {
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
    }
    let [max_age, cooldown, timeout, stale_for] = seconds.map(|s| s * 1000);
    Ok(RemoteConfig { url: url.to_owned(), shown, max_age, cooldown, timeout, stale_for })
}

/// The URL without its query, for messages, status and `Debug` (a query may carry a credential).
pub(crate) fn without_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// Checks a JWKS URL: `https:`, or `http:` to a loopback host only; no credentials, no
/// fragment, no whitespace. Returns the URL without its query, for display. Problems
/// never repeat the URL, which may hold a credential.
fn check_url(url: &str) -> Result<String, String> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain whitespace or control characters".into());
    }
    let (scheme, rest) = url.split_once("://").ok_or("must be an absolute https: URL")?;
    let secure = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return Err("must be an https: URL (http: only for a loopback host)".into()),
    };
    if url.contains('#') {
        return Err("must not have a fragment (#...)".into());
    }
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return Err("must not carry credentials (user:password@)".into());
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']').ok_or("has an unclosed [ in its host")?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err("has no host".into());
    }
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err() {
            return Err("has an invalid port".into());
        }
    }
    if !secure && !is_loopback(host) {
        return Err("must use https: (http: is allowed only for localhost, 127.0.0.0/8 and [::1])".into());
    }
    Ok(without_query(url).to_owned())
}

/// `localhost` (and names under it), an IPv4 loopback address, or `::1`.
fn is_loopback(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host);
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn config(keys: Value) -> Result<RemoteConfig, String> {
        let fields = Fields::new(&keys, "keys", &["jwks_url", "refresh"]).unwrap();
        parse(&fields).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_overrides() {
        let c = config(json!({"jwks_url": "https://auth.example.com/api/auth/jwks"})).unwrap();
        assert_eq!((c.max_age, c.cooldown, c.timeout, c.stale_for), (600_000, 30_000, 5_000, 86_400_000));
        let c = config(json!({"jwks_url": "http://127.0.0.1:3000/jwks", "refresh": {"cooldown": 1, "timeout": 2}}))
            .unwrap();
        assert_eq!((c.max_age, c.cooldown, c.timeout), (600_000, 1_000, 2_000));
    }

    #[test]
    fn refresh_values_are_checked_with_paths() {
        let url = "https://a.example/jwks";
        let err = |refresh: Value| config(json!({"jwks_url": url, "refresh": refresh})).unwrap_err();
        assert_eq!(err(json!({"maxage": 1})), "keys.refresh.maxage: unknown field");
        assert!(err(json!({"timeout": 0})).starts_with("keys.refresh.timeout: must be at least 1"));
        assert!(err(json!({"timeout": 61})).starts_with("keys.refresh.timeout: must be at most 60"));
        assert!(err(json!({"cooldown": -1})).starts_with("keys.refresh.cooldown: must be a non-negative"));
        assert!(err(json!("soon")).starts_with("keys.refresh: this must be an object"));
    }

    #[test]
    fn urls() {
        for ok in [
            "https://auth.example.com/api/auth/jwks",
            "HTTPS://auth.example.com:8443/jwks?tenant=a",
            "http://localhost:3000/api/auth/jwks",
            "http://127.0.0.1/jwks",
            "http://127.8.9.10:80/jwks",
            "http://[::1]:3000/jwks",
            "http://api.localhost/jwks",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("http://auth.example.com/jwks", "must use https:"),
            ("http://10.0.0.1/jwks", "must use https:"),
            ("http://[::2]/jwks", "must use https:"),
            ("ftp://a.example/jwks", "must be an https: URL"),
            ("auth.example.com/jwks", "absolute"),
            ("https:///jwks", "no host"),
            ("https://user:pw@a.example/jwks", "credentials"),
            ("https://a.example:99999/jwks", "invalid port"),
            ("https://a.example:/jwks", "invalid port"),
            ("https://a.example/jwks#x", "fragment"),
            ("https://a.example/ jwks", "whitespace"),
            ("http://localhost.evil.example/jwks", "must use https:"),
        ] {
            let err = check_url(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
            assert!(!err.contains("pw@"));
        }
        assert_eq!(check_url("https://a.example/jwks?key=secret").unwrap(), "https://a.example/jwks");
        let c = config(json!({"jwks_url": "https://a.example/jwks?key=secret"})).unwrap();
        assert!(!format!("{c:?}").contains("secret"));
    }
}
