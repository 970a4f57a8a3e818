//! Issue 14, items 1, 4 and 5: geometry quality on the way in. Slivers dropped with a warning,
//! outlines without ground refused, `POST /imports?repair=true`, and the plausibility warnings
//! of plot writes and imports. Areas are compared with PostGIS `ST_Area(geom::geography)`.

mod plausibility;
mod repair;

use diesel::sql_types::{BigInt, Double, Text};
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;

/// A small linear congruential generator: repeatable, no extra crate. Values in [0, 1).
fn random(seed: u64) -> impl FnMut() -> f64 {
    let mut seed = seed;
    move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn feature(reference: &str, geometry: Value, stated: Option<i64>) -> Value {
    json!({
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "reference": reference,
            "title_de": "Fläche",
            "municipality_ags": "13076090",
            "status": "available",
            "zoning": "GE",
            "bplan_status": "legally_binding",
            "servicing": "full",
            "price_min_eur_m2": "12.50",
            "offer": "sale",
            "data_confirmed_on": "2026-10-01",
            "area_stated_m2": stated
        }
    })
}

async fn import(app: &TestApp, query: &str, features: Vec<Value>) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/imports{query}")))
        .bearer_auth(TOKEN)
        .header("content-type", "application/geo+json")
        .body(json!({"type": "FeatureCollection", "features": features}).to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    // A rejected import is a problem document carrying the report.
    let report = match body.get("report") {
        Some(report) => report.clone(),
        None => body,
    };
    (status, report)
}

/// PostGIS's geodesic area of a GeoJSON geometry (EPSG:4326). Units: m².
async fn postgis_area_of(app: &TestApp, geometry: &Value) -> f64 {
    let mut conn = app.db().await;
    let row: Area = diesel::sql_query(
        "SELECT ST_Area(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326)::geography) AS area",
    )
    .bind::<Text, _>(geometry.to_string())
    .get_result(&mut conn)
    .await
    .unwrap();
    row.area
}

async fn plot_id(app: &TestApp, reference: &str) -> i64 {
    let plot: Value = app
        .get_staff(&format!("/plots/{reference}"))
        .await
        .json()
        .await
        .unwrap();
    plot["id"].as_i64().unwrap()
}

/// Planar signed area of a ring in degrees²: positive counter-clockwise.
fn signed(ring: &Value) -> f64 {
    let pts: Vec<(f64, f64)> = ring
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    pts.windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum()
}

fn kinds(answer: &Value) -> Vec<String> {
    answer["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .map(|f| f["kind"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn reversed(mut ring: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    ring.reverse();
    ring
}

/// A sliver triangle at (x, y): `base` and `height` in degrees.
fn triangle(x: f64, y: f64, base: f64, height: f64, apex: f64) -> Vec<[f64; 2]> {
    vec![[x, y], [x + base, y], [x + base * apex, y + height], [x, y]]
}

/// POSTs a plot and returns the create answer (with its `warnings`).
async fn create(app: &TestApp, body: &Value) -> Value {
    let response = app.post_plot(body).await;
    let status = response.status().as_u16();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{answer}");
    answer
}

async fn set_outline(app: &TestApp, table: &str, id: i64, b: [f64; 4]) {
    let mut conn = app.db().await;
    diesel::sql_query(format!(
        "UPDATE {table} SET outline = ST_Multi(ST_MakeEnvelope($1, $2, $3, $4, 4326)) WHERE id = $5"
    ))
    .bind::<Double, _>(b[0])
    .bind::<Double, _>(b[1])
    .bind::<Double, _>(b[2])
    .bind::<Double, _>(b[3])
    .bind::<BigInt, _>(id)
    .execute(&mut conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_sliver_part_is_dropped_with_a_warning_on_post_and_on_import() {
    let app = spawn_app().await;
    let (m, _) = app.place().await;
    let shell = square(11.5, 53.33, 0.001);
    let sliver = triangle(11.502, 53.33, 0.001, 1e-9, 0.5); // 66 m × 0.1 mm: ~0.004 m²
    let geometry = json!({"type": "MultiPolygon", "coordinates": [[shell.clone()], [sliver]]});

    let mut body = plot_body("SLV-1", m, None);
    body["geometry"] = geometry.clone();
    let created = create(&app, &body).await;
    assert_eq!(
        created["geometry"]["coordinates"].as_array().unwrap().len(),
        1,
        "the sliver is not stored: {created}"
    );
    assert_eq!(kinds(&created), ["slivers_dropped"], "{created}");
    let warning = &created["warnings"][0];
    assert!(warning["message"].as_str().unwrap().contains("part 1"));
    assert!(warning["message_de"]
        .as_str()
        .unwrap()
        .contains("Splitterfläche"));
    assert_eq!(warning["plot"]["reference"], "SLV-1");
    let square_area =
        postgis_area_of(&app, &json!({"type": "Polygon", "coordinates": [shell]})).await;
    let stored = app.postgis_area(created["id"].as_i64().unwrap()).await;
    assert!((stored - square_area).abs() < 1e-6 * square_area);

    // The same through an import: a warning for the feature, the plot stored without it.
    let (status, report) = import(&app, "", vec![feature("SLV-2", geometry.clone(), None)]).await;
    assert_eq!(status, 200, "{report}");
    let warnings = report["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w["feature"] == 0
            && w["field"] == "geometry"
            && w["reference"] == "SLV-2"
            && w["problem"].as_str().unwrap().contains("sliver")),
        "{report}"
    );
    let two: Value = app.get_staff("/plots/SLV-2").await.json().await.unwrap();
    assert_eq!(two["geometry"]["coordinates"].as_array().unwrap().len(), 1);

    // An estate's outline alike: the same warning, naming the estate.
    let response = app
        .client
        .post(app.url("/estates"))
        .bearer_auth(TOKEN)
        .json(&json!({"municipality_id": m, "name": "Splitterpark", "outline": geometry}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let estate: Value = response.json().await.unwrap();
    assert_eq!(kinds(&estate)[0], "slivers_dropped", "{estate}");
    assert_eq!(estate["warnings"][0]["estate"]["name"], "Splitterpark");
    assert!(estate["warnings"][0].get("plot").is_none());
}

#[tokio::test]
async fn outlines_without_ground_are_refused() {
    let app = spawn_app().await;
    let (m, _) = app.place().await;
    let cases = [
        (
            "two slivers",
            json!({"type": "MultiPolygon", "coordinates": [
                [triangle(11.5, 53.33, 0.001, 1e-9, 0.3)],
                [triangle(11.51, 53.33, 0.001, 1e-10, 0.7)]]}),
        ),
        (
            "collinear ring: 0 m²",
            json!({"type": "Polygon", "coordinates": [[[11.5, 53.33], [11.501, 53.33], [11.502, 53.33], [11.5, 53.33]]]}),
        ),
        (
            "a 0.5 m² square",
            json!({"type": "Polygon", "coordinates": [square(11.5, 53.33, 0.000_008)]}),
        ),
    ];
    for (i, (case, geometry)) in cases.iter().enumerate() {
        let mut body = plot_body(&format!("ZERO-{i}"), m, None);
        body["geometry"] = geometry.clone();
        let problem = assert_problem(app.post_plot(&body).await, 422).await;
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["pointer"] == "/geometry"
                    && e["detail"].as_str().unwrap().contains("encloses no ground")),
            "{case}: {problem}"
        );
        let (status, report) = import(
            &app,
            "",
            vec![feature(&format!("ZERO-{i}"), geometry.clone(), None)],
        )
        .await;
        assert_eq!(status, 422, "{case}: {report}");
        assert!(
            report["problems"][0]["problem"]
                .as_str()
                .unwrap()
                .contains("encloses no ground"),
            "{case}: {report}"
        );
    }
}

/// Shells and holes wound either way, one part and several: stored and returned as RFC 7946
/// wants them (shells counter-clockwise, holes clockwise), measured as PostGIS measures them.
#[tokio::test]
async fn any_winding_is_stored_as_rfc_7946_and_measured_as_postgis_does() {
    let app = spawn_app().await;
    let (m, _) = app.place().await;
    let mut n = 0;
    for shell_cw in [false, true] {
        for hole_cw in [false, true] {
            for multi in [false, true] {
                n += 1;
                let wind = |ring: Vec<[f64; 2]>, cw: bool| if cw { reversed(ring) } else { ring };
                let lon = 11.40 + n as f64 * 0.004;
                let part = vec![
                    wind(square(lon, 53.33, 0.002), shell_cw),
                    wind(square(lon + 0.0005, 53.3305, 0.0005), hole_cw),
                ];
                let geometry = match multi {
                    false => json!({"type": "Polygon", "coordinates": part}),
                    true => json!({"type": "MultiPolygon", "coordinates": [
                        part, [wind(square(lon, 53.335, 0.001), !shell_cw)]]}),
                };
                let mut body = plot_body(&format!("WIND-{n}"), m, None);
                body["geometry"] = geometry;
                body["area_stated_m2"] = Value::Null;
                let created = app.create_plot(&body).await;
                let feature: Value = app
                    .client
                    .get(app.url(&format!("/plots/{}", created["id"])))
                    .header("accept", "application/geo+json")
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                for polygon in feature["geometry"]["coordinates"].as_array().unwrap() {
                    let rings = polygon.as_array().unwrap();
                    assert!(signed(&rings[0]) > 0.0, "WIND-{n}: shell clockwise");
                    for hole in &rings[1..] {
                        assert!(signed(hole) < 0.0, "WIND-{n}: hole counter-clockwise");
                    }
                }
                let ours = created["area_computed_m2"].as_f64().unwrap();
                let postgis = app.postgis_area(created["id"].as_i64().unwrap()).await;
                assert!(
                    (ours - postgis).abs() < 0.001 * postgis,
                    "WIND-{n}: {ours} vs {postgis}"
                );
            }
        }
    }
}

/// Many random thin triangles (areas from µm² to hundreds of m²) and nearly collinear rings beside
/// a square, through POST /plots: a part is dropped exactly when PostGIS measures it under 1 m²
/// (away from the threshold by rounding), and what is stored measures as PostGIS measures it.
#[tokio::test]
async fn random_thin_parts_are_kept_or_dropped_as_postgis_measures_them() {
    let app = spawn_app().await;
    let (m, _) = app.place().await;
    let mut next = random(0x7411_5eed);
    let mut dropped = 0;
    let mut kept = 0;
    for n in 0..80 {
        let (lon, lat) = (11.40 + next() * 0.2, 53.25 + next() * 0.1);
        let shell = if n % 2 == 0 {
            square(lon, lat, 0.001)
        } else {
            reversed(square(lon, lat, 0.001))
        };
        let (x, y) = (lon + 0.002, lat + next() * 0.001);
        let base = 0.000_15 + next() * 0.001_35; // 10–100 m
        let mut thin = if n % 4 < 2 {
            // A triangle 1 nm to 10 m high.
            triangle(x, y, base, 10f64.powf(-14.0 + next() * 10.0), next())
        } else {
            // A nearly collinear ring: 6 positions along a line, zig-zagging by up to ~1 m.
            let wobble = 10f64.powf(-12.0 + next() * 7.0);
            let mut ring: Vec<[f64; 2]> = (0..6)
                .map(|i| {
                    let t = i as f64 / 5.0;
                    [x + base * t, y + wobble * (i % 2) as f64]
                })
                .collect();
            ring.push([x + base, y - wobble]);
            ring.push([x, y]);
            ring
        };
        if n % 3 == 0 {
            thin.reverse();
        }
        let thin_geometry = json!({"type": "Polygon", "coordinates": [thin.clone()]});
        let thin_area = postgis_area_of(&app, &thin_geometry).await;
        let square_area = postgis_area_of(
            &app,
            &json!({"type": "Polygon", "coordinates": [shell.clone()]}),
        )
        .await;
        let mut body = plot_body(&format!("THIN-{n:03}"), m, None);
        body["geometry"] = json!({"type": "MultiPolygon", "coordinates": [[shell], [thin]]});
        body["area_stated_m2"] = Value::Null;
        let response = app.post_plot(&body).await;
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap();
        if status != 201 {
            // A ring crossing itself with real area is refused as invalid, said as such.
            let text = answer.to_string();
            assert!(
                thin_area >= 1.0 && text.contains("self-intersection"),
                "THIN-{n:03} ({thin_area} m²) refused: {text}"
            );
            continue;
        }
        let parts = answer["geometry"]["coordinates"].as_array().unwrap().len();
        let ours = answer["area_computed_m2"].as_f64().unwrap();
        let stored = app.postgis_area(answer["id"].as_i64().unwrap()).await;
        assert!(
            (ours - stored).abs() <= 0.001 * stored,
            "THIN-{n:03}: {ours} m² here, {stored} m² in PostGIS"
        );
        if parts == 1 {
            dropped += 1;
            assert!(
                thin_area < 1.01,
                "THIN-{n:03}: dropped a part of {thin_area} m²"
            );
            assert!(kinds(&answer).contains(&"slivers_dropped".to_owned()));
            assert!((stored - square_area).abs() < 1e-6 * square_area);
        } else {
            kept += 1;
            assert!(
                thin_area > 0.99,
                "THIN-{n:03}: kept a part of {thin_area} m²"
            );
            // Tiny rings: 0.1 % or 0.01 m², whichever is larger.
            assert!(
                (stored - square_area - thin_area).abs() <= (0.001 * stored).max(0.01),
                "THIN-{n:03}: {stored} vs {square_area} + {thin_area}"
            );
        }
    }
    assert!(dropped > 10 && kept > 10, "dropped {dropped}, kept {kept}");
}

/// The same random slivers through POST /imports: areas as PostGIS measures them, a warning per
/// feature with a dropped part.
#[tokio::test]
async fn random_slivers_through_an_import_measure_as_postgis_does() {
    let app = spawn_app().await;
    app.place().await;
    let mut next = random(0x1e55_0001);
    let mut features = Vec::new();
    for n in 0..40 {
        let (lon, lat) = (11.40 + next() * 0.2, 53.25 + next() * 0.1);
        let mut shell = square(lon, lat, 0.001);
        if n % 2 == 1 {
            shell.reverse();
        }
        let base = 0.000_15 + next() * 0.001_35;
        let sliver = triangle(
            lon + 0.002,
            lat,
            base,
            10f64.powf(-14.0 + next() * 5.0),
            next(),
        );
        features.push(feature(
            &format!("IMP-{n:03}"),
            json!({"type": "MultiPolygon", "coordinates": [[shell], [sliver]]}),
            None,
        ));
    }
    let (status, report) = import(&app, "", features).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], 40);
    let with_sliver_warning = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["problem"].as_str().unwrap().contains("sliver"))
        .count();
    assert_eq!(with_sliver_warning, 40, "{report}");
    for n in 0..40 {
        let reference = format!("IMP-{n:03}");
        let plot: Value = app
            .get_staff(&format!("/plots/{reference}"))
            .await
            .json()
            .await
            .unwrap();
        let ours = plot["area_computed_m2"].as_f64().unwrap();
        let postgis = app.postgis_area(plot_id(&app, &reference).await).await;
        assert!(
            (ours - postgis).abs() <= 0.001 * postgis,
            "{reference}: {ours} vs {postgis}"
        );
        assert!((7_000.0..8_000.0).contains(&ours), "{reference}: {ours}");
    }
}

/// A drawn search area drops its slivers silently (a search has no warnings to give) and is never
/// read as the Earth's complement; an area of slivers only is refused like an outline.
#[tokio::test]
async fn search_areas_drop_slivers_and_refuse_areas_without_ground() {
    let app = spawn_app().await;
    let (m, _) = app.place().await;
    create(&app, &plot_body("SRCH-1", m, None)).await; // square(11.5, 53.33, 0.001)
    let search = |geometry: Value| {
        let app = &app;
        async move {
            let response = app
                .client
                .post(app.url("/plots/search"))
                .bearer_auth(TOKEN)
                .json(&json!({"geometry": geometry}))
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    // Clockwise shell around the plot, and a clockwise sliver far away.
    let area = json!({"type": "MultiPolygon", "coordinates": [
        [reversed(square(11.4995, 53.3295, 0.002))],
        [reversed(triangle(11.7, 53.2, 0.001, 1e-11, 0.5))]]});
    let (status, page) = search(area).await;
    assert_eq!(status, 200, "{page}");
    let refs: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reference"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["SRCH-1"]);
    // A lone sliver elsewhere finds nothing (not the rest of the Earth): it is refused.
    let (status, problem) = search(json!({"type": "Polygon", "coordinates": [
        triangle(11.7, 53.2, 0.001, 1e-11, 0.5)]}))
    .await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        problem.to_string().contains("encloses no ground"),
        "{problem}"
    );
}
