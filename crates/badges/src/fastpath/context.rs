//! Active contexts for the fast path: a compact JSON-LD 1.1 context processor for the bundled
//! contexts it supports, and a process-wide memo of every context it has derived.
//!
//! The processor follows the Context Processing and Create Term Definition algorithms of the
//! JSON-LD 1.1 API for the features the supported contexts use (`@protected`, `@vocab`,
//! `@version`, `@propagate`, keyword aliases, term definitions with `@id`, `@type`,
//! `@container` of `@set`, `@list` or `@graph`, and scoped `@context`). Where the generic
//! processor (`oxjsonld`) departs from the specification, this module copies it, since the
//! generic path is the reference. Every other feature makes the processor decline.
//!
//! Derived contexts (a document's top-level context, then type-scoped and property-scoped
//! contexts applied to it) are computed once and leaked into `'static` memory so the hot
//! path borrows their IRIs without reference counting. Their number is capped by
//! [`MAX_CACHED_CONTEXTS`]; past the cap the fast path declines.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{OnceLock, RwLock};

use serde_json::{Map, Value};

use super::Decline;
use crate::contexts;

/// How many derived contexts the process keeps at most (each is a copy of a term table, some
/// 20 KB). Realistic documents reach a few dozen; the cap bounds the memory a hostile stream
/// of documents could pin to about 20 MB.
pub const MAX_CACHED_CONTEXTS: usize = 1024;

/// The context URLs the fast path accepts in a document's `@context`.
pub const SUPPORTED_CONTEXTS: &[&str] = &[
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2",
    "https://www.w3.org/ns/credentials/undefined-terms/v2",
    "https://w3id.org/security/data-integrity/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    "https://www.w3.org/2018/credentials/v1",
    "https://www.w3.org/ns/credentials/status/v1",
    "https://w3id.org/security/data-integrity/v1",
    "https://w3id.org/security/suites/ed25519-2020/v1",
];

/// A hash map with a multiply-rotate hash. Its keys are fixed by the bundled contexts and the
/// memo; documents only look keys up, so hash flooding cannot grow them.
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;

/// A small non-cryptographic hasher (the FxHash construction) for short keys.
#[derive(Debug, Default, Clone, Copy)]
pub struct WordHasher {
    hash: u64,
}

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// What a term's `@id` resolved to.
#[derive(Debug, Clone, PartialEq)]
pub enum Mapping {
    /// An absolute IRI (checked with [`is_absolute_iri`]).
    Iri(Box<str>),
    /// An alias of `@id`.
    Id,
    /// An alias of `@type`.
    Type,
    /// An alias of any other keyword; the fast path declines when it is used.
    OtherKeyword,
    /// Explicitly `null`: the term is ignored.
    Null,
    /// A relative or otherwise unusable IRI; the fast path declines when it is used.
    Unusable,
}

/// A term's `@type` mapping.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeMapping {
    /// `@id`: strings are IRIs.
    Id,
    /// `@vocab`: strings are vocabulary-relative IRIs.
    Vocab,
    /// `@json`: the value is a JSON literal (the fast path declines).
    Json,
    /// A datatype IRI for literals.
    Datatype(Box<str>),
}

/// A term's `@container` mapping, restricted to the kinds the fast path handles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Container {
    /// No container, or `@set` (the same in RDF).
    None,
    /// `@set`.
    Set,
    /// `@list`: an RDF collection.
    List,
    /// `@graph` (optionally with `@set`): each value is a node in a new blank-node graph.
    Graph,
}

/// One term definition.
#[derive(Debug, Clone)]
pub struct TermDef {
    /// The IRI or keyword the term expands to.
    pub mapping: Mapping,
    /// Whether the term may be used as the prefix of a compact IRI.
    pub prefix: bool,
    /// Whether the term is protected from redefinition.
    pub protected: bool,
    /// Whether the term was created as a dependency of another term, where the generic
    /// processor's protection flag depends on hash-map order; any later redefinition declines.
    pub weak: bool,
    /// The `@type` mapping.
    pub type_mapping: Option<TypeMapping>,
    /// The `@container` mapping.
    pub container: Container,
    /// The scoped context and the URL of the context document that defined it.
    pub scoped: Option<(&'static Value, &'static str)>,
}

impl TermDef {
    /// Equality as the protected-term check sees it (everything but the protection flags).
    fn same_as(&self, other: &TermDef) -> bool {
        self.mapping == other.mapping
            && self.prefix == other.prefix
            && self.type_mapping == other.type_mapping
            && self.container == other.container
            && match (self.scoped, other.scoped) {
                (None, None) => true,
                (Some((a, ua)), Some((b, ub))) => ua == ub && a == b,
                _ => false,
            }
    }
}

/// An active context. Contexts are immutable once built and live for the whole process.
#[derive(Debug, Clone)]
pub struct Ctx {
    id: u64,
    /// The term definitions.
    pub terms: FastMap<Box<str>, TermDef>,
    /// The vocabulary mapping.
    pub vocab: Option<Box<str>>,
    /// The context to return to when entering a nested node (after type-scoped contexts).
    pub previous: Option<&'static Ctx>,
    /// The terms that alias `@id` or `@type`, for a quick first look at a node's keys.
    pub aliases: Vec<(Box<str>, Mapping)>,
}

impl Ctx {
    /// `@id` or `@type` when `key` is that keyword or one of its aliases here.
    pub fn keyword_of(&self, key: &str) -> Option<&Mapping> {
        match key {
            "@id" => Some(&Mapping::Id),
            "@type" => Some(&Mapping::Type),
            _ => self
                .aliases
                .iter()
                .find(|(t, _)| **t == *key)
                .map(|(_, m)| m),
        }
    }
}

/// The memo key: a context, a local context (by address), override-protected and propagate.
type MemoKey = (u64, usize, bool, bool);

struct Registry {
    empty: &'static Ctx,
    documents: HashMap<&'static str, &'static Value>,
    memo: RwLock<Memo>,
}

struct Memo {
    next_id: u64,
    derived: FastMap<MemoKey, Option<&'static Ctx>>,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut documents = HashMap::new();
        for url in SUPPORTED_CONTEXTS {
            let Some(bundled) = contexts::lookup(url) else {
                continue;
            };
            let Ok(doc) = serde_json::from_str::<Value>(bundled.json) else {
                continue;
            };
            if let Some(ctx) = doc.get("@context") {
                let leaked: &'static Value = Box::leak(Box::new(ctx.clone()));
                documents.insert(*url, leaked);
            }
        }
        let empty: &'static Ctx = Box::leak(Box::new(Ctx {
            id: 0,
            terms: FastMap::default(),
            vocab: None,
            previous: None,
            aliases: Vec::new(),
        }));
        Registry {
            empty,
            documents,
            memo: RwLock::new(Memo {
                next_id: 1,
                derived: FastMap::default(),
            }),
        }
    })
}

/// The initial (empty) active context.
pub fn initial() -> &'static Ctx {
    registry().empty
}

/// Applies a document's `@context` value (a supported URL or an array of them).
pub fn apply_document_context(ctx: &'static Ctx, value: &Value) -> Result<&'static Ctx, Decline> {
    let reg = registry();
    let url_ctx = |ctx: &'static Ctx, v: &Value| match v {
        Value::String(url) => {
            let local = reg.documents.get(url.as_str()).ok_or(Decline)?;
            derive(ctx, local, url_of(reg, url)?, false, true)
        }
        _ => Err(Decline),
    };
    match value {
        Value::Array(items) => items.iter().try_fold(ctx, url_ctx),
        other => url_ctx(ctx, other),
    }
}

fn url_of(reg: &Registry, url: &str) -> Result<&'static str, Decline> {
    reg.documents
        .get_key_value(url)
        .map(|(k, _)| *k)
        .ok_or(Decline)
}

/// Applies a scoped context from a term definition, memoized.
pub fn apply_scoped(
    ctx: &'static Ctx,
    scoped: (&'static Value, &'static str),
    override_protected: bool,
    propagate: bool,
) -> Result<&'static Ctx, Decline> {
    derive(ctx, scoped.0, scoped.1, override_protected, propagate)
}

fn derive(
    ctx: &'static Ctx,
    local: &'static Value,
    base: &'static str,
    override_protected: bool,
    propagate: bool,
) -> Result<&'static Ctx, Decline> {
    let key: MemoKey = (
        ctx.id,
        local as *const Value as usize,
        override_protected,
        propagate,
    );
    let memo = &registry().memo;
    if let Some(found) = memo.read().map_err(|_| Decline)?.derived.get(&key) {
        return found.ok_or(Decline);
    }
    let built = process(ctx, local, base, override_protected, propagate).ok();
    let mut guard = memo.write().map_err(|_| Decline)?;
    if let Some(found) = guard.derived.get(&key) {
        return found.ok_or(Decline);
    }
    if guard.derived.len() >= MAX_CACHED_CONTEXTS {
        return Err(Decline);
    }
    let leaked = built.map(|mut c| {
        c.id = guard.next_id;
        guard.next_id += 1;
        &*Box::leak(Box::new(c))
    });
    guard.derived.insert(key, leaked);
    leaked.ok_or(Decline)
}

/// The Context Processing algorithm for one local context (already dereferenced).
fn process(
    active: &'static Ctx,
    local: &'static Value,
    base: &'static str,
    override_protected: bool,
    mut propagate: bool,
) -> Result<Ctx, Decline> {
    let mut result = active.clone();
    if let Value::Object(map) = local
        && let Some(p) = map.get("@propagate")
    {
        propagate = p.as_bool().ok_or(Decline)?;
    }
    if !propagate && result.previous.is_none() {
        result.previous = Some(active);
    }
    let items = match local {
        Value::Array(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    for item in items {
        // Remote references, `null` and anything but an object are outside what we handle
        // inside bundled contexts (none of the supported ones use them).
        let Value::Object(map) = item else {
            return Err(Decline);
        };
        process_object(&mut result, map, base, override_protected)?;
    }
    result.aliases = result
        .terms
        .iter()
        .filter(|(_, d)| matches!(d.mapping, Mapping::Id | Mapping::Type))
        .map(|(t, d)| (t.clone(), d.mapping.clone()))
        .collect();
    Ok(result)
}

fn process_object(
    result: &mut Ctx,
    map: &'static Map<String, Value>,
    base: &'static str,
    override_protected: bool,
) -> Result<(), Decline> {
    let mut protected = false;
    for (key, value) in map {
        match key.as_str() {
            "@version" if value.as_f64() != Some(1.1) => return Err(Decline),
            "@version" => {}
            "@vocab" => {
                result.vocab = match value {
                    Value::Null => None,
                    Value::String(v) => Some(vocab_iri(result, v)?.into()),
                    _ => return Err(Decline),
                };
            }
            "@protected" => protected = value.as_bool().ok_or(Decline)?,
            "@propagate" => {
                value.as_bool().ok_or(Decline)?;
            }
            // @base, @import, @language, @direction and anything unknown.
            k if k.starts_with('@') => return Err(Decline),
            _ => {}
        }
    }
    let mut builder = Builder {
        result,
        local: map,
        base,
        defined: HashMap::new(),
    };
    for term in map.keys().filter(|k| !k.starts_with('@')) {
        builder.define(term, protected, override_protected, false)?;
    }
    Ok(())
}

/// `@vocab` values: only absolute IRIs are handled.
fn vocab_iri(result: &Ctx, value: &str) -> Result<String, Decline> {
    let prefix = value.split_once(':').map(|(p, _)| p).ok_or(Decline)?;
    if result.terms.contains_key(prefix) || !is_absolute_iri(value) {
        return Err(Decline);
    }
    Ok(value.to_owned())
}

struct Builder<'r> {
    result: &'r mut Ctx,
    local: &'static Map<String, Value>,
    base: &'static str,
    defined: HashMap<&'static str, bool>,
}

impl Builder<'_> {
    /// Create Term Definition, restricted to the supported features.
    fn define(
        &mut self,
        term: &str,
        protected_default: bool,
        override_protected: bool,
        dependency: bool,
    ) -> Result<(), Decline> {
        let (term, value) = self.local.get_key_value(term).ok_or(Decline)?;
        match self.defined.get(term.as_str()) {
            Some(true) => return Ok(()),
            Some(false) => return Err(Decline),
            None => {}
        }
        if term.is_empty() || term.starts_with('@') {
            return Err(Decline);
        }
        self.defined.insert(term, false);
        let previous = self.result.terms.remove(term.as_str());
        let owned;
        let value: &Map<String, Value> = match value {
            Value::Null => {
                owned = Map::from_iter([("@id".to_owned(), Value::Null)]);
                &owned
            }
            Value::String(id) => {
                owned = Map::from_iter([("@id".to_owned(), Value::String(id.clone()))]);
                &owned
            }
            Value::Object(map) => map,
            _ => return Err(Decline),
        };
        let allowed = ["@id", "@type", "@container", "@context", "@protected"];
        if value.keys().any(|k| !allowed.contains(&k.as_str())) {
            return Err(Decline);
        }
        let protected = match value.get("@protected") {
            Some(p) => p.as_bool().ok_or(Decline)?,
            None => protected_default,
        };
        let type_mapping = match value.get("@type") {
            None => None,
            Some(Value::String(t)) => Some(self.type_mapping(t)?),
            Some(_) => return Err(Decline),
        };
        let (mapping, prefix) = self.mapping(term, value.get("@id"))?;
        let container = match value.get("@container") {
            None => Container::None,
            Some(c) => container(c)?,
        };
        let scoped = match value.get("@context") {
            Some(_) => {
                let Some(Value::Object(map)) = self.local.get(term.as_str()) else {
                    return Err(Decline);
                };
                let scoped: &'static Value = map.get("@context").ok_or(Decline)?;
                Some((scoped, self.base))
            }
            None => None,
        };
        let mut def = TermDef {
            mapping,
            prefix,
            protected: protected && !dependency,
            weak: dependency,
            type_mapping,
            container,
            scoped,
        };
        if !override_protected && let Some(previous) = previous {
            if previous.weak && !def.same_as(&previous) {
                return Err(Decline);
            }
            if previous.protected || previous.weak {
                if !def.same_as(&previous) {
                    return Err(Decline);
                }
                def = previous;
            }
        }
        self.result.terms.insert(term.as_str().into(), def);
        self.defined.insert(term, true);
        Ok(())
    }

    fn type_mapping(&mut self, value: &str) -> Result<TypeMapping, Decline> {
        match self.expand(value)? {
            Expanded::Keyword("@id") => Ok(TypeMapping::Id),
            Expanded::Keyword("@vocab") => Ok(TypeMapping::Vocab),
            Expanded::Keyword("@json") => Ok(TypeMapping::Json),
            Expanded::Iri(iri) if is_absolute_iri(&iri) => Ok(TypeMapping::Datatype(iri.into())),
            _ => Err(Decline),
        }
    }

    fn mapping(&mut self, term: &str, id: Option<&Value>) -> Result<(Mapping, bool), Decline> {
        let id = match id {
            Some(Value::String(id)) if id == term => None,
            other => other,
        };
        match id {
            None => {
                if term.contains(':') || term.contains('/') {
                    return Err(Decline);
                }
                let vocab = self.result.vocab.as_deref().ok_or(Decline)?;
                let iri = format!("{vocab}{term}");
                Ok((checked(iri), false))
            }
            Some(Value::Null) => Ok((Mapping::Null, false)),
            Some(Value::String(id)) => {
                if term.contains(':') || term.contains('/') {
                    return Err(Decline);
                }
                let mapping = match self.expand(id)? {
                    Expanded::Keyword("@id") => Mapping::Id,
                    Expanded::Keyword("@type") => Mapping::Type,
                    Expanded::Keyword("@context") => return Err(Decline),
                    Expanded::Keyword(_) => Mapping::OtherKeyword,
                    Expanded::Null => return Err(Decline),
                    Expanded::Iri(iri) => checked(iri),
                };
                let prefix = match &mapping {
                    Mapping::Iri(iri) => iri.ends_with([':', '/', '?', '#', '[', ']', '@']),
                    _ => false,
                };
                Ok((mapping, prefix))
            }
            Some(_) => Err(Decline),
        }
    }

    /// IRI expansion inside a context (vocabulary-relative, not document-relative), creating
    /// the definitions it depends on first, as the generic processor does.
    fn expand(&mut self, value: &str) -> Result<Expanded, Decline> {
        if has_keyword_form(value) {
            return match keyword(value) {
                Some(k) => Ok(Expanded::Keyword(k)),
                None => Ok(Expanded::Null),
            };
        }
        if self.local.contains_key(value) && self.defined.get(value) != Some(&true) {
            self.define(value, false, false, true)?;
        }
        if let Some(def) = self.result.terms.get(value) {
            return Ok(match &def.mapping {
                Mapping::Iri(iri) => Expanded::Iri(iri.to_string()),
                Mapping::Id => Expanded::Keyword("@id"),
                Mapping::Type => Expanded::Keyword("@type"),
                Mapping::Null => Expanded::Null,
                Mapping::OtherKeyword | Mapping::Unusable => return Err(Decline),
            });
        }
        if let Some((prefix, suffix)) = value.split_once(':') {
            if prefix == "_" || suffix.starts_with("//") {
                return Ok(Expanded::Iri(value.to_owned()));
            }
            if self.local.contains_key(prefix) && self.defined.get(prefix) != Some(&true) {
                self.define(prefix, false, false, true)?;
            }
            if let Some(def) = self.result.terms.get(prefix)
                && def.prefix
                && let Mapping::Iri(iri) = &def.mapping
            {
                return Ok(Expanded::Iri(format!("{iri}{suffix}")));
            }
            if is_absolute_iri(value) {
                return Ok(Expanded::Iri(value.to_owned()));
            }
            return Err(Decline);
        }
        match &self.result.vocab {
            Some(vocab) => Ok(Expanded::Iri(format!("{vocab}{value}"))),
            None => Ok(Expanded::Iri(value.to_owned())),
        }
    }
}

enum Expanded {
    Keyword(&'static str),
    Iri(String),
    Null,
}

fn checked(iri: String) -> Mapping {
    if is_absolute_iri(&iri) {
        Mapping::Iri(iri.into())
    } else {
        Mapping::Unusable
    }
}

fn container(value: &Value) -> Result<Container, Decline> {
    let mut kinds: Vec<&str> = match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().ok_or(Decline))
            .collect::<Result<_, _>>()?,
        _ => return Err(Decline),
    };
    kinds.sort_unstable();
    match kinds.as_slice() {
        ["@set"] => Ok(Container::Set),
        ["@list"] => Ok(Container::List),
        ["@graph"] | ["@graph", "@set"] => Ok(Container::Graph),
        _ => Err(Decline),
    }
}

/// Whether a string has the form of a keyword (`@` followed by ASCII letters only).
pub fn has_keyword_form(value: &str) -> bool {
    value
        .strip_prefix('@')
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// The JSON-LD 1.1 keyword a string names, if any.
pub fn keyword(value: &str) -> Option<&'static str> {
    const KEYWORDS: &[&str] = &[
        "@base",
        "@container",
        "@context",
        "@direction",
        "@graph",
        "@id",
        "@import",
        "@included",
        "@index",
        "@json",
        "@language",
        "@list",
        "@nest",
        "@none",
        "@prefix",
        "@propagate",
        "@protected",
        "@reverse",
        "@set",
        "@type",
        "@value",
        "@version",
        "@vocab",
    ];
    KEYWORDS.iter().copied().find(|k| *k == value)
}

/// A strict check for absolute IRIs: a subset of RFC 3987 that the generic path's IRI parser
/// accepts unchanged. ASCII only; anything unusual answers `false` so the caller declines.
pub fn is_absolute_iri(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    let mut scheme_bytes = scheme.bytes();
    let scheme_ok = scheme_bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme_bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return false;
    }
    let (before_fragment, fragment) = match rest.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (rest, None),
    };
    let (hier, query) = match before_fragment.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (before_fragment, None),
    };
    let path = match hier.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            if !authority_ok(&after[..end]) {
                return false;
            }
            &after[end..]
        }
        None => hier,
    };
    let extra_ok = |s: &str, extra: &[u8]| chars_ok(s, extra);
    extra_ok(path, b":@/")
        && query.is_none_or(|q| extra_ok(q, b":@/?"))
        && fragment.is_none_or(|f| extra_ok(f, b":@/?"))
}

fn authority_ok(authority: &str) -> bool {
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (host_port, None),
    };
    userinfo.is_none_or(|u| chars_ok(u, b":"))
        && chars_ok(host, b"")
        && port.is_none_or(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// Unreserved, sub-delims, percent-encodings and the given extra characters.
fn chars_ok(s: &str, extra: &[u8]) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).is_some_and(|c| c.is_ascii_hexdigit());
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
            continue;
        }
        let ok = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
            )
            || extra.contains(&b);
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strict_iri_check_accepts_common_identifiers() {
        for iri in [
            "https://example.com/a/b?c=d#e",
            "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
            "xsd:dateTime",
            "http://user@host:8080/p%20q",
            "did:key:z6Mk#z6Mk",
        ] {
            assert!(is_absolute_iri(iri), "{iri}");
        }
    }

    #[test]
    fn the_strict_iri_check_refuses_anything_unusual() {
        for iri in [
            "relative/path",
            "1http://x",
            "http://a b",
            "http://host:port/",
            "http://x/#a#b",
            "http://x/%zz",
            "http://[::1]/",
            "http://x/é",
            "_:b0",
            "http://x/<",
        ] {
            assert!(!is_absolute_iri(iri), "{iri}");
        }
    }

    #[test]
    fn the_supported_contexts_process_and_keep_their_protected_terms() {
        let v2 = apply_document_context(initial(), &Value::from(contexts::CREDENTIALS_V2));
        let ctx = apply_document_context(v2.unwrap(), &Value::from(contexts::OB_V3)).unwrap();
        let alias = &ctx.terms["AchievementCredential"];
        let expected = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential";
        assert_eq!(alias.mapping, Mapping::Iri(expected.into()));
        assert!(ctx.terms["name"].protected);
        assert_eq!(ctx.terms["type"].mapping, Mapping::Type);
    }

    #[test]
    fn unknown_context_urls_are_declined() {
        let url = Value::from("https://example.com/context.json");
        assert!(apply_document_context(initial(), &url).is_err());
    }
}
