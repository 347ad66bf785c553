//! The `rosette` command line, driven as a user would: making keys, signing credentials (JSON,
//! VC-JWT, batches), verifying them with the documented exit codes, baking and unbaking, and
//! refusing bad input with one readable line rather than a panic.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

/// Runs `rosette` with `args`, feeding `stdin` (empty when `None`).
fn rosette(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rosette"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // A command that fails early may close its input first; that is not the test's concern.
    let _ = input.write_all(stdin.unwrap_or_default());
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts that the command failed with exactly one readable line on standard error.
fn assert_refused(out: &Output, expected: &str) {
    let err = stderr(out);
    assert!(!out.status.success(), "it succeeded: {}", stdout(out));
    assert_ne!(out.status.code(), None, "killed by a signal: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("rosette: "), "{err}");
    assert!(err.contains(expected), "expected {expected:?} in: {err}");
}

fn assert_success(out: &Output) {
    assert!(out.status.success(), "failed: {}", stderr(out));
}

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rosette-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Generates a key file in `dir` and returns its path.
fn new_key(dir: &Path) -> PathBuf {
    let key = dir.join("key.json");
    assert_success(&rosette(&["keys", "generate", "--out", path(&key)], None));
    key
}

fn key_file(key: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(key).unwrap()).unwrap()
}

/// An unsigned credential with no issuer id, id or validFrom (signing fills them in).
fn unsigned(name: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"type": ["Profile"], "name": "Acme Academy"},
        "name": name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "emailAddress",
                "hashed": true, "salt": "s1",
                "identityHash": badges::model::identity_hash("ada@example.org", "s1")}],
            "achievement": {
                "id": "https://academy.example.org/achievements/1",
                "type": ["Achievement"], "name": name, "description": "About it.",
                "criteria": {"narrative": "Do it."}
            }
        }
    })
}

/// Signs `doc` with the key file at `key` and returns standard output.
fn sign(key: &Path, doc: &Value, extra: &[&str]) -> String {
    let mut args = vec!["credential", "sign", "--key", path(key)];
    args.extend_from_slice(extra);
    let out = rosette(&args, Some(doc.to_string().as_bytes()));
    assert_success(&out);
    stdout(&out)
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, bytes).unwrap();
    file
}

fn encode_png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 4, 4);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[200; 64]).unwrap();
    writer.finish().unwrap();
    out
}

fn standards() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/standards")
}

// ---------------------------------------------------------------------------------------------
// keys
// ---------------------------------------------------------------------------------------------

#[test]
fn keys_generate_writes_a_file_only_its_owner_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("keys");
    let key = new_key(&dir);
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");

    let file = key_file(&key);
    assert_eq!(file["type"], "Multikey");
    let controller = file["controller"].as_str().unwrap();
    assert!(controller.starts_with("did:key:z6Mk"), "{controller}");
    assert!(file["id"].as_str().unwrap().starts_with(controller));
    assert!(
        file["secretKeyMultibase"]
            .as_str()
            .unwrap()
            .starts_with('z')
    );
}

#[test]
fn keys_generate_refuses_to_overwrite_an_existing_file() {
    let dir = temp_dir("keys-overwrite");
    let key = new_key(&dir);
    let before = std::fs::read(&key).unwrap();
    let out = rosette(&["keys", "generate", "--out", path(&key)], None);
    assert_refused(&out, "cannot write");
    assert_eq!(std::fs::read(&key).unwrap(), before, "the key was replaced");
}

#[test]
fn keys_generate_for_an_https_controller_names_the_key_under_it() {
    let dir = temp_dir("keys-https");
    let key = dir.join("key.json");
    let issuer = "https://academy.example.org/issuers/1";
    let out = rosette(
        &[
            "keys",
            "generate",
            "--out",
            path(&key),
            "--controller",
            issuer,
        ],
        None,
    );
    assert_success(&out);
    let file = key_file(&key);
    assert_eq!(file["controller"], issuer);
    assert!(
        file["id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{issuer}#z"))
    );

    let out = rosette(
        &["keys", "generate", "--controller", "http://x.example"],
        None,
    );
    assert_refused(&out, "--controller must be an https URL");
}

// ---------------------------------------------------------------------------------------------
// credential sign
// ---------------------------------------------------------------------------------------------

#[test]
fn signing_fills_in_the_issuer_id_the_credential_id_and_valid_from() {
    let dir = temp_dir("sign");
    let key = new_key(&dir);
    let signed: Value = serde_json::from_str(&sign(&key, &unsigned("Rust"), &[])).unwrap();
    let controller = key_file(&key)["controller"].clone();
    assert_eq!(signed["issuer"]["id"], controller);
    assert!(signed["id"].as_str().unwrap().starts_with("urn:uuid:"));
    let from = signed["validFrom"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(from).is_ok(), "{from}");
    let proof = &signed["proof"][0];
    assert_eq!(proof["cryptosuite"], "eddsa-rdfc-2022");
    assert_eq!(proof["verificationMethod"], key_file(&key)["id"]);

    let file = write(&dir, "signed.json", signed.to_string());
    let out = rosette(&["verify", path(&file)], None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_credential_file_saved_with_a_byte_order_mark_signs_bakes_and_verifies() {
    let dir = temp_dir("bom");
    let key = new_key(&dir);
    let bom = |text: String| [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat();
    let unsigned = write(&dir, "unsigned.json", bom(unsigned("Rust").to_string()));
    let out = rosette(
        &["credential", "sign", "--key", path(&key), path(&unsigned)],
        None,
    );
    assert_success(&out);
    let signed = write(&dir, "signed.json", bom(stdout(&out)));
    let out = rosette(&["verify", path(&signed)], None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let image = write(&dir, "badge.png", encode_png());
    let baked = dir.join("baked.png");
    let args = [
        "bake",
        "--credential",
        path(&signed),
        "--image",
        path(&image),
        "--out",
        path(&baked),
    ];
    assert_success(&rosette(&args, None));
    let out = rosette(&["verify", path(&baked)], None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn signing_keeps_an_id_and_valid_from_that_are_already_there() {
    let dir = temp_dir("sign-keep");
    let key = new_key(&dir);
    let mut doc = unsigned("Rust");
    doc["id"] = json!("https://academy.example.org/credentials/9");
    doc["validFrom"] = json!("2026-01-01T00:00:00Z");
    let signed: Value = serde_json::from_str(&sign(&key, &doc, &[])).unwrap();
    assert_eq!(signed["id"], doc["id"]);
    assert_eq!(signed["validFrom"], doc["validFrom"]);
}

#[test]
fn signing_refuses_a_credential_whose_issuer_is_not_the_keys_controller() {
    let dir = temp_dir("sign-issuer");
    let key = new_key(&dir);
    let mut doc = unsigned("Rust");
    doc["issuer"]["id"] = json!("https://someone-else.example/issuer");
    let args = ["credential", "sign", "--key", path(&key)];
    let out = rosette(&args, Some(doc.to_string().as_bytes()));
    assert_refused(&out, "but the key belongs to did:key:");
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
}

#[test]
fn signing_refuses_a_credential_that_is_already_signed() {
    let dir = temp_dir("sign-twice");
    let key = new_key(&dir);
    let signed = sign(&key, &unsigned("Rust"), &[]);
    let args = ["credential", "sign", "--key", path(&key)];
    let out = rosette(&args, Some(signed.as_bytes()));
    assert_refused(&out, "already signed");
}

#[test]
fn a_credential_signed_as_a_jwt_verifies_with_rosette_verify() {
    let dir = temp_dir("sign-jwt");
    let key = new_key(&dir);
    let token = sign(&key, &unsigned("Rust"), &["--jwt"]);
    assert_eq!(token.trim().split('.').count(), 3, "{token}");
    let file = write(&dir, "credential.jwt", &token);
    let out = rosette(&["verify", path(&file)], None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("VC-JWT"), "{}", stdout(&out));
}

#[test]
fn jsonl_signing_signs_one_credential_per_line() {
    let dir = temp_dir("jsonl");
    let key = new_key(&dir);
    let lines: String = ["One", "Two", "Three"]
        .iter()
        .map(|n| format!("{}\n\n", unsigned(n)))
        .collect();
    let args = ["credential", "sign", "--jsonl", "--key", path(&key)];
    let out = rosette(&args, Some(lines.as_bytes()));
    assert_success(&out);
    let signed: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = signed.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["One", "Two", "Three"]);
    let ids: std::collections::HashSet<&str> =
        signed.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "every credential gets its own id");
}

#[test]
fn jsonl_signing_names_the_line_of_a_bad_credential() {
    let dir = temp_dir("jsonl-bad");
    let key = new_key(&dir);
    let lines = format!("{}\n{{not json\n{}\n", unsigned("One"), unsigned("Three"));
    let args = ["credential", "sign", "--jsonl", "--key", path(&key)];
    let out = rosette(&args, Some(lines.as_bytes()));
    assert_refused(&out, "line 2");
    assert!(stderr(&out).contains("not valid JSON"), "{}", stderr(&out));
}

#[test]
fn signing_with_a_missing_or_broken_key_file_says_so() {
    let dir = temp_dir("sign-badkey");
    let doc = unsigned("Rust").to_string();
    let missing = dir.join("nope.json");
    let out = rosette(
        &["credential", "sign", "--key", path(&missing)],
        Some(doc.as_bytes()),
    );
    assert_refused(&out, "cannot read the key file");

    let broken = write(&dir, "broken.json", "{\"type\": \"Multikey\"}");
    let out = rosette(
        &["credential", "sign", "--key", path(&broken)],
        Some(doc.as_bytes()),
    );
    assert_refused(&out, "is not a usable key file");
}

#[test]
fn signing_input_that_is_not_a_credential_is_refused_in_one_line() {
    let dir = temp_dir("sign-bad");
    let key = new_key(&dir);
    let cases: [(&[u8], &str); 4] = [
        (b"not json at all", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"{\"issuer\": 7}", "issuer must be an object or an id"),
        (b"", "not valid JSON"),
    ];
    for (input, expected) in cases {
        let out = rosette(&["credential", "sign", "--key", path(&key)], Some(input));
        assert_refused(&out, expected);
    }
    let mut no_subject = unsigned("Rust");
    no_subject
        .as_object_mut()
        .unwrap()
        .remove("credentialSubject");
    let out = rosette(
        &["credential", "sign", "--key", path(&key)],
        Some(no_subject.to_string().as_bytes()),
    );
    assert_refused(&out, "not an Open Badges 3.0 credential");
}

// ---------------------------------------------------------------------------------------------
// verify
// ---------------------------------------------------------------------------------------------

#[test]
fn verify_exits_0_for_valid_1_for_invalid_and_2_for_could_not_check() {
    let dir = temp_dir("verify-codes");
    let key = new_key(&dir);
    let signed = sign(&key, &unsigned("Rust"), &[]);
    let valid = write(&dir, "valid.json", &signed);
    let mut doc: Value = serde_json::from_str(&signed).unwrap();
    doc["name"] = json!("Forged");
    let invalid = write(&dir, "invalid.json", doc.to_string());
    // Its issuer's key is only published online, and verification is offline by default.
    let unknown = standards().join("test-vectors/1edtech-validator-ob30/simple.json");

    for (file, code, first) in [
        (valid, 0, "VALID"),
        (invalid, 1, "INVALID"),
        (unknown, 2, "COULD NOT BE FULLY CHECKED"),
    ] {
        let out = rosette(&["verify", path(&file)], None);
        assert_eq!(out.status.code(), Some(code), "{}", stdout(&out));
        assert!(stdout(&out).starts_with(first), "{}", stdout(&out));
    }
}

#[test]
fn verify_reads_standard_input_and_prints_json_on_request() {
    let dir = temp_dir("verify-json");
    let key = new_key(&dir);
    let signed = sign(&key, &unsigned("Rust"), &[]);
    let out = rosette(&["verify", "--json", "-"], Some(signed.as_bytes()));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["verdict"], "valid");
    assert_eq!(report["name"], "Rust");
    let checks = report["checks"].as_array().unwrap();
    let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"proof") && ids.contains(&"dates"), "{ids:?}");
}

#[test]
fn verify_checks_the_recipient_and_the_time_it_is_asked_about() {
    let dir = temp_dir("verify-options");
    let key = new_key(&dir);
    let file = write(&dir, "c.json", sign(&key, &unsigned("Rust"), &[]));
    let right = [
        "verify",
        "--recipient-email",
        "ADA@example.org",
        path(&file),
    ];
    assert_eq!(rosette(&right, None).status.code(), Some(0));
    let wrong = [
        "verify",
        "--recipient-email",
        "eve@example.org",
        path(&file),
    ];
    let out = rosette(&wrong, None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("[FAIL] recipient"),
        "{}",
        stdout(&out)
    );

    let before = ["verify", "--at", "2000-01-01T00:00:00Z", path(&file)];
    let out = rosette(&before, None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("[FAIL] dates"), "{}", stdout(&out));
}

#[test]
fn verify_refuses_loopback_http_without_online() {
    let dir = temp_dir("verify-loopback");
    let file = write(&dir, "c.json", "{}");
    let out = rosette(&["verify", "--allow-http-loopback", path(&file)], None);
    assert_refused(&out, "--allow-http-loopback only makes sense with --online");
}

#[test]
fn verify_refuses_a_url_without_online() {
    let out = rosette(&["verify", "https://issuer.example/assertions/1"], None);
    assert_refused(&out, "verifying a URL needs --online");
}

#[test]
fn verify_of_a_missing_file_says_which_file_in_one_line() {
    let out = rosette(&["verify", "/nonexistent/credential.json"], None);
    assert_refused(&out, "cannot open /nonexistent/credential.json");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn verify_of_input_that_is_not_a_credential_reports_it_as_invalid() {
    let dir = temp_dir("verify-garbage");
    let cases: [(&str, Vec<u8>, &str); 3] = [
        (
            "garbage.json",
            b"{ this is not json".to_vec(),
            "[FAIL] parse",
        ),
        ("empty.json", Vec::new(), "[FAIL] parse"),
        ("plain.png", encode_png(), "[FAIL] image"),
    ];
    for (name, bytes, line) in cases {
        let file = write(&dir, name, bytes);
        let out = rosette(&["verify", path(&file)], None);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stdout(&out));
        assert!(stdout(&out).contains(line), "{name}: {}", stdout(&out));
        assert!(stderr(&out).is_empty(), "{name}: {}", stderr(&out));
    }
}

// ---------------------------------------------------------------------------------------------
// bake and unbake
// ---------------------------------------------------------------------------------------------

#[test]
fn a_baked_png_unbakes_to_the_same_credential_and_verifies() {
    let dir = temp_dir("bake");
    let key = new_key(&dir);
    let signed = sign(&key, &unsigned("Rust"), &[]);
    let credential = write(&dir, "c.json", &signed);
    let image = write(&dir, "badge.png", encode_png());
    let baked = dir.join("baked.png");
    let out = rosette(
        &[
            "bake",
            "--credential",
            path(&credential),
            "--image",
            path(&image),
            "--out",
            path(&baked),
        ],
        None,
    );
    assert_success(&out);

    let out = rosette(&["unbake", path(&baked)], None);
    assert_success(&out);
    let unbaked: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(unbaked, serde_json::from_str::<Value>(&signed).unwrap());

    let out = rosette(&["verify", path(&baked)], None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("baked PNG"), "{}", stdout(&out));
}

#[test]
fn a_jwt_baked_into_an_svg_unbakes_and_verifies() {
    let dir = temp_dir("bake-svg");
    let key = new_key(&dir);
    let token = sign(&key, &unsigned("Rust"), &["--jwt"]);
    let credential = write(&dir, "c.jwt", &token);
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"/>\n";
    let image = write(&dir, "badge.svg", svg);
    let baked = dir.join("baked.svg");
    let args = [
        "bake",
        "--credential",
        path(&credential),
        "--image",
        path(&image),
        "--out",
        path(&baked),
    ];
    assert_success(&rosette(&args, None));
    let out = rosette(&["unbake", path(&baked)], None);
    assert_eq!(stdout(&out).trim(), token.trim());
    let out = rosette(&["verify", path(&baked)], None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn unbaking_an_image_without_a_badge_or_a_missing_file_is_refused_in_one_line() {
    let dir = temp_dir("unbake-bad");
    let plain = write(&dir, "plain.png", encode_png());
    let out = rosette(&["unbake", path(&plain)], None);
    assert_refused(&out, "cannot unbake");

    let out = rosette(&["unbake", path(&dir.join("missing.png"))], None);
    assert_refused(&out, "cannot open");

    let text = write(&dir, "notes.txt", "just some text");
    let out = rosette(&["unbake", path(&text)], None);
    assert_refused(&out, "cannot unbake");
}

#[test]
fn baking_into_something_that_is_not_an_image_is_refused_in_one_line() {
    let dir = temp_dir("bake-bad");
    let key = new_key(&dir);
    let credential = write(&dir, "c.json", sign(&key, &unsigned("Rust"), &[]));
    let not_image = write(&dir, "notes.txt", "just some text");
    let out_file = dir.join("out.png");
    let args = [
        "bake",
        "--credential",
        path(&credential),
        "--image",
        path(&not_image),
        "--out",
        path(&out_file),
    ];
    assert_refused(&rosette(&args, None), "cannot bake into");
    assert!(!out_file.exists());

    let image = write(&dir, "badge.png", encode_png());
    let garbage = write(&dir, "garbage.json", "not a credential");
    let args = [
        "bake",
        "--credential",
        path(&garbage),
        "--image",
        path(&image),
        "--out",
        path(&out_file),
    ];
    assert_refused(&rosette(&args, None), "cannot bake into");
    assert!(!out_file.exists());
}
