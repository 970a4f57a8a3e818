//! Low zooms: plots counted in clusters instead of outlines (`db::tiles::CLUSTER_MAX_ZOOM`).

use serde_json::json;

use crate::helpers::*;
use crate::maps::{decode, tile_of};

async fn layers(
    app: &TestApp,
    z: u32,
    query: &str,
) -> std::collections::BTreeMap<String, Vec<crate::maps::TileFeature>> {
    let (x, y) = tile_of(11.5005, 53.3305, z);
    let response = app
        .get(&format!("/tiles/plots/{z}/{x}/{y}.mvt{query}"))
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    decode(&response.bytes().await.unwrap())
}

#[tokio::test]
async fn low_zooms_hold_clusters_with_count_and_area_and_high_zooms_outlines() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    let mut areas = Vec::new();
    for (i, (lon, status, published)) in [
        (11.5, "available", true),
        (11.5012, "sold", true),
        (11.5024, "available", false),
        (11.52, "available", true),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = plot_body(&format!("C-{i}"), municipality, None);
        body["status"] = json!(status);
        body["published"] = json!(published);
        body["geometry"] = json!({"type": "Polygon", "coordinates": [square(lon, 53.33, 0.001)]});
        let plot = app.create_plot(&body).await;
        if published {
            areas.push(plot["area_m2"].as_f64().unwrap());
        }
    }
    for z in [3, 6, 9] {
        let tile = layers(&app, z, "").await;
        assert!(!tile.contains_key("plots"), "no outlines at zoom {z}");
        let clusters = &tile["clusters"];
        let count: u64 = clusters
            .iter()
            .map(|c| c.attributes["count"].parse::<u64>().unwrap())
            .sum();
        assert_eq!(count, 3, "published plots only, each once, at zoom {z}");
        let area: f64 = clusters
            .iter()
            .map(|c| c.attributes["area_m2"].parse::<f64>().unwrap())
            .sum();
        assert!(
            (area - areas.iter().sum::<f64>()).abs() <= 1.0,
            "total area at zoom {z}"
        );
        for cluster in clusters {
            assert_eq!(
                cluster.attributes.keys().collect::<Vec<_>>(),
                ["area_m2", "count"],
                "clusters carry counts, not plots' facts"
            );
        }
    }
    let sold = layers(&app, 6, "?status=sold").await;
    assert_eq!(sold["clusters"].len(), 1);
    assert_eq!(sold["clusters"][0].attributes["count"], "1");

    let outlines = layers(&app, 10, "").await;
    assert!(!outlines.contains_key("clusters"));
    assert_eq!(outlines["plots"].len(), 3);

    let tilejson: serde_json::Value = app.get("/tiles/plots.json").await.json().await.unwrap();
    let layers = &tilejson["vector_layers"];
    assert_eq!(layers[0]["id"], "clusters");
    assert_eq!(layers[0]["maxzoom"], 9);
    assert_eq!(layers[1]["id"], "plots");
    assert_eq!(layers[1]["minzoom"], 10);
}
