//! The printable profile (exposé) of a published plot in German or English: a `maud` template
//! (compile-time checked, every value escaped) filled from the stored plot. Its map script is the
//! bundled asset `profile.js`, which reads the outline from a JSON data block.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::pages::html_response;
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, QueryParams};
use crate::api::AppState;
use crate::db;
use crate::db::plots::PlotRow;
use crate::domain::access::{PlotSet, ReadScope};
use crate::domain::plot::{parcel, Lang, PlotKey, Vocabulary};

/// The fixed words of the page in one language.
struct Labels {
    status: &'static str,
    available_from: &'static str,
    area_official: &'static str,
    area_computed: &'static str,
    price: &'static str,
    price_on_request: &'static str,
    parcels: &'static str,
    zoning: &'static str,
    bplan: &'static str,
    ratios: &'static str,
    max_height: &'static str,
    servicing: &'static str,
    broadband: &'static str,
    rail_siding: &'static str,
    motorway: &'static str,
    rail_station: &'static str,
    port: &'static str,
    airport: &'static str,
    grw_area: &'static str,
    offer: &'static str,
    planning: &'static str,
    location: &'static str,
    contact: &'static str,
    data_as_of: &'static str,
    demo: &'static str,
    draft: &'static str,
    yes: &'static str,
    no: &'static str,
}

const DE: Labels = Labels {
    status: "Status",
    available_from: "Verfügbar ab",
    area_official: "Fläche (amtlich)",
    area_computed: "Fläche (berechnet)",
    price: "Preis",
    price_on_request: "Preis auf Anfrage",
    parcels: "Flurstücke",
    zoning: "Nutzungsart (BauNVO)",
    bplan: "Bebauungsplan",
    ratios: "GRZ / GFZ / BMZ",
    max_height: "Max. Höhe",
    servicing: "Erschließung",
    broadband: "Breitband",
    rail_siding: "Gleisanschluss",
    motorway: "Autobahn",
    rail_station: "Bahnhof",
    port: "Hafen",
    airport: "Flughafen",
    grw_area: "GRW-Fördergebiet",
    offer: "Angebot",
    planning: "Planung",
    location: "Lage & Erschließung",
    contact: "Kontakt",
    data_as_of: "Stand der Daten",
    demo: "Demo-Datensatz: fiktive Angaben",
    draft: "Entwurf – nicht veröffentlicht",
    yes: "ja",
    no: "nein",
};

const EN: Labels = Labels {
    status: "Status",
    available_from: "Available from",
    area_official: "Area (official)",
    area_computed: "Area (computed)",
    price: "Price",
    price_on_request: "Price on request",
    parcels: "Cadastral parcels",
    zoning: "Zoning (BauNVO)",
    bplan: "Land-use plan",
    ratios: "GRZ / GFZ / BMZ",
    max_height: "Max. height",
    servicing: "Servicing",
    broadband: "Broadband",
    rail_siding: "Rail siding",
    motorway: "Motorway",
    rail_station: "Railway station",
    port: "Port",
    airport: "Airport",
    grw_area: "GRW aid area",
    offer: "Offer",
    planning: "Planning",
    location: "Location & servicing",
    contact: "Contact",
    data_as_of: "Data as of",
    demo: "Demo data: fictitious",
    draft: "Draft – not published",
    yes: "yes",
    no: "no",
};

/// What the page shows, in named fields.
struct ProfilePage<'a> {
    lang: &'static str,
    other_lang: &'static str,
    labels: &'static Labels,
    title: &'a str,
    reference: &'a str,
    /// Reference, town and estate.
    subtitle: String,
    demo: bool,
    /// A draft shown to staff or through a preview link: marked, and not for search engines.
    draft: bool,
    /// The same page in the other language (a preview link's token carried along).
    switch_href: String,
    facts: Vec<(&'static str, String)>,
    description: Option<&'a str>,
    planning: Vec<(&'static str, String)>,
    location: Vec<(&'static str, String)>,
    /// Name, phone, e-mail (linked), as far as given.
    contact: Vec<&'a str>,
    stand: String,
    /// GeoJSON for the map script, `</` escaped so it cannot end the data block.
    geometry_json: String,
}

fn definitions(items: &[(&str, String)]) -> Markup {
    html! {
        dl.facts {
            @for (label, value) in items {
                dt { (label) }
                dd { (value) }
            }
        }
    }
}

impl ProfilePage<'_> {
    fn render(&self) -> Markup {
        let l = self.labels;
        html! {
            (DOCTYPE)
            html lang=(self.lang) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    @if self.draft { meta name="robots" content="noindex, nofollow"; }
                    title { @if self.draft { "[" (l.draft) "] " } (self.title) " – " (self.reference) }
                    link rel="icon" href="data:,";
                    link rel="stylesheet" href="/assets/maplibre-gl.css";
                    link rel="stylesheet" href="/assets/profile.css";
                }
                body {
                    article.profile {
                        nav.lang-switch {
                            a href=(self.switch_href) { (self.other_lang.to_uppercase()) }
                        }
                        header {
                            @if self.draft { p.demo-badge.draft-badge role="status" { (l.draft) } }
                            @if self.demo { p.demo-badge { (l.demo) } }
                            h1 { (self.title) }
                            p.subtitle { (self.subtitle) }
                        }
                        div.map #map aria-label=(self.reference) {}
                        (definitions(&self.facts))
                        @if let Some(text) = self.description { p.description { (text) } }
                        section.section { h2 { (l.planning) } (definitions(&self.planning)) }
                        section.section { h2 { (l.location) } (definitions(&self.location)) }
                        section.section.contact {
                            h2 { (l.contact) }
                            p {
                                @for (i, line) in self.contact.iter().enumerate() {
                                    @if i > 0 { br; }
                                    @if line.contains('@') {
                                        a href={ "mailto:" (line) } { (line) }
                                    } @else { (line) }
                                }
                            }
                        }
                        p.stand { (l.data_as_of) ": " (self.stand) }
                    }
                    script type="application/json" #plot-geometry { (PreEscaped(&self.geometry_json)) }
                    script src="/assets/maplibre-gl.js" {}
                    script src="/assets/profile.js" {}
                }
            }
        }
    }
}

/// `value` with `decimals` digits after the separator and thousands grouped, as `lang` writes
/// numbers (`12.345,6` / `12,345.6`).
fn number(value: f64, decimals: usize, lang: Lang) -> String {
    let text = format!("{value:.decimals$}");
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), ""), |(w, f)| (w, f));
    let (group, point) = match lang {
        Lang::De => ('.', ','),
        Lang::En => (',', '.'),
    };
    let digits: Vec<char> = whole.chars().collect();
    let mut grouped = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) && *c != '-' {
            grouped.push(group);
        }
        grouped.push(*c);
    }
    if fraction.is_empty() {
        grouped
    } else {
        format!("{grouped}{point}{fraction}")
    }
}

fn date(date: chrono::NaiveDate, lang: Lang) -> String {
    date.format(match lang {
        Lang::De => "%d.%m.%Y",
        Lang::En => "%Y-%m-%d",
    })
    .to_string()
}

impl<'a> ProfilePage<'a> {
    // The page's contents in reading order: long because the page has many facts, not because
    // it does many things.
    fn new(row: &'a PlotRow, geometry: Option<&str>, lang: Lang) -> Self {
        let l = match lang {
            Lang::De => &DE,
            Lang::En => &EN,
        };
        let f = &row.facts;
        let m2 = |v: f64| format!("{} m²", number(v, 0, lang));
        let km = |v: Option<f64>| v.map(|d| format!("{} km", number(d, 1, lang)));
        let yes_no = |b: bool| if b { l.yes } else { l.no }.to_owned();
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

        let mut facts = vec![(l.status, f.status.label(lang).to_owned())];
        if let Some(from) = f.available_from {
            facts.push((l.available_from, date(from, lang)));
        }
        if let Some(stated) = f.area_stated_m2 {
            facts.push((l.area_official, m2(stated as f64)));
        }
        facts.push((l.area_computed, m2(row.area_geodesic_m2)));
        facts.push((l.price, price));
        if !f.parcels.is_empty() {
            let described: Vec<String> = f
                .parcels
                .iter()
                .map(|p| parcel::describe(p, lang))
                .collect();
            facts.push((l.parcels, described.join("; ")));
        }
        let planning = vec![
            (l.zoning, f.zoning.label(lang).to_owned()),
            (l.bplan, f.bplan_status.label(lang).to_owned()),
            (l.ratios, ratios),
            (
                l.max_height,
                f.max_height_m
                    .map(|h| format!("{} m", number(h, 1, lang)))
                    .unwrap_or_else(|| "–".into()),
            ),
            (l.offer, f.offer.label(lang).to_owned()),
            (l.grw_area, yes_no(f.grw_area)),
        ];
        let mut location = vec![
            (l.servicing, f.servicing.label(lang).to_owned()),
            (
                l.broadband,
                f.broadband_mbit
                    .map(|b| format!("{b} Mbit/s"))
                    .unwrap_or_else(|| "–".into()),
            ),
            (l.rail_siding, yes_no(f.rail_siding)),
        ];
        for (label, value) in [
            (l.motorway, km(f.dist_motorway_km)),
            (l.rail_station, km(f.dist_rail_station_km)),
            (l.port, km(f.dist_port_km)),
            (l.airport, km(f.dist_airport_km)),
        ] {
            if let Some(value) = value {
                location.push((label, value));
            }
        }
        let (title, description) = match lang {
            Lang::De => (f.title_de.as_str(), f.description_de.as_deref()),
            Lang::En => (
                f.title_en.as_deref().unwrap_or(&f.title_de),
                f.description_en.as_deref().or(f.description_de.as_deref()),
            ),
        };
        let subtitle = [
            Some(f.reference.as_str()),
            Some(row.municipality_name.as_str()),
            row.estate_name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        ProfilePage {
            lang: lang.code(),
            other_lang: match lang {
                Lang::De => "en",
                Lang::En => "de",
            },
            labels: l,
            title,
            reference: &f.reference,
            subtitle,
            demo: row.is_demo,
            draft: !row.internal.published,
            switch_href: format!(
                "?lang={}",
                match lang {
                    Lang::De => "en",
                    Lang::En => "de",
                }
            ),
            facts,
            description,
            planning,
            location,
            contact: [&f.contact_name, &f.contact_phone, &f.contact_email]
                .into_iter()
                .filter_map(|v| v.as_deref())
                .collect(),
            stand: date(f.data_confirmed_on, lang),
            geometry_json: geometry.unwrap_or("null").replace("</", "<\\/"),
        }
    }
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProfileParams {
    /// `de` (default) or `en`.
    #[param(pattern = "^(de|en)$")]
    pub lang: Option<String>,
    /// Preview token of a draft, from `POST /plots/{key}/preview-link` (valid 1 hour, for that
    /// plot only). A wrong or expired token grants nothing.
    #[param(max_length = 200)]
    pub preview: Option<String>,
}

/// Plot profile (exposé)
///
/// A printable HTML page of a published plot in German or English: map, key facts, planning,
/// price, distances, contact and the date the data was confirmed. Only public data.
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
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    QueryParams(params): QueryParams<ProfileParams>,
) -> Result<HttpResponse, ApiError> {
    let lang = match params.lang.as_deref() {
        None => Lang::De,
        Some(code) => Lang::parse(code)
            .ok_or_else(|| ApiError::bad_parameter("lang", format!("`{code}`: use de or en")))?,
    };
    let key = crate::api::plots::plot_key(&key)?;
    let mut conn = state.pool.get().await?;
    // A good preview token opens the plot it was made for, whoever holds it; anything else
    // reads as the caller does (the public: published plots only).
    let mut preview = None;
    let mut found = None;
    if let Some(token) = params.preview.as_deref().filter(|t| t.len() <= 200) {
        let any = PlotSet::Readable(ReadScope::Region);
        if let Some(plot) = db::plots::find(&mut conn, &any, &key).await? {
            if super::preview::opens(&state, token, plot.0.id) {
                preview = Some(token.to_owned());
                found = Some(plot);
            }
        }
    }
    if found.is_none() {
        found = db::plots::find(&mut conn, &caller.plot_set(), &key).await?;
    }
    drop(conn);
    let (row, geometry) = found.ok_or_else(|| {
        ApiError::NotFound(match &key {
            PlotKey::Id(id) => format!("no published plot with id {id}"),
            PlotKey::Reference(r) => format!("no published plot `{r}`"),
        })
    })?;
    let mut page = ProfilePage::new(&row, geometry.as_deref(), lang);
    if let Some(token) = &preview {
        page.switch_href.push_str(&format!("&preview={token}"));
    }
    let draft = page.draft;
    let mut response = html_response(&state.settings, page.render().into_string());
    if draft {
        let headers = response.headers_mut();
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        headers.insert(
            header::HeaderName::from_static("x-robots-tag"),
            HeaderValue::from_static("noindex"),
        );
    }
    Ok(response)
}
