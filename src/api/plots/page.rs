//! One page of a search in the asked form. As a GeoJSON FeatureCollection it is written straight
//! into one buffer: the hottest response of the service (issue 20: the API's CPU per bbox request).
//!
//! The bytes are those serde writes for `PlotFeatureCollection` (the test below compares them),
//! but each geometry is copied in as PostGIS wrote it (`ST_AsGeoJSON`), where the serde path
//! first parses it again into a `RawValue` to check it is JSON, and the buffer starts at the size
//! of the previous page instead of growing by doubling from 128 bytes.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::json_writer;
use crate::api::error::ApiError;
use crate::api::views::{Link, Plot, PlotPage, Total};

/// The size of the last page written: the next buffer's capacity.
static LAST_SIZE: AtomicUsize = AtomicUsize::new(16 * 1024);

/// The members after `features`, in `PlotFeatureCollection`'s order and with its rules.
#[derive(Serialize)]
struct Tail<'a> {
    #[serde(rename = "numberReturned")]
    number_returned: usize,
    #[serde(rename = "numberMatched", skip_serializing_if = "Option::is_none")]
    number_matched: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<&'a Total>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<&'a str>,
    links: &'a [Link],
}

/// One plot of the page: its properties (without geometry) and its geometry as PostGIS wrote it.
pub struct GeoPlot {
    pub plot: Plot,
    pub geometry: Option<String>,
}

/// The FeatureCollection of `plots` (their `geometry` members unset: it is `GeoPlot::geometry`).
pub fn write(
    plots: &[GeoPlot],
    total: Option<&Total>,
    next_cursor: Option<&str>,
    links: &[Link],
) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(LAST_SIZE.load(Ordering::Relaxed) + 1024);
    out.extend_from_slice(br#"{"type":"FeatureCollection","features":["#);
    for (i, GeoPlot { plot, geometry }) in plots.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(br#"{"type":"Feature","id":"#);
        json_writer::write_or_fallback(&mut out, &plot.id)?;
        out.extend_from_slice(br#","geometry":"#);
        // Written by ST_AsGeoJSON: JSON by construction.
        out.extend_from_slice(geometry.as_deref().unwrap_or("null").as_bytes());
        out.extend_from_slice(br#","properties":"#);
        json_writer::write_or_fallback(&mut out, plot)?;
        out.push(b'}');
    }
    out.extend_from_slice(b"],");
    let tail = Tail {
        number_returned: plots.len(),
        number_matched: total.filter(|t| t.relation == "eq").map(|t| t.value),
        total,
        next_cursor,
        links,
    };
    let at = out.len();
    json_writer::write_or_fallback(&mut out, &tail)?;
    // The tail's own opening brace: its members continue the collection's object.
    out.remove(at);
    LAST_SIZE.store(out.len(), Ordering::Relaxed);
    Ok(out)
}

/// Keeps the chosen members (and always `id` and `geometry`).
fn select_fields(plot: Plot, fields: &[String]) -> Value {
    match serde_json::to_value(&plot).unwrap_or(Value::Null) {
        Value::Object(object) => Value::Object(
            object
                .into_iter()
                .filter(|(k, _)| k == "id" || k == "geometry" || fields.contains(k))
                .collect::<Map<String, Value>>(),
        ),
        value => value,
    }
}

/// One page of a search, before it is written in the asked form.
pub(super) struct Page {
    pub plots: Vec<GeoPlot>,
    pub total: Option<Total>,
    pub next_cursor: Option<String>,
    pub links: Vec<Link>,
}

impl Page {
    /// The FeatureCollection (`PlotFeatureCollection`), written straight into one buffer.
    pub fn geojson(&self) -> Result<Vec<u8>, ApiError> {
        write(
            &self.plots,
            self.total.as_ref(),
            self.next_cursor.as_deref(),
            &self.links,
        )
        .map_err(ApiError::internal)
    }

    /// The plots with their geometry as a member, for the other forms.
    fn plots_with_geometry(plots: Vec<GeoPlot>) -> Vec<Plot> {
        plots
            .into_iter()
            .map(|GeoPlot { mut plot, geometry }| {
                plot.geometry = geometry.and_then(|g| RawValue::from_string(g).ok());
                plot
            })
            .collect()
    }

    /// The JSON page (`PlotPage`), by the same writer.
    pub fn json(self) -> Result<Vec<u8>, ApiError> {
        let page = self.into_page();
        let mut out = Vec::with_capacity(LAST_SIZE.load(Ordering::Relaxed) + 1024);
        json_writer::write_or_fallback(&mut out, &page).map_err(ApiError::internal)?;
        LAST_SIZE.store(out.len(), Ordering::Relaxed);
        Ok(out)
    }

    pub fn into_page(self) -> PlotPage {
        PlotPage {
            number_returned: self.plots.len(),
            items: Page::plots_with_geometry(self.plots),
            total: self.total,
            next_cursor: self.next_cursor,
            links: self.links,
        }
    }

    /// With `fields=`: GeoJSON Features of the chosen members only.
    pub fn selected_features(self, fields: &[String]) -> Value {
        let number_returned = self.plots.len();
        let features: Vec<Value> = Page::plots_with_geometry(self.plots)
            .into_iter()
            .map(|p| {
                let mut properties = select_fields(p, fields);
                let geometry = properties.as_object_mut().and_then(|o| o.remove("geometry"));
                let id = properties.get("id").cloned();
                serde_json::json!({"type": "Feature", "id": id, "geometry": geometry, "properties": properties})
            })
            .collect();
        serde_json::json!({
            "type": "FeatureCollection",
            "features": features,
            "numberReturned": number_returned,
            "total": self.total,
            "next_cursor": self.next_cursor,
            "links": self.links,
        })
    }

    /// With `fields=`: JSON items of the chosen members only.
    pub fn selected_items(self, fields: &[String]) -> Value {
        serde_json::json!({
            "number_returned": self.plots.len(),
            "items": Page::plots_with_geometry(self.plots).into_iter().map(|p| select_fields(p, fields)).collect::<Vec<_>>(),
            "total": self.total,
            "next_cursor": self.next_cursor,
            "links": self.links,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde::de::DeserializeOwned;

    use super::*;
    use crate::api::views::media::MediaCover;
    use crate::api::views::PlotFeatureCollection;

    /// Text with everything JSON escapes, and more that it does not.
    const TRICKY: &str = "Fläche \"A\\B\" <b>\u{1F3ED}</b>\n\r\t\u{1}\u{1f}\u{7f}\u{2028} ½ €";

    /// `value` with every null member set: to the first of a few candidates its type accepts
    /// (so a new member of the facts is filled without naming it here).
    fn filled<T: Serialize + DeserializeOwned>(value: &T) -> T {
        let candidates = [
            serde_json::json!(TRICKY),
            serde_json::json!(1.2345e-7),
            serde_json::json!(7),
            serde_json::json!(true),
            serde_json::json!("2027-01-31"),
            serde_json::json!("public"),
        ];
        let Value::Object(mut object) = serde_json::to_value(value).unwrap() else {
            unreachable!("facts are objects")
        };
        let empty: Vec<String> = object
            .iter()
            .filter(|(_, v)| v.is_null())
            .map(|(k, _)| k.clone())
            .collect();
        for key in empty {
            let fits = candidates.iter().find(|c| {
                let mut tried = object.clone();
                tried.insert(key.clone(), (*c).clone());
                serde_json::from_value::<T>(Value::Object(tried)).is_ok()
            });
            let fits = fits.unwrap_or_else(|| panic!("no candidate value fits `{key}`"));
            object.insert(key, fits.clone());
        }
        serde_json::from_value(Value::Object(object)).unwrap()
    }

    /// Three kinds of plot: every member set (internal facts, deletion, huge and tiny numbers,
    /// a cover), a public one without a cover, one with a distance and a cover of empty texts.
    fn plot(id: i64) -> Plot {
        let mut plot = Plot::example();
        plot.id = id;
        // As searches make them: the geometry is the page's to write.
        plot.geometry = None;
        plot.facts.title_de = format!("Fläche \"{id}\" <b>\u{1F3ED}</b>\n");
        let cover = MediaCover {
            id: 9,
            thumb: "http://x/media/9/abc-thumb.jpg".into(),
            small: "http://x/media/9/abc-small.jpg".into(),
            width: Some(4000),
            height: None,
            credit: Some(TRICKY.into()),
            licence: Some("CC BY 4.0".into()),
            caption_de: Some(String::new()),
            caption_en: None,
        };
        match id % 3 {
            1 => {
                plot.facts = filled(&plot.facts);
                plot.facts.parcels = vec!["13234500400123______".into(), TRICKY.into()];
                plot.internal = Some(filled(plot.internal.as_ref().unwrap()));
                plot.municipality_name = TRICKY.into();
                plot.estate_name = Some("Gewerbegebiet \"Nord\"".into());
                plot.area_computed_m2 = 1e21;
                plot.area_m2 = 123456789.1;
                plot.distance_m = Some(1e-7);
                plot.updated_at = Utc.timestamp_opt(1_764_000_000, 123_456_789).unwrap();
                plot.deleted_at = Some(Utc.timestamp_opt(1_764_000_001, 0).unwrap());
                plot.cover = Some(Some(cover));
            }
            2 => {
                plot.internal = None;
                plot.deleted_at = None;
                plot.distance_m = None;
                plot.area_computed_m2 = 14873.2;
                plot.cover = Some(None);
            }
            _ => {
                plot.distance_m = Some(12.3);
                plot.area_computed_m2 = 0.1;
                plot.cover = Some(Some(MediaCover {
                    credit: None,
                    licence: None,
                    caption_de: None,
                    ..cover
                }));
            }
        }
        // Written by the fast writer itself: no fallback hides a difference.
        json_writer::write(&mut Vec::new(), &plot).expect("no fallback");
        plot
    }

    const GEOMETRY: &str = r#"{"type":"MultiPolygon","coordinates":[[[[11.49,53.31],[11.492,53.31],[11.492,53.311],[11.49,53.31]]]]}"#;

    fn plots(count: i64) -> Vec<GeoPlot> {
        (0..count)
            .map(|i| GeoPlot {
                plot: plot(i + 1),
                geometry: (i != 1).then(|| GEOMETRY.to_owned()),
            })
            .collect()
    }

    fn links() -> Vec<Link> {
        vec![Link {
            href: "http://x/plots?bbox=1,2,3,4&f=geojson&q=\"x\"".into(),
            rel: "self",
            type_: "application/geo+json",
        }]
    }

    /// A page's count (matches, area) and next cursor.
    type Shape = (Option<(i64, f64)>, Option<&'static str>);

    const PAGES: [Shape; 3] = [
        (None, None),
        (Some((12, 34567.8)), Some("abc")),
        (Some((1_000_000, 1.0)), None),
    ];

    /// Byte for byte what serde writes for the same page, with and without geometry, totals,
    /// a next page, distances, covers and internal facts.
    #[test]
    fn writes_what_serde_writes() {
        for (total, next) in PAGES {
            let total = total.map(|(n, area)| Total::of(n, area));
            for count in [0, 1, 3, 6] {
                let serde_bytes = serde_json::to_vec(&PlotFeatureCollection {
                    type_: "FeatureCollection",
                    number_returned: count as usize,
                    features: plots(count)
                        .into_iter()
                        .map(|GeoPlot { mut plot, geometry }| {
                            plot.geometry = geometry.and_then(|g| RawValue::from_string(g).ok());
                            plot.into_feature()
                        })
                        .collect(),
                    number_matched: total
                        .as_ref()
                        .filter(|t: &&Total| t.relation == "eq")
                        .map(|t| t.value),
                    total: total.clone(),
                    next_cursor: next.map(str::to_owned),
                    links: links(),
                })
                .unwrap();
                let ours = write(&plots(count), total.as_ref(), next, &links()).unwrap();
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    String::from_utf8(serde_bytes).unwrap(),
                    "{count} plots, total {total:?}, next {next:?}"
                );
            }
        }
    }

    /// The JSON page (geometry as a member, a `RawValue`) likewise.
    #[test]
    fn writes_json_pages_as_serde_does() {
        for (total, next) in PAGES {
            for count in [0, 1, 3, 6] {
                let page = || Page {
                    plots: plots(count),
                    total: total.map(|(n, area)| Total::of(n, area)),
                    next_cursor: next.map(str::to_owned),
                    links: links(),
                };
                let serde_page = page().into_page();
                let mut fast = Vec::new();
                json_writer::write(&mut fast, &serde_page).expect("no fallback");
                let serde_bytes = serde_json::to_vec(&serde_page).unwrap();
                assert_eq!(
                    String::from_utf8(page().json().unwrap()).unwrap(),
                    String::from_utf8(serde_bytes).unwrap(),
                    "{count} plots, total {total:?}, next {next:?}"
                );
            }
        }
    }
}
