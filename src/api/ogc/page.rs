//! What the item handlers share: the OGC parameters of a request (`OgcArgs`), the page links
//! and the written page.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

use super::{crs_param, html, link, negotiate, query_without, Out, GEOJSON, HTML};
use crate::api::error::ApiError;
use crate::api::views::Link;
use crate::api::AppState;
use crate::domain::ogc::cql2::{Context, Filter};
use crate::domain::ogc::{cql2_json, cql2_text};
use crate::domain::ogc::{
    parse_bbox, parse_datetime, queryables, Collection, OgcCrs, TimeRange, DEFAULT_LIMIT, MAX_LIMIT,
};
use crate::domain::search::Bbox;

/// The OGC parameters of a request, and the rest (the `GET /plots` filters).
pub(super) struct OgcArgs {
    pub out: Out,
    pub crs: OgcCrs,
    pub bbox: Option<Bbox>,
    pub limit: i64,
    pub updated: Option<TimeRange>,
    pub filter: Option<Filter>,
    pub offset: i64,
    pub rest: Vec<(String, String)>,
}

const OGC_KEYS: [&str; 10] = [
    "bbox",
    "bbox-crs",
    "crs",
    "limit",
    "datetime",
    "filter",
    "filter-lang",
    "filter-crs",
    "f",
    "offset",
];

impl OgcArgs {
    pub fn read(req: &HttpRequest, c: Collection) -> Result<OgcArgs, ApiError> {
        let mut ogc: Vec<(String, String)> = Vec::new();
        let mut rest = Vec::new();
        for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
            if OGC_KEYS.contains(&k.as_ref()) {
                if ogc.iter().any(|(name, _)| name == &k) {
                    return Err(ApiError::bad_parameter(&k, "is given more than once"));
                }
                ogc.push((k.into_owned(), v.into_owned()));
            } else {
                rest.push((k.into_owned(), v.into_owned()));
            }
        }
        let get = |name: &str| ogc.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let out = negotiate(req, get("f"))?;
        // A page for people always draws CRS84 (its map needs lon/lat).
        let crs = match out {
            Out::Html => OgcCrs::CRS84,
            Out::Json => crs_param("crs", get("crs"))?,
        };
        let bbox_crs = crs_param("bbox-crs", get("bbox-crs"))?;
        if get("bbox-crs").is_some() && get("bbox").is_none() {
            return Err(ApiError::bad_parameter(
                "bbox-crs",
                "only applies with `bbox`",
            ));
        }
        let bbox = match get("bbox") {
            None => None,
            Some(text) => {
                let [x1, y1, x2, y2] =
                    parse_bbox(text, bbox_crs).map_err(|e| ApiError::bad_parameter("bbox", e))?;
                Some(Bbox {
                    min_lon: x1,
                    min_lat: y1,
                    max_lon: x2,
                    max_lat: y2,
                    srid: bbox_crs.srid(),
                })
            }
        };
        let limit = match get("limit") {
            None => DEFAULT_LIMIT,
            Some(text) => match text.trim().parse::<i64>() {
                Ok(n) if n >= 1 => n.min(MAX_LIMIT),
                _ => {
                    return Err(ApiError::bad_parameter(
                        "limit",
                        format!(
                        "must be a whole number of 1 or more (at most {MAX_LIMIT} are returned)"
                    ),
                    ))
                }
            },
        };
        let offset = match get("offset") {
            None => 0,
            Some(text) => match text.trim().parse::<i64>() {
                Ok(n) if (0..=1_000_000).contains(&n) => n,
                _ => {
                    return Err(ApiError::bad_parameter(
                        "offset",
                        "must be a whole number from 0 to 1000000",
                    ))
                }
            },
        };
        let updated = get("datetime")
            .map(parse_datetime)
            .transpose()
            .map_err(|e| ApiError::bad_parameter("datetime", e))?;
        let filter_crs = crs_param("filter-crs", get("filter-crs"))?;
        let context = Context::new(queryables(c), filter_crs);
        let filter = match (get("filter"), get("filter-lang")) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(ApiError::bad_parameter(
                    "filter-lang",
                    "only applies with `filter`",
                ))
            }
            (Some(text), None | Some("cql2-text")) => Some(cql2_text::parse_text(text, context)),
            (Some(text), Some("cql2-json")) => Some(cql2_json::parse_json(text, context)),
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_parameter(
                    "filter-lang",
                    "use `cql2-text` or `cql2-json`",
                ))
            }
        }
        .transpose()
        .map_err(|e| ApiError::bad_parameter("filter", e.to_string()))?;
        Ok(OgcArgs {
            out,
            crs,
            bbox,
            limit,
            updated,
            filter,
            offset,
            rest,
        })
    }
}

/// `self`, `alternate` (the other format), `next` and `prev` when known.
pub(super) fn page_links(
    req: &HttpRequest,
    path: &str,
    out: Out,
    next: Option<String>,
    prev: Option<String>,
) -> Vec<Link> {
    let with_f = |f: &str| format!("{path}?{}", query_without(req, &["f"], &[("f", f.into())]));
    let (this, other) = match out {
        Out::Json => ((with_f("json"), GEOJSON), (with_f("html"), HTML)),
        Out::Html => ((with_f("html"), HTML), (with_f("json"), GEOJSON)),
    };
    let mut links = vec![
        link(this.0, "self", this.1),
        link(other.0, "alternate", other.1),
    ];
    let own_type = this.1;
    if let Some(next) = next {
        links.push(link(next, "next", own_type));
    }
    if let Some(prev) = prev {
        links.push(link(prev, "prev", own_type));
    }
    links
}

/// A page of features as GeoJSON or HTML.
pub(super) fn respond<F: serde::Serialize>(
    state: &AppState,
    c: Collection,
    out: Out,
    crs: OgcCrs,
    features: Vec<F>,
    matched: Option<i64>,
    links: Vec<Link>,
) -> Result<HttpResponse, ApiError> {
    if out == Out::Html {
        let values: Vec<Value> = features
            .iter()
            .filter_map(|f| serde_json::to_value(f).ok())
            .collect();
        return Ok(html::items_page(state, c, &values, matched, &links));
    }
    // Written straight from the views (no intermediate JSON tree): this is the hot path that
    // must keep up with `GET /plots` (bench/run.sh).
    let body = FeatureCollection {
        type_: "FeatureCollection",
        number_returned: features.len(),
        number_matched: matched,
        time_stamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        links,
        features,
    };
    Ok(HttpResponse::Ok()
        .content_type(GEOJSON)
        .insert_header(("Content-Crs", format!("<{}>", crs.uri())))
        .insert_header((header::VARY, "Accept, Authorization"))
        .json(body))
}

#[derive(serde::Serialize)]
struct FeatureCollection<F> {
    #[serde(rename = "type")]
    type_: &'static str,
    #[serde(rename = "numberReturned")]
    number_returned: usize,
    #[serde(rename = "numberMatched", skip_serializing_if = "Option::is_none")]
    number_matched: Option<i64>,
    #[serde(rename = "timeStamp")]
    time_stamp: String,
    links: Vec<Link>,
    features: Vec<F>,
}
