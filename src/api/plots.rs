//! `/plots`: the plot register. One handler per operation.

use actix_web::http::header::{self, ETag, EntityTag, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::extract::{parse_json, Caller, Format, JsonBody, QueryParams};
use super::views::{Audience, Plot};
use super::AppState;
use crate::db;
use crate::db::plots::{PlotKey, WriteOutcome};
use crate::domain::plot::PlotData;
use crate::domain::FieldError;

/// Conditional-write header.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatch {
    /// ETag of the version the change is based on (from `ETag` of a read), or `*`. Without it
    /// the write happens whatever the current version.
    #[serde(rename = "If-Match")]
    #[param(rename = "If-Match", value_type = String, required = false, pattern = r#"^(\*|(W/)?"[0-9]+")$"#, example = "\"3\"")]
    pub if_match: Option<String>,
}

/// Query parameters of single-plot reads.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FormatParam {
    /// Response format; overrides `Accept`. `geojson` gives a GeoJSON Feature.
    #[param(pattern = "^(json|geojson)$")]
    pub f: Option<String>,
}

fn audience(caller: Caller) -> Audience {
    match caller {
        Caller::Staff => Audience::Staff,
        Caller::Anonymous => Audience::Public,
    }
}

/// `{key}` is a numeric id or a reference such as `LWL-003` (references always hold a letter).
pub fn plot_key(raw: &str) -> Result<PlotKey, ApiError> {
    if let Ok(id) = raw.parse::<i64>() {
        return Ok(PlotKey::Id(id));
    }
    if raw.len() <= 32 && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Ok(PlotKey::Reference(raw.to_ascii_uppercase()));
    }
    Err(ApiError::NotFound(format!("no plot `{raw}`")))
}

fn not_found(key: &PlotKey) -> ApiError {
    match key {
        PlotKey::Id(id) => ApiError::NotFound(format!("no plot with id {id}")),
        PlotKey::Reference(r) => ApiError::NotFound(format!("no plot with reference `{r}`")),
    }
}

fn etag(version: i32) -> ETag {
    ETag(EntityTag::new_strong(version.to_string()))
}

/// `If-Match` as a version number. `*` or absent: no condition.
fn expected_version(req: &HttpRequest) -> Result<Option<i32>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i32>()
        .map(Some)
        .map_err(|_| ApiError::BadRequest {
            detail: format!("If-Match must be an ETag of this plot such as \"3\", not `{text}`"),
            errors: vec![FieldError::new("If-Match", "not an ETag of this service")],
        })
}

fn with_plot_headers(mut response: HttpResponse, version: i32) -> HttpResponse {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag(version).to_string()) {
        headers.insert(header::ETAG, value);
    }
    // Staff and public readers, JSON and GeoJSON readers get different bodies.
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Authorization"),
    );
    response
}

fn plot_response(status: actix_web::http::StatusCode, plot: Plot, format: Format) -> HttpResponse {
    let version = plot.version;
    let mut builder = HttpResponse::build(status);
    builder.content_type(format.media_type());
    let response = match format {
        Format::Json => builder.json(plot),
        Format::GeoJson => builder.json(plot.into_feature()),
    };
    with_plot_headers(response, version)
}

/// Get a plot
///
/// By numeric id or by reference (`LWL-003`). Unpublished plots are 404 for anonymous readers.
#[utoipa::path(
    get,
    path = "/plots/{key}",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference", example = "LWL-003"), FormatParam),
    responses(
        (status = 200, description = "The plot", content(
            (Plot = "application/json"),
            (super::views::Feature<Plot> = "application/geo+json"),
        ), headers(("ETag" = String, description = "Version of the plot, for If-Match"))),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plot (or not published)", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
pub async fn get_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    QueryParams(params): QueryParams<FormatParam>,
) -> Result<HttpResponse, ApiError> {
    let format = Format::negotiate(&req, params.f.as_deref())?;
    let key = plot_key(&key)?;
    let mut conn = state.pool.get().await?;
    let row = db::plots::find(&mut conn, caller.visibility(), &key)
        .await?
        .ok_or_else(|| not_found(&key))?;
    Ok(plot_response(
        actix_web::http::StatusCode::OK,
        Plot::from_row(row, audience(caller)),
        format,
    ))
}

/// Create a plot
///
/// The body is `PlotData` (its `geometry` a GeoJSON Polygon or MultiPolygon), or a GeoJSON
/// Feature whose `properties` are `PlotData` without `geometry`. New plots are drafts unless
/// `published` is true. The computed area is measured from the geometry.
#[utoipa::path(
    post,
    path = "/plots",
    tag = "plots",
    request_body(content(
        (PlotData = "application/json"),
        (PlotData = "application/geo+json"),
    )),
    responses(
        (status = 201, description = "Created", body = Plot,
            headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Reference already used", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the configured limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Breaks a rule; `errors` names each field", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let data = plot_data_from_document(body)?;
    let plot = data
        .validate(Utc::now().date_naive())
        .map_err(ApiError::Validation)?;
    let mut conn = state.pool.get().await?;
    let id = db::plots::insert(&mut conn, &plot, false).await?;
    let row = db::plots::find(&mut conn, caller.visibility(), &PlotKey::Id(id))
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("plot {id} vanished after insert")))?;
    let mut response = plot_response(
        actix_web::http::StatusCode::CREATED,
        Plot::from_row(row, Audience::Staff),
        Format::Json,
    );
    if let Ok(location) = HeaderValue::from_str(&format!("{}/plots/{id}", state.base_url(&req))) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Replace a plot
///
/// Replaces every editable field (absent optional fields become empty). Send `If-Match` with
/// the ETag you read to make sure nobody changed the plot in between (412 otherwise).
#[utoipa::path(
    put,
    path = "/plots/{key}",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference"),
           IfMatch),
    request_body(content(
        (PlotData = "application/json"),
        (PlotData = "application/geo+json"),
    )),
    responses(
        (status = 200, description = "Replaced", body = Plot, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plot", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Reference already used", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the given ETag; `current_version` tells the new one", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the configured limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn replace_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let key = plot_key(&key)?;
    let expected = expected_version(&req)?;
    let data = plot_data_from_document(body)?;
    write_plot(&state, key, data, expected).await
}

/// Update some fields of a plot
///
/// JSON Merge Patch (RFC 7396): members present replace the stored ones, `null` clears an
/// optional field, absent members stay. The result must pass the same rules as a create.
#[utoipa::path(
    patch,
    path = "/plots/{key}",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference"),
           IfMatch),
    request_body(content(
        (PlotData = "application/merge-patch+json", example = json!({"status": "reserved", "price_min_eur_m2": "14.00"})),
        (PlotData = "application/json"),
    )),
    responses(
        (status = 200, description = "Updated", body = Plot, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plot", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Reference already used", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the given ETag", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the configured limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn patch_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    JsonBody(patch): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let key = plot_key(&key)?;
    let expected = expected_version(&req)?;
    if !patch.is_object() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "",
            "a merge patch must be a JSON object",
        )]));
    }
    let mut conn = state.pool.get().await?;
    let row = db::plots::find(&mut conn, caller.visibility(), &key)
        .await?
        .ok_or_else(|| not_found(&key))?;
    if expected.is_some_and(|v| v != row.version) {
        return Err(ApiError::PreconditionFailed {
            current_version: row.version,
        });
    }
    // Patch the stored plot in its write form, then validate the result as a whole; the
    // version read here guards the write against changes made in between.
    let mut document = serde_json::to_value(plot_data_of(&row)).map_err(ApiError::internal)?;
    merge_patch(&mut document, &patch);
    let data = plot_data_from_document(document)?;
    drop(conn);
    write_plot(&state, PlotKey::Id(row.id), data, Some(row.version)).await
}

/// Delete a plot
///
/// Removes the plot. Send `If-Match` to delete only the version you saw.
#[utoipa::path(
    delete,
    path = "/plots/{key}",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference"),
           IfMatch),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plot", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the given ETag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn delete_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_staff()?;
    let key = plot_key(&key)?;
    let expected = expected_version(&req)?;
    let mut conn = state.pool.get().await?;
    let id = resolve_id(&mut conn, &key).await?;
    match db::plots::delete(&mut conn, id, expected).await? {
        WriteOutcome::Done { .. } => Ok(HttpResponse::NoContent().finish()),
        WriteOutcome::NotFound => Err(not_found(&key)),
        WriteOutcome::VersionMismatch { current } => Err(ApiError::PreconditionFailed {
            current_version: current,
        }),
    }
}

async fn resolve_id(
    conn: &mut diesel_async::AsyncPgConnection,
    key: &PlotKey,
) -> Result<i64, ApiError> {
    match key {
        PlotKey::Id(id) => Ok(*id),
        PlotKey::Reference(r) => db::plots::id_by_reference(conn, r)
            .await?
            .ok_or_else(|| not_found(key)),
    }
}

async fn write_plot(
    state: &AppState,
    key: PlotKey,
    data: PlotData,
    expected: Option<i32>,
) -> Result<HttpResponse, ApiError> {
    let plot = data
        .validate(Utc::now().date_naive())
        .map_err(ApiError::Validation)?;
    let mut conn = state.pool.get().await?;
    let id = resolve_id(&mut conn, &key).await?;
    match db::plots::replace(&mut conn, id, &plot, expected).await? {
        WriteOutcome::Done { .. } => {}
        WriteOutcome::NotFound => return Err(not_found(&key)),
        WriteOutcome::VersionMismatch { current } => {
            return Err(ApiError::PreconditionFailed {
                current_version: current,
            })
        }
    }
    let row = db::plots::find(
        &mut conn,
        crate::db::plots::Visibility::All,
        &PlotKey::Id(id),
    )
    .await?
    .ok_or_else(|| not_found(&key))?;
    Ok(plot_response(
        actix_web::http::StatusCode::OK,
        Plot::from_row(row, Audience::Staff),
        Format::Json,
    ))
}

/// Members of the read form that clients may send back unchanged; they are not editable.
const READ_ONLY_MEMBERS: &[&str] = &[
    "id",
    "region_id",
    "municipality_name",
    "estate_name",
    "area_computed_m2",
    "area_m2",
    "distance_m",
    "demo",
    "updated_at",
    "version",
];

/// Accepts `PlotData`, or a GeoJSON Feature with `PlotData` as properties.
pub fn plot_data_from_document(body: Value) -> Result<PlotData, ApiError> {
    let Value::Object(mut object) = body else {
        return Err(ApiError::Validation(vec![FieldError::new(
            "",
            "the body must be a JSON object",
        )]));
    };
    let is_feature = object.get("type").and_then(Value::as_str) == Some("Feature");
    if is_feature {
        let geometry = object.remove("geometry").unwrap_or(Value::Null);
        let Some(Value::Object(mut properties)) = object.remove("properties") else {
            return Err(ApiError::Validation(vec![FieldError::new(
                "/properties",
                "a Feature needs an object of plot properties",
            )]));
        };
        properties.insert("geometry".into(), geometry);
        object = properties;
    }
    for member in READ_ONLY_MEMBERS {
        object.remove(*member);
    }
    let bytes = serde_json::to_vec(&object).map_err(ApiError::internal)?;
    // For a Feature, pointers name the plot member (`/grz`), not its place in `properties`.
    parse_json(&bytes)
}

/// RFC 7396.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let target = target.as_object_mut().expect("made an object above");
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// The stored plot in its write form, the base a merge patch applies to.
fn plot_data_of(row: &crate::db::plots::PlotRow) -> PlotData {
    use crate::domain::plot::{BplanStatus, EurAmount, Offer, PlotStatus, Servicing, Zoning};
    let eur = |c: Option<i64>| c.map(|c| EurAmount(crate::domain::money::Cents(c).to_string()));
    PlotData {
        reference: row.reference.clone(),
        title_de: row.title_de.clone(),
        title_en: row.title_en.clone(),
        description_de: row.description_de.clone(),
        description_en: row.description_en.clone(),
        municipality_id: row.municipality_id,
        estate_id: row.estate_id,
        geometry: row
            .geometry_geojson
            .as_deref()
            .and_then(|g| serde_json::from_str(g).ok())
            .unwrap_or(Value::Null),
        area_stated_m2: row.area_stated_m2,
        status: PlotStatus::parse(&row.status).unwrap_or(PlotStatus::Available),
        available_from: row.available_from,
        zoning: Zoning::parse(&row.zoning).unwrap_or(Zoning::Other),
        bplan_status: BplanStatus::parse(&row.bplan_status).unwrap_or(BplanStatus::None),
        grz: row.grz,
        gfz: row.gfz,
        bmz: row.bmz,
        max_height_m: row.max_height_m,
        max_storeys: row.max_storeys,
        operation_24h: row.operation_24h,
        servicing: Servicing::parse(&row.servicing).unwrap_or(Servicing::None),
        road_access: row.road_access,
        water: row.water,
        sewage: row.sewage,
        electricity: row.electricity,
        electricity_capacity_kva: row.electricity_capacity_kva,
        gas: row.gas,
        district_heating: row.district_heating,
        broadband_mbit: row.broadband_mbit,
        fibre: row.fibre,
        rail_siding: row.rail_siding,
        dist_motorway_km: row.dist_motorway_km,
        dist_rail_station_km: row.dist_rail_station_km,
        dist_port_km: row.dist_port_km,
        dist_airport_km: row.dist_airport_km,
        price_on_request: row.price_on_request,
        price_min_eur_m2: eur(row.price_min_ct),
        price_max_eur_m2: eur(row.price_max_ct),
        servicing_cost_eur_m2: eur(row.servicing_cost_ct),
        offer: Offer::parse(&row.offer).unwrap_or(Offer::Sale),
        grw_area: row.grw_area,
        grw_max_rate_small_pct: row.grw_max_rate_small_pct,
        grw_max_rate_medium_pct: row.grw_max_rate_medium_pct,
        grw_max_rate_large_pct: row.grw_max_rate_large_pct,
        contact_name: row.contact_name.clone(),
        contact_phone: row.contact_phone.clone(),
        contact_email: row.contact_email.clone(),
        data_confirmed_on: row.data_confirmed_on,
        published: row.published,
        internal_notes: row.internal_notes.clone(),
    }
}
