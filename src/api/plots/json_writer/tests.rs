//! The writer against serde_json, byte for byte.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use serde_json::value::RawValue;

use super::*;

/// Written by this writer itself (no fallback) and equal to serde_json's bytes.
fn same<T: Serialize + ?Sized + fmt::Debug>(value: &T) {
    let mut ours = b"prefix".to_vec();
    write(&mut ours, value).unwrap_or_else(|e| panic!("{value:?}: {e}"));
    let theirs = serde_json::to_vec(value).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ours[6..]),
        String::from_utf8_lossy(&theirs),
        "{value:?}"
    );
}

#[test]
fn strings_escape_as_serde_json_does() {
    // Every ASCII byte, at every position in strings around the eight-byte words.
    for byte in 0u8..0x80 {
        for len in 0..18 {
            for at in 0..=len {
                let mut s = "x".repeat(len);
                s.insert(at, byte as char);
                same(&s);
            }
        }
    }
    for s in [
        "",
        "Fläche \"A\" <b>\u{1F3ED}</b>\n",
        "\u{7f}\u{80}\u{2028}\u{2029}\u{feff}",
        "tab\there\r\n\u{0}\u{1f}\u{8}\u{c}",
        "back\\slash/slash",
        "ÄÖÜäöüß€ — ≥ 0 ½",
        "\u{10ffff}",
    ] {
        same(s);
        same(&s.repeat(9));
        same(&'ß');
        same(&'"');
        same(&'\u{1}');
    }
}

#[test]
fn numbers_as_serde_json_writes_them() {
    for f in [
        0.0,
        -0.0,
        1.0,
        0.1,
        -1.5,
        1e-7,
        1.2345e-7,
        1e15,
        1e16,
        1e21,
        1e22,
        123456789.123,
        14873.2,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        5e-324,
        f64::EPSILON,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ] {
        same(&f);
        same(&(f as f32));
        same(&Some(f));
    }
    same(&(i8::MIN, i8::MAX, i16::MIN, i16::MAX, i32::MIN, i32::MAX));
    same(&(i64::MIN, i64::MAX, i128::MIN, i128::MAX, 0i64, -1i64));
    same(&(u8::MAX, u16::MAX, u32::MAX, u64::MAX, u128::MAX, 0u64));
    same(&(true, false, (), None::<i32>, Some(7)));
}

#[derive(Debug, Serialize)]
struct Unit;

#[derive(Debug, Serialize)]
struct Newtype(i32);

#[derive(Debug, Serialize)]
struct Pair(i32, &'static str);

#[derive(Debug, Serialize)]
enum Kinds {
    Unit,
    #[serde(rename = "re\"named")]
    Renamed,
    Newtype(String),
    Tuple(i32, f64),
    Struct {
        a: i32,
        b: Option<String>,
    },
}

#[derive(Debug, Serialize)]
struct Inner {
    x: i32,
    #[serde(rename = "y\u{1}")]
    y: &'static str,
}

#[derive(Debug, Serialize)]
struct Outer {
    id: i64,
    #[serde(flatten)]
    inner: Inner,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    more: Option<Inner>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gone: Option<i32>,
    list: Vec<Kinds>,
    empty: Vec<i32>,
    map: BTreeMap<String, Unit>,
    empty_map: BTreeMap<String, i32>,
    raw: Option<Box<RawValue>>,
    at: DateTime<Utc>,
    on: NaiveDate,
    cents: Option<crate::domain::money::Cents>,
}

#[test]
fn containers_variants_flatten_and_raw_values() {
    same(&Unit);
    same(&Newtype(-3));
    same(&Pair(1, "a"));
    same(&(1, "two", [3.5]));
    same(&Vec::<Vec<i32>>::new());
    same(&vec![vec![], vec![1, 2]]);
    for kind in [
        Kinds::Unit,
        Kinds::Renamed,
        Kinds::Newtype("n\n".into()),
        Kinds::Tuple(1, 0.5),
        Kinds::Struct { a: 1, b: None },
    ] {
        same(&kind);
    }
    let raw = r#"{"type": "Point", "coordinates": [1.5, 2e3]}"#;
    for (more, at) in [
        (None, Utc.timestamp_opt(0, 0).unwrap()),
        (
            Some(Inner { x: -1, y: "ö\"" }),
            Utc.timestamp_opt(1_764_000_000, 123_456_789).unwrap(),
        ),
    ] {
        same(&Outer {
            id: 7,
            inner: Inner { x: 1, y: "y" },
            more,
            gone: None,
            list: vec![Kinds::Unit, Kinds::Tuple(2, -0.0)],
            empty: vec![],
            map: [("k\t".to_owned(), Unit), ("l".to_owned(), Unit)].into(),
            empty_map: BTreeMap::new(),
            raw: RawValue::from_string(raw.into()).ok(),
            at,
            on: NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
            cents: Some(crate::domain::money::Cents(1250)),
        });
    }
    same(&RawValue::from_string("[1, 2]".into()).unwrap());
    same(&serde_json::json!({"a": [1, 2.5, null, "x\"", {"b": {}}], "c": [], "d": -7}));
}

/// A `Display` that needs escaping, through `collect_str`.
#[derive(Debug)]
struct Shown(&'static str);

impl Serialize for Shown {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self.0)
    }
}

/// Bytes, which serde_json writes as an array of numbers.
#[derive(Debug)]
struct Raw8(&'static [u8]);

impl Serialize for Raw8 {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

#[test]
fn collected_strings_and_bytes() {
    for text in ["", "plain", "a\"b\\c\nd", "\u{1}", "ü\u{1f}ü"] {
        same(&Shown(text));
        same(&BTreeMap::from([(Shown(text).0, Shown(text))]));
    }
    same(&Raw8(b""));
    same(&Raw8(b"\x00\xff"));
}

#[test]
fn what_it_does_not_write_goes_to_serde_json() {
    let by_number = HashMap::from([(1, "one")]);
    let mut out = b"[".to_vec();
    assert!(write(&mut out, &by_number).is_err());
    assert_eq!(out, b"[", "a refused value leaves the buffer as it was");
    write_or_fallback(&mut out, &by_number).unwrap();
    assert_eq!(out, br#"[{"1":"one"}"#);
}
