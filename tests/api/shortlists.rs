//! Shortlists (issue 18 point 3) over HTTP: making and reading one, its limits and hostile
//! input, a plot unpublished since, the QR code, the page (DE/EN, noindex), an inquiry sent
//! from it, retention by `maintenance run`, and the rate limit.

use std::process::Command;

use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::inquiries::{inquiry, listed, two_towns, EDITOR, MANY, OTHER_EDITOR};

const BIN: &str = env!("CARGO_BIN_EXE_gewerbeflaechen");
/// Shortlists made from one test's address would soon hit the real limit of 10 a minute.
const MANY_SHORTLISTS: (&str, &str) = ("GWF_RATE_SHORTLIST_PER_MIN", "1000");

async fn make(app: &TestApp, plots: Value) -> reqwest::Response {
    app.client
        .post(app.url("/shortlists"))
        .json(&json!({ "plots": plots }))
        .send()
        .await
        .unwrap()
}

async fn made(app: &TestApp, plots: Value) -> Value {
    let response = make(app, plots).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn unpublish(app: &TestApp, reference: &str) {
    let plot: Value = app
        .get(&format!("/plots/{reference}"))
        .await
        .json()
        .await
        .unwrap();
    let response = app
        .client
        .post(app.url(&format!("/plots/{reference}/unpublish")))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", plot["version"]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_shortlist_keeps_its_plots_in_order_under_a_short_unguessable_code() {
    let app = spawn_app_with(&[MANY_SHORTLISTS]).await;
    two_towns(&app).await;
    let gra: Value = app.get("/plots/GRA-001").await.json().await.unwrap();
    let response = make(&app, json!(["GRA-001", "lwl-001", "GRA-001", gra["id"]])).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let made: Value = response.json().await.unwrap();
    let code = made["code"].as_str().unwrap();
    assert_eq!(code.len(), 12);
    assert!(code
        .bytes()
        .all(|b| b"0123456789abcdefghjkmnpqrstvwxyz".contains(&b)));
    assert_eq!(location, format!("/shortlists/{code}"));
    assert_eq!(made["url"], format!("{}/s/{code}", app.base));
    assert_eq!(made["qr_url"], format!("{}/s/{code}/qr.svg", app.base));
    let refs = |v: &Value| -> Vec<String> {
        v["plots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["reference"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        refs(&made),
        ["GRA-001", "LWL-001"],
        "order kept, duplicates gone"
    );
    assert_eq!(made["unavailable"], 0);

    let read: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(refs(&read), refs(&made));
    assert_eq!(read["created_at"], made["created_at"]);
    // Upper case is the same code (people type what they read off a screen).
    let upper = app
        .get(&format!("/shortlists/{}", code.to_uppercase()))
        .await;
    assert_eq!(upper.status(), 200);
    // The same plots again make a new code: shortlists are never shared or changed.
    let again = self::made(&app, json!(["GRA-001", "LWL-001"])).await;
    assert_ne!(again["code"], made["code"]);
    // Staff read the public fields of a shared link, like everyone else.
    let staff: Value = app.get_staff(&location).await.json().await.unwrap();
    assert_eq!(refs(&staff), refs(&made));
    assert!(staff["plots"][0].get("internal_notes").is_none());
}

#[tokio::test]
async fn hostile_and_wrong_shortlists_are_refused_before_any_work() {
    let app = spawn_app_with(&[MANY_SHORTLISTS]).await;
    two_towns(&app).await;
    let pointers_of = |problem: &Value| pointers(problem);
    // Drafts and unknown plots cannot go into a public link, whoever asks.
    let problem = assert_problem(
        make(&app, json!(["LWL-001", "LWL-DRAFT", "NOPE-1"])).await,
        422,
    )
    .await;
    assert_eq!(pointers_of(&problem), ["/plots/1", "/plots/2"]);
    let as_editor = app
        .client
        .post(app.url("/shortlists"))
        .bearer_auth(EDITOR)
        .json(&json!({"plots": ["LWL-DRAFT"]}))
        .send()
        .await
        .unwrap();
    assert_problem(as_editor, 422).await;
    // Empty, too many, not plot keys, unknown members, wrong types.
    assert_problem(make(&app, json!([])).await, 422).await;
    let thirteen: Vec<String> = (0..13).map(|i| format!("X-{i}")).collect();
    let problem = assert_problem(make(&app, json!(thirteen)).await, 422).await;
    assert!(pointers_of(&problem).contains(&"/plots".to_owned()));
    assert_problem(make(&app, json!(["no such thing!"])).await, 422).await;
    let extra = app
        .client
        .post(app.url("/shortlists"))
        .json(&json!({"plots": ["LWL-001"], "owner": "me"}))
        .send()
        .await
        .unwrap();
    assert_problem(extra, 422).await;
    assert_problem(make(&app, json!("LWL-001")).await, 422).await;
    let broken = app
        .client
        .post(app.url("/shortlists"))
        .header("Content-Type", "application/json")
        .body("{\"plots\": [")
        .send()
        .await
        .unwrap();
    assert_problem(broken, 400).await;
    // Over 2 KiB: refused unread.
    let big = json!({"plots": ["LWL-001"], "pad": "x".repeat(3000)}).to_string();
    let response = app
        .client
        .post(app.url("/shortlists"))
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_problem(response, 413).await;
    let form = app
        .client
        .post(app.url("/shortlists"))
        .header("Content-Type", "text/plain")
        .body("plots=LWL-001")
        .send()
        .await
        .unwrap();
    assert_problem(form, 415).await;
    // Codes that cannot exist, and codes that do not: 404 problems (no lookup for the former).
    for bad in [
        "000000000000",
        "short",
        "0123456789abcdefghjk",
        "ilou00000000",
        "..%2F..%2Fetc",
    ] {
        assert_problem(app.get(&format!("/shortlists/{bad}")).await, 404).await;
        assert_problem(app.get(&format!("/s/{bad}/qr.svg")).await, 404).await;
        let page = app.get(&format!("/s/{bad}")).await;
        assert_eq!(page.status(), 404, "{bad}");
        assert!(page.text().await.unwrap().contains("noindex"));
    }
    let count: i64 = count_shortlists(&app).await;
    assert_eq!(count, 0, "nothing stored by refused requests");
}

async fn count_shortlists(app: &TestApp) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db().await;
    let n: N = diesel::sql_query("SELECT count(*) AS n FROM shortlists")
        .get_result(&mut conn)
        .await
        .unwrap();
    n.n
}

#[tokio::test]
async fn a_plot_unpublished_since_is_no_longer_available_and_not_named() {
    let app = spawn_app_with(&[MANY_SHORTLISTS]).await;
    two_towns(&app).await;
    let made = made(&app, json!(["LWL-001", "GRA-001"])).await;
    let code = made["code"].as_str().unwrap();
    unpublish(&app, "LWL-001").await;
    let read: Value = app
        .get(&format!("/shortlists/{code}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["plots"].as_array().unwrap().len(), 1);
    assert_eq!(read["plots"][0]["reference"], "GRA-001");
    assert_eq!(read["unavailable"], 1);
    assert!(!read.to_string().contains("LWL-001"));
    let page = app
        .get(&format!("/s/{code}?lang=en"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("One plot of this shortlist is no longer available."));
    assert!(
        !page.contains("LWL-001"),
        "the unpublished plot is not named"
    );
    // Staff see the same: the link is public.
    let staff: Value = app
        .get_staff(&format!("/shortlists/{code}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff["unavailable"], 1);
}

#[tokio::test]
async fn the_qr_code_is_an_svg_of_the_shortlists_absolute_url() {
    let app = spawn_app_with(&[MANY_SHORTLISTS]).await;
    two_towns(&app).await;
    let made = made(&app, json!(["LWL-001"])).await;
    let code = made["code"].as_str().unwrap();
    let response = app.get(&format!("/s/{code}/qr.svg")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let cache = response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cache.contains("max-age=86400"), "{cache}");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let svg = response.text().await.unwrap();
    assert!(
        svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );
    for forbidden in ["<script", "javascript:", "onload", "href", "<foreignObject"] {
        assert!(
            !svg.to_lowercase().contains(&forbidden.to_lowercase()),
            "{forbidden}"
        );
    }
    // The same QR code as the service's renderer makes of the absolute URL: what a phone reads.
    let url = format!("{}/s/{code}", app.base);
    assert_eq!(svg, gewerbeflaechen::api::shortlists::qr_svg(&url).unwrap());
    assert!(
        svg.contains("viewBox") && svg.contains(r##"fill="#000000""##),
        "{svg}"
    );
}

#[tokio::test]
async fn the_page_compares_the_plots_in_german_and_english_and_is_not_indexed() {
    let app = spawn_app_with(&[MANY_SHORTLISTS]).await;
    two_towns(&app).await;
    let made = made(&app, json!(["LWL-001", "GRA-001"])).await;
    let code = made["code"].as_str().unwrap();
    let response = app
        .client
        .get(app.url(&format!("/s/{code}")))
        .header("Accept-Language", "de-DE,de;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-robots-tag"], "noindex, nofollow");
    assert!(response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("private"));
    let de = response.text().await.unwrap();
    assert!(de.contains(r#"<html lang="de">"#));
    assert!(de.contains(r#"<meta name="robots" content="noindex, nofollow">"#));
    assert!(de.contains("<h1>Merkliste</h1>"));
    assert!(de.contains("Flächenvergleich") || de.contains("Flächen im Vergleich"));
    assert!(de.contains("/plots/LWL-001/profile?lang=de"));
    assert!(de.contains("/plots/GRA-001/profile?lang=de"));
    assert!(de.contains(&format!(r#"src="/s/{code}/qr.svg""#)));
    assert!(
        de.contains(&format!(r#"data-shortlist="{code}""#)),
        "contact form"
    );
    assert!(de.contains("/plots/LWL-001/image.png"), "og:image");
    let en = app
        .get(&format!("/s/{code}?lang=en"))
        .await
        .text()
        .await
        .unwrap();
    assert!(en.contains(r#"<html lang="en">"#));
    assert!(en.contains("<h1>Shortlist</h1>"));
    assert!(en.contains("Plots compared"));
    assert_problem(app.get(&format!("/s/{code}?lang=fr")).await, 400).await;
    // Profiles of published plots offer collecting them.
    let profile = app
        .get("/plots/LWL-001/profile?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(profile.contains(r#"data-shortlist-button data-plot="LWL-001""#));
    assert!(profile.contains("/assets/shortlist."), "the tray's script");
    // More than four plots: groups of four, each its own table (prints page by page).
    let own = two_towns_own(&app).await;
    let mut refs = vec!["LWL-001".to_owned(), "GRA-001".to_owned()];
    for i in 2..7 {
        let reference = format!("LWL-{i:03}");
        let mut body = plot_body(&reference, own, None);
        body["geometry"]["coordinates"] = json!([square(11.4 + f64::from(i) * 0.01, 53.5, 0.001)]);
        app.create_plot(&body).await;
        refs.push(reference);
    }
    let seven = self::made(&app, json!(refs)).await;
    let page = app
        .get(&format!("/s/{}?lang=en", seven["code"].as_str().unwrap()))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("<table class=\"compare\"").count(), 2);
    assert!(page.contains("Plots 5–7"));
}

/// The municipality of `LWL-001` (Ludwigslust in `two_towns`).
async fn two_towns_own(app: &TestApp) -> i64 {
    let plot: Value = app.get("/plots/LWL-001").await.json().await.unwrap();
    plot["municipality_id"].as_i64().unwrap()
}

#[tokio::test]
async fn an_inquiry_from_a_shortlist_names_it_and_goes_to_each_town() {
    let app = spawn_app_with(&[MANY, MANY_SHORTLISTS]).await;
    let (own, other) = two_towns(&app).await;
    let made = made(&app, json!(["GRA-001", "LWL-001"])).await;
    let code = made["code"].as_str().unwrap();
    let mut body = inquiry(json!([]));
    body.as_object_mut().unwrap().remove("plots");
    body["shortlist"] = json!(code.to_uppercase());
    body["source"] = json!("shortlist");
    let response = crate::inquiries::send(&app, &body).await;
    assert_eq!(response.status(), 202);
    let mine = listed(&app, EDITOR, "").await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["routed_to"]["id"], own);
    assert_eq!(mine[0]["plot_references"], json!(["LWL-001"]));
    assert_eq!(mine[0]["shortlist"], code);
    assert_eq!(mine[0]["source"], "shortlist");
    let theirs = listed(&app, OTHER_EDITOR, "").await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["routed_to"]["id"], other);
    assert_eq!(theirs[0]["shortlist"], code);
    assert_eq!(mine[0]["submission"], theirs[0]["submission"]);

    // Unpublished since: only the plots still published are asked about.
    unpublish(&app, "GRA-001").await;
    crate::inquiries::send(&app, &body).await;
    assert_eq!(
        listed(&app, OTHER_EDITOR, "").await.len(),
        1,
        "none new for Grabow"
    );
    assert_eq!(listed(&app, EDITOR, "").await.len(), 2);
    unpublish(&app, "LWL-001").await;
    let problem = assert_problem(crate::inquiries::send(&app, &body).await, 422).await;
    assert_eq!(pointers(&problem), ["/shortlist"]);

    // Not a code, no such shortlist, or a shortlist with plots besides: refused.
    for (shortlist, plots) in [
        (json!("nope"), None),
        (json!("000000000000"), None),
        (json!(code), Some(json!(["LWL-001"]))),
    ] {
        let mut bad = body.clone();
        bad["shortlist"] = shortlist;
        if let Some(plots) = plots {
            bad["plots"] = plots;
        }
        let problem = assert_problem(crate::inquiries::send(&app, &bad).await, 422).await;
        assert!(
            pointers(&problem).contains(&"/shortlist".to_owned()),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn maintenance_run_deletes_shortlists_nobody_opened_for_the_retention_time() {
    let app = spawn_app_with(&[MANY_SHORTLISTS]).await;
    two_towns(&app).await;
    let old = made(&app, json!(["LWL-001"])).await;
    let used = made(&app, json!(["GRA-001"])).await;
    let mut conn = app.db().await;
    diesel::sql_query(
        "UPDATE shortlists SET created_at = now() - interval '400 days', \
                               last_used_at = now() - interval '181 days'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    // Opening one moves its mark forward (at most once a day).
    let opened = app
        .get(&format!("/s/{}", used["code"].as_str().unwrap()))
        .await;
    assert_eq!(opened.status(), 200);
    let run = |days: Option<&str>| {
        let mut command = Command::new(BIN);
        command
            .args(["maintenance", "run"])
            .env("DATABASE_URL", &app.database_url);
        if let Some(days) = days {
            command.env("GWF_SHORTLIST_RETENTION_DAYS", days);
        }
        let out = command.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let out = run(None);
    assert!(
        out.contains("1 shortlists deleted (not opened for 180 days)"),
        "{out}"
    );
    assert_problem(
        app.get(&format!("/shortlists/{}", old["code"].as_str().unwrap()))
            .await,
        404,
    )
    .await;
    assert_eq!(
        app.get(&format!("/shortlists/{}", used["code"].as_str().unwrap()))
            .await
            .status(),
        200
    );
    assert!(run(None).contains("0 shortlists deleted"), "nothing new");
    assert!(
        run(Some("1")).contains("0 shortlists deleted"),
        "used today"
    );
}

#[tokio::test]
async fn making_shortlists_is_rate_limited_per_address() {
    let app = spawn_app_with(&[("GWF_RATE_SHORTLIST_PER_MIN", "3")]).await;
    two_towns(&app).await;
    for _ in 0..3 {
        assert_eq!(make(&app, json!(["LWL-001"])).await.status(), 201);
    }
    let response = make(&app, json!(["LWL-001"])).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 429).await;
    // Reading is not limited by it.
    let made: Value = app
        .client
        .get(app.url("/shortlists/000000000000"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(made["status"], 404);
}
