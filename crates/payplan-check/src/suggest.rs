//! The language's built-in words, and the "did you mean" suggestion among
//! names the plan could have meant.

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

/// The candidate most like `name` (Jaro-Winkler above 0.8), for a "did you
/// mean" help line.
pub fn suggest<'s>(name: &str, candidates: impl IntoIterator<Item = &'s str>) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(name, c);
        if c != name && score > 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}
