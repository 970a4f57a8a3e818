//! Inquiries (leads): anyone sends one (`POST /inquiries`), about published plots or with a
//! requirement profile; it is routed to the municipality owning the plots (one inquiry per
//! town when the plots lie in several) or, for a profile, to the region's admins. Staff work
//! them through a pipeline (`staff`), match profiles against the plots (`matches`); admins
//! answer data-protection requests (`privacy`). docs/inquiries.md tells the whole story.

pub mod matches;
pub mod privacy;
pub mod staff;

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{parse_json, read_body_capped, require_json_content_type};
use crate::api::AppState;
use crate::config::protection::Class;
use crate::db;
use crate::domain::access::{self, InquiryAction, InquiryScope, Role};
use crate::domain::inquiry::mails::{self, Summary};
use crate::domain::inquiry::{
    InquiryRequest, InquiryStatus, LostReason, Profile, Source, MAX_BODY_BYTES,
};
use crate::domain::plot::Lang;
use crate::domain::FieldError;

/// The answer to every accepted `POST /inquiries`, robots' included: nothing in it tells a
/// dropped inquiry from a stored one.
#[derive(Debug, Serialize, ToSchema)]
pub struct Received {
    #[schema(example = "received")]
    pub status: &'static str,
    /// What happens next, in English.
    pub detail: &'static str,
}

const RECEIVED: Received = Received {
    status: "received",
    detail: "Thank you. Your inquiry goes to the economic development office responsible; \
             they will contact you.",
};

/// Send an inquiry
///
/// No account needed. About published plots (`plots`: ids or references; plots of several
/// municipalities make one inquiry for each), or a requirement profile (`profile`, for the
/// region's economic development office). The contact and the consent (its text version) are
/// required. At most 5 inquiries a minute per client address (`GWF_RATE_INQUIRY_PER_MIN`),
/// bodies up to 16 KiB. When mail is configured, the staff responsible are notified and the
/// inquirer gets a confirmation in their language.
#[utoipa::path(
    post,
    path = "/inquiries",
    tag = "inquiries",
    request_body = InquiryRequest,
    responses(
        (status = 202, description = "Received", body = Received),
        r::BadBody,
        (status = 413, description = "Body larger than 16 KiB", body = Problem, content_type = "application/problem+json"),
        r::NotJson,
        (status = 422, description = "Breaks a rule (each named in `errors`), or a plot is not published", body = Problem, content_type = "application/problem+json"),
        r::RateLimited,
        r::Busy,
    ),
    security(())
)]
pub async fn submit_inquiry(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    access::authorize_inquiry(None, InquiryAction::Submit)?;
    state.limits.check(Class::Inquiry, state.client(&req))?;
    require_json_content_type(&req)?;
    let mut payload = payload.into_inner();
    let body = read_body_capped(&req, &mut payload, MAX_BODY_BYTES).await?;
    let request: InquiryRequest = parse_json(&body)?;
    // A robot is answered like a person: a body that breaks its own rules gets their 422, a
    // well-formed one with the bait taken the 202 of any inquiry, and nothing is stored.
    let bait = request.is_bait_taken();
    let new = request.check().map_err(ApiError::Validation)?;
    if bait {
        crate::api::counters::inquiry_dropped();
        return Ok(received());
    }
    let mut conn = state.pool.get().await?;
    let routes = match (&new.profile, &new.shortlist) {
        (Some(_), _) => vec![(None, Vec::new())],
        (None, Some(code)) => shortlist_routes(&mut conn, code).await?,
        (None, None) => {
            let found = db::inquiries::published_plots(&mut conn, &new.plots).await?;
            let missing: Vec<FieldError> = new
                .plots
                .iter()
                .enumerate()
                .filter(|(_, key)| {
                    !found.iter().any(|p| match key {
                        crate::domain::plot::PlotKey::Id(id) => p.id == *id,
                        crate::domain::plot::PlotKey::Reference(r) => &p.reference == r,
                    })
                })
                .map(|(i, _)| FieldError::new(format!("/plots/{i}"), "no published plot"))
                .collect();
            if !missing.is_empty() {
                return Err(ApiError::Validation(missing));
            }
            let mut towns: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
            for plot in found {
                towns.entry(plot.municipality_id).or_default().push(plot.id);
            }
            towns.into_iter().map(|(m, ids)| (Some(m), ids)).collect()
        }
    };
    let ids: Vec<i64> = conn
        .transaction(async |conn| db::inquiries::create(conn, &new, &routes).await)
        .await?;
    drop(conn);
    tracing::info!(inquiries = ?ids, "inquiry received");
    if state.mailer.is_some() {
        let state = state.clone();
        let base = state.mail_base.clone();
        actix_web::rt::spawn(async move {
            if let Err(error) = notify(&state, &ids, &base).await {
                tracing::warn!(%error, inquiries = ?ids, "inquiry mails not sent");
            }
        });
    }
    Ok(received())
}

/// The towns of a shortlist's plots still published, each with its plots in the shortlist's
/// order: routed as an inquiry naming those plots would be.
async fn shortlist_routes(
    conn: &mut diesel_async::AsyncPgConnection,
    code: &crate::domain::shortlist::Code,
) -> Result<Vec<(Option<i64>, Vec<i64>)>, ApiError> {
    let Some(shortlist) = db::shortlists::get(conn, code).await? else {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/shortlist",
            "no such shortlist",
        )]));
    };
    let keys: Vec<crate::domain::plot::PlotKey> = shortlist
        .plot_ids
        .iter()
        .map(|id| crate::domain::plot::PlotKey::Id(*id))
        .collect();
    let found = db::inquiries::published_plots(conn, &keys).await?;
    let mut towns: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for id in &shortlist.plot_ids {
        if let Some(plot) = found.iter().find(|p| p.id == *id) {
            towns.entry(plot.municipality_id).or_default().push(plot.id);
        }
    }
    if towns.is_empty() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/shortlist",
            "none of the shortlist's plots is still published",
        )]));
    }
    Ok(towns.into_iter().map(|(m, ids)| (Some(m), ids)).collect())
}

fn received() -> HttpResponse {
    HttpResponse::Accepted()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(RECEIVED)
}

/// The mails of a new submission: a notice per inquiry to the staff it is routed to
/// (`access::notified`), one confirmation to the inquirer. Addresses never reach the log.
async fn notify(state: &AppState, ids: &[i64], base: &str) -> anyhow::Result<()> {
    let Some(mailer) = &state.mailer else {
        return Ok(());
    };
    let mut conn = state.pool.get().await?;
    let staff = db::inquiries::staff(&mut conn).await?;
    let mut confirmed = false;
    for id in ids {
        let Some(row) = db::inquiries::get(&mut conn, &InquiryScope::Region, *id, false).await?
        else {
            continue;
        };
        let summary = summary(&row);
        let routed = row.municipality_id;
        let town_has_editors = staff.iter().any(|a| {
            Role::parse(&a.role) == Some(Role::Editor)
                && routed.is_some_and(|m| a.municipalities.contains(&m))
        });
        let mut notified = 0;
        for account in &staff {
            let Some(role) = Role::parse(&account.role) else {
                continue;
            };
            if !access::notified(role, &account.municipalities, routed, town_has_editors) {
                continue;
            }
            let lang = Lang::parse(&account.language).unwrap_or(Lang::De);
            match mailer
                .send(&account.email, &mails::staff_notice(&summary, lang, base))
                .await
            {
                Ok(()) => notified += 1,
                Err(error) => {
                    tracing::warn!(inquiry = id, user_id = account.id, %error, "notice not sent")
                }
            }
        }
        let mut confirmation = false;
        if !confirmed {
            if let Some(email) = &row.contact_email {
                let lang = Lang::parse(&row.language).unwrap_or(Lang::De);
                // One confirmation per submission, naming every town it went to.
                let mut all = summary.clone();
                if ids.len() > 1 {
                    all.town = None;
                    all.plots = Vec::new();
                    for other in ids {
                        if let Some(o) =
                            db::inquiries::get(&mut conn, &InquiryScope::Region, *other, false)
                                .await?
                        {
                            all.plots.extend(o.plot_references);
                        }
                    }
                }
                match mailer.send(email, &mails::confirmation(&all, lang)).await {
                    Ok(()) => confirmation = true,
                    Err(error) => tracing::warn!(inquiry = id, %error, "confirmation not sent"),
                }
                confirmed = true;
            }
        }
        db::inquiries::mark_mailed(&mut conn, *id, notified > 0, confirmation).await?;
    }
    Ok(())
}

pub(crate) fn summary(row: &db::inquiries::InquiryRow) -> Summary {
    Summary {
        id: row.id,
        plots: row.plot_references.clone(),
        town: row.municipality_name.clone(),
        profile: profile(row),
        source: serde_json::from_value(serde_json::Value::String(row.source.clone()))
            .unwrap_or_default(),
    }
}

pub(crate) fn profile(row: &db::inquiries::InquiryRow) -> Option<Profile> {
    row.profile
        .clone()
        .and_then(|p| serde_json::from_value(p).ok())
}

/// Whom to answer; all `null` once the inquiry is anonymised.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    pub name: Option<String>,
    pub company: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `de` or `en`.
    pub language: String,
}

/// The municipality an inquiry is routed to.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutedTo {
    pub id: i64,
    pub name: Option<String>,
}

/// An inquiry as staff read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Inquiry {
    pub id: i64,
    /// Inquiries sent together (one per town) share this number.
    pub submission: i64,
    /// `plots` or `profile`.
    pub kind: String,
    /// The municipality it is routed to; `null` for a profile (the region's admins).
    pub routed_to: Option<RoutedTo>,
    pub plot_ids: Vec<i64>,
    pub plot_references: Vec<String>,
    pub profile: Option<Profile>,
    /// The shortlist's code when it was sent from one (`/s/{code}`).
    pub shortlist: Option<String>,
    pub source: Source,
    /// Free text of the inquirer (`null` once anonymised).
    pub message: Option<String>,
    pub contact: ContactView,
    /// Version of the consent text the inquirer accepted, and when.
    pub consent_version: String,
    pub consent_at: DateTime<Utc>,
    pub status: InquiryStatus,
    pub lost_reason: Option<LostReason>,
    pub assignee_id: Option<i64>,
    /// The ETag's number: send it in `If-Match` with a change.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it first left `new`, or a shortlist was mailed (docs/inquiries.md).
    pub first_response_at: Option<DateTime<Utc>>,
    /// When it was won or lost.
    pub closed_at: Option<DateTime<Utc>>,
    /// When its personal data was cleared (retention or erasure).
    pub anonymised_at: Option<DateTime<Utc>>,
}

impl From<db::inquiries::InquiryRow> for Inquiry {
    fn from(row: db::inquiries::InquiryRow) -> Self {
        Inquiry {
            profile: profile(&row),
            source: serde_json::from_value(serde_json::Value::String(row.source.clone()))
                .unwrap_or_default(),
            id: row.id,
            submission: row.submission,
            kind: row.kind,
            routed_to: row.municipality_id.map(|id| RoutedTo {
                id,
                name: row.municipality_name,
            }),
            plot_ids: row.plot_ids,
            plot_references: row.plot_references,
            shortlist: row.shortlist_code,
            message: row.message,
            contact: ContactView {
                name: row.contact_name,
                company: row.contact_company,
                email: row.contact_email,
                phone: row.contact_phone,
                language: row.language,
            },
            consent_version: row.consent_version,
            consent_at: row.consent_at,
            status: InquiryStatus::parse(&row.status).unwrap_or(InquiryStatus::New),
            lost_reason: row.lost_reason.as_deref().and_then(LostReason::parse),
            assignee_id: row.assignee_id,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            first_response_at: row.first_response_at,
            closed_at: row.closed_at,
            anonymised_at: row.anonymised_at,
        }
    }
}

/// One entry of an inquiry's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct InquiryHistoryEntry {
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    /// Who: an account's name, `inquirer` or `system`.
    pub actor: String,
    /// `created`, `status`, `assignee`, `note`, `shortlist_sent` or `anonymised`.
    pub action: String,
    /// What changed: `{"status": ["new", "answered"]}`, `{"note": "…"}` (`null` once
    /// anonymised), `{"plots": [...]}` for a shortlist.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
}

impl From<db::inquiries::HistoryRow> for InquiryHistoryEntry {
    fn from(row: db::inquiries::HistoryRow) -> Self {
        InquiryHistoryEntry {
            at: row.at,
            user_id: row.user_id,
            actor: row.actor,
            action: row.action,
            changes: row.changes,
        }
    }
}
