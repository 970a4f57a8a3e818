//! OGC API – Features (Parts 1, 2, 3): the landing page, conformance, collections, queryables
//! and items of `plots`, `estates` and `municipalities`, in JSON/GeoJSON and HTML. Plots are
//! searched by the same code as `GET /plots` (`api::plots::params`, `filters`, `db::search`);
//! the rules (CRS, CQL2, collections) are in `domain::ogc`. Guide: docs/ogcapi.md.

pub mod collections;
mod html;
pub mod items;
pub mod landing;
mod page;
mod places;

use actix_web::http::header;
use actix_web::HttpRequest;

use super::error::ApiError;
use super::views::Link;
use crate::domain::ogc::{Collection, OgcCrs};

pub const HTML: &str = "text/html";
pub const GEOJSON: &str = crate::api::extract::GEOJSON;
pub const JSON: &str = "application/json";

/// What a resource is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Out {
    /// JSON (metadata) or GeoJSON (features).
    Json,
    Html,
}

/// `f=json|geojson|html` wins over `Accept`; without either, JSON. A browser's Accept lists
/// `text/html` first, so it gets HTML.
pub fn negotiate(req: &HttpRequest, f: Option<&str>) -> Result<Out, ApiError> {
    if let Some(f) = f {
        return match f {
            "json" | "geojson" => Ok(Out::Json),
            "html" => Ok(Out::Html),
            other => Err(ApiError::bad_parameter(
                "f",
                format!(
                    "unknown format `{}`; use json or html",
                    other.chars().take(40).collect::<String>()
                ),
            )),
        };
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut best: Option<(f32, Out)> = None;
    let mut listed = false;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if mime.is_empty() {
            continue;
        }
        listed = true;
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let out = match mime.as_str() {
            "text/html" | "application/xhtml+xml" => Some(Out::Html),
            "application/geo+json"
            | "application/json"
            | "application/schema+json"
            | "application/vnd.oai.openapi+json" => Some(Out::Json),
            "application/*" | "*/*" => Some(Out::Json),
            _ => None,
        };
        if let Some(out) = out {
            let q = if mime.contains('*') { q - 0.0001 } else { q };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, out));
            }
        }
    }
    match best {
        Some((_, out)) => Ok(out),
        None if !listed => Ok(Out::Json),
        None => Err(ApiError::NotAcceptable(
            "this resource is available as application/json (features: application/geo+json) or text/html".into(),
        )),
    }
}

pub fn link(href: String, rel: &'static str, type_: &'static str) -> Link {
    Link { href, rel, type_ }
}

/// A link with a title, as OGC clients show them.
#[derive(Debug, serde::Serialize)]
pub struct TitledLink {
    pub href: String,
    pub rel: &'static str,
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub title: String,
}

/// The collection ids, for the OpenAPI document (handlers take any text and answer 404).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CollectionId {
    Plots,
    Estates,
    Municipalities,
}

pub fn collection(id: &str) -> Result<Collection, ApiError> {
    Collection::parse(id).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no collection `{}`; collections: plots, estates, municipalities",
            id.chars().take(60).collect::<String>()
        ))
    })
}

/// A CRS parameter (`crs`, `bbox-crs`, `filter-crs`), if given: one of those offered or 400.
pub fn crs_param(name: &str, value: Option<&str>) -> Result<OgcCrs, ApiError> {
    match value {
        None => Ok(OgcCrs::CRS84),
        Some(text) => OgcCrs::parse(text).ok_or_else(|| {
            ApiError::bad_parameter(
                name,
                format!("unsupported CRS; offered: {}", OgcCrs::offered()),
            )
        }),
    }
}

/// The query string's pairs, without those named, re-encoded, with `extra` added.
pub fn query_without(req: &HttpRequest, drop: &[&str], extra: &[(&str, String)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if !drop.contains(&k.as_ref()) {
            serializer.append_pair(&k, &v);
        }
    }
    for (k, v) in extra {
        serializer.append_pair(k, v);
    }
    serializer.finish()
}
