//! OGC API – Features Part 2 (CRS by reference): which coordinate systems `crs`, `bbox-crs` and
//! `filter-crs` take, and their axis order. Built on `domain::crs::Crs`, which names the SRIDs;
//! PostGIS transforms (`db::search`).
//!
//! Axis order: OGC CRS84 is lon/lat (as GeoJSON); EPSG:4326 as its definition states it,
//! lat/lon — the standard demands that order when a client asks for EPSG:4326. Projected
//! systems are easting/northing. Units: degrees (CRS84, 4326), metres (25832, 25833; 3857 in
//! Web-Mercator metres, not ground metres).

use crate::domain::crs::Crs;

pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// A CRS of the OGC interface: the system and whether its axes are latitude first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OgcCrs {
    pub crs: Crs,
    pub lat_lon: bool,
}

impl Default for OgcCrs {
    fn default() -> Self {
        OgcCrs::CRS84
    }
}

impl OgcCrs {
    pub const CRS84: OgcCrs = OgcCrs {
        crs: Crs::Wgs84,
        lat_lon: false,
    };

    /// Every CRS offered, storage CRS (CRS84) first.
    pub const ALL: [OgcCrs; 5] = [
        OgcCrs::CRS84,
        OgcCrs {
            crs: Crs::Wgs84,
            lat_lon: true,
        },
        OgcCrs {
            crs: Crs::WebMercator,
            lat_lon: false,
        },
        OgcCrs {
            crs: Crs::Utm32,
            lat_lon: false,
        },
        OgcCrs {
            crs: Crs::Utm33,
            lat_lon: false,
        },
    ];

    pub fn srid(self) -> i32 {
        self.crs.srid()
    }

    /// The URI the standard names it by.
    pub fn uri(self) -> String {
        if self == OgcCrs::CRS84 {
            CRS84.to_owned()
        } else {
            format!("http://www.opengis.net/def/crs/EPSG/0/{}", self.srid())
        }
    }

    /// Digits kept in GeoJSON: 7 for degrees (about 1 cm), 3 for metres (1 mm).
    pub fn decimals(self) -> u8 {
        if self.crs.is_geographic() {
            7
        } else {
            3
        }
    }

    /// A CRS by URI, `[EPSG:…]`-style safe CURIE or `EPSG:…`, if it is one we offer.
    pub fn parse(text: &str) -> Option<OgcCrs> {
        let t = text.trim().trim_start_matches('[').trim_end_matches(']');
        if t.len() > 200 {
            return None;
        }
        if t.to_ascii_uppercase().ends_with("CRS84") {
            return Some(OgcCrs::CRS84);
        }
        let crs = Crs::parse(t)?;
        OgcCrs::ALL
            .into_iter()
            .find(|o| o.crs == crs && (o.lat_lon || crs != Crs::Wgs84))
    }

    /// Puts a position of this CRS in (x, y) order as PostGIS keeps it: lon/lat, easting/northing.
    pub fn to_xy(self, a: f64, b: f64) -> (f64, f64) {
        if self.lat_lon {
            (b, a)
        } else {
            (a, b)
        }
    }

    /// Whether an (x, y) position lies where this CRS can be transformed: degrees in range,
    /// Web Mercator within its square, UTM within a generous box around Germany (PROJ refuses
    /// positions far outside a zone, which would otherwise be a database error). Units: those
    /// of the CRS.
    pub fn contains(self, x: f64, y: f64) -> bool {
        match self.crs {
            Crs::WebMercator => x.abs() <= 20_037_508.35 && y.abs() <= 20_048_966.11,
            Crs::Utm32 | Crs::Utm33 => {
                (-500_000.0..=1_500_000.0).contains(&x) && (4_000_000.0..=7_000_000.0).contains(&y)
            }
            _ => x.abs() <= 180.0 && y.abs() <= 90.0,
        }
    }

    /// In words, for messages.
    pub fn range_text(self) -> &'static str {
        match self.crs {
            Crs::WebMercator => "Web Mercator metres within ±20,037,508 (x) and ±20,048,966 (y)",
            Crs::Utm32 | Crs::Utm33 => {
                "UTM metres, easting −500,000…1,500,000 and northing 4,000,000…7,000,000"
            }
            _ => "degrees: longitude −180…180, latitude −90…90",
        }
    }

    /// The list for messages.
    pub fn offered() -> String {
        OgcCrs::ALL
            .iter()
            .map(|c| c.uri())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_axis_order() {
        assert_eq!(OgcCrs::parse(CRS84), Some(OgcCrs::CRS84));
        let epsg4326 = OgcCrs::parse("http://www.opengis.net/def/crs/EPSG/0/4326").unwrap();
        assert!(epsg4326.lat_lon);
        assert_eq!(epsg4326.to_xy(53.3, 11.5), (11.5, 53.3));
        assert_eq!(OgcCrs::parse("EPSG:25833").unwrap().srid(), 25833);
        assert_eq!(OgcCrs::parse("[EPSG:3857]").unwrap().srid(), 3857);
        assert_eq!(OgcCrs::parse("EPSG:31468"), None);
        assert_eq!(OgcCrs::parse("nonsense"), None);
        let utm = OgcCrs::parse("EPSG:25833").unwrap();
        assert!(utm.contains(300_000.0, 5_900_000.0));
        assert!(!utm.contains(1e20, 5_900_000.0));
        assert!(!OgcCrs::CRS84.contains(1e30, 0.0));
        for crs in OgcCrs::ALL {
            assert_eq!(OgcCrs::parse(&crs.uri()), Some(crs));
        }
    }
}
