//! SVG baking: finding the Open Badges element in an SVG document, and splicing a new one in as
//! the first child of the root `svg` element.
//!
//! The document is read with `quick-xml` to learn byte offsets (the root start tag, each Open
//! Badges element) and then edited as text, so every other byte of the file is kept. Only the
//! root start tag is rewritten, and only when it lacks the right `xmlns:openbadges`
//! declaration or closes itself.
//!
//! An element counts as an Open Badges element when its namespace is one of the two Open Badges
//! namespaces, or when it uses the `openbadges` prefix without declaring it (some bakers forget
//! the declaration). `credential` elements carry OB 3.0, `assertion` elements OB 2.0.

use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::{NsReader, XmlVersion};

use super::{
    BadgeVersion, BakeError, BakeLimits, OB2_SVG_NAMESPACE, OB3_SVG_NAMESPACE, PayloadShape,
};

/// The UTF-8 byte order mark, which may start an XML document.
const BOM: &str = "\u{feff}";
/// The namespace prefix this module writes.
const PREFIX: &str = "openbadges";

/// How far [`scan`] reads and what it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Stop at the root element: is this an SVG at all?
    Probe,
    /// Keep the spans of every Open Badges element.
    Bake,
    /// Also keep the text of the first Open Badges element.
    Unbake,
}

/// The root element's start tag.
#[derive(Debug)]
struct RootTag {
    /// Byte range of the start tag in the document.
    start: usize,
    end: usize,
    /// `<svg .../>`: the document has no content.
    self_closing: bool,
    name: String,
    /// Attributes other than `xmlns:openbadges`, values as written (escaped) in `"` quotes.
    attributes: Vec<(String, String)>,
    /// The raw value of `xmlns:openbadges`, if declared.
    openbadges_namespace: Option<String>,
}

/// One Open Badges element found in the document.
#[derive(Debug)]
struct BadgeElement {
    version: BadgeVersion,
    /// Byte range of the whole element, start tag to end tag.
    start: usize,
    end: usize,
    /// The normalized `verify` attribute.
    verify: Option<String>,
    /// Text and CDATA content, kept for the first element when unbaking.
    body: String,
}

/// What [`scan`] learned about a document.
#[derive(Debug)]
struct Scan {
    root: RootTag,
    badges: Vec<BadgeElement>,
}

/// Tells whether `bytes` start (after a byte order mark and whitespace) with `<`.
pub(super) fn looks_like_xml(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(BOM.as_bytes()).unwrap_or(bytes);
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// Tells whether `bytes` are UTF-8 XML whose root element is named `svg`.
pub(super) fn root_is_svg(bytes: &[u8], limits: &BakeLimits) -> bool {
    split_bom(bytes).is_ok_and(|(_, text)| scan(text, limits, Mode::Probe).is_ok())
}

/// Bakes `payload` into an SVG, replacing any Open Badges element already there.
pub(super) fn bake(
    image: &[u8],
    version: BadgeVersion,
    payload: &str,
    shape: PayloadShape,
    limits: &BakeLimits,
) -> Result<Vec<u8>, BakeError> {
    let (bom, text) = split_bom(image)?;
    let scan = scan(text, limits, Mode::Bake)?;
    let element = badge_element(version, payload, shape)?;
    let namespace = namespace(version);
    let root = &scan.root;

    let mut out = String::with_capacity(image.len() + element.len() + 64);
    out.push_str(bom);
    out.push_str(&text[..root.start]);
    if root.self_closing || root.openbadges_namespace.as_deref() != Some(namespace) {
        out.push_str(&root_start_tag(root, namespace));
    } else {
        out.push_str(&text[root.start..root.end]);
    }
    out.push_str(&element);

    let mut pos = root.end;
    for badge in &scan.badges {
        out.push_str(&text[pos..badge.start]);
        pos = badge.end;
    }
    if root.self_closing {
        out.push_str(&format!("</{}>", root.name));
    }
    out.push_str(&text[pos..]);
    Ok(out.into_bytes())
}

/// Extracts the first Open Badges element of an SVG, after reading the whole document.
///
/// For OB 3.0 a non-empty `verify` attribute (a VC-JWT) wins over the body; for OB 2.0 a
/// non-empty body (the assertion JSON) wins over `verify` (its URL or JWS).
pub(super) fn unbake(
    file: &[u8],
    limits: &BakeLimits,
) -> Result<(BadgeVersion, String), BakeError> {
    let (_, text) = split_bom(file)?;
    let scan = scan(text, limits, Mode::Unbake)?;
    let element = scan
        .badges
        .into_iter()
        .next()
        .ok_or(BakeError::NoCredential)?;

    let verify = element
        .verify
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let body = Some(element.body.trim()).filter(|b| !b.is_empty());
    let (payload, name) = match element.version {
        BadgeVersion::V3 => (verify.or(body), "credential element"),
        BadgeVersion::V2 => (body.or(verify), "assertion element"),
    };
    let payload = payload.ok_or(BakeError::EmptyCredential(name))?;
    if payload.len() > limits.max_payload_bytes {
        return Err(BakeError::PayloadTooLarge {
            size: payload.len(),
            limit: limits.max_payload_bytes,
        });
    }
    Ok((element.version, payload.to_owned()))
}

fn namespace(version: BadgeVersion) -> &'static str {
    match version {
        BadgeVersion::V3 => OB3_SVG_NAMESPACE,
        BadgeVersion::V2 => OB2_SVG_NAMESPACE,
    }
}

/// Splits off a UTF-8 byte order mark and checks that the rest is UTF-8.
fn split_bom(bytes: &[u8]) -> Result<(&'static str, &str), BakeError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| BakeError::SvgMalformed("it is not UTF-8 text".into()))?;
    Ok(match text.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => ("", text),
    })
}

/// The element to bake, with the payload escaped for its place.
fn badge_element(
    version: BadgeVersion,
    payload: &str,
    shape: PayloadShape,
) -> Result<String, BakeError> {
    Ok(match (version, shape) {
        (BadgeVersion::V3, PayloadShape::Json) => format!(
            "<{PREFIX}:credential>{}</{PREFIX}:credential>",
            cdata(payload)
        ),
        (BadgeVersion::V3, _) => {
            format!("<{PREFIX}:credential verify=\"{}\"/>", escape(payload))
        }
        (BadgeVersion::V2, PayloadShape::Json) => format!(
            "<{PREFIX}:assertion verify=\"{}\">{}</{PREFIX}:assertion>",
            escape(hosted_url(payload)?),
            cdata(payload)
        ),
        (BadgeVersion::V2, _) => format!("<{PREFIX}:assertion verify=\"{}\"/>", escape(payload)),
    })
}

/// Wraps text in CDATA. A CDATA section cannot contain `]]>`, so that sequence is split across
/// two sections: `]]` ends the first and `>` starts the second.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

/// The URL an OB 2.0 SVG's `verify` attribute carries for a JSON assertion: `verify.url`, or
/// else the assertion's `id` (where a hosted assertion lives).
fn hosted_url(assertion: &str) -> Result<String, BakeError> {
    let json: serde_json::Value = serde_json::from_str(assertion)
        .map_err(|e| BakeError::InvalidPayload(format!("it does not parse as JSON: {e}")))?;
    json.pointer("/verify/url")
        .and_then(serde_json::Value::as_str)
        .or_else(|| json.get("id").and_then(serde_json::Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| {
            BakeError::InvalidPayload(
                "an Open Badges 2.0 assertion baked into an SVG needs a verify.url or an id \
                 for the element's verify attribute"
                    .into(),
            )
        })
}

/// Rewrites the root start tag with `xmlns:openbadges` set to `namespace`, always open.
fn root_start_tag(root: &RootTag, namespace: &str) -> String {
    let mut tag = format!("<{}", root.name);
    for (key, value) in &root.attributes {
        tag.push_str(&format!(" {key}=\"{value}\""));
    }
    tag.push_str(&format!(" xmlns:{PREFIX}=\"{}\">", escape(namespace)));
    tag
}

/// Reads the document within the limits and reports its root and Open Badges elements.
fn scan(text: &str, limits: &BakeLimits, mode: Mode) -> Result<Scan, BakeError> {
    let mut reader = NsReader::from_str(text);
    let mut scanner = Scanner {
        limits,
        mode,
        depth: 0,
        root: None,
        root_closed: false,
        badges: Vec::new(),
        open_badge_depth: None,
    };

    for events in 1.. {
        if events > limits.max_xml_events {
            return Err(BakeError::XmlTooLong {
                limit: limits.max_xml_events,
            });
        }
        let start = reader.buffer_position() as usize;
        let read = reader
            .read_resolved_event()
            .map(|(namespace, event)| (badge_version(&namespace, &event), event));
        let (version, event) = read.map_err(|e| {
            BakeError::SvgMalformed(format!("{e} (near byte {})", reader.error_position()))
        })?;
        let end = reader.buffer_position() as usize;

        match event {
            Event::DocType(doctype) if doctype.contains('[') => {
                return Err(BakeError::SvgDtdRefused);
            }
            Event::Start(tag) => scanner.open(&tag, version, start..end, false)?,
            Event::Empty(tag) => scanner.open(&tag, version, start..end, true)?,
            Event::End(_) => scanner.close(end),
            Event::Text(text) => scanner.text(&text.xml10_content())?,
            Event::CData(cdata) => scanner.cdata(&cdata.xml10_content())?,
            Event::GeneralRef(reference) => scanner.reference(&reference)?,
            Event::Eof => break,
            _ => {}
        }
        if mode == Mode::Probe && scanner.root.is_some() {
            break;
        }
    }
    scanner.finish(mode)
}

/// Tells which version an element belongs to, if it is an Open Badges element.
fn badge_version(namespace: &ResolveResult<'_>, event: &Event<'_>) -> Option<BadgeVersion> {
    let (Event::Start(tag) | Event::Empty(tag)) = event else {
        return None;
    };
    let in_badge_namespace = match namespace {
        ResolveResult::Bound(Namespace(ns)) => *ns == OB3_SVG_NAMESPACE || *ns == OB2_SVG_NAMESPACE,
        ResolveResult::Unknown(prefix) => prefix == PREFIX,
        ResolveResult::Unbound => false,
    };
    match tag.local_name().as_ref() {
        "credential" if in_badge_namespace => Some(BadgeVersion::V3),
        "assertion" if in_badge_namespace => Some(BadgeVersion::V2),
        _ => None,
    }
}

/// The state of a [`scan`] between events.
struct Scanner<'l> {
    limits: &'l BakeLimits,
    mode: Mode,
    depth: usize,
    root: Option<RootTag>,
    root_closed: bool,
    badges: Vec<BadgeElement>,
    /// The depth at which the Open Badges element being read was opened.
    open_badge_depth: Option<usize>,
}

impl Scanner<'_> {
    fn open(
        &mut self,
        tag: &BytesStart<'_>,
        version: Option<BadgeVersion>,
        span: std::ops::Range<usize>,
        empty: bool,
    ) -> Result<(), BakeError> {
        if self.depth == 0 {
            if self.root.is_some() {
                return Err(malformed("it has more than one root element"));
            }
            self.root = Some(root_tag(tag, span.clone(), empty)?);
        }
        if let (Some(version), None) = (version, self.open_badge_depth) {
            self.badges.push(BadgeElement {
                version,
                start: span.start,
                end: span.end,
                verify: verify_attribute(tag)?,
                body: String::new(),
            });
            if !empty {
                self.open_badge_depth = Some(self.depth);
            }
        }
        if !empty {
            self.depth += 1;
            if self.depth > self.limits.max_xml_depth {
                return Err(BakeError::XmlTooDeep {
                    limit: self.limits.max_xml_depth,
                });
            }
        }
        Ok(())
    }

    fn close(&mut self, end: usize) {
        self.depth = self.depth.saturating_sub(1);
        if self.open_badge_depth == Some(self.depth) {
            self.open_badge_depth = None;
            if let Some(badge) = self.badges.last_mut() {
                badge.end = end;
            }
        }
        if self.depth == 0 {
            self.root_closed = true;
        }
    }

    fn text(&mut self, text: &str) -> Result<(), BakeError> {
        if self.depth == 0 && !text.trim().is_empty() {
            return Err(malformed("it has text outside the root element"));
        }
        self.keep(text)
    }

    fn cdata(&mut self, text: &str) -> Result<(), BakeError> {
        if self.depth == 0 {
            return Err(malformed("it has a CDATA section outside the root element"));
        }
        self.keep(text)
    }

    /// Resolves a character or predefined entity reference inside the element being kept.
    /// Any other entity is undefined here, since DTD subsets are refused.
    fn reference(&mut self, reference: &BytesRef<'_>) -> Result<(), BakeError> {
        if !self.keeping() {
            return Ok(());
        }
        let bad = || malformed(&format!("the entity &{}; is not defined", &**reference));
        let resolved = match reference.resolve_char_ref() {
            Ok(Some(c)) => c.to_string(),
            Ok(None) => resolve_predefined_entity(reference)
                .ok_or_else(bad)?
                .to_owned(),
            Err(_) => return Err(bad()),
        };
        self.keep(&resolved)
    }

    /// Whether text now belongs to the first Open Badges element, which unbaking returns.
    fn keeping(&self) -> bool {
        self.mode == Mode::Unbake && self.open_badge_depth.is_some() && self.badges.len() == 1
    }

    fn keep(&mut self, text: &str) -> Result<(), BakeError> {
        if !self.keeping() {
            return Ok(());
        }
        let limit = self.limits.max_payload_bytes;
        if let Some(badge) = self.badges.first_mut() {
            if badge.body.len() + text.len() > limit {
                return Err(BakeError::PayloadTooLarge {
                    size: badge.body.len() + text.len(),
                    limit,
                });
            }
            badge.body.push_str(text);
        }
        Ok(())
    }

    fn finish(self, mode: Mode) -> Result<Scan, BakeError> {
        let root = self.root.ok_or(BakeError::UnknownImageKind)?;
        if mode != Mode::Probe && !root.self_closing && !self.root_closed {
            return Err(malformed(&format!("it ends before </{}>", root.name)));
        }
        Ok(Scan {
            root,
            badges: self.badges,
        })
    }
}

/// Records the root start tag; the root must be named `svg`.
fn root_tag(
    tag: &BytesStart<'_>,
    span: std::ops::Range<usize>,
    self_closing: bool,
) -> Result<RootTag, BakeError> {
    if tag.local_name().as_ref() != "svg" {
        return Err(BakeError::UnknownImageKind);
    }

    let mut attributes = Vec::new();
    let mut openbadges_namespace = None;
    for attribute in tag.attributes() {
        let attribute = attribute.map_err(|e| malformed(&e.to_string()))?;
        let key = attribute.key.as_ref().to_owned();
        if key == format!("xmlns:{PREFIX}") {
            openbadges_namespace = Some(attribute.value.into_owned());
        } else {
            // A value written in single quotes may hold `"`; it is rewritten in double quotes.
            attributes.push((key, attribute.value.replace('"', "&quot;")));
        }
    }
    Ok(RootTag {
        start: span.start,
        end: span.end,
        self_closing,
        name: tag.name().as_ref().to_owned(),
        attributes,
        openbadges_namespace,
    })
}

fn verify_attribute(tag: &BytesStart<'_>) -> Result<Option<String>, BakeError> {
    let attribute = tag
        .try_get_attribute("verify")
        .map_err(|e| malformed(&e.to_string()))?;
    attribute
        .map(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .map_err(|e| malformed(&format!("its verify attribute is invalid: {e}")))
        })
        .transpose()
}

fn malformed(why: &str) -> BakeError {
    BakeError::SvgMalformed(why.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>"#;

    #[test]
    fn cdata_splits_the_closing_sequence() {
        assert_eq!(cdata("a]]>b"), "<![CDATA[a]]]]><![CDATA[>b]]>");
        assert_eq!(cdata("ab"), "<![CDATA[ab]]>");
    }

    #[test]
    fn hosted_url_prefers_verify_url_over_id() {
        let both = r#"{"id":"https://a.example/1","verify":{"url":"https://b.example/1"}}"#;
        assert_eq!(hosted_url(both).unwrap(), "https://b.example/1");
        assert_eq!(
            hosted_url(r#"{"id":"https://a.example/1"}"#).unwrap(),
            "https://a.example/1"
        );
        assert!(hosted_url("{}").is_err());
    }

    #[test]
    fn probe_accepts_svg_roots_only() {
        let limits = BakeLimits::default();
        assert!(root_is_svg(SVG.as_bytes(), &limits));
        assert!(root_is_svg(b"<?xml version=\"1.0\"?>\n<svg/>", &limits));
        assert!(!root_is_svg(b"<html></html>", &limits));
        assert!(!root_is_svg(b"\xff<svg/>", &limits));
    }

    #[test]
    fn scan_finds_the_root_and_badge_spans() {
        let text = concat!(
            r#"<svg xmlns:openbadges="http://openbadges.org">"#,
            r#"<openbadges:assertion verify="https://x.example/a"/><g/></svg>"#
        );
        let scan = scan(text, &BakeLimits::default(), Mode::Bake).unwrap();
        let badge_at = text.find("<openbadges:").unwrap();
        let g_at = text.find("<g/>").unwrap();
        assert_eq!((scan.root.start, scan.root.end), (0, badge_at));
        let badge = &scan.badges[0];
        assert_eq!(badge.version, BadgeVersion::V2);
        assert_eq!((badge.start, badge.end), (badge_at, g_at));
        assert_eq!(badge.verify.as_deref(), Some("https://x.example/a"));
    }

    #[test]
    fn self_closing_root_is_opened_when_baked() {
        let baked = bake(
            b"<svg/>",
            BadgeVersion::V3,
            "a.b.c",
            PayloadShape::CompactJws,
            &BakeLimits::default(),
        )
        .unwrap();
        let expected = format!(
            "<svg xmlns:openbadges=\"{OB3_SVG_NAMESPACE}\">\
             <openbadges:credential verify=\"a.b.c\"/></svg>"
        );
        assert_eq!(String::from_utf8(baked).unwrap(), expected);
    }
}
