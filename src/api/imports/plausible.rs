//! The plausibility warnings of an import that need the database (`domain::plausibility`): an
//! outline outside its municipality, a position-only plot far from its estate. Measured in one
//! statement per chunk of planned records (`db::checks::imported`), never per feature.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;

use super::Planned;
use crate::api::error::ApiError;
use crate::db;
use crate::db::checks::ImportedOutline;
use crate::domain::import::{GeometryInput, ImportProblem, Plan, Record};
use crate::domain::plausibility;

/// What a chunk's records were, for the warnings about them: feature → (CSV line, whether only
/// a position was given).
pub(super) type Origins = HashMap<usize, (Option<usize>, bool)>;

pub(super) fn origins<'a>(records: impl Iterator<Item = &'a Record>) -> Origins {
    records
        .map(|r| {
            let point = matches!(r.geometry, GeometryInput::Point(..));
            (r.feature, (r.line, point))
        })
        .collect()
}

/// The warnings about the outlines a chunk creates or updates.
pub(super) async fn warnings(
    conn: &mut AsyncPgConnection,
    planned: &[Planned],
    origins: &Origins,
) -> Result<Vec<ImportProblem>, ApiError> {
    let mut outlines = Vec::new();
    let mut about = Vec::new();
    for (feature, plan) in planned {
        let Ok((reference, Plan::Create { plot, .. } | Plan::Update { plot, .. })) = plan else {
            continue;
        };
        let (line, placeholder) = origins.get(feature).copied().unwrap_or((None, false));
        outlines.push(ImportedOutline {
            geojson: plot.geometry.to_geojson_string(),
            municipality_id: plot.data.facts.municipality_id,
            estate_id: plot.data.facts.estate_id,
            placeholder,
        });
        about.push((*feature, line, reference.clone(), plot.geometry.area_m2()));
    }
    let measured = db::checks::imported(conn, &outlines).await?;
    let mut warnings = Vec::new();
    for ((feature, line, reference, area_m2), m) in about.into_iter().zip(measured) {
        let texts = [
            m.outside_m2
                .and_then(|outside| plausibility::outside_municipality(outside, area_m2)),
            m.estate
                .and_then(|(name, distance)| plausibility::placeholder_far(distance, &name)),
        ];
        for text in texts.into_iter().flatten() {
            warnings.push(ImportProblem {
                reference: Some(reference.clone()),
                ..ImportProblem::new(Some(feature), line, Some("geometry"), text)
            });
        }
    }
    Ok(warnings)
}
