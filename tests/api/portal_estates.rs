//! What search engines and link previews read on an estate's profile (`/estates/{id}/profile`):
//! per-language title and description, canonical URL, `hreflang`, OpenGraph and a schema.org
//! `Place` with `geo` that contains the estate's published plots — never drafts, never internal
//! fields, and nothing of it on a draft estate's page. Plus the heavy-vehicle fact on profiles
//! and as a search filter.

use serde_json::{json, Value};

use crate::helpers::*;

/// Publishes the test estate with an outline (and a description in both languages), or not.
async fn set_estate(app: &TestApp, estate: i64, published: bool) {
    let mut conn = app.db().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE estates SET published = $2, description_de = 'Direkt an der A14.', \
             description_en = 'Right on the A14.', \
             outline = ST_Multi(ST_GeomFromText('POLYGON((11.49 53.32, 11.52 53.32, 11.52 53.34, 11.49 53.34, 11.49 53.32))', 4326)) \
             WHERE id = $1",
        )
        .bind::<diesel::sql_types::BigInt, _>(estate)
        .bind::<diesel::sql_types::Bool, _>(published),
        &mut conn,
    )
    .await
    .unwrap();
}

fn json_ld(html: &str) -> Value {
    let ld = html
        .split(r#"<script type="application/ld+json">"#)
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("JSON-LD");
    serde_json::from_str(ld).unwrap()
}

#[tokio::test]
async fn estate_profiles_carry_meta_for_search_engines_without_drafts_or_internals() {
    let app = spawn_app_with(&[("GWF_PUBLIC_URL", "https://flaechen.example")]).await;
    let (municipality, estate) = app.place().await;
    set_estate(&app, estate, true).await;
    let mut published = plot_body("P-001", municipality, Some(estate));
    published["heavy_vehicle_access"] = json!(true);
    app.create_plot(&published).await;
    let mut draft = plot_body("P-002", municipality, Some(estate));
    draft["published"] = json!(false);
    draft["title_de"] = json!("Geheimer Entwurf");
    draft["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.51, 53.33, 0.001)]});
    app.create_plot(&draft).await;

    let path = format!("/estates/{estate}/profile");
    let en = app
        .get(&format!("{path}?lang=en"))
        .await
        .text()
        .await
        .unwrap();
    let de = app
        .get(&format!("{path}?lang=de"))
        .await
        .text()
        .await
        .unwrap();
    let base = format!("https://flaechen.example{path}");
    assert!(en.contains(&format!(r#"<link rel="canonical" href="{base}?lang=en">"#)));
    assert!(de.contains(&format!(r#"<link rel="canonical" href="{base}?lang=de">"#)));
    for html in [&en, &de] {
        assert!(html.contains(&format!(r#"hreflang="de" href="{base}?lang=de""#)));
        assert!(html.contains(&format!(r#"hreflang="en" href="{base}?lang=en""#)));
        assert!(html.contains(r#"hreflang="x-default""#));
        assert!(html.contains(r#"<meta property="og:type" content="place">"#));
    }
    assert!(en.contains(
        r#"<meta property="og:title" content="GE Nord – business estate in Ludwigslust">"#
    ));
    assert!(de.contains(
        r#"<meta property="og:title" content="GE Nord – Gewerbegebiet in Ludwigslust">"#
    ));
    assert!(en.contains("Right on the A14.") && en.contains(r#"content="en_GB""#));
    assert!(de.contains("Direkt an der A14.") && de.contains(r#"content="de_DE""#));

    let ld = json_ld(&en);
    assert_eq!(ld["@type"], "Place");
    assert_eq!(ld["name"], "GE Nord");
    assert_eq!(ld["url"], format!("{base}?lang=en"));
    assert!((ld["geo"]["latitude"].as_f64().unwrap() - 53.33).abs() < 0.001);
    assert!((ld["geo"]["longitude"].as_f64().unwrap() - 11.505).abs() < 0.001);
    let contained = ld["containsPlace"].as_array().unwrap();
    assert_eq!(contained.len(), 1, "only the published plot: {contained:?}");
    assert_eq!(contained[0]["identifier"], "P-001");
    assert_eq!(
        contained[0]["url"],
        "https://flaechen.example/plots/P-001/profile?lang=en"
    );
    assert_eq!(contained[0]["name"], "Commercial plot on Test Road");

    // Never a draft plot or anything internal, in the page or its meta.
    for html in [&en, &de] {
        for hidden in [
            "P-002",
            "Geheimer Entwurf",
            "Eigentümer verhandelt",
            "Mustermann",
            "internal_notes",
        ] {
            assert!(!html.contains(hidden), "{hidden} leaked");
        }
    }

    // The plot's profile names the heavy-vehicle access with the other investor facts.
    let plot = app
        .get("/plots/P-001/profile?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(plot.contains("Heavy-goods vehicles (up to 40 t)"));
    let plot_de = app
        .get("/plots/P-001/profile?lang=de")
        .await
        .text()
        .await
        .unwrap();
    assert!(plot_de.contains("Schwerlastverkehr (bis 40 t)"));
    let api: Value = app.get("/plots/P-001").await.json().await.unwrap();
    assert_eq!(api["heavy_vehicle_access"], true);
    // A filter too: known yes, known no; unknown matches neither.
    let mut unknown = plot_body("P-003", municipality, None);
    unknown["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.52, 53.33, 0.001)]});
    app.create_plot(&unknown).await;
    for (value, want) in [("true", vec!["P-001"]), ("false", vec![])] {
        let page: Value = app
            .get(&format!(
                "/plots?heavy_vehicle_access={value}&fields=reference"
            ))
            .await
            .json()
            .await
            .unwrap();
        let refs: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["reference"].as_str().unwrap())
            .collect();
        assert_eq!(refs, want, "heavy_vehicle_access={value}");
    }
}

#[tokio::test]
async fn a_draft_estate_page_has_no_meta_for_search_engines() {
    let app = spawn_app_with(&[("GWF_PUBLIC_URL", "https://flaechen.example")]).await;
    let (municipality, estate) = app.place().await;
    set_estate(&app, estate, false).await;
    app.create_plot(&plot_body("P-001", municipality, Some(estate)))
        .await;
    let path = format!("/estates/{estate}/profile");
    assert_eq!(
        app.get(&path).await.status(),
        404,
        "the public does not see drafts"
    );
    let html = app.get_staff(&path).await.text().await.unwrap();
    assert!(html.contains("noindex"));
    assert!(!html.contains("application/ld+json") && !html.contains("rel=\"canonical\""));
    assert!(!html.contains("og:title"));
}
