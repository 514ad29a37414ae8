//! The conformance cases in tests/conformance and how to compare with them.

use std::path::{Path, PathBuf};

pub struct Case {
    pub plan: String,
    pub name: String,
    pub dir: PathBuf,
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

pub fn plan_path(plan: &str) -> PathBuf {
    root().join("plans").join(format!("{plan}.plan"))
}

/// The example network `plan` runs on: `examples/<plan>-network.csv`
/// where the plan reads columns `examples/network.csv` lacks (the matrix's
/// `joined`), else `examples/network.csv`.
pub fn example_network_path(plan: &str) -> PathBuf {
    let own = root().join(format!("examples/{plan}-network.csv"));
    if own.exists() {
        own
    } else {
        root().join("examples/network.csv")
    }
}

/// Compiles `plans/<plan>.plan`.
pub fn plan(plan: &str) -> payplan::Plan {
    let path = plan_path(plan);
    let text = std::fs::read_to_string(&path).unwrap();
    payplan::Plan::compile(&text, &path.display().to_string()).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The six reference plans, in the spec's order.
pub const PLANS: [&str; 6] = [
    "unilevel",
    "unilevel_compressed",
    "ranked",
    "breakaway",
    "binary",
    "hybrid",
];

/// The reference plans of tests/conformance-v2 whose cases have the
/// layout of tests/conformance (`network.csv`, `payouts.csv`, `members.csv`).
pub const PLANS_V2: [&str; 1] = ["matrix"];

/// Every `<plan>/<case>/` folder of tests/conformance, then of the
/// version-2 plans of tests/conformance-v2 with the same layout.
pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (base, plans) in [
        (root().join("tests/conformance"), &PLANS[..]),
        (root().join("tests/conformance-v2"), &PLANS_V2[..]),
    ] {
        cases_in(&base, plans, &mut out);
    }
    out
}

fn cases_in(base: &Path, plans: &[&str], out: &mut Vec<Case>) {
    for &plan in plans {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(base.join(plan))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("network.csv").exists())
            .collect();
        dirs.sort();
        for dir in dirs {
            let name = format!("{plan}/{}", dir.file_name().unwrap().to_string_lossy());
            out.push(Case {
                plan: plan.to_string(),
                name,
                dir,
            });
        }
    }
}

/// LF line endings and a final newline.
pub fn normalize(s: &str) -> String {
    let mut t = s.replace("\r\n", "\n");
    if !t.ends_with('\n') {
        t.push('\n');
    }
    t
}

/// The first lines where two tables differ.
pub fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut out = Vec::new();
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (
            e.get(i).copied().unwrap_or("<none>"),
            a.get(i).copied().unwrap_or("<none>"),
        );
        if x != y {
            out.push(format!("  line {}: expected {x:?}, got {y:?}", i + 1));
            if out.len() >= 8 {
                break;
            }
        }
    }
    out.join("\n")
}

/// A CSV table as its header and rows of text (a leading BOM is dropped).
pub fn read_table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Compares a members table by column name, as the conformance README says.
pub fn compare_members(expected: &str, actual: &str) -> Result<(), String> {
    let (eh, er) = read_table(expected);
    let (ah, ar) = read_table(actual);
    if er.len() != ar.len() {
        return Err(format!("{} rows expected, {} found", er.len(), ar.len()));
    }
    for (ei, col) in eh.iter().enumerate() {
        let ai = ah
            .iter()
            .position(|c| c == col)
            .ok_or_else(|| format!("no column `{col}`"))?;
        for (row, (e, a)) in er.iter().zip(&ar).enumerate() {
            if e[ei] != a[ai] {
                return Err(format!(
                    "row {} column {col}: expected {:?}, found {:?}",
                    row + 2,
                    e[ei],
                    a[ai]
                ));
            }
        }
    }
    Ok(())
}
