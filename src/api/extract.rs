//! Request extractors that report failures through `ApiError`, naming the field or parameter.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::AppState;
use crate::domain::FieldError;

/// A JSON (or GeoJSON) request body, size-limited, parsed with the path of any failure.
pub struct JsonBody<T>(pub T);

/// Media types accepted as JSON bodies.
fn is_json_media_type(mime: &str) -> bool {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
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
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = parsed.map_err(|e| {
        let inner = e.inner().to_string();
        let mut pointer = json_pointer(e.path());
        // serde reports a missing field at its parent; point at the field itself.
        if let Some(field) = inner
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
        {
            pointer = format!("{pointer}/{field}");
        }
        let detail = strip_position(&inner);
        if e.inner().is_syntax() || e.inner().is_eof() {
            ApiError::BadRequest {
                detail: format!("the body is not valid JSON: {inner}"),
                errors: Vec::new(),
            }
        } else {
            ApiError::Validation(vec![FieldError::new(pointer, detail)])
        }
    })?;
    deserializer.end().map_err(|e| ApiError::BadRequest {
        detail: format!("the body is not valid JSON: {e}"),
        errors: Vec::new(),
    })?;
    Ok(value)
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => pointer.push('?'),
        }
    }
    pointer
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

/// Who is calling. Until accounts exist, a single bearer token from the configuration
/// (`GWF_WRITE_TOKEN`) grants staff rights: writing, and reading drafts and internal fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    Staff,
}

impl Caller {
    pub fn require_staff(self) -> Result<(), ApiError> {
        match self {
            Caller::Staff => Ok(()),
            Caller::Anonymous => Err(ApiError::Unauthorized(
                "this operation needs `Authorization: Bearer <token>`".into(),
            )),
        }
    }

    pub fn visibility(self) -> crate::db::plots::Visibility {
        match self {
            Caller::Staff => crate::db::plots::Visibility::All,
            Caller::Anonymous => crate::db::plots::Visibility::PublishedOnly,
        }
    }
}

/// Compares in time independent of where the strings differ, so the token cannot be guessed
/// byte by byte from response times.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(caller_of(req))
    }
}

fn caller_of(req: &HttpRequest) -> Result<Caller, ApiError> {
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
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
        })?;
    let configured = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.settings.write_token.clone());
    match configured {
        Some(token) if constant_time_eq(presented.as_bytes(), token.expose().as_bytes()) => {
            // Marked on the request so logs can tell staff requests apart without the token.
            req.extensions_mut().insert(Caller::Staff);
            Ok(Caller::Staff)
        }
        _ => Err(ApiError::Unauthorized(
            "the bearer token is not valid".into(),
        )),
    }
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
