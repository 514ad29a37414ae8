//! A random but plausible plan and network (the generator of
//! tests/properties.rs, driven by the fuzzer's bytes through `arbitrary`):
//! compile, load, evaluate and explain a few members never panic, and every
//! explained member is paid exactly what the run pays it.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/planfuzz/mod.rs"]
mod planfuzz;

use planfuzz::{Case, Choices};

/// Members in a generated network, and members explained per case.
const MEMBERS: u32 = 24;
const EXPLAINED: u32 = 3;

impl Choices for Unstructured<'_> {
    fn below(&mut self, n: u32) -> u32 {
        self.int_in_range(0..=n.saturating_sub(1)).unwrap_or(0)
    }
}

/// A generated case; its `Debug` is the plan and the network, as
/// `cargo fuzz fmt compile_eval ARTIFACT` prints them.
struct Input(Case);

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Input(planfuzz::case(u, MEMBERS, EXPLAINED)))
    }
}

fuzz_target!(|input: Input| {
    if let Err(disagreement) = planfuzz::exercise(&input.0, false) {
        panic!("{disagreement}\n{:?}", input.0);
    }
});
