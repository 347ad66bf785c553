//! The Open Badges 3.0 verification procedure, producing a report a person can read.
//!
//! Every step of the procedure becomes one [`Check`] with an outcome and a sentence. The
//! verdict follows from them: any failed check makes the credential invalid; a check that
//! could not be made (a key or status list that could not be fetched) without any failure
//! makes the result indeterminate; otherwise the credential is valid, with any warnings said.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::bake::{self, BadgeVersion, BakeLimits, ImageKind};
use crate::jwt::{self, JwtError, JwtPublicKey};
use crate::model::{
    Achievement, AchievementSubject, Credential, EndorsementCredential, IdentityObject, Profile,
};
use crate::ob2::{self, AssertionInput};
use crate::proof::{self, ProofError};
use crate::resolve::{ResolveError, Resolver};
use crate::schema::{self, Schema};
use crate::status::{self, CredentialStatus, RevocationList, RevocationStatus, StatusPurpose};

/// How a single check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The check passed.
    Pass,
    /// The check failed: the credential is not valid.
    Fail,
    /// Worth knowing, but the credential is still valid.
    Warning,
    /// The check could not be made (a document could not be fetched).
    Unknown,
}

/// One step of the verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// A stable identifier of the step (`schema`, `proof`, `status`, …).
    pub id: String,
    /// How it came out.
    pub outcome: Outcome,
    /// What was found, as a sentence.
    pub message: String,
}

/// The overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every check passed (warnings aside).
    Valid,
    /// At least one check failed.
    Invalid,
    /// Nothing failed, but something could not be checked.
    Indeterminate,
}

/// The verification report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The overall result.
    pub verdict: Verdict,
    /// What was handed in (`OB 3.0 credential (JSON-LD)`, `baked PNG`, …).
    pub format: String,
    /// The credential's name or its achievement's name, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The issuer's id, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Each step, in order.
    pub checks: Vec<Check>,
    /// The credential as read, when it could be read.
    #[serde(skip)]
    pub credential: Option<Value>,
}

impl Check {
    fn new(id: &str, outcome: Outcome, message: impl Into<String>) -> Self {
        Self {
            id: id.to_owned(),
            outcome,
            message: message.into(),
        }
    }
}

impl Report {
    /// A report that starts empty for the given input format.
    pub fn new(format: impl Into<String>) -> Self {
        Self {
            verdict: Verdict::Valid,
            format: format.into(),
            name: None,
            issuer: None,
            checks: Vec::new(),
            credential: None,
        }
    }

    /// Adds a check and updates the verdict.
    pub fn add(&mut self, id: &str, outcome: Outcome, message: impl Into<String>) {
        self.verdict = match (self.verdict, outcome) {
            (_, Outcome::Fail) | (Verdict::Invalid, _) => Verdict::Invalid,
            (_, Outcome::Unknown) | (Verdict::Indeterminate, _) => Verdict::Indeterminate,
            _ => Verdict::Valid,
        };
        self.checks.push(Check {
            id: id.to_owned(),
            outcome,
            message: message.into(),
        });
    }

    /// Whether a check with this id failed.
    pub fn failed(&self, id: &str) -> bool {
        self.checks
            .iter()
            .any(|c| c.id == id && c.outcome == Outcome::Fail)
    }

    /// The report as plain text for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let verdict = match self.verdict {
            Verdict::Valid => "VALID",
            Verdict::Invalid => "INVALID",
            Verdict::Indeterminate => "COULD NOT BE FULLY CHECKED",
        };
        out.push_str(&format!("{verdict}: {}\n", self.format));
        if let Some(name) = &self.name {
            out.push_str(&format!("  badge:  {name}\n"));
        }
        if let Some(issuer) = &self.issuer {
            out.push_str(&format!("  issuer: {issuer}\n"));
        }
        for c in &self.checks {
            let mark = match c.outcome {
                Outcome::Pass => "pass",
                Outcome::Fail => "FAIL",
                Outcome::Warning => "warn",
                Outcome::Unknown => "????",
            };
            out.push_str(&format!("  [{mark}] {:<12} {}\n", c.id, c.message));
        }
        out
    }
}

/// What a verification may use and expect.
pub struct Options<'a> {
    /// Where issuer documents and status lists come from.
    pub resolver: &'a dyn Resolver,
    /// The time to check validity dates against.
    pub now: DateTime<Utc>,
    /// When given, the credential must be about this recipient: (identity type, value), for
    /// example `("emailAddress", "ada@example.org")`.
    pub recipient: Option<(String, String)>,
}

/// How deep endorsements of endorsements are followed.
pub const MAX_ENDORSEMENT_DEPTH: usize = 2;

/// Verifies whatever was handed in: a credential as JSON, a VC-JWT, or a PNG or SVG image
/// with one baked in (Open Badges 3.0 or 2.0).
pub fn verify_bytes(input: &[u8], options: &Options<'_>) -> Report {
    match bake::image_kind(input) {
        Some(kind) => verify_image(input, kind, options),
        None => verify_text(input, "", options),
    }
}

fn verify_image(input: &[u8], kind: ImageKind, options: &Options<'_>) -> Report {
    let image = match kind {
        ImageKind::Png => "PNG",
        ImageKind::Svg => "SVG",
    };
    match bake::unbake(input, &BakeLimits::default()) {
        Ok(baked) => {
            let version = match baked.version {
                BadgeVersion::V3 => "Open Badges 3.0",
                BadgeVersion::V2 => "Open Badges 2.0",
            };
            let prefix = format!("baked {image}, ");
            let mut report = verify_text(baked.payload.as_bytes(), &prefix, options);
            let found = format!("the {image} image carries an {version} credential");
            report
                .checks
                .insert(0, Check::new("image", Outcome::Pass, found));
            report
        }
        Err(e) => {
            let mut report = Report::new(format!("{image} image"));
            report.add("image", Outcome::Fail, e.to_string());
            report
        }
    }
}

fn verify_text(input: &[u8], prefix: &str, options: &Options<'_>) -> Report {
    let text = String::from_utf8_lossy(input);
    // Some editors start a text file with a byte order mark, which JSON readers may ignore.
    let text = text.trim().trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('{') {
        return match serde_json::from_str::<Value>(text) {
            Ok(doc) if is_ob2(&doc) => {
                let format = format!("{prefix}Open Badges 2.0");
                verify_ob2(&AssertionInput::Json(doc), options, &format)
            }
            Ok(doc) => {
                let mut report = verify_credential(&doc, options);
                report.format = format!("{prefix}{}", report.format);
                report
            }
            Err(e) => {
                let mut report = Report::new(format!("{prefix}JSON"));
                report.add(
                    "parse",
                    Outcome::Fail,
                    format!("the input is not valid JSON: {e}"),
                );
                report
            }
        };
    }
    if looks_like_jws(text) {
        let payload = jwt::decode_unverified(text).map(|(_, claims)| Value::Object(claims));
        if payload.is_ok_and(|p| is_ob2(&p)) {
            let input = AssertionInput::Jws(text.to_owned());
            return verify_ob2(&input, options, &format!("{prefix}signed Open Badges 2.0"));
        }
        let mut report = verify_jwt(text, options);
        report.format = format!("{prefix}{}", report.format);
        return report;
    }
    if text.starts_with("https://") || text.starts_with("http://") {
        let input = AssertionInput::Url(text.to_owned());
        return verify_ob2(&input, options, &format!("{prefix}hosted Open Badges 2.0"));
    }
    let mut report = Report::new(format!("{prefix}unknown input"));
    let why = "the input is not a credential: expected JSON, a VC-JWT, or a PNG or SVG image";
    report.add("parse", Outcome::Fail, why);
    report
}

/// Whether a JSON document is an Open Badges 2.0 assertion rather than a 3.0 credential.
fn is_ob2(doc: &Value) -> bool {
    let names_ob2 = |c: &Value| {
        c.as_str()
            .is_some_and(|s| s.starts_with("https://w3id.org/openbadges/v"))
    };
    let context_is_ob2 = match doc.get("@context") {
        Some(Value::Array(list)) => list.iter().any(names_ob2),
        Some(one) => names_ob2(one),
        None => false,
    };
    context_is_ob2 || (doc.get("recipient").is_some() && doc.get("badge").is_some())
}

/// Runs the OB 2.0 procedure and reports it in the same form as OB 3.0.
fn verify_ob2(input: &AssertionInput, options: &Options<'_>, format: &str) -> Report {
    let email = options.recipient.as_ref().map(|(_, value)| value.as_str());
    let ob2 = ob2::verify_assertion(input, options.resolver, options.now, email);
    let mut report = Report::new(format);
    for check in &ob2.checks {
        let outcome = match check.outcome {
            ob2::Outcome::Pass => Outcome::Pass,
            ob2::Outcome::Fail => Outcome::Fail,
            ob2::Outcome::Warning | ob2::Outcome::Skipped => Outcome::Warning,
        };
        report.add(check.id, outcome, check.message.clone());
    }
    for why in &ob2.unresolved {
        report.add("unresolved", Outcome::Unknown, why.clone());
    }
    report.name = ob2
        .badge_class
        .as_ref()
        .and_then(|b| b["name"].as_str())
        .map(str::to_owned);
    report.issuer = ob2
        .issuer
        .as_ref()
        .and_then(|i| i["id"].as_str())
        .map(str::to_owned);
    report.credential = ob2.assertion.clone();
    report
}

fn looks_like_jws(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && !parts[0].is_empty()
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Verifies an OB 3.0 credential given as JSON with an embedded (Data Integrity) proof.
pub fn verify_credential(doc: &Value, options: &Options<'_>) -> Report {
    let mut report = Report::new("Open Badges 3.0 credential (JSON-LD, Data Integrity proof)");
    check_credential(doc, options, &mut report, 0, Signature::Embedded);
    report.credential = Some(doc.clone());
    report
}

/// Verifies an OB 3.0 credential given as a VC-JWT.
pub fn verify_jwt(token: &str, options: &Options<'_>) -> Report {
    let mut report = Report::new("Open Badges 3.0 credential (VC-JWT)");
    let (header, claims) = match jwt::decode_unverified(token) {
        Ok(decoded) => decoded,
        Err(e) => {
            report.add("parse", Outcome::Fail, e.to_string());
            return report;
        }
    };
    let issuer = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if header.kid.is_none() && header.jwk.is_none() {
        let why = "the token names no key (its header has neither `kid` nor `jwk`), so its \
                   signature cannot be checked";
        report.add("proof", Outcome::Fail, why);
        return report;
    }
    let key = match header.kid.as_deref() {
        Some(kid) => match proof::resolve_key(kid, options.resolver) {
            Ok(resolved) if resolved.controller == issuer => Some(resolved.key),
            Ok(_) => {
                let why = format!("the signing key {kid} is not controlled by the issuer {issuer}");
                report.add("proof", Outcome::Fail, why);
                return report;
            }
            Err(e) if header.jwk.is_none() => {
                let outcome = if e.is_unavailable() {
                    Outcome::Unknown
                } else {
                    Outcome::Fail
                };
                report.add("proof", outcome, e.to_string());
                return report;
            }
            Err(_) => None,
        },
        None => None,
    };
    let embedded = key.is_none();
    let verify_options = jwt::VerifyOptions {
        now: options.now,
        allow_header_jwk: embedded,
    };
    let lookup = |_: Option<&str>, _: Option<&str>| key.map(JwtPublicKey::Ed25519);
    let verified = match jwt::verify_credential_jwt(token, &lookup, &verify_options) {
        Ok(verified) => verified,
        // The signature and the identifying claims held and only the validity dates did not:
        // read the token as of the date it names, and let the dates check say what is wrong.
        Err(JwtError::Expired(at) | JwtError::NotYetValid(at)) => {
            let at_the_date = jwt::VerifyOptions {
                now: at,
                ..verify_options
            };
            match jwt::verify_credential_jwt(token, &lookup, &at_the_date) {
                Ok(verified) => verified,
                Err(e) => {
                    report.add("proof", Outcome::Fail, e.to_string());
                    return report;
                }
            }
        }
        Err(e) => {
            report.add("proof", Outcome::Fail, e.to_string());
            return report;
        }
    };
    if embedded {
        let why = "the JWT signature is valid for the key embedded in the token, but nothing \
                   ties that key to the issuer";
        report.add("proof", Outcome::Warning, why);
    } else {
        report.add(
            "proof",
            Outcome::Pass,
            format!("signed by the issuer ({} JWT)", header.alg),
        );
    }
    check_credential(
        &verified.credential,
        options,
        &mut report,
        0,
        Signature::Jwt,
    );
    report.credential = Some(verified.credential);
    report
}

/// Where a credential's signature is: in its `proof`, or around it (a JWT already checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signature {
    Embedded,
    Jwt,
}

/// Runs every check that applies to a credential's JSON, appending to `report`.
fn check_credential(
    doc: &Value,
    options: &Options<'_>,
    report: &mut Report,
    depth: usize,
    signature: Signature,
) {
    let Some(credential) = read_model(doc, report) else {
        return;
    };
    report
        .issuer
        .get_or_insert_with(|| credential.issuer.id().to_owned());
    report.name.get_or_insert_with(|| {
        let achievement = &credential.credential_subject.achievement.name;
        credential
            .name
            .clone()
            .unwrap_or_else(|| achievement.clone())
    });

    check_schema(doc, &credential, report);
    if signature == Signature::Embedded {
        check_proof(doc, credential.issuer.id(), options, report);
    }
    check_dates(&credential, options.now, report);
    check_status(doc, &credential, options, report);
    if let Some((kind, value)) = &options.recipient {
        check_recipient(
            &credential.credential_subject.identifier,
            kind,
            value,
            report,
        );
    }
    if depth < MAX_ENDORSEMENT_DEPTH {
        check_endorsements(&credential.endorsement, options, report, depth);
    }
}

fn read_model(doc: &Value, report: &mut Report) -> Option<Credential> {
    let types: Vec<&str> = match doc.get("type") {
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(one)) => vec![one.as_str()],
        _ => Vec::new(),
    };
    let is_badge = types.iter().any(|t| {
        matches!(
            *t,
            "OpenBadgeCredential" | "AchievementCredential" | "EndorsementCredential"
        )
    });
    if !types.contains(&"VerifiableCredential") || !is_badge {
        let found = if types.is_empty() {
            "none".to_owned()
        } else {
            types.join(", ")
        };
        report.add(
            "type",
            Outcome::Fail,
            format!(
                "this is not an Open Badges credential: its types are {found}, but it needs \
                 VerifiableCredential and OpenBadgeCredential"
            ),
        );
        return None;
    }
    if types.contains(&"EndorsementCredential") {
        report.add(
            "type",
            Outcome::Pass,
            "an Open Badges 3.0 endorsement credential",
        );
        return endorsement_as_credential(doc, report);
    }
    match Credential::from_json(doc) {
        Ok(c) => {
            report.add("type", Outcome::Pass, "an Open Badges 3.0 credential");
            Some(c)
        }
        Err(e) => {
            report.add(
                "type",
                Outcome::Fail,
                format!("the credential cannot be read: {e}"),
            );
            None
        }
    }
}

/// Endorsements have another subject; only their common parts are modelled here.
fn endorsement_as_credential(doc: &Value, report: &mut Report) -> Option<Credential> {
    let endorsement = match EndorsementCredential::from_json(doc) {
        Ok(e) => e,
        Err(e) => {
            let why = format!("the endorsement cannot be read: {e}");
            report.add("type", Outcome::Fail, why);
            return None;
        }
    };
    // The checks that follow need the issuer, the name, the dates and the status, which an
    // endorsement shares with a badge credential; its subject has no recipient.
    let subject = &endorsement.credential_subject;
    let achievement = Achievement::new(
        subject.id.clone(),
        endorsement.name.clone(),
        String::new(),
        String::new(),
    );
    let mut credential = Credential::new(
        endorsement.id.clone(),
        Profile::new(endorsement.issuer.id(), ""),
        AchievementSubject::for_email(achievement, "", ""),
    );
    credential.credential_subject.identifier.clear();
    credential.context = endorsement.context;
    credential.types = endorsement.types;
    credential.issuer = endorsement.issuer;
    credential.name = Some(endorsement.name);
    credential.valid_from = endorsement.valid_from;
    credential.valid_until = endorsement.valid_until;
    credential.issuance_date = endorsement.issuance_date;
    credential.expiration_date = endorsement.expiration_date;
    credential.credential_status = endorsement.credential_status;
    Some(credential)
}

fn check_schema(doc: &Value, credential: &Credential, report: &mut Report) {
    let is_endorsement = doc["type"]
        .as_array()
        .is_some_and(|t| t.iter().any(|v| v == "EndorsementCredential"))
        || doc["type"] == "EndorsementCredential";
    let which = if is_endorsement {
        Schema::EndorsementCredential
    } else {
        Schema::AchievementCredential
    };
    // JSON-LD reads one value and a list of one alike; the schema insists on the list form
    // for `proof`, which some issuers (the reference JavaScript stack among them) do not use,
    // at the top level and in the credentials embedded in it (endorsements).
    let mut listed = doc.clone();
    list_single_proofs(&mut listed, 0);
    let problems = schema::check(which, &listed);
    if problems.is_empty() {
        report.add(
            "schema",
            Outcome::Pass,
            "the credential follows the official OB 3.0 schema",
        );
    } else if credential.is_legacy() {
        report.add(
            "schema",
            Outcome::Warning,
            format!(
                "a VCDM 1.1 (legacy) credential, which the OB 3.0 schema does not describe: {}",
                problems.join("; ")
            ),
        );
    } else {
        report.add(
            "schema",
            Outcome::Fail,
            format!(
                "the credential does not follow the OB 3.0 schema: {}",
                problems.join("; ")
            ),
        );
    }
}

/// How deep [`list_single_proofs`] looks; deeper documents are left to the schema as they are.
const MAX_PROOF_LISTING_DEPTH: usize = 32;

/// Turns every single `proof` object in `value` into a list of one.
fn list_single_proofs(value: &mut Value, depth: usize) {
    if depth > MAX_PROOF_LISTING_DEPTH {
        return;
    }
    match value {
        Value::Object(object) => {
            if let Some(one @ Value::Object(_)) = object.get_mut("proof") {
                *one = Value::Array(vec![one.take()]);
            }
            for inner in object.values_mut() {
                list_single_proofs(inner, depth + 1);
            }
        }
        Value::Array(list) => {
            for inner in list {
                list_single_proofs(inner, depth + 1);
            }
        }
        _ => {}
    }
}

fn check_proof(doc: &Value, issuer: &str, options: &Options<'_>, report: &mut Report) {
    let results = match proof::verify_proofs(doc, issuer, options.resolver) {
        Ok(results) => results,
        Err(ProofError::Missing) => {
            let why = "the credential carries no proof, so nothing shows who issued it";
            report.add("proof", Outcome::Fail, why);
            return;
        }
        Err(e) => {
            report.add("proof", Outcome::Fail, e.to_string());
            return;
        }
    };
    if let Some(ok) = results.iter().flatten().next() {
        let message = format!(
            "signed by the issuer ({} proof, key {})",
            ok.suite.name(),
            ok.verification_method
        );
        report.add("proof", Outcome::Pass, message);
        return;
    }
    let errors: Vec<&ProofError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    let all_unavailable = errors.iter().all(|e| e.is_unavailable());
    let message = errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    let outcome = if all_unavailable {
        Outcome::Unknown
    } else {
        Outcome::Fail
    };
    report.add("proof", outcome, message);
}

fn check_dates(credential: &Credential, now: DateTime<Utc>, report: &mut Report) {
    let parse = |s: &str| DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc));
    match credential.start().map(parse) {
        Some(Err(_)) => {
            report.add(
                "dates",
                Outcome::Fail,
                "the start of validity is not a valid date-time",
            );
            return;
        }
        Some(Ok(start)) if start > now => {
            let when = start.format("%Y-%m-%d %H:%M UTC");
            report.add(
                "dates",
                Outcome::Fail,
                format!("the credential is not valid until {when}"),
            );
            return;
        }
        _ => {}
    }
    match credential.end().map(parse) {
        Some(Err(_)) => {
            report.add(
                "dates",
                Outcome::Fail,
                "the end of validity is not a valid date-time",
            );
        }
        Some(Ok(end)) if end < now => {
            let when = end.format("%Y-%m-%d %H:%M UTC");
            report.add(
                "dates",
                Outcome::Fail,
                format!("the credential expired on {when}"),
            );
        }
        Some(Ok(end)) => {
            let when = end.format("%Y-%m-%d");
            report.add("dates", Outcome::Pass, format!("valid now, until {when}"));
        }
        None => report.add("dates", Outcome::Pass, "valid now; it does not expire"),
    }
}

fn check_recipient(ids: &[IdentityObject], kind: &str, value: &str, report: &mut Report) {
    if ids.iter().any(|id| id.matches(kind, value)) {
        report.add(
            "recipient",
            Outcome::Pass,
            "the credential was awarded to the expected person",
        );
    } else {
        let why = "the credential was not awarded to the expected person (no identifier matches)";
        report.add("recipient", Outcome::Fail, why);
    }
}

fn check_endorsements(list: &[Value], options: &Options<'_>, report: &mut Report, depth: usize) {
    for (i, endorsement) in list.iter().enumerate() {
        let mut inner = Report::new("endorsement");
        check_credential(
            endorsement,
            options,
            &mut inner,
            depth + 1,
            Signature::Embedded,
        );
        let by = inner
            .issuer
            .clone()
            .unwrap_or_else(|| "an unknown endorser".into());
        let id = format!("endorsement[{i}]");
        match inner.verdict {
            Verdict::Valid => {
                report.add(&id, Outcome::Pass, format!("a valid endorsement by {by}"))
            }
            _ => {
                let problems: Vec<String> = inner
                    .checks
                    .iter()
                    .filter(|c| matches!(c.outcome, Outcome::Fail | Outcome::Unknown))
                    .map(|c| c.message.clone())
                    .collect();
                // An endorsement that does not hold up does not make the badge itself invalid.
                let message = format!(
                    "the endorsement by {by} did not verify: {}",
                    problems.join("; ")
                );
                report.add(&id, Outcome::Warning, message);
            }
        }
    }
}

fn check_status(doc: &Value, credential: &Credential, options: &Options<'_>, report: &mut Report) {
    let entries = match status::credential_statuses(doc) {
        Ok(entries) => entries,
        Err(e) => {
            report.add("status", Outcome::Fail, e.to_string());
            return;
        }
    };
    let issuer = credential.issuer.id();
    for entry in entries {
        match entry {
            CredentialStatus::StatusList(entry) => {
                let (outcome, message) = status_list_check(&entry, issuer, options);
                report.add("status", outcome, message);
            }
            CredentialStatus::RevocationList { id } => {
                let credential_id = credential.id.as_deref().unwrap_or_default();
                let (outcome, message) = revocation_list_check(&id, credential_id, options);
                report.add("status", outcome, message);
            }
            CredentialStatus::Other { status_type } => {
                let why = format!(
                    "the status method {status_type} is not supported, so \
                                   revocation was not checked"
                );
                report.add("status", Outcome::Warning, why);
            }
        }
    }
}

fn status_list_check(
    entry: &status::StatusListEntry,
    issuer: &str,
    options: &Options<'_>,
) -> (Outcome, String) {
    let list = match options.resolver.fetch_json(&entry.list_credential) {
        Ok(list) => list,
        Err(e) => return unfetched("status list", e),
    };
    match proof::verify_proofs(&list, issuer, options.resolver) {
        Ok(results) if results.iter().any(Result::is_ok) => {}
        Ok(results) => {
            let why = results
                .into_iter()
                .filter_map(Result::err)
                .map(|e| e.to_string());
            let why = why.collect::<Vec<_>>().join("; ");
            return (
                Outcome::Fail,
                format!("the status list is not signed by the issuer: {why}"),
            );
        }
        Err(e) => {
            return (
                Outcome::Fail,
                format!("the status list cannot be trusted: {e}"),
            );
        }
    }
    match status::check_status(entry, &list, options.now) {
        Err(e) => (Outcome::Fail, e.to_string()),
        Ok(result) if !result.is_set() => (
            Outcome::Pass,
            format!(
                "not {} (status list checked)",
                purpose_word(&result.purpose)
            ),
        ),
        Ok(result) => match result.purpose {
            StatusPurpose::Revocation | StatusPurpose::Suspension => {
                let word = purpose_word(&result.purpose);
                (
                    Outcome::Fail,
                    format!("the issuer has {word} this credential"),
                )
            }
            _ => {
                let message = result
                    .message
                    .unwrap_or_else(|| format!("value {}", result.value));
                (
                    Outcome::Warning,
                    format!("the issuer's status says: {message}"),
                )
            }
        },
    }
}

fn revocation_list_check(
    url: &str,
    credential_id: &str,
    options: &Options<'_>,
) -> (Outcome, String) {
    let list = match options.resolver.fetch_json(url) {
        Ok(list) => list,
        Err(e) => return unfetched("revocation list", e),
    };
    match RevocationList::from_json(&list).map(|l| l.status_of(credential_id)) {
        Err(e) => (Outcome::Fail, e.to_string()),
        Ok(RevocationStatus::NotRevoked) => (
            Outcome::Pass,
            "not revoked (revocation list checked)".to_owned(),
        ),
        Ok(RevocationStatus::Revoked { reason }) => {
            let reason = reason.map(|r| format!(": {r}")).unwrap_or_default();
            (
                Outcome::Fail,
                format!("the issuer has revoked this credential{reason}"),
            )
        }
    }
}

/// A status document that could not be had: offline, that is a warning (the user chose not
/// to fetch); online, the check could not be made.
fn unfetched(what: &str, error: ResolveError) -> (Outcome, String) {
    match error {
        ResolveError::Offline(url) => (
            Outcome::Warning,
            format!("the {what} at {url} was not fetched (offline), so revocation was not checked"),
        ),
        e if e.is_unavailable() => (Outcome::Unknown, e.to_string()),
        e => (Outcome::Fail, e.to_string()),
    }
}

fn purpose_word(purpose: &StatusPurpose) -> &'static str {
    match purpose {
        StatusPurpose::Suspension => "suspended",
        _ => "revoked",
    }
}
