//! The generic JSON-LD to RDF path and RDFC-1.0 canonicalization.
//!
//! This is the slow, general path: any JSON-LD document whose contexts are bundled (see
//! [`crate::contexts`]) is expanded to an RDF dataset by `oxjsonld` and canonicalized by
//! `rdf-canon`, which counts its work and gives up on poisoned graphs.

use std::fmt;

use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};

use crate::contexts;

/// Why a document could not be turned into canonical N-Quads.
#[derive(Debug, thiserror::Error)]
pub enum RdfError {
    /// The document names a context that is not bundled.
    #[error("unknown JSON-LD context {0} (Rosette only uses the contexts it bundles)")]
    UnknownContext(String),
    /// JSON-LD processing failed.
    #[error("JSON-LD processing failed: {0}")]
    JsonLd(String),
    /// Canonicalization failed or ran past its work limit.
    #[error("RDF canonicalization failed: {0}")]
    Canon(String),
}

/// Expands a JSON-LD document to RDF quads, loading only bundled contexts.
pub fn to_quads(doc: &[u8]) -> Result<Vec<oxrdf::Quad>, RdfError> {
    let parser = JsonLdParser::new()
        .for_slice(doc)
        .with_load_document_callback(|url, _| {
            let ctx = contexts::lookup(url).ok_or_else(|| UnknownUrl(url.to_owned()))?;
            Ok(JsonLdRemoteDocument {
                document: ctx.json.as_bytes().to_vec(),
                document_url: url.into(),
            })
        });
    parser.collect::<Result<Vec<_>, _>>().map_err(|e| {
        let text = e.to_string();
        match text.split_once("unknown JSON-LD context ") {
            Some((_, url)) => RdfError::UnknownContext(url.to_owned()),
            None => RdfError::JsonLd(text),
        }
    })
}

/// Canonicalizes quads with RDFC-1.0 and returns the canonical N-Quads document.
pub fn canonicalize(quads: &[oxrdf::Quad]) -> Result<String, RdfError> {
    let quads: Vec<_> = quads.iter().map(to_oxrdf02).collect();
    let options = rdf_canon::CanonicalizationOptions {
        hndq_call_limit: Some(4000),
    };
    rdf_canon::canonicalize_quads_with::<sha2::Sha256>(&quads, &options)
        .map_err(|e| RdfError::Canon(e.to_string()))
}

/// Expands and canonicalizes a JSON-LD document through the generic path.
pub fn canonical_nquads(doc: &[u8]) -> Result<String, RdfError> {
    canonicalize(&to_quads(doc)?)
}

#[derive(Debug)]
struct UnknownUrl(String);

impl fmt::Display for UnknownUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown JSON-LD context {}", self.0)
    }
}

impl std::error::Error for UnknownUrl {}

/// `rdf-canon` works on `oxrdf` 0.2 while `oxjsonld` produces 0.3 values; the data is the same.
fn to_oxrdf02(q: &oxrdf::Quad) -> oxrdf02::Quad {
    use oxrdf02 as o;
    let named = |n: &oxrdf::NamedNode| o::NamedNode::new_unchecked(n.as_str());
    let blank = |b: &oxrdf::BlankNode| o::BlankNode::new_unchecked(b.as_str());
    let subject = match &q.subject {
        oxrdf::NamedOrBlankNode::NamedNode(n) => o::Subject::NamedNode(named(n)),
        oxrdf::NamedOrBlankNode::BlankNode(b) => o::Subject::BlankNode(blank(b)),
    };
    let object = match &q.object {
        oxrdf::Term::NamedNode(n) => o::Term::NamedNode(named(n)),
        oxrdf::Term::BlankNode(b) => o::Term::BlankNode(blank(b)),
        oxrdf::Term::Literal(l) => o::Term::Literal(match l.language() {
            Some(lang) => o::Literal::new_language_tagged_literal_unchecked(l.value(), lang),
            None => o::Literal::new_typed_literal(l.value(), named(&l.datatype().into_owned())),
        }),
    };
    let graph_name = match &q.graph_name {
        oxrdf::GraphName::NamedNode(n) => o::GraphName::NamedNode(named(n)),
        oxrdf::GraphName::BlankNode(b) => o::GraphName::BlankNode(blank(b)),
        oxrdf::GraphName::DefaultGraph => o::GraphName::DefaultGraph,
    };
    o::Quad {
        subject,
        predicate: named(&q.predicate),
        object,
        graph_name,
    }
}
