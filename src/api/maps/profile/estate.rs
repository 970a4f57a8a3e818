//! The printable profile of an estate (Gewerbegebiet): its outline with its plots, facts,
//! description, B-Plan, location facts, contact and the list of its published plots, each
//! linked to its own profile.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde_json::{json, Value};

use super::plot::{estate_contact, estate_location, municipality_contact};
use super::{
    contact_section, date, definitions, labels, link, location_rows, m2, text, Fact, LangParam,
    Layout,
};
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, QueryParams};
use crate::api::maps::pages::html_response;
use crate::api::AppState;
use crate::db;
use crate::db::places::{EstateRow, MunicipalityContactRow};
use crate::db::plots::PlotSummaryRow;
use crate::domain::access::{PlotSet, ReadScope};
use crate::domain::place::{contact_for_plot, location_for_plot, Contact};
use crate::domain::plot::{Lang, Vocabulary};

/// Most plots an estate's page lists (an estate has a few dozen at most).
const MAX_PLOTS: i64 = 500;

/// The map's data: the estate's outline and its plots' outlines with their status, as a
/// GeoJSON FeatureCollection (EPSG:4326).
fn map_data(estate: &EstateRow, plots: &[(PlotSummaryRow, Option<String>)]) -> String {
    // PostGIS wrote these; one that does not parse is drawn as nothing rather than failing the page.
    let geometry = |g: Option<&str>| {
        g.and_then(|g| serde_json::from_str::<Value>(g).ok())
            .unwrap_or(Value::Null)
    };
    let mut features = vec![json!({
        "type": "Feature",
        "geometry": geometry(estate.outline_geojson.as_deref()),
        "properties": {"kind": "estate"},
    })];
    features.extend(plots.iter().map(|(p, g)| {
        json!({
            "type": "Feature",
            "geometry": geometry(g.as_deref()),
            "properties": {"kind": "plot", "reference": p.reference, "status": p.status.as_str()},
        })
    }));
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

fn plot_list(l: &super::Labels, lang: Lang, plots: &[(PlotSummaryRow, Option<String>)]) -> Markup {
    html! {
        @if plots.is_empty() {
            p { (l.no_plots) }
        } @else {
            table.plot-list {
                thead { tr {
                    th { (l.reference) } th { (l.title) } th { (l.status) }
                    th { (l.zoning) } th.num { (l.area) }
                } }
                tbody {
                    @for (p, _) in plots {
                        @let title = match lang {
                            Lang::De => p.title_de.as_str(),
                            Lang::En => p.title_en.as_deref().unwrap_or(&p.title_de),
                        };
                        @let area = p.area_stated_m2.map(|a| a as f64).unwrap_or(p.area_geodesic_m2);
                        tr {
                            td { a href={ "/plots/" (p.reference) "/profile?lang=" (lang.code()) } { (p.reference) } }
                            td { (title) }
                            td { span class={ "status status-" (p.status.as_str()) } { (p.status.label(lang)) } }
                            td { (p.zoning.as_str()) }
                            td.num { (m2(area, lang)) }
                        }
                    }
                }
            }
        }
    }
}

/// Title, description, canonical URL, alternates, OpenGraph and schema.org JSON-LD (a `Place`
/// with `geo` that `containsPlace` its published plots) of an estate: public facts only. The
/// layout leaves it out of drafts.
fn seo_head(
    e: &EstateRow,
    municipality: &str,
    plots: &[(PlotSummaryRow, Option<String>)],
    lang: Lang,
    base: &str,
) -> Markup {
    let l = labels(lang);
    let mut summary = format!("{} · {}", l.estate, municipality);
    if let Some(a) = e.gross_area_m2 {
        summary.push_str(&format!(" · {}", m2(a as f64, lang)));
    }
    summary.push_str(&format!(" · {}: {}", l.plots, plots.len()));
    let description = match lang {
        Lang::De => e.description_de.as_deref(),
        Lang::En => e.description_en.as_deref().or(e.description_de.as_deref()),
    };
    let text = match description {
        Some(d) => crate::api::portal::seo::short(&format!("{summary}. {d}"), 160),
        None => summary,
    };
    let title = match lang {
        Lang::De => format!("{} – Gewerbegebiet in {municipality}", e.name),
        Lang::En => format!("{} – business estate in {municipality}", e.name),
    };
    let path = format!("/estates/{}/profile", e.id);
    let head = crate::api::portal::seo::Head {
        lang,
        title: &title,
        description: &text,
        base,
        path: &path,
        default_is_german: true,
        og_type: "place",
        json_ld: None,
        image: e.outline_geojson.is_some().then(|| {
            let alt = match lang {
                Lang::De => format!("Lage des Gewerbegebiets {} auf der Karte", e.name),
                Lang::En => format!("Map of the business estate {}", e.name),
            };
            (format!("/estates/{}/image.png", e.id), alt)
        }),
    };
    let contains: Vec<Value> = plots
        .iter()
        .map(|(p, _)| {
            let name = match lang {
                Lang::De => p.title_de.as_str(),
                Lang::En => p.title_en.as_deref().unwrap_or(&p.title_de),
            };
            let reference =
                form_urlencoded::byte_serialize(p.reference.as_bytes()).collect::<String>();
            json!({
                "@type": "Place",
                "name": name,
                "identifier": p.reference,
                "url": format!("{base}/plots/{reference}/profile?lang={}", lang.code()),
            })
        })
        .collect();
    let mut place = json!({
        "@context": "https://schema.org",
        "@type": "Place",
        "name": e.name,
        "description": text,
        "url": head.url(lang),
        "address": {"@type": "PostalAddress", "addressLocality": municipality, "addressCountry": "DE"},
        "containsPlace": contains,
    });
    if let Some((lon, lat)) = e.outline_geojson.as_deref().and_then(super::plot::centre) {
        place["geo"] = json!({"@type": "GeoCoordinates", "latitude": (lat * 1e6).round() / 1e6, "longitude": (lon * 1e6).round() / 1e6});
    }
    if let Some((path, _)) = &head.image {
        place["image"] = json!(format!("{base}{path}"));
    }
    crate::api::portal::seo::Head {
        json_ld: Some(place),
        ..head
    }
    .render()
}

fn render(
    e: &EstateRow,
    municipality: &MunicipalityContactRow,
    plots: &[(PlotSummaryRow, Option<String>)],
    lang: Lang,
    base: &str,
    media: &[crate::api::views::media::Media],
) -> Markup {
    let l = labels(lang);
    let mut facts: Vec<Fact> = Vec::new();
    if let Some(a) = e.gross_area_m2 {
        facts.push((l.gross_area, text(m2(a as f64, lang))));
    }
    if let Some(a) = e.net_area_m2 {
        facts.push((l.net_area, text(m2(a as f64, lang))));
    }
    if let Some(z) = &e.zoning_summary {
        facts.push((l.zoning_summary, text(z)));
    }
    facts.push((l.plots, text(plots.len().to_string())));

    let mut planning: Vec<Fact> = Vec::new();
    if let Some(name) = &e.bplan_name {
        planning.push((l.bplan, text(name)));
    }
    if let Some(number) = &e.bplan_number {
        planning.push((l.bplan_number, text(number)));
    }
    if let Some(d) = e.bplan_legal_date {
        planning.push((l.bplan_legal_date, text(date(d, lang))));
    }
    if let Some(url) = &e.bplan_url {
        planning.push((l.bplan_document, link(url, l.view_online)));
    }

    // The estate's facts in the place of a plot's own: none is marked as borrowed.
    let shown = location_for_plot(estate_location(e), None);
    let mut location = location_rows(l, lang, &shown);
    if let Some(grw) = e.grw_area {
        location.push((l.grw_area, text(if grw { l.yes } else { l.no })));
    }

    let description = match lang {
        Lang::De => e.description_de.as_deref(),
        Lang::En => e.description_en.as_deref().or(e.description_de.as_deref()),
    };
    let contact = contact_for_plot(
        Contact::default(),
        Some(estate_contact(e)),
        Some(municipality_contact(municipality)),
    );
    let access = super::caption::Access {
        estate: Some(&e.name),
        municipality: &municipality.name,
        junction: shown.motorway_junction.as_ref().map(|s| s.value.as_str()),
        dist_motorway_km: shown.dist_motorway_km.as_ref().map(|s| s.value),
    };
    let centre = e.outline_geojson.as_deref().and_then(super::plot::centre);
    let body = html! {
        (super::caption::map_caption(lang, centre, &access))
        @if !facts.is_empty() { (definitions(&facts)) }
        @if let Some(text) = description { p.description { (text) } }
        (super::gallery::gallery(media, &e.name, lang))
        @if !planning.is_empty() {
            section.section { h2 { (l.planning) } (definitions(&planning)) }
        }
        @if !location.is_empty() {
            section.section { h2 { (l.location) } (definitions(&location)) }
        }
        section.section.plots { h2 { (l.plots) } (plot_list(l, lang, plots)) }
        (contact_section(l, contact, Some(&e.name), &municipality.name))
    };
    Layout {
        lang,
        title: &e.name,
        tab_suffix: &municipality.name,
        subtitle: format!("{} · {}", l.estate, municipality.name),
        demo: false,
        draft: !e.published,
        preview: None,
        map_label: &e.name,
        data_id: "profile-geometry",
        geometry_json: &map_data(e, plots),
        stand: Some(date(
            crate::domain::freshness::berlin_date(e.updated_at),
            lang,
        )),
        seo: Some(seo_head(e, &municipality.name, plots, lang, base)),
    }
    .render(body)
}

/// Estate profile (exposé)
///
/// A printable HTML page of an estate (Gewerbegebiet) in German or English: map with its
/// outline and plots, facts (areas, zoning), description, B-Plan with a link, location facts,
/// contact (the estate's, else its municipality's economic-development office), and its
/// published plots linked to their profiles. Drafts only for staff of their municipality (and of
/// the region) with a Bearer token that reads; deleted estates never.
#[utoipa::path(
    get,
    path = "/estates/{id}/profile",
    tag = "maps",
    params(("id" = i64, Path, description = "Estate id"), LangParam),
    responses(
        (status = 200, description = "The profile page", content_type = "text/html"),
        (status = 400, description = "Bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such estate the caller may see", body = Problem, content_type = "application/problem+json"),
        r::BadToken,
        r::Busy,
    ),
    security((), ("bearer" = []))
)]
pub async fn estate_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    QueryParams(params): QueryParams<LangParam>,
) -> Result<HttpResponse, ApiError> {
    let lang = params.lang()?;
    // A person who followed an old link gets a page with a way on; API clients a problem.
    let not_found = |message: String| {
        if crate::api::portal::wants_html(&req) {
            let shown = match lang {
                Lang::De => "Dieses Gewerbegebiet ist nicht (mehr) veröffentlicht.",
                Lang::En => "This business estate is not (or no longer) published.",
            };
            Ok(crate::api::portal::not_found_page(&state, lang, shown))
        } else {
            Err(ApiError::NotFound(message))
        }
    };
    let Ok(id) = id.parse::<i64>() else {
        return not_found(format!("no estate `{id}`"));
    };
    let mut conn = state.pool.get().await?;
    let Some((estate, municipality)) =
        db::places::estate_with_municipality(&mut conn, &caller.plot_set(), id).await?
    else {
        return not_found(format!("no estate with id {id}"));
    };
    // The page markets the estate: its published plots, whoever previews it.
    let public = PlotSet::Readable(ReadScope::Public);
    let plots = db::plots::summaries_with_outlines(&mut conn, &public, id, MAX_PLOTS).await?;
    // Its media as the caller reads them; links relative to the page, as its CSP wants.
    let media =
        crate::api::media::estate::readable_of_estate(&mut conn, &caller, &estate, "").await?;
    drop(conn);
    let draft = !estate.published;
    let html = render(
        &estate,
        &municipality,
        &plots,
        lang,
        &state.base_url(&req),
        &media,
    );
    let mut response = html_response(&state.settings, html.into_string());
    if draft {
        super::mark_draft(&mut response);
    }
    response.headers_mut().insert(
        header::VARY,
        header::HeaderValue::from_static("Authorization"),
    );
    Ok(response)
}
