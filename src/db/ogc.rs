//! OGC API items of the places (estates, municipalities): which ones match `bbox`, `datetime`
//! and `filter`, and their outlines in the asked CRS. Plots go through `db::search` instead.
//! The same visibility as `db::places`: estates by `estate_visible_sql`, municipalities unless
//! deleted. Places are few per region (dozens to hundreds), so a page is cut by `OFFSET` and
//! counted in full.

use diesel::result::QueryResult;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::places::estate_visible_sql;
use super::sql::{sql, Bind, Sql};
use crate::domain::access::PlotSet;
use crate::domain::ogc::cql2::Filter;
use crate::domain::ogc::{Collection, OgcCrs, TimeRange};
use crate::domain::search::Bbox;

/// What selects places.
#[derive(Debug, Default)]
pub struct PlaceQuery {
    pub bbox: Option<Bbox>,
    pub updated: Option<TimeRange>,
    pub filter: Option<Filter>,
    pub id: Option<i64>,
    pub crs: OgcCrs,
    pub limit: i64,
    pub offset: i64,
}

#[derive(QueryableByName)]
pub struct PlaceShape {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// GeoJSON in the asked CRS.
    #[diesel(sql_type = Nullable<Text>)]
    pub geometry: Option<String>,
    /// All matches, on every row.
    #[diesel(sql_type = BigInt)]
    pub matched: i64,
}

/// One page of places: ids, outlines and the number of all matches.
pub async fn places(
    conn: &mut AsyncPgConnection,
    collection: Collection,
    set: &PlotSet,
    query: &PlaceQuery,
) -> QueryResult<Vec<PlaceShape>> {
    let (table, visible, shown) = match collection {
        Collection::Estates => (
            "estates",
            estate_visible_sql(set),
            "estates.outline".to_owned(),
        ),
        _ => (
            "municipalities",
            "municipalities.deleted_at IS NULL".to_owned(),
            "coalesce(municipalities.outline_display, municipalities.outline)".to_owned(),
        ),
    };
    let outline = format!("{table}.outline");
    let crs = query.crs;
    let mut shape = shown;
    if crs.srid() != 4326 {
        shape = format!("ST_Transform({shape}, {})", crs.srid());
    }
    if crs.lat_lon {
        shape = format!("ST_FlipCoordinates({shape})");
    }
    let mut conditions = vec![sql![visible]];
    if let Some(b) = query.bbox {
        conditions.push(sql![
            format!("ST_Intersects({outline}, ST_Transform(ST_MakeEnvelope("),
            Bind::F64(b.min_lon),
            ", ",
            Bind::F64(b.min_lat),
            ", ",
            Bind::F64(b.max_lon),
            ", ",
            Bind::F64(b.max_lat),
            format!(", {}), 4326))", b.srid)
        ]);
    }
    if let Some(range) = query.updated {
        if let Some(t) = range.from {
            conditions.push(sql![format!("{table}.updated_at >= "), Bind::Timestamp(t)]);
        }
        if let Some(t) = range.to {
            conditions.push(sql![format!("{table}.updated_at <= "), Bind::Timestamp(t)]);
        }
    }
    if let Some(filter) = &query.filter {
        conditions.push(super::cql2::filter_sql(filter));
    }
    if let Some(id) = query.id {
        conditions.push(sql![format!("{table}.id = "), Bind::I64(id)]);
    }
    let statement: Sql = sql![
        format!(
            "SELECT {table}.id, ST_AsGeoJSON({shape}, {}, 0) AS geometry, count(*) OVER () AS matched FROM {table} WHERE ",
            crs.decimals()
        ),
        Sql::join(conditions, " AND "),
        format!(" ORDER BY {table}.id LIMIT "),
        Bind::I64(query.limit),
        " OFFSET ",
        Bind::I64(query.offset)
    ];
    statement.untyped().load(conn).await
}

#[derive(QueryableByName)]
struct Extent {
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    xmin: Option<f64>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    ymin: Option<f64>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    xmax: Option<f64>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    ymax: Option<f64>,
}

/// The bounding box of a collection's public features, `[west, south, east, north]` in CRS84
/// (degrees); `None` while it is empty.
///
/// Plots: from the planner's statistics (`ST_EstimatedExtent`, no scan; it counts drafts too
/// and may be a little larger than the features, which the OGC extent allows). Only before
/// the table has statistics — a new, small database — is it computed from the published plots.
/// Places are few: exact.
pub async fn extent(
    conn: &mut AsyncPgConnection,
    collection: Collection,
) -> QueryResult<Option<[f64; 4]>> {
    let boxed = match collection {
        Collection::Plots => {
            "coalesce(ST_EstimatedExtent('public', 'plots', 'geom'), \
             (SELECT ST_Extent(geom) FROM plots WHERE plots.published))"
        }
        Collection::Estates => "(SELECT ST_Extent(outline) FROM estates WHERE estates.published)",
        Collection::Municipalities => {
            "(SELECT ST_Extent(coalesce(outline_display, outline)) FROM municipalities \
             WHERE deleted_at IS NULL)"
        }
    };
    let e: Extent = diesel::sql_query(format!(
        "SELECT ST_XMin(b) AS xmin, ST_YMin(b) AS ymin, ST_XMax(b) AS xmax, ST_YMax(b) AS ymax \
         FROM (SELECT {boxed}::box2d AS b) AS e"
    ))
    .get_result(conn)
    .await?;
    Ok(match (e.xmin, e.ymin, e.xmax, e.ymax) {
        (Some(w), Some(s), Some(e), Some(n)) => Some([w, s, e, n]),
        _ => None,
    })
}
