//! Accounts as the API sees them: login and logout, the caller's own account and API tokens,
//! and account management for admins (`/users`).

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::extract::{Caller, JsonBody};
use super::AppState;
use crate::db;
use crate::db::users::{TokenRow, UserWithScope};
use crate::domain::access::{self, Role};
use crate::domain::credentials;
use crate::domain::FieldError;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "anna.schmidt@ludwigslust.example")]
    pub email: String,
    #[schema(format = Password)]
    pub password: String,
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    /// Send as `Authorization: Bearer <token>`. Shown only now; the service stores a hash.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    pub expires_at: DateTime<Utc>,
    pub account: Account,
}

/// An account. Never carries its password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// The municipalities an editor maintains.
    pub municipalities: Vec<AccountMunicipality>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountMunicipality {
    pub id: i64,
    /// Amtlicher Gemeindeschlüssel.
    pub ags: String,
    pub name: String,
}

impl From<UserWithScope> for Account {
    fn from(u: UserWithScope) -> Self {
        Account {
            id: u.user.id,
            email: u.user.email,
            display_name: u.user.display_name,
            role: Role::parse(&u.user.role).unwrap_or(Role::Viewer),
            municipalities: u
                .municipalities
                .into_iter()
                .map(|(id, ags, name)| AccountMunicipality { id, ags, name })
                .collect(),
            active: u.user.active,
            created_at: u.user.created_at,
        }
    }
}

/// Runs Argon2 off the async workers, where it would stall every other request.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    web::block(work).await.map_err(ApiError::internal)
}

/// Log in
///
/// Returns a session token valid for `GWF_SESSION_TTL_HOURS` (default 12). After 5 failed
/// attempts in a row the account is locked: 1 minute, doubling per further failure, at most an
/// hour (429 with `Retry-After`). Unknown e-mail and wrong password give the same 401.
#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "accounts",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = Session),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong e-mail or password", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed member", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Locked after failed logins", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds until the lock ends"))),
    ),
    security(())
)]
pub async fn login(
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let wrong = || ApiError::Unauthorized("wrong e-mail or password".into());
    if credentials::email_problem(body.email.trim()).is_some() {
        // Cannot be an account; costs the same as a wrong password.
        let password = body.password;
        blocking(move || credentials::verify_password(&password, None)).await?;
        return Err(wrong());
    }
    let mut conn = state.pool.get().await?;
    let user = db::users::by_email(&mut conn, body.email.trim()).await?;
    let now = Utc::now();
    if let Some(until) = user.as_ref().and_then(|u| u.locked_until) {
        if until > now {
            return Err(ApiError::TooManyRequests {
                detail: "too many failed logins; the account is locked for a while".into(),
                retry_after_secs: (until - now).num_seconds() + 1,
            });
        }
    }
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password = body.password;
    let matches =
        blocking(move || credentials::verify_password(&password, stored.as_deref())).await?;
    let Some(user) = user else {
        return Err(wrong());
    };
    if !matches {
        let locked = db::users::record_failed_login(&mut conn, user.id, |n| {
            credentials::lock_until(n, Utc::now())
        })
        .await?;
        tracing::info!(user_id = user.id, locked = locked.is_some(), "failed login");
        return Err(wrong());
    }
    if !user.active {
        return Err(wrong());
    }
    db::users::record_login_success(&mut conn, user.id).await?;
    let (token, hash) = credentials::new_token().map_err(ApiError::internal)?;
    let expires_at = now + Duration::hours(state.settings.session_ttl_hours as i64);
    db::users::insert_token(&mut conn, user.id, "session", None, &hash, expires_at).await?;
    let account = db::users::by_id(&mut conn, user.id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("account vanished")))?;
    tracing::info!(user_id = user.id, "logged in");
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(Session {
            token,
            token_type: "Bearer",
            expires_at,
            account: account.into(),
        }))
}

/// Log out
///
/// Revokes the token this request carries (a session or an API token).
#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "accounts",
    responses(
        (status = 204, description = "The token no longer works"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let principal = caller.require_account()?;
    let Caller::User { token_id, .. } = &caller else {
        unreachable!("an account implies a token")
    };
    let mut conn = state.pool.get().await?;
    db::users::revoke(&mut conn, *token_id, principal.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who am I
#[utoipa::path(
    get,
    path = "/auth/me",
    tag = "accounts",
    responses(
        (status = 200, description = "The caller's account", body = Account),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let principal = caller.require_account()?;
    let mut conn = state.pool.get().await?;
    let account = db::users::by_id(&mut conn, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".into()))?;
    Ok(HttpResponse::Ok().json(Account::from(account)))
}

/// A long-lived API token (without its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<TokenRow> for ApiToken {
    fn from(t: TokenRow) -> Self {
        ApiToken {
            id: t.id,
            name: t.name.unwrap_or_default(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// A new API token, with its secret (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct NewApiToken {
    #[serde(flatten)]
    pub info: ApiToken,
    /// Send as `Authorization: Bearer <token>`. Not retrievable later.
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What it is for, e.g. "nightly import from the GIS".
    #[schema(
        min_length = 1,
        max_length = 100,
        example = "Import aus dem Kataster-GIS"
    )]
    pub name: String,
    /// Days until it expires (default 90, at most 730).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 730)]
    pub expires_in_days: Option<i64>,
}

/// List my API tokens
///
/// The caller's live (unexpired, unrevoked) API tokens, without their secrets.
#[utoipa::path(
    get,
    path = "/auth/tokens",
    tag = "accounts",
    responses(
        (status = 200, description = "Live API tokens", body = Vec<ApiToken>),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_tokens(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.require_account()?;
    let mut conn = state.pool.get().await?;
    let tokens = db::users::tokens_of(&mut conn, principal.user_id).await?;
    Ok(HttpResponse::Ok().json(tokens.into_iter().map(ApiToken::from).collect::<Vec<_>>()))
}

/// Create an API token
///
/// For scripts such as a nightly import. It acts with the rights of its owner.
#[utoipa::path(
    post,
    path = "/auth/tokens",
    tag = "accounts",
    request_body = TokenRequest,
    responses(
        (status = 201, description = "Created; `token` is shown only now", body = NewApiToken),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad name or lifetime", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_token(
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.require_account()?;
    let mut errors = Vec::new();
    let name = body.name.trim();
    if let Some(problem) = credentials::name_problem(name, 100) {
        errors.push(FieldError::new("/name", problem));
    }
    let days = body.expires_in_days.unwrap_or(90);
    if !(1..=credentials::MAX_API_TOKEN_DAYS).contains(&days) {
        errors.push(FieldError::new(
            "/expires_in_days",
            format!("must be 1 to {}", credentials::MAX_API_TOKEN_DAYS),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let (token, hash) = credentials::new_token().map_err(ApiError::internal)?;
    let expires_at = Utc::now() + Duration::days(days);
    let mut conn = state.pool.get().await?;
    let row = db::users::insert_token(
        &mut conn,
        principal.user_id,
        "api",
        Some(name),
        &hash,
        expires_at,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(NewApiToken {
            info: row.into(),
            token,
        }))
}

/// Revoke an API token
///
/// Only the owner revokes their tokens.
#[utoipa::path(
    delete,
    path = "/auth/tokens/{id}",
    tag = "accounts",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such live token of yours", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn revoke_token(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.require_account()?;
    let not_found = || ApiError::NotFound(format!("no token {id} of yours"));
    let token_id: i64 = id.parse().map_err(|_| not_found())?;
    let mut conn = state.pool.get().await?;
    if db::users::revoke(&mut conn, token_id, principal.user_id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found())
    }
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub email: String,
    /// Shown in the change history.
    pub display_name: String,
    pub role: Role,
    /// Municipality ids an editor maintains (required for editors, ignored otherwise).
    #[serde(default)]
    pub municipality_ids: Vec<i64>,
    /// At least 12 characters.
    #[schema(format = Password, min_length = 12)]
    pub password: String,
}

/// Changes to an account; absent members stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub municipality_ids: Option<Vec<i64>>,
    /// `false` deactivates the account and revokes its tokens.
    pub active: Option<bool>,
    /// A new password (revokes the account's tokens).
    #[schema(format = Password, min_length = 12)]
    pub password: Option<String>,
}

/// List accounts
#[utoipa::path(
    get,
    path = "/users",
    tag = "accounts",
    responses(
        (status = 200, description = "Every account", body = Vec<Account>),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    access::authorize_user_admin(caller.principal())?;
    let mut conn = state.pool.get().await?;
    let users = db::users::list(&mut conn).await?;
    Ok(HttpResponse::Ok().json(users.into_iter().map(Account::from).collect::<Vec<_>>()))
}

/// Get an account
#[utoipa::path(
    get,
    path = "/users/{id}",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 200, description = "The account", body = Account),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_user_admin(caller.principal())?;
    let id = account_id(&id)?;
    let mut conn = state.pool.get().await?;
    let user = db::users::by_id(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no account {id}")))?;
    Ok(HttpResponse::Ok().json(Account::from(user)))
}

fn account_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::NotFound(format!("no account `{raw}`")))
}

/// Checks the municipalities of an editor; returns the ids to store.
async fn checked_municipalities(
    conn: &mut diesel_async::AsyncPgConnection,
    role: Role,
    ids: &[i64],
) -> Result<Vec<i64>, ApiError> {
    if role != Role::Editor {
        return Ok(Vec::new());
    }
    if ids.is_empty() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/municipality_ids",
            "an editor needs at least one municipality",
        )]));
    }
    let known = db::places::existing_municipality_ids(conn, ids).await?;
    let errors: Vec<FieldError> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !known.contains(id))
        .map(|(i, id)| {
            FieldError::new(
                format!("/municipality_ids/{i}"),
                format!("no municipality {id}"),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(ids.to_vec())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Create an account
#[utoipa::path(
    post,
    path = "/users",
    tag = "accounts",
    request_body = NewAccount,
    responses(
        (status = 201, description = "Created", body = Account),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "E-mail already used", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad member", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewAccount>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_user_admin(caller.principal())?;
    let mut errors = Vec::new();
    if let Some(problem) = credentials::email_problem(body.email.trim()) {
        errors.push(FieldError::new("/email", problem));
    }
    let name = body.display_name.trim();
    if let Some(problem) = credentials::name_problem(name, 200) {
        errors.push(FieldError::new("/display_name", problem));
    }
    if let Some(problem) = credentials::password_problem(&body.password) {
        errors.push(FieldError::new("/password", problem));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut conn = state.pool.get().await?;
    let ids = checked_municipalities(&mut conn, body.role, &body.municipality_ids).await?;
    let password = body.password;
    let hash = blocking(move || credentials::hash_password(&password))
        .await?
        .map_err(ApiError::internal)?;
    let new = db::users::NewUser {
        email: body.email.trim(),
        display_name: name,
        role: body.role.as_str(),
        password_hash: &hash,
        municipality_ids: &ids,
    };
    let id = conn
        .transaction(async |conn| db::users::insert(conn, &new).await)
        .await
        .map_err(email_taken)?;
    let user = db::users::by_id(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("account vanished")))?;
    Ok(HttpResponse::Created().json(Account::from(user)))
}

fn email_taken(error: diesel::result::Error) -> ApiError {
    use diesel::result::{DatabaseErrorKind, Error};
    match &error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => ApiError::Conflict {
            detail: "an account with this e-mail address exists".into(),
            errors: vec![FieldError::new("/email", "is already used")],
        },
        _ => ApiError::from(error),
    }
}

/// Change an account
///
/// Deactivating it, changing its role or setting a password revokes its tokens at once.
#[utoipa::path(
    patch,
    path = "/users/{id}",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    request_body = AccountChange,
    responses(
        (status = 200, description = "Changed", body = Account),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad member", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    JsonBody(body): JsonBody<AccountChange>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_user_admin(caller.principal())?;
    let id = account_id(&id)?;
    let mut conn = state.pool.get().await?;
    let current = db::users::by_id(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no account {id}")))?;
    let mut errors = Vec::new();
    let name = body.display_name.as_deref().map(str::trim);
    if let Some(problem) = name.and_then(|n| credentials::name_problem(n, 200)) {
        errors.push(FieldError::new("/display_name", problem));
    }
    if let Some(problem) = body
        .password
        .as_deref()
        .and_then(credentials::password_problem)
    {
        errors.push(FieldError::new("/password", problem));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let role = body
        .role
        .unwrap_or(Role::parse(&current.user.role).unwrap_or(Role::Viewer));
    let ids = match (&body.municipality_ids, body.role) {
        (None, None) => None,
        (Some(ids), _) => Some(checked_municipalities(&mut conn, role, ids).await?),
        (None, Some(_)) => {
            let kept: Vec<i64> = current.municipalities.iter().map(|m| m.0).collect();
            Some(checked_municipalities(&mut conn, role, &kept).await?)
        }
    };
    let hash = match body.password {
        Some(password) => Some(
            blocking(move || credentials::hash_password(&password))
                .await?
                .map_err(ApiError::internal)?,
        ),
        None => None,
    };
    let change = db::users::UserUpdate {
        display_name: name,
        role: body.role.map(Role::as_str),
        active: body.active,
        password_hash: hash.as_deref(),
        municipality_ids: ids.as_deref(),
    };
    // Several statements (attributes, municipalities, token revocation): all or none.
    conn.transaction(async |conn| db::users::update(conn, id, &change).await)
        .await?;
    let user = db::users::by_id(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no account {id}")))?;
    Ok(HttpResponse::Ok().json(Account::from(user)))
}
