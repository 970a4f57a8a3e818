//! Imports in the coordinate systems German municipal data comes in: each lands where the same
//! outline in WGS 84 lands; a file without CRS whose numbers are metres is refused with the CRS
//! they look like; Gauß-Krüger imports say how accurate their datum shift is.

use diesel::sql_types::{Double, Integer, Text};
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;

/// A plot in Ludwigslust (AGS 13076090), EPSG:4326, about 70 m × 110 m.
fn plot(reference: &str) -> Value {
    json!({
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square(11.41, 53.31, 0.001)]},
        "properties": {
            "reference": reference,
            "title_de": "Fläche",
            "municipality_ags": "13076090",
            "status": "available",
            "zoning": "GE",
            "bplan_status": "legally_binding",
            "servicing": "full",
            "offer": "sale",
            "price_on_request": true,
            "data_confirmed_on": "2026-10-01"
        }
    })
}

async fn post(app: &TestApp, query: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/imports{query}")))
        .bearer_auth(TOKEN)
        .header("content-type", "application/geo+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// `geometry` (EPSG:4326) in `srid`, transformed by PostGIS directly, not by the import path.
async fn transformed(app: &TestApp, geometry: &Value, srid: i32) -> Value {
    #[derive(diesel::QueryableByName)]
    struct G {
        #[diesel(sql_type = Text)]
        g: String,
    }
    let mut conn = app.db().await;
    let g: G = diesel::sql_query(
        "SELECT ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326), $2), 9, 0) AS g",
    )
    .bind::<Text, _>(geometry.to_string())
    .bind::<Integer, _>(srid)
    .get_result(&mut conn)
    .await
    .unwrap();
    serde_json::from_str(&g.g).unwrap()
}

/// Units: m. Hausdorff distance between two stored plots' outlines, measured in UTM 33N.
async fn distance(app: &TestApp, a: &str, b: &str) -> f64 {
    #[derive(diesel::QueryableByName)]
    struct D {
        #[diesel(sql_type = Double)]
        d: f64,
    }
    let mut conn = app.db().await;
    let d: D = diesel::sql_query(
        "SELECT ST_HausdorffDistance(ST_Transform(a.geom, 25833), ST_Transform(b.geom, 25833)) AS d \
         FROM plots a, plots b WHERE a.reference = $1 AND b.reference = $2",
    )
    .bind::<Text, _>(a)
    .bind::<Text, _>(b)
    .get_result(&mut conn)
    .await
    .unwrap();
    d.d
}

#[tokio::test]
async fn every_accepted_crs_lands_where_wgs84_lands() {
    let app = spawn_app().await;
    app.place().await;
    let wgs84 = plot("CRS-4326");
    let r = post(
        &app,
        "",
        &json!({"type": "FeatureCollection", "features": [wgs84]}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    // Ludwigslust lies in Gauß-Krüger zone 4; zones 2, 3 and 5 are the same projection with
    // another central meridian, so the plot's numbers in them are valid too, just unusual.
    for srid in [
        4258, 25832, 25833, 4647, 5650, 31466, 31467, 31468, 31469, 3857, 3035,
    ] {
        let reference = format!("CRS-{srid}");
        let mut feature = plot(&reference);
        feature["geometry"] = transformed(&app, &wgs84["geometry"], srid).await;
        let file = json!({"type": "FeatureCollection", "features": [feature]});
        let r = post(&app, &format!("?crs=EPSG:{srid}"), &file).await;
        assert_eq!(r.status(), 200, "EPSG:{srid}: {}", r.text().await.unwrap());
        let report: Value = r.json().await.unwrap();
        assert_eq!(report["crs"], format!("EPSG:{srid}"));
        assert_eq!(report["created"], 1, "EPSG:{srid}: {report}");
        let warnings = report["warnings"].to_string();
        match srid {
            31466..=31469 => assert!(
                warnings.contains("BETA2007 grid: accurate to about 1 m"),
                "{warnings}"
            ),
            _ => assert!(!warnings.contains("BETA2007"), "{warnings}"),
        }
        let d = distance(&app, "CRS-4326", &reference).await;
        assert!(d < 0.01, "EPSG:{srid} lands {d} m off");
    }
}

#[tokio::test]
async fn a_file_in_metres_without_crs_is_refused_with_what_it_looks_like() {
    let app = spawn_app().await;
    app.place().await;
    let wgs84 = plot("NO-CRS");
    for (srid, expected) in [
        (31468, "Gauß-Krüger zone 4 (EPSG:31468)"),
        (25832, "EPSG:25833"),
        (4647, "EPSG:4647"),
        (3035, "EPSG:3035"),
    ] {
        let mut feature = wgs84.clone();
        feature["geometry"] = transformed(&app, &wgs84["geometry"], srid).await;
        let file = json!({"type": "FeatureCollection", "features": [feature]});
        let problem = assert_problem(post(&app, "", &file).await, 400).await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(expected), "EPSG:{srid}: {detail}");
        assert!(detail.contains("crs=EPSG:"), "{detail}");
    }
    // The same file with its CRS named imports.
    let mut feature = wgs84.clone();
    feature["geometry"] = transformed(&app, &wgs84["geometry"], 31468).await;
    let file = json!({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::31468"}},
        "features": [feature]
    });
    assert_eq!(post(&app, "", &file).await.status(), 200);

    let unknown = post(
        &app,
        "?crs=EPSG:2056",
        &json!({"type": "FeatureCollection", "features": []}),
    )
    .await;
    let problem = assert_problem(unknown, 400).await;
    assert!(problem.to_string().contains("EPSG:31467"), "{problem}");
}

/// Latitude first (EPSG:4326's own axis order, which some writers emit): refused per feature,
/// naming the cause, instead of plots in the Indian Ocean.
#[tokio::test]
async fn swapped_axes_are_refused_with_their_cause() {
    let app = spawn_app().await;
    app.place().await;
    let mut feature = plot("SWAPPED");
    let ring: Vec<Value> = feature["geometry"]["coordinates"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!([p[1], p[0]]))
        .collect();
    feature["geometry"]["coordinates"] = json!([ring]);
    let file = json!({"type": "FeatureCollection", "features": [feature]});
    let problem = assert_problem(post(&app, "", &file).await, 422).await;
    assert!(
        problem.to_string().contains("axes look swapped"),
        "{problem}"
    );
}
