//! Photos and documents of estates (docs/media.md): upload and list at `/estates/{id}/media`,
//! one item at `/media/{id}`, the estate's rights and history, internal items hidden, the credit
//! rule for public items, the estate's JSON and its profile page's gallery.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::media::{media_dir, photo};

const EDITOR: &str = "gwf_test-estate-editor-0123456789abcdef";
const FOREIGN: &str = "gwf_test-estate-foreign-0123456789abcde";
const VIEWER: &str = "gwf_test-estate-viewer-0123456789abcdef";

async fn upload(
    app: &TestApp,
    estate: i64,
    token: Option<&str>,
    query: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&format!("/estates/{estate}/media?{query}")))
        .header("Content-Type", "application/octet-stream")
        .body(bytes);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// A published estate of the test municipality, and an editor of that municipality.
async fn setup(name: &str) -> (TestApp, i64, i64) {
    let dir = media_dir(name);
    let app = spawn_app_with(&[("GWF_MEDIA_DIR", &dir)]).await;
    let (municipality, estate) = app.place().await;
    let mut conn = app.db().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE estates SET published = true WHERE id = $1")
            .bind::<diesel::sql_types::BigInt, _>(estate),
        &mut conn,
    )
    .await
    .unwrap();
    app.account_with_token("editor@example.org", "editor", &[municipality], EDITOR)
        .await;
    (app, municipality, estate)
}

#[tokio::test]
async fn estate_media_upload_list_change_delete_with_history() {
    let (app, _, estate) = setup("estate-journey").await;

    // A public photo needs credit and licence (422 naming each missing one).
    let refused = assert_problem(
        upload(&app, estate, Some(EDITOR), "", photo(80, 60)).await,
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/credit", "/licence"]);
    let refused = assert_problem(
        upload(&app, estate, Some(EDITOR), "credit=Stadt", photo(80, 60)).await,
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/licence"]);

    let public = json_of(
        upload(
            &app,
            estate,
            Some(EDITOR),
            "credit=Stadt%20Ludwigslust&licence=CC0&cover=true&caption_de=Einfahrt",
            photo(400, 300),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(public["estate_id"], estate);
    assert_eq!(public["plot_id"], Value::Null);
    assert_eq!(public["cover"], true);
    // Internal items need no credit.
    let internal = json_of(
        upload(
            &app,
            estate,
            Some(EDITOR),
            "internal=true",
            b"%PDF-1.4\n%%EOF\n".to_vec(),
        )
        .await,
        201,
    )
    .await;

    // The public sees the public item, staff both; GET /estates/{id} carries the same.
    let list = json_of(app.get(&format!("/estates/{estate}/media")).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["id"], public["id"]);
    let staff = json_of(
        app.get_staff(&format!("/estates/{estate}/media")).await,
        200,
    )
    .await;
    assert_eq!(staff["items"].as_array().unwrap().len(), 2);
    let detail = json_of(app.get(&format!("/estates/{estate}")).await, 200).await;
    assert_eq!(detail["media"].as_array().unwrap().len(), 1);
    assert_eq!(
        detail["media"][0]["links"]["thumb"],
        public["links"]["thumb"]
    );
    let detail = json_of(app.get_staff(&format!("/estates/{estate}")).await, 200).await;
    assert_eq!(detail["media"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get(&format!("/media/{}", internal["id"]))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get_staff(&format!("/media/{}", internal["id"]))
            .await
            .status(),
        200
    );
    let thumb = app
        .client
        .get(public["links"]["thumb"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.status(), 200);
    assert!(thumb.headers()["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("public"));
    let file = app
        .client
        .get(internal["links"]["document"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 404, "an internal file is not public");

    // PATCH with If-Match; making the internal PDF public needs credit and licence.
    let media_url = |item: &Value| app.url(&format!("/media/{}", item["id"]));
    let patch = |item: &Value, version: &str, body: Value| {
        app.client
            .patch(media_url(item))
            .bearer_auth(EDITOR)
            .header("If-Match", version.to_owned())
            .json(&body)
            .send()
    };
    assert_eq!(
        patch(&public, "\"9\"", json!({"caption_en": "Entrance"}))
            .await
            .unwrap()
            .status(),
        412
    );
    let changed = json_of(
        patch(&public, "\"1\"", json!({"caption_en": "Entrance"}))
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(changed["caption_en"], "Entrance");
    assert_eq!(changed["version"], 2);
    let refused = assert_problem(
        patch(&internal, "\"1\"", json!({"internal": false}))
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(pointers(&refused), ["/credit", "/licence"]);
    let opened = patch(
        &internal,
        "\"1\"",
        json!({"internal": false, "credit": "Planungsbüro", "licence": "alle Rechte vorbehalten"}),
    )
    .await
    .unwrap();
    assert_eq!(opened.status(), 200);

    // History: every upload and change is an update of the estate with the field `media`.
    let history = json_of(
        app.get_staff(&format!("/estates/{estate}/history")).await,
        200,
    )
    .await;
    let media_entries = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["changes"][0]["field"] == "media")
        .count();
    assert_eq!(media_entries, 4, "{history}");

    // DELETE with If-Match: gone from the list and its URL.
    let deleted = app
        .client
        .delete(media_url(&public))
        .bearer_auth(EDITOR)
        .header("If-Match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        app.get(&format!("/media/{}", public["id"])).await.status(),
        404
    );
    let list = json_of(app.get(&format!("/estates/{estate}/media")).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn estate_media_are_changed_only_by_those_who_may_change_the_estate() {
    let (app, _, estate) = setup("estate-rights").await;
    let other = app.other_municipality().await;
    app.account_with_token("foreign@example.org", "editor", &[other], FOREIGN)
        .await;
    app.account_with_token("viewer@example.org", "viewer", &[], VIEWER)
        .await;
    let q = "credit=Stadt&licence=CC0";
    assert_eq!(
        upload(&app, estate, None, q, photo(40, 30)).await.status(),
        401
    );
    assert_eq!(
        upload(&app, estate, Some(VIEWER), q, photo(40, 30))
            .await
            .status(),
        403
    );
    let foreign = assert_problem(
        upload(&app, estate, Some(FOREIGN), q, photo(40, 30)).await,
        403,
    )
    .await;
    assert!(
        foreign["detail"].as_str().unwrap().contains("Ludwigslust"),
        "{foreign}"
    );
    assert_eq!(
        upload(&app, 999_999, Some(EDITOR), q, photo(40, 30))
            .await
            .status(),
        404
    );
    assert_eq!(
        upload(&app, estate, Some(EDITOR), q, b"<svg/>".to_vec())
            .await
            .status(),
        415
    );

    let item = json_of(
        upload(&app, estate, Some(TOKEN), q, photo(40, 30)).await,
        201,
    )
    .await;
    for token in [FOREIGN, VIEWER] {
        let patched = app
            .client
            .patch(app.url(&format!("/media/{}", item["id"])))
            .bearer_auth(token)
            .header("If-Match", "\"1\"")
            .json(&json!({"caption_de": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(patched.status(), 403, "{token}");
    }
    let deleted = app
        .client
        .delete(app.url(&format!("/media/{}", item["id"])))
        .bearer_auth(FOREIGN)
        .header("If-Match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 403);

    // A draft estate's media are its readers' only.
    let mut conn = app.db().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE estates SET published = false WHERE id = $1")
            .bind::<diesel::sql_types::BigInt, _>(estate),
        &mut conn,
    )
    .await
    .unwrap();
    assert_eq!(
        app.get(&format!("/estates/{estate}/media")).await.status(),
        404
    );
    assert_eq!(
        app.get(&format!("/media/{}", item["id"])).await.status(),
        404
    );
    assert_eq!(
        app.get_staff(&format!("/media/{}", item["id"]))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn the_estate_profile_shows_its_gallery() {
    let (app, _, estate) = setup("estate-page").await;
    let item = json_of(
        upload(
            &app,
            estate,
            Some(EDITOR),
            "credit=Stadt%20Ludwigslust&licence=CC%20BY%204.0&caption_de=Blick%20%C3%BCber%20das%20Gebiet&cover=true",
            photo(300, 200),
        )
        .await,
        201,
    )
    .await;
    let secret = json_of(
        upload(
            &app,
            estate,
            Some(EDITOR),
            "internal=true&caption_de=Vertragsentwurf",
            b"%PDF-1.4\n%%EOF\n".to_vec(),
        )
        .await,
        201,
    )
    .await;
    let page = app.get(&format!("/estates/{estate}/profile")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("gallery-grid"), "{html}");
    let small = item["links"]["small"].as_str().unwrap();
    let path = &small[small.find("/media/").unwrap()..];
    assert!(
        html.contains(&format!("src=\"{path}\"")),
        "relative 400 px link"
    );
    assert!(
        html.contains("Blick über das Gebiet") && html.contains("Stadt Ludwigslust (CC BY 4.0)")
    );
    assert!(
        !html.contains("Vertragsentwurf"),
        "internal items are not on the public page"
    );
    let staff = app
        .get_staff(&format!("/estates/{estate}/profile"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        staff.contains("Vertragsentwurf"),
        "staff of the town see it"
    );
    assert!(secret["internal"].as_bool().unwrap());
}
