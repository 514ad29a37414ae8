//! A spinner naming the phase of a long `payplan run`, shown on standard
//! error only once the run has taken [`SHOW_AFTER`].

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Short runs stay silent.
const SHOW_AFTER: Duration = Duration::from_millis(1500);

pub(crate) struct PhaseSpinner {
    bar: Option<ProgressBar>,
}

impl PhaseSpinner {
    /// A spinner that appears after [`SHOW_AFTER`], when `enabled`.
    pub(crate) fn new(enabled: bool) -> Self {
        if !enabled {
            return PhaseSpinner { bar: None };
        }
        let bar = ProgressBar::hidden();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        let shown = bar.clone();
        std::thread::spawn(move || {
            std::thread::sleep(SHOW_AFTER);
            if !shown.is_finished() {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(120));
            }
        });
        PhaseSpinner { bar: Some(bar) }
    }

    pub(crate) fn phase(&self, message: &'static str) {
        if let Some(bar) = &self.bar {
            bar.set_message(message);
        }
    }

    /// Removes the spinner before anything else is written.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
