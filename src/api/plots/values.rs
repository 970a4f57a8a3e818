//! How the values of search parameters are read: lists as `a,b` or JSON arrays, ids, AGS
//! keys, vocabularies and numbers, each failure collected with its parameter's name.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::domain::plot::Vocabulary;
use crate::domain::search::{is_ags, MAX_PLACE_VALUES};
use crate::domain::FieldError;

/// Accepts `"a,b"` (query strings) or `["a", "b"]` (JSON bodies); numbers become text.
pub(crate) fn list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    let scalar = |v: Value| match v {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected text or a list of texts, got {other}"
        ))),
    };
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Array(items) => items
            .into_iter()
            .map(scalar)
            .collect::<Result<_, _>>()
            .map(Some),
        Value::String(s) => Ok(Some(s.split(',').map(|p| p.trim().to_owned()).collect())),
        other => scalar(other).map(|s| Some(vec![s])),
    }
}

/// Text; in a JSON body a number is read as its text too, as `q=156` is in a query string
/// (keeps JSON bodies and query strings alike). Anything else is refused.
pub(super) fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(serde::de::Error::custom(format!(
            "expected text, got {other}"
        ))),
    }
}

pub(super) fn err(name: &str, detail: impl Into<String>) -> FieldError {
    FieldError::new(name, detail)
}

pub(super) fn vocab<T: Vocabulary>(
    name: &str,
    values: &Option<Vec<String>>,
    errors: &mut Vec<FieldError>,
) -> Vec<T> {
    let mut out = Vec::new();
    for value in values.iter().flatten() {
        match T::parse(value) {
            Some(v) => out.push(v),
            None => {
                let allowed: Vec<&str> = T::ALL.iter().map(|v| v.as_str()).collect();
                errors.push(err(
                    name,
                    format!("unknown value `{value}`; use one of {}", allowed.join(", ")),
                ))
            }
        }
    }
    out
}

pub(crate) fn ids(
    name: &str,
    values: &Option<Vec<String>>,
    errors: &mut Vec<FieldError>,
) -> Vec<i64> {
    let mut out = Vec::new();
    if values.as_ref().is_some_and(|v| v.len() > MAX_PLACE_VALUES) {
        errors.push(err(name, format!("at most {MAX_PLACE_VALUES} values")));
        return out;
    }
    for value in values.iter().flatten() {
        match value.parse::<i64>() {
            Ok(id) if id >= 1 => out.push(id),
            _ => errors.push(err(
                name,
                format!("`{value}` is not an id (a whole number ≥ 1)"),
            )),
        }
    }
    out
}

/// Municipality ids and AGS keys (`is_ags`), each checked.
pub(crate) fn municipalities(
    values: &Option<Vec<String>>,
    errors: &mut Vec<FieldError>,
) -> (Vec<i64>, Vec<String>) {
    let (ags, rest): (Vec<String>, Vec<String>) =
        values.iter().flatten().cloned().partition(|v| is_ags(v));
    if values.as_ref().is_some_and(|v| v.len() > MAX_PLACE_VALUES) {
        errors.push(err(
            "municipality",
            format!("at most {MAX_PLACE_VALUES} values"),
        ));
        return (Vec::new(), Vec::new());
    }
    let mut ids = Vec::new();
    for value in rest {
        match value.parse::<i64>() {
            Ok(id) if id >= 1 => ids.push(id),
            _ => errors.push(err(
                "municipality",
                format!("`{value}` is neither an id (a whole number ≥ 1) nor an AGS (8 digits)"),
            )),
        }
    }
    (ids, ags)
}

pub(super) fn numbers(
    name: &str,
    values: &[String],
    count: usize,
    errors: &mut Vec<FieldError>,
) -> Option<Vec<f64>> {
    let parsed: Option<Vec<f64>> = values
        .iter()
        .map(|v| v.parse::<f64>().ok().filter(|n| n.is_finite()))
        .collect();
    match parsed {
        Some(n) if n.len() == count => Some(n),
        _ => {
            errors.push(err(
                name,
                format!("must be {count} comma-separated numbers"),
            ));
            None
        }
    }
}
