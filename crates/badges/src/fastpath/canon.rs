//! RDFC-1.0 for the common case, and canonical N-Quads serialization.
//!
//! When every blank node's first-degree hash (RDFC-1.0 section 4.6) is unique, the canonical
//! labels are issued in hash order and the N-Degree algorithm never runs: that is the whole
//! algorithm for such datasets. When two blank nodes share a hash, [`canonicalize`] declines
//! so the caller can run the full algorithm. Serialization matches `rdf-canon` (through
//! `oxrdf`) byte for byte: the same string escapes, the same line sort.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

use sha2::{Digest, Sha256};

use super::Decline;

/// `xsd:string`, written as a plain literal.
pub const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
/// `xsd:boolean`.
pub const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
/// `xsd:integer`.
pub const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
/// `xsd:double`.
pub const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";

/// A subject or object node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Node<'a> {
    /// An absolute IRI.
    Iri(Cow<'a, str>),
    /// A blank node, numbered by the walker.
    Blank(u32),
}

/// An object: a node or a literal with its datatype ([`XSD_STRING`] for plain strings).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Object<'a> {
    /// A node.
    Node(Node<'a>),
    /// A literal value and its datatype IRI.
    Literal(Cow<'a, str>, &'a str),
}

/// A quad; the graph is the default graph or a blank node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quad<'a> {
    /// Subject.
    pub s: Node<'a>,
    /// Predicate IRI.
    pub p: Cow<'a, str>,
    /// Object.
    pub o: Object<'a>,
    /// Graph name (`None` for the default graph).
    pub g: Option<u32>,
}

/// How blank nodes are written: the first-degree hash's `a`/`z`, or canonical labels.
#[derive(Clone, Copy)]
enum Labels<'l> {
    Focus(u32),
    Canonical(&'l [u32]),
}

/// Canonical N-Quads of a dataset, or [`Decline`] when two blank nodes share a first-degree
/// hash. `with_blanks` holds the quads that mention a blank node and `plain` the others (the
/// split lets duplicates of plain quads be dropped cheaply after the final sort);
/// `blank_count` is the number of blank node numbers the walker handed out.
pub fn canonicalize(
    mut with_blanks: Vec<Quad<'_>>,
    plain: &[Quad<'_>],
    blank_count: u32,
) -> Result<String, Decline> {
    // The dataset is a set: duplicates would repeat lines in the first-degree hashes.
    with_blanks.sort_unstable();
    with_blanks.dedup();

    // Each quad is listed once per blank-node position, as rdf-canon does.
    let mut mentions: Vec<Vec<u32>> = vec![Vec::new(); blank_count as usize];
    for (i, q) in with_blanks.iter().enumerate() {
        let i = u32::try_from(i).map_err(|_| Decline)?;
        for b in blanks(q).into_iter().flatten() {
            mentions[b as usize].push(i);
        }
    }

    let mut buf = String::with_capacity(4096);
    let mut lines: Vec<Range<usize>> = Vec::with_capacity(with_blanks.len() + plain.len());
    let mut hashes: Vec<([u8; 32], u32)> = Vec::with_capacity(blank_count as usize);
    for (b, list) in mentions.iter().enumerate() {
        if list.is_empty() {
            continue;
        }
        let b = b as u32;
        buf.clear();
        lines.clear();
        for &i in list {
            let start = buf.len();
            write_quad(&mut buf, &with_blanks[i as usize], Labels::Focus(b));
            buf.push_str(" .\n");
            lines.push(start..buf.len());
        }
        lines.sort_unstable_by(|x, y| buf[x.clone()].cmp(&buf[y.clone()]));
        let mut hasher = Sha256::new();
        for line in &lines {
            hasher.update(buf[line.clone()].as_bytes());
        }
        hashes.push((hasher.finalize().into(), b));
    }
    // Raw digest order is the code point order of the lowercase hex strings.
    hashes.sort_unstable();
    if hashes.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(Decline);
    }
    let mut labels = vec![u32::MAX; blank_count as usize];
    for (rank, (_, b)) in hashes.iter().enumerate() {
        labels[*b as usize] = rank as u32;
    }

    buf.clear();
    lines.clear();
    for q in with_blanks.iter().chain(plain) {
        let start = buf.len();
        write_quad(&mut buf, q, Labels::Canonical(&labels));
        lines.push(start..buf.len());
    }
    lines.sort_unstable_by(|x, y| buf[x.clone()].cmp(&buf[y.clone()]));
    // With canonical labels, equal lines are equal quads.
    lines.dedup_by(|x, y| buf[x.clone()] == buf[y.clone()]);
    let mut out = String::with_capacity(buf.len() + 3 * lines.len());
    for line in &lines {
        out.push_str(&buf[line.clone()]);
        out.push_str(" .\n");
    }
    Ok(out)
}

/// Whether a quad mentions a blank node.
pub fn has_blank(q: &Quad<'_>) -> bool {
    blanks(q).iter().any(Option::is_some)
}

fn blanks(q: &Quad<'_>) -> [Option<u32>; 3] {
    let s = match q.s {
        Node::Blank(b) => Some(b),
        Node::Iri(_) => None,
    };
    let o = match q.o {
        Object::Node(Node::Blank(b)) => Some(b),
        _ => None,
    };
    [s, o, q.g]
}

fn write_quad(out: &mut String, q: &Quad<'_>, labels: Labels<'_>) {
    write_node(out, &q.s, labels);
    out.push_str(" <");
    out.push_str(&q.p);
    out.push_str("> ");
    match &q.o {
        Object::Node(n) => write_node(out, n, labels),
        Object::Literal(value, datatype) => {
            write_quoted(out, value);
            if *datatype != XSD_STRING {
                out.push_str("^^<");
                out.push_str(datatype);
                out.push('>');
            }
        }
    }
    if let Some(g) = q.g {
        out.push(' ');
        write_blank(out, g, labels);
    }
}

fn write_node(out: &mut String, node: &Node<'_>, labels: Labels<'_>) {
    match node {
        Node::Iri(iri) => {
            out.push('<');
            out.push_str(iri);
            out.push('>');
        }
        Node::Blank(b) => write_blank(out, *b, labels),
    }
}

fn write_blank(out: &mut String, b: u32, labels: Labels<'_>) {
    match labels {
        Labels::Focus(focus) if focus == b => out.push_str("_:a"),
        Labels::Focus(_) => out.push_str("_:z"),
        Labels::Canonical(labels) => {
            out.push_str("_:c14n");
            // Writing to a String cannot fail.
            let _ = write!(out, "{}", labels[b as usize]);
        }
    }
}

/// A quoted literal with the escapes of canonical N-Quads as `oxrdf` writes them.
fn write_quoted(out: &mut String, value: &str) {
    out.push('"');
    let mut plain_from = 0;
    for (i, c) in value.char_indices() {
        let escape = match c {
            '\u{08}' => "\\b",
            '\t' => "\\t",
            '\n' => "\\n",
            '\u{0C}' => "\\f",
            '\r' => "\\r",
            '"' => "\\\"",
            '\\' => "\\\\",
            '\0'..='\u{1F}' | '\u{7F}' => "",
            _ => continue,
        };
        out.push_str(&value[plain_from..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04X}", u32::from(c));
        } else {
            out.push_str(escape);
        }
        plain_from = i + c.len_utf8();
    }
    out.push_str(&value[plain_from..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_escaped_like_oxrdf() {
        let mut out = String::new();
        write_quoted(&mut out, "a\"b\\c\nd\re\tf\u{1}g\u{7F}h\u{8}i\u{C}é");
        assert_eq!(out, "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u007Fh\\bi\\fé\"");
    }

    #[test]
    fn blank_nodes_sharing_a_first_degree_hash_are_declined() {
        let quad = |b| Quad {
            s: Node::Iri("http://x/s".into()),
            p: "http://x/p".into(),
            o: Object::Node(Node::Blank(b)),
            g: None,
        };
        assert!(canonicalize(vec![quad(0), quad(1)], &[], 2).is_err());
        let one = canonicalize(vec![quad(0)], &[], 1).unwrap();
        assert_eq!(one, "<http://x/s> <http://x/p> _:c14n0 .\n");
    }
}
