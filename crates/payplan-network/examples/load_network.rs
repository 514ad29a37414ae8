//! Times loading a network file with the ranked plan's schema.
//!
//! `cargo run --release -p payplan-network --example load_network -- FILE [--placement]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::Instant;

use payplan_network::{ColumnSpec, Network, Schema};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().expect("a network file"));
    let placement = args.any(|arg| arg == "--placement");
    let schema = Schema {
        columns: vec![ColumnSpec::decimal("pv"), ColumnSpec::decimal("cv")],
        placement,
        matrix: None,
    };
    let start = Instant::now();
    let network = Network::from_csv_path(&path, &schema).unwrap();
    let elapsed = start.elapsed();
    let n = network.len().max(1);
    let peak = peak_rss();
    println!(
        "{} members: {:.3} s, peak RSS {} MB ({} bytes per member)",
        network.len(),
        elapsed.as_secs_f64(),
        peak / 1_000_000,
        peak / n as u64
    );
}

/// VmHWM of this process, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}
