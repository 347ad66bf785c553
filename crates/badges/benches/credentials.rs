//! Signing, verifying and baking a realistic credential, with raw Ed25519 as the baseline.
//!
//! `cargo bench -p badges` prints the time per operation; docs/performance.md turns those into
//! operations per second and ratios. Every benchmark runs on one thread.

use std::hint::black_box;

use badges::bake::{self, BadgeVersion, BakeLimits};
use badges::keys::KeyPair;
use badges::proof::{self, ProofOptions};
use badges::resolve::OfflineResolver;
use badges::sample::realistic_credential;
use chrono::{TimeZone, Utc};
use ed25519_dalek::Signer;

fn main() {
    divan::main();
}

fn key() -> KeyPair {
    KeyPair::from_secret_bytes(&[7; 32])
}

fn options(key: &KeyPair) -> ProofOptions {
    ProofOptions {
        verification_method: key.did_key_method(),
        created: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    }
}

/// Baseline: one raw Ed25519 signature over 64 bytes (what a proof signs).
#[divan::bench]
fn raw_ed25519_sign(bencher: divan::Bencher) {
    let key = key();
    bencher.bench(|| key.signing_key().sign(black_box(&[42u8; 64])));
}

/// A full eddsa-rdfc-2022 proof over a realistic credential.
#[divan::bench]
fn sign_credential(bencher: divan::Bencher) {
    let key = key();
    let doc = realistic_credential(&key.did_key(), 1);
    let options = options(&key);
    bencher.bench(|| proof::sign(black_box(&doc), &key, &options).unwrap());
}

/// Verifying the proof of a credential Rosette issued.
#[divan::bench]
fn verify_credential(bencher: divan::Bencher) {
    let (key, signed) = (key(), signed_credential());
    let issuer = key.did_key();
    let resolver = OfflineResolver::new();
    bencher.bench(|| {
        let results = proof::verify_proofs(black_box(&signed), &issuer, &resolver).unwrap();
        assert!(results[0].is_ok());
    });
}

/// A badge image to bake into: a 256×256 RGBA PNG, about what an achievement image weighs.
fn badge_png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 256, 256);
    encoder.set_color(png::ColorType::Rgba);
    let mut writer = encoder.write_header().unwrap();
    let pixels: Vec<u8> = (0..256 * 256 * 4).map(|i| (i % 251) as u8).collect();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    out
}

/// The realistic credential, signed.
fn signed_credential() -> serde_json::Value {
    let key = key();
    proof::sign(
        &realistic_credential(&key.did_key(), 1),
        &key,
        &options(&key),
    )
    .unwrap()
}

fn signed_text() -> String {
    serde_json::to_string(&signed_credential()).unwrap()
}

/// Baking a signed credential into a PNG (the image bytes are kept, a chunk is added).
#[divan::bench]
fn bake_png(bencher: divan::Bencher) {
    let (image, text, limits) = (badge_png(), signed_text(), BakeLimits::default());
    bencher.bench(|| bake::bake(black_box(&image), BadgeVersion::V3, &text, &limits).unwrap());
}

/// Taking the credential out of a baked PNG again.
#[divan::bench]
fn unbake_png(bencher: divan::Bencher) {
    let limits = BakeLimits::default();
    let baked = bake::bake(&badge_png(), BadgeVersion::V3, &signed_text(), &limits).unwrap();
    bencher.bench(|| bake::unbake(black_box(&baked), &limits).unwrap());
}

/// Canonical N-Quads of the credential through the fast path.
#[divan::bench]
fn canonicalize_fast(bencher: divan::Bencher) {
    let doc = realistic_credential(&key().did_key(), 1);
    bencher.bench(|| badges::fastpath::canonical_nquads(black_box(&doc)).unwrap());
}

/// The same through the generic JSON-LD processor, the fast path's oracle and fallback.
#[divan::bench(sample_count = 20)]
fn canonicalize_generic(bencher: divan::Bencher) {
    let text = realistic_credential(&key().did_key(), 1).to_string();
    bencher.bench(|| badges::rdf::canonical_nquads(black_box(text.as_bytes())).unwrap());
}

/// The whole verification procedure a verifier runs: type, official schema, proof, dates.
#[divan::bench]
fn verify_full_report(bencher: divan::Bencher) {
    let key = key();
    let mut doc = realistic_credential(&key.did_key(), 1);
    doc.as_object_mut().unwrap().remove("credentialStatus");
    let signed = proof::sign(&doc, &key, &options(&key)).unwrap();
    let resolver = OfflineResolver::new();
    let now = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let options = badges::verify::Options {
        resolver: &resolver,
        now,
        recipient: None,
    };
    bencher.bench(|| {
        let report = badges::verify::verify_credential(black_box(&signed), &options);
        assert_eq!(report.verdict, badges::verify::Verdict::Valid);
    });
}
