//! The Open Badges 3.0 document model: credentials, profiles, achievements and what hangs off
//! them, as typed structs that read and write the JSON-LD form.
//!
//! Reading is lenient where the specification is: a `type`, a `proof` or any other list may be
//! one value or an array, an issuer may be a bare id, and VCDM 1.1 (legacy) dates are accepted.
//! Writing follows the OB 3.0 serialization rules: lists are always arrays. Every struct keeps
//! the properties it does not model in `extra`, so a document read and written again keeps them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::contexts;

/// Properties a struct does not model, kept as they were.
pub type Extra = Map<String, Value>;

/// A list that may be written as a single value in JSON; always written as an array.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> OneOrMany<T> {
    /// A list of one.
    pub fn one(value: T) -> Self {
        Self(vec![value])
    }
    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Serialize> Serialize for OneOrMany<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either<T> {
            Many(Vec<T>),
            One(T),
        }
        Ok(match Either::deserialize(d)? {
            Either::Many(v) => Self(v),
            Either::One(v) => Self(vec![v]),
        })
    }
}

impl<T: PartialEq> OneOrMany<T> {
    /// Whether the list holds `value`.
    pub fn contains(&self, value: &T) -> bool {
        self.0.contains(value)
    }
}

/// Reads a list property that JSON-LD also allows as a single value (`"identifier": {…}`).
fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    OneOrMany::deserialize(d).map(|list| list.0)
}

/// Types, as a list of strings.
pub type Types = OneOrMany<String>;

fn types(names: &[&str]) -> Types {
    OneOrMany(names.iter().map(|s| s.to_string()).collect())
}

/// An OB 3.0 `OpenBadgeCredential` (also called `AchievementCredential`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    /// The JSON-LD contexts, in order.
    #[serde(rename = "@context")]
    pub context: Vec<Value>,
    /// The credential's id (a URL or `urn:uuid:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// At least `VerifiableCredential` and `OpenBadgeCredential`.
    #[serde(rename = "type")]
    pub types: Types,
    /// The issuer: a profile, or a bare id in some documents.
    pub issuer: IssuerRef,
    /// When the credential takes effect (VCDM 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// When it stops being valid (VCDM 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// When it was issued (VCDM 1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuance_date: Option<String>,
    /// When it expires (VCDM 1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    /// When the achievement was awarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awarded_date: Option<String>,
    /// A display name for the credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A description of the credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An image for the credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// Who received the achievement, and what it was.
    pub credential_subject: AchievementSubject,
    /// Evidence of how it was earned.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub evidence: Vec<Evidence>,
    /// Where to check whether it was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_status: Option<Value>,
    /// Schemas the credential claims to follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_schema: Option<Value>,
    /// Endorsements of this credential, embedded.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub endorsement: Vec<Value>,
    /// Proofs; written as an array.
    #[serde(default, skip_serializing_if = "OneOrMany::is_empty")]
    pub proof: OneOrMany<Value>,
    /// Properties not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An issuer: a full profile, or just its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IssuerRef {
    /// Only the id (allowed by VCDM; OB 3.0 prefers the full profile).
    Id(String),
    /// The profile.
    Profile(Box<Profile>),
}

impl IssuerRef {
    /// The issuer's id.
    pub fn id(&self) -> &str {
        match self {
            Self::Id(id) => id,
            Self::Profile(p) => &p.id,
        }
    }
}

/// An OB 3.0 `Profile`: an issuer, creator or endorser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// The profile's id (a URL or DID).
    pub id: String,
    /// Includes `Profile`.
    #[serde(rename = "type")]
    pub types: Types,
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A contact email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// Properties not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Profile {
    /// A profile with just an id and a name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            types: types(&["Profile"]),
            name: Some(name.into()),
            url: None,
            email: None,
            description: None,
            image: None,
            extra: Extra::new(),
        }
    }
}

/// An image: a URL (or `data:` URL), optionally with a caption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Image {
    /// Only the URL.
    Url(String),
    /// An `Image` object.
    Object {
        /// The image URL.
        id: String,
        /// `Image`.
        #[serde(rename = "type")]
        kind: String,
        /// A caption.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
}

impl Image {
    /// An `Image` object for a URL.
    pub fn new(url: impl Into<String>, caption: Option<String>) -> Self {
        Self::Object {
            id: url.into(),
            kind: "Image".into(),
            caption,
        }
    }
}

/// What was earned: an OB 3.0 `Achievement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Achievement {
    /// The achievement's id.
    pub id: String,
    /// Includes `Achievement`.
    #[serde(rename = "type")]
    pub types: Types,
    /// The name.
    pub name: String,
    /// A description.
    pub description: String,
    /// What a learner must do to earn it.
    pub criteria: Criteria,
    /// The badge image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// The kind of achievement (`Badge`, `Certificate`, …, or `ext:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement_type: Option<String>,
    /// Skills and competencies it aligns to.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub alignment: Vec<Alignment>,
    /// Keywords.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tag: Vec<String>,
    /// How results are described (e.g. the challenges of a lab track).
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub result_description: Vec<ResultDescription>,
    /// Who created the achievement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<Profile>,
    /// Properties not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The criteria for an achievement: a narrative (Markdown) and/or a URL.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Criteria {
    /// A page describing the criteria.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The criteria in Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// Properties not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An alignment to a skill or competency in a framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alignment {
    /// `Alignment`.
    #[serde(rename = "type")]
    pub types: Types,
    /// The skill's name.
    pub target_name: String,
    /// The skill's URL.
    pub target_url: String,
    /// A description of the skill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_description: Option<String>,
    /// The framework's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    /// The skill's code in the framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    /// The kind of target (`ceasn:Competency`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// Properties not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// How one kind of result of an achievement is described.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultDescription {
    /// The id results refer to.
    pub id: String,
    /// `ResultDescription`.
    #[serde(rename = "type")]
    pub types: Types,
    /// The name.
    pub name: String,
    /// The kind of result (`Status`, `Result`, `RawScore`, …).
    pub result_type: String,
    /// Values allowed.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub allowed_value: Vec<String>,
    /// The value needed to earn the achievement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_value: Option<String>,
    /// Properties not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The learner and what they achieved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementSubject {
    /// The learner's id, when they have one (a DID); often absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Includes `AchievementSubject`.
    #[serde(rename = "type")]
    pub types: Types,
    /// The achievement.
    pub achievement: Achievement,
    /// Who the learner is, as hashed identities.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub identifier: Vec<IdentityObject>,
    /// Results the learner obtained.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub result: Vec<AchievementResult>,
    /// Properties not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A learner identity: an email (or other identifier), salted and hashed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityObject {
    /// `IdentityObject`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether `identity_hash` is hashed.
    pub hashed: bool,
    /// `sha256$` and the hex SHA-256 of the identity followed by the salt, or the plain value.
    pub identity_hash: String,
    /// What the identity is (`emailAddress`, …).
    pub identity_type: String,
    /// The salt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

impl IdentityObject {
    /// A hashed email identity. Emails are compared without regard to case, so the address is
    /// lower-cased before hashing.
    pub fn hashed_email(email: &str, salt: &str) -> Self {
        Self {
            kind: "IdentityObject".into(),
            hashed: true,
            identity_hash: identity_hash(&email.trim().to_lowercase(), salt),
            identity_type: "emailAddress".into(),
            salt: Some(salt.into()),
        }
    }

    /// Whether this identity is the given value (an email is compared without regard to case).
    pub fn matches(&self, identity_type: &str, value: &str) -> bool {
        if self.identity_type != identity_type {
            return false;
        }
        let value = if identity_type == "emailAddress" {
            value.trim().to_lowercase()
        } else {
            value.to_owned()
        };
        if !self.hashed {
            return self.identity_hash.eq_ignore_ascii_case(&value);
        }
        let salt = self.salt.as_deref().unwrap_or("");
        self.identity_hash
            .eq_ignore_ascii_case(&identity_hash(&value, salt))
    }
}

/// `sha256$` and the lower-case hex SHA-256 of `identity` followed by `salt`.
pub fn identity_hash(identity: &str, salt: &str) -> String {
    let digest = Sha256::digest(format!("{identity}{salt}"));
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256${hex}")
}

/// A result the learner obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementResult {
    /// `Result`.
    #[serde(rename = "type")]
    pub types: Types,
    /// The id of the `ResultDescription` this result is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_description: Option<String>,
    /// The value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `Completed`, `Enrolled`, … for status results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Properties not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Evidence of how an achievement was earned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// A URL of the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Includes `Evidence`.
    #[serde(rename = "type")]
    pub types: Types,
    /// A name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A narrative in Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The kind of evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    /// Properties not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Evidence {
    /// Evidence with a name, a narrative and an optional URL.
    pub fn new(name: Option<String>, narrative: Option<String>, url: Option<String>) -> Self {
        Self {
            id: url,
            types: types(&["Evidence"]),
            name,
            narrative,
            description: None,
            genre: None,
            extra: Extra::new(),
        }
    }
}

/// An OB 3.0 `EndorsementCredential`: a third party vouching for a profile, an achievement
/// or a credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndorsementCredential {
    /// The JSON-LD contexts, in order.
    #[serde(rename = "@context")]
    pub context: Vec<Value>,
    /// The endorsement's id.
    pub id: String,
    /// At least `VerifiableCredential` and `EndorsementCredential`.
    #[serde(rename = "type")]
    pub types: Types,
    /// A name for the endorsement.
    pub name: String,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The endorser.
    pub issuer: IssuerRef,
    /// When it takes effect (VCDM 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// When it stops being valid (VCDM 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// When it was issued (VCDM 1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuance_date: Option<String>,
    /// When it expires (VCDM 1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    /// What is endorsed, and what the endorser says about it.
    pub credential_subject: EndorsementSubject,
    /// Where to check whether it was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_status: Option<Value>,
    /// Proofs; written as an array.
    #[serde(default, skip_serializing_if = "OneOrMany::is_empty")]
    pub proof: OneOrMany<Value>,
    /// Properties not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The subject of an endorsement: the id of what is endorsed, and a comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndorsementSubject {
    /// The endorsed profile's, achievement's or credential's id.
    pub id: String,
    /// Includes `EndorsementSubject`.
    #[serde(rename = "type")]
    pub types: Types,
    /// What the endorser says, in Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_comment: Option<String>,
    /// Properties not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl EndorsementCredential {
    /// A new, unsigned endorsement of `endorsed_id` by `endorser`.
    pub fn new(
        id: String,
        endorser: Profile,
        endorsed_id: String,
        comment: Option<String>,
    ) -> Self {
        Self {
            context: vec![contexts::CREDENTIALS_V2.into(), contexts::OB_V3.into()],
            id,
            types: types(&["VerifiableCredential", "EndorsementCredential"]),
            name: format!(
                "Endorsement by {}",
                endorser.name.as_deref().unwrap_or("an endorser")
            ),
            description: None,
            issuer: IssuerRef::Profile(Box::new(endorser)),
            valid_from: None,
            valid_until: None,
            issuance_date: None,
            expiration_date: None,
            credential_subject: EndorsementSubject {
                id: endorsed_id,
                types: types(&["EndorsementSubject"]),
                endorsement_comment: comment,
                extra: Extra::new(),
            },
            credential_status: None,
            proof: OneOrMany::default(),
            extra: Extra::new(),
        }
    }

    /// Reads an endorsement from JSON.
    pub fn from_json(value: &Value) -> Result<Self, serde_json::Error> {
        Self::deserialize(value)
    }

    /// The endorsement as JSON, following the OB 3.0 serialization rules.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl Credential {
    /// A new, unsigned OB 3.0 credential with the contexts and types Rosette writes.
    pub fn new(id: String, issuer: Profile, subject: AchievementSubject) -> Self {
        Self {
            context: vec![contexts::CREDENTIALS_V2.into(), contexts::OB_V3.into()],
            id: Some(id),
            types: types(&["VerifiableCredential", "OpenBadgeCredential"]),
            issuer: IssuerRef::Profile(Box::new(issuer)),
            valid_from: None,
            valid_until: None,
            issuance_date: None,
            expiration_date: None,
            awarded_date: None,
            name: None,
            description: None,
            image: None,
            credential_subject: subject,
            evidence: Vec::new(),
            credential_status: None,
            credential_schema: None,
            endorsement: Vec::new(),
            proof: OneOrMany::default(),
            extra: Extra::new(),
        }
    }

    /// Reads a credential from JSON.
    pub fn from_json(value: &Value) -> Result<Self, serde_json::Error> {
        Self::deserialize(value)
    }

    /// The credential as JSON, following the OB 3.0 serialization rules.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Whether the credential uses the VCDM 1.1 (legacy) context.
    pub fn is_legacy(&self) -> bool {
        self.context.first().and_then(Value::as_str) == Some(contexts::CREDENTIALS_V1)
    }

    /// The start of validity, from `validFrom` or the legacy `issuanceDate`.
    pub fn start(&self) -> Option<&str> {
        self.valid_from.as_deref().or(self.issuance_date.as_deref())
    }

    /// The end of validity, from `validUntil` or the legacy `expirationDate`.
    pub fn end(&self) -> Option<&str> {
        self.valid_until
            .as_deref()
            .or(self.expiration_date.as_deref())
    }
}

impl AchievementSubject {
    /// A subject for `achievement`, identified by a hashed email.
    pub fn for_email(achievement: Achievement, email: &str, salt: &str) -> Self {
        Self {
            id: None,
            types: types(&["AchievementSubject"]),
            achievement,
            identifier: vec![IdentityObject::hashed_email(email, salt)],
            result: Vec::new(),
            extra: Extra::new(),
        }
    }
}

impl Achievement {
    /// An achievement with the fields OB 3.0 requires.
    pub fn new(id: String, name: String, description: String, narrative: String) -> Self {
        Self {
            id,
            types: types(&["Achievement"]),
            name,
            description,
            criteria: Criteria {
                id: None,
                narrative: Some(narrative),
                extra: Extra::new(),
            },
            image: None,
            achievement_type: None,
            alignment: Vec::new(),
            tag: Vec::new(),
            result_description: Vec::new(),
            creator: None,
            extra: Extra::new(),
        }
    }
}

impl Alignment {
    /// An alignment to a named skill at a URL.
    pub fn new(name: String, url: String) -> Self {
        Self {
            types: types(&["Alignment"]),
            target_name: name,
            target_url: url,
            target_description: None,
            target_framework: None,
            target_code: None,
            target_type: None,
            extra: Extra::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_types_and_proofs_are_written_back_as_arrays() {
        let v = serde_json::json!({
            "@context": [contexts::CREDENTIALS_V2, contexts::OB_V3],
            "type": "OpenBadgeCredential",
            "issuer": "did:key:z6Mk",
            "credentialSubject": {
                "type": "AchievementSubject",
                "achievement": {"id": "urn:a", "type": "Achievement", "name": "n",
                    "description": "d", "criteria": {"narrative": "c"}}
            },
            "proof": {"type": "DataIntegrityProof"},
            "somethingElse": {"kept": true}
        });
        let c = Credential::from_json(&v).unwrap();
        let out = c.to_json();
        assert_eq!(out["type"], serde_json::json!(["OpenBadgeCredential"]));
        assert!(out["proof"].is_array());
        assert_eq!(
            out["credentialSubject"]["achievement"]["type"],
            serde_json::json!(["Achievement"])
        );
        assert_eq!(out["somethingElse"]["kept"], true);
        assert_eq!(c.issuer.id(), "did:key:z6Mk");
    }

    #[test]
    fn list_properties_given_as_a_single_value_are_read_as_lists_of_one() {
        let v = serde_json::json!({
            "@context": [contexts::CREDENTIALS_V2, contexts::OB_V3],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": "did:key:z6Mk",
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "identifier": {"type": "IdentityObject", "identityHash": "Ada",
                    "identityType": "name", "hashed": false},
                "result": {"type": ["Result"], "value": "A"},
                "achievement": {"id": "urn:a", "type": ["Achievement"], "name": "n",
                    "description": "d", "criteria": {"narrative": "c"}, "tag": "rust",
                    "alignment": {"type": ["Alignment"], "targetName": "t",
                        "targetUrl": "https://example.org/t"}}
            },
            "evidence": {"type": ["Evidence"], "name": "e"}
        });
        let c = Credential::from_json(&v).unwrap();
        assert!(c.credential_subject.identifier[0].matches("name", "Ada"));
        let out = c.to_json();
        let subject = &out["credentialSubject"];
        assert_eq!(subject["identifier"].as_array().unwrap().len(), 1);
        assert_eq!(subject["result"].as_array().unwrap().len(), 1);
        assert_eq!(subject["achievement"]["tag"], serde_json::json!(["rust"]));
        assert_eq!(subject["achievement"]["alignment"][0]["targetName"], "t");
        assert_eq!(out["evidence"][0]["name"], "e");
    }

    #[test]
    fn hashed_emails_match_without_regard_to_case_and_not_otherwise() {
        let id = IdentityObject::hashed_email("Ada@Example.org", "pepper");
        assert!(id.identity_hash.starts_with("sha256$"));
        assert!(id.matches("emailAddress", "ada@example.ORG"));
        assert!(!id.matches("emailAddress", "eve@example.org"));
        assert_eq!(identity_hash("ada@example.org", "pepper"), id.identity_hash);
    }
}
