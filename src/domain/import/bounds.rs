//! What one import file may cost while it is read, checked as it is read rather than after:
//! features (`GWF_IMPORT_MAX_FEATURES`; a reader stops at the first one over), bytes of
//! values pulled out of a container (`GWF_IMPORT_MAX_BYTES`), the CPU deadline, and the size
//! of each geometry (`GWF_GEOMETRY_MAX_*`, counted by `geometry::counts`), so an oversized
//! outline is a problem of its feature and never reaches PostGIS.

use std::time::Instant;

use serde_json::value::RawValue;

use crate::domain::geometry::GeometryLimits;

/// Why reading a file was given up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// More features or bytes than an import takes (413).
    TooLarge(String),
    /// The file cannot be read (400).
    Bad(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge(s) | ReadError::Bad(s) => f.write_str(s),
        }
    }
}

/// The running budget of one file.
#[derive(Debug, Clone)]
pub struct Budget {
    pub max_features: usize,
    pub max_bytes: usize,
    pub deadline: Instant,
    pub limits: GeometryLimits,
    bytes: usize,
    exceeded: bool,
}

impl Budget {
    pub fn new(
        max_features: usize,
        max_bytes: usize,
        deadline: Instant,
        limits: GeometryLimits,
    ) -> Budget {
        Budget {
            max_features,
            max_bytes,
            deadline,
            limits,
            bytes: 0,
            exceeded: false,
        }
    }

    /// No bound but the default geometry limits (unit tests of the readers).
    pub fn unbounded() -> Budget {
        Budget::new(
            usize::MAX,
            usize::MAX,
            Instant::now() + std::time::Duration::from_secs(3600),
            GeometryLimits::default(),
        )
    }

    /// Whether the file was given up for its size (rather than its content).
    pub fn exceeded(&self) -> bool {
        self.exceeded
    }

    /// Before reading feature `index` (from 0): refused once it would be one over the cap.
    pub fn feature(&mut self, index: usize) -> Result<(), String> {
        if index >= self.max_features {
            self.exceeded = true;
            return Err(format!(
                "more than {} features; an import takes at most {} (GWF_IMPORT_MAX_FEATURES): split the file",
                self.max_features, self.max_features
            ));
        }
        Ok(())
    }

    /// `n` more bytes of values read out of the file.
    pub fn bytes(&mut self, n: usize) -> Result<(), String> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.max_bytes {
            self.exceeded = true;
            return Err(format!(
                "the file's values add up to more than {} bytes (GWF_IMPORT_MAX_BYTES)",
                self.max_bytes
            ));
        }
        Ok(())
    }

    /// Refused once the import's CPU time is up.
    pub fn in_time(&self, what: &str) -> Result<(), String> {
        if Instant::now() > self.deadline {
            return Err(format!("reading the {what} took too long"));
        }
        Ok(())
    }
}

/// The features of a collection's `features` array, refused at the first one over the budget's
/// cap: before it, memory holds one pointer per feature, which `[{},{},...]` makes 16 bytes
/// for every 3 of the body.
pub fn capped_features<'a>(
    features: &'a RawValue,
    budget: &mut Budget,
) -> Result<Vec<&'a RawValue>, String> {
    struct Capped<'b>(&'b mut Budget);
    impl<'de, 'b> serde::de::DeserializeSeed<'de> for Capped<'b> {
        type Value = Vec<&'de RawValue>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de, 'b> serde::de::Visitor<'de> for Capped<'b> {
        type Value = Vec<&'de RawValue>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of features")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut features = Vec::new();
            while let Some(feature) = seq.next_element::<&'de RawValue>()? {
                self.0
                    .feature(features.len())
                    .map_err(serde::de::Error::custom)?;
                features.push(feature);
            }
            Ok(features)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(features.get());
    serde::de::DeserializeSeed::deserialize(Capped(budget), &mut deserializer).map_err(|e| {
        match budget.exceeded() {
            true => e
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_owned(),
            false => format!("`features` is not an array of features: {e}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feature_cap_is_one_over() {
        let mut budget = Budget::unbounded();
        budget.max_features = 2;
        assert!(budget.feature(1).is_ok());
        assert!(budget
            .feature(2)
            .unwrap_err()
            .starts_with("more than 2 features"));
        assert!(budget.exceeded());
    }
}
