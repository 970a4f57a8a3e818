//! The monitoring report of the demo data (its dated past) and as a page for people.

use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use serde_json::Value;

use crate::helpers::*;
use crate::monitoring::{report, seed, states_written_and_rebuilt};

#[tokio::test]
async fn the_demo_data_has_a_past() {
    let app = spawn_app().await;
    let mut conn = app.db().await;
    gewerbeflaechen::demo::seed(&mut conn).await.unwrap();
    let r = report(&app, "").await;
    let t = &r["total"];
    let years = t["take_up"]["years"].as_array().unwrap();
    let sum = |member: &str| -> u64 { years.iter().map(|y| y[member].as_u64().unwrap()).sum() };
    // data/demo/a14.json: 4 plots sold and 5 reserved today, each on offer before.
    assert_eq!(sum("sold_count"), 4);
    assert_eq!(sum("reserved_count"), 5);
    assert!(t["supply"]["count"].as_u64().unwrap() >= 15);
    assert!(
        t["reichweite"]["years_5y"].is_number(),
        "{}",
        t["reichweite"]
    );
    // Five years back the sold plots were still on offer.
    let back = gewerbeflaechen::domain::freshness::today() - chrono::Duration::days(4 * 365);
    let then = report(&app, &format!("as_of={back}")).await;
    assert!(
        then["total"]["supply"]["count"].as_u64() > t["supply"]["count"].as_u64(),
        "{}",
        then["total"]["supply"]
    );
    let freshness: Value = app
        .get_staff("/monitoring/freshness")
        .await
        .json()
        .await
        .unwrap();
    let towns = freshness["municipalities"].as_array().unwrap();
    let count = |member: &str| -> u64 { towns.iter().map(|m| m[member].as_u64().unwrap()).sum() };
    assert!(count("stale_count") >= 3, "some stale plots");
    assert_eq!(count("never_confirmed_count"), 0);
    // Seeding again adds no history; the states are those the history gives.
    gewerbeflaechen::demo::seed(&mut conn).await.unwrap();
    assert_eq!(
        states_written_and_rebuilt(&app).await,
        report_states(&app).await
    );
}

/// The number of states.
async fn report_states(app: &TestApp) -> usize {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db().await;
    let n: N = diesel::sql_query("SELECT count(*) AS n FROM plot_states")
        .get_result(&mut conn)
        .await
        .unwrap();
    n.n as usize
}

#[tokio::test]
async fn the_report_is_a_printable_page_in_german_and_english() {
    let app = spawn_app().await;
    seed(&app).await;
    let page = |query: &'static str, accept: &'static str| {
        app.client
            .get(app.url(&format!("/monitoring?{query}")))
            .bearer_auth(TOKEN)
            .header("Accept", accept)
            .send()
    };
    let response = page("as_of=2026-06-30", "text/html,application/xhtml+xml")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(response.headers().contains_key("content-security-policy"));
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1>Flächenbilanz Testregion</h1>"), "{html}");
    assert!(html.contains("Stand 30.06.2026"));
    // 23.3 ha of supply, 6.2 immediately, Reichweite 7.75 years (to one decimal: 7,8).
    for want in [
        "23,3 ha",
        "6,2 ha",
        "7,8 Jahre",
        "<svg",
        "@media print",
        "Ludwigslust",
        "Grabow",
    ] {
        assert!(html.contains(want), "page lacks {want}");
    }
    assert!(!html.contains("<script"), "no script");
    let en = page("as_of=2026-06-30&f=html&lang=en", "*/*")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("Land balance Testregion") && en.contains("23.3 ha"));
    assert!(
        en.contains("href=\"?as_of=2026-06-30&amp;f=html&amp;lang=de\""),
        "language switch"
    );
    assert_problem(page("f=html&lang=fr", "*/*").await.unwrap(), 400).await;
    // JSON stays the default for API clients.
    let json = page("as_of=2026-06-30", "application/json").await.unwrap();
    assert!(json.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
}

#[tokio::test]
async fn the_demo_dates_move_with_the_day_of_seeding() {
    let app = spawn_app().await;
    let mut conn = app.db().await;
    // data/demo/a14.json is dated 2026-11-27; seeded a year earlier, everything is a year earlier.
    let day = chrono::NaiveDate::from_ymd_opt(2025, 11, 27).unwrap();
    let first = gewerbeflaechen::demo::seed_on(&mut conn, day)
        .await
        .unwrap();
    assert_eq!(first.plots_created, 34);
    let plot: Value = app.get_staff("/plots/NSG-009").await.json().await.unwrap();
    assert_eq!(plot["data_confirmed_on"], "2025-11-10");
    let plot: Value = app.get_staff("/plots/LWL-003").await.json().await.unwrap();
    assert_eq!(plot["available_from"], "2025-01-01");
    let history: Value = app
        .get_staff("/plots/NSG-009/history")
        .await
        .json()
        .await
        .unwrap();
    let latest = history["items"][0]["changed_at"]
        .as_str()
        .unwrap_or_default();
    assert!(latest.starts_with("2025-11-10"), "{history}");
    // Seeding again (on another day) changes nothing.
    let again = gewerbeflaechen::demo::seed(&mut conn).await.unwrap();
    assert_eq!((again.plots_created, again.plots_kept), (0, 34));
    let plot: Value = app.get_staff("/plots/NSG-009").await.json().await.unwrap();
    assert_eq!(plot["data_confirmed_on"], "2025-11-10");
}
