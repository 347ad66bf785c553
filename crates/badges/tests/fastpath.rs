//! The fast canonical N-Quads path against the published vectors and the generic path.

mod common;

use std::path::Path;
use std::time::Instant;

use badges::fastpath;
use badges::rdf;
use proptest::prelude::*;
use serde_json::{Value, json};

fn generic(doc: &Value) -> Result<String, rdf::RdfError> {
    rdf::canonical_nquads(doc.to_string().as_bytes())
}

fn read_json(relative: &str) -> Value {
    serde_json::from_str(&common::read_standard(relative)).unwrap()
}

fn without(doc: &Value, key: &str) -> Value {
    let mut doc = doc.clone();
    doc.as_object_mut().unwrap().remove(key);
    doc
}

/// The proof configuration document as the generic path sees it.
fn proof_config_doc(proof: &Value, context: &Value) -> Value {
    let mut config = without(proof, "proofValue");
    let map = config.as_object_mut().unwrap();
    map.insert("@context".into(), context.clone());
    config
}

/// A realistic Open Badges 3.0 credential, as Rosette issues them.
fn realistic_credential() -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:1c4ea1c6-1f6d-4a43-8b1e-9f3f6d2f3a10",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Kubernetes Networking",
        "description": "Awarded for completing the Kubernetes networking track.",
        "issuer": {
            "id": "https://rosette.example/issuers/acme",
            "type": ["Profile"],
            "name": "Acme Training",
            "url": "https://acme.example",
            "email": "badges@acme.example",
            "image": {
                "id": "https://rosette.example/issuers/acme/logo.png",
                "type": "Image",
                "caption": "Acme logo"
            }
        },
        "validFrom": "2026-01-15T10:00:00Z",
        "validUntil": "2029-01-15T10:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash":
                    "sha256$3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "identityType": "emailAddress",
                "hashed": true,
                "salt": "d2a9f0c1"
            }],
            "achievement": {
                "id": "https://rosette.example/achievements/k8s-net",
                "type": ["Achievement"],
                "achievementType": "Competency",
                "name": "Kubernetes Networking",
                "description": "Services, ingress and network policies.",
                "criteria": {
                    "narrative": "Complete all six challenges of the track with \"passing\" checks."
                },
                "image": {
                    "id": "https://rosette.example/achievements/k8s-net/image.png",
                    "type": "Image"
                },
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Container networking",
                        "targetUrl": "https://framework.example/skills/container-networking",
                        "targetFramework": "Cloud Skills",
                        "targetCode": "CN-1"
                    },
                    {
                        "type": ["Alignment"],
                        "targetName": "Network policies",
                        "targetUrl": "https://framework.example/skills/network-policies",
                        "targetDescription": "Writing and testing network policies."
                    }
                ],
                "tag": ["kubernetes", "networking", "cloud"],
                "resultDescription": [{
                    "id": "https://rosette.example/achievements/k8s-net/results/score",
                    "type": ["ResultDescription"],
                    "name": "Score",
                    "resultType": "Percent",
                    "valueMin": "0",
                    "valueMax": "100"
                }]
            },
            "result": [{
                "type": ["Result"],
                "resultDescription": "https://rosette.example/achievements/k8s-net/results/score",
                "value": "92"
            }]
        },
        "evidence": [
            {
                "id": "https://rosette.example/evidence/run-1",
                "type": ["Evidence"],
                "name": "Challenge run 1",
                "narrative": "Passed the ingress challenge."
            },
            {
                "id": "https://rosette.example/evidence/run-2",
                "type": ["Evidence"],
                "name": "Challenge run 2",
                "narrative": "Passed the network policy challenge."
            }
        ],
        "credentialStatus": {
            "id": "https://rosette.example/status/1#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://rosette.example/status/1"
        }
    })
}

#[test]
fn the_impl_guide_document_matches_the_published_canonical_form() {
    let signed = read_json("test-vectors/impl-guide-obv3p0-signed.json");
    let expected = common::read_standard("ob_v3p0/testvector-document-canon.txt");
    let doc = without(&signed, "proof");
    assert_eq!(
        fastpath::canonical_nquads(&doc).as_deref(),
        Some(expected.as_str())
    );
    let in_place = fastpath::canonical_nquads_without_proof(&signed);
    assert_eq!(in_place.as_deref(), Some(expected.as_str()));
}

#[test]
fn the_impl_guide_proof_options_match_the_published_canonical_form() {
    let signed = read_json("test-vectors/impl-guide-obv3p0-signed.json");
    let expected = common::read_standard("ob_v3p0/testvector-proof-canon.txt");
    let got = fastpath::canonical_proof_config(&signed["proof"], &signed["@context"]);
    assert_eq!(got.as_deref(), Some(expected.as_str()));
    let config = proof_config_doc(&signed["proof"], &signed["@context"]);
    assert_eq!(
        fastpath::canonical_nquads(&config).as_deref(),
        Some(expected.as_str())
    );
}

#[test]
fn the_w3c_eddsa_rdfc_2022_vectors_match_their_canonical_forms() {
    let dir = "w3c-vc-di-eddsa/TestVectors";
    let unsigned = read_json(&format!("{dir}/unsigned.json"));
    let expected = common::read_standard(&format!("{dir}/eddsa-rdfc-2022/canonDocDataInt.txt"));
    assert_eq!(
        fastpath::canonical_nquads(&unsigned).as_deref(),
        Some(expected.as_str())
    );

    let config = read_json(&format!("{dir}/eddsa-rdfc-2022/proofConfigDataInt.json"));
    let expected = common::read_standard(&format!("{dir}/eddsa-rdfc-2022/proofCanonDataInt.txt"));
    assert_eq!(
        fastpath::canonical_nquads(&config).as_deref(),
        Some(expected.as_str())
    );
}

/// Every JSON credential in the shared vectors, and each of its proof configurations.
fn vector_documents() -> Vec<(String, Value)> {
    let root = common::standards_dir().join("test-vectors");
    let mut files = Vec::new();
    collect_json(&root, &mut files);
    files.sort();
    let mut docs = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let Some(map) = value.as_object() else {
            continue;
        };
        let name = path.display().to_string();
        docs.push((name.clone(), without(&value, "proof")));
        let proofs = match map.get("proof") {
            Some(Value::Array(items)) => items.clone(),
            Some(proof @ Value::Object(_)) => vec![proof.clone()],
            _ => Vec::new(),
        };
        let context = map.get("@context").cloned().unwrap_or(Value::Null);
        for (i, proof) in proofs.iter().enumerate() {
            docs.push((
                format!("{name} proof {i}"),
                proof_config_doc(proof, &context),
            ));
        }
    }
    docs
}

fn collect_json(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_json(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_vector_the_fast_path_handles_matches_the_generic_path() {
    let mut handled = 0;
    let mut total = 0;
    for (name, doc) in vector_documents() {
        total += 1;
        let Some(fast) = fastpath::canonical_nquads(&doc) else {
            continue;
        };
        handled += 1;
        let slow = generic(&doc).unwrap_or_else(|e| panic!("{name}: generic failed: {e}"));
        assert_eq!(fast, slow, "{name}");
    }
    println!("fast path handled {handled} of {total} vector documents");
    assert!(
        handled >= MIN_HANDLED_VECTORS,
        "only {handled} of {total} handled"
    );
}

/// How many vector documents (credentials and proof configurations) the fast path must handle.
const MIN_HANDLED_VECTORS: usize = 212;

#[test]
fn signed_documents_and_proof_configs_built_in_place_equal_the_generic_path() {
    let root = common::standards_dir().join("test-vectors");
    let mut files = Vec::new();
    collect_json(&root, &mut files);
    let mut handled = 0;
    let mut signed_handled = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(doc) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let Some(proof @ Value::Object(_)) = doc.get("proof") else {
            continue;
        };
        let name = path.display();
        // The whole signed document: the proof is a node in its own blank-node graph.
        if let Some(fast) = fastpath::canonical_nquads(&doc) {
            signed_handled += 1;
            assert_eq!(fast, generic(&doc).unwrap(), "{name} with its proof");
        }
        if let Some(fast) = fastpath::canonical_nquads_without_proof(&doc) {
            assert_eq!(fast, generic(&without(&doc, "proof")).unwrap(), "{name}");
        }
        let Some(fast) = fastpath::canonical_proof_config(proof, &doc["@context"]) else {
            continue;
        };
        handled += 1;
        let slow = generic(&proof_config_doc(proof, &doc["@context"])).unwrap();
        assert_eq!(fast, slow, "{name}");
    }
    assert!(
        handled >= MIN_HANDLED_PROOF_CONFIGS,
        "only {handled} proof configs handled"
    );
    assert!(
        signed_handled >= MIN_HANDLED_PROOF_CONFIGS,
        "only {signed_handled} signed documents handled"
    );
}

/// How many single-proof vector files must have their proof configuration, and their whole
/// signed form, handled in place.
const MIN_HANDLED_PROOF_CONFIGS: usize = 64;

#[test]
fn an_embedded_endorsement_with_its_own_context_matches_the_generic_path() {
    let mut doc = realistic_credential();
    let endorsement = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "https://endorser.example/endorsements/1",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": "Endorsement of Acme",
        "issuer": {"id": "https://endorser.example", "type": ["Profile"], "name": "Endorser"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "https://rosette.example/issuers/acme",
            "type": ["EndorsementSubject"],
            "endorsementComment": "Solid training."
        }
    });
    doc["issuer"]["endorsement"] = json!([endorsement]);
    let fast = fastpath::canonical_nquads(&doc).expect("the fast path declined");
    assert_eq!(fast, generic(&doc).unwrap());
}

#[test]
fn a_realistic_credential_takes_the_fast_path_and_matches_the_generic_path() {
    let doc = realistic_credential();
    let fast = fastpath::canonical_nquads(&doc).expect("the fast path declined");
    assert_eq!(fast, generic(&doc).unwrap());
}

#[test]
fn an_unknown_context_is_declined() {
    let mut doc = realistic_credential();
    doc["@context"] = json!([
        "https://www.w3.org/ns/credentials/v2",
        "https://x.example/c"
    ]);
    assert_eq!(fastpath::canonical_nquads(&doc), None);
}

#[test]
fn a_relative_id_is_declined() {
    let mut doc = realistic_credential();
    doc["id"] = json!("credentials/1");
    assert_eq!(fastpath::canonical_nquads(&doc), None);
}

#[test]
fn a_nested_context_with_unsupported_features_is_declined() {
    let mut doc = realistic_credential();
    doc["credentialSubject"]["@context"] = json!({"@language": "en"});
    assert_eq!(fastpath::canonical_nquads(&doc), None);
}

#[test]
fn blank_nodes_sharing_a_first_degree_hash_fall_back_to_the_generic_path() {
    let mut doc = realistic_credential();
    let twin = json!({"type": ["Evidence"], "name": "Twin", "narrative": "Same."});
    doc["evidence"] = json!([twin.clone(), twin]);
    assert_eq!(fastpath::canonical_nquads(&doc), None);
    let both = fastpath::canonical_nquads_or_generic(&doc).unwrap();
    assert_eq!(both, generic(&doc).unwrap());
}

#[test]
fn canonical_nquads_or_generic_uses_the_fast_result_when_there_is_one() {
    let doc = realistic_credential();
    let both = fastpath::canonical_nquads_or_generic(&doc).unwrap();
    assert_eq!(Some(both), fastpath::canonical_nquads(&doc));
}

/// Strings that exercise the N-Quads escapes and unicode.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        "[a-zA-Z0-9 ]{0,12}",
        "[\"\\\\\n\r\t\u{0}-\u{1f}\u{7f}a-z]{0,8}",
        "\\PC{0,10}",
    ]
    .boxed()
}

fn iri() -> BoxedStrategy<String> {
    prop_oneof![
        "[a-z]{1,8}".prop_map(|s| format!("https://example.com/{s}")),
        "[a-z0-9]{1,8}".prop_map(|s| format!("did:example:{s}")),
        "[a-z0-9-]{1,8}".prop_map(|s| format!("urn:uuid:{s}")),
        "[a-z]{1,4}".prop_map(|s| format!("https://example.com/a%20{s}?q=1#f")),
    ]
    .boxed()
}

fn scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        text().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        Just(Value::Null),
    ]
    .boxed()
}

fn maybe<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop::option::of(s)
}

fn alignment() -> BoxedStrategy<Value> {
    (text(), maybe(iri()), maybe(text()), maybe(scalar()))
        .prop_map(|(name, url, code, extra)| {
            let mut a = json!({"type": ["Alignment"], "targetName": name});
            if let Some(url) = url {
                a["targetUrl"] = url.into();
            }
            if let Some(code) = code {
                a["targetCode"] = code.into();
            }
            if let Some(extra) = extra {
                a["unknownExtra"] = extra;
            }
            a
        })
        .boxed()
}

fn evidence() -> BoxedStrategy<Value> {
    (maybe(iri()), text(), maybe(text()))
        .prop_map(|(id, name, narrative)| {
            let mut e = json!({"type": ["Evidence"], "name": name});
            if let Some(id) = id {
                e["id"] = id.into();
            }
            if let Some(n) = narrative {
                e["narrative"] = n.into();
            }
            e
        })
        .boxed()
}

prop_compose! {
    fn credential()(
        id in maybe(iri()),
        name in text(),
        description in maybe(text()),
        issuer_id in iri(),
        issuer_name in maybe(text()),
        issuer_image in maybe(iri()),
        subject_id in maybe(iri()),
        achievement_id in maybe(iri()),
        narrative in maybe(text()),
        alignments in prop::collection::vec(alignment(), 0..3),
        tags in prop::collection::vec(text(), 0..4),
        evidence in prop::collection::vec(evidence(), 0..3),
        credits in maybe(scalar()),
        hashed in maybe(scalar()),
        extra in maybe(prop_oneof![
            scalar(),
            iri().prop_map(|id| json!({"id": id, "type": "Image"})),
        ]),
        allowed in prop::collection::vec(text(), 0..3),
        status_index in maybe(scalar()),
    ) -> Value {
        let mut doc = realistic_credential();
        match id {
            Some(id) => doc["id"] = id.into(),
            None => {
                doc.as_object_mut().unwrap().remove("id");
            }
        }
        doc["name"] = name.into();
        match description {
            Some(d) => doc["description"] = d.into(),
            None => {
                doc.as_object_mut().unwrap().remove("description");
            }
        }
        doc["issuer"]["id"] = issuer_id.into();
        if let Some(n) = issuer_name {
            doc["issuer"]["name"] = n.into();
        }
        match issuer_image {
            Some(i) => doc["issuer"]["image"] = i.into(),
            None => {
                doc["issuer"].as_object_mut().unwrap().remove("image");
            }
        }
        if let Some(s) = subject_id {
            doc["credentialSubject"]["id"] = s.into();
        }
        let achievement = &mut doc["credentialSubject"]["achievement"];
        match achievement_id {
            Some(a) => achievement["id"] = a.into(),
            None => {
                achievement.as_object_mut().unwrap().remove("id");
            }
        }
        if let Some(n) = narrative {
            achievement["criteria"]["narrative"] = n.into();
        }
        achievement["alignment"] = alignments.into();
        achievement["tag"] = tags.into();
        if let Some(c) = credits {
            achievement["creditsAvailable"] = c;
        }
        achievement["resultDescription"][0]["allowedValue"] = allowed.into();
        if let Some(h) = hashed {
            doc["credentialSubject"]["identifier"][0]["hashed"] = h;
        }
        doc["evidence"] = evidence.into();
        if let Some(e) = extra {
            doc["credentialSubject"]["favouriteColour"] = e;
        }
        if let Some(i) = status_index {
            doc["credentialStatus"]["statusListIndex"] = i;
        }
        doc
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn generated_credentials_match_the_generic_path_whenever_fast_answers(doc in credential()) {
        if let Some(fast) = fastpath::canonical_nquads(&doc) {
            prop_assert_eq!(fast, generic(&doc).unwrap());
        }
    }

    #[test]
    fn plain_generated_credentials_take_the_fast_path(
        name in "[a-zA-Z ]{1,20}",
        narrative in "\\PC{1,40}",
        tags in prop::collection::vec("[a-z]{1,8}", 0..4),
    ) {
        let mut doc = realistic_credential();
        doc["name"] = name.into();
        doc["credentialSubject"]["achievement"]["criteria"]["narrative"] = narrative.into();
        doc["credentialSubject"]["achievement"]["tag"] = tags.into();
        let fast = fastpath::canonical_nquads(&doc);
        prop_assert!(fast.is_some(), "declined a plain credential");
        prop_assert_eq!(fast.unwrap(), generic(&doc).unwrap());
    }
}

/// Prints microseconds per call (set `FASTPATH_ONLY` to skip the slow generic loop, e.g. when
/// profiling).
#[test]
#[ignore = "timing report; run with --release -- --ignored --nocapture"]
fn timing_of_fast_and_generic_paths() {
    let doc = realistic_credential();
    let rounds = 5000;
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(fastpath::canonical_nquads(std::hint::black_box(&doc)).unwrap());
    }
    let fast = start.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
    if std::env::var_os("FASTPATH_ONLY").is_some() {
        println!("fast path: {fast:.1} µs per credential");
        return;
    }
    let start = Instant::now();
    for _ in 0..50 {
        std::hint::black_box(generic(&doc).unwrap());
    }
    let slow = start.elapsed().as_secs_f64() * 1e6 / 50.0;
    println!("fast path: {fast:.1} µs per credential; generic path: {slow:.1} µs");
}

/// Fast equals generic for a document, and the fast path must answer.
fn assert_handled_and_equal(doc: &Value) {
    let fast = fastpath::canonical_nquads(doc).expect("the fast path declined");
    assert_eq!(fast, generic(doc).unwrap(), "{doc}");
}

#[test]
fn lists_numbers_and_booleans_match_the_generic_path() {
    let mut doc = realistic_credential();
    let description = &mut doc["credentialSubject"]["achievement"]["resultDescription"][0];
    description["allowedValue"] = json!(["A", "B", null, "C"]);
    doc["credentialSubject"]["achievement"]["creditsAvailable"] = json!(2.5);
    doc["credentialSubject"]["identifier"][0]["hashed"] = json!(false);
    doc["credentialSubject"]["creditsEarned"] = json!(3);
    // OB 3.0.3 types awardedDate with `xsd:dateTime`, an undefined prefix kept as an IRI.
    doc["awardedDate"] = json!("2026-01-15T10:00:00Z");
    assert_handled_and_equal(&doc);
    doc["credentialSubject"]["achievement"]["resultDescription"][0]["allowedValue"] = json!([]);
    assert_handled_and_equal(&doc);
}

#[test]
fn a_node_with_only_an_id_and_a_type_keeps_its_parents_type_scoped_terms() {
    // The generic path treats `{"id", "type"}` (in that order) as a lone identifier and keeps
    // the parent's type-scoped context; the fast path copies that.
    let mut doc = realistic_credential();
    doc["credentialSubject"]["achievement"] = json!({
        "id": "https://rosette.example/achievements/1",
        "type": "Achievement"
    });
    assert_handled_and_equal(&doc);
    doc["credentialSubject"]["achievement"] = json!({
        "type": "Achievement",
        "id": "https://rosette.example/achievements/1"
    });
    assert_handled_and_equal(&doc);
}

#[test]
fn vocabulary_mapped_terms_and_types_match_the_generic_path() {
    let doc = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2"
        ],
        "id": "urn:uuid:0d3c5b0e-0f7e-4cc4-b1f2-3f5cb3a9a111",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:subject",
            "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of \"Arts\""},
            "score": 1.25,
            "honours": true
        }
    });
    assert_handled_and_equal(&doc);
}

/// A property no context defines would vanish from the RDF form, and with it from what a
/// signature covers: the fast path declines, and the generic path (in safe mode) refuses.
#[test]
fn unknown_terms_without_a_vocabulary_are_refused_rather_than_dropped() {
    for (path, value) in [
        ("nickname", json!("Kay")),
        ("rating", json!([4.5, true, null])),
        (
            "extraObject",
            json!({"type": "Image", "id": "https://x.example/i.png"}),
        ),
    ] {
        let mut doc = realistic_credential();
        doc["issuer"][path] = value;
        assert_eq!(fastpath::canonical_nquads(&doc), None, "{path}");
        let err = fastpath::canonical_nquads_or_generic(&doc).unwrap_err();
        assert!(err.to_string().contains(path), "{path}: {err}");
    }
    let mut doc = realistic_credential();
    doc["smuggled"] = json!("added after signing");
    let err = badges::rdf::canonical_nquads(doc.to_string().as_bytes()).unwrap_err();
    assert!(err.to_string().contains("smuggled"), "{err}");
}

/// A node with two types that both bring scoped contexts gets the terms of both (JSON-LD 1.1
/// expansion step 11: the scoped contexts are layered in the order of the type names).
#[test]
fn a_node_with_two_scoped_types_has_the_terms_of_both() {
    let mut doc = badges::sample::realistic_credential("did:example:issuer", 3);
    doc["issuer"]["type"] = serde_json::json!(["Profile", "Achievement"]);
    doc["issuer"]["criteria"] = serde_json::json!({"narrative": "Be an issuer."});
    doc["issuer"]["tag"] = serde_json::json!(["both"]);
    let generic = badges::rdf::canonical_nquads(doc.to_string().as_bytes()).unwrap();
    assert!(generic.contains("https://schema.org/keywords"), "{generic}");
    assert!(generic.contains("<https://schema.org/email>"), "{generic}");
    match badges::fastpath::canonical_nquads(&doc) {
        Some(fast) => assert_eq!(fast, generic),
        None => panic!("the fast path declined a document it should handle"),
    }
}
