//! An amount that cannot be computed exactly is refused, never paid rounded:
//! through the binary, a run-time error exits 2 and names the member and
//! the plan line, like a check diagnostic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::Path;

use common::binary::{assert_refused, payplan_in, Output};

/// Runs `plan` (as `x.plan`) on `network` in a fresh folder.
fn run(plan: &str, network: &str) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("x.plan"), plan).unwrap();
    std::fs::write(tmp.path().join("net.csv"), network).unwrap();
    run_in(tmp.path())
}

fn run_in(dir: &Path) -> Output {
    payplan_in(dir, &["run", "x.plan", "--network", "net.csv"])
}

const EIGHT_PERCENT: &str = "plan \"Exact\"
currency USD
rounding 2 half_even

input cv: money

bonus b pays 8% of cv
";

/// 8% of a 28-digit `cv` is `...999.92` exactly; rust_decimal alone would
/// keep 28 digits and pay `...999.90`.
#[test]
fn an_amount_beyond_28_digits_is_refused_with_its_plan_line() {
    let out = run(
        EIGHT_PERCENT,
        "id,sponsor,cv\nA,,100\nB,A,9999999999999999999999999999\n",
    );
    assert_refused(
        &out,
        "8% of a 28-digit cv",
        &[
            "member `B`",
            "`b`",
            "28 significant digits",
            "x.plan:7:7",
            "bonus b pays 8% of cv",
        ],
    );
    assert!(!out.stderr.contains("999.90"), "{}", out.stderr);
}

/// The same plan pays exact products of 28 digits and fewer.
#[test]
fn exact_amounts_of_28_digits_are_paid() {
    let out = run(
        EIGHT_PERCENT,
        "id,sponsor,cv\nA,,100\nB,A,1234567890123456789012345678\n",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "member,bonus,amount\nA,b,8.00\nB,b,98765431209876543120987654.24\n"
    );
}

/// A sum past the largest number names the member whose value overflows
/// and the line of the aggregate.
#[test]
fn an_overflow_is_refused_with_its_plan_line() {
    let plan = "plan \"Over\"
currency USD
rounding 2 half_even

input cv: money

let gv = sum(cv over group)
bonus b pays 8% of gv
";
    let out = run(
        plan,
        "id,sponsor,cv\nA,,1\nB,A,79228162514264337593543950335\n",
    );
    assert_refused(
        &out,
        "a group sum past the largest number",
        &[
            "member `A`",
            "too large",
            "x.plan:7:10",
            "let gv = sum(cv over group)",
        ],
    );
}

/// A sum that would drop a digit of one of its terms is refused too.
#[test]
fn a_sum_beyond_28_digits_is_refused() {
    let plan = "plan \"Sum\"
currency USD
rounding 3 half_even

input cv: money

let gv = sum(cv over group)
bonus b pays gv
";
    let out = run(
        plan,
        "id,sponsor,cv\nA,,0.001\nB,A,99999999999999999999999999.99\n",
    );
    assert_refused(
        &out,
        "a sum that drops 0.001",
        &["member `A`", "28 significant digits", "x.plan:7:10"],
    );
}

/// A division keeps 28 significant digits, as the language guide says: a
/// pool of 100 among three equal shares pays 33.33 each, exit 0.
#[test]
fn a_quotient_keeps_28_digits_and_pays() {
    let plan = "plan \"Pool\"
currency USD
rounding 2 half_even

input cv: money

bonus pool
  when cv > 0
  pays pool(total(cv), 1)
";
    let out = run(plan, "id,sponsor,cv\nA,,30\nB,A,30\nC,A,40\n");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "member,bonus,amount\nA,pool,33.33\nB,pool,33.33\nC,pool,33.33\n"
    );
}
