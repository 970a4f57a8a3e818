//! No lost updates, the change history, drafts and soft delete.

use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;

const ANNA: &str = "gwf_anna";
const BERND: &str = "gwf_bernd";

fn if_match(plot: &Value) -> String {
    format!("\"{}\"", plot["version"])
}

async fn history(app: &TestApp, key: &str) -> Value {
    let response = app.get_staff(&format!("/plots/{key}/history")).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn two_editors_at_once_one_wins_the_other_gets_412_and_nothing_is_lost() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    app.account_with_token("anna@ludwigslust.example", "editor", &[municipality], ANNA)
        .await;
    app.account_with_token(
        "bernd@ludwigslust.example",
        "editor",
        &[municipality],
        BERND,
    )
    .await;
    let plot = app
        .create_plot(&plot_body("LWL-500", municipality, None))
        .await;
    let tag = if_match(&plot);

    // Both read version N and send their change at the same moment.
    let patch = |token: &'static str, body: Value| {
        app.client
            .patch(app.url("/plots/LWL-500"))
            .bearer_auth(token)
            .header("If-Match", tag.clone())
            .json(&body)
            .send()
    };
    let (a, b) = tokio::join!(
        patch(ANNA, json!({"status": "reserved"})),
        patch(BERND, json!({"price_min_eur_m2": "13.90"}))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412], "exactly one write wins");
    let (loser, loser_token, loser_change) = if a.status() == 412 {
        (a, ANNA, json!({"status": "reserved"}))
    } else {
        (b, BERND, json!({"price_min_eur_m2": "13.90"}))
    };
    let problem = assert_problem(loser, 412).await;
    let current = problem["current_version"].as_i64().unwrap();
    assert_eq!(current, plot["version"].as_i64().unwrap() + 1);

    // The loser re-reads and re-applies: both changes survive.
    let retry = app
        .client
        .patch(app.url("/plots/LWL-500"))
        .bearer_auth(loser_token)
        .header("If-Match", format!("\"{current}\""))
        .json(&loser_change)
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 200);
    let last: Value = retry.json().await.unwrap();
    assert_eq!(last["status"], "reserved");
    assert_eq!(last["price_min_eur_m2"], "13.90");

    let entries = history(&app, "LWL-500").await;
    let actors: Vec<&str> = entries["items"]
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .map(|e| e["actor"].as_str().unwrap())
        .collect();
    assert!(
        actors.contains(&"anna@ludwigslust.example")
            && actors.contains(&"bernd@ludwigslust.example")
    );
}

#[tokio::test]
async fn every_change_names_the_version_it_is_based_on() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    let plot = app
        .create_plot(&plot_body("LWL-501", municipality, None))
        .await;
    let url = app.url("/plots/LWL-501");
    let without = app
        .client
        .patch(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"grz": 0.5}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(without, 428).await;
    assert!(problem["detail"].as_str().unwrap().contains("If-Match"));
    let star = app
        .client
        .patch(&url)
        .bearer_auth(TOKEN)
        .header("If-Match", "*")
        .json(&json!({"grz": 0.5}))
        .send()
        .await
        .unwrap();
    assert_problem(star, 428).await;
    let garbage = app
        .client
        .patch(&url)
        .bearer_auth(TOKEN)
        .header("If-Match", "yesterday")
        .json(&json!({"grz": 0.5}))
        .send()
        .await
        .unwrap();
    assert_problem(garbage, 400).await;
    let delete = app
        .client
        .delete(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_problem(delete, 428).await;
    let publish = app
        .client
        .post(app.url("/plots/LWL-501/unpublish"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_problem(publish, 428).await;
    let put = app
        .client
        .put(&url)
        .bearer_auth(TOKEN)
        .json(&plot_body("LWL-501", municipality, None))
        .send()
        .await
        .unwrap();
    assert_problem(put, 428).await;
    let now: Value = app.get_staff("/plots/LWL-501").await.json().await.unwrap();
    assert_eq!(now["version"], plot["version"]);

    // Sending back what was read changes nothing and keeps the version.
    let same = app
        .client
        .put(&url)
        .bearer_auth(TOKEN)
        .header("If-Match", if_match(&now))
        .json(&now)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
    assert_eq!(same.headers()["etag"].to_str().unwrap(), if_match(&now));
}

#[tokio::test]
async fn history_records_who_changed_which_field_from_what_to_what() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    app.account_with_token("anna@ludwigslust.example", "editor", &[municipality], ANNA)
        .await;
    let mut body = plot_body("LWL-502", municipality, None);
    body["published"] = false.into();
    let created = app.create_plot(&body).await;
    assert_eq!(created["published"], false);

    let patched = app
        .client
        .patch(app.url("/plots/LWL-502"))
        .bearer_auth(ANNA)
        .header("If-Match", if_match(&created))
        .json(&json!({"price_min_eur_m2": "14", "status": "reserved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let patched: Value = patched.json().await.unwrap();

    // A new outline from the surveyor: twice as wide.
    let mut wider = patched.clone();
    wider["geometry"] = json!({"type": "Polygon", "coordinates": [[
        [11.5, 53.33], [11.502, 53.33], [11.502, 53.331], [11.5, 53.331], [11.5, 53.33]]]});
    let replaced = app
        .client
        .put(app.url("/plots/LWL-502"))
        .bearer_auth(ANNA)
        .header("If-Match", if_match(&patched))
        .json(&wider)
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.status(), 200);
    let replaced: Value = replaced.json().await.unwrap();
    let published = app
        .client
        .post(app.url("/plots/LWL-502/publish"))
        .bearer_auth(ANNA)
        .header("If-Match", if_match(&replaced))
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);
    let published: Value = published.json().await.unwrap();
    assert_eq!(published["published"], true);
    assert_eq!(app.get("/plots/LWL-502").await.status(), 200);

    let log = history(&app, "LWL-502").await;
    let items = log["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["publish", "update", "update", "create"]);
    let versions: Vec<i64> = items
        .iter()
        .map(|e| e["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [4, 3, 2, 1]);
    assert_eq!(log["version"], 4);

    let price = &items[2]["changes"];
    assert_eq!(items[2]["actor"], "anna@ludwigslust.example");
    assert_eq!(items[2]["via"], "api");
    assert!(items[2]["user_id"].is_i64());
    let mut fields: Vec<(&str, Value, Value)> = price
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["field"].as_str().unwrap(),
                c["from"].clone(),
                c["to"].clone(),
            )
        })
        .collect();
    fields.sort_by_key(|f| f.0);
    assert_eq!(
        fields,
        [
            ("price_min_eur_m2", json!("12.50"), json!("14.00")),
            ("status", json!("available"), json!("reserved")),
        ]
    );

    let geometry = &items[1]["changes"];
    assert_eq!(geometry.as_array().unwrap().len(), 1, "{geometry}");
    let change = &geometry[0];
    assert_eq!(change["field"], "geometry");
    let before = change["from"]["area_m2"].as_f64().unwrap();
    let after = change["to"]["area_m2"].as_f64().unwrap();
    assert!((after / before - 2.0).abs() < 0.01, "{before} → {after}");
    assert!((after - replaced["area_computed_m2"].as_f64().unwrap()).abs() < 0.1);
    assert_eq!(
        items[0]["changes"],
        json!([{"field": "published", "from": false, "to": true}])
    );
    assert_eq!(
        items[3]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == "reference")
            .unwrap()["to"],
        "LWL-502"
    );

    // Nobody rewrites history: not through the API, not even with SQL.
    assert_problem(app.get("/plots/LWL-502/history").await, 401).await;
    let rewrite = app
        .client
        .delete(app.url("/plots/LWL-502/history"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(rewrite.status(), 405);
    let mut conn = app.db().await;
    assert!(
        diesel::sql_query("UPDATE plot_history SET actor = 'someone else'")
            .execute(&mut conn)
            .await
            .is_err()
    );
    assert!(diesel::sql_query("DELETE FROM plot_history")
        .execute(&mut conn)
        .await
        .is_err());
}

#[tokio::test]
async fn deleting_is_soft_keeps_the_history_and_an_admin_restores() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    app.account_with_token("anna@ludwigslust.example", "editor", &[municipality], ANNA)
        .await;
    let plot = app
        .create_plot(&plot_body("LWL-503", municipality, None))
        .await;
    let deleted = app
        .client
        .delete(app.url("/plots/LWL-503"))
        .bearer_auth(ANNA)
        .header("If-Match", if_match(&plot))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);

    // Gone from every view.
    assert_problem(app.get("/plots/LWL-503").await, 404).await;
    assert_problem(app.get_staff("/plots/LWL-503").await, 404).await;
    let list: Value = app.get_staff("/plots").await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let facets: Value = app.get_staff("/plots/facets").await.json().await.unwrap();
    assert_eq!(facets["total"]["count"], 0, "{facets}");

    // Still in the database, with its history.
    let mut conn = app.db().await;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query("SELECT count(*) AS n FROM plots")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n.n, 1);
    let log = history(&app, "LWL-503").await;
    assert_eq!(log["deleted"], true);
    assert_eq!(log["items"][0]["action"], "delete");
    let version = log["version"].as_i64().unwrap();

    // Admins find it among the deleted plots; nobody else may look there.
    let trash: Value = app
        .get_staff("/plots?deleted=true")
        .await
        .json()
        .await
        .unwrap();
    let items = trash["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["reference"], "LWL-503");
    assert!(items[0]["deleted_at"].is_string());
    let as_editor = app
        .client
        .get(app.url("/plots?deleted=true"))
        .bearer_auth(ANNA)
        .send()
        .await
        .unwrap();
    assert_problem(as_editor, 403).await;
    assert_problem(app.get("/plots?deleted=true").await, 401).await;

    // Its reference stays taken.
    assert_problem(
        app.post_plot(&plot_body("LWL-503", municipality, None))
            .await,
        409,
    )
    .await;

    // Editors cannot restore; the admin can, and it comes back as a draft.
    let by_editor = app
        .client
        .post(app.url("/plots/LWL-503/restore"))
        .bearer_auth(ANNA)
        .header("If-Match", format!("\"{version}\""))
        .send()
        .await
        .unwrap();
    assert_problem(by_editor, 403).await;
    let restored = app
        .client
        .post(app.url("/plots/LWL-503/restore"))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{version}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(restored.status(), 200);
    let restored: Value = restored.json().await.unwrap();
    assert_eq!(restored["published"], false);
    assert_eq!(restored["version"], version + 1);
    assert_eq!(app.get_staff("/plots/LWL-503").await.status(), 200);
    assert_problem(app.get("/plots/LWL-503").await, 404).await;
    let log = history(&app, "LWL-503").await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["restore", "delete", "publish", "create"]);
}
