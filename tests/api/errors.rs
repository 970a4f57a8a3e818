//! Every failure is problem+json with a useful detail; bad input never produces a 5xx.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn unknown_routes_and_ids_are_404_problems() {
    let app = spawn_app().await;
    for path in [
        "/nowhere",
        "/plots/999999",
        "/plots/NOPE-1",
        "/plots/%E2%9C%93",
        "/municipalities/abc",
        "/estates/42",
        "/regions/7",
    ] {
        let problem = assert_problem(app.get(path).await, 404).await;
        assert!(
            problem["detail"].as_str().unwrap().len() > 5,
            "{path}: {problem}"
        );
    }
}

#[tokio::test]
async fn wrong_method_is_a_405_problem() {
    let app = spawn_app().await;
    let response = app.client.delete(app.url("/plots")).send().await.unwrap();
    let allow = response.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("HEAD"), "{allow}");
    assert_problem(response, 405).await;
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    for path in [
        "/plots?limit=2",
        "/assets/embed.js",
        "/healthz",
        "/collections",
    ] {
        let get = app.get(path).await;
        assert_eq!(get.status(), 200, "{path}");
        let get_type = get.headers()["content-type"].clone();
        let head = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), 200, "HEAD {path}");
        assert_eq!(head.headers()["content-type"], get_type, "HEAD {path}");
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} has no body"
        );
    }
    // Not where GET is not.
    let head = app
        .client
        .head(app.url("/auth/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 405);
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    for body in ["{", "{\"reference\": }", "[1,2", "{} trailing"] {
        let response = app
            .client
            .post(app.url("/plots"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 400).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("not valid JSON"),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn wrong_types_and_missing_fields_name_the_field() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    let mut body = plot_body("LWL-001", municipality, None);
    body["status"] = json!("for_sale");
    let problem = assert_problem(app.post_plot(&body).await, 422).await;
    assert_eq!(pointers(&problem), ["/status"]);
    assert!(problem["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("available"));

    let mut body = plot_body("LWL-001", municipality, None);
    body.as_object_mut().unwrap().remove("zoning");
    let problem = assert_problem(app.post_plot(&body).await, 422).await;
    assert_eq!(pointers(&problem), ["/zoning"]);

    let mut body = plot_body("LWL-001", municipality, None);
    body["grz_typo"] = json!(0.5);
    let problem = assert_problem(app.post_plot(&body).await, 422).await;
    assert!(
        problem["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("grz_typo"),
        "{problem}"
    );
}

#[tokio::test]
async fn each_field_rule_is_named() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    let cases = [
        (json!({"grz": 1.5}), "/grz"),
        (json!({"gfz": -1}), "/gfz"),
        (json!({"reference": "lwl 1"}), "/reference"),
        (json!({"title_de": "   "}), "/title_de"),
        (json!({"area_stated_m2": 0}), "/area_stated_m2"),
        (json!({"price_min_eur_m2": "12.345"}), "/price_min_eur_m2"),
        (
            json!({"price_min_eur_m2": "20", "price_max_eur_m2": "10"}),
            "/price_max_eur_m2",
        ),
        (json!({"price_on_request": true}), "/price_on_request"),
        (
            json!({"price_min_eur_m2": null, "price_max_eur_m2": null}),
            "/price_min_eur_m2",
        ),
        (json!({"grw_area": false}), "/grw_max_rate_small_pct"),
        (
            json!({"grw_max_rate_small_pct": 120}),
            "/grw_max_rate_small_pct",
        ),
        (json!({"dist_motorway_km": -3}), "/dist_motorway_km"),
        (json!({"max_height_m": 0}), "/max_height_m"),
        (json!({"contact_email": "not-an-address"}), "/contact_email"),
        (
            json!({"data_confirmed_on": "2999-01-01"}),
            "/data_confirmed_on",
        ),
        (
            json!({"data_confirmed_on": "yesterday"}),
            "/data_confirmed_on",
        ),
        (json!({"municipality_id": "one"}), "/municipality_id"),
    ];
    for (patch, pointer) in cases {
        let mut body = plot_body("LWL-001", municipality, None);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let problem = assert_problem(app.post_plot(&body).await, 422).await;
        assert!(
            pointers(&problem).contains(&pointer.to_owned()),
            "{patch}: expected {pointer}, got {problem}"
        );
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    let mut body = plot_body("LWL-001", municipality, None);
    body["description_de"] = json!("x".repeat(BODY_LIMIT + 1));
    let problem = assert_problem(app.post_plot(&body).await, 413).await;
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains(&BODY_LIMIT.to_string()));

    // Also when the client streams without announcing a length.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..40).map(|_| Ok(vec![b' '; 10_000])).collect();
    let response = app
        .client
        .post(app.url("/plots"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_problem(response, 413).await;
}

#[tokio::test]
async fn other_media_types_are_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/plots"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/csv")
        .body("a;b")
        .send()
        .await
        .unwrap();
    assert_problem(response, 415).await;
}

#[tokio::test]
async fn bad_query_parameters_are_named() {
    let app = spawn_app().await;
    for (query, name) in [
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("cursor=-5", "cursor"),
        ("municipality=x", "municipality"),
        ("f=xml", "f"),
        ("colour=red", "colour"),
    ] {
        let problem = assert_problem(app.get(&format!("/plots?{query}")).await, 400).await;
        assert_eq!(problem["errors"][0]["pointer"], name, "{query}: {problem}");
    }
}

#[tokio::test]
async fn unsupported_accept_is_406_and_wildcards_get_json() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/plots"))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_problem(response, 406).await;
    let response = app
        .client
        .get(app.url("/plots"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/json");
    let response = app
        .client
        .get(app.url("/plots"))
        .header("accept", "application/json;q=0.5, application/geo+json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/geo+json");
}

#[tokio::test]
async fn server_errors_reveal_nothing() {
    let app = spawn_app().await;
    // Break the database under the running app: a 500 must stay opaque.
    let mut conn = app.db().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("ALTER TABLE plots RENAME COLUMN title_de TO title_old"),
        &mut conn,
    )
    .await
    .unwrap();
    let response = app.get("/plots").await;
    let problem = assert_problem(response, 500).await;
    let text = problem.to_string();
    for leak in ["title_de", "column", "diesel", "SELECT"] {
        assert!(!text.contains(leak), "500 body leaks {leak}: {text}");
    }
}
