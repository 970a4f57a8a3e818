//! Building and running the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{from_fn, Compress, DefaultHeaders, Next};
use actix_web::{web, App, HttpMessage, HttpServer};
use anyhow::Context;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::api::error::{generic_problem, problem_response, ApiError, PROBLEM_JSON};
use crate::api::limits::RateLimits;
use crate::api::{self, metrics, AppState};
use crate::config::Settings;
use crate::db;
use crate::telemetry::RequestSpan;

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects to the database, refuses to start without PostGIS or with pending migrations,
    /// and binds the listener (port 0 picks a free port, as tests do).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = db::pool(
            settings.database_url.expose(),
            settings.db_pool_size,
            settings.db_timeouts,
        )?;
        {
            let mut conn = pool
                .get()
                .await
                .context("cannot connect to the database named by DATABASE_URL")?;
            let version = db::check_postgis(&mut conn).await?;
            tracing::info!(postgis = %version, "database ready");
        }
        let pending = db::pending_migrations(settings.database_url.expose()).await?;
        anyhow::ensure!(
            pending.is_empty(),
            "the database schema is not up to date ({} pending migrations): run `gewerbeflaechen migrate`",
            pending.len()
        );
        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        drop(pool);
        let basemap = match &settings.basemap_pmtiles {
            Some(path) => Some(Arc::new(
                crate::basemap::Basemap::open(path)
                    .await
                    .map_err(|e| anyhow::anyhow!("GWF_BASEMAP_PMTILES: {e}"))?,
            )),
            None => None,
        };
        let server = run(listener, settings, basemap)?;
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until a signal: on SIGTERM open requests may finish (graceful shutdown, at most
    /// `GWF_SHUTDOWN_TIMEOUT_SECS`); SIGINT and SIGQUIT stop at once (actix-server's rules).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn run(
    listener: TcpListener,
    settings: Settings,
    basemap: Option<Arc<crate::basemap::Basemap>>,
) -> anyhow::Result<Server> {
    let workers = settings.workers;
    let shutdown_timeout = settings.shutdown_timeout_secs;
    let per_worker = settings.db_pool_size.div_ceil(workers).max(1);
    let settings = Arc::new(settings);
    let tiles = crate::api::maps::tile_cache::TileCache::new(settings.tile_cache_mb * 1024 * 1024)
        .map(Arc::new);
    if let Some(cache) = &tiles {
        crate::api::maps::tile_listener::spawn(
            settings.database_url.expose().to_owned(),
            cache.clone(),
            std::time::Duration::from_millis(settings.tile_listener_retry_ms),
        );
    }
    let limits = Arc::new(RateLimits::new(&settings.protection.rates));
    let hashing = Arc::new(tokio::sync::Semaphore::new(
        settings.protection.argon2_concurrency,
    ));
    let media = crate::media_store::MediaStore::open(&settings.media)?;
    // The base of links in mails and deliveries: never a request's `Host`, which the sender of
    // a request chooses (a forged one would put a stranger's link into a mail this service sends).
    let own_base = settings.public_url.clone().unwrap_or_else(|| {
        let address = listener.local_addr().map_or(settings.bind, |a| a);
        if settings.smtp_url.is_some() {
            tracing::warn!(
                %address,
                "GWF_PUBLIC_URL is not set: links in mails point at the listening address"
            );
        }
        format!("http://{address}")
    });
    let media_turns = Arc::new(tokio::sync::Semaphore::new(settings.media.concurrency));
    metrics::handle();
    let sources = Arc::new(metrics::Sources {
        pools: Arc::new(metrics::Pools::default()),
        tiles: tiles.clone(),
    });
    if let Some(address) = settings.protection.metrics_bind {
        serve_metrics(address, sources.clone())?;
    }
    spawn_housekeeping(&settings)?;
    crate::webhooks::spawn(
        db::pool(settings.database_url.expose(), 1, settings.db_timeouts)?,
        crate::webhooks::WorkerOptions {
            poll: std::time::Duration::from_millis(settings.webhook_poll_ms),
            retries_ms: settings.webhook_retries_ms.clone(),
            base_url: own_base.clone(),
        },
    )?;
    crate::alerts::spawn(
        db::pool(settings.database_url.expose(), 1, settings.db_timeouts)?,
        crate::alerts::WorkerOptions {
            alerts: settings.alerts,
            base_url: own_base.clone(),
            stale_after_days: settings.stale_after_days,
        },
        settings
            .smtp_url
            .as_ref()
            .zip(settings.mail_from.as_deref())
            .map(|(url, from)| (url.expose().to_owned(), from.to_owned())),
    );
    let server = HttpServer::new(move || {
        // One pool per worker thread: a connection's protocol task then runs on the worker
        // that uses it, instead of waking another thread for every query (measured: the
        // cross-thread wake-ups were the largest cost after PostgreSQL itself).
        let pool = db::pool(
            settings.database_url.expose(),
            per_worker,
            settings.db_timeouts,
        )
        .expect("the same pool configuration was built once at start-up");
        sources.pools.add(pool.clone());
        // Per worker, like the pool: lettre's connection pool runs on the runtime it is made on.
        let mailer = settings
            .smtp_url
            .as_ref()
            .zip(settings.mail_from.as_deref())
            .and_then(|(url, from)| crate::mail::Mailer::new(url.expose(), from).ok());
        let state = web::Data::new(AppState {
            pool,
            settings: settings.clone(),
            tiles: tiles.clone(),
            limits: limits.clone(),
            hashing: hashing.clone(),
            metrics: sources.clone(),
            basemap: basemap.clone(),
            mailer,
            media: media.clone(),
            media_turns: media_turns.clone(),
            mail_base: own_base.clone(),
        });
        App::new()
            .app_data(state)
            .wrap(from_fn(head_as_get))
            .wrap(from_fn(crate::api::maps::tiles::count_writes))
            .wrap(from_fn(problem_for_bare_errors))
            .wrap(from_fn(crate::api::protection::headers))
            .wrap(from_fn(crate::api::protection::login_limits))
            // Outside every source of problems, inside compression (it may replace the body).
            .wrap(from_fn(crate::api::i18n::localize_problems))
            .wrap(Compress::default())
            .wrap(DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")))
            .wrap(api::cors(&settings))
            .wrap(from_fn(metrics::track))
            .wrap(from_fn(request_id_header))
            .wrap(TracingLogger::<RequestSpan>::new())
            .configure(api::routes)
            .default_service(web::to(|req: actix_web::HttpRequest| async move {
                Err::<actix_web::HttpResponse, _>(ApiError::NotFound(format!(
                    "no resource at `{}`; see /docs/ for the API",
                    req.path()
                )))
            }))
    })
    .workers(workers)
    .shutdown_timeout(shutdown_timeout)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Work no request does: every 10 minutes, throttle rows of addresses not tried for a day are
/// dropped. Its own single connection, so it never waits for the request pools.
fn spawn_housekeeping(settings: &Settings) -> anyhow::Result<()> {
    let pool = db::pool(settings.database_url.expose(), 1, settings.db_timeouts)?;
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            let forgotten = match pool.get().await {
                Ok(mut conn) => db::users::forget_old_login_failures(&mut conn)
                    .await
                    .map_err(anyhow::Error::from),
                Err(e) => Err(anyhow::anyhow!(e.to_string())),
            };
            match forgotten {
                Ok(0) => {}
                Ok(rows) => tracing::info!(rows, "forgot old login failures"),
                Err(error) => tracing::warn!(%error, "housekeeping failed; trying again later"),
            }
        }
    });
    Ok(())
}

/// `/metrics` alone on an address of its own (`GWF_METRICS_BIND`), for a scraper on an internal
/// network: one worker, no token.
fn serve_metrics(
    address: std::net::SocketAddr,
    sources: Arc<metrics::Sources>,
) -> anyhow::Result<()> {
    let data = web::Data::from(sources);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(metrics::metrics_internal))
    })
    .workers(1)
    .disable_signals()
    .bind(address)
    .with_context(|| format!("cannot listen on GWF_METRICS_BIND={address}"))?
    .run();
    tokio::spawn(server);
    Ok(())
}

/// Echoes the request id so a user's report can be matched with the log.
async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let mut response = next.call(req).await?;
    // Written into a stack buffer: `to_string` went through the formatting machinery and two
    // allocations for every request.
    let mut text = uuid::Uuid::encode_buffer();
    if let Some(value) = id.and_then(|id| {
        HeaderValue::from_bytes(id.hyphenated().encode_lower(&mut text).as_bytes()).ok()
    }) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}

/// HEAD is GET without the body (RFC 9110 §9.3.2): link checkers, uptime monitors and `curl -I`
/// send it. It is routed as GET; actix-http writes the headers of the answer (its length
/// included) and no body, because the connection saw a HEAD. Innermost: logs and metrics still
/// show the HEAD.
async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}

/// Turns error responses that did not come from `ApiError` (router 405, actix internals) into
/// problem+json too, so clients meet one error format. Pages written for people (the HTML 404
/// of an unknown plot's profile for a browser) pass.
async fn problem_for_bare_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let response = next.call(req).await?;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem || is_page {
        return Ok(response.map_into_left_body());
    }
    let detail = match status.as_u16() {
        404 => "no resource at this path; see /docs/ for the API".to_owned(),
        405 => "this method is not allowed on this resource".to_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let (req, old) = response.into_parts();
    let mut new = problem_response(&generic_problem(status, &detail));
    // What the client needs to ask again: the methods of a 405, the length of a 416 (RFC 9110).
    for name in [header::ALLOW, header::CONTENT_RANGE] {
        if let Some(value) = old.headers().get(&name) {
            new.headers_mut().insert(name, value.clone());
        }
    }
    Ok(ServiceResponse::new(req, new).map_into_right_body())
}
