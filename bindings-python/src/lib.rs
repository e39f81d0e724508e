//! `wardgate._wardgate`: the Python face of the Wardgate engine.
//!
//! This crate converts between Python objects and the core's types and maps the
//! core's errors to the exception classes of `wardgate.errors`; every rule lives in
//! the `wardgate` crate. Calls that verify signatures release the GIL.

use pyo3::prelude::*;

mod convert;
mod engine;
mod errors;
mod types;

#[pymodule]
fn _wardgate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<engine::Engine>()?;
    m.add_class::<types::Principal>()?;
    m.add_class::<types::Decision>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
