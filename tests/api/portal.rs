//! The investor portal's server side: `/` by content negotiation, the compare page, sitemap,
//! robots.txt, what search engines read on profiles (and never on drafts), HTML 404 pages for
//! browsers, and the CSV for English Excel.

use serde_json::{json, Value};

use crate::helpers::*;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn browser_get(app: &TestApp, path: &str, accept_language: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("Accept", BROWSER)
        .header("Accept-Language", accept_language)
        .send()
        .await
        .unwrap()
}

/// A published plot P-001 with internal facts, and a draft P-002.
async fn two_plots(app: &TestApp) -> (Value, Value) {
    let (municipality, estate) = app.place().await;
    let mut published = plot_body("P-001", municipality, Some(estate));
    published["operation_24h"] = json!(true);
    published["electricity_capacity_kva"] = json!(1600);
    let published = app.create_plot(&published).await;
    let mut draft = plot_body("P-002", municipality, None);
    draft["published"] = json!(false);
    draft["title_de"] = json!("Geheimer Entwurf");
    draft["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.51, 53.33, 0.001)]});
    let draft = app.create_plot(&draft).await;
    (published, draft)
}

#[tokio::test]
async fn the_start_page_is_the_portal_for_browsers_and_json_for_clients() {
    let app = spawn_app().await;
    let page = browser_get(&app, "/", "de-DE,de;q=0.9,en;q=0.8").await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-language"], "de");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"de\""),
        "German by Accept-Language"
    );
    // Assets by their hashed names (portal.<hash>.js).
    assert!(html.contains("id=\"filters\"") && html.contains("\"/assets/portal."));
    assert!(html.contains("Fläche ab (m²)"));
    // The landing page's links stay reachable for people (OGC API – Features, HTML class).
    for rel in ["service-doc", "service-desc", "conformance"] {
        assert!(html.contains(&format!("rel=\"{rel}\"")), "{rel}");
    }
    assert!(html.contains("hreflang=\"en\"") && html.contains("rel=\"canonical\""));
    // The URL holds a search: a browser still gets the portal; `lang` wins over the header.
    let en = browser_get(&app, "/?zoning=GI,GE&area_min=5000&lang=en", "de").await;
    assert_eq!(en.status(), 200);
    assert!(en.text().await.unwrap().contains("<html lang=\"en\""));
    let html_by_f = app.get("/?f=html").await;
    assert_eq!(html_by_f.status(), 200);
    assert!(html_by_f.text().await.unwrap().contains("id=\"filters\""));
    // API clients: the JSON landing page, as strict about its parameters as before.
    let landing: Value = app.get("/").await.json().await.unwrap();
    assert_eq!(landing["title"], "Gewerbeflächen API");
    let json_by_f = browser_get(&app, "/?f=json", "en").await;
    assert!(json_by_f.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_problem(app.get("/?zoning=GI").await, 400).await;
    assert_problem(app.get("/?f=xml").await, 400).await;
}

#[tokio::test]
async fn sitemap_and_robots_list_published_pages_only() {
    let app = spawn_app_with(&[("GWF_PUBLIC_URL", "https://flaechen.example")]).await;
    let (_, estate) = app.place().await;
    let mut conn = app.db().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE estates SET published = true WHERE id = $1")
            .bind::<diesel::sql_types::BigInt, _>(estate),
        &mut conn,
    )
    .await
    .unwrap();
    two_plots(&app).await;
    let sitemap = app.get("/sitemap.xml").await;
    assert_eq!(sitemap.status(), 200);
    assert!(sitemap.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    let xml = sitemap.text().await.unwrap();
    assert!(xml.contains("<loc>https://flaechen.example/plots/P-001/profile?lang=de</loc>"));
    assert!(xml.contains(
        r#"<xhtml:link rel="alternate" hreflang="en" href="https://flaechen.example/plots/P-001/profile?lang=en"/>"#
    ));
    assert!(xml.contains(&format!("/estates/{estate}/profile?lang=en")));
    assert!(xml.contains(
        "<image:image><image:loc>https://flaechen.example/plots/P-001/image.png</image:loc></image:image>"
    ));
    assert!(!xml.contains("P-002"), "drafts are never listed");
    let robots = app.get("/robots.txt").await.text().await.unwrap();
    assert!(robots.contains("Sitemap: https://flaechen.example/sitemap.xml"));
}

#[tokio::test]
async fn published_profiles_carry_meta_for_search_engines_and_drafts_none() {
    let app = spawn_app_with(&[("GWF_PUBLIC_URL", "https://flaechen.example")]).await;
    two_plots(&app).await;
    let html = app
        .get("/plots/P-001/profile?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(
        r#"<link rel="canonical" href="https://flaechen.example/plots/P-001/profile?lang=en">"#
    ));
    assert!(html
        .contains(r#"hreflang="de" href="https://flaechen.example/plots/P-001/profile?lang=de""#));
    assert!(html.contains(r#"<meta property="og:title" content="Commercial plot on Test Road">"#));
    let ld = html
        .split(r#"<script type="application/ld+json">"#)
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("JSON-LD");
    let ld: Value = serde_json::from_str(ld).unwrap();
    assert_eq!(ld["@type"], "Place");
    assert!((ld["geo"]["latitude"].as_f64().unwrap() - 53.3305).abs() < 0.001);
    assert_eq!(ld["makesOffer"]["priceSpecification"]["minPrice"], "12.50");
    assert_eq!(ld["makesOffer"]["priceSpecification"]["maxPrice"], "15.00");
    // The investor's questions: 24 h, power, GRW rate, m² and ha, the total price, the terms.
    for text in [
        "24-hour operation",
        "1,600 kVA",
        "40 %",
        "7,400 m² (0.74 ha)",
        "≈ €93,000 – €111,000",
        "German terms explained",
    ] {
        assert!(html.contains(text), "{text} missing");
    }
    // Never anything internal, in the page or its meta.
    for internal in ["Eigentümer verhandelt", "Mustermann", "internal_notes"] {
        assert!(!html.contains(internal), "{internal} leaked");
    }
    // A draft (staff see it) is marked, not for search engines, and carries no such meta.
    let draft = app
        .get_staff("/plots/P-002/profile")
        .await
        .text()
        .await
        .unwrap();
    assert!(draft.contains("noindex"));
    assert!(!draft.contains("application/ld+json") && !draft.contains("rel=\"canonical\""));
}

#[tokio::test]
async fn unknown_plots_give_browsers_a_page_and_clients_a_problem() {
    let app = spawn_app().await;
    two_plots(&app).await;
    let page = browser_get(&app, "/plots/NOPE-9/profile?lang=en", "en").await;
    assert_eq!(page.status(), 404);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("No published plot “NOPE-9”") && html.contains("href=\"/?lang=en\""));
    // A draft is as unknown as a plot that never was.
    let draft = browser_get(&app, "/plots/P-002/profile", "de").await;
    assert_eq!(draft.status(), 404);
    assert!(!draft.text().await.unwrap().contains("Geheimer Entwurf"));
    assert_problem(app.get("/plots/NOPE-9/profile").await, 404).await;
    let estate = browser_get(&app, "/estates/999999/profile?lang=en", "en").await;
    assert_eq!(estate.status(), 404);
    assert!(estate
        .text()
        .await
        .unwrap()
        .contains("not (or no longer) published"));
    assert_problem(app.get("/estates/999999/profile").await, 404).await;
}

#[tokio::test]
async fn the_compare_page_puts_published_plots_side_by_side() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    two_plots(&app).await;
    let mut second = plot_body("P-003", municipality, None);
    second["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.52, 53.33, 0.001)]});
    second["price_on_request"] = json!(true);
    second["price_min_eur_m2"] = Value::Null;
    second["price_max_eur_m2"] = Value::Null;
    app.create_plot(&second).await;
    let page = browser_get(&app, "/compare?plots=P-001,P-003&lang=de", "en").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"de\"") && html.contains("Flächenvergleich"));
    let header = html.split("<tbody>").next().unwrap();
    assert!(
        header.find("P-001").unwrap() < header.find("P-003").unwrap(),
        "in the order asked"
    );
    assert!(html.contains("7.400 m² (0,74 ha)") && html.contains("Preis auf Anfrage"));
    assert!(html.contains("≈ 93.000 € – 111.000 €"));
    assert!(!html.contains("Mustermann") && !html.contains("Eigentümer verhandelt"));
    // A draft is not found; more than four plots is a 400; no plots explains what to do.
    let draft = browser_get(&app, "/compare?plots=P-001,P-002", "en").await;
    assert_eq!(draft.status(), 404);
    assert!(!draft.text().await.unwrap().contains("Geheimer Entwurf"));
    assert_problem(app.get("/compare?plots=1,2,3,4,5").await, 400).await;
    let empty = browser_get(&app, "/compare?lang=en", "en")
        .await
        .text()
        .await
        .unwrap();
    assert!(empty.contains("Choose up to four plots"));
}

#[tokio::test]
async fn csv_for_english_excel_has_a_bom_and_plain_csv_none() {
    let app = spawn_app().await;
    two_plots(&app).await;
    let english = app
        .get("/plots?f=csv-excel-en&fields=reference,title_de,price_min_eur_m2")
        .await;
    assert_eq!(english.status(), 200);
    let bytes = english.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}id,reference,title_de,price_min_eur_m2".as_bytes()));
    assert!(String::from_utf8_lossy(&bytes).contains("P-001,Gewerbefläche am Testweg,12.50"));
    let plain = app
        .get("/plots?f=csv&fields=reference")
        .await
        .bytes()
        .await
        .unwrap();
    assert!(
        plain.starts_with(b"id,reference"),
        "scripts read plain CSV without a BOM"
    );
    let german = app
        .get("/plots?f=csv-excel&fields=reference,price_min_eur_m2")
        .await
        .bytes()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&german).contains("P-001;12,50"));
}
