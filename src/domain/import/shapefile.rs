//! An import from a zipped Shapefile (`archive` finds the layer's parts): each record's DBF
//! attributes are properties, as a GeoJSON feature's are, and its shape the geometry. The CRS
//! is the `.prj`'s; the DBF's encoding the `.cpg`'s, else the DBF header's language driver,
//! else UTF-8 if the text is valid UTF-8 and Windows-1252 if not (both with a warning).

use std::io::Cursor;

use shapefile::dbase;

use super::archive::ShapefileParts;
use super::bounds::Budget;
use super::read::{geometry_input, records_in_locale, GeometryInput, ParsedFile, UnknownColumns};
use super::report::ImportProblem;
use super::schema::Mapping;
use crate::domain::crs;
use crate::domain::formats::shapefile::{
    dbf_properties, encoding_of_cpg, shape_geojson, DbfEncoding,
};

/// Reads the layer, refused at its first record over the budget's cap or once its time is up.
pub fn read(
    parts: ShapefileParts,
    mapping: &Mapping,
    budget: &mut Budget,
) -> Result<ParsedFile, String> {
    let name = &parts.name;
    let mut warnings = Vec::new();
    let crs = match parts.prj.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(prj) => Some(crs::from_prj(prj).map_err(|e| format!("{name}.prj: {e}"))?),
    };
    let encoding = match parts.cpg.as_deref() {
        Some(cpg) if !cpg.trim().is_empty() => {
            encoding_of_cpg(cpg).map_err(|e| format!("{name}.cpg: {e}"))?
        }
        _ => guess_encoding(&parts.dbf, &mut warnings),
    };
    let shapes = match parts.shx {
        Some(shx) => shapefile::ShapeReader::with_shx(Cursor::new(parts.shp), Cursor::new(shx)),
        None => shapefile::ShapeReader::new(Cursor::new(parts.shp)),
    }
    .map_err(|e| format!("{name}.shp is not a Shapefile: {e}"))?;
    let table = dbase::ReaderBuilder::new()
        .with_encoding(encoding.decoder())
        .build(Cursor::new(parts.dbf))
        .map_err(|e| format!("cannot read {name}.dbf: {e}"))?;
    let names: Vec<String> = table.fields().iter().map(|f| f.name().to_owned()).collect();
    let mut unknown = UnknownColumns::default();
    for column in &names {
        unknown.check(column, mapping, &mut warnings);
    }
    let mut reader = shapefile::Reader::new(shapes, table);
    let mut features = Vec::new();
    let mut problems = Vec::new();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        budget.feature(i)?;
        budget.in_time("Shapefile")?;
        let (shape, record) = item.map_err(|e| format!("{name}: record {i}: {e}"))?;
        let properties = dbf_properties(record, &names);
        let geometry = match shape_geojson(&shape, &budget.limits) {
            Ok(geometry) => geometry_input(geometry),
            Err(why) => GeometryInput::Unreadable(why),
        };
        features.push((properties, geometry));
    }
    // Text numbers are read in the locale the file's other text numbers reveal.
    let records = records_in_locale(features, mapping, &mut problems);
    Ok(ParsedFile {
        format: "shapefile",
        crs,
        records,
        problems,
        warnings,
    })
}

/// The encoding of a DBF without `.cpg`: what its header's language driver id says (byte 29),
/// else UTF-8 if all of it is valid UTF-8, else Windows-1252.
fn guess_encoding(dbf: &[u8], warnings: &mut Vec<ImportProblem>) -> DbfEncoding {
    if let Some(encoding) = dbf
        .get(29)
        .and_then(|id| DbfEncoding::of_language_driver(*id))
    {
        return encoding;
    }
    let header = dbf
        .get(8..10)
        .map_or(0, |b| usize::from(u16::from_le_bytes([b[0], b[1]])));
    let encoding = match std::str::from_utf8(dbf.get(header..).unwrap_or_default()) {
        Ok(_) => DbfEncoding::UTF_8,
        Err(_) => DbfEncoding::WINDOWS_1252,
    };
    warnings.push(ImportProblem::new(
        None,
        None,
        None,
        format!(
            "the Shapefile has no .cpg naming its DBF encoding; the text was read as {}",
            encoding.name()
        ),
    ));
    encoding
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layer of `n` null shapes (12 bytes each in the .shp) and a one-column DBF, written
    /// byte by byte as the Shapefile and dBASE III specifications lay them out.
    fn null_shapes(n: u32) -> ShapefileParts {
        let mut shp = Vec::new();
        shp.extend(9994u32.to_be_bytes());
        shp.extend([0; 20]);
        shp.extend((50 + 6 * n).to_be_bytes()); // in 16-bit words
        shp.extend(1000u32.to_le_bytes());
        shp.extend(5u32.to_le_bytes()); // polygons
        shp.extend([0; 64]); // bounding box
        for i in 0..n {
            shp.extend((i + 1).to_be_bytes());
            shp.extend(2u32.to_be_bytes());
            shp.extend(0u32.to_le_bytes());
        }
        let mut dbf = vec![0x03, 126, 1, 1];
        dbf.extend(n.to_le_bytes());
        dbf.extend(65u16.to_le_bytes());
        dbf.extend(11u16.to_le_bytes());
        dbf.extend([0; 20]);
        dbf.extend(b"reference\0\0C\0\0\0\0\x0a\0");
        dbf.extend([0; 14]);
        dbf.push(0x0d);
        for i in 0..n {
            dbf.extend(format!(" {:<10}", format!("N-{i}")).bytes());
        }
        dbf.push(0x1a);
        ShapefileParts {
            name: "nulls".into(),
            shp,
            shx: None,
            dbf,
            prj: None,
            cpg: Some("UTF-8".into()),
        }
    }

    #[test]
    fn reading_stops_at_the_first_record_over_the_cap() {
        let mut budget = Budget::unbounded();
        let file = read(null_shapes(11), &Mapping::default(), &mut budget).unwrap();
        assert_eq!(file.records.len(), 11);
        assert_eq!(file.records[10].geometry, GeometryInput::Missing);
        budget.max_features = 10;
        let err = read(null_shapes(11), &Mapping::default(), &mut budget).unwrap_err();
        assert!(err.starts_with("more than 10 features"), "{err}");
        assert!(budget.exceeded());
    }

    #[test]
    fn reading_stops_when_the_time_is_up() {
        let mut budget = Budget::unbounded();
        budget.deadline = std::time::Instant::now() - std::time::Duration::from_millis(1);
        let err = read(null_shapes(3), &Mapping::default(), &mut budget).unwrap_err();
        assert!(err.contains("took too long"), "{err}");
    }
}
