//! Bulk import and staff export, as a region's admin and a town's editor use them.

mod third_party;

use std::io::Write as _;

use diesel::sql_types::{BigInt, Double, Text};
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;

/// A feature in the import schema, EPSG:4326, in Ludwigslust (AGS 13076090).
fn feature(reference: &str, i: usize) -> Value {
    let lon = 11.40 + (i % 20) as f64 * 0.003;
    let lat = 53.30 + (i / 20) as f64 * 0.003;
    json!({
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square(lon, lat, 0.001)]},
        "properties": {
            "reference": reference,
            "title_de": format!("Fläche {i}"),
            "municipality_ags": "13076090",
            "status": "available",
            "zoning": "GE",
            "bplan_status": "legally_binding",
            "servicing": "full",
            "price_min_eur_m2": "12.50",
            "offer": "sale",
            "data_confirmed_on": "2026-10-01",
            "grz": 0.8
        }
    })
}

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

async fn import(
    app: &TestApp,
    token: &str,
    query: &str,
    content_type: &str,
    body: String,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/imports{query}")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Rows in `table`, plots and history alike (deleted plots included).
async fn rows(app: &TestApp, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = app.db().await;
    let n: N = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result(&mut conn)
        .await
        .unwrap();
    n.n
}

async fn plot_count(app: &TestApp) -> i64 {
    rows(app, "plots").await
}

async fn history_count(app: &TestApp) -> i64 {
    rows(app, "plot_history").await
}

#[tokio::test]
async fn three_invalid_features_among_200_write_nothing_and_are_named() {
    let app = spawn_app().await;
    app.place().await;
    let mut features: Vec<Value> = (0..200)
        .map(|i| feature(&format!("IMP-{i:03}"), i))
        .collect();
    features[17]["properties"]["grz"] = json!(3.5);
    // A bow tie: self-intersecting.
    features[88]["geometry"] = json!({"type": "Polygon", "coordinates": [[
        [11.4, 53.4], [11.401, 53.401], [11.401, 53.4], [11.4, 53.401], [11.4, 53.4]]]});
    features[150]["properties"]["municipality_ags"] = json!("99999999");
    let body = collection(features.clone()).to_string();

    let dry = import(
        &app,
        TOKEN,
        "?dry_run=true",
        "application/geo+json",
        body.clone(),
    )
    .await;
    assert_eq!(dry.status(), 200);
    let report: Value = dry.json().await.unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["features"], 200);
    let named: Vec<(u64, String)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["feature"].as_u64().unwrap(),
                p["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            (17, "grz".into()),
            (88, "geometry".into()),
            (150, "municipality_ags".into())
        ]
    );
    assert_eq!(report["problems"][0]["reference"], "IMP-017");
    assert_eq!(plot_count(&app).await, 0);

    let real = import(&app, TOKEN, "", "application/geo+json", body).await;
    let problem = assert_problem(real, 422).await;
    assert_eq!(problem["report"]["problems"].as_array().unwrap().len(), 3);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("nothing was imported"));
    assert_eq!(plot_count(&app).await, 0);
    assert_eq!(history_count(&app).await, 0);

    // Fixed, it goes in whole; again, it changes nothing.
    features[17]["properties"]["grz"] = json!(0.35);
    features[88] = feature("IMP-088", 88);
    features[150]["properties"]["municipality_ags"] = json!("13076090");
    let body = collection(features.clone()).to_string();
    let done = import(&app, TOKEN, "", "application/geo+json", body.clone()).await;
    assert_eq!(done.status(), 200);
    let report: Value = done.json().await.unwrap();
    assert_eq!(
        (report["created"].as_u64(), report["valid"].as_bool()),
        (Some(200), Some(true))
    );
    assert_eq!(plot_count(&app).await, 200);
    let imported: Value = app.get_staff("/plots/IMP-017").await.json().await.unwrap();
    assert_eq!(imported["grz"], 0.35);
    assert_eq!(imported["published"], false, "imports create drafts");
    let log: Value = app
        .get_staff("/plots/IMP-017/history")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"][0]["via"], "import");

    let again: Value = import(&app, TOKEN, "", "application/geo+json", body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["unchanged"].as_u64(), again["created"].as_u64()),
        (Some(200), Some(0))
    );
    assert_eq!(plot_count(&app).await, 200);
    assert_eq!(history_count(&app).await, 200);

    // A changed feature updates its plot, recorded in its history.
    features[5]["properties"]["status"] = json!("reserviert");
    let changed: Value = import(
        &app,
        TOKEN,
        "",
        "application/geo+json",
        collection(features).to_string(),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (changed["updated"].as_u64(), changed["unchanged"].as_u64()),
        (Some(1), Some(199))
    );
    let log: Value = app
        .get_staff("/plots/IMP-005/history")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"][0]["action"], "update");
    assert_eq!(
        log["items"][0]["changes"],
        json!([{"field": "status", "from": "available", "to": "reserved"}])
    );
}

#[tokio::test]
async fn an_import_in_epsg_25833_lands_where_the_same_plot_in_4326_lands() {
    let app = spawn_app().await;
    app.place().await;
    let wgs84 = feature("UTM-4326", 0);
    // The same outline in ETRS89/UTM 33N, transformed independently of the service's path.
    #[derive(diesel::QueryableByName)]
    struct G {
        #[diesel(sql_type = Text)]
        g: String,
    }
    let mut conn = app.db().await;
    let utm: G = diesel::sql_query(
        "SELECT ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326), 25833), 4) AS g",
    )
    .bind::<Text, _>(wgs84["geometry"].to_string())
    .get_result(&mut conn)
    .await
    .unwrap();
    let utm_geometry: Value = serde_json::from_str(&utm.g).unwrap();
    assert!(
        utm_geometry["coordinates"][0][0][0].as_f64().unwrap() > 200_000.0,
        "metres, not degrees"
    );
    let mut by_parameter = wgs84.clone();
    by_parameter["geometry"] = utm_geometry.clone();
    by_parameter["properties"]["reference"] = json!("UTM-PARAM");
    let mut by_member = by_parameter.clone();
    by_member["properties"]["reference"] = json!("UTM-MEMBER");

    let r = import(
        &app,
        TOKEN,
        "",
        "application/geo+json",
        collection(vec![wgs84]).to_string(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = import(
        &app,
        TOKEN,
        "?crs=EPSG:25833",
        "application/geo+json",
        collection(vec![by_parameter]).to_string(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["crs"], "EPSG:25833");
    let with_member = json!({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}},
        "features": [by_member]
    });
    let r = import(
        &app,
        TOKEN,
        "",
        "application/geo+json",
        with_member.to_string(),
    )
    .await;
    assert_eq!(r.status(), 200);

    #[derive(diesel::QueryableByName)]
    struct D {
        #[diesel(sql_type = Double)]
        d: f64,
    }
    for other in ["UTM-PARAM", "UTM-MEMBER"] {
        // Units: m (Hausdorff distance between the outlines, measured in UTM 33N).
        let d: D = diesel::sql_query(
            "SELECT ST_HausdorffDistance(ST_Transform(a.geom, 25833), ST_Transform(b.geom, 25833)) AS d \
             FROM plots a, plots b WHERE a.reference = 'UTM-4326' AND b.reference = $1",
        )
        .bind::<Text, _>(other)
        .get_result(&mut conn)
        .await
        .unwrap();
        assert!(d.d < 0.01, "{other} is {} m off", d.d);
    }

    // A file that says one CRS while the request says another is refused.
    let conflict = import(
        &app,
        TOKEN,
        "?crs=EPSG:25832",
        "application/geo+json",
        with_member.to_string(),
    )
    .await;
    assert_problem(conflict, 400).await;
    let unknown = import(
        &app,
        TOKEN,
        "?crs=EPSG:2056",
        "application/geo+json",
        collection(vec![]).to_string(),
    )
    .await;
    assert_problem(unknown, 400).await;
}

#[tokio::test]
async fn csv_with_german_columns_wkt_and_positions() {
    let app = spawn_app().await;
    app.place().await;
    let csv = "\u{feff}Referenz;Titel;Gemeindeschlüssel;Gewerbegebiet;Status;Nutzungsart;B-Plan;Erschließung;Preis (EUR/m²);Angebot;Stand;GRZ;Gleisanschluss;Fläche (m²);WKT;Lieblingsfarbe\r\n\
        CSV-1;Halle am Kanal;13076090;GE Nord;verfügbar;GI;rechtskräftig;voll;\"12,50\";Kauf;01.10.2026;0,8;ja;;POLYGON((11.5 53.33, 11.501 53.33, 11.501 53.331, 11.5 53.331, 11.5 53.33));blau\r\n\
        CSV-2;\"Acker; groß\";13076090;;geplant;GE;in Aufstellung;keine;;Pacht;2026-09-30;;nein;20000;;grün\r\n";
    // CSV-2 has no outline: give it a position instead (a second file with lon/lat columns).
    let r = import(&app, TOKEN, "?dry_run=true", "text/csv", csv.to_owned()).await;
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["problems"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["problems"][0]["line"], 3);
    assert_eq!(report["problems"][0]["field"], "geometry");
    assert!(report["warnings"].to_string().contains("Lieblingsfarbe"));

    let positions = "Referenz,Titel,AGS,Status,Nutzungsart,B-Plan,Erschließung,Preis auf Anfrage,Angebot,Stand,Fläche m2,lon,lat\n\
        CSV-2,\"Acker, groß\",13076090,geplant,GE,in Aufstellung,keine,ja,Pacht,2026-09-30,20000,11.55,53.32\n";
    let first: String = csv.lines().take(2).collect::<Vec<_>>().join("\r\n");
    let r = import(&app, TOKEN, "", "text/csv", first).await;
    let text = r.text().await.unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["created"], 1, "{text}");
    let r = import(&app, TOKEN, "", "text/csv", positions.to_owned()).await;
    let text = r.text().await.unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["created"], 1, "{text}");
    assert!(report["warnings"].to_string().contains("square"));

    let one: Value = app.get_staff("/plots/CSV-1").await.json().await.unwrap();
    assert_eq!(one["title_de"], "Halle am Kanal");
    assert_eq!(one["status"], "available");
    assert_eq!(one["zoning"], "GI");
    assert_eq!(one["servicing"], "full");
    assert_eq!(one["price_min_eur_m2"], "12.50");
    assert_eq!(one["grz"], 0.8);
    assert_eq!(one["rail_siding"], true);
    assert_eq!(one["estate_name"], "GE Nord");
    assert_eq!(one["data_confirmed_on"], "2026-10-01");
    let two: Value = app.get_staff("/plots/CSV-2").await.json().await.unwrap();
    assert_eq!(two["title_de"], "Acker, groß");
    assert_eq!(two["price_on_request"], true);
    assert_eq!(two["offer"], "lease");
    let area = two["area_computed_m2"].as_f64().unwrap();
    assert!((area - 20_000.0).abs() < 100.0, "{area}");

    // Re-importing the position keeps the outline (the point lies in it): nothing changes.
    let r: Value = import(&app, TOKEN, "", "text/csv", positions.to_owned())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["unchanged"], 1, "{r}");

    // Windows-1252, as Excel saves: umlauts survive.
    let latin = "Referenz;Titel;AGS;Status;Nutzungsart;B-Plan;Erschließung;Preis auf Anfrage;Angebot;Stand;WKT\n\
        CSV-3;Fläche Süd;13076090;verfügbar;GE;§34;teilweise;ja;Kauf;2026-10-01;POLYGON((11.6 53.33, 11.601 53.33, 11.601 53.331, 11.6 53.331, 11.6 53.33))\n";
    let bytes: Vec<u8> = latin
        .chars()
        .map(|c| match c {
            'ä' => 0xe4,
            'ü' => 0xfc,
            'ß' => 0xdf,
            '§' => 0xa7,
            c => c as u8,
        })
        .collect();
    let r = app
        .client
        .post(app.url("/imports"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/csv")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(text.contains("\"created\":1"), "{text}");
    let three: Value = app.get_staff("/plots/CSV-3").await.json().await.unwrap();
    assert_eq!(three["title_de"], "Fläche Süd");
    assert_eq!(three["bplan_status"], "section_34");
}

#[tokio::test]
async fn the_importers_rights_apply() {
    let app = spawn_app().await;
    let (own, _) = app.place().await;
    app.other_municipality().await; // Grabow, 13076050
    app.account_with_token("anna@ludwigslust.example", "editor", &[own], "gwf_anna")
        .await;
    app.account_with_token("v@region.example", "viewer", &[], "gwf_viewer")
        .await;
    let mut foreign = feature("GRA-900", 1);
    foreign["properties"]["municipality_ags"] = json!("13076050");
    let body = collection(vec![feature("LWL-900", 0), foreign]).to_string();
    let r = import(&app, "gwf_anna", "", "application/geo+json", body.clone()).await;
    let problem = assert_problem(r, 422).await;
    let problems = problem["report"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0]["feature"], 1);
    assert_eq!(plot_count(&app).await, 0);
    assert_problem(
        import(&app, "gwf_viewer", "", "application/geo+json", body.clone()).await,
        403,
    )
    .await;
    let r = app
        .client
        .post(app.url("/imports"))
        .header("content-type", "application/geo+json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_problem(r, 401).await;
    assert_problem(import(&app, TOKEN, "", "application/xml", body).await, 415).await;
    assert_problem(
        import(
            &app,
            TOKEN,
            "",
            "application/geo+json",
            "{\"type\": \"Feature\"}".into(),
        )
        .await,
        400,
    )
    .await;

    // The admin imports both; then the editor cannot change the foreign one by import.
    let body = collection(vec![feature("LWL-900", 0), {
        let mut f = feature("GRA-900", 1);
        f["properties"]["municipality_ags"] = json!("13076050");
        f
    }]);
    assert_eq!(
        import(&app, TOKEN, "", "application/geo+json", body.to_string())
            .await
            .status(),
        200
    );
    let mut edited = body.clone();
    edited["features"][1]["properties"]["grz"] = json!(0.4);
    let r = import(
        &app,
        "gwf_anna",
        "",
        "application/geo+json",
        edited.to_string(),
    )
    .await;
    assert_problem(r, 422).await;
    // Moving an own plot to the foreign municipality by import is refused as well.
    let mut moved = body.clone();
    moved["features"][0]["properties"]["municipality_ags"] = json!("13076050");
    assert_problem(
        import(
            &app,
            "gwf_anna",
            "",
            "application/geo+json",
            moved.to_string(),
        )
        .await,
        422,
    )
    .await;
}

#[tokio::test]
async fn a_dropped_connection_mid_import_leaves_no_partial_data() {
    let app = spawn_app().await;
    app.place().await;
    let features: Vec<Value> = (0..400)
        .map(|i| feature(&format!("DROP-{i:03}"), i))
        .collect();
    let body = collection(features).to_string();
    let address = app.base.trim_start_matches("http://").to_owned();
    let head = format!(
        "POST /imports HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/geo+json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );

    // 1. The upload breaks off halfway.
    {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        stream
            .write_all(&body.as_bytes()[..body.len() / 2])
            .unwrap();
        stream.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(plot_count(&app).await, 0);

    // 2. The whole file arrives, and the client hangs up while the import runs: the import
    //    is all or nothing, at every moment.
    {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body.as_bytes()).unwrap();
        stream.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut seen = Vec::new();
    for _ in 0..40 {
        let n = plot_count(&app).await;
        seen.push(n);
        assert!(n == 0 || n == 400, "partial import visible: {n} plots");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let n = plot_count(&app).await;
    assert!(n == 0 || n == 400, "{seen:?}");
    assert_eq!(history_count(&app).await, n);
}

#[tokio::test]
async fn export_edit_import_round_trips() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    for i in 0..5 {
        let mut body = plot_body(&format!("RT-{i}"), municipality, Some(estate));
        body["geometry"]["coordinates"] = json!([square(11.5 + i as f64 * 0.01, 53.33, 0.001)]);
        body["published"] = (i % 2 == 0).into();
        app.create_plot(&body).await;
    }
    assert_problem(app.get("/plots/export").await, 401).await;

    // GeoJSON: back in unchanged, then with one edit.
    let export: Value = app.get_staff("/plots/export").await.json().await.unwrap();
    let features = export["features"].as_array().unwrap();
    assert_eq!(features.len(), 5);
    let props = &features[0]["properties"];
    assert_eq!(props["municipality_ags"], "13076090");
    assert_eq!(props["estate_name"], "GE Nord");
    assert!(props["version"].is_i64());
    assert!(props["owner_name"].is_string());
    let r: Value = import(&app, TOKEN, "", "application/geo+json", export.to_string())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["unchanged"], 5, "{r}");
    let mut edited = export.clone();
    edited["features"][2]["properties"]["title_de"] = json!("Neu vermessen");
    let r: Value = import(&app, TOKEN, "", "application/geo+json", edited.to_string())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (r["updated"].as_u64(), r["unchanged"].as_u64()),
        (Some(1), Some(4)),
        "{r}"
    );

    // The old export is now stale for that plot: its version guards against overwriting.
    let mut stale = export.clone();
    stale["features"][2]["properties"]["title_de"] = json!("Alter Stand");
    let problem = assert_problem(
        import(&app, TOKEN, "", "application/geo+json", stale.to_string()).await,
        422,
    )
    .await;
    assert_eq!(problem["report"]["problems"][0]["field"], "version");

    // CSV (both dialects) round-trips too, outline as WKT.
    for dialect in ["csv", "csv-excel"] {
        let csv = app.get_staff(&format!("/plots/export?f={dialect}")).await;
        assert!(csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let text = csv.text().await.unwrap();
        assert!(text.contains("MULTIPOLYGON"), "{text}");
        let r = import(&app, TOKEN, "", "text/csv", text.clone()).await;
        let body = r.text().await.unwrap();
        let r: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(r["unchanged"], 5, "{dialect}: {body}");
    }
}
