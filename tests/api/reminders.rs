//! Freshness reminders as Atom feeds (issue 17, point 3): created by staff, read with the
//! token in the URL over what the owner may read, revocable.

use serde_json::{json, Value};

use crate::helpers::*;

const EDITOR: &str = "gwf_reminder-editor";

#[tokio::test]
async fn a_feed_lists_what_needs_attention_in_its_owners_towns_until_revoked() {
    let app = spawn_app().await;
    let (own, _) = app.place().await;
    let other = app.other_municipality().await;
    app.account_with_token("e@reminder.example", "editor", &[own], EDITOR)
        .await;
    let mut stale = plot_body("R-OLD", own, None);
    stale["data_confirmed_on"] = json!("2020-01-01");
    app.create_plot(&stale).await;
    let mut foreign = plot_body("R-FOREIGN", other, None);
    foreign["data_confirmed_on"] = json!("2020-01-01");
    app.create_plot(&foreign).await;

    let create = |token: Option<&'static str>, body: Value| {
        let request = app
            .client
            .post(app.url("/monitoring/reminders"))
            .json(&body);
        match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
        .send()
    };
    assert_problem(create(None, json!({"name": "x"})).await.unwrap(), 401).await;
    assert_problem(
        create(Some(EDITOR), json!({"name": ""})).await.unwrap(),
        422,
    )
    .await;
    let response = create(Some(EDITOR), json!({"name": "WiFö Ludwigslust"}))
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let url = created["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&app.base) && url.ends_with("/atom"),
        "{url}"
    );
    let path = url.strip_prefix(&app.base).unwrap().to_owned();

    let response = app.get(&path).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/atom+xml"));
    let atom = response.text().await.unwrap();
    assert!(
        atom.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"),
        "{atom}"
    );
    assert!(atom.contains("<title>Erinnerungen: WiFö Ludwigslust</title>"));
    assert!(atom.contains("Ludwigslust: 1 veraltet"), "{atom}");
    assert!(atom.contains("R-OLD"));
    assert!(!atom.contains("R-FOREIGN"), "only the owner's towns");
    assert_eq!(atom.matches("<entry>").count(), 1);

    let feeds: Value = app
        .client
        .get(app.url("/monitoring/reminders"))
        .bearer_auth(EDITOR)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(feeds.as_array().unwrap().len(), 1);
    assert!(feeds[0].get("url").is_none(), "the URL is shown once");
    let id = feeds[0]["id"].clone();
    // Someone else cannot revoke it.
    let revoke = |token: &'static str| {
        app.client
            .delete(app.url(&format!("/monitoring/reminders/{id}")))
            .bearer_auth(token)
            .send()
    };
    assert_problem(revoke(TOKEN).await.unwrap(), 404).await;
    assert_eq!(revoke(EDITOR).await.unwrap().status(), 204);
    assert_problem(app.get(&path).await, 404).await;
    assert_problem(revoke(EDITOR).await.unwrap(), 404).await;
    assert_problem(app.get("/monitoring/reminders/not-a-token/atom").await, 404).await;
}
