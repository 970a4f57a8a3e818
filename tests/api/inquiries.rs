//! Inquiries (issue 18 point 1) over HTTP: sending one (checks, honeypot, limits), routing
//! per town or to the admins, and the staff pipeline with its history. Access:
//! inquiries_access.rs; privacy: inquiries_privacy.rs; matching, figures and mails:
//! inquiries_matching.rs.

use serde_json::{json, Value};

use crate::helpers::*;

pub const EDITOR: &str = "gwf_inquiry-editor";
pub const OTHER_EDITOR: &str = "gwf_inquiry-other-editor";

/// Inquiries sent from one test's address would soon hit the real limit of 5 a minute.
pub const MANY: (&str, &str) = ("GWF_RATE_INQUIRY_PER_MIN", "1000");

pub fn inquiry(plots: Value) -> Value {
    json!({
        "plots": plots,
        "message": "Wir suchen Fläche für ein Logistikzentrum.",
        "contact": {
            "name": "Erika Muster",
            "company": "Muster Logistik GmbH",
            "email": "erika.muster@example.com",
            "phone": "+49 385 1234567",
            "language": "en"
        },
        "consent": {"accepted": true, "version": "2026-11"},
        "source": "profile"
    })
}

pub fn profile_inquiry() -> Value {
    let mut body = inquiry(json!([]));
    body.as_object_mut().unwrap().remove("plots");
    body["profile"] = json!({
        "area_min_m2": 5000, "area_max_m2": 10000, "zonings": ["GE", "GI"],
        "needed_by": "2027-06-30", "budget_eur": 150000, "jobs": 40, "sector": "Logistik",
        "power_kva": 400, "rail": false, "operation_24h": true
    });
    body
}

pub async fn send(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/inquiries"))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The inquiries as `token` lists them.
pub async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let response = app
        .client
        .get(app.url(&format!("/inquiries{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.unwrap();
    page["inquiries"].as_array().unwrap().clone()
}

/// Two towns (Ludwigslust with an editor, Grabow with another), a published plot in each and
/// a draft in Ludwigslust. Returns (Ludwigslust, Grabow).
pub async fn two_towns(app: &TestApp) -> (i64, i64) {
    let (own, _) = app.place().await;
    let other = app.other_municipality().await;
    app.account_with_token("wifoe@ludwigslust.example", "editor", &[own], EDITOR)
        .await;
    app.account_with_token("wifoe@grabow.example", "editor", &[other], OTHER_EDITOR)
        .await;
    app.create_plot(&plot_body("LWL-001", own, None)).await;
    let mut grabow = plot_body("GRA-001", other, None);
    grabow["geometry"]["coordinates"] = json!([square(11.6, 53.3, 0.002)]);
    app.create_plot(&grabow).await;
    let mut draft = plot_body("LWL-DRAFT", own, None);
    draft["published"] = json!(false);
    draft["geometry"]["coordinates"] = json!([square(11.7, 53.3, 0.001)]);
    app.create_plot(&draft).await;
    (own, other)
}

#[tokio::test]
async fn an_inquiry_about_plots_of_two_towns_goes_to_each_town() {
    let app = spawn_app_with(&[MANY]).await;
    let (own, other) = two_towns(&app).await;
    let response = send(&app, &inquiry(json!(["lwl-001", "GRA-001"]))).await;
    assert_eq!(response.status(), 202);
    assert_eq!(
        response.headers()["cache-control"].to_str().unwrap(),
        "no-store"
    );
    let received: Value = response.json().await.unwrap();
    assert_eq!(received["status"], "received");

    let mine = listed(&app, EDITOR, "").await;
    assert_eq!(
        mine.len(),
        1,
        "Ludwigslust's editor sees Ludwigslust's part"
    );
    let one = &mine[0];
    assert_eq!(one["routed_to"]["id"], own);
    assert_eq!(one["routed_to"]["name"], "Ludwigslust");
    assert_eq!(one["plot_references"], json!(["LWL-001"]));
    assert_eq!(one["status"], "new");
    assert_eq!(one["kind"], "plots");
    assert_eq!(one["source"], "profile");
    assert_eq!(one["contact"]["email"], "erika.muster@example.com");
    assert_eq!(one["contact"]["language"], "en");
    assert_eq!(one["consent_version"], "2026-11");
    assert!(one["consent_at"].is_string() && one["first_response_at"].is_null());
    let theirs = listed(&app, OTHER_EDITOR, "").await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["routed_to"]["id"], other);
    assert_eq!(theirs[0]["submission"], one["submission"], "sent together");
    assert_eq!(
        listed(&app, TOKEN, "").await.len(),
        2,
        "the admin sees both"
    );

    // A profile goes to the admins only.
    assert_eq!(send(&app, &profile_inquiry()).await.status(), 202);
    let all = listed(&app, TOKEN, "?kind=profile").await;
    assert_eq!(all.len(), 1);
    assert!(all[0]["routed_to"].is_null());
    assert_eq!(all[0]["profile"]["zonings"], json!(["GE", "GI"]));
    assert_eq!(all[0]["profile"]["power_kva"], 400);
    assert_eq!(listed(&app, EDITOR, "").await.len(), 1);
}

#[tokio::test]
async fn drafts_and_unknown_plots_cannot_be_asked_about() {
    let app = spawn_app_with(&[MANY]).await;
    two_towns(&app).await;
    for plots in [json!(["LWL-DRAFT"]), json!(["LWL-404"]), json!([999999])] {
        let problem = assert_problem(send(&app, &inquiry(plots.clone())).await, 422).await;
        assert_eq!(pointers(&problem), ["/plots/0"], "{plots}");
        assert_eq!(problem["errors"][0]["detail"], "no published plot");
    }
    assert!(listed(&app, TOKEN, "").await.is_empty());
}

#[tokio::test]
async fn every_broken_rule_is_named_and_nothing_is_stored() {
    let app = spawn_app_with(&[MANY]).await;
    two_towns(&app).await;
    let mut body = inquiry(json!(["LWL-001"]));
    body["contact"]["email"] = json!("erika@localhost");
    body["contact"]["name"] = json!("   ");
    body["consent"]["accepted"] = json!(false);
    body["message"] = json!("x".repeat(5_001));
    let problem = assert_problem(send(&app, &body).await, 422).await;
    let mut got = pointers(&problem);
    got.sort();
    assert_eq!(
        got,
        [
            "/consent/accepted",
            "/contact/email",
            "/contact/name",
            "/message"
        ]
    );
    // Both kinds at once, neither, unknown members, no JSON.
    let mut both = profile_inquiry();
    both["plots"] = json!(["LWL-001"]);
    assert_eq!(
        pointers(&assert_problem(send(&app, &both).await, 422).await),
        ["/profile"]
    );
    let mut neither = inquiry(json!([]));
    neither.as_object_mut().unwrap().remove("plots");
    assert_eq!(
        pointers(&assert_problem(send(&app, &neither).await, 422).await),
        ["/plots"]
    );
    let mut unknown = inquiry(json!(["LWL-001"]));
    unknown["contact"]["fax"] = json!("123");
    assert_problem(send(&app, &unknown).await, 422).await;
    let response = app
        .client
        .post(app.url("/inquiries"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_problem(response, 415).await;
    let response = app
        .client
        .post(app.url("/inquiries"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_problem(response, 400).await;
    assert!(listed(&app, TOKEN, "").await.is_empty());
}

#[tokio::test]
async fn a_robot_filling_the_hidden_field_gets_the_same_answer_and_is_dropped() {
    let app = spawn_app_with(&[MANY]).await;
    two_towns(&app).await;
    let real = send(&app, &inquiry(json!(["LWL-001"]))).await;
    let mut bait = inquiry(json!(["LWL-001"]));
    bait["website"] = json!("http://cheap-pills.example");
    let robot = send(&app, &bait).await;
    assert_eq!(real.status(), robot.status());
    let same_headers = |r: &reqwest::Response| {
        let mut h: Vec<(String, String)> = r
            .headers()
            .iter()
            .filter(|(k, _)| !["date", "x-request-id"].contains(&k.as_str()))
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        h.sort();
        h
    };
    assert_eq!(same_headers(&real), same_headers(&robot));
    assert_eq!(real.text().await.unwrap(), robot.text().await.unwrap());
    assert_eq!(
        listed(&app, TOKEN, "").await.len(),
        1,
        "the robot's is dropped"
    );
}

#[tokio::test]
async fn bodies_and_senders_are_limited() {
    let app = spawn_app_with(&[("GWF_RATE_INQUIRY_PER_MIN", "2")]).await;
    two_towns(&app).await;
    // 16 KiB at most, far below the general body limit.
    let mut big = inquiry(json!(["LWL-001"]));
    big["message"] = json!("x".repeat(17 * 1024));
    assert_problem(send(&app, &big).await, 413).await;
    assert_eq!(send(&app, &inquiry(json!(["LWL-001"]))).await.status(), 202);
    let response = send(&app, &inquiry(json!(["LWL-001"]))).await;
    let retry = response.headers().get("retry-after").cloned();
    assert_problem(response, 429).await;
    assert!(retry.is_some());
    assert_eq!(listed(&app, TOKEN, "").await.len(), 1);
}

pub async fn patch(app: &TestApp, token: &str, inquiry: &Value, body: Value) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/inquiries/{}", inquiry["id"])))
        .bearer_auth(token)
        .header("If-Match", format!("\"{}\"", inquiry["version"]))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let etag = response.headers().get("etag").cloned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        etag.unwrap().to_str().unwrap(),
        format!("\"{}\"", body["version"])
    );
    body
}

#[tokio::test]
async fn staff_work_an_inquiry_through_the_pipeline_and_every_step_is_kept() {
    let app = spawn_app_with(&[MANY]).await;
    let (own, other) = two_towns(&app).await;
    let colleague = app
        .account_with_token(
            "kollege@ludwigslust.example",
            "editor",
            &[own],
            "gwf_colleague",
        )
        .await;
    send(&app, &inquiry(json!(["LWL-001"]))).await;
    let first = listed(&app, EDITOR, "").await.remove(0);

    // Without If-Match: 428; with an old one: 412.
    let response = app
        .client
        .patch(app.url(&format!("/inquiries/{}", first["id"])))
        .bearer_auth(EDITOR)
        .json(&json!({"status": "answered"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 428).await;

    let noted = ok(patch(&app, EDITOR, &first, json!({"note": "Rückruf vereinbart"})).await).await;
    assert!(
        noted["first_response_at"].is_null(),
        "a note answers nobody"
    );
    let stale = assert_problem(
        patch(&app, EDITOR, &first, json!({"status": "answered"})).await,
        412,
    )
    .await;
    assert_eq!(stale["current_version"], noted["version"]);

    let answered = ok(patch(
        &app,
        EDITOR,
        &noted,
        json!({"status": "answered", "assignee_id": colleague}),
    )
    .await)
    .await;
    assert_eq!(answered["status"], "answered");
    assert_eq!(answered["assignee_id"], colleague);
    assert!(answered["first_response_at"].is_string());

    // Backwards, skipping to won, a loss without reason, a reason without loss.
    for (body, status, pointer) in [
        (json!({"status": "new"}), 409, "/status"),
        (json!({"status": "won"}), 409, "/status"),
        (json!({"status": "lost"}), 422, "/lost_reason"),
        (
            json!({"status": "offer", "lost_reason": "price"}),
            422,
            "/lost_reason",
        ),
        (json!({"lost_reason": "price"}), 422, "/lost_reason"),
        (json!({"status": "sold"}), 422, "/status"),
        (json!({"note": " "}), 422, "/note"),
        (json!({"assignee_id": 999999}), 422, "/assignee_id"),
    ] {
        let problem =
            assert_problem(patch(&app, EDITOR, &answered, body.clone()).await, status).await;
        assert_eq!(pointers(&problem), [pointer], "{body}");
    }
    // Only someone who reads it can be assigned: not an editor of another town.
    let stranger = app
        .account_with_token("fremd@grabow.example", "editor", &[other], "gwf_stranger")
        .await;
    let problem = assert_problem(
        patch(&app, EDITOR, &answered, json!({"assignee_id": stranger})).await,
        422,
    )
    .await;
    assert_eq!(pointers(&problem), ["/assignee_id"]);

    let offer = ok(patch(&app, EDITOR, &answered, json!({"status": "offer"})).await).await;
    let lost = ok(patch(
        &app,
        EDITOR,
        &offer,
        json!({"status": "lost", "lost_reason": "price", "note": "Zu teuer"}),
    )
    .await)
    .await;
    assert_eq!(lost["lost_reason"], "price");
    assert!(lost["closed_at"].is_string());
    assert_eq!(lost["first_response_at"], answered["first_response_at"]);
    let closed = assert_problem(
        patch(&app, EDITOR, &lost, json!({"status": "won"})).await,
        409,
    )
    .await;
    assert!(closed["detail"].as_str().unwrap().contains("closed"));
    let renoted = ok(patch(&app, EDITOR, &lost, json!({"note": "Später erneut?"})).await).await;
    assert_eq!(renoted["status"], "lost");

    let actions: Vec<&str> = renoted["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["created", "note", "status", "assignee", "status", "status", "note", "note"]
    );
    let history = renoted["history"].as_array().unwrap();
    assert_eq!(history[2]["changes"]["status"], json!(["new", "answered"]));
    assert_eq!(history[5]["changes"]["lost_reason"], "price");
    assert_eq!(history[1]["actor"], "wifoe@ludwigslust.example");
    assert_eq!(history[0]["actor"], "inquirer");

    // Filters.
    assert_eq!(listed(&app, EDITOR, "?status=lost").await.len(), 1);
    assert_eq!(listed(&app, EDITOR, "?status=new,answered").await.len(), 0);
    assert_eq!(
        listed(&app, EDITOR, &format!("?assignee={colleague}"))
            .await
            .len(),
        1
    );
    let response = app
        .client
        .get(app.url("/inquiries?status=sold"))
        .bearer_auth(EDITOR)
        .send()
        .await
        .unwrap();
    assert_eq!(pointers(&assert_problem(response, 400).await), ["status"]);
}

#[tokio::test]
async fn lists_are_paged_newest_first() {
    let app = spawn_app_with(&[MANY]).await;
    two_towns(&app).await;
    for _ in 0..5 {
        send(&app, &inquiry(json!(["LWL-001"]))).await;
    }
    let response = app
        .client
        .get(app.url("/inquiries?limit=2"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let page: Value = response.json().await.unwrap();
    let ids: Vec<i64> = page["inquiries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert!(ids[0] > ids[1]);
    let rest = listed(&app, TOKEN, &format!("?before={}", page["next_before"])).await;
    assert_eq!(rest.len(), 3);
    assert!(rest[0]["id"].as_i64().unwrap() < ids[1]);
}
