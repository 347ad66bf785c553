//! Baking: carrying an Open Badges credential inside a PNG or SVG image, and getting it back.
//!
//! This module owns the four baking formats: Open Badges 3.0 ("Baked Badge" in the OB 3.0
//! specification) and the Open Badges 2.0 Baking Specification, each for PNG and SVG.
//!
//! | format     | where the payload goes                                                  |
//! | ---------- | ----------------------------------------------------------------------- |
//! | OB 3.0 PNG | one uncompressed `iTXt` chunk, keyword `openbadgecredential`            |
//! | OB 3.0 SVG | `<openbadges:credential>` (JSON in CDATA, or `verify="JWT"`)            |
//! | OB 2.0 PNG | one `iTXt` chunk, keyword `openbadges` (`tEXt` accepted when reading)   |
//! | OB 2.0 SVG | `<openbadges:assertion verify="URL or JWS">`, JSON in CDATA if baked    |
//!
//! Baking never re-encodes the image: every PNG chunk and every SVG byte outside the root start
//! tag and the credential element is kept exactly. An image carries one credential, so baking
//! removes any Open Badges chunk or element already there, of either version, and adds the new
//! one. Unbaking follows the specifications' extraction rule: the first Open Badges chunk or
//! element in document order wins.
//!
//! What is baked is a payload string: a JSON document, a compact JWT/JWS, or (OB 2.0 only) the
//! URL of a hosted assertion. Payloads are stored and returned without surrounding whitespace,
//! which none of these forms can carry meaningfully and which SVG readers would not keep.
//! This module does not verify what it extracts; that is the verifier's job.
//!
//! Every input is bounded by [`BakeLimits`]: file size, payload size, decompressed size of a
//! compressed `iTXt` chunk, number of PNG chunks, XML depth and XML events. SVG files with a
//! DTD internal subset are refused outright, so no entity is ever expanded.

mod png;
mod svg;

/// The `iTXt` keyword of an Open Badges 3.0 credential baked into a PNG.
pub const OB3_PNG_KEYWORD: &str = "openbadgecredential";
/// The `iTXt` (or legacy `tEXt`) keyword of an Open Badges 2.0 assertion baked into a PNG.
pub const OB2_PNG_KEYWORD: &str = "openbadges";
/// The XML namespace of the `<openbadges:credential>` element (OB 3.0).
pub const OB3_SVG_NAMESPACE: &str = "https://purl.imsglobal.org/ob/v3p0";
/// The XML namespace of the `<openbadges:assertion>` element (OB 2.0).
pub const OB2_SVG_NAMESPACE: &str = "http://openbadges.org";

/// Default for [`BakeLimits::max_file_bytes`]: 8 MiB.
pub const DEFAULT_MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
/// Default for [`BakeLimits::max_payload_bytes`]: 2 MiB.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 2 * 1024 * 1024;
/// Default for [`BakeLimits::max_decompressed_bytes`]: the same as the payload limit.
pub const DEFAULT_MAX_DECOMPRESSED_BYTES: usize = DEFAULT_MAX_PAYLOAD_BYTES;
/// Default for [`BakeLimits::max_png_chunks`]. Encoders that write 8 KiB `IDAT` chunks need
/// about a thousand for an 8 MiB file; this leaves a wide margin.
pub const DEFAULT_MAX_PNG_CHUNKS: usize = 65_536;
/// Default for [`BakeLimits::max_xml_depth`]: badge artwork nests a few dozen levels at most.
pub const DEFAULT_MAX_XML_DEPTH: usize = 256;
/// Default for [`BakeLimits::max_xml_events`]: tags, text runs, comments and so on.
pub const DEFAULT_MAX_XML_EVENTS: usize = 1_000_000;

/// The image formats that can carry a baked credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKind {
    /// A PNG image; the credential is in a text chunk.
    Png,
    /// An SVG document; the credential is in an element in the Open Badges namespace.
    Svg,
}

/// Which specification's keyword or element carries the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BadgeVersion {
    /// Open Badges 3.0: `openbadgecredential` chunk or `<openbadges:credential>` element.
    V3,
    /// Open Badges 2.0: `openbadges` chunk or `<openbadges:assertion>` element.
    V2,
}

/// What [`unbake`] found in an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baked {
    /// The specification whose keyword or element was used.
    pub version: BadgeVersion,
    /// The kind of image it was found in.
    pub image: ImageKind,
    /// The baked text without surrounding whitespace: JSON, a compact JWT/JWS, or a URL.
    pub payload: String,
}

/// Bounds on the work and memory that baking and unbaking may use.
///
/// Every field has a documented default (see the `DEFAULT_*` constants); callers that handle
/// untrusted uploads should keep them or lower them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BakeLimits {
    /// Largest image file accepted, in bytes (default 8 MiB).
    pub max_file_bytes: usize,
    /// Largest payload baked or extracted, in bytes (default 2 MiB).
    pub max_payload_bytes: usize,
    /// Largest size a compressed `iTXt` chunk may expand to, in bytes (default 2 MiB).
    pub max_decompressed_bytes: usize,
    /// Most PNG chunks read before giving up (default 65,536).
    pub max_png_chunks: usize,
    /// Deepest element nesting read in an SVG (default 256).
    pub max_xml_depth: usize,
    /// Most XML events (tags, text runs, comments...) read in an SVG (default 1,000,000).
    pub max_xml_events: usize,
}

impl Default for BakeLimits {
    fn default() -> Self {
        BakeLimits {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            max_decompressed_bytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
            max_png_chunks: DEFAULT_MAX_PNG_CHUNKS,
            max_xml_depth: DEFAULT_MAX_XML_DEPTH,
            max_xml_events: DEFAULT_MAX_XML_EVENTS,
        }
    }
}

/// Why an image could not be baked or unbaked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BakeError {
    /// The image file is larger than [`BakeLimits::max_file_bytes`].
    #[error("the file is {size} bytes, more than the limit of {limit} bytes")]
    FileTooLarge {
        /// Size of the file.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The payload is larger than [`BakeLimits::max_payload_bytes`].
    #[error("the baked text is {size} bytes or more, more than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// Size of the payload (or the size reached when reading stopped).
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A compressed text chunk expands past [`BakeLimits::max_decompressed_bytes`].
    #[error(
        "the compressed Open Badges text expands to more than {limit} bytes, \
         so it was not decompressed"
    )]
    DecompressionTooLarge {
        /// The limit in force.
        limit: usize,
    },
    /// The PNG has more chunks than [`BakeLimits::max_png_chunks`].
    #[error("the PNG file has more than {limit} chunks")]
    TooManyPngChunks {
        /// The limit in force.
        limit: usize,
    },
    /// The SVG nests elements deeper than [`BakeLimits::max_xml_depth`].
    #[error("the SVG file nests elements more than {limit} levels deep")]
    XmlTooDeep {
        /// The limit in force.
        limit: usize,
    },
    /// The SVG has more XML events than [`BakeLimits::max_xml_events`].
    #[error("the SVG file has more than {limit} XML parts (tags, text runs, comments)")]
    XmlTooLong {
        /// The limit in force.
        limit: usize,
    },
    /// The bytes are neither a PNG nor an XML document whose root is `svg`.
    #[error("this file is neither a PNG nor an SVG image")]
    UnknownImageKind,
    /// The image is valid but has no Open Badges chunk or element.
    #[error("this image carries no Open Badges credential")]
    NoCredential,
    /// The image has an Open Badges chunk or element, but nothing in it.
    #[error("this image has an Open Badges {0} but it is empty")]
    EmptyCredential(&'static str),
    /// The PNG ends in the middle of a chunk.
    #[error("the PNG file is truncated: it ends in the middle of a chunk")]
    PngTruncated,
    /// A PNG chunk's CRC does not match its contents.
    #[error("the PNG chunk {chunk} is corrupt: its CRC does not match its contents")]
    PngBadCrc {
        /// The chunk type, such as `IDAT`.
        chunk: String,
    },
    /// The PNG ends without an `IEND` chunk.
    #[error("the PNG file is incomplete: it has no IEND chunk")]
    PngMissingIend,
    /// The PNG breaks the format's structure in some other way.
    #[error("the PNG file is malformed: {0}")]
    PngMalformed(String),
    /// The Open Badges text chunk itself is malformed.
    #[error("the Open Badges text chunk in the PNG is malformed: {0}")]
    BadgeChunkMalformed(String),
    /// The extracted text is not UTF-8.
    #[error("the baked text is not valid UTF-8")]
    PayloadNotUtf8,
    /// The SVG is not well-formed XML, or not a single `svg` root element.
    #[error("the SVG file is malformed: {0}")]
    SvgMalformed(String),
    /// The SVG has a DTD internal subset, where entities could be declared.
    #[error(
        "the SVG file declares its own DTD entries (a DOCTYPE internal subset); \
         such files are refused because their entities could expand without bound"
    )]
    SvgDtdRefused,
    /// The payload given to [`bake`] cannot be baked in the requested format.
    #[error("the payload cannot be baked: {0}")]
    InvalidPayload(String),
}

/// Bakes `payload` into `image` (PNG or SVG, detected by content) for the given version.
///
/// `payload` is a JSON document or a compact JWT/JWS; for [`BadgeVersion::V2`] it may also be
/// the URL of a hosted assertion. Surrounding whitespace is dropped. Any Open Badges chunk or
/// element already in the image (of either version) is replaced; everything else is kept
/// byte for byte. The baked file is larger than `image` by about the payload's size, so it may
/// pass [`BakeLimits::max_file_bytes`] when `image` was already close to it.
pub fn bake(
    image: &[u8],
    version: BadgeVersion,
    payload: &str,
    limits: &BakeLimits,
) -> Result<Vec<u8>, BakeError> {
    check_file_size(image, limits)?;
    let payload = payload.trim();
    let shape = check_payload(payload, version, limits)?;

    match detect_kind(image)? {
        ImageKind::Png => png::bake(image, version, payload, limits),
        ImageKind::Svg => svg::bake(image, version, payload, shape, limits),
    }
}

/// Extracts the credential baked into a PNG or SVG file (detected by content).
///
/// Follows the specifications' rule that the first Open Badges chunk or element wins. The file
/// is still read to its end, so a truncated or corrupt file is reported as such.
pub fn unbake(file: &[u8], limits: &BakeLimits) -> Result<Baked, BakeError> {
    check_file_size(file, limits)?;

    let image = detect_kind(file)?;
    let (version, payload) = match image {
        ImageKind::Png => png::unbake(file, limits)?,
        ImageKind::Svg => svg::unbake(file, limits)?,
    };
    Ok(Baked {
        version,
        image,
        payload,
    })
}

/// Tells whether `bytes` look like a PNG (by signature) or an SVG (an XML root named `svg`).
///
/// This reads an SVG only up to its root element, with the default limits; it does not check
/// that the rest of the file is well-formed.
pub fn image_kind(bytes: &[u8]) -> Option<ImageKind> {
    if png::has_signature(bytes) {
        return Some(ImageKind::Png);
    }
    svg::root_is_svg(bytes, &BakeLimits::default()).then_some(ImageKind::Svg)
}

/// What a payload looks like, which decides how it is written into an SVG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PayloadShape {
    /// A JSON object: an OB 3.0 credential or an OB 2.0 assertion with an embedded proof.
    Json,
    /// A compact JWS (a VC-JWT for OB 3.0, a signed assertion for OB 2.0).
    CompactJws,
    /// The URL of a hosted OB 2.0 assertion.
    Url,
}

fn check_file_size(file: &[u8], limits: &BakeLimits) -> Result<(), BakeError> {
    if file.len() > limits.max_file_bytes {
        return Err(BakeError::FileTooLarge {
            size: file.len(),
            limit: limits.max_file_bytes,
        });
    }
    Ok(())
}

/// Picks the image kind for baking or unbaking. Text that starts like XML is treated as an SVG
/// attempt, so that its parse errors are reported instead of "unknown kind".
fn detect_kind(bytes: &[u8]) -> Result<ImageKind, BakeError> {
    if png::has_signature(bytes) {
        return Ok(ImageKind::Png);
    }
    if svg::looks_like_xml(bytes) {
        return Ok(ImageKind::Svg);
    }
    Err(BakeError::UnknownImageKind)
}

/// Checks a (trimmed) payload before baking and tells its shape.
fn check_payload(
    payload: &str,
    version: BadgeVersion,
    limits: &BakeLimits,
) -> Result<PayloadShape, BakeError> {
    if payload.is_empty() {
        return Err(BakeError::InvalidPayload("it is empty".into()));
    }
    if payload.len() > limits.max_payload_bytes {
        return Err(BakeError::PayloadTooLarge {
            size: payload.len(),
            limit: limits.max_payload_bytes,
        });
    }
    // XML cannot carry these at all, and no JSON, JWS or URL contains them raw.
    if payload
        .chars()
        .any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(BakeError::InvalidPayload(
            "it contains control characters".into(),
        ));
    }

    let shape = payload_shape(payload)?;
    if version == BadgeVersion::V3 && shape == PayloadShape::Url {
        return Err(BakeError::InvalidPayload(
            "an Open Badges 3.0 credential must be baked as JSON or as a compact JWT, not a URL"
                .into(),
        ));
    }
    Ok(shape)
}

fn payload_shape(payload: &str) -> Result<PayloadShape, BakeError> {
    if payload.starts_with('{') {
        serde_json::from_str::<serde::de::IgnoredAny>(payload).map_err(|e| {
            BakeError::InvalidPayload(format!("it looks like JSON but does not parse: {e}"))
        })?;
        return Ok(PayloadShape::Json);
    }
    if is_compact_jws(payload) {
        return Ok(PayloadShape::CompactJws);
    }
    if is_url(payload) {
        return Ok(PayloadShape::Url);
    }
    Err(BakeError::InvalidPayload(
        "it is neither a JSON object, a compact JWT/JWS, nor an http(s) URL".into(),
    ))
}

/// A compact JWS: three base64url segments joined by dots; the header and payload are not
/// empty (the signature may be, for an unsecured JWT).
fn is_compact_jws(text: &str) -> bool {
    let segments: Vec<&str> = text.split('.').collect();
    let base64url = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    segments.len() == 3
        && !segments[0].is_empty()
        && !segments[1].is_empty()
        && segments.iter().all(|s| base64url(s))
}

fn is_url(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && !text.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_jws_needs_three_base64url_segments() {
        assert!(is_compact_jws("eyJh.eyJi.c2ln"));
        assert!(is_compact_jws("eyJh.eyJi."));
        assert!(!is_compact_jws("eyJh.eyJi"));
        assert!(!is_compact_jws(".eyJi.c2ln"));
        assert!(!is_compact_jws("eyJh.ey Ji.c2ln"));
        assert!(!is_compact_jws("a.b.c.d"));
    }

    #[test]
    fn payload_shapes_are_told_apart() {
        assert_eq!(payload_shape("{\"a\":1}"), Ok(PayloadShape::Json));
        assert_eq!(
            payload_shape("eyJh.eyJi.c2ln"),
            Ok(PayloadShape::CompactJws)
        );
        assert_eq!(
            payload_shape("https://example.org/a/1"),
            Ok(PayloadShape::Url)
        );
        assert!(payload_shape("{\"a\":").is_err());
        assert!(payload_shape("hello world").is_err());
    }

    #[test]
    fn ob3_refuses_a_url_payload() {
        let limits = BakeLimits::default();
        let err = check_payload("https://example.org/a", BadgeVersion::V3, &limits);
        assert!(matches!(err, Err(BakeError::InvalidPayload(_))));
        let ok = check_payload("https://example.org/a", BadgeVersion::V2, &limits);
        assert_eq!(ok, Ok(PayloadShape::Url));
    }

    #[test]
    fn empty_and_control_character_payloads_are_refused() {
        let limits = BakeLimits::default();
        assert!(check_payload("", BadgeVersion::V3, &limits).is_err());
        assert!(check_payload("{\"a\":\"\u{1}\"}", BadgeVersion::V3, &limits).is_err());
    }

    #[test]
    fn payload_over_the_limit_is_refused() {
        let limits = BakeLimits {
            max_payload_bytes: 4,
            ..BakeLimits::default()
        };
        let err = check_payload("{\"a\":1}", BadgeVersion::V3, &limits);
        assert_eq!(err, Err(BakeError::PayloadTooLarge { size: 7, limit: 4 }));
    }
}
