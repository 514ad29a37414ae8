//! The language's built-in names (functions, relations, types), which the
//! checker resolves and suggests among; the grammar's keywords are
//! `payplan_syntax::keywords`.

/// The functions, for the suggestion after an unknown one.
pub(crate) const FUNCTIONS: &[&str] = &[
    "sum",
    "count",
    "min",
    "max",
    "any",
    "all",
    "total",
    "money",
    "floor",
    "ceil",
    "round",
    "differential",
    "pool",
];

/// The functions that aggregate over a relation.
pub(crate) const AGGREGATES: [&str; 6] = ["sum", "count", "min", "max", "any", "all"];

/// The relations named by a word.
pub(crate) const RELATIONS: &[&str] = &[
    "children",
    "legs",
    "downline",
    "group",
    "upline",
    "left",
    "right",
    "levels",
    "generations",
];

/// The types an input can have.
pub(crate) const TYPES: &[&str] = &["volume", "money", "percent", "count", "bool"];

/// The "did you mean" suggester, shared with the syntax stage.
pub use payplan_syntax::suggest;
