//! Reminder feeds (migration 000011): Atom feeds of a staff member's freshness digest, found by
//! the SHA-256 of the token in their URL; and reminder mails (migration 000012): who gets a
//! town's digest, and which digests were sent.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Bytea, Date, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::plot::Lang;
use crate::domain::reminders::Recipient;
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

#[derive(QueryableByName)]
struct RecipientRow {
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    language: String,
    #[diesel(sql_type = BigInt)]
    municipality_id: i64,
    #[diesel(sql_type = Nullable<Date>)]
    last_sent: Option<NaiveDate>,
}

/// Who looks after which municipality (active accounts assigned to it), in their language,
/// with the day each last got that town's digest by mail.
pub async fn mail_recipients(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Recipient>> {
    let rows: Vec<RecipientRow> = diesel::sql_query(
        "SELECT u.id AS user_id, u.email, u.language, um.municipality_id, \
                (SELECT max(r.sent_on) FROM reminder_mails r \
                 WHERE r.user_id = u.id AND r.municipality_id = um.municipality_id) AS last_sent \
         FROM users u JOIN user_municipalities um ON um.user_id = u.id \
         WHERE u.active ORDER BY um.municipality_id, u.id",
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Recipient {
            user_id: r.user_id,
            email: r.email,
            lang: Lang::parse(&r.language).unwrap_or(Lang::De),
            municipality_id: r.municipality_id,
            last_sent: r.last_sent,
        })
        .collect())
}

/// Records a digest the SMTP server accepted; false if one was already recorded for the day.
pub async fn record_mail(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    municipality_id: i64,
    sent_on: NaiveDate,
    lang: Lang,
    counts: [u64; 3],
) -> QueryResult<bool> {
    let as_int = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
    let n = diesel::sql_query(
        "INSERT INTO reminder_mails (user_id, municipality_id, sent_on, language, stale_count, \
                                     never_confirmed_count, incomplete_count) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (user_id, municipality_id, sent_on) DO NOTHING",
    )
    .bind::<BigInt, _>(user_id)
    .bind::<BigInt, _>(municipality_id)
    .bind::<Date, _>(sent_on)
    .bind::<Text, _>(lang.code())
    .bind::<Integer, _>(as_int(counts[0]))
    .bind::<Integer, _>(as_int(counts[1]))
    .bind::<Integer, _>(as_int(counts[2]))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Key of the session lock that keeps two `reminders send` runs from mailing at once.
const SENDING_LOCK: i64 = 0x6777_665f_6d61_696c; // "gwf_mail"

/// Takes the sending lock for this session; false if another run holds it.
pub async fn try_lock_sending(conn: &mut AsyncPgConnection) -> QueryResult<bool> {
    let row: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
        .bind::<BigInt, _>(SENDING_LOCK)
        .get_result(conn)
        .await?;
    Ok(row.locked)
}

pub async fn unlock_sending(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(SENDING_LOCK)
        .execute(conn)
        .await
        .map(|_| ())
}
