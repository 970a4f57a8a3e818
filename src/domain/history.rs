//! A plot's history: who changed it (`Actor`), through what (`Via`), which kind of change
//! (`HistoryAction`), and what changed between two states, field by field, in the write schema's
//! names (`PlotData`), so a history entry reads like the request that caused it.

use serde_json::{json, Map, Value};

use super::plot::{PlotData, ValidPlot};

/// Who makes a change, for the history.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `None` for changes outside the API (seeding).
    pub user_id: Option<i64>,
    /// As shown at the time.
    pub name: String,
    pub via: Via,
}

/// Through what a change came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Api,
    Import,
    Cli,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Api => "api",
            Via::Import => "import",
            Via::Cli => "cli",
        }
    }
}

/// What a history entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryAction {
    Create,
    Update,
    Publish,
    Unpublish,
    Delete,
    Restore,
    /// "Checked, still true": only `data_confirmed_on` changes (plots only).
    Confirm,
}

impl HistoryAction {
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryAction::Create => "create",
            HistoryAction::Update => "update",
            HistoryAction::Publish => "publish",
            HistoryAction::Unpublish => "unpublish",
            HistoryAction::Delete => "delete",
            HistoryAction::Restore => "restore",
            HistoryAction::Confirm => "confirm",
        }
    }
}

/// A plot's editable state in comparable form: prices in canonical decimal text, geometry as a
/// GeoJSON MultiPolygon with its geodesic area.
#[derive(Debug, Clone)]
pub struct Snapshot {
    fields: Map<String, Value>,
    /// Units: m².
    area_m2: f64,
}

impl Snapshot {
    /// `data` as stored (or read back); its geometry may be Polygon or MultiPolygon.
    pub fn new(data: &PlotData, area_m2: f64) -> Snapshot {
        Snapshot {
            fields: data.to_object(),
            area_m2,
        }
    }

    /// A place's state (`domain::place`): its write schema's members, the outline (`outline`)
    /// compared like a plot's geometry.
    ///
    /// `area_m2` — Units: m².
    pub fn of_fields(fields: Map<String, Value>, area_m2: f64) -> Snapshot {
        Snapshot { fields, area_m2 }
    }

    /// The state a validated plot will be stored in (validation puts prices and geometry in
    /// their stored form).
    pub fn of_valid(plot: &ValidPlot) -> Snapshot {
        Snapshot::new(&plot.data, plot.geometry.area_m2())
    }
}

/// Coordinates closer than this count as unchanged: the store keeps 7 decimals (≈1 cm).
/// Units: degrees.
const SAME_POSITION_DEG: f64 = 1.5e-7;

/// `[{"field", "from", "to"}]` for every field that differs. A geometry change is recorded with
/// the area on both sides, so "area before/after" is in the entry itself.
pub fn diff(before: Option<&Snapshot>, after: &Snapshot) -> Vec<Value> {
    let empty = Map::new();
    let old = before.map(|b| &b.fields).unwrap_or(&empty);
    let mut changes = Vec::new();
    for (field, to) in &after.fields {
        let from = old.get(field).unwrap_or(&Value::Null);
        if field == "geometry" || field == "outline" {
            if !same_geometry(from, to) {
                let side = |g: &Value, area: Option<f64>| match area {
                    Some(a) if !g.is_null() => {
                        json!({"area_m2": (a * 10.0).round() / 10.0, "geometry": g})
                    }
                    _ => Value::Null,
                };
                changes.push(json!({
                    "field": field,
                    "from": side(from, before.map(|b| b.area_m2)),
                    "to": side(to, Some(after.area_m2)),
                }));
            }
        } else if from != to && !(from.is_null() && to.is_null()) {
            changes.push(json!({"field": field, "from": from, "to": to}));
        }
    }
    changes
}

/// Equal shapes up to the store's precision, Polygon and one-part MultiPolygon alike.
pub fn same_geometry(a: &Value, b: &Value) -> bool {
    fn parts(g: &Value) -> Option<Vec<Value>> {
        let coordinates = g.get("coordinates")?.as_array()?;
        match g.get("type")?.as_str()? {
            "Polygon" => Some(vec![Value::Array(coordinates.clone())]),
            "MultiPolygon" => Some(coordinates.clone()),
            _ => None,
        }
    }
    fn close(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| close(p, q))
            }
            (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => (x - y).abs() <= SAME_POSITION_DEG,
                _ => false,
            },
            _ => false,
        }
    }
    match (parts(a), parts(b)) {
        (Some(x), Some(y)) => close(&Value::Array(x), &Value::Array(y)),
        _ => a.is_null() && b.is_null(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_equals_its_multipolygon_within_a_centimetre() {
        let p = json!({"type": "Polygon", "coordinates": [[[11.0, 53.0], [11.001, 53.0], [11.0, 53.001], [11.0, 53.0]]]});
        let m = json!({"type": "MultiPolygon", "coordinates": [[[[11.00000004, 53.0], [11.001, 53.0], [11.0, 53.001], [11.0, 53.0]]]]});
        assert!(same_geometry(&p, &m));
        let moved = json!({"type": "Polygon", "coordinates": [[[11.0, 53.0], [11.002, 53.0], [11.0, 53.001], [11.0, 53.0]]]});
        assert!(!same_geometry(&p, &moved));
    }
}
