//! CQL2 (OGC 21-065), the subset OGC API – Features Part 3 needs here: Basic CQL2 (comparison,
//! `AND`/`OR`/`NOT`, `IS NULL`), advanced comparison (`LIKE`, `IN`, `BETWEEN`) and basic spatial
//! functions (`S_INTERSECTS`, also `S_WITHIN`, `S_CONTAINS`, `S_DISJOINT`) with `POINT`,
//! and `S_DWITHIN(geometry, <geometry>, <metres>)` (not in CQL2 1.0; the distance form of
//! pg_featureserv and GeoServer, here always in metres on the ellipsoid),
//! `LINESTRING`, `POLYGON`, `MULTIPOLYGON` and `BBOX`, in both encodings: cql2-text (here) and
//! cql2-json (`cql2_json`); the text parser is in `cql2_text`. Property names are resolved against the collection's queryables
//! while parsing and literals checked against their types, so `db` only translates a typed tree
//! into bound parameters.
//!
//! Why not the `cql2` crate: measured with `cargo tree -e normal` on 2026-11-27, cql2 0.6.0 adds 71
//! crates to our tree (jsonschema with referencing and fancy-regex, sqlparser, pest and
//! pest_derive, geozero, a second geojson, wkt, jiff, rayon, spade, …) to parse a few hundred
//! bytes of a subset this file handles in a few hundred lines. A small recursive-descent parser
//! with explicit limits (length, depth, nodes) is the leaner fit.

use chrono::{DateTime, NaiveDate, Utc};

use super::crs::OgcCrs;
use super::queryables::{Kind, Queryable};

/// Longest filter text accepted. Units: bytes.
pub const MAX_FILTER_BYTES: usize = 8_000;
/// Deepest nesting of expressions (parentheses, NOT, AND/OR groups, JSON arrays).
pub const MAX_DEPTH: usize = 20;
/// Most predicates and values in one filter.
pub const MAX_NODES: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl CompareOp {
    pub fn sql(self) -> &'static str {
        match self {
            CompareOp::Eq => " = ",
            CompareOp::Ne => " <> ",
            CompareOp::Lt => " < ",
            CompareOp::Gt => " > ",
            CompareOp::Le => " <= ",
            CompareOp::Ge => " >= ",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpatialOp {
    Intersects,
    Within,
    Contains,
    Disjoint,
}

impl SpatialOp {
    pub fn sql(self) -> &'static str {
        match self {
            SpatialOp::Intersects => "ST_Intersects",
            SpatialOp::Within => "ST_Within",
            SpatialOp::Contains => "ST_Contains",
            SpatialOp::Disjoint => "ST_Disjoint",
        }
    }

    pub(super) fn parse(name: &str) -> Option<SpatialOp> {
        Some(match name.to_ascii_lowercase().as_str() {
            "s_intersects" => SpatialOp::Intersects,
            "s_within" => SpatialOp::Within,
            "s_contains" => SpatialOp::Contains,
            "s_disjoint" => SpatialOp::Disjoint,
            _ => return None,
        })
    }
}

/// A literal of the type its property has.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Integer(i64),
    Bool(bool),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
}

/// A geometry literal: GeoJSON text with (x, y) positions in `srid` (lon/lat for degrees).
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    pub geojson: String,
    pub srid: i32,
}

/// Farthest `S_DWITHIN` distance: a region's width, with room. Units: m.
pub const MAX_DWITHIN_M: f64 = 1_000_000.0;

/// The distance of `S_DWITHIN`, checked. Units: m.
pub fn dwithin_distance(metres: f64) -> Result<f64, String> {
    if metres.is_finite() && (0.0..=MAX_DWITHIN_M).contains(&metres) {
        Ok(metres)
    } else {
        Err(format!(
            "the distance of S_DWITHIN is in metres, from 0 to {MAX_DWITHIN_M}"
        ))
    }
}

/// A checked filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Compare(&'static Queryable, CompareOp, Value),
    Like(&'static Queryable, String),
    In(&'static Queryable, Vec<Value>),
    Between(&'static Queryable, Value, Value),
    IsNull(&'static Queryable),
    Spatial(SpatialOp, &'static Queryable, Geometry),
    /// Within this many metres of the geometry (on the ellipsoid). Units: m.
    WithinDistance(&'static Queryable, Geometry, f64),
}

/// A filter that could not be read: where (a character position for text, a JSON pointer for
/// JSON) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterError {
    pub position: String,
    pub detail: String,
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at {}: {}", self.position, self.detail)
    }
}

/// What a parser resolves names and geometries against.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub queryables: &'static [Queryable],
    pub crs: OgcCrs,
    pub _marker: std::marker::PhantomData<&'a ()>,
}

impl Context<'_> {
    pub fn new(queryables: &'static [Queryable], crs: OgcCrs) -> Self {
        Context {
            queryables,
            crs,
            _marker: std::marker::PhantomData,
        }
    }

    pub(super) fn property(&self, name: &str) -> Result<&'static Queryable, String> {
        self.queryables
            .iter()
            .find(|q| q.name == name)
            .ok_or_else(|| {
                format!(
                    "unknown property `{}`; queryables: {}",
                    name.chars().take(60).collect::<String>(),
                    self.queryables
                        .iter()
                        .map(|q| q.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }
}

/// A BBOX literal (4 or 6 numbers, axis order of the filter's CRS) as a GeoJSON Polygon.
pub(super) fn bbox_polygon(n: &[f64], crs: OgcCrs) -> Result<serde_json::Value, String> {
    let text = n.iter().map(f64::to_string).collect::<Vec<_>>().join(",");
    let [x1, y1, x2, y2] = super::parse_bbox(&text, crs)?;
    Ok(serde_json::json!({
        "type": "Polygon",
        "coordinates": [[[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]]
    }))
}

/// A literal before its property's type is known.
pub(super) enum Raw {
    Text(String),
    Number(f64),
    Bool(bool),
    Date(String),
    Timestamp(String),
}

pub(super) fn typed(raw: Raw, property: &Queryable) -> Result<Value, String> {
    let name = property.name;
    match (property.kind, raw) {
        (Kind::Text, Raw::Text(s)) => Ok(Value::Text(s)),
        (Kind::Enum(values), Raw::Text(s)) => {
            if values.contains(&s.as_str()) || s.contains(['%', '_']) {
                Ok(Value::Text(s))
            } else {
                Err(format!("`{name}` is one of {}", values.join(", ")))
            }
        }
        (Kind::Number, Raw::Number(n)) => Ok(Value::Number(n * property.scale)),
        (Kind::Integer, Raw::Number(n)) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
            Ok(Value::Integer(n as i64))
        }
        (Kind::Integer, Raw::Number(_)) => Err(format!("`{name}` takes whole numbers")),
        (Kind::Bool, Raw::Bool(b)) => Ok(Value::Bool(b)),
        (Kind::Date, Raw::Date(s) | Raw::Text(s)) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Value::Date)
            .map_err(|_| format!("`{name}` takes a date like DATE('2024-05-01')")),
        (Kind::Timestamp, Raw::Timestamp(s) | Raw::Text(s)) => DateTime::parse_from_rfc3339(&s)
            .map(|t| Value::Timestamp(t.with_timezone(&Utc)))
            .map_err(|_| format!("`{name}` takes a time like TIMESTAMP('2024-05-01T12:00:00Z')")),
        (Kind::Timestamp, Raw::Date(s)) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(|d| Value::Timestamp(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc()))
            .map_err(|_| format!("`{name}` takes a date like DATE('2024-05-01')")),
        (kind, _) => Err(format!(
            "`{name}` takes {}",
            match kind {
                Kind::Text | Kind::Enum(_) => "text in single quotes",
                Kind::Number | Kind::Integer => "a number",
                Kind::Bool => "TRUE or FALSE",
                Kind::Date => "a date like DATE('2024-05-01')",
                Kind::Timestamp => "a time like TIMESTAMP('2024-05-01T12:00:00Z')",
                Kind::Geometry => "a geometry",
            }
        )),
    }
}
