//! payplan's command line: check and run plans, render diagnostics
pub fn main() -> i32 { 0 }
