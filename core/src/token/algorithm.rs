//! JWS algorithm names (RFC 7518, RFC 8037) and the key families they need.

use std::fmt;

/// A JWS signature algorithm that Wardgate verifies.
///
/// `ES512` is ECDSA on P-521 and `EdDSA` means Ed25519.
///
/// ```
/// use wardgate::{Algorithm, KeyFamily};
/// let alg = Algorithm::from_name("ES512").unwrap();
/// assert_eq!(alg.family(), KeyFamily::Ec);
/// assert_eq!(alg.as_str(), "ES512");
/// assert!(Algorithm::from_name("none").is_none());
/// assert!(Algorithm::from_name("es256").is_none()); // names are case-sensitive
/// ```
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// HMAC with SHA-256.
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// ECDSA on P-521 with SHA-512.
    ES512,
    /// Ed25519.
    EdDSA,
}

/// The kind of key an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyFamily {
    /// A shared secret (`HS*`).
    Hmac,
    /// An RSA public key (`RS*`, `PS*`).
    Rsa,
    /// An elliptic-curve public key (`ES*`).
    Ec,
    /// An Edwards-curve public key (`EdDSA`).
    Okp,
}

/// One row per algorithm: the algorithm, its name and its key family.
const ALGORITHMS: [(Algorithm, &str, KeyFamily); 13] = [
    (Algorithm::HS256, "HS256", KeyFamily::Hmac),
    (Algorithm::HS384, "HS384", KeyFamily::Hmac),
    (Algorithm::HS512, "HS512", KeyFamily::Hmac),
    (Algorithm::RS256, "RS256", KeyFamily::Rsa),
    (Algorithm::RS384, "RS384", KeyFamily::Rsa),
    (Algorithm::RS512, "RS512", KeyFamily::Rsa),
    (Algorithm::PS256, "PS256", KeyFamily::Rsa),
    (Algorithm::PS384, "PS384", KeyFamily::Rsa),
    (Algorithm::PS512, "PS512", KeyFamily::Rsa),
    (Algorithm::ES256, "ES256", KeyFamily::Ec),
    (Algorithm::ES384, "ES384", KeyFamily::Ec),
    (Algorithm::ES512, "ES512", KeyFamily::Ec),
    (Algorithm::EdDSA, "EdDSA", KeyFamily::Okp),
];

impl Algorithm {
    /// Every algorithm.
    pub const ALL: [Algorithm; 13] = {
        let mut all = [Algorithm::HS256; 13];
        let mut i = 0;
        while i < 13 {
            all[i] = ALGORITHMS[i].0;
            i += 1;
        }
        all
    };

    /// The algorithm with this exact (case-sensitive) name.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        ALGORITHMS.iter().find(|row| row.1 == name).map(|row| row.0)
    }

    /// The name as written in a JWS header.
    pub const fn as_str(self) -> &'static str {
        ALGORITHMS[self as usize].1
    }

    /// The kind of key this algorithm verifies with.
    pub const fn family(self) -> KeyFamily {
        ALGORITHMS[self as usize].2
    }

    /// For `HS*`, the minimum secret length in bytes (the hash output size).
    ///
    /// ```
    /// # use wardgate::Algorithm;
    /// assert_eq!(Algorithm::HS384.min_secret_len(), Some(48));
    /// assert_eq!(Algorithm::RS256.min_secret_len(), None);
    /// ```
    pub const fn min_secret_len(self) -> Option<usize> {
        match self {
            Algorithm::HS256 => Some(32),
            Algorithm::HS384 => Some(48),
            Algorithm::HS512 => Some(64),
            _ => None,
        }
    }

    /// The same algorithm in `jsonwebtoken`'s terms; `None` for `ES512`, which it lacks.
    ///
    /// ```
    /// use wardgate::Algorithm;
    /// assert_eq!(Algorithm::EdDSA.to_jsonwebtoken(), Some(jsonwebtoken::Algorithm::EdDSA));
    /// assert_eq!(Algorithm::ES512.to_jsonwebtoken(), None);
    /// assert_eq!(Algorithm::from_jsonwebtoken(jsonwebtoken::Algorithm::PS256), Some(Algorithm::PS256));
    /// ```
    pub const fn to_jsonwebtoken(self) -> Option<jsonwebtoken::Algorithm> {
        use jsonwebtoken::Algorithm as J;
        Some(match self {
            Algorithm::HS256 => J::HS256,
            Algorithm::HS384 => J::HS384,
            Algorithm::HS512 => J::HS512,
            Algorithm::RS256 => J::RS256,
            Algorithm::RS384 => J::RS384,
            Algorithm::RS512 => J::RS512,
            Algorithm::PS256 => J::PS256,
            Algorithm::PS384 => J::PS384,
            Algorithm::PS512 => J::PS512,
            Algorithm::ES256 => J::ES256,
            Algorithm::ES384 => J::ES384,
            Algorithm::EdDSA => J::EdDSA,
            Algorithm::ES512 => return None,
        })
    }

    /// The algorithm for a `jsonwebtoken` algorithm.
    pub fn from_jsonwebtoken(alg: jsonwebtoken::Algorithm) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.to_jsonwebtoken() == Some(alg))
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order_and_round_trips() {
        for (i, row) in ALGORITHMS.iter().enumerate() {
            assert_eq!(row.0 as usize, i);
            assert_eq!(Algorithm::from_name(row.1), Some(row.0));
            if let Some(j) = row.0.to_jsonwebtoken() {
                assert_eq!(Algorithm::from_jsonwebtoken(j), Some(row.0));
            }
        }
    }

    #[test]
    fn unknown_and_wrong_case_names_are_refused() {
        for name in ["none", "None", "NONE", "hs256", "ES256K", "Ed25519", "", "RS1"] {
            assert_eq!(Algorithm::from_name(name), None, "{name}");
        }
    }
}
