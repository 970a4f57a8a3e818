//! `/metrics` in the Prometheus text format (`metrics` with `metrics-exporter-prometheus`):
//! requests by route pattern, method and status with their latency; database pool use;
//! statement timeouts; rate-limit refusals; tile cache; imports; refused logins. Names and
//! labels only: no addresses, accounts, query strings or other personal data.
//!
//! Served on `GWF_METRICS_BIND` (an internal address, no token) and/or on the main address to
//! `Authorization: Bearer <GWF_METRICS_TOKEN>`; without either there is no `/metrics`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::error::ApiError;
use super::maps::tile_cache::TileCache;
use super::AppState;
use crate::db::DbPool;

/// The process's recorder, installed once (tests start many apps in one process).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            // Seconds; from a cached tile (~0.2 ms) to an import (minutes).
            .set_buckets_for_metric(
                Matcher::Suffix("_seconds".into()),
                &[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0, 30.0, 60.0, 300.0,
                ],
            )
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full("gwf_import_features".into()),
                    &[1.0, 10.0, 100.0, 1_000.0, 10_000.0, 100_000.0],
                )
            })
            .expect("bucket lists are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder can only be there if a test installed one; ours then stays unused.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Every pool of the process (one per worker), for the pool gauges.
#[derive(Default)]
pub struct Pools(Mutex<Vec<DbPool>>);

impl Pools {
    pub fn add(&self, pool: DbPool) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(pool);
    }

    fn status(&self) -> (usize, usize, usize) {
        let pools = self.0.lock().unwrap_or_else(|p| p.into_inner());
        pools.iter().fold((0, 0, 0), |(size, idle, waiting), pool| {
            let s = pool.status();
            (size + s.size, idle + s.available, waiting + s.waiting)
        })
    }
}

/// The route label of every tile (`TilePath` parses tiles by hand, below a catch-all).
const TILE_ROUTE: &str = "/tiles/plots/{z}/{x}/{y}.mvt";

/// The handles of one series: requests by status, and the latency of the route and method.
type Handles = (metrics::Counter, metrics::Histogram);
/// Route pattern, method, status.
type Series = (Cow<'static, str>, &'static str, u16);

thread_local! {
    /// Each worker's handles by (route, method, status). `counter!` with labels builds the key,
    /// hashes it and looks it up in the shared registry on every call: 14 % of a cached tile's
    /// instructions (callgrind, bench/RESULTS.md, issue 20). A handle fetched once is the same
    /// series; routes, methods and statuses are few, so the map stays small.
    static HANDLES: RefCell<HashMap<Series, Handles>> = RefCell::default();
}

/// Counts and times every request by the route it matched (the pattern, never the path).
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    // Only the methods the service knows: any other token a client sends would be a new label,
    // and a new series kept for ever.
    let method: &'static str = match *req.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    // Tiles, the hottest route, are known by their path: `match_pattern` walks the routes again.
    let route: Cow<'static, str> = if req.path().starts_with("/tiles/plots/") {
        TILE_ROUTE.into()
    } else {
        match req.match_pattern() {
            Some(pattern) if pattern.starts_with("/tiles") && pattern != "/tiles/plots.json" => {
                TILE_ROUTE.into()
            }
            Some(pattern) => pattern.into(),
            None => "unmatched".into(),
        }
    };
    let response = next.call(req).await?;
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    HANDLES.with(|handles| {
        let mut handles = handles.borrow_mut();
        let (requests, duration) =
            handles
                .entry((route, method, status))
                .or_insert_with_key(|(route, method, status)| {
                    let route = route.to_string();
                    (
                        counter!("gwf_http_requests_total", "route" => route.clone(), "method" => *method, "status" => status.to_string()),
                        histogram!("gwf_http_request_duration_seconds", "route" => route, "method" => *method),
                    )
                });
        requests.increment(1);
        duration.record(seconds);
    });
    Ok(response)
}

/// What the gauges are read from at each scrape.
pub struct Sources {
    pub pools: Arc<Pools>,
    pub tiles: Option<Arc<TileCache>>,
}

/// The text of `/metrics`, with the gauges read now.
pub fn render(sources: &Sources) -> String {
    let (size, idle, waiting) = sources.pools.status();
    gauge!("gwf_db_pool_connections").set(size as f64);
    gauge!("gwf_db_pool_in_use").set(size.saturating_sub(idle) as f64);
    gauge!("gwf_db_pool_waiting").set(waiting as f64);
    if let Some(tiles) = &sources.tiles {
        let stats = tiles.stats();
        counter!("gwf_tile_cache_hits_total").absolute(stats.hits);
        counter!("gwf_tile_cache_misses_total").absolute(stats.misses);
        counter!("gwf_tile_cache_evictions_total").absolute(stats.evictions);
        gauge!("gwf_tile_cache_bytes").set(stats.bytes as f64);
        gauge!("gwf_tile_cache_entries").set(stats.entries as f64);
        gauge!("gwf_tile_cache_listening").set(if tiles.is_listening() { 1.0 } else { 0.0 });
    }
    handle().render()
}

fn text(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// `/metrics` on the main address: only with `GWF_METRICS_TOKEN`, only to that bearer token.
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(token) = &state.settings.protection.metrics_token else {
        return Err(ApiError::NotFound(
            "no resource at `/metrics`: set GWF_METRICS_TOKEN or GWF_METRICS_BIND to serve it"
                .into(),
        ));
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // Constant-time: the token compared byte by byte whatever the first difference.
    let matches = presented.is_some_and(|p| {
        p.len() == token.expose().len()
            && p.bytes()
                .zip(token.expose().bytes())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    });
    if !matches {
        return Err(ApiError::Unauthorized(
            "`/metrics` needs `Authorization: Bearer` with GWF_METRICS_TOKEN".into(),
        ));
    }
    Ok(text(render(&state.metrics)))
}

/// `/metrics` on `GWF_METRICS_BIND`, which serves nothing else.
pub async fn metrics_internal(sources: web::Data<Sources>) -> HttpResponse {
    text(render(&sources))
}
