//! CSV formula injection: a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or
//! with a tab or carriage return, or after leading spaces, or with the full-width forms
//! `＝＋－＠`) as a formula. Every CSV the service writes prefixes such text with `'`, which
//! spreadsheets show as text; the importer takes that `'` off again, so export → import changes
//! nothing. Text that itself starts with `'` before such a start gets one more `'`, so a value
//! written `'=x` on purpose survives the round trip too.

const TRIGGERS: &[char] = &['=', '+', '-', '@', '＝', '＋', '－', '＠'];

/// Whether a spreadsheet could take `text` for a formula.
pub fn is_risky(text: &str) -> bool {
    text.starts_with(['\t', '\r']) || text.trim_start().starts_with(TRIGGERS)
}

/// Whether an export writes `text` with a `'` before it.
pub fn needs_prefix(text: &str) -> bool {
    is_risky(text.trim_start_matches('\''))
}

/// `text` as it was before an export defused it (one `'` taken off); anything else unchanged.
pub fn undo(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if needs_prefix(rest) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defused_cells_come_back_as_they_were() {
        for original in [
            "=1+1",
            "+49 3874 1234",
            "  -x",
            "\t=A1",
            "＠user",
            "@sum(A1)",
            "'=x",
            "'' +1",
        ] {
            assert!(needs_prefix(original), "{original:?}");
            assert_eq!(undo(&format!("'{original}")), original);
        }
        for harmless in ["12.50", "Gewerbefläche", "'quoted'", "a=b"] {
            assert!(!needs_prefix(harmless));
            assert_eq!(undo(harmless), harmless);
        }
    }
}
