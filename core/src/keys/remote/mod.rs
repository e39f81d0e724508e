//! Remote key sets (`keys.jwks_url`): where the set lives and how it is kept
//! (`url`), the cache that holds, refreshes and reports it (`cache`), and the blocking
//! HTTP client that fetches it with the `http` feature (`http`).

pub(crate) mod cache;
pub(crate) mod failure;
pub(crate) mod fetched;
pub(crate) mod flight;
#[cfg(feature = "http")]
pub(crate) mod http;
pub(crate) mod url;
