//! Queries on `plots` and `plot_history`. Geometry leaves the database as GeoJSON text written by
//! PostGIS and enters it through `ST_GeomFromGeoJSON`; both sides are EPSG:4326.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use diesel::dsl::{sql, AsSelect};
use diesel::expression::SqlLiteral;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::scope::condition;
use super::sql::{sql, text_of, Bind, Sql};
use crate::domain::access::PlotSet;
use crate::domain::history::{Actor, HistoryAction};
use crate::domain::plot::{InternalFacts, PlotData, PlotFacts, PlotKey, StoredPlot, ValidPlot};
use crate::schema::{plot_history, plots};

diesel::define_sql_function! {
    /// PostGIS `ST_GeomFromGeoJSON`: GeoJSON carries no CRS, so the SRID is set explicitly.
    fn st_geomfromgeojson(json: Text) -> crate::schema::sql_types::Geometry;
}
diesel::define_sql_function! {
    fn st_setsrid(geom: crate::schema::sql_types::Geometry, srid: diesel::sql_types::Integer) -> crate::schema::sql_types::Geometry;
}
diesel::define_sql_function! {
    fn st_multi(geom: crate::schema::sql_types::Geometry) -> crate::schema::sql_types::Geometry;
}

/// A plot as stored: its facts (`domain::plot::facts`, embedded as declared there), the names of
/// its places, its measured sizes and bookkeeping. Read by position, in the order of
/// `PlotRow::as_select()`, which diesel derives from this struct: the select list and the
/// decoding cannot disagree. Geometry is selected beside it, in the form a request asks for.
///
/// The places' names are scalar subqueries rather than joins: they are evaluated for the rows
/// returned only, after the `LIMIT`. With a join, the generic plan (planned without the values:
/// `db::establish_for_serving`) cannot know that a bbox matches a handful of plots and hashes all
/// municipalities on every request: 0.45 ms instead of 0.3 ms for the benchmark's bbox
/// (bench/RESULTS.md).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plots, check_for_backend(Pg))]
pub struct PlotRow {
    pub id: i64,
    #[diesel(embed)]
    pub facts: PlotFacts,
    #[diesel(embed)]
    pub internal: InternalFacts,
    #[diesel(select_expression = sql::<Text>("(SELECT m.name FROM municipalities m WHERE m.id = plots.municipality_id)"))]
    #[diesel(select_expression_type = SqlLiteral<Text>)]
    pub municipality_name: String,
    #[diesel(select_expression = sql::<BigInt>("(SELECT m.region_id FROM municipalities m WHERE m.id = plots.municipality_id)"))]
    #[diesel(select_expression_type = SqlLiteral<BigInt>)]
    pub region_id: i64,
    #[diesel(select_expression = sql::<Nullable<Text>>("(SELECT e.name FROM estates e WHERE e.id = plots.estate_id AND e.published)"))]
    #[diesel(select_expression_type = SqlLiteral<Nullable<Text>>)]
    pub estate_name: Option<String>,
    /// Units: m².
    pub area_geodesic_m2: f64,
    /// The stated area where known, else the geodesic one. Units: m².
    pub area_m2: f64,
    pub is_demo: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The SQL type of a `PlotRow` in a typed statement.
pub type PlotRowSql = AsSelect<PlotRow, Pg>;

/// The select list of `PlotRow`, as diesel writes it.
pub fn plot_columns() -> &'static str {
    static COLUMNS: LazyLock<String> = LazyLock::new(|| text_of(&PlotRow::as_select()));
    &COLUMNS
}

/// 7 decimals: ≈1 cm on the ground, below the survey accuracy of plot outlines.
pub const FULL_GEOMETRY: &str = "ST_AsGeoJSON(plots.geom, 7)";

impl PlotRow {
    /// The plot in its write form with `geometry` (GeoJSON text as read).
    pub fn to_data(&self, geometry: Option<&str>) -> PlotData {
        PlotData {
            facts: self.facts.clone(),
            geometry: geometry
                .and_then(|g| serde_json::from_str(g).ok())
                .unwrap_or(serde_json::Value::Null),
            internal: self.internal.clone(),
        }
    }

    pub fn into_stored(self, geometry: Option<&str>) -> StoredPlot {
        StoredPlot {
            data: self.to_data(geometry),
            id: self.id,
            version: self.version,
            deleted: self.deleted_at.is_some(),
            area_m2: self.area_geodesic_m2,
        }
    }
}

/// A plot with its full geometry (GeoJSON text).
pub type FullPlot = (PlotRow, Option<String>);
type FullPlotSql = (PlotRowSql, Nullable<Text>);

/// `SELECT` of every plot column and the full geometry; the caller appends `WHERE`.
fn select_full() -> Sql {
    sql![
        "SELECT ",
        plot_columns(),
        ", ",
        FULL_GEOMETRY,
        " FROM plots"
    ]
}

fn key_condition(key: &PlotKey) -> Sql {
    match key {
        PlotKey::Id(id) => sql!["plots.id = ", Bind::I64(*id)],
        PlotKey::Reference(r) => sql!["plots.reference = ", Bind::Text(r.clone())],
    }
}

/// The SQL of one plot by id or reference.
pub fn one_sql(key: &PlotKey, set: &PlotSet) -> Sql {
    sql![
        select_full(),
        " WHERE ",
        key_condition(key),
        " AND ",
        condition(set)
    ]
}

/// One plot by id or by reference.
pub async fn find(
    conn: &mut AsyncPgConnection,
    set: &PlotSet,
    key: &PlotKey,
) -> QueryResult<Option<FullPlot>> {
    let rows: Vec<FullPlot> = one_sql(key, set).query::<FullPlotSql>().load(conn).await?;
    Ok(rows.into_iter().next())
}

/// The plot, locked until the end of the transaction. `None` if there is no such plot in `set`.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    key: &PlotKey,
    set: &PlotSet,
) -> QueryResult<Option<FullPlot>> {
    let mut statement = one_sql(key, set);
    statement.add(" FOR UPDATE OF plots");
    let rows: Vec<FullPlot> = statement.query::<FullPlotSql>().load(conn).await?;
    Ok(rows.into_iter().next())
}

/// Plots by id or reference, in no particular order.
pub async fn by_keys(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
    references: &[String],
    set: &PlotSet,
) -> QueryResult<Vec<FullPlot>> {
    sql![
        select_full(),
        " WHERE (plots.id = ANY(",
        Bind::I64s(ids.to_vec()),
        ") OR plots.reference = ANY(",
        Bind::Texts(references.to_vec()),
        ")) AND ",
        condition(set)
    ]
    .query::<FullPlotSql>()
    .load(conn)
    .await
}

/// Plots by reference that an importer may change, locked until the end of the transaction:
/// in `municipalities` (editors; not deleted), or all of them, deleted ones too (`None`: admins).
/// Plots of other towns are neither read nor locked here (`taken_references`).
pub async fn lock_by_references(
    conn: &mut AsyncPgConnection,
    references: &[String],
    municipalities: Option<&[i64]>,
) -> QueryResult<Vec<FullPlot>> {
    // `IN (SELECT unnest(…))`, not `= ANY(…)`: in a generic plan the array is a parameter, which
    // PostgreSQL may search linearly for every row it filters. Right after a large import, with
    // statistics not yet analysed, re-importing 100,000 plots took 218 s with `= ANY` and 10 s
    // with the semi-join (bench/RESULTS.md, 2026-11-27, one run each).
    let mut statement = sql![
        select_full(),
        " WHERE plots.reference IN (SELECT unnest(",
        Bind::Texts(references.to_vec()),
        "::text[]))"
    ];
    if let Some(ids) = municipalities {
        statement.add(sql![
            " AND plots.deleted_at IS NULL AND plots.municipality_id = ANY(",
            Bind::I64s(ids.to_vec()),
            ")"
        ]);
    }
    statement.add(" FOR UPDATE OF plots");
    statement.query::<FullPlotSql>().load(conn).await
}

/// Of `references`, those some plot has, with whether anyone may read it (published, not deleted).
/// Reads nothing else of those plots and locks nothing.
pub async fn taken_references(
    conn: &mut AsyncPgConnection,
    references: &[String],
) -> QueryResult<Vec<(String, bool)>> {
    #[derive(QueryableByName)]
    struct Taken {
        #[diesel(sql_type = diesel::sql_types::Text)]
        reference: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        readable: bool,
    }
    // A semi-join for the reason `lock_by_references` gives. Readable by anyone: published and
    // not deleted (a deleted plot is nobody's business).
    let rows: Vec<Taken> = diesel::sql_query(
        "SELECT reference, published AND deleted_at IS NULL AS readable FROM plots \
         WHERE reference IN (SELECT unnest($1::text[]))",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(references)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|t| (t.reference, t.readable))
        .collect())
}

async fn record(
    conn: &mut AsyncPgConnection,
    plot_id: i64,
    version: i32,
    action: HistoryAction,
    actor: &Actor,
    changes: &serde_json::Value,
) -> QueryResult<()> {
    use plot_history as h;
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
            &plot.data.facts,
            &plot.data.internal,
            plots::area_geodesic_m2.eq(plot.geometry.area_m2()),
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
            &plot.data.facts,
            &plot.data.internal,
            plots::area_geodesic_m2.eq(plot.geometry.area_m2()),
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
        HistoryAction::Create | HistoryAction::Update | HistoryAction::Confirm => {
            unreachable!("field changes go through insert, update and confirm")
        }
    };
    record(conn, id, version, action, actor, changes).await?;
    Ok(version)
}

/// Sets the confirmation date ("Stand") of a locked plot to `on`, bumps its version and records
/// a `confirm` entry. Returns the new version.
pub async fn confirm(
    conn: &mut AsyncPgConnection,
    id: i64,
    on: chrono::NaiveDate,
    actor: &Actor,
    changes: &serde_json::Value,
) -> QueryResult<i32> {
    let version: i32 = diesel::update(plots::table.filter(plots::id.eq(id)))
        .set((
            plots::data_confirmed_on.eq(on),
            plots::version.eq(plots::version + 1),
            plots::updated_at.eq(diesel::dsl::now),
        ))
        .returning(plots::version)
        .get_result(conn)
        .await?;
    record(conn, id, version, HistoryAction::Confirm, actor, changes).await?;
    Ok(version)
}

/// Records a change beside the plot's own facts (its media) as an `update` entry: the plot's
/// version goes up, since its representation (the media links) changed. Returns the new version.
pub async fn touch(
    conn: &mut AsyncPgConnection,
    id: i64,
    actor: &Actor,
    changes: &serde_json::Value,
) -> QueryResult<i32> {
    let version: i32 = diesel::update(plots::table.filter(plots::id.eq(id)))
        .set((
            plots::version.eq(plots::version + 1),
            plots::updated_at.eq(diesel::dsl::now),
        ))
        .returning(plots::version)
        .get_result(conn)
        .await?;
    record(conn, id, version, HistoryAction::Update, actor, changes).await?;
    Ok(version)
}

/// One entry of a plot's history.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plot_history, check_for_backend(Pg))]
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
    use plot_history as h;
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
#[diesel(table_name = plots, check_for_backend(Pg))]
pub struct PlotSummaryRow {
    pub id: i64,
    pub reference: String,
    pub title_de: String,
    pub title_en: Option<String>,
    pub status: crate::domain::plot::PlotStatus,
    pub zoning: crate::domain::plot::Zoning,
    pub area_geodesic_m2: f64,
    pub area_stated_m2: Option<i64>,
    pub estate_id: Option<i64>,
}

/// Plot summaries of one municipality or estate that `set` holds, at most `limit`, in id order.
pub async fn summaries(
    conn: &mut AsyncPgConnection,
    set: &PlotSet,
    municipality_id: Option<i64>,
    estate_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<PlotSummaryRow>> {
    let mut statement = sql![
        "SELECT ",
        text_of(&PlotSummaryRow::as_select()),
        " FROM plots WHERE ",
        condition(set)
    ];
    if let Some(id) = municipality_id {
        statement.add(sql![" AND plots.municipality_id = ", Bind::I64(id)]);
    }
    if let Some(id) = estate_id {
        statement.add(sql![" AND plots.estate_id = ", Bind::I64(id)]);
    }
    statement.add(sql![" ORDER BY plots.id LIMIT ", Bind::I64(limit)]);
    statement
        .query::<AsSelect<PlotSummaryRow, Pg>>()
        .load(conn)
        .await
}

/// Plot summaries of one estate that `set` holds, each with its outline (GeoJSON text, 6
/// decimals: ≈10 cm, plenty for a page's map), at most `limit`, in reference order.
pub async fn summaries_with_outlines(
    conn: &mut AsyncPgConnection,
    set: &PlotSet,
    estate_id: i64,
    limit: i64,
) -> QueryResult<Vec<(PlotSummaryRow, Option<String>)>> {
    sql![
        "SELECT ",
        text_of(&PlotSummaryRow::as_select()),
        ", ST_AsGeoJSON(plots.geom, 6) FROM plots WHERE plots.estate_id = ",
        Bind::I64(estate_id),
        " AND ",
        condition(set),
        " ORDER BY plots.reference LIMIT ",
        Bind::I64(limit)
    ]
    .query::<(AsSelect<PlotSummaryRow, Pg>, Nullable<Text>)>()
    .load(conn)
    .await
}

/// Plots that `set` holds and whose outline meets `bbox` ([west, south, east, north], degrees,
/// EPSG:4326), with their outline (GeoJSON text, 6 decimals), at most `limit`, nearest to the
/// box's centre first: the neighbours a preview image of one plot shows.
pub async fn outlines_in(
    conn: &mut AsyncPgConnection,
    set: &PlotSet,
    bbox: [f64; 4],
    limit: i64,
) -> QueryResult<Vec<(PlotSummaryRow, Option<String>)>> {
    let envelope = || {
        sql![
            "ST_MakeEnvelope(",
            Bind::F64(bbox[0]),
            ", ",
            Bind::F64(bbox[1]),
            ", ",
            Bind::F64(bbox[2]),
            ", ",
            Bind::F64(bbox[3]),
            ", 4326)"
        ]
    };
    sql![
        "SELECT ",
        text_of(&PlotSummaryRow::as_select()),
        ", ST_AsGeoJSON(plots.geom, 6) FROM plots WHERE plots.geom && ",
        envelope(),
        " AND ",
        condition(set),
        " ORDER BY plots.geom <-> ST_Centroid(",
        envelope(),
        ") LIMIT ",
        Bind::I64(limit)
    ]
    .query::<(AsSelect<PlotSummaryRow, Pg>, Nullable<Text>)>()
    .load(conn)
    .await
}
