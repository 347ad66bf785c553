//! The W3C JSON-LD 1.1 toRdf test suite, run against `badges::rdf::to_quads_with_loader`.
//!
//! Each test document is processed with its suite URL as base IRI and with a loader that
//! serves the suite's own files for `https://w3c.github.io/json-ld-api/tests/…` and refuses
//! everything else, so nothing touches the network. Positive tests compare our output with
//! the expected N-Quads as datasets: both sides are canonicalized with RDFC-1.0, which makes
//! blank node labels and statement order irrelevant. Negative tests must fail, and must fail
//! because of the JSON-LD, not because of one of our limits.
//!
//! Tests that do not apply to Rosette's use of JSON-LD (an offline JSON-LD 1.1 processor
//! producing standard RDF with default options) are skipped by category, each with its
//! reason below, and the number skipped, run and passed is asserted exactly.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use badges::rdf::{self, Limits, RdfError};
use serde::Deserialize;
use serde_json::Value;

const SUITE: &str = "jsonld-api-tests/tests";
const SUITE_URL: &str = "https://w3c.github.io/json-ld-api/tests/";

/// Tests run and, of those, tests passed; skipped tests by reason. Exact, so the test cannot
/// pass vacuously and a change in oxjsonld's conformance is noticed either way.
const EXPECTED_RUN: usize = 443;
const EXPECTED_PASSED: usize = 437;
const EXPECTED_SKIPPED: usize = 24;

/// Applicable tests that oxjsonld is known to fail, each with the reason. The test asserts
/// that these still fail, so the list is removed from as soon as oxjsonld is fixed.
///
/// None of them touches what credentials use: their IRIs are absolute, they set no `@base`,
/// and no bundled context declares a type map.
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "#t0122",
        "dot segments of a base IRI with `./` survive relative IRI resolution",
    ),
    (
        "#t0123",
        "dot segments of a base IRI with `../` survive relative IRI resolution",
    ),
    (
        "#te062",
        "dot segments of a network-path reference (`//host/../x`) are kept",
    ),
    (
        "#te091",
        "dot segments of an absolute @base (`http://foo.bar/./baz/`) are kept",
    ),
    (
        "#tc013",
        "a type map key does not apply its type-scoped context to the node it indexes",
    ),
    (
        "#tli12",
        "an @base that is not a valid IRI fails the document instead of being ignored",
    ),
];

/// Why a test does not apply to Rosette, checked in this order.
fn skip_reason(test: &Test) -> Option<&'static str> {
    let option = |name: &str| test.option.get(name).and_then(Value::as_str);
    if test.option.contains_key("produceGeneralizedRdf") {
        return Some("needs generalized RDF output, which signatures cannot use");
    }
    if test.option.contains_key("rdfDirection") {
        return Some("needs the non-normative rdfDirection option, which Rosette leaves unset");
    }
    if test.option.contains_key("expandContext") {
        return Some("needs the expandContext API option, which Rosette does not offer");
    }
    if option("specVersion") == Some("json-ld-1.0") {
        return Some("tests JSON-LD 1.0 behaviour; Rosette is a JSON-LD 1.1 processor");
    }
    if option("processingMode") == Some("json-ld-1.0") {
        return Some("needs the json-ld-1.0 processing mode, which Rosette never selects");
    }
    None
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(rename = "baseIri")]
    base_iri: String,
    sequence: Vec<Test>,
}

#[derive(Deserialize)]
struct Test {
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "@type")]
    types: Vec<String>,
    name: String,
    input: String,
    expect: Option<String>,
    #[serde(rename = "expectErrorCode")]
    expect_error_code: Option<String>,
    #[serde(default)]
    option: BTreeMap<String, Value>,
}

enum Outcome {
    Passed,
    Failed(String),
}

#[test]
fn every_applicable_to_rdf_suite_test_passes_except_the_known_failures() {
    let manifest: Manifest = serde_json::from_str(&common::read_standard(&format!(
        "{SUITE}/toRdf-manifest.jsonld"
    )))
    .expect("the manifest is valid JSON");
    assert_eq!(manifest.base_iri, SUITE_URL);

    let mut skipped = BTreeMap::<&str, usize>::new();
    let mut run = 0;
    let mut failed = BTreeMap::<String, String>::new();
    for test in &manifest.sequence {
        if let Some(reason) = skip_reason(test) {
            *skipped.entry(reason).or_default() += 1;
            continue;
        }
        run += 1;
        if let Outcome::Failed(why) = run_test(test) {
            failed.insert(
                test.id.clone(),
                format!("{} ({}): {why}", test.id, test.name),
            );
        }
    }

    for (reason, count) in &skipped {
        println!("skipped {count}: {reason}");
    }
    let mut problems = Vec::new();
    for (id, why) in &failed {
        if !KNOWN_FAILURES.iter().any(|(known, _)| known == id) {
            problems.push(format!("FAILED {why}"));
        }
    }
    for (id, reason) in KNOWN_FAILURES {
        if !failed.contains_key(*id) {
            problems.push(format!(
                "PASSES but is listed as a known failure: {id} ({reason})"
            ));
        }
    }
    for problem in &problems {
        eprintln!("{problem}");
    }
    let passed = run - failed.len();
    println!(
        "toRdf suite: {run} run, {passed} passed, {} failed as known",
        failed.len()
    );
    assert!(problems.is_empty(), "{} problems", problems.len());
    assert_eq!(run, EXPECTED_RUN, "tests run");
    assert_eq!(passed, EXPECTED_PASSED, "tests passed");
    assert_eq!(
        skipped.values().sum::<usize>(),
        EXPECTED_SKIPPED,
        "tests skipped"
    );
    assert_eq!(run + EXPECTED_SKIPPED, manifest.sequence.len());
}

fn run_test(test: &Test) -> Outcome {
    let doc = common::read_standard_bytes(&format!("{SUITE}/{}", test.input));
    let base = match test.option.get("base").and_then(Value::as_str) {
        Some(base) => base.to_owned(),
        None => format!("{SUITE_URL}{}", test.input),
    };
    // The suite checks what JSON-LD drops, so safe mode is off here.
    let limits = Limits {
        safe_mode: false,
        ..Limits::default()
    };
    let got = rdf::to_quads_with_loader(&doc, Some(&base), suite_loader, &limits);
    let is = |kind: &str| test.types.iter().any(|t| t == kind);

    if is("jld:NegativeEvaluationTest") {
        let code = test.expect_error_code.as_deref().unwrap_or("?");
        return match (code, got) {
            // Our loader refuses every URL outside the suite, as the bundled loader does.
            ("loading remote context failed", Err(RdfError::UnknownContext(_))) => Outcome::Passed,
            ("loading remote context failed", other) => {
                Outcome::Failed(format!("expected the unknown context error, got {other:?}"))
            }
            (_, Err(RdfError::JsonLd(_))) => Outcome::Passed,
            (_, Err(other)) => Outcome::Failed(format!("expected {code}, got: {other}")),
            (_, Ok(quads)) => {
                Outcome::Failed(format!("expected {code}, got {} quads", quads.len()))
            }
        };
    }
    let quads = match got {
        Ok(quads) => quads,
        Err(e) => return Outcome::Failed(format!("unexpected error: {e}")),
    };
    if is("jld:PositiveSyntaxTest") {
        return Outcome::Passed;
    }
    if !is("jld:PositiveEvaluationTest") {
        return Outcome::Failed(format!("unknown test type {:?}", test.types));
    }
    let Some(expect) = &test.expect else {
        return Outcome::Failed("the test has no expected output".to_owned());
    };
    compare_as_datasets(&quads, expect)
}

fn compare_as_datasets(quads: &[oxrdf::Quad], expect: &str) -> Outcome {
    let bytes = common::read_standard_bytes(&format!("{SUITE}/{expect}"));
    let expected: Vec<oxrdf::Quad> = match oxttl::NQuadsParser::new().for_slice(&bytes).collect() {
        Ok(quads) => quads,
        Err(e) => return Outcome::Failed(format!("{expect} is not valid N-Quads: {e}")),
    };
    let canon = |q: &[oxrdf::Quad]| rdf::canonicalize(q).map_err(|e| e.to_string());
    match (canon(quads), canon(&expected)) {
        (Ok(got), Ok(want)) if got == want => Outcome::Passed,
        (Ok(got), Ok(want)) => Outcome::Failed(format!("got\n{got}expected\n{want}")),
        (got, want) => Outcome::Failed(format!("canonicalization failed: {got:?} / {want:?}")),
    }
}

/// Serves the suite's files for their published URLs and refuses every other URL.
fn suite_loader(url: &str) -> Option<Vec<u8>> {
    let relative = url.strip_prefix(SUITE_URL)?;
    if relative.contains("..") {
        return None;
    }
    let path: PathBuf = common::standards_dir().join(SUITE).join(relative);
    std::fs::read(path).ok()
}
