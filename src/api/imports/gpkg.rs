//! `GET /plots/export?f=gpkg`: the export as a GeoPackage 1.3 (OGC 12-128r18) that QGIS and
//! GDAL open, edit and save, and `POST /imports` reads back: one feature table `plots` in
//! EPSG:4326 with the columns of the GeoJSON export's properties, and its R-tree index.
//!
//! Built by the bundled SQLite in memory and serialised whole: no temporary file to clean up,
//! and memory bounded by the export itself (which holds every matching plot already).

use rusqlite::{params_from_iter, Connection, MAIN_DB};
use serde_json::{Map, Value};

use crate::domain::formats::wkb;
use crate::domain::import::gpkg::quoted;

/// `GPKG` as the SQLite application id, and version 1.3.0 as user_version (§1.1.1.1.1).
const APPLICATION_ID: i32 = 0x4750_4B47;
const USER_VERSION: i32 = 10300;

/// The feature table's name, also the layer QGIS shows.
pub const TABLE: &str = "plots";

const WGS84: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// The tables every GeoPackage has (§1.1.2, §1.1.3, §2.1.5), as the standard defines them.
const CORE: &str = "
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
";

/// What a column holds, from its values: SQLite and GeoPackage types.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Boolean,
    Integer,
    Real,
    Text,
}

impl Kind {
    fn of(value: &Value) -> Option<Kind> {
        Some(match value {
            Value::Null => return None,
            Value::Bool(_) => Kind::Boolean,
            Value::Number(n) if n.is_f64() => Kind::Real,
            Value::Number(_) => Kind::Integer,
            _ => Kind::Text,
        })
    }

    fn join(a: Option<Kind>, b: Option<Kind>) -> Option<Kind> {
        match (a, b) {
            (None, k) | (k, None) => k,
            (Some(a), Some(b)) if a == b => Some(a),
            (Some(Kind::Integer | Kind::Real), Some(Kind::Integer | Kind::Real)) => {
                Some(Kind::Real)
            }
            _ => Some(Kind::Text),
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Kind::Boolean => "BOOLEAN",
            Kind::Integer => "INTEGER",
            Kind::Real => "REAL",
            Kind::Text => "TEXT",
        }
    }

    fn value(self, value: &Value) -> rusqlite::types::Value {
        use rusqlite::types::Value as Sql;
        match (self, value) {
            (_, Value::Null) => Sql::Null,
            (Kind::Boolean, Value::Bool(b)) => Sql::Integer(i64::from(*b)),
            (Kind::Integer, Value::Number(n)) if n.is_i64() => {
                Sql::Integer(n.as_i64().unwrap_or_default())
            }
            (Kind::Real | Kind::Integer, Value::Number(n)) => {
                Sql::Real(n.as_f64().unwrap_or_default())
            }
            (_, Value::String(s)) => Sql::Text(s.clone()),
            // Lists (of parcel identifiers, say) as the CSV export writes them, which imports read.
            (_, Value::Array(items)) => Sql::Text(
                items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            (_, other) => Sql::Text(other.to_string()),
        }
    }
}

/// The declared geometry type: one type if all outlines share it, else GEOMETRY.
fn geometry_type(records: &[(Map<String, Value>, Value)]) -> &'static str {
    let mut types = records.iter().filter_map(|(_, g)| g["type"].as_str());
    let first = types.next();
    match first {
        Some(t) if types.all(|other| other == t) => match t {
            "Polygon" => "POLYGON",
            "MultiPolygon" => "MULTIPOLYGON",
            "Point" => "POINT",
            _ => "GEOMETRY",
        },
        _ => "GEOMETRY",
    }
}

/// The envelope (min x, min y, max x, max y) of a GeoPackage geometry blob with an xy envelope
/// (as `wkb::gpkg_from_geojson` writes them: little-endian).
fn envelope(b: &[u8]) -> Option<[f64; 4]> {
    let f = |at: usize| f64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]));
    (b.len() >= 40 && (b[3] >> 1) & 0b111 == 1).then(|| [f(8), f(24), f(16), f(32)])
}

/// The envelope of all blobs.
fn extent(blobs: &[Option<Vec<u8>>]) -> Option<[f64; 4]> {
    blobs
        .iter()
        .flatten()
        .filter_map(|b| envelope(b))
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
}

fn failed(e: rusqlite::Error) -> String {
    format!("writing the GeoPackage failed: {e}")
}

/// The R-tree spatial index extension (GeoPackage 1.3, F.3), so that QGIS and GDAL query a large
/// export by extent without reading every outline. The index is filled here, row by row (rows
/// are numbered 1… in insert order), because this SQLite has no `ST_MinX`; the standard's
/// triggers are created afterwards, for the clients that edit the file: they provide the
/// `ST_*` functions, and SQLite resolves a trigger's functions only when it fires.
fn spatial_index(tx: &rusqlite::Transaction<'_>, blobs: &[Option<Vec<u8>>]) -> Result<(), String> {
    let (t, c, i) = (TABLE, "geom", "fid");
    let rtree = format!("rtree_{t}_{c}");
    tx.execute_batch(&format!(
        "CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, \
           extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, \
           CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
         INSERT INTO gpkg_extensions VALUES ('{t}', '{c}', 'gpkg_rtree_index', \
           'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
         CREATE VIRTUAL TABLE {rtree} USING rtree(id, minx, maxx, miny, maxy);"
    ))
    .map_err(failed)?;
    {
        let mut insert = tx
            .prepare(&format!("INSERT INTO {rtree} VALUES (?1, ?2, ?3, ?4, ?5)"))
            .map_err(failed)?;
        for (row, blob) in (1_i64..).zip(blobs) {
            if let Some([min_x, min_y, max_x, max_y]) = blob.as_deref().and_then(envelope) {
                insert
                    .execute(rusqlite::params![row, min_x, max_x, min_y, max_y])
                    .map_err(failed)?;
            }
        }
    }
    let set = format!(
        "INSERT OR REPLACE INTO {rtree} VALUES (NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c}))"
    );
    tx.execute_batch(&format!(
        "CREATE TRIGGER {rtree}_insert AFTER INSERT ON {t}
           WHEN (NEW.{c} NOT NULL AND NOT ST_IsEmpty(NEW.{c})) BEGIN {set}; END;
         CREATE TRIGGER {rtree}_update1 AFTER UPDATE OF {c} ON {t}
           WHEN OLD.{i} = NEW.{i} AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c})) BEGIN {set}; END;
         CREATE TRIGGER {rtree}_update2 AFTER UPDATE OF {c} ON {t}
           WHEN OLD.{i} = NEW.{i} AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))
           BEGIN DELETE FROM {rtree} WHERE id = OLD.{i}; END;
         CREATE TRIGGER {rtree}_update3 AFTER UPDATE ON {t}
           WHEN OLD.{i} != NEW.{i} AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))
           BEGIN DELETE FROM {rtree} WHERE id = OLD.{i}; {set}; END;
         CREATE TRIGGER {rtree}_update4 AFTER UPDATE ON {t}
           WHEN OLD.{i} != NEW.{i} AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))
           BEGIN DELETE FROM {rtree} WHERE id IN (OLD.{i}, NEW.{i}); END;
         CREATE TRIGGER {rtree}_delete AFTER DELETE ON {t}
           WHEN OLD.{c} NOT NULL BEGIN DELETE FROM {rtree} WHERE id = OLD.{i}; END;"
    ))
    .map_err(failed)
}

/// The records (properties, GeoJSON geometry in EPSG:4326) as a GeoPackage file.
pub fn write(records: &[(Map<String, Value>, Value)]) -> Result<Vec<u8>, String> {
    let mut columns: Vec<(String, Option<Kind>)> = Vec::new();
    for (properties, _) in records {
        for (key, value) in properties {
            match columns.iter_mut().find(|(c, _)| c == key) {
                Some((_, kind)) => *kind = Kind::join(*kind, Kind::of(value)),
                None => columns.push((key.clone(), Kind::of(value))),
            }
        }
    }
    let columns: Vec<(String, Kind)> = columns
        .into_iter()
        .filter(|(name, _)| name != "fid" && name != "geom")
        .map(|(name, kind)| (name, kind.unwrap_or(Kind::Text)))
        .collect();
    let blobs = records
        .iter()
        .map(|(_, g)| match g {
            Value::Null => Ok(None),
            g => wkb::gpkg_from_geojson(g, 4326).map(Some),
        })
        .collect::<Result<Vec<_>, _>>()?;

    let mut conn = Connection::open_in_memory().map_err(failed)?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(failed)?;
    conn.pragma_update(None, "user_version", USER_VERSION)
        .map_err(failed)?;
    let tx = conn.transaction().map_err(failed)?;
    tx.execute_batch(CORE).map_err(failed)?;
    tx.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, ?1, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')",
        [WGS84],
    )
    .map_err(failed)?;
    let definitions: Vec<String> = columns
        .iter()
        .map(|(name, kind)| format!("{} {}", quoted(name), kind.sql()))
        .collect();
    let kind = geometry_type(records);
    tx.execute_batch(&format!(
        "CREATE TABLE {TABLE} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom {kind}{}{})",
        if definitions.is_empty() { "" } else { ", " },
        definitions.join(", ")
    ))
    .map_err(failed)?;
    let bounds = extent(&blobs);
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id) \
         VALUES (?1, 'features', ?1, 'Gewerbeflächen: plots in the import schema', ?2, ?3, ?4, ?5, 4326)",
        rusqlite::params![TABLE, bounds.map(|b| b[0]), bounds.map(|b| b[1]), bounds.map(|b| b[2]), bounds.map(|b| b[3])],
    )
    .map_err(failed)?;
    tx.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, 4326, 0, 0)",
        [TABLE, kind],
    )
    .map_err(failed)?;
    {
        let names: Vec<String> = std::iter::once("geom".to_owned())
            .chain(columns.iter().map(|(name, _)| quoted(name)))
            .collect();
        let slots: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        let mut insert = tx
            .prepare(&format!(
                "INSERT INTO {TABLE} ({}) VALUES ({})",
                names.join(", "),
                slots.join(", ")
            ))
            .map_err(failed)?;
        for ((properties, _), blob) in records.iter().zip(&blobs) {
            let geometry = match blob {
                Some(b) => rusqlite::types::Value::Blob(b.clone()),
                None => rusqlite::types::Value::Null,
            };
            let values = std::iter::once(geometry).chain(
                columns
                    .iter()
                    .map(|(name, kind)| kind.value(properties.get(name).unwrap_or(&Value::Null))),
            );
            insert.execute(params_from_iter(values)).map_err(failed)?;
        }
    }
    spatial_index(&tx, &blobs)?;
    tx.commit().map_err(failed)?;
    let bytes = conn.serialize(MAIN_DB).map_err(failed)?;
    Ok(bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::import::{gpkg, GeometryInput, Mapping};
    use serde_json::json;

    #[test]
    fn what_is_written_is_read_back() {
        let square = json!({"type": "Polygon", "coordinates": [[[11.4, 53.3], [11.401, 53.3], [11.401, 53.301], [11.4, 53.3]]]});
        let mut properties = Map::new();
        properties.insert("reference".into(), json!("A-1"));
        properties.insert("title_de".into(), json!("Größe \"Fläche\""));
        properties.insert("grz".into(), json!(0.8));
        properties.insert("version".into(), json!(3));
        properties.insert("published".into(), json!(true));
        properties.insert("estate_name".into(), Value::Null);
        let bytes = write(&[(properties, square.clone())]).unwrap();
        assert!(bytes.starts_with(b"SQLite format 3\0"));
        assert_eq!(&bytes[68..72], b"GPKG");
        let mut budget = crate::domain::import::bounds::Budget::unbounded();
        let file = gpkg::read(&bytes, &Mapping::default(), None, &mut budget).unwrap();
        assert_eq!(file.crs, Some(crate::domain::crs::Crs::Wgs84));
        let record = &file.records[0];
        assert_eq!(record.fields["title_de"], "Größe \"Fläche\"");
        assert_eq!(record.fields["grz"], 0.8);
        assert_eq!(record.geometry, GeometryInput::GeoJson(square.to_string()));
        assert!(
            gpkg::read(&bytes, &Mapping::default(), Some("nope"), &mut budget)
                .unwrap_err()
                .contains("`plots`")
        );
    }
}
