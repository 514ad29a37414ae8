//! The engine's benches: compiling the six reference plans, loading network
//! CSV, running every plan at 100k and 1M members, and the hand-written R2 and
//! R3 on the same networks, ending with an engine/hand-written ratio table.
//!
//! Networks are generated in memory by `payplan-gen` (shape `mlm`, seed 1).
//! `cargo bench --bench engine` runs everything (a few minutes on 2 cores);
//! `cargo bench --bench engine -- ratio` prints only the ratio table;
//! any other criterion filter (`-- evaluate/ranked`) skips the table.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod handwritten;

use std::cell::RefCell;
use std::hint::black_box;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use payplan::{Network, Payout, Plan, Schema};
use payplan_gen::{generate, GenOptions, Shape};

/// The reference plans, in the spec's order.
const PLANS: [&str; 6] = [
    "unilevel",
    "unilevel_compressed",
    "ranked",
    "breakaway",
    "binary",
    "hybrid",
];

/// Network sizes of the load, evaluate and hand-written benches.
const SIZES: [u64; 2] = [100_000, 1_000_000];

const SEED: u64 = 1;

fn plan_text(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("plans")
        .join(format!("{name}.plan"));
    std::fs::read_to_string(path).unwrap()
}

/// The network CSV of `members` members with the columns `schema` reads.
fn network_csv(schema: &Schema, members: u64) -> Vec<u8> {
    let options = GenOptions {
        members,
        seed: SEED,
        shape: Shape::Mlm,
        placement: schema.placement,
        new: schema.columns.iter().any(|c| c.name == "new"),
        joined: schema.matrix.is_some(),
    };
    let mut csv = Vec::new();
    generate(&options, &mut csv, &mut |_| {}).unwrap();
    csv
}

/// The compiled plans and the networks made so far, one per schema and
/// size (the four pv/cv plans share theirs), made on first use so that a
/// filtered run builds only what it needs.
struct Fixtures {
    plans: Vec<(&'static str, Plan)>,
    networks: RefCell<Vec<(Schema, u64, Rc<Network>)>>,
}

impl Fixtures {
    fn new() -> Self {
        let plans = PLANS
            .iter()
            .map(|&name| (name, Plan::compile(&plan_text(name), name).unwrap()))
            .collect();
        Fixtures {
            plans,
            networks: RefCell::new(Vec::new()),
        }
    }

    fn plan(&self, name: &str) -> &Plan {
        &self.plans.iter().find(|(n, _)| *n == name).unwrap().1
    }

    fn network(&self, plan: &Plan, members: u64) -> Rc<Network> {
        let schema = plan.schema();
        let mut networks = self.networks.borrow_mut();
        if let Some((_, _, network)) = networks
            .iter()
            .find(|(s, n, _)| s == schema && *n == members)
        {
            return Rc::clone(network);
        }
        let csv = network_csv(schema, members);
        let network = Rc::new(Network::from_csv_reader(csv.as_slice(), schema).unwrap());
        networks.push((schema.clone(), members, Rc::clone(&network)));
        network
    }
}

/// Settings for runs of a second or more: ten samples of one iteration each.
fn configure_for(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, members: u64) {
    group.throughput(Throughput::Elements(members));
    if members >= 1_000_000 {
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(5));
    } else {
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
    }
}

fn parse_check(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_check");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for name in PLANS {
        let text = plan_text(name);
        group.bench_function(name, |b| {
            b.iter(|| Plan::compile(black_box(&text), name).unwrap())
        });
    }
    group.finish();
}

fn load(c: &mut Criterion, fixtures: &Fixtures) {
    let schema = fixtures.plan("ranked").schema();
    let mut group = c.benchmark_group("load");
    for members in SIZES {
        configure_for(&mut group, members);
        let csv = network_csv(schema, members);
        group.bench_with_input(BenchmarkId::from_parameter(members), &csv, |b, csv| {
            b.iter(|| Network::from_csv_reader(csv.as_slice(), schema).unwrap());
        });
    }
    group.finish();
}

fn evaluate(c: &mut Criterion, fixtures: &Fixtures, members: u64) {
    let mut group = c.benchmark_group("evaluate");
    configure_for(&mut group, members);
    for (name, plan) in &fixtures.plans {
        group.bench_function(BenchmarkId::new(*name, members), |b| {
            let network = fixtures.network(plan, members);
            b.iter(|| plan.run(&network).unwrap());
        });
    }
    group.finish();
}

/// A plan written by hand: the network's payout rows.
type HandWritten = fn(&Network) -> Vec<Payout>;

/// The hand-written plans and the reference plan each one must match.
const HANDWRITTEN: [(&str, &str, HandWritten); 2] = [
    ("r2", "unilevel_compressed", handwritten::r2),
    ("r3", "ranked", handwritten::r3),
];

fn hand_written(c: &mut Criterion, fixtures: &Fixtures, members: u64) {
    let mut group = c.benchmark_group("handwritten");
    configure_for(&mut group, members);
    for (name, plan, hand) in HANDWRITTEN {
        group.bench_function(BenchmarkId::new(name, members), |b| {
            let network = fixtures.network(fixtures.plan(plan), members);
            b.iter(|| hand(&network));
        });
    }
    group.finish();
}

/// The median wall time of `runs` calls of `f`.
fn median_time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// Times the engine and the hand-written R2 and R3 once more, side by side
/// on the same networks, and prints the ratios.
fn ratio_table(fixtures: &Fixtures) {
    eprintln!();
    eprintln!("engine/hand-written ratio (median wall time of 5 runs at 100k, 3 at 1M; mlm, seed {SEED}):");
    eprintln!(
        "{:<6} {:>10} {:>12} {:>12} {:>7}",
        "plan", "members", "engine", "hand-written", "ratio"
    );
    let mut summary = Vec::new();
    for members in SIZES {
        let runs = if members >= 1_000_000 { 3 } else { 5 };
        for (name, plan_name, hand) in HANDWRITTEN {
            let plan = fixtures.plan(plan_name);
            let network = fixtures.network(plan, members);
            assert_eq!(
                plan.run(&network).unwrap().payouts,
                hand(&network),
                "{name} at {members}: the hand-written payouts differ"
            );
            let engine = median_time(runs, || plan.run(&network).unwrap());
            let by_hand = median_time(runs, || hand(&network));
            let ratio = engine.as_secs_f64() / by_hand.as_secs_f64();
            eprintln!(
                "{:<6} {members:>10} {:>10.1}ms {:>10.1}ms {ratio:>7.2}",
                name.to_uppercase(),
                engine.as_secs_f64() * 1e3,
                by_hand.as_secs_f64() * 1e3,
            );
            summary.push(format!("{} {ratio:.2}", name.to_uppercase()));
        }
    }
    let at_1m = summary.split_off(summary.len() - HANDWRITTEN.len());
    eprintln!("engine/hand-written ratio: {} at 1M", at_1m.join(", "));
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench_mode = args.iter().any(|a| a == "--bench");
    let only_ratio = args.iter().any(|a| a == "ratio");
    let unfiltered = args.iter().all(|a| a == "--bench");
    let fixtures = Fixtures::new();
    let mut c = Criterion::default().configure_from_args();
    if !only_ratio {
        parse_check(&mut c);
        load(&mut c, &fixtures);
        for members in SIZES {
            evaluate(&mut c, &fixtures, members);
            hand_written(&mut c, &fixtures, members);
        }
        c.final_summary();
    }
    if bench_mode && (unfiltered || only_ratio) {
        ratio_table(&fixtures);
    }
}
