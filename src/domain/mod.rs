//! The plot register's rules, free of IO: what a valid plot is, how its geometry is checked and
//! measured, and how money is represented. Both the HTTP API and the demo seeder go through here.

pub mod access;
pub mod credentials;
pub mod geometry;
pub mod history;
pub mod import;
pub mod money;
pub mod plot;
pub mod search;

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
