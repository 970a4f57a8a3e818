//! The demand figures of inquiries (`GET /monitoring/inquiries`): aggregates only, in SQL.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::inquiry::stats;

#[derive(Debug, Clone, QueryableByName)]
struct Count {
    #[diesel(sql_type = Nullable<Integer>)]
    year: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(Debug, Clone, QueryableByName)]
struct Median {
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    hours: Option<f64>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `area` (SQL, units: m²) as the name of its size class (`stats::SIZE_CLASSES`), `unknown`
/// when NULL.
fn size_class_sql(area: &str) -> String {
    let mut case = format!("CASE WHEN {area} IS NULL THEN 'unknown'");
    for (from, name) in stats::SIZE_CLASSES.iter().rev() {
        case.push_str(&format!(" WHEN {area} >= {from} THEN '{name}'"));
    }
    case.push_str(" END");
    case
}

/// The demand figures: aggregates only (`domain::inquiry::stats`). Years are those of
/// Germany's calendar.
pub async fn demand(conn: &mut AsyncPgConnection) -> QueryResult<stats::DemandReport> {
    const YEAR: &str = "extract(year FROM i.created_at AT TIME ZONE 'Europe/Berlin')::int";
    const PLOT_YEAR: &str = "extract(year FROM p.created_at AT TIME ZONE 'Europe/Berlin')::int";
    let counts = |sql: String| diesel::sql_query(sql);
    let inquiries: Vec<Count> = counts(format!(
        "SELECT {YEAR} AS year, NULL::text AS key, count(*) AS n FROM inquiries i GROUP BY 1"
    ))
    .load(conn)
    .await?;
    let requested_sizes: Vec<Count> = counts(format!(
        "SELECT year, {} AS key, count(*) AS n FROM ( \
           SELECT {YEAR} AS year, coalesce((i.profile->>'area_min_m2')::float8, \
                  (i.profile->>'area_max_m2')::float8) AS area \
           FROM inquiries i WHERE i.kind = 'profile' \
           UNION ALL \
           SELECT {YEAR}, p.area_m2 FROM inquiries i JOIN plots p ON p.id = ANY(i.plot_ids) \
         ) t GROUP BY 1, 2",
        size_class_sql("area")
    ))
    .load(conn)
    .await?;
    let offered_sizes: Vec<Count> = counts(format!(
        "SELECT {PLOT_YEAR} AS year, {} AS key, count(*) AS n FROM plots p \
         WHERE p.published AND p.deleted_at IS NULL GROUP BY 1, 2",
        size_class_sql("p.area_m2")
    ))
    .load(conn)
    .await?;
    let requested_zonings: Vec<Count> = counts(format!(
        "SELECT year, key, count(*) AS n FROM ( \
           SELECT {YEAR} AS year, jsonb_array_elements_text(i.profile->'zonings') AS key \
           FROM inquiries i WHERE i.kind = 'profile' AND jsonb_typeof(i.profile->'zonings') = 'array' \
           UNION ALL \
           SELECT {YEAR}, p.zoning FROM inquiries i JOIN plots p ON p.id = ANY(i.plot_ids) \
         ) t GROUP BY 1, 2"
    ))
    .load(conn)
    .await?;
    let offered_zonings: Vec<Count> = counts(format!(
        "SELECT {PLOT_YEAR} AS year, p.zoning AS key, count(*) AS n FROM plots p \
         WHERE p.published AND p.deleted_at IS NULL GROUP BY 1, 2"
    ))
    .load(conn)
    .await?;
    let lost: Vec<Count> = counts(
        "SELECT NULL::int AS year, lost_reason AS key, count(*) AS n FROM inquiries \
         WHERE status = 'lost' GROUP BY 2"
            .into(),
    )
    .load(conn)
    .await?;
    let statuses: Vec<Count> = counts(
        "SELECT NULL::int AS year, status AS key, count(*) AS n FROM inquiries GROUP BY 2".into(),
    )
    .load(conn)
    .await?;
    let median: Median = diesel::sql_query(
        "SELECT percentile_cont(0.5) WITHIN GROUP \
           (ORDER BY extract(epoch FROM first_response_at - created_at) / 3600.0) AS hours, \
           count(*) AS n FROM inquiries WHERE first_response_at IS NOT NULL",
    )
    .get_result(conn)
    .await?;

    let mut years: std::collections::BTreeMap<i32, stats::DemandYear> = Default::default();
    fn entry(
        years: &mut std::collections::BTreeMap<i32, stats::DemandYear>,
        y: i32,
    ) -> &mut stats::DemandYear {
        years.entry(y).or_insert_with(|| stats::DemandYear {
            year: y,
            ..Default::default()
        })
    }
    for c in &inquiries {
        if let Some(y) = c.year {
            entry(&mut years, y).inquiries = c.n as u64;
        }
    }
    // Each list fills its own map of the year's entry.
    type Pick = fn(&mut stats::DemandYear) -> &mut std::collections::BTreeMap<String, u64>;
    let lists: [(&[Count], Pick); 4] = [
        (&requested_sizes, |y| &mut y.requested_size_classes),
        (&offered_sizes, |y| &mut y.offered_size_classes),
        (&requested_zonings, |y| &mut y.requested_zonings),
        (&offered_zonings, |y| &mut y.offered_zonings),
    ];
    for (rows, pick) in lists {
        for c in rows {
            if let (Some(y), Some(key)) = (c.year, &c.key) {
                *pick(entry(&mut years, y)).entry(key.clone()).or_default() += c.n as u64;
            }
        }
    }
    let by_key = |rows: Vec<Count>| {
        rows.into_iter()
            .filter_map(|c| c.key.map(|k| (k, c.n as u64)))
            .collect()
    };
    Ok(stats::DemandReport {
        years: years.into_values().rev().collect(),
        lost_reasons: by_key(lost),
        statuses: by_key(statuses),
        median_first_response_hours: median.hours.map(|h| (h * 10.0).round() / 10.0),
        answered: median.n as u64,
    })
}
