//! The search's other outputs: CSV that parses back, facets that add up, compare in the order asked.

use super::*;

/// Splits RFC 4180 text (quotes, doubled quotes, CRLF) into rows of cells.
fn parse_csv(text: &str, separator: char) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (c, false) if c == separator => row.push(std::mem::take(&mut cell)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => cell.push(c),
        }
    }
    rows
}

#[tokio::test]
async fn csv_parses_back_to_the_same_rows() {
    let f = fixture().await;
    let app = &f.app;
    let json: Value = app.get("/plots?sort=reference").await.json().await.unwrap();
    let response = app.get("/plots?sort=reference&f=csv&limit=1").await;
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let rows = parse_csv(&response.text().await.unwrap(), ',');
    let header = &rows[0];
    assert_eq!(rows.len() - 1, 7, "CSV is the whole result, not a page");
    for (row, plot) in rows[1..].iter().zip(json["items"].as_array().unwrap()) {
        let cell = |name: &str| row[header.iter().position(|h| h == name).unwrap()].clone();
        assert_eq!(cell("reference"), plot["reference"]);
        assert_eq!(cell("title_de"), plot["title_de"]);
        assert_eq!(
            cell("area_m2").parse::<f64>().unwrap(),
            plot["area_m2"].as_f64().unwrap()
        );
        assert_eq!(
            cell("price_min_eur_m2"),
            plot["price_min_eur_m2"].as_str().unwrap_or("")
        );
        assert!(cell("lon").parse::<f64>().is_ok() && cell("lat").parse::<f64>().is_ok());
        assert!(!header.contains(&"internal_notes".to_owned()));
    }

    let excel = app
        .get("/plots?sort=reference&f=csv-excel&fields=reference,title_de,area_m2,price_min_eur_m2")
        .await;
    let bytes = excel.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let rows = parse_csv(&text, ';');
    assert_eq!(
        rows[0],
        [
            "id",
            "reference",
            "title_de",
            "area_m2",
            "price_min_eur_m2",
            "lon",
            "lat"
        ]
    );
    let first = &rows[1];
    assert_eq!(first[1], "S-001");
    assert_eq!(first[2], "Logistikfläche an der A14");
    assert_eq!(first[3], "20000");
    assert_eq!(first[4], "10,00");
    assert!(first[5].contains(','), "decimal comma in {first:?}");
}

#[tokio::test]
async fn facets_add_up_to_the_total() {
    let f = fixture().await;
    let app = &f.app;
    for query in ["", "status=available,reserved", "zoning=GE", "max_price=12"] {
        let facets: Value = app
            .get(&format!("/plots/facets?{query}"))
            .await
            .json()
            .await
            .unwrap();
        let results = ref_set(app, query).await;
        let total = facets["total"]["count"].as_i64().unwrap();
        assert_eq!(total, results.len() as i64, "{query}");
        for facet in ["status", "zoning", "municipality"] {
            let values = facets[facet].as_array().unwrap();
            let count: i64 = values.iter().map(|v| v["count"].as_i64().unwrap()).sum();
            let area: f64 = values.iter().map(|v| v["area_m2"].as_f64().unwrap()).sum();
            assert_eq!(count, total, "{facet} {query}");
            assert!(
                (area - facets["total"]["area_m2"].as_f64().unwrap()).abs() < 1.0,
                "{facet} {query}"
            );
        }
    }
    let facets: Value = app.get("/plots/facets").await.json().await.unwrap();
    let available = facets["status"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["value"] == "available")
        .unwrap();
    assert_eq!(
        available["count"], 4,
        "the draft S-006 is not counted for the public"
    );
}

#[tokio::test]
async fn compare_returns_plots_in_the_order_asked() {
    let f = fixture().await;
    let app = &f.app;
    let plots: Value = app
        .get("/plots/compare?plots=S-004,s-001,S-002")
        .await
        .json()
        .await
        .unwrap();
    let got: Vec<_> = plots
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reference"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["S-004", "S-001", "S-002"]);
    assert_problem(app.get("/plots/compare?plots=S-001,S-006").await, 404).await;
}
