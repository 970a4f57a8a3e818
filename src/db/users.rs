//! Accounts, their municipalities, and bearer tokens. Tokens are looked up by their SHA-256;
//! passwords are stored as Argon2id PHC strings. Neither secret ever leaves this table in clear.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::{auth_tokens, municipalities, user_municipalities, users};

diesel::define_sql_function! {
    /// E-mail addresses are unique and matched case-insensitively (index `users_email_key`).
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `de` or `en`: the language of the mails the account gets.
    pub language: String,
}

/// A user with the AGS and ids of their municipalities.
#[derive(Debug, Clone)]
pub struct UserWithScope {
    pub user: UserRow,
    pub municipalities: Vec<(i64, String, String)>,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub municipality_ids: &'a [i64],
    pub language: &'a str,
}

/// Creates an account with its municipalities. Run it inside a transaction.
pub async fn insert(conn: &mut AsyncPgConnection, user: &NewUser<'_>) -> QueryResult<i64> {
    let id: i64 = diesel::insert_into(users::table)
        .values((
            users::email.eq(user.email),
            users::display_name.eq(user.display_name),
            users::role.eq(user.role),
            users::password_hash.eq(user.password_hash),
            users::language.eq(user.language),
        ))
        .returning(users::id)
        .get_result(conn)
        .await?;
    set_municipalities(conn, id, user.municipality_ids).await?;
    Ok(id)
}

pub async fn set_municipalities(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    municipality_ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(user_municipalities::table.filter(user_municipalities::user_id.eq(user_id)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = municipality_ids
        .iter()
        .map(|m| {
            (
                user_municipalities::user_id.eq(user_id),
                user_municipalities::municipality_id.eq(*m),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(user_municipalities::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(lower(users::email).eq(lower(email)))
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn by_id(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<UserWithScope>> {
    let Some(user) = users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let municipalities = scope_of(conn, &[id]).await?;
    Ok(Some(UserWithScope {
        user,
        municipalities: municipalities.into_iter().map(|(_, m)| m).collect(),
    }))
}

async fn scope_of(
    conn: &mut AsyncPgConnection,
    user_ids: &[i64],
) -> QueryResult<Vec<(i64, (i64, String, String))>> {
    user_municipalities::table
        .inner_join(municipalities::table)
        .filter(user_municipalities::user_id.eq_any(user_ids))
        .order((user_municipalities::user_id, municipalities::ags))
        .select((
            user_municipalities::user_id,
            (
                municipalities::id,
                municipalities::ags,
                municipalities::name,
            ),
        ))
        .load(conn)
        .await
}

pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<UserWithScope>> {
    let rows: Vec<UserRow> = users::table
        .order(users::id)
        .select(UserRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|u| u.id).collect();
    let scopes = scope_of(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|user| UserWithScope {
            municipalities: scopes
                .iter()
                .filter(|(u, _)| *u == user.id)
                .map(|(_, m)| m.clone())
                .collect(),
            user,
        })
        .collect())
}

/// Changes the given attributes of an account. Deactivating it or changing its password or
/// role revokes every token it holds, so the change takes effect at once.
#[derive(Default)]
pub struct UserUpdate<'a> {
    pub display_name: Option<&'a str>,
    pub role: Option<&'a str>,
    pub language: Option<&'a str>,
    pub active: Option<bool>,
    pub password_hash: Option<&'a str>,
    pub municipality_ids: Option<&'a [i64]>,
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: i64,
    change: &UserUpdate<'_>,
) -> QueryResult<bool> {
    let target = users::table.filter(users::id.eq(id));
    let found: Option<i64> = diesel::update(target)
        .set(users::updated_at.eq(diesel::dsl::now))
        .returning(users::id)
        .get_result(conn)
        .await
        .optional()?;
    if found.is_none() {
        return Ok(false);
    }
    if let Some(name) = change.display_name {
        diesel::update(target)
            .set(users::display_name.eq(name))
            .execute(conn)
            .await?;
    }
    if let Some(role) = change.role {
        diesel::update(target)
            .set(users::role.eq(role))
            .execute(conn)
            .await?;
    }
    if let Some(language) = change.language {
        diesel::update(target)
            .set(users::language.eq(language))
            .execute(conn)
            .await?;
    }
    if let Some(active) = change.active {
        diesel::update(target)
            .set(users::active.eq(active))
            .execute(conn)
            .await?;
    }
    if let Some(hash) = change.password_hash {
        diesel::update(target)
            .set(users::password_hash.eq(hash))
            .execute(conn)
            .await?;
        // A new password lifts a login lock of the account's address.
        diesel::sql_query(
            "DELETE FROM login_throttle \
             WHERE key = (SELECT sha256(convert_to(lower(btrim(email)), 'UTF8')) FROM users WHERE id = $1)",
        )
        .bind::<diesel::sql_types::BigInt, _>(id)
        .execute(conn)
        .await?;
    }
    if let Some(ids) = change.municipality_ids {
        set_municipalities(conn, id, ids).await?;
    }
    if change.active == Some(false) || change.password_hash.is_some() || change.role.is_some() {
        revoke_all(conn, id).await?;
    }
    Ok(true)
}

/// What a login attempt found of its address's throttle.
#[derive(Debug, Clone, QueryableByName)]
pub struct Attempt {
    /// Failures counted so far, this attempt included (it counts as one until it succeeds).
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub failures: i32,
}

/// Counts one login attempt for the address hashed to `key`, before the password is checked:
/// `None` while the address is locked. One statement, so that parallel guesses at the moment a
/// lock ends are counted one after another (the row lock orders them) and the lock they run
/// into is the one the attempt before them set. The schedule: `rules` (`domain::credentials`).
pub async fn claim_login_attempt(
    conn: &mut AsyncPgConnection,
    key: &[u8],
    rules: &crate::domain::credentials::LockRules,
) -> QueryResult<Option<Attempt>> {
    // The count after this attempt: the stored one less one per `$4` seconds since the last
    // failure (never below 0), plus this one (`LockRules::counted`).
    const COUNTED: &str = "(greatest(0, t.failures - \
         floor(extract(epoch FROM now() - t.last_failure_at) / $4)::int) + 1)";
    diesel::sql_query(format!(
        "INSERT INTO login_throttle AS t (key, failures, last_failure_at, locked_until) \
         VALUES ($1, 1, now(), CASE WHEN 1 >= $2 THEN now() + interval '1 minute' END) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = {COUNTED}, \
           last_failure_at = now(), \
           locked_until = CASE WHEN {COUNTED} >= $2 \
             THEN now() + make_interval(mins => least($3, power(2, least(30, {COUNTED} - $2)))::int) \
           END \
         WHERE t.locked_until IS NULL OR t.locked_until <= now() \
         RETURNING failures"
    ))
    .bind::<diesel::sql_types::Bytea, _>(key)
    .bind::<diesel::sql_types::Integer, _>(rules.lock_after_failures)
    .bind::<diesel::sql_types::Integer, _>(rules.max_lock_minutes)
    .bind::<diesel::sql_types::Double, _>(rules.forget_one_every.as_secs_f64())
    .get_result(conn)
    .await
    .optional()
}

/// Drops the throttle rows of addresses nobody has tried for a day (their count has long leaked
/// away): someone trying random addresses would otherwise grow the table without end.
pub async fn forget_old_login_failures(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM login_throttle WHERE last_failure_at < now() - interval '1 day' \
         AND (locked_until IS NULL OR locked_until < now())",
    )
    .execute(conn)
    .await
}

/// Until when the address hashed to `key` is locked (for `Retry-After`).
pub async fn locked_until(
    conn: &mut AsyncPgConnection,
    key: &[u8],
) -> QueryResult<Option<DateTime<Utc>>> {
    use crate::schema::login_throttle as t;
    t::table
        .filter(t::key.eq(key))
        .select(t::locked_until)
        .first::<Option<DateTime<Utc>>>(conn)
        .await
        .optional()
        .map(Option::flatten)
}

/// Sets an account's own new password (checked and hashed by the caller).
pub async fn set_password(conn: &mut AsyncPgConnection, id: i64, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::password_hash.eq(hash),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A successful login forgets the address's failures.
pub async fn login_succeeded(conn: &mut AsyncPgConnection, key: &[u8]) -> QueryResult<()> {
    use crate::schema::login_throttle as t;
    diesel::delete(t::table.filter(t::key.eq(key)))
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auth_tokens, check_for_backend(diesel::pg::Pg))]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub scopes: Vec<String>,
}

pub async fn insert_token(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    kind: &str,
    name: Option<&str>,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
    scopes: &[&str],
) -> QueryResult<TokenRow> {
    diesel::insert_into(auth_tokens::table)
        .values((
            auth_tokens::user_id.eq(user_id),
            auth_tokens::kind.eq(kind),
            auth_tokens::name.eq(name),
            auth_tokens::token_hash.eq(token_hash),
            auth_tokens::expires_at.eq(expires_at),
            auth_tokens::scopes.eq(scopes),
        ))
        .returning(TokenRow::as_returning())
        .get_result(conn)
        .await
}

/// The account behind a live token: not revoked, not expired, account active.
#[derive(Debug, Clone, QueryableByName)]
pub struct TokenOwner {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub token_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub user_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub role: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub display_name: String,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::BigInt>)]
    pub municipalities: Vec<i64>,
    /// What the token may do (`domain::access::Scope`).
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Text>)]
    pub scopes: Vec<String>,
}

pub async fn owner_of_token(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> QueryResult<Option<TokenOwner>> {
    // One round trip. `last_used_at` is written at most once a minute per token, so
    // authenticated requests do not each cost a row update (a data-modifying CTE always runs).
    diesel::sql_query(
        "WITH t AS (SELECT id, user_id, last_used_at, scopes FROM auth_tokens \
                    WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()), \
              touched AS (UPDATE auth_tokens a SET last_used_at = now() FROM t \
                    WHERE a.id = t.id \
                      AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')) \
         SELECT t.id AS token_id, u.id AS user_id, u.role, u.display_name, \
                ARRAY(SELECT um.municipality_id FROM user_municipalities um \
                      WHERE um.user_id = u.id ORDER BY 1) AS municipalities, t.scopes \
         FROM t JOIN users u ON u.id = t.user_id WHERE u.active",
    )
    .bind::<diesel::sql_types::Bytea, _>(token_hash)
    .get_result(conn)
    .await
    .optional()
}

pub async fn tokens_of(conn: &mut AsyncPgConnection, user_id: i64) -> QueryResult<Vec<TokenRow>> {
    auth_tokens::table
        .filter(auth_tokens::user_id.eq(user_id))
        .filter(auth_tokens::kind.eq("api"))
        .filter(auth_tokens::revoked_at.is_null())
        .filter(auth_tokens::expires_at.gt(diesel::dsl::now))
        .order(auth_tokens::id)
        .select(TokenRow::as_select())
        .load(conn)
        .await
}

/// Revokes token `id` if it belongs to `user_id`; false if there is no such live token.
pub async fn revoke(conn: &mut AsyncPgConnection, id: i64, user_id: i64) -> QueryResult<bool> {
    diesel::update(
        auth_tokens::table
            .filter(auth_tokens::id.eq(id))
            .filter(auth_tokens::user_id.eq(user_id))
            .filter(auth_tokens::revoked_at.is_null()),
    )
    .set(auth_tokens::revoked_at.eq(Some(Utc::now())))
    .execute(conn)
    .await
    .map(|n| n > 0)
}

/// Revokes every login session of `user_id` but `keep` (API tokens stay).
pub async fn revoke_sessions(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    keep: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(
        auth_tokens::table
            .filter(auth_tokens::user_id.eq(user_id))
            .filter(auth_tokens::kind.eq("session"))
            .filter(auth_tokens::id.ne(keep.unwrap_or(0)))
            .filter(auth_tokens::revoked_at.is_null()),
    )
    .set(auth_tokens::revoked_at.eq(Some(Utc::now())))
    .execute(conn)
    .await
}

pub async fn revoke_all(conn: &mut AsyncPgConnection, user_id: i64) -> QueryResult<usize> {
    diesel::update(
        auth_tokens::table
            .filter(auth_tokens::user_id.eq(user_id))
            .filter(auth_tokens::revoked_at.is_null()),
    )
    .set(auth_tokens::revoked_at.eq(Some(Utc::now())))
    .execute(conn)
    .await
}

/// Municipality ids for AGS keys, in the order given; unknown keys are returned separately.
pub async fn municipality_ids_by_ags(
    conn: &mut AsyncPgConnection,
    keys: &[String],
) -> QueryResult<(Vec<i64>, Vec<String>)> {
    let found: Vec<(i64, String)> = municipalities::table
        .filter(municipalities::ags.eq_any(keys))
        .select((municipalities::id, municipalities::ags))
        .load(conn)
        .await?;
    let mut ids = Vec::new();
    let mut unknown = Vec::new();
    for key in keys {
        match found.iter().find(|(_, ags)| ags == key) {
            Some((id, _)) => ids.push(*id),
            None => unknown.push(key.clone()),
        }
    }
    Ok((ids, unknown))
}
