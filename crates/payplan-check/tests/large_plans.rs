//! Plans of many thousands of ranks, definitions and bonuses check in time
//! that grows with their size, not its square. No timing is asserted: the
//! test fails by taking minutes (a pairwise rank comparison once made a
//! plan of 20,000 ranks take 46 s to check).

#![allow(clippy::panic, clippy::indexing_slicing)]

use payplan_check::{check, CheckError, CheckWarning, Checked, NodeKind};

const N: usize = 20_000;

fn header() -> String {
    "plan \"x\"\ncurrency USD\nrounding 2 half_even\ninput pv: volume\ninput cv: money\n".into()
}

fn compile(source: &str) -> Result<Checked, Vec<CheckError>> {
    let ast = payplan_syntax::parse(source).unwrap_or_else(|e| panic!("{e}"));
    check(&ast, source)
}

fn compiles(source: &str) -> Checked {
    compile(source).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn twenty_thousand_ranks_with_a_table_and_a_rank_comparison() {
    let mut s = header();
    for i in 1..=N {
        s.push_str(&format!("rank r{i} when pv >= {i}\n"));
    }
    s.push_str("bonus b pays by rank { r1: 1%, r2: 2%, r3: 3% } of cv\n");
    s.push_str(&format!("bonus c when rank >= r{} pays 5% of cv\n", N / 2));
    let checked = compiles(&s);
    assert_eq!(checked.plan.ranks.len(), N);
    assert!(
        checked.warnings.is_empty(),
        "{:?}",
        checked.warnings.first()
    );
}

/// Ranks whose thresholds fall as the ranks rise: every rank but the last
/// is met by every member that meets the one above it.
#[test]
fn twenty_thousand_ranks_that_cannot_be_held_are_each_reported_once() {
    let mut s = header();
    for i in 1..=N {
        s.push_str(&format!("rank r{i} when pv >= {}\n", N + 1 - i));
    }
    s.push_str("bonus b when rank >= r1 pays 5% of cv\n");
    let checked = compiles(&s);
    let unreachable: Vec<(&str, &str)> = checked
        .warnings
        .iter()
        .filter_map(|w| match w {
            CheckWarning::UnreachableRank { rank, higher, .. } => {
                Some((rank.as_str(), higher.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(unreachable.len(), N - 1);
    assert_eq!(unreachable[0], ("r1", "r2"));
    assert_eq!(
        unreachable[N - 2],
        (&*format!("r{}", N - 1), &*format!("r{N}"))
    );
}

#[test]
fn twenty_thousand_lets_in_a_chain() {
    let mut s = header();
    s.push_str("let l0 = pv\n");
    for i in 1..=N {
        s.push_str(&format!("let l{i} = l{} + {i}\n", i - 1));
    }
    s.push_str(&format!("bonus b pays 1% of money(l{N})\n"));
    let checked = compiles(&s);
    assert!(checked.warnings.is_empty());
}

/// Declared in the reverse of the order they settle in: each definition's
/// type is known only once the one it reads is.
#[test]
fn twenty_thousand_lets_on_one_recursive_cycle() {
    let mut s = header();
    for i in 0..N {
        s.push_str(&format!("let a{i} = sum(a{} over children)\n", i + 1));
    }
    s.push_str(&format!("let a{N} = a0 + pv\n"));
    s.push_str("bonus b pays 1% of money(a0)\n");
    let checked = compiles(&s);
    let node = checked
        .plan
        .nodes
        .iter()
        .find(|n| n.label == "a1")
        .unwrap_or_else(|| panic!("no node a1"));
    assert_eq!(node.ty, payplan_check::Ty::Volume);
    assert!(matches!(node.kind, NodeKind::Expr(_)));
}

#[test]
fn a_cycle_of_twenty_thousand_lets_at_the_same_member_is_refused() {
    let mut s = header();
    for i in 0..N {
        s.push_str(&format!("let a{i} = a{} + 1\n", i + 1));
    }
    s.push_str(&format!("let a{N} = a0 + pv\n"));
    s.push_str("bonus b pays 1% of money(a0)\n");
    let errors = compile(&s).err().unwrap_or_else(|| panic!("compiles"));
    assert!(matches!(
        errors.as_slice(),
        [CheckError::Cycle { path, .. }] if path.len() == N + 2
    ));
}

#[test]
fn twenty_thousand_bonuses() {
    let mut s = header();
    for i in 1..=N {
        s.push_str(&format!(
            "bonus b{i} when pv >= {i} pays {}% of cv\n",
            i % 50
        ));
    }
    let checked = compiles(&s);
    assert_eq!(checked.plan.bonuses.len(), N);
}

/// A rank is a 16-bit number: one more rank than that is an error, not a
/// rank silently numbered like another.
#[test]
fn one_rank_too_many_is_refused() {
    let mut s = header();
    for i in 1..=65_536 {
        s.push_str(&format!("rank r{i} when pv >= {i}\n"));
    }
    s.push_str("bonus b pays 5% of cv\n");
    let errors = compile(&s).err().unwrap_or_else(|| panic!("compiles"));
    assert!(
        matches!(errors.as_slice(), [CheckError::TooManyRanks { rank, .. }] if rank == "r65536"),
        "{errors:?}"
    );
}
