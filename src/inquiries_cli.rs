//! `gewerbeflaechen maintenance run` (retention) and `gewerbeflaechen inquiries export|erase`
//! (data-protection requests), docs/inquiries.md.

use anyhow::Context;
use clap::Subcommand;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use gewerbeflaechen::api::inquiries::privacy;
use gewerbeflaechen::config::Settings;
use gewerbeflaechen::db;

#[derive(Subcommand)]
pub enum MaintenanceCommand {
    /// Periodic clean-up, for a daily cron job or systemd timer: clears the personal data of
    /// inquiries without activity for GWF_INQUIRY_RETENTION_DAYS (default 730) and deletes
    /// shortlists not opened for GWF_SHORTLIST_RETENTION_DAYS (default 180). Running it again
    /// changes nothing new.
    Run,
}

#[derive(Subcommand)]
pub enum InquiriesCommand {
    /// Print everything stored about one person in inquiries (JSON): a request for access.
    Export {
        #[arg(long)]
        email: String,
    },
    /// Clear one person's contact, messages and notes from every inquiry at once: a request
    /// for erasure. The inquiries stay, anonymous, for the figures.
    Erase {
        #[arg(long)]
        email: String,
    },
}

async fn connect(settings: &Settings) -> anyhow::Result<AsyncPgConnection> {
    AsyncPgConnection::establish(settings.database_url.expose())
        .await
        .context("cannot connect to the database")
}

pub async fn maintenance(settings: &Settings, command: MaintenanceCommand) -> anyhow::Result<()> {
    let MaintenanceCommand::Run = command;
    let mut conn = connect(settings).await?;
    let days = settings.inquiry_retention_days;
    let anonymised = conn
        .transaction(async |conn| db::inquiries::anonymise_expired(conn, days).await)
        .await?;
    tracing::info!(
        anonymised,
        retention_days = days,
        "inquiries past retention anonymised"
    );
    println!("{anonymised} inquiries anonymised (no activity for {days} days)");
    let days = settings.shortlist_retention_days;
    let deleted = db::shortlists::delete_unused(&mut conn, days).await?;
    tracing::info!(deleted, retention_days = days, "unused shortlists deleted");
    println!("{deleted} shortlists deleted (not opened for {days} days)");
    Ok(())
}

pub async fn inquiries(settings: &Settings, command: InquiriesCommand) -> anyhow::Result<()> {
    let mut conn = connect(settings).await?;
    match command {
        InquiriesCommand::Export { email } => {
            let data = privacy::export(&mut conn, &email).await?;
            println!("{}", serde_json::to_string_pretty(&data)?);
        }
        InquiriesCommand::Erase { email } => {
            let n = conn
                .transaction(async |conn| db::inquiries::erase_email(conn, &email).await)
                .await?;
            println!("{n} inquiries anonymised");
        }
    }
    Ok(())
}
