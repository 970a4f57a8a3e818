//! Database help for imports: coordinate transformation by PostGIS and the lookups that map an
//! import file onto municipalities and estates.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Double, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::place_writes;
use super::places::estate_visible_sql;
use crate::domain::access::{PlotSet, ReadScope};
use crate::domain::geometry::Repair;
use crate::domain::import::estates::StoredEstate;
use crate::domain::import::locate::Around;
use crate::schema::{estates, municipalities};

#[derive(QueryableByName)]
struct Transformed {
    #[diesel(sql_type = BigInt)]
    ord: i64,
    #[diesel(sql_type = Nullable<Text>)]
    geojson: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    error: Option<String>,
    #[diesel(sql_type = Bool)]
    repaired: bool,
    #[diesel(sql_type = Nullable<Double>)]
    area_before_m2: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    area_after_m2: Option<f64>,
    #[diesel(sql_type = Nullable<Integer>)]
    parts_before: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    parts_after: Option<i32>,
}

/// One input in EPSG:4326 as GeoJSON, and what a repair did to it.
#[derive(Debug, Clone)]
pub struct InWgs84 {
    pub geojson: String,
    /// Set when the outline was invalid and `repair` asked for it to be made valid.
    pub repair: Option<Repair>,
}

/// Each input (GeoJSON geometry, or WKT when its flag is set) in `srid`, as GeoJSON in
/// EPSG:4326 written by PostGIS (`ST_Transform`), or the reason it could not be read. With
/// `repair`, invalid polygonal inputs are made valid on the way (`gwf_import_geometry`; parts
/// under `min_part_m2` dropped). One round trip per 2,000 inputs.
pub async fn to_wgs84(
    conn: &mut AsyncPgConnection,
    inputs: &[(String, bool)],
    srid: i32,
    repair: bool,
    min_part_m2: f64,
) -> QueryResult<Vec<Result<InWgs84, String>>> {
    let mut out = Vec::with_capacity(inputs.len());
    for chunk in inputs.chunks(2000) {
        let texts: Vec<&str> = chunk.iter().map(|(t, _)| t.as_str()).collect();
        let wkt: Vec<bool> = chunk.iter().map(|(_, w)| *w).collect();
        let mut rows: Vec<Transformed> = diesel::sql_query(
            "SELECT t.ord, g.geojson, g.error, coalesce(g.repaired, false) AS repaired, \
                    g.area_before_m2, g.area_after_m2, g.parts_before, g.parts_after \
             FROM unnest($1::text[], $2::boolean[]) WITH ORDINALITY AS t(input, is_wkt, ord), \
                  LATERAL gwf_import_geometry(t.input, t.is_wkt, $3, $4, $5) AS g",
        )
        .bind::<Array<Text>, _>(texts)
        .bind::<Array<Bool>, _>(wkt)
        .bind::<Integer, _>(srid)
        .bind::<Bool, _>(repair)
        .bind::<Double, _>(min_part_m2)
        .load(conn)
        .await?;
        rows.sort_by_key(|r| r.ord);
        out.extend(rows.into_iter().map(|r| match (r.geojson, r.error) {
            (Some(geojson), None) => Ok(InWgs84 {
                geojson,
                repair: r.repaired.then(|| Repair {
                    area_before_m2: r.area_before_m2.unwrap_or(0.0),
                    area_after_m2: r.area_after_m2.unwrap_or(0.0),
                    parts_before: r.parts_before.unwrap_or(0),
                    parts_after: r.parts_after.unwrap_or(0),
                }),
            }),
            (_, Some(e)) => Err(e),
            (None, None) => Err("empty geometry".to_owned()),
        }));
    }
    Ok(out)
}

/// Whether PostGIS transforms DHDN (Gauß-Krüger) with the BETA2007 grid: a point in Munich
/// lands where PROJ puts it with the grid (measured with `cs2cs -d 9 EPSG:31468 EPSG:4258` and
/// PROJ_DEBUG=2 showing `BETA2007.gsb` opened) to within about 1 cm; the seven-parameter
/// fallback misses it by 0.95 m.
pub async fn dhdn_grid(conn: &mut AsyncPgConnection) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Probe {
        #[diesel(sql_type = Bool)]
        grid: bool,
    }
    let probe: Probe = diesel::sql_query(
        "SELECT abs(ST_X(p) - 11.568634764) < 1e-7 AND abs(ST_Y(p) - 48.134231331) < 1e-7 AS grid \
         FROM ST_Transform(ST_SetSRID(ST_Point(4468000, 5333000), 31468), 4326) AS p",
    )
    .get_result(conn)
    .await?;
    Ok(probe.grid)
}

/// `(id, ags, name)` of every municipality not deleted.
pub async fn municipalities(
    conn: &mut AsyncPgConnection,
) -> QueryResult<Vec<(i64, String, String)>> {
    municipalities::table
        .filter(municipalities::deleted_at.is_null())
        .select((
            municipalities::id,
            municipalities::ags,
            municipalities::name,
        ))
        .load(conn)
        .await
}

/// `(id, municipality_id, name)` of the estates a reader with `scope` sees (never deleted ones).
pub async fn estates(
    conn: &mut AsyncPgConnection,
    scope: &ReadScope,
) -> QueryResult<Vec<(i64, i64, String)>> {
    let visible = estate_visible_sql(&PlotSet::Readable(scope.clone()));
    estates::table
        .filter(diesel::dsl::sql::<Bool>(&visible))
        .select((estates::id, estates::municipality_id, estates::name))
        .load(conn)
        .await
}

/// Keeps these municipalities from being deleted until the transaction ends (`FOR SHARE`);
/// returns those that exist and are not deleted.
pub async fn lock_municipalities(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<Vec<i64>> {
    municipalities::table
        .filter(municipalities::id.eq_any(ids))
        .filter(municipalities::deleted_at.is_null())
        .select(municipalities::id)
        .for_share()
        .load(conn)
        .await
}

#[derive(QueryableByName)]
struct EstateRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    data: serde_json::Value,
    #[diesel(sql_type = diesel::sql_types::Double)]
    area: f64,
    #[diesel(sql_type = Bool)]
    deleted: bool,
}

/// The estates of these municipalities (deleted ones too, to be told so) in their write form,
/// locked until the transaction ends: those an estate import may match.
pub async fn lock_estates(
    conn: &mut AsyncPgConnection,
    municipality_ids: &[i64],
) -> QueryResult<Vec<StoredEstate>> {
    let pairs = place_writes::ESTATE_COLUMNS
        .iter()
        .map(|c| format!("'{c}', t.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<EstateRow> = diesel::sql_query(format!(
        "SELECT t.id, t.version, \
         jsonb_build_object('outline', ST_AsGeoJSON(t.outline, 9)::jsonb) || jsonb_build_object({pairs}) AS data, \
         coalesce(ST_Area(t.outline::geography), 0) AS area, t.deleted_at IS NOT NULL AS deleted \
         FROM estates t WHERE t.municipality_id = ANY($1) ORDER BY t.id FOR UPDATE"
    ))
    .bind::<Array<BigInt>, _>(municipality_ids)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StoredEstate {
            id: r.id,
            version: r.version,
            data: match r.data {
                serde_json::Value::Object(object) => object,
                _ => serde_json::Map::new(),
            },
            outline_area_m2: r.area,
            deleted: r.deleted,
        })
        .collect())
}

#[derive(QueryableByName)]
struct AroundRow {
    #[diesel(sql_type = BigInt)]
    ord: i64,
    #[diesel(sql_type = Bool)]
    is_estate: bool,
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    municipality_id: i64,
    #[diesel(sql_type = Text)]
    ags: String,
    #[diesel(sql_type = Text)]
    name: String,
}

/// For each geometry (GeoJSON in EPSG:4326, already validated, so PostGIS cannot fail on it):
/// the municipalities (not deleted) and the estates a reader with `scope` sees whose outline
/// contains its point on surface (`ST_PointOnSurface`). One query for all; at most 3
/// municipalities and 5 estates per geometry, enough to tell one from several.
pub async fn locate(
    conn: &mut AsyncPgConnection,
    geometries: &[String],
    scope: &ReadScope,
) -> QueryResult<Vec<Around>> {
    let visible = estate_visible_sql(&PlotSet::Readable(scope.clone()));
    let rows: Vec<AroundRow> = diesel::sql_query(format!(
        "WITH p AS ( \
           SELECT t.ord, ST_PointOnSurface(ST_SetSRID(ST_GeomFromGeoJSON(t.g), 4326)) AS p \
           FROM unnest($1::text[]) WITH ORDINALITY AS t(g, ord)) \
         SELECT p.ord, false AS is_estate, m.id, m.id AS municipality_id, m.ags, m.name FROM p \
         CROSS JOIN LATERAL (SELECT id, ags, name FROM municipalities \
           WHERE deleted_at IS NULL AND ST_Contains(outline, p.p) ORDER BY id LIMIT 3) m \
         UNION ALL \
         SELECT p.ord, true, e.id, e.municipality_id, '', e.name FROM p \
         CROSS JOIN LATERAL (SELECT id, municipality_id, name FROM estates \
           WHERE {visible} AND ST_Contains(estates.outline, p.p) ORDER BY id LIMIT 5) e"
    ))
    .bind::<Array<Text>, _>(geometries)
    .load(conn)
    .await?;
    let mut around = vec![Around::default(); geometries.len()];
    for r in rows {
        let Some(slot) = usize::try_from(r.ord - 1)
            .ok()
            .and_then(|i| around.get_mut(i))
        else {
            continue;
        };
        match r.is_estate {
            true => slot.estates.push((r.id, r.municipality_id, r.name)),
            false => slot.municipalities.push((r.id, r.ags, r.name)),
        }
    }
    Ok(around)
}

/// Waits until no other import (of plots or estates, through the API or the CLI) holds the
/// import lock, then holds it until this transaction ends. Imports lock the stored rows they
/// name chunk by chunk, in file order; two at once could each hold what the other waits for.
/// Serialising them costs nothing a region notices (imports are rare) and cannot deadlock. A
/// wait longer than the staff statement timeout ends as that timeout.
pub async fn one_import_at_a_time(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    // Advisory keys are per database, so other applications on the server are not affected.
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('gewerbeflaechen.import'))")
        .execute(conn)
        .await
        .map(|_| ())
}
