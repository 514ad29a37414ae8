//! `payplan gen`: writes a generated network to standard output or,
//! atomically, to a file, with a progress bar on a terminal.

use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{HumanDuration, ProgressBar, ProgressDrawTarget, ProgressStyle};
use payplan_gen::{GenOptions, Progress, Stage};

use crate::{io_reason, write_atomically_with, Streams, EXIT_OK};

/// How long the work runs before a progress bar shows.
const QUIET_FOR: Duration = Duration::from_millis(1500);

/// `payplan gen ...`: generates the network into `output` (or standard
/// output), with a progress bar on standard error when `progress` is set.
pub(crate) fn generate(
    options: &GenOptions,
    output: Option<&Path>,
    progress: bool,
    streams: &mut Streams<'_>,
) -> i32 {
    let mut bar = LazyBar::new(progress);
    let mut report = |p: Progress| bar.update(p);
    let status = match output {
        Some(path) => match write_atomically_with(path, &mut |file| {
            payplan_gen::generate(options, file, &mut report)
        }) {
            Ok(()) => EXIT_OK,
            Err(message) => {
                bar.clear();
                return streams.refuse(&message, None);
            }
        },
        None => match payplan_gen::generate(options, streams.stdout, &mut report) {
            Ok(()) => EXIT_OK,
            // The reader went away (`payplan gen ... | head`): it has read
            // all it wanted, which is no error of the user's.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
            Err(e) => {
                bar.clear();
                return streams.refuse(
                    &format!("cannot write to standard output: {}", io_reason(&e)),
                    None,
                );
            }
        },
    };
    bar.clear();
    status
}

/// A progress bar that shows only once the work has taken [`QUIET_FOR`].
struct LazyBar {
    enabled: bool,
    start: Instant,
    bar: Option<ProgressBar>,
}

impl LazyBar {
    fn new(enabled: bool) -> Self {
        Self {
            enabled,
            start: Instant::now(),
            bar: None,
        }
    }

    fn update(&mut self, progress: Progress) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.start.elapsed() >= QUIET_FOR {
            // Hidden until it has its style and position.
            let bar = ProgressBar::hidden().with_elapsed(self.start.elapsed());
            bar.set_length(progress.total);
            if let Ok(style) = ProgressStyle::with_template(
                "{prefix:>9} [{bar:40}] {percent:>3}% {elapsed:>4} {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_prefix(match progress.stage {
                Stage::Sponsors => "sponsors",
                Stage::Placement => "placement",
                Stage::Rows => "rows",
            });
            bar.set_position(progress.done);
            // The time left at the average pace so far (the units are
            // weighted to take about the same time).
            if progress.done > 0 {
                let elapsed = self.start.elapsed();
                let left = elapsed.mul_f64(
                    progress.total.saturating_sub(progress.done) as f64 / progress.done as f64,
                );
                bar.set_message(format!("(about {} left)", HumanDuration(left)));
            }
            if bar.is_hidden() {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
        }
    }

    fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
