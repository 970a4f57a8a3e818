//! Where a plot's media show in the API: the OGC item's `enclosure` links, the GeoJSON
//! Feature's `media`, and a read plot sent back whole (docs/media.md).

use serde_json::Value;

use crate::helpers::*;
use crate::media::{media_dir, photo, upload};

#[tokio::test]
async fn the_ogc_item_and_the_geojson_feature_link_the_files() {
    let dir = media_dir("ogc");
    let app = spawn_app_with(&[("GWF_MEDIA_DIR", &dir)]).await;
    let (municipality, _) = app.place().await;
    let plot = app
        .create_plot(&plot_body("MED-006", municipality, None))
        .await;
    let item: Value = upload(
        &app,
        &plot,
        "credit=Stadt&licence=CC0",
        "image/jpeg",
        photo(60, 40),
    )
    .await
    .json()
    .await
    .unwrap();
    let internal = upload(
        &app,
        &plot,
        "internal=true",
        "application/pdf",
        b"%PDF-1.4\n%%EOF\n".to_vec(),
    )
    .await;
    assert_eq!(internal.status(), 201);

    let ogc: Value = app
        .get(&format!("/collections/plots/items/{}", plot["id"]))
        .await
        .json()
        .await
        .unwrap();
    let enclosures: Vec<&Value> = ogc["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["rel"] == "enclosure")
        .collect();
    assert_eq!(enclosures.len(), 1, "the internal PDF is not linked: {ogc}");
    assert_eq!(enclosures[0]["href"], item["links"]["large"]);
    assert_eq!(enclosures[0]["type"], "image/jpeg");

    let feature: Value = app
        .get(&format!("/plots/{}?f=geojson", plot["id"]))
        .await
        .json()
        .await
        .unwrap();
    let media = feature["properties"]["media"].as_array().unwrap();
    assert_eq!(media.len(), 1);
    assert_eq!(media[0]["links"]["thumb"], item["links"]["thumb"]);
    // A plot read and sent back whole (with `media`) is accepted unchanged.
    let staff: Value = app
        .get_staff(&format!("/plots/{}", plot["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff["media"].as_array().unwrap().len(), 2);
    let put = app
        .client
        .put(app.url(&format!("/plots/{}", plot["id"])))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", staff["version"]))
        .json(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200, "{}", put.text().await.unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}
