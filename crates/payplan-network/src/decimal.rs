//! Exact parsing of decimal cells (`-?[0-9]+(\.[0-9]+)?`).

use rust_decimal::Decimal;

/// Why a decimal cell was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecimalError {
    /// Not of the form `-?[0-9]+(\.[0-9]+)?`.
    Malformed,
    /// Well-formed, but more digits than a [`Decimal`] holds exactly.
    OutOfRange,
}

/// Parses `-?[0-9]+(\.[0-9]+)?` exactly; never rounds, never panics.
///
/// Trailing zeros of the fraction are kept (`1.50` has scale 2) unless they
/// do not fit, in which case they are dropped, as they do not change the value.
pub(crate) fn parse_decimal(text: &[u8]) -> Result<Decimal, DecimalError> {
    let (negative, rest) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (int, frac) = match rest.iter().position(|&b| b == b'.') {
        Some(dot) => {
            let (int, frac) = rest.split_at(dot);
            (int, frac.get(1..).unwrap_or_default())
        }
        None => (rest, &[][..]),
    };
    let has_dot = int.len() != rest.len();
    if int.is_empty()
        || (has_dot && frac.is_empty())
        || !int.iter().all(u8::is_ascii_digit)
        || !frac.iter().all(u8::is_ascii_digit)
    {
        return Err(DecimalError::Malformed);
    }
    let int = strip_leading_zeros(int);
    match assemble(negative, int, frac) {
        Some(value) => Ok(value),
        None => {
            let trimmed = strip_trailing_zeros(frac);
            if trimmed.len() == frac.len() {
                return Err(DecimalError::OutOfRange);
            }
            assemble(negative, int, trimmed).ok_or(DecimalError::OutOfRange)
        }
    }
}

/// [`parse_decimal`] with a fast path for the common cell: at most 19
/// digits, so that the mantissa fits a `u64` without checks.
#[inline]
pub(crate) fn parse_decimal_fast(text: &[u8]) -> Result<Decimal, DecimalError> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 20 {
        return parse_decimal(text);
    }
    let mut mantissa: u64 = 0;
    let mut int_digits = 0usize;
    let mut dot: Option<usize> = None;
    for (i, &b) in digits.iter().enumerate() {
        let digit = b.wrapping_sub(b'0');
        if digit < 10 {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(digit));
        } else if b == b'.' && dot.is_none() {
            dot = Some(i);
        } else {
            return Err(DecimalError::Malformed);
        }
        int_digits = i + 1;
    }
    let scale = match dot {
        None => 0,
        Some(at) if at == 0 || at + 1 == int_digits => return Err(DecimalError::Malformed),
        Some(at) => int_digits - at - 1,
    };
    let digit_count = digits.len() - usize::from(dot.is_some());
    if digit_count > 19 {
        // The mantissa may have wrapped: count exactly on the slow path.
        return parse_decimal(text);
    }
    // At most 19 digits: below 10^19 < 2^64, and a scale of at most 19 <= 28.
    Ok(Decimal::from_parts(
        mantissa as u32,
        (mantissa >> 32) as u32,
        0,
        negative,
        scale as u32,
    ))
}

fn strip_leading_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&b| b == b'0').count();
    digits.get(zeros..).unwrap_or_default()
}

fn strip_trailing_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().rev().take_while(|&&b| b == b'0').count();
    digits.get(..digits.len() - zeros).unwrap_or_default()
}

/// The decimal with mantissa `int frac` and scale `frac.len()`, if it fits.
fn assemble(negative: bool, int: &[u8], frac: &[u8]) -> Option<Decimal> {
    let scale = u32::try_from(frac.len()).ok()?;
    let mut mantissa: i128 = 0;
    for &digit in int.iter().chain(frac) {
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(i128::from(digit - b'0'))?;
    }
    if negative {
        mantissa = -mantissa;
    }
    Decimal::try_from_i128_with_scale(mantissa, scale).ok()
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;
    use std::str::FromStr;

    fn ok(text: &str) -> Decimal {
        parse_decimal(text.as_bytes()).unwrap()
    }

    #[test]
    fn accepts_the_grammar() {
        assert_eq!(ok("12"), Decimal::from(12));
        assert_eq!(ok("12.5").to_string(), "12.5");
        assert_eq!(ok("-3.25").to_string(), "-3.25");
        assert_eq!(ok("0.0001").to_string(), "0.0001");
        assert_eq!(ok("100.00").to_string(), "100.00");
        assert_eq!(ok("007").to_string(), "7");
        assert_eq!(ok("-0"), Decimal::ZERO);
        assert_eq!(
            ok("79228162514264337593543950335"),
            Decimal::from_str("79228162514264337593543950335").unwrap()
        );
        assert_eq!(
            ok("0.0000000000000000000000000001").to_string(),
            "0.0000000000000000000000000001"
        );
        // Trailing zeros beyond what fits are dropped, the value is kept.
        assert_eq!(
            ok("1.000000000000000000000000000000000000000000"),
            Decimal::ONE
        );
        assert_eq!(
            ok("0000000000000000000000000000000000000000001.5").to_string(),
            "1.5"
        );
    }

    #[test]
    fn refuses_other_spellings() {
        for text in [
            "", "-", "1,5", "1e3", "+5", ".5", "5.", "-.5", " 5", "5 ", "abc", "1.2.3", "--1", "٣",
            "1_000", "0x10", "NaN", "inf", "1.5-",
        ] {
            assert_eq!(
                parse_decimal(text.as_bytes()),
                Err(DecimalError::Malformed),
                "{text:?}"
            );
        }
    }

    #[test]
    fn fast_path_agrees_with_the_exact_parser() {
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "-0.00",
            "1",
            "12.5",
            "-3.25",
            "0.0001",
            "100.00",
            "007",
            "1.",
            ".1",
            "-",
            "",
            "1..2",
            "1.2.3",
            "-.5",
            "+1",
            "1e3",
            "9999999999999999999",
            "-9999999999999999999",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999",
            "9999999999.999999999",
            "0.0000000000000000001",
            "00000000000000000001.5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for len in 1..24 {
            cases.push("9".repeat(len));
            cases.push(format!("1.{}", "0".repeat(len)));
            cases.push(format!("-{}.5", "7".repeat(len)));
        }
        for text in cases {
            let fast = parse_decimal_fast(text.as_bytes());
            let exact = parse_decimal(text.as_bytes());
            assert_eq!(fast, exact, "{text:?}");
            if let (Ok(a), Ok(b)) = (fast, exact) {
                assert_eq!(a.to_string(), b.to_string(), "{text:?}");
                assert_eq!(a.is_sign_negative(), b.is_sign_negative(), "{text:?}");
            }
        }
    }

    #[test]
    fn refuses_too_many_digits_without_panic() {
        for text in [
            "79228162514264337593543950336",
            "-79228162514264337593543950336",
            "99999999999999999999999999999999999999999999999999999999",
            "0.00000000000000000000000000001",
            "1.00000000000000000000000000001",
        ] {
            assert_eq!(
                parse_decimal(text.as_bytes()),
                Err(DecimalError::OutOfRange),
                "{text:?}"
            );
        }
        let long = "9".repeat(100_000);
        assert_eq!(
            parse_decimal(long.as_bytes()),
            Err(DecimalError::OutOfRange)
        );
    }
}

/// Why a percent cell is not a percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PercentError {
    /// A number without `%` (`0.27`, `27`).
    NoSign,
    /// Not a number, with or without `%`.
    Decimal(DecimalError),
}

/// `27%` as the fraction `0.27`, exactly: `parse` reads the number before
/// the `%`, and the fraction keeps every digit (two more decimal places).
pub(crate) fn parse_percent(
    text: &[u8],
    parse: impl Fn(&[u8]) -> Result<Decimal, DecimalError>,
) -> Result<Decimal, PercentError> {
    let Some(number) = text.strip_suffix(b"%") else {
        return Err(match parse(text) {
            Ok(_) => PercentError::NoSign,
            Err(e) => PercentError::Decimal(e),
        });
    };
    let mut fraction = parse(number).map_err(PercentError::Decimal)?;
    fraction
        .set_scale(fraction.scale() + 2)
        .map_err(|_| PercentError::Decimal(DecimalError::OutOfRange))?;
    Ok(fraction)
}
