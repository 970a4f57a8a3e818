//! `gewerbeflaechen reminders …`: freshness digests by e-mail (docs/monitoring.md).

use anyhow::Context;
use clap::Subcommand;

use gewerbeflaechen::config::Settings;
use gewerbeflaechen::domain::{freshness, reminders::DEFAULT_EVERY_DAYS};
use gewerbeflaechen::mail::Mailer;
use gewerbeflaechen::reminders::{send_due, SendOptions};

#[derive(Subcommand)]
pub enum RemindersCommand {
    /// Mail each municipality's digest of stale, never confirmed and incomplete plots to the
    /// accounts assigned to it, in each one's language, when due: at most once per --every-days
    /// per person and town. For a daily cron job or systemd timer; running it again sends
    /// nothing new. Needs GWF_SMTP_URL, GWF_MAIL_FROM and GWF_PUBLIC_URL. Exits 1 if a mail
    /// could not be sent (it is tried again on the next run).
    Send {
        /// Least days between two digests of one town to one person (1 = daily).
        #[arg(long, default_value_t = DEFAULT_EVERY_DAYS, value_parser = clap::value_parser!(u32).range(1..=366))]
        every_days: u32,
        /// Count what is due without sending or recording anything.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn reminders(settings: &Settings, command: RemindersCommand) -> anyhow::Result<()> {
    use diesel_async::AsyncConnection;
    let RemindersCommand::Send {
        every_days,
        dry_run,
    } = command;
    let base = settings
        .public_url
        .as_deref()
        .context("GWF_PUBLIC_URL is not set: the mails link to the service")?;
    let mailer = match (&settings.smtp_url, &settings.mail_from) {
        (Some(url), Some(from)) => Some(Mailer::new(url.expose(), from)?),
        _ if dry_run => None,
        _ => anyhow::bail!("GWF_SMTP_URL and GWF_MAIL_FROM are not set: no mails can be sent"),
    };
    let mut conn = diesel_async::AsyncPgConnection::establish(settings.database_url.expose())
        .await
        .context("cannot connect to the database")?;
    let options = SendOptions {
        base_url: base,
        stale_after_days: settings.stale_after_days,
        every_days,
        today: freshness::today(),
        dry_run,
    };
    let report = send_due(&mut conn, mailer.as_ref(), &options).await?;
    if report.busy {
        println!("another `reminders send` is running; nothing done");
        return Ok(());
    }
    if dry_run {
        println!("{} digests due (dry run: none sent)", report.due);
        return Ok(());
    }
    println!(
        "{} digests due, {} sent, {} failed",
        report.due, report.sent, report.failed
    );
    if report.failed > 0 {
        anyhow::bail!(
            "{} digests could not be sent; they are tried again on the next run",
            report.failed
        );
    }
    Ok(())
}
