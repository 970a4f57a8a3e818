//! `/s/{code}`: a shortlist's page. Its plots side by side as on `/compare` (the same table,
//! in groups of four, each printing on its own), its link and QR code (on paper too), and a
//! contact form whose inquiry names the shortlist. German or English (`lang=`, else the
//! browser's language); `noindex`: a shortlist is a private link.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;

use super::{code, load, Loaded};
use crate::api::error::ApiError;
use crate::api::extract::{Caller, QueryParams};
use crate::api::maps::pages::html_response;
use crate::api::maps::profile::date;
use crate::api::portal::compare::{table, MAX_PLOTS};
use crate::api::portal::{glossary, not_found_page, page_lang, tr};
use crate::api::AppState;
use crate::domain::plot::Lang;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// `de` or `en`; without it, the browser's language.
    pub lang: Option<String>,
}

fn page(lang: Lang, base: &str, s: &Loaded) -> Markup {
    let t = |de, en| tr(lang, de, en);
    let other = match lang {
        Lang::De => Lang::En,
        Lang::En => Lang::De,
    };
    let path = format!("/s/{}", s.code);
    let url = format!("{base}{path}");
    let n = s.plots.len();
    let title = match lang {
        Lang::De => format!("Merkliste: {n} Gewerbeflächen"),
        Lang::En => format!("Shortlist: {n} commercial plots"),
    };
    let description = s
        .plots
        .iter()
        .map(|p| format!("{} ({})", p.facts.reference, p.municipality_name))
        .collect::<Vec<_>>()
        .join(", ");
    let demo = s.plots.iter().any(|p| p.demo);
    let unavailable = match (lang, s.unavailable) {
        (_, 0) => None,
        (Lang::De, 1) => Some("Eine Fläche dieser Merkliste ist nicht mehr verfügbar.".into()),
        (Lang::En, 1) => Some("One plot of this shortlist is no longer available.".into()),
        (Lang::De, k) => Some(format!(
            "{k} Flächen dieser Merkliste sind nicht mehr verfügbar."
        )),
        (Lang::En, k) => Some(format!(
            "{k} plots of this shortlist are no longer available."
        )),
    };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // A private link: never listed, never followed by crawlers.
                meta name="robots" content="noindex, nofollow";
                meta name="referrer" content="no-referrer";
                title { (title) }
                // Link previews in mail and chat (the link is shared on purpose).
                meta property="og:type" content="website";
                meta property="og:title" content=(title);
                meta property="og:description" content=(description);
                meta property="og:url" content={ (url) "?lang=" (lang.code()) };
                @if let Some(first) = s.plots.first() {
                    meta property="og:image" content={ (base) "/plots/" (first.facts.reference) "/image.png" };
                    meta property="og:image:type" content="image/png";
                    meta name="twitter:card" content="summary_large_image";
                } @else {
                    meta name="twitter:card" content="summary";
                }
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/assets/profile.css";
                link rel="stylesheet" href="/assets/inquiry.css" data-inquiry-css;
            }
            body {
                main.profile.compare-page.shortlist-page data-shortlist=(s.code) {
                    nav.lang-switch aria-label=(t("Sprache", "Language")) {
                        a href={ (path) "?lang=" (other.code()) } hreflang=(other.code()) lang=(other.code()) {
                            (tr(other, "Deutsch", "English"))
                        }
                    }
                    p.back { a href={ "/?lang=" (lang.code()) } { "← " (t("Zur Flächensuche", "Search all plots")) } }
                    h1 { (t("Merkliste", "Shortlist")) }
                    p.meta {
                        (match lang {
                            Lang::De => format!("{n} {} · erstellt am {}", if n == 1 { "Fläche" } else { "Flächen" }, date(crate::domain::freshness::berlin_date(s.created_at), lang)),
                            Lang::En => format!("{n} {} · made on {}", if n == 1 { "plot" } else { "plots" }, date(crate::domain::freshness::berlin_date(s.created_at), lang)),
                        })
                    }
                    @if demo { p.demo-badge { (t("Demo-Datensatz: fiktive Angaben", "Demo data: fictitious")) } }
                    @if let Some(text) = unavailable { p.unavailable role="note" { (text) } }
                    @if s.plots.is_empty() {
                        p { (t(
                            "Keine Fläche dieser Merkliste ist noch verfügbar.",
                            "None of the plots of this shortlist is still available.")) }
                    } @else {
                        @for (i, group) in s.plots.chunks(MAX_PLOTS).enumerate() {
                            section.compare-group aria-label={
                                (t("Flächen", "Plots")) " " (i * MAX_PLOTS + 1) "–" (i * MAX_PLOTS + group.len())
                            } {
                                div.compare-scroll { (table(lang, group)) }
                            }
                        }
                        p.note { (t(
                            "Der Gesamtpreis ist ein Richtwert (Fläche × Preis je m², gerundet), kein Angebot; Erschließungskosten kommen gegebenenfalls hinzu.",
                            "The total price is an indication (area × price per m², rounded), not an offer; servicing costs may come on top.")) }
                    }
                    section.shortlist-share aria-labelledby="share-heading" {
                        h2 #share-heading { (t("Diese Merkliste aufrufen", "Open this shortlist")) }
                        img.shortlist-qr src={ (path) "/qr.svg" } width="160" height="160"
                            alt=(t("QR-Code des Links dieser Merkliste", "QR code of this shortlist's link"));
                        p { a.shortlist-url href=(path) { (url) } }
                    }
                    @if !s.plots.is_empty() {
                        section.shortlist-contact aria-label=(t("Anfrage zu dieser Merkliste", "Inquiry about this shortlist")) {
                            div data-inquiry-form data-shortlist=(s.code) data-lang=(lang.code()) data-source="shortlist" {}
                        }
                    }
                    (glossary::section(lang))
                }
                script type="module" src="/assets/inquiry.js" {}
            }
        }
    }
}

/// The shortlist page (HTML; not in the OpenAPI document, which describes the API).
pub async fn shortlist_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    QueryParams(params): QueryParams<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let lang = match params.lang.as_deref() {
        Some(code) => Lang::parse(code)
            .ok_or_else(|| ApiError::bad_parameter("lang", format!("`{code}`: use de or en")))?,
        None => page_lang(&req),
    };
    let missing = || {
        let mut response = not_found_page(
            &state,
            lang,
            tr(
                lang,
                "Diese Merkliste gibt es nicht (mehr).",
                "There is no such shortlist (any more).",
            ),
        );
        private(&mut response);
        response
    };
    let Ok(code) = code(&path) else {
        return Ok(missing());
    };
    let loaded = match load(&state, &caller, code).await {
        Ok(loaded) => loaded,
        Err(ApiError::NotFound(_)) => return Ok(missing()),
        Err(e) => return Err(e),
    };
    let base = state.base_url(&req);
    let mut response = html_response(&state.settings, page(lang, &base, &loaded).into_string());
    private(&mut response);
    Ok(response)
}

/// A shortlist's page is a private link: not for search engines, not for shared caches.
fn private(response: &mut HttpResponse) {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    headers.insert(
        header::HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex, nofollow"),
    );
}
