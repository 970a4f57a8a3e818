//! Freshness (issue 17, point 3): confirming a plot, its data age, `fresh=true`, and the
//! freshness report per municipality.

use serde_json::{json, Value};

use crate::helpers::*;

const EDITOR: &str = "gwf_fresh-editor";
const VIEWER: &str = "gwf_fresh-viewer";

fn today() -> String {
    gewerbeflaechen::domain::freshness::today().to_string()
}

async fn confirm(
    app: &TestApp,
    id: &Value,
    token: &str,
    version: Option<i64>,
) -> reqwest::Response {
    let request = app
        .client
        .post(app.url(&format!("/plots/{id}/confirm")))
        .bearer_auth(token);
    match version {
        Some(v) => request.header("If-Match", format!("\"{v}\"")),
        None => request,
    }
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn confirming_sets_the_date_only_and_is_recorded() {
    let app = spawn_app().await;
    let (m, _) = app.place().await;
    let other = app.other_municipality().await;
    app.account_with_token("e@fresh.example", "editor", &[other], EDITOR)
        .await;
    app.account_with_token("v@fresh.example", "viewer", &[], VIEWER)
        .await;
    let mut body = plot_body("F-001", m, None);
    body["data_confirmed_on"] = json!("2025-01-01");
    let plot = app.create_plot(&body).await;
    let (id, version) = (plot["id"].clone(), plot["version"].as_i64().unwrap());
    let age = (gewerbeflaechen::domain::freshness::today()
        - chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap())
    .num_days();
    assert_eq!(plot["data_age_days"], age);

    assert_problem(confirm(&app, &id, TOKEN, None).await, 428).await;
    assert_problem(confirm(&app, &id, TOKEN, Some(version - 1)).await, 412).await;
    assert_problem(confirm(&app, &id, VIEWER, Some(version)).await, 403).await;
    assert_problem(confirm(&app, &id, EDITOR, Some(version)).await, 403).await;
    let anonymous = app
        .client
        .post(app.url(&format!("/plots/{id}/confirm")))
        .header("If-Match", format!("\"{version}\""))
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, 401).await;

    let response = confirm(&app, &id, TOKEN, Some(version)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["etag"].to_str().unwrap(),
        format!("\"{}\"", version + 1)
    );
    let confirmed: Value = response.json().await.unwrap();
    assert_eq!(confirmed["data_confirmed_on"], today());
    assert_eq!(confirmed["data_age_days"], 0);
    assert_eq!(confirmed["version"], version + 1);
    for field in ["status", "price_min_eur_m2", "title_de", "published"] {
        assert_eq!(confirmed[field], plot[field], "{field} unchanged");
    }
    let history: Value = app
        .get_staff(&format!("/plots/{id}/history"))
        .await
        .json()
        .await
        .unwrap();
    let newest = &history["items"][0];
    assert_eq!(newest["action"], "confirm", "{history}");
    assert_eq!(
        newest["changes"],
        json!([{"field": "data_confirmed_on", "from": "2025-01-01", "to": today()}])
    );

    // Again on the same day: nothing changes.
    let again = confirm(&app, &id, TOKEN, Some(version + 1)).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["version"], version + 1);
}

#[tokio::test]
async fn searches_can_leave_out_stale_plots() {
    let app = spawn_app().await;
    let (m, _) = app.place().await;
    let mut old = plot_body("F-OLD", m, None);
    old["data_confirmed_on"] = json!("2020-01-01");
    app.create_plot(&old).await;
    let mut fresh = plot_body("F-NEW", m, None);
    fresh["data_confirmed_on"] = json!(today());
    app.create_plot(&fresh).await;
    let references = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["reference"].as_str().unwrap().to_owned())
            .collect()
    };
    let all: Value = app.get("/plots").await.json().await.unwrap();
    assert_eq!(references(all).len(), 2);
    let only: Value = app.get("/plots?fresh=true").await.json().await.unwrap();
    assert_eq!(references(only), vec!["F-NEW"]);
    let not: Value = app.get("/plots?fresh=false").await.json().await.unwrap();
    assert_eq!(references(not).len(), 2, "false does not filter");

    let lenient = spawn_bare(
        app.database_url.clone(),
        &[("GWF_STALE_AFTER_DAYS", "3650")],
    )
    .await;
    let both: Value = lenient.get("/plots?fresh=true").await.json().await.unwrap();
    assert_eq!(references(both).len(), 2);
}

#[tokio::test]
async fn the_freshness_report_names_stale_unconfirmed_and_incomplete_plots() {
    let app = spawn_app().await;
    let (m, _) = app.place().await;
    let other = app.other_municipality().await;
    app.account_with_token("e@fresh.example", "editor", &[other], EDITOR)
        .await;
    let mut old = plot_body("F-OLD", m, None);
    old["data_confirmed_on"] = json!("2020-01-01");
    let old = app.create_plot(&old).await;
    let mut complete = plot_body("F-FULL", m, None);
    complete["broadband_mbit"] = json!(1000);
    complete["dist_motorway_km"] = json!(2.5);
    complete["contact_email"] = json!("wifoe@ludwigslust.example");
    complete["description_en"] = json!("A fully described plot.");
    complete["published"] = json!(false);
    let complete = app.create_plot(&complete).await;
    let response = confirm(&app, &complete["id"], TOKEN, complete["version"].as_i64()).await;
    assert_eq!(response.status(), 200);

    assert_problem(app.get("/monitoring/freshness").await, 401).await;
    assert_problem(app.get_staff("/monitoring/freshness?limit=0").await, 400).await;
    let report: Value = app
        .get_staff("/monitoring/freshness")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["stale_after_days"], 365);
    let towns = report["municipalities"].as_array().unwrap();
    assert_eq!(towns.len(), 1, "only towns with plots");
    let town = &towns[0];
    assert_eq!(town["id"], m);
    assert_eq!(town["plots"], 2);
    assert_eq!(town["stale_count"], 1);
    assert_eq!(town["stale"][0]["reference"], "F-OLD");
    assert!(town["stale"][0]["data_age_days"].as_i64().unwrap() > 365);
    assert_eq!(town["never_confirmed_count"], 1);
    assert_eq!(town["never_confirmed"][0]["id"], old["id"]);
    // F-OLD has a price, a B-Plan and full servicing, but no broadband, distance, contact
    // (nor its town) or English description: 3 of 7. F-FULL has everything.
    assert_eq!(town["incomplete_count"], 1);
    let incomplete = &town["incomplete"][0];
    assert_eq!(incomplete["reference"], "F-OLD");
    assert_eq!(
        incomplete["missing"],
        json!(["broadband", "distances", "contact", "description_en"])
    );
    assert_eq!(incomplete["completeness"], 0.43);
    assert_eq!(town["completeness"], 0.71, "mean of 0.43 and 1.0");
    assert_eq!(town["truncated"], false);

    // An editor of another town sees no plots of this one.
    let response = app
        .client
        .get(app.url("/monitoring/freshness"))
        .bearer_auth(EDITOR)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let theirs: Value = response.json().await.unwrap();
    assert_eq!(theirs["municipalities"], json!([]));
}
