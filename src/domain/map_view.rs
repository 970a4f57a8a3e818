//! The framing of a rendered map picture (the preview image of a plot): which part of the
//! Web Mercator world (EPSG:3857, the projection of every web map and of the basemap tiles)
//! a picture of a given size shows, and where a point or a basemap tile lands on it.
//!
//! Coordinates: positions in WGS 84 degrees (lon, lat); "world pixels" are Web Mercator at a
//! zoom with 256-pixel tiles, as MapLibre counts them; picture pixels start at the top left.

use std::f64::consts::PI;

/// Half the Earth's circumference in Web Mercator (the WGS 84 equator). Units: m.
const EARTH_RADIUS_M: f64 = 6_378_137.0;

/// The zoom range a picture is framed in: closer than 18 a plot's outline fills the picture
/// with nothing around it; farther than 8 a plot is a dot.
pub const MIN_ZOOM: f64 = 8.0;
pub const MAX_ZOOM: f64 = 18.0;

/// Where a picture looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// Units: px.
    pub width: u32,
    /// Units: px.
    pub height: u32,
    /// Web Mercator zoom, fractional.
    pub zoom: f64,
    /// The picture's top-left corner in world pixels at `zoom`.
    left: f64,
    top: f64,
}

/// World pixels at zoom 0 (0..256) of a position in degrees.
fn world0(lon: f64, lat: f64) -> (f64, f64) {
    // Web Mercator stops at ±85.0511°, where the square world ends.
    let lat = lat.clamp(-85.051_128_78, 85.051_128_78).to_radians();
    let x = (lon + 180.0) / 360.0 * 256.0;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * 256.0;
    (x, y)
}

/// Degrees of a position in world pixels at zoom 0.
fn degrees0(x: f64, y: f64) -> (f64, f64) {
    let lon = x / 256.0 * 360.0 - 180.0;
    let n = PI * (1.0 - 2.0 * y / 256.0);
    let lat = n.sinh().atan().to_degrees();
    (lon, lat)
}

impl View {
    /// The view of a `width` × `height` picture that shows `bbox` ([west, south, east, north],
    /// degrees) whole, centred, with `margin` pixels free on every side, at a zoom within
    /// `MIN_ZOOM..=MAX_ZOOM` (so a tiny plot is shown with its surroundings and a huge one may
    /// be cut at the edges).
    pub fn framing(bbox: [f64; 4], width: u32, height: u32, margin: u32) -> View {
        let (x0, y0) = world0(bbox[0], bbox[3]);
        let (x1, y1) = world0(bbox[2], bbox[1]);
        let inner_w = f64::from(width.saturating_sub(2 * margin).max(1));
        let inner_h = f64::from(height.saturating_sub(2 * margin).max(1));
        // A point (no extent) is shown at the closest zoom.
        let fit_w = inner_w / (x1 - x0).max(1e-12);
        let fit_h = inner_h / (y1 - y0).max(1e-12);
        let zoom = fit_w.min(fit_h).log2().clamp(MIN_ZOOM, MAX_ZOOM);
        let scale = zoom.exp2();
        let (cx, cy) = ((x0 + x1) / 2.0 * scale, (y0 + y1) / 2.0 * scale);
        View {
            width,
            height,
            zoom,
            left: cx - f64::from(width) / 2.0,
            top: cy - f64::from(height) / 2.0,
        }
    }

    /// Where a position in degrees lands on the picture. Units: px.
    pub fn pixel(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = world0(lon, lat);
        let scale = self.zoom.exp2();
        (x * scale - self.left, y * scale - self.top)
    }

    /// What the picture shows: [west, south, east, north], degrees.
    pub fn bbox(&self) -> [f64; 4] {
        let scale = self.zoom.exp2();
        let (west, north) = degrees0(self.left / scale, self.top / scale);
        let (east, south) = degrees0(
            (self.left + f64::from(self.width)) / scale,
            (self.top + f64::from(self.height)) / scale,
        );
        [west, south, east, north]
    }

    /// Ground distance of one picture pixel at the picture's centre. Units: m.
    pub fn metres_per_pixel(&self) -> f64 {
        let [_, south, _, north] = self.bbox();
        let lat = ((south + north) / 2.0).to_radians();
        2.0 * PI * EARTH_RADIUS_M * lat.cos() / (256.0 * self.zoom.exp2())
    }

    /// The tiles of zoom `z` (x, y) that cover the picture, at most a few dozen.
    pub fn tiles(&self, z: u8) -> Vec<(u32, u32)> {
        let per_tile = 256.0 * (self.zoom - f64::from(z)).exp2();
        let last = (1u64 << z) as f64 - 1.0;
        let range = |from: f64, len: f64| {
            let a = (from / per_tile).floor().clamp(0.0, last) as u32;
            let b = ((from + len) / per_tile).floor().clamp(0.0, last) as u32;
            a..=b
        };
        let xs = range(self.left, f64::from(self.width));
        let ys = range(self.top, f64::from(self.height));
        ys.flat_map(|y| xs.clone().map(move |x| (x, y))).collect()
    }

    /// How a position inside tile `z/x/y` (0..`extent` in each direction, as vector tiles
    /// count) lands on the picture: `pixel = offset + position × scale`.
    pub fn tile_transform(&self, z: u8, x: u32, y: u32, extent: u32) -> TileTransform {
        let per_tile = 256.0 * (self.zoom - f64::from(z)).exp2();
        TileTransform {
            scale: per_tile / f64::from(extent.max(1)),
            offset_x: f64::from(x) * per_tile - self.left,
            offset_y: f64::from(y) * per_tile - self.top,
        }
    }
}

/// From tile positions to picture pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileTransform {
    pub scale: f64,
    pub offset_x: f64,
    pub offset_y: f64,
}

impl TileTransform {
    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.offset_x + x * self.scale,
            self.offset_y + y * self.scale,
        )
    }
}

/// A scale bar no longer than `max_px`: a round ground length (1, 2 or 5 × 10ⁿ m) and its
/// length on the picture. Units: (m, px).
pub fn scale_bar(metres_per_pixel: f64, max_px: f64) -> (f64, f64) {
    let max_m = metres_per_pixel * max_px;
    let power = 10f64.powf(max_m.log10().floor());
    let metres = [5.0, 2.0, 1.0]
        .into_iter()
        .map(|f| f * power)
        .find(|m| *m <= max_m)
        .unwrap_or(power);
    (metres, metres / metres_per_pixel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plot_is_framed_in_the_middle_with_its_margin() {
        // About 300 m × 200 m near Ludwigslust.
        let bbox = [11.495, 53.330, 11.4995, 53.3318];
        let v = View::framing(bbox, 1200, 630, 60);
        let (x0, y0) = v.pixel(bbox[0], bbox[3]);
        let (x1, y1) = v.pixel(bbox[2], bbox[1]);
        assert!((((x0 + x1) / 2.0) - 600.0).abs() < 1e-6);
        assert!((((y0 + y1) / 2.0) - 315.0).abs() < 1e-6);
        // The tighter side (here the width) fills the picture up to its margin.
        assert!(x0 >= 59.9 && x1 <= 1140.1 && y0 >= 59.9 && y1 <= 570.1);
        assert!((x0 - 60.0).abs() < 1e-6 || (y0 - 60.0).abs() < 1e-6);
        let back = v.bbox();
        assert!(back[0] < bbox[0] && back[2] > bbox[2] && back[1] < bbox[1] && back[3] > bbox[3]);
    }

    #[test]
    fn points_and_huge_areas_stay_within_the_zoom_range() {
        let point = View::framing([11.5, 53.3, 11.5, 53.3], 1200, 630, 60);
        assert_eq!(point.zoom, MAX_ZOOM);
        let germany = View::framing([5.8, 47.2, 15.1, 55.1], 1200, 630, 60);
        assert_eq!(germany.zoom, MIN_ZOOM);
    }

    #[test]
    fn tiles_cover_the_picture_and_transform_to_its_pixels() {
        let v = View::framing([11.49, 53.32, 11.51, 53.34], 1200, 630, 60);
        let z = v.zoom.floor() as u8;
        let tiles = v.tiles(z);
        assert!(!tiles.is_empty() && tiles.len() <= 40, "{}", tiles.len());
        // The picture's centre lies in one of them, at the pixel the transform gives.
        let (cx, cy) = (600.0, 315.0);
        let hit = tiles.iter().any(|&(x, y)| {
            let t = v.tile_transform(z, x, y, 4096);
            let (ax, ay) = t.apply(0.0, 0.0);
            let (bx, by) = t.apply(4096.0, 4096.0);
            ax <= cx && cx < bx && ay <= cy && cy < by
        });
        assert!(hit);
        // A tile corner and the position of that corner agree.
        let (x, y) = tiles[0];
        let n = f64::from(1u32 << z);
        let lon = f64::from(x) / n * 360.0 - 180.0;
        let lat = (PI * (1.0 - 2.0 * f64::from(y) / n))
            .sinh()
            .atan()
            .to_degrees();
        let (px, py) = v.pixel(lon, lat);
        let (tx, ty) = v.tile_transform(z, x, y, 4096).apply(0.0, 0.0);
        assert!((px - tx).abs() < 1e-6 && (py - ty).abs() < 1e-6);
    }

    #[test]
    fn scale_bars_are_round() {
        assert_eq!(scale_bar(1.0, 250.0).0, 200.0);
        assert_eq!(scale_bar(1.0, 600.0).0, 500.0);
        assert_eq!(scale_bar(0.3, 250.0).0, 50.0);
        let (m, px) = scale_bar(2.5, 250.0);
        assert_eq!(m, 500.0);
        assert!((px - 200.0).abs() < 1e-9);
    }

    #[test]
    fn metres_per_pixel_matches_web_mercator_at_the_latitude() {
        // At zoom 0 on the equator one pixel is 156,543 m.
        let v = View {
            width: 256,
            height: 256,
            zoom: 0.0,
            left: 0.0,
            top: 0.0,
        };
        assert!((v.metres_per_pixel() - 156_543.03).abs() < 0.1);
    }
}
