//! Regions, municipalities and estates: the places plots belong to. Outlines leave the database
//! as GeoJSON text (EPSG:4326).

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::scope::condition;
use crate::domain::access::PlotSet;
use crate::schema::{estates, municipalities, regions};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = regions, check_for_backend(diesel::pg::Pg))]
pub struct RegionRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = municipalities, check_for_backend(diesel::pg::Pg))]
pub struct MunicipalityRow {
    pub id: i64,
    pub region_id: i64,
    pub ags: String,
    pub name: String,
    #[diesel(select_expression = sql::<Nullable<Text>>("ST_AsGeoJSON(municipalities.outline, 6)"))]
    #[diesel(select_expression_type = SqlLiteral<Nullable<Text>>)]
    pub outline_geojson: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = estates, check_for_backend(diesel::pg::Pg))]
pub struct EstateRow {
    pub id: i64,
    pub municipality_id: i64,
    pub name: String,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    #[diesel(select_expression = sql::<Nullable<Text>>("ST_AsGeoJSON(estates.outline, 7)"))]
    #[diesel(select_expression_type = SqlLiteral<Nullable<Text>>)]
    pub outline_geojson: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Sets (or clears) an outline; GeoJSON in EPSG:4326.
async fn set_outline(
    conn: &mut AsyncPgConnection,
    table: &str,
    id: i64,
    geojson: Option<String>,
) -> QueryResult<()> {
    diesel::sql_query(format!(
        "UPDATE {table} SET outline = ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326)) WHERE id = $2"
    ))
    .bind::<Nullable<Text>, _>(geojson)
    .bind::<diesel::sql_types::BigInt, _>(id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// How many plots a place has that the reader may see. The condition's values are ids, written
/// inline, as this subquery sits in a diesel query that cannot take our values.
fn plot_count_sql(column: &str, set: &PlotSet) -> SqlLiteral<diesel::sql_types::BigInt> {
    sql(&format!(
        "(SELECT count(*) FROM plots WHERE plots.{column} AND {})",
        condition(set).inline()
    ))
}

pub async fn regions(conn: &mut AsyncPgConnection) -> QueryResult<Vec<RegionRow>> {
    regions::table
        .select(RegionRow::as_select())
        .order(regions::id)
        .load(conn)
        .await
}

pub async fn region(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<RegionRow>> {
    regions::table
        .find(id)
        .select(RegionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Municipalities, optionally of one region, each with its visible plot count.
pub async fn municipalities(
    conn: &mut AsyncPgConnection,
    set: &PlotSet,
    region_id: Option<i64>,
) -> QueryResult<Vec<(MunicipalityRow, i64)>> {
    let mut query = municipalities::table
        .select((
            MunicipalityRow::as_select(),
            plot_count_sql("municipality_id = municipalities.id", set),
        ))
        .order(municipalities::id)
        .into_boxed();
    if let Some(id) = region_id {
        query = query.filter(municipalities::region_id.eq(id));
    }
    query.load(conn).await
}

pub async fn municipality(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> QueryResult<Option<MunicipalityRow>> {
    municipalities::table
        .find(id)
        .select(MunicipalityRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Estates, optionally of one municipality, each with its visible plot count.
pub async fn estates(
    conn: &mut AsyncPgConnection,
    set: &PlotSet,
    municipality_id: Option<i64>,
) -> QueryResult<Vec<(EstateRow, i64)>> {
    let mut query = estates::table
        .select((
            EstateRow::as_select(),
            plot_count_sql("estate_id = estates.id", set),
        ))
        .order(estates::id)
        .into_boxed();
    if let Some(id) = municipality_id {
        query = query.filter(estates::municipality_id.eq(id));
    }
    query.load(conn).await
}

pub async fn estate(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<EstateRow>> {
    estates::table
        .find(id)
        .select(EstateRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Creates or updates a region by slug; returns its id.
pub async fn upsert_region(
    conn: &mut AsyncPgConnection,
    slug: &str,
    name: &str,
    description_de: Option<&str>,
    description_en: Option<&str>,
) -> QueryResult<i64> {
    diesel::insert_into(regions::table)
        .values((
            regions::slug.eq(slug),
            regions::name.eq(name),
            regions::description_de.eq(description_de),
            regions::description_en.eq(description_en),
        ))
        .on_conflict(regions::slug)
        .do_update()
        .set((
            regions::name.eq(name),
            regions::description_de.eq(description_de),
            regions::description_en.eq(description_en),
        ))
        .returning(regions::id)
        .get_result(conn)
        .await
}

/// The municipality fields a seed or admin writes.
pub struct MunicipalityWrite<'a> {
    pub region_id: i64,
    pub ags: &'a str,
    pub name: &'a str,
    /// GeoJSON (Multi)Polygon in EPSG:4326, already validated.
    pub outline_geojson: Option<String>,
    pub contact_name: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub contact_email: Option<&'a str>,
}

/// Creates or updates a municipality by its AGS; returns its id.
pub async fn upsert_municipality(
    conn: &mut AsyncPgConnection,
    m: &MunicipalityWrite<'_>,
) -> QueryResult<i64> {
    let values = || {
        (
            municipalities::region_id.eq(m.region_id),
            municipalities::ags.eq(m.ags),
            municipalities::name.eq(m.name),
            municipalities::contact_name.eq(m.contact_name),
            municipalities::contact_phone.eq(m.contact_phone),
            municipalities::contact_email.eq(m.contact_email),
        )
    };
    let id = diesel::insert_into(municipalities::table)
        .values(values())
        .on_conflict(municipalities::ags)
        .do_update()
        .set(values())
        .returning(municipalities::id)
        .get_result(conn)
        .await?;
    set_outline(conn, "municipalities", id, m.outline_geojson.clone()).await?;
    Ok(id)
}

/// Creates or updates an estate by (municipality, name); returns its id.
pub async fn upsert_estate(
    conn: &mut AsyncPgConnection,
    municipality_id: i64,
    name: &str,
    description_de: Option<&str>,
    description_en: Option<&str>,
    outline_geojson: Option<String>,
) -> QueryResult<i64> {
    let values = || {
        (
            estates::municipality_id.eq(municipality_id),
            estates::name.eq(name),
            estates::description_de.eq(description_de),
            estates::description_en.eq(description_en),
        )
    };
    let id = diesel::insert_into(estates::table)
        .values(values())
        .on_conflict((estates::municipality_id, estates::name))
        .do_update()
        .set(values())
        .returning(estates::id)
        .get_result(conn)
        .await?;
    set_outline(conn, "estates", id, outline_geojson).await?;
    Ok(id)
}

/// Which of these municipality ids exist.
pub async fn existing_municipality_ids(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<Vec<i64>> {
    municipalities::table
        .filter(municipalities::id.eq_any(ids))
        .select(municipalities::id)
        .load(conn)
        .await
}
