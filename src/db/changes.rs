//! The change feed (migration 000015): pages of `plot_changes` by number. The migration's
//! comment says why reading by number is gap-free.

use chrono::{DateTime, Utc};
use diesel::result::QueryResult;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::changes::ChangeCursor;

#[derive(Debug, QueryableByName)]
pub struct ChangeRow {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = BigInt)]
    pub plot_id: i64,
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[diesel(sql_type = BigInt)]
    pub municipality_id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Timestamptz)]
    pub changed_at: DateTime<Utc>,
}

impl ChangeRow {
    pub fn cursor(&self) -> ChangeCursor {
        ChangeCursor(self.seq)
    }
}

/// At most `limit` changes after `after`, oldest first; with `municipalities`, only theirs.
pub async fn page(
    conn: &mut AsyncPgConnection,
    after: ChangeCursor,
    limit: i64,
    municipalities: Option<&[i64]>,
) -> QueryResult<Vec<ChangeRow>> {
    // NULL: every municipality (one statement text either way).
    diesel::sql_query(
        "SELECT seq, plot_id, reference, municipality_id, kind, changed_at FROM plot_changes \
         WHERE seq > $1 AND ($3::bigint[] IS NULL OR municipality_id = ANY($3)) \
         ORDER BY seq LIMIT $2",
    )
    .bind::<BigInt, _>(after.0)
    .bind::<BigInt, _>(limit)
    .bind::<Nullable<Array<BigInt>>, _>(municipalities.map(<[i64]>::to_vec))
    .load(conn)
    .await
}

/// A newly published plot for the Atom feed, as it is now (still published).
#[derive(Debug, QueryableByName)]
pub struct Publication {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = BigInt)]
    pub plot_id: i64,
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub title_de: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub title_en: Option<String>,
    #[diesel(sql_type = Text)]
    pub municipality: String,
    #[diesel(sql_type = diesel::sql_types::Double)]
    /// Units: m². The stated area, else the geodesic one.
    pub area_m2: f64,
    #[diesel(sql_type = Text)]
    pub zoning: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Timestamptz)]
    pub published_at: DateTime<Utc>,
}

/// The latest publications of plots that are still published, newest first (by number: the
/// order they committed in).
pub async fn publications(
    conn: &mut AsyncPgConnection,
    limit: i64,
    municipalities: Option<&[i64]>,
) -> QueryResult<Vec<Publication>> {
    diesel::sql_query(
        "SELECT c.seq, c.plot_id, p.reference, p.title_de, p.title_en, m.name AS municipality, \
                coalesce(p.area_stated_m2::float8, p.area_geodesic_m2) AS area_m2, p.zoning, \
                p.status, c.changed_at AS published_at \
         FROM plot_changes c JOIN plots p ON p.id = c.plot_id \
         JOIN municipalities m ON m.id = p.municipality_id \
         WHERE c.kind = 'published' AND p.published \
           AND ($2::bigint[] IS NULL OR c.municipality_id = ANY($2)) \
         ORDER BY c.seq DESC LIMIT $1",
    )
    .bind::<BigInt, _>(limit)
    .bind::<Nullable<Array<BigInt>>, _>(municipalities.map(<[i64]>::to_vec))
    .load(conn)
    .await
}

/// The municipalities of regions (to filter the feed by region).
pub async fn municipalities_of(
    conn: &mut AsyncPgConnection,
    regions: &[i64],
) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let ids: Vec<Id> = diesel::sql_query("SELECT id FROM municipalities WHERE region_id = ANY($1)")
        .bind::<Array<BigInt>, _>(regions.to_vec())
        .load(conn)
        .await?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}
