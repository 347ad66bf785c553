//! The W3C RDF Dataset Canonicalization (RDFC-1.0) test suite, run against `badges::rdf`.
//!
//! Every manifest entry runs; none is skipped. Inputs are parsed with `oxttl` into the same
//! `oxrdf` 0.3 quads that JSON-LD expansion produces, so the suite also covers the conversion
//! to `rdf-canon`'s model and the canonical N-Quads text (escapes, language tags, datatypes).
//! All tests run with the default [`Limits`]: the suite's hardest legitimate graphs must pass
//! and its poisoned graph must be refused by the work limit.
//!
//! A second test runs the published JSON-LD credential vectors (Open Badges 3.0
//! implementation guide, W3C vc-di-eddsa) through the whole generic path, JSON-LD included,
//! and compares with their published canonical N-Quads byte for byte.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use badges::rdf::{self, CanonHash, Limits, RdfError};
use serde::Deserialize;

const SUITE: &str = "w3c-rdf-canon/tests";

/// The counts of each kind of entry in the manifest, so the test cannot pass vacuously.
const EVAL_TESTS: usize = 64;
const MAP_TESTS: usize = 21;
const NEGATIVE_TESTS: usize = 1;

/// How long refusing the poisoned graph may take in a debug build on a busy machine.
const NEGATIVE_TIME_BOUND: Duration = Duration::from_secs(5);

#[derive(Deserialize)]
struct Manifest {
    entries: Vec<Entry>,
}

/// One manifest entry. Unknown fields are an error, so an option added to the suite later
/// cannot be ignored silently.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    name: String,
    #[serde(rename = "comment")]
    _comment: Option<String>,
    #[serde(rename = "computationalComplexity")]
    _complexity: String,
    #[serde(rename = "approval")]
    _approval: String,
    action: String,
    result: Option<String>,
    #[serde(rename = "hashAlgorithm")]
    hash_algorithm: Option<String>,
}

#[derive(Default)]
struct Tally {
    eval: usize,
    map: usize,
    negative: usize,
    failures: Vec<String>,
}

#[test]
fn every_rdfc10_suite_test_passes_with_the_default_limits() {
    let manifest: Manifest =
        serde_json::from_str(&common::read_standard(&format!("{SUITE}/manifest.jsonld")))
            .expect("the manifest is valid JSON");
    let mut tally = Tally::default();

    for entry in &manifest.entries {
        if let Err(why) = run(entry, &mut tally) {
            tally
                .failures
                .push(format!("{} ({}): {why}", entry.id, entry.name));
        }
    }

    for failure in &tally.failures {
        eprintln!("FAILED {failure}");
    }
    assert!(
        tally.failures.is_empty(),
        "{} tests failed",
        tally.failures.len()
    );
    assert_eq!(
        (tally.eval, tally.map, tally.negative),
        (EVAL_TESTS, MAP_TESTS, NEGATIVE_TESTS),
        "tests run (eval, map, negative)"
    );
    println!(
        "RDFC-1.0 suite: {} eval, {} map and {} negative tests passed",
        tally.eval, tally.map, tally.negative
    );
}

/// A JSON document (with `proof` removed, or with the document's `@context` added to the
/// proof options when `proof_of` names the signed document) and its published canonical form.
/// `known_failure` says why oxjsonld gets a vector wrong; the test checks it still does.
struct Published {
    input: &'static str,
    proof_of: bool,
    canonical: &'static str,
    known_failure: Option<&'static str>,
}

const PUBLISHED: &[Published] = &[
    Published {
        input: "test-vectors/impl-guide-obv3p0-signed.json",
        proof_of: false,
        canonical: "ob_v3p0/testvector-document-canon.txt",
        known_failure: None,
    },
    Published {
        input: "test-vectors/impl-guide-obv3p0-signed.json",
        proof_of: true,
        canonical: "ob_v3p0/testvector-proof-canon.txt",
        known_failure: None,
    },
    Published {
        input: "w3c-vc-di-eddsa/TestVectors/unsigned.json",
        proof_of: false,
        canonical: "w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/canonDocDataInt.txt",
        known_failure: None,
    },
    Published {
        input: "w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/proofConfigDataInt.json",
        proof_of: false,
        canonical: "w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/proofCanonDataInt.txt",
        known_failure: None,
    },
    Published {
        input: "w3c-vc-di-eddsa/TestVectors/employmentAuth.json",
        proof_of: false,
        canonical: "w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/employ/canonDocDataInt.txt",
        known_failure: None,
    },
    Published {
        input: "w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/employ/proofConfigDataInt.json",
        proof_of: false,
        canonical: "w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/employ/proofCanonDataInt.txt",
        known_failure: None,
    },
];

#[test]
fn published_credential_vectors_canonicalize_as_published_through_json_ld() {
    let mut failures = Vec::new();
    for vector in PUBLISHED {
        let mut doc: serde_json::Value =
            serde_json::from_str(&common::read_standard(vector.input)).expect("valid JSON");
        let doc = match (vector.proof_of, doc.as_object_mut()) {
            (false, Some(object)) => {
                object.remove("proof");
                doc
            }
            (true, Some(object)) => {
                let mut proof = object["proof"].clone();
                proof["@context"] = object["@context"].clone();
                proof
                    .as_object_mut()
                    .expect("proof is an object")
                    .remove("proofValue");
                proof
            }
            (_, None) => panic!("{} is not a JSON object", vector.input),
        };
        let expected = common::read_standard(vector.canonical);
        let got = rdf::canonical_nquads(doc.to_string().as_bytes());
        match (got, vector.known_failure) {
            (Ok(got), None) if got == expected => {}
            (Ok(got), None) => failures.push(format!("{}: got\n{got}", vector.canonical)),
            (Err(e), None) => failures.push(format!("{}: {e}", vector.canonical)),
            (Ok(got), Some(why)) if got == expected => {
                failures.push(format!(
                    "{} passes but is a known failure: {why}",
                    vector.canonical
                ));
            }
            (_, Some(_)) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn run(entry: &Entry, tally: &mut Tally) -> Result<(), String> {
    let hash = match entry.hash_algorithm.as_deref() {
        None | Some("SHA256") => CanonHash::Sha256,
        Some("SHA384") => CanonHash::Sha384,
        Some(other) => return Err(format!("unknown hash algorithm {other}")),
    };
    let quads = parse_nquads(&entry.action)?;
    let limits = Limits::default();

    match entry.kind.as_str() {
        "rdfc:RDFC10EvalTest" => {
            tally.eval += 1;
            let got = rdf::canonicalize_using(&quads, hash, &limits).map_err(|e| e.to_string())?;
            let expected = common::read_standard(&format!("{SUITE}/{}", result(entry)?));
            if got != expected {
                return Err(format!("got\n{got}expected\n{expected}"));
            }
        }
        "rdfc:RDFC10MapTest" => {
            tally.map += 1;
            let got = rdf::issue_identifiers(&quads, hash, &limits).map_err(|e| e.to_string())?;
            let expected: BTreeMap<String, String> = serde_json::from_str(&common::read_standard(
                &format!("{SUITE}/{}", result(entry)?),
            ))
            .map_err(|e| e.to_string())?;
            if got != expected {
                return Err(format!("got {got:?}, expected {expected:?}"));
            }
        }
        "rdfc:RDFC10NegativeEvalTest" => {
            tally.negative += 1;
            let started = Instant::now();
            let outcome = rdf::canonicalize_using(&quads, hash, &limits);
            let took = started.elapsed();
            println!("{}: refused in {took:?}", entry.id);
            match outcome {
                Err(RdfError::WorkLimit(_)) if took < NEGATIVE_TIME_BOUND => {}
                Err(RdfError::WorkLimit(_)) => return Err(format!("refused, but took {took:?}")),
                other => return Err(format!("expected the work limit error, got {other:?}")),
            }
        }
        other => return Err(format!("unknown test type {other}")),
    }
    Ok(())
}

fn result(entry: &Entry) -> Result<&str, String> {
    entry
        .result
        .as_deref()
        .ok_or_else(|| "the entry has no result".to_owned())
}

fn parse_nquads(relative: &str) -> Result<Vec<oxrdf::Quad>, String> {
    let bytes = common::read_standard_bytes(&format!("{SUITE}/{relative}"));
    oxttl::NQuadsParser::new()
        .for_slice(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{relative} is not valid N-Quads: {e}"))
}
