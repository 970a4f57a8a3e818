//! The investor portal: the search page (`/` for browsers, see `ogc::landing`), the printable
//! comparison (`/compare`), the sitemap and `robots.txt`. The pages are server-rendered shells
//! in German or English (titles, labels, meta for search engines); the search itself runs in the
//! browser (`web/assets/portal.js`) against `GET /plots`, the one search implementation.

pub mod compare;
pub mod glossary;
pub mod seo;
pub mod sitemap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde_json::json;

use crate::api::maps::pages::html_response;
use crate::api::views::Link;
use crate::api::AppState;
use crate::domain::plot::{Lang, PlotStatus, Servicing, Vocabulary, Zoning};

/// The page's language: `lang=de|en` in the query, else the browser's `Accept-Language`
/// (English when it names neither).
pub fn page_lang(req: &HttpRequest) -> Lang {
    let asked = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v));
    asked.unwrap_or_else(|| {
        crate::api::i18n::negotiate(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    })
}

/// German or English text, chosen by the page's language.
pub(crate) fn tr(lang: Lang, de: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::De => de,
        Lang::En => en,
    }
}

/// The page's configuration for its script, as a JSON data block (no inline script).
fn config_block(state: &AppState, lang: Lang) -> Markup {
    let config = json!({
        "lang": lang.code(),
        "basemapStyle": state.settings.basemap_style,
        "staleAfterDays": state.settings.stale_after_days,
    });
    html! {
        script id="gwf-config" type="application/json" {
            (PreEscaped(seo::json_ld_text(&config)))
        }
    }
}

fn checkbox_group<V: Vocabulary + Copy>(
    lang: Lang,
    name: &str,
    legend: &str,
    values: &[V],
) -> Markup {
    html! {
        fieldset.checks {
            legend { (legend) }
            @for v in values {
                @let id = format!("f-{name}-{}", v.as_str());
                label for=(id) {
                    input type="checkbox" id=(id) name=(name) value=(v.as_str());
                    (v.label(lang))
                }
            }
        }
    }
}

/// The search form: every field is named as `GET /plots` names its parameter, so the script
/// sends the form as it is.
fn search_form(lang: Lang) -> Markup {
    let t = |de, en| tr(lang, de, en);
    let zonings = [
        Zoning::Gi,
        Zoning::Ge,
        Zoning::GeE,
        Zoning::Mi,
        Zoning::Mu,
        Zoning::So,
    ];
    let statuses = [
        PlotStatus::Available,
        PlotStatus::Reserved,
        PlotStatus::UnderNegotiation,
        PlotStatus::Planned,
        PlotStatus::Sold,
    ];
    html! {
        form #filters role="search" action="/" method="get" aria-labelledby="search-title" {
            h2 #search-title { (t("Flächen suchen", "Find a plot")) }
            input type="hidden" name="lang" value=(lang.code());
            div.field {
                label for="f-q" { (t("Suchbegriff", "Search words")) }
                input #f-q type="search" name="q" maxlength="200" autocomplete="off"
                    placeholder=(t("z. B. Logistik, LWL-003", "e.g. logistics, LWL-003"));
            }
            // Phones fold the filters away under this button (portal.js), so the map shows.
            button #filters-toggle type="button" aria-expanded="true" aria-controls="filter-body" {
                (t("Filter", "Filters"))
            }
            div #filter-body {
                div.field-row {
                    div.field {
                        label for="f-municipality" { (t("Gemeinde", "Municipality")) }
                        select #f-municipality name="municipality" {
                            option value="" { (t("alle", "all")) }
                        }
                    }
                    div.field {
                        label for="f-estate" { (t("Gewerbegebiet", "Business estate")) }
                        select #f-estate name="estate" {
                            option value="" { (t("alle", "all")) }
                        }
                    }
                }
                div.field-row {
                    div.field {
                        label for="f-area-min" { (t("Fläche ab (m²)", "Area from (m²)")) }
                        input #f-area-min type="number" name="area_min" min="0" step="100" inputmode="numeric";
                    }
                    div.field {
                        label for="f-area-max" { (t("Fläche bis (m²)", "Area up to (m²)")) }
                        input #f-area-max type="number" name="area_max" min="0" step="100" inputmode="numeric";
                    }
                }
                (checkbox_group(lang, "zoning", t("Nutzungsart (BauNVO)", "Zoning (BauNVO)"), &zonings))
                details #more-filters {
                    summary { (t("Weitere Filter", "More filters")) }
                    (checkbox_group(lang, "status", t("Status", "Status"), &statuses))
                    div.field-row {
                        div.field {
                            label for="f-available-by" { (t("Verfügbar bis spätestens", "Available by")) }
                            input #f-available-by type="date" name="available_by";
                        }
                        div.field {
                            label for="f-max-price" { (t("Preis bis (€/m²)", "Price up to (€/m²)")) }
                            input #f-max-price type="number" name="max_price" min="0" step="0.5" inputmode="decimal";
                        }
                    }
                    div.field-row {
                        div.field {
                            label for="f-servicing" { (t("Erschließung", "Servicing")) }
                            select #f-servicing name="servicing" {
                                option value="" { (t("beliebig", "any")) }
                                @for s in [Servicing::Full, Servicing::Partial, Servicing::None] {
                                    option value=(s.as_str()) { (s.label(lang)) }
                                }
                            }
                        }
                        div.field {
                            label for="f-motorway" { (t("Autobahn höchstens", "Motorway at most")) }
                            select #f-motorway name="max_dist_motorway_km" {
                                option value="" { (t("beliebig", "any distance")) }
                                @for km in [2, 5, 10, 20, 50] { option value=(km) { (km) " km" } }
                            }
                        }
                    }
                    div.field {
                        label for="f-broadband" { (t("Breitband mindestens", "Broadband at least")) }
                        select #f-broadband name="min_broadband_mbit" {
                            option value="" { (t("beliebig", "any")) }
                            @for mbit in [50, 100, 250, 1000] { option value=(mbit) { (mbit) " Mbit/s" } }
                        }
                    }
                    fieldset.checks {
                        legend { (t("Ausstattung", "Features")) }
                        label for="f-rail" {
                            input #f-rail type="checkbox" name="rail_siding" value="true";
                            (t("Gleisanschluss", "Rail siding"))
                        }
                        label for="f-heavy" {
                            input #f-heavy type="checkbox" name="heavy_vehicle_access" value="true";
                            (t("Schwerlastverkehr (40 t)", "Heavy-goods vehicles (40 t)"))
                        }
                        label for="f-grw" {
                            input #f-grw type="checkbox" name="grw_area" value="true";
                            (t("GRW-Fördergebiet", "GRW aid area"))
                        }
                        label for="f-por" {
                            input #f-por type="checkbox" name="price_on_request" value="true";
                            (t("mit Preis auf Anfrage", "include price on request"))
                        }
                    }
                }
            }
            input #f-bbox type="hidden" name="bbox";
            div.form-actions {
                button type="submit" { (t("Suchen", "Search")) }
                button #reset-filters type="button" { (t("Filter zurücksetzen", "Reset filters")) }
            }
        }
    }
}

fn results_panel(lang: Lang) -> Markup {
    let t = |de, en| tr(lang, de, en);
    html! {
        section #results aria-labelledby="results-title" {
            div.results-head {
                h2 #results-title { (t("Ergebnisse", "Results")) }
                p #result-count role="status" aria-live="polite" {}
            }
            div.results-tools {
                label for="f-sort" { (t("Sortieren", "Sort")) }
                select #f-sort name="sort" form="filters" {
                    option value="reference" { (t("Nummer", "Reference")) }
                    option value="-area" { (t("Größte zuerst", "Largest first")) }
                    option value="area" { (t("Kleinste zuerst", "Smallest first")) }
                    option value="price" { (t("Günstigste zuerst", "Lowest price first")) }
                    option value="-price" { (t("Teuerste zuerst", "Highest price first")) }
                    option value="-updated" { (t("Zuletzt geändert", "Recently updated")) }
                }
                // The reader's Excel first: German Excel wants `;` and decimal commas.
                span.downloads {
                    span { (t("Ergebnis herunterladen:", "Download the result:")) " " }
                    @if lang == Lang::De {
                        a #csv-excel href="/plots?f=csv-excel" download { "CSV (Excel)" }
                        " · "
                        a #csv-plain href="/plots?f=csv-excel-en" download { "CSV (Excel, englisch)" }
                    } @else {
                        a #csv-plain href="/plots?f=csv-excel-en" download { "CSV (Excel)" }
                        " · "
                        a #csv-excel href="/plots?f=csv-excel" download { "CSV (Excel, German)" }
                    }
                }
            }
            (alert_box(lang))
            p #bbox-note hidden {
                (t("Nur Flächen im gewählten Kartenausschnitt.", "Only plots in the chosen map area."))
                " "
                button #clear-bbox type="button" { (t("Überall suchen", "Search everywhere")) }
            }
            p #area-note hidden {
                (t("Nur Flächen im gezeichneten Gebiet.", "Only plots in the drawn area."))
                " "
                button #clear-area type="button" { (t("Gebiet entfernen", "Clear the area")) }
            }
            p #stand.stand {}
            ol #result-list aria-labelledby="results-title" {}
            div #compare-bar hidden {
                a #compare-link href="/compare" {}
                // The selection as a shortlist (docs/shortlists.md): a short link to pass on.
                button #compare-share type="button" data-failed=(t("Merkliste nicht erstellt – bitte erneut versuchen", "Shortlist not made – please try again")) {
                    (t("Als Merkliste teilen", "Share as shortlist"))
                }
                button #compare-clear type="button" { (t("Auswahl leeren", "Clear selection")) }
            }
        }
    }
}

/// Version of the consent text of the alert form; stored with each subscription that gives
/// an address. Change it with the text.
const ALERT_CONSENT_VERSION: &str = "2026-12";

/// "Alert me": saves the current search (`web/assets/portal-alerts.js`, docs/alerts.md).
fn alert_box(lang: Lang) -> Markup {
    let t = |de, en| tr(lang, de, en);
    html! {
        details #alert-box {
            summary { (t("Suchauftrag: über neue passende Flächen informieren", "Alert me about new matching plots")) }
            form #alert-form novalidate data-consent-version=(ALERT_CONSENT_VERSION) {
                p { (t(
                    "Speichert diese Suche, auch ein gezeichnetes Gebiet. Ohne E-Mail-Adresse erhalten Sie einen geheimen Feed-Link; mit Adresse nach Bestätigung höchstens eine E-Mail am Tag.",
                    "Saves this search, a drawn area included. Without an address you get a secret feed link; with one, after confirming it, at most one e-mail a day.")) }
                label for="alert-email" { (t("E-Mail-Adresse (freiwillig)", "E-mail address (optional)")) }
                input #alert-email type="email" name="email" autocomplete="email" maxlength="254";
                div.alert-consent {
                    input #alert-consent type="checkbox" name="consent";
                    label for="alert-consent" { (t(
                        "Ich willige ein, dass meine Adresse für diesen Suchauftrag gespeichert wird. Jede E-Mail enthält einen Abmeldelink; mit der Abmeldung wird sie gelöscht.",
                        "I agree that my address is stored for this alert. Every e-mail has an unsubscribe link; unsubscribing deletes it.")) }
                }
                div.alert-trap aria-hidden="true" {
                    label for="alert-website" { "Website" }
                    input #alert-website type="text" name="website" tabindex="-1" autocomplete="off";
                }
                button type="submit" { (t("Suche speichern", "Save this search")) }
                div #alert-status role="status" aria-live="polite" {}
            }
        }
    }
}

/// The OGC landing page's links, for people: the HTML form of the landing page (OGC API –
/// Features' HTML class) is the portal, and these are its links onwards.
fn api_links(lang: Lang, links: &[Link]) -> Markup {
    let t = |de, en| tr(lang, de, en);
    let name = |rel: &str, href: &str| -> Option<&'static str> {
        Some(match rel {
            "service-doc" => t("API-Dokumentation", "API documentation"),
            "service-desc" => "OpenAPI",
            "conformance" => t("OGC-Konformität", "OGC conformance"),
            "data" if href.ends_with("/collections") => t(
                "OGC API – Features (für GIS)",
                "OGC API – Features (for GIS)",
            ),
            "alternate" => t("Startseite als JSON", "Landing page as JSON"),
            _ => return None,
        })
    };
    html! {
        nav.api-links aria-label=(t("Für Entwickler", "For developers")) {
            span { (t("Für Entwickler und GIS:", "For developers and GIS:")) " " }
            @for l in links {
                @if let Some(label) = name(l.rel, &l.href) {
                    a href=(l.href) rel=(l.rel) type=(l.type_) { (label) } " "
                }
            }
        }
    }
}

/// The search page. `links` are the OGC landing page's links (shown in the footer).
pub fn portal_page(state: &AppState, req: &HttpRequest, links: &[Link]) -> HttpResponse {
    let lang = page_lang(req);
    let t = |de, en| tr(lang, de, en);
    let base = state.base_url(req);
    let title = t(
        "Gewerbeflächen – Grundstücke für Industrie und Gewerbe finden",
        "Commercial land – find industrial and business plots",
    );
    let description = t(
        "Alle Gewerbe- und Industrieflächen der Region auf einer Karte: nach Größe, Nutzungsart, Preis, Verfügbarkeit und Verkehrsanbindung suchen, vergleichen und als CSV laden.",
        "Every industrial and commercial plot of the region on one map: search by size, zoning, price, availability and transport links, compare them and download a CSV.",
    );
    let head = seo::Head {
        lang,
        title,
        description,
        base: &base,
        path: "/",
        default_is_german: false,
        og_type: "website",
        json_ld: Some(json!({
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": t("Gewerbeflächen", "Commercial land"),
            "url": format!("{base}/"),
            "inLanguage": lang.code(),
            "description": description,
        })),
        image: None,
    };
    let other = match lang {
        Lang::De => Lang::En,
        Lang::En => Lang::De,
    };
    let page = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                (head.render())
                link rel="alternate" type="application/json" href={ (base) "/?f=json" };
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/assets/maplibre-gl.css";
                link rel="stylesheet" href="/assets/portal.css";
                (config_block(state, lang))
            }
            body {
                a.skip-link href="#results" { (t("Zu den Ergebnissen springen", "Skip to the results")) }
                header.top {
                    div.brand {
                        h1 { (t("Gewerbeflächen", "Commercial land")) }
                        p.tagline #region-name { (t("Grundstücke für Industrie und Gewerbe", "Plots for industry and business")) }
                    }
                    nav.lang-switch aria-label=(t("Sprache", "Language")) {
                        a #lang-switch href={ "/?lang=" (other.code()) } hreflang=(other.code()) lang=(other.code()) {
                            (tr(other, "Deutsch", "English"))
                        }
                    }
                }
                main #portal {
                    div #side {
                        (search_form(lang))
                        (results_panel(lang))
                    }
                    section #map-panel aria-labelledby="map-title" {
                        h2 #map-title.visually-hidden { (t("Karte", "Map")) }
                        div #map role="region" aria-label=(t(
                            "Karte der Flächen (die Ergebnisliste enthält dieselben Flächen)",
                            "Map of the plots (the result list holds the same plots)")) {}
                        div #map-tools {
                            button #search-area type="button" { (t("In diesem Kartenausschnitt suchen", "Search this map area")) }
                            button #draw-area type="button" aria-pressed="false" { (t("Gebiet zeichnen", "Draw an area")) }
                        }
                        div #draw-bar hidden {
                            p #draw-hint tabindex="-1" { (t(
                                "Ecken anklicken; Doppelklick oder Eingabe schließt das Gebiet, Esc bricht ab. Ohne Maus: Karte mit den Pfeiltasten verschieben und die Mitte hinzufügen.",
                                "Click the corners; double-click or Enter closes the area, Esc cancels. Without a mouse: move the map with the arrow keys and add its centre.")) }
                            div.draw-buttons {
                                button #draw-add-centre type="button" { (t("Kartenmitte hinzufügen", "Add the map centre")) }
                                button #draw-finish type="button" disabled { (t("Fertig", "Finish")) }
                                button #draw-cancel type="button" { (t("Abbrechen", "Cancel")) }
                            }
                        }
                        aside #plot-card aria-live="polite" hidden {}
                        div #map-legend.legend aria-hidden="true" {}
                    }
                }
                footer.bottom {
                    p #demo-note hidden { (t("Demo-Datensatz: alle Angaben sind erfunden.", "Demo data: every entry is made up.")) }
                    (api_links(lang, links))
                }
                noscript {
                    p.noscript { (t(
                        "Die Suche braucht JavaScript. Alle Flächen als Tabelle: ",
                        "The search needs JavaScript. All plots as a table: ")) a href="/collections/plots/items?f=html" { "/collections/plots/items" } }
                }
                script src="/assets/maplibre-gl.js" {}
                script type="module" src="/assets/portal.js" {}
                script type="module" src="/assets/portal-alerts.js" {}
            }
        }
    };
    let mut response = html_response(&state.settings, page.into_string());
    response.headers_mut().insert(
        header::VARY,
        header::HeaderValue::from_static("Accept, Accept-Language"),
    );
    response.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        header::HeaderValue::from_static(lang.code()),
    );
    response
}

/// A page for a person who followed a link to something that does not exist (or is not
/// published), instead of a problem document.
pub fn not_found_page(state: &AppState, lang: Lang, message: &str) -> HttpResponse {
    let t = |de, en| tr(lang, de, en);
    let page = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (t("Nicht gefunden – Gewerbeflächen", "Not found – commercial land")) }
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/assets/profile.css";
            }
            body {
                main.profile {
                    h1 { (t("Nicht gefunden", "Not found")) }
                    p { (message) }
                    p { (t(
                        "Der Eintrag wurde vielleicht verkauft, umbenannt oder zurückgezogen.",
                        "The entry may have been sold, renamed or withdrawn.")) }
                    p { a href={ "/?lang=" (lang.code()) } { (t("Zur Flächensuche", "Search all plots")) } }
                }
            }
        }
    };
    let mut response = html_response(&state.settings, page.into_string());
    *response.status_mut() = actix_web::http::StatusCode::NOT_FOUND;
    response
}

/// Does the request come from a browser (HTML preferred over JSON)?
pub fn wants_html(req: &HttpRequest) -> bool {
    matches!(
        crate::api::ogc::negotiate(req, None),
        Ok(crate::api::ogc::Out::Html)
    )
}

/// `robots.txt`: everything public may be crawled; the sitemap lists the published pages.
pub async fn robots(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let base = state.base_url(&req);
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(format!(
            "User-agent: *\nDisallow: /auth/\nDisallow: /monitoring\nDisallow: /embed\nSitemap: {base}/sitemap.xml\n"
        ))
}
