//! Vector tiles built by PostGIS (`ST_AsMVT`), with the filters of the search. Only published
//! plots, only public attributes. Tiles are Web Mercator (EPSG:3857) XYZ tiles.

use diesel::sql_types::{Bytea, Nullable};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::plots::Visibility;
use super::search::{where_clause, Bind, Sql};
use crate::domain::search::PlotQuery;

/// Tile extent in MVT units, and the buffer around it (in the same units) so outlines crossing
/// tile borders are drawn without seams.
const EXTENT: i64 = 4096;
const BUFFER: i64 = 64;

/// The attributes a map needs for styling and popups; internal fields are never selected.
const TILE_COLUMNS: &str = "p.id, p.reference, p.status, p.zoning, round(p.area_m2::numeric, 1)::float8 AS area_m2, \
    (p.price_min_ct / 100.0)::float8 AS price_min_eur, (p.price_max_ct / 100.0)::float8 AS price_max_eur, \
    p.price_on_request, p.title_de, p.title_en, \
    (SELECT m.name FROM municipalities m WHERE m.id = p.municipality_id) AS municipality_name, \
    (SELECT e.name FROM estates e WHERE e.id = p.estate_id) AS estate_name";

/// The SQL of one tile. Public so the benchmark can run the same statement with pgbench.
pub fn tile_sql(query: &PlotQuery, z: u32, x: u32, y: u32) -> Sql {
    let mut sql = Sql::default();
    let (z, x, y) = (
        sql.bind(Bind::I64(z.into())),
        sql.bind(Bind::I64(x.into())),
        sql.bind(Bind::I64(y.into())),
    );
    sql.push(&format!(
        "WITH tile AS (SELECT ST_TileEnvelope({z}::int, {x}::int, {y}::int) AS env), \
         features AS (SELECT ST_AsMVTGeom(ST_Transform(p.geom, 3857), tile.env, {EXTENT}, {BUFFER}, true) AS geom, \
         {TILE_COLUMNS} FROM tile, plots p"
    ));
    where_clause(query, &Visibility::PublishedOnly, &mut sql);
    // The GiST index on geom answers this box test: the tile plus its buffer, in EPSG:4326.
    sql.push(&format!(
        " AND p.geom && ST_Transform(ST_TileEnvelope({z}::int, {x}::int, {y}::int, margin => {BUFFER}.0 / {EXTENT}), 4326)) \
         SELECT ST_AsMVT(features, 'plots', {EXTENT}, 'geom', 'id') AS mvt FROM features WHERE geom IS NOT NULL"
    ));
    sql
}

#[derive(QueryableByName)]
struct TileRow {
    #[diesel(sql_type = Nullable<Bytea>)]
    mvt: Option<Vec<u8>>,
}

/// The tile's bytes (empty when no plot touches it).
pub async fn tile(
    conn: &mut AsyncPgConnection,
    query: &PlotQuery,
    z: u32,
    x: u32,
    y: u32,
) -> diesel::QueryResult<Vec<u8>> {
    let row: TileRow = tile_sql(query, z, x, y).query().get_result(conn).await?;
    Ok(row.mvt.unwrap_or_default())
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    version: i64,
}

/// The version of everything tiles show (migration `map_data_version`): it changes in the same
/// transaction as any plot, estate or municipality.
pub async fn map_data_version(conn: &mut AsyncPgConnection) -> diesel::QueryResult<i64> {
    let row: VersionRow = Sql {
        text: "SELECT version FROM map_data_version".into(),
        ..Sql::default()
    }
    .query()
    .get_result(conn)
    .await?;
    Ok(row.version)
}

#[derive(QueryableByName)]
pub struct Extent {
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    pub min_lon: Option<f64>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    pub min_lat: Option<f64>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    pub max_lon: Option<f64>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    pub max_lat: Option<f64>,
}

/// Extent of the published plots matching the filters. EPSG:4326.
pub async fn extent(
    conn: &mut AsyncPgConnection,
    query: &PlotQuery,
) -> diesel::QueryResult<Extent> {
    let mut sql = Sql::default();
    sql.push(
        "SELECT ST_XMin(b) AS min_lon, ST_YMin(b) AS min_lat, ST_XMax(b) AS max_lon, ST_YMax(b) AS max_lat \
         FROM (SELECT ST_Extent(p.geom) AS b FROM plots p",
    );
    where_clause(query, &Visibility::PublishedOnly, &mut sql);
    sql.push(") extent");
    sql.query().get_result(conn).await
}
