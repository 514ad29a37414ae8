//! Checked decimal arithmetic and fast exact comparisons.

use rust_decimal::Decimal;
use std::cmp::Ordering;

use crate::exact::{is_product, is_sum};

/// Why a value could not be computed at a member: the small error of the
/// per-member path, made an [`EvalError`](crate::EvalError) with the
/// member and the node's name and span once it leaves the pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arith {
    /// Beyond the largest number of 28 digits.
    Overflow,
    /// The exact result needs more than 28 significant digits.
    Inexact,
    DivisionByZero,
    /// A percentage its table does not hold (the error names it).
    NotInTable,
    /// A broken invariant of the evaluator.
    Invariant(Miss),
}

/// What the evaluator should hold and does not (see [`crate::error::Missing`]).
/// Kept to 8 bytes with [`Arith`], so that a closure's result fits two
/// registers (node ids and levels are far below 2^32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Miss {
    /// The value of this node at the member.
    Value(u32),
    /// The rate of this level.
    Rate(u32),
    /// A rank table's entry for this rank.
    Entry(u16),
    /// An aggregate's carried state.
    State,
    /// The placement tree, or the aggregating member, for `within`.
    Placement,
    /// A value of the type the checker gave the expression.
    Type,
}

pub(crate) type R<T> = Result<T, Arith>;

/// Whether an operation must give the exact result, or works on a
/// quotient, which keeps 28 significant digits (docs/language.md, section
/// 16), and keeps them too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Exact,
    Quotient,
}

/// `a + b`. rust_decimal rounds a sum only when the exact one needs more
/// than 96 bits, and then keeps at least 2^92 of it (checked in the tests
/// below): a smaller result is exact, and only a larger one is looked into.
#[inline(always)]
pub(crate) fn add(a: Decimal, b: Decimal, mode: Mode) -> R<Decimal> {
    match a.checked_add(b) {
        Some(r) if r.unpack().hi < SMALL_HI => Ok(r),
        Some(r) => sum_checked(a, b, r, mode),
        None => Err(Arith::Overflow),
    }
}

/// `a - b`, exact as [`add`] is.
#[inline(always)]
pub(crate) fn sub(a: Decimal, b: Decimal, mode: Mode) -> R<Decimal> {
    match a.checked_sub(b) {
        Some(r) if r.unpack().hi < SMALL_HI => Ok(r),
        Some(r) => sum_checked(a, -b, r, mode),
        None => Err(Arith::Overflow),
    }
}

/// The top 32 bits of a mantissa below 2^92, which no rounded sum has.
const SMALL_HI: u32 = 1 << 28;

/// `a * b`. rust_decimal keeps the sum of the scales unless the exact
/// product needs more than 28 digits (or a zero drops the scale), so only
/// a smaller scale is looked into.
#[inline(always)]
pub(crate) fn mul(a: Decimal, b: Decimal, mode: Mode) -> R<Decimal> {
    match a.checked_mul(b) {
        // A zero operand gives a plain zero, exactly.
        Some(r)
            if r.scale() >= a.scale() + b.scale()
                || mode == Mode::Quotient
                || a.is_zero()
                || b.is_zero() =>
        {
            Ok(r)
        }
        Some(r) => product_checked(a, b, r),
        None => Err(Arith::Overflow),
    }
}

/// `r`, rust_decimal's `a + b` of 2^92 or more, if it is the exact sum
/// (it kept the larger scale, or dropped only zeros) or `mode` lets it round.
#[cold]
#[inline(never)]
fn sum_checked(a: Decimal, b: Decimal, r: Decimal, mode: Mode) -> R<Decimal> {
    if mode == Mode::Quotient || r.scale() >= a.scale().max(b.scale()) || is_sum(a, b, r) {
        Ok(r)
    } else {
        Err(Arith::Inexact)
    }
}

/// `r`, rust_decimal's `a * b` at a smaller scale than the operands', if
/// it is the exact product.
#[cold]
#[inline(never)]
fn product_checked(a: Decimal, b: Decimal, r: Decimal) -> R<Decimal> {
    if is_product(a, b, r) {
        Ok(r)
    } else {
        Err(Arith::Inexact)
    }
}

/// `a / b`: a quotient, which keeps 28 significant digits (rounded half to
/// even) where it does not end sooner, as docs/language.md says.
#[inline]
pub(crate) fn div(a: Decimal, b: Decimal) -> R<Decimal> {
    if b.is_zero() {
        return Err(Arith::DivisionByZero);
    }
    a.checked_div(b).ok_or(Arith::Overflow)
}

/// `(floor(a / b), a - b * floor(a / b))`, both exact: the whole quotient
/// of `a div b` and the remainder of `a mod b`. The quotient comes from the
/// exact remainder, never from a rounded 28-digit `a / b`.
pub(crate) fn whole_div(a: Decimal, b: Decimal) -> R<(Decimal, Decimal)> {
    if b.is_zero() {
        return Err(Arith::DivisionByZero);
    }
    // The remainder of the quotient truncated toward zero, with `a`'s sign.
    let r = a.checked_rem(b).ok_or(Arith::Overflow)?;
    let multiple = sub(a, r, Mode::Exact)?;
    let q = multiple.checked_div(b).ok_or(Arith::Overflow)?;
    // `multiple` is a whole multiple of `b`: the quotient is exact, or the
    // arithmetic has failed and the value cannot be computed.
    if !q.fract().is_zero() || mul(q, b, Mode::Exact)? != multiple {
        return Err(Arith::Inexact);
    }
    let q = q.trunc();
    if !r.is_zero() && r.is_sign_negative() != b.is_sign_negative() {
        // Truncated toward zero, one below the floor: step down.
        Ok((sub(q, Decimal::ONE, Mode::Exact)?, add(r, b, Mode::Exact)?))
    } else if r.is_zero() {
        Ok((q, Decimal::ZERO))
    } else {
        Ok((q, r))
    }
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
    use super::{add, cmp, mul, sub, Arith, ConstCmp, Mode, SMALL_HI};
    use crate::exact::{is_product, is_sum};
    use rust_decimal::Decimal;

    /// Random decimals of every size, scale and sign, many near 96 bits.
    fn decimals(count: usize) -> Vec<Decimal> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        (0..count)
            .map(|_| {
                let bits = if next() % 2 == 0 {
                    80 + next() % 17
                } else {
                    next() % 97
                };
                let wide = (u128::from(next()) << 64) | u128::from(next());
                let m = wide & ((1u128 << bits) - 1) & ((1u128 << 96) - 1);
                let mut d = Decimal::from_i128_with_scale(m as i128, (next() % 29) as u32);
                d.set_sign_negative(next() % 2 == 0);
                d
            })
            .collect()
    }

    /// A condition's or a rank's result fits two registers; a number's
    /// takes no more than it did with the fewer errors of old.
    #[test]
    fn results_stay_small() {
        use super::R;
        assert!(std::mem::size_of::<R<bool>>() <= 8);
        assert!(std::mem::size_of::<R<u16>>() <= 8);
        assert!(std::mem::size_of::<R<Decimal>>() <= 20);
    }

    /// What [`add`]'s fast path rests on: a sum rust_decimal rounded has a
    /// mantissa of 2^92 or more. And `add`, `sub` and `mul` refuse exactly
    /// the results that are not exact.
    #[test]
    fn inexact_results_are_refused_and_only_those() {
        let xs = decimals(3000);
        let mut inexact = 0;
        for (&a, &b) in xs.iter().zip(xs.iter().skip(1)).step_by(2) {
            for (r, b, got) in [
                (a.checked_add(b), b, add(a, b, Mode::Exact)),
                (a.checked_sub(b), -b, sub(a, b, Mode::Exact)),
            ] {
                let Some(r) = r else { continue };
                if !is_sum(a, b, r) {
                    inexact += 1;
                    assert!(r.unpack().hi >= SMALL_HI, "{a} and {b} give {r}");
                    assert_eq!(got, Err(Arith::Inexact), "{a} and {b}");
                } else {
                    assert_eq!(got, Ok(r), "{a} and {b}");
                }
            }
            if let Some(r) = a.checked_mul(b) {
                let want = if is_product(a, b, r) {
                    Ok(r)
                } else {
                    Err(Arith::Inexact)
                };
                assert_eq!(mul(a, b, Mode::Exact), want, "{a} * {b}");
                assert_eq!(mul(a, b, Mode::Quotient), Ok(r), "{a} * {b}");
            }
        }
        assert!(inexact > 100, "only {inexact} inexact sums met");
    }

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
