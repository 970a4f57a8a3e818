//! HTTP layer: routes, extractors, views, errors and the OpenAPI document.

pub mod docs;
pub mod error;
pub mod extract;
pub mod health;
pub mod places;
pub mod plots;
pub mod views;

use std::sync::Arc;

use actix_web::{web, HttpRequest};

use crate::config::Settings;
use crate::db::DbPool;

/// Shared by every request.
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
}

impl AppState {
    /// Base URL for links: the configured public URL, else what the client used to reach us.
    pub fn base_url(&self, req: &HttpRequest) -> String {
        match &self.settings.public_url {
            Some(url) => url.clone(),
            None => {
                let info = req.connection_info();
                format!("{}://{}", info.scheme(), info.host())
            }
        }
    }
}

/// All routes of the service.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(docs::landing))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .service(docs::swagger_ui())
        .service(
            web::resource("/plots")
                .route(web::get().to(plots::list_plots))
                .route(web::post().to(plots::create_plot)),
        )
        .service(
            web::resource("/plots/{key}")
                .route(web::get().to(plots::get_plot))
                .route(web::put().to(plots::replace_plot))
                .route(web::patch().to(plots::patch_plot))
                .route(web::delete().to(plots::delete_plot)),
        )
        .route("/regions", web::get().to(places::list_regions))
        .route("/regions/{id}", web::get().to(places::get_region))
        .route(
            "/municipalities",
            web::get().to(places::list_municipalities),
        )
        .route(
            "/municipalities/{id}",
            web::get().to(places::get_municipality),
        )
        .route("/estates", web::get().to(places::list_estates))
        .route("/estates/{id}", web::get().to(places::get_estate));
}
