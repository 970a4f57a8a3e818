//! Regions, municipalities and estates: the places plots belong to. Outlines leave the database
//! as GeoJSON text (EPSG:4326).

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::scope::condition;
use crate::domain::access::{PlotSet, ReadScope};
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
    pub logo_url: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub website: Option<String>,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = municipalities, check_for_backend(diesel::pg::Pg))]
pub struct MunicipalityRow {
    pub id: i64,
    pub region_id: i64,
    pub ags: String,
    pub name: String,
    /// The generalised outline (about 10 m), for maps.
    #[diesel(select_expression = sql::<Nullable<Text>>("ST_AsGeoJSON(coalesce(municipalities.outline_display, municipalities.outline), 6)"))]
    #[diesel(select_expression_type = SqlLiteral<Nullable<Text>>)]
    pub outline_geojson: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub contact_website: Option<String>,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    pub version: i32,
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
    pub published: bool,
    pub gross_area_m2: Option<i64>,
    pub net_area_m2: Option<i64>,
    pub zoning_summary: Option<String>,
    pub bplan_name: Option<String>,
    pub bplan_number: Option<String>,
    pub bplan_legal_date: Option<chrono::NaiveDate>,
    pub bplan_url: Option<String>,
    pub motorway_junction: Option<String>,
    pub dist_motorway_km: Option<f64>,
    pub rail_station: Option<String>,
    pub dist_rail_station_km: Option<f64>,
    pub port: Option<String>,
    pub dist_port_km: Option<f64>,
    pub airport: Option<String>,
    pub dist_airport_km: Option<f64>,
    pub broadband_mbit: Option<i32>,
    pub fibre: Option<bool>,
    pub grw_area: Option<bool>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub version: i32,
}

/// Which estates a reader sees: published ones, and drafts of the municipalities whose internal
/// data the reader reads (`ReadScope::internal`). Deleted ones never. Ids inline, as in
/// `plot_count_sql`.
pub fn estate_visible_sql(set: &PlotSet) -> String {
    match set {
        PlotSet::Readable(ReadScope::Region) => "estates.deleted_at IS NULL".into(),
        PlotSet::Readable(ReadScope::Municipalities(ids)) if !ids.is_empty() => format!(
            "(estates.published OR (estates.deleted_at IS NULL AND estates.municipality_id IN ({})))",
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        ),
        _ => "estates.published".into(),
    }
}

/// Sets (or clears) an outline; GeoJSON in EPSG:4326 (see `place_writes::set_outline`).
async fn set_outline(
    conn: &mut AsyncPgConnection,
    kind: crate::domain::place::PlaceKind,
    id: i64,
    geojson: Option<String>,
) -> QueryResult<()> {
    let value = geojson.and_then(|g| serde_json::from_str::<serde_json::Value>(&g).ok());
    super::place_writes::set_outline(conn, kind, id, value.as_ref()).await
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
        .filter(regions::deleted_at.is_null())
        .select(RegionRow::as_select())
        .order(regions::id)
        .load(conn)
        .await
}

pub async fn region(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<RegionRow>> {
    regions::table
        .find(id)
        .filter(regions::deleted_at.is_null())
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
        .filter(municipalities::deleted_at.is_null())
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
        .filter(municipalities::deleted_at.is_null())
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
        .filter(sql::<diesel::sql_types::Bool>(&estate_visible_sql(set)))
        .order(estates::id)
        .into_boxed();
    if let Some(id) = municipality_id {
        query = query.filter(estates::municipality_id.eq(id));
    }
    query.load(conn).await
}

/// An estate the reader sees (`estate_visible_sql`).
pub async fn estate(
    conn: &mut AsyncPgConnection,
    set: &PlotSet,
    id: i64,
) -> QueryResult<Option<EstateRow>> {
    estates::table
        .find(id)
        .filter(sql::<diesel::sql_types::Bool>(&estate_visible_sql(set)))
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
    set_outline(
        conn,
        crate::domain::place::PlaceKind::Municipality,
        id,
        m.outline_geojson.clone(),
    )
    .await?;
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
    set_outline(
        conn,
        crate::domain::place::PlaceKind::Estate,
        id,
        outline_geojson,
    )
    .await?;
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

/// One municipality (not deleted) with its visible plot count.
pub async fn municipality_with_count(
    conn: &mut AsyncPgConnection,
    set: &PlotSet,
    id: i64,
) -> QueryResult<Option<(MunicipalityRow, i64)>> {
    municipalities::table
        .find(id)
        .filter(municipalities::deleted_at.is_null())
        .select((
            MunicipalityRow::as_select(),
            plot_count_sql("municipality_id = municipalities.id", set),
        ))
        .first(conn)
        .await
        .optional()
}

/// One estate the reader sees, with its visible plot count.
pub async fn estate_with_count(
    conn: &mut AsyncPgConnection,
    set: &PlotSet,
    id: i64,
) -> QueryResult<Option<(EstateRow, i64)>> {
    estates::table
        .find(id)
        .filter(sql::<diesel::sql_types::Bool>(&estate_visible_sql(set)))
        .select((
            EstateRow::as_select(),
            plot_count_sql("estate_id = estates.id", set),
        ))
        .first(conn)
        .await
        .optional()
}

/// A place a filter named that exists for the reader: `kind` is `region`, `municipality`,
/// `ags` or `estate`, `key` the value as named (id as text, or the AGS).
#[derive(Debug, diesel::QueryableByName)]
pub struct KnownPlace {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
}

/// Which of the named places exist for a reader of `set`, in one statement: regions and
/// municipalities that are not deleted, estates the reader sees (`estate_visible_sql`; searching
/// deleted plots, an admin sees every estate not deleted).
pub async fn known_places(
    conn: &mut AsyncPgConnection,
    set: &PlotSet,
    regions: &[i64],
    municipalities: &[i64],
    ags: &[String],
    estates: &[i64],
) -> QueryResult<Vec<KnownPlace>> {
    use super::sql::{sql, Bind};
    let visible = match set {
        PlotSet::Deleted => estate_visible_sql(&PlotSet::Readable(ReadScope::Region)),
        readable => estate_visible_sql(readable),
    };
    sql![
        "SELECT 'region' AS kind, r.id::text AS key, r.id FROM regions r \
         WHERE r.deleted_at IS NULL AND r.id = ANY(",
        Bind::I64s(regions.to_vec()),
        ") UNION ALL SELECT 'municipality', m.id::text, m.id FROM municipalities m \
         WHERE m.deleted_at IS NULL AND m.id = ANY(",
        Bind::I64s(municipalities.to_vec()),
        ") UNION ALL SELECT 'ags', m.ags, m.id FROM municipalities m \
         WHERE m.deleted_at IS NULL AND m.ags = ANY(",
        Bind::Texts(ags.to_vec()),
        ") UNION ALL SELECT 'estate', estates.id::text, estates.id FROM estates WHERE ",
        visible,
        " AND estates.id = ANY(",
        Bind::I64s(estates.to_vec()),
        ")"
    ]
    .untyped()
    .load(conn)
    .await
}

/// A municipality (not deleted) by its AGS.
pub async fn municipality_by_ags(
    conn: &mut AsyncPgConnection,
    ags: &str,
) -> QueryResult<Option<MunicipalityRow>> {
    municipalities::table
        .filter(municipalities::ags.eq(ags))
        .filter(municipalities::deleted_at.is_null())
        .select(MunicipalityRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// What the pages of a plot or an estate show of its municipality: the name and the
/// economic-development contact (no outline).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = municipalities, check_for_backend(diesel::pg::Pg))]
pub struct MunicipalityContactRow {
    pub id: i64,
    pub name: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub contact_website: Option<String>,
}

/// The places a plot's pages borrow from (location facts, contact), in one query: its
/// municipality and, if it has one the reader sees (`estate_visible_sql`), its estate.
pub async fn plot_places(
    conn: &mut AsyncPgConnection,
    set: &PlotSet,
    municipality_id: i64,
    estate_id: Option<i64>,
) -> QueryResult<Option<(MunicipalityContactRow, Option<EstateRow>)>> {
    municipalities::table
        .left_join(
            estates::table.on(estates::id.nullable().eq(estate_id).and(sql::<
                diesel::sql_types::Bool,
            >(
                &estate_visible_sql(set)
            ))),
        )
        .filter(municipalities::id.eq(municipality_id))
        .select((
            MunicipalityContactRow::as_select(),
            Option::<EstateRow>::as_select(),
        ))
        .first(conn)
        .await
        .optional()
}

/// Name and AGS of a municipality, deleted or not: for wording a refusal.
pub async fn municipality_label(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> QueryResult<Option<(String, String)>> {
    municipalities::table
        .find(id)
        .select((municipalities::name, municipalities::ags))
        .first(conn)
        .await
        .optional()
}

/// An estate the reader sees, with its municipality's name and contact, in one query.
pub async fn estate_with_municipality(
    conn: &mut AsyncPgConnection,
    set: &PlotSet,
    id: i64,
) -> QueryResult<Option<(EstateRow, MunicipalityContactRow)>> {
    estates::table
        .inner_join(municipalities::table)
        .filter(estates::id.eq(id))
        .filter(sql::<diesel::sql_types::Bool>(&estate_visible_sql(set)))
        .select((EstateRow::as_select(), MunicipalityContactRow::as_select()))
        .first(conn)
        .await
        .optional()
}

/// Writes an estate's fields from its validated write form (`EstateData::to_object`; the
/// outline is `set_outline`'s), without a version or history entry: for seeding, like
/// `upsert_estate`.
pub async fn write_estate_fields(
    conn: &mut AsyncPgConnection,
    id: i64,
    data: &serde_json::Map<String, serde_json::Value>,
) -> QueryResult<()> {
    let cols = super::place_writes::ESTATE_COLUMNS.join(", ");
    diesel::sql_query(format!(
        "UPDATE estates SET ({cols}) = (SELECT {cols} FROM jsonb_populate_record(NULL::estates, $1)) \
         WHERE id = $2"
    ))
    .bind::<diesel::sql_types::Jsonb, _>(serde_json::Value::Object(data.clone()))
    .bind::<diesel::sql_types::BigInt, _>(id)
    .execute(conn)
    .await
    .map(|_| ())
}
