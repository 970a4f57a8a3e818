//! cql2-json: the same subset as cql2-text (`cql2`), from `{"op": …, "args": […]}` trees.
//! Errors name the JSON pointer of the offending member.

use serde_json::Value as Json;

use super::cql2::{
    bbox_polygon, dwithin_distance, typed, CompareOp, Context, Filter, FilterError, Geometry, Raw,
    SpatialOp, MAX_DEPTH, MAX_FILTER_BYTES, MAX_NODES,
};
use super::queryables::{Kind, Queryable};

/// Parses a cql2-json filter (the text of a JSON document).
pub fn parse_json(text: &str, context: Context) -> Result<Filter, FilterError> {
    let fail = |pointer: &str, detail: String| FilterError {
        position: format!("`{}`", if pointer.is_empty() { "/" } else { pointer }),
        detail,
    };
    if text.len() > MAX_FILTER_BYTES {
        return Err(fail(
            "",
            format!("the filter is longer than {MAX_FILTER_BYTES} bytes"),
        ));
    }
    // serde_json stops at 128 levels itself; our own limit is checked while walking.
    let json: Json = serde_json::from_str(text).map_err(|e| FilterError {
        position: format!("line {} column {}", e.line(), e.column()),
        detail: format!("not JSON: {e}"),
    })?;
    let mut walker = Walker { context, nodes: 0 };
    walker
        .expr(&json, "", 0)
        .map_err(|(pointer, detail)| fail(&pointer, detail))
}

type Failure = (String, String);

struct Walker<'a> {
    context: Context<'a>,
    nodes: usize,
}

impl Walker<'_> {
    fn expr(&mut self, json: &Json, at: &str, depth: usize) -> Result<Filter, Failure> {
        if depth > MAX_DEPTH {
            return Err((at.into(), format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err((
                at.into(),
                format!("more than {MAX_NODES} predicates and values"),
            ));
        }
        let Some(op) = json.get("op").and_then(Json::as_str) else {
            return Err((at.into(), "expected an object with `op` and `args`".into()));
        };
        let Some(args) = json.get("args").and_then(Json::as_array) else {
            return Err((format!("{at}/args"), "expected an array".into()));
        };
        let arg = |i: usize| format!("{at}/args/{i}");
        let arity = |n: usize| -> Result<(), Failure> {
            if args.len() == n {
                Ok(())
            } else {
                Err((format!("{at}/args"), format!("`{op}` takes {n} arguments")))
            }
        };
        let lower = op.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "and" | "or" => {
                if args.len() < 2 {
                    return Err((
                        format!("{at}/args"),
                        format!("`{op}` takes 2 or more arguments"),
                    ));
                }
                let parts = args
                    .iter()
                    .enumerate()
                    .map(|(i, a)| self.expr(a, &arg(i), depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                if lower == "and" {
                    Filter::And(parts)
                } else {
                    Filter::Or(parts)
                }
            }
            "not" => {
                arity(1)?;
                Filter::Not(Box::new(self.expr(&args[0], &arg(0), depth + 1)?))
            }
            "=" | "<>" | "<" | ">" | "<=" | ">=" => {
                arity(2)?;
                let property = self.property(&args[0], &arg(0))?;
                let op = match lower.as_str() {
                    "=" => CompareOp::Eq,
                    "<>" => CompareOp::Ne,
                    "<" => CompareOp::Lt,
                    ">" => CompareOp::Gt,
                    "<=" => CompareOp::Le,
                    _ => CompareOp::Ge,
                };
                Filter::Compare(property, op, self.literal(&args[1], property, &arg(1))?)
            }
            "like" => {
                arity(2)?;
                let property = self.property(&args[0], &arg(0))?;
                if !matches!(property.kind, Kind::Text | Kind::Enum(_)) {
                    return Err((
                        arg(0),
                        format!("`{}` is not text: like needs text", property.name),
                    ));
                }
                match self.literal(&args[1], property, &arg(1))? {
                    super::cql2::Value::Text(p) => Filter::Like(property, p),
                    _ => return Err((arg(1), "expected text".into())),
                }
            }
            "in" => {
                arity(2)?;
                let property = self.property(&args[0], &arg(0))?;
                let Some(list) = args[1].as_array().filter(|l| !l.is_empty()) else {
                    return Err((arg(1), "expected a non-empty array of values".into()));
                };
                let values = list
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.literal(v, property, &format!("{}/{i}", arg(1))))
                    .collect::<Result<Vec<_>, _>>()?;
                Filter::In(property, values)
            }
            "between" => {
                arity(3)?;
                let property = self.property(&args[0], &arg(0))?;
                Filter::Between(
                    property,
                    self.literal(&args[1], property, &arg(1))?,
                    self.literal(&args[2], property, &arg(2))?,
                )
            }
            "isnull" => {
                arity(1)?;
                Filter::IsNull(self.property(&args[0], &arg(0))?)
            }
            "s_intersects" | "s_within" | "s_contains" | "s_disjoint" => {
                arity(2)?;
                let op = match lower.as_str() {
                    "s_intersects" => SpatialOp::Intersects,
                    "s_within" => SpatialOp::Within,
                    "s_contains" => SpatialOp::Contains,
                    _ => SpatialOp::Disjoint,
                };
                let property = self.property(&args[0], &arg(0))?;
                if property.kind != Kind::Geometry {
                    return Err((arg(0), format!("`{}` is not a geometry", property.name)));
                }
                Filter::Spatial(op, property, self.geometry(&args[1], &arg(1))?)
            }
            "s_dwithin" => {
                arity(3)?;
                let property = self.property(&args[0], &arg(0))?;
                if property.kind != Kind::Geometry {
                    return Err((arg(0), format!("`{}` is not a geometry", property.name)));
                }
                let geometry = self.geometry(&args[1], &arg(1))?;
                let metres = args[2]
                    .as_f64()
                    .ok_or_else(|| "expected a number".to_owned())
                    .and_then(dwithin_distance)
                    .map_err(|e| (arg(2), e))?;
                Filter::WithinDistance(property, geometry, metres)
            }
            _ => {
                return Err((
                    format!("{at}/op"),
                    format!(
                        "unsupported operator `{}`",
                        op.chars().take(40).collect::<String>()
                    ),
                ))
            }
        })
    }

    fn property(&self, json: &Json, at: &str) -> Result<&'static Queryable, Failure> {
        let Some(name) = json.get("property").and_then(Json::as_str) else {
            return Err((at.into(), "expected {\"property\": name}".into()));
        };
        let property = self
            .context
            .property(name)
            .map_err(|e| (at.to_owned(), e))?;
        if property.kind == Kind::Geometry && json.get("op").is_none() {
            // Checked by callers that take geometries; comparisons must not.
        }
        Ok(property)
    }

    fn literal(
        &mut self,
        json: &Json,
        property: &Queryable,
        at: &str,
    ) -> Result<super::cql2::Value, Failure> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err((
                at.into(),
                format!("more than {MAX_NODES} predicates and values"),
            ));
        }
        if property.kind == Kind::Geometry {
            return Err((
                at.into(),
                "a geometry is compared with s_intersects and the like".into(),
            ));
        }
        let raw = match json {
            Json::String(s) => Raw::Text(s.clone()),
            Json::Number(n) => Raw::Number(n.as_f64().unwrap_or(f64::NAN)),
            Json::Bool(b) => Raw::Bool(*b),
            Json::Object(o) if o.len() == 1 && o.get("date").is_some_and(Json::is_string) => {
                Raw::Date(o["date"].as_str().unwrap_or_default().to_owned())
            }
            Json::Object(o) if o.len() == 1 && o.get("timestamp").is_some_and(Json::is_string) => {
                Raw::Timestamp(o["timestamp"].as_str().unwrap_or_default().to_owned())
            }
            _ => return Err((at.into(), "expected a value".into())),
        };
        typed(raw, property).map_err(|e| (at.to_owned(), e))
    }

    /// A GeoJSON geometry or `{"bbox": [...]}`, in the filter's CRS axis order.
    fn geometry(&mut self, json: &Json, at: &str) -> Result<Geometry, Failure> {
        let crs = self.context.crs;
        let value = if let Some(bbox) = json.get("bbox").and_then(Json::as_array) {
            let numbers: Option<Vec<f64>> = bbox.iter().map(Json::as_f64).collect();
            let numbers =
                numbers.ok_or_else(|| (format!("{at}/bbox"), "expected numbers".to_owned()))?;
            bbox_polygon(&numbers, crs).map_err(|e| (format!("{at}/bbox"), e))?
        } else {
            let kind = json.get("type").and_then(Json::as_str).unwrap_or_default();
            if !matches!(kind, "Point" | "LineString" | "Polygon" | "MultiPolygon") {
                return Err((
                    at.into(),
                    "expected a GeoJSON Point, LineString, Polygon or MultiPolygon, or {\"bbox\": […]}".into(),
                ));
            }
            let Some(coordinates) = json.get("coordinates") else {
                return Err((format!("{at}/coordinates"), "missing".into()));
            };
            let mut count = 0usize;
            let coordinates =
                axes(coordinates, crs, &mut count).map_err(|e| (format!("{at}/coordinates"), e))?;
            self.nodes += count / 4;
            if self.nodes > MAX_NODES * 4 {
                return Err((format!("{at}/coordinates"), "too many positions".into()));
            }
            serde_json::json!({"type": kind, "coordinates": coordinates})
        };
        Ok(Geometry {
            geojson: value.to_string(),
            srid: crs.srid(),
        })
    }
}

/// Coordinates with positions turned into (x, y) order; only numbers and arrays pass.
fn axes(json: &Json, crs: super::crs::OgcCrs, count: &mut usize) -> Result<Json, String> {
    let Some(list) = json.as_array() else {
        return Err("expected arrays of positions".into());
    };
    if list.first().is_some_and(Json::is_number) {
        let n: Option<Vec<f64>> = list.iter().map(Json::as_f64).collect();
        let n = n.filter(|n| (2..=3).contains(&n.len()) && n.iter().all(|v| v.is_finite()));
        let Some(n) = n else {
            return Err("a position is 2 or 3 numbers".into());
        };
        *count += 1;
        let (x, y) = crs.to_xy(n[0], n[1]);
        if !crs.contains(x, y) {
            return Err(format!("position out of range ({})", crs.range_text()));
        }
        return Ok(serde_json::json!([x, y]));
    }
    list.iter()
        .map(|item| axes(item, crs, count))
        .collect::<Result<Vec<_>, _>>()
        .map(Json::Array)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ogc::{queryables, Collection, OgcCrs};

    fn parse(text: &str) -> Result<Filter, FilterError> {
        parse_json(
            text,
            Context::new(queryables(Collection::Plots), OgcCrs::CRS84),
        )
    }

    #[test]
    fn reads_the_subset() {
        let f = parse(r#"{"op":"and","args":[{"op":"=","args":[{"property":"status"},"available"]},{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[11.4,53.2,11.7,53.4]}]}]}"#).unwrap();
        assert!(matches!(f, Filter::And(ref p) if p.len() == 2));
        assert!(parse(r#"{"op":"in","args":[{"property":"zoning"},["GI","GE"]]}"#).is_ok());
        assert!(parse(r#"{"op":"isNull","args":[{"property":"estate_id"}]}"#).is_ok());
        assert!(parse(r#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[11.5,53.3]}]}"#).is_ok());
    }

    #[test]
    fn errors_name_the_pointer() {
        let e = parse(r#"{"op":"and","args":[{"op":"=","args":[{"property":"status"},"available"]},{"op":"=","args":[{"property":"colour"},"red"]}]}"#).unwrap_err();
        assert_eq!(e.position, "`/args/1/args/0`");
        assert!(parse("{").is_err());
        let mut deep = r#"{"op":"=","args":[{"property":"id"},1]}"#.to_owned();
        for _ in 0..30 {
            deep = format!(r#"{{"op":"not","args":[{deep}]}}"#);
        }
        assert!(parse(&deep).unwrap_err().detail.contains("nested"));
    }
}
