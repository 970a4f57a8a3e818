//! Imports run one at a time: each waits for the import lock, so two imports that name the
//! same plots in different orders cannot deadlock on their chunk-by-chunk row locks.

use std::time::Duration;

use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn an_import_waits_while_another_holds_the_import_lock() {
    let app = spawn_app().await;
    app.place().await;
    // Another import, as far as the service can tell: a transaction holding the lock.
    let mut other = app.db().await;
    diesel::sql_query("BEGIN")
        .execute(&mut other)
        .await
        .unwrap();
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('gewerbeflaechen.import'))")
        .execute(&mut other)
        .await
        .unwrap();

    let file = json!({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square(11.41, 53.31, 0.001)]},
        "properties": {
            "reference": "WAITS-1", "title_de": "Fläche", "municipality_ags": "13076090",
            "status": "available", "zoning": "GE", "bplan_status": "legally_binding",
            "servicing": "full", "offer": "sale", "price_on_request": true,
            "data_confirmed_on": "2026-10-01"
        }
    }]});
    let request = app
        .client
        .post(app.url("/imports"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/geo+json")
        .body(file.to_string())
        .send();
    let import = tokio::spawn(request);
    // However fast the machine, the import cannot end while the lock is held.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!import.is_finished(), "the import ran beside another one");

    diesel::sql_query("COMMIT")
        .execute(&mut other)
        .await
        .unwrap();
    let response = import.await.unwrap().unwrap();
    assert_eq!(response.status(), 200);
    let report: serde_json::Value = response.json().await.unwrap();
    assert_eq!(report["created"], 1, "{report}");
}
