//! `gewerbeflaechen maintenance run` (retention), `gewerbeflaechen inquiries export|erase`
//! (data-protection requests), docs/inquiries.md, and `gewerbeflaechen alerts run`
//! (docs/alerts.md).

use anyhow::Context;
use clap::Subcommand;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use gewerbeflaechen::api::inquiries::privacy;
use gewerbeflaechen::config::Settings;
use gewerbeflaechen::db;

#[derive(Subcommand)]
pub enum MaintenanceCommand {
    /// Periodic clean-up, for a daily cron job or systemd timer: clears the personal data of
    /// inquiries without activity for GWF_INQUIRY_RETENTION_DAYS (default 730), deletes saved
    /// searches never confirmed within GWF_ALERT_CONFIRM_HOURS (72) and feed-only ones unread
    /// for GWF_ALERT_UNUSED_DAYS (365) (docs/alerts.md), and deletes shortlists not opened for
    /// GWF_SHORTLIST_RETENTION_DAYS (default 180). Running it again changes nothing new.
    Run,
}

#[derive(Subcommand)]
pub enum AlertsCommand {
    /// One round of the alert worker, which `serve` runs every GWF_ALERT_POLL_MS: evaluates
    /// the saved searches against the changes since their position, then mails the digests
    /// that are due (with GWF_SMTP_URL). For checks and for instances that do not serve.
    Run,
}

pub async fn alerts(settings: &Settings, command: AlertsCommand) -> anyhow::Result<()> {
    let AlertsCommand::Run = command;
    let mut conn = connect(settings).await?;
    let mailer = settings
        .smtp_url
        .as_ref()
        .zip(settings.mail_from.as_deref())
        .map(|(url, from)| gewerbeflaechen::mail::Mailer::new(url.expose(), from))
        .transpose()?;
    let options = gewerbeflaechen::alerts::WorkerOptions {
        alerts: settings.alerts,
        base_url: settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", settings.bind)),
        stale_after_days: settings.stale_after_days,
    };
    let report = gewerbeflaechen::alerts::run_once(&mut conn, mailer.as_ref(), &options).await?;
    println!(
        "{} saved searches evaluated, {} new entries; digests: {} sent, {} failed, {} refused",
        report.evaluated,
        report.entries,
        report.digests_sent,
        report.digests_failed,
        report.digests_refused
    );
    if report.digests_failed > 0 {
        anyhow::bail!("{} digests could not be sent", report.digests_failed);
    }
    Ok(())
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
    let a = settings.alerts;
    let expired = db::alerts::expire(
        &mut conn,
        a.confirm_hours,
        a.unused_days,
        gewerbeflaechen::domain::alerts::KEEP_ENTRIES_DAYS,
    )
    .await?;
    tracing::info!(
        unconfirmed = expired.unconfirmed,
        unused = expired.unused,
        entries = expired.entries,
        "saved searches past retention deleted"
    );
    println!(
        "{} saved searches deleted unconfirmed (after {} h), {} unused (after {} days); {} old entries",
        expired.unconfirmed, a.confirm_hours, expired.unused, a.unused_days, expired.entries
    );
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
            let (n, deleted) = conn
                .transaction(async |conn| {
                    let n = db::inquiries::erase_email(conn, &email).await?;
                    let deleted = db::alerts::erase_person(conn, &email).await?;
                    Ok::<_, diesel::result::Error>((n, deleted))
                })
                .await?;
            println!("{n} inquiries anonymised, {deleted} saved searches deleted");
        }
    }
    Ok(())
}
