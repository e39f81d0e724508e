//! `portcullis._portcullis`: the Python face of the Portcullis engine.
//!
//! This crate converts between Python objects and the core's types and maps the
//! core's errors to the exception classes of `portcullis.errors`; every rule lives in
//! the `portcullis` crate. Calls that verify signatures release the GIL.

use pyo3::prelude::*;

mod convert;
mod engine;
mod errors;
mod types;

#[pymodule]
fn _portcullis(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<engine::Engine>()?;
    m.add_class::<types::Principal>()?;
    m.add_class::<types::Decision>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
