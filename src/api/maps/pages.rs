//! The embeddable map page and the bundled front-end assets it loads (nothing from another
//! host), and the Content-Security-Policy of every HTML page.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::json;

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use super::assets::Table;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::config::Settings;

const EMBED_HTML: &str = include_str!("../../../web/embed.html");

/// The assets `/assets/{name}` serves, compiled into the binary.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "embed.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/embed.js"),
    ),
    (
        "embed.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../web/assets/embed.css"),
    ),
    (
        "maplibre-gl.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/maplibre-gl.js"),
    ),
    (
        "maplibre-gl.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../web/assets/maplibre-gl.css"),
    ),
    (
        "profile.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../web/assets/profile.css"),
    ),
    (
        "profile.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/profile.js"),
    ),
    (
        "profile-locator.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/profile-locator.js"),
    ),
    (
        "map.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/map.js"),
    ),
    (
        "portal.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/portal.js"),
    ),
    (
        "portal-plot.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/portal-plot.js"),
    ),
    (
        "portal-state.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/portal-state.js"),
    ),
    (
        "portal-draw.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/portal-draw.js"),
    ),
    (
        "portal-alerts.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/portal-alerts.js"),
    ),
    (
        "portal-photos.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/portal-photos.js"),
    ),
    (
        "embed-media.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/embed-media.js"),
    ),
    (
        "inquiry.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/inquiry.js"),
    ),
    (
        "inquiry.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../web/assets/inquiry.css"),
    ),
    (
        "shortlist.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/shortlist.js"),
    ),
    (
        "shortlist.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../web/assets/shortlist.css"),
    ),
    (
        "portal.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../web/assets/portal.css"),
    ),
    // The offline basemap's reader and style (`map.js` loads them only when it is configured).
    (
        "pmtiles.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/pmtiles.js"),
    ),
    (
        "basemap.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/assets/basemap.js"),
    ),
];

/// Content-Security-Policy of the HTML pages: everything from this origin only (plus the
/// configured basemap), framing only by the configured origins.
fn html_csp(settings: &Settings) -> String {
    let ancestors = if settings.frame_ancestors.is_empty() {
        "'self'".to_owned()
    } else {
        format!("'self' {}", settings.frame_ancestors.join(" "))
    };
    // The style's own host, and the hosts its tiles, glyphs and sprites come from.
    let basemap: String = settings
        .basemap_style
        .as_deref()
        .map(|url| url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/"))
        .into_iter()
        .chain(settings.basemap_origins.iter().cloned())
        .map(|origin| format!(" {origin}"))
        .collect();
    format!(
        "default-src 'self'{basemap}; img-src 'self' data: blob:{basemap}; worker-src 'self' blob:; \
         child-src blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; \
         connect-src 'self'{basemap}; frame-ancestors {ancestors}"
    )
}

/// Every HTML page: with an offline basemap configured, a `<meta name="gwf-basemap-pmtiles">`
/// at the start of `<head>` tells `map.js` where it is. One place for all pages (portal,
/// `/embed`, profiles), so their templates and config blocks need not know about it.
pub(crate) fn html_response(settings: &Settings, body: String) -> HttpResponse {
    let body = match (&settings.basemap_pmtiles, body.find("<head>")) {
        (Some(_), Some(at)) => {
            let at = at + "<head>".len();
            let meta = format!(
                r#"<meta name="gwf-basemap-pmtiles" content="{}">"#,
                super::basemap::PATH
            );
            [&body[..at], &meta, &body[at..]].concat()
        }
        _ => body,
    };
    let body = asset_table(settings).rewrite_html(&body);
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, html_csp(settings)))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

fn read_web_file(settings: &Settings, relative: &str) -> Option<Vec<u8>> {
    settings
        .web_dir
        .as_ref()
        .and_then(|dir| std::fs::read(dir.join(relative)).ok())
}

/// The embeddable map (`?kiosk=1` for trade-fair screens). See web/README.md for parameters.
pub async fn embed(state: web::Data<AppState>) -> HttpResponse {
    let settings = &state.settings;
    let html = read_web_file(settings, "embed.html")
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_else(|| EMBED_HTML.to_owned());
    let config = json!({"basemapStyle": settings.basemap_style});
    // `</` cannot occur in JSON output of these values except inside strings; escape it anyway.
    let config = config.to_string().replace("</", "<\\/");
    // A JSON data block, not a script: the page runs no inline script (CSP `script-src 'self'`).
    let html = html.replace(
        r#"<script id="gwf-config" type="application/json">{"basemapStyle": null}</script>"#,
        &format!(r#"<script id="gwf-config" type="application/json">{config}</script>"#),
    );
    html_response(settings, html)
}

/// The assets with their hashed names: the compiled-in copies once, or with `GWF_WEB_DIR` the
/// folder's files on every call (front-end work without rebuilding).
fn asset_table(settings: &Settings) -> Arc<Table> {
    static COMPILED: OnceLock<Arc<Table>> = OnceLock::new();
    if settings.web_dir.is_none() {
        let compiled = || {
            let sources = ASSETS
                .iter()
                .map(|(name, mime, bytes)| (*name, *mime, Cow::Borrowed(*bytes)))
                .collect();
            Arc::new(Table::build(sources))
        };
        return COMPILED.get_or_init(compiled).clone();
    }
    let sources = ASSETS
        .iter()
        .map(|(name, mime, bytes)| {
            let body = read_web_file(settings, &format!("assets/{name}"))
                .map_or(Cow::Borrowed(*bytes), Cow::Owned);
            (*name, *mime, body)
        })
        .collect();
    Arc::new(Table::build(sources))
}

/// Bundled front-end assets: by their hashed name (what the pages use) cached for a year, by
/// their plain name (old embed snippets) for five minutes.
pub async fn asset(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let table = asset_table(&state.settings);
    let Some((asset, immutable)) = table.get(name.as_str()) else {
        return Err(ApiError::NotFound(format!("no asset `{name}`")));
    };
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    Ok(HttpResponse::Ok()
        .content_type(asset.mime)
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, format!("\"{:016x}\"", asset.hash)))
        .body(asset.body.clone()))
}
