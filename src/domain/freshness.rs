//! Freshness: how old a plot's data is ("Stand", `data_confirmed_on`), when it is stale
//! (`GWF_STALE_AFTER_DAYS`), and how complete it is (the recommended facts an investor looks
//! for). The calendar is Germany's (Europe/Berlin).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

/// The calendar day in Germany at `now`: UTC+1, or UTC+2 from the last Sunday of March 01:00
/// UTC to the last Sunday of October 01:00 UTC (EU summer time). Computed here so that no time
/// zone database is needed for one zone.
pub fn berlin_date(now: DateTime<Utc>) -> NaiveDate {
    let year = now.year();
    let last_sunday = |month: u32| {
        let mut d =
            NaiveDate::from_ymd_opt(year, month, 31).expect("March and October have 31 days");
        while d.weekday() != Weekday::Sun {
            d = d.pred_opt().expect("a valid date");
        }
        Utc.from_utc_datetime(&d.and_hms_opt(1, 0, 0).expect("a valid time"))
    };
    let offset = if now >= last_sunday(3) && now < last_sunday(10) {
        2
    } else {
        1
    };
    (now + Duration::hours(offset)).date_naive()
}

/// Today in Germany. Kept per thread for the current UTC hour: Germany's offsets are whole
/// hours and change at 01:00 UTC, so its date changes only at a full UTC hour (walked by a test),
/// and a search page asks once per plot (~700 instructions each, bench/RESULTS.md).
pub fn today() -> NaiveDate {
    thread_local! {
        static HOUR: std::cell::Cell<Option<(i64, NaiveDate)>> = const { std::cell::Cell::new(None) };
    }
    let now = Utc::now();
    let hour = now.timestamp().div_euclid(3600);
    HOUR.with(|cached| match cached.get() {
        Some((at, date)) if at == hour => date,
        _ => {
            let date = berlin_date(now);
            cached.set(Some((hour, date)));
            date
        }
    })
}

/// Days since the data was confirmed (0 on the day; never negative).
pub fn data_age_days(confirmed: NaiveDate, today: NaiveDate) -> i64 {
    (today - confirmed).num_days().max(0)
}

/// Confirmed longer than `after_days` ago.
pub fn is_stale(confirmed: NaiveDate, today: NaiveDate, after_days: u32) -> bool {
    data_age_days(confirmed, today) > i64::from(after_days)
}

/// The oldest confirmation date that is still fresh.
pub fn fresh_since(today: NaiveDate, after_days: u32) -> NaiveDate {
    today - Duration::days(i64::from(after_days))
}

/// The facts a complete plot record has, as the freshness report names them when missing.
pub const RECOMMENDED: [&str; 7] = [
    "price",
    "bplan_status",
    "servicing",
    "broadband",
    "distances",
    "contact",
    "description_en",
];

/// What the completeness check looks at, read from the plot and the places it borrows from.
#[derive(Debug, Clone, Default)]
pub struct Completeness {
    /// A price range, or "on request".
    pub price: bool,
    /// A B-Plan status other than `none` (a plan, §34, or one in preparation).
    pub bplan_status: bool,
    /// Servicing other than `none`, or the utilities recorded (road, water, sewage, power).
    pub servicing: bool,
    /// Broadband speed or fibre recorded (the plot's or its estate's).
    pub broadband: bool,
    /// Distance to the motorway recorded (the plot's or its estate's).
    pub distances: bool,
    /// A contact e-mail or phone (the plot's, its estate's or its town's).
    pub contact: bool,
    /// An English description.
    pub description_en: bool,
}

impl Completeness {
    /// The recommended facts missing, in `RECOMMENDED` order.
    pub fn missing(&self) -> Vec<&'static str> {
        let filled = [
            self.price,
            self.bplan_status,
            self.servicing,
            self.broadband,
            self.distances,
            self.contact,
            self.description_en,
        ];
        RECOMMENDED
            .iter()
            .zip(filled)
            .filter(|(_, f)| !f)
            .map(|(name, _)| *name)
            .collect()
    }

    /// Share of the recommended facts filled, 0–1 to two decimals.
    pub fn score(&self) -> f64 {
        (self.share() * 100.0).round() / 100.0
    }

    /// Share of the recommended facts filled, 0–1.
    fn share(&self) -> f64 {
        let all = RECOMMENDED.len() as f64;
        (all - self.missing().len() as f64) / all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_german_date_changes_only_at_full_utc_hours() {
        // What `today`'s per-hour cache rests on: over three years in steps of 5 minutes, the
        // date at any moment is the date at the start of its UTC hour.
        let mut at = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let mut hour_start = at;
        while at.year() < 2028 {
            if at.timestamp() % 3600 == 0 {
                hour_start = at;
            }
            assert_eq!(berlin_date(at), berlin_date(hour_start), "{at}");
            at += Duration::minutes(5);
        }
        let (before, today, after) = (Utc::now(), today(), Utc::now());
        assert!([berlin_date(before), berlin_date(after)].contains(&today));
    }

    #[test]
    fn german_dates_follow_summer_time() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(berlin_date(at("2026-01-31T23:30:00Z")), day(2026, 2, 1));
        assert_eq!(berlin_date(at("2026-01-31T22:30:00Z")), day(2026, 1, 31));
        assert_eq!(berlin_date(at("2026-06-30T22:30:00Z")), day(2026, 7, 1));
        assert_eq!(berlin_date(at("2026-06-30T21:30:00Z")), day(2026, 6, 30));
        // 2026: summer time from 29 March, 01:00 UTC, to 25 October, 01:00 UTC.
        assert_eq!(berlin_date(at("2026-10-24T22:30:00Z")), day(2026, 10, 25));
        assert_eq!(berlin_date(at("2026-10-25T22:30:00Z")), day(2026, 10, 25));
    }

    #[test]
    fn staleness_counts_whole_days() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let confirmed = NaiveDate::from_ymd_opt(2025, 3, 31).unwrap();
        assert_eq!(data_age_days(confirmed, today), 365);
        assert!(!is_stale(confirmed, today, 365));
        assert!(is_stale(confirmed - Duration::days(1), today, 365));
        assert_eq!(fresh_since(today, 365), confirmed);
        let all = Completeness {
            price: true,
            bplan_status: true,
            servicing: true,
            broadband: true,
            distances: true,
            contact: true,
            description_en: false,
        };
        assert_eq!(all.missing(), vec!["description_en"]);
        assert_eq!(all.score(), 0.86);
    }
}

/// One plot as the freshness report sees it (read by `db::monitoring::freshness`).
#[derive(Debug, Clone)]
pub struct PlotCheck {
    pub id: i64,
    pub reference: String,
    pub municipality_id: i64,
    pub municipality_name: String,
    pub published: bool,
    pub data_confirmed_on: NaiveDate,
    /// No confirmation, and no change of `data_confirmed_on`, since the plot was created.
    pub never_confirmed: bool,
    pub completeness: Completeness,
}

/// A plot in the freshness report.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PlotFreshness {
    pub id: i64,
    pub reference: String,
    pub published: bool,
    #[schema(value_type = String, format = Date)]
    pub data_confirmed_on: NaiveDate,
    /// Units: days.
    pub data_age_days: i64,
    pub stale: bool,
    pub never_confirmed: bool,
    /// Share of the recommended facts filled, 0–1.
    pub completeness: f64,
    /// The recommended facts missing (`price`, `bplan_status`, `servicing`, `broadband`,
    /// `distances`, `contact`, `description_en`).
    pub missing: Vec<&'static str>,
}

/// One municipality's freshness.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MunicipalityFreshness {
    pub id: i64,
    pub name: String,
    /// Plots (drafts included, deleted ones not).
    pub plots: u64,
    pub stale_count: u64,
    pub never_confirmed_count: u64,
    /// Plots missing at least one recommended fact.
    pub incomplete_count: u64,
    /// Mean completeness of its plots, 0–1.
    pub completeness: f64,
    /// Stale plots, oldest confirmation first (at most `limit`).
    pub stale: Vec<PlotFreshness>,
    /// Plots never confirmed (at most `limit`).
    pub never_confirmed: Vec<PlotFreshness>,
    /// Incomplete plots, least complete first (at most `limit`).
    pub incomplete: Vec<PlotFreshness>,
    /// Whether a list was cut at `limit`.
    pub truncated: bool,
}

/// Groups the checked plots (in municipality order) per municipality.
pub fn report(
    plots: Vec<PlotCheck>,
    today: NaiveDate,
    after_days: u32,
    limit: usize,
) -> Vec<MunicipalityFreshness> {
    let mut out: Vec<MunicipalityFreshness> = Vec::new();
    let mut scores: Vec<f64> = Vec::new();
    for p in plots {
        if out.last().is_none_or(|m| m.id != p.municipality_id) {
            finish(out.last_mut(), &scores, limit);
            scores.clear();
            out.push(MunicipalityFreshness {
                id: p.municipality_id,
                name: p.municipality_name.clone(),
                plots: 0,
                stale_count: 0,
                never_confirmed_count: 0,
                incomplete_count: 0,
                completeness: 1.0,
                stale: Vec::new(),
                never_confirmed: Vec::new(),
                incomplete: Vec::new(),
                truncated: false,
            });
        }
        let m = out.last_mut().expect("pushed above");
        let view = PlotFreshness {
            id: p.id,
            reference: p.reference,
            published: p.published,
            data_confirmed_on: p.data_confirmed_on,
            data_age_days: data_age_days(p.data_confirmed_on, today),
            stale: is_stale(p.data_confirmed_on, today, after_days),
            never_confirmed: p.never_confirmed,
            completeness: p.completeness.score(),
            missing: p.completeness.missing(),
        };
        scores.push(p.completeness.share());
        m.plots += 1;
        if view.stale {
            m.stale_count += 1;
            m.stale.push(view.clone());
        }
        if view.never_confirmed {
            m.never_confirmed_count += 1;
            m.never_confirmed.push(view.clone());
        }
        if !view.missing.is_empty() {
            m.incomplete_count += 1;
            m.incomplete.push(view);
        }
    }
    finish(out.last_mut(), &scores, limit);
    out
}

fn finish(m: Option<&mut MunicipalityFreshness>, scores: &[f64], limit: usize) {
    let Some(m) = m else { return };
    if !scores.is_empty() {
        let mean = scores.iter().sum::<f64>() / scores.len() as f64;
        m.completeness = (mean * 100.0).round() / 100.0;
    }
    m.stale.sort_by_key(|p| (p.data_confirmed_on, p.id));
    m.incomplete.sort_by(|a, b| {
        a.completeness
            .total_cmp(&b.completeness)
            .then(a.reference.cmp(&b.reference))
    });
    for list in [&mut m.stale, &mut m.never_confirmed, &mut m.incomplete] {
        if list.len() > limit {
            list.truncate(limit);
            m.truncated = true;
        }
    }
}
