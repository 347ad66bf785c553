//! The document model against real documents: every credential in the standards test vectors
//! reads into `Credential` and writes back with every property it had, and a credential built
//! with the model's constructors follows the official OB 3.0 schema once signed.

mod common;

use chrono::{TimeZone, Utc};
use serde_json::{Map, Value, json};

use badges::keys::KeyPair;
use badges::model::{
    Achievement, AchievementSubject, Alignment, Credential, Evidence, Image, Profile,
};
use badges::proof::{self, ProofOptions};
use badges::schema::{self, Schema};

/// Properties the model writes as arrays even when a document gives one value; JSON-LD reads
/// both forms alike, so a round trip may turn the one into the other and nothing else.
const LIST_PROPERTIES: &[&str] = &[
    "type",
    "proof",
    "identifier",
    "result",
    "evidence",
    "alignment",
    "tag",
    "resultDescription",
    "allowedValue",
    "endorsement",
];

/// `value` with every single value of a [`LIST_PROPERTIES`] property made a list of one.
fn normalized(value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut out = Map::new();
            for (key, inner) in object {
                let inner = normalized(inner);
                let listed = match inner {
                    Value::Array(_) => inner,
                    one if LIST_PROPERTIES.contains(&key.as_str()) => Value::Array(vec![one]),
                    other => other,
                };
                out.insert(key.clone(), listed);
            }
            Value::Object(out)
        }
        Value::Array(list) => Value::Array(list.iter().map(normalized).collect()),
        other => other.clone(),
    }
}

/// Why a vector is not an `OpenBadgeCredential` the model reads, if it is not one.
fn not_modelled(doc: &Value) -> Option<&'static str> {
    let types = normalized(doc)["type"].clone();
    let has = |t: &str| types.as_array().is_some_and(|l| l.iter().any(|v| v == t));
    if has("EndorsementCredential") {
        // An endorsement's subject is an EndorsementSubject (an id and a comment), not an
        // AchievementSubject; the model has no type for it, and verification reads only the
        // parts endorsements share with badges.
        return Some("an endorsement");
    }
    if !has("OpenBadgeCredential") && !has("AchievementCredential") {
        return Some("not an Open Badge");
    }
    None
}

/// Every JSON vector: (path below the standards folder, document).
fn json_vectors() -> Vec<(String, Value)> {
    let mut found = vec!["test-vectors/impl-guide-obv3p0-signed.json".to_owned()];
    for folder in [
        "test-vectors/1edtech-validator-ob30",
        "test-vectors/dcc-vc-test-fixtures",
    ] {
        let dir = common::standards_dir().join(folder);
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".json") {
                found.push(format!("{folder}/{name}"));
            }
        }
    }
    found.sort();
    found
        .into_iter()
        .map(|path| {
            let doc = serde_json::from_str(&common::read_standard(&path)).unwrap();
            (path, doc)
        })
        .collect()
}

/// The first place two JSON values differ, as a path, for failure messages.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let here = format!("{path}/{key}");
                match (x.get(key), y.get(key)) {
                    (Some(l), Some(r)) => {
                        if let Some(d) = first_difference(l, r, &here) {
                            return Some(d);
                        }
                    }
                    (l, r) => return Some(format!("{here}: {l:?} vs {r:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (l, r))| first_difference(l, r, &format!("{path}/{i}"))),
        (l, r) if l == r => None,
        (l, r) => Some(format!("{path}: {l} vs {r}")),
    }
}

#[test]
fn every_badge_credential_in_the_vectors_round_trips_through_the_model_keeping_every_property() {
    let mut read = 0;
    for (path, doc) in json_vectors() {
        if not_modelled(&doc).is_some() {
            continue;
        }
        let credential = Credential::from_json(&doc)
            .unwrap_or_else(|e| panic!("{path} does not read into the model: {e}"));
        let written = credential.to_json();
        let (want, got) = (normalized(&doc), normalized(&written));
        if let Some(difference) = first_difference(&want, &got, "") {
            panic!("{path} changed in the round trip at {difference}");
        }
        assert_eq!(
            Credential::from_json(&written).unwrap(),
            credential,
            "{path}"
        );
        read += 1;
    }
    // The six 1EdTech JSON badges, the implementation guide's example and the 80 DCC badge
    // fixtures (89 less seven plain VCs and two endorsements).
    assert_eq!(read, 87);
}

#[test]
fn the_vectors_the_model_does_not_read_are_endorsements_or_not_open_badges() {
    let mut skipped: Vec<(String, &str)> = Vec::new();
    for (path, doc) in json_vectors() {
        if let Some(why) = not_modelled(&doc) {
            // They really do not read: a badge's subject needs an achievement.
            assert!(
                Credential::from_json(&doc).is_err(),
                "{path} reads after all"
            );
            skipped.push((path, why));
        }
    }
    let endorsements = skipped.iter().filter(|(_, w)| *w == "an endorsement");
    let names: Vec<&str> = endorsements
        .map(|(p, _)| p.rsplit('/').next().unwrap())
        .collect();
    let dcc = "v2__bothSignatureTypes__didkey__legacy-noStatus-notExpired-endorsement";
    assert_eq!(
        names,
        [
            "endorsement-valid.json".to_owned(),
            format!("{dcc}-withSchema.json"),
            format!("{dcc}.json"),
        ]
    );
    let others = skipped.iter().filter(|(_, w)| *w == "not an Open Badge");
    assert_eq!(others.count(), 7, "{skipped:?}");
}

#[test]
fn writing_puts_single_values_of_lists_into_arrays_and_nothing_else_changes() {
    let doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": "OpenBadgeCredential",
        "issuer": {"id": "did:key:z6Mk", "type": "Profile", "phone": "+1 555"},
        "credentialSubject": {
            "type": "AchievementSubject",
            "identifier": {"type": "IdentityObject", "hashed": false,
                "identityHash": "ada", "identityType": "name"},
            "achievement": {"id": "urn:a", "type": "Achievement", "name": "n",
                "description": "d", "criteria": {"narrative": "c", "extra": 1},
                "tag": "solo", "inLanguage": "en"}
        },
        "evidence": {"type": "Evidence", "name": "e", "audience": "all"},
        "proof": {"type": "DataIntegrityProof"},
        "unknownTopLevel": {"nested": [1, 2.5, null, true]}
    });
    let written = Credential::from_json(&doc).unwrap().to_json();
    assert_eq!(written["type"], json!(["OpenBadgeCredential"]));
    assert_eq!(written["evidence"][0]["audience"], "all");
    assert_eq!(
        written["credentialSubject"]["achievement"]["tag"],
        json!(["solo"])
    );
    assert_eq!(
        first_difference(&normalized(&doc), &normalized(&written), ""),
        None
    );
}

fn key() -> KeyPair {
    KeyPair::from_secret_bytes(&[3; 32])
}

/// A credential built only with the model's constructors.
fn built_credential() -> Credential {
    let issuer_key = key();
    let mut issuer = Profile::new(issuer_key.did_key(), "Acme Academy");
    issuer.url = Some("https://academy.example.org".into());
    issuer.image = Some(Image::new("https://academy.example.org/logo.png", None));
    let mut achievement = Achievement::new(
        "https://academy.example.org/achievements/rust".into(),
        "Rust basics".into(),
        "Wrote and tested a small library.".into(),
        "Pass every *check*.".into(),
    );
    achievement.achievement_type = Some("Badge".into());
    achievement.tag = vec!["rust".into()];
    achievement.alignment = vec![Alignment::new(
        "Programming".into(),
        "https://framework.example/skills/1".into(),
    )];
    achievement.image = Some(Image::new(
        "https://academy.example.org/rust.png",
        Some("A crab".into()),
    ));
    let subject = AchievementSubject::for_email(achievement, "ada@example.org", "salt-1");
    let mut credential = Credential::new(
        "urn:uuid:3e0c6a3e-2a61-4d59-9c43-3a6e8e3b6c11".into(),
        issuer,
        subject,
    );
    credential.name = Some("Rust basics".into());
    credential.valid_from = Some("2026-01-01T00:00:00Z".into());
    credential.evidence = vec![Evidence::new(
        Some("Lab run".into()),
        Some("All checks passed.".into()),
        Some("https://academy.example.org/runs/1".into()),
    )];
    credential
}

#[test]
fn a_credential_built_with_the_model_follows_the_official_schema_once_signed() {
    let options = ProofOptions {
        verification_method: key().did_key_method(),
        created: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    };
    let signed = proof::sign(&built_credential().to_json(), &key(), &options).unwrap();
    let problems = schema::check(Schema::AchievementCredential, &signed);
    assert!(problems.is_empty(), "{problems:#?}");

    // And the check is not vacuous: the same credential without validFrom does not conform.
    let mut broken = signed.clone();
    broken.as_object_mut().unwrap().remove("validFrom");
    assert!(!schema::check(Schema::AchievementCredential, &broken).is_empty());
}

#[test]
fn a_credential_built_with_the_model_reads_back_as_the_same_value() {
    let credential = built_credential();
    let read = Credential::from_json(&credential.to_json()).unwrap();
    assert_eq!(read, credential);
    assert!(read.credential_subject.identifier[0].matches("emailAddress", "Ada@example.org"));
}
