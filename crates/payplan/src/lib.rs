//! payplan, the library hosts embed: compile a compensation plan once, run it
//! on any number of networks, get typed, serializable results.
//!
//! ```
//! use payplan::{Plan, Network};
//!
//! let plan = Plan::compile(r#"
//!     plan "Retail"
//!     currency USD
//!     rounding 2 half_even
//!     input pv: volume
//!     input cv: money
//!     bonus retail pays 20% of cv
//! "#, "retail.plan")?;
//!
//! let csv = "id,sponsor,pv,cv\nA,,100,50\nB,A,20,12.5\n";
//! let network = Network::from_csv_reader(csv.as_bytes(), plan.schema())?;
//! let outcome = plan.run(&network)?;
//! assert_eq!(outcome.payouts_csv(), "member,bonus,amount\nA,retail,10.00\nB,retail,2.50\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod exact;
mod inspect;
mod names;
mod outcome;
mod plan_info;

/// The README's examples, compiled and run as doc tests.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The explain guide's examples, compiled as doc tests.
#[doc = include_str!("../../../docs/explain.md")]
#[cfg(doctest)]
pub struct ExplainDoctests;

use std::sync::Arc;

use payplan_check::TypedPlan;

pub use error::{CompileError, Error, RunError};
pub use exact::Exact;
pub use inspect::Rank;
pub use outcome::{
    ExportText, ExportValue, MemberRow, MemberValues, Outcome, Payout, PayoutRow, Run, Totals,
};
pub use payplan_check::{amount_text, suggest, CheckError, CheckWarning};
pub use payplan_eval::{Amounts, EvalError, EvalOptions};
pub use payplan_explain::{
    BonusExplanation, CapExplanation, Check, ClauseCheck, ExplainError, ExplainFault,
    ExplainOptions, Explanation, LimitExplanation, Omitted, PartExplanation, Quantity, RankCheck,
    RankExplanation, Shown, Skipped, Source,
};
pub use payplan_network::{
    Column, ColumnKind, ColumnSpec, MatrixCells, MatrixSource, MatrixSpec, MemberIx, MemberRecord,
    Network, NetworkBuilder, NetworkError, Schema, Side, Value,
};
pub use payplan_syntax::{Diagnostic, Severity, Span, SyntaxError, ToDiagnostic};
pub use plan_info::{Basis, BonusInfo, Relax};
pub use rust_decimal::Decimal;

/// A compiled plan: parse and check once, run on any number of networks
/// (`Send + Sync`, cheap to clone).
#[derive(Debug, Clone)]
pub struct Plan {
    typed: Arc<TypedPlan>,
    warnings: Vec<Diagnostic>,
}

impl Plan {
    /// Parses and checks a plan; `file_name` names it in diagnostics.
    pub fn compile(source: &str, file_name: &str) -> Result<Plan, CompileError> {
        let fail = |diagnostics| CompileError {
            file_name: file_name.to_string(),
            source_text: source.to_string(),
            diagnostics,
        };
        let ast = payplan_syntax::parse(source).map_err(|e| fail(vec![e.to_diagnostic()]))?;
        match payplan_check::check(&ast, source) {
            Ok(checked) => Ok(Plan {
                typed: Arc::new(checked.plan),
                warnings: checked
                    .warnings
                    .iter()
                    .map(ToDiagnostic::to_diagnostic)
                    .collect(),
            }),
            Err(errors) => Err(fail(
                errors.iter().map(ToDiagnostic::to_diagnostic).collect(),
            )),
        }
    }

    /// The plan's name, from its `plan` statement.
    pub fn name(&self) -> &str {
        &self.typed.name
    }

    /// The network columns the plan reads: pass it to the network loaders.
    pub fn schema(&self) -> &Schema {
        &self.typed.schema
    }

    /// What is legal but likely wrong in the plan.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The bonus names, in declaration order.
    pub fn bonuses(&self) -> impl Iterator<Item = &str> {
        self.typed.bonuses.iter().map(|b| b.name.as_str())
    }

    /// Reads a network CSV file with this plan's schema.
    pub fn load_network(&self, path: &std::path::Path) -> Result<Network, NetworkError> {
        Network::from_csv_path(path, self.schema())
    }

    /// Runs the plan on a network loaded with its schema.
    pub fn run(&self, network: &Network) -> Result<Outcome, RunError> {
        Ok(self.evaluate(network)?.outcome())
    }

    /// Explains every amount of member `id` on `network`: the rank, each
    /// bonus's qualification, sources, cap, limit and rounding.
    pub fn explain(&self, network: &Network, id: &str) -> Result<Explanation, Error> {
        self.explain_with(network, id, ExplainOptions::default())
    }

    /// [`Plan::explain`], listing as many sources as `options` allows.
    pub fn explain_with(
        &self,
        network: &Network,
        id: &str,
        options: ExplainOptions,
    ) -> Result<Explanation, Error> {
        if network.index_of(id).is_none() {
            return Err(ExplainError::UnknownMember { id: id.to_string() }.into());
        }
        let run = self.evaluate_with(
            network,
            EvalOptions {
                keep_every_value: true,
            },
        )?;
        run.explain(id, options)
    }

    /// Runs the plan, keeping the results in place: for writing tables of a
    /// large network without copying every row into an [`Outcome`].
    pub fn evaluate<'a>(&'a self, network: &'a Network) -> Result<Run<'a>, RunError> {
        self.evaluate_with(network, EvalOptions::default())
    }

    /// Runs the plan, keeping what `options` asks for (every node's value,
    /// for tools that look at more than bonuses and exports).
    pub fn evaluate_with<'a>(
        &'a self,
        network: &'a Network,
        options: EvalOptions,
    ) -> Result<Run<'a>, RunError> {
        Run::new(self, network, options)
    }
}
