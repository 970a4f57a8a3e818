//! Plausibility warnings of imports and plot writes.

use super::*;

#[tokio::test]
async fn plausibility_warnings_in_an_import_report() {
    let app = spawn_app().await;
    let (m, e) = app.place().await;
    // Town: 11.45–11.55 E, 53.30–53.36 N; estate GE Nord: 11.50–11.51 E, 53.33–53.335 N.
    set_outline(&app, "municipalities", m, [11.45, 53.30, 11.55, 53.36]).await;
    set_outline(&app, "estates", e, [11.50, 53.33, 11.51, 53.335]).await;
    let features = vec![
        // ~74 m²: small.
        feature(
            "PL-SMALL",
            json!({"type": "Polygon", "coordinates": [square(11.46, 53.31, 0.0001)]}),
            None,
        ),
        // ~7,400 m² stated as 15,000.
        feature(
            "PL-STATED",
            json!({"type": "Polygon", "coordinates": [square(11.47, 53.31, 0.001)]}),
            Some(15_000),
        ),
        // Wholly east of the town.
        feature(
            "PL-OUTSIDE",
            json!({"type": "Polygon", "coordinates": [square(11.60, 53.31, 0.001)]}),
            None,
        ),
        // Fine: no warning.
        feature(
            "PL-FINE",
            json!({"type": "Polygon", "coordinates": [square(11.48, 53.31, 0.001)]}),
            Some(7_400),
        ),
    ];
    let (status, report) = import(&app, "?dry_run=true", features.clone()).await;
    assert_eq!(status, 200, "{report}");
    let warned =
        |report: &Value, reference: &str, words: &str| {
            report["warnings"].as_array().unwrap().iter().any(|w| {
                w["reference"] == reference && w["problem"].as_str().unwrap().contains(words)
            })
        };
    for report in [&report, &import(&app, "", features).await.1] {
        assert!(warned(report, "PL-SMALL", "implausible"), "{report}");
        assert!(warned(report, "PL-STATED", "differ by"), "{report}");
        assert!(
            warned(report, "PL-OUTSIDE", "outside its municipality"),
            "{report}"
        );
        assert!(
            !report["warnings"].to_string().contains("PL-FINE"),
            "{report}"
        );
    }

    // A position only, far from its estate (CSV with lon/lat): the placeholder is said to be far.
    let csv = "reference,title_de,municipality_ags,estate_name,status,zoning,bplan_status,servicing,price_on_request,offer,data_confirmed_on,area_stated_m2,lon,lat\n\
        PL-FAR,Fern,13076090,GE Nord,available,GE,legally_binding,full,true,sale,2026-10-01,5000,11.46,53.35\n\
        PL-NEAR,Nah,13076090,GE Nord,available,GE,legally_binding,full,true,sale,2026-10-01,5000,11.505,53.332\n";
    let response = app
        .client
        .post(app.url("/imports"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["created"], 2, "{report}");
    assert!(
        warned(&report, "PL-FAR", "from the outline of its estate GE Nord"),
        "{report}"
    );
    assert!(
        !report["warnings"]
            .to_string()
            .contains("PL-NEAR\",\"field\":\"geometry\",\"problem\":\"the position"),
        "{report}"
    );
    let near_far = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| {
            w["reference"] == "PL-NEAR" && w["problem"].as_str().unwrap().contains("the position")
        })
        .count();
    assert_eq!(near_far, 0, "{report}");
}

#[tokio::test]
async fn plausibility_warnings_on_plot_writes() {
    let app = spawn_app().await;
    let (m, _) = app.place().await;
    set_outline(&app, "municipalities", m, [11.45, 53.30, 11.55, 53.36]).await;

    // ~7,400 m² stated as 7,400: nothing to say.
    let fine = create(&app, &plot_body("PW-1", m, None)).await;
    assert_eq!(kinds(&fine), Vec::<String>::new(), "{fine}");

    // Stated 15,000 m²: the areas differ.
    let mut body = plot_body("PW-2", m, None);
    body["area_stated_m2"] = json!(15_000);
    body["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.52, 53.33, 0.001)]});
    let created = create(&app, &body).await;
    assert_eq!(kinds(&created), ["area_stated_mismatch"], "{created}");
    let w = &created["warnings"][0];
    assert_eq!(w["plot"]["reference"], "PW-2");
    assert!(w["share"].as_f64().unwrap() > 0.4);
    assert!(w["message_de"].as_str().unwrap().contains("weichen"));

    // PATCH to a 74 m² outline outside the town, stated area to match: small.
    let patch = json!({
        "area_stated_m2": 74,
        "geometry": {"type": "Polygon", "coordinates": [square(11.60, 53.31, 0.0001)]}
    });
    let response = app
        .client
        .patch(app.url(&format!("/plots/{}", created["id"])))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", created["version"]))
        .header("content-type", "application/merge-patch+json")
        .body(patch.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let patched: Value = response.json().await.unwrap();
    let k = kinds(&patched);
    assert!(k.contains(&"small_outline".to_owned()), "{patched}");
    assert!(!k.contains(&"area_stated_mismatch".to_owned()), "{patched}");
    // The town check is the existing spatial check, with its tolerance (1,000 m²): a 74 m²
    // plot outside is below it, so it does not fire there; a large one does.
    let mut big = plot_body("PW-3", m, None);
    big["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.62, 53.31, 0.001)]});
    let outside = create(&app, &big).await;
    assert_eq!(kinds(&outside), ["plot_outside_municipality"], "{outside}");
}
