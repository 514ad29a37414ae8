//! Runs the `scale` example at several network sizes, each in a process of
//! its own, and draws how each phase's time grows with the network: one
//! log-log chart (SVG) with a line of linear growth to compare against, and
//! a Markdown table of times, time per member and peak memory.
//!
//! ```sh
//! cargo build --release --example scale --example growth
//! ./target/release/examples/growth --sizes 100000,1000000,10000000 --plan ranked --svg docs/growth.svg
//! ```
//!
//! A separate process per size keeps each size's peak memory its own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

const USAGE: &str =
    "usage: growth --sizes N,N,... [--plan NAME] [--seed S] [--shape SHAPE] [--svg OUT.svg]";

/// The phases drawn, as `scale` names them, and their labels.
const PHASES: [(&str, &str); 5] = [
    ("CSV parse + load", "load the CSV"),
    ("evaluate (Plan::evaluate)", "evaluate"),
    ("write payout CSV (sink)", "write payouts"),
    ("total: load + run + write", "load + evaluate + write"),
    ("hand-written evaluate", "hand-written evaluate"),
];

const COLOURS: [&str; 5] = ["#1b9e77", "#d95f02", "#7570b3", "#222222", "#e7298a"];

/// One phase at one size: seconds, and peak bytes per member if printed.
#[derive(Debug, Clone, Copy)]
struct Point {
    seconds: f64,
    bytes_per_member: Option<f64>,
}

struct Args {
    sizes: Vec<u64>,
    plan: String,
    seed: String,
    shape: String,
    svg: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        sizes: Vec::new(),
        plan: String::from("ranked"),
        seed: String::from("1"),
        shape: String::from("mlm"),
        svg: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("`{flag}` needs a value\n{USAGE}"));
        match flag.as_str() {
            "--sizes" => {
                args.sizes = value()?
                    .split(',')
                    .map(|s| s.trim().parse::<u64>().map_err(|e| format!("`{s}`: {e}")))
                    .collect::<Result<_, _>>()?;
            }
            "--plan" => args.plan = value()?,
            "--seed" => args.seed = value()?,
            "--shape" => args.shape = value()?,
            "--svg" => args.svg = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument `{flag}`\n{USAGE}")),
        }
    }
    if args.sizes.len() < 2 {
        return Err(format!("give at least two sizes\n{USAGE}"));
    }
    args.sizes.sort_unstable();
    Ok(args)
}

/// A `scale` output line's phase name, seconds and peak bytes per member.
fn parse_line(line: &str) -> Option<(&str, Point)> {
    let (name, rest) = line.split_at(line.find(|c: char| c.is_ascii_digit())?);
    let name = name.trim_end();
    let mut words = rest.split_whitespace();
    let seconds = words.next()?.parse::<f64>().ok()?;
    if words.next()? != "s" {
        return None;
    }
    let words: Vec<&str> = words.collect();
    let bytes_per_member = words
        .iter()
        .position(|w| *w == "B/member")
        .and_then(|i| i.checked_sub(1).and_then(|j| words.get(j)))
        .and_then(|w| w.parse::<f64>().ok());
    Some((
        name,
        Point {
            seconds,
            bytes_per_member,
        },
    ))
}

/// Runs `scale` at one size and returns each drawn phase's point.
fn measure(scale: &PathBuf, args: &Args, members: u64) -> Result<Vec<Option<Point>>, String> {
    eprintln!("{members} members ...");
    let out = Command::new(scale)
        .args(["--members", &members.to_string()])
        .args([
            "--plan",
            &args.plan,
            "--seed",
            &args.seed,
            "--shape",
            &args.shape,
        ])
        .arg("--temp-file")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", scale.display()))?;
    if !out.status.success() {
        return Err(format!(
            "scale failed at {members} members:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<(&str, Point)> = text.lines().filter_map(parse_line).collect();
    Ok(PHASES
        .iter()
        .map(|(phase, _)| {
            lines
                .iter()
                .find(|(name, _)| name == phase)
                .map(|(_, p)| *p)
        })
        .collect())
}

/// Seconds written for people: `0.042 s`, `7.5 s`.
fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{s:.3} s")
    } else {
        format!("{s:.2} s")
    }
}

fn table(sizes: &[u64], points: &[Vec<Option<Point>>]) -> String {
    let mut t = String::from("| phase |");
    for n in sizes {
        let _ = write!(t, " {} members |", thousands(*n));
    }
    t.push_str("\n| --- |");
    for _ in sizes {
        t.push_str(" --- |");
    }
    t.push('\n');
    for (i, (_, label)) in PHASES.iter().enumerate() {
        let _ = write!(t, "| {label} |");
        for (n, at) in sizes.iter().zip(points) {
            match at.get(i).copied().flatten() {
                Some(p) => {
                    let per = p.seconds / *n as f64 * 1e9;
                    let _ = write!(t, " {} ({per:.0} ns/member", secs(p.seconds));
                    if let Some(b) = p.bytes_per_member {
                        let _ = write!(t, ", {b:.0} B/member peak");
                    }
                    t.push_str(") |");
                }
                None => t.push_str(" – |"),
            }
        }
        t.push('\n');
    }
    t
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The log-log chart: seconds against members, a line per phase, and a
/// dashed line of linear growth through the total's first point.
fn svg(args: &Args, points: &[Vec<Option<Point>>]) -> String {
    let (w, h) = (720.0, 460.0);
    let (left, right, top, bottom) = (70.0, 210.0, 40.0, 50.0);
    let all: Vec<f64> = points
        .iter()
        .flatten()
        .flatten()
        .map(|p| p.seconds)
        .filter(|s| *s > 0.0)
        .collect();
    let lo = all
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
        .log10()
        .floor();
    let hi = all.iter().copied().fold(0.0, f64::max).log10().ceil();
    let (xmin, xmax) = (
        (*args.sizes.first().unwrap_or(&1) as f64).log10(),
        (*args.sizes.last().unwrap_or(&10) as f64).log10(),
    );
    let x = |n: f64| left + (n.log10() - xmin) / (xmax - xmin).max(1e-9) * (w - left - right);
    let y = |s: f64| top + (hi - s.log10()) / (hi - lo).max(1e-9) * (h - top - bottom);
    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(o, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        o,
        r#"<text x="{left}" y="22" font-size="14">plan {}: time against network size (log-log; parallel to the dashed line = linear)</text>"#,
        args.plan
    );
    // Axes and grid.
    let mut e = lo as i32;
    while e <= hi as i32 {
        let s = 10f64.powi(e);
        let yy = y(s);
        let _ = writeln!(
            o,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            w - right,
            left - 6.0,
            yy + 4.0,
            if e < 0 {
                format!("{s:.*} s", e.unsigned_abs() as usize)
            } else {
                format!("{s:.0} s")
            }
        );
        e += 1;
    }
    for n in &args.sizes {
        let xx = x(*n as f64);
        let _ = writeln!(
            o,
            r##"<line x1="{xx:.1}" y1="{top}" x2="{xx:.1}" y2="{:.1}" stroke="#ddd"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            h - bottom,
            h - bottom + 18.0,
            thousands(*n)
        );
    }
    let _ = writeln!(
        o,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">members</text>"#,
        (left + w - right) / 2.0,
        h - 12.0
    );
    // Linear growth through the total's first point.
    if let Some(first) = points.first().and_then(|p| p.get(3).copied().flatten()) {
        let n0 = *args.sizes.first().unwrap_or(&1) as f64;
        let n1 = *args.sizes.last().unwrap_or(&1) as f64;
        let s1 = first.seconds * n1 / n0;
        let _ = writeln!(
            o,
            r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="6 4"/>"##,
            x(n0),
            y(first.seconds),
            x(n1),
            y(s1)
        );
    }
    for (i, ((_, label), colour)) in PHASES.iter().zip(COLOURS).enumerate() {
        let series: Vec<(f64, f64)> = args
            .sizes
            .iter()
            .zip(points)
            .filter_map(|(n, at)| at.get(i).copied().flatten().map(|p| (*n as f64, p.seconds)))
            .filter(|(_, s)| *s > 0.0)
            .collect();
        if series.is_empty() {
            continue;
        }
        let path: Vec<String> = series
            .iter()
            .map(|(n, s)| format!("{:.1},{:.1}", x(*n), y(*s)))
            .collect();
        let _ = writeln!(
            o,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
            path.join(" ")
        );
        for (n, s) in &series {
            let _ = writeln!(
                o,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#,
                x(*n),
                y(*s)
            );
        }
        let ly = top + 20.0 * i as f64;
        let _ = writeln!(
            o,
            r#"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{label}</text>"#,
            w - right + 12.0,
            w - right + 32.0,
            w - right + 38.0,
            ly + 4.0
        );
    }
    let ly = top + 20.0 * PHASES.len() as f64;
    let _ = writeln!(
        o,
        r##"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="#999" stroke-dasharray="6 4"/><text x="{:.1}" y="{:.1}">linear growth</text>"##,
        w - right + 12.0,
        w - right + 32.0,
        w - right + 38.0,
        ly + 4.0
    );
    o.push_str("</svg>\n");
    o
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let scale = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("scale")))
        .unwrap_or_else(|| PathBuf::from("scale"));
    let mut points = Vec::new();
    for &n in &args.sizes {
        match measure(&scale, &args, n) {
            Ok(p) => points.push(p),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    print!("{}", table(&args.sizes, &points));
    if let Some(path) = &args.svg {
        if let Err(e) = std::fs::write(path, svg(&args, &points)) {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        eprintln!("chart written to {}", path.display());
    }
    ExitCode::SUCCESS
}
