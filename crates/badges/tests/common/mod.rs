//! Helpers shared by the integration tests: where the standards folder is, and reading it.
#![allow(dead_code)]

use std::path::PathBuf;

/// The shared standards folder (`../shared/standards` from the workspace root).
pub fn standards_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/standards");
    assert!(
        dir.is_dir(),
        "the standards folder is missing: {}",
        dir.display()
    );
    dir
}

/// Reads a file below the standards folder as text.
pub fn read_standard(relative: &str) -> String {
    let path = standards_dir().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads a file below the standards folder as bytes.
pub fn read_standard_bytes(relative: &str) -> Vec<u8> {
    let path = standards_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
