//! Database help for imports: coordinate transformation by PostGIS and the lookups that map an
//! import file onto municipalities and estates.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::{estates, municipalities};

#[derive(QueryableByName)]
struct Transformed {
    #[diesel(sql_type = BigInt)]
    ord: i64,
    #[diesel(sql_type = Nullable<Text>)]
    geojson: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    error: Option<String>,
}

/// Each input (GeoJSON geometry, or WKT when its flag is set) in `srid`, as GeoJSON in
/// EPSG:4326 written by PostGIS (`ST_Transform`), or the reason it could not be read. One
/// round trip per 2,000 inputs.
pub async fn to_wgs84(
    conn: &mut AsyncPgConnection,
    inputs: &[(String, bool)],
    srid: i32,
) -> QueryResult<Vec<Result<String, String>>> {
    let mut out = Vec::with_capacity(inputs.len());
    for chunk in inputs.chunks(2000) {
        let texts: Vec<&str> = chunk.iter().map(|(t, _)| t.as_str()).collect();
        let wkt: Vec<bool> = chunk.iter().map(|(_, w)| *w).collect();
        let mut rows: Vec<Transformed> = diesel::sql_query(
            "SELECT t.ord, g.geojson, g.error \
             FROM unnest($1::text[], $2::boolean[]) WITH ORDINALITY AS t(input, is_wkt, ord), \
                  LATERAL gwf_import_geometry(t.input, t.is_wkt, $3) AS g",
        )
        .bind::<Array<Text>, _>(texts)
        .bind::<Array<Bool>, _>(wkt)
        .bind::<Integer, _>(srid)
        .load(conn)
        .await?;
        rows.sort_by_key(|r| r.ord);
        out.extend(rows.into_iter().map(|r| match (r.geojson, r.error) {
            (Some(g), None) => Ok(g),
            (_, Some(e)) => Err(e),
            (None, None) => Err("empty geometry".to_owned()),
        }));
    }
    Ok(out)
}

/// `(id, ags)` of every municipality.
pub async fn municipalities(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(i64, String)>> {
    municipalities::table
        .select((municipalities::id, municipalities::ags))
        .load(conn)
        .await
}

/// `(id, municipality_id, name)` of every estate.
pub async fn estates(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(i64, i64, String)>> {
    estates::table
        .select((estates::id, estates::municipality_id, estates::name))
        .load(conn)
        .await
}
