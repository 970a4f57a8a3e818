//! Problems in the reader's language, and Swagger UI's examples kept out of filters.

use super::*;

async fn german(app: &TestApp, request: reqwest::RequestBuilder) -> reqwest::Response {
    let _ = app;
    request
        .header("accept-language", "fr;q=0.9, de;q=0.8, en;q=0.5")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn problems_speak_the_readers_language() {
    let app = spawn_app().await;
    region(&app).await;

    // English by default, marked as such.
    let response = app.get("/plots/999999").await;
    assert_eq!(response.headers()["content-language"], "en");
    let vary: Vec<_> = response
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        vary.iter().any(|v| v.contains("Accept-Language")),
        "{vary:?}"
    );
    let problem = assert_problem(response, 404).await;
    assert_eq!(problem["title"], "Not Found");

    let c = &app.client;
    let cases: Vec<(reqwest::RequestBuilder, u16, &str, &str)> = vec![
        (c.get(app.url("/plots/999999")), 404, "Nicht gefunden", "keine Fläche mit der Id 999999"),
        (c.post(app.url("/plots")).json(&json!({})), 401, "Nicht angemeldet", "diese Aktion braucht `Authorization: Bearer <token>` (POST /auth/login)"),
        (c.get(app.url("/plots?municipality=99999999")), 400, "Ungültige Anfrage", "Parameter `municipality`: keine Gemeinde mit dem AGS `99999999`"),
        (
            c.patch(app.url("/plots/LWL-001")).bearer_auth(TOKEN).header("content-type", "application/merge-patch+json").json(&json!({"title_de": "x"})),
            428,
            "Vorbedingung erforderlich",
            "senden Sie `If-Match` mit dem ETag der Version, die Sie bearbeitet haben (aus GET); so geht keine gleichzeitige Änderung verloren",
        ),
        (
            c.patch(app.url("/plots/LWL-001")).bearer_auth(TOKEN).header("If-Match", "\"99\"").header("content-type", "application/merge-patch+json").json(&json!({"title_de": "x"})),
            412,
            "Vorbedingung nicht erfüllt",
            "",
        ),
        (
            c.post(app.url("/plots")).bearer_auth(TOKEN).json(&{
                let mut body = plot_body("LWL-001", app.place().await.0, None);
                body.as_object_mut().unwrap().remove("published");
                body
            }),
            409,
            "Konflikt",
            "eine andere Fläche hat dieses Kennzeichen schon",
        ),
        (
            c.post(app.url("/plots")).bearer_auth(TOKEN).json(&json!({"reference": "X-1", "grz": 7, "municipality_id": app.place().await.0})),
            422,
            "Inhalt verletzt Regeln",
            "Regeln verletzt; siehe `errors`",
        ),
        (c.delete(app.url("/plots/compare")), 404, "Nicht gefunden", ""),
        (c.delete(app.url("/auth/login")), 405, "Methode nicht erlaubt", ""),
    ];
    for (request, status, title, detail) in cases {
        let response = german(&app, request).await;
        assert_eq!(response.headers()["content-language"], "de");
        let problem = assert_problem(response, status).await;
        assert_eq!(problem["title"], title, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(detail),
            "{problem}"
        );
    }

    // The summary of a rejected import.
    let feature = json!({
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square(11.4, 53.3, 0.001)]},
        "properties": {"reference": "IMP-1", "municipality_ags": "13076090"}
    });
    let imported = german(
        &app,
        c.post(app.url("/imports"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/geo+json")
            .body(json!({"type": "FeatureCollection", "features": [feature]}).to_string()),
    )
    .await;
    let problem = assert_problem(imported, 422).await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("in 1 von 1 Objekt; nichts wurde importiert"),
        "{detail}"
    );

    // q-values decide; `de-DE` is German.
    for (header, lang) in [
        ("de-DE", "de"),
        ("en;q=0.4, de;q=0.6", "de"),
        ("de;q=0.5, en", "en"),
        ("fr", "en"),
    ] {
        let response = c
            .get(app.url("/plots/999999"))
            .header("accept-language", header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-language"], lang, "{header}");
    }
}

/// Swagger UI's "Try it out" fills in every `example` of a query parameter: a staff member who
/// types one filter would search with all the others too. Examples belong in descriptions.
#[test]
fn query_parameters_carry_no_examples() {
    let doc: Value = serde_json::from_str(&gewerbeflaechen::api::docs::openapi_document()).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["in"] != "query" {
                    continue;
                }
                checked += 1;
                let name = &parameter["name"];
                for at in [parameter, &parameter["schema"]] {
                    assert!(
                        at.get("example").is_none() && at.get("examples").is_none(),
                        "{method} {path}: query parameter {name} has an example"
                    );
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} query parameters found");
}
