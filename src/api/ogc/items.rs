//! `/collections/{id}/items` and `/collections/{id}/items/{featureId}`. Plots are searched as
//! `GET /plots` searches them (its parameters, `filters::settle`, `db::search`), with the OGC
//! parameters on top; estates and municipalities in `places`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::IntoParams;

use super::page::{page_links, respond, OgcArgs};
use super::{collection, html, link, query_without, Out, GEOJSON};
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::Caller;
use crate::api::plots::params::SearchParams;
use crate::api::views::media::file_path;
use crate::api::views::Plot;
use crate::api::AppState;
use crate::db;
use crate::db::search::Covers;
use crate::domain::media::Variant;

use crate::domain::ogc::Collection;
use crate::domain::search::{Cursor, PlotQuery};

/// The OGC parameters of items (documentation; read by `OgcArgs`). On `plots`, every
/// parameter of `GET /plots` filters too (`status`, `zoning`, `area_min`, `q`, …).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ItemsParams {
    /// `minx,miny,maxx,maxy` in `bbox-crs` (default CRS84 lon/lat): features that intersect it,
    /// e.g. `11.4,53.25,11.7,53.4`.
    #[param(value_type = Option<String>)]
    bbox: Option<String>,
    /// CRS of `bbox` (URI), e.g. `http://www.opengis.net/def/crs/EPSG/0/25833`.
    #[param(rename = "bbox-crs")]
    bbox_crs: Option<String>,
    /// CRS of the returned geometries (URI); `Content-Crs` names it. EPSG:4326 is lat/lon.
    crs: Option<String>,
    /// Page size, 1 or more (default 10); more than 1000 is lowered to 1000.
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// An instant or interval (RFC 3339, `..` for open ends) matched against `updated_at`,
    /// e.g. `2024-01-01T00:00:00Z/..`.
    datetime: Option<String>,
    /// A CQL2 filter over the queryables (`/collections/{id}/queryables`), e.g.
    /// `status = 'available' AND area_m2 >= 10000`; also
    /// `S_DWITHIN(geometry, POINT(11.48 53.32), 2000)` (metres).
    #[param(max_length = 8000)]
    filter: Option<String>,
    /// `cql2-text` (default) or `cql2-json`.
    #[param(rename = "filter-lang", pattern = "^(cql2-text|cql2-json)$")]
    filter_lang: Option<String>,
    /// CRS of the geometries in `filter` (URI, default CRS84).
    #[param(rename = "filter-crs")]
    filter_crs: Option<String>,
    /// `json` (GeoJSON) or `html`; overrides `Accept`.
    #[param(pattern = "^(json|geojson|html)$")]
    f: Option<String>,
    /// Plots: the position from a `next` or `prev` link.
    #[param(pattern = "^[0-9a-f]*$")]
    cursor: Option<String>,
    /// Estates and municipalities: how many to skip (from a `next` link).
    #[param(minimum = 0)]
    offset: Option<i64>,
}

/// Features of a collection
///
/// A page of features as GeoJSON (or HTML), with `next` links to page on. Anonymous callers
/// see published features and public facts; a bearer token sees what its account may read.
/// `numberMatched` comes with `count=exact` on `plots` (counted up to 10,000: left out above),
/// always on the (small) place collections.
#[utoipa::path(
    get, path = "/collections/{collectionId}/items", tag = "ogcapi",
    params(("collectionId" = inline(super::CollectionId), Path, description = "`plots`, `estates` or `municipalities`"), ItemsParams),
    responses(
        (status = 200, description = "A page of features", content(
            (Value = "application/geo+json"),
            (String = "text/html"),
        ), headers(("Content-Crs" = String, description = "CRS of the geometries, as `<URI>`"))),
        (status = 400, description = "A parameter or the filter is invalid; `errors` names it (a filter error its position)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection", body = Problem, content_type = "application/problem+json"),
        r::NotAcceptable,
        r::BadToken,
        r::Busy,
        r::RateLimited,
    ),
    security((), ("bearer" = []))
)]
pub async fn items(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    items_of(req, state, caller, collection(&id)?).await
}

/// `/collections/plots/items` as a fixed route: matched as a string, before the patterns
/// (see `api::routes`), as it is the hot one.
pub async fn plot_items(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    items_of(req, state, caller, Collection::Plots).await
}

async fn items_of(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    c: Collection,
) -> Result<HttpResponse, ApiError> {
    let args = OgcArgs::read(&req, c)?;
    if c != Collection::Plots {
        return super::places::items(&req, &state, &caller, c, args).await;
    }
    let query = plot_query(&args)?;
    let set = caller.plot_set_for(&query)?;
    let mut query = query;
    let mut conn = state.pool.get().await?;
    crate::api::plots::filters::settle(&mut conn, &mut query, &set).await?;
    let page =
        db::search::page_both_ways(&mut conn, &query, &set, query.limit, Covers::Without).await?;
    let matched = match query.count_exact {
        true => Some(db::search::count(&mut conn, &query, &set).await?.n)
            .filter(|n| *n <= crate::domain::search::COUNT_CAP),
        false => None,
    };
    drop(conn);
    let scope = caller.scope();
    let plots = page
        .hits
        .into_iter()
        .map(|h| Plot::from_row(h.row, h.geometry, &scope));
    let base = state.base_url(&req);
    let path = format!("{base}/collections/plots/items");
    let href = |cursor: Cursor| {
        format!(
            "{path}?{}",
            query_without(&req, &["cursor"], &[("cursor", cursor.encode())])
        )
    };
    let links = page_links(
        &req,
        &path,
        args.out,
        page.next.map(href),
        page.prev.map(href),
    );
    match query.fields.as_deref() {
        None => {
            let features: Vec<_> = plots.map(Plot::into_feature).collect();
            respond(&state, c, args.out, args.crs, features, matched, links)
        }
        Some(fields) => {
            let features: Vec<Value> = plots.map(|p| feature(p, Some(fields))).collect();
            respond(&state, c, args.out, args.crs, features, matched, links)
        }
    }
}

/// The `PlotQuery` of an OGC request: the `GET /plots` parameters, then the OGC ones.
fn plot_query(args: &OgcArgs) -> Result<PlotQuery, ApiError> {
    let rest = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(args.rest.iter())
        .finish();
    let params: SearchParams = serde_urlencoded::from_str(&rest).map_err(|e| {
        let detail = e.to_string();
        let name = detail.split('`').nth(1).unwrap_or("query").to_owned();
        ApiError::bad_parameter(&name, detail)
    })?;
    let mut query = params.into_query(None).map_err(ApiError::bad_params)?;
    crate::api::plots::search::check_fields(&query)?;
    query.bbox = args.bbox;
    query.limit = args.limit;
    query.updated = args.updated;
    query.filter = args.filter.clone();
    query.crs = args.crs;
    Ok(query)
}

/// A plot as a GeoJSON Feature (only the chosen members with `fields`).
fn feature(plot: Plot, fields: Option<&[String]>) -> Value {
    let mut value = serde_json::to_value(plot.into_feature()).unwrap_or(Value::Null);
    if let (Some(fields), Some(properties)) = (
        fields,
        value.get_mut("properties").and_then(Value::as_object_mut),
    ) {
        properties.retain(|k, _| k == "id" || fields.contains(k));
    }
    value
}

/// One feature
#[utoipa::path(
    get, path = "/collections/{collectionId}/items/{featureId}", tag = "ogcapi",
    params(
        ("collectionId" = inline(super::CollectionId), Path, description = "`plots`, `estates` or `municipalities`"),
        ("featureId" = String, Path, description = "The feature's `id`"),
        ("crs" = Option<String>, Query, description = "CRS of the geometry (URI)"),
        ("f" = Option<String>, Query, description = "`json` (GeoJSON) or `html`", pattern = "^(json|geojson|html)$"),
    ),
    responses(
        (status = 200, description = "The feature", content(
            (Value = "application/geo+json"),
            (String = "text/html"),
        ), headers(("Content-Crs" = String, description = "CRS of the geometry, as `<URI>`"))),
        r::BadQuery,
        (status = 404, description = "No such feature (or not visible to the caller)", body = Problem, content_type = "application/problem+json"),
        r::NotAcceptable,
        r::BadToken,
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn item(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (collection_id, feature_id) = path.into_inner();
    let c = collection(&collection_id)?;
    let args = OgcArgs::read(&req, c)?;
    if let Some((name, _)) = args.rest.first() {
        return Err(ApiError::bad_parameter(
            name,
            "unknown parameter; a feature takes `crs` and `f`",
        ));
    }
    let not_found = || {
        ApiError::NotFound(format!(
            "no feature `{}` in `{}`",
            feature_id.chars().take(40).collect::<String>(),
            c.id()
        ))
    };
    let id: i64 = feature_id
        .parse()
        .ok()
        .filter(|i| *i >= 1)
        .ok_or_else(not_found)?;
    // A plot's photos and documents as `enclosure` links (the 1200 px JPEG, the PDF).
    let mut enclosures = Vec::new();
    let feature = match c {
        Collection::Plots => {
            let query = PlotQuery {
                ids: vec![id],
                crs: args.crs,
                ..PlotQuery::default()
            };
            let set = caller.plot_set();
            let mut conn = state.pool.get().await?;
            let (hits, _) = db::search::page(&mut conn, &query, &set, 1).await?;
            let scope = caller.scope();
            if let Some(h) = hits.first() {
                let (municipality, published) =
                    (h.row.facts.municipality_id, h.row.internal.published);
                let base = state.base_url(&req);
                for m in db::media::of_plots(&mut conn, &[h.row.id]).await? {
                    if !crate::domain::access::may_read_media(
                        &scope,
                        municipality,
                        published,
                        m.internal,
                    ) {
                        continue;
                    }
                    let variant = if m.content_type == "application/pdf" {
                        Variant::Document
                    } else {
                        Variant::Large
                    };
                    let href = format!("{base}{}", file_path(m.id, &m.content_hash, variant));
                    enclosures.push(link(href, "enclosure", variant.content_type()));
                }
            }
            hits.into_iter()
                .next()
                .map(|h| feature(Plot::from_row(h.row, h.geometry, &scope), None))
        }
        _ => super::places::one(&state, &caller, c, id, args.crs).await?,
    }
    .ok_or_else(not_found)?;
    let base = state.base_url(&req);
    let path = format!("{base}/collections/{}/items/{id}", c.id());
    let mut links = page_links(&req, &path, args.out, None, None);
    links.push(link(
        format!("{base}/collections/{}", c.id()),
        "collection",
        "application/json",
    ));
    links.extend(enclosures);
    if args.out == Out::Html {
        return Ok(html::feature_page(&state, c, &feature, &links));
    }
    let mut feature = feature;
    feature["links"] = json!(links);
    Ok(HttpResponse::Ok()
        .content_type(GEOJSON)
        .insert_header(("Content-Crs", format!("<{}>", args.crs.uri())))
        .insert_header((header::VARY, "Accept, Authorization"))
        .json(feature))
}
