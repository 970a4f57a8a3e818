//! The authorisation matrix of inquiries: role × routed to own town / other town / admins
//! (a profile) × operation, with the exact status expected, written out independently of
//! `domain::access`.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::inquiries::{inquiry, profile_inquiry, send, two_towns, EDITOR, MANY};

const VIEWER: &str = "gwf_inquiry-viewer";
const READ_ONLY: &str = "gwf_inquiry-read-only";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Viewer,
    /// Ludwigslust's editor with a token that only reads.
    ReadOnlyEditor,
    Editor,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Own,
    OtherTown,
    Profile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    List,
    Get,
    Patch,
    Matches,
    Export,
}

fn token(who: Who) -> Option<&'static str> {
    match who {
        Who::Anonymous => None,
        Who::Viewer => Some(VIEWER),
        Who::ReadOnlyEditor => Some(READ_ONLY),
        Who::Editor => Some(EDITOR),
        Who::Admin => Some(TOKEN),
    }
}

fn expected(who: Who, route: Route, op: Op) -> u16 {
    let reads = match who {
        Who::Admin => true,
        Who::Editor | Who::ReadOnlyEditor => route == Route::Own,
        Who::Anonymous | Who::Viewer => false,
    };
    match (who, op) {
        (Who::Anonymous, _) => 401,
        (Who::Viewer, _) => 403,
        (_, Op::Export) if who != Who::Admin => 403,
        (_, Op::Export | Op::List) => 200,
        (_, _) if !reads => 404,
        (Who::ReadOnlyEditor, Op::Patch) => 403,
        // Only a profile is matched.
        (_, Op::Matches) if route != Route::Profile => 409,
        _ => 200,
    }
}

async fn call(app: &TestApp, who: Who, op: Op, inquiry: &Value) -> reqwest::Response {
    let id = &inquiry["id"];
    let request = match op {
        Op::List => app.client.get(app.url("/inquiries")),
        Op::Get => app.client.get(app.url(&format!("/inquiries/{id}"))),
        Op::Matches => app.client.get(app.url(&format!("/inquiries/{id}/matches"))),
        Op::Patch => app
            .client
            .patch(app.url(&format!("/inquiries/{id}")))
            .header("If-Match", format!("\"{}\"", inquiry["version"]))
            .json(&json!({"note": "angesehen"})),
        Op::Export => app
            .client
            .post(app.url("/inquiries/privacy/export"))
            .json(&json!({"email": "erika.muster@example.com"})),
    };
    match token(who) {
        Some(t) => request.bearer_auth(t),
        None => request,
    }
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn every_role_gets_exactly_its_rights_on_inquiries() {
    let app = spawn_app_with(&[MANY]).await;
    let (own, _) = two_towns(&app).await;
    app.account_with_token("viewer@region.example", "viewer", &[], VIEWER)
        .await;
    let read_only = app
        .account_with_token("lesend@ludwigslust.example", "editor", &[own], READ_ONLY)
        .await;
    let mut conn = app.db().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE auth_tokens SET scopes = '{{read}}' WHERE user_id = {read_only}"
        )),
        &mut conn,
    )
    .await
    .unwrap();
    send(&app, &inquiry(json!(["LWL-001", "GRA-001"]))).await;
    send(&app, &profile_inquiry()).await;
    let all: Value = app
        .client
        .get(app.url("/inquiries"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let route = |i: &Value| match i["routed_to"]["id"].as_i64() {
        None => Route::Profile,
        Some(m) if m == own => Route::Own,
        Some(_) => Route::OtherTown,
    };
    let inquiries: Vec<Value> = all["inquiries"].as_array().unwrap().clone();
    assert_eq!(inquiries.len(), 3);

    let mut failures = Vec::new();
    for who in [
        Who::Anonymous,
        Who::Viewer,
        Who::ReadOnlyEditor,
        Who::Editor,
        Who::Admin,
    ] {
        for inquiry in &inquiries {
            for op in [Op::List, Op::Get, Op::Patch, Op::Matches, Op::Export] {
                // The version moves with every note: read it afresh.
                let current: Value = app
                    .client
                    .get(app.url(&format!("/inquiries/{}", inquiry["id"])))
                    .bearer_auth(TOKEN)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let response = call(&app, who, op, &current).await;
                let want = expected(who, route(inquiry), op);
                let got = response.status().as_u16();
                if got != want {
                    failures.push(format!(
                        "{who:?} {op:?} on {:?}: expected {want}, got {got}",
                        route(inquiry)
                    ));
                } else if got >= 400 {
                    assert_problem(response, want).await;
                } else if op == Op::List {
                    let page: Value = response.json().await.unwrap();
                    let seen = page["inquiries"].as_array().unwrap().len();
                    let want = match who {
                        Who::Admin => 3,
                        _ => 1,
                    };
                    if seen != want {
                        failures.push(format!("{who:?} lists {seen}, expected {want}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
