//! The passes: every node's value at every member, in the stages' order.

use payplan_check::{
    AggNode, AggOp, BinOp, Direction, NodeId, NodeKind, Stage, TExpr, TRelation, TypedPlan, Val,
};
use payplan_network::{Column, MemberIx, Network, Side, NONE};
use rust_decimal::Decimal;

use crate::error::EvalError;

/// Every node's values on one network.
#[derive(Debug, Clone)]
pub struct Evaluation {
    values: Vec<Values>,
}

#[derive(Debug, Clone)]
enum Values {
    Pending,
    Member(Vec<Val>),
    Global(Val),
}

impl Evaluation {
    /// The value of `node` at `member` (for a network total, the total).
    pub fn value(&self, node: NodeId, member: MemberIx) -> Option<Val> {
        match self.values.get(node)? {
            Values::Pending => None,
            Values::Member(v) => v.get(member as usize).copied(),
            Values::Global(v) => Some(*v),
        }
    }

    /// The value of a network-wide node.
    pub fn global(&self, node: NodeId) -> Option<Val> {
        match self.values.get(node)? {
            Values::Global(v) => Some(*v),
            _ => None,
        }
    }
}

/// Arithmetic that cannot be done exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arith {
    Overflow,
    DivisionByZero,
    NotInTable(Decimal),
}

/// Running state of an aggregate at one member.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Acc {
    /// Sum, count, or the count of members that make `any` true / `all` false.
    Total(Decimal),
    /// Min or max so far; `None` when no member was seen.
    Extreme(Option<Decimal>),
}

/// Per-node state carried between members during a pass.
#[derive(Debug, Clone)]
enum State {
    None,
    /// One accumulator per member (downline, group, upline, placement subtrees).
    Acc(Vec<Acc>),
    /// `width` numbers per member: per-level sums, or differential buckets.
    Wide {
        width: usize,
        data: Vec<Decimal>,
    },
}

struct Run<'a> {
    plan: &'a TypedPlan,
    net: &'a Network,
    values: Vec<Values>,
    states: Vec<State>,
    /// A reusable row for per-level and per-bucket aggregates.
    scratch: Vec<Decimal>,
}

/// Runs every pass of `plan` over `net`.
pub fn evaluate(plan: &TypedPlan, net: &Network) -> Result<Evaluation, EvalError> {
    if plan.schema.placement && net.placement().is_none() {
        return Err(EvalError::MissingPlacement);
    }
    let mut run = Run {
        plan,
        net,
        values: vec![Values::Pending; plan.nodes.len()],
        states: vec![State::None; plan.nodes.len()],
        scratch: Vec::new(),
    };
    for stage in &plan.stages {
        match stage {
            Stage::Single(node) => run.single(*node)?,
            Stage::Recursive { direction, nodes } => run.recursive(*direction, nodes)?,
        }
    }
    Ok(Evaluation { values: run.values })
}

fn dec(v: Val) -> Decimal {
    match v {
        Val::Dec(d) => d,
        Val::Bool(b) => Decimal::from(u8::from(b)),
        Val::Rank(r) => Decimal::from(r),
    }
}

fn truth(v: Val) -> bool {
    match v {
        Val::Bool(b) => b,
        Val::Dec(d) => !d.is_zero(),
        Val::Rank(r) => r > 0,
    }
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal, Arith> {
    a.checked_add(b).ok_or(Arith::Overflow)
}

fn mul(a: Decimal, b: Decimal) -> Result<Decimal, Arith> {
    a.checked_mul(b).ok_or(Arith::Overflow)
}

/// Children of `m` in preorder: each child's subtree ends where the next begins.
fn children(net: &Network, m: MemberIx) -> impl Iterator<Item = MemberIx> + '_ {
    let end = net.subtree_end(m);
    let mut next = m.saturating_add(1);
    std::iter::from_fn(move || {
        if next >= end {
            return None;
        }
        let c = next;
        next = net.subtree_end(c);
        Some(c)
    })
}

impl<'a> Run<'a> {
    fn n(&self) -> usize {
        self.net.len()
    }

    fn error(&self, e: Arith, member: MemberIx, node: NodeId) -> EvalError {
        let member = if member == NONE {
            String::from("(network)")
        } else {
            self.net.id(member).to_string()
        };
        let what = self
            .plan
            .nodes
            .get(node)
            .map(|n| n.label.clone())
            .unwrap_or_default();
        match e {
            Arith::Overflow => EvalError::Overflow { member, what },
            Arith::DivisionByZero => EvalError::DivisionByZero { member, what },
            Arith::NotInTable(v) => EvalError::RateNotInTable {
                member,
                what,
                value: v.normalize().to_string(),
            },
        }
    }

    fn single(&mut self, node: NodeId) -> Result<(), EvalError> {
        let Some(spec) = self.plan.nodes.get(node) else {
            return Ok(());
        };
        if spec.global {
            let v = match &spec.kind {
                NodeKind::Total { value } => {
                    let mut total = Decimal::ZERO;
                    for m in 0..self.n() as MemberIx {
                        let x = self
                            .expr(value, m, NONE)
                            .map_err(|e| self.error(e, m, node))?;
                        total = add(total, dec(x)).map_err(|e| self.error(e, m, node))?;
                    }
                    Val::Dec(total)
                }
                NodeKind::Expr(t) => self
                    .expr(t, NONE, NONE)
                    .map_err(|e| self.error(e, NONE, node))?,
                _ => Val::Dec(Decimal::ZERO),
            };
            if let Some(slot) = self.values.get_mut(node) {
                *slot = Values::Global(v);
            }
            return Ok(());
        }
        self.start(node)?;
        let n = self.n() as MemberIx;
        match &spec.kind {
            NodeKind::Aggregate(agg) if matches!(agg.relation, TRelation::Upline) => {
                for m in 0..n {
                    self.eval_at(node, m)?;
                }
            }
            NodeKind::Aggregate(agg) if matches!(agg.relation, TRelation::Placement(_)) => {
                self.placement(node, agg)?;
            }
            NodeKind::Input { .. } => {}
            _ => {
                for m in (0..n).rev() {
                    self.eval_at(node, m)?;
                }
            }
        }
        Ok(())
    }

    fn recursive(&mut self, direction: Direction, nodes: &[NodeId]) -> Result<(), EvalError> {
        for &node in nodes {
            self.start(node)?;
        }
        let n = self.n() as MemberIx;
        match direction {
            Direction::BottomUp => {
                for m in (0..n).rev() {
                    for &node in nodes {
                        self.eval_at(node, m)?;
                    }
                }
            }
            Direction::TopDown => {
                for m in 0..n {
                    for &node in nodes {
                        self.eval_at(node, m)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Allocates a node's values and state before its pass.
    fn start(&mut self, node: NodeId) -> Result<(), EvalError> {
        let n = self.n();
        let Some(spec) = self.plan.nodes.get(node) else {
            return Ok(());
        };
        let zero = Val::Dec(Decimal::ZERO);
        let values = match &spec.kind {
            NodeKind::Input { column } => {
                let name = self
                    .plan
                    .schema
                    .columns
                    .get(*column)
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                let col = self
                    .net
                    .column_by_name(&name)
                    .ok_or(EvalError::MissingColumn { column: name })?;
                match col {
                    Column::Decimal(v) => v.iter().map(|d| Val::Dec(*d)).collect(),
                    Column::Bool(v) => v.iter().map(|b| Val::Bool(*b)).collect(),
                }
            }
            _ => vec![zero; n],
        };
        if let Some(slot) = self.values.get_mut(node) {
            *slot = Values::Member(values);
        }
        let state = match &spec.kind {
            NodeKind::Aggregate(agg) => match &agg.relation {
                TRelation::Downline
                | TRelation::Group
                | TRelation::Upline
                | TRelation::Placement(_) => State::Acc(vec![identity(agg.op); n]),
                TRelation::Levels { max, .. } | TRelation::Generations { max, .. } => {
                    let width = max + 1;
                    State::Wide {
                        width,
                        data: vec![Decimal::ZERO; n.saturating_mul(width)],
                    }
                }
                TRelation::Children => State::None,
            },
            NodeKind::Differential { buckets, .. } => State::Wide {
                width: buckets.len(),
                data: vec![Decimal::ZERO; n.saturating_mul(buckets.len())],
            },
            _ => State::None,
        };
        if let Some(slot) = self.states.get_mut(node) {
            *slot = state;
        }
        Ok(())
    }

    fn slot(&self, node: NodeId, m: MemberIx) -> Val {
        match self.values.get(node) {
            Some(Values::Member(v)) => v
                .get(m as usize)
                .copied()
                .unwrap_or(Val::Dec(Decimal::ZERO)),
            Some(Values::Global(v)) => *v,
            _ => Val::Dec(Decimal::ZERO),
        }
    }

    /// Evaluates an expression at member `m`; `outer` is the aggregating
    /// member, for `within`.
    fn expr(&self, t: &TExpr, m: MemberIx, outer: MemberIx) -> Result<Val, Arith> {
        Ok(match t {
            TExpr::Const(v) => *v,
            TExpr::Slot(n) => self.slot(*n, m),
            TExpr::Not(a) => Val::Bool(!truth(self.expr(a, m, outer)?)),
            TExpr::Neg(a) => Val::Dec(-dec(self.expr(a, m, outer)?)),
            TExpr::If(c, a, b) => {
                if truth(self.expr(c, m, outer)?) {
                    self.expr(a, m, outer)?
                } else {
                    self.expr(b, m, outer)?
                }
            }
            TExpr::RankTable { rank, entries } => {
                let r = match self.slot(*rank, m) {
                    Val::Rank(r) => usize::from(r),
                    _ => 0,
                };
                match entries.get(r) {
                    Some(e) => self.expr(e, m, outer)?,
                    None => Val::Dec(Decimal::ZERO),
                }
            }
            TExpr::Within(side) => Val::Bool(self.within(*side, m, outer)),
            TExpr::ShareOf(a, b) => {
                let den = dec(self.expr(b, m, outer)?);
                if den.is_zero() {
                    Val::Dec(Decimal::ZERO)
                } else {
                    let num = dec(self.expr(a, m, outer)?);
                    Val::Dec(num.checked_div(den).ok_or(Arith::Overflow)?)
                }
            }
            TExpr::Binary(op, a, b) => {
                match op {
                    BinOp::And => {
                        return Ok(Val::Bool(
                            truth(self.expr(a, m, outer)?) && truth(self.expr(b, m, outer)?),
                        ));
                    }
                    BinOp::Or => {
                        return Ok(Val::Bool(
                            truth(self.expr(a, m, outer)?) || truth(self.expr(b, m, outer)?),
                        ));
                    }
                    _ => {}
                }
                let x = self.expr(a, m, outer)?;
                let y = self.expr(b, m, outer)?;
                match op {
                    BinOp::Eq => Val::Bool(compare(x, y) == std::cmp::Ordering::Equal),
                    BinOp::Ne => Val::Bool(compare(x, y) != std::cmp::Ordering::Equal),
                    BinOp::Lt => Val::Bool(compare(x, y) == std::cmp::Ordering::Less),
                    BinOp::Le => Val::Bool(compare(x, y) != std::cmp::Ordering::Greater),
                    BinOp::Gt => Val::Bool(compare(x, y) == std::cmp::Ordering::Greater),
                    BinOp::Ge => Val::Bool(compare(x, y) != std::cmp::Ordering::Less),
                    BinOp::Add => Val::Dec(add(dec(x), dec(y))?),
                    BinOp::Sub => Val::Dec(dec(x).checked_sub(dec(y)).ok_or(Arith::Overflow)?),
                    BinOp::Mul => Val::Dec(mul(dec(x), dec(y))?),
                    BinOp::Div => {
                        let d = dec(y);
                        if d.is_zero() {
                            return Err(Arith::DivisionByZero);
                        }
                        Val::Dec(dec(x).checked_div(d).ok_or(Arith::Overflow)?)
                    }
                    BinOp::Min => Val::Dec(dec(x).min(dec(y))),
                    BinOp::Max => Val::Dec(dec(x).max(dec(y))),
                    BinOp::And | BinOp::Or => Val::Bool(false),
                }
            }
        })
    }

    fn within(&self, side: Side, m: MemberIx, outer: MemberIx) -> bool {
        let Some(tree) = self.net.placement() else {
            return false;
        };
        if outer == NONE {
            return false;
        }
        let head = tree.child(outer, side);
        if head == NONE {
            return false;
        }
        let p = tree.pos(m);
        tree.pos(head) <= p && p < tree.end(head)
    }

    /// What member `x` adds to an aggregate, or `None` when filtered out.
    fn element(
        &self,
        agg: &AggNode,
        x: MemberIx,
        outer: MemberIx,
    ) -> Result<Option<Decimal>, Arith> {
        if let Some(f) = &agg.filter {
            if !truth(self.expr(f, x, outer)?) {
                return Ok(None);
            }
        }
        Ok(Some(match agg.op {
            AggOp::Count => Decimal::ONE,
            AggOp::Any => Decimal::from(u8::from(truth(self.expr(&agg.value, x, outer)?))),
            AggOp::All => Decimal::from(u8::from(!truth(self.expr(&agg.value, x, outer)?))),
            AggOp::Sum | AggOp::Min | AggOp::Max => dec(self.expr(&agg.value, x, outer)?),
        }))
    }

    fn acc_at(&self, node: NodeId, m: MemberIx) -> Option<Acc> {
        match self.states.get(node) {
            Some(State::Acc(v)) => v.get(m as usize).copied(),
            _ => None,
        }
    }

    fn eval_at(&mut self, node: NodeId, m: MemberIx) -> Result<(), EvalError> {
        let Some(spec) = self.plan.nodes.get(node) else {
            return Ok(());
        };
        let v = match &spec.kind {
            NodeKind::Input { .. } | NodeKind::Total { .. } => return Ok(()),
            NodeKind::Expr(t) => self.expr(t, m, NONE),
            NodeKind::Rank { requirements } => {
                let mut rank = 0u16;
                for (i, req) in requirements.iter().enumerate().rev() {
                    match self.expr(req, m, NONE) {
                        Ok(v) if truth(v) => {
                            rank = u16::try_from(i + 1).unwrap_or(u16::MAX);
                            break;
                        }
                        Ok(_) => {}
                        Err(e) => return Err(self.error(e, m, node)),
                    }
                }
                Ok(Val::Rank(rank))
            }
            NodeKind::Bonus {
                qualification,
                amount,
                cap,
            } => self.bonus(qualification.as_ref(), amount, cap.as_ref(), m),
            NodeKind::Aggregate(agg) => self.aggregate(node, agg, m),
            NodeKind::Differential {
                value,
                percent,
                buckets,
            } => self.differential(node, value, percent, buckets, m),
        };
        let v = v.map_err(|e| self.error(e, m, node))?;
        if let Some(Values::Member(values)) = self.values.get_mut(node) {
            if let Some(slot) = values.get_mut(m as usize) {
                *slot = v;
            }
        }
        Ok(())
    }

    fn bonus(
        &self,
        qualification: Option<&TExpr>,
        amount: &TExpr,
        cap: Option<&TExpr>,
        m: MemberIx,
    ) -> Result<Val, Arith> {
        if let Some(q) = qualification {
            if !truth(self.expr(q, m, NONE)?) {
                return Ok(Val::Dec(Decimal::ZERO));
            }
        }
        let mut a = dec(self.expr(amount, m, NONE)?);
        if let Some(c) = cap {
            a = a.min(dec(self.expr(c, m, NONE)?));
        }
        Ok(Val::Dec(a))
    }

    fn set_acc(&mut self, node: NodeId, m: MemberIx, acc: Acc) {
        if let Some(State::Acc(v)) = self.states.get_mut(node) {
            if let Some(slot) = v.get_mut(m as usize) {
                *slot = acc;
            }
        }
    }

    fn aggregate(&mut self, node: NodeId, agg: &AggNode, m: MemberIx) -> Result<Val, Arith> {
        let op = agg.op;
        match &agg.relation {
            TRelation::Children => {
                let mut acc = identity(op);
                for c in children(self.net, m) {
                    acc = combine(op, acc, self.element(agg, c, m)?)?;
                }
                Ok(finish(op, acc))
            }
            TRelation::Downline | TRelation::Group => {
                let mut acc = identity(op);
                if matches!(agg.relation, TRelation::Group) {
                    acc = combine(op, acc, self.element(agg, m, NONE)?)?;
                }
                for c in children(self.net, m) {
                    if matches!(agg.relation, TRelation::Downline) {
                        acc = combine(op, acc, self.element(agg, c, NONE)?)?;
                    }
                    let child = self.acc_at(node, c).unwrap_or(identity(op));
                    acc = merge(op, acc, child)?;
                }
                self.set_acc(node, m, acc);
                // The downline's state at `m` includes only strict descendants,
                // so the group relation's own value is read from the same state.
                Ok(finish(op, acc))
            }
            TRelation::Upline => {
                let p = self.net.sponsor(m);
                let acc = if p == NONE {
                    identity(op)
                } else {
                    let above = self.acc_at(node, p).unwrap_or(identity(op));
                    combine(op, above, self.element(agg, p, NONE)?)?
                };
                self.set_acc(node, m, acc);
                Ok(finish(op, acc))
            }
            TRelation::Placement(_) => Ok(finish(op, self.acc_at(node, m).unwrap_or(identity(op)))),
            TRelation::Levels {
                from,
                max,
                to,
                compressed_by,
            } => {
                let width = max + 1;
                let mut row = self.take_row(width);
                for c in children(self.net, m) {
                    let own = self.element(agg, c, NONE)?.unwrap_or(Decimal::ZERO);
                    let keeps_level = match compressed_by {
                        Some(cond) => truth(self.expr(cond, c, NONE)?),
                        None => true,
                    };
                    let child = self.wide_row(node, c, width);
                    // Level 1 is the child itself; below it, the child's
                    // levels move one down unless compression skips the child.
                    if let Some(r) = row.get_mut(1) {
                        *r = add(*r, own)?;
                    }
                    let shift = usize::from(keeps_level);
                    for (j, r) in row.iter_mut().enumerate().skip(1 + shift) {
                        *r = add(*r, child.get(j - shift).copied().unwrap_or_default())?;
                    }
                }
                let result = self.levelled(agg, &row, *from, to, m);
                self.set_wide(node, m, &row);
                self.scratch = row;
                result
            }
            TRelation::Generations {
                from,
                max,
                to,
                counting,
            } => {
                let width = max + 1;
                let mut row = self.take_row(width);
                for c in children(self.net, m) {
                    let own = self.element(agg, c, NONE)?.unwrap_or(Decimal::ZERO);
                    let counts = truth(self.expr(counting, c, NONE)?);
                    let child = self.wide_row(node, c, width);
                    if let Some(r) = row.get_mut(usize::from(counts)) {
                        *r = add(*r, own)?;
                    }
                    // Below a counted child, its generations move one down.
                    let shift = usize::from(counts);
                    for (j, r) in row.iter_mut().enumerate().skip(shift) {
                        *r = add(*r, child.get(j - shift).copied().unwrap_or_default())?;
                    }
                }
                let result = self.levelled(agg, &row, *from, to, m);
                self.set_wide(node, m, &row);
                self.scratch = row;
                result
            }
        }
    }

    /// The aggregate over levels `from..=to(m)` of a per-level row.
    fn levelled(
        &self,
        agg: &AggNode,
        row: &[Decimal],
        from: usize,
        to: &TExpr,
        m: MemberIx,
    ) -> Result<Val, Arith> {
        let to = dec(self.expr(to, m, NONE)?).floor();
        let last = if to < Decimal::ZERO {
            0
        } else {
            to.to_string().parse::<usize>().unwrap_or(usize::MAX)
        };
        let last = last.min(row.len().saturating_sub(1));
        let mut total = Decimal::ZERO;
        for level in from..=last {
            let v = row.get(level).copied().unwrap_or_default();
            let v = match &agg.rates {
                Some(rates) => mul(v, rates.get(level - from).copied().unwrap_or_default())?,
                None => v,
            };
            total = add(total, v)?;
        }
        Ok(finish(agg.op, Acc::Total(total)))
    }

    /// The scratch row, zeroed to `width` numbers.
    fn take_row(&mut self, width: usize) -> Vec<Decimal> {
        let mut row = std::mem::take(&mut self.scratch);
        row.clear();
        row.resize(width, Decimal::ZERO);
        row
    }

    /// Member `m`'s row of a per-level or per-bucket state.
    fn wide_row(&self, node: NodeId, m: MemberIx, width: usize) -> &[Decimal] {
        match self.states.get(node) {
            Some(State::Wide { data, .. }) => {
                let start = (m as usize).saturating_mul(width);
                data.get(start..start + width).unwrap_or_default()
            }
            _ => &[],
        }
    }

    fn set_wide(&mut self, node: NodeId, m: MemberIx, row: &[Decimal]) {
        if let Some(State::Wide { width, data }) = self.states.get_mut(node) {
            let start = (m as usize).saturating_mul(*width);
            if let Some(dst) = data.get_mut(start..start + *width) {
                dst.copy_from_slice(row.get(..*width).unwrap_or_default());
            }
        }
    }

    /// The breakaway differential at `m`. Bucket `b` of a member's state
    /// holds the value of the sources below or at it whose highest
    /// percentage paid so far is `buckets[b]`.
    fn differential(
        &mut self,
        node: NodeId,
        value: &TExpr,
        percent: &TExpr,
        buckets: &[Decimal],
        m: MemberIx,
    ) -> Result<Val, Arith> {
        let width = buckets.len();
        let bucket_of = |p: Decimal| buckets.binary_search(&p).map_err(|_| Arith::NotInTable(p));
        let mut row = self.take_row(width);
        let start = bucket_of(Decimal::ZERO)?;
        if let Some(r) = row.get_mut(start) {
            *r = dec(self.expr(value, m, NONE)?);
        }
        for c in children(self.net, m) {
            let child = self.wide_row(node, c, width);
            for (r, x) in row.iter_mut().zip(child) {
                *r = add(*r, *x)?;
            }
        }
        let p = dec(self.expr(percent, m, NONE)?);
        let at = bucket_of(p)?;
        let mut earned = Decimal::ZERO;
        let mut moved = Decimal::ZERO;
        // Sources whose highest percentage so far is below `p` move up to `p`.
        for (b, (w, paid)) in row.iter_mut().zip(buckets).enumerate() {
            if p > *paid {
                earned = add(earned, mul(*w, p - *paid)?)?;
            }
            if b < at {
                moved = add(moved, *w)?;
                *w = Decimal::ZERO;
            }
        }
        if let Some(r) = row.get_mut(at) {
            *r = add(*r, moved)?;
        }
        self.set_wide(node, m, &row);
        self.scratch = row;
        Ok(Val::Dec(earned))
    }

    /// A placement-subtree aggregate: states in reverse placement preorder,
    /// then each member reads the state of its child on the side.
    fn placement(&mut self, node: NodeId, agg: &AggNode) -> Result<(), EvalError> {
        let TRelation::Placement(side) = agg.relation else {
            return Ok(());
        };
        let Some(tree) = self.net.placement() else {
            return Err(EvalError::MissingPlacement);
        };
        let op = agg.op;
        let mut states = vec![identity(op); self.n()];
        for &x in tree.order().iter().rev() {
            let mut acc = self
                .element(agg, x, NONE)
                .and_then(|e| combine(op, identity(op), e));
            for s in [Side::Left, Side::Right] {
                let c = tree.child(x, s);
                if c != NONE {
                    let child = states.get(c as usize).copied().unwrap_or(identity(op));
                    acc = acc.and_then(|a| merge(op, a, child));
                }
            }
            let acc = acc.map_err(|e| self.error(e, x, node))?;
            if let Some(slot) = states.get_mut(x as usize) {
                *slot = acc;
            }
        }
        let n = self.n() as MemberIx;
        for m in 0..n {
            let c = tree.child(m, side);
            let acc = if c == NONE {
                identity(op)
            } else {
                states.get(c as usize).copied().unwrap_or(identity(op))
            };
            self.set_acc(node, m, acc);
            if let Some(Values::Member(values)) = self.values.get_mut(node) {
                if let Some(slot) = values.get_mut(m as usize) {
                    *slot = finish(op, acc);
                }
            }
        }
        Ok(())
    }
}

fn compare(x: Val, y: Val) -> std::cmp::Ordering {
    match (x, y) {
        (Val::Rank(a), Val::Rank(b)) => a.cmp(&b),
        (Val::Bool(a), Val::Bool(b)) => a.cmp(&b),
        _ => dec(x).cmp(&dec(y)),
    }
}

fn identity(op: AggOp) -> Acc {
    match op {
        AggOp::Min | AggOp::Max => Acc::Extreme(None),
        _ => Acc::Total(Decimal::ZERO),
    }
}

/// Adds one member's contribution.
fn combine(op: AggOp, acc: Acc, x: Option<Decimal>) -> Result<Acc, Arith> {
    let Some(x) = x else { return Ok(acc) };
    Ok(match (acc, op) {
        (Acc::Total(t), _) => Acc::Total(add(t, x)?),
        (Acc::Extreme(None), _) => Acc::Extreme(Some(x)),
        (Acc::Extreme(Some(e)), AggOp::Min) => Acc::Extreme(Some(e.min(x))),
        (Acc::Extreme(Some(e)), _) => Acc::Extreme(Some(e.max(x))),
    })
}

/// Combines two partial aggregates of the same kind.
fn merge(op: AggOp, a: Acc, b: Acc) -> Result<Acc, Arith> {
    Ok(match (a, b) {
        (Acc::Total(x), Acc::Total(y)) => Acc::Total(add(x, y)?),
        (Acc::Extreme(None), other) | (other, Acc::Extreme(None)) => other,
        (Acc::Extreme(Some(x)), Acc::Extreme(Some(y))) => {
            Acc::Extreme(Some(if op == AggOp::Min { x.min(y) } else { x.max(y) }))
        }
        (x, _) => x,
    })
}

fn finish(op: AggOp, acc: Acc) -> Val {
    match (op, acc) {
        (AggOp::Any, Acc::Total(t)) => Val::Bool(t > Decimal::ZERO),
        (AggOp::All, Acc::Total(t)) => Val::Bool(t.is_zero()),
        (_, Acc::Total(t)) => Val::Dec(t),
        (_, Acc::Extreme(e)) => Val::Dec(e.unwrap_or(Decimal::ZERO)),
    }
}
