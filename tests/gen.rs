//! `payplan gen` through the binary: every shape, with and without a
//! placement tree and the `new` column, is deterministic, loads as a valid
//! network and runs through the reference plans; chains and stars have their
//! shapes; `gen | run` works end to end; bad arguments exit 2.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const SHAPES: [&str; 5] = ["mlm", "pref", "chain", "star", "broom"];

fn payplan<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payplan"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the payplan binary runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn plan(name: &str) -> payplan::Plan {
    let path = root().join("plans").join(format!("{name}.plan"));
    let source = std::fs::read_to_string(&path).unwrap();
    payplan::Plan::compile(&source, &path.display().to_string())
        .unwrap_or_else(|e| panic!("{name}: {:?}", e.diagnostics))
}

/// Generates a network, returning standard output (the CSV).
fn generate(members: usize, seed: u64, shape: &str, placement: bool, new: bool) -> Vec<u8> {
    let mut args = vec![
        "gen".to_string(),
        "--members".into(),
        members.to_string(),
        "--seed".into(),
        seed.to_string(),
        "--shape".into(),
        shape.into(),
    ];
    if placement {
        args.push("--placement".into());
    }
    if new {
        args.push("--new".into());
    }
    let out = payplan(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{args:?}: quiet when not on a terminal"
    );
    out.stdout
}

/// The sponsor tree read back from the CSV.
struct Tree {
    header: Vec<String>,
    rows: usize,
    roots: usize,
    children: HashMap<String, usize>,
    depth: usize,
}

fn tree(csv: &[u8]) -> Tree {
    let mut reader = csv::Reader::from_reader(csv);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let mut sponsor_of: HashMap<String, Option<String>> = HashMap::new();
    let mut order = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        let id = record[0].to_string();
        let sponsor = (!record[1].is_empty()).then(|| record[1].to_string());
        assert!(
            sponsor_of.insert(id.clone(), sponsor).is_none(),
            "duplicate {id}"
        );
        order.push(id);
    }
    let mut children: HashMap<String, usize> = HashMap::new();
    let mut roots = 0;
    for sponsor in sponsor_of.values() {
        match sponsor {
            Some(s) => {
                assert!(sponsor_of.contains_key(s), "unknown sponsor {s}");
                *children.entry(s.clone()).or_default() += 1;
            }
            None => roots += 1,
        }
    }
    // Depths without recursion: walk up to a known depth, then fill the path.
    let mut depth: HashMap<&str, usize> = HashMap::new();
    for id in &order {
        let mut path = vec![id.as_str()];
        let mut base = None;
        while let Some(&top) = path.last() {
            if let Some(&d) = depth.get(top) {
                base = Some(d);
                path.pop();
                break;
            }
            match &sponsor_of[top] {
                Some(s) => path.push(s.as_str()),
                None => break,
            }
            assert!(path.len() <= order.len() + 1, "cycle at {id}");
        }
        let mut d = base.map_or(0, |d| d + 1);
        while let Some(m) = path.pop() {
            depth.insert(m, d);
            d += 1;
        }
    }
    Tree {
        header,
        rows: order.len(),
        roots,
        children,
        depth: depth.values().copied().max().unwrap_or(0),
    }
}

/// Loads `csv` with each plan that reads its columns and runs it.
fn runs(csv: &[u8], placement: bool, new: bool, dir: &Path, what: &str) {
    let path = dir.join("network.csv");
    std::fs::write(&path, csv).unwrap();
    let mut plans = vec![plan("ranked")];
    if placement {
        plans.push(plan("binary"));
    }
    if new {
        plans.push(plan("hybrid"));
    }
    for plan in plans {
        let network = plan
            .load_network(&path)
            .unwrap_or_else(|e| panic!("{what}: refused: {e}"));
        plan.run(&network)
            .unwrap_or_else(|e| panic!("{what}: does not run: {e}"));
    }
}

#[test]
fn every_shape_is_deterministic_valid_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 2000;
    for shape in SHAPES {
        for (placement, new) in [(false, false), (true, false), (false, true), (true, true)] {
            for seed in [1, 42] {
                let what = format!("{shape} placement={placement} new={new} seed={seed}");
                let a = generate(n, seed, shape, placement, new);
                assert_eq!(
                    a,
                    generate(n, seed, shape, placement, new),
                    "{what}: not deterministic"
                );
                assert_ne!(
                    a,
                    generate(n, seed + 1000, shape, placement, new),
                    "{what}: same for another seed"
                );
                let t = tree(&a);
                assert_eq!(t.rows, n, "{what}");
                let mut expected = vec!["id", "sponsor", "pv", "cv"];
                if placement {
                    expected.extend(["placement", "leg", "carry_left", "carry_right"]);
                }
                if new {
                    expected.push("new");
                }
                assert_eq!(t.header, expected, "{what}");
                match shape {
                    "chain" => assert_eq!((t.roots, t.depth), (1, n - 1), "{what}"),
                    "star" => {
                        assert_eq!((t.roots, t.depth), (1, 1), "{what}");
                        assert_eq!(t.children.len(), 1, "{what}");
                        assert_eq!(t.children.values().next(), Some(&(n - 1)), "{what}");
                    }
                    "broom" => assert_eq!(t.roots, 1, "{what}"),
                    _ => {
                        assert!(t.roots >= 1, "{what}");
                        let most = t.children.values().copied().max().unwrap();
                        assert!(most > 10, "{what}: at most {most} recruits");
                    }
                }
                runs(&a, placement, new, tmp.path(), &what);
            }
        }
    }
}

#[cfg(unix)]
#[test]
fn gen_pipes_into_run() {
    let mut generator = Command::new(env!("CARGO_BIN_EXE_payplan"))
        .args(["gen", "--members", "20000", "--seed", "7"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let network = generator.stdout.take().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_payplan"))
        .arg("run")
        .arg(root().join("plans/ranked.plan"))
        .args(["--network", "/dev/stdin"])
        .stdin(Stdio::from(network))
        .output()
        .unwrap();
    assert!(generator.wait().unwrap().success());
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let payouts = String::from_utf8(run.stdout).unwrap();
    assert!(payouts.starts_with("member,bonus,amount\n"));
    assert!(
        payouts.lines().count() > 100,
        "{} payouts",
        payouts.lines().count()
    );
}

#[test]
fn output_writes_a_file_and_nothing_to_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("net.csv");
    let args = |path: &Path| {
        vec![
            "gen".to_string(),
            "--members".into(),
            "3000".into(),
            "--seed".into(),
            "5".into(),
            "--placement".into(),
            "--output".into(),
            path.display().to_string(),
        ]
    };
    let out = payplan(&args(&path));
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    assert_eq!(
        std::fs::read(&path).unwrap(),
        generate(3000, 5, "mlm", true, false)
    );
    // Only the network is left in the folder (no temporary file).
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);

    let missing = tmp.path().join("no/such/folder/net.csv");
    let out = payplan(&args(&missing));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(!missing.exists());
}

#[test]
fn bad_arguments_exit_2() {
    for (args, words) in [
        (
            &["gen", "--members", "0", "--seed", "1"][..],
            &["--members", "at least 1 member"][..],
        ),
        (&["gen", "--members", "-3", "--seed", "1"], &["--members"]),
        (
            &["gen", "--members", "ten", "--seed", "1"],
            &["not a whole number"],
        ),
        (&["gen", "--members", "10"], &["--seed"]),
        (&["gen", "--seed", "1"], &["--members"]),
        (
            &["gen", "--members", "10", "--seed", "1", "--shape", "tree"],
            &["tree", "mlm"],
        ),
        (&["gen", "--members", "10", "--seed", "x"], &["--seed"]),
    ] {
        let out = payplan(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        for word in words {
            assert!(stderr.contains(word), "{args:?}: {stderr}");
        }
    }
}

#[test]
fn gen_help() {
    let out = payplan(&["gen", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("cli__gen_help", help));
}
