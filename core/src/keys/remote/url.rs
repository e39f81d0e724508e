//! `keys.jwks_url` and `keys.refresh`: where a remote key set lives and how it is kept.

mod canonical;

use crate::error::ConfigError;
use crate::policy::fields::Fields;

/// The `refresh` settings, with their defaults.
const REFRESH: [(&str, u64); 4] = [("max_age", 600), ("cooldown", 30), ("timeout", 5), ("stale_for", 86_400)];

/// The longest `refresh.timeout`, in seconds.
const MAX_TIMEOUT: u64 = 60;
/// The longest of the other `refresh` durations (one year), in seconds.
const MAX_SECONDS: u64 = 366 * 24 * 3600;

/// A validated `keys.jwks_url` with its `keys.refresh` settings, in milliseconds.
#[derive(Clone)]
pub(crate) struct RemoteConfig {
    /// The canonical form of `keys.jwks_url` (see [`check_url`]): what every fetcher is given.
    pub url: String,
    /// `url` without its query, for messages and status (a query may carry a credential).
    pub shown: String,
    /// The longest fetched keys are fresh (trusted without asking again); a response's
    /// `Cache-Control` may shorten it, never lengthen it.
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
    let url = check_url(url).map_err(|problem| keys.error("jwks_url", problem.to_string()))?;
    let shown = without_query(&url).to_owned();
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
    Ok(RemoteConfig { url, shown, max_age, cooldown, timeout, stale_for })
}

/// The URL without its query, for messages, status and `Debug` (a query may carry a credential).
pub(crate) fn without_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// Checks a JWKS URL and gives its canonical form, the one text every fetcher is given and
/// status shows (without its query). Problems never repeat the URL, which may hold a
/// credential.
///
/// Three parsers read the URL: this check, the native fetch (`http::Uri` under ureq) and, in
/// the WebAssembly build, the host's `fetch` (a WHATWG URL parser). A URL is accepted only
/// when all three read the same scheme, host, port, path and query; the rest is refused
/// rather than guessed at:
/// - the scheme is `https:`, or `http:` to a loopback host (`localhost` or a name under it,
///   127.0.0.0/8, `[::1]`), followed by `//` and a host (WHATWG forgives `https:x`,
///   `https:/x` and `https:///x`; other parsers do not);
/// - no whitespace or control character anywhere (WHATWG strips tabs and newlines, and
///   leading and trailing spaces, silently), no character outside ASCII (WHATWG maps hosts
///   through IDNA, so `ⓛocalhost` is `localhost`, and percent-encodes the rest), no
///   backslash (WHATWG reads `\` as `/`: `http://evil.example\.localhost/` is a plain-text
///   fetch of `evil.example`), no fragment;
/// - no `@` before the path (readers split userinfo at the first or the last `@`);
/// - a host name of letters, digits, `-` and `_` in dot-separated labels of 1 to 63 bytes, no
///   label starting or ending with `-` (as TLS requires), no trailing dot, no
///   percent-encoding (WHATWG decodes `%6c`, `%2e`...), no `xn--` label (WHATWG checks and
///   rewrites it through IDNA tables the core does not carry);
/// - a host whose last label is a number is an IPv4 address written as four decimal
///   numbers without leading zeros: `127.1`, `0x7f.1`, `0177.0.0.1` and `2130706433` all
///   mean 127.0.0.1 to WHATWG (and to `inet_aton`) and are refused;
/// - an IPv6 address in brackets, without a zone id;
/// - a port of digits from 1 to 65535 (not empty: WHATWG reads `host:` as the default port);
/// - a path and a query of RFC 3986 characters and `%XX` escapes only (WHATWG
///   percent-encodes `"<>{}` and a backtick in the path and `'` in the query, where
///   `http::Uri` sends them as they are); no `.` or `..` segment, encoded or not (WHATWG
///   removes them); no `%2F`, `%5C` or encoded control character in the path (servers
///   differ on whether they separate segments); no empty query (`fetch` drops a lone `?`,
///   ureq sends it).
///
/// The canonical form writes scheme and host in lower case, IPv6 compressed as WHATWG
/// serialises it, the port without leading zeros and without the scheme's default, `/` for
/// an empty path, and the path and query exactly as given; parsing it again, by any of the
/// three, gives the same text. `tests/urls/jwks_urls.json` is a corpus of tricky URLs with
/// what the core does with each, run here, through the public API (`core/tests/jwks_urls.rs`)
/// and against Node's `URL` (`bindings-node/test/jwks-urls-suite.mjs`).
pub(crate) fn check_url(url: &str) -> Result<String, canonical::UrlProblem> {
    canonical::canonical(url)
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
        assert_eq!(err(json!({"maxage": 1})), "keys.refresh.maxage: unknown field (did you mean `max_age`?)");
        assert!(err(json!({"timeout": 0})).starts_with("keys.refresh.timeout: must be at least 1"));
        assert!(err(json!({"timeout": 61})).starts_with("keys.refresh.timeout: must be at most 60"));
        assert!(err(json!({"cooldown": -1})).starts_with("keys.refresh.cooldown: must be a non-negative"));
        assert!(err(json!("soon")).starts_with("keys.refresh: this must be an object"));
    }

    #[test]
    fn urls() {
        for ok in [
            "https://auth.example.com/api/auth/jwks",
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
            ("http://evil.example\\.localhost/jwks", "backslash"),
        ] {
            let err = check_url(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
            assert!(!err.contains("pw@") && !err.contains("example"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_fetched_url_is_canonical_and_the_shown_one_has_no_query() {
        let c = config(json!({"jwks_url": "HTTPS://Auth.Example.com:0443/jwks?key=secret"})).unwrap();
        assert_eq!(c.url, "https://auth.example.com/jwks?key=secret");
        assert_eq!(c.shown, "https://auth.example.com/jwks");
        assert!(!format!("{c:?}").contains("secret"));
        let err = config(json!({"jwks_url": "https://a.example/jwks?key=secret#x"})).unwrap_err();
        assert_eq!(err, "keys.jwks_url: must not have a fragment (#...)");
    }

    /// Every entry of the corpus (`tests/urls/jwks_urls.json`): refused for the problem it
    /// names, or accepted in exactly its canonical form.
    #[test]
    fn the_corpus_of_tricky_urls() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/urls/jwks_urls.json");
        let corpus: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let entries = corpus["urls"].as_array().unwrap();
        let mut failures = Vec::new();
        for entry in entries {
            let url = entry["url"].as_str().unwrap();
            let got = check_url(url).map_err(|problem| problem.code());
            let expected = match entry["canonical"].as_str() {
                Some(canonical) => Ok(canonical.to_owned()),
                None => Err(entry["refused"].as_str().unwrap()),
            };
            if got != expected {
                failures.push(format!("{url:?}: {got:?}, expected {expected:?}"));
            }
        }
        assert!(failures.is_empty(), "{} of {}:\n{}", failures.len(), entries.len(), failures.join("\n"));
    }

    #[test]
    fn canonical_text_reads_back_as_itself() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/urls/jwks_urls.json");
        let corpus: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for canonical in corpus["urls"].as_array().unwrap().iter().filter_map(|e| e["canonical"].as_str()) {
            assert_eq!(check_url(canonical).as_deref(), Ok(canonical));
        }
    }
}
