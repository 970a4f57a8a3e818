//! The rules of inquiries, case by case (tests/api/inquiries*.rs walk them over HTTP).

use super::mails::{self, Listed, Summary};
use super::pipeline::{answers, transition, Refused};
use super::*;

fn request(body: serde_json::Value) -> InquiryRequest {
    serde_json::from_value(body).unwrap()
}

fn base() -> serde_json::Value {
    serde_json::json!({
        "plots": ["lwl-003", 7, "LWL-003"],
        "contact": {"name": " Erika Muster ", "email": "erika@example.com", "language": "en"},
        "consent": {"accepted": true, "version": "2026-11"}
    })
}

#[test]
fn a_good_inquiry_is_trimmed_and_deduplicated() {
    let new = request(base()).check().unwrap();
    assert_eq!(new.name, "Erika Muster");
    assert_eq!(
        new.plots,
        vec![PlotKey::Reference("LWL-003".into()), PlotKey::Id(7)]
    );
    assert_eq!(new.language, Lang::En);
    assert_eq!(new.source, Source::Api);
}

#[test]
fn every_broken_rule_is_named() {
    let mut body = base();
    body["plots"] = serde_json::json!(["no such thing!"]);
    body["profile"] = serde_json::json!({"area_min_m2": 10, "area_max_m2": 5});
    body["contact"]["email"] = "erika@localhost".into();
    body["contact"]["phone"] = "call me".into();
    body["contact"]["language"] = "fr".into();
    body["consent"]["accepted"] = false.into();
    let errors = request(body).check().unwrap_err();
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    for want in [
        "/plots/0",
        "/profile",
        "/profile/area_max_m2",
        "/contact/email",
        "/contact/phone",
        "/contact/language",
        "/consent/accepted",
    ] {
        assert!(pointers.contains(&want), "{want} in {pointers:?}");
    }
    let mut body = base();
    body["plots"] = serde_json::json!([]);
    assert_eq!(
        request(body.clone()).check().unwrap_err()[0].pointer,
        "/plots"
    );
    body["profile"] = serde_json::json!({});
    assert_eq!(request(body).check().unwrap_err()[0].pointer, "/profile");
}

#[test]
fn the_bait_is_a_non_empty_website() {
    let mut body = base();
    assert!(!request(body.clone()).is_bait_taken());
    body["website"] = "".into();
    assert!(!request(body.clone()).is_bait_taken());
    body["website"] = "http://spam.example".into();
    assert!(request(body).is_bait_taken());
}

#[test]
fn email_syntax() {
    for ok in [
        "a@example.com",
        "erika.muster+lead@sub.example.de",
        "x@bücher.de",
    ] {
        assert!(is_email(ok), "{ok}");
    }
    for bad in [
        "",
        "a",
        "a@b",
        "a@b.c",
        "@example.com",
        "a@@example.com",
        "a b@example.com",
        ".a@example.com",
        "a..b@example.com",
        "a@-example.com",
        "a@example..com",
        "a@example.com\r\nBcc: x@y.de",
    ] {
        assert!(!is_email(bad), "{bad}");
    }
}

#[test]
fn the_pipeline_moves_forward_and_closes() {
    use InquiryStatus::*;
    assert_eq!(transition(New, Answered, None), Ok(true));
    assert_eq!(transition(New, New, None), Ok(false));
    assert_eq!(transition(Answered, Offer, None), Ok(true));
    assert_eq!(transition(Offer, Won, None), Ok(true));
    assert_eq!(transition(New, Lost, Some(LostReason::Spam)), Ok(true));
    for (from, to) in [
        (New, Viewing),
        (New, Won),
        (Viewing, Answered),
        (Answered, Won),
    ] {
        assert!(
            matches!(transition(from, to, None), Err(Refused::Conflict(_))),
            "{from:?} → {to:?}"
        );
    }
    assert!(matches!(
        transition(Won, Lost, Some(LostReason::Price)),
        Err(Refused::Conflict(_))
    ));
    assert!(matches!(
        transition(Offer, Lost, None),
        Err(Refused::Invalid { .. })
    ));
    assert!(matches!(
        transition(Offer, Won, Some(LostReason::Price)),
        Err(Refused::Invalid { .. })
    ));
    assert!(answers(New, Answered) && answers(New, Lost) && !answers(Answered, Offer));
}

#[test]
fn a_profile_becomes_a_search_and_plots_are_scored() {
    use crate::domain::plot::PlotStatus;
    use matching::Candidate;
    let profile = Profile {
        area_min_m2: Some(20_000.0),
        area_max_m2: Some(40_000.0),
        budget_eur: Some(600_000),
        power_kva: Some(500),
        operation_24h: Some(true),
        rail: Some(false),
        ..Profile::default()
    };
    let q = matching::query(&profile);
    assert_eq!(q.area_min_m2, Some(20_000.0));
    assert_eq!(
        q.max_price.map(|c| c.0),
        Some(3_000),
        "€600,000 / 20,000 m² = €30/m²"
    );
    assert_eq!(q.rail_siding, None, "rail not needed is no filter");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let mut plot = Candidate {
        status: PlotStatus::Available,
        available_from: None,
        electricity_capacity_kva: Some(800),
        operation_24h: Some(true),
        price_on_request: false,
        price_min: Some(crate::domain::money::Cents(2_000)),
        area_m2: 30_000.0,
    };
    assert_eq!(matching::score(&profile, &plot, today), 100);
    plot.operation_24h = Some(false);
    plot.electricity_capacity_kva = None;
    assert_eq!(matching::score(&profile, &plot, today), 30 + 10 + 15 + 10);
    let near = matching::score(
        &profile,
        &Candidate {
            area_m2: 31_000.0,
            ..plot.clone()
        },
        today,
    );
    let far = matching::score(
        &profile,
        &Candidate {
            area_m2: 39_000.0,
            ..plot
        },
        today,
    );
    assert!(far < near);
}

#[test]
fn mails_speak_the_readers_language_and_keep_personal_data_out_of_staff_notices() {
    let summary = Summary {
        id: 42,
        plots: vec!["LWL-003".into()],
        town: Some("Ludwigslust".into()),
        profile: None,
        source: Source::Kiosk,
    };
    let notice = mails::staff_notice(&summary, Lang::De, "https://f.example");
    assert!(notice.subject.contains("Neue Anfrage 42"));
    assert!(notice.text.contains("https://f.example/inquiries/42"));
    assert!(notice.text.contains("Info-Terminal"));
    let confirmation = mails::confirmation(&summary, Lang::En);
    assert_eq!(confirmation.language, "en");
    assert!(confirmation.text.contains("Ludwigslust") && confirmation.text.contains("LWL-003"));
    let list = mails::shortlist(
        &[Listed {
            reference: "LWL-003".into(),
            title: "<b>Nord</b>".into(),
            municipality: "Ludwigslust".into(),
            area_m2: 25_000.0,
        }],
        Lang::De,
        "https://f.example",
    );
    assert!(list
        .text
        .contains("https://f.example/plots/LWL-003/profile?lang=de"));
    assert!(list.text.contains("25.000 m²"));
    assert!(list.html.contains("&lt;b&gt;Nord"), "escaped");
}
