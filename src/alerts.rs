//! The alert worker (docs/alerts.md): every instance runs one. It follows the change feed
//! for the saved searches (`db::alerts::behind`: no two instances take the same one), and for
//! each evaluates its search restricted to the plots changed since its position, through the
//! search's own SQL (`db::search::where_clause`): a plot entering the set of matches is an
//! entry (the feed shows it at once), one leaving it is dropped from the set, so a later
//! return is news again. Then it mails the digests that are due, and once an hour applies the
//! retention rules that `gewerbeflaechen maintenance run` also applies.
//!
//! Work per round is bounded: `CHUNK` searches per transaction against one page of at most
//! `BATCH` changes, `ROUNDS` transactions, `DIGESTS` mails.

use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::config::AlertSettings;
use crate::db::{self, DbPool};
use crate::domain::alerts::mails::{self, Links, Listed};
use crate::domain::alerts::{Reason, KEEP_ENTRIES_DAYS};
use crate::domain::changes::ChangeCursor;
use crate::domain::credentials;
use crate::domain::plot::Lang;
use crate::mail::{MailError, Mailer};

/// Saved searches evaluated in one transaction.
const CHUNK: i64 = 200;
/// Changes read per transaction.
const BATCH: i64 = 1000;
/// Transactions per round.
const ROUNDS: usize = 50;
/// Digests mailed per round.
const DIGESTS: usize = 200;

/// What the worker needs to know.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub alerts: AlertSettings,
    /// The base of the mails' links (`GWF_PUBLIC_URL`).
    pub base_url: String,
    /// `GWF_STALE_AFTER_DAYS` (for `fresh=true`).
    pub stale_after_days: u32,
}

/// What one round did. Counts only: addresses are never reported.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Saved searches evaluated (each against the changes since its position).
    pub evaluated: usize,
    /// Plots that newly matched (entries made).
    pub entries: i64,
    pub digests_sent: usize,
    /// Not sent (the SMTP server could not be reached): tried again next round.
    pub digests_failed: usize,
    /// Refused for good (5xx, not an address): the subscription was deleted.
    pub digests_refused: usize,
}

/// Starts the worker on the current runtime; `mail` is the SMTP URL and sender, if configured.
pub fn spawn(pool: DbPool, options: WorkerOptions, mail: Option<(String, String)>) {
    tokio::spawn(async move {
        // lettre's connection pool runs on the runtime it is made on: this one.
        let mailer = mail.and_then(|(url, from)| Mailer::new(&url, &from).ok());
        let poll = Duration::from_millis(options.alerts.poll_ms);
        let mut tick = tokio::time::interval(poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Digests need not be looked for as often as changes: at most once a minute.
        let digest_every = (poll * 30).min(Duration::from_secs(60));
        let mut last_digests = Instant::now() - digest_every;
        let mut last_cleanup = Instant::now() - Duration::from_secs(3600);
        loop {
            tick.tick().await;
            let Ok(mut conn) = pool.get().await else {
                continue;
            };
            let mut report = Report::default();
            if let Err(e) = match_changes(&mut conn, &options, &mut report).await {
                tracing::warn!(error = %e, "alert worker: will try again");
            }
            if last_digests.elapsed() >= digest_every {
                last_digests = Instant::now();
                if let Some(mailer) = &mailer {
                    if let Err(e) = send_digests(&mut conn, mailer, &options, &mut report).await {
                        tracing::warn!(error = %e, "alert digests: will try again");
                    }
                }
            }
            if last_cleanup.elapsed() > Duration::from_secs(3600) {
                last_cleanup = Instant::now();
                let a = options.alerts;
                if let Err(e) =
                    db::alerts::expire(&mut conn, a.confirm_hours, a.unused_days, KEEP_ENTRIES_DAYS)
                        .await
                {
                    tracing::warn!(error = %e, "alert retention: will try again");
                }
            }
        }
    });
}

/// One round, as the worker runs it: evaluates the changes until every saved search is at the
/// feed's end (or the round's bound), then mails the digests due (with a mailer).
pub async fn run_once(
    conn: &mut AsyncPgConnection,
    mailer: Option<&Mailer>,
    options: &WorkerOptions,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    match_changes(conn, options, &mut report).await?;
    if let Some(mailer) = mailer {
        send_digests(conn, mailer, options, &mut report).await?;
    }
    Ok(report)
}

/// Brings the saved searches up to the change feed's end (as far as the round's bound goes).
pub async fn match_changes(
    conn: &mut AsyncPgConnection,
    options: &WorkerOptions,
    report: &mut Report,
) -> anyhow::Result<()> {
    let end = db::webhooks::feed_end(conn).await?;
    for _ in 0..ROUNDS {
        let (evaluated, entries) = conn
            .transaction(async |conn| evaluate_chunk(conn, end, options.stale_after_days).await)
            .await?;
        if evaluated == 0 {
            break;
        }
        report.evaluated += evaluated;
        report.entries += entries;
        crate::api::counters::alert_entries(u64::try_from(entries).unwrap_or(0));
    }
    Ok(())
}

/// One transaction: up to `CHUNK` searches behind `end`, against one page of changes after
/// the furthest behind. Returns (searches evaluated, entries made).
async fn evaluate_chunk(
    conn: &mut AsyncPgConnection,
    end: i64,
    stale_after_days: u32,
) -> diesel::QueryResult<(usize, i64)> {
    let searches = db::alerts::behind(conn, end, CHUNK).await?;
    let Some(from) = searches.iter().map(|s| s.seq).min() else {
        return Ok((0, 0));
    };
    let changes = db::changes::page(conn, ChangeCursor(from), BATCH, None).await?;
    // Numbers left unused by rolled-back writers: nothing up to `end` is left to read.
    let last = changes.last().map_or(end, |c| c.seq);
    let mut entries = 0;
    let mut evaluated = 0;
    for search in &searches {
        if search.seq >= last {
            continue;
        }
        evaluated += 1;
        let mut ids: Vec<i64> = changes
            .iter()
            .filter(|c| c.seq > search.seq)
            .map(|c| c.plot_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if !ids.is_empty() {
            match crate::api::alerts::stored_query(
                &search.params,
                search.area.as_deref(),
                &search.relation,
                stale_after_days,
            ) {
                Some(mut query) => {
                    query.ids = ids;
                    let (made, _) =
                        db::alerts::apply(conn, search.id, &query, search.seq, last).await?;
                    entries += made;
                }
                // The parser refuses what it once took (after an upgrade): the search is
                // skipped, not the worker stopped.
                None => tracing::warn!(saved_search = search.id, "saved search no longer parses"),
            }
        }
        db::alerts::advance(conn, search.id, last).await?;
    }
    Ok((evaluated, entries))
}

enum Outcome {
    Nothing,
    Sent,
    Refused,
    Failed,
}

/// Mails the digests that are due, one transaction each (the subscription stays locked while
/// its mail is sent, so no two instances send it).
pub async fn send_digests(
    conn: &mut AsyncPgConnection,
    mailer: &Mailer,
    options: &WorkerOptions,
    report: &mut Report,
) -> anyhow::Result<()> {
    for _ in 0..DIGESTS {
        let outcome = conn
            .transaction(async |conn| digest_one(conn, mailer, options).await)
            .await?;
        match outcome {
            None => break,
            Some(Outcome::Nothing) => {}
            Some(Outcome::Sent) => report.digests_sent += 1,
            Some(Outcome::Refused) => report.digests_refused += 1,
            Some(Outcome::Failed) => {
                report.digests_failed += 1;
                // The SMTP server is away: the rest waits for the next round.
                break;
            }
        }
    }
    Ok(())
}

async fn digest_one(
    conn: &mut AsyncPgConnection,
    mailer: &Mailer,
    options: &WorkerOptions,
) -> diesel::QueryResult<Option<Outcome>> {
    let Some(due) = db::alerts::claim_digest(conn, options.alerts.digest_hours).await? else {
        return Ok(None);
    };
    let (entries, last) = db::alerts::unmailed(conn, due.id).await?;
    let Some(last) = last else {
        return Ok(Some(Outcome::Nothing));
    };
    if entries.is_empty() {
        // Only plots unpublished since: nothing to tell, and no digest counted.
        db::alerts::mailed(conn, due.id, last, false).await?;
        return Ok(Some(Outcome::Nothing));
    }
    let lang = Lang::parse(&due.language).unwrap_or(Lang::De);
    let listed: Vec<Listed> = entries
        .iter()
        .map(|e| Listed {
            reference: e.reference.clone(),
            title: match lang {
                Lang::De => e.title_de.clone().or_else(|| e.title_en.clone()),
                Lang::En => e.title_en.clone().or_else(|| e.title_de.clone()),
            }
            .unwrap_or_else(|| e.reference.clone()),
            municipality: e.municipality.clone(),
            area_m2: e.area_m2,
            reason: Reason::parse(&e.reason).unwrap_or(Reason::Changed),
        })
        .collect();
    let Ok((token, hash)) = credentials::new_token() else {
        return Ok(Some(Outcome::Failed));
    };
    let (_, manage, unsubscribe) = crate::api::alerts::urls(&options.base_url, &token);
    let links = Links {
        base: options.base_url.clone(),
        action: manage,
        unsubscribe,
    };
    let content = mails::digest(&listed, listed.len(), lang, &links);
    match mailer
        .send_with(&due.email, &content, Some(&links.unsubscribe))
        .await
    {
        Ok(()) => {
            // The mail's links work from now on; the token itself is not kept.
            db::alerts::add_key(conn, due.id, &hash, "mail").await?;
            db::alerts::mailed(conn, due.id, last, true).await?;
            crate::api::counters::alert_mail("digest", "sent");
            tracing::info!(saved_search = due.id, plots = listed.len(), "digest sent");
            Ok(Some(Outcome::Sent))
        }
        Err(MailError::BadRecipient | MailError::Refused(_)) => {
            db::alerts::delete(conn, due.id).await?;
            crate::api::counters::alert_mail("digest", "refused");
            tracing::info!(
                saved_search = due.id,
                "address refused for good: subscription deleted"
            );
            Ok(Some(Outcome::Refused))
        }
        Err(error) => {
            crate::api::counters::alert_mail("digest", "failed");
            tracing::warn!(saved_search = due.id, %error, "digest not sent; tried again later");
            Ok(Some(Outcome::Failed))
        }
    }
}
