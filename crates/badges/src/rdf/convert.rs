//! Moving RDF values from `oxrdf` 0.3 (what `oxjsonld` produces) to `oxrdf` 0.2 (what
//! `rdf-canon` consumes).
//!
//! The two versions model the same RDF 1.1 terms, so the conversion copies strings and never
//! fails. The identifiers of blank nodes are kept, which the identifier map of RDFC-1.0
//! depends on.

use oxrdf02 as o;

/// Copies one quad into the `oxrdf` 0.2 model.
pub(crate) fn to_oxrdf02(q: &oxrdf::Quad) -> o::Quad {
    let subject = match &q.subject {
        oxrdf::NamedOrBlankNode::NamedNode(n) => o::Subject::NamedNode(named(n)),
        oxrdf::NamedOrBlankNode::BlankNode(b) => o::Subject::BlankNode(blank(b)),
    };
    let object = match &q.object {
        oxrdf::Term::NamedNode(n) => o::Term::NamedNode(named(n)),
        oxrdf::Term::BlankNode(b) => o::Term::BlankNode(blank(b)),
        oxrdf::Term::Literal(l) => o::Term::Literal(literal(l)),
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

// The `unchecked` constructors are sound here: the values were validated by `oxrdf` 0.3,
// whose rules for IRIs, blank node identifiers and language tags are those of 0.2.
fn named(n: &oxrdf::NamedNode) -> o::NamedNode {
    o::NamedNode::new_unchecked(n.as_str())
}

fn blank(b: &oxrdf::BlankNode) -> o::BlankNode {
    o::BlankNode::new_unchecked(b.as_str())
}

fn literal(l: &oxrdf::Literal) -> o::Literal {
    match l.language() {
        Some(lang) => o::Literal::new_language_tagged_literal_unchecked(l.value(), lang),
        // `new_typed_literal` turns `xsd:string` back into a simple literal, as 0.3 has it.
        None => o::Literal::new_typed_literal(l.value(), named(&l.datatype().into_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_term_survives_the_conversion_unchanged_in_text() {
        let s = oxrdf::BlankNode::new_unchecked("b0");
        let p = oxrdf::NamedNode::new_unchecked("http://example.org/p");
        let g = oxrdf::NamedNode::new_unchecked("http://example.org/g");
        let objects: [oxrdf::Term; 4] = [
            oxrdf::Literal::new_simple_literal("a \"quoted\"\nline").into(),
            oxrdf::Literal::new_language_tagged_literal_unchecked("hi", "en-us").into(),
            oxrdf::Literal::new_typed_literal("1", oxrdf::vocab::xsd::INTEGER).into(),
            oxrdf::BlankNode::new_unchecked("b1").into(),
        ];
        for object in objects {
            let q = oxrdf::Quad::new(s.clone(), p.clone(), object, g.clone());
            assert_eq!(to_oxrdf02(&q).to_string(), q.to_string());
        }
    }
}
