//! The tile cache learns of changes by push (`LISTEN gwf_map_data`): exact for writes through
//! the instance, within milliseconds for other instances, and asking per request while the
//! listener is gone (docs/operations.md, "Tile cache and map_data_version").

use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use crate::helpers::*;

/// How long another instance may serve older tiles after a commit, with the listener connected.
/// Expected: milliseconds; generous for a loaded CI machine, and below the listener's heartbeat
/// (2 s), so only a notification can meet it.
const OTHER_INSTANCE_BOUND: Duration = Duration::from_millis(1000);

/// The z14 tile over the fixture's plots (11.5 E, 53.33 N).
const TILE: &str = "/tiles/plots/14/8715/5312.mvt";

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn listeners(conn: &mut AsyncPgConnection) -> i64 {
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = $1",
    )
    .bind::<Text, _>(gewerbeflaechen::db::tiles::LISTENER_NAME)
    .get_result::<Count>(conn)
    .await
    .unwrap()
    .n
}

/// Until `n` listeners are connected to the test's database (and have read the version).
async fn wait_for_listeners(conn: &mut AsyncPgConnection, n: i64) {
    let started = Instant::now();
    while listeners(conn).await < n {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "listener did not connect"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Connected shows before its first version read has finished.
    tokio::time::sleep(Duration::from_millis(100)).await;
}

async fn etag(app: &TestApp) -> String {
    let response = app.get(TILE).await;
    assert_eq!(response.status(), 200);
    response.headers()["etag"].to_str().unwrap().to_owned()
}

/// Polls the tile until its ETag is no longer `old`; how long that took.
async fn changed_within(app: &TestApp, old: &str, bound: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if etag(app).await != old {
            return started.elapsed();
        }
        assert!(started.elapsed() < bound, "tile unchanged after {bound:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn fixture(app: &TestApp) -> i64 {
    let (municipality, _) = app.place().await;
    let mut plot = plot_body("P-001", municipality, None);
    plot["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.5, 53.33, 0.001)]});
    app.create_plot(&plot).await["id"].as_i64().unwrap()
}

async fn set_status_by_sql(conn: &mut AsyncPgConnection, plot: i64, status: &str) {
    diesel::sql_query("UPDATE plots SET status = $2 WHERE id = $1")
        .bind::<BigInt, _>(plot)
        .bind::<Text, _>(status)
        .execute(conn)
        .await
        .unwrap();
}

async fn patch_status(app: &TestApp, plot: i64, status: &str) {
    let current = app.get(&format!("/plots/{plot}")).await;
    let version = current.headers()["etag"].to_str().unwrap().to_owned();
    let patched = app
        .client
        .patch(app.url(&format!("/plots/{plot}")))
        .bearer_auth(TOKEN)
        .header("If-Match", version)
        .json(&json!({ "status": status }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
}

#[tokio::test]
async fn a_write_through_an_instance_shows_in_its_very_next_tile() {
    let app = spawn_app().await;
    let plot = fixture(&app).await;
    wait_for_listeners(&mut app.db().await, 1).await;
    let mut before = etag(&app).await;
    for status in [
        "reserved",
        "available",
        "under_negotiation",
        "sold",
        "available",
    ] {
        assert_eq!(etag(&app).await, before, "served from the cache");
        patch_status(&app, plot, status).await;
        // No waiting: the instance asks for the version after its own write.
        let after = etag(&app).await;
        assert_ne!(after, before, "tile after setting {status}");
        before = after;
    }
}

#[tokio::test]
async fn another_instance_sees_a_write_within_the_bound() {
    let first = spawn_app().await;
    let plot = fixture(&first).await;
    let second = spawn_bare(first.database_url.clone(), &[]).await;
    wait_for_listeners(&mut first.db().await, 2).await;
    for status in ["reserved", "sold", "available"] {
        let old = etag(&second).await;
        assert_eq!(etag(&second).await, old, "served from the cache");
        patch_status(&first, plot, status).await;
        let took = changed_within(&second, &old, OTHER_INSTANCE_BOUND).await;
        eprintln!("second instance saw `{status}` after {took:?}");
    }
}

#[tokio::test]
async fn a_lost_listener_means_asking_per_request_until_it_is_back() {
    // A long first retry, so the instance is surely without its listener while the test
    // changes a plot behind its back (with 250 ms, a loaded machine could reconnect first).
    let app = spawn_app_with(&[("GWF_TILE_LISTENER_RETRY_MS", "3000")]).await;
    let plot = fixture(&app).await;
    let mut conn = app.db().await;
    wait_for_listeners(&mut conn, 1).await;
    let old = etag(&app).await;

    // Kill the listener's connection (waiting until its backend is gone).
    diesel::sql_query(
        "SELECT count(pg_terminate_backend(pid, 5000)) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = $1",
    )
    .bind::<Text, _>(gewerbeflaechen::db::tiles::LISTENER_NAME)
    .get_result::<Count>(&mut conn)
    .await
    .unwrap();
    // The instance sees the closed socket at once; this is margin. It retries after 3 s.
    tokio::time::sleep(Duration::from_millis(300)).await;
    set_status_by_sql(&mut conn, plot, "reserved").await;
    let asked = etag(&app).await;
    assert_ne!(
        asked, old,
        "without a listener, the next tile asks and is fresh"
    );

    // Back by itself; pushed changes show within the bound again.
    wait_for_listeners(&mut conn, 1).await;
    set_status_by_sql(&mut conn, plot, "sold").await;
    changed_within(&app, &asked, OTHER_INSTANCE_BOUND).await;
}
