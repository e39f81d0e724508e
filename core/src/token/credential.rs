//! What a caller presents: a compact token, or the `Authorization` value that carries one.

use crate::error::{AuthError, Reason};

/// A credential as presented, saying what it is.
///
/// A `&str` converts to [`Credential::Token`]; an `Authorization` header value is
/// [`Credential::Authorization`]; [`Credential::either`] reads a value that may be
/// either (as the Python binding's `check(token_or_header, ...)` takes).
///
/// ```
/// use wardgate::Credential;
/// assert_eq!(Credential::Authorization("bearer  abc.def.ghi ").token().unwrap(), "abc.def.ghi");
/// assert_eq!(Credential::from("abc.def.ghi").token().unwrap(), "abc.def.ghi");
/// assert!(Credential::Authorization("Basic dXNlcg==").token().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential<'a> {
    /// A compact JWS. An empty one is [`Reason::Missing`].
    Token(&'a str),
    /// An `Authorization` header value, `Bearer <token>` (the scheme in any case).
    /// Anything else, an empty value included, is [`Reason::Missing`].
    Authorization(&'a str),
}

impl<'a> Credential<'a> {
    /// A value that is either a compact token or a whole `Authorization` value. A compact
    /// JWS never contains whitespace, so a value with whitespace, or the bare word
    /// `Bearer`, is an `Authorization` value; anything else is the token itself.
    ///
    /// ```
    /// use wardgate::Credential;
    /// assert_eq!(Credential::either("abc.def.ghi"), Credential::Token("abc.def.ghi"));
    /// assert_eq!(Credential::either("Bearer abc.def.ghi"), Credential::Authorization("Bearer abc.def.ghi"));
    /// assert_eq!(Credential::either("bearer"), Credential::Authorization("bearer"));
    /// assert_eq!(Credential::either(""), Credential::Token(""));
    /// ```
    pub fn either(value: &'a str) -> Credential<'a> {
        if value.contains(char::is_whitespace) || value.eq_ignore_ascii_case("bearer") {
            Credential::Authorization(value)
        } else {
            Credential::Token(value)
        }
    }

    /// The compact token the credential carries (not yet verified).
    ///
    /// ```
    /// use wardgate::{Credential, Reason};
    /// assert_eq!(Credential::Authorization("Bearer").token().unwrap_err().reason(), Reason::Missing);
    /// assert_eq!(Credential::Token("").token().unwrap(), "");
    /// ```
    pub fn token(self) -> Result<&'a str, AuthError> {
        match self {
            Credential::Token(token) => Ok(token),
            Credential::Authorization(value) => bearer(value),
        }
    }
}

impl<'a> From<&'a str> for Credential<'a> {
    fn from(token: &'a str) -> Self {
        Credential::Token(token)
    }
}

impl<'a> From<&'a String> for Credential<'a> {
    fn from(token: &'a String) -> Self {
        Credential::Token(token)
    }
}

/// The token of a `Bearer` `Authorization` value.
fn bearer(value: &str) -> Result<&str, AuthError> {
    let missing = || AuthError::new(Reason::Missing, "the Authorization header does not carry a Bearer token");
    let (scheme, rest) = value.trim().split_once(' ').ok_or_else(missing)?;
    let token = rest.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(missing());
    }
    Ok(token)
}
