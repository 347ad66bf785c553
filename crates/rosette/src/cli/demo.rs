//! `rosette demo`: a guided tour of what Rosette does, in one command.
//!
//! Today the tour covers the credential core, offline: it makes an issuer key, signs a
//! realistic Open Badges 3.0 credential as JSON-LD and as a VC-JWT, bakes it into a PNG and an
//! SVG badge, verifies every form, and shows that a tampered copy is caught. Everything it
//! makes is left in the data folder to open, share or verify again. The server, the web
//! interface and a seeded organization join the tour as they are built.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use badges::bake::{self, BadgeVersion, BakeLimits};
use badges::jwt::{self, JwtSigningKey, PayloadStyle};
use badges::keys::{KeyFile, KeyPair};
use badges::proof::{self, ProofOptions};
use badges::resolve::OfflineResolver;
use badges::verify::{self, Options, Report};
use chrono::Utc;
use clap::Args;

/// The badge artwork the demo bakes into (an SVG drawn for the demo).
const BADGE_SVG: &str = include_str!("../../assets/demo-badge.svg");

/// Arguments of `rosette demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to leave what the demo makes.
    #[arg(long, default_value = "rosette-demo")]
    data_dir: PathBuf,
}

impl DemoArgs {
    /// Runs the tour.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let dir = &self.data_dir;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        println!("Rosette demo: the credential core, offline.\n");

        let key = KeyPair::generate();
        let key_file = KeyFile::for_did_key(&key);
        write(
            dir,
            "issuer-key.json",
            serde_json::to_string_pretty(&key_file)?.as_bytes(),
        )?;
        println!("1. Made an issuer key: {}", key.did_key());

        let now = Utc::now();
        let mut unsigned = badges::sample::realistic_credential(&key.did_key(), 1);
        // No status list is published by this offline demo, so the entry would point nowhere.
        unsigned
            .as_object_mut()
            .map(|c| c.remove("credentialStatus"));
        unsigned["validFrom"] = proof::xsd_date_time(now).into();
        let options = ProofOptions {
            verification_method: key.did_key_method(),
            created: now,
        };
        let signed = proof::sign(&unsigned, &key, &options)?;
        let json = serde_json::to_string_pretty(&signed)?;
        write(dir, "badge.json", json.as_bytes())?;
        let jwt_key = JwtSigningKey::ed25519(key.signing_key())?;
        let token = jwt::sign_credential(
            &signed_without_proof(&signed),
            &jwt_key,
            &key.did_key_method(),
            PayloadStyle::Vcdm2,
            Some(now),
        )?;
        write(dir, "badge.jwt", token.as_bytes())?;
        println!("2. Signed a credential (eddsa-rdfc-2022) and the same as a VC-JWT");

        let limits = BakeLimits::default();
        let compact = serde_json::to_string(&signed)?;
        let svg = bake::bake(BADGE_SVG.as_bytes(), BadgeVersion::V3, &compact, &limits)?;
        write(dir, "badge.svg", &svg)?;
        let png = bake::bake(
            &super::artwork::badge_png(),
            BadgeVersion::V3,
            &compact,
            &limits,
        )?;
        write(dir, "badge.png", &png)?;
        println!("3. Baked it into badge.svg and badge.png\n");

        let resolver = OfflineResolver::new();
        let options = Options {
            resolver: &resolver,
            now,
            recipient: None,
        };
        let mut all_valid = true;
        for file in ["badge.json", "badge.jwt", "badge.png", "badge.svg"] {
            let bytes = std::fs::read(dir.join(file))?;
            let report = verify::verify_bytes(&bytes, &options);
            all_valid &= report.verdict == verify::Verdict::Valid;
            show(file, &report);
        }

        let mut tampered = signed.clone();
        tampered["credentialSubject"]["achievement"]["name"] = "Kubernetes Grandmaster".into();
        let report = verify::verify_credential(&tampered, &options);
        show("a copy with the badge name changed", &report);
        all_valid &= report.verdict == verify::Verdict::Invalid;

        println!("Everything is in {}. Try:", dir.display());
        println!("  rosette verify {}", dir.join("badge.png").display());
        println!("  rosette unbake {}", dir.join("badge.svg").display());
        println!(
            "  rosette verify --recipient-email ada@example.org {}",
            dir.join("badge.json").display()
        );
        Ok(if all_valid {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}

fn signed_without_proof(signed: &serde_json::Value) -> serde_json::Value {
    let mut doc = signed.clone();
    doc.as_object_mut().map(|c| c.remove("proof"));
    doc
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn show(what: &str, report: &Report) {
    println!("Verifying {what}:");
    for line in report.to_text().lines() {
        println!("  {line}");
    }
    println!();
}
