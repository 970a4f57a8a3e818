//! Spatial checks: the staff report `GET /places/checks` and the warnings of plot writes.
//!
//! Coordinates near Ludwigslust (53.33° N): 0.001° is about 66 m east–west and 111 m
//! north–south, so `square(lon, lat, 0.001)` is a plot of about 7,400 m².

use diesel::sql_types::{BigInt, Double};
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;

/// The test municipality's outline: 11.45–11.55 E, 53.30–53.36 N.
const TOWN: [f64; 4] = [11.45, 53.30, 11.55, 53.36];
/// Its estate's outline: 11.50–11.51 E, 53.33–53.335 N.
const ESTATE: [f64; 4] = [11.50, 53.33, 11.51, 53.335];

async fn set_outline(app: &TestApp, table: &str, id: i64, b: [f64; 4]) {
    let mut conn = app.db().await;
    diesel::sql_query(format!(
        "UPDATE {table} SET outline = ST_Multi(ST_MakeEnvelope($1, $2, $3, $4, 4326)) WHERE id = $5"
    ))
    .bind::<Double, _>(b[0])
    .bind::<Double, _>(b[1])
    .bind::<Double, _>(b[2])
    .bind::<Double, _>(b[3])
    .bind::<BigInt, _>(id)
    .execute(&mut conn)
    .await
    .unwrap();
}

/// The town and estate with outlines; returns (municipality, estate).
async fn outlined_place(app: &TestApp) -> (i64, i64) {
    let (m, e) = app.place().await;
    set_outline(app, "municipalities", m, TOWN).await;
    set_outline(app, "estates", e, ESTATE).await;
    (m, e)
}

fn plot_at(reference: &str, m: i64, e: Option<i64>, lon: f64, lat: f64) -> Value {
    let mut body = plot_body(reference, m, e);
    body["geometry"] = json!({"type": "Polygon", "coordinates": [square(lon, lat, 0.001)]});
    body.as_object_mut().unwrap().remove("published");
    body
}

async fn report(app: &TestApp, query: &str, token: &str) -> Value {
    let response = app
        .client
        .get(app.url(&format!("/places/checks{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn findings_of(report: &Value, municipality: i64) -> Vec<Value> {
    report["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == municipality)
        .map(|m| m["findings"].as_array().unwrap().clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_report_finds_plots_outside_and_tolerates_boundary_noise() {
    let app = spawn_app().await;
    let (m, e) = outlined_place(&app).await;
    // Inside its estate and town: nothing to say.
    let inside = app
        .create_plot(&plot_at("LWL-201", m, Some(e), 11.501, 53.331))
        .await;
    assert_eq!(inside["warnings"], json!([]), "{inside}");
    let empty = report(&app, "", TOKEN).await;
    assert_eq!(findings_of(&empty, m), Vec::<Value>::new(), "{empty}");
    assert_eq!(empty["municipalities"][0]["ags"], "13076090");
    assert_eq!(empty["truncated"], false);

    // 30 % over the estate's east edge (11.51): a finding, with the area outside.
    let over = app
        .create_plot(&plot_at("LWL-202", m, Some(e), 11.5093, 53.331))
        .await;
    // 3 m over the town's west edge (11.45), in no estate: within the tolerance.
    app.create_plot(&plot_at("LWL-203", m, None, 11.44995, 53.331))
        .await;
    // Wholly in the neighbouring town: a finding.
    app.create_plot(&plot_at("LWL-204", m, None, 11.40, 53.331))
        .await;

    let found = report(&app, &format!("?municipality={m}"), TOKEN).await;
    let findings = findings_of(&found, m);
    let kinds: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap(),
                f["plot"]["reference"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("plot_outside_estate", "LWL-202"),
            ("plot_outside_municipality", "LWL-204")
        ],
        "{found}"
    );
    let outside = &findings[0];
    let area = over["area_computed_m2"].as_f64().unwrap();
    let measured = outside["area_m2"].as_f64().unwrap();
    assert!(
        (measured - 0.3 * area).abs() < 0.01 * area,
        "{measured} of {area}"
    );
    assert!((outside["share"].as_f64().unwrap() - 0.3).abs() < 0.005);
    assert_eq!(outside["estate"]["name"], "GE Nord");
    assert_eq!(outside["plot"]["published"], false, "drafts are checked");
    assert!(
        outside["message"].as_str().unwrap().contains("(30 %)"),
        "{outside}"
    );
    assert!(outside["message_de"]
        .as_str()
        .unwrap()
        .contains("außerhalb ihres Gewerbegebiets GE Nord"));
    assert_eq!(findings[1]["share"], 1.0);
    assert_eq!(found["finding_count"], 2);
    assert_eq!(found["tolerances"].as_array().unwrap().len(), 5);

    // The same as GeoJSON: the ground outside as each Feature's geometry.
    let geo = app
        .client
        .get(app.url("/places/checks?f=geojson"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(geo.headers()["content-type"], "application/geo+json");
    let geo: Value = geo.json().await.unwrap();
    assert_eq!(geo["numberReturned"], 2);
    let feature = &geo["features"][0];
    assert_eq!(feature["geometry"]["type"], "MultiPolygon");
    assert_eq!(feature["properties"]["municipality_name"], "Ludwigslust");
    assert_eq!(feature["properties"]["kind"], "plot_outside_estate");

    // Bounded: `limit` and `truncated`.
    let first = report(&app, "?limit=1", TOKEN).await;
    assert_eq!(
        (
            first["finding_count"].as_i64(),
            first["truncated"].as_bool()
        ),
        (Some(1), Some(true))
    );
    assert_problem(app.get_staff("/places/checks?limit=5000").await, 400).await;
    assert_problem(app.get_staff("/places/checks?municipality=999").await, 404).await;

    // Deleted plots are never checked.
    let response = app
        .client
        .delete(app.url("/plots/LWL-204"))
        .bearer_auth(TOKEN)
        .header("If-Match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let after = report(&app, "", TOKEN).await;
    assert_eq!(findings_of(&after, m).len(), 1, "{after}");
}

#[tokio::test]
async fn an_estate_outside_its_town_is_found() {
    let app = spawn_app().await;
    let (m, e) = outlined_place(&app).await;
    // Half of the estate east of the town's edge (11.55).
    set_outline(&app, "estates", e, [11.54, 53.33, 11.56, 53.335]).await;
    let found = report(&app, "", TOKEN).await;
    let findings = findings_of(&found, m);
    assert_eq!(findings.len(), 1, "{found}");
    assert_eq!(findings[0]["kind"], "estate_outside_municipality");
    assert_eq!(findings[0]["estate"]["id"], e);
    assert!((findings[0]["share"].as_f64().unwrap() - 0.5).abs() < 0.01);

    // What an estate write will warn about: the estate, and its plots.
    app.create_plot(&plot_at("LWL-501", m, Some(e), 11.53, 53.331))
        .await;
    let mut conn = app.db().await;
    let warnings = gewerbeflaechen::db::checks::for_estate(&mut conn, e)
        .await
        .unwrap();
    let kinds: Vec<_> = warnings.iter().map(|w| w.kind).collect();
    use gewerbeflaechen::domain::checks::FindingKind::*;
    assert_eq!(kinds, [PlotOutsideEstate, EstateOutsideMunicipality]);
    // Also inside a write's transaction (as a savepoint).
    use diesel_async::AsyncConnection;
    let inside = conn
        .transaction(async |c| gewerbeflaechen::db::checks::for_estate(c, e).await)
        .await
        .unwrap();
    assert_eq!(inside, warnings);
}

#[tokio::test]
async fn two_plots_on_the_same_ground_of_one_estate_are_one_finding() {
    let app = spawn_app().await;
    let (m, e) = outlined_place(&app).await;
    let a = app
        .create_plot(&plot_at("LWL-301", m, Some(e), 11.501, 53.331))
        .await;
    // Shares only an edge with the first: no finding.
    let neighbour = app
        .create_plot(&plot_at("LWL-302", m, Some(e), 11.502, 53.331))
        .await;
    assert_eq!(neighbour["warnings"], json!([]), "{neighbour}");
    // Half on the first one's ground: the write says so, and does not fail.
    let b = app
        .create_plot(&plot_at("LWL-303", m, Some(e), 11.501, 53.3315))
        .await;
    let warnings = b["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{b}");
    assert_eq!(warnings[0]["kind"], "plots_overlap_in_estate");
    assert_eq!(warnings[0]["plot"]["id"], a["id"]);
    assert_eq!(warnings[0]["other_plot"]["id"], b["id"]);
    assert!((warnings[0]["share"].as_f64().unwrap() - 0.5).abs() < 0.01);

    let found = report(&app, "", TOKEN).await;
    let findings = findings_of(&found, m);
    assert_eq!(findings.len(), 1, "one finding per pair, not two: {found}");
    assert_eq!(findings[0]["kind"], "plots_overlap_in_estate");
    assert_eq!(findings[0]["estate"]["name"], "GE Nord");

    // Sent back as answered (with `warnings`) and moved off the ground: no warnings.
    let mut moved = b.clone();
    moved["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.505, 53.331, 0.001)]});
    let response = app
        .client
        .put(app.url(&format!("/plots/{}", b["id"])))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", b["version"]))
        .json(&moved)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["warnings"], json!([]));
    // A PATCH back onto the first one's ground warns again.
    let response = app
        .client
        .patch(app.url(&format!("/plots/{}", b["id"])))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", body["version"]))
        .header("Content-Type", "application/merge-patch+json")
        .body(json!({"geometry": {"type": "Polygon", "coordinates": [square(11.5012, 53.331, 0.001)]}}).to_string())
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["warnings"][0]["kind"], "plots_overlap_in_estate",
        "{body}"
    );
    // Reads do not carry warnings.
    let read: Value = app
        .get_staff(&format!("/plots/{}", b["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert!(read.get("warnings").is_none());
}

#[tokio::test]
async fn checks_are_for_staff_of_the_town() {
    let app = spawn_app().await;
    let (m, e) = outlined_place(&app).await;
    app.create_plot(&plot_at("LWL-401", m, Some(e), 11.5093, 53.331))
        .await;
    let grabow = app.other_municipality().await;
    app.account_with_token(
        "e@grabow.example",
        "editor",
        &[grabow],
        "gwf_grabow-editor-token-0123456789",
    )
    .await;
    app.account_with_token(
        "e@lwl.example",
        "editor",
        &[m],
        "gwf_lwl-editor-token-0123456789ab",
    )
    .await;
    app.account_with_token(
        "v@test.example",
        "viewer",
        &[],
        "gwf_viewer-token-0123456789abcdef",
    )
    .await;

    assert_problem(app.get("/places/checks").await, 401).await;

    // The editor of Grabow sees Grabow only, and may not ask for Ludwigslust.
    let theirs = report(&app, "", "gwf_grabow-editor-token-0123456789").await;
    let ids: Vec<_> = theirs["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [grabow], "{theirs}");
    assert_eq!(theirs["finding_count"], 0);
    assert_eq!(
        app.get_with(
            &format!("/places/checks?municipality={m}"),
            "gwf_grabow-editor-token-0123456789"
        )
        .await,
        403
    );

    // A write-only token of Ludwigslust's editor writes, but the warnings (which name drafts)
    // stay with tokens that read.
    let writer = "gwf_lwl-writer-token-0123456789ab";
    app.account_with_token("w@lwl.example", "editor", &[m], writer)
        .await;
    let mut conn = app.db().await;
    diesel::sql_query("UPDATE auth_tokens SET scopes = '{write}' WHERE user_id = (SELECT id FROM users WHERE email = 'w@lwl.example')")
        .execute(&mut conn)
        .await
        .unwrap();
    let response = app
        .client
        .post(app.url("/plots"))
        .bearer_auth(writer)
        .json(&plot_at("LWL-402", m, Some(e), 11.5093, 53.331))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let written: Value = response.json().await.unwrap();
    assert!(written.get("warnings").is_none(), "{written}");
    assert_eq!(app.get_with("/places/checks", writer).await, 403);

    // Ludwigslust's editor and a viewer see the findings.
    let own = report(&app, "", "gwf_lwl-editor-token-0123456789ab").await;
    let kinds: Vec<_> = findings_of(&own, m)
        .iter()
        .map(|f| f["kind"].clone())
        .collect();
    assert_eq!(
        kinds,
        [
            "plot_outside_estate",
            "plot_outside_estate",
            "plots_overlap_in_estate"
        ],
        "{own}"
    );
    let region = report(&app, "", "gwf_viewer-token-0123456789abcdef").await;
    assert_eq!(findings_of(&region, m).len(), 3);
    assert_eq!(region["municipalities"].as_array().unwrap().len(), 2);
}
