//! PNG baking: reading the chunk stream, finding the Open Badges text chunk, and splicing a new
//! `iTXt` chunk in before `IEND` without touching any other chunk's bytes.
//!
//! The chunk walk is done here rather than through the `png` crate's decoder because baking
//! must copy chunks verbatim and unbaking must not decode the image. The `png` crate still
//! checks the header of an image before it is baked, so nothing is baked into a file that
//! decoders would refuse.

use std::io::{Cursor, Read};

use super::{BadgeVersion, BakeError, BakeLimits, OB2_PNG_KEYWORD, OB3_PNG_KEYWORD};

/// The eight bytes every PNG file starts with.
const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
/// The PNG specification caps a chunk's data length at 2^31 - 1 bytes.
const MAX_CHUNK_LENGTH: usize = 0x7fff_ffff;
/// Length, type and CRC fields around each chunk's data.
const CHUNK_OVERHEAD: usize = 12;
/// Memory the `png` crate may use while checking the header (it reads no pixel data).
const HEADER_CHECK_MEMORY: usize = 1024 * 1024;

/// One chunk of a PNG stream, pointing into the file.
#[derive(Debug, Clone, Copy)]
struct Chunk<'a> {
    kind: [u8; 4],
    data: &'a [u8],
    /// Byte range of the whole chunk (length, type, data, CRC) in the file.
    start: usize,
    end: usize,
}

/// The chunks of a PNG file, from `IHDR` to `IEND`, and any bytes after `IEND`.
struct ChunkStream<'a> {
    chunks: Vec<Chunk<'a>>,
    trailing: &'a [u8],
}

/// Tells whether `bytes` start with the PNG signature.
pub(super) fn has_signature(bytes: &[u8]) -> bool {
    bytes.starts_with(&SIGNATURE)
}

/// Bakes `payload` into a PNG, replacing any Open Badges text chunk already there.
pub(super) fn bake(
    image: &[u8],
    version: BadgeVersion,
    payload: &str,
    limits: &BakeLimits,
) -> Result<Vec<u8>, BakeError> {
    check_header(image)?;
    let stream = read_chunks(image, limits)?;
    let new_chunk = encode_chunk(*b"iTXt", &itxt_data(keyword(version), payload))?;

    let mut out = Vec::with_capacity(image.len() + new_chunk.len());
    out.extend_from_slice(&SIGNATURE);
    for chunk in &stream.chunks {
        if &chunk.kind == b"IEND" {
            out.extend_from_slice(&new_chunk);
        }
        if badge_keyword(chunk).is_none() {
            out.extend_from_slice(&image[chunk.start..chunk.end]);
        }
    }
    out.extend_from_slice(stream.trailing);
    Ok(out)
}

/// Extracts the first Open Badges text chunk of a PNG, after checking the whole chunk stream.
pub(super) fn unbake(
    file: &[u8],
    limits: &BakeLimits,
) -> Result<(BadgeVersion, String), BakeError> {
    let stream = read_chunks(file, limits)?;
    let (chunk, version) = stream
        .chunks
        .iter()
        .find_map(|chunk| badge_keyword(chunk).map(|version| (chunk, version)))
        .ok_or(BakeError::NoCredential)?;

    let text = chunk_text(chunk, limits)?;
    let payload = text.trim();
    if payload.is_empty() {
        return Err(BakeError::EmptyCredential("text chunk"));
    }
    Ok((version, payload.to_owned()))
}

fn keyword(version: BadgeVersion) -> &'static str {
    match version {
        BadgeVersion::V3 => OB3_PNG_KEYWORD,
        BadgeVersion::V2 => OB2_PNG_KEYWORD,
    }
}

/// Lets the `png` crate check the signature and `IHDR` (dimensions, bit depth, colour type).
fn check_header(image: &[u8]) -> Result<(), BakeError> {
    let limits = ::png::Limits {
        bytes: HEADER_CHECK_MEMORY,
    };
    let mut decoder = ::png::Decoder::new_with_limits(Cursor::new(image), limits);
    decoder.set_ignore_text_chunk(true);
    decoder
        .read_info()
        .map(drop)
        .map_err(|e| BakeError::PngMalformed(e.to_string()))
}

/// Walks the chunk stream, checking lengths and CRCs, until `IEND`.
fn read_chunks<'a>(file: &'a [u8], limits: &BakeLimits) -> Result<ChunkStream<'a>, BakeError> {
    if !has_signature(file) {
        return Err(BakeError::PngMalformed(
            "it does not start with the PNG signature".into(),
        ));
    }

    let mut chunks = Vec::new();
    let mut pos = SIGNATURE.len();
    while pos < file.len() {
        if chunks.len() == limits.max_png_chunks {
            return Err(BakeError::TooManyPngChunks {
                limit: limits.max_png_chunks,
            });
        }
        let chunk = read_chunk(file, pos)?;
        if chunks.is_empty() && &chunk.kind != b"IHDR" {
            return Err(BakeError::PngMalformed(
                "the first chunk is not IHDR".into(),
            ));
        }
        pos = chunk.end;
        chunks.push(chunk);
        if &chunk.kind == b"IEND" {
            return Ok(ChunkStream {
                chunks,
                trailing: &file[pos..],
            });
        }
    }
    Err(BakeError::PngMissingIend)
}

fn read_chunk(file: &[u8], start: usize) -> Result<Chunk<'_>, BakeError> {
    let rest = &file[start..];
    let Some((header, body)) = rest.split_first_chunk::<8>() else {
        return Err(BakeError::PngTruncated);
    };
    let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let kind = [header[4], header[5], header[6], header[7]];
    if length > MAX_CHUNK_LENGTH {
        return Err(BakeError::PngMalformed(format!(
            "a chunk declares a length of {length} bytes, more than PNG allows"
        )));
    }
    if !kind.iter().all(u8::is_ascii_alphabetic) {
        return Err(BakeError::PngMalformed(
            "a chunk type is not four letters".into(),
        ));
    }
    if body.len() < length + 4 {
        return Err(BakeError::PngTruncated);
    }

    let data = &body[..length];
    let stored_crc = u32::from_be_bytes([
        body[length],
        body[length + 1],
        body[length + 2],
        body[length + 3],
    ]);
    if crc(&kind, data) != stored_crc {
        return Err(BakeError::PngBadCrc {
            chunk: String::from_utf8_lossy(&kind).into_owned(),
        });
    }
    Ok(Chunk {
        kind,
        data,
        start,
        end: start + length + CHUNK_OVERHEAD,
    })
}

fn crc(kind: &[u8; 4], data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(kind);
    hasher.update(data);
    hasher.finalize()
}

/// Serializes a chunk: length, type, data, CRC.
fn encode_chunk(kind: [u8; 4], data: &[u8]) -> Result<Vec<u8>, BakeError> {
    let length = u32::try_from(data.len())
        .ok()
        .filter(|&length| length as usize <= MAX_CHUNK_LENGTH)
        .ok_or_else(|| BakeError::InvalidPayload("it is too large for a PNG chunk".into()))?;
    let mut out = Vec::with_capacity(data.len() + CHUNK_OVERHEAD);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc(&kind, data).to_be_bytes());
    Ok(out)
}

/// The data of an uncompressed `iTXt` chunk with empty language tag and translated keyword.
fn itxt_data(keyword: &str, text: &str) -> Vec<u8> {
    let mut data = Vec::with_capacity(keyword.len() + 5 + text.len());
    data.extend_from_slice(keyword.as_bytes());
    // Keyword terminator, compression flag, compression method, then the two empty fields.
    data.extend_from_slice(&[0, 0, 0, 0, 0]);
    data.extend_from_slice(text.as_bytes());
    data
}

/// Tells which version's keyword a chunk carries, if it is an Open Badges text chunk.
/// OB 2.0 readers must also accept the legacy `tEXt` form.
fn badge_keyword(chunk: &Chunk<'_>) -> Option<BadgeVersion> {
    let has_keyword = |keyword: &str| {
        chunk.data.starts_with(keyword.as_bytes()) && chunk.data.get(keyword.len()) == Some(&0)
    };
    match &chunk.kind {
        b"iTXt" if has_keyword(OB3_PNG_KEYWORD) => Some(BadgeVersion::V3),
        b"iTXt" | b"tEXt" if has_keyword(OB2_PNG_KEYWORD) => Some(BadgeVersion::V2),
        _ => None,
    }
}

/// Decodes the text of an Open Badges `iTXt` or `tEXt` chunk, within the limits.
fn chunk_text(chunk: &Chunk<'_>, limits: &BakeLimits) -> Result<String, BakeError> {
    let malformed = |why: &str| BakeError::BadgeChunkMalformed(why.into());
    let (_keyword, after_keyword) =
        split_at_nul(chunk.data).ok_or_else(|| malformed("no keyword terminator"))?;
    if &chunk.kind == b"tEXt" {
        check_payload_size(after_keyword.len(), limits)?;
        // tEXt is Latin-1, where each byte is the code point of the same value.
        return Ok(after_keyword.iter().map(|&b| char::from(b)).collect());
    }

    let [flag, method, fields @ ..] = after_keyword else {
        return Err(malformed("it ends before its compression fields"));
    };
    let (_language, rest) = split_at_nul(fields).ok_or_else(|| malformed("no language tag"))?;
    let (_translated, text) =
        split_at_nul(rest).ok_or_else(|| malformed("no translated keyword"))?;

    let bytes = match (flag, method) {
        (0, _) => {
            check_payload_size(text.len(), limits)?;
            text.to_vec()
        }
        (1, 0) => inflate(text, limits)?,
        (1, _) => return Err(malformed("unknown compression method")),
        _ => return Err(malformed("the compression flag is neither 0 nor 1")),
    };
    String::from_utf8(bytes).map_err(|_| BakeError::PayloadNotUtf8)
}

fn split_at_nul(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let nul = bytes.iter().position(|&b| b == 0)?;
    Some((&bytes[..nul], &bytes[nul + 1..]))
}

fn check_payload_size(size: usize, limits: &BakeLimits) -> Result<(), BakeError> {
    if size > limits.max_payload_bytes {
        return Err(BakeError::PayloadTooLarge {
            size,
            limit: limits.max_payload_bytes,
        });
    }
    Ok(())
}

/// Inflates zlib data, reading at most one byte past the limit so that a decompression bomb
/// is detected without ever holding its expansion.
fn inflate(compressed: &[u8], limits: &BakeLimits) -> Result<Vec<u8>, BakeError> {
    let limit = limits.max_decompressed_bytes.min(limits.max_payload_bytes);
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| {
            BakeError::BadgeChunkMalformed("its compressed text is not valid zlib data".into())
        })?;
    if out.len() > limit {
        return Err(BakeError::DecompressionTooLarge { limit });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk<'a>(kind: &[u8; 4], data: &'a [u8]) -> Chunk<'a> {
        Chunk {
            kind: *kind,
            data,
            start: 0,
            end: 0,
        }
    }

    #[test]
    fn itxt_data_has_empty_fields_and_no_compression() {
        assert_eq!(itxt_data("k", "t"), b"k\0\0\0\0\0t");
    }

    #[test]
    fn badge_keywords_are_recognised_only_in_text_chunks() {
        let v3 = itxt_data(OB3_PNG_KEYWORD, "x");
        let v2 = itxt_data(OB2_PNG_KEYWORD, "x");
        assert_eq!(badge_keyword(&chunk(b"iTXt", &v3)), Some(BadgeVersion::V3));
        assert_eq!(badge_keyword(&chunk(b"iTXt", &v2)), Some(BadgeVersion::V2));
        assert_eq!(
            badge_keyword(&chunk(b"tEXt", b"openbadges\0u")),
            Some(BadgeVersion::V2)
        );
        assert_eq!(badge_keyword(&chunk(b"tEXt", &v3)), None);
        assert_eq!(badge_keyword(&chunk(b"zTXt", &v2)), None);
        assert_eq!(badge_keyword(&chunk(b"iTXt", b"openbadgesX\0")), None);
    }

    #[test]
    fn encoded_chunk_reads_back_with_a_valid_crc() {
        let bytes = encode_chunk(*b"tEXt", b"a\0b").unwrap();
        let mut file = SIGNATURE.to_vec();
        file.extend_from_slice(&bytes);
        let read = read_chunk(&file, SIGNATURE.len()).unwrap();
        assert_eq!(&read.kind, b"tEXt");
        assert_eq!(read.data, b"a\0b");
        assert_eq!(read.end, file.len());
    }

    #[test]
    fn latin1_text_chunks_decode_byte_per_character() {
        let data = b"openbadges\0caf\xe9";
        let text = chunk_text(&chunk(b"tEXt", data), &BakeLimits::default()).unwrap();
        assert_eq!(text, "caf\u{e9}");
    }

    #[test]
    fn inflate_stops_one_byte_past_the_limit() {
        use std::io::Write;
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&[b'a'; 100]).unwrap();
        let compressed = encoder.finish().unwrap();
        let limits = BakeLimits {
            max_decompressed_bytes: 99,
            ..BakeLimits::default()
        };
        let err = inflate(&compressed, &limits);
        assert_eq!(err, Err(BakeError::DecompressionTooLarge { limit: 99 }));
        let ok = inflate(&compressed, &BakeLimits::default()).unwrap();
        assert_eq!(ok.len(), 100);
    }
}
