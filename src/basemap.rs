//! The offline basemap (`GWF_BASEMAP_PMTILES`) as shapes for pictures the service draws itself
//! (the preview image of a plot): roads, railways, water, green and built-up land read from the
//! operator's PMTiles archive of vector tiles, in picture pixels.
//!
//! Both vector schemas a regional extract is commonly made in are understood: OpenMapTiles
//! (what tilemaker writes with its bundled configuration: layers `transportation`, `water`,
//! `landcover`, `landuse`, `building`) and Protomaps (`@protomaps/basemaps`: `roads`, `water`,
//! `landuse`, `natural`, `buildings`). Anything else in an archive is not drawn.

use std::collections::HashMap;
use std::path::Path;

use geo::{Geometry, MapCoords};
use pmtiles::{AsyncPmTilesReader, HashMapCache, MmapBackend, TileCoord, TileType};

use crate::domain::map_view::View;

/// What a shape is drawn as, in drawing order (first is lowest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Green,
    Built,
    Water,
    Building,
    Rail,
    MinorRoad,
    MajorRoad,
    Motorway,
}

/// A basemap shape on the picture. Units: picture px.
#[derive(Debug, Clone)]
pub struct Shape {
    pub kind: Kind,
    pub geometry: Geometry<f64>,
}

/// An open archive of vector tiles.
pub struct Basemap {
    reader: AsyncPmTilesReader<MmapBackend, HashMapCache>,
    min_zoom: u8,
    max_zoom: u8,
}

/// A tile's features beyond this many are not drawn: an archive is the operator's, but one
/// picture must not cost unbounded work. Real tiles of a regional extract hold a few thousand.
const MAX_FEATURES_PER_TILE: usize = 20_000;

impl Basemap {
    /// Opens the archive; it must hold vector tiles (MVT).
    pub async fn open(path: &Path) -> Result<Basemap, String> {
        let reader = AsyncPmTilesReader::new_with_cached_path(HashMapCache::default(), path)
            .await
            .map_err(|e| format!("{}: not a PMTiles v3 archive: {e}", path.display()))?;
        let header = reader.get_header();
        if header.tile_type != TileType::Mvt {
            return Err(format!(
                "{}: holds {:?} tiles, not vector tiles (MVT)",
                path.display(),
                header.tile_type
            ));
        }
        let (min_zoom, max_zoom) = (header.min_zoom, header.max_zoom);
        Ok(Basemap {
            reader,
            min_zoom,
            max_zoom,
        })
    }

    /// The shapes the picture `view` shows, lowest first. A tile that cannot be read is left
    /// out (and logged): a preview without part of its background beats no preview.
    pub async fn shapes(&self, view: &View) -> Vec<Shape> {
        // Tiles of the archive's closest zoom; beyond its last zoom they are magnified.
        let z = (view.zoom.floor() as u8).clamp(self.min_zoom, self.max_zoom);
        let mut shapes = Vec::new();
        for (x, y) in view.tiles(z) {
            let Ok(coord) = TileCoord::new(z, x, y) else {
                continue;
            };
            match self.reader.get_tile_decompressed(coord).await {
                Ok(Some(bytes)) => decode(&bytes, view, (z, x, y), &mut shapes),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, z, x, y, "basemap tile not readable"),
            }
        }
        shapes.sort_by_key(|s| s.kind);
        shapes
    }
}

/// Adds the drawable features of one vector tile to `out`, in picture pixels.
fn decode(bytes: &[u8], view: &View, (z, x, y): (u8, u32, u32), out: &mut Vec<Shape>) {
    let reader = match mvt_reader::Reader::new(bytes.to_vec()) {
        Ok(reader) => reader,
        Err(e) => {
            tracing::warn!(error = %e, z, x, y, "basemap tile not decodable");
            return;
        }
    };
    let Ok(layers) = reader.get_layer_metadata() else {
        return;
    };
    for layer in layers {
        let transform = view.tile_transform(z, x, y, layer.extent);
        let Ok(features) = reader.get_features_as::<f64>(layer.layer_index) else {
            continue;
        };
        for feature in features.into_iter().take(MAX_FEATURES_PER_TILE) {
            let empty = HashMap::new();
            let props = feature.properties.as_ref().unwrap_or(&empty);
            let Some(kind) = classify(&layer.name, props, &feature.geometry) else {
                continue;
            };
            let geometry = feature.geometry.map_coords(|c| {
                let (px, py) = transform.apply(c.x, c.y);
                geo::coord! { x: px, y: py }
            });
            out.push(Shape { kind, geometry });
        }
    }
}

fn text<'a>(props: &'a HashMap<String, mvt_reader::feature::Value>, key: &str) -> &'a str {
    match props.get(key) {
        Some(mvt_reader::feature::Value::String(s)) => s,
        _ => "",
    }
}

/// What a feature is drawn as, by layer and class (OpenMapTiles) or kind (Protomaps).
fn classify(
    layer: &str,
    props: &HashMap<String, mvt_reader::feature::Value>,
    geometry: &Geometry<f64>,
) -> Option<Kind> {
    let areal = matches!(geometry, Geometry::Polygon(_) | Geometry::MultiPolygon(_));
    let linear = matches!(
        geometry,
        Geometry::LineString(_) | Geometry::MultiLineString(_)
    );
    match layer {
        "water" if areal => Some(Kind::Water),
        "waterway" if linear => Some(Kind::Water),
        "building" | "buildings" if areal => Some(Kind::Building),
        "landcover" | "park" | "natural" if areal => Some(Kind::Green),
        "landuse" if areal => {
            let class = match text(props, "class") {
                "" => text(props, "kind"),
                class => class,
            };
            match class {
                "residential" | "industrial" | "commercial" | "retail" | "suburb"
                | "neighbourhood" | "quarry" | "railway" => Some(Kind::Built),
                "park" | "forest" | "wood" | "grass" | "meadow" | "farmland" | "cemetery"
                | "nature_reserve" | "recreation_ground" | "garden" => Some(Kind::Green),
                _ => None,
            }
        }
        "transportation" | "roads" if linear => {
            let class = match text(props, "class") {
                "" => text(props, "kind"),
                class => class,
            };
            match class {
                "motorway" | "highway" => Some(Kind::Motorway),
                "trunk" | "primary" | "secondary" | "major_road" => Some(Kind::MajorRoad),
                "tertiary" | "minor" | "service" | "minor_road" | "residential"
                | "unclassified" => Some(Kind::MinorRoad),
                "rail" | "transit" => Some(Kind::Rail),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> HashMap<String, mvt_reader::feature::Value> {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    mvt_reader::feature::Value::String(v.to_string()),
                )
            })
            .collect()
    }

    #[test]
    fn both_schemas_are_understood() {
        let line: Geometry<f64> = geo::LineString::from(vec![(0.0, 0.0), (1.0, 1.0)]).into();
        let ring = geo::LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]);
        let area: Geometry<f64> = geo::Polygon::new(ring, vec![]).into();
        let omt = props(&[("class", "motorway")]);
        let pm = props(&[("kind", "highway")]);
        assert_eq!(
            classify("transportation", &omt, &line),
            Some(Kind::Motorway)
        );
        assert_eq!(classify("roads", &pm, &line), Some(Kind::Motorway));
        assert_eq!(
            classify("roads", &props(&[("kind", "minor_road")]), &line),
            Some(Kind::MinorRoad)
        );
        assert_eq!(classify("water", &props(&[]), &area), Some(Kind::Water));
        assert_eq!(
            classify("landuse", &props(&[("class", "industrial")]), &area),
            Some(Kind::Built)
        );
        // A road as a polygon (an area of a square) and unknown layers are not drawn.
        assert_eq!(classify("transportation", &omt, &area), None);
        assert_eq!(classify("pois", &props(&[]), &area), None);
        assert!(Kind::Motorway > Kind::Water, "roads are drawn over water");
    }
}
