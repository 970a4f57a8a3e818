//! Vector tiles decoded, TileJSON, profile pages, the embed page's headers and CORS.

use std::collections::{BTreeMap, BTreeSet};

use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::*;

/// A decoded MVT feature: id and attributes (values as text).
#[derive(Debug)]
pub(crate) struct TileFeature {
    pub(crate) id: u64,
    pub(crate) attributes: BTreeMap<String, String>,
}

fn varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let b = bytes[*at];
        *at += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return value;
        }
        shift += 7;
    }
}

/// Protobuf fields of one message: (field number, wire type, payload).
fn fields(bytes: &[u8]) -> Vec<(u64, u64, Vec<u8>, u64)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let key = varint(bytes, &mut at);
        let (field, wire) = (key >> 3, key & 7);
        match wire {
            0 => {
                let v = varint(bytes, &mut at);
                out.push((field, wire, Vec::new(), v));
            }
            1 => {
                out.push((field, wire, bytes[at..at + 8].to_vec(), 0));
                at += 8;
            }
            2 => {
                let len = varint(bytes, &mut at) as usize;
                out.push((field, wire, bytes[at..at + len].to_vec(), 0));
                at += len;
            }
            5 => {
                out.push((field, wire, bytes[at..at + 4].to_vec(), 0));
                at += 4;
            }
            other => panic!("unexpected wire type {other}"),
        }
    }
    out
}

fn value_text(bytes: &[u8]) -> String {
    let (field, _, payload, v) = fields(bytes).remove(0);
    match field {
        1 => String::from_utf8(payload).unwrap(),
        2 => f32::from_le_bytes(payload.try_into().unwrap()).to_string(),
        3 => f64::from_le_bytes(payload.try_into().unwrap()).to_string(),
        4 | 5 => v.to_string(),
        6 => (((v >> 1) as i64) ^ -((v & 1) as i64)).to_string(),
        7 => (v != 0).to_string(),
        _ => panic!("unknown value field {field}"),
    }
}

/// Layers of a Mapbox Vector Tile by name.
pub(crate) fn decode(tile: &[u8]) -> BTreeMap<String, Vec<TileFeature>> {
    let mut layers = BTreeMap::new();
    for (field, _, layer, _) in fields(tile) {
        assert_eq!(field, 3, "a tile holds only layers");
        let parts = fields(&layer);
        let name = parts
            .iter()
            .find(|p| p.0 == 1)
            .map(|p| String::from_utf8(p.2.clone()).unwrap())
            .unwrap();
        let keys: Vec<String> = parts
            .iter()
            .filter(|p| p.0 == 3)
            .map(|p| String::from_utf8(p.2.clone()).unwrap())
            .collect();
        let values: Vec<String> = parts
            .iter()
            .filter(|p| p.0 == 4)
            .map(|p| value_text(&p.2))
            .collect();
        let mut features = Vec::new();
        for feature in parts.iter().filter(|p| p.0 == 2) {
            let f = fields(&feature.2);
            let id = f.iter().find(|p| p.0 == 1).map(|p| p.3).unwrap_or(0);
            let tags = f
                .iter()
                .find(|p| p.0 == 2)
                .map(|p| p.2.clone())
                .unwrap_or_default();
            let mut at = 0;
            let mut indexes = Vec::new();
            while at < tags.len() {
                indexes.push(varint(&tags, &mut at) as usize);
            }
            let attributes = indexes
                .chunks(2)
                .map(|kv| (keys[kv[0]].clone(), values[kv[1]].clone()))
                .collect();
            assert!(f.iter().any(|p| p.0 == 4), "feature without geometry");
            features.push(TileFeature { id, attributes });
        }
        layers.insert(name, features);
    }
    layers
}

/// XYZ tile containing lon/lat at zoom z (Web Mercator).
pub(crate) fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32;
    (x, y)
}

async fn tile(
    app: &TestApp,
    query: &str,
) -> (u16, Option<String>, BTreeMap<String, Vec<TileFeature>>) {
    let (x, y) = tile_of(11.5005, 53.3305, 14);
    let response = app
        .get(&format!("/tiles/plots/14/{x}/{y}.mvt{query}"))
        .await;
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.bytes().await.unwrap();
    (status, etag, decode(&bytes))
}

pub(crate) async fn tile_fixture(app: &TestApp) -> (i64, i64, i64) {
    let (municipality, _) = app.place().await;
    let mut available = plot_body("T-001", municipality, None);
    available["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.5, 53.33, 0.001)]});
    let available = app.create_plot(&available).await["id"].as_i64().unwrap();
    let mut sold = plot_body("T-002", municipality, None);
    sold["status"] = json!("sold");
    sold["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.5012, 53.33, 0.001)]});
    let sold = app.create_plot(&sold).await["id"].as_i64().unwrap();
    let mut draft = plot_body("T-003", municipality, None);
    draft["published"] = json!(false);
    draft["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.5024, 53.33, 0.001)]});
    let draft = app.create_plot(&draft).await["id"].as_i64().unwrap();
    (available, sold, draft)
}

#[tokio::test]
async fn tiles_hold_published_plots_with_public_attributes_only() {
    let app = spawn_app().await;
    let (available, sold, draft) = tile_fixture(&app).await;
    let (status, _, layers) = tile(&app, "").await;
    assert_eq!(status, 200);
    let plots = &layers["plots"];
    let ids: BTreeSet<u64> = plots.iter().map(|f| f.id).collect();
    assert_eq!(
        ids,
        BTreeSet::from([available as u64, sold as u64]),
        "draft {draft} must be absent"
    );
    let first = plots.iter().find(|f| f.id == available as u64).unwrap();
    assert_eq!(first.attributes["reference"], "T-001");
    assert_eq!(first.attributes["status"], "available");
    assert_eq!(first.attributes["zoning"], "GE");
    assert_eq!(first.attributes["price_min_eur"], "12.5");
    assert_eq!(first.attributes["area_m2"], "7400");
    // Exactly the documented attributes (docs/api.md, "Vector tiles"): what styling and the first
    // paint of a popup need; `id` is the feature id. Titles and place names come from
    // GET /plots/{id}.
    let keys: BTreeSet<&str> = first.attributes.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "reference",
            "status",
            "zoning",
            "area_m2",
            "price_min_eur",
            "price_max_eur",
            "price_on_request",
        ])
    );
    for feature in plots {
        for secret in [
            "internal_notes",
            "published",
            "contact_email",
            "owner_name",
            "owner_contact",
        ] {
            assert!(
                !feature.attributes.contains_key(secret),
                "tile leaks {secret}"
            );
        }
        assert!(
            !feature
                .attributes
                .values()
                .any(|v| v.contains("intern") || v.contains("Mustermann")),
            "tile leaks internal notes"
        );
    }
    let (_, _, filtered) = tile(&app, "?status=sold").await;
    let ids: Vec<u64> = filtered["plots"].iter().map(|f| f.id).collect();
    assert_eq!(ids, [sold as u64]);
}

#[tokio::test]
async fn tile_etag_changes_when_a_plot_in_it_changes() {
    let app = spawn_app().await;
    let (available, _, _) = tile_fixture(&app).await;
    let (x, y) = tile_of(11.5005, 53.3305, 14);
    let url = format!("/tiles/plots/14/{x}/{y}.mvt");
    let first = app.get(&url).await;
    assert!(first.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url(&url))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let patched = app
        .client
        .patch(app.url(&format!("/plots/{available}")))
        .bearer_auth(TOKEN)
        .header("If-Match", "\"2\"")
        .json(&json!({"status": "reserved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let after = app
        .client
        .get(app.url(&url))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200);
    assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
}

#[tokio::test]
async fn empty_and_invalid_tiles() {
    let app = spawn_app().await;
    tile_fixture(&app).await;
    assert_eq!(app.get("/tiles/plots/14/0/0.mvt").await.status(), 204);
    for bad in [
        "/tiles/plots/23/0/0.mvt",
        "/tiles/plots/2/0/x.mvt",
        "/tiles/plots/2/0/1.png",
    ] {
        assert_problem(app.get(bad).await, 400).await;
    }
    // Outside the grid of zoom 2 (x and y run 0..=3): no such tile.
    assert_problem(app.get("/tiles/plots/2/4/0.mvt").await, 404).await;
    assert_problem(app.get("/tiles/plots/2/0/0.mvt?status=lost").await, 400).await;
    // Checked with or without the database: drafts are for staff, named places must exist.
    let drafts = assert_problem(app.get("/tiles/plots/2/0/0.mvt?published=false").await, 400).await;
    assert_eq!(pointers(&drafts), ["published"]);
    let unknown = assert_problem(
        app.get("/tiles/plots/2/0/0.mvt?municipality=99999999")
            .await,
        400,
    )
    .await;
    assert_eq!(pointers(&unknown), ["municipality"]);
}

#[tokio::test]
async fn tilejson_carries_filters_and_bounds() {
    let app = spawn_app().await;
    tile_fixture(&app).await;
    let tilejson: Value = app
        .get("/tiles/plots.json?status=sold")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tilejson["tilejson"], "3.0.0");
    let template = tilejson["tiles"][0].as_str().unwrap();
    assert!(
        template.ends_with("/tiles/plots/{z}/{x}/{y}.mvt?status=sold"),
        "{template}"
    );
    let bounds: Vec<f64> = tilejson["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        (bounds[0] - 11.5012).abs() < 1e-6 && (bounds[2] - 11.5022).abs() < 1e-6,
        "{bounds:?}"
    );
}

#[tokio::test]
async fn profile_pages_show_public_facts_in_both_languages() {
    let app = spawn_app().await;
    let (municipality, _) = app.place().await;
    let mut body = plot_body("P-001", municipality, None);
    body["title_de"] = json!("Fläche <script>alert(1)</script>");
    app.create_plot(&body).await;
    let de = app.get("/plots/P-001/profile").await;
    assert_eq!(de.status(), 200);
    assert!(de.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let csp = de.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    let html = de.text().await.unwrap();
    assert!(html.contains("Fläche &lt;script&gt;"), "titles are escaped");
    assert!(!html.contains("<script>alert"));
    assert!(
        html.contains("12,50–15,00 €/m²") && html.contains("Stand der Daten: 01.10.2026"),
        "German facts"
    );
    assert!(!html.contains("intern"), "internal notes never appear");
    // Nothing from other hosts (JSON-LD names schema.org as its vocabulary; nothing loads it).
    assert!(
        !html.contains("src=\"https://") && !html.contains("href=\"https://"),
        "nothing from other hosts"
    );
    let en = app
        .get("/plots/p-001/profile?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        en.contains("Commercial plot on Test Road")
            && en.contains("12.50–15.00 €/m²")
            && en.contains("Data as of")
    );

    let mut draft = plot_body("P-002", municipality, None);
    draft["published"] = json!(false);
    draft["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.51, 53.33, 0.001)]});
    app.create_plot(&draft).await;
    assert_problem(app.get("/plots/P-002/profile").await, 404).await;
    assert_problem(app.get("/plots/P-001/profile?lang=fr").await, 400).await;
}

#[tokio::test]
async fn embed_page_framing_and_cors_follow_the_configuration() {
    let app = spawn_app_with(&[
        (
            "GWF_FRAME_ANCESTORS",
            "https://www.ludwigslust.de https://grabow.de",
        ),
        ("GWF_CORS_ORIGINS", "https://www.ludwigslust.de"),
    ])
    .await;
    let embed = app.get("/embed").await;
    assert_eq!(embed.status(), 200);
    let csp = embed.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'self' https://www.ludwigslust.de https://grabow.de"),
        "{csp}"
    );
    assert!(csp.contains("default-src 'self'"), "{csp}");
    for asset in [
        "embed.js",
        "embed.css",
        "maplibre-gl.js",
        "maplibre-gl.css",
        "profile.css",
    ] {
        assert_eq!(
            app.get(&format!("/assets/{asset}")).await.status(),
            200,
            "{asset}"
        );
    }
    assert_problem(app.get("/assets/secret.txt").await, 404).await;

    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/plots"))
        .header("Origin", "https://www.ludwigslust.de")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://www.ludwigslust.de"
    );
    let get = app
        .client
        .get(app.url("/plots"))
        .header("Origin", "https://www.ludwigslust.de")
        .send()
        .await
        .unwrap();
    assert_eq!(
        get.headers()["access-control-allow-origin"],
        "https://www.ludwigslust.de"
    );
    let foreign = app
        .client
        .get(app.url("/plots"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(!foreign
        .headers()
        .contains_key("access-control-allow-origin"));
}

/// Changes a plot behind the service's back, as another instance or an operator would.
async fn reserve_by_sql(conn: &mut diesel_async::AsyncPgConnection, plot: i64) {
    diesel::sql_query("UPDATE plots SET status = 'reserved' WHERE id = $1")
        .bind::<diesel::sql_types::BigInt, _>(plot)
        .execute(conn)
        .await
        .unwrap();
}

/// The tile once its ETag is no longer `old`: a change made elsewhere arrives by notification
/// (tests/api/tile_push.rs has the bounds).
async fn tile_after_change(
    app: &TestApp,
    old: &Option<String>,
) -> (u16, Option<String>, BTreeMap<String, Vec<TileFeature>>) {
    let started = std::time::Instant::now();
    loop {
        let found = tile(app, "").await;
        if &found.1 != old || started.elapsed() > std::time::Duration::from_secs(2) {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Tiles are cached between requests; a change made anywhere (here: plain SQL, as another
/// instance of the service or an operator would) shows in the tiles, because entries belong to
/// the database's `map_data_version`.
#[tokio::test]
async fn cached_tiles_follow_every_change_in_the_database() {
    let app = spawn_app().await;
    let (available, _, _) = tile_fixture(&app).await;
    let (first_status, first_etag, first) = tile(&app, "").await;
    assert_eq!(first_status, 200);
    let (_, again_etag, again) = tile(&app, "").await;
    assert_eq!(again_etag, first_etag);
    assert_eq!(format!("{again:?}"), format!("{first:?}"));

    let mut conn = app.db().await;
    reserve_by_sql(&mut conn, available).await;
    let (_, etag, layers) = tile_after_change(&app, &first_etag).await;
    assert_ne!(etag, first_etag);
    let plot = layers["plots"]
        .iter()
        .find(|f| f.id == available as u64)
        .unwrap();
    assert_eq!(plot.attributes["status"], "reserved");

    // Any attribute of any plot: here the zoning of all of them.
    diesel::sql_query("UPDATE plots SET zoning = 'GI'")
        .execute(&mut conn)
        .await
        .unwrap();
    let (_, changed_etag, layers) = tile_after_change(&app, &etag).await;
    assert_ne!(changed_etag, etag);
    assert!(layers["plots"]
        .iter()
        .all(|f| f.attributes["zoning"] == "GI"));

    // A rolled-back change is no change: the cache keeps serving the same tile.
    diesel::sql_query("BEGIN").execute(&mut conn).await.unwrap();
    diesel::sql_query("UPDATE plots SET status = 'sold'")
        .execute(&mut conn)
        .await
        .unwrap();
    let (_, during, _) = tile(&app, "").await;
    diesel::sql_query("ROLLBACK")
        .execute(&mut conn)
        .await
        .unwrap();
    let (_, after, _) = tile(&app, "").await;
    assert_eq!(during, changed_etag);
    assert_eq!(after, changed_etag);
}

#[tokio::test]
async fn tiles_without_a_cache_are_made_for_every_request() {
    let app = spawn_app_with(&[("GWF_TILE_CACHE_MB", "0")]).await;
    let (available, _, _) = tile_fixture(&app).await;
    let (_, etag, _) = tile(&app, "").await;
    let mut conn = app.db().await;
    reserve_by_sql(&mut conn, available).await;
    let (status, changed, _) = tile(&app, "").await;
    assert_eq!(status, 200);
    assert_ne!(changed, etag);
}

#[tokio::test]
async fn a_cached_tile_of_a_named_place_follows_the_place() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    let mut body = plot_body("T-010", municipality, Some(estate));
    body["geometry"] = json!({"type": "Polygon", "coordinates": [square(11.5, 53.33, 0.001)]});
    app.create_plot(&body).await;
    for query in [
        format!("?estate={estate}"),
        "?municipality=13076090".to_owned(),
    ] {
        // Made once, then served from the cache (the places are not looked up again).
        assert_eq!(tile(&app, &query).await.0, 200, "{query}");
        assert_eq!(tile(&app, &query).await.0, 200, "{query}");
    }
    // The estate becomes a draft behind the service's back (another instance, or SQL): the data
    // version moves, so the cached tile is not served to a public map that may not name it.
    diesel::sql_query("UPDATE estates SET published = false WHERE id = $1")
        .bind::<diesel::sql_types::BigInt, _>(estate)
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let (x, y) = tile_of(11.5005, 53.3305, 14);
    let path = format!("/tiles/plots/14/{x}/{y}.mvt?estate={estate}");
    let mut status = 0;
    for _ in 0..100 {
        status = app.get(&path).await.status().as_u16();
        if status == 400 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, 400, "a draft estate is unknown to public maps");
    assert_eq!(tile(&app, "?municipality=13076090").await.0, 200);
}
