//! Prices without floating point: euro amounts are held as integer cents and written as decimal
//! strings (`"12.50"`), so `0.1 + 0.2` rounding never reaches a price list.

use std::fmt;

/// An amount of euros, in cents. Used for prices per m² (€/m²).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cents(pub i64);

/// Highest accepted amount: €10,000,000.00, far above any land price per m², low enough that
/// arithmetic on it never overflows.
const MAX_CENTS: i64 = 1_000_000_000;

impl Cents {
    /// Parses a non-negative euro amount with at most two decimals: `"12"`, `"12.5"`, `"12.50"`.
    /// A decimal comma (`"12,50"`) is accepted too, as German users type it.
    pub fn parse_eur(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (whole, fraction) = match text.split_once(['.', ',']) {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !fraction.is_none_or(digits) {
            return Err(format!(
                "`{text}` is not a euro amount like \"12.50\" (non-negative, at most two decimals)"
            ));
        }
        let fraction = fraction.unwrap_or("");
        if fraction.len() > 2 {
            return Err(format!("`{text}` has more than two decimals"));
        }
        let euros: i64 = whole
            .parse()
            .ok()
            .filter(|e| *e <= MAX_CENTS / 100)
            .ok_or_else(|| format!("`{text}` is too large"))?;
        let cents: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().unwrap_or(0) * 10,
            _ => fraction.parse::<i64>().unwrap_or(0),
        };
        Ok(Cents(euros * 100 + cents))
    }
}

impl fmt::Display for Cents {
    /// Two decimals, point as separator: `1250` → `12.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_exactly() {
        for (input, cents, shown) in [
            ("12", 1200, "12.00"),
            ("12.5", 1250, "12.50"),
            ("0.07", 7, "0.07"),
            ("12,50", 1250, "12.50"),
        ] {
            let c = Cents::parse_eur(input).unwrap();
            assert_eq!(c, Cents(cents));
            assert_eq!(c.to_string(), shown);
        }
    }

    #[test]
    fn rejects_what_is_not_money() {
        for bad in ["", "-1", "1.234", "1e3", "abc", "12.", ".5", "99999999999"] {
            assert!(Cents::parse_eur(bad).is_err(), "{bad}");
        }
    }
}
