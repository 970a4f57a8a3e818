//! What differs between a plot's items and an estate's: who may change them, where the change
//! is recorded, and when credit and licence are required (docs/media.md).

use diesel_async::AsyncPgConnection;
use serde_json::Value;

use crate::api::error::ApiError;
use crate::api::extract::Caller;
use crate::db;
use crate::domain::access::{self, PlaceAction, PlotAction};
use crate::domain::history::Actor;
use crate::domain::media::{credit_errors, MediaData, MediaOwner};
use crate::domain::place::PlaceKind;

/// Whether the caller may upload, change or delete items of `owner` (in `municipality`).
pub(super) async fn authorize_edit(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    owner: MediaOwner,
    municipality: i64,
) -> Result<(), ApiError> {
    match owner {
        MediaOwner::Plot(_) => {
            caller
                .authorize_named(
                    conn,
                    PlotAction::EditMedia {
                        current: municipality,
                    },
                )
                .await
        }
        MediaOwner::Estate(_) => {
            let action = PlaceAction::EditEstateMedia {
                current: municipality,
            };
            match access::authorize_place(caller.principal(), action) {
                Ok(()) => Ok(()),
                Err(denied) => Err(crate::api::extract::refusal(conn, denied).await),
            }
        }
    }
}

/// Records a change of an item in its owner's history (the owner's version goes up).
pub(super) async fn touch(
    conn: &mut AsyncPgConnection,
    owner: MediaOwner,
    actor: &Actor,
    change: &Value,
) -> Result<(), ApiError> {
    match owner {
        MediaOwner::Plot(id) => db::plots::touch(conn, id, actor, change).await?,
        MediaOwner::Estate(id) => {
            db::place_writes::touch(conn, PlaceKind::Estate, id, actor, change).await?
        }
    };
    Ok(())
}

/// The credit rule (`domain::media::credit_errors`): 422 naming the missing fields.
pub(super) fn check_credit(
    owner: MediaOwner,
    owner_published: bool,
    data: &MediaData,
) -> Result<(), ApiError> {
    let errors = credit_errors(owner, owner_published, data);
    match errors.is_empty() {
        true => Ok(()),
        false => Err(ApiError::Validation(errors)),
    }
}

/// A new item of `owner`, inside the caller's transaction: the credit rule, at most one cover
/// (the old one cleared before the insert: the index allows one per owner at any moment), the
/// row, and the entry in the owner's history.
pub(super) async fn insert(
    conn: &mut AsyncPgConnection,
    owner: MediaOwner,
    owner_published: bool,
    received: &super::Received,
    actor: &Actor,
) -> Result<db::media::MediaRow, ApiError> {
    check_credit(owner, owner_published, &received.data)?;
    let new = received.row(owner);
    if new.cover {
        db::media::clear_cover(conn, owner, 0).await?;
    }
    let row = db::media::insert(conn, &new).await?;
    let change = serde_json::json!([{"field": "media", "from": null, "to": super::summary(&row)}]);
    touch(conn, owner, actor, &change).await?;
    Ok(row)
}

/// `201 Created` with the item and its `Location`.
pub(super) fn created(row: db::media::MediaRow, base: &str) -> actix_web::HttpResponse {
    use actix_web::http::header::{HeaderValue, LOCATION};
    let location = format!("{base}/media/{}", row.id);
    let mut response = super::media_response(actix_web::http::StatusCode::CREATED, row, base);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}
