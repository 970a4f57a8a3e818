use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use gewerbeflaechen::config::Settings;
use gewerbeflaechen::startup::Application;
use gewerbeflaechen::{api, db, demo, telemetry};

/// Shared commercial-land database (Gewerbeflächendatenbank) of a regional alliance of towns.
///
/// Configuration comes from the environment (see README): DATABASE_URL, GWF_BIND,
/// GWF_LOG_FORMAT, GWF_BODY_LIMIT_BYTES, GWF_WRITE_TOKEN, GWF_PUBLIC_URL, ...
#[derive(Parser)]
#[command(name = "gewerbeflaechen", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API.
    Serve,
    /// Apply pending database migrations (creates the PostGIS extension: needs a role allowed to).
    Migrate,
    /// Load the made-up Städteverbund A14 demo data. Running it again changes nothing.
    SeedDemo,
    /// Print the OpenAPI document (the committed openapi/openapi.json must equal it).
    Openapi,
    /// Print the SQL a request runs, with its values inlined: for EXPLAIN ANALYZE, psql and
    /// pgbench. No database needed.
    SearchSql {
        /// Query string of `GET /plots`, e.g. 'status=available&bbox=11.4,53.2,11.7,53.4'.
        #[arg(default_value = "")]
        query: String,
        /// Print the SQL of `GET /plots/{KEY}` instead.
        #[arg(long, value_name = "KEY")]
        plot: Option<String>,
        /// Print the SQL of the vector tile `Z/X/Y` (with the query's filters) instead.
        #[arg(long, value_name = "Z/X/Y")]
        tile: Option<String>,
        /// As staff sees it (drafts included).
        #[arg(long)]
        staff: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Openapi => {
            print!("{}", api::docs::openapi_document());
            return ExitCode::SUCCESS;
        }
        Command::SearchSql {
            query,
            plot,
            tile,
            staff,
        } => return search_sql(query, plot.as_deref(), tile.as_deref(), *staff),
        _ => {}
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => serve(settings).await,
            Command::Migrate => migrate(&settings).await,
            Command::SeedDemo => seed_demo(&settings).await,
            Command::Openapi | Command::SearchSql { .. } => {
                unreachable!("handled before configuration")
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "stopped");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let bind = settings.bind;
    let application = Application::build(settings).await?;
    tracing::info!(%bind, port = application.port(), "listening; API docs at /docs/");
    application
        .run_until_stopped()
        .await
        .context("server failed")?;
    tracing::info!("shut down");
    Ok(())
}

async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let applied = db::run_migrations(settings.database_url.expose()).await?;
    if applied.is_empty() {
        tracing::info!("schema up to date");
    }
    for name in applied {
        tracing::info!(migration = %name, "applied");
    }
    Ok(())
}

async fn seed_demo(settings: &Settings) -> anyhow::Result<()> {
    use diesel_async::AsyncConnection;
    let mut conn = diesel_async::AsyncPgConnection::establish(settings.database_url.expose())
        .await
        .context("cannot connect to the database")?;
    db::check_postgis(&mut conn).await?;
    let report = demo::seed(&mut conn).await?;
    tracing::info!(
        created = report.plots_created,
        unchanged = report.plots_kept,
        "demo data of the Städteverbund A14 loaded (made-up plots, marked demo)"
    );
    Ok(())
}

fn search_sql(query: &str, plot: Option<&str>, tile: Option<&str>, staff: bool) -> ExitCode {
    use gewerbeflaechen::db::plots::Visibility;
    let visibility = if staff {
        Visibility::All
    } else {
        Visibility::PublishedOnly
    };
    let sql = match plot {
        Some(key) => match api::plots::plot_key(key) {
            Ok(key) => db::search::one_sql(&key, visibility),
            Err(_) => {
                eprintln!("`{key}` is neither a plot id nor a reference");
                return ExitCode::from(2);
            }
        },
        None => {
            let params: Result<gewerbeflaechen::domain::search::SearchParams, _> =
                serde_urlencoded::from_str(query);
            match params
                .map_err(|e| e.to_string())
                .and_then(|p| p.into_query(None).map_err(|errors| format!("{errors:?}")))
            {
                Ok(q) => {
                    match tile.map(|t| t.split('/').map(str::parse::<u32>).collect::<Vec<_>>()) {
                        None => db::search::page_sql(&q, visibility, q.limit),
                        Some(zxy) => match zxy.as_slice() {
                            [Ok(z), Ok(x), Ok(y)] => db::tiles::tile_sql(&q, *z, *x, *y),
                            _ => {
                                eprintln!("--tile takes Z/X/Y, e.g. 12/2179/1328");
                                return ExitCode::from(2);
                            }
                        },
                    }
                }
                Err(e) => {
                    eprintln!("invalid query: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    };
    println!("{};", sql.inline());
    ExitCode::SUCCESS
}
