//! Writing regions, municipalities and estates over HTTP: the guarantees plots have (If-Match,
//! history, soft delete that refuses while something still refers to the place, drafts), and
//! the authorisation matrix for places.

mod matrix;

use serde_json::{json, Value};

use crate::helpers::*;

const EDITOR: &str = "gwf_places-editor";
const VIEWER: &str = "gwf_places-viewer";

/// A square outline; `size` in degrees.
fn ring(lon: f64, lat: f64, size: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [square(lon, lat, size)]})
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    version: Option<i64>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(path));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    if let Some(v) = version {
        request = request.header("If-Match", format!("\"{v}\""));
    }
    if let Some(b) = body {
        request = request.json(&b);
    }
    request.send().await.unwrap()
}

async fn created(response: reqwest::Response) -> Value {
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        etag.as_deref(),
        Some(format!("\"{}\"", body["version"]).as_str())
    );
    body
}

#[tokio::test]
async fn an_admin_sets_up_a_region_with_etags_history_and_soft_delete() {
    let app = spawn_app().await;
    use reqwest::Method as M;
    let region = created(
        send(&app, M::POST, "/regions", Some(TOKEN), None,
            Some(json!({"slug": "partheland", "name": "Partheland", "website": "https://partheland.example"}))).await,
    )
    .await;
    let rid = region["id"].as_i64().unwrap();
    let town = created(
        send(&app, M::POST, "/municipalities", Some(TOKEN), None, Some(json!({
            "region_id": rid, "ags": "14729050", "name": " Brandis ",
            "outline": ring(12.61, 51.33, 0.05),
            "contact_name": "Wirtschaftsförderung Brandis", "contact_email": "wifoe@brandis.example"
        }))).await,
    )
    .await;
    assert_eq!(town["name"], "Brandis", "names are trimmed");
    assert_eq!(town["outline"]["type"], "MultiPolygon");
    let mid = town["id"].as_i64().unwrap();

    // Changes need the version read.
    let path = format!("/municipalities/{mid}");
    let patch = json!({"contact_phone": "+49 34292 0"});
    assert_problem(
        send(
            &app,
            M::PATCH,
            &path,
            Some(TOKEN),
            None,
            Some(patch.clone()),
        )
        .await,
        428,
    )
    .await;
    let changed = send(
        &app,
        M::PATCH,
        &path,
        Some(TOKEN),
        Some(1),
        Some(patch.clone()),
    )
    .await;
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(
        (
            changed["version"].as_i64(),
            changed["contact_phone"].as_str()
        ),
        (Some(2), Some("+49 34292 0"))
    );
    let stale = assert_problem(
        send(&app, M::PATCH, &path, Some(TOKEN), Some(1), Some(patch)).await,
        412,
    )
    .await;
    assert_eq!(stale["current_version"], 2);
    // The same state again changes nothing, not even the version.
    let same = send(
        &app,
        M::PATCH,
        &path,
        Some(TOKEN),
        Some(2),
        Some(json!({"contact_phone": "+49 34292 0"})),
    )
    .await;
    assert_eq!(same.json::<Value>().await.unwrap()["version"], 2);

    // Rules and uniqueness come back as problems naming the member.
    let bad = send(
        &app,
        M::POST,
        "/municipalities",
        Some(TOKEN),
        None,
        Some(json!({"region_id": rid, "ags": "99729050", "name": "X"})),
    )
    .await;
    assert_eq!(pointers(&assert_problem(bad, 422).await), ["/ags"]);
    let taken = send(
        &app,
        M::POST,
        "/municipalities",
        Some(TOKEN),
        None,
        Some(json!({"region_id": rid, "ags": "14729050", "name": "Zweimal"})),
    )
    .await;
    assert_eq!(pointers(&assert_problem(taken, 409).await), ["/ags"]);
    let orphan = send(
        &app,
        M::POST,
        "/municipalities",
        Some(TOKEN),
        None,
        Some(json!({"region_id": 999999, "ags": "14729060", "name": "Borsdorf"})),
    )
    .await;
    assert_eq!(pointers(&assert_problem(orphan, 422).await), ["/region_id"]);

    // An estate with its facts; a plot in it; the town cannot go while they exist.
    let estate = created(
        send(&app, M::POST, "/estates", Some(TOKEN), None, Some(json!({
            "municipality_id": mid, "name": "Gewerbegebiet Brandis-Ost", "published": true,
            "outline": ring(12.62, 51.33, 0.01), "gross_area_m2": 640000, "net_area_m2": 500000,
            "bplan_name": "B-Plan Nr. 4", "bplan_legal_date": "2019-05-01",
            "bplan_url": "https://bauportal.example/b4.pdf", "motorway_junction": "Naunhof (A14)",
            "dist_motorway_km": 4.5, "grw_area": true
        }))).await,
    )
    .await;
    let eid = estate["id"].as_i64().unwrap();
    assert_eq!(estate["bplan_legal_date"], "2019-05-01");
    assert_eq!(
        estate["warnings"],
        json!([]),
        "inside its town: no spatial findings"
    );
    let astray = created(
        send(
            &app,
            M::POST,
            "/estates",
            Some(TOKEN),
            None,
            Some(json!({
                "municipality_id": mid, "name": "Gewerbegebiet Irrtum",
                "outline": ring(12.9, 51.33, 0.01)
            })),
        )
        .await,
    )
    .await;
    assert_eq!(
        astray["warnings"][0]["kind"], "estate_outside_municipality",
        "{astray}"
    );
    let astray_path = format!("/estates/{}", astray["id"]);
    assert_eq!(
        send(&app, M::DELETE, &astray_path, Some(TOKEN), Some(1), None)
            .await
            .status(),
        204
    );
    let plot = app.create_plot(&plot_body("BRA-001", mid, Some(eid))).await;
    let refused = assert_problem(
        send(&app, M::DELETE, &path, Some(TOKEN), Some(2), None).await,
        409,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("1 estate and 1 plot"),
        "{refused}"
    );
    assert_problem(
        send(
            &app,
            M::DELETE,
            &format!("/regions/{rid}"),
            Some(TOKEN),
            Some(1),
            None,
        )
        .await,
        409,
    )
    .await;

    // Once the plot and the estate are gone, so can the town be; it then reads as unknown.
    let plot_version = format!("\"{}\"", plot["version"]);
    let gone = app
        .client
        .delete(app.url(&format!("/plots/{}", plot["id"])))
        .bearer_auth(TOKEN)
        .header("If-Match", plot_version)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 204);
    let estate_path = format!("/estates/{eid}");
    assert_eq!(
        send(&app, M::DELETE, &estate_path, Some(TOKEN), Some(1), None)
            .await
            .status(),
        204
    );
    assert_eq!(
        send(&app, M::DELETE, &path, Some(TOKEN), Some(2), None)
            .await
            .status(),
        204
    );
    assert_problem(app.get(&path).await, 404).await;
    let listed: Value = app
        .get(&format!("/municipalities?parent={rid}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 0);

    // The history says who did what, and stays after the delete.
    let history: Value = send(
        &app,
        M::GET,
        &format!("/estates/{eid}/history"),
        Some(TOKEN),
        None,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(history.as_object().map(|_| ()), Some(()), "{history}");
    let region_history: Value = send(
        &app,
        M::GET,
        &format!("/regions/{rid}/history"),
        Some(TOKEN),
        None,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let items = region_history["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0]["action"].as_str(), items[0]["via"].as_str()),
        (Some("create"), Some("api"))
    );
    assert!(items[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["field"] == "website"));
}

#[tokio::test]
async fn municipality_history_records_changes_and_moves_between_regions() {
    let app = spawn_app().await;
    let (mid, _) = app.place().await;
    let other: Value = created(
        app.client
            .post(app.url("/regions"))
            .bearer_auth(TOKEN)
            .json(&json!({"slug": "saalebogen", "name": "Städtedreieck am Saalebogen"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let path = format!("/municipalities/{mid}");
    let moved = app
        .client
        .patch(app.url(&path))
        .bearer_auth(TOKEN)
        .header("If-Match", "\"1\"")
        .json(&json!({"region_id": other["id"], "outline": ring(11.45, 53.3, 0.1)}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200);
    let history: Value = app
        .client
        .get(app.url(&format!("{path}/history")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entry = &history["items"][0];
    assert_eq!(
        (entry["action"].as_str(), entry["version"].as_i64()),
        (Some("update"), Some(2))
    );
    let fields: Vec<&str> = entry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["outline", "region_id"]);
    assert!(entry["changes"][0]["to"]["area_m2"].as_f64().unwrap() > 70_000_000.0);
    // The map outline is the generalised copy; the detail says where the town lies now.
    let town: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(town["region_id"], other["id"]);
    assert_eq!(town["outline"]["type"], "MultiPolygon");
}

#[tokio::test]
async fn a_draft_estate_is_staff_only_and_its_plots_show_no_estate_name() {
    let app = spawn_app().await;
    let (mid, _) = app.place().await;
    app.account_with_token("editor@ludwigslust.example", "editor", &[mid], EDITOR)
        .await;
    let draft = created(
        app.client
            .post(app.url("/estates"))
            .bearer_auth(EDITOR)
            .json(&json!({"municipality_id": mid, "name": "Industriepark Süd"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(draft["published"], false, "new estates are drafts");
    let eid = draft["id"].as_i64().unwrap();
    let mut body = plot_body("LWL-900", mid, Some(eid));
    body["published"] = true.into();
    let plot = app.create_plot(&body).await;

    let path = format!("/estates/{eid}");
    assert_problem(app.get(&path).await, 404).await;
    assert_eq!(app.get_with(&path, EDITOR).await, 200);
    let listed: Value = app
        .get(&format!("/estates?parent={mid}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(listed.as_array().unwrap().iter().all(|e| e["id"] != eid));
    let public: Value = app
        .get(&format!("/plots/{}", plot["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (public["estate_name"].clone(), public["estate_id"].clone()),
        (Value::Null, Value::Null)
    );

    let published = app
        .client
        .patch(app.url(&path))
        .bearer_auth(EDITOR)
        .header("If-Match", "\"1\"")
        .json(&json!({"published": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);
    assert_eq!(app.get(&path).await.status(), 200);
    let public: Value = app
        .get(&format!("/plots/{}", plot["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["estate_name"], "Industriepark Süd");
    let history: Value = app
        .client
        .get(app.url(&format!("{path}/history")))
        .bearer_auth(EDITOR)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["items"][0]["action"], "publish");
    // With a plot in it, the estate stays where it is.
    let foreign = app.other_municipality().await;
    let moved = app
        .client
        .patch(app.url(&path))
        .bearer_auth(TOKEN)
        .header("If-Match", "\"2\"")
        .json(&json!({"municipality_id": foreign}))
        .send()
        .await
        .unwrap();
    assert_problem(moved, 409).await;
}

#[tokio::test]
async fn searches_use_the_estate_location_facts_a_plot_leaves_empty() {
    let app = spawn_app().await;
    let (mid, _) = app.place().await;
    let estate = created(
        app.client
            .post(app.url("/estates"))
            .bearer_auth(TOKEN)
            .json(
                &json!({"municipality_id": mid, "name": "Logistikpark A14", "published": true,
                      "dist_motorway_km": 1.5, "broadband_mbit": 1000}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    let mut inherits = plot_body("LWL-801", mid, estate["id"].as_i64());
    inherits["published"] = true.into();
    inherits.as_object_mut().unwrap().remove("dist_motorway_km");
    inherits.as_object_mut().unwrap().remove("broadband_mbit");
    app.create_plot(&inherits).await;
    let mut own = plot_body("LWL-802", mid, estate["id"].as_i64());
    own["published"] = true.into();
    own["dist_motorway_km"] = 9.0.into();
    app.create_plot(&own).await;

    let refs = |body: Value| -> Vec<String> {
        body["items"]
            .as_array()
            .or(body.as_array())
            .unwrap()
            .iter()
            .map(|p| p["reference"].as_str().unwrap().to_owned())
            .collect()
    };
    let near: Value = app
        .get("/plots?max_dist_motorway_km=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        refs(near),
        ["LWL-801"],
        "the plot's own 9 km wins over the estate's 1.5 km"
    );
    let fast: Value = app
        .get("/plots?min_broadband_mbit=500")
        .await
        .json()
        .await
        .unwrap();
    assert!(refs(fast).contains(&"LWL-801".to_owned()));

    // A draft estate lends nothing.
    let path = format!("/estates/{}", estate["id"]);
    let hidden = app
        .client
        .patch(app.url(&path))
        .bearer_auth(TOKEN)
        .header("If-Match", "\"1\"")
        .json(&json!({"published": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), 200);
    let near: Value = app
        .get("/plots?max_dist_motorway_km=2")
        .await
        .json()
        .await
        .unwrap();
    assert!(refs(near).is_empty());
}

#[tokio::test]
async fn an_admin_restores_deleted_places_in_order() {
    let app = spawn_app().await;
    let (mid, _) = app.place().await;
    app.account_with_token("editor@ludwigslust.example", "editor", &[mid], EDITOR)
        .await;
    let estate = created(
        app.client
            .post(app.url("/estates"))
            .bearer_auth(TOKEN)
            .json(&json!({"municipality_id": mid, "name": "Altes Gaswerk", "published": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let path = format!("/estates/{}", estate["id"]);
    let deleted = app
        .client
        .delete(app.url(&path))
        .bearer_auth(TOKEN)
        .header("If-Match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let restore = |token: &'static str, version: &'static str| {
        app.client
            .post(app.url(&format!("{path}/restore")))
            .bearer_auth(token)
            .header("If-Match", version)
            .send()
    };
    assert_problem(restore(EDITOR, "\"2\"").await.unwrap(), 403).await;
    assert_problem(restore(TOKEN, "\"1\"").await.unwrap(), 412).await;
    let back = restore(TOKEN, "\"2\"").await.unwrap();
    assert_eq!(back.status(), 200);
    let back: Value = back.json().await.unwrap();
    assert_eq!(
        (back["version"].as_i64(), back["published"].as_bool()),
        (Some(3), Some(false)),
        "back as a draft"
    );
    assert_problem(restore(TOKEN, "\"3\"").await.unwrap(), 404).await;
    let history: Value = app
        .client
        .get(app.url(&format!("{path}/history")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["restore", "delete", "create"]);
}
