//! A third party's data set imported with a column mapping and defaults.

use super::*;

#[tokio::test]
async fn a_third_party_data_set_imports_with_a_mapping_and_defaults() {
    let app = spawn_app().await;
    app.place().await;
    // As an open-data portal publishes it: its own names, hectares, a point, 3D coordinates.
    let ring3d: Vec<[f64; 3]> = square(11.52, 53.34, 0.002)
        .into_iter()
        .map(|[x, y]| [x, y, 42.0])
        .collect();
    let portal = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring3d]},
         "properties": {"FLAECHEN_ID": "wup-17", "BEZEICHNUNG": "Nord, Teilfläche 3", "GROESSE_HA": 2.4,
                        "NUTZUNG": "GI", "OBJECTID": 991}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [11.56, 53.35]},
         "properties": {"FLAECHEN_ID": "wup-18", "BEZEICHNUNG": "Süd", "GROESSE_HA": "1,5",
                        "NUTZUNG": "GE", "OBJECTID": 992}}
    ]});
    let query = "?map=FLAECHEN_ID:reference,BEZEICHNUNG:title_de,NUTZUNG:zoning\
        &defaults=municipality_ags:13076090,status:verfügbar,bplan_status:rechtskräftig,\
        servicing:voll,offer:Kauf,price_on_request:ja,data_confirmed_on:2026-10-01";
    let r = import(
        &app,
        TOKEN,
        query,
        "application/geo+json",
        portal.to_string(),
    )
    .await;
    let text = r.text().await.unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["created"], 2, "{text}");
    assert!(report["warnings"].to_string().contains("OBJECTID"));
    let a: Value = app.get_staff("/plots/WUP-17").await.json().await.unwrap();
    assert_eq!(a["title_de"], "Nord, Teilfläche 3");
    assert_eq!(a["area_stated_m2"], 24_000);
    assert_eq!(a["zoning"], "GI");
    assert_eq!(a["status"], "available");
    let b: Value = app.get_staff("/plots/WUP-18").await.json().await.unwrap();
    let area = b["area_computed_m2"].as_f64().unwrap();
    assert!((area - 15_000.0).abs() < 100.0, "{area}");

    // Defaults never overwrite what a plot already has.
    let mut patched = portal.clone();
    patched["features"][0]["properties"]["NUTZUNG"] = json!("GE");
    let query =
        "?map=FLAECHEN_ID:reference,BEZEICHNUNG:title_de,NUTZUNG:zoning&defaults=status:verkauft";
    let r: Value = import(
        &app,
        TOKEN,
        query,
        "application/geo+json",
        patched.to_string(),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (r["updated"].as_u64(), r["unchanged"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    let a: Value = app.get_staff("/plots/WUP-17").await.json().await.unwrap();
    assert_eq!(
        (a["zoning"].as_str(), a["status"].as_str()),
        (Some("GE"), Some("available"))
    );

    let bad = import(
        &app,
        TOKEN,
        "?map=X:colour",
        "application/geo+json",
        portal.to_string(),
    )
    .await;
    assert_eq!(pointers(&assert_problem(bad, 400).await), ["map"]);
    let bad = import(
        &app,
        TOKEN,
        "?defaults=status:vielleicht",
        "application/geo+json",
        portal.to_string(),
    )
    .await;
    assert_eq!(pointers(&assert_problem(bad, 400).await), ["defaults"]);
}
