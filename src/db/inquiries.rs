//! Inquiries (migration 000017): storing them routed per town, the staff pipeline with its
//! history, and the privacy operations (anonymise after the retention time, export and erase
//! one person's data). Personal data lives in `contact_*`, `message` and the notes only.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use crate::domain::access::InquiryScope;
use crate::domain::inquiry::NewInquiry;
use crate::domain::plot::PlotKey;

/// A published plot named in an inquiry.
#[derive(Debug, Clone, QueryableByName)]
pub struct NamedPlot {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[diesel(sql_type = BigInt)]
    pub municipality_id: i64,
}

/// The published plots among `keys` (ids or references); others (drafts, deleted, unknown)
/// are missing from the answer.
pub async fn published_plots(
    conn: &mut AsyncPgConnection,
    keys: &[PlotKey],
) -> QueryResult<Vec<NamedPlot>> {
    let (mut ids, mut refs) = (Vec::new(), Vec::new());
    for key in keys {
        match key {
            PlotKey::Id(id) => ids.push(*id),
            PlotKey::Reference(r) => refs.push(r.clone()),
        }
    }
    diesel::sql_query(
        "SELECT id, reference, municipality_id FROM plots \
         WHERE (id = ANY($1) OR reference = ANY($2)) AND published AND deleted_at IS NULL",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<Text>, _>(refs)
    .load(conn)
    .await
}

/// Stores one inquiry per route (a municipality with its plots, or `None` for a profile), all
/// of one submission, each with its `created` history entry. Returns their ids. Run it in a
/// transaction.
pub async fn create(
    conn: &mut AsyncPgConnection,
    new: &NewInquiry,
    routes: &[(Option<i64>, Vec<i64>)],
) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let submission: Id = diesel::sql_query("SELECT nextval('inquiry_submissions') AS id")
        .get_result(conn)
        .await?;
    let profile = new
        .profile
        .as_ref()
        .map(|p| serde_json::to_value(p).unwrap_or(Value::Null));
    let kind = if new.profile.is_some() {
        "profile"
    } else {
        "plots"
    };
    let mut ids = Vec::new();
    for (municipality, plots) in routes {
        let row: Id = diesel::sql_query(
            "INSERT INTO inquiries (submission, kind, municipality_id, plot_ids, profile, source, \
               message, contact_name, contact_company, contact_email, contact_phone, language, \
               consent_version, consent_at, shortlist_code) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now(), $14) \
             RETURNING id",
        )
        .bind::<BigInt, _>(submission.id)
        .bind::<Text, _>(kind)
        .bind::<Nullable<BigInt>, _>(*municipality)
        .bind::<Array<BigInt>, _>(plots)
        .bind::<Nullable<Jsonb>, _>(profile.clone())
        .bind::<Text, _>(new.source.as_str())
        .bind::<Nullable<Text>, _>(new.message.as_deref())
        .bind::<Text, _>(&new.name)
        .bind::<Nullable<Text>, _>(new.company.as_deref())
        .bind::<Text, _>(&new.email)
        .bind::<Nullable<Text>, _>(new.phone.as_deref())
        .bind::<Text, _>(new.language.code())
        .bind::<Text, _>(&new.consent_version)
        .bind::<Nullable<Text>, _>(new.shortlist.as_ref().map(|c| c.as_str()))
        .get_result(conn)
        .await?;
        add_history(conn, row.id, None, "inquirer", "created", &Value::Null).await?;
        ids.push(row.id);
    }
    Ok(ids)
}

/// One inquiry as staff read it.
#[derive(Debug, Clone, QueryableByName)]
pub struct InquiryRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub submission: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub municipality_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub municipality_name: Option<String>,
    #[diesel(sql_type = Array<BigInt>)]
    pub plot_ids: Vec<i64>,
    #[diesel(sql_type = Array<Text>)]
    pub plot_references: Vec<String>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub profile: Option<Value>,
    #[diesel(sql_type = Text)]
    pub source: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub message: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub contact_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub contact_company: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub contact_email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub contact_phone: Option<String>,
    #[diesel(sql_type = Text)]
    pub language: String,
    #[diesel(sql_type = Text)]
    pub consent_version: String,
    #[diesel(sql_type = Timestamptz)]
    pub consent_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub lost_reason: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub assignee_id: Option<i64>,
    #[diesel(sql_type = Integer)]
    pub version: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub first_response_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub closed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub anonymised_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub shortlist_code: Option<String>,
}

const COLUMNS: &str = "i.id, i.submission, i.kind, i.municipality_id, \
    (SELECT m.name FROM municipalities m WHERE m.id = i.municipality_id) AS municipality_name, \
    i.plot_ids, \
    coalesce((SELECT array_agg(p.reference ORDER BY p.reference) FROM plots p \
              WHERE p.id = ANY(i.plot_ids)), '{}') AS plot_references, \
    i.profile, i.source, i.message, i.contact_name, i.contact_company, i.contact_email, \
    i.contact_phone, i.language, i.consent_version, i.consent_at, i.status, i.lost_reason, \
    i.assignee_id, i.version, i.created_at, i.updated_at, i.first_response_at, i.closed_at, \
    i.anonymised_at, i.shortlist_code";

/// `scope` as SQL over `inquiries i`, with `$1` bound to its municipalities (empty for the
/// region).
fn scope_sql(scope: &InquiryScope) -> (&'static str, Vec<i64>) {
    match scope {
        InquiryScope::Region => ("TRUE", Vec::new()),
        InquiryScope::Municipalities(own) => ("i.municipality_id = ANY($1)", own.clone()),
    }
}

/// Filters of a list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub statuses: Vec<String>,
    pub municipality_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub kind: Option<String>,
    /// Keyset: only inquiries with a smaller id (newest first).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Inquiries in `scope` matching `filter`, newest first, at most `limit + 1`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &InquiryScope,
    f: &Filter,
) -> QueryResult<Vec<InquiryRow>> {
    let (scope, own) = scope_sql(scope);
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM inquiries i WHERE {scope} \
           AND (cardinality($2::text[]) = 0 OR i.status = ANY($2)) \
           AND ($3::bigint IS NULL OR i.municipality_id = $3) \
           AND ($4::bigint IS NULL OR i.assignee_id = $4) \
           AND ($5::text IS NULL OR i.kind = $5) \
           AND ($6::bigint IS NULL OR i.id < $6) \
         ORDER BY i.id DESC LIMIT $7"
    ))
    .bind::<Array<BigInt>, _>(own)
    .bind::<Array<Text>, _>(&f.statuses)
    .bind::<Nullable<BigInt>, _>(f.municipality_id)
    .bind::<Nullable<BigInt>, _>(f.assignee_id)
    .bind::<Nullable<Text>, _>(f.kind.as_deref())
    .bind::<Nullable<BigInt>, _>(f.before_id)
    .bind::<BigInt, _>(f.limit + 1)
    .load(conn)
    .await
}

/// One inquiry in `scope`; `lock` holds it until the end of the transaction.
pub async fn get(
    conn: &mut AsyncPgConnection,
    scope: &InquiryScope,
    id: i64,
    lock: bool,
) -> QueryResult<Option<InquiryRow>> {
    let (scope, own) = scope_sql(scope);
    let lock = if lock { " FOR UPDATE OF i" } else { "" };
    let rows: Vec<InquiryRow> = diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM inquiries i WHERE {scope} AND i.id = $2{lock}"
    ))
    .bind::<Array<BigInt>, _>(own)
    .bind::<BigInt, _>(id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

/// What a change sets (already checked by the pipeline's rules).
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub status: Option<String>,
    pub lost_reason: Option<Option<String>>,
    pub assignee_id: Option<Option<i64>>,
    /// Sets `first_response_at` if it is empty.
    pub responded: bool,
    /// Sets `closed_at`.
    pub closes: bool,
}

/// Applies `change` to inquiry `id` and bumps its version (locked by `get(…, true)` first).
pub async fn apply(conn: &mut AsyncPgConnection, id: i64, c: &Change) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE inquiries SET \
           status = coalesce($2, status), \
           lost_reason = CASE WHEN $3 THEN $4 ELSE lost_reason END, \
           assignee_id = CASE WHEN $5 THEN $6 ELSE assignee_id END, \
           first_response_at = CASE WHEN $7 THEN coalesce(first_response_at, now()) \
                                    ELSE first_response_at END, \
           closed_at = CASE WHEN $8 THEN now() ELSE closed_at END, \
           version = version + 1, updated_at = now() \
         WHERE id = $1",
    )
    .bind::<BigInt, _>(id)
    .bind::<Nullable<Text>, _>(c.status.as_deref())
    .bind::<diesel::sql_types::Bool, _>(c.lost_reason.is_some())
    .bind::<Nullable<Text>, _>(c.lost_reason.clone().flatten())
    .bind::<diesel::sql_types::Bool, _>(c.assignee_id.is_some())
    .bind::<Nullable<BigInt>, _>(c.assignee_id.flatten())
    .bind::<diesel::sql_types::Bool, _>(c.responded)
    .bind::<diesel::sql_types::Bool, _>(c.closes)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn add_history(
    conn: &mut AsyncPgConnection,
    inquiry_id: i64,
    user_id: Option<i64>,
    actor: &str,
    action: &str,
    changes: &Value,
) -> QueryResult<()> {
    let changes = if changes.is_null() {
        serde_json::json!({})
    } else {
        changes.clone()
    };
    diesel::sql_query(
        "INSERT INTO inquiry_history (inquiry_id, user_id, actor, action, changes) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind::<BigInt, _>(inquiry_id)
    .bind::<Nullable<BigInt>, _>(user_id)
    .bind::<Text, _>(actor)
    .bind::<Text, _>(action)
    .bind::<Jsonb, _>(changes)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, QueryableByName)]
pub struct HistoryRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub inquiry_id: i64,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub user_id: Option<i64>,
    #[diesel(sql_type = Text)]
    pub actor: String,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Jsonb)]
    pub changes: Value,
}

/// The history of these inquiries, oldest first.
pub async fn history(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<HistoryRow>> {
    diesel::sql_query(
        "SELECT id, inquiry_id, at, user_id, actor, action, changes FROM inquiry_history \
         WHERE inquiry_id = ANY($1) ORDER BY inquiry_id, id",
    )
    .bind::<Array<BigInt>, _>(ids)
    .load(conn)
    .await
}

/// An account that may be assigned inquiries: its role and municipalities (active only).
#[derive(Debug, Clone, QueryableByName)]
pub struct Account {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Array<BigInt>)]
    pub municipalities: Vec<i64>,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub language: String,
}

const ACCOUNT: &str = "SELECT u.id, u.role, u.email, u.language, \
    coalesce((SELECT array_agg(um.municipality_id) FROM user_municipalities um \
              WHERE um.user_id = u.id), '{}') AS municipalities FROM users u WHERE u.active";

pub async fn account(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Account>> {
    let rows: Vec<Account> = diesel::sql_query(format!("{ACCOUNT} AND u.id = $1"))
        .bind::<BigInt, _>(id)
        .load(conn)
        .await?;
    Ok(rows.into_iter().next())
}

/// Every active admin and editor (whom to notify is decided by `access::notified`).
pub async fn staff(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Account>> {
    diesel::sql_query(format!(
        "{ACCOUNT} AND u.role IN ('admin', 'editor') ORDER BY u.id"
    ))
    .load(conn)
    .await
}

/// Records that the mails of inquiry `id` went out.
pub async fn mark_mailed(
    conn: &mut AsyncPgConnection,
    id: i64,
    staff: bool,
    confirmation: bool,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE inquiries SET \
           staff_notified_at = CASE WHEN $2 THEN now() ELSE staff_notified_at END, \
           confirmation_sent_at = CASE WHEN $3 THEN now() ELSE confirmation_sent_at END \
         WHERE id = $1",
    )
    .bind::<BigInt, _>(id)
    .bind::<diesel::sql_types::Bool, _>(staff)
    .bind::<diesel::sql_types::Bool, _>(confirmation)
    .execute(conn)
    .await?;
    Ok(())
}

/// Clears the personal data of the inquiries chosen by `condition` (over `inquiries`, `$1`
/// bound to `bind`): contact, message, the notes' texts; the rest (profile, plots, status,
/// times) stays for the figures. Each gets an `anonymised` history entry. Returns how many.
async fn anonymise_where(
    conn: &mut AsyncPgConnection,
    condition: &str,
    bind: &str,
    why: &str,
) -> QueryResult<usize> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let ids: Vec<Id> = diesel::sql_query(format!(
        "UPDATE inquiries SET contact_name = NULL, contact_company = NULL, \
           contact_email = NULL, contact_phone = NULL, message = NULL, \
           anonymised_at = now(), version = version + 1, updated_at = now() \
         WHERE anonymised_at IS NULL AND ({condition}) RETURNING id"
    ))
    .bind::<Text, _>(bind)
    .load(conn)
    .await?;
    let ids: Vec<i64> = ids.into_iter().map(|r| r.id).collect();
    diesel::sql_query(
        "UPDATE inquiry_history SET changes = jsonb_set(changes, '{note}', 'null') \
         WHERE inquiry_id = ANY($1) AND changes ? 'note'",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .execute(conn)
    .await?;
    for id in &ids {
        add_history(
            conn,
            *id,
            None,
            "system",
            "anonymised",
            &serde_json::json!({ "reason": why }),
        )
        .await?;
    }
    Ok(ids.len())
}

/// Anonymises inquiries without activity for `days` days (retention). Returns how many.
pub async fn anonymise_expired(conn: &mut AsyncPgConnection, days: u32) -> QueryResult<usize> {
    anonymise_where(
        conn,
        "updated_at < now() - make_interval(days => $1::int)",
        &days.to_string(),
        "retention",
    )
    .await
}

/// Anonymises every inquiry of `email` (any case): an erasure request. Returns how many.
pub async fn erase_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<usize> {
    anonymise_where(
        conn,
        "lower(contact_email) = lower($1)",
        email.trim(),
        "erasure request",
    )
    .await
}

/// Every inquiry of `email` (any case), oldest first.
pub async fn by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Vec<InquiryRow>> {
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM inquiries i WHERE lower(i.contact_email) = lower($1) ORDER BY i.id"
    ))
    .bind::<Text, _>(email.trim())
    .load(conn)
    .await
}
