//! The one entry point the rest of the crate uses to get canonical N-Quads of a JSON value.
//!
//! Documents whose contexts and shape the fast path in [`crate::fastpath`] handles (every
//! credential Rosette issues, and most it is handed) go through it; anything else goes
//! through the generic JSON-LD path in [`crate::rdf`]. The two give identical output wherever
//! the fast path answers, which the tests check on every vector and on generated documents.

use serde_json::Value;

use crate::fastpath;
use crate::rdf::RdfError;

/// The RDFC-1.0 canonical N-Quads of a JSON-LD document.
pub fn canonical_nquads(doc: &Value) -> Result<String, RdfError> {
    fastpath::canonical_nquads_or_generic(doc)
}
