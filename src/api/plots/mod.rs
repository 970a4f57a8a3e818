//! `/plots`: the plot register. Reading, creating and changing single plots here; their state
//! actions and history in `state`; searching in `search` (with `params` and `csv`).

pub mod csv;
pub mod filters;
mod json_writer;
mod page;
pub mod params;
mod repair;
pub mod search;
pub mod state;
pub(crate) mod values;

use actix_web::http::header::{self, ETag, EntityTag, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use diesel_async::AsyncConnection;

use super::error::{ApiError, Problem};
use super::extract::{off_worker, Caller, Format, JsonBody, QueryParams};
use super::views::{Plot, PlotWithWarnings};
use super::AppState;
use crate::api::error::responses as r;
use crate::db;
use crate::db::plots::FullPlot;
use crate::domain::access::{PlotAction, PlotSet, ReadScope};
use crate::domain::checks::PlotRef;
use crate::domain::history::{diff, Snapshot, Via};
use crate::domain::plausibility;
use crate::domain::plot::{PlotData, PlotKey, ValidPlot};
use crate::domain::FieldError;
pub use repair::WriteParams;

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
pub(crate) fn plot_key(raw: &str) -> Result<PlotKey, ApiError> {
    PlotKey::parse(raw).ok_or_else(|| ApiError::NotFound(format!("no plot `{raw}`")))
}

fn not_found(key: &PlotKey) -> ApiError {
    ApiError::NotFound(format!("no plot {key}"))
}

fn etag(version: i32) -> ETag {
    ETag(EntityTag::new_strong(version.to_string()))
}

/// `If-Match` as a version number. Every change must name the version it is based on, so that
/// no edit silently overwrites another: `*` would allow exactly that and is refused like a
/// missing header. Read only after the caller's rights on the plot are checked, so that a 428
/// cannot tell a stranger that a plot exists.
pub(crate) fn required_version(if_match: Option<&HeaderValue>) -> Result<i32, ApiError> {
    let Some(value) = if_match else {
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
        r::BadQuery,
        (status = 401, description = "Invalid, expired or revoked token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plot (or not published)", body = Problem, content_type = "application/problem+json"),
        r::NotAcceptable,
        r::Busy,
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
    let (row, geometry) = db::plots::find(&mut conn, &caller.plot_set(), &key)
        .await?
        .ok_or_else(|| not_found(&key))?;
    let scope = caller.scope();
    let (municipality, published) = (row.facts.municipality_id, row.internal.published);
    let base = state.base_url(&req);
    let media = db::media::of_plots(&mut conn, &[row.id])
        .await?
        .into_iter()
        .filter(|m| {
            crate::domain::access::may_read_media(&scope, municipality, published, m.internal)
        })
        .map(|m| super::views::media::Media::from_row(m, &base))
        .collect();
    let mut plot = Plot::from_row(row, geometry, &scope);
    plot.media = Some(media);
    Ok(plot_response(actix_web::http::StatusCode::OK, plot, format))
}

/// Create a plot
///
/// The body is `PlotData` (its `geometry` a GeoJSON Polygon or MultiPolygon), or a GeoJSON
/// Feature whose `properties` are `PlotData` without `geometry`. New plots are drafts: publish
/// them with `POST /plots/{key}/publish`. Editors create plots in their own municipalities only.
///
/// The answer carries `warnings`: the spatial findings about the plot after the write (outside
/// its estate or municipality, overlapping another plot; tolerances as in `GET /places/checks`).
/// They never block the write.
#[utoipa::path(
    post,
    path = "/plots",
    tag = "plots",
    params(WriteParams),
    request_body(content(
        (PlotData = "application/json"),
        (PlotData = "application/geo+json"),
    )),
    responses(
        (status = 201, description = "Created (as a draft); `warnings` lists spatial findings about it", body = PlotWithWarnings,
            headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        r::NeedsToken,
        (status = 403, description = "Not allowed in this municipality (or a viewer)", body = Problem, content_type = "application/problem+json"),
        r::ReferenceTaken,
        r::TooLarge,
        r::NotJson,
        (status = 422, description = "Breaks a rule; `errors` names each field", body = Problem, content_type = "application/problem+json"),
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn create_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<WriteParams>,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require_plot_writer()?;
    let data = plot_data_from_document(body)?;
    if data.internal.published {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/published",
            "new plots start as drafts; publish with POST /plots/{key}/publish",
        )]));
    }
    let create = PlotAction::Create {
        target: data.facts.municipality_id,
    };
    if caller.authorize(create).is_err() {
        let mut conn = state.pool.get().await?;
        caller.authorize_named(&mut conn, create).await?;
    }
    let (plot, mut found) = repair::validate_or_repair(&state, None, data, params.repair).await?;
    found.extend(plausibility::of_plot(
        &plot.geometry,
        plot.data.facts.area_stated_m2,
    ));
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
    let (row, geometry) = db::plots::find(&mut conn, &ALL, &PlotKey::Id(id))
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("plot {id} vanished after insert")))?;
    let warnings = super::checks::written_plot_warnings(
        &mut conn,
        &caller,
        plot_ref(&row),
        row.facts.municipality_id,
        found,
    )
    .await;
    let mut response = written_response(
        actix_web::http::StatusCode::CREATED,
        Plot::from_row(row, geometry, &caller.scope()),
        warnings,
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
///
/// The answer carries `warnings`: the spatial findings about the plot after the write (outside
/// its estate or municipality, overlapping another plot; tolerances as in `GET /places/checks`).
/// They never block the write.
#[utoipa::path(
    put,
    path = "/plots/{key}",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference"),
           IfMatch, WriteParams),
    request_body(content(
        (PlotData = "application/json"),
        (PlotData = "application/geo+json"),
    )),
    responses(
        (status = 200, description = "Replaced; `warnings` lists spatial findings about it", body = PlotWithWarnings, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        r::NeedsToken,
        r::ForeignPlot,
        r::NoSuchPlot,
        r::ReferenceTaken,
        (status = 412, description = "Changed since the given ETag; `current_version` tells the new one", body = Problem, content_type = "application/problem+json"),
        r::TooLarge,
        r::NotJson,
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        r::NoIfMatch,
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn replace_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    QueryParams(params): QueryParams<WriteParams>,
    JsonBody(body): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require_account()?;
    let key = plot_key(&key)?;
    let data = plot_data_from_document(body)?;
    let if_match = req.headers().get(header::IF_MATCH).cloned();
    change_fields(&state, &caller, key, if_match, params.repair, |_| Ok(data)).await
}

/// Update some fields of a plot
///
/// JSON Merge Patch (RFC 7396): members present replace the stored ones, `null` clears an
/// optional field, absent members stay. The result must pass the same rules as a create.
/// `If-Match` is required.
///
/// The answer carries `warnings`: the spatial findings about the plot after the write (outside
/// its estate or municipality, overlapping another plot; tolerances as in `GET /places/checks`).
/// They never block the write.
#[utoipa::path(
    patch,
    path = "/plots/{key}",
    tag = "plots",
    params(("key" = String, Path, description = "Plot id or reference"),
           IfMatch, WriteParams),
    request_body(content(
        (PlotData = "application/merge-patch+json", example = json!({"status": "reserved", "price_min_eur_m2": "14.00"})),
        (PlotData = "application/json"),
    )),
    responses(
        (status = 200, description = "Updated; `warnings` lists spatial findings about it", body = PlotWithWarnings, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        r::NeedsToken,
        r::ForeignPlot,
        r::NoSuchPlot,
        r::ReferenceTaken,
        r::Stale,
        r::TooLarge,
        r::NotJson,
        (status = 422, description = "Breaks a rule", body = Problem, content_type = "application/problem+json"),
        r::NoIfMatch,
        r::Busy,
        r::RateLimited,
    ),
    security(("bearer" = []))
)]
pub async fn patch_plot(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    QueryParams(params): QueryParams<WriteParams>,
    JsonBody(patch): JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require_account()?;
    let key = plot_key(&key)?;
    let if_match = req.headers().get(header::IF_MATCH).cloned();
    if !patch.is_object() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "",
            "a merge patch must be a JSON object",
        )]));
    }
    change_fields(
        &state,
        &caller,
        key,
        if_match,
        params.repair,
        move |(row, geometry)| {
            // Patch the stored plot in its write form, then validate the result as a whole.
            let mut document = Value::Object(row.to_data(geometry.as_deref()).to_object());
            merge_patch(&mut document, &patch);
            plot_data_from_document(document)
        },
    )
    .await
}

/// The shared path of PUT and PATCH, in one transaction: lock the plot, check rights and
/// version, build and validate the new state, and write it with its history entry.
async fn change_fields(
    state: &AppState,
    caller: &Caller,
    key: PlotKey,
    if_match: Option<HeaderValue>,
    repair: bool,
    new_data: impl FnOnce(&FullPlot) -> Result<PlotData, ApiError> + Send,
) -> Result<HttpResponse, ApiError> {
    let set = caller.plot_set();
    let actor = caller.actor(Via::Api);
    let mut conn = state.pool.get().await?;
    let (id, found) = conn
        .transaction(async |conn| {
            let stored = db::plots::lock(conn, &key, &set)
                .await?
                .ok_or_else(|| not_found(&key))?;
            let row = &stored.0;
            let current = row.facts.municipality_id;
            caller
                .authorize_named(
                    conn,
                    PlotAction::Update {
                        current,
                        target: current,
                    },
                )
                .await?;
            let expected = required_version(if_match.as_ref())?;
            if row.version != expected {
                return Err(ApiError::PreconditionFailed {
                    current_version: row.version,
                });
            }
            let data = new_data(&stored)?;
            caller
                .authorize_named(
                    conn,
                    PlotAction::Update {
                        current,
                        target: data.facts.municipality_id,
                    },
                )
                .await?;
            if data.internal.published != row.internal.published {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "/published",
                    "use POST /plots/{key}/publish or /unpublish to change this",
                )]));
            }
            let (plot, mut found) =
                repair::validate_or_repair(state, Some(conn), data, repair).await?;
            found.extend(plausibility::of_plot(
                &plot.geometry,
                plot.data.facts.area_stated_m2,
            ));
            let before = Snapshot::new(&row.to_data(stored.1.as_deref()), row.area_geodesic_m2);
            let changes = diff(Some(&before), &Snapshot::of_valid(&plot));
            if !changes.is_empty() {
                db::plots::update(conn, row.id, &plot, &actor, &Value::Array(changes)).await?;
            }
            Ok((row.id, found))
        })
        .await?;
    let (row, geometry) = db::plots::find(&mut conn, &ALL, &PlotKey::Id(id))
        .await?
        .ok_or_else(|| not_found(&PlotKey::Id(id)))?;
    let warnings = super::checks::written_plot_warnings(
        &mut conn,
        caller,
        plot_ref(&row),
        row.facts.municipality_id,
        found,
    )
    .await;
    Ok(written_response(
        actix_web::http::StatusCode::OK,
        Plot::from_row(row, geometry, &caller.scope()),
        warnings,
    ))
}

/// The plot a write's findings name.
fn plot_ref(row: &db::plots::PlotRow) -> PlotRef {
    PlotRef {
        id: row.id,
        reference: row.facts.reference.clone(),
        published: row.internal.published,
    }
}

/// The answer to a create, replace or patch: the plot with the spatial findings about it as
/// `warnings` (`api::checks`), which never undo the write.
fn written_response(
    status: actix_web::http::StatusCode,
    plot: Plot,
    warnings: Option<Vec<crate::domain::checks::Finding>>,
) -> HttpResponse {
    let version = plot.version;
    let response = HttpResponse::build(status)
        .content_type(Format::Json.media_type())
        .json(PlotWithWarnings { plot, warnings });
    with_plot_headers(response, version)
}

/// `PlotData::validate` off the async workers: a geometry at the size limits takes tens of
/// milliseconds to check.
async fn validate(state: &AppState, data: PlotData) -> Result<ValidPlot, ApiError> {
    let limits = state.settings.geometry_limits;
    // Germany's day, as `confirm` writes it and freshness counts it: the UTC date refused
    // today's German date between midnight and 1 or 2 a.m. as "in the future".
    let today = crate::domain::freshness::today();
    off_worker(state.settings.cpu_timeout, move || {
        data.validate(today, &limits)
    })
    .await?
    .map_err(ApiError::Validation)
}

/// Every plot that is not deleted: what a write answers with, whoever wrote.
const ALL: PlotSet = PlotSet::Readable(ReadScope::Region);

pub(crate) async fn respond_with_plot(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: &Caller,
    id: i64,
) -> Result<HttpResponse, ApiError> {
    let (row, geometry) = db::plots::find(conn, &ALL, &PlotKey::Id(id))
        .await?
        .ok_or_else(|| not_found(&PlotKey::Id(id)))?;
    Ok(plot_response(
        actix_web::http::StatusCode::OK,
        Plot::from_row(row, geometry, &caller.scope()),
        Format::Json,
    ))
}

/// Accepts `PlotData`, or a GeoJSON Feature with `PlotData` as properties. Members of the read
/// form (`id`, `version`, …) may come along unchanged from a GET; they are not editable.
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
    for member in Plot::read_only_members() {
        object.remove(member);
    }
    // Write answers add `warnings` (`PlotWithWarnings`); one edited and sent back carries them.
    object.remove("warnings");
    // Single reads add the plot's `media` (managed at /plots/{key}/media).
    object.remove("media");
    // For a Feature, pointers name the plot member (`/grz`), not its place in `properties`.
    PlotData::from_object(object).map_err(ApiError::Validation)
}

/// RFC 7396.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
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
