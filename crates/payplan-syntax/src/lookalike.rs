//! Characters outside ASCII where a plan's words are written: the ones that
//! look like an ASCII character, and what to type instead.

use crate::error::SyntaxError;
use crate::span::Span;

/// An ASCII character a non-ASCII one looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookAlike {
    /// What the character is: `a Cyrillic letter`, `a typographic quote`...
    pub kind: &'static str,
    /// What to type instead: `a`, `"`, `<=`, ` `.
    pub ascii: &'static str,
}

const CYRILLIC: &str = "a Cyrillic letter";
const GREEK: &str = "a Greek letter";
const LATIN: &str = "a Latin letter from outside ASCII";

/// Letters and signs that look like ASCII, with what to type instead.
const TABLE: &[(char, &str, &str)] = &[
    ('а', CYRILLIC, "a"),
    ('е', CYRILLIC, "e"),
    ('о', CYRILLIC, "o"),
    ('р', CYRILLIC, "p"),
    ('с', CYRILLIC, "c"),
    ('у', CYRILLIC, "y"),
    ('х', CYRILLIC, "x"),
    ('і', CYRILLIC, "i"),
    ('ј', CYRILLIC, "j"),
    ('ѕ', CYRILLIC, "s"),
    ('һ', CYRILLIC, "h"),
    ('ԁ', CYRILLIC, "d"),
    ('ԛ', CYRILLIC, "q"),
    ('ԝ', CYRILLIC, "w"),
    ('ӏ', CYRILLIC, "l"),
    ('А', CYRILLIC, "A"),
    ('В', CYRILLIC, "B"),
    ('Е', CYRILLIC, "E"),
    ('К', CYRILLIC, "K"),
    ('М', CYRILLIC, "M"),
    ('Н', CYRILLIC, "H"),
    ('О', CYRILLIC, "O"),
    ('Р', CYRILLIC, "P"),
    ('С', CYRILLIC, "C"),
    ('Т', CYRILLIC, "T"),
    ('Х', CYRILLIC, "X"),
    ('І', CYRILLIC, "I"),
    ('Ј', CYRILLIC, "J"),
    ('Ѕ', CYRILLIC, "S"),
    ('Ү', CYRILLIC, "Y"),
    ('α', GREEK, "a"),
    ('ο', GREEK, "o"),
    ('ν', GREEK, "v"),
    ('ι', GREEK, "i"),
    ('κ', GREEK, "k"),
    ('ρ', GREEK, "p"),
    ('υ', GREEK, "u"),
    ('χ', GREEK, "x"),
    ('Α', GREEK, "A"),
    ('Β', GREEK, "B"),
    ('Ε', GREEK, "E"),
    ('Ζ', GREEK, "Z"),
    ('Η', GREEK, "H"),
    ('Ι', GREEK, "I"),
    ('Κ', GREEK, "K"),
    ('Μ', GREEK, "M"),
    ('Ν', GREEK, "N"),
    ('Ο', GREEK, "O"),
    ('Ρ', GREEK, "P"),
    ('Τ', GREEK, "T"),
    ('Υ', GREEK, "Y"),
    ('Χ', GREEK, "X"),
    ('ı', LATIN, "i"),
    ('ɡ', LATIN, "g"),
    ('‘', "a typographic quote", "'"),
    ('’', "a typographic quote", "'"),
    ('“', "a typographic quote", "\""),
    ('”', "a typographic quote", "\""),
    ('„', "a typographic quote", "\""),
    ('‐', "a dash", "-"),
    ('‑', "a dash", "-"),
    ('‒', "a dash", "-"),
    ('–', "a dash", "-"),
    ('—', "a dash", "-"),
    ('−', "a minus sign", "-"),
    ('×', "a multiplication sign", "*"),
    ('÷', "a division sign", "/"),
    ('≤', "a math sign", "<="),
    ('≥', "a math sign", ">="),
    ('≠', "a math sign", "!="),
    ('\u{a0}', "a no-break space", " "),
    ('\u{202f}', "a no-break space", " "),
];

/// The printable ASCII characters, for the fullwidth forms (U+FF01 to U+FF5E).
const PRINTABLE: &str =
    "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

/// The ASCII character `c` looks like, if any.
pub fn look_alike(c: char) -> Option<LookAlike> {
    if let Some(&(_, kind, ascii)) = TABLE.iter().find(|(x, _, _)| *x == c) {
        return Some(LookAlike { kind, ascii });
    }
    let offset = u32::from(c).checked_sub(0xff01)?;
    let i = usize::try_from(offset).ok()?;
    let ascii = PRINTABLE.get(i..=i)?;
    Some(LookAlike {
        kind: "a fullwidth character",
        ascii,
    })
}

/// The error for the first non-ASCII character of `token` (which starts at
/// `start` in the source), if it has one.
pub(crate) fn non_ascii(token: &str, start: usize) -> Option<SyntaxError> {
    let (at, ch) = token.char_indices().find(|(_, c)| !c.is_ascii())?;
    let span = Span::new(start + at, start + at + ch.len_utf8());
    Some(SyntaxError::NonAscii {
        span,
        ch,
        look_alike: look_alike(ch),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_name_their_ascii_character() {
        assert_eq!(look_alike('а').map(|l| l.ascii), Some("a"));
        assert_eq!(look_alike('ο').map(|l| l.kind), Some(GREEK));
        assert_eq!(look_alike('Ａ').map(|l| l.ascii), Some("A"));
        assert_eq!(look_alike('～').map(|l| l.ascii), Some("~"));
        assert_eq!(look_alike('“').map(|l| l.ascii), Some("\""));
        assert_eq!(look_alike('é'), None);
        assert_eq!(look_alike('a'), None);
    }

    #[test]
    fn table_entries_are_outside_ascii() {
        for (c, _, ascii) in TABLE {
            assert!(!c.is_ascii() && ascii.is_ascii(), "{c}");
        }
        assert_eq!(PRINTABLE.len(), 0x7e - 0x21 + 1);
    }
}
