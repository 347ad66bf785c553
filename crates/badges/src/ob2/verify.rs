//! Verification of OB 2.0 assertions, hosted or signed, as a list of named checks.
//!
//! The procedure follows the "Verification" section of Open Badges 2.0:
//!
//! - a **hosted** assertion (given as JSON or as its URL) is fetched again from its `id`, and
//!   that hosted copy is the truth; its `id` must lie in the issuer's hosting scope (the host
//!   of the issuer profile's `id`, or the profile's `verification.allowedOrigins` and
//!   `startsWith`);
//! - a **signed** assertion is an RS256 compact JWS whose payload is the assertion; the key
//!   named by `verification.creator` (or, without one, each key the issuer lists) must verify
//!   it, be owned by the issuer profile and be listed in the profile's `publicKey`;
//! - both: the BadgeClass and issuer Profile are fetched and checked for required fields, the
//!   issuer's revocation list is consulted, `issuedOn` may not be in the future, `expires` may
//!   not be past, and the recipient is compared with an expected email when one is given.
//!
//! Every check ends as [`Outcome::Pass`], `Fail`, `Warning` or `Skipped`. A document the
//! resolver could not fetch does not make the badge invalid: the check is skipped, the reason
//! is kept in [`Ob2Report::unresolved`], and the overall [`Ob2Status`] is `Indeterminate`
//! unless something else failed outright.
//!
//! Check ids, in the order they are reported: `input`, `assertion.hosted`,
//! `assertion.hosted_copy`, `assertion.context`, `assertion.fields`, `badge_class`,
//! `issuer`, `hosted.scope`, `signature`, `signing_key`, `revocation`, `issued_on`,
//! `expires`, `recipient`.

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Serialize;
use serde_json::Value;

use super::json::{
    datetime_field, decode_pem, format_datetime, has_ob2_context, has_type, is_id_iri, is_web_url,
    node_id, one_or_many, origin_host,
};
use super::{hash_email, sha256_identity};
use crate::resolve::{ResolveError, Resolver};

/// The largest assertion input (JSON text or JWS) accepted, in bytes. Baked assertions are a
/// few kilobytes; anything near this size is not a badge.
pub const MAX_INPUT_BYTES: usize = 512 * 1024;

/// How many of an issuer's keys are tried when an assertion names no `creator`.
pub const MAX_SIGNING_KEYS: usize = 8;

/// How far in the future `issuedOn` may be before it counts as a failure: clocks of issuing
/// servers drift, and a badge issued a minute "from now" is not a forgery.
pub const ISSUED_ON_LEEWAY: Duration = Duration::minutes(5);

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// The check was made and passed.
    Pass,
    /// The check was made and the assertion does not meet it.
    Fail,
    /// Something is off but does not make the assertion invalid.
    Warning,
    /// The check could not be made or does not apply; the message says which.
    Skipped,
}

/// One named check of an OB 2.0 verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ob2Check {
    /// A stable identifier such as `revocation` (listed in the module documentation).
    pub id: &'static str,
    /// How it ended.
    pub outcome: Outcome,
    /// What was found, as a sentence for a person.
    pub message: String,
}

/// The overall result of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Ob2Status {
    /// Every check that applies passed.
    Valid,
    /// At least one check failed.
    Invalid,
    /// Nothing failed, but some document could not be had, so the badge could not be checked.
    Indeterminate,
}

/// The checks made and the documents found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Ob2Report {
    /// The checks, in the order they were made.
    pub checks: Vec<Ob2Check>,
    /// Why some checks could not be made (documents that could not be fetched, hashes that
    /// cannot be compared). Non-empty means the result is at best indeterminate.
    pub unresolved: Vec<String>,
    /// The assertion that was verified (for hosted ones, the hosted copy).
    pub assertion: Option<Value>,
    /// The BadgeClass it awards.
    pub badge_class: Option<Value>,
    /// The issuer Profile of the BadgeClass.
    pub issuer: Option<Value>,
}

impl Ob2Report {
    /// Valid, invalid, or could not tell.
    pub fn status(&self) -> Ob2Status {
        if self.checks.iter().any(|c| c.outcome == Outcome::Fail) {
            Ob2Status::Invalid
        } else if !self.unresolved.is_empty() {
            Ob2Status::Indeterminate
        } else {
            Ob2Status::Valid
        }
    }

    /// The first check with this id, if it was made.
    pub fn check(&self, id: &str) -> Option<&Ob2Check> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// What the caller has in hand.
#[derive(Debug, Clone, PartialEq)]
pub enum AssertionInput {
    /// The JSON of a hosted assertion (it is only trusted for its `id`).
    Json(Value),
    /// The URL of a hosted assertion.
    Url(String),
    /// A signed assertion as a compact JWS.
    Jws(String),
}

impl AssertionInput {
    /// Tells the three forms apart in text as found in a baked image or pasted by a person:
    /// JSON starts with `{`, a URL with `http://` or `https://`, anything else is a JWS.
    pub fn from_text(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.len() > MAX_INPUT_BYTES {
            return Err(format!(
                "the assertion is larger than {MAX_INPUT_BYTES} bytes"
            ));
        }
        if text.starts_with('{') {
            return serde_json::from_str(text)
                .map(Self::Json)
                .map_err(|e| format!("the assertion is not valid JSON: {e}"));
        }
        if text.starts_with("https://") || text.starts_with("http://") {
            return Ok(Self::Url(text.to_owned()));
        }
        Ok(Self::Jws(text.to_owned()))
    }
}

/// Verifies an OB 2.0 assertion at time `now`, fetching what it needs through `resolver`.
///
/// `expected_email`, when given, must be the recipient (compared case-insensitively, against
/// the salted hash when the assertion is hashed).
pub fn verify_assertion(
    input: &AssertionInput,
    resolver: &dyn Resolver,
    now: DateTime<Utc>,
    expected_email: Option<&str>,
) -> Ob2Report {
    let mut run = Run {
        resolver,
        now,
        expected_email,
        report: Ob2Report::default(),
    };
    run.verify(input);
    run.report
}

/// A compact JWS split into what the signature covers and the signature itself.
struct Jws {
    /// `header.payload`, the signed bytes.
    message: String,
    /// The base64url signature.
    signature: String,
}

/// The assertion and how it is verified, once the input has been read.
enum Start {
    Hosted { claimed: Option<Value>, id: String },
    Signed { payload: Value, jws: Jws },
}

/// A document fetched for a check, or the reason it is missing (already reported).
type Fetched = Option<Value>;

struct Run<'a> {
    resolver: &'a dyn Resolver,
    now: DateTime<Utc>,
    expected_email: Option<&'a str>,
    report: Ob2Report,
}

impl Run<'_> {
    fn verify(&mut self, input: &AssertionInput) {
        let Some(start) = self.read_input(input) else {
            return;
        };
        let (assertion, jws) = match start {
            Start::Hosted { claimed, id } => match self.fetch_hosted(claimed, &id) {
                Some(hosted) => (hosted, None),
                None => return,
            },
            Start::Signed { payload, jws } => (payload, Some(jws)),
        };
        self.report.assertion = Some(assertion.clone());
        if is_revocation_notice(&assertion) {
            return self.fail_revoked_in_place(&assertion);
        }

        self.check_assertion_fields(&assertion);
        let badge = self.badge_class(&assertion);
        let issuer = badge.as_ref().and_then(|b| self.issuer(b));
        match &jws {
            None => self.check_hosted_scope(&assertion, issuer.as_ref()),
            Some(jws) => self.check_signature(jws, &assertion, issuer.as_ref()),
        }
        self.check_revocation_list(&assertion, issuer.as_ref());
        self.check_dates(&assertion);
        self.check_recipient(&assertion);
        self.report.badge_class = badge;
        self.report.issuer = issuer;
    }

    fn push(&mut self, id: &'static str, outcome: Outcome, message: impl Into<String>) {
        self.report.checks.push(Ob2Check {
            id,
            outcome,
            message: message.into(),
        });
    }

    /// Skips a check because something could not be had, and remembers why.
    fn unresolved(&mut self, id: &'static str, reason: String) {
        self.push(id, Outcome::Skipped, format!("could not check: {reason}"));
        self.report.unresolved.push(reason);
    }

    /// Fetches a document for check `id`, reporting a failure as that check's outcome.
    fn fetch(&mut self, id: &'static str, what: &str, url: &str) -> Fetched {
        match self.resolver.fetch_json(url) {
            Ok(doc) if doc.is_object() => Some(doc),
            Ok(_) => {
                self.push(
                    id,
                    Outcome::Fail,
                    format!("the {what} at {url} is not a JSON object"),
                );
                None
            }
            Err(e) => {
                self.fetch_failed(id, what, &e);
                None
            }
        }
    }

    fn fetch_failed(&mut self, id: &'static str, what: &str, error: &ResolveError) {
        if error.is_unavailable() {
            self.unresolved(id, format!("the {what} is not available: {error}"));
        } else {
            self.push(
                id,
                Outcome::Fail,
                format!("the {what} is unusable: {error}"),
            );
        }
    }

    fn read_input(&mut self, input: &AssertionInput) -> Option<Start> {
        match input {
            AssertionInput::Json(doc) => self.read_json_input(doc),
            AssertionInput::Url(url) => {
                if !is_web_url(url) {
                    self.push("input", Outcome::Fail, format!("{url:?} is not a web URL"));
                    return None;
                }
                self.push("input", Outcome::Pass, "a hosted assertion URL was given");
                Some(Start::Hosted {
                    claimed: None,
                    id: url.clone(),
                })
            }
            AssertionInput::Jws(text) => self.read_jws_input(text),
        }
    }

    fn read_json_input(&mut self, doc: &Value) -> Option<Start> {
        let kind = verification_kind(doc);
        let id = doc.get("id").and_then(Value::as_str);
        let problem = match (kind, id) {
            (_, _) if !doc.is_object() => "the assertion is not a JSON object",
            (VerificationKind::Signed, _) => {
                "a signed assertion must be verified from its JWS; the JSON alone has no signature"
            }
            // A revocation notice keeps only id and revoked; its host still has the last word.
            (kind, Some(id))
                if is_web_url(id)
                    && (kind == VerificationKind::Hosted || is_revocation_notice(doc)) =>
            {
                let given = if kind == VerificationKind::Hosted {
                    "a hosted assertion was given as JSON"
                } else {
                    "a hosted assertion's revocation notice was given as JSON"
                };
                self.push("input", Outcome::Pass, given);
                return Some(Start::Hosted {
                    claimed: Some(doc.clone()),
                    id: id.to_owned(),
                });
            }
            (VerificationKind::Hosted, _) => "a hosted assertion needs an http(s) id to fetch",
            (VerificationKind::Other, _) => {
                "verification.type must be hosted (HostedBadge) or signed (SignedBadge)"
            }
        };
        self.push("input", Outcome::Fail, problem);
        None
    }

    fn read_jws_input(&mut self, text: &str) -> Option<Start> {
        let text = text.trim();
        let parsed = if text.len() > MAX_INPUT_BYTES {
            Err(format!("the JWS is larger than {MAX_INPUT_BYTES} bytes"))
        } else {
            parse_jws(text)
        };
        let (header, payload, jws) = match parsed {
            Ok(parts) => parts,
            Err(problem) => {
                self.push("input", Outcome::Fail, problem);
                return None;
            }
        };
        self.push(
            "input",
            Outcome::Pass,
            "a signed assertion (compact JWS) was given",
        );

        match header.get("alg").and_then(Value::as_str) {
            Some("RS256") => {}
            Some(alg) if alg.eq_ignore_ascii_case("none") => {
                self.push("signature", Outcome::Fail, "the JWS is unsigned (alg none)");
                return None;
            }
            other => {
                let alg = other.unwrap_or("missing");
                let message = format!("the JWS algorithm is {alg}; OB 2.0 signs with RS256");
                self.push("signature", Outcome::Fail, message);
                return None;
            }
        }
        if verification_kind(&payload) != VerificationKind::Signed {
            let message = "the JWS payload does not declare signed (SignedBadge) verification";
            self.push("input", Outcome::Fail, message);
            return None;
        }
        Some(Start::Signed { payload, jws })
    }

    /// Fetches the hosted copy of an assertion; it replaces whatever the caller gave.
    fn fetch_hosted(&mut self, claimed: Option<Value>, id: &str) -> Fetched {
        let hosted = self.fetch("assertion.hosted", "hosted assertion", id)?;
        let hosted_id = hosted.get("id").and_then(Value::as_str);
        if hosted_id != Some(id) {
            let found = hosted_id.unwrap_or("no id");
            let message = format!("the document at {id} is a different assertion ({found})");
            self.push("assertion.hosted", Outcome::Fail, message);
            return None;
        }
        if verification_kind(&hosted) == VerificationKind::Signed {
            let message =
                format!("the assertion at {id} declares signed verification; verify its JWS");
            self.push("assertion.hosted", Outcome::Fail, message);
            return None;
        }
        self.push(
            "assertion.hosted",
            Outcome::Pass,
            format!("the assertion is hosted at {id}"),
        );
        if let Some(claimed) = claimed {
            if claimed == hosted {
                let message = "the assertion given is the same as the hosted copy";
                self.push("assertion.hosted_copy", Outcome::Pass, message);
            } else {
                let message = "the assertion given differs from the hosted copy; \
                               the hosted copy was verified";
                self.push("assertion.hosted_copy", Outcome::Warning, message);
            }
        }
        Some(hosted)
    }

    fn fail_revoked_in_place(&mut self, assertion: &Value) {
        let message = match assertion.get("revocationReason").and_then(Value::as_str) {
            Some(reason) => format!("the issuer has revoked this assertion: {reason}"),
            None => "the issuer has revoked this assertion (no reason given)".to_owned(),
        };
        self.push("revocation", Outcome::Fail, message);
    }

    fn check_assertion_fields(&mut self, assertion: &Value) {
        if has_ob2_context(assertion) {
            self.push(
                "assertion.context",
                Outcome::Pass,
                "the OB 2.0 context is used",
            );
        } else {
            let message = "the assertion does not name the OB 2.0 context \
                           (https://w3id.org/openbadges/v2)";
            self.push("assertion.context", Outcome::Warning, message);
        }
        let problems = assertion_problems(assertion);
        self.push_field_problems("assertion.fields", "the assertion", problems);
    }

    fn push_field_problems(&mut self, id: &'static str, what: &str, problems: Vec<String>) {
        if problems.is_empty() {
            self.push(
                id,
                Outcome::Pass,
                format!("{what} has every required property"),
            );
        } else {
            self.push(
                id,
                Outcome::Fail,
                format!("{what}: {}", problems.join("; ")),
            );
        }
    }

    fn badge_class(&mut self, assertion: &Value) -> Fetched {
        let doc = self.linked_node("badge_class", "BadgeClass", assertion.get("badge"))?;
        let problems = badge_class_problems(&doc);
        self.push_field_problems("badge_class", "the BadgeClass", problems);
        Some(doc)
    }

    fn issuer(&mut self, badge: &Value) -> Fetched {
        let doc = self.linked_node("issuer", "issuer Profile", badge.get("issuer"))?;
        let problems = issuer_problems(&doc);
        self.push_field_problems("issuer", "the issuer Profile", problems);
        Some(doc)
    }

    /// A linked document given by URL or embedded. One with a web `id` is always fetched from
    /// there: an embedded copy could claim any issuer, and only the hosted one is the issuer's.
    fn linked_node(&mut self, id: &'static str, what: &str, value: Option<&Value>) -> Fetched {
        let Some(value) = value else {
            self.push(id, Outcome::Fail, format!("the {what} is missing"));
            return None;
        };
        let Some(node) = node_id(value) else {
            self.push(id, Outcome::Fail, format!("the {what} has no id"));
            return None;
        };
        if !is_web_url(node) {
            if value.is_object() {
                return Some(value.clone());
            }
            let message = format!("the {what} {node:?} is neither a web URL nor embedded");
            self.push(id, Outcome::Fail, message);
            return None;
        }
        let doc = self.fetch(id, what, node)?;
        if doc.get("id").and_then(Value::as_str) != Some(node) {
            let message = format!("the document at {node} does not have that id");
            self.push(id, Outcome::Fail, message);
            return None;
        }
        Some(doc)
    }

    fn check_hosted_scope(&mut self, assertion: &Value, issuer: Option<&Value>) {
        const ID: &str = "hosted.scope";
        let Some(issuer) = issuer else {
            return self.push(
                ID,
                Outcome::Skipped,
                "no issuer profile to take the scope from",
            );
        };
        let assertion_id = assertion
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match hosted_scope_problem(assertion_id, issuer) {
            None => self.push(
                ID,
                Outcome::Pass,
                "the assertion is hosted where the issuer allows",
            ),
            Some(problem) => self.push(ID, Outcome::Fail, problem),
        }
    }

    fn check_signature(&mut self, jws: &Jws, assertion: &Value, issuer: Option<&Value>) {
        let creator = assertion
            .pointer("/verification/creator")
            .and_then(node_id)
            .map(str::to_owned);
        let candidates = match (&creator, issuer) {
            (Some(creator), _) => vec![creator.clone()],
            (None, Some(issuer)) => issuer_key_ids(issuer),
            (None, None) => {
                let message = "no creator key is named and there is no issuer to list keys";
                return self.push("signature", Outcome::Skipped, message);
            }
        };
        if candidates.is_empty() {
            let message = "no creator key is named and the issuer lists no publicKey";
            self.push("signature", Outcome::Fail, message);
            return self.push("signing_key", Outcome::Skipped, "there is no key to check");
        }

        let mut tried = Vec::new();
        let mut unavailable = Vec::new();
        for url in candidates.iter().take(MAX_SIGNING_KEYS) {
            match self.resolver.fetch_json(url) {
                Ok(doc) => {
                    let key = key_node(&doc, url);
                    let verified = key.as_ref().map(|k| verify_with_key(jws, k));
                    if let Some(Ok(())) = verified {
                        let message = format!("the JWS signature verifies with the key {url}");
                        self.push("signature", Outcome::Pass, message);
                        let key = key.unwrap_or(doc);
                        return self.check_key_link(url, &key, issuer);
                    }
                    let why = match verified {
                        Some(Err(why)) => why,
                        _ => format!("{url} does not describe that key"),
                    };
                    tried.push((url.clone(), key.unwrap_or(doc), why));
                }
                Err(e) if e.is_unavailable() => unavailable.push(e.to_string()),
                Err(e) => tried.push((url.clone(), Value::Null, e.to_string())),
            }
        }
        self.report_unverified(tried, unavailable, issuer);
    }

    fn report_unverified(
        &mut self,
        tried: Vec<(String, Value, String)>,
        unavailable: Vec<String>,
        issuer: Option<&Value>,
    ) {
        if tried.is_empty() {
            let reason = format!(
                "the signing key is not available: {}",
                unavailable.join("; ")
            );
            self.unresolved("signature", reason);
            return self.push("signing_key", Outcome::Skipped, "the key could not be had");
        }
        let reasons: Vec<&str> = tried.iter().map(|(_, _, why)| why.as_str()).collect();
        let message = format!("the JWS signature does not verify: {}", reasons.join("; "));
        self.push("signature", Outcome::Fail, message);
        let (url, key, _) = &tried[0];
        if key.is_object() {
            self.check_key_link(url, key, issuer);
        } else {
            self.push(
                "signing_key",
                Outcome::Skipped,
                "the key document could not be read",
            );
        }
    }

    /// The key must point at the issuer (`owner`) and the issuer back at the key
    /// (`publicKey`): either link alone can be forged by whoever publishes that document.
    fn check_key_link(&mut self, url: &str, key: &Value, issuer: Option<&Value>) {
        const ID: &str = "signing_key";
        let Some(issuer) = issuer else {
            return self.push(ID, Outcome::Skipped, "no issuer profile to link the key to");
        };
        let issuer_id = issuer.get("id").and_then(Value::as_str).unwrap_or_default();
        let owner = key.get("owner").and_then(node_id);
        if owner != Some(issuer_id) {
            let owner = owner.unwrap_or("nobody");
            let message =
                format!("the key {url} is owned by {owner}, not by the issuer {issuer_id}");
            return self.push(ID, Outcome::Fail, message);
        }
        if !issuer_key_ids(issuer).iter().any(|k| k == url) {
            let message =
                format!("the issuer {issuer_id} does not list the key {url} in publicKey");
            return self.push(ID, Outcome::Fail, message);
        }
        let message =
            format!("the key {url} belongs to the issuer {issuer_id} and is listed by it");
        self.push(ID, Outcome::Pass, message);
    }

    fn check_revocation_list(&mut self, assertion: &Value, issuer: Option<&Value>) {
        const ID: &str = "revocation";
        let Some(issuer) = issuer else {
            return self.push(
                ID,
                Outcome::Skipped,
                "no issuer profile to find a revocation list",
            );
        };
        let Some(url) = issuer.get("revocationList").and_then(node_id) else {
            return self.push(ID, Outcome::Pass, "the issuer publishes no revocation list");
        };
        let url = url.to_owned();
        let Some(list) = self.fetch(ID, "revocation list", &url) else {
            return;
        };
        let Some(entries) = list.get("revokedAssertions") else {
            let message = format!("the revocation list at {url} has no revokedAssertions");
            return self.push(ID, Outcome::Fail, message);
        };
        match find_revocation(assertion, entries) {
            Some(Some(reason)) => {
                let message = format!("the issuer has revoked this assertion: {reason}");
                self.push(ID, Outcome::Fail, message);
            }
            Some(None) => {
                let message = "the issuer has revoked this assertion (no reason given)";
                self.push(ID, Outcome::Fail, message);
            }
            None => self.push(
                ID,
                Outcome::Pass,
                "the assertion is not on the revocation list",
            ),
        }
    }

    fn check_dates(&mut self, assertion: &Value) {
        match datetime_field(assertion, "issuedOn") {
            Some(Ok(issued)) if issued > self.now + ISSUED_ON_LEEWAY => {
                let message = format!("issuedOn {} is in the future", format_datetime(&issued));
                self.push("issued_on", Outcome::Fail, message);
            }
            Some(Ok(issued)) => {
                let message = format!("issued on {}", format_datetime(&issued));
                self.push("issued_on", Outcome::Pass, message);
            }
            _ => self.push(
                "issued_on",
                Outcome::Skipped,
                "issuedOn is missing or unreadable",
            ),
        }
        match datetime_field(assertion, "expires") {
            None => self.push("expires", Outcome::Pass, "the assertion does not expire"),
            Some(Ok(expires)) if expires <= self.now => {
                let message = format!("the assertion expired on {}", format_datetime(&expires));
                self.push("expires", Outcome::Fail, message);
            }
            Some(Ok(expires)) => {
                let message = format!("valid until {}", format_datetime(&expires));
                self.push("expires", Outcome::Pass, message);
            }
            Some(Err(_)) => self.push("expires", Outcome::Skipped, "expires is unreadable"),
        }
    }

    fn check_recipient(&mut self, assertion: &Value) {
        const ID: &str = "recipient";
        let Some(expected) = self.expected_email else {
            return self.push(ID, Outcome::Skipped, "no expected recipient was given");
        };
        match recipient_matches(assertion, expected) {
            Ok(true) => self.push(ID, Outcome::Pass, "the assertion was awarded to that email"),
            Ok(false) => {
                let message = "the assertion was awarded to someone else, not to that email";
                self.push(ID, Outcome::Fail, message);
            }
            Err(RecipientError::Invalid(message)) => self.push(ID, Outcome::Fail, message),
            Err(RecipientError::Unsupported(reason)) => self.unresolved(ID, reason),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VerificationKind {
    Hosted,
    Signed,
    Other,
}

fn verification_kind(doc: &Value) -> VerificationKind {
    let Some(verification) = doc.get("verification").or_else(|| doc.get("verify")) else {
        return VerificationKind::Other;
    };
    if has_type(verification, &["HostedBadge", "hosted"]) {
        VerificationKind::Hosted
    } else if has_type(verification, &["SignedBadge", "signed"]) {
        VerificationKind::Signed
    } else {
        VerificationKind::Other
    }
}

/// Whether a document is an assertion its host marks revoked (`"revoked": true`): what an OB
/// 2.0 host serves, usually with HTTP status 410 Gone, at the id of a revoked hosted assertion.
///
/// An HTTP [`Resolver`] should hand such a 410 body back as the document rather than fail the
/// fetch, so the verification reports the revocation instead of "could not fetch".
pub fn is_revocation_notice(doc: &Value) -> bool {
    doc.get("revoked").and_then(Value::as_bool) == Some(true)
}

/// Splits and decodes a compact JWS: header object, payload object, signed parts.
fn parse_jws(text: &str) -> Result<(Value, Value, Jws), String> {
    let mut parts = text.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(
            "the input is not JSON, a URL or a compact JWS (three dot-separated parts)".to_owned(),
        );
    };
    let header_json = decode_jws_part(header, "header")?;
    let payload_json = decode_jws_part(payload, "payload")?;
    let jws = Jws {
        message: format!("{header}.{payload}"),
        signature: signature.to_owned(),
    };
    Ok((header_json, payload_json, jws))
}

fn decode_jws_part(part: &str, name: &str) -> Result<Value, String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|e| format!("the JWS {name} is not base64url: {e}"))?;
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("the JWS {name} is not JSON: {e}"))?;
    if !value.is_object() {
        return Err(format!("the JWS {name} is not a JSON object"));
    }
    Ok(value)
}

/// The key node in a fetched document: the document itself, or (when the key id has a
/// fragment and the resolver returned the whole profile) the matching `publicKey` entry.
fn key_node(doc: &Value, url: &str) -> Option<Value> {
    if doc.get("id").and_then(Value::as_str) == Some(url) {
        return Some(doc.clone());
    }
    one_or_many(doc.get("publicKey"))
        .into_iter()
        .find(|k| k.is_object() && node_id(k) == Some(url))
        .cloned()
}

fn verify_with_key(jws: &Jws, key: &Value) -> Result<(), String> {
    let pem_text = key
        .get("publicKeyPem")
        .and_then(Value::as_str)
        .ok_or("the key has no publicKeyPem")?;
    let pem = decode_pem(pem_text).map_err(|e| format!("the key's publicKeyPem: {e}"))?;
    if !matches!(pem.label.as_str(), "PUBLIC KEY" | "RSA PUBLIC KEY") {
        return Err(format!(
            "the key's PEM is a {}, not a public key",
            pem.label
        ));
    }
    let key = DecodingKey::from_rsa_der(&pem.der);
    match jsonwebtoken::crypto::verify(
        &jws.signature,
        jws.message.as_bytes(),
        &key,
        Algorithm::RS256,
    ) {
        Ok(true) => Ok(()),
        Ok(false) => Err("the signature does not match the key".to_owned()),
        Err(e) => Err(format!("the signature could not be checked: {e}")),
    }
}

fn issuer_key_ids(issuer: &Value) -> Vec<String> {
    one_or_many(issuer.get("publicKey"))
        .into_iter()
        .filter_map(node_id)
        .map(str::to_owned)
        .collect()
}

/// Why the assertion id is outside the issuer's hosting scope, if it is.
///
/// As in the reference validator: every `startsWith` prefix given must admit the id, and the
/// id's host must be among `allowedOrigins`, which default to the host of the issuer's id.
fn hosted_scope_problem(assertion_id: &str, issuer: &Value) -> Option<String> {
    let issuer_id = issuer.get("id").and_then(Value::as_str).unwrap_or_default();
    let policy = issuer.get("verification").filter(|p| p.is_object());
    let prefixes: Vec<&str> = one_or_many(policy.and_then(|p| p.get("startsWith")))
        .into_iter()
        .filter_map(Value::as_str)
        .collect();
    if !prefixes.is_empty() && !prefixes.iter().any(|p| assertion_id.starts_with(p)) {
        return Some(format!(
            "the assertion id {assertion_id} does not start with any prefix the issuer allows ({})",
            prefixes.join(", ")
        ));
    }
    let mut allowed: Vec<String> = one_or_many(policy.and_then(|p| p.get("allowedOrigins")))
        .into_iter()
        .filter_map(Value::as_str)
        .map(str::to_ascii_lowercase)
        .collect();
    if allowed.is_empty() {
        allowed.extend(origin_host(issuer_id));
    }
    let Some(host) = origin_host(assertion_id) else {
        return Some(format!(
            "the assertion id {assertion_id:?} is not a web URL"
        ));
    };
    if allowed.contains(&host) {
        return None;
    }
    Some(format!(
        "the assertion is hosted on {host}, but the issuer {issuer_id} allows only {}",
        if allowed.is_empty() {
            "no host".to_owned()
        } else {
            allowed.join(", ")
        }
    ))
}

/// `Some(reason)` when the assertion is on the list (`Some(None)` without a reason).
fn find_revocation(assertion: &Value, entries: &Value) -> Option<Option<String>> {
    let id = assertion.get("id").and_then(Value::as_str);
    let uid = assertion.get("uid").and_then(Value::as_str);
    one_or_many(Some(entries)).into_iter().find_map(|entry| {
        let hit = match entry {
            Value::String(s) => Some(s.as_str()) == id,
            Value::Object(map) => {
                let entry_id = map.get("id").and_then(Value::as_str);
                let entry_uid = map.get("uid").and_then(Value::as_str);
                (entry_id.is_some() && entry_id == id) || (entry_uid.is_some() && entry_uid == uid)
            }
            _ => false,
        };
        let reason = entry.get("revocationReason").and_then(Value::as_str);
        hit.then(|| reason.map(str::to_owned))
    })
}

enum RecipientError {
    /// The recipient cannot be this email, whatever it is.
    Invalid(String),
    /// The comparison cannot be made here.
    Unsupported(String),
}

/// Compares the assertion's recipient with an email address, case-insensitively.
///
/// Hashed identities are tried against the lowercased address (what [`hash_email`] writes and
/// what OB 2.0 asks for) and against the address exactly as typed, since some issuers hashed
/// the address without lowercasing it.
fn recipient_matches(assertion: &Value, email: &str) -> Result<bool, RecipientError> {
    let invalid = |m: &str| Err(RecipientError::Invalid(m.to_owned()));
    let Some(recipient) = assertion.get("recipient").filter(|r| r.is_object()) else {
        return invalid("the assertion has no recipient");
    };
    let kind = recipient
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !matches!(kind, "email" | "schema:email" | "http://schema.org/email") {
        return invalid("the recipient is not identified by an email address");
    }
    let Some(identity) = recipient.get("identity").and_then(Value::as_str) else {
        return invalid("the recipient has no identity");
    };
    if recipient.get("hashed").and_then(Value::as_bool) != Some(true) {
        return Ok(identity.to_lowercase() == email.to_lowercase());
    }
    let salt = recipient
        .get("salt")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match identity.split_once('$') {
        Some((alg, _)) if alg.eq_ignore_ascii_case("sha256") => {
            let identity = identity.to_ascii_lowercase();
            Ok(identity == hash_email(email, salt) || identity == sha256_identity(email, salt))
        }
        Some((alg, _)) if alg.eq_ignore_ascii_case("md5") => Err(RecipientError::Unsupported(
            "the recipient is hashed with MD5, which Rosette does not compare".to_owned(),
        )),
        _ => invalid("the recipient identity is not a sha256$ or md5$ hash"),
    }
}

/// Missing or mistyped required properties of an Assertion.
fn assertion_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    require_id(doc, &mut problems);
    require_type(doc, "Assertion", &["Assertion"], &mut problems);
    match doc.get("recipient") {
        Some(Value::Object(_)) => {
            let recipient = &doc["recipient"];
            require_text(recipient, "identity", "recipient.identity", &mut problems);
            require_text(recipient, "type", "recipient.type", &mut problems);
            if recipient.get("hashed").is_some_and(|h| !h.is_boolean()) {
                problems.push("recipient.hashed must be true or false".to_owned());
            }
            if recipient.get("salt").is_some_and(|s| !s.is_string()) {
                problems.push("recipient.salt must be text".to_owned());
            }
        }
        Some(_) => problems.push("recipient must be an IdentityObject".to_owned()),
        None => problems.push("recipient is missing".to_owned()),
    }
    require_link(doc, "badge", &mut problems);
    if !doc
        .get("verification")
        .or(doc.get("verify"))
        .is_some_and(Value::is_object)
    {
        problems.push("verification must be a VerificationObject".to_owned());
    }
    match datetime_field(doc, "issuedOn") {
        None => problems.push("issuedOn is missing".to_owned()),
        Some(Err(e)) => problems.push(e),
        Some(Ok(_)) => {}
    }
    if let Some(Err(e)) = datetime_field(doc, "expires") {
        problems.push(e);
    }
    for key in ["image", "evidence"] {
        for item in one_or_many(doc.get(key)) {
            if node_id(item).is_none() && !(key == "evidence" && item.is_object()) {
                problems.push(format!("{key} must be an IRI or an object"));
            }
        }
    }
    if doc.get("narrative").is_some_and(|n| !n.is_string()) {
        problems.push("narrative must be text".to_owned());
    }
    problems
}

/// Missing or mistyped required properties of a BadgeClass.
fn badge_class_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    require_id(doc, &mut problems);
    require_type(doc, "BadgeClass", &["BadgeClass"], &mut problems);
    require_text(doc, "name", "name", &mut problems);
    require_text(doc, "description", "description", &mut problems);
    require_link(doc, "image", &mut problems);
    match doc.get("criteria") {
        Some(Value::String(_) | Value::Object(_)) => {}
        Some(_) => problems.push("criteria must be an IRI or a Criteria object".to_owned()),
        None => problems.push("criteria is missing".to_owned()),
    }
    require_link(doc, "issuer", &mut problems);
    problems
}

/// Missing or mistyped properties an issuer Profile must have.
fn issuer_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    require_id(doc, &mut problems);
    require_type(
        doc,
        "Issuer or Profile",
        &["Issuer", "Profile"],
        &mut problems,
    );
    for key in ["name", "url", "email"] {
        require_text(doc, key, key, &mut problems);
    }
    problems
}

fn require_id(doc: &Value, problems: &mut Vec<String>) {
    match doc.get("id").and_then(Value::as_str) {
        Some(id) if is_id_iri(id) => {}
        Some(id) => problems.push(format!("id {id:?} is not an http(s) or urn:uuid IRI")),
        None => problems.push("id is missing".to_owned()),
    }
}

fn require_type(doc: &Value, name: &str, terms: &[&str], problems: &mut Vec<String>) {
    if !has_type(doc, terms) {
        problems.push(format!("type must include {name}"));
    }
}

fn require_text(doc: &Value, key: &str, label: &str, problems: &mut Vec<String>) {
    match doc.get(key) {
        Some(Value::String(s)) if !s.is_empty() => {}
        Some(Value::String(_)) => problems.push(format!("{label} is empty")),
        Some(_) => problems.push(format!("{label} must be text")),
        None => problems.push(format!("{label} is missing")),
    }
}

fn require_link(doc: &Value, key: &str, problems: &mut Vec<String>) {
    match doc.get(key) {
        Some(value) if node_id(value).is_some() => {}
        Some(_) => problems.push(format!("{key} must be an IRI or an object with an id")),
        None => problems.push(format!("{key} is missing")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issuer(verification: Value) -> Value {
        json!({"id": "https://issuer.example/profile", "verification": verification})
    }

    #[test]
    fn without_a_policy_the_assertion_must_be_on_the_issuer_host() {
        let issuer = json!({"id": "https://issuer.example/profile"});
        assert_eq!(
            hosted_scope_problem("https://issuer.example/a/1", &issuer),
            None
        );
        let problem = hosted_scope_problem("https://elsewhere.example/a/1", &issuer).unwrap();
        assert!(problem.contains("elsewhere.example"), "{problem}");
        assert!(hosted_scope_problem("https://issuer.example:8443/a/1", &issuer).is_some());
        assert!(hosted_scope_problem("https://issuer.example@evil.example/a", &issuer).is_some());
    }

    #[test]
    fn allowed_origins_replace_the_default_host() {
        let issuer = issuer(json!({"allowedOrigins": ["badges.example", "Other.Example"]}));
        assert_eq!(
            hosted_scope_problem("https://badges.example/a/1", &issuer),
            None
        );
        assert_eq!(
            hosted_scope_problem("https://other.example/a/1", &issuer),
            None
        );
        assert!(hosted_scope_problem("https://issuer.example/a/1", &issuer).is_some());
    }

    #[test]
    fn starts_with_narrows_the_scope_to_a_path() {
        let issuer = issuer(json!({"startsWith": "https://issuer.example/org-a/"}));
        assert_eq!(
            hosted_scope_problem("https://issuer.example/org-a/1", &issuer),
            None
        );
        assert!(hosted_scope_problem("https://issuer.example/org-b/1", &issuer).is_some());
    }

    #[test]
    fn revocation_entries_may_be_strings_objects_or_uids() {
        let assertion = json!({"id": "https://i.example/a/1", "uid": "abc"});
        assert_eq!(
            find_revocation(&assertion, &json!(["https://i.example/a/1"])),
            Some(None)
        );
        assert_eq!(
            find_revocation(
                &assertion,
                &json!([{"id": "https://i.example/a/1", "revocationReason": "cheated"}])
            ),
            Some(Some("cheated".to_owned()))
        );
        assert_eq!(
            find_revocation(&assertion, &json!([{"uid": "abc"}])),
            Some(None)
        );
        assert_eq!(
            find_revocation(&assertion, &json!([{"id": "https://i.example/a/2"}])),
            None
        );
        assert_eq!(
            find_revocation(&json!({}), &json!([{"revocationReason": "x"}])),
            None
        );
    }

    #[test]
    fn plain_recipients_compare_case_insensitively() {
        let a = json!({"recipient": {"type": "email", "hashed": false, "identity": "A@B.org"}});
        assert!(matches!(recipient_matches(&a, "a@b.ORG"), Ok(true)));
        assert!(matches!(recipient_matches(&a, "c@b.org"), Ok(false)));
    }

    #[test]
    fn hashed_recipients_match_lowercased_or_as_typed_hashes() {
        let lower = hash_email("Alice@Example.org", "s");
        let a = json!({"recipient": {"type": "email", "hashed": true, "salt": "s",
                       "identity": lower.to_uppercase().replace("SHA256", "sha256")}});
        assert!(matches!(
            recipient_matches(&a, "ALICE@example.org"),
            Ok(true)
        ));
        let as_typed = sha256_identity("Alice@Example.org", "s");
        let b = json!({"recipient": {"type": "email", "hashed": true, "salt": "s",
                       "identity": as_typed}});
        assert!(matches!(
            recipient_matches(&b, "Alice@Example.org"),
            Ok(true)
        ));
        assert!(matches!(
            recipient_matches(&b, "bob@example.org"),
            Ok(false)
        ));
    }

    #[test]
    fn md5_recipients_cannot_be_compared_and_say_so() {
        let a = json!({"recipient": {"type": "email", "hashed": true, "identity": "md5$abc"}});
        assert!(matches!(
            recipient_matches(&a, "a@b.org"),
            Err(RecipientError::Unsupported(_))
        ));
        let u = json!({"recipient": {"type": "url", "hashed": false, "identity": "https://x"}});
        assert!(matches!(
            recipient_matches(&u, "a@b.org"),
            Err(RecipientError::Invalid(_))
        ));
    }

    #[test]
    fn the_three_input_forms_are_told_apart() {
        assert!(matches!(
            AssertionInput::from_text(" {\"id\": 1} "),
            Ok(AssertionInput::Json(_))
        ));
        assert!(AssertionInput::from_text("{oops").is_err());
        assert!(matches!(
            AssertionInput::from_text("https://i.example/a/1"),
            Ok(AssertionInput::Url(_))
        ));
        assert!(matches!(
            AssertionInput::from_text("a.b.c"),
            Ok(AssertionInput::Jws(_))
        ));
    }

    #[test]
    fn broken_jws_text_is_refused_with_a_reason() {
        assert!(parse_jws("a.b").is_err());
        assert!(parse_jws("a.b.c.d").is_err());
        let err = parse_jws("!!.e30.x").err().unwrap();
        assert!(err.contains("header"), "{err}");
        let err = parse_jws("e30.WzFd.x").err().unwrap();
        assert!(err.contains("payload is not a JSON object"), "{err}");
    }
}
