//! Exact sums and differences for hosts and tools: rust_decimal's own
//! `checked_add` rounds silently when a result needs more than 28
//! significant digits; these refuse instead.

use rust_decimal::Decimal;

/// Exact addition and subtraction of amounts: `None` when the exact result
/// does not fit a decimal, never a rounded one.
pub trait Exact: Sized {
    fn exact_add(self, other: Self) -> Option<Self>;
    fn exact_sub(self, other: Self) -> Option<Self>;
}

impl Exact for Decimal {
    fn exact_add(self, other: Decimal) -> Option<Decimal> {
        payplan_eval::exact_add(self, other)
    }

    fn exact_sub(self, other: Decimal) -> Option<Decimal> {
        payplan_eval::exact_sub(self, other)
    }
}

#[cfg(test)]
mod tests {
    use super::Exact;
    use rust_decimal::Decimal;

    #[test]
    fn a_sum_that_would_round_is_refused() {
        let big = Decimal::from_i128_with_scale(79_228_162_514_264_337_593_543_950_335, 0);
        let cent = Decimal::new(1, 2);
        // rust_decimal itself rounds this sum back to `big`.
        assert_eq!(big.checked_sub(cent), Some(big));
        assert_eq!(big.exact_sub(cent), None);
        assert_eq!(cent.exact_add(cent), Some(Decimal::new(2, 2)));
    }
}
