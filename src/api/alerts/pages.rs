//! The pages behind a saved search's links, for people: manage (what it is, its feed, a
//! button to end it), confirm (a button; only the link from the mail confirms) and
//! unsubscribe (a button; a POST ends it at once, as RFC 8058's one-click asks). A GET never
//! changes anything: mail scanners open links before people do.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup, DOCTYPE};
use serde_json::Value;

use super::{open, urls};
use crate::api::error::ApiError;
use crate::api::maps::pages::html_response;
use crate::api::portal::tr;
use crate::api::AppState;
use crate::db;
use crate::domain::access::{self, AlertAction};
use crate::domain::plot::Lang;

/// The page's language: `lang=` in the query, else the subscription's.
fn lang_of(req: &HttpRequest, stored: &str) -> Lang {
    form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
        .or_else(|| Lang::parse(stored))
        .unwrap_or(Lang::De)
}

fn page(
    state: &AppState,
    lang: Lang,
    title: &str,
    status: StatusCode,
    body: Markup,
) -> HttpResponse {
    let page = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex, nofollow";
                meta name="referrer" content="no-referrer";
                title { (title) " – " (tr(lang, "Gewerbeflächen", "Commercial land")) }
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/assets/profile.css";
            }
            body {
                main.profile {
                    h1 { (title) }
                    (body)
                    p { a href={ "/?lang=" (lang.code()) } { (tr(lang, "Zur Flächensuche", "Search all plots")) } }
                }
            }
        }
    };
    let mut response = html_response(&state.settings, page.into_string());
    *response.status_mut() = status;
    // The URL holds the credential: not cached, not sent on as a referrer.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    response
}

fn gone(state: &AppState, req: &HttpRequest) -> HttpResponse {
    let lang = lang_of(req, "");
    page(
        state,
        lang,
        tr(lang, "Suchauftrag nicht gefunden", "Saved search not found"),
        StatusCode::NOT_FOUND,
        html! { p { (tr(lang,
        "Diesen Suchauftrag gibt es nicht (mehr): abgemeldet, abgelaufen oder ein falscher Link.",
        "This saved search does not exist (any more): unsubscribed, expired, or a wrong link.")) } },
    )
}

/// The saved filters in words a person can check, one parameter a line.
fn describe(params: &str) -> Vec<String> {
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(params) else {
        return Vec::new();
    };
    object
        .into_iter()
        .map(|(k, v)| {
            let value = match v {
                Value::String(s) => s,
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            format!("{k}: {value}")
        })
        .collect()
}

/// The manage page (`GET /saved-searches/{token}` from a browser).
pub async fn manage_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Ok(opened) = open(&state, &token).await else {
        return Ok(gone(&state, &req));
    };
    let lang = lang_of(&req, &opened.language);
    let t = |de, en| tr(lang, de, en);
    let (feed, _, unsubscribe) = urls("", &token);
    let lines = describe(&opened.params);
    let body = html! {
        p { (if opened.state == "pending" {
            t("Die E-Mail-Adresse ist noch nicht bestätigt: Bitte folgen Sie dem Link in der Bestätigungs-E-Mail.",
              "The e-mail address is not confirmed yet: please follow the link in the confirmation e-mail.")
        } else if opened.has_email {
            t("Neue passende Flächen kommen höchstens einmal am Tag per E-Mail und sofort im Feed.",
              "New matching plots come by e-mail at most once a day, and at once in the feed.")
        } else {
            t("Neue passende Flächen erscheinen sofort im Feed.", "New matching plots appear at once in the feed.")
        }) }
        h2 { (t("Gespeicherte Suche", "Saved search")) }
        @if lines.is_empty() && opened.area.is_none() {
            p { (t("Alle veröffentlichten Flächen.", "All published plots.")) }
        }
        ul {
            @for line in &lines { li { (line) } }
            @if opened.area.is_some() { li { (t("eingezeichnetes Gebiet", "drawn area")) } }
        }
        h2 { (t("Feed", "Feed")) }
        p {
            (t("Im Feed-Reader abonnieren (Adresse geheim halten):", "Subscribe in a feed reader (keep the address secret):"))
            " " a href=(feed) { (t("Atom-Feed", "Atom feed")) }
        }
        form method="post" action=(unsubscribe) {
            button type="submit" { (t("Suchauftrag beenden und Daten löschen", "End this alert and delete its data")) }
        }
    };
    Ok(page(
        &state,
        lang,
        t("Ihr Suchauftrag", "Your saved search"),
        StatusCode::OK,
        body,
    ))
}

/// Confirm an address (page)
///
/// The link from the confirmation mail shows a button that confirms (a POST).
#[utoipa::path(
    get,
    path = "/saved-searches/{token}/confirm",
    tag = "alerts",
    params(("token" = String, Path, description = "The token from the confirmation mail")),
    responses(
        (status = 200, description = "A page with a confirm button", content_type = "text/html", body = String),
        (status = 404, description = "No such link", content_type = "text/html", body = String),
    ),
    security(())
)]
pub async fn confirm_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_alert(None, AlertAction::UseToken)?;
    let opened = match open(&state, &token).await {
        Ok(o) if o.kind == "mail" => o,
        _ => return Ok(gone(&state, &req)),
    };
    let lang = lang_of(&req, &opened.language);
    let t = |de, en| tr(lang, de, en);
    let body = html! {
        @if opened.state == "active" {
            p role="status" { (t("Die Adresse ist bestätigt.", "The address is confirmed.")) }
        } @else {
            p { (t("Bitte bestätigen Sie, dass Sie E-Mails zu neuen passenden Gewerbeflächen erhalten möchten (höchstens eine am Tag).",
                   "Please confirm that you want e-mails about new matching commercial plots (at most one a day).")) }
            form method="post" {
                button type="submit" { (t("Bestätigen", "Confirm")) }
            }
        }
    };
    Ok(page(
        &state,
        lang,
        t("Suchauftrag bestätigen", "Confirm your alert"),
        StatusCode::OK,
        body,
    ))
}

/// Confirm an address
///
/// Only a token from the confirmation mail confirms (the one answered to the subscriber
/// does not): so only who reads the mailbox can. Confirming twice changes nothing.
#[utoipa::path(
    post,
    path = "/saved-searches/{token}/confirm",
    tag = "alerts",
    params(("token" = String, Path, description = "The token from the confirmation mail")),
    responses(
        (status = 200, description = "Confirmed (a page)", content_type = "text/html", body = String),
        (status = 404, description = "No such link", content_type = "text/html", body = String),
    ),
    security(())
)]
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_alert(None, AlertAction::UseToken)?;
    let opened = match open(&state, &token).await {
        Ok(o) if o.kind == "mail" => o,
        _ => return Ok(gone(&state, &req)),
    };
    let mut conn = state.pool.get().await?;
    if db::alerts::confirm(&mut conn, opened.id).await? {
        crate::api::counters::alert_confirmed();
        tracing::info!(saved_search = opened.id, "address confirmed");
    }
    drop(conn);
    let lang = lang_of(&req, &opened.language);
    let t = |de, en| tr(lang, de, en);
    let (_, manage, _) = urls("", &token);
    let body = html! {
        p role="status" { (t("Danke! Neue passende Flächen kommen ab jetzt höchstens einmal am Tag per E-Mail.",
                             "Thank you! New matching plots now come by e-mail, at most once a day.")) }
        p { a href=(manage) { (t("Suchauftrag ansehen oder beenden", "See or end this alert")) } }
    };
    Ok(page(
        &state,
        lang,
        t("Bestätigt", "Confirmed"),
        StatusCode::OK,
        body,
    ))
}

/// Unsubscribe (page)
///
/// The link in every mail shows a button that unsubscribes (a POST).
#[utoipa::path(
    get,
    path = "/saved-searches/{token}/unsubscribe",
    tag = "alerts",
    params(("token" = String, Path, description = "The subscription's token, or one from a mail")),
    responses(
        (status = 200, description = "A page with an unsubscribe button", content_type = "text/html", body = String),
        (status = 404, description = "No such saved search", content_type = "text/html", body = String),
    ),
    security(())
)]
pub async fn unsubscribe_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_alert(None, AlertAction::UseToken)?;
    let Ok(opened) = open(&state, &token).await else {
        return Ok(gone(&state, &req));
    };
    let lang = lang_of(&req, &opened.language);
    let t = |de, en| tr(lang, de, en);
    let body = html! {
        p { (t("Möchten Sie diesen Suchauftrag beenden? Die gespeicherte Suche, ihr Feed und Ihre E-Mail-Adresse werden gelöscht.",
               "Do you want to end this alert? The saved search, its feed and your e-mail address are deleted.")) }
        form method="post" {
            button type="submit" { (t("Abmelden", "Unsubscribe")) }
        }
    };
    Ok(page(
        &state,
        lang,
        t("Abmelden", "Unsubscribe"),
        StatusCode::OK,
        body,
    ))
}

/// Unsubscribe
///
/// Deletes the subscription with its address, matches and entries, at once: the target of
/// the mails' `List-Unsubscribe` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
/// (RFC 8058), and of the page's button. Any body is ignored.
#[utoipa::path(
    post,
    path = "/saved-searches/{token}/unsubscribe",
    tag = "alerts",
    params(("token" = String, Path, description = "The subscription's token, or one from a mail")),
    responses(
        (status = 200, description = "Unsubscribed (a page)", content_type = "text/html", body = String),
        (status = 404, description = "No such saved search (already unsubscribed?)", content_type = "text/html", body = String),
    ),
    security(())
)]
pub async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_alert(None, AlertAction::UseToken)?;
    let Ok(opened) = open(&state, &token).await else {
        return Ok(gone(&state, &req));
    };
    let mut conn = state.pool.get().await?;
    db::alerts::delete(&mut conn, opened.id).await?;
    drop(conn);
    crate::api::counters::alert_unsubscribed();
    tracing::info!(saved_search = opened.id, "unsubscribed");
    let lang = lang_of(&req, &opened.language);
    let t = |de, en| tr(lang, de, en);
    let body = html! {
        p role="status" { (t("Sie sind abgemeldet. Die gespeicherte Suche und Ihre Daten sind gelöscht.",
                             "You are unsubscribed. The saved search and your data are deleted.")) }
    };
    Ok(page(
        &state,
        lang,
        t("Abgemeldet", "Unsubscribed"),
        StatusCode::OK,
        body,
    ))
}
