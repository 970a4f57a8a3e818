//! Login that cannot be used against its users: throttled per client address and overall,
//! the same answers for addresses that are accounts and addresses that are not, counters that
//! decay, a lock that parallel guesses cannot slip past, and bounded password hashing.

use diesel::sql_types::{Integer, Text};
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;

const PASSWORD: &str = "Ludwigslust-Gewerbe-2026";

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    login_from(app, email, password, None).await
}

async fn login_from(
    app: &TestApp,
    email: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/auth/login"))
        .json(&json!({"email": email, "password": password}));
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    request.send().await.unwrap()
}

/// A known account with a real password.
async fn account(app: &TestApp, email: &str) {
    app.account_with_token(email, "viewer", &[], &format!("gwf_{email}"))
        .await;
    app.set_password(email, PASSWORD).await;
}

/// Status, `Retry-After` present, and the problem's type, title and detail: everything a
/// caller sees of a refused login.
async fn answer(response: reqwest::Response) -> (u16, bool, Value) {
    let status = response.status().as_u16();
    let retry = response.headers().contains_key("retry-after");
    let body: Value = response.json().await.unwrap();
    (
        status,
        retry,
        json!([body["type"], body["title"], body["detail"]]),
    )
}

/// Reproduced: 60 failed logins for 60 different e-mails from one address, none refused.
/// Now the address gets 10 a minute (`GWF_RATE_LOGIN_PER_MIN`), then 429 with `Retry-After`,
/// and forging `X-Forwarded-For` does not help: no proxy is trusted by default.
#[tokio::test]
async fn a_login_flood_from_one_address_is_throttled() {
    let app = spawn_app().await;
    let mut statuses = Vec::new();
    for i in 0..30 {
        let forged = format!("198.51.100.{i}");
        let response =
            login_from(&app, &format!("guess{i}@x.example"), "nope", Some(&forged)).await;
        if response.status() == 429 {
            let retry: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry), "Retry-After {retry}");
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses[..10], [401; 10], "{statuses:?}");
    assert_eq!(statuses[10..], [429; 20], "{statuses:?}");
}

/// Behind a trusted proxy each client has its own allowance, and all of them together are
/// held to the overall limit (`GWF_RATE_LOGIN_TOTAL_PER_MIN`).
#[tokio::test]
async fn the_overall_login_limit_holds_across_addresses() {
    let app = spawn_app_with(&[
        ("GWF_TRUSTED_PROXIES", "127.0.0.1/32"),
        ("GWF_RATE_LOGIN_PER_MIN", "2"),
        ("GWF_RATE_LOGIN_TOTAL_PER_MIN", "5"),
    ])
    .await;
    let from = |i: usize| format!("203.0.113.{i}");
    // One client: two, then refused; another client still gets its own.
    assert_eq!(
        login_from(&app, "a@x.example", "n", Some(&from(1)))
            .await
            .status(),
        401
    );
    assert_eq!(
        login_from(&app, "a@x.example", "n", Some(&from(1)))
            .await
            .status(),
        401
    );
    assert_eq!(
        login_from(&app, "a@x.example", "n", Some(&from(1)))
            .await
            .status(),
        429
    );
    assert_eq!(
        login_from(&app, "b@x.example", "n", Some(&from(2)))
            .await
            .status(),
        401
    );
    assert_eq!(
        login_from(&app, "c@x.example", "n", Some(&from(3)))
            .await
            .status(),
        401
    );
    assert_eq!(
        login_from(&app, "d@x.example", "n", Some(&from(4)))
            .await
            .status(),
        401
    );
    // Five in all so far (the refused one does not count): everyone waits now.
    assert_eq!(
        login_from(&app, "e@x.example", "n", Some(&from(5)))
            .await
            .status(),
        429
    );
}

/// Reproduced: the sixth wrong attempt answered 429 for real accounts only. Now an address
/// that is no account locks, and answers, exactly like one that is.
#[tokio::test]
async fn unknown_and_known_addresses_answer_alike() {
    let app = spawn_app_with(&[("GWF_RATE_LOGIN_PER_MIN", "1000")]).await;
    account(&app, "real@region.example").await;
    let mut real = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..7 {
        real.push(answer(login(&app, "real@region.example", "wrong-password-x").await).await);
        unknown.push(answer(login(&app, "nobody@region.example", "wrong-password-x").await).await);
    }
    assert_eq!(real, unknown);
    let statuses: Vec<u16> = real.iter().map(|(s, ..)| *s).collect();
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
    // Locked is locked: the right password waits too.
    assert_eq!(
        login(&app, "real@region.example", PASSWORD).await.status(),
        429
    );
}

async fn throttle(app: &TestApp, email: &str, failures: i32, sql_set: &str) {
    let mut conn = app.db().await;
    diesel::sql_query(
        "INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) \
         VALUES (sha256(convert_to(lower($1), 'UTF8')), $2, now(), NULL) \
         ON CONFLICT (key) DO UPDATE SET failures = $2",
    )
    .bind::<Text, _>(email)
    .bind::<Integer, _>(failures)
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query(format!(
        "UPDATE login_throttle SET {sql_set} WHERE key = sha256(convert_to(lower($1), 'UTF8'))"
    ))
    .bind::<Text, _>(email)
    .execute(&mut conn)
    .await
    .unwrap();
}

async fn failures(app: &TestApp, email: &str) -> i32 {
    #[derive(diesel::QueryableByName)]
    struct F {
        #[diesel(sql_type = Integer)]
        failures: i32,
    }
    let mut conn = app.db().await;
    diesel::sql_query(
        "SELECT failures FROM login_throttle WHERE key = sha256(convert_to(lower($1), 'UTF8'))",
    )
    .bind::<Text, _>(email)
    .get_result::<F>(&mut conn)
    .await
    .unwrap()
    .failures
}

/// A trickle of bad logins (one an hour, two dozen a day) never locks an account: one failure
/// is forgotten every ten minutes. A burst still locks, and is forgotten too.
#[tokio::test]
async fn failure_counts_decay() {
    let app = spawn_app_with(&[("GWF_RATE_LOGIN_PER_MIN", "1000")]).await;
    account(&app, "admin@region.example").await;
    for _ in 0..24 {
        let guess = login(&app, "admin@region.example", "wrong-password-x").await;
        assert_problem(guess, 401).await;
        // An hour passes.
        throttle(
            &app,
            "admin@region.example",
            failures(&app, "admin@region.example").await,
            "last_failure_at = last_failure_at - interval '60 minutes'",
        )
        .await;
    }
    assert_eq!(failures(&app, "admin@region.example").await, 1);
    assert_eq!(
        login(&app, "admin@region.example", PASSWORD).await.status(),
        200
    );

    // Five at once lock; 50 minutes after the lock ends all five are forgotten.
    for _ in 0..5 {
        login(&app, "admin@region.example", "wrong-password-x").await;
    }
    assert_eq!(
        login(&app, "admin@region.example", PASSWORD).await.status(),
        429
    );
    throttle(
        &app,
        "admin@region.example",
        5,
        "last_failure_at = now() - interval '51 minutes', locked_until = now() - interval '50 minutes'",
    )
    .await;
    assert_problem(
        login(&app, "admin@region.example", "wrong-password-x").await,
        401,
    )
    .await;
    assert_eq!(failures(&app, "admin@region.example").await, 1);
}

/// Parallel guesses at the moment a lock ends: the count is claimed in one conditional
/// statement before the password is checked, so exactly one guess gets through.
#[tokio::test]
async fn parallel_guesses_cannot_slip_past_a_lock() {
    let app = spawn_app_with(&[
        ("GWF_RATE_LOGIN_PER_MIN", "1000"),
        ("GWF_DB_POOL_SIZE", "12"),
    ])
    .await;
    account(&app, "editor@region.example").await;
    throttle(
        &app,
        "editor@region.example",
        5,
        "locked_until = now() - interval '1 second'",
    )
    .await;
    let guesses = (0..10).map(|i| {
        let app = &app;
        async move {
            login(app, "editor@region.example", &format!("guess-number-{i}"))
                .await
                .status()
                .as_u16()
        }
    });
    let mut statuses = futures_util::future::join_all(guesses).await;
    statuses.sort();
    assert_eq!(statuses, [401, 429, 429, 429, 429, 429, 429, 429, 429, 429]);
}

/// A flood of logins cannot take the memory of the server: Argon2 runs at most
/// `GWF_ARGON2_CONCURRENCY` at once, and a login that cannot get a turn soon is refused with
/// 503 and `Retry-After`.
#[tokio::test]
async fn password_hashing_is_bounded() {
    let app = spawn_app_with(&[
        ("GWF_RATE_LOGIN_PER_MIN", "0"),
        ("GWF_ARGON2_CONCURRENCY", "1"),
        ("GWF_DB_POOL_SIZE", "50"),
    ])
    .await;
    let flood = (0..150).map(|i| {
        let app = &app;
        async move {
            let response = login(app, &format!("flood{i}@x.example"), "nope").await;
            let retry = response.headers().contains_key("retry-after");
            (response.status().as_u16(), retry)
        }
    });
    let answers = futures_util::future::join_all(flood).await;
    for (status, retry) in &answers {
        assert!(matches!(status, 401 | 503), "{answers:?}");
        assert!(*status == 401 || *retry, "503 without Retry-After");
    }
    assert!(
        answers.iter().any(|(s, _)| *s == 503),
        "150 hashes one at a time all within the 2 s wait: {answers:?}"
    );
}

/// Password confirmations (token creation, password change) share the account's throttle,
/// so a stolen session cannot be used to guess the password either.
#[tokio::test]
async fn password_confirmations_are_throttled_like_logins() {
    let app = spawn_app_with(&[("GWF_RATE_LOGIN_PER_MIN", "1000")]).await;
    account(&app, "stolen@region.example").await;
    let session = "gwf_stolen@region.example";
    let mut statuses = Vec::new();
    for i in 0..6 {
        let response = app
            .client
            .post(app.url("/auth/tokens"))
            .bearer_auth(session)
            .json(&json!({"name": "exfiltration", "expires_in_days": 700, "password": format!("guess-{i}")}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [403, 403, 403, 403, 403, 429]);
    let response = app
        .client
        .post(app.url("/auth/password"))
        .bearer_auth(session)
        .json(&json!({"current_password": PASSWORD, "new_password": "a whole new password"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 429).await;
}
