//! The compact JWS: splitting, decoding and the header checks, in the contract's
//! order (length → structure → header). Nothing here trusts a claim.

pub(crate) mod algorithm;
pub(crate) mod claims;
pub(crate) mod credential;
pub(crate) mod json;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::error::{AuthError, Reason};
use crate::token::algorithm::Algorithm;

/// The largest decoded header accepted, in bytes.
pub(crate) const MAX_HEADER_BYTES: usize = 4096;

/// What the header must satisfy.
#[derive(Debug, Clone)]
pub(crate) struct HeaderRules {
    /// `token.algorithms`.
    pub algorithms: Vec<Algorithm>,
    /// `token.typ`, normalised by [`normalize_typ`].
    pub typ: Option<String>,
    /// `token.max_length`.
    pub max_length: usize,
}

/// A token whose structure and header passed; its signature is not checked yet.
#[derive(Debug)]
pub(crate) struct Token<'t> {
    /// The header's `alg`, one of the allowed algorithms.
    pub alg: Algorithm,
    /// The header's `kid`.
    pub kid: Option<String>,
    /// `BASE64URL(header) . BASE64URL(payload)`, the bytes the signature covers.
    pub signing_input: &'t [u8],
    /// The decoded signature.
    pub signature: Vec<u8>,
    /// The decoded payload (claims), not yet trusted.
    pub payload: Map<String, Value>,
    /// Header members the header step checks after key fit (`crit`, `b64`, `typ`).
    header: Map<String, Value>,
}

/// Lower-cases a `typ` value and drops an `application/` prefix (RFC 7515 section 4.1.9).
pub(crate) fn normalize_typ(typ: &str) -> String {
    let lower = typ.to_ascii_lowercase();
    match lower.strip_prefix("application/") {
        Some(rest) => rest.to_owned(),
        None => lower,
    }
}

fn fail(reason: Reason, detail: &'static str) -> AuthError {
    AuthError::new(reason, detail)
}

fn decode_part(part: &[u8], what: &'static str) -> Result<Vec<u8>, AuthError> {
    URL_SAFE_NO_PAD.decode(part).map_err(|_| fail(Reason::Malformed, what))
}

fn json_part(bytes: &[u8], part: &str) -> Result<Map<String, Value>, AuthError> {
    json::parse_object(bytes)
        .map_err(|problem| AuthError::new(Reason::Malformed, format!("the token {part} {problem}")))
}

/// Length and structure, then `alg` and `kid`: returns the token for key fit and the
/// rest of the header checks ([`Token::check_header`]).
pub(crate) fn parse<'t>(token: &'t str, rules: &HeaderRules) -> Result<Token<'t>, AuthError> {
    let bytes = token.as_bytes();
    if bytes.len() > rules.max_length {
        return Err(fail(Reason::TokenTooLarge, "the token is longer than token.max_length"));
    }
    let mut parts = bytes.splitn(4, |&b| b == b'.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(fail(Reason::Malformed, "a token has exactly three dot-separated parts"));
    };
    if h.len() > MAX_HEADER_BYTES / 3 * 4 + 4 {
        return Err(fail(Reason::TokenTooLarge, "the token header is too large"));
    }
    let header_bytes = decode_part(h, "the token header is not base64url")?;
    if header_bytes.len() > MAX_HEADER_BYTES {
        return Err(fail(Reason::TokenTooLarge, "the token header is too large"));
    }
    let payload_bytes = decode_part(p, "the token payload is not base64url")?;
    let signature = decode_part(s, "the token signature is not base64url")?;
    let header = json_part(&header_bytes, "header")?;
    let payload = json_part(&payload_bytes, "payload")?;

    let alg = match header.get("alg") {
        Some(Value::String(name)) => Algorithm::from_name(name).filter(|a| rules.algorithms.contains(a)),
        _ => None,
    }
    .ok_or_else(|| fail(Reason::AlgorithmNotAllowed, "the token's alg is missing or not allowed"))?;
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(fail(Reason::InvalidHeader, "the token header's kid is not a string")),
    };
    let signing_input = &bytes[..h.len() + 1 + p.len()];
    Ok(Token { alg, kid, signing_input, signature, payload, header })
}

impl Token<'_> {
    /// `crit`, `b64` and `typ`.
    pub(crate) fn check_header(&self, rules: &HeaderRules) -> Result<(), AuthError> {
        if self.header.contains_key("crit") {
            return Err(fail(Reason::InvalidHeader, "the token header has crit, and no extension is understood"));
        }
        if self.header.contains_key("b64") {
            return Err(fail(Reason::InvalidHeader, "the token header has b64, which is not supported"));
        }
        let typ = match self.header.get("typ") {
            None => None,
            Some(Value::String(t)) => Some(t.as_str()),
            Some(_) => return Err(fail(Reason::InvalidHeader, "the token header's typ is not a string")),
        };
        if let Some(expected) = &rules.typ {
            if typ.map(normalize_typ).as_deref() != Some(expected.as_str()) {
                return Err(fail(Reason::InvalidHeader, "the token's typ is not the configured token.typ"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn rules() -> HeaderRules {
        HeaderRules { algorithms: vec![Algorithm::EdDSA], typ: Some("jwt".into()), max_length: 8192 }
    }

    fn token(header: &str, payload: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(payload), b64("sig"))
    }

    fn reason(t: &str) -> Reason {
        match parse(t, &rules()) {
            Err(e) => e.reason(),
            Ok(tok) => tok.check_header(&rules()).map(|_| panic!("accepted")).unwrap_err().reason(),
        }
    }

    #[test]
    fn splits_and_decodes() {
        let t = token(r#"{"alg":"EdDSA","typ":"JWT","kid":"k"}"#, r#"{"sub":"u"}"#);
        let parsed = parse(&t, &rules()).unwrap();
        assert_eq!(parsed.alg, Algorithm::EdDSA);
        assert_eq!(parsed.kid.as_deref(), Some("k"));
        assert_eq!(parsed.signature, b"sig");
        assert_eq!(parsed.payload["sub"], "u");
        assert_eq!(parsed.signing_input, t.rsplit_once('.').unwrap().0.as_bytes());
        parsed.check_header(&rules()).unwrap();
    }

    #[test]
    fn structure_problems_are_malformed() {
        assert_eq!(reason("a.b"), Reason::Malformed);
        assert_eq!(reason("a.b.c.d"), Reason::Malformed);
        assert_eq!(reason(&format!("{}=.e30.c2ln", b64(r#"{"alg":"EdDSA"}"#))), Reason::Malformed);
        assert_eq!(reason(&token("[1]", "{}")), Reason::Malformed);
        assert_eq!(reason(&token(r#"{"alg":"EdDSA"}"#, "[]")), Reason::Malformed);
        assert_eq!(reason(&token(r#"{"alg":"EdDSA","alg":"EdDSA"}"#, "{}")), Reason::Malformed);
        assert_eq!(reason(&format!(" {}", token(r#"{"alg":"EdDSA"}"#, "{}"))), Reason::Malformed);
    }

    #[test]
    fn non_canonical_base64_is_malformed() {
        // "e30" is "{}"; "e31" has the same leading bits but non-zero trailing bits.
        let t = format!("{}.e31.c2ln", b64(r#"{"alg":"EdDSA","typ":"JWT"}"#));
        assert_eq!(reason(&t), Reason::Malformed);
    }

    #[test]
    fn header_checks() {
        assert_eq!(reason(&token(r#"{"alg":"none"}"#, "{}")), Reason::AlgorithmNotAllowed);
        assert_eq!(reason(&token(r#"{"alg":"eddsa"}"#, "{}")), Reason::AlgorithmNotAllowed);
        assert_eq!(reason(&token(r#"{"alg":5}"#, "{}")), Reason::AlgorithmNotAllowed);
        assert_eq!(reason(&token(r#"{"typ":"JWT"}"#, "{}")), Reason::AlgorithmNotAllowed);
        assert_eq!(reason(&token(r#"{"alg":"EdDSA","typ":"JWT","crit":[]}"#, "{}")), Reason::InvalidHeader);
        assert_eq!(reason(&token(r#"{"alg":"EdDSA","typ":"JWT","b64":true}"#, "{}")), Reason::InvalidHeader);
        assert_eq!(reason(&token(r#"{"alg":"EdDSA","typ":"at+jwt"}"#, "{}")), Reason::InvalidHeader);
        assert_eq!(reason(&token(r#"{"alg":"EdDSA"}"#, "{}")), Reason::InvalidHeader);
        assert_eq!(reason(&token(r#"{"alg":"EdDSA","typ":"JWT","kid":1}"#, "{}")), Reason::InvalidHeader);
        let ok = token(r#"{"alg":"EdDSA","typ":"application/JwT"}"#, "{}");
        parse(&ok, &rules()).unwrap().check_header(&rules()).unwrap();
    }

    #[test]
    fn sizes_are_checked_first() {
        let mut r = rules();
        r.max_length = 10;
        assert_eq!(parse("not.a.token.at.all", &r).unwrap_err().reason(), Reason::TokenTooLarge);
        let big = format!(r#"{{"alg":"EdDSA","x":"{}"}}"#, "a".repeat(5000));
        assert_eq!(reason(&token(&big, "{}")), Reason::TokenTooLarge);
    }
}
