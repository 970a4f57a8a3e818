//! The committed OpenAPI document is the generated one, and it is self-contained.

use serde_json::Value;

use crate::helpers::*;

#[test]
fn committed_openapi_document_is_up_to_date() {
    let generated = gewerbeflaechen::api::docs::openapi_document();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json` and commit it"
    );
}

fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    found.push(v.as_str().unwrap_or_default().to_owned());
                }
                refs(v, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

#[test]
fn openapi_document_has_only_local_references_that_resolve() {
    let doc: Value = serde_json::from_str(&gewerbeflaechen::api::docs::openapi_document()).unwrap();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("remote $ref {r}"));
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
    }
}

#[test]
fn write_operations_declare_the_bearer_scheme() {
    let doc: Value = serde_json::from_str(&gewerbeflaechen::api::docs::openapi_document()).unwrap();
    for (path, method) in [
        ("/plots", "post"),
        ("/plots/{key}", "put"),
        ("/plots/{key}", "patch"),
        ("/plots/{key}", "delete"),
    ] {
        let security = &doc["paths"][path][method]["security"];
        assert_eq!(
            security,
            &serde_json::json!([{"bearer": []}]),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn the_served_document_and_docs_ui_work_offline() {
    let app = spawn_app().await;
    let served: Value = app.get("/openapi.json").await.json().await.unwrap();
    let generated: Value =
        serde_json::from_str(&gewerbeflaechen::api::docs::openapi_document()).unwrap();
    assert_eq!(served, generated);
    let docs = app.get("/docs/").await;
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    assert!(
        !html.contains("https://"),
        "the docs page must not load from other hosts"
    );
    let js = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(js.status(), 200);
}

/// Every operation that needs an account says so: `bearer` security and no anonymous
/// alternative; public reads allow both; login needs nothing.
#[test]
fn the_security_scheme_is_declared_on_every_protected_operation() {
    let doc: Value = serde_json::from_str(&gewerbeflaechen::api::docs::openapi_document()).unwrap();
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let public_reads = [
        "/plots",
        "/plots/{key}",
        "/plots/search",
        "/plots/facets",
        "/plots/compare",
    ];
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let security = operation["security"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let bearer = security.iter().any(|s| s.get("bearer").is_some());
            let anonymous = security
                .iter()
                .any(|s| s.as_object().is_some_and(|o| o.is_empty()));
            let staff_only = path.starts_with("/users")
                || path.starts_with("/imports")
                || path == "/plots/export"
                || path.ends_with("/history")
                || (path.starts_with("/auth/") && path != "/auth/login")
                || (method != "get" && !(method == "post" && path == "/plots/search"))
                    && path.starts_with("/plots");
            if staff_only {
                checked += 1;
                assert!(
                    bearer && !anonymous,
                    "{method} {path} must require bearer: {security:?}"
                );
            } else if public_reads.contains(&path.as_str()) && method == "get" {
                assert!(
                    bearer && anonymous,
                    "{method} {path}: anonymous or bearer: {security:?}"
                );
            }
        }
    }
    assert!(checked >= 19, "only {checked} protected operations found");
}
