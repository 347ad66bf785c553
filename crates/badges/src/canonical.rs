//! The one entry point the rest of the crate uses to get canonical N-Quads of a JSON value.
//!
//! Documents go through the generic JSON-LD path in [`crate::rdf`].

use serde_json::Value;

use crate::rdf::{self, RdfError};

/// The RDFC-1.0 canonical N-Quads of a JSON-LD document.
pub fn canonical_nquads(doc: &Value) -> Result<String, RdfError> {
    rdf::canonical_nquads(doc.to_string().as_bytes())
}
