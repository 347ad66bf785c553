//! What the public pages share: their responses (status, security headers, caching), the
//! friendly error pages, dates as people read them, and the list of verification checks.
//!
//! Public pages do not go through the web interface's page layer: their routes also serve
//! JSON to machines, whose errors must stay problem details. So each HTML answer gets its
//! headers here.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use badges::verify::{Outcome, Report, Verdict};
use chrono::{DateTime, Utc};
use minijinja::{Value, context};
use serde::Serialize;

use crate::award::{Award, AwardStatus};
use crate::web::templates;

/// A page rendered from `template`, with the headers every public page has. Public pages
/// show live status, so caches must check back each time (`no-cache`).
pub fn respond(status: StatusCode, template: &str, context: Value) -> Response {
    let mut response = match templates::render(template, context) {
        Ok(html) => (status, html).into_response(),
        // The cause was logged by the renderer.
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "This page failed to render.",
        )
            .into_response(),
    };
    let headers = response.headers_mut();
    crate::web::security_headers(headers);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The friendly 404 page for an unknown credential, issuer or page.
pub fn not_found(what: &str) -> Response {
    let detail = format!(
        "There is no {what} at this address. The link may be mistyped or incomplete; ask \
         whoever shared it for the full address."
    );
    error_page(StatusCode::NOT_FOUND, "Not found", &detail)
}

/// The 500 page; the cause is logged here and not shown.
pub fn failed(cause: impl std::fmt::Display) -> Response {
    tracing::error!(error = %cause, "a public page failed");
    let detail = "Something went wrong on our side. Please try again in a moment.";
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        detail,
    )
}

fn error_page(status: StatusCode, title: &str, detail: &str) -> Response {
    let context = context! { status => status.as_u16(), title => title, detail => detail };
    respond(status, "public_error.html", context)
}

/// A date as the pages show it, with its machine-readable form for `<time>`.
#[derive(Debug, Clone, Serialize)]
pub struct DateView {
    /// `3 December 2026`.
    pub text: String,
    /// `2026-12-03T14:05:00Z`.
    pub iso: String,
}

impl DateView {
    /// The view of a moment (shown as its UTC date).
    pub fn new(at: DateTime<Utc>) -> Self {
        Self {
            text: at.format("%-d %B %Y").to_string(),
            iso: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }

    /// The view of a date-time written in a credential, when it is one.
    pub fn parse(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| Self::new(t.with_timezone(&Utc)))
    }
}

/// The banner: what a visitor most needs to know, in a word and a sentence.
#[derive(Debug, Serialize)]
pub struct StatusView {
    /// `verified`, `revoked`, `expired`, `invalid` or `indeterminate` (also the CSS class).
    pub state: &'static str,
    /// `Verified`, `Revoked`, `Expired on 3 December 2026`, …
    pub title: String,
    /// A sentence that says more.
    pub detail: String,
}

/// The banner for a report at `now`. A credential that is not genuine (its signature or
/// structure fails) says so first; then, for one of this server's awards, the award's own
/// standing decides revocation and expiry (so they show at once); otherwise the verdict.
pub fn status_view(
    award: Option<&Award>,
    report: &Report,
    issuer: &str,
    now: DateTime<Utc>,
) -> StatusView {
    let not_genuine = ["type", "schema", "proof"]
        .iter()
        .any(|id| report.failed(id));
    let standing = award.map(|a| a.status_at(now.timestamp_millis()));
    match (not_genuine, standing, award) {
        (true, ..) => invalid(),
        (false, Some(AwardStatus::Revoked), Some(award)) => {
            revoked(issuer, award.public_revocation_reason())
        }
        (false, Some(AwardStatus::Expired), Some(award)) => expired(award.valid_until),
        _ => match report.verdict {
            Verdict::Valid => StatusView {
                state: "verified",
                title: "Verified".into(),
                detail: format!(
                    "Issued by {issuer}. Its signature, dates and revocation status were \
                     checked just now."
                ),
            },
            Verdict::Invalid if report.failed("status") => revoked(issuer, None),
            Verdict::Invalid => invalid(),
            Verdict::Indeterminate => StatusView {
                state: "indeterminate",
                title: "Could not be fully checked".into(),
                detail: "Nothing failed, but some checks could not be made; the details \
                         below say which."
                    .into(),
            },
        },
    }
}

fn invalid() -> StatusView {
    StatusView {
        state: "invalid",
        title: "Not verified".into(),
        detail: "At least one check failed; the details below say which.".into(),
    }
}

fn revoked(issuer: &str, reason: Option<&str>) -> StatusView {
    let said = match reason {
        Some(reason) => format!("{issuer} revoked this credential: {reason}"),
        None => format!("{issuer} revoked this credential."),
    };
    StatusView {
        state: "revoked",
        title: "Revoked".into(),
        detail: format!("{said} It is no longer valid."),
    }
}

fn expired(valid_until: Option<i64>) -> StatusView {
    let until = valid_until.and_then(DateTime::from_timestamp_millis);
    let date = until.map(|t| DateView::new(t).text).unwrap_or_default();
    StatusView {
        state: "expired",
        title: format!("Expired on {date}"),
        detail: format!("It was valid until {date} and is no longer current."),
    }
}

/// One check of a verification report, as the pages list it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    /// The check's stable id (`proof`, `status`, …).
    pub id: String,
    /// What was checked, in words.
    pub label: String,
    /// `pass`, `fail`, `warning` or `unknown` (also the CSS class).
    pub outcome: &'static str,
    /// The outcome in words.
    pub outcome_text: &'static str,
    /// What was found, as a sentence.
    pub message: String,
}

/// The checks of a report, in order.
pub fn check_views(report: &Report) -> Vec<CheckView> {
    report
        .checks
        .iter()
        .map(|check| {
            let (outcome, outcome_text) = match check.outcome {
                Outcome::Pass => ("pass", "Passed"),
                Outcome::Fail => ("fail", "Failed"),
                Outcome::Warning => ("warning", "Warning"),
                Outcome::Unknown => ("unknown", "Not checked"),
            };
            CheckView {
                id: check.id.clone(),
                label: check_label(&check.id).to_owned(),
                outcome,
                outcome_text,
                message: check.message.clone(),
            }
        })
        .collect()
}

/// The words for a check id of the `badges` verifier; unknown ids are shown as they are.
fn check_label(id: &str) -> &str {
    match id {
        "image" => "Baked image",
        "parse" => "Readable",
        "type" => "Credential type",
        "schema" => "Open Badges schema",
        "proof" => "Issuer's signature",
        "dates" => "Validity dates",
        "status" => "Revocation status",
        "recipient" => "Recipient",
        "endorsement" => "Endorsements",
        "unresolved" => "Documents",
        other => other,
    }
}

/// `url` when it is an absolute http or https address, the only links the pages make from
/// what a credential says.
pub fn web_link(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_days_in_utc() {
        let date = DateView::parse("2026-12-03T23:30:00-02:00").unwrap();
        assert_eq!(date.text, "4 December 2026");
        assert_eq!(date.iso, "2026-12-04T01:30:00Z");
        assert!(DateView::parse("tomorrow").is_none());
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(
            web_link("https://example.org/x").as_deref(),
            Some("https://example.org/x")
        );
        assert!(web_link("javascript:alert(1)").is_none());
        assert!(web_link("/relative").is_none());
    }
}
