//! The bounds the generic RDF path puts on its input and its work.
//!
//! A credential arrives from someone we do not trust yet, and both halves of the generic path
//! can be made to work hard by a small document: JSON-LD expansion recurses once per nesting
//! level, and RDFC-1.0 can be driven into factorial work by a graph of look-alike blank nodes.
//! Every bound is a field of [`Limits`] so a caller can tighten or loosen it, and each default
//! is a named constant saying why it has that value.

/// Largest document accepted by default: 1 MiB, some hundred times a typical credential
/// (an Open Badges 3.0 credential with an embedded image is rarely over 10 KiB).
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// Deepest nesting of JSON objects and arrays accepted by default. Credentials nest about
/// six levels; 64 leaves room for any honest document while keeping the recursive JSON-LD
/// expansion far from the end of the stack.
pub const DEFAULT_MAX_DEPTH: usize = 64;

/// Most RDF statements a document may expand to by default. A credential gives a few dozen
/// to a few hundred; 20,000 bounds the memory and the canonicalization sort.
pub const DEFAULT_MAX_QUADS: usize = 20_000;

/// Most calls to RDFC-1.0's Hash N-Degree Quads algorithm allowed by default.
///
/// Blank nodes that their neighbours already tell apart never reach that algorithm; the others
/// need one call each at least, and more when they look alike. A credential needs none or a
/// handful. The hardest legitimate graphs of the W3C RDFC-1.0 suite ("poison – evil", tests
/// 044 to 046) need 468 calls; the ten-node clique of its negative test would need millions.
/// 1,000 accepts every legitimate test with twice their need and stops the clique after about
/// half a second in a debug build. Each call costs in proportion to the edges of its node, so
/// the slowest refusal is a clique as large as [`DEFAULT_MAX_QUADS`] allows.
pub const DEFAULT_MAX_HNDQ_CALLS: usize = 1_000;

/// The bounds applied to one run of the generic path; [`Limits::default`] documents each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest document, in bytes ([`DEFAULT_MAX_DOCUMENT_BYTES`]).
    pub max_document_bytes: usize,
    /// Deepest nesting of JSON objects and arrays ([`DEFAULT_MAX_DEPTH`]).
    pub max_depth: usize,
    /// Most RDF statements a document may produce ([`DEFAULT_MAX_QUADS`]).
    pub max_quads: usize,
    /// Most Hash N-Degree Quads calls during canonicalization ([`DEFAULT_MAX_HNDQ_CALLS`]).
    pub max_hndq_calls: usize,
    /// Refuse documents that would lose data on the way to RDF: properties no context
    /// defines, and IRIs that are not absolute (on by default). A signature covers only the
    /// RDF form, so anything dropped could be changed or added without breaking it. Only
    /// the JSON-LD test suite, which checks what is dropped, turns this off.
    pub safe_mode: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
            max_depth: DEFAULT_MAX_DEPTH,
            max_quads: DEFAULT_MAX_QUADS,
            max_hndq_calls: DEFAULT_MAX_HNDQ_CALLS,
            safe_mode: true,
        }
    }
}

/// Returns whether the JSON text nests objects and arrays deeper than `max_depth`.
///
/// This runs before any parser sees the bytes, so it must not recurse itself: it counts
/// brackets outside strings in one pass. Brackets inside strings are skipped by following
/// quotes and backslash escapes. Malformed JSON is left for the real parser to report.
pub(crate) fn nests_deeper_than(json: &[u8], max_depth: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in json {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max_depth {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        format!("{}{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn depth_counts_objects_and_arrays_together() {
        let doc = br#"{"a": [{"b": [1]}]}"#;
        assert!(!nests_deeper_than(doc, 4));
        assert!(nests_deeper_than(doc, 3));
    }

    #[test]
    fn depth_accepts_exactly_the_limit_and_refuses_one_more() {
        assert!(!nests_deeper_than(nested(64).as_bytes(), 64));
        assert!(nests_deeper_than(nested(65).as_bytes(), 64));
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        let doc = br#"{"a": "[[[[{{{{", "b": "\"[[[[\\"}"#;
        assert!(!nests_deeper_than(doc, 1));
    }

    #[test]
    fn an_escaped_backslash_before_a_quote_ends_the_string() {
        // The string is `\`; the brackets after it are real and nest two levels.
        let doc = br#"["\\", [[]]]"#;
        assert!(nests_deeper_than(doc, 2));
        assert!(!nests_deeper_than(doc, 3));
    }

    #[test]
    fn default_limits_match_their_documented_constants() {
        let limits = Limits::default();
        assert_eq!(limits.max_document_bytes, 1_048_576);
        assert_eq!(limits.max_depth, 64);
        assert_eq!(limits.max_quads, 20_000);
        assert_eq!(limits.max_hndq_calls, 1_000);
    }
}
