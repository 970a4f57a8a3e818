use serde_json::json;

use super::*;

fn request(body: Value) -> SubscribeRequest {
    serde_json::from_value(body).unwrap()
}

#[test]
fn a_feed_only_subscription_needs_nothing_but_a_search() {
    let new = request(json!({"search": {"status": "available", "sort": "-area", "limit": 5}}))
        .check()
        .unwrap();
    assert_eq!(new.email, None);
    assert_eq!(new.language, Lang::De);
    // Output parameters are not part of what is saved.
    assert_eq!(Value::Object(new.params), json!({"status": "available"}));
}

#[test]
fn an_address_needs_consent_and_staff_parameters_are_refused() {
    let errors = request(json!({"search": {"published": false}, "email": "x@example.com"}))
        .check()
        .unwrap_err();
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(pointers, ["/search/published", "/consent"]);
    let errors = request(json!({
        "search": {}, "email": "not an address", "language": "fr",
        "consent": {"accepted": false, "version": ""}
    }))
    .check()
    .unwrap_err();
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/language",
            "/email",
            "/consent/accepted",
            "/consent/version"
        ]
    );
    assert!(request(json!({"search": []})).check().is_err());
}

#[test]
fn the_drawn_area_is_taken_apart_from_the_filters() {
    let new = request(json!({
        "search": {"geometry": {"type": "Polygon", "coordinates": []}, "relation": "within", "zoning": ["GI"]},
        "email": " erika@example.com ", "language": "en",
        "consent": {"accepted": true, "version": "2026-12"}
    }))
    .check()
    .unwrap();
    assert!(new.geometry.is_some());
    assert_eq!(new.relation, Some(json!("within")));
    assert_eq!(Value::Object(new.params), json!({"zoning": ["GI"]}));
    assert_eq!(new.email.as_deref(), Some("erika@example.com"));
    assert_eq!(new.consent_version.as_deref(), Some("2026-12"));
}

#[test]
fn robots_are_told_apart_and_reasons_round_trip() {
    assert!(request(json!({"search": {}, "website": "spam"})).is_bait_taken());
    assert!(!request(json!({"search": {}, "website": " "})).is_bait_taken());
    for r in [
        Reason::Published,
        Reason::Status,
        Reason::Price,
        Reason::Changed,
    ] {
        assert_eq!(Reason::parse(r.as_str()), Some(r));
    }
}
