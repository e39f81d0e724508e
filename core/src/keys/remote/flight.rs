//! The fetches of a remote document, as a state machine without I/O: when one is due, one
//! at a time (single flight), each with a ticket, abandoned when it is not answered in
//! time, and what of a response is taken before its body is read. The key cache
//! (`keys.jwks_url`, see `cache`) and the revoked set of `revocation.url` (see
//! `crate::revocation::url`) both follow these rules; what each holds, and for how long it
//! serves, is its own.
//!
//! Rules, with `cooldown` and `timeout` from the source's `refresh`:
//! - Nothing usable held: fetch. After a failed fetch, the next one waits
//!   `min(cooldown, 1 s)`.
//! - What is held is due for a refresh (stale, or for keys a `kid` it lacks): fetch, at most
//!   once per `cooldown` after the last attempt; meanwhile what is held keeps serving.
//! - While a fetch is under way, a verification that needs its result (nothing usable held,
//!   or a `kid` the keys lack) waits for it; the others use what is held. A fetch not
//!   answered within `timeout` + 2 s is abandoned and a new one may start; a late answer to
//!   it is ignored.
//! - A response is taken only with status 200, a content coding of none or `gzip` (which
//!   every host decodes) and at most 1 MB of body once decoded; anything else is a failed
//!   fetch, which never replaces what is held.

use super::cache::{KeyFetch, KeyResponse};
use super::url::RemoteConfig;

/// With nothing usable held, the least time between failed fetches, in ms.
const EMPTY_RETRY: u64 = 1_000;
/// How long past its timeout a fetch is waited for before it counts as abandoned, in ms.
const ABANDON_AFTER: u64 = 2_000;
/// The content codings a body may come in besides none (`identity`), as the
/// `Accept-Encoding` a host sends: the ones every host decodes before handing the body
/// over (the native client, and the JavaScript `fetch` of the WebAssembly build).
pub(crate) const ACCEPT_ENCODING: &str = "gzip";
/// The longest `Content-Encoding` value a message repeats.
const MAX_SHOWN_ENCODING: usize = 40;
/// The largest body read, in bytes (decoded).
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the rules say for one verification, before any ticket is handed out.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Go ahead with what is held.
    Ready,
    /// Fetch (the caller gets a ticket).
    Fetch,
    /// Wait for the fetch under way.
    Wait,
}

/// What a source holds, as the rules see it at one moment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Held {
    /// Something usable is held.
    pub usable: bool,
    /// What is held is due for a refresh.
    pub due: bool,
    /// This verification needs the result of a fetch (nothing usable, a `kid` it lacks).
    pub needed: bool,
}

/// The fetches of one source: the one under way, the last attempt, whether the last
/// answered one failed.
#[derive(Debug, Default)]
pub(crate) struct Flights {
    /// When the last fetch was started.
    last_attempt: Option<u64>,
    /// Whether the last answered fetch failed.
    failing: bool,
    /// The fetch under way: its ticket id and when it started.
    in_flight: Option<(u64, u64)>,
    next_id: u64,
}

impl Flights {
    /// What a verification does at `clock`, given what is `held`.
    pub(crate) fn verdict(&self, config: &RemoteConfig, held: Held, clock: u64) -> Verdict {
        if self.under_way(config, clock).is_some() {
            return if held.needed { Verdict::Wait } else { Verdict::Ready };
        }
        let since_attempt = self.last_attempt.map_or(u64::MAX, |t| clock.saturating_sub(t));
        let due = match held.usable {
            false if self.failing => since_attempt >= config.cooldown.min(EMPTY_RETRY),
            false => true,
            true => held.due && since_attempt >= config.cooldown,
        };
        if due {
            Verdict::Fetch
        } else {
            Verdict::Ready
        }
    }

    /// Starts a fetch at `clock`: its ticket.
    pub(crate) fn start(&mut self, config: &RemoteConfig, clock: u64) -> KeyFetch {
        self.next_id += 1;
        self.in_flight = Some((self.next_id, clock));
        self.last_attempt = Some(clock);
        KeyFetch {
            id: self.next_id,
            url: config.url.clone(),
            timeout_ms: config.timeout,
            accept_encoding: ACCEPT_ENCODING.to_owned(),
            max_bytes: read_limit(),
        }
    }

    /// The fetch under way (its id and start), unless it has been abandoned.
    pub(crate) fn under_way(&self, config: &RemoteConfig, clock: u64) -> Option<(u64, u64)> {
        let (id, started) = self.in_flight?;
        (clock.saturating_sub(started) < config.timeout + ABANDON_AFTER).then_some((id, started))
    }

    /// Takes the answer to `ticket`: whether it is the fetch under way (which then ends);
    /// an answer to any other ticket (abandoned) is to be ignored.
    pub(crate) fn land(&mut self, ticket: &KeyFetch) -> bool {
        if self.in_flight.map(|(id, _)| id) != Some(ticket.id) {
            return false;
        }
        self.in_flight = None;
        true
    }

    /// Records how the fetch just landed went.
    pub(crate) fn ended(&mut self, ok: bool) {
        self.failing = !ok;
    }

    /// Whether the last answered fetch failed.
    pub(crate) fn failing(&self) -> bool {
        self.failing
    }

    /// Waits, releasing `guard`, until the fetch under way in what `flights` gives is
    /// answered (`answered` is notified) or abandoned.
    #[cfg(feature = "http")]
    pub(crate) fn wait<'a, S>(
        guard: std::sync::MutexGuard<'a, S>,
        answered: &std::sync::Condvar,
        flights: impl Fn(&S) -> &Flights,
        config: &RemoteConfig,
        clock: impl Fn() -> u64,
    ) -> std::sync::MutexGuard<'a, S> {
        let mut guard = guard;
        while let Some((_, started)) = flights(&guard).under_way(config, clock()) {
            let deadline = started + config.timeout + ABANDON_AFTER;
            let left = std::time::Duration::from_millis(deadline.saturating_sub(clock()).max(1));
            guard = answered.wait_timeout(guard, left).unwrap_or_else(std::sync::PoisonError::into_inner).0;
        }
        guard
    }
}

/// [`KeyFetch::max_bytes`]: the largest body taken, and one byte more.
pub(crate) fn read_limit() -> u64 {
    MAX_BODY_BYTES as u64 + 1
}

/// The body of a response and its `Cache-Control`, or why the response is refused (`what`
/// names the document in a message: "a key set").
pub(crate) fn body(response: KeyResponse, what: &str) -> Result<(Option<String>, Vec<u8>), String> {
    let (status, cache_control, content_encoding, body) = match response {
        KeyResponse::Failed(why) => return Err(why),
        KeyResponse::Http { status, cache_control, content_encoding, body } => {
            (status, cache_control, content_encoding, body)
        }
    };
    if status != 200 {
        let note = if (300..400).contains(&status) { " (redirects are not followed)" } else { "" };
        return Err(format!("HTTP {status}{note}"));
    }
    accepted_encoding(content_encoding.as_deref(), what)?;
    if body.len() > MAX_BODY_BYTES {
        return Err(format!("the response is larger than {MAX_BODY_BYTES} bytes"));
    }
    Ok((cache_control, body))
}

/// A body read as JSON (as text, like every JSON the core reads: one reader in the
/// WebAssembly build rather than two).
pub(crate) fn json(body: &[u8]) -> Result<serde_json::Value, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the response is not JSON".to_owned())?;
    serde_json::from_str(text).map_err(|_| "the response is not JSON".to_owned())
}

/// Whether a body in `Content-Encoding` `value` is taken: none, `identity` (in any case)
/// and `gzip` are, which every host decodes alike. `gzip` is taken as servers write it,
/// in lower case: the native client decodes no other spelling (`GZIP`, `x-gzip`) nor a
/// list of codings (`gzip, gzip`), and the JavaScript `fetch` decodes more (`br`,
/// `deflate`), so taking those would make the builds disagree.
fn accepted_encoding(value: Option<&str>, what: &str) -> Result<(), String> {
    let coding = value.map_or("", str::trim);
    if coding.is_empty() || coding.eq_ignore_ascii_case("identity") || coding == ACCEPT_ENCODING {
        return Ok(());
    }
    let plain = coding.len() <= MAX_SHOWN_ENCODING && coding.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    let shown = if plain { format!(" \"{coding}\"") } else { String::new() };
    Err(format!("Content-Encoding{shown} is not supported ({what} must come uncompressed or in gzip)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> RemoteConfig {
        RemoteConfig {
            url: "http://127.0.0.1:1/doc?k=v".into(),
            shown: "http://127.0.0.1:1/doc".into(),
            max_age: 600_000,
            cooldown: 30_000,
            timeout: 5_000,
            stale_for: 86_400_000,
        }
    }

    const NOTHING: Held = Held { usable: false, due: true, needed: true };
    const FRESH: Held = Held { usable: true, due: false, needed: false };
    const STALE: Held = Held { usable: true, due: true, needed: false };

    #[test]
    fn nothing_usable_fetches_and_retries_after_a_second_when_failing() {
        let (c, mut f) = (config(), Flights::default());
        assert_eq!(f.verdict(&c, NOTHING, 0), Verdict::Fetch);
        let t = f.start(&c, 0);
        assert_eq!((t.url.as_str(), t.timeout_ms, t.max_bytes), ("http://127.0.0.1:1/doc?k=v", 5_000, 1_048_577));
        assert_eq!(f.verdict(&c, NOTHING, 1), Verdict::Wait, "single flight");
        assert_eq!(f.verdict(&c, STALE, 1), Verdict::Ready, "what is held serves meanwhile");
        assert!(f.land(&t));
        f.ended(false);
        assert!(f.failing());
        assert_eq!(f.verdict(&c, NOTHING, 999), Verdict::Ready);
        assert_eq!(f.verdict(&c, NOTHING, 1_000), Verdict::Fetch);
    }

    #[test]
    fn a_refresh_waits_for_the_cooldown() {
        let (c, mut f) = (config(), Flights::default());
        let t = f.start(&c, 0);
        assert!(f.land(&t));
        f.ended(true);
        assert_eq!(f.verdict(&c, FRESH, 100_000), Verdict::Ready);
        assert_eq!(f.verdict(&c, STALE, 29_999), Verdict::Ready);
        assert_eq!(f.verdict(&c, STALE, 30_000), Verdict::Fetch);
    }

    #[test]
    fn abandoned_fetches_are_replaced_and_late_answers_ignored() {
        let (c, mut f) = (config(), Flights::default());
        let first = f.start(&c, 0);
        assert_eq!(f.under_way(&c, 6_999), Some((1, 0)));
        assert_eq!(f.verdict(&c, NOTHING, 6_999), Verdict::Wait);
        assert_eq!(f.under_way(&c, 7_000), None);
        assert_eq!(f.verdict(&c, NOTHING, 7_000), Verdict::Fetch);
        let second = f.start(&c, 7_000);
        assert!(!f.land(&first));
        assert!(f.land(&second));
        assert!(!f.land(&second), "answered once");
    }

    #[test]
    fn what_of_a_response_is_taken() {
        let http = |status, coding: Option<&str>, body: Vec<u8>| KeyResponse::Http {
            status,
            cache_control: Some("no-store".into()),
            content_encoding: coding.map(Into::into),
            body,
        };
        assert_eq!(body(http(200, None, b"{}".to_vec()), "a set"), Ok((Some("no-store".into()), b"{}".to_vec())));
        assert_eq!(body(http(200, Some("gzip"), vec![]), "a set").map(|b| b.1), Ok(vec![]));
        assert_eq!(body(http(500, None, vec![]), "a set"), Err("HTTP 500".into()));
        assert_eq!(body(http(301, None, vec![]), "a set"), Err("HTTP 301 (redirects are not followed)".into()));
        assert_eq!(
            body(http(200, Some("br"), vec![]), "a set"),
            Err("Content-Encoding \"br\" is not supported (a set must come uncompressed or in gzip)".into())
        );
        assert_eq!(
            body(http(200, None, vec![b' '; MAX_BODY_BYTES + 1]), "a set"),
            Err("the response is larger than 1048576 bytes".into())
        );
        assert_eq!(body(KeyResponse::Failed("connection refused".into()), "a set"), Err("connection refused".into()));
    }

    #[test]
    fn content_codings_every_host_decodes_are_taken_and_others_refused() {
        for taken in [None, Some(""), Some("identity"), Some("Identity"), Some("gzip"), Some(" gzip ")] {
            assert_eq!(accepted_encoding(taken, "a key set"), Ok(()), "{taken:?}");
        }
        for refused in
            ["br", "deflate", "zstd", "compress", "x-gzip", "GZIP", "gzip, gzip", "gzip, br", "identity, gzip"]
        {
            let why = accepted_encoding(Some(refused), "a key set").unwrap_err();
            assert_eq!(
                why,
                format!(
                    "Content-Encoding \"{refused}\" is not supported (a key set must come uncompressed or in gzip)"
                )
            );
        }
        // A value too long or odd to repeat is not repeated.
        let long = "x".repeat(41);
        for odd in [long.as_str(), "br\u{7f}", "gzip\u{e9}"] {
            let why = accepted_encoding(Some(odd), "a key set").unwrap_err();
            assert!(why.starts_with("Content-Encoding is not supported"), "{why}");
        }
    }
}
