//! The webhook worker: every instance runs one. It takes a due webhook (no two instances take
//! the same: `db::webhooks::claim_due`), reads the changes after its position in the change
//! feed, POSTs them signed (`domain::webhooks`), and moves the position on only after a 2xx.
//! A failed batch is tried again after the configured waits, then the webhook is dead until an
//! admin resumes it: the changes stay in the feed, so nothing is skipped.
//!
//! The body is `{"webhook_id", "changes": [...], "next_cursor"}`, the changes exactly as
//! `GET /changes` gives them. A batch can come twice (a 2xx lost on the way back), never out
//! of order: receivers apply changes by their `cursor` and ignore ones they have seen.

use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Serialize;

use crate::api::changes::Change;
use crate::db::webhooks::{Attempt, Claim};
use crate::db::{self, DbPool};
use crate::domain::changes::ChangeCursor;
use crate::domain::webhooks::{retry_after, WebhookSecret, BATCH, TIMEOUT_SECS};

/// What the worker needs to know.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// How often to look for work.
    pub poll: Duration,
    /// Waits before each retry. Units: ms.
    pub retries_ms: Vec<u64>,
    /// The base of the changes' links (`GWF_PUBLIC_URL`).
    pub base_url: String,
}

/// A claim is held this long; a delivery takes at most `TIMEOUT_SECS`. Units: s.
const LEASE_SECS: i64 = 60;

/// Log entries are kept this long. Units: days.
const KEEP_LOG_DAYS: i32 = 30;

#[derive(Serialize)]
struct Body<'a> {
    webhook_id: i64,
    changes: &'a [Change],
    next_cursor: String,
}

/// Starts the worker on the current runtime.
pub fn spawn(pool: DbPool, options: WorkerOptions) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(TIMEOUT_SECS))
        // A receiver that redirects could point the service at any host: not followed.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "gewerbeflaechen-webhooks/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()?;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(options.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_cleanup = Instant::now() - Duration::from_secs(3600);
        loop {
            tick.tick().await;
            if let Err(e) = deliver_due(&pool, &client, &options).await {
                tracing::warn!(error = %e, "webhook worker: will try again");
            }
            if last_cleanup.elapsed() > Duration::from_secs(3600) {
                last_cleanup = Instant::now();
                if let Ok(mut conn) = pool.get().await {
                    let _ = db::webhooks::forget_old_deliveries(&mut conn, KEEP_LOG_DAYS).await;
                }
            }
        }
    });
    Ok(())
}

/// Delivers to every webhook that is due now, one batch each round. Returns the batches sent.
pub async fn deliver_due(
    pool: &DbPool,
    client: &reqwest::Client,
    options: &WorkerOptions,
) -> anyhow::Result<usize> {
    let mut conn = pool.get().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut sent = 0;
    // Bounded: a round never runs away, whatever the number of webhooks.
    for _ in 0..1000 {
        let Some(claim) = db::webhooks::claim_due(&mut conn, LEASE_SECS).await? else {
            break;
        };
        let rows = db::changes::page(
            &mut conn,
            ChangeCursor(claim.cursor),
            BATCH,
            claim.municipality_ids.as_deref(),
        )
        .await?;
        // A retry sends the failed batch as it was, not one grown since.
        let mut rows = rows;
        if let Some(pending) = claim.pending_last_seq {
            rows.retain(|r| r.seq <= pending);
        }
        let Some(last) = rows.last().map(|r| r.seq) else {
            let idle = i64::try_from(options.poll.as_millis()).unwrap_or(i64::MAX);
            db::webhooks::idle(&mut conn, claim.id, idle).await?;
            continue;
        };
        let changes: Vec<Change> = rows
            .into_iter()
            .filter_map(|r| Change::from_row(r, &options.base_url))
            .collect();
        let attempt = deliver(client, &claim, &changes, last, options).await;
        crate::api::counters::webhook_attempt(
            attempt.outcome,
            f64::from(attempt.duration_ms) / 1000.0,
        );
        db::webhooks::record(&mut conn, &attempt.as_row(&claim, last, changes.len())).await?;
        sent += 1;
    }
    Ok(sent)
}

struct Outcome {
    attempt: i32,
    outcome: &'static str,
    http_status: Option<i32>,
    error: Option<String>,
    duration_ms: i32,
    retry_in_ms: i64,
}

impl Outcome {
    fn as_row<'a>(&'a self, claim: &Claim, last: i64, changes: usize) -> Attempt<'a> {
        Attempt {
            webhook_id: claim.id,
            after_seq: claim.cursor,
            last_seq: last,
            changes: i32::try_from(changes).unwrap_or(i32::MAX),
            attempt: self.attempt,
            outcome: self.outcome,
            http_status: self.http_status,
            error: self.error.as_deref(),
            duration_ms: self.duration_ms,
            retry_in_ms: self.retry_in_ms,
        }
    }
}

/// One signed POST of one batch.
async fn deliver(
    client: &reqwest::Client,
    claim: &Claim,
    changes: &[Change],
    last: i64,
    options: &WorkerOptions,
) -> Outcome {
    let attempt = claim.attempts + 1;
    let body = serde_json::to_vec(&Body {
        webhook_id: claim.id,
        changes,
        next_cursor: last.to_string(),
    })
    .unwrap_or_default();
    // The same batch keeps its id through retries, so a receiver can tell a repeat.
    let id = format!("msg_{}_{}_{}", claim.id, claim.cursor, last);
    let timestamp = Utc::now().timestamp();
    let started = Instant::now();
    let result = match WebhookSecret::parse(&claim.secret) {
        None => Err("the stored secret is unreadable".to_owned()),
        Some(secret) => client
            .post(&claim.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", secret.sign(&id, timestamp, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| {
                // Our words only: a receiver's error text could hold anything.
                if e.is_timeout() {
                    format!("no answer within {TIMEOUT_SECS} s")
                } else if e.is_connect() {
                    "could not connect".to_owned()
                } else {
                    "the request failed".to_owned()
                }
            }),
    };
    let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let (http_status, error) = match result {
        Ok(response) if response.status().is_success() => {
            return Outcome {
                attempt,
                outcome: "delivered",
                http_status: Some(i32::from(response.status().as_u16())),
                error: None,
                duration_ms,
                retry_in_ms: 0,
            };
        }
        Ok(response) => (
            Some(i32::from(response.status().as_u16())),
            Some(format!("HTTP {}", response.status().as_u16())),
        ),
        Err(e) => (None, Some(e)),
    };
    let retry = retry_after(
        u32::try_from(attempt).unwrap_or(u32::MAX),
        &options.retries_ms,
    );
    tracing::info!(
        webhook = claim.id,
        attempt,
        status = http_status,
        dead = retry.is_none(),
        "webhook delivery failed"
    );
    Outcome {
        attempt,
        outcome: if retry.is_some() { "failed" } else { "dead" },
        http_status,
        error,
        duration_ms,
        retry_in_ms: retry.map_or(0, |r| i64::try_from(r.as_millis()).unwrap_or(i64::MAX)),
    }
}
