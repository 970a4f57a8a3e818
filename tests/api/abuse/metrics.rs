//! `/metrics`: Prometheus text, behind a token on the main address or alone on an internal one,
//! with route patterns and counts only: no addresses, e-mails, references or query strings.

use serde_json::json;

use crate::helpers::*;

const METRICS_TOKEN: &str = "metrics-token-for-the-scraper";

#[tokio::test]
async fn metrics_need_their_token_and_hold_no_personal_data() {
    let plain = spawn_app().await;
    assert_problem(plain.get("/metrics").await, 404).await;

    let app = spawn_app_with(&[("GWF_METRICS_TOKEN", METRICS_TOKEN)]).await;
    let (municipality, estate) = app.place().await;
    app.create_plot(&plot_body("GEHEIM-4711", municipality, Some(estate)))
        .await;
    // Traffic with things that must not show: an e-mail, a reference, a search text.
    let login = app
        .client
        .post(app.url("/auth/login"))
        .json(&json!({"email": "erika.mustermann@privat.example", "password": "falsch"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 401);
    assert_eq!(app.get_staff("/plots/GEHEIM-4711").await.status(), 200);
    assert_eq!(app.get("/plots?q=Schokoladenfabrik").await.status(), 200);
    assert!(app
        .get("/tiles/plots/12/2178/1328.mvt")
        .await
        .status()
        .is_success());

    // A method nobody uses must not become a label (each would be a series kept for ever).
    let odd = reqwest::Method::from_bytes(b"FROBNICATE").unwrap();
    app.client
        .request(odd, app.url("/plots"))
        .send()
        .await
        .unwrap();

    assert_problem(app.get("/metrics").await, 401).await;
    assert_eq!(
        app.get_with("/metrics", "wrong-token-of-same-size").await,
        401
    );
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = response.text().await.unwrap();
    for expected in [
        "gwf_http_requests_total{",
        "route=\"/plots/{key}\"",
        "gwf_http_request_duration_seconds_bucket{",
        "gwf_db_pool_connections",
        "gwf_db_pool_in_use",
        "gwf_db_pool_waiting",
        "gwf_login_refused_total{reason=\"wrong\"}",
        "gwf_tile_cache_misses_total",
        "gwf_tile_cache_bytes",
    ] {
        assert!(text.contains(expected), "no `{expected}` in\n{text}");
    }
    for secret in [
        "erika",
        "privat.example",
        "GEHEIM",
        "Schokoladenfabrik",
        "127.0.0.1",
        "q=",
        "FROBNICATE",
    ] {
        assert!(!text.contains(secret), "`{secret}` in\n{text}");
    }
}

/// With `GWF_METRICS_BIND` the metrics are served on that address, without a token (it is
/// meant for an internal interface), and the address serves nothing else.
#[tokio::test]
async fn metrics_can_have_an_address_of_their_own() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = free.local_addr().unwrap();
    drop(free);
    let app = spawn_app_with(&[("GWF_METRICS_BIND", &address.to_string())]).await;
    assert_eq!(app.get("/plots").await.status(), 200);
    let scraped = app
        .client
        .get(format!("http://{address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(scraped
        .text()
        .await
        .unwrap()
        .contains("gwf_http_requests_total"));
    let other = app
        .client
        .get(format!("http://{address}/plots"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    // The main address has no /metrics without a token configured.
    assert_eq!(app.get("/metrics").await.status(), 404);
}
