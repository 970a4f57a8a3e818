//! `places import-municipalities`: a region's municipalities from the official boundaries
//! (VG250 `VG250_GEM`, see docs/boundaries.md). Reads the file (`domain::boundaries`), builds
//! each outline in PostGIS (`db::boundaries`) and writes through `db::place_writes`, with a
//! history entry per change, in one transaction: a failure writes nothing. Idempotent: a
//! municipality whose name and outline are as in the file is not touched.
//!
//! The transformation to EPSG:4326 happens in PostGIS (PROJ), like every other import: the
//! same definitions as the display generalisation and the geography measures, and no PROJ
//! bindings (a C library) in this binary.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::Value;

use crate::db;
use crate::domain::boundaries::{self, formats, BoundaryFile, Grouped, Municipality, Selection};
use crate::domain::formats::shapefile::DbfEncoding;
use crate::domain::geometry::GeometryLimits;
use crate::domain::history::{diff, Actor, HistoryAction, Snapshot, Via};
use crate::domain::place::{MunicipalityData, PlaceKind};

/// Largest file read: the whole VG250 download (all layers of Germany) is well below it, and a
/// GeoJSON file is held in memory whole while its rows are picked. Units: bytes.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// `.shp` (with `.dbf`, `.prj`, optionally `.cpg` beside it) or `.geojson`/`.json`.
    pub file: PathBuf,
    /// Slug of the region the municipalities belong to.
    pub region: String,
    pub selection: Selection,
    /// Water rows (GF 1, 2) into the outline too.
    pub include_water: bool,
    /// Report what would change, write nothing.
    pub dry_run: bool,
}

/// What happened to one municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created,
    /// The fields that changed (`name`, `outline`).
    Updated(Vec<String>),
    Unchanged,
}

#[derive(Debug, Clone)]
pub struct Imported {
    pub id: Option<i64>,
    pub ags: String,
    pub name: String,
    pub outcome: Outcome,
    /// `EWZ` of VG250-EW (not stored).
    pub population: Option<i64>,
    pub water_rows_left_out: usize,
    /// Vertices of the full outline.
    pub vertices: i32,
    /// Units: m².
    pub area_m2: f64,
}

#[derive(Debug, Clone)]
pub struct ImportReport {
    pub municipalities: Vec<Imported>,
    /// AGS and name of areas of `--all` with water rows only (without `--include-water`).
    pub water_only_left_out: Vec<(String, String)>,
    pub dry_run: bool,
}

impl ImportReport {
    pub fn count(&self, outcome: fn(&Outcome) -> bool) -> usize {
        self.municipalities
            .iter()
            .filter(|m| outcome(&m.outcome))
            .count()
    }

    pub fn changed_nothing(&self) -> bool {
        self.municipalities
            .iter()
            .all(|m| m.outcome == Outcome::Unchanged)
    }
}

fn sibling(file: &Path, extension: &str) -> PathBuf {
    // VG250 ships upper-case names (VG250_GEM.SHP on some media); try both cases.
    let lower = file.with_extension(extension);
    let upper = file.with_extension(extension.to_uppercase());
    if !lower.exists() && upper.exists() {
        upper
    } else {
        lower
    }
}

fn open_bounded(path: &Path) -> anyhow::Result<File> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_FILE_BYTES {
        bail!(
            "{} has {size} bytes, more than the {MAX_FILE_BYTES} read: cut it to the Land first, \
             e.g. `ogr2ogr -where \"AGS LIKE '13%'\" out.shp {}`",
            path.display(),
            path.display()
        );
    }
    Ok(file)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    open_bounded(path)?
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| anyhow!("{} is not UTF-8 text", path.display()))
}

/// Reads the rows of the selected municipalities from a boundary file.
pub fn read_file(path: &Path, selection: &Selection) -> anyhow::Result<BoundaryFile> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let wanted = |ags: &str| selection.wants(ags);
    let shown = path.display();
    match extension.as_str() {
        "geojson" | "json" => {
            formats::read_geojson(&read_text(path)?, wanted).map_err(|e| anyhow!("{shown}: {e}"))
        }
        "shp" => {
            let shp = BufReader::new(open_bounded(path)?);
            let prj = sibling(path, "prj");
            if !prj.exists() {
                bail!(
                    "{} is missing: without it the CRS of {shown} is unknown (VG250 ships one)",
                    prj.display()
                );
            }
            let prj = read_text(&prj)?;
            let cpg = sibling(path, "cpg");
            let encoding = if cpg.exists() {
                crate::domain::formats::shapefile::encoding_of_cpg(&read_text(&cpg)?)
                    .map_err(|e| anyhow!("{}: {e}", cpg.display()))?
            } else {
                // What VG250 has always been encoded in.
                DbfEncoding::WINDOWS_1252
            };
            let dbf = sibling(path, "dbf");
            let dbf = BufReader::new(
                open_bounded(&dbf)
                    .with_context(|| format!("a Shapefile needs its .dbf file beside {shown}"))?,
            );
            formats::read_shapefile(shp, dbf, &prj, encoding, wanted)
                .map_err(|e| anyhow!("{shown}: {e}"))
        }
        "gpkg" => bail!(
            "{shown}: GeoPackage is not read directly; convert the layer first: \
             `ogr2ogr -f GeoJSON vg250_gem.geojson {shown} vg250_gem` (GDAL; the layer name may \
             be upper-case, `ogrinfo {shown}` lists them), or use the Shapefile download"
        ),
        _ => bail!(
            "{shown}: unknown format; give a Shapefile (.shp with .dbf, .prj) or GeoJSON \
             (.geojson) of the VG250_GEM layer"
        ),
    }
}

/// The file's rows of the selected municipalities, grouped; listed keys missing in the file
/// are an error, so nothing is imported from a list with a typo in it.
pub fn read_municipalities(
    path: &Path,
    selection: &Selection,
    include_water: bool,
) -> anyhow::Result<(BoundaryFile, Grouped)> {
    let mut file = read_file(path, selection)?;
    let rows = std::mem::take(&mut file.rows);
    let grouped = boundaries::group(rows, include_water, selection)
        .map_err(|problems| anyhow!("{}: {}", path.display(), problems.join("; ")))?;
    let missing = selection.missing(&grouped.municipalities);
    if !missing.is_empty() {
        let hint = match (&file.first_ags, grouped.municipalities.is_empty()) {
            (Some(first), true) => format!(
                " ({} rows, the first with AGS {first}: is it the municipality layer VG250_GEM?)",
                file.rows_read
            ),
            _ => String::new(),
        };
        bail!(
            "not in {}: {}{hint}; nothing imported",
            path.display(),
            missing.join(", ")
        );
    }
    if grouped.municipalities.is_empty() {
        bail!("{} has no municipality rows", path.display());
    }
    Ok((file, grouped))
}

/// Imports the selected municipalities of a boundary file into a region.
pub async fn import_municipalities(
    conn: &mut AsyncPgConnection,
    options: &ImportOptions,
) -> anyhow::Result<ImportReport> {
    let (path, selection, water) = (
        options.file.clone(),
        options.selection.clone(),
        options.include_water,
    );
    let (file, grouped) =
        tokio::task::spawn_blocking(move || read_municipalities(&path, &selection, water))
            .await
            .context("reading the file stopped")??;
    let actor = Actor {
        user_id: None,
        name: format!(
            "gewerbeflaechen places import-municipalities {}",
            options
                .file
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ),
        via: Via::Cli,
    };
    let srid = file.crs.srid();
    conn.transaction(async |conn| {
        let region_id = db::boundaries::region_id(conn, &options.region)
            .await?
            .with_context(|| {
                format!(
                    "no region `{}`: create it first (GET /regions lists the slugs)",
                    options.region
                )
            })?;
        db::place_writes::lock_shared(conn, PlaceKind::Region, region_id).await?;
        let mut imported = Vec::with_capacity(grouped.municipalities.len());
        for m in &grouped.municipalities {
            imported.push(import_one(conn, region_id, m, srid, &actor, options.dry_run).await?);
        }
        Ok(ImportReport {
            municipalities: imported,
            water_only_left_out: grouped.water_only.clone(),
            dry_run: options.dry_run,
        })
    })
    .await
}

async fn import_one(
    conn: &mut AsyncPgConnection,
    region_id: i64,
    m: &Municipality,
    srid: i32,
    actor: &Actor,
    dry_run: bool,
) -> anyhow::Result<Imported> {
    let what = format!("{} {}", m.ags, m.name);
    let outline = db::boundaries::prepare_outline(conn, &m.parts, srid)
        .await
        .with_context(|| format!("cannot read the outline of {what}"))?;
    let Some(geojson) = outline.geojson.as_deref() else {
        bail!("the outline of {what} has no area");
    };
    if !boundaries::in_germany(
        outline.min_lon,
        outline.min_lat,
        outline.max_lon,
        outline.max_lat,
    ) {
        bail!(
            "the outline of {what} lies outside Germany (longitude {:.3}…{:.3}, latitude \
             {:.3}…{:.3}): the file's coordinates are not in the CRS it declares (EPSG:{srid}; \
             a GeoJSON without `crs` member is read as EPSG:4326)",
            outline.min_lon,
            outline.max_lon,
            outline.min_lat,
            outline.max_lat
        );
    }
    let mut outline_value: Value = serde_json::from_str(geojson)?;
    // The name goes through the API's rules; the outline is the official one, of any size.
    let checked: MunicipalityData = serde_json::from_value(serde_json::json!({
        "region_id": region_id, "ags": m.ags, "name": m.name,
    }))?;
    let (checked, _) = checked
        .validate(&GeometryLimits::default())
        .map_err(|errors| anyhow!("{what}: {errors:?}"))?;
    let existing = db::boundaries::municipality_by_ags(conn, &m.ags).await?;
    let (id, before, mut object) = match existing {
        None => (None, None, checked.to_object()),
        Some(e) if e.deleted => bail!(
            "{what} is municipality {} which was deleted; restore it before importing its boundary",
            e.id
        ),
        Some(e) if e.region_id != region_id => bail!(
            "{what} is municipality {} of another region (id {}); it is not moved",
            e.id,
            e.region_id
        ),
        Some(e) => {
            let stored = db::place_writes::lock(conn, PlaceKind::Municipality, e.id)
                .await?
                .with_context(|| format!("{what} vanished during the import"))?;
            let mut object = stored.data.clone();
            object.insert("name".into(), Value::String(checked.name.clone()));
            // The same boundary read from another format keeps its stored vertices.
            if let Some(old) = stored.data.get("outline") {
                if boundaries::same_outline(old, &outline_value) {
                    outline_value = old.clone();
                }
            }
            let before = Snapshot::of_fields(stored.data, stored.outline_area_m2);
            (Some(e.id), Some(before), object)
        }
    };
    object.insert("outline".into(), outline_value);
    let after = Snapshot::of_fields(object.clone(), outline.area_m2);
    let changes = diff(before.as_ref(), &after);
    let outcome = match (id, changes.is_empty()) {
        (None, _) => Outcome::Created,
        (Some(_), true) => Outcome::Unchanged,
        (Some(_), false) => Outcome::Updated(
            changes
                .iter()
                .filter_map(|c| c["field"].as_str().map(str::to_owned))
                .collect(),
        ),
    };
    let id = match (&outcome, id) {
        _ if dry_run => id,
        (Outcome::Created, _) => Some(
            db::place_writes::insert(
                conn,
                PlaceKind::Municipality,
                &object,
                actor,
                &Value::Array(changes),
            )
            .await?,
        ),
        (Outcome::Updated(_), Some(id)) => {
            db::place_writes::update(
                conn,
                PlaceKind::Municipality,
                id,
                &object,
                HistoryAction::Update,
                actor,
                &Value::Array(changes),
            )
            .await?;
            Some(id)
        }
        (_, id) => id,
    };
    Ok(Imported {
        id,
        ags: m.ags.clone(),
        name: checked.name,
        outcome,
        population: m.population,
        water_rows_left_out: m.water_rows_left_out,
        vertices: outline.vertices,
        area_m2: outline.area_m2,
    })
}
