//! Data Integrity proofs against the published vectors: the W3C vc-di-eddsa test vectors and
//! the Open Badges 3.0 implementation-guide vector reproduce byte for byte.

mod common;

use badges::keys::{KeyPair, PublishedKey, controller_document};
use badges::proof::{self, ProofError, ProofOptions, Suite};
use badges::resolve::OfflineResolver;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

const TV: &str = "w3c-vc-di-eddsa/TestVectors";
/// The secret key of the OB 3.0 implementation guide's test vector (published there).
const IMPL_GUIDE_SECRET: &str = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4";

fn json(path: &str) -> Value {
    serde_json::from_str(&common::read_standard(path)).unwrap()
}

fn w3c_key() -> KeyPair {
    let pair = json(&format!("{TV}/keyPair.json"));
    KeyPair::from_secret_multibase(pair["privateKeyMultibase"].as_str().unwrap()).unwrap()
}

fn options_from(config: &Value) -> ProofOptions {
    ProofOptions {
        verification_method: config["verificationMethod"].as_str().unwrap().to_owned(),
        created: config["created"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_w3c_vector(dir: &str, unsigned: &str) {
    let doc = json(unsigned);
    let config = json(&format!("{dir}/proofConfigDataInt.json"));
    let canon_doc = badges::canonical::canonical_nquads(&doc).unwrap();
    assert_eq!(
        canon_doc,
        common::read_standard(&format!("{dir}/canonDocDataInt.txt"))
    );
    let canon_proof = badges::canonical::canonical_nquads(&config).unwrap();
    assert_eq!(
        canon_proof,
        common::read_standard(&format!("{dir}/proofCanonDataInt.txt"))
    );
    let doc_hash = hex(&Sha256::digest(&canon_doc));
    assert_eq!(
        doc_hash,
        common::read_standard(&format!("{dir}/docHashDataInt.txt")).trim()
    );
    let proof_hash = hex(&Sha256::digest(&canon_proof));
    assert_eq!(
        proof_hash,
        common::read_standard(&format!("{dir}/proofHashDataInt.txt")).trim()
    );

    let signed = proof::sign(&doc, &w3c_key(), &options_from(&config)).unwrap();
    let expected = json(&format!("{dir}/signedDataInt.json"));
    assert_eq!(
        signed["proof"][0]["proofValue"],
        expected["proof"]["proofValue"]
    );

    let issuer = doc["issuer"]
        .as_str()
        .or(doc["issuer"]["id"].as_str())
        .unwrap();
    let results = proof::verify_proofs(&expected, issuer, &OfflineResolver::new());
    // The vector's issuer is not the did:key controller, so the key check must say so...
    let err = results.unwrap().remove(0).unwrap_err();
    assert!(matches!(err, ProofError::WrongController { .. }), "{err}");
    // ...while the signature itself verifies for the key's own controller.
    let controller = w3c_key().did_key();
    let ok = proof::verify_proofs(&expected, &controller, &OfflineResolver::new()).unwrap();
    assert_eq!(ok[0].as_ref().unwrap().suite, Suite::EddsaRdfc2022);
}

#[test]
fn the_w3c_eddsa_rdfc_2022_vector_reproduces_byte_for_byte() {
    check_w3c_vector(
        &format!("{TV}/eddsa-rdfc-2022"),
        &format!("{TV}/unsigned.json"),
    );
}

#[test]
fn the_w3c_employment_vector_reproduces_byte_for_byte() {
    check_w3c_vector(
        &format!("{TV}/eddsa-rdfc-2022/employ"),
        &format!("{TV}/employmentAuth.json"),
    );
}

#[test]
fn the_w3c_ed25519_signature_2020_vector_verifies() {
    let signed = json(&format!("{TV}/Ed25519Signature2020/signedEdSig.json"));
    let controller = w3c_key().did_key();
    let results = proof::verify_proofs(&signed, &controller, &OfflineResolver::new()).unwrap();
    assert_eq!(
        results[0].as_ref().unwrap().suite,
        Suite::Ed25519Signature2020
    );

    let mut tampered = signed.clone();
    tampered["credentialSubject"]["alumniOf"] = "Another School".into();
    let results = proof::verify_proofs(&tampered, &controller, &OfflineResolver::new()).unwrap();
    assert!(matches!(results[0], Err(ProofError::BadSignature)));
}

fn impl_guide_key() -> KeyPair {
    let bytes: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&IMPL_GUIDE_SECRET[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    KeyPair::from_secret_bytes(&bytes.try_into().unwrap())
}

fn impl_guide_resolver(key: &KeyPair) -> OfflineResolver {
    let issuer = "https://example.edu/issuers/565049";
    let method = format!("{issuer}#{}", key.public_multibase());
    let keys = [PublishedKey {
        id: method,
        key: key.verifying_key(),
    }];
    OfflineResolver::new().with_document(issuer, controller_document(issuer, &keys, None))
}

#[test]
fn the_open_badges_implementation_guide_vector_reproduces_byte_for_byte() {
    let signed = json("test-vectors/impl-guide-obv3p0-signed.json");
    let key = impl_guide_key();
    assert_eq!(
        key.public_multibase(),
        "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    );

    let mut unsigned = signed.clone();
    let published = unsigned.as_object_mut().unwrap().remove("proof").unwrap();
    let canon = badges::canonical::canonical_nquads(&unsigned).unwrap();
    assert_eq!(
        canon,
        common::read_standard("ob_v3p0/testvector-document-canon.txt")
    );
    let mut config = published.clone();
    config.as_object_mut().unwrap().remove("proofValue");
    config["@context"] = unsigned["@context"].clone();
    let canon = badges::canonical::canonical_nquads(&config).unwrap();
    assert_eq!(
        canon,
        common::read_standard("ob_v3p0/testvector-proof-canon.txt")
    );

    let ours = proof::sign(&unsigned, &key, &options_from(&published)).unwrap();
    assert_eq!(ours["proof"][0], published);

    let resolver = impl_guide_resolver(&key);
    let issuer = "https://example.edu/issuers/565049";
    let results = proof::verify_proofs(&signed, issuer, &resolver).unwrap();
    assert!(results[0].is_ok(), "{:?}", results[0]);
}

#[test]
fn a_key_the_issuer_document_does_not_list_is_refused() {
    let signed = json("test-vectors/impl-guide-obv3p0-signed.json");
    let resolver = impl_guide_resolver(&KeyPair::generate());
    let issuer = "https://example.edu/issuers/565049";
    let results = proof::verify_proofs(&signed, issuer, &resolver).unwrap();
    let err = results[0].as_ref().unwrap_err();
    assert!(err.to_string().contains("not listed"), "{err}");
    let offline = proof::verify_proofs(&signed, issuer, &OfflineResolver::new()).unwrap();
    assert!(offline[0].as_ref().unwrap_err().is_unavailable());
}

#[test]
fn every_did_key_proof_in_the_shared_fixtures_verifies_and_the_tampered_one_fails() {
    let dir = common::standards_dir().join("test-vectors/dcc-vc-test-fixtures");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let issuer = match &doc["issuer"] {
            Value::String(s) => s.clone(),
            other => other["id"].as_str().unwrap().to_owned(),
        };
        if !issuer.starts_with("did:key:") {
            continue;
        }
        let results = proof::verify_proofs(&doc, &issuer, &OfflineResolver::new()).unwrap();
        for r in results {
            checked += 1;
            match (&r, name.ends_with("-tampered.json")) {
                (Ok(_), false) | (Err(ProofError::BadSignature), true) => {}
                _ => panic!("{name}: {r:?}"),
            }
        }
    }
    assert!(checked >= 70, "only {checked} proofs checked");
}
