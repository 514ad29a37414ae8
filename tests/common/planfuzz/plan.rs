//! The plan's grammar: header, inputs, definitions, ranks, bonuses, the
//! payout limit and exports, each expression of a chosen type and written
//! where it may read what it reads without a cycle (docs/language.md).

use super::Choices;

impl<'c> Gen<'c> {
    pub(super) fn new(c: &'c mut dyn Choices) -> Self {
        Gen {
            c,
            placement: false,
            inputs: Vec::new(),
            names: Vec::new(),
            ranks: Vec::new(),
            depth_tables: Vec::new(),
            percent_tables: Vec::new(),
            exported: Vec::new(),
            broken: false,
            extreme: false,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Ty {
    Volume,
    Money,
    Count,
    Number,
    Percent,
    Bool,
}

const NUMERIC: [Ty; 4] = [Ty::Volume, Ty::Money, Ty::Count, Ty::Number];

/// Which part of the plan an expression is written in: it decides what the
/// expression may read without making a cycle.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Stage {
    /// Inputs and the first definitions: no rank, no bonus.
    Base,
    /// A rank's requirement: ranks only of members below.
    Rank,
    /// Definitions after the ranks: `rank` at any member.
    Ranked,
    /// Bonuses and exports: also the bonuses declared before.
    Bonus,
}

#[derive(Clone, Copy)]
struct Ctx {
    stage: Stage,
    /// Inside an aggregate that went down the sponsor tree.
    below: bool,
    /// Inside an aggregate that went up (or over everyone).
    up: bool,
    /// Directly inside an aggregate over `children` or `legs`.
    children: bool,
    depth: u32,
}

impl Ctx {
    fn new(stage: Stage, depth: u32) -> Self {
        Ctx {
            stage,
            below: false,
            up: false,
            children: false,
            depth,
        }
    }

    fn deeper(self) -> Self {
        Ctx {
            depth: self.depth.saturating_sub(1),
            ..self
        }
    }
}

pub(super) struct Input {
    pub(super) name: &'static str,
    pub(super) ty: Ty,
    pub(super) default: bool,
    pub(super) at_least_zero: bool,
}

struct Name {
    name: String,
    ty: Ty,
    stage: Stage,
}

pub(super) struct Gen<'c> {
    pub(super) c: &'c mut dyn Choices,
    pub(super) placement: bool,
    pub(super) inputs: Vec<Input>,
    names: Vec<Name>,
    ranks: Vec<String>,
    /// `by rank` tables of whole numbers, with their largest entry.
    depth_tables: Vec<(String, u32)>,
    percent_tables: Vec<String>,
    exported: Vec<String>,
    /// The network gets a mistake or two (about one network in five).
    pub(super) broken: bool,
    /// The network holds numbers at the edges of a decimal (one in six).
    pub(super) extreme: bool,
}

const ROUNDING: [&str; 6] = ["half_even", "half_up", "half_down", "down", "up", "bankers"];
const RANKS: [&str; 5] = ["bronze", "silver", "gold", "diamond", "crown"];
pub(super) const NUMBERS: [&str; 12] = [
    "0", "1", "2", "100", "1000", "50", "5000", "2500", "0.5", "12.345", "-5", "3",
];
/// Numbers at the edges of what a decimal holds.
pub(super) const EXTREMES: [&str; 5] = [
    "79228162514264337593543950335",
    "0.0000000000000000000000000001",
    "1000000000000000",
    "7.0000000000001",
    "-79228162514264337593543950335",
];
/// Divisors that are not zero.
const DIVISORS: [&str; 5] = ["2", "3", "0.5", "100", "7"];
const PERCENTS: [&str; 10] = [
    "10%", "5%", "0%", "100%", "20%", "12.5%", "150%", "0.01%", "33.333%", "-10%",
];

impl Gen<'_> {
    pub(super) fn pick<'s>(&mut self, options: &[&'s str]) -> &'s str {
        options
            .get(self.c.below(options.len() as u32) as usize)
            .copied()
            .unwrap_or("")
    }

    /// True with probability about `1/n`, false on an exhausted input.
    pub(super) fn one_in(&mut self, n: u32) -> bool {
        self.c.below(n) == n - 1
    }

    /// Whether to put a mistake into a broken network, with odds `1/n`.
    pub(super) fn oops(&mut self, n: u32) -> bool {
        self.broken && self.one_in(n)
    }

    pub(super) fn plan(&mut self) -> String {
        let mut header = vec![
            "plan \"Fuzz\"".to_string(),
            format!("currency {}", self.pick(&["USD", "EUR", "XYZ"])),
        ];
        let places = if self.one_in(80) {
            "13" // refused: too many places
        } else {
            self.pick(&["2", "0", "4", "12", "1"])
        };
        let mode = if self.one_in(60) {
            "bankers"
        } else {
            self.pick(&ROUNDING[..5])
        };
        header.push(format!("rounding {places} {mode}"));
        if self.one_in(5) {
            self.placement = true;
            header.push("uses placement tree".to_string());
        }
        let mut base = self.inputs();
        for i in 0..self.c.below(5) {
            base.push(self.base_let(i));
        }
        let mut ranked = Vec::new();
        for i in 0..self.c.below(5) {
            let name = RANKS.get(i as usize).copied().unwrap_or("crown");
            let requirement = self.bool_expr(Ctx::new(Stage::Rank, 3));
            ranked.push(format!("rank {name} when {requirement}"));
            self.ranks.push(name.to_string());
        }
        if !self.ranks.is_empty() {
            for i in 0..self.c.below(4) {
                ranked.push(self.ranked_let(i));
            }
        }
        let mut bonuses = Vec::new();
        let count = if self.one_in(80) {
            0
        } else {
            1 + self.c.below(4)
        };
        for i in 0..count {
            bonuses.push(self.bonus(i));
        }
        if self.one_in(3) {
            bonuses.push(self.limit());
        }
        for i in 0..self.c.below(3) {
            bonuses.push(self.export(i));
        }
        // Statements may come in any order: now and then, the last first.
        let mut all = Vec::new();
        if self.one_in(3) {
            all.extend(bonuses);
            all.extend(ranked);
            all.extend(base.into_iter().rev());
            all.extend(header);
        } else {
            all.extend(header);
            all.extend(base);
            all.extend(ranked);
            all.extend(bonuses);
        }
        let mut text = all.join("\n");
        text.push('\n');
        text
    }

    fn inputs(&mut self) -> Vec<String> {
        let mut inputs = vec![
            Input {
                name: "pv",
                ty: Ty::Volume,
                default: false,
                at_least_zero: false,
            },
            Input {
                name: "cv",
                ty: Ty::Money,
                default: false,
                at_least_zero: false,
            },
        ];
        let extra = [
            ("new", Ty::Bool, "bool, default false"),
            ("recruits", Ty::Count, "count, default 0"),
            ("share", Ty::Percent, "percent, default 5%, at least -10%"),
            ("carry", Ty::Volume, "volume, default 0, at least 0"),
            ("credit", Ty::Money, "money, default -5"),
            ("flag", Ty::Bool, "bool"),
        ];
        let mut lines = vec![
            "input pv: volume".to_string(),
            "input cv: money".to_string(),
        ];
        for (name, ty, decl) in extra {
            if self.one_in(3) {
                lines.push(format!("input {name}: {decl}"));
                inputs.push(Input {
                    name,
                    ty,
                    default: decl.contains("default"),
                    at_least_zero: decl.contains("at least"),
                });
            }
        }
        for input in &inputs {
            self.names.push(Name {
                name: input.name.to_string(),
                ty: input.ty,
                stage: Stage::Base,
            });
        }
        self.inputs = inputs;
        lines
    }

    fn any_ty(&mut self) -> Ty {
        match self.c.below(6) {
            0 => Ty::Bool,
            1 => Ty::Volume,
            2 => Ty::Money,
            3 => Ty::Count,
            4 => Ty::Number,
            _ => Ty::Percent,
        }
    }

    fn define(&mut self, name: String, ty: Ty, stage: Stage) {
        self.names.push(Name { name, ty, stage });
    }

    fn base_let(&mut self, i: u32) -> String {
        let name = format!("a{i}");
        if self.one_in(6) {
            // A value built from its own value at the children.
            let own = self.expr(Ty::Volume, Ctx::new(Stage::Base, 2));
            self.define(name.clone(), Ty::Volume, Stage::Base);
            return format!("let {name} = {own} + sum({name} over children)");
        }
        let ty = self.any_ty();
        let value = self.expr(ty, Ctx::new(Stage::Base, 3));
        self.define(name.clone(), ty, Stage::Base);
        format!("let {name} = {value}")
    }

    fn ranked_let(&mut self, i: u32) -> String {
        let name = format!("b{i}");
        match self.c.below(4) {
            1 => {
                let table = self.depth_table();
                self.depth_tables.push((name.clone(), table.1));
                format!("let {name} = {}", table.0)
            }
            2 => {
                let table = self.fixed_table();
                self.percent_tables.push(name.clone());
                self.define(name.clone(), Ty::Percent, Stage::Ranked);
                format!("let {name} = {table}")
            }
            _ => {
                let ty = self.any_ty();
                let value = self.expr(ty, Ctx::new(Stage::Ranked, 3));
                self.define(name.clone(), ty, Stage::Ranked);
                format!("let {name} = {value}")
            }
        }
    }

    fn bonus(&mut self, i: u32) -> String {
        let name = format!("bonus{i}");
        let ctx = Ctx::new(Stage::Bonus, 3);
        let mut text = format!("bonus {name}");
        if self.c.below(3) != 0 {
            text.push_str(&format!("\n  when {}", self.bool_expr(ctx)));
        }
        let pays = match self.c.below(8) {
            1 if !self.ranks.is_empty() => {
                let table = if !self.percent_tables.is_empty() && self.one_in(2) {
                    let n = self.c.below(self.percent_tables.len() as u32) as usize;
                    self.percent_tables.get(n).cloned().unwrap_or_default()
                } else {
                    self.fixed_table()
                };
                let value = self.expr(Ty::Money, ctx.deeper());
                if self.one_in(3) {
                    let k = self.pick(&["0", "1", "2", "3"]);
                    format!("differential({value}, {table}, from level {k})")
                } else {
                    format!("differential({value}, {table})")
                }
            }
            2 => {
                let pot = self.percent();
                let shares = self.expr(Ty::Count, ctx.deeper());
                format!("pool({pot} of total(cv), {shares})")
            }
            3 => self.level_sum(Ty::Money, ctx),
            4 if self.one_in(8) => self.expr(Ty::Volume, ctx), // refused: not money
            _ => self.expr(Ty::Money, ctx),
        };
        text.push_str(&format!("\n  pays {pays}"));
        if self.one_in(3) {
            let cap = if !self.ranks.is_empty() && self.one_in(2) {
                self.table(Ty::Money, ctx.deeper())
            } else {
                self.expr(Ty::Money, ctx.deeper())
            };
            text.push_str(&format!("\n  cap {cap}"));
        }
        self.define(name, Ty::Money, Stage::Bonus);
        text
    }

    fn limit(&mut self) -> String {
        match self.c.below(3) {
            0 => format!("limit payout to {} of total(cv)", self.percent()),
            1 => format!("limit payout to {}", self.number(Ty::Money)),
            _ => {
                let value = self.expr(Ty::Money, Ctx::new(Stage::Base, 1));
                format!("limit payout to total({value})")
            }
        }
    }

    fn export(&mut self, i: u32) -> String {
        let twice = self.one_in(40); // refused: a column exported twice
        if !self.ranks.is_empty() && self.one_in(2) {
            let rank = "rank".to_string();
            if twice || !self.exported.contains(&rank) {
                self.exported.push(rank);
                return "export rank".to_string();
            }
        }
        if self.one_in(2) && !self.names.is_empty() {
            let n = self.c.below(self.names.len() as u32) as usize;
            if let Some(name) = self.names.get(n).map(|n| n.name.clone()) {
                if twice || !self.exported.contains(&name) {
                    self.exported.push(name.clone());
                    return format!("export {name}");
                }
            }
        }
        let ty = self.any_ty();
        let value = self.expr(ty, Ctx::new(Stage::Bonus, 2));
        format!("export e{i} = {value}")
    }

    fn rank_ok(&self, ctx: Ctx) -> bool {
        !self.ranks.is_empty()
            && match ctx.stage {
                Stage::Base => false,
                Stage::Rank => ctx.below && !ctx.up,
                Stage::Ranked | Stage::Bonus => true,
            }
    }

    /// Names of type `ty` the context may read.
    fn names_of(&self, ty: Ty, ctx: Ctx) -> Vec<String> {
        self.names
            .iter()
            .filter(|n| n.ty == ty && n.stage <= ctx.stage)
            .filter(|n| n.stage != Stage::Ranked || self.rank_ok(ctx))
            .map(|n| n.name.clone())
            .collect()
    }

    fn number(&mut self, ty: Ty) -> String {
        match ty {
            Ty::Count => self.pick(&["0", "1", "2", "3", "10"]).to_string(),
            Ty::Percent => self.percent(),
            _ if self.one_in(12) => self.pick(&EXTREMES).to_string(),
            _ => self.pick(&NUMBERS).to_string(),
        }
    }

    /// Mostly a number that is not zero; now and then a value that may be.
    fn divisor(&mut self, ty: Ty, ctx: Ctx) -> String {
        if self.one_in(4) {
            self.unit_expr(ty, ctx)
        } else {
            self.pick(&DIVISORS).to_string()
        }
    }

    fn percent(&mut self) -> String {
        self.pick(&PERCENTS).to_string()
    }

    fn expr(&mut self, ty: Ty, ctx: Ctx) -> String {
        if ty == Ty::Bool {
            return self.bool_expr(ctx);
        }
        if ctx.depth == 0 {
            return self.leaf(ty, ctx);
        }
        let inner = ctx.deeper();
        match (ty, self.c.below(14)) {
            (_, 0..=3) => self.leaf(ty, ctx),
            (Ty::Percent, 4) if self.rank_ok(ctx) => self.table(ty, inner),
            (Ty::Percent, _) => self.leaf(ty, ctx),
            (_, 4) => {
                let op = self.pick(&["+", "-"]);
                let a = self.expr(ty, inner);
                let b = self.expr(ty, inner);
                format!("({a} {op} {b})")
            }
            (Ty::Volume | Ty::Money, 5) => {
                let p = self.expr(Ty::Percent, inner);
                let x = self.expr(ty, inner);
                format!("({p} of ({x}))")
            }
            (_, 6) => {
                let x = self.unit_expr(ty, inner);
                if self.one_in(2) {
                    let factor = if self.one_in(2) {
                        self.expr(Ty::Count, inner)
                    } else {
                        self.number(Ty::Number)
                    };
                    format!("({factor} * {x})")
                } else if self.one_in(2) {
                    self.whole(ty, x, inner)
                } else {
                    format!("({x} / {})", self.divisor(Ty::Count, inner))
                }
            }
            (_, 7) => {
                let f = self.pick(&["min", "max"]);
                let args: Vec<String> = (0..2 + self.c.below(2))
                    .map(|_| self.expr(ty, inner))
                    .collect();
                format!("{f}({})", args.join(", "))
            }
            (_, 8) => {
                let cond = self.bool_expr(inner);
                let a = self.unit_expr(ty, inner);
                let b = self.expr(ty, inner);
                format!("(if {cond} then {a} else {b})")
            }
            (Ty::Count, 9 | 10) => self.count(inner),
            (_, 9) => self.aggregate(ty, ctx),
            (_, 10) => self.level_sum(ty, ctx),
            (Ty::Number, _) => {
                let of = *[Ty::Volume, Ty::Money, Ty::Count]
                    .get(self.c.below(3) as usize)
                    .unwrap_or(&Ty::Volume);
                let a = self.unit_expr(of, inner);
                let b = self.divisor(of, inner);
                format!("({a} / {b})")
            }
            (Ty::Money, 11) => format!("money({})", self.expr(Ty::Volume, inner)),
            (_, 11 | 12) => {
                // A total has one value for everyone: only base values.
                let value = self.expr(ty, Ctx::new(Stage::Base, inner.depth));
                format!("total({value})")
            }
            (_, 13) => format!("-{}", self.leaf(ty, ctx)),
            _ => self.leaf(ty, ctx),
        }
    }

    /// `x` (of type `ty`) rounded, divided whole or taken a remainder of.
    fn whole(&mut self, ty: Ty, x: String, ctx: Ctx) -> String {
        match self.c.below(6) {
            0 => format!("floor({x})"),
            1 => format!("ceil({x})"),
            2 => format!("round({x}, {})", self.pick(&["0", "1", "2", "12"])),
            3 => {
                let mode = self.pick(&ROUNDING[..5]);
                format!("round({x}, {}, {mode})", self.pick(&["0", "2", "3"]))
            }
            4 => format!("({x} div {})", self.divisor(Ty::Count, ctx)),
            _ => format!("({x} mod {})", self.divisor(ty, ctx)),
        }
    }

    /// An expression of type `ty` that is not a bare number, which would
    /// take its unit from the other side.
    fn unit_expr(&mut self, ty: Ty, ctx: Ctx) -> String {
        let text = self.expr(ty, ctx);
        let bare = text
            .trim_start_matches(['-', '('])
            .starts_with(|c: char| c.is_ascii_digit());
        match ty {
            _ if !bare => text,
            Ty::Volume => "pv".to_string(),
            Ty::Money => "cv".to_string(),
            Ty::Count => "count(children)".to_string(),
            _ => text,
        }
    }

    fn leaf(&mut self, ty: Ty, ctx: Ctx) -> String {
        let names = self.names_of(ty, ctx);
        if names.is_empty() || self.c.below(3) == 0 {
            if ty == Ty::Count && self.one_in(3) {
                return "count(children)".to_string();
            }
            return self.number(ty);
        }
        names
            .get(self.c.below(names.len() as u32) as usize)
            .cloned()
            .unwrap_or_default()
    }

    fn bool_expr(&mut self, ctx: Ctx) -> String {
        if ctx.depth == 0 {
            return self.bool_leaf(ctx);
        }
        let inner = ctx.deeper();
        match self.c.below(10) {
            0 => self.bool_leaf(ctx),
            1 | 2 => {
                let ty = *NUMERIC.get(self.c.below(4) as usize).unwrap_or(&Ty::Volume);
                let op = self.pick(&[">=", ">", "<", "<=", "=", "!="]);
                let a = self.unit_expr(ty, inner);
                let b = if self.one_in(20) {
                    // Refused now and then: the units differ.
                    self.expr(Ty::Money, inner)
                } else {
                    self.expr(ty, inner)
                };
                format!("{a} {op} {b}")
            }
            3 => {
                let a = self.bool_expr(inner);
                let b = self.bool_expr(inner);
                format!("({a} and {b})")
            }
            4 => {
                let a = self.bool_expr(inner);
                let b = self.bool_expr(inner);
                format!("({a} or {b})")
            }
            5 => format!("not ({})", self.bool_expr(inner)),
            6 | 7 => {
                let f = self.pick(&["any", "all"]);
                let (relation, at) = self.relation(ctx, true);
                let value = self.bool_expr(at);
                let filter = self.filter(at);
                format!("{f}({value} over {relation}{filter})")
            }
            8 => format!("({}) = ({})", self.bool_leaf(ctx), self.bool_leaf(ctx)),
            _ if self.rank_ok(ctx) => self.rank_compare(),
            _ => self.bool_leaf(ctx),
        }
    }

    fn bool_leaf(&mut self, ctx: Ctx) -> String {
        if ctx.children && self.placement && self.one_in(3) {
            return format!("within {}", self.pick(&["left", "right"]));
        }
        if self.rank_ok(ctx) && self.one_in(3) {
            return self.rank_compare();
        }
        let names = self.names_of(Ty::Bool, ctx);
        if names.is_empty() || self.c.below(3) == 0 {
            let ty = if self.one_in(2) {
                Ty::Volume
            } else {
                Ty::Money
            };
            let a = self.leaf(ty, ctx);
            let b = self.number(ty);
            return if self.one_in(8) {
                self.pick(&["true", "false"]).to_string()
            } else {
                format!("{a} >= {b}")
            };
        }
        names
            .get(self.c.below(names.len() as u32) as usize)
            .cloned()
            .unwrap_or_default()
    }

    fn rank_compare(&mut self) -> String {
        let op = self.pick(&[">=", "=", "!=", ">", "<", "<="]);
        let n = self.c.below(self.ranks.len() as u32) as usize;
        let rank = self.ranks.get(n).cloned().unwrap_or_default();
        format!("rank {op} {rank}")
    }

    /// `by rank { ... }` with values of type `ty`.
    fn table(&mut self, ty: Ty, ctx: Ctx) -> String {
        self.table_of(|g| g.leaf(ty, ctx))
    }

    /// `by rank { ... }` of fixed percentages (what `differential` takes).
    fn fixed_table(&mut self) -> String {
        self.table_of(|g| g.pick(&PERCENTS[..9]).to_string())
    }

    fn table_of(&mut self, mut value: impl FnMut(&mut Self) -> String) -> String {
        let mut entries = Vec::new();
        for (i, rank) in self.ranks.clone().into_iter().enumerate() {
            // Each rank now and then left out, but never all of them.
            if self.c.below(4) != 0 || (i == 0 && !self.one_in(30)) {
                entries.push(format!("{rank}: {}", value(self)));
            }
        }
        if self.one_in(60) {
            entries.push("nobody: 1".to_string()); // refused: no such rank
        }
        format!("by rank {{ {} }}", entries.join(", "))
    }

    /// A `by rank` table of whole numbers, and its largest entry.
    fn depth_table(&mut self) -> (String, u32) {
        let mut entries = Vec::new();
        let mut largest = 0;
        for (i, rank) in self.ranks.clone().into_iter().enumerate() {
            if self.c.below(4) != 0 || i == 0 {
                let depth = 1 + self.c.below(6);
                largest = largest.max(depth);
                entries.push(format!("{rank}: {depth}"));
            }
        }
        (format!("by rank {{ {} }}", entries.join(", ")), largest)
    }

    /// `count(RELATION [where CONDITION])`.
    fn count(&mut self, ctx: Ctx) -> String {
        let (relation, at) = self.relation(ctx, true);
        let filter = self.filter(at);
        format!("count({relation}{filter})")
    }

    fn filter(&mut self, at: Ctx) -> String {
        if self.one_in(2) {
            format!(" where {}", self.bool_expr(at))
        } else {
            String::new()
        }
    }

    /// `sum`, `min` or `max` of a value over related members.
    fn aggregate(&mut self, ty: Ty, ctx: Ctx) -> String {
        let f = self.pick(&["sum", "min", "max"]);
        let (relation, at) = self.relation(ctx, f == "sum");
        let value = self.expr(ty, at);
        let filter = self.filter(at);
        format!("{f}({value} over {relation}{filter})")
    }

    /// `sum(VALUE over levels|generations ... at RATES)`.
    fn level_sum(&mut self, ty: Ty, ctx: Ctx) -> String {
        let at = Ctx {
            below: true,
            children: false,
            ..ctx.deeper()
        };
        let (range, levels) = self.levels(ctx);
        let relation = match self.c.below(3) {
            1 => format!("levels {range} compressed by {}", self.bool_expr(at)),
            2 => format!("generations {range} counting {}", self.bool_expr(at)),
            _ => self.levels_relation(&range),
        };
        let value = self.expr(ty, at);
        let filter = self.filter(at);
        let mut rates: Vec<String> = (0..levels).map(|_| self.percent()).collect();
        if self.one_in(60) {
            rates.pop(); // refused: one rate short
        }
        if rates.is_empty() || self.one_in(4) {
            format!("sum({value} over {relation}{filter})")
        } else {
            format!(
                "sum({value} over {relation}{filter} at {})",
                rates.join(", ")
            )
        }
    }

    /// A level range and how many levels (rates) it has.
    fn levels(&mut self, ctx: Ctx) -> (String, u32) {
        if self.rank_ok(ctx) && self.one_in(3) {
            if !self.depth_tables.is_empty() && self.one_in(2) {
                let n = self.c.below(self.depth_tables.len() as u32) as usize;
                if let Some((name, largest)) = self.depth_tables.get(n) {
                    return (format!("1..{name}"), *largest);
                }
            }
            let (table, largest) = self.depth_table();
            return (format!("1..{table}"), largest);
        }
        let first = 1 + self.c.below(3);
        let last = match self.c.below(12) {
            10 => 64,
            11 if self.one_in(8) => 65,       // refused: too deep
            9 if self.one_in(8) => first - 1, // refused: empty
            n => first + n % 5,
        };
        let levels = (last + 1).saturating_sub(first);
        (format!("{first}..{last}"), levels)
    }

    /// `levels a..b`, or `level k` for a single level.
    fn levels_relation(&mut self, range: &str) -> String {
        match range.split_once("..") {
            Some((a, b)) if a == b && self.one_in(2) => format!("level {a}"),
            _ => format!("levels {range}"),
        }
    }

    /// A relation, and the context of the members it reaches.
    fn relation(&mut self, ctx: Ctx, levels: bool) -> (String, Ctx) {
        let inner = ctx.deeper();
        let down = Ctx {
            below: true,
            children: false,
            ..inner
        };
        let options = if levels { 9 } else { 7 };
        match self.c.below(options) {
            0 => (
                "children".to_string(),
                Ctx {
                    children: true,
                    ..down
                },
            ),
            1 => (
                "legs".to_string(),
                Ctx {
                    children: true,
                    ..down
                },
            ),
            2 => ("downline".to_string(), down),
            3 => (
                "group".to_string(),
                Ctx {
                    children: false,
                    ..inner
                },
            ),
            4 | 5 if self.placement => {
                // The placement tree is not the sponsor tree: no ranks below.
                let side = self.pick(&["left", "right"]);
                (side.to_string(), Ctx { up: true, ..down })
            }
            4..=6 => (
                "upline".to_string(),
                Ctx {
                    up: true,
                    children: false,
                    ..inner
                },
            ),
            7 => {
                let (range, _) = self.levels(ctx);
                (self.levels_relation(&range), down)
            }
            _ => {
                let (range, _) = self.levels(ctx);
                let counting = self.bool_expr(down);
                (format!("generations {range} counting {counting}"), down)
            }
        }
    }
}
