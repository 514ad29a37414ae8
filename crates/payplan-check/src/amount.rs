//! Amounts as people read them: exactly the plan's decimal places
//! (`12.50`, `0.07`, `1234.00`), a zero never signed.

use rust_decimal::Decimal;

/// `d` with exactly `places` decimals.
pub fn amount_text(d: Decimal, places: u32) -> String {
    let mut text = String::new();
    write_amount(&mut text, d, places);
    text
}

/// Replaces `text` with [`amount_text`]: the digits as `Decimal` formats
/// them with `places` decimals (cut, not rounded, beyond its own scale;
/// settled amounts are rounded already), written without its fixed-size
/// buffer, which a huge amount with many decimals would overflow.
pub fn write_amount(text: &mut String, d: Decimal, places: u32) {
    text.clear();
    let d = if d.is_zero() { Decimal::ZERO } else { d };
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(d.mantissa().unsigned_abs());
    let scale = d.scale() as usize;
    let (whole, frac) = match digits.len().checked_sub(scale) {
        Some(w) => digits.split_at_checked(w).unwrap_or((digits, "")),
        None => ("", digits),
    };
    let leading = scale.saturating_sub(digits.len());
    if d.is_sign_negative() {
        text.push('-');
    }
    text.push_str(if whole.is_empty() { "0" } else { whole });
    let p = places as usize;
    if p > 0 {
        text.push('.');
        // The fraction is `leading` zeros, then `frac`, then zeros.
        let zeros = leading.min(p);
        text.extend(std::iter::repeat_n('0', zeros));
        let taken = frac.get(..(p - zeros).min(frac.len())).unwrap_or_default();
        text.push_str(taken);
        text.extend(std::iter::repeat_n('0', p - zeros - taken.len()));
    }
}

#[cfg(test)]
mod tests {
    use super::write_amount;
    use rust_decimal::Decimal;

    /// The digits written straight from the mantissa are `Decimal`'s own
    /// formatting with `places` decimals, for every scale and sign.
    #[test]
    fn amounts_are_written_as_decimal_formats_them() {
        let mantissas: [i128; 12] = [
            0,
            1,
            -1,
            7,
            -7,
            10,
            125,
            -125,
            99_999,
            1_234_567_890,
            -1_234_567_891,
            79_228_162_514_264_337_593_543_950_335,
        ];
        let mut text = String::new();
        for m in mantissas {
            for scale in 0..=6 {
                let Ok(d) = Decimal::try_from_i128_with_scale(m, scale) else {
                    continue;
                };
                for places in 0..=4u32 {
                    write_amount(&mut text, d, places);
                    // `Decimal`'s own formatting panics past 32 characters.
                    if text.trim_start_matches('-').len() > 32 {
                        continue;
                    }
                    let want = format!(
                        "{:.*}",
                        places as usize,
                        if d.is_zero() { Decimal::ZERO } else { d }
                    );
                    assert_eq!(text, want, "{d} with {places} places");
                }
            }
        }
    }

    /// The largest amount with four decimals, which `Decimal`'s own
    /// formatting cannot write.
    #[test]
    fn a_huge_amount_is_written_whole() {
        let mut text = String::new();
        write_amount(&mut text, Decimal::MAX, 4);
        assert_eq!(text, "79228162514264337593543950335.0000");
        write_amount(&mut text, Decimal::new(-4, 3), 2);
        assert_eq!(text, "-0.00");
        write_amount(&mut text, Decimal::new(-4, 3), 0);
        assert_eq!(text, "-0");
    }
}
