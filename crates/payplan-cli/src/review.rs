//! `payplan review`: report what a plan pays: totals, breakage, income disclosure.

use clap::Args;

use crate::Streams;

#[derive(Debug, Args)]
#[command(about = "Report what a plan pays: totals, breakage, income disclosure")]
pub(crate) struct ReviewArgs {}

pub(crate) fn run(_args: &ReviewArgs, streams: &mut Streams<'_>) -> i32 {
    streams.refuse("not built yet", None)
}
