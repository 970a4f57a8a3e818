//! Long-lived API tokens of the caller (`/auth/tokens`).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, JsonBody};
use crate::api::AppState;
use crate::db;
use crate::db::users::TokenRow;
use crate::domain::access::{self, Scope};
use crate::domain::credentials;
use crate::domain::FieldError;

/// A long-lived API token (without its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// What the token may do, within its owner's role.
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<TokenRow> for ApiToken {
    fn from(t: TokenRow) -> Self {
        ApiToken {
            id: t.id,
            name: t.name.unwrap_or_default(),
            scopes: t.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
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
    /// What it may do (default: all the token making it may, as far as the role allows): `read`
    /// internal data, `write` plots, `import`, `admin`. Never more than the token making it.
    #[serde(default)]
    pub scopes: Option<Vec<Scope>>,
    /// The owner's password, again: a token lives long, so a stolen session must not be
    /// enough to make one.
    #[schema(format = Password)]
    pub password: String,
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
        r::NeedsToken,
        r::Busy,
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
/// For scripts such as a nightly import. It acts with the rights of its owner, narrowed to its
/// scopes. Needs the owner's password in the body.
#[utoipa::path(
    post,
    path = "/auth/tokens",
    tag = "accounts",
    request_body = TokenRequest,
    responses(
        (status = 201, description = "Created; `token` is shown only now", body = NewApiToken),
        r::BadBody,
        r::NeedsToken,
        r::NotJson,
        (status = 403, description = "Wrong password, or scopes beyond the requesting token or the role", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad name, lifetime or scope", body = Problem, content_type = "application/problem+json"),
        r::Busy,
        r::PasswordThrottled,
    ),
    security(("bearer" = []))
)]
pub async fn create_token(
    req: HttpRequest,
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
    let scopes = body.scopes.unwrap_or_else(|| {
        Scope::ALL
            .into_iter()
            .filter(|s| access::authorize_token_scopes(Some(principal), &[*s]).is_ok())
            .collect()
    });
    access::authorize_token_scopes(Some(principal), &scopes)?;
    let mut conn = state.pool.get().await?;
    super::confirm_password(&req, &state, &mut conn, principal.user_id, body.password).await?;
    let (token, hash) = credentials::new_token().map_err(ApiError::internal)?;
    let expires_at = Utc::now() + Duration::days(days);
    let scope_names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let row = db::users::insert_token(
        &mut conn,
        principal.user_id,
        "api",
        Some(name),
        &hash,
        expires_at,
        &scope_names,
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
        r::NeedsToken,
        (status = 404, description = "No such live token of yours", body = Problem, content_type = "application/problem+json"),
        r::Busy,
        r::RateLimited,
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
