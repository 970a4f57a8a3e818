//! No request can monopolise a worker: geometry is measured before it is validated, and the
//! limits are named in the answer.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::*;

/// A closed ring of `n` positions on a circle around Ludwigslust. Degrees, EPSG:4326.
fn circle(n: usize, radius: f64) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = (0..n - 1)
        .map(|i| {
            let a = i as f64 / (n - 1) as f64 * std::f64::consts::TAU;
            [11.5 + radius * a.cos(), 53.33 + radius * a.sin()]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

/// The finding as reproduced: a 20,000-position circle (820 kB), anonymous, kept a release
/// worker busy for 4 s (70 s in a debug build). Now a 400 naming the limit, at once.
#[tokio::test]
async fn a_huge_drawn_area_is_refused_before_any_work() {
    let app = spawn_app_with(&[("GWF_BODY_LIMIT_BYTES", "4194304")]).await;
    let body = json!({"geometry": {"type": "Polygon", "coordinates": [circle(20_000, 0.05)]}});
    let started = Instant::now();
    let response = app
        .client
        .post(app.url("/plots/search"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 400).await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(pointers(&problem), ["/geometry/coordinates/0"]);
    let text = problem.to_string();
    assert!(text.contains("GWF_GEOMETRY_MAX_RING_POSITIONS"), "{text}");
}

/// Each limit is checked and named: rings per polygon, parts per MultiPolygon, positions in
/// all; for plot writes as for searches.
#[tokio::test]
async fn every_geometry_limit_is_named_for_writes_too() {
    let app = spawn_app_with(&[
        ("GWF_GEOMETRY_MAX_RING_POSITIONS", "50"),
        ("GWF_GEOMETRY_MAX_RINGS", "3"),
        ("GWF_GEOMETRY_MAX_PARTS", "2"),
        ("GWF_GEOMETRY_MAX_POSITIONS", "120"),
    ])
    .await;
    let (municipality, estate) = app.place().await;
    let hole = |i: usize| {
        let lon = 11.5002 + i as f64 * 0.0002;
        vec![
            [lon, 53.3302],
            [lon, 53.3303],
            [lon + 0.0001, 53.3303],
            [lon + 0.0001, 53.3302],
            [lon, 53.3302],
        ]
    };
    let cases: [(Value, &str, &str); 3] = [
        (
            json!({"type": "Polygon", "coordinates": [circle(51, 0.001)]}),
            "/geometry/coordinates/0",
            "GWF_GEOMETRY_MAX_RING_POSITIONS",
        ),
        (
            json!({"type": "Polygon", "coordinates": [square(11.5, 53.33, 0.001), hole(0), hole(1), hole(2)]}),
            "/geometry/coordinates",
            "GWF_GEOMETRY_MAX_RINGS",
        ),
        (
            json!({"type": "MultiPolygon", "coordinates": [
                [square(11.5, 53.33, 0.001)], [square(11.6, 53.33, 0.001)], [square(11.7, 53.33, 0.001)]
            ]}),
            "/geometry/coordinates",
            "GWF_GEOMETRY_MAX_PARTS",
        ),
    ];
    for (geometry, pointer, limit) in cases {
        let mut body = plot_body("GROSS-1", municipality, Some(estate));
        body["geometry"] = geometry;
        let problem = assert_problem(app.post_plot(&body).await, 422).await;
        assert_eq!(pointers(&problem), [pointer], "{problem}");
        assert!(problem.to_string().contains(limit), "{problem}");
    }
    // Positions in all: two parts of 50 and one hole of 30 = 130 > 120.
    let mut body = plot_body("GROSS-2", municipality, Some(estate));
    let mut with_hole = vec![circle(50, 0.001)];
    with_hole.push(circle(30, 0.0002).into_iter().rev().collect());
    body["geometry"] = json!({"type": "MultiPolygon", "coordinates": [
        with_hole,
        [circle(50, 0.001).iter().map(|[x, y]| [x + 0.01, *y]).collect::<Vec<_>>()],
    ]});
    let problem = assert_problem(app.post_plot(&body).await, 422).await;
    assert!(
        problem.to_string().contains("GWF_GEOMETRY_MAX_POSITIONS"),
        "{problem}"
    );
}

/// An import is checked feature by feature against the same limits, and a file with more
/// plots than an import may hold is refused as a whole with 413 before any is checked.
#[tokio::test]
async fn imports_are_bounded_too() {
    let app = spawn_app_with(&[
        ("GWF_GEOMETRY_MAX_RING_POSITIONS", "50"),
        ("GWF_IMPORT_MAX_FEATURES", "3"),
    ])
    .await;
    app.place().await;
    let feature = |reference: &str, ring: Vec<[f64; 2]>| {
        json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
               "properties": {"reference": reference, "title_de": "Fläche",
                              "municipality_ags": "13076090", "status": "available",
                              "zoning": "GE", "bplan_status": "legally_binding",
                              "servicing": "full", "offer": "sale", "price_min_eur_m2": "12.50",
                              "data_confirmed_on": "2026-10-01"}})
    };
    let body = json!({"type": "FeatureCollection", "features": [
        feature("IMP-1", square(11.5, 53.33, 0.001)),
        feature("IMP-2", circle(500, 0.001)),
    ]});
    let response = app
        .client
        .post(app.url("/imports"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/geo+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 422).await;
    let text = problem.to_string();
    assert!(text.contains("GWF_GEOMETRY_MAX_RING_POSITIONS"), "{text}");

    let many: Vec<Value> = (0..4)
        .map(|i| {
            feature(
                &format!("IMP-{i}"),
                square(11.5 + i as f64 * 0.01, 53.33, 0.001),
            )
        })
        .collect();
    let response = app
        .client
        .post(app.url("/imports"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/geo+json")
        .body(json!({"type": "FeatureCollection", "features": many}).to_string())
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 413).await;
    assert!(
        problem.to_string().contains("GWF_IMPORT_MAX_FEATURES"),
        "{problem}"
    );
}

/// A drawn area is priced by its size against the heavy limit: one request plus one per
/// started thousand positions, so large polygons cannot be sent at the rate of small ones.
#[tokio::test]
async fn large_drawn_areas_cost_more_of_the_heavy_limit() {
    // 3 a minute: a unit comes back only every 20 s, so a slow machine (debug build, busy
    // cores) cannot refill the bucket between the requests (at 11 a minute it did, every
    // 5.5 s, and the refusal did not come).
    let app = spawn_app_with(&[("GWF_RATE_HEAVY_PER_MIN", "3")]).await;
    let search = |positions: usize| {
        app.client
            .post(app.url("/plots/search"))
            .json(
                &json!({"geometry": {"type": "Polygon", "coordinates": [circle(positions, 0.05)]}}),
            )
            .send()
    };
    // 1,999 positions: 2 units of the 3; a second such search does not fit.
    assert_eq!(search(1_999).await.unwrap().status(), 200);
    let refused = search(1_999).await.unwrap();
    assert!(refused.headers().contains_key("retry-after"));
    assert_problem(refused, 429).await;
    // A small one (1 unit) still fits.
    assert_eq!(search(100).await.unwrap().status(), 200);
}
