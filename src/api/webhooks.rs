//! Webhooks for websites and portals that keep a copy of the plots: admins register a
//! receiver's URL, and the service POSTs it every public change (`src/webhooks.rs`), signed
//! (`domain::webhooks`), with a delivery log. docs/changes.md tells receivers how to verify.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::changes::chosen_municipalities;
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, JsonBody, QueryParams};
use crate::api::AppState;
use crate::db;
use crate::db::webhooks::{DeliveryRow, WebhookRow};
use crate::domain::access;
use crate::domain::changes::ChangeCursor;
use crate::domain::webhooks::{check_url, WebhookSecret, WebhookState};
use crate::domain::FieldError;

/// A receiver of changes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub description: String,
    /// Only these municipalities' plots (ids); absent: all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub municipality_ids: Option<Vec<i64>>,
    pub state: WebhookState,
    /// The position in the change feed delivered up to (a `GET /changes` cursor).
    pub cursor: String,
    /// Failed attempts at the batch after `cursor` so far.
    pub attempts: i32,
    /// When the next delivery (or retry) is due.
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookRow> for Webhook {
    fn from(w: WebhookRow) -> Self {
        Webhook {
            id: w.id,
            url: w.url,
            description: w.description,
            municipality_ids: w.municipality_ids,
            state: WebhookState::parse(&w.state).unwrap_or(WebhookState::Paused),
            cursor: w.cursor.to_string(),
            attempts: w.attempts,
            next_attempt_at: w.next_attempt_at,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// A new webhook with its secret, which is shown only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_…`: verifies the `webhook-signature` of each delivery (docs/changes.md). Store it
    /// now; it is never shown again.
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// The receiver: an http(s) URL without credentials, at most 2,000 characters.
    pub url: String,
    /// What it is for, e.g. "Website Stadt Grabow" (≤ 500 characters).
    #[serde(default)]
    pub description: String,
    /// Only these municipalities' plots: ids or AGS.
    pub municipality: Option<Vec<String>>,
    /// Only these regions' plots: ids.
    pub region: Option<Vec<String>>,
    /// Where to start in the change feed: a cursor (`0` replays the whole feed). Default: the
    /// feed's end now, so only changes from now on are sent.
    #[schema(pattern = "^[0-9]{1,18}$")]
    pub since: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub description: Option<String>,
    /// `paused` stops deliveries; `active` resumes them from where they stopped (also after
    /// `dead`), the failed batch first.
    #[schema(pattern = "^(active|paused)$")]
    pub state: Option<String>,
}

/// One attempt at delivering a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: i64,
    /// The batch: the changes after this cursor …
    pub after_cursor: String,
    /// … up to and including this one.
    pub last_cursor: String,
    pub changes: i32,
    /// 1 for the first attempt at this batch.
    pub attempt: i32,
    /// `delivered`, `failed` (tried again later) or `dead` (the last attempt).
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<i32>,
    /// Why it failed, in the service's words (never the receiver's answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Units: ms.
    pub duration_ms: i32,
    pub attempted_at: DateTime<Utc>,
}

impl From<DeliveryRow> for Delivery {
    fn from(d: DeliveryRow) -> Self {
        Delivery {
            id: d.id,
            after_cursor: d.after_seq.to_string(),
            last_cursor: d.last_seq.to_string(),
            changes: d.changes,
            attempt: d.attempt,
            outcome: d.outcome,
            http_status: d.http_status,
            error: d.error,
            duration_ms: d.duration_ms,
            attempted_at: d.attempted_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesParams {
    /// Entries, newest first, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

fn description(text: &str) -> Result<String, ApiError> {
    let text = text.trim();
    if text.chars().count() > 500 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/description",
            "is longer than 500 characters",
        )]));
    }
    Ok(text.to_owned())
}

fn url(text: &str) -> Result<String, ApiError> {
    check_url(text.trim())
        .map_err(|e| ApiError::Validation(vec![FieldError::new("/url", e.detail)]))
}

/// The one answer for an id that names no webhook (or is no number).
fn missing(id: impl std::fmt::Display) -> ApiError {
    ApiError::NotFound(format!("no webhook {id}"))
}

fn webhook_id(id: &str) -> Result<i64, ApiError> {
    id.parse().map_err(|_| missing(id))
}

/// Register a webhook
///
/// Admins (token scope `admin`). The answer holds the secret, once.
#[utoipa::path(
    post,
    path = "/webhooks",
    tag = "changes",
    request_body = WebhookRequest,
    responses(
        (status = 201, description = "Registered", body = NewWebhook),
        r::BadBody,
        r::NeedsToken,
        r::NotJson,
        r::NotAdmin,
        (status = 422, description = "Bad URL, description, place or cursor", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<WebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_webhooks(caller.principal())?;
    let principal = caller.require_account()?;
    let url = url(&body.url)?;
    let description = description(&body.description)?;
    let since = match body.since.as_deref() {
        None => None,
        Some(text) => Some(ChangeCursor::parse(text).ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new("/since", "is not a change cursor")])
        })?),
    };
    let municipalities = chosen_municipalities(&state, &body.municipality, &body.region).await?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
    let secret = WebhookSecret::from_random(bytes).text();
    let mut conn = state.pool.get().await?;
    let start = match since {
        Some(cursor) => cursor.0,
        None => db::webhooks::feed_end(&mut conn).await?,
    };
    let row = db::webhooks::insert(
        &mut conn,
        &url,
        &description,
        &secret,
        municipalities,
        start,
        principal.user_id,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(NewWebhook {
            webhook: row.into(),
            secret,
        }))
}

/// List webhooks
#[utoipa::path(
    get,
    path = "/webhooks",
    tag = "changes",
    responses(
        (status = 200, description = "Every webhook, oldest first", body = Vec<Webhook>),
        r::NeedsToken,
        r::NotAdmin,
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    access::authorize_webhooks(caller.principal())?;
    let mut conn = state.pool.get().await?;
    let list: Vec<Webhook> = db::webhooks::list(&mut conn)
        .await?
        .into_iter()
        .map(Webhook::from)
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .json(list))
}

/// One webhook
#[utoipa::path(
    get,
    path = "/webhooks/{id}",
    tag = "changes",
    params(("id" = i64, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook", body = Webhook),
        r::NeedsToken,
        r::NotAdmin,
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_webhooks(caller.principal())?;
    let id = webhook_id(&id)?;
    let mut conn = state.pool.get().await?;
    let row = db::webhooks::get(&mut conn, id)
        .await?
        .ok_or_else(|| missing(id))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .json(Webhook::from(row)))
}

/// Change, pause or resume a webhook
#[utoipa::path(
    patch,
    path = "/webhooks/{id}",
    tag = "changes",
    params(("id" = i64, Path, description = "The webhook's id")),
    request_body = WebhookPatch,
    responses(
        (status = 200, description = "Changed", body = Webhook),
        r::BadBody,
        r::NeedsToken,
        r::NotJson,
        r::NotAdmin,
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad URL, description or state", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn patch_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    JsonBody(body): JsonBody<WebhookPatch>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_webhooks(caller.principal())?;
    let id = webhook_id(&id)?;
    let url = body.url.as_deref().map(url).transpose()?;
    let description = body.description.as_deref().map(description).transpose()?;
    let new_state = match body.state.as_deref() {
        None => None,
        Some("active") => Some(WebhookState::Active),
        Some("paused") => Some(WebhookState::Paused),
        Some(_) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "/state",
                "must be `active` or `paused`",
            )]))
        }
    };
    let mut conn = state.pool.get().await?;
    let row = db::webhooks::update(
        &mut conn,
        id,
        url.as_deref(),
        description.as_deref(),
        new_state.map(WebhookState::as_str),
    )
    .await?
    .ok_or_else(|| missing(id))?;
    Ok(HttpResponse::Ok().json(Webhook::from(row)))
}

/// Delete a webhook
#[utoipa::path(
    delete,
    path = "/webhooks/{id}",
    tag = "changes",
    params(("id" = i64, Path, description = "The webhook's id")),
    responses(
        (status = 204, description = "Deleted, with its delivery log"),
        r::NeedsToken,
        r::NotAdmin,
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_webhooks(caller.principal())?;
    let id = webhook_id(&id)?;
    let mut conn = state.pool.get().await?;
    if !db::webhooks::delete(&mut conn, id).await? {
        return Err(missing(id));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// A webhook's delivery log
///
/// Every attempt of the last 30 days, newest first.
#[utoipa::path(
    get,
    path = "/webhooks/{id}/deliveries",
    tag = "changes",
    params(("id" = i64, Path, description = "The webhook's id"), DeliveriesParams),
    responses(
        (status = 200, description = "Attempts, newest first", body = Vec<Delivery>),
        r::BadQuery,
        r::NeedsToken,
        r::NotAdmin,
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn webhook_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    QueryParams(params): QueryParams<DeliveriesParams>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_webhooks(caller.principal())?;
    let id = webhook_id(&id)?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_parameter(
            "limit",
            "must be between 1 and 500",
        ));
    }
    let mut conn = state.pool.get().await?;
    if db::webhooks::get(&mut conn, id).await?.is_none() {
        return Err(missing(id));
    }
    let log: Vec<Delivery> = db::webhooks::deliveries(&mut conn, id, limit)
        .await?
        .into_iter()
        .map(Delivery::from)
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .json(log))
}
