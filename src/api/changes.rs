//! The change feed for websites and portals that keep a copy of the plots (`GET /changes`), and
//! an Atom feed of newly published plots for people (`GET /changes/atom`). Rules in
//! `domain::changes`, how the feed stays gap-free in migration 000015.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::error::responses as r;
use crate::api::error::ApiError;
use crate::api::extract::QueryParams;
use crate::api::plots::filters::{known_places, NamedPlaces};
use crate::api::plots::values::{ids, municipalities};
use crate::api::views::Link;
use crate::api::xml::escape;
use crate::api::AppState;
use crate::db;
use crate::domain::access::{PlotSet, ReadScope};
use crate::domain::changes::{ChangeCursor, ChangeKind, DEFAULT_LIMIT, MAX_LIMIT};
use crate::domain::FieldError;

/// Entries of the Atom feed.
const ATOM_ENTRIES: i64 = 50;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// Where to go on: the `next_cursor` of the last page read; `0` (or left out) is the
    /// start of the feed, which begins with every plot public when the feed was introduced.
    #[param(pattern = "^[0-9]{1,18}$")]
    pub since: Option<String>,
    /// Changes per page, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Only these municipalities' plots: ids or AGS, comma-separated (as in `GET /plots`).
    #[serde(default, deserialize_with = "crate::api::plots::values::list")]
    #[param(value_type = Option<String>)]
    pub municipality: Option<Vec<String>>,
    /// Only these regions' plots: ids, comma-separated.
    #[serde(default, deserialize_with = "crate::api::plots::values::list")]
    #[param(value_type = Option<String>)]
    pub region: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AtomParams {
    /// Only these municipalities' plots: ids or AGS, comma-separated.
    #[serde(default, deserialize_with = "crate::api::plots::values::list")]
    #[param(value_type = Option<String>)]
    pub municipality: Option<Vec<String>>,
    /// Only these regions' plots: ids, comma-separated.
    #[serde(default, deserialize_with = "crate::api::plots::values::list")]
    #[param(value_type = Option<String>)]
    pub region: Option<Vec<String>>,
    /// Language of the entries, `de` (default) or `en`.
    #[param(pattern = "^(de|en)$")]
    pub lang: Option<String>,
}

/// One public change of a plot.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    /// Position of this change: reading on with `since` set to it starts after it.
    pub cursor: String,
    pub kind: ChangeKind,
    pub plot_id: i64,
    /// The plot's reference as the public saw it at this change.
    pub reference: String,
    pub municipality_id: i64,
    /// When it took effect.
    pub changed_at: DateTime<Utc>,
    /// The plot now (404 once it is unpublished or deleted).
    pub href: String,
}

impl Change {
    /// As the feed and webhooks send it; links start with `base`.
    pub fn from_row(r: db::changes::ChangeRow, base: &str) -> Option<Change> {
        Some(Change {
            cursor: r.cursor().to_string(),
            kind: ChangeKind::parse(&r.kind)?,
            href: format!("{base}/plots/{}", r.plot_id),
            plot_id: r.plot_id,
            reference: r.reference,
            municipality_id: r.municipality_id,
            changed_at: r.changed_at,
        })
    }
}

/// A page of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    /// Oldest first, in the order the changes were made.
    pub changes: Vec<Change>,
    /// Store it and send it as `since` next time: the position after this page (the same as
    /// `since` when nothing new was ready).
    pub next_cursor: String,
    /// True when the page is full: read on at once; else poll again later.
    pub more: bool,
    pub links: Vec<Link>,
}

/// Municipality ids the request names, checked (an unknown one is a 400), or `None` for all.
pub(crate) async fn chosen_municipalities(
    state: &AppState,
    municipality: &Option<Vec<String>>,
    region: &Option<Vec<String>>,
) -> Result<Option<Vec<i64>>, ApiError> {
    if municipality.is_none() && region.is_none() {
        return Ok(None);
    }
    let mut errors: Vec<FieldError> = Vec::new();
    let (mut municipality_ids, ags) = municipalities(municipality, &mut errors);
    let region_ids = ids("region", region, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::bad_params(errors));
    }
    let named = NamedPlaces {
        regions: ("region", region_ids.clone()),
        municipalities: ("municipality", municipality_ids.clone()),
        ags: ("municipality", ags),
        ..NamedPlaces::default()
    };
    let mut conn = state.pool.get().await?;
    let public = PlotSet::Readable(ReadScope::Public);
    municipality_ids.extend(
        known_places(&mut conn, &public, &named)
            .await?
            .into_values(),
    );
    if !region_ids.is_empty() {
        municipality_ids.extend(db::changes::municipalities_of(&mut conn, &region_ids).await?);
    }
    Ok(Some(municipality_ids))
}

/// Public changes of plots
///
/// Every public change of a plot — `published` (new or again), `updated` (a public fact of a
/// published plot), `unpublished`, `deleted` — in the order the writes committed, for websites
/// and portals that keep a copy in sync. Start without `since` (or `since=0`): the feed begins
/// with a `published` entry for every plot that was public when the feed was introduced. Then
/// keep `next_cursor` and ask again with `since=<it>`: each change comes exactly once, with
/// no gaps even while several writers commit at once (changes are numbered in commit order).
/// Edits of drafts and of internal fields are not in the feed.
#[utoipa::path(
    get, path = "/changes", tag = "changes", params(ChangesParams),
    responses(
        (status = 200, description = "A page of changes", body = ChangePage),
        r::BadQuery,
        r::Busy,
        r::RateLimited,
    ),
    security(())
)]
pub async fn changes(
    req: HttpRequest,
    state: web::Data<AppState>,
    QueryParams(params): QueryParams<ChangesParams>,
) -> Result<HttpResponse, ApiError> {
    let since = match params.since.as_deref() {
        None => ChangeCursor::START,
        Some(text) => ChangeCursor::parse(text).ok_or_else(|| {
            ApiError::bad_parameter("since", "is not a cursor from `next_cursor` (or `0`)")
        })?,
    };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_parameter(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let chosen = chosen_municipalities(&state, &params.municipality, &params.region).await?;
    let mut conn = state.pool.get().await?;
    let rows = db::changes::page(&mut conn, since, limit, chosen.as_deref()).await?;
    drop(conn);
    let base = state.base_url(&req);
    let next = rows.last().map_or(since, |r| r.cursor());
    let more = rows.len() as i64 == limit;
    let changes: Vec<Change> = rows
        .into_iter()
        .filter_map(|r| Change::from_row(r, &base))
        .collect();
    let page_href = |cursor: ChangeCursor| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
            if k != "since" {
                query.append_pair(&k, &v);
            }
        }
        query.append_pair("since", &cursor.to_string());
        format!("{base}/changes?{}", query.finish())
    };
    let links = vec![
        Link {
            href: page_href(since),
            rel: "self",
            type_: "application/json",
        },
        Link {
            href: page_href(next),
            rel: "next",
            type_: "application/json",
        },
    ];
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(ChangePage {
            changes,
            next_cursor: next.to_string(),
            more,
            links,
        }))
}

/// `12.500 m²` / `12,500 m²`.
fn area_text(m2: f64, english: bool) -> String {
    let grouped = crate::domain::checks::thousands(m2);
    match english {
        true => format!("{grouped} m²"),
        false => format!("{} m²", grouped.replace(',', ".")),
    }
}

/// Newly published plots (Atom)
///
/// The 50 latest publications of plots that are still published, newest first, for a feed
/// reader or a town website's news box; optionally of some municipalities or regions only.
#[utoipa::path(
    get, path = "/changes/atom", tag = "changes", params(AtomParams),
    responses(
        (status = 200, description = "The feed", content_type = "application/atom+xml", body = String),
        r::BadQuery,
        r::Busy,
    ),
    security(())
)]
pub async fn atom(
    req: HttpRequest,
    state: web::Data<AppState>,
    QueryParams(params): QueryParams<AtomParams>,
) -> Result<HttpResponse, ApiError> {
    let english = params.lang.as_deref() == Some("en");
    if params
        .lang
        .as_deref()
        .is_some_and(|l| l != "de" && l != "en")
    {
        return Err(ApiError::bad_parameter("lang", "must be `de` or `en`"));
    }
    let chosen = chosen_municipalities(&state, &params.municipality, &params.region).await?;
    let mut conn = state.pool.get().await?;
    let entries = db::changes::publications(&mut conn, ATOM_ENTRIES, chosen.as_deref()).await?;
    drop(conn);
    let base = state.base_url(&req);
    let updated = entries
        .first()
        .map_or_else(Utc::now, |e| e.published_at)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (title, lang) = match english {
        true => ("New commercial plots", "en"),
        false => ("Neue Gewerbeflächen", "de"),
    };
    let self_href = format!("{base}/changes/atom?{}", req.query_string());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n<id>{}</id>\n<title>{title}</title>\n<updated>{updated}</updated>\n<link rel=\"self\" href=\"{}\"/>\n<author><name>gewerbeflaechen</name></author>\n",
        escape(&self_href),
        escape(&self_href),
    ));
    for e in entries {
        let name = match english {
            true => e.title_en.or(e.title_de),
            false => e.title_de.or(e.title_en),
        }
        .unwrap_or_default();
        let area = area_text(e.area_m2, english);
        let summary = format!("{}, {}, {} ({})", e.municipality, area, e.zoning, e.status);
        let profile = format!("{base}/plots/{}/profile?lang={lang}", e.reference);
        out.push_str(&format!(
            "<entry>\n<id>urn:gewerbeflaechen:publication:{}</id>\n<title>{}{}</title>\n<updated>{}</updated>\n<link href=\"{}\"/>\n<summary>{}</summary>\n</entry>\n",
            e.seq,
            escape(&e.reference),
            if name.is_empty() { String::new() } else { format!(" – {}", escape(&name)) },
            e.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            escape(&profile),
            escape(&summary),
        ));
    }
    out.push_str("</feed>\n");
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(out))
}
