//! `payplan diff`: compare what two versions of a plan pay on one network.

use clap::Args;

use crate::Streams;

#[derive(Debug, Args)]
#[command(about = "Compare what two versions of a plan pay on one network")]
pub(crate) struct DiffArgs {}

pub(crate) fn run(_args: &DiffArgs, streams: &mut Streams<'_>) -> i32 {
    streams.refuse("not built yet", None)
}
