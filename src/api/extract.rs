//! Request extractors that report failures through `ApiError`, naming the field or parameter.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{header, Method};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::ApiError;
use super::limits::Key;
use super::AppState;
use crate::config::protection::Class;
use crate::domain::access::{self, Denied, PlotAction, PlotSet, Principal, ReadScope, Role, Scope};
use crate::domain::credentials;
use crate::domain::history::{Actor, Via};
use crate::domain::search::PlotQuery;

type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// A JSON (or GeoJSON) request body, size-limited, parsed with the path of any failure.
pub struct JsonBody<T>(pub T);

/// `type/subtype` of a media type, lower case, without parameters.
pub fn media_essence(mime: &str) -> String {
    mime.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Media types accepted as JSON bodies.
pub fn is_json_media_type(mime: &str) -> bool {
    let essence = media_essence(mime);
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads the whole body, refusing it once it passes the configured limit (413).
pub async fn read_limited_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> Result<web::Bytes, ApiError> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.body_limit_bytes)
        .unwrap_or(1 << 20);
    read_body_capped(req, payload, limit).await
}

/// Reads the whole body, refusing it once it passes `limit` bytes (413).
pub async fn read_body_capped(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest {
            detail: format!("the request body could not be read: {e}"),
            errors: Vec::new(),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Parses JSON with the location of the first failure as a JSON pointer.
///
/// Numbers are JSON Schema's, where `76405.0` is an integer: such a number is read as the
/// integer it is (into integer members as into decimal ones), as clients that hold every
/// number as a float send them. The body is read into a `Value` for this; its size is
/// bounded before (`GWF_BODY_LIMIT_BYTES`) and its depth by `serde_json` (128).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: Value = serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest {
        detail: format!("the body is not valid JSON: {e}"),
        errors: Vec::new(),
    })?;
    // Every body this API takes is an object; serde would also fill a struct from an array
    // (`["a@b.c"]` as `{"email": "a@b.c"}`), which no schema allows.
    if !value.is_object() {
        return Err(ApiError::bad_params(vec![crate::domain::FieldError::new(
            "",
            "the body must be a JSON object",
        )]));
    }
    integral_numbers_as_integers(&mut value);
    serde_path_to_error::deserialize(value)
        .map_err(|e| ApiError::Validation(vec![crate::domain::field_error(e)]))
}

/// Turns every float without a fractional part that fits an `i64` into that integer.
fn integral_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // 2^63 is the first float past i64::MAX; every float below it with no fraction is exact.
            if f.fract() == 0.0 && f >= i64::MIN as f64 && f < 9_223_372_036_854_775_808.0 {
                *n = serde_json::Number::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        Value::Object(members) => members.values_mut().for_each(integral_numbers_as_integers),
        _ => {}
    }
}

pub fn require_json_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    match req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(mime) if is_json_media_type(mime) => Ok(()),
        Some(mime) => Err(ApiError::UnsupportedMediaType(format!(
            "the body must be application/json or application/geo+json, not `{mime}`"
        ))),
        None => Err(ApiError::UnsupportedMediaType(
            "the body needs a Content-Type of application/json or application/geo+json".into(),
        )),
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            require_json_content_type(&req)?;
            let bytes = read_limited_body(&req, &mut payload).await?;
            if bytes.is_empty() {
                return Err(ApiError::BadRequest {
                    detail: "the request needs a JSON body".into(),
                    errors: Vec::new(),
                });
            }
            parse_json(&bytes).map(JsonBody)
        })
    }
}

/// Query-string parameters; a failure names the parameter (400).
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = form_urlencoded_pairs(req.query_string());
        let deserializer = serde_urlencoded::Deserializer::new(pairs);
        let result = serde_path_to_error::deserialize(deserializer)
            .map(QueryParams)
            .map_err(|e| {
                let name = e.path().to_string();
                let detail = e.inner().to_string();
                if name.is_empty() || name == "." {
                    // serde names unknown or missing fields only in the message.
                    let name = detail.split('`').nth(1).unwrap_or("query").to_owned();
                    ApiError::bad_parameter(&name, detail)
                } else {
                    ApiError::bad_parameter(&name, detail)
                }
            });
        std::future::ready(result)
    }
}

fn form_urlencoded_pairs(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

/// Who is calling: anonymous, or the account behind a bearer token (a login session or an API
/// token). A header with a token that is unknown, expired, revoked or of a deactivated account
/// is 401, never silently anonymous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    User { principal: Principal, token_id: i64 },
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Unauthenticated => ApiError::Unauthorized(
                "this operation needs `Authorization: Bearer <token>` (POST /auth/login)".into(),
            ),
            Denied::Forbidden(why) => ApiError::Forbidden(why),
            Denied::ForeignMunicipality {
                municipality_id,
                doing,
            } => ApiError::Forbidden(doing.refusal(&format!("municipality {municipality_id}"))),
        }
    }
}

/// A refusal in words, a foreign municipality named as `Ludwigslust (AGS 13076088)`: the one
/// lookup happens only when a request is refused. Falls back to the id (`From<Denied>`) if the
/// name cannot be read.
pub async fn refusal(conn: &mut diesel_async::AsyncPgConnection, denied: Denied) -> ApiError {
    let Denied::ForeignMunicipality {
        municipality_id,
        doing,
    } = denied
    else {
        return denied.into();
    };
    match crate::db::places::municipality_label(conn, municipality_id).await {
        Ok(Some((name, ags))) => ApiError::Forbidden(doing.refusal(&format!("{name} (AGS {ags})"))),
        _ => denied.into(),
    }
}

impl Caller {
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Caller::Anonymous => None,
            Caller::User { principal, .. } => Some(principal),
        }
    }

    pub fn scope(&self) -> ReadScope {
        access::read_scope(self.principal())
    }

    /// Whether internal fields may appear anywhere in a response to this caller (an account
    /// whose token reads internal data).
    pub fn is_staff(&self) -> bool {
        self.scope().is_staff()
    }

    /// The plots this caller reads (deleted ones never).
    pub fn plot_set(&self) -> PlotSet {
        PlotSet::Readable(self.scope())
    }

    /// The plots a search runs over: the caller's, or (`deleted=true`, admins) the deleted ones.
    pub fn plot_set_for(&self, query: &PlotQuery) -> Result<PlotSet, ApiError> {
        if query.deleted {
            access::authorize_deleted_read(self.principal())?;
            return Ok(PlotSet::Deleted);
        }
        Ok(self.plot_set())
    }

    pub fn authorize(&self, action: PlotAction) -> Result<(), ApiError> {
        access::authorize(self.principal(), action).map_err(ApiError::from)
    }

    /// `authorize`, a refusal for a foreign municipality naming the town (`refusal`).
    pub async fn authorize_named(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        action: PlotAction,
    ) -> Result<(), ApiError> {
        match access::authorize(self.principal(), action) {
            Ok(()) => Ok(()),
            Err(denied) => Err(refusal(conn, denied).await),
        }
    }

    /// An account that may change plots (some plots: which ones, `authorize` decides).
    pub fn require_plot_writer(&self) -> Result<&Principal, ApiError> {
        access::authorize_plot_writes(self.principal())?;
        Ok(self.principal().expect("checked above"))
    }

    /// An admin whose token may manage accounts.
    pub fn require_user_admin(&self) -> Result<&Principal, ApiError> {
        access::authorize_user_admin(self.principal())?;
        Ok(self.principal().expect("checked above"))
    }

    /// Any account, whatever its token may do (401 otherwise).
    pub fn require_account(&self) -> Result<&Principal, ApiError> {
        access::authorize_own_account(self.principal())?;
        Ok(self.principal().expect("checked above"))
    }

    /// An account whose token reads internal data (history, staff exports).
    pub fn require_staff_read(&self) -> Result<&Principal, ApiError> {
        access::authorize_staff_read(self.principal())?;
        Ok(self.principal().expect("checked above"))
    }

    /// For the history.
    pub fn actor(&self, via: Via) -> Actor {
        match self.principal() {
            Some(p) => Actor {
                user_id: Some(p.user_id),
                name: p.display_name.clone(),
                via,
            },
            None => Actor {
                user_id: None,
                name: "anonymous".into(),
                via,
            },
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { caller_of(&req).await })
    }
}

async fn caller_of(req: &HttpRequest) -> Result<Caller, ApiError> {
    if let Some(known) = req.extensions().get::<Caller>() {
        return Ok(known.clone());
    }
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Caller::Anonymous);
    };
    let presented = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 200)
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
        })?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no AppState")))?;
    let mut conn = state.pool.get().await?;
    let owner = crate::db::users::owner_of_token(&mut conn, &credentials::token_hash(presented))
        .await?
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "the bearer token is not valid: unknown, expired or revoked".into(),
            )
        })?;
    let role = Role::parse(&owner.role)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unknown role {}", owner.role)))?;
    let caller = Caller::User {
        principal: Principal {
            user_id: owner.user_id,
            role,
            municipalities: owner.municipalities,
            display_name: owner.display_name,
            scopes: owner
                .scopes
                .iter()
                .filter_map(|s| Scope::parse(s))
                .collect(),
        },
        token_id: owner.token_id,
    };
    // Every change counts against the write limit of its account, once per request (later
    // extractors find the caller remembered below). A drawn-area search is a read.
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && req.path() != "/plots/search";
    if changes {
        state
            .limits
            .check(Class::Write, Key::Account(owner.user_id))?;
    }
    // Remembered for later extractors of the same request, and so logs can name the user id.
    req.extensions_mut().insert(caller.clone());
    Ok(caller)
}

/// Response formats of read endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    GeoJson,
}

pub const GEOJSON: &str = "application/geo+json";

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::GeoJson => GEOJSON,
        }
    }

    /// `?f=` wins over `Accept`; without either the answer is JSON.
    pub fn negotiate(req: &HttpRequest, f: Option<&str>) -> Result<Format, ApiError> {
        if let Some(f) = f {
            return match f {
                "json" => Ok(Format::Json),
                "geojson" => Ok(Format::GeoJson),
                other => Err(ApiError::bad_parameter(
                    "f",
                    format!("unknown format `{other}`; use `json` or `geojson`"),
                )),
            };
        }
        let Some(accept) = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
        else {
            return Ok(Format::Json);
        };
        let mut best: Option<(f32, Format)> = None;
        let mut any_listed = false;
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            if mime.is_empty() {
                continue;
            }
            any_listed = true;
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let format = match mime.as_str() {
                "application/geo+json" => Some(Format::GeoJson),
                "application/json" | "application/*" | "*/*" => Some(Format::Json),
                _ => None,
            };
            if let Some(format) = format {
                // An exact type beats a wildcard of the same weight.
                let q = if mime.contains('*') { q - 0.0001 } else { q };
                if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, format));
                }
            }
        }
        match best {
            Some((_, format)) => Ok(format),
            None if !any_listed => Ok(Format::Json),
            None => Err(ApiError::NotAcceptable(
                "this resource is available as application/json and application/geo+json".into(),
            )),
        }
    }
}

/// Runs CPU-heavy work (geometry validation, import checking, CSV parsing, password hashing) on
/// the blocking thread pool, so the async workers keep serving other requests, and waits at
/// most `limit` for it. On timeout the request gets 503; the work itself runs to its end in the
/// background, its cost bounded by the input limits (body size, geometry limits).
pub async fn off_worker<T: Send + 'static>(
    limit: std::time::Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::time::timeout(limit, tokio::task::spawn_blocking(work)).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(panicked)) => Err(ApiError::internal(panicked)),
        Err(_) => Err(ApiError::Overloaded(format!(
            "the request needed more than {} s of computing (GWF_CPU_TIMEOUT_SECS)",
            limit.as_secs()
        ))),
    }
}
