//! # Wardgate
//!
//! An embedded authorization engine: it verifies JSON Web Tokens, maps their claims
//! to a [`Principal`], and decides who may do what to which resource, from one policy
//! document whose every decision is the same in Rust, Node, WebAssembly and Python.
//!
//! ```
//! use wardgate::{Engine, Reason, Request};
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
//! let err = engine.verify_authorization("Bearer not.a.jwt", 1_764_000_000).unwrap_err();
//! assert_eq!(err.reason(), Reason::Malformed);
//! assert_eq!(serde_json::to_value(&err).unwrap()["status"], 401);
//!
//! let alice = wardgate::Principal::new("alice", vec![], None, json!({"sub": "alice"}));
//! let decision = engine.authorize(&alice, &Request::new("read", json!({"type": "todo", "owner_id": "alice"})));
//! assert!(decision.allowed);
//! assert_eq!(decision.rules, ["own-todos"]);
//! ```
//!
//! The contract (policy document v1, error codes and reasons, check order and the
//! expression language) is described in the repository's README.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod algorithm;
mod claims;
pub mod contain;
pub mod crypto;
mod decision;
mod der;
mod doc;
mod engine;
mod error;
pub mod expr;
#[cfg(feature = "http")]
mod http;
mod json;
mod jwks_url;
mod key_cache;
mod keys;
mod lint;
mod modular;
mod outcome;
mod points;
mod policy;
mod principal;
mod request;
mod roca;
mod time;
mod token;
mod token_cache;

pub use algorithm::{Algorithm, KeyFamily};
pub use decision::{Decision, RuleError};
pub use engine::{bearer_token, credential_token, Engine};
pub use error::{AuthError, Code, ConfigError, Error, Reason};
#[cfg(feature = "http")]
pub use http::fetch_keys;
pub use key_cache::{KeyEvent, KeyEventLevel, KeyFetch, KeyNeed, KeyResponse, KeyStatus};
pub use keys::verify_signature;
pub use lint::Warning;
pub use outcome::Outcome;
pub use principal::Principal;
pub use request::Request;
pub use time::UnixTime;
pub use token_cache::CacheStatus;
