//! Accounts as the API sees them: login and logout and the caller's own account here; API
//! tokens in `tokens`; account management for admins (`/users`) in `accounts`.

pub mod accounts;
pub mod tokens;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, JsonBody};
use crate::api::AppState;
use crate::db;
use crate::domain::credentials;
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

/// Runs Argon2 off the async workers, where it would stall every other request.
pub(crate) async fn blocking<T: Send + 'static>(
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
        r::BadBody,
        (status = 401, description = "Wrong e-mail or password", body = Problem, content_type = "application/problem+json"),
        r::NotJson,
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
        r::NeedsToken,
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
        r::NeedsToken,
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
