//! Whole-number arithmetic (`div`, `mod`, `floor`, `ceil`, `round`) and the
//! differential `from level K` against brute force on random networks, and
//! the hand-worked plan tests of `tests/whole/`.
//!
//! The brute force works on whole hundredths in `i128`, independently of
//! the engine's decimal arithmetic, and walks every source's sponsor line.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::binary::payplan;
use payplan::{Decimal, ExportValue, Network, Plan};

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Hundredths from `-range` to `range`.
    fn cents(&mut self, range: i128) -> i128 {
        (self.next() % (2 * range as u64 + 1)) as i128 - range
    }
}

const PLAN: &str = r#"
plan "Whole numbers"
currency USD
rounding 4 half_even

input pv: volume
input cv: money
input d: volume

rank senior  when pv >= 0
rank manager when pv >= 50

let percentage = by rank { senior: 10%, manager: 25% }

bonus diff0 pays differential(cv, percentage)
bonus diff1 pays differential(cv, percentage, from level 1)
bonus diff3 pays differential(cv, percentage, from level 3)

export q = pv div d
export r = pv mod d
export f = floor(pv)
export c = ceil(pv)
export h = round(pv, 1)
export u = round(pv, 1, up)
export w = round(pv, 0, half_down)
"#;

/// `hundredths / 100`.
fn dec(hundredths: i128) -> Decimal {
    Decimal::from_i128_with_scale(hundredths, 2)
}

/// The floor of `a / b` for whole numbers.
fn floor_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

/// `a` hundredths rounded to `step` hundredths (10 or 100) by `mode`.
fn round_to(a: i128, step: i128, mode: &str) -> i128 {
    let (q, rem) = (a / step, (a % step).abs());
    let sign = if a < 0 { -1 } else { 1 };
    let away = match mode {
        "half_even" => 2 * rem > step || (2 * rem == step && q % 2 != 0),
        "half_down" => 2 * rem > step,
        "up" => rem != 0,
        "floor" => rem != 0 && a < 0,
        "ceil" => rem != 0 && a > 0,
        _ => unreachable!(),
    };
    (q + if away { sign } else { 0 }) * step
}

/// What each member earns from each differential, by brute force: every
/// source walks up from its `k`-th upline with nothing paid.
fn differentials(sponsor: &[Option<usize>], pct: &[i128], cv: &[i128], k: usize) -> Vec<i128> {
    let mut earned = vec![0i128; sponsor.len()];
    for (src, value) in cv.iter().enumerate() {
        let mut at = Some(src);
        for _ in 0..k {
            at = at.and_then(|x| sponsor[x]);
        }
        let mut paid = 0;
        while let Some(x) = at {
            if pct[x] > paid {
                earned[x] += (pct[x] - paid) * value;
                paid = pct[x];
            }
            at = sponsor[x];
        }
    }
    earned
}

#[test]
fn whole_numbers_and_differentials_match_brute_force() {
    let plan = Plan::compile(PLAN, "whole.plan").unwrap();
    let mut checked = 0;
    for seed in 0..40u64 {
        let mut rng = Rng(seed * 7919 + 3);
        let n = 1 + rng.below(60) as usize;
        let mut sponsor = Vec::new();
        let (mut pv, mut cv, mut d) = (Vec::new(), Vec::new(), Vec::new());
        let mut csv = String::from("id,sponsor,pv,cv,d\n");
        for m in 0..n {
            let s = (m > 0 && rng.below(8) != 0).then(|| rng.below(m as u64) as usize);
            sponsor.push(s);
            pv.push(rng.cents(20_000));
            cv.push(rng.cents(100_000).abs());
            let range = if rng.below(3) == 0 { 150 } else { 50_000 };
            let mut div = rng.cents(range);
            if div == 0 {
                div = 7;
            }
            d.push(div);
            let s = s.map_or(String::new(), |s| format!("m{s}"));
            csv.push_str(&format!(
                "m{m},{s},{},{},{}\n",
                dec(pv[m]),
                dec(cv[m]),
                dec(d[m])
            ));
        }
        let network = Network::from_csv_reader(csv.as_bytes(), plan.schema()).unwrap();
        let out = plan.run(&network).unwrap();
        // Ranks by `pv`: none below 0, senior from 0, manager from 50.
        let pct: Vec<i128> = pv
            .iter()
            .map(|&p| match p {
                p if p >= 5000 => 25,
                p if p >= 0 => 10,
                _ => 0,
            })
            .collect();
        for (k, bonus) in [(0, "diff0"), (1, "diff1"), (3, "diff3")] {
            let expected = differentials(&sponsor, &pct, &cv, k);
            for (m, want) in expected.iter().enumerate() {
                let got = out
                    .payouts
                    .iter()
                    .find(|p| p.member == format!("m{m}") && &*p.bonus == bonus)
                    .map_or(Decimal::ZERO, |p| p.amount);
                // Percent (hundredths) times cents: 4 places, exact.
                let want = Decimal::from_i128_with_scale(*want, 4);
                assert_eq!(got, want, "seed {seed}, m{m}, {bonus}\n{csv}");
            }
        }
        for (m, row) in out.members.iter().enumerate() {
            let (a, b) = (pv[m], d[m]);
            let q = floor_div(a, b);
            let expected = [
                Decimal::from(q),
                dec(a - b * q),
                dec(round_to(a, 100, "floor")),
                dec(round_to(a, 100, "ceil")),
                dec(round_to(a, 10, "half_even")),
                dec(round_to(a, 10, "up")),
                dec(round_to(a, 100, "half_down")),
            ];
            for (name, (got, want)) in out
                .export_columns
                .iter()
                .zip(row.values.iter().zip(expected))
            {
                assert_eq!(
                    got,
                    &ExportValue::Number(want),
                    "seed {seed}, {}, {name}: pv {} d {}",
                    row.member,
                    dec(a),
                    dec(b)
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "only {checked} values checked");
}

#[test]
fn a_whole_division_by_zero_names_the_member_and_the_plan_line() {
    let plan = Plan::compile(PLAN, "whole.plan").unwrap();
    let csv = "id,sponsor,pv,cv,d\nann,,10,0,2\nbob,ann,10,0,0\n";
    let network = Network::from_csv_reader(csv.as_bytes(), plan.schema()).unwrap();
    let err = plan.run(&network).unwrap_err().to_string();
    assert!(err.contains("`bob`"), "{err}");
    assert!(err.contains("`q` divides by zero"), "{err}");
}

#[test]
fn a_whole_quotient_is_exact_where_the_rounded_quotient_is_not() {
    // 79228162514264337593543950334 / 79228162514264337593543950335 is
    // 0.99999999999999999999999999998...: kept to 28 digits it rounds to 1,
    // whose floor would be wrong. The whole quotient is 0, the remainder
    // the dividend.
    let plan = Plan::compile(PLAN, "whole.plan").unwrap();
    let big = "79228162514264337593543950334";
    let csv = format!("id,sponsor,pv,cv,d\na,,{big},0,79228162514264337593543950335\n");
    let network = Network::from_csv_reader(csv.as_bytes(), plan.schema()).unwrap();
    let out = plan.run(&network).unwrap();
    let row = &out.members[0];
    assert_eq!(row.values[0], ExportValue::Number(Decimal::ZERO));
    assert_eq!(
        row.values[1],
        ExportValue::Number(big.parse::<Decimal>().unwrap())
    );
    // A whole quotient beyond the largest decimal is an error naming the member.
    let csv = "id,sponsor,pv,cv,d\nb,,79228162514264337593543950335,0,0.5\n";
    let network = Network::from_csv_reader(csv.as_bytes(), plan.schema()).unwrap();
    let err = plan.run(&network).unwrap_err().to_string();
    assert!(err.contains("`b`"), "{err}");
}

#[test]
fn the_hand_worked_plan_tests_pass() {
    let out = payplan(&["test", "tests/whole/"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("passed, 0 failed"), "{}", out.stdout);
    for file in ["cycles", "stairstep", "differential_from", "percent_input"] {
        assert!(
            out.stdout.contains(&format!("tests/whole/{file}.tests: ")),
            "{}",
            out.stdout
        );
    }
}
