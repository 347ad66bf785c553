//! A fast path from JSON-LD credentials to RDFC-1.0 canonical N-Quads.
//!
//! The generic path ([`crate::rdf`]) processes JSON-LD contexts and expands the document on
//! every call, which costs milliseconds. This module compiles the term tables of the contexts
//! it supports once per process, walks the `serde_json::Value` straight to RDF quads, and runs
//! only the first step of RDFC-1.0, which is the whole algorithm when no two blank nodes share
//! a first-degree hash. Its output is byte-identical to the generic path.
//!
//! It handles a proven subset and answers `None` for everything else: contexts outside
//! [`SUPPORTED_CONTEXTS`], inline context objects (an embedded node's `@context` may name
//! supported URLs), relative or blank-node identifiers, value objects, `@json` literals,
//! language tags, keys that are compact IRIs, and graphs whose blank nodes cannot be told
//! apart by their first-degree hash. Callers then use the generic path;
//! [`canonical_nquads_or_generic`] does both.
//!
//! Limits: nesting deeper than [`MAX_DEPTH`] declines, and at most [`MAX_CACHED_CONTEXTS`]
//! derived contexts are kept for the life of the process (they are never freed, so their
//! IRIs can be borrowed without reference counting).

mod canon;
mod context;
mod expand;

use serde_json::{Map, Value};

use crate::rdf::{self, RdfError};

pub use context::{MAX_CACHED_CONTEXTS, SUPPORTED_CONTEXTS};
pub use expand::MAX_DEPTH;

/// The fast path does not handle this document; the generic path must.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decline;

/// Canonical N-Quads via the fast path, or `None` when the document is outside what it
/// handles.
///
/// `doc` is a JSON-LD node object with a top-level `@context`. The result equals
/// `rdf::canonical_nquads(doc.to_string().as_bytes())` whenever it is `Some`.
pub fn canonical_nquads(doc: &Value) -> Option<String> {
    let map = doc.as_object()?;
    run(map.get("@context")?, map, &[])
}

/// Canonical N-Quads of a credential without its `proof` entry (the document a Data
/// Integrity proof signs), without copying the credential.
pub fn canonical_nquads_without_proof(doc: &Value) -> Option<String> {
    let map = doc.as_object()?;
    run(map.get("@context")?, map, &["proof"])
}

/// Canonical N-Quads of a Data Integrity proof configuration: `proof` without its
/// `proofValue`, under `context` (the secured document's `@context`), as the `eddsa-rdfc-2022`
/// and `ecdsa-rdfc-2019` suites hash it. A `@context` inside `proof` makes it decline.
pub fn canonical_proof_config(proof: &Value, context: &Value) -> Option<String> {
    let map = proof.as_object()?;
    if map.contains_key("@context") {
        return None;
    }
    run(context, map, &["proofValue"])
}

/// Canonical N-Quads through the fast path when it handles the document, else through the
/// generic path ([`rdf::canonical_nquads`]).
pub fn canonical_nquads_or_generic(doc: &Value) -> Result<String, RdfError> {
    match canonical_nquads(doc) {
        Some(nquads) => Ok(nquads),
        None => rdf::canonical_nquads(doc.to_string().as_bytes()),
    }
}

fn run(context: &Value, node: &Map<String, Value>, skip: &[&str]) -> Option<String> {
    let mut walker = expand::Walker::new();
    walker.top(context, node, skip).ok()?;
    canon::canonicalize(walker.with_blanks, &walker.plain, walker.blank_count).ok()
}
