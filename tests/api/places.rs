use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn regions_municipalities_and_estates_with_their_plots() {
    let app = spawn_app().await;
    let mut conn = app.db().await;
    gewerbeflaechen::demo::seed(&mut conn).await.unwrap();

    let regions: Value = app.get("/regions").await.json().await.unwrap();
    assert_eq!(regions[0]["name"], "Städteverbund A14");
    let region: Value = app
        .get(&format!("/regions/{}", regions[0]["id"]))
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<_> = region["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ludwigslust", "Grabow", "Neustadt-Glewe"]);

    let ludwigslust = &region["municipalities"][0];
    assert_eq!(ludwigslust["ags"], "13076090");
    let detail: Value = app
        .get(&format!("/municipalities/{}", ludwigslust["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert!(detail["estates"].as_array().unwrap().len() >= 2);
    let plots = detail["plots"].as_array().unwrap();
    assert_eq!(detail["plot_count"], plots.len());
    assert!(plots
        .iter()
        .all(|p| p["reference"].as_str().unwrap().starts_with("LWL-")));

    // Outlines as GeoJSON for maps.
    let outlines = app.get("/estates?f=geojson").await;
    assert_eq!(outlines.headers()["content-type"], "application/geo+json");
    let outlines: Value = outlines.json().await.unwrap();
    assert_eq!(outlines["type"], "FeatureCollection");
    assert!(outlines["features"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["geometry"]["type"] == "MultiPolygon"));

    // Every demo plot lies inside its estate and near its town.
    let all: Value = app
        .get("/plots?f=geojson&limit=1000")
        .await
        .json()
        .await
        .unwrap();
    for feature in all["features"].as_array().unwrap() {
        let first = &feature["geometry"]["coordinates"][0][0][0];
        let (lon, lat) = (first[0].as_f64().unwrap(), first[1].as_f64().unwrap());
        assert!(
            (11.3..11.8).contains(&lon) && (53.2..53.5).contains(&lat),
            "{feature}"
        );
        assert_eq!(feature["properties"]["demo"], true);
    }
}
