//! Numbers as spreadsheets write them. German Excel writes `8000`, `8000,5` and, with the
//! thousands format, `8.000` and `8.000,5`; English Excel `8000`, `8000.5`, `8,000`, `8,000.5`.
//! Most forms say by themselves which separator is the decimal one (`1,5`, `1.234,5`, `0.800`,
//! `1234.567`, `1.234.567`); only a single separator followed by exactly three digits after one
//! to three leading digits (`8.000`, `8,000`, `12.500`) reads two ways. Those are read as the
//! file's locale has it — what its other cells reveal, else what its CSV separator implies
//! (`;`: German Excel) — and refused, naming both readings, where nothing tells. A number is
//! never silently read in the wrong locale.

/// Which separator a file uses for decimals, as far as is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decimal {
    #[default]
    Unknown,
    /// `1.234,5` (German).
    Comma,
    /// `1,234.5` (English).
    Point,
}

impl Decimal {
    /// What a CSV separator implies: `;` is what German Excel writes, with decimal commas. A
    /// `,` or tab file says nothing (QGIS writes points, people type either).
    pub fn of_separator(separator: u8) -> Decimal {
        match separator {
            b';' => Decimal::Comma,
            _ => Decimal::Unknown,
        }
    }

    fn char(self) -> Option<char> {
        match self {
            Decimal::Comma => Some(','),
            Decimal::Point => Some('.'),
            Decimal::Unknown => None,
        }
    }

    fn of_char(c: char) -> Decimal {
        match c {
            ',' => Decimal::Comma,
            _ => Decimal::Point,
        }
    }
}

/// What the numeric cells of a file reveal about its decimal separator.
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence {
    comma: bool,
    point: bool,
}

impl Evidence {
    /// Takes note of one numeric cell.
    pub fn see(&mut self, text: &str) {
        match reveals(text) {
            Decimal::Comma => self.comma = true,
            Decimal::Point => self.point = true,
            Decimal::Unknown => {}
        }
    }

    /// The file's decimal separator: what its cells reveal if they agree, else `implied` (by
    /// the CSV separator) if they reveal nothing; cells that contradict each other leave it
    /// unknown.
    pub fn decimal(self, implied: Decimal) -> Decimal {
        match (self.comma, self.point) {
            (true, false) => Decimal::Comma,
            (false, true) => Decimal::Point,
            (false, false) => implied,
            (true, true) => Decimal::Unknown,
        }
    }
}

/// A number's sign (whether negative) and its digits and separators; `None` for anything
/// else.
fn parts(text: &str) -> Option<(bool, String)> {
    // Spaces (also non-breaking and narrow ones) group thousands in some locales: no meaning.
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{202f}'))
        .collect();
    let (negative, body) = match compact.strip_prefix(['-', '−']) {
        Some(rest) => (true, rest),
        None => (false, compact.strip_prefix('+').unwrap_or(&compact)),
    };
    let valid = body.chars().any(|c| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',');
    valid.then(|| (negative, body.to_owned()))
}

/// Whether `groups` (split at a thousands separator) are grouped as thousands: one to three
/// digits, then groups of exactly three.
fn grouped(groups: &[&str]) -> bool {
    let Some((first, rest)) = groups.split_first() else {
        return false;
    };
    (1..=3).contains(&first.len()) && rest.iter().all(|g| g.len() == 3)
}

/// How `body` (digits and separators) reads with `decimal` as the decimal separator: integer
/// and fraction digits, or `None` if it cannot be read so.
fn read_as(body: &str, decimal: char) -> Option<(String, String)> {
    let group = if decimal == ',' { '.' } else { ',' };
    let (whole, fraction) = match body.split_once(decimal) {
        Some((w, f)) if !f.contains([decimal, group]) => (w, f),
        Some(_) => return None,
        None => (body, ""),
    };
    let groups: Vec<&str> = whole.split(group).collect();
    if groups.len() > 1 && !grouped(&groups) {
        return None;
    }
    let digits: String = groups.concat();
    if digits.is_empty() && fraction.is_empty() {
        return None;
    }
    Some((digits, fraction.to_owned()))
}

/// The separator `body` itself shows to be the decimal one, if only one reading is possible.
fn self_evident(body: &str) -> Result<Option<char>, ()> {
    let (dots, commas) = (body.matches('.').count(), body.matches(',').count());
    let readings: Vec<char> = ['.', ',']
        .into_iter()
        .filter(|d| read_as(body, *d).is_some())
        .collect();
    match readings.as_slice() {
        [] => Err(()),
        [only] if dots + commas > 0 => {
            // A lone separator read as grouping (`1.234.567` reads only with `,` as decimal,
            // which it does not contain): the number is whole, the decimal one is the other.
            Ok(Some(*only))
        }
        [_] => Ok(None),
        _ if dots + commas == 0 => Ok(None),
        _ => {
            // `8.000`: thousands or decimals. `0.800` and `.800` are decimals: nobody groups a
            // leading zero.
            let whole = body.split(['.', ',']).next().unwrap_or_default();
            match whole.is_empty() || whole.trim_start_matches('0').is_empty() {
                true => Ok(Some(if dots > 0 { '.' } else { ',' })),
                false => Ok(None),
            }
        }
    }
}

/// The decimal separator a cell reveals (`1,5`, `8.000,5`, `1.234.567` → comma), if any.
pub fn reveals(text: &str) -> Decimal {
    let Some((_, body)) = parts(text) else {
        return Decimal::Unknown;
    };
    match self_evident(&body) {
        Ok(Some(c)) => Decimal::of_char(c),
        _ => Decimal::Unknown,
    }
}

/// `text` as a plain decimal (`-1234.5`: optional minus, digits, optional point and digits),
/// read in a file whose decimal separator is `decimal`; or why it is not one.
pub fn canonical(text: &str, decimal: Decimal) -> Result<String, String> {
    let not_a_number = || format!("`{}` is not a number", text.trim());
    let (negative, body) = parts(text).ok_or_else(not_a_number)?;
    let separator = match self_evident(&body).map_err(|_| not_a_number())? {
        Some(c) => c,
        None if !body.contains(['.', ',']) => '.',
        None => match decimal.char() {
            Some(c) => c,
            None => return Err(ambiguous(text.trim(), negative, &body)),
        },
    };
    let (digits, fraction) = read_as(&body, separator).ok_or_else(not_a_number)?;
    let digits = digits.trim_start_matches('0');
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(if digits.is_empty() { "0" } else { digits });
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(&fraction);
    }
    Ok(out)
}

/// The refusal of a number that reads two ways, with both readings.
fn ambiguous(text: &str, negative: bool, body: &str) -> String {
    let sign = if negative { "-" } else { "" };
    let reading = |d: char| {
        read_as(body, d)
            .map(|(w, f)| match f.trim_end_matches('0') {
                "" => format!("{sign}{}", w.trim_start_matches('0')),
                f => format!("{sign}{}.{f}", w.trim_start_matches('0')),
            })
            .unwrap_or_default()
    };
    let separator = if body.contains('.') { '.' } else { ',' };
    let (thousands, decimals) = match separator {
        '.' => (reading(','), reading('.')),
        _ => (reading('.'), reading(',')),
    };
    format!(
        "`{text}` is ambiguous: {thousands} if `{separator}` groups thousands, {decimals} if it is the decimal separator; write {thousands} or {decimals}"
    )
}

/// `text` as a number, read as `canonical` does.
pub fn parse(text: &str, decimal: Decimal) -> Result<f64, String> {
    let canonical = canonical(text, decimal)?;
    canonical
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("`{}` is not a number", text.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Decimal; 3] = [Decimal::Unknown, Decimal::Comma, Decimal::Point];

    #[test]
    fn forms_that_say_which_separator_is_decimal() {
        for (text, value) in [
            ("8000", 8000.0),
            ("8000,5", 8000.5),
            ("8000.5", 8000.5),
            ("8.000,5", 8000.5),
            ("8,000.5", 8000.5),
            ("1.234.567", 1_234_567.0),
            ("1,234,567", 1_234_567.0),
            ("1.234.567,89", 1_234_567.89),
            ("1.5", 1.5),
            ("1,5", 1.5),
            ("12,50", 12.5),
            ("0,800", 0.8),
            ("0.800", 0.8),
            (".5", 0.5),
            ("1234.567", 1234.567),
            ("-3,5", -3.5),
            ("8 000", 8000.0),
            ("8\u{a0}000,5", 8000.5),
            (" 42 ", 42.0),
        ] {
            for decimal in ALL {
                assert_eq!(parse(text, decimal), Ok(value), "{text} in {decimal:?}");
            }
        }
    }

    #[test]
    fn forms_that_read_two_ways_follow_the_file_or_are_refused() {
        for (text, comma, point) in [
            ("8.000", 8000.0, 8.0),
            ("8,000", 8.0, 8000.0),
            ("12.500", 12500.0, 12.5),
            ("-1,250", -1.25, -1250.0),
        ] {
            assert_eq!(parse(text, Decimal::Comma), Ok(comma), "{text}");
            assert_eq!(parse(text, Decimal::Point), Ok(point), "{text}");
        }
        assert_eq!(
            parse("8.000", Decimal::Unknown).unwrap_err(),
            "`8.000` is ambiguous: 8000 if `.` groups thousands, 8 if it is the decimal separator; write 8000 or 8"
        );
        assert_eq!(
            parse("12,500", Decimal::Unknown).unwrap_err(),
            "`12,500` is ambiguous: 12500 if `,` groups thousands, 12.5 if it is the decimal separator; write 12500 or 12.5"
        );
    }

    #[test]
    fn what_is_no_number() {
        for text in [
            "",
            "-",
            "x",
            "1.2.3,4,5",
            "1,2.3",
            "12.34.5",
            "1.23.456",
            "8..0",
            "1e5",
            "12 €",
        ] {
            for decimal in ALL {
                assert!(parse(text, decimal).is_err(), "{text:?} in {decimal:?}");
            }
        }
    }

    #[test]
    fn a_files_cells_reveal_its_locale() {
        let evidence = |cells: &[&str]| {
            let mut e = Evidence::default();
            cells.iter().for_each(|c| e.see(c));
            e
        };
        assert_eq!(
            evidence(&["8.000", "1,5"]).decimal(Decimal::Unknown),
            Decimal::Comma
        );
        assert_eq!(
            evidence(&["8,000", "132.4"]).decimal(Decimal::Comma),
            Decimal::Point,
            "cells outweigh the separator"
        );
        assert_eq!(
            evidence(&["8.000", "8000"]).decimal(Decimal::Comma),
            Decimal::Comma,
            "nothing revealed: the separator's word"
        );
        assert_eq!(
            evidence(&["1,5", "1.5"]).decimal(Decimal::Comma),
            Decimal::Unknown,
            "a file that contradicts itself proves nothing"
        );
        assert_eq!(reveals("1.234.567"), Decimal::Comma);
        assert_eq!(reveals("0.800"), Decimal::Point);
        assert_eq!(reveals("Gewerbe 1.5"), Decimal::Unknown);
    }

    #[test]
    fn canonical_text_keeps_the_written_decimals() {
        assert_eq!(canonical("1.250,00", Decimal::Unknown).unwrap(), "1250.00");
        assert_eq!(canonical("13,00", Decimal::Unknown).unwrap(), "13.00");
        assert_eq!(canonical("007", Decimal::Unknown).unwrap(), "7");
        assert_eq!(canonical("-0,5", Decimal::Unknown).unwrap(), "-0.5");
    }
}
