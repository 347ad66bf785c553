//! Builders for the hosted OB 2.0 documents: issuer Profile, BadgeClass, Assertion,
//! RevocationList and CryptographicKey, plus the RS256 JWS of a signed assertion.
//!
//! Each input struct is plain data (with `serde` derives so the app can store or receive it)
//! and `to_json` checks it against the OB 2.0 rules before writing the JSON-LD: every `id` is
//! an HTTPS URL (a signed assertion may use `urn:uuid:` instead, as the spec recommends; plain
//! http is accepted only to a loopback host, for a server under development),
//! other links are web URLs, images are URLs or `data:image/` URIs, and dates are written in
//! UTC as `2026-01-02T03:04:05Z`. OB 2.0 calls awards "assertions" and achievements "badge
//! classes"; those words are kept here because they are the names in the documents.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::json::{
    decode_pem, format_datetime, is_https_or_loopback_url, is_image_data_uri, is_urn_uuid,
    is_web_url,
};
use super::{CONTEXT, hash_email};

/// Why an OB 2.0 document could not be built or signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ob2BuildError {
    /// An identifier is not an HTTPS URL (nor plain http to a loopback host).
    #[error("{field} must be an HTTPS URL, but it is {value:?}")]
    NotHttps {
        /// The property, as named in the document.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// A link is not an `http` or `https` URL.
    #[error("{field} must be an http or https URL, but it is {value:?}")]
    NotWebUrl {
        /// The property, as named in the document.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// An image is neither an HTTPS URL nor a `data:image/` URI.
    #[error("{field} must be an HTTPS URL or a data:image/ URI, but it is {value:?}")]
    NotImage {
        /// The property, as named in the document.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// A required text is empty.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// The criteria have neither a narrative nor a URL.
    #[error("the criteria need a narrative, a URL, or both")]
    EmptyCriteria,
    /// An evidence entry has no URL, narrative, name or description.
    #[error("each evidence entry needs a URL, a narrative, a name or a description")]
    EmptyEvidence,
    /// The recipient email does not look like an email address.
    #[error("{0:?} is not an email address")]
    NotEmail(String),
    /// The assertion would expire before it was issued.
    #[error("the assertion expires ({expires}) before it is issued ({issued_on})")]
    ExpiresBeforeIssued {
        /// The issue date as written.
        issued_on: String,
        /// The expiry date as written.
        expires: String,
    },
    /// The public key is not a PEM-encoded public key.
    #[error("publicKeyPem is not a PEM public key: {0}")]
    NotPublicKeyPem(String),
    /// The private key could not be read.
    #[error("the RSA private key could not be read: {0}")]
    PrivateKey(String),
    /// The document handed to [`sign_assertion`] is not a signed-verification assertion.
    #[error("only an assertion whose verification type is signed can be signed: {0}")]
    NotSignable(String),
    /// The signature could not be made.
    #[error("signing the assertion failed: {0}")]
    Signing(String),
}

/// An issuer Profile: who awards the badges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issuer {
    /// The HTTPS URL the profile is hosted at.
    pub id: String,
    /// The name of the organization or person.
    pub name: String,
    /// Its homepage.
    pub url: String,
    /// A contact address.
    pub email: String,
    /// A short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An image URL or `data:image/` URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The HTTPS URLs of the [`CryptographicKey`] documents this issuer signs with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_keys: Vec<String>,
    /// The HTTPS URL of the issuer's [`RevocationList`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_list: Option<String>,
    /// Where hosted assertions of this issuer may live; absent means "on the profile's host".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationPolicy>,
}

/// An issuer's rules for where its hosted assertions may be hosted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationPolicy {
    /// Host names (with `:port` if not the default) assertion ids may be on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_origins: Vec<String>,
    /// URL prefixes an assertion id must start with (any one of them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
}

/// A BadgeClass: the achievement being awarded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BadgeClass {
    /// The HTTPS URL the badge class is hosted at.
    pub id: String,
    /// The name of the achievement.
    pub name: String,
    /// A short description of it.
    pub description: String,
    /// An image URL or `data:image/` URI (the unbaked badge image).
    pub image: String,
    /// How the badge is earned.
    pub criteria: Criteria,
    /// The HTTPS URL of the issuer [`Issuer`] profile.
    pub issuer: String,
    /// Tags describing the kind of achievement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Objectives or standards the badge aligns to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alignment: Vec<Alignment>,
}

/// How a badge is earned: a narrative (Markdown allowed), a criteria page, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Criteria {
    /// The URL of a page describing the criteria (written as the criteria's `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The criteria in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
}

/// A schema.org AlignmentObject: an objective or standard the badge aligns to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alignment {
    /// The name of the target.
    pub target_name: String,
    /// The URL of the target's official description.
    pub target_url: String,
    /// A short description of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_description: Option<String>,
    /// The framework the target belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    /// The target's code within its framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
}

/// An Assertion: one badge awarded to one recipient, identified by a salted email hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assertion {
    /// The HTTPS URL the assertion is hosted at (a signed one may use `urn:uuid:`).
    pub id: String,
    /// The recipient's email; only its salted hash is written.
    pub recipient_email: String,
    /// The salt for the hash; use a fresh random value for every assertion.
    pub salt: String,
    /// The HTTPS URL of the [`BadgeClass`].
    pub badge: String,
    /// Hosted or signed verification.
    pub verification: Verification,
    /// When the badge was awarded.
    pub issued_on: DateTime<Utc>,
    /// When it stops being valid, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateTime<Utc>>,
    /// The work the recipient did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// A narrative connecting the pieces of evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// The baked image of this assertion (URL or `data:image/` URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// How third parties verify an assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Verification {
    /// The assertion is fetched from its `id`, which must be in the issuer's scope.
    Hosted,
    /// The assertion travels as a JWS signed by the key at `creator`.
    Signed {
        /// The HTTPS URL of the signing [`CryptographicKey`].
        creator: String,
    },
}

/// One piece of evidence for an assertion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// The URL of a page presenting the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What the evidence shows, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// A title for the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An issuer's list of revoked assertions (used by signed assertions, honoured for all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevocationList {
    /// The HTTPS URL the list is hosted at.
    pub id: String,
    /// The HTTPS URL of the issuer profile.
    pub issuer: String,
    /// The revoked assertions.
    #[serde(default)]
    pub revoked: Vec<RevokedAssertion>,
}

/// One revoked assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokedAssertion {
    /// The assertion's `id`.
    pub id: String,
    /// Why it was revoked, if the issuer says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A public key an issuer signs assertions with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CryptographicKey {
    /// The HTTPS URL the key document is hosted at.
    pub id: String,
    /// The HTTPS URL of the issuer profile that owns the key.
    pub owner: String,
    /// The public key, PEM-encoded (`-----BEGIN PUBLIC KEY-----`).
    pub public_key_pem: String,
}

impl Issuer {
    /// The hosted issuer Profile document.
    pub fn to_json(&self) -> Result<Value, Ob2BuildError> {
        https("id", &self.id)?;
        not_empty("name", &self.name)?;
        web_url("url", &self.url)?;
        email("email", &self.email)?;
        let mut doc = header("Issuer", &self.id);
        doc.insert("name".into(), json!(self.name));
        doc.insert("url".into(), json!(self.url));
        doc.insert("email".into(), json!(self.email));
        optional_text(&mut doc, "description", &self.description);
        if let Some(image) = &self.image {
            doc.insert("image".into(), json!(checked_image("image", image)?));
        }
        if !self.public_keys.is_empty() {
            for key in &self.public_keys {
                https("publicKey", key)?;
            }
            doc.insert("publicKey".into(), one_or_array(&self.public_keys));
        }
        if let Some(list) = &self.revocation_list {
            doc.insert(
                "revocationList".into(),
                json!(https("revocationList", list)?),
            );
        }
        if let Some(policy) = &self.verification {
            doc.insert("verification".into(), policy.to_json()?);
        }
        Ok(Value::Object(doc))
    }
}

impl VerificationPolicy {
    fn to_json(&self) -> Result<Value, Ob2BuildError> {
        let mut doc = Map::new();
        doc.insert("type".into(), json!("VerificationObject"));
        if !self.allowed_origins.is_empty() {
            for origin in &self.allowed_origins {
                not_empty("verification.allowedOrigins", origin)?;
            }
            doc.insert("allowedOrigins".into(), one_or_array(&self.allowed_origins));
        }
        if !self.starts_with.is_empty() {
            for prefix in &self.starts_with {
                https("verification.startsWith", prefix)?;
            }
            doc.insert("startsWith".into(), one_or_array(&self.starts_with));
        }
        Ok(Value::Object(doc))
    }
}

impl BadgeClass {
    /// The hosted BadgeClass document.
    pub fn to_json(&self) -> Result<Value, Ob2BuildError> {
        https("id", &self.id)?;
        not_empty("name", &self.name)?;
        not_empty("description", &self.description)?;
        https("issuer", &self.issuer)?;
        let mut doc = header("BadgeClass", &self.id);
        doc.insert("name".into(), json!(self.name));
        doc.insert("description".into(), json!(self.description));
        doc.insert("image".into(), json!(checked_image("image", &self.image)?));
        doc.insert("criteria".into(), self.criteria.to_json()?);
        doc.insert("issuer".into(), json!(self.issuer));
        if !self.tags.is_empty() {
            for tag in &self.tags {
                not_empty("tags", tag)?;
            }
            doc.insert("tags".into(), json!(self.tags));
        }
        if !self.alignment.is_empty() {
            let list = self
                .alignment
                .iter()
                .map(Alignment::to_json)
                .collect::<Result<Vec<_>, _>>()?;
            doc.insert("alignment".into(), Value::Array(list));
        }
        Ok(Value::Object(doc))
    }
}

impl Criteria {
    fn to_json(&self) -> Result<Value, Ob2BuildError> {
        let mut doc = Map::new();
        if let Some(url) = &self.url {
            doc.insert("id".into(), json!(web_url("criteria.id", url)?));
        }
        if let Some(narrative) = self.narrative.as_deref().filter(|n| !n.trim().is_empty()) {
            doc.insert("narrative".into(), json!(narrative));
        }
        if doc.is_empty() {
            return Err(Ob2BuildError::EmptyCriteria);
        }
        Ok(Value::Object(doc))
    }
}

impl Alignment {
    fn to_json(&self) -> Result<Value, Ob2BuildError> {
        not_empty("alignment.targetName", &self.target_name)?;
        web_url("alignment.targetUrl", &self.target_url)?;
        let mut doc = Map::new();
        doc.insert("type".into(), json!("AlignmentObject"));
        doc.insert("targetName".into(), json!(self.target_name));
        doc.insert("targetUrl".into(), json!(self.target_url));
        optional_text(&mut doc, "targetDescription", &self.target_description);
        optional_text(&mut doc, "targetFramework", &self.target_framework);
        optional_text(&mut doc, "targetCode", &self.target_code);
        Ok(Value::Object(doc))
    }
}

impl Assertion {
    /// The Assertion document: hosted at its `id`, or the payload of a signed JWS.
    pub fn to_json(&self) -> Result<Value, Ob2BuildError> {
        match &self.verification {
            Verification::Hosted => https("id", &self.id)?,
            Verification::Signed { creator } => {
                if !is_urn_uuid(&self.id) {
                    https("id", &self.id)?;
                }
                https("verification.creator", creator)?
            }
        };
        email("recipient", &self.recipient_email)?;
        not_empty("salt", &self.salt)?;
        https("badge", &self.badge)?;
        let mut doc = header("Assertion", &self.id);
        doc.insert(
            "recipient".into(),
            json!({
                "type": "email",
                "hashed": true,
                "salt": self.salt,
                "identity": hash_email(&self.recipient_email, &self.salt),
            }),
        );
        doc.insert("badge".into(), json!(self.badge));
        doc.insert("verification".into(), self.verification_json());
        doc.insert("issuedOn".into(), json!(format_datetime(&self.issued_on)));
        if let Some(expires) = &self.expires {
            self.check_expiry(expires)?;
            doc.insert("expires".into(), json!(format_datetime(expires)));
        }
        if !self.evidence.is_empty() {
            let list = self
                .evidence
                .iter()
                .map(Evidence::to_json)
                .collect::<Result<Vec<_>, _>>()?;
            doc.insert("evidence".into(), Value::Array(list));
        }
        optional_text(&mut doc, "narrative", &self.narrative);
        if let Some(image) = &self.image {
            doc.insert("image".into(), json!(checked_image("image", image)?));
        }
        Ok(Value::Object(doc))
    }

    fn verification_json(&self) -> Value {
        match &self.verification {
            Verification::Hosted => json!({"type": "hosted"}),
            Verification::Signed { creator } => json!({"type": "signed", "creator": creator}),
        }
    }

    fn check_expiry(&self, expires: &DateTime<Utc>) -> Result<(), Ob2BuildError> {
        if *expires <= self.issued_on {
            return Err(Ob2BuildError::ExpiresBeforeIssued {
                issued_on: format_datetime(&self.issued_on),
                expires: format_datetime(expires),
            });
        }
        Ok(())
    }
}

impl Evidence {
    fn to_json(&self) -> Result<Value, Ob2BuildError> {
        // OB 2.0 makes every Evidence property optional; an entry that says nothing at all is
        // still refused, as it can only be a mistake.
        let said = |text: &Option<String>| text.as_deref().is_some_and(|t| !t.trim().is_empty());
        let empty = self.url.is_none()
            && !said(&self.narrative)
            && !said(&self.name)
            && !said(&self.description);
        if empty {
            return Err(Ob2BuildError::EmptyEvidence);
        }
        let mut doc = Map::new();
        if let Some(url) = &self.url {
            doc.insert("id".into(), json!(web_url("evidence.id", url)?));
        }
        doc.insert("type".into(), json!("Evidence"));
        optional_text(&mut doc, "narrative", &self.narrative);
        optional_text(&mut doc, "name", &self.name);
        optional_text(&mut doc, "description", &self.description);
        Ok(Value::Object(doc))
    }
}

impl RevocationList {
    /// The hosted RevocationList document.
    pub fn to_json(&self) -> Result<Value, Ob2BuildError> {
        https("id", &self.id)?;
        https("issuer", &self.issuer)?;
        let mut doc = header("RevocationList", &self.id);
        doc.insert("issuer".into(), json!(self.issuer));
        let mut revoked = Vec::with_capacity(self.revoked.len());
        for entry in &self.revoked {
            if !is_urn_uuid(&entry.id) {
                https("revokedAssertions.id", &entry.id)?;
            }
            let mut item = Map::new();
            item.insert("id".into(), json!(entry.id));
            optional_text(&mut item, "revocationReason", &entry.reason);
            revoked.push(Value::Object(item));
        }
        doc.insert("revokedAssertions".into(), Value::Array(revoked));
        Ok(Value::Object(doc))
    }
}

impl RevokedAssertion {
    /// What the host of a revoked hosted assertion serves at the assertion's `id` in place of
    /// the assertion: the id, `revoked: true` and the reason, if one is given. OB 2.0 lets a
    /// revoked assertion keep only these properties; hosts send it with HTTP status 410 Gone.
    pub fn to_hosted_json(&self) -> Result<Value, Ob2BuildError> {
        https("id", &self.id)?;
        let mut doc = header("Assertion", &self.id);
        doc.insert("revoked".into(), json!(true));
        optional_text(&mut doc, "revocationReason", &self.reason);
        Ok(Value::Object(doc))
    }
}

impl CryptographicKey {
    /// The hosted CryptographicKey document.
    pub fn to_json(&self) -> Result<Value, Ob2BuildError> {
        https("id", &self.id)?;
        https("owner", &self.owner)?;
        let pem = decode_pem(&self.public_key_pem).map_err(Ob2BuildError::NotPublicKeyPem)?;
        if !matches!(pem.label.as_str(), "PUBLIC KEY" | "RSA PUBLIC KEY") {
            return Err(Ob2BuildError::NotPublicKeyPem(format!(
                "its label is {:?}; expected PUBLIC KEY",
                pem.label
            )));
        }
        let mut doc = header("CryptographicKey", &self.id);
        doc.insert("owner".into(), json!(self.owner));
        doc.insert("publicKeyPem".into(), json!(self.public_key_pem));
        Ok(Value::Object(doc))
    }
}

/// Reads a PKCS#1 RSA private key (`-----BEGIN RSA PRIVATE KEY-----`) for [`sign_assertion`].
///
/// PKCS#8 (`BEGIN PRIVATE KEY`) is refused: without the PEM feature of `jsonwebtoken` the
/// signing backend only takes PKCS#1. `openssl rsa -traditional` converts one to the other.
pub fn rsa_signing_key(pem: &str) -> Result<EncodingKey, Ob2BuildError> {
    let pem = decode_pem(pem).map_err(Ob2BuildError::PrivateKey)?;
    if pem.label != "RSA PRIVATE KEY" {
        return Err(Ob2BuildError::PrivateKey(format!(
            "its label is {:?}; expected RSA PRIVATE KEY (PKCS#1)",
            pem.label
        )));
    }
    Ok(EncodingKey::from_rsa_der(&pem.der))
}

/// Signs an assertion document as an RS256 compact JWS, the OB 2.0 signed form.
///
/// The document must declare signed verification (its `verification.creator` names the key's
/// hosted document); the JWS header is `{"alg":"RS256"}` and the payload is the JSON as given.
pub fn sign_assertion(assertion: &Value, key: &EncodingKey) -> Result<String, Ob2BuildError> {
    let kind = assertion
        .pointer("/verification/type")
        .and_then(Value::as_str)
        .unwrap_or("none");
    if !matches!(kind, "signed" | "SignedBadge") {
        return Err(Ob2BuildError::NotSignable(format!(
            "its verification type is {kind:?}"
        )));
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(br#"{"alg":"RS256"}"#);
    let payload = b64.encode(assertion.to_string());
    let message = format!("{header}.{payload}");
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, Algorithm::RS256)
        .map_err(|e| Ob2BuildError::Signing(e.to_string()))?;
    Ok(format!("{message}.{signature}"))
}

/// `@context`, `type` and `id`, the start of every document.
fn header(kind: &str, id: &str) -> Map<String, Value> {
    let mut doc = Map::new();
    doc.insert("@context".into(), json!(CONTEXT));
    doc.insert("type".into(), json!(kind));
    doc.insert("id".into(), json!(id));
    doc
}

fn optional_text(doc: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(text) = value.as_deref().filter(|t| !t.trim().is_empty()) {
        doc.insert(key.to_owned(), json!(text));
    }
}

/// One value is written as a string, several as an array, as OB 2.0 documents usually do.
fn one_or_array(values: &[String]) -> Value {
    match values {
        [one] => json!(one),
        many => json!(many),
    }
}

fn https<'a>(field: &'static str, value: &'a str) -> Result<&'a str, Ob2BuildError> {
    if is_https_or_loopback_url(value) {
        Ok(value)
    } else {
        Err(Ob2BuildError::NotHttps {
            field,
            value: value.to_owned(),
        })
    }
}

fn web_url<'a>(field: &'static str, value: &'a str) -> Result<&'a str, Ob2BuildError> {
    if is_web_url(value) {
        Ok(value)
    } else {
        Err(Ob2BuildError::NotWebUrl {
            field,
            value: value.to_owned(),
        })
    }
}

fn checked_image<'a>(field: &'static str, value: &'a str) -> Result<&'a str, Ob2BuildError> {
    if is_https_or_loopback_url(value) || is_image_data_uri(value) {
        Ok(value)
    } else {
        Err(Ob2BuildError::NotImage {
            field,
            value: value.to_owned(),
        })
    }
}

fn not_empty(field: &'static str, value: &str) -> Result<(), Ob2BuildError> {
    if value.trim().is_empty() {
        return Err(Ob2BuildError::Empty(field));
    }
    Ok(())
}

/// A light shape check: one `@`, something on both sides, no spaces. Deliverability is the
/// app's concern; this only stops obvious mistakes from being hashed into a badge forever.
fn email(field: &'static str, value: &str) -> Result<(), Ob2BuildError> {
    not_empty(field, value)?;
    let ok = value
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && value.matches('@').count() == 1
        && !value.chars().any(char::is_whitespace);
    if !ok {
        return Err(Ob2BuildError::NotEmail(value.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn badge_class() -> BadgeClass {
        BadgeClass {
            id: "https://issuer.example/badges/1".into(),
            name: "Rust basics".into(),
            description: "Wrote and tested a small Rust library.".into(),
            image: "https://issuer.example/badges/1.png".into(),
            criteria: Criteria {
                url: None,
                narrative: Some("Pass the lab.".into()),
            },
            issuer: "https://issuer.example/issuer".into(),
            tags: vec![],
            alignment: vec![],
        }
    }

    #[test]
    fn criteria_need_a_narrative_or_a_url() {
        let mut badge = badge_class();
        badge.criteria = Criteria::default();
        assert_eq!(badge.to_json(), Err(Ob2BuildError::EmptyCriteria));
        badge.criteria.url = Some("https://issuer.example/criteria".into());
        let doc = badge.to_json().unwrap();
        assert_eq!(
            doc["criteria"],
            json!({"id": "https://issuer.example/criteria"})
        );
    }

    #[test]
    fn ids_must_be_https() {
        let mut badge = badge_class();
        badge.id = "http://issuer.example/badges/1".into();
        assert!(matches!(
            badge.to_json(),
            Err(Ob2BuildError::NotHttps { field: "id", .. })
        ));
    }

    #[test]
    fn plain_http_ids_are_accepted_only_on_loopback_hosts() {
        let mut badge = badge_class();
        badge.id = "http://127.0.0.1:8080/badges/1".into();
        badge.issuer = "http://127.0.0.1:8080/issuer".into();
        badge.image = "http://127.0.0.1:8080/badges/1.png".into();
        assert!(badge.to_json().is_ok());
        badge.id = "http://badges.example/badges/1".into();
        assert!(matches!(
            badge.to_json(),
            Err(Ob2BuildError::NotHttps { field: "id", .. })
        ));
    }

    #[test]
    fn evidence_may_be_just_a_name_but_not_nothing() {
        let named = Evidence {
            name: Some("Lab run".into()),
            ..Evidence::default()
        };
        assert_eq!(
            named.to_json().unwrap(),
            json!({"type": "Evidence", "name": "Lab run"})
        );
        let blank = Evidence {
            narrative: Some("  ".into()),
            ..Evidence::default()
        };
        assert_eq!(blank.to_json(), Err(Ob2BuildError::EmptyEvidence));
    }

    #[test]
    fn a_revoked_assertion_is_hosted_as_its_id_the_flag_and_the_reason() {
        let revoked = RevokedAssertion {
            id: "https://issuer.example/assertions/1".into(),
            reason: Some("Issued by mistake".into()),
        };
        assert_eq!(
            revoked.to_hosted_json().unwrap(),
            json!({
                "@context": CONTEXT,
                "type": "Assertion",
                "id": "https://issuer.example/assertions/1",
                "revoked": true,
                "revocationReason": "Issued by mistake",
            })
        );
        let unexplained = RevokedAssertion {
            reason: None,
            ..revoked
        };
        assert!(
            unexplained
                .to_hosted_json()
                .unwrap()
                .get("revocationReason")
                .is_none()
        );
    }

    #[test]
    fn images_may_be_data_uris_but_not_other_schemes() {
        let mut badge = badge_class();
        badge.image = "data:image/png;base64,iVBORw0KGgo=".into();
        assert!(badge.to_json().is_ok());
        badge.image = "javascript:alert(1)".into();
        assert!(matches!(
            badge.to_json(),
            Err(Ob2BuildError::NotImage { .. })
        ));
    }

    #[test]
    fn obvious_non_emails_are_refused() {
        for bad in [
            "",
            "alice",
            "alice@",
            "a b@example.org",
            "a@b@example.org",
            "@x.org",
        ] {
            assert!(email("recipient", bad).is_err(), "{bad}");
        }
        assert!(email("recipient", "alice@example.org").is_ok());
    }

    #[test]
    fn only_signed_assertions_can_be_signed() {
        let key = EncodingKey::from_rsa_der(&[0]);
        let err = sign_assertion(&json!({"verification": {"type": "hosted"}}), &key).unwrap_err();
        assert!(matches!(err, Ob2BuildError::NotSignable(_)));
    }
}
