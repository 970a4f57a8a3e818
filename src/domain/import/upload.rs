//! Which format an import file is in, and reading it: the one way plot imports, estate
//! imports and the CLI's `places import-estates` read files. The media type (or the CLI's file
//! extension) names the format; binary formats are recognised by their first bytes, so a zip
//! or GeoPackage sent under a text type is still read as what it is, and a file that is not
//! what its type says is refused with that reason.

use std::time::Instant;

use super::bounds::{Budget, ReadError};
use super::read::{self, GeometryInput, ParsedFile};
use super::schema::Mapping;
use super::{archive, gpkg, shapefile};
use crate::domain::geometry::{counts, GeometryLimits};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Csv,
    /// A zip holding a Shapefile's `.shp`, `.dbf` and so on.
    ShapefileZip,
    GeoPackage,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

impl Format {
    /// The format of a media type's essence (lower case, no parameters); `None` for JSON and
    /// anything unknown, which the caller decides.
    pub fn of_media_type(essence: &str) -> Option<Format> {
        Some(match essence {
            "text/csv" | "application/csv" => Format::Csv,
            "application/zip" | "application/x-zip-compressed" | "application/x-zip" => {
                Format::ShapefileZip
            }
            "application/geopackage+sqlite3"
            | "application/x-sqlite3"
            | "application/vnd.sqlite3" => Format::GeoPackage,
            _ => return None,
        })
    }

    /// The format of a file name's extension (the CLI).
    pub fn of_extension(extension: &str) -> Format {
        match extension.to_ascii_lowercase().as_str() {
            "csv" | "txt" => Format::Csv,
            "zip" => Format::ShapefileZip,
            "gpkg" => Format::GeoPackage,
            _ => Format::GeoJson,
        }
    }

    /// The format `body` is in, given the one its type names: a zip or SQLite header wins; a
    /// binary type without its header is refused.
    pub fn settle(self, body: &[u8]) -> Result<Format, String> {
        // A zip with no entries starts with its end record.
        if body.starts_with(ZIP_MAGIC) || body.starts_with(b"PK\x05\x06") {
            return Ok(Format::ShapefileZip);
        }
        if body.starts_with(SQLITE_MAGIC) {
            return Ok(Format::GeoPackage);
        }
        match self {
            Format::ShapefileZip => Err("the body is not a zip file (it does not start with PK\\3\\4): send the Shapefile's .shp, .shx, .dbf and .prj zipped".into()),
            Format::GeoPackage => Err("the body is not a GeoPackage (it does not start with `SQLite format 3`)".into()),
            other => Ok(other),
        }
    }
}

/// What bounds and steers reading a file besides its mapping.
pub struct FileOptions<'a> {
    /// `?layer=`: the Shapefile in a zip or the GeoPackage table to read.
    pub layer: Option<&'a str>,
    /// What a zip may unpack to, in bytes (`GWF_IMPORT_MAX_BYTES`).
    pub max_bytes: usize,
    /// When reading is given up.
    pub deadline: Instant,
    /// Features a file may have (`GWF_IMPORT_MAX_FEATURES`): reading stops at the first one over.
    pub max_features: usize,
    /// How large one geometry may be (`GWF_GEOMETRY_MAX_*`); a larger one is its feature's
    /// problem and never sent to PostGIS.
    pub geometry_limits: GeometryLimits,
}

/// Reads `body` (already checked by `Format::settle`) into records, within the options' bounds.
pub fn read_file(
    format: Format,
    body: &[u8],
    mapping: &Mapping,
    options: &FileOptions<'_>,
) -> Result<ParsedFile, ReadError> {
    let mut budget = Budget::new(
        options.max_features,
        options.max_bytes,
        options.deadline,
        options.geometry_limits,
    );
    let read = read_bounded(format, body, mapping, options, &mut budget);
    let mut file = read.map_err(|e| match budget.exceeded() {
        true => ReadError::TooLarge(e),
        false => ReadError::Bad(e),
    })?;
    for record in &mut file.records {
        if let Err(why) = geometry_within(&record.geometry, &options.geometry_limits) {
            record.geometry = GeometryInput::Unreadable(why);
        }
    }
    Ok(file)
}

fn read_bounded(
    format: Format,
    body: &[u8],
    mapping: &Mapping,
    options: &FileOptions<'_>,
    budget: &mut Budget,
) -> Result<ParsedFile, String> {
    let layer = options.layer.filter(|l| !l.trim().is_empty());
    if layer.is_some() && matches!(format, Format::GeoJson | Format::Csv) {
        return Err("layer= applies to zipped Shapefiles and GeoPackages only".into());
    }
    match format {
        Format::GeoJson => read::geojson_bounded(body, mapping, budget),
        Format::Csv => super::csv::csv_bounded(body, mapping, budget),
        Format::ShapefileZip => {
            let parts = archive::shapefile_parts(body, layer, options.max_bytes)?;
            shapefile::read(parts, mapping, budget)
        }
        Format::GeoPackage => gpkg::read(body, mapping, layer, budget),
    }
}

/// The first geometry limit `geometry` passes: counted before PostGIS sees it.
fn geometry_within(geometry: &GeometryInput, limits: &GeometryLimits) -> Result<(), String> {
    match geometry {
        GeometryInput::GeoJson(text) => counts::check_geojson(text, limits),
        GeometryInput::Wkt(text) => counts::check_wkt(text, limits),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_decide() {
        assert_eq!(
            Format::GeoJson.settle(b"PK\x03\x04rest"),
            Ok(Format::ShapefileZip)
        );
        assert_eq!(
            Format::Csv.settle(b"SQLite format 3\0..."),
            Ok(Format::GeoPackage)
        );
        assert!(Format::ShapefileZip.settle(b"{\"type\"").is_err());
        assert!(Format::GeoPackage.settle(b"garbage").is_err());
        assert_eq!(Format::Csv.settle(b"reference"), Ok(Format::Csv));
    }

    fn options(max_features: usize) -> FileOptions<'static> {
        FileOptions {
            layer: None,
            max_bytes: 1 << 20,
            deadline: Instant::now() + std::time::Duration::from_secs(60),
            max_features,
            geometry_limits: GeometryLimits {
                ring_positions: 5,
                ..GeometryLimits::default()
            },
        }
    }

    #[test]
    fn oversized_geometries_are_problems_of_their_feature_before_postgis() {
        let body = br#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"reference": "A-1"}, "geometry":
              {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}},
            {"type": "Feature", "properties": {"reference": "A-2"}, "geometry":
              {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 2], [2, 1], [1, 0], [0, 0]]]}}]}"#;
        let file = read_file(Format::GeoJson, body, &Mapping::default(), &options(10)).unwrap();
        assert!(matches!(
            file.records[0].geometry,
            GeometryInput::GeoJson(_)
        ));
        assert!(matches!(
            &file.records[1].geometry,
            GeometryInput::Unreadable(why) if why.contains("6 positions") && why.contains("GWF_GEOMETRY_MAX_RING_POSITIONS")
        ));
        let csv = b"reference;wkt\nA-1;POLYGON((0 0,0 1,1 1,0 0))\nA-2;POLYGON((0 0,0 1,1 2,2 1,1 0,0 0))\n";
        let file = read_file(Format::Csv, csv, &Mapping::default(), &options(10)).unwrap();
        assert!(matches!(file.records[0].geometry, GeometryInput::Wkt(_)));
        assert!(matches!(
            &file.records[1].geometry,
            GeometryInput::Unreadable(why) if why.contains("GWF_GEOMETRY_MAX_RING_POSITIONS")
        ));
    }

    #[test]
    fn every_text_reader_stops_at_the_first_feature_over_the_cap() {
        let features = [r#"{"type": "Feature", "properties": {}, "geometry": null}"#; 3];
        let body = format!(
            r#"{{"type": "FeatureCollection", "features": [{}]}}"#,
            features.join(",")
        );
        let mapping = Mapping::default();
        assert!(read_file(Format::GeoJson, body.as_bytes(), &mapping, &options(3)).is_ok());
        let err = read_file(Format::GeoJson, body.as_bytes(), &mapping, &options(2)).unwrap_err();
        assert_eq!(
            err,
            ReadError::TooLarge("more than 2 features; an import takes at most 2 (GWF_IMPORT_MAX_FEATURES): split the file".into())
        );
        let csv = b"reference\nA-1\nA-2\nA-3\n";
        assert!(read_file(Format::Csv, csv, &mapping, &options(3)).is_ok());
        let err = read_file(Format::Csv, csv, &mapping, &options(2)).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge(why) if why.starts_with("more than 2 features")));
        // A broken file is still the file's fault, not its size.
        let err = read_file(Format::GeoJson, b"{", &mapping, &options(2)).unwrap_err();
        assert!(matches!(err, ReadError::Bad(_)));
    }
}
