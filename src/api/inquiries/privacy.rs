//! Data-protection requests (GDPR Art. 15 and 17) about one person, found by e-mail address:
//! a copy of everything stored about them in inquiries and saved searches, and its erasure (anonymising: the
//! contact, messages and notes go; what was asked for and the pipeline's figures stay; saved
//! searches with the address are deleted). For
//! admins, through the API or the CLI (`gewerbeflaechen inquiries export|erase`). The address
//! travels in the body, never in a URL (which proxies log).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Inquiry, InquiryHistoryEntry};
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, JsonBody};
use crate::api::AppState;
use crate::db;
use crate::domain::access::{self, InquiryAction};
use crate::domain::FieldError;

/// Whose data.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRequest {
    #[schema(example = "erika.muster@example.com")]
    pub email: String,
}

/// One inquiry of the person, with its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalInquiry {
    #[serde(flatten)]
    pub inquiry: Inquiry,
    pub history: Vec<InquiryHistoryEntry>,
}

/// One saved search (alert) with the person's address (docs/alerts.md).
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalSavedSearch {
    pub id: i64,
    pub email: String,
    pub language: String,
    /// `pending` or `active`.
    pub state: String,
    /// The saved filters, as `GET /plots` takes them.
    #[schema(value_type = Object)]
    pub search: serde_json::Value,
    /// Whether a drawn area is part of the search.
    pub has_area: bool,
    pub consent_version: Option<String>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub last_digest_at: Option<DateTime<Utc>>,
}

impl From<db::alerts::PersonRow> for PersonalSavedSearch {
    fn from(r: db::alerts::PersonRow) -> Self {
        PersonalSavedSearch {
            id: r.id,
            email: r.email,
            language: r.language,
            state: r.state,
            search: serde_json::from_str(&r.params).unwrap_or(serde_json::Value::Null),
            has_area: r.has_area,
            consent_version: r.consent_version,
            created_at: r.created_at,
            confirmed_at: r.confirmed_at,
            last_digest_at: r.last_digest_at,
        }
    }
}

/// Everything stored about one person in inquiries and saved searches.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalData {
    pub email: String,
    pub exported_at: DateTime<Utc>,
    pub inquiries: Vec<PersonalInquiry>,
    /// Saved searches (alerts) with this address.
    pub saved_searches: Vec<PersonalSavedSearch>,
}

/// What an erasure did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Erased {
    /// Inquiries whose personal data was cleared now.
    pub anonymised: usize,
    /// Saved searches (alerts) with this address, deleted now.
    pub saved_searches_deleted: usize,
}

/// The person's data (an address that is not one finds nothing).
pub async fn export(conn: &mut AsyncPgConnection, email: &str) -> anyhow::Result<PersonalData> {
    let rows = db::inquiries::by_email(conn, email).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut history = db::inquiries::history(conn, &ids).await?;
    let inquiries = rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            let (mine, rest): (Vec<_>, Vec<_>) =
                history.drain(..).partition(|h| h.inquiry_id == id);
            history = rest;
            PersonalInquiry {
                inquiry: row.into(),
                history: mine.into_iter().map(Into::into).collect(),
            }
        })
        .collect();
    let saved_searches = db::alerts::of_person(conn, email)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(PersonalData {
        email: email.trim().to_owned(),
        exported_at: Utc::now(),
        inquiries,
        saved_searches,
    })
}

fn checked(email: &str) -> Result<&str, ApiError> {
    let email = email.trim();
    // PostgreSQL text holds no NUL, and no address holds a control character.
    if email.is_empty() || email.len() > 254 || email.contains(char::is_control) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/email",
            "must have 1 to 254 characters, none of them control characters",
        )]));
    }
    Ok(email)
}

/// Export one person's data
///
/// Admins (token with `admin`). Every inquiry sent with this address (any case), with its
/// history and notes, as JSON: the answer to a request for access (GDPR Art. 15).
#[utoipa::path(
    post,
    path = "/inquiries/privacy/export",
    tag = "inquiries",
    request_body = PersonRequest,
    responses(
        (status = 200, description = "The person's data (no inquiries: an empty list)", body = PersonalData),
        r::BadBody,
        r::NeedsToken,
        (status = 403, description = "Not an admin, or the token lacks `admin`", body = Problem, content_type = "application/problem+json"),
        r::NotJson,
        (status = 422, description = "No address", body = Problem, content_type = "application/problem+json"),
        r::RateLimited,
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn export_person(
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<PersonRequest>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_inquiry(caller.principal(), InquiryAction::Privacy)?;
    let email = checked(&body.email)?;
    let mut conn = state.pool.get().await?;
    let data = export(&mut conn, email).await.map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(data))
}

/// Erase one person's data
///
/// Admins (token with `admin`). Clears the contact, messages and notes of every inquiry sent
/// with this address (any case), at once and for good; the inquiries stay, anonymous, for
/// the figures. Recorded in each one's history (without the address).
#[utoipa::path(
    post,
    path = "/inquiries/privacy/erase",
    tag = "inquiries",
    request_body = PersonRequest,
    responses(
        (status = 200, description = "Erased", body = Erased),
        r::BadBody,
        r::NeedsToken,
        (status = 403, description = "Not an admin, or the token lacks `admin`", body = Problem, content_type = "application/problem+json"),
        r::NotJson,
        (status = 422, description = "No address", body = Problem, content_type = "application/problem+json"),
        r::RateLimited,
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn erase_person(
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<PersonRequest>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_inquiry(caller.principal(), InquiryAction::Privacy)?;
    let email = checked(&body.email)?;
    let mut conn = state.pool.get().await?;
    let (anonymised, saved_searches_deleted) = conn
        .transaction(async |conn| {
            let anonymised = db::inquiries::erase_email(conn, email).await?;
            let deleted = db::alerts::erase_person(conn, email).await?;
            Ok::<_, diesel::result::Error>((anonymised, deleted))
        })
        .await?;
    tracing::info!(
        anonymised,
        saved_searches_deleted,
        "inquiries and saved searches erased on request"
    );
    Ok(HttpResponse::Ok().json(Erased {
        anonymised,
        saved_searches_deleted,
    }))
}
