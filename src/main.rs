use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use gewerbeflaechen::config::Settings;
use gewerbeflaechen::startup::Application;
use gewerbeflaechen::{api, db, demo, telemetry};

mod inquiries_cli;
mod places_cli;
mod reminders_cli;

/// Shared commercial-land database (Gewerbeflächendatenbank) of a regional alliance of towns.
///
/// Configuration comes from the environment (see README): DATABASE_URL, GWF_BIND,
/// GWF_LOG_FORMAT, GWF_BODY_LIMIT_BYTES, GWF_PUBLIC_URL, ...
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
    /// Manage accounts: create the first admin and further users, reset passwords, issue API
    /// tokens for scripts. There is no default account or password.
    #[command(subcommand)]
    User(UserCommand),
    /// Regions, municipalities and estates from official and existing data (docs/boundaries.md).
    #[command(subcommand)]
    Places(places_cli::PlacesCommand),
    /// Freshness digests by e-mail, for a cron job or systemd timer (docs/monitoring.md).
    #[command(subcommand)]
    Reminders(reminders_cli::RemindersCommand),
    /// Periodic clean-up for a daily cron job or systemd timer (docs/inquiries.md).
    #[command(subcommand)]
    Maintenance(inquiries_cli::MaintenanceCommand),
    /// Saved searches with alerts: one round of the worker (docs/alerts.md).
    #[command(subcommand)]
    Alerts(inquiries_cli::AlertsCommand),
    /// Photos and documents (docs/media.md).
    #[command(subcommand)]
    Media(MediaCommand),
    /// Data-protection requests about one person's inquiries: export or erase by e-mail
    /// address (docs/inquiries.md).
    #[command(subcommand)]
    Inquiries(inquiries_cli::InquiriesCommand),
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

#[derive(Subcommand)]
enum MediaCommand {
    /// Compare the database's media rows with the stored files (GWF_MEDIA_DIR or
    /// GWF_MEDIA_S3_*): lists objects without rows and rows without objects. Exits 1 if any
    /// row lacks its files; objects without rows are reported only (an upload that failed
    /// after writing its files leaves them; deleting them is safe).
    Check,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. Without --password-stdin a random password is generated and printed
    /// once.
    Add {
        #[arg(long)]
        email: String,
        /// Name shown in the change history.
        #[arg(long)]
        name: String,
        /// admin (whole region), editor (its municipalities), viewer (read-only, internal).
        #[arg(long)]
        role: String,
        /// AGS of a municipality an editor maintains; repeat for several.
        #[arg(long = "municipality", value_name = "AGS")]
        municipalities: Vec<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Language of the mails this person gets: de or en.
        #[arg(long, default_value = "de", value_parser = ["de", "en"])]
        language: String,
    },
    /// List accounts.
    List,
    /// Set a new password (revokes the account's tokens and lifts a login lock).
    Passwd {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Deactivate an account and revoke its tokens.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Issue a long-lived API token for an account (printed once), e.g. for scripted imports.
    Token {
        #[arg(long)]
        email: String,
        /// What the token is for, shown in GET /auth/tokens.
        #[arg(long)]
        name: String,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        days: i64,
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
            Command::User(command) => user(&settings, command).await,
            Command::Places(command) => places_cli::places(&settings, command).await,
            Command::Reminders(command) => reminders_cli::reminders(&settings, command).await,
            Command::Maintenance(command) => inquiries_cli::maintenance(&settings, command).await,
            Command::Inquiries(command) => inquiries_cli::inquiries(&settings, command).await,
            Command::Alerts(command) => inquiries_cli::alerts(&settings, command).await,
            Command::Media(MediaCommand::Check) => media_check(&settings).await,
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
    let store = gewerbeflaechen::media_store::MediaStore::open(&settings.media)?;
    let pictures = gewerbeflaechen::demo_media::seed_media(&mut conn, &store).await?;
    let estate_pictures = gewerbeflaechen::demo_media::seed_estate_media(&mut conn, &store).await?;
    tracing::info!(pictures, estate_pictures, store = %store.description, "demo pictures drawn");
    Ok(())
}

// One arm per `user` subcommand, each a few lines: kept together, they read as the CLI's table.
async fn user(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    use diesel_async::AsyncConnection;
    use gewerbeflaechen::domain::access::Role;
    use gewerbeflaechen::domain::credentials;
    let mut conn = diesel_async::AsyncPgConnection::establish(settings.database_url.expose())
        .await
        .context("cannot connect to the database")?;
    let find = async |conn: &mut diesel_async::AsyncPgConnection, email: &str| {
        db::users::by_email(conn, email)
            .await?
            .with_context(|| format!("no account {email}"))
    };
    match command {
        UserCommand::Add {
            email,
            name,
            role,
            municipalities,
            password_stdin,
            language,
        } => {
            let role = Role::parse(&role)
                .with_context(|| format!("unknown role {role}: admin, editor or viewer"))?;
            if let Some(problem) = credentials::email_problem(&email) {
                anyhow::bail!("--email {problem}");
            }
            if let Some(problem) = credentials::name_problem(name.trim(), 200) {
                anyhow::bail!("--name {problem}");
            }
            if role == Role::Editor && municipalities.is_empty() {
                anyhow::bail!("an editor needs at least one --municipality AGS");
            }
            let (ids, unknown) =
                db::users::municipality_ids_by_ags(&mut conn, &municipalities).await?;
            if !unknown.is_empty() {
                anyhow::bail!("unknown municipality AGS: {}", unknown.join(", "));
            }
            let (password, generated, hash) = new_password(password_stdin)?;
            let new = db::users::NewUser {
                email: &email,
                display_name: &name,
                role: role.as_str(),
                password_hash: &hash,
                municipality_ids: &ids,
                language: &language,
            };
            let id = conn
                .transaction(async |conn| db::users::insert(conn, &new).await)
                .await
                .map_err(|e| anyhow::anyhow!("cannot create {email}: {e}"))?;
            println!("created account {id} ({email}, {})", role.as_str());
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UserCommand::List => {
            for u in db::users::list(&mut conn).await? {
                let ags: Vec<&str> = u.municipalities.iter().map(|m| m.1.as_str()).collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.user.id,
                    u.user.email,
                    u.user.role,
                    if u.user.active { "active" } else { "disabled" },
                    ags.join(",")
                );
            }
        }
        UserCommand::Passwd {
            email,
            password_stdin,
        } => {
            let user = find(&mut conn, &email).await?;
            let (password, generated, hash) = new_password(password_stdin)?;
            let change = db::users::UserUpdate {
                password_hash: Some(&hash),
                ..Default::default()
            };
            db::users::update(&mut conn, user.id, &change).await?;
            println!("password of {email} changed; its tokens are revoked");
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UserCommand::Disable { email } => {
            let user = find(&mut conn, &email).await?;
            let change = db::users::UserUpdate {
                active: Some(false),
                ..Default::default()
            };
            db::users::update(&mut conn, user.id, &change).await?;
            println!("{email} disabled; its tokens are revoked");
        }
        UserCommand::Token { email, name, days } => {
            let user = find(&mut conn, &email).await?;
            if !(1..=credentials::MAX_API_TOKEN_DAYS).contains(&days) {
                anyhow::bail!("--days must be 1 to {}", credentials::MAX_API_TOKEN_DAYS);
            }
            let (token, hash) = credentials::new_token()?;
            let expires = chrono::Utc::now() + chrono::Duration::days(days);
            db::users::insert_token(
                &mut conn,
                user.id,
                "api",
                Some(&name),
                &hash,
                expires,
                &["read", "write", "import", "admin"],
            )
            .await?;
            println!("{token}");
        }
    }
    Ok(())
}

/// The password read from stdin, or a random one (then `generated`), checked and hashed.
fn new_password(from_stdin: bool) -> anyhow::Result<(String, bool, String)> {
    use gewerbeflaechen::domain::credentials;
    let (password, generated) = if from_stdin {
        (read_password()?, false)
    } else {
        (credentials::random_password()?, true)
    };
    if let Some(problem) = credentials::password_problem(&password) {
        anyhow::bail!("the password {problem}");
    }
    let hash = credentials::hash_password(&password)?;
    Ok((password, generated, hash))
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn search_sql(query: &str, plot: Option<&str>, tile: Option<&str>, staff: bool) -> ExitCode {
    use gewerbeflaechen::domain::access::{PlotSet, ReadScope};
    use gewerbeflaechen::domain::plot::PlotKey;
    let set = PlotSet::Readable(if staff {
        ReadScope::Region
    } else {
        ReadScope::Public
    });
    let sql = match plot {
        Some(key) => match PlotKey::parse(key) {
            Some(key) => db::plots::one_sql(&key, &set),
            None => {
                eprintln!("`{key}` is neither a plot id nor a reference");
                return ExitCode::from(2);
            }
        },
        None => {
            let params: Result<api::plots::params::SearchParams, _> =
                serde_urlencoded::from_str(query);
            match params
                .map_err(|e| e.to_string())
                .and_then(|p| p.into_query(None).map_err(|errors| format!("{errors:?}")))
            {
                Ok(q) => {
                    match tile.map(|t| t.split('/').map(str::parse::<u32>).collect::<Vec<_>>()) {
                        None => {
                            let covers = db::search::Covers::shown_by(&q);
                            db::search::page_sql(&q, &set, q.limit, covers)
                        }
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

async fn media_check(settings: &Settings) -> anyhow::Result<()> {
    use anyhow::Context;
    use diesel_async::AsyncConnection;
    let store = gewerbeflaechen::media_store::MediaStore::open(&settings.media)?;
    let mut conn = diesel_async::AsyncPgConnection::establish(settings.database_url.expose())
        .await
        .context("cannot connect to the database")?;
    let report = gewerbeflaechen::media_store::check(&mut conn, &store).await?;
    println!(
        "{} content hashes in the database, store: {}",
        report.hashes_checked, store.description
    );
    for (hash, missing) in &report.rows_without_objects {
        println!("row without object: {hash} lacks {}", missing.join(", "));
    }
    for object in &report.objects_without_rows {
        println!("object without row: {object}");
    }
    println!(
        "{} rows without objects, {} objects without rows",
        report.rows_without_objects.len(),
        report.objects_without_rows.len()
    );
    if !report.rows_without_objects.is_empty() {
        anyhow::bail!("some media rows lack their files: restore them from the backup");
    }
    Ok(())
}
