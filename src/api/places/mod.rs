//! `/regions`, `/municipalities`, `/estates`: the places plots belong to. Reading here; writing
//! in `write` (through `core`).

mod core;
mod restore;
mod write;

pub use restore::*;
pub use write::*;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::extract::{Caller, Format, QueryParams};
use super::views::{
    Estate, EstateDetail, Link, Municipality, MunicipalityDetail, PlaceFeatureCollection,
    PlotSummary, Region, RegionDetail,
};
use super::AppState;
use crate::api::error::responses as r;
use crate::api::plots::filters::{known_places, NamedPlaces};
use crate::db;
use crate::domain::search::is_ags;

/// Most plots listed inline on a municipality or estate; `/plots?municipality=` pages further.
const INLINE_PLOTS: i64 = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlaceListParams {
    /// Only municipalities of this region (its id) / estates of this municipality (its id, or
    /// its AGS: a value of exactly 8 digits is an AGS). An unknown or deleted parent is a 400.
    pub parent: Option<String>,
    /// Response format; overrides `Accept`. `geojson` returns the outlines as Features.
    #[param(pattern = "^(json|geojson)$")]
    pub f: Option<String>,
}

impl PlaceListParams {
    /// The parent as named: an id, or (`ags_allowed`, municipalities) an AGS.
    fn parent(&self, ags_allowed: bool) -> Result<Option<ParentKey>, ApiError> {
        let Some(raw) = self.parent.as_deref().map(str::trim) else {
            return Ok(None);
        };
        if ags_allowed && is_ags(raw) {
            return Ok(Some(ParentKey::Ags(raw.to_owned())));
        }
        match raw.parse::<i64>() {
            Ok(id) if id >= 1 => Ok(Some(ParentKey::Id(id))),
            _ if ags_allowed => Err(ApiError::bad_parameter(
                "parent",
                format!("`{raw}` is neither an id (1 or more) nor an AGS (8 digits)"),
            )),
            _ => Err(ApiError::bad_parameter(
                "parent",
                format!("`{raw}` is not an id (1 or more)"),
            )),
        }
    }
}

enum ParentKey {
    Id(i64),
    Ags(String),
}

/// The id of the parent a list is filtered by, checked to exist for the caller (400 if not).
async fn known_parent(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    parent: Option<ParentKey>,
    municipality: bool,
) -> Result<Option<i64>, ApiError> {
    let mut named = NamedPlaces::default();
    let id = match parent {
        None => return Ok(None),
        Some(ParentKey::Ags(ags)) => {
            named.ags = ("parent", vec![ags.clone()]);
            let found = known_places(conn, &caller.plot_set(), &named).await?;
            return Ok(found.get(&ags).copied());
        }
        Some(ParentKey::Id(id)) => id,
    };
    if municipality {
        named.municipalities = ("parent", vec![id]);
    } else {
        named.regions = ("parent", vec![id]);
    }
    known_places(conn, &caller.plot_set(), &named).await?;
    Ok(Some(id))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoParams {}

fn link(href: String, rel: &'static str, type_: &'static str) -> Link {
    Link { href, rel, type_ }
}

fn json_only(req: &HttpRequest) -> Result<(), ApiError> {
    match Format::negotiate(req, None)? {
        Format::Json => Ok(()),
        Format::GeoJson => Err(ApiError::NotAcceptable(
            "this resource is available as application/json only".into(),
        )),
    }
}

/// List regions
#[utoipa::path(
    get, path = "/regions", tag = "places", params(NoParams),
    responses(
        (status = 200, description = "All regions", body = Vec<Region>),
        r::BadQuery,
        r::NotAcceptable,
        r::Busy,
    )
)]
pub async fn list_regions(
    req: HttpRequest,
    state: web::Data<AppState>,
    _params: QueryParams<NoParams>,
) -> Result<HttpResponse, ApiError> {
    json_only(&req)?;
    let mut conn = state.pool.get().await?;
    let regions: Vec<Region> = db::places::regions(&mut conn)
        .await?
        .into_iter()
        .map(Region::from)
        .collect();
    Ok(HttpResponse::Ok().json(regions))
}

/// Get a region with its municipalities
#[utoipa::path(
    get, path = "/regions/{id}", tag = "places",
    params(("id" = i64, Path, description = "Region id"), NoParams),
    responses(
        (status = 200, description = "The region", body = RegionDetail, headers(("ETag" = String, description = "Version, for If-Match"))),
        r::BadQuery,
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json"),
        r::NotAcceptable,
        r::BadToken,
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn get_region(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    _params: QueryParams<NoParams>,
) -> Result<HttpResponse, ApiError> {
    json_only(&req)?;
    let id = place_id(&id, "region")?;
    let mut conn = state.pool.get().await?;
    let region = db::places::region(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no region with id {id}")))?;
    let municipalities = db::places::municipalities(&mut conn, &caller.plot_set(), Some(id))
        .await?
        .into_iter()
        .map(|(row, count)| Municipality::from_row(row, count))
        .collect();
    let base = state.base_url(&req);
    let region = Region::from(region);
    Ok(HttpResponse::Ok()
        .insert_header(etag(region.version))
        .json(RegionDetail {
            region,
            municipalities,
            links: vec![
                link(
                    format!("{base}/plots?region={id}"),
                    "items",
                    "application/json",
                ),
                link(
                    format!("{base}/plots?region={id}&f=geojson"),
                    "items",
                    "application/geo+json",
                ),
            ],
        }))
}

/// List municipalities
///
/// With `f=geojson` (or `Accept: application/geo+json`), a FeatureCollection of outlines.
#[utoipa::path(
    get, path = "/municipalities", tag = "places", params(PlaceListParams),
    responses(
        (status = 200, description = "Municipalities", content(
            (Vec<Municipality> = "application/json"),
            (PlaceFeatureCollection<Municipality> = "application/geo+json"),
        )),
        r::BadQuery,
        r::NotAcceptable,
        r::BadToken,
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn list_municipalities(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<PlaceListParams>,
) -> Result<HttpResponse, ApiError> {
    let format = Format::negotiate(&req, params.f.as_deref())?;
    let parent = params.parent(false)?;
    let mut conn = state.pool.get().await?;
    let parent = known_parent(&mut conn, &caller, parent, false).await?;
    let items: Vec<Municipality> =
        db::places::municipalities(&mut conn, &caller.plot_set(), parent)
            .await?
            .into_iter()
            .map(|(row, count)| Municipality::from_row(row, count))
            .collect();
    Ok(place_list_response(
        format,
        items,
        Municipality::into_feature,
    ))
}

/// Get a municipality with its estates and plots
#[utoipa::path(
    get, path = "/municipalities/{id}", tag = "places",
    params(("id" = String, Path, description = "Municipality id, or its AGS (8 digits)"), NoParams),
    responses(
        (status = 200, description = "The municipality", body = MunicipalityDetail, headers(("ETag" = String, description = "Version, for If-Match"))),
        r::BadQuery,
        (status = 404, description = "No such municipality", body = Problem, content_type = "application/problem+json"),
        r::NotAcceptable,
        r::BadToken,
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn get_municipality(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    _params: QueryParams<NoParams>,
) -> Result<HttpResponse, ApiError> {
    json_only(&req)?;
    let mut conn = state.pool.get().await?;
    // An AGS names the municipality as well as its id does (eight digits: an AGS).
    let row = if is_ags(&id) {
        db::places::municipality_by_ags(&mut conn, &id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no municipality with the AGS {id}")))?
    } else {
        let id = place_id(&id, "municipality")?;
        db::places::municipality(&mut conn, id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no municipality with id {id}")))?
    };
    let id = row.id;
    let estates: Vec<Estate> = db::places::estates(&mut conn, &caller.plot_set(), Some(id))
        .await?
        .into_iter()
        .map(|(row, count)| Estate::from_row(row, count))
        .collect();
    let plots: Vec<PlotSummary> =
        db::plots::summaries(&mut conn, &caller.plot_set(), Some(id), None, INLINE_PLOTS)
            .await?
            .into_iter()
            .map(PlotSummary::from)
            .collect();
    let base = state.base_url(&req);
    let municipality = Municipality::from_row(row, plots.len() as i64);
    Ok(HttpResponse::Ok()
        .insert_header(etag(municipality.version))
        .json(MunicipalityDetail {
            municipality,
            estates,
            plots,
            links: vec![
                link(
                    format!("{base}/plots?municipality={id}"),
                    "items",
                    "application/json",
                ),
                link(
                    format!("{base}/plots?municipality={id}&f=geojson"),
                    "items",
                    "application/geo+json",
                ),
            ],
        }))
}

/// List estates
///
/// With `f=geojson` (or `Accept: application/geo+json`), a FeatureCollection of outlines.
#[utoipa::path(
    get, path = "/estates", tag = "places", params(PlaceListParams),
    responses(
        (status = 200, description = "Estates", content(
            (Vec<Estate> = "application/json"),
            (PlaceFeatureCollection<Estate> = "application/geo+json"),
        )),
        r::BadQuery,
        r::NotAcceptable,
        r::BadToken,
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn list_estates(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<PlaceListParams>,
) -> Result<HttpResponse, ApiError> {
    let format = Format::negotiate(&req, params.f.as_deref())?;
    let parent = params.parent(true)?;
    let mut conn = state.pool.get().await?;
    let parent = known_parent(&mut conn, &caller, parent, true).await?;
    let items: Vec<Estate> = db::places::estates(&mut conn, &caller.plot_set(), parent)
        .await?
        .into_iter()
        .map(|(row, count)| Estate::from_row(row, count))
        .collect();
    Ok(place_list_response(format, items, Estate::into_feature))
}

/// Get an estate with its plots
#[utoipa::path(
    get, path = "/estates/{id}", tag = "places",
    params(("id" = i64, Path, description = "Estate id"), NoParams),
    responses(
        (status = 200, description = "The estate", body = EstateDetail, headers(("ETag" = String, description = "Version, for If-Match"))),
        r::BadQuery,
        (status = 404, description = "No such estate", body = Problem, content_type = "application/problem+json"),
        r::NotAcceptable,
        r::BadToken,
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn get_estate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    _params: QueryParams<NoParams>,
) -> Result<HttpResponse, ApiError> {
    json_only(&req)?;
    let id = place_id(&id, "estate")?;
    let mut conn = state.pool.get().await?;
    let row = db::places::estate(&mut conn, &caller.plot_set(), id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no estate with id {id}")))?;
    let plots: Vec<PlotSummary> =
        db::plots::summaries(&mut conn, &caller.plot_set(), None, Some(id), INLINE_PLOTS)
            .await?
            .into_iter()
            .map(PlotSummary::from)
            .collect();
    let base = state.base_url(&req);
    let media =
        crate::api::media::estate::readable_of_estate(&mut conn, &caller, &row, &base).await?;
    let estate = Estate::from_row(row, plots.len() as i64);
    Ok(HttpResponse::Ok()
        .insert_header(etag(estate.version))
        .json(EstateDetail {
            estate,
            plots,
            media,
            links: vec![
                link(
                    format!("{base}/plots?estate={id}"),
                    "items",
                    "application/json",
                ),
                link(
                    format!("{base}/plots?estate={id}&f=geojson"),
                    "items",
                    "application/geo+json",
                ),
            ],
        }))
}

/// The version of a place as its `ETag`, for `If-Match`.
fn etag(version: i32) -> header::ETag {
    header::ETag(header::EntityTag::new_strong(version.to_string()))
}

/// Ids in paths that are not numbers name nothing: 404, like any unknown resource.
fn place_id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .map_err(|_| ApiError::NotFound(format!("no {what} `{raw}`")))
}

fn place_list_response<P: serde::Serialize>(
    format: Format,
    items: Vec<P>,
    into_feature: fn(P) -> super::views::Feature<P>,
) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.content_type(format.media_type());
    response.insert_header((header::VARY, "Accept, Authorization"));
    match format {
        Format::Json => response.json(items),
        Format::GeoJson => response.json(PlaceFeatureCollection {
            type_: "FeatureCollection",
            features: items.into_iter().map(into_feature).collect(),
        }),
    }
}
