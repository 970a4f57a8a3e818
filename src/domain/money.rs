//! Prices without floating point: euro amounts are held as integer cents and written as decimal
//! strings (`"12.50"`), so `0.1 + 0.2` rounding never reaches a price list.
//!
//! In JSON a `Cents` is the decimal text (`"12.50"`; a JSON number such as `12.5` is read by its
//! decimal text, never through floating point); in the database it is a `bigint` of cents.

use std::fmt;

use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{Output, ToSql};
use diesel::sql_types::BigInt;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of euros, in cents. Used for prices per m² (€/m²).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = BigInt)]
pub struct Cents(pub i64);

/// What an amount looks like in JSON Schema (the `pattern` of every price member).
pub const EUR_PATTERN: &str = "^[0-9]+([.,][0-9]{1,2})?$";

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

impl Serialize for Cents {
    /// The `Display` text, written without `core::fmt` into a stack buffer (a plot's prices go
    /// into every search page; why: `domain::wire_text`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Negative amounts never pass `parse_eur`, and `Display` writes them oddly (`-5` →
        // `0.-5`): only `Display` knows how.
        if self.0 < 0 {
            return serializer.collect_str(self);
        }
        let mut euros = itoa::Buffer::new();
        let euros = euros.format(self.0 / 100);
        let cents = (self.0 % 100) as u8;
        let mut out = [0u8; 23];
        out[..euros.len()].copy_from_slice(euros.as_bytes());
        let at = euros.len();
        out[at..at + 3].copy_from_slice(&[b'.', b'0' + cents / 10, b'0' + cents % 10]);
        serializer.serialize_str(std::str::from_utf8(&out[..at + 3]).expect("ASCII digits"))
    }
}

impl<'de> Deserialize<'de> for Cents {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "expected a euro amount like \"12.50\", got {other}"
                )))
            }
        };
        Cents::parse_eur(&text).map_err(serde::de::Error::custom)
    }
}

impl FromSql<BigInt, Pg> for Cents {
    fn from_sql(value: PgValue<'_>) -> diesel::deserialize::Result<Self> {
        <i64 as FromSql<BigInt, Pg>>::from_sql(value).map(Cents)
    }
}

impl ToSql<BigInt, Pg> for Cents {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
        <i64 as ToSql<BigInt, Pg>>::to_sql(&self.0, out)
    }
}

/// An indicative total price of a plot: its area times its price per m² (the range's ends),
/// in whole euros rounded to the nearest thousand, as an estimate should read. `None` without
/// a price. Units: `area_m2` in m²; result in €.
pub fn indicative_total(area_m2: f64, min: Cents, max: Option<Cents>) -> Option<(i64, i64)> {
    if !area_m2.is_finite() || area_m2 <= 0.0 {
        return None;
    }
    let total = |c: Cents| ((area_m2 * c.0 as f64 / 100.0) / 1000.0).round() as i64 * 1000;
    let max = max.filter(|m| *m >= min).unwrap_or(min);
    Some((total(min), total(max)))
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
    fn json_text_is_displays_text() {
        for value in [
            0,
            1,
            9,
            10,
            99,
            100,
            101,
            1250,
            99_999,
            1_000_000_000,
            -5,
            -1250,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(
                serde_json::to_string(&Cents(value)).unwrap(),
                format!("\"{}\"", Cents(value)),
                "{value}"
            );
        }
    }

    #[test]
    fn json_is_decimal_text_both_ways() {
        assert_eq!(serde_json::to_string(&Cents(1250)).unwrap(), "\"12.50\"");
        let read: Cents = serde_json::from_str("12.5").unwrap();
        assert_eq!(read, Cents(1250));
        assert!(serde_json::from_str::<Cents>("\"12.345\"").is_err());
    }

    #[test]
    fn rejects_what_is_not_money() {
        for bad in ["", "-1", "1.234", "1e3", "abc", "12.", ".5", "99999999999"] {
            assert!(Cents::parse_eur(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn indicative_totals_are_area_times_price_rounded_to_thousands() {
        assert_eq!(
            super::indicative_total(12_500.0, Cents(1850), Some(Cents(2200))),
            Some((231_000, 275_000))
        );
        assert_eq!(
            super::indicative_total(800.0, Cents(1000), None),
            Some((8_000, 8_000))
        );
        assert_eq!(super::indicative_total(0.0, Cents(1000), None), None);
    }
}
