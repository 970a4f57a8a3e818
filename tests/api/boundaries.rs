//! `places import-municipalities`: the official VG250 boundaries (fixtures in
//! tests/fixtures/vg250, made from the demo towns' outlines) through the function the CLI calls,
//! checked over HTTP and in the database.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::sql_types::{BigInt, Double, Integer, Text};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use gewerbeflaechen::boundaries::{import_municipalities, ImportOptions, ImportReport, Outcome};
use gewerbeflaechen::domain::boundaries::Selection;
use serde_json::Value;

use crate::helpers::*;

const TOWNS: [&str; 4] = ["13076090", "13076050", "13076105", "13076999"];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/vg250")
        .join(name)
}

fn options(file: PathBuf, ags: &[&str]) -> ImportOptions {
    let ags: Vec<String> = ags.iter().map(|a| a.to_string()).collect();
    ImportOptions {
        file,
        region: "staedteverbund-a14".into(),
        selection: Selection::listed(&ags).unwrap(),
        include_water: false,
        dry_run: false,
    }
}

async fn import(app: &TestApp, options: &ImportOptions) -> anyhow::Result<ImportReport> {
    import_municipalities(&mut app.db().await, options).await
}

async fn error_of(app: &TestApp, options: &ImportOptions) -> String {
    format!("{:#}", import(app, options).await.unwrap_err())
}

async fn region(app: &TestApp, slug: &str) -> i64 {
    let row: Id = diesel::sql_query(
        "INSERT INTO regions (slug, name) VALUES ($1, 'Städteverbund A14') RETURNING id",
    )
    .bind::<Text, _>(slug)
    .get_result(&mut app.db().await)
    .await
    .unwrap();
    row.id
}

#[derive(QueryableByName, Debug)]
struct Stored {
    #[diesel(sql_type = Text)]
    ags: String,
    #[diesel(sql_type = Integer)]
    full_vertices: i32,
    #[diesel(sql_type = Integer)]
    display_vertices: i32,
    #[diesel(sql_type = Integer)]
    parts: i32,
    #[diesel(sql_type = Integer)]
    holes: i32,
    #[diesel(sql_type = Double)]
    area: f64,
    #[diesel(sql_type = Integer)]
    version: i32,
}

async fn stored(app: &TestApp) -> Vec<Stored> {
    diesel::sql_query(
        "SELECT ags, ST_NPoints(outline) AS full_vertices, ST_NPoints(outline_display) AS display_vertices, \
         ST_NumGeometries(outline) AS parts, \
         (SELECT sum(ST_NumInteriorRings(d.geom))::int FROM ST_Dump(outline) d) AS holes, \
         ST_Area(outline::geography) AS area, version FROM municipalities ORDER BY ags",
    )
    .load(&mut app.db().await)
    .await
    .unwrap()
}

async fn history_entries(app: &TestApp) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let c: Count =
        diesel::sql_query("SELECT count(*) AS n FROM place_history WHERE kind = 'municipality'")
            .get_result(&mut app.db().await)
            .await
            .unwrap();
    c.n
}

/// Units: m². Geodesic area of a demo town's outline (data/demo/a14.json).
async fn demo_area(app: &TestApp, ags: &str) -> f64 {
    let demo: Value = serde_json::from_str(include_str!("../../data/demo/a14.json")).unwrap();
    let outline = demo["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["ags"] == ags)
        .unwrap()["outline"]
        .to_string();
    let a: Area = diesel::sql_query(
        "SELECT ST_Area(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326)::geography) AS area",
    )
    .bind::<Text, _>(outline)
    .get_result(&mut app.db().await)
    .await
    .unwrap();
    a.area
}

/// Centroid of the exterior ring of the first polygon (shoelace). Units: degrees.
fn centroid(outline: &Value) -> (f64, f64) {
    let ring = outline["coordinates"][0][0].as_array().unwrap();
    let points: Vec<(f64, f64)> = ring
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for w in points.windows(2) {
        let cross = w[0].0 * w[1].1 - w[1].0 * w[0].1;
        a += cross;
        cx += (w[0].0 + w[1].0) * cross;
        cy += (w[0].1 + w[1].1) * cross;
    }
    (cx / (3.0 * a), cy / (3.0 * a))
}

async fn municipalities(app: &TestApp) -> Vec<Value> {
    let list: Value = app.get("/municipalities").await.json().await.unwrap();
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn import_creates_the_towns_with_official_names_and_outlines_once() {
    let app = spawn_app().await;
    region(&app, "staedteverbund-a14").await;
    let shp = options(fixture("VG250_GEM.shp"), &TOWNS);
    let report = import(&app, &shp).await.unwrap();
    assert!(report
        .municipalities
        .iter()
        .all(|m| m.outcome == Outcome::Created));
    let ludwigslust = &report.municipalities[1];
    assert_eq!(
        (ludwigslust.ags.as_str(), ludwigslust.water_rows_left_out),
        ("13076090", 1)
    );
    assert_eq!(ludwigslust.population, Some(12311));

    // Names (ISO-8859-1 DBF per its .cpg) and outlines in EPSG:4326 over HTTP.
    let listed = municipalities(&app).await;
    let by_ags = |ags: &str| listed.iter().find(|m| m["ags"] == ags).unwrap().clone();
    assert_eq!(by_ags("13076090")["name"], "Ludwigslust");
    assert_eq!(by_ags("13076050")["name"], "Grabow");
    assert_eq!(by_ags("13076105")["name"], "Neustadt-Glewe");
    assert_eq!(by_ags("13076999")["name"], "Groß Testdorf");
    let (lon, lat) = centroid(&by_ags("13076090")["outline"]);
    assert!(
        (lon - 11.50).abs() < 0.03 && (lat - 53.33).abs() < 0.03,
        "{lon} {lat}"
    );
    assert_eq!(by_ags("13076090")["outline"]["type"], "MultiPolygon");

    // The full outline is kept, a generalised copy serves maps.
    let rows = stored(&app).await;
    for row in &rows {
        assert!(
            row.display_vertices < row.full_vertices && row.display_vertices >= 4,
            "{row:?}"
        );
        assert_eq!(row.version, 1);
    }
    let row = |ags: &str| rows.iter().find(|r| r.ags == ags).unwrap();
    // Grabow's two land rows are one polygon again; Ludwigslust's lake is left out.
    assert_eq!(row("13076050").parts, 1);
    for ags in ["13076050", "13076090", "13076105"] {
        let expected = demo_area(&app, ags).await;
        assert!(
            (row(ags).area / expected - 1.0).abs() < 0.002,
            "{ags}: {} m² against {expected} m²",
            row(ags).area
        );
    }
    // Shapefile rings: the hole stays in its square, the island is a part of its own.
    assert_eq!((row("13076999").parts, row("13076999").holes), (2, 1));

    #[derive(QueryableByName)]
    struct Entry {
        #[diesel(sql_type = Text)]
        action: String,
        #[diesel(sql_type = Text)]
        actor: String,
        #[diesel(sql_type = Text)]
        via: String,
    }
    let entries: Vec<Entry> = diesel::sql_query(
        "SELECT action, actor, via FROM place_history WHERE kind = 'municipality'",
    )
    .load(&mut app.db().await)
    .await
    .unwrap();
    assert_eq!(entries.len(), 4);
    assert!(entries.iter().all(|e| e.action == "create"
        && e.via == "cli"
        && e.actor == "gewerbeflaechen places import-municipalities VG250_GEM.shp"));

    // Again: nothing changes, nothing is recorded.
    let again = import(&app, &shp).await.unwrap();
    assert!(again.changed_nothing());
    assert_eq!(history_entries(&app).await, 4);
    assert!(stored(&app).await.iter().all(|r| r.version == 1));
}

#[tokio::test]
async fn every_format_and_crs_gives_the_same_outlines() {
    let app = spawn_app().await;
    region(&app, "staedteverbund-a14").await;
    import(&app, &options(fixture("VG250_GEM.shp"), &TOWNS))
        .await
        .unwrap();
    for file in [
        "vg250_gem_25832.geojson",
        "vg250_gem_4326.geojson",
        "vg250_gem_3035.geojson",
    ] {
        let report = import(&app, &options(fixture(file), &TOWNS)).await.unwrap();
        let changed: Vec<_> = report
            .municipalities
            .iter()
            .filter(|m| m.outcome != Outcome::Unchanged)
            .map(|m| (&m.ags, &m.outcome))
            .collect();
        assert!(changed.is_empty(), "{file}: {changed:?}");
    }
    assert_eq!(history_entries(&app).await, 4);
}

#[tokio::test]
async fn existing_towns_keep_their_other_fields_and_record_the_change() {
    let app = spawn_app().await;
    let mut conn = app.db().await;
    gewerbeflaechen::demo::seed(&mut conn).await.unwrap();
    diesel::sql_query(
        "UPDATE municipalities SET name = 'Ludwigslust (alt)' WHERE ags = '13076090'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let before = municipalities(&app).await;
    let old = before.iter().find(|m| m["ags"] == "13076090").unwrap();

    let lwl = options(fixture("VG250_GEM.shp"), &["13076090"]);
    let report = import(&app, &lwl).await.unwrap();
    assert_eq!(
        report.municipalities[0].outcome,
        Outcome::Updated(vec!["name".into(), "outline".into()])
    );
    let after = municipalities(&app).await;
    let new = after.iter().find(|m| m["ags"] == "13076090").unwrap();
    assert_eq!(new["id"], old["id"]);
    assert_eq!(new["name"], "Ludwigslust");
    assert_eq!(new["version"], 2);
    assert!(new["contact_name"].is_string());
    assert_eq!(new["contact_name"], old["contact_name"]);
    assert_ne!(new["outline"], old["outline"]);

    #[derive(QueryableByName)]
    struct Changes {
        #[diesel(sql_type = diesel::sql_types::Jsonb)]
        changes: Value,
    }
    let entry: Changes = diesel::sql_query(
        "SELECT changes FROM place_history WHERE kind = 'municipality' AND action = 'update'",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    let fields: Vec<&str> = entry
        .changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "outline"]);
    assert!(entry.changes[1]["from"]["area_m2"].as_f64().unwrap() > 1e7);

    assert!(import(&app, &lwl).await.unwrap().changed_nothing());
    assert_eq!(history_entries(&app).await, 1);
}

#[tokio::test]
async fn the_ags_list_limits_the_import_and_a_missing_key_writes_nothing() {
    let app = spawn_app().await;
    region(&app, "staedteverbund-a14").await;
    import(&app, &options(fixture("VG250_GEM.shp"), &["13076050"]))
        .await
        .unwrap();
    let names: Vec<Value> = municipalities(&app)
        .await
        .iter()
        .map(|m| m["name"].clone())
        .collect();
    assert_eq!(names, ["Grabow"]);

    let typo = options(fixture("VG250_GEM.shp"), &["13076105", "13076111"]);
    let error = error_of(&app, &typo).await;
    assert!(
        error.contains("13076111") && error.contains("nothing imported"),
        "{error}"
    );
    assert!(!error.contains("13076105"), "{error}");
    assert_eq!(municipalities(&app).await.len(), 1);

    let mut all = options(fixture("vg250_gem_25832.geojson"), &["13076050"]);
    all.selection = Selection::All;
    let report = import(&app, &all).await.unwrap();
    assert_eq!(report.count(|o| *o == Outcome::Created), 3);
    assert_eq!(report.count(|o| *o == Outcome::Unchanged), 1);
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_water_rows_come_in_when_asked_for() {
    let app = spawn_app().await;
    region(&app, "staedteverbund-a14").await;
    let mut dry = options(fixture("VG250_GEM.shp"), &["13076090"]);
    dry.dry_run = true;
    let land = import(&app, &dry).await.unwrap();
    assert_eq!(land.municipalities[0].outcome, Outcome::Created);
    assert!(municipalities(&app).await.is_empty());
    assert_eq!(history_entries(&app).await, 0);

    dry.include_water = true;
    let with_water = import(&app, &dry).await.unwrap();
    let (land, water) = (&land.municipalities[0], &with_water.municipalities[0]);
    assert_eq!(water.water_rows_left_out, 0);
    // The lake: 0.015° square at 53.33° N, about 1.0 × 1.7 km.
    let lake = water.area_m2 - land.area_m2;
    assert!((1.4e6..2.0e6).contains(&lake), "{lake}");
}

static SCRATCH: AtomicUsize = AtomicUsize::new(0);

/// A copy of the fixture Shapefile in a directory of its own, without the listed extensions.
fn shapefile_copy(leave_out: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "gwf-vg250-{}-{}",
        std::process::id(),
        SCRATCH.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        if !leave_out.contains(&ext) {
            let name = format!("VG250_GEM.{ext}");
            std::fs::copy(fixture(&name), dir.join(&name)).unwrap();
        }
    }
    dir.join("VG250_GEM.shp")
}

#[tokio::test]
async fn shapefiles_without_cpg_are_read_as_iso_8859_1() {
    let app = spawn_app().await;
    region(&app, "staedteverbund-a14").await;
    let shp = shapefile_copy(&["cpg"]);
    import(&app, &options(shp.clone(), &["13076999"]))
        .await
        .unwrap();
    assert_eq!(municipalities(&app).await[0]["name"], "Groß Testdorf");
    std::fs::remove_dir_all(shp.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn bad_files_regions_and_systems_are_refused_clearly() {
    let app = spawn_app().await;
    region(&app, "staedteverbund-a14").await;
    let lwl = &["13076090"];
    let expect = async |options: ImportOptions, words: &[&str]| {
        let error = error_of(&app, &options).await;
        for w in words {
            assert!(error.contains(w), "`{w}` not in: {error}");
        }
    };

    expect(options(fixture("nowhere.shp"), lwl), &["cannot open"]).await;
    let mut elsewhere = options(fixture("VG250_GEM.shp"), lwl);
    elsewhere.region = "nowhere".into();
    expect(elsewhere, &["no region `nowhere`"]).await;
    expect(
        options(fixture("VG250_GEM.gpkg"), lwl),
        &["GeoPackage", "ogr2ogr -f GeoJSON"],
    )
    .await;
    expect(options(fixture("generate.py"), lwl), &["unknown format"]).await;

    let no_prj = shapefile_copy(&["prj"]);
    expect(options(no_prj.clone(), lwl), &[".prj is missing"]).await;
    let gk3 = no_prj.with_extension("prj");
    std::fs::write(
        &gk3,
        r#"PROJCS["ETRS89_LCC_Germany",GEOGCS["GCS_ETRS_1989"],PROJECTION["Lambert_Conformal_Conic"]]"#,
    )
    .unwrap();
    expect(
        options(no_prj.clone(), lwl),
        &[
            "unsupported CRS `ETRS89_LCC_Germany`",
            "ogr2ogr -t_srs EPSG:25832",
        ],
    )
    .await;
    std::fs::copy(fixture("VG250_GEM.prj"), &gk3).unwrap();
    std::fs::write(&no_prj, b"not a shapefile at all, just some bytes of text").unwrap();
    expect(options(no_prj.clone(), lwl), &["not a Shapefile"]).await;
    std::fs::remove_dir_all(no_prj.parent().unwrap()).unwrap();

    // Metres without a `crs` member would be read as degrees.
    let text = std::fs::read_to_string(fixture("vg250_gem_25832.geojson")).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc.as_object_mut().unwrap().remove("crs");
    let no_crs = shapefile_copy(&["shp", "shx", "dbf", "prj", "cpg"]).with_file_name("x.geojson");
    std::fs::write(&no_crs, doc.to_string()).unwrap();
    expect(
        options(no_crs.clone(), lwl),
        &["outside Germany", "EPSG:4326"],
    )
    .await;
    std::fs::remove_dir_all(no_crs.parent().unwrap()).unwrap();

    // Nothing of the above wrote anything.
    assert!(municipalities(&app).await.is_empty());

    // A municipality of another region is not taken over.
    import(&app, &options(fixture("VG250_GEM.shp"), lwl))
        .await
        .unwrap();
    region(&app, "other-region").await;
    let mut other = options(fixture("VG250_GEM.shp"), lwl);
    other.region = "other-region".into();
    expect(other, &["of another region", "not moved"]).await;

    // Nor is a deleted one brought back.
    diesel::sql_query("UPDATE municipalities SET deleted_at = now() WHERE ags = '13076090'")
        .execute(&mut app.db().await)
        .await
        .unwrap();
    expect(
        options(fixture("VG250_GEM.shp"), lwl),
        &["was deleted", "restore it"],
    )
    .await;
}

#[tokio::test]
async fn invalid_official_outlines_are_repaired_not_refused() {
    let app = spawn_app().await;
    region(&app, "staedteverbund-a14").await;
    // A bow-tie: its ring crosses itself.
    let doc = serde_json::json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"AGS": "13076090", "GEN": "Ludwigslust", "GF": 4},
        "geometry": {"type": "Polygon", "coordinates": [[[11.45, 53.30], [11.55, 53.36],
            [11.55, 53.30], [11.45, 53.36], [11.45, 53.30]]]}}]});
    let file = shapefile_copy(&["shp", "shx", "dbf", "prj", "cpg"]).with_file_name("bowtie.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    import(&app, &options(file.clone(), &["13076090"]))
        .await
        .unwrap();
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();

    #[derive(QueryableByName)]
    struct Valid {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        valid: bool,
    }
    let v: Valid = diesel::sql_query(
        "SELECT ST_IsValid(outline) AND ST_IsValid(outline_display) AS valid FROM municipalities",
    )
    .get_result(&mut app.db().await)
    .await
    .unwrap();
    assert!(v.valid);
    assert_eq!(stored(&app).await[0].parts, 2);
}
