//! Just enough DER and PEM to read public keys: SPKI (`PUBLIC KEY`) and PKCS#1
//! (`RSA PUBLIC KEY`). Every function returns `None` on anything unexpected.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;
const NULL: u8 = 0x05;

/// OID 1.2.840.113549.1.1.1 (rsaEncryption).
const RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
/// OID 1.2.840.10045.2.1 (id-ecPublicKey).
const EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// OID 1.2.840.10045.3.1.7 (P-256).
const P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
/// OID 1.3.132.0.34 (P-384).
const P384: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x22];
/// OID 1.3.132.0.35 (P-521).
const P521: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x23];
/// OID 1.3.101.112 (Ed25519).
const ED25519: &[u8] = &[0x2B, 0x65, 0x70];

/// The named curves Wardgate knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    /// The JWK `crv` name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// The curve with this JWK `crv` name.
    pub(crate) fn from_name(name: &str) -> Option<Curve> {
        [Curve::P256, Curve::P384, Curve::P521].into_iter().find(|c| c.name() == name)
    }

    /// The size of one coordinate in bytes.
    pub(crate) fn coordinate_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }
}

/// A public key read from a SPKI structure.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SpkiKey<'a> {
    /// The RSAPublicKey (PKCS#1) DER inside.
    Rsa(&'a [u8]),
    /// A curve and its SEC1 point.
    Ec(Curve, &'a [u8]),
    /// The 32-byte Ed25519 public key.
    Ed25519(&'a [u8]),
}

/// Reads one TLV; returns (tag, value, rest).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | b as usize);
        if len < 0x80 || rest[0] == 0 {
            return None; // not the shortest form
        }
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// Reads one TLV of the expected tag.
fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, value, rest) = tlv(input)?;
    (t == tag).then_some((value, rest))
}

/// A positive INTEGER's magnitude without leading zeros.
fn unsigned(value: &[u8]) -> Option<&[u8]> {
    let first = *value.first()?;
    if first & 0x80 != 0 {
        return None; // negative
    }
    let trimmed = match value.iter().position(|&b| b != 0) {
        Some(i) => &value[i..],
        None => return None, // zero
    };
    Some(trimmed)
}

/// Reads a PKCS#1 RSAPublicKey: returns the modulus and exponent, big-endian, without
/// leading zeros.
pub(crate) fn rsa_public_key(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (body, rest) = expect(der, SEQUENCE)?;
    if !rest.is_empty() {
        return None;
    }
    let (n, body) = expect(body, INTEGER)?;
    let (e, body) = expect(body, INTEGER)?;
    if !body.is_empty() {
        return None;
    }
    Some((unsigned(n)?, unsigned(e)?))
}

/// Reads a SubjectPublicKeyInfo.
pub(crate) fn spki(der: &[u8]) -> Option<SpkiKey<'_>> {
    let (body, rest) = expect(der, SEQUENCE)?;
    if !rest.is_empty() {
        return None;
    }
    let (algorithm, body) = expect(body, SEQUENCE)?;
    let (bits, body) = expect(body, BIT_STRING)?;
    if !body.is_empty() {
        return None;
    }
    let (&unused, key) = bits.split_first()?;
    if unused != 0 {
        return None;
    }
    let (oid, params) = expect(algorithm, OID)?;
    match oid {
        RSA_ENCRYPTION => {
            // Parameters are NULL (or, leniently, absent).
            if !params.is_empty() {
                let (null, rest) = expect(params, NULL)?;
                if !null.is_empty() || !rest.is_empty() {
                    return None;
                }
            }
            Some(SpkiKey::Rsa(key))
        }
        EC_PUBLIC_KEY => {
            let (curve, rest) = expect(params, OID)?;
            if !rest.is_empty() {
                return None;
            }
            let curve = match curve {
                P256 => Curve::P256,
                P384 => Curve::P384,
                P521 => Curve::P521,
                _ => return None,
            };
            Some(SpkiKey::Ec(curve, key))
        }
        ED25519 if params.is_empty() => Some(SpkiKey::Ed25519(key)),
        _ => None,
    }
}

/// Decodes one PEM block: returns its label (e.g. `PUBLIC KEY`) and DER bytes.
pub(crate) fn pem(text: &str) -> Option<(&str, Vec<u8>)> {
    let text = text.trim();
    let rest = text.strip_prefix("-----BEGIN ")?;
    let (label, rest) = rest.split_once("-----")?;
    let end = format!("-----END {label}-----");
    let body = rest.strip_suffix(end.as_str())?;
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.contains('-') {
        return None; // a second block, or garbage
    }
    let der = STANDARD.decode(compact.as_bytes()).ok()?;
    Some((label, der))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA+3z149NlsNza22pAkoz/xbjF/4tnSVkehwZNrHFNB04=\n-----END PUBLIC KEY-----\n";

    #[test]
    fn reads_an_ed25519_spki() {
        let (label, der) = pem(ED_PEM).unwrap();
        assert_eq!(label, "PUBLIC KEY");
        match spki(&der).unwrap() {
            SpkiKey::Ed25519(x) => assert_eq!(x.len(), 32),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refuses_truncated_and_trailing_input() {
        let (_, der) = pem(ED_PEM).unwrap();
        for cut in 0..der.len() {
            assert!(spki(&der[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = der.clone();
        longer.push(0);
        assert!(spki(&longer).is_none());
    }

    #[test]
    fn reads_an_rsa_public_key() {
        // SEQUENCE { INTEGER 0x00C5, INTEGER 3 }
        let der = [0x30, 0x07, 0x02, 0x02, 0x00, 0xC5, 0x02, 0x01, 0x03];
        assert_eq!(rsa_public_key(&der), Some((&[0xC5u8][..], &[3u8][..])));
        let negative = [0x30, 0x06, 0x02, 0x01, 0x85, 0x02, 0x01, 0x03];
        assert_eq!(rsa_public_key(&negative), None);
    }

    #[test]
    fn refuses_non_minimal_lengths_and_bad_pem() {
        assert!(tlv(&[0x30, 0x81, 0x05, 0, 0, 0, 0, 0]).is_none());
        assert!(pem("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----").is_none());
        assert!(pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----").is_none());
        assert!(pem("not a pem").is_none());
    }
}
