//! Accounts, login, tokens: as a town's staff and the region's admin use them, and as an
//! attacker would try them.

use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;

const PASSWORD: &str = "Ludwigslust-Gewerbe-2026";
/// The test admin's own password, confirmed with every new account (`your_password`).
const ADMIN_PASSWORD: &str = "the admin's own password";

/// An app whose admin has a real password (`spawn_app` gives it none).
async fn app_with_admin_password() -> TestApp {
    let app = spawn_app().await;
    app.set_password("admin@test.example", ADMIN_PASSWORD).await;
    app
}

async fn create_account(app: &TestApp, mut body: Value) -> reqwest::Response {
    body["your_password"] = json!(ADMIN_PASSWORD);
    app.client
        .post(app.url("/users"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.url("/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_editor_created_by_the_admin_logs_in_and_out() {
    let app = app_with_admin_password().await;
    let (municipality, _) = app.place().await;
    let created = create_account(
        &app,
        json!({"email": "Anna.Schmidt@ludwigslust.example", "display_name": "Anna Schmidt",
               "role": "editor", "municipality_ids": [municipality], "password": PASSWORD}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let account: Value = created.json().await.unwrap();
    assert_eq!(account["role"], "editor");
    assert_eq!(account["municipalities"][0]["ags"], "13076090");
    assert!(account.get("password_hash").is_none() && account.get("password").is_none());

    // Wrong password and unknown account look the same.
    let wrong = assert_problem(
        login(&app, "anna.schmidt@ludwigslust.example", "nope-nope-nope").await,
        401,
    )
    .await;
    let unknown = assert_problem(login(&app, "nobody@example.org", PASSWORD).await, 401).await;
    assert_eq!(wrong["detail"], unknown["detail"]);

    // E-mail addresses match case-insensitively.
    let session = login(&app, "anna.schmidt@LUDWIGSLUST.example", PASSWORD).await;
    assert_eq!(session.status(), 200);
    assert_eq!(session.headers()["cache-control"], "no-store");
    let session: Value = session.json().await.unwrap();
    let token = session["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("gwf_") && token.len() == 68);
    assert_eq!(session["token_type"], "Bearer");
    assert_eq!(session["account"]["display_name"], "Anna Schmidt");

    let who: Value = me(&app, &token).await.json().await.unwrap();
    assert_eq!(who["email"], "Anna.Schmidt@ludwigslust.example");
    assert_eq!(who["municipalities"][0]["id"], municipality);

    // Only hashes are stored.
    let mut conn = app.db().await;
    #[derive(diesel::QueryableByName)]
    struct Secrets {
        #[diesel(sql_type = diesel::sql_types::Text)]
        password_hash: String,
        #[diesel(sql_type = diesel::sql_types::Bytea)]
        token_hash: Vec<u8>,
    }
    let stored: Secrets = diesel::sql_query(
        "SELECT u.password_hash, t.token_hash FROM users u JOIN auth_tokens t ON t.user_id = u.id \
         WHERE u.id = $1 AND t.kind = 'session'",
    )
    .bind::<BigInt, _>(account["id"].as_i64().unwrap())
    .get_result(&mut conn)
    .await
    .unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert!(!stored.password_hash.contains(PASSWORD));
    assert_eq!(stored.token_hash.len(), 32);
    assert_ne!(stored.token_hash, token.as_bytes());

    // Logout revokes exactly this token.
    let out = app
        .client
        .post(app.url("/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert_problem(me(&app, &token).await, 401).await;
}

#[tokio::test]
async fn repeated_failed_logins_lock_the_account_for_a_while() {
    let app = app_with_admin_password().await;
    let created = create_account(
        &app,
        json!({"email": "viewer@region.example", "display_name": "V", "role": "viewer", "password": PASSWORD}),
    )
    .await;
    assert_eq!(created.status(), 201);
    for _ in 0..5 {
        assert_problem(
            login(&app, "viewer@region.example", "wrong-password-x").await,
            401,
        )
        .await;
    }
    // Now even the right password waits.
    let locked = login(&app, "viewer@region.example", PASSWORD).await;
    let retry: i64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=61).contains(&retry), "Retry-After {retry}");
    assert_problem(locked, 429).await;

    // When the lock has passed, the right password works and resets the count.
    let mut conn = app.db().await;
    diesel::sql_query("UPDATE login_throttle SET locked_until = now() - interval '1 second'")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        login(&app, "viewer@region.example", PASSWORD)
            .await
            .status(),
        200
    );
    assert_problem(
        login(&app, "viewer@region.example", "wrong-password-x").await,
        401,
    )
    .await;
    assert_eq!(
        login(&app, "viewer@region.example", PASSWORD)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn api_tokens_belong_to_their_owner() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    app.account_with_token(
        "editor@test.example",
        "editor",
        &[municipality],
        "gwf_editor-session",
    )
    .await;
    app.set_password("editor@test.example", "editor password 1234")
        .await;
    let created = app
        .client
        .post(app.url("/auth/tokens"))
        .bearer_auth("gwf_editor-session")
        .json(
            &json!({"name": "Nachtimport aus dem GIS", "expires_in_days": 30,
                      "password": "editor password 1234"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let secret = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_i64().unwrap();

    // It works, and the listing never shows secrets.
    assert_eq!(me(&app, &secret).await.status(), 200);
    let listed: Value = app
        .client
        .get(app.url("/auth/tokens"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Nachtimport aus dem GIS"));
    assert!(!listed.to_string().contains(&secret));

    // Somebody else cannot revoke it; the owner can.
    let foreign = app
        .client
        .delete(app.url(&format!("/auth/tokens/{id}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_problem(foreign, 404).await;
    assert_eq!(me(&app, &secret).await.status(), 200);
    let revoked = app
        .client
        .delete(app.url(&format!("/auth/tokens/{id}")))
        .bearer_auth("gwf_editor-session")
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    assert_problem(me(&app, &secret).await, 401).await;

    let bad = app
        .client
        .post(app.url("/auth/tokens"))
        .bearer_auth("gwf_editor-session")
        .json(&json!({"name": "", "expires_in_days": 10000, "password": "editor password 1234"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(bad, 422).await;
    assert_eq!(pointers(&problem), ["/name", "/expires_in_days"]);
}

#[tokio::test]
async fn forged_expired_revoked_and_disabled_tokens_are_refused() {
    let app = spawn_app().await;
    let id = app
        .account_with_token("v@test.example", "viewer", &[], "gwf_viewer-token")
        .await;
    assert_eq!(me(&app, "gwf_viewer-token").await.status(), 200);

    // Forged: never anonymous, always 401 with a challenge.
    let forged = me(
        &app,
        "gwf_0000000000000000000000000000000000000000000000000000000000000000",
    )
    .await;
    assert_eq!(
        forged.headers()["www-authenticate"],
        "Bearer realm=\"gewerbeflaechen\""
    );
    assert_problem(forged, 401).await;
    let forged_read = app
        .client
        .get(app.url("/plots"))
        .bearer_auth("gwf_forged")
        .send()
        .await
        .unwrap();
    assert_problem(forged_read, 401).await;
    let basic = app
        .client
        .get(app.url("/auth/me"))
        .header("Authorization", "Basic dXNlcjpwdw==")
        .send()
        .await
        .unwrap();
    assert_problem(basic, 401).await;

    // Expired.
    let mut conn = app.db().await;
    diesel::sql_query(
        "UPDATE auth_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1",
    )
    .bind::<BigInt, _>(id)
    .execute(&mut conn)
    .await
    .unwrap();
    assert_problem(me(&app, "gwf_viewer-token").await, 401).await;

    // A disabled account's tokens stop working at once.
    app.account_with_token("e@test.example", "viewer", &[], "gwf_second")
        .await;
    assert_eq!(me(&app, "gwf_second").await.status(), 200);
    let user: Value = me(&app, "gwf_second").await.json().await.unwrap();
    let disabled = app
        .client
        .patch(app.url(&format!("/users/{}", user["id"])))
        .bearer_auth(TOKEN)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), 200);
    assert_problem(me(&app, "gwf_second").await, 401).await;
}

#[tokio::test]
async fn only_admins_manage_accounts() {
    let app = app_with_admin_password().await;
    let (municipality, _) = app.place().await;
    app.account_with_token("ed@test.example", "editor", &[municipality], "gwf_ed")
        .await;
    let as_editor = app
        .client
        .get(app.url("/users"))
        .bearer_auth("gwf_ed")
        .send()
        .await
        .unwrap();
    assert_problem(as_editor, 403).await;
    assert_problem(app.get("/users").await, 401).await;
    let listed: Value = app.get_staff("/users").await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(!listed.to_string().contains("argon2"));

    let weak = create_account(
        &app,
        json!({"email": "x@test.example", "display_name": "X", "role": "editor", "password": "short"}),
    )
    .await;
    let problem = assert_problem(weak, 422).await;
    assert_eq!(pointers(&problem), ["/password"]);
    let homeless = create_account(
        &app,
        json!({"email": "x@test.example", "display_name": "X", "role": "editor", "password": PASSWORD}),
    )
    .await;
    assert_eq!(
        pointers(&assert_problem(homeless, 422).await),
        ["/municipality_ids"]
    );
    let nowhere = create_account(
        &app,
        json!({"email": "x@test.example", "display_name": "X", "role": "editor",
               "municipality_ids": [999999], "password": PASSWORD}),
    )
    .await;
    assert_eq!(
        pointers(&assert_problem(nowhere, 422).await),
        ["/municipality_ids/0"]
    );
    let twice = create_account(
        &app,
        json!({"email": "ED@test.example", "display_name": "X", "role": "viewer", "password": PASSWORD}),
    )
    .await;
    assert_problem(twice, 409).await;
}

#[tokio::test]
async fn the_cli_creates_the_first_admin_and_api_tokens() {
    use std::io::Write;
    let app = spawn_app().await;
    let run = |args: &[&str], stdin: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gewerbeflaechen"))
            .args(args)
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "error")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, out) = run(
        &[
            "user",
            "add",
            "--email",
            "chef@region.example",
            "--name",
            "Chefin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{out}");
    assert!(!out.contains(PASSWORD));
    assert_eq!(
        login(&app, "chef@region.example", PASSWORD).await.status(),
        200
    );

    // Without --password-stdin a random password is printed once.
    let (ok, out) = run(
        &[
            "user",
            "add",
            "--email",
            "gast@region.example",
            "--name",
            "Gast",
            "--role",
            "viewer",
        ],
        "",
    );
    assert!(ok);
    let generated = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .unwrap();
    assert_eq!(
        login(&app, "gast@region.example", generated).await.status(),
        200
    );

    let (ok, token) = run(
        &[
            "user",
            "token",
            "--email",
            "chef@region.example",
            "--name",
            "import",
            "--days",
            "7",
        ],
        "",
    );
    assert!(ok);
    let who: Value = me(&app, token.trim()).await.json().await.unwrap();
    assert_eq!(who["role"], "admin");

    // Editors need a municipality; a weak password is refused.
    let (ok, _) = run(
        &[
            "user",
            "add",
            "--email",
            "e@region.example",
            "--name",
            "E",
            "--role",
            "editor",
        ],
        "",
    );
    assert!(!ok);
    let (ok, _) = run(
        &[
            "user",
            "add",
            "--email",
            "f@region.example",
            "--name",
            "F",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        "kurz\n",
    );
    assert!(!ok);
}

/// A stolen admin session cannot make itself a lasting credential through account management
/// either: a new account, a password or the admin role need the acting admin's own password.
#[tokio::test]
async fn handing_out_credentials_needs_the_admins_password() {
    let app = app_with_admin_password().await;
    let body = json!({"email": "new@test.example", "display_name": "Neu", "role": "admin",
                      "password": PASSWORD, "your_password": "a guess"});
    let refused = app
        .client
        .post(app.url("/users"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(refused, 403).await;
    let viewer = app
        .account_with_token("v@test.example", "viewer", &[], "gwf_v")
        .await;
    let patch = |change: Value| {
        app.client
            .patch(app.url(&format!("/users/{viewer}")))
            .bearer_auth(TOKEN)
            .json(&change)
            .send()
    };
    assert_problem(patch(json!({"role": "admin"})).await.unwrap(), 403).await;
    assert_problem(
        patch(json!({"password": "ein ganz neues Passwort"}))
            .await
            .unwrap(),
        403,
    )
    .await;
    let renamed = patch(json!({"display_name": "Vera"})).await.unwrap();
    assert_eq!(renamed.status(), 200, "a name needs no confirmation");
    let promoted = patch(json!({"role": "admin", "your_password": ADMIN_PASSWORD}))
        .await
        .unwrap();
    assert_eq!(promoted.status(), 200);
}
