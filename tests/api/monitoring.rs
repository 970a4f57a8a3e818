//! `GET /monitoring` against figures worked out by hand from a small dated history (issue 17,
//! point 5), and the state table (migration 000009) built by writes against the same table
//! rebuilt from the history, as an upgraded database gets it.
//!
//! The history is seeded in SQL, each change in its own transaction dated with
//! `gwf.effective_at` (which the trigger and the history's `changed_at` both use), each with
//! the history entry the API would have written.

use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use serde_json::{json, Value};

use crate::helpers::*;

/// A plot like the template `TPL` (its outline), created on `at` with these columns.
async fn create(conn: &mut AsyncPgConnection, at: &str, reference: &str, columns: &[(&str, &str)]) {
    let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
    let values: Vec<&str> = columns.iter().map(|c| c.1).collect();
    conn.batch_execute(&format!(
        "BEGIN; SET LOCAL gwf.effective_at = '{at}'; \
         INSERT INTO plots (reference, title_de, geom, area_geodesic_m2, offer, data_confirmed_on, {}) \
         SELECT '{reference}', 'Testfläche', geom, area_geodesic_m2, 'sale', '2023-01-01', {} \
         FROM plots WHERE reference = 'TPL'; \
         INSERT INTO plot_history (plot_id, version, action, actor, via, changes) \
         SELECT id, 1, 'create', 'test', 'cli', '[]' FROM plots WHERE reference = '{reference}'; \
         COMMIT;",
        names.join(", "),
        values.join(", ")
    ))
    .await
    .unwrap();
}

/// A change on `at`: `set` (SQL assignments) with its history entry (`changes`, `action`).
async fn change(
    conn: &mut AsyncPgConnection,
    at: &str,
    reference: &str,
    action: &str,
    set: &str,
    changes: Value,
) {
    conn.batch_execute(&format!(
        "BEGIN; SET LOCAL gwf.effective_at = '{at}'; \
         UPDATE plots SET {set}, version = version + 1 WHERE reference = '{reference}'; \
         INSERT INTO plot_history (plot_id, version, action, actor, via, changes) \
         SELECT id, version, '{action}', 'test', 'cli', '{changes}' FROM plots WHERE reference = '{reference}'; \
         COMMIT;"
    ))
    .await
    .unwrap();
}

fn status(from: &str, to: &str) -> Value {
    json!([{"field": "status", "from": from, "to": to}])
}

/// Twelve plots in two towns over 2023–2026; what each contributes is worked out in the tests.
pub(crate) async fn seed(app: &TestApp) -> (i64, i64, i64) {
    let (a, estate) = app.place().await;
    let b = app.other_municipality().await;
    // The template whose outline the others copy: a draft, never counted.
    let mut template = plot_body("TPL", a, None);
    template["published"] = json!(false);
    app.create_plot(&template).await;
    let mut conn = app.db().await;
    let (a_s, b_s, e_s) = (a.to_string(), b.to_string(), estate.to_string());
    let t0 = "2023-01-10 10:00+01";
    let plot = |m: &'static str, zoning: &'static str, area: &'static str| {
        vec![
            ("municipality_id", m),
            ("zoning", zoning),
            ("area_stated_m2", area),
            ("status", "'available'"),
            ("bplan_status", "'legally_binding'"),
            ("servicing", "'full'"),
            ("published", "true"),
        ]
    };
    let on_request = ("price_on_request", "true");
    let specs: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("P1", [plot("A", "'GE'", "3000"), vec![on_request]].concat()),
        ("P2", [plot("A", "'GE'", "8000"), vec![on_request]].concat()),
        (
            "P3",
            [
                plot("A", "'GI'", "20000"),
                vec![on_request, ("estate_id", "E")],
            ]
            .concat(),
        ),
        (
            "P4",
            [
                plot("A", "'GI'", "60000"),
                vec![("price_min_ct", "2000"), ("price_max_ct", "2500")],
            ]
            .concat(),
        ),
        ("P5", [plot("B", "'GE'", "4000"), vec![on_request]].concat()),
        (
            "P6",
            [
                plot("A", "'GE'", "12000"),
                vec![("servicing", "'partial'"), ("price_min_ct", "1500")],
            ]
            .concat(),
        ),
        (
            "P7",
            [
                plot("B", "'GI'", "150000"),
                vec![("status", "'planned'"), on_request],
            ]
            .concat(),
        ),
        (
            "P8",
            [
                plot("A", "'MI'", "9000"),
                vec![("available_from", "'2030-01-01'"), on_request],
            ]
            .concat(),
        ),
        ("P9", [plot("A", "'GE'", "5000"), vec![on_request]].concat()),
        (
            "P10",
            [plot("A", "'GE'", "7000"), vec![on_request]].concat(),
        ),
        (
            "P11",
            [
                plot("A", "'GE'", "50000"),
                vec![("published", "false"), on_request],
            ]
            .concat(),
        ),
        (
            "P12",
            [
                plot("A", "'GE'", "2000"),
                vec![
                    ("published", "false"),
                    ("price_min_ct", "1800"),
                    ("price_max_ct", "1900"),
                ],
            ]
            .concat(),
        ),
    ];
    for (reference, columns) in specs {
        // Later entries win over earlier ones of the same column (the variants above).
        let mut merged: Vec<(&str, String)> = Vec::new();
        for (name, value) in columns {
            let value = match value {
                "A" => a_s.clone(),
                "B" => b_s.clone(),
                "E" => e_s.clone(),
                v => v.to_owned(),
            };
            match merged.iter_mut().find(|(n, _)| *n == name) {
                Some(entry) => entry.1 = value,
                None => merged.push((name, value)),
            }
        }
        let columns: Vec<(&str, &str)> = merged.iter().map(|(n, v)| (*n, v.as_str())).collect();
        create(&mut conn, t0, reference, &columns).await;
    }
    let sold = "status = 'sold'";
    let c = &mut conn;
    change(
        c,
        "2023-05-10 12:00+02",
        "P1",
        "update",
        sold,
        status("available", "sold"),
    )
    .await;
    let moved = json!([{"field": "municipality_id", "from": a, "to": b}]);
    let to_b = format!("municipality_id = {b}");
    change(c, "2024-01-15 09:00+01", "P9", "update", &to_b, moved).await;
    change(
        c,
        "2024-03-01 09:00+01",
        "P2",
        "update",
        sold,
        status("available", "sold"),
    )
    .await;
    change(
        c,
        "2024-05-05 09:00+02",
        "P11",
        "update",
        sold,
        status("available", "sold"),
    )
    .await;
    let reserved = "status = 'reserved'";
    change(
        c,
        "2024-06-01 09:00+02",
        "P3",
        "update",
        reserved,
        status("available", "reserved"),
    )
    .await;
    change(
        c,
        "2024-09-01 09:00+02",
        "P9",
        "update",
        sold,
        status("available", "sold"),
    )
    .await;
    change(
        c,
        "2024-11-01 09:00+01",
        "P10",
        "update",
        sold,
        status("available", "sold"),
    )
    .await;
    let published = json!([{"field": "published", "from": false, "to": true}]);
    change(
        c,
        "2025-01-01 09:00+01",
        "P12",
        "publish",
        "published = true",
        published,
    )
    .await;
    change(
        c,
        "2025-02-01 09:00+01",
        "P3",
        "update",
        sold,
        status("reserved", "sold"),
    )
    .await;
    let deleted = json!([{"field": "deleted", "from": false, "to": true},
                         {"field": "published", "from": true, "to": false}]);
    let delete = "deleted_at = '2025-05-01 09:00+02', published = false";
    change(c, "2025-05-01 09:00+02", "P10", "delete", delete, deleted).await;
    change(
        c,
        "2025-08-01 09:00+02",
        "P5",
        "update",
        sold,
        status("available", "sold"),
    )
    .await;
    let reopen = "status = 'available'";
    change(
        c,
        "2025-10-01 09:00+02",
        "P5",
        "update",
        reopen,
        status("sold", "available"),
    )
    .await;
    change(
        c,
        "2026-03-01 09:00+01",
        "P5",
        "update",
        sold,
        status("available", "sold"),
    )
    .await;
    (a, b, estate)
}

fn bucket(list: &Value, key: &str) -> (u64, f64) {
    let b = list
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == key)
        .unwrap_or_else(|| panic!("no bucket {key} in {list}"));
    (
        b["count"].as_u64().unwrap(),
        b["hectares"].as_f64().unwrap(),
    )
}

fn year(figures: &Value, y: i64) -> Value {
    figures["take_up"]["years"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["year"] == y)
        .unwrap()
        .clone()
}

fn group<'a>(report: &'a Value, key: &str) -> &'a Value {
    &report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == key)
        .unwrap_or_else(|| panic!("no group {key}"))["figures"]
}

fn count_ha(figures: &Value) -> (Value, Value) {
    (
        figures["supply"]["count"].clone(),
        figures["supply"]["hectares"].clone(),
    )
}

pub(crate) async fn report(app: &TestApp, query: &str) -> Value {
    let response = app.get_staff(&format!("/monitoring?{query}")).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_figures_match_those_worked_out_by_hand() {
    let app = spawn_app().await;
    let (a, b, estate) = seed(&app).await;

    // 2026-06-30. Supply: P4 (GI 6 ha, full), P6 (GE 1.2 ha, partly serviced), P7 (planned,
    // 15 ha, in B), P8 (MI 0.9 ha, from 2030), P12 (0.2 ha, published 2025). P10 is deleted,
    // P11 a draft, the rest sold.
    let r = report(&app, "as_of=2026-06-30").await;
    assert_eq!(r["as_of"], "2026-06-30");
    assert_eq!(r["region"]["slug"], "test-region");
    let t = &r["total"];
    assert_eq!(count_ha(t), (json!(5), json!(23.3)));
    let by = &t["supply"]["by_availability"];
    assert_eq!(bucket(by, "immediately"), (2, 6.2));
    assert_eq!(bucket(by, "within_2_years"), (1, 1.2));
    assert_eq!(bucket(by, "later"), (1, 0.9));
    assert_eq!(bucket(by, "planned"), (1, 15.0));
    let sizes = &t["supply"]["by_size"];
    assert_eq!(bucket(sizes, "under_5000_m2"), (1, 0.2));
    assert_eq!(bucket(sizes, "0_5_to_1_ha"), (1, 0.9));
    assert_eq!(bucket(sizes, "1_to_5_ha"), (1, 1.2));
    assert_eq!(bucket(sizes, "5_to_10_ha"), (1, 6.0));
    assert_eq!(bucket(sizes, "over_10_ha"), (1, 15.0));
    assert_eq!(bucket(&t["supply"]["by_zoning"], "GI"), (2, 21.0));
    assert_eq!(bucket(&t["supply"]["by_servicing"], "partial"), (1, 1.2));
    assert_eq!(bucket(&t["supply"]["by_owner"], "unknown"), (5, 23.3));
    assert_eq!(t["reserved"]["count"], 0);

    // Take-up (sold): 2023 P1 0.3 ha; 2024 P2 0.8 + P9 0.5 (P10 deleted since, P11 a draft);
    // 2025 P3 2.0 (from reserved) + P5 0.4; 2026 P5 again 0.4 (reopened in 2025).
    for (y, count, ha) in [
        (2023, 1, 0.3),
        (2024, 2, 1.3),
        (2025, 2, 2.4),
        (2026, 1, 0.4),
    ] {
        let e = year(t, y);
        let got = (
            e["sold_count"].as_u64().unwrap(),
            e["sold_hectares"].as_f64().unwrap(),
        );
        assert_eq!(got, (count, ha), "{y}");
    }
    assert_eq!(year(t, 2022)["sold_count"], 0);
    assert_eq!(year(t, 2024)["reserved_count"], 1);
    assert_eq!(year(t, 2024)["reserved_hectares"], 2.0);
    assert_eq!(year(t, 2024)["mean_deal_hectares"], 0.65);
    assert_eq!(year(t, 2025)["rolling_3y_hectares"], 1.3333);
    assert_eq!(year(t, 2026)["rolling_3y_hectares"], 1.3667);
    assert_eq!(year(t, 2025)["rolling_5y_hectares"], 0.8);
    assert_eq!(year(t, 2026)["partial"], true);
    assert_eq!(year(t, 2025)["partial"], false);
    // Complete years before 2026: 5 years 2021–2025 = 4.0 ha / 5, 3 years = 4.0 / 3.
    assert_eq!(t["take_up"]["mean_sold_ha_5y"], 0.8);
    assert_eq!(t["take_up"]["mean_sold_ha_3y"], 1.3333);
    assert_eq!(t["take_up"]["mean_deal_hectares_5y"], 0.8);
    // Reichweite: 6.2 ha immediately available ÷ 0.8 ha a year; ÷ 1.3333.
    assert_eq!(t["reichweite"]["years_5y"], 7.75);
    assert_eq!(t["reichweite"]["years_3y"], 4.65);
    // Prices of supply with a price: GE P6 15.00, P12 18.00–19.00; GI P4 20.00–25.00.
    let prices = t["prices"].as_array().unwrap();
    let ge = prices.iter().find(|p| p["zoning"] == "GE").unwrap();
    assert_eq!(ge["count"], 2);
    assert_eq!(ge["min_eur_m2"], 15.0);
    assert_eq!(ge["median_eur_m2"], 16.5);
    assert_eq!(ge["max_eur_m2"], 19.0);
    let gi = prices.iter().find(|p| p["zoning"] == "GI").unwrap();
    assert_eq!(
        (gi["min_eur_m2"].clone(), gi["max_eur_m2"].clone()),
        (json!(20.0), json!(25.0))
    );
    assert!(
        prices.iter().all(|p| p["zoning"] != "MI"),
        "MI only on request"
    );
    assert!(r["definitions"]["reichweite"]
        .as_str()
        .unwrap()
        .contains('÷'));

    // Per municipality: P9 moved to B before it was sold, so its sale counts for B.
    let ga = group(&r, &a.to_string());
    let gb = group(&r, &b.to_string());
    assert_eq!(count_ha(ga), (json!(4), json!(8.3)));
    assert_eq!(count_ha(gb), (json!(1), json!(15.0)));
    assert_eq!(year(ga, 2024)["sold_hectares"], 0.8);
    assert_eq!(year(gb, 2024)["sold_hectares"], 0.5);
    assert_eq!(year(ga, 2025)["sold_hectares"], 2.0);
    assert_eq!(year(gb, 2026)["sold_count"], 1);

    // Per estate: P3 (2 ha sold in 2025) is the estate's only plot.
    let r = report(&app, "as_of=2026-06-30&group_by=estate").await;
    assert_eq!(
        year(group(&r, &estate.to_string()), 2025)["sold_hectares"],
        2.0
    );
    let r = report(&app, "as_of=2026-06-30&group_by=zoning").await;
    assert_eq!(group(&r, "MI")["supply"]["hectares"], 0.9);

    // 2024-12-31: P3 reserved (not supply), P5 still on offer, P12 still a draft, and P10's
    // sale (deleted only in 2025) counts: 2024 = P2 0.8 + P9 0.5 + P10 0.7.
    let r = report(&app, "as_of=2024-12-31").await;
    let t = &r["total"];
    assert_eq!(count_ha(t), (json!(5), json!(23.5)));
    assert_eq!(
        bucket(&t["supply"]["by_availability"], "immediately"),
        (2, 6.4)
    );
    assert_eq!(t["reserved"]["count"], 1);
    assert_eq!(t["reserved"]["hectares"], 2.0);
    assert_eq!(year(t, 2024)["sold_count"], 3);
    assert_eq!(year(t, 2024)["sold_hectares"], 2.0);
    // 2019–2023: 0.3 ha / 5 = 0.06; 2021–2023: 0.1. Reichweite 6.4 ÷ 0.06, 6.4 ÷ 0.1.
    assert_eq!(t["take_up"]["mean_sold_ha_5y"], 0.06);
    assert_eq!(t["reichweite"]["years_5y"], 106.67);
    assert_eq!(t["reichweite"]["years_3y"], 64.0);

    // 2023-12-31: P9 still in A.
    let r = report(&app, "as_of=2023-12-31").await;
    assert_eq!(count_ha(group(&r, &a.to_string())), (json!(7), json!(12.1)));
    assert_eq!(count_ha(group(&r, &b.to_string())), (json!(2), json!(15.4)));

    // Today: as on 2026-06-30 (nothing changed since); the CSV says the same.
    let today = report(&app, "").await;
    let then = report(&app, "as_of=2026-06-30").await;
    assert_eq!(today["total"]["supply"], then["total"]["supply"]);
    let csv = app.get_staff("/monitoring?as_of=2026-06-30&f=csv").await;
    assert_eq!(csv.status(), 200);
    let media_type = csv.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(media_type.starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let total: Vec<&str> = lines.next().unwrap().split(',').collect();
    let cell = |name: &str| total[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(cell("group"), "total");
    assert_eq!(cell("supply_ha"), "23.3");
    assert_eq!(cell("availability_immediately_ha"), "6.2");
    assert_eq!(cell("sold_2025_ha"), "2.4");
    assert_eq!(cell("reichweite_years_5y"), "7.75");
    assert_eq!(
        text.lines().count(),
        4,
        "the header, the region and two towns"
    );

    // The states rebuilt from the history alone (as migration 000009 does for an existing
    // database) are the states the writes made: 13 plots created, 13 changes.
    assert_eq!(states_written_and_rebuilt(&app).await, 13 + 13);
}

#[derive(QueryableByName, Debug, PartialEq)]
struct StateLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

/// The states as the writes left them and as `gwf_backfill_plot_states` rebuilds them from
/// the history; asserts they are equal and returns how many there are.
pub(crate) async fn states_written_and_rebuilt(app: &TestApp) -> usize {
    let mut conn = app.db().await;
    let query = "SELECT concat_ws('|', plot_id, valid_from, valid_to, status, published, deleted, \
                 municipality_id, estate_id, zoning, servicing, bplan_status, owner_type, \
                 available_from, area_m2, price_on_request, price_min_ct, price_max_ct, \
                 prev_status, prev_listed) AS line FROM plot_states ORDER BY plot_id, valid_from";
    let written: Vec<StateLine> = diesel::sql_query(query).load(&mut conn).await.unwrap();
    conn.batch_execute(
        "BEGIN; DELETE FROM plot_states; SELECT gwf_backfill_plot_states(); COMMIT;",
    )
    .await
    .unwrap();
    let rebuilt: Vec<StateLine> = diesel::sql_query(query).load(&mut conn).await.unwrap();
    assert_eq!(written, rebuilt);
    written.len()
}

#[tokio::test]
async fn states_rebuilt_from_api_writes_match_the_written_ones() {
    let app = spawn_app().await;
    let (a, estate) = app.place().await;
    let b = app.other_municipality().await;
    let created = app.create_plot(&plot_body("W-1", a, Some(estate))).await;
    let key = created["id"].as_i64().unwrap();
    let mut version = created["version"].as_i64().unwrap();
    let patches = [
        json!({"status": "reserved"}),
        json!({"price_min_eur_m2": "13.10", "price_max_eur_m2": null}),
        json!({"municipality_id": b, "estate_id": null}),
        json!({"geometry": {"type": "Polygon", "coordinates": [square(11.5, 53.33, 0.0013)]},
               "area_stated_m2": null}),
        json!({"status": "sold", "owner_type": "public"}),
        json!({"title_de": "Nur der Titel"}),
        json!({"price_on_request": true, "price_min_eur_m2": null}),
    ];
    for patch in patches {
        let response = app
            .client
            .patch(app.url(&format!("/plots/{key}")))
            .bearer_auth(TOKEN)
            .header("If-Match", format!("\"{version}\""))
            .header("Content-Type", "application/merge-patch+json")
            .json(&patch)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{patch}: {body}");
        version = body["version"].as_i64().unwrap();
    }
    for action in ["unpublish", "delete", "restore"] {
        let request = if action == "delete" {
            app.client.delete(app.url(&format!("/plots/{key}")))
        } else {
            app.client.post(app.url(&format!("/plots/{key}/{action}")))
        };
        let response = request
            .bearer_auth(TOKEN)
            .header("If-Match", format!("\"{version}\""))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{action}: {}",
            response.status()
        );
        version += 1;
    }
    // Create, publish, 6 changes of monitored facts (not the title), unpublish, delete, restore.
    assert_eq!(states_written_and_rebuilt(&app).await, 11);
}

#[tokio::test]
async fn monitoring_is_for_staff_unless_published_and_checks_its_parameters() {
    let app = spawn_app().await;
    app.place().await;
    assert_problem(app.get("/monitoring").await, 401).await;
    assert_eq!(app.get_staff("/monitoring").await.status(), 200);
    for bad in [
        "as_of=2999-01-01",
        "as_of=31.12.2024",
        "as_of=1989-12-31",
        "group_by=town",
        "f=xml",
        "colour=red",
    ] {
        assert_problem(app.get_staff(&format!("/monitoring?{bad}")).await, 400).await;
    }
    assert_problem(app.get_staff("/monitoring?region=elsewhere").await, 404).await;

    let public = spawn_bare(
        app.database_url.clone(),
        &[("GWF_MONITORING_PUBLIC", "true")],
    )
    .await;
    let response = public.get("/monitoring?region=test-region").await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["total"]["supply"]["count"], 0);
}
