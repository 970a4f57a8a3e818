//! Saved searches with alerts (issue 18 item 2, docs/alerts.md): a feed-only subscription
//! gets an entry exactly when a plot newly matches its search — published, became available,
//! price dropped into range, drawn area — and again after it left and came back; the saving
//! is checked like a search and guarded like the inquiry form.

use gewerbeflaechen::alerts::{run_once, Report, WorkerOptions};
use gewerbeflaechen::config::AlertSettings;
use gewerbeflaechen::mail::Mailer;
use serde_json::{json, Value};

use crate::helpers::*;

pub(crate) const SETTINGS: AlertSettings = AlertSettings {
    poll_ms: 1000,
    digest_hours: 24,
    confirm_hours: 72,
    unused_days: 365,
};

/// The apps of these tests: the background worker runs once at start and then only every ten
/// minutes, so each test drives the worker itself (`worker`) and knows when it ran.
pub(crate) const QUIET: (&str, &str) = ("GWF_ALERT_POLL_MS", "600000");

/// One round of the worker, as the server runs it.
pub(crate) async fn worker(app: &TestApp, mailer: Option<&Mailer>) -> Report {
    let mut conn = app.db().await;
    let options = WorkerOptions {
        alerts: SETTINGS,
        base_url: app.base.clone(),
        stale_after_days: 365,
    };
    run_once(&mut conn, mailer, &options).await.unwrap()
}

pub(crate) async fn subscribe(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/saved-searches"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The references in a feed's entries, newest first, with each entry's title.
pub(crate) async fn feed(app: &TestApp, url: &str) -> Vec<String> {
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    text.split("<entry>")
        .skip(1)
        .map(|e| {
            let title = e.split("<title>").nth(1).unwrap();
            title.split("</title>").next().unwrap().to_owned()
        })
        .collect()
}

/// Changes a plot as the admin.
pub(crate) async fn patch(app: &TestApp, reference: &str, change: Value) {
    let plot: Value = app
        .get_staff(&format!("/plots/{reference}"))
        .await
        .json()
        .await
        .unwrap();
    let response = app
        .client
        .patch(app.url(&format!("/plots/{reference}")))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", plot["version"]))
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

fn plot(reference: &str, municipality: i64, change: Value) -> Value {
    let mut body = plot_body(reference, municipality, None);
    for (k, v) in change.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

#[tokio::test]
async fn a_feed_tells_of_plots_that_newly_match_and_of_nothing_else() {
    let app = spawn_app_with(&[QUIET]).await;
    let (town, _) = app.place().await;
    app.create_plot(&plot("OLD-1", town, json!({}))).await;
    let (status, saved) = subscribe(
        &app,
        json!({"search": {"status": "available", "max_price": "20", "sort": "-area", "limit": 3}}),
    )
    .await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(saved["state"], "active");
    assert_eq!(saved["matching_now"], 1, "the plot that matches already");
    assert!(saved.get("confirm_within_hours").is_none());
    let token = saved["token"].as_str().unwrap();
    assert!(token.starts_with("gwf_") && token.len() == 68);
    let url = saved["feed_url"].as_str().unwrap().to_owned();
    assert!(url.ends_with("/atom"));
    assert_eq!(worker(&app, None).await.entries, 0);
    assert!(feed(&app, &url).await.is_empty());

    // A plot that matches already changes: no news.
    patch(&app, "OLD-1", json!({"title_de": "Neuer Titel"})).await;
    // Published and matching: news. A draft and one too dear: none.
    app.create_plot(&plot("NEW-1", town, json!({}))).await;
    app.create_plot(&plot("DRAFT-1", town, json!({"published": false})))
        .await;
    app.create_plot(&plot(
        "DEAR-1",
        town,
        json!({"price_min_eur_m2": "30", "price_max_eur_m2": "35"}),
    ))
    .await;
    app.create_plot(&plot("RES-1", town, json!({"status": "reserved"})))
        .await;
    let report = worker(&app, None).await;
    assert_eq!(report.entries, 1, "{report:?}");
    let titles = feed(&app, &url).await;
    assert_eq!(titles.len(), 1);
    assert!(titles[0].starts_with("NEW-1 – "), "{titles:?}");
    assert!(titles[0].ends_with("(neu veröffentlicht)"), "{titles:?}");

    // The price drops into range; the reserved plot becomes available.
    patch(
        &app,
        "DEAR-1",
        json!({"price_min_eur_m2": "15", "price_max_eur_m2": "18"}),
    )
    .await;
    patch(&app, "RES-1", json!({"status": "available"})).await;
    assert_eq!(worker(&app, None).await.entries, 2);
    let titles = feed(&app, &url).await;
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(titles
        .iter()
        .any(|t| t.starts_with("DEAR-1") && t.ends_with("(Preis geändert)")));
    assert!(titles
        .iter()
        .any(|t| t.starts_with("RES-1") && t.ends_with("(Status geändert)")));

    // Leaving the set and coming back is news again; staying out is not.
    patch(&app, "NEW-1", json!({"status": "sold"})).await;
    assert_eq!(worker(&app, None).await.entries, 0);
    patch(&app, "NEW-1", json!({"status": "available"})).await;
    assert_eq!(worker(&app, None).await.entries, 1);
    assert_eq!(feed(&app, &url).await.len(), 4);
    // Unpublished and published again: news again.
    let new1: Value = app.get_staff("/plots/NEW-1").await.json().await.unwrap();
    for action in ["unpublish", "publish"] {
        let now: Value = app.get_staff("/plots/NEW-1").await.json().await.unwrap();
        let response = app
            .client
            .post(app.url(&format!("/plots/{}/{action}", new1["id"])))
            .bearer_auth(TOKEN)
            .header("If-Match", format!("\"{}\"", now["version"]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        worker(&app, None).await;
    }
    let titles = feed(&app, &url).await;
    assert_eq!(titles.len(), 5, "{titles:?}");
    assert!(titles[0].starts_with("NEW-1") && titles[0].ends_with("(neu veröffentlicht)"));
    // Nothing new: the worker finds nothing.
    assert_eq!(worker(&app, None).await, Report::default());

    // English on request; links to the profile pages; conditional requests.
    let response = app
        .client
        .get(format!("{url}?lang=en"))
        .send()
        .await
        .unwrap();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert!(response.headers().contains_key("last-modified"));
    let text = response.text().await.unwrap();
    assert!(text.contains("xml:lang=\"en\""));
    assert!(text.contains("/plots/DEAR-1/profile?lang=en"), "{text}");
    assert!(text.contains("(price changed)"));
    let again = app
        .client
        .get(format!("{url}?lang=en"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_problem(
        app.client
            .get(format!("{url}?lang=fr"))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
}

#[tokio::test]
async fn a_drawn_area_and_place_filters_are_followed() {
    let app = spawn_app_with(&[QUIET]).await;
    let (town, _) = app.place().await;
    let area = json!({"type": "Polygon", "coordinates": [square(11.49, 53.32, 0.03)]});
    let (status, saved) = subscribe(
        &app,
        json!({"search": {"geometry": area, "relation": "within", "zoning": ["GE", "GI"], "municipality": "13076090"}}),
    )
    .await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(saved["matching_now"], 0);
    let url = saved["feed_url"].as_str().unwrap().to_owned();
    app.create_plot(&plot("IN-1", town, json!({}))).await;
    let outside = json!({"type": "Polygon", "coordinates": [square(11.8, 53.5, 0.001)]});
    app.create_plot(&plot("OUT-1", town, json!({"geometry": outside})))
        .await;
    app.create_plot(&plot("MI-1", town, json!({"zoning": "MI"})))
        .await;
    worker(&app, None).await;
    let titles = feed(&app, &url).await;
    assert_eq!(titles.len(), 1, "{titles:?}");
    assert!(titles[0].starts_with("IN-1"));
    // The saved search as the token shows it (JSON for API clients).
    let token = saved["token"].as_str().unwrap();
    let shown: Value = app
        .get(&format!("/saved-searches/{token}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["has_area"], true);
    assert_eq!(shown["has_email"], false);
    assert_eq!(shown["search"]["municipality"], "13076090");
    assert!(shown["search"].get("geometry").is_none());
}

#[tokio::test]
async fn the_running_server_fills_the_feed_within_seconds() {
    let app = spawn_app_with(&[("GWF_ALERT_POLL_MS", "100")]).await;
    let (town, _) = app.place().await;
    let (_, saved) = subscribe(&app, json!({"search": {"zoning": "GE"}})).await;
    let url = saved["feed_url"].as_str().unwrap().to_owned();
    app.create_plot(&plot("FAST-1", town, json!({}))).await;
    let started = std::time::Instant::now();
    loop {
        if !feed(&app, &url).await.is_empty() {
            break;
        }
        assert!(started.elapsed().as_secs() < 20, "no entry after 20 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn saving_is_checked_like_a_search_and_guarded_like_a_form() {
    let app = spawn_app_with(&[QUIET, ("GWF_RATE_ALERT_PER_MIN", "100")]).await;
    app.place().await;
    // An invalid search is the search's 400, naming the parameter.
    let (status, problem) = subscribe(&app, json!({"search": {"status": "bogus"}})).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(pointers(&problem), ["status"]);
    let (status, problem) = subscribe(&app, json!({"search": {"municipality": "99"}})).await;
    assert_eq!(status, 400, "{problem}");
    let (status, _) = subscribe(&app, json!({"search": {"area_min": 5, "area_max": 1}})).await;
    assert_eq!(status, 400);
    let (status, _) = subscribe(&app, json!({"search": {"nonsense": 1}})).await;
    assert_eq!(status, 400);
    let bowtie =
        json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]});
    let (status, _) = subscribe(&app, json!({"search": {"geometry": bowtie}})).await;
    assert_eq!(status, 400);
    // The subscription's own members.
    let (status, problem) = subscribe(
        &app,
        json!({"search": {"published": false}, "email": "x@example.com", "language": "fr"}),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        pointers(&problem),
        ["/search/published", "/language", "/consent"]
    );
    let (status, _) = subscribe(&app, json!({"search": "status=available"})).await;
    assert_eq!(status, 422);
    let (status, _) = subscribe(&app, json!({"search": {}, "unknown": 1})).await;
    assert_eq!(status, 422);
    // No mail configured: an address cannot be confirmed, so it is refused.
    let (status, problem) = subscribe(
        &app,
        json!({"search": {}, "email": "x@example.com", "consent": {"accepted": true, "version": "1"}}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(pointers(&problem), ["/email"]);
    // A robot is answered like anyone, and nothing is stored.
    let (status, bait) = subscribe(
        &app,
        json!({"search": {}, "website": "http://spam.example"}),
    )
    .await;
    assert_eq!(status, 201);
    let response = app
        .client
        .get(bait["feed_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_problem(response, 404).await;
    let mut conn = app.db().await;
    let n: Id = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query("SELECT count(*) AS id FROM saved_searches"),
        &mut conn,
    )
    .await
    .unwrap();
    assert_eq!(n.id, 0);
    // Oversize, not JSON, wrong type.
    let big = json!({"search": {"q": "x".repeat(140 * 1024)}});
    let response = app
        .client
        .post(app.url("/saved-searches"))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_problem(response, 413).await;
    let response = app
        .client
        .post(app.url("/saved-searches"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_problem(response, 400).await;
    let response = app
        .client
        .post(app.url("/saved-searches"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(response, 415).await;
    // Tokens that are none, or unknown.
    for path in [
        "/saved-searches/nothing/atom",
        "/saved-searches/gwf_0000000000000000000000000000000000000000000000000000000000000000/atom",
        "/saved-searches/gwf_zz/unsubscribe",
    ] {
        let status = app.get(path).await.status();
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test]
async fn saving_is_rate_limited_per_client() {
    let app = spawn_app_with(&[QUIET, ("GWF_RATE_ALERT_PER_MIN", "2")]).await;
    for _ in 0..2 {
        assert_eq!(subscribe(&app, json!({"search": {}})).await.0, 201);
    }
    let response = app
        .client
        .post(app.url("/saved-searches"))
        .json(&json!({"search": {}}))
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 429).await;
}

#[tokio::test]
async fn unsubscribing_asks_on_get_and_deletes_on_post() {
    let app = spawn_app_with(&[QUIET]).await;
    let (_, saved) = subscribe(&app, json!({"search": {"zoning": "GI"}, "language": "en"})).await;
    let unsubscribe = saved["unsubscribe_url"].as_str().unwrap().to_owned();
    let manage = saved["manage_url"].as_str().unwrap().to_owned();
    // The manage page for browsers: the search, the feed, a button.
    let page = app
        .client
        .get(&manage)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "private, no-store");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("zoning: GI") && html.contains("method=\"post\""),
        "{html}"
    );
    assert!(html.contains("Your saved search"));
    // A GET (a mail scanner, a person) only asks.
    let page = app.client.get(&unsubscribe).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Unsubscribe"));
    assert_eq!(
        app.client
            .get(saved["feed_url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // RFC 8058: a POST with `List-Unsubscribe=One-Click` ends it.
    let done = app
        .client
        .post(&unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("You are unsubscribed"));
    let feed = app
        .client
        .get(saved["feed_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 404);
    let again = app.client.post(&unsubscribe).send().await.unwrap();
    assert_eq!(again.status(), 404);
    // DELETE through the API does the same.
    let (_, other) = subscribe(&app, json!({"search": {}})).await;
    let at = other["manage_url"].as_str().unwrap();
    assert_eq!(app.client.delete(at).send().await.unwrap().status(), 204);
    assert_eq!(app.client.delete(at).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn unused_feeds_expire_in_the_maintenance_run() {
    let app = spawn_app_with(&[QUIET]).await;
    let (_, old) = subscribe(&app, json!({"search": {}})).await;
    let (_, fresh) = subscribe(&app, json!({"search": {}})).await;
    let mut conn = app.db().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE saved_searches SET used_at = now() - interval '400 days' \
             WHERE id = (SELECT min(id) FROM saved_searches)",
        ),
        &mut conn,
    )
    .await
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gewerbeflaechen"))
        .args(["maintenance", "run"])
        .env("DATABASE_URL", &app.database_url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "0 saved searches deleted unconfirmed (after 72 h), 1 unused (after 365 days)"
        ),
        "{stdout}"
    );
    assert_eq!(
        app.get(&format!(
            "/saved-searches/{}/atom",
            old["token"].as_str().unwrap()
        ))
        .await
        .status(),
        404
    );
    assert_eq!(
        app.get(&format!(
            "/saved-searches/{}/atom",
            fresh["token"].as_str().unwrap()
        ))
        .await
        .status(),
        200
    );
}

#[tokio::test]
async fn staff_see_counts_only() {
    let app = spawn_app_with(&[QUIET]).await;
    subscribe(&app, json!({"search": {}})).await;
    let counts: Value = app
        .get_staff("/monitoring/alerts")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts["active_feed_only"], 1);
    assert_eq!(counts["pending"], 0);
    assert_eq!(app.get("/monitoring/alerts").await.status(), 401);
}

#[tokio::test]
async fn a_search_matching_more_than_five_thousand_plots_is_refused() {
    let app = spawn_app_with(&[QUIET]).await;
    let (municipality, _) = app.place().await;
    // 5,001 published plots on a 100 × 51 grid of 0.001° squares near 11.0° E, 53.0° N.
    let mut conn = app.db().await;
    let insert = diesel::sql_query(
        "INSERT INTO plots (reference, title_de, municipality_id, geom, area_geodesic_m2, status, zoning, \
         bplan_status, servicing, offer, data_confirmed_on, published, price_min_ct) \
         SELECT 'M-' || g, 'Fläche ' || g, $1, geom, ST_Area(geom::geography), 'available', 'GE', 'none', \
         'full', 'sale', '2026-01-01', true, 1000 FROM (SELECT g, ST_Multi(ST_MakeEnvelope( \
         11 + (g % 100) * 0.002, 53 + (g / 100) * 0.002, 11.001 + (g % 100) * 0.002, \
         53.001 + (g / 100) * 0.002, 4326)) AS geom FROM generate_series(1, 5001) g) s",
    )
    .bind::<diesel::sql_types::BigInt, _>(municipality);
    diesel_async::RunQueryDsl::execute(insert, &mut conn)
        .await
        .unwrap();
    drop(conn);
    let (status, problem) = subscribe(&app, json!({"search": {}})).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(pointers(&problem), ["/search"]);
    assert!(problem.to_string().contains("5000"), "{problem}");
    // Narrowed to the first row of the grid (g = 1…99), the search is saved.
    let (status, body) = subscribe(
        &app,
        json!({"search": {"bbox": "10.999,52.999,11.2,53.0015"}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["matching_now"], 99, "{body}");
}
