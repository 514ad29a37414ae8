//! Running the `payplan` binary as a user does, for the tests of commands.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// What one run of the binary gave.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary without colors in `dir`.
pub fn payplan_in<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_payplan"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .output()
        .expect("the payplan binary runs");
    Output {
        code: out.status.code().expect("payplan exits with a status"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs the binary without colors from the project's root, so that paths
/// in its messages are the short ones of the snapshots.
pub fn payplan<S: AsRef<OsStr>>(args: &[S]) -> Output {
    payplan_in(&super::cases::root(), args)
}

/// Exit 0.
pub fn assert_ok(out: &Output, what: &str) {
    assert_eq!(
        out.code, 0,
        "{what}: exit status\nstdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
}

/// Exit 2, nothing on standard output, and a message on standard error
/// that mentions every one of `words`.
pub fn assert_refused(out: &Output, what: &str, words: &[&str]) {
    assert_eq!(
        out.code, 2,
        "{what}: exit status\nstdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.is_empty(),
        "{what}: stdout should be empty, got:\n{}",
        out.stdout
    );
    assert!(
        !out.stderr.trim().is_empty(),
        "{what}: no message on stderr"
    );
    assert_mentions(out, what, words);
}

/// Standard error mentions every one of `words`.
pub fn assert_mentions(out: &Output, what: &str, words: &[&str]) {
    for word in words {
        assert!(
            out.stderr.contains(word),
            "{what}: stderr should mention {word:?}, got:\n{}",
            out.stderr
        );
    }
}
