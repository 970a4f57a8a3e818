//! Investor search: `GET /plots`, `POST /plots/search`, `GET /plots/facets`,
//! `GET /plots/compare`, in JSON, GeoJSON and CSV.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::page::{GeoPlot, Page};
use super::params::SearchParams;
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{off_worker, Caller, JsonBody, QueryParams};
use crate::api::views::media::MediaCover;
use crate::api::views::{Link, Plot, PlotFeatureCollection, PlotPage, Total};
use crate::api::AppState;
use crate::config::protection::Class;
use crate::db;
use crate::db::search::Covers;
use crate::domain::geometry::position_count;
use crate::domain::plot::PlotKey;
use crate::domain::search::{drawn_area, OutputFormat, PlotQuery, SpatialRelation, MAX_COMPARE};
use crate::domain::FieldError;

/// Names a client may list in `fields`: the members of the `Plot` view.
pub(crate) fn known_fields() -> &'static [String] {
    crate::api::views::Plot::members()
}

pub(crate) fn check_fields(query: &PlotQuery) -> Result<(), ApiError> {
    check_fields_among(query, &[])
}

/// Members only searches add (not in CSV, OGC items or single reads): see `Plot::cover`.
const SEARCH_ONLY_FIELDS: &[&str] = &["cover"];

/// `fields` checked against the members of `Plot` and `extra`.
fn check_fields_among(query: &PlotQuery, extra: &[&str]) -> Result<(), ApiError> {
    let Some(fields) = &query.fields else {
        return Ok(());
    };
    let known = known_fields();
    let unknown: Vec<&String> = fields
        .iter()
        .filter(|f| !known.contains(f) && !extra.contains(&f.as_str()))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(ApiError::bad_params(vec![FieldError::new(
        "fields",
        format!(
            "unknown field(s) {}; available: {}",
            unknown
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", "),
            known
                .iter()
                .map(String::as_str)
                .chain(extra.iter().copied())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )]))
}

fn output_format(req: &HttpRequest, query: &PlotQuery) -> Result<OutputFormat, ApiError> {
    if let Some(format) = query.format {
        return Ok(format);
    }
    // Without `f`, negotiate among the types a client may list in Accept.
    Ok(match crate::api::extract::Format::negotiate(req, None)? {
        crate::api::extract::Format::Json => OutputFormat::Json,
        crate::api::extract::Format::GeoJson => OutputFormat::GeoJson,
    })
}

/// Search plots
///
/// Every filter is optional and they combine with AND; values within one list parameter
/// combine with OR. Spatial: `bbox` (intersects), `near` + `radius_m` (true metres on the
/// ellipsoid; each result carries `distance_m`). Pages are keyset-paged: follow `next`.
/// Formats: JSON (default), GeoJSON (`Accept: application/geo+json` or `f=geojson`), CSV
/// (`f=csv`; `f=csv-excel` for German Excel, `f=csv-excel-en` for Excel in English), CSV being
/// the complete result, streamed.
///
/// Rules between parameters, which OpenAPI cannot state (each breach is a 400 naming the
/// parameter): `area_min` ≤ `area_max`; `near` and `radius_m` come together; `sort=distance`
/// needs `near`; a `cursor` continues the query and sort it came from; `fields` names members
/// of a plot; `deleted=true` is for admins.
#[utoipa::path(
    get,
    path = "/plots",
    tag = "plots",
    params(SearchParams),
    responses(
        (status = 200, description = "A page of plots (CSV: all matches)", content(
            (PlotPage = "application/json"),
            (PlotFeatureCollection = "application/geo+json"),
            (String = "text/csv"),
        ), headers(("Link" = String, description = "RFC 8288 `next` link when there are more plots"))),
        (status = 400, description = "A parameter is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
        r::NotAcceptable,
        r::BadToken,
        r::Busy,
        r::RateLimited,
    ),
    security((), ("bearer" = []))
)]
pub async fn list_plots(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let query = params.into_query(None).map_err(ApiError::bad_params)?;
    check_fields_among(&query, SEARCH_ONLY_FIELDS)?;
    let format = output_format(&req, &query)?;
    if format.is_csv() {
        heavy(&state, &req, &caller, 1)?;
    }
    let next_href = |cursor: &str| {
        let mut pairs: Vec<(String, String)> =
            form_urlencoded::parse(req.query_string().as_bytes())
                .filter(|(k, _)| k != "cursor")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        pairs.push(("cursor".into(), cursor.to_owned()));
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        Some(format!("{}/plots?{query}", state.base_url(&req)))
    };
    let self_href = format!("{}{}", state.base_url(&req), req.uri());
    let base = state.base_url(&req);
    respond(&state, caller, query, format, (self_href, base), next_href).await
}

/// Body of `POST /plots/search`: the parameters of `GET /plots` plus a drawn area.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "geometry": {"type": "Polygon", "coordinates": [[[11.45, 53.30], [11.62, 53.30], [11.62, 53.40], [11.45, 53.40], [11.45, 53.30]]]},
    "relation": "intersects",
    "status": ["available", "planned"],
    "area_min": 10000,
    "sort": "-area"
}))]
pub struct SearchBody {
    /// Drawn area: GeoJSON Polygon or MultiPolygon (holes allowed), EPSG:4326.
    #[schema(value_type = Option<crate::domain::geometry::GeoJsonPolygonal>)]
    pub geometry: Option<Value>,
    pub relation: Option<SpatialRelation>,
    /// Any parameter of `GET /plots` (lists as arrays or comma-separated).
    #[serde(flatten)]
    #[schema(inline)]
    pub params: SearchParams,
}

/// Search plots within a drawn area
///
/// The same filters as `GET /plots` in a JSON body, plus `geometry` (a drawn polygon, holes
/// and MultiPolygons allowed) and `relation`: `intersects` (plots sharing any point with the
/// area, touching included) or `within` (plots wholly inside it). Paging: send the
/// `next_cursor` of a page back as `cursor`.
#[utoipa::path(
    post,
    path = "/plots/search",
    tag = "plots",
    request_body(content = SearchBody, content_type = "application/json"),
    responses(
        (status = 200, description = "A page of plots (CSV: all matches)", content(
            (PlotPage = "application/json"),
            (PlotFeatureCollection = "application/geo+json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "Invalid parameter or geometry; `errors` names it", body = Problem, content_type = "application/problem+json"),
        r::NotAcceptable,
        r::TooLarge,
        r::NotJson,
        r::BadToken,
        r::Busy,
        r::RateLimited,
    ),
    security((), ("bearer" = []))
)]
pub async fn search_plots(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    let Value::Object(object) = body else {
        return Err(ApiError::bad_params(vec![FieldError::new(
            "",
            "the body must be a JSON object",
        )]));
    };
    let (params, geometry, relation) = split_body(object)?;
    let drawn = checked_area(&state, &req, &caller, geometry, relation).await?;
    let query = params.into_query(drawn).map_err(ApiError::bad_params)?;
    check_fields_among(&query, SEARCH_ONLY_FIELDS)?;
    let format = output_format(&req, &query)?;
    if query.drawn.is_none() && format.is_csv() {
        heavy(&state, &req, &caller, 1)?;
    }
    let base = state.base_url(&req);
    let self_href = format!("{base}/plots/search");
    // A next page is a POST with `next_cursor` as `cursor`: no GET link can express it.
    respond(&state, caller, query, format, (self_href, base), |_| None).await
}

/// The body of `POST /plots/search` taken apart: the parameters of `GET /plots`, the drawn
/// area (not yet checked) and its relation. Saved searches take the same body.
pub(crate) fn split_body(
    mut object: Map<String, Value>,
) -> Result<(SearchParams, Option<Value>, SpatialRelation), ApiError> {
    let geometry = object.remove("geometry").filter(|g| !g.is_null());
    let relation = match object.remove("relation") {
        None | Some(Value::Null) => SpatialRelation::Intersects,
        Some(value) => serde_json::from_value(value).map_err(|_| {
            ApiError::bad_params(vec![FieldError::new(
                "/relation",
                "must be `intersects` or `within`",
            )])
        })?,
    };
    let params: SearchParams = serde_json::from_value(Value::Object(object))
        .map_err(|e| ApiError::bad_params(vec![FieldError::new("", e.to_string())]))?;
    Ok((params, geometry, relation))
}

/// A drawn area checked as a search area, off the async workers. Priced by size: validation
/// grows with the positions (up to ~0.3 s at the limits), so each started thousand counts as
/// one more request against the heavy limit.
pub(crate) async fn checked_area(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    geometry: Option<Value>,
    relation: SpatialRelation,
) -> Result<Option<crate::domain::search::DrawnArea>, ApiError> {
    let Some(geometry) = geometry else {
        return Ok(None);
    };
    let cost = 1 + position_count(&geometry) / 1_000;
    heavy(state, req, caller, cost as u32)?;
    let limits = state.settings.geometry_limits;
    let checked = off_worker(state.settings.cpu_timeout, move || {
        drawn_area(&geometry, relation, &limits)
    });
    Ok(Some(checked.await?.map_err(ApiError::bad_params)?))
}

/// Drawn-area searches and CSV exports of anonymous callers count against the heavy limit
/// (`GWF_RATE_HEAVY_*`), as `cost` requests; staff are limited by their accounts.
fn heavy(state: &AppState, req: &HttpRequest, caller: &Caller, cost: u32) -> Result<(), ApiError> {
    match caller {
        Caller::Anonymous => state
            .limits
            .check_cost(Class::Heavy, state.client(req), cost),
        Caller::User { .. } => Ok(()),
    }
}

async fn respond(
    state: &web::Data<AppState>,
    caller: Caller,
    mut query: PlotQuery,
    format: OutputFormat,
    (self_href, base): (String, String),
    next_href: impl Fn(&str) -> Option<String>,
) -> Result<HttpResponse, ApiError> {
    super::filters::fresh_since(&mut query, state.settings.stale_after_days);
    let set = caller.plot_set_for(&query)?;
    let mut conn = state.pool.get().await?;
    super::filters::settle(&mut conn, &mut query, &set).await?;
    if format.is_csv() {
        drop(conn);
        return Ok(super::csv::export(state, caller, set, query, format));
    }
    let covers = Covers::shown_by(&query);
    let page = db::search::page_both_ways(&mut conn, &query, &set, query.limit, covers).await?;
    let (hits, next) = (page.hits, page.next);
    let total = match query.count_exact {
        true => {
            let counted = db::search::count(&mut conn, &query, &set).await?;
            Some(Total::of(counted.n, counted.area_m2))
        }
        false => None,
    };
    drop(conn);
    let scope = caller.scope();

    let media_type = match format {
        OutputFormat::GeoJson => crate::api::extract::GEOJSON,
        _ => "application/json",
    };
    let next_cursor = next.as_ref().map(|c| c.encode());
    let next_link = next_cursor.as_deref().and_then(&next_href);
    let mut response = HttpResponse::Ok();
    response.content_type(media_type);
    response.insert_header((header::VARY, "Accept, Authorization"));
    if let Some(href) = &next_link {
        response.insert_header((header::LINK, format!("<{href}>; rel=\"next\"")));
    }
    let links = [Some((self_href, "self")), next_link.map(|h| (h, "next"))]
        .into_iter()
        .flatten()
        .map(|(href, rel)| Link {
            href,
            rel,
            type_: media_type,
        })
        .collect();
    let page = Page {
        plots: hits
            .into_iter()
            .map(|mut h| {
                let cover = visible_cover(&mut h, &scope, &base);
                // The geometry stays text until the form is known (`GeoPlot`).
                let mut plot = Plot::from_row(h.row, None, &scope).with_distance(h.distance_m);
                if covers == Covers::With {
                    plot.cover = Some(cover);
                }
                GeoPlot {
                    plot,
                    geometry: h.geometry,
                }
            })
            .collect(),
        total,
        next_cursor,
        links,
    };
    Ok(match (format, &query.fields) {
        (OutputFormat::GeoJson, None) => response.body(page.geojson()?),
        (OutputFormat::GeoJson, Some(fields)) => response.json(page.selected_features(fields)),
        (_, None) => response.body(page.json()?),
        (_, Some(fields)) => response.json(page.selected_items(fields)),
    })
}

/// A hit's cover if the reader may see it. Media of a deleted plot are gone with it (an
/// admin's search of deleted plots).
fn visible_cover(
    hit: &mut db::search::Hit,
    scope: &crate::domain::access::ReadScope,
    base: &str,
) -> Option<MediaCover> {
    let cover = hit.cover.take()?;
    let plot = &hit.row;
    let readable = plot.deleted_at.is_none()
        && crate::domain::access::may_read_media(
            scope,
            plot.facts.municipality_id,
            plot.internal.published,
            cover.internal,
        );
    readable.then(|| MediaCover::from_row(cover, base))
}

/// Counts and area of one value of a facet.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetValue {
    /// The status or zoning value, or the municipality id.
    #[schema(value_type = Value, example = "available")]
    pub value: Value,
    /// Municipality name (municipality facet only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub count: i64,
    /// Sum of plot sizes (stated area where known, else computed). Units: m².
    pub area_m2: f64,
}

/// What a search sidebar shows: counts and total area per status, zoning and municipality for
/// the current filters. Each facet adds up to `total`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Facets {
    pub total: FacetValue,
    pub status: Vec<FacetValue>,
    pub zoning: Vec<FacetValue>,
    pub municipality: Vec<FacetValue>,
}

/// Facet counts
///
/// The same filters as `GET /plots` (paging, sort and output parameters are ignored).
#[utoipa::path(
    get,
    path = "/plots/facets",
    tag = "plots",
    params(SearchParams),
    responses(
        (status = 200, description = "Counts and areas", body = Facets),
        (status = 400, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
        r::BadToken,
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn plot_facets(
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let mut query = params.into_query(None).map_err(ApiError::bad_params)?;
    super::filters::fresh_since(&mut query, state.settings.stale_after_days);
    let set = caller.plot_set_for(&query)?;
    let mut conn = state.pool.get().await?;
    super::filters::settle(&mut conn, &mut query, &set).await?;
    let rows = db::search::facets(&mut conn, &query, &set).await?;
    let mut facets = Facets {
        total: FacetValue {
            value: Value::Null,
            name: None,
            count: 0,
            area_m2: 0.0,
        },
        status: Vec::new(),
        zoning: Vec::new(),
        municipality: Vec::new(),
    };
    for row in rows {
        let area_m2 = (row.area_m2 * 10.0).round() / 10.0;
        // GROUPING bits: 4 = status aggregated, 2 = zoning, 1 = municipality.
        match row.grouping {
            0b011 => facets.status.push(FacetValue {
                value: row.status.into(),
                name: None,
                count: row.plots,
                area_m2,
            }),
            0b101 => facets.zoning.push(FacetValue {
                value: row.zoning.into(),
                name: None,
                count: row.plots,
                area_m2,
            }),
            0b110 => facets.municipality.push(FacetValue {
                value: row.municipality_id.into(),
                name: row.municipality_name,
                count: row.plots,
                area_m2,
            }),
            _ => {
                facets.total = FacetValue {
                    value: Value::Null,
                    name: None,
                    count: row.plots,
                    area_m2,
                }
            }
        }
    }
    Ok(HttpResponse::Ok().json(facets))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CompareParams {
    /// Plot ids or references, comma-separated, at most 20, e.g. `LWL-001,LWL-003,17`.
    #[param(min_length = 1)]
    pub plots: String,
}

/// Compare plots
///
/// Several plots in one request, in the order asked, for a side-by-side comparison.
#[utoipa::path(
    get,
    path = "/plots/compare",
    tag = "plots",
    params(CompareParams),
    responses(
        (status = 200, description = "The plots, in the order asked", body = Vec<Plot>),
        (status = 400, description = "Too many or malformed keys", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "A plot does not exist (or is not published)", body = Problem, content_type = "application/problem+json"),
        r::BadToken,
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn compare_plots(
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<CompareParams>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(compared(&state, &caller, &params.plots).await?))
}

/// The plots named in `plots` (ids or references, comma-separated), in that order, as the
/// caller may see them: what `GET /plots/compare` answers and the compare page shows.
pub(crate) async fn compared(
    state: &AppState,
    caller: &Caller,
    plots: &str,
) -> Result<Vec<Plot>, ApiError> {
    let keys: Vec<String> = plots
        .split(',')
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
        .collect();
    if keys.is_empty() || keys.len() > MAX_COMPARE {
        return Err(ApiError::bad_parameter(
            "plots",
            format!("name 1 to {MAX_COMPARE} plots"),
        ));
    }
    let mut ids = Vec::new();
    let mut references = Vec::new();
    for key in &keys {
        match PlotKey::parse(key) {
            Some(PlotKey::Id(id)) => ids.push(id),
            Some(PlotKey::Reference(r)) => references.push(r),
            None => {
                return Err(ApiError::bad_parameter(
                    "plots",
                    format!("`{key}` is neither an id nor a reference"),
                ))
            }
        }
    }
    let mut conn = state.pool.get().await?;
    let rows = db::plots::by_keys(&mut conn, &ids, &references, &caller.plot_set()).await?;
    let scope = caller.scope();
    let mut plots = Vec::new();
    for key in &keys {
        let found = rows
            .iter()
            .find(|(r, _)| r.id.to_string() == *key || r.facts.reference.eq_ignore_ascii_case(key));
        match found {
            Some((row, geometry)) => {
                plots.push(Plot::from_row(row.clone(), geometry.clone(), &scope))
            }
            None => return Err(ApiError::NotFound(format!("no plot `{key}`"))),
        }
    }
    Ok(plots)
}
