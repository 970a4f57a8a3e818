//! What the public pages list for search engines: the published plots and estates, each with
//! the time it last changed (`sitemap.xml`). Drafts and deleted ones never.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::{estates, plots};

/// Published plots (reference, last change), by reference; at most `limit`.
pub async fn published_plots(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> QueryResult<Vec<(String, DateTime<Utc>)>> {
    // `published` implies not deleted (CHECK plots_deleted_not_published).
    plots::table
        .filter(plots::published.eq(true))
        .select((plots::reference, plots::updated_at))
        .order(plots::reference)
        .limit(limit)
        .load(conn)
        .await
}

/// Published, not deleted estates (id, last change), by id; at most `limit`.
pub async fn published_estates(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> QueryResult<Vec<(i64, DateTime<Utc>)>> {
    estates::table
        .filter(estates::published.eq(true))
        .filter(estates::deleted_at.is_null())
        .select((estates::id, estates::updated_at))
        .order(estates::id)
        .limit(limit)
        .load(conn)
        .await
}
