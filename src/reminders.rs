//! `gewerbeflaechen reminders send`: mails each municipality's freshness digest to the people
//! who look after it, when it is due (`domain::reminders`), for a cron job or a systemd timer.
//!
//! A digest is recorded only after the SMTP server accepted it, so a failed send is tried
//! again on the next run and a second run in the same period sends nothing. One run at a time
//! (a PostgreSQL session lock): two overlapping timers cannot mail the same digest twice.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;

use crate::db;
use crate::domain::freshness;
use crate::domain::reminders::{self, LISTED};
use crate::mail::Mailer;

/// What a run did. Counts only: addresses are never reported.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SendReport {
    /// Digests due (one per person and town).
    pub due: usize,
    pub sent: usize,
    /// Not sent (the SMTP server refused or could not be reached): tried again next run.
    pub failed: usize,
    /// Another run held the lock; this one did nothing.
    pub busy: bool,
}

/// How a run is configured.
pub struct SendOptions<'a> {
    /// `GWF_PUBLIC_URL`, the base of the links in the mail.
    pub base_url: &'a str,
    /// `GWF_STALE_AFTER_DAYS`.
    pub stale_after_days: u32,
    /// Least days between two digests of one town to one person.
    pub every_days: u32,
    /// The day in Germany the run is for (`freshness::today()`).
    pub today: NaiveDate,
    /// List what is due without sending (`--dry-run`).
    pub dry_run: bool,
}

/// Sends the digests due. `mailer` may be `None` only for a dry run.
pub async fn send_due(
    conn: &mut AsyncPgConnection,
    mailer: Option<&Mailer>,
    options: &SendOptions<'_>,
) -> anyhow::Result<SendReport> {
    if !db::reminders::try_lock_sending(conn).await? {
        return Ok(SendReport {
            busy: true,
            ..SendReport::default()
        });
    }
    let result = send_locked(conn, mailer, options).await;
    db::reminders::unlock_sending(conn).await?;
    result
}

async fn send_locked(
    conn: &mut AsyncPgConnection,
    mailer: Option<&Mailer>,
    o: &SendOptions<'_>,
) -> anyhow::Result<SendReport> {
    let plots = db::monitoring::freshness(conn, None).await?;
    let towns = freshness::report(plots, o.today, o.stale_after_days, LISTED);
    let recipients = db::reminders::mail_recipients(conn).await?;
    let due = reminders::due(&towns, &recipients, o.today, o.every_days);
    let mut report = SendReport {
        due: due.len(),
        ..SendReport::default()
    };
    for (i, recipient) in due {
        let town = &towns[i];
        let (user_id, municipality_id) = (recipient.user_id, town.id);
        let Some(mailer) = mailer.filter(|_| !o.dry_run) else {
            tracing::info!(user_id, municipality_id, "digest due (dry run: not sent)");
            continue;
        };
        let content = reminders::digest(
            town,
            recipient.lang,
            o.today,
            o.stale_after_days,
            o.every_days,
            o.base_url,
        );
        match mailer.send(&recipient.email, &content).await {
            Ok(()) => {
                let counts = [
                    town.stale_count,
                    town.never_confirmed_count,
                    town.incomplete_count,
                ];
                db::reminders::record_mail(
                    conn,
                    user_id,
                    municipality_id,
                    o.today,
                    recipient.lang,
                    counts,
                )
                .await?;
                report.sent += 1;
                tracing::info!(user_id, municipality_id, "digest sent");
            }
            Err(error) => {
                report.failed += 1;
                tracing::warn!(user_id, municipality_id, %error, "digest not sent; tried again next run");
            }
        }
    }
    Ok(report)
}
