//! The preview image of a published plot (`GET /plots/{key}/image.png`) or estate
//! (`GET /estates/{id}/image.png`): what mail and chat
//! programs show beside a shared link (OpenGraph `og:image`). The plot in its status colour
//! among its neighbours and its estate, on the offline basemap when one is configured, with a
//! scale bar, its reference and area, and the basemap's attribution.
//!
//! Drawn with `tiny-skia` (a small CPU rasteriser) and one bundled font (a Latin-1 cut of
//! DejaVu Sans, `scripts/font-subset.sh`): the service has no browser to render a MapLibre
//! style, and a picture of a few shapes needs none.

use std::sync::OnceLock;

use geo::{Geometry, LineString, MultiPolygon, Polygon};
use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, Path, PathBuilder, Pixmap, Rect, Stroke, StrokeDash,
    Transform,
};

use crate::basemap::{Kind, Shape};
use crate::domain::map_view::{scale_bar, View};
use crate::domain::plot::PlotStatus;

/// OpenGraph's recommended size (1.91:1), which every link preview scales from. Units: px.
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;
/// Space around the plot's outline. Units: px.
pub const MARGIN: u32 = 170;

static FONT: &[u8] = include_bytes!("../../../web/fonts/DejaVuSans-subset.ttf");

fn face() -> &'static ttf_parser::Face<'static> {
    static FACE: OnceLock<ttf_parser::Face<'static>> = OnceLock::new();
    FACE.get_or_init(|| ttf_parser::Face::parse(FONT, 0).expect("the bundled font parses"))
}

/// Everything a preview shows. Outlines in degrees (WGS 84), basemap shapes in picture pixels.
pub struct PlotPicture<'a> {
    pub view: View,
    /// The plot the picture is of, in its status colour; `None` for an estate's picture.
    pub plot: Option<(&'a MultiPolygon<f64>, PlotStatus)>,
    /// Other published plots in view, with their status.
    pub neighbours: &'a [(MultiPolygon<f64>, PlotStatus)],
    pub estate: Option<&'a MultiPolygon<f64>>,
    /// The picture is of the estate: its outline drawn strong, its plots in full colour.
    pub estate_is_subject: bool,
    pub basemap: &'a [Shape],
    /// E.g. `LWL-003 · 12 500 m² · Ludwigslust`.
    pub caption: &'a str,
    /// The basemap's attribution, when one is drawn (ODbL asks for it on the picture).
    pub attribution: Option<&'a str>,
}

/// The status colours of the maps (`web/assets/map.js`), so a preview reads like the map.
fn status_colours(status: PlotStatus) -> ((u8, u8, u8), (u8, u8, u8)) {
    match status {
        PlotStatus::Available => ((0x00, 0x9E, 0x73), (0x00, 0x65, 0x4A)),
        PlotStatus::Reserved => ((0xE6, 0x9F, 0x00), (0x8F, 0x63, 0x00)),
        PlotStatus::UnderNegotiation => ((0xCC, 0x79, 0xA7), (0x7E, 0x3A, 0x64)),
        PlotStatus::Sold => ((0xA3, 0xA3, 0xA3), (0x5E, 0x5E, 0x5E)),
        PlotStatus::Planned => ((0x00, 0x72, 0xB2), (0x00, 0x4C, 0x77)),
    }
}

fn paint(r: u8, g: u8, b: u8, a: u8) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(r, g, b, a);
    p.anti_alias = true;
    p
}

fn stroke(width: f32) -> Stroke {
    Stroke {
        width,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Stroke::default()
    }
}

fn add_ring(pb: &mut PathBuilder, ring: &LineString<f64>, at: &dyn Fn(f64, f64) -> (f64, f64)) {
    for (i, c) in ring.coords().enumerate() {
        let (x, y) = at(c.x, c.y);
        if i == 0 {
            pb.move_to(x as f32, y as f32);
        } else {
            pb.line_to(x as f32, y as f32);
        }
    }
    pb.close();
}

fn add_polygon(pb: &mut PathBuilder, p: &Polygon<f64>, at: &dyn Fn(f64, f64) -> (f64, f64)) {
    add_ring(pb, p.exterior(), at);
    for hole in p.interiors() {
        add_ring(pb, hole, at);
    }
}

/// A path of an outline in degrees, on the picture.
fn outline_path(view: &View, m: &MultiPolygon<f64>) -> Option<Path> {
    let at = |lon, lat| view.pixel(lon, lat);
    let mut pb = PathBuilder::new();
    for p in m {
        add_polygon(&mut pb, p, &at);
    }
    pb.finish()
}

/// A path of a basemap shape, already in pixels.
fn shape_path(g: &Geometry<f64>) -> Option<Path> {
    let at = |x, y| (x, y);
    let mut pb = PathBuilder::new();
    let line = |pb: &mut PathBuilder, l: &LineString<f64>| {
        for (i, c) in l.coords().enumerate() {
            if i == 0 {
                pb.move_to(c.x as f32, c.y as f32);
            } else {
                pb.line_to(c.x as f32, c.y as f32);
            }
        }
    };
    match g {
        Geometry::Polygon(p) => add_polygon(&mut pb, p, &at),
        Geometry::MultiPolygon(m) => m.iter().for_each(|p| add_polygon(&mut pb, p, &at)),
        Geometry::LineString(l) => line(&mut pb, l),
        Geometry::MultiLineString(m) => m.iter().for_each(|l| line(&mut pb, l)),
        _ => return None,
    }
    pb.finish()
}

fn draw_basemap(pixmap: &mut Pixmap, shapes: &[Shape]) {
    let id = Transform::identity();
    for shape in shapes {
        let Some(path) = shape_path(&shape.geometry) else {
            continue;
        };
        let areal = matches!(
            shape.geometry,
            Geometry::Polygon(_) | Geometry::MultiPolygon(_)
        );
        match shape.kind {
            Kind::Green => pixmap.fill_path(
                &path,
                &paint(0xD6, 0xE6, 0xC3, 255),
                FillRule::EvenOdd,
                id,
                None,
            ),
            Kind::Built => pixmap.fill_path(
                &path,
                &paint(0xE6, 0xE1, 0xDA, 255),
                FillRule::EvenOdd,
                id,
                None,
            ),
            Kind::Building => pixmap.fill_path(
                &path,
                &paint(0xD9, 0xD0, 0xC9, 255),
                FillRule::EvenOdd,
                id,
                None,
            ),
            Kind::Water if areal => pixmap.fill_path(
                &path,
                &paint(0xAA, 0xD3, 0xDF, 255),
                FillRule::EvenOdd,
                id,
                None,
            ),
            Kind::Water => {
                pixmap.stroke_path(&path, &paint(0xAA, 0xD3, 0xDF, 255), &stroke(3.0), id, None)
            }
            Kind::Rail => {
                pixmap.stroke_path(&path, &paint(0x99, 0x99, 0x99, 255), &stroke(3.0), id, None);
            }
            Kind::MinorRoad | Kind::MajorRoad | Kind::Motorway => {
                let (casing, fill, width) = match shape.kind {
                    Kind::Motorway => ((0xC2, 0x4E, 0x3B), (0xE8, 0x92, 0x6F), 9.0),
                    Kind::MajorRoad => ((0xB8, 0xA0, 0x6A), (0xFC, 0xE0, 0x9A), 7.0),
                    _ => ((0xBB, 0xB5, 0xAA), (0xFF, 0xFF, 0xFF), 5.0),
                };
                pixmap.stroke_path(
                    &path,
                    &paint(casing.0, casing.1, casing.2, 255),
                    &stroke(width + 2.0),
                    id,
                    None,
                );
                pixmap.stroke_path(
                    &path,
                    &paint(fill.0, fill.1, fill.2, 255),
                    &stroke(width),
                    id,
                    None,
                );
            }
        }
    }
}

/// A line of text as one path, its left end of the baseline at (`x`, `y`). Returns the path
/// and its width. Units: px.
fn text_path(text: &str, x: f32, y: f32, size: f32) -> (Option<Path>, f32) {
    struct Outline<'p> {
        pb: &'p mut PathBuilder,
        x: f32,
        y: f32,
        scale: f32,
    }
    impl ttf_parser::OutlineBuilder for Outline<'_> {
        fn move_to(&mut self, x: f32, y: f32) {
            self.pb
                .move_to(self.x + x * self.scale, self.y - y * self.scale);
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.pb
                .line_to(self.x + x * self.scale, self.y - y * self.scale);
        }
        fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
            let s = self.scale;
            self.pb.quad_to(
                self.x + x1 * s,
                self.y - y1 * s,
                self.x + x * s,
                self.y - y * s,
            );
        }
        fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
            let s = self.scale;
            self.pb.cubic_to(
                self.x + x1 * s,
                self.y - y1 * s,
                self.x + x2 * s,
                self.y - y2 * s,
                self.x + x * s,
                self.y - y * s,
            );
        }
        fn close(&mut self) {
            self.pb.close();
        }
    }
    let face = face();
    let scale = size / f32::from(face.units_per_em());
    let mut pb = PathBuilder::new();
    let mut pen = x;
    for ch in text.chars() {
        // Signs outside the font's cut are drawn as a space rather than a box.
        let Some(glyph) = face.glyph_index(ch).or_else(|| face.glyph_index(' ')) else {
            continue;
        };
        let mut outline = Outline {
            pb: &mut pb,
            x: pen,
            y,
            scale,
        };
        face.outline_glyph(glyph, &mut outline);
        pen += f32::from(face.glyph_hor_advance(glyph).unwrap_or(0)) * scale;
    }
    (pb.finish(), pen - x)
}

/// A label on a white box, its box's top-left at (`x`, `y`) or, with `right`, its top-right.
fn label(pixmap: &mut Pixmap, text: &str, x: f32, y: f32, size: f32, right: bool) {
    let pad = size * 0.45;
    let (_, width) = text_path(text, 0.0, 0.0, size);
    let left = if right { x - width - 2.0 * pad } else { x };
    let boxed = Rect::from_xywh(left, y, width + 2.0 * pad, size * 1.45);
    if let Some(boxed) = boxed {
        pixmap.fill_rect(
            boxed,
            &paint(255, 255, 255, 225),
            Transform::identity(),
            None,
        );
    }
    if let (Some(path), _) = text_path(text, left + pad, y + size * 1.08, size) {
        pixmap.fill_path(
            &path,
            &paint(0x22, 0x22, 0x22, 255),
            FillRule::Winding,
            Transform::identity(),
            None,
        );
    }
}

/// A scale bar at the bottom left: a round length and its figure.
fn draw_scale_bar(pixmap: &mut Pixmap, view: &View) {
    let (metres, px) = scale_bar(view.metres_per_pixel(), 220.0);
    let text = if metres >= 1000.0 {
        format!("{} km", metres / 1000.0)
    } else {
        format!("{metres} m")
    };
    let (x, y) = (24.0f32, HEIGHT as f32 - 30.0);
    if let Some(back) = Rect::from_xywh(x - 8.0, y - 34.0, px as f32 + 16.0, 48.0) {
        pixmap.fill_rect(
            back,
            &paint(255, 255, 255, 200),
            Transform::identity(),
            None,
        );
    }
    let mut pb = PathBuilder::new();
    pb.move_to(x, y - 8.0);
    pb.line_to(x, y);
    pb.line_to(x + px as f32, y);
    pb.line_to(x + px as f32, y - 8.0);
    if let Some(path) = pb.finish() {
        pixmap.stroke_path(
            &path,
            &paint(0x22, 0x22, 0x22, 255),
            &stroke(3.0),
            Transform::identity(),
            None,
        );
    }
    if let (Some(path), _) = text_path(&text, x, y - 14.0, 18.0) {
        pixmap.fill_path(
            &path,
            &paint(0x22, 0x22, 0x22, 255),
            FillRule::Winding,
            Transform::identity(),
            None,
        );
    }
}

/// The picture as PNG bytes.
pub fn render(p: &PlotPicture) -> Vec<u8> {
    let id = Transform::identity();
    let mut pixmap = Pixmap::new(WIDTH, HEIGHT).expect("a non-empty picture");
    // The land colour of the maps without a basemap (`map.js`).
    pixmap.fill(Color::from_rgba8(0xF2, 0xF0, 0xEB, 255));
    draw_basemap(&mut pixmap, p.basemap);
    if let Some(estate) = p.estate.and_then(|e| outline_path(&p.view, e)) {
        // Lighter over a basemap, so its roads show through (as the maps do, `map.js`).
        let alpha = if p.basemap.is_empty() { 140 } else { 70 };
        pixmap.fill_path(
            &estate,
            &paint(0xE4, 0xDC, 0xCB, alpha),
            FillRule::EvenOdd,
            id,
            None,
        );
        if p.estate_is_subject {
            pixmap.stroke_path(&estate, &paint(255, 255, 255, 230), &stroke(8.0), id, None);
            pixmap.stroke_path(
                &estate,
                &paint(0x4A, 0x3F, 0x2C, 255),
                &stroke(4.0),
                id,
                None,
            );
        } else {
            let mut dashed = stroke(2.5);
            dashed.dash = StrokeDash::new(vec![10.0, 6.0], 0.0);
            pixmap.stroke_path(&estate, &paint(0x77, 0x73, 0x6B, 255), &dashed, id, None);
        }
    }
    // Around a plot its neighbours are context (faint); in an estate's picture they are the
    // offer (as strong as the plot of a plot's picture).
    let (fill, line) = if p.estate_is_subject {
        (150, 255)
    } else {
        (70, 160)
    };
    for (outline, status) in p.neighbours {
        if let Some(path) = outline_path(&p.view, outline) {
            let ((r, g, b), (lr, lg, lb)) = status_colours(*status);
            pixmap.fill_path(&path, &paint(r, g, b, fill), FillRule::EvenOdd, id, None);
            pixmap.stroke_path(&path, &paint(lr, lg, lb, line), &stroke(1.5), id, None);
        }
    }
    if let Some((path, status)) = p
        .plot
        .and_then(|(m, s)| Some((outline_path(&p.view, m)?, s)))
    {
        let ((r, g, b), (lr, lg, lb)) = status_colours(status);
        pixmap.fill_path(&path, &paint(r, g, b, 150), FillRule::EvenOdd, id, None);
        // A white halo keeps the outline visible on any background.
        pixmap.stroke_path(&path, &paint(255, 255, 255, 230), &stroke(9.0), id, None);
        pixmap.stroke_path(&path, &paint(lr, lg, lb, 255), &stroke(5.0), id, None);
    }
    label(&mut pixmap, p.caption, 24.0, 24.0, 34.0, false);
    draw_scale_bar(&mut pixmap, &p.view);
    if let Some(text) = p.attribution {
        label(
            &mut pixmap,
            text,
            WIDTH as f32 - 12.0,
            HEIGHT as f32 - 36.0,
            16.0,
            true,
        );
    }
    pixmap.encode_png().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(lon: f64, lat: f64, d: f64) -> MultiPolygon<f64> {
        let ring = LineString::from(vec![
            (lon, lat),
            (lon + d, lat),
            (lon + d, lat + d),
            (lon, lat + d),
            (lon, lat),
        ]);
        MultiPolygon(vec![Polygon::new(ring, vec![])])
    }

    #[test]
    fn the_plot_is_drawn_in_its_status_colour_in_the_middle() {
        let plot = square(11.5, 53.33, 0.002);
        let view = View::framing([11.5, 53.33, 11.502, 53.332], WIDTH, HEIGHT, MARGIN);
        let png = render(&PlotPicture {
            view,
            plot: Some((&plot, PlotStatus::Available)),
            neighbours: &[(square(11.503, 53.33, 0.001), PlotStatus::Sold)],
            estate: None,
            estate_is_subject: false,
            basemap: &[],
            caption: "LWL-003 · 12 500 m²",
            attribution: Some("© OpenStreetMap contributors"),
        });
        let pixmap = Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (WIDTH, HEIGHT));
        let centre = pixmap.pixel(WIDTH / 2, HEIGHT / 2).unwrap().demultiply();
        // The available colour (#009E73) at 150/255 over the land colour: green wins.
        assert!(centre.green() > centre.red() + 60, "{centre:?}");
        // The caption's box at the top left is white with dark text in it.
        let corner = pixmap.pixel(30, 30).unwrap().demultiply();
        assert!(corner.red() > 240 && corner.green() > 240, "{corner:?}");
    }

    #[test]
    fn text_has_width_and_unknown_signs_do_not_break_it() {
        let (path, width) = text_path("Ludwigslust · 12 500 m²", 0.0, 20.0, 20.0);
        assert!(path.is_some() && width > 150.0, "{width}");
        let (_, w) = text_path("日本", 0.0, 20.0, 20.0);
        assert!(w > 0.0);
    }
}
