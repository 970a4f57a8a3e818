//! The land balance as a page for people (`GET /monitoring?f=html`, or a browser's `Accept`):
//! German or English, the charts drawn by the service as inline SVG (nothing loaded from other
//! hosts, no script), and a print layout that serves as the yearly report (A4, browser print
//! to PDF).

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::MonitoringReport;
use crate::domain::monitoring::{Figures, Group};
use crate::domain::plot::Lang;

struct Labels {
    title: &'static str,
    as_of: &'static str,
    supply: &'static str,
    immediately: &'static str,
    reserved: &'static str,
    take_up: &'static str,
    mean_5y: &'static str,
    reichweite: &'static str,
    years: &'static str,
    plots: &'static str,
    availability: [&'static str; 4],
    supply_chart: &'static str,
    take_up_chart: &'static str,
    rolling: &'static str,
    group: &'static str,
    sold_last: &'static str,
    prices: &'static str,
    zoning: &'static str,
    definitions: &'static str,
    none: &'static str,
}

const DE: Labels = Labels {
    title: "Flächenbilanz",
    as_of: "Stand",
    supply: "Angebot",
    immediately: "sofort verfügbar",
    reserved: "reserviert",
    take_up: "Flächenumsatz",
    mean_5y: "Mittel 5 Jahre",
    reichweite: "Reichweite",
    years: "Jahre",
    plots: "Flächen",
    availability: ["sofort verfügbar", "bis 2 Jahre", "später", "in Planung"],
    supply_chart: "Angebot nach Verfügbarkeit (ha)",
    take_up_chart: "Verkaufte Fläche je Jahr (ha), Linie: gleitendes Mittel 3 Jahre",
    rolling: "gleitendes Mittel 3 Jahre",
    group: "Gebiet",
    sold_last: "verkauft im Vorjahr",
    prices: "Preise (€/m²)",
    zoning: "Nutzungsart",
    definitions: "Definitionen",
    none: "–",
};

const EN: Labels = Labels {
    title: "Land balance",
    as_of: "As of",
    supply: "Supply",
    immediately: "immediately available",
    reserved: "reserved",
    take_up: "Take-up",
    mean_5y: "5-year mean",
    reichweite: "Years of supply",
    years: "years",
    plots: "plots",
    availability: ["immediately", "within 2 years", "later", "planned"],
    supply_chart: "Supply by availability (ha)",
    take_up_chart: "Land sold per year (ha), line: 3-year rolling mean",
    rolling: "3-year rolling mean",
    group: "Area",
    sold_last: "sold last year",
    prices: "Prices (€/m²)",
    zoning: "Zoning",
    definitions: "Definitions",
    none: "–",
};

/// Colours of the availability classes (immediately … planned), distinguishable in greyscale.
const COLOURS: [&str; 4] = ["#1b5e20", "#66bb6a", "#c5e1a5", "#b0bec5"];

fn number(lang: Lang, value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match lang {
        Lang::De => text.replace('.', ","),
        Lang::En => text,
    }
}

fn optional(lang: Lang, l: &Labels, value: Option<f64>) -> String {
    value.map_or_else(|| l.none.to_owned(), |v| number(lang, v, 1))
}

/// Where each part of a stacked bar starts and how wide it is: (x, width, value).
fn stack(values: &[f64], start: f64, scale: f64) -> Vec<(f64, f64, f64)> {
    let mut x = start;
    values
        .iter()
        .map(|v| {
            let part = (x, v * scale, *v);
            x += v * scale;
            part
        })
        .collect()
}

/// Stacked bars of supply by availability, one row per group. Units: ha.
fn supply_chart(groups: &[Group], l: &Labels, lang: Lang) -> Markup {
    const ROW: f64 = 22.0;
    const LABEL: f64 = 190.0;
    const WIDTH: f64 = 720.0;
    let rows: Vec<&Group> = groups.iter().take(40).collect();
    let max = rows
        .iter()
        .map(|g| g.figures.supply.hectares)
        .fold(0.0, f64::max)
        .max(0.0001);
    let height = ROW * rows.len() as f64 + 40.0;
    let scale = (WIDTH - LABEL - 70.0) / max;
    html! {
        svg.chart viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(l.supply_chart) {
            @for (i, g) in rows.iter().enumerate() {
                @let y = 10.0 + ROW * i as f64;
                text x=(LABEL - 6.0) y=(y + 14.0) text-anchor="end" font-size="12" { (g.name) }
                @let parts = stack(&g.figures.supply.by_availability.iter().map(|b| b.hectares).collect::<Vec<_>>(), LABEL, scale);
                @for (k, (x, w, ha)) in parts.iter().enumerate() {
                    rect x=(x) y=(y) width=(w) height=(ROW - 6.0) fill=(COLOURS[k % 4]) {
                        title { (l.availability[k % 4]) ": " (number(lang, *ha, 1)) " ha" }
                    }
                }
                @let x = parts.last().map_or(LABEL, |(x, w, _)| x + w);
                text x=(x + 4.0) y=(y + 13.0) font-size="11" { (number(lang, g.figures.supply.hectares, 1)) }
            }
            @for (k, name) in l.availability.iter().enumerate() {
                @let lx = LABEL + 140.0 * k as f64;
                rect x=(lx) y=(height - 20.0) width="12" height="12" fill=(COLOURS[k]) {}
                text x=(lx + 16.0) y=(height - 10.0) font-size="11" { (name) }
            }
        }
    }
}

/// Sold hectares per year as bars, the 3-year rolling mean as a line.
fn take_up_chart(f: &Figures, l: &Labels, lang: Lang) -> Markup {
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 220.0;
    const BOTTOM: f64 = 190.0;
    let years = &f.take_up.years;
    let max = years
        .iter()
        .map(|y| y.sold_hectares.max(y.rolling_3y_hectares))
        .fold(0.0, f64::max)
        .max(0.0001);
    let step = (WIDTH - 40.0) / years.len().max(1) as f64;
    let scale = (BOTTOM - 20.0) / max;
    let points: Vec<String> = years
        .iter()
        .enumerate()
        .map(|(i, y)| {
            format!(
                "{:.1},{:.1}",
                30.0 + step * (i as f64 + 0.5),
                BOTTOM - y.rolling_3y_hectares * scale
            )
        })
        .collect();
    html! {
        svg.chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(l.take_up_chart) {
            line x1="30" y1=(BOTTOM) x2=(WIDTH - 10.0) y2=(BOTTOM) stroke="#555" {}
            @for (i, y) in years.iter().enumerate() {
                @let x = 30.0 + step * i as f64 + step * 0.15;
                @let h = y.sold_hectares * scale;
                rect x=(x) y=(BOTTOM - h) width=(step * 0.7) height=(h)
                    fill=(if y.partial { "#90caf9" } else { "#1565c0" }) {
                    title { (y.year) ": " (number(lang, y.sold_hectares, 1)) " ha, " (y.sold_count) " " (l.plots) }
                }
                text x=(x + step * 0.35) y=(BOTTOM + 14.0) text-anchor="middle" font-size="11" { (y.year) }
                text x=(x + step * 0.35) y=(BOTTOM - h - 3.0) text-anchor="middle" font-size="10" {
                    (number(lang, y.sold_hectares, 1))
                }
            }
            polyline points=(points.join(" ")) fill="none" stroke="#e65100" stroke-width="2" {
                title { (l.rolling) }
            }
        }
    }
}

/// The page.
pub fn render(report: &MonitoringReport, lang: Lang, query: &str) -> String {
    let l = match lang {
        Lang::De => &DE,
        Lang::En => &EN,
    };
    let t = &report.total;
    let other = match lang {
        Lang::De => "en",
        Lang::En => "de",
    };
    let immediately = t.supply.by_availability.first().map_or(0.0, |b| b.hectares);
    let last_year = t.take_up.years.len().checked_sub(2);
    let definitions = &report.definitions;
    let texts = match lang {
        Lang::De => crate::domain::monitoring::DEF_DE,
        Lang::En => [
            definitions.supply,
            definitions.availability,
            definitions.take_up,
            definitions.reichweite,
            definitions.prices,
            definitions.size_classes,
        ],
    };
    let page = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (l.title) " " (report.region.name) " – " (l.as_of) " " (report.as_of) }
                link rel="icon" href="data:,";
                style { (PreEscaped(STYLE)) }
            }
            body {
                main.report {
                    nav.lang-switch { a href={ "?" (query) "&lang=" (other) } { (other.to_uppercase()) } }
                    h1 { (l.title) " " (report.region.name) }
                    p.subtitle { (l.as_of) " " (report.as_of.format("%d.%m.%Y")) }
                    section.summary {
                        div { span.value { (number(lang, t.supply.hectares, 1)) " ha" } span.label { (l.supply) " (" (t.supply.count) " " (l.plots) ")" } }
                        div { span.value { (number(lang, immediately, 1)) " ha" } span.label { (l.immediately) } }
                        div { span.value { (number(lang, t.reserved.hectares, 1)) " ha" } span.label { (l.reserved) } }
                        div { span.value { (number(lang, t.take_up.mean_sold_ha_5y, 1)) " ha" } span.label { (l.take_up) ", " (l.mean_5y) } }
                        div { span.value { (optional(lang, l, t.reichweite.years_5y)) " " (l.years) } span.label { (l.reichweite) } }
                    }
                    h2 { (l.supply_chart) }
                    (supply_chart(&report.groups, l, lang))
                    h2 { (l.take_up_chart) }
                    (take_up_chart(t, l, lang))
                    table {
                        thead { tr {
                            th { (l.group) } th.num { (l.supply) " ha" } th.num { (l.immediately) " ha" }
                            th.num { (l.sold_last) " ha" } th.num { (l.mean_5y) " ha" } th.num { (l.reichweite) }
                        } }
                        tbody {
                            @for g in &report.groups {
                                @let f = &g.figures;
                                tr {
                                    td { (g.name) }
                                    td.num { (number(lang, f.supply.hectares, 1)) }
                                    td.num { (number(lang, f.supply.by_availability.first().map_or(0.0, |b| b.hectares), 1)) }
                                    td.num { (last_year.and_then(|i| f.take_up.years.get(i)).map_or(l.none.to_owned(), |y| number(lang, y.sold_hectares, 1))) }
                                    td.num { (number(lang, f.take_up.mean_sold_ha_5y, 1)) }
                                    td.num { (optional(lang, l, f.reichweite.years_5y)) }
                                }
                            }
                        }
                    }
                    h2 { (l.prices) }
                    table {
                        thead { tr { th { (l.zoning) } th.num { "n" } th.num { "min" } th.num { "median" } th.num { "max" } } }
                        tbody {
                            @for p in &t.prices {
                                tr {
                                    td { (p.zoning) } td.num { (p.count) }
                                    td.num { (number(lang, p.min_eur_m2, 2)) }
                                    td.num { (number(lang, p.median_eur_m2, 2)) }
                                    td.num { (number(lang, p.max_eur_m2, 2)) }
                                }
                            }
                        }
                    }
                    details.definitions open {
                        summary { (l.definitions) }
                        @for text in texts { p { (text) } }
                    }
                }
            }
        }
    };
    page.into_string()
}

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 0; color: #222; background: #fff; }
.report { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
.lang-switch { text-align: right; }
h1 { margin: 0.5rem 0 0; } .subtitle { color: #555; margin-top: 0.2rem; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: 0.8rem; margin: 1rem 0; }
.summary div { border: 1px solid #ccc; border-radius: 6px; padding: 0.6rem; }
.value { display: block; font-size: 1.4rem; font-weight: 600; } .label { color: #555; font-size: 0.85rem; }
.chart { width: 100%; height: auto; margin: 0.5rem 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.4rem; text-align: left; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.definitions p { font-size: 0.85rem; color: #444; }
/* Phones: wide tables scroll by themselves instead of the whole page. */
@media screen and (max-width: 40rem) {
  .report { padding: 0.5rem 0.8rem 2rem; }
  table { display: block; overflow-x: auto; }
}
@media print {
  .definitions summary { list-style: none; font-weight: 600; }
  .definitions summary::-webkit-details-marker { display: none; }
  @page { size: A4; margin: 15mm; }
  .lang-switch { display: none; }
  .report { max-width: none; padding: 0; }
  .chart, table, .summary { break-inside: avoid; }
  h2 { break-after: avoid; }
}
";
