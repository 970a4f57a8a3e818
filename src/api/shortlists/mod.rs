//! Shortlists: a visitor's collected plots behind a short unguessable code. `POST /shortlists`
//! makes one, `GET /shortlists/{code}` reads it as JSON, `/s/{code}` is its compare page
//! (`page`) and `/s/{code}/qr.svg` its link as a QR code for the kiosk. docs/shortlists.md.

pub mod page;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{parse_json, read_body_capped, require_json_content_type, Caller};
use crate::api::views::Plot;
use crate::api::AppState;
use crate::config::protection::Class;
use crate::db;
use crate::domain::access::{self, PlotSet, ShortlistAction};
use crate::domain::plot::PlotKey;
use crate::domain::shortlist::{Code, CreateShortlist, MAX_BODY_BYTES};
use crate::domain::FieldError;

/// A shortlist as `GET /shortlists/{code}` and `POST /shortlists` answer it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Shortlist {
    /// The code: 12 characters, the shortlist's only key.
    #[schema(example = "7k2m9qx4rt0b")]
    pub code: String,
    /// Its page (the compare view, DE/EN, printable): `/s/{code}` on this service.
    #[schema(example = "https://flaechen.example/s/7k2m9qx4rt0b")]
    pub url: String,
    /// The page's link as a QR code (SVG).
    pub qr_url: String,
    pub created_at: DateTime<Utc>,
    /// The plots still published, in the visitor's order, as the public reads them.
    pub plots: Vec<Plot>,
    /// How many of its plots are no longer available (unpublished, sold and withdrawn, or
    /// deleted since): counted, not named.
    pub unavailable: usize,
}

/// A loaded shortlist: its row and its plots as the public reads them.
pub(crate) struct Loaded {
    pub code: Code,
    pub created_at: DateTime<Utc>,
    pub plots: Vec<Plot>,
    pub unavailable: usize,
}

/// The code of a path, or 404 for anything that cannot be one (no lookup).
pub(crate) fn code(text: &str) -> Result<Code, ApiError> {
    Code::parse(text).ok_or_else(|| ApiError::NotFound("no such shortlist".into()))
}

/// The shortlist of `code` with its plots still published, in order; 404 if there is none.
pub(crate) async fn load(
    state: &AppState,
    caller: &Caller,
    code: Code,
) -> Result<Loaded, ApiError> {
    access::authorize_shortlist(caller.principal(), ShortlistAction::Read)?;
    let scope = access::shortlist_scope(caller.principal());
    let mut conn = state.pool.get().await?;
    let Some(row) = db::shortlists::get(&mut conn, &code).await? else {
        return Err(ApiError::NotFound("no such shortlist".into()));
    };
    let rows = db::plots::by_keys(
        &mut conn,
        &row.plot_ids,
        &[],
        &PlotSet::Readable(scope.clone()),
    )
    .await?;
    drop(conn);
    let plots: Vec<Plot> = row
        .plot_ids
        .iter()
        .filter_map(|id| rows.iter().find(|(r, _)| r.id == *id))
        .map(|(r, g)| Plot::from_row(r.clone(), g.clone(), &scope))
        .collect();
    Ok(Loaded {
        code,
        created_at: row.created_at,
        unavailable: row.plot_ids.len() - plots.len(),
        plots,
    })
}

fn view(base: &str, loaded: Loaded) -> Shortlist {
    Shortlist {
        url: format!("{base}/s/{}", loaded.code),
        qr_url: format!("{base}/s/{}/qr.svg", loaded.code),
        code: loaded.code.to_string(),
        created_at: loaded.created_at,
        plots: loaded.plots,
        unavailable: loaded.unavailable,
    }
}

/// Make a shortlist
///
/// No account needed. Published plots (ids or references, 1–12 after duplicates are removed,
/// in the order given) are stored under a new random code; the answer has its page's URL
/// (`/s/{code}`) and QR code. A shortlist never changes: a changed collection is a new
/// shortlist. It is deleted when nobody opened it for `GWF_SHORTLIST_RETENTION_DAYS` (180).
/// At most 10 a minute per client address (`GWF_RATE_SHORTLIST_PER_MIN`), bodies up to 2 KiB.
#[utoipa::path(
    post,
    path = "/shortlists",
    tag = "shortlists",
    request_body = CreateShortlist,
    responses(
        (status = 201, description = "Made; `Location` is its JSON", body = Shortlist,
         headers(("Location" = String, description = "`/shortlists/{code}`"))),
        r::BadBody,
        (status = 413, description = "Body larger than 2 KiB", body = Problem, content_type = "application/problem+json"),
        r::NotJson,
        (status = 422, description = "No plots, more than 12, or one that is not a published plot (each named in `errors`)", body = Problem, content_type = "application/problem+json"),
        r::BadToken,
        r::RateLimited,
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn create_shortlist(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    access::authorize_shortlist(caller.principal(), ShortlistAction::Create)?;
    state.limits.check(Class::Shortlist, state.client(&req))?;
    require_json_content_type(&req)?;
    let mut payload = payload.into_inner();
    let body = read_body_capped(&req, &mut payload, MAX_BODY_BYTES).await?;
    let request: CreateShortlist = parse_json(&body)?;
    let keys = request.check().map_err(ApiError::Validation)?;
    let scope = access::shortlist_scope(caller.principal());
    let (mut ids, mut references) = (Vec::new(), Vec::new());
    for key in &keys {
        match key {
            PlotKey::Id(id) => ids.push(*id),
            PlotKey::Reference(r) => references.push(r.clone()),
        }
    }
    let mut conn = state.pool.get().await?;
    let rows = db::plots::by_keys(&mut conn, &ids, &references, &PlotSet::Readable(scope)).await?;
    let mut plot_ids = Vec::new();
    let mut missing = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let found = rows.iter().find(|(r, _)| match key {
            PlotKey::Id(id) => r.id == *id,
            PlotKey::Reference(reference) => r.facts.reference.eq_ignore_ascii_case(reference),
        });
        match found {
            // The same plot by id and by reference counts once.
            Some((r, _)) if !plot_ids.contains(&r.id) => plot_ids.push(r.id),
            Some(_) => {}
            None => missing.push(FieldError::new(format!("/plots/{i}"), "no published plot")),
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing));
    }
    // A taken code (1 in 2^60 per stored shortlist) draws another; three in a row would mean
    // a broken random source, which is an error, not a retry loop.
    let mut made = None;
    for _ in 0..3 {
        let code = Code::generate().map_err(ApiError::internal)?;
        if db::shortlists::create(&mut conn, &code, &plot_ids).await? {
            made = Some(code);
            break;
        }
    }
    let code =
        made.ok_or_else(|| ApiError::internal(anyhow::anyhow!("shortlist codes collide")))?;
    drop(conn);
    crate::api::counters::shortlist_created();
    let loaded = load(&state, &caller, code).await?;
    let base = state.base_url(&req);
    let view = view(&base, loaded);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/shortlists/{}", view.code)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view))
}

/// Read a shortlist
///
/// By its code, which is the only permission needed. Its plots still published, in order, as
/// the public reads them (for staff too: the link is public); those unpublished or deleted
/// since are counted in `unavailable`, not named.
#[utoipa::path(
    get,
    path = "/shortlists/{code}",
    tag = "shortlists",
    params(("code" = String, Path, description = "The shortlist's code (12 characters)")),
    responses(
        (status = 200, description = "The shortlist", body = Shortlist),
        (status = 404, description = "No such shortlist (never made, deleted after the retention time, or not a code)", body = Problem, content_type = "application/problem+json"),
        r::BadToken,
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn get_shortlist(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = code(&path)?;
    let loaded = load(&state, &caller, code).await?;
    let base = state.base_url(&req);
    Ok(HttpResponse::Ok()
        // Private: a link passed on, not something for shared caches to keep.
        .insert_header((header::CACHE_CONTROL, "private, max-age=60"))
        .json(view(&base, loaded)))
}

/// A shortlist's link as a QR code
///
/// An SVG (black modules on white, with the quiet zone) of the absolute URL of `/s/{code}`,
/// for the kiosk to show so a visitor takes the shortlist along on their phone. A shortlist
/// never changes, so the image may be cached for a day.
#[utoipa::path(
    get,
    path = "/s/{code}/qr.svg",
    tag = "shortlists",
    params(("code" = String, Path, description = "The shortlist's code (12 characters)")),
    responses(
        (status = 200, description = "The QR code", content_type = "image/svg+xml"),
        (status = 404, description = "No such shortlist", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(())
)]
pub async fn shortlist_qr(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = code(&path)?;
    let mut conn = state.pool.get().await?;
    if db::shortlists::get(&mut conn, &code).await?.is_none() {
        return Err(ApiError::NotFound("no such shortlist".into()));
    }
    drop(conn);
    let url = format!("{}/s/{code}", state.base_url(&req));
    let svg = qr_svg(&url).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(svg))
}

/// `text` as a QR code in SVG: error correction M (a smudged kiosk screen or a phone at an
/// angle still reads it), black on white, the four-module quiet zone readers need. The
/// `qrcode` crate writes a rectangle and one path, no script; the text is at most a URL of a
/// configured base and a code, far within a QR code's capacity.
pub fn qr_svg(text: &str) -> anyhow::Result<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(256, 256)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build())
}
