//! Refusals in words a town officer understands: a thing of another municipality is named by
//! that town's name and AGS, which the domain's decision (`Denied`) does not know.

use diesel_async::AsyncPgConnection;

use super::error::ApiError;
use crate::db;
use crate::domain::access::Denied;

/// `denied` as a problem; a foreign municipality is looked up and named ("Grabow (AGS
/// 13076050)"), falling back to its id if the lookup fails.
pub async fn worded(conn: &mut AsyncPgConnection, denied: Denied) -> ApiError {
    match denied {
        Denied::ForeignMunicipality {
            municipality_id,
            doing,
        } => {
            let town = match db::places::municipality(conn, municipality_id).await {
                Ok(Some(m)) => format!("{} (AGS {})", m.name, m.ags),
                _ => format!("municipality {municipality_id}"),
            };
            ApiError::Forbidden(doing.refusal(&town))
        }
        other => ApiError::from(other),
    }
}
