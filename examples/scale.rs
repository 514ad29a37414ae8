//! Times one plan on a generated network of millions of members, stage by
//! stage, with peak memory, and the hand-written R2/R3 on the same network.
//!
//! ```sh
//! cargo run --release --example scale -- --members 10000000 [--plan ranked] [--seed 1] [--shape mlm] [--temp-file]
//! ```
//!
//! The network is generated with `payplan-gen` into memory (or, with
//! `--temp-file`, into a file in the temporary folder that is loaded from
//! its path and then deleted, which keeps the CSV text out of memory for the
//! 100M run). Stages: CSV parse and load, evaluation (`Plan::evaluate`:
//! passes and settlement), writing the payout CSV to a sink from the run (as
//! `payplan run` does), then the owned `Outcome` that `Plan::run` returns. Peak memory is `VmHWM` of /proc/self/status,
//! reset between stages through /proc/self/clear_refs, so each stage's peak
//! counts what is alive during it (the network included).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/handwritten/mod.rs"]
mod handwritten;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use payplan::{Network, Payout, Plan};
use payplan_gen::{generate, GenOptions, Shape};

const USAGE: &str = "usage: scale --members N [--plan NAME] [--seed S] [--shape mlm|pref|chain|star|broom] [--temp-file]";

struct Args {
    members: u64,
    plan: String,
    seed: u64,
    shape: Shape,
    temp_file: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        members: 1_000_000,
        plan: "ranked".to_string(),
        seed: 1,
        shape: Shape::Mlm,
        temp_file: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |value: String| {
            value
                .replace(['_', ','], "")
                .parse::<u64>()
                .map_err(|e| format!("{flag} {value}: {e}"))
        };
        match flag.as_str() {
            "--members" => args.members = number(value()?)?,
            "--seed" => args.seed = number(value()?)?,
            "--plan" => args.plan = value()?,
            "--shape" => {
                args.shape = match value()?.as_str() {
                    "mlm" => Shape::Mlm,
                    "pref" => Shape::Pref,
                    "chain" => Shape::Chain,
                    "star" => Shape::Star,
                    "broom" => Shape::Broom,
                    other => return Err(format!("unknown shape {other}")),
                }
            }
            "--temp-file" => args.temp_file = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// A field of /proc/self/status, in bytes (`VmHWM`, `VmRSS`).
fn proc_status(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// Starts a new peak: `VmHWM` becomes the current `VmRSS` (Linux 4.0+).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Runs `f`, returning its result and its wall time.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}

/// Prints one stage: time, throughput, the peak resident memory while it ran.
fn stage(name: &str, time: Duration, members: u64, peak: Option<u64>) {
    let rate = members as f64 / time.as_secs_f64() / 1e6;
    match peak {
        Some(peak) => println!(
            "{name:<28} {:>9.3} s {rate:>8.2} M members/s   peak {:>9.1} MiB {:>7.0} B/member",
            time.as_secs_f64(),
            mib(peak),
            peak as f64 / members as f64
        ),
        None => println!(
            "{name:<28} {:>9.3} s {rate:>8.2} M members/s",
            time.as_secs_f64()
        ),
    }
}

/// The payout table as `payplan run` writes it, streamed to `out`.
fn write_payouts(payouts: &[Payout], out: impl Write) -> csv::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    w.write_record(["member", "bonus", "amount"])?;
    for p in payouts {
        w.write_record([p.member.as_str(), &*p.bonus, &format!("{:.2}", p.amount)])?;
    }
    w.flush()?;
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("plans")
        .join(format!("{}.plan", args.plan));
    let plan = match std::fs::read_to_string(&path) {
        Ok(text) => {
            Plan::compile(&text, &path.display().to_string()).expect("a reference plan compiles")
        }
        Err(e) => {
            eprintln!("cannot read {}: {e}\n{USAGE}", path.display());
            return ExitCode::from(2);
        }
    };
    let hand: Option<fn(&Network) -> Vec<Payout>> = match args.plan.as_str() {
        "ranked" => Some(handwritten::r3),
        "unilevel_compressed" => Some(handwritten::r2),
        _ => None,
    };
    let options = GenOptions {
        members: args.members,
        seed: args.seed,
        shape: args.shape,
        placement: plan.schema().placement,
        new: plan.schema().columns.iter().any(|c| c.name == "new"),
        joined: plan.schema().matrix.is_some(),
    };
    let n = args.members;
    println!(
        "plan {} ({}), {n} members, shape {:?}, seed {}, {} threads available",
        args.plan,
        plan.name(),
        args.shape,
        args.seed,
        std::thread::available_parallelism().map_or(1, |p| p.get())
    );
    let base = proc_status("VmRSS");

    // Generate, into memory or a temporary file.
    let temp = std::env::temp_dir().join(format!("payplan-scale-{}.csv", std::process::id()));
    let (csv, gen_time) = timed(|| -> io::Result<Option<Vec<u8>>> {
        if args.temp_file {
            let mut file = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&temp)?);
            generate(&options, &mut file, &mut |_| {})?;
            file.flush()?;
            Ok(None)
        } else {
            let mut csv = Vec::new();
            generate(&options, &mut csv, &mut |_| {})?;
            Ok(Some(csv))
        }
    });
    let csv = match csv {
        Ok(csv) => csv,
        Err(e) => {
            eprintln!("cannot generate the network: {e}");
            return ExitCode::from(2);
        }
    };
    let csv_bytes = csv.as_ref().map_or_else(
        || std::fs::metadata(&temp).map_or(0, |m| m.len()),
        |c| c.len() as u64,
    );
    stage("generate CSV (payplan-gen)", gen_time, n, None);
    println!(
        "  CSV: {:.1} MiB ({:.1} B/member)",
        mib(csv_bytes),
        csv_bytes as f64 / n as f64
    );

    // Parse and load.
    reset_peak();
    let (network, load_time) = timed(|| match &csv {
        Some(csv) => Network::from_csv_reader(csv.as_slice(), plan.schema()),
        None => Network::from_csv_path(&temp, plan.schema()),
    });
    let load_peak = proc_status("VmHWM").saturating_sub(base);
    drop(csv);
    let _ = std::fs::remove_file(&temp);
    let network = match network {
        Ok(network) => network,
        Err(e) => {
            eprintln!("the network is refused: {e}");
            return ExitCode::from(2);
        }
    };
    stage("CSV parse + load", load_time, n, Some(load_peak));
    let network_rss = proc_status("VmRSS").saturating_sub(base);
    println!(
        "  network held: {:.1} MiB ({:.0} B/member)",
        mib(network_rss),
        network_rss as f64 / n as f64
    );

    // The hand-written plan first: what it leaves freed but still mapped
    // (little) is then counted in the engine's peak rather than the reverse.
    let hand_run = hand.map(|hand| {
        reset_peak();
        let (payouts, hand_time) = timed(|| hand(&network));
        let hand_peak = proc_status("VmHWM").saturating_sub(base);
        stage("hand-written evaluate", hand_time, n, Some(hand_peak));
        let ((), hand_write) = timed(|| write_payouts(&payouts, io::sink()).unwrap());
        stage("hand-written write (sink)", hand_write, n, None);
        stage(
            "hand-written total",
            load_time + hand_time + hand_write,
            n,
            Some(load_peak.max(hand_peak)),
        );
        (payouts.len(), hand_time)
    });

    // Evaluate and write, as `payplan run` does: passes and settlement,
    // then the payout table streamed from the run.
    reset_peak();
    let (run, eval_time) = timed(|| plan.evaluate(&network));
    let run = match run {
        Ok(run) => run,
        Err(e) => {
            eprintln!("the run failed: {e}");
            return ExitCode::from(2);
        }
    };
    let eval_peak = proc_status("VmHWM").saturating_sub(base);
    stage("evaluate (Plan::evaluate)", eval_time, n, Some(eval_peak));
    let ((), write_time) = timed(|| run.write_payouts_csv(&mut io::sink()).unwrap());
    let engine_peak = proc_status("VmHWM").saturating_sub(base);
    stage("write payout CSV (sink)", write_time, n, Some(engine_peak));
    let total = load_time + eval_time + write_time;
    stage(
        "total: load + run + write",
        total,
        n,
        Some(load_peak.max(engine_peak)),
    );
    // The owned outcome, as hosts of the library get it from `Plan::run`.
    reset_peak();
    let (outcome, outcome_time) = timed(|| run.outcome());
    let outcome_peak = proc_status("VmHWM").saturating_sub(base);
    stage(
        "owned Outcome (Run::outcome)",
        outcome_time,
        n,
        Some(outcome_peak),
    );
    stage(
        "Plan::run (evaluate + Outcome)",
        eval_time + outcome_time,
        n,
        None,
    );
    let rows = outcome.payouts.len();
    println!(
        "  payout rows {rows}, paid {} {}, limit applied: {}",
        outcome.totals.paid, outcome.currency, outcome.totals.limit_applied
    );
    if let Some((hand_rows, hand_time)) = hand_run {
        println!(
            "engine/hand-written evaluate ratio {:.2}, with the Outcome {:.2} (hand-written payout rows {hand_rows}, engine {rows})",
            eval_time.as_secs_f64() / hand_time.as_secs_f64(),
            (eval_time + outcome_time).as_secs_f64() / hand_time.as_secs_f64()
        );
    }
    ExitCode::SUCCESS
}
