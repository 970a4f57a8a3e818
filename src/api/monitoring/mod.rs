//! `GET /monitoring`: the land balance (Flächenbilanz) of a region for a date, as JSON or CSV.
//! Definitions and arithmetic: `domain::monitoring`; the states it reads: `db::monitoring`.
//! `freshness`: `GET /monitoring/freshness`.

pub mod freshness;
pub mod inquiries;
mod page;
pub mod reminders;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Problem};
use super::extract::{Caller, QueryParams};
use super::plots::csv::{CsvDialect, CsvWriter};
use super::AppState;
use crate::api::error::responses as r;
use crate::db;
use crate::domain::access;
use crate::domain::monitoring::{self, Definitions, Figures, Group, GroupBy, YEARS_SHOWN};
use crate::domain::plot::Lang;

/// The earliest `as_of` accepted: well before any history this service can hold.
const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1990, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonitoringParams {
    /// The region's slug; may be left out when there is only one region.
    #[param(pattern = "^[a-z0-9][a-z0-9-]{1,62}$")]
    pub region: Option<String>,
    /// The date the figures are for (end of that day, Europe/Berlin), from 1990-01-01 to
    /// today; default today.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<String>,
    /// How `groups` are formed: `municipality` (default), `estate` or `zoning`.
    #[param(pattern = "^(municipality|estate|zoning)$")]
    pub group_by: Option<String>,
    /// `json` (default), `csv` (one line for the region, then one per group) or `html` (the
    /// report as a page with charts and a print layout; also what a browser's `Accept` gets).
    #[param(pattern = "^(json|csv|html)$")]
    pub f: Option<String>,
    /// Language of the page (`f=html`): `de` (default) or `en`.
    #[param(pattern = "^(de|en)$")]
    pub lang: Option<String>,
}

/// The region reported on.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// A region's land balance on a date.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitoringReport {
    pub region: RegionRef,
    /// The date of the figures (YYYY-MM-DD).
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    /// `municipality`, `estate` or `zoning`.
    pub group_by: String,
    /// What each figure means.
    pub definitions: Definitions,
    /// The whole region.
    pub total: Figures,
    /// Per municipality, estate or zoning (as of the date), by name.
    pub groups: Vec<Group>,
}

fn parse_date(text: &str, today: NaiveDate) -> Result<NaiveDate, ApiError> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| ApiError::bad_parameter("as_of", "must be a date YYYY-MM-DD"))?;
    if date < EARLIEST || date > today {
        return Err(ApiError::bad_parameter(
            "as_of",
            format!("must be from {EARLIEST} to today ({today})"),
        ));
    }
    Ok(date)
}

/// The land balance of a region (Flächenbilanz)
///
/// Supply on offer on `as_of` (count, hectares; by availability, zoning, servicing, owner,
/// size class), take-up per calendar year (sold and reserved, with 3- and 5-year rolling means
/// and mean deal size), Reichweite (years of supply) and price ranges per zoning, for the
/// region and per municipality, estate or zoning. Reconstructed from the plots' recorded
/// states, so a past date gives the figures as they were then. Drafts and deleted plots are
/// never counted; `definitions` says exactly what each figure counts.
///
/// Staff only (a token that reads) unless the service runs with `GWF_MONITORING_PUBLIC=true`.
#[utoipa::path(
    get,
    path = "/monitoring",
    tag = "monitoring",
    params(MonitoringParams),
    responses(
        (status = 200, description = "The figures", content(
            (MonitoringReport = "application/json"),
            (String = "text/csv"),
            (String = "text/html"),
        )),
        r::BadQuery,
        r::NeedsToken,
        (status = 403, description = "The token does not read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn monitoring(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<MonitoringParams>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_monitoring(caller.principal(), state.settings.monitoring_public)?;
    let group_by = match params.group_by.as_deref() {
        None => GroupBy::Municipality,
        Some(text) => GroupBy::parse(text).ok_or_else(|| {
            ApiError::bad_parameter("group_by", "use `municipality`, `estate` or `zoning`")
        })?,
    };
    let prefers_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.starts_with("text/html"));
    let (csv, html) = match params.f.as_deref() {
        None => (false, prefers_html),
        Some("json") => (false, false),
        Some("csv") => (true, false),
        Some("html") => (false, true),
        Some(_) => return Err(ApiError::bad_parameter("f", "use `json`, `csv` or `html`")),
    };
    let lang = match params.lang.as_deref() {
        None => Lang::De,
        Some(code) => {
            Lang::parse(code).ok_or_else(|| ApiError::bad_parameter("lang", "use `de` or `en`"))?
        }
    };
    let mut conn = state.pool.get().await?;
    let region = match db::monitoring::region(&mut conn, params.region.as_deref()).await? {
        Ok(region) => region,
        Err(_) if params.region.is_some() => {
            return Err(ApiError::NotFound(format!(
                "no region with the slug {}",
                params.region.as_deref().unwrap_or_default()
            )))
        }
        Err(n) => {
            return Err(ApiError::bad_parameter(
                "region",
                format!("there are {n} or more regions (or none): name one by its slug"),
            ))
        }
    };
    let as_of = match params.as_of.as_deref() {
        None => region.today,
        Some(text) => parse_date(text, region.today)?,
    };
    let first_year = as_of.year() - YEARS_SHOWN + 1 - 4;
    let offered = db::monitoring::offered(&mut conn, region.id, as_of).await?;
    let deals = db::monitoring::deals(&mut conn, region.id, as_of, first_year, group_by).await?;
    drop(conn);
    let (total, groups) = monitoring::compute(as_of, group_by, &offered, &deals);
    let report = MonitoringReport {
        region: RegionRef {
            id: region.id,
            slug: region.slug,
            name: region.name,
        },
        as_of,
        group_by: group_by.as_str().to_owned(),
        definitions: Definitions::new(),
        total,
        groups,
    };
    if html {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                form_urlencoded::parse(req.query_string().as_bytes())
                    .filter(|(k, _)| k != "lang" && k != "f"),
            )
            .append_pair("f", "html")
            .finish();
        let mut response = crate::api::maps::pages::html_response(
            &state.settings,
            page::render(&report, lang, &query),
        );
        response.headers_mut().insert(
            header::VARY,
            header::HeaderValue::from_static("Accept, Authorization"),
        );
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-cache"),
        );
        return Ok(response);
    }
    let mut response = HttpResponse::Ok();
    response.insert_header((header::VARY, "Accept, Authorization"));
    response.insert_header((header::CACHE_CONTROL, "private, no-cache"));
    if csv {
        Ok(response
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"monitoring-{as_of}.csv\""),
            ))
            .body(to_csv(&report)))
    } else {
        Ok(response.json(report))
    }
}

/// One line per group (the region first, key `total`): supply and its splits, reserved, the
/// take-up of each year shown, means, Reichweite. Prices stay in the JSON.
fn to_csv(report: &MonitoringReport) -> Vec<u8> {
    let mut lines: Vec<Value> = Vec::new();
    let mut columns: Vec<String> = vec!["group".into(), "name".into()];
    let row = |key: &str, name: &str, f: &Figures, columns: &mut Vec<String>| {
        let mut cells = serde_json::Map::new();
        let mut put = |column: String, value: Value, columns: &mut Vec<String>| {
            if !columns.contains(&column) {
                columns.push(column.clone());
            }
            cells.insert(column, value);
        };
        put("group".into(), json!(key), columns);
        put("name".into(), json!(name), columns);
        put("supply_count".into(), json!(f.supply.count), columns);
        put("supply_ha".into(), json!(f.supply.hectares), columns);
        for (split, buckets) in [
            ("availability", &f.supply.by_availability),
            ("zoning", &f.supply.by_zoning),
            ("servicing", &f.supply.by_servicing),
            ("owner", &f.supply.by_owner),
            ("size", &f.supply.by_size),
        ] {
            for b in buckets {
                put(format!("{split}_{}_count", b.key), json!(b.count), columns);
                put(format!("{split}_{}_ha", b.key), json!(b.hectares), columns);
            }
        }
        put("reserved_count".into(), json!(f.reserved.count), columns);
        put("reserved_ha".into(), json!(f.reserved.hectares), columns);
        for y in &f.take_up.years {
            put(
                format!("sold_{}_count", y.year),
                json!(y.sold_count),
                columns,
            );
            put(
                format!("sold_{}_ha", y.year),
                json!(y.sold_hectares),
                columns,
            );
            put(
                format!("reserved_{}_ha", y.year),
                json!(y.reserved_hectares),
                columns,
            );
        }
        put(
            "mean_sold_ha_3y".into(),
            json!(f.take_up.mean_sold_ha_3y),
            columns,
        );
        put(
            "mean_sold_ha_5y".into(),
            json!(f.take_up.mean_sold_ha_5y),
            columns,
        );
        put(
            "mean_deal_ha_5y".into(),
            json!(f.take_up.mean_deal_hectares_5y),
            columns,
        );
        put(
            "reichweite_years_5y".into(),
            json!(f.reichweite.years_5y),
            columns,
        );
        put(
            "reichweite_years_3y".into(),
            json!(f.reichweite.years_3y),
            columns,
        );
        Value::Object(cells)
    };
    lines.push(row(
        "total",
        &report.region.name,
        &report.total,
        &mut columns,
    ));
    for g in &report.groups {
        lines.push(row(&g.key, &g.name, &g.figures, &mut columns));
    }
    let writer = CsvWriter::new(CsvDialect::Rfc4180, columns);
    let mut out = writer.header();
    out.extend(writer.rows(lines.iter()));
    out
}
