//! # Wardgate
//!
//! An embedded authorization engine: it verifies JSON Web Tokens, maps their claims
//! to a [`Principal`], and decides who may do what to which resource, from one policy
//! document whose every decision is the same in Rust, Node, WebAssembly and Python.
//!
//! ```
//! use wardgate::{Credential, Engine, Reason, Request};
//! use serde_json::json;
//!
//! let engine = Engine::from_value(&json!({
//!     "token": { "algorithms": ["EdDSA"], "issuer": "https://app.example.com" },
//!     "keys": { "jwk": { "kty": "OKP", "crv": "Ed25519",
//!                        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" } },
//!     "rules": [
//!         { "id": "own-todos", "effect": "permit", "resource": "todo",
//!           "actions": ["read", "update"], "when": "resource.owner_id == principal.id" },
//!         { "id": "banned", "effect": "forbid", "resource": "*", "actions": "*",
//!           "when": "principal.claims has banned && principal.claims.banned == true" }
//!     ]
//! })).unwrap();
//!
//! let err = engine.verify(Credential::Authorization("Bearer not.a.jwt"), 1_764_000_000).unwrap_err();
//! assert_eq!(err.reason(), Reason::Malformed);
//! assert_eq!(serde_json::to_value(&err).unwrap()["status"], 401);
//!
//! let alice = wardgate::Principal::new("alice", vec![], None, json!({"sub": "alice"}));
//! let decision = engine.authorize(&alice, &Request::new("read", json!({"type": "todo", "owner_id": "alice"})));
//! assert!(decision.allowed);
//! assert_eq!(decision.rules, ["own-todos"]);
//! ```
//!
//! Three verbs do the work: [`Engine::verify`] (a [`Credential`] to a [`Principal`]),
//! [`Engine::authorize`] (a principal and a [`Request`] to a [`Decision`]) and
//! [`Engine::check`] (both). [`Options`] say when (`now`) and how a remote key set's keys
//! may be obtained ([`KeyAccess`]). The language bindings share [`ffi`].
//!
//! The contract (policy document v1, check order, codes and reasons, the expression
//! language and the conformance vectors) is specified in the repository's `docs/`:
//! `docs/policy.md`, `docs/verification.md` and `docs/vectors.md`.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod engine;
mod error;
pub mod ffi;
pub mod filter;
mod keys;
mod policy;
mod revocation;
mod time;
mod token;

pub use policy::expr;

/// jsonwebtoken's `CryptoProvider` backed by ring (cargo feature `jsonwebtoken-provider`).
#[cfg(feature = "jsonwebtoken-provider")]
pub mod crypto {
    pub use crate::keys::crypto::PROVIDER;
}
pub use engine::token_cache::CacheStatus;
pub use engine::{Engine, KeyAccess, Options};
pub use error::{AuthError, Code, ConfigError, Error, Reason};
pub use keys::remote::cache::{KeyEvent, KeyEventLevel, KeyFetch, KeyNeed, KeyResponse};
pub use keys::remote::failure::KeyFailure;
#[cfg(feature = "http")]
pub use keys::remote::http::fetch_keys;
pub use keys::status::{KeySource, KeyState, KeyStatus};
pub use keys::verify_signature;
pub use policy::decision::{Decision, RuleError};
pub use policy::lint::Warning;
pub use policy::principal::Principal;
pub use policy::request::Request;
pub use revocation::revoke::{Revoke, RevokeError};
pub use revocation::status::{RevocationSource, RevocationState, RevocationStatus};
pub use time::UnixTime;
pub use token::algorithm::{Algorithm, KeyFamily};
pub use token::credential::Credential;
