//! The OB 3.0 credential of an award, before it is signed: what it says and what it keeps
//! out (the learner's email appears only as a salted SHA-256 hash).

use badges::model::{AchievementSubject, Credential, Evidence, Profile};
use badges::proof::xsd_date_time;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::EvidenceItem;
use crate::achievement::{self, Achievement};
use crate::issuer::{self, Issuer};
use crate::validate::Email;

/// Everything a credential is made from.
pub struct CredentialParts<'a> {
    /// The server's public URL, without a trailing slash.
    pub public_url: &'a str,
    /// The award's id.
    pub award_id: &'a str,
    /// Who signs.
    pub issuer: &'a Issuer,
    /// What was earned.
    pub achievement: &'a Achievement,
    /// The learner.
    pub email: &'a Email,
    /// The random salt of the hashed email.
    pub salt: &'a str,
    /// How it was earned.
    pub evidence: &'a [EvidenceItem],
    /// What the learner obtained, of the achievement's kinds of result.
    pub results: &'a [super::AwardResult],
    /// When it takes effect.
    pub valid_from: DateTime<Utc>,
    /// When it stops being valid, if it does.
    pub valid_until: Option<DateTime<Utc>>,
    /// The `credentialStatus` entry.
    pub status: Value,
}

/// The public id of an award's credential.
pub fn public_id(public_url: &str, award_id: &str) -> String {
    format!("{public_url}/credentials/{award_id}")
}

/// Builds the unsigned credential.
pub fn build(parts: &CredentialParts<'_>) -> anyhow::Result<Value> {
    let profile: Profile = serde_json::from_value(issuer::profile(parts.public_url, parts.issuer))?;
    let ob3 = achievement::to_ob3(parts.public_url, parts.achievement);
    let achievement_id = ob3.id.clone();
    let mut subject = AchievementSubject::for_email(ob3, parts.email.as_str(), parts.salt);
    subject.result = parts
        .results
        .iter()
        .map(|r| badges::model::AchievementResult {
            types: badges::model::OneOrMany::one("Result".to_owned()),
            result_description: Some(achievement::result_kind_id(&achievement_id, &r.key)),
            value: r.value.clone(),
            status: r.status.clone(),
            extra: Default::default(),
        })
        .collect();
    let id = public_id(parts.public_url, parts.award_id);

    let mut credential = Credential::new(id, profile, subject);
    credential.name = Some(parts.achievement.name.clone());
    credential.valid_from = Some(xsd_date_time(parts.valid_from));
    credential.awarded_date = Some(xsd_date_time(parts.valid_from));
    credential.valid_until = parts.valid_until.map(xsd_date_time);
    credential.evidence = evidence(parts.evidence);
    credential.credential_status = Some(parts.status.clone());
    Ok(credential.to_json())
}

/// The evidence as the credential carries it.
pub fn evidence(items: &[EvidenceItem]) -> Vec<Evidence> {
    items
        .iter()
        .map(|e| Evidence::new(e.name.clone(), e.narrative.clone(), e.url.clone()))
        .collect()
}

/// A fresh random salt for a hashed identity: 128 bits, hex.
pub fn new_salt() -> String {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).expect("system randomness");
    crate::db::hex(&bytes)
}

#[cfg(test)]
mod tests {
    use badges::model::IdentityObject;
    use badges::status::{StatusListEntry, StatusPurpose};

    use super::*;

    fn issuer() -> Issuer {
        Issuer {
            id: "i1".into(),
            org_id: "o1".into(),
            name: "Acme Academy".into(),
            url: "https://academy.example.org".into(),
            email: "badges@academy.example.org".into(),
            description: None,
            created_at: 0,
            archived_at: None,
        }
    }

    fn achievement() -> Achievement {
        Achievement {
            id: "a1".into(),
            org_id: "o1".into(),
            issuer_id: "i1".into(),
            name: "Kubernetes Operator".into(),
            description: "Runs clusters.".into(),
            criteria: "Pass the lab.".into(),
            achievement_type: "Badge".into(),
            skills: Vec::new(),
            tags: Vec::new(),
            points: 10,
            valid_for_days: None,
            image_type: None,
            design: None,
            created_at: 0,
            updated_at: 0,
            archived_at: None,
            result_kinds: Vec::new(),
        }
    }

    #[test]
    fn the_credential_hashes_the_email_and_points_at_its_status_entry() {
        let (issuer, achievement) = (issuer(), achievement());
        let email = Email::parse("Ada@Example.org").unwrap();
        let entry =
            StatusListEntry::new("https://b.example/status/l1", 7, StatusPurpose::Revocation);
        let evidence = [EvidenceItem {
            name: Some("Lab".into()),
            narrative: None,
            url: Some("https://labs.example/run/1".into()),
        }];
        let from = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let parts = CredentialParts {
            public_url: "https://b.example",
            award_id: "w1",
            issuer: &issuer,
            achievement: &achievement,
            email: &email,
            salt: "0011",
            evidence: &evidence,
            results: &[],
            valid_from: from,
            valid_until: Some(from + chrono::Duration::days(30)),
            status: entry.to_json(),
        };
        let credential = build(&parts).unwrap();

        assert!(!credential.to_string().contains("ada@example.org"));
        let identity: IdentityObject =
            serde_json::from_value(credential["credentialSubject"]["identifier"][0].clone())
                .unwrap();
        assert!(identity.matches("emailAddress", "ADA@example.org"));
        assert_eq!(credential["id"], "https://b.example/credentials/w1");
        assert_eq!(credential["issuer"]["id"], "https://b.example/issuers/i1");
        assert_eq!(credential["name"], "Kubernetes Operator");
        assert_eq!(credential["validFrom"], "2023-11-14T22:13:20Z");
        assert_eq!(credential["validUntil"], "2023-12-14T22:13:20Z");
        assert_eq!(credential["credentialStatus"]["statusListIndex"], "7");
        assert_eq!(
            credential["evidence"][0]["id"],
            "https://labs.example/run/1"
        );
    }

    #[test]
    fn salts_are_random() {
        assert_ne!(new_salt(), new_salt());
        assert_eq!(new_salt().len(), 32);
    }
}
