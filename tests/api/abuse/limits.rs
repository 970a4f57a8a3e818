//! Changes are limited per account, so anonymous traffic (or another account) cannot use up the
//! allowance of staff; logins are counted before their body is read.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn changes_are_counted_per_account() {
    let app = spawn_app_with(&[
        ("GWF_RATE_WRITE_PER_MIN", "3"),
        ("GWF_RATE_WRITE_TOTAL_PER_MIN", "6"),
    ])
    .await;
    let (municipality, estate) = app.place().await;
    app.account_with_token("e@test.example", "editor", &[municipality], "gwf_editor")
        .await;
    // Anonymous changes are refused (401) and count against nobody's allowance.
    for _ in 0..20 {
        let response = app
            .client
            .post(app.url("/plots"))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    // Each account has its own three a minute.
    for (token, reference) in [(TOKEN, "A"), ("gwf_editor", "E")] {
        for i in 0..3 {
            let mut body = plot_body(&format!("LIM-{reference}{i}"), municipality, Some(estate));
            body.as_object_mut().unwrap().remove("published");
            body["geometry"]["coordinates"] = json!([square(11.5 + i as f64 * 0.01, 53.3, 0.001)]);
            let made = app
                .client
                .post(app.url("/plots"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(made.status(), 201, "{token} {i}");
        }
        let fourth = app
            .client
            .post(app.url("/plots"))
            .bearer_auth(token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert!(fourth.headers().contains_key("retry-after"));
        let problem = assert_problem(fourth, 429).await;
        assert!(problem["detail"].as_str().unwrap().contains("account"));
    }
    // Reads are not changes.
    assert_eq!(app.get_staff("/plots/LIM-A0").await.status(), 200);
}

/// A login flood is refused before its body is read: even a body that is not JSON gets 429
/// once the address is over its allowance.
#[tokio::test]
async fn logins_are_counted_before_their_body_is_read() {
    let app = spawn_app_with(&[("GWF_RATE_LOGIN_PER_MIN", "2")]).await;
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url("/auth/login"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
    }
    let response = app
        .client
        .post(app.url("/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(response, 429).await;
}
