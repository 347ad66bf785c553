//! Embeds the lab tracks of `tracks/` in the binary, so `rosette demo` can write them out
//! wherever it runs. Generates `$OUT_DIR/tracks.rs`: a list of (path, bytes) pairs.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let tracks = manifest.join("../../tracks");
    println!("cargo:rerun-if-changed={}", tracks.display());
    let mut files = Vec::new();
    if tracks.is_dir() {
        collect(&tracks, &tracks, &mut files);
    }
    files.sort();
    let mut code = String::from("/// The shipped tracks' files: (path under `tracks/`, bytes).\n");
    code.push_str("pub static TRACK_FILES: &[(&str, &[u8])] = &[\n");
    for (relative, absolute) in &files {
        println!("cargo:rerun-if-changed={}", absolute.display());
        code.push_str(&format!(
            "    ({relative:?}, include_bytes!({:?})),\n",
            absolute
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("tracks.rs");
    std::fs::write(out, code).unwrap();
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(root, &path, files);
        } else if kind.is_file() {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            files.push((relative, path.canonicalize().unwrap()));
        }
    }
}
