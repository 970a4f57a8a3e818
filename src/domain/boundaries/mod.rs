//! Official municipality boundaries (BKG VG250 / VG250-EW, layer `VG250_GEM`) for
//! `gewerbeflaechen places import-municipalities`: which rows of the file are read, how the rows
//! of one municipality become one outline, and what the file's attributes mean. Reading the two
//! file formats is in `formats`, their CRS in `crs`; both work on bytes, the caller opens files.
//!
//! The layer has one row per part of a municipality: `AGS` (Amtlicher Gemeindeschlüssel,
//! 8 digits), `GEN` (name), `BEZ` (Stadt, Gemeinde, Markt, …), `GF` (Geofaktor: 4 = land with
//! structure, 2 = water with structure, 3/1 the same without), and in VG250-EW `EWZ`
//! (population). A municipality's outline is the union of its land rows; water rows (coastal
//! waters, Lake Constance) are left out unless asked for, since plots are not in them.

pub mod formats;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::place::check_ags;
pub use crate::domain::crs::Crs;

/// One row of the municipality layer, as read from the file.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryRow {
    pub ags: String,
    /// `GEN`.
    pub name: String,
    /// `BEZ`.
    pub kind: Option<String>,
    /// `GF`; absent in files that are not VG250 (every row then counts as land).
    pub geofactor: Option<i64>,
    /// `EWZ` of VG250-EW.
    pub population: Option<i64>,
    /// GeoJSON Polygon or MultiPolygon in the file's CRS.
    pub geometry: String,
}

/// The rows of a file that were asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryFile {
    pub crs: Crs,
    pub rows: Vec<BoundaryRow>,
    /// Rows in the whole file.
    pub rows_read: usize,
    /// The AGS of the file's first row, to name the layer when nothing asked for is found.
    pub first_ags: Option<String>,
}

/// Which municipalities to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every municipality in the file (`--all`).
    All,
    /// These AGS (`--ags`).
    Listed(BTreeSet<String>),
}

impl Selection {
    /// From `--ags` (already split at commas): each an AGS, at least one.
    pub fn listed(items: &[String]) -> Result<Selection, String> {
        let mut keys = BTreeSet::new();
        for item in items {
            let ags = item.trim();
            if ags.is_empty() {
                continue;
            }
            check_ags(ags)?;
            keys.insert(ags.to_owned());
        }
        if keys.is_empty() {
            return Err("--ags lists no AGS".into());
        }
        Ok(Selection::Listed(keys))
    }

    pub fn wants(&self, ags: &str) -> bool {
        match self {
            Selection::All => true,
            Selection::Listed(keys) => keys.contains(ags.trim()),
        }
    }

    /// Listed keys with no row in the file.
    pub fn missing(&self, found: &[Municipality]) -> Vec<String> {
        match self {
            Selection::All => Vec::new(),
            Selection::Listed(keys) => keys
                .iter()
                .filter(|k| !found.iter().any(|m| &m.ags == *k))
                .cloned()
                .collect(),
        }
    }
}

/// Water rows (`GF` 1 or 2).
pub fn is_water(geofactor: Option<i64>) -> bool {
    matches!(geofactor, Some(1 | 2))
}

/// A municipality gathered from its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Municipality {
    pub ags: String,
    pub name: String,
    pub kind: Option<String>,
    pub population: Option<i64>,
    /// GeoJSON geometries in the file's CRS whose union is the outline.
    pub parts: Vec<String>,
    pub water_rows_left_out: usize,
}

/// The rows of a file grouped by AGS.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouped {
    /// In AGS order.
    pub municipalities: Vec<Municipality>,
    /// AGS and name of areas with water rows only (VG250's coastal waters), left out of `--all`
    /// unless `include_water`.
    pub water_only: Vec<(String, String)>,
}

/// The rows grouped by AGS, water rows left out unless `include_water`. Every row must have
/// an AGS and a name; a municipality asked for by its AGS must have land (or `include_water`).
pub fn group(
    rows: Vec<BoundaryRow>,
    include_water: bool,
    selection: &Selection,
) -> Result<Grouped, Vec<String>> {
    let mut problems = Vec::new();
    let mut by_ags: BTreeMap<String, Municipality> = BTreeMap::new();
    for row in rows {
        let ags = row.ags.trim().to_owned();
        if let Err(e) = check_ags(&ags) {
            problems.push(format!(
                "{e} (is the file the municipality layer VG250_GEM?)"
            ));
            continue;
        }
        let water = is_water(row.geofactor);
        let m = by_ags.entry(ags.clone()).or_insert_with(|| Municipality {
            ags,
            name: String::new(),
            kind: None,
            population: None,
            parts: Vec::new(),
            water_rows_left_out: 0,
        });
        // VG250 names every row of a municipality alike.
        if m.name.is_empty() {
            m.name = row.name.trim().to_owned();
            m.kind = row
                .kind
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty());
        }
        m.population = m.population.max(row.population);
        if water && !include_water {
            m.water_rows_left_out += 1;
        } else {
            m.parts.push(row.geometry);
        }
    }
    let mut grouped = Grouped {
        municipalities: Vec::with_capacity(by_ags.len()),
        water_only: Vec::new(),
    };
    for m in by_ags.into_values() {
        if m.name.is_empty() {
            problems.push(format!("{} has no name (GEN)", m.ags));
        }
        if !m.parts.is_empty() {
            grouped.municipalities.push(m);
        } else if *selection == Selection::All {
            grouped.water_only.push((m.ags, m.name));
        } else {
            problems.push(format!(
                "{} {} has only water rows (GF 1 or 2); import them with --include-water",
                m.ags, m.name
            ));
        }
    }
    problems.dedup();
    if problems.is_empty() {
        Ok(grouped)
    } else {
        Err(problems)
    }
}

/// Whether a bounding box in EPSG:4326 lies in and around Germany (its coastal waters
/// included). Outside it the file's coordinates were read in the wrong CRS (a GeoJSON in
/// metres without `crs` member, swapped axes). Units: degrees.
pub fn in_germany(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> bool {
    min_lon >= 5.0 && max_lon <= 16.0 && min_lat >= 47.0 && max_lat <= 55.5
}

/// Coordinates closer than this are the same point, as in the history (≈1 cm). Units: degrees.
const SAME_POSITION_DEG: f64 = 1.5e-7;

type Ring = Vec<[f64; 2]>;

fn polygons_of(outline: &Value) -> Option<Vec<Vec<Ring>>> {
    let polygons: Vec<Vec<Ring>> = match outline.get("type")?.as_str()? {
        "MultiPolygon" => serde_json::from_value(outline.get("coordinates")?.clone()).ok()?,
        "Polygon" => vec![serde_json::from_value(outline.get("coordinates")?.clone()).ok()?],
        _ => return None,
    };
    Some(polygons)
}

fn close(a: [f64; 2], b: [f64; 2]) -> bool {
    (a[0] - b[0]).abs() <= SAME_POSITION_DEG && (a[1] - b[1]).abs() <= SAME_POSITION_DEG
}

/// Closed rings with the same vertices in the same order, starting anywhere.
fn same_ring(a: &[[f64; 2]], b: &[[f64; 2]]) -> bool {
    if a.len() != b.len() || a.len() < 2 {
        return false;
    }
    let (a, b) = (&a[..a.len() - 1], &b[..b.len() - 1]);
    let n = a.len();
    (0..n)
        .filter(|&k| close(a[0], b[k]))
        .any(|k| (0..n).all(|i| close(a[i], b[(i + k) % n])))
}

/// Each of `a` matched by a different one of `b`, in any order.
fn same_sets<T>(a: &[T], b: &[T], same: impl Fn(&T, &T) -> bool) -> bool {
    let mut used = vec![false; b.len()];
    a.len() == b.len()
        && a.iter().all(
            |x| match (0..b.len()).find(|&i| !used[i] && same(x, &b[i])) {
                Some(i) => {
                    used[i] = true;
                    true
                }
                None => false,
            },
        )
}

/// Whether two outlines (GeoJSON, EPSG:4326, outer rings alike oriented) are the same
/// boundary: their rings have the same vertices within about 1 cm, whichever vertex a ring
/// starts at and in whatever order parts and holes come. The canonical order PostGIS gives
/// (`ST_Normalize`) picks a ring's start by its smallest coordinate, which two readings of
/// one boundary (Shapefile and GeoJSON, another CRS) can disagree on by a rounding.
pub fn same_outline(a: &Value, b: &Value) -> bool {
    match (polygons_of(a), polygons_of(b)) {
        (Some(a), Some(b)) => same_sets(&a, &b, |p, q| {
            !p.is_empty()
                && q.len() == p.len()
                && same_ring(&p[0], &q[0])
                && same_sets(&p[1..], &q[1..], |r, s| same_ring(r, s))
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_boundary_starting_elsewhere_is_the_same_outline() {
        let square = json!({"type": "MultiPolygon", "coordinates": [
            [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]],
            [[[5.0, 5.0], [6.0, 5.0], [6.0, 6.0], [5.0, 5.0]]]
        ]});
        let rotated = json!({"type": "MultiPolygon", "coordinates": [
            [[[5.0, 5.0], [6.0, 5.0], [6.0, 6.0], [5.0, 5.0]]],
            [[[1.0, 1.00000001], [0.0, 1.0], [0.0, 0.0], [1.0, 0.0], [1.0, 1.00000001]]]
        ]});
        assert!(same_outline(&square, &rotated));
        let moved = json!({"type": "MultiPolygon", "coordinates": [
            [[[5.0, 5.0], [6.0, 5.0], [6.0, 6.0], [5.0, 5.0]]],
            [[[1.0, 1.001], [0.0, 1.0], [0.0, 0.0], [1.0, 0.0], [1.0, 1.001]]]
        ]});
        assert!(!same_outline(&square, &moved));
        assert!(!same_outline(&square, &Value::Null));
    }

    fn row(ags: &str, name: &str, gf: Option<i64>, geometry: &str) -> BoundaryRow {
        BoundaryRow {
            ags: ags.into(),
            name: name.into(),
            kind: Some("Stadt".into()),
            geofactor: gf,
            population: Some(100),
            geometry: geometry.into(),
        }
    }

    #[test]
    fn the_land_rows_of_one_ags_make_its_outline() {
        let rows = vec![
            row("13076090", "Ludwigslust", Some(2), "water"),
            row("13076090", "Ludwigslust", Some(4), "land 1"),
            row("13076050", "Grabow", Some(4), "grabow"),
            row("13076090", "Ludwigslust", Some(4), "land 2"),
        ];
        let grouped = group(rows.clone(), false, &Selection::All)
            .unwrap()
            .municipalities;
        assert_eq!(grouped.len(), 2);
        let lwl = &grouped[1];
        assert_eq!(
            (lwl.ags.as_str(), lwl.name.as_str()),
            ("13076090", "Ludwigslust")
        );
        assert_eq!(lwl.parts, ["land 1", "land 2"]);
        assert_eq!(lwl.water_rows_left_out, 1);
        let with_water = group(rows, true, &Selection::All).unwrap();
        assert_eq!(with_water.municipalities[1].parts.len(), 3);
    }

    #[test]
    fn rows_without_geofactor_are_land() {
        let grouped = group(
            vec![row("13076050", "Grabow", None, "g")],
            false,
            &Selection::All,
        );
        assert_eq!(grouped.unwrap().municipalities[0].parts, ["g"]);
    }

    #[test]
    fn water_only_areas_are_left_out_of_all_and_refused_by_name() {
        let sea = vec![
            row("13000000", "Küstengewässer", Some(2), "w"),
            row("13076090", "Ludwigslust", Some(4), "l"),
        ];
        let all = group(sea.clone(), false, &Selection::All).unwrap();
        assert_eq!(all.municipalities.len(), 1);
        assert_eq!(
            all.water_only,
            [("13000000".into(), "Küstengewässer".into())]
        );
        let listed = Selection::listed(&["13000000".into()]).unwrap();
        let problems = group(sea.clone(), false, &listed).unwrap_err();
        assert!(problems[0].contains("--include-water"), "{problems:?}");
        assert_eq!(group(sea, true, &listed).unwrap().municipalities.len(), 2);
    }

    #[test]
    fn a_district_key_is_refused() {
        let problems = group(
            vec![row("13076", "Ludwigslust-Parchim", Some(4), "k")],
            false,
            &Selection::All,
        )
        .unwrap_err();
        assert!(problems[0].contains("VG250_GEM"), "{problems:?}");
    }

    #[test]
    fn ags_lists_are_checked_and_missing_keys_named() {
        let selection =
            Selection::listed(&["13076090".into(), " 13076050".into(), "".into()]).unwrap();
        assert!(selection.wants("13076050"));
        assert!(!selection.wants("13076105"));
        let found = group(
            vec![row("13076090", "Ludwigslust", Some(4), "l")],
            false,
            &selection,
        )
        .unwrap()
        .municipalities;
        assert_eq!(selection.missing(&found), ["13076050"]);
        assert!(Selection::listed(&["1307609".into()]).is_err());
        assert!(Selection::listed(&[]).is_err());
        assert!(Selection::All.missing(&found).is_empty());
    }

    #[test]
    fn germany_is_where_the_towns_are() {
        assert!(in_germany(11.42, 53.29, 11.57, 53.37));
        // Metres read as degrees, and swapped axes.
        assert!(!in_germany(600000.0, 5900000.0, 610000.0, 5910000.0));
        assert!(!in_germany(53.29, 11.42, 53.37, 11.57));
    }
}
