//! Printable profiles (exposés) of published plots (`plot`) and estates (`estate`) in German or
//! English: `maud` templates (compile-time checked, every value escaped) sharing one layout, one
//! print stylesheet (`profile.css`) and one map script (`profile.js`, which reads the outlines
//! from a JSON data block: the pages run no inline script).

mod caption;
pub mod estate;
mod gallery;
pub mod image;
pub mod plot;

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::api::error::ApiError;
use crate::domain::place::{Contact, ContactSource, Shown, ShownLocation};
use crate::domain::plot::Lang;

/// The fixed words of the pages in one language.
pub(crate) struct Labels {
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
    fibre: &'static str,
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
    /// After a value a plot shows from its estate.
    from_estate: &'static str,
    from_estate_title: &'static str,
    /// Before a municipality's name, naming whose contact a page shows.
    economic_development: &'static str,
    gross_area: &'static str,
    net_area: &'static str,
    zoning_summary: &'static str,
    bplan_number: &'static str,
    bplan_legal_date: &'static str,
    bplan_document: &'static str,
    view_online: &'static str,
    plots: &'static str,
    no_plots: &'static str,
    reference: &'static str,
    title: &'static str,
    area: &'static str,
    estate: &'static str,
    language: &'static str,
    back_to_search: &'static str,
    operation_24h: &'static str,
    power: &'static str,
    grw_rates: &'static str,
    total_price: &'static str,
    max_storeys: &'static str,
    road_access: &'static str,
    heavy_vehicle_access: &'static str,
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
    fibre: "Glasfaser",
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
    from_estate: "(Gewerbegebiet)",
    from_estate_title: "Angabe des Gewerbegebiets",
    economic_development: "Wirtschaftsförderung",
    gross_area: "Bruttofläche",
    net_area: "Nettobaufläche",
    zoning_summary: "Nutzungsarten",
    bplan_number: "Nummer",
    bplan_legal_date: "Rechtskräftig seit",
    bplan_document: "Planunterlagen",
    view_online: "online ansehen",
    plots: "Flächen",
    no_plots: "Zurzeit keine veröffentlichten Flächen.",
    reference: "Nr.",
    title: "Fläche",
    area: "Größe",
    estate: "Gewerbegebiet",
    language: "Sprache",
    back_to_search: "Zur Flächensuche",
    operation_24h: "24-Stunden-Betrieb",
    power: "Stromanschluss",
    grw_rates: "GRW-Höchstsatz klein / mittel / groß",
    total_price: "Gesamtpreis (Richtwert: Fläche × Preis)",
    max_storeys: "Max. Vollgeschosse",
    road_access: "Straßenanbindung",
    heavy_vehicle_access: "Schwerlastverkehr (bis 40 t)",
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
    fibre: "Fibre",
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
    from_estate: "(estate)",
    from_estate_title: "Stated for the estate",
    economic_development: "Economic development,",
    gross_area: "Gross area",
    net_area: "Net building land",
    zoning_summary: "Zoning",
    bplan_number: "Number",
    bplan_legal_date: "In force since",
    bplan_document: "Plan documents",
    view_online: "view online",
    plots: "Plots",
    no_plots: "No published plots at the moment.",
    reference: "Ref.",
    title: "Plot",
    area: "Size",
    estate: "Business estate",
    language: "Language",
    back_to_search: "Search all plots",
    operation_24h: "24-hour operation",
    power: "Power capacity",
    grw_rates: "GRW max. rate small / medium / large",
    total_price: "Total price (indicative: area × price)",
    max_storeys: "Max. full storeys",
    road_access: "Road access",
    heavy_vehicle_access: "Heavy-goods vehicles (up to 40 t)",
};

pub(crate) fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::De => &DE,
        Lang::En => &EN,
    }
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProfileParams {
    /// `de` (default) or `en`.
    #[param(pattern = "^(de|en)$")]
    pub lang: Option<String>,
    /// Preview token of a draft plot, from `POST /plots/{key}/preview-link` (valid 1 hour, for
    /// that plot only). A wrong or expired token grants nothing.
    #[param(max_length = 200)]
    pub preview: Option<String>,
}

impl ProfileParams {
    pub(crate) fn lang(&self) -> Result<Lang, ApiError> {
        parse_lang(self.lang.as_deref())
    }

    /// The preview token, refused (400) when longer than any token this service makes.
    pub(crate) fn preview(&self) -> Result<Option<&str>, ApiError> {
        match self.preview.as_deref() {
            Some(t) if t.len() > 200 => Err(ApiError::bad_parameter(
                "preview",
                "not a preview token (at most 200 characters)",
            )),
            other => Ok(other),
        }
    }
}

/// Query parameters of the estate profile.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LangParam {
    /// `de` (default) or `en`.
    #[param(pattern = "^(de|en)$")]
    pub lang: Option<String>,
}

impl LangParam {
    pub(crate) fn lang(&self) -> Result<Lang, ApiError> {
        parse_lang(self.lang.as_deref())
    }
}

fn parse_lang(code: Option<&str>) -> Result<Lang, ApiError> {
    match code {
        None => Ok(Lang::De),
        Some(code) => Lang::parse(code)
            .ok_or_else(|| ApiError::bad_parameter("lang", format!("`{code}`: use de or en"))),
    }
}

/// `value` with `decimals` digits after the separator and thousands grouped, as `lang` writes
/// numbers (`12.345,6` / `12,345.6`).
pub(crate) fn number(value: f64, decimals: usize, lang: Lang) -> String {
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

pub(crate) fn date(date: chrono::NaiveDate, lang: Lang) -> String {
    date.format(match lang {
        Lang::De => "%d.%m.%Y",
        Lang::En => "%Y-%m-%d",
    })
    .to_string()
}

pub(crate) fn m2(value: f64, lang: Lang) -> String {
    format!("{} m²", number(value, 0, lang))
}

pub(crate) fn km(value: f64, lang: Lang) -> String {
    format!("{} km", number(value, 1, lang))
}

/// A fact's label and its (escaped) value.
pub(crate) type Fact = (&'static str, Markup);

pub(crate) fn text(value: impl AsRef<str>) -> Markup {
    html! { (value.as_ref()) }
}

/// Only `http(s)` links become links: a stored URL is staff input.
pub(crate) fn link(href: &str, label: &str) -> Markup {
    if href.starts_with("https://") || href.starts_with("http://") {
        html! { a href=(href) rel="noopener" { (label) } }
    } else {
        text(label)
    }
}

pub(crate) fn definitions(items: &[Fact]) -> Markup {
    html! {
        dl.facts {
            @for (label, value) in items {
                dt { (label) }
                dd { (value) }
            }
        }
    }
}

/// A value with the mark of a value shown from the estate.
fn shown<T>(l: &Labels, value: &Shown<T>, format: impl Fn(&T) -> String) -> Markup {
    html! {
        (format(&value.value))
        @if value.from_estate {
            " " span.inherited title=(l.from_estate_title) { (l.from_estate) }
        }
    }
}

/// The location rows of a plot (values marked where they are its estate's) or of an estate
/// (nothing marked: every value is its own). Distances with the estate's named junction,
/// station, port or airport.
pub(crate) fn location_rows(l: &Labels, lang: Lang, location: &ShownLocation) -> Vec<Fact> {
    let mut rows = Vec::new();
    if let Some(b) = &location.broadband_mbit {
        rows.push((l.broadband, shown(l, b, |v| format!("{v} Mbit/s"))));
    }
    if let Some(f) = &location.fibre {
        rows.push((
            l.fibre,
            shown(l, f, |v| if *v { l.yes } else { l.no }.to_owned()),
        ));
    }
    for (label, distance, name) in [
        (
            l.motorway,
            &location.dist_motorway_km,
            &location.motorway_junction,
        ),
        (
            l.rail_station,
            &location.dist_rail_station_km,
            &location.rail_station,
        ),
        (l.port, &location.dist_port_km, &location.port),
        (l.airport, &location.dist_airport_km, &location.airport),
    ] {
        let name = name.as_ref().map(|n| n.value.as_str());
        let value = match (distance, name) {
            (Some(d), Some(name)) => html! { (shown(l, d, |v| km(*v, lang))) " · " (name) },
            (Some(d), None) => shown(l, d, |v| km(*v, lang)),
            (None, Some(name)) => text(name),
            (None, None) => continue,
        };
        rows.push((label, value));
    }
    rows
}

/// The contact box: the contact and whose it is (a plot's own needs no name).
pub(crate) fn contact_section(
    l: &Labels,
    contact: Option<(Contact, ContactSource)>,
    estate_name: Option<&str>,
    municipality_name: &str,
) -> Markup {
    let Some((c, source)) = contact else {
        return html! {};
    };
    let whose = match source {
        ContactSource::Plot => None,
        ContactSource::Estate => estate_name.map(str::to_owned),
        ContactSource::Municipality => {
            Some(format!("{} {municipality_name}", l.economic_development))
        }
    };
    html! {
        section.section.contact {
            h2 { (l.contact) }
            @if let Some(whose) = whose { p.contact-source { (whose) } }
            p {
                @if let Some(name) = &c.name { (name) br; }
                @if let Some(phone) = &c.phone { (phone) br; }
                @if let Some(email) = &c.email { a href={ "mailto:" (email) } { (email) } br; }
                @if let Some(web) = &c.website {
                    (link(web, web.trim_start_matches("https://").trim_start_matches("http://")))
                }
            }
        }
    }
}

/// The page around a profile's contents.
pub(crate) struct Layout<'a> {
    pub lang: Lang,
    pub title: &'a str,
    /// After the title in the browser's tab.
    pub tab_suffix: &'a str,
    pub subtitle: String,
    pub demo: bool,
    /// A draft shown to staff or through a preview link: marked, and not for search engines.
    pub draft: bool,
    /// A preview link's token, carried along by the language switch.
    pub preview: Option<&'a str>,
    pub map_label: &'a str,
    /// The id of the data block `profile.js` reads, and its GeoJSON (`</` escaped here).
    pub data_id: &'static str,
    pub geometry_json: &'a str,
    pub stand: Option<String>,
    /// Meta for search engines and link previews (`portal::seo`); none on drafts.
    pub seo: Option<Markup>,
}

impl Layout<'_> {
    pub(crate) fn render(&self, body: Markup) -> Markup {
        let l = labels(self.lang);
        let other = match self.lang {
            Lang::De => "en",
            Lang::En => "de",
        };
        html! {
            (DOCTYPE)
            html lang=(self.lang.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    @if self.draft { meta name="robots" content="noindex, nofollow"; }
                    title { @if self.draft { "[" (l.draft) "] " } (self.title) " – " (self.tab_suffix) }
                    @if !self.draft { @if let Some(seo) = &self.seo { (seo) } }
                    link rel="icon" href="data:,";
                    link rel="stylesheet" href="/assets/maplibre-gl.css";
                    link rel="stylesheet" href="/assets/profile.css";
                }
                body {
                    main.profile {
                        nav.lang-switch aria-label=(l.language) {
                            a.back href={ "/?lang=" (self.lang.code()) } { "← " (l.back_to_search) }
                            " "
                            a href={ "?lang=" (other) @if let Some(t) = self.preview { "&preview=" (t) } } hreflang=(other) lang=(other) {
                                (if other == "de" { "Deutsch" } else { "English" })
                            }
                        }
                        header {
                            @if self.draft { p.demo-badge.draft-badge role="status" { (l.draft) } }
                            @if self.demo { p.demo-badge { (l.demo) } }
                            h1 { (self.title) }
                            p.subtitle { (self.subtitle) }
                        }
                        div.map #map role="img" aria-label=(self.map_label) {}
                        (body)
                        @if let Some(stand) = &self.stand {
                            p.stand { (l.data_as_of) ": " (stand) }
                        }
                        (crate::api::portal::glossary::section(self.lang))
                    }
                    script type="application/json" id=(self.data_id) {
                        (PreEscaped(self.geometry_json.replace("</", "<\\/")))
                    }
                    script src="/assets/maplibre-gl.js" {}
                    script src="/assets/profile.js" {}
                    script src="/assets/profile-locator.js" {}
                }
            }
        }
    }
}

/// A draft's page is private and not for search engines.
pub(crate) fn mark_draft(response: &mut actix_web::HttpResponse) {
    use actix_web::http::header::{self, HeaderValue};
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
