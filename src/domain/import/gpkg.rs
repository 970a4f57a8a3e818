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

use rusqlite::config::DbConfig;
use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, MAIN_DB};
use serde_json::{Map, Number, Value};

use super::bounds::Budget;
use super::read::{geometry_input, records_in_locale, ParsedFile, UnknownColumns};
use super::report::ImportProblem;
use super::schema::Mapping;
use crate::domain::crs::{self, Crs};
use crate::domain::formats::wkb;

/// SQLite's instructions between two looks at the deadline.
const PROGRESS_STEPS: i32 = 10_000;

/// An SQL identifier in double quotes (also used by `api::imports::gpkg`, which writes them).
pub fn quoted(identifier: &str) -> String {
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

/// SQLite's limits for a file we did not write: ample for our few statements and for the
/// schemas GDAL, QGIS and ArcGIS write, so a schema that needs more is refused when SQLite
/// parses it. The length of one value (and row) is
/// capped by the import's byte budget in `open`.
const LIMITS: [(Limit, i32); 10] = [
    (Limit::SQLITE_LIMIT_SQL_LENGTH, 1_000_000),
    (Limit::SQLITE_LIMIT_COLUMN, 1_000),
    (Limit::SQLITE_LIMIT_EXPR_DEPTH, 200),
    (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 50),
    (Limit::SQLITE_LIMIT_VDBE_OP, 100_000),
    (Limit::SQLITE_LIMIT_FUNCTION_ARG, 32),
    (Limit::SQLITE_LIMIT_ATTACHED, 0),
    (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 100),
    (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 10),
    (Limit::SQLITE_LIMIT_TRIGGER_DEPTH, 1),
];

/// The database in `body`, opened read-only in memory.
fn open(body: &[u8], budget: &Budget) -> Result<Connection, String> {
    let deadline = budget.deadline;
    let mut conn = Connection::open_in_memory().map_err(broken)?;
    let length = i32::try_from(budget.max_bytes).unwrap_or(i32::MAX);
    for (limit, value) in LIMITS
        .into_iter()
        .chain([(Limit::SQLITE_LIMIT_LENGTH, length)])
    {
        conn.set_limit(limit, value).map_err(broken)?;
    }
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
    conn.progress_handler(
        PROGRESS_STEPS,
        Some(move || std::time::Instant::now() > deadline),
    )
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

/// Refuses a feature "table" that is not a table of rows stored in the file: a view (whose
/// recursive query can yield rows without end) or a virtual table.
fn stored_table(conn: &Connection, table: &str) -> Result<(), String> {
    let kind: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT type, sql FROM sqlite_master WHERE lower(name) = lower(?1) AND type != 'trigger'",
            [table],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(broken)?;
    match kind {
        Some((kind, sql)) if kind == "table" => {
            let sql = sql.unwrap_or_default();
            let words: Vec<&str> = sql.split_whitespace().take(2).collect();
            if words
                .get(1)
                .is_some_and(|w| w.eq_ignore_ascii_case("VIRTUAL"))
            {
                return Err(format!("the GeoPackage's `{table}` is a virtual table, not a table of features; only tables are read"));
            }
            Ok(())
        }
        Some((kind, _)) => Err(format!(
            "the GeoPackage's `{table}` is a {kind}, not a table; only tables are read"
        )),
        None => Err(format!("the GeoPackage has no table `{table}`")),
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

/// Reads the feature table, refused at its first row over the budget's cap, once the values
/// read add up to more than its bytes, or once its time is up.
pub fn read(
    body: &[u8],
    mapping: &Mapping,
    layer: Option<&str>,
    budget: &mut Budget,
) -> Result<ParsedFile, String> {
    let conn = open(body, budget)?;
    let table = feature_table(&conn, layer)?;
    stored_table(&conn, &table)?;
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
    let mut features = Vec::new();
    let mut problems = Vec::new();
    let mut binary_warned = false;
    while let Some(row) = rows.next().map_err(broken)? {
        let i = features.len();
        budget.feature(i)?;
        let mut properties = Map::new();
        for (c, (name, boolean)) in columns.iter().enumerate() {
            let value = match row.get_ref(c).map_err(broken)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) if *boolean => Value::Bool(n != 0),
                ValueRef::Integer(n) => Value::from(n),
                ValueRef::Real(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
                ValueRef::Text(t) => {
                    budget.bytes(t.len())?;
                    Value::String(String::from_utf8_lossy(t).into_owned())
                }
                ValueRef::Blob(b) => {
                    budget.bytes(b.len())?;
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
            ValueRef::Blob(blob) => {
                budget.bytes(blob.len())?;
                match wkb::gpkg_to_geojson(blob) {
                    Ok(g) => geometry_input(g),
                    Err(e) => super::GeometryInput::Unreadable(e),
                }
            }
            _ => super::GeometryInput::Unreadable("not a GeoPackage geometry".into()),
        };
        features.push((properties, geometry));
    }
    // Text numbers are read in the locale the file's other text numbers reveal.
    let records = records_in_locale(features, mapping, &mut problems);
    Ok(ParsedFile {
        format: "gpkg",
        crs,
        records,
        problems,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::MAIN_DB;

    /// A GeoPackage of `n` points in a table `plots`, and then `extra` run on it.
    fn geopackage(n: usize, extra: &str) -> Vec<u8> {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT);
             CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, srs_id INTEGER);
             CREATE TABLE plots (fid INTEGER PRIMARY KEY, geom BLOB, reference TEXT);
             INSERT INTO gpkg_contents VALUES ('plots', 'features');
             INSERT INTO gpkg_geometry_columns VALUES ('plots', 'geom', 0);",
        )
        .unwrap();
        let point = serde_json::json!({"type": "Point", "coordinates": [11.4, 53.3]});
        let blob = wkb::gpkg_from_geojson(&point, 4326).unwrap();
        for i in 0..n {
            conn.execute(
                "INSERT INTO plots (geom, reference) VALUES (?1, ?2)",
                rusqlite::params![blob, format!("P-{i}")],
            )
            .unwrap();
        }
        conn.execute_batch(extra).unwrap();
        conn.serialize(MAIN_DB).unwrap().to_vec()
    }

    fn budget(max_features: usize, max_bytes: usize) -> Budget {
        let mut budget = Budget::unbounded();
        budget.max_features = max_features;
        budget.max_bytes = max_bytes;
        budget
    }

    #[test]
    fn reading_stops_at_the_first_row_over_the_cap() {
        let body = geopackage(11, "");
        let mapping = Mapping::default();
        let file = read(&body, &mapping, None, &mut budget(11, 1 << 20)).unwrap();
        assert_eq!(file.records.len(), 11);
        let mut capped = budget(10, 1 << 20);
        let err = read(&body, &mapping, None, &mut capped).unwrap_err();
        assert!(err.starts_with("more than 10 features"), "{err}");
        assert!(capped.exceeded());
    }

    #[test]
    fn views_are_not_read() {
        // Rows without end: a recursive query over the table.
        let body = geopackage(
            1,
            "CREATE VIEW endless AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
               SELECT i AS fid, geom, reference FROM n, plots;
             INSERT INTO gpkg_contents VALUES ('endless', 'features');
             INSERT INTO gpkg_geometry_columns VALUES ('endless', 'geom', 0);",
        );
        let mut budget = budget(1_000_000, 1 << 30);
        budget.deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        let err = read(&body, &Mapping::default(), Some("endless"), &mut budget).unwrap_err();
        assert!(err.contains("is a view, not a table"), "{err}");
    }

    #[test]
    fn values_count_against_the_byte_budget() {
        // A generated column that makes a 4 kB blob of every row: the file stays small.
        let body = geopackage(
            0,
            "CREATE TABLE padded (fid INTEGER PRIMARY KEY, reference TEXT,
               geom BLOB GENERATED ALWAYS AS (zeroblob(4000)) VIRTUAL);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
               INSERT INTO padded (reference) SELECT 'P-' || i FROM n;
             INSERT INTO gpkg_contents VALUES ('padded', 'features');
             INSERT INTO gpkg_geometry_columns VALUES ('padded', 'geom', 0);",
        );
        let mapping = Mapping::default();
        let read_with =
            |max_bytes| read(&body, &mapping, Some("padded"), &mut budget(100, max_bytes));
        assert_eq!(read_with(1 << 20).unwrap().records.len(), 10);
        let err = read_with(30_000).unwrap_err();
        assert!(err.contains("more than 30000 bytes"), "{err}");
        // One value over the budget is refused by SQLite itself.
        let err = read_with(3_000).unwrap_err();
        assert!(err.contains("cannot be read"), "{err}");
    }
}
