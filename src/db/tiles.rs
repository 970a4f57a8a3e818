//! Vector tiles built by PostGIS (`ST_AsMVT`), with the filters of the search. Only published
//! plots, only public attributes. Tiles are Web Mercator (EPSG:3857) XYZ tiles.

use diesel::sql_types::{Bytea, Nullable};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::search::where_clause;
use super::sql::{sql, Bind, Sql};
use crate::domain::access::{PlotSet, ReadScope};
use crate::domain::search::PlotQuery;

/// Tile extent in MVT units, and the buffer around it (in the same units) so outlines crossing
/// tile borders are drawn without seams.
const EXTENT: i64 = 4096;
const BUFFER: i64 = 64;

/// The attributes a map needs for styling and popups; internal fields are never selected.
const TILE_COLUMNS: &str = "plots.id, plots.reference, plots.status, plots.zoning, round(plots.area_m2::numeric, 1)::float8 AS area_m2, \
    (plots.price_min_ct / 100.0)::float8 AS price_min_eur, (plots.price_max_ct / 100.0)::float8 AS price_max_eur, \
    plots.price_on_request, plots.title_de, plots.title_en, \
    (SELECT m.name FROM municipalities m WHERE m.id = plots.municipality_id) AS municipality_name, \
    (SELECT e.name FROM estates e WHERE e.id = plots.estate_id AND e.published) AS estate_name";

const PUBLIC: PlotSet = PlotSet::Readable(ReadScope::Public);

/// The SQL of one tile. Public so the benchmark can run the same statement with pgbench.
pub fn tile_sql(query: &PlotQuery, z: u32, x: u32, y: u32) -> Sql {
    // Each use of the tile address sends it again: values are never shared between places.
    let envelope = |margin: String| {
        sql![
            "ST_TileEnvelope(",
            Bind::I64(z.into()),
            "::int, ",
            Bind::I64(x.into()),
            "::int, ",
            Bind::I64(y.into()),
            "::int",
            margin,
            ")"
        ]
    };
    sql![
        "WITH tile AS (SELECT ",
        envelope(String::new()),
        format!(
            " AS env), features AS (SELECT ST_AsMVTGeom(ST_Transform(plots.geom, 3857), tile.env, {EXTENT}, {BUFFER}, true) AS geom, \
             {TILE_COLUMNS} FROM tile, plots"
        ),
        where_clause(query, &PUBLIC),
        // The GiST index on geom answers this box test: the tile plus its buffer, in EPSG:4326.
        " AND plots.geom && ST_Transform(",
        envelope(format!(", margin => {BUFFER}.0 / {EXTENT}")),
        format!(
            ", 4326)) SELECT ST_AsMVT(features, 'plots', {EXTENT}, 'geom', 'id') AS mvt FROM features WHERE geom IS NOT NULL"
        ),
    ]
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
    let row: TileRow = tile_sql(query, z, x, y).untyped().get_result(conn).await?;
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
    let row: VersionRow = sql!["SELECT version FROM map_data_version"]
        .untyped()
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
    sql![
        "SELECT ST_XMin(b) AS min_lon, ST_YMin(b) AS min_lat, ST_XMax(b) AS max_lon, ST_YMax(b) AS max_lat \
         FROM (SELECT ST_Extent(plots.geom) AS b FROM plots",
        where_clause(query, &PUBLIC),
        ") extent"
    ]
    .untyped()
    .get_result(conn)
    .await
}
