use super::*;

fn offered(
    status: PlotStatus,
    servicing: Servicing,
    from: Option<NaiveDate>,
    area: f64,
) -> Offered {
    Offered {
        place: Place {
            municipality_id: 1,
            municipality_name: "A".into(),
            estate_id: None,
            estate_name: None,
            zoning: Zoning::Ge,
        },
        status,
        servicing,
        bplan_status: BplanStatus::LegallyBinding,
        owner_type: None,
        available_from: from,
        area_m2: area,
        price_on_request: true,
        price_min_ct: None,
        price_max_ct: None,
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn availability_follows_status_servicing_and_date() {
    let on = day(2026, 6, 30);
    let a = |s, sv, f| Availability::of(&offered(s, sv, f, 1.0), on);
    use PlotStatus::*;
    assert_eq!(
        a(Available, Servicing::Full, None),
        Availability::Immediately
    );
    assert_eq!(
        a(Available, Servicing::Full, Some(day(2026, 6, 30))),
        Availability::Immediately
    );
    assert_eq!(
        a(Available, Servicing::Full, Some(day(2026, 7, 1))),
        Availability::WithinTwoYears
    );
    assert_eq!(
        a(Available, Servicing::Full, Some(day(2028, 6, 30))),
        Availability::WithinTwoYears
    );
    assert_eq!(
        a(Available, Servicing::Full, Some(day(2028, 7, 1))),
        Availability::Later
    );
    assert_eq!(
        a(Available, Servicing::Partial, None),
        Availability::WithinTwoYears
    );
    assert_eq!(a(Planned, Servicing::Full, None), Availability::Planned);
}

#[test]
fn size_classes_have_closed_lower_bounds() {
    assert_eq!(size_class(4_999.9), "under_5000_m2");
    assert_eq!(size_class(5_000.0), "0_5_to_1_ha");
    assert_eq!(size_class(10_000.0), "1_to_5_ha");
    assert_eq!(size_class(99_999.0), "5_to_10_ha");
    assert_eq!(size_class(100_000.0), "over_10_ha");
}

#[test]
fn rolling_means_and_reichweite() {
    let deal = |y: i32, ha: f64| Deal {
        place: offered(PlotStatus::Sold, Servicing::Full, None, 0.0).place,
        year: y,
        status: PlotStatus::Sold,
        plots: 1,
        area_m2: ha * 10_000.0,
    };
    let deals = vec![
        deal(2021, 1.0),
        deal(2022, 2.0),
        deal(2023, 3.0),
        deal(2024, 4.0),
        deal(2025, 5.0),
        deal(2026, 9.0),
    ];
    let supply = vec![offered(
        PlotStatus::Available,
        Servicing::Full,
        None,
        60_000.0,
    )];
    let (total, groups) = compute(day(2026, 6, 30), GroupBy::Municipality, &supply, &deals);
    assert_eq!(groups.len(), 1);
    assert_eq!(total.take_up.mean_sold_ha_5y, 3.0);
    assert_eq!(total.take_up.mean_sold_ha_3y, 4.0);
    assert_eq!(total.reichweite.years_5y, Some(2.0));
    assert_eq!(total.reichweite.years_3y, Some(1.5));
    let y2025 = total.take_up.years.iter().find(|y| y.year == 2025).unwrap();
    assert_eq!(y2025.rolling_3y_hectares, 4.0);
    assert_eq!(y2025.rolling_5y_hectares, 3.0);
    assert!(total.take_up.years.last().unwrap().partial);
}
