//! Freshness reminders as Atom feeds (RFC 4287): staff create a feed (`POST
//! /monitoring/reminders`), subscribe to its URL in any feed reader, and revoke it when done.
//! Each day the feed holds one entry per municipality with stale, never confirmed or
//! incomplete plots (`domain::freshness`), over what the owner may read that day.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, JsonBody};
use crate::api::xml::escape;
use crate::api::AppState;
use crate::db;
use crate::domain::access::{self, Role};
use crate::domain::freshness::{self, MunicipalityFreshness};
use crate::domain::{credentials, FieldError};

/// Plots named per list in an entry; the counts are complete.
const LISTED: usize = 50;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedRequest {
    /// What the feed is for, 1–100 characters.
    #[schema(example = "Wirtschaftsförderung Ludwigslust")]
    pub name: String,
}

/// A reminder feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Feed {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new reminder feed: its URL carries the token and is shown only now.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewFeed {
    #[serde(flatten)]
    pub feed: Feed,
    /// The Atom feed to subscribe to (`…/monitoring/reminders/{token}/atom`).
    pub url: String,
}

impl From<db::reminders::FeedRow> for Feed {
    fn from(row: db::reminders::FeedRow) -> Self {
        Feed {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// Create a reminder feed
///
/// Staff (a token that reads). The feed lists, once a day, the municipalities whose plots are
/// stale, never confirmed or incomplete, as its owner may read them; the URL is shown only in
/// this answer.
#[utoipa::path(
    post,
    path = "/monitoring/reminders",
    tag = "monitoring",
    request_body = FeedRequest,
    responses(
        (status = 201, description = "Created", body = NewFeed),
        r::BadBody,
        r::NeedsToken,
        r::NotJson,
        (status = 403, description = "The token does not read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad name", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn create_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<FeedRequest>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_staff_read(caller.principal())?;
    let principal = caller.require_account()?;
    let name = body.name.trim();
    if let Some(problem) = credentials::name_problem(name, 100) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/name", problem,
        )]));
    }
    let (token, hash) = credentials::new_token().map_err(ApiError::internal)?;
    let mut conn = state.pool.get().await?;
    let row = db::reminders::create(&mut conn, principal.user_id, name, &hash).await?;
    let url = format!("{}/monitoring/reminders/{token}/atom", state.base_url(&req));
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(NewFeed {
            feed: row.into(),
            url,
        }))
}

/// List your reminder feeds
#[utoipa::path(
    get,
    path = "/monitoring/reminders",
    tag = "monitoring",
    responses(
        (status = 200, description = "Your feeds, newest first", body = Vec<Feed>),
        r::NeedsToken,
        (status = 403, description = "The token does not read", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn list_feeds(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    access::authorize_staff_read(caller.principal())?;
    let principal = caller.require_account()?;
    let mut conn = state.pool.get().await?;
    let feeds: Vec<Feed> = db::reminders::list(&mut conn, principal.user_id)
        .await?
        .into_iter()
        .map(Feed::from)
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .json(feeds))
}

/// Revoke a reminder feed
///
/// Its URL stops working at once (404). Only the owner revokes their feeds.
#[utoipa::path(
    delete,
    path = "/monitoring/reminders/{id}",
    tag = "monitoring",
    params(("id" = i64, Path, description = "The feed's id")),
    responses(
        (status = 204, description = "Revoked"),
        r::NeedsToken,
        (status = 404, description = "No such live feed of yours", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn revoke_feed(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.require_account()?;
    let not_found = || ApiError::NotFound(format!("no live reminder feed {id} of yours"));
    let feed_id: i64 = id.parse().map_err(|_| not_found())?;
    let mut conn = state.pool.get().await?;
    if !db::reminders::revoke(&mut conn, principal.user_id, feed_id).await? {
        return Err(not_found());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// A reminder feed (Atom)
///
/// The token in the path is the credential. One entry per municipality with stale, never
/// confirmed or incomplete plots, dated today (Germany), naming up to 50 plots per list.
#[utoipa::path(
    get,
    path = "/monitoring/reminders/{token}/atom",
    tag = "monitoring",
    params(("token" = String, Path, description = "The feed's token (from its URL)")),
    responses(
        (status = 200, description = "The feed", content_type = "application/atom+xml", body = String),
        (status = 404, description = "No such live feed", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(())
)]
pub async fn feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::NotFound("no such reminder feed (revoked?)".into());
    if token.len() > 200 {
        return Err(not_found());
    }
    let hash = credentials::token_hash(&token);
    let mut conn = state.pool.get().await?;
    let owner = db::reminders::owner(&mut conn, &hash)
        .await?
        .ok_or_else(not_found)?;
    let role = Role::parse(&owner.role).ok_or_else(not_found)?;
    let scope = access::feed_scope(role, owner.municipalities);
    let plots = db::monitoring::freshness(&mut conn, scope.as_deref()).await?;
    drop(conn);
    let today = freshness::today();
    let after = state.settings.stale_after_days;
    let towns = freshness::report(plots, today, after, LISTED);
    let base = state.base_url(&req);
    let body = atom(owner.feed_id, &owner.name, &base, today, after, &towns);
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(body))
}

/// The feed document: one entry per municipality that needs attention, its id fixed per feed,
/// town and day, so a reader shows each day's digest once.
pub fn atom(
    feed_id: i64,
    name: &str,
    base: &str,
    today: chrono::NaiveDate,
    after_days: u32,
    towns: &[MunicipalityFreshness],
) -> String {
    let updated = format!("{today}T00:00:00Z");
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str(&format!(
        "<id>urn:gewerbeflaechen:reminders:{feed_id}</id>\n<title>Erinnerungen: {}</title>\n<updated>{updated}</updated>\n<author><name>gewerbeflaechen</name></author>\n",
        escape(name)
    ));
    for town in towns {
        if town.stale_count + town.never_confirmed_count + town.incomplete_count == 0 {
            continue;
        }
        let list = |plots: &[freshness::PlotFreshness],
                    detail: &dyn Fn(&freshness::PlotFreshness) -> String| {
            plots
                .iter()
                .map(|p| format!("<li>{} ({})</li>", escape(&p.reference), escape(&detail(p))))
                .collect::<String>()
        };
        let html = format!(
            "<p>Veraltet (Stand älter als {after_days} Tage): {}</p><ul>{}</ul>\
             <p>Nie bestätigt: {}</p><ul>{}</ul><p>Unvollständig: {}</p><ul>{}</ul>\
             <p><a href=\"{base}/monitoring/freshness\">{base}/monitoring/freshness</a></p>",
            town.stale_count,
            list(&town.stale, &|p| format!(
                "Stand {}",
                p.data_confirmed_on.format("%d.%m.%Y")
            )),
            town.never_confirmed_count,
            list(&town.never_confirmed, &|p| format!(
                "Stand {}",
                p.data_confirmed_on.format("%d.%m.%Y")
            )),
            town.incomplete_count,
            list(&town.incomplete, &|p| format!(
                "fehlt: {}",
                p.missing.join(", ")
            )),
        );
        out.push_str(&format!(
            "<entry>\n<id>urn:gewerbeflaechen:reminders:{feed_id}:{}:{today}</id>\n<title>{}: {} veraltet, {} nie bestätigt, {} unvollständig</title>\n<updated>{updated}</updated>\n<link href=\"{}/monitoring/freshness\"/>\n<content type=\"html\">{}</content>\n</entry>\n",
            town.id,
            escape(&town.name),
            town.stale_count,
            town.never_confirmed_count,
            town.incomplete_count,
            escape(base),
            escape(&html),
        ));
    }
    out.push_str("</feed>\n");
    out
}
