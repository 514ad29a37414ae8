//! Checked decimal arithmetic and fast exact comparisons.

use rust_decimal::Decimal;
use std::cmp::Ordering;

/// Arithmetic that cannot be done exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arith {
    Overflow,
    DivisionByZero,
    NotInTable(Decimal),
}

pub(crate) type R<T> = Result<T, Arith>;

#[inline]
pub(crate) fn add(a: Decimal, b: Decimal) -> R<Decimal> {
    a.checked_add(b).ok_or(Arith::Overflow)
}

#[inline]
pub(crate) fn mul(a: Decimal, b: Decimal) -> R<Decimal> {
    a.checked_mul(b).ok_or(Arith::Overflow)
}

/// `a` against `b`: one integer comparison when both have the same scale
/// (the common case: values of one column), else the general comparison.
#[inline]
pub(crate) fn cmp(a: Decimal, b: Decimal) -> Ordering {
    if a.scale() == b.scale() {
        a.mantissa().cmp(&b.mantissa())
    } else {
        a.cmp(&b)
    }
}

/// A constant prepared for comparisons: its mantissa rescaled to every
/// scale from its own up to the largest, so that comparing a value of such
/// a scale with it is one exact integer comparison.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConstCmp {
    c: Decimal,
    /// The constant's mantissa at scale `s`, where it fits an `i128`.
    scaled: [Option<i128>; 29],
}

impl ConstCmp {
    pub fn new(c: Decimal) -> ConstCmp {
        // From the smallest scale that holds the value (`500.0` as `500`),
        // so values of a smaller scale still compare as integers.
        let n = c.normalize();
        let mut scaled = [None; 29];
        let mut m = Some(n.mantissa());
        for (s, slot) in scaled.iter_mut().enumerate() {
            if s as u32 >= n.scale() {
                *slot = m;
                m = m.and_then(|x| x.checked_mul(10));
            }
        }
        ConstCmp { c, scaled }
    }

    /// `a` against the constant, exactly.
    #[inline]
    pub fn cmp(&self, a: Decimal) -> Ordering {
        match self.scaled.get(a.scale() as usize) {
            Some(Some(c)) => a.mantissa().cmp(c),
            _ => a.cmp(&self.c),
        }
    }

    /// The smaller of `a` and the constant, as `Decimal::min` picks it.
    #[inline]
    pub fn min(&self, a: Decimal) -> Decimal {
        if self.cmp(a) == Ordering::Greater {
            self.c
        } else {
            a
        }
    }

    /// The larger of `a` and the constant, as `Decimal::max` picks it.
    #[inline]
    pub fn max(&self, a: Decimal) -> Decimal {
        if self.cmp(a) == Ordering::Less {
            self.c
        } else {
            a
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{cmp, ConstCmp};
    use rust_decimal::Decimal;

    /// The fast comparisons agree with `Decimal`'s own, across scales and signs.
    #[test]
    fn fast_comparisons_agree() {
        let texts = [
            "0",
            "-0",
            "0.00",
            "1",
            "1.0",
            "0.999",
            "100",
            "100.00",
            "99.99",
            "-100",
            "-99.5",
            "500",
            "500.000001",
            "0.5",
            "-0.5",
            "1e-28",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "7.9228162514264337593543950335",
            "12345.6789",
        ];
        let values: Vec<Decimal> = texts
            .iter()
            .filter_map(|t| {
                Decimal::from_str_exact(t)
                    .ok()
                    .or_else(|| Decimal::from_scientific(t).ok())
            })
            .collect();
        assert_eq!(values.len(), texts.len());
        for &c in &values {
            let k = ConstCmp::new(c);
            for &a in &values {
                assert_eq!(k.cmp(a), a.cmp(&c), "{a} against {c}");
                assert_eq!(cmp(a, c), a.cmp(&c), "{a} against {c}");
                assert_eq!(k.min(a).to_string(), a.min(c).to_string());
                assert_eq!(k.max(a).to_string(), a.max(c).to_string());
            }
        }
    }
}
