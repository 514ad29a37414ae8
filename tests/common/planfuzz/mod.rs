//! Random but plausible plans and networks, for the property test
//! (tests/properties.rs) and the `compile_eval` fuzz target (fuzz/), which
//! include this module with `#[path]`. The plan's grammar is in plan.rs,
//! the network's in network.rs.
//!
//! The generator follows the language's grammar and unit rules (docs/language.md),
//! so most plans compile and run: every choice comes from a [`Choices`]
//! source, and choice 0 (what an exhausted input gives) is always the
//! simplest option, so short inputs make short plans and shrinking works.
//! Now and then it writes a mistake on purpose (a wrong unit, levels out of
//! range, a broken network) so that the refusals are exercised as well.
#![allow(dead_code)]

mod network;
mod plan;

use std::collections::HashMap;

use payplan::{Decimal, Network, Plan};
use plan::Gen;

/// Where the generator's decisions come from: the fuzzer's bytes, a
/// proptest vector, or a seeded generator.
pub trait Choices {
    /// A number in `0..n` (`n >= 1`); 0 once the input is used up.
    fn below(&mut self, n: u32) -> u32;
}

/// Choices read from a list of words (what proptest generates and shrinks).
pub struct Words<'a> {
    words: &'a [u32],
    at: usize,
}

impl<'a> Words<'a> {
    pub fn new(words: &'a [u32]) -> Self {
        Words { words, at: 0 }
    }
}

impl Choices for Words<'_> {
    fn below(&mut self, n: u32) -> u32 {
        let word = self.words.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        word % n.max(1)
    }
}

/// Choices from a seed (splitmix64), for sampling many cases quickly.
pub struct Seeded(pub u64);

impl Choices for Seeded {
    fn below(&mut self, n: u32) -> u32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % u64::from(n.max(1))) as u32
    }
}

/// One generated case: a plan, a network for it, and the members to explain.
#[derive(Clone)]
pub struct Case {
    pub plan: String,
    pub csv: String,
    /// Ids of the members to explain (some may be missing from the network).
    pub explain: Vec<String>,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "--- plan\n{}", self.plan)?;
        writeln!(f, "--- network\n{}", self.csv)?;
        write!(f, "--- explain {:?}", self.explain)
    }
}

/// An id no generated network has.
pub const NOBODY: &str = "nobody";

/// Builds a plan, a network for it and `explain` member ids (at most `max_explain`).
pub fn case(c: &mut dyn Choices, max_members: u32, max_explain: u32) -> Case {
    let mut g = Gen::new(c);
    let plan = g.plan();
    g.finish(plan, max_members, max_explain)
}

/// [`case`], with the network's choices apart from the plan's: shrinking
/// one leaves the other alone.
pub fn case_apart<'a>(
    plan: &'a mut dyn Choices,
    network: &'a mut dyn Choices,
    max_members: u32,
) -> Case {
    let mut g = Gen::new(plan);
    let text = g.plan();
    g.c = network;
    g.finish(text, max_members, 0)
}

/// How far a case went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reached {
    /// The plan did not compile.
    Refused,
    /// The network was refused.
    Compiled,
    /// The evaluation returned an error.
    Loaded,
    /// Every payout was computed (and the asked members explained).
    Evaluated,
}

/// Runs a case through compile, load, evaluate and explain; every error is
/// rendered. `Err` says how the explanation disagrees with the run.
pub fn exercise(case: &Case, explain_every_member: bool) -> Result<Reached, String> {
    let plan = match Plan::compile(&case.plan, "fuzz.plan") {
        Ok(plan) => plan,
        Err(e) => {
            let _ = e.to_string();
            for d in &e.diagnostics {
                let _ = d.span.line_col(&case.plan);
            }
            return Ok(Reached::Refused);
        }
    };
    for d in plan.warnings() {
        let _ = d.span.line_col(&case.plan);
    }
    let network = match Network::from_csv_reader(case.csv.as_bytes(), plan.schema()) {
        Ok(network) => network,
        Err(e) => {
            let _ = e.to_string();
            return Ok(Reached::Compiled);
        }
    };
    let outcome = match plan.run(&network) {
        Ok(outcome) => outcome,
        Err(e) => {
            let _ = e.to_string();
            return Ok(Reached::Loaded);
        }
    };
    let _ = (outcome.payouts_csv(), outcome.members_csv());
    let paid: HashMap<(&str, &str), Decimal> = outcome
        .payouts
        .iter()
        .map(|p| ((p.member.as_str(), &*p.bonus), p.amount))
        .collect();
    let ids: Vec<String> = if explain_every_member {
        outcome.members.iter().map(|m| m.member.clone()).collect()
    } else {
        case.explain.clone()
    };
    let bonuses: Vec<&str> = plan.bonuses().collect();
    let mut everyone = Some(Decimal::ZERO);
    for id in &ids {
        let known = id != NOBODY;
        let e = match plan.explain(&network, id) {
            Ok(e) if known => e,
            Ok(_) => return Err(format!("explained `{id}`, who is not in the network")),
            Err(_) if !known => continue,
            Err(e) => {
                return Err(format!(
                    "explain `{id}` failed after the run succeeded: {e}"
                ))
            }
        };
        let named: Vec<&str> = e.bonuses.iter().map(|b| b.bonus.as_str()).collect();
        if named != bonuses {
            return Err(format!(
                "`{id}`: explained bonuses {named:?}, plan has {bonuses:?}"
            ));
        }
        let mut total = Some(Decimal::ZERO);
        for b in &e.bonuses {
            let run = paid
                .get(&(id.as_str(), b.bonus.as_str()))
                .copied()
                .unwrap_or(Decimal::ZERO);
            if b.paid != run {
                return Err(format!(
                    "`{id}` {}: explanation pays {}, the run {run}",
                    b.bonus, b.paid
                ));
            }
            total = total.and_then(|t| t.checked_add(b.paid));
        }
        // Amounts near the largest decimal may not add up: then the
        // explanation has no total either.
        if e.total_paid != total {
            return Err(format!(
                "`{id}`: total {:?} but the bonuses add up to {total:?}",
                e.total_paid
            ));
        }
        let Some(total) = total else {
            everyone = None;
            continue;
        };
        everyone = everyone.and_then(|t| t.checked_add(total));
    }
    // Totals of amounts near the largest decimal lose their last digits,
    // differently in another order: compare only totals that are exact.
    let small = Decimal::from(1_000_000_000_000u64);
    let exact = outcome.payouts.iter().all(|p| p.amount.abs() < small);
    let everyone =
        everyone.filter(|_| exact && explain_every_member && ids.len() == outcome.members.len());
    if everyone.is_some_and(|t| t != outcome.totals.paid) {
        return Err(format!(
            "explanations add up to {everyone:?}, the run paid {}",
            outcome.totals.paid
        ));
    }
    Ok(Reached::Evaluated)
}
