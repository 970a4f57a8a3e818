//! Zipped Shapefiles and GeoPackages in, GeoPackage out, as a GIS office sends and QGIS edits
//! them. The files are made by GDAL's `ogr2ogr` (the real peer) from GeoJSON the test writes.

mod hostile;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::*;

/// A directory of the test's own, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("gwf-formats-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a GDAL tool; says what to install when it is missing.
fn gdal(tool: &str, args: &[&str]) -> String {
    let output = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("{tool} is needed by these tests ({e}): install gdal-bin (scripts/test.sh and .ci/run do)")
    });
    assert!(
        output.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Plots near Ludwigslust in EPSG:4326 with attribute names a DBF keeps (10 characters).
fn plots_geojson(prefix: &str, n: usize) -> Value {
    let features: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [square(11.40 + i as f64 * 0.003, 53.30, 0.001)]},
                "properties": {
                    "reference": format!("{prefix}-{i}"),
                    "title_de": format!("Größere Fläche {i} am Mühlenweg"),
                    "AGS": "13076090",
                    "status": "available",
                    "zoning": "GE",
                    "servicing": "full",
                    "offer": "sale",
                    "PRICE": 12.5,
                    "CONFIRMED": "2026-10-01",
                    "BPLAN": "legally_binding",
                    "grz": 0.8
                }
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

const MAP: &str = "?map=AGS:municipality_ags,BPLAN:bplan_status,CONFIRMED:data_confirmed_on,PRICE:price_min_eur_m2";

/// `geojson` as a Shapefile in `srs` with DBF `encoding`, zipped (with or without its .cpg).
fn zipped_shapefile(
    scratch: &Scratch,
    name: &str,
    geojson: &Value,
    srs: &str,
    encoding: &str,
    cpg: bool,
) -> Vec<u8> {
    let source = scratch.path(&format!("{name}.geojson"));
    std::fs::write(&source, geojson.to_string()).unwrap();
    let shp = scratch.path(&format!("{name}.shp"));
    let lco = format!("ENCODING={encoding}");
    gdal(
        "ogr2ogr",
        &[
            "-f",
            "ESRI Shapefile",
            "-t_srs",
            srs,
            "-lco",
            &lco,
            shp.to_str().unwrap(),
            source.to_str().unwrap(),
        ],
    );
    let mut parts = vec!["shp", "shx", "dbf", "prj"];
    if cpg {
        parts.push("cpg");
    }
    zip_of(
        &parts
            .iter()
            .map(|ext| {
                let file = format!("{name}.{ext}");
                (
                    format!("data/{file}"),
                    std::fs::read(scratch.path(&file)).unwrap(),
                )
            })
            .collect::<Vec<_>>(),
    )
}

fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// `geojson` as a GeoPackage layer `layer` in `srs` (added to `file` if it exists).
fn geopackage(file: &Path, layer: &str, geojson: &Value, srs: &str) {
    let source = file.with_extension(format!("{layer}.geojson"));
    std::fs::write(&source, geojson.to_string()).unwrap();
    let mut args = vec!["-f", "GPKG", "-t_srs", srs, "-nln", layer];
    if file.exists() {
        args.push("-update");
    }
    args.extend([file.to_str().unwrap(), source.to_str().unwrap()]);
    gdal("ogr2ogr", &args);
}

async fn post(app: &TestApp, path: &str, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(TOKEN)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn imported(app: &TestApp, path: &str, content_type: &str, body: Vec<u8>) -> Value {
    let response = post(app, path, content_type, body).await;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// The stored plot's title and the first corner of its outline.
async fn stored(app: &TestApp, reference: &str) -> (String, f64, f64) {
    let plot: Value = app
        .get_staff(&format!("/plots/{reference}"))
        .await
        .json()
        .await
        .unwrap();
    let coordinates = &plot["geometry"]["coordinates"];
    let corner = match coordinates.pointer("/0/0/0") {
        Some(Value::Number(_)) => coordinates.pointer("/0/0"),
        _ => coordinates.pointer("/0/0/0"),
    }
    .cloned()
    .unwrap_or_else(|| panic!("no outline: {plot}"));
    let corner: Vec<f64> = serde_json::from_value(corner).unwrap();
    (
        plot["title_de"].as_str().unwrap().to_owned(),
        corner[0],
        corner[1],
    )
}

#[tokio::test]
async fn zipped_shapefiles_in_utm_gauss_krueger_and_wgs84_import_and_import_again_unchanged() {
    let app = spawn_app().await;
    app.place().await;
    let scratch = Scratch::new("shp");
    // (CRS, DBF encoding, .cpg in the zip)
    let cases = [
        ("EPSG:25832", "UTF-8", true),
        ("EPSG:31467", "CP850", true),
        ("EPSG:4326", "CP1252", true),
        // GDAL's default: ISO-8859-1, said by the DBF header's language driver only.
        ("EPSG:25833", "ISO-8859-1", false),
    ];
    for (n, (srs, encoding, cpg)) in cases.into_iter().enumerate() {
        let prefix = format!("SHP{n}");
        let source = plots_geojson(&prefix, 3);
        let zip = zipped_shapefile(&scratch, &format!("plots{n}"), &source, srs, encoding, cpg);
        let report = imported(
            &app,
            &format!("/imports{MAP}"),
            "application/zip",
            zip.clone(),
        )
        .await;
        assert_eq!(report["format"], "shapefile", "{report}");
        assert_eq!(report["crs"], srs, "{report}");
        assert_eq!(report["created"], 3, "{srs} {encoding}: {report}");
        let (title, lon, lat) = stored(&app, &format!("{prefix}-1")).await;
        assert_eq!(title, "Größere Fläche 1 am Mühlenweg", "{srs} {encoding}");
        // Gauß-Krüger goes through DHDN: a metre or so; the rest lands within centimetres.
        assert!(
            (lon - 11.403).abs() < 3e-5 && (lat - 53.30).abs() < 3e-5,
            "{srs}: {lon} {lat}"
        );
        let again = imported(
            &app,
            &format!("/imports{MAP}"),
            "application/x-zip-compressed",
            zip,
        )
        .await;
        assert_eq!(
            (
                again["unchanged"].as_u64(),
                again["updated"].as_u64(),
                again["created"].as_u64()
            ),
            (Some(3), Some(0), Some(0)),
            "{srs} {encoding}: {again}"
        );
    }
}

#[tokio::test]
async fn geopackages_import_their_first_or_named_layer_and_again_unchanged() {
    let app = spawn_app().await;
    app.place().await;
    let scratch = Scratch::new("gpkg");
    let file = scratch.path("plots.gpkg");
    geopackage(&file, "ost", &plots_geojson("GPO", 2), "EPSG:25833");
    geopackage(&file, "west", &plots_geojson("GPW", 3), "EPSG:31467");
    let bytes = std::fs::read(&file).unwrap();

    let report = imported(
        &app,
        &format!("/imports{MAP}"),
        "application/geopackage+sqlite3",
        bytes.clone(),
    )
    .await;
    assert_eq!(
        (report["format"].as_str(), report["crs"].as_str()),
        (Some("gpkg"), Some("EPSG:25833"))
    );
    assert_eq!(report["created"], 2, "{report}");
    let report = imported(
        &app,
        &format!("/imports{MAP}&layer=west"),
        "application/x-sqlite3",
        bytes.clone(),
    )
    .await;
    assert_eq!(
        (report["created"].as_u64(), report["crs"].as_str()),
        (Some(3), Some("EPSG:31467")),
        "{report}"
    );
    let (title, lon, _) = stored(&app, "GPW-2").await;
    assert_eq!(title, "Größere Fläche 2 am Mühlenweg");
    assert!((lon - 11.406).abs() < 3e-5, "{lon}");
    for layer in ["", "&layer=west"] {
        let again = imported(
            &app,
            &format!("/imports{MAP}{layer}"),
            "application/geopackage+sqlite3",
            bytes.clone(),
        )
        .await;
        assert_eq!(again["unchanged"], again["features"], "{again}");
        assert_eq!(again["updated"], 0, "{again}");
    }
    let problem = assert_problem(
        post(
            &app,
            &format!("/imports{MAP}&layer=nord"),
            "application/geopackage+sqlite3",
            bytes.clone(),
        )
        .await,
        400,
    )
    .await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("`ost`") && detail.contains("`west`"),
        "{detail}"
    );
    // A CRS the file contradicts is refused.
    let problem = assert_problem(
        post(
            &app,
            &format!("/imports{MAP}&crs=EPSG:25832"),
            "application/geopackage+sqlite3",
            bytes,
        )
        .await,
        400,
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("EPSG:25833"),
        "{problem}"
    );

    // Estates are read the same way.
    let estates = json!({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square(11.45, 53.31, 0.01)]},
        "properties": {"name": "GE Süd", "AGS": "13076090"}}]});
    let file = scratch.path("estates.gpkg");
    geopackage(&file, "gebiete", &estates, "EPSG:25832");
    let report = imported(
        &app,
        "/estates/imports?map=AGS:municipality_ags",
        "application/geopackage+sqlite3",
        std::fs::read(&file).unwrap(),
    )
    .await;
    assert_eq!(report["created"], 1, "{report}");
}

#[tokio::test]
async fn the_geopackage_export_opens_in_gdal_and_round_trips_through_it_unchanged() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    for i in 0..4 {
        let mut body = plot_body(&format!("GX-{i}"), municipality, Some(estate));
        body["geometry"]["coordinates"] = json!([square(11.5 + i as f64 * 0.01, 53.33, 0.001)]);
        body["published"] = (i % 2 == 0).into();
        if i == 3 {
            body["estate_id"] = Value::Null;
            body["grz"] = Value::Null;
        }
        app.create_plot(&body).await;
    }
    assert_problem(app.get("/plots/export?f=gpkg").await, 401).await;
    let response = app.get_staff("/plots/export?f=gpkg").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/geopackage+sqlite3"
    );
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("plots-export.gpkg"));
    let export = response.bytes().await.unwrap().to_vec();

    let scratch = Scratch::new("export");
    let file = scratch.path("export.gpkg");
    std::fs::write(&file, &export).unwrap();
    let info = gdal("ogrinfo", &["-al", "-so", file.to_str().unwrap()]);
    assert!(info.contains("Layer name: plots"), "{info}");
    assert!(info.contains("Feature Count: 4"), "{info}");
    assert!(
        info.contains("EPSG\",4326") || info.contains("WGS 84"),
        "{info}"
    );
    assert!(info.contains("estate_name: String"), "{info}");
    let features = gdal("ogrinfo", &["-al", "-q", file.to_str().unwrap()]);
    assert!(
        features.contains("GX-2") && features.contains("POLYGON"),
        "{features}"
    );
    // With the R-tree index GDAL queries by extent, and its triggers keep it right when a
    // client edits an outline (GDAL provides the ST_* functions they call).
    let path = file.to_str().unwrap();
    let has_index = ["-sql", "SELECT HasSpatialIndex('plots', 'geom')"];
    let index = gdal("ogrinfo", &[&[path, "-q"][..], &has_index[..]].concat());
    assert!(index.contains("HasSpatialIndex (Integer) = 1"), "{index}");
    let window = |file: &str| {
        gdal(
            "ogrinfo",
            &[
                file, "plots", "-q", "-spat", "11.515", "53.32", "11.525", "53.34",
            ],
        )
    };
    let inside = window(path);
    assert!(
        inside.contains("GX-2") && !inside.contains("GX-1"),
        "{inside}"
    );
    let moved = scratch.path("moved.gpkg");
    std::fs::copy(&file, &moved).unwrap();
    let moved = moved.to_str().unwrap();
    gdal(
        "ogrinfo",
        &[
            moved,
            "-dialect",
            "SQLite",
            "-sql",
            "UPDATE plots SET geom = (SELECT geom FROM plots WHERE reference = 'GX-1') WHERE reference = 'GX-2'",
        ],
    );
    let inside = window(moved);
    assert!(
        !inside.contains("GX-2"),
        "the index follows the edit: {inside}"
    );

    // As QGIS saving an edited layer would: GDAL writes the file anew.
    let rewritten = scratch.path("edited.gpkg");
    gdal(
        "ogr2ogr",
        &[
            "-f",
            "GPKG",
            rewritten.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    );
    for bytes in [export.clone(), std::fs::read(&rewritten).unwrap()] {
        let report = imported(&app, "/imports", "application/geopackage+sqlite3", bytes).await;
        assert_eq!(report["features"], 4, "{report}");
        assert_eq!(report["unchanged"], 4, "{report}");
        assert_eq!(report["warnings"], json!([]), "{report}");
    }
    // An edit in the GIS comes back as an update of that plot only.
    gdal(
        "ogrinfo",
        &[
            rewritten.to_str().unwrap(),
            "-dialect",
            "SQLite",
            "-sql",
            "UPDATE plots SET title_de = 'Neu vermessen' WHERE reference = 'GX-1'",
        ],
    );
    let report = imported(
        &app,
        "/imports",
        "application/geopackage+sqlite3",
        std::fs::read(&rewritten).unwrap(),
    )
    .await;
    assert_eq!(
        (report["updated"].as_u64(), report["unchanged"].as_u64()),
        (Some(1), Some(3)),
        "{report}"
    );
}
