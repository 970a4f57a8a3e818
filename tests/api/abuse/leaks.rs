//! Leaks closed: imports tell nothing of plots the importer may not read, permission comes
//! before preconditions, staff answers stay out of shared caches, forwarded headers are
//! believed only from trusted proxies, and the HTML pages run no inline script.

use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::{json, Value};

use crate::helpers::*;

const EDITOR: &str = "gwf_ludwigslust-editor";

/// Ludwigslust's editor, Grabow with a draft, a deleted plot and a published plot; returns
/// (Ludwigslust's id, Grabow's id).
async fn two_towns(app: &TestApp) -> (i64, i64) {
    let (own, _) = app.place().await;
    let other = app.other_municipality().await;
    app.account_with_token("anna@ludwigslust.example", "editor", &[own], EDITOR)
        .await;
    let mut draft = plot_body("GRA-DRAFT", other, None);
    draft["published"] = json!(false);
    app.create_plot(&draft).await;
    let mut deleted = plot_body("GRA-GONE", other, None);
    deleted["geometry"]["coordinates"] = json!([square(11.52, 53.33, 0.001)]);
    // Published until it was deleted: still nobody's business.
    let deleted = app.create_plot(&deleted).await;
    let response = app
        .client
        .delete(app.url(&format!("/plots/{}", deleted["id"])))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", deleted["version"]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let mut public = plot_body("GRA-PUBLIC", other, None);
    public["geometry"]["coordinates"] = json!([square(11.54, 53.33, 0.001)]);
    app.create_plot(&public).await;
    (own, other)
}

fn feature(reference: &str, lon: f64) -> Value {
    json!({"type": "Feature",
           "geometry": {"type": "Polygon", "coordinates": [square(lon, 53.40, 0.001)]},
           "properties": {"reference": reference, "title_de": "Fläche",
                          "municipality_ags": "13076090", "status": "available",
                              "zoning": "GE", "bplan_status": "legally_binding",
                              "servicing": "full", "offer": "sale", "price_min_eur_m2": "12.50",
                          "data_confirmed_on": "2026-10-01"}})
}

async fn import(app: &TestApp, token: &str, features: Vec<Value>) -> reqwest::Response {
    app.client
        .post(app.url("/imports"))
        .bearer_auth(token)
        .header("content-type", "application/geo+json")
        .body(json!({"type": "FeatureCollection", "features": features}).to_string())
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .unwrap()
}

/// An editor's import that names other towns' references learns that a reference is taken,
/// no more: not the town, not whether the plot is a draft or deleted. It locks none of them.
#[tokio::test]
async fn imports_reveal_nothing_of_plots_the_importer_cannot_read() {
    let app = spawn_app().await;
    let (_, grabow) = two_towns(&app).await;

    // Another session holds Grabow's plots locked for the whole import.
    let mut locker = AsyncPgConnection::establish(&app.database_url)
        .await
        .unwrap();
    diesel::sql_query("BEGIN")
        .execute(&mut locker)
        .await
        .unwrap();
    diesel::sql_query("SELECT id FROM plots WHERE reference LIKE 'GRA-%' FOR UPDATE")
        .execute(&mut locker)
        .await
        .unwrap();

    let response = import(
        &app,
        EDITOR,
        vec![
            feature("GRA-DRAFT", 11.40),
            feature("GRA-GONE", 11.42),
            feature("GRA-PUBLIC", 11.44),
        ],
    )
    .await;
    let problem = assert_problem(response, 422).await;
    diesel::sql_query("ROLLBACK")
        .execute(&mut locker)
        .await
        .unwrap();

    let problems = problem["report"]["problems"].as_array().unwrap();
    let message = |feature: u64| {
        problems
            .iter()
            .filter(|p| p["feature"] == feature)
            .map(|p| p["problem"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // The draft and the deleted plot answer alike (but for their reference).
    assert_eq!(
        message(0),
        message(1)
            .iter()
            .map(|m| m.replace("GRA-GONE", "GRA-DRAFT"))
            .collect::<Vec<_>>()
    );
    assert_eq!(message(0).len(), 1, "{problem}");
    let text = problem.to_string();
    for secret in [
        "deleted",
        "Grabow",
        "13076050",
        &format!("municipality {grabow}"),
    ] {
        assert!(!text.contains(secret), "`{secret}` in {text}");
    }
    // The published one is public anyway: it is somebody else's.
    assert!(message(2)[0].contains("another municipality"), "{problem}");
}

/// Imports create drafts and leave `published` as it is: a file cannot publish.
#[tokio::test]
async fn imports_cannot_publish() {
    let app = spawn_app().await;
    app.place().await;
    let mut published = feature("IMP-PUB", 11.40);
    published["properties"]["published"] = json!(true);
    let response = import(&app, TOKEN, vec![published.clone()]).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["created"], 1);
    assert!(report.to_string().contains("published"), "{report}");
    let plot: Value = app.get_staff("/plots/IMP-PUB").await.json().await.unwrap();
    assert_eq!(plot["published"], false);
    assert_problem(app.get("/plots/IMP-PUB").await, 404).await;
}

/// Reproduced: without `If-Match` a foreign plot answered 428 and so told the caller it
/// exists and may be edited by someone. Now permission comes first.
#[tokio::test]
async fn permission_is_checked_before_preconditions() {
    let app = spawn_app().await;
    two_towns(&app).await;
    let draft: Value = app
        .get_staff("/plots/GRA-DRAFT")
        .await
        .json()
        .await
        .unwrap();
    let public: Value = app
        .get_staff("/plots/GRA-PUBLIC")
        .await
        .json()
        .await
        .unwrap();
    for (plot, expected) in [(&public, 403), (&draft, 404)] {
        let id = &plot["id"];
        for with_if_match in [false, true] {
            let requests = [
                app.client
                    .patch(app.url(&format!("/plots/{id}")))
                    .json(&json!({"title_de": "Übernommen"})),
                app.client.delete(app.url(&format!("/plots/{id}"))),
                app.client.post(app.url(&format!("/plots/{id}/publish"))),
                app.client.post(app.url(&format!("/plots/{id}/unpublish"))),
            ];
            for request in requests {
                let request = match with_if_match {
                    true => request.header("If-Match", format!("\"{}\"", plot["version"])),
                    false => request,
                };
                let response = request.bearer_auth(EDITOR).send().await.unwrap();
                assert_eq!(
                    response.status().as_u16(),
                    expected,
                    "{} If-Match: {with_if_match}",
                    plot["reference"]
                );
            }
        }
    }
}

/// Only admins see deleted plots: a restore by anyone else is refused before the key is looked
/// up, so a deleted plot and no plot at all answer alike.
#[tokio::test]
async fn restoring_tells_others_nothing_of_deleted_plots() {
    let app = spawn_app().await;
    two_towns(&app).await;
    let deleted: Value = app
        .get_staff("/plots?deleted=true")
        .await
        .json()
        .await
        .unwrap();
    let id = &deleted["items"][0]["id"];
    for key in [id.to_string(), "999999".to_owned()] {
        let response = app
            .client
            .post(app.url(&format!("/plots/{key}/restore")))
            .bearer_auth(EDITOR)
            .header("If-Match", "\"1\"")
            .send()
            .await
            .unwrap();
        assert_problem(response, 403).await;
    }
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Answers that differ for staff are `private` and vary by `Authorization`; public answers
/// stay cacheable.
#[tokio::test]
async fn staff_answers_stay_out_of_shared_caches() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    app.create_plot(&plot_body("CACHE-1", municipality, Some(estate)))
        .await;
    for path in [
        "/plots",
        "/plots/facets",
        "/plots/CACHE-1",
        "/municipalities",
    ] {
        let public = app.get(path).await;
        assert_eq!(public.status(), 200, "{path}");
        assert!(header(&public, "vary").contains("Authorization"), "{path}");
        assert!(
            !header(&public, "cache-control").contains("private"),
            "{path}"
        );
        let staff = app.get_staff(path).await;
        assert!(header(&staff, "vary").contains("Authorization"), "{path}");
        assert!(
            header(&staff, "cache-control").contains("private"),
            "{path}"
        );
    }
    // Tiles are the same for everyone (published plots only) and stay public.
    let tile = app.get_staff("/tiles/plots/10/544/329.mvt").await;
    assert!(header(&tile, "cache-control").contains("public"));
}

/// Reproduced: `X-Forwarded-Host` shaped absolute links, so a shared cache could be poisoned
/// with links to another host. Now only a trusted proxy is believed, and HTTPS behind it
/// brings HSTS.
#[tokio::test]
async fn forwarded_headers_count_only_from_trusted_proxies() {
    let forged = |app: &TestApp| {
        app.client
            .get(app.url("/plots"))
            .header("X-Forwarded-Host", "evil.example")
            .header("X-Forwarded-Proto", "https")
            .send()
    };
    let app = spawn_app().await;
    let response = forged(&app).await.unwrap();
    assert!(header(&response, "strict-transport-security").is_empty());
    let body = response.text().await.unwrap();
    assert!(!body.contains("evil.example"), "{body}");

    let behind_proxy = spawn_app_with(&[("GWF_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let response = forged(&behind_proxy).await.unwrap();
    assert!(header(&response, "strict-transport-security").contains("max-age="));
    let body = response.text().await.unwrap();
    assert!(body.contains("https://evil.example/plots"), "{body}");
}

/// The embed and profile pages run scripts from files only: no inline script, no
/// `'unsafe-inline'` for scripts.
#[tokio::test]
async fn html_pages_run_no_inline_script() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    app.create_plot(&plot_body("PAGE-1", municipality, Some(estate)))
        .await;
    for path in [
        "/embed",
        "/embed?kiosk=1",
        "/plots/PAGE-1/profile",
        "/?f=html",
        "/compare?plots=PAGE-1",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        let csp = header(&response, "content-security-policy");
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap_or_else(|| panic!("{path}: no script-src in {csp}"));
        assert!(!script_src.contains("unsafe"), "{path}: {script_src}");
        let html = response.text().await.unwrap();
        for tag in html.split("<script").skip(1) {
            let open = &tag[..tag.find('>').unwrap()];
            let body = &tag[tag.find('>').unwrap() + 1..tag.find("</script>").unwrap()];
            assert!(
                // Data blocks (page settings, schema.org JSON-LD) are never executed.
                open.contains("src=") && body.trim().is_empty()
                    || open.contains("type=\"application/json\"")
                    || open.contains("type=\"application/ld+json\""),
                "{path}: inline script <script{open}>"
            );
        }
    }
}
