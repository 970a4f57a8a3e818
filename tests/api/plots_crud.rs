use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn create_read_replace_patch_delete_round_trip() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;

    let created = app
        .create_plot(&plot_body("LWL-101", municipality, Some(estate)))
        .await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["reference"], "LWL-101");
    // Created as a draft (version 1), then published (version 2).
    assert_eq!(created["version"], 2);
    assert_eq!(created["published"], true);
    assert_eq!(created["municipality_name"], "Ludwigslust");
    assert_eq!(created["estate_name"], "GE Nord");
    assert_eq!(created["price_min_eur_m2"], "12.50");
    assert_eq!(created["price_max_eur_m2"], "15.00");
    assert_eq!(created["demo"], false);

    // Readable by id and by reference, with the version as ETag.
    let by_id = app.get(&format!("/plots/{id}")).await;
    assert_eq!(by_id.status(), 200);
    assert_eq!(by_id.headers()["etag"], "\"2\"");
    let by_id: Value = by_id.json().await.unwrap();
    let by_ref: Value = app.get("/plots/lwl-101").await.json().await.unwrap();
    assert_eq!(by_id, by_ref);
    assert_eq!(by_id["title_en"], "Commercial plot on Test Road");

    // Replace: the read form can be sent back, edited.
    let mut edited = by_id.clone();
    edited["status"] = json!("reserved");
    edited["title_de"] = json!("Reservierte Fläche");
    edited["internal_notes"] = json!("Käufer: Logistiker");
    edited["published"] = json!(true);
    let replaced = app
        .client
        .put(app.url(&format!("/plots/{id}")))
        .bearer_auth(TOKEN)
        .header("If-Match", "\"2\"")
        .json(&edited)
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.status(), 200);
    assert_eq!(replaced.headers()["etag"], "\"3\"");
    let replaced: Value = replaced.json().await.unwrap();
    assert_eq!(replaced["status"], "reserved");
    assert_eq!(replaced["version"], 3);
    assert_eq!(replaced["internal_notes"], "Käufer: Logistiker");

    // A stale If-Match is refused and says which version is current.
    let stale = app
        .client
        .put(app.url(&format!("/plots/{id}")))
        .bearer_auth(TOKEN)
        .header("If-Match", "\"2\"")
        .json(&edited)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(stale, 412).await;
    assert_eq!(problem["current_version"], 3);

    // Merge patch: only the given members change; null clears.
    let patched = app
        .client
        .patch(app.url(&format!("/plots/{id}")))
        .bearer_auth(TOKEN)
        .header("If-Match", "\"3\"")
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"price_max_eur_m2": null, "price_min_eur_m2": "9.99", "grz": 0.6}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let patched: Value = patched.json().await.unwrap();
    assert_eq!(patched["price_min_eur_m2"], "9.99");
    assert_eq!(patched["price_max_eur_m2"], Value::Null);
    assert_eq!(patched["grz"], 0.6);
    assert_eq!(patched["status"], "reserved");
    assert_eq!(patched["version"], 4);
    assert_eq!(patched["geometry"], by_id["geometry"]);

    // A patch that breaks a rule changes nothing.
    let bad = app
        .client
        .patch(app.url(&format!("/plots/{id}")))
        .bearer_auth(TOKEN)
        .header("If-Match", "\"4\"")
        .json(&json!({"grz": 3}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(bad, 422).await;
    assert_eq!(pointers(&problem), ["/grz"]);
    let unchanged: Value = app.get(&format!("/plots/{id}")).await.json().await.unwrap();
    assert_eq!(unchanged["version"], 4);

    let deleted = app
        .client
        .delete(app.url(&format!("/plots/{id}")))
        .bearer_auth(TOKEN)
        .header("If-Match", "\"4\"")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_problem(app.get(&format!("/plots/{id}")).await, 404).await;
}

#[tokio::test]
async fn created_plot_has_location_and_is_a_draft_by_default() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    let mut body = plot_body("GRA-001", municipality, None);
    body.as_object_mut().unwrap().remove("published");
    let response = app.post_plot(&body).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let plot: Value = response.json().await.unwrap();
    assert_eq!(location, app.url(&format!("/plots/{}", plot["id"])));
    assert_eq!(plot["published"], false);
    assert_problem(app.get(&format!("/plots/{}", plot["id"])).await, 404).await;
}

#[tokio::test]
async fn duplicate_reference_is_a_conflict() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    app.create_plot(&plot_body("NSG-001", municipality, None))
        .await;
    let problem = assert_problem(
        app.post_plot(&plot_body("NSG-001", municipality, None))
            .await,
        409,
    )
    .await;
    assert_eq!(pointers(&problem), ["/reference"]);
}

#[tokio::test]
async fn estate_of_another_municipality_and_unknown_municipality_are_named() {
    let app = spawn_app().await;
    let (_, estate) = app.place().await;
    let other = app.other_municipality().await;
    let problem = assert_problem(
        app.post_plot(&plot_body("GRA-002", other, Some(estate)))
            .await,
        422,
    )
    .await;
    assert_eq!(pointers(&problem), ["/estate_id"]);
    let problem = assert_problem(
        app.post_plot(&plot_body("GRA-003", 999_999, None)).await,
        422,
    )
    .await;
    assert_eq!(pointers(&problem), ["/municipality_id"]);
}

#[tokio::test]
async fn cursor_paging_returns_every_plot_exactly_once() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    let mut created = Vec::new();
    for i in 0..7 {
        let mut body = plot_body(&format!("LWL-2{i:02}"), municipality, None);
        body["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.5 + 0.002 * i as f64, 53.33, 0.001)]});
        created.push(app.create_plot(&body).await["id"].as_i64().unwrap());
    }
    let mut seen = Vec::new();
    let mut next = Some(app.url("/plots?limit=3"));
    let mut pages = 0;
    while let Some(url) = next {
        let response = app.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let has_link_header = response.headers().contains_key("link");
        let page: Value = response.json().await.unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_i64().unwrap()),
        );
        next = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| l["href"].as_str().unwrap().to_owned());
        assert_eq!(has_link_header, next.is_some());
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);
}

#[tokio::test]
async fn feature_bodies_are_accepted() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    let mut properties = plot_body("LWL-300", municipality, None);
    let geometry = properties
        .as_object_mut()
        .unwrap()
        .remove("geometry")
        .unwrap();
    properties.as_object_mut().unwrap().remove("published");
    let feature = json!({"type": "Feature", "geometry": geometry, "properties": properties});
    let response = app
        .client
        .post(app.url("/plots"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/geo+json")
        .body(feature.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn seeding_demo_data_twice_changes_nothing() {
    let app = spawn_app().await;
    let mut conn = app.db().await;
    let first = gewerbeflaechen::demo::seed(&mut conn).await.unwrap();
    assert!((25..=40).contains(&first.plots_created), "{first:?}");
    let before: Value = app
        .get_staff("/plots?limit=1000")
        .await
        .json()
        .await
        .unwrap();
    let second = gewerbeflaechen::demo::seed(&mut conn).await.unwrap();
    assert_eq!(second.plots_created, 0);
    assert_eq!(second.plots_kept, first.plots_created);
    let after: Value = app
        .get_staff("/plots?limit=1000")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before, after);
    let items = after["items"].as_array().unwrap();
    assert!(items.iter().all(|p| p["demo"] == true));
    let statuses: std::collections::HashSet<_> = items
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 5, "demo data covers every status");
}

/// In JSON Schema `76405.0` is an integer: clients that keep every number as a float can send
/// it to integer members. A fraction is still refused.
#[tokio::test]
async fn integral_numbers_are_integers() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    let mut body = plot_body("INT-1", municipality, Some(estate));
    body["area_stated_m2"] = serde_json::json!(76405.0);
    body["grw_max_rate_small_pct"] = serde_json::json!(40.0);
    let created = app.create_plot(&body).await;
    assert_eq!(created["area_stated_m2"], 76405);
    assert_eq!(created["grw_max_rate_small_pct"], 40);
    let mut body = plot_body("INT-2", municipality, Some(estate));
    body["area_stated_m2"] = serde_json::json!(76405.5);
    let problem = assert_problem(app.post_plot(&body).await, 422).await;
    assert_eq!(pointers(&problem), ["/area_stated_m2"]);
}
