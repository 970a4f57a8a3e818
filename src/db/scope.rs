//! The one SQL condition of which plots a reader sees (`domain::access::PlotSet`). Every query on
//! plots (searches, single plots, tiles, counts of a place's plots) filters through it.

use super::sql::{sql, Bind, Sql};
use crate::domain::access::{PlotSet, ReadScope};

/// The condition on the `plots` table. `published` implies not deleted (CHECK
/// plots_deleted_not_published), which keeps the public condition on the column the partial
/// indexes use.
pub fn condition(set: &PlotSet) -> Sql {
    match set {
        PlotSet::Readable(ReadScope::Public) => sql!["plots.published"],
        PlotSet::Readable(ReadScope::Region) => sql!["plots.deleted_at IS NULL"],
        // A bound array: one prepared statement serves every editor.
        PlotSet::Readable(ReadScope::Municipalities(ids)) => sql![
            "(plots.published OR (plots.deleted_at IS NULL AND plots.municipality_id = ANY(",
            Bind::I64s(ids.clone()),
            ")))"
        ],
        PlotSet::Deleted => sql!["plots.deleted_at IS NOT NULL"],
    }
}
