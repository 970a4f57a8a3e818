//! One page of a search in the asked form. As a GeoJSON FeatureCollection it is written straight
//! into one buffer: the hottest response of the service (issue 20: the API's CPU per bbox request).
//!
//! The bytes are those serde writes for `PlotFeatureCollection` (the test below compares them),
//! but each geometry is copied in as PostGIS wrote it (`ST_AsGeoJSON`), where the serde path
//! first parses it again into a `RawValue` to check it is JSON, and the buffer starts at the size
//! of the previous page instead of growing by doubling from 128 bytes.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

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
        write!(out, "{}", plot.id).map_err(serde_json::Error::io)?;
        out.extend_from_slice(br#","geometry":"#);
        // Written by ST_AsGeoJSON: JSON by construction.
        out.extend_from_slice(geometry.as_deref().unwrap_or("null").as_bytes());
        out.extend_from_slice(br#","properties":"#);
        serde_json::to_writer(&mut out, plot)?;
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
    serde_json::to_writer(&mut out, &tail)?;
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
    use super::*;
    use crate::api::views::PlotFeatureCollection;

    fn plot(id: i64, distance_m: Option<f64>) -> Plot {
        let mut plot = Plot::example();
        plot.id = id;
        // As searches make them: the geometry is the page's to write.
        plot.geometry = None;
        plot.distance_m = distance_m;
        plot.facts.title_de = format!("Fläche \"{id}\" <b>\u{1F3ED}</b>\n");
        plot
    }

    /// Byte for byte what serde writes for the same page, with and without geometry, totals,
    /// a next page and distances.
    #[test]
    fn writes_what_serde_writes() {
        let geometry = r#"{"type":"MultiPolygon","coordinates":[[[[11.49,53.31],[11.492,53.31],[11.492,53.311],[11.49,53.31]]]]}"#;
        let links = vec![Link {
            href: "http://x/plots?bbox=1,2,3,4&f=geojson".into(),
            rel: "self",
            type_: "application/geo+json",
        }];
        for (total, next) in [
            (None, None),
            (Some(Total::of(12, 34567.8)), Some("abc")),
            (Some(Total::of(1_000_000, 1.0)), None),
        ] {
            for count in [0, 1, 3] {
                let make = || -> Vec<(Plot, Option<String>)> {
                    (0..count)
                        .map(|i| {
                            let geometry = (i != 1).then(|| geometry.to_owned());
                            (plot(i + 1, (i == 2).then_some(12.3)), geometry)
                        })
                        .collect()
                };
                let serde_bytes = serde_json::to_vec(&PlotFeatureCollection {
                    type_: "FeatureCollection",
                    number_returned: count as usize,
                    features: make()
                        .into_iter()
                        .map(|(mut p, g)| {
                            p.geometry =
                                g.and_then(|g| serde_json::value::RawValue::from_string(g).ok());
                            p.into_feature()
                        })
                        .collect(),
                    number_matched: total
                        .as_ref()
                        .filter(|t: &&Total| t.relation == "eq")
                        .map(|t| t.value),
                    total: total.clone(),
                    next_cursor: next.map(str::to_owned),
                    links: links.clone(),
                })
                .unwrap();
                let plots: Vec<GeoPlot> = make()
                    .into_iter()
                    .map(|(plot, geometry)| GeoPlot { plot, geometry })
                    .collect();
                let ours = write(&plots, total.as_ref(), next, &links).unwrap();
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    String::from_utf8(serde_bytes).unwrap(),
                    "{count} plots, total {total:?}, next {next:?}"
                );
            }
        }
    }
}
