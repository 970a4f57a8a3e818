//! Anonymous readers see published plots only, and never internal fields.

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn drafts_are_invisible_and_internal_fields_never_public() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    let published = app
        .create_plot(&plot_body("LWL-010", municipality, Some(estate)))
        .await;
    let mut draft_body = plot_body("LWL-011", municipality, Some(estate));
    draft_body["published"] = false.into();
    draft_body["geometry"]["coordinates"] = serde_json::json!([square(11.51, 53.33, 0.001)]);
    let draft = app.create_plot(&draft_body).await;

    // Single reads: the draft does not exist for the public, by id or by reference.
    assert_problem(app.get(&format!("/plots/{}", draft["id"])).await, 404).await;
    assert_problem(app.get("/plots/LWL-011").await, 404).await;
    assert_eq!(app.get_staff("/plots/LWL-011").await.status(), 200);

    // Lists in both formats.
    let list: Value = app.get("/plots").await.json().await.unwrap();
    let refs: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reference"].clone())
        .collect();
    assert_eq!(refs, ["LWL-010"]);
    let geojson = app.get("/plots?f=geojson").await;
    assert_eq!(geojson.headers()["content-type"], "application/geo+json");
    let text = geojson.text().await.unwrap();
    assert!(!text.contains("LWL-011"));
    for secret in [
        "internal_notes",
        "Eigentümer verhandelt",
        "published",
        "owner_name",
        "owner_contact",
        "Mustermann",
    ] {
        assert!(!text.contains(secret), "GeoJSON leaks {secret}");
        let json = app
            .get(&format!("/plots/{}", published["id"]))
            .await
            .text()
            .await
            .unwrap();
        assert!(!json.contains(secret), "JSON leaks {secret}");
    }
    let staff: Value = app.get_staff("/plots").await.json().await.unwrap();
    assert_eq!(staff["number_returned"], 2);
    assert_eq!(
        staff["items"][0]["internal_notes"],
        "Eigentümer verhandelt – intern"
    );

    // Counts and plot lists of places follow the same rule.
    let m: Value = app
        .get(&format!("/municipalities/{municipality}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(m["plot_count"], 1);
    assert_eq!(m["plots"].as_array().unwrap().len(), 1);
    let e: Value = app
        .get(&format!("/estates/{estate}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["plot_count"], 1);
    let e: Value = app
        .get_staff(&format!("/estates/{estate}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["plot_count"], 2);
}

#[tokio::test]
async fn writes_need_the_token() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    let body = plot_body("LWL-020", municipality, None);
    let anonymous = app
        .client
        .post(app.url("/plots"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(anonymous.headers().contains_key("www-authenticate"));
    assert_problem(anonymous, 401).await;
    let forged = app
        .client
        .post(app.url("/plots"))
        .bearer_auth("test-write-token-0123456789abcdeX")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(forged, 401).await;
    let created = app.create_plot(&body).await;
    let delete = app
        .client
        .delete(app.url(&format!("/plots/{}", created["id"])))
        .send()
        .await
        .unwrap();
    assert_problem(delete, 401).await;
}
