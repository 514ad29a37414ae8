//! Whether a product or sum rust_decimal gave is the exact one. Past 28
//! significant digits rust_decimal rounds silently (it lowers the scale);
//! a result whose scale is below the operands' is checked here, on wide
//! integers, against the exact value.

use rust_decimal::Decimal;
use std::cmp::Ordering;

/// An unsigned integer of 256 bits, least significant limb first: wide
/// enough for the product of two 96-bit mantissas, and for a mantissa
/// aligned to 28 more decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Wide([u64; 4]);

/// The largest power of ten in a `u64`.
const TEN_19: u64 = 10_000_000_000_000_000_000;

impl Wide {
    fn from_u128(x: u128) -> Wide {
        Wide([x as u64, (x >> 64) as u64, 0, 0])
    }

    /// `self * m`, or `None` past 256 bits.
    fn mul_small(self, m: u64) -> Option<Wide> {
        let mut out = [0u64; 4];
        let mut carry = 0u128;
        for (o, &limb) in out.iter_mut().zip(&self.0) {
            let t = u128::from(limb) * u128::from(m) + carry;
            *o = t as u64;
            carry = t >> 64;
        }
        (carry == 0).then_some(Wide(out))
    }

    /// `self * 10^k`, or `None` past 256 bits.
    fn mul_pow10(self, k: u32) -> Option<Wide> {
        let mut w = self;
        let mut k = k;
        while k >= 19 {
            w = w.mul_small(TEN_19)?;
            k -= 19;
        }
        w.mul_small(10u64.pow(k))
    }

    /// `a * b` for `a`, `b` below 2^128: at most 256 bits.
    fn product(a: u128, b: u128) -> Wide {
        let (a, b) = ([a as u64, (a >> 64) as u64], [b as u64, (b >> 64) as u64]);
        let mut out = [0u64; 4];
        for (i, &x) in a.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &y) in b.iter().enumerate() {
                if let Some(o) = out.get_mut(i + j) {
                    let t = u128::from(*o) + u128::from(x) * u128::from(y) + carry;
                    *o = t as u64;
                    carry = t >> 64;
                }
            }
            if let Some(o) = out.get_mut(i + 2) {
                *o = carry as u64;
            }
        }
        Wide(out)
    }

    /// `self + o`, or `None` past 256 bits.
    fn checked_add(self, o: Wide) -> Option<Wide> {
        let mut out = [0u64; 4];
        let mut carry = false;
        for ((r, &x), &y) in out.iter_mut().zip(&self.0).zip(&o.0) {
            let (s, c1) = x.overflowing_add(y);
            let (s, c2) = s.overflowing_add(u64::from(carry));
            *r = s;
            carry = c1 || c2;
        }
        (!carry).then_some(Wide(out))
    }

    /// `self - o`, for `o <= self`.
    fn sub(self, o: Wide) -> Wide {
        let mut out = [0u64; 4];
        let mut borrow = false;
        for ((r, &x), &y) in out.iter_mut().zip(&self.0).zip(&o.0) {
            let (d, b1) = x.overflowing_sub(y);
            let (d, b2) = d.overflowing_sub(u64::from(borrow));
            *r = d;
            borrow = b1 || b2;
        }
        Wide(out)
    }

    fn cmp(self, o: Wide) -> Ordering {
        self.0.iter().rev().cmp(o.0.iter().rev())
    }

    fn is_zero(self) -> bool {
        self.0 == [0; 4]
    }
}

/// A decimal's value as a sign and a magnitude at scale `scale` (at least
/// its own), or `None` if that does not fit.
fn aligned(d: Decimal, scale: u32) -> Option<(bool, Wide)> {
    let k = scale.checked_sub(d.scale())?;
    let w = Wide::from_u128(d.mantissa().unsigned_abs()).mul_pow10(k)?;
    Some((d.is_sign_negative(), w))
}

/// Whether `r` is exactly `a * b`.
#[cold]
#[inline(never)]
pub(crate) fn is_product(a: Decimal, b: Decimal, r: Decimal) -> bool {
    if a.is_zero() || b.is_zero() {
        return r.is_zero();
    }
    let scale = a.scale() + b.scale();
    let exact = Wide::product(a.mantissa().unsigned_abs(), b.mantissa().unsigned_abs());
    let negative = a.is_sign_negative() != b.is_sign_negative();
    matches!(aligned(r, scale), Some((sign, w)) if w == exact && sign == negative)
}

/// Whether `r` is exactly `a + b`.
#[cold]
#[inline(never)]
pub(crate) fn is_sum(a: Decimal, b: Decimal, r: Decimal) -> bool {
    let scale = a.scale().max(b.scale()).max(r.scale());
    let (Some((na, wa)), Some((nb, wb)), Some((nr, wr))) =
        (aligned(a, scale), aligned(b, scale), aligned(r, scale))
    else {
        return false;
    };
    let (negative, exact) = if na == nb {
        match wa.checked_add(wb) {
            Some(w) => (na, w),
            None => return false,
        }
    } else {
        match wa.cmp(wb) {
            Ordering::Less => (nb, wb.sub(wa)),
            _ => (na, wa.sub(wb)),
        }
    };
    exact == wr && (exact.is_zero() || negative == nr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Result<Decimal, String> {
        Decimal::from_str(s).map_err(|e| format!("{s}: {e}"))
    }

    /// Products rust_decimal rounds are told from those it keeps exactly,
    /// trailing zeros dropped included.
    #[test]
    fn products() -> Result<(), String> {
        let cases = [
            ("0.08", "9999999999999999999999999999", false),
            ("0.08", "1234567890123456789012345678", true),
            (
                "1.0000000000000000000000000000",
                "1.0000000000000000000000000000",
                true,
            ),
            ("0.0000000000001", "0.0000000000000001", false),
            ("0.00000000000010", "0", true),
            ("-2.5", "4", true),
            ("-2.5", "-0.4", true),
            ("79228162514264337593543950335", "0.3", false),
            ("7922816251426433759354395033.5", "0.2", true),
        ];
        for (a, b, exact) in cases {
            let (a, b) = (d(a)?, d(b)?);
            let r = a.checked_mul(b).ok_or("overflow")?;
            assert_eq!(is_product(a, b, r), exact, "{a} * {b} = {r}");
            if exact {
                let next = Decimal::from_i128_with_scale(r.mantissa() + 1, r.scale());
                assert!(!is_product(a, b, next), "{a} * {b}");
            }
        }
        Ok(())
    }

    /// Sums rust_decimal rounds are told from those it keeps exactly.
    #[test]
    fn sums() -> Result<(), String> {
        let cases = [
            ("9999999999999999999999999999", "0.5", false),
            ("99999999999999999999999999.99", "0.001", false),
            ("99999999999999999999999999.99", "0.010", true),
            ("5", "0.00", true),
            ("-5", "5.000", true),
            ("79228162514264337593543950335", "-0.5", false),
            ("-1.5", "0.25", true),
            ("0.1", "-0.35", true),
        ];
        for (a, b, exact) in cases {
            let (a, b) = (d(a)?, d(b)?);
            let r = a.checked_add(b).ok_or("overflow")?;
            assert_eq!(is_sum(a, b, r), exact, "{a} + {b} = {r}");
            assert!(!is_sum(a, b, -r) || r.is_zero(), "{a} + {b}");
        }
        Ok(())
    }
}
