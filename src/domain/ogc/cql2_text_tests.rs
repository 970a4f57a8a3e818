//! Tests of the cql2-text parser (`cql2_text`).
use super::*;
use crate::domain::ogc::crs::OgcCrs;
use crate::domain::ogc::{queryables, Collection};

fn parse(text: &str) -> Result<Filter, FilterError> {
    parse_text(
        text,
        Context::new(queryables(Collection::Plots), OgcCrs::CRS84),
    )
}

#[test]
fn basic_and_advanced() {
    let f = parse("status = 'available' AND (area_m2 >= 10000 OR rail_siding = TRUE) AND NOT reference LIKE 'GRA%'").unwrap();
    let Filter::And(parts) = f else { panic!() };
    assert_eq!(parts.len(), 3);
    assert!(matches!(parts[2], Filter::Not(_)));
    assert!(matches!(
        parse("zoning IN ('GI','GE') AND price_min_eur_m2 BETWEEN 5 AND 20.5").unwrap(),
        Filter::And(_)
    ));
    assert!(matches!(
        parse("estate_id IS NOT NULL").unwrap(),
        Filter::Not(_)
    ));
    assert!(matches!(
        parse("updated_at > TIMESTAMP('2024-01-01T00:00:00Z')").unwrap(),
        Filter::Compare(_, CompareOp::Gt, Value::Timestamp(_))
    ));
    match parse("price_min_eur_m2 < 12.5").unwrap() {
        Filter::Compare(_, _, Value::Number(n)) => assert_eq!(n, 1250.0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn spatial() {
    let f = parse("S_INTERSECTS(geometry, BBOX(11.4, 53.2, 11.7, 53.4))").unwrap();
    assert!(matches!(f, Filter::Spatial(SpatialOp::Intersects, _, _)));
    assert!(parse("s_within(geometry, POLYGON((11 53, 12 53, 12 54, 11 54, 11 53)))").is_ok());
    assert!(parse("S_INTERSECTS(geometry, POINT(11.5 53.3))").is_ok());
    let lat_lon = OgcCrs::parse("EPSG:4326").unwrap();
    let Filter::Spatial(_, _, g) = parse_text(
        "S_INTERSECTS(geometry, POINT(53.3 11.5))",
        Context::new(queryables(Collection::Plots), lat_lon),
    )
    .unwrap() else {
        panic!()
    };
    assert!(g.geojson.contains("[11.5,53.3]"));
    let f = parse("S_DWITHIN(geometry, POINT(11.5 53.3), 250.5)").unwrap();
    assert!(matches!(f, Filter::WithinDistance(_, _, m) if m == 250.5));
    let e = parse("S_DWITHIN(geometry, POINT(11.5 53.3), -3)").unwrap_err();
    assert!(e.detail.contains("metres"), "{e:?}");
    assert!(parse("S_DWITHIN(geometry, POINT(11.5 53.3))").is_err());
}

#[test]
fn errors_name_the_position() {
    let e = parse("status = 'available' AND colour = 'red'").unwrap_err();
    assert_eq!(e.position, "character 26");
    assert!(e.detail.contains("unknown property"));
    assert_eq!(
        parse("area_m2 >= 'big'").unwrap_err().position,
        "character 12"
    );
    assert_eq!(
        parse("status = 'open").unwrap_err().position,
        "character 10"
    );
    assert!(parse("status = 'x' )").is_err());
    assert!(parse("").is_err());
    assert!(parse("status = 'available' AND").is_err());
    assert!(parse("S_INTERSECTS(geometry, POLYGON((1 1, 2 2, 1 1)))").is_err());
}

#[test]
fn bounded() {
    let deep = format!("{}status = 'sold'{}", "(".repeat(50), ")".repeat(50));
    assert!(parse(&deep).unwrap_err().detail.contains("nested"));
    let nots = format!("{}status = 'sold'", "NOT ".repeat(50));
    assert!(parse(&nots).unwrap_err().detail.contains("nested"));
    let long = "x".repeat(MAX_FILTER_BYTES + 1);
    assert!(parse(&long).is_err());
    let wide = vec!["id = 1"; 600].join(" OR ");
    assert!(parse(&wide).unwrap_err().detail.contains("more than"));
}
