//! Response bodies. Built from database rows; the rows themselves never leave `db/`.
//!
//! Units everywhere: areas in m², distances in km, prices in € per m² as decimal strings,
//! coordinates `[lon, lat]` in EPSG:4326.

mod checks;
pub mod media;
mod places;
mod plot;
pub mod plot_image;

pub use checks::{
    ChecksFeatureCollection, ChecksReport, EstateWithWarnings, FindingFeature, FindingProperties,
    KindTolerance, MunicipalityFindings, PlotWithWarnings,
};

pub use places::{
    Estate, EstateDetail, Municipality, MunicipalityDetail, PlaceFeatureCollection, Region,
    RegionDetail,
};
pub use plot::{
    HistoryEntry, MultiPolygonDoc, Plot, PlotFeatureCollection, PlotGeometryDoc, PlotHistory,
    PlotPage, PlotSummary, PointDoc,
};

use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

/// GeoJSON Feature (RFC 7946).
#[derive(Debug, Serialize, ToSchema)]
pub struct Feature<P> {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "Feature")]
    pub type_: &'static str,
    pub id: i64,
    #[schema(value_type = Option<PlotGeometryDoc>)]
    pub geometry: Option<Box<RawValue>>,
    pub properties: P,
}

/// A link (RFC 8288 relation types).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Link {
    #[schema(example = "/plots?limit=50&cursor=17")]
    pub href: String,
    #[schema(example = "next")]
    pub rel: &'static str,
    #[serde(rename = "type")]
    #[schema(example = "application/json")]
    pub type_: &'static str,
}

/// How many plots matched, when asked with `count=exact`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Total {
    /// Number of matches, counted up to 10,000.
    pub value: i64,
    /// `eq`: exactly `value`; `gte`: at least `value` (counting stopped at the cap).
    #[schema(pattern = "^(eq|gte)$")]
    pub relation: &'static str,
    /// Sum of all matches' sizes (stated area where known, else computed), rounded to 0.1;
    /// only with `relation` `eq`, since the count stops at the cap. Units: m².
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 184250.5)]
    pub area_m2: Option<f64>,
}

impl Total {
    /// A count made up to `COUNT_CAP + 1` and the counted plots' area (m²): above the cap it says
    /// "at least the cap" and gives no area.
    pub fn of(counted: i64, area_m2: f64) -> Total {
        use crate::domain::search::COUNT_CAP;
        if counted > COUNT_CAP {
            Total {
                value: COUNT_CAP,
                relation: "gte",
                area_m2: None,
            }
        } else {
            Total {
                value: counted,
                relation: "eq",
                area_m2: Some((area_m2 * 10.0).round() / 10.0),
            }
        }
    }
}

/// The top-level member names of `value` as serde writes them, in order (`serde_json::Map` sorts
/// them, so it cannot tell).
pub fn keys_in_order(value: &impl Serialize) -> Vec<String> {
    struct Keys(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Visitor;
            impl<'de> serde::de::Visitor<'de> for Visitor {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(key) = map.next_key::<String>()? {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        keys.push(key);
                    }
                    Ok(Keys(keys))
                }
            }
            deserializer.deserialize_map(Visitor)
        }
    }
    let text = serde_json::to_string(value).expect("views serialise");
    serde_json::from_str::<Keys>(&text)
        .map(|k| k.0)
        .unwrap_or_default()
}
