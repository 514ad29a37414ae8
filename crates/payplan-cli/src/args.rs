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
  payplan explain plans/ranked.plan --network network.csv --member M0042
  payplan test plans/
  payplan diff plans/ranked.plan new/ranked.plan --network network.csv
  payplan review plans/ranked.plan --network network.csv --html review.html
  payplan gen --members 1000000 --seed 7 --output big.csv

Exit status: 0 on success, 1 when a plan test fails (`payplan test`), 2 on
any error (a bad command line, a missing or unreadable file, a plan that
does not compile, a refused network).";

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
as JSON instead. `--payouts FILE` writes them to a file instead; `--members -`
then writes the members table to standard output. Any output path `-` is
standard output, and only one output may go there.

The network is checked whole before anything is paid: a refused network, a
plan that does not compile or a file that cannot be read writes a message to
standard error, nothing to standard output, no members file, and exits with
status 2. The plan's warnings go to standard error and do not stop the run.

Example:
  payplan run plans/ranked.plan --network network.csv --members members.csv";

const GEN_ABOUT: &str = "Generate a realistic random network for benches, tests and what-if runs";

const GEN_LONG_ABOUT: &str = "\
Generate a realistic random network for benches, tests and what-if runs.

The network is CSV with the header `id,sponsor,pv,cv`, then
`placement,leg,carry_left,carry_right` with `--placement` and `new` with
`--new`; its rows come in a shuffled order. The same arguments give the same
bytes on every machine; another seed gives another network of the same
shape. Many volumes are exactly on common thresholds (0, 50, 100, 200,
1000...); a few are refunds (negative).

It needs about 20 bytes of memory per member, and seconds for 10 million
members. On a terminal, a progress bar shows on standard error when it takes
a while.

Example:
  payplan gen --members 1000000 --seed 7 --placement --output network.csv
  payplan run plans/binary.plan --network network.csv > payouts.csv";

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

        /// Write the payouts (or, with `--format json`, the outcome) to
        /// this file, whole or not at all, instead of standard output; `-`
        /// is standard output
        #[arg(long, value_name = "FILE")]
        payouts: Option<PathBuf>,

        /// Also write a CSV file with one row per member and the values the
        /// plan exports (only when the whole run succeeds); `-` is standard
        /// output, with the payouts sent to a file by `--payouts`
        #[arg(long, value_name = "MEMBERS.csv")]
        members: Option<PathBuf>,

        /// The format of standard output
        #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Csv)]
        format: Format,

        /// Show no progress (it shows on standard error only when that is a
        /// terminal and the run takes more than a second or two)
        #[arg(long, short)]
        quiet: bool,
    },
    #[command(about = GEN_ABOUT, long_about = GEN_LONG_ABOUT)]
    Gen {
        /// The number of members (at least 1)
        #[arg(long, value_name = "N", value_parser = parse_members)]
        members: u64,

        /// The seed of the random numbers: the same seed, the same network
        #[arg(long, value_name = "S")]
        seed: u64,

        /// The shape of the sponsor tree
        #[arg(long, value_enum, value_name = "SHAPE", default_value_t = GenShape::Mlm)]
        shape: GenShape,

        /// Add a binary placement tree (`placement`, `leg`) and carried-in
        /// volumes (`carry_left`, `carry_right`), for binary plans
        #[arg(long)]
        placement: bool,

        /// Add the `new` column (about 10% `true`), for plans that pay on
        /// new recruits
        #[arg(long)]
        new: bool,

        /// Add the `joined` column (the order of joining, sponsors first),
        /// for plans on a forced matrix
        #[arg(long)]
        joined: bool,

        /// Write the network to this file (whole or not at all) instead of
        /// standard output; `-` is standard output
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,

        /// Show no progress bar
        #[arg(long, short)]
        quiet: bool,
    },
    Explain(crate::explain::ExplainArgs),
    Test(crate::plan_tests::TestArgs),
    Diff(crate::diff::DiffArgs),
    Review(crate::review::ReviewArgs),
}

/// The shapes of `payplan gen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GenShape {
    /// Realistic: a root per 100,000 members, most recruit nobody, a few
    /// recruit thousands, thousands of levels deep at 10 million
    Mlm,
    /// Preferential attachment: the more recruits, the more new ones
    Pref,
    /// One line, each member sponsoring the next
    Chain,
    /// One root with everybody else below it
    Star,
    /// A chain of half the members whose end sponsors the other half
    Broom,
}

impl From<GenShape> for payplan_gen::Shape {
    fn from(shape: GenShape) -> Self {
        match shape {
            GenShape::Mlm => Self::Mlm,
            GenShape::Pref => Self::Pref,
            GenShape::Chain => Self::Chain,
            GenShape::Star => Self::Star,
            GenShape::Broom => Self::Broom,
        }
    }
}

/// `--members`: a whole number from 1 to the generator's maximum; `_` may
/// group digits (`10_000_000`).
fn parse_members(text: &str) -> Result<u64, String> {
    let digits: String = text.chars().filter(|&c| c != '_').collect();
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number of members"))?;
    if n == 0 {
        return Err("a network needs at least 1 member".to_owned());
    }
    if n > payplan_gen::MAX_MEMBERS {
        return Err(format!(
            "at most {} members can be generated",
            payplan_gen::MAX_MEMBERS
        ));
    }
    Ok(n)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// The payout table `member,bonus,amount`
    Csv,
    /// The whole outcome: payouts, exported values and totals
    Json,
}

/// The output formats of the report commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// Text for people
    Text,
    /// The same report as JSON
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn members_are_whole_positive_numbers() {
        assert_eq!(parse_members("2000"), Ok(2000));
        assert_eq!(parse_members("10_000_000"), Ok(10_000_000));
        assert!(parse_members("0").unwrap_err().contains("at least 1"));
        assert!(parse_members("-5").is_err());
        assert!(parse_members("1e6").is_err());
        assert!(parse_members("4294967296").unwrap_err().contains("at most"));
    }
}
