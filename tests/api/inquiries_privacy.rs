//! Privacy of inquiries: anonymised after the retention time by `maintenance run`, one
//! person's data exported and erased (admin API and CLI), and personal data never in the
//! log of the real binary (which also sends its mails to a sink here).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::inquiries::{inquiry, listed, patch, send, two_towns, EDITOR, MANY};

const BIN: &str = env!("CARGO_BIN_EXE_gewerbeflaechen");

fn cli(app: &TestApp, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "info")
        .env("GWF_LOG_FORMAT", "json")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{args:?}: {stdout}{stderr}");
    assert!(
        !stderr.contains("erika") && !stderr.contains("Muster"),
        "personal data in the log: {stderr}"
    );
    stdout
}

async fn noted(app: &TestApp) -> Value {
    let first = listed(app, EDITOR, "").await.remove(0);
    let response = patch(
        app,
        EDITOR,
        &first,
        json!({"note": "Frau Muster ruft zurück"}),
    )
    .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn personal_data_gone(inquiry: &Value) {
    assert!(inquiry["anonymised_at"].is_string());
    for field in ["name", "company", "email", "phone"] {
        assert!(inquiry["contact"][field].is_null(), "{field}");
    }
    assert!(inquiry["message"].is_null());
    let text = inquiry.to_string();
    assert!(
        !text.contains("Muster") && !text.contains("erika"),
        "{text}"
    );
}

#[tokio::test]
async fn maintenance_run_anonymises_inquiries_past_retention_and_keeps_the_figures() {
    let app = spawn_app_with(&[MANY]).await;
    two_towns(&app).await;
    send(&app, &inquiry(json!(["LWL-001"]))).await;
    let mut fresh = inquiry(json!(["LWL-001"]));
    fresh["contact"]["email"] = json!("fresh@example.com");
    fresh["contact"]["name"] = json!("Fritz Neu");
    send(&app, &fresh).await;
    let old = noted(&app).await;
    assert_eq!(old["contact"]["email"], "fresh@example.com", "newest first");
    let mut conn = app.db().await;
    diesel::sql_query(
        "UPDATE inquiries SET updated_at = now() - interval '731 days' \
         WHERE contact_email = 'erika.muster@example.com'",
    )
    .execute(&mut conn)
    .await
    .unwrap();

    let out = cli(&app, &["maintenance", "run"]);
    assert!(out.starts_with("1 inquiries anonymised"), "{out}");
    assert!(
        cli(&app, &["maintenance", "run"]).starts_with("0 "),
        "nothing new"
    );
    let all = listed(&app, TOKEN, "").await;
    let (gone, kept): (Vec<&Value>, Vec<&Value>) =
        all.iter().partition(|i| i["anonymised_at"].is_string());
    assert_eq!((gone.len(), kept.len()), (1, 1));
    personal_data_gone(gone[0]);
    assert_eq!(gone[0]["plot_references"], json!(["LWL-001"]), "kept");
    assert_eq!(kept[0]["contact"]["name"], "Fritz Neu");
    let detail: Value = app
        .client
        .get(app.url(&format!("/inquiries/{}", gone[0]["id"])))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    personal_data_gone(&detail);
    let last = detail["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "anonymised");
    assert_eq!(last["changes"]["reason"], "retention");
    // A shorter retention is configured, not coded.
    let out = Command::new(BIN)
        .args(["maintenance", "run"])
        .env("DATABASE_URL", &app.database_url)
        .env("GWF_INQUIRY_RETENTION_DAYS", "5")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("GWF_INQUIRY_RETENTION_DAYS"));
    assert!(!out.status.success(), "below the least of 30 days");
}

#[tokio::test]
async fn an_admin_exports_and_erases_one_persons_data() {
    let app = spawn_app_with(&[MANY]).await;
    two_towns(&app).await;
    let mut someone_else = inquiry(json!(["LWL-001"]));
    someone_else["contact"]["email"] = json!("other@example.com");
    someone_else["contact"]["name"] = json!("Otto Other");
    send(&app, &someone_else).await;
    send(&app, &inquiry(json!(["LWL-001", "GRA-001"]))).await;
    assert_eq!(noted(&app).await["contact"]["name"], "Erika Muster");

    let post = |path: &str, token: &str, email: &str| {
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .json(&json!({ "email": email }))
            .send()
    };
    let response = post(
        "/inquiries/privacy/export",
        TOKEN,
        "Erika.Muster@EXAMPLE.com",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let export: Value = response.json().await.unwrap();
    assert_eq!(export["inquiries"].as_array().unwrap().len(), 2, "any case");
    assert!(export["inquiries"][0]["history"].is_array());
    assert_problem(
        post(
            "/inquiries/privacy/export",
            EDITOR,
            "erika.muster@example.com",
        )
        .await
        .unwrap(),
        403,
    )
    .await;
    assert_problem(
        post("/inquiries/privacy/erase", TOKEN, " ").await.unwrap(),
        422,
    )
    .await;
    // Found by schemathesis: a NUL byte reached PostgreSQL (500), and an array was read as
    // the object `{"email": …}`.
    assert_problem(
        post("/inquiries/privacy/export", TOKEN, "a\u{0}b@example.com")
            .await
            .unwrap(),
        422,
    )
    .await;
    let array = app
        .client
        .post(app.url("/inquiries/privacy/erase"))
        .bearer_auth(TOKEN)
        .json(&json!(["erika.muster@example.com"]))
        .send()
        .await
        .unwrap();
    assert_problem(array, 400).await;

    // The CLI prints the same.
    let printed: Value = serde_json::from_str(&cli(
        &app,
        &["inquiries", "export", "--email", "erika.muster@example.com"],
    ))
    .unwrap();
    assert_eq!(printed["inquiries"].as_array().unwrap().len(), 2);

    let response = post(
        "/inquiries/privacy/erase",
        TOKEN,
        "erika.muster@example.com",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let erased: Value = response.json().await.unwrap();
    assert_eq!(erased["anonymised"], 2);
    let all = listed(&app, TOKEN, "").await;
    assert_eq!(all.len(), 3, "the inquiries stay");
    for i in all.iter().filter(|i| i["anonymised_at"].is_string()) {
        personal_data_gone(i);
    }
    // The other person's notes and data stay; this one's notes are gone from the history.
    assert_eq!(
        all.iter()
            .filter(|i| i["contact"]["email"] == "other@example.com")
            .count(),
        1
    );
    let export: Value = post(
        "/inquiries/privacy/export",
        TOKEN,
        "erika.muster@example.com",
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(export["inquiries"], json!([]));
    let mut conn = app.db().await;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let notes: N = diesel::sql_query(
        "SELECT count(*) AS n FROM inquiry_history WHERE changes::text LIKE '%Muster%'",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(notes.n, 0, "notes naming the person are cleared");
    // Erasing again, or someone unknown, changes nothing.
    assert_eq!(
        cli(
            &app,
            &["inquiries", "erase", "--email", "erika.muster@example.com"]
        )
        .trim(),
        "0 inquiries anonymised, 0 saved searches deleted"
    );
}

#[tokio::test]
async fn personal_data_never_reaches_the_log_of_the_real_server() {
    let app = spawn_app_with(&[MANY]).await;
    two_towns(&app).await;
    let (port, inbox) = crate::reminder_mails::sink();
    let mut server = Command::new(BIN)
        .arg("serve")
        .env("DATABASE_URL", &app.database_url)
        .env("GWF_BIND", "127.0.0.1:0")
        .env("GWF_WORKERS", "1")
        .env("RUST_LOG", "debug,actix_server=warn,tokio_postgres=info")
        .env("GWF_LOG_FORMAT", "json")
        // The real binary's mails go to a sink in this process; their log lines are checked.
        .env("GWF_SMTP_URL", format!("smtp://127.0.0.1:{port}"))
        .env("GWF_MAIL_FROM", "noreply@example.org")
        .env("GWF_RATE_INQUIRY_PER_MIN", "100")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let mut log = String::new();
    let port = loop {
        let line = lines.next().expect("the server logs its port").unwrap();
        log.push_str(&line);
        let entry: Value = serde_json::from_str(&line).unwrap_or_default();
        if let Some(port) = entry["port"].as_u64() {
            break port;
        }
    };
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{base}/inquiries"))
        .json(&inquiry(json!(["LWL-001"])))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let mut bad = inquiry(json!(["LWL-001"]));
    bad["contact"]["phone"] = json!("Erika's secret number");
    let response = client
        .post(format!("{base}/inquiries"))
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let response = client
        .post(format!("{base}/inquiries/privacy/export"))
        .bearer_auth(TOKEN)
        .json(&json!({"email": "erika.muster@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // The notice to Ludwigslust's editor and the confirmation, from the real binary.
    for _ in 0..100 {
        if inbox.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let sent: Vec<Vec<String>> = inbox.lock().unwrap().iter().map(|m| m.to.clone()).collect();
    assert!(
        sent.contains(&vec!["erika.muster@example.com".to_owned()]),
        "{sent:?}"
    );
    assert!(
        sent.contains(&vec!["wifoe@ludwigslust.example".to_owned()]),
        "{sent:?}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
    for line in lines.map_while(Result::ok) {
        log.push_str(&line);
        log.push('\n');
    }
    assert!(log.contains("inquiry received"), "the log is there: {log}");
    for secret in ["erika", "Erika", "Muster", "385 1234567", "Logistikzentrum"] {
        assert!(!log.contains(secret), "`{secret}` in the log:\n{log}");
    }
}
