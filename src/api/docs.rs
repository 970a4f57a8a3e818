//! The OpenAPI document, generated from the handlers and types by utoipa, and the offline
//! Swagger UI (bundled into the binary; nothing is fetched from a CDN).

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::error::Problem;
use super::plots::params::SearchParams;
use super::views;
use crate::domain::geometry::GeoJsonPolygonal;
use crate::domain::import::report::Located;
use crate::domain::import::{
    EstateImportItem, EstateImportReport, ImportItem, ImportProblem, ImportReport,
};
use crate::domain::plot;
use crate::domain::FieldError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gewerbeflächen API",
        description = "Shared commercial-land database (Gewerbeflächendatenbank) of a regional alliance of towns.\n\n\
Units: areas in m², distances in km, prices in € per m² as decimal strings. Geometry: GeoJSON (RFC 7946), `[lon, lat]` in EPSG:4326.\n\n\
Errors are `application/problem+json` (RFC 9457); validation problems list each failed field as a JSON pointer in `errors`. Their `title` and main `detail` follow `Accept-Language` (English by default, or German: `de`), with `Content-Language` set; field-level `errors[].detail` are translated for the most common rules only.\n\n\
Reading published plots needs no account. Staff authenticate with `Authorization: Bearer <token>`: a session token from `POST /auth/login`, or a long-lived API token from `POST /auth/tokens`. Roles: `admin` (whole region, accounts), `editor` (own municipalities), `viewer` (internal read). Every change needs `If-Match` with the plot's ETag (428 without, 412 when stale) and is recorded in the plot's history.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        super::plots::search::list_plots,
        super::plots::search::search_plots,
        super::plots::search::plot_facets,
        super::plots::search::compare_plots,
        super::plots::create_plot,
        super::plots::get_plot,
        super::plots::replace_plot,
        super::plots::patch_plot,
        super::plots::state::delete_plot,
        super::plots::state::confirm_plot,
        super::plots::state::publish_plot,
        super::plots::state::unpublish_plot,
        super::plots::state::restore_plot,
        super::plots::state::plot_history,
        super::media::upload_plot_media,
        super::media::list_plot_media,
        super::media::estate::upload_estate_media,
        super::media::estate::list_estate_media,
        super::media::get_media,
        super::media::patch_media,
        super::media::delete_media,
        super::media::serve::media_file,
        super::imports::import_plots,
        super::imports::estates::import_estates,
        super::imports::export::export_plots,
        super::auth::login,
        super::auth::logout,
        super::auth::logout_all,
        super::auth::change_password,
        super::auth::me,
        super::auth::tokens::list_tokens,
        super::auth::tokens::create_token,
        super::auth::tokens::revoke_token,
        super::auth::accounts::list_users,
        super::auth::accounts::create_user,
        super::auth::accounts::get_user,
        super::auth::accounts::update_user,
        super::places::list_regions,
        super::places::get_region,
        super::places::list_municipalities,
        super::places::get_municipality,
        super::places::list_estates,
        super::places::get_estate,
        super::places::create_region,
        super::places::replace_region,
        super::places::patch_region,
        super::places::delete_region,
        super::places::region_history,
        super::places::create_municipality,
        super::places::replace_municipality,
        super::places::patch_municipality,
        super::places::delete_municipality,
        super::places::municipality_history,
        super::places::create_estate,
        super::places::replace_estate,
        super::places::patch_estate,
        super::places::delete_estate,
        super::places::estate_history,
        super::places::restore_region,
        super::places::restore_municipality,
        super::places::restore_estate,
        super::checks::place_checks,
        super::monitoring::monitoring,
        super::changes::changes,
        super::changes::atom,
        super::webhooks::create_webhook,
        super::webhooks::list_webhooks,
        super::webhooks::get_webhook,
        super::webhooks::patch_webhook,
        super::webhooks::delete_webhook,
        super::webhooks::webhook_deliveries,
        super::monitoring::freshness::freshness_report,
        super::monitoring::reminders::create_feed,
        super::monitoring::reminders::list_feeds,
        super::monitoring::reminders::revoke_feed,
        super::monitoring::reminders::feed,
        super::monitoring::inquiries::demand,
        super::inquiries::submit_inquiry,
        super::inquiries::staff::list_inquiries,
        super::inquiries::staff::get_inquiry,
        super::inquiries::staff::patch_inquiry,
        super::inquiries::matches::inquiry_matches,
        super::inquiries::matches::send_shortlist,
        super::inquiries::privacy::export_person,
        super::inquiries::privacy::erase_person,
        super::alerts::subscribe,
        super::alerts::get_saved_search,
        super::alerts::delete_saved_search,
        super::alerts::feed,
        super::alerts::pages::confirm_page,
        super::alerts::pages::confirm,
        super::alerts::pages::unsubscribe_page,
        super::alerts::pages::unsubscribe,
        super::alerts::counts,
        super::shortlists::create_shortlist,
        super::shortlists::get_shortlist,
        super::shortlists::shortlist_qr,
        super::maps::tiles::plot_tile,
        super::maps::tiles::plot_tilejson,
        super::maps::profile::plot::plot_profile,
        super::maps::profile::image::plot_image,
        super::maps::profile::image::estate_image,
        super::maps::profile::estate::estate_profile,
        super::maps::preview::preview_link,
        super::health::healthz,
        super::health::readyz,
        super::ogc::landing::landing,
        super::ogc::landing::conformance,
        super::ogc::collections::list_collections,
        super::ogc::collections::get_collection,
        super::ogc::collections::get_queryables,
        super::ogc::items::items,
        super::ogc::items::item,
    ),
    components(schemas(
        plot::PlotData, plot::PlotStatus, plot::Zoning, plot::BplanStatus, plot::Servicing, plot::Offer, plot::OwnerType,
        GeoJsonPolygonal, views::Plot, views::PlotPage, views::PlotFeatureCollection, views::Link,
        views::Region, views::RegionDetail, views::Municipality, views::MunicipalityDetail,
        views::Estate, views::EstateDetail, views::PlotSummary, views::PlotHistory, views::HistoryEntry, ImportReport, ImportProblem, ImportItem, EstateImportReport, EstateImportItem, Located, super::auth::accounts::Account, super::auth::Session, super::plots::search::Facets, super::plots::search::SearchBody, Problem, FieldError, views::MultiPolygonDoc, views::PointDoc, views::PlotGeometryDoc,
        views::media::Media, views::media::MediaLinks, views::media::MediaList, views::media::EstateMediaList, views::media::MediaCover, crate::domain::media::MediaData, crate::domain::media::MediaKind,
        views::PlotWithWarnings, views::ChecksReport, views::MunicipalityFindings, views::KindTolerance, views::ChecksFeatureCollection, views::FindingFeature, views::FindingProperties,
        super::ogc::landing::Landing, super::ogc::landing::Conformance, super::ogc::collections::Collections, super::ogc::collections::CollectionInfo, super::ogc::collections::Extent, super::ogc::collections::SpatialExtent,
        crate::domain::checks::Finding, crate::domain::checks::FindingKind, crate::domain::checks::PlotRef, crate::domain::checks::EstateRef,
        super::changes::ChangePage, super::changes::Change, crate::domain::changes::ChangeKind, super::webhooks::Webhook, super::webhooks::NewWebhook, super::webhooks::WebhookRequest, super::webhooks::WebhookPatch, super::webhooks::Delivery, crate::domain::webhooks::WebhookState, super::monitoring::MonitoringReport, super::monitoring::RegionRef, crate::domain::monitoring::Definitions, crate::domain::monitoring::Figures, crate::domain::monitoring::Group, crate::domain::monitoring::Supply, crate::domain::monitoring::Bucket, crate::domain::monitoring::TakeUp, crate::domain::monitoring::TakeUpYear, crate::domain::monitoring::Reichweite, crate::domain::monitoring::PriceRange, super::monitoring::freshness::FreshnessReport, crate::domain::freshness::MunicipalityFreshness, crate::domain::freshness::PlotFreshness, super::monitoring::reminders::FeedRequest, super::monitoring::reminders::Feed, super::monitoring::reminders::NewFeed,
        crate::domain::inquiry::InquiryRequest, crate::domain::inquiry::PlotRef, crate::domain::inquiry::Profile, crate::domain::inquiry::Contact, crate::domain::inquiry::Consent, crate::domain::inquiry::Source, crate::domain::inquiry::InquiryStatus, crate::domain::inquiry::LostReason, crate::domain::inquiry::stats::DemandReport, crate::domain::inquiry::stats::DemandYear,
        super::inquiries::Received, super::inquiries::Inquiry, super::inquiries::ContactView, super::inquiries::RoutedTo, super::inquiries::InquiryHistoryEntry, super::inquiries::staff::InquiryPage, super::inquiries::staff::InquiryDetail, super::inquiries::staff::InquiryPatch, super::inquiries::matches::Match, super::inquiries::matches::Matches, super::inquiries::matches::ShortlistRequest, super::inquiries::privacy::PersonRequest, super::inquiries::privacy::PersonalData, super::inquiries::privacy::PersonalInquiry, super::inquiries::privacy::Erased, super::inquiries::privacy::PersonalSavedSearch,
        crate::domain::alerts::SubscribeRequest, super::alerts::Subscribed, super::alerts::SavedSearch, super::alerts::AlertCounts,
        super::inquiries::Received, super::inquiries::Inquiry, super::inquiries::ContactView, super::inquiries::RoutedTo, super::inquiries::InquiryHistoryEntry, super::inquiries::staff::InquiryPage, super::inquiries::staff::InquiryDetail, super::inquiries::staff::InquiryPatch, super::inquiries::matches::Match, super::inquiries::matches::Matches, super::inquiries::matches::ShortlistRequest, super::inquiries::privacy::PersonRequest, super::inquiries::privacy::PersonalData, super::inquiries::privacy::PersonalInquiry, super::inquiries::privacy::Erased,
        crate::domain::shortlist::CreateShortlist, super::shortlists::Shortlist,
    )),
    modifiers(&BearerAuth, &InlineFlattened, &PatchSchema, &BodyLists),
    tags(
        (name = "plots", description = "The plot register (Flächen)"),
        (name = "media", description = "Photos and documents of plots: upload, gallery order, cover, credits; files in three sizes at content-hashed URLs"),
        (name = "imports", description = "Bulk import and staff export in one schema, so export → edit → import round-trips"),
        (name = "accounts", description = "Login, API tokens, and accounts (admins)"),
        (name = "places", description = "Regions, municipalities and estates (Gewerbegebiete)"),
        (name = "maps", description = "Vector tiles, TileJSON and printable plot and estate profiles for maps on websites and trade-fair screens"),
        (name = "changes", description = "Changes of the public plots, for websites and portals that keep a copy in sync (and an Atom feed of new plots)"),
        (name = "monitoring", description = "Market monitoring (Flächenbilanz): supply, take-up, Reichweite, prices — for any past date"),
        (name = "inquiries", description = "Inquiries (leads) from investors, routed to the town owning the plots or to the region's admins; the staff pipeline, matching and data-protection requests"),
        (name = "alerts", description = "Saved searches with alerts: an Atom feed at a secret URL, or a digest by e-mail after double opt-in, of plots that newly match"),
        (name = "shortlists", description = "Shortlists: plots a visitor collected, behind a short unguessable link (a compare page, and a QR code for the kiosk)"),
        (name = "operations", description = "Health probes"),
        (name = "ogcapi", description = "OGC API – Features (Parts 1, 2, 3): the plots, estates and municipalities as feature collections for QGIS, ArcGIS and GDAL"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Session token (POST /auth/login) or API token (POST /auth/tokens)",
                    ))
                    .build(),
            ),
        );
    }
}

/// In the JSON body of `POST /plots/search` a list parameter may be a comma-separated text, an
/// array, or a single number or boolean (`params::list`), and a text parameter may be a number
/// (`params::text`); the derived schema only knows the query-string form (text),
/// so the body's members are widened here to what the body accepts.
struct BodyLists;

impl Modify for BodyLists {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::Schema;
        use utoipa::openapi::RefOr;
        fn object_of(schema: &mut RefOr<Schema>) -> Option<&mut utoipa::openapi::schema::Object> {
            match schema {
                RefOr::T(Schema::Object(object)) => Some(object),
                RefOr::T(Schema::AllOf(all)) => all.items.iter_mut().find_map(object_of),
                _ => None,
            }
        }
        let Some(body) = openapi
            .components
            .as_mut()
            .and_then(|c| c.schemas.get_mut("SearchBody"))
        else {
            return;
        };
        let RefOr::T(Schema::AllOf(all)) = body else {
            return;
        };
        let Some(params) = all
            .items
            .iter_mut()
            .find_map(|item| object_of(item).filter(|o| o.properties.contains_key("status")))
        else {
            return;
        };
        // Which members widen is found by asking the body's own deserializer, so a new list or
        // text parameter is documented as the body takes it without a list to keep here.
        let accepts = |name: &str, value: serde_json::Value| {
            serde_json::from_value::<SearchParams>(serde_json::json!({ name: value })).is_ok()
        };
        let names: Vec<String> = params.properties.keys().cloned().collect();
        for name in names {
            let Some(RefOr::T(Schema::Object(old))) = params.properties.get(&name) else {
                continue;
            };
            let old = serde_json::to_value(old).unwrap_or_default();
            if !old["type"].to_string().contains("string") {
                continue;
            }
            let widened = if accepts(&name, serde_json::json!(["x"])) {
                serde_json::json!({
                    "type": ["string", "number", "boolean", "array", "null"],
                    "items": {"type": ["string", "number", "boolean"]},
                    "description": old["description"].as_str().unwrap_or_default(),
                })
            } else if accepts(&name, serde_json::json!(5)) {
                let mut widened = old;
                widened["type"] = serde_json::json!(["string", "number", "null"]);
                widened
            } else {
                continue;
            };
            if let Ok(schema) = serde_json::from_value::<RefOr<Schema>>(widened) {
                params.properties.insert(name, schema);
            }
        }
    }
}

/// `PlotData` and the `Plot` view flatten the plot's facts into themselves (`#[serde(flatten)]`),
/// which utoipa documents as `allOf` of the parts. Clients see one object, so the document shows
/// one: the parts' members merged in the order serde writes them (`views::keys_in_order`).
struct InlineFlattened;

impl InlineFlattened {
    /// The object schema `part` stands for: itself, the component it refers to, or the object
    /// inside an optional part (`Option<InternalFacts>` is a `oneOf` with null).
    fn object(
        schemas: &std::collections::BTreeMap<
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        >,
        part: &utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    ) -> Option<utoipa::openapi::schema::Object> {
        use utoipa::openapi::schema::Schema;
        use utoipa::openapi::RefOr;
        match part {
            RefOr::Ref(reference) => {
                let name = reference.ref_location.rsplit('/').next()?;
                Self::object(schemas, schemas.get(name)?)
            }
            RefOr::T(Schema::Object(object)) => Some(object.clone()),
            RefOr::T(Schema::OneOf(one)) => one.items.iter().find_map(|i| Self::object(schemas, i)),
            _ => None,
        }
    }
}

impl Modify for InlineFlattened {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{Object, Schema, Type};
        use utoipa::openapi::RefOr;
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let example = match plot::example_plot_data() {
            serde_json::Value::Object(example) => plot::PlotData::from_object(example).ok(),
            _ => None,
        };
        let data_order = example
            .map(|d| views::keys_in_order(&d))
            .unwrap_or_default();
        for (name, order) in [
            ("PlotData", data_order.as_slice()),
            ("Plot", views::Plot::members()),
        ] {
            let Some(RefOr::T(Schema::AllOf(all))) = components.schemas.get(name).cloned() else {
                continue;
            };
            let mut merged = Object::with_type(Type::Object);
            if name == "PlotData" {
                // `PlotData::from_object` refuses members it does not know.
                merged.additional_properties = Some(Box::new(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ));
            }
            merged.description = all.description.clone();
            merged.example = all.example.clone();
            merged.examples = all.examples.clone();
            let mut properties = Vec::new();
            for part in &all.items {
                let Some(object) = Self::object(&components.schemas, part) else {
                    continue;
                };
                properties.extend(object.properties);
                merged.required.extend(object.required);
            }
            // Properties in serde's order, whatever utoipa's.
            properties
                .sort_by_key(|(key, _)| order.iter().position(|o| o == key).unwrap_or(usize::MAX));
            for (key, value) in properties {
                merged.properties.insert(key, value);
            }
            // `Feature<Plot>` holds the view inline as its `properties`.
            if name == "Plot" {
                if let Some(RefOr::T(Schema::Object(feature))) =
                    components.schemas.get_mut("Feature_Plot")
                {
                    feature.properties.insert(
                        "properties".into(),
                        RefOr::T(Schema::Object(merged.clone())),
                    );
                }
            }
            components
                .schemas
                .insert(name.to_owned(), RefOr::T(Schema::Object(merged)));
        }
        components.schemas.remove("PlotFacts");
        components.schemas.remove("InternalFacts");
    }
}

/// A merge patch (RFC 7396) of a plot is `PlotData` with every member optional: derived from
/// it here so the two cannot drift apart.
struct PatchSchema;

impl Modify for PatchSchema {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::Schema;
        use utoipa::openapi::{Ref, RefOr};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        // `fields=` may leave out any member of a plot but its id.
        if let Some(RefOr::T(Schema::Object(plot))) = components.schemas.get_mut("Plot") {
            plot.required.retain(|member| member == "id");
        }
        let Some(RefOr::T(Schema::Object(data))) = components.schemas.get("PlotData") else {
            return;
        };
        let mut patch = data.clone();
        patch.required.clear();
        patch.description = Some(
            "JSON Merge Patch (RFC 7396) of a plot: members present replace the stored ones, \
             `null` clears an optional member."
                .into(),
        );
        patch.example = None;
        patch.examples.clear();
        components
            .schemas
            .insert("PlotPatch".into(), RefOr::T(Schema::Object(patch)));
        let patch_operation = openapi
            .paths
            .paths
            .get_mut("/plots/{key}")
            .and_then(|item| item.patch.as_mut());
        if let Some(RefOr::T(body)) = patch_operation.and_then(|op| op.request_body.as_mut()) {
            for content in body.content.values_mut() {
                if let RefOr::T(content) = content {
                    content.schema = Some(RefOr::Ref(Ref::from_schema_name("PlotPatch")));
                }
            }
        }
    }
}

/// The document as served and as committed in `openapi/openapi.json`.
pub fn openapi_document() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document always serialises")
        + "\n"
}

/// Serves the UI at `/docs/` and the document at `/openapi.json`.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", ApiDoc::openapi())
}
