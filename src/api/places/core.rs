//! The one write path of every kind of place, as plots have theirs: permission first, then the
//! lock, the version (`If-Match`), the new state validated as a whole, and the write with its
//! history entry, in one transaction.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::api::error::ApiError;
use crate::api::extract::{off_worker, Caller};
use crate::api::plots::required_version;
use crate::api::AppState;
use crate::db;
use crate::db::place_writes::{Dependants, StoredPlace};
use crate::domain::access::{self, PlaceAction};
use crate::domain::geometry::GeometryLimits;
use crate::domain::history::{diff, HistoryAction, Snapshot, Via};
use crate::domain::place::{EstateData, MunicipalityData, PlaceKind, RegionData, ValidOutline};
use crate::domain::plausibility::{self, Plausibility};
use crate::domain::{deserialize_value, FieldError};

/// What the write path needs to know of a place's write schema.
pub trait Schema: Serialize + DeserializeOwned + Send + Sync + 'static {
    const KIND: PlaceKind;
    fn check(self, limits: &GeometryLimits) -> Result<(Self, ValidOutline), Vec<FieldError>>;
    fn to_object(&self) -> Map<String, Value>;
    /// The permission a create needs.
    fn create_action(&self) -> PlaceAction;
    /// The permission to change the stored `before` at all (asked before the body is read).
    fn change_action(before: &Map<String, Value>) -> PlaceAction;
    /// The permission to turn `before` into `self`.
    fn update_action(&self, before: &Map<String, Value>) -> PlaceAction;
    /// The place this one belongs to, which must exist (and not be deleted): kind, id, member.
    fn parent(&self) -> Option<(PlaceKind, i64, &'static str)>;
}

fn id_in(object: &Map<String, Value>, member: &str) -> i64 {
    object.get(member).and_then(Value::as_i64).unwrap_or(0)
}

impl Schema for RegionData {
    const KIND: PlaceKind = PlaceKind::Region;
    fn check(self, _: &GeometryLimits) -> Result<(Self, ValidOutline), Vec<FieldError>> {
        self.validate().map(|r| (r, None))
    }
    fn to_object(&self) -> Map<String, Value> {
        RegionData::to_object(self)
    }
    fn create_action(&self) -> PlaceAction {
        PlaceAction::Region
    }
    fn change_action(_: &Map<String, Value>) -> PlaceAction {
        PlaceAction::Region
    }
    fn update_action(&self, _: &Map<String, Value>) -> PlaceAction {
        PlaceAction::Region
    }
    fn parent(&self) -> Option<(PlaceKind, i64, &'static str)> {
        None
    }
}

impl Schema for MunicipalityData {
    const KIND: PlaceKind = PlaceKind::Municipality;
    fn check(self, limits: &GeometryLimits) -> Result<(Self, ValidOutline), Vec<FieldError>> {
        self.validate(limits)
    }
    fn to_object(&self) -> Map<String, Value> {
        MunicipalityData::to_object(self)
    }
    fn create_action(&self) -> PlaceAction {
        PlaceAction::Municipality
    }
    fn change_action(_: &Map<String, Value>) -> PlaceAction {
        PlaceAction::Municipality
    }
    fn update_action(&self, _: &Map<String, Value>) -> PlaceAction {
        PlaceAction::Municipality
    }
    fn parent(&self) -> Option<(PlaceKind, i64, &'static str)> {
        Some((PlaceKind::Region, self.region_id, "/region_id"))
    }
}

impl Schema for EstateData {
    const KIND: PlaceKind = PlaceKind::Estate;
    fn check(self, limits: &GeometryLimits) -> Result<(Self, ValidOutline), Vec<FieldError>> {
        self.validate(limits)
    }
    fn to_object(&self) -> Map<String, Value> {
        EstateData::to_object(self)
    }
    fn create_action(&self) -> PlaceAction {
        PlaceAction::CreateEstate {
            target: self.municipality_id,
        }
    }
    fn change_action(before: &Map<String, Value>) -> PlaceAction {
        let current = id_in(before, "municipality_id");
        PlaceAction::UpdateEstate {
            current,
            target: current,
        }
    }
    fn update_action(&self, before: &Map<String, Value>) -> PlaceAction {
        PlaceAction::UpdateEstate {
            current: id_in(before, "municipality_id"),
            target: self.municipality_id,
        }
    }
    fn parent(&self) -> Option<(PlaceKind, i64, &'static str)> {
        Some((
            PlaceKind::Municipality,
            self.municipality_id,
            "/municipality_id",
        ))
    }
}

async fn authorize(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    action: PlaceAction,
) -> Result<(), ApiError> {
    match access::authorize_place(caller.principal(), action) {
        Ok(()) => Ok(()),
        Err(denied) => Err(crate::api::extract::refusal(conn, denied).await),
    }
}

fn not_found(kind: PlaceKind, id: i64) -> ApiError {
    ApiError::NotFound(format!("no {} with id {id}", kind.as_str()))
}

/// Reads a body in a place's write schema; every failure names its member.
pub fn data_from_document<S: Schema>(body: Value) -> Result<S, ApiError> {
    if !body.is_object() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "",
            "the body must be a JSON object",
        )]));
    }
    deserialize_value::<S>(body).map_err(|e| ApiError::Validation(vec![e]))
}

/// Validation off the async workers: an outline at the size limits takes tens of milliseconds.
async fn validate<S: Schema>(state: &AppState, data: S) -> Result<(S, ValidOutline), ApiError> {
    let limits = state.settings.geometry_limits;
    off_worker(state.settings.cpu_timeout, move || data.check(&limits))
        .await?
        .map_err(ApiError::Validation)
}

/// The parent must exist and not be deleted: the foreign key alone would accept a deleted one.
async fn check_parent<S: Schema>(conn: &mut AsyncPgConnection, data: &S) -> Result<(), ApiError> {
    if let Some((kind, id, pointer)) = data.parent() {
        if db::place_writes::lock_shared(conn, kind, id)
            .await?
            .is_none()
        {
            return Err(ApiError::Validation(vec![FieldError::new(
                pointer,
                format!("no {} with id {id}", kind.as_str()),
            )]));
        }
    }
    Ok(())
}

/// Creates a place; answers with its id and what was dropped from its outline as slivers.
pub async fn create<S: Schema>(
    state: &AppState,
    caller: &Caller,
    body: Value,
) -> Result<(i64, Option<Plausibility>), ApiError> {
    access::authorize_place_writes(caller.principal())?;
    let data: S = data_from_document(body)?;
    let mut conn = state.pool.get().await?;
    authorize(&mut conn, caller, data.create_action()).await?;
    let (data, outline) = validate(state, data).await?;
    let object = data.to_object();
    let after = Snapshot::of_fields(
        object.clone(),
        outline.as_ref().map_or(0.0, |o| o.area_m2()),
    );
    let changes = Value::Array(diff(None, &after));
    let actor = caller.actor(Via::Api);
    let id = conn
        .transaction(async |conn| {
            check_parent(conn, &data).await?;
            db::place_writes::insert(conn, S::KIND, &object, &actor, &changes)
                .await
                .map_err(ApiError::from)
        })
        .await?;
    Ok((id, outline.as_ref().and_then(plausibility::slivers)))
}

/// PUT and PATCH: `new_data` builds the new state from the stored write form. Answers like
/// `create`.
pub async fn change<S: Schema>(
    state: &AppState,
    caller: &Caller,
    id: i64,
    if_match: Option<HeaderValue>,
    new_data: impl FnOnce(&Map<String, Value>) -> Result<S, ApiError> + Send,
) -> Result<(i64, Option<Plausibility>), ApiError> {
    access::authorize_place_writes(caller.principal())?;
    let actor = caller.actor(Via::Api);
    let mut conn = state.pool.get().await?;
    conn.transaction(async |conn| {
        let stored = locked(conn, S::KIND, id).await?;
        authorize(conn, caller, S::change_action(&stored.data)).await?;
        check_version(if_match.as_ref(), &stored)?;
        let data = new_data(&stored.data)?;
        authorize(conn, caller, data.update_action(&stored.data)).await?;
        let (data, outline) = validate(state, data).await?;
        let slivers = outline.as_ref().and_then(plausibility::slivers);
        check_parent(conn, &data).await?;
        let object = data.to_object();
        let before = Snapshot::of_fields(stored.data.clone(), stored.outline_area_m2);
        let after = Snapshot::of_fields(
            object.clone(),
            outline.as_ref().map_or(0.0, |o| o.area_m2()),
        );
        let changes = diff(Some(&before), &after);
        if changes.is_empty() {
            return Ok((id, slivers));
        }
        if S::KIND == PlaceKind::Estate
            && object.get("municipality_id") != stored.data.get("municipality_id")
        {
            let dependants = db::place_writes::dependants(conn, S::KIND, id).await?;
            if dependants.any() {
                return Err(still_used(
                    S::KIND,
                    dependants,
                    "moved to another municipality",
                ));
            }
        }
        let action = publish_action(&changes);
        db::place_writes::update(
            conn,
            S::KIND,
            id,
            &object,
            action,
            &actor,
            &Value::Array(changes),
        )
        .await?;
        Ok((id, slivers))
    })
    .await
}

/// A change of `published` alone is recorded as publishing or unpublishing.
fn publish_action(changes: &[Value]) -> HistoryAction {
    match changes {
        [only] if only["field"] == "published" => {
            if only["to"] == Value::Bool(true) {
                HistoryAction::Publish
            } else {
                HistoryAction::Unpublish
            }
        }
        _ => HistoryAction::Update,
    }
}

/// Soft delete, refused while places or plots (drafts included) still refer to it.
pub async fn delete<S: Schema>(
    state: &AppState,
    caller: &Caller,
    id: i64,
    if_match: Option<HeaderValue>,
) -> Result<(), ApiError> {
    access::authorize_place_writes(caller.principal())?;
    let actor = caller.actor(Via::Api);
    let mut conn = state.pool.get().await?;
    conn.transaction(async |conn| {
        let stored = locked(conn, S::KIND, id).await?;
        let action = match S::change_action(&stored.data) {
            PlaceAction::UpdateEstate { current, .. } => PlaceAction::DeleteEstate { current },
            other => other,
        };
        authorize(conn, caller, action).await?;
        check_version(if_match.as_ref(), &stored)?;
        let dependants = db::place_writes::dependants(conn, S::KIND, id).await?;
        if dependants.any() {
            return Err(still_used(S::KIND, dependants, "deleted"));
        }
        let changes = serde_json::json!([{"field": "deleted", "from": false, "to": true}]);
        db::place_writes::soft_delete(conn, S::KIND, id, &actor, &changes).await?;
        Ok(())
    })
    .await
}

async fn locked(
    conn: &mut AsyncPgConnection,
    kind: PlaceKind,
    id: i64,
) -> Result<StoredPlace, ApiError> {
    db::place_writes::lock(conn, kind, id)
        .await?
        .ok_or_else(|| not_found(kind, id))
}

fn check_version(if_match: Option<&HeaderValue>, stored: &StoredPlace) -> Result<(), ApiError> {
    let expected = required_version(if_match)?;
    if stored.version != expected {
        return Err(ApiError::PreconditionFailed {
            current_version: stored.version,
        });
    }
    Ok(())
}

fn still_used(kind: PlaceKind, d: Dependants, what: &str) -> ApiError {
    let mut parts = Vec::new();
    for (n, one, many) in [
        (d.municipalities, "municipality", "municipalities"),
        (d.estates, "estate", "estates"),
        (d.plots, "plot", "plots"),
    ] {
        match n {
            0 => {}
            1 => parts.push(format!("1 {one}")),
            n => parts.push(format!("{n} {many}")),
        }
    }
    ApiError::Conflict {
        detail: format!(
            "this {} cannot be {what} while {} (drafts included) still belong to it; move or delete them first",
            kind.as_str(),
            parts.join(" and ")
        ),
        errors: Vec::new(),
    }
}

/// JSON Merge Patch (RFC 7396) onto a stored write form.
pub fn patched<S: Schema>(stored: &Map<String, Value>, patch: &Value) -> Result<S, ApiError> {
    let mut document = Value::Object(stored.clone());
    crate::api::plots::merge_patch(&mut document, patch);
    data_from_document(document)
}

/// `201 Created` or `200 OK` with the place as readers see it, its `ETag` and (created) its
/// `Location`.
pub fn respond<T: Serialize>(
    req: &HttpRequest,
    state: &AppState,
    status: actix_web::http::StatusCode,
    kind_path: &str,
    id: i64,
    version: i32,
    body: T,
) -> HttpResponse {
    let mut response = HttpResponse::build(status).json(body);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{version}\"")) {
        headers.insert(header::ETAG, value);
    }
    if status == actix_web::http::StatusCode::CREATED {
        if let Ok(location) =
            HeaderValue::from_str(&format!("{}/{kind_path}/{id}", state.base_url(req)))
        {
            headers.insert(header::LOCATION, location);
        }
    }
    response
}

/// Brings a deleted place back (admins; an estate comes back as a draft). Refused (409) while
/// the place it belongs to is deleted itself: restore that first.
pub async fn restore(
    state: &AppState,
    caller: &Caller,
    kind: PlaceKind,
    id: i64,
    if_match: Option<HeaderValue>,
) -> Result<(), ApiError> {
    // Refused before the lookup: nobody else learns which deleted places exist.
    access::authorize_place(caller.principal(), PlaceAction::Restore)?;
    let actor = caller.actor(Via::Api);
    let mut conn = state.pool.get().await?;
    conn.transaction(async |conn| {
        let (version, parent) = db::place_writes::lock_deleted(conn, kind, id)
            .await?
            .ok_or_else(|| {
                ApiError::NotFound(format!("no deleted {} with id {id}", kind.as_str()))
            })?;
        let expected = required_version(if_match.as_ref())?;
        if version != expected {
            return Err(ApiError::PreconditionFailed {
                current_version: version,
            });
        }
        let parent_kind = match kind {
            PlaceKind::Region => None,
            PlaceKind::Municipality => Some(PlaceKind::Region),
            PlaceKind::Estate => Some(PlaceKind::Municipality),
        };
        if let (Some(parent_kind), Some(parent)) = (parent_kind, parent) {
            if db::place_writes::lock_shared(conn, parent_kind, parent)
                .await?
                .is_none()
            {
                return Err(ApiError::Conflict {
                    detail: format!(
                        "the {} this {} belongs to ({parent}) is deleted: restore it first",
                        parent_kind.as_str(),
                        kind.as_str()
                    ),
                    errors: Vec::new(),
                });
            }
        }
        let changes = serde_json::json!([{"field": "deleted", "from": true, "to": false}]);
        db::place_writes::restore(conn, kind, id, &actor, &changes).await?;
        Ok(())
    })
    .await
}
