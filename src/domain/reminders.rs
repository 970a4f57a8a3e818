//! Reminder mails: which municipality's freshness digest is due for whom, and what it says.
//! `gewerbeflaechen reminders send` (`crate::reminders`) reads the facts and sends; the rules
//! are here, without IO.
//!
//! A town's digest is due for a person who looks after it (an account assigned to the town)
//! when the town has stale, never confirmed or incomplete plots and the person has not had
//! its digest in the last `every_days` days (Germany's calendar). So a second run on the same
//! day sends nothing, and a failed send (never recorded) is tried again on the next run.

use chrono::NaiveDate;

use crate::domain::freshness::{MunicipalityFreshness, PlotFreshness};
use crate::domain::mail::{escape_html, one_line, MailContent};
use crate::domain::plot::Lang;

/// Plots named per list in a mail; the counts are complete.
pub const LISTED: usize = 20;

/// Default days between two digests of one town to one person.
pub const DEFAULT_EVERY_DAYS: u32 = 7;

/// Whether the town has anything to report.
pub fn needs_attention(town: &MunicipalityFreshness) -> bool {
    town.stale_count + town.never_confirmed_count + town.incomplete_count > 0
}

/// Whether a digest last sent on `last_sent` is due again on `today`.
pub fn is_due(last_sent: Option<NaiveDate>, today: NaiveDate, every_days: u32) -> bool {
    last_sent.is_none_or(|d| (today - d).num_days() >= i64::from(every_days))
}

/// Someone a town's digest may go to.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user_id: i64,
    pub email: String,
    pub lang: Lang,
    pub municipality_id: i64,
    /// The last day this person got this town's digest.
    pub last_sent: Option<NaiveDate>,
}

/// The digests due: (index into `towns`, recipient), in town order.
pub fn due<'a>(
    towns: &[MunicipalityFreshness],
    recipients: &'a [Recipient],
    today: NaiveDate,
    every_days: u32,
) -> Vec<(usize, &'a Recipient)> {
    let mut out = Vec::new();
    for (i, town) in towns.iter().enumerate() {
        if !needs_attention(town) {
            continue;
        }
        for r in recipients.iter().filter(|r| r.municipality_id == town.id) {
            if is_due(r.last_sent, today, every_days) {
                out.push((i, r));
            }
        }
    }
    out
}

struct Words {
    greeting: &'static str,
    intro: &'static str,
    stale: &'static str,
    never: &'static str,
    incomplete: &'static str,
    missing: &'static str,
    more: &'static str,
    ask: &'static str,
    overview: &'static str,
    report: &'static str,
    feed: &'static str,
    why: &'static str,
    subject: &'static str,
    subject_counts: [&'static str; 3],
}

const DE: Words = Words {
    greeting: "Guten Tag,",
    intro: "hier die Übersicht, was an den Flächendaten von {town} zu prüfen ist (Stand {today}):",
    stale: "Veraltet (seit mehr als {days} Tagen nicht bestätigt)",
    never: "Nie bestätigt",
    incomplete: "Unvollständig",
    missing: "fehlt",
    more: "und {n} weitere",
    ask: "Bitte prüfen Sie diese Flächen: bestätigen Sie Angaben, die noch stimmen, \
          und ergänzen Sie, was fehlt. Investoren sehen das Datum der letzten Bestätigung \
          bei jeder Fläche.",
    overview: "Aktualität aller Flächen",
    report: "Flächenbilanz",
    feed: "Dieselbe Übersicht als Feed abonnieren",
    why: "Sie erhalten diese Nachricht höchstens alle {every} Tage, solange es in {town} \
          etwas zu prüfen gibt, weil Ihr Konto diese Gemeinde betreut.",
    subject: "Flächendaten {town}",
    subject_counts: ["veraltet", "nie bestätigt", "unvollständig"],
};

const EN: Words = Words {
    greeting: "Hello,",
    intro: "here is what needs checking in the plot data of {town} (as of {today}):",
    stale: "Stale (not confirmed for more than {days} days)",
    never: "Never confirmed",
    incomplete: "Incomplete",
    missing: "missing",
    more: "and {n} more",
    ask: "Please check these plots: confirm what is still true and add what is missing. \
          Investors see the date of the last confirmation on every plot.",
    overview: "Freshness of all plots",
    report: "Land balance",
    feed: "Subscribe to the same digest as a feed",
    why: "You get this message at most every {every} days while there is something to check \
          in {town}, because your account looks after this municipality.",
    subject: "Plot data {town}",
    subject_counts: ["stale", "never confirmed", "incomplete"],
};

fn fact(name: &str, lang: Lang) -> &str {
    let (de, en) = match name {
        "price" => ("Preis", "price"),
        "bplan_status" => ("B-Plan-Status", "B-Plan status"),
        "servicing" => ("Erschließung", "servicing"),
        "broadband" => ("Breitband", "broadband"),
        "distances" => ("Entfernungen", "distances"),
        "contact" => ("Kontakt", "contact"),
        "description_en" => ("englische Beschreibung", "English description"),
        other => (other, other),
    };
    match lang {
        Lang::De => de,
        Lang::En => en,
    }
}

fn date(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::De => d.format("%d.%m.%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

/// The links a digest gives, built from `GWF_PUBLIC_URL` (no trailing slash).
pub struct Links {
    pub freshness: String,
    pub report: String,
    pub feeds: String,
}

impl Links {
    pub fn new(base: &str, lang: Lang) -> Links {
        Links {
            freshness: format!("{base}/monitoring/freshness"),
            report: format!("{base}/monitoring?f=html&lang={}", lang.code()),
            feeds: format!("{base}/monitoring/reminders"),
        }
    }
}

/// One town's digest in `lang`. `after_days` is `GWF_STALE_AFTER_DAYS`.
pub fn digest(
    town: &MunicipalityFreshness,
    lang: Lang,
    today: NaiveDate,
    after_days: u32,
    every_days: u32,
    base: &str,
) -> MailContent {
    let w = match lang {
        Lang::De => &DE,
        Lang::En => &EN,
    };
    let links = Links::new(base, lang);
    let fill = |s: &str| {
        s.replace("{town}", &town.name)
            .replace("{today}", &date(today, lang))
            .replace("{days}", &after_days.to_string())
            .replace("{every}", &every_days.to_string())
    };
    let counts = [
        town.stale_count,
        town.never_confirmed_count,
        town.incomplete_count,
    ];
    let summary: Vec<String> = counts
        .iter()
        .zip(w.subject_counts)
        .filter(|(n, _)| **n > 0)
        .map(|(n, word)| format!("{n} {word}"))
        .collect();
    let subject = one_line(&format!("{}: {}", fill(w.subject), summary.join(", ")));

    let stand = |p: &PlotFreshness| {
        format!(
            "{} {}",
            if lang == Lang::De { "Stand" } else { "as of" },
            date(p.data_confirmed_on, lang)
        )
    };
    let gaps = |p: &PlotFreshness| {
        let names: Vec<&str> = p.missing.iter().map(|m| fact(m, lang)).collect();
        format!("{} {}", w.missing, names.join(", "))
    };
    type Detail<'a> = &'a dyn Fn(&PlotFreshness) -> String;
    let sections: [(String, u64, &[PlotFreshness], Detail); 3] = [
        (fill(w.stale), town.stale_count, &town.stale, &stand),
        (
            w.never.to_owned(),
            town.never_confirmed_count,
            &town.never_confirmed,
            &stand,
        ),
        (
            w.incomplete.to_owned(),
            town.incomplete_count,
            &town.incomplete,
            &gaps,
        ),
    ];

    let mut text = format!("{}\n\n{}\n", w.greeting, fill(w.intro));
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family: sans-serif; line-height: 1.4\">\n<p>{}</p>\n<p>{}</p>\n",
        lang.code(),
        escape_html(&subject),
        escape_html(w.greeting),
        escape_html(&fill(w.intro)),
    );
    for (title, count, plots, detail) in sections {
        if count == 0 {
            continue;
        }
        text.push_str(&format!("\n{title}: {count}\n"));
        html.push_str(&format!(
            "<h2>{}: {count}</h2>\n<ul>\n",
            escape_html(&title)
        ));
        for p in plots.iter().take(LISTED) {
            text.push_str(&format!("  - {} ({})\n", p.reference, detail(p)));
            html.push_str(&format!(
                "<li>{} ({})</li>\n",
                escape_html(&p.reference),
                escape_html(&detail(p))
            ));
        }
        let shown = plots.len().min(LISTED) as u64;
        if count > shown {
            let more = w.more.replace("{n}", &(count - shown).to_string());
            text.push_str(&format!("  … {more}\n"));
            html.push_str(&format!("<li>… {}</li>\n", escape_html(&more)));
        }
        html.push_str("</ul>\n");
    }
    text.push_str(&format!(
        "\n{}\n\n{}: {}\n{}: {}\n{}: {}\n\n-- \n{}\n",
        w.ask,
        w.overview,
        links.freshness,
        w.report,
        links.report,
        w.feed,
        links.feeds,
        fill(w.why)
    ));
    let link = |label: &str, href: &str| {
        format!(
            "<li>{}: <a href=\"{}\">{}</a></li>\n",
            escape_html(label),
            escape_html(href),
            escape_html(href)
        )
    };
    html.push_str(&format!(
        "<p>{}</p>\n<ul>\n{}{}{}</ul>\n<hr>\n<p style=\"color: #555; font-size: small\">{}</p>\n</body></html>\n",
        escape_html(w.ask),
        link(w.overview, &links.freshness),
        link(w.report, &links.report),
        link(w.feed, &links.feeds),
        escape_html(&fill(w.why))
    ));
    MailContent {
        subject,
        text,
        html,
        language: lang.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn plot(reference: &str, confirmed: NaiveDate, missing: Vec<&'static str>) -> PlotFreshness {
        PlotFreshness {
            id: 1,
            reference: reference.to_owned(),
            published: true,
            data_confirmed_on: confirmed,
            data_age_days: 400,
            stale: true,
            never_confirmed: false,
            completeness: 0.5,
            missing,
        }
    }

    fn town(id: i64, stale: usize, incomplete: usize) -> MunicipalityFreshness {
        let old = plot("GRA-<1>", day(2024, 3, 31), vec![]);
        let gaps = plot("GRA-2", day(2026, 1, 5), vec!["price", "description_en"]);
        MunicipalityFreshness {
            id,
            name: "Grabow".to_owned(),
            plots: 30,
            stale_count: stale as u64,
            never_confirmed_count: 0,
            incomplete_count: incomplete as u64,
            completeness: 0.8,
            stale: vec![old; stale.min(LISTED)],
            never_confirmed: vec![],
            incomplete: vec![gaps; incomplete.min(LISTED)],
            truncated: stale > LISTED,
        }
    }

    fn recipient(user_id: i64, municipality_id: i64, last: Option<NaiveDate>) -> Recipient {
        Recipient {
            user_id,
            email: format!("u{user_id}@example.org"),
            lang: Lang::De,
            municipality_id,
            last_sent: last,
        }
    }

    #[test]
    fn a_digest_is_due_once_per_period_and_only_with_something_to_say() {
        let today = day(2026, 11, 27);
        assert!(is_due(None, today, 7));
        assert!(!is_due(Some(today), today, 1));
        assert!(is_due(Some(day(2026, 11, 26)), today, 1));
        assert!(!is_due(Some(day(2026, 11, 21)), today, 7));
        assert!(is_due(Some(day(2026, 11, 20)), today, 7));

        let towns = [town(1, 2, 0), town(2, 0, 0)];
        let people = [
            recipient(10, 1, None),
            recipient(11, 1, Some(today)),
            recipient(12, 2, None),
        ];
        let due: Vec<(usize, i64)> = due(&towns, &people, today, 7)
            .into_iter()
            .map(|(i, r)| (i, r.user_id))
            .collect();
        assert_eq!(due, vec![(0, 10)]);
    }

    #[test]
    fn the_digest_speaks_the_recipients_language_and_links_the_service() {
        let t = town(1, 23, 1);
        let base = "https://flaechen.example.org";
        let de = digest(&t, Lang::De, day(2026, 11, 27), 365, 7, base);
        assert_eq!(
            de.subject,
            "Flächendaten Grabow: 23 veraltet, 1 unvollständig"
        );
        assert!(de.text.contains("Stand 27.11.2026"), "{}", de.text);
        assert!(de.text.contains("GRA-<1> (Stand 31.03.2024)"));
        assert!(de.text.contains("und 3 weitere"));
        assert!(de.text.contains("fehlt Preis, englische Beschreibung"));
        assert!(de
            .text
            .contains("https://flaechen.example.org/monitoring/freshness"));
        assert!(de.html.contains("GRA-&lt;1&gt;"), "{}", de.html);
        assert!(de.html.contains("<html lang=\"de\">"));
        assert!(de
            .html
            .contains("href=\"https://flaechen.example.org/monitoring?f=html&amp;lang=de\""));

        let en = digest(&t, Lang::En, day(2026, 11, 27), 365, 7, base);
        assert_eq!(en.subject, "Plot data Grabow: 23 stale, 1 incomplete");
        assert!(en.text.contains("as of 2024-03-31"));
        assert!(en.text.contains("missing price, English description"));
        assert_eq!(en.language, "en");
    }
}
