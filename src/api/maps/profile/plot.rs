//! The printable profile (exposé) of a published plot, filled from the stored plot and the
//! places it borrows from: its estate's location facts where it states none
//! (`domain::place::location_for_plot`), and the contact of plot, estate or municipality
//! (`domain::place::contact_for_plot`).

use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};

use super::{
    contact_section, date, definitions, labels, location_rows, m2, number, text, Fact, Layout,
    ProfileParams,
};
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, QueryParams};
use crate::api::maps::pages::html_response;
use crate::api::AppState;
use crate::db;
use crate::db::places::{EstateRow, MunicipalityContactRow};
use crate::db::plots::PlotRow;
use crate::domain::access::{PlotSet, ReadScope};
use crate::domain::money::indicative_total;
use crate::domain::place::{
    contact_for_plot, location_for_plot, Contact, LocationFacts, ShownLocation,
};
use crate::domain::plot::{parcel, Lang, PlotFacts, PlotKey, Vocabulary};

/// A plot's own location facts (it names no junction, station, port or airport).
fn own_location(f: &PlotFacts) -> LocationFacts {
    LocationFacts {
        dist_motorway_km: f.dist_motorway_km,
        dist_rail_station_km: f.dist_rail_station_km,
        dist_port_km: f.dist_port_km,
        dist_airport_km: f.dist_airport_km,
        broadband_mbit: f.broadband_mbit,
        fibre: f.fibre,
        ..LocationFacts::default()
    }
}

pub(crate) fn estate_location(e: &EstateRow) -> LocationFacts {
    LocationFacts {
        motorway_junction: e.motorway_junction.clone(),
        dist_motorway_km: e.dist_motorway_km,
        rail_station: e.rail_station.clone(),
        dist_rail_station_km: e.dist_rail_station_km,
        port: e.port.clone(),
        dist_port_km: e.dist_port_km,
        airport: e.airport.clone(),
        dist_airport_km: e.dist_airport_km,
        broadband_mbit: e.broadband_mbit,
        fibre: e.fibre,
    }
}

pub(crate) fn estate_contact(e: &EstateRow) -> Contact {
    Contact {
        name: e.contact_name.clone(),
        phone: e.contact_phone.clone(),
        email: e.contact_email.clone(),
        website: None,
    }
}

pub(crate) fn municipality_contact(m: &MunicipalityContactRow) -> Contact {
    Contact {
        name: m.contact_name.clone(),
        phone: m.contact_phone.clone(),
        email: m.contact_email.clone(),
        website: m.contact_website.clone(),
    }
}

fn m2_ha(value: f64, lang: Lang) -> String {
    format!(
        "{} ({} ha)",
        m2(value, lang),
        number(value / 10_000.0, 2, lang)
    )
}

fn euros(value: i64, lang: Lang) -> String {
    let n = number(value as f64, 0, lang);
    match lang {
        Lang::De => format!("{n} €"),
        Lang::En => format!("€{n}"),
    }
}

/// The centre of an outline's bounding box (GeoJSON in EPSG:4326): `[lon, lat]`.
pub(super) fn centre(geometry: &str) -> Option<(f64, f64)> {
    let value: serde_json::Value = serde_json::from_str(geometry).ok()?;
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    fn walk(v: &serde_json::Value, b: &mut [f64; 4]) {
        match v.as_array() {
            Some(a) if a.len() >= 2 && a[0].is_number() => {
                let (x, y) = (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
                *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
            }
            Some(a) => a.iter().for_each(|c| walk(c, b)),
            None => {}
        }
    }
    walk(value.get("coordinates")?, &mut b);
    b[0].is_finite()
        .then(|| ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0))
}

/// Title, description, canonical URL, alternates, OpenGraph and schema.org JSON-LD (a `Place`
/// with `geo`, an `Offer` with the price range per m²) of a published plot: public facts only.
fn seo_head(
    row: &PlotRow,
    geometry: Option<&str>,
    municipality: &str,
    lang: Lang,
    base: &str,
    title: &str,
    description: Option<&str>,
) -> Markup {
    let f = &row.facts;
    let area = f.area_stated_m2.map_or(row.area_geodesic_m2, |a| a as f64);
    let summary = format!(
        "{} · {} · {} · {}",
        m2_ha(area, lang),
        f.zoning.label(lang),
        f.status.label(lang),
        municipality
    );
    let text = match description {
        Some(d) => crate::api::portal::seo::short(&format!("{summary}. {d}"), 160),
        None => summary,
    };
    let encoded = form_urlencoded::byte_serialize(f.reference.as_bytes()).collect::<String>();
    let path = format!("/plots/{encoded}/profile");
    let image = format!("/plots/{encoded}/image.png");
    let alt = match lang {
        Lang::De => format!("Lage der Fläche {} auf der Karte", f.reference),
        Lang::En => format!("Map of plot {}", f.reference),
    };
    let head = crate::api::portal::seo::Head {
        lang,
        title,
        description: &text,
        base,
        path: &path,
        default_is_german: true,
        og_type: "place",
        json_ld: None,
        image: Some((image.clone(), alt)),
    };
    let mut place = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Place",
        "name": title,
        "description": text,
        "url": head.url(lang),
        "identifier": f.reference,
        "image": format!("{base}{image}"),
        "address": {"@type": "PostalAddress", "addressLocality": municipality, "addressCountry": "DE"},
    });
    if let Some((lon, lat)) = geometry.and_then(centre) {
        place["geo"] = serde_json::json!({"@type": "GeoCoordinates", "latitude": (lat * 1e6).round() / 1e6, "longitude": (lon * 1e6).round() / 1e6});
    }
    if let (false, Some(min)) = (f.price_on_request, f.price_min_eur_m2) {
        let max = f.price_max_eur_m2.unwrap_or(min);
        place["makesOffer"] = serde_json::json!({
            "@type": "Offer",
            "availability": if matches!(f.status, crate::domain::plot::PlotStatus::Available) { "https://schema.org/InStock" } else { "https://schema.org/LimitedAvailability" },
            "priceSpecification": {
                "@type": "UnitPriceSpecification",
                "priceCurrency": "EUR",
                "minPrice": min.to_string(),
                "maxPrice": max.to_string(),
                "unitCode": "MTK",
                "unitText": "m²",
            },
        });
    }
    let head = crate::api::portal::seo::Head {
        json_ld: Some(place),
        ..head
    };
    head.render()
}

/// The page's contents in reading order: long because the page has many facts, not because it
/// does many things.
fn render(
    (row, geometry): (&PlotRow, Option<&str>),
    municipality: &MunicipalityContactRow,
    estate: Option<&EstateRow>,
    lang: Lang,
    preview: Option<&str>,
    base: &str,
    media: &[crate::api::views::media::Media],
) -> Markup {
    let l = labels(lang);
    let f = &row.facts;
    let yes_no = |b: bool| text(if b { l.yes } else { l.no });
    let eur = |c: i64| number(c as f64 / 100.0, 2, lang);
    let price = match (f.price_on_request, f.price_min_eur_m2, f.price_max_eur_m2) {
        (false, Some(min), Some(max)) if max != min => {
            format!("{}–{} €/m²", eur(min.0), eur(max.0))
        }
        (false, Some(min), _) => format!("{} €/m²", eur(min.0)),
        _ => l.price_on_request.to_owned(),
    };
    let ratios = [f.grz, f.gfz, f.bmz]
        .iter()
        .map(|v| v.map(|v| number(v, 1, lang)).unwrap_or_else(|| "–".into()))
        .collect::<Vec<_>>()
        .join(" / ");

    let mut facts: Vec<Fact> = vec![(l.status, text(f.status.label(lang)))];
    if let Some(from) = f.available_from {
        facts.push((l.available_from, text(date(from, lang))));
    }
    if let Some(stated) = f.area_stated_m2 {
        facts.push((l.area_official, text(m2_ha(stated as f64, lang))));
    }
    facts.push((l.area_computed, text(m2_ha(row.area_geodesic_m2, lang))));
    facts.push((l.price, text(price)));
    // The stated area is the official one; the outline's measured area stands in without it.
    let area = f.area_stated_m2.map_or(row.area_geodesic_m2, |a| a as f64);
    if let (false, Some(min)) = (f.price_on_request, f.price_min_eur_m2) {
        if let Some((lo, hi)) = indicative_total(area, min, f.price_max_eur_m2) {
            let total = if lo == hi {
                format!("≈ {}", euros(lo, lang))
            } else {
                format!("≈ {} – {}", euros(lo, lang), euros(hi, lang))
            };
            facts.push((l.total_price, text(total)));
        }
    }
    if !f.parcels.is_empty() {
        let described: Vec<String> = f
            .parcels
            .iter()
            .map(|p| parcel::describe(p, lang))
            .collect();
        facts.push((l.parcels, text(described.join("; "))));
    }
    let planning: Vec<Fact> = vec![
        (l.zoning, text(f.zoning.label(lang))),
        (l.bplan, text(f.bplan_status.label(lang))),
        (l.ratios, text(ratios)),
        (
            l.max_height,
            text(
                f.max_height_m
                    .map(|h| format!("{} m", number(h, 1, lang)))
                    .unwrap_or_else(|| "–".into()),
            ),
        ),
        (l.offer, text(f.offer.label(lang))),
        (l.grw_area, yes_no(f.grw_area)),
    ];
    let mut planning = planning;
    if let Some(storeys) = f.max_storeys {
        planning.insert(4, (l.max_storeys, text(storeys.to_string())));
    }
    if let Some(h24) = f.operation_24h {
        planning.push((l.operation_24h, yes_no(h24)));
    }
    let rates = [
        f.grw_max_rate_small_pct,
        f.grw_max_rate_medium_pct,
        f.grw_max_rate_large_pct,
    ];
    if f.grw_area && rates.iter().any(Option::is_some) {
        let shown = rates
            .iter()
            .map(|r| r.map_or_else(|| "–".to_owned(), |r| format!("{r} %")))
            .collect::<Vec<_>>()
            .join(" / ");
        planning.push((l.grw_rates, text(shown)));
    }
    let shown: ShownLocation = location_for_plot(own_location(f), estate.map(estate_location));
    let mut location: Vec<Fact> = vec![(l.servicing, text(f.servicing.label(lang)))];
    if let Some(kva) = f.electricity_capacity_kva {
        location.push((
            l.power,
            text(format!("{} kVA", number(kva as f64, 0, lang))),
        ));
    }
    if let Some(road) = f.road_access {
        location.push((l.road_access, yes_no(road)));
    }
    if let Some(heavy) = f.heavy_vehicle_access {
        location.push((l.heavy_vehicle_access, yes_no(heavy)));
    }
    location.extend(location_rows(l, lang, &shown));
    location.push((l.rail_siding, yes_no(f.rail_siding)));
    let (title, description) = match lang {
        Lang::De => (f.title_de.as_str(), f.description_de.as_deref()),
        Lang::En => (
            f.title_en.as_deref().unwrap_or(&f.title_de),
            f.description_en.as_deref().or(f.description_de.as_deref()),
        ),
    };
    // The estate's name as the reader may see it (a draft estate's name stays hidden).
    let estate_name = estate.map(|e| e.name.as_str());
    let subtitle = [
        Some(f.reference.as_str()),
        Some(municipality.name.as_str()),
        estate_name,
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let own_contact = Contact {
        name: f.contact_name.clone(),
        phone: f.contact_phone.clone(),
        email: f.contact_email.clone(),
        website: None,
    };
    let contact = contact_for_plot(
        own_contact,
        estate.map(estate_contact),
        Some(municipality_contact(municipality)),
    );
    let access = super::caption::Access {
        estate: estate_name,
        municipality: &municipality.name,
        junction: shown.motorway_junction.as_ref().map(|s| s.value.as_str()),
        dist_motorway_km: shown.dist_motorway_km.as_ref().map(|s| s.value),
    };
    let caption = super::caption::map_caption(lang, geometry.and_then(centre), &access);
    let body = html! {
        (caption)
        (definitions(&facts))
        @if let Some(text) = description { p.description { (text) } }
        section.section { h2 { (l.planning) } (definitions(&planning)) }
        section.section { h2 { (l.location) } (definitions(&location)) }
        (super::gallery::gallery(media, &f.reference, lang))
        (contact_section(l, contact, estate_name, &municipality.name))
        // The inquiry form (web/assets/inquiry.js); drafts cannot be inquired about.
        @if row.internal.published {
            // Collect it into a shortlist (web/assets/shortlist.js, docs/shortlists.md).
            div.shortlist data-shortlist-button data-plot=(f.reference) data-lang=(lang.code()) data-title=(title) {}
            div.inquiry data-inquiry-form data-plot=(f.reference) data-lang=(lang.code()) data-source="profile" {}
            script type="module" src="/assets/inquiry.js" {}
            script type="module" src="/assets/shortlist.js" {}
        }
    };
    Layout {
        lang,
        title,
        tab_suffix: &f.reference,
        subtitle,
        demo: row.is_demo,
        draft: !row.internal.published,
        preview,
        map_label: &f.reference,
        data_id: "plot-geometry",
        geometry_json: geometry.unwrap_or("null"),
        stand: Some(date(f.data_confirmed_on, lang)),
        seo: Some(seo_head(
            row,
            geometry,
            &municipality.name,
            lang,
            base,
            title,
            description,
        )),
    }
    .render(body)
}

/// Plot profile (exposé)
///
/// A printable HTML page of a published plot in German or English: map, key facts, planning,
/// price, distances, contact and the date the data was confirmed. Only public data. Location
/// facts the plot leaves empty show its published estate's values, marked as such; without a
/// contact of its own it shows its estate's, else its municipality's economic-development office.
///
/// Drafts: staff who may read a draft get its page with `Authorization: Bearer` (a token that
/// may `read`), or anyone with a preview link (`?preview=`, from `POST /plots/{key}/preview-link`).
/// The page is then marked "Entwurf – nicht veröffentlicht" / "Draft – not published" and sent
/// with `Cache-Control: private, no-store` and `X-Robots-Tag: noindex`.
#[utoipa::path(
    get,
    path = "/plots/{key}/profile",
    tag = "maps",
    params(("key" = String, Path, description = "Plot id or reference"), ProfileParams),
    responses(
        (status = 200, description = "The profile page", content_type = "text/html"),
        (status = 400, description = "Bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such published plot (nor a draft this caller or preview token may see)", body = Problem, content_type = "application/problem+json"),
        r::BadToken,
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn plot_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    QueryParams(params): QueryParams<ProfileParams>,
) -> Result<HttpResponse, ApiError> {
    let lang = params.lang()?;
    let key = crate::api::plots::plot_key(&key)?;
    let mut conn = state.pool.get().await?;
    // A good preview token opens the plot it was made for, whoever holds it; anything else
    // reads as the caller does (the public: published plots only).
    let mut preview = None;
    let mut found = None;
    if let Some(token) = params.preview()? {
        let any = PlotSet::Readable(ReadScope::Region);
        if let Some(plot) = db::plots::find(&mut conn, &any, &key).await? {
            if crate::api::maps::preview::opens(&state, token, plot.0.id) {
                preview = Some(token.to_owned());
                found = Some(plot);
            }
        }
    }
    if found.is_none() {
        found = db::plots::find(&mut conn, &caller.plot_set(), &key).await?;
    }
    let Some((row, geometry)) = found else {
        let message = match &key {
            PlotKey::Id(id) => format!("no published plot with id {id}"),
            PlotKey::Reference(r) => format!("no published plot `{r}`"),
        };
        // A person who followed an old link gets a page with a way on; API clients a problem.
        if crate::api::portal::wants_html(&req) {
            let shown = match (&key, lang) {
                (PlotKey::Reference(r), Lang::De) => format!("Keine veröffentlichte Fläche „{r}“."),
                (PlotKey::Reference(r), Lang::En) => format!("No published plot “{r}”."),
                (PlotKey::Id(_), Lang::De) => {
                    "Keine veröffentlichte Fläche mit dieser Nummer.".into()
                }
                (PlotKey::Id(_), Lang::En) => "No published plot with this number.".into(),
            };
            return Ok(crate::api::portal::not_found_page(&state, lang, &shown));
        }
        return Err(ApiError::NotFound(message));
    };
    // The places as the caller sees them (a preview link's holder: as the public).
    let places_set = match preview {
        Some(_) => PlotSet::Readable(ReadScope::Public),
        None => caller.plot_set(),
    };
    let (municipality, estate) = db::places::plot_places(
        &mut conn,
        &places_set,
        row.facts.municipality_id,
        row.facts.estate_id,
    )
    .await?
    .ok_or_else(|| ApiError::NotFound(format!("no municipality for plot {}", row.id)))?;
    // The media as the caller reads them (a preview link's holder: as the public).
    let reader = match preview {
        Some(_) => ReadScope::Public,
        None => caller.scope(),
    };
    let media: Vec<_> = db::media::of_plots(&mut conn, &[row.id])
        .await?
        .into_iter()
        .filter(|m| {
            crate::domain::access::may_read_media(
                &reader,
                row.facts.municipality_id,
                row.internal.published,
                m.internal,
            )
        })
        // Relative links: the page's own origin, as its CSP wants.
        .map(|m| crate::api::views::media::Media::from_row(m, ""))
        .collect();
    drop(conn);
    let draft = !row.internal.published;
    let html = render(
        (&row, geometry.as_deref()),
        &municipality,
        estate.as_ref(),
        lang,
        preview.as_deref(),
        &state.base_url(&req),
        &media,
    );
    let mut response = html_response(&state.settings, html.into_string());
    if draft {
        super::mark_draft(&mut response);
    }
    Ok(response)
}
