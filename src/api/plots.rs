//! `/plots`: the plot register. One handler per operation.

use actix_web::http::header::{self, ETag, EntityTag, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use diesel_async::AsyncConnection;

use super::error::{ApiError, Problem};
use super::extract::{parse_json, Caller, Format, JsonBody, QueryParams};
use super::views::{HistoryEntry, Plot, PlotHistory};
use super::AppState;
use crate::db;
use crate::db::plots::{HistoryAction, PlotKey, PlotRow, Via, Visibility};
use crate::domain::access::PlotAction;
use crate::domain::history::{diff, Snapshot};
use crate::domain::plot::PlotData;
use crate::domain::FieldError;

/// Conditional-write header, required on every change.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatch {
    /// ETag of the version the change is based on (the `ETag` of your last read). Missing:
    /// 428; another version is current: 412 with `current_version`.
    #[serde(rename = "If-Match")]
    #[param(rename = "If-Match", value_type = String, required = true, pattern = r#"^(W/)?"[0-9]+"$"#, example = "\"3\"")]
    pub if_match: String,
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

/// `If-Match` as a version number. Every change must name the version it is based on, so that
/// no edit silently overwrites another: `*` would allow exactly that and is refused like a
/// missing header.
fn required_version(req: &HttpRequest) -> Result<i32, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Err(ApiError::PreconditionRequired(
            "send `If-Match` with the ETag of the version you edited (from GET); \
             it keeps concurrent edits from being lost"
                .into(),
        ));
    };
    let text = value.to_str().unwrap_or("").trim();
    if text == "*" {
        return Err(ApiError::PreconditionRequired(
            "`If-Match: *` does not protect against lost updates; send the plot's ETag".into(),
        ));
    }
    text.trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i32>()
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
/// By numeric id or by reference (`LWL-003`). Unpublished plots are 404 for anonymous readers
/// (and for editors of other municipalities); deleted plots are 404 for everyone.
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
        (status = 401, description = "Invalid, expired or revoked token", body = Problem, content_type = "application/problem+json"),
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
    let row = db::plots::find(&mut conn, &caller.visibility(), &key)
        .await?
        .ok_or_else(|| not_found(&key))?;
    Ok(plot_response(
        actix_web::http::StatusCode::OK,
        Plot::from_row(row, &caller.scope()),
        format,
    ))
}

/// Create a plot
///
/// The body is `PlotData` (its `geometry` a GeoJSON Polygon or MultiPolygon), or a GeoJSON
/// Feature whose `properties` are `PlotData` without `geometry`. New plots are drafts: publish
/// them with `POST /plots/{key}/publish`. Editors create plots in their own municipalities only.
#[utoipa::path(
    post,
    path = "/plots",
    tag = "plots",
    request_body(content(
        (PlotData = "application/json"),
        (PlotData = "application/geo+json"),
    )),
    responses(
        (status = 201, description = "Created (as a draft)", body = Plot,
            headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed in this municipality (or a viewer)", body = Problem, content_type = "application/problem+json"),
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
    caller.require_account()?;
    let data = plot_data_from_document(body)?;
    if data.published {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/published",
            "new plots start as drafts; publish with POST /plots/{key}/publish",
        )]));
    }
    caller.authorize(PlotAction::Create {
        target: data.municipality_id,
    })?;
    let plot = data
        .validate(Utc::now().date_naive())
        .map_err(ApiError::Validation)?;
    let changes = Value::Array(diff(None, &Snapshot::of_valid(&plot)));
    let actor = caller.actor(Via::Api);
    let mut conn = state.pool.get().await?;
    let id = conn
        .transaction(async |conn| {
            db::plots::insert(conn, &plot, false, &actor, &changes)
                .await
                .map_err(ApiError::from)
        })
        .await?;
    let row = db::plots::find(&mut conn, &Visibility::All, &PlotKey::Id(id))
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("plot {id} vanished after insert")))?;
    let mut response = plot_response(
        actix_web::http::StatusCode::CREATED,
        Plot::from_row(row, &caller.scope()),
        Format::Json,
    );
    if let Ok(location) = HeaderValue::from_str(&format!("{}/plots/{id}", state.base_url(&req))) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Replace a plot
///
/// Replaces every editable field (absent optional fields become empty). `If-Match` with the
/// ETag you read is required. `published` cannot change here (use publish/unpublish). A body
/// equal to the stored plot changes nothing and keeps the version.
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
        (status = 403, description = "Not one of your municipalities, or a viewer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plot", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Reference already used", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the given ETag; `current_version` tells the new one", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the configured limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
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
    caller.require_account()?;
    let key = plot_key(&key)?;
    let expected = required_version(&req)?;
    let data = plot_data_from_document(body)?;
    change_fields(&state, &caller, key, expected, |_| Ok(data)).await
}

/// Update some fields of a plot
///
/// JSON Merge Patch (RFC 7396): members present replace the stored ones, `null` clears an
/// optional field, absent members stay. The result must pass the same rules as a create.
/// `If-Match` is required.
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
        (status = 403, description = "Not one of your municipalities, or a viewer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plot", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Reference already used", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the given ETag", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the configured limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
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
    caller.require_account()?;
    let key = plot_key(&key)?;
    let expected = required_version(&req)?;
    if !patch.is_object() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "",
            "a merge patch must be a JSON object",
        )]));
    }
    change_fields(&state, &caller, key, expected, move |row| {
        // Patch the stored plot in its write form, then validate the result as a whole.
        let mut document = serde_json::to_value(plot_data_of(row)).map_err(ApiError::internal)?;
        merge_patch(&mut document, &patch);
        plot_data_from_document(document)
    })
    .await
}

/// The shared path of PUT and PATCH, in one transaction: lock the plot, check rights and
/// version, build and validate the new state, and write it with its history entry.
async fn change_fields(
    state: &AppState,
    caller: &Caller,
    key: PlotKey,
    expected: i32,
    new_data: impl FnOnce(&PlotRow) -> Result<PlotData, ApiError> + Send,
) -> Result<HttpResponse, ApiError> {
    let visibility = caller.visibility();
    let actor = caller.actor(Via::Api);
    let mut conn = state.pool.get().await?;
    let id = conn
        .transaction(async |conn| {
            let row = db::plots::lock(conn, &key, &visibility)
                .await?
                .ok_or_else(|| not_found(&key))?;
            let current = row.municipality_id;
            caller.authorize(PlotAction::Update {
                current,
                target: current,
            })?;
            if row.version != expected {
                return Err(ApiError::PreconditionFailed {
                    current_version: row.version,
                });
            }
            let data = new_data(&row)?;
            caller.authorize(PlotAction::Update {
                current,
                target: data.municipality_id,
            })?;
            if data.published != row.published {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "/published",
                    "use POST /plots/{key}/publish or /unpublish to change this",
                )]));
            }
            let plot = data
                .validate(Utc::now().date_naive())
                .map_err(ApiError::Validation)?;
            let before = Snapshot::new(&plot_data_of(&row), row.area_geodesic_m2);
            let changes = diff(Some(&before), &Snapshot::of_valid(&plot));
            if !changes.is_empty() {
                db::plots::update(conn, row.id, &plot, &actor, &Value::Array(changes)).await?;
            }
            Ok(row.id)
        })
        .await?;
    respond_with_plot(&mut conn, caller, id).await
}

async fn respond_with_plot(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    id: i64,
) -> Result<HttpResponse, ApiError> {
    let row = db::plots::find(conn, &Visibility::All, &PlotKey::Id(id))
        .await?
        .ok_or_else(|| not_found(&PlotKey::Id(id)))?;
    Ok(plot_response(
        actix_web::http::StatusCode::OK,
        Plot::from_row(row, &caller.scope()),
        Format::Json,
    ))
}

/// Delete a plot
///
/// A soft delete: the plot disappears from every listing and read (404), its history stays,
/// and an admin can restore it. `If-Match` is required.
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
        (status = 403, description = "Not one of your municipalities, or a viewer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plot", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the given ETag", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn delete_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change_state(&req, &state, &caller, &key, HistoryAction::Delete).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Publish a plot
///
/// Makes a draft public: it appears in searches, tiles, embedded maps and profile pages.
/// `If-Match` is required. Publishing a published plot changes nothing.
#[utoipa::path(
    post,
    path = "/plots/{key}/publish",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference"), IfMatch),
    responses(
        (status = 200, description = "Published", body = Plot, headers(("ETag" = String))),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not one of your municipalities, or a viewer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plot", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the given ETag", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn publish_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change_state_and_respond(&req, &state, &caller, &key, HistoryAction::Publish).await
}

/// Unpublish a plot
///
/// Takes a plot back to draft: it disappears from every public view. `If-Match` is required.
#[utoipa::path(
    post,
    path = "/plots/{key}/unpublish",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference"), IfMatch),
    responses(
        (status = 200, description = "Now a draft", body = Plot, headers(("ETag" = String))),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not one of your municipalities, or a viewer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plot", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the given ETag", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn unpublish_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change_state_and_respond(&req, &state, &caller, &key, HistoryAction::Unpublish).await
}

/// Restore a deleted plot
///
/// Admins only. The plot comes back as a draft with its history. `If-Match` names the version
/// it was deleted at (the newest entry of its history).
#[utoipa::path(
    post,
    path = "/plots/{key}/restore",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference"), IfMatch),
    responses(
        (status = 200, description = "Restored as a draft", body = Plot, headers(("ETag" = String))),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such deleted plot", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the given ETag", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn restore_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change_state_and_respond(&req, &state, &caller, &key, HistoryAction::Restore).await
}

/// `change_state`, answered with the plot as it is now.
async fn change_state_and_respond(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    raw_key: &str,
    action: HistoryAction,
) -> Result<HttpResponse, ApiError> {
    let id = change_state(req, state, caller, raw_key, action).await?;
    let mut conn = state.pool.get().await?;
    respond_with_plot(&mut conn, caller, id).await
}

/// Publish, unpublish, delete or restore, in one transaction with its history entry. Returns
/// the plot id. A no-op (publishing a published plot) writes nothing.
async fn change_state(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    raw_key: &str,
    action: HistoryAction,
) -> Result<i64, ApiError> {
    caller.require_account()?;
    let key = plot_key(raw_key)?;
    let expected = required_version(req)?;
    let visibility = match action {
        HistoryAction::Restore => Visibility::Deleted,
        _ => caller.visibility(),
    };
    let actor = caller.actor(Via::Api);
    let mut conn = state.pool.get().await?;
    conn.transaction(async |conn| {
        let row = db::plots::lock(conn, &key, &visibility)
            .await?
            .ok_or_else(|| not_found(&key))?;
        let current = row.municipality_id;
        let (permission, field, from, to) = match action {
            HistoryAction::Publish => (
                PlotAction::Publish { current },
                "published",
                row.published,
                true,
            ),
            HistoryAction::Unpublish => (
                PlotAction::Unpublish { current },
                "published",
                row.published,
                false,
            ),
            HistoryAction::Delete => (PlotAction::Delete { current }, "deleted", false, true),
            HistoryAction::Restore => (PlotAction::Restore { current }, "deleted", true, false),
            HistoryAction::Create | HistoryAction::Update => {
                unreachable!("field changes go through change_fields")
            }
        };
        caller.authorize(permission)?;
        if row.version != expected {
            return Err(ApiError::PreconditionFailed {
                current_version: row.version,
            });
        }
        if from != to {
            let mut changes = vec![serde_json::json!({"field": field, "from": from, "to": to})];
            if action == HistoryAction::Delete && row.published {
                changes.push(serde_json::json!({"field": "published", "from": true, "to": false}));
            }
            db::plots::set_state(conn, row.id, action, &actor, &Value::Array(changes)).await?;
        }
        Ok(row.id)
    })
    .await
}

/// Query parameters of the history.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {}

/// History of a plot
///
/// Every change, newest first: who, when, through what (`api`, `import`, `cli`) and which
/// fields from what to what. Geometry changes carry the area before and after. Staff only;
/// admins and viewers also see the history of deleted plots. The history cannot be changed.
#[utoipa::path(
    get,
    path = "/plots/{key}/history",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference")),
    responses(
        (status = 200, description = "The history", body = PlotHistory),
        (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A published plot of another municipality (editors)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plot", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn plot_history(
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    QueryParams(_): QueryParams<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require_account()?;
    let key = plot_key(&key)?;
    let mut conn = state.pool.get().await?;
    let mut row = db::plots::find(&mut conn, &caller.visibility(), &key).await?;
    if row.is_none() && caller.visibility() == Visibility::All {
        row = db::plots::find(&mut conn, &Visibility::Deleted, &key).await?;
    }
    let row = row.ok_or_else(|| not_found(&key))?;
    // The history holds internal fields: only for those who read them for this plot.
    if !caller.scope().internal(row.municipality_id) {
        return Err(ApiError::Forbidden(
            "the history of another municipality's plot is internal to it".into(),
        ));
    }
    let entries = db::plots::history(&mut conn, row.id).await?;
    Ok(HttpResponse::Ok().json(PlotHistory {
        plot_id: row.id,
        reference: row.reference,
        version: row.version,
        deleted: row.deleted_at.is_some(),
        items: entries.into_iter().map(HistoryEntry::from).collect(),
    }))
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
    "deleted",
    "deleted_at",
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
pub(crate) fn plot_data_of(row: &crate::db::plots::PlotRow) -> PlotData {
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
        owner_name: row.owner_name.clone(),
        owner_contact: row.owner_contact.clone(),
    }
}
