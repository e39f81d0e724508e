//! The binding layer: what the Node, WebAssembly and Python bindings share and nothing
//! else does. Calls whose results cross as data (JSON text for JavaScript), the
//! containment of panics, and the constructors of core types from the JSON text a
//! binding receives.

pub mod contain;
mod convert;
mod outcome;

pub use convert::{principal, request};
pub use outcome::Outcome;
pub use outcome::{at, authorize, check, error_value, remote, settled, token, verify};
