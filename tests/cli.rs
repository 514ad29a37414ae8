//! The `payplan` binary against its contract (spec section 2): every
//! conformance case, every bad network, refusals of files and command lines,
//! the JSON format, and snapshots of the help texts and of a rendered
//! diagnostic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::{Path, PathBuf};

use common::binary::{assert_mentions, assert_refused, payplan, payplan_in};
use common::cases::{cases, compare_members, diff, normalize, plan_path, root, PLANS};
use rust_decimal::Decimal;

fn s(path: &Path) -> String {
    path.display().to_string()
}

// --- conformance -----------------------------------------------------------

#[test]
fn every_conformance_case_through_the_binary() {
    let all = cases();
    assert!(all.len() >= 30, "found only {} cases", all.len());
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (i, case) in all.iter().enumerate() {
        let members = tmp.path().join(format!("members-{i}.csv"));
        let out = payplan(&[
            "run".to_string(),
            s(&plan_path(&case.plan)),
            "--network".into(),
            s(&case.dir.join("network.csv")),
            "--members".into(),
            s(&members),
        ]);
        if out.code != 0 {
            failures.push(format!(
                "{}: exit status {}\n{}",
                case.name, out.code, out.stderr
            ));
            continue;
        }
        let expected = std::fs::read_to_string(case.dir.join("payouts.csv")).unwrap();
        if normalize(&out.stdout) != normalize(&expected) {
            failures.push(format!(
                "{}: payouts differ\n{}",
                case.name,
                diff(&normalize(&expected), &normalize(&out.stdout))
            ));
        }
        let written = std::fs::read_to_string(&members);
        match (
            std::fs::read_to_string(case.dir.join("members.csv")),
            written,
        ) {
            (Ok(expected), Ok(actual)) => {
                if let Err(e) = compare_members(&expected, &actual) {
                    failures.push(format!("{}: members differ: {e}", case.name));
                }
            }
            (_, Err(e)) => failures.push(format!("{}: no members file: {e}", case.name)),
            (Err(_), Ok(_)) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

/// The rows of `expected.csv`: file, accepted line numbers, plans.
fn bad_networks() -> Vec<(PathBuf, Vec<u64>, Vec<&'static str>)> {
    let dir = root().join("tests/conformance/bad-networks");
    let mut reader = csv::Reader::from_path(dir.join("expected.csv")).unwrap();
    let rows: Vec<_> = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            let lines = record[1]
                .split_whitespace()
                .map(|n| n.parse().unwrap())
                .collect();
            let plans = match &record[2] {
                "all" => PLANS.to_vec(),
                "binary" => vec!["binary"],
                other => panic!("unknown plans {other:?} in expected.csv"),
            };
            (dir.join(&record[0]), lines, plans)
        })
        .collect();
    assert!(rows.len() >= 20, "found only {} bad networks", rows.len());
    rows
}

#[test]
fn every_bad_network_is_refused_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let members = tmp.path().join("members.csv");
    let mut failures = Vec::new();
    for (file, lines, plans) in bad_networks() {
        for plan in plans {
            let what = format!(
                "{} with {plan}",
                file.file_name().unwrap().to_string_lossy()
            );
            let out = payplan(&[
                "run".to_string(),
                s(&plan_path(plan)),
                "--network".into(),
                s(&file),
                "--members".into(),
                s(&members),
            ]);
            if out.code != 2 {
                failures.push(format!("{what}: exit status {}", out.code));
            }
            if !out.stdout.is_empty() {
                failures.push(format!("{what}: stdout not empty:\n{}", out.stdout));
            }
            let named: Vec<u64> = out
                .stderr
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse().ok())
                .collect();
            if !lines.iter().any(|line| named.contains(line)) {
                failures.push(format!(
                    "{what}: stderr names none of the lines {lines:?}:\n{}",
                    out.stderr
                ));
            }
            if members.exists() {
                failures.push(format!("{what}: the members file was written"));
                std::fs::remove_file(&members).unwrap();
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_refused_network_leaves_an_existing_members_file_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let members = tmp.path().join("members.csv");
    std::fs::write(&members, "old contents\n").unwrap();
    let out = payplan(&[
        "run".to_string(),
        s(&plan_path("ranked")),
        "--network".into(),
        s(&root().join("tests/conformance/bad-networks/duplicate-id.csv")),
        "--members".into(),
        s(&members),
    ]);
    assert_refused(&out, "duplicate id", &[]);
    assert_mentions(&out, "duplicate id", &["duplicate-id.csv", "line 5", "`B`"]);
    assert_eq!(std::fs::read_to_string(&members).unwrap(), "old contents\n");
    // No temporary file is left behind either.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn the_members_file_replaces_an_old_one_and_leaves_no_temporary_file() {
    let case = cases().into_iter().find(|c| c.plan == "ranked").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let members = tmp.path().join("members.csv");
    std::fs::write(&members, "old contents\n").unwrap();
    let out = payplan(&[
        "run".to_string(),
        s(&plan_path("ranked")),
        "--network".into(),
        s(&case.dir.join("network.csv")),
        "--members".into(),
        s(&members),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let written = std::fs::read_to_string(&members).unwrap();
    assert!(written.starts_with("member,"), "{written}");
    let expected = std::fs::read_to_string(case.dir.join("members.csv")).unwrap();
    compare_members(&expected, &written).unwrap();
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

/// `--payouts FILE` and `--members -`: the payouts go to the file, the
/// members table to standard output; `--payouts -` is standard output.
#[test]
fn payouts_to_a_file_and_members_to_standard_output() {
    let case = cases().into_iter().find(|c| c.plan == "ranked").unwrap();
    let network = s(&case.dir.join("network.csv"));
    let tmp = tempfile::tempdir().unwrap();
    let payouts = tmp.path().join("payouts.csv");
    let args = |extra: &[String]| -> Vec<String> {
        let mut a = vec![
            "run".to_string(),
            s(&plan_path("ranked")),
            "--network".into(),
            network.clone(),
        ];
        a.extend_from_slice(extra);
        a
    };
    let plain = payplan(&args(&[]));
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let out = payplan(&args(&[
        "--payouts".into(),
        s(&payouts),
        "--members".into(),
        "-".into(),
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let expected = std::fs::read_to_string(case.dir.join("members.csv")).unwrap();
    compare_members(&expected, &out.stdout).unwrap();
    assert_eq!(std::fs::read_to_string(&payouts).unwrap(), plain.stdout);
    let dash = payplan(&args(&["--payouts".into(), "-".into()]));
    assert_eq!((dash.code, dash.stdout), (0, plain.stdout));
}

/// A payouts file that cannot be written leaves the members file as it
/// was: both are written, or neither.
#[test]
fn a_payouts_file_that_cannot_be_written_leaves_the_members_file_alone() {
    let case = cases().into_iter().find(|c| c.plan == "ranked").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let members = tmp.path().join("members.csv");
    std::fs::write(&members, "old contents\n").unwrap();
    let payouts = tmp.path().join("payouts");
    std::fs::create_dir(&payouts).unwrap();
    let out = payplan(&[
        "run".to_string(),
        s(&plan_path("ranked")),
        "--network".into(),
        s(&case.dir.join("network.csv")),
        "--members".into(),
        s(&members),
        "--payouts".into(),
        s(&payouts),
    ]);
    assert_refused(&out, "cannot write", &[]);
    assert_mentions(&out, "cannot write", &["payouts", "directory"]);
    assert_eq!(std::fs::read_to_string(&members).unwrap(), "old contents\n");
    // The members file and the payouts folder: no temporary file is left.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 2);
}

/// Two outputs to standard output are refused before anything runs.
#[test]
fn two_outputs_to_standard_output_are_refused() {
    let case = cases().into_iter().find(|c| c.plan == "ranked").unwrap();
    for extra in [
        &["--members", "-"][..],
        &["--payouts", "-", "--members", "-"],
    ] {
        let mut args = vec![
            "run".to_string(),
            s(&plan_path("ranked")),
            "--network".into(),
            s(&case.dir.join("network.csv")),
        ];
        args.extend(extra.iter().map(|x| x.to_string()));
        let out = payplan(&args);
        assert_eq!(out.code, 2, "{extra:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        assert!(
            out.stderr
                .contains("the payouts and the members table cannot both go to standard output"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("--payouts payouts.csv"),
            "{}",
            out.stderr
        );
    }
}

/// `gen --output -` writes the network to standard output, as without it.
#[test]
fn gen_output_dash_is_standard_output() {
    let gen = |extra: &[&str]| {
        let mut args = vec!["gen", "--members", "50", "--seed", "3"];
        args.extend_from_slice(extra);
        payplan(&args)
    };
    let plain = gen(&[]);
    let dash = gen(&["--output", "-"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(plain.stdout.starts_with("id,sponsor"), "{}", plain.stdout);
    assert_eq!((dash.code, dash.stdout), (0, plain.stdout));
    assert!(!Path::new("-").exists());
}

/// The largest amount a decimal holds, with four decimal places, is
/// written whole (it is longer than `Decimal`'s own formatting allows).
#[test]
fn a_huge_amount_with_four_places_is_written_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("huge.plan");
    std::fs::write(
        &plan,
        "plan \"Huge\"\ncurrency USD\nrounding 4 half_even\n\ninput cv: money\n\nbonus personal\n  pays cv\n",
    )
    .unwrap();
    let network = tmp.path().join("net.csv");
    std::fs::write(
        &network,
        "id,sponsor,cv\nA,,79228162514264337593543950335\nB,A,0\n",
    )
    .unwrap();
    let out = payplan(&["run", &s(&plan), "--network", &s(&network)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "member,bonus,amount\nA,personal,79228162514264337593543950335.0000\n"
    );
}

#[test]
fn json_payouts_agree_with_the_csv_run() {
    let mut checked = 0;
    for case in cases() {
        let args = |format: &str| {
            vec![
                "run".to_string(),
                s(&plan_path(&case.plan)),
                "--network".into(),
                s(&case.dir.join("network.csv")),
                "--format".into(),
                format.into(),
            ]
        };
        let csv_out = payplan(&args("csv"));
        let json_out = payplan(&args("json"));
        assert_eq!(csv_out.code, 0, "{}: {}", case.name, csv_out.stderr);
        assert_eq!(json_out.code, 0, "{}: {}", case.name, json_out.stderr);
        let json: serde_json::Value = serde_json::from_str(&json_out.stdout)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", case.name));
        let mut from_json = String::from("member,bonus,amount\n");
        for payout in json["payouts"].as_array().expect("a payouts array") {
            let amount = match &payout["amount"] {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let amount: Decimal = amount.parse().unwrap();
            from_json.push_str(&format!(
                "{},{},{:.2}\n",
                payout["member"].as_str().unwrap(),
                payout["bonus"].as_str().unwrap(),
                amount
            ));
        }
        // Ids in the conformance networks need no CSV quoting.
        assert_eq!(
            from_json,
            normalize(&csv_out.stdout),
            "{}: JSON and CSV payouts differ",
            case.name
        );
        assert!(json["totals"].is_object(), "{}: no totals", case.name);
        checked += 1;
    }
    assert!(checked >= 30);
}

// --- refusals ----------------------------------------------------------------

fn some_network() -> PathBuf {
    root().join("tests/conformance/unilevel/levels-and-threshold/network.csv")
}

#[test]
fn a_missing_plan_file_is_refused() {
    let out = payplan(&[
        "run".to_string(),
        "no-such-plan.plan".into(),
        "--network".into(),
        s(&some_network()),
    ]);
    assert_refused(&out, "missing plan", &[]);
    assert_mentions(
        &out,
        "missing plan",
        &["`no-such-plan.plan`", "no such file"],
    );
    let out = payplan(&["check", "no-such-plan.plan"]);
    assert_refused(&out, "check of a missing plan", &[]);
    assert_mentions(&out, "check of a missing plan", &["`no-such-plan.plan`"]);
}

#[test]
fn a_missing_network_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let members = tmp.path().join("members.csv");
    let out = payplan(&[
        "run".to_string(),
        s(&plan_path("unilevel")),
        "--network".into(),
        "no-such-network.csv".into(),
        "--members".into(),
        s(&members),
    ]);
    assert_refused(&out, "missing network", &[]);
    assert_mentions(
        &out,
        "missing network",
        &["`no-such-network.csv`", "no such file"],
    );
    assert!(!members.exists());
}

#[test]
fn a_directory_is_refused_as_a_plan_or_a_network() {
    let tmp = tempfile::tempdir().unwrap();
    let out = payplan(&[
        "run".to_string(),
        s(&plan_path("unilevel")),
        "--network".into(),
        s(tmp.path()),
    ]);
    assert_refused(&out, "directory as network", &[]);
    assert_mentions(&out, "directory as network", &["directory", &s(tmp.path())]);

    let out = payplan(&[
        "run".to_string(),
        s(tmp.path()),
        "--network".into(),
        s(&some_network()),
    ]);
    assert_refused(&out, "directory as plan", &[]);
    assert_mentions(&out, "directory as plan", &["directory", &s(tmp.path())]);

    let out = payplan(&["check".to_string(), s(tmp.path())]);
    assert_refused(&out, "check of a directory", &[]);
    assert_mentions(&out, "check of a directory", &["directory"]);
}

#[test]
fn a_directory_is_refused_as_the_members_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = payplan(&[
        "run".to_string(),
        s(&plan_path("unilevel")),
        "--network".into(),
        s(&some_network()),
        "--members".into(),
        s(tmp.path()),
    ]);
    assert_refused(&out, "directory as members file", &[]);
    assert_mentions(
        &out,
        "directory as members file",
        &["cannot write", "directory"],
    );
}

const BROKEN_PLAN: &str = r#"plan "Broken"
currency USD
rounding 2 half_even

input pv: volume
input cv: money

let active = pv >= 100

bonus unilevel
  when actve
  pays sum(cv over levels 1..2 at 10%, 5%)

bonus retail
  when pv
  pays 10% of cv
"#;

#[test]
fn an_unparsable_plan_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("syntax.plan");
    std::fs::write(
        &plan,
        "plan \"x\"\ncurrency USD\nrounding 2 half_even\ninput cv: money\nbonus b pays 20% of (cv\n",
    )
    .unwrap();
    let members = tmp.path().join("members.csv");
    let out = payplan(&[
        "run".to_string(),
        s(&plan),
        "--network".into(),
        s(&some_network()),
        "--members".into(),
        s(&members),
    ]);
    assert_refused(&out, "unparsable plan", &[]);
    assert_mentions(&out, "unparsable plan", &["error", "syntax.plan:"]);
    assert!(!members.exists());
}

#[test]
fn a_plan_that_does_not_check_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("broken.plan");
    std::fs::write(&plan, BROKEN_PLAN).unwrap();
    let out = payplan(&[
        "run".to_string(),
        s(&plan),
        "--network".into(),
        s(&some_network()),
    ]);
    assert_refused(&out, "plan with an unknown name", &[]);
    assert_mentions(
        &out,
        "plan with an unknown name",
        &[
            "error: unknown name `actve`",
            "broken.plan:11:8",
            "`active`",
        ],
    );
}

#[test]
fn bad_command_lines_exit_2() {
    let plan = s(&plan_path("unilevel"));
    let network = s(&some_network());
    let cases: Vec<(Vec<String>, &[&str])> = vec![
        (vec![], &["Usage"]),
        (vec!["frobnicate".into()], &["frobnicate"]),
        (
            vec![
                "run".into(),
                plan.clone(),
                "--network".into(),
                network.clone(),
                "--frobnicate".into(),
            ],
            &["--frobnicate"],
        ),
        (vec!["run".into(), plan.clone()], &["--network"]),
        (
            vec!["run".into(), "--network".into(), network.clone()],
            &["PLAN"],
        ),
        (
            vec![
                "run".into(),
                plan.clone(),
                "--network".into(),
                network.clone(),
                "--format".into(),
                "xml".into(),
            ],
            &["xml", "--format"],
        ),
        (vec!["run".into(), plan, "--network".into()], &["--network"]),
        (vec!["check".into()], &["PLAN"]),
    ];
    for (args, words) in cases {
        let what = format!("payplan {}", args.join(" "));
        let out = payplan(&args);
        assert_refused(&out, &what, &[]);
        assert_mentions(&out, &what, words);
        assert!(out.stderr.contains("error"), "{what}: {}", out.stderr);
    }
}

#[test]
fn help_and_version_exit_0() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["run", "--help"],
        &["check", "-h"],
    ] {
        let out = payplan(args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(out.stdout.contains("Usage: payplan"), "{args:?}");
        assert!(out.stderr.is_empty(), "{args:?}");
    }
    let out = payplan(&["--version"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout.trim(),
        format!("payplan {}", env!("CARGO_PKG_VERSION"))
    );
}

// --- check -----------------------------------------------------------------

#[test]
fn every_reference_plan_checks() {
    let mut args = vec!["check".to_string()];
    args.extend(PLANS.iter().map(|p| format!("plans/{p}.plan")));
    let out = payplan_in(&root(), &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for plan in PLANS {
        assert!(
            out.stdout.contains(&format!("plans/{plan}.plan: ok")),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn check_reports_every_plan_and_fails_if_one_fails() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("broken.plan"), BROKEN_PLAN).unwrap();
    std::fs::copy(plan_path("unilevel"), tmp.path().join("good.plan")).unwrap();
    let out = payplan_in(
        tmp.path(),
        &["check", "broken.plan", "good.plan", "missing.plan"],
    );
    assert_refused(&out, "check with broken plans", &[]);
    assert_mentions(
        &out,
        "check with broken plans",
        &[
            "unknown name `actve`",
            "cannot read `missing.plan`",
            "2 of 3 plans do not compile",
        ],
    );
}

#[test]
fn warnings_go_to_stderr_and_do_not_fail_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("warn.plan");
    std::fs::write(
        &plan,
        "plan \"w\"\ncurrency USD\nrounding 2 half_even\ninput pv: volume\ninput cv: money\nbonus b pays 120% of cv\n",
    )
    .unwrap();
    let network = tmp.path().join("net.csv");
    std::fs::write(&network, "id,sponsor,pv,cv\nA,,1,2\n").unwrap();
    let out = payplan(&["run".to_string(), s(&plan), "--network".into(), s(&network)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "member,bonus,amount\nA,b,2.40\n");
    assert_mentions(&out, "warning", &["warning:", "120%"]);

    let out = payplan(&["check".to_string(), s(&plan)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("ok, 1 warning"), "{}", out.stdout);
}

// --- closed pipes and hostile input ------------------------------------------

/// Runs the binary from the project's root, reads one line of its standard
/// output, closes the pipe, and returns the exit status and standard error.
fn run_and_close_after_one_line(args: &[String]) -> (i32, String) {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_payplan"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the payplan binary runs");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(!line.is_empty(), "{args:?}: no output");
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().expect("an exit status"), stderr)
}

#[test]
fn a_closed_pipe_ends_a_command_silently_with_success() {
    // `payplan run ... | head -1`, on the example and on a network whose
    // payouts are larger than a pipe holds (so that writing them fails).
    let tmp = tempfile::tempdir().unwrap();
    let network = tmp.path().join("network.csv");
    let options = payplan_gen::GenOptions {
        members: 100_000,
        seed: 7,
        shape: payplan_gen::Shape::Mlm,
        placement: false,
        new: false,
        joined: false,
    };
    let mut csv = Vec::new();
    payplan_gen::generate(&options, &mut csv, &mut |_| {}).unwrap();
    std::fs::write(&network, csv).unwrap();
    for net in ["examples/network.csv".to_string(), s(&network)] {
        let args = ["run", "plans/ranked.plan", "--network", &net].map(String::from);
        let (code, stderr) = run_and_close_after_one_line(&args);
        assert_eq!((code, stderr.as_str()), (0, ""), "run on {net}");
    }
    let args = ["gen", "--members", "200000", "--seed", "1", "--quiet"].map(String::from);
    let (code, stderr) = run_and_close_after_one_line(&args);
    assert_eq!((code, stderr.as_str()), (0, ""), "gen");
}

#[test]
fn check_shows_a_window_of_a_megabyte_line_and_no_raw_control_character() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = format!(
        "plan \"x\"\ncurrency USD\nrounding 2 half_even\ninput pv: volume\nlet a = pv{}\0\n",
        " ".repeat(1 << 20)
    );
    std::fs::write(tmp.path().join("long.plan"), &plan).unwrap();
    let out = payplan_in(tmp.path(), &["check", "long.plan"]);
    assert_refused(&out, "a megabyte line", &["found `\\0`"]);
    assert!(out.stderr.len() < 2_000, "{} bytes", out.stderr.len());
    assert!(!out.stderr.contains('\0'), "{}", out.stderr);
    let column = plan.lines().nth(4).unwrap().find('\0').unwrap() + 1;
    assert_mentions(
        &out,
        "a megabyte line",
        &[&format!("long.plan:5:{column}"), "…"],
    );
}

#[test]
fn a_network_with_an_unclosed_quote_or_a_cell_not_utf8_is_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let open = tmp.path().join("open.csv");
    std::fs::write(
        &open,
        "id,sponsor,pv,cv\nA,,100,50\nB,A,\"100,50\nC,A,1,2\n",
    )
    .unwrap();
    let out = payplan(&[
        "run".to_string(),
        s(&plan_path("unilevel")),
        "--network".into(),
        s(&open),
    ]);
    assert_refused(
        &out,
        "an unclosed quote",
        &[
            "line 3: the quote that opens the cell in column `pv` is never closed",
            "help:",
        ],
    );
    let bytes = tmp.path().join("bytes.csv");
    std::fs::write(&bytes, b"id,sponsor,pv,cv\nA,,1\xff0,50\n").unwrap();
    let out = payplan(&[
        "run".to_string(),
        s(&plan_path("unilevel")),
        "--network".into(),
        s(&bytes),
    ]);
    assert_refused(
        &out,
        "a cell not UTF-8",
        &["line 2: the cell in column `pv` is not UTF-8 text: `1\\xff0`"],
    );
    assert!(!out.stderr.contains('\u{fffd}'), "{}", out.stderr);
}

// --- snapshots ---------------------------------------------------------------

#[test]
fn help_texts() {
    for (name, args) in [
        ("help", &["--help"][..]),
        ("check_help", &["check", "--help"]),
        ("run_help", &["run", "--help"]),
    ] {
        let out = payplan(args);
        assert_eq!(out.code, 0);
        insta::assert_snapshot!(name, out.stdout);
    }
}

#[test]
fn check_renders_a_broken_plan() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("broken.plan"), BROKEN_PLAN).unwrap();
    let out = payplan_in(tmp.path(), &["check", "broken.plan"]);
    assert_refused(&out, "check of a broken plan", &[]);
    assert!(!out.stderr.contains('\u{1b}'), "colored: {}", out.stderr);
    insta::assert_snapshot!("check_broken_plan", out.stderr);
}
