//! CQL2 filters (OGC API – Features Part 3) in text and JSON, and their refusals.

use super::*;

#[tokio::test]
async fn cql2_filters() {
    let (app, _, _) = fixture().await;
    let text = |filter: &str| format!("filter={}", urlencode(filter));
    let cases = [
        ("status = 'available' AND area_m2 >= 10000", vec!["O-001", "O-005"]),
        ("status <> 'available' OR rail_siding = TRUE", vec!["O-001", "O-002", "O-004"]),
        ("NOT status IN ('available', 'sold')", vec!["O-002"]),
        ("area_m2 BETWEEN 7000 AND 13000", vec!["O-003", "O-005"]),
        ("reference LIKE 'O-00%' AND estate_id IS NOT NULL AND available_from IS NULL AND id > 0", vec!["O-001", "O-002", "O-003", "O-004", "O-005"]),
        ("price_min_eur_m2 < 13", vec!["O-001", "O-002", "O-003", "O-004", "O-005"]),
        (&format!("S_INTERSECTS(geometry, POINT({} {}))", LON + 0.0045, LAT + 0.0005), vec!["O-003"]),
        (&format!("S_INTERSECTS(geometry, BBOX({}, {}, {}, {}))", LON + 0.0065, LAT, LON + 0.0085, LAT + 0.001), vec!["O-004", "O-005"]),
        (&format!("S_WITHIN(geometry, POLYGON(({a} {b}, {c} {b}, {c} {d}, {a} {d}, {a} {b})))", a = LON - 0.001, b = LAT - 0.001, c = LON + 0.0035, d = LAT + 0.002), vec!["O-001", "O-002"]),
        ("updated_at > TIMESTAMP('2000-01-01T00:00:00Z')", vec!["O-001", "O-002", "O-003", "O-004", "O-005"]),
        // From O-001's corner (LON, LAT), O-002 is 0.002° of longitude away: about 133 m at 53.3° N.
        (&format!("S_DWITHIN(geometry, POINT({LON} {LAT}), 100)"), vec!["O-001"]),
        (&format!("S_DWITHIN(geometry, POINT({LON} {LAT}), 150)"), vec!["O-001", "O-002"]),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            refs(&items(&app, &text(filter)).await),
            expected,
            "{filter}"
        );
    }
    let json_filter = json!({"op": "and", "args": [
        {"op": "=", "args": [{"property": "status"}, "available"]},
        {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [LON, LAT, LON + 0.0045, LAT + 0.001]}]}
    ]});
    assert_eq!(
        refs(
            &items(
                &app,
                &format!("filter-lang=cql2-json&{}", text(&json_filter.to_string()))
            )
            .await
        ),
        ["O-001", "O-003"]
    );
    let near = json!({"op": "s_dwithin", "args": [
        {"property": "geometry"}, {"type": "Point", "coordinates": [LON + 0.008, LAT]}, 100
    ]});
    assert_eq!(
        refs(
            &items(
                &app,
                &format!("filter-lang=cql2-json&{}", text(&near.to_string()))
            )
            .await
        ),
        ["O-004", "O-005"]
    );
    for bad in [
        format!("S_DWITHIN(geometry, POINT({LON} {LAT}), -1)"),
        format!("S_DWITHIN(geometry, POINT({LON} {LAT}), 1e9)"),
        format!("S_DWITHIN(geometry, POINT({LON} {LAT}))"),
        format!("S_DWITHIN(status, POINT({LON} {LAT}), 5)"),
    ] {
        assert_problem(
            app.get(&format!("/collections/plots/items?{}", text(&bad)))
                .await,
            400,
        )
        .await;
    }
    // Geometries in another filter-crs: EPSG:4326 lat/lon.
    let lat_lon = format!(
        "S_INTERSECTS(geometry, POINT({} {}))",
        LAT + 0.0005,
        LON + 0.0045
    );
    assert_eq!(
        refs(
            &items(
                &app,
                &format!(
                    "{}&filter-crs=http://www.opengis.net/def/crs/EPSG/0/4326",
                    text(&lat_lon)
                )
            )
            .await
        ),
        ["O-003"]
    );
    // Bad filters: 400 naming the position; never a 500.
    let problem = assert_problem(
        app.get(&format!(
            "/collections/plots/items?{}",
            text("status = 'available' AND colour = 'red'")
        ))
        .await,
        400,
    )
    .await;
    assert!(
        problem["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("character 26"),
        "{problem}"
    );
    for bad in [
        "status = ",
        "area_m2 >= 'big'",
        "internal_notes = 'x'",
        "S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))",
        "reference LIKE 'ends with backslash\\'",
        &"(".repeat(100),
    ] {
        let r = app
            .get(&format!("/collections/plots/items?{}", text(bad)))
            .await;
        assert!(
            r.status() == 400 || r.status() == 200,
            "{bad}: {}",
            r.status()
        );
    }
    assert_problem(
        app.get(&format!(
            "/collections/plots/items?filter-lang=cql2-json&{}",
            text("{\"op\":\"=\"}")
        ))
        .await,
        400,
    )
    .await;
    let far = format!(
        "filter-crs=http://www.opengis.net/def/crs/EPSG/0/25833&{}",
        text("S_INTERSECTS(geometry, POINT(1e30 1e30))")
    );
    assert_problem(
        app.get(&format!("/collections/plots/items?{far}")).await,
        400,
    )
    .await;
    // Places filter too.
    let estates = json_of(
        app.get(&format!(
            "/collections/estates/items?{}",
            text("name LIKE 'GE%'")
        ))
        .await,
    )
    .await;
    assert_eq!(estates["numberReturned"], 1);
}
