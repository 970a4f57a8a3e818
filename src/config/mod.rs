//! Typed configuration from the environment, optionally preceded by a file of `KEY=VALUE`
//! lines named by `GWF_CONFIG_FILE` (read by `dotenvy`, the format of `.env` files; the
//! environment wins). Validated once at start-up;
//! secrets are wrapped so they never reach a log line.

pub mod media;
pub mod protection;

pub use protection::Protection;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;

/// A value that must not be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, for development.
    Pretty,
    /// One JSON object per line, for production log shipping.
    Json,
}

/// How long a request may wait for the database.
#[derive(Debug, Clone, Copy)]
pub struct DbTimeouts {
    /// Longest statement of an ordinary request (`statement_timeout` of every pooled
    /// connection): public reads, tiles, staff edits.
    pub statement: std::time::Duration,
    /// Longest statement of staff imports (`with_staff_timeout`).
    pub staff_statement: std::time::Duration,
    /// Longest wait for a free pooled connection.
    pub pool_wait: std::time::Duration,
}

/// How saved searches behave (`Settings::alerts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertSettings {
    /// Units: ms.
    pub poll_ms: u64,
    pub digest_hours: u32,
    pub confirm_hours: u32,
    pub unused_days: u32,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`: PostgreSQL with PostGIS.
    pub database_url: Secret,
    /// `GWF_BIND` (default `127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// `GWF_LOG_FORMAT`: `pretty` (default) or `json`. Levels via `RUST_LOG`.
    pub log_format: LogFormat,
    /// `GWF_BODY_LIMIT_BYTES` (default 1 MiB): larger JSON bodies get 413. A plot or search area
    /// at the geometry limits is under 0.5 MB; imports have their own limit.
    pub body_limit_bytes: usize,
    /// `GWF_DB_POOL_SIZE` (default 16).
    pub db_pool_size: usize,
    /// `GWF_WORKERS` (default: number of CPUs).
    pub workers: usize,
    /// `GWF_SESSION_TTL_HOURS` (default 12): lifetime of a login session's token.
    pub session_ttl_hours: u64,
    /// `GWF_IMPORT_MAX_BYTES` (default 128 MiB): largest import file; larger uploads get 413. A
    /// 100,000-plot GeoJSON is about 90 MB (bench/import.sh).
    /// Imports are read whole (to be atomic and report every problem), so this bounds memory.
    pub import_max_bytes: usize,
    /// `GWF_IMPORT_MAX_FEATURES` (default 100,000): most plots in one import; 100,000 take
    /// about 1.5 minutes and 650 MiB (bench/RESULTS.md).
    pub import_max_features: usize,
    /// `GWF_TILE_CACHE_MB` (default 64, 0 = off): memory for vector tiles kept between
    /// requests. A cached tile is served only while no plot, estate or municipality has changed
    /// since it was made (checked per request against the database). Units: MiB.
    pub tile_cache_mb: usize,
    /// `GWF_TILE_LISTENER_RETRY_MS` (default 250): the first wait before the tile cache's
    /// notification listener reconnects after losing its connection; it doubles up to 30 s.
    /// Until it is back, tiles ask the database for its version on every request. Units: ms.
    pub tile_listener_retry_ms: u64,
    /// `GWF_WEBHOOK_POLL_MS` (default 1000): how often the webhook worker looks for changes to
    /// deliver; a change reaches a receiver within about this long. Units: ms.
    pub webhook_poll_ms: u64,
    /// `GWF_WEBHOOK_RETRIES_MS` (default `5000,300000,1800000,7200000,18000000,36000000,36000000`,
    /// 27 h 35 min in all): the waits before each retry of a failed delivery, comma-separated; after the
    /// last the webhook is dead until an admin resumes it. Units: ms.
    pub webhook_retries_ms: Vec<u64>,
    /// Saved searches (docs/alerts.md): `GWF_ALERT_POLL_MS` (default 2000) how often the alert
    /// worker follows the change feed (a feed entry appears within about this long);
    /// `GWF_ALERT_DIGEST_HOURS` (24) the least time between two digests to one subscriber;
    /// `GWF_ALERT_CONFIRM_HOURS` (72) how long an address may stay unconfirmed before the
    /// subscription is deleted; `GWF_ALERT_UNUSED_DAYS` (365) how long a feed-only subscription
    /// lives without its feed being read.
    pub alerts: AlertSettings,
    /// `GWF_GEOMETRY_MAX_RING_POSITIONS` (2,000), `GWF_GEOMETRY_MAX_RINGS` (50 per polygon),
    /// `GWF_GEOMETRY_MAX_PARTS` (50 polygons), `GWF_GEOMETRY_MAX_POSITIONS` (10,000 in all):
    /// the largest geometry a request may send (plots, imports, drawn search areas); checked
    /// before validation, whose cost grows with the square of a ring's positions.
    pub geometry_limits: crate::domain::geometry::GeometryLimits,
    /// `GWF_STATEMENT_TIMEOUT_MS` (default 5,000), `GWF_STAFF_STATEMENT_TIMEOUT_SECS` (300, for
    /// imports) and `GWF_DB_POOL_WAIT_MS` (2,000): how long a request may wait for the database
    /// before it gets 503 with `Retry-After`.
    pub db_timeouts: DbTimeouts,
    /// `GWF_CPU_TIMEOUT_SECS` (default 10): longest wait for CPU-heavy work of one request
    /// (geometry validation, import checking, password hashing), which runs off the async
    /// workers; beyond it the request gets 503.
    pub cpu_timeout: std::time::Duration,
    /// `GWF_PUBLIC_URL`: base of links in responses (e.g. `https://flaechen.example.org`),
    /// needed behind a reverse proxy; by default links use the request's host.
    pub public_url: Option<String>,
    /// `GWF_SHUTDOWN_TIMEOUT_SECS` (default 20): grace period for open requests on shutdown.
    pub shutdown_timeout_secs: u64,
    /// `GWF_FRAME_ANCESTORS`: origins allowed to embed `/embed` and profile pages in an iframe
    /// (CSP `frame-ancestors`), space- or comma-separated, or `*`. Default: this origin only.
    pub frame_ancestors: Vec<String>,
    /// `GWF_CORS_ORIGINS`: origins whose browsers may call the API (CORS), or `*`. Default: none.
    pub cors_origins: Vec<String>,
    /// `GWF_BASEMAP_STYLE`: URL of an online MapLibre style for the embedded map. Default:
    /// none, the map needs no other host.
    pub basemap_style: Option<String>,
    /// `GWF_BASEMAP_ORIGINS`: further origins the basemap style loads tiles, glyphs and
    /// sprites from (allowed by the pages' Content-Security-Policy).
    pub basemap_origins: Vec<String>,
    /// `GWF_BASEMAP_PMTILES`: a regional vector basemap (a PMTiles v3 archive with
    /// OpenMapTiles-schema tiles, docs/basemap.md) that the service serves itself at
    /// `/basemap.pmtiles`; the pages then draw it with the bundled style and ask no other host,
    /// and preview images of plots are drawn on it.
    pub basemap_pmtiles: Option<std::path::PathBuf>,
    /// `GWF_WEB_DIR`: serve `/embed` and `/assets/*` from this folder instead of the copies
    /// compiled into the binary (for front-end development).
    pub web_dir: Option<std::path::PathBuf>,
    /// Trusted proxies, rate limits, password checks at once, `/metrics` (`protection`).
    pub protection: Protection,
    /// `GWF_PREVIEW_SECRET` (at least 32 characters): signs preview links of draft profiles
    /// (`POST /plots/{key}/preview-link`). Without it a random secret is made at start-up, and
    /// preview links stop working when the service restarts (or on another instance).
    pub preview_secret: Secret,
    /// `GWF_MONITORING_PUBLIC` (`true`/`false`, default `false`): whether `GET /monitoring`
    /// answers everyone (the aggregate figures, for the region's marketing website) rather than
    /// staff only.
    pub monitoring_public: bool,
    /// `GWF_STALE_AFTER_DAYS` (default 365, 1–3650): a plot whose data was confirmed longer ago
    /// is stale. Units: days.
    pub stale_after_days: u32,
    /// `GWF_SMTP_URL`: the SMTP server for mails (reminder digests), e.g.
    /// `smtps://user:pass@mail.example.org`, `smtp://user:pass@mail.example.org:587?tls=required`
    /// or `smtp://127.0.0.1:2525` (a relay on this machine). Unset: no mails. A password is
    /// accepted only over TLS or to this machine.
    pub smtp_url: Option<Secret>,
    /// `GWF_MAIL_FROM`: the sender of mails, e.g. `Gewerbeflächen A14 <noreply@a14.example>`;
    /// needed with `GWF_SMTP_URL`.
    pub mail_from: Option<String>,
    /// `GWF_INQUIRY_RETENTION_DAYS` (default 730, 30–3650): an inquiry without activity for
    /// this long loses its personal data at the next `gewerbeflaechen maintenance run`.
    /// Units: days.
    pub inquiry_retention_days: u32,
    /// `GWF_SHORTLIST_RETENTION_DAYS` (default 180, 1–3650): a shortlist not opened for this
    /// long is deleted at the next `gewerbeflaechen maintenance run`. Units: days.
    pub shortlist_retention_days: u32,
    /// `GWF_MEDIA_*`: photos and documents (`media.rs`).
    pub media: media::MediaSettings,
}

/// Everything wrong with the configuration, reported together.
#[derive(Debug)]
pub struct ConfigError(pub Vec<String>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration:")?;
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Settings {
    /// Reads the process environment (and `GWF_CONFIG_FILE` if set).
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut vars: HashMap<String, String> = HashMap::new();
        if let Ok(path) = std::env::var("GWF_CONFIG_FILE") {
            let file = dotenvy::from_path_iter(&path)
                .and_then(|lines| lines.collect::<Result<Vec<_>, _>>())
                .map_err(|e| ConfigError(vec![format!("GWF_CONFIG_FILE={path}: {e}")]))?;
            vars.extend(file);
        }
        vars.extend(std::env::vars());
        Self::from_map(&vars)
    }

    // One check per variable, in the order of `Settings`: a long function, but a flat list that
    // collects every problem before reporting them together.
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let get = |key: &str| vars.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());

        let database_url = match get("DATABASE_URL") {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Secret::new(url)
            }
            Some(_) => {
                problems.push("DATABASE_URL must be a postgres:// URL".to_owned());
                Secret::new("")
            }
            None => {
                problems.push(
                    "DATABASE_URL is not set (e.g. postgres://user@127.0.0.1:5432/gewerbeflaechen)"
                        .to_owned(),
                );
                Secret::new("")
            }
        };
        let bind_text = get("GWF_BIND").unwrap_or("127.0.0.1:8080");
        let bind = bind_text.parse().unwrap_or_else(|_| {
            problems.push(format!(
                "GWF_BIND={bind_text} is not an address like 127.0.0.1:8080"
            ));
            SocketAddr::from(([127, 0, 0, 1], 8080))
        });
        let log_format = match get("GWF_LOG_FORMAT").unwrap_or("pretty") {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                problems.push(format!("GWF_LOG_FORMAT={other}: use `pretty` or `json`"));
                LogFormat::Pretty
            }
        };
        let mut number = |key: &str, default: u64, min: u64, max: u64| -> u64 {
            match get(key) {
                None => default,
                Some(text) => match text.parse::<u64>() {
                    Ok(n) if (min..=max).contains(&n) => n,
                    _ => {
                        problems.push(format!(
                            "{key}={text}: must be a whole number from {min} to {max}"
                        ));
                        default
                    }
                },
            }
        };
        let body_limit_bytes = number("GWF_BODY_LIMIT_BYTES", 1024 * 1024, 1024, 1 << 30) as usize;
        let db_pool_size = number("GWF_DB_POOL_SIZE", 16, 1, 1000) as usize;
        let default_workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2) as u64;
        let workers = number("GWF_WORKERS", default_workers, 1, 256) as usize;
        let shutdown_timeout_secs = number("GWF_SHUTDOWN_TIMEOUT_SECS", 20, 0, 3600);

        let session_ttl_hours = number("GWF_SESSION_TTL_HOURS", 12, 1, 24 * 30);
        let import_max_bytes =
            number("GWF_IMPORT_MAX_BYTES", 128 * 1024 * 1024, 1024, 1 << 31) as usize;
        let import_max_features = number("GWF_IMPORT_MAX_FEATURES", 100_000, 1, 1_000_000) as usize;
        let tile_cache_mb = number("GWF_TILE_CACHE_MB", 64, 0, 65_536) as usize;
        let tile_listener_retry_ms = number("GWF_TILE_LISTENER_RETRY_MS", 250, 10, 30_000);
        let webhook_poll_ms = number("GWF_WEBHOOK_POLL_MS", 1000, 10, 60_000);
        let webhook_retries_ms: Option<Vec<u64>> = match get("GWF_WEBHOOK_RETRIES_MS") {
            None => Some(crate::domain::webhooks::DEFAULT_RETRIES_MS.to_vec()),
            Some(text) => text
                .split(',')
                .map(|w| {
                    w.trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|w| *w <= 7 * 86_400_000)
                })
                .collect::<Option<Vec<u64>>>()
                .filter(|waits| waits.len() <= 20),
        };
        let alerts = AlertSettings {
            poll_ms: number("GWF_ALERT_POLL_MS", 2000, 10, 600_000),
            digest_hours: number("GWF_ALERT_DIGEST_HOURS", 24, 1, 24 * 31) as u32,
            confirm_hours: number("GWF_ALERT_CONFIRM_HOURS", 72, 1, 24 * 31) as u32,
            unused_days: number("GWF_ALERT_UNUSED_DAYS", 365, 1, 3650) as u32,
        };
        let stale_after_days = number("GWF_STALE_AFTER_DAYS", 365, 1, 3650) as u32;
        let inquiry_retention_days = number("GWF_INQUIRY_RETENTION_DAYS", 730, 30, 3650) as u32;
        let shortlist_retention_days = number("GWF_SHORTLIST_RETENTION_DAYS", 180, 1, 3650) as u32;
        let defaults = crate::domain::geometry::GeometryLimits::default();
        let geometry_limits = crate::domain::geometry::GeometryLimits {
            ring_positions: number(
                "GWF_GEOMETRY_MAX_RING_POSITIONS",
                defaults.ring_positions as u64,
                4,
                1_000_000,
            ) as usize,
            rings: number("GWF_GEOMETRY_MAX_RINGS", defaults.rings as u64, 1, 100_000) as usize,
            parts: number("GWF_GEOMETRY_MAX_PARTS", defaults.parts as u64, 1, 100_000) as usize,
            positions: number(
                "GWF_GEOMETRY_MAX_POSITIONS",
                defaults.positions as u64,
                4,
                10_000_000,
            ) as usize,
        };
        let cpu_timeout =
            std::time::Duration::from_secs(number("GWF_CPU_TIMEOUT_SECS", 10, 1, 3600));
        let db_timeouts = DbTimeouts {
            statement: std::time::Duration::from_millis(number(
                "GWF_STATEMENT_TIMEOUT_MS",
                5_000,
                100,
                3_600_000,
            )),
            staff_statement: std::time::Duration::from_secs(number(
                "GWF_STAFF_STATEMENT_TIMEOUT_SECS",
                300,
                1,
                86_400,
            )),
            pool_wait: std::time::Duration::from_millis(number(
                "GWF_DB_POOL_WAIT_MS",
                2_000,
                10,
                600_000,
            )),
        };
        let mut more_problems = Vec::new();
        let protection = protection::parse(
            &|key| get(key).map(str::to_owned),
            &mut number,
            &mut more_problems,
        );
        let media = media::parse(
            &|key| get(key).map(str::to_owned),
            &mut number,
            &mut more_problems,
        );
        problems.extend(more_problems);
        if get("GWF_WRITE_TOKEN").is_some() {
            problems.push(
                "GWF_WRITE_TOKEN is gone: writes need a user account now \
                 (`gewerbeflaechen user add`, then log in or `gewerbeflaechen user token`)"
                    .to_owned(),
            );
        }
        let public_url = match get("GWF_PUBLIC_URL") {
            None => None,
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Some(url.trim_end_matches('/').to_owned())
            }
            Some(url) => {
                problems.push(format!(
                    "GWF_PUBLIC_URL={url}: must start with http:// or https://"
                ));
                None
            }
        };

        let origins = |key: &str, problems: &mut Vec<String>| -> Vec<String> {
            let list: Vec<String> = get(key)
                .unwrap_or("")
                .split([',', ' '])
                .filter(|o| !o.is_empty())
                .map(|o| o.trim_end_matches('/').to_owned())
                .collect();
            for origin in &list {
                let ok = origin == "*"
                    || origin.split_once("://").is_some_and(|(scheme, host)| {
                        matches!(scheme, "http" | "https")
                            && !host.is_empty()
                            && !host.contains(['/', '"', ';', '\'', ' '])
                    });
                if !ok {
                    problems.push(format!(
                        "{key}: `{origin}` is not an origin like https://www.example.org (or *)"
                    ));
                }
            }
            list
        };
        let frame_ancestors = origins("GWF_FRAME_ANCESTORS", &mut problems);
        let cors_origins = origins("GWF_CORS_ORIGINS", &mut problems);
        let basemap_origins = origins("GWF_BASEMAP_ORIGINS", &mut problems);
        let basemap_style = match get("GWF_BASEMAP_STYLE") {
            None => None,
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                Some(url.to_owned())
            }
            Some(url) => {
                problems.push(format!("GWF_BASEMAP_STYLE={url}: must be an http(s) URL"));
                None
            }
        };
        let webhook_retries_ms = webhook_retries_ms.unwrap_or_else(|| {
            problems.push(
                "GWF_WEBHOOK_RETRIES_MS: up to 20 waits in ms (each at most 7 days), comma-separated"
                    .to_owned(),
            );
            Vec::new()
        });
        let basemap_pmtiles = get("GWF_BASEMAP_PMTILES").map(std::path::PathBuf::from);
        if let Some(problem) = basemap_pmtiles.as_deref().and_then(pmtiles_problem) {
            problems.push(format!("GWF_BASEMAP_PMTILES: {problem}"));
        }
        let web_dir = get("GWF_WEB_DIR").map(std::path::PathBuf::from);
        if web_dir.as_ref().is_some_and(|d| !d.is_dir()) {
            problems.push("GWF_WEB_DIR is not a directory".to_owned());
        }

        let preview_secret = match get("GWF_PREVIEW_SECRET") {
            Some(secret) if secret.chars().count() >= 32 => Secret::new(secret),
            Some(_) => {
                problems.push("GWF_PREVIEW_SECRET must be at least 32 characters".to_owned());
                Secret::new("")
            }
            None => {
                let mut bytes = [0u8; 32];
                if let Err(e) = getrandom::fill(&mut bytes) {
                    problems.push(format!(
                        "no system randomness for the preview secret ({e}); set GWF_PREVIEW_SECRET"
                    ));
                }
                Secret::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
            }
        };

        let monitoring_public = match get("GWF_MONITORING_PUBLIC") {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                problems.push(format!(
                    "GWF_MONITORING_PUBLIC={other}: must be true or false"
                ));
                false
            }
        };
        let smtp_url = get("GWF_SMTP_URL").map(Secret::new);
        let mail_from = get("GWF_MAIL_FROM").map(str::to_owned);
        if let Some(problem) = smtp_url
            .as_ref()
            .and_then(|u| crate::mail::smtp_url_problem(u.expose()))
        {
            problems.push(problem);
        }
        if smtp_url.is_some() && mail_from.is_none() {
            problems.push("GWF_SMTP_URL needs GWF_MAIL_FROM, the sender's address".to_owned());
        }
        if !problems.is_empty() {
            return Err(ConfigError(problems));
        }
        Ok(Settings {
            database_url,
            bind,
            log_format,
            body_limit_bytes,
            db_pool_size,
            workers,
            session_ttl_hours,
            import_max_bytes,
            import_max_features,
            tile_cache_mb,
            tile_listener_retry_ms,
            webhook_poll_ms,
            webhook_retries_ms,
            alerts,
            geometry_limits,
            db_timeouts,
            cpu_timeout,
            public_url,
            shutdown_timeout_secs,
            frame_ancestors,
            cors_origins,
            basemap_style,
            basemap_origins,
            basemap_pmtiles,
            web_dir,
            protection,
            preview_secret,
            monitoring_public,
            stale_after_days,
            smtp_url,
            mail_from,
            inquiry_retention_days,
            shortlist_retention_days,
            media,
        })
    }
}

/// Why a file is not a PMTiles v3 archive, if it is not: checked at start-up so a wrong path
/// is a configuration error, not a blank map at the trade fair.
fn pmtiles_problem(path: &std::path::Path) -> Option<String> {
    use std::io::Read;
    let mut magic = [0u8; 8];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic));
    match read {
        Err(e) => Some(format!("cannot read {}: {e}", path.display())),
        // The archive's header starts with `PMTiles` and the spec version byte.
        Ok(()) if &magic[..7] != b"PMTiles" => Some(format!(
            "{} is not a PMTiles archive (make one with `pmtiles convert`, docs/basemap.md)",
            path.display()
        )),
        Ok(()) if magic[7] != 3 => Some(format!(
            "{} is PMTiles version {}; the map reads version 3 (`pmtiles convert` it again)",
            path.display(),
            magic[7]
        )),
        Ok(()) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_apply_and_secrets_stay_hidden() {
        let s =
            Settings::from_map(&map(&[("DATABASE_URL", "postgres://u:pw@localhost/db")])).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        let shown = format!("{s:?}");
        assert!(!shown.contains("pw@"), "{shown}");
    }

    #[test]
    fn every_problem_is_reported() {
        let err = Settings::from_map(&map(&[
            ("GWF_BIND", "nowhere"),
            ("GWF_LOG_FORMAT", "xml"),
            ("GWF_SESSION_TTL_HOURS", "0"),
        ]))
        .unwrap_err();
        assert_eq!(err.0.len(), 4, "{err}");
    }

    #[test]
    fn the_basemap_must_be_a_pmtiles_v3_archive() {
        let dir = std::env::temp_dir().join(format!("gwf-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.pmtiles");
        std::fs::write(&good, b"PMTiles\x03rest of the header").unwrap();
        let old = dir.join("old.pmtiles");
        std::fs::write(&old, b"PMTiles\x02").unwrap();
        let other = dir.join("region.mbtiles");
        std::fs::write(&other, b"SQLite format 3\0").unwrap();
        let with = |path: &std::path::Path| {
            Settings::from_map(&map(&[
                ("DATABASE_URL", "postgres://localhost/db"),
                ("GWF_BASEMAP_PMTILES", path.to_str().unwrap()),
            ]))
        };
        assert_eq!(
            with(&good).unwrap().basemap_pmtiles.as_deref(),
            Some(&*good)
        );
        for (path, says) in [
            (&old, "version 2"),
            (&other, "not a PMTiles"),
            (&dir.join("missing.pmtiles"), "cannot read"),
        ] {
            let err = with(path).unwrap_err().to_string();
            assert!(err.contains(says), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
