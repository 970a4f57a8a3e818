//! Saved searches (migration 000019): subscribing with the first set of matches, the keys
//! that open a subscription, the worker's evaluation of changed plots, the digests, the
//! feed's entries, retention and the counts. docs/alerts.md tells the whole story.

use chrono::{DateTime, Utc};
use diesel::result::QueryResult;
use diesel::sql_types::{BigInt, Binary, Integer, Nullable, Text, Timestamptz};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::search::where_clause;
use super::sql::{sql, Bind};
use crate::domain::access::{PlotSet, ReadScope};
use crate::domain::search::PlotQuery;

/// What is stored of a new subscription.
pub struct NewRow<'a> {
    /// The filters as a JSON object (text).
    pub params: &'a str,
    pub area: Option<&'a str>,
    pub relation: &'a str,
    pub email: Option<&'a str>,
    pub language: &'a str,
    pub consent_version: Option<&'a str>,
}

/// Inserts the subscription with the plots its search matches now, in one statement: the
/// matches and the change feed's position come from one snapshot, and the feed is gap-free
/// (migration 000015), so the worker goes on exactly where the set was taken. Returns the id
/// and the number of matches, at most `max_matches + 1` counted (the caller refuses more and
/// rolls back).
pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewRow<'_>,
    query: &PlotQuery,
    max_matches: i64,
) -> QueryResult<(i64, i64)> {
    let state = if new.email.is_some() {
        "pending"
    } else {
        "active"
    };
    let opt = |v: Option<&str>| match v {
        Some(t) => sql![Bind::Text(t.to_owned())],
        None => sql!["NULL::text"],
    };
    let public = PlotSet::Readable(ReadScope::Public);
    let statement = sql![
        "WITH s AS (INSERT INTO saved_searches (params, area, relation, email, language, \
           consent_version, state, seq) VALUES (",
        Bind::Text(new.params.to_owned()),
        "::jsonb, ",
        opt(new.area),
        ", ",
        Bind::Text(new.relation.to_owned()),
        ", ",
        opt(new.email),
        ", ",
        Bind::Text(new.language.to_owned()),
        ", ",
        opt(new.consent_version),
        ", ",
        Bind::Text(state.to_owned()),
        ", (SELECT coalesce(max(seq), 0) FROM plot_changes)) RETURNING id), \
         m AS (INSERT INTO saved_search_matches (saved_search_id, plot_id) \
           SELECT s.id, found.id FROM s, (SELECT plots.id FROM plots",
        where_clause(query, &public),
        " LIMIT ",
        Bind::I64(max_matches + 1),
        ") found RETURNING 1) \
         SELECT s.id, (SELECT count(*) FROM m) FROM s"
    ];
    statement
        .query::<(BigInt, BigInt)>()
        .get_result::<(i64, i64)>(conn)
        .await
}

/// Unconfirmed subscriptions of one address (case-insensitive).
pub async fn pending_of(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(
        "SELECT count(*) AS n FROM saved_searches \
         WHERE state = 'pending' AND lower(email) = lower($1)",
    )
    .bind::<Text, _>(email)
    .get_result(conn)
    .await?;
    Ok(n.n)
}

/// Stores a key (`owner` or `mail`) of a subscription by its hash.
pub async fn add_key(
    conn: &mut AsyncPgConnection,
    id: i64,
    hash: &[u8; 32],
    kind: &str,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO saved_search_keys (token_hash, saved_search_id, kind) VALUES ($1, $2, $3)",
    )
    .bind::<Binary, _>(hash.as_slice())
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(kind)
    .execute(conn)
    .await?;
    Ok(())
}

/// A subscription as its key opens it.
#[derive(Debug, Clone, QueryableByName)]
pub struct Opened {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// `owner` or `mail`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Text)]
    pub language: String,
    #[diesel(sql_type = Text)]
    pub params: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub area: Option<String>,
    #[diesel(sql_type = Text)]
    pub relation: String,
    /// Whether an address is stored (the address itself is never shown).
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub has_email: bool,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

/// The subscription a key opens, marking it used (expiry counts from the last use). A feed
/// reader polls often: the mark is written at most once an hour, not on every read.
pub async fn open(conn: &mut AsyncPgConnection, hash: &[u8; 32]) -> QueryResult<Option<Opened>> {
    diesel::sql_query(
        "WITH k AS (SELECT saved_search_id, kind FROM saved_search_keys WHERE token_hash = $1), \
         used AS (UPDATE saved_searches SET used_at = now() \
                  WHERE id = (SELECT saved_search_id FROM k) \
                    AND used_at < now() - interval '1 hour' RETURNING 1) \
         SELECT s.id, k.kind, s.state, s.language, s.params::text AS params, s.area, \
                s.relation, s.email IS NOT NULL AS has_email, s.created_at \
         FROM saved_searches s JOIN k ON s.id = k.saved_search_id",
    )
    .bind::<Binary, _>(hash.as_slice())
    .get_result(conn)
    .await
    .optional()
}

/// Confirms a pending subscription; `false` when it was not pending.
pub async fn confirm(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
    let n = diesel::sql_query(
        "UPDATE saved_searches SET state = 'active', confirmed_at = now() \
         WHERE id = $1 AND state = 'pending'",
    )
    .bind::<BigInt, _>(id)
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// Deletes a subscription with its address, keys, matches and entries.
pub async fn delete(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
    let n = diesel::sql_query("DELETE FROM saved_searches WHERE id = $1")
        .bind::<BigInt, _>(id)
        .execute(conn)
        .await?;
    Ok(n > 0)
}

/// An entry as the feed and the digest show it: the plot as it is now.
#[derive(Debug, Clone, QueryableByName)]
pub struct EntryRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub reason: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub title_de: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub title_en: Option<String>,
    #[diesel(sql_type = Text)]
    pub municipality: String,
    /// Units: m². The stated area, else the geodesic one.
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub area_m2: f64,
}

const ENTRY_COLUMNS: &str = "e.id, e.reason, e.created_at, p.reference, p.title_de, \
    p.title_en, m.name AS municipality, coalesce(p.area_stated_m2::float8, p.area_geodesic_m2) AS area_m2 \
    FROM saved_search_entries e JOIN plots p ON p.id = e.plot_id AND p.published \
    JOIN municipalities m ON m.id = p.municipality_id";

/// The newest entries of a subscription whose plots are still published, newest first.
pub async fn feed_entries(
    conn: &mut AsyncPgConnection,
    id: i64,
    limit: i64,
) -> QueryResult<Vec<EntryRow>> {
    diesel::sql_query(format!(
        "SELECT {ENTRY_COLUMNS} WHERE e.saved_search_id = $1 ORDER BY e.id DESC LIMIT $2"
    ))
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// A subscription the worker evaluates.
#[derive(Debug, Clone, QueryableByName)]
pub struct Tracked {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub params: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub area: Option<String>,
    #[diesel(sql_type = Text)]
    pub relation: String,
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
}

/// Up to `limit` subscriptions behind change `end`, furthest behind first, locked for this
/// transaction (another instance's worker skips them).
pub async fn behind(
    conn: &mut AsyncPgConnection,
    end: i64,
    limit: i64,
) -> QueryResult<Vec<Tracked>> {
    diesel::sql_query(
        "SELECT id, params::text AS params, area, relation, seq FROM saved_searches \
         WHERE seq < $1 ORDER BY seq, id LIMIT $2 FOR UPDATE SKIP LOCKED",
    )
    .bind::<BigInt, _>(end)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// Moves a subscription's position on.
pub async fn advance(conn: &mut AsyncPgConnection, id: i64, seq: i64) -> QueryResult<()> {
    diesel::sql_query("UPDATE saved_searches SET seq = $2 WHERE id = $1")
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(seq)
        .execute(conn)
        .await?;
    Ok(())
}

/// Evaluates a search on the plots changed in `(from, to]` (`query.ids`): plots that match
/// and did not get an entry (with the reason the last of their changes gives), plots that no
/// longer match leave the set. Returns (entries made, plots that left).
pub async fn apply(
    conn: &mut AsyncPgConnection,
    id: i64,
    query: &PlotQuery,
    from: i64,
    to: i64,
) -> QueryResult<(i64, i64)> {
    let public = PlotSet::Readable(ReadScope::Public);
    let changed = Bind::I64s(query.ids.clone());
    let statement = sql![
        "WITH now AS (SELECT plots.id FROM plots",
        where_clause(query, &public),
        "), gone AS (DELETE FROM saved_search_matches x WHERE x.saved_search_id = ",
        Bind::I64(id),
        " AND x.plot_id = ANY(",
        changed,
        ") AND x.plot_id NOT IN (SELECT id FROM now) RETURNING 1), \
         added AS (INSERT INTO saved_search_matches (saved_search_id, plot_id) SELECT ",
        Bind::I64(id),
        ", id FROM now ON CONFLICT DO NOTHING RETURNING plot_id), \
         entries AS (INSERT INTO saved_search_entries (saved_search_id, plot_id, seq, reason) \
           SELECT ",
        Bind::I64(id),
        ", a.plot_id, c.seq, CASE WHEN c.kind = 'published' THEN 'published' \
             WHEN h.changes @> '[{\"field\": \"status\"}]' THEN 'status' \
             WHEN h.changes @> '[{\"field\": \"price_min_eur_m2\"}]' \
               OR h.changes @> '[{\"field\": \"price_on_request\"}]' THEN 'price' \
             ELSE 'changed' END \
           FROM added a \
           JOIN LATERAL (SELECT seq, kind FROM plot_changes WHERE plot_id = a.plot_id AND seq > ",
        Bind::I64(from),
        " AND seq <= ",
        Bind::I64(to),
        " ORDER BY seq DESC LIMIT 1) c ON true \
           LEFT JOIN LATERAL (SELECT changes FROM plot_history WHERE plot_id = a.plot_id \
             ORDER BY id DESC LIMIT 1) h ON true \
           RETURNING 1) \
         SELECT (SELECT count(*) FROM entries), (SELECT count(*) FROM gone)"
    ];
    statement
        .query::<(BigInt, BigInt)>()
        .get_result::<(i64, i64)>(conn)
        .await
}

/// A digest that is due.
#[derive(Debug, Clone, QueryableByName)]
pub struct DueDigest {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub language: String,
}

/// One confirmed subscription with entries not yet mailed and no digest within `every_hours`,
/// locked for this transaction (no two instances mail it).
pub async fn claim_digest(
    conn: &mut AsyncPgConnection,
    every_hours: u32,
) -> QueryResult<Option<DueDigest>> {
    diesel::sql_query(
        "SELECT s.id, s.email, s.language FROM saved_searches s \
         WHERE s.state = 'active' AND s.email IS NOT NULL \
           AND (s.last_digest_at IS NULL OR s.last_digest_at <= now() - make_interval(hours => $1)) \
           AND EXISTS (SELECT 1 FROM saved_search_entries e \
                       WHERE e.saved_search_id = s.id AND e.mailed_at IS NULL) \
         ORDER BY s.last_digest_at NULLS FIRST, s.id LIMIT 1 FOR UPDATE OF s SKIP LOCKED",
    )
    .bind::<Integer, _>(i32::try_from(every_hours).unwrap_or(i32::MAX))
    .get_result(conn)
    .await
    .optional()
}

/// The entries a digest of `id` tells (not yet mailed, plots still published), oldest first,
/// and the newest unmailed entry's id (to mark what was told).
pub async fn unmailed(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> QueryResult<(Vec<EntryRow>, Option<i64>)> {
    let rows: Vec<EntryRow> = diesel::sql_query(format!(
        "SELECT {ENTRY_COLUMNS} WHERE e.saved_search_id = $1 AND e.mailed_at IS NULL \
         ORDER BY e.id"
    ))
    .bind::<BigInt, _>(id)
    .load(conn)
    .await?;
    #[derive(QueryableByName)]
    struct Max {
        #[diesel(sql_type = Nullable<BigInt>)]
        id: Option<i64>,
    }
    let max: Max = diesel::sql_query(
        "SELECT max(id) AS id FROM saved_search_entries \
         WHERE saved_search_id = $1 AND mailed_at IS NULL",
    )
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await?;
    Ok((rows, max.id))
}

/// Marks the entries up to `last` as mailed and, when one was `sent`, the digest as sent now.
pub async fn mailed(
    conn: &mut AsyncPgConnection,
    id: i64,
    last: i64,
    sent: bool,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE saved_search_entries SET mailed_at = now() \
         WHERE saved_search_id = $1 AND mailed_at IS NULL AND id <= $2",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(last)
    .execute(conn)
    .await?;
    if sent {
        diesel::sql_query("UPDATE saved_searches SET last_digest_at = now() WHERE id = $1")
            .bind::<BigInt, _>(id)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// What retention removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    /// Never confirmed within the time.
    pub unconfirmed: usize,
    /// Feed-only, unread for the time.
    pub unused: usize,
    /// Entries past their keeping time.
    pub entries: usize,
}

/// Deletes unconfirmed subscriptions older than `confirm_hours`, feed-only ones not used for
/// `unused_days`, and entries older than `entry_days`.
pub async fn expire(
    conn: &mut AsyncPgConnection,
    confirm_hours: u32,
    unused_days: u32,
    entry_days: i32,
) -> QueryResult<Expired> {
    let unconfirmed = diesel::sql_query(
        "DELETE FROM saved_searches WHERE state = 'pending' \
         AND created_at < now() - make_interval(hours => $1)",
    )
    .bind::<Integer, _>(i32::try_from(confirm_hours).unwrap_or(i32::MAX))
    .execute(conn)
    .await?;
    let unused = diesel::sql_query(
        "DELETE FROM saved_searches WHERE email IS NULL \
         AND used_at < now() - make_interval(days => $1)",
    )
    .bind::<Integer, _>(i32::try_from(unused_days).unwrap_or(i32::MAX))
    .execute(conn)
    .await?;
    let entries = diesel::sql_query(
        "DELETE FROM saved_search_entries WHERE created_at < now() - make_interval(days => $1)",
    )
    .bind::<Integer, _>(entry_days)
    .execute(conn)
    .await?;
    Ok(Expired {
        unconfirmed,
        unused,
        entries,
    })
}

/// Counts for staff: nothing personal.
#[derive(Debug, Clone, QueryableByName)]
pub struct Counts {
    #[diesel(sql_type = BigInt)]
    pub active_feed_only: i64,
    #[diesel(sql_type = BigInt)]
    pub active_email: i64,
    #[diesel(sql_type = BigInt)]
    pub pending: i64,
    #[diesel(sql_type = BigInt)]
    pub entries_30_days: i64,
    #[diesel(sql_type = BigInt)]
    pub digests_30_days: i64,
    /// How far the furthest-behind subscription is behind the change feed. Units: changes.
    #[diesel(sql_type = BigInt)]
    pub lag: i64,
}

pub async fn counts(conn: &mut AsyncPgConnection) -> QueryResult<Counts> {
    diesel::sql_query(
        "SELECT \
           (SELECT count(*) FROM saved_searches WHERE state = 'active' AND email IS NULL) AS active_feed_only, \
           (SELECT count(*) FROM saved_searches WHERE state = 'active' AND email IS NOT NULL) AS active_email, \
           (SELECT count(*) FROM saved_searches WHERE state = 'pending') AS pending, \
           (SELECT count(*) FROM saved_search_entries WHERE created_at > now() - interval '30 days') AS entries_30_days, \
           (SELECT count(DISTINCT (saved_search_id, mailed_at)) FROM saved_search_entries \
              WHERE mailed_at > now() - interval '30 days') AS digests_30_days, \
           coalesce((SELECT max(seq) FROM plot_changes) - (SELECT min(seq) FROM saved_searches), 0) AS lag",
    )
    .get_result(conn)
    .await
}

/// A person's subscriptions, for a request for access (by address, case-insensitive).
#[derive(Debug, Clone, QueryableByName)]
pub struct PersonRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub language: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    /// The saved filters (a JSON object, as text).
    #[diesel(sql_type = Text)]
    pub params: String,
    /// Whether a drawn area is part of the search.
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub has_area: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub consent_version: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub confirmed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_digest_at: Option<DateTime<Utc>>,
}

pub async fn of_person(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Vec<PersonRow>> {
    diesel::sql_query(
        "SELECT id, email, language, state, params::text AS params, area IS NOT NULL AS has_area, \
                consent_version, created_at, confirmed_at, last_digest_at \
         FROM saved_searches WHERE lower(email) = lower($1) ORDER BY id",
    )
    .bind::<Text, _>(email.trim())
    .load(conn)
    .await
}

/// Deletes a person's subscriptions (a request for erasure). Returns how many.
pub async fn erase_person(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM saved_searches WHERE lower(email) = lower($1)")
        .bind::<Text, _>(email.trim())
        .execute(conn)
        .await
}
