//! Ed25519 keys as Rosette stores and publishes them.
//!
//! Public keys are written as Multikey `publicKeyMultibase` values (base58btc of the
//! multicodec `ed25519-pub` prefix and the 32 key bytes), which is also what a `did:key`
//! identifier carries. Secret keys use the `ed25519-priv` multicodec in the same encoding, so a
//! key file is plain JSON that other Multikey tools read.

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::{CryptoRngCore, OsRng};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::contexts;

/// Multicodec prefix of an Ed25519 public key (0xed as an unsigned varint).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
/// Multicodec prefix of an Ed25519 secret key (0x1300 as an unsigned varint).
const ED25519_PRIV: [u8; 2] = [0x80, 0x26];
/// The Multikey context, for controller documents that list keys.
pub const MULTIKEY_CONTEXT: &str = "https://w3id.org/security/multikey/v1";
/// The DID v1 context, first in a DID document.
pub const DID_CONTEXT: &str = "https://www.w3.org/ns/did/v1";

/// Why a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not a base58btc multibase string (which starts with `z`).
    #[error("the key is not a base58btc multibase value (it should start with 'z')")]
    NotMultibase,
    /// The multicodec prefix names another kind of key.
    #[error("the key is not an Ed25519 {0} key (unexpected multicodec prefix)")]
    WrongCodec(&'static str),
    /// The key has the wrong length or is not a valid curve point.
    #[error("the key bytes are not a valid Ed25519 {0} key")]
    Invalid(&'static str),
    /// A `did:key` identifier that is malformed.
    #[error("{0} is not an Ed25519 did:key identifier")]
    NotDidKey(String),
    /// A key file that does not parse.
    #[error("the key file is not valid: {0}")]
    File(String),
}

/// An Ed25519 key pair used to sign credentials.
#[derive(Clone)]
pub struct KeyPair {
    signing: SigningKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret half.
        f.debug_struct("KeyPair")
            .field("public", &self.public_multibase())
            .finish()
    }
}

impl KeyPair {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Self {
        Self::generate_with(&mut OsRng)
    }

    /// A new random key from the given generator (tests pass a seeded one).
    pub fn generate_with(rng: &mut impl CryptoRngCore) -> Self {
        Self {
            signing: SigningKey::generate(rng),
        }
    }

    /// The key pair with this 32-byte secret.
    pub fn from_secret_bytes(secret: &[u8; 32]) -> Self {
        Self {
            signing: SigningKey::from_bytes(secret),
        }
    }

    /// Reads a `secretKeyMultibase` (`ed25519-priv` multicodec) value.
    pub fn from_secret_multibase(value: &str) -> Result<Self, KeyError> {
        let bytes = decode_multibase(value, ED25519_PRIV, "secret")?;
        let secret: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Invalid("secret"))?;
        Ok(Self::from_secret_bytes(&secret))
    }

    /// The secret key as a `secretKeyMultibase` value. Handle with care.
    pub fn secret_multibase(&self) -> String {
        encode_multibase(ED25519_PRIV, self.signing.as_bytes())
    }

    /// The 32 secret bytes. Handle with care.
    pub fn secret_bytes(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    /// The public key as a Multikey `publicKeyMultibase` value (`z6Mk…`).
    pub fn public_multibase(&self) -> String {
        public_multibase(&self.signing.verifying_key())
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The signing half, for the signature code in this crate.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// The `did:key` identifier of this key.
    pub fn did_key(&self) -> String {
        format!("did:key:{}", self.public_multibase())
    }

    /// The verification method id under the `did:key` identifier (`did:key:z…#z…`).
    pub fn did_key_method(&self) -> String {
        let mb = self.public_multibase();
        format!("did:key:{mb}#{mb}")
    }
}

/// The Multikey `publicKeyMultibase` value of a public key.
pub fn public_multibase(key: &VerifyingKey) -> String {
    encode_multibase(ED25519_PUB, key.as_bytes())
}

/// Reads a Multikey `publicKeyMultibase` value.
pub fn parse_public_multibase(value: &str) -> Result<VerifyingKey, KeyError> {
    let bytes = decode_multibase(value, ED25519_PUB, "public")?;
    let raw: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Invalid("public"))?;
    VerifyingKey::from_bytes(&raw).map_err(|_| KeyError::Invalid("public"))
}

/// The public key carried by a `did:key` identifier or one of its verification method ids.
pub fn did_key_public(did: &str) -> Result<VerifyingKey, KeyError> {
    let not_did_key = || KeyError::NotDidKey(did.to_owned());
    let rest = did.strip_prefix("did:key:").ok_or_else(not_did_key)?;
    let (id, fragment) = rest
        .split_once('#')
        .map_or((rest, None), |(a, b)| (a, Some(b)));
    if fragment.is_some_and(|f| f != id) {
        return Err(not_did_key());
    }
    parse_public_multibase(id).map_err(|_| not_did_key())
}

/// The DID document of a `did:key` identifier, as the did:key method specifies it.
pub fn did_key_document(did: &str) -> Result<Value, KeyError> {
    let key = did_key_public(did)?;
    let did = did.split('#').next().unwrap_or(did);
    let mb = public_multibase(&key);
    let method = format!("{did}#{mb}");
    Ok(json!({
        "@context": [DID_CONTEXT, "https://w3id.org/security/suites/ed25519-2020/v1"],
        "id": did,
        "verificationMethod": [{
            "id": method,
            "type": "Ed25519VerificationKey2020",
            "controller": did,
            "publicKeyMultibase": mb,
        }],
        "authentication": [method],
        "assertionMethod": [method],
        "capabilityDelegation": [method],
        "capabilityInvocation": [method],
    }))
}

/// A verification method to list in a controller document.
#[derive(Debug, Clone)]
pub struct PublishedKey {
    /// The method id, usually the controller id with a `#fragment`.
    pub id: String,
    /// The public key.
    pub key: VerifyingKey,
}

/// A controller document: the issuer's (or `did:web` DID's) own document listing its keys.
///
/// `profile` is merged in first (an OB 3.0 `Profile` for an https issuer id), then the key
/// listing, so a verifier that fetches the issuer id finds both the profile and the keys that
/// may sign for it. Old keys stay listed after a rotation so old credentials still verify.
pub fn controller_document(id: &str, keys: &[PublishedKey], profile: Option<&Value>) -> Value {
    let mut doc = serde_json::Map::new();
    let mut context = vec![Value::from(if id.starts_with("did:") {
        DID_CONTEXT
    } else {
        contexts::CREDENTIALS_V2
    })];
    if let Some(Value::Object(p)) = profile {
        if let Some(Value::Array(c)) = p.get("@context") {
            context = c.clone();
        }
        for (k, v) in p {
            doc.insert(k.clone(), v.clone());
        }
    }
    // `verificationMethod`, `assertionMethod` and `authentication` are DID Core terms: the
    // credentials context defines them only inside proofs, so a profile's contexts leave
    // them undefined, and a JSON-LD verifier in safe mode (the reference stack) refuses a
    // document with undefined terms.
    for needed in [DID_CONTEXT, MULTIKEY_CONTEXT] {
        if !context.iter().any(|c| c == needed) {
            context.push(needed.into());
        }
    }
    doc.insert("@context".into(), context.into());
    doc.insert("id".into(), id.into());
    let methods: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({
                "id": k.id,
                "type": "Multikey",
                "controller": id,
                "publicKeyMultibase": public_multibase(&k.key),
            })
        })
        .collect();
    let ids: Vec<Value> = keys.iter().map(|k| Value::from(k.id.clone())).collect();
    doc.insert("verificationMethod".into(), methods.into());
    doc.insert("assertionMethod".into(), ids.clone().into());
    doc.insert("authentication".into(), ids.into());
    Value::Object(doc)
}

/// A key file as `rosette keys generate` writes it: a Multikey with its secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyFile {
    /// Always `Multikey`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The verification method id credentials will name.
    pub id: String,
    /// Who the key belongs to (the issuer id).
    pub controller: String,
    /// The public key.
    pub public_key_multibase: String,
    /// The secret key.
    pub secret_key_multibase: String,
}

impl KeyFile {
    /// A key file for a `did:key` key: the controller is the DID itself.
    pub fn for_did_key(pair: &KeyPair) -> Self {
        Self {
            kind: "Multikey".into(),
            id: pair.did_key_method(),
            controller: pair.did_key(),
            public_key_multibase: pair.public_multibase(),
            secret_key_multibase: pair.secret_multibase(),
        }
    }

    /// Reads and checks a key file: the public key must match the secret.
    pub fn parse(text: &str) -> Result<(Self, KeyPair), KeyError> {
        let file: Self = serde_json::from_str(text).map_err(|e| KeyError::File(e.to_string()))?;
        let pair = KeyPair::from_secret_multibase(&file.secret_key_multibase)?;
        if pair.public_multibase() != file.public_key_multibase {
            return Err(KeyError::File(
                "the public key does not match the secret key".into(),
            ));
        }
        Ok((file, pair))
    }

    /// Whether the key is a `did:key` key (its controller is its own DID).
    pub fn is_did_key(&self) -> bool {
        self.controller.starts_with("did:key:")
    }
}

fn encode_multibase(prefix: [u8; 2], key: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(2 + key.len());
    bytes.extend_from_slice(&prefix);
    bytes.extend_from_slice(key);
    format!("z{}", bs58::encode(bytes).into_string())
}

fn decode_multibase(
    value: &str,
    prefix: [u8; 2],
    which: &'static str,
) -> Result<Vec<u8>, KeyError> {
    let encoded = value.strip_prefix('z').ok_or(KeyError::NotMultibase)?;
    let bytes = bs58::decode(encoded)
        .into_vec()
        .map_err(|_| KeyError::NotMultibase)?;
    match bytes.strip_prefix(&prefix) {
        Some(key) => Ok(key.to_vec()),
        None => Err(KeyError::WrongCodec(which)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The key pair of the W3C vc-di-eddsa test vectors.
    const W3C_PUBLIC: &str = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    const W3C_SECRET: &str = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";

    #[test]
    fn the_w3c_key_pair_reads_and_writes_back_identically() {
        let pair = KeyPair::from_secret_multibase(W3C_SECRET).unwrap();
        assert_eq!(pair.public_multibase(), W3C_PUBLIC);
        assert_eq!(pair.secret_multibase(), W3C_SECRET);
        assert_eq!(
            parse_public_multibase(W3C_PUBLIC).unwrap(),
            pair.verifying_key()
        );
    }

    #[test]
    fn did_key_ids_carry_their_key() {
        let pair = KeyPair::generate();
        assert_eq!(
            did_key_public(&pair.did_key()).unwrap(),
            pair.verifying_key()
        );
        assert_eq!(
            did_key_public(&pair.did_key_method()).unwrap(),
            pair.verifying_key()
        );
        assert!(did_key_public("did:key:z6MkXXXX").is_err());
        assert!(did_key_public(&format!("{}#other", pair.did_key())).is_err());
        let doc = did_key_document(&pair.did_key_method()).unwrap();
        assert_eq!(doc["assertionMethod"][0], pair.did_key_method());
    }

    #[test]
    fn secret_and_public_prefixes_are_not_confused() {
        assert_eq!(
            parse_public_multibase(W3C_SECRET),
            Err(KeyError::WrongCodec("public"))
        );
        assert_eq!(parse_public_multibase("6Mk"), Err(KeyError::NotMultibase));
    }

    #[test]
    fn key_files_round_trip_and_refuse_mismatched_halves() {
        let pair = KeyPair::generate();
        let file = KeyFile::for_did_key(&pair);
        let text = serde_json::to_string(&file).unwrap();
        let (back, again) = KeyFile::parse(&text).unwrap();
        assert!(back.is_did_key());
        assert_eq!(again.public_multibase(), pair.public_multibase());
        let mut wrong = file.clone();
        wrong.public_key_multibase = KeyPair::generate().public_multibase();
        let err = KeyFile::parse(&serde_json::to_string(&wrong).unwrap()).unwrap_err();
        assert!(matches!(err, KeyError::File(_)));
        assert!(!format!("{pair:?}").contains(&pair.secret_multibase()));
    }

    #[test]
    fn controller_documents_list_every_key_for_assertions() {
        let (a, b) = (KeyPair::generate(), KeyPair::generate());
        let id = "https://badges.example/issuers/1";
        let keys = [
            PublishedKey {
                id: format!("{id}#key-1"),
                key: a.verifying_key(),
            },
            PublishedKey {
                id: format!("{id}#key-2"),
                key: b.verifying_key(),
            },
        ];
        let doc = controller_document(id, &keys, Some(&json!({"type": ["Profile"], "name": "X"})));
        assert_eq!(doc["name"], "X");
        assert_eq!(
            doc["verificationMethod"][1]["publicKeyMultibase"],
            b.public_multibase()
        );
        assert_eq!(doc["assertionMethod"], json!([keys[0].id, keys[1].id]));
        assert!(
            doc["@context"]
                .as_array()
                .unwrap()
                .contains(&MULTIKEY_CONTEXT.into())
        );
    }

    #[test]
    fn a_controller_document_with_a_profile_defines_every_term_it_uses() {
        let key = KeyPair::generate();
        let id = "https://badges.example/issuers/1";
        let keys = [PublishedKey {
            id: format!("{id}#{}", key.public_multibase()),
            key: key.verifying_key(),
        }];
        let profile = json!({
            "@context": [contexts::CREDENTIALS_V2, contexts::OB_V3],
            "id": id, "type": ["Profile"], "name": "Academy",
            "url": "https://academy.example", "email": "badges@academy.example",
        });
        let doc = controller_document(id, &keys, Some(&profile));
        // The generic JSON-LD path refuses terms no context defines (safe mode).
        let quads = crate::rdf::to_quads(doc.to_string().as_bytes())
            .expect("every term of the controller document is defined");
        let assertion = "https://w3id.org/security#assertionMethod";
        assert!(quads.iter().any(|q| q.predicate.as_str() == assertion));
    }
}
