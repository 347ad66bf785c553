//! Properties of signing and verifying: any credential Rosette can be asked to sign verifies as
//! valid, whatever text it carries (Unicode, quotes, backslashes, line breaks, control
//! characters) and however many alignments, tags, evidence and results it has; and changing
//! any one of its generated strings afterwards breaks the proof.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

use badges::keys::KeyPair;
use badges::proof::{self, ProofOptions};
use badges::resolve::OfflineResolver;
use badges::verify::{Options, Outcome, Report, Verdict, verify_credential};

/// The moment verifications run at.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
}

fn issuer_key() -> KeyPair {
    KeyPair::from_secret_bytes(&[42; 32])
}

/// Text that is awkward for JSON, JSON-LD and N-Quads, mixed with ordinary letters.
fn text() -> impl Strategy<Value = String> {
    let awkward = prop_oneof![
        Just('"'),
        Just('\\'),
        Just('\n'),
        Just('\r'),
        Just('\t'),
        Just('\''),
        Just('<'),
        Just('>'),
        Just('@'),
        Just('#'),
        Just('é'),
        Just('ß'),
        Just('日'),
        Just('🎉'),
        Just('\u{200b}'),
        Just('\u{1}'),
        Just('\u{7f}'),
    ];
    let one = prop_oneof![
        3 => proptest::char::range('a', 'z'),
        1 => Just(' '),
        2 => awkward,
        1 => any::<char>(),
    ];
    prop::collection::vec(one, 1..24).prop_map(|chars| chars.into_iter().collect())
}

/// The varying parts of a generated credential.
#[derive(Debug, Clone)]
struct Generated {
    name: String,
    description: String,
    achievement_name: String,
    achievement_description: String,
    narrative: String,
    tags: Vec<String>,
    alignments: Vec<(String, String)>,
    evidence: Vec<(String, String)>,
    results: Vec<String>,
    valid_until_days: Option<i64>,
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        (text(), text(), text(), text(), text()),
        prop::collection::vec(text(), 0..4),
        prop::collection::vec((text(), text()), 0..3),
        prop::collection::vec((text(), text()), 0..3),
        prop::collection::vec(text(), 0..3),
        prop::option::of(1i64..4000),
    )
        .prop_map(|(texts, tags, alignments, evidence, results, until)| {
            let (name, description, achievement_name, achievement_description, narrative) = texts;
            Generated {
                name,
                description,
                achievement_name,
                achievement_description,
                narrative,
                tags,
                alignments,
                evidence,
                results,
                valid_until_days: until,
            }
        })
}

impl Generated {
    /// The unsigned credential, and the JSON pointers of every generated string in it.
    fn credential(&self) -> (Value, Vec<String>) {
        let mut strings = vec![
            "/name".to_owned(),
            "/description".to_owned(),
            "/credentialSubject/achievement/name".to_owned(),
            "/credentialSubject/achievement/description".to_owned(),
            "/credentialSubject/achievement/criteria/narrative".to_owned(),
        ];
        let alignments: Vec<Value> = self
            .alignments
            .iter()
            .enumerate()
            .map(|(i, (name, code))| {
                let at = format!("/credentialSubject/achievement/alignment/{i}");
                strings.push(format!("{at}/targetName"));
                strings.push(format!("{at}/targetCode"));
                json!({"type": ["Alignment"], "targetName": name, "targetCode": code,
                    "targetUrl": format!("https://skills.example.org/{i}")})
            })
            .collect();
        for i in 0..self.tags.len() {
            strings.push(format!("/credentialSubject/achievement/tag/{i}"));
        }
        let evidence: Vec<Value> = self
            .evidence
            .iter()
            .enumerate()
            .map(|(i, (name, narrative))| {
                strings.push(format!("/evidence/{i}/name"));
                strings.push(format!("/evidence/{i}/narrative"));
                json!({"type": ["Evidence"], "name": name, "narrative": narrative})
            })
            .collect();
        let results: Vec<Value> = self
            .results
            .iter()
            .enumerate()
            .map(|(i, value)| {
                strings.push(format!("/credentialSubject/result/{i}/value"));
                json!({"type": ["Result"], "value": value})
            })
            .collect();

        let issuer = issuer_key().did_key();
        let mut doc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": "urn:uuid:1f0e7c1e-5a3b-4e8f-9d2c-0b6a4f3e2d1c",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": issuer, "type": ["Profile"], "name": "Acme Academy"},
            "validFrom": "2026-01-01T00:00:00Z",
            "name": self.name,
            "description": self.description,
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "identifier": [badges::model::IdentityObject::hashed_email("ada@example.org", "s")],
                "achievement": {
                    "id": "https://academy.example.org/achievements/1",
                    "type": ["Achievement"],
                    "name": self.achievement_name,
                    "description": self.achievement_description,
                    "criteria": {"narrative": self.narrative},
                    "tag": self.tags,
                    "alignment": alignments,
                },
                "result": results,
            },
            "evidence": evidence,
        });
        if let Some(days) = self.valid_until_days {
            let until = now() + Duration::days(days);
            doc["validUntil"] = json!(proof::xsd_date_time(until));
        }
        (doc, strings)
    }
}

fn sign(doc: &Value) -> Value {
    let key = issuer_key();
    let options = ProofOptions {
        verification_method: key.did_key_method(),
        created: now() - Duration::days(1),
    };
    proof::sign(doc, &key, &options).unwrap()
}

fn verify(doc: &Value) -> Report {
    let resolver = OfflineResolver::new();
    let options = Options {
        resolver: &resolver,
        now: now(),
        recipient: None,
    };
    verify_credential(doc, &options)
}

fn proof_outcome(report: &Report) -> Option<Outcome> {
    report
        .checks
        .iter()
        .find(|c| c.id == "proof")
        .map(|c| c.outcome)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_generated_credential_signed_here_verifies_and_any_changed_string_breaks_it(
        generated in generated(),
        which in any::<Index>(),
        replacement in text(),
    ) {
        let (doc, strings) = generated.credential();
        let signed = sign(&doc);
        let report = verify(&signed);
        prop_assert_eq!(report.verdict, Verdict::Valid, "{}", report.to_text());
        prop_assert_eq!(proof_outcome(&report), Some(Outcome::Pass));

        let pointer = which.get(&strings);
        let mut changed = signed.clone();
        let slot = changed.pointer_mut(pointer).unwrap();
        let before = slot.as_str().unwrap().to_owned();
        let after = if replacement == before { format!("{before}!") } else { replacement };
        *slot = Value::String(after);
        let report = verify(&changed);
        prop_assert_eq!(report.verdict, Verdict::Invalid, "{}:\n{}", pointer, report.to_text());
        prop_assert_eq!(proof_outcome(&report), Some(Outcome::Fail), "{}", pointer);
    }
}
