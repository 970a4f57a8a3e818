//! Middleware that protects every route alike: the login rate limit, caching headers that keep
//! staff answers out of shared caches, and HSTS behind HTTPS.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;

use super::client;
use super::AppState;
use crate::config::protection::Class;

/// Logins count against the login limit of their client address before anything of them is
/// read: a flood of them costs no body parsing, no database round trip and no Argon2. (Changes
/// count per account, where the caller is known: `extract::Caller`.)
pub async fn login_limits(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if req.method() == Method::POST && req.path() == "/auth/login" {
        if let Some(state) = req.app_data::<web::Data<AppState>>() {
            let client = state.client(req.request());
            if let Err(refused) = state.limits.check(Class::Login, client) {
                return Ok(req.error_response(refused).map_into_right_body());
            }
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Answers that depend on who asks (drafts, internal fields, counts that include drafts) carry
/// `Vary: Authorization`, and answers to staff `Cache-Control: private`, so a shared cache never
/// hands a staff answer to the public; anonymous answers keep whatever caching they had. Behind
/// HTTPS (a trusted proxy says so, or `GWF_PUBLIC_URL` is https) browsers are told to stay there.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let staff = req.headers().contains_key(header::AUTHORIZATION);
    let https = req.app_data::<web::Data<AppState>>().is_some_and(|state| {
        state
            .settings
            .public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
            || client::is_https(req.request(), &state.settings.protection.trusted_proxies)
    });
    let read = matches!(*req.method(), Method::GET | Method::HEAD);
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if read {
        let varies = headers.get_all(header::VARY).any(|v| {
            v.to_str()
                .is_ok_and(|v| v.to_ascii_lowercase().contains("authorization"))
        });
        if !varies {
            // Into the first `Vary` line, not a line of its own: CORS, further out, extends
            // only the first line and would drop a second.
            let value = match headers.get(header::VARY).map(|v| v.as_bytes()) {
                Some(first) => HeaderValue::from_bytes(&[first, b", Authorization"].concat()).ok(),
                None => Some(HeaderValue::from_static("Authorization")),
            };
            if let Some(value) = value {
                headers.insert(header::VARY, value);
            }
        }
    }
    if staff {
        let kept = headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // `public` answers (tiles) are the same for everyone; `no-store` is stricter already.
        let value = match kept {
            None => Some("private".to_owned()),
            Some(v)
                if ["public", "private", "no-store"]
                    .iter()
                    .any(|k| v.contains(k)) =>
            {
                None
            }
            Some(v) => Some(format!("{v}, private")),
        };
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(header::CACHE_CONTROL, value);
        }
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    Ok(response)
}
