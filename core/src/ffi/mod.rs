//! The binding layer: what the Node, WebAssembly and Python bindings share and nothing
//! else does. Calls whose results cross as data (JSON text for JavaScript), the
//! containment of panics, and the constructors of core types from the JSON text a
//! binding receives.

mod convert;
mod filter;
pub mod panics;
mod revoke;
mod text;

pub use convert::{principal, request};
pub use filter::{
    dialect, filter, filter_attributes, filter_clause, filter_error_value, filter_matches, filter_read, filter_sql,
    plan, read,
};
pub use revoke::{revocation_set, revoke, revoke_unsupported};
pub use text::Outcome;
pub use text::{at, authorize, check, error_value, remote, settled, token, verify};
