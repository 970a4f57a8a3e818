//! The plot register's rules, free of IO: what a valid plot is, how its geometry is checked and
//! measured, how money is represented, who may do what, and how imports are planned. The HTTP
//! API, the importer and the demo seeder all go through here.

pub mod access;
pub mod alerts;
pub mod boundaries;
pub mod changes;
pub mod checks;
pub mod credentials;
pub mod crs;
pub mod formats;
pub mod freshness;
pub mod geometry;
pub mod history;
pub mod import;
pub mod inquiry;
pub mod mail;
pub mod map_view;
pub mod media;
pub mod money;
pub mod monitoring;
pub mod ogc;
pub mod place;
pub mod plausibility;
pub mod plot;
pub mod preview;
pub mod reminders;
pub mod search;
pub mod shortlist;
pub mod webhooks;
pub mod wire_text;

use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::ToSchema;

/// One failed validation rule, located by a JSON pointer (RFC 6901) into the submitted document.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON pointer of the offending member, e.g. `/geometry/coordinates/0/0` or `/grz`.
    #[schema(example = "/grz")]
    pub pointer: String,
    /// What is wrong, in words a user can act on.
    #[schema(example = "must be between 0 and 1 (site coverage ratio)")]
    pub detail: String,
}

impl FieldError {
    pub fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            detail: detail.into(),
        }
    }
}

/// RFC 6901 pointer of a path serde reported.
pub fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => pointer.push('?'),
        }
    }
    pointer
}

/// A serde failure as a `FieldError` naming the member: a missing member is reported at the
/// member itself (serde reports it at its parent), and serde's "at line …" is dropped.
pub fn field_error(error: serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let inner = error.inner().to_string();
    let mut pointer = json_pointer(error.path());
    if let Some(field) = inner
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        pointer = format!("{pointer}/{field}");
    }
    let detail = match inner.find(" at line ") {
        Some(i) => inner[..i].to_owned(),
        None => inner,
    };
    FieldError::new(pointer, detail)
}

/// Deserializes a JSON value; a failure names its member.
pub fn deserialize_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(field_error)
}
