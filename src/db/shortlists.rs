//! Shortlists (migration 000020): storing one under its code, reading it (and noting that it
//! was used), deleting those unused past the retention time.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::shortlist::Code;

/// A stored shortlist.
#[derive(Debug, Clone, QueryableByName)]
pub struct ShortlistRow {
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Array<BigInt>)]
    pub plot_ids: Vec<i64>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

/// Stores `plot_ids` under `code`. `Ok(false)` when the code is taken (a 1 in 2^60 chance per
/// stored shortlist; the caller draws another).
pub async fn create(
    conn: &mut AsyncPgConnection,
    code: &Code,
    plot_ids: &[i64],
) -> QueryResult<bool> {
    let n = diesel::sql_query(
        "INSERT INTO shortlists (code, plot_ids) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING",
    )
    .bind::<Text, _>(code.as_str())
    .bind::<Array<BigInt>, _>(plot_ids)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// The shortlist of `code`, marked as used today. The mark is written at most once a day, so
/// reading a popular link is not a write per request.
pub async fn get(conn: &mut AsyncPgConnection, code: &Code) -> QueryResult<Option<ShortlistRow>> {
    let row: Option<ShortlistRow> =
        diesel::sql_query("SELECT code, plot_ids, created_at FROM shortlists WHERE code = $1")
            .bind::<Text, _>(code.as_str())
            .get_result(conn)
            .await
            .optional()?;
    if row.is_some() {
        diesel::sql_query(
            "UPDATE shortlists SET last_used_at = now() \
             WHERE code = $1 AND last_used_at < now() - interval '1 day'",
        )
        .bind::<Text, _>(code.as_str())
        .execute(conn)
        .await?;
    }
    Ok(row)
}

/// Deletes the shortlists not opened for `days` days. Returns how many.
pub async fn delete_unused(conn: &mut AsyncPgConnection, days: u32) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM shortlists WHERE last_used_at < now() - make_interval(days => $1)",
    )
    .bind::<Integer, _>(days as i32)
    .execute(conn)
    .await
}
