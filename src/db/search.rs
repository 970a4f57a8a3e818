//! Plot search in SQL. One `WHERE` builder serves pages, counts, facets, tiles and the map
//! extent, so all of them always agree; PostGIS does every spatial test (GiST indexes on `geom`
//! and `geom::geography`).
//!
//! CRS: EPSG:4326 throughout; distances in metres on the WGS 84 ellipsoid (geography).

use chrono::{DateTime, Utc};
use diesel::result::QueryResult;
use diesel::sql_types::{BigInt, Double, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::TryStreamExt;

use super::media::{cover_join, CoverRow, CoverRowSql};
use super::plots::{plot_columns, PlotRow, PlotRowSql, FULL_GEOMETRY};
use super::scope::condition;
use super::sql::{quote, sql, Bind, Sql};
use crate::domain::access::PlotSet;
use crate::domain::ogc::OgcCrs;
use crate::domain::plot::{PlotStatus, Servicing, Vocabulary, Zoning};
use crate::domain::search::{Cursor, GeometryForm, PlotQuery, SortKey, SpatialRelation, COUNT_CAP};

/// Tolerance of `geometry_form=simplified`: about 10 m in degrees at German latitudes.
const SIMPLIFY_DEGREES: f64 = 0.0001;

fn geometry_sql(query: &PlotQuery) -> Sql {
    let crs = query.crs;
    if crs != OgcCrs::CRS84 {
        // OGC Part 2: another CRS, transformed by PostGIS; EPSG:4326 in its lat/lon order.
        let shape = match query.geometry_form {
            GeometryForm::Full => "plots.geom".to_owned(),
            GeometryForm::Simplified => {
                format!("ST_Multi(ST_SimplifyPreserveTopology(plots.geom, {SIMPLIFY_DEGREES}))")
            }
            GeometryForm::Centroid => "ST_Centroid(plots.geom)".to_owned(),
            GeometryForm::None => return sql!["NULL::text"],
        };
        let shape = match crs.srid() {
            4326 => shape,
            srid => format!("ST_Transform({shape}, {srid})"),
        };
        let shape = match crs.lat_lon {
            true => format!("ST_FlipCoordinates({shape})"),
            false => shape,
        };
        // Options 0: no `crs` member (the Content-Crs header names it).
        return sql![format!("ST_AsGeoJSON({shape}, {}, 0)", crs.decimals())];
    }
    match query.geometry_form {
        GeometryForm::Full => sql![FULL_GEOMETRY],
        GeometryForm::Simplified => sql![format!(
            "ST_AsGeoJSON(ST_Multi(ST_SimplifyPreserveTopology(plots.geom, {SIMPLIFY_DEGREES})), 6)"
        )],
        GeometryForm::Centroid => sql!["ST_AsGeoJSON(ST_Centroid(plots.geom), 7)"],
        GeometryForm::None => sql!["NULL::text"],
    }
}

fn any_of<V: Vocabulary>(column: &'static str, values: &[V]) -> Option<Sql> {
    (!values.is_empty()).then(|| {
        let texts = values.iter().map(|v| v.as_str().to_owned()).collect();
        sql![column, " = ANY(", Bind::Texts(texts), ")"]
    })
}

/// ` WHERE …` for every filter of the query, on the plots `set` holds.
// One condition per filter of `PlotQuery`, in its order: a flat list, kept in one place so that
// pages, counts, facets and tiles cannot filter differently.
pub fn where_clause(query: &PlotQuery, set: &PlotSet) -> Sql {
    let mut conditions: Vec<Sql> = vec![condition(set)];
    let mut when = |c: Option<Sql>| conditions.extend(c);
    when(any_of::<PlotStatus>("plots.status", &query.statuses));
    when(any_of::<Zoning>("plots.zoning", &query.zonings));
    when(any_of::<Servicing>("plots.servicing", &query.servicing));
    when(municipality_condition(query));
    when((!query.estate_ids.is_empty()).then(|| {
        sql![
            "plots.estate_id = ANY(",
            Bind::I64s(query.estate_ids.clone()),
            ")"
        ]
    }));
    when(
        query
            .published
            .map(|v| sql!["plots.published = ", Bind::Bool(v)]),
    );
    when(
        (!query.parcels.is_empty())
            .then(|| sql!["plots.parcels && ", Bind::Texts(query.parcels.clone())]),
    );
    when((!query.region_ids.is_empty()).then(|| {
        sql![
            "plots.municipality_id IN (SELECT m.id FROM municipalities m WHERE m.region_id = ANY(",
            Bind::I64s(query.region_ids.clone()),
            "))"
        ]
    }));
    when(
        query
            .area_min_m2
            .map(|v| sql!["plots.area_m2 >= ", Bind::F64(v)]),
    );
    when(
        query
            .area_max_m2
            .map(|v| sql!["plots.area_m2 <= ", Bind::F64(v)]),
    );
    when(query.max_price.map(|v| {
        if query.include_price_on_request {
            sql![
                "(plots.price_min_ct <= ",
                Bind::I64(v.0),
                " OR plots.price_on_request)"
            ]
        } else {
            sql!["plots.price_min_ct <= ", Bind::I64(v.0)]
        }
    }));
    when(
        query
            .rail_siding
            .map(|v| sql!["plots.rail_siding = ", Bind::Bool(v)]),
    );
    when(
        query
            .heavy_vehicle_access
            .map(|v| sql!["plots.heavy_vehicle_access = ", Bind::Bool(v)]),
    );
    // Location facts a plot leaves empty are its published estate's (`domain::place`): the
    // filters compare the value the plot shows. The subquery runs only for plots without their
    // own value, and only when the filter is asked for.
    when(
        query
            .min_broadband_mbit
            .map(|v| sql![inherited("broadband_mbit"), " >= ", Bind::I64(i64::from(v))]),
    );
    // Unknown distances do not satisfy a maximum.
    for (column, value) in [
        ("dist_motorway_km", query.max_dist_motorway_km),
        ("dist_rail_station_km", query.max_dist_rail_station_km),
        ("dist_port_km", query.max_dist_port_km),
        ("dist_airport_km", query.max_dist_airport_km),
    ] {
        when(value.map(|v| sql![inherited(column), " <= ", Bind::F64(v)]));
    }
    when(query.available_by.map(|date| {
        sql![
            "(plots.status IN ('available', 'planned') AND (plots.available_from IS NULL OR plots.available_from <= ",
            Bind::Date(date),
            "))"
        ]
    }));
    when(
        query
            .grw_area
            .map(|v| sql!["plots.grw_area = ", Bind::Bool(v)]),
    );
    when(
        query
            .confirmed_since
            .map(|date| sql!["plots.data_confirmed_on >= ", Bind::Date(date)]),
    );
    if let Some(text) = &query.text {
        // How rare a word is decides the best plan (walk the sort order for common words, the
        // GIN index for rare ones). A parameter would get the generic plan, which cannot know,
        // so the text goes in as a quoted literal and the statement is planned every time.
        let q = quote(text);
        let mut c = sql![format!(
            "(plots.search_tsv @@ (websearch_to_tsquery('german', {q}) || websearch_to_tsquery('english', {q})) \
             OR plots.reference = upper({q}))"
        )];
        c.plan_per_execution = true;
        when(Some(c));
    }
    when(query.bbox.map(|b| {
        let envelope = sql![
            "ST_MakeEnvelope(",
            Bind::F64(b.min_lon),
            ", ",
            Bind::F64(b.min_lat),
            ", ",
            Bind::F64(b.max_lon),
            ", ",
            Bind::F64(b.max_lat),
            format!(", {})", b.srid)
        ];
        // The SRID is one of the CRSs `Crs` names (a number, not caller text).
        let envelope = match b.srid {
            4326 => envelope,
            _ => sql!["ST_Transform(", envelope, ", 4326)"],
        };
        sql!["ST_Intersects(plots.geom, ", envelope, ")"]
    }));
    when(query.near.map(|near| {
        sql![
            "ST_DWithin(plots.geom::geography, ",
            point_sql(near.lon, near.lat),
            ", ",
            Bind::F64(near.radius_m),
            ")"
        ]
    }));
    when(query.drawn.as_ref().map(|drawn| {
        let area = sql![
            "ST_SetSRID(ST_GeomFromGeoJSON(",
            Bind::Text(drawn.geojson.clone()),
            "), 4326)"
        ];
        match drawn.relation {
            SpatialRelation::Intersects => sql!["ST_Intersects(plots.geom, ", area, ")"],
            SpatialRelation::Within => sql!["ST_CoveredBy(plots.geom, ", area, ")"],
        }
    }));
    when(
        (!query.ids.is_empty())
            .then(|| sql!["plots.id = ANY(", Bind::I64s(query.ids.clone()), ")"]),
    );
    if let Some(range) = query.updated {
        when(
            range
                .from
                .map(|t| sql!["plots.updated_at >= ", Bind::Timestamp(t)]),
        );
        when(
            range
                .to
                .map(|t| sql!["plots.updated_at <= ", Bind::Timestamp(t)]),
        );
    }
    when(query.filter.as_ref().map(super::cql2::filter_sql));
    sql![" WHERE ", Sql::join(conditions, " AND ")]
}

/// Municipalities by id, or by AGS while those are not yet turned into ids (the API does that
/// after checking they exist; a query straight from elsewhere still filters right).
fn municipality_condition(query: &PlotQuery) -> Option<Sql> {
    let ids = (!query.municipality_ids.is_empty()).then(|| {
        sql![
            "plots.municipality_id = ANY(",
            Bind::I64s(query.municipality_ids.clone()),
            ")"
        ]
    });
    let ags = (!query.municipality_ags.is_empty()).then(|| {
        sql![
            "plots.municipality_id IN (SELECT m.id FROM municipalities m WHERE m.ags = ANY(",
            Bind::Texts(query.municipality_ags.clone()),
            "))"
        ]
    });
    match (ids, ags) {
        (Some(ids), Some(ags)) => Some(sql!["(", ids, " OR ", ags, ")"]),
        (ids, ags) => ids.or(ags),
    }
}

fn point_sql(lon: f64, lat: f64) -> Sql {
    sql![
        "ST_SetSRID(ST_MakePoint(",
        Bind::F64(lon),
        ", ",
        Bind::F64(lat),
        "), 4326)::geography"
    ]
}

fn distance_sql(query: &PlotQuery) -> Sql {
    match query.near {
        Some(near) => sql![
            "ST_Distance(plots.geom::geography, ",
            point_sql(near.lon, near.lat),
            ")"
        ],
        None => sql!["NULL::float8"],
    }
}

/// The ordering expression of a sort key. Prices on request sort last both ways.
fn sort_sql(query: &PlotQuery) -> Sql {
    match query.sort.key {
        SortKey::Reference => sql!["plots.reference"],
        SortKey::Price if query.sort.descending => sql!["coalesce(plots.price_min_ct, -1)"],
        SortKey::Price => sql!["coalesce(plots.price_min_ct, 9223372036854775807)"],
        SortKey::Area => sql!["plots.area_m2"],
        SortKey::Updated => sql!["plots.updated_at"],
        SortKey::Distance => distance_sql(query),
    }
}

/// A search result: the plot, its geometry in the asked form (GeoJSON text), for `near`
/// searches its distance (units: m), and its cover where the page was read `Covers::With`.
pub struct Hit {
    pub row: PlotRow,
    pub geometry: Option<String>,
    pub distance_m: Option<f64>,
    pub cover: Option<CoverRow>,
}

/// Whether a page is read with each plot's cover (search pages that show it), in the same
/// statement: a second query per page cost one more round trip and ~45,000 instructions of a
/// 19-plot page (bench/RESULTS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Covers {
    Without,
    With,
}

impl Covers {
    /// As the query's answer shows them (`fields`).
    pub fn shown_by(query: &PlotQuery) -> Covers {
        match query.shows_cover() {
            true => Covers::With,
            false => Covers::Without,
        }
    }
}

type HitSql = (PlotRowSql, Nullable<Text>, Nullable<Double>);
type CoveredHitSql = (PlotRowSql, Nullable<Text>, Nullable<Double>, CoverRowSql);

/// The SQL of one page: at most `limit + 1` rows (one more tells whether another page exists).
/// Public so tests and the benchmark can EXPLAIN and replay exactly what the API runs.
pub fn page_sql(query: &PlotQuery, set: &PlotSet, limit: i64, covers: Covers) -> Sql {
    let page = plain_page_sql(query, set, limit);
    match covers {
        Covers::Without => page,
        // The page is chosen, sorted and cut first; only its rows are joined to their covers.
        // A LATERAL reference can only be a nested loop driven by the page, and a nested loop
        // keeps the order of its outer side: the rows come in the page's order.
        Covers::With => sql![
            "SELECT page.*, cover.* FROM (",
            page,
            ") AS page",
            cover_join()
        ],
    }
}

fn plain_page_sql(query: &PlotQuery, set: &PlotSet, limit: i64) -> Sql {
    let mut statement = sql![
        "SELECT ",
        plot_columns(),
        ", ",
        geometry_sql(query),
        ", ",
        distance_sql(query),
        " FROM plots",
        where_clause(query, set)
    ];
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
        let op = if scan_descending(query) {
            ") < ("
        } else {
            ") > ("
        };
        statement.add(sql![
            " AND (",
            sort_sql(query),
            ", plots.id",
            op,
            value,
            ", ",
            Bind::I64(cursor.id),
            ")"
        ]);
    }
    let direction = if scan_descending(query) { " DESC" } else { "" };
    statement.add(sql![
        " ORDER BY ",
        sort_sql(query),
        direction,
        ", plots.id",
        direction,
        " LIMIT ",
        Bind::I64(limit + 1)
    ]);
    statement
}

/// A backward cursor reads the keyset the other way (its page is then put back in order), so
/// that `prev` costs what `next` costs: one index range, no offset.
fn scan_descending(query: &PlotQuery) -> bool {
    let backward = query.cursor.as_ref().is_some_and(|c| c.b);
    query.sort.descending != backward
}

/// One page of hits in the query's order, with the cursors of the pages after and before it.
pub struct Page {
    pub hits: Vec<Hit>,
    pub next: Option<Cursor>,
    /// Only where there is a page before: never on the first page.
    pub prev: Option<Cursor>,
}

/// One page: at most `limit` hits, and the cursor of the next page if there is one.
pub async fn page(
    conn: &mut AsyncPgConnection,
    query: &PlotQuery,
    set: &PlotSet,
    limit: i64,
) -> QueryResult<(Vec<Hit>, Option<Cursor>)> {
    let page = page_both_ways(conn, query, set, limit, Covers::Without).await?;
    Ok((page.hits, page.next))
}

/// One page with both neighbours' cursors (OGC API `next` and `prev` links).
pub async fn page_both_ways(
    conn: &mut AsyncPgConnection,
    query: &PlotQuery,
    set: &PlotSet,
    limit: i64,
    covers: Covers,
) -> QueryResult<Page> {
    // Collected into room for a usual page at once: `load` grows its Vec from 4 rows by
    // doubling, copying every row (~1 kB each) four times on a page of 19 (1.4 % of a bbox
    // page's instructions, bench/RESULTS.md); 64 rows stay below malloc's mmap threshold.
    let mut hits = Vec::with_capacity((limit as usize + 1).min(64));
    let statement = page_sql(query, set, limit, covers);
    match covers {
        Covers::Without => {
            let rows = statement
                .query::<HitSql>()
                .load_stream::<(PlotRow, Option<String>, Option<f64>)>(conn)
                .await?;
            collect(rows, &mut hits, |(row, geometry, distance_m)| Hit {
                row,
                geometry,
                distance_m,
                cover: None,
            })
            .await?;
        }
        Covers::With => {
            let rows = statement
                .query::<CoveredHitSql>()
                .load_stream::<(PlotRow, Option<String>, Option<f64>, Option<CoverRow>)>(conn)
                .await?;
            collect(rows, &mut hits, |(row, geometry, distance_m, cover)| Hit {
                row,
                geometry,
                distance_m,
                cover,
            })
            .await?;
        }
    }
    // One row more than the page tells whether the keyset goes on in the direction read.
    let more = hits.len() as i64 > limit;
    hits.truncate(limit as usize);
    let backward = query.cursor.as_ref().is_some_and(|c| c.b);
    if backward {
        hits.reverse();
    }
    // Forwards, a page reached by a cursor has the anchor's page before it; backwards, the
    // anchor itself comes after the page.
    let (has_next, has_prev) = match (backward, query.cursor.is_some()) {
        (false, from_cursor) => (more, from_cursor),
        (true, _) => (true, more),
    };
    let next = hits
        .last()
        .filter(|_| has_next)
        .map(|last| cursor_at(query, last, false));
    // Called by path: diesel's `RunQueryDsl::first` would shadow the slice's `first`.
    let prev = <[Hit]>::first(&hits)
        .filter(|_| has_prev)
        .map(|first| cursor_at(query, first, true));
    Ok(Page { hits, next, prev })
}

/// The rows of a page as hits, in the order read.
async fn collect<R>(
    rows: impl futures_util::Stream<Item = QueryResult<R>>,
    hits: &mut Vec<Hit>,
    hit: impl Fn(R) -> Hit,
) -> QueryResult<()> {
    let mut rows = std::pin::pin!(rows);
    while let Some(row) = rows.try_next().await? {
        hits.push(hit(row));
    }
    Ok(())
}

fn cursor_at(query: &PlotQuery, anchor: &Hit, backward: bool) -> Cursor {
    let row = &anchor.row;
    let v = match query.sort.key {
        SortKey::Reference => serde_json::json!(row.facts.reference),
        SortKey::Price => serde_json::json!(row
            .facts
            .price_min_eur_m2
            .map_or(if query.sort.descending { -1 } else { i64::MAX }, |c| c.0)),
        SortKey::Area => serde_json::json!(row.area_m2),
        SortKey::Updated => serde_json::json!(row
            .updated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        SortKey::Distance => serde_json::json!(anchor.distance_m.unwrap_or_default()),
    };
    Cursor {
        s: query.sort_text(),
        v,
        id: row.id,
        b: backward,
    }
}

/// Matches counted up to `COUNT_CAP + 1`, with the sum of their sizes.
#[derive(QueryableByName)]
pub struct Counted {
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    /// Sum of the counted plots' sizes (stated area where known, else computed). Units: m².
    #[diesel(sql_type = Double)]
    pub area_m2: f64,
}

/// Matches counted up to `COUNT_CAP + 1`: a result above the cap means "more than the cap".
pub async fn count(
    conn: &mut AsyncPgConnection,
    query: &PlotQuery,
    set: &PlotSet,
) -> QueryResult<Counted> {
    sql![
        "SELECT count(*) AS n, coalesce(sum(area_m2), 0) AS area_m2 \
         FROM (SELECT plots.area_m2 FROM plots",
        where_clause(query, set),
        " LIMIT ",
        Bind::I64(COUNT_CAP + 1),
        ") matches"
    ]
    .untyped()
    .get_result(conn)
    .await
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
    set: &PlotSet,
) -> QueryResult<Vec<FacetRow>> {
    sql![
        "SELECT plots.status, plots.zoning, plots.municipality_id, min(m.name) AS municipality_name, \
         GROUPING(plots.status, plots.zoning, plots.municipality_id) AS grouping, count(*) AS plots, \
         coalesce(sum(plots.area_m2), 0) AS area_m2 \
         FROM plots JOIN municipalities m ON m.id = plots.municipality_id",
        where_clause(query, set),
        " GROUP BY GROUPING SETS ((plots.status), (plots.zoning), (plots.municipality_id), ()) \
         ORDER BY grouping, plots DESC, plots.status, plots.zoning, plots.municipality_id"
    ]
    .untyped()
    .load(conn)
    .await
}

/// A location fact as the plot shows it: its own, else its published estate's.
fn inherited(column: &str) -> String {
    format!(
        "coalesce(plots.{column}, (SELECT e.{column} FROM estates e \
         WHERE e.id = plots.estate_id AND e.published))"
    )
}
