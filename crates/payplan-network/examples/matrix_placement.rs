//! Times the forced matrix's placement (R9.1) on a generated network: loads
//! the same CSV text with and without `uses matrix 3 wide`, and reports
//! both times and their difference (the placement, with reading `joined`).
//!
//! `cargo run --release -p payplan-network --example matrix_placement -- [MEMBERS]`
//! (10,000,000 by default). The network: 1 member in 10 sponsored by one of
//! the first ten members (wide stars, so levels fill and spill over), the
//! rest by a random earlier member; `joined` is the row number.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

use std::fmt::Write;
use std::time::Instant;

use payplan_network::{ColumnSpec, MatrixSource, MatrixSpec, Network, Schema};

fn main() {
    let n: usize = std::env::args().nth(1).map_or(10_000_000, |a| {
        a.replace('_', "").parse().expect("a number of members")
    });
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below.max(1) as u64) as usize
    };
    let mut text = String::with_capacity(n * 28);
    text.push_str("id,sponsor,pv,cv,joined\n");
    for i in 0..n {
        let sponsor = match i {
            0 => None,
            _ if next(10) == 0 => Some(next(i.min(10))),
            _ => Some(next(i)),
        };
        match sponsor {
            Some(s) => writeln!(text, "m{i},m{s},100,10,{}", i + 1).unwrap(),
            None => writeln!(text, "m{i},,100,10,{}", i + 1).unwrap(),
        }
    }
    let plain = Schema {
        columns: vec![ColumnSpec::decimal("pv"), ColumnSpec::decimal("cv")],
        placement: false,
        matrix: None,
    };
    let matrix = Schema {
        matrix: Some(MatrixSpec {
            width: 3,
            source: MatrixSource::Joined,
        }),
        ..plain.clone()
    };
    let start = Instant::now();
    let without = Network::from_csv_reader(text.as_bytes(), &plain).unwrap();
    let t_plain = start.elapsed().as_secs_f64();
    drop(without);
    let start = Instant::now();
    let with = Network::from_csv_reader(text.as_bytes(), &matrix).unwrap();
    let t_matrix = start.elapsed().as_secs_f64();
    let m = with.matrix().unwrap();
    let deepest = {
        let mut depth = vec![0u32; with.len()];
        let mut max = 0;
        for &x in m.order() {
            let p = m.parent(x);
            if p != payplan_network::NONE {
                depth[x as usize] = depth[p as usize] + 1;
                max = max.max(depth[x as usize]);
            }
        }
        max
    };
    println!(
        "{n} members: load {t_plain:.2} s without the matrix, {t_matrix:.2} s with it: placement {:.2} s (matrix depth {deepest})",
        t_matrix - t_plain
    );
}
