//! The offline basemap (`GWF_BASEMAP_PMTILES`): the archive served in byte ranges as the
//! `pmtiles` reader asks for it, and the pages told where it is. Drawing it is tested in the
//! browser (tests/browser/basemap.test.mjs).

use crate::helpers::*;

/// A real PMTiles v3 archive (the service opens it at start-up to draw preview images) of
/// about 60 kB: 60 tiles of pseudo-random bytes, so every range has a known content.
fn archive() -> (std::path::PathBuf, Vec<u8>) {
    let path = std::env::temp_dir().join(format!(
        "gwf-basemap-{}-{:?}.pmtiles",
        std::process::id(),
        std::thread::current().id()
    ));
    let file = std::fs::File::create(&path).unwrap();
    let mut writer = pmtiles::PmTilesWriter::new(pmtiles::TileType::Mvt)
        .min_zoom(12)
        .max_zoom(12)
        .create(file)
        .unwrap();
    let mut state: u32 = 14;
    for i in 0..60u32 {
        let tile: Vec<u8> = (0..1000)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as u8
            })
            .collect();
        writer
            .add_tile(pmtiles::TileCoord::new(12, 2170 + i, 1320).unwrap(), &tile)
            .unwrap();
    }
    writer.finalize().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"PMTiles\x03") && bytes.len() > 40_000);
    (path, bytes)
}

async fn ranged(app: &TestApp, range: &str) -> reqwest::Response {
    app.client
        .get(app.url("/basemap.pmtiles"))
        .header("Range", range)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_archive_is_served_in_byte_ranges() {
    let (path, bytes) = archive();
    let app = spawn_app_with(&[("GWF_BASEMAP_PMTILES", path.to_str().unwrap())]).await;

    // The reader's first request: the header and root directory, 16 KiB from the start.
    let first = ranged(&app, "bytes=0-16383").await;
    assert_eq!(first.status(), 206);
    let headers = first.headers().clone();
    assert_eq!(headers["accept-ranges"], "bytes");
    assert_eq!(
        headers["content-range"],
        format!("bytes 0-16383/{}", bytes.len()).as_str()
    );
    assert_eq!(headers["content-type"], "application/octet-stream");
    // Never gzip on the way: the reader counts bytes of the file.
    assert!(headers
        .get("content-encoding")
        .is_none_or(|e| e == "identity"));
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(
        !etag.starts_with("W/"),
        "the reader ignores weak ETags: {etag}"
    );
    assert_eq!(first.bytes().await.unwrap(), &bytes[..16384]);

    // A tile somewhere in the middle, and the end of the file.
    let middle = ranged(&app, "bytes=20000-20999").await;
    assert_eq!(middle.status(), 206);
    assert_eq!(middle.bytes().await.unwrap(), &bytes[20000..21000]);
    let tail = ranged(&app, "bytes=-10").await;
    assert_eq!(tail.status(), 206);
    assert_eq!(tail.bytes().await.unwrap(), &bytes[bytes.len() - 10..]);

    // If-Range with the current ETag keeps the range; with another one, the whole file.
    let same = app
        .client
        .get(app.url("/basemap.pmtiles"))
        .header("Range", "bytes=8-15")
        .header("If-Range", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 206);
    assert_eq!(same.bytes().await.unwrap(), &bytes[8..16]);
    let changed = app
        .client
        .get(app.url("/basemap.pmtiles"))
        .header("Range", "bytes=8-15")
        .header("If-Range", "\"an-older-file\"")
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_eq!(changed.bytes().await.unwrap().len(), bytes.len());

    // Outside the file: 416 with the file's length, as a problem document like other errors.
    let beyond = ranged(&app, &format!("bytes={}-", bytes.len() + 10)).await;
    assert_eq!(
        beyond.headers()["content-range"],
        format!("bytes */{}", bytes.len()).as_str()
    );
    assert_problem(beyond, 416).await;

    // The pages name it (map.js reads this), and their CSP needs no other host for it.
    let portal = app.client.get(app.url("/embed")).send().await.unwrap();
    let csp = portal.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.starts_with("default-src 'self';"), "{csp}");
    let html = portal.text().await.unwrap();
    assert!(
        html.contains(r#"<meta name="gwf-basemap-pmtiles" content="/basemap.pmtiles">"#),
        "{html}"
    );
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn without_an_archive_there_is_none_to_serve() {
    let app = spawn_app().await;
    let problem = assert_problem(ranged(&app, "bytes=0-16383").await, 404).await;
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("GWF_BASEMAP_PMTILES"));
    let html = app.get("/embed").await.text().await.unwrap();
    assert!(!html.contains("gwf-basemap-pmtiles"));
}
