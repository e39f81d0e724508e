//! Reading key material: a JWK, a JWK Set, a PEM public key or a shared secret, with
//! every check a key must pass before it is used (no private members, sizes, curves,
//! points of large order, ROCA), and the verifiers prepared for it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::DecodingKey;
use serde_json::Value;

use crate::error::ConfigError;
use crate::keys::crypto::Verifier;
use crate::keys::der::{self, Curve, SpkiKey};
use crate::keys::points;
use crate::keys::set::Key;
use crate::policy::fields::{item, type_name, Fields};
use crate::token::algorithm::{Algorithm, KeyFamily};

/// JWK members that carry private or symmetric key material.
pub(crate) const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// RSA modulus sizes accepted, in bits.
const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// Key material before verifiers are prepared.
pub(crate) struct Material {
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
    pub(crate) fn prepare(self, algorithms: &[Algorithm]) -> Result<Key, ConfigError> {
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

pub(crate) fn secret(value: &Value, path: &str, algorithms: &[Algorithm]) -> Result<Material, ConfigError> {
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

pub(crate) fn pem(value: &Value, path: &str) -> Result<Material, ConfigError> {
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
    if crate::keys::roca::has_fingerprint(n) {
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

pub(crate) fn jwks(value: &Value, path: &str) -> Result<Vec<Material>, ConfigError> {
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
pub(crate) fn jwk(value: &Value, path: &str) -> Result<Material, ConfigError> {
    read_jwk(value, path, None)
}

/// [`jwk`], or with `secret_for`, also an `oct` JWK whose `k` is read as `keys.secret`
/// would be for that algorithm (see [`verify_signature`]).
pub(crate) fn read_jwk(value: &Value, path: &str, secret_for: Option<Algorithm>) -> Result<Material, ConfigError> {
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
