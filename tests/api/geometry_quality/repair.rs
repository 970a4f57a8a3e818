//! `repair=true` on imports, plot writes and estate imports: what it mends and when it refuses.

use super::*;

fn bow_tie(lon: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[
        [lon, 53.33], [lon + 0.001, 53.331], [lon + 0.001, 53.33], [lon, 53.331], [lon, 53.33]]]})
}

#[tokio::test]
async fn repair_mends_bow_ties_degenerate_slivers_and_overlapping_parts() {
    let app = spawn_app().await;
    app.place().await;
    let collinear = vec![
        [11.512, 53.33],
        [11.513, 53.33],
        [11.514, 53.33],
        [11.512, 53.33],
    ];
    let features = vec![
        feature("REP-BOW", bow_tie(11.50), None),
        feature(
            "REP-THREE",
            json!({"type": "MultiPolygon", "coordinates": [[square(11.51, 53.33, 0.001)], [collinear]]}),
            None,
        ),
        // Overlapping by 0.000001° × 0.001° (7 cm × 111 m, ~7 m², 0.03 % of the union): survey
        // noise.
        feature(
            "REP-OVER",
            json!({"type": "MultiPolygon", "coordinates": [
                [square(11.52, 53.33, 0.001)],
                [[[11.520999, 53.33], [11.522999, 53.33], [11.522999, 53.331], [11.520999, 53.331], [11.520999, 53.33]]]]}),
            None,
        ),
    ];

    // Without repair: refused, and the problem says that repair=true exists.
    let (status, report) = import(&app, "", features.clone()).await;
    assert_eq!(status, 422, "{report}");
    let problems = report["problems"].as_array().unwrap();
    for reference in ["REP-BOW", "REP-OVER"] {
        let p = problems
            .iter()
            .find(|p| p["reference"] == reference)
            .unwrap_or_else(|| panic!("{reference} not refused: {report}"));
        assert!(
            p["problem"].as_str().unwrap().contains("repair=true"),
            "{reference}: {p}"
        );
    }

    let (status, report) = import(&app, "?repair=true", features).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], 3, "{report}");
    let warnings = report["warnings"].as_array().unwrap();
    let repaired = |reference: &str| {
        warnings
            .iter()
            .find(|w| {
                w["reference"] == reference && w["problem"].as_str().unwrap().contains("repaired")
            })
            .unwrap_or_else(|| panic!("no repair warning for {reference}: {report}"))["problem"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let bow = repaired("REP-BOW");
    assert!(
        bow.contains("area as drawn") && bow.contains("1 part before, 2 after"),
        "{bow}"
    );
    assert!(repaired("REP-THREE").contains("2 parts before, 1 after"));
    assert!(repaired("REP-OVER").contains("2 parts before, 1 after"));
    for (reference, parts) in [("REP-BOW", 2), ("REP-THREE", 1), ("REP-OVER", 1)] {
        let plot: Value = app
            .get_staff(&format!("/plots/{reference}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            plot["geometry"]["coordinates"].as_array().unwrap().len(),
            parts,
            "{reference}: {plot}"
        );
        let ours = plot["area_computed_m2"].as_f64().unwrap();
        let postgis = app.postgis_area(plot["id"].as_i64().unwrap()).await;
        assert!((ours - postgis).abs() <= 0.001 * postgis, "{reference}");
    }
    // The bow-tie's two lobes: half the square it spans.
    let bow: Value = app.get_staff("/plots/REP-BOW").await.json().await.unwrap();
    let lobes = bow["area_computed_m2"].as_f64().unwrap();
    assert!((3_650.0..3_760.0).contains(&lobes), "{lobes}");
}

#[tokio::test]
async fn repair_is_refused_when_it_changes_the_area_too_much() {
    let app = spawn_app().await;
    app.place().await;
    // One site listed twice as two identical parts: the union is half the area as drawn.
    let doubled = json!({"type": "MultiPolygon", "coordinates": [
        [square(11.5, 53.33, 0.002)], [square(11.5, 53.33, 0.002)]]});
    let (status, report) = import(
        &app,
        "?repair=true",
        vec![
            feature("TWICE", doubled, None),
            feature(
                "FINE",
                json!({"type": "Polygon", "coordinates": [square(11.51, 53.33, 0.001)]}),
                None,
            ),
        ],
    )
    .await;
    assert_eq!(status, 422, "{report}");
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{report}");
    assert_eq!(problems[0]["reference"], "TWICE");
    assert_eq!(problems[0]["field"], "geometry");
    let text = problems[0]["problem"].as_str().unwrap();
    assert!(
        text.contains("repair would change the area") && text.contains("area as drawn"),
        "{text}"
    );
}

/// Plot writes take `?repair=true` too: the same repair and bound as imports, reported as the
/// warning `outline_repaired`; without it, the refusal says that it exists.
#[tokio::test]
async fn plot_writes_repair_on_request() {
    let app = spawn_app().await;
    let (m, _) = app.place().await;
    let mut body = plot_body("FIX-1", m, None);
    body["geometry"] = bow_tie(11.5);
    body["area_stated_m2"] = Value::Null;
    body.as_object_mut().unwrap().remove("published");
    let problem = assert_problem(app.post_plot(&body).await, 422).await;
    let detail = problem["errors"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("self-intersection") && detail.contains("?repair=true"),
        "{problem}"
    );

    let response = app
        .client
        .post(app.url("/plots?repair=true"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let created: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{created}");
    assert_eq!(kinds(&created), ["outline_repaired"], "{created}");
    let w = &created["warnings"][0];
    assert!(
        w["message"].as_str().unwrap().contains("area as drawn"),
        "{w}"
    );
    assert!(
        w["message_de"].as_str().unwrap().contains("repariert"),
        "{w}"
    );
    assert_eq!(
        created["geometry"]["coordinates"].as_array().unwrap().len(),
        2
    );
    let ours = created["area_computed_m2"].as_f64().unwrap();
    let postgis = app.postgis_area(created["id"].as_i64().unwrap()).await;
    assert!(
        (ours - postgis).abs() <= 0.001 * postgis,
        "{ours} vs {postgis}"
    );

    // PATCH to one site drawn twice: the repair would halve the area, so it is refused.
    let patch = json!({"geometry": {"type": "MultiPolygon", "coordinates": [
        [square(11.5, 53.33, 0.002)], [square(11.5, 53.33, 0.002)]]}});
    let response = app
        .client
        .patch(app.url(&format!("/plots/{}?repair=true", created["id"])))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", created["version"]))
        .header("content-type", "application/merge-patch+json")
        .body(patch.to_string())
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 422).await;
    assert_eq!(pointers(&problem), ["/geometry"]);
    assert!(
        problem["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("repair would change the area"),
        "{problem}"
    );
    let unknown = app
        .client
        .post(app.url("/plots?mend=true"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(unknown, 400).await;
}

/// Estate imports share the import's geometry path: `repair=true` mends a bow-tie outline there
/// too, and without it the problem names the parameter.
#[tokio::test]
async fn estate_imports_repair_on_request() {
    let app = spawn_app().await;
    app.place().await;
    let body = json!({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "geometry": bow_tie(11.5),
        "properties": {"municipality_ags": "13076090", "name": "GE Schleife"}
    }]});
    let post = |query: &'static str| {
        let app = &app;
        let body = body.clone();
        async move {
            let response = app
                .client
                .post(app.url(&format!("/estates/imports{query}")))
                .bearer_auth(TOKEN)
                .header("content-type", "application/geo+json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let (status, refused) = post("").await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("repair=true"), "{refused}");
    let (status, report) = post("?repair=true").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], 1, "{report}");
    assert!(
        report["warnings"]
            .to_string()
            .contains("invalid outline repaired"),
        "{report}"
    );
}
