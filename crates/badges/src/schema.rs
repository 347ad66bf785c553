//! The official Open Badges 3.0 JSON schemas, bundled, and checking documents against them.
//!
//! The schemas are compiled once per process; checking a document is then cheap.

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

/// Which official schema to check against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// `AchievementCredential` (OpenBadgeCredential).
    AchievementCredential,
    /// `EndorsementCredential`.
    EndorsementCredential,
    /// `Profile`.
    Profile,
}

/// How many schema errors a report lists before it stops counting.
pub const MAX_REPORTED_ERRORS: usize = 10;

/// Checks `doc` against a schema; returns the problems found (empty when it conforms), each
/// as `path: message`, at most [`MAX_REPORTED_ERRORS`].
pub fn check(schema: Schema, doc: &Value) -> Vec<String> {
    validator(schema)
        .iter_errors(doc)
        .take(MAX_REPORTED_ERRORS)
        .map(|e| {
            let path = e.instance_path().to_string();
            let path = if path.is_empty() {
                "/".to_owned()
            } else {
                path
            };
            format!("{path}: {e}")
        })
        .collect()
}

fn validator(schema: Schema) -> &'static Validator {
    static CREDENTIAL: OnceLock<Validator> = OnceLock::new();
    static ENDORSEMENT: OnceLock<Validator> = OnceLock::new();
    static PROFILE: OnceLock<Validator> = OnceLock::new();
    let (cell, text) = match schema {
        Schema::AchievementCredential => (
            &CREDENTIAL,
            include_str!("../schemas/achievementcredential.json"),
        ),
        Schema::EndorsementCredential => (
            &ENDORSEMENT,
            include_str!("../schemas/endorsementcredential.json"),
        ),
        Schema::Profile => (&PROFILE, include_str!("../schemas/profile.json")),
    };
    cell.get_or_init(|| {
        // The bundled schemas are fixed data checked by the tests below, so failing to compile
        // one is a build defect, not an input error.
        let json: Value = serde_json::from_str(text).expect("bundled schema is JSON");
        jsonschema::validator_for(&json).expect("bundled schema compiles")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_schema_compiles_and_rejects_an_empty_object() {
        for s in [
            Schema::AchievementCredential,
            Schema::EndorsementCredential,
            Schema::Profile,
        ] {
            assert!(!check(s, &serde_json::json!({})).is_empty());
        }
    }
}
