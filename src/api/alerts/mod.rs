//! Saved searches with alerts (docs/alerts.md): anyone saves a search of `GET /plots`
//! (`POST /saved-searches`) and follows the plots that newly match it in an Atom feed at a
//! secret URL, or by e-mail after confirming the address. The worker that finds the news is
//! `crate::alerts`; the pages behind the mails' links are in `pages`.

pub mod pages;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel_async::AsyncConnection;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{parse_json, read_body_capped, require_json_content_type, Caller};
use crate::api::xml::escape;
use crate::api::AppState;
use crate::config::protection::Class;
use crate::db;
use crate::domain::access::{self, AlertAction, PlotSet, ReadScope};
use crate::domain::alerts::mails::{self, Links};
use crate::domain::alerts::{
    Reason, SubscribeRequest, FEED_ENTRIES, MAX_BODY_BYTES, MAX_MATCHES, MAX_PENDING_PER_ADDRESS,
};
use crate::domain::credentials;
use crate::domain::plot::Lang;
use crate::domain::search::{DrawnArea, PlotQuery, SpatialRelation};
use crate::domain::FieldError;

/// The answer to `POST /saved-searches`. The token is shown only here; it is the credential
/// of the feed and of the manage and unsubscribe pages.
#[derive(Debug, Serialize, ToSchema)]
pub struct Subscribed {
    /// `active` (feed only: at once) or `pending` (an address to confirm: a mail is on its way).
    #[schema(example = "pending")]
    pub state: &'static str,
    /// The secret token (256 bits, stored only as a hash).
    pub token: String,
    /// The Atom feed of plots that newly match (works at once, also while pending).
    pub feed_url: String,
    /// A page to see and end the subscription (JSON for API clients).
    pub manage_url: String,
    /// GET shows a button, POST unsubscribes at once (RFC 8058 one-click).
    pub unsubscribe_url: String,
    /// Plots the search matches now: they are not news; only plots that newly match are.
    pub matching_now: i64,
    /// Hours left to confirm the address before the subscription is deleted (pending only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_within_hours: Option<u32>,
}

/// What a token tells about its subscription (`GET /saved-searches/{token}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedSearch {
    #[schema(example = "active")]
    pub state: String,
    #[schema(example = "de")]
    pub language: String,
    /// The saved filters, as `GET /plots` takes them.
    #[schema(value_type = Object)]
    pub search: Value,
    /// Whether a drawn area is part of the search.
    pub has_area: bool,
    /// Whether digests go to an address (which is never shown).
    pub has_email: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub feed_url: String,
}

/// A subscription's secret URLs, made from its token.
pub(crate) fn urls(base: &str, token: &str) -> (String, String, String) {
    let at = format!("{base}/saved-searches/{token}");
    (
        format!("{at}/atom"),
        at.clone(),
        format!("{at}/unsubscribe"),
    )
}

/// Tokens are `gwf_` and 64 hex digits: anything else is no token, without asking the
/// database.
pub(crate) fn token_hash(token: &str) -> Option<[u8; 32]> {
    let hex = token.strip_prefix("gwf_")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| credentials::token_hash(token))
}

/// The subscription `token` opens (marking it used), or 404.
pub(crate) async fn open(state: &AppState, token: &str) -> Result<db::alerts::Opened, ApiError> {
    let not_found = || {
        ApiError::NotFound("no such saved search (unsubscribed, expired, or a wrong link)".into())
    };
    let hash = token_hash(token).ok_or_else(not_found)?;
    let mut conn = state.pool.get().await?;
    db::alerts::open(&mut conn, &hash)
        .await?
        .ok_or_else(not_found)
}

/// A stored search as the worker and the pages use it: the same parser as `GET /plots`.
pub fn stored_query(
    params: &str,
    area: Option<&str>,
    relation: &str,
    stale_after_days: u32,
) -> Option<PlotQuery> {
    let params = serde_json::from_str(params).ok()?;
    let drawn = area.map(|geojson| DrawnArea {
        geojson: geojson.to_owned(),
        relation: if relation == "within" {
            SpatialRelation::Within
        } else {
            SpatialRelation::Intersects
        },
    });
    let mut query = crate::api::plots::params::SearchParams::into_query(params, drawn).ok()?;
    crate::api::plots::filters::fresh_since(&mut query, stale_after_days);
    Some(query)
}

/// Save a search
///
/// No account needed. `search` is the body of `POST /plots/search` (any filter of `GET
/// /plots`, a drawn `geometry` with its `relation`), checked by the same parser: an invalid
/// search is a 400 naming the parameter. Without `email` the subscription is an Atom feed,
/// active at once; with `email` (and `consent`) it is pending until the link in the
/// confirmation mail is followed, and deleted after `GWF_ALERT_CONFIRM_HOURS` (72) otherwise.
/// Then a digest of plots that newly match goes out at most every `GWF_ALERT_DIGEST_HOURS`
/// (24). At most 5 a minute per client address (`GWF_RATE_ALERT_PER_MIN`), bodies up to
/// 128 KiB, a search may match at most 5,000 plots when saved.
#[utoipa::path(
    post,
    path = "/saved-searches",
    tag = "alerts",
    request_body = SubscribeRequest,
    responses(
        (status = 201, description = "Saved", body = Subscribed),
        (status = 400, description = "The search or the body is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body larger than 128 KiB", body = Problem, content_type = "application/problem+json"),
        r::NotJson,
        (status = 422, description = "Breaks a rule (address, consent, language, too broad a search, too many unconfirmed subscriptions, no mail configured)", body = Problem, content_type = "application/problem+json"),
        r::BadToken,
        r::RateLimited,
        r::Busy,
    ),
    security(())
)]
pub async fn subscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    access::authorize_alert(None, AlertAction::Subscribe)?;
    state.limits.check(Class::Alert, state.client(&req))?;
    require_json_content_type(&req)?;
    let mut payload = payload.into_inner();
    let body = read_body_capped(&req, &mut payload, MAX_BODY_BYTES).await?;
    let request: SubscribeRequest = parse_json(&body)?;
    let base = state.base_url(&req);
    let (token, hash) = credentials::new_token().map_err(ApiError::internal)?;
    let (feed_url, manage_url, unsubscribe_url) = urls(&base, &token);
    // A robot is answered like a person: a request that breaks the body's own rules gets their
    // 400/422, a well-formed one with the bait taken a 201 that opens nothing.
    let bait = request.is_bait_taken();
    let new = request.check().map_err(ApiError::Validation)?;
    if bait {
        crate::api::counters::alert_dropped();
        let with_email = new.email.is_some();
        return Ok(created(Subscribed {
            state: if with_email { "pending" } else { "active" },
            token,
            feed_url,
            manage_url,
            unsubscribe_url,
            matching_now: 0,
            confirm_within_hours: with_email.then_some(state.settings.alerts.confirm_hours),
        }));
    }
    let mut object: Map<String, Value> = new.params.clone();
    if let Some(g) = &new.geometry {
        object.insert("geometry".into(), g.clone());
    }
    if let Some(r) = &new.relation {
        object.insert("relation".into(), r.clone());
    }
    let (params, geometry, relation) = crate::api::plots::search::split_body(object)?;
    let drawn =
        crate::api::plots::search::checked_area(&state, &req, &caller, geometry, relation).await?;
    let mut query = params
        .into_query(drawn.clone())
        .map_err(ApiError::bad_params)?;
    crate::api::plots::filters::fresh_since(&mut query, state.settings.stale_after_days);
    let public = PlotSet::Readable(ReadScope::Public);
    let mut conn = state.pool.get().await?;
    crate::api::plots::filters::settle(&mut conn, &mut query, &public).await?;
    if let Some(email) = &new.email {
        if state.mailer.is_none() {
            return Err(ApiError::Validation(vec![FieldError::new(
                "/email",
                "this service sends no e-mail: leave the address out and follow the feed",
            )]));
        }
        if db::alerts::pending_of(&mut conn, email).await? >= MAX_PENDING_PER_ADDRESS {
            return Err(ApiError::Validation(vec![FieldError::new(
                "/email",
                "has unconfirmed subscriptions waiting: confirm one of them, or wait until they expire",
            )]));
        }
    }
    let params_text = Value::Object(new.params.clone()).to_string();
    let relation_text = match relation {
        SpatialRelation::Within => "within",
        SpatialRelation::Intersects => "intersects",
    };
    let row = db::alerts::NewRow {
        params: &params_text,
        area: drawn.as_ref().map(|d| d.geojson.as_str()),
        relation: relation_text,
        email: new.email.as_deref(),
        language: new.language.code(),
        consent_version: new.consent_version.as_deref(),
    };
    let confirm = match new.email {
        Some(_) => Some(credentials::new_token().map_err(ApiError::internal)?),
        None => None,
    };
    let (id, matching_now) = conn
        .transaction(async |conn| {
            let (id, matches) = db::alerts::insert(conn, &row, &query, MAX_MATCHES).await?;
            if matches > MAX_MATCHES {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "/search",
                    format!(
                        "matches more than {MAX_MATCHES} plots: narrow it (area, size, place, …)"
                    ),
                )]));
            }
            db::alerts::add_key(conn, id, &hash, "owner").await?;
            if let Some((_, confirm_hash)) = &confirm {
                db::alerts::add_key(conn, id, confirm_hash, "mail").await?;
            }
            Ok::<_, ApiError>((id, matches))
        })
        .await?;
    drop(conn);
    crate::api::counters::alert_subscribed(new.email.is_some());
    tracing::info!(
        saved_search = id,
        with_email = new.email.is_some(),
        "search saved"
    );
    let confirm_hours = state.settings.alerts.confirm_hours;
    if let (Some(email), Some((confirm_token, _)), Some(mailer)) =
        (new.email, confirm, state.mailer.clone())
    {
        let (_, mail_manage, mail_unsubscribe) = urls(&state.mail_base, &confirm_token);
        let links = Links {
            base: state.mail_base.clone(),
            action: format!("{mail_manage}/confirm"),
            unsubscribe: mail_unsubscribe,
        };
        let content = mails::confirmation(new.language, &links, confirm_hours);
        actix_web::rt::spawn(async move {
            match mailer
                .send_with(&email, &content, Some(&links.unsubscribe))
                .await
            {
                Ok(()) => crate::api::counters::alert_mail("confirmation", "sent"),
                Err(error) => {
                    crate::api::counters::alert_mail("confirmation", "failed");
                    tracing::warn!(saved_search = id, %error, "confirmation mail not sent");
                }
            }
        });
        return Ok(created(Subscribed {
            state: "pending",
            token,
            feed_url,
            manage_url,
            unsubscribe_url,
            matching_now,
            confirm_within_hours: Some(confirm_hours),
        }));
    }
    Ok(created(Subscribed {
        state: "active",
        token,
        feed_url,
        manage_url,
        unsubscribe_url,
        matching_now,
        confirm_within_hours: None,
    }))
}

fn created(body: Subscribed) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// A saved search
///
/// The token in the path is the credential. Browsers get the manage page (with the feed and
/// an unsubscribe button), API clients this JSON. The address, if any, is never shown.
#[utoipa::path(
    get,
    path = "/saved-searches/{token}",
    tag = "alerts",
    params(("token" = String, Path, description = "The subscription's token")),
    responses(
        (status = 200, description = "The saved search", body = SavedSearch),
        (status = 404, description = "No such saved search", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(())
)]
pub async fn get_saved_search(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_alert(None, AlertAction::UseToken)?;
    if crate::api::portal::wants_html(&req) {
        return pages::manage_page(req, state, token).await;
    }
    let opened = open(&state, &token).await?;
    let (feed_url, _, _) = urls(&state.base_url(&req), &token);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(SavedSearch {
            state: opened.state,
            language: opened.language,
            search: serde_json::from_str(&opened.params).unwrap_or(Value::Null),
            has_area: opened.area.is_some(),
            has_email: opened.has_email,
            created_at: opened.created_at,
            feed_url,
        }))
}

/// Delete a saved search
///
/// The same as unsubscribing: the subscription goes with its address, matches and entries.
#[utoipa::path(
    delete,
    path = "/saved-searches/{token}",
    tag = "alerts",
    params(("token" = String, Path, description = "The subscription's token")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such saved search", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(())
)]
pub async fn delete_saved_search(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_alert(None, AlertAction::UseToken)?;
    let opened = open(&state, &token).await?;
    let mut conn = state.pool.get().await?;
    db::alerts::delete(&mut conn, opened.id).await?;
    crate::api::counters::alert_unsubscribed();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Language of the entries' titles and links: `de` or `en` (default: the subscription's).
    #[param(pattern = "^(de|en)$")]
    pub lang: Option<String>,
}

/// A saved search's feed (Atom)
///
/// The token in the path is the credential. The newest 50 plots that newly matched the
/// search (published, became available, price into range, any change that makes it match),
/// each linking to its profile page; entries appear within seconds of the change
/// (`GWF_ALERT_POLL_MS`). `ETag` and `Last-Modified` let readers ask cheaply.
#[utoipa::path(
    get,
    path = "/saved-searches/{token}/atom",
    tag = "alerts",
    params(("token" = String, Path, description = "The subscription's token"), FeedParams),
    responses(
        (status = 200, description = "The feed", content_type = "application/atom+xml", body = String),
        (status = 304, description = "Unchanged since `If-None-Match`"),
        (status = 404, description = "No such saved search", body = Problem, content_type = "application/problem+json"),
        r::BadQuery,
        r::Busy,
    ),
    security(())
)]
pub async fn feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    crate::api::extract::QueryParams(params): crate::api::extract::QueryParams<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_alert(None, AlertAction::UseToken)?;
    let lang = match params.lang.as_deref() {
        None => None,
        Some(code) => Some(
            Lang::parse(code).ok_or_else(|| ApiError::bad_parameter("lang", "must be de or en"))?,
        ),
    };
    let opened = open(&state, &token).await?;
    let lang = lang
        .or_else(|| Lang::parse(&opened.language))
        .unwrap_or(Lang::De);
    let mut conn = state.pool.get().await?;
    let entries = db::alerts::feed_entries(&mut conn, opened.id, FEED_ENTRIES).await?;
    drop(conn);
    let newest = entries.first().map_or(0, |e| e.id);
    let etag = format!(
        "\"{}-{}-{newest}-{}\"",
        opened.id,
        entries.len(),
        lang.code()
    );
    let matches_etag = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let modified = entries.first().map_or(opened.created_at, |e| e.created_at);
    let mut response = if matches_etag {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((
            header::LAST_MODIFIED,
            modified.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    if matches_etag {
        return Ok(response.finish());
    }
    let base = state.base_url(&req);
    let body = atom(opened.id, &base, &token, lang, modified, &entries);
    Ok(response
        .content_type("application/atom+xml; charset=utf-8")
        .body(body))
}

/// The feed document. Entry ids are fixed per subscription and entry, so a reader shows each
/// plot's news once.
fn atom(
    id: i64,
    base: &str,
    token: &str,
    lang: Lang,
    updated: chrono::DateTime<chrono::Utc>,
    entries: &[db::alerts::EntryRow],
) -> String {
    let (feed_url, manage_url, _) = urls(base, token);
    let title = match lang {
        Lang::De => "Neue passende Gewerbeflächen (gespeicherte Suche)",
        Lang::En => "New matching commercial plots (saved search)",
    };
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n<id>urn:gewerbeflaechen:saved-search:{id}</id>\n<title>{title}</title>\n<updated>{}</updated>\n<link rel=\"self\" href=\"{}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<author><name>gewerbeflaechen</name></author>\n",
        lang.code(),
        updated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        escape(&feed_url),
        escape(&manage_url),
    ));
    for e in entries {
        let title = match lang {
            Lang::De => e.title_de.as_deref().or(e.title_en.as_deref()),
            Lang::En => e.title_en.as_deref().or(e.title_de.as_deref()),
        }
        .unwrap_or(&e.reference);
        let reason = Reason::parse(&e.reason).unwrap_or(Reason::Changed);
        let profile = format!("{base}/plots/{}/profile?lang={}", e.reference, lang.code());
        let area = crate::api::maps::profile::m2(e.area_m2, lang);
        out.push_str(&format!(
            "<entry>\n<id>urn:gewerbeflaechen:saved-search:{id}:{}</id>\n<title>{} – {} ({})</title>\n<updated>{}</updated>\n<link href=\"{}\"/>\n<summary>{}, {}</summary>\n</entry>\n",
            e.id,
            escape(&e.reference),
            escape(title),
            reason.label(lang),
            e.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            escape(&profile),
            escape(&e.municipality),
            escape(&area),
        ));
    }
    out.push_str("</feed>\n");
    out
}

/// Saved searches in numbers.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertCounts {
    /// Active subscriptions with a feed only.
    pub active_feed_only: i64,
    /// Active subscriptions with a confirmed address.
    pub active_email: i64,
    /// Subscriptions waiting for their address to be confirmed.
    pub pending: i64,
    /// Plots that newly matched a subscription in the last 30 days (feed entries).
    pub entries_30_days: i64,
    /// Digests mailed in the last 30 days.
    pub digests_30_days: i64,
    /// How far the furthest-behind subscription is behind the change feed. Units: changes.
    pub worker_lag: i64,
}

/// Saved searches in numbers
///
/// Staff whose token reads. Counts only: no address, no search.
#[utoipa::path(
    get,
    path = "/monitoring/alerts",
    tag = "alerts",
    responses(
        (status = 200, description = "The counts", body = AlertCounts),
        r::NeedsToken,
        (status = 403, description = "The token does not read", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn counts(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    access::authorize_alert(caller.principal(), AlertAction::Statistics)?;
    let mut conn = state.pool.get().await?;
    let c = db::alerts::counts(&mut conn).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .json(AlertCounts {
            active_feed_only: c.active_feed_only,
            active_email: c.active_email,
            pending: c.pending,
            entries_30_days: c.entries_30_days,
            digests_30_days: c.digests_30_days,
            worker_lag: c.lag.max(0),
        }))
}
