//! Matching a requirement profile against the published plots (the ordinary search, ranked
//! by `domain::inquiry::matching::score`), and mailing the inquirer a shortlist.

use actix_web::{web, HttpRequest, HttpResponse};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::staff::inquiry_id;
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, JsonBody};
use crate::api::AppState;
use crate::db;
use crate::domain::access::{self, InquiryAction, PlotSet, ReadScope};
use crate::domain::inquiry::mails::{self, Listed};
use crate::domain::inquiry::matching::{self, Candidate};
use crate::domain::inquiry::{PlotRef, Profile};
use crate::domain::plot::{Lang, PlotKey, PlotStatus, Zoning};
use crate::domain::search::{GeometryForm, PlotQuery};
use crate::domain::FieldError;

/// A plot that fits a profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Match {
    /// 0–100, higher fits better (docs/inquiries.md).
    pub score: u32,
    pub id: i64,
    pub reference: String,
    pub title_de: String,
    pub title_en: Option<String>,
    pub municipality: String,
    /// Units: m².
    pub area_m2: f64,
    pub zoning: Zoning,
    pub status: PlotStatus,
    /// The public profile page.
    pub profile_url: String,
}

/// The plots matching an inquiry's profile, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Matches {
    /// At most 20.
    pub matches: Vec<Match>,
}

fn listed(hit: &db::search::Hit, score: u32, base: &str) -> Match {
    let f = &hit.row.facts;
    Match {
        score,
        id: hit.row.id,
        reference: f.reference.clone(),
        title_de: f.title_de.clone(),
        title_en: f.title_en.clone(),
        municipality: hit.row.municipality_name.clone(),
        area_m2: hit.row.area_m2,
        zoning: f.zoning,
        status: f.status,
        profile_url: format!("{base}/plots/{}/profile", f.reference),
    }
}

async fn ranked(
    conn: &mut diesel_async::AsyncPgConnection,
    profile: &Profile,
    base: &str,
) -> Result<Vec<Match>, ApiError> {
    let query = matching::query(profile);
    let set = PlotSet::Readable(ReadScope::Public);
    let (hits, _) = db::search::page(conn, &query, &set, matching::CANDIDATES).await?;
    let today = crate::domain::freshness::today();
    let candidates = hits
        .into_iter()
        .map(|hit| {
            let c = Candidate::of(&hit.row.facts, hit.row.area_m2);
            let reference = hit.row.facts.reference.clone();
            (hit, reference, c)
        })
        .collect();
    Ok(matching::rank(profile, candidates, today)
        .into_iter()
        .map(|(hit, score)| listed(&hit, score, base))
        .collect())
}

fn no_profile() -> ApiError {
    ApiError::Conflict {
        detail: "this inquiry is about given plots; only a requirement profile is matched".into(),
        errors: Vec::new(),
    }
}

/// Plots matching an inquiry's profile
///
/// The published plots that pass the profile's hard needs (area, type of use, rail, date,
/// budget), ranked by how well they fit the rest (power, 24 h operation, size, readiness,
/// price). The same search as `GET /plots`. 409 for an inquiry about given plots.
#[utoipa::path(
    get,
    path = "/inquiries/{id}/matches",
    tag = "inquiries",
    params(("id" = i64, Path, description = "The inquiry's id")),
    responses(
        (status = 200, description = "Best first", body = Matches),
        r::NeedsToken,
        (status = 403, description = "A viewer, or a token that does not read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such inquiry routed to you", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An inquiry about given plots (no profile)", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn inquiry_matches(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = access::inquiry_scope(caller.principal())?;
    let id = inquiry_id(&id)?;
    let mut conn = state.pool.get().await?;
    let row = db::inquiries::get(&mut conn, &scope, id, false)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no inquiry {id} routed to you")))?;
    let profile = super::profile(&row).ok_or_else(no_profile)?;
    let matches = ranked(&mut conn, &profile, &state.base_url(&req)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .json(Matches { matches }))
}

/// Which plots to mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShortlistRequest {
    /// Published plots (ids or references), 1–20. Left out: the inquiry's best matches.
    #[serde(default)]
    pub plots: Option<Vec<PlotRef>>,
}

/// Mail a shortlist to the inquirer
///
/// A mail in the inquirer's language listing the plots with links to their profile pages. It
/// counts as a response (`first_response_at`) and is recorded in the history. Needs mail to
/// be configured (`GWF_SMTP_URL`).
#[utoipa::path(
    post,
    path = "/inquiries/{id}/shortlist",
    tag = "inquiries",
    params(("id" = i64, Path, description = "The inquiry's id")),
    request_body = ShortlistRequest,
    responses(
        (status = 200, description = "Mailed; the inquiry as it is now", body = super::staff::InquiryDetail),
        r::BadBody,
        r::NeedsToken,
        (status = 403, description = "A viewer, or a token that does not write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such inquiry routed to you", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No mail configured, the inquiry is anonymised, or no plots given for an inquiry without profile", body = Problem, content_type = "application/problem+json"),
        r::NotJson,
        (status = 422, description = "A plot is not published, or none fits", body = Problem, content_type = "application/problem+json"),
        r::RateLimited,
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn send_shortlist(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    JsonBody(body): JsonBody<ShortlistRequest>,
) -> Result<HttpResponse, ApiError> {
    let scope = access::inquiry_scope(caller.principal())?;
    let principal = caller.require_account()?.clone();
    let id = inquiry_id(&id)?;
    let mut conn = state.pool.get().await?;
    let row = db::inquiries::get(&mut conn, &scope, id, false)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no inquiry {id} routed to you")))?;
    access::authorize_inquiry(
        Some(&principal),
        InquiryAction::Change {
            routed_to: row.municipality_id,
        },
    )?;
    let conflict = |detail: &str| ApiError::Conflict {
        detail: detail.into(),
        errors: Vec::new(),
    };
    let mailer = state
        .mailer
        .as_ref()
        .ok_or_else(|| conflict("no mail server is configured (GWF_SMTP_URL)"))?;
    let email = row
        .contact_email
        .clone()
        .ok_or_else(|| conflict("the inquiry is anonymised: there is no address to mail"))?;
    let base = state.mail_base.clone();
    let plots: Vec<Match> = match body.plots {
        Some(refs) => {
            if refs.is_empty() || refs.len() > matching::SHOWN {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "/plots",
                    "name 1 to 20 plots",
                )]));
            }
            let mut keys = Vec::new();
            for (i, r) in refs.iter().enumerate() {
                let key = match r {
                    PlotRef::Id(id) => Some(PlotKey::Id(*id)),
                    PlotRef::Reference(text) => PlotKey::parse(text.trim()),
                }
                .ok_or_else(|| {
                    ApiError::Validation(vec![FieldError::new(
                        format!("/plots/{i}"),
                        "no published plot",
                    )])
                })?;
                keys.push(key);
            }
            let found = db::inquiries::published_plots(&mut conn, &keys).await?;
            if found.len() != keys.len() {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "/plots",
                    "every plot must be a published one, each named once",
                )]));
            }
            let query = PlotQuery {
                ids: found.iter().map(|p| p.id).collect(),
                geometry_form: GeometryForm::None,
                limit: matching::SHOWN as i64,
                ..PlotQuery::default()
            };
            let set = PlotSet::Readable(ReadScope::Public);
            let (hits, _) = db::search::page(&mut conn, &query, &set, query.limit).await?;
            hits.iter().map(|h| listed(h, 0, &base)).collect()
        }
        None => {
            let profile = super::profile(&row).ok_or_else(no_profile)?;
            ranked(&mut conn, &profile, &base).await?
        }
    };
    if plots.is_empty() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/plots",
            "no published plot fits the profile; name plots to send",
        )]));
    }
    let lang = Lang::parse(&row.language).unwrap_or(Lang::De);
    let list: Vec<Listed> = plots
        .iter()
        .map(|m| Listed {
            reference: m.reference.clone(),
            title: match (lang, &m.title_en) {
                (Lang::En, Some(t)) => t.clone(),
                _ => m.title_de.clone(),
            },
            municipality: m.municipality.clone(),
            area_m2: m.area_m2,
        })
        .collect();
    mailer
        .send(&email, &mails::shortlist(&list, lang, &base))
        .await
        .map_err(|e| {
            ApiError::Overloaded(format!(
                "the shortlist could not be mailed ({e}); nothing was recorded, try again"
            ))
        })?;
    let references: Vec<&str> = plots.iter().map(|m| m.reference.as_str()).collect();
    conn.transaction(async |conn| {
        let change = db::inquiries::Change {
            responded: true,
            ..Default::default()
        };
        db::inquiries::apply(conn, id, &change).await?;
        db::inquiries::add_history(
            conn,
            id,
            Some(principal.user_id),
            &principal.display_name,
            "shortlist_sent",
            &serde_json::json!({ "plots": references }),
        )
        .await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    super::staff::respond_detail(&mut conn, &scope, id).await
}
