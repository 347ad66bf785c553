//! From a JSON-LD document to RDF quads in one walk, without building expanded JSON-LD.
//!
//! The walk follows the JSON-LD 1.1 Expansion and Deserialize JSON-LD to RDF algorithms as
//! the generic path (`oxjsonld`) implements them, including where it departs from the text:
//! which maps keep a parent's type-scoped context, scoped contexts on scalar values, and key
//! ordering. Anything outside the handled subset returns [`Decline`].

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::Decline;
use super::canon::{self, Node, Object, Quad, XSD_BOOLEAN, XSD_DOUBLE, XSD_INTEGER, XSD_STRING};
use super::context::{
    self, Container, Ctx, Mapping, TermDef, TypeMapping, has_keyword_form, is_absolute_iri,
};

/// How deep nested objects and arrays may go before the fast path declines.
pub const MAX_DEPTH: usize = 64;

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";

/// The quads of one document, with blank nodes numbered from 0.
pub struct Walker<'a> {
    /// The quads emitted so far that mention a blank node.
    pub with_blanks: Vec<Quad<'a>>,
    /// The quads emitted so far that mention no blank node.
    pub plain: Vec<Quad<'a>>,
    /// How many blank nodes have been allocated.
    pub blank_count: u32,
    depth: usize,
}

/// A key of a node object, classified by what it expands to.
enum Key {
    Type,
    Id,
    Skip,
    Property(Cow<'static, str>, Option<&'static TermDef>),
    /// Expands to no usable IRI: the generic path drops scalars but keeps nested type quads.
    Dropped,
}

impl<'a> Walker<'a> {
    /// An empty walker.
    pub fn new() -> Self {
        Walker {
            with_blanks: Vec::with_capacity(64),
            plain: Vec::with_capacity(64),
            blank_count: 0,
            depth: 0,
        }
    }

    /// Walks a top-level node object whose `@context` is `context`, ignoring the keys in
    /// `skip` (such as `proof` when canonicalizing the document a proof covers).
    pub fn top(
        &mut self,
        context: &Value,
        node: &'a Map<String, Value>,
        skip: &[&str],
    ) -> Result<(), Decline> {
        let ctx = context::apply_document_context(context::initial(), context)?;
        self.node(ctx, node, None, skip)?;
        Ok(())
    }

    fn blank(&mut self) -> Node<'a> {
        self.blank_count += 1;
        Node::Blank(self.blank_count - 1)
    }

    /// One node object: returns its subject after emitting its quads.
    fn node(
        &mut self,
        ctx: &'static Ctx,
        obj: &'a Map<String, Value>,
        graph: Option<u32>,
        skip: &[&str],
    ) -> Result<Node<'a>, Decline> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Decline);
        }
        let mut type_entry = None;
        let mut id_entry = None;
        for (key, value) in obj {
            if key == "@context" || skip.contains(&key.as_str()) {
                continue;
            }
            match ctx.keyword_of(key) {
                Some(Mapping::Type) if type_entry.is_none() => type_entry = Some((key, value)),
                Some(Mapping::Id) if id_entry.is_none() => id_entry = Some((key, value)),
                Some(_) => return Err(Decline),
                None => {}
            }
        }

        let type_ctx = ctx;
        let mut ctx = ctx;
        let mut types: Vec<&'a str> = Vec::new();
        if let Some((_, value)) = type_entry {
            types = type_strings(value)?;
            types.sort_unstable();
            for t in &types {
                if let Some(scoped) = type_ctx.terms.get(*t).and_then(|d| d.scoped) {
                    ctx = context::apply_scoped(ctx, scoped, false, false)?;
                }
            }
        }

        let subject = match id_entry {
            Some((_, Value::String(id))) => Node::Iri(Cow::Borrowed(expand_id(ctx, id)?)),
            Some(_) => return Err(Decline),
            None => self.blank(),
        };
        for t in types {
            let iri = expand_vocab(type_ctx, t)?;
            self.push(
                subject.clone(),
                RDF_TYPE.into(),
                Object::Node(Node::Iri(iri)),
                graph,
            );
        }

        for (key, value) in obj {
            if key == "@context" || skip.contains(&key.as_str()) {
                continue;
            }
            let is_keyword_entry =
                |entry: Option<(&String, &Value)>| entry.is_some_and(|e| e.0 == key);
            match classify(ctx, key)? {
                Key::Type if is_keyword_entry(type_entry) => {}
                Key::Id if is_keyword_entry(id_entry) => {}
                // A type-scoped context turned a key into a keyword, or a keyword into a term.
                Key::Type | Key::Id => return Err(Decline),
                _ if is_keyword_entry(type_entry) || is_keyword_entry(id_entry) => {
                    return Err(Decline);
                }
                // A key that expands to nothing would be dropped from the RDF form, so a
                // signature would not cover it: the generic path, in safe mode, refuses it.
                Key::Skip | Key::Dropped => return Err(Decline),
                Key::Property(iri, def) => {
                    let target = (subject.clone(), iri, graph);
                    self.property(ctx, key, def, value, target)?;
                }
            }
        }
        self.depth -= 1;
        Ok(subject)
    }

    /// The values of one property; `target` is the subject, predicate and graph.
    fn property(
        &mut self,
        ctx: &'static Ctx,
        key: &str,
        def: Option<&'static TermDef>,
        value: &'a Value,
        target: Target<'a>,
    ) -> Result<(), Decline> {
        if def.is_some_and(|d| d.type_mapping == Some(TypeMapping::Json)) {
            return Err(Decline);
        }
        let container = def.map_or(Container::None, |d| d.container);
        if container == Container::List {
            let items: &[Value] = match value {
                Value::Array(items) => items,
                Value::Object(_) => return Err(Decline),
                other => std::slice::from_ref(other),
            };
            return self.list(ctx, key, def, items, target);
        }
        let items = match value {
            Value::Array(items) => items.as_slice(),
            other => std::slice::from_ref(other),
        };
        let (subject, predicate, graph) = target;
        for item in items {
            let object = match item {
                Value::Null => continue,
                Value::Array(_) => return Err(Decline),
                Value::Object(map) if container == Container::Graph => {
                    let name = self.blank();
                    let Node::Blank(g) = name else {
                        return Err(Decline);
                    };
                    let inner = child_context(ctx, def, map)?;
                    self.node(inner, map, Some(g), &[])?;
                    Object::Node(name)
                }
                Value::Object(map) => {
                    let inner = child_context(ctx, def, map)?;
                    Object::Node(self.node(inner, map, graph, &[])?)
                }
                _ if container == Container::Graph => return Err(Decline),
                scalar => scalar_object(ctx, key, def, scalar)?,
            };
            self.push(subject.clone(), predicate.clone(), object, graph);
        }
        Ok(())
    }

    /// An `@list` container: an RDF collection of the non-null items.
    fn list(
        &mut self,
        ctx: &'static Ctx,
        key: &str,
        def: Option<&'static TermDef>,
        items: &'a [Value],
        target: Target<'a>,
    ) -> Result<(), Decline> {
        let (subject, predicate, graph) = target;
        let mut previous: Option<Node<'a>> = None;
        for item in items {
            let object = match item {
                Value::Null => continue,
                Value::Array(_) => return Err(Decline),
                Value::Object(map) => {
                    let inner = child_context(ctx, def, map)?;
                    Object::Node(self.node(inner, map, graph, &[])?)
                }
                scalar => scalar_object(ctx, key, def, scalar)?,
            };
            let cell = self.blank();
            let link = Object::Node(cell.clone());
            match previous.take() {
                Some(p) => self.push(p, RDF_REST.into(), link, graph),
                None => self.push(subject.clone(), predicate.clone(), link, graph),
            }
            self.push(cell.clone(), RDF_FIRST.into(), object, graph);
            previous = Some(cell);
        }
        let nil = Object::Node(Node::Iri(RDF_NIL.into()));
        match previous {
            Some(last) => self.push(last, RDF_REST.into(), nil, graph),
            None => self.push(subject, predicate, nil, graph),
        }
        Ok(())
    }

    fn push(&mut self, s: Node<'a>, p: Cow<'a, str>, o: Object<'a>, g: Option<u32>) {
        let quad = Quad { s, p, o, g };
        if canon::has_blank(&quad) {
            self.with_blanks.push(quad);
        } else {
            self.plain.push(quad);
        }
    }
}

/// Where a property's values go: subject, predicate and graph.
type Target<'a> = (Node<'a>, Cow<'a, str>, Option<u32>);

/// The active context for a nested node object: the parent's type-scoped context is dropped
/// unless the generic path sees the map as a lone `@id`, then the property's scoped context
/// applies, then the map's own `@context` (supported URLs only, as for a document).
fn child_context(
    ctx: &'static Ctx,
    def: Option<&'static TermDef>,
    map: &Map<String, Value>,
) -> Result<&'static Ctx, Decline> {
    let mut inner = ctx;
    if let Some(previous) = ctx.previous
        && !is_single_id(ctx, map)?
    {
        inner = previous;
    }
    if let Some(scoped) = def.and_then(|d| d.scoped) {
        inner = context::apply_scoped(inner, scoped, true, true)?;
    }
    if let Some(embedded) = map.get("@context") {
        inner = context::apply_document_context(inner, embedded)?;
    }
    Ok(inner)
}

/// The generic path's test for "a map holding only `@id`": keys are read in order, `@type`
/// before `@id` makes it a node, and `@id` then `@type` counts as a lone `@id`.
fn is_single_id(ctx: &'static Ctx, map: &Map<String, Value>) -> Result<bool, Decline> {
    let mut seen_id = false;
    let mut seen_type = false;
    for key in map.keys() {
        match expand_key(ctx, key)? {
            Expanded::Keyword("@index" | "@context") | Expanded::None => {}
            Expanded::Keyword("@type") => seen_type = true,
            Expanded::Keyword("@value" | "@language" | "@direction") => return Err(Decline),
            Expanded::Keyword("@id") if !seen_type => seen_id = true,
            _ => return Ok(false),
        }
    }
    Ok(seen_id)
}

enum Expanded {
    Keyword(&'static str),
    Iri(Cow<'static, str>, Option<&'static TermDef>),
    Relative,
    None,
}

/// Vocabulary-relative expansion of a key, as the generic path does it.
fn expand_key(ctx: &'static Ctx, key: &str) -> Result<Expanded, Decline> {
    if has_keyword_form(key) {
        return Ok(context::keyword(key).map_or(Expanded::None, Expanded::Keyword));
    }
    if let Some(def) = ctx.terms.get(key) {
        return match &def.mapping {
            Mapping::Iri(iri) => Ok(Expanded::Iri(Cow::Borrowed(iri), Some(def))),
            Mapping::Id => Ok(Expanded::Keyword("@id")),
            Mapping::Type => Ok(Expanded::Keyword("@type")),
            Mapping::Null => Ok(Expanded::None),
            Mapping::OtherKeyword | Mapping::Unusable => Err(Decline),
        };
    }
    if key.contains(':') || key.starts_with('@') {
        return Err(Decline);
    }
    match &ctx.vocab {
        Some(vocab) => {
            let iri = format!("{vocab}{key}");
            if is_absolute_iri(&iri) {
                Ok(Expanded::Iri(Cow::Owned(iri), None))
            } else {
                Err(Decline)
            }
        }
        None => Ok(Expanded::Relative),
    }
}

fn classify(ctx: &'static Ctx, key: &str) -> Result<Key, Decline> {
    Ok(match expand_key(ctx, key)? {
        Expanded::Keyword("@type") => Key::Type,
        Expanded::Keyword("@id") => Key::Id,
        Expanded::Keyword(_) => return Err(Decline),
        Expanded::Iri(iri, def) => Key::Property(iri, def),
        Expanded::None => Key::Skip,
        Expanded::Relative => Key::Dropped,
    })
}

fn type_strings(value: &Value) -> Result<Vec<&str>, Decline> {
    match value {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) => items.iter().map(|v| v.as_str().ok_or(Decline)).collect(),
        _ => Err(Decline),
    }
}

/// Document-relative expansion of an `@id` (or an `@type: @id` string): only absolute IRIs,
/// possibly through a prefix term, are handled.
fn expand_id<'a>(ctx: &'static Ctx, id: &'a str) -> Result<&'a str, Decline> {
    if has_keyword_form(id) || id.starts_with('@') {
        return Err(Decline);
    }
    if let Some(def) = ctx.terms.get(id)
        && !matches!(def.mapping, Mapping::Iri(_))
    {
        return Err(Decline);
    }
    let (prefix, suffix) = id.split_once(':').ok_or(Decline)?;
    if prefix == "_" {
        return Err(Decline);
    }
    if !suffix.starts_with("//") && ctx.terms.get(prefix).is_some_and(|d| d.prefix) {
        return Err(Decline);
    }
    if is_absolute_iri(id) {
        Ok(id)
    } else {
        Err(Decline)
    }
}

/// Vocabulary-relative expansion of a type or an `@type: @vocab` string.
fn expand_vocab<'a>(ctx: &'static Ctx, value: &'a str) -> Result<Cow<'a, str>, Decline> {
    if value.starts_with('@') {
        return Err(Decline);
    }
    if let Some(def) = ctx.terms.get(value) {
        return match &def.mapping {
            Mapping::Iri(iri) => Ok(Cow::Borrowed(iri)),
            _ => Err(Decline),
        };
    }
    if let Some((prefix, suffix)) = value.split_once(':') {
        if prefix == "_" {
            return Err(Decline);
        }
        if !suffix.starts_with("//") && ctx.terms.get(prefix).is_some_and(|d| d.prefix) {
            return Err(Decline);
        }
        return if is_absolute_iri(value) {
            Ok(Cow::Borrowed(value))
        } else {
            Err(Decline)
        };
    }
    let vocab = ctx.vocab.as_deref().ok_or(Decline)?;
    let iri = format!("{vocab}{value}");
    if is_absolute_iri(&iri) {
        Ok(Cow::Owned(iri))
    } else {
        Err(Decline)
    }
}

/// A string, number or boolean value of property `key`, through the property's scoped context
/// (applied without overriding protection, as the generic path does for scalars).
fn scalar_object<'a>(
    ctx: &'static Ctx,
    key: &str,
    def: Option<&'static TermDef>,
    value: &'a Value,
) -> Result<Object<'a>, Decline> {
    let mut ctx = ctx;
    let mut def = def;
    if let Some(scoped) = def.and_then(|d| d.scoped) {
        ctx = context::apply_scoped(ctx, scoped, false, true)?;
        def = ctx.terms.get(key);
    }
    let type_mapping = def.and_then(|d| d.type_mapping.as_ref());
    let datatype: Option<&'static str> = match type_mapping {
        Some(TypeMapping::Datatype(dt)) => Some(dt),
        Some(TypeMapping::Json) => return Err(Decline),
        _ => None,
    };
    Ok(match value {
        Value::String(s) => match type_mapping {
            Some(TypeMapping::Id) => Object::Node(Node::Iri(Cow::Borrowed(expand_id(ctx, s)?))),
            Some(TypeMapping::Vocab) => Object::Node(Node::Iri(expand_vocab(ctx, s)?)),
            _ => Object::Literal(Cow::Borrowed(s), datatype.unwrap_or(XSD_STRING)),
        },
        Value::Bool(b) => {
            let text = if *b { "true" } else { "false" };
            Object::Literal(Cow::Borrowed(text), datatype.unwrap_or(XSD_BOOLEAN))
        }
        Value::Number(n) => {
            let always_double = datatype == Some(XSD_DOUBLE);
            let (text, is_integer) = canonical_number(&n.to_string(), always_double)?;
            let default = if is_integer { XSD_INTEGER } else { XSD_DOUBLE };
            Object::Literal(Cow::Owned(text), datatype.unwrap_or(default))
        }
        Value::Null | Value::Array(_) | Value::Object(_) => return Err(Decline),
    })
}

/// The JSON-LD to RDF number rule, applied to the JSON text of the number: integers below
/// 10^21 in plain decimal form, everything else as a canonical `xsd:double` (`1.5E0`).
/// Returns the lexical form and whether it is an integer.
pub fn canonical_number(text: &str, always_double: bool) -> Result<(String, bool), Decline> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().map_err(|_| Decline)?),
        None => (unsigned, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !(int_part.bytes().all(|b| b.is_ascii_digit())
        && frac_part.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Decline);
    }
    // Normalize to 0.DIGITS × 10^exp with no leading or trailing zeros in DIGITS.
    let mut int_part = int_part.trim_start_matches('0');
    let mut frac_part = frac_part.trim_end_matches('0');
    let mut exp = exp;
    if frac_part.is_empty() {
        let trimmed = int_part.trim_end_matches('0');
        exp = exp
            .checked_add((int_part.len() - trimmed.len()) as i64)
            .ok_or(Decline)?;
        int_part = trimmed;
    }
    if int_part.is_empty() {
        let trimmed = frac_part.trim_start_matches('0');
        exp = exp
            .checked_sub((frac_part.len() - trimmed.len()) as i64)
            .ok_or(Decline)?;
        frac_part = trimmed;
    }
    exp = exp.checked_add(int_part.len() as i64).ok_or(Decline)?;
    if int_part.is_empty() && frac_part.is_empty() {
        int_part = "0";
        exp = 1;
    }
    let mut out = String::with_capacity(text.len() + 4);
    if negative && int_part != "0" {
        out.push('-');
    }
    let digits = (int_part.len() + frac_part.len()) as i64;
    if !always_double && exp >= digits && exp < 21 {
        out.push_str(int_part);
        out.push_str(frac_part);
        out.extend(std::iter::repeat_n('0', (exp - digits) as usize));
        return Ok((out, true));
    }
    let mut all = int_part.chars().chain(frac_part.chars());
    out.push(all.next().ok_or(Decline)?);
    out.push('.');
    if digits == 1 {
        out.push('0');
    } else {
        out.extend(all);
    }
    out.push('E');
    out.push_str(&(exp - 1).to_string());
    Ok((out, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_take_the_json_ld_canonical_forms() {
        let cases = [
            ("12", false, "12", true),
            ("-12", false, "-12", true),
            ("1.0", false, "1", true),
            ("1.5", false, "1.5E0", false),
            ("-0.0", false, "0", true),
            ("0.0", true, "0.0E0", false),
            ("1e21", false, "1.0E21", false),
            // The generic path counts the exponent this way too (the JSON-LD text says
            // integer); serde_json never writes integers in exponent form.
            ("1e20", false, "1.0E20", false),
            ("12345678901234567890", false, "12345678901234567890", true),
            ("0.001234", false, "1.234E-3", false),
            ("12345.6", false, "1.23456E4", false),
            ("7", true, "7.0E0", false),
        ];
        for (text, double, expected, integer) in cases {
            let got = canonical_number(text, double).unwrap();
            assert_eq!(got, (expected.to_owned(), integer), "{text}");
        }
    }
}
