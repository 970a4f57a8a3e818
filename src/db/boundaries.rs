//! Queries of the boundary import (`crate::boundaries`): turning a municipality's rows into one
//! valid outline in EPSG:4326, and finding the region and municipalities it writes to. The
//! writes themselves go through `place_writes`.

use diesel::sql_types::{Array, BigInt, Bool, Double, Integer, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// A municipality's outline as it will be stored.
#[derive(Debug, Clone, QueryableByName)]
pub struct PreparedOutline {
    /// GeoJSON MultiPolygon in EPSG:4326, 9 decimals (as `place_writes::lock` reads outlines
    /// back, so an unchanged boundary compares equal). `None` when nothing polygonal is left.
    #[diesel(sql_type = Nullable<Text>)]
    pub geojson: Option<String>,
    /// Units: m². Geodesic.
    #[diesel(sql_type = Double)]
    pub area_m2: f64,
    #[diesel(sql_type = Integer)]
    pub vertices: i32,
    /// Bounding box. Units: degrees.
    #[diesel(sql_type = Double)]
    pub min_lon: f64,
    #[diesel(sql_type = Double)]
    pub min_lat: f64,
    #[diesel(sql_type = Double)]
    pub max_lon: f64,
    #[diesel(sql_type = Double)]
    pub max_lat: f64,
}

/// The union of `parts` (GeoJSON in `srid`), made valid, polygons kept, in EPSG:4326.
///
/// Official data is repaired rather than refused: each part goes through `ST_MakeValid` and
/// keeps its polygons, the union is taken in the file's CRS (VG250's rows of one municipality
/// share their edges exactly there), and the result is made valid once more after the
/// transformation, which can fold a sliver. The result is put in a canonical vertex order
/// (`ST_Normalize`, outer rings counter-clockwise as RFC 7946 asks): the same boundary from
/// another format or a re-ordered file then compares equal and is not rewritten.
pub async fn prepare_outline(
    conn: &mut AsyncPgConnection,
    parts: &[String],
    srid: i32,
) -> diesel::QueryResult<PreparedOutline> {
    diesel::sql_query(
        "WITH parts AS ( \
             SELECT ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(p), $2)), 3) AS geom \
             FROM unnest($1::text[]) AS p \
         ), merged AS ( \
             SELECT ST_ForcePolygonCCW(ST_Normalize(ST_Multi(ST_CollectionExtract(ST_MakeValid( \
                 ST_Transform(ST_UnaryUnion(ST_Collect(geom)), 4326)), 3)))) AS geom \
             FROM parts \
         ) \
         SELECT CASE WHEN ST_IsEmpty(geom) THEN NULL ELSE ST_AsGeoJSON(geom, 9) END AS geojson, \
                coalesce(ST_Area(geom::geography), 0) AS area_m2, coalesce(ST_NPoints(geom), 0) AS vertices, \
                coalesce(ST_XMin(geom), 0) AS min_lon, coalesce(ST_YMin(geom), 0) AS min_lat, \
                coalesce(ST_XMax(geom), 0) AS max_lon, coalesce(ST_YMax(geom), 0) AS max_lat \
         FROM merged",
    )
    .bind::<Array<Text>, _>(parts)
    .bind::<Integer, _>(srid)
    .get_result(conn)
    .await
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The region of `slug`, unless deleted.
pub async fn region_id(
    conn: &mut AsyncPgConnection,
    slug: &str,
) -> diesel::QueryResult<Option<i64>> {
    let rows: Vec<Id> =
        diesel::sql_query("SELECT id FROM regions WHERE slug = $1 AND deleted_at IS NULL")
            .bind::<Text, _>(slug)
            .load(conn)
            .await?;
    Ok(rows.into_iter().next().map(|r| r.id))
}

/// A municipality of some AGS, deleted ones included (the AGS stays theirs).
#[derive(Debug, Clone, QueryableByName)]
pub struct ByAgs {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub region_id: i64,
    #[diesel(sql_type = Bool)]
    pub deleted: bool,
}

pub async fn municipality_by_ags(
    conn: &mut AsyncPgConnection,
    ags: &str,
) -> diesel::QueryResult<Option<ByAgs>> {
    let rows: Vec<ByAgs> = diesel::sql_query(
        "SELECT id, region_id, deleted_at IS NOT NULL AS deleted FROM municipalities WHERE ags = $1",
    )
    .bind::<Text, _>(ags)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}
