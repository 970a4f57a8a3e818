//! The tile cache's listener: one connection of its own per instance that receives every new
//! map data version (`NOTIFY gwf_map_data`), so cached tiles are served without asking the
//! database (`tile_cache` explains the rules).
//!
//! Bounds, for changes made elsewhere (another instance, the command line, SQL):
//! - connected: a change shows once its notification arrives, milliseconds after its commit;
//! - a connection that breaks (database restart, `pg_terminate_backend`) is noticed at once:
//!   the cache asks per request until the listener is back (retries after 0.25 s, doubling up to
//!   30 s), and `LISTEN` comes before its first version read, so nothing between is missed;
//! - a connection that goes silent without breaking (a dead network path) is caught by the
//!   heartbeat: after `HEARTBEAT` without a notification the listener reads the version itself
//!   and gives up when the answer takes longer than `ANSWER`: at most `HEARTBEAT` + `ANSWER` of
//!   stale tiles.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::tile_cache::TileCache;
use crate::db;

const HEARTBEAT: Duration = Duration::from_secs(2);
/// Longer than the heartbeat: a loaded host or database answers late (seen at 2 s in a load
/// benchmark beside test builds), and giving up moves every tile to the database, at the worst
/// moment. A dead connection is rare; a busy one is not.
const ANSWER: Duration = Duration::from_secs(10);
const LAST_RETRY: Duration = Duration::from_secs(30);

/// Starts the listener on the current Tokio runtime; it runs as long as the process.
/// `first_retry` (`GWF_TILE_LISTENER_RETRY_MS`) is the first wait after a lost connection.
pub fn spawn(database_url: String, cache: Arc<TileCache>, first_retry: Duration) {
    tokio::spawn(async move {
        let mut retry = first_retry;
        loop {
            let started = Instant::now();
            let error = listen(&database_url, &cache).await;
            cache.set_listening(false);
            if started.elapsed() > LAST_RETRY {
                retry = first_retry;
            }
            tracing::warn!(%error, retry_ms = retry.as_millis() as u64,
                "tile cache listener lost; tiles ask the database for its version until it is back");
            tokio::time::sleep(retry).await;
            retry = (retry * 2).min(LAST_RETRY);
        }
    });
}

/// One connection's life: returns why it ended.
async fn listen(database_url: &str, cache: &TileCache) -> anyhow::Error {
    let mut conn = match db::tiles::listener(database_url).await {
        Ok(conn) => conn,
        Err(e) => return e.into(),
    };
    match db::tiles::map_data_version(&mut conn).await {
        Ok(version) => cache.announced(version),
        Err(e) => return e.into(),
    }
    cache.set_listening(true);
    tracing::info!("tile cache listener connected");
    loop {
        // Notifications wait in the connection's queue while the stream is dropped for the
        // heartbeat's query; none is lost.
        let next = tokio::time::timeout(HEARTBEAT, async {
            std::pin::pin!(conn.notifications_stream()).next().await
        })
        .await;
        match next {
            Ok(Some(Ok(notification))) => match notification.payload.parse::<i64>() {
                Ok(version) => cache.announced(version),
                // Not ours (someone else's NOTIFY on the channel): ask to be safe.
                Err(_) => return anyhow::anyhow!("unexpected payload on the channel"),
            },
            Ok(Some(Err(e))) => return e.into(),
            Ok(None) => return anyhow::anyhow!("the connection closed"),
            Err(_quiet) => {
                match tokio::time::timeout(ANSWER, db::tiles::map_data_version(&mut conn)).await {
                    Ok(Ok(version)) => cache.announced(version),
                    Ok(Err(e)) => return e.into(),
                    Err(_) => return anyhow::anyhow!("no answer to the heartbeat"),
                }
            }
        }
    }
}
