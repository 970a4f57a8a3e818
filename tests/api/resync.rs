//! Re-syncing a data set and round trips through the staff export: the same file twice changes
//! nothing, in every format; a file that changes two plots updates exactly two, and the report
//! says what changes; an unedited export (every dialect) comes back without a change; numbers
//! are read in the file's locale or refused, never misread.

use serde_json::{json, Value};

use crate::helpers::*;

/// The file formats an import reads. A new reader adds a variant and its `encode` arm; every
/// test below then runs with it.
#[derive(Debug, Clone, Copy)]
enum Format {
    GeoJson,
    /// Separated by this byte, UTF-8.
    Csv(u8),
    /// As German Excel saves "CSV (Trennzeichen-getrennt)": `;`, Windows-1252, no BOM.
    ExcelWindows1252,
}

const FORMATS: [Format; 5] = [
    Format::GeoJson,
    Format::Csv(b','),
    Format::Csv(b';'),
    Format::Csv(b'\t'),
    Format::ExcelWindows1252,
];

/// One feature of a file: properties as text (empty text for an empty cell) and an outline.
struct Row {
    properties: Vec<(&'static str, String)>,
    outline: Vec<[f64; 2]>,
}

fn wkt(ring: &[[f64; 2]]) -> String {
    let points: Vec<String> = ring.iter().map(|[x, y]| format!("{x} {y}")).collect();
    format!("POLYGON(({}))", points.join(", "))
}

/// The file's bytes and content type.
fn encode(format: Format, rows: &[Row]) -> (Vec<u8>, &'static str) {
    let csv = |separator: u8| {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(separator)
            .from_writer(Vec::new());
        let mut header: Vec<String> = rows[0]
            .properties
            .iter()
            .map(|(k, _)| k.to_string())
            .collect();
        header.push("wkt".into());
        writer.write_record(&header).unwrap();
        for row in rows {
            let mut cells: Vec<String> = row.properties.iter().map(|(_, v)| v.clone()).collect();
            cells.push(wkt(&row.outline));
            writer.write_record(&cells).unwrap();
        }
        String::from_utf8(writer.into_inner().unwrap()).unwrap()
    };
    match format {
        Format::GeoJson => {
            let features: Vec<Value> = rows
                .iter()
                .map(|row| {
                    let properties: serde_json::Map<String, Value> = row
                        .properties
                        .iter()
                        .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
                        .collect();
                    json!({"type": "Feature", "properties": properties,
                           "geometry": {"type": "Polygon", "coordinates": [row.outline]}})
                })
                .collect();
            let body = json!({"type": "FeatureCollection", "features": features});
            (body.to_string().into_bytes(), "application/geo+json")
        }
        Format::Csv(separator) => (csv(separator).into_bytes(), "text/csv"),
        Format::ExcelWindows1252 => {
            let text = csv(b';');
            let (bytes, _, lossy) = encoding_rs::WINDOWS_1252.encode(&text);
            assert!(!lossy);
            (bytes.into_owned(), "text/csv")
        }
    }
}

async fn post(app: &TestApp, query: &str, (body, content_type): (Vec<u8>, &str)) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(&format!("/imports{query}")))
        .bearer_auth(TOKEN)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

fn counts(report: &Value) -> (u64, u64, u64) {
    let n = |k: &str| report[k].as_u64().unwrap_or(u64::MAX);
    (n("created"), n("updated"), n("unchanged"))
}

/// A portal's data set: its own names, an empty `status` and `title_en` of its own, hectares
/// with a decimal comma.
fn portal(prefix: &str, lon: f64) -> Vec<Row> {
    (0..3)
        .map(|i| Row {
            properties: vec![
                ("FLAECHEN_ID", format!("{prefix}-{i}")),
                ("BEZEICHNUNG", format!("Teilfläche {i}")),
                ("status", String::new()),
                ("title_en", String::new()),
                ("GROESSE_HA", "2,4".into()),
            ],
            outline: square(lon, 53.30 + i as f64 * 0.003, 0.002),
        })
        .collect()
}

const MAP: &str = "map=FLAECHEN_ID:reference,BEZEICHNUNG:title_de";
const DEFAULTS: &str = "defaults=municipality_ags:13076090,status:verfügbar,\
    bplan_status:rechtskräftig,servicing:voll,offer:Kauf,price_on_request:ja,\
    data_confirmed_on:2026-10-01,zoning:GE";

#[tokio::test]
async fn the_same_third_party_file_twice_changes_nothing_in_every_format() {
    let app = spawn_app().await;
    app.place().await;
    for (n, format) in FORMATS.into_iter().enumerate() {
        let prefix = format!("P{n}");
        let mut rows = portal(&prefix, 11.40 + n as f64 * 0.01);
        let query = format!("?{MAP}&{DEFAULTS}");
        let (status, first) = post(&app, &query, encode(format, &rows)).await;
        assert_eq!(
            (status, counts(&first)),
            (200, (3, 0, 0)),
            "{format:?}: {first}"
        );
        let (status, second) = post(&app, &query, encode(format, &rows)).await;
        assert_eq!(
            (status, counts(&second)),
            (200, (0, 0, 3)),
            "{format:?}: the empty `status` is no value in this file, so its default stands: {second}"
        );

        // Staff mark one as reserved; the portal's file, which has no status, keeps it so.
        let reference = format!("{prefix}-0");
        let stored: Value = app
            .get_staff(&format!("/plots/{reference}"))
            .await
            .json()
            .await
            .unwrap();
        let patched = app
            .client
            .patch(app.url(&format!("/plots/{}", stored["id"])))
            .bearer_auth(TOKEN)
            .header("If-Match", format!("\"{}\"", stored["version"]))
            .header("content-type", "application/merge-patch+json")
            .body(r#"{"status": "reserved"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(patched.status(), 200);
        let (_, third) = post(&app, &query, encode(format, &rows)).await;
        assert_eq!(counts(&third), (0, 0, 3), "{format:?}: {third}");

        // A file that changes two plots updates exactly two, and says what changes.
        rows[1].properties[1].1 = "Teilfläche 1, neu vermessen".into();
        rows[2].outline = square(11.40 + n as f64 * 0.01, 53.306, 0.0021);
        let (_, dry) = post(
            &app,
            &format!("{query}&dry_run=true"),
            encode(format, &rows),
        )
        .await;
        assert_eq!(counts(&dry), (0, 2, 1), "{format:?}: {dry}");
        let (status, changed) = post(&app, &query, encode(format, &rows)).await;
        assert_eq!((status, counts(&changed)), (200, (0, 2, 1)), "{format:?}");
        for report in [&dry, &changed] {
            let items = report["items"].as_array().unwrap();
            assert!(items[0].get("changes").is_none(), "unchanged: no list");
            assert_eq!(
                items[1]["changes"],
                json!([{"field": "title_de", "from": "Teilfläche 1", "to": "Teilfläche 1, neu vermessen"}]),
                "{format:?}"
            );
            let geometry = &items[2]["changes"][0];
            assert_eq!(geometry["field"], "geometry");
            let (from, to) = (
                geometry["from"]["area_m2"].as_f64().unwrap(),
                geometry["to"]["area_m2"].as_f64().unwrap(),
            );
            assert!(to > from * 1.05, "{geometry}");
            assert!(
                geometry["to"].get("geometry").is_none(),
                "areas, not outlines"
            );
        }
        let (_, again) = post(&app, &query, encode(format, &rows)).await;
        assert_eq!(counts(&again), (0, 0, 3), "{format:?}: {again}");
    }
}

#[tokio::test]
async fn a_file_in_our_schema_with_empty_defaulted_columns_resyncs() {
    let app = spawn_app().await;
    app.place().await;
    for (n, format) in FORMATS.into_iter().enumerate() {
        let rows: Vec<Row> = (0..2)
            .map(|i| Row {
                properties: vec![
                    ("Referenz", format!("S{n}-{i}")),
                    ("Titel", format!("Fläche {i}")),
                    ("Gemeindeschlüssel", String::new()),
                    ("Status", String::new()),
                    ("Baugebiet", "GE".into()),
                    ("B-Plan", "rechtskräftig".into()),
                    ("Erschließung", "voll".into()),
                    ("Angebot", "Kauf".into()),
                    ("Preis auf Anfrage", "ja".into()),
                    ("Datenstand", "01.10.2026".into()),
                    ("Gewerbegebiet", String::new()),
                ],
                outline: square(11.40 + n as f64 * 0.01, 53.33 + i as f64 * 0.003, 0.001),
            })
            .collect();
        let query = "?defaults=municipality_ags:13076090,status:frei,estate_name:GE Nord";
        let (status, first) = post(&app, query, encode(format, &rows)).await;
        assert_eq!(
            (status, counts(&first)),
            (200, (2, 0, 0)),
            "{format:?}: {first}"
        );
        let plot: Value = app
            .get_staff(&format!("/plots/S{n}-0"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (plot["status"].as_str(), plot["estate_name"].as_str()),
            (Some("available"), Some("GE Nord"))
        );
        let (status, second) = post(&app, query, encode(format, &rows)).await;
        assert_eq!(
            (status, counts(&second)),
            (200, (0, 0, 2)),
            "{format:?}: {second}"
        );
    }
}

/// Every plot of the demo data, exported in `dialect` and imported again: nothing changes.
#[tokio::test]
async fn every_demo_plot_comes_back_unchanged_from_every_export() {
    let app = spawn_app().await;
    let mut conn = app.db().await;
    gewerbeflaechen::demo::seed(&mut conn).await.unwrap();
    let total: Value = app.get_staff("/plots/export").await.json().await.unwrap();
    let total = total["features"].as_array().unwrap().len() as u64;
    assert!(total > 20, "{total}");
    for dialect in ["csv", "csv-excel", "geojson"] {
        let text = app
            .get_staff(&format!("/plots/export?f={dialect}"))
            .await
            .text()
            .await
            .unwrap();
        let content_type = match dialect {
            "geojson" => "application/geo+json",
            _ => "text/csv",
        };
        let (status, report) = post(&app, "", (text.clone().into_bytes(), content_type)).await;
        assert_eq!(
            (status, counts(&report)),
            (200, (0, 0, total)),
            "{dialect}: {report}"
        );
        assert_eq!(report["warnings"], json!([]), "{dialect}: no noise");
        if dialect == "csv-excel" {
            let header = text.lines().next().unwrap();
            assert!(
                header.starts_with("\u{feff}Referenz;Titel;Titel (en);Gemeindeschlüssel;Gemeinde (Name);Gewerbegebiet;Status;"),
                "{header}"
            );
            assert!(
                header.ends_with(";Version;Schwerpunkt Länge;Schwerpunkt Breite;WKT"),
                "{header}"
            );
            let grabow = text.lines().nth(1).unwrap();
            for word in [
                ";verfügbar;",
                ";rechtskräftig;",
                ";ja;",
                ";nein;",
                ";Kauf;",
                ";voll erschlossen;",
                ";Grabow;",
                "'+49 40 66969 102",
            ] {
                assert!(grabow.contains(word), "{word} in {grabow}");
            }
            // Saved again by German Excel: Windows-1252, no BOM. Still nothing changes.
            let (bytes, _, lossy) =
                encoding_rs::WINDOWS_1252.encode(text.trim_start_matches('\u{feff}'));
            assert!(!lossy);
            let (status, report) = post(&app, "", (bytes.into_owned(), "text/csv")).await;
            assert_eq!((status, counts(&report)), (200, (0, 0, total)), "{report}");
        }
        if dialect == "csv" {
            assert!(
                text.starts_with("reference,title_de,title_en,municipality_ags,municipality_name,"),
                "{text}"
            );
        }
    }
}

#[tokio::test]
async fn german_excel_thousands_points_are_thousands_and_ambiguous_numbers_are_refused() {
    let app = spawn_app().await;
    app.place().await;
    let ring = wkt(&square(11.5, 53.33, 0.001));
    let german = format!(
        "Referenz;Titel;Gemeindeschlüssel;Status;Baugebiet;B-Plan;Erschließung;Angebot;Preis auf Anfrage;Datenstand;Fläche (m²);Geometrie\r\n\
         GE-1;Große Fläche;13076090;verfügbar;GE;rechtskräftig;voll;Kauf;ja;01.10.2026;8.000;{ring}\r\n"
    );
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&german);
    let (status, report) = post(&app, "", (bytes.into_owned(), "text/csv")).await;
    assert_eq!(status, 200, "{report}");
    let plot: Value = app.get_staff("/plots/GE-1").await.json().await.unwrap();
    assert_eq!(plot["area_stated_m2"], 8000);
    assert_eq!(plot["title_de"], "Große Fläche");

    // The same in a `,` file that tells nothing of its locale: refused with both readings.
    let english = format!(
        "reference,title_de,municipality_ags,status,zoning,bplan_status,servicing,offer,price_on_request,data_confirmed_on,area_stated_m2,wkt\r\n\
         GE-2,Fläche,13076090,available,GE,legally_binding,full,sale,true,2026-10-01,8.000,\"{ring}\"\r\n"
    );
    let r = app
        .client
        .post(app.url("/imports"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/csv")
        .body(english.clone())
        .send()
        .await
        .unwrap();
    let problem = assert_problem(r, 422).await;
    assert_eq!(
        problem["report"]["problems"][0]["problem"],
        "`8.000` is ambiguous: 8000 if `.` groups thousands, 8 if it is the decimal separator; write 8000 or 8"
    );
    assert_eq!(pointers(&problem), ["/features/0/area_stated_m2"]);
}

#[tokio::test]
async fn estates_resync_alike() {
    let app = spawn_app().await;
    app.place().await;
    let file = json!({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square(11.6, 53.3, 0.01)]},
        "properties": {"GEBIET": "GE Süd", "gross_area_m2": "400.000", "dist_motorway_km": "2,5",
                       "motorway_junction": ""}
    }]});
    let query = "/estates/imports?map=GEBIET:name\
        &defaults=municipality_ags:13076090,motorway_junction:Ludwigslust (A14)";
    for expected in [("created", 1), ("unchanged", 1)] {
        let r = app
            .client
            .post(app.url(query))
            .bearer_auth(TOKEN)
            .header("content-type", "application/geo+json")
            .body(file.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let report: Value = r.json().await.unwrap();
        assert_eq!(report[expected.0], expected.1, "{report}");
    }
    let estates: Value = app.get_staff("/estates").await.json().await.unwrap();
    let text = estates.to_string();
    assert!(
        text.contains("Ludwigslust (A14)") && text.contains("400000"),
        "{text}"
    );
}

/// A file's hectares and a default in square metres are one field to the re-sync rule: the
/// file's value wins, and the second run changes nothing.
#[tokio::test]
async fn hectares_in_the_file_and_square_metres_by_default_are_one_field() {
    let app = spawn_app().await;
    app.place().await;
    let rows = portal("HA", 11.45);
    for default in ["area_stated_m2:5000", "area_stated_ha:0.5"] {
        let query = format!("?{MAP}&{DEFAULTS},{default}");
        let (status, first) = post(&app, &query, encode(Format::GeoJson, &rows)).await;
        assert_eq!(status, 200, "{default}: {first}");
        let stored: Value = app.get_staff("/plots/HA-0").await.json().await.unwrap();
        assert_eq!(
            stored["area_stated_m2"], 24000,
            "{default}: the file's 2,4 ha"
        );
        let (_, second) = post(&app, &query, encode(Format::GeoJson, &rows)).await;
        assert_eq!(counts(&second), (0, 0, 3), "{default}: {second}");
    }
}
