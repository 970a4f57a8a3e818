//! Reminder feeds (migration 000011): Atom feeds of a staff member's freshness digest, found by
//! the SHA-256 of the token in their URL.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bytea, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::reminder_feeds;

/// A feed as its owner lists it (never the token).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reminder_feeds, check_for_backend(diesel::pg::Pg))]
pub struct FeedRow {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    name: &str,
    token_hash: &[u8],
) -> QueryResult<FeedRow> {
    diesel::insert_into(reminder_feeds::table)
        .values((
            reminder_feeds::user_id.eq(user_id),
            reminder_feeds::name.eq(name),
            reminder_feeds::token_hash.eq(token_hash),
        ))
        .returning(FeedRow::as_returning())
        .get_result(conn)
        .await
}

/// The feeds of `user_id`, newest first.
pub async fn list(conn: &mut AsyncPgConnection, user_id: i64) -> QueryResult<Vec<FeedRow>> {
    reminder_feeds::table
        .filter(reminder_feeds::user_id.eq(user_id))
        .order(reminder_feeds::id.desc())
        .select(FeedRow::as_select())
        .load(conn)
        .await
}

/// Revokes a feed of `user_id`; false if there is no such live feed of theirs.
pub async fn revoke(conn: &mut AsyncPgConnection, user_id: i64, id: i64) -> QueryResult<bool> {
    let n = diesel::update(
        reminder_feeds::table
            .filter(reminder_feeds::id.eq(id))
            .filter(reminder_feeds::user_id.eq(user_id))
            .filter(reminder_feeds::revoked_at.is_null()),
    )
    .set(reminder_feeds::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Who a live feed belongs to: its id and name, and the owner's role and municipalities (the
/// owner active).
#[derive(Debug, Clone, QueryableByName)]
pub struct FeedOwner {
    #[diesel(sql_type = BigInt)]
    pub feed_id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Array<BigInt>)]
    pub municipalities: Vec<i64>,
}

pub async fn owner(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> QueryResult<Option<FeedOwner>> {
    let rows: Vec<FeedOwner> = diesel::sql_query(
        "SELECT f.id AS feed_id, f.name, u.role, \
                coalesce((SELECT array_agg(um.municipality_id) FROM user_municipalities um \
                          WHERE um.user_id = u.id), '{}') AS municipalities \
         FROM reminder_feeds f JOIN users u ON u.id = f.user_id \
         WHERE f.token_hash = $1 AND f.revoked_at IS NULL AND u.active",
    )
    .bind::<Bytea, _>(token_hash)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}
