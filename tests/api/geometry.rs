//! Geometry in = geometry out, areas against PostGIS, and each validation rule.

use serde_json::{json, Value};

use crate::helpers::*;

async fn create_with_geometry(app: &TestApp, reference: &str, geometry: Value) -> Value {
    let (municipality, _) = app.place().await;
    let mut body = plot_body(reference, municipality, None);
    body["geometry"] = geometry;
    app.create_plot(&body).await
}

#[tokio::test]
async fn geojson_geometry_comes_back_as_sent() {
    let app = spawn_app().await;
    let ring = vec![
        [11.5012345, 53.3301234],
        [11.5032345, 53.3301234],
        [11.5029876, 53.3316789],
        [11.5011111, 53.3312222],
        [11.5012345, 53.3301234],
    ];
    let plot = create_with_geometry(
        &app,
        "LWL-001",
        json!({"type": "Polygon", "coordinates": [ring]}),
    )
    .await;
    let feature: Value = app
        .client
        .get(app.url(&format!("/plots/{}", plot["id"])))
        .header("accept", "application/geo+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(feature["type"], "Feature");
    assert_eq!(feature["id"], plot["id"]);
    assert!(feature.get("bbox").is_none());
    assert!(feature["properties"].get("geometry").is_none());
    assert_eq!(
        feature["geometry"],
        json!({"type": "MultiPolygon", "coordinates": [[ring]]}),
        "a Polygon is stored as a one-part MultiPolygon with identical coordinates"
    );
}

#[tokio::test]
async fn clockwise_input_is_returned_counter_clockwise() {
    let app = spawn_app().await;
    let mut ring = square(11.5, 53.33, 0.001);
    ring.reverse();
    let plot = create_with_geometry(
        &app,
        "LWL-002",
        json!({"type": "Polygon", "coordinates": [ring.clone()]}),
    )
    .await;
    let out = &plot["geometry"]["coordinates"][0][0];
    // Shoelace: positive means counter-clockwise (RFC 7946 right-hand rule).
    let pts: Vec<(f64, f64)> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    let signed: f64 = pts
        .windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum();
    assert!(
        signed > 0.0,
        "exterior ring must be counter-clockwise: {out}"
    );
}

async fn assert_area_matches_postgis(app: &TestApp, plot: &Value) {
    let computed = plot["area_computed_m2"].as_f64().unwrap();
    let postgis = app.postgis_area(plot["id"].as_i64().unwrap()).await;
    let relative = (computed - postgis).abs() / postgis;
    assert!(
        relative < 0.001,
        "computed {computed} m² vs PostGIS {postgis} m² ({relative})"
    );
}

#[tokio::test]
async fn area_of_a_simple_polygon_matches_postgis() {
    let app = spawn_app().await;
    let plot = create_with_geometry(
        &app,
        "LWL-003",
        json!({"type": "Polygon", "coordinates": [square(11.5, 53.33, 0.002)]}),
    )
    .await;
    assert_area_matches_postgis(&app, &plot).await;
}

#[tokio::test]
async fn area_of_a_polygon_with_a_hole_matches_postgis() {
    let app = spawn_app().await;
    // The hole is counter-clockwise, as many tools write it: it must still be subtracted.
    let geometry = json!({"type": "Polygon", "coordinates": [square(11.5, 53.33, 0.002), square(11.5005, 53.3305, 0.001)]});
    let plot = create_with_geometry(&app, "LWL-004", geometry).await;
    assert_area_matches_postgis(&app, &plot).await;
    let full = app.postgis_area(plot["id"].as_i64().unwrap()).await;
    assert!(full > 0.0);
    let hole_ratio = plot["area_computed_m2"].as_f64().unwrap();
    let without_hole = create_with_geometry(
        &app,
        "LWL-005",
        json!({"type": "Polygon", "coordinates": [square(11.51, 53.33, 0.002)]}),
    )
    .await["area_computed_m2"]
        .as_f64()
        .unwrap();
    assert!((hole_ratio / without_hole - 0.75).abs() < 0.002);
}

#[tokio::test]
async fn area_of_a_multipolygon_matches_postgis() {
    let app = spawn_app().await;
    let geometry = json!({"type": "MultiPolygon", "coordinates": [
        [square(11.5, 53.33, 0.001)],
        [square(11.503, 53.33, 0.002), square(11.5035, 53.3305, 0.0005)]
    ]});
    let plot = create_with_geometry(&app, "LWL-006", geometry).await;
    assert_eq!(plot["geometry"]["coordinates"].as_array().unwrap().len(), 2);
    assert_area_matches_postgis(&app, &plot).await;
}

#[tokio::test]
async fn geometry_inside_a_feature_is_accepted() {
    let app = spawn_app().await;
    let geometry = json!({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [square(11.5, 53.33, 0.001)]}});
    let plot = create_with_geometry(&app, "LWL-007", geometry).await;
    assert_eq!(plot["geometry"]["type"], "MultiPolygon");
}

/// Each rule, with the pointer and the words the response must contain.
#[tokio::test]
async fn each_geometry_rule_is_named() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    let mut open_ring = square(11.5, 53.33, 0.001);
    open_ring.pop();
    let bow_tie = vec![
        [11.5, 53.33],
        [11.501, 53.331],
        [11.501, 53.33],
        [11.5, 53.331],
        [11.5, 53.33],
    ];
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "open ring",
            json!({"type": "Polygon", "coordinates": [open_ring]}),
            "/geometry/coordinates/0",
            "not closed",
        ),
        (
            "too few positions",
            json!({"type": "Polygon", "coordinates": [[[11.5, 53.33], [11.501, 53.33], [11.5, 53.33]]]}),
            "/geometry/coordinates/0",
            "at least 4",
        ),
        (
            "self-intersection",
            json!({"type": "Polygon", "coordinates": [bow_tie]}),
            "/geometry/coordinates/0",
            "self-intersection",
        ),
        (
            "hole outside its shell",
            json!({"type": "Polygon", "coordinates": [square(11.5, 53.33, 0.001), square(11.6, 53.33, 0.0005)]}),
            "/geometry/coordinates/1",
            "hole outside shell",
        ),
        (
            "longitude out of range",
            json!({"type": "Polygon", "coordinates": [square(190.0, 53.33, 0.001)]}),
            "/geometry/coordinates/0/0",
            "outside longitude",
        ),
        (
            "latitude out of range (swapped axes)",
            json!({"type": "Polygon", "coordinates": [square(53.33, 95.0, 0.001)]}),
            "/geometry/coordinates/0/0",
            "[lon, lat]",
        ),
        (
            "not a polygon",
            json!({"type": "Point", "coordinates": [11.5, 53.33]}),
            "/geometry/type",
            "Polygon or MultiPolygon",
        ),
        (
            "overlapping parts",
            json!({"type": "MultiPolygon", "coordinates": [[square(11.5, 53.33, 0.002)], [square(11.501, 53.331, 0.002)]]}),
            "/geometry/coordinates",
            "overlap",
        ),
        (
            "projected coordinates",
            json!({"type": "Polygon", "coordinates": [square(650000.0, 5910000.0, 100.0)]}),
            "/geometry/coordinates/0/0",
            "EPSG:4326",
        ),
        (
            "not GeoJSON",
            json!({"type": "Polygon", "coordinates": "nope"}),
            "/geometry",
            "not a GeoJSON geometry",
        ),
        (
            "missing",
            Value::Null,
            "/geometry",
            "Polygon or MultiPolygon",
        ),
        (
            "old-style crs member",
            json!({"type": "Polygon", "coordinates": [square(11.5, 53.33, 0.001)], "crs": {"type": "name", "properties": {"name": "EPSG:25833"}}}),
            "/geometry/crs",
            "EPSG:4326 only",
        ),
    ];
    for (i, (case, geometry, pointer, words)) in cases.into_iter().enumerate() {
        let mut body = plot_body(&format!("BAD-{i}"), municipality, None);
        body["geometry"] = geometry;
        let problem = assert_problem(app.post_plot(&body).await, 422).await;
        let errors = problem["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["pointer"] == pointer && e["detail"].as_str().unwrap().contains(words)),
            "{case}: expected {pointer} / {words:?}, got {problem}"
        );
    }
    let listed: Value = app.get_staff("/plots").await.json().await.unwrap();
    assert_eq!(listed["number_returned"], 0, "no invalid plot was stored");
}

/// Issue 14, item 1 (first part): plots with a sliver part of a few µm² beside a normal one, as
/// cutting parcels out of a zoning layer leaves them, wound either way. Before, the sliver could
/// measure as the rest of the Earth (510,065,622 km²) and the plot was refused as too large.
#[tokio::test]
async fn sliver_parts_wound_either_way_measure_as_postgis_measures_them() {
    let app = spawn_app().await;
    let (mid, _) = app.place().await;
    // A small linear congruential generator: repeatable, no extra crate.
    let mut seed: u64 = 0x5eed_1234;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut refused = Vec::new();
    for n in 0..60 {
        let (lon, lat) = (11.40 + next() * 0.2, 53.25 + next() * 0.1);
        let mut shell = square(lon, lat, 0.001);
        if n % 2 == 1 {
            shell.reverse();
        }
        // A thin triangle beside it: base 10–100 m, height 1 nm – 1 mm.
        let (x, y) = (lon + 0.002, lat + next() * 0.001);
        let base = 0.000_15 + next() * 0.001_35;
        let height = 10f64.powf(-14.0 + next() * 5.0);
        let mut sliver = vec![
            [x, y],
            [x + base, y],
            [x + base * next(), y + height],
            [x, y],
        ];
        if n % 3 == 0 {
            sliver.reverse();
        }
        let mut body = plot_body(&format!("SLV-{n:03}"), mid, None);
        body["geometry"] = json!({"type": "MultiPolygon", "coordinates": [[shell], [sliver]]});
        let response = app.post_plot(&body).await;
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap();
        if status != 201 {
            // geo may find a degenerate triangle invalid; that must be said as such.
            let text = answer.to_string();
            assert!(
                !text.contains("km²"),
                "SLV-{n:03} refused as too large: {text}"
            );
            refused.push(n);
            continue;
        }
        let ours = answer["area_computed_m2"].as_f64().unwrap();
        let postgis = app.postgis_area(answer["id"].as_i64().unwrap()).await;
        assert!(
            (ours - postgis).abs() <= 0.001 * postgis + 0.1,
            "SLV-{n:03}: {ours} m² here, {postgis} m² in PostGIS"
        );
        assert!((7_000.0..8_000.0).contains(&ours), "SLV-{n:03}: {ours} m²");
    }
    assert!(refused.len() < 60, "every sliver plot was refused");
}
