//! Tokens with least privilege: scopes chosen at creation and shown in listings, never more
//! than the token that asks, a password confirmation for every new token; and a user's own
//! password change and logout everywhere.

use diesel::sql_types::{BigInt, Bytea, Text};
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;

const PASSWORD: &str = "Ludwigslust-Gewerbe-2026";

async fn new_token(app: &TestApp, bearer: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/auth/tokens"))
        .bearer_auth(bearer)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A login session of `user`, written straight to the database (as `account_with_token` does
/// for API tokens: Argon2 in every test would cost seconds).
async fn session(app: &TestApp, user: i64, token: &str) {
    let mut conn = app.db().await;
    diesel::sql_query(
        "INSERT INTO auth_tokens (user_id, kind, token_hash, expires_at) \
         VALUES ($1, 'session', $2, now() + interval '12 hours')",
    )
    .bind::<BigInt, _>(user)
    .bind::<Bytea, _>(gewerbeflaechen::domain::credentials::token_hash(token).to_vec())
    .execute(&mut conn)
    .await
    .unwrap();
}

async fn status(app: &TestApp, method: reqwest::Method, path: &str, token: &str) -> u16 {
    app.client
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_token_does_only_what_its_scopes_allow() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    app.create_plot(&plot_body("DRAFT-1", municipality, Some(estate)))
        .await;
    app.set_password("admin@test.example", PASSWORD).await;

    // A read-only token for a dashboard script, shown with its scopes.
    let created = new_token(
        &app,
        TOKEN,
        json!({"name": "Dashboard", "scopes": ["read"], "password": PASSWORD}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["scopes"], json!(["read"]));
    let reader = created["token"].as_str().unwrap().to_owned();
    let listed: Value = app.get_staff("/auth/tokens").await.json().await.unwrap();
    let dashboard = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Dashboard")
        .unwrap();
    assert_eq!(dashboard["scopes"], json!(["read"]));

    // It reads internal data (drafts, internal fields) ...
    let draft = app
        .client
        .get(app.url("/plots/DRAFT-1"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(draft.status(), 200);
    let draft: Value = draft.json().await.unwrap();
    assert!(draft["internal_notes"].is_string());
    // ... and nothing else, though its owner is an admin.
    use reqwest::Method;
    assert_eq!(status(&app, Method::POST, "/plots", &reader).await, 403);
    assert_eq!(status(&app, Method::POST, "/imports", &reader).await, 403);
    assert_eq!(status(&app, Method::GET, "/users", &reader).await, 403);
    // Nor can it make itself a stronger token, even with the password.
    let stronger = new_token(
        &app,
        &reader,
        json!({"name": "mehr", "scopes": ["read", "write"], "password": PASSWORD}),
    )
    .await;
    let problem = assert_problem(stronger, 403).await;
    assert!(problem["detail"].as_str().unwrap().contains("more rights"));
    // Without scopes a new token gets those of the token asking.
    let same: Value = new_token(
        &app,
        &reader,
        json!({"name": "auch lesen", "password": PASSWORD}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(same["scopes"], json!(["read"]));

    // A write token edits plots but does not read drafts' internal notes or import.
    let writer: Value = new_token(
        &app,
        TOKEN,
        json!({"name": "Pflege", "scopes": ["write"], "password": PASSWORD}),
    )
    .await
    .json()
    .await
    .unwrap();
    let writer = writer["token"].as_str().unwrap();
    let mut body = plot_body("NEU-1", municipality, Some(estate));
    body.as_object_mut().unwrap().remove("published");
    let made = app
        .client
        .post(app.url("/plots"))
        .bearer_auth(writer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    assert_eq!(status(&app, Method::POST, "/imports", writer).await, 403);

    // An import token imports (its rights per plot are the owner's), and writes nothing else.
    let importer: Value = new_token(
        &app,
        TOKEN,
        json!({"name": "GIS", "scopes": ["import"], "password": PASSWORD}),
    )
    .await
    .json()
    .await
    .unwrap();
    let importer = importer["token"].as_str().unwrap();
    let feature = json!({"type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square(11.6, 53.4, 0.001)]},
        "properties": {"reference": "IMP-TOKEN", "title_de": "Fläche", "municipality_ags": "13076090",
                       "status": "available", "zoning": "GE", "bplan_status": "legally_binding",
                       "servicing": "full", "offer": "sale", "price_min_eur_m2": "10",
                       "data_confirmed_on": "2026-10-01"}});
    let imported = app
        .client
        .post(app.url("/imports"))
        .bearer_auth(importer)
        .header("content-type", "application/geo+json")
        .body(json!({"type": "FeatureCollection", "features": [feature]}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200, "{}", imported.text().await.unwrap());
    assert_eq!(status(&app, Method::POST, "/plots", importer).await, 403);
}

/// The scopes a role cannot use are refused at creation: an editor's token has no `admin`.
#[tokio::test]
async fn scopes_stay_within_the_role() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    app.account_with_token("e@test.example", "editor", &[municipality], "gwf_editor")
        .await;
    app.set_password("e@test.example", PASSWORD).await;
    let response = new_token(
        &app,
        "gwf_editor",
        json!({"name": "alles", "scopes": ["admin"], "password": PASSWORD}),
    )
    .await;
    let problem = assert_problem(response, 403).await;
    assert!(problem["detail"].as_str().unwrap().contains("role"));
    let own: Value = new_token(
        &app,
        "gwf_editor",
        json!({"name": "GIS", "password": PASSWORD}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(own["scopes"], json!(["read", "write", "import"]));
}

/// A stolen session cannot become a long-lived credential: every new token needs the
/// owner's password, which the session does not carry.
#[tokio::test]
async fn a_new_token_needs_the_password() {
    let app = spawn_app().await;
    let user = app
        .account_with_token("v@test.example", "viewer", &[], "gwf_v-api")
        .await;
    app.set_password("v@test.example", PASSWORD).await;
    session(&app, user, "gwf_stolen-session").await;
    let without = new_token(
        &app,
        "gwf_stolen-session",
        json!({"name": "zwei Jahre", "expires_in_days": 730}),
    )
    .await;
    assert!(matches!(without.status().as_u16(), 400 | 422));
    let wrong = new_token(
        &app,
        "gwf_stolen-session",
        json!({"name": "zwei Jahre", "expires_in_days": 730, "password": "guessed"}),
    )
    .await;
    assert_problem(wrong, 403).await;
    let right = new_token(
        &app,
        "gwf_stolen-session",
        json!({"name": "zwei Jahre", "expires_in_days": 730, "password": PASSWORD}),
    )
    .await;
    assert_eq!(right.status(), 201);
}

#[tokio::test]
async fn a_user_changes_the_password_and_ends_other_sessions() {
    let app = spawn_app().await;
    let user = app
        .account_with_token("v@test.example", "viewer", &[], "gwf_v-api")
        .await;
    app.set_password("v@test.example", PASSWORD).await;
    session(&app, user, "gwf_laptop").await;
    session(&app, user, "gwf_phone").await;
    let change = |token: &'static str, current: &'static str, new: &'static str| {
        app.client
            .post(app.url("/auth/password"))
            .bearer_auth(token)
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };
    assert_problem(
        change("gwf_laptop", "wrong one", "ein neues Passwort 1")
            .await
            .unwrap(),
        403,
    )
    .await;
    let short = assert_problem(change("gwf_laptop", PASSWORD, "kurz").await.unwrap(), 422).await;
    assert_eq!(pointers(&short), ["/new_password"]);
    let done = change("gwf_laptop", PASSWORD, "ein neues Passwort 1")
        .await
        .unwrap();
    assert_eq!(done.status(), 204);
    // This session and the API token go on; the other session ended.
    assert_eq!(app.get_with("/auth/me", "gwf_laptop").await, 200);
    assert_eq!(app.get_with("/auth/me", "gwf_v-api").await, 200);
    assert_eq!(app.get_with("/auth/me", "gwf_phone").await, 401);
    let login = app
        .client
        .post(app.url("/auth/login"))
        .json(&json!({"email": "v@test.example", "password": "ein neues Passwort 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);

    // Logout everywhere: every session ends, this one too; API tokens stay.
    let all = app
        .client
        .post(app.url("/auth/logout-all"))
        .bearer_auth("gwf_laptop")
        .send()
        .await
        .unwrap();
    assert_eq!(all.status(), 204);
    assert_eq!(app.get_with("/auth/me", "gwf_laptop").await, 401);
    assert_eq!(app.get_with("/auth/me", "gwf_v-api").await, 200);
    let mut conn = app.db().await;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let live: N = diesel::sql_query(
        "SELECT count(*) AS n FROM auth_tokens t JOIN users u ON u.id = t.user_id \
         WHERE u.email = $1 AND t.kind = 'session' AND t.revoked_at IS NULL",
    )
    .bind::<Text, _>("v@test.example")
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(live.n, 0);
}
