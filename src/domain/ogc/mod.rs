//! OGC API – Features (Parts 1, 2 and 3) as rules: the collections, the conformance classes we
//! claim, `datetime` and `bbox` parameters, the queryables and the CQL2 filter language
//! (`cql2`). The handlers are in `api::ogc`; the SQL in `db::search` (plots) and `db::ogc`
//! (places).

pub mod cql2;
pub mod cql2_json;
pub mod cql2_text;
pub mod crs;
mod queryables;

pub use crs::OgcCrs;
pub use queryables::{queryables, Kind, Queryable};

use chrono::{DateTime, NaiveDate, Utc};

/// Largest page of OGC items; a larger `limit` is lowered to it, as Part 1 asks (no error).
/// The same as `search::MAX_LIMIT` (a test there checks), written out so this module does not
/// depend on `search`, which depends on it.
pub const MAX_LIMIT: i64 = 1000;
pub const DEFAULT_LIMIT: i64 = 10;

/// The collections served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Plots,
    Estates,
    Municipalities,
}

impl Collection {
    pub const ALL: [Collection; 3] = [
        Collection::Plots,
        Collection::Estates,
        Collection::Municipalities,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Collection::Plots => "plots",
            Collection::Estates => "estates",
            Collection::Municipalities => "municipalities",
        }
    }

    pub fn parse(id: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.id() == id)
    }

    pub fn title(self) -> &'static str {
        match self {
            Collection::Plots => "Gewerbeflächen (plots)",
            Collection::Estates => "Gewerbegebiete (estates)",
            Collection::Municipalities => "Gemeinden (municipalities)",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Collection::Plots => {
                "Commercial and industrial plots with outline, size, status, zoning, price and location facts."
            }
            Collection::Estates => "Commercial estates (Gewerbegebiete) with their outlines.",
            Collection::Municipalities => {
                "The member towns with their outlines, generalised to about 10 m."
            }
        }
    }
}

/// The conformance classes this service claims: only those the test suite exercises
/// (`tests/api/ogc*.rs`, `tests/clients/`). OpenAPI 3.0 is not claimed: the document is 3.1.
pub const CONFORMANCE: [&str; 9] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
];

/// Further CQL2 classes: Basic CQL2, advanced comparison (LIKE, IN, BETWEEN), basic spatial.
pub const CQL2_CONFORMANCE: [&str; 3] = [
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
];

/// `datetime`: an instant or a closed or half-open interval (`..` or empty for open ends), in
/// RFC 3339; a bare date means that whole day (UTC). Compared with `updated_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    pub from: Option<DateTime<Utc>>,
    /// Inclusive.
    pub to: Option<DateTime<Utc>>,
}

pub fn parse_datetime(text: &str) -> Result<TimeRange, String> {
    let text = text.trim();
    if text.len() > 100 {
        return Err("is too long".into());
    }
    let bound = |t: &str, end: bool| -> Result<Option<DateTime<Utc>>, String> {
        let t = t.trim();
        if t.is_empty() || t == ".." {
            return Ok(None);
        }
        instant(t, end).map(Some)
    };
    match text.split_once('/') {
        Some((a, b)) => {
            let range = TimeRange {
                from: bound(a, false)?,
                to: bound(b, true)?,
            };
            if range.from.is_none() && range.to.is_none() {
                return Err("an interval needs at least one end".into());
            }
            if let (Some(f), Some(t)) = (range.from, range.to) {
                if f > t {
                    return Err("the interval ends before it starts".into());
                }
            }
            Ok(range)
        }
        None if NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() => Ok(TimeRange {
            from: Some(instant(text, false)?),
            to: Some(instant(text, true)?),
        }),
        None => {
            let t = instant(text, false)?;
            Ok(TimeRange {
                from: Some(t),
                to: Some(t),
            })
        }
    }
}

/// An RFC 3339 time, or a date (its first or, for an interval's end, last microsecond).
fn instant(text: &str, end: bool) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        format!("`{text}` is neither an RFC 3339 time (2024-05-01T12:00:00Z) nor a date")
    })?;
    let time = if end {
        date.and_hms_micro_opt(23, 59, 59, 999_999)
    } else {
        date.and_hms_opt(0, 0, 0)
    };
    Ok(time.expect("valid time of day").and_utc())
}

/// A `bbox` of 4 (or 6, with heights, which are ignored) numbers in the axis order of `crs`,
/// as (min x, min y, max x, max y) in PostGIS order. Degrees must be in range.
pub fn parse_bbox(text: &str, crs: OgcCrs) -> Result<[f64; 4], String> {
    if text.len() > 200 {
        return Err("is too long".into());
    }
    let numbers: Vec<f64> = text
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| "must be 4 numbers, comma-separated".to_owned())?;
    let [a1, b1, a2, b2] = match numbers[..] {
        [a1, b1, a2, b2] | [a1, b1, _, a2, b2, _] => [a1, b1, a2, b2],
        _ => return Err("must be 4 (or 6) numbers, comma-separated".into()),
    };
    if numbers.iter().any(|n| !n.is_finite()) {
        return Err("must be finite numbers".into());
    }
    let (x1, y1) = crs.to_xy(a1, b1);
    let (x2, y2) = crs.to_xy(a2, b2);
    if !(crs.contains(x1, y1) && crs.contains(x2, y2)) {
        return Err(format!("out of range ({})", crs.range_text()));
    }
    if y1 > y2 {
        return Err("the lower corner comes first".into());
    }
    // A box across the antimeridian (x1 > x2) does not occur in a German region: refused.
    if x1 > x2 {
        return Err(
            "the lower corner comes first (boxes across the antimeridian are not supported)".into(),
        );
    }
    Ok([x1, y1, x2, y2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes() {
        let r = parse_datetime("2024-01-01T00:00:00Z/..").unwrap();
        assert!(r.from.is_some() && r.to.is_none());
        let day = parse_datetime("2024-01-01").unwrap();
        assert!(day.from < day.to);
        assert!(parse_datetime("../..").is_err());
        assert!(parse_datetime("2024-02-01/2024-01-01").is_err());
        assert!(parse_datetime("yesterday").is_err());
    }

    #[test]
    fn bboxes_follow_the_axis_order() {
        let lat_lon = OgcCrs::parse("EPSG:4326").unwrap();
        assert_eq!(
            parse_bbox("53.2,11.4,53.4,11.7", lat_lon).unwrap(),
            [11.4, 53.2, 11.7, 53.4]
        );
        assert_eq!(
            parse_bbox("11.4,53.2,0,11.7,53.4,10", OgcCrs::CRS84).unwrap(),
            [11.4, 53.2, 11.7, 53.4]
        );
        assert!(parse_bbox("11.7,53.2,11.4,53.4", OgcCrs::CRS84).is_err());
        assert!(parse_bbox("1,2,3", OgcCrs::CRS84).is_err());
        assert!(parse_bbox("200,2,300,4", OgcCrs::CRS84).is_err());
    }
}
