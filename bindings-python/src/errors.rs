//! The core's errors as the exception classes of `wardgate.errors`.

use pyo3::PyErr;
use wardgate::filter::FilterError;
use wardgate::{AuthError, Code, ConfigError, RevokeError};

/// The Python classes, imported from `wardgate.errors` on first use.
mod py {
    pyo3::import_exception!(wardgate.errors, TokenMissing);
    pyo3::import_exception!(wardgate.errors, TokenExpired);
    pyo3::import_exception!(wardgate.errors, TokenInvalid);
    pyo3::import_exception!(wardgate.errors, InsufficientPermissions);
    pyo3::import_exception!(wardgate.errors, KeysUnavailable);
    pyo3::import_exception!(wardgate.errors, RevocationUnavailable);
    pyo3::import_exception!(wardgate.errors, ConfigError);
    pyo3::import_exception!(wardgate.errors, FilterError);
    pyo3::import_exception!(wardgate.errors, RevokeError);
}

/// A refused credential (or a denial) as the exception class of its code.
pub fn auth(e: &AuthError) -> PyErr {
    let args = (e.detail().to_owned(), e.code().as_str(), e.status(), e.reason().as_str());
    match e.code() {
        Code::TokenMissing => py::TokenMissing::new_err(args),
        Code::TokenExpired => py::TokenExpired::new_err(args),
        Code::TokenInvalid => py::TokenInvalid::new_err(args),
        Code::InsufficientPermissions => py::InsufficientPermissions::new_err(args),
        Code::KeysUnavailable => py::KeysUnavailable::new_err(args),
        Code::RevocationUnavailable => py::RevocationUnavailable::new_err(args),
        // A code this binding does not know yet: a refused token, failing closed.
        _ => py::TokenInvalid::new_err(args),
    }
}

/// A policy that cannot be loaded as `wardgate.ConfigError`.
pub fn config(e: &ConfigError) -> PyErr {
    py::ConfigError::new_err((e.to_string(), e.path().to_owned(), e.problem().to_owned()))
}

/// A filter that cannot be planned, read or turned into SQL as `wardgate.FilterError`.
pub fn filter(e: &FilterError) -> PyErr {
    py::FilterError::new_err((e.to_string(), e.code()))
}

/// A revocation that was not made as `wardgate.RevokeError` (its message never holds an
/// entry, a URL or a password).
pub fn revoke(e: &RevokeError) -> PyErr {
    py::RevokeError::new_err((e.to_string(), e.code()))
}

/// A revocation call that panicked (contained): `REVOKE_FAILED`, since nothing can be said of
/// what was written.
pub fn revoke_not_processed() -> PyErr {
    py::RevokeError::new_err(("the revocation could not be processed", "REVOKE_FAILED"))
}
