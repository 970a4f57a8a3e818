//! `POST /plots/{key}/preview-link`: a link to a draft's profile page that works in a browser
//! for one hour, for that plot only (`domain::preview`). Staff make it; whoever they send it
//! to can look, without an account.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::error::responses as r;
use crate::api::error::ApiError;
use crate::api::extract::Caller;
use crate::api::AppState;
use crate::db;
use crate::domain::plot::PlotKey;
use crate::domain::preview::{self, PREVIEW_TTL_SECS};

/// A preview link of a plot's profile page.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewLink {
    /// The profile page with its preview token, e.g.
    /// `https://flaechen.example.org/plots/17/profile?preview=1767225600.5bdc…`. Add `&lang=en`
    /// for English.
    pub url: String,
    /// When the link stops working (1 hour after it was made).
    pub expires_at: DateTime<Utc>,
}

/// Whether `token` opens the profile of plot `plot_id` now.
pub(crate) fn opens(state: &AppState, token: &str, plot_id: i64) -> bool {
    preview::verify(
        state.settings.preview_secret.expose().as_bytes(),
        token,
        plot_id,
        Utc::now().timestamp(),
    )
}

/// Preview link of a plot's profile
///
/// A link to the profile page (`GET /plots/{key}/profile`) that shows the plot even while it is
/// a draft, marked as such, to anyone who has it, for one hour. For staff who may read the plot
/// (a token that may `read`). The link names the plot by id and cannot be turned to another
/// plot or a longer life. Signed with `GWF_PREVIEW_SECRET` (without it, with a secret made at
/// start-up: links then stop working when the service restarts).
#[utoipa::path(
    post,
    path = "/plots/{key}/preview-link",
    tag = "maps",
    params(("key" = String, Path, description = "Plot id or reference")),
    responses(
        (status = 200, description = "The link", body = PreviewLink),
        r::NeedsToken,
        (status = 403, description = "The token may not `read`", body = crate::api::error::Problem, content_type = "application/problem+json"),
        r::NoSuchPlot,
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn preview_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff_read()?;
    let key = crate::api::plots::plot_key(&key)?;
    let mut conn = state.pool.get().await?;
    let (row, _) = db::plots::find(&mut conn, &caller.plot_set(), &key)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(match &key {
                PlotKey::Id(id) => format!("no plot {id}"),
                PlotKey::Reference(r) => format!("no plot `{r}`"),
            })
        })?;
    drop(conn);
    let now = Utc::now();
    let expires = now.timestamp() + PREVIEW_TTL_SECS;
    let token = preview::sign(
        state.settings.preview_secret.expose().as_bytes(),
        row.id,
        expires,
    );
    let link = PreviewLink {
        url: format!(
            "{}/plots/{}/profile?preview={token}",
            state.base_url(&req),
            row.id
        ),
        expires_at: DateTime::from_timestamp(expires, 0).unwrap_or(now),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(link))
}
