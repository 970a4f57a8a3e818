//! `GET /compare?plots=A,B&lang=en`: up to four published plots side by side on one printable
//! page, from the same loader as `GET /plots/compare`.

use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;

use super::{glossary, tr};
use crate::api::error::ApiError;
use crate::api::extract::{Caller, QueryParams};
use crate::api::maps::pages::html_response;
use crate::api::maps::profile::{date, km, m2, number};
use crate::api::plots::search::compared;
use crate::api::views::Plot;
use crate::api::AppState;
use crate::domain::money::indicative_total;
use crate::domain::plot::{Lang, Vocabulary};

/// Most plots the page puts side by side (a printed A4 page in landscape holds four).
pub const MAX_PLOTS: usize = 4;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareParams {
    /// Plot references or ids, comma-separated, at most four.
    pub plots: Option<String>,
    /// `de` or `en`; without it, the browser's language.
    pub lang: Option<String>,
}

fn ha(value: f64, lang: Lang) -> String {
    format!("{} ha", number(value / 10_000.0, 2, lang))
}

fn eur(value: i64, lang: Lang) -> String {
    let n = number(value as f64, 0, lang);
    match lang {
        Lang::De => format!("{n} €"),
        Lang::En => format!("€{n}"),
    }
}

fn price_m2(p: &Plot, lang: Lang) -> String {
    let f = &p.facts;
    let cents = |c: i64| number(c as f64 / 100.0, 2, lang);
    match (f.price_on_request, f.price_min_eur_m2, f.price_max_eur_m2) {
        (false, Some(min), Some(max)) if max != min => match lang {
            Lang::De => format!("{}–{} €/m²", cents(min.0), cents(max.0)),
            Lang::En => format!("€{}–{} per m²", cents(min.0), cents(max.0)),
        },
        (false, Some(min), _) => match lang {
            Lang::De => format!("{} €/m²", cents(min.0)),
            Lang::En => format!("€{} per m²", cents(min.0)),
        },
        _ => tr(lang, "Preis auf Anfrage", "Price on request").to_owned(),
    }
}

/// Area × price per m², as a range in whole thousands of euros.
pub fn total_price(p: &Plot, lang: Lang) -> Option<String> {
    let f = &p.facts;
    if f.price_on_request {
        return None;
    }
    let (lo, hi) = indicative_total(p.area_m2, f.price_min_eur_m2?, f.price_max_eur_m2)?;
    Some(if lo == hi {
        format!("≈ {}", eur(lo, lang))
    } else {
        format!("≈ {} – {}", eur(lo, lang), eur(hi, lang))
    })
}

fn yes_no(v: Option<bool>, lang: Lang) -> String {
    match v {
        Some(true) => tr(lang, "ja", "yes").into(),
        Some(false) => tr(lang, "nein", "no").into(),
        None => "–".into(),
    }
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map(f).unwrap_or_else(|| "–".into())
}

type Row = (&'static str, Box<dyn Fn(&Plot) -> String>);

/// The compared facts, in the order a site selector reads them.
fn rows(lang: Lang) -> Vec<Row> {
    let t = |de, en| tr(lang, de, en);
    vec![
        (
            t("Gemeinde", "Municipality"),
            Box::new(|p: &Plot| p.municipality_name.clone()),
        ),
        (
            t("Gewerbegebiet", "Business estate"),
            Box::new(|p: &Plot| p.estate_name.clone().unwrap_or_else(|| "–".into())),
        ),
        (
            t("Status", "Status"),
            Box::new(move |p: &Plot| p.facts.status.label(lang).into()),
        ),
        (
            t("Verfügbar ab", "Available from"),
            Box::new(move |p: &Plot| opt(p.facts.available_from, |d| date(d, lang))),
        ),
        (
            t("Fläche", "Area"),
            Box::new(move |p: &Plot| format!("{} ({})", m2(p.area_m2, lang), ha(p.area_m2, lang))),
        ),
        (
            t("Preis", "Price"),
            Box::new(move |p: &Plot| price_m2(p, lang)),
        ),
        (
            t(
                "Gesamtpreis (Richtwert: Fläche × Preis)",
                "Total price (indicative: area × price)",
            ),
            Box::new(move |p: &Plot| total_price(p, lang).unwrap_or_else(|| "–".into())),
        ),
        (
            t("Nutzungsart (BauNVO)", "Zoning (BauNVO)"),
            Box::new(move |p: &Plot| p.facts.zoning.label(lang).into()),
        ),
        (
            t("Bebauungsplan", "Land-use plan (B-Plan)"),
            Box::new(move |p: &Plot| p.facts.bplan_status.label(lang).into()),
        ),
        (
            "GRZ / GFZ / BMZ",
            Box::new(move |p: &Plot| {
                [p.facts.grz, p.facts.gfz, p.facts.bmz]
                    .iter()
                    .map(|v| opt(*v, |v| number(v, 1, lang)))
                    .collect::<Vec<_>>()
                    .join(" / ")
            }),
        ),
        (
            t("Max. Höhe", "Max. height"),
            Box::new(move |p: &Plot| {
                opt(p.facts.max_height_m, |h| {
                    format!("{} m", number(h, 1, lang))
                })
            }),
        ),
        (
            t("24-Stunden-Betrieb", "24-hour operation"),
            Box::new(move |p: &Plot| yes_no(p.facts.operation_24h, lang)),
        ),
        (
            t("Schwerlastverkehr", "Heavy-goods vehicles"),
            Box::new(move |p: &Plot| yes_no(p.facts.heavy_vehicle_access, lang)),
        ),
        (
            t("Erschließung", "Servicing"),
            Box::new(move |p: &Plot| p.facts.servicing.label(lang).into()),
        ),
        (
            t("Stromanschluss", "Power capacity"),
            Box::new(move |p: &Plot| {
                opt(p.facts.electricity_capacity_kva, |v| {
                    format!("{} kVA", number(v as f64, 0, lang))
                })
            }),
        ),
        (
            t("Breitband", "Broadband"),
            Box::new(move |p: &Plot| {
                opt(p.facts.broadband_mbit, |v| {
                    format!("{} Mbit/s", number(v as f64, 0, lang))
                })
            }),
        ),
        (
            t("Glasfaser", "Fibre"),
            Box::new(move |p: &Plot| yes_no(p.facts.fibre, lang)),
        ),
        (
            t("Gleisanschluss", "Rail siding"),
            Box::new(move |p: &Plot| yes_no(Some(p.facts.rail_siding), lang)),
        ),
        (
            t("Autobahn", "Motorway"),
            Box::new(move |p: &Plot| opt(p.facts.dist_motorway_km, |v| km(v, lang))),
        ),
        (
            t("Bahnhof", "Railway station"),
            Box::new(move |p: &Plot| opt(p.facts.dist_rail_station_km, |v| km(v, lang))),
        ),
        (
            t("Hafen", "Port"),
            Box::new(move |p: &Plot| opt(p.facts.dist_port_km, |v| km(v, lang))),
        ),
        (
            t("Flughafen", "Airport"),
            Box::new(move |p: &Plot| opt(p.facts.dist_airport_km, |v| km(v, lang))),
        ),
        (
            t("GRW-Fördergebiet", "GRW aid area"),
            Box::new(move |p: &Plot| yes_no(Some(p.facts.grw_area), lang)),
        ),
        (
            t(
                "GRW-Höchstsatz klein / mittel / groß",
                "GRW max. rate small / medium / large",
            ),
            Box::new(move |p: &Plot| {
                let f = &p.facts;
                if [
                    f.grw_max_rate_small_pct,
                    f.grw_max_rate_medium_pct,
                    f.grw_max_rate_large_pct,
                ]
                .iter()
                .all(Option::is_none)
                {
                    return "–".into();
                }
                [
                    f.grw_max_rate_small_pct,
                    f.grw_max_rate_medium_pct,
                    f.grw_max_rate_large_pct,
                ]
                .iter()
                .map(|v| opt(*v, |v| format!("{v} %")))
                .collect::<Vec<_>>()
                .join(" / ")
            }),
        ),
        (
            t("Stand der Daten", "Data as of"),
            Box::new(move |p: &Plot| date(p.facts.data_confirmed_on, lang)),
        ),
    ]
}

pub(crate) fn table(lang: Lang, plots: &[Plot]) -> Markup {
    let title = |p: &Plot| match lang {
        Lang::De => p.facts.title_de.clone(),
        Lang::En => p
            .facts
            .title_en
            .clone()
            .unwrap_or_else(|| p.facts.title_de.clone()),
    };
    html! {
        table.compare {
            caption.visually-hidden { (tr(lang, "Flächen im Vergleich", "Plots compared")) }
            thead {
                tr {
                    td {}
                    @for p in plots {
                        th scope="col" {
                            span.ref { (p.facts.reference) }
                            a href={ "/plots/" (p.facts.reference) "/profile?lang=" (lang.code()) } { (title(p)) }
                        }
                    }
                }
            }
            tbody {
                @for (label, value) in rows(lang) {
                    tr {
                        th scope="row" { (label) }
                        @for p in plots { td { (value(p)) } }
                    }
                }
            }
        }
    }
}

fn page(lang: Lang, plots: &[Plot], keys: &str, back: &str) -> Markup {
    let t = |de, en| tr(lang, de, en);
    let other = match lang {
        Lang::De => Lang::En,
        Lang::En => Lang::De,
    };
    let demo = plots.iter().any(|p| p.demo);
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // A selection, not a page of its own: the profiles are what search engines list.
                meta name="robots" content="noindex, follow";
                title { (t("Flächenvergleich", "Plot comparison")) " – " (keys) }
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/assets/profile.css";
            }
            body {
                main.profile.compare-page {
                    nav.lang-switch aria-label=(t("Sprache", "Language")) {
                        a href={ "/compare?plots=" (keys) "&lang=" (other.code()) } hreflang=(other.code()) lang=(other.code()) {
                            (tr(other, "Deutsch", "English"))
                        }
                    }
                    p.back { a href=(back) { "← " (t("Zurück zur Suche", "Back to the search")) } }
                    h1 { (t("Flächenvergleich", "Plot comparison")) }
                    @if demo { p.demo-badge { (t("Demo-Datensatz: fiktive Angaben", "Demo data: fictitious")) } }
                    @if plots.is_empty() {
                        p { (t(
                            "Wählen Sie in der Suche bis zu vier Flächen mit „Vergleichen“ aus.",
                            "Choose up to four plots with \"Compare\" in the search.")) }
                    } @else {
                        div.compare-scroll { (table(lang, plots)) }
                        p.note { (t(
                            "Der Gesamtpreis ist ein Richtwert (Fläche × Preis je m², gerundet), kein Angebot; Erschließungskosten kommen gegebenenfalls hinzu.",
                            "The total price is an indication (area × price per m², rounded), not an offer; servicing costs may come on top.")) }
                    }
                    (glossary::section(lang))
                }
            }
        }
    }
}

/// Plot comparison page (HTML; not in the OpenAPI document, which describes the API).
pub async fn compare_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<CompareParams>,
) -> Result<HttpResponse, ApiError> {
    let lang = match params.lang.as_deref() {
        Some(code) => Lang::parse(code)
            .ok_or_else(|| ApiError::bad_parameter("lang", format!("`{code}`: use de or en")))?,
        None => super::page_lang(&req),
    };
    let keys = params.plots.unwrap_or_default();
    let count = keys.split(',').filter(|k| !k.trim().is_empty()).count();
    if count > MAX_PLOTS {
        return Err(ApiError::bad_parameter(
            "plots",
            format!("compare at most {MAX_PLOTS} plots on this page"),
        ));
    }
    let plots = if count == 0 {
        Vec::new()
    } else {
        match compared(&state, &caller, &keys).await {
            Ok(plots) => plots,
            Err(ApiError::NotFound(message)) => {
                return Ok(super::not_found_page(&state, lang, &message))
            }
            Err(e) => return Err(e),
        }
    };
    let back = format!("/?lang={}", lang.code());
    let keys_shown: String = keys.chars().take(200).collect();
    Ok(html_response(
        &state.settings,
        page(lang, &plots, &keys_shown, &back).into_string(),
    ))
}
