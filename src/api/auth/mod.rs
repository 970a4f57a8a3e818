//! Accounts as the API sees them: login and logout and the caller's own account here; API
//! tokens in `tokens`; account management for admins (`/users`) in `accounts`.

pub mod accounts;
pub mod tokens;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{off_worker, Caller, JsonBody};
use crate::api::{counters, AppState};
use crate::config::protection::Class;
use crate::db;
use crate::domain::access::Scope;
use crate::domain::credentials::{self, LOCK_RULES};
use accounts::Account;

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

/// Runs Argon2 off the async workers, where it would stall every other request, and at most
/// `GWF_ARGON2_CONCURRENCY` at once: each hash takes ~19 MiB and tens of milliseconds, so a
/// flood of logins waits briefly for a turn and is then refused (503), instead of taking the
/// memory and the CPU of the whole server.
pub(crate) async fn hashing<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let busy = || ApiError::Overloaded("too many password checks at once; retry shortly".into());
    let permit = tokio::time::timeout(HASHING_WAIT, state.hashing.clone().acquire_owned())
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
    off_worker(state.settings.cpu_timeout, move || {
        let done = work();
        drop(permit);
        done
    })
    .await
}

/// Longest wait for a turn at hashing.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Checks the password of the caller's own account (token creation, password change) under the
/// same throttles as a login: the client's login rate and the account's failure count, so a
/// stolen session cannot be used to guess the password either. Returns the stored user.
async fn confirm_password(
    req: &HttpRequest,
    state: &AppState,
    conn: &mut diesel_async::AsyncPgConnection,
    user_id: i64,
    password: String,
) -> Result<db::users::UserRow, ApiError> {
    state.limits.check(Class::Login, state.client(req))?;
    let user = db::users::by_id(conn, user_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".into()))?
        .user;
    let key = credentials::login_key(&user.email);
    if db::users::claim_login_attempt(conn, &key, &LOCK_RULES)
        .await?
        .is_none()
    {
        let until = db::users::locked_until(conn, &key).await?;
        counters::login_refused("locked");
        return Err(ApiError::TooManyRequests {
            detail: "too many wrong passwords for this account; wait before trying again".into(),
            retry_after_secs: until.map_or(60, |u| (u - Utc::now()).num_seconds() + 1),
        });
    }
    let stored = user.password_hash.clone();
    if !hashing(state, move || {
        credentials::verify_password(&password, Some(&stored))
    })
    .await?
    {
        counters::login_refused("wrong");
        return Err(ApiError::Forbidden("the password is wrong".into()));
    }
    db::users::login_succeeded(conn, &key).await?;
    Ok(user)
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
        r::BadBody,
        (status = 401, description = "Wrong e-mail or password", body = Problem, content_type = "application/problem+json"),
        r::NotJson,
        (status = 422, description = "Malformed member", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Locked after failed logins with this address, or too many attempts from the client (`GWF_RATE_LOGIN_*`)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds to wait"))),
        r::Busy,
    ),
    security(())
)]
pub async fn login(
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    // The login rate limit is checked before the body is read (`protection::login_limits`).
    let wrong = || ApiError::Unauthorized("wrong e-mail or password".into());
    // Every address is throttled, whether an account has it or not, and the attempt is counted
    // before the password is checked: the answers (and their timing) tell nothing about which
    // addresses are accounts, and parallel guesses cannot slip past a lock.
    let key = credentials::login_key(&body.email);
    let mut conn = state.pool.get().await?;
    let Some(attempt) = db::users::claim_login_attempt(&mut conn, &key, &LOCK_RULES).await? else {
        let until = db::users::locked_until(&mut conn, &key).await?;
        counters::login_refused("locked");
        return Err(ApiError::TooManyRequests {
            detail: "too many failed logins with this e-mail address; wait before trying again"
                .into(),
            retry_after_secs: until.map_or(60, |u| (u - Utc::now()).num_seconds() + 1),
        });
    };
    let email = body.email.trim();
    let user = match credentials::email_problem(email) {
        Some(_) => None,
        None => db::users::by_email(&mut conn, email).await?,
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password = body.password;
    let matches = hashing(&state, move || {
        credentials::verify_password(&password, stored.as_deref())
    })
    .await?;
    let user = match user {
        Some(user) if matches && user.active => user,
        _ => {
            counters::login_refused("wrong");
            tracing::info!(failures = attempt.failures, "failed login");
            return Err(wrong());
        }
    };
    db::users::login_succeeded(&mut conn, &key).await?;
    let now = Utc::now();
    let (token, hash) = credentials::new_token().map_err(ApiError::internal)?;
    let expires_at = now + Duration::hours(state.settings.session_ttl_hours as i64);
    let scopes: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    db::users::insert_token(
        &mut conn, user.id, "session", None, &hash, expires_at, &scopes,
    )
    .await?;
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
        r::NeedsToken,
        r::Busy,
        r::RateLimited,
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

/// Log out everywhere
///
/// Revokes every login session of the caller's account, this one included if it is one. API
/// tokens stay (list and revoke them under `/auth/tokens`).
#[utoipa::path(
    post,
    path = "/auth/logout-all",
    tag = "accounts",
    responses(
        (status = 204, description = "No session of the account works any more"),
        r::NeedsToken,
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn logout_all(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.require_account()?;
    let mut conn = state.pool.get().await?;
    let revoked = db::users::revoke_sessions(&mut conn, principal.user_id, None).await?;
    tracing::info!(
        user_id = principal.user_id,
        revoked,
        "logged out everywhere"
    );
    Ok(HttpResponse::NoContent().finish())
}

/// A password change of one's own account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(format = Password)]
    pub current_password: String,
    /// At least 12 characters.
    #[schema(format = Password, min_length = 12)]
    pub new_password: String,
}

/// Change my password
///
/// Needs the current password. Every other login session of the account ends; the one making
/// the change and the API tokens stay.
#[utoipa::path(
    post,
    path = "/auth/password",
    tag = "accounts",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        r::BadBody,
        r::NeedsToken,
        (status = 403, description = "The current password is wrong", body = Problem, content_type = "application/problem+json"),
        r::NotJson,
        (status = 422, description = "The new password is too short or too long", body = Problem, content_type = "application/problem+json"),
        r::Busy,
        r::PasswordThrottled,
    ),
    security(("bearer" = []))
)]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.require_account()?;
    if let Some(problem) = credentials::password_problem(&body.new_password) {
        return Err(ApiError::Validation(vec![crate::domain::FieldError::new(
            "/new_password",
            problem,
        )]));
    }
    let mut conn = state.pool.get().await?;
    confirm_password(
        &req,
        &state,
        &mut conn,
        principal.user_id,
        body.current_password,
    )
    .await?;
    let new = body.new_password;
    let hash = hashing(&state, move || credentials::hash_password(&new))
        .await?
        .map_err(ApiError::internal)?;
    db::users::set_password(&mut conn, principal.user_id, &hash).await?;
    let keep = match &caller {
        Caller::User { token_id, .. } => Some(*token_id),
        Caller::Anonymous => None,
    };
    db::users::revoke_sessions(&mut conn, principal.user_id, keep).await?;
    tracing::info!(user_id = principal.user_id, "password changed");
    Ok(HttpResponse::NoContent().finish())
}

/// Who am I
#[utoipa::path(
    get,
    path = "/auth/me",
    tag = "accounts",
    responses(
        (status = 200, description = "The caller's account", body = Account),
        r::NeedsToken,
        r::Busy,
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
