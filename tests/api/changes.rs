//! The change feed (`GET /changes`) and the Atom feed of new plots: which writes are changes,
//! paging with the cursor, no gaps while an older transaction is still open, and that every
//! column of `plots` is classified as public or internal.

use diesel::sql_types::Text;
use diesel::QueryableByName;
use diesel_async::{AnsiTransactionManager, RunQueryDsl, TransactionManager};
use serde_json::{json, Value};

use crate::helpers::*;

async fn page(app: &TestApp, query: &str) -> Value {
    let r = app.get(&format!("/changes?{query}")).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn entries(page: &Value) -> Vec<(String, String)> {
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["reference"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    version: &Value,
    body: Option<Value>,
) -> Value {
    let mut request = app
        .client
        .request(method, app.url(path))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{version}\""));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/merge-patch+json")
            .body(body.to_string());
    }
    let r = request.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Reads the whole feed from `since` in pages of `limit`; returns the entries and the cursor.
async fn read_all(app: &TestApp, since: &str, limit: usize) -> (Vec<(String, String)>, String) {
    let mut since = since.to_owned();
    let mut all = Vec::new();
    loop {
        let p = page(app, &format!("since={since}&limit={limit}")).await;
        all.extend(entries(&p));
        since = p["next_cursor"].as_str().unwrap().to_owned();
        if !p["more"].as_bool().unwrap() {
            return (all, since);
        }
    }
}

#[tokio::test]
async fn public_changes_in_order_each_once() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    let mut a = plot_body("C-A", municipality, Some(estate));
    a["published"] = json!(true);
    let a = app.create_plot(&a).await;
    let mut draft = plot_body("C-DRAFT", municipality, Some(estate));
    draft["published"] = json!(false);
    let draft = app.create_plot(&draft).await;
    let (first, cursor) = read_all(&app, "0", 1).await;
    assert_eq!(first, [("published".into(), "C-A".into())]);

    // Internal edits and draft edits are not changes; public edits are.
    let v = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/plots/{}", a["id"]),
        &a["version"],
        Some(json!({"internal_notes": "call back"})),
    )
    .await;
    let d = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/plots/{}", draft["id"]),
        &draft["version"],
        Some(json!({"status": "reserved"})),
    )
    .await;
    let v = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/plots/{}", a["id"]),
        &v["version"],
        Some(json!({"status": "reserved"})),
    )
    .await;
    let d = send(
        &app,
        reqwest::Method::POST,
        &format!("/plots/{}/publish", draft["id"]),
        &d["version"],
        None,
    )
    .await;
    let v = send(
        &app,
        reqwest::Method::POST,
        &format!("/plots/{}/unpublish", a["id"]),
        &v["version"],
        None,
    )
    .await;
    // An unpublished plot renamed stays private: the feed keeps the name it had in public.
    send(
        &app,
        reqwest::Method::PATCH,
        &format!("/plots/{}", a["id"]),
        &v["version"],
        Some(json!({"reference": "C-A-SECRET"})),
    )
    .await;
    send(
        &app,
        reqwest::Method::DELETE,
        &format!("/plots/{}", draft["id"]),
        &d["version"],
        None,
    )
    .await;

    let (next, end) = read_all(&app, &cursor, 2).await;
    let want: Vec<(String, String)> = [
        ("updated", "C-A"),
        ("published", "C-DRAFT"),
        ("unpublished", "C-A"),
        ("deleted", "C-DRAFT"),
    ]
    .iter()
    .map(|(k, r)| (k.to_string(), r.to_string()))
    .collect();
    assert_eq!(next, want);
    // Nothing again from the end; the same from the start.
    let again = page(&app, &format!("since={end}")).await;
    assert!(entries(&again).is_empty());
    assert_eq!(again["next_cursor"], end.as_str());
    assert!(!again["more"].as_bool().unwrap());
    let (everything, _) = read_all(&app, "0", 1000).await;
    assert_eq!(everything.len(), 5);
    assert!(!serde_json::to_string(&everything)
        .unwrap()
        .contains("SECRET"));

    // Links and bad parameters.
    let p = page(&app, "limit=1").await;
    let next = p["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "next")
        .unwrap();
    assert!(next["href"]
        .as_str()
        .unwrap()
        .contains(&format!("since={}", p["next_cursor"].as_str().unwrap())));
    for bad in [
        "since=abc",
        "since=1.-2",
        "limit=0",
        "limit=1001",
        "municipality=99999",
        "region=abc",
    ] {
        assert_problem(app.get(&format!("/changes?{bad}")).await, 400).await;
    }
    let mine = page(&app, &format!("municipality={municipality}")).await;
    assert_eq!(entries(&mine).len(), 5);
    let other = app.other_municipality().await;
    assert!(entries(&page(&app, &format!("municipality={other}")).await).is_empty());
}

/// Changes are numbered in commit order: a transaction that changed a public plot first holds
/// the numbering until it commits; a later writer waits, and a reader in between sees neither
/// (nothing can appear later below a number it has read).
#[tokio::test]
async fn numbered_in_commit_order_with_concurrent_writers() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    let mut early = plot_body("G-EARLY", municipality, Some(estate));
    early["published"] = json!(true);
    let early = app.create_plot(&early).await;
    let mut late = plot_body("G-LATE", municipality, Some(estate));
    late["published"] = json!(true);
    let late = app.create_plot(&late).await;
    let (_, cursor) = read_all(&app, "0", 100).await;

    let mut older = app.db().await;
    AnsiTransactionManager::begin_transaction(&mut older)
        .await
        .unwrap();
    diesel::sql_query("UPDATE plots SET status = 'sold' WHERE id = $1")
        .bind::<diesel::sql_types::BigInt, _>(early["id"].as_i64().unwrap())
        .execute(&mut older)
        .await
        .unwrap();
    let writer = {
        let client = app.client.clone();
        let url = app.url(&format!("/plots/{}", late["id"]));
        let version = late["version"].clone();
        tokio::spawn(async move {
            client
                .patch(url)
                .bearer_auth(TOKEN)
                .header("If-Match", format!("\"{version}\""))
                .header("content-type", "application/merge-patch+json")
                .body(r#"{"status": "reserved"}"#)
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let held = page(&app, &format!("since={cursor}")).await;
    assert!(entries(&held).is_empty(), "{held}");
    assert_eq!(held["next_cursor"], cursor.as_str());
    AnsiTransactionManager::commit_transaction(&mut older)
        .await
        .unwrap();
    assert_eq!(writer.await.unwrap(), 200);
    let (after, _) = read_all(&app, &cursor, 100).await;
    assert_eq!(
        after,
        [
            ("updated".to_owned(), "G-EARLY".to_owned()),
            ("updated".to_owned(), "G-LATE".to_owned())
        ]
    );
}

/// Every column of `plots` is compared by `gwf_plot_public` or listed here as not public: a
/// new column must be placed on one side.
#[tokio::test]
async fn every_plot_column_is_public_or_internal() {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    const NOT_PUBLIC: [&str; 14] = [
        "id",
        "published",
        "deleted_at",
        "internal_notes",
        "owner_name",
        "owner_contact",
        "is_demo",
        "created_at",
        "updated_at",
        "version",
        "search_tsv",
        "area_m2",
        "tile_x",
        "tile_y",
    ];
    let app = spawn_app().await;
    let mut conn = app.db().await;
    let definition: Name = diesel::sql_query(
        "SELECT pg_get_functiondef('gwf_plot_public(plots)'::regprocedure) AS name",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    let columns: Vec<Name> = diesel::sql_query(
        "SELECT column_name::text AS name FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name = 'plots'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    for c in columns {
        let compared = definition.name.contains(&format!("p.{},", c.name))
            || definition.name.contains(&format!("p.{})", c.name));
        assert!(
            compared != NOT_PUBLIC.contains(&c.name.as_str()),
            "column `{}`: compared by gwf_plot_public: {compared}; listed as not public: {}",
            c.name,
            NOT_PUBLIC.contains(&c.name.as_str())
        );
    }
}

#[tokio::test]
async fn atom_feed_of_new_plots() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    let mut a = plot_body("N-1", municipality, Some(estate));
    a["published"] = json!(true);
    a["title_en"] = json!("By the port <south> & more");
    app.create_plot(&a).await;
    let mut draft = plot_body("N-DRAFT", municipality, Some(estate));
    draft["published"] = json!(false);
    app.create_plot(&draft).await;
    let r = app.get("/changes/atom?lang=en").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let body = r.text().await.unwrap();
    assert!(
        body.contains("<title>N-1 – By the port &lt;south&gt; &amp; more</title>"),
        "{body}"
    );
    assert!(body.contains("/plots/N-1/profile?lang=en"), "{body}");
    assert!(body.contains(" m²"), "{body}");
    assert!(!body.contains("N-DRAFT"));
    let mine = app
        .get(&format!("/changes/atom?municipality={municipality}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(mine.contains("N-1") && mine.contains("xml:lang=\"de\""));
    let other = app.other_municipality().await;
    let none = app
        .get(&format!("/changes/atom?municipality={other}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!none.contains("<entry>"));
    assert_problem(app.get("/changes/atom?lang=fr").await, 400).await;
}
