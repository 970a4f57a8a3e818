//! `/` (the landing page) and `/conformance`.

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{html, link, negotiate, Out, HTML, JSON};
use crate::api::error::responses as r;
use crate::api::error::ApiError;
use crate::api::extract::QueryParams;
use crate::api::views::Link;
use crate::api::AppState;
use crate::domain::ogc::{CONFORMANCE, CQL2_CONFORMANCE};

/// `f` of the OGC metadata resources.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FormatParams {
    /// Response format; overrides `Accept`: `json` or `html`.
    #[param(pattern = "^(json|html)$")]
    pub f: Option<String>,
}

/// The landing page (OGC API – Features Part 1).
#[derive(Debug, Serialize, ToSchema)]
pub struct Landing {
    pub title: &'static str,
    pub description: &'static str,
    pub links: Vec<Link>,
}

/// Landing page
///
/// Where to go next: the API description (`service-desc`), its documentation (`service-doc`),
/// the OGC API – Features `conformance` classes and the feature collections (`data`), and the
/// plot search. As HTML (a browser's `Accept`, or `f=html`) it is the investor portal: the plot
/// search with map and list, whose footer carries these links; its URL then also holds the
/// search (`lang` and the parameters of `GET /plots`).
#[utoipa::path(
    get, path = "/", tag = "ogcapi", params(FormatParams),
    responses(
        (status = 200, description = "Links to the API's resources", content(
            (Landing = "application/json"),
            (String = "text/html"),
        )),
        r::BadQuery,
        r::NotAcceptable,
    )
)]
pub async fn landing(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // The portal's URL carries its search (`/?zoning=GI&lang=en`), so only the JSON landing
    // page is strict about its parameters.
    let f = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "f")
        .map(|(_, v)| v.into_owned());
    let out = negotiate(&req, f.as_deref())?;
    if out == Out::Json {
        let QueryParams(_) = QueryParams::<FormatParams>::extract(&req).await?;
    }
    let base = state.base_url(&req);
    let at = |path: &str| format!("{base}{path}");
    let page = Landing {
        title: "Gewerbeflächen API",
        description: "The shared commercial-land database of a region: plots, estates and towns, as JSON, GeoJSON and OGC API – Features.",
        links: vec![
            link(at("/?f=json"), if out == Out::Json { "self" } else { "alternate" }, JSON),
            link(at("/?f=html"), if out == Out::Html { "self" } else { "alternate" }, HTML),
            link(at("/docs/"), "service-doc", HTML),
            link(
                at("/openapi.json"),
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.1",
            ),
            link(at("/conformance"), "conformance", JSON),
            link(at("/collections"), "data", JSON),
            link(at("/plots"), "items", JSON),
            link(at("/plots?f=geojson"), "items", super::GEOJSON),
            link(at("/regions"), "data", JSON),
        ],
    };
    Ok(match out {
        Out::Json => HttpResponse::Ok()
            .insert_header(("Vary", "Accept"))
            .json(page),
        Out::Html => crate::api::portal::portal_page(&state, &req, &page.links),
    })
}

/// The conformance classes claimed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Conformance {
    #[serde(rename = "conformsTo")]
    pub conforms_to: Vec<&'static str>,
}

/// Conformance classes
///
/// The OGC API – Features (Parts 1, 2, 3) and CQL2 classes this service implements and its
/// tests exercise.
#[utoipa::path(
    get, path = "/conformance", tag = "ogcapi", params(FormatParams),
    responses(
        (status = 200, description = "The classes", content(
            (Conformance = "application/json"),
            (String = "text/html"),
        )),
        r::BadQuery,
        r::NotAcceptable,
    )
)]
pub async fn conformance(
    req: HttpRequest,
    state: web::Data<AppState>,
    QueryParams(params): QueryParams<FormatParams>,
) -> Result<HttpResponse, ApiError> {
    let out = negotiate(&req, params.f.as_deref())?;
    let classes: Vec<&'static str> = CONFORMANCE.into_iter().chain(CQL2_CONFORMANCE).collect();
    Ok(match out {
        Out::Json => HttpResponse::Ok()
            .insert_header(("Vary", "Accept"))
            .json(Conformance {
                conforms_to: classes,
            }),
        Out::Html => html::metadata_page(
            &state,
            "Conformance",
            maud::html! { ul { @for c in &classes { li { code { (c) } } } } },
        ),
    })
}
