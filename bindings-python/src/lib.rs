//! `wardgate._wardgate`: the Python face of the Wardgate engine.
//!
//! This crate converts between Python objects and the core's types and maps the
//! core's errors to the exception classes of `wardgate.errors`; every rule lives in
//! the `wardgate` crate. Calls that verify signatures, plan and translate list filters or
//! write revocations to Redis release the GIL.

use pyo3::prelude::*;

mod convert;
mod engine;
mod errors;
mod filter;
mod types;

/// The headers of the HTTP answer to an error of `code` (the core's table): the
/// `WWW-Authenticate` of a 401, the `Retry-After` of a 503; none for another name.
#[pyfunction]
fn response_headers(code: &str) -> Vec<(&'static str, &'static str)> {
    wardgate::Code::from_name(code).and_then(wardgate::Code::header).into_iter().collect()
}

#[pymodule]
fn _wardgate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<engine::Engine>()?;
    m.add_class::<types::Principal>()?;
    m.add_class::<types::Decision>()?;
    m.add_class::<filter::Filter>()?;
    m.add_function(wrap_pyfunction!(response_headers, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
