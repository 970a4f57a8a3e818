//! The staff pipeline: list and read the inquiries routed to you, move them along
//! (`domain::inquiry::pipeline`), assign them, note on them. Every change names the version
//! it is based on (`If-Match`, as for plots) and is kept in the inquiry's history.

use actix_web::http::header::{self, ETag, EntityTag};
use actix_web::{web, HttpRequest, HttpResponse};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::{Inquiry, InquiryHistoryEntry};
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, JsonBody, QueryParams};
use crate::api::plots::required_version;
use crate::api::AppState;
use crate::db;
use crate::domain::access::{self, InquiryAction, Role};
use crate::domain::inquiry::pipeline::{self, Refused};
use crate::domain::inquiry::{InquiryStatus, LostReason, MAX_NOTE};
use crate::domain::FieldError;

/// Query parameters of `GET /inquiries`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only these statuses, comma-separated (`new,answered`).
    pub status: Option<String>,
    /// Only those routed to this municipality (id).
    pub municipality: Option<i64>,
    /// Only those assigned to this account (id).
    pub assignee: Option<i64>,
    /// `plots` or `profile`.
    #[param(pattern = "^(plots|profile)$")]
    pub kind: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
    /// The next page: `next_before` of the previous one.
    pub before: Option<i64>,
}

/// A page of inquiries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct InquiryPage {
    pub inquiries: Vec<Inquiry>,
    /// Pass as `before` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

/// An inquiry with its history (notes included).
#[derive(Debug, Serialize, ToSchema)]
pub struct InquiryDetail {
    #[serde(flatten)]
    pub inquiry: Inquiry,
    pub history: Vec<InquiryHistoryEntry>,
}

/// List the inquiries routed to you
///
/// Admins read every inquiry, editors those routed to their municipalities (never
/// requirement profiles, which go to the admins), viewers none: inquiries are personal data.
#[utoipa::path(
    get,
    path = "/inquiries",
    tag = "inquiries",
    params(ListParams),
    responses(
        (status = 200, description = "Newest first", body = InquiryPage),
        r::BadQuery,
        r::NeedsToken,
        (status = 403, description = "A viewer, or a token that does not read", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn list_inquiries(
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let scope = access::inquiry_scope(caller.principal())?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::bad_parameter("limit", "must be 1 to 200"));
    }
    let mut statuses = Vec::new();
    for s in params.status.as_deref().unwrap_or("").split(',') {
        let s = s.trim();
        if s.is_empty() {
            continue;
        }
        let status = InquiryStatus::parse(s).ok_or_else(|| {
            ApiError::bad_parameter(
                "status",
                format!("`{s}` is not one of new, answered, viewing, offer, won, lost"),
            )
        })?;
        statuses.push(status.as_str().to_owned());
    }
    if params
        .kind
        .as_deref()
        .is_some_and(|k| k != "plots" && k != "profile")
    {
        return Err(ApiError::bad_parameter("kind", "must be plots or profile"));
    }
    let filter = db::inquiries::Filter {
        statuses,
        municipality_id: params.municipality,
        assignee_id: params.assignee,
        kind: params.kind,
        before_id: params.before,
        limit,
    };
    let mut conn = state.pool.get().await?;
    let mut rows = db::inquiries::list(&mut conn, &scope, &filter).await?;
    let next_before = (rows.len() as i64 > limit).then(|| rows[limit as usize - 1].id);
    rows.truncate(limit as usize);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(InquiryPage {
            inquiries: rows.into_iter().map(Inquiry::from).collect(),
            next_before,
        }))
}

pub(crate) fn inquiry_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .map_err(|_| ApiError::NotFound(format!("no inquiry {raw}")))
}

fn not_found(id: i64) -> ApiError {
    ApiError::NotFound(format!("no inquiry {id} routed to you"))
}

/// An inquiry with its history, `ETag` set.
pub(crate) async fn respond_detail(
    conn: &mut diesel_async::AsyncPgConnection,
    scope: &access::InquiryScope,
    id: i64,
) -> Result<HttpResponse, ApiError> {
    let row = db::inquiries::get(conn, scope, id, false)
        .await?
        .ok_or_else(|| not_found(id))?;
    let history = db::inquiries::history(conn, &[id]).await?;
    let version = row.version;
    Ok(HttpResponse::Ok()
        .insert_header(ETag(EntityTag::new_strong(version.to_string())))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(InquiryDetail {
            inquiry: row.into(),
            history: history.into_iter().map(Into::into).collect(),
        }))
}

/// Read an inquiry
///
/// With its history (every change, and the notes). 404 for an inquiry not routed to you.
#[utoipa::path(
    get,
    path = "/inquiries/{id}",
    tag = "inquiries",
    params(("id" = i64, Path, description = "The inquiry's id")),
    responses(
        (status = 200, description = "The inquiry", body = InquiryDetail, headers(("ETag" = String))),
        r::NeedsToken,
        (status = 403, description = "A viewer, or a token that does not read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such inquiry routed to you", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn get_inquiry(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = access::inquiry_scope(caller.principal())?;
    let id = inquiry_id(&id)?;
    let mut conn = state.pool.get().await?;
    respond_detail(&mut conn, &scope, id).await
}

/// Absent: unchanged; `null`: cleared.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// A change to an inquiry: any of the members.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InquiryPatch {
    /// The next step (docs/inquiries.md has the rules).
    pub status: Option<InquiryStatus>,
    /// Required with `status: lost`, refused otherwise.
    pub lost_reason: Option<LostReason>,
    /// The account handling it (one who can read it); `null` to unassign.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    /// A note for the history (internal; 1–5,000 characters).
    pub note: Option<String>,
}

/// Change an inquiry
///
/// Move it along the pipeline (`new → answered → viewing → offer → won`, or `lost` with a
/// reason from any open step), assign it, add a note. `If-Match` is required. The first move
/// out of `new` sets `first_response_at`. A step against the rules is 409.
#[utoipa::path(
    patch,
    path = "/inquiries/{id}",
    tag = "inquiries",
    params(("id" = i64, Path, description = "The inquiry's id"),
           ("If-Match" = String, Header, description = "ETag of the version you read")),
    request_body = InquiryPatch,
    responses(
        (status = 200, description = "Changed", body = InquiryDetail, headers(("ETag" = String))),
        r::BadBody,
        r::NeedsToken,
        (status = 403, description = "A viewer, or a token that does not write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such inquiry routed to you", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a step the pipeline allows (closed, or backwards)", body = Problem, content_type = "application/problem+json"),
        r::Stale,
        r::NotJson,
        (status = 422, description = "A lost inquiry without reason, a reason without loss, an assignee who cannot read it, an empty note", body = Problem, content_type = "application/problem+json"),
        r::NoIfMatch,
        r::RateLimited,
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn patch_inquiry(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    JsonBody(patch): JsonBody<InquiryPatch>,
) -> Result<HttpResponse, ApiError> {
    let scope = access::inquiry_scope(caller.principal())?;
    let principal = caller.require_account()?.clone();
    let id = inquiry_id(&id)?;
    let if_match = req.headers().get(header::IF_MATCH);
    let note = match patch.note.as_deref().map(str::trim) {
        None => None,
        Some(n) if n.is_empty() || n.chars().count() > MAX_NOTE => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "/note",
                format!("must have 1 to {MAX_NOTE} characters"),
            )]))
        }
        Some(n) => Some(n.to_owned()),
    };
    let mut conn = state.pool.get().await?;
    conn.transaction(async |conn| {
        let row = db::inquiries::get(conn, &scope, id, true)
            .await?
            .ok_or_else(|| not_found(id))?;
        access::authorize_inquiry(
            Some(&principal),
            InquiryAction::Change {
                routed_to: row.municipality_id,
            },
        )?;
        let expected = required_version(if_match)?;
        if row.version != expected {
            return Err(ApiError::PreconditionFailed {
                current_version: row.version,
            });
        }
        let from = InquiryStatus::parse(&row.status).unwrap_or(InquiryStatus::New);
        let mut change = db::inquiries::Change::default();
        let mut entries = Vec::new();
        match (patch.status, patch.lost_reason) {
            (None, Some(_)) => {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "/lost_reason",
                    "goes with `status: lost`",
                )]))
            }
            (None, None) => {}
            (Some(to), reason) => match pipeline::transition(from, to, reason) {
                Ok(false) => {}
                Ok(true) => {
                    change.status = Some(to.as_str().to_owned());
                    change.lost_reason = Some(reason.map(|r| r.as_str().to_owned()));
                    change.responded = pipeline::answers(from, to);
                    change.closes = to.is_final();
                    entries.push((
                        "status",
                        json!({"status": [from, to], "lost_reason": reason}),
                    ));
                }
                Err(Refused::Conflict(detail)) => {
                    return Err(ApiError::Conflict {
                        detail,
                        errors: vec![FieldError::new("/status", "not an allowed step")],
                    })
                }
                Err(Refused::Invalid { pointer, detail }) => {
                    return Err(ApiError::Validation(vec![FieldError::new(pointer, detail)]))
                }
            },
        }
        if let Some(assignee) = patch.assignee_id {
            if assignee != row.assignee_id {
                if let Some(user) = assignee {
                    let fits = match db::inquiries::account(conn, user).await? {
                        Some(a) => Role::parse(&a.role).is_some_and(|role| {
                            access::may_be_assigned(role, &a.municipalities, row.municipality_id)
                        }),
                        None => false,
                    };
                    if !fits {
                        return Err(ApiError::Validation(vec![FieldError::new(
                            "/assignee_id",
                            "no active account that may read this inquiry",
                        )]));
                    }
                }
                if from.is_final() && change.status.is_none() {
                    return Err(ApiError::Conflict {
                        detail: format!(
                            "the inquiry is closed ({}); it takes notes only",
                            from.as_str()
                        ),
                        errors: vec![FieldError::new("/assignee_id", "closed")],
                    });
                }
                change.assignee_id = Some(assignee);
                entries.push((
                    "assignee",
                    json!({"assignee_id": [row.assignee_id, assignee]}),
                ));
            }
        }
        if let Some(note) = &note {
            entries.push(("note", json!({ "note": note })));
        }
        if entries.is_empty() {
            return Ok(());
        }
        db::inquiries::apply(conn, id, &change).await?;
        for (action, changes) in entries {
            db::inquiries::add_history(
                conn,
                id,
                Some(principal.user_id),
                &principal.display_name,
                action,
                &changes,
            )
            .await?;
        }
        Ok::<_, ApiError>(())
    })
    .await?;
    respond_detail(&mut conn, &scope, id).await
}
