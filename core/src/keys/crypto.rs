//! Signature verification: a `ring`-backed provider for `jsonwebtoken`, and `ES512`
//! (P-521, which neither ring nor jsonwebtoken has) through the RustCrypto `p521` crate.
//!
//! The engine calls [`RingVerifier`] directly; it never installs a process-wide
//! `jsonwebtoken` provider, so a service that also uses jsonwebtoken with its own
//! provider is not disturbed. A service that wants ring behind its own jsonwebtoken
//! calls may install [`PROVIDER`] itself.

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
use jsonwebtoken::jwk::ThumbprintHash;
use jsonwebtoken::signature;
use jsonwebtoken::{AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey};
use ring::signature::{self as sig, RsaParameters, UnparsedPublicKey};
use ring::{digest, hmac};

use crate::keys::der;
use crate::token::algorithm::Algorithm;

/// `jsonwebtoken`'s [`CryptoProvider`] backed by `ring`, for verification only:
/// its signer factory refuses every algorithm.
///
/// `wardgate::crypto::PROVIDER` with the `jsonwebtoken-provider` feature.
#[cfg_attr(not(feature = "jsonwebtoken-provider"), allow(dead_code))]
pub static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: no_signer,
    verifier_factory: boxed_verifier,
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key: |_| Err(ErrorKind::InvalidKeyFormat.into()),
        rsa_pub_components_from_public_key: rsa_components_from_der,
        ec_pub_components_from_private_key: |_, _| Err(ErrorKind::InvalidKeyFormat.into()),
        ed_pub_components_from_private_key: |_, _| Err(ErrorKind::InvalidKeyFormat.into()),
        compute_digest,
    },
};

#[cfg_attr(not(feature = "jsonwebtoken-provider"), allow(dead_code))]
fn no_signer(_: &jsonwebtoken::Algorithm, _: &EncodingKey) -> Result<Box<dyn JwtSigner>, JwtError> {
    Err(ErrorKind::InvalidAlgorithm.into())
}

#[cfg_attr(not(feature = "jsonwebtoken-provider"), allow(dead_code))]
fn boxed_verifier(alg: &jsonwebtoken::Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, JwtError> {
    Ok(Box::new(RingVerifier::new(alg, key)?))
}

#[cfg_attr(not(feature = "jsonwebtoken-provider"), allow(dead_code))]
fn rsa_components_from_der(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), JwtError> {
    der::rsa_public_key(der)
        .map(|(n, e)| (n.to_vec(), e.to_vec()))
        .ok_or_else(|| ErrorKind::InvalidRsaKey("not an RSAPublicKey".into()).into())
}

#[cfg_attr(not(feature = "jsonwebtoken-provider"), allow(dead_code))]
fn compute_digest(data: &[u8], hash: ThumbprintHash) -> Result<Vec<u8>, JwtError> {
    let alg = match hash {
        ThumbprintHash::SHA256 => &digest::SHA256,
        ThumbprintHash::SHA384 => &digest::SHA384,
        ThumbprintHash::SHA512 => &digest::SHA512,
        _ => return Err(ErrorKind::InvalidAlgorithm.into()),
    };
    Ok(digest::digest(alg, data).as_ref().to_vec())
}

/// A prepared ring verifier for one key and one algorithm (see [`RingVerifier::new`]).
pub struct RingVerifier {
    alg: jsonwebtoken::Algorithm,
    key: RingKey,
}

enum RingKey {
    Hmac(hmac::Key),
    /// Ed25519 and ECDSA keys, and RSA keys given as DER.
    Unparsed(UnparsedPublicKey<Vec<u8>>),
    /// RSA keys given as modulus and exponent.
    RsaComponents(&'static RsaParameters, sig::RsaPublicKeyComponents<Vec<u8>>),
}

impl std::fmt::Debug for RingVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RingVerifier").field("alg", &self.alg).field("key", &"[redacted]").finish()
    }
}

impl RingVerifier {
    /// Prepares a verifier; fails when the key's family does not fit the algorithm.
    pub fn new(alg: &jsonwebtoken::Algorithm, key: &DecodingKey) -> Result<Self, JwtError> {
        use jsonwebtoken::Algorithm as J;
        if key.family() != alg.family() {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        let bytes = || key.try_get_as_bytes().map(<[u8]>::to_vec);
        let key = match alg {
            J::HS256 => RingKey::Hmac(hmac::Key::new(hmac::HMAC_SHA256, key.try_get_as_bytes()?)),
            J::HS384 => RingKey::Hmac(hmac::Key::new(hmac::HMAC_SHA384, key.try_get_as_bytes()?)),
            J::HS512 => RingKey::Hmac(hmac::Key::new(hmac::HMAC_SHA512, key.try_get_as_bytes()?)),
            J::ES256 => RingKey::Unparsed(UnparsedPublicKey::new(&sig::ECDSA_P256_SHA256_FIXED, bytes()?)),
            J::ES384 => RingKey::Unparsed(UnparsedPublicKey::new(&sig::ECDSA_P384_SHA384_FIXED, bytes()?)),
            J::EdDSA => RingKey::Unparsed(UnparsedPublicKey::new(&sig::ED25519, bytes()?)),
            J::RS256 => rsa_key(&sig::RSA_PKCS1_2048_8192_SHA256, key),
            J::RS384 => rsa_key(&sig::RSA_PKCS1_2048_8192_SHA384, key),
            J::RS512 => rsa_key(&sig::RSA_PKCS1_2048_8192_SHA512, key),
            J::PS256 => rsa_key(&sig::RSA_PSS_2048_8192_SHA256, key),
            J::PS384 => rsa_key(&sig::RSA_PSS_2048_8192_SHA384, key),
            J::PS512 => rsa_key(&sig::RSA_PSS_2048_8192_SHA512, key),
            _ => return Err(ErrorKind::InvalidAlgorithm.into()),
        };
        Ok(RingVerifier { alg: *alg, key })
    }
}

fn rsa_key(params: &'static RsaParameters, key: &DecodingKey) -> RingKey {
    match key.kind() {
        DecodingKeyKind::SecretOrDer(der) => RingKey::Unparsed(UnparsedPublicKey::new(params, der.clone())),
        DecodingKeyKind::RsaModulusExponent { n, e } => {
            RingKey::RsaComponents(params, sig::RsaPublicKeyComponents { n: n.clone(), e: e.clone() })
        }
    }
}

impl signature::Verifier<Vec<u8>> for RingVerifier {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        let ok = match &self.key {
            RingKey::Hmac(key) => hmac::verify(key, message, signature).is_ok(),
            RingKey::Unparsed(key) => key.verify(message, signature).is_ok(),
            RingKey::RsaComponents(params, key) => key.verify(params, message, signature).is_ok(),
        };
        if ok {
            Ok(())
        } else {
            Err(signature::Error::new())
        }
    }
}

impl JwtVerifier for RingVerifier {
    fn algorithm(&self) -> jsonwebtoken::Algorithm {
        self.alg
    }
}

/// ECDSA P-521 with SHA-512 (`ES512`), signatures as the fixed 132-byte `r || s` of JWS.
#[derive(Clone)]
pub struct P521Verifier {
    key: p521::ecdsa::VerifyingKey,
}

impl std::fmt::Debug for P521Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("P521Verifier([redacted])")
    }
}

impl P521Verifier {
    /// From an uncompressed SEC1 point (`04 || x || y`, 133 bytes); `None` if it is not a
    /// point on the curve.
    pub fn from_sec1(point: &[u8]) -> Option<Self> {
        if point.len() != 133 || point[0] != 4 {
            return None;
        }
        p521::ecdsa::VerifyingKey::from_sec1_bytes(point).ok().map(|key| P521Verifier { key })
    }

    /// Whether `signature` is a valid ES512 signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        use p521::ecdsa::signature::Verifier as _;
        match p521::ecdsa::Signature::from_slice(signature) {
            Ok(sig) if signature.len() == 132 => self.key.verify(message, &sig).is_ok(),
            _ => false,
        }
    }
}

/// A verifier for one key and one algorithm, whichever library does the work.
#[derive(Debug)]
pub(crate) enum Verifier {
    Ring(RingVerifier),
    P521(P521Verifier),
}

impl Verifier {
    /// Prepares a verifier for `alg` over `key`, or `None` when they do not fit together.
    pub(crate) fn new(alg: Algorithm, key: &DecodingKey) -> Option<Verifier> {
        match alg.to_jsonwebtoken() {
            Some(j) => RingVerifier::new(&j, key).ok().map(Verifier::Ring),
            None if key.family() == AlgorithmFamily::Ec => {
                P521Verifier::from_sec1(key.try_get_as_bytes().ok()?).map(Verifier::P521)
            }
            None => None,
        }
    }

    /// Whether `signature` verifies over `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &Vec<u8>) -> bool {
        match self {
            Verifier::Ring(v) => signature::Verifier::verify(v, message, signature).is_ok(),
            Verifier::P521(v) => v.verify(message, signature),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine as _;

    fn b64(s: &str) -> Vec<u8> {
        B64.decode(s).unwrap()
    }

    /// RFC 7515 appendix A.1: HS256 with the example's symmetric key.
    #[test]
    fn rfc7515_a1_hs256() {
        let k = b64("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
        let signing_input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        let signature = b64("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let v = Verifier::new(Algorithm::HS256, &DecodingKey::from_secret(&k)).unwrap();
        assert!(v.verify(signing_input.as_bytes(), &signature));
        let mut bad = signature.clone();
        bad[0] ^= 1;
        assert!(!v.verify(signing_input.as_bytes(), &bad));
    }

    /// RFC 8037 appendix A.4: Ed25519 over "Example of Ed25519 signing".
    #[test]
    fn rfc8037_a4_ed25519() {
        let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        let signing_input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
        let signature = b64("hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
        let v = Verifier::new(Algorithm::EdDSA, &DecodingKey::from_ed_components(x).unwrap()).unwrap();
        assert!(v.verify(signing_input.as_bytes(), &signature));
        assert!(!v.verify(b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbme", &signature));
    }

    #[test]
    fn family_mismatch_is_refused() {
        let ed = DecodingKey::from_ed_components("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap();
        for alg in [Algorithm::HS256, Algorithm::RS256, Algorithm::ES256, Algorithm::ES512] {
            assert!(Verifier::new(alg, &ed).is_none(), "{alg}");
        }
    }

    #[test]
    fn p521_rejects_points_off_the_curve_and_short_signatures() {
        let mut point = vec![4u8];
        point.extend([1u8; 132]);
        assert!(P521Verifier::from_sec1(&point).is_none());
        assert!(P521Verifier::from_sec1(&[4u8; 10]).is_none());
    }

    #[test]
    fn provider_refuses_to_sign() {
        let key = EncodingKey::from_secret(b"k");
        assert!((PROVIDER.signer_factory)(&jsonwebtoken::Algorithm::HS256, &key).is_err());
    }

    #[test]
    fn provider_digests() {
        let d = (PROVIDER.key_utils.compute_digest)(b"abc", ThumbprintHash::SHA256).unwrap();
        assert_eq!(d[..4], [0xba, 0x78, 0x16, 0xbf]);
    }
}

#[cfg(test)]
mod examples {
    use super::*;

    #[test]
    fn a_verifier_needs_a_key_of_its_algorithm_s_family() {
        let hmac_key = DecodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
        assert!(RingVerifier::new(&jsonwebtoken::Algorithm::HS256, &hmac_key).is_ok());
        assert!(RingVerifier::new(&jsonwebtoken::Algorithm::RS256, &hmac_key).is_err());
    }

    #[test]
    fn a_p521_point_off_the_curve_is_refused_at_load() {
        let mut point = vec![4u8];
        point.extend([1u8; 132]);
        assert!(P521Verifier::from_sec1(&point).is_none());
    }
}
