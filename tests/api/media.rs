//! Photos and documents of plots (docs/media.md): the upload → publish → read journey, the
//! rights, ETags and history, and hostile files.

use std::io::Cursor;

use serde_json::{json, Value};

use crate::helpers::*;

/// A draft plot's body.
fn draft(reference: &str, municipality: i64, estate: Option<i64>) -> Value {
    let mut body = plot_body(reference, municipality, estate);
    body["published"] = false.into();
    body
}

/// A JPEG of `width` × `height` with an EXIF segment that names a GPS position and a camera
/// serial, as phone photos do.
pub fn photo(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    let jpeg = out.into_inner();
    let mut exif = b"Exif\0\0MM\0*\0\0\0\x08\0\0".to_vec();
    exif.extend_from_slice(
        b"GPSLatitude 53.3275N GPSLongitude 11.4961E BodySerialNumber CAM-SN-4711",
    );
    let mut with_exif = jpeg[..2].to_vec();
    with_exif.extend_from_slice(&[0xFF, 0xE1]);
    with_exif.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    with_exif.extend_from_slice(&exif);
    with_exif.extend_from_slice(&jpeg[2..]);
    with_exif
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

/// A PNG whose header claims 20,000 × 20,000 pixels (1.2 GB decoded) in a few kB.
pub fn png_bomb() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 20_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend(chunk(b"IHDR", &ihdr));
    // A zlib stream of zeros as far as it goes: what such a bomb carries.
    let mut idat = vec![0x78, 0x9C];
    idat.extend(std::iter::repeat_n(0u8, 4000));
    png.extend(chunk(b"IDAT", &idat));
    png.extend(chunk(b"IEND", &[]));
    png
}

pub async fn upload(
    app: &TestApp,
    plot: &Value,
    query: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/plots/{}/media?{query}", plot["id"])))
        .bearer_auth(TOKEN)
        .header("Content-Type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

pub fn media_dir(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("gwf-media-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.display().to_string()
}

#[tokio::test]
async fn upload_then_publish_then_everyone_sees_it_without_exif() {
    let dir = media_dir("journey");
    let app = spawn_app_with(&[("GWF_MEDIA_DIR", &dir)]).await;
    let (municipality, estate) = app.place().await;
    let plot = app
        .create_plot(&draft("MED-001", municipality, Some(estate)))
        .await;

    // The client's type and name say PDF; the bytes say JPEG, and the bytes decide.
    let response = upload(
        &app,
        &plot,
        "caption_de=Blick%20von%20Norden&kind=photo&cover=true",
        "application/pdf",
        photo(1600, 1200),
    )
    .await;
    if response.status() != 201 {
        panic!("{}", response.text().await.unwrap());
    }
    assert!(response.headers()["location"]
        .to_str()
        .unwrap()
        .contains("/media/"));
    let item: Value = response.json().await.unwrap();
    assert_eq!(item["content_type"], "image/jpeg");
    assert_eq!(
        (item["width"].as_i64(), item["height"].as_i64()),
        (Some(1600), Some(1200))
    );
    assert_eq!(item["cover"], true);
    let thumb = item["links"]["thumb"].as_str().unwrap().to_owned();
    assert!(item["links"]["small"].is_string() && item["links"]["large"].is_string());

    // A draft's media are not public.
    let media_path = format!("/plots/{}/media", plot["id"]);
    assert_eq!(app.get(&media_path).await.status(), 404);
    assert_eq!(app.client.get(&thumb).send().await.unwrap().status(), 404);

    // No credit yet: the plot cannot be published.
    let plot_now: Value = app
        .get_staff(&format!("/plots/{}", plot["id"]))
        .await
        .json()
        .await
        .unwrap();
    let publish = |version: &Value| {
        app.client
            .post(app.url(&format!("/plots/{}/publish", plot["id"])))
            .bearer_auth(TOKEN)
            .header("If-Match", format!("\"{version}\""))
            .send()
    };
    let refused = assert_problem(publish(&plot_now["version"]).await.unwrap(), 422).await;
    assert_eq!(pointers(&refused), vec![format!("/media/{}", item["id"])]);

    // Credit it (If-Match with the item's version), then publish.
    let media_url = app.url(&format!("/media/{}", item["id"]));
    let stale = app
        .client
        .patch(&media_url)
        .bearer_auth(TOKEN)
        .header("If-Match", "\"99\"")
        .json(&json!({"credit": "Stadt Ludwigslust", "licence": "CC BY 4.0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    let patched = app
        .client
        .patch(&media_url)
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", item["version"]))
        .json(&json!({"credit": "Stadt Ludwigslust", "licence": "CC BY 4.0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    assert_eq!(patched.headers()["etag"], "\"2\"");
    let plot_now: Value = app
        .get_staff(&format!("/plots/{}", plot["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(publish(&plot_now["version"]).await.unwrap().status(), 200);

    // Public now: list and files, cached for good, with ETag and 304.
    let list: Value = app.get(&media_path).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["credit"], "Stadt Ludwigslust");
    let file = app.client.get(&thumb).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "image/jpeg");
    assert_eq!(
        file.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = file.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = file.bytes().await.unwrap();
    let decoded = image::load_from_memory(&bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (160, 120));
    for secret in [&b"Exif"[..], b"GPSLatitude", b"CAM-SN-4711"] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret),
            "the served image still carries {}",
            String::from_utf8_lossy(secret)
        );
    }
    let again = app
        .client
        .get(&thumb)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    for (name, side) in [("small", 400), ("large", 1200)] {
        let url = list["items"][0]["links"][name].as_str().unwrap();
        let bytes = app
            .client
            .get(url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(image::load_from_memory(&bytes).unwrap().width(), side);
    }

    // The plot's history tells who added and credited it.
    let history: Value = app
        .get_staff(&format!("/plots/{}/history", plot["id"]))
        .await
        .json()
        .await
        .unwrap();
    let media_entries = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["changes"][0]["field"] == "media")
        .count();
    assert_eq!(media_entries, 2, "{history}");

    // Credit stays required while the plot is published.
    let item: Value = app
        .get(&format!("/media/{}", item["id"]))
        .await
        .json()
        .await
        .unwrap();
    let cleared = app
        .client
        .patch(&media_url)
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", item["version"]))
        .json(&json!({"credit": null}))
        .send()
        .await
        .unwrap();
    assert_problem(cleared, 422).await;

    // Deleting the plot takes its media with it.
    let plot_now: Value = app
        .get_staff(&format!("/plots/{}", plot["id"]))
        .await
        .json()
        .await
        .unwrap();
    let deleted = app
        .client
        .delete(app.url(&format!("/plots/{}", plot["id"])))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", plot_now["version"]))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.client.get(&thumb).send().await.unwrap().status(), 404);
    assert_eq!(
        app.get(&format!("/media/{}", item["id"])).await.status(),
        404
    );
}

#[tokio::test]
async fn hostile_files_are_refused_before_they_cost() {
    let dir = media_dir("hostile");
    let app = spawn_app_with(&[("GWF_MEDIA_DIR", &dir), ("GWF_MEDIA_MAX_BYTES", "300000")]).await;
    let (municipality, _) = app.place().await;
    let plot = app.create_plot(&draft("MED-002", municipality, None)).await;

    // 20,000 × 20,000 pixels in a few kB: refused from the header, at once.
    let bomb = png_bomb();
    assert!(bomb.len() < 5000);
    let started = std::time::Instant::now();
    let problem = assert_problem(upload(&app, &plot, "", "image/png", bomb).await, 413).await;
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("20000 × 20000"));
    assert!(started.elapsed() < std::time::Duration::from_secs(2));

    // Scripts dressed as images.
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    assert_problem(upload(&app, &plot, "", "image/jpeg", svg).await, 415).await;
    let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
    assert_problem(upload(&app, &plot, "", "image/png", html).await, 415).await;
    // GIF is not taken (one decoder less).
    assert_problem(
        upload(&app, &plot, "", "image/gif", b"GIF89a\x01\0\x01\0".to_vec()).await,
        415,
    )
    .await;

    // A JPEG cut off before its frame header: 422, not 500. Cut in its scan data, the decoder
    // fills the rest (a grey band), which is no harm.
    let mut cut = photo(300, 200);
    cut.truncate(120);
    assert_problem(upload(&app, &plot, "", "image/jpeg", cut).await, 422).await;
    let mut cut = photo(300, 200);
    cut.truncate(cut.len() / 3);
    let status = upload(&app, &plot, "", "image/jpeg", cut).await.status();
    assert!(status == 201 || status == 422, "{status}");
    // Only a signature.
    assert_problem(
        upload(&app, &plot, "", "image/jpeg", vec![0xFF, 0xD8, 0xFF]).await,
        422,
    )
    .await;

    // Too many bytes.
    assert_problem(
        upload(&app, &plot, "", "image/jpeg", vec![0xFF; 400_000]).await,
        413,
    )
    .await;

    // Unknown parameters and bad facts.
    assert_problem(
        upload(&app, &plot, "path=../../etc", "image/jpeg", photo(20, 20)).await,
        400,
    )
    .await;
    let long = "x".repeat(501);
    assert_problem(
        upload(
            &app,
            &plot,
            &format!("caption_de={long}"),
            "image/jpeg",
            photo(20, 20),
        )
        .await,
        422,
    )
    .await;

    // A PDF sent as a JPEG is a PDF: a download, sandboxed.
    let pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec();
    let response = upload(&app, &plot, "kind=bplan", "image/jpeg", pdf.clone()).await;
    assert_eq!(response.status(), 201);
    let item: Value = response.json().await.unwrap();
    assert_eq!(item["content_type"], "application/pdf");
    assert_eq!(item["kind"], "bplan");
    let file = app
        .client
        .get(item["links"]["document"].as_str().unwrap())
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "application/pdf");
    let disposition = file.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let csp = file.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("sandbox"), "{csp}");
    assert_eq!(file.headers()["x-content-type-options"], "nosniff");
    assert_eq!(file.bytes().await.unwrap().to_vec(), pdf);
    // A PDF is no cover photo, and no photo.
    let patched = app
        .client
        .patch(app.url(&format!("/media/{}", item["id"])))
        .bearer_auth(TOKEN)
        .header("If-Match", "\"1\"")
        .json(&json!({"cover": true, "kind": "photo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        pointers(&assert_problem(patched, 422).await),
        ["/cover", "/kind"]
    );

    // File names never reach a path: the URL's segments are checked, not joined.
    for path in [
        format!("/media/{}/..%2F..%2Fetc%2Fpasswd/thumb.jpg", item["id"]),
        format!(
            "/media/{}/{}/..%2F..%2Fpasswd",
            item["id"],
            item["content_hash"].as_str().unwrap()
        ),
        format!(
            "/media/{}/{}/thumb.jpg",
            item["id"],
            item["content_hash"].as_str().unwrap()
        ),
        "/media/abc".to_owned(),
    ] {
        let status = app.get_staff(&path).await.status();
        assert_eq!(status, 404, "{path}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn identical_uploads_are_stored_once_and_the_check_finds_strays() {
    let dir = media_dir("check");
    let app = spawn_app_with(&[("GWF_MEDIA_DIR", &dir)]).await;
    let (municipality, _) = app.place().await;
    let one = app.create_plot(&draft("MED-003", municipality, None)).await;
    let two = app.create_plot(&draft("MED-004", municipality, None)).await;
    let bytes = photo(500, 300);
    let a: Value = upload(&app, &one, "cover=true", "image/jpeg", bytes.clone())
        .await
        .json()
        .await
        .unwrap();
    let b: Value = upload(&app, &two, "", "image/jpeg", bytes)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["content_hash"], b["content_hash"]);
    assert_ne!(a["id"], b["id"]);
    let hash = a["content_hash"].as_str().unwrap();
    let stored: Vec<_> = std::fs::read_dir(format!("{dir}/{hash}"))
        .unwrap()
        .collect();
    assert_eq!(stored.len(), 3, "three sizes, once");

    // One cover per plot: a new cover takes it from the old one.
    let c: Value = upload(&app, &one, "cover=true", "image/jpeg", photo(200, 200))
        .await
        .json()
        .await
        .unwrap();
    let list: Value = app
        .get_staff(&format!("/plots/{}/media", one["id"]))
        .await
        .json()
        .await
        .unwrap();
    let covers: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["cover"] == true)
        .map(|i| &i["id"])
        .collect();
    assert_eq!(covers, vec![&c["id"]]);

    let settings = gewerbeflaechen::config::Settings::from_map(
        &[
            ("DATABASE_URL".to_owned(), app.database_url.clone()),
            ("GWF_MEDIA_DIR".to_owned(), dir.clone()),
        ]
        .into(),
    )
    .unwrap();
    let store = gewerbeflaechen::media_store::MediaStore::open(&settings.media).unwrap();
    let mut conn = app.db().await;
    let report = gewerbeflaechen::media_store::check(&mut conn, &store)
        .await
        .unwrap();
    assert!(report.rows_without_objects.is_empty() && report.objects_without_rows.is_empty());
    assert_eq!(report.hashes_checked, 2);

    std::fs::remove_file(format!("{dir}/{hash}/400.jpg")).unwrap();
    let stray = "0".repeat(64);
    std::fs::create_dir_all(format!("{dir}/{stray}")).unwrap();
    std::fs::write(format!("{dir}/{stray}/thumb.jpg"), b"x").unwrap();
    let report = gewerbeflaechen::media_store::check(&mut conn, &store)
        .await
        .unwrap();
    assert_eq!(
        report.rows_without_objects,
        vec![(hash.to_owned(), vec!["400.jpg".to_owned()])]
    );
    assert_eq!(
        report.objects_without_rows,
        vec![format!("{stray}/thumb.jpg")]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn internal_items_stay_internal_and_deletes_need_the_version() {
    let dir = media_dir("internal");
    let app = spawn_app_with(&[("GWF_MEDIA_DIR", &dir)]).await;
    let (municipality, _) = app.place().await;
    let mut body = plot_body("MED-005", municipality, None);
    body["published"] = true.into();
    let plot = app.create_plot(&body).await;
    // Published plot: a public item needs credit at once; an internal one does not.
    let refused = upload(&app, &plot, "", "image/jpeg", photo(40, 40)).await;
    assert_eq!(pointers(&assert_problem(refused, 422).await), ["/credit"]);
    let internal: Value = upload(&app, &plot, "internal=true", "image/jpeg", photo(40, 40))
        .await
        .json()
        .await
        .unwrap();
    let public: Value = upload(
        &app,
        &plot,
        "credit=Landkreis&licence=dl-de%2Fby-2-0&position=1",
        "image/jpeg",
        photo(50, 40),
    )
    .await
    .json()
    .await
    .unwrap();
    let list: Value = app
        .get(&format!("/plots/{}/media", plot["id"]))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["id"])
        .collect();
    assert_eq!(ids, vec![&public["id"]]);
    assert_eq!(
        app.get(&format!("/media/{}", internal["id"]))
            .await
            .status(),
        404
    );
    let file = app
        .client
        .get(internal["links"]["thumb"].as_str().unwrap())
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(
        file.headers()["cache-control"],
        "private, max-age=31536000, immutable"
    );

    let url = app.url(&format!("/media/{}", public["id"]));
    let no_version = app
        .client
        .delete(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(no_version.status(), 428);
    let deleted = app
        .client
        .delete(&url)
        .bearer_auth(TOKEN)
        .header("If-Match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        app.get(&format!("/media/{}", public["id"])).await.status(),
        404
    );
    let _ = std::fs::remove_dir_all(&dir);
}
