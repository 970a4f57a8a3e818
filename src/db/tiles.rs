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

/// The attributes a map needs for styling and for the first paint of a popup; internal fields
/// are never selected. Titles and place names are not here: the two name look-ups and the
/// titles were 20–32 % of an outline tile's database CPU and 38–45 % of its bytes
/// (bench/RESULTS.md, "outline tiles without titles and place names"), and the popup fetches
/// `/plots/{id}` anyway, whose answer fills them in.
const TILE_COLUMNS: &str = "plots.id, plots.reference, plots.status, plots.zoning, round(plots.area_m2::numeric, 1)::float8 AS area_m2, \
    (plots.price_min_ct / 100.0)::float8 AS price_min_eur, (plots.price_max_ct / 100.0)::float8 AS price_max_eur, \
    plots.price_on_request";

const PUBLIC: PlotSet = PlotSet::Readable(ReadScope::Public);

/// Zooms up to this one show clusters (layer `clusters`); plots as polygons (layer `plots`) from
/// the next one on. At zoom 10 a plot of 1 ha is about 2 pixels wide (512-pixel tiles, 53° N),
/// and a tile over Germany at zoom 5 or 6 held several MB of outlines nobody can tell apart.
pub const CLUSTER_MAX_ZOOM: u32 = 9;

/// Cluster cells per tile side: 8 cells of 64 pixels each on a 512-pixel tile. The cells are a
/// grid over the whole zoom level, so a cluster never straddles two tiles; a cluster is drawn at
/// its cell's centre, so two are always 64 pixels apart and their circles and counts (at most
/// 50 pixels wide in /embed) never overlap.
const CLUSTER_CELLS: u32 = 8;

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
    if z <= CLUSTER_MAX_ZOOM {
        return cluster_sql(query, envelope(String::new()));
    }
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

/// Plots counted per cell by their point (`plots.tile_x`, `tile_y`: Web Mercator, m), each
/// cell drawn at its centre, with `count` and the total `area_m2` (m²). A plot
/// belongs to the one tile and cell its point is in. Unfiltered and filtered by status, zoning or
/// place, the index `plots_tile_point_idx` answers without reading the table.
fn cluster_sql(query: &PlotQuery, envelope: Sql) -> Sql {
    let cells = CLUSTER_CELLS;
    sql![
        "WITH b AS (SELECT env, ST_XMin(env) AS x0, ST_YMin(env) AS y0, \
         ST_XMax(env) - ST_XMin(env) AS w FROM (SELECT ",
        envelope,
        format!(
            " AS env) t), cells AS (SELECT count(*) AS count, \
             round(sum(plots.area_m2))::float8 AS area_m2, \
             floor((plots.tile_x - b.x0) * {cells} / b.w) AS cx, \
             floor((plots.tile_y - b.y0) * {cells} / b.w) AS cy FROM b, plots"
        ),
        where_clause(query, &PUBLIC),
        format!(
            " AND plots.tile_x >= b.x0 AND plots.tile_x < b.x0 + b.w \
             AND plots.tile_y >= b.y0 AND plots.tile_y < b.y0 + b.w GROUP BY cx, cy) \
             SELECT ST_AsMVT(f, 'clusters', {EXTENT}, 'geom') AS mvt FROM (SELECT ST_AsMVTGeom(\
             ST_SetSRID(ST_MakePoint(b.x0 + (cx + 0.5) * b.w / {cells}, \
             b.y0 + (cy + 0.5) * b.w / {cells}), 3857), b.env, {EXTENT}, 0, true) AS geom, \
             count, area_m2 FROM b, cells) f"
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

/// The channel on which the database announces each new map data version (migration
/// `map_data_notify`; payload: the version as text).
pub const MAP_DATA_CHANNEL: &str = "gwf_map_data";

/// `application_name` of the listener's connection, so an operator (or a test) can find it in
/// `pg_stat_activity`.
pub const LISTENER_NAME: &str = "gwf-tile-listener";

/// A connection of its own that listens for new map data versions; its notifications arrive
/// through `AsyncPgConnection::notifications_stream`.
pub async fn listener(database_url: &str) -> diesel::ConnectionResult<AsyncPgConnection> {
    use diesel_async::AsyncConnection;
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    for statement in [
        format!("SET application_name = '{LISTENER_NAME}'"),
        format!("LISTEN {MAP_DATA_CHANNEL}"),
    ] {
        diesel::sql_query(statement)
            .execute(&mut conn)
            .await
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
    }
    Ok(conn)
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
