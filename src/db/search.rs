//! Plot search in SQL. One `WHERE` builder serves pages, counts and facets, so all three always
//! agree; PostGIS does every spatial test (GiST indexes on `geom` and `geom::geography`).
//!
//! CRS: EPSG:4326 throughout; distances in metres on the WGS 84 ellipsoid (geography).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::result::QueryResult;
use diesel::sql_types::{Array, BigInt, Bool, Date, Double, Nullable, Text, Timestamptz};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::plots::{PlotKey, PlotRow, Visibility};
use crate::domain::search::{Cursor, GeometryForm, PlotQuery, SortKey, SpatialRelation, COUNT_CAP};

/// A value bound to a `$n` placeholder.
#[derive(Debug, Clone)]
pub enum Bind {
    I64(i64),
    F64(f64),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
    I64s(Vec<i64>),
    Texts(Vec<String>),
}

/// SQL text with numbered placeholders and their values, in order.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    pub text: String,
    pub binds: Vec<Bind>,
    /// Run as an unnamed statement, planned with its actual values, instead of a prepared
    /// statement with a generic plan (see `db::establish_for_serving`).
    pub plan_per_execution: bool,
}

impl Sql {
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Adds a value and returns its placeholder (`$n`), which may be used more than once.
    pub fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// The statement, ready to run. Unlike `diesel::sql_query` it may be kept prepared per
    /// connection (keyed by its text), which saves a round trip and a plan on every request.
    pub fn query(self) -> PreparedSql {
        PreparedSql(self)
    }

    /// The SQL with every value written inline: for EXPLAIN ANALYZE, psql and pgbench.
    pub fn inline(&self) -> String {
        let mut text = self.text.clone();
        // Highest first, so `$1` does not eat the start of `$12`.
        for (i, value) in self.binds.iter().enumerate().rev() {
            text = text.replace(&format!("${}", i + 1), &literal(value));
        }
        text
    }
}

/// A SQL string literal. Safe with `standard_conforming_strings = on` (the default since
/// PostgreSQL 9.1, and set explicitly on every connection): only `'` needs doubling.
/// Used where a value must be planned as a constant. `$` becomes a space (full-text search
/// ignores it anyway) so that `$n` in the SQL is always a placeholder.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''").replace('$', " "))
}

fn literal(value: &Bind) -> String {
    match value {
        Bind::I64(v) => format!("{v}::bigint"),
        Bind::F64(v) => format!("{v:?}::float8"),
        Bind::Text(v) => format!("{}::text", quote(v)),
        Bind::Bool(v) => v.to_string(),
        Bind::Date(v) => format!("'{v}'::date"),
        Bind::Timestamp(v) => format!("'{}'::timestamptz", v.to_rfc3339()),
        Bind::I64s(v) => format!(
            "ARRAY[{}]::bigint[]",
            v.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        Bind::Texts(v) => format!(
            "ARRAY[{}]::text[]",
            v.iter().map(|t| quote(t)).collect::<Vec<_>>().join(",")
        ),
    }
}

/// `Sql` as a diesel query: its placeholders are re-emitted through diesel's bind collector.
pub struct PreparedSql(Sql);

impl diesel::query_builder::QueryId for PreparedSql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for PreparedSql {
    type SqlType = diesel::sql_types::Untyped;
}

impl diesel::query_builder::QueryFragment<Pg> for PreparedSql {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, Pg>,
    ) -> QueryResult<()> {
        if self.0.plan_per_execution {
            out.unsafe_to_cache_prepared();
        }
        let mut rest = self.0.text.as_str();
        while let Some(at) = rest.find('$') {
            out.push_sql(&rest[..at]);
            let digits: String = rest[at + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let index: usize = digits.parse().map_err(|_| {
                diesel::result::Error::QueryBuilderError("`$` without a placeholder number".into())
            })?;
            match self.0.binds.get(index.wrapping_sub(1)) {
                Some(Bind::I64(v)) => out.push_bind_param::<BigInt, _>(v)?,
                Some(Bind::F64(v)) => out.push_bind_param::<Double, _>(v)?,
                Some(Bind::Text(v)) => out.push_bind_param::<Text, _>(v)?,
                Some(Bind::Bool(v)) => out.push_bind_param::<Bool, _>(v)?,
                Some(Bind::Date(v)) => out.push_bind_param::<Date, _>(v)?,
                Some(Bind::Timestamp(v)) => out.push_bind_param::<Timestamptz, _>(v)?,
                Some(Bind::I64s(v)) => out.push_bind_param::<Array<BigInt>, _>(v)?,
                Some(Bind::Texts(v)) => out.push_bind_param::<Array<Text>, _>(v)?,
                None => {
                    return Err(diesel::result::Error::QueryBuilderError(
                        format!("placeholder ${index} has no value").into(),
                    ))
                }
            }
            rest = &rest[at + 1 + digits.len()..];
        }
        out.push_sql(rest);
        Ok(())
    }
}

/// Searches filter and sort plots alone; the names of a plot's places are looked up in
/// `PLOT_COLUMNS` for the rows returned only. With a join here, the generic plan (planned
/// without the values: `db::establish_for_serving`) cannot know that a bbox matches a handful
/// of plots and hashes all municipalities on every request: 0.45 ms instead of 0.3 ms for the
/// benchmark's bbox, and half again the database's CPU per request (bench/RESULTS.md).
const FROM: &str = " FROM plots p";

/// The columns `PlotRow` reads, in the order it reads them (checked by name).
const PLOT_COLUMNS: &str = "p.id, p.reference, p.title_de, p.title_en, p.description_de, \
    p.description_en, p.municipality_id, \
    (SELECT m.name FROM municipalities m WHERE m.id = p.municipality_id) AS municipality_name, \
    (SELECT m.region_id FROM municipalities m WHERE m.id = p.municipality_id) AS region_id, \
    p.estate_id, (SELECT e.name FROM estates e WHERE e.id = p.estate_id) AS estate_name, \
    p.area_geodesic_m2, p.area_stated_m2, p.area_m2, p.status, \
    p.available_from, p.zoning, p.bplan_status, p.grz, p.gfz, p.bmz, p.max_height_m, \
    p.max_storeys, p.operation_24h, p.servicing, p.road_access, p.water, p.sewage, p.electricity, \
    p.electricity_capacity_kva, p.gas, p.district_heating, p.broadband_mbit, p.fibre, \
    p.rail_siding, p.dist_motorway_km, p.dist_rail_station_km, p.dist_port_km, p.dist_airport_km, \
    p.price_on_request, p.price_min_ct, p.price_max_ct, p.servicing_cost_ct, p.offer, p.grw_area, \
    p.grw_max_rate_small_pct, p.grw_max_rate_medium_pct, p.grw_max_rate_large_pct, \
    p.contact_name, p.contact_phone, p.contact_email, p.data_confirmed_on, p.published, \
    p.internal_notes, p.is_demo, p.created_at, p.updated_at, p.version, p.deleted_at, \
    p.owner_name, p.owner_contact";

/// Tolerance of `geometry_form=simplified`: about 10 m in degrees at German latitudes.
const SIMPLIFY_DEGREES: f64 = 0.0001;

fn geometry_sql(form: GeometryForm) -> String {
    match form {
        GeometryForm::Full => "ST_AsGeoJSON(p.geom, 7)".into(),
        GeometryForm::Simplified => {
            format!("ST_AsGeoJSON(ST_Multi(ST_SimplifyPreserveTopology(p.geom, {SIMPLIFY_DEGREES})), 6)")
        }
        GeometryForm::Centroid => "ST_AsGeoJSON(ST_Centroid(p.geom), 7)".into(),
        GeometryForm::None => "NULL::text".into(),
    }
}

/// Appends ` WHERE …` for every filter of the query.
pub fn where_clause(query: &PlotQuery, visibility: &Visibility, sql: &mut Sql) {
    let mut conditions: Vec<String> = vec![visibility.condition()];
    let mut any_text = |column: &str, values: Vec<String>, sql: &mut Sql| {
        if !values.is_empty() {
            let p = sql.bind(Bind::Texts(values));
            conditions.push(format!("{column} = ANY({p})"));
        }
    };
    any_text(
        "p.status",
        query
            .statuses
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        sql,
    );
    any_text(
        "p.zoning",
        query
            .zonings
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        sql,
    );
    any_text(
        "p.servicing",
        query
            .servicing
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        sql,
    );
    for (column, ids) in [
        ("p.municipality_id", &query.municipality_ids),
        ("p.estate_id", &query.estate_ids),
    ] {
        if !ids.is_empty() {
            let p = sql.bind(Bind::I64s(ids.clone()));
            conditions.push(format!("{column} = ANY({p})"));
        }
    }
    if !query.region_ids.is_empty() {
        let p = sql.bind(Bind::I64s(query.region_ids.clone()));
        conditions.push(format!(
            "p.municipality_id IN (SELECT m.id FROM municipalities m WHERE m.region_id = ANY({p}))"
        ));
    }
    let mut compare = |condition: &str, value: Bind, sql: &mut Sql| {
        let p = sql.bind(value);
        conditions.push(condition.replace('?', &p));
    };
    if let Some(v) = query.area_min_m2 {
        compare("p.area_m2 >= ?", Bind::F64(v), sql);
    }
    if let Some(v) = query.area_max_m2 {
        compare("p.area_m2 <= ?", Bind::F64(v), sql);
    }
    if let Some(v) = query.max_price {
        if query.include_price_on_request {
            compare(
                "(p.price_min_ct <= ? OR p.price_on_request)",
                Bind::I64(v.0),
                sql,
            );
        } else {
            compare("p.price_min_ct <= ?", Bind::I64(v.0), sql);
        }
    }
    if let Some(v) = query.rail_siding {
        compare("p.rail_siding = ?", Bind::Bool(v), sql);
    }
    if let Some(v) = query.min_broadband_mbit {
        compare("p.broadband_mbit >= ?", Bind::I64(i64::from(v)), sql);
    }
    // Unknown distances do not satisfy a maximum.
    for (column, value) in [
        ("p.dist_motorway_km", query.max_dist_motorway_km),
        ("p.dist_rail_station_km", query.max_dist_rail_station_km),
        ("p.dist_port_km", query.max_dist_port_km),
        ("p.dist_airport_km", query.max_dist_airport_km),
    ] {
        if let Some(v) = value {
            compare(&format!("{column} <= ?"), Bind::F64(v), sql);
        }
    }
    if let Some(date) = query.available_by {
        compare(
            "(p.status IN ('available', 'planned') AND (p.available_from IS NULL OR p.available_from <= ?))",
            Bind::Date(date),
            sql,
        );
    }
    if let Some(v) = query.grw_area {
        compare("p.grw_area = ?", Bind::Bool(v), sql);
    }
    if let Some(text) = &query.text {
        // How rare a word is decides the best plan (walk the sort order for common words, the
        // GIN index for rare ones). A parameter would get the generic plan, which cannot know,
        // so the text goes in as a quoted literal and the statement is planned every time.
        let q = quote(text);
        conditions.push(format!(
            "(p.search_tsv @@ (websearch_to_tsquery('german', {q}) || websearch_to_tsquery('english', {q})) \
             OR p.reference = upper({q}))"
        ));
        sql.plan_per_execution = true;
    }
    if let Some(b) = query.bbox {
        let [a, c, d, f] =
            [b.min_lon, b.min_lat, b.max_lon, b.max_lat].map(|v| sql.bind(Bind::F64(v)));
        conditions.push(format!(
            "ST_Intersects(p.geom, ST_MakeEnvelope({a}, {c}, {d}, {f}, 4326))"
        ));
    }
    if let Some(near) = query.near {
        let point = point_sql(near.lon, near.lat, sql);
        let r = sql.bind(Bind::F64(near.radius_m));
        conditions.push(format!("ST_DWithin(p.geom::geography, {point}, {r})"));
    }
    if let Some(drawn) = &query.drawn {
        let g = sql.bind(Bind::Text(drawn.geojson.clone()));
        let area = format!("ST_SetSRID(ST_GeomFromGeoJSON({g}), 4326)");
        conditions.push(match drawn.relation {
            SpatialRelation::Intersects => format!("ST_Intersects(p.geom, {area})"),
            SpatialRelation::Within => format!("ST_CoveredBy(p.geom, {area})"),
        });
    }
    sql.push(" WHERE ").push(&conditions.join(" AND "));
}

fn point_sql(lon: f64, lat: f64, sql: &mut Sql) -> String {
    let x = sql.bind(Bind::F64(lon));
    let y = sql.bind(Bind::F64(lat));
    format!("ST_SetSRID(ST_MakePoint({x}, {y}), 4326)::geography")
}

/// The ordering expression of a sort key. Prices on request sort last both ways.
fn sort_sql(key: SortKey, descending: bool, distance: &str) -> String {
    match key {
        SortKey::Reference => "p.reference".into(),
        SortKey::Price if descending => "coalesce(p.price_min_ct, -1)".into(),
        SortKey::Price => "coalesce(p.price_min_ct, 9223372036854775807)".into(),
        SortKey::Area => "p.area_m2".into(),
        SortKey::Updated => "p.updated_at".into(),
        SortKey::Distance => distance.into(),
    }
}

/// A search result: the plot and, for `near` searches, its distance. Units: m.
pub struct Hit {
    pub row: PlotRow,
    pub distance_m: Option<f64>,
}

#[derive(QueryableByName)]
struct HitRow {
    #[diesel(embed)]
    plot: PlotRow,
    #[diesel(sql_type = Nullable<Double>)]
    distance_m: Option<f64>,
}

/// The SQL of one page: at most `limit + 1` rows (one more tells whether another page exists).
/// Public so tests and the benchmark can EXPLAIN and replay exactly what the API runs.
pub fn page_sql(query: &PlotQuery, visibility: &Visibility, limit: i64) -> Sql {
    let mut sql = Sql::default();
    let distance = match query.near {
        Some(near) => {
            let point = point_sql(near.lon, near.lat, &mut sql);
            format!("ST_Distance(p.geom::geography, {point})")
        }
        None => "NULL::float8".into(),
    };
    sql.push("SELECT ")
        .push(PLOT_COLUMNS)
        .push(", ")
        .push(&geometry_sql(query.geometry_form))
        .push(" AS geometry_geojson, ")
        .push(&distance)
        .push(" AS distance_m")
        .push(FROM);
    where_clause(query, visibility, &mut sql);
    let order = sort_sql(query.sort.key, query.sort.descending, &distance);
    if let Some(cursor) = &query.cursor {
        let value = match query.sort.key {
            SortKey::Reference => Bind::Text(cursor.v.as_str().unwrap_or_default().to_owned()),
            SortKey::Price => Bind::I64(cursor.v.as_i64().unwrap_or_default()),
            SortKey::Area | SortKey::Distance => Bind::F64(cursor.v.as_f64().unwrap_or_default()),
            SortKey::Updated => Bind::Timestamp(
                cursor
                    .v
                    .as_str()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_default(),
            ),
        };
        let v = sql.bind(value);
        let id = sql.bind(Bind::I64(cursor.id));
        let op = if query.sort.descending { "<" } else { ">" };
        sql.push(&format!(" AND ({order}, p.id) {op} ({v}, {id})"));
    }
    let direction = if query.sort.descending { " DESC" } else { "" };
    let limit = sql.bind(Bind::I64(limit + 1));
    sql.push(&format!(
        " ORDER BY {order}{direction}, p.id{direction} LIMIT {limit}"
    ));
    sql
}

/// One page: at most `limit` hits, and the cursor of the next page if there is one.
pub async fn page(
    conn: &mut AsyncPgConnection,
    query: &PlotQuery,
    visibility: &Visibility,
    limit: i64,
) -> QueryResult<(Vec<Hit>, Option<Cursor>)> {
    let sql = page_sql(query, visibility, limit);
    let mut rows: Vec<HitRow> = sql.query().load(conn).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = match rows.last() {
        Some(last) if more => Some(cursor_after(query, last)),
        _ => None,
    };
    let hits = rows
        .into_iter()
        .map(|h| Hit {
            row: h.plot,
            distance_m: h.distance_m,
        })
        .collect();
    Ok((hits, next))
}

fn cursor_after(query: &PlotQuery, last: &HitRow) -> Cursor {
    let row = &last.plot;
    let v =
        match query.sort.key {
            SortKey::Reference => serde_json::json!(row.reference),
            SortKey::Price => serde_json::json!(row
                .price_min_ct
                .unwrap_or(if query.sort.descending { -1 } else { i64::MAX })),
            SortKey::Area => serde_json::json!(row.area_m2),
            SortKey::Updated => serde_json::json!(row
                .updated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
            SortKey::Distance => serde_json::json!(last.distance_m.unwrap_or_default()),
        };
    Cursor {
        s: query.sort_text(),
        v,
        id: row.id,
    }
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Matches counted up to `COUNT_CAP + 1`: a result above the cap means "more than the cap".
pub async fn count(
    conn: &mut AsyncPgConnection,
    query: &PlotQuery,
    visibility: &Visibility,
) -> QueryResult<i64> {
    let mut sql = Sql::default();
    sql.push("SELECT count(*) AS n FROM (SELECT 1").push(FROM);
    where_clause(query, visibility, &mut sql);
    let cap = sql.bind(Bind::I64(COUNT_CAP + 1));
    sql.push(&format!(" LIMIT {cap}) matches"));
    let row: CountRow = sql.query().get_result(conn).await?;
    Ok(row.n)
}

/// One line of the facet table; which dimension it belongs to is told by which column is set.
#[derive(Debug, QueryableByName)]
pub struct FacetRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub status: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub zoning: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub municipality_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub municipality_name: Option<String>,
    /// Bit mask of GROUPING(status, zoning, municipality): 3 bits, set = not grouped by it.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub grouping: i32,
    #[diesel(sql_type = BigInt)]
    pub plots: i64,
    /// Units: m².
    #[diesel(sql_type = Double)]
    pub area_m2: f64,
}

/// Counts and total area per status, zoning and municipality, and over all, in one scan.
pub async fn facets(
    conn: &mut AsyncPgConnection,
    query: &PlotQuery,
    visibility: &Visibility,
) -> QueryResult<Vec<FacetRow>> {
    let mut sql = Sql::default();
    sql.push(
        "SELECT p.status, p.zoning, p.municipality_id, min(m.name) AS municipality_name, \
         GROUPING(p.status, p.zoning, p.municipality_id) AS grouping, count(*) AS plots, \
         coalesce(sum(p.area_m2), 0) AS area_m2 \
         FROM plots p JOIN municipalities m ON m.id = p.municipality_id",
    );
    where_clause(query, visibility, &mut sql);
    sql.push(
        " GROUP BY GROUPING SETS ((p.status), (p.zoning), (p.municipality_id), ()) \
         ORDER BY grouping, plots DESC, p.status, p.zoning, p.municipality_id",
    );
    sql.query().load(conn).await
}

/// `SELECT` of every plot column with its full geometry, joined with its places; the caller
/// appends `WHERE`.
fn select_full_plots() -> Sql {
    let mut sql = Sql::default();
    sql.push("SELECT ")
        .push(PLOT_COLUMNS)
        .push(", ST_AsGeoJSON(p.geom, 7) AS geometry_geojson")
        .push(FROM);
    sql
}

/// The SQL of one plot by id or reference.
pub fn one_sql(key: &PlotKey, visibility: &Visibility) -> Sql {
    let mut sql = select_full_plots();
    let condition = match key {
        PlotKey::Id(id) => format!(" WHERE p.id = {}", sql.bind(Bind::I64(*id))),
        PlotKey::Reference(r) => {
            format!(" WHERE p.reference = {}", sql.bind(Bind::Text(r.clone())))
        }
    };
    sql.push(&condition);
    sql.push(" AND ").push(&visibility.condition());
    sql
}

/// Plots by id or reference, in no particular order.
pub async fn by_keys(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
    references: &[String],
    visibility: &Visibility,
) -> QueryResult<Vec<PlotRow>> {
    let mut sql = select_full_plots();
    let a = sql.bind(Bind::I64s(ids.to_vec()));
    let b = sql.bind(Bind::Texts(references.to_vec()));
    sql.push(&format!(
        " WHERE (p.id = ANY({a}) OR p.reference = ANY({b}))"
    ));
    sql.push(" AND ").push(&visibility.condition());
    sql.query().load(conn).await
}

/// Plots by reference, deleted ones included, locked until the end of the transaction (imports
/// match by reference and must see every plot a reference is taken by).
pub async fn lock_by_references(
    conn: &mut AsyncPgConnection,
    references: &[String],
) -> QueryResult<Vec<PlotRow>> {
    let mut sql = select_full_plots();
    let r = sql.bind(Bind::Texts(references.to_vec()));
    sql.push(&format!(" WHERE p.reference = ANY({r}) FOR UPDATE OF p"));
    sql.query().load(conn).await
}
