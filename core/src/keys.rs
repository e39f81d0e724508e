//! Verification keys: the policy's `keys` section (`jwks`, `jwk`, `pem`, `secret` or
//! `jwks_url`), validated, with a verifier prepared for every configured algorithm each
//! key can serve; the choice of keys for a token; and the reading of a fetched JWK Set.

use std::borrow::Cow;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::DecodingKey;
use serde_json::Value;

use crate::algorithm::{Algorithm, KeyFamily};
use crate::crypto::Verifier;
use crate::der::{self, Curve, SpkiKey};
use crate::doc::{item, type_name, Fields};
use crate::error::{AuthError, ConfigError, Error, Reason};
use crate::jwks_url;
use crate::key_cache::KeyCache;
use crate::points;

/// The key sources of the `keys` section, exactly one of which is given.
const SOURCES: [&str; 5] = ["jwks", "jwk", "pem", "secret", "jwks_url"];

/// The largest fetched JWK Set read, in bytes.
pub(crate) const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// Where the keys come from: the policy itself, or a JWKS endpoint through a cache.
#[derive(Debug)]
pub(crate) enum Keys {
    /// Keys given in the policy, and which member gave them.
    Static(&'static str, KeySet),
    Remote(Box<KeyCache>),
}

/// JWK members that carry private or symmetric key material.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// RSA modulus sizes accepted, in bits.
const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

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
    keys: Vec<Key>,
    /// A JWK Set: a token's `kid` must name a key. Single keys ignore an absent kid.
    by_kid: bool,
}

/// One key: its id and a verifier per algorithm it may be used with.
pub(crate) struct Key {
    kid: Option<String>,
    verifiers: Vec<(Algorithm, Verifier)>,
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

/// Reads the `keys` section for the configured `algorithms`.
pub(crate) fn parse(value: &Value, algorithms: &[Algorithm]) -> Result<Keys, ConfigError> {
    let fields = Fields::new(value, "keys", &[&SOURCES[..], &["refresh"]].concat())?;
    let sources: Vec<&str> = SOURCES.into_iter().filter(|s| fields.has(s)).collect();
    let source = match sources.as_slice() {
        [one] => *one,
        [] => return Err(ConfigError::new("keys", "needs exactly one of jwks, jwk, pem, secret or jwks_url")),
        _ => {
            return Err(ConfigError::new(
                "keys",
                format!("needs exactly one of jwks, jwk, pem, secret or jwks_url, not {}", sources.join(" and ")),
            ))
        }
    };
    check_families(source, algorithms)?;
    if source == "jwks_url" {
        let config = jwks_url::parse(&fields)?;
        return Ok(Keys::Remote(Box::new(KeyCache::new(config, algorithms.to_vec()))));
    }
    if fields.has("refresh") {
        return Err(fields.error("refresh", format!("applies only to keys.jwks_url, not keys.{source}")));
    }
    let path = fields.path_of(source);
    let value = fields.required(source)?;
    let (materials, by_kid) = match source {
        "secret" => (vec![secret(value, &path, algorithms)?], false),
        "pem" => (vec![pem(value, &path)?], false),
        "jwk" => (vec![jwk(value, &path)?], false),
        _ => (jwks(value, &path)?, true),
    };
    let keys = materials.into_iter().map(|m| m.prepare(algorithms)).collect::<Result<Vec<_>, _>>()?;
    Ok(Keys::Static(source, KeySet { keys, by_kid }))
}

/// A JWK Set fetched from a JWKS endpoint, read for the configured `algorithms`: the
/// usable keys and a note for each key skipped, or why the whole response is refused.
///
/// Each key is checked as an inline key would be; one that fails, or that fits none of
/// the algorithms, is skipped. The response is refused when it is not a JWK Set, when
/// any key carries private or symmetric material (the endpoint is leaking secrets), or
/// when no key is usable.
///
/// The fingerprint (a SHA-256 over the usable keys' JSON) tells one set from another.
pub(crate) fn fetched(body: &[u8], algorithms: &[Algorithm]) -> Result<(KeySet, Vec<String>, [u8; 32]), String> {
    if body.len() > MAX_JWKS_BYTES {
        return Err(format!("the response is larger than {} bytes", MAX_JWKS_BYTES));
    }
    let doc: Value = serde_json::from_slice(body).map_err(|_| "the response is not JSON".to_owned())?;
    let items = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| "the response is not a JWK Set (no \"keys\" list)".to_owned())?;
    let leaks = |v: &Value| v.as_object().is_some_and(|o| PRIVATE_MEMBERS.iter().any(|m| o.contains_key(*m)));
    if let Some(i) = items.iter().position(leaks) {
        return Err(format!("keys[{i}] holds private or symmetric key material; the whole response is refused"));
    }
    let mut keys = Vec::new();
    let mut skipped = Vec::new();
    let mut fingerprint = ring::digest::Context::new(&ring::digest::SHA256);
    for (i, value) in items.iter().enumerate() {
        let path = item("keys", i);
        match jwk(value, &path).and_then(|m| m.prepare(algorithms)) {
            Ok(key) if key.verifiers.is_empty() => skipped.push(format!("{path}: fits none of token.algorithms")),
            Ok(key) => {
                fingerprint.update(value.to_string().as_bytes());
                fingerprint.update(b"\n");
                keys.push(key);
            }
            Err(e) => skipped.push(e.to_string()),
        }
    }
    if keys.is_empty() {
        return Err(format!("no usable key among the {} listed", items.len()));
    }
    let mut digest = [0u8; 32];
    digest.copy_from_slice(fingerprint.finish().as_ref());
    Ok((KeySet { keys, by_kid: true }, skipped, digest))
}

/// `HS*` needs `keys.secret`, and a secret serves nothing but `HS*`.
fn check_families(source: &str, algorithms: &[Algorithm]) -> Result<(), ConfigError> {
    let is_secret = source == "secret";
    match algorithms.iter().find(|a| (a.family() == KeyFamily::Hmac) != is_secret) {
        Some(alg) if is_secret => Err(ConfigError::new(
            "token.algorithms",
            format!("{alg} needs a public key, but keys.secret is a shared secret"),
        )),
        Some(alg) => Err(ConfigError::new(
            "token.algorithms",
            format!("{alg} needs keys.secret and cannot be mixed with public keys (keys.{source})"),
        )),
        None => Ok(()),
    }
}

/// Key material before verifiers are prepared.
struct Material {
    path: String,
    kid: Option<String>,
    kind: Kind,
    /// A JWK's `alg` member: the only algorithm the key may serve.
    only: Option<Algorithm>,
}

enum Kind {
    Secret(Vec<u8>),
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ec(Curve, Vec<u8>),
    Ed25519(Vec<u8>),
}

impl Kind {
    fn family(&self) -> KeyFamily {
        match self {
            Kind::Secret(_) => KeyFamily::Hmac,
            Kind::Rsa { .. } => KeyFamily::Rsa,
            Kind::Ec(..) => KeyFamily::Ec,
            Kind::Ed25519(_) => KeyFamily::Okp,
        }
    }

    /// Whether the key can serve `alg` at all (family and, for EC keys, curve).
    fn fits(&self, alg: Algorithm) -> bool {
        match self {
            Kind::Ec(curve, _) => curve_algorithm(*curve) == alg,
            _ => alg.family() == self.family(),
        }
    }

    fn decoding_key(&self) -> DecodingKey {
        match self {
            Kind::Secret(s) => DecodingKey::from_secret(s),
            Kind::Rsa { n, e } => DecodingKey::from_rsa_raw_components(n, e),
            Kind::Ec(_, point) => DecodingKey::from_ec_der(point),
            Kind::Ed25519(x) => DecodingKey::from_ed_der(x),
        }
    }
}

fn curve_algorithm(curve: Curve) -> Algorithm {
    match curve {
        Curve::P256 => Algorithm::ES256,
        Curve::P384 => Algorithm::ES384,
        Curve::P521 => Algorithm::ES512,
    }
}

impl Material {
    fn prepare(self, algorithms: &[Algorithm]) -> Result<Key, ConfigError> {
        let decoding = self.kind.decoding_key();
        let mut verifiers = Vec::new();
        for &alg in algorithms {
            if !self.kind.fits(alg) || self.only.is_some_and(|only| only != alg) {
                continue;
            }
            let verifier = Verifier::new(alg, &decoding)
                .ok_or_else(|| ConfigError::new(&self.path, format!("is not a valid key for {alg}")))?;
            verifiers.push((alg, verifier));
        }
        Ok(Key { kid: self.kid, verifiers })
    }
}

fn secret(value: &Value, path: &str, algorithms: &[Algorithm]) -> Result<Material, ConfigError> {
    let Value::String(text) = value else {
        return Err(ConfigError::new(path, format!("must be a string, not {}", type_name(value))));
    };
    let kind = secret_kind(text.as_bytes().to_vec(), path, algorithms)?;
    Ok(Material { path: path.into(), kid: None, kind, only: None })
}

/// A shared secret, at least as long as the strongest of the `HS*` algorithms needs.
fn secret_kind(bytes: Vec<u8>, path: &str, algorithms: &[Algorithm]) -> Result<Kind, ConfigError> {
    let needed = algorithms.iter().filter_map(|a| a.min_secret_len()).max().unwrap_or(0);
    if bytes.is_empty() || bytes.len() < needed {
        return Err(ConfigError::new(
            path,
            format!("is {} bytes long; the configured HS algorithms need at least {needed}", bytes.len()),
        ));
    }
    Ok(Kind::Secret(bytes))
}

fn pem(value: &Value, path: &str) -> Result<Material, ConfigError> {
    let Value::String(text) = value else {
        return Err(ConfigError::new(path, format!("must be a PEM string, not {}", type_name(value))));
    };
    let err = |m: &str| ConfigError::new(path, m.to_owned());
    let (label, der) = der::pem(text).ok_or_else(|| err("is not a PEM block"))?;
    let kind = match label {
        "PUBLIC KEY" => match der::spki(&der)
            .ok_or_else(|| err("is not a supported public key (RSA, EC P-256/P-384/P-521 or Ed25519)"))?
        {
            SpkiKey::Rsa(pkcs1) => rsa_from_pkcs1(pkcs1, path)?,
            SpkiKey::Ec(curve, point) => ec(curve, point.to_vec(), path)?,
            SpkiKey::Ed25519(x) => ed25519(x.to_vec(), path)?,
        },
        "RSA PUBLIC KEY" => rsa_from_pkcs1(&der, path)?,
        l if l.contains("PRIVATE") => return Err(err("holds a private key; give the public key (BEGIN PUBLIC KEY)")),
        _ => return Err(err("must be a BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY block")),
    };
    Ok(Material { path: path.into(), kid: None, kind, only: None })
}

fn rsa_from_pkcs1(der: &[u8], path: &str) -> Result<Kind, ConfigError> {
    let (n, e) = der::rsa_public_key(der).ok_or_else(|| ConfigError::new(path, "is not a valid RSA public key"))?;
    rsa(n, e, path)
}

fn rsa(n: &[u8], e: &[u8], path: &str) -> Result<Kind, ConfigError> {
    let n = strip_zeros(n);
    let e = strip_zeros(e);
    let bits = n.first().map_or(0, |b| n.len() * 8 - b.leading_zeros() as usize);
    if !RSA_BITS.contains(&bits) {
        return Err(ConfigError::new(
            path,
            format!("is a {bits}-bit RSA key; keys of {} to {} bits are accepted", RSA_BITS.start(), RSA_BITS.end()),
        ));
    }
    if crate::roca::has_fingerprint(n) {
        return Err(ConfigError::new(
            path,
            "is an RSA key with the ROCA weakness (CVE-2017-15361), which can be factored; generate a new key",
        ));
    }
    let exponent_ok = e.len() <= 4 && e.last().is_some_and(|b| b & 1 == 1) && e != [1];
    if !exponent_ok {
        return Err(ConfigError::new(path, "has an unusable RSA public exponent"));
    }
    Ok(Kind::Rsa { n: n.to_vec(), e: e.to_vec() })
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn ec(curve: Curve, point: Vec<u8>, path: &str) -> Result<Kind, ConfigError> {
    let expected = 1 + 2 * curve.coordinate_len();
    if point.len() != expected || point.first() != Some(&4) {
        return Err(ConfigError::new(path, format!("is not an uncompressed {} point", curve.name())));
    }
    points::check_ec(curve, &point).map_err(|refusal| ConfigError::new(path, refusal.describe(curve.name())))?;
    Ok(Kind::Ec(curve, point))
}

fn ed25519(x: Vec<u8>, path: &str) -> Result<Kind, ConfigError> {
    let Ok(bytes) = <[u8; 32]>::try_from(x.as_slice()) else {
        return Err(ConfigError::new(path, "is not a 32-byte Ed25519 public key"));
    };
    points::check_ed25519(&bytes).map_err(|refusal| ConfigError::new(path, refusal.describe("Ed25519")))?;
    Ok(Kind::Ed25519(x))
}

fn jwks(value: &Value, path: &str) -> Result<Vec<Material>, ConfigError> {
    let set = Fields::open_any(value, path)?;
    let keys_path = set.path_of("keys");
    match set.required("keys")? {
        Value::Array(items) if !items.is_empty() => {
            items.iter().enumerate().map(|(i, v)| jwk(v, &item(&keys_path, i))).collect()
        }
        Value::Array(_) => Err(ConfigError::new(keys_path, "must list at least one key")),
        other => Err(ConfigError::new(keys_path, format!("must be a list of JWKs, not {}", type_name(other)))),
    }
}

/// Reads one JWK. Unknown members are kept (ignored); private members are refused.
fn jwk(value: &Value, path: &str) -> Result<Material, ConfigError> {
    read_jwk(value, path, None)
}

/// [`jwk`], or with `secret_for`, also an `oct` JWK whose `k` is read as `keys.secret`
/// would be for that algorithm (see [`verify_signature`]).
fn read_jwk(value: &Value, path: &str, secret_for: Option<Algorithm>) -> Result<Material, ConfigError> {
    let fields = Fields::open_any(value, path)?;
    let oct_secret = secret_for.is_some() && fields.get("kty").is_some_and(|kty| kty == "oct");
    if let Some(private) = PRIVATE_MEMBERS.iter().find(|m| fields.has(m) && !(oct_secret && **m == "k")) {
        let what = if *private == "k" {
            "symmetric key material; shared secrets go in keys.secret"
        } else {
            "private key material; give only the public key"
        };
        return Err(fields.error(private, format!("is {what}")));
    }
    if let Some(usage) = fields.string("use")? {
        if usage != "sig" {
            return Err(fields.error("use", format!("is {usage:?}; only signature keys (\"sig\") verify tokens")));
        }
    }
    if let Some(ops) = fields.get("key_ops") {
        let ok = ops.as_array().is_some_and(|ops| ops.iter().any(|op| op == "verify"));
        if !ok {
            return Err(fields.error("key_ops", "must be a list that includes \"verify\""));
        }
    }
    let kid = match fields.get("kid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(fields.error("kid", format!("must be a string, not {}", type_name(other)))),
    };
    let only = match fields.string("alg")? {
        None => None,
        Some(name) => Some(
            Algorithm::from_name(name)
                .ok_or_else(|| fields.error("alg", format!("{name:?} is not a supported JWS algorithm")))?,
        ),
    };
    let kty = fields.string("kty")?.ok_or_else(|| fields.error("kty", "is required"))?;
    let coordinate = |name: &str| -> Result<Vec<u8>, ConfigError> {
        let text = fields.string(name)?.ok_or_else(|| fields.error(name, "is required"))?;
        URL_SAFE_NO_PAD.decode(text).map_err(|_| fields.error(name, "is not base64url without padding"))
    };
    let kind = match kty {
        "RSA" => rsa(&coordinate("n")?, &coordinate("e")?, path)?,
        "EC" => {
            let crv = fields.string("crv")?.ok_or_else(|| fields.error("crv", "is required"))?;
            let curve = Curve::from_name(crv)
                .ok_or_else(|| fields.error("crv", format!("{crv:?} is not supported (P-256, P-384, P-521)")))?;
            let (x, y) = (coordinate("x")?, coordinate("y")?);
            let len = curve.coordinate_len();
            if x.len() != len || y.len() != len {
                return Err(ConfigError::new(path, format!("{crv} coordinates must be {len} bytes each")));
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(4);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            ec(curve, point, path)?
        }
        "OKP" => {
            let crv = fields.string("crv")?.ok_or_else(|| fields.error("crv", "is required"))?;
            if crv != "Ed25519" {
                return Err(fields.error("crv", format!("{crv:?} is not supported (Ed25519)")));
            }
            ed25519(coordinate("x")?, path)?
        }
        "oct" if oct_secret => secret_kind(coordinate("k")?, &fields.path_of("k"), secret_for.as_slice())?,
        "oct" => return Err(fields.error("kty", "\"oct\" keys are shared secrets; put the secret in keys.secret")),
        other => return Err(fields.error("kty", format!("{other:?} is not supported (RSA, EC, OKP)"))),
    };
    if let Some(alg) = only {
        if !kind.fits(alg) {
            return Err(fields.error("alg", format!("{alg} does not fit this {kty} key")));
        }
    }
    Ok(Material { path: path.into(), kid, kind, only })
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
    use serde_json::json;

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
