//! Photos for the demo data (`seed-demo`, docs/media.md): an aerial-style drawing of each of a
//! few published demo plots — fields around, a road, the plot's outline as bare soil — drawn
//! here with tiny-skia, so nothing is downloaded, and stored through the same sizes, store and
//! rows as an upload. Credited as generated. Running it again adds nothing.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

use crate::db;
use crate::domain::access::{PlotSet, ReadScope};
use crate::domain::history::{Actor, Via};
use crate::domain::media::process::{derive, PixelLimits};
use crate::domain::media::{content_hash, object_key, MediaKind, MediaOwner, Sniffed};
use crate::domain::plot::PlotKey;
use crate::media_store::MediaStore;
use crate::schema::{media, plots};

/// How many demo plots get a picture: enough for the gallery, popup and list to show one.
const PLOTS: i64 = 6;
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 800;

/// Adds a drawing to the first published demo plots that have no media yet; returns how many.
pub async fn seed_media(conn: &mut AsyncPgConnection, store: &MediaStore) -> anyhow::Result<usize> {
    let ids: Vec<i64> = plots::table
        .filter(plots::is_demo)
        .filter(plots::published)
        .order(plots::reference)
        .limit(PLOTS)
        .select(plots::id)
        .load(conn)
        .await?;
    let mut added = 0;
    for id in ids {
        let has: i64 = media::table
            .filter(media::plot_id.eq(id))
            .count()
            .get_result(conn)
            .await?;
        if has > 0 {
            continue;
        }
        let all = PlotSet::Readable(ReadScope::Region);
        let Some((row, Some(geometry))) = db::plots::find(conn, &all, &PlotKey::Id(id)).await?
        else {
            continue;
        };
        let reference = &row.facts.reference;
        let png = draw(&rings(&geometry), id as u64);
        let captions = (
            format!("Luftbild-Skizze der Fläche {reference} (gezeichnet)"),
            format!("Aerial-style sketch of plot {reference} (drawn)"),
        );
        save_drawing(conn, store, MediaOwner::Plot(id), &png, captions).await?;
        added += 1;
    }
    Ok(added)
}

/// How many demo estates get a picture (their outline drawn the same way).
const ESTATES: i64 = 2;

/// Adds a drawing of their outline to the first published estates with an outline, unless they
/// have media already; returns how many (running it again adds nothing). Recorded in each estate's history like an upload.
pub async fn seed_estate_media(
    conn: &mut AsyncPgConnection,
    store: &MediaStore,
) -> anyhow::Result<usize> {
    use crate::schema::estates;
    let ids: Vec<i64> = estates::table
        .filter(estates::published)
        .filter(estates::deleted_at.is_null())
        .filter(estates::outline.is_not_null())
        .order(estates::id)
        .limit(ESTATES)
        .select(estates::id)
        .load(conn)
        .await?;
    let all = PlotSet::Readable(ReadScope::Region);
    let mut added = 0;
    for id in ids {
        // The same estates each run: one that has media (drawn before, or uploaded) is kept.
        let has: i64 = media::table
            .filter(media::estate_id.eq(id))
            .count()
            .get_result(conn)
            .await?;
        if has > 0 {
            continue;
        }
        let Some(estate) = db::places::estate(conn, &all, id).await? else {
            continue;
        };
        let Some(outline) = estate.outline_geojson.as_deref() else {
            continue;
        };
        let name = &estate.name;
        let png = draw(&rings(outline), id as u64 + 1_000);
        let captions = (
            format!("Luftbild-Skizze des Gewerbegebiets {name} (gezeichnet)"),
            format!("Aerial-style sketch of the estate {name} (drawn)"),
        );
        save_drawing(conn, store, MediaOwner::Estate(id), &png, captions).await?;
        added += 1;
    }
    Ok(added)
}

/// Stores a drawing through the sizes and store of an upload, as its owner's credited cover,
/// and records it in the owner's history.
async fn save_drawing(
    conn: &mut AsyncPgConnection,
    store: &MediaStore,
    owner: MediaOwner,
    png: &[u8],
    (caption_de, caption_en): (String, String),
) -> anyhow::Result<()> {
    let hash = content_hash(png);
    let limits = PixelLimits {
        max_pixels: 40_000_000,
        max_side: 10_000,
    };
    let derived = derive(png, Sniffed::Png, limits)
        .map_err(|e| anyhow::anyhow!("demo picture of {owner:?}: {e:?}"))?;
    for (variant, bytes) in derived.objects {
        store.put(&object_key(&hash, variant), bytes).await?;
    }
    let (plot_id, estate_id) = match owner {
        MediaOwner::Plot(id) => (Some(id), None),
        MediaOwner::Estate(id) => (None, Some(id)),
    };
    let new = db::media::NewMedia {
        plot_id,
        estate_id,
        kind: MediaKind::Aerial.as_str().to_owned(),
        content_hash: hash,
        content_type: Sniffed::Png.content_type().to_owned(),
        bytes: png.len() as i64,
        width: Some(WIDTH as i32),
        height: Some(HEIGHT as i32),
        caption_de: Some(caption_de),
        caption_en: Some(caption_en),
        credit: Some("Städteverbund A14 (Demo), vom Dienst gezeichnet".to_owned()),
        licence: Some("CC0 1.0".to_owned()),
        position: 0,
        cover: true,
        internal: false,
        inline: false,
    };
    let inserted = db::media::insert(conn, &new).await?;
    let actor = Actor {
        user_id: None,
        name: "seed-demo".to_owned(),
        via: Via::Cli,
    };
    let change =
        json!([{"field": "media", "from": null, "to": {"id": inserted.id, "kind": "aerial"}}]);
    match owner {
        MediaOwner::Plot(id) => db::plots::touch(conn, id, &actor, &change).await?,
        MediaOwner::Estate(id) => {
            db::place_writes::touch(
                conn,
                crate::domain::place::PlaceKind::Estate,
                id,
                &actor,
                &change,
            )
            .await?
        }
    };
    Ok(())
}

/// The outline's rings as `[lon, lat]` lists (GeoJSON MultiPolygon or Polygon).
fn rings(geometry: &str) -> Vec<Vec<(f64, f64)>> {
    let value: serde_json::Value = serde_json::from_str(geometry).unwrap_or_default();
    let mut out = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<Vec<(f64, f64)>>) {
        let Some(items) = v.as_array() else { return };
        // `iter().next()`: diesel's `first` is in scope here.
        let is_ring = items
            .iter()
            .next()
            .and_then(|p| p.as_array())
            .is_some_and(|p| p.iter().next().is_some_and(serde_json::Value::is_number));
        if is_ring {
            out.push(
                items
                    .iter()
                    .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                    .collect(),
            );
        } else {
            items.iter().for_each(|i| walk(i, out));
        }
    }
    walk(
        value.get("coordinates").unwrap_or(&serde_json::Value::Null),
        &mut out,
    );
    out
}

/// A small deterministic generator: the same plot gets the same picture.
fn next(seed: &mut u64) -> f32 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    (*seed % 10_000) as f32 / 10_000.0
}

fn paint(r: u8, g: u8, b: u8, a: u8) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(r, g, b, a);
    p.anti_alias = true;
    p
}

/// Fields, a road and the plot as bare soil with a dashed boundary, seen from above.
fn draw(rings: &[Vec<(f64, f64)>], seed: u64) -> Vec<u8> {
    let mut seed = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut pixmap = Pixmap::new(WIDTH, HEIGHT).expect("fixed size");
    pixmap.fill(Color::from_rgba8(120, 142, 82, 255));
    // Field strips in greens and browns, slanted like a real field pattern.
    let slant = next(&mut seed) * 0.6 - 0.3;
    let mut x = -400.0f32;
    while x < WIDTH as f32 + 400.0 {
        let w = 60.0 + next(&mut seed) * 140.0;
        let shade = next(&mut seed);
        let (r, g, b) = if shade < 0.4 {
            (104, 132, 70)
        } else if shade < 0.7 {
            (150, 160, 92)
        } else {
            (168, 140, 98)
        };
        let mut pb = PathBuilder::new();
        pb.move_to(x, 0.0);
        pb.line_to(x + w, 0.0);
        pb.line_to(x + w + slant * HEIGHT as f32, HEIGHT as f32);
        pb.line_to(x + slant * HEIGHT as f32, HEIGHT as f32);
        pb.close();
        if let Some(path) = pb.finish() {
            pixmap.fill_path(
                &path,
                &paint(r, g, b, 255),
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
        x += w;
    }
    // Speckles: crops and shrubs.
    for _ in 0..2500 {
        let (cx, cy) = (
            next(&mut seed) * WIDTH as f32,
            next(&mut seed) * HEIGHT as f32,
        );
        let r = 1.0 + next(&mut seed) * 3.0;
        if let Some(circle) = PathBuilder::from_circle(cx, cy, r) {
            let dark = next(&mut seed) < 0.5;
            let p = if dark {
                paint(70, 95, 50, 110)
            } else {
                paint(200, 190, 140, 90)
            };
            pixmap.fill_path(&circle, &p, FillRule::Winding, Transform::identity(), None);
        }
    }
    // A road across the bottom.
    let mut road = PathBuilder::new();
    road.move_to(0.0, HEIGHT as f32 * 0.86);
    road.line_to(WIDTH as f32, HEIGHT as f32 * (0.80 + next(&mut seed) * 0.1));
    if let Some(path) = road.finish() {
        let stroke = Stroke {
            width: 26.0,
            ..Stroke::default()
        };
        pixmap.stroke_path(
            &path,
            &paint(92, 92, 96, 255),
            &stroke,
            Transform::identity(),
            None,
        );
        let mut dash = Stroke {
            width: 2.0,
            ..Stroke::default()
        };
        dash.dash = tiny_skia::StrokeDash::new(vec![18.0, 14.0], 0.0);
        pixmap.stroke_path(
            &path,
            &paint(235, 235, 220, 255),
            &dash,
            Transform::identity(),
            None,
        );
    }
    // The plot, fitted into the middle with a margin, north up (lon scaled by cos(lat)).
    let points: Vec<(f64, f64)> = rings.iter().flatten().copied().collect();
    if !points.is_empty() {
        let lat0 = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
        let k = lat0.to_radians().cos();
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (lon, lat) in &points {
            x0 = x0.min(lon * k);
            x1 = x1.max(lon * k);
            y0 = y0.min(*lat);
            y1 = y1.max(*lat);
        }
        let scale = ((WIDTH as f64 * 0.6) / (x1 - x0).max(1e-9))
            .min((HEIGHT as f64 * 0.6) / (y1 - y0).max(1e-9));
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let project = |(lon, lat): (f64, f64)| {
            (
                (WIDTH as f64 / 2.0 + (lon * k - cx) * scale) as f32,
                (HEIGHT as f64 * 0.45 - (lat - cy) * scale) as f32,
            )
        };
        let mut pb = PathBuilder::new();
        for ring in rings {
            for (i, p) in ring.iter().enumerate() {
                let (x, y) = project(*p);
                if i == 0 {
                    pb.move_to(x, y);
                } else {
                    pb.line_to(x, y);
                }
            }
            pb.close();
        }
        if let Some(path) = pb.finish() {
            pixmap.fill_path(
                &path,
                &paint(196, 168, 122, 255),
                FillRule::EvenOdd,
                Transform::identity(),
                None,
            );
            let mut outline = Stroke {
                width: 5.0,
                ..Stroke::default()
            };
            outline.dash = tiny_skia::StrokeDash::new(vec![16.0, 10.0], 0.0);
            pixmap.stroke_path(
                &path,
                &paint(255, 255, 255, 235),
                &outline,
                Transform::identity(),
                None,
            );
        }
    }
    pixmap.encode_png().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_png_of_the_outline() {
        let square = vec![vec![
            (11.4, 53.3),
            (11.41, 53.3),
            (11.41, 53.31),
            (11.4, 53.31),
            (11.4, 53.3),
        ]];
        let png = draw(&square, 7);
        assert!(png.starts_with(b"\x89PNG"));
        assert_eq!(png, draw(&square, 7), "the same plot, the same picture");
        let geometry = r#"{"type":"MultiPolygon","coordinates":[[[[11.4,53.3],[11.41,53.3],[11.4,53.31],[11.4,53.3]]]]}"#;
        assert_eq!(rings(geometry).len(), 1);
    }
}
