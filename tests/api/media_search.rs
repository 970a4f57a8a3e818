//! Cover photos in search results (`GET /plots`, `POST /plots/search`, JSON and GeoJSON): the
//! item marked as cover, else the first image in gallery order; never an internal item or a
//! document; a draft's cover only for those who read the draft (docs/media.md).

use serde_json::{json, Value};

use crate::helpers::*;
use crate::media::{media_dir, photo, upload};

const CREDITED: &str = "credit=Stadt%20Testhausen&licence=CC0";

async fn uploaded(
    app: &TestApp,
    plot: &Value,
    query: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Value {
    let response = upload(app, plot, query, content_type, bytes).await;
    assert_eq!(response.status(), 201, "{query}");
    response.json().await.unwrap()
}

/// `cover` of each plot of a page (JSON items or GeoJSON features), by reference.
fn covers(page: &Value) -> Vec<(String, Value)> {
    let items = page["items"]
        .as_array()
        .or_else(|| page["features"].as_array())
        .unwrap_or_else(|| panic!("no items: {page}"));
    let mut out: Vec<(String, Value)> = items
        .iter()
        .map(|i| {
            if i["properties"].is_object() {
                &i["properties"]
            } else {
                i
            }
        })
        .map(|p| {
            let cover = p.get("cover").cloned().unwrap_or(json!("absent"));
            (p["reference"].as_str().unwrap().to_owned(), cover)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

async fn json_of(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn search_results_carry_the_public_cover_of_each_plot() {
    let dir = media_dir("search-cover");
    let app = spawn_app_with(&[("GWF_MEDIA_DIR", &dir)]).await;
    let (municipality, _) = app.place().await;

    // A: a document first, an internal photo marked as cover, then two public photos: the
    // first public photo in gallery order is the cover.
    let a = app
        .create_plot(&plot_body("COV-A", municipality, None))
        .await;
    let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
    uploaded(
        &app,
        &a,
        &format!("{CREDITED}&position=0"),
        "application/pdf",
        pdf,
    )
    .await;
    uploaded(
        &app,
        &a,
        "internal=true&cover=true&position=0",
        "image/jpeg",
        photo(50, 40),
    )
    .await;
    uploaded(
        &app,
        &a,
        &format!("{CREDITED}&position=2"),
        "image/jpeg",
        photo(52, 40),
    )
    .await;
    let first = uploaded(
        &app,
        &a,
        &format!("{CREDITED}&position=1&caption_de=Zufahrt&caption_en=Access"),
        "image/jpeg",
        photo(300, 200),
    )
    .await;
    // B: the photo marked as cover, though it comes second.
    let b = app
        .create_plot(&plot_body("COV-B", municipality, None))
        .await;
    uploaded(
        &app,
        &b,
        &format!("{CREDITED}&position=0"),
        "image/jpeg",
        photo(54, 40),
    )
    .await;
    let marked = uploaded(
        &app,
        &b,
        &format!("{CREDITED}&position=5&cover=true"),
        "image/jpeg",
        photo(56, 40),
    )
    .await;
    // C: no media at all; D: a draft with a photo.
    app.create_plot(&plot_body("COV-C", municipality, None))
        .await;
    let mut draft = plot_body("COV-D", municipality, None);
    draft["published"] = false.into();
    let d = app.create_plot(&draft).await;
    let draft_photo = uploaded(&app, &d, "", "image/jpeg", photo(58, 40)).await;

    let page = json_of(app.get("/plots?sort=reference").await).await;
    let found = covers(&page);
    assert_eq!(
        found.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(),
        ["COV-A", "COV-B", "COV-C"],
        "the public does not see the draft"
    );
    let cover_a = &found[0].1;
    assert_eq!(cover_a["id"], first["id"], "{cover_a}");
    assert_eq!(cover_a["thumb"], first["links"]["thumb"]);
    assert_eq!(cover_a["small"], first["links"]["small"]);
    assert_eq!(cover_a["credit"], "Stadt Testhausen");
    assert_eq!(cover_a["licence"], "CC0");
    assert_eq!(cover_a["caption_de"], "Zufahrt");
    assert_eq!(cover_a["caption_en"], "Access");
    assert_eq!(
        (cover_a["width"].as_i64(), cover_a["height"].as_i64()),
        (Some(300), Some(200))
    );
    assert_eq!(found[1].1["id"], marked["id"]);
    assert_eq!(found[2].1, Value::Null, "no photo: `cover` is null");

    // The URLs serve the public 400 px JPEG.
    let small = app
        .client
        .get(cover_a["small"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(small.status(), 200);
    assert_eq!(small.headers()["content-type"], "image/jpeg");

    // GeoJSON features carry the same in their properties.
    let fc = json_of(app.get("/plots?f=geojson&sort=reference").await).await;
    assert_eq!(covers(&fc), found);

    // Staff who read the draft see its cover; internal items are still never covers.
    let staff = json_of(app.get_staff("/plots?sort=reference").await).await;
    let staff_covers = covers(&staff);
    assert_eq!(staff_covers.len(), 4);
    assert_eq!(staff_covers[0].1["id"], first["id"]);
    assert_eq!(staff_covers[3].1["id"], draft_photo["id"]);

    // `fields=`: only when named.
    let plain = json_of(app.get("/plots?fields=reference").await).await;
    assert!(covers(&plain).iter().all(|(_, c)| c == "absent"), "{plain}");
    let named = json_of(
        app.get("/plots?fields=reference,cover&sort=reference")
            .await,
    )
    .await;
    assert_eq!(covers(&named), found);
    let named = json_of(
        app.get("/plots?f=geojson&fields=cover&sort=reference&geometry_form=none")
            .await,
    )
    .await;
    assert_eq!(
        named["features"][0]["properties"]["cover"]["id"],
        first["id"]
    );

    // A drawn-area search too.
    let drawn = app
        .client
        .post(app.url("/plots/search"))
        .json(&json!({
            "geometry": {"type": "Polygon", "coordinates": [square(11.5, 53.33, 0.01)]},
            "sort": "reference",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(covers(&json_of(drawn).await), found);

    // CSV stays a table of facts: no `cover` column.
    let csv = app.get("/plots?f=csv").await.text().await.unwrap();
    let header = csv.lines().next().unwrap();
    assert!(!header.split(',').any(|c| c == "cover"), "{header}");
    // OGC items and single reads do not name it (single reads carry `media`).
    let one = json_of(app.get(&format!("/plots/{}", a["id"])).await).await;
    assert!(one.get("cover").is_none());
}

#[tokio::test]
async fn a_deleted_cover_gives_way_to_the_next_photo() {
    let dir = media_dir("search-cover-delete");
    let app = spawn_app_with(&[("GWF_MEDIA_DIR", &dir)]).await;
    let (municipality, _) = app.place().await;
    let plot = app
        .create_plot(&plot_body("COV-E", municipality, None))
        .await;
    let cover = uploaded(
        &app,
        &plot,
        &format!("{CREDITED}&cover=true&position=3"),
        "image/jpeg",
        photo(60, 40),
    )
    .await;
    let next = uploaded(
        &app,
        &plot,
        &format!("{CREDITED}&position=4"),
        "image/jpeg",
        photo(62, 40),
    )
    .await;
    let page = json_of(app.get("/plots").await).await;
    assert_eq!(covers(&page)[0].1["id"], cover["id"]);

    let deleted = app
        .client
        .delete(app.url(&format!("/media/{}", cover["id"])))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", cover["version"]))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let page = json_of(app.get("/plots").await).await;
    assert_eq!(covers(&page)[0].1["id"], next["id"]);

    // An unpublished plot's cover is gone from public searches with the plot, and an item
    // made internal is no cover any more.
    let patched = app
        .client
        .patch(app.url(&format!("/media/{}", next["id"])))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{}\"", next["version"]))
        .json(&json!({"internal": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200, "{}", patched.text().await.unwrap());
    let page = json_of(app.get("/plots").await).await;
    assert_eq!(covers(&page)[0].1, Value::Null);
}
