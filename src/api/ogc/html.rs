//! The OGC resources for people: the same page frame, stylesheet and map script as the profile
//! pages (`/assets/profile.css`, `profile.js` with MapLibre, all bundled), and the same CSP.

use actix_web::HttpResponse;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde_json::{json, Value};

use crate::api::maps::pages::html_response;
use crate::api::views::Link;
use crate::api::AppState;
use crate::domain::ogc::Collection;

fn frame(title: &str, map_data: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – Gewerbeflächen API" }
                link rel="icon" href="data:,";
                @if map_data.is_some() { link rel="stylesheet" href="/assets/maplibre-gl.css"; }
                link rel="stylesheet" href="/assets/profile.css";
            }
            body {
                article.profile {
                    nav.lang-switch { a href="/?f=html" { "Start" } " · " a href="/collections?f=html" { "Collections" } }
                    header { h1 { (title) } }
                    @if map_data.is_some() { div.map #map aria-label="Map" {} }
                    (body)
                }
                @if let Some(data) = map_data {
                    script type="application/json" id="profile-geometry" {
                        (PreEscaped(data.replace("</", "<\\/")))
                    }
                    script src="/assets/maplibre-gl.js" {}
                    script src="/assets/profile.js" {}
                }
            }
        }
    }
}

pub(super) fn metadata_page(state: &AppState, title: &str, body: Markup) -> HttpResponse {
    html_response(&state.settings, frame(title, None, body).into_string())
}

pub(super) fn links_list(links: &[Link]) -> Markup {
    html! {
        ul { @for l in links { li { a href=(l.href) { (l.rel) } " (" (l.type_) ")" } } }
    }
}

/// What the map script draws: plots by status, places as outlines.
fn map_data(c: Collection, features: &[Value]) -> String {
    let kind = if c == Collection::Plots {
        "plot"
    } else {
        "estate"
    };
    let features: Vec<Value> = features
        .iter()
        .map(|f| {
            json!({
                "type": "Feature",
                "geometry": f["geometry"],
                "properties": {"kind": kind, "status": f["properties"]["status"]},
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

fn label(c: Collection, f: &Value) -> String {
    let p = &f["properties"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    match c {
        Collection::Plots => format!("{} – {}", text(&p["reference"]), text(&p["title_de"])),
        _ => text(&p["name"]),
    }
}

pub(super) fn items_page(
    state: &AppState,
    c: Collection,
    features: &[Value],
    matched: Option<i64>,
    links: &[Link],
) -> HttpResponse {
    let link_to = |rel: &str| links.iter().find(|l| l.rel == rel).map(|l| l.href.clone());
    let body = html! {
        p.subtitle {
            (features.len()) " features on this page"
            @if let Some(n) = matched { " of " (n) }
        }
        table.plot-list {
            thead { tr {
                th { "id" } th { "name" }
                @if c == Collection::Plots { th { "status" } th { "area (m²)" } }
            } }
            tbody {
                @for f in features {
                    tr {
                        td { a href={ "items/" (f["id"]) "?f=html" } { (f["id"]) } }
                        td { (label(c, f)) }
                        @if c == Collection::Plots {
                            td { (f["properties"]["status"].as_str().unwrap_or_default()) }
                            td { (f["properties"]["area_m2"]) }
                        }
                    }
                }
            }
        }
        nav.pages {
            @if let Some(prev) = link_to("prev") { a rel="prev" href=(prev) { "← previous" } " " }
            @if let Some(next) = link_to("next") { a rel="next" href=(next) { "next →" } " " }
            @if let Some(json) = link_to("alternate") { a href=(json) { "GeoJSON" } }
        }
    };
    let data = map_data(c, features);
    html_response(
        &state.settings,
        frame(c.title(), Some(&data), body).into_string(),
    )
}

pub(super) fn feature_page(
    state: &AppState,
    c: Collection,
    feature: &Value,
    links: &[Link],
) -> HttpResponse {
    let empty = serde_json::Map::new();
    let properties = feature["properties"].as_object().unwrap_or(&empty);
    let body = html! {
        dl.facts {
            @for (k, v) in properties {
                @if !v.is_null() {
                    dt { (k) }
                    dd { @match v { Value::String(s) => (s), other => (other.to_string()) } }
                }
            }
        }
        (links_list(links))
    };
    let data = map_data(c, std::slice::from_ref(feature));
    html_response(
        &state.settings,
        frame(&label(c, feature), Some(&data), body).into_string(),
    )
}
