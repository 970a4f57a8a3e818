//! Short explanations of the German planning and funding terms a foreign investor meets on the
//! profile and compare pages, in the reader's language.

use maud::{html, Markup};

use crate::domain::plot::Lang;

/// (term, German explanation, English explanation).
const TERMS: &[(&str, &str, &str)] = &[
    (
        "B-Plan",
        "Bebauungsplan: die verbindliche Satzung der Gemeinde, die festlegt, was auf einer Fläche gebaut werden darf. „Rechtskräftig“ heißt: eine Baugenehmigung kann sich direkt darauf stützen.",
        "Bebauungsplan (binding land-use plan): the municipality's by-law stating what may be built on a plot. \"Legally binding\" means a building permit can rely on it directly.",
    ),
    (
        "BauNVO",
        "Baunutzungsverordnung: die Bundesverordnung der Baugebietstypen. GI (Industriegebiet) erlaubt auch erheblich störende Betriebe, GE (Gewerbegebiet) nicht erheblich belästigende Betriebe, GE-e nur wohnverträgliches Gewerbe, MI/MU mischen Wohnen und Gewerbe, SO ist ein Sondergebiet mit eigenem Zweck (z. B. Logistik, Energie).",
        "Federal Land Use Ordinance defining the zoning types: GI (industrial area) also admits heavily disturbing operations, GE (commercial area) businesses that do not cause significant nuisance, GE-e only businesses compatible with housing nearby, MI/MU mix housing and business, SO is a special area with its own purpose (e.g. logistics, energy).",
    ),
    (
        "GRZ",
        "Grundflächenzahl: Anteil des Grundstücks, der überbaut werden darf (0,8 = 80 % der Fläche).",
        "Site coverage ratio: the share of the plot buildings may cover (0.8 = 80% of the area).",
    ),
    (
        "GFZ",
        "Geschossflächenzahl: zulässige Geschossfläche aller Vollgeschosse je m² Grundstück (2,4 auf 10.000 m² = 24.000 m² Geschossfläche).",
        "Floor-area ratio: permitted floor area of all full storeys per m² of plot (2.4 on 10,000 m² = 24,000 m² of floor space).",
    ),
    (
        "BMZ",
        "Baumassenzahl: zulässiges Bauvolumen in m³ je m² Grundstück; wichtig für hohe Hallen.",
        "Building volume ratio: permitted building volume in m³ per m² of plot; what matters for tall halls.",
    ),
    (
        "GRW",
        "Gemeinschaftsaufgabe „Verbesserung der regionalen Wirtschaftsstruktur“: Investitionszuschüsse von Bund und Land in Fördergebieten. Der Höchstsatz hängt von der Unternehmensgröße ab (klein / mittel / groß, in % der förderfähigen Kosten).",
        "Germany's main regional investment aid (federal and state grants) in designated aid areas. The maximum rate depends on company size (small / medium / large, as % of eligible costs).",
    ),
];

/// The explanations as a definition list under a heading.
pub fn section(lang: Lang) -> Markup {
    let (heading, intro) = match lang {
        Lang::De => ("Begriffe erklärt", None),
        Lang::En => (
            "German terms explained",
            Some("The plot data uses the terms of German planning law:"),
        ),
    };
    html! {
        section.section.glossary {
            h2 { (heading) }
            @if let Some(intro) = intro { p { (intro) } }
            dl.facts {
                @for (term, de, en) in TERMS {
                    dt { dfn { (term) } }
                    dd { (match lang { Lang::De => *de, Lang::En => *en }) }
                }
            }
        }
    }
}
