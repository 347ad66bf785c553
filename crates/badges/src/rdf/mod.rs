//! The generic JSON-LD to RDF path and RDFC-1.0 canonicalization.
//!
//! This is the slow, general path: any JSON-LD 1.1 document whose contexts are bundled (see
//! [`crate::contexts`]) is expanded to an RDF dataset by `oxjsonld` and canonicalized by
//! `rdf-canon`. It is also the reference the faster, credential-shaped path is tested against,
//! so [`to_quads`], [`canonicalize`] and [`canonical_nquads`] keep their meaning.
//!
//! Untrusted input is bounded by [`Limits`]: the size and nesting of the document are checked
//! before any parser runs, the number of statements while they are produced, and the work of
//! canonicalization while it runs. Each bound has its own [`RdfError`] variant.
//!
//! This module does no I/O: contexts come from the bundle or from a loader the caller passes.
//!
//! `oxjsonld` 0.2.7 did not layer the type-scoped contexts of a node with several types, so
//! terms only an earlier type defines were dropped; the workspace carries a patched copy (see
//! `third_party/README.md`), and the W3C vc-di-eddsa "employ" vector pins the fix. Six tests
//! of the JSON-LD toRdf suite still fail, on dot segments in base IRIs, type maps and an
//! invalid `@base`, none of which credentials use (see `tests/to_rdf_suite.rs`).

mod convert;
mod limits;

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::{Arc, OnceLock};

use oxjsonld::{JsonLdParser, JsonLdRemoteDocument, JsonLdSyntaxError};
use rdf_canon::{CanonicalizationError, CanonicalizationOptions};

use crate::contexts;

pub use limits::{
    DEFAULT_MAX_DEPTH, DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_MAX_HNDQ_CALLS, DEFAULT_MAX_QUADS,
    Limits,
};

/// Why a document could not be turned into RDF or canonical N-Quads.
#[derive(Debug, thiserror::Error)]
pub enum RdfError {
    /// The document is longer than [`Limits::max_document_bytes`].
    #[error("the document is {size} bytes long, more than the limit of {limit} bytes")]
    DocumentTooLarge {
        /// The length of the document, in bytes.
        size: usize,
        /// The limit it broke.
        limit: usize,
    },
    /// The document nests objects and arrays deeper than [`Limits::max_depth`].
    #[error("the document nests deeper than {0} levels")]
    TooDeep(usize),
    /// The document expands to more statements than [`Limits::max_quads`].
    #[error("the document expands to more than {0} RDF statements")]
    TooManyQuads(usize),
    /// Canonicalization needed more than [`Limits::max_hndq_calls`] steps to tell blank nodes
    /// apart, which honest documents never do.
    #[error(
        "canonicalization gave up after {0} rounds of telling blank nodes apart \
         (the graph looks built to be expensive)"
    )]
    WorkLimit(usize),
    /// The document names a context that the loader refused (for the default loader: one
    /// that is not bundled). The field is the URL as resolved against the base IRI.
    #[error("unknown JSON-LD context {0} (Rosette only uses the contexts it bundles)")]
    UnknownContext(String),
    /// The base IRI given for the document is not an absolute IRI.
    #[error("the base IRI {iri:?} is not valid: {reason}")]
    InvalidBaseIri {
        /// The IRI as given.
        iri: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The document is not valid JSON or not valid JSON-LD 1.1.
    #[error("JSON-LD processing failed: {0}")]
    JsonLd(String),
    /// Canonicalization failed for a reason other than its work limit.
    #[error("RDF canonicalization failed: {0}")]
    Canon(String),
}

/// The hash function RDFC-1.0 uses to tell blank nodes apart. It changes the identifiers
/// chosen, so signer and verifier must agree on it; SHA-256 is the standard's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CanonHash {
    /// SHA-256, the default of RDFC-1.0 and of the `eddsa-rdfc-2022` cryptosuite.
    #[default]
    Sha256,
    /// SHA-384, used by `ecdsa-rdfc-2019` with P-384 keys.
    Sha384,
}

/// Expands a JSON-LD document to RDF quads, loading only bundled contexts, with the default
/// [`Limits`].
pub fn to_quads(doc: &[u8]) -> Result<Vec<oxrdf::Quad>, RdfError> {
    to_quads_with(doc, &Limits::default())
}

/// Expands a JSON-LD document to RDF quads, loading only bundled contexts.
pub fn to_quads_with(doc: &[u8], limits: &Limits) -> Result<Vec<oxrdf::Quad>, RdfError> {
    to_quads_with_loader(doc, None, bundled_loader, limits)
}

/// Expands a JSON-LD document to RDF quads with the caller's context loader.
///
/// `base_iri` is the document's own URL, against which relative IRIs and relative context
/// references resolve. `loader` receives each context URL (already resolved) and returns the
/// JSON bytes of the context, or `None` to refuse it, which fails with
/// [`RdfError::UnknownContext`]. JSON-LD 1.1 processing mode is always used. The size and
/// depth limits apply to `doc`; contexts are the loader's responsibility.
pub fn to_quads_with_loader(
    doc: &[u8],
    base_iri: Option<&str>,
    loader: impl Fn(&str) -> Option<Vec<u8>> + Send + Sync + UnwindSafe + RefUnwindSafe + 'static,
    limits: &Limits,
) -> Result<Vec<oxrdf::Quad>, RdfError> {
    check_document(doc, limits)?;

    let mut parser = JsonLdParser::new();
    if limits.safe_mode {
        parser = parser.safe();
    }
    if let Some(iri) = base_iri {
        parser = parser
            .with_base_iri(iri)
            .map_err(|e| RdfError::InvalidBaseIri {
                iri: iri.to_owned(),
                reason: e.to_string(),
            })?;
    }

    // oxjsonld folds a loader's error into its own message text, so the refused URL is
    // recorded on the side to be reported exactly.
    let refused = Arc::new(OnceLock::<String>::new());
    let refused_in_loader = Arc::clone(&refused);
    let quads = parser
        .for_slice(doc)
        .with_load_document_callback(move |url, _| match loader(url) {
            Some(document) => Ok(JsonLdRemoteDocument {
                document,
                document_url: url.to_owned(),
            }),
            None => {
                // Only the first refusal matters: it is the error processing stops at.
                refused_in_loader.set(url.to_owned()).ok();
                Err(Box::new(RefusedContext))
            }
        });

    collect_quads(quads, limits).map_err(|e| match refused.get() {
        Some(url) => RdfError::UnknownContext(url.clone()),
        None => e,
    })
}

/// The default context loader: the JSON of a bundled context, or `None` for any other URL.
pub fn bundled_loader(url: &str) -> Option<Vec<u8>> {
    contexts::lookup(url).map(|c| c.json.as_bytes().to_vec())
}

/// Canonicalizes quads with RDFC-1.0 (SHA-256, default [`Limits`]) and returns the canonical
/// N-Quads document.
pub fn canonicalize(quads: &[oxrdf::Quad]) -> Result<String, RdfError> {
    canonicalize_with(quads, &Limits::default())
}

/// Canonicalizes quads with RDFC-1.0 and SHA-256 within the given limits.
pub fn canonicalize_with(quads: &[oxrdf::Quad], limits: &Limits) -> Result<String, RdfError> {
    canonicalize_using(quads, CanonHash::Sha256, limits)
}

/// Canonicalizes quads with RDFC-1.0 and the given hash function within the given limits.
pub fn canonicalize_using(
    quads: &[oxrdf::Quad],
    hash: CanonHash,
    limits: &Limits,
) -> Result<String, RdfError> {
    let (quads, options) = prepare_canon(quads, limits)?;
    match hash {
        CanonHash::Sha256 => rdf_canon::canonicalize_quads_with::<sha2::Sha256>(&quads, &options),
        CanonHash::Sha384 => rdf_canon::canonicalize_quads_with::<sha2::Sha384>(&quads, &options),
    }
    .map_err(canon_error)
}

/// Runs RDFC-1.0 and returns the canonical identifier it issues for each blank node, keyed
/// by the blank node's identifier in `quads` (without the `_:` prefix).
pub fn issue_identifiers(
    quads: &[oxrdf::Quad],
    hash: CanonHash,
    limits: &Limits,
) -> Result<BTreeMap<String, String>, RdfError> {
    let (quads, options) = prepare_canon(quads, limits)?;
    let issued = match hash {
        CanonHash::Sha256 => rdf_canon::issue_quads_with::<sha2::Sha256>(&quads, &options),
        CanonHash::Sha384 => rdf_canon::issue_quads_with::<sha2::Sha384>(&quads, &options),
    };
    Ok(issued.map_err(canon_error)?.into_iter().collect())
}

/// Expands and canonicalizes a JSON-LD document through the generic path, with the default
/// [`Limits`].
pub fn canonical_nquads(doc: &[u8]) -> Result<String, RdfError> {
    canonical_nquads_with(doc, &Limits::default())
}

/// Expands and canonicalizes a JSON-LD document through the generic path within `limits`.
pub fn canonical_nquads_with(doc: &[u8], limits: &Limits) -> Result<String, RdfError> {
    canonicalize_with(&to_quads_with(doc, limits)?, limits)
}

/// Refuses documents too large or too deep before a parser, whose expansion recurses once
/// per level, sees them.
fn check_document(doc: &[u8], limits: &Limits) -> Result<(), RdfError> {
    if doc.len() > limits.max_document_bytes {
        return Err(RdfError::DocumentTooLarge {
            size: doc.len(),
            limit: limits.max_document_bytes,
        });
    }
    if limits::nests_deeper_than(doc, limits.max_depth) {
        return Err(RdfError::TooDeep(limits.max_depth));
    }
    Ok(())
}

/// Drains the parser, stopping at the first error or once past the quad limit, so a
/// document that expands without end is never held in full.
fn collect_quads(
    parsed: impl Iterator<Item = Result<oxrdf::Quad, JsonLdSyntaxError>>,
    limits: &Limits,
) -> Result<Vec<oxrdf::Quad>, RdfError> {
    let mut quads = Vec::new();
    for quad in parsed {
        let quad = quad.map_err(|e| RdfError::JsonLd(e.to_string()))?;
        if quads.len() == limits.max_quads {
            return Err(RdfError::TooManyQuads(limits.max_quads));
        }
        quads.push(quad);
    }
    Ok(quads)
}

fn prepare_canon(
    quads: &[oxrdf::Quad],
    limits: &Limits,
) -> Result<(Vec<oxrdf02::Quad>, CanonicalizationOptions), RdfError> {
    if quads.len() > limits.max_quads {
        return Err(RdfError::TooManyQuads(limits.max_quads));
    }
    let options = CanonicalizationOptions {
        hndq_call_limit: Some(limits.max_hndq_calls),
    };
    Ok((quads.iter().map(convert::to_oxrdf02).collect(), options))
}

fn canon_error(e: CanonicalizationError) -> RdfError {
    match e {
        CanonicalizationError::HndqCallLimitExceeded(limit) => RdfError::WorkLimit(limit),
        other => RdfError::Canon(other.to_string()),
    }
}

/// What the loader tells oxjsonld when it refuses a URL; the URL itself is kept aside.
#[derive(Debug)]
struct RefusedContext;

impl fmt::Display for RefusedContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the context is not one Rosette loads")
    }
}

impl std::error::Error for RefusedContext {}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    const SIMPLE: &str = r#"{"@context": {"@vocab": "http://example.org/"}, "name": "Ada"}"#;

    /// Every ordered pair of `n` blank nodes, itself included, linked by one predicate: the
    /// shape of the W3C negative test, where no node can be told from another.
    fn clique(n: usize) -> Vec<oxrdf::Quad> {
        let p = oxrdf::NamedNode::new_unchecked("http://example.com/p");
        let node = |i: usize| oxrdf::BlankNode::new_unchecked(format!("e{i}"));
        let mut quads = Vec::new();
        for i in 0..n {
            for j in 0..n {
                let q =
                    oxrdf::Quad::new(node(i), p.clone(), node(j), oxrdf::GraphName::DefaultGraph);
                quads.push(q);
            }
        }
        quads
    }

    #[test]
    fn a_simple_document_canonicalizes_to_one_statement() {
        let got = canonical_nquads(SIMPLE.as_bytes()).unwrap();
        assert_eq!(got, "_:c14n0 <http://example.org/name> \"Ada\" .\n");
    }

    #[test]
    fn an_unknown_context_is_refused_with_its_url_and_without_network() {
        let doc = br#"{"@context": "https://example.com/ctx.jsonld", "name": "x"}"#;
        match to_quads(doc) {
            Err(RdfError::UnknownContext(url)) => {
                assert_eq!(url, "https://example.com/ctx.jsonld");
            }
            other => panic!("expected an unknown context error, got {other:?}"),
        }
    }

    #[test]
    fn a_relative_context_is_resolved_against_the_base_before_the_loader_sees_it() {
        let doc = br#"{"@context": "ctx.jsonld", "@id": "thing", "name": "x"}"#;
        let loader = |url: &str| {
            (url == "https://example.com/docs/ctx.jsonld")
                .then(|| br#"{"@context": {"@vocab": "http://example.org/"}}"#.to_vec())
        };
        let quads = to_quads_with_loader(
            doc,
            Some("https://example.com/docs/doc.jsonld"),
            loader,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(quads.len(), 1);
        assert_eq!(
            quads[0].subject.to_string(),
            "<https://example.com/docs/thing>"
        );
    }

    #[test]
    fn an_invalid_base_iri_is_refused() {
        let err = to_quads_with_loader(
            b"{}",
            Some("not an iri"),
            bundled_loader,
            &Limits::default(),
        )
        .unwrap_err();
        assert!(matches!(err, RdfError::InvalidBaseIri { .. }), "{err:?}");
    }

    #[test]
    fn a_document_over_the_size_limit_is_refused_before_parsing() {
        let limits = Limits {
            max_document_bytes: 16,
            ..Limits::default()
        };
        let err = to_quads_with(SIMPLE.as_bytes(), &limits).unwrap_err();
        assert!(
            matches!(err, RdfError::DocumentTooLarge { limit: 16, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("more than the limit of 16 bytes"));
    }

    #[test]
    fn a_document_nested_past_the_depth_limit_is_refused_with_a_clear_sentence() {
        let doc = format!("{}{}", "[".repeat(65), "]".repeat(65));
        let err = to_quads(doc.as_bytes()).unwrap_err();
        assert!(matches!(err, RdfError::TooDeep(64)), "{err:?}");
        assert_eq!(err.to_string(), "the document nests deeper than 64 levels");
    }

    #[test]
    fn a_deep_but_allowed_document_is_processed() {
        // 64 levels of arrays inside one property value: allowed, and ignored by JSON-LD
        // except as a set of values.
        let inner = format!("{}\"v\"{}", "[".repeat(62), "]".repeat(62));
        let doc = format!(r#"{{"@context": {{"@vocab": "http://example.org/"}}, "p": {inner}}}"#);
        let quads = to_quads(doc.as_bytes()).unwrap();
        assert_eq!(quads.len(), 1);
    }

    #[test]
    fn a_document_with_more_statements_than_the_quad_limit_is_refused() {
        let values: Vec<String> = (0..11).map(|i| format!("\"v{i}\"")).collect();
        let doc = format!(
            r#"{{"@context": {{"@vocab": "http://example.org/"}}, "p": [{}]}}"#,
            values.join(",")
        );
        let limits = Limits {
            max_quads: 10,
            ..Limits::default()
        };
        let err = to_quads_with(doc.as_bytes(), &limits).unwrap_err();
        assert!(matches!(err, RdfError::TooManyQuads(10)), "{err:?}");
        let at_limit = Limits {
            max_quads: 11,
            ..Limits::default()
        };
        assert_eq!(to_quads_with(doc.as_bytes(), &at_limit).unwrap().len(), 11);
    }

    #[test]
    fn canonicalize_applies_the_quad_limit_to_quads_from_elsewhere() {
        let limits = Limits {
            max_quads: 3,
            ..Limits::default()
        };
        let err = canonicalize_with(&clique(2), &limits).unwrap_err();
        assert!(matches!(err, RdfError::TooManyQuads(3)), "{err:?}");
    }

    #[test]
    fn a_poisoned_clique_is_refused_quickly_by_the_work_limit() {
        let quads = clique(10);
        let started = Instant::now();
        let err = canonicalize(&quads).unwrap_err();
        let took = started.elapsed();
        assert!(
            matches!(err, RdfError::WorkLimit(DEFAULT_MAX_HNDQ_CALLS)),
            "{err:?}"
        );
        // Generous for a debug build on a busy machine; the release figure is milliseconds.
        assert!(
            took < Duration::from_secs(5),
            "refusing the clique took {took:?}"
        );
    }

    #[test]
    fn a_small_clique_is_still_canonicalized() {
        let got = canonicalize(&clique(3)).unwrap();
        assert_eq!(got.lines().count(), 9);
    }

    #[test]
    fn sha384_and_sha256_issue_identifiers_for_the_same_blank_nodes() {
        let quads = clique(3);
        let limits = Limits::default();
        let a = issue_identifiers(&quads, CanonHash::Sha256, &limits).unwrap();
        let b = issue_identifiers(&quads, CanonHash::Sha384, &limits).unwrap();
        assert_eq!(a.keys().collect::<Vec<_>>(), ["e0", "e1", "e2"]);
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    }
}
