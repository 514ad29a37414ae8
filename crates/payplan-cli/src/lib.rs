//! payplan's command line: check and run plans, generate networks, render
//! diagnostics.
//!
//! The `payplan` binary is `std::process::exit(payplan_cli::main())`; [`run`]
//! does the same work in-process, on any writers, for tests and hosts.
//!
//! ```
//! let mut out = Vec::new();
//! let mut err = Vec::new();
//! let code = payplan_cli::run(["payplan", "--version"], &mut out, &mut err);
//! assert_eq!(code, 0);
//! assert!(String::from_utf8(out).unwrap().starts_with("payplan "));
//! ```

mod args;
mod diff;
mod excerpt;
mod explain;
mod gen;
mod plan_tests;
mod progress;
mod render;
mod review;
mod review_html;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::Path;

use clap::Parser;
use payplan::{Network, NetworkError, Plan};

use args::{Cli, ColorWhen, Command, Format};
pub use render::render_diagnostics;

/// The exit status of success.
pub const EXIT_OK: i32 = 0;
/// The exit status of `payplan test` when a plan test fails.
pub const EXIT_TEST_FAILED: i32 = 1;
/// The exit status of every refusal: a bad command line, a file that cannot
/// be read, a plan that does not compile, a refused network.
pub const EXIT_REFUSED: i32 = 2;

/// Runs `payplan` with the process's arguments and standard streams, and
/// returns the exit status.
///
/// Messages are colored when standard error is a terminal and `NO_COLOR` is
/// not set (or with `--color always`).
pub fn main() -> i32 {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let terminal = Terminal {
        stdout: !no_color && stdout.is_terminal(),
        stderr: !no_color && stderr.is_terminal(),
        stdout_tty: stdout.is_terminal(),
        stderr_tty: stderr.is_terminal(),
    };
    // Standard error stays unlocked: a progress display draws on it from
    // its own thread.
    run_on(
        std::env::args_os(),
        &mut stdout.lock(),
        &mut std::io::stderr(),
        terminal,
    )
}

/// Runs `payplan` with `args` (the first one is the program name), writing to
/// `stdout` and `stderr`, and returns the exit status: 0 on success, 1 when a
/// plan test fails, 2 on any error (see [`EXIT_REFUSED`]).
///
/// Standard output is written only when the command succeeds. The writers are
/// not terminals, so nothing is colored unless `--color always` is given.
pub fn run<I, T>(args: I, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    run_on(args, stdout, stderr, Terminal::default())
}

/// Which of the two streams colors may be written to in `--color auto` mode,
/// and which are terminals (where a progress bar may show).
#[derive(Debug, Clone, Copy, Default)]
struct Terminal {
    stdout: bool,
    stderr: bool,
    stdout_tty: bool,
    stderr_tty: bool,
}

/// The output streams of one command.
struct Streams<'a> {
    stdout: &'a mut dyn Write,
    stderr: &'a mut dyn Write,
    color: bool,
    /// A progress display to clear before anything else is written.
    progress: Option<progress::PhaseSpinner>,
}

impl Streams<'_> {
    fn clear_progress(&mut self) {
        if let Some(p) = self.progress.take() {
            p.finish();
        }
    }

    /// Writes to standard error; a failure there has nowhere to be reported.
    fn note(&mut self, text: &str) {
        self.clear_progress();
        let _ = self.stderr.write_all(text.as_bytes());
        let _ = self.stderr.flush();
    }

    /// Names the phase a long run is in.
    fn phase(&self, message: &'static str) {
        if let Some(p) = &self.progress {
            p.phase(message);
        }
    }

    /// Reports an error and returns the refusal status.
    fn refuse(&mut self, message: &str, help: Option<&str>) -> i32 {
        let text = render::render_error(message, help, self.color);
        self.note(&text);
        EXIT_REFUSED
    }

    /// Writes the whole of standard output at once; a reader that went
    /// away (a closed pipe) ends the command silently, with success.
    fn output(&mut self, text: &str) -> i32 {
        self.clear_progress();
        let written = self
            .stdout
            .write_all(text.as_bytes())
            .and_then(|()| self.stdout.flush());
        match written {
            Ok(()) => EXIT_OK,
            // The reader went away (`payplan run ... | head`): it has read
            // all it wanted, which is no error of the user's.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
            Err(e) => self.refuse(
                &format!("cannot write to standard output: {}", io_reason(&e)),
                None,
            ),
        }
    }
}

fn run_on<I, T>(args: I, stdout: &mut dyn Write, stderr: &mut dyn Write, terminal: Terminal) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let rendered = e.render();
            let (stream, color): (&mut dyn Write, bool) = if e.use_stderr() {
                (stderr, terminal.stderr)
            } else {
                (stdout, terminal.stdout)
            };
            let text = if color {
                rendered.ansi().to_string()
            } else {
                rendered.to_string()
            };
            let _ = stream.write_all(text.as_bytes());
            let _ = stream.flush();
            return e.exit_code();
        }
    };
    let color = match cli.color {
        ColorWhen::Auto => terminal.stderr,
        ColorWhen::Always => true,
        ColorWhen::Never => false,
    };
    let mut streams = Streams {
        stdout,
        stderr,
        color,
        progress: None,
    };
    match cli.command {
        Command::Check { plans } => check(&plans, &mut streams),
        Command::Run {
            plan,
            network,
            payouts,
            members,
            format,
            quiet,
        } => {
            let outputs = RunOutputs {
                payouts: file_path(payouts.as_deref()),
                members: members.as_deref().map(|p| file_path(Some(p))),
            };
            if outputs.payouts.is_none() && outputs.members == Some(None) {
                return streams.refuse(
                    "the payouts and the members table cannot both go to standard output",
                    Some("write one of them to a file: `--payouts payouts.csv --members -`, or `--members members.csv`"),
                );
            }
            streams.progress = Some(progress::PhaseSpinner::new(!quiet && terminal.stderr_tty));
            let status = run_plan(&plan, &network, &outputs, format, &mut streams);
            streams.clear_progress();
            status
        }
        Command::Gen {
            members,
            seed,
            shape,
            placement,
            new,
            joined,
            output,
            quiet,
        } => {
            let options = payplan_gen::GenOptions {
                members,
                seed,
                shape: shape.into(),
                placement,
                new,
                joined,
            };
            // A bar on standard error, unless the network itself goes to
            // the same terminal.
            let output = file_path(output.as_deref());
            let progress =
                !quiet && terminal.stderr_tty && (output.is_some() || !terminal.stdout_tty);
            gen::generate(&options, output, progress, &mut streams)
        }
        Command::Explain(args) => explain::run(&args, &mut streams),
        Command::Test(args) => plan_tests::run(&args, &mut streams),
        Command::Diff(args) => diff::run(&args, &mut streams),
        Command::Review(args) => review::run(&args, &mut streams),
    }
}

/// `payplan check PLAN...`
fn check(plans: &[std::path::PathBuf], streams: &mut Streams<'_>) -> i32 {
    let mut report = String::new();
    let mut failed = Vec::new();
    for path in plans {
        match compile(path, streams) {
            Ok(plan) => {
                let line = match plan.warnings().len() {
                    0 => format!("{}: ok\n", path.display()),
                    1 => format!("{}: ok, 1 warning\n", path.display()),
                    n => format!("{}: ok, {n} warnings\n", path.display()),
                };
                report.push_str(&line);
            }
            Err(()) => failed.push(format!("`{}`", path.display())),
        }
    }
    match failed.as_slice() {
        [] => streams.output(&report),
        [one] => streams.refuse(&format!("{one} does not compile"), None),
        more => streams.refuse(
            &format!(
                "{} of {} plans do not compile: {}",
                more.len(),
                plans.len(),
                more.join(", ")
            ),
            None,
        ),
    }
}

/// An output path as given: `-` is standard output (`None`).
fn file_path(path: Option<&Path>) -> Option<&Path> {
    path.filter(|p| *p != Path::new("-"))
}

/// Where `payplan run` writes: a file, or standard output (`None`).
struct RunOutputs<'a> {
    payouts: Option<&'a Path>,
    /// `None` for no members table, `Some(None)` for standard output.
    members: Option<Option<&'a Path>>,
}

/// `payplan run PLAN --network NET.csv [--payouts FILE] [--members FILE] [--format FORMAT]`
fn run_plan(
    plan_path: &Path,
    network_path: &Path,
    outputs: &RunOutputs<'_>,
    format: Format,
    streams: &mut Streams<'_>,
) -> i32 {
    let Ok(plan) = compile(plan_path, streams) else {
        return EXIT_REFUSED;
    };
    streams.phase("loading the network");
    let Ok(network) = load_network(&plan, network_path, streams) else {
        return EXIT_REFUSED;
    };
    streams.phase("evaluating the plan");
    let run = match plan.evaluate(&network) {
        Ok(run) => run,
        Err(e) => return refuse_evaluation(plan_path, &e, streams),
    };
    streams.phase("writing the payouts");
    // Tables are written from the run in place; JSON needs the owned outcome.
    let mut output = Vec::new();
    let written = match format {
        Format::Csv => run
            .write_payouts_csv(&mut output)
            .map_err(|e| e.to_string()),
        Format::Json => serde_json::to_writer_pretty(&mut output, &run.outcome())
            .map(|()| output.push(b'\n'))
            .map_err(|e| e.to_string()),
    };
    if let Err(e) = written {
        return streams.refuse(&format!("cannot write the outcome: {e}"), None);
    }
    // Both files are written beside their places before either replaces
    // anything: a refusal leaves neither half of the run behind.
    let mut stdout = String::new();
    let mut staged = Vec::new();
    if let Some(members) = outputs.members {
        let mut table = Vec::new();
        if let Err(e) = run.write_members_csv(&mut table) {
            return streams.refuse(&format!("cannot write the members table: {e}"), None);
        }
        match members {
            Some(path) => match stage(path, &mut |file| file.write_all(&table)) {
                Ok(file) => staged.push(file),
                Err(message) => return streams.refuse(&message, None),
            },
            None => stdout = String::from_utf8_lossy(&table).into_owned(),
        }
    }
    match outputs.payouts {
        Some(path) => match stage(path, &mut |file| file.write_all(&output)) {
            Ok(file) => staged.push(file),
            Err(message) => return streams.refuse(&message, None),
        },
        None => stdout = String::from_utf8_lossy(&output).into_owned(),
    }
    for file in staged {
        if let Err(message) = file.commit() {
            return streams.refuse(&message, None);
        }
    }
    streams.output(&stdout)
}

/// Reports why a plan could not be run: at the plan line of the part that
/// failed, like a check diagnostic, when the error has one and the plan
/// can still be read; as a plain message otherwise.
fn refuse_evaluation(plan_path: &Path, e: &payplan::RunError, streams: &mut Streams<'_>) -> i32 {
    let message = format!("cannot run `{}`: {e}", plan_path.display());
    let payplan::RunError::Eval(e) = e else {
        return streams.refuse(&message, e.help().as_deref());
    };
    let (Some(span), Ok(source)) = (e.span(), read_text(plan_path)) else {
        return streams.refuse(&message, e.help().as_deref());
    };
    let diagnostic = payplan::Diagnostic::error(message, span)
        .with_label(e.label().unwrap_or_default())
        .with_help(e.help());
    let name = plan_path.display().to_string();
    let text = render_diagnostics(&name, &source, &[diagnostic], streams.color);
    streams.note(&text);
    EXIT_REFUSED
}

/// Reads and compiles a plan, writing its diagnostics (or why it cannot be
/// read) to standard error.
fn compile(path: &Path, streams: &mut Streams<'_>) -> Result<Plan, ()> {
    let source = match read_text(path) {
        Ok(source) => source,
        Err(message) => {
            streams.refuse(&message, None);
            return Err(());
        }
    };
    let name = path.display().to_string();
    match Plan::compile(&source, &name) {
        Ok(plan) => {
            if !plan.warnings().is_empty() {
                let text = render_diagnostics(&name, &source, plan.warnings(), streams.color);
                streams.note(&text);
            }
            Ok(plan)
        }
        Err(e) => {
            let text =
                render_diagnostics(&e.file_name, &e.source_text, &e.diagnostics, streams.color);
            streams.note(&text);
            Err(())
        }
    }
}

/// Loads a network with a plan's schema, reporting a refusal to standard error.
fn load_network(plan: &Plan, path: &Path, streams: &mut Streams<'_>) -> Result<Network, ()> {
    plan.load_network(path).map_err(|e| {
        let message = network_message(path, &e);
        streams.refuse(&message, e.help().as_deref());
    })
}

/// A text file's contents (without a byte-order mark), or why it cannot be read.
fn read_text(path: &Path) -> Result<String, String> {
    let cannot = |reason: &str| format!("cannot read `{}`: {reason}", path.display());
    let metadata = std::fs::metadata(path).map_err(|e| cannot(&io_reason(&e)))?;
    if metadata.is_dir() {
        return Err(cannot("it is a directory, not a file"));
    }
    let bytes = std::fs::read(path).map_err(|e| cannot(&io_reason(&e)))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        cannot(&format!(
            "it is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// A refused network's message: `NET.csv: line 5: ...`, or the error's own
/// message when it already names the file.
fn network_message(path: &Path, error: &NetworkError) -> String {
    match error {
        NetworkError::FileNotFound { .. }
        | NetworkError::NotAFile { .. }
        | NetworkError::Io { path: Some(_), .. } => error.to_string(),
        _ => format!("{}: {error}", path.display()),
    }
}

/// Writes `text` to `path` through a temporary file in the same folder, so
/// that `path` holds either its old contents or all of `text`.
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    write_atomically_with(path, &mut |file| file.write_all(text.as_bytes()))
}

/// Like [`write_atomically`], with the contents written by `write` (which
/// may stream them): `path` is replaced only when `write` succeeds.
fn write_atomically_with(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    stage(path, write)?.commit()
}

/// An output written in full beside its place, waiting to replace it, so
/// that several outputs of one command are all written or none is.
enum Staged {
    /// A device or a pipe, written in place: there is nothing to replace.
    InPlace,
    /// A temporary file in the folder of `path`, renamed over it on commit.
    File(tempfile::NamedTempFile, std::path::PathBuf),
}

impl Staged {
    /// Puts the staged file in its place.
    fn commit(self) -> Result<(), String> {
        match self {
            Staged::InPlace => Ok(()),
            Staged::File(file, path) => file
                .persist(&path)
                .map(|_| ())
                .map_err(|e| format!("cannot write `{}`: {}", path.display(), io_reason(&e.error))),
        }
    }
}

/// Writes the contents `write` produces for `path` into a temporary file
/// beside it (or in place, for a device or a pipe); [`Staged::commit`]
/// replaces `path`.
fn stage(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<Staged, String> {
    let cannot = |reason: &str| format!("cannot write `{}`: {reason}", path.display());
    if path.is_dir() {
        return Err(cannot("it is a directory, not a file"));
    }
    // A device or a pipe (`/dev/null`, `/dev/stdout`, a named pipe) is
    // written in place: renaming a file over it would replace it.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| cannot(&io_reason(&e)))?;
        return write(&mut file)
            .and_then(|()| file.flush())
            .map(|()| Staged::InPlace)
            .map_err(|e| cannot(&io_reason(&e)));
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".payplan-").suffix(".tmp");
    #[cfg(unix)]
    let permissions = match std::fs::metadata(path) {
        Ok(existing) => existing.permissions(),
        // Like a newly created file: 0o666 less the umask.
        Err(_) => std::os::unix::fs::PermissionsExt::from_mode(0o666),
    };
    #[cfg(unix)]
    builder.permissions(permissions);
    let mut file = builder
        .tempfile_in(folder)
        .map_err(|e| cannot(&io_reason(&e)))?;
    write(file.as_file_mut())
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| cannot(&io_reason(&e)))?;
    Ok(Staged::File(file, path.to_path_buf()))
}

/// An I/O error's reason for people: lowercase, without the OS error number.
fn io_reason(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => return "no such file or directory".to_owned(),
        ErrorKind::PermissionDenied => return "permission denied".to_owned(),
        _ => {}
    }
    let text = error.to_string();
    let text = match text.find(" (os error") {
        Some(cut) => text.get(..cut).unwrap_or(&text).to_owned(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "unknown error".to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run_str(args: &[&str]) -> (i32, String, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = run(args, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn help_and_version_exit_0_on_stdout() {
        let (code, out, err) = run_str(&["payplan", "--help"]);
        assert_eq!(code, 0);
        assert!(out.contains("Usage: payplan"), "{out}");
        assert!(err.is_empty());
        let (code, out, _) = run_str(&["payplan", "run", "--version"]);
        assert_eq!(code, 0);
        assert!(out.starts_with("payplan"), "{out}");
    }

    #[test]
    fn usage_errors_exit_2_on_stderr() {
        for args in [
            &["payplan"][..],
            &["payplan", "frobnicate"],
            &["payplan", "run", "x.plan"],
            &[
                "payplan",
                "run",
                "x.plan",
                "--network",
                "n.csv",
                "--format",
                "xml",
            ],
            &["payplan", "check"],
        ] {
            let (code, out, err) = run_str(args);
            assert_eq!(code, 2, "{args:?}");
            assert!(out.is_empty(), "{args:?}");
            assert!(err.contains("error"), "{args:?}: {err}");
        }
    }

    #[test]
    fn a_missing_plan_is_named() {
        let (code, out, err) = run_str(&["payplan", "check", "/nonexistent/x.plan"]);
        assert_eq!(code, 2);
        assert!(out.is_empty());
        assert!(
            err.contains("cannot read `/nonexistent/x.plan`: no such file or directory"),
            "{err}"
        );
    }

    #[test]
    fn io_reasons_are_lowercase_without_os_numbers() {
        let e = std::io::Error::from_raw_os_error(21);
        let text = io_reason(&e);
        assert!(!text.contains("os error"), "{text}");
        assert!(text.chars().next().unwrap().is_lowercase(), "{text}");
    }

    #[test]
    fn network_messages_name_the_file_once() {
        let path = Path::new("net.csv");
        let e = NetworkError::EmptyInput;
        assert_eq!(
            network_message(path, &e),
            "net.csv: line 1: the file is empty, but it needs a header row"
        );
        let e = NetworkError::FileNotFound {
            path: path.to_path_buf(),
        };
        assert!(network_message(path, &e).starts_with("cannot open `net.csv`"));
    }
}
