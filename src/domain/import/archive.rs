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
    let mut archive =
        ZipArchive::new(Cursor::new(body)).map_err(|e| format!("not a readable zip file: {e}"))?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!(
            "the zip has {} entries; at most {MAX_ENTRIES} are read",
            archive.len()
        ));
    }
    let declared = archive.decompressed_size().unwrap_or(u128::MAX);
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

/// The path without its extension if the extension is `extension` (any case).
fn stem_with<'a>(name: &'a str, extension: &str) -> Option<&'a str> {
    let (stem, ext) = name.rsplit_once('.')?;
    ext.eq_ignore_ascii_case(extension).then_some(stem)
}

/// A layer's name: its path's last part.
fn layer_name(stem: &str) -> &str {
    stem.rsplit('/').next().unwrap_or(stem)
}
