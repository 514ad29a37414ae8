//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Check and run multi-level-marketing compensation plans";

const LONG_ABOUT: &str = "\
Check and run multi-level-marketing compensation plans.

A plan is a text file in the payplan language that says who is paid what:
ranks, bonuses, caps and rounding. A network is a CSV file with one row per
member (`id`, `sponsor`, `pv`, `cv` and the columns the plan reads).

Example:
  payplan check plans/*.plan
  payplan run plans/unilevel.plan --network network.csv > payouts.csv

Exit status: 0 on success, 2 on any error (a bad command line, a missing or
unreadable file, a plan that does not compile, a refused network).";

const CHECK_ABOUT: &str = "Parse and type-check plans, and report every error and warning";

const CHECK_LONG_ABOUT: &str = "\
Parse and type-check plans, and report every error and warning.

Every plan given is checked, even after one fails. Errors and warnings go to
standard error, with the plan's source line underlined. When every plan
compiles, standard output gets one `PLAN: ok` line per plan (with the number
of warnings, if any) and the exit status is 0; otherwise nothing is written to
standard output and the exit status is 2.

Example:
  payplan check plans/unilevel.plan plans/binary.plan";

const RUN_ABOUT: &str = "Run a plan on a network and print the payouts";

const RUN_LONG_ABOUT: &str = "\
Run a plan on a network and print the payouts.

Standard output gets the payout table, CSV with the header
`member,bonus,amount`: one row per member and bonus whose rounded amount is not
zero, in the order of the network file, then of the plan's bonuses. With
`--format json` it gets the whole outcome (payouts, exported values, totals)
as JSON instead.

The network is checked whole before anything is paid: a refused network, a
plan that does not compile or a file that cannot be read writes a message to
standard error, nothing to standard output, no members file, and exits with
status 2. The plan's warnings go to standard error and do not stop the run.

Example:
  payplan run plans/ranked.plan --network network.csv --members members.csv";

#[derive(Debug, Parser)]
#[command(
    name = "payplan",
    bin_name = "payplan",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    propagate_version = true,
    disable_help_subcommand = true
)]
pub(crate) struct Cli {
    /// When to color messages: `auto` (on a terminal, unless `NO_COLOR` is
    /// set), `always` or `never`
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorWhen::Auto,
        global = true,
        hide_possible_values = true
    )]
    pub color: ColorWhen,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    #[command(about = CHECK_ABOUT, long_about = CHECK_LONG_ABOUT)]
    Check {
        /// The plan files to check
        #[arg(value_name = "PLAN", required = true)]
        plans: Vec<PathBuf>,
    },
    #[command(about = RUN_ABOUT, long_about = RUN_LONG_ABOUT)]
    Run {
        /// The plan file
        #[arg(value_name = "PLAN")]
        plan: PathBuf,

        /// The network: a CSV file with one row per member
        #[arg(long, value_name = "NET.csv")]
        network: PathBuf,

        /// Also write a CSV file with one row per member and the values the
        /// plan exports (only when the whole run succeeds)
        #[arg(long, value_name = "MEMBERS.csv")]
        members: Option<PathBuf>,

        /// The format of standard output
        #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Csv)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// The payout table `member,bonus,amount`
    Csv,
    /// The whole outcome: payouts, exported values and totals
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorWhen {
    /// Color on a terminal, unless `NO_COLOR` is set
    Auto,
    /// Always color
    Always,
    /// Never color
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
