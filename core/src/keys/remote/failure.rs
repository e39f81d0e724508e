//! Why a key set fetch got no usable response, worded once for every host: the native
//! HTTP client (`http`) and the WebAssembly build's JavaScript `fetch` report the same
//! causes in the same words.

use std::fmt;

use serde_json::Value;

/// The cause of a failed key set fetch. Its `Display` is the wording that key events and
/// [`KeyStatus::last_error`](crate::KeyStatus::last_error) show; it never holds the URL.
/// Hosts across a language boundary send it as JSON, `{"kind": "timed_out", "detail": 5000}`
/// (see [`KeyFailure::from_value`]).
///
/// ```
/// use wardgate::{KeyFailure, KeyResponse};
/// assert_eq!(KeyFailure::TimedOut(5000).to_string(), "timed out after 5 s");
/// assert_eq!(KeyFailure::Redirected.to_string(), "a redirect (redirects are not followed)");
/// let _ = KeyResponse::from(KeyFailure::ConnectionRefused);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
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
            // Seconds written from the integer milliseconds, without float formatting (which
            // would cost the WebAssembly build two float printers).
            KeyFailure::TimedOut(ms) => {
                let fraction = format!("{:03}", ms % 1000);
                let fraction = fraction.trim_end_matches('0');
                if fraction.is_empty() {
                    write!(f, "timed out after {} s", ms / 1000)
                } else {
                    write!(f, "timed out after {}.{fraction} s", ms / 1000)
                }
            }
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

impl KeyFailure {
    /// A cause as a host sends it, `{"kind", "detail"}`: `detail` is the timeout in
    /// milliseconds for `timed_out`, the coding for `undecodable`, the host's code (or
    /// `null`) for `network`. Anything else is a network error without a code, failing as
    /// any other.
    ///
    /// ```
    /// use wardgate::KeyFailure;
    /// use serde_json::json;
    /// let failure = KeyFailure::from_value(&json!({"kind": "network", "detail": "ECONNRESET"}));
    /// assert_eq!(failure.to_string(), "network error (ECONNRESET)");
    /// assert_eq!(KeyFailure::from_value(&json!({"kind": "timed_out", "detail": 1500})), KeyFailure::TimedOut(1500));
    /// assert_eq!(KeyFailure::from_value(&json!({"kind": "what"})), KeyFailure::Network(None));
    /// ```
    pub fn from_value(value: &Value) -> KeyFailure {
        let detail = value.get("detail");
        let text = || detail.and_then(Value::as_str).map(short);
        match value.get("kind").and_then(Value::as_str).unwrap_or_default() {
            "timed_out" => detail.and_then(Value::as_u64).map_or(KeyFailure::Network(None), KeyFailure::TimedOut),
            "connection_refused" => KeyFailure::ConnectionRefused,
            "host_not_found" => KeyFailure::HostNotFound,
            "connection_failed" => KeyFailure::ConnectionFailed,
            "tls" => KeyFailure::Tls,
            "redirected" => KeyFailure::Redirected,
            "undecodable" => text().map_or(KeyFailure::Network(None), KeyFailure::Undecodable),
            "port_refused" => KeyFailure::PortRefused,
            _ => KeyFailure::Network(text()),
        }
    }
}

/// A name from the host, cut short: it is logged.
fn short(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_a_host_sends_is_worded_by_the_core() {
        let cases = [
            (json!({"kind": "timed_out", "detail": 5000}), "timed out after 5 s"),
            (json!({"kind": "timed_out", "detail": 1500}), "timed out after 1.5 s"),
            (json!({"kind": "timed_out", "detail": 250}), "timed out after 0.25 s"),
            (json!({"kind": "timed_out", "detail": 10_001}), "timed out after 10.001 s"),
            (json!({"kind": "connection_refused"}), "connection refused"),
            (json!({"kind": "host_not_found"}), "the host was not found"),
            (json!({"kind": "connection_failed"}), "the connection failed"),
            (json!({"kind": "tls"}), "the TLS handshake failed"),
            (json!({"kind": "redirected"}), "a redirect (redirects are not followed)"),
            (json!({"kind": "undecodable", "detail": "gzip"}), "the body could not be decoded (gzip)"),
            (json!({"kind": "port_refused"}), "the HTTP client refuses to connect to this port"),
            (json!({"kind": "network", "detail": "ECONNRESET"}), "network error (ECONNRESET)"),
            (json!({"kind": "network", "detail": null}), "network error"),
            (json!({"kind": "timed_out", "detail": "soon"}), "network error"),
            (json!("not an object"), "network error"),
        ];
        for (value, wording) in cases {
            assert_eq!(KeyFailure::from_value(&value).to_string(), wording, "{value}");
        }
        // What the host names is cut short: it is logged.
        let long = KeyFailure::from_value(&json!({"kind": "network", "detail": "E".repeat(500)})).to_string();
        assert!(long.len() < 60, "{long}");
    }
}
