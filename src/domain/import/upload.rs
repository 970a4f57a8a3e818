//! Which format an import file is in, and reading it: the one way plot imports, estate
//! imports and the CLI's `places import-estates` read files. The media type (or the CLI's file
//! extension) names the format; binary formats are recognised by their first bytes, so a zip
//! or GeoPackage sent under a text type is still read as what it is, and a file that is not
//! what its type says is refused with that reason.

use std::time::Instant;

use super::read::{self, ParsedFile};
use super::schema::Mapping;
use super::{archive, gpkg, shapefile};

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
    /// When reading a GeoPackage is given up.
    pub deadline: Instant,
}

/// Reads `body` (already checked by `Format::settle`) into records.
pub fn read_file(
    format: Format,
    body: &[u8],
    mapping: &Mapping,
    options: &FileOptions<'_>,
) -> Result<ParsedFile, String> {
    let layer = options.layer.filter(|l| !l.trim().is_empty());
    if layer.is_some() && matches!(format, Format::GeoJson | Format::Csv) {
        return Err("layer= applies to zipped Shapefiles and GeoPackages only".into());
    }
    match format {
        Format::GeoJson => read::geojson(body, mapping),
        Format::Csv => read::csv(body, mapping),
        Format::ShapefileZip => {
            let parts = archive::shapefile_parts(body, layer, options.max_bytes)?;
            shapefile::read(parts, mapping)
        }
        Format::GeoPackage => gpkg::read(body, mapping, layer, options.deadline),
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
}
