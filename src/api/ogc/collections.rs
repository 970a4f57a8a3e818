//! `/collections`, `/collections/{id}` and `/collections/{id}/queryables`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::landing::FormatParams;
use super::{collection, html, link, negotiate, Out, GEOJSON, HTML, JSON};
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::QueryParams;
use crate::api::views::Link;
use crate::api::AppState;
use crate::db;
use crate::domain::ogc::{queryables, Collection, OgcCrs};

/// A feature collection's description.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    #[serde(rename = "itemType")]
    pub item_type: &'static str,
    /// CRSs `crs` and `bbox-crs` take (OGC Part 2).
    pub crs: Vec<String>,
    #[serde(rename = "storageCrs")]
    pub storage_crs: String,
    /// Where the public features lie; left out while the collection is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extent: Option<Extent>,
    pub links: Vec<Link>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Extent {
    pub spatial: SpatialExtent,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpatialExtent {
    /// One box, `[west, south, east, north]`. Units: degrees (CRS84). For plots it comes from
    /// the database's statistics and may be a little larger than the plots.
    pub bbox: Vec<[f64; 4]>,
    /// Always CRS84.
    pub crs: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Collections {
    pub links: Vec<Link>,
    pub collections: Vec<CollectionInfo>,
    /// CRSs offered by every collection.
    pub crs: Vec<String>,
}

/// A collection's description as served in `out`: its own format is `self`, the other one
/// `alternate`.
fn info(base: &str, c: Collection, out: Out, bbox: Option<[f64; 4]>) -> CollectionInfo {
    let at = |path: String| format!("{base}/collections/{}{path}", c.id());
    let (json_rel, html_rel) = match out {
        Out::Json => ("self", "alternate"),
        Out::Html => ("alternate", "self"),
    };
    CollectionInfo {
        id: c.id(),
        title: c.title(),
        description: c.description(),
        item_type: "feature",
        crs: OgcCrs::ALL.iter().map(|c| c.uri()).collect(),
        storage_crs: OgcCrs::CRS84.uri(),
        extent: bbox.map(|b| Extent {
            spatial: SpatialExtent {
                bbox: vec![b],
                crs: OgcCrs::CRS84.uri(),
            },
        }),
        links: vec![
            link(at("?f=json".into()), json_rel, JSON),
            link(at("?f=html".into()), html_rel, HTML),
            link(at("/items?f=json".into()), "items", GEOJSON),
            link(at("/items?f=html".into()), "items", HTML),
            link(
                at("/queryables".into()),
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
            ),
        ],
    }
}

/// Feature collections
///
/// `plots`, `estates` and `municipalities`, with the CRSs they are offered in.
#[utoipa::path(
    get, path = "/collections", tag = "ogcapi", params(FormatParams),
    responses(
        (status = 200, description = "The collections", content(
            (Collections = "application/json"),
            (String = "text/html"),
        )),
        r::BadQuery,
        r::NotAcceptable,
    )
)]
pub async fn list_collections(
    req: HttpRequest,
    state: web::Data<AppState>,
    QueryParams(params): QueryParams<FormatParams>,
) -> Result<HttpResponse, ApiError> {
    let out = negotiate(&req, params.f.as_deref())?;
    let base = state.base_url(&req);
    let mut conn = state.pool.get().await?;
    let mut described = Vec::new();
    for c in Collection::ALL {
        let bbox = db::ogc::extent(&mut conn, c).await?;
        described.push(info(&base, c, out, bbox));
    }
    drop(conn);
    let all = Collections {
        links: vec![
            link(format!("{base}/collections?f=json"), "self", JSON),
            link(format!("{base}/collections?f=html"), "alternate", HTML),
        ],
        collections: described,
        crs: OgcCrs::ALL.iter().map(|c| c.uri()).collect(),
    };
    Ok(match out {
        Out::Json => HttpResponse::Ok()
            .insert_header(("Vary", "Accept"))
            .json(all),
        Out::Html => html::metadata_page(
            &state,
            "Collections",
            maud::html! {
                @for c in &all.collections {
                    section.section {
                        h2 { a href={ (base) "/collections/" (c.id) "?f=html" } { (c.title) } }
                        p { (c.description) }
                        p { a href={ (base) "/collections/" (c.id) "/items?f=html" } { "Features" } }
                    }
                }
            },
        ),
    })
}

/// A feature collection
#[utoipa::path(
    get, path = "/collections/{collectionId}", tag = "ogcapi",
    params(("collectionId" = inline(super::CollectionId), Path, description = "`plots`, `estates` or `municipalities`"), FormatParams),
    responses(
        (status = 200, description = "The collection", content(
            (CollectionInfo = "application/json"),
            (String = "text/html"),
        )),
        r::BadQuery,
        (status = 404, description = "No such collection", body = Problem, content_type = "application/problem+json"),
        r::NotAcceptable,
    )
)]
pub async fn get_collection(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    QueryParams(params): QueryParams<FormatParams>,
) -> Result<HttpResponse, ApiError> {
    let c = collection(&id)?;
    let out = negotiate(&req, params.f.as_deref())?;
    let base = state.base_url(&req);
    let bbox = db::ogc::extent(&mut *state.pool.get().await?, c).await?;
    let described = info(&base, c, out, bbox);
    Ok(match out {
        Out::Json => HttpResponse::Ok()
            .insert_header(("Vary", "Accept"))
            .json(described),
        Out::Html => html::metadata_page(
            &state,
            described.title,
            maud::html! {
                p { (described.description) }
                h2 { "CRS" }
                ul { @for c in &described.crs { li { code { (c) } } } }
                (html::links_list(&described.links))
            },
        ),
    })
}

/// Queryables of a collection
///
/// The properties a `filter` may name, as a JSON Schema (OGC API – Features Part 3).
#[utoipa::path(
    get, path = "/collections/{collectionId}/queryables", tag = "ogcapi",
    params(("collectionId" = inline(super::CollectionId), Path, description = "`plots`, `estates` or `municipalities`"), FormatParams),
    responses(
        (status = 200, description = "JSON Schema of the queryables", content(
            (Value = "application/schema+json"),
            (String = "text/html"),
        )),
        r::BadQuery,
        (status = 404, description = "No such collection", body = Problem, content_type = "application/problem+json"),
        r::NotAcceptable,
    )
)]
pub async fn get_queryables(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    QueryParams(params): QueryParams<FormatParams>,
) -> Result<HttpResponse, ApiError> {
    let c = collection(&id)?;
    let out = negotiate(&req, params.f.as_deref())?;
    let base = state.base_url(&req);
    let properties: Map<String, Value> = queryables(c)
        .iter()
        .map(|q| (q.name.to_owned(), q.schema()))
        .collect();
    Ok(match out {
        Out::Json => HttpResponse::Ok()
            .content_type("application/schema+json")
            .insert_header(("Vary", "Accept"))
            .json(json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": format!("{base}/collections/{}/queryables", c.id()),
                "type": "object",
                "title": c.title(),
                "properties": properties,
                "additionalProperties": false,
            })),
        Out::Html => html::metadata_page(
            &state,
            &format!("Queryables: {}", c.title()),
            maud::html! {
                table.plot-list {
                    thead { tr { th { "name" } th { "type" } th { "description" } } }
                    tbody {
                        @for q in queryables(c) {
                            tr {
                                td { code { (q.name) } }
                                td { (q.schema().get("type").or(q.schema().get("format")).and_then(Value::as_str).unwrap_or("")) }
                                td { (q.description) }
                            }
                        }
                    }
                }
            },
        ),
    })
}
