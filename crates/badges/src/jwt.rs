//! VC-JWT: Open Badges 3.0 credentials signed as compact JWS ("JSON Web Token Proof Format").
//!
//! This module owns the mapping between a credential and its JWT claims (`iss`, `jti`, `sub`,
//! `nbf`, `exp`), signing with EdDSA or RS256, and verifying EdDSA, RS256 and ES256 tokens
//! with a key the caller resolves. The signature arithmetic is `jsonwebtoken`'s (AWS-LC
//! backend). It does not fetch keys: the caller's resolver does, and it does not check the
//! credential's schema or status, which belong to the verification procedure.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value};

/// How far clocks may disagree, in seconds, when `nbf` and `exp` are checked.
pub const CLOCK_LEEWAY_SECONDS: i64 = 60;

/// The longest token accepted for decoding, in bytes (4 MiB; credentials with embedded
/// images are large, but nothing legitimate comes near this).
pub const MAX_TOKEN_BYTES: usize = 4 * 1024 * 1024;

/// The registered claims this module writes, which a VCDM 2.0 payload shares with the
/// credential's own properties and which are removed again when the credential is read back.
const REGISTERED_CLAIMS: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// The object identifier of `rsaEncryption`, the algorithm of a PKCS#8 RSA key.
const RSA_ENCRYPTION_OID: pkcs8::ObjectIdentifier =
    pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Why a VC-JWT could not be made or accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    /// The token is larger than [`MAX_TOKEN_BYTES`].
    #[error("the token is {bytes} bytes long, more than the {max} bytes accepted")]
    TooLarge {
        /// The token's length.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The token is not a well-formed compact JWS.
    #[error("the token is not a well-formed compact JWS: {0}")]
    Malformed(String),
    /// The header says `alg: none`.
    #[error("the token is unsigned (`alg: none`), and unsigned tokens are never accepted")]
    Unsigned,
    /// The header names an algorithm other than EdDSA, RS256 or ES256.
    #[error("the token is signed with `{0}`, but only EdDSA, RS256 and ES256 are accepted")]
    UnsupportedAlgorithm(String),
    /// The header's `typ` is neither `JWT` nor `vc+jwt`.
    #[error("the token's type is `{0}`, but a credential JWT has type `JWT`")]
    UnsupportedType(String),
    /// The resolver had no key for the token.
    #[error("no public key was found for key id {kid:?} of issuer {issuer:?}")]
    KeyNotFound {
        /// The header's `kid`.
        kid: Option<String>,
        /// The unverified `iss` claim.
        issuer: Option<String>,
    },
    /// The token carries its own key and the caller did not allow that.
    #[error("the token carries its own public key (`jwk`), and embedded keys are not allowed")]
    EmbeddedKeyRefused,
    /// A JWK that carries private key material.
    #[error("the JWK contains a private key (`d`), which must never be published")]
    PrivateKeyInJwk,
    /// A key that cannot be used.
    #[error("the key cannot be used: {0}")]
    InvalidKey(String),
    /// The header's algorithm is not the one the key is for (algorithm confusion).
    #[error("the token says it is signed with {header}, but the key is for {key}")]
    AlgorithmMismatch {
        /// The header's `alg`.
        header: String,
        /// The algorithm the key is for.
        key: &'static str,
    },
    /// The signature does not match.
    #[error("the signature does not match the token's contents and the issuer's key")]
    BadSignature,
    /// A claim the Open Badges mapping requires is missing.
    #[error("the token has no `{0}` claim")]
    MissingClaim(&'static str),
    /// A claim disagrees with the credential it carries.
    #[error("the `{claim}` claim is {found}, but the credential says {expected}")]
    ClaimMismatch {
        /// The claim's name.
        claim: &'static str,
        /// The claim's value.
        found: String,
        /// The credential's value.
        expected: String,
    },
    /// `nbf` is in the future.
    #[error("the credential is not valid until {0}")]
    NotYetValid(DateTime<Utc>),
    /// `exp` has passed.
    #[error("the credential expired at {0}")]
    Expired(DateTime<Utc>),
    /// The credential cannot be mapped to or from JWT claims.
    #[error("the credential cannot be used as a VC-JWT: {0}")]
    InvalidCredential(String),
    /// Signing failed inside the cryptography library.
    #[error("signing failed: {0}")]
    Signing(String),
}

/// The signature algorithms this module knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    /// Ed25519 (`EdDSA`).
    EdDsa,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (`RS256`), the Open Badges baseline.
    Rs256,
    /// ECDSA on P-256 with SHA-256 (`ES256`); verification only.
    Es256,
}

impl JwtAlgorithm {
    /// The algorithm's JOSE name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EdDsa => "EdDSA",
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [Self::EdDsa, Self::Rs256, Self::Es256]
            .into_iter()
            .find(|a| a.as_str() == name)
    }

    fn library(self) -> Algorithm {
        match self {
            Self::EdDsa => Algorithm::EdDSA,
            Self::Rs256 => Algorithm::RS256,
            Self::Es256 => Algorithm::ES256,
        }
    }
}

/// Where the credential sits in the JWT payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadStyle {
    /// VCDM 2.0 and Open Badges 3.0: the credential's properties are the payload, beside
    /// the registered claims.
    Vcdm2,
    /// VCDM 1.1: the credential is the value of a `vc` claim.
    VcClaim,
}

/// A private key that signs VC-JWTs.
pub struct JwtSigningKey {
    key: EncodingKey,
    algorithm: JwtAlgorithm,
    public_jwk: Value,
}

impl std::fmt::Debug for JwtSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key never appears in logs.
        f.debug_struct("JwtSigningKey")
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl JwtSigningKey {
    /// An EdDSA signing key.
    pub fn ed25519(key: &ed25519_dalek::SigningKey) -> Result<Self, JwtError> {
        let der = key
            .to_pkcs8_der()
            .map_err(|e| JwtError::InvalidKey(e.to_string()))?;
        let x = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
        let public_jwk = serde_json::json!({ "kty": "OKP", "crv": "Ed25519", "x": x });
        let key = EncodingKey::from_ed_der(der.as_bytes());
        Ok(Self {
            key,
            algorithm: JwtAlgorithm::EdDsa,
            public_jwk,
        })
    }

    /// An RS256 signing key from PEM text: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`).
    pub fn rsa_pem(pem: &str) -> Result<Self, JwtError> {
        let (label, der) = pem_to_der(pem)?;
        match label.as_str() {
            "PRIVATE KEY" | "RSA PRIVATE KEY" => Self::rsa_der(&der),
            "ENCRYPTED PRIVATE KEY" => Err(JwtError::InvalidKey(
                "the PEM key is encrypted; decrypt it before loading".into(),
            )),
            other => Err(JwtError::InvalidKey(format!(
                "a PEM block labelled `{other}` is not an RSA private key"
            ))),
        }
    }

    /// An RS256 signing key from DER: PKCS#8 `PrivateKeyInfo` or PKCS#1 `RSAPrivateKey`.
    pub fn rsa_der(der: &[u8]) -> Result<Self, JwtError> {
        let pkcs1 = match pkcs8::PrivateKeyInfo::try_from(der) {
            Ok(info) if info.algorithm.oid == RSA_ENCRYPTION_OID => info.private_key,
            Ok(info) => {
                let oid = info.algorithm.oid;
                return Err(JwtError::InvalidKey(format!(
                    "the PKCS#8 key is for algorithm {oid}, not RSA"
                )));
            }
            Err(_) => der,
        };
        let key = EncodingKey::from_rsa_der(pkcs1);
        // Deriving the public half parses the key, so a bad key is refused here rather
        // than on first use.
        let jwk = Jwk::from_encoding_key(&key, Algorithm::RS256)
            .map_err(|e| JwtError::InvalidKey(format!("it is not an RSA private key ({e})")))?;
        let public_jwk =
            serde_json::to_value(jwk).map_err(|e| JwtError::InvalidKey(e.to_string()))?;
        Ok(Self {
            key,
            algorithm: JwtAlgorithm::Rs256,
            public_jwk,
        })
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> JwtAlgorithm {
        self.algorithm
    }

    /// The public half as a JWK, for publishing in the issuer's key set.
    pub fn public_jwk(&self) -> &Value {
        &self.public_jwk
    }
}

/// Signs `credential` as a VC-JWT with header `kid`, mapping its properties to the
/// registered claims and adding `iat` when `issued_at` is given.
///
/// In the [`PayloadStyle::Vcdm2`] style a credential whose own top-level properties are
/// named like a registered claim (`iss`, `sub`, ...) is refused, because it could not be
/// told apart from the claims when the token is read back.
pub fn sign_credential(
    credential: &Value,
    key: &JwtSigningKey,
    kid: &str,
    style: PayloadStyle,
    issued_at: Option<DateTime<Utc>>,
) -> Result<String, JwtError> {
    let object = as_credential(credential)?;
    let mut payload = match style {
        PayloadStyle::Vcdm2 => {
            if let Some(name) = REGISTERED_CLAIMS.iter().find(|c| object.contains_key(**c)) {
                return Err(JwtError::InvalidCredential(format!(
                    "it has a top-level `{name}` property, which is a registered JWT claim"
                )));
            }
            object.clone()
        }
        PayloadStyle::VcClaim => Map::from_iter([("vc".to_owned(), credential.clone())]),
    };
    payload.extend(claims_for(object)?);
    if let Some(at) = issued_at {
        payload.insert("iat".into(), at.timestamp().into());
    }

    let mut header = Header::new(key.algorithm.library());
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, &Value::Object(payload), &key.key)
        .map_err(|e| JwtError::Signing(e.to_string()))
}

/// A public key that verifies VC-JWTs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtPublicKey {
    /// An Ed25519 key (EdDSA).
    Ed25519(ed25519_dalek::VerifyingKey),
    /// A public JWK: OKP Ed25519 (EdDSA), RSA (RS256) or EC P-256 (ES256).
    Jwk(Value),
}

/// Finds the public key for a token, given its header's `kid` and its still unverified
/// `iss` claim. Closures of that shape are resolvers.
pub trait JwtKeyResolver {
    /// The key, or `None` when there is none for this `kid` and issuer.
    fn resolve(&self, kid: Option<&str>, issuer: Option<&str>) -> Option<JwtPublicKey>;
}

impl<F> JwtKeyResolver for F
where
    F: Fn(Option<&str>, Option<&str>) -> Option<JwtPublicKey>,
{
    fn resolve(&self, kid: Option<&str>, issuer: Option<&str>) -> Option<JwtPublicKey> {
        self(kid, issuer)
    }
}

/// How a token is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The time `nbf` and `exp` are checked against.
    pub now: DateTime<Utc>,
    /// Use the public key the token carries in its header `jwk`, when it has one.
    ///
    /// Such a signature only proves that whoever holds that key signed the token; the
    /// caller must tie the key to the issuer some other way before trusting the result.
    pub allow_header_jwk: bool,
}

impl VerifyOptions {
    /// Verification at `now`, with keys only from the resolver.
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            now,
            allow_header_jwk: false,
        }
    }
}

/// The JOSE header of a token, as far as this module reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtHeader {
    /// `alg`.
    pub alg: String,
    /// `typ`, when present.
    pub typ: Option<String>,
    /// `kid`, when present.
    pub kid: Option<String>,
    /// `jwk`, when present.
    pub jwk: Option<Value>,
}

/// A token whose signature and claims have been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedJwt {
    /// The credential the token carries, without the registered claims.
    pub credential: Value,
    /// The token's header.
    pub header: JwtHeader,
    /// Where the credential was in the payload.
    pub style: PayloadStyle,
}

/// Decodes a token's header and payload WITHOUT checking its signature or claims.
///
/// For inspection and diagnostics only; nothing it returns may be trusted.
pub fn decode_unverified(token: &str) -> Result<(JwtHeader, Map<String, Value>), JwtError> {
    let [header, payload, _] = split_token(token)?;
    Ok((parse_header(header)?, parse_json_part(payload, "payload")?))
}

/// Verifies a VC-JWT: the algorithm against the key, the signature, then the Open Badges
/// claim checks (`iss`, `jti`, `sub` against the credential, `nbf`/`exp` against `now`).
pub fn verify_credential_jwt(
    token: &str,
    resolver: &dyn JwtKeyResolver,
    options: &VerifyOptions,
) -> Result<VerifiedJwt, JwtError> {
    let (header, claims) = decode_unverified(token)?;
    let algorithm = header_algorithm(&header)?;

    let public_key = find_key(&header, &claims, resolver, options)?;
    let (decoding_key, key_algorithm) = decoding_key(&public_key)?;
    if key_algorithm != algorithm {
        let header = header.alg.clone();
        return Err(JwtError::AlgorithmMismatch {
            header,
            key: key_algorithm.as_str(),
        });
    }
    check_signature(token, &decoding_key, algorithm)?;

    let (credential, style) = credential_of(claims.clone())?;
    check_claims(&claims, as_credential(&credential)?, options.now)?;
    Ok(VerifiedJwt {
        credential,
        header,
        style,
    })
}

fn split_token(token: &str) -> Result<[&str; 3], JwtError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(JwtError::TooLarge {
            bytes: token.len(),
            max: MAX_TOKEN_BYTES,
        });
    }
    let parts: Vec<&str> = token.trim().split('.').collect();
    parts.try_into().map_err(|parts: Vec<&str>| {
        JwtError::Malformed(format!(
            "it has {} dot-separated parts instead of 3",
            parts.len()
        ))
    })
}

fn parse_json_part(part: &str, name: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| JwtError::Malformed(format!("the {name} is not base64url ({e})")))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(JwtError::Malformed(format!(
            "the {name} is not a JSON object"
        ))),
        Err(e) => Err(JwtError::Malformed(format!("the {name} is not JSON ({e})"))),
    }
}

fn parse_header(part: &str) -> Result<JwtHeader, JwtError> {
    let header = parse_json_part(part, "header")?;
    let text = |name: &str| header.get(name).and_then(Value::as_str).map(str::to_owned);
    let alg = text("alg").ok_or(JwtError::Malformed("the header has no `alg`".into()))?;
    let jwk = header.get("jwk").cloned();
    Ok(JwtHeader {
        alg,
        typ: text("typ"),
        kid: text("kid"),
        jwk,
    })
}

fn header_algorithm(header: &JwtHeader) -> Result<JwtAlgorithm, JwtError> {
    if header.alg.eq_ignore_ascii_case("none") {
        return Err(JwtError::Unsigned);
    }
    if let Some(typ) = &header.typ
        && !["JWT", "vc+jwt"]
            .iter()
            .any(|t| typ.eq_ignore_ascii_case(t))
    {
        return Err(JwtError::UnsupportedType(typ.clone()));
    }
    JwtAlgorithm::from_name(&header.alg)
        .ok_or_else(|| JwtError::UnsupportedAlgorithm(header.alg.clone()))
}

fn find_key(
    header: &JwtHeader,
    claims: &Map<String, Value>,
    resolver: &dyn JwtKeyResolver,
    options: &VerifyOptions,
) -> Result<JwtPublicKey, JwtError> {
    if let Some(jwk) = &header.jwk
        && options.allow_header_jwk
    {
        return Ok(JwtPublicKey::Jwk(jwk.clone()));
    }
    let issuer = claims.get("iss").and_then(Value::as_str);
    match resolver.resolve(header.kid.as_deref(), issuer) {
        Some(key) => Ok(key),
        None if header.jwk.is_some() => Err(JwtError::EmbeddedKeyRefused),
        None => Err(JwtError::KeyNotFound {
            kid: header.kid.clone(),
            issuer: issuer.map(str::to_owned),
        }),
    }
}

fn decoding_key(key: &JwtPublicKey) -> Result<(DecodingKey, JwtAlgorithm), JwtError> {
    let jwk = match key {
        JwtPublicKey::Ed25519(key) => {
            return Ok((
                DecodingKey::from_ed_der(key.as_bytes()),
                JwtAlgorithm::EdDsa,
            ));
        }
        JwtPublicKey::Jwk(jwk) => jwk,
    };
    let object = jwk
        .as_object()
        .ok_or(JwtError::InvalidKey("the JWK is not an object".into()))?;
    if object.contains_key("d") {
        return Err(JwtError::PrivateKeyInJwk);
    }
    let text = |name: &str| object.get(name).and_then(Value::as_str).unwrap_or_default();
    let algorithm = match (text("kty"), text("crv")) {
        ("OKP", "Ed25519") => JwtAlgorithm::EdDsa,
        ("RSA", _) => JwtAlgorithm::Rs256,
        ("EC", "P-256") => JwtAlgorithm::Es256,
        (kty, crv) => {
            let what = format!("a JWK with kty `{kty}` and crv `{crv}` is not supported");
            return Err(JwtError::InvalidKey(what));
        }
    };
    // A JWK that names its algorithm may only be used with that algorithm.
    let named = text("alg");
    if !named.is_empty() && named != algorithm.as_str() {
        let kind = algorithm.as_str();
        let why = format!("the JWK names algorithm `{named}`, but its key type is for {kind}");
        return Err(JwtError::InvalidKey(why));
    }
    let parsed: Jwk = serde_json::from_value(jwk.clone())
        .map_err(|e| JwtError::InvalidKey(format!("the JWK is malformed ({e})")))?;
    let key = DecodingKey::from_jwk(&parsed)
        .map_err(|e| JwtError::InvalidKey(format!("the JWK is unusable ({e})")))?;
    Ok((key, algorithm))
}

fn check_signature(token: &str, key: &DecodingKey, alg: JwtAlgorithm) -> Result<(), JwtError> {
    if jsonwebtoken::crypto::CryptoProvider::try_get_default().is_none() {
        return Err(JwtError::Signing(
            "no cryptography provider is configured".into(),
        ));
    }
    // The claim checks are Open Badges specific and done by this module, so the library
    // checks the signature and nothing else.
    let mut validation = Validation::new(alg.library());
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    match jsonwebtoken::decode::<Value>(token.trim(), key, &validation) {
        Ok(_) => Ok(()),
        Err(e) => match e.kind() {
            ErrorKind::InvalidSignature => Err(JwtError::BadSignature),
            ErrorKind::InvalidKeyFormat
            | ErrorKind::InvalidEcdsaKey
            | ErrorKind::InvalidEddsaKey
            | ErrorKind::InvalidRsaKey(_) => Err(JwtError::InvalidKey(e.to_string())),
            _ => Err(JwtError::Malformed(e.to_string())),
        },
    }
}

fn credential_of(mut claims: Map<String, Value>) -> Result<(Value, PayloadStyle), JwtError> {
    if let Some(vc) = claims.remove("vc") {
        if !vc.is_object() {
            return Err(JwtError::InvalidCredential(
                "the `vc` claim is not an object".into(),
            ));
        }
        return Ok((vc, PayloadStyle::VcClaim));
    }
    for claim in REGISTERED_CLAIMS {
        claims.remove(claim);
    }
    Ok((Value::Object(claims), PayloadStyle::Vcdm2))
}

fn check_claims(
    claims: &Map<String, Value>,
    credential: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<(), JwtError> {
    let expected = claims_for(credential)?;
    let iss = claims.get("iss").ok_or(JwtError::MissingClaim("iss"))?;
    same_claim("iss", iss, &expected)?;
    // `jti` and `sub` are compared when the token has them: the 1EdTech validator's own
    // vectors carry a subject id without a `sub` claim.
    for name in ["jti", "sub"] {
        if let Some(found) = claims.get(name) {
            same_claim(name, found, &expected)?;
        }
    }

    let found = claims.get("nbf").ok_or(JwtError::MissingClaim("nbf"))?;
    same_claim("nbf", found, &expected)?;
    let nbf = numeric_date(claims, "nbf")?.ok_or(JwtError::MissingClaim("nbf"))?;
    if now.timestamp() + CLOCK_LEEWAY_SECONDS < nbf.timestamp() {
        return Err(JwtError::NotYetValid(nbf));
    }
    let exp = numeric_date(claims, "exp")?;
    if expected.contains_key("exp") {
        let found = claims.get("exp").ok_or(JwtError::MissingClaim("exp"))?;
        same_claim("exp", found, &expected)?;
    }
    match exp {
        Some(exp) if now.timestamp() - CLOCK_LEEWAY_SECONDS > exp.timestamp() => {
            Err(JwtError::Expired(exp))
        }
        _ => Ok(()),
    }
}

fn same_claim(
    name: &'static str,
    found: &Value,
    expected: &Map<String, Value>,
) -> Result<(), JwtError> {
    let want = expected.get(name);
    let equal = match (found, want) {
        (Value::Number(a), Some(Value::Number(b))) => a.as_f64().map(|a| a.trunc()) == b.as_f64(),
        (a, Some(b)) => a == b,
        (_, None) => true,
    };
    if equal {
        return Ok(());
    }
    let expected = want.map_or_else(|| "nothing".to_owned(), Value::to_string);
    Err(JwtError::ClaimMismatch {
        claim: name,
        found: found.to_string(),
        expected,
    })
}

fn numeric_date(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<DateTime<Utc>>, JwtError> {
    let Some(value) = claims.get(name) else {
        return Ok(None);
    };
    let seconds = value
        .as_i64()
        .or_else(|| value.as_f64().map(|f| f.trunc() as i64));
    let date = seconds.and_then(|s| DateTime::from_timestamp(s, 0));
    date.map(Some).ok_or_else(|| {
        JwtError::Malformed(format!("the `{name}` claim is not a NumericDate: {value}"))
    })
}

/// The registered claims an Open Badges credential maps to.
fn claims_for(credential: &Map<String, Value>) -> Result<Map<String, Value>, JwtError> {
    let mut claims = Map::new();
    claims.insert("iss".into(), issuer_id(credential)?.into());
    if let Some(id) = credential.get("id").and_then(Value::as_str) {
        claims.insert("jti".into(), id.into());
    }
    if let Some(subject) = subject_id(credential) {
        claims.insert("sub".into(), subject.into());
    }
    if let Some(from) = credential_date(credential, &["validFrom", "issuanceDate"])? {
        claims.insert("nbf".into(), from.timestamp().into());
    }
    if let Some(until) = credential_date(credential, &["validUntil", "expirationDate"])? {
        claims.insert("exp".into(), until.timestamp().into());
    }
    Ok(claims)
}

fn as_credential(credential: &Value) -> Result<&Map<String, Value>, JwtError> {
    credential.as_object().ok_or(JwtError::InvalidCredential(
        "it is not a JSON object".into(),
    ))
}

fn issuer_id(credential: &Map<String, Value>) -> Result<&str, JwtError> {
    let issuer = match credential.get("issuer") {
        Some(Value::String(id)) => Some(id.as_str()),
        Some(Value::Object(profile)) => profile.get("id").and_then(Value::as_str),
        _ => None,
    };
    issuer.ok_or(JwtError::InvalidCredential("it has no issuer id".into()))
}

fn subject_id(credential: &Map<String, Value>) -> Option<&str> {
    match credential.get("credentialSubject")? {
        Value::Object(subject) => subject.get("id")?.as_str(),
        Value::Array(subjects) if subjects.len() == 1 => subjects[0].get("id")?.as_str(),
        _ => None,
    }
}

fn credential_date(
    credential: &Map<String, Value>,
    names: &[&str],
) -> Result<Option<DateTime<Utc>>, JwtError> {
    let Some((name, value)) = names
        .iter()
        .find_map(|n| credential.get(*n).map(|v| (n, v)))
    else {
        return Ok(None);
    };
    let text = value.as_str().unwrap_or_default();
    DateTime::parse_from_rfc3339(text)
        .map(|d| Some(d.with_timezone(&Utc)))
        .map_err(|_| JwtError::InvalidCredential(format!("its `{name}` is not a date-time")))
}

/// Reads the first PEM block: its label and DER body. Encrypted keys (with PEM headers) are
/// refused, since there is no passphrase to open them with.
fn pem_to_der(text: &str) -> Result<(String, Vec<u8>), JwtError> {
    let block = pem::parse(text)
        .map_err(|e| JwtError::InvalidKey(format!("the PEM text is not valid: {e}")))?;
    if block.headers().iter().next().is_some() {
        let why = "the PEM text has headers, so it is probably encrypted";
        return Err(JwtError::InvalidKey(why.into()));
    }
    Ok((block.tag().to_owned(), block.into_contents()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn credential() -> Value {
        json!({
            "id": "urn:uuid:1",
            "issuer": { "id": "https://issuer.example", "type": ["Profile"] },
            "validFrom": "2024-01-01T00:00:00.500Z",
            "validUntil": "2030-01-01T00:00:00Z",
            "credentialSubject": { "id": "did:example:learner" }
        })
    }

    #[test]
    fn the_claims_follow_the_open_badges_mapping() {
        let claims = claims_for(credential().as_object().unwrap()).unwrap();
        assert_eq!(
            Value::Object(claims),
            json!({
                "iss": "https://issuer.example",
                "jti": "urn:uuid:1",
                "sub": "did:example:learner",
                "nbf": 1_704_067_200,
                "exp": 1_893_456_000
            })
        );
    }

    #[test]
    fn a_string_issuer_and_vcdm_1_dates_map_too() {
        let credential = json!({
            "issuer": "did:example:issuer",
            "issuanceDate": "2010-01-01T00:00:00Z",
            "expirationDate": "2011-01-01T00:00:00Z"
        });
        let claims = claims_for(credential.as_object().unwrap()).unwrap();
        assert_eq!(claims["iss"], "did:example:issuer");
        assert_eq!(claims["nbf"], 1_262_304_000);
        assert_eq!(claims["exp"], 1_293_840_000);
        assert!(!claims.contains_key("jti"));
    }

    #[test]
    fn pem_armour_is_stripped() {
        let (label, der) =
            pem_to_der("junk\n-----BEGIN TEST-----\nAAEC\nAw==\n-----END TEST-----\n").unwrap();
        assert_eq!((label.as_str(), der), ("TEST", vec![0, 1, 2, 3]));
        assert!(pem_to_der("-----BEGIN TEST-----\nAAEC\n").is_err());
    }

    #[test]
    fn a_header_with_alg_none_in_any_case_is_unsigned() {
        for alg in ["none", "NONE", "None"] {
            let header = JwtHeader {
                alg: alg.into(),
                typ: None,
                kid: None,
                jwk: None,
            };
            assert_eq!(header_algorithm(&header), Err(JwtError::Unsigned));
        }
    }
}
