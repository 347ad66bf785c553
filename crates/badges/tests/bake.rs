//! Baking and unbaking Open Badges credentials in PNG and SVG images: the 1EdTech vectors,
//! round trips for the four formats, replacement on re-baking, the limits, corrupt and hostile
//! files, and property tests over generated PNGs and payloads.

mod common;

use std::io::Write;

use badges::bake::{
    BadgeVersion, BakeError, BakeLimits, Baked, ImageKind, OB2_PNG_KEYWORD, OB3_PNG_KEYWORD, bake,
    image_kind, unbake,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use serde_json::{Value, json};

const VECTORS: &str = "test-vectors/1edtech-validator-ob30";
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const SOME_JWT: &str = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJodHRwczovL2EuZXhhbXBsZSJ9.c2lnbmF0dXJl";
const PLAIN_SVG: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<!-- a badge -->
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">
  <circle cx="5" cy="5" r="4" fill="#0a0"/>
</svg>
"##;

fn vector(name: &str) -> Vec<u8> {
    common::read_standard_bytes(&format!("{VECTORS}/{name}"))
}

fn limits() -> BakeLimits {
    BakeLimits::default()
}

fn credential_json(name: &str) -> String {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:a63a60be-f4af-491e-87fc-2c8e5e5f3b1a",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
    })
    .to_string()
}

fn assertion_json() -> String {
    json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://issuer.example/assertions/1",
        "verify": { "type": "hosted" },
    })
    .to_string()
}

/// A small RGBA PNG encoded by the `png` crate, with one ordinary text chunk.
fn encode_png(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .add_text_chunk("Software".into(), "rosette tests".into())
        .unwrap();
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(pixels).unwrap();
    writer.finish().unwrap();
    out
}

fn small_png() -> Vec<u8> {
    encode_png(2, 2, &[7; 16])
}

/// Every chunk of a PNG as raw bytes (length, type, data, CRC), in order.
fn raw_chunks(file: &[u8]) -> Vec<Vec<u8>> {
    let mut chunks = Vec::new();
    let mut pos = PNG_SIGNATURE.len();
    while pos + 8 <= file.len() {
        let length = u32::from_be_bytes(file[pos..pos + 4].try_into().unwrap()) as usize;
        chunks.push(file[pos..pos + length + 12].to_vec());
        pos += length + 12;
    }
    chunks
}

fn is_badge_chunk(chunk: &[u8]) -> bool {
    let data = &chunk[8..];
    [OB3_PNG_KEYWORD, OB2_PNG_KEYWORD]
        .iter()
        .any(|k| data.starts_with(k.as_bytes()) && data.get(k.len()) == Some(&0))
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(kind);
    hasher.update(data);
    out.extend_from_slice(&hasher.finalize().to_be_bytes());
    out
}

fn insert_before_iend(file: &[u8], new_chunk: &[u8]) -> Vec<u8> {
    let iend = file.len() - 12;
    assert_eq!(&file[iend + 4..iend + 8], b"IEND");
    [&file[..iend], new_chunk, &file[iend..]].concat()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn compressed_itxt(keyword: &str, compressed: &[u8]) -> Vec<u8> {
    let mut data = keyword.as_bytes().to_vec();
    data.extend_from_slice(&[0, 1, 0, 0, 0]);
    data.extend_from_slice(compressed);
    chunk(b"iTXt", &data)
}

/// Decodes a PNG with the `png` crate: its pixels and its `iTXt` texts by keyword.
fn decode_png(file: &[u8]) -> (Vec<u8>, Vec<(String, String)>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(file))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut pixels).unwrap();
    reader.finish().unwrap();
    let texts = reader
        .info()
        .utf8_text
        .iter()
        .map(|t| (t.keyword.clone(), t.get_text().unwrap()))
        .collect();
    (pixels, texts)
}

fn decode_jwt_claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn without_proof(mut credential: Value) -> Value {
    credential.as_object_mut().unwrap().remove("proof");
    credential
}

fn unbaked(file: &[u8]) -> Baked {
    unbake(file, &limits()).unwrap()
}

// ---- The 1EdTech validator vectors ----

#[test]
fn the_json_png_vector_unbakes_to_the_simple_credential() {
    let baked = unbaked(&vector("simple-json.png"));
    assert_eq!(
        (baked.version, baked.image),
        (BadgeVersion::V3, ImageKind::Png)
    );

    // The baked copy was signed separately, so only its proof differs from simple.json.
    let credential: Value = serde_json::from_str(&baked.payload).unwrap();
    let expected: Value = serde_json::from_slice(&vector("simple.json")).unwrap();
    assert_eq!(without_proof(credential.clone()), without_proof(expected));
    assert_eq!(credential["proof"][0]["type"], "DataIntegrityProof");
}

#[test]
fn the_json_svg_vector_unbakes_to_the_same_credential_as_the_png() {
    let svg = unbaked(&vector("simple-json.svg"));
    let png = unbaked(&vector("simple-json.png"));
    assert_eq!((svg.version, svg.image), (BadgeVersion::V3, ImageKind::Svg));
    let svg_json: Value = serde_json::from_str(&svg.payload).unwrap();
    let png_json: Value = serde_json::from_str(&png.payload).unwrap();
    assert_eq!(svg_json, png_json);
}

#[test]
fn the_jwt_vectors_unbake_to_compact_jwts_of_the_simple_credential() {
    let expected: Value = serde_json::from_slice(&vector("simple.json")).unwrap();
    for (name, kind) in [
        ("simple-jwt.png", ImageKind::Png),
        ("simple-jwt.svg", ImageKind::Svg),
    ] {
        let baked = unbaked(&vector(name));
        assert_eq!(
            (baked.version, baked.image),
            (BadgeVersion::V3, kind),
            "{name}"
        );
        assert_eq!(baked.payload.split('.').count(), 3, "{name}");
        let claims = decode_jwt_claims(&baked.payload);
        assert_eq!(claims["id"], expected["id"], "{name}");
        assert_eq!(claims["type"], expected["type"], "{name}");
    }
}

#[test]
fn the_vectors_are_recognised_by_content() {
    assert_eq!(image_kind(&vector("simple-json.png")), Some(ImageKind::Png));
    assert_eq!(image_kind(&vector("simple-jwt.svg")), Some(ImageKind::Svg));
    assert_eq!(image_kind(&vector("simple.json")), None);
    assert_eq!(image_kind(b"GIF89a"), None);
}

#[test]
fn rebaking_a_vector_png_replaces_its_credential_and_keeps_every_other_chunk() {
    let original = vector("simple-json.png");
    let baked = bake(&original, BadgeVersion::V3, SOME_JWT, &limits()).unwrap();
    assert_eq!(unbaked(&baked).payload, SOME_JWT);

    let kept: Vec<_> = raw_chunks(&original)
        .into_iter()
        .filter(|c| !is_badge_chunk(c))
        .collect();
    let now: Vec<_> = raw_chunks(&baked)
        .into_iter()
        .filter(|c| !is_badge_chunk(c))
        .collect();
    assert_eq!(now, kept);
    assert_eq!(
        raw_chunks(&baked)
            .iter()
            .filter(|c| is_badge_chunk(c))
            .count(),
        1
    );
}

#[test]
fn rebaking_a_vector_svg_replaces_its_credential_element() {
    let baked = bake(
        &vector("simple-jwt.svg"),
        BadgeVersion::V3,
        &credential_json("x"),
        &limits(),
    )
    .unwrap();
    let text = String::from_utf8(baked.clone()).unwrap();
    assert_eq!(text.matches("<openbadges:credential").count(), 1);
    assert!(text.contains("<!DOCTYPE svg PUBLIC"));
    assert_eq!(unbaked(&baked).payload, credential_json("x"));
}

// ---- Round trips for the four formats ----

#[test]
fn ob3_png_round_trips_json_and_jwt_and_keeps_the_image() {
    let original = small_png();
    for payload in [credential_json("PNG badge"), SOME_JWT.to_owned()] {
        let baked = bake(&original, BadgeVersion::V3, &payload, &limits()).unwrap();
        let found = unbaked(&baked);
        assert_eq!(found.payload, payload);
        assert_eq!(
            (found.version, found.image),
            (BadgeVersion::V3, ImageKind::Png)
        );

        // An independent reader sees the same pixels and one uncompressed iTXt chunk.
        let (pixels, texts) = decode_png(&baked);
        assert_eq!(pixels, decode_png(&original).0);
        assert_eq!(texts, vec![(OB3_PNG_KEYWORD.to_owned(), payload.clone())]);
    }
}

#[test]
fn ob2_png_round_trips_json_url_and_jws() {
    let original = small_png();
    for payload in [
        assertion_json(),
        "https://issuer.example/a/1".into(),
        SOME_JWT.into(),
    ] {
        let baked = bake(&original, BadgeVersion::V2, &payload, &limits()).unwrap();
        let found = unbaked(&baked);
        assert_eq!((found.version, found.payload), (BadgeVersion::V2, payload));
    }
}

#[test]
fn ob3_svg_puts_json_in_cdata_and_a_jwt_in_the_verify_attribute() {
    let json_payload = credential_json("SVG badge");
    let baked = bake(
        PLAIN_SVG.as_bytes(),
        BadgeVersion::V3,
        &json_payload,
        &limits(),
    )
    .unwrap();
    let text = String::from_utf8(baked.clone()).unwrap();
    assert!(text.contains(
        "xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\">\
         <openbadges:credential><![CDATA[{"
    ));
    assert_eq!(unbaked(&baked).payload, json_payload);

    let baked = bake(PLAIN_SVG.as_bytes(), BadgeVersion::V3, SOME_JWT, &limits()).unwrap();
    let text = String::from_utf8(baked.clone()).unwrap();
    assert!(text.contains(&format!("<openbadges:credential verify=\"{SOME_JWT}\"/>")));
    let found = unbaked(&baked);
    assert_eq!(
        (found.version, found.image),
        (BadgeVersion::V3, ImageKind::Svg)
    );
    assert_eq!(found.payload, SOME_JWT);
}

#[test]
fn ob2_svg_bakes_an_assertion_element_with_its_verify_url() {
    let payload = assertion_json();
    let baked = bake(PLAIN_SVG.as_bytes(), BadgeVersion::V2, &payload, &limits()).unwrap();
    let text = String::from_utf8(baked.clone()).unwrap();
    assert!(text.contains("xmlns:openbadges=\"http://openbadges.org\""));
    assert!(text.contains(
        "<openbadges:assertion verify=\"https://issuer.example/assertions/1\"><![CDATA["
    ));
    let found = unbaked(&baked);
    assert_eq!((found.version, found.payload), (BadgeVersion::V2, payload));

    for payload in ["https://issuer.example/a?x=1&y=2", SOME_JWT] {
        let baked = bake(PLAIN_SVG.as_bytes(), BadgeVersion::V2, payload, &limits()).unwrap();
        assert!(String::from_utf8_lossy(&baked).contains("/>"));
        assert_eq!(unbaked(&baked).payload, payload);
    }
}

#[test]
fn svg_baking_keeps_everything_outside_the_root_tag() {
    let baked = bake(PLAIN_SVG.as_bytes(), BadgeVersion::V3, SOME_JWT, &limits()).unwrap();
    let text = String::from_utf8(baked).unwrap();
    let root_end = PLAIN_SVG.find("10 10\">").unwrap() + 7;
    let before_root = &PLAIN_SVG[..PLAIN_SVG.find("<svg").unwrap()];
    assert!(text.starts_with(before_root));
    assert!(text.ends_with(&PLAIN_SVG[root_end..]));
}

#[test]
fn a_json_payload_holding_the_cdata_end_sequence_survives_svg_baking() {
    let payload = credential_json("tricky ]]> name ]]]]> and <![CDATA[ too");
    for version in [BadgeVersion::V3, BadgeVersion::V2] {
        let payload = if version == BadgeVersion::V2 {
            json!({"id": "https://i.example/1", "name": "a]]>b"}).to_string()
        } else {
            payload.clone()
        };
        let baked = bake(PLAIN_SVG.as_bytes(), version, &payload, &limits()).unwrap();
        assert_eq!(unbaked(&baked).payload, payload);
    }
}

#[test]
fn a_self_closing_svg_root_and_a_byte_order_mark_are_handled() {
    let svg = "\u{feff}<svg xmlns='http://www.w3.org/2000/svg' data-x='say \"hi\"'/>";
    let baked = bake(svg.as_bytes(), BadgeVersion::V3, SOME_JWT, &limits()).unwrap();
    let text = String::from_utf8(baked.clone()).unwrap();
    assert!(text.starts_with("\u{feff}<svg "));
    assert!(text.ends_with("</svg>"));
    assert!(text.contains("data-x=\"say &quot;hi&quot;\""));
    assert_eq!(unbaked(&baked).payload, SOME_JWT);
}

// ---- Re-baking replaces ----

#[test]
fn rebaking_a_png_replaces_the_chunk_of_either_version() {
    let once = bake(&small_png(), BadgeVersion::V2, &assertion_json(), &limits()).unwrap();
    let twice = bake(&once, BadgeVersion::V3, SOME_JWT, &limits()).unwrap();
    let badge_chunks = raw_chunks(&twice)
        .into_iter()
        .filter(|c| is_badge_chunk(c))
        .count();
    assert_eq!(badge_chunks, 1);
    let found = unbaked(&twice);
    assert_eq!(
        (found.version, found.payload.as_str()),
        (BadgeVersion::V3, SOME_JWT)
    );

    let again = bake(&twice, BadgeVersion::V3, SOME_JWT, &limits()).unwrap();
    assert_eq!(
        again, twice,
        "baking the same payload again changes nothing"
    );
}

#[test]
fn rebaking_an_svg_replaces_the_element_of_either_version() {
    let once = bake(
        PLAIN_SVG.as_bytes(),
        BadgeVersion::V2,
        &assertion_json(),
        &limits(),
    )
    .unwrap();
    let twice = bake(&once, BadgeVersion::V3, &credential_json("new"), &limits()).unwrap();
    let text = String::from_utf8(twice.clone()).unwrap();
    assert!(!text.contains("openbadges:assertion"));
    assert!(!text.contains("http://openbadges.org"));
    assert_eq!(text.matches("<openbadges:credential>").count(), 1);
    assert_eq!(unbaked(&twice).payload, credential_json("new"));

    let again = bake(&twice, BadgeVersion::V3, &credential_json("new"), &limits()).unwrap();
    assert_eq!(
        again, twice,
        "baking the same payload again changes nothing"
    );
}

// ---- Older and looser bakers ----

#[test]
fn a_legacy_text_chunk_with_a_hosted_url_is_read_as_ob2() {
    let file = insert_before_iend(
        &small_png(),
        &chunk(b"tEXt", b"openbadges\0https://a.example/1"),
    );
    let found = unbaked(&file);
    assert_eq!(
        (found.version, found.payload.as_str()),
        (BadgeVersion::V2, "https://a.example/1")
    );
}

#[test]
fn a_compressed_itxt_chunk_is_decompressed_when_reading() {
    let payload = assertion_json();
    let file = insert_before_iend(
        &small_png(),
        &compressed_itxt("openbadges", &zlib(payload.as_bytes())),
    );
    assert_eq!(unbaked(&file).payload, payload);
}

#[test]
fn an_svg_that_forgot_the_namespace_declaration_still_unbakes() {
    let svg = "<svg><openbadges:credential verify=\"a.b.c\"></openbadges:credential></svg>";
    assert_eq!(unbaked(svg.as_bytes()).payload, "a.b.c");
}

#[test]
fn a_badge_element_deeper_in_the_svg_is_found() {
    let svg = format!(
        "<svg xmlns:ob=\"https://purl.imsglobal.org/ob/v3p0\"><g><ob:credential>\
         {}</ob:credential></g></svg>",
        credential_json("deep")
            .replace('&', "&amp;")
            .replace('<', "&lt;")
    );
    assert_eq!(unbaked(svg.as_bytes()).payload, credential_json("deep"));
}

// ---- No credential, unknown files ----

#[test]
fn images_without_a_badge_say_so() {
    for file in [small_png(), PLAIN_SVG.as_bytes().to_vec()] {
        let err = unbake(&file, &limits()).unwrap_err();
        assert_eq!(err, BakeError::NoCredential);
        assert_eq!(
            err.to_string(),
            "this image carries no Open Badges credential"
        );
    }
}

#[test]
fn files_that_are_neither_png_nor_svg_are_refused() {
    for file in [
        &b"GIF89a...."[..],
        b"{\"a\":1}",
        b"<html><body/></html>",
        b"",
    ] {
        assert_eq!(unbake(file, &limits()), Err(BakeError::UnknownImageKind));
        let err = bake(file, BadgeVersion::V3, SOME_JWT, &limits());
        assert_eq!(err, Err(BakeError::UnknownImageKind));
    }
}

#[test]
fn empty_badge_elements_and_chunks_are_reported() {
    let svg = b"<svg><openbadges:credential verify=\"\"/></svg>";
    assert!(matches!(
        unbake(svg, &limits()),
        Err(BakeError::EmptyCredential(_))
    ));
    let file = insert_before_iend(
        &small_png(),
        &chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0  "),
    );
    assert!(matches!(
        unbake(&file, &limits()),
        Err(BakeError::EmptyCredential(_))
    ));
}

#[test]
fn payloads_that_fit_no_format_are_refused_when_baking() {
    let png = small_png();
    for payload in ["", "   ", "hello", "{\"broken\": ", "https://a.example/1"] {
        let err = bake(&png, BadgeVersion::V3, payload, &limits());
        assert!(
            matches!(err, Err(BakeError::InvalidPayload(_))),
            "{payload:?}"
        );
    }
    let no_url = json!({"type": "Assertion"}).to_string();
    let err = bake(PLAIN_SVG.as_bytes(), BadgeVersion::V2, &no_url, &limits());
    assert!(matches!(err, Err(BakeError::InvalidPayload(_))));
}

// ---- Limits ----

#[test]
fn a_decompression_bomb_is_rejected_without_expanding_it() {
    // 64 MiB of zeros compresses to about 64 KiB.
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..64 {
        encoder.write_all(&zeros).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    let file = insert_before_iend(&small_png(), &compressed_itxt("openbadges", &bomb));
    assert!(file.len() < 1024 * 1024);

    let err = unbake(&file, &limits()).unwrap_err();
    assert_eq!(
        err,
        BakeError::DecompressionTooLarge {
            limit: badges::bake::DEFAULT_MAX_DECOMPRESSED_BYTES
        }
    );
    assert!(err.to_string().contains("expands to more than"));
}

#[test]
fn an_oversized_file_is_rejected_before_it_is_read() {
    let mut file = small_png();
    file.resize(badges::bake::DEFAULT_MAX_FILE_BYTES + 1, 0);
    let expected = BakeError::FileTooLarge {
        size: file.len(),
        limit: badges::bake::DEFAULT_MAX_FILE_BYTES,
    };
    assert_eq!(unbake(&file, &limits()), Err(expected.clone()));
    assert_eq!(
        bake(&file, BadgeVersion::V3, SOME_JWT, &limits()),
        Err(expected)
    );
}

#[test]
fn an_oversized_payload_is_refused_both_ways() {
    let small = BakeLimits {
        max_payload_bytes: 16,
        ..limits()
    };
    let err = bake(&small_png(), BadgeVersion::V3, SOME_JWT, &small);
    assert!(matches!(
        err,
        Err(BakeError::PayloadTooLarge { limit: 16, .. })
    ));

    for image in [small_png(), PLAIN_SVG.as_bytes().to_vec()] {
        let baked = bake(&image, BadgeVersion::V3, SOME_JWT, &limits()).unwrap();
        let err = unbake(&baked, &small);
        assert!(matches!(
            err,
            Err(BakeError::PayloadTooLarge { limit: 16, .. })
        ));
    }
}

#[test]
fn too_many_png_chunks_are_refused() {
    let tight = BakeLimits {
        max_png_chunks: 3,
        ..limits()
    };
    let err = unbake(&small_png(), &tight);
    assert_eq!(err, Err(BakeError::TooManyPngChunks { limit: 3 }));
}

#[test]
fn deep_or_long_svgs_are_refused() {
    let deep = format!("<svg>{}{}</svg>", "<g>".repeat(300), "</g>".repeat(300));
    let err = unbake(deep.as_bytes(), &limits());
    assert_eq!(err, Err(BakeError::XmlTooDeep { limit: 256 }));

    let long = format!("<svg>{}</svg>", "<g/>".repeat(100));
    let tight = BakeLimits {
        max_xml_events: 50,
        ..limits()
    };
    assert_eq!(
        unbake(long.as_bytes(), &tight),
        Err(BakeError::XmlTooLong { limit: 50 })
    );
}

// ---- Corrupt and hostile files ----

#[test]
fn a_truncated_png_is_reported() {
    let baked = bake(&small_png(), BadgeVersion::V3, SOME_JWT, &limits()).unwrap();
    let cut = &baked[..baked.len() - 20];
    assert_eq!(unbake(cut, &limits()), Err(BakeError::PngTruncated));

    let without_iend = &baked[..baked.len() - 12];
    assert_eq!(
        unbake(without_iend, &limits()),
        Err(BakeError::PngMissingIend)
    );
    assert_eq!(
        bake(without_iend, BadgeVersion::V3, SOME_JWT, &limits()),
        Err(BakeError::PngMissingIend)
    );
}

#[test]
fn a_png_with_a_bad_crc_is_reported() {
    let mut file = bake(&small_png(), BadgeVersion::V3, SOME_JWT, &limits()).unwrap();
    let idat = file.windows(4).position(|w| w == b"IDAT").unwrap();
    file[idat + 5] ^= 0xff;
    let err = unbake(&file, &limits()).unwrap_err();
    assert_eq!(
        err,
        BakeError::PngBadCrc {
            chunk: "IDAT".into()
        }
    );
    assert!(err.to_string().contains("CRC does not match"));
}

#[test]
fn a_png_with_a_bad_header_is_not_baked() {
    // A zero-width IHDR with a correct CRC: the chunk walk accepts it, the png crate does not.
    let mut file = PNG_SIGNATURE.to_vec();
    file.extend(chunk(b"IHDR", &[0, 0, 0, 0, 0, 0, 0, 1, 8, 6, 0, 0, 0]));
    file.extend(chunk(b"IEND", b""));
    let err = bake(&file, BadgeVersion::V3, SOME_JWT, &limits());
    assert!(matches!(err, Err(BakeError::PngMalformed(_))), "{err:?}");
}

#[test]
fn malformed_svgs_are_reported() {
    let cases: [&[u8]; 6] = [
        b"<svg><g></svg>",
        b"<svg><g/>",
        b"<svg></svg><svg></svg>",
        b"<svg attr=\"1\" attr=\"2\"></svg>",
        b"<svg>\xff\xfe</svg>",
        b"<svg><openbadges:credential>&nope;</openbadges:credential></svg>",
    ];
    for case in cases {
        let err = unbake(case, &limits());
        assert!(
            matches!(err, Err(BakeError::SvgMalformed(_))),
            "{:?}: {err:?}",
            String::from_utf8_lossy(case)
        );
    }
}

#[test]
fn an_svg_with_an_entity_expansion_attempt_is_refused() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
  <openbadges:credential>&lol3;</openbadges:credential>
</svg>"#;
    assert_eq!(
        unbake(laughs.as_bytes(), &limits()),
        Err(BakeError::SvgDtdRefused)
    );
    let err = bake(laughs.as_bytes(), BadgeVersion::V3, SOME_JWT, &limits());
    assert_eq!(err, Err(BakeError::SvgDtdRefused));

    let external = "<!DOCTYPE svg [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><svg>&xxe;</svg>";
    assert_eq!(
        unbake(external.as_bytes(), &limits()),
        Err(BakeError::SvgDtdRefused)
    );
}

// ---- Property tests ----

fn text_strategy() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        any::<String>(),
        "[a-z ]{0,8}(\\]\\]>|é|漢字|😀|<!\\[CDATA\\[|&amp;|\"|\\\\){0,4}[a-z ]{0,8}",
    ]
}

fn jwt_strategy() -> impl Strategy<Value = String> + Clone {
    "[A-Za-z0-9_-]{1,40}\\.[A-Za-z0-9_-]{1,60}\\.[A-Za-z0-9_-]{0,40}"
}

/// A JSON payload, a JWT, or (for OB 2.0) a URL, with the version to bake it as.
fn payload_strategy() -> impl Strategy<Value = (BadgeVersion, String)> {
    let json = (text_strategy(), text_strategy()).prop_map(|(name, description)| {
        json!({
            "id": "https://issuer.example/assertions/7",
            "name": name,
            "description": description,
        })
        .to_string()
    });
    let url = "https://[a-z]{1,10}\\.example/[a-zA-Z0-9/?=&%-]{0,30}";
    prop_oneof![
        json.clone().prop_map(|p| (BadgeVersion::V3, p)),
        json.prop_map(|p| (BadgeVersion::V2, p)),
        jwt_strategy().prop_map(|p| (BadgeVersion::V3, p)),
        jwt_strategy().prop_map(|p| (BadgeVersion::V2, p)),
        url.prop_map(|p| (BadgeVersion::V2, p)),
    ]
}

fn png_strategy() -> impl Strategy<Value = Vec<u8>> {
    (1u32..6, 1u32..6)
        .prop_flat_map(|(w, h)| {
            let size = (w * h * 4) as usize;
            (Just(w), Just(h), prop::collection::vec(any::<u8>(), size))
        })
        .prop_map(|(w, h, pixels)| encode_png(w, h, &pixels))
}

const SVG_TEMPLATES: [&str; 4] = [
    PLAIN_SVG,
    "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \
     \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg \
     xmlns:openbadges=\"http://openbadges.org\">\
     <openbadges:assertion verify=\"https://o.example/\"/>\
     <text>&lt;ok&gt; <![CDATA[raw]]></text></svg>\n",
    "<svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\"><svg:g/></svg:svg>",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn generated_pngs_round_trip_and_keep_every_chunk(
        original in png_strategy(),
        (version, payload) in payload_strategy(),
    ) {
        let baked = bake(&original, version, &payload, &limits()).unwrap();
        let found = unbake(&baked, &limits()).unwrap();
        prop_assert_eq!(&found.payload, &payload);
        prop_assert_eq!((found.version, found.image), (version, ImageKind::Png));

        let mut baked_chunks = raw_chunks(&baked);
        let badge = baked_chunks.remove(baked_chunks.len() - 2);
        prop_assert!(is_badge_chunk(&badge));
        prop_assert_eq!(baked_chunks, raw_chunks(&original));
        prop_assert_eq!(decode_png(&baked).0, decode_png(&original).0);
    }

    #[test]
    fn generated_payloads_round_trip_through_svg(
        template in 0..SVG_TEMPLATES.len(),
        (version, payload) in payload_strategy(),
    ) {
        let original = SVG_TEMPLATES[template];
        let baked = bake(original.as_bytes(), version, &payload, &limits()).unwrap();
        let found = unbake(&baked, &limits()).unwrap();
        prop_assert_eq!(&found.payload, &payload);
        prop_assert_eq!((found.version, found.image), (version, ImageKind::Svg));

        let rebaked = bake(&baked, version, &payload, &limits()).unwrap();
        prop_assert_eq!(rebaked, baked);
    }

    #[test]
    fn unbaking_damaged_vectors_never_panics(
        which in 0..4usize,
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        keep in any::<prop::sample::Index>(),
    ) {
        let names = ["simple-json.png", "simple-jwt.png", "simple-json.svg", "simple-jwt.svg"];
        let mut file = vector(names[which]);
        for (at, value) in flips {
            let at = at.index(file.len());
            file[at] = value;
        }
        file.truncate(keep.index(file.len() + 1));
        let _ = unbake(&file, &limits());
        let _ = bake(&file, BadgeVersion::V3, SOME_JWT, &limits());
    }

    #[test]
    fn unbaking_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = unbake(&bytes, &limits());
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend_from_slice(&bytes);
        let _ = unbake(&png, &limits());
    }
}
