//! An import from a GeoPackage (OGC 12-128r18, version 1.3 and earlier): the first feature
//! table of `gpkg_contents`, or the one `layer` names. Its columns are properties, as a
//! GeoJSON feature's are (the primary key is left out), its geometry column the geometry, and
//! its CRS the SRS `gpkg_geometry_columns` names.
//!
//! The file is read in memory by the bundled SQLite (never written to disk), read-only,
//! defensive (no triggers, schema not trusted, no extensions: rusqlite is built without
//! extension loading), and each statement is stopped at `deadline` by a progress handler, so
//! a hostile file costs at most the import's CPU bound.

use std::io::Read;
use std::time::Instant;

use rusqlite::config::DbConfig;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, MAIN_DB};
use serde_json::{Map, Number, Value};

use super::read::{feature_record, geometry_input, ParsedFile, UnknownColumns};
use super::report::ImportProblem;
use super::schema::Mapping;
use crate::domain::crs::{self, Crs};
use crate::domain::formats::wkb;

/// SQLite's instructions between two looks at the deadline.
const PROGRESS_STEPS: i32 = 10_000;

fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

fn broken(e: rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::OperationInterrupted =>
        {
            "reading the GeoPackage took too long".into()
        }
        other => format!("the GeoPackage cannot be read: {other}"),
    }
}

/// The database in `body`, opened read-only in memory.
fn open(body: &[u8], deadline: Instant) -> Result<Connection, String> {
    let mut conn = Connection::open_in_memory().map_err(broken)?;
    for (setting, on) in [
        (DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true),
        (DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false),
        (DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false),
    ] {
        conn.set_db_config(setting, on).map_err(broken)?;
    }
    // A file saved in WAL mode says so in bytes 18 and 19; SQLite cannot open such a file in
    // memory, and a copy saved without its -wal file has everything in the main file anyway.
    let mut header = body.get(..20).unwrap_or(body).to_vec();
    if header.len() == 20 && header[18] == 2 && header[19] == 2 {
        header[18] = 1;
        header[19] = 1;
    }
    let bytes = header.as_slice().chain(body.get(20..).unwrap_or_default());
    conn.deserialize_read_exact(MAIN_DB, bytes, body.len(), true)
        .map_err(broken)?;
    conn.progress_handler(PROGRESS_STEPS, Some(move || Instant::now() > deadline))
        .map_err(broken)?;
    Ok(conn)
}

/// The feature table to read: `layer`, or the first in `gpkg_contents`.
fn feature_table(conn: &Connection, layer: Option<&str>) -> Result<String, String> {
    let tables: Vec<String> = conn
        .prepare("SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY rowid")
        .and_then(|mut s| s.query_map([], |row| row.get(0))?.collect())
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(_, Some(m)) if m.contains("no such table") => {
                "not a GeoPackage: it has no gpkg_contents table".to_owned()
            }
            other => broken(other),
        })?;
    let listed = || {
        tables
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match layer {
        _ if tables.is_empty() => {
            Err("the GeoPackage has no feature table (gpkg_contents lists none)".into())
        }
        None => Ok(tables[0].clone()),
        Some(wanted) => tables
            .iter()
            .find(|t| t.eq_ignore_ascii_case(wanted.trim()))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "the GeoPackage has no feature table `{wanted}`; it has {}",
                    listed()
                )
            }),
    }
}

/// The table's geometry column and CRS (`None` for the undefined SRSs 0 and -1).
fn geometry_column(conn: &Connection, table: &str) -> Result<(String, Option<Crs>), String> {
    let (column, srs_id): (String, i64) = conn
        .query_row(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
            [table],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(broken)?
        .ok_or_else(|| format!("gpkg_geometry_columns names no geometry column of `{table}`"))?;
    if srs_id == 0 || srs_id == -1 {
        return Ok((column, None));
    }
    let (organization, code, definition): (String, i64, String) = conn
        .query_row(
            "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .map_err(broken)?
        .ok_or_else(|| format!("gpkg_spatial_ref_sys has no SRS {srs_id}"))?;
    let by_code = organization
        .eq_ignore_ascii_case("EPSG")
        .then(|| Crs::from_epsg(code))
        .flatten();
    let crs = match by_code {
        Some(crs) => crs,
        None => crs::from_prj(&definition).map_err(|e| {
            format!("the GeoPackage's CRS ({organization}:{code}) is not supported: {e}")
        })?,
    };
    Ok((column, Some(crs)))
}

pub fn read(
    body: &[u8],
    mapping: &Mapping,
    layer: Option<&str>,
    deadline: Instant,
) -> Result<ParsedFile, String> {
    let conn = open(body, deadline)?;
    let table = feature_table(&conn, layer)?;
    let (geometry, crs) = geometry_column(&conn, &table)?;
    // (name, is BOOLEAN): every column but the geometry and an integer primary key.
    let mut columns: Vec<(String, bool)> = Vec::new();
    {
        let mut info = conn
            .prepare(&format!("PRAGMA table_info({})", quoted(&table)))
            .map_err(broken)?;
        let rows = info
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    row.get::<_, i64>(5)?,
                ))
            })
            .map_err(broken)?;
        for row in rows {
            let (name, kind, pk) = row.map_err(broken)?;
            let integer_key = pk > 0 && kind.eq_ignore_ascii_case("INTEGER");
            if name.eq_ignore_ascii_case(&geometry) || integer_key {
                continue;
            }
            columns.push((name, kind.eq_ignore_ascii_case("BOOLEAN")));
        }
    }
    let mut warnings = Vec::new();
    let mut unknown = UnknownColumns::default();
    for (name, _) in &columns {
        unknown.check(name, mapping, &mut warnings);
    }
    let select = columns
        .iter()
        .map(|(name, _)| quoted(name))
        .chain(std::iter::once(quoted(&geometry)))
        .collect::<Vec<_>>()
        .join(", ");
    let mut statement = conn
        .prepare(&format!("SELECT {select} FROM {}", quoted(&table)))
        .map_err(broken)?;
    let mut rows = statement.query([]).map_err(broken)?;
    let mut records = Vec::new();
    let mut problems = Vec::new();
    let mut binary_warned = false;
    while let Some(row) = rows.next().map_err(broken)? {
        let i = records.len();
        let mut properties = Map::new();
        for (c, (name, boolean)) in columns.iter().enumerate() {
            let value = match row.get_ref(c).map_err(broken)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) if *boolean => Value::Bool(n != 0),
                ValueRef::Integer(n) => Value::from(n),
                ValueRef::Real(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
                ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(_) => {
                    if !binary_warned {
                        binary_warned = true;
                        warnings.push(ImportProblem::new(
                            None,
                            None,
                            Some(name),
                            "binary values are not read",
                        ));
                    }
                    continue;
                }
            };
            properties.insert(name.clone(), value);
        }
        let geometry = match row.get_ref(columns.len()).map_err(broken)? {
            ValueRef::Null => geometry_input(None),
            ValueRef::Blob(blob) => match wkb::gpkg_to_geojson(blob) {
                Ok(g) => geometry_input(g),
                Err(e) => super::GeometryInput::Unreadable(e),
            },
            _ => super::GeometryInput::Unreadable("not a GeoPackage geometry".into()),
        };
        records.push(feature_record(
            i,
            properties,
            geometry,
            mapping,
            &mut problems,
        ));
    }
    Ok(ParsedFile {
        format: "gpkg",
        crs,
        records,
        problems,
        warnings,
    })
}
