//! Data Integrity proofs: creating `eddsa-rdfc-2022` proofs and verifying them, plus the older
//! `Ed25519Signature2020` and `eddsa-2022` proofs that credentials in the wild still carry.
//!
//! All three sign the same thing: SHA-256 of the canonical N-Quads of the proof options,
//! followed by SHA-256 of the canonical N-Quads of the document without its proof, with the
//! signature written as base58btc multibase. They differ in the proof's `type` and
//! `cryptosuite` and in where the proof options take their `@context` from.

use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer, Verifier, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::keys::{self, KeyPair};
use crate::rdf::RdfError;
use crate::resolve::{ResolveError, Resolver, without_fragment};
use crate::{canonical, fastpath};

/// The proof type of every Data Integrity proof.
pub const DATA_INTEGRITY_PROOF: &str = "DataIntegrityProof";
/// The cryptosuite Rosette signs with.
pub const EDDSA_RDFC_2022: &str = "eddsa-rdfc-2022";

/// A kind of proof this module knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Suite {
    /// `DataIntegrityProof` with `eddsa-rdfc-2022` (signed and verified).
    EddsaRdfc2022,
    /// `DataIntegrityProof` with the draft name `eddsa-2022` (verified only).
    Eddsa2022,
    /// `Ed25519Signature2020` (verified only).
    Ed25519Signature2020,
}

impl Suite {
    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Self::Eddsa2022 => "eddsa-2022",
            Self::Ed25519Signature2020 => "Ed25519Signature2020",
        }
    }
}

/// Why a proof could not be made or did not verify.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    /// The document is not a JSON object.
    #[error("the document is not a JSON object")]
    NotAnObject,
    /// The document carries no proof.
    #[error("the credential has no proof")]
    Missing,
    /// A proof of a type or cryptosuite this verifier does not support.
    #[error("unsupported proof: {0}")]
    Unsupported(String),
    /// A required proof property is missing or of the wrong type.
    #[error("the proof is malformed: {0}")]
    Malformed(String),
    /// The proof's purpose is not `assertionMethod`.
    #[error("the proof's purpose is {0:?}, but a credential needs \"assertionMethod\"")]
    WrongPurpose(String),
    /// The document cannot be canonicalized.
    #[error(transparent)]
    Canonical(#[from] RdfError),
    /// The verification method could not be resolved.
    #[error("the signing key could not be resolved: {0}")]
    Resolve(#[from] ResolveError),
    /// The key is not one the issuer controls.
    #[error("the signing key {method} is not controlled by the issuer {issuer}")]
    WrongController {
        /// The verification method id.
        method: String,
        /// The issuer id.
        issuer: String,
    },
    /// The signature does not match: the credential was changed or signed with another key.
    #[error(
        "the signature does not match the credential (it was altered after signing, or \
             signed with another key)"
    )]
    BadSignature,
}

impl ProofError {
    /// Whether the failure is about getting a key rather than about the credential.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Resolve(e) if e.is_unavailable())
    }
}

/// How to make a proof.
#[derive(Debug, Clone)]
pub struct ProofOptions {
    /// The verification method id to name (e.g. `did:key:z…#z…` or `https://…/issuers/1#key-1`).
    pub verification_method: String,
    /// When the proof is made.
    pub created: DateTime<Utc>,
}

/// A proof that verified.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifiedProof {
    /// Which suite.
    pub suite: Suite,
    /// The verification method that signed.
    pub verification_method: String,
    /// Who controls that key.
    pub controller: String,
}

/// A resolved verification method.
#[derive(Debug, Clone)]
pub struct ResolvedKey {
    /// The public key.
    pub key: VerifyingKey,
    /// The controller named by the key's document.
    pub controller: String,
}

/// Signs a credential: returns it with an `eddsa-rdfc-2022` proof added to its `proof` array.
pub fn sign(doc: &Value, key: &KeyPair, options: &ProofOptions) -> Result<Value, ProofError> {
    let proof = create_proof(doc, key, options)?;
    let mut signed = doc.as_object().ok_or(ProofError::NotAnObject)?.clone();
    let mut proofs = match signed.remove("proof") {
        None => Vec::new(),
        Some(Value::Array(list)) => list,
        Some(one) => vec![one],
    };
    proofs.push(proof);
    signed.insert("proof".into(), Value::Array(proofs));
    Ok(Value::Object(signed))
}

/// Makes an `eddsa-rdfc-2022` proof for a document (any existing proof is left out of what
/// is signed, as Data Integrity proof sets require).
pub fn create_proof(
    doc: &Value,
    key: &KeyPair,
    options: &ProofOptions,
) -> Result<Value, ProofError> {
    let object = doc.as_object().ok_or(ProofError::NotAnObject)?;
    let mut proof = Map::new();
    proof.insert("type".into(), DATA_INTEGRITY_PROOF.into());
    proof.insert("cryptosuite".into(), EDDSA_RDFC_2022.into());
    proof.insert("created".into(), xsd_date_time(options.created).into());
    proof.insert(
        "verificationMethod".into(),
        options.verification_method.clone().into(),
    );
    proof.insert("proofPurpose".into(), "assertionMethod".into());
    let mut proof = Value::Object(proof);

    let context = object.get("@context");
    let data = hash_data(&proof, context, doc, context)?;
    let signature = key.signing_key().sign(&data);
    proof["proofValue"] = multibase_signature(&signature).into();
    Ok(proof)
}

/// Verifies every proof on a document; each entry says how one proof fared.
///
/// `issuer` is the credential's issuer id: a key must be controlled by it. Callers decide
/// what a proof set means (a credential needs at least one valid proof from its issuer).
pub fn verify_proofs(
    doc: &Value,
    issuer: &str,
    resolver: &dyn Resolver,
) -> Result<Vec<Result<VerifiedProof, ProofError>>, ProofError> {
    let object = doc.as_object().ok_or(ProofError::NotAnObject)?;
    let proofs = match object.get("proof") {
        None | Some(Value::Null) => return Err(ProofError::Missing),
        Some(Value::Array(list)) if list.is_empty() => return Err(ProofError::Missing),
        Some(Value::Array(list)) => list.clone(),
        Some(one) => vec![one.clone()],
    };
    Ok(proofs
        .iter()
        .map(|p| verify_one(doc, p, issuer, resolver))
        .collect())
}

fn verify_one(
    doc: &Value,
    proof: &Value,
    issuer: &str,
    resolver: &dyn Resolver,
) -> Result<VerifiedProof, ProofError> {
    let proof = proof
        .as_object()
        .ok_or_else(|| malformed("a proof is not an object"))?;
    let suite = suite_of(proof)?;
    let purpose = string_field(proof, "proofPurpose")?;
    if purpose != "assertionMethod" {
        return Err(ProofError::WrongPurpose(purpose.to_owned()));
    }
    let method = string_field(proof, "verificationMethod")?;
    let signature = parse_signature(string_field(proof, "proofValue")?)?;

    // The proof options take the document's context, unless (Data Integrity only) the proof
    // has its own, which the document's must begin with and which then stands for both.
    let doc_context = doc.get("@context");
    let (config_context, unsecured_context) = match (suite, proof.get("@context")) {
        (Suite::Ed25519Signature2020, _) | (_, None) => (doc_context, doc_context),
        (_, Some(proof_context)) => {
            check_context_prefix(doc_context, proof_context)?;
            (Some(proof_context), Some(proof_context))
        }
    };
    let mut config = proof.clone();
    config.remove("@context");
    let data = hash_data(
        &Value::Object(config),
        config_context,
        doc,
        unsecured_context,
    )?;

    let resolved = resolve_key(method, resolver)?;
    if resolved.controller != issuer {
        return Err(ProofError::WrongController {
            method: method.to_owned(),
            issuer: issuer.to_owned(),
        });
    }
    resolved
        .key
        .verify(&data, &signature)
        .map_err(|_| ProofError::BadSignature)?;
    Ok(VerifiedProof {
        suite,
        verification_method: method.to_owned(),
        controller: resolved.controller,
    })
}

/// Finds the public key a verification method id names, and who controls it.
///
/// `did:key` ids are decoded locally; `did:web` and `https` ids are fetched through the
/// resolver, and the key must be listed under the document's `assertionMethod` when the
/// document lists any.
pub fn resolve_key(method: &str, resolver: &dyn Resolver) -> Result<ResolvedKey, ProofError> {
    if method.starts_with("did:key:") {
        let key = keys::did_key_public(method).map_err(|e| ResolveError::Invalid(e.to_string()))?;
        let controller = without_fragment(method).to_owned();
        return Ok(ResolvedKey { key, controller });
    }
    let url = if method.starts_with("did:web:") {
        crate::resolve::did_web_url(method)?
    } else if method.starts_with("https://") || method.starts_with("http://") {
        without_fragment(method).to_owned()
    } else {
        return Err(ResolveError::Invalid(format!("cannot resolve key id {method}")).into());
    };
    let document = resolver.fetch_json(&url)?;
    find_method(&document, method)
}

fn find_method(document: &Value, method: &str) -> Result<ResolvedKey, ProofError> {
    let unlisted = || ResolveError::Invalid(format!("{method} is not listed by its controller"));
    let candidates = ["verificationMethod", "assertionMethod", "publicKey"]
        .iter()
        .filter_map(|k| document.get(*k))
        .flat_map(|v| match v {
            Value::Array(list) => list.iter().collect::<Vec<_>>(),
            one => vec![one],
        })
        .chain(std::iter::once(document));
    let entry = candidates
        .filter(|c| c.is_object())
        .find(|c| c.get("id").and_then(Value::as_str) == Some(method))
        .ok_or_else(unlisted)?;
    if let Some(Value::Array(allowed)) = document.get("assertionMethod") {
        let listed = allowed.iter().any(|a| {
            a.as_str() == Some(method) || a.get("id").and_then(Value::as_str) == Some(method)
        });
        if !listed {
            let why = format!("{method} is not listed as an assertion method by its controller");
            return Err(ResolveError::Invalid(why).into());
        }
    }
    let multibase = entry
        .get("publicKeyMultibase")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ResolveError::Invalid(format!("{method} has no publicKeyMultibase Ed25519 key"))
        })?;
    let key = keys::parse_public_multibase(multibase)
        .map_err(|e| ResolveError::Invalid(format!("{method}: {e}")))?;
    let controller = entry
        .get("controller")
        .and_then(Value::as_str)
        .or_else(|| document.get("id").and_then(Value::as_str))
        .ok_or_else(|| ResolveError::Invalid(format!("{method} names no controller")))?;
    Ok(ResolvedKey {
        key,
        controller: controller.to_owned(),
    })
}

/// The bytes a proof signs: the hash of the proof configuration (the proof without its
/// `proofValue`, under `config_context`), then the hash of the document without its `proof`
/// (under `doc_context`). The fast path reads both in place; anything it declines is copied
/// into shape for the generic path.
fn hash_data(
    proof: &Value,
    config_context: Option<&Value>,
    doc: &Value,
    doc_context: Option<&Value>,
) -> Result<Vec<u8>, ProofError> {
    let same_context = doc_context == doc.get("@context");
    let config = match config_context.and_then(|c| fastpath::canonical_proof_config(proof, c)) {
        Some(canonical) => canonical,
        None => {
            let mut config = proof.as_object().cloned().unwrap_or_default();
            config.remove("proofValue");
            if let Some(context) = config_context {
                config.insert("@context".into(), context.clone());
            }
            canonical::canonical_nquads(&Value::Object(config))?
        }
    };
    let unsecured = match same_context.then(|| fastpath::canonical_nquads_without_proof(doc)) {
        Some(Some(canonical)) => canonical,
        _ => {
            let mut unsecured = without_proof(doc)?;
            match doc_context {
                Some(context) => unsecured.insert("@context".into(), context.clone()),
                None => unsecured.remove("@context"),
            };
            canonical::canonical_nquads(&Value::Object(unsecured))?
        }
    };
    let mut data = Vec::with_capacity(64);
    data.extend_from_slice(&Sha256::digest(config));
    data.extend_from_slice(&Sha256::digest(unsecured));
    Ok(data)
}

fn without_proof(doc: &Value) -> Result<Map<String, Value>, ProofError> {
    let mut object = doc.as_object().ok_or(ProofError::NotAnObject)?.clone();
    object.remove("proof");
    Ok(object)
}

fn suite_of(proof: &Map<String, Value>) -> Result<Suite, ProofError> {
    match (
        string_field(proof, "type")?,
        proof.get("cryptosuite").and_then(Value::as_str),
    ) {
        (DATA_INTEGRITY_PROOF, Some(EDDSA_RDFC_2022)) => Ok(Suite::EddsaRdfc2022),
        (DATA_INTEGRITY_PROOF, Some("eddsa-2022")) => Ok(Suite::Eddsa2022),
        ("Ed25519Signature2020", _) => Ok(Suite::Ed25519Signature2020),
        (DATA_INTEGRITY_PROOF, Some(other)) => {
            Err(ProofError::Unsupported(format!("the cryptosuite {other}")))
        }
        (other, _) => Err(ProofError::Unsupported(format!("the proof type {other}"))),
    }
}

fn string_field<'a>(proof: &'a Map<String, Value>, name: &str) -> Result<&'a str, ProofError> {
    proof
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(&format!("no {name}")))
}

fn parse_signature(value: &str) -> Result<Signature, ProofError> {
    let encoded = value
        .strip_prefix('z')
        .ok_or_else(|| malformed("proofValue is not base58btc"))?;
    let bytes = bs58::decode(encoded)
        .into_vec()
        .map_err(|_| malformed("proofValue is not valid base58btc"))?;
    let bytes: [u8; 64] = bytes
        .try_into()
        .map_err(|_| malformed("proofValue is not a 64-byte signature"))?;
    Ok(Signature::from_bytes(&bytes))
}

fn multibase_signature(signature: &Signature) -> String {
    format!("z{}", bs58::encode(signature.to_bytes()).into_string())
}

fn check_context_prefix(doc: Option<&Value>, proof: &Value) -> Result<(), ProofError> {
    let as_list = |v: &Value| match v {
        Value::Array(list) => list.clone(),
        one => vec![one.clone()],
    };
    let doc = doc.map(as_list).unwrap_or_default();
    let proof = as_list(proof);
    if doc.len() < proof.len() || doc[..proof.len()] != proof[..] {
        return Err(malformed(
            "the proof's @context does not match the credential's",
        ));
    }
    Ok(())
}

fn malformed(why: &str) -> ProofError {
    ProofError::Malformed(why.to_owned())
}

/// An `xsd:dateTime` in the form credentials use: UTC, whole seconds, `Z`.
pub fn xsd_date_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
