//! Test and benchmark support: real keys and real signatures (ring), so tests
//! exercise the engine exactly as a token issuer would.
#![allow(dead_code)]

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use serde_json::{json, Value};

/// The fixed clock of the tests.
pub const NOW: i64 = 1_764_000_000;
pub const ISSUER: &str = "https://app.example.com";
pub const AUDIENCE: &str = "https://app.example.com";

/// A private key that signs tokens for one algorithm.
pub enum Signer {
    Ed25519(Ed25519KeyPair),
    Ecdsa(EcdsaKeyPair, &'static str),
    Rsa(RsaKeyPair, &'static dyn signature::RsaEncoding, &'static str),
    Hmac(ring::hmac::Key, &'static str),
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The DER inside the first PEM block of a file under the repository's `tests/keys/`.
pub fn pem_file(name: &str) -> Vec<u8> {
    let path = format!("{}/../tests/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("PEM body")
}

impl Signer {
    pub fn ed25519() -> Signer {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Signer::Ed25519(Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap())
    }

    pub fn es256() -> Signer {
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        Signer::Ecdsa(EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap(), "ES256")
    }

    pub fn es384() -> Signer {
        let alg = &signature::ECDSA_P384_SHA384_FIXED_SIGNING;
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        Signer::Ecdsa(EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap(), "ES384")
    }

    /// RS256 with the repository's 2048-bit test key.
    pub fn rs256() -> Signer {
        let key = RsaKeyPair::from_pkcs8(&pem_file("rsa-2048.pem")).unwrap();
        Signer::Rsa(key, &signature::RSA_PKCS1_SHA256, "RS256")
    }

    /// PS256 with the repository's 2048-bit test key.
    pub fn ps256() -> Signer {
        let key = RsaKeyPair::from_pkcs8(&pem_file("rsa-2048.pem")).unwrap();
        Signer::Rsa(key, &signature::RSA_PSS_SHA256, "PS256")
    }

    pub fn hs256(secret: &str) -> Signer {
        Signer::Hmac(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes()), "HS256")
    }

    pub fn alg(&self) -> &'static str {
        match self {
            Signer::Ed25519(_) => "EdDSA",
            Signer::Ecdsa(_, alg) | Signer::Rsa(_, _, alg) | Signer::Hmac(_, alg) => alg,
        }
    }

    /// The raw public key (Ed25519 bytes or the SEC1 point); empty for RSA and HMAC.
    pub fn public_key(&self) -> &[u8] {
        match self {
            Signer::Ed25519(k) => k.public_key().as_ref(),
            Signer::Ecdsa(k, _) => k.public_key().as_ref(),
            Signer::Rsa(..) | Signer::Hmac(..) => &[],
        }
    }

    /// The public key as a JWK with `kid`; `None` for HMAC.
    pub fn jwk(&self, kid: &str) -> Option<Value> {
        Some(match self {
            Signer::Ed25519(_) => json!({"kty": "OKP", "crv": "Ed25519", "x": b64(self.public_key()), "kid": kid}),
            Signer::Ecdsa(_, alg) => {
                let point = self.public_key();
                let n = (point.len() - 1) / 2;
                let crv = if *alg == "ES256" { "P-256" } else { "P-384" };
                json!({"kty": "EC", "crv": crv, "x": b64(&point[1..1 + n]), "y": b64(&point[1 + n..]), "kid": kid})
            }
            Signer::Rsa(k, _, _) => {
                let c = signature::RsaPublicKeyComponents::<Vec<u8>>::from(k.public());
                json!({"kty": "RSA", "n": b64(&c.n), "e": b64(&c.e), "kid": kid})
            }
            Signer::Hmac(..) => return None,
        })
    }

    /// The signature of `message`.
    pub fn signature(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Signer::Ed25519(k) => k.sign(message).as_ref().to_vec(),
            Signer::Ecdsa(k, _) => k.sign(&rng, message).unwrap().as_ref().to_vec(),
            Signer::Rsa(k, encoding, _) => {
                let mut sig = vec![0; k.public().modulus_len()];
                k.sign(*encoding, &rng, message, &mut sig).unwrap();
                sig
            }
            Signer::Hmac(k, _) => ring::hmac::sign(k, message).as_ref().to_vec(),
        }
    }

    /// A compact JWS of `claims` with this header.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let sig = self.signature(input.as_bytes());
        format!("{input}.{}", b64(&sig))
    }

    /// A compact JWS of `claims` with `{"alg", "typ": "JWT", "kid"}`.
    pub fn sign(&self, kid: &str, claims: &Value) -> String {
        self.sign_with_header(&json!({"alg": self.alg(), "typ": "JWT", "kid": kid}), claims)
    }
}

/// Claims that pass the standard policy at [`NOW`].
pub fn claims(sub: &str) -> Value {
    json!({"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": NOW - 60, "exp": NOW + 900, "role": "user"})
}

/// A policy with iss/aud/exp checks for `signer`'s key under `kid`, and `rules`.
pub fn policy(signer: &Signer, kid: &str, rules: Value) -> Value {
    let keys = match signer.jwk(kid) {
        Some(jwk) => json!({"jwks": {"keys": [jwk]}}),
        None => json!({"secret": HMAC_SECRET}),
    };
    json!({
        "token": {"issuer": ISSUER, "audience": AUDIENCE, "algorithms": [signer.alg()]},
        "keys": keys,
        "rules": rules,
    })
}

/// The shared secret of the HMAC tests (64 bytes).
pub const HMAC_SECRET: &str = "test-only-secret-0123456789abcdef0123456789abcdef0123456789abcdef";

/// The four rules of the shared `decisions.json` vectors.
pub fn four_rules() -> Value {
    json!([
        {"id": "own-todos", "effect": "permit", "resource": "todo", "actions": ["read", "update", "delete"],
         "when": "resource.owner_id == principal.id"},
        {"id": "create-todos", "effect": "permit", "resource": "todo", "actions": ["create"],
         "when": "principal.claims.emailVerified == true"},
        {"id": "admins", "effect": "permit", "resource": "*", "actions": "*", "when": "'admin' in principal.roles"},
        {"id": "banned", "effect": "forbid", "resource": "*", "actions": "*",
         "when": "principal.claims has banned && principal.claims.banned == true"}
    ])
}

/// What a verification with `KeyAccess::IfReady` gives, read as an option: `None` when a
/// remote key set must be fetched first, the result otherwise.
#[allow(dead_code)]
pub fn ready<T>(result: Result<T, wardgate::AuthError>) -> Option<Result<T, wardgate::AuthError>> {
    match result {
        Err(e) if e.keys_pending() => None,
        result => Some(result),
    }
}
