//! The media store on S3 (docs/media.md#storage), against a local S3-compatible server:
//! `scripts/test.sh` starts moto's server (PyPI `moto[server]`) on loopback and sets
//! `GWF_TEST_S3_ENDPOINT`. Without it (a plain `cargo test`) the test says so and passes.

use serde_json::Value;

use crate::helpers::*;
use crate::media::{photo, upload};

#[tokio::test]
async fn uploads_go_to_the_bucket_and_come_back() {
    let Ok(endpoint) = std::env::var("GWF_TEST_S3_ENDPOINT") else {
        eprintln!(
            "SKIP media_s3: GWF_TEST_S3_ENDPOINT is not set; scripts/test.sh starts an S3 \
             server (moto) and sets it"
        );
        return;
    };
    let bucket = format!("gwf-test-{}", std::process::id());
    // moto makes a bucket on a plain PUT.
    let made = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(made.status().is_success(), "bucket: {}", made.status());
    let s3 = [
        ("GWF_MEDIA_S3_BUCKET", bucket.as_str()),
        ("GWF_MEDIA_S3_ENDPOINT", endpoint.as_str()),
        ("GWF_MEDIA_S3_ALLOW_HTTP", "true"),
        ("GWF_MEDIA_S3_ACCESS_KEY_ID", "test"),
        ("GWF_MEDIA_S3_SECRET_ACCESS_KEY", "test"),
    ];
    let app = spawn_app_with(&s3).await;
    let (municipality, _) = app.place().await;
    let mut body = plot_body("S3-001", municipality, None);
    body["published"] = false.into();
    let plot = app.create_plot(&body).await;

    let bytes = photo(900, 600);
    let response = upload(
        &app,
        &plot,
        "credit=Stadt&licence=CC0",
        "image/jpeg",
        bytes.clone(),
    )
    .await;
    assert_eq!(response.status(), 201);
    let item: Value = response.json().await.unwrap();
    let again: Value = upload(&app, &plot, "", "image/jpeg", bytes)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["content_hash"], item["content_hash"]);
    let pdf: Value = upload(
        &app,
        &plot,
        "kind=bplan",
        "application/pdf",
        b"%PDF-1.4\n%%EOF\n".to_vec(),
    )
    .await
    .json()
    .await
    .unwrap();

    for (url, size) in [
        (item["links"]["thumb"].as_str().unwrap(), Some(160)),
        (item["links"]["large"].as_str().unwrap(), Some(900)),
        (pdf["links"]["document"].as_str().unwrap(), None),
    ] {
        let file = app.client.get(url).bearer_auth(TOKEN).send().await.unwrap();
        assert_eq!(file.status(), 200, "{url}");
        let bytes = file.bytes().await.unwrap();
        if let Some(width) = size {
            assert_eq!(image::load_from_memory(&bytes).unwrap().width(), width);
        } else {
            assert!(bytes.starts_with(b"%PDF-"));
        }
    }

    let mut vars: std::collections::HashMap<String, String> = s3
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    vars.insert("DATABASE_URL".into(), app.database_url.clone());
    let settings = gewerbeflaechen::config::Settings::from_map(&vars).unwrap();
    let store = gewerbeflaechen::media_store::MediaStore::open(&settings.media).unwrap();
    let mut conn = app.db().await;
    let report = gewerbeflaechen::media_store::check(&mut conn, &store)
        .await
        .unwrap();
    assert_eq!(report.hashes_checked, 2);
    assert!(report.rows_without_objects.is_empty() && report.objects_without_rows.is_empty());
    let hash = item["content_hash"].as_str().unwrap();
    store.delete(&format!("{hash}/400.jpg")).await.unwrap();
    let report = gewerbeflaechen::media_store::check(&mut conn, &store)
        .await
        .unwrap();
    assert_eq!(
        report.rows_without_objects,
        vec![(hash.to_owned(), vec!["400.jpg".to_owned()])]
    );
}
