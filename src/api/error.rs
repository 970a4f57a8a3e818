//! The one error type of the HTTP boundary. Every failure leaves as `application/problem+json`
//! (RFC 9457); 5xx bodies say nothing about internals, and their cause goes to the log.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Problem Details (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:gewerbeflaechen:problem:validation",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "The plot has 1 invalid field.",
    "errors": [{"pointer": "/grz", "detail": "must be between 0 and 1 (site coverage ratio)"}]
}))]
pub struct Problem {
    /// URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Each failed rule, located by JSON pointer (body) or by parameter name (query string).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For 412: the version the plot has now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i32>,
    /// For a rejected import: the whole per-feature report (`ImportReport`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed request: unparsable body, bad query parameter.
    #[error("{detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// Well-formed but breaks the rules.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{detail}")]
    Conflict {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("this was changed by someone else since the version you sent (now version {current_version})")]
    PreconditionFailed { current_version: i32 },
    /// A change without `If-Match` (RFC 6585 428).
    #[error("{0}")]
    PreconditionRequired(String),
    /// An import with invalid features: nothing was written. Carries the report.
    #[error("{detail}")]
    ImportRejected {
        detail: String,
        errors: Vec<FieldError>,
        report: serde_json::Value,
    },
    /// Login throttled; retry after the given number of seconds.
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after_secs: i64,
    },
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// Content within the byte limit that is still more than a limit allows (features of an
    /// import).
    #[error("{0}")]
    TooMuchContent(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    NotAcceptable(String),
    #[error("the database is not reachable right now")]
    Unavailable(#[source] anyhow::Error),
    /// The server is busy: the request's share of CPU or database time ran out, or too many
    /// requests wait for the same scarce resource. Nothing was written; retry later.
    #[error("{0}")]
    Overloaded(String),
    /// The database aborted the transaction because of a concurrent one (deadlock,
    /// serialization failure). Nothing was written; the same request may simply be sent again.
    #[error("a concurrent change got in the way and nothing was written; send the request again")]
    Retry(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn bad_parameter(name: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        ApiError::BadRequest {
            detail: format!("query parameter `{name}`: {detail}"),
            errors: vec![FieldError::new(name, detail)],
        }
    }

    /// Query parameters (or members of a search body) that failed their checks, each named.
    pub fn bad_params(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("parameter `{}`: {}", one.pointer, one.detail),
            many => format!("{} parameters are invalid; see `errors`", many.len()),
        };
        ApiError::BadRequest { detail, errors }
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(cause.into())
    }

    fn kind(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "urn:gewerbeflaechen:problem:validation",
            ApiError::ImportRejected { .. } => "urn:gewerbeflaechen:problem:import-rejected",
            ApiError::PreconditionFailed { .. } => "urn:gewerbeflaechen:problem:version-mismatch",
            ApiError::Conflict { .. } => "urn:gewerbeflaechen:problem:conflict",
            _ => "about:blank",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            ApiError::Validation(errors) => match errors.as_slice() {
                [one] => format!("{}: {}", one.pointer, one.detail),
                many => format!("{} rules failed; see `errors`", many.len()),
            },
            ApiError::Internal(_) => {
                "The server failed to answer this request. It has been logged.".to_owned()
            }
            ApiError::Unavailable(_) => {
                "The service cannot reach its database right now. Retry shortly.".to_owned()
            }
            other => other.to_string(),
        };
        let errors = match self {
            ApiError::Validation(errors)
            | ApiError::BadRequest { errors, .. }
            | ApiError::ImportRejected { errors, .. }
            | ApiError::Conflict { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        Problem {
            type_: self.kind(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors,
            current_version: match self {
                ApiError::PreconditionFailed { current_version } => Some(*current_version),
                _ => None,
            },
            report: match self {
                ApiError::ImportRejected { report, .. } => Some(report.clone()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) | ApiError::ImportRejected { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge { .. } | ApiError::TooMuchContent(_) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::Unavailable(_) | ApiError::Retry(_) | ApiError::Overloaded(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
            ApiError::Unavailable(cause) => tracing::warn!(error = ?cause, "database unavailable"),
            ApiError::Retry(cause) => {
                tracing::warn!(error = ?cause, "transaction aborted by a concurrent one")
            }
            ApiError::Overloaded(why) => tracing::warn!(why, "request refused: overloaded"),
            _ => {}
        }
        let mut response = problem_response(&self.problem());
        let retry_after = match self {
            ApiError::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs.max(&1)),
            ApiError::Retry(_) | ApiError::Unavailable(_) | ApiError::Overloaded(_) => Some(1),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if matches!(self, ApiError::Unauthorized(_)) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"gewerbeflaechen\""),
            );
        }
        response
    }
}

/// The problem as JSON; it is also kept in the response's extensions, for `i18n` to answer in
/// the reader's language.
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .json(problem);
    response.extensions_mut().insert(problem.clone());
    response
}

/// A problem for a status produced outside our handlers (router, actix internals).
pub fn generic_problem(status: StatusCode, detail: &str) -> Problem {
    Problem {
        type_: "about:blank",
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.to_owned(),
        errors: Vec::new(),
        current_version: None,
        report: None,
    }
}

/// Maps constraint violations to the field a client can fix; anything else is internal.
impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        let DieselError::DatabaseError(kind, info) = &error else {
            return ApiError::internal(error);
        };
        let constraint = info.constraint_name().unwrap_or_default();
        match kind {
            DatabaseErrorKind::UniqueViolation if constraint.contains("reference") => {
                ApiError::Conflict {
                    detail: "another plot already has this reference".into(),
                    errors: vec![FieldError::new(
                        "/reference",
                        "is already used by another plot",
                    )],
                }
            }
            DatabaseErrorKind::UniqueViolation if constraint == "regions_slug_key" => {
                ApiError::Conflict {
                    detail: "another region already has this slug".into(),
                    errors: vec![FieldError::new(
                        "/slug",
                        "is already used by another region",
                    )],
                }
            }
            DatabaseErrorKind::UniqueViolation if constraint == "municipalities_ags_key" => {
                ApiError::Conflict {
                    detail: "a municipality with this AGS exists already (perhaps deleted)".into(),
                    errors: vec![FieldError::new(
                        "/ags",
                        "is already used by another municipality",
                    )],
                }
            }
            DatabaseErrorKind::UniqueViolation
                if constraint == "estates_municipality_id_name_key" =>
            {
                ApiError::Conflict {
                    detail:
                        "this municipality already has an estate of this name (perhaps deleted)"
                            .into(),
                    errors: vec![FieldError::new(
                        "/name",
                        "is already used by another estate of the municipality",
                    )],
                }
            }
            DatabaseErrorKind::ForeignKeyViolation
                if constraint == "municipalities_region_id_fkey" =>
            {
                ApiError::Validation(vec![FieldError::new("/region_id", "no such region")])
            }
            DatabaseErrorKind::ForeignKeyViolation
                if constraint == "estates_municipality_id_fkey" =>
            {
                ApiError::Validation(vec![FieldError::new(
                    "/municipality_id",
                    "no such municipality",
                )])
            }
            DatabaseErrorKind::ForeignKeyViolation if constraint.contains("estate") => {
                ApiError::Validation(vec![FieldError::new(
                    "/estate_id",
                    "no such estate in the plot's municipality",
                )])
            }
            DatabaseErrorKind::ForeignKeyViolation if constraint.contains("municipality") => {
                ApiError::Validation(vec![FieldError::new(
                    "/municipality_id",
                    "no such municipality",
                )])
            }
            // The domain rules mirror the CHECK constraints; reaching one means they drifted
            // apart, which is our bug, but the input is still what the client must change.
            DatabaseErrorKind::CheckViolation => {
                tracing::warn!(
                    constraint,
                    "check constraint caught input the domain rules let through"
                );
                ApiError::Validation(vec![FieldError::new(
                    "",
                    format!("violates the database rule `{constraint}`"),
                )])
            }
            DatabaseErrorKind::SerializationFailure => ApiError::Retry(error.into()),
            // The server went away under the request (restart, failover, network): nothing was
            // written that is not rolled back, and the pool replaces the connection.
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                ApiError::Unavailable(error.into())
            }
            // SQLSTATE 57P01–57P03 (admin_shutdown, crash_shutdown, cannot_connect_now).
            DatabaseErrorKind::Unknown
                if [
                    "terminating connection",
                    "the database system is",
                    "server closed the connection",
                ]
                .iter()
                .any(|m| info.message().starts_with(m)) =>
            {
                ApiError::Unavailable(error.into())
            }
            // SQLSTATE 57014, reported by diesel as `Unknown` (see deadlocks below).
            DatabaseErrorKind::Unknown
                if info
                    .message()
                    .starts_with("canceling statement due to statement timeout") =>
            {
                super::counters::statement_timeout();
                ApiError::Overloaded(
                    "a database query of this request ran out of time (GWF_STATEMENT_TIMEOUT_MS)"
                        .into(),
                )
            }
            // diesel reports SQLSTATE 40P01 only as `Unknown`; the message is PostgreSQL's own
            // (English unless the server's lc_messages says otherwise, then it stays a 500).
            DatabaseErrorKind::Unknown if info.message().starts_with("deadlock detected") => {
                ApiError::Retry(error.into())
            }
            _ => ApiError::internal(error),
        }
    }
}

impl From<deadpool::managed::PoolError<diesel_async::pooled_connection::PoolError>> for ApiError {
    fn from(
        error: deadpool::managed::PoolError<diesel_async::pooled_connection::PoolError>,
    ) -> Self {
        ApiError::Unavailable(anyhow::anyhow!(error.to_string()))
    }
}

/// Problem responses that many operations document alike, named once for their
/// `#[utoipa::path(responses(...))]` lists (utoipa `IntoResponses`): each is the `Problem` body
/// with one status and description.
pub mod responses {
    use super::Problem;

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 401,
        description = "No or invalid token",
        content_type = "application/problem+json"
    )]
    pub struct NeedsToken(#[allow(dead_code)] Problem);

    /// For operations open to everyone that read more with a token: a token that is sent must
    /// be good; the public sends none.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 401,
        description = "The token sent is unknown, expired or revoked (send no `Authorization` to read as the public)",
        content_type = "application/problem+json"
    )]
    pub struct BadToken(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 406,
        description = "Unsupported Accept",
        content_type = "application/problem+json"
    )]
    pub struct NotAcceptable(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 415,
        description = "Not JSON",
        content_type = "application/problem+json"
    )]
    pub struct NotJson(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 400,
        description = "Bad query parameter",
        content_type = "application/problem+json"
    )]
    pub struct BadQuery(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 428,
        description = "No If-Match",
        content_type = "application/problem+json"
    )]
    pub struct NoIfMatch(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 404,
        description = "No such plot",
        content_type = "application/problem+json"
    )]
    pub struct NoSuchPlot(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 412,
        description = "Changed since the given ETag",
        content_type = "application/problem+json"
    )]
    pub struct Stale(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 403,
        description = "Not one of your municipalities, or a viewer",
        content_type = "application/problem+json"
    )]
    pub struct ForeignPlot(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 403,
        description = "Not an admin",
        content_type = "application/problem+json"
    )]
    pub struct NotAdmin(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 413,
        description = "Body over the configured limit",
        content_type = "application/problem+json"
    )]
    pub struct TooLarge(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 400,
        description = "Malformed body",
        content_type = "application/problem+json"
    )]
    pub struct BadBody(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 400,
        description = "Malformed If-Match",
        content_type = "application/problem+json"
    )]
    pub struct BadIfMatch(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 409,
        description = "Reference already used",
        content_type = "application/problem+json"
    )]
    pub struct ReferenceTaken(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 429,
        description = "Too many requests of this kind from this address (changes: by this account), or to the service (`GWF_RATE_*`)",
        content_type = "application/problem+json",
        headers(("Retry-After" = i64, description = "Seconds to wait"))
    )]
    pub struct RateLimited(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 429,
        description = "Too many requests from this client, or too many wrong passwords for this account (`GWF_RATE_*`, login lock); retry after `Retry-After` seconds",
        content_type = "application/problem+json",
        headers(("Retry-After" = i64, description = "Seconds to wait"))
    )]
    pub struct PasswordThrottled(#[allow(dead_code)] Problem);

    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 503,
        description = "Busy: the database or the CPU time of this request ran out, or the database is unreachable; nothing was written",
        content_type = "application/problem+json",
        headers(("Retry-After" = i64, description = "Seconds to wait"))
    )]
    pub struct Busy(#[allow(dead_code)] Problem);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn aborted_transactions_ask_for_a_retry() {
        for error in [
            database_error(
                DatabaseErrorKind::Unknown,
                "deadlock detected: process 1 waits for ShareLock on transaction 2",
            ),
            database_error(
                DatabaseErrorKind::SerializationFailure,
                "could not serialize access due to concurrent update",
            ),
        ] {
            let response = ApiError::from(error).error_response();
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "1");
        }
        let other = ApiError::from(database_error(DatabaseErrorKind::Unknown, "disk full"));
        assert_eq!(other.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            other.problem().detail,
            "The server failed to answer this request. It has been logged.",
            "internals stay in the log"
        );
    }
}
