//! Achievement images: the uploaded PNG or SVG, checked with real parsers before it is kept.
//!
//! A client says what it sends in a data URL (`data:image/png;base64,…`), but the claim is
//! only a hint: a PNG must decode completely with the `png` crate within size limits, and an
//! SVG must parse as XML with an `svg` root and nothing in it that can run script or fetch
//! anything (no DOCTYPE or entities, no `<script>` or `<foreignObject>`, no `on*` event
//! handlers, no `javascript:` and no references outside the document except embedded
//! `data:image/` URLs). The SVG is also served with a Content-Security-Policy that forbids
//! script, so a gap here is not enough on its own to attack a viewer.

use std::io::Cursor;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// The largest image kept, in bytes after base64 decoding.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;
/// The widest and tallest PNG accepted, in pixels.
pub const MAX_PNG_SIDE: u32 = 2048;
/// What the PNG decoder may allocate for its own buffers (rows, palettes, text and ICC
/// chunks); a compressed chunk that inflates past it is refused as a decompression bomb.
pub const PNG_DECODER_MEMORY: usize = 8 * 1024 * 1024;
/// How deeply SVG elements may nest.
pub const MAX_SVG_DEPTH: usize = 64;
/// How many elements an SVG may have.
pub const MAX_SVG_ELEMENTS: usize = 20_000;

/// The media type of an SVG image.
pub const SVG: &str = "image/svg+xml";
/// The media type of a PNG image.
pub const PNG: &str = "image/png";

/// Elements that run script, embed other documents or let HTML in.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "handler",
    "listener",
];

/// Animation elements, which could rewrite a link after the checks here.
const ANIMATION_ELEMENTS: &[&str] = &["set", "animate", "animatemotion", "animatetransform"];

/// The image formats an achievement can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// A PNG raster.
    Png,
    /// An SVG drawing.
    Svg,
}

impl ImageKind {
    /// The media type served with the image.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Png => PNG,
            Self::Svg => SVG,
        }
    }
}

/// A checked image, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Its format.
    pub kind: ImageKind,
    /// The file's bytes, exactly as uploaded (or rendered).
    pub bytes: Vec<u8>,
}

/// Why an image was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    /// Not a base64 data URL of a PNG or an SVG.
    #[error("the image must be a data URL: data:image/png;base64,… or data:image/svg+xml;base64,…")]
    NotADataUrl,
    /// The base64 text does not decode.
    #[error("the image's base64 data is not valid base64")]
    BadBase64,
    /// Too many bytes.
    #[error("the image is larger than {} KiB", MAX_IMAGE_BYTES / 1024)]
    TooLarge,
    /// The PNG does not decode.
    #[error("the image is not a valid PNG file ({0})")]
    BadPng(String),
    /// The PNG is too wide or too tall.
    #[error("the PNG is {width}×{height} pixels; at most {MAX_PNG_SIDE}×{MAX_PNG_SIDE} is allowed")]
    PngTooBig {
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
    },
    /// The SVG is not well-formed XML.
    #[error("the image is not a well-formed SVG file ({0})")]
    BadXml(String),
    /// The root element is not `svg`.
    #[error("the SVG's root element must be <svg>")]
    NotSvg,
    /// The SVG has a DOCTYPE (which can define entities).
    #[error("the SVG must not have a DOCTYPE or define entities")]
    Doctype,
    /// The SVG uses an entity other than the five XML predefines.
    #[error("the SVG uses the entity &{0}; which is not allowed")]
    Entity(String),
    /// The SVG has an element that can run script or embed another document.
    #[error("the SVG must not contain <{0}> elements")]
    ForbiddenElement(String),
    /// An element has an event handler.
    #[error("the SVG must not have event handler attributes ({0})")]
    EventHandler(String),
    /// A `javascript:` URL.
    #[error("the SVG must not contain javascript: URLs")]
    Javascript,
    /// A reference to something outside the file.
    #[error(
        "the SVG must not refer to anything outside itself ({0}); links may only point \
         inside the file (#id) or embed data:image/ URLs"
    )]
    ExternalReference(String),
    /// A processing instruction such as `<?xml-stylesheet?>`.
    #[error("the SVG must not contain processing instructions")]
    ProcessingInstruction,
    /// Nesting or element count past the limits.
    #[error(
        "the SVG is too complex (more than {MAX_SVG_ELEMENTS} elements or nesting deeper than \
         {MAX_SVG_DEPTH})"
    )]
    TooComplex,
}

/// Parses and checks a `data:image/png;base64,…` or `data:image/svg+xml;base64,…` URL.
pub fn from_data_url(url: &str) -> Result<Image, ImageError> {
    let url = url.trim();
    let (kind, data) = if let Some(data) = url.strip_prefix("data:image/png;base64,") {
        (ImageKind::Png, data)
    } else if let Some(data) = url.strip_prefix("data:image/svg+xml;base64,") {
        (ImageKind::Svg, data)
    } else {
        return Err(ImageError::NotADataUrl);
    };
    // Four base64 characters per three bytes: refuse before decoding anything too big.
    if data.len() > MAX_IMAGE_BYTES.div_ceil(3) * 4 {
        return Err(ImageError::TooLarge);
    }
    let bytes = STANDARD.decode(data).map_err(|_| ImageError::BadBase64)?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge);
    }
    check(kind, &bytes)?;
    Ok(Image { kind, bytes })
}

/// Checks that `bytes` really are an acceptable image of this kind.
pub fn check(kind: ImageKind, bytes: &[u8]) -> Result<(), ImageError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge);
    }
    match kind {
        ImageKind::Png => check_png(bytes),
        ImageKind::Svg => check_svg(bytes),
    }
}

/// Decodes the whole PNG, one row at a time so memory stays small, then reads to its end.
pub fn check_png(bytes: &[u8]) -> Result<(), ImageError> {
    let bad = |e: png::DecodingError| ImageError::BadPng(e.to_string());
    let limits = png::Limits {
        bytes: PNG_DECODER_MEMORY,
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    // The header alone says how big the image claims to be: refuse before inflating it.
    let header = decoder.read_header_info().map_err(bad)?;
    let (width, height) = (header.width, header.height);
    if width > MAX_PNG_SIDE || height > MAX_PNG_SIDE {
        return Err(ImageError::PngTooBig { width, height });
    }
    let mut reader = decoder.read_info().map_err(bad)?;
    while reader.next_row().map_err(bad)?.is_some() {}
    reader.finish().map_err(bad)
}

/// Parses the SVG and refuses anything that could run script or load something.
pub fn check_svg(bytes: &[u8]) -> Result<(), ImageError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ImageError::BadXml("the file is not UTF-8 text".into()))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut elements = 0usize;
    let mut seen_root = false;
    let mut in_style = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| ImageError::BadXml(e.to_string()))?;
        match event {
            Event::Start(_) | Event::Empty(_) if depth == 0 && seen_root => {
                return Err(ImageError::BadXml(
                    "there is more than one root element".into(),
                ));
            }
            Event::Start(start) => {
                check_element(&start, depth == 0)?;
                seen_root = true;
                elements += 1;
                depth += 1;
                in_style = local_name(&start) == "style";
                if depth > MAX_SVG_DEPTH || elements > MAX_SVG_ELEMENTS {
                    return Err(ImageError::TooComplex);
                }
            }
            Event::Empty(start) => {
                check_element(&start, depth == 0)?;
                seen_root = true;
                elements += 1;
                if elements > MAX_SVG_ELEMENTS {
                    return Err(ImageError::TooComplex);
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                in_style = false;
            }
            Event::Text(text) => check_text(&text, depth, in_style)?,
            Event::CData(data) => check_text(&data, depth, in_style)?,
            Event::GeneralRef(reference) => {
                let predefined = matches!(&*reference, "amp" | "lt" | "gt" | "quot" | "apos");
                if !(reference.is_char_ref() || predefined) {
                    return Err(ImageError::Entity(reference.to_string()));
                }
                if depth == 0 {
                    return Err(ImageError::BadXml("there is text outside the root".into()));
                }
            }
            Event::DocType(_) => return Err(ImageError::Doctype),
            Event::PI(_) => return Err(ImageError::ProcessingInstruction),
            Event::Decl(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !seen_root {
        return Err(ImageError::NotSvg);
    }
    if depth != 0 {
        return Err(ImageError::BadXml(
            "the file ends before its elements close".into(),
        ));
    }
    Ok(())
}

/// An element's local name, lower-cased (SVG in HTML is case-insensitive).
fn local_name(start: &BytesStart<'_>) -> String {
    let name = start.local_name();
    let name: &str = name.as_ref();
    name.to_ascii_lowercase()
}

fn check_element(start: &BytesStart<'_>, is_root: bool) -> Result<(), ImageError> {
    let name = local_name(start);
    if is_root && start.name().as_ref() != "svg" {
        return Err(ImageError::NotSvg);
    }
    if FORBIDDEN_ELEMENTS.contains(&name.as_str()) {
        return Err(ImageError::ForbiddenElement(name));
    }
    let animation = ANIMATION_ELEMENTS.contains(&name.as_str());
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| ImageError::BadXml(e.to_string()))?;
        let key = attribute.key.local_name();
        let key: &str = key.as_ref();
        let key = key.to_ascii_lowercase();
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| ImageError::BadXml(e.to_string()))?;
        check_attribute(&key, &value)?;
        // <set attributeName="href" to="…"> would swap a link in after this check.
        if animation && key == "attributename" && value.to_ascii_lowercase().ends_with("href") {
            return Err(ImageError::ExternalReference("an animated link".into()));
        }
    }
    Ok(())
}

fn check_attribute(key: &str, value: &str) -> Result<(), ImageError> {
    if key.starts_with("on") {
        return Err(ImageError::EventHandler(key.to_owned()));
    }
    if mentions_javascript(value) {
        return Err(ImageError::Javascript);
    }
    if matches!(key, "href" | "src") {
        let target = value.trim();
        if !(target.starts_with('#') || target.starts_with("data:image/")) {
            return Err(ImageError::ExternalReference(format!(
                "{key}=\"{}\"",
                short(target)
            )));
        }
    }
    check_css(value)
}

fn check_text(text: &str, depth: usize, in_style: bool) -> Result<(), ImageError> {
    if depth == 0 {
        if text.trim().is_empty() {
            return Ok(());
        }
        return Err(ImageError::BadXml("there is text outside the root".into()));
    }
    if mentions_javascript(text) {
        return Err(ImageError::Javascript);
    }
    if in_style {
        check_css(text)?;
    }
    Ok(())
}

/// Stylesheets and `style`/`fill` values may only use `url(#id)` or embedded data.
fn check_css(css: &str) -> Result<(), ImageError> {
    let lower = css.to_ascii_lowercase();
    if lower.contains("@import") {
        return Err(ImageError::ExternalReference("@import".into()));
    }
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("url(") {
        rest = &rest[at + 4..];
        let target = rest.trim_start().trim_start_matches(['"', '\'']);
        if !(target.starts_with('#') || target.starts_with("data:image/")) {
            let end = target.find(')').unwrap_or(target.len());
            return Err(ImageError::ExternalReference(format!(
                "url({})",
                short(&target[..end])
            )));
        }
    }
    Ok(())
}

/// Whether `javascript:` appears, even split by the spaces and controls browsers ignore.
fn mentions_javascript(value: &str) -> bool {
    let squeezed: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    squeezed.contains("javascript:") || squeezed.contains("vbscript:")
}

/// The start of a long value, for an error message.
fn short(value: &str) -> String {
    const SHOWN: usize = 60;
    if value.chars().count() > SHOWN {
        format!("{}…", value.chars().take(SHOWN).collect::<String>())
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header().unwrap();
        let row = (width as usize).div_ceil(8);
        writer
            .write_image_data(&vec![0u8; row * height as usize])
            .unwrap();
        writer.finish().unwrap();
        out
    }

    fn svg(body: &str) -> Result<(), ImageError> {
        let text = format!(r#"<svg xmlns="http://www.w3.org/2000/svg">{body}</svg>"#);
        check_svg(text.as_bytes())
    }

    fn data_url(kind: &str, bytes: &[u8]) -> String {
        format!("data:{kind};base64,{}", STANDARD.encode(bytes))
    }

    #[test]
    fn a_small_png_is_accepted() {
        let image = from_data_url(&data_url(PNG, &png(64, 64))).unwrap();
        assert_eq!(image.kind, ImageKind::Png);
        assert!(check_png(&png(MAX_PNG_SIDE, MAX_PNG_SIDE)).is_ok());
    }

    #[test]
    fn a_truncated_png_is_refused() {
        let bytes = png(64, 64);
        for cut in [8, 30, bytes.len() - 20, bytes.len() - 1] {
            let result = check_png(&bytes[..cut]);
            assert!(
                matches!(result, Err(ImageError::BadPng(_))),
                "{cut}: {result:?}"
            );
        }
    }

    #[test]
    fn a_corrupt_png_is_refused() {
        let mut bytes = png(64, 64);
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        assert!(matches!(check_png(&bytes), Err(ImageError::BadPng(_))));
        assert!(matches!(
            check_png(b"not a png at all"),
            Err(ImageError::BadPng(_))
        ));
    }

    #[test]
    fn a_png_too_large_in_pixels_is_refused_before_it_is_inflated() {
        // 8192² one-bit pixels compress to a few kilobytes: a small decompression bomb.
        let bomb = png(8192, 8192);
        assert!(bomb.len() < MAX_IMAGE_BYTES);
        assert_eq!(
            check_png(&bomb),
            Err(ImageError::PngTooBig {
                width: 8192,
                height: 8192
            })
        );
    }

    #[test]
    fn a_png_claimed_as_svg_and_an_svg_claimed_as_png_are_refused() {
        let as_svg = from_data_url(&data_url(SVG, &png(8, 8)));
        assert!(matches!(as_svg, Err(ImageError::BadXml(_))), "{as_svg:?}");
        let as_png = from_data_url(&data_url(PNG, b"<svg/>"));
        assert!(matches!(as_png, Err(ImageError::BadPng(_))), "{as_png:?}");
    }

    #[test]
    fn data_urls_are_checked_for_form_size_and_base64() {
        assert_eq!(
            from_data_url("https://example.org/a.png"),
            Err(ImageError::NotADataUrl)
        );
        assert_eq!(
            from_data_url("data:image/gif;base64,R0lG"),
            Err(ImageError::NotADataUrl)
        );
        assert_eq!(
            from_data_url("data:image/png;base64,***"),
            Err(ImageError::BadBase64)
        );
        let big = vec![b' '; MAX_IMAGE_BYTES + 1];
        assert_eq!(
            from_data_url(&data_url(SVG, &big)),
            Err(ImageError::TooLarge)
        );
    }

    #[test]
    fn a_plain_svg_is_accepted() {
        let text = r##"<?xml version="1.0"?>
            <!-- a comment -->
            <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
                 viewBox="0 0 10 10">
              <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient>
              </defs>
              <style>circle { fill: url(#g); }</style>
              <circle cx="5" cy="5" r="4" style="stroke: url('#g')"/>
              <use xlink:href="#g"/><image href="data:image/png;base64,AAAA"/>
              <text>Tom &amp; Jerry &#169;</text>
            </svg>"##;
        assert_eq!(check_svg(text.as_bytes()), Ok(()));
    }

    #[test]
    fn svg_with_a_doctype_or_entities_is_refused() {
        let doctype = r#"<!DOCTYPE svg [<!ENTITY x "boom">]><svg>&x;</svg>"#;
        assert_eq!(check_svg(doctype.as_bytes()), Err(ImageError::Doctype));
        assert_eq!(
            svg("<text>&nbsp;</text>"),
            Err(ImageError::Entity("nbsp".into()))
        );
    }

    #[test]
    fn svg_with_script_is_refused() {
        assert_eq!(
            svg("<script>alert(1)</script>"),
            Err(ImageError::ForbiddenElement("script".into()))
        );
        assert_eq!(
            svg("<svg:script xmlns:svg='http://www.w3.org/2000/svg'/>"),
            Err(ImageError::ForbiddenElement("script".into()))
        );
    }

    #[test]
    fn svg_with_foreign_object_is_refused() {
        assert_eq!(
            svg("<foreignObject><div/></foreignObject>"),
            Err(ImageError::ForbiddenElement("foreignobject".into()))
        );
    }

    #[test]
    fn svg_with_event_handlers_is_refused() {
        assert_eq!(
            svg(r#"<rect onload="alert(1)"/>"#),
            Err(ImageError::EventHandler("onload".into()))
        );
        assert_eq!(
            svg(r#"<rect ONCLICK="x()"/>"#),
            Err(ImageError::EventHandler("onclick".into()))
        );
    }

    #[test]
    fn svg_with_javascript_urls_is_refused() {
        for body in [
            r#"<a href="javascript:alert(1)"><rect/></a>"#,
            r#"<a href=" JaVa&#x09;Script:alert(1)"><rect/></a>"#,
            r#"<a href="&#106;avascript:alert(1)"><rect/></a>"#,
            r#"<rect style="fill: url(javascript:x)"/>"#,
        ] {
            assert_eq!(svg(body), Err(ImageError::Javascript), "{body}");
        }
    }

    #[test]
    fn svg_with_external_references_is_refused() {
        for body in [
            r#"<image href="https://tracker.example/p.png"/>"#,
            r#"<use xmlns:x="http://www.w3.org/1999/xlink" x:href="other.svg#a"/>"#,
            r#"<image src="//evil.example/a.png"/>"#,
            r#"<rect style="fill: url(https://evil.example/a.svg#p)"/>"#,
            r#"<style>@import "https://evil.example/a.css";</style>"#,
            r#"<style>rect { fill: url( "http://evil.example/p" ) }</style>"#,
            r##"<a href="#x"><set attributeName="href" to="https://evil.example"/></a>"##,
        ] {
            let result = svg(body);
            assert!(
                matches!(result, Err(ImageError::ExternalReference(_))),
                "{body}: {result:?}"
            );
        }
        let pi = r#"<?xml-stylesheet href="https://evil.example/a.css"?><svg/>"#;
        assert_eq!(
            check_svg(pi.as_bytes()),
            Err(ImageError::ProcessingInstruction)
        );
    }

    #[test]
    fn svg_must_have_an_svg_root_and_be_well_formed() {
        assert_eq!(check_svg(b"<html><svg/></html>"), Err(ImageError::NotSvg));
        assert_eq!(check_svg(b""), Err(ImageError::NotSvg));
        for bad in [
            &b"<svg><g></svg>"[..],
            b"<svg><g>",
            b"<svg/><svg/>",
            b"text<svg/>",
            b"<svg>\xff</svg>",
        ] {
            let result = check_svg(bad);
            assert!(matches!(result, Err(ImageError::BadXml(_))), "{result:?}");
        }
    }

    #[test]
    fn deeply_nested_svg_is_refused() {
        let body = "<g>".repeat(MAX_SVG_DEPTH + 1) + &"</g>".repeat(MAX_SVG_DEPTH + 1);
        assert_eq!(svg(&body), Err(ImageError::TooComplex));
    }
}
