//! The parameters of a plot search (`GET /plots`, tiles, exports, and the body of
//! `POST /plots/search`) as HTTP carries them, and their checking into a domain `PlotQuery`.
//! Every failure names its parameter.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::values::{err, ids, municipalities, numbers, vocab};
use crate::domain::money::Cents;
use crate::domain::plot::{parcel, PlotStatus, Servicing, Zoning};
use crate::domain::search::{
    Bbox, Cursor, DrawnArea, GeometryForm, Near, OutputFormat, PlotQuery, Sort, SortKey,
    DEFAULT_LIMIT, MAX_LIMIT, MAX_RADIUS_M,
};
use crate::domain::FieldError;

/// Filters, sorting, paging and output form of a plot search. In a query string, lists are
/// comma-separated; in a JSON body they may also be arrays.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Status, one or more of `available`, `reserved`, `under_negotiation`, `sold`, `planned`.
    #[serde(default, deserialize_with = "super::values::list")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>, example = "available,reserved")]
    pub status: Option<Vec<String>>,
    /// BauNVO zoning, one or more of `GI`, `GE`, `GE-e`, `MI`, `MU`, `SO`, `other`.
    #[serde(default, deserialize_with = "super::values::list")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>, example = "GI,GE")]
    pub zoning: Option<Vec<String>>,
    /// Servicing level, one or more of `full`, `partial`, `none`.
    #[serde(default, deserialize_with = "super::values::list")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>, example = "full")]
    pub servicing: Option<Vec<String>>,
    /// Region ids, e.g. `1`. An unknown (or deleted) region is a 400 naming it.
    #[serde(default, deserialize_with = "super::values::list")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>, example = "1")]
    pub region: Option<Vec<String>>,
    /// Municipalities, by id or by AGS (Amtlicher Gemeindeschlüssel), e.g. `1,13076050`: a
    /// value of exactly 8 digits is an AGS, anything else an id. An unknown (or deleted)
    /// municipality is a 400 naming it. At most 100 values (as for `region` and `estate`).
    #[serde(default, deserialize_with = "super::values::list")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>, example = "1,2")]
    pub municipality: Option<Vec<String>>,
    /// Estate ids, e.g. `3`. An estate the caller cannot see (a draft estate for the public,
    /// a deleted one for anyone) is a 400 naming it.
    #[serde(default, deserialize_with = "super::values::list")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>, example = "3")]
    pub estate: Option<Vec<String>>,
    /// Plots on any of these cadastral parcels, by ALKIS identifier (Flurstückskennzeichen,
    /// 20 characters), comma-separated.
    #[serde(default, deserialize_with = "super::values::list")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>, example = "13234500400123______")]
    pub parcel: Option<Vec<String>>,
    /// Smallest size: the stated area where known, else the computed one. Units: m². At most
    /// `area_max` when both are given (400 otherwise).
    #[param(minimum = 0)]
    #[schema(minimum = 0, example = 20000)]
    pub area_min: Option<f64>,
    /// Largest size (as `area_min`). Units: m². At least `area_min` when both are given.
    #[param(minimum = 0)]
    #[schema(minimum = 0)]
    pub area_max: Option<f64>,
    /// Highest acceptable price: plots whose lowest price is at most this. Plots with price on
    /// request are left out unless `price_on_request=true`. Units: € per m², decimal.
    #[param(value_type = Option<String>, pattern = "^[0-9]+([.,][0-9]{1,2})?$")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+([.,][0-9]{1,2})?$", example = "20")]
    #[serde(default, deserialize_with = "super::values::text")]
    pub max_price: Option<String>,
    /// With `max_price`: also include plots whose price is on request.
    pub price_on_request: Option<bool>,
    /// Only plots with (true) or without (false) a rail siding.
    pub rail_siding: Option<bool>,
    /// Only plots that heavy-goods vehicles (lorries up to 40 t) can (true) or cannot (false)
    /// reach; plots where it is unknown match neither.
    pub heavy_vehicle_access: Option<bool>,
    /// Smallest broadband. Units: Mbit/s.
    #[param(minimum = 0, maximum = 100000)]
    #[schema(minimum = 0, maximum = 100000)]
    pub min_broadband_mbit: Option<i32>,
    /// Units: km.
    #[param(minimum = 0)]
    #[schema(minimum = 0)]
    pub max_dist_motorway_km: Option<f64>,
    /// Units: km.
    #[param(minimum = 0)]
    #[schema(minimum = 0)]
    pub max_dist_rail_station_km: Option<f64>,
    /// Units: km.
    #[param(minimum = 0)]
    #[schema(minimum = 0)]
    pub max_dist_port_km: Option<f64>,
    /// Units: km.
    #[param(minimum = 0)]
    #[schema(minimum = 0)]
    pub max_dist_airport_km: Option<f64>,
    /// Can be had by this date: status `available` or `planned`, and `available_from` empty or
    /// not after it.
    pub available_by: Option<NaiveDate>,
    /// Only plots in (true) or outside (false) a GRW aid area.
    pub grw_area: Option<bool>,
    /// `true`: only plots whose data is not stale (confirmed within `GWF_STALE_AFTER_DAYS`,
    /// default 365 days; `data_age_days` tells each plot's age).
    pub fresh: Option<bool>,
    /// Admins: search the deleted plots instead (to find one to restore).
    pub deleted: Option<bool>,
    /// Staff: `false` for drafts only, `true` for published plots only (default both, as far
    /// as the caller reads them). `false` without a staff token is a 400.
    pub published: Option<bool>,
    /// Free text over titles and descriptions, German and English, with stemming
    /// ("Logistikflächen" finds "Logistikfläche"); `"…"` for phrases, `-word` to exclude. A
    /// plot reference matches too.
    #[param(max_length = 200)]
    #[schema(max_length = 200, example = "Logistik")]
    #[serde(default, deserialize_with = "super::values::text")]
    pub q: Option<String>,
    /// Map area `minLon,minLat,maxLon,maxLat` (EPSG:4326): plots that intersect it, e.g.
    /// `11.4,53.25,11.7,53.4`.
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>, example = "11.4,53.25,11.7,53.4")]
    #[serde(default, deserialize_with = "super::values::list")]
    pub bbox: Option<Vec<String>>,
    /// Centre `lon,lat` (EPSG:4326) of a distance search, e.g. `11.5,53.33`; needs `radius_m`
    /// (400 without).
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>, example = "11.5,53.33")]
    #[serde(default, deserialize_with = "super::values::list")]
    pub near: Option<Vec<String>>,
    /// Radius around `near`, measured on the WGS 84 ellipsoid to the nearest point of the plot.
    /// Units: m; at most 500,000. Needs `near` (400 without).
    #[param(minimum = 0, maximum = 500000)]
    #[schema(minimum = 0, maximum = 500000, example = 30000)]
    pub radius_m: Option<f64>,
    /// Sort key, `-` for descending: `reference`, `price`, `area`, `updated`, `distance` (needs
    /// `near`). Ties are broken by id. Default `reference`, or `distance` with `near`.
    /// Plots with price on request come last in either price order.
    #[param(pattern = "^-?(reference|price|area|updated|distance)$")]
    #[schema(
        pattern = "^-?(reference|price|area|updated|distance)$",
        example = "-area"
    )]
    #[serde(default, deserialize_with = "super::values::text")]
    pub sort: Option<String>,
    /// Page size, 1–1000 (default 100). CSV exports are not paged.
    #[param(minimum = 1, maximum = 1000)]
    #[schema(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Opaque position from a `next` link, for the query and sort of that link (400 for
    /// another sort).
    #[param(pattern = "^[0-9a-f]*$")]
    #[schema(pattern = "^[0-9a-f]*$")]
    #[serde(default, deserialize_with = "super::values::text")]
    pub cursor: Option<String>,
    /// `exact` adds `total` (counted up to 10,000, beyond that reported as "at least"), which
    /// costs a count over all matches; default `none`.
    #[param(pattern = "^(none|exact)$")]
    #[schema(pattern = "^(none|exact)$")]
    #[serde(default, deserialize_with = "super::values::text")]
    pub count: Option<String>,
    /// Geometry in the response: `full` (default), `simplified` (≈10 m tolerance, for overview
    /// maps), `centroid` (a point), `none`.
    #[param(pattern = "^(full|simplified|centroid|none)$")]
    #[schema(pattern = "^(full|simplified|centroid|none)$")]
    #[serde(default, deserialize_with = "super::values::text")]
    pub geometry_form: Option<String>,
    /// Properties to return, comma-separated (`id` always comes along), e.g.
    /// `reference,status,area_m2`; `cover` (the cover photo) in JSON and GeoJSON searches.
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>, example = "reference,title_de,status,area_computed_m2")]
    #[serde(default, deserialize_with = "super::values::list")]
    pub fields: Option<Vec<String>>,
    /// Response format; overrides `Accept`: `json`, `geojson`, `csv` (RFC 4180, UTF-8, no
    /// byte-order mark: scripts would read it into the first column's name), `csv-excel` (for
    /// German Excel: `;`, decimal comma, UTF-8 BOM) or `csv-excel-en` (for Excel in English:
    /// RFC 4180 with a UTF-8 BOM, so umlauts survive).
    #[param(pattern = "^(json|geojson|csv|csv-excel|csv-excel-en)$")]
    #[schema(pattern = "^(json|geojson|csv|csv-excel|csv-excel-en)$")]
    #[serde(default, deserialize_with = "super::values::text")]
    pub f: Option<String>,
}

impl SearchParams {
    /// Checks every parameter; `drawn` is the validated area of a POST search.
    // One check per parameter, each collecting into `errors` so a request learns every bad
    // parameter at once.
    pub fn into_query(self, drawn: Option<DrawnArea>) -> Result<PlotQuery, Vec<FieldError>> {
        let mut errors = Vec::new();
        let statuses = vocab::<PlotStatus>("status", &self.status, &mut errors);
        let zonings = vocab::<Zoning>("zoning", &self.zoning, &mut errors);
        let servicing = vocab::<Servicing>("servicing", &self.servicing, &mut errors);
        let region_ids = ids("region", &self.region, &mut errors);
        let (municipality_ids, municipality_ags) = municipalities(&self.municipality, &mut errors);
        let estate_ids = ids("estate", &self.estate, &mut errors);
        let mut parcels = Vec::new();
        for text in self.parcel.iter().flatten() {
            match parcel::canonical(text) {
                Ok(id) => parcels.push(id),
                Err(problem) => errors.push(err("parcel", problem)),
            }
        }

        let mut non_negative = |name: &str, value: Option<f64>| {
            if value.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
                errors.push(err(name, "must be a number ≥ 0"));
            }
        };
        non_negative("area_min", self.area_min);
        non_negative("area_max", self.area_max);
        non_negative("max_dist_motorway_km", self.max_dist_motorway_km);
        non_negative("max_dist_rail_station_km", self.max_dist_rail_station_km);
        non_negative("max_dist_port_km", self.max_dist_port_km);
        non_negative("max_dist_airport_km", self.max_dist_airport_km);
        if let (Some(min), Some(max)) = (self.area_min, self.area_max) {
            if max < min {
                errors.push(err("area_max", "must not be smaller than `area_min`"));
            }
        }
        if self
            .min_broadband_mbit
            .is_some_and(|b| !(0..=100_000).contains(&b))
        {
            errors.push(err("min_broadband_mbit", "must be between 0 and 100000"));
        }
        let max_price = match self.max_price.as_deref().map(Cents::parse_eur) {
            None => None,
            Some(Ok(c)) => Some(c),
            Some(Err(e)) => {
                errors.push(err("max_price", e));
                None
            }
        };
        if self.price_on_request.is_some() && self.max_price.is_none() {
            errors.push(err(
                "price_on_request",
                "only applies together with `max_price`",
            ));
        }
        let text = self
            .q
            .as_deref()
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty());
        if text
            .as_ref()
            .is_some_and(|q| q.chars().count() > 200 || q.contains('\0'))
        {
            errors.push(err("q", "must be at most 200 characters of text"));
        }

        let (bbox, near) = self.spatial(&mut errors);
        let (sort, limit, cursor) = self.sort_and_page(&mut errors);
        let (count_exact, geometry_form, format) = self.output(&mut errors);
        let fields = self
            .fields
            .map(|f| f.into_iter().filter(|f| !f.is_empty()).collect::<Vec<_>>());

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PlotQuery {
            statuses,
            zonings,
            servicing,
            region_ids,
            municipality_ids,
            municipality_ags,
            estate_ids,
            published: self.published,
            parcels,
            area_min_m2: self.area_min,
            area_max_m2: self.area_max,
            max_price,
            include_price_on_request: self.price_on_request.unwrap_or(false),
            rail_siding: self.rail_siding,
            heavy_vehicle_access: self.heavy_vehicle_access,
            min_broadband_mbit: self.min_broadband_mbit,
            max_dist_motorway_km: self.max_dist_motorway_km,
            max_dist_rail_station_km: self.max_dist_rail_station_km,
            max_dist_port_km: self.max_dist_port_km,
            max_dist_airport_km: self.max_dist_airport_km,
            available_by: self.available_by,
            grw_area: self.grw_area,
            // A placeholder (no plot is confirmed in 9999) until the API knows the setting
            // (`filters::fresh_since`).
            confirmed_since: NaiveDate::from_ymd_opt(9999, 12, 31)
                .filter(|_| self.fresh == Some(true)),
            deleted: self.deleted.unwrap_or(false),
            text,
            bbox,
            near,
            drawn,
            sort,
            limit,
            cursor,
            count_exact,
            geometry_form,
            fields,
            format,
            ..PlotQuery::default()
        })
    }

    /// `bbox`, and `near` with `radius_m`.
    fn spatial(&self, errors: &mut Vec<FieldError>) -> (Option<Bbox>, Option<Near>) {
        let bbox = self.bbox.as_ref().and_then(|values| {
            let n = numbers("bbox", values, 4, errors)?;
            let b = Bbox {
                min_lon: n[0],
                min_lat: n[1],
                max_lon: n[2],
                max_lat: n[3],
                srid: 4326,
            };
            let in_range = [b.min_lon, b.max_lon]
                .iter()
                .all(|x| (-180.0..=180.0).contains(x))
                && [b.min_lat, b.max_lat]
                    .iter()
                    .all(|y| (-90.0..=90.0).contains(y));
            if !in_range {
                errors.push(err(
                    "bbox",
                    "coordinates must be lon -180..180, lat -90..90 (EPSG:4326)",
                ));
                None
            } else if b.min_lon > b.max_lon || b.min_lat > b.max_lat {
                errors.push(err("bbox", "is inverted: use minLon,minLat,maxLon,maxLat"));
                None
            } else {
                Some(b)
            }
        });
        let near = match (&self.near, self.radius_m) {
            (None, None) => None,
            (None, Some(_)) => {
                errors.push(err("radius_m", "needs `near=lon,lat`"));
                None
            }
            (Some(_), None) => {
                errors.push(err("radius_m", "is required with `near`"));
                None
            }
            (Some(values), Some(radius_m)) => {
                let point = numbers("near", values, 2, errors);
                if !(radius_m.is_finite() && (0.0..=MAX_RADIUS_M).contains(&radius_m)) {
                    errors.push(err(
                        "radius_m",
                        format!("must be between 0 and {MAX_RADIUS_M} (m)"),
                    ));
                }
                match point {
                    Some(p)
                        if !((-180.0..=180.0).contains(&p[0])
                            && (-90.0..=90.0).contains(&p[1])) =>
                    {
                        errors.push(err(
                            "near",
                            "must be lon,lat within -180..180, -90..90 (EPSG:4326)",
                        ));
                        None
                    }
                    Some(p) => Some(Near {
                        lon: p[0],
                        lat: p[1],
                        radius_m,
                    }),
                    None => None,
                }
            }
        };

        (bbox, near)
    }

    /// The sort (with its cursor, which must belong to it) and the page size.
    fn sort_and_page(&self, errors: &mut Vec<FieldError>) -> (Sort, i64, Option<Cursor>) {
        let sort_text = self.sort.clone().unwrap_or_else(|| {
            if self.near.is_some() {
                "distance"
            } else {
                "reference"
            }
            .to_owned()
        });
        let (descending, key_text) = match sort_text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, sort_text.as_str()),
        };
        let key = match key_text {
            "reference" => Some(SortKey::Reference),
            "price" => Some(SortKey::Price),
            "area" => Some(SortKey::Area),
            "updated" => Some(SortKey::Updated),
            "distance" => Some(SortKey::Distance),
            other => {
                errors.push(err(
                "sort",
                format!("unknown sort `{other}`; use reference, price, area, updated or distance, `-` for descending"),
            ));
                None
            }
        };
        if key == Some(SortKey::Distance) && self.near.is_none() {
            errors.push(err(
                "sort",
                "`distance` needs `near=lon,lat` and `radius_m`",
            ));
        }
        let sort = Sort {
            key: key.unwrap_or(SortKey::Reference),
            descending,
        };

        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(err("limit", format!("must be between 1 and {MAX_LIMIT}")));
        }
        let cursor = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(text) => match Cursor::decode(text) {
                Some(c) if c.s == sort_text => Some(c),
                Some(_) => {
                    errors.push(err(
                        "cursor",
                        "belongs to another sort order; start again without it",
                    ));
                    None
                }
                None => {
                    errors.push(err("cursor", "is not a cursor from a `next` link"));
                    None
                }
            },
        };
        (sort, limit, cursor)
    }

    /// `count`, `geometry_form` and `f`.
    fn output(&self, errors: &mut Vec<FieldError>) -> (bool, GeometryForm, Option<OutputFormat>) {
        let count_exact = match self.count.as_deref() {
            None | Some("none") => false,
            Some("exact") => true,
            Some(other) => {
                errors.push(err(
                    "count",
                    format!("unknown value `{other}`; use `none` or `exact`"),
                ));
                false
            }
        };
        let geometry_form = match self.geometry_form.as_deref() {
            None | Some("full") => GeometryForm::Full,
            Some("simplified") => GeometryForm::Simplified,
            Some("centroid") => GeometryForm::Centroid,
            Some("none") => GeometryForm::None,
            Some(other) => {
                errors.push(err(
                    "geometry_form",
                    format!("unknown value `{other}`; use full, simplified, centroid or none"),
                ));
                GeometryForm::Full
            }
        };
        let format = match self.f.as_deref() {
            None => None,
            Some("json") => Some(OutputFormat::Json),
            Some("geojson") => Some(OutputFormat::GeoJson),
            Some("csv") => Some(OutputFormat::Csv),
            Some("csv-excel") => Some(OutputFormat::CsvExcel),
            Some("csv-excel-en") => Some(OutputFormat::CsvExcelEnglish),
            Some(other) => {
                errors.push(err(
                    "f",
                    format!("unknown format `{other}`; use json, geojson, csv, csv-excel or csv-excel-en"),
                ));
                None
            }
        };
        (count_exact, geometry_form, format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> SearchParams {
        serde_urlencoded::from_str(query).unwrap()
    }

    #[test]
    fn lists_and_ranges_parse() {
        let q = params(
            "status=available,reserved&zoning=GE-e&area_min=20000&max_price=12,50&sort=-price",
        )
        .into_query(None)
        .unwrap();
        assert_eq!(q.statuses, [PlotStatus::Available, PlotStatus::Reserved]);
        assert_eq!(q.zonings, [Zoning::GeE]);
        assert_eq!(q.max_price, Some(Cents(1250)));
        assert_eq!(
            q.sort,
            Sort {
                key: SortKey::Price,
                descending: true
            }
        );
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let errors = params("status=open&bbox=12,54,11,53&near=11.5,53.3&radius_m=900000&sort=colour&limit=5000&cursor=zz")
            .into_query(None)
            .unwrap_err();
        let names: Vec<_> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            names,
            ["status", "bbox", "radius_m", "sort", "limit", "cursor"]
        );
    }

    #[test]
    fn municipalities_by_id_or_ags() {
        let q = params("municipality=2,13076050,01001000")
            .into_query(None)
            .unwrap();
        assert_eq!(q.municipality_ids, [2]);
        assert_eq!(q.municipality_ags, ["13076050", "01001000"]);
        let errors = params("municipality=1307605x")
            .into_query(None)
            .unwrap_err();
        assert_eq!(errors[0].pointer, "municipality");
        let many = (1..=101)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let errors = params(&format!("estate={many}"))
            .into_query(None)
            .unwrap_err();
        assert_eq!(errors[0].pointer, "estate");
    }

    #[test]
    fn cursor_is_bound_to_its_sort() {
        let c = Cursor {
            s: "-price".into(),
            v: serde_json::json!(1250),
            id: 7,
            b: false,
        };
        let errors = params(&format!("sort=area&cursor={}", c.encode()))
            .into_query(None)
            .unwrap_err();
        assert_eq!(errors[0].pointer, "cursor");
    }
}
