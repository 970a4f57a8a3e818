//! The members of a plot's write schema as code that handles them generically sees them: their
//! names, what kind of value each holds, and which are internal. Read once from the OpenAPI
//! schemas derived from `super::facts`, so this list cannot drift from the declaration.

use std::sync::OnceLock;

use serde_json::Value;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::PartialSchema;

use super::facts::{InternalFacts, PlotFacts};
use super::vocabulary::{VocabularyInfo, VOCABULARIES};
use crate::domain::money::EUR_PATTERN;

/// What a member holds, as far as reading it from text needs to know (imports).
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Text,
    Integer,
    Number,
    Boolean,
    Date,
    /// Decimal euro text (`Cents` reads it).
    Money,
    Vocabulary(&'static VocabularyInfo),
    /// A list of texts.
    List,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub kind: Kind,
    /// Shown to staff with internal read rights only.
    pub internal: bool,
}

impl std::fmt::Debug for VocabularyInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every member of `PlotFacts` and `InternalFacts`, in declaration order (geometry is not among
/// them: it is read and stored apart).
#[derive(Debug)]
pub struct Members(Vec<Member>);

impl Members {
    pub fn get(&self, name: &str) -> Option<&Member> {
        self.0.iter().find(|m| m.name == name)
    }

    pub fn is_fact(&self, name: &str) -> bool {
        self.get(name).is_some_and(|m| !m.internal)
    }

    pub fn is_internal(&self, name: &str) -> bool {
        self.get(name).is_some_and(|m| m.internal)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Member> {
        self.0.iter()
    }

    /// Names of the internal members.
    pub fn internal(&self) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(|m| m.internal)
            .map(|m| m.name.as_str())
    }
}

pub fn members() -> &'static Members {
    static MEMBERS: OnceLock<Members> = OnceLock::new();
    MEMBERS.get_or_init(|| {
        let mut list = Vec::new();
        for (schema, internal) in [
            (PlotFacts::schema(), false),
            (InternalFacts::schema(), true),
        ] {
            let RefOr::T(Schema::Object(object)) = schema else {
                panic!("the plot's facts are declared as objects");
            };
            // The typed schema keeps the declaration order (a `serde_json::Map` would sort).
            for (name, property) in object.properties {
                let property = serde_json::to_value(property).expect("schemas serialise");
                list.push(Member {
                    kind: kind_of(&name, &property),
                    name,
                    internal,
                });
            }
        }
        Members(list)
    })
}

/// The kind of a member from its JSON Schema: `type` (a list when the member is optional),
/// `format`, the price `pattern`, or a `$ref` to a vocabulary.
fn kind_of(name: &str, property: &Value) -> Kind {
    let reference = property
        .get("$ref")
        .or_else(|| {
            property
                .get("oneOf")?
                .as_array()?
                .iter()
                .find_map(|p| p.get("$ref"))
        })
        .and_then(Value::as_str);
    if let Some(reference) = reference {
        let vocabulary = reference.rsplit('/').next().unwrap_or_default();
        return match VOCABULARIES.iter().find(|v| v.name == vocabulary) {
            Some(info) => Kind::Vocabulary(info),
            None => panic!("member `{name}` refers to `{vocabulary}`, which is not a vocabulary"),
        };
    }
    let types: Vec<&str> = match property.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let non_null = types.iter().find(|t| **t != "null").copied().unwrap_or("");
    match non_null {
        "integer" => Kind::Integer,
        "number" => Kind::Number,
        "boolean" => Kind::Boolean,
        "array" => Kind::List,
        "string" if property.get("format").and_then(Value::as_str) == Some("date") => Kind::Date,
        "string" if property.get("pattern").and_then(Value::as_str) == Some(EUR_PATTERN) => {
            Kind::Money
        }
        "string" => Kind::Text,
        other => panic!("member `{name}` has a type the importer cannot read: `{other}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_has_a_kind() {
        let m = members();
        assert!(matches!(m.get("grz").unwrap().kind, Kind::Number));
        assert!(matches!(m.get("max_storeys").unwrap().kind, Kind::Integer));
        assert!(matches!(
            m.get("price_min_eur_m2").unwrap().kind,
            Kind::Money
        ));
        assert!(matches!(m.get("available_from").unwrap().kind, Kind::Date));
        assert!(matches!(
            m.get("data_confirmed_on").unwrap().kind,
            Kind::Date
        ));
        assert!(
            matches!(m.get("status").unwrap().kind, Kind::Vocabulary(v) if v.name == "PlotStatus")
        );
        assert!(matches!(m.get("rail_siding").unwrap().kind, Kind::Boolean));
        assert!(m.is_internal("owner_contact") && m.is_fact("reference"));
        assert_eq!(
            m.internal().collect::<Vec<_>>(),
            ["published", "internal_notes", "owner_name", "owner_contact"]
        );
    }
}
