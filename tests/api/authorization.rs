//! The whole authorisation matrix: role × own/foreign municipality × published/draft ×
//! operation, each on a fresh plot, with the exact status expected.

use serde_json::{json, Value};

use crate::helpers::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anonymous,
    Viewer,
    Editor,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Get,
    Patch,
    Delete,
    Publish,
    Unpublish,
    History,
    /// `GET /plots/{id}/media`.
    ListMedia,
    /// `POST /plots/{id}/media`.
    UploadMedia,
    /// `PATCH /media/{id}` of an item the admin uploaded.
    PatchMedia,
}

impl Op {
    const ALL: [Op; 9] = [
        Op::Get,
        Op::Patch,
        Op::Delete,
        Op::Publish,
        Op::Unpublish,
        Op::History,
        Op::ListMedia,
        Op::UploadMedia,
        Op::PatchMedia,
    ];
}

const EDITOR: &str = "gwf_matrix-editor";
const VIEWER: &str = "gwf_matrix-viewer";

fn token(role: Role) -> Option<&'static str> {
    match role {
        Role::Anonymous => None,
        Role::Viewer => Some(VIEWER),
        Role::Editor => Some(EDITOR),
        Role::Admin => Some(TOKEN),
    }
}

/// The rule, written out independently of the implementation. `own` = the editor's
/// municipality.
fn expected(role: Role, own: bool, published: bool, op: Op) -> u16 {
    let write_ok = match op {
        Op::Delete => 204,
        Op::UploadMedia => 201,
        _ => 200,
    };
    match role {
        Role::Anonymous => match op {
            Op::Get | Op::ListMedia if published => 200,
            Op::Get | Op::ListMedia => 404,
            _ => 401,
        },
        Role::Viewer => match op {
            Op::Get | Op::History | Op::ListMedia => 200,
            _ => 403,
        },
        Role::Admin => write_ok,
        Role::Editor if !own && !published => 404,
        Role::Editor if own => write_ok,
        Role::Editor => match op {
            Op::Get | Op::ListMedia => 200,
            _ => 403,
        },
    }
}

async fn call(app: &TestApp, role: Role, op: Op, plot: &Value) -> reqwest::Response {
    let id = &plot["id"];
    let version = format!("\"{}\"", plot["version"]);
    let request = match op {
        Op::Get => app.client.get(app.url(&format!("/plots/{id}"))),
        Op::History => app.client.get(app.url(&format!("/plots/{id}/history"))),
        Op::Patch => app
            .client
            .patch(app.url(&format!("/plots/{id}")))
            .json(&json!({"title_de": "Geändert"})),
        Op::Delete => app.client.delete(app.url(&format!("/plots/{id}"))),
        Op::Publish => app.client.post(app.url(&format!("/plots/{id}/publish"))),
        Op::Unpublish => app.client.post(app.url(&format!("/plots/{id}/unpublish"))),
        Op::ListMedia => app.client.get(app.url(&format!("/plots/{id}/media"))),
        Op::UploadMedia => app
            .client
            .post(app.url(&format!(
                "/plots/{id}/media?credit=Stadt&licence=CC%20BY%204.0"
            )))
            .body(crate::media::photo(8, 8)),
        Op::PatchMedia => app
            .client
            .patch(app.url(&format!("/media/{}", plot["media"]["id"])))
            .json(&json!({"caption_de": "Geändert"})),
    };
    let request = match op {
        Op::Get | Op::History | Op::ListMedia | Op::UploadMedia => request,
        Op::PatchMedia => request.header("If-Match", format!("\"{}\"", plot["media"]["version"])),
        _ => request.header("If-Match", version),
    };
    let request = match token(role) {
        Some(t) => request.bearer_auth(t),
        None => request,
    };
    request.send().await.unwrap()
}

#[tokio::test]
async fn every_role_gets_exactly_its_rights() {
    let app = spawn_app().await;
    let (own, _) = app.place().await;
    let foreign = app.other_municipality().await;
    app.account_with_token("editor@ludwigslust.example", "editor", &[own], EDITOR)
        .await;
    app.account_with_token("viewer@region.example", "viewer", &[], VIEWER)
        .await;

    let mut n = 0;
    let mut failures = Vec::new();
    for role in [Role::Anonymous, Role::Viewer, Role::Editor, Role::Admin] {
        for (is_own, municipality) in [(true, own), (false, foreign)] {
            for published in [true, false] {
                for op in Op::ALL {
                    n += 1;
                    let mut body = plot_body(&format!("M-{n:03}"), municipality, None);
                    body["published"] = published.into();
                    let mut plot = app.create_plot(&body).await;
                    if op == Op::PatchMedia {
                        let item: Value = crate::media::upload(
                            &app,
                            &plot,
                            "credit=Stadt&licence=CC%20BY%204.0",
                            "image/jpeg",
                            crate::media::photo(8, 8),
                        )
                        .await
                        .json()
                        .await
                        .unwrap();
                        plot = app
                            .get_staff(&format!("/plots/{}", plot["id"]))
                            .await
                            .json()
                            .await
                            .unwrap();
                        plot["media"] = item;
                    }
                    let response = call(&app, role, op, &plot).await;
                    let want = expected(role, is_own, published, op);
                    let got = response.status().as_u16();
                    if got != want {
                        failures.push(format!(
                            "{role:?} {op:?} on {} {}: expected {want}, got {got}",
                            if is_own { "own" } else { "foreign" },
                            if published { "published" } else { "draft" },
                        ));
                        continue;
                    }
                    if op == Op::Get && got == 200 {
                        // Internal fields only where the caller reads them.
                        let plot: Value = response.json().await.unwrap();
                        let internal = match role {
                            Role::Anonymous => false,
                            Role::Editor => is_own,
                            Role::Viewer | Role::Admin => true,
                        };
                        for field in ["internal_notes", "owner_name", "owner_contact", "published"]
                        {
                            if plot.get(field).is_some() != internal {
                                failures.push(format!(
                                    "{role:?} reading {} plot: `{field}` present = {}",
                                    if is_own { "own" } else { "foreign" },
                                    !internal
                                ));
                            }
                        }
                    } else if got >= 400 {
                        // Refusals are problems, and change nothing.
                        let problem = assert_problem(response, want).await;
                        assert!(problem["detail"].is_string());
                        let now: Value = app
                            .get_staff(&format!("/plots/{}", plot["id"]))
                            .await
                            .json()
                            .await
                            .unwrap();
                        assert_eq!(
                            now["version"], plot["version"],
                            "{role:?} {op:?} changed the plot"
                        );
                    }
                }
            }
        }
    }
    // The monitoring figures (issue 17): staff whose token reads, whatever their role; the
    // public only with GWF_MONITORING_PUBLIC (tests/api/monitoring.rs).
    for role in [Role::Anonymous, Role::Viewer, Role::Editor, Role::Admin] {
        n += 1;
        let request = app.client.get(app.url("/monitoring"));
        let request = match token(role) {
            Some(t) => request.bearer_auth(t),
            None => request,
        };
        let got = request.send().await.unwrap().status().as_u16();
        let want = if role == Role::Anonymous { 401 } else { 200 };
        if got != want {
            failures.push(format!(
                "{role:?} GET /monitoring: expected {want}, got {got}"
            ));
        }
    }
    // Saved searches (issue 18): anyone saves one; the counts are for staff whose token
    // reads, like the monitoring figures (tests/api/alerts.rs has the rest).
    for role in [Role::Anonymous, Role::Viewer, Role::Editor, Role::Admin] {
        for (method, path, want) in [
            (
                "GET",
                "/monitoring/alerts",
                if role == Role::Anonymous { 401 } else { 200 },
            ),
            ("POST", "/saved-searches", 201),
        ] {
            n += 1;
            let request = match method {
                "GET" => app.client.get(app.url(path)),
                _ => app.client.post(app.url(path)).json(&json!({"search": {}})),
            };
            let request = match token(role) {
                Some(t) => request.bearer_auth(t),
                None => request,
            };
            let got = request.send().await.unwrap().status().as_u16();
            if got != want {
                failures.push(format!(
                    "{role:?} {method} {path}: expected {want}, got {got}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cases wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn creating_and_moving_plots_respects_municipalities() {
    let app = spawn_app().await;
    let (own, _) = app.place().await;
    let foreign = app.other_municipality().await;
    app.account_with_token("editor@ludwigslust.example", "editor", &[own], EDITOR)
        .await;
    app.account_with_token("viewer@region.example", "viewer", &[], VIEWER)
        .await;
    let create = |token: Option<&'static str>, reference: &str, municipality: i64| {
        let mut body = plot_body(reference, municipality, None);
        body.as_object_mut().unwrap().remove("published");
        let request = app.client.post(app.url("/plots")).json(&body);
        match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
        .send()
    };
    assert_eq!(
        create(Some(EDITOR), "C-001", own).await.unwrap().status(),
        201
    );
    assert_problem(create(Some(EDITOR), "C-002", foreign).await.unwrap(), 403).await;
    assert_problem(create(Some(VIEWER), "C-003", own).await.unwrap(), 403).await;
    assert_problem(create(None, "C-004", own).await.unwrap(), 401).await;
    assert_eq!(
        create(Some(TOKEN), "C-005", foreign)
            .await
            .unwrap()
            .status(),
        201
    );

    // Moving an own plot into a foreign municipality is refused; the admin may.
    let mine: Value = app.get_staff("/plots/C-001").await.json().await.unwrap();
    let moved = app
        .client
        .patch(app.url("/plots/C-001"))
        .bearer_auth(EDITOR)
        .header("If-Match", format!("\"{}\"", mine["version"]))
        .json(&json!({"municipality_id": foreign}))
        .send()
        .await
        .unwrap();
    assert_problem(moved, 403).await;
    let by_admin = app
        .client
        .patch(app.url("/plots/C-001"))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", mine["version"]))
        .json(&json!({"municipality_id": foreign}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_admin.status(), 200);
    // Now it is foreign to the editor, and a draft: it does not exist for them.
    let gone = app
        .client
        .get(app.url("/plots/C-001"))
        .bearer_auth(EDITOR)
        .send()
        .await
        .unwrap();
    assert_problem(gone, 404).await;
}

#[tokio::test]
async fn editors_see_internal_fields_of_their_own_plots_only_in_lists() {
    let app = spawn_app().await;
    let (own, _) = app.place().await;
    let foreign = app.other_municipality().await;
    app.account_with_token("editor@ludwigslust.example", "editor", &[own], EDITOR)
        .await;
    app.create_plot(&plot_body("OWN-1", own, None)).await;
    app.create_plot(&plot_body("FOR-1", foreign, None)).await;
    let mut draft = plot_body("FOR-2", foreign, None);
    draft["published"] = false.into();
    app.create_plot(&draft).await;
    let list: Value = app
        .client
        .get(app.url("/plots?sort=reference"))
        .bearer_auth(EDITOR)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    let refs: Vec<&str> = items
        .iter()
        .map(|p| p["reference"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["FOR-1", "OWN-1"]);
    assert!(items[0].get("internal_notes").is_none());
    assert!(items[1]["internal_notes"].is_string());
    let csv = app
        .client
        .get(app.url("/plots?f=csv&sort=reference"))
        .bearer_auth(EDITOR)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        !lines[1].contains("Mustermann") && lines[2].contains("Mustermann"),
        "{csv}"
    );
}

/// Shortlists are public links: every role (and no role) makes and reads them with the same
/// answer, and a draft goes into none, not even an admin's (it would be shown to everyone the
/// link reaches). `domain::access::authorize_shortlist`, `shortlist_scope`.
#[tokio::test]
async fn shortlists_are_the_same_public_link_for_every_role() {
    let app = spawn_app_with(&[("GWF_RATE_SHORTLIST_PER_MIN", "1000")]).await;
    let (own, _) = app.place().await;
    app.account_with_token("editor@ludwigslust.example", "editor", &[own], EDITOR)
        .await;
    app.account_with_token("viewer@region.example", "viewer", &[], VIEWER)
        .await;
    app.create_plot(&plot_body("S-PUB", own, None)).await;
    let mut draft = plot_body("S-DRAFT", own, None);
    draft["published"] = false.into();
    draft["geometry"]["coordinates"] = json!([square(11.7, 53.3, 0.001)]);
    app.create_plot(&draft).await;
    let mut failures = Vec::new();
    for role in [Role::Anonymous, Role::Viewer, Role::Editor, Role::Admin] {
        let with = |request: reqwest::RequestBuilder| match token(role) {
            Some(t) => request.bearer_auth(t),
            None => request,
        };
        for (plots, want) in [(json!(["S-PUB"]), 201), (json!(["S-DRAFT"]), 422)] {
            let response = with(app.client.post(app.url("/shortlists")))
                .json(&json!({ "plots": plots }))
                .send()
                .await
                .unwrap();
            let got = response.status().as_u16();
            if got != want {
                failures.push(format!(
                    "{role:?} POST /shortlists {plots}: {got}, want {want}"
                ));
                continue;
            }
            if got != 201 {
                continue;
            }
            let made: Value = response.json().await.unwrap();
            let code = made["code"].as_str().unwrap();
            for path in [
                format!("/shortlists/{code}"),
                format!("/s/{code}"),
                format!("/s/{code}/qr.svg"),
            ] {
                let got = with(app.client.get(app.url(&path)))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16();
                if got != 200 {
                    failures.push(format!("{role:?} GET {path}: {got}, want 200"));
                }
            }
            let read: Value = with(app.client.get(app.url(&format!("/shortlists/{code}"))))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if read["plots"][0].get("internal_notes").is_some() {
                failures.push(format!("{role:?} reads internal fields in a shortlist"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
