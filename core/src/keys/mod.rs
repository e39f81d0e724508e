//! Verification keys, local and remote: the policy's `keys` section (`jwks`, `jwk`,
//! `pem`, `secret` or `jwks_url`) read into a key set (`material`, `set`) or a remote
//! key set's cache (`remote`), and what the source reports (`status`).

pub(crate) mod crypto;
pub(crate) mod der;
pub(crate) mod material;
pub(crate) mod modular;
pub(crate) mod points;
pub(crate) mod remote;
pub(crate) mod roca;
pub(crate) mod set;
pub(crate) mod status;

use serde_json::Value;

use crate::error::{AuthError, ConfigError, Error, Reason};
use crate::policy::fields::Fields;
use crate::token::algorithm::{Algorithm, KeyFamily};
use material::{jwk, jwks, pem, read_jwk, secret};
use remote::cache::KeyCache;
use remote::url as jwks_url;
use set::KeySet;
use status::{KeySource, SOURCES};

/// Where the keys come from: the policy itself, or a JWKS endpoint through a cache.
#[derive(Debug)]
pub(crate) enum Keys {
    /// Keys given in the policy, and which member gave them.
    Static(KeySource, KeySet),
    Remote(Box<KeyCache>),
}

/// Reads the `keys` section for the configured `algorithms`.
pub(crate) fn parse(value: &Value, algorithms: &[Algorithm]) -> Result<Keys, ConfigError> {
    let names: Vec<&str> = SOURCES.iter().map(|(_, name)| *name).collect();
    let fields = Fields::new(value, "keys", &[&names[..], &["refresh"]].concat())?;
    let sources: Vec<KeySource> = SOURCES.iter().filter(|(_, name)| fields.has(name)).map(|(s, _)| *s).collect();
    let source = match sources.as_slice() {
        [one] => *one,
        [] => return Err(ConfigError::new("keys", "needs exactly one of jwks, jwk, pem, secret or jwks_url")),
        _ => {
            return Err(ConfigError::new(
                "keys",
                format!(
                    "needs exactly one of jwks, jwk, pem, secret or jwks_url, not {}",
                    sources.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" and ")
                ),
            ))
        }
    };
    check_families(source, algorithms)?;
    if source == KeySource::JwksUrl {
        let config = jwks_url::parse(&fields)?;
        return Ok(Keys::Remote(Box::new(KeyCache::new(config, algorithms.to_vec()))));
    }
    if fields.has("refresh") {
        return Err(fields.error("refresh", format!("applies only to keys.jwks_url, not keys.{}", source.as_str())));
    }
    let path = fields.path_of(source.as_str());
    let value = fields.required(source.as_str())?;
    let (materials, by_kid) = match source {
        KeySource::Secret => (vec![secret(value, &path, algorithms)?], false),
        KeySource::Pem => (vec![pem(value, &path)?], false),
        KeySource::Jwk => (vec![jwk(value, &path)?], false),
        _ => (jwks(value, &path)?, true),
    };
    let keys = materials.into_iter().map(|m| m.prepare(algorithms)).collect::<Result<Vec<_>, _>>()?;
    Ok(Keys::Static(source, KeySet { keys, by_kid }))
}

/// `HS*` needs `keys.secret`, and a secret serves nothing but `HS*`.
fn check_families(source: KeySource, algorithms: &[Algorithm]) -> Result<(), ConfigError> {
    let is_secret = source == KeySource::Secret;
    match algorithms.iter().find(|a| (a.family() == KeyFamily::Hmac) != is_secret) {
        Some(alg) if is_secret => Err(ConfigError::new(
            "token.algorithms",
            format!("{alg} needs a public key, but keys.secret is a shared secret"),
        )),
        Some(alg) => Err(ConfigError::new(
            "token.algorithms",
            format!("{alg} needs keys.secret and cannot be mixed with public keys (keys.{})", source.as_str()),
        )),
        None => Ok(()),
    }
}

/// The signature-check step of token verification, on its own: whether `signature` is a
/// valid `alg` signature over `message` with the key `jwk`. For test suites and hosts that
/// check signatures over other bytes than a token's signing input; a token goes through
/// [`Engine::verify`](crate::Engine::verify), which makes this check after its structure,
/// header and key checks.
///
/// The key is read as the policy reads `keys.jwk`, with the same checks (no private
/// members, `use` and `key_ops`, an `alg` member that restricts the key, RSA sizes and
/// exponents, EC coordinate sizes), and the signature goes through the verifier
/// `Engine::verify` uses. An `oct` JWK stands for `keys.secret`, with binary `k` bytes held
/// to the same minimum length (the hash output of `alg`).
///
/// Errors: [`Error::Config`] when the key is refused, as the policy loader would refuse it;
/// [`Reason::AlgorithmNotAllowed`] when the key cannot serve `alg` (another family or curve,
/// or its `alg` member names another algorithm); [`Reason::BadSignature`] when the
/// signature does not verify. Signatures are in their JWS form (`ES*`: the fixed-size
/// `r || s`, not DER; `HS*`: the whole MAC, not a truncation).
///
/// ```
/// use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine as _};
/// use wardgate::{verify_signature, Algorithm, Error, Reason};
/// use serde_json::json;
///
/// // RFC 8037 appendix A.4: Ed25519.
/// let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
/// let message = b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
/// let signature = B64.decode("hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg").unwrap();
/// assert!(verify_signature(&jwk, Algorithm::EdDSA, message, &signature).is_ok());
///
/// let reason = |r: Result<(), Error>| match r {
///     Err(Error::Auth(e)) => Some(e.reason()),
///     _ => None,
/// };
/// assert_eq!(reason(verify_signature(&jwk, Algorithm::EdDSA, b"other bytes", &signature)), Some(Reason::BadSignature));
/// assert_eq!(reason(verify_signature(&jwk, Algorithm::ES256, message, &signature)), Some(Reason::AlgorithmNotAllowed));
///
/// // A shared secret shorter than the hash output is refused, as keys.secret is.
/// let short = json!({"kty": "oct", "k": B64.encode([7u8; 16])});
/// assert!(matches!(verify_signature(&short, Algorithm::HS256, b"m", &[0u8; 32]), Err(Error::Config(_))));
/// ```
pub fn verify_signature(jwk: &Value, alg: Algorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
    let material = read_jwk(jwk, "jwk", Some(alg))?;
    let keys = KeySet { keys: vec![material.prepare(&[alg])?], by_kid: false };
    keys.fit(None, alg).map_err(|unfit| AuthError::new(unfit.reason(), "the key cannot verify this algorithm"))?;
    if !keys.verify(None, alg, message, &signature.to_vec()) {
        return Err(AuthError::new(Reason::BadSignature, "the signature does not verify").into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use remote::fetched::fetched;
    use serde_json::json;
    use set::{Unfit, MAX_KEYS_WITHOUT_KID};

    const ED_X: &str = "-3z149NlsNza22pAkoz_xbjF_4tnSVkehwZNrHFNB04";

    fn parse_err(keys: Value, algs: &[Algorithm]) -> String {
        parse(&keys, algs).unwrap_err().to_string()
    }

    fn parse_static(keys: &Value, algs: &[Algorithm]) -> Result<KeySet, ConfigError> {
        match parse(keys, algs)? {
            Keys::Static(_, set) => Ok(set),
            Keys::Remote(_) => panic!("a static key source was read as remote"),
        }
    }

    #[test]
    fn exactly_one_source() {
        assert!(parse_err(json!({}), &[Algorithm::EdDSA]).starts_with("keys: needs exactly one"));
        let two = json!({"pem": "x", "secret": "y"});
        assert!(parse_err(two, &[Algorithm::EdDSA]).contains("not pem and secret"));
    }

    #[test]
    fn families_do_not_mix() {
        let jwk = json!({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": ED_X}});
        assert!(parse_err(jwk, &[Algorithm::EdDSA, Algorithm::HS256]).starts_with("token.algorithms: HS256"));
        let secret = json!({"secret": "s".repeat(64)});
        assert!(parse_err(secret, &[Algorithm::HS256, Algorithm::RS256]).contains("RS256 needs a public key"));
    }

    #[test]
    fn secret_length_follows_the_strongest_hs() {
        let s40 = json!({"secret": "s".repeat(40)});
        assert!(parse_static(&s40, &[Algorithm::HS256]).is_ok());
        assert!(parse_err(s40, &[Algorithm::HS256, Algorithm::HS384]).contains("at least 48"));
    }

    #[test]
    fn jwk_members_are_checked_with_paths() {
        let private = json!({"jwks": {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": ED_X, "d": "AAAA"}]}});
        assert!(parse_err(private, &[Algorithm::EdDSA]).starts_with("keys.jwks.keys[0].d: is private"));
        let enc = json!({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": ED_X, "use": "enc"}});
        assert!(parse_err(enc, &[Algorithm::EdDSA]).starts_with("keys.jwk.use"));
        let oct = json!({"jwk": {"kty": "oct", "x": "AAAA"}});
        assert!(parse_err(oct, &[Algorithm::EdDSA]).starts_with("keys.jwk.kty"));
        let bad_alg = json!({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": ED_X, "alg": "ES256"}});
        assert!(parse_err(bad_alg, &[Algorithm::EdDSA]).starts_with("keys.jwk.alg: ES256 does not fit"));
        let unknown_member = json!({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": ED_X, "x5t": "zzz", "extra": 1}});
        assert!(parse_static(&unknown_member, &[Algorithm::EdDSA]).is_ok());
    }

    #[test]
    fn kid_selection_and_algorithm_fit() {
        let set = parse_static(
            &json!({"jwks": {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": ED_X, "kid": "a"}]}}),
            &[Algorithm::EdDSA, Algorithm::ES256],
        )
        .unwrap();
        assert_eq!(set.fit(Some("a"), Algorithm::EdDSA), Ok(()));
        assert!(!set.verify(Some("a"), Algorithm::EdDSA, b"m", &vec![0u8; 64]));
        assert_eq!(set.fit(Some("b"), Algorithm::EdDSA), Err(Unfit::UnknownKey));
        assert_eq!(set.fit(Some("a"), Algorithm::ES256), Err(Unfit::AlgorithmNotAllowed));
        assert_eq!(set.fit(None, Algorithm::ES256), Err(Unfit::UnknownKey));
        assert_eq!(set.algorithms_without_key(&[Algorithm::EdDSA, Algorithm::ES256]), vec![Algorithm::ES256]);
    }

    #[test]
    fn single_keys_ignore_the_token_kid() {
        let set =
            parse_static(&json!({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": ED_X}}), &[Algorithm::EdDSA]).unwrap();
        assert_eq!(set.fit(Some("whatever"), Algorithm::EdDSA), Ok(()));
        let named =
            parse_static(&json!({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": ED_X, "kid": "k"}}), &[Algorithm::EdDSA])
                .unwrap();
        assert_eq!(named.fit(Some("other"), Algorithm::EdDSA), Err(Unfit::UnknownKey));
    }

    #[test]
    fn pem_private_keys_are_refused_without_echoing_them() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIG9vb2I=\n-----END PRIVATE KEY-----";
        let msg = parse_err(json!({"pem": pem}), &[Algorithm::EdDSA]);
        assert!(msg.contains("private key") && !msg.contains("MC4C"), "{msg}");
    }

    /// RFC 7515 appendix A.1 (HS256): an `oct` JWK is a secret for `verify_signature`, and
    /// still refused in the policy's `keys.jwk`.
    #[test]
    fn oct_jwks_are_secrets_only_for_verify_signature() {
        let k = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
        let input = b"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        let mac = URL_SAFE_NO_PAD.decode("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        let jwk = json!({"kty": "oct", "k": k});
        assert!(parse_err(json!({"jwk": jwk}), &[Algorithm::RS256]).contains("symmetric key material"));

        let reason = |r: Result<(), Error>| match r {
            Err(Error::Auth(e)) => Some(e.reason()),
            Err(Error::Config(e)) => panic!("{e}"),
            Ok(()) => None,
        };
        assert_eq!(reason(verify_signature(&jwk, Algorithm::HS256, input, &mac)), None);
        assert_eq!(reason(verify_signature(&jwk, Algorithm::HS256, input, &mac[..16])), Some(Reason::BadSignature));
        assert_eq!(reason(verify_signature(&jwk, Algorithm::RS256, input, &mac)), Some(Reason::AlgorithmNotAllowed));
        let hs384_only = json!({"kty": "oct", "k": k, "alg": "HS384"});
        assert_eq!(
            reason(verify_signature(&hs384_only, Algorithm::HS256, input, &mac)),
            Some(Reason::AlgorithmNotAllowed)
        );
        let enc = json!({"kty": "oct", "k": k, "use": "enc"});
        assert!(matches!(verify_signature(&enc, Algorithm::HS256, input, &mac), Err(Error::Config(_))));
    }

    fn ed_key(seed: u8, kid: &str) -> Value {
        use ring::signature::{Ed25519KeyPair, KeyPair};
        let pair = Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).unwrap();
        json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(pair.public_key()), "kid": kid})
    }

    /// The issue's forgery key (all zeros) and the other weak Ed25519 encodings are refused
    /// in a JWK Set, as one JWK and as PEM, with the key's path; in a fetched set they are
    /// dropped with a note naming the key, and a set of nothing else is refused.
    #[test]
    fn weak_ed25519_keys_are_refused_everywhere() {
        let zero = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let weak = json!({"kty": "OKP", "crv": "Ed25519", "x": zero, "kid": "weak"});
        let set = json!({"jwks": {"keys": [ed_key(1, "good"), weak]}});
        let msg = parse_err(set, &[Algorithm::EdDSA]);
        assert!(msg.starts_with("keys.jwks.keys[1]: is an Ed25519 point of small order"), "{msg}");
        let msg = parse_err(json!({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": zero}}), &[Algorithm::EdDSA]);
        assert!(msg.starts_with("keys.jwk: is an Ed25519 point of small order"), "{msg}");
        let mut spki = vec![0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
        spki.extend([0xff; 31]);
        spki.push(0x7f); // y = 2^255 - 1, above p
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(&spki)
        );
        let msg = parse_err(json!({"pem": pem}), &[Algorithm::EdDSA]);
        assert!(msg.starts_with("keys.pem: is not a canonical Ed25519 encoding"), "{msg}");

        let body = json!({"keys": [weak, ed_key(2, "good")]}).to_string();
        let (keys, skipped, _) = fetched(body.as_bytes(), &[Algorithm::EdDSA]).unwrap();
        assert_eq!(keys.kids(), ["good"]);
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].starts_with("keys[0]: is an Ed25519 point of small order"), "{skipped:?}");
        let only_weak = json!({"keys": [weak]}).to_string();
        assert!(fetched(only_weak.as_bytes(), &[Algorithm::EdDSA]).unwrap_err().contains("no usable key"));
    }

    /// A P-256 or P-384 point off its curve is refused at load, and dropped from a fetched set.
    #[test]
    fn off_curve_points_are_refused_everywhere() {
        // The P-256 generator with y changed by one.
        let x = "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY";
        let y = "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU";
        let good = json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": "g"});
        assert!(parse_static(&json!({"jwk": good}), &[Algorithm::ES256]).is_ok());
        let mut y_bytes = URL_SAFE_NO_PAD.decode(y).unwrap();
        y_bytes[31] ^= 1;
        let off = json!({"kty": "EC", "crv": "P-256", "x": x, "y": URL_SAFE_NO_PAD.encode(&y_bytes), "kid": "off"});
        let msg = parse_err(json!({"jwks": {"keys": [good, off]}}), &[Algorithm::ES256]);
        assert_eq!(msg, "keys.jwks.keys[1]: is not a point on P-256");
        let p384_zero = json!({"kty": "EC", "crv": "P-384", "x": URL_SAFE_NO_PAD.encode([0u8; 48]),
                               "y": URL_SAFE_NO_PAD.encode([0u8; 48])});
        assert_eq!(parse_err(json!({"jwk": p384_zero}), &[Algorithm::ES384]), "keys.jwk: is not a point on P-384");

        let body = json!({"keys": [off, good]}).to_string();
        let (keys, skipped, _) = fetched(body.as_bytes(), &[Algorithm::ES256]).unwrap();
        assert_eq!((keys.kids(), skipped), (vec!["g".to_owned()], vec!["keys[0]: is not a point on P-256".to_owned()]));
    }

    /// A token without `kid` is tried against at most `MAX_KEYS_WITHOUT_KID` keys of a set:
    /// past that it must name its key. Keys of other algorithms do not count.
    #[test]
    fn tokens_without_kid_try_a_bounded_number_of_keys() {
        let set_of = |n: u8| {
            let keys: Vec<Value> = (0..n).map(|i| ed_key(i, &format!("k{i}"))).collect();
            parse_static(&json!({"jwks": {"keys": keys}}), &[Algorithm::EdDSA]).unwrap()
        };
        let most = MAX_KEYS_WITHOUT_KID as u8;
        assert_eq!(set_of(most).fit(None, Algorithm::EdDSA), Ok(()));
        let large = set_of(most + 1);
        assert_eq!(large.fit(None, Algorithm::EdDSA), Err(Unfit::KidRequired));
        assert_eq!(Unfit::KidRequired.reason(), Reason::UnknownKey);
        assert_eq!(large.fit(Some("k3"), Algorithm::EdDSA), Ok(()));

        let mut keys: Vec<Value> = (0..most).map(|i| ed_key(i, &format!("k{i}"))).collect();
        keys.push(json!({"kty": "EC", "crv": "P-256", "x": "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY",
                         "y": "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"}));
        let mixed = parse_static(&json!({"jwks": {"keys": keys}}), &[Algorithm::EdDSA, Algorithm::ES256]).unwrap();
        assert_eq!(mixed.fit(None, Algorithm::EdDSA), Ok(()));
        // A single key is never bounded: it is the only candidate.
        let single = parse_static(&json!({"jwk": ed_key(1, "one")}), &[Algorithm::EdDSA]).unwrap();
        assert_eq!(single.fit(None, Algorithm::EdDSA), Ok(()));
    }
}
