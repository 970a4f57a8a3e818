//! Database access: connection pool, migrations, and the queries of each table. Rows defined here
//! are never serialised to clients; `api/` has its own views.

pub mod alerts;
pub mod boundaries;
pub mod changes;
pub mod checks;
pub mod cql2;
pub mod imports;
pub mod inquiries;
pub mod inquiry_demand;
pub mod media;
pub mod monitoring;
pub mod ogc;
pub mod pages;
pub mod place_writes;
pub mod places;
pub mod plots;
pub mod reminders;
pub mod scope;
pub mod search;
pub mod shortlists;
pub mod sql;
pub mod tiles;
pub mod users;
pub mod webhooks;

use anyhow::Context;
use diesel::sql_types::Text;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Oldest PostGIS the queries are written for (ST_AsMVT, geography functions, ST_GeomFromGeoJSON).
pub const MIN_POSTGIS_MAJOR: u32 = 3;

pub fn pool(
    database_url: &str,
    max_size: usize,
    timeouts: crate::config::DbTimeouts,
) -> anyhow::Result<DbPool> {
    // Fast recycling: no test query on every checkout (a broken connection fails its first
    // real query instead, and the pool replaces it).
    let mut config = diesel_async::pooled_connection::ManagerConfig::default();
    config.recycling_method = diesel_async::pooled_connection::RecyclingMethod::Fast;
    let statement_ms = timeouts.statement.as_millis();
    config.custom_setup =
        Box::new(move |url| Box::pin(establish_for_serving(url.to_owned(), statement_ms)));
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(timeouts.pool_wait))
        .create_timeout(Some(
            timeouts.pool_wait.max(std::time::Duration::from_secs(2)),
        ))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("cannot build the database pool")
}

/// A connection for the request path. Searches run as prepared statements with parameters;
/// PostgreSQL would re-plan them on every execution ("custom plans"), and planning these
/// PostGIS joins costs more than running them (bench/RESULTS.md: about 1 ms against 0.2 ms).
/// Generic plans are planned once per connection and statement; every search condition is
/// served by an index whatever its values, so the generic plan is the right one.
///
/// Every statement is cut off after `statement_ms`, so a slow query cannot hold a connection
/// (and with it a share of the pool) for long; staff imports lengthen it for their transaction.
async fn establish_for_serving(
    url: String,
    statement_ms: u128,
) -> diesel::ConnectionResult<AsyncPgConnection> {
    use diesel_async::AsyncConnection;
    let mut conn = AsyncPgConnection::establish(&url).await?;
    diesel::sql_query(format!("SET statement_timeout = {statement_ms}"))
        .execute(&mut conn)
        .await
        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
    diesel::sql_query("SET plan_cache_mode = force_generic_plan")
        .execute(&mut conn)
        .await
        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
    // db::sql::quote writes full-text input as a literal; that quoting relies on this.
    diesel::sql_query("SET standard_conforming_strings = on")
        .execute(&mut conn)
        .await
        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

/// Runs pending migrations. The first one runs `CREATE EXTENSION postgis`, which needs a
/// superuser (or a role allowed to create extensions) unless a DBA created it beforehand.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let url = database_url.to_owned();
    // diesel_migrations is synchronous; the wrapper drives the async connection from a blocking
    // thread (running it on the async executor itself would block it).
    tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        let mut conn =
            <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url)
                .context("cannot connect to the database")?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        Ok(applied.iter().map(|m| m.to_string()).collect())
    })
    .await
    .context("migration task panicked")?
}

#[derive(diesel::QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = Text)]
    version: String,
}

/// The PostGIS library version, or an error that tells an operator what to do.
pub async fn check_postgis(conn: &mut AsyncPgConnection) -> anyhow::Result<String> {
    let row: VersionRow = diesel::sql_query("SELECT postgis_lib_version() AS version")
        .get_result(conn)
        .await
        .context(
            "PostGIS is not available in this database: install it (Debian: postgresql-15-postgis-3) \
             and run `gewerbeflaechen migrate` as a role that may CREATE EXTENSION",
        )?;
    let major: u32 = row
        .version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    anyhow::ensure!(
        major >= MIN_POSTGIS_MAJOR,
        "PostGIS {} is too old: version {MIN_POSTGIS_MAJOR} or newer is required",
        row.version
    );
    Ok(row.version)
}

/// Lengthens the statement timeout to `timeout` until the end of the current transaction (the
/// long statements of staff imports: batched coordinate transformation, many writes).
pub async fn with_staff_timeout(
    conn: &mut AsyncPgConnection,
    timeout: std::time::Duration,
) -> diesel::QueryResult<()> {
    diesel::sql_query(format!(
        "SET LOCAL statement_timeout = {}",
        timeout.as_millis()
    ))
    .execute(conn)
    .await
    .map(|_| ())
}

/// Cheap round trip for readiness probes.
pub async fn ping(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT 1")
        .execute(conn)
        .await
        .map(|_| ())
}

/// Names of migrations not yet applied.
pub async fn pending_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        let mut conn =
            <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url)
                .context("cannot connect to the database")?;
        let pending = conn
            .pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("cannot read the migration state: {e}"))?;
        Ok(pending.iter().map(|m| m.name().to_string()).collect())
    })
    .await
    .context("migration task panicked")?
}
