//! The README's "Set up your region", step by step, from an empty database to a published
//! region, with the CLI (the real binary) and the HTTP API only: no SQL touches the data.

use std::io::Write;
use std::process::{Command, Stdio};

use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;

const PASSWORD: &str = "Ludwigslust-Grabow-Neustadt 2026!";

/// Runs `gewerbeflaechen ARGS` on the test's database, `stdin` on its standard input; returns
/// its standard output and fails the test on a non-zero exit.
fn cli(database_url: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gewerbeflaechen"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("GWF_LOG_FORMAT", "json")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(text) = stdin {
        writeln!(child.stdin.take().unwrap(), "{text}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "gewerbeflaechen {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn fixture(path: &str) -> String {
    format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn an_empty_database_becomes_a_working_region_with_the_cli_and_the_api() {
    // An empty database; `migrate` creates PostGIS and the schema.
    let name = format!("gwf_t_{}_region_setup", std::process::id());
    let mut server = admin().await;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut server)
        .await
        .unwrap();
    diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
        .execute(&mut server)
        .await
        .unwrap();
    let url = url_for(&admin_url(), &name);
    let db = url.clone();
    let run = move |args: Vec<String>, stdin: Option<&'static str>| {
        let db = db.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                cli(&db, &args, stdin)
            })
            .await
            .unwrap()
        }
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    // 1. The schema and the first admin.
    run(args(&["migrate"]), None).await;
    run(
        args(&[
            "user",
            "add",
            "--email",
            "admin@a14.example",
            "--name",
            "Regionsadmin A14",
            "--role",
            "admin",
            "--password-stdin",
        ]),
        Some(PASSWORD),
    )
    .await;
    let app = spawn_bare(url.clone(), &[]).await;
    let login: Value = app
        .client
        .post(app.url("/auth/login"))
        .json(&json!({"email": "admin@a14.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().expect("logged in").to_owned();

    // 2. The region.
    let region = app
        .client
        .post(app.url("/regions"))
        .bearer_auth(&token)
        .json(
            &json!({"slug": "staedteverbund-a14", "name": "Städteverbund A14",
                      "website": "https://a14.example"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(region.status(), 201);

    // 3. The official municipality outlines (VG250), for the three towns.
    let report = run(
        args(&[
            "places",
            "import-municipalities",
            &fixture("vg250/VG250_GEM.shp"),
            "--region",
            "staedteverbund-a14",
            "--ags",
            "13076090,13076050,13076105",
        ]),
        None,
    )
    .await;
    assert!(report.contains("3 created"), "{report}");
    let again = run(
        args(&[
            "places",
            "import-municipalities",
            &fixture("vg250/VG250_GEM.shp"),
            "--region",
            "staedteverbund-a14",
            "--ags",
            "13076090,13076050,13076105",
        ]),
        None,
    )
    .await;
    assert!(again.contains("nothing to change"), "{again}");

    // 4. An editor for Ludwigslust; the estates from the towns' GIS.
    run(
        args(&[
            "user",
            "add",
            "--email",
            "wifoe@ludwigslust.example",
            "--name",
            "Wirtschaftsförderung Ludwigslust",
            "--role",
            "editor",
            "--municipality",
            "13076090",
            "--password-stdin",
        ]),
        Some(PASSWORD),
    )
    .await;
    let import = |path: &'static str, body: String| {
        app.client
            .post(app.url(path))
            .bearer_auth(&token)
            .header("content-type", "application/geo+json")
            .body(body)
            .send()
    };
    let estates = std::fs::read_to_string(fixture("setup/estates.geojson")).unwrap();
    let dry: Value = import("/estates/imports?dry_run=true", estates.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(dry["created"], 7, "{dry}");
    let done = import("/estates/imports", estates).await.unwrap();
    assert_eq!(done.status(), 200);

    // 5. The plots, then publish them.
    let plots = std::fs::read_to_string(fixture("setup/plots.geojson")).unwrap();
    let imported = import("/imports", plots).await.unwrap();
    let status = imported.status();
    let imported: Value = imported.json().await.unwrap();
    assert_eq!(status, 200, "{imported}");
    assert_eq!(imported["created"], 9, "{imported}");
    for reference in [
        "GRA-001", "GRA-002", "GRA-003", "LWL-001", "LWL-002", "LWL-003", "NSG-001", "NSG-002",
        "NSG-003",
    ] {
        let published = app
            .client
            .post(app.url(&format!("/plots/{reference}/publish")))
            .bearer_auth(&token)
            .header("If-Match", "\"1\"")
            .send()
            .await
            .unwrap();
        assert_eq!(published.status(), 200, "{reference}");
    }

    // The public now sees the region: plots with their town and estate, towns with outlines,
    // estates, the map and the profiles.
    let public: Value = app.get("/plots?limit=100").await.json().await.unwrap();
    let items = public["items"].as_array().unwrap();
    assert_eq!(items.len(), 9);
    assert!(items
        .iter()
        .all(|p| p["estate_name"].is_string() && p["municipality_name"].is_string()));
    let by_ags: Value = app
        .get("/plots?municipality=13076050")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_ags["items"].as_array().unwrap().len(), 3);
    let towns: Value = app.get("/municipalities").await.json().await.unwrap();
    let towns = towns.as_array().unwrap();
    assert_eq!(towns.len(), 3);
    assert!(towns.iter().all(|t| t["outline"]["type"] == "MultiPolygon"));
    let estates: Value = app.get("/estates").await.json().await.unwrap();
    assert_eq!(estates.as_array().unwrap().len(), 7);
    for page in [
        "/embed",
        "/plots/LWL-001/profile",
        &format!("/estates/{}/profile", estates[0]["id"]),
    ] {
        assert_eq!(app.get(page).await.status(), 200, "{page}");
    }
    // Staff see the region consistent: no spatial finding in the demo geography.
    let checks: Value = app
        .client
        .get(app.url("/places/checks"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let towns = checks["municipalities"].as_array().unwrap();
    assert_eq!(towns.len(), 3, "{checks}");
    assert_eq!(checks["finding_count"], 0, "{checks}");
}
