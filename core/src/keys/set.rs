//! A set of verification keys, each with a verifier per algorithm it may serve, and
//! the choice of keys for a token (`kid`, `alg`).

use std::borrow::Cow;

use crate::error::Reason;
use crate::keys::crypto::Verifier;
use crate::token::algorithm::Algorithm;

/// The most keys of a JWK Set a token without `kid` is tried against: with more keys
/// usable with its `alg`, such a token is `unknown_key`.
pub(crate) const MAX_KEYS_WITHOUT_KID: usize = 8;

/// Why no key fits a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unfit {
    /// No key is selected by the token's `kid`, or none serves its `alg`.
    UnknownKey,
    /// The keys selected by the token's `kid` (or the single key) cannot serve its `alg`.
    AlgorithmNotAllowed,
    /// The token has no `kid`, and more than [`MAX_KEYS_WITHOUT_KID`] keys could verify it.
    KidRequired,
}

impl Unfit {
    pub(crate) fn reason(self) -> Reason {
        match self {
            Unfit::UnknownKey | Unfit::KidRequired => Reason::UnknownKey,
            Unfit::AlgorithmNotAllowed => Reason::AlgorithmNotAllowed,
        }
    }

    pub(crate) fn detail(self) -> Cow<'static, str> {
        match self {
            Unfit::UnknownKey => "no configured key fits the token".into(),
            Unfit::AlgorithmNotAllowed => "the token's alg does not fit the selected key".into(),
            Unfit::KidRequired => Cow::Owned(format!(
                "the token has no kid, and more than {MAX_KEYS_WITHOUT_KID} keys of the set could verify it; \
                 a token must name its key (kid) in a set this large"
            )),
        }
    }
}

/// The configured keys.
#[derive(Debug)]
pub(crate) struct KeySet {
    pub(crate) keys: Vec<Key>,
    /// A JWK Set: a token's `kid` must name a key. Single keys ignore an absent kid.
    pub(crate) by_kid: bool,
}

/// One key: its id and a verifier per algorithm it may be used with.
pub(crate) struct Key {
    pub(crate) kid: Option<String>,
    pub(crate) verifiers: Vec<(Algorithm, Verifier)>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let algs: Vec<_> = self.verifiers.iter().map(|(a, _)| a.as_str()).collect();
        f.debug_struct("Key").field("kid", &self.kid).field("algorithms", &algs).finish_non_exhaustive()
    }
}

impl Key {
    fn verifier(&self, alg: Algorithm) -> Option<&Verifier> {
        self.verifiers.iter().find(|(a, _)| *a == alg).map(|(_, v)| v)
    }

    fn selected_by(&self, kid: Option<&str>, by_kid: bool) -> bool {
        match (kid, self.kid.as_deref()) {
            (Some(wanted), Some(own)) => wanted == own,
            (Some(_), None) => !by_kid,
            (None, _) => true,
        }
    }
}

impl KeySet {
    /// Whether some key fits the token's `kid` and `alg`, and if not, why.
    ///
    /// With a JWK Set, a `kid` selects the keys of that id; without one, every key usable
    /// with `alg` is a candidate, up to [`MAX_KEYS_WITHOUT_KID`]: past that a token must
    /// name its key, so that one token never costs more than a few signature checks. A
    /// single key (`jwk`, `pem`, `secret`) is always selected unless both it and the token
    /// name different ids.
    pub(crate) fn fit(&self, kid: Option<&str>, alg: Algorithm) -> Result<(), Unfit> {
        let mut selected = false;
        let mut usable = 0;
        for key in self.candidates(kid) {
            if key.verifier(alg).is_some() {
                usable += 1;
            }
            selected = true;
        }
        if usable > MAX_KEYS_WITHOUT_KID && kid.is_none() && self.by_kid {
            return Err(Unfit::KidRequired);
        }
        if usable > 0 {
            return Ok(());
        }
        let choosing_by_kid_or_single = kid.is_some() || !self.by_kid;
        Err(if selected && choosing_by_kid_or_single { Unfit::AlgorithmNotAllowed } else { Unfit::UnknownKey })
    }

    /// Whether `signature` over `message` verifies with any key that fits `kid` and `alg`.
    pub(crate) fn verify(&self, kid: Option<&str>, alg: Algorithm, message: &[u8], signature: &Vec<u8>) -> bool {
        self.candidates(kid).filter_map(|k| k.verifier(alg)).any(|v| v.verify(message, signature))
    }

    fn candidates<'a>(&'a self, kid: Option<&'a str>) -> impl Iterator<Item = &'a Key> + 'a {
        self.keys.iter().filter(move |k| k.selected_by(kid, self.by_kid))
    }

    /// The configured algorithms that no key can verify.
    pub(crate) fn algorithms_without_key(&self, algorithms: &[Algorithm]) -> Vec<Algorithm> {
        algorithms.iter().copied().filter(|a| !self.keys.iter().any(|k| k.verifier(*a).is_some())).collect()
    }

    /// The ids of the keys, in order (keys without one are left out).
    pub(crate) fn kids(&self) -> Vec<String> {
        self.keys.iter().filter_map(|k| k.kid.clone()).collect()
    }

    /// How many keys there are.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}
