//! The closed vocabularies of a plot (German planning law and marketing). Each value is declared
//! once with everything said about it: the text stored in the database (guarded by a CHECK
//! constraint) and written in JSON, GeoJSON and query strings; its German and English label for
//! pages people read; and the other words spreadsheets use for it, which imports accept.

use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What every vocabulary offers to code that handles them generically (imports, pages).
pub trait Vocabulary: Copy + 'static {
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// `a status`, `a type of use`: how messages name one value.
    const NOUN: &'static str;
    /// Its name in the OpenAPI document.
    const NAME: &'static str;
    fn as_str(self) -> &'static str;
    fn label(self, lang: Lang) -> &'static str;
    /// Other spellings accepted on import, lower case.
    fn aliases(self) -> &'static [&'static str];

    /// The stored text, exactly.
    fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == text)
    }

    /// Any way a person writes a value: the stored text in any case, the German label, or an
    /// alias (`verfügbar`, `Industriegebiet`, `Kauf oder Pacht`).
    fn parse_loose(text: &str) -> Option<Self> {
        let lower = text.trim().to_lowercase();
        Self::ALL.iter().copied().find(|v| {
            v.as_str().to_lowercase() == lower
                || v.label(Lang::De).to_lowercase() == lower
                || v.aliases().contains(&lower.as_str())
        })
    }

    /// For messages: every value with its German label.
    fn listing() -> String {
        Self::ALL
            .iter()
            .map(|v| format!("{} ({})", v.as_str(), v.label(Lang::De)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A vocabulary as code that does not know its type sees it: the import reads values of any
/// vocabulary member through this.
pub struct VocabularyInfo {
    pub name: &'static str,
    pub noun: &'static str,
    /// The stored text of whatever a person wrote, if it names a value.
    pub parse_loose: fn(&str) -> Option<&'static str>,
    pub listing: fn() -> String,
    /// The German label of a stored text (what the German staff export writes).
    pub label_de: fn(&str) -> Option<&'static str>,
}

fn loose<V: Vocabulary>(text: &str) -> Option<&'static str> {
    V::parse_loose(text).map(V::as_str)
}

fn label_de<V: Vocabulary>(text: &str) -> Option<&'static str> {
    V::parse(text).map(|v| v.label(Lang::De))
}

const fn info<V: Vocabulary>() -> VocabularyInfo {
    VocabularyInfo {
        name: V::NAME,
        noun: V::NOUN,
        parse_loose: loose::<V>,
        listing: V::listing,
        label_de: label_de::<V>,
    }
}

/// Every vocabulary, by its schema name. A new vocabulary is declared below and listed here.
pub const VOCABULARIES: &[VocabularyInfo] = &[
    info::<PlotStatus>(),
    info::<Zoning>(),
    info::<BplanStatus>(),
    info::<Servicing>(),
    info::<Offer>(),
    info::<OwnerType>(),
];

/// Language of pages and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    De,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// Declares a vocabulary. The OpenAPI schema lists the values with the meaning of each (derive
/// macros cannot see renames made inside a macro); the database mapping refuses a stored text it
/// does not know, so a drifted CHECK constraint is an error, never a silent default.
macro_rules! vocabulary {
    ($(#[doc = $doc:literal])* $name:ident ($noun:literal) {
        $($(#[doc = $vdoc:literal])* $variant:ident = $text:literal,
            de $de:literal, en $en:literal $(, also [$($alias:literal),* $(,)?])?;)+
    }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, AsExpression, FromSqlRow)]
        #[diesel(sql_type = Text)]
        pub enum $name {
            $($(#[doc = $vdoc])* #[serde(rename = $text)] $variant,)+
        }

        impl Vocabulary for $name {
            const ALL: &'static [$name] = &[$($name::$variant,)+];
            const NOUN: &'static str = $noun;
            const NAME: &'static str = stringify!($name);

            fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($name::$variant, Lang::De) => $de, ($name::$variant, Lang::En) => $en,)+
                }
            }

            fn aliases(self) -> &'static [&'static str] {
                match self { $($name::$variant => &[$($($alias),*)?],)+ }
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let mut description = String::from(concat!($($doc, "\n"),*).trim());
                $(
                    let meaning = concat!($($vdoc),*).trim();
                    if !meaning.is_empty() {
                        description.push_str(&format!("\n- `{}`: {}", $text, meaning));
                    }
                )+
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text,)+]))
                    .description(Some(description))
                    .into()
            }
        }

        impl ToSchema for $name {}

        impl FromSql<Text, Pg> for $name {
            fn from_sql(value: PgValue<'_>) -> diesel::deserialize::Result<Self> {
                // Borrowed, not a `String`: a search page decodes five of these per plot.
                let text = std::str::from_utf8(value.as_bytes())?;
                <$name as Vocabulary>::parse(text).ok_or_else(|| {
                    format!(concat!("`{}` is not a known ", stringify!($name)), text).into()
                })
            }
        }

        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }
    };
}

vocabulary! {
    /// Marketing status of a plot.
    PlotStatus ("a status") {
        /// Can be bought or leased now (or from `available_from`).
        Available = "available", de "verfügbar", en "available", also ["verfuegbar", "frei"];
        /// Optioned / reserved for a prospective buyer.
        Reserved = "reserved", de "reserviert", en "reserved", also ["optioniert"];
        /// A buyer is negotiating.
        UnderNegotiation = "under_negotiation", de "in Verhandlung", en "under negotiation",
            also ["verhandlung"];
        /// Sold; kept for monitoring and as a reference.
        Sold = "sold", de "verkauft", en "sold", also ["vergeben"];
        /// Not yet developable (planning or servicing pending).
        Planned = "planned", de "in Planung", en "planned", also ["geplant"];
    }
}

vocabulary! {
    /// Type of building use (Art der baulichen Nutzung) per BauNVO.
    Zoning ("a type of use") {
        /// Industriegebiet (BauNVO § 9): industry, including uses that disturb neighbours.
        Gi = "GI", de "GI – Industriegebiet", en "GI – industrial area", also ["industriegebiet"];
        /// Gewerbegebiet (BauNVO § 8): commerce and trade that does not disturb significantly.
        Ge = "GE", de "GE – Gewerbegebiet", en "GE – commercial area", also ["gewerbegebiet"];
        /// Eingeschränktes Gewerbegebiet: GE restricted, e.g. in emissions.
        GeE = "GE-e", de "GE-e – eingeschränktes Gewerbegebiet",
            en "GE-e – restricted commercial area",
            also ["ge e", "gee", "eingeschränktes gewerbegebiet"];
        /// Mischgebiet (BauNVO § 6): housing and non-disturbing commerce.
        Mi = "MI", de "MI – Mischgebiet", en "MI – mixed area", also ["mischgebiet"];
        /// Urbanes Gebiet (BauNVO § 6a).
        Mu = "MU", de "MU – Urbanes Gebiet", en "MU – urban area", also ["urbanes gebiet"];
        /// Sondergebiet (BauNVO §§ 10, 11), e.g. logistics, energy, large retail.
        So = "SO", de "SO – Sondergebiet", en "SO – special area", also ["sondergebiet"];
        /// Anything else (e.g. land outside a B-Plan).
        Other = "other", de "sonstige", en "other", also ["sonstiges"];
    }
}

vocabulary! {
    /// State of the binding land-use plan (Bebauungsplan, B-Plan).
    BplanStatus ("a B-Plan status") {
        /// In preparation (Aufstellungsbeschluss taken, not yet in force).
        InPreparation = "in_preparation", de "in Aufstellung", en "in preparation",
            also ["aufstellung"];
        /// Legally binding (rechtskräftig).
        LegallyBinding = "legally_binding", de "rechtskräftig", en "legally binding",
            also ["rechtskraeftig"];
        /// No B-Plan; buildable as infill under § 34 BauGB.
        Section34 = "section_34", de "§ 34 BauGB (Innenbereich)",
            en "§ 34 BauGB (built-up area)", also ["§34", "§ 34", "§34 baugb", "§ 34 baugb", "34"];
        /// No plan.
        None = "none", de "keine", en "none", also ["kein", "keiner"];
    }
}

vocabulary! {
    /// Servicing level (Erschließung).
    Servicing ("a servicing level") {
        /// Voll erschlossen: road, utilities and drainage in place.
        Full = "full", de "voll erschlossen", en "fully serviced",
            also ["voll", "vollständig", "vollstaendig", "erschlossen"];
        /// Teilerschlossen.
        Partial = "partial", de "teilerschlossen", en "partly serviced",
            also ["teilweise", "teilweise erschlossen"];
        /// Unerschlossen.
        None = "none", de "keine", en "none", also ["nicht erschlossen", "unerschlossen"];
    }
}

vocabulary! {
    /// How the plot is offered.
    Offer ("an offer") {
        /// For sale.
        Sale = "sale", de "Kauf", en "sale", also ["verkauf"];
        /// For lease (e.g. Erbbaurecht or rent).
        Lease = "lease", de "Pacht / Miete", en "lease", also ["pacht", "miete", "erbpacht"];
        /// Either.
        SaleOrLease = "sale_or_lease", de "Kauf oder Pacht", en "sale or lease",
            also ["kauf/pacht", "kauf und pacht"];
    }
}

vocabulary! {
    /// Who owns the land (the monitoring splits supply by it).
    OwnerType ("an owner type") {
        /// The town, the district or their development company.
        Public = "public", de "öffentlich", en "public", also ["kommunal", "oeffentlich"];
        /// A private owner.
        Private = "private", de "privat", en "private";
        /// Partly public, partly private.
        Mixed = "mixed", de "gemischt", en "mixed";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_people_may_write_them_their_way() {
        for z in Zoning::ALL {
            assert_eq!(Zoning::parse(z.as_str()), Some(*z));
            assert_eq!(Zoning::parse_loose(z.label(Lang::De)), Some(*z));
        }
        assert_eq!(serde_json::to_string(&Zoning::GeE).unwrap(), "\"GE-e\"");
        assert_eq!(
            PlotStatus::parse_loose("Verfügbar"),
            Some(PlotStatus::Available)
        );
        assert_eq!(Zoning::parse_loose("industriegebiet"), Some(Zoning::Gi));
        assert_eq!(
            BplanStatus::parse_loose("§ 34"),
            Some(BplanStatus::Section34)
        );
        assert_eq!(Servicing::parse_loose("keine"), Some(Servicing::None));
        assert_eq!(
            Offer::parse_loose("Kauf oder Pacht"),
            Some(Offer::SaleOrLease)
        );
        assert_eq!(PlotStatus::parse("Available"), None, "stored text is exact");
    }
}
