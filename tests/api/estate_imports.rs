//! Estates from a GIS (`POST /estates/imports`), unknown estate names in plot imports, and
//! `?locate=true`, as a region's admin and a town's editor use them.

use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

/// An estate feature in Ludwigslust (AGS 13076090) with a square outline at `lon`, `lat`.
fn estate(name: &str, lon: f64, lat: f64) -> Value {
    json!({
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square(lon, lat, 0.01)]},
        "properties": {
            "municipality_ags": "13076090",
            "name": name,
            "gross_area_m2": 400000,
            "net_area_m2": 250000,
            "motorway_junction": "Ludwigslust (A14)",
            "dist_motorway_km": 2.5,
            "broadband_mbit": 1000,
            "bplan_legal_date": "2019-05-01"
        }
    })
}

async fn post(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/geo+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = app.db().await;
    let n: N = diesel::sql_query(sql).get_result(&mut conn).await.unwrap();
    n.n
}

async fn execute(app: &TestApp, sql: &str) {
    let mut conn = app.db().await;
    diesel::sql_query(sql).execute(&mut conn).await.unwrap();
}

fn actions(report: &Value) -> Vec<(String, String)> {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_owned(),
                i["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn estates_are_matched_by_municipality_and_name() {
    let app = spawn_app().await;
    let (_, nord) = app.place().await; // Ludwigslust with "GE Nord"
    let grabow_id = app.other_municipality().await; // Grabow, 13076050
    let mut grabow = estate("GE Nord", 11.62, 53.25);
    let properties = grabow["properties"].as_object_mut().unwrap();
    properties.remove("municipality_ags");
    properties.insert("municipality_id".into(), json!(grabow_id));
    let file = collection(vec![
        estate("Gewerbegebiet Am Hechtsort", 11.47, 53.31),
        estate("  ge NORD ", 11.50, 53.33),
        grabow,
    ]);
    let report = ok(post(&app, "/estates/imports", TOKEN, &file).await).await;
    assert_eq!(
        actions(&report),
        [
            ("Gewerbegebiet Am Hechtsort".into(), "create".into()),
            ("ge NORD".into(), "update".into()),
            ("GE Nord".into(), "create".into()),
        ]
    );
    assert_eq!(
        (&report["created"], &report["updated"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(report["items"][1]["id"], nord);
    assert_eq!(report["items"][2]["municipality_ags"], "13076050");
    let hechtsort = report["items"][0]["id"].as_i64().unwrap();
    let stored: Value = app
        .get_staff(&format!("/estates/{hechtsort}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["name"], "Gewerbegebiet Am Hechtsort");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM estates WHERE broadband_mbit = 1000 AND outline IS NOT NULL \
             AND net_area_m2 = 250000"
        )
        .await,
        3,
        "the facts and outlines are stored"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM estates WHERE NOT published"
        )
        .await,
        2,
        "new estates are drafts; GE Nord stays published, as the file does not say"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM place_history WHERE kind = 'estate' AND via = 'import'"
        )
        .await,
        3
    );

    // The same file again changes nothing.
    let again = ok(post(&app, "/estates/imports", TOKEN, &file).await).await;
    assert_eq!(again["unchanged"], 3);
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM place_history").await,
        3
    );

    // CSV with German columns: only what the file gives changes; the outline stays.
    let csv = "Bezeichnung;AGS;Breitband (Mbit);Glasfaser\n\
               Gewerbegebiet am Hechtsort;13076090;500;ja\n";
    let response = app
        .client
        .post(app.url("/estates/imports"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let report = ok(response).await;
    assert_eq!(report["format"], "csv");
    assert_eq!(report["items"][0]["action"], "update");
    assert_eq!(report["items"][0]["version"], 2);
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) AS n FROM estates WHERE id = {hechtsort} AND broadband_mbit = 500 \
                      AND fibre AND outline IS NOT NULL AND motorway_junction = 'Ludwigslust (A14)'")
        )
        .await,
        1
    );

    // Publishing alone is recorded as such (the name as the CSV spelled it: the file's
    // spelling is stored).
    let publish = collection(vec![
        json!({"type": "Feature", "geometry": null, "properties": {
            "municipality_ags": "13076090", "name": "Gewerbegebiet am Hechtsort", "published": true
        }}),
    ]);
    let report = ok(post(&app, "/estates/imports", TOKEN, &publish).await).await;
    assert_eq!(report["items"][0]["version"], 3);
    assert_eq!(
        count(&app, &format!("SELECT count(*) AS n FROM place_history WHERE place_id = {hechtsort} AND action = 'publish'")).await,
        1
    );
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_one_bad_feature_rejects_the_import() {
    let app = spawn_app().await;
    app.place().await;
    let mut bad = estate("Industriepark Süd", 11.52, 53.29);
    bad["properties"]["net_area_m2"] = json!(500000);
    let good = estate("Gewerbegebiet Am Hechtsort", 11.47, 53.31);

    let dry = ok(post(
        &app,
        "/estates/imports?dry_run=true",
        TOKEN,
        &collection(vec![good.clone()]),
    )
    .await)
    .await;
    assert_eq!((&dry["valid"], &dry["created"]), (&json!(true), &json!(1)));
    assert_eq!(dry["items"][0]["id"], Value::Null);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM estates").await, 1);

    let file = collection(vec![good, bad]);
    let dry = ok(post(&app, "/estates/imports?dry_run=true", TOKEN, &file).await).await;
    assert_eq!(dry["valid"], false);
    let problem = assert_problem(post(&app, "/estates/imports", TOKEN, &file).await, 422).await;
    assert_eq!(pointers(&problem), ["/features/1/net_area_m2"]);
    assert_eq!(problem["report"]["problems"][0]["feature"], 1);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("nothing was imported"));
    assert_eq!(count(&app, "SELECT count(*) AS n FROM estates").await, 1);
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM place_history").await,
        0
    );

    // A position is no outline; a name twice in one file is a problem.
    let mut point = estate("Hafen", 11.5, 53.3);
    point["geometry"] = json!({"type": "Point", "coordinates": [11.5, 53.3]});
    let twice = estate(" gewerbegebiet am hechtsort", 11.47, 53.31);
    let file = collection(vec![
        estate("Gewerbegebiet Am Hechtsort", 11.47, 53.31),
        twice,
        point,
    ]);
    let problem = assert_problem(post(&app, "/estates/imports", TOKEN, &file).await, 422).await;
    assert_eq!(
        pointers(&problem),
        ["/features/1/name", "/features/2/geometry"]
    );

    // A deleted estate's name is not reused; a stale `version` is refused.
    execute(
        &app,
        "UPDATE estates SET deleted_at = now(), published = false WHERE name = 'GE Nord'",
    )
    .await;
    let problem = assert_problem(
        post(
            &app,
            "/estates/imports",
            TOKEN,
            &collection(vec![estate("GE Nord", 11.5, 53.33)]),
        )
        .await,
        422,
    )
    .await;
    assert!(problem["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("was deleted"));
    let created = ok(post(
        &app,
        "/estates/imports",
        TOKEN,
        &collection(vec![estate("Gewerbegebiet Am Hechtsort", 11.47, 53.31)]),
    )
    .await)
    .await;
    assert_eq!(created["items"][0]["version"], 1);
    let mut stale = estate("gewerbegebiet am hechtsort", 11.47, 53.31);
    stale["properties"]["version"] = json!(7);
    let problem = assert_problem(
        post(&app, "/estates/imports", TOKEN, &collection(vec![stale])).await,
        422,
    )
    .await;
    assert_eq!(pointers(&problem), ["/features/0/version"]);
}

#[tokio::test]
async fn editors_import_estates_of_their_own_municipalities_with_an_import_token() {
    let app = spawn_app().await;
    let (own, _) = app.place().await;
    app.other_municipality().await;
    app.account_with_token("anna@ludwigslust.example", "editor", &[own], "gwf_anna")
        .await;
    execute(&app, "UPDATE auth_tokens SET scopes = '{import}' WHERE name = 'test' AND user_id = (SELECT id FROM users WHERE email = 'anna@ludwigslust.example')").await;
    app.account_with_token("v@region.example", "viewer", &[], "gwf_viewer")
        .await;

    let mut foreign = estate("Gewerbepark Grabow", 11.62, 53.25);
    foreign["properties"]["municipality_ags"] = json!("13076050");
    let file = collection(vec![estate("Am Hechtsort", 11.47, 53.31), foreign]);
    let problem =
        assert_problem(post(&app, "/estates/imports", "gwf_anna", &file).await, 422).await;
    let problems = problem["report"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["feature"], 1);
    assert_eq!(problems[0]["field"], "municipality_ags");
    assert!(problems[0]["problem"]
        .as_str()
        .unwrap()
        .contains("not in Grabow"));

    // The import token (without `write` or `read`) imports into the own town.
    let report = ok(post(
        &app,
        "/estates/imports",
        "gwf_anna",
        &collection(vec![estate("Am Hechtsort", 11.47, 53.31)]),
    )
    .await)
    .await;
    assert_eq!(report["created"], 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM place_history WHERE actor = 'anna@ludwigslust.example'"
        )
        .await,
        1
    );
    assert_problem(
        post(&app, "/estates/imports", "gwf_viewer", &file).await,
        403,
    )
    .await;
    let anonymous = app
        .client
        .post(app.url("/estates/imports"))
        .header("content-type", "application/geo+json")
        .body(file.to_string())
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, 401).await;
}

/// A plot feature in the import schema at `lon`, `lat` (no municipality, no estate).
fn plot(reference: &str, lon: f64, lat: f64) -> Value {
    json!({
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square(lon, lat, 0.001)]},
        "properties": {
            "reference": reference,
            "title_de": "Fläche",
            "status": "available",
            "zoning": "GE",
            "bplan_status": "legally_binding",
            "servicing": "full",
            "price_on_request": true,
            "offer": "sale",
            "data_confirmed_on": "2026-10-01"
        }
    })
}

#[tokio::test]
async fn an_unknown_estate_in_a_plot_import_lists_the_estates_of_its_municipality() {
    let app = spawn_app().await;
    let (ludwigslust, _) = app.place().await;
    let grabow = app.other_municipality().await;
    let mut conn = app.db().await;
    for (m, name, draft, deleted) in [
        (ludwigslust, "Gewerbegebiet Am Hechtsort", false, false),
        (ludwigslust, "Industriepark Entwurf", true, false),
        (ludwigslust, "Altes Gebiet", true, true),
        (grabow, "Gewerbepark Grabow", false, false),
    ] {
        diesel::sql_query(
            "INSERT INTO estates (municipality_id, name, published, deleted_at) \
             VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END)",
        )
        .bind::<BigInt, _>(m)
        .bind::<Text, _>(name)
        .bind::<diesel::sql_types::Bool, _>(!draft)
        .bind::<diesel::sql_types::Bool, _>(deleted)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let mut typo = plot("LWL-1", 11.5, 53.33);
    typo["properties"]["municipality_ags"] = json!("13076090");
    typo["properties"]["estate_name"] = json!("Am Hechsort");
    let mut deleted = plot("LWL-2", 11.51, 53.33);
    deleted["properties"]["municipality_ags"] = json!("13076090");
    deleted["properties"]["estate_name"] = json!("altes gebiet");
    let report = ok(post(
        &app,
        "/imports?dry_run=true",
        TOKEN,
        &collection(vec![typo, deleted]),
    )
    .await)
    .await;
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(
        problems[0]["problem"],
        "no estate \"Am Hechsort\" in Ludwigslust; its estates: \"GE Nord\", \
         \"Gewerbegebiet Am Hechtsort\", \"Industriepark Entwurf\""
    );
    assert_eq!(
        problems[1]["field"], "estate_name",
        "deleted estates are gone"
    );
}

#[tokio::test]
async fn locate_assigns_municipality_and_estate_from_the_outline() {
    let app = spawn_app().await;
    let (_, nord) = app.place().await;
    app.other_municipality().await;
    execute(&app, "UPDATE municipalities SET outline = ST_Multi(ST_MakeEnvelope(11.40, 53.28, 11.60, 53.40, 4326)) WHERE ags = '13076090'").await;
    execute(&app, "UPDATE municipalities SET outline = ST_Multi(ST_MakeEnvelope(11.60, 53.20, 11.70, 53.40, 4326)) WHERE ags = '13076050'").await;
    execute(&app, &format!("UPDATE estates SET outline = ST_Multi(ST_MakeEnvelope(11.49, 53.32, 11.52, 53.34, 4326)) WHERE id = {nord}")).await;

    let mut named = plot("GRA-3", 11.5, 53.33);
    named["properties"]["municipality_ags"] = json!("13076050");
    let features = vec![
        plot("LWL-1", 11.5, 53.33),  // in GE Nord
        plot("LWL-2", 11.45, 53.30), // in Ludwigslust, no estate
        named,                       // names Grabow: kept; GE Nord is not Grabow's
        plot("GRA-4", 11.65, 53.30), // in Grabow
        plot("XXX-5", 12.5, 53.0),   // nowhere
    ];
    let report = ok(post(
        &app,
        "/imports?dry_run=true&locate=true",
        TOKEN,
        &collection(features.clone()),
    )
    .await)
    .await;
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (problems[0]["feature"].clone(), problems[0]["field"].clone()),
        (json!(4), json!("municipality_ags"))
    );
    let located: Vec<Value> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["located"].clone())
        .collect();
    assert_eq!(
        located,
        [
            json!({"municipality_ags": "13076090", "estate_name": "GE Nord"}),
            json!({"municipality_ags": "13076090", "estate_name": null}),
            json!({"municipality_ags": null, "estate_name": null}),
            json!({"municipality_ags": "13076050", "estate_name": null}),
        ]
    );

    let report = ok(post(
        &app,
        "/imports?locate=true",
        TOKEN,
        &collection(features[..4].to_vec()),
    )
    .await)
    .await;
    assert_eq!(report["created"], 4);
    let lwl1: Value = app.get_staff("/plots/LWL-1").await.json().await.unwrap();
    assert_eq!(lwl1["estate_id"], nord);
    let gra3: Value = app.get_staff("/plots/GRA-3").await.json().await.unwrap();
    assert_eq!(gra3["municipality_name"], "Grabow");
    assert_eq!(gra3["estate_id"], Value::Null);

    // Estates too: one without a municipality lands in the town around it.
    let mut loose = estate("Gewerbepark Grabow", 11.62, 53.25);
    loose["properties"]
        .as_object_mut()
        .unwrap()
        .remove("municipality_ags");
    let report = ok(post(
        &app,
        "/estates/imports?locate=true",
        TOKEN,
        &collection(vec![loose.clone()]),
    )
    .await)
    .await;
    assert_eq!(report["items"][0]["municipality_ags"], "13076050");
    assert_eq!(
        report["items"][0]["located"]["municipality_ags"],
        "13076050"
    );
    // Without locate the municipality is required.
    let problem = assert_problem(
        post(&app, "/estates/imports", TOKEN, &collection(vec![loose])).await,
        422,
    )
    .await;
    assert_eq!(pointers(&problem), ["/features/0/municipality_ags"]);
}

/// `places import-estates --repair` mends an invalid outline as `?repair=true` does; without
/// the flag the same file is refused.
#[tokio::test]
async fn the_cli_repairs_on_request() {
    let app = spawn_app().await;
    app.place().await;
    let mut bow = estate("Am Bahnhof", 11.47, 53.31);
    bow["geometry"] = json!({"type": "Polygon", "coordinates": [[
        [11.47, 53.31], [11.48, 53.32], [11.48, 53.31], [11.47, 53.32], [11.47, 53.31]]]});
    let path = std::env::temp_dir().join(format!("gwf-cli-repair-{}.geojson", std::process::id()));
    std::fs::write(&path, collection(vec![bow]).to_string()).unwrap();
    let run = |repair: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gewerbeflaechen"));
        command
            .args(["places", "import-estates"])
            .arg(&path)
            .env("DATABASE_URL", &app.database_url)
            .env("GWF_LOG_FORMAT", "json");
        if repair {
            command.arg("--repair");
        }
        command.output().unwrap()
    };
    let refused = run(false);
    assert!(!refused.status.success());
    let repaired = run(true);
    let stdout = String::from_utf8_lossy(&repaired.stdout);
    assert!(
        repaired.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&repaired.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["created"], 1, "{report}");
    assert!(
        report["warnings"].to_string().contains("repaired"),
        "{report}"
    );
    std::fs::remove_file(path).unwrap();
}
