//! Checking a parsed plan: declarations, then the types of definitions,
//! then every expression lowered once, then warnings and the schedule.

use payplan_network::Schema;
use payplan_syntax::ast::PlanAst;

use crate::earner;
use crate::error::CheckError;
use crate::infer;
use crate::lower::Lowerer;
use crate::resolve::Decls;
use crate::schedule;
use crate::source::Source;
use crate::statements::Lowered;
use crate::typed::{BonusSpec, Node, Rounding, RoundingMode, TypedPlan};
use crate::warn;
use crate::warning::CheckWarning;

/// The result of checking: the plan and what is legal but likely wrong.
#[derive(Debug, Clone)]
pub struct Checked {
    pub plan: TypedPlan,
    pub warnings: Vec<CheckWarning>,
}

/// Checks a parsed plan; on failure, every error found, in source order.
pub fn check(ast: &PlanAst, source: &str) -> Result<Checked, Vec<CheckError>> {
    let source = Source(source);
    let (decls, mut errors) = Decls::declare(ast, source);
    let order = decls.let_order();
    let let_types = infer::let_types(&decls, &order);
    let mut lowerer = Lowerer::new(&decls, source, let_types);
    let lowered = lowerer.lower_plan(&order.order);
    errors.append(&mut lowerer.errors);
    let mut warnings = warn::warnings(ast, &decls, &lowerer.used, source);
    warnings.extend(earner::silent_copies(&lowerer.nodes));
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.span().start);
        return Err(errors);
    }
    let plan = typed_plan(&decls, source, lowerer.nodes, lowered).map_err(|e| vec![e])?;
    Ok(Checked { plan, warnings })
}

/// The typed plan of a plan lowered without errors, with its schedule.
fn typed_plan(
    decls: &Decls<'_>,
    source: Source<'_>,
    nodes: Vec<Node>,
    lowered: Lowered,
) -> Result<TypedPlan, CheckError> {
    let stages = schedule::schedule(&nodes)?;
    let mut bonus_clauses = lowered.bonus_clauses.into_iter();
    let bonuses = decls
        .bonuses
        .iter()
        .enumerate()
        .map(|(i, b)| BonusSpec {
            name: b.name.name.clone(),
            span: b.name.span,
            node: decls.bonus_node(i),
            qualification: bonus_clauses.next().unwrap_or_default(),
            amount_text: source.full(b.amount.span),
            cap_text: b.cap.as_ref().map(|c| source.full(c.span)),
        })
        .collect();
    Ok(TypedPlan {
        name: decls.name.clone().unwrap_or_default(),
        currency: decls.currency.clone().unwrap_or_default(),
        rounding: decls.rounding.unwrap_or(Rounding {
            places: 2,
            mode: RoundingMode::HalfEven,
        }),
        schema: Schema {
            columns: decls.inputs.iter().map(|x| x.spec.clone()).collect(),
            placement: decls.placement,
            matrix: decls.matrix.clone(),
        },
        ranks: decls.ranks.iter().map(|d| d.name.name.clone()).collect(),
        nodes,
        stages,
        bonuses,
        limit: lowered.limit,
        exports: lowered.exports,
        rank_clauses: lowered.rank_clauses,
    })
}
