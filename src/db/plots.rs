//! Queries on `plots`. Geometry leaves the database as GeoJSON text written by PostGIS and enters
//! it through `ST_GeomFromGeoJSON`; both sides are EPSG:4326.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::plots;
use crate::domain::plot::ValidPlot;

diesel::define_sql_function! {
    /// PostGIS `ST_GeomFromGeoJSON`: GeoJSON carries no CRS, so the SRID is set explicitly.
    fn st_geomfromgeojson(json: Text) -> crate::db::schema::sql_types::Geometry;
}
diesel::define_sql_function! {
    fn st_setsrid(geom: crate::db::schema::sql_types::Geometry, srid: diesel::sql_types::Integer) -> crate::db::schema::sql_types::Geometry;
}
diesel::define_sql_function! {
    fn st_multi(geom: crate::db::schema::sql_types::Geometry) -> crate::db::schema::sql_types::Geometry;
}

/// A plot as read for display: every column but the raw geometry, plus GeoJSON and names of
/// the municipality and estate. Read by column name from the SQL of `db::search`.
#[derive(Debug, Clone, QueryableByName)]
#[diesel(table_name = plots, check_for_backend(diesel::pg::Pg))]
pub struct PlotRow {
    pub id: i64,
    pub reference: String,
    pub title_de: String,
    pub title_en: Option<String>,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    pub municipality_id: i64,
    #[diesel(sql_type = Text)]
    pub municipality_name: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub region_id: i64,
    pub estate_id: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub estate_name: Option<String>,
    /// 7 decimals: ≈1 cm on the ground, below the survey accuracy of plot outlines.
    /// `None` when a search asked for no geometry.
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub geometry_geojson: Option<String>,
    pub area_geodesic_m2: f64,
    pub area_stated_m2: Option<i64>,
    pub area_m2: f64,
    pub status: String,
    pub available_from: Option<NaiveDate>,
    pub zoning: String,
    pub bplan_status: String,
    pub grz: Option<f64>,
    pub gfz: Option<f64>,
    pub bmz: Option<f64>,
    pub max_height_m: Option<f64>,
    pub max_storeys: Option<i16>,
    pub operation_24h: Option<bool>,
    pub servicing: String,
    pub road_access: Option<bool>,
    pub water: Option<bool>,
    pub sewage: Option<bool>,
    pub electricity: Option<bool>,
    pub electricity_capacity_kva: Option<i32>,
    pub gas: Option<bool>,
    pub district_heating: Option<bool>,
    pub broadband_mbit: Option<i32>,
    pub fibre: Option<bool>,
    pub rail_siding: bool,
    pub dist_motorway_km: Option<f64>,
    pub dist_rail_station_km: Option<f64>,
    pub dist_port_km: Option<f64>,
    pub dist_airport_km: Option<f64>,
    pub price_on_request: bool,
    pub price_min_ct: Option<i64>,
    pub price_max_ct: Option<i64>,
    pub servicing_cost_ct: Option<i64>,
    pub offer: String,
    pub grw_area: bool,
    pub grw_max_rate_small_pct: Option<i16>,
    pub grw_max_rate_medium_pct: Option<i16>,
    pub grw_max_rate_large_pct: Option<i16>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub data_confirmed_on: NaiveDate,
    pub published: bool,
    pub internal_notes: Option<String>,
    pub is_demo: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// The columns a create or replace writes (everything but identity, geometry and bookkeeping).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = plots, treat_none_as_null = true)]
struct PlotWrite<'a> {
    reference: &'a str,
    title_de: &'a str,
    title_en: Option<&'a str>,
    description_de: Option<&'a str>,
    description_en: Option<&'a str>,
    municipality_id: i64,
    estate_id: Option<i64>,
    area_geodesic_m2: f64,
    area_stated_m2: Option<i64>,
    status: &'static str,
    available_from: Option<NaiveDate>,
    zoning: &'static str,
    bplan_status: &'static str,
    grz: Option<f64>,
    gfz: Option<f64>,
    bmz: Option<f64>,
    max_height_m: Option<f64>,
    max_storeys: Option<i16>,
    operation_24h: Option<bool>,
    servicing: &'static str,
    road_access: Option<bool>,
    water: Option<bool>,
    sewage: Option<bool>,
    electricity: Option<bool>,
    electricity_capacity_kva: Option<i32>,
    gas: Option<bool>,
    district_heating: Option<bool>,
    broadband_mbit: Option<i32>,
    fibre: Option<bool>,
    rail_siding: bool,
    dist_motorway_km: Option<f64>,
    dist_rail_station_km: Option<f64>,
    dist_port_km: Option<f64>,
    dist_airport_km: Option<f64>,
    price_on_request: bool,
    price_min_ct: Option<i64>,
    price_max_ct: Option<i64>,
    servicing_cost_ct: Option<i64>,
    offer: &'static str,
    grw_area: bool,
    grw_max_rate_small_pct: Option<i16>,
    grw_max_rate_medium_pct: Option<i16>,
    grw_max_rate_large_pct: Option<i16>,
    contact_name: Option<&'a str>,
    contact_phone: Option<&'a str>,
    contact_email: Option<&'a str>,
    data_confirmed_on: NaiveDate,
    published: bool,
    internal_notes: Option<&'a str>,
}

impl<'a> From<&'a ValidPlot> for PlotWrite<'a> {
    fn from(plot: &'a ValidPlot) -> Self {
        let d = &plot.data;
        PlotWrite {
            reference: &d.reference,
            title_de: &d.title_de,
            title_en: d.title_en.as_deref(),
            description_de: d.description_de.as_deref(),
            description_en: d.description_en.as_deref(),
            municipality_id: d.municipality_id,
            estate_id: d.estate_id,
            area_geodesic_m2: plot.geometry.area_m2(),
            area_stated_m2: d.area_stated_m2,
            status: d.status.as_str(),
            available_from: d.available_from,
            zoning: d.zoning.as_str(),
            bplan_status: d.bplan_status.as_str(),
            grz: d.grz,
            gfz: d.gfz,
            bmz: d.bmz,
            max_height_m: d.max_height_m,
            max_storeys: d.max_storeys,
            operation_24h: d.operation_24h,
            servicing: d.servicing.as_str(),
            road_access: d.road_access,
            water: d.water,
            sewage: d.sewage,
            electricity: d.electricity,
            electricity_capacity_kva: d.electricity_capacity_kva,
            gas: d.gas,
            district_heating: d.district_heating,
            broadband_mbit: d.broadband_mbit,
            fibre: d.fibre,
            rail_siding: d.rail_siding,
            dist_motorway_km: d.dist_motorway_km,
            dist_rail_station_km: d.dist_rail_station_km,
            dist_port_km: d.dist_port_km,
            dist_airport_km: d.dist_airport_km,
            price_on_request: d.price_on_request,
            price_min_ct: plot.price_min.map(|c| c.0),
            price_max_ct: plot.price_max.map(|c| c.0),
            servicing_cost_ct: plot.servicing_cost.map(|c| c.0),
            offer: d.offer.as_str(),
            grw_area: d.grw_area,
            grw_max_rate_small_pct: d.grw_max_rate_small_pct,
            grw_max_rate_medium_pct: d.grw_max_rate_medium_pct,
            grw_max_rate_large_pct: d.grw_max_rate_large_pct,
            contact_name: d.contact_name.as_deref(),
            contact_phone: d.contact_phone.as_deref(),
            contact_email: d.contact_email.as_deref(),
            data_confirmed_on: d.data_confirmed_on,
            published: d.published,
            internal_notes: d.internal_notes.as_deref(),
        }
    }
}

/// Who is reading: anonymous readers see published plots only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    PublishedOnly,
    All,
}

/// One plot by id or by reference (references always contain a letter, ids never do).
pub async fn find(
    conn: &mut AsyncPgConnection,
    visibility: Visibility,
    key: &PlotKey,
) -> QueryResult<Option<PlotRow>> {
    let rows: Vec<PlotRow> = super::search::one_sql(key, visibility)
        .query()
        .load(conn)
        .await?;
    Ok(rows.into_iter().next())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlotKey {
    Id(i64),
    Reference(String),
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    plot: &ValidPlot,
    is_demo: bool,
) -> QueryResult<i64> {
    diesel::insert_into(plots::table)
        .values((
            PlotWrite::from(plot),
            plots::geom.eq(st_multi(st_setsrid(
                st_geomfromgeojson(plot.geometry.to_geojson_string()),
                4326,
            ))),
            plots::is_demo.eq(is_demo),
        ))
        .returning(plots::id)
        .get_result(conn)
        .await
}

/// Outcome of a conditional write.
#[derive(Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    Done {
        version: i32,
    },
    NotFound,
    /// The stored version differs from the one the client based its change on.
    VersionMismatch {
        current: i32,
    },
}

/// Replaces every editable field of plot `id`, bumping its version. With `expected_version`
/// the write only happens if nobody changed the plot since that version.
pub async fn replace(
    conn: &mut AsyncPgConnection,
    id: i64,
    plot: &ValidPlot,
    expected_version: Option<i32>,
) -> QueryResult<WriteOutcome> {
    let target = plots::table
        .filter(plots::id.eq(id))
        .filter(version_matches(expected_version));
    let updated: Option<i32> = diesel::update(target)
        .set((
            PlotWrite::from(plot),
            plots::geom.eq(st_multi(st_setsrid(
                st_geomfromgeojson(plot.geometry.to_geojson_string()),
                4326,
            ))),
            plots::version.eq(plots::version + 1),
            plots::updated_at.eq(diesel::dsl::now),
        ))
        .returning(plots::version)
        .get_result(conn)
        .await
        .optional()?;
    match updated {
        Some(version) => Ok(WriteOutcome::Done { version }),
        None => current_version(conn, id).await.map(|v| match v {
            Some(current) => WriteOutcome::VersionMismatch { current },
            None => WriteOutcome::NotFound,
        }),
    }
}

pub async fn delete(
    conn: &mut AsyncPgConnection,
    id: i64,
    expected_version: Option<i32>,
) -> QueryResult<WriteOutcome> {
    let target = plots::table
        .filter(plots::id.eq(id))
        .filter(version_matches(expected_version));
    let deleted: Option<i32> = diesel::delete(target)
        .returning(plots::version)
        .get_result(conn)
        .await
        .optional()?;
    match deleted {
        Some(version) => Ok(WriteOutcome::Done { version }),
        None => current_version(conn, id).await.map(|v| match v {
            Some(current) => WriteOutcome::VersionMismatch { current },
            None => WriteOutcome::NotFound,
        }),
    }
}

/// `version = expected`, or true when the writer gave no expectation.
fn version_matches(
    expected: Option<i32>,
) -> diesel::dsl::Or<
    diesel::dsl::Eq<plots::version, i32>,
    diesel::dsl::AsExprOf<bool, diesel::sql_types::Bool>,
> {
    use diesel::IntoSql;
    plots::version
        .eq(expected.unwrap_or(0))
        .or(expected.is_none().into_sql::<diesel::sql_types::Bool>())
}

async fn current_version(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<i32>> {
    plots::table
        .filter(plots::id.eq(id))
        .select(plots::version)
        .first(conn)
        .await
        .optional()
}

/// Id of the plot with this reference, whatever its visibility (for idempotent seeding).
pub async fn id_by_reference(
    conn: &mut AsyncPgConnection,
    reference: &str,
) -> QueryResult<Option<i64>> {
    plots::table
        .filter(plots::reference.eq(reference))
        .select(plots::id)
        .first(conn)
        .await
        .optional()
}

/// Short listing of the plots of a municipality or estate, for their detail pages.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plots, check_for_backend(diesel::pg::Pg))]
pub struct PlotSummaryRow {
    pub id: i64,
    pub reference: String,
    pub title_de: String,
    pub title_en: Option<String>,
    pub status: String,
    pub zoning: String,
    pub area_geodesic_m2: f64,
    pub area_stated_m2: Option<i64>,
    pub estate_id: Option<i64>,
}

/// Plot summaries of one municipality or estate, at most `limit`, in id order.
pub async fn summaries(
    conn: &mut AsyncPgConnection,
    visibility: Visibility,
    municipality_id: Option<i64>,
    estate_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<PlotSummaryRow>> {
    let mut query = plots::table
        .select(PlotSummaryRow::as_select())
        .order(plots::id.asc())
        .limit(limit)
        .into_boxed();
    if visibility == Visibility::PublishedOnly {
        query = query.filter(plots::published.eq(true));
    }
    if let Some(id) = municipality_id {
        query = query.filter(plots::municipality_id.eq(id));
    }
    if let Some(id) = estate_id {
        query = query.filter(plots::estate_id.eq(id));
    }
    query.load(conn).await
}
