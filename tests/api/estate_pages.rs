//! Estate profile pages, and what a plot's profile borrows from its places: the estate's
//! location facts where the plot states none, and the contact of estate or municipality.

use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::helpers::*;

/// Runs SQL with `$1` bound to `id` (estate facts are set straight in the database: the write
/// API for places is another branch's).
async fn exec(app: &TestApp, statement: &str, id: i64) {
    let mut conn = app.db().await;
    diesel::sql_query(statement)
        .bind::<BigInt, _>(id)
        .execute(&mut conn)
        .await
        .unwrap();
}

async fn municipality_contact(app: &TestApp, municipality: i64) {
    exec(
        app,
        "UPDATE municipalities SET contact_name = 'Katrin Beispiel', contact_phone = '+49 3874 0000', \
         contact_email = 'wirtschaft@ludwigslust.example' WHERE id = $1",
        municipality,
    )
    .await;
}

/// The estate of `TestApp::place` with facts, a description and an outline around the plots.
async fn estate_facts(app: &TestApp, estate: i64) {
    exec(
        app,
        "UPDATE estates SET published = true, description_de = 'Gut erschlossenes Gebiet an der A14.', \
         description_en = 'Well serviced estate by the A14.', gross_area_m2 = 120000, net_area_m2 = 95000, \
         zoning_summary = 'GE, GI', bplan_name = 'B-Plan Nr. 12 Nord', bplan_number = '12', \
         bplan_legal_date = '2019-05-01', bplan_url = 'https://www.ludwigslust.example/bplan-12.pdf', \
         motorway_junction = 'AS Ludwigslust', dist_motorway_km = 2.0, port = 'Hafen Wismar', \
         dist_port_km = 77.5, broadband_mbit = 1000, fibre = true, grw_area = true, \
         outline = ST_Multi(ST_MakeEnvelope(11.499, 53.329, 11.515, 53.335, 4326)) WHERE id = $1",
        estate,
    )
    .await;
}

/// The `<dd>` after `<dt>{label}</dt>`.
fn fact<'a>(html: &'a str, label: &str) -> &'a str {
    let start = html
        .find(&format!("<dt>{label}</dt><dd>"))
        .unwrap_or_else(|| panic!("no fact {label}"));
    let rest = &html[start..];
    &rest[..rest.find("</dd>").unwrap()]
}

#[tokio::test]
async fn estate_profile_shows_facts_and_published_plots_in_both_languages() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    municipality_contact(&app, municipality).await;
    app.create_plot(&plot_body("E-001", municipality, Some(estate)))
        .await;
    let mut draft = plot_body("E-002", municipality, Some(estate));
    draft["published"] = json!(false);
    draft["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.505, 53.33, 0.001)]});
    app.create_plot(&draft).await;
    estate_facts(&app, estate).await;

    let de = app.get(&format!("/estates/{estate}/profile")).await;
    assert_eq!(de.status(), 200);
    assert!(de.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
    let html = de.text().await.unwrap();
    assert!(html.contains("<h1>GE Nord</h1>"), "{html}");
    assert!(html.contains("Gut erschlossenes Gebiet an der A14."));
    assert_eq!(
        fact(&html, "Bruttofläche"),
        "<dt>Bruttofläche</dt><dd>120.000 m²"
    );
    assert!(fact(&html, "Nettobaufläche").ends_with("95.000 m²"));
    assert!(fact(&html, "Nutzungsarten").ends_with("GE, GI"));
    assert!(fact(&html, "Rechtskräftig seit").ends_with("01.05.2019"));
    assert!(fact(&html, "Planunterlagen")
        .contains(r#"href="https://www.ludwigslust.example/bplan-12.pdf""#));
    let motorway = fact(&html, "Autobahn");
    assert!(
        motorway.contains("2,0 km") && motorway.contains("AS Ludwigslust"),
        "{motorway}"
    );
    assert!(
        !motorway.contains("(Gewerbegebiet)"),
        "an estate's own facts are not marked as borrowed"
    );
    assert!(fact(&html, "Breitband").ends_with("1000 Mbit/s"));
    assert!(fact(&html, "Glasfaser").ends_with("ja"));
    // Its published plots, linked to their profiles; drafts not.
    assert!(html.contains(r#"href="/plots/E-001/profile?lang=de""#));
    assert!(!html.contains("E-002"), "draft plots stay hidden");
    // No contact of its own: the municipality's economic-development office.
    assert!(html.contains("Wirtschaftsförderung Ludwigslust") && html.contains("Katrin Beispiel"));
    // The map's data: the outline and the plot, as JSON for profile.js.
    assert!(html.contains(r#"<script type="application/json" id="profile-geometry">"#));
    assert!(html.contains(r#""kind":"estate""#) && html.contains(r#""reference":"E-001""#));

    let en = app
        .get(&format!("/estates/{estate}/profile?lang=en"))
        .await
        .text()
        .await
        .unwrap();
    assert!(en.contains("Well serviced estate by the A14."));
    assert!(fact(&en, "Gross area").ends_with("120,000 m²"));
    assert!(fact(&en, "Motorway").contains("2.0 km"));
    assert!(en.contains(r#"href="/plots/E-001/profile?lang=en""#));
    assert!(en.contains("Economic development, Ludwigslust"));
    assert!(en.contains(r#"<html lang="en">"#));

    assert_problem(
        app.get(&format!("/estates/{estate}/profile?lang=fr")).await,
        400,
    )
    .await;
    assert_problem(app.get("/estates/abc/profile").await, 404).await;
    assert_problem(app.get("/estates/999999/profile").await, 404).await;
}

#[tokio::test]
async fn draft_estates_have_profiles_only_for_their_staff_and_deleted_ones_for_nobody() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    let other = app.other_municipality().await;
    exec(
        &app,
        "UPDATE estates SET published = false WHERE id = $1",
        estate,
    )
    .await;
    app.account_with_token(
        "own@test.example",
        "editor",
        &[municipality],
        "gwf_own-editor",
    )
    .await;
    app.account_with_token("other@test.example", "editor", &[other], "gwf_other-editor")
        .await;
    let path = format!("/estates/{estate}/profile");

    assert_problem(app.get(&path).await, 404).await;
    assert_eq!(app.get_with(&path, "gwf_own-editor").await, 200);
    assert_eq!(app.get_with(&path, "gwf_other-editor").await, 404);
    let preview = app
        .client
        .get(app.url(&path))
        .bearer_auth("gwf_own-editor")
        .send()
        .await
        .unwrap();
    assert!(
        preview.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("Authorization"),
        "a preview must not be cached for the public"
    );

    exec(
        &app,
        "UPDATE estates SET deleted_at = now() WHERE id = $1",
        estate,
    )
    .await;
    assert_eq!(app.get_with(&path, "gwf_own-editor").await, 404);
    assert_eq!(app.get_with(&path, TOKEN).await, 404);
}

#[tokio::test]
async fn plot_profile_borrows_location_facts_and_contact_from_its_places() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    municipality_contact(&app, municipality).await;
    let mut body = plot_body("B-001", municipality, Some(estate));
    body["dist_motorway_km"] = json!(3.0);
    app.create_plot(&body).await;
    estate_facts(&app, estate).await;

    let html = app.get("/plots/B-001/profile").await.text().await.unwrap();
    // Its own motorway distance wins (the junction's name is the estate's: plots have none).
    let motorway = fact(&html, "Autobahn");
    assert!(
        motorway.contains("3,0 km") && !motorway.contains("2,0 km"),
        "{motorway}"
    );
    assert!(!motorway.contains("(Gewerbegebiet)"), "{motorway}");
    // The port it leaves empty: the estate's, marked.
    let port = fact(&html, "Hafen");
    assert!(
        port.contains("77,5 km")
            && port.contains("Hafen Wismar")
            && port.contains("(Gewerbegebiet)"),
        "{port}"
    );
    assert!(fact(&html, "Breitband").contains("1000 Mbit/s"));
    // No contact of its own, none of the estate: the town's.
    assert!(html.contains("Wirtschaftsförderung Ludwigslust"), "{html}");
    assert!(html.contains("Katrin Beispiel"));
    assert!(html.contains(r#"href="mailto:wirtschaft@ludwigslust.example""#));

    let en = app
        .get("/plots/B-001/profile?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(fact(&en, "Port").contains("(estate)"));
    assert!(en.contains("Economic development, Ludwigslust"));

    // The estate's contact comes before the town's, named by the estate.
    exec(
        &app,
        "UPDATE estates SET contact_name = 'Gebietsmanagement Nord' WHERE id = $1",
        estate,
    )
    .await;
    let html = app.get("/plots/B-001/profile").await.text().await.unwrap();
    assert!(html.contains("Gebietsmanagement Nord") && !html.contains("Katrin Beispiel"));
    assert!(html.contains(r#"<p class="contact-source">GE Nord</p>"#));

    // A draft estate lends nothing to the public page.
    exec(
        &app,
        "UPDATE estates SET published = false WHERE id = $1",
        estate,
    )
    .await;
    let html = app.get("/plots/B-001/profile").await.text().await.unwrap();
    assert!(!html.contains("<dt>Hafen</dt>") && !html.contains("Gebietsmanagement"));
    assert!(html.contains("Wirtschaftsförderung Ludwigslust"));
    assert!(
        !html.contains("GE Nord"),
        "a draft estate's name stays hidden"
    );
}

#[tokio::test]
async fn a_plot_with_its_own_contact_shows_only_that() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    municipality_contact(&app, municipality).await;
    let mut body = plot_body("C-001", municipality, None);
    body["contact_name"] = json!("Frau Eigene");
    app.create_plot(&body).await;
    let html = app.get("/plots/C-001/profile").await.text().await.unwrap();
    assert!(html.contains("Frau Eigene") && !html.contains("Katrin Beispiel"));
    assert!(!html.contains("contact-source"));
}

#[tokio::test]
async fn demo_estates_carry_facts_that_their_plots_show() {
    let app = spawn_app().await;
    let mut conn = app.db().await;
    gewerbeflaechen::demo::seed(&mut conn).await.unwrap();
    // Seeding twice changes nothing (the estates' facts are upserted like their names).
    gewerbeflaechen::demo::seed(&mut conn).await.unwrap();
    let estates: serde_json::Value = app.get("/estates").await.json().await.unwrap();
    let techentin = estates
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "Gewerbegebiet Am Techentiner Weg")
        .unwrap();
    assert_eq!(techentin["motorway_junction"], "AS Ludwigslust (A14)");
    assert_eq!(techentin["gross_area_m2"], 142000);
    let html = app
        .get("/plots/LWL-001/profile")
        .await
        .text()
        .await
        .unwrap();
    let port = fact(&html, "Hafen");
    assert!(
        port.contains("77,5 km") && port.contains("(Gewerbegebiet)"),
        "{port}"
    );
    let profile = app
        .get(&format!("/estates/{}/profile", techentin["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(profile.contains(r#"href="/plots/LWL-001/profile?lang=de""#));
}

#[tokio::test]
async fn profile_parameters_are_checked_as_documented() {
    let app = spawn_app().await;
    let (mid, estate) = app.place().await;
    app.create_plot(&plot_body("LWL-950", mid, Some(estate)))
        .await;
    let long = "0".repeat(201);
    assert_problem(
        app.get(&format!("/plots/LWL-950/profile?preview={long}"))
            .await,
        400,
    )
    .await;
    // Preview links are for plots: an estate profile does not take the parameter.
    assert_problem(
        app.get(&format!("/estates/{estate}/profile?preview=x"))
            .await,
        400,
    )
    .await;
}
