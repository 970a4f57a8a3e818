//! What a town officer ran into when a real region came on board: municipalities by AGS and
//! unknown places named in filters, a drafts filter, draft profile previews, refusals that name
//! the town, problems in German, and Swagger UI pre-filling example values.

mod language;

use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;

const EDITOR_LWL: &str = "gwf_test-editor-ludwigslust-0123456789";
const EDITOR_GRABOW: &str = "gwf_test-editor-grabow-0123456789abc";

/// Ludwigslust (AGS 13076090) with a published plot and a draft, Grabow (AGS 13076050) with a
/// published plot; editors of each. Returns (ludwigslust id, grabow id, estate id).
async fn region(app: &TestApp) -> (i64, i64, i64) {
    let (lwl, estate) = app.place().await;
    let grabow = app.other_municipality().await;
    let mut published = plot_body("LWL-001", lwl, Some(estate));
    published["published"] = json!(true);
    app.create_plot(&published).await;
    let mut draft = plot_body("LWL-002", lwl, None);
    draft["published"] = json!(false);
    app.create_plot(&draft).await;
    let mut other = plot_body("GRB-001", grabow, None);
    other["published"] = json!(true);
    app.create_plot(&other).await;
    app.account_with_token("lwl@test.example", "editor", &[lwl], EDITOR_LWL)
        .await;
    app.account_with_token("grabow@test.example", "editor", &[grabow], EDITOR_GRABOW)
        .await;
    (lwl, grabow, estate)
}

async fn references(response: reqwest::Response) -> Vec<String> {
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reference"].as_str().unwrap().to_owned())
        .collect()
}

async fn get_as(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_ags_names_a_municipality_wherever_an_id_does() {
    let app = spawn_app().await;
    let (lwl, _, estate) = region(&app).await;

    assert_eq!(
        references(app.get("/plots?municipality=13076050").await).await,
        ["GRB-001"]
    );
    assert_eq!(
        references(
            app.get(&format!("/plots?municipality={lwl},13076050"))
                .await
        )
        .await,
        ["GRB-001", "LWL-001"]
    );
    let searched = app
        .client
        .post(app.url("/plots/search"))
        .json(&json!({"municipality": ["13076090"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(references(searched).await, ["LWL-001"]);

    let facets: Value = app
        .get("/plots/facets?municipality=13076050")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(facets["total"]["count"], 1);
    let export: Value = app
        .get_staff("/plots/export?municipality=13076090")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        export["features"].as_array().unwrap().len(),
        2,
        "drafts too"
    );
    assert_eq!(
        app.get("/tiles/plots.json?municipality=13076050")
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get("/tiles/plots/12/2178/1322.mvt?municipality=13076050")
            .await
            .status()
            .as_u16()
            / 100,
        2
    );

    let town: Value = app
        .get("/municipalities/13076050")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(town["name"], "Grabow");
    let estates: Value = app
        .get("/estates?parent=13076090")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(estates[0]["id"], estate);
    let by_id: Value = app
        .get(&format!("/estates?parent={lwl}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_id, estates);
}

#[tokio::test]
async fn unknown_places_in_filters_are_named_not_answered_with_nothing() {
    let app = spawn_app().await;
    let (lwl, grabow, estate) = region(&app).await;

    let problem = assert_problem(app.get("/plots?municipality=99999999").await, 400).await;
    assert_eq!(pointers(&problem), ["municipality"]);
    assert!(
        problem["detail"].as_str().unwrap().contains("99999999"),
        "{problem}"
    );
    let problem = assert_problem(app.get("/plots?region=999&estate=998").await, 400).await;
    assert_eq!(pointers(&problem), ["region", "estate"]);
    assert!(problem["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("999"));
    for path in [
        "/plots/facets?municipality=4242",
        "/tiles/plots.json?estate=4242",
        "/tiles/plots/12/2178/1322.mvt?region=4242",
        "/municipalities?parent=4242",
        "/estates?parent=99999999",
        "/estates?parent=4242",
    ] {
        let problem = assert_problem(app.get(path).await, 400).await;
        assert!(
            problem["detail"].as_str().unwrap().contains("4242") || path.contains("9999"),
            "{path}: {problem}"
        );
    }
    let body = app
        .client
        .post(app.url("/plots/search"))
        .json(&json!({"municipality": "13000000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(pointers(&assert_problem(body, 400).await), ["municipality"]);

    // A draft estate is unknown to the public, known to staff who read it.
    let mut conn = app.db().await;
    diesel::sql_query(format!(
        "UPDATE estates SET published = false WHERE id = {estate}"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    assert_problem(app.get(&format!("/plots?estate={estate}")).await, 400).await;
    assert_eq!(
        app.get_with(&format!("/plots?estate={estate}"), EDITOR_LWL)
            .await,
        200
    );
    assert_eq!(
        app.get_with(&format!("/plots?estate={estate}"), EDITOR_GRABOW)
            .await,
        400
    );
    assert_eq!(
        app.get_with(&format!("/plots?estate={estate}"), TOKEN)
            .await,
        200
    );

    // A deleted municipality is unknown to everyone, by id and by AGS.
    diesel::sql_query(format!(
        "UPDATE municipalities SET deleted_at = now() WHERE id = {grabow}"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        app.get_with(&format!("/plots?municipality={grabow}"), TOKEN)
            .await,
        400
    );
    assert_eq!(
        app.get_with("/plots?municipality=13076050", TOKEN).await,
        400
    );
    assert_eq!(
        app.get(&format!("/plots?municipality={lwl}"))
            .await
            .status(),
        200
    );

    // Bounded like other lists.
    let many: Vec<String> = (1..=101).map(|i| i.to_string()).collect();
    let problem = assert_problem(
        app.get(&format!("/plots?municipality={}", many.join(",")))
            .await,
        400,
    )
    .await;
    assert_eq!(pointers(&problem), ["municipality"]);
}

#[tokio::test]
async fn staff_filter_drafts() {
    let app = spawn_app().await;
    let (_, grabow, _) = region(&app).await;
    let mut draft = plot_body("GRB-002", grabow, None);
    draft["published"] = json!(false);
    app.create_plot(&draft).await;

    assert_eq!(
        references(app.get_staff("/plots?published=false").await).await,
        ["GRB-002", "LWL-002"]
    );
    assert_eq!(
        references(app.get_staff("/plots?published=true").await).await,
        ["GRB-001", "LWL-001"]
    );
    assert_eq!(
        references(get_as(&app, "/plots?published=false", EDITOR_LWL).await).await,
        ["LWL-002"],
        "an editor's own drafts only"
    );
    let searched = app
        .client
        .post(app.url("/plots/search"))
        .bearer_auth(TOKEN)
        .json(&json!({"published": false, "municipality": "13076090"}))
        .send()
        .await
        .unwrap();
    assert_eq!(references(searched).await, ["LWL-002"]);

    let problem = assert_problem(app.get("/plots?published=false").await, 400).await;
    assert_eq!(pointers(&problem), ["published"]);
    assert!(
        problem["detail"].as_str().unwrap().contains("staff"),
        "{problem}"
    );
    assert_eq!(
        references(app.get("/plots?published=true").await).await,
        ["GRB-001", "LWL-001"]
    );
}

async fn profile(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn preview_link(app: &TestApp, key: &str, token: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/plots/{key}/preview-link")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_preview_draft_profiles_and_share_them_by_link() {
    let app = spawn_app().await;
    region(&app).await;

    assert_eq!(
        profile(&app, "/plots/LWL-002/profile", None).await.status(),
        404
    );
    let page = profile(&app, "/plots/LWL-002/profile", Some(EDITOR_LWL)).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "private, no-store");
    assert_eq!(page.headers()["x-robots-tag"], "noindex");
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Entwurf – nicht veröffentlicht"));
    let english = profile(&app, "/plots/LWL-002/profile?lang=en", Some(TOKEN)).await;
    assert!(english
        .text()
        .await
        .unwrap()
        .contains("Draft – not published"));
    assert_eq!(
        profile(&app, "/plots/LWL-002/profile", Some(EDITOR_GRABOW))
            .await
            .status(),
        404,
        "a draft of another town stays hidden"
    );
    let public = profile(&app, "/plots/LWL-001/profile", None).await;
    assert!(public.headers().get("x-robots-tag").is_none());
    assert!(!public.text().await.unwrap().contains("Entwurf"));

    // A link for browsers: one plot, one hour, no account needed.
    let response = preview_link(&app, "LWL-002", EDITOR_LWL).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let link: Value = response.json().await.unwrap();
    let url = link["url"].as_str().unwrap();
    let path = url.strip_prefix(&app.base).expect("a link to this service");
    assert!(path.contains("/profile?preview="), "{url}");
    let expires =
        chrono::DateTime::parse_from_rfc3339(link["expires_at"].as_str().unwrap()).unwrap();
    let minutes = (expires.timestamp() - chrono::Utc::now().timestamp()) / 60;
    assert!((58..=60).contains(&minutes), "{minutes}");

    let shown = profile(&app, path, None).await;
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["cache-control"], "private, no-store");
    let html = shown.text().await.unwrap();
    assert!(html.contains("Entwurf – nicht veröffentlicht"));
    assert!(
        html.contains("preview="),
        "the language switch keeps the token"
    );

    let token = path.split("preview=").nth(1).unwrap();
    let (expiry, mac) = token.split_once('.').unwrap();
    let tampered = format!("{}.{mac}", expiry.parse::<i64>().unwrap() + 3600);
    for bad in [
        format!("/plots/LWL-002/profile?preview={tampered}"),
        format!("/plots/LWL-002/profile?preview={expiry}.{}", "0".repeat(64)),
        format!("/plots/LWL-002/profile?preview=1.{mac}"),
        "/plots/LWL-002/profile?preview=nonsense".to_owned(),
    ] {
        let problem = assert_problem(profile(&app, &bad, None).await, 404).await;
        assert_eq!(problem["detail"], "no published plot `LWL-002`");
    }
    // The token opens its own plot only.
    let mut draft = plot_body("LWL-003", app.place().await.0, None);
    draft["published"] = json!(false);
    app.create_plot(&draft).await;
    assert_eq!(
        profile(
            &app,
            &format!("/plots/LWL-003/profile?preview={token}"),
            None
        )
        .await
        .status(),
        404
    );

    // Who may make one.
    assert_eq!(
        app.client
            .post(app.url("/plots/LWL-002/preview-link"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        preview_link(&app, "LWL-002", EDITOR_GRABOW).await.status(),
        404
    );
    app.account_with_token(
        "writer@test.example",
        "editor",
        &[app.place().await.0],
        "gwf_test-no-read-token-0123456789abcd",
    )
    .await;
    let mut conn = app.db().await;
    diesel::sql_query("UPDATE auth_tokens SET scopes = '{write}' WHERE user_id = (SELECT id FROM users WHERE email = 'writer@test.example')")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        preview_link(&app, "LWL-002", "gwf_test-no-read-token-0123456789abcd")
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn a_refusal_names_the_town() {
    let app = spawn_app().await;
    region(&app).await;
    let plot: Value = app.get_staff("/plots/LWL-001").await.json().await.unwrap();
    let version = plot["version"].as_i64().unwrap();

    let patched = app
        .client
        .patch(app.url("/plots/LWL-001"))
        .bearer_auth(EDITOR_GRABOW)
        .header("If-Match", format!("\"{version}\""))
        .header("content-type", "application/merge-patch+json")
        .json(&json!({"title_de": "Nicht meine"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(patched, 403).await;
    assert_eq!(
        problem["detail"],
        "this plot belongs to Ludwigslust (AGS 13076090), which is not one of your municipalities"
    );
    let published = app
        .client
        .post(app.url("/plots/LWL-002/publish"))
        .bearer_auth(EDITOR_GRABOW)
        .header("If-Match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(
        published.status(),
        404,
        "another town's draft is not disclosed"
    );
    let unpublished = app
        .client
        .post(app.url("/plots/LWL-001/unpublish"))
        .bearer_auth(EDITOR_GRABOW)
        .header("If-Match", format!("\"{version}\""))
        .header("accept-language", "de-DE,de;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(unpublished.headers()["content-language"], "de");
    let problem = assert_problem(unpublished, 403).await;
    assert_eq!(problem["title"], "Nicht erlaubt");
    assert_eq!(
        problem["detail"],
        "diese Fläche gehört zu Ludwigslust (AGS 13076090), keiner Ihrer Gemeinden"
    );
    let lwl = app.place().await.0;
    let created = app
        .client
        .post(app.url("/plots"))
        .bearer_auth(EDITOR_GRABOW)
        .json(&{
            let mut body = plot_body("GRB-009", lwl, None);
            body.as_object_mut().unwrap().remove("published");
            body
        })
        .send()
        .await
        .unwrap();
    let problem = assert_problem(created, 403).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .ends_with("not in Ludwigslust (AGS 13076090)"),
        "{problem}"
    );
}
