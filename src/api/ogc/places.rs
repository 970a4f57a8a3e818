//! Items of `estates` and `municipalities`: the shapes and page from `db::ogc`, the properties
//! from the same rows and views as `/estates` and `/municipalities`.

use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

use super::page::{page_links, respond, OgcArgs};
use super::query_without;
use crate::api::error::ApiError;
use crate::api::extract::Caller;
use crate::api::views::{Estate, Municipality};
use crate::api::AppState;
use crate::db;
use crate::db::ogc::{PlaceQuery, PlaceShape};
use crate::domain::ogc::{Collection, OgcCrs};

pub(super) async fn items(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    c: Collection,
    args: OgcArgs,
) -> Result<HttpResponse, ApiError> {
    if let Some((name, _)) = args.rest.first() {
        return Err(ApiError::bad_parameter(
            name,
            format!(
                "unknown parameter for `{}`; the plot filters apply to `plots` only",
                c.id()
            ),
        ));
    }
    let query = PlaceQuery {
        bbox: args.bbox,
        updated: args.updated,
        filter: args.filter.clone(),
        id: None,
        crs: args.crs,
        limit: args.limit,
        offset: args.offset,
    };
    let (features, matched) = load(state, caller, c, &query).await?;
    let base = state.base_url(req);
    let path = format!("{base}/collections/{}/items", c.id());
    let at = |offset: i64| {
        format!(
            "{path}?{}",
            query_without(req, &["offset"], &[("offset", offset.to_string())])
        )
    };
    let end = args.offset + features.len() as i64;
    let next = (end < matched && !features.is_empty()).then(|| at(end));
    let prev = (args.offset > 0).then(|| at((args.offset - args.limit).max(0)));
    let links = page_links(req, &path, args.out, next, prev);
    let matched = (!features.is_empty() || args.offset == 0).then_some(matched);
    respond(state, c, args.out, args.crs, features, matched, links)
}

pub(super) async fn one(
    state: &AppState,
    caller: &Caller,
    c: Collection,
    id: i64,
    crs: OgcCrs,
) -> Result<Option<Value>, ApiError> {
    let query = PlaceQuery {
        id: Some(id),
        crs,
        limit: 1,
        ..PlaceQuery::default()
    };
    Ok(load(state, caller, c, &query).await?.0.into_iter().next())
}

/// The page's features and the number of all matches.
async fn load(
    state: &AppState,
    caller: &Caller,
    c: Collection,
    query: &PlaceQuery,
) -> Result<(Vec<Value>, i64), ApiError> {
    let set = caller.plot_set();
    let mut conn = state.pool.get().await?;
    let shapes = db::ogc::places(&mut conn, c, &set, query).await?;
    let matched = shapes.first().map_or(0, |s| s.matched);
    if shapes.is_empty() {
        return Ok((Vec::new(), matched));
    }
    // The properties come from the lists `/estates` and `/municipalities` serve (a region has
    // dozens to hundreds of places), so both show the same.
    let properties = |shape: &PlaceShape, props: Value| {
        let mut props = props;
        if let Some(o) = props.as_object_mut() {
            o.remove("outline");
        }
        serde_json::json!({
            "type": "Feature",
            "id": shape.id,
            "geometry": shape.geometry.as_deref().and_then(|g| serde_json::from_str::<Value>(g).ok()),
            "properties": props,
        })
    };
    let features = match c {
        Collection::Estates => {
            let rows = db::places::estates(&mut conn, &set, None).await?;
            shapes
                .iter()
                .filter_map(|s| {
                    let (row, count) = rows.iter().find(|(r, _)| r.id == s.id)?;
                    let view = Estate::from_row(row.clone(), *count);
                    Some(properties(s, serde_json::to_value(view).ok()?))
                })
                .collect()
        }
        _ => {
            let rows = db::places::municipalities(&mut conn, &set, None).await?;
            shapes
                .iter()
                .filter_map(|s| {
                    let (row, count) = rows.iter().find(|(r, _)| r.id == s.id)?;
                    let view = Municipality::from_row(row.clone(), *count);
                    Some(properties(s, serde_json::to_value(view).ok()?))
                })
                .collect()
        }
    };
    Ok((features, matched))
}
