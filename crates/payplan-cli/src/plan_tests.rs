//! `payplan test`: run the plan tests written beside plans.

use clap::Args;

use crate::Streams;

#[derive(Debug, Args)]
#[command(about = "Run the plan tests written beside plans")]
pub(crate) struct TestArgs {}

pub(crate) fn run(_args: &TestArgs, streams: &mut Streams<'_>) -> i32 {
    streams.refuse("not built yet", None)
}
