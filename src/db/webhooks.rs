//! Webhooks and their delivery log (migration 000018), and the claiming of due webhooks by
//! the delivery worker of any instance (`FOR UPDATE SKIP LOCKED` and a lease).

use chrono::{DateTime, Utc};
use diesel::result::QueryResult;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamptz};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

#[derive(Debug, Clone, QueryableByName)]
pub struct WebhookRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = Nullable<Array<BigInt>>)]
    pub municipality_ids: Option<Vec<i64>>,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = BigInt)]
    pub cursor: i64,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub next_attempt_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, url, description, municipality_ids, state, cursor, attempts, \
                       next_attempt_at, created_at, updated_at";

/// A new webhook, starting after change `cursor`.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    url: &str,
    description: &str,
    secret: &str,
    municipality_ids: Option<Vec<i64>>,
    cursor: i64,
    created_by: i64,
) -> QueryResult<WebhookRow> {
    diesel::sql_query(format!(
        "INSERT INTO webhooks (url, description, secret, municipality_ids, cursor, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind::<Text, _>(url)
    .bind::<Text, _>(description)
    .bind::<Text, _>(secret)
    .bind::<Nullable<Array<BigInt>>, _>(municipality_ids)
    .bind::<BigInt, _>(cursor)
    .bind::<BigInt, _>(created_by)
    .get_result(conn)
    .await
}

pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<WebhookRow>> {
    diesel::sql_query(format!("SELECT {COLUMNS} FROM webhooks ORDER BY id"))
        .load(conn)
        .await
}

pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<WebhookRow>> {
    use diesel::OptionalExtension;
    diesel::sql_query(format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1"))
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .await
        .optional()
}

/// Changes what is given; `state` `active` also resumes: the batch after the position is due
/// at once, its attempts counted afresh.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: i64,
    url: Option<&str>,
    description: Option<&str>,
    state: Option<&str>,
) -> QueryResult<Option<WebhookRow>> {
    use diesel::OptionalExtension;
    diesel::sql_query(format!(
        "UPDATE webhooks SET url = coalesce($2, url), description = coalesce($3, description), \
           state = coalesce($4, state), \
           attempts = CASE WHEN $4 = 'active' AND state <> 'active' THEN 0 ELSE attempts END, \
           next_attempt_at = CASE WHEN $4 = 'active' AND state <> 'active' THEN now() \
                             ELSE next_attempt_at END, \
           updated_at = now() \
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind::<BigInt, _>(id)
    .bind::<Nullable<Text>, _>(url)
    .bind::<Nullable<Text>, _>(description)
    .bind::<Nullable<Text>, _>(state)
    .get_result(conn)
    .await
    .optional()
}

pub async fn delete(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
    let n = diesel::sql_query("DELETE FROM webhooks WHERE id = $1")
        .bind::<BigInt, _>(id)
        .execute(conn)
        .await?;
    Ok(n > 0)
}

/// The newest change's number: where a new webhook starts unless told otherwise.
pub async fn feed_end(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct End {
        #[diesel(sql_type = BigInt)]
        seq: i64,
    }
    let end: End = diesel::sql_query("SELECT coalesce(max(seq), 0) AS seq FROM plot_changes")
        .get_result(conn)
        .await?;
    Ok(end.seq)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct DeliveryRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub after_seq: i64,
    #[diesel(sql_type = BigInt)]
    pub last_seq: i64,
    #[diesel(sql_type = Integer)]
    pub changes: i32,
    #[diesel(sql_type = Integer)]
    pub attempt: i32,
    #[diesel(sql_type = Text)]
    pub outcome: String,
    #[diesel(sql_type = Nullable<Integer>)]
    pub http_status: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub error: Option<String>,
    #[diesel(sql_type = Integer)]
    pub duration_ms: i32,
    #[diesel(sql_type = Timestamptz)]
    pub attempted_at: DateTime<Utc>,
}

/// The latest attempts of one webhook, newest first.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    webhook_id: i64,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    diesel::sql_query(
        "SELECT id, after_seq, last_seq, changes, attempt, outcome, http_status, error, \
                duration_ms, attempted_at \
         FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind::<BigInt, _>(webhook_id)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// A webhook a worker is delivering now.
#[derive(Debug, Clone, QueryableByName)]
pub struct Claim {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Text)]
    pub secret: String,
    #[diesel(sql_type = Nullable<Array<BigInt>>)]
    pub municipality_ids: Option<Vec<i64>>,
    #[diesel(sql_type = BigInt)]
    pub cursor: i64,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    /// The last change of the pending (failed) batch, to send exactly it again.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub pending_last_seq: Option<i64>,
}

/// Takes one active webhook that is due and not taken by another worker, for `lease_secs`
/// (longer than a delivery can take): no two instances deliver to one webhook at once.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    lease_secs: i64,
) -> QueryResult<Option<Claim>> {
    use diesel::OptionalExtension;
    diesel::sql_query(
        "UPDATE webhooks SET leased_until = now() + make_interval(secs => $1) \
         WHERE id = (SELECT id FROM webhooks \
                     WHERE state = 'active' AND next_attempt_at <= now() \
                       AND (leased_until IS NULL OR leased_until < now()) \
                     ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING id, url, secret, municipality_ids, cursor, attempts, pending_last_seq",
    )
    .bind::<BigInt, _>(lease_secs)
    .get_result(conn)
    .await
    .optional()
}

/// Nothing to send: release the webhook until `idle_ms` from now.
pub async fn idle(conn: &mut AsyncPgConnection, id: i64, idle_ms: i64) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE webhooks SET leased_until = NULL, \
           next_attempt_at = now() + make_interval(secs => $2::float8 / 1000) WHERE id = $1",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(idle_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// One attempt at a batch and what follows from it.
pub struct Attempt<'a> {
    pub webhook_id: i64,
    pub after_seq: i64,
    pub last_seq: i64,
    pub changes: i32,
    pub attempt: i32,
    /// `delivered`, `failed` or `dead`.
    pub outcome: &'a str,
    pub http_status: Option<i32>,
    pub error: Option<&'a str>,
    pub duration_ms: i32,
    /// For `failed`: when to try again. Units: ms from now.
    pub retry_in_ms: i64,
}

/// Logs the attempt and moves the webhook on: past the batch when delivered, to its next try
/// when failed, to `dead` when it was the last. Only while the position is still the batch's
/// (an admin's change in between wins).
pub async fn record(conn: &mut AsyncPgConnection, a: &Attempt<'_>) -> QueryResult<()> {
    conn.transaction(async |conn| {
        diesel::sql_query(
            "INSERT INTO webhook_deliveries (webhook_id, after_seq, last_seq, changes, \
                   attempt, outcome, http_status, error, duration_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind::<BigInt, _>(a.webhook_id)
        .bind::<BigInt, _>(a.after_seq)
        .bind::<BigInt, _>(a.last_seq)
        .bind::<Integer, _>(a.changes)
        .bind::<Integer, _>(a.attempt)
        .bind::<Text, _>(a.outcome)
        .bind::<Nullable<Integer>, _>(a.http_status)
        .bind::<Nullable<Text>, _>(a.error)
        .bind::<Integer, _>(a.duration_ms)
        .execute(conn)
        .await?;
        diesel::sql_query(
            "UPDATE webhooks SET leased_until = NULL, \
                   cursor = CASE WHEN $3 = 'delivered' THEN $4 ELSE cursor END, \
                   attempts = CASE WHEN $3 = 'delivered' THEN 0 ELSE $5 END, \
                   pending_last_seq = CASE WHEN $3 = 'delivered' THEN NULL ELSE $4 END, \
                   state = CASE WHEN $3 = 'dead' THEN 'dead' ELSE state END, \
                   next_attempt_at = CASE WHEN $3 = 'failed' \
                     THEN now() + make_interval(secs => $6::float8 / 1000) ELSE now() END \
                 WHERE id = $1 AND cursor = $2",
        )
        .bind::<BigInt, _>(a.webhook_id)
        .bind::<BigInt, _>(a.after_seq)
        .bind::<Text, _>(a.outcome)
        .bind::<BigInt, _>(a.last_seq)
        .bind::<Integer, _>(a.attempt)
        .bind::<BigInt, _>(a.retry_in_ms)
        .execute(conn)
        .await?;
        Ok(())
    })
    .await
}

/// Drops log entries older than `days`.
pub async fn forget_old_deliveries(conn: &mut AsyncPgConnection, days: i32) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM webhook_deliveries WHERE attempted_at < now() - make_interval(days => $1)",
    )
    .bind::<Integer, _>(days)
    .execute(conn)
    .await
}
