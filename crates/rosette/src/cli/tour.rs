//! The offline tour of the credential core, which `rosette demo` writes into `DIR/tour/`
//! each time it starts: it makes a `did:key` issuer key, signs a realistic Open Badges 3.0
//! credential as JSON-LD and as a VC-JWT, bakes it into a PNG and an SVG badge, verifies
//! every form, and checks that a tampered copy is caught. Nothing here needs the server or
//! the network; the reports go to `report.txt` beside the files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use badges::bake::{self, BadgeVersion, BakeLimits};
use badges::jwt::{self, JwtSigningKey, PayloadStyle};
use badges::keys::{KeyFile, KeyPair};
use badges::proof::{self, ProofOptions};
use badges::resolve::OfflineResolver;
use badges::verify::{self, Options, Report, Verdict};
use chrono::Utc;

/// The badge artwork the tour bakes into (an SVG drawn for the demo).
const BADGE_SVG: &str = include_str!("../../assets/demo-badge.svg");

/// The files the tour verifies, in the order it verifies them.
pub const FILES: [&str; 4] = ["badge.json", "badge.jwt", "badge.png", "badge.svg"];

/// What the tour found.
#[derive(Debug)]
pub struct Tour {
    /// Where its files are.
    pub dir: PathBuf,
    /// Whether every form verified and the forgery was caught.
    pub passed: bool,
}

/// Runs the tour into `dir`, replacing what an earlier tour left there.
pub fn run(dir: &Path) -> anyhow::Result<Tour> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let key = KeyPair::generate();
    let key_file = serde_json::to_string_pretty(&KeyFile::for_did_key(&key))?;
    write(dir, "issuer-key.json", key_file.as_bytes())?;
    let signed = sign_and_bake(dir, &key)?;

    let resolver = OfflineResolver::new();
    let options = Options {
        resolver: &resolver,
        now: Utc::now(),
        recipient: None,
    };
    let mut report = String::new();
    let mut passed = true;
    for file in FILES {
        let bytes = std::fs::read(dir.join(file))?;
        let checked = verify::verify_bytes(&bytes, &options);
        passed &= checked.verdict == Verdict::Valid;
        describe(&mut report, file, &checked);
    }
    let mut tampered = signed;
    tampered["credentialSubject"]["achievement"]["name"] = "Kubernetes Grandmaster".into();
    let checked = verify::verify_credential(&tampered, &options);
    passed &= checked.verdict == Verdict::Invalid;
    describe(&mut report, "a copy with the badge name changed", &checked);
    write(dir, "report.txt", report.as_bytes())?;
    Ok(Tour {
        dir: dir.to_owned(),
        passed,
    })
}

/// Signs the sample credential, writes it as JSON-LD, VC-JWT, PNG and SVG, and returns it.
fn sign_and_bake(dir: &Path, key: &KeyPair) -> anyhow::Result<serde_json::Value> {
    let now = Utc::now();
    let mut unsigned = badges::sample::realistic_credential(&key.did_key(), 1);
    // No status list is published offline, so the entry would point nowhere.
    unsigned
        .as_object_mut()
        .map(|c| c.remove("credentialStatus"));
    unsigned["validFrom"] = proof::xsd_date_time(now).into();
    let options = ProofOptions {
        verification_method: key.did_key_method(),
        created: now,
    };
    let signed = proof::sign(&unsigned, key, &options)?;
    write(
        dir,
        "badge.json",
        serde_json::to_string_pretty(&signed)?.as_bytes(),
    )?;

    let jwt_key = JwtSigningKey::ed25519(key.signing_key())?;
    let token = jwt::sign_credential(
        &unsigned,
        &jwt_key,
        &key.did_key_method(),
        PayloadStyle::Vcdm2,
        Some(now),
    )?;
    write(dir, "badge.jwt", token.as_bytes())?;

    let limits = BakeLimits::default();
    let compact = serde_json::to_string(&signed)?;
    let svg = bake::bake(BADGE_SVG.as_bytes(), BadgeVersion::V3, &compact, &limits)?;
    write(dir, "badge.svg", &svg)?;
    let png = super::artwork::badge_png();
    write(
        dir,
        "badge.png",
        &bake::bake(&png, BadgeVersion::V3, &compact, &limits)?,
    )?;
    Ok(signed)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn describe(out: &mut String, what: &str, report: &Report) {
    let _ = writeln!(out, "Verifying {what}:");
    for line in report.to_text().lines() {
        let _ = writeln!(out, "  {line}");
    }
    out.push('\n');
}
