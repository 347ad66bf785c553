//! The subcommands of the `rosette` command line, one module each.

pub mod bake;
pub mod credential;
pub mod keys;
pub mod verify;

use std::io::Read;
use std::path::Path;

use anyhow::Context;

/// The most a file given on the command line may weigh before it is refused.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// The UTF-8 byte order mark.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Reads a file, or standard input for `-` or no path.
pub fn read_input(path: Option<&Path>) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match path {
        None => read_limited(std::io::stdin().lock(), &mut bytes, "standard input")?,
        Some(p) if p == Path::new("-") => {
            read_limited(std::io::stdin().lock(), &mut bytes, "standard input")?
        }
        Some(p) => {
            let file =
                std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
            read_limited(file, &mut bytes, &p.display().to_string())?
        }
    }
    Ok(bytes)
}

fn read_limited(reader: impl Read, into: &mut Vec<u8>, what: &str) -> anyhow::Result<()> {
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(into)
        .with_context(|| format!("cannot read {what}"))?;
    if into.len() as u64 > MAX_INPUT_BYTES {
        anyhow::bail!("{what} is larger than {MAX_INPUT_BYTES} bytes");
    }
    Ok(())
}

/// Parses JSON with a message that says where it went wrong.
pub fn parse_json(bytes: &[u8], what: &str) -> anyhow::Result<serde_json::Value> {
    // Some editors start a text file with a byte order mark, which JSON readers may ignore.
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    serde_json::from_slice(bytes).with_context(|| format!("{what} is not valid JSON"))
}
