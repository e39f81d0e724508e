//! jsonwebtoken's crypto backend, switchable at run time so both of its providers are
//! measured interleaved in one process.
//!
//! With both the `aws_lc_rs` and the `rust_crypto` features on, jsonwebtoken cannot pick a
//! process default and panics unless one is installed. The provider installed here forwards
//! every call to `jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER`,
//! `jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER` or Wardgate's own ring provider
//! (`wardgate::crypto::PROVIDER`, which verifies only), whichever [`select`] named last.
//! The last one measures jsonwebtoken on the very signature code Wardgate runs, so the
//! difference between the two is the libraries' own work.
//! The cost it adds to a `decode` is one relaxed atomic load (in `verifier_factory`, called
//! once per `decode`), the same for every backend.
//!
//! Wardgate itself does not go through this: it calls its ring verifiers directly, never
//! jsonwebtoken's process default.

use jsonwebtoken::crypto::{aws_lc, rust_crypto, CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::Result;
use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Once;

/// One of jsonwebtoken's two crypto backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    AwsLc = 0,
    RustCrypto = 1,
    Ring = 2,
}

impl Backend {
    /// The row's library name.
    pub fn library(self) -> &'static str {
        match self {
            Backend::AwsLc => "jsonwebtoken (aws_lc_rs)",
            Backend::RustCrypto => "jsonwebtoken (rust_crypto)",
            Backend::Ring => "jsonwebtoken (ring)",
        }
    }
}

static SELECTED: AtomicU8 = AtomicU8::new(Backend::AwsLc as u8);

/// Makes `backend` the one jsonwebtoken uses from now on (installing the forwarding
/// provider the first time).
pub fn select(backend: Backend) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        DISPATCH.install_default().expect("no other jsonwebtoken provider is installed in the harness");
    });
    SELECTED.store(backend as u8, Ordering::Relaxed);
}

fn current() -> &'static CryptoProvider {
    match SELECTED.load(Ordering::Relaxed) {
        1 => &rust_crypto::DEFAULT_PROVIDER,
        2 => &wardgate::crypto::PROVIDER,
        _ => &aws_lc::DEFAULT_PROVIDER,
    }
}

static DISPATCH: CryptoProvider = CryptoProvider {
    signer_factory,
    verifier_factory,
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key,
        rsa_pub_components_from_public_key,
        ec_pub_components_from_private_key,
        ed_pub_components_from_private_key,
        compute_digest,
    },
};

fn signer_factory(alg: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    (current().signer_factory)(alg, key)
}

fn verifier_factory(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    (current().verifier_factory)(alg, key)
}

fn rsa_pub_components_from_private_key(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    (current().key_utils.rsa_pub_components_from_private_key)(der)
}

fn rsa_pub_components_from_public_key(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    (current().key_utils.rsa_pub_components_from_public_key)(der)
}

fn ec_pub_components_from_private_key(der: &[u8], alg: Algorithm) -> Result<(EllipticCurve, Vec<u8>, Vec<u8>)> {
    (current().key_utils.ec_pub_components_from_private_key)(der, alg)
}

fn ed_pub_components_from_private_key(der: &[u8], curve: &EllipticCurve) -> Result<Vec<u8>> {
    (current().key_utils.ed_pub_components_from_private_key)(der, curve)
}

fn compute_digest(data: &[u8], hash: ThumbprintHash) -> Result<Vec<u8>> {
    (current().key_utils.compute_digest)(data, hash)
}
