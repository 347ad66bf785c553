//! The Open Badges 3.0 verification procedure end to end, through `verify_bytes`: every
//! standards vector with the verdict and the deciding check it must get, revocation through a
//! signed status list, recipient matching, tampering, VC-JWT, baked images, Open Badges 2.0,
//! inputs that are not credentials at all, and the report's text and JSON forms.
//!
//! Every verification runs offline (an `OfflineResolver` knows exactly the documents a test
//! gives it) at a fixed moment, [`now`].

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use badges::bake::{self, BadgeVersion, BakeLimits};
use badges::jwt::{self, JwtSigningKey, PayloadStyle};
use badges::keys::{self, KeyPair, PublishedKey};
use badges::ob2;
use badges::proof::{self, ProofOptions};
use badges::resolve::{OfflineResolver, ResolveError, Resolver};
use badges::sample::realistic_credential;
use badges::status::{BitstringStatusList, NewStatusListCredential, StatusPurpose};
use badges::verify::{Options, Outcome, Report, Verdict, verify_bytes, verify_credential};

const OB30: &str = "test-vectors/1edtech-validator-ob30";
const DCC: &str = "test-vectors/dcc-vc-test-fixtures";
/// Where `realistic_credential` says its status list is published.
const STATUS_LIST: &str = "https://academy.example.org/status/1";
/// The recipient `realistic_credential` is awarded to.
const LEARNER: &str = "ada@example.org";

/// The moment every verification runs at: after every vector's start of validity (the latest
/// is 2026-01-23) and before the end of those that are meant to be still valid.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
}

fn options(resolver: &dyn Resolver) -> Options<'_> {
    Options {
        resolver,
        now: now(),
        recipient: None,
    }
}

fn verify_with(bytes: &[u8], resolver: &dyn Resolver) -> Report {
    verify_bytes(bytes, &options(resolver))
}

fn verify_offline(bytes: &[u8]) -> Report {
    verify_with(bytes, &OfflineResolver::new())
}

fn ob30(name: &str) -> Vec<u8> {
    common::read_standard_bytes(&format!("{OB30}/{name}"))
}

/// The outcome of the first check with this id, if the report has one.
fn outcome(report: &Report, id: &str) -> Option<Outcome> {
    report.checks.iter().find(|c| c.id == id).map(|c| c.outcome)
}

/// Asserts the verdict and the outcome of one check, showing the whole report when wrong.
fn expect(report: &Report, verdict: Verdict, check: &str, expected: Outcome) {
    let text = report.to_text();
    assert_eq!(report.verdict, verdict, "wrong verdict:\n{text}");
    assert_eq!(
        outcome(report, check),
        Some(expected),
        "wrong `{check}` outcome:\n{text}"
    );
}

fn message<'a>(report: &'a Report, id: &str) -> &'a str {
    let check = report.checks.iter().find(|c| c.id == id);
    check.map_or("", |c| c.message.as_str())
}

/// A resolver serving a controller document at the base of `method` (an https URL whose
/// fragment is the key's own `publicKeyMultibase`), listing that key as an assertion method.
///
/// The 1EdTech vectors name keys this way, so their issuer documents, which are not published
/// anywhere, can be rebuilt from the credentials themselves.
fn fragment_key_resolver(methods: &[&str]) -> OfflineResolver {
    let mut resolver = OfflineResolver::new();
    for method in methods {
        let (controller, fragment) = method.split_once('#').unwrap();
        let key = keys::parse_public_multibase(fragment).unwrap();
        let published = PublishedKey {
            id: (*method).to_owned(),
            key,
        };
        let document = keys::controller_document(controller, &[published], None);
        resolver.insert(controller, document);
    }
    resolver
}

const SIMPLE_KEY: &str =
    "https://example.com/issuers/876543#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";

// ---------------------------------------------------------------------------------------------
// The 1EdTech validator vectors
// ---------------------------------------------------------------------------------------------

#[test]
fn simple_json_cannot_be_fully_checked_offline_without_its_issuer_document() {
    let report = verify_offline(&ob30("simple.json"));
    expect(&report, Verdict::Indeterminate, "proof", Outcome::Unknown);
    assert!(message(&report, "proof").contains("not available offline"));
}

#[test]
fn simple_json_is_valid_once_its_fragment_key_is_published_by_the_issuer() {
    // The key is derivable: the method's fragment is the multibase public key.
    let report = verify_with(&ob30("simple.json"), &fragment_key_resolver(&[SIMPLE_KEY]));
    expect(&report, Verdict::Valid, "proof", Outcome::Pass);
    assert_eq!(outcome(&report, "schema"), Some(Outcome::Pass));
    assert_eq!(report.name.as_deref(), Some("Teamwork Badge"));
    assert_eq!(
        report.issuer.as_deref(),
        Some("https://example.com/issuers/876543")
    );
}

#[test]
fn simple_err_proof_value_is_invalid_for_its_signature_once_the_key_is_known() {
    // The fragment is a multibase key, so the issuer document is rebuilt from it; the
    // signature was damaged on purpose and must fail with the key in hand.
    let key = "https://example.com/issuers/876543#z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x";
    let report = verify_with(
        &ob30("simple-err-proof-value.json"),
        &fragment_key_resolver(&[key]),
    );
    expect(&report, Verdict::Invalid, "proof", Outcome::Fail);
    assert!(message(&report, "proof").contains("signature does not match"));

    // Offline, without the key, the damage cannot be seen yet.
    let offline = verify_offline(&ob30("simple-err-proof-value.json"));
    expect(&offline, Verdict::Indeterminate, "proof", Outcome::Unknown);
}

#[test]
fn simple_v1_is_a_legacy_credential_valid_with_a_schema_warning() {
    // VCDM 1.1 context and issuanceDate: the OB 3.0 schema does not describe it, which is a
    // warning; its Ed25519Signature2020 proof verifies with the key from its fragment.
    let key = "https://example.com/issuers/876543#z6MknNHHrBzPytzu6CUBP9Lg7fg4KSBjzimc2Frh693YbMiv";
    let report = verify_with(&ob30("simple_v1.json"), &fragment_key_resolver(&[key]));
    expect(&report, Verdict::Valid, "schema", Outcome::Warning);
    assert!(message(&report, "schema").contains("VCDM 1.1 (legacy)"));
    assert_eq!(outcome(&report, "proof"), Some(Outcome::Pass));

    let offline = verify_offline(&ob30("simple_v1.json"));
    expect(&offline, Verdict::Indeterminate, "schema", Outcome::Warning);
    assert_eq!(outcome(&offline, "proof"), Some(Outcome::Unknown));
}

#[test]
fn simple_eddsa_2022_verifies_its_draft_cryptosuite_with_a_schema_warning() {
    // The same key as simple.json; the draft `eddsa-2022` name signs the same way.
    let report = verify_with(
        &ob30("simple-eddsa-2022.json"),
        &fragment_key_resolver(&[SIMPLE_KEY]),
    );
    expect(&report, Verdict::Valid, "proof", Outcome::Pass);
    assert!(message(&report, "proof").contains("eddsa-2022"));
    assert_eq!(outcome(&report, "schema"), Some(Outcome::Warning));
}

#[test]
fn simple_did_key_method_is_invalid_because_the_key_is_not_the_issuers() {
    // The issuer is a urn:uuid and the proof names a did:key: nothing ties that key to the
    // issuer, so anyone could have signed. (The 1EdTech validator accepts this vector; Rosette
    // deliberately does not.) The signature itself is good for the key's own controller.
    let bytes = ob30("simple-did-key-method.json");
    let report = verify_offline(&bytes);
    expect(&report, Verdict::Invalid, "proof", Outcome::Fail);
    assert!(message(&report, "proof").contains("is not controlled by the issuer"));

    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let did = "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";
    let results = proof::verify_proofs(&doc, did, &OfflineResolver::new()).unwrap();
    assert!(results[0].is_ok(), "{:?}", results[0]);
}

#[test]
fn the_baked_json_png_and_svg_vectors_are_valid_with_their_issuer_key() {
    // Both images carry simple-err-proof-value's credential with a good signature by the key
    // its fragment names.
    let key = "https://example.com/issuers/876543#z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x";
    for (name, image) in [("simple-json.png", "PNG"), ("simple-json.svg", "SVG")] {
        let report = verify_with(&ob30(name), &fragment_key_resolver(&[key]));
        expect(&report, Verdict::Valid, "proof", Outcome::Pass);
        assert_eq!(outcome(&report, "image"), Some(Outcome::Pass), "{name}");
        assert!(
            report.format.starts_with(&format!("baked {image}")),
            "{name}"
        );

        let offline = verify_offline(&ob30(name));
        expect(&offline, Verdict::Indeterminate, "proof", Outcome::Unknown);
    }
}

#[test]
fn the_baked_jwt_vectors_are_valid_with_a_warning_that_the_key_is_only_embedded() {
    // Their JOSE header carries the RSA key itself (`jwk`) and no `kid`: the signature checks,
    // but nothing ties that key to the issuer, which the report says as a warning.
    for name in ["simple-jwt.png", "simple-jwt.svg"] {
        let report = verify_offline(&ob30(name));
        expect(&report, Verdict::Valid, "proof", Outcome::Warning);
        assert!(message(&report, "proof").contains("embedded in the token"));
        assert_eq!(outcome(&report, "schema"), Some(Outcome::Pass), "{name}");
        assert!(report.format.contains("VC-JWT"), "{}", report.format);
    }
}

#[test]
fn the_bare_jwt_vector_fails_because_it_names_no_key_to_check_it_with() {
    // RS256, with neither `kid` nor `jwk` in its header: there is no key to verify against.
    let report = verify_offline(&ob30("simple.jwt"));
    expect(&report, Verdict::Invalid, "proof", Outcome::Fail);
    let why = message(&report, "proof");
    assert!(why.contains("no key"), "{why}");
    assert!(!why.contains("None") && !why.contains("Some("), "{why}");
}

#[test]
fn complete_json_is_valid_with_warnings_for_its_revocation_list_and_broken_endorsement() {
    // The issuer key is derivable from the proof's fragment. The revocation list cannot be
    // fetched offline (a warning), and the credential's own endorsement uses the misspelt
    // cryptosuite `eddsa-rdf-2022` and has expired, which is said but does not invalidate it.
    let key = "https://1edtech.edu/issuers/565049#z6Mknyb2Gb4NxzW3xSr9ChTtdQZ1zs77piQ3r9SaJ9vMzmrs";
    let report = verify_with(&ob30("complete.json"), &fragment_key_resolver(&[key]));
    expect(&report, Verdict::Valid, "proof", Outcome::Pass);
    assert_eq!(outcome(&report, "schema"), Some(Outcome::Pass));
    assert_eq!(outcome(&report, "status"), Some(Outcome::Warning));
    expect(&report, Verdict::Valid, "endorsement[0]", Outcome::Warning);
    assert!(message(&report, "endorsement[0]").contains("eddsa-rdf-2022"));

    let offline = verify_offline(&ob30("complete.json"));
    expect(&offline, Verdict::Indeterminate, "proof", Outcome::Unknown);
}

#[test]
fn endorsement_valid_is_a_valid_endorsement_credential_with_its_key() {
    let key = "https://state.gov/issuers/565049#z6MkoMGF38Ck9xkdqrbZt4h9eHb1qc3GhAAkoSWa4Vy3SHRN";
    let report = verify_with(
        &ob30("endorsement-valid.json"),
        &fragment_key_resolver(&[key]),
    );
    expect(&report, Verdict::Valid, "proof", Outcome::Pass);
    assert!(message(&report, "type").contains("endorsement"));
    assert_eq!(outcome(&report, "schema"), Some(Outcome::Pass));

    let offline = verify_offline(&ob30("endorsement-valid.json"));
    expect(&offline, Verdict::Indeterminate, "proof", Outcome::Unknown);
}

#[test]
fn every_1edtech_vector_is_covered_by_a_test_above() {
    let covered = [
        "complete.json",
        "endorsement-valid.json",
        "simple-did-key-method.json",
        "simple-eddsa-2022.json",
        "simple-err-proof-value.json",
        "simple-json.png",
        "simple-json.svg",
        "simple-jwt.png",
        "simple-jwt.svg",
        "simple.json",
        "simple.jwt",
        "simple_v1.json",
    ];
    let mut found = file_names(OB30);
    found.sort();
    assert_eq!(found, covered);
}

fn file_names(folder: &str) -> Vec<String> {
    let dir = common::standards_dir().join(folder);
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The Digital Credentials Consortium fixtures
// ---------------------------------------------------------------------------------------------

/// What a DCC fixture must come to, decided from its name and its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Expected {
    /// Not an Open Badge at all (no OpenBadgeCredential or EndorsementCredential type).
    NotABadge,
    /// did:web: the DID document cannot be fetched offline, so the proof is unknown.
    DidWebOffline,
    /// did:key and expired: the dates check fails.
    Expired,
    /// did:key and valid for now, with at most a status warning (lists are not fetched).
    Valid,
    /// Named for what its data says otherwise; see [`exception`].
    Exception(Exception),
}

/// Fixtures whose content decides differently from the name pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Exception {
    /// Its body was changed after signing.
    Tampered,
    /// `validFrom` is in 2099.
    NotYetValid,
    /// Named `noExpiry`, but its `validUntil` is 2010-01-02.
    ExpiredDespiteItsName,
    /// It breaks the official schema (no `validFrom`; achievementType `Program`, not in the
    /// enumeration; a single `identifier` object where the schema wants an array).
    BreaksTheSchema,
}

fn exception(name: &str) -> Option<Exception> {
    Some(match name {
        n if n.contains("-tampered") => Exception::Tampered,
        n if n.contains("notYetValid") => Exception::NotYetValid,
        "v2__dataIntegrityProof__didKey__noRegistry-revokedStatus-noExpiry.json" => {
            Exception::ExpiredDespiteItsName
        }
        n if n.contains("badSchema")
            || n.contains("-credName")
            || n.contains("-credSubjName")
            || n.contains("-identityHash") =>
        {
            Exception::BreaksTheSchema
        }
        _ => return None,
    })
}

fn expected_for(name: &str, doc: &Value) -> Expected {
    let types = doc["type"].as_array().cloned().unwrap_or_default();
    let badge_types = ["OpenBadgeCredential", "EndorsementCredential"];
    if !types.iter().any(|t| badge_types.iter().any(|b| t == b)) {
        return Expected::NotABadge;
    }
    if name.to_lowercase().contains("didweb") {
        return Expected::DidWebOffline;
    }
    if let Some(e) = exception(name) {
        return Expected::Exception(e);
    }
    if name.contains("-expired") {
        return Expected::Expired;
    }
    assert!(
        name.contains("noExpiry") || name.contains("notExpired"),
        "{name} fits no category"
    );
    Expected::Valid
}

fn check_dcc_fixture(name: &str, doc: &Value, report: &Report) -> Expected {
    let expected = expected_for(name, doc);
    let text = format!("{name}:\n{}", report.to_text());
    let fails = |id: &str| outcome(report, id) == Some(Outcome::Fail);
    match expected {
        Expected::NotABadge => {
            assert_eq!(report.verdict, Verdict::Invalid, "{text}");
            assert!(fails("type"), "{text}");
        }
        Expected::DidWebOffline => {
            assert_eq!(outcome(report, "proof"), Some(Outcome::Unknown), "{text}");
            // Offline, an expired one is still invalid for its dates; the rest cannot be
            // decided.
            if name.contains("-expired") {
                assert_eq!(report.verdict, Verdict::Invalid, "{text}");
                assert!(fails("dates"), "{text}");
            } else {
                assert_eq!(report.verdict, Verdict::Indeterminate, "{text}");
            }
        }
        Expected::Expired | Expected::Exception(Exception::ExpiredDespiteItsName) => {
            assert_eq!(report.verdict, Verdict::Invalid, "{text}");
            assert!(message(report, "dates").contains("expired"), "{text}");
            assert_eq!(outcome(report, "proof"), Some(Outcome::Pass), "{text}");
        }
        Expected::Exception(Exception::NotYetValid) => {
            assert_eq!(report.verdict, Verdict::Invalid, "{text}");
            assert!(
                message(report, "dates").contains("not valid until"),
                "{text}"
            );
        }
        Expected::Exception(Exception::Tampered) => {
            assert_eq!(report.verdict, Verdict::Invalid, "{text}");
            assert!(fails("proof"), "{text}");
        }
        Expected::Exception(Exception::BreaksTheSchema) => {
            assert_eq!(report.verdict, Verdict::Invalid, "{text}");
            assert!(fails("schema"), "{text}");
            assert_eq!(outcome(report, "proof"), Some(Outcome::Pass), "{text}");
        }
        Expected::Valid => {
            assert_eq!(report.verdict, Verdict::Valid, "{text}");
            assert_eq!(outcome(report, "proof"), Some(Outcome::Pass), "{text}");
            assert_eq!(outcome(report, "dates"), Some(Outcome::Pass), "{text}");
            let has_status = doc.get("credentialStatus").is_some();
            let status = outcome(report, "status");
            assert_eq!(status, has_status.then_some(Outcome::Warning), "{text}");
            for c in &report.checks {
                let allowed = matches!(c.outcome, Outcome::Pass | Outcome::Warning);
                assert!(allowed, "{text}");
            }
        }
    }
    expected
}

#[test]
fn every_dcc_fixture_gets_the_verdict_its_category_calls_for() {
    let mut counts = std::collections::BTreeMap::new();
    for name in file_names(DCC) {
        let bytes = common::read_standard_bytes(&format!("{DCC}/{name}"));
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        let report = verify_offline(&bytes);
        let category = check_dcc_fixture(&name, &doc, &report);
        *counts.entry(category).or_insert(0) += 1;
    }
    let count = |e: Expected| counts.get(&e).copied().unwrap_or(0);
    assert_eq!(count(Expected::NotABadge), 7, "{counts:?}");
    assert_eq!(count(Expected::DidWebOffline), 28, "{counts:?}");
    assert_eq!(count(Expected::Expired), 11, "{counts:?}");
    assert_eq!(count(Expected::Valid), 36, "{counts:?}");
    let exceptions: usize = counts
        .iter()
        .filter(|(k, _)| matches!(k, Expected::Exception(_)))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(exceptions, 7, "{counts:?}");
    assert_eq!(counts.values().sum::<usize>(), 89);
}

#[test]
fn an_issuer_profile_with_an_endorsement_whose_proof_is_a_single_object_passes_the_schema() {
    // The DCC `complexIssuer` fixture embeds an endorsement in the issuer profile with a single
    // `proof` object; JSON-LD reads it like a list of one, as it does at the top level.
    let name = "v2__dataIntegrityProof__didKey__oidf-noStatus-notExpired-complexIssuer.json";
    let report = verify_offline(&common::read_standard_bytes(&format!("{DCC}/{name}")));
    expect(&report, Verdict::Valid, "schema", Outcome::Pass);
}

#[test]
fn a_credential_subject_with_a_single_identifier_object_is_read_and_judged_by_the_schema() {
    // The model reads a single `identifier` object; it is the official schema, not the
    // reader, that insists on an array, so the report names the real problems.
    let name = "v2__dataIntegrityProof__didKey__legacyRegistry-noStatus-noExpiry-identityHash.json";
    let report = verify_offline(&common::read_standard_bytes(&format!("{DCC}/{name}")));
    expect(&report, Verdict::Invalid, "type", Outcome::Pass);
    assert_eq!(outcome(&report, "proof"), Some(Outcome::Pass));
    assert!(message(&report, "schema").contains("/credentialSubject/identifier"));
}

// ---------------------------------------------------------------------------------------------
// Credentials signed here
// ---------------------------------------------------------------------------------------------

fn issuer_key() -> KeyPair {
    KeyPair::from_secret_bytes(&[7; 32])
}

fn other_key() -> KeyPair {
    KeyPair::from_secret_bytes(&[9; 32])
}

fn sign_with(doc: &Value, key: &KeyPair) -> Value {
    let options = ProofOptions {
        verification_method: key.did_key_method(),
        created: now() - Duration::days(30),
    };
    proof::sign(doc, key, &options).unwrap()
}

/// `realistic_credential` by the did:key issuer, unsigned, with its status entry at index `n`.
fn unsigned(n: u64) -> Value {
    realistic_credential(&issuer_key().did_key(), n)
}

fn unsigned_without_status() -> Value {
    let mut doc = unsigned(1);
    doc.as_object_mut().unwrap().remove("credentialStatus");
    doc
}

fn signed_without_status() -> Value {
    sign_with(&unsigned_without_status(), &issuer_key())
}

fn verify_value(doc: &Value, resolver: &dyn Resolver) -> Report {
    verify_credential(doc, &options(resolver))
}

/// A signed BitstringStatusList credential at [`STATUS_LIST`] with the given bits set.
fn status_list(revoked: &[usize], signer: &KeyPair) -> Value {
    let mut list = BitstringStatusList::minimum();
    for &index in revoked {
        list.set(index, 1).unwrap();
    }
    let unsigned = NewStatusListCredential {
        id: STATUS_LIST.into(),
        issuer: issuer_key().did_key(),
        purpose: StatusPurpose::Revocation,
        valid_from: Some(now() - Duration::days(1)),
        valid_until: None,
        ttl_ms: None,
    }
    .build(&list);
    sign_with(&unsigned, signer)
}

fn serving_list(list: Value) -> OfflineResolver {
    OfflineResolver::new().with_document(STATUS_LIST, list)
}

#[test]
fn a_credential_whose_status_bit_is_clear_passes_the_status_check() {
    let credential = sign_with(&unsigned(5), &issuer_key());
    let list = status_list(&[4, 6, 1000], &issuer_key());
    let report = verify_value(&credential, &serving_list(list));
    expect(&report, Verdict::Valid, "status", Outcome::Pass);
    assert!(message(&report, "status").contains("not revoked"));
}

#[test]
fn a_credential_whose_status_bit_is_set_is_invalid_as_revoked() {
    let credential = sign_with(&unsigned(5), &issuer_key());
    let list = status_list(&[5], &issuer_key());
    let report = verify_value(&credential, &serving_list(list));
    expect(&report, Verdict::Invalid, "status", Outcome::Fail);
    assert!(message(&report, "status").contains("revoked"));
    assert_eq!(outcome(&report, "proof"), Some(Outcome::Pass));
}

#[test]
fn a_status_list_signed_by_another_key_is_not_trusted() {
    let credential = sign_with(&unsigned(5), &issuer_key());
    let list = status_list(&[], &other_key());
    let report = verify_value(&credential, &serving_list(list));
    expect(&report, Verdict::Invalid, "status", Outcome::Fail);
    assert!(message(&report, "status").contains("not signed by the issuer"));
}

#[test]
fn a_status_list_changed_after_signing_is_not_trusted() {
    let credential = sign_with(&unsigned(5), &issuer_key());
    let mut list = status_list(&[5], &issuer_key());
    let cleared = BitstringStatusList::minimum().encode();
    list["credentialSubject"]["encodedList"] = json!(cleared);
    let report = verify_value(&credential, &serving_list(list));
    expect(&report, Verdict::Invalid, "status", Outcome::Fail);
}

/// A resolver that answers like a network that is down for one URL.
struct Unreachable {
    url: &'static str,
    rest: OfflineResolver,
}

impl Resolver for Unreachable {
    fn fetch_json(&self, url: &str) -> Result<Value, ResolveError> {
        if url == self.url {
            return Err(ResolveError::Fetch {
                url: url.to_owned(),
                reason: "connection refused".into(),
            });
        }
        self.rest.fetch_json(url)
    }
}

#[test]
fn a_status_list_that_cannot_be_fetched_online_leaves_the_result_indeterminate() {
    let credential = sign_with(&unsigned(5), &issuer_key());
    let resolver = Unreachable {
        url: STATUS_LIST,
        rest: OfflineResolver::new(),
    };
    let report = verify_value(&credential, &resolver);
    expect(&report, Verdict::Indeterminate, "status", Outcome::Unknown);
    assert!(message(&report, "status").contains("connection refused"));
}

#[test]
fn a_status_list_not_fetched_offline_is_only_a_warning() {
    let credential = sign_with(&unsigned(5), &issuer_key());
    let report = verify_value(&credential, &OfflineResolver::new());
    expect(&report, Verdict::Valid, "status", Outcome::Warning);
}

fn with_recipient(email: &str) -> Report {
    let doc = signed_without_status();
    let resolver = OfflineResolver::new();
    let options = Options {
        resolver: &resolver,
        now: now(),
        recipient: Some(("emailAddress".into(), email.into())),
    };
    verify_credential(&doc, &options)
}

#[test]
fn the_recipient_check_passes_for_the_right_email_in_any_case() {
    for email in [LEARNER, "Ada@Example.ORG", " ADA@EXAMPLE.ORG "] {
        let report = with_recipient(email);
        expect(&report, Verdict::Valid, "recipient", Outcome::Pass);
    }
}

#[test]
fn the_recipient_check_fails_for_another_email() {
    for email in ["eve@example.org", "ada@example.org.evil", ""] {
        let report = with_recipient(email);
        expect(&report, Verdict::Invalid, "recipient", Outcome::Fail);
    }
}

#[test]
fn a_credential_signed_here_verifies_as_valid() {
    let report = verify_value(&signed_without_status(), &OfflineResolver::new());
    expect(&report, Verdict::Valid, "proof", Outcome::Pass);
    assert_eq!(outcome(&report, "schema"), Some(Outcome::Pass));
    assert_eq!(outcome(&report, "dates"), Some(Outcome::Pass));
    assert_eq!(outcome(&report, "status"), None);
}

/// A change made to a signed credential.
type Change = fn(&mut Value);

#[test]
fn changing_any_of_several_fields_after_signing_breaks_the_proof() {
    let changes: Vec<(&str, Change)> = vec![
        ("name", |d| d["name"] = json!("Kubernetes Wizard")),
        ("achievement name", |d| {
            d["credentialSubject"]["achievement"]["name"] = json!("Anything")
        }),
        ("issuer name", |d| {
            d["issuer"]["name"] = json!("Evil Academy")
        }),
        ("validUntil", |d| {
            d["validUntil"] = json!("2099-01-01T00:00:00Z")
        }),
        ("identity hash", |d| {
            let hash = badges::model::identity_hash("eve@example.org", "x");
            d["credentialSubject"]["identifier"][0]["identityHash"] = json!(hash)
        }),
        ("evidence narrative", |d| {
            d["evidence"][0]["narrative"] = json!("All checks passed in 1 minute.")
        }),
        ("a tag", |d| {
            d["credentialSubject"]["achievement"]["tag"][0] = json!("k8s")
        }),
        ("an added property", |d| {
            d["awardedDate"] = json!("2026-01-01T00:00:00Z")
        }),
        // No context defines these: JSON-LD would drop them, so a signature could not
        // cover them; safe mode refuses the document instead of ignoring them.
        ("an added undefined property", |d| {
            d["extra"] = json!("smuggled")
        }),
        ("an undefined property inside the achievement", |d| {
            d["credentialSubject"]["achievement"]["level"] = json!("expert")
        }),
        ("a removed alignment", |d| {
            let list = &mut d["credentialSubject"]["achievement"]["alignment"];
            list.as_array_mut().unwrap().pop();
        }),
    ];
    for (what, change) in changes {
        let mut doc = signed_without_status();
        change(&mut doc);
        let report = verify_value(&doc, &OfflineResolver::new());
        let text = report.to_text();
        assert_eq!(report.verdict, Verdict::Invalid, "{what}:\n{text}");
        assert_eq!(
            outcome(&report, "proof"),
            Some(Outcome::Fail),
            "{what}:\n{text}"
        );
    }
}

#[test]
fn a_credential_without_its_proof_is_invalid() {
    for removed in [Value::Null, json!([])] {
        let mut doc = signed_without_status();
        if removed.is_null() {
            doc.as_object_mut().unwrap().remove("proof");
        } else {
            doc["proof"] = removed;
        }
        let report = verify_value(&doc, &OfflineResolver::new());
        expect(&report, Verdict::Invalid, "proof", Outcome::Fail);
        assert!(message(&report, "proof").contains("no proof"));
    }
}

#[test]
fn a_credential_whose_validity_starts_in_the_future_is_invalid() {
    let mut doc = unsigned_without_status();
    doc["validFrom"] = json!("2026-06-01T00:00:00Z");
    let report = verify_value(&sign_with(&doc, &issuer_key()), &OfflineResolver::new());
    expect(&report, Verdict::Invalid, "dates", Outcome::Fail);
    assert!(message(&report, "dates").contains("not valid until 2026-06-01"));
    assert_eq!(outcome(&report, "proof"), Some(Outcome::Pass));
}

#[test]
fn a_credential_signed_by_a_key_the_issuer_does_not_control_is_invalid() {
    let report = verify_value(
        &sign_with(&unsigned_without_status(), &other_key()),
        &OfflineResolver::new(),
    );
    expect(&report, Verdict::Invalid, "proof", Outcome::Fail);
}

// ---------------------------------------------------------------------------------------------
// Inputs that are not credentials
// ---------------------------------------------------------------------------------------------

fn encode_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let pixels: Vec<u8> = (0..width * height * 4)
        .map(|i| (i * 37 % 251) as u8)
        .collect();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    out
}

const PLAIN_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4">
  <rect width="4" height="4" fill="#36c"/>
</svg>
"##;

#[test]
fn inputs_that_are_not_credentials_get_a_clear_failing_report() {
    let inputs: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "parse"),
        ("whitespace", b"  \n\t ".to_vec(), "parse"),
        ("broken JSON", b"{\"@context\": [".to_vec(), "parse"),
        ("JSON garbage", b"{]}{".to_vec(), "parse"),
        ("a JSON array", b"[1, 2, 3]".to_vec(), "parse"),
        ("a JSON string", b"\"hello\"".to_vec(), "parse"),
        ("an empty object", b"{}".to_vec(), "type"),
        (
            "binary noise",
            (0..=255u8).cycle().take(4096).collect(),
            "parse",
        ),
        ("three dots", b"a.b.c".to_vec(), "parse"),
        ("a PNG without a badge", encode_png(3, 3), "image"),
        (
            "an SVG without a badge",
            PLAIN_SVG.as_bytes().to_vec(),
            "image",
        ),
        ("a truncated PNG", encode_png(3, 3)[..20].to_vec(), "image"),
    ];
    for (what, bytes, check) in inputs {
        let report = verify_offline(&bytes);
        let text = report.to_text();
        assert_eq!(report.verdict, Verdict::Invalid, "{what}:\n{text}");
        assert_eq!(
            outcome(&report, check),
            Some(Outcome::Fail),
            "{what}:\n{text}"
        );
        assert!(!message(&report, check).is_empty(), "{what}");
        assert!(text.starts_with("INVALID"), "{what}:\n{text}");
    }
}

#[test]
fn a_credential_saved_with_a_byte_order_mark_is_still_read_as_json() {
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(signed_without_status().to_string().as_bytes());
    let report = verify_offline(&bytes);
    expect(&report, Verdict::Valid, "proof", Outcome::Pass);
}

#[test]
fn a_png_without_a_badge_says_that_it_carries_none() {
    let report = verify_offline(&encode_png(2, 2));
    assert!(report.format.contains("PNG"), "{}", report.format);
    let why = message(&report, "image").to_lowercase();
    assert!(why.contains("no") || why.contains("not"), "{why}");
}

// ---------------------------------------------------------------------------------------------
// VC-JWT
// ---------------------------------------------------------------------------------------------

fn jwt_signed_by(key: &KeyPair, credential: &Value) -> String {
    let signing = JwtSigningKey::ed25519(key.signing_key()).unwrap();
    let kid = key.did_key_method();
    jwt::sign_credential(credential, &signing, &kid, PayloadStyle::Vcdm2, Some(now())).unwrap()
}

#[test]
fn a_vc_jwt_signed_with_the_issuers_did_key_is_valid() {
    let token = jwt_signed_by(&issuer_key(), &unsigned_without_status());
    let report = verify_offline(token.as_bytes());
    expect(&report, Verdict::Valid, "proof", Outcome::Pass);
    assert!(report.format.contains("VC-JWT"), "{}", report.format);
    assert_eq!(outcome(&report, "schema"), Some(Outcome::Pass));
    assert_eq!(report.issuer, Some(issuer_key().did_key()));
}

#[test]
fn a_vc_jwt_whose_kid_is_not_controlled_by_the_issuer_is_invalid() {
    let token = jwt_signed_by(&other_key(), &unsigned_without_status());
    let report = verify_offline(token.as_bytes());
    expect(&report, Verdict::Invalid, "proof", Outcome::Fail);
    assert!(message(&report, "proof").contains("not controlled by the issuer"));
}

#[test]
fn a_vc_jwt_with_a_changed_payload_is_invalid() {
    let token = jwt_signed_by(&issuer_key(), &unsigned_without_status());
    let other = jwt_signed_by(&issuer_key(), &unsigned(2));
    let parts: Vec<&str> = token.split('.').collect();
    let other_parts: Vec<&str> = other.split('.').collect();
    let spliced = format!("{}.{}.{}", parts[0], other_parts[1], parts[2]);
    let report = verify_offline(spliced.as_bytes());
    expect(&report, Verdict::Invalid, "proof", Outcome::Fail);
}

#[test]
fn an_expired_or_future_vc_jwt_is_reported_by_its_dates_not_as_a_bad_signature() {
    let mut credential = unsigned_without_status();
    credential["validFrom"] = json!("2020-01-01T00:00:00Z");
    credential["validUntil"] = json!("2021-01-01T00:00:00Z");
    let token = jwt_signed_by(&issuer_key(), &credential);
    let report = verify_offline(token.as_bytes());
    expect(&report, Verdict::Invalid, "dates", Outcome::Fail);
    assert!(
        message(&report, "dates").contains("expired"),
        "{}",
        report.to_text()
    );
    assert_eq!(outcome(&report, "proof"), Some(Outcome::Pass));

    credential["validFrom"] = json!("2027-01-01T00:00:00Z");
    credential["validUntil"] = json!("2028-01-01T00:00:00Z");
    let token = jwt_signed_by(&issuer_key(), &credential);
    let report = verify_offline(token.as_bytes());
    expect(&report, Verdict::Invalid, "dates", Outcome::Fail);
    assert!(message(&report, "dates").contains("not valid until 2027-01-01"));
    assert_eq!(outcome(&report, "proof"), Some(Outcome::Pass));
}

#[test]
fn a_vc_jwt_baked_into_a_png_or_an_svg_is_valid() {
    let token = jwt_signed_by(&issuer_key(), &unsigned_without_status());
    let limits = BakeLimits::default();
    for (image, kind) in [
        (encode_png(4, 4), "PNG"),
        (PLAIN_SVG.as_bytes().to_vec(), "SVG"),
    ] {
        let baked = bake::bake(&image, BadgeVersion::V3, &token, &limits).unwrap();
        let report = verify_offline(&baked);
        expect(&report, Verdict::Valid, "proof", Outcome::Pass);
        assert_eq!(outcome(&report, "image"), Some(Outcome::Pass));
        assert!(
            report.format.starts_with(&format!("baked {kind}")),
            "{}",
            report.format
        );
    }
}

#[test]
fn a_json_credential_baked_into_a_png_or_an_svg_is_valid() {
    let credential = signed_without_status().to_string();
    let limits = BakeLimits::default();
    for image in [encode_png(4, 4), PLAIN_SVG.as_bytes().to_vec()] {
        let baked = bake::bake(&image, BadgeVersion::V3, &credential, &limits).unwrap();
        let report = verify_offline(&baked);
        expect(&report, Verdict::Valid, "proof", Outcome::Pass);
    }
}

// ---------------------------------------------------------------------------------------------
// Open Badges 2.0
// ---------------------------------------------------------------------------------------------

const OB2_ISSUER: &str = "https://issuer.example/ob2/issuer";
const OB2_BADGE: &str = "https://issuer.example/ob2/badges/rust";
const OB2_ASSERTION: &str = "https://issuer.example/ob2/assertions/7";

/// A hosted OB 2.0 assertion and the resolver that serves it, its badge class and issuer.
fn ob2_world() -> (Value, OfflineResolver) {
    let issuer = ob2::Issuer {
        id: OB2_ISSUER.into(),
        name: "Example Lab School".into(),
        url: "https://issuer.example".into(),
        email: "badges@issuer.example".into(),
        description: None,
        image: None,
        public_keys: Vec::new(),
        revocation_list: None,
        verification: None,
    };
    let badge = ob2::BadgeClass {
        id: OB2_BADGE.into(),
        name: "Rust basics".into(),
        description: "Wrote and tested a small Rust library.".into(),
        image: "https://issuer.example/ob2/badges/rust.png".into(),
        criteria: ob2::Criteria {
            url: None,
            narrative: Some("Pass every check.".into()),
        },
        issuer: OB2_ISSUER.into(),
        tags: vec!["rust".into()],
        alignment: Vec::new(),
    };
    let assertion = ob2::Assertion {
        id: OB2_ASSERTION.into(),
        recipient_email: LEARNER.into(),
        salt: "pepper".into(),
        badge: OB2_BADGE.into(),
        verification: ob2::Verification::Hosted,
        issued_on: now() - Duration::days(10),
        expires: None,
        evidence: Vec::new(),
        narrative: None,
        image: None,
    };
    let assertion = assertion.to_json().unwrap();
    let resolver = OfflineResolver::new()
        .with_document(OB2_ISSUER, issuer.to_json().unwrap())
        .with_document(OB2_BADGE, badge.to_json().unwrap())
        .with_document(OB2_ASSERTION, assertion.clone());
    (assertion, resolver)
}

#[test]
fn a_hosted_ob2_assertion_served_offline_is_valid() {
    let (assertion, resolver) = ob2_world();
    let report = verify_with(assertion.to_string().as_bytes(), &resolver);
    assert_eq!(report.verdict, Verdict::Valid, "{}", report.to_text());
    assert!(
        report.format.contains("Open Badges 2.0"),
        "{}",
        report.format
    );
    assert_eq!(report.name.as_deref(), Some("Rust basics"));
    assert_eq!(report.issuer.as_deref(), Some(OB2_ISSUER));
}

#[test]
fn a_hosted_ob2_assertion_baked_into_a_png_is_valid() {
    let (assertion, resolver) = ob2_world();
    let limits = BakeLimits::default();
    let baked = bake::bake(
        &encode_png(4, 4),
        BadgeVersion::V2,
        &assertion.to_string(),
        &limits,
    );
    let report = verify_with(&baked.unwrap(), &resolver);
    assert_eq!(report.verdict, Verdict::Valid, "{}", report.to_text());
    assert_eq!(outcome(&report, "image"), Some(Outcome::Pass));
    assert!(message(&report, "image").contains("Open Badges 2.0"));
}

#[test]
fn an_ob2_assertion_whose_documents_are_missing_is_not_valid() {
    let (assertion, _) = ob2_world();
    let report = verify_offline(assertion.to_string().as_bytes());
    assert_ne!(report.verdict, Verdict::Valid, "{}", report.to_text());
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

#[test]
fn the_text_and_json_reports_carry_every_checks_sentence() {
    let credential = sign_with(&unsigned(5), &issuer_key());
    let report = verify_value(&credential, &serving_list(status_list(&[5], &issuer_key())));
    assert!(report.checks.len() >= 5, "{}", report.to_text());

    let text = report.to_text();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["verdict"], "invalid");
    assert_eq!(json["issuer"], json!(issuer_key().did_key()));
    let checks = json["checks"].as_array().unwrap();
    assert_eq!(checks.len(), report.checks.len());
    for (check, written) in report.checks.iter().zip(checks) {
        assert!(
            text.contains(&check.message),
            "{} missing in:\n{text}",
            check.id
        );
        assert!(text.contains(&check.id), "{} missing in:\n{text}", check.id);
        assert_eq!(written["id"], json!(check.id));
        assert_eq!(written["message"], json!(check.message));
    }
    assert!(text.starts_with("INVALID"), "{text}");
    assert!(text.contains("[FAIL] status"), "{text}");
    assert!(
        json.get("credential").is_none(),
        "the credential is not repeated"
    );
}

#[test]
fn the_verdicts_read_plainly_in_the_text_report() {
    let valid = verify_value(&signed_without_status(), &OfflineResolver::new());
    assert!(
        valid.to_text().starts_with("VALID: "),
        "{}",
        valid.to_text()
    );
    let unknown = verify_offline(&ob30("simple.json"));
    assert!(unknown.to_text().starts_with("COULD NOT BE FULLY CHECKED"));
    assert!(
        unknown.to_text().contains("[????] proof"),
        "{}",
        unknown.to_text()
    );
}

#[test]
fn an_endorsement_built_with_the_model_verifies_and_a_changed_comment_does_not() {
    use badges::model::{EndorsementCredential, Profile};
    let key = KeyPair::from_secret_bytes(&[9; 32]);
    let mut endorser = Profile::new(key.did_key(), "Cloud Native Guild");
    endorser.url = Some("https://guild.example.org".into());
    let mut endorsement = EndorsementCredential::new(
        "urn:uuid:6f1d2c1e-9d7e-4d61-8f2b-000000000001".into(),
        endorser,
        "https://academy.example.org/achievements/k8s".into(),
        Some("Rigorous and hands-on.".into()),
    );
    endorsement.valid_from = Some("2026-01-01T00:00:00Z".into());
    let options = ProofOptions {
        verification_method: key.did_key_method(),
        created: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    };
    let signed = proof::sign(&endorsement.to_json(), &key, &options).unwrap();
    let report = verify_value(&signed, &OfflineResolver::new());
    expect(&report, Verdict::Valid, "schema", Outcome::Pass);
    assert!(
        report.checks[0].message.contains("endorsement"),
        "{}",
        report.to_text()
    );

    let mut changed = signed.clone();
    changed["credentialSubject"]["endorsementComment"] = json!("Mediocre.");
    let report = verify_value(&changed, &OfflineResolver::new());
    expect(&report, Verdict::Invalid, "proof", Outcome::Fail);
}
