//! "Did you mean" suggestions for misspelled words, for every stage.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_words_are_suggested() {
        let words = ["bonus", "currency", "let"];
        assert_eq!(suggest("bonuss", words).as_deref(), Some("bonus"));
        assert_eq!(suggest("curency", words).as_deref(), Some("currency"));
        assert_eq!(suggest("zzz", words), None);
        assert_eq!(suggest("let", words), None);
    }
}
