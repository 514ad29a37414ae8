//! The example plans of `plans/examples/`.

use std::path::PathBuf;

/// `plans/examples/`.
pub fn dir() -> PathBuf {
    super::cases::root().join("plans/examples")
}

/// The stems of every `.plan` file in `plans/examples/`, sorted.
pub fn names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "plan"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}
