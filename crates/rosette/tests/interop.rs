//! Interoperability with an implementation nobody here wrote: the Digital Bazaar VC stack,
//! the reference JavaScript implementation of Data Integrity and `eddsa-rdfc-2022`.
//!
//! Credentials signed by `rosette credential sign` must verify there and pass the official
//! OB 3.0 JSON schema; credentials it signs must verify here, and their tampered twins must
//! not. Credentials a running server issues through its API must verify there too, with the
//! issuer's keys fetched from the server (the verifier fetches only from loopback).
//! `scripts/test.sh` installs the verifier's npm packages and sets ROSETTE_INTEROP_DIR.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::TestApp;
use rosette::auth::Role;
use serde_json::json;

on_both_engines!(credentials_the_server_issues_verify_with_the_reference_stack);

fn interop_dir() -> PathBuf {
    let dir = std::env::var_os("ROSETTE_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/interop"));
    assert!(
        dir.join("node_modules").is_dir(),
        "the interop verifier is not installed in {}: run scripts/test.sh",
        dir.display()
    );
    dir
}

fn standards() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/standards")
        .canonicalize()
        .unwrap()
}

fn node(script: &str, args: &[&Path]) -> Output {
    Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(interop_dir())
        .env("STANDARDS", standards())
        .output()
        .expect("node runs")
}

fn rosette(args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_rosette"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rosette-interop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Unsigned credentials of varied shapes, with awkward text, for the other stack to check.
fn unsigned_credentials() -> Vec<serde_json::Value> {
    let texts = [
        "Rust",
        "Zürich café",
        "日本語",
        "a \"quoted\" word",
        "line\nbreak",
        "tab\t🎉",
    ];
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let mut c = json!({
                "@context": ["https://www.w3.org/ns/credentials/v2",
                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
                "type": ["VerifiableCredential", "OpenBadgeCredential"],
                "issuer": {"type": ["Profile"], "name": format!("{text} Academy"),
                    "url": "https://academy.example.org"},
                "name": format!("{text} badge"),
                "credentialSubject": {
                    "type": ["AchievementSubject"],
                    "identifier": [{"type": "IdentityObject", "identityType": "emailAddress",
                        "hashed": true, "salt": format!("salt{i}"),
                        "identityHash": badges::model::identity_hash("ada@example.org", "s")}],
                    "achievement": {
                        "id": format!("https://academy.example.org/achievements/{i}"),
                        "type": ["Achievement"], "achievementType": "Badge",
                        "name": *text, "description": format!("About {text}."),
                        "criteria": {"narrative": format!("Do *{text}*.\n\n- one\n- two")},
                        "image": {"id": "https://academy.example.org/a.png", "type": "Image"},
                        "tag": [*text, "rust"],
                        "alignment": [{"type": ["Alignment"], "targetName": *text,
                            "targetUrl": "https://example.org/skills/1",
                            "targetFramework": "ESCO", "targetCode": "S1.2"}]
                    },
                    "result": [{"type": ["Result"], "resultDescription": "urn:uuid:r1",
                        "value": "passed"}]
                },
                "evidence": [{"type": ["Evidence"], "name": *text, "narrative": "Checked."}]
            });
            if i % 2 == 1 {
                c["validUntil"] = json!("2099-12-31T23:59:59Z");
                c["description"] = json!(format!("Number {i}"));
            }
            c
        })
        .collect()
}

#[test]
fn credentials_rosette_signs_verify_with_the_reference_stack_and_pass_the_schema() {
    let dir = temp_dir("ours");
    let key = dir.join("key.json");
    let out = rosette(&["keys", "generate", "--out", key.to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let lines: String = unsigned_credentials()
        .iter()
        .map(|c| format!("{c}\n"))
        .collect();
    let out = rosette(
        &[
            "credential",
            "sign",
            "--jsonl",
            "--key",
            key.to_str().unwrap(),
        ],
        Some(lines.as_bytes()),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files = Vec::new();
    for (i, line) in String::from_utf8(out.stdout).unwrap().lines().enumerate() {
        let path = dir.join(format!("signed-{i}.json"));
        std::fs::write(&path, line).unwrap();
        files.push(path);
    }
    assert_eq!(files.len(), unsigned_credentials().len());
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();

    let verified = node("verify.mjs", &refs);
    let report = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success(),
        "the reference stack refused: {report}"
    );
    assert_eq!(
        report.matches("\"verified\":true").count(),
        files.len(),
        "{report}"
    );

    let schema = node("schema.mjs", &refs);
    let report = String::from_utf8_lossy(&schema.stdout);
    assert!(
        schema.status.success(),
        "the official schema refused: {report}"
    );

    // And a tampered copy is refused by the reference stack too, so the check can fail.
    let mut tampered: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
    tampered["credentialSubject"]["achievement"]["name"] = json!("Something else");
    let bad = dir.join("tampered.json");
    std::fs::write(&bad, tampered.to_string()).unwrap();
    assert!(!node("verify.mjs", &[bad.as_path()]).status.success());
}

#[test]
fn credentials_the_reference_stack_signs_verify_here_and_tampered_twins_do_not() {
    let dir = temp_dir("theirs");
    let made = node("sign-random.mjs", &[Path::new("8"), dir.as_path()]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    for k in 0..8 {
        let good = dir.join(format!("good-{k}.json"));
        let out = rosette(&["verify", good.to_str().unwrap()], None);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "good-{k} was refused:\n{text}");

        let bad = dir.join(format!("bad-{k}.json"));
        let out = rosette(&["verify", bad.to_str().unwrap()], None);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "bad-{k} was accepted:\n{text}");
        assert!(
            text.contains("[FAIL] proof"),
            "bad-{k} failed for another reason:\n{text}"
        );
    }
}

async fn credentials_the_server_issues_verify_with_the_reference_stack(app: TestApp) {
    let org = app.org_with_token(Role::Admin).await;
    let body = json!({"name": "Northwind Academy", "url": "https://academy.example.org",
                      "email": "badges@academy.example.org"});
    let (_, issuer) = app.post(&org.token, "/api/v1/issuers", body).await;
    let body = json!({"issuer_id": issuer["id"], "name": "Kubernetes Operator",
                      "description": "Runs production clusters.",
                      "criteria": {"narrative": "Pass every check of the *operator* lab."},
                      "skills": [{"name": "Kubernetes", "framework": "ESCO", "code": "k8s"}],
                      "tags": ["cloud"], "points": 50, "valid_for_days": 365,
                      "design": {"shape": "shield", "primary": "#0f766e",
                                 "secondary": "#f59e0b", "icon": "cloud", "text": "K8s"}});
    let (status, achievement) = app.post(&org.token, "/api/v1/achievements", body).await;
    assert_eq!(status, 201, "{achievement}");
    let body = json!({"achievement_id": achievement["id"],
                      "recipient": {"email": "ada@example.org", "name": "Ada Lovelace"},
                      "evidence": [{"name": "Lab report", "narrative": "All checks passed.",
                                    "url": "https://academy.example.org/labs/1"}]});
    let (status, award) = app.post(&org.token, "/api/v1/awards", body).await;
    assert_eq!(status, 201, "{award}");
    let url = award["credential_url"].as_str().unwrap();
    let credential = app
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    let parsed: serde_json::Value = serde_json::from_slice(&credential).unwrap();
    let list_url = parsed["credentialStatus"]["statusListCredential"]
        .as_str()
        .unwrap();
    let list = app
        .client
        .get(list_url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    let dir = temp_dir(&format!("served-{}", uuid::Uuid::new_v4().simple()));
    let (file, list_file) = (dir.join("served.json"), dir.join("status-list.json"));
    std::fs::write(&file, &credential).unwrap();
    std::fs::write(&list_file, &list).unwrap();
    // The verifier fetches the issuer's controller document from the server under test, which
    // runs on this test's runtime: wait for node off the runtime's threads.
    let (verified, schema) = tokio::task::spawn_blocking(move || {
        let both = [file.as_path(), list_file.as_path()];
        (node("verify.mjs", &both), node("schema.mjs", &[&file]))
    })
    .await
    .unwrap();
    let report = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success(),
        "the reference stack refused: {report}"
    );
    assert_eq!(report.matches("\"verified\":true").count(), 2, "{report}");
    let report = String::from_utf8_lossy(&schema.stdout);
    assert!(
        schema.status.success(),
        "the official schema refused: {report}"
    );
}
