//! Tiles in gzip for the browsers that take it: compressed once when the tile is made and kept
//! in the cache in both forms, each with its own ETag.

use std::io::Read;

use crate::helpers::*;
use crate::maps::{decode, tile_fixture, tile_of};

async fn get(app: &TestApp, url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(app.url(url));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn browsers_get_the_cached_gzip_form_with_its_own_etag() {
    let app = spawn_app().await;
    let (available, sold, _) = tile_fixture(&app).await;
    let (x, y) = tile_of(11.5005, 53.3305, 14);
    let url = format!("/tiles/plots/14/{x}/{y}.mvt");

    let plain = get(&app, &url, &[]).await;
    assert_eq!(plain.status(), 200);
    assert_eq!(header(&plain, "content-encoding"), None);
    let vary = header(&plain, "vary").unwrap().to_ascii_lowercase();
    for name in ["accept-encoding", "authorization", "origin"] {
        assert!(vary.contains(name), "{vary}");
    }
    let plain_etag = header(&plain, "etag").unwrap();
    let plain_body = plain.bytes().await.unwrap();
    let ids: Vec<u64> = decode(&plain_body)["plots"].iter().map(|f| f.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&(available as u64)) && ids.contains(&(sold as u64)));

    // As a browser asks: the first answer is made, the second comes from the cache.
    let browser = [("Accept-Encoding", "gzip, deflate, br, zstd")];
    for _ in 0..2 {
        let gzip = get(&app, &url, &browser).await;
        assert_eq!(gzip.status(), 200);
        assert_eq!(header(&gzip, "content-encoding").as_deref(), Some("gzip"));
        assert_eq!(
            header(&gzip, "content-type").as_deref(),
            Some("application/vnd.mapbox-vector-tile")
        );
        let etag = header(&gzip, "etag").unwrap();
        assert_ne!(etag, plain_etag, "another representation, another ETag");
        let body = gzip.bytes().await.unwrap();
        assert_eq!(gunzip(&body), plain_body.to_vec());
    }
    let gzip_etag = header(&get(&app, &url, &browser).await, "etag").unwrap();

    // Revalidation matches the representation asked for.
    let unchanged = get(&app, &url, &[browser[0], ("If-None-Match", &gzip_etag)]).await;
    assert_eq!(unchanged.status(), 304);
    let other_form = get(&app, &url, &[("If-None-Match", &gzip_etag)]).await;
    assert_eq!(other_form.status(), 200);
    assert_eq!(header(&other_form, "content-encoding"), None);

    // gzip refused by its q-value, or not offered: the plain tile.
    for refused in ["gzip;q=0, identity", "br", "identity"] {
        let response = get(&app, &url, &[("Accept-Encoding", refused)]).await;
        assert_eq!(response.status(), 200, "{refused}");
        assert_eq!(header(&response, "content-encoding"), None, "{refused}");
        assert_eq!(header(&response, "etag").unwrap(), plain_etag, "{refused}");
    }

    // An empty tile stays an empty 204, whatever the client takes.
    let empty = get(&app, "/tiles/plots/14/0/0.mvt", &browser).await;
    assert_eq!(empty.status(), 204);
    assert_eq!(header(&empty, "content-encoding"), None);
}
