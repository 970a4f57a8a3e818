//! A checked CQL2 filter (`domain::ogc::cql2`) as SQL: column names come from the queryables
//! (our text), every literal and geometry is a bound value. Geometries are made valid and
//! transformed to EPSG:4326 by PostGIS before the spatial test.

use super::sql::{sql, Bind, Sql};
use crate::domain::ogc::cql2::{Filter, Geometry, Value};

fn bind(value: &Value) -> Bind {
    match value {
        Value::Text(s) => Bind::Text(s.clone()),
        Value::Number(n) => Bind::F64(*n),
        Value::Integer(n) => Bind::I64(*n),
        Value::Bool(b) => Bind::Bool(*b),
        Value::Date(d) => Bind::Date(*d),
        Value::Timestamp(t) => Bind::Timestamp(*t),
    }
}

fn geometry(g: &Geometry) -> Sql {
    let shape = sql![
        "ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(",
        Bind::Text(g.geojson.clone()),
        format!("), {}))", g.srid)
    ];
    if g.srid == 4326 {
        shape
    } else {
        sql!["ST_Transform(", shape, ", 4326)"]
    }
}

/// The condition of a filter. Planned per execution: filter shapes vary without end and must
/// not fill the per-connection statement cache.
pub fn filter_sql(filter: &Filter) -> Sql {
    let mut condition = condition(filter);
    condition.plan_per_execution = true;
    condition
}

fn condition(filter: &Filter) -> Sql {
    match filter {
        Filter::And(parts) => sql![
            "(",
            Sql::join(parts.iter().map(condition).collect(), " AND "),
            ")"
        ],
        Filter::Or(parts) => sql![
            "(",
            Sql::join(parts.iter().map(condition).collect(), " OR "),
            ")"
        ],
        Filter::Not(inner) => sql!["(NOT ", condition(inner), ")"],
        Filter::Compare(q, op, value) => sql![q.column, op.sql(), bind(value)],
        // No escape character: a pattern ending in `\` must not become an SQL error.
        Filter::Like(q, pattern) => sql![
            q.column,
            " LIKE ",
            Bind::Text(pattern.clone()),
            " ESCAPE ''"
        ],
        Filter::In(q, values) => sql![
            q.column,
            " IN (",
            Sql::join(values.iter().map(|v| sql![bind(v)]).collect(), ", "),
            ")"
        ],
        Filter::Between(q, low, high) => {
            sql![q.column, " BETWEEN ", bind(low), " AND ", bind(high)]
        }
        Filter::IsNull(q) => sql![q.column, " IS NULL"],
        Filter::Spatial(op, q, g) => sql![op.sql(), "(", q.column, ", ", geometry(g), ")"],
        // On geography, so the distance is metres on the ellipsoid; for plots the expression
        // is the one of the index `plots_geog_gist`, which keeps this an index search.
        Filter::WithinDistance(q, g, metres) => sql![
            "ST_DWithin(",
            q.column,
            "::geography, (",
            geometry(g),
            ")::geography, ",
            Bind::F64(*metres),
            ")"
        ],
    }
}
