//! Arithmetic modulo an odd prime of up to 384 bits, for checking public key points when
//! a key is loaded (`points`). Never on a token's path, and only over public values, so
//! it is plain variable-time code, written for being easy to check rather than fast.

use std::cmp::Ordering;

/// 64-bit limbs, least significant first: room for a 384-bit value doubled or summed.
const LIMBS: usize = 7;
/// The longest big-endian or little-endian input read, in bytes (384 bits).
const MAX_BYTES: usize = 48;

/// A non-negative integer below 2^448.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Num([u64; LIMBS]);

impl Num {
    pub(crate) const ZERO: Num = Num([0; LIMBS]);
    pub(crate) const ONE: Num = Num::from_u64(1);

    pub(crate) const fn from_u64(value: u64) -> Num {
        let mut limbs = [0; LIMBS];
        limbs[0] = value;
        Num(limbs)
    }

    /// A big-endian byte string of at most 48 bytes.
    pub(crate) fn from_be_bytes(bytes: &[u8]) -> Option<Num> {
        (bytes.len() <= MAX_BYTES).then(|| Num::from_le_iter(bytes.iter().rev().copied()))
    }

    /// A little-endian byte string of at most 48 bytes.
    pub(crate) fn from_le_bytes(bytes: &[u8]) -> Option<Num> {
        (bytes.len() <= MAX_BYTES).then(|| Num::from_le_iter(bytes.iter().copied()))
    }

    fn from_le_iter(bytes: impl Iterator<Item = u8>) -> Num {
        let mut limbs = [0u64; LIMBS];
        for (i, byte) in bytes.enumerate() {
            limbs[i / 8] |= u64::from(byte) << (8 * (i % 8));
        }
        Num(limbs)
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }

    fn is_odd(&self) -> bool {
        self.0[0] & 1 == 1
    }

    /// The value modulo 8.
    fn low3(&self) -> u64 {
        self.0[0] & 7
    }

    fn bit(&self, i: usize) -> bool {
        (self.0[i / 64] >> (i % 64)) & 1 == 1
    }

    /// The number of significant bits.
    fn bits(&self) -> usize {
        (0..LIMBS).rev().find(|&i| self.0[i] != 0).map_or(0, |i| 64 * i + 64 - self.0[i].leading_zeros() as usize)
    }

    /// `self + other`; both operands are below 2^447 where this is used, so no carry is lost.
    fn plus(&self, other: &Num) -> Num {
        let mut out = [0u64; LIMBS];
        let mut carry = false;
        for (i, slot) in out.iter_mut().enumerate() {
            let (sum, c1) = self.0[i].overflowing_add(other.0[i]);
            let (sum, c2) = sum.overflowing_add(u64::from(carry));
            *slot = sum;
            carry = c1 || c2;
        }
        Num(out)
    }

    /// `self - other`, for `self >= other`.
    pub(crate) fn minus(&self, other: &Num) -> Num {
        let mut out = [0u64; LIMBS];
        let mut borrow = false;
        for (i, slot) in out.iter_mut().enumerate() {
            let (diff, b1) = self.0[i].overflowing_sub(other.0[i]);
            let (diff, b2) = diff.overflowing_sub(u64::from(borrow));
            *slot = diff;
            borrow = b1 || b2;
        }
        Num(out)
    }

    pub(crate) fn half(&self) -> Num {
        let mut out = [0u64; LIMBS];
        for (i, slot) in out.iter_mut().enumerate() {
            let high = self.0.get(i + 1).map_or(0, |next| next << 63);
            *slot = (self.0[i] >> 1) | high;
        }
        Num(out)
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Num) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Num) -> Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }
}

/// The integers modulo an odd prime `p` of at most 384 bits. Operands must be below `p`
/// (check with [`Field::contains`]); results are.
pub(crate) struct Field {
    p: Num,
}

impl Field {
    pub(crate) const fn new(p: Num) -> Field {
        Field { p }
    }

    pub(crate) fn p(&self) -> &Num {
        &self.p
    }

    /// Whether `a` is a canonical residue (`a < p`).
    pub(crate) fn contains(&self, a: &Num) -> bool {
        *a < self.p
    }

    pub(crate) fn add(&self, a: &Num, b: &Num) -> Num {
        let sum = a.plus(b);
        if sum >= self.p {
            sum.minus(&self.p)
        } else {
            sum
        }
    }

    pub(crate) fn sub(&self, a: &Num, b: &Num) -> Num {
        if a >= b {
            a.minus(b)
        } else {
            a.plus(&self.p).minus(b)
        }
    }

    /// `a * b mod p`, by doubling and adding over the bits of `b`.
    pub(crate) fn mul(&self, a: &Num, b: &Num) -> Num {
        let mut product = Num::ZERO;
        for i in (0..b.bits()).rev() {
            product = self.add(&product, &product);
            if b.bit(i) {
                product = self.add(&product, a);
            }
        }
        product
    }

    /// Whether `a` is a square modulo `p` (zero included), from the Jacobi symbol
    /// `(a / p)` computed with the binary algorithm: halvings, subtractions and the law of
    /// quadratic reciprocity, no division.
    pub(crate) fn is_square(&self, a: &Num) -> bool {
        let (mut a, mut n) = (*a, self.p);
        let mut positive = true;
        loop {
            if a.is_zero() {
                // n is now gcd(a, p): 1 unless a was a multiple of p, that is zero.
                return positive || n != Num::ONE;
            }
            while !a.is_odd() {
                a = a.half();
                // (2 / n) is -1 exactly when n is 3 or 5 modulo 8.
                if matches!(n.low3(), 3 | 5) {
                    positive = !positive;
                }
            }
            if a < n {
                std::mem::swap(&mut a, &mut n);
                // Both odd: (a / n) = -(n / a) exactly when both are 3 modulo 4.
                if a.low3() & 3 == 3 && n.low3() & 3 == 3 {
                    positive = !positive;
                }
            }
            a = a.minus(&n);
        }
    }

    /// `a^e mod p`, for tests that check the other operations against Euler's criterion.
    #[cfg(test)]
    pub(crate) fn pow(&self, a: &Num, e: &Num) -> Num {
        let mut result = Num::ONE;
        for i in (0..e.bits()).rev() {
            result = self.mul(&result, &result);
            if e.bit(i) {
                result = self.mul(&result, a);
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A small prime and a 255-bit one (2^255 - 19), against `u128` arithmetic and
    /// Euler's criterion.
    const P_SMALL: u64 = 1_000_000_007;

    fn ed25519_p() -> Num {
        let mut bytes = [0xffu8; 32];
        bytes[0] = 0xed;
        bytes[31] = 0x7f;
        Num::from_le_bytes(&bytes).unwrap()
    }

    #[test]
    fn bytes_are_read_in_both_orders() {
        assert_eq!(Num::from_be_bytes(&[1, 2]).unwrap(), Num::from_u64(0x0102));
        assert_eq!(Num::from_le_bytes(&[1, 2]).unwrap(), Num::from_u64(0x0201));
        assert!(Num::from_be_bytes(&[0; 49]).is_none());
        assert_eq!(Num::from_be_bytes(&[0x80; 48]).unwrap().bits(), 384);
    }

    #[test]
    fn is_square_on_a_known_prime() {
        let field = Field::new(ed25519_p());
        // -1 is a square modulo 2^255 - 19 (p = 1 mod 4); 2 is not (p = 5 mod 8).
        let minus_one = field.sub(&Num::ZERO, &Num::ONE);
        assert!(field.is_square(&minus_one));
        assert!(!field.is_square(&Num::from_u64(2)));
        assert!(field.is_square(&Num::ZERO));
        assert!(field.is_square(&Num::from_u64(4)));
    }

    proptest! {
        #[test]
        fn small_prime_matches_u128(a in 0..P_SMALL, b in 0..P_SMALL) {
            let field = Field::new(Num::from_u64(P_SMALL));
            let (x, y) = (Num::from_u64(a), Num::from_u64(b));
            let p = u128::from(P_SMALL);
            let (a, b) = (u128::from(a), u128::from(b));
            prop_assert_eq!(field.add(&x, &y), Num::from_u64(((a + b) % p) as u64));
            prop_assert_eq!(field.sub(&x, &y), Num::from_u64(((a + p - b) % p) as u64));
            prop_assert_eq!(field.mul(&x, &y), Num::from_u64(((a * b) % p) as u64));
            let euler = field.pow(&x, &Num::from_u64((P_SMALL - 1) / 2));
            prop_assert_eq!(field.is_square(&x), euler != Num::from_u64(P_SMALL - 1));
        }

        #[test]
        fn large_prime_is_square_matches_euler(bytes in proptest::array::uniform32(any::<u8>())) {
            let field = Field::new(ed25519_p());
            let mut bytes = bytes;
            bytes[31] &= 0x3f;
            let a = Num::from_le_bytes(&bytes).unwrap();
            let exponent = field.p().minus(&Num::ONE).half();
            let euler = field.pow(&a, &exponent);
            prop_assert_eq!(field.is_square(&a), euler == Num::ONE || a.is_zero());
            // Multiplication distributes over addition, and squares are squares.
            let b = field.add(&a, &Num::from_u64(12345));
            let lhs = field.mul(&a, &field.add(&b, &Num::ONE));
            let rhs = field.add(&field.mul(&a, &b), &a);
            prop_assert_eq!(lhs, rhs);
            prop_assert!(field.is_square(&field.mul(&a, &a)));
        }
    }
}
