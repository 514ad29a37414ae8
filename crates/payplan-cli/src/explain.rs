//! `payplan explain`: every amount of one member, with its derivation.

use std::path::PathBuf;

use clap::Args;
use payplan::ExplainOptions;

use crate::{args::ReportFormat, compile, load_network, Streams, EXIT_REFUSED};

const ABOUT: &str = "Explain every amount of one member: rank, sources, rates, cap, limit";

const LONG_ABOUT: &str = "\
Explain every amount of one member: rank, sources, rates, cap, limit.

For the member, standard output gets its rank and, for every rank of the
plan, which requirement held or failed with the numbers it read; then for
every bonus: the qualification, the formula and its value, each aggregate it
reads taken apart into its source members (with their level, compressed and
plain, the value taken, the rate and what each adds), the cap, the payout
limit's pro rata factor and the rounding. An amount of zero says why the
member earned nothing. With `--format json` the same explanation is written
as JSON.

The explanation is rebuilt from the plan and the network independently of
the run's passes: its amounts add up to the member's payouts.

Example:
  payplan explain plans/ranked.plan --network network.csv --member M0042
  payplan explain plans/ranked.plan --network network.csv --member M0042 --bonus matching";

#[derive(Debug, Args)]
#[command(about = ABOUT, long_about = LONG_ABOUT)]
pub(crate) struct ExplainArgs {
    /// The plan file
    #[arg(value_name = "PLAN")]
    plan: PathBuf,

    /// The network: a CSV file with one row per member
    #[arg(long, value_name = "NET.csv")]
    network: PathBuf,

    /// The id of the member to explain
    #[arg(long, value_name = "ID")]
    member: String,

    /// Explain only this bonus
    #[arg(long, value_name = "NAME")]
    bonus: Option<String>,

    /// The most source members listed per aggregate; the rest are counted
    /// and summed on one line
    #[arg(long, value_name = "N", default_value_t = 50)]
    max_sources: usize,

    /// The format of standard output
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Text)]
    format: ReportFormat,
}

pub(crate) fn run(args: &ExplainArgs, streams: &mut Streams<'_>) -> i32 {
    let Ok(plan) = compile(&args.plan, streams) else {
        return EXIT_REFUSED;
    };
    if let Some(bonus) = &args.bonus {
        if !plan.bonuses().any(|b| b == bonus) {
            let names: Vec<String> = plan.bonuses().map(|b| format!("`{b}`")).collect();
            return streams.refuse(
                &format!("`{}` has no bonus `{bonus}`", args.plan.display()),
                Some(&format!("its bonuses are {}", names.join(", "))),
            );
        }
    }
    let Ok(network) = load_network(&plan, &args.network, streams) else {
        return EXIT_REFUSED;
    };
    if network.index_of(&args.member).is_none() {
        return streams.refuse(
            &format!(
                "`{}` has no member `{}`",
                args.network.display(),
                args.member
            ),
            Some("give the member's id as in the network's `id` column"),
        );
    }
    let options = ExplainOptions {
        max_sources: args.max_sources,
    };
    let mut explanation = match plan.explain_with(&network, &args.member, options) {
        Ok(e) => e,
        Err(e) => return streams.refuse(&format!("cannot explain `{}`: {e}", args.member), None),
    };
    if let Some(bonus) = &args.bonus {
        explanation.bonuses.retain(|b| &b.bonus == bonus);
    }
    match args.format {
        ReportFormat::Json => match serde_json::to_string_pretty(&explanation) {
            Ok(text) => streams.output(&(text + "\n")),
            Err(e) => streams.refuse(&format!("cannot write the explanation: {e}"), None),
        },
        ReportFormat::Text => streams.output(&explanation.to_string()),
    }
}
