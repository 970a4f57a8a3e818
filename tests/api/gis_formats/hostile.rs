//! Hostile, broken and oversized GIS files: refused with a reason, and bounded before work.

use super::*;

#[tokio::test]
async fn hostile_and_broken_files_are_refused_with_a_reason() {
    let app = spawn_app_with(&[("GWF_IMPORT_MAX_BYTES", "1000000")]).await;
    app.place().await;
    let refused = |response: reqwest::Response, status: u16| async move {
        let problem = assert_problem(response, status).await;
        problem["detail"].as_str().unwrap().to_owned()
    };
    // A zip bomb: 20 MB of zeros in a few kB.
    let bomb = zip_of(&[
        ("x.shp".into(), vec![0; 20_000_000]),
        ("x.dbf".into(), vec![0; 10]),
    ]);
    assert!(bomb.len() < 100_000);
    let detail = refused(post(&app, "/imports", "application/zip", bomb).await, 400).await;
    assert!(detail.contains("GWF_IMPORT_MAX_BYTES"), "{detail}");
    let no_shp = zip_of(&[("readme.txt".into(), b"hello".to_vec())]);
    let detail = refused(post(&app, "/imports", "application/zip", no_shp).await, 400).await;
    assert!(detail.contains("no .shp"), "{detail}");
    let two = zip_of(&[
        ("a.shp".into(), vec![1]),
        ("a.dbf".into(), vec![1]),
        ("b/b.shp".into(), vec![1]),
        ("b/b.dbf".into(), vec![1]),
    ]);
    let detail = refused(
        post(&app, "/imports", "application/zip", two.clone()).await,
        400,
    )
    .await;
    assert!(
        detail.contains("`a`") && detail.contains("`b`") && detail.contains("layer="),
        "{detail}"
    );
    let detail = refused(
        post(&app, "/imports?layer=b", "application/zip", two).await,
        400,
    )
    .await;
    assert!(detail.contains("b.shp"), "{detail}");
    let detail = refused(
        post(&app, "/imports", "application/zip", b"not a zip".to_vec()).await,
        400,
    )
    .await;
    assert!(detail.contains("not a zip"), "{detail}");
    let mut cut = zip_of(&[
        ("a.shp".into(), vec![7; 5000]),
        ("a.dbf".into(), vec![7; 5000]),
    ]);
    cut.truncate(cut.len() / 2);
    refused(post(&app, "/imports", "application/zip", cut).await, 400).await;

    // GeoPackages: truncated, without a feature table, plain SQLite, not SQLite at all.
    let scratch = Scratch::new("hostile");
    let file = scratch.path("ok.gpkg");
    geopackage(&file, "plots", &plots_geojson("H", 2), "EPSG:4326");
    let good = std::fs::read(&file).unwrap();
    let truncated = good[..good.len() / 3].to_vec();
    refused(
        post(
            &app,
            "/imports",
            "application/geopackage+sqlite3",
            truncated,
        )
        .await,
        400,
    )
    .await;
    let empty = scratch.path("empty.gpkg");
    {
        let conn = rusqlite::Connection::open(&empty).unwrap();
        conn.execute_batch(
            "CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL); \
             INSERT INTO gpkg_contents VALUES ('tiles', 'tiles');",
        )
        .unwrap();
    }
    let detail = refused(
        post(
            &app,
            "/imports",
            "application/geopackage+sqlite3",
            std::fs::read(&empty).unwrap(),
        )
        .await,
        400,
    )
    .await;
    assert!(detail.contains("no feature table"), "{detail}");
    let plain = scratch.path("plain.sqlite");
    rusqlite::Connection::open(&plain)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER);")
        .unwrap();
    let detail = refused(
        post(
            &app,
            "/imports",
            "application/x-sqlite3",
            std::fs::read(&plain).unwrap(),
        )
        .await,
        400,
    )
    .await;
    assert!(detail.contains("gpkg_contents"), "{detail}");
    let detail = refused(
        post(
            &app,
            "/imports",
            "application/geopackage+sqlite3",
            b"{}".to_vec(),
        )
        .await,
        400,
    )
    .await;
    assert!(detail.contains("not a GeoPackage"), "{detail}");
    refused(
        post(&app, "/imports", "application/octet-stream", good.clone()).await,
        415,
    )
    .await;
    // layer= means nothing to GeoJSON.
    refused(
        post(
            &app,
            "/imports?layer=x",
            "application/geo+json",
            b"{}".to_vec(),
        )
        .await,
        400,
    )
    .await;
    // A GeoPackage sent as GeoJSON is still read as what it is.
    let report = imported(
        &app,
        &format!("/imports{MAP}&dry_run=true"),
        "application/json",
        good,
    )
    .await;
    assert_eq!(report["format"], "gpkg", "{report}");
}

/// What a file may cost is bounded while it is read: features (413 at the first one over),
/// views in GeoPackages, zips written to a stream (data descriptors), and oversized outlines,
/// which are their feature's problem before PostGIS sees them.
#[tokio::test]
async fn readers_bound_what_a_file_costs_and_read_streamed_zips() {
    let app = spawn_app_with(&[
        ("GWF_IMPORT_MAX_FEATURES", "3"),
        ("GWF_GEOMETRY_MAX_RING_POSITIONS", "20"),
    ])
    .await;
    app.place().await;
    let scratch = Scratch::new("bounded");

    // A zip as Finder or Java's ZipOutputStream write it: sizes in data descriptors.
    let shapefile = zipped_shapefile(
        &scratch,
        "streamed",
        &plots_geojson("S", 2),
        "EPSG:25833",
        "UTF-8",
        true,
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(shapefile)).unwrap();
    let mut streamed = zip::ZipWriter::new_stream(Vec::new());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        streamed
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        streamed.write_all(&bytes).unwrap();
    }
    let streamed = streamed.finish().unwrap().into_inner();
    let report = imported(
        &app,
        &format!("/imports{MAP}&dry_run=true"),
        "application/zip",
        streamed,
    )
    .await;
    assert_eq!(report["format"], "shapefile", "{report}");
    assert_eq!(report["created"], 2, "{report}");

    // One feature over the cap.
    let four = plots_geojson("F", 4).to_string().into_bytes();
    let problem = assert_problem(
        post(&app, "/imports", "application/geo+json", four).await,
        413,
    )
    .await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.starts_with("more than 3 features"), "{detail}");

    // A GeoPackage layer that is a view with rows without end.
    let file = scratch.path("view.gpkg");
    geopackage(&file, "plots", &plots_geojson("V", 1), "EPSG:4326");
    rusqlite::Connection::open(&file)
        .unwrap()
        .execute_batch(
            "CREATE VIEW endless AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
               SELECT i AS fid, geom FROM n, plots;
             INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id)
               VALUES ('endless', 'features', 'endless', 4326);
             INSERT INTO gpkg_geometry_columns VALUES ('endless', 'geom', 'POLYGON', 4326, 0, 0);",
        )
        .unwrap();
    let problem = assert_problem(
        post(
            &app,
            "/imports?layer=endless",
            "application/geopackage+sqlite3",
            std::fs::read(&file).unwrap(),
        )
        .await,
        400,
    )
    .await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("is a view, not a table"), "{detail}");

    // An outline with a ring over GWF_GEOMETRY_MAX_RING_POSITIONS.
    let mut long = plots_geojson("L", 1);
    let ring: Vec<Value> = (0..=24)
        .map(|i| {
            let angle = f64::from(i % 24) * std::f64::consts::TAU / 24.0;
            json!([11.4 + 0.001 * angle.cos(), 53.3 + 0.001 * angle.sin()])
        })
        .collect();
    long["features"][0]["geometry"]["coordinates"] = json!([ring]);
    let problem = assert_problem(
        post(
            &app,
            &format!("/imports{MAP}"),
            "application/geo+json",
            long.to_string().into_bytes(),
        )
        .await,
        422,
    )
    .await;
    let problems = problem["report"]["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["problem"]
            .as_str()
            .unwrap()
            .contains("25 positions; at most 20 per ring (GWF_GEOMETRY_MAX_RING_POSITIONS)")),
        "{problem}"
    );
}
