//! HTTP layer: routes, extractors, views, errors and the OpenAPI document.

pub mod alerts;
pub mod auth;
pub mod changes;
pub mod checks;
pub mod client;
pub mod counters;
pub mod docs;
pub mod error;
pub mod extract;
pub mod health;
pub mod i18n;
pub mod imports;
pub mod inquiries;
pub mod limits;
pub mod maps;
pub mod media;
pub mod metrics;
pub mod monitoring;
pub mod ogc;
pub mod places;
pub mod plots;
pub mod portal;
pub mod protection;
pub mod shortlists;
pub mod views;
pub mod webhooks;
pub mod xml;

use std::sync::Arc;

use actix_web::{web, HttpRequest};

use crate::config::Settings;
use crate::db::DbPool;

/// Shared by every request. The pool is the worker's own; the rest is shared by all workers.
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    /// `None` when `GWF_TILE_CACHE_MB=0`.
    pub tiles: Option<Arc<maps::tile_cache::TileCache>>,
    pub limits: Arc<limits::RateLimits>,
    /// Turns at password hashing (`GWF_ARGON2_CONCURRENCY`).
    pub hashing: Arc<tokio::sync::Semaphore>,
    pub metrics: Arc<metrics::Sources>,
    /// The offline basemap (`GWF_BASEMAP_PMTILES`), opened once.
    pub basemap: Option<Arc<crate::basemap::Basemap>>,
    /// `None` without `GWF_SMTP_URL`: no mails (inquiry notices, shortlists).
    pub mailer: Option<crate::mail::Mailer>,
    /// Photos and documents (`GWF_MEDIA_DIR` or `GWF_MEDIA_S3_*`).
    pub media: crate::media_store::MediaStore,
    /// Turns at decoding uploaded images (`GWF_MEDIA_CONCURRENCY`).
    pub media_turns: Arc<tokio::sync::Semaphore>,
    /// The base of links in mails: `GWF_PUBLIC_URL`, else the listening address. Never taken
    /// from a request (its `Host` is the sender's choice, and the mail goes to someone else).
    pub mail_base: String,
}

impl AppState {
    /// Base URL for links: the configured public URL, else what the client used to reach us
    /// (forwarding headers only from trusted proxies: `client::scheme_and_host`).
    pub fn base_url(&self, req: &HttpRequest) -> String {
        match &self.settings.public_url {
            Some(url) => url.clone(),
            None => {
                let (scheme, host) =
                    client::scheme_and_host(req, &self.settings.protection.trusted_proxies);
                format!("{scheme}://{host}")
            }
        }
    }

    /// The client's address as rate limits count it.
    pub fn client(&self, req: &HttpRequest) -> std::net::IpAddr {
        client::address(req, &self.settings.protection.trusted_proxies)
    }
}

/// Cross-origin access for the configured origins (`GWF_CORS_ORIGINS`). A request from any other
/// origin is served without CORS headers (its browser then withholds the answer from the page),
/// not refused: the service's own pages send an `Origin` too.
pub fn cors(settings: &Settings) -> actix_cors::Cors {
    use actix_web::http::header;
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600)
        .block_on_origin_mismatch(false);
    if settings.cors_origins.iter().any(|o| o == "*") {
        cors = cors.allow_any_origin().send_wildcard();
    } else {
        for origin in &settings.cors_origins {
            cors = cors.allowed_origin(origin);
        }
    }
    cors
}

/// All routes of the service. Every path is a resource, so a method it does not offer gets
/// 405 with an `Allow` header rather than 404.
///
/// Order matters for speed, not meaning (no two patterns overlap): actix tries resources in
/// order, and each pattern with a `{segment}` costs a regex run. Tiles come first and bypass
/// patterns altogether (`maps::tiles::TilePath`), then fixed paths, then the hot dynamic one
/// (single plots), then the rest. A profile of the tile benchmark showed 9 % of the server's
/// CPU in regex matching before, and 7 % of a cached tile's instructions in matching the fixed
/// paths ahead of `/tiles` (callgrind, issue 20).
// Long, but only the table of routes: splitting it would hide the order that matters.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // Tiles first: the hottest route by far (a map asks for dozens at a time), and a scope's
    // prefix is one comparison. Then fixed paths, compared as strings.
    cfg.service(
        web::scope("/tiles")
            .service(
                resource("/plots.json", "GET").route(web::get().to(maps::tiles::plot_tilejson)),
            )
            .default_service(web::to(maps::tiles::tiles_fallback)),
    )
    .service(resource("/", "GET").route(web::get().to(ogc::landing::landing)))
    .service(resource("/conformance", "GET").route(web::get().to(ogc::landing::conformance)))
    .service(
        resource("/collections", "GET").route(web::get().to(ogc::collections::list_collections)),
    )
    .service(resource("/healthz", "GET").route(web::get().to(health::healthz)))
    .service(resource("/readyz", "GET").route(web::get().to(health::readyz)))
    .service(resource("/metrics", "GET").route(web::get().to(metrics::metrics)))
    .service(resource("/docs", "GET").route(web::get().to(|| async {
        actix_web::HttpResponse::PermanentRedirect()
            .insert_header((actix_web::http::header::LOCATION, "/docs/"))
            .finish()
    })))
    .service(
        resource("/plots", "GET, POST")
            .route(web::get().to(plots::search::list_plots))
            .route(web::post().to(plots::create_plot)),
    )
    .service(
        resource("/collections/plots/items", "GET").route(web::get().to(ogc::items::plot_items)),
    )
    .service(
        beside_plot_key("/plots/search", "POST").route(web::post().to(plots::search::search_plots)),
    )
    .service(
        beside_plot_key("/plots/export", "GET").route(web::get().to(imports::export::export_plots)),
    )
    .service(
        beside_plot_key("/plots/facets", "GET").route(web::get().to(plots::search::plot_facets)),
    )
    .service(
        beside_plot_key("/plots/compare", "GET").route(web::get().to(plots::search::compare_plots)),
    )
    .service(resource("/imports", "POST").route(web::post().to(imports::import_plots)))
    .service(
        resource("/estates/imports", "POST")
            .route(web::post().to(imports::estates::import_estates)),
    )
    .service(resource("/embed", "GET").route(web::get().to(maps::pages::embed)))
    .service(resource(maps::basemap::PATH, "GET").route(web::get().to(maps::basemap::pmtiles)))
    .service(resource("/compare", "GET").route(web::get().to(portal::compare::compare_page)))
    .service(resource("/sitemap.xml", "GET").route(web::get().to(portal::sitemap::sitemap)))
    .service(resource("/robots.txt", "GET").route(web::get().to(portal::robots)))
    .service(resource("/auth/login", "POST").route(web::post().to(auth::login)))
    .service(resource("/auth/logout", "POST").route(web::post().to(auth::logout)))
    .service(resource("/auth/logout-all", "POST").route(web::post().to(auth::logout_all)))
    .service(resource("/auth/password", "POST").route(web::post().to(auth::change_password)))
    .service(resource("/auth/me", "GET").route(web::get().to(auth::me)))
    .service(
        resource("/auth/tokens", "GET, POST")
            .route(web::get().to(auth::tokens::list_tokens))
            .route(web::post().to(auth::tokens::create_token)),
    )
    .service(
        resource("/users", "GET, POST")
            .route(web::get().to(auth::accounts::list_users))
            .route(web::post().to(auth::accounts::create_user)),
    )
    .service(
        resource("/regions", "GET, POST")
            .route(web::get().to(places::list_regions))
            .route(web::post().to(places::create_region)),
    )
    .service(
        resource("/municipalities", "GET, POST")
            .route(web::get().to(places::list_municipalities))
            .route(web::post().to(places::create_municipality)),
    )
    .service(
        resource("/estates", "GET, POST")
            .route(web::get().to(places::list_estates))
            .route(web::post().to(places::create_estate)),
    )
    .service(resource("/places/checks", "GET").route(web::get().to(checks::place_checks)))
    .service(resource("/changes", "GET").route(web::get().to(changes::changes)))
    .service(resource("/changes/atom", "GET").route(web::get().to(changes::atom)))
    .service(
        resource("/webhooks", "GET, POST")
            .route(web::get().to(webhooks::list_webhooks))
            .route(web::post().to(webhooks::create_webhook)),
    )
    .service(
        resource("/webhooks/{id}", "GET, PATCH, DELETE")
            .route(web::get().to(webhooks::get_webhook))
            .route(web::patch().to(webhooks::patch_webhook))
            .route(web::delete().to(webhooks::delete_webhook)),
    )
    .service(
        resource("/webhooks/{id}/deliveries", "GET")
            .route(web::get().to(webhooks::webhook_deliveries)),
    )
    .service(resource("/monitoring", "GET").route(web::get().to(monitoring::monitoring)))
    .service(
        resource("/monitoring/reminders", "GET, POST")
            .route(web::get().to(monitoring::reminders::list_feeds))
            .route(web::post().to(monitoring::reminders::create_feed)),
    )
    .service(
        resource("/monitoring/reminders/{id}", "DELETE")
            .route(web::delete().to(monitoring::reminders::revoke_feed)),
    )
    .service(
        resource("/monitoring/reminders/{token}/atom", "GET")
            .route(web::get().to(monitoring::reminders::feed)),
    )
    .service(resource("/saved-searches", "POST").route(web::post().to(alerts::subscribe)))
    .service(resource("/monitoring/alerts", "GET").route(web::get().to(alerts::counts)))
    .service(
        resource("/saved-searches/{token}", "GET, DELETE")
            .route(web::get().to(alerts::get_saved_search))
            .route(web::delete().to(alerts::delete_saved_search)),
    )
    .service(resource("/saved-searches/{token}/atom", "GET").route(web::get().to(alerts::feed)))
    .service(
        resource("/saved-searches/{token}/confirm", "GET, POST")
            .route(web::get().to(alerts::pages::confirm_page))
            .route(web::post().to(alerts::pages::confirm)),
    )
    .service(
        resource("/saved-searches/{token}/unsubscribe", "GET, POST")
            .route(web::get().to(alerts::pages::unsubscribe_page))
            .route(web::post().to(alerts::pages::unsubscribe)),
    )
    .service(
        resource("/monitoring/inquiries", "GET")
            .route(web::get().to(monitoring::inquiries::demand)),
    )
    .service(
        resource("/inquiries", "GET, POST")
            .route(web::get().to(inquiries::staff::list_inquiries))
            .route(web::post().to(inquiries::submit_inquiry)),
    )
    .service(
        resource("/inquiries/privacy/export", "POST")
            .route(web::post().to(inquiries::privacy::export_person)),
    )
    .service(
        resource("/inquiries/privacy/erase", "POST")
            .route(web::post().to(inquiries::privacy::erase_person)),
    )
    .service(resource("/shortlists", "POST").route(web::post().to(shortlists::create_shortlist)))
    .service(
        resource("/monitoring/freshness", "GET")
            .route(web::get().to(monitoring::freshness::freshness_report)),
    )
    // The hot dynamic path (tiles are parsed by hand, in the `/tiles` scope above).
    .service(
        resource("/plots/{key}", "GET, PUT, PATCH, DELETE")
            .route(web::get().to(plots::get_plot))
            .route(web::put().to(plots::replace_plot))
            .route(web::patch().to(plots::patch_plot))
            .route(web::delete().to(plots::state::delete_plot)),
    )
    // The rest.
    .service(resource("/assets/{name}", "GET").route(web::get().to(maps::pages::asset)))
    .service(
        resource("/plots/{key}/profile", "GET")
            .route(web::get().to(maps::profile::plot::plot_profile)),
    )
    .service(
        resource("/estates/{id}/image.png", "GET")
            .route(web::get().to(maps::profile::image::estate_image)),
    )
    .service(
        resource("/plots/{key}/image.png", "GET")
            .route(web::get().to(maps::profile::image::plot_image)),
    )
    .service(
        resource("/estates/{id}/profile", "GET")
            .route(web::get().to(maps::profile::estate::estate_profile)),
    )
    .service(resource("/shortlists/{code}", "GET").route(web::get().to(shortlists::get_shortlist)))
    .service(resource("/s/{code}", "GET").route(web::get().to(shortlists::page::shortlist_page)))
    .service(resource("/s/{code}/qr.svg", "GET").route(web::get().to(shortlists::shortlist_qr)))
    .service(
        resource("/inquiries/{id}", "GET, PATCH")
            .route(web::get().to(inquiries::staff::get_inquiry))
            .route(web::patch().to(inquiries::staff::patch_inquiry)),
    )
    .service(
        resource("/inquiries/{id}/matches", "GET")
            .route(web::get().to(inquiries::matches::inquiry_matches)),
    )
    .service(
        resource("/inquiries/{id}/shortlist", "POST")
            .route(web::post().to(inquiries::matches::send_shortlist)),
    )
    .service(
        resource("/plots/{key}/preview-link", "POST")
            .route(web::post().to(maps::preview::preview_link)),
    )
    .service(
        resource("/plots/{key}/media", "GET, POST")
            .route(web::get().to(media::list_plot_media))
            .route(web::post().to(media::upload_plot_media)),
    )
    .service(
        resource("/estates/{id}/media", "GET, POST")
            .route(web::get().to(media::estate::list_estate_media))
            .route(web::post().to(media::estate::upload_estate_media)),
    )
    .service(
        resource("/media/{id}", "GET, PATCH, DELETE")
            .route(web::get().to(media::get_media))
            .route(web::patch().to(media::patch_media))
            .route(web::delete().to(media::delete_media)),
    )
    .service(
        resource("/media/{id}/{hash}/{file}", "GET").route(web::get().to(media::serve::media_file)),
    )
    .service(
        resource("/plots/{key}/history", "GET").route(web::get().to(plots::state::plot_history)),
    )
    .service(
        resource("/plots/{key}/confirm", "POST").route(web::post().to(plots::state::confirm_plot)),
    )
    .service(
        resource("/plots/{key}/publish", "POST").route(web::post().to(plots::state::publish_plot)),
    )
    .service(
        resource("/plots/{key}/unpublish", "POST")
            .route(web::post().to(plots::state::unpublish_plot)),
    )
    .service(
        resource("/plots/{key}/restore", "POST").route(web::post().to(plots::state::restore_plot)),
    )
    .service(
        resource("/auth/tokens/{id}", "DELETE").route(web::delete().to(auth::tokens::revoke_token)),
    )
    .service(
        resource("/users/{id}", "GET, PATCH")
            .route(web::get().to(auth::accounts::get_user))
            .route(web::patch().to(auth::accounts::update_user)),
    )
    .service(
        resource("/regions/{id}", "GET, PUT, PATCH, DELETE")
            .route(web::get().to(places::get_region))
            .route(web::put().to(places::replace_region))
            .route(web::patch().to(places::patch_region))
            .route(web::delete().to(places::delete_region)),
    )
    .service(
        resource("/municipalities/{id}", "GET, PUT, PATCH, DELETE")
            .route(web::get().to(places::get_municipality))
            .route(web::put().to(places::replace_municipality))
            .route(web::patch().to(places::patch_municipality))
            .route(web::delete().to(places::delete_municipality)),
    )
    .service(
        resource("/estates/{id}", "GET, PUT, PATCH, DELETE")
            .route(web::get().to(places::get_estate))
            .route(web::put().to(places::replace_estate))
            .route(web::patch().to(places::patch_estate))
            .route(web::delete().to(places::delete_estate)),
    )
    .service(
        resource("/regions/{id}/restore", "POST").route(web::post().to(places::restore_region)),
    )
    .service(
        resource("/municipalities/{id}/restore", "POST")
            .route(web::post().to(places::restore_municipality)),
    )
    .service(
        resource("/estates/{id}/restore", "POST").route(web::post().to(places::restore_estate)),
    )
    .service(resource("/regions/{id}/history", "GET").route(web::get().to(places::region_history)))
    .service(
        resource("/municipalities/{id}/history", "GET")
            .route(web::get().to(places::municipality_history)),
    )
    .service(resource("/estates/{id}/history", "GET").route(web::get().to(places::estate_history)))
    .service(
        resource("/collections/{collectionId}", "GET")
            .route(web::get().to(ogc::collections::get_collection)),
    )
    .service(
        resource("/collections/{collectionId}/queryables", "GET")
            .route(web::get().to(ogc::collections::get_queryables)),
    )
    .service(
        resource("/collections/{collectionId}/items", "GET")
            .route(web::get().to(ogc::items::items)),
    )
    .service(
        resource("/collections/{collectionId}/items/{featureId}", "GET")
            .route(web::get().to(ogc::items::item)),
    )
    // `/openapi.json` and `/docs/{…}`: a catch-all pattern, so last.
    .service(docs::swagger_ui());
}

/// Fixed paths that share the shape of `/plots/{key}`. A method `/plots/{key}` offers answers
/// as it would for a plot of this name, which cannot exist (references are upper-case): 404.
/// Any other method is not allowed here: 405.
fn beside_plot_key(path: &'static str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move |req: actix_web::HttpRequest| async move {
        use actix_web::http::Method;
        if [Method::GET, Method::PUT, Method::PATCH, Method::DELETE].contains(req.method()) {
            return Err(error::ApiError::NotFound(format!(
                "no plot `{}`",
                path.trim_start_matches("/plots/")
            )));
        }
        Ok(actix_web::HttpResponse::MethodNotAllowed()
            .insert_header((actix_web::http::header::ALLOW, allow))
            .finish())
    }))
}

fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    // HEAD is answered wherever GET is (`startup::head_as_get`), so a 405 names it too.
    let allow = if allow.split(", ").any(|m| m == "GET") {
        format!("{allow}, HEAD")
    } else {
        allow.to_owned()
    };
    web::resource(path).default_service(web::to(move || {
        let allow = allow.clone();
        async move {
            actix_web::HttpResponse::MethodNotAllowed()
                .insert_header((actix_web::http::header::ALLOW, allow))
                .finish()
        }
    }))
}
