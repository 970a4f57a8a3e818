//! Existing databases come along: a database filled by an earlier build (demo data, then a staff
//! session of edits, drafts, deletes, a restore and imports, with their history) is migrated to
//! today's schema and read through today's API, which must answer as the earlier build did.
//! The fixtures and how they were made: tests/fixtures/upgrade/make_fixture.py.

use diesel::migration::MigrationSource;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::MigrationHarness;
use serde_json::Value;

use crate::helpers::*;

/// An empty database with the migrations up to and including `last` applied.
async fn database_at(last: &str) -> String {
    let name = format!("gwf_t_{}_upgrade_{last}", std::process::id());
    let mut admin = admin().await;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = url_for(&admin_url(), &name);
    let blocking_url = url.clone();
    let last = last.to_owned();
    tokio::task::spawn_blocking(move || {
        use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
        let mut conn =
            <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(
                &blocking_url,
            )
            .unwrap();
        diesel::migration::MigrationConnection::setup(&mut conn).unwrap();
        let mut migrations =
            MigrationSource::<diesel::pg::Pg>::migrations(&gewerbeflaechen::db::MIGRATIONS)
                .unwrap();
        migrations.sort_by_key(|m| m.name().to_string());
        for migration in migrations {
            let name = migration.name().to_string();
            if name.split('_').next().unwrap_or_default() > last.as_str() {
                break;
            }
            conn.run_migration(&*migration).unwrap();
        }
    })
    .await
    .unwrap();
    url
}

/// The answers of the API under test, in the form the fixture keeps them.
async fn answers(app: &TestApp, fixture: &Value) -> Value {
    let items = |v: Value| v["items"].clone();
    let plots = items(
        app.get_staff("/plots?limit=1000")
            .await
            .json()
            .await
            .unwrap(),
    );
    let deleted = items(
        app.get_staff("/plots?deleted=true&limit=1000")
            .await
            .json()
            .await
            .unwrap(),
    );
    let public = items(app.get("/plots?limit=1000").await.json().await.unwrap());
    let mut history = serde_json::Map::new();
    for id in fixture["history"].as_object().unwrap().keys() {
        let h: Value = app
            .get_staff(&format!("/plots/{id}/history"))
            .await
            .json()
            .await
            .unwrap();
        history.insert(id.clone(), h);
    }
    serde_json::json!({"plots": plots, "deleted": deleted, "public": public, "history": history})
}

#[tokio::test]
async fn a_database_of_migration_000004_reads_the_same_after_the_upgrade() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/upgrade");
    let data = std::fs::read_to_string(format!("{dir}/000004.sql")).unwrap();
    let before: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/000004-api.json")).unwrap())
            .unwrap();
    let url = database_at("2026-11-22-000004").await;
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    conn.batch_execute(&data).await.unwrap();
    let places_before = places_in_sql(&mut conn).await;
    drop(conn);
    gewerbeflaechen::db::run_migrations(&url).await.unwrap();

    let app = spawn_app_on(url, &[]).await;
    let after = answers(&app, &before).await;
    for part in ["plots", "deleted", "public"] {
        let (old, new) = (&before[part], &after[part]);
        assert_eq!(
            old.as_array().unwrap().len(),
            new.as_array().unwrap().len(),
            "{part}: as many plots as before"
        );
        for (old, new) in old.as_array().unwrap().iter().zip(new.as_array().unwrap()) {
            let mut new = new.clone();
            // Members added since: what an existing plot shows for them.
            let parcels = new.as_object_mut().unwrap().remove("parcels");
            assert_eq!(parcels, Some(serde_json::json!([])), "migration 000005");
            let owner_type = new.as_object_mut().unwrap().remove("owner_type");
            assert_eq!(owner_type, Some(Value::Null), "migration 000009");
            let heavy = new.as_object_mut().unwrap().remove("heavy_vehicle_access");
            assert_eq!(
                heavy,
                Some(Value::Null),
                "migration 000016: unknown, not guessed"
            );
            let cover = new.as_object_mut().unwrap().remove("cover");
            assert!(
                matches!(cover, None | Some(Value::Null)),
                "issue 19: no photo before media existed"
            );
            let age = new.as_object_mut().unwrap().remove("data_age_days");
            assert!(
                age.is_some_and(|a| a.as_i64().is_some()),
                "issue 17: data_age_days"
            );
            assert_eq!(
                old, &new,
                "{part}: plot {} reads as before",
                old["reference"]
            );
        }
    }
    assert_eq!(
        before["history"], after["history"],
        "every history entry as before"
    );
    assert!(before["plots"].as_array().unwrap().len() > 30);

    // Migration 000007: every place is still there, public, with its name and outline.
    let mut places_after = Vec::new();
    for path in ["/municipalities", "/estates"] {
        let list: Value = app.get(path).await.json().await.unwrap();
        for place in list.as_array().unwrap() {
            places_after.push(format!(
                "{path} {} {} {} {}",
                place["id"],
                place["name"].as_str().unwrap(),
                place["ags"].as_str().unwrap_or("-"),
                place["outline"]["type"].as_str().unwrap_or("none"),
            ));
        }
    }
    assert_eq!(
        places_before, places_after,
        "places read as they were stored"
    );
    assert!(places_after.len() >= 10);

    // Migration 000009: every plot's history became its states, the last one today's row.
    let mut conn = AsyncPgConnection::establish(&app.database_url)
        .await
        .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = |sql: &'static str| diesel::sql_query(sql);
    let mismatched: Count = count(
        "SELECT count(*) AS n FROM plots p LEFT JOIN plot_states s ON s.plot_id = p.id AND s.valid_to IS NULL \
         WHERE s.id IS NULL OR (s.status, s.published, s.deleted, s.municipality_id, s.zoning) \
               IS DISTINCT FROM (p.status, p.published, p.deleted_at IS NOT NULL, p.municipality_id, p.zoning)",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        mismatched.n, 0,
        "one current state per plot, as the plot is"
    );
    let states: Count = count("SELECT count(*) AS n FROM plot_states")
        .get_result(&mut conn)
        .await
        .unwrap();
    let plots =
        before["plots"].as_array().unwrap().len() + before["deleted"].as_array().unwrap().len();
    assert!(
        states.n as usize > plots,
        "earlier states too: {} states",
        states.n
    );
    let figures: Value = app.get_staff("/monitoring").await.json().await.unwrap();
    assert!(figures["total"]["supply"]["count"].as_u64().unwrap() > 0);

    // Migration 000015: the change feed starts with one `published` entry per public plot.
    let feed: Value = app.get("/changes?limit=1000").await.json().await.unwrap();
    let mut fed: Vec<String> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["kind"], "published");
            c["reference"].as_str().unwrap().to_owned()
        })
        .collect();
    let mut public: Vec<String> = before["public"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reference"].as_str().unwrap().to_owned())
        .collect();
    fed.sort();
    public.sort();
    assert_eq!(fed, public, "the feed starts with the public plots");
}

/// Municipalities and estates as stored, in the shape `places_after` reads them.
async fn places_in_sql(conn: &mut AsyncPgConnection) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Place {
        #[diesel(sql_type = diesel::sql_types::Text)]
        line: String,
    }
    let rows: Vec<Place> = diesel::sql_query(
        "SELECT line FROM ( \
           SELECT 1 AS k, id, format('/municipalities %s %s %s %s', id, name, ags, \
                  coalesce(GeometryType(outline), 'none')) AS line FROM municipalities \
           UNION ALL \
           SELECT 2, id, format('/estates %s %s - %s', id, name, \
                  coalesce(GeometryType(outline), 'none')) FROM estates) p ORDER BY k, id",
    )
    .load(conn)
    .await
    .unwrap();
    rows.into_iter()
        .map(|p| p.line.replace("MULTIPOLYGON", "MultiPolygon"))
        .collect()
}
