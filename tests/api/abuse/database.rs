//! The database cannot be used to stall the service: every statement has a time limit, waiting
//! for a pool connection has one, both answer 503 with `Retry-After` at once; and the tile
//! cache grows only with what tiles depend on.

use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::helpers::*;

/// Slow statements (here: waiting for a lock another session holds) end at
/// `GWF_STATEMENT_TIMEOUT_MS`, and while they hold every pool connection, other requests get a
/// 503 after `GWF_DB_POOL_WAIT_MS`: fast answers, never a hang. Afterwards all is well again.
#[tokio::test]
async fn slow_statements_and_an_exhausted_pool_answer_503_fast() {
    let app = spawn_app_with(&[
        ("GWF_DB_POOL_SIZE", "1"),
        ("GWF_DB_POOL_WAIT_MS", "300"),
        ("GWF_STATEMENT_TIMEOUT_MS", "2000"),
    ])
    .await;
    let (municipality, estate) = app.place().await;
    app.create_plot(&plot_body("SLOW-1", municipality, Some(estate)))
        .await;
    let mut locker = AsyncPgConnection::establish(&app.database_url)
        .await
        .unwrap();
    diesel::sql_query("BEGIN")
        .execute(&mut locker)
        .await
        .unwrap();
    diesel::sql_query("LOCK TABLE plots IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .await
        .unwrap();

    let slow = async {
        let started = Instant::now();
        let response = app.get("/plots/SLOW-1").await;
        (response, started.elapsed())
    };
    let starved = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        let response = app.get("/plots/SLOW-1").await;
        (response, started.elapsed())
    };
    let ((slow, slow_took), (starved, starved_took)) = tokio::join!(slow, starved);
    for (response, took, limit) in [
        (slow, slow_took, Duration::from_secs(5)),
        (starved, starved_took, Duration::from_millis(1500)),
    ] {
        assert!(took < limit, "took {took:?}");
        assert!(response.headers().contains_key("retry-after"));
        assert_problem(response, 503).await;
    }

    diesel::sql_query("ROLLBACK")
        .execute(&mut locker)
        .await
        .unwrap();
    assert_eq!(app.get("/plots/SLOW-1").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
}

/// Parameters a tile does not depend on (paging, sort, output, order and repetition of
/// filters) lead to the same cache entry: with an allowance of two uncached tiles a minute,
/// a client cycling through them is served from the cache and never refused.
#[tokio::test]
async fn junk_tile_parameters_do_not_grow_the_cache() {
    let app = spawn_app_with(&[("GWF_RATE_HEAVY_PER_MIN", "2")]).await;
    let (municipality, estate) = app.place().await;
    let mut body = plot_body("TILE-1", municipality, Some(estate));
    body["status"] = serde_json::json!("available");
    app.create_plot(&body).await;
    let tile = "/tiles/plots/12/2178/1328.mvt";
    let first = app.get(&format!("{tile}?status=available")).await;
    assert!(first.status().is_success());
    let variations = [
        "status=available&limit=1",
        "status=available&limit=2&sort=-price",
        "status=available,available",
        "status=available&count=exact",
        "status=available&fields=reference",
        "limit=7&status=available",
        "status=available&f=geojson",
    ];
    for variation in variations {
        let response = app.get(&format!("{tile}?{variation}")).await;
        assert!(
            response.status().is_success(),
            "{variation}: {}",
            response.status()
        );
    }
    // Unknown parameters are refused outright, before any tile is made.
    assert_problem(app.get(&format!("{tile}?utm_source=x")).await, 400).await;
    // A second filter is a second tile; the third is over the allowance.
    assert!(app
        .get(&format!("{tile}?zoning=GE"))
        .await
        .status()
        .is_success());
    assert_problem(app.get(&format!("{tile}?zoning=GI")).await, 429).await;
}
