//! Investor search against a fixture with known answers.

mod outputs;

use std::collections::BTreeSet;

use diesel::sql_types::{BigInt, Double};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;

/// Lower-left corners of the fixture plots (EPSG:4326); each square is 0.001° wide.
const LON: f64 = 11.50;
const LAT: f64 = 53.30;

struct Fixture {
    app: TestApp,
    municipality: i64,
    estate: i64,
    other_municipality: i64,
}

fn at(dx: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [square(LON + dx, LAT, 0.001)]})
}

/// Seven published plots and one draft with deliberately different attributes.
async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    let other_municipality = app.other_municipality().await;
    let plots = vec![
        json!({"reference": "S-001", "zoning": "GI", "status": "available", "area_stated_m2": 20000,
               "price_min_eur_m2": "10.00", "rail_siding": true, "broadband_mbit": 1000, "dist_motorway_km": 2.0,
               "grw_area": true, "grw_max_rate_small_pct": 40, "servicing": "full",
               "title_de": "Logistikfläche an der A14", "title_en": "Logistics site on the A14",
               "geometry": at(0.0), "estate_id": estate}),
        json!({"reference": "S-002", "zoning": "GE", "status": "reserved", "area_stated_m2": 5000,
               "price_min_eur_m2": "20.00", "price_max_eur_m2": "25.00", "broadband_mbit": 100, "dist_motorway_km": 10.0,
               "grw_area": false, "grw_max_rate_small_pct": null, "servicing": "partial",
               "title_de": "Handwerkerhof", "title_en": "Craft yard", "geometry": at(0.002), "estate_id": estate}),
        json!({"reference": "S-003", "zoning": "GE-e", "status": "available", "area_stated_m2": null,
               "price_on_request": true, "price_min_eur_m2": null, "price_max_eur_m2": null, "dist_motorway_km": null,
               "title_de": "Büro und Gewerbe", "title_en": "Office and business",
               "description_de": "Ruhige Lage mit Teich", "servicing": "full",
               "geometry": {"type": "Polygon", "coordinates": [square(LON + 0.004, LAT, 0.001), square(LON + 0.0043, LAT + 0.0003, 0.0004)]}}),
        json!({"reference": "S-004", "zoning": "SO", "status": "planned", "available_from": "2027-06-01", "area_stated_m2": 100000,
               "price_min_eur_m2": "15.00", "dist_motorway_km": 1.0, "title_de": "Energiepark", "title_en": "Energy park",
               "servicing": "none",
               "geometry": {"type": "MultiPolygon", "coordinates": [[square(LON + 0.006, LAT, 0.001)], [square(LON + 0.0075, LAT, 0.0005)]]}}),
        json!({"reference": "S-005", "zoning": "GI", "status": "sold", "area_stated_m2": 30000, "price_min_eur_m2": "8.00",
               "title_de": "Verkaufte Industriefläche", "servicing": "full", "geometry": at(0.009)}),
        json!({"reference": "S-006", "zoning": "MI", "status": "available", "area_stated_m2": 3000, "price_min_eur_m2": "5.00",
               "published": false, "title_de": "Entwurf", "servicing": "full", "geometry": at(0.011)}),
        json!({"reference": "S-007", "zoning": "GE", "status": "available", "area_stated_m2": 5000, "price_min_eur_m2": "12.00",
               "title_de": "Gewerbefläche Grabow", "servicing": "full", "geometry": at(0.013), "municipality_id": "OTHER"}),
        json!({"reference": "S-008", "zoning": "GE", "status": "available", "area_stated_m2": 5000, "price_min_eur_m2": "12.00",
               "title_de": "Zweite Fläche gleicher Größe", "servicing": "full", "geometry": at(0.015)}),
    ];
    for overrides in plots {
        let mut body = plot_body("X", municipality, None);
        for (k, v) in overrides.as_object().unwrap() {
            body[k] = v.clone();
        }
        if body["municipality_id"] == "OTHER" {
            body["municipality_id"] = other_municipality.into();
        }
        app.create_plot(&body).await;
    }
    Fixture {
        app,
        municipality,
        estate,
        other_municipality,
    }
}

async fn refs(app: &TestApp, query: &str) -> Vec<String> {
    let response = app.get(&format!("/plots?{query}")).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{query}: {body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reference"].as_str().unwrap().to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

async fn ref_set(app: &TestApp, query: &str) -> BTreeSet<String> {
    refs(app, query).await.into_iter().collect()
}

#[tokio::test]
async fn every_filter_has_a_known_answer() {
    let f = fixture().await;
    let app = &f.app;
    let all_public = [
        "S-001", "S-002", "S-003", "S-004", "S-005", "S-007", "S-008",
    ];
    let cases: Vec<(String, Vec<&str>)> = vec![
        ("".into(), all_public.to_vec()),
        (
            "status=available".into(),
            vec!["S-001", "S-003", "S-007", "S-008"],
        ),
        ("status=reserved,sold".into(), vec!["S-002", "S-005"]),
        ("zoning=GI".into(), vec!["S-001", "S-005"]),
        ("zoning=GE-e,SO".into(), vec!["S-003", "S-004"]),
        ("servicing=partial,none".into(), vec!["S-002", "S-004"]),
        (
            format!("municipality={}", f.other_municipality),
            vec!["S-007"],
        ),
        (
            format!("municipality={},{}", f.municipality, f.other_municipality),
            all_public.to_vec(),
        ),
        (format!("estate={}", f.estate), vec!["S-001", "S-002"]),
        ("area_min=20000".into(), vec!["S-001", "S-004", "S-005"]),
        (
            "area_min=5000&area_max=20000".into(),
            vec!["S-001", "S-002", "S-003", "S-007", "S-008"],
        ),
        (
            "max_price=12".into(),
            vec!["S-001", "S-005", "S-007", "S-008"],
        ),
        (
            "max_price=12&price_on_request=true".into(),
            vec!["S-001", "S-003", "S-005", "S-007", "S-008"],
        ),
        ("rail_siding=true".into(), vec!["S-001"]),
        ("min_broadband_mbit=500".into(), vec!["S-001"]),
        ("max_dist_motorway_km=5".into(), vec!["S-001", "S-004"]),
        (
            "available_by=2027-01-01".into(),
            vec!["S-001", "S-003", "S-007", "S-008"],
        ),
        (
            "available_by=2027-12-31".into(),
            vec!["S-001", "S-003", "S-004", "S-007", "S-008"],
        ),
        ("grw_area=false".into(), vec!["S-002"]),
        ("q=Logistikflächen".into(), vec!["S-001"]),
        ("q=logistics".into(), vec!["S-001"]),
        ("q=Teich".into(), vec!["S-003"]),
        ("q=s-004".into(), vec!["S-004"]),
        ("q=%22Zweite%20Fl%C3%A4che%22".into(), vec!["S-008"]),
        (
            "zoning=GI,GE&status=available&max_price=11".into(),
            vec!["S-001"],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(ref_set(app, &query).await, set(&expected), "{query}");
    }
    // Staff see the draft too.
    let staff: Value = app
        .get_staff("/plots?zoning=MI")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff["items"][0]["reference"], "S-006");
}

#[tokio::test]
async fn bbox_edge_cases() {
    let f = fixture().await;
    let app = &f.app;
    let bbox = |a: f64, b: f64, c: f64, d: f64| format!("bbox={a},{b},{c},{d}");
    // Shares only the right edge of S-001 (x = LON + 0.001): touching counts as intersecting.
    assert_eq!(
        ref_set(app, &bbox(LON + 0.001, LAT, LON + 0.0015, LAT + 0.001)).await,
        set(&["S-001"])
    );
    // Lies inside the hole of S-003: the hole is not part of the plot.
    assert_eq!(
        ref_set(
            app,
            &bbox(LON + 0.0044, LAT + 0.0004, LON + 0.0046, LAT + 0.0006)
        )
        .await,
        set(&[])
    );
    // Covers only the second part of the MultiPolygon S-004.
    assert_eq!(
        ref_set(
            app,
            &bbox(LON + 0.0076, LAT + 0.0001, LON + 0.0078, LAT + 0.0002)
        )
        .await,
        set(&["S-004"])
    );
    // Everything west of S-003.
    assert_eq!(
        ref_set(app, &bbox(LON - 1.0, LAT - 1.0, LON + 0.0035, LAT + 1.0)).await,
        set(&["S-001", "S-002"])
    );
}

#[derive(QueryableByName)]
struct Distance {
    #[diesel(sql_type = Double)]
    d: f64,
}

#[tokio::test]
async fn near_search_returns_true_distances_in_order() {
    let f = fixture().await;
    let app = &f.app;
    let (lon, lat) = (LON - 0.01, LAT + 0.0005);
    let body: Value = app
        .get(&format!("/plots?near={lon},{lat}&radius_m=1400"))
        .await
        .json()
        .await
        .unwrap();
    let items = body["items"].as_array().unwrap();
    let got: Vec<&str> = items
        .iter()
        .map(|p| p["reference"].as_str().unwrap())
        .collect();
    // Sorted by distance by default; S-005 (≈1.27 km) inside, S-007 (≈1.54 km) outside.
    assert_eq!(got, ["S-001", "S-002", "S-003", "S-004", "S-005"]);
    let mut conn = app.db().await;
    for item in items {
        let expected: Distance = diesel::sql_query(
            "SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS d FROM plots WHERE id = $3",
        )
        .bind::<Double, _>(lon)
        .bind::<Double, _>(lat)
        .bind::<BigInt, _>(item["id"].as_i64().unwrap())
        .get_result(&mut conn)
        .await
        .unwrap();
        let distance = item["distance_m"].as_f64().unwrap();
        assert!(
            (distance - expected.d).abs() <= 0.05,
            "{}: {distance} vs {}",
            item["reference"],
            expected.d
        );
    }
    let desc = refs(
        app,
        &format!("near={lon},{lat}&radius_m=1400&sort=-distance"),
    )
    .await;
    assert_eq!(desc, ["S-005", "S-004", "S-003", "S-002", "S-001"]);
}

#[tokio::test]
async fn drawn_areas_with_holes_and_relations() {
    let f = fixture().await;
    let app = &f.app;
    let search = |body: Value| {
        let app = &f.app;
        async move {
            let response = app
                .client
                .post(app.url("/plots/search"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            assert_eq!(status, 200, "{body}");
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["reference"].as_str().unwrap().to_owned())
                .collect::<BTreeSet<_>>()
        }
    };
    // A drawn area around S-001..S-003 with a hole exactly around S-002: S-002 touches the
    // hole's boundary (intersects) but is not within.
    let outer = square(LON - 0.0005, LAT - 0.0005, 0.006);
    let hole = square(LON + 0.002, LAT, 0.001);
    let area = json!({"type": "Polygon", "coordinates": [outer, hole]});
    assert_eq!(
        search(json!({"geometry": area, "relation": "intersects"})).await,
        set(&["S-001", "S-002", "S-003"])
    );
    assert_eq!(
        search(json!({"geometry": area, "relation": "within"})).await,
        set(&["S-001", "S-003"])
    );
    // A hole strictly larger than S-002 removes it from intersects too.
    let big_hole = square(LON + 0.0018, LAT - 0.0002, 0.0014);
    let area = json!({"type": "Polygon", "coordinates": [square(LON - 0.0005, LAT - 0.0005, 0.006), big_hole]});
    assert_eq!(
        search(json!({"geometry": area})).await,
        set(&["S-001", "S-003"])
    );
    // Filters combine with the area; lists may be arrays in the body.
    let area =
        json!({"type": "Polygon", "coordinates": [square(LON - 0.0005, LAT - 0.0005, 0.02)]});
    assert_eq!(
        search(json!({"geometry": area, "status": ["available"], "zoning": "GE,GI"})).await,
        set(&["S-001", "S-007", "S-008"])
    );
    // Invalid GeoJSON names the member.
    let response = app
        .client
        .post(app.url("/plots/search"))
        .json(&json!({"geometry": {"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]}}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 400).await;
    assert_eq!(pointers(&problem), ["/geometry/coordinates/0"]);
}

#[tokio::test]
async fn sorting_is_stable_and_puts_prices_on_request_last() {
    let f = fixture().await;
    let app = &f.app;
    assert_eq!(
        refs(app, "sort=price").await,
        ["S-005", "S-001", "S-007", "S-008", "S-004", "S-002", "S-003"]
    );
    assert_eq!(
        refs(app, "sort=-price").await,
        ["S-002", "S-004", "S-008", "S-007", "S-001", "S-005", "S-003"]
    );
    assert_eq!(
        refs(app, "sort=-area&status=available").await[..2],
        ["S-001", "S-003"]
    );
    assert_eq!(
        refs(app, "sort=-reference&zoning=GE").await,
        ["S-008", "S-007", "S-002"]
    );
}

#[tokio::test]
async fn cursor_paging_visits_every_plot_once_in_every_sort() {
    let f = fixture().await;
    let app = &f.app;
    // The total names the area of every match, not of the page (a portal shows it as "… ha in all").
    let all: Value = app.get("/plots?limit=100").await.json().await.unwrap();
    let area: f64 = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["area_m2"].as_f64().unwrap())
        .sum();
    let total = json!({"value": 7, "relation": "eq", "area_m2": (area * 10.0).round() / 10.0});
    for sort in [
        "price",
        "-price",
        "area",
        "-area",
        "updated",
        "reference",
        "-reference",
    ] {
        let full = refs(app, &format!("sort={sort}")).await;
        let mut paged = Vec::new();
        let mut url = Some(app.url(&format!("/plots?sort={sort}&limit=2&count=exact")));
        while let Some(u) = url {
            let page: Value = app
                .client
                .get(&u)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(page["total"], total);
            paged.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["reference"].as_str().unwrap().to_owned()),
            );
            url = page["links"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["rel"] == "next")
                .map(|l| l["href"].as_str().unwrap().to_owned());
        }
        assert_eq!(paged, full, "sort={sort}");
    }
}

#[tokio::test]
async fn bad_search_input_names_the_parameter() {
    let f = fixture().await;
    let app = &f.app;
    for (query, name) in [
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=12,54,11,53", "bbox"),
        ("bbox=11,53,190,54", "bbox"),
        ("near=11.5,53.3&radius_m=600000", "radius_m"),
        ("near=11.5&radius_m=10", "near"),
        ("near=11.5,53.3", "radius_m"),
        ("sort=colour", "sort"),
        ("sort=distance", "sort"),
        ("limit=5000", "limit"),
        ("status=for_sale", "status"),
        ("zoning=GX", "zoning"),
        ("max_price=cheap", "max_price"),
        ("area_min=-5", "area_min"),
        ("fields=reference,secret", "fields"),
        ("f=xlsx", "f"),
        ("count=maybe", "count"),
        ("geometry_form=hull", "geometry_form"),
        ("cursor=00", "cursor"),
    ] {
        let problem = assert_problem(app.get(&format!("/plots?{query}")).await, 400).await;
        assert!(
            pointers(&problem).contains(&name.to_owned()),
            "{query}: {problem}"
        );
    }
}

#[tokio::test]
async fn fields_and_geometry_forms() {
    let f = fixture().await;
    let app = &f.app;
    let page: Value = app
        .get("/plots?fields=reference,status&geometry_form=centroid&f=geojson&limit=1")
        .await
        .json()
        .await
        .unwrap();
    let feature = &page["features"][0];
    assert_eq!(feature["geometry"]["type"], "Point");
    let keys: BTreeSet<_> = feature["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, set(&["id", "reference", "status"]));
    let page: Value = app
        .get("/plots?geometry_form=none&limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert!(page["items"][0].get("geometry").is_none());
    let page: Value = app
        .get("/plots?geometry_form=simplified&limit=1&f=geojson")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["features"][0]["geometry"]["type"], "MultiPolygon");
}

#[derive(QueryableByName)]
struct Plan {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

async fn plan(app: &TestApp, query: &str) -> String {
    use gewerbeflaechen::domain::access::{PlotSet, ReadScope};
    let params: gewerbeflaechen::api::plots::params::SearchParams =
        serde_urlencoded::from_str(query).unwrap();
    let query = params.into_query(None).unwrap();
    let mut sql = gewerbeflaechen::db::sql::Sql::default();
    sql.add("EXPLAIN ");
    sql.add(gewerbeflaechen::db::search::page_sql(
        &query,
        &PlotSet::Readable(ReadScope::Public),
        100,
        gewerbeflaechen::db::search::Covers::With,
    ));
    let mut conn = app.db().await;
    let lines: Vec<Plan> = sql.untyped().load(&mut conn).await.unwrap();
    lines
        .into_iter()
        .map(|l| l.line)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn bbox_and_near_searches_use_the_gist_indexes() {
    let f = fixture().await;
    // A table big enough for the planner's real choice: 5,000 small plots over Germany.
    let mut conn = f.app.db().await;
    diesel::sql_query(
        "INSERT INTO plots (reference, title_de, municipality_id, geom, area_geodesic_m2, status, zoning, \
         bplan_status, servicing, offer, data_confirmed_on, published, price_min_ct) \
         SELECT 'B-' || g, 'Fläche ' || g, $1, geom, ST_Area(geom::geography), 'available', 'GE', 'none', \
         'full', 'sale', '2026-01-01', true, 1000 FROM (SELECT g, ST_Multi(ST_MakeEnvelope( \
         6 + (g % 100) * 0.09, 47.5 + (g / 100) * 0.09, 6.001 + (g % 100) * 0.09, 47.501 + (g / 100) * 0.09, \
         4326)) AS geom FROM generate_series(1, 5000) g) s",
    )
    .bind::<BigInt, _>(f.municipality)
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query("ANALYZE plots")
        .execute(&mut conn)
        .await
        .unwrap();
    let bbox = plan(&f.app, "bbox=9.0,50.0,9.3,50.2").await;
    assert!(bbox.contains("plots_geom_gist"), "{bbox}");
    let near = plan(&f.app, "near=9.1,50.1&radius_m=5000").await;
    assert!(near.contains("plots_geog_gist"), "{near}");
    assert!(!bbox.contains("Seq Scan on plots") && !near.contains("Seq Scan on plots"));
}

#[tokio::test]
async fn hostile_search_text_is_only_text() {
    let f = fixture().await;
    let app = &f.app;
    for q in [
        "it's",
        "'; DROP TABLE plots; --",
        "$1 $2",
        "\\' OR 1=1 --",
        "\"unclosed",
        "Logistik & | ! ( )",
    ] {
        let encoded: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let response = app.get(&format!("/plots?q={encoded}")).await;
        assert_eq!(response.status(), 200, "{q}");
    }
    assert_eq!(refs(app, "").await.len(), 7, "the table is intact");
}

/// Rows carry vocabularies as their enums: a stored value the service does not know (a CHECK
/// constraint widened behind its back) is an error, never a silent default.
#[tokio::test]
async fn unknown_stored_values_are_errors_not_defaults() {
    let f = fixture().await;
    let mut conn = f.app.db().await;
    use diesel_async::SimpleAsyncConnection;
    conn.batch_execute(
        "ALTER TABLE plots DROP CONSTRAINT plots_status_check; \
         UPDATE plots SET status = 'auctioned' WHERE reference = 'S-002'",
    )
    .await
    .unwrap();
    let response = f.app.get("/plots/S-002").await;
    let problem = assert_problem(response, 500).await;
    assert!(
        !problem.to_string().contains("auctioned"),
        "internals stay in the log: {problem}"
    );
    assert_eq!(f.app.get("/plots/S-001").await.status(), 200);
}
