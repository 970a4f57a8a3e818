//! Matching profiles to plots (the plot search, ranked), the demand figures, and the mails of
//! inquiries (notice to staff, confirmation, shortlist) against a small SMTP sink in this
//! process.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;
use crate::inquiries::{inquiry, listed, patch, profile_inquiry, send, two_towns, EDITOR, MANY};
use crate::reminder_mails::{sink, unfold, Captured, Inbox};

/// Plots in Ludwigslust around the profile of `profile_inquiry` (5,000–10,000 m², GE or GI,
/// 400 kVA, 24 h, budget €150,000, by mid-2027).
async fn candidates(app: &TestApp, own: i64) {
    let plots = [
        // reference, area, zoning, kVA, 24 h, status, published
        (
            "FIT-BEST",
            7_500,
            "GE",
            Some(630),
            Some(true),
            "available",
            true,
        ),
        (
            "FIT-NOPOWER",
            7_500,
            "GI",
            None,
            Some(true),
            "available",
            true,
        ),
        (
            "FIT-NO24H",
            7_500,
            "GE",
            Some(630),
            Some(false),
            "available",
            true,
        ),
        (
            "FIT-EDGE",
            9_900,
            "GE",
            Some(630),
            Some(true),
            "available",
            true,
        ),
        (
            "OUT-SMALL",
            3_000,
            "GE",
            Some(630),
            Some(true),
            "available",
            true,
        ),
        (
            "OUT-MI",
            7_500,
            "MI",
            Some(630),
            Some(true),
            "available",
            true,
        ),
        ("OUT-SOLD", 7_500, "GE", Some(630), Some(true), "sold", true),
        (
            "OUT-DRAFT",
            7_500,
            "GE",
            Some(630),
            Some(true),
            "available",
            false,
        ),
    ];
    for (i, (reference, area, zoning, kva, h24, status, published)) in plots.into_iter().enumerate()
    {
        let mut body = plot_body(reference, own, None);
        body["geometry"]["coordinates"] = json!([square(11.0 + i as f64 * 0.01, 53.1, 0.001)]);
        body["area_stated_m2"] = json!(area);
        body["zoning"] = json!(zoning);
        body["electricity_capacity_kva"] = json!(kva);
        body["operation_24h"] = json!(h24);
        body["status"] = json!(status);
        body["published"] = json!(published);
        body["price_min_eur_m2"] = json!("12.00");
        body["price_max_eur_m2"] = json!("14.00");
        app.create_plot(&body).await;
    }
}

#[tokio::test]
async fn a_profile_is_matched_by_the_plot_search_and_ranked_by_its_score() {
    let app = spawn_app_with(&[MANY]).await;
    let (own, _) = two_towns(&app).await;
    candidates(&app, own).await;
    send(&app, &profile_inquiry()).await;
    let profile = listed(&app, TOKEN, "?kind=profile").await.remove(0);
    let response = app
        .client
        .get(app.url(&format!("/inquiries/{}/matches", profile["id"])))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let matches = body["matches"].as_array().unwrap();
    let order: Vec<&str> = matches
        .iter()
        .map(|m| m["reference"].as_str().unwrap())
        .collect();
    // GRA-001 and LWL-001 (7,400 m², GE, power and 24 h not stated) fit too, in any town.
    assert_eq!(
        order,
        [
            "FIT-BEST",
            "FIT-EDGE",
            "FIT-NOPOWER",
            "FIT-NO24H",
            "GRA-001",
            "LWL-001"
        ]
    );
    let scores: Vec<u64> = matches
        .iter()
        .map(|m| m["score"].as_u64().unwrap())
        .collect();
    // docs/inquiries.md: size 30 + power 25 + 24 h 20 + ready 15 + price 10.
    assert_eq!(scores, [100, 90, 85, 80, 73, 73]);
    assert!(matches[0]["profile_url"]
        .as_str()
        .unwrap()
        .ends_with("/plots/FIT-BEST/profile"));

    // An inquiry about given plots has no profile to match.
    send(&app, &inquiry(json!(["LWL-001"]))).await;
    let about_plots = listed(&app, EDITOR, "").await.remove(0);
    let response = app
        .client
        .get(app.url(&format!("/inquiries/{}/matches", about_plots["id"])))
        .bearer_auth(EDITOR)
        .send()
        .await
        .unwrap();
    assert_problem(response, 409).await;
}

#[tokio::test]
async fn demand_figures_count_requests_offers_losses_and_response_times() {
    let app = spawn_app_with(&[MANY]).await;
    two_towns(&app).await;
    send(&app, &profile_inquiry()).await;
    send(&app, &inquiry(json!(["LWL-001", "GRA-001"]))).await;
    let first = listed(&app, EDITOR, "").await.remove(0);
    let lost = patch(
        &app,
        EDITOR,
        &first,
        json!({"status": "lost", "lost_reason": "price"}),
    )
    .await;
    assert_eq!(lost.status(), 200);
    let response = app
        .client
        .get(app.url("/monitoring/inquiries"))
        .bearer_auth(EDITOR)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    let year = &report["years"][0];
    assert_eq!(year["inquiries"], 3);
    // The profile asks for 5,000 m² and more; the plots have 7,400 m² each.
    assert_eq!(year["requested_size_classes"]["5000_to_20000"], 3);
    assert_eq!(year["requested_zonings"], json!({"GE": 3, "GI": 1}));
    // Offered: LWL-001 and GRA-001 (the draft is not offered).
    assert_eq!(year["offered_size_classes"]["5000_to_20000"], 2);
    assert_eq!(year["offered_zonings"], json!({"GE": 2}));
    assert_eq!(report["lost_reasons"], json!({"price": 1}));
    assert_eq!(report["statuses"], json!({"lost": 1, "new": 2}));
    assert_eq!(report["answered"], 1);
    assert!(report["median_first_response_hours"].as_f64().unwrap() < 1.0);
    let text = report.to_string();
    assert!(
        !text.contains("Muster") && !text.contains("example.com"),
        "anonymous"
    );
    // Not public unless the region publishes its monitoring.
    assert_problem(app.get("/monitoring/inquiries").await, 401).await;
}

async fn mails_to(inbox: &Inbox, to: &str, at_least: usize) -> Vec<Captured> {
    for _ in 0..100 {
        let got: Vec<Captured> = inbox
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == to))
            .cloned()
            .collect();
        if got.len() >= at_least {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail to {to}: {:?}", inbox.lock().unwrap());
}

#[tokio::test]
async fn staff_are_notified_the_inquirer_confirmed_and_a_shortlist_mailed() {
    let (port, inbox) = sink();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let app = spawn_app_with(&[
        MANY,
        ("GWF_SMTP_URL", &smtp),
        ("GWF_MAIL_FROM", "Gewerbeflächen <noreply@flaechen.example>"),
        ("GWF_PUBLIC_URL", "https://flaechen.example"),
    ])
    .await;
    let (own, _) = two_towns(&app).await;
    candidates(&app, own).await;

    send(&app, &inquiry(json!(["LWL-001"]))).await;
    let notice = mails_to(&inbox, "wifoe@ludwigslust.example", 1)
        .await
        .remove(0);
    let text = unfold(&notice.data);
    assert!(text.contains("Neue Anfrage"), "German by default: {text}");
    assert!(text.contains("LWL-001") && text.contains("https://flaechen.example/inquiries/"));
    for private in ["Erika", "erika.muster", "1234567", "Logistikzentrum"] {
        assert!(!text.contains(private), "{private} in the staff notice");
    }
    let confirmation = mails_to(&inbox, "erika.muster@example.com", 1)
        .await
        .remove(0);
    let text = unfold(&confirmation.data);
    assert!(text.contains("Content-Language: en"));
    assert!(text.contains("We have received your inquiry") && text.contains("Ludwigslust"));
    // Grabow's editor hears nothing of Ludwigslust's inquiry; the admin neither (the town
    // has its own staff).
    assert!(mails_to_none(&inbox, "wifoe@grabow.example"));
    assert!(mails_to_none(&inbox, "admin@test.example"));

    // A profile goes to the admins.
    send(&app, &profile_inquiry()).await;
    let notice = mails_to(&inbox, "admin@test.example", 1).await.remove(0);
    assert!(unfold(&notice.data).contains("Suchprofil"));
    let profile = listed(&app, TOKEN, "?kind=profile").await.remove(0);
    mails_to(&inbox, "erika.muster@example.com", 2).await;

    let response = app
        .client
        .post(app.url(&format!("/inquiries/{}/shortlist", profile["id"])))
        .bearer_auth(TOKEN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let after: Value = response.json().await.unwrap();
    assert!(
        after["first_response_at"].is_string(),
        "a shortlist answers"
    );
    let last = after["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "shortlist_sent");
    assert_eq!(last["changes"]["plots"][0], "FIT-BEST");
    let mails = mails_to(&inbox, "erika.muster@example.com", 3).await;
    let shortlist = unfold(&mails.last().unwrap().data);
    assert!(shortlist.contains("Commercial plots matching your inquiry"));
    assert!(shortlist.contains("https://flaechen.example/plots/FIT-BEST/profile?lang=en"));
    assert!(!shortlist.contains("OUT-"));

    // Named plots must be published.
    let response = app
        .client
        .post(app.url(&format!("/inquiries/{}/shortlist", profile["id"])))
        .bearer_auth(TOKEN)
        .json(&json!({"plots": ["OUT-DRAFT"]}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 422).await;
}

fn mails_to_none(inbox: &Inbox, to: &str) -> bool {
    !inbox
        .lock()
        .unwrap()
        .iter()
        .any(|m| m.to.iter().any(|t| t == to))
}

#[tokio::test]
async fn without_a_mail_server_no_shortlist_is_sent() {
    let app = spawn_app_with(&[MANY]).await;
    two_towns(&app).await;
    send(&app, &profile_inquiry()).await;
    let profile = listed(&app, TOKEN, "").await.remove(0);
    let response = app
        .client
        .post(app.url(&format!("/inquiries/{}/shortlist", profile["id"])))
        .bearer_auth(TOKEN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 409).await;
    assert!(problem["detail"].as_str().unwrap().contains("GWF_SMTP_URL"));
}
