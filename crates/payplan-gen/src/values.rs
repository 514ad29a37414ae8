//! A member's own columns: volumes, money, carries and the `new` flag, drawn
//! from the member's number alone so that they do not depend on the row order.

use crate::rng::Rng;

/// A decimal as written in the file: `mantissa / 10^scale`, `scale <= 2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    pub(crate) mantissa: i64,
    pub(crate) scale: u8,
}

impl Decimal {
    const fn units(units: i64) -> Self {
        Self {
            mantissa: units,
            scale: 0,
        }
    }

    /// The value in hundredths.
    const fn cents(self) -> i64 {
        match self.scale {
            0 => self.mantissa * 100,
            1 => self.mantissa * 10,
            _ => self.mantissa,
        }
    }
}

/// Personal volumes that plans compare against: the usual thresholds.
const THRESHOLDS: [i64; 15] = [
    50, 100, 100, 100, 100, 150, 200, 200, 250, 300, 500, 1000, 1000, 2000, 5000,
];

/// A random amount in `low..high` units with 0, 1 or 2 decimals.
fn amount(rng: &mut Rng, low: u64, high: u64) -> Decimal {
    let scale = match rng.below(4) {
        0 | 1 => 0,
        2 => 1,
        _ => 2,
    };
    let unit = 10u64.pow(u32::from(scale));
    let units = low + rng.below(high.saturating_sub(low).max(1));
    Decimal {
        mantissa: (units * unit + rng.below(unit)) as i64,
        scale,
    }
}

/// The personal volume: a quarter at 0, a third exactly on a threshold, the
/// rest spread (mostly 8 to 1000 points) with 0 to 2 decimals, and about one
/// in a thousand negative (a refund).
pub(crate) fn pv(rng: &mut Rng) -> Decimal {
    let draw = rng.below(10_000);
    if draw < 10 {
        let refund = amount(rng, 1, 200);
        return Decimal {
            mantissa: -refund.mantissa,
            ..refund
        };
    }
    if draw < 2_510 {
        return Decimal::units(0);
    }
    if draw < 5_800 {
        let at = rng.below(THRESHOLDS.len() as u64) as usize;
        return Decimal::units(THRESHOLDS.get(at).copied().unwrap_or(100));
    }
    let level = if rng.chance(50_000) {
        10 + rng.below(3)
    } else {
        3 + rng.below(7)
    };
    amount(rng, 1 << level, 2 << level)
}

/// The commissionable value, in money: the volume times a price ratio
/// (mostly one to one), rounded to the cent; a little retail money for some
/// members without volume.
pub(crate) fn cv(pv: Decimal, rng: &mut Rng) -> Decimal {
    let ratio: i64 = match rng.below(20) {
        0..=8 => 100,
        9..=11 => 80,
        12 | 13 => 125,
        _ => 50 + rng.below(101) as i64,
    };
    let cents = pv.cents();
    if cents == 0 {
        return if rng.chance(50_000) {
            amount(rng, 5, 50)
        } else {
            Decimal::units(0)
        };
    }
    let magnitude = (cents.abs() * ratio + 50) / 100;
    Decimal {
        mantissa: if cents < 0 { -magnitude } else { magnitude },
        scale: 2,
    }
}

/// Binary volume carried in on one side: mostly 0, some below the 5000
/// flush-out, some above it.
pub(crate) fn carry(rng: &mut Rng) -> Decimal {
    match rng.below(100) {
        0..=74 => Decimal::units(0),
        75..=91 => amount(rng, 0, 5000),
        _ => amount(rng, 5000, 25_000),
    }
}

/// Whether the member enrolled this period: most of the last 15% to join,
/// a few of the others (about 10% in all).
pub(crate) fn new(member: u32, members: u32, rng: &mut Rng) -> bool {
    let recent = u64::from(member) * 100 >= u64::from(members) * 85;
    rng.chance(if recent { 450_000 } else { 40_000 })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn volumes_have_thresholds_refunds_and_decimals() {
        let mut rng = Rng::new(1, 9);
        let (mut zero, mut hundred, mut negative, mut decimals) = (0, 0, 0, 0);
        let n = 200_000;
        for _ in 0..n {
            let v = pv(&mut rng);
            let c = cv(v, &mut rng);
            assert_eq!(v.mantissa < 0, c.mantissa < 0);
            zero += usize::from(v.mantissa == 0);
            hundred += usize::from(v == Decimal::units(100));
            negative += usize::from(v.mantissa < 0);
            decimals += usize::from(v.scale > 0);
        }
        assert!(zero > n / 5, "{zero}");
        assert!(hundred > n / 20, "{hundred}");
        assert!(negative > n / 2000 && negative < n / 500, "{negative}");
        assert!(decimals > n / 10, "{decimals}");
    }

    #[test]
    fn carries_are_mostly_zero_some_above_5000() {
        let mut rng = Rng::new(1, 10);
        let all: Vec<Decimal> = (0..10_000).map(|_| carry(&mut rng)).collect();
        assert!(all.iter().all(|d| d.mantissa >= 0));
        let zero = all.iter().filter(|d| d.mantissa == 0).count();
        let above = all.iter().filter(|d| d.cents() > 500_000).count();
        assert!(zero > 7_000 && zero < 8_000, "{zero}");
        assert!(above > 500, "{above}");
    }
}
