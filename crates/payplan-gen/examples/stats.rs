//! Prints the shape of a generated network: roots, depth, recruits, and the
//! placement tree's depth; for tuning the `mlm` shape.
//!
//! `cargo run --release -p payplan-gen --example stats -- MEMBERS SEED [SHAPE] [placement]`
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use payplan_gen::{GenOptions, Shape, Structure};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let members: u64 = args.get(1).map_or(1_000_000, |a| a.parse().unwrap());
    let seed: u64 = args.get(2).map_or(1, |a| a.parse().unwrap());
    let shape = match args.get(3).map(String::as_str) {
        Some("pref") => Shape::Pref,
        Some("chain") => Shape::Chain,
        Some("star") => Shape::Star,
        Some("broom") => Shape::Broom,
        _ => Shape::Mlm,
    };
    let placement = args.get(4).is_some_and(|a| a == "placement");
    let options = GenOptions {
        members,
        seed,
        shape,
        placement,
        new: false,
        joined: false,
    };
    let start = std::time::Instant::now();
    let s = Structure::build(&options, &mut |_| {}).unwrap();
    let built = start.elapsed();
    let n = s.len();
    let mut depth = vec![0u32; n];
    let mut recruits = vec![0u32; n];
    let mut roots = 0;
    for m in 0..n {
        match s.sponsor(m) {
            None => roots += 1,
            Some(p) => {
                depth[m] = depth[p] + 1;
                recruits[p] += 1;
            }
        }
    }
    let max_depth = depth.iter().max().unwrap();
    let mean_depth = depth.iter().map(|&d| f64::from(d)).sum::<f64>() / n as f64;
    let idle = recruits.iter().filter(|&&r| r == 0).count();
    let mut sorted = recruits.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    println!("members {n}, built in {built:?}");
    println!("roots {roots}, depth max {max_depth} mean {mean_depth:.1}");
    println!(
        "recruit nobody {:.1}%, top recruiters {:?}",
        100.0 * idle as f64 / n as f64,
        &sorted[..10.min(n)]
    );
    for k in [1, 2, 5, 10, 100, 1000] {
        let c = recruits.iter().filter(|&&r| r >= k).count();
        println!("  >= {k} recruits: {c}");
    }
    if s.has_placement() {
        let mut pdepth = vec![0u32; n];
        for m in 0..n {
            if let Some((p, _)) = s.placement(m) {
                pdepth[m] = pdepth[p] + 1;
            }
        }
        let max = pdepth.iter().max().unwrap();
        let mean = pdepth.iter().map(|&d| f64::from(d)).sum::<f64>() / n as f64;
        println!("placement depth max {max} mean {mean:.1}");
    }
}
