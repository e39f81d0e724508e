//! Public key points, checked when a key is loaded: a P-256 or P-384 point must lie on
//! its curve, and an Ed25519 key must be the canonical encoding of a point of large
//! order.
//!
//! Signature verification would refuse an off-curve ECDSA point anyway, but such a key
//! must not count as usable. An Ed25519 key of small order is worse: with it, a token
//! signed with `R` the identity and `S = 0` verifies for a good share of claim sets, so
//! anyone can forge one. These keys are refused, with the reason, wherever a key is read.

use crate::keys::der::Curve;
use crate::keys::modular::{Field, Num};

/// Why a public key point is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not a point of the curve (or a coordinate not below the field prime).
    NotOnCurve,
    /// An Ed25519 encoding whose `y` is not below `p`, or `x = 0` with the sign bit set.
    NonCanonical,
    /// One of the eight Ed25519 points of order 1, 2, 4 or 8.
    SmallOrder,
}

impl Refusal {
    /// The problem, for a configuration error after the key's path.
    pub(crate) fn describe(self, curve: &str) -> String {
        match self {
            Refusal::NotOnCurve => format!("is not a point on {curve}"),
            Refusal::NonCanonical => "is not a canonical Ed25519 encoding (y must be below 2^255 - 19, and x = 0 \
                                      has no sign bit)"
                .into(),
            Refusal::SmallOrder => "is an Ed25519 point of small order, with which anyone can forge signatures; \
                                    it is never a real public key"
                .into(),
        }
    }
}

/// Short Weierstrass curves `y^2 = x^3 - 3x + b` over their prime: `(p, b)` big-endian.
const P256: (&str, &str) = (
    "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
    "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
);
const P384: (&str, &str) = (
    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
    "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
);

/// Checks an uncompressed SEC1 point (`04 || x || y`, coordinates of the curve's length):
/// both coordinates below `p`, and `y^2 = x^3 - 3x + b`. P-521 points are checked by the
/// `p521` crate, which verifies ES512.
pub(crate) fn check_ec(curve: Curve, point: &[u8]) -> Result<(), Refusal> {
    let (p, b) = match curve {
        Curve::P256 => P256,
        Curve::P384 => P384,
        Curve::P521 => {
            return crate::keys::crypto::P521Verifier::from_sec1(point).map(|_| ()).ok_or(Refusal::NotOnCurve);
        }
    };
    let field = Field::new(hex(p));
    let len = curve.coordinate_len();
    if point.len() != 1 + 2 * len || point[0] != 4 {
        return Err(Refusal::NotOnCurve);
    }
    let coordinate = |bytes: &[u8]| Num::from_be_bytes(bytes).filter(|n| field.contains(n));
    let (Some(x), Some(y)) = (coordinate(&point[1..=len]), coordinate(&point[1 + len..])) else {
        return Err(Refusal::NotOnCurve);
    };
    let x_cubed = field.mul(&field.mul(&x, &x), &x);
    let three_x = field.add(&field.add(&x, &x), &x);
    let right = field.add(&field.sub(&x_cubed, &three_x), &hex(b));
    if field.mul(&y, &y) == right {
        Ok(())
    } else {
        Err(Refusal::NotOnCurve)
    }
}

/// 2^255 - 19, little-endian.
const ED25519_P: [u8; 32] = {
    let mut p = [0xff; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
};
/// The curve constant `d = -121665 / 121666`, big-endian.
const ED25519_D: &str = "52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3";
/// The `y` of the four points of order 8 is this or `p` minus this (little-endian).
const ED25519_ORDER_8_Y: [u8; 32] = [
    0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53,
    0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
];

/// Checks a 32-byte Ed25519 public key (RFC 8032 section 5.1.3): `y` below `p`, a point
/// of the curve (`x^2 = (y^2 - 1) / (d y^2 + 1)` has a root), no sign bit on `x = 0`, and
/// none of the eight points of small order, whose `y` is 1 (the identity), `p - 1`
/// (order 2), 0 (order 4) or one of two values of order 8.
pub(crate) fn check_ed25519(key: &[u8; 32]) -> Result<(), Refusal> {
    let field = Field::new(le(&ED25519_P));
    let sign = key[31] >> 7 == 1;
    let mut y_bytes = *key;
    y_bytes[31] &= 0x7f;
    let y = le(&y_bytes);
    if !field.contains(&y) {
        return Err(Refusal::NonCanonical);
    }
    let y2 = field.mul(&y, &y);
    let u = field.sub(&y2, &Num::ONE);
    let v = field.add(&field.mul(&hex(ED25519_D), &y2), &Num::ONE);
    // u / v is a square exactly when u * v is (v is never zero: -1/d is not a square).
    if !field.is_square(&field.mul(&u, &v)) {
        return Err(Refusal::NotOnCurve);
    }
    if u.is_zero() && sign {
        return Err(Refusal::NonCanonical);
    }
    let order_8 = le(&ED25519_ORDER_8_Y);
    let small = [Num::ZERO, Num::ONE, field.p().minus(&Num::ONE), order_8, field.p().minus(&order_8)];
    if small.contains(&y) {
        return Err(Refusal::SmallOrder);
    }
    Ok(())
}

fn le(bytes: &[u8]) -> Num {
    Num::from_le_bytes(bytes).unwrap_or(Num::ZERO)
}

/// A big-endian hex constant of this module.
fn hex(text: &str) -> Num {
    let bytes: Vec<u8> =
        (0..text.len() / 2).filter_map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()).collect();
    Num::from_be_bytes(&bytes).unwrap_or(Num::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ring::agreement::{EphemeralPrivateKey, ECDH_P256, ECDH_P384};
    use ring::rand::SystemRandom;
    use ring::signature::{Ed25519KeyPair, KeyPair};

    fn ed_field() -> Field {
        Field::new(le(&ED25519_P))
    }

    fn from_hex(text: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    /// The eight points of small order as published (libsodium's blocklist, RFC 8032
    /// errata), each with both sign bits: refused, for their order or (x = 0 with the
    /// sign bit) as non-canonical.
    #[test]
    fn small_order_points_are_refused() {
        let encodings = [
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0100000000000000000000000000000000000000000000000000000000000000",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        ];
        for text in encodings {
            for sign in [0u8, 0x80] {
                let mut key = from_hex(text);
                key[31] |= sign;
                let zero_x = text.starts_with("01") || text.starts_with("ec");
                let expected = if zero_x && sign != 0 { Refusal::NonCanonical } else { Refusal::SmallOrder };
                assert_eq!(check_ed25519(&key), Err(expected), "{text} sign {sign}");
            }
        }
    }

    /// The all-zero key (order 4) is refused, and this is why: with it, the signature
    /// R = identity, S = 0 passes the Ed25519 check for every message whose hash k is a
    /// multiple of 4 ([S]B - [k]A is then the identity), about one in four.
    #[test]
    fn the_all_zero_key_is_refused() {
        assert_eq!(check_ed25519(&[0; 32]), Err(Refusal::SmallOrder));
        let key = ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, [0u8; 32]);
        let mut forged = [0u8; 64];
        forged[0] = 1; // R: the identity (y = 1); S: zero
        let accepted = (0..64).filter(|i| key.verify(format!("claims {i}").as_bytes(), &forged).is_ok()).count();
        assert!((4..=32).contains(&accepted), "{accepted} of 64 messages forged");
    }

    /// y = p + k for every k that fits in 255 bits: non-canonical.
    #[test]
    fn non_canonical_y_is_refused() {
        for k in 0..19u8 {
            let mut key = ED25519_P;
            key[0] += k;
            assert_eq!(check_ed25519(&key), Err(Refusal::NonCanonical), "p + {k}");
            key[31] |= 0x80;
            assert_eq!(check_ed25519(&key), Err(Refusal::NonCanonical), "p + {k}, sign bit");
        }
    }

    /// `d` is -121665/121666, and each listed `y` of order 8 has order 8: doubling a
    /// point three times, from (x^2, y) alone, gives the identity (0, 1).
    #[test]
    fn the_constants_are_what_they_claim() {
        let f = ed_field();
        let d = hex(ED25519_D);
        let sum = f.add(&f.mul(&d, &Num::from_u64(121_666)), &Num::from_u64(121_665));
        assert!(sum.is_zero());

        let inverse = |a: &Num| f.pow(a, &f.p().minus(&Num::from_u64(2)));
        // Doubling on -x^2 + y^2 = 1 + d x^2 y^2: x' = 2xy / (y^2 - x^2), y' = (y^2 + x^2) / (2 - y^2 + x^2).
        let double = |(xx, y): (Num, Num)| {
            let yy = f.mul(&y, &y);
            let den = f.sub(&yy, &xx);
            let xx2 = f.mul(&f.mul(&Num::from_u64(4), &f.mul(&xx, &yy)), &inverse(&f.mul(&den, &den)));
            let y2 = f.mul(&f.add(&yy, &xx), &inverse(&f.add(&f.sub(&Num::from_u64(2), &yy), &xx)));
            (xx2, y2)
        };
        let x_squared = |y: &Num| {
            let yy = f.mul(y, y);
            f.mul(&f.sub(&yy, &Num::ONE), &inverse(&f.add(&f.mul(&d, &yy), &Num::ONE)))
        };
        let order_8 = le(&ED25519_ORDER_8_Y);
        for y in [order_8, f.p().minus(&order_8)] {
            let p1 = (x_squared(&y), y);
            let p4 = double(double(p1));
            assert_ne!(p4, (Num::ZERO, Num::ONE), "order divides 4");
            assert_eq!(double(p4), (Num::ZERO, Num::ONE), "order does not divide 8");
        }
        // A real key's point does not vanish after three doublings.
        let key = Ed25519KeyPair::from_seed_unchecked(&[7; 32]).unwrap();
        let mut y = *<&[u8; 32]>::try_from(key.public_key().as_ref()).unwrap();
        y[31] &= 0x7f;
        let y = le(&y);
        assert_ne!(double(double(double((x_squared(&y), y)))), (Num::ZERO, Num::ONE));
    }

    /// The RFC 8032 test keys and keys ring makes are accepted.
    #[test]
    fn real_ed25519_keys_are_accepted() {
        for text in [
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        ] {
            assert_eq!(check_ed25519(&from_hex(text)), Ok(()), "{text}");
        }
    }

    /// Well-known P-256 and P-384 generators are on their curves; a point moved off it,
    /// a coordinate at p, and the wrong curve's point are not.
    #[test]
    fn generators_and_off_curve_points() {
        let g256 = "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
        let g384 = "04aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab73617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f";
        let bytes = |t: &str| {
            (0..t.len() / 2).map(|i| u8::from_str_radix(&t[2 * i..2 * i + 2], 16).unwrap()).collect::<Vec<u8>>()
        };
        assert_eq!(check_ec(Curve::P256, &bytes(g256)), Ok(()));
        assert_eq!(check_ec(Curve::P384, &bytes(g384)), Ok(()));
        let mut off = bytes(g256);
        off[64] ^= 1;
        assert_eq!(check_ec(Curve::P256, &off), Err(Refusal::NotOnCurve));
        assert_eq!(check_ec(Curve::P384, &bytes(g256)), Err(Refusal::NotOnCurve));
        let mut at_p = vec![4u8];
        at_p.extend(bytes(P256.0));
        at_p.extend([0u8; 32]);
        assert_eq!(check_ec(Curve::P256, &at_p), Err(Refusal::NotOnCurve));
        let zeros = [&[4u8][..], &[0u8; 64][..]].concat();
        assert_eq!(check_ec(Curve::P256, &zeros), Err(Refusal::NotOnCurve));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Every public key ring generates is on its curve; the same point with `y + 1`
        /// is not.
        #[test]
        fn ring_points_are_on_their_curves(_seed in any::<u8>()) {
            let rng = SystemRandom::new();
            for (curve, alg) in [(Curve::P256, &ECDH_P256), (Curve::P384, &ECDH_P384)] {
                let key = EphemeralPrivateKey::generate(alg, &rng).unwrap();
                let point = key.compute_public_key().unwrap().as_ref().to_vec();
                prop_assert_eq!(check_ec(curve, &point), Ok(()));
                let mut moved = point.clone();
                let last = moved.len() - 1;
                moved[last] = moved[last].wrapping_add(1);
                prop_assert_eq!(check_ec(curve, &moved), Err(Refusal::NotOnCurve));
            }
        }

        /// Ed25519 keys from any seed are accepted.
        #[test]
        fn ring_ed25519_keys_are_accepted(seed in proptest::array::uniform32(any::<u8>())) {
            let key = Ed25519KeyPair::from_seed_unchecked(&seed).unwrap();
            let public = <[u8; 32]>::try_from(key.public_key().as_ref()).unwrap();
            prop_assert_eq!(check_ed25519(&public), Ok(()));
        }

        /// A random 32-byte string is a point exactly when Euler's criterion says
        /// (y^2 - 1)(d y^2 + 1) is a square (about half of them).
        #[test]
        fn random_encodings_decode_as_euler_says(bytes in proptest::array::uniform32(any::<u8>())) {
            let f = ed_field();
            let mut y = bytes;
            y[31] &= 0x7f;
            let y = le(&y);
            prop_assume!(f.contains(&y));
            let yy = f.mul(&y, &y);
            let w = f.mul(&f.sub(&yy, &Num::ONE), &f.add(&f.mul(&hex(ED25519_D), &yy), &Num::ONE));
            let euler = f.pow(&w, &f.p().minus(&Num::ONE).half());
            let decodes = euler == Num::ONE || w.is_zero();
            prop_assert_eq!(check_ed25519(&bytes) != Err(Refusal::NotOnCurve), decodes);
        }
    }
}
