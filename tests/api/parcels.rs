//! Cadastral parcels (Flurstücke) through the whole service: written, checked, read in every
//! format, searched by identifier, imported and exported, recorded in the history, shown on the
//! profile page.

use serde_json::{json, Value};

use crate::helpers::*;

const A: &str = "13234500400123______";
const B: &str = "132345004001240002__";

async fn plot_with_parcels(app: &TestApp, reference: &str, parcels: Value) -> reqwest::Response {
    let (municipality, _) = app.place().await;
    let mut body = plot_body(reference, municipality, None);
    body["parcels"] = parcels;
    app.post_plot(&body).await
}

#[tokio::test]
async fn parcels_are_checked_stored_in_one_form_and_read_everywhere() {
    let app = spawn_app().await;
    // `0000` as Nenner and `00` as Folge mean "none": stored as `____` / `__`.
    let created: Value = plot_with_parcels(&app, "F-001", json!([A, "13234500400124000200"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["parcels"], json!([A, B]));

    let problem = assert_problem(
        plot_with_parcels(&app, "F-002", json!([A, "1323", A])).await,
        422,
    )
    .await;
    assert_eq!(pointers(&problem), ["/parcels/1", "/parcels/2"]);

    let feature: Value = app
        .get_staff("/plots/F-001?f=geojson")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(feature["properties"]["parcels"], json!([A, B]));
    let csv = app
        .get_staff("/plots?f=csv&fields=reference,parcels")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains(&format!("\"{A}, {B}\"")), "{csv}");

    // A change is recorded like any other field.
    let response = app
        .client
        .patch(app.url("/plots/F-001"))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", created["version"]))
        .header("content-type", "application/merge-patch+json")
        .body(json!({"parcels": [B]}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let history: Value = app
        .get_staff("/plots/F-001/history")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        history["items"][0]["changes"],
        json!([{"field": "parcels", "from": [A, B], "to": [B]}])
    );
}

#[tokio::test]
async fn towns_find_plots_by_parcel() {
    let app = spawn_app().await;
    let mut body = plot_body("F-010", app.place().await.0, None);
    body["parcels"] = json!([A]);
    app.create_plot(&body).await;
    let mut other = plot_body("F-011", app.place().await.0, None);
    other["parcels"] = json!([B]);
    app.create_plot(&other).await;

    let found: Value = app
        .get(&format!("/plots?parcel={A}"))
        .await
        .json()
        .await
        .unwrap();
    let references: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reference"].as_str().unwrap())
        .collect();
    assert_eq!(references, ["F-010"]);
    // Any of several; the written-out empty Nenner finds the same parcel.
    let both: Value = app
        .get(&format!("/plots?parcel={A},13234500400124000200"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(both["items"].as_array().unwrap().len(), 2);
    let problem = assert_problem(app.get("/plots?parcel=12345").await, 400).await;
    assert_eq!(pointers(&problem), ["parcel"]);
}

#[tokio::test]
async fn parcels_import_from_german_spreadsheets_and_round_trip() {
    let app = spawn_app().await;
    app.place().await;
    let csv = format!(
        "Referenz;Titel;Gemeindeschlüssel;Status;Nutzungsart;B-Plan;Erschließung;Preis auf Anfrage;Angebot;Stand;Flurstücke;WKT\n\
         F-020;Fläche am Testweg;13076090;verfügbar;GE;rechtskräftig;voll;ja;Kauf;01.10.2026;{A} {B};\
         POLYGON((11.5 53.33, 11.501 53.33, 11.501 53.331, 11.5 53.331, 11.5 53.33))\n"
    );
    let response = app
        .client
        .post(app.url("/imports"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let plot: Value = app.get_staff("/plots/F-020").await.json().await.unwrap();
    assert_eq!(plot["parcels"], json!([A, B]));

    for format in ["geojson", "csv", "csv-excel"] {
        let export = app
            .get_staff(&format!("/plots/export?f={format}"))
            .await
            .text()
            .await
            .unwrap();
        let content_type = if format == "geojson" {
            "application/geo+json"
        } else {
            "text/csv"
        };
        let report: Value = app
            .client
            .post(app.url("/imports"))
            .bearer_auth(TOKEN)
            .header("content-type", content_type)
            .body(export)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(report["unchanged"], 1, "{format}: {report}");
    }
}

#[tokio::test]
async fn profile_pages_name_the_parcels() {
    let app = spawn_app().await;
    let mut body = plot_body("F-030", app.place().await.0, None);
    body["parcels"] = json!([B]);
    app.create_plot(&body).await;
    let de = app.get("/plots/F-030/profile").await.text().await.unwrap();
    assert!(de.contains("Flurstücke"), "{de}");
    assert!(de.contains("Gemarkung 2345 · Flur 4 · Flurstück 124/2"));
    let en = app
        .get("/plots/F-030/profile?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(en.contains("cadastral district 2345 · Flur 4 · parcel 124/2"));
}
