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
/// the municipality and estate, as selected by the SQL of `db::search` (`PLOT_COLUMNS`).
#[derive(Debug, Clone)]
pub struct PlotRow {
    pub id: i64,
    pub reference: String,
    pub title_de: String,
    pub title_en: Option<String>,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    pub municipality_id: i64,
    pub municipality_name: String,
    pub region_id: i64,
    pub estate_id: Option<i64>,
    pub estate_name: Option<String>,
    /// 7 decimals: ≈1 cm on the ground, below the survey accuracy of plot outlines.
    /// `None` when a search asked for no geometry.
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
    pub deleted_at: Option<DateTime<Utc>>,
    pub owner_name: Option<String>,
    pub owner_contact: Option<String>,
}

impl diesel::deserialize::QueryableByName<diesel::pg::Pg> for PlotRow {
    fn build<'a>(
        row: &impl diesel::row::NamedRow<'a, diesel::pg::Pg>,
    ) -> diesel::deserialize::Result<Self> {
        use diesel::sql_types::*;
        // Positional with a name check (see `ColumnReader`): diesel's derive looks each of
        // these ~60 names up among all columns, for every row of every search.
        let mut c = super::ColumnReader::new(row);
        Ok(PlotRow {
            id: c.get::<Int8, _>("id")?,
            reference: c.get::<Text, _>("reference")?,
            title_de: c.get::<Text, _>("title_de")?,
            title_en: c.get::<Nullable<Text>, _>("title_en")?,
            description_de: c.get::<Nullable<Text>, _>("description_de")?,
            description_en: c.get::<Nullable<Text>, _>("description_en")?,
            municipality_id: c.get::<Int8, _>("municipality_id")?,
            municipality_name: c.get::<Text, _>("municipality_name")?,
            region_id: c.get::<Int8, _>("region_id")?,
            estate_id: c.get::<Nullable<Int8>, _>("estate_id")?,
            estate_name: c.get::<Nullable<Text>, _>("estate_name")?,
            area_geodesic_m2: c.get::<Float8, _>("area_geodesic_m2")?,
            area_stated_m2: c.get::<Nullable<Int8>, _>("area_stated_m2")?,
            area_m2: c.get::<Float8, _>("area_m2")?,
            status: c.get::<Text, _>("status")?,
            available_from: c.get::<Nullable<Date>, _>("available_from")?,
            zoning: c.get::<Text, _>("zoning")?,
            bplan_status: c.get::<Text, _>("bplan_status")?,
            grz: c.get::<Nullable<Float8>, _>("grz")?,
            gfz: c.get::<Nullable<Float8>, _>("gfz")?,
            bmz: c.get::<Nullable<Float8>, _>("bmz")?,
            max_height_m: c.get::<Nullable<Float8>, _>("max_height_m")?,
            max_storeys: c.get::<Nullable<Int2>, _>("max_storeys")?,
            operation_24h: c.get::<Nullable<Bool>, _>("operation_24h")?,
            servicing: c.get::<Text, _>("servicing")?,
            road_access: c.get::<Nullable<Bool>, _>("road_access")?,
            water: c.get::<Nullable<Bool>, _>("water")?,
            sewage: c.get::<Nullable<Bool>, _>("sewage")?,
            electricity: c.get::<Nullable<Bool>, _>("electricity")?,
            electricity_capacity_kva: c.get::<Nullable<Int4>, _>("electricity_capacity_kva")?,
            gas: c.get::<Nullable<Bool>, _>("gas")?,
            district_heating: c.get::<Nullable<Bool>, _>("district_heating")?,
            broadband_mbit: c.get::<Nullable<Int4>, _>("broadband_mbit")?,
            fibre: c.get::<Nullable<Bool>, _>("fibre")?,
            rail_siding: c.get::<Bool, _>("rail_siding")?,
            dist_motorway_km: c.get::<Nullable<Float8>, _>("dist_motorway_km")?,
            dist_rail_station_km: c.get::<Nullable<Float8>, _>("dist_rail_station_km")?,
            dist_port_km: c.get::<Nullable<Float8>, _>("dist_port_km")?,
            dist_airport_km: c.get::<Nullable<Float8>, _>("dist_airport_km")?,
            price_on_request: c.get::<Bool, _>("price_on_request")?,
            price_min_ct: c.get::<Nullable<Int8>, _>("price_min_ct")?,
            price_max_ct: c.get::<Nullable<Int8>, _>("price_max_ct")?,
            servicing_cost_ct: c.get::<Nullable<Int8>, _>("servicing_cost_ct")?,
            offer: c.get::<Text, _>("offer")?,
            grw_area: c.get::<Bool, _>("grw_area")?,
            grw_max_rate_small_pct: c.get::<Nullable<Int2>, _>("grw_max_rate_small_pct")?,
            grw_max_rate_medium_pct: c.get::<Nullable<Int2>, _>("grw_max_rate_medium_pct")?,
            grw_max_rate_large_pct: c.get::<Nullable<Int2>, _>("grw_max_rate_large_pct")?,
            contact_name: c.get::<Nullable<Text>, _>("contact_name")?,
            contact_phone: c.get::<Nullable<Text>, _>("contact_phone")?,
            contact_email: c.get::<Nullable<Text>, _>("contact_email")?,
            data_confirmed_on: c.get::<Date, _>("data_confirmed_on")?,
            published: c.get::<Bool, _>("published")?,
            internal_notes: c.get::<Nullable<Text>, _>("internal_notes")?,
            is_demo: c.get::<Bool, _>("is_demo")?,
            created_at: c.get::<Timestamptz, _>("created_at")?,
            updated_at: c.get::<Timestamptz, _>("updated_at")?,
            version: c.get::<Int4, _>("version")?,
            deleted_at: c.get::<Nullable<Timestamptz>, _>("deleted_at")?,
            owner_name: c.get::<Nullable<Text>, _>("owner_name")?,
            owner_contact: c.get::<Nullable<Text>, _>("owner_contact")?,
            // Selected after the plot's columns.
            geometry_geojson: c.get::<Nullable<Text>, _>("geometry_geojson")?,
        })
    }
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
    owner_name: Option<&'a str>,
    owner_contact: Option<&'a str>,
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
            owner_name: d.owner_name.as_deref(),
            owner_contact: d.owner_contact.as_deref(),
        }
    }
}

/// Which plots a reader sees. Deleted plots are invisible except to `Deleted`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Anonymous readers.
    PublishedOnly,
    /// Staff of the whole region: drafts too.
    All,
    /// Editors: published plots, and drafts of these municipalities.
    PublishedOr(Vec<i64>),
    /// Admins looking for a plot to restore.
    Deleted,
}

impl Visibility {
    /// The SQL condition on the plot alias `p`. Ids are integers, so inlining them is safe; it
    /// also keeps one prepared statement per editor scope.
    pub fn condition(&self) -> String {
        match self {
            // `published` implies not deleted (CHECK plots_deleted_not_published), which keeps
            // the public condition on the column the partial indexes use.
            Visibility::PublishedOnly => "p.published".into(),
            Visibility::All => "p.deleted_at IS NULL".into(),
            Visibility::PublishedOr(ids) => format!(
                "(p.published OR (p.deleted_at IS NULL AND p.municipality_id = ANY('{{{}}}'::bigint[])))",
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            ),
            Visibility::Deleted => "p.deleted_at IS NOT NULL".into(),
        }
    }
}

/// One plot by id or by reference (references always contain a letter, ids never do).
pub async fn find(
    conn: &mut AsyncPgConnection,
    visibility: &Visibility,
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

/// Who makes a change, for the history.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub via: Via,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Api,
    Import,
    Cli,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Api => "api",
            Via::Import => "import",
            Via::Cli => "cli",
        }
    }
}

/// What a history entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryAction {
    Create,
    Update,
    Publish,
    Unpublish,
    Delete,
    Restore,
}

impl HistoryAction {
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryAction::Create => "create",
            HistoryAction::Update => "update",
            HistoryAction::Publish => "publish",
            HistoryAction::Unpublish => "unpublish",
            HistoryAction::Delete => "delete",
            HistoryAction::Restore => "restore",
        }
    }
}

async fn record(
    conn: &mut AsyncPgConnection,
    plot_id: i64,
    version: i32,
    action: HistoryAction,
    actor: &Actor,
    changes: &serde_json::Value,
) -> QueryResult<()> {
    use super::schema::plot_history as h;
    diesel::insert_into(h::table)
        .values((
            h::plot_id.eq(plot_id),
            h::version.eq(version),
            h::action.eq(action.as_str()),
            h::user_id.eq(actor.user_id),
            h::actor.eq(&actor.name),
            h::via.eq(actor.via.as_str()),
            h::changes.eq(changes),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Inserts a plot and its first history entry. Run it inside a transaction.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    plot: &ValidPlot,
    is_demo: bool,
    actor: &Actor,
    changes: &serde_json::Value,
) -> QueryResult<i64> {
    let id = diesel::insert_into(plots::table)
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
        .await?;
    record(conn, id, 1, HistoryAction::Create, actor, changes).await?;
    Ok(id)
}

/// The plot, locked until the end of the transaction, whatever its visibility (the caller
/// decides what the reader may see). `None` if there is no such plot.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    key: &PlotKey,
    visibility: &Visibility,
) -> QueryResult<Option<PlotRow>> {
    let mut sql = super::search::one_sql(key, visibility);
    sql.push(" FOR UPDATE OF p");
    let rows: Vec<PlotRow> = sql.query().load(conn).await?;
    Ok(rows.into_iter().next())
}

/// Writes every editable field of a locked plot, bumps its version and records the change.
/// Returns the new version.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: i64,
    plot: &ValidPlot,
    actor: &Actor,
    changes: &serde_json::Value,
) -> QueryResult<i32> {
    let version: i32 = diesel::update(plots::table.filter(plots::id.eq(id)))
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
        .await?;
    record(conn, id, version, HistoryAction::Update, actor, changes).await?;
    Ok(version)
}

/// Publishes, unpublishes, soft-deletes or restores a locked plot. Deleting also unpublishes;
/// a restored plot comes back as a draft.
pub async fn set_state(
    conn: &mut AsyncPgConnection,
    id: i64,
    action: HistoryAction,
    actor: &Actor,
    changes: &serde_json::Value,
) -> QueryResult<i32> {
    use diesel::dsl::now;
    let target = plots::table.filter(plots::id.eq(id));
    let bump = (
        plots::version.eq(plots::version + 1),
        plots::updated_at.eq(now),
    );
    let query = diesel::update(target);
    let version: i32 = match action {
        HistoryAction::Publish => {
            query
                .set((plots::published.eq(true), bump))
                .returning(plots::version)
                .get_result(conn)
                .await?
        }
        HistoryAction::Unpublish => {
            query
                .set((plots::published.eq(false), bump))
                .returning(plots::version)
                .get_result(conn)
                .await?
        }
        HistoryAction::Delete => {
            query
                .set((
                    plots::published.eq(false),
                    plots::deleted_at.eq(Some(Utc::now())),
                    bump,
                ))
                .returning(plots::version)
                .get_result(conn)
                .await?
        }
        HistoryAction::Restore => {
            query
                .set((plots::deleted_at.eq(None::<DateTime<Utc>>), bump))
                .returning(plots::version)
                .get_result(conn)
                .await?
        }
        HistoryAction::Create | HistoryAction::Update => {
            unreachable!("field changes go through insert and update")
        }
    };
    record(conn, id, version, action, actor, changes).await?;
    Ok(version)
}

/// One entry of a plot's history.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::plot_history, check_for_backend(diesel::pg::Pg))]
pub struct HistoryRow {
    pub version: i32,
    pub action: String,
    pub user_id: Option<i64>,
    pub actor: String,
    pub via: String,
    pub changed_at: DateTime<Utc>,
    pub changes: serde_json::Value,
}

/// The history of a plot, newest first.
pub async fn history(conn: &mut AsyncPgConnection, plot_id: i64) -> QueryResult<Vec<HistoryRow>> {
    use super::schema::plot_history as h;
    h::table
        .filter(h::plot_id.eq(plot_id))
        .order(h::version.desc())
        .select(HistoryRow::as_select())
        .load(conn)
        .await
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
    visibility: &Visibility,
    municipality_id: Option<i64>,
    estate_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<PlotSummaryRow>> {
    let mut query = plots::table
        .select(PlotSummaryRow::as_select())
        .order(plots::id.asc())
        .limit(limit)
        .into_boxed();
    match visibility {
        Visibility::PublishedOnly => query = query.filter(plots::published.eq(true)),
        Visibility::All => query = query.filter(plots::deleted_at.is_null()),
        Visibility::PublishedOr(ids) => {
            query = query.filter(
                plots::published.eq(true).or(plots::deleted_at
                    .is_null()
                    .and(plots::municipality_id.eq_any(ids))),
            )
        }
        Visibility::Deleted => query = query.filter(plots::deleted_at.is_not_null()),
    }
    if let Some(id) = municipality_id {
        query = query.filter(plots::municipality_id.eq(id));
    }
    if let Some(id) = estate_id {
        query = query.filter(plots::estate_id.eq(id));
    }
    query.load(conn).await
}
