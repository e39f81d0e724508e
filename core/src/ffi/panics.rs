//! Containment for the language bindings: a panic inside the engine must reach the
//! host language as an ordinary, fail-closed error, never as a crash or a foreign
//! exception type.
//!
//! The engine is written not to panic; these wrappers are the second line. Each turns
//! a panic into the error its call would fail with anyway: a refused token, a policy
//! that cannot be loaded, or a denial. Where panics abort (the WebAssembly build) they
//! are plain calls.
//!
//! ```
//! use wardgate::{ffi::panics, Reason};
//! let err = panics::auth(|| -> Result<(), _> { panic!("bug") }).unwrap_err();
//! assert_eq!(err.reason(), Reason::Malformed);
//! assert_eq!(panics::auth(|| Ok::<_, wardgate::AuthError>(7)).unwrap(), 7);
//! ```

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{AuthError, ConfigError, Reason};
use crate::filter::FilterError;
use crate::policy::decision::{Decision, RuleError};
use crate::revocation::revoke::RevokeError;

/// Runs a verification; a panic becomes a `malformed` [`AuthError`].
pub fn auth<T>(f: impl FnOnce() -> Result<T, AuthError>) -> Result<T, AuthError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(AuthError::new(Reason::Malformed, "the token could not be processed")))
}

/// Runs a policy load; a panic becomes a [`ConfigError`] on the whole document.
///
/// ```
/// let err = wardgate::ffi::panics::config(|| -> Result<(), _> { panic!("bug") }).unwrap_err();
/// assert_eq!(err.to_string(), "the policy could not be processed");
/// ```
pub fn config<T>(f: impl FnOnce() -> Result<T, ConfigError>) -> Result<T, ConfigError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(ConfigError::new("", "the policy could not be processed")))
}

/// Runs a list-filter call; a panic becomes a [`FilterError`] (`FILTER_INVALID`), so no
/// list is ever answered without its filter.
///
/// ```
/// let err = wardgate::ffi::panics::filter(|| -> Result<(), _> { panic!("bug") }).unwrap_err();
/// assert_eq!((err.code(), err.to_string().as_str()), ("FILTER_INVALID", "filter: the filter could not be processed"));
/// ```
pub fn filter<T>(f: impl FnOnce() -> Result<T, FilterError>) -> Result<T, FilterError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(FilterError::Json("the filter could not be processed".into())))
}

/// Runs a revocation; a panic becomes a [`RevokeError`] (`REVOKE_FAILED`): the caller
/// cannot count on anything having been revoked.
///
/// ```
/// let err = wardgate::ffi::panics::revoke(|| -> Result<(), _> { panic!("bug") }).unwrap_err();
/// assert_eq!(err.code(), "REVOKE_FAILED");
/// ```
pub fn revoke<T>(f: impl FnOnce() -> Result<T, RevokeError>) -> Result<T, RevokeError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(RevokeError::Failed("the revocation could not be processed".into())))
}

/// Runs a decision; a panic becomes a denial that says so in its `errors`.
///
/// ```
/// let d = wardgate::ffi::panics::decision(|| panic!("bug"));
/// assert!(!d.allowed);
/// assert_eq!(d.errors[0].message, "the request could not be evaluated");
/// ```
pub fn decision(f: impl FnOnce() -> Decision) -> Decision {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        let error = RuleError { rule: None, message: "the request could not be evaluated".into() };
        Decision::deny(Reason::Denied, Vec::new(), vec![error])
    })
}
