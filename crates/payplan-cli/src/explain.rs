//! `payplan explain`: explain every amount of one member.

use clap::Args;

use crate::Streams;

#[derive(Debug, Args)]
#[command(about = "Explain every amount of one member")]
pub(crate) struct ExplainArgs {}

pub(crate) fn run(_args: &ExplainArgs, streams: &mut Streams<'_>) -> i32 {
    streams.refuse("not built yet", None)
}
