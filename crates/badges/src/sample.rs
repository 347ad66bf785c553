//! A realistic Open Badges 3.0 credential for benchmarks, examples and tests.
//!
//! It has everything a Rosette award carries: an issuer profile, an achievement with an image,
//! alignments, tags and result descriptions, a hashed recipient, evidence, results, validity
//! dates and a status list entry.

use serde_json::{Value, json};

/// An unsigned credential issued by `issuer_id`; `n` varies its id and salt.
pub fn realistic_credential(issuer_id: &str, n: u64) -> Value {
    let salt = format!("f3a9c2{n}");
    let achievement = "https://badges.example.org/achievements/k8s-troubleshooter";
    json!({
        "@context": [crate::contexts::CREDENTIALS_V2, crate::contexts::OB_V3],
        "id": format!("urn:uuid:7c0b9a43-1d7e-4c55-9f0e-{n:012}"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer_id,
            "type": ["Profile"],
            "name": "Acme Academy",
            "url": "https://academy.example.org",
            "email": "badges@academy.example.org",
            "image": {"id": "https://academy.example.org/logo.png", "type": "Image"}
        },
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2029-01-01T00:00:00Z",
        "name": "Kubernetes Troubleshooter",
        "description": "Awarded for diagnosing and fixing broken workloads in a live cluster.",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": true,
                "identityHash": crate::model::identity_hash("ada@example.org", &salt),
                "salt": salt,
            }],
            "achievement": {
                "id": achievement,
                "type": ["Achievement"],
                "achievementType": "Badge",
                "name": "Kubernetes Troubleshooter",
                "description": "Diagnosed and fixed three broken workloads in a live cluster.",
                "criteria": {
                    "narrative": "Pass every check of the *Troubleshooting* track:\n\n\
                        1. Find the crashing pod.\n2. Fix its probe.\n3. Scale it back up."
                },
                "image": {"id": format!("{achievement}.png"), "type": "Image",
                    "caption": "A hexagonal badge with a ship's wheel"},
                "tag": ["kubernetes", "operations", "troubleshooting"],
                "alignment": [
                    {"type": ["Alignment"], "targetName": "Troubleshoot workloads",
                     "targetUrl": "https://academy.example.org/skills/troubleshoot",
                     "targetFramework": "Acme Skills", "targetCode": "OPS-3"},
                    {"type": ["Alignment"], "targetName": "Container orchestration",
                     "targetUrl": "https://esco.example.org/skill/orchestration",
                     "targetFramework": "ESCO"}
                ],
                "resultDescription": [{
                    "id": format!("{achievement}#track"),
                    "type": ["ResultDescription"],
                    "name": "Troubleshooting track",
                    "resultType": "Status"
                }]
            },
            "result": [{"type": ["Result"], "resultDescription": format!("{achievement}#track"),
                "status": "Completed"}]
        },
        "evidence": [
            {"id": "https://academy.example.org/labs/sessions/8812", "type": ["Evidence"],
             "name": "Lab session", "narrative": "All 3 checks passed in 41 minutes."},
            {"type": ["Evidence"], "name": "Challenge 2", "narrative": "Passed on attempt 2."}
        ],
        "credentialStatus": {
            "id": format!("https://academy.example.org/status/1#{n}"),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": n.to_string(),
            "statusListCredential": "https://academy.example.org/status/1"
        }
    })
}
