//! The preview image of a published plot (`GET /plots/{key}/image.png`), named by its profile
//! page as `og:image`: drawn, cached exactly as fresh as the data, never of a draft, and on the
//! offline basemap when one is configured.

use serde_json::{json, Value};
use tiny_skia::Pixmap;

use crate::helpers::{assert_problem, plot_body, spawn_app, spawn_app_with, TestApp, TOKEN};

async fn image(app: &TestApp, reference: &str) -> (Pixmap, String) {
    let response = app.get(&format!("/plots/{reference}/image.png")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = response.bytes().await.unwrap();
    (Pixmap::decode_png(&bytes).unwrap(), etag)
}

/// The share of the picture's pixels within `tolerance` of a colour.
fn share(pixmap: &Pixmap, rgb: (u8, u8, u8), tolerance: i32) -> f64 {
    let near = pixmap
        .pixels()
        .iter()
        .filter(|p| {
            let c = p.demultiply();
            (i32::from(c.red()) - i32::from(rgb.0)).abs() <= tolerance
                && (i32::from(c.green()) - i32::from(rgb.1)).abs() <= tolerance
                && (i32::from(c.blue()) - i32::from(rgb.2)).abs() <= tolerance
        })
        .count();
    near as f64 / pixmap.pixels().len() as f64
}

#[tokio::test]
async fn a_published_plot_has_a_preview_image_that_follows_its_data() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    let plot = app
        .create_plot(&plot_body("IMG-1", municipality, Some(estate)))
        .await;
    let mut draft = plot_body("IMG-2", municipality, Some(estate));
    draft["published"] = json!(false);
    app.create_plot(&draft).await;

    let (pixmap, etag) = image(&app, "IMG-1").await;
    assert_eq!((pixmap.width(), pixmap.height()), (1200, 630));
    // The plot (available: green) fills the middle of the picture.
    let centre = pixmap.pixel(600, 315).unwrap().demultiply();
    assert!(centre.green() > centre.red() + 60, "{centre:?}");
    // Without a basemap: the maps' land colour, and no OpenStreetMap attribution.
    assert!(share(&pixmap, (0xF2, 0xF0, 0xEB), 6) > 0.2);

    // Unchanged: 304 on revalidation.
    let again = app
        .client
        .get(app.url("/plots/IMG-1/image.png"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // A change of the plot shows in its very next picture.
    let response = app
        .client
        .patch(app.url(&format!("/plots/{}", plot["id"])))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", plot["version"]))
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"status": "reserved"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (pixmap, changed) = image(&app, "IMG-1").await;
    assert_ne!(changed, etag);
    let centre = pixmap.pixel(600, 315).unwrap().demultiply();
    // Reserved: orange (#E69F00).
    assert!(centre.red() > centre.blue() + 60, "{centre:?}");

    // Drafts and unknown plots have none, not even for staff.
    assert_problem(app.get("/plots/IMG-2/image.png").await, 404).await;
    assert_problem(app.get_staff("/plots/IMG-2/image.png").await, 404).await;
    assert_problem(app.get("/plots/NOPE-9/image.png").await, 404).await;
}

#[tokio::test]
async fn profile_pages_name_their_image_for_link_previews() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    app.create_plot(&plot_body("IMG-3", municipality, Some(estate)))
        .await;
    let page = app
        .get("/plots/IMG-3/profile?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<meta property="og:image" content="http://127.0.0.1:"#));
    assert!(page.contains("/plots/IMG-3/image.png\">"), "{page}");
    assert!(page.contains(r#"<meta name="twitter:card" content="summary_large_image">"#));
    assert!(page.contains(r#"<meta property="og:image:alt" content="Map of plot IMG-3">"#));
    let ld_start = page.find("application/ld+json\">").unwrap();
    let ld_text = &page[ld_start + 21..];
    let ld: Value = serde_json::from_str(&ld_text[..ld_text.find("</script>").unwrap()]).unwrap();
    assert!(ld["image"]
        .as_str()
        .unwrap()
        .ends_with("/plots/IMG-3/image.png"));
}

// ---- An offline basemap: a tiny PMTiles archive written here ----

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn bytes_field(number: u64, data: &[u8], out: &mut Vec<u8>) {
    varint(number << 3 | 2, out);
    varint(data.len() as u64, out);
    out.extend_from_slice(data);
}

fn int_field(number: u64, value: u64, out: &mut Vec<u8>) {
    varint(number << 3, out);
    varint(value, out);
}

fn packed(number: u64, values: &[u32], out: &mut Vec<u8>) {
    let mut data = Vec::new();
    values.iter().for_each(|v| varint(u64::from(*v), &mut data));
    bytes_field(number, &data, out);
}

fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

/// A Mapbox Vector Tile layer of one feature (OpenMapTiles schema), extent 4096.
fn layer(name: &str, class: Option<&str>, geom_type: u64, geometry: &[u32]) -> Vec<u8> {
    let mut feature = Vec::new();
    if class.is_some() {
        packed(2, &[0, 0], &mut feature);
    }
    int_field(3, geom_type, &mut feature);
    packed(4, geometry, &mut feature);
    let mut layer = Vec::new();
    int_field(15, 2, &mut layer);
    bytes_field(1, name.as_bytes(), &mut layer);
    bytes_field(2, &feature, &mut layer);
    if let Some(class) = class {
        bytes_field(3, b"class", &mut layer);
        let mut value = Vec::new();
        bytes_field(1, class.as_bytes(), &mut value);
        bytes_field(4, &value, &mut layer);
    }
    int_field(5, 4096, &mut layer);
    layer
}

/// Zoom-12 tiles around the test plot: water everywhere, and a motorway through the plot.
fn write_basemap(path: &std::path::Path) {
    let (lon, lat) = (11.5005, 53.3305);
    let n = 4096.0;
    let x = (lon + 180.0) / 360.0 * n;
    let lat_r = f64::to_radians(lat);
    let y = (1.0 - (lat_r.tan() + 1.0 / lat_r.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    let (tx, ty) = (x.floor() as u32, y.floor() as u32);
    let road_y = ((y - y.floor()) * 4096.0) as i32;
    let file = std::fs::File::create(path).unwrap();
    let mut writer = pmtiles::PmTilesWriter::new(pmtiles::TileType::Mvt)
        .min_zoom(12)
        .max_zoom(12)
        .create(file)
        .unwrap();
    for dy in 0..3 {
        for dx in 0..3 {
            let (x, y) = (tx + dx - 1, ty + dy - 1);
            let mut tile = Vec::new();
            let square = [
                9,
                zigzag(0),
                zigzag(0),
                2 | 3 << 3,
                zigzag(4096),
                zigzag(0),
                zigzag(0),
                zigzag(4096),
                zigzag(-4096),
                zigzag(0),
                15,
            ];
            bytes_field(3, &layer("water", None, 3, &square), &mut tile);
            if (x, y) == (tx, ty) {
                let line = [
                    9,
                    zigzag(0),
                    zigzag(road_y),
                    2 | 1 << 3,
                    zigzag(4096),
                    zigzag(0),
                ];
                bytes_field(
                    3,
                    &layer("transportation", Some("motorway"), 2, &line),
                    &mut tile,
                );
            }
            writer
                .add_tile(pmtiles::TileCoord::new(12, x, y).unwrap(), &tile)
                .unwrap();
        }
    }
    writer.finalize().unwrap();
}

#[tokio::test]
async fn on_an_offline_basemap_the_image_shows_it_with_its_attribution() {
    let dir = std::env::temp_dir().join(format!("gwf-basemap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("tiny-{}.pmtiles", rand_suffix()));
    write_basemap(&path);
    let app = spawn_app_with(&[("GWF_BASEMAP_PMTILES", path.to_str().unwrap())]).await;
    let (municipality, _) = app.place().await;
    app.create_plot(&plot_body("IMG-4", municipality, None))
        .await;
    let (pixmap, _) = image(&app, "IMG-4").await;
    std::fs::remove_file(&path).ok();
    // Water (#AAD3DF) all around the plot, the motorway (#E8926F) through it.
    assert!(share(&pixmap, (0xAA, 0xD3, 0xDF), 4) > 0.3);
    assert!(share(&pixmap, (0xE8, 0x92, 0x6F), 4) > 0.005);
    // The attribution's white box at the bottom right, with dark text in it.
    let dark_in_corner = (900..1190)
        .flat_map(|x| (600..625).map(move |y| (x, y)))
        .filter(|&(x, y)| pixmap.pixel(x, y).unwrap().demultiply().red() < 90)
        .count();
    assert!(dark_in_corner > 100, "{dark_in_corner}");
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[tokio::test]
async fn a_published_estate_has_a_preview_image_and_a_draft_none() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    app.create_plot(&plot_body("IMG-5", municipality, Some(estate)))
        .await;
    // A draft estate: no picture, and its page names none.
    assert_problem(app.get(&format!("/estates/{estate}/image.png")).await, 404).await;
    let mut conn = app.db().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE estates SET published = true WHERE id = $1")
            .bind::<diesel::sql_types::BigInt, _>(estate),
        &mut conn,
    )
    .await
    .unwrap();
    // Published, but without an outline there is nothing to frame.
    assert_problem(app.get(&format!("/estates/{estate}/image.png")).await, 404).await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE estates SET outline = ST_Multi(ST_MakeEnvelope(11.499, 53.329, 11.503, 53.332, 4326)) WHERE id = $1",
        )
        .bind::<diesel::sql_types::BigInt, _>(estate),
        &mut conn,
    )
    .await
    .unwrap();
    let response = app.get(&format!("/estates/{estate}/image.png")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let pixmap = Pixmap::decode_png(&response.bytes().await.unwrap()).unwrap();
    assert_eq!((pixmap.width(), pixmap.height()), (1200, 630));
    // Its plot (available: #009E73 at 150/255 over the estate and the land) in full colour.
    assert!(share(&pixmap, (97, 189, 160), 20) > 0.005);
    let page = app
        .get(&format!("/estates/{estate}/profile?lang=en"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/estates/{estate}/image.png\">")),
        "{page}"
    );
    assert!(page.contains("summary_large_image"));
    assert_problem(app.get("/estates/999999/image.png").await, 404).await;
    assert_problem(app.get("/estates/abc/image.png").await, 404).await;
}
