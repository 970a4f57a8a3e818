//! A zipped Shapefile: the parts of one layer (`.shp`, `.dbf`, and `.shx`, `.prj`, `.cpg` when
//! there), read from a zip in memory. Bounded before anything is inflated: at most
//! `MAX_ENTRIES` entries, and the sizes the archive declares add up to at most the import's
//! byte limit; an entry that inflates to more than it declared is refused (zip bombs lie).

use std::io::{Cursor, Read};

use zip::ZipArchive;

/// Entries a zip may have: a Shapefile is 3–8 files; a few layers and a readme fit easily.
pub const MAX_ENTRIES: usize = 1000;

/// The files of one Shapefile layer.
#[derive(Debug)]
pub struct ShapefileParts {
    /// The layer's name (the `.shp` file's name without extension).
    pub name: String,
    pub shp: Vec<u8>,
    pub shx: Option<Vec<u8>>,
    pub dbf: Vec<u8>,
    pub prj: Option<String>,
    pub cpg: Option<String>,
}

/// The Shapefile layer `layer` (or the only one) of a zip. `max_bytes` bounds what all of
/// the archive's entries may inflate to.
pub fn shapefile_parts(
    body: &[u8],
    layer: Option<&str>,
    max_bytes: usize,
) -> Result<ShapefileParts, String> {
    // Before the zip crate reads the central directory into memory, one record per entry.
    if let Some(entries) = declared_entries(body) {
        if entries > MAX_ENTRIES as u64 {
            return Err(format!(
                "the zip has {entries} entries; at most {MAX_ENTRIES} are read"
            ));
        }
    }
    let mut archive =
        ZipArchive::new(Cursor::new(body)).map_err(|e| format!("not a readable zip file: {e}"))?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!(
            "the zip has {} entries; at most {MAX_ENTRIES} are read",
            archive.len()
        ));
    }
    // The central directory's sizes: `decompressed_size()` gives up on entries written with
    // data descriptors (macOS Finder, Java's ZipOutputStream), whose local headers say 0, but
    // the central directory has their sizes, and each entry is cut at its size below.
    let mut declared: u128 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| format!("zip entry {i}: {e}"))?;
        declared += u128::from(entry.size());
    }
    if declared > max_bytes as u128 {
        return Err(format!(
            "the zip unpacks to {declared} bytes; at most {max_bytes} (GWF_IMPORT_MAX_BYTES) are read"
        ));
    }
    // Entry name (path in the zip) → index, of files that are not macOS resource forks.
    let mut names: Vec<(String, usize)> = Vec::new();
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| format!("zip entry {i}: {e}"))?;
        let Ok(name) = entry.name() else { continue };
        let file = name.rsplit('/').next().unwrap_or_default();
        if entry.is_dir() || name.starts_with("__MACOSX/") || file.starts_with("._") {
            continue;
        }
        names.push((name.into_owned(), i));
    }
    let layers: Vec<&str> = names
        .iter()
        .filter_map(|(n, _)| stem_with(n, "shp"))
        .collect();
    let shown = |layers: &[&str]| {
        layers
            .iter()
            .map(|l| format!("`{}`", layer_name(l)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen: &str = match (layer, layers.as_slice()) {
        (_, []) => {
            return Err(
                "the zip holds no .shp file: a zipped Shapefile needs its .shp, .shx, .dbf and .prj files".into(),
            )
        }
        (None, [one]) => one,
        (None, _) => {
            return Err(format!(
                "the zip holds several Shapefiles ({}): name one with layer=",
                shown(&layers)
            ))
        }
        (Some(wanted), _) => layers
            .iter()
            .find(|l| layer_name(l).eq_ignore_ascii_case(wanted.trim()))
            .ok_or_else(|| {
                format!(
                    "the zip has no Shapefile `{wanted}`; it has {}",
                    shown(&layers)
                )
            })?,
    };
    let chosen = chosen.to_owned();
    let mut part = |extension: &str| -> Result<Option<Vec<u8>>, String> {
        let Some(index) = names
            .iter()
            .find(|(n, _)| stem_with(n, extension) == Some(chosen.as_str()))
            .map(|(_, i)| *i)
        else {
            return Ok(None);
        };
        let mut entry = archive
            .by_index(index)
            .map_err(|e| format!("cannot unpack the .{extension} file: {e}"))?;
        let size = entry.size();
        let mut bytes = Vec::with_capacity(size.min(max_bytes as u64) as usize);
        (&mut entry)
            .take(size + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot unpack the .{extension} file: {e}"))?;
        if bytes.len() as u64 > size {
            return Err(format!(
                "the .{extension} file unpacks to more than the {size} bytes the zip says"
            ));
        }
        Ok(Some(bytes))
    };
    let text = |bytes: Option<Vec<u8>>| {
        bytes.map(|b| {
            encoding_rs::UTF_8
                .decode_with_bom_removal(&b)
                .0
                .into_owned()
        })
    };
    let name = layer_name(&chosen).to_owned();
    let shp = part("shp")?.unwrap_or_default();
    let dbf = part("dbf")?
        .ok_or_else(|| format!("the zip has no {name}.dbf: a Shapefile's attributes are in it"))?;
    Ok(ShapefileParts {
        shx: part("shx")?,
        prj: text(part("prj")?),
        cpg: text(part("cpg")?),
        name,
        shp,
        dbf,
    })
}

/// The number of entries the End Of Central Directory record (or its ZIP64 successor) of
/// `body` declares; `None` if there is none (the zip crate then says what is wrong).
pub fn declared_entries(body: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const ZIP64_LOCATOR: &[u8] = b"PK\x06\x07";
    const ZIP64_EOCD: &[u8] = b"PK\x06\x06";
    let u16_at = |at: usize| Some(u16::from_le_bytes(body.get(at..at + 2)?.try_into().ok()?));
    let u64_at = |at: usize| Some(u64::from_le_bytes(body.get(at..at + 8)?.try_into().ok()?));
    // The record is 22 bytes and a comment of at most 65,535 after it.
    let earliest = body.len().saturating_sub(22 + 65_535);
    let eocd = (earliest..=body.len().saturating_sub(22))
        .rev()
        .find(|&at| body[at..].starts_with(EOCD))?;
    let entries = u64::from(u16_at(eocd + 10)?);
    let locator = eocd.checked_sub(20)?;
    if !body[locator..].starts_with(ZIP64_LOCATOR) {
        return Some(entries);
    }
    let zip64 = usize::try_from(u64_at(locator + 8)?).ok()?;
    match body.get(zip64..)?.starts_with(ZIP64_EOCD) {
        true => Some(entries.max(u64_at(zip64 + 32)?)),
        false => Some(entries),
    }
}

/// The path without its extension if the extension is `extension` (any case).
fn stem_with<'a>(name: &'a str, extension: &str) -> Option<&'a str> {
    let (stem, ext) = name.rsplit_once('.')?;
    ext.eq_ignore_ascii_case(extension).then_some(stem)
}

/// A layer's name: its path's last part.
fn layer_name(stem: &str) -> &str {
    stem.rsplit('/').next().unwrap_or(stem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn layer_entries() -> Vec<(&'static str, &'static [u8])> {
        vec![
            ("plots.shp", b"shp bytes"),
            ("plots.dbf", b"dbf bytes"),
            ("plots.prj", b"GEOGCS[]"),
        ]
    }

    #[test]
    fn zips_with_data_descriptors_are_read_by_their_central_directory() {
        // A zip written to a stream, as macOS Finder and Java's ZipOutputStream write them:
        // local headers say 0 bytes, data descriptors after the data say how many.
        let mut writer = zip::ZipWriter::new_stream(Vec::new());
        for (name, bytes) in layer_entries() {
            writer
                .start_file(name, SimpleFileOptions::default())
                .unwrap();
            writer.write_all(bytes).unwrap();
        }
        let body = writer.finish().unwrap().into_inner();
        let archive = ZipArchive::new(Cursor::new(&body[..])).unwrap();
        assert_eq!(
            archive.decompressed_size(),
            None,
            "the zip has data descriptors"
        );
        let parts = shapefile_parts(&body, None, 1 << 20).unwrap();
        assert_eq!(parts.shp, b"shp bytes");
        assert_eq!(parts.dbf, b"dbf bytes");
        assert_eq!(parts.prj.as_deref(), Some("GEOGCS[]"));
        // Their sizes still count against the byte limit.
        let err = shapefile_parts(&body, None, 20).unwrap_err();
        assert!(err.contains("at most 20"), "{err}");
    }

    #[test]
    fn the_entry_count_is_read_before_the_central_directory() {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in layer_entries() {
            writer
                .start_file(name, SimpleFileOptions::default())
                .unwrap();
            writer.write_all(bytes).unwrap();
        }
        let mut body = writer.finish().unwrap().into_inner();
        assert_eq!(declared_entries(&body), Some(3));
        // The end record claims 65,535 entries (on this disk and in all).
        let eocd = body.len() - 22;
        assert_eq!(&body[eocd..eocd + 4], b"PK\x05\x06");
        body[eocd + 8..eocd + 12].copy_from_slice(&[0xff; 4]);
        let err = shapefile_parts(&body, None, 1 << 20).unwrap_err();
        assert!(err.contains("65535 entries"), "{err}");
    }
}
