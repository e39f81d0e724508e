//! The verified-token cache (the policy's opt-in `cache` section): principals of tokens
//! verified before, keyed by the SHA-256 of the whole token, so a repeated token skips
//! parsing and the signature check.
//!
//! A hit is never more lenient than a miss:
//! - every claim check (types, `exp`, `nbf`, `iat`, `max_age`, `iss`, `aud`) runs again on
//!   the cached claims with the caller's `now`; only what cannot change for the same
//!   token bytes and the same keys (structure, header, signature) is skipped;
//! - an entry remembers the generation of the key set it was verified with; when the keys
//!   change (a remote set that rotates, revokes or is dropped), the entry is not served;
//! - only successful verifications are cached.
//!
//! Memory is bounded by `max_entries`, least recently used first out.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use lru::LruCache;
use serde::Serialize;
use serde_json::Value;

use crate::error::ConfigError;
use crate::policy::fields::Fields;
use crate::policy::principal::Principal;
use crate::token::algorithm::Algorithm;

/// The most `cache.max_entries` accepted.
const MAX_ENTRIES: u64 = 1_000_000;

/// The SHA-256 of a token.
pub(crate) type Digest = [u8; 32];

/// What is kept for a verified token.
#[derive(Debug)]
pub(crate) struct Entry {
    pub principal: Principal,
    /// The key set generation the token verified with.
    pub generation: u64,
    /// The token's `kid` and `alg`, for a remote key set's refresh on a hit.
    pub kid: Option<String>,
    pub alg: Algorithm,
    /// What the binding layer made of the principal (its JSON text), on the first hit
    /// that asks for it (see [`crate::ffi::verify`]).
    memo: OnceLock<String>,
}

impl Entry {
    pub(crate) fn new(principal: Principal, generation: u64, kid: Option<String>, alg: Algorithm) -> Entry {
        Entry { principal, generation, kid, alg, memo: OnceLock::new() }
    }

    /// The text `make` gives for the principal, made once per entry.
    pub(crate) fn memo(&self, make: impl FnOnce(&Principal) -> String) -> &str {
        self.memo.get_or_init(|| make(&self.principal))
    }
}

/// The cache's counters, for monitoring (see [`crate::Engine::cache_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CacheStatus {
    /// `cache.max_entries`.
    pub max_entries: usize,
    /// Tokens held now.
    pub entries: usize,
    /// Verifications answered from the cache.
    pub hits: u64,
    /// Verifications that went the whole way (including refused tokens).
    pub misses: u64,
}

/// A bounded LRU map from token digests to verified principals.
#[derive(Debug)]
pub(crate) struct TokenCache {
    max_entries: NonZeroUsize,
    entries: Mutex<LruCache<Digest, Arc<Entry>>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Reads the `cache` section: `{ "max_entries": N }`, N from 1 to 1,000,000.
pub(crate) fn parse(value: &Value) -> Result<TokenCache, ConfigError> {
    let fields = Fields::new(value, "cache", &["max_entries"])?;
    let max =
        fields.non_negative("max_entries", MAX_ENTRIES)?.ok_or_else(|| fields.error("max_entries", "is required"))?;
    let max_entries =
        NonZeroUsize::new(max as usize).ok_or_else(|| fields.error("max_entries", "must be at least 1"))?;
    Ok(TokenCache::new(max_entries))
}

/// The SHA-256 of `token`.
pub(crate) fn digest(token: &str) -> Digest {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, token.as_bytes()).as_ref());
    out
}

impl TokenCache {
    pub(crate) fn new(max_entries: NonZeroUsize) -> TokenCache {
        TokenCache {
            max_entries,
            entries: Mutex::new(LruCache::new(max_entries)),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, LruCache<Digest, Arc<Entry>>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The entry for `digest`, if any (it becomes the most recently used).
    pub(crate) fn get(&self, digest: &Digest) -> Option<Arc<Entry>> {
        self.lock().get(digest).cloned()
    }

    /// Forgets `digest` (its entry was verified with keys no longer in use).
    pub(crate) fn forget(&self, digest: &Digest) {
        self.lock().pop(digest);
    }

    pub(crate) fn insert(&self, digest: Digest, entry: Entry) {
        self.lock().put(digest, Arc::new(entry));
    }

    pub(crate) fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn status(&self) -> CacheStatus {
        CacheStatus {
            max_entries: self.max_entries.get(),
            entries: self.lock().len(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(id: &str) -> Entry {
        Entry::new(Principal::new(id, vec![], None, json!({"sub": id})), 0, None, Algorithm::EdDSA)
    }

    #[test]
    fn the_least_recently_used_entry_goes_first() {
        let cache = parse(&json!({"max_entries": 2})).unwrap();
        let (a, b, c) = (digest("a"), digest("b"), digest("c"));
        cache.insert(a, entry("a"));
        cache.insert(b, entry("b"));
        assert!(cache.get(&a).is_some()); // a is now more recent than b
        cache.insert(c, entry("c"));
        assert!(cache.get(&b).is_none());
        assert_eq!(cache.get(&a).unwrap().principal.id, "a");
        assert_eq!(cache.status().entries, 2);
        cache.forget(&a);
        assert_eq!(cache.status().entries, 1);
    }

    #[test]
    fn settings_are_checked_with_paths() {
        let err = |v: Value| parse(&v).unwrap_err().to_string();
        assert_eq!(err(json!({"max_entries": 0})), "cache.max_entries: must be at least 1");
        assert!(err(json!({"max_entries": -1})).starts_with("cache.max_entries: must be a non-negative"));
        assert!(err(json!({"max_entries": 1_000_001})).starts_with("cache.max_entries: must be at most"));
        assert_eq!(err(json!({})), "cache.max_entries: is required");
        assert_eq!(err(json!({"size": 10})), "cache.size: unknown field");
        assert!(err(json!(true)).starts_with("cache: this must be an object"));
    }

    #[test]
    fn digests_are_sha256() {
        assert_eq!(digest("abc")[..4], [0xba, 0x78, 0x16, 0xbf]);
    }
}
