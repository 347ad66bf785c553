//! The bundled contexts and schemas are exact copies of the shared standards files.

mod common;

use badges::contexts::BUNDLED;

fn standards_file_for(file: &str) -> String {
    match file {
        "ob-v3p0-context-3.0.0.json" => "ob_v3p0/context.json".into(),
        "ob-v3p0-extensions.json" => "ob_v3p0/extensions.json".into(),
        "ob-v2p0-context.json" => "ob_v2p0/context.json".into(),
        "ob-v1-context.json" => "ob_v2p0/v1-context.json".into(),
        "ob-v2p1-context.jsonld" => "ob_v2p1/ob_v2p1.jsonld".into(),
        f if f.starts_with("ob-v3p0-context-") => {
            format!("ob_v3p0/{}", f.trim_start_matches("ob-v3p0-"))
        }
        f => format!("contexts/{f}"),
    }
}

#[test]
fn every_bundled_context_is_byte_identical_to_the_standards_copy() {
    for c in BUNDLED {
        let theirs = common::read_standard(&standards_file_for(c.file));
        assert!(
            theirs == c.json,
            "{} differs from {}",
            c.file,
            standards_file_for(c.file)
        );
    }
    assert_eq!(BUNDLED.len(), 25);
}

#[test]
fn every_context_url_in_the_standards_index_is_bundled() {
    let index = common::read_standard("contexts/INDEX.md");
    let urls: Vec<&str> = index
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(' ').next())
        .filter(|u| u.starts_with("https://"))
        .collect();
    assert!(urls.len() >= 20, "the index lists only {} URLs", urls.len());
    for url in urls {
        assert!(
            badges::contexts::lookup(url).is_some(),
            "{url} is not bundled"
        );
    }
}

#[test]
fn the_bundled_schemas_are_the_official_ones() {
    for name in ["achievementcredential", "endorsementcredential", "profile"] {
        let ours = std::fs::read_to_string(format!(
            "{}/schemas/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let theirs = common::read_standard(&format!("ob_v3p0/schema-ghpages-2024-07/{name}.json"));
        assert_eq!(ours, theirs, "{name}.json differs");
    }
}
