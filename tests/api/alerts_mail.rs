//! Alerts by e-mail (docs/alerts.md): double opt-in (only the mailed link confirms; nothing
//! is mailed before), digests at most once per `GWF_ALERT_DIGEST_HOURS`, each with an
//! unsubscribe link and RFC 8058 headers, unconfirmed subscriptions limited and expired, and
//! the address in the data-protection export and erasure. Against the SMTP sink of
//! `reminder_mails`; scripts/test.sh runs the real binary against aiosmtpd as well.

use gewerbeflaechen::mail::Mailer;
use serde_json::{json, Value};

use crate::alerts::{patch, subscribe, worker, QUIET};
use crate::helpers::*;
use crate::reminder_mails::{sink, unfold, Inbox};

const ADDRESS: &str = "erika.muster@example.com";

async fn mail_app() -> (TestApp, Mailer, Inbox) {
    let (port, inbox) = sink();
    let url = format!("smtp://127.0.0.1:{port}");
    let app = spawn_app_with(&[
        QUIET,
        ("GWF_SMTP_URL", &url),
        ("GWF_MAIL_FROM", "Gewerbeflächen <noreply@example.org>"),
        ("GWF_RATE_ALERT_PER_MIN", "100"),
    ])
    .await;
    let mailer = Mailer::new(&url, "noreply@example.org").unwrap();
    (app, mailer, inbox)
}

fn with_address(search: Value, language: &str) -> Value {
    json!({
        "search": search, "email": ADDRESS, "language": language,
        "consent": {"accepted": true, "version": "2026-12"}
    })
}

async fn mails(inbox: &Inbox, n: usize) -> Vec<String> {
    for _ in 0..200 {
        if inbox.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let all: Vec<String> = inbox
        .lock()
        .unwrap()
        .iter()
        .map(|m| unfold(&m.data))
        .collect();
    assert_eq!(all.len(), n, "{all:#?}");
    all
}

/// The first link in `mail` that ends in `suffix`.
fn link(mail: &str, base: &str, suffix: &str) -> String {
    mail.split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
        .find(|w| w.starts_with(base) && w.ends_with(suffix))
        .unwrap_or_else(|| panic!("no …{suffix} link in {mail}"))
        .to_owned()
}

/// The value of a header, unfolded.
fn header(mail: &str, name: &str) -> Option<String> {
    let start = mail
        .find(&format!("\n{name}: "))
        .or_else(|| mail.starts_with(&format!("{name}: ")).then_some(0))?;
    let rest = &mail[start + 1..];
    let mut value = String::new();
    for (i, line) in rest.lines().enumerate() {
        if i > 0 && !line.starts_with([' ', '\t']) {
            break;
        }
        value.push_str(line.trim_start());
    }
    Some(value[name.len() + 1..].trim().to_owned())
}

async fn state(app: &TestApp, manage: &str) -> Value {
    let response = app.client.get(manage).send().await.unwrap();
    if response.status() == 404 {
        return Value::Null;
    }
    response.json::<Value>().await.unwrap()["state"].clone()
}

#[tokio::test]
async fn digests_wait_for_confirmation_and_come_at_most_daily() {
    let (app, mailer, inbox) = mail_app().await;
    let (town, _) = app.place().await;
    let (status, saved) = subscribe(&app, with_address(json!({"zoning": "GE"}), "en")).await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(saved["state"], "pending");
    assert_eq!(saved["confirm_within_hours"], 72);
    let manage = saved["manage_url"].as_str().unwrap().to_owned();

    // The confirmation: in English, with its links in the body and in the headers.
    let confirmation = mails(&inbox, 1).await.remove(0);
    assert_eq!(inbox.lock().unwrap()[0].to, [ADDRESS]);
    assert!(confirmation.contains("Subject: Please confirm: alerts for commercial plots"));
    assert!(confirmation.contains("Content-Language: en"));
    assert_eq!(
        header(&confirmation, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let confirm = link(&confirmation, &app.base, "/confirm");
    assert!(header(&confirmation, "List-Unsubscribe")
        .is_some_and(|h| h.starts_with(&format!("<{}/saved-searches/gwf_", app.base))));
    assert!(
        !confirm.contains(saved["token"].as_str().unwrap()),
        "a token of its own"
    );
    // The token the subscriber was answered cannot confirm: only the mailbox's owner can.
    let by_owner = app
        .client
        .post(format!("{manage}/confirm"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_owner.status(), 404);

    // Pending: the plot is an entry (the feed works), but nothing is mailed.
    app.create_plot(&plot_body("MAIL-1", town, None)).await;
    let report = worker(&app, Some(&mailer)).await;
    assert_eq!((report.entries, report.digests_sent), (1, 0), "{report:?}");
    assert_eq!(inbox.lock().unwrap().len(), 1);

    // A GET (a mail scanner) only shows the button; the POST confirms.
    let page = app.client.get(&confirm).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<button"));
    assert_eq!(state(&app, &manage).await, "pending");
    let done = app.client.post(&confirm).send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("Thank you"));
    assert_eq!(state(&app, &manage).await, "active");

    // The digest: the entry from before, in English, the plot's page, one-click unsubscribe.
    let report = worker(&app, Some(&mailer)).await;
    assert_eq!(report.digests_sent, 1, "{report:?}");
    let digest = mails(&inbox, 2).await.remove(1);
    assert!(
        digest.contains("Subject: 1 new matching commercial plot"),
        "{digest}"
    );
    assert!(digest.contains(&format!("{}/plots/MAIL-1/profile?lang=en", app.base)));
    assert!(digest.contains("newly published"));
    let unsubscribe = link(&digest, &app.base, "/unsubscribe");
    assert_eq!(
        header(&digest, "List-Unsubscribe"),
        Some(format!("<{unsubscribe}>"))
    );

    // Another plot the same day: an entry, no second digest until a day has passed.
    app.create_plot(&plot_body("MAIL-2", town, None)).await;
    patch(&app, "MAIL-1", json!({"title_en": "Still matching"})).await;
    let report = worker(&app, Some(&mailer)).await;
    assert_eq!((report.entries, report.digests_sent), (1, 0), "{report:?}");
    let mut conn = app.db().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE saved_searches SET last_digest_at = now() - interval '25 hours'"),
        &mut conn,
    )
    .await
    .unwrap();
    assert_eq!(worker(&app, Some(&mailer)).await.digests_sent, 1);
    let second = mails(&inbox, 3).await.remove(2);
    assert!(
        second.contains("MAIL-2") && !second.contains("MAIL-1"),
        "{second}"
    );
    assert_eq!(worker(&app, Some(&mailer)).await.digests_sent, 0);

    // RFC 8058 one-click from the first digest's header: gone, address and all.
    let one_click = app
        .client
        .post(&unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(one_click.status(), 200);
    assert_eq!(state(&app, &manage).await, Value::Null);
    let n: Id = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query("SELECT count(*) AS id FROM saved_search_entries"),
        &mut conn,
    )
    .await
    .unwrap();
    assert_eq!(n.id, 0);
}

#[tokio::test]
async fn unconfirmed_addresses_are_limited_and_expire_in_the_maintenance_run() {
    let (app, _, inbox) = mail_app().await;
    for _ in 0..3 {
        let (status, saved) = subscribe(&app, with_address(json!({}), "de")).await;
        assert_eq!(status, 201, "{saved}");
    }
    let mut other = with_address(json!({}), "de");
    other["email"] = json!("ERIKA.muster@example.com");
    let (status, problem) = subscribe(&app, other).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(pointers(&problem), ["/email"]);
    let german = mails(&inbox, 3).await.remove(0);
    assert!(
        german.contains("Bitte best=C3=A4tigen") || german.contains("Bitte bestätigen"),
        "{german}"
    );
    let mut conn = app.db().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE saved_searches SET created_at = now() - interval '73 hours' \
             WHERE id IN (SELECT id FROM saved_searches ORDER BY id LIMIT 2)",
        ),
        &mut conn,
    )
    .await
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gewerbeflaechen"))
        .args(["maintenance", "run"])
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "info")
        .env("GWF_LOG_FORMAT", "json")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("2 saved searches deleted unconfirmed (after 72 h)"),
        "{stdout}"
    );
    assert!(!stderr.contains("erika"), "an address in the log: {stderr}");
    let counts: Value = app
        .get_staff("/monitoring/alerts")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts["pending"], 1);
    assert!(!counts.to_string().contains("erika"));
}

#[tokio::test]
async fn a_persons_saved_searches_are_in_their_export_and_go_with_their_erasure() {
    let (app, _, inbox) = mail_app().await;
    let (_, saved) = subscribe(&app, with_address(json!({"zoning": "GI"}), "de")).await;
    mails(&inbox, 1).await;
    let export: Value = app
        .client
        .post(app.url("/inquiries/privacy/export"))
        .bearer_auth(TOKEN)
        .json(&json!({"email": "Erika.Muster@example.com"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let searches = export["saved_searches"].as_array().unwrap();
    assert_eq!(searches.len(), 1, "{export}");
    assert_eq!(searches[0]["email"], ADDRESS);
    assert_eq!(searches[0]["search"], json!({"zoning": "GI"}));
    assert_eq!(searches[0]["consent_version"], "2026-12");
    let erased: Value = app
        .client
        .post(app.url("/inquiries/privacy/erase"))
        .bearer_auth(TOKEN)
        .json(&json!({"email": ADDRESS}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(erased["saved_searches_deleted"], 1);
    let feed = app
        .client
        .get(saved["feed_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 404);
}

#[tokio::test]
async fn a_forged_host_never_reaches_a_mail() {
    let (app, _mailer, inbox) = mail_app().await;
    app.place().await;
    // The sender of a request chooses its Host; the mail goes to someone else.
    let response = app
        .client
        .post(app.url("/saved-searches"))
        .header("host", "evil.example")
        .json(&with_address(json!({"zoning": "GE"}), "de"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    // The answer goes back to the sender, with the links it asked for.
    let saved: Value = response.json().await.unwrap();
    assert!(saved["manage_url"]
        .as_str()
        .unwrap()
        .starts_with("http://evil.example/"));
    let confirmation = mails(&inbox, 1).await.remove(0);
    assert!(!confirmation.contains("evil.example"), "{confirmation}");
    link(&confirmation, &app.base, "/confirm");
}
