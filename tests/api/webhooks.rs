//! Webhooks: the change feed POSTed to a receiver, signed as Standard Webhooks specifies,
//! retried after failures, dead after the last retry until resumed (nothing skipped), with a
//! delivery log; managed by admins only. The receiver is a small HTTP server of the test's own
//! on loopback that fails when told to.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{assert_problem, plot_body, spawn_app_with, TestApp, TOKEN};

/// A request as the receiver got it: headers in lower case, body, whether it answered 2xx.
type Received = (Vec<(String, String)>, Vec<u8>, bool);

#[derive(Default)]
struct Inbox {
    /// Requests still to refuse with a 500.
    fail: usize,
    got: Vec<Received>,
}

/// A one-request-per-connection HTTP/1.1 receiver; returns its URL.
async fn receiver(inbox: Arc<Mutex<Inbox>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let inbox = inbox.clone();
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 8192];
                let (head_end, length) = loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (end + 4, length);
                    }
                };
                while data.len() < head_end + length {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                }
                let head = String::from_utf8_lossy(&data[..head_end]).to_string();
                let headers = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
                    .collect();
                let body = data[head_end..head_end + length].to_vec();
                let ok = {
                    let mut inbox = inbox.lock().unwrap();
                    let ok = inbox.fail == 0;
                    inbox.fail = inbox.fail.saturating_sub(1);
                    inbox.got.push((headers, body, ok));
                    ok
                };
                let status = if ok {
                    "204 No Content"
                } else {
                    "500 Internal Server Error"
                };
                let answer =
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    url
}

async fn app() -> TestApp {
    spawn_app_with(&[
        ("GWF_WEBHOOK_POLL_MS", "20"),
        ("GWF_WEBHOOK_RETRIES_MS", "40,40,40"),
    ])
    .await
}

async fn register(app: &TestApp, url: &str) -> Value {
    let response = app
        .client
        .post(app.url("/webhooks"))
        .bearer_auth(TOKEN)
        .json(&json!({"url": url, "description": "Website Grabow"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// Waits until `done` holds of the inbox (at most 15 s).
async fn until(inbox: &Arc<Mutex<Inbox>>, done: impl Fn(&Inbox) -> bool) {
    for _ in 0..300 {
        if done(&inbox.lock().unwrap()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the receiver did not get what was expected in time");
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    &headers.iter().find(|(k, _)| k == name).unwrap().1
}

/// The verification docs/changes.md describes, written independently of the service.
fn verify(secret: &str, headers: &[(String, String)], body: &[u8]) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let id = header(headers, "webhook-id");
    let timestamp = header(headers, "webhook-timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    header(headers, "webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

/// The cursors a receiver took in (2xx answers only), in arrival order, without repeats.
fn delivered_cursors(inbox: &Inbox) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, body, ok) in &inbox.got {
        if !ok {
            continue;
        }
        let body: Value = serde_json::from_slice(body).unwrap();
        for c in body["changes"].as_array().unwrap() {
            let cursor = c["cursor"].as_str().unwrap().to_owned();
            if !out.contains(&cursor) {
                out.push(cursor);
            }
        }
    }
    out
}

#[tokio::test]
async fn changes_arrive_signed_in_order_after_failed_attempts() {
    let app = app().await;
    let inbox = Arc::new(Mutex::new(Inbox {
        fail: 2,
        ..Inbox::default()
    }));
    let url = receiver(inbox.clone()).await;
    let (municipality, estate) = app.place().await;
    // Published before the webhook: not sent (a new webhook starts at the feed's end).
    app.create_plot(&plot_body("WH-0", municipality, Some(estate)))
        .await;
    let hook = register(&app, &url).await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let plot = app
        .create_plot(&plot_body("WH-1", municipality, Some(estate)))
        .await;
    let response = app
        .client
        .patch(app.url(&format!("/plots/{}", plot["id"])))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", plot["version"]))
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"status": "reserved"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // Exactly the feed's changes after the start, in its order, each once.
    let feed: Value = app
        .get(&format!(
            "/changes?since={}",
            hook["cursor"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    let expected: Vec<String> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cursor"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(expected.len(), 2, "published and updated: {feed}");
    until(&inbox, |i| delivered_cursors(i) == expected).await;

    {
        let inbox = inbox.lock().unwrap();
        assert!(inbox.got.len() >= 3, "two refusals, then the delivery");
        for (headers, body, _) in &inbox.got {
            assert!(verify(&secret, headers, body), "every request is signed");
            let timestamp: i64 = header(headers, "webhook-timestamp").parse().unwrap();
            assert!((chrono::Utc::now().timestamp() - timestamp).abs() < 60);
            let body: Value = serde_json::from_slice(body).unwrap();
            assert_eq!(body["webhook_id"], hook["id"]);
            assert!(body["changes"][0]["href"]
                .as_str()
                .unwrap()
                .contains("/plots/"));
        }
        // A retried batch keeps its id, so the receiver can tell a repeat.
        assert_eq!(
            header(&inbox.got[0].0, "webhook-id"),
            header(&inbox.got[1].0, "webhook-id")
        );
        assert!(!verify(
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            &inbox.got[0].0,
            &inbox.got[0].1
        ));
    }

    // The log shows the attempts; the webhook stands after the last change.
    let log: Value = app
        .get_staff(&format!("/webhooks/{}/deliveries", hook["id"]))
        .await
        .json()
        .await
        .unwrap();
    let outcomes: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|d| d["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(&outcomes[..3], ["failed", "failed", "delivered"], "{log}");
    assert_eq!(log.as_array().unwrap().last().unwrap()["http_status"], 500);
    let hook_now: Value = app
        .get_staff(&format!("/webhooks/{}", hook["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        hook_now["cursor"].as_str(),
        expected.last().map(String::as_str)
    );
    assert_eq!(hook_now["state"], "active");
    assert!(hook_now.get("secret").is_none(), "the secret is shown once");
}

#[tokio::test]
async fn a_webhook_dies_after_its_last_retry_and_resumes_without_skipping() {
    let app = app().await;
    let inbox = Arc::new(Mutex::new(Inbox {
        fail: usize::MAX,
        ..Inbox::default()
    }));
    let url = receiver(inbox.clone()).await;
    let (municipality, estate) = app.place().await;
    let hook = register(&app, &url).await;
    app.create_plot(&plot_body("WH-2", municipality, Some(estate)))
        .await;
    // One attempt and three retries, then dead.
    let path = format!("/webhooks/{}", hook["id"]);
    let mut dead = Value::Null;
    for _ in 0..300 {
        dead = app.get_staff(&path).await.json().await.unwrap();
        if dead["state"] == "dead" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(dead["state"], "dead", "{dead}");
    assert_eq!(dead["cursor"], hook["cursor"], "nothing was skipped");
    let attempts = inbox.lock().unwrap().got.len();
    assert_eq!(attempts, 4);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        inbox.lock().unwrap().got.len(),
        4,
        "a dead webhook gets nothing"
    );
    let log: Value = app
        .get_staff(&format!("{path}/deliveries?limit=1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log[0]["outcome"], "dead");
    assert_eq!(log[0]["attempt"], 4);
    assert_eq!(log[0]["error"], "HTTP 500");

    // The receiver is fixed; an admin resumes: the same change arrives.
    inbox.lock().unwrap().fail = 0;
    let resumed = app
        .client
        .patch(app.url(&path))
        .bearer_auth(TOKEN)
        .json(&json!({"state": "active"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), 200);
    until(&inbox, |i| !delivered_cursors(i).is_empty()).await;
    let feed: Value = app
        .get(&format!(
            "/changes?since={}",
            hook["cursor"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        delivered_cursors(&inbox.lock().unwrap()),
        vec![feed["changes"][0]["cursor"].as_str().unwrap().to_owned()]
    );
}

#[tokio::test]
async fn only_admins_manage_webhooks_and_urls_are_checked() {
    let app = app().await;
    let (municipality, _) = app.place().await;
    let editor = "gwf_webhook-editor-token-0123456789abcdef";
    let viewer = "gwf_webhook-viewer-token-0123456789abcdef";
    app.account_with_token("e@test.example", "editor", &[municipality], editor)
        .await;
    app.account_with_token("v@test.example", "viewer", &[], viewer)
        .await;
    let body = json!({"url": "https://www.grabow.example/hook"});
    let anonymous = app
        .client
        .post(app.url("/webhooks"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, 401).await;
    for token in [editor, viewer] {
        let refused = app
            .client
            .post(app.url("/webhooks"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(refused, 403).await;
        assert_eq!(app.get_with("/webhooks", token).await, 403);
    }
    for bad in [
        json!({"url": "ftp://grabow.example/x"}),
        json!({"url": "https://user:pw@grabow.example/x"}),
        json!({"url": "https://grabow.example/x", "since": "-1"}),
        json!({"url": "https://grabow.example/x", "description": "x".repeat(501)}),
    ] {
        let refused = app
            .client
            .post(app.url("/webhooks"))
            .bearer_auth(TOKEN)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_problem(refused, 422).await;
    }
    let hook = register(&app, "https://www.grabow.example/hook").await;
    let path = format!("/webhooks/{}", hook["id"]);
    let paused = app
        .client
        .patch(app.url(&path))
        .bearer_auth(TOKEN)
        .json(&json!({"state": "paused"}))
        .send()
        .await
        .unwrap();
    assert_eq!(paused.json::<Value>().await.unwrap()["state"], "paused");
    let listed: Value = app.get_staff("/webhooks").await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        !listed.to_string().contains("whsec_"),
        "secrets are not listed"
    );
    let deleted = app
        .client
        .delete(app.url(&path))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_problem(app.get_staff(&path).await, 404).await;
    assert_problem(app.get_staff("/webhooks/abc").await, 404).await;
}
