//! Why a key set fetch got no usable response, worded once for every host: the native
//! HTTP client (`http`) and the WebAssembly build's JavaScript `fetch` report the same
//! causes in the same words.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The cause of a failed key set fetch. Its `Display` is the wording that key events and
/// [`KeyStatus::last_error`](crate::KeyStatus::last_error) show; it never holds the URL.
/// Hosts across a language boundary send it as JSON, `{"kind": "timed_out", "detail": 5000}`.
///
/// ```
/// use wardgate::{KeyFailure, KeyResponse};
/// assert_eq!(KeyFailure::TimedOut(5000).to_string(), "timed out after 5 s");
/// assert_eq!(KeyFailure::Redirected.to_string(), "a redirect (redirects are not followed)");
/// let failure: KeyFailure = serde_json::from_str(r#"{"kind":"network","detail":"ECONNRESET"}"#).unwrap();
/// assert_eq!(failure.to_string(), "network error (ECONNRESET)");
/// let _ = KeyResponse::from(failure);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeyFailure {
    /// No answer within the ticket's timeout (milliseconds).
    TimedOut(u64),
    /// The server refused the connection.
    ConnectionRefused,
    /// The host name did not resolve.
    HostNotFound,
    /// The connection could not be made.
    ConnectionFailed,
    /// The TLS handshake failed.
    Tls,
    /// The server answered with a redirect, which is never followed.
    Redirected,
    /// The body did not decode in its content coding (named).
    Undecodable(String),
    /// The host's HTTP client refuses this port (browsers and `fetch` block some ports).
    PortRefused,
    /// Another network error, with the host's code for it when it has one (`ECONNRESET`).
    Network(Option<String>),
}

impl fmt::Display for KeyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyFailure::TimedOut(ms) => write!(f, "timed out after {} s", *ms as f64 / 1000.0),
            KeyFailure::ConnectionRefused => f.write_str("connection refused"),
            KeyFailure::HostNotFound => f.write_str("the host was not found"),
            KeyFailure::ConnectionFailed => f.write_str("the connection failed"),
            KeyFailure::Tls => f.write_str("the TLS handshake failed"),
            KeyFailure::Redirected => f.write_str("a redirect (redirects are not followed)"),
            KeyFailure::Undecodable(coding) => write!(f, "the body could not be decoded ({})", short(coding)),
            KeyFailure::PortRefused => f.write_str("the HTTP client refuses to connect to this port"),
            KeyFailure::Network(Some(code)) => write!(f, "network error ({})", short(code)),
            KeyFailure::Network(None) => f.write_str("network error"),
        }
    }
}

/// A name from the host, cut short: it is logged.
fn short(text: &str) -> String {
    text.chars().take(40).collect()
}
