//! The words of the plan language: the one list the parser and its messages
//! read. `grammar/plan.pest` spells them too (a `kw_` rule each, and the
//! reserved ones in its `keyword` rule); a test keeps the two in step.

/// What a keyword does in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Starts a statement: `let`, `bonus`, `currency`...
    Statement,
    /// A fixed part of a statement: `when`, `pays`, `default`...
    Clause,
    /// An operator between two values: `and`, `or`, `of`.
    Infix,
    /// An operator before a value: `not`.
    Prefix,
    /// Starts an expression: `if`, `by`, `count`, `within`.
    ExprStart,
    /// A later part of an expression: `then`, `else`, `over`, `counting`.
    ExprPart,
    /// Starts a relation: `levels`, `level`, `generations`.
    Relation,
    /// An optional tail of an aggregate or relation: `where`, `at`, `compressed`.
    Tail,
    /// A value: `true`, `false`.
    Literal,
}

/// A word of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    pub word: &'static str,
    pub role: Role,
    /// Whether the word cannot name a definition (the grammar's `keyword`
    /// rule). A word that is not reserved is contextual: a keyword where the
    /// grammar expects it, a name elsewhere.
    pub reserved: bool,
}

const fn kw(word: &'static str, role: Role, reserved: bool) -> Keyword {
    Keyword {
        word,
        role,
        reserved,
    }
}

/// Every keyword, statement keywords first in the order messages list them.
pub const KEYWORDS: &[Keyword] = &[
    kw("plan", Role::Statement, true),
    kw("currency", Role::Statement, false),
    kw("rounding", Role::Statement, false),
    kw("uses", Role::Statement, true),
    kw("input", Role::Statement, true),
    kw("let", Role::Statement, true),
    kw("rank", Role::Statement, false),
    kw("bonus", Role::Statement, true),
    kw("limit", Role::Statement, true),
    kw("export", Role::Statement, true),
    kw("placement", Role::Clause, false),
    kw("tree", Role::Clause, false),
    kw("default", Role::Clause, false),
    kw("least", Role::Clause, false),
    kw("most", Role::Clause, false),
    kw("when", Role::Clause, true),
    kw("pays", Role::Clause, true),
    kw("cap", Role::Clause, true),
    kw("payout", Role::Clause, false),
    kw("to", Role::Clause, false),
    kw("and", Role::Infix, true),
    kw("or", Role::Infix, true),
    kw("of", Role::Infix, true),
    kw("div", Role::Infix, false),
    kw("mod", Role::Infix, false),
    kw("not", Role::Prefix, true),
    kw("if", Role::ExprStart, true),
    kw("by", Role::ExprStart, true),
    kw("count", Role::ExprStart, true),
    kw("within", Role::ExprStart, true),
    // `my pct`: the earning member's value inside an aggregate; contextual.
    kw("my", Role::ExprStart, false),
    kw("then", Role::ExprPart, true),
    kw("else", Role::ExprPart, true),
    kw("over", Role::ExprPart, false),
    kw("counting", Role::ExprPart, false),
    kw("from", Role::ExprPart, false),
    kw("levels", Role::Relation, false),
    kw("level", Role::Relation, false),
    kw("generations", Role::Relation, false),
    kw("where", Role::Tail, false),
    kw("at", Role::Tail, false),
    kw("compressed", Role::Tail, false),
    kw("matrix", Role::Relation, false),
    kw("children", Role::Relation, false),
    kw("wide", Role::Clause, false),
    kw("columns", Role::Clause, false),
    kw("full", Role::ExprStart, false),
    kw("true", Role::Literal, true),
    kw("false", Role::Literal, true),
];

/// The keyword `word` is, if any.
pub fn keyword(word: &str) -> Option<&'static Keyword> {
    KEYWORDS.iter().find(|k| k.word == word)
}

/// Whether `word` cannot name a definition.
pub fn is_reserved(word: &str) -> bool {
    keyword(word).is_some_and(|k| k.reserved)
}

/// Whether `word` has `role`.
pub fn has_role(word: &str, role: Role) -> bool {
    keyword(word).is_some_and(|k| k.role == role)
}

/// The words that start a statement, in the order messages list them.
pub fn statement_words() -> impl Iterator<Item = &'static str> {
    KEYWORDS
        .iter()
        .filter(|k| k.role == Role::Statement)
        .map(|k| k.word)
}
