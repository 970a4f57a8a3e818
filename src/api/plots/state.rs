//! The state actions of a plot (publish, unpublish, delete, restore) and its history.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use diesel_async::AsyncConnection;

use super::{not_found, plot_key, required_version, respond_with_plot, IfMatch};
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, QueryParams};
use crate::api::views::{HistoryEntry, Plot, PlotHistory};
use crate::api::AppState;
use crate::db;
use crate::domain::access::{PlotAction, PlotSet, ReadScope};
use crate::domain::history::{HistoryAction, Via};

/// Delete a plot
///
/// A soft delete: the plot disappears from every listing and read (404), its history stays,
/// and an admin can restore it. `If-Match` is required.
#[utoipa::path(
    delete,
    path = "/plots/{key}",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference"),
           IfMatch),
    responses(
        (status = 204, description = "Deleted"),
        r::BadIfMatch,
        r::NeedsToken,
        r::ForeignPlot,
        r::NoSuchPlot,
        r::Stale,
        r::NoIfMatch,
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn delete_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change_state(&req, &state, &caller, &key, HistoryAction::Delete).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Publish a plot
///
/// Makes a draft public: it appears in searches, tiles, embedded maps and profile pages.
/// `If-Match` is required. Publishing a published plot changes nothing.
#[utoipa::path(
    post,
    path = "/plots/{key}/publish",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference"), IfMatch),
    responses(
        (status = 200, description = "Published", body = Plot, headers(("ETag" = String))),
        r::BadIfMatch,
        r::NeedsToken,
        r::ForeignPlot,
        r::NoSuchPlot,
        r::Stale,
        r::NoIfMatch,
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn publish_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change_state_and_respond(&req, &state, &caller, &key, HistoryAction::Publish).await
}

/// Unpublish a plot
///
/// Takes a plot back to draft: it disappears from every public view. `If-Match` is required.
#[utoipa::path(
    post,
    path = "/plots/{key}/unpublish",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference"), IfMatch),
    responses(
        (status = 200, description = "Now a draft", body = Plot, headers(("ETag" = String))),
        r::BadIfMatch,
        r::NeedsToken,
        r::ForeignPlot,
        r::NoSuchPlot,
        r::Stale,
        r::NoIfMatch,
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn unpublish_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change_state_and_respond(&req, &state, &caller, &key, HistoryAction::Unpublish).await
}

/// Restore a deleted plot
///
/// Admins only. The plot comes back as a draft with its history. `If-Match` names the version
/// it was deleted at (the newest entry of its history).
#[utoipa::path(
    post,
    path = "/plots/{key}/restore",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference"), IfMatch),
    responses(
        (status = 200, description = "Restored as a draft", body = Plot, headers(("ETag" = String))),
        r::BadIfMatch,
        r::NeedsToken,
        r::NotAdmin,
        (status = 404, description = "No such deleted plot", body = Problem, content_type = "application/problem+json"),
        r::Stale,
        r::NoIfMatch,
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn restore_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change_state_and_respond(&req, &state, &caller, &key, HistoryAction::Restore).await
}

/// Confirm a plot's data ("checked, still true")
///
/// Sets `data_confirmed_on` ("Stand") to today (Europe/Berlin) and nothing else; the history
/// records it as a `confirm` entry. Whoever may change the plot may confirm it. `If-Match` is
/// required. Confirming a plot confirmed today changes nothing.
#[utoipa::path(
    post,
    path = "/plots/{key}/confirm",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference"), IfMatch),
    responses(
        (status = 200, description = "Confirmed", body = Plot, headers(("ETag" = String))),
        r::BadIfMatch,
        r::NeedsToken,
        r::ForeignPlot,
        r::NoSuchPlot,
        r::Stale,
        r::NoIfMatch,
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn confirm_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_account()?;
    let key = plot_key(&key)?;
    let if_match = req.headers().get(actix_web::http::header::IF_MATCH);
    let set = caller.plot_set();
    let actor = caller.actor(Via::Api);
    let today = crate::domain::freshness::today();
    let mut conn = state.pool.get().await?;
    let id = conn
        .transaction(async |conn| {
            let (row, _) = db::plots::lock(conn, &key, &set)
                .await?
                .ok_or_else(|| not_found(&key))?;
            let current = row.facts.municipality_id;
            caller
                .authorize_named(
                    conn,
                    PlotAction::Update {
                        current,
                        target: current,
                    },
                )
                .await?;
            let expected = required_version(if_match)?;
            if row.version != expected {
                return Err(ApiError::PreconditionFailed {
                    current_version: row.version,
                });
            }
            if row.facts.data_confirmed_on != today {
                let changes = serde_json::json!([{
                    "field": "data_confirmed_on",
                    "from": row.facts.data_confirmed_on,
                    "to": today,
                }]);
                db::plots::confirm(conn, row.id, today, &actor, &changes).await?;
            }
            Ok::<_, ApiError>(row.id)
        })
        .await?;
    respond_with_plot(&mut conn, &caller, id).await
}

/// `change_state`, answered with the plot as it is now.
async fn change_state_and_respond(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    raw_key: &str,
    action: HistoryAction,
) -> Result<HttpResponse, ApiError> {
    let id = change_state(req, state, caller, raw_key, action).await?;
    let mut conn = state.pool.get().await?;
    respond_with_plot(&mut conn, caller, id).await
}

/// Publish, unpublish, delete or restore, in one transaction with its history entry. Returns
/// the plot id. A no-op (publishing a published plot) writes nothing.
async fn change_state(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    raw_key: &str,
    action: HistoryAction,
) -> Result<i64, ApiError> {
    caller.require_account()?;
    let key = plot_key(raw_key)?;
    let if_match = req.headers().get(actix_web::http::header::IF_MATCH);
    let set = match action {
        // Only admins see deleted plots: anyone else is refused before the key is looked up,
        // so the answer tells nothing of which deleted plots exist.
        HistoryAction::Restore => {
            crate::domain::access::authorize_deleted_read(caller.principal())?;
            PlotSet::Deleted
        }
        _ => caller.plot_set(),
    };
    let actor = caller.actor(Via::Api);
    let mut conn = state.pool.get().await?;
    conn.transaction(async |conn| {
        let (row, _) = db::plots::lock(conn, &key, &set)
            .await?
            .ok_or_else(|| not_found(&key))?;
        let current = row.facts.municipality_id;
        let (permission, field, from, to) = match action {
            HistoryAction::Publish => (
                PlotAction::Publish { current },
                "published",
                row.internal.published,
                true,
            ),
            HistoryAction::Unpublish => (
                PlotAction::Unpublish { current },
                "published",
                row.internal.published,
                false,
            ),
            HistoryAction::Delete => (PlotAction::Delete { current }, "deleted", false, true),
            HistoryAction::Restore => (PlotAction::Restore { current }, "deleted", true, false),
            HistoryAction::Create | HistoryAction::Update | HistoryAction::Confirm => {
                unreachable!("field changes go through change_fields and confirm_plot")
            }
        };
        caller.authorize_named(conn, permission).await?;
        let expected = required_version(if_match)?;
        if row.version != expected {
            return Err(ApiError::PreconditionFailed {
                current_version: row.version,
            });
        }
        if action == HistoryAction::Publish && from != to {
            let lacking = db::media::uncredited(conn, row.id).await?;
            if !lacking.is_empty() {
                return Err(crate::api::media::uncredited_problem(&lacking));
            }
        }
        if from != to {
            let mut changes = vec![serde_json::json!({"field": field, "from": from, "to": to})];
            if action == HistoryAction::Delete && row.internal.published {
                changes.push(serde_json::json!({"field": "published", "from": true, "to": false}));
            }
            db::plots::set_state(conn, row.id, action, &actor, &Value::Array(changes)).await?;
        }
        Ok(row.id)
    })
    .await
}

/// Query parameters of the history.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {}

/// History of a plot
///
/// Every change, newest first: who, when, through what (`api`, `import`, `cli`) and which
/// fields from what to what. Geometry changes carry the area before and after. Staff only;
/// admins and viewers also see the history of deleted plots. The history cannot be changed.
#[utoipa::path(
    get,
    path = "/plots/{key}/history",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference")),
    responses(
        (status = 200, description = "The history", body = PlotHistory),
        r::NeedsToken,
        (status = 403, description = "A published plot of another municipality (editors)", body = Problem, content_type = "application/problem+json"),
        r::NoSuchPlot,
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn plot_history(
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    QueryParams(_): QueryParams<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff_read()?;
    let key = plot_key(&key)?;
    let mut conn = state.pool.get().await?;
    let mut found = db::plots::find(&mut conn, &caller.plot_set(), &key).await?;
    if found.is_none() && caller.scope() == ReadScope::Region {
        found = db::plots::find(&mut conn, &PlotSet::Deleted, &key).await?;
    }
    let (row, _) = found.ok_or_else(|| not_found(&key))?;
    // The history holds internal fields: only for those who read them for this plot.
    if !caller.scope().internal(row.facts.municipality_id) {
        return Err(ApiError::Forbidden(
            "the history of another municipality's plot is internal to it".into(),
        ));
    }
    let entries = db::plots::history(&mut conn, row.id).await?;
    Ok(HttpResponse::Ok().json(PlotHistory {
        plot_id: row.id,
        reference: row.facts.reference,
        version: row.version,
        deleted: row.deleted_at.is_some(),
        items: entries.into_iter().map(HistoryEntry::from).collect(),
    }))
}
