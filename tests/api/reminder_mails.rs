//! Freshness digests by e-mail (`gewerbeflaechen reminders send`, issue 17 point 3): due once
//! per period per person and town, in the person's language, retried after a failed send,
//! against a small SMTP sink in this process. scripts/test.sh runs the real binary against
//! aiosmtpd as well.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use chrono::Duration;
use gewerbeflaechen::domain::freshness;
use gewerbeflaechen::mail::Mailer;
use gewerbeflaechen::reminders::{send_due, SendOptions, SendReport};
use serde_json::{json, Value};

use crate::helpers::*;

/// A mail as the sink received it.
#[derive(Debug, Clone)]
pub(crate) struct Captured {
    pub(crate) to: Vec<String>,
    pub(crate) data: String,
}

pub(crate) type Inbox = Arc<Mutex<Vec<Captured>>>;

/// Enough of SMTP (RFC 5321) for lettre: greets, accepts every command, keeps each message.
/// Also used by the inquiry mail tests.
pub(crate) fn sink() -> (u16, Inbox) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox: Inbox = Arc::default();
    let shared = inbox.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let inbox = shared.clone();
            std::thread::spawn(move || session(stream, &inbox));
        }
    });
    (port, inbox)
}

fn session(stream: TcpStream, inbox: &Inbox) {
    let mut out = stream.try_clone().unwrap();
    let mut lines = BufReader::new(stream).lines();
    let mut reply = |text: &str| out.write_all(format!("{text}\r\n").as_bytes()).is_ok();
    reply("220 sink ESMTP");
    let mut to = Vec::new();
    while let Some(Ok(line)) = lines.next() {
        let command = line.to_ascii_uppercase();
        if command.starts_with("EHLO") {
            reply("250-sink\r\n250 8BITMIME");
        } else if command.starts_with("RCPT TO:") {
            to.push(line[8..].trim_matches(['<', '>', ' ']).to_owned());
            reply("250 ok");
        } else if command == "DATA" {
            reply("354 go on");
            let mut data = String::new();
            for l in lines.by_ref() {
                let l = l.unwrap();
                if l == "." {
                    break;
                }
                data.push_str(&l);
                data.push('\n');
            }
            inbox.lock().unwrap().push(Captured {
                to: std::mem::take(&mut to),
                data,
            });
            reply("250 queued");
        } else if command == "QUIT" {
            reply("221 bye");
            break;
        } else {
            reply("250 ok");
        }
    }
}

/// The text of a quoted-printable part, soft line breaks undone (enough for these checks).
pub(crate) fn unfold(data: &str) -> String {
    let mut out = data.replace("=\n", "");
    for (code, c) in [("=C3=A4", "ä"), ("=C3=BC", "ü"), ("=3D", "=")] {
        out = out.replace(code, c);
    }
    out
}

async fn run(app: &TestApp, mailer: &Mailer, days_later: i64, dry_run: bool) -> SendReport {
    let mut conn = app.db().await;
    let options = SendOptions {
        base_url: "https://flaechen.example.org",
        stale_after_days: 365,
        every_days: 7,
        today: freshness::today() + Duration::days(days_later),
        dry_run,
    };
    send_due(&mut conn, Some(mailer), &options).await.unwrap()
}

#[tokio::test]
async fn digests_go_once_per_period_in_each_persons_language_and_failures_are_retried() {
    let app = spawn_app().await;
    let (own, _) = app.place().await;
    let other = app.other_municipality().await;
    app.account_with_token("wifoe@own.example", "editor", &[own], "gwf_mail-de")
        .await;
    let en = app
        .account_with_token("invest@own.example", "viewer", &[own], "gwf_mail-en")
        .await;
    let gone = app
        .account_with_token("gone@own.example", "editor", &[own], "gwf_mail-gone")
        .await;
    app.account_with_token("quiet@other.example", "editor", &[other], "gwf_mail-other")
        .await;
    // The language is the account's, set by an admin through the API.
    let response = app
        .client
        .patch(app.url(&format!("/users/{en}")))
        .bearer_auth(TOKEN)
        .json(&json!({"language": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let account: Value = response.json().await.unwrap();
    assert_eq!(account["language"], "en");
    let response = app
        .client
        .patch(app.url(&format!("/users/{gone}")))
        .bearer_auth(TOKEN)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut stale = plot_body("MAIL-OLD", own, None);
    stale["data_confirmed_on"] = json!("2020-01-01");
    app.create_plot(&stale).await;

    // The server is down: nothing is sent, nothing recorded.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let down_port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = Mailer::new(
        &format!("smtp://127.0.0.1:{down_port}"),
        "Gewerbeflächen <noreply@test.example>",
    )
    .unwrap();
    let report = run(&app, &down, 0, false).await;
    assert_eq!((report.due, report.sent, report.failed), (2, 0, 2));

    // Up again: both are sent, each once, in the person's language.
    let (port, inbox) = sink();
    let mailer = Mailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        "Gewerbeflächen <noreply@test.example>",
    )
    .unwrap();
    let report = run(&app, &mailer, 0, false).await;
    assert_eq!((report.due, report.sent, report.failed), (2, 2, 0));
    let mails = inbox.lock().unwrap().clone();
    assert_eq!(mails.len(), 2);
    let to_de = mails
        .iter()
        .find(|m| m.to == ["wifoe@own.example"])
        .unwrap();
    let to_en = mails
        .iter()
        .find(|m| m.to == ["invest@own.example"])
        .unwrap();
    let (text_de, text_en) = (unfold(&to_de.data), unfold(&to_en.data));
    assert!(text_de.contains("Subject: =?utf-8?"), "{text_de}"); // "Flächendaten …", encoded
    assert!(text_de.contains("Content-Language: de"));
    assert!(text_de.contains("MAIL-OLD (Stand 01.01.2020)"), "{text_de}");
    assert!(text_de.contains("https://flaechen.example.org/monitoring/freshness"));
    assert!(text_de.contains("multipart/alternative"));
    assert!(
        text_en.contains("Subject: Plot data Ludwigslust: 1 stale"),
        "{text_en}"
    );
    assert!(text_en.contains("MAIL-OLD (as of 2020-01-01)"));
    assert!(text_en.contains("https://flaechen.example.org/monitoring?f=html&lang=en"));
    assert!(!text_de.contains("quiet@other.example") && !text_de.contains("gone@own.example"));

    // A second run in the period sends nothing; a week later the digests are due again.
    let report = run(&app, &mailer, 0, false).await;
    assert_eq!((report.due, report.sent), (0, 0));
    assert_eq!(run(&app, &mailer, 6, true).await.due, 0);
    assert_eq!(run(&app, &mailer, 7, true).await.due, 2);
    assert_eq!(inbox.lock().unwrap().len(), 2);
}
