//! The public `/verify` page: anyone hands in a badge (a baked PNG or SVG, a JSON file,
//! pasted JSON or a VC-JWT, or the credential's address) and sees every check.
//!
//! It is a plain HTML form posted as `multipart/form-data`, so it works without JavaScript,
//! and it verifies exactly as `POST /api/v1/verify` does ([`award::verify_submission`]).
//! An address on this server is read from the database; any other address is fetched only
//! over HTTPS and only from public internet addresses ([`fetch::fetch_public`]), so the page
//! cannot be used to reach the server's own network.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use badges::verify::Report;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;

use super::page::{self, CheckView, StatusView, check_views, status_view};
use crate::award::{self, MAX_VERIFY_BYTES, Verification, VerifyError};
use crate::fetch::{self, PublicFetchError};
use crate::http::AppState;

/// The template of the page.
const TEMPLATE: &str = "public_verify.html";

/// Pasted text longer than this is not put back into the form after an error.
const MAX_ECHOED_CHARS: usize = 64 * 1024;

/// `GET /verify`: the empty form.
pub async fn verify_form() -> Response {
    render(StatusCode::OK, &Entered::default(), None, None)
}

/// `POST /verify`: verifies what was handed in and shows the report, or what was wrong.
pub async fn verify_posted(State(state): State<AppState>, request: Request) -> Response {
    let fields = match award::read_form(&state, request).await {
        Ok(fields) => fields,
        Err(e) => return problem_page(&Entered::default(), Problem::from(e)),
    };
    let entered = Entered::from_fields(&fields);
    let result = match submission(fields) {
        Ok(submission) => verify(&state, submission).await,
        Err(problem) => Err(problem),
    };
    match result {
        Ok(verification) => {
            // The result shows what was handed in; the form starts afresh for the next one.
            let view = ResultView::new(&state, &verification);
            render(StatusCode::OK, &Entered::default(), Some(view), None)
        }
        Err(problem) => problem_page(&entered, problem),
    }
}

/// What was handed in.
enum Submission {
    /// A file's bytes, or pasted text.
    Bytes(Vec<u8>),
    /// The credential's address.
    Url(String),
}

/// Why nothing could be verified: an HTTP status and a sentence for the page.
struct Problem {
    status: StatusCode,
    message: String,
}

impl Problem {
    fn bad(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl From<VerifyError> for Problem {
    fn from(e: VerifyError) -> Self {
        let status = match e {
            VerifyError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            VerifyError::Unreadable(_) => StatusCode::BAD_REQUEST,
            VerifyError::Internal(_) => {
                tracing::error!(error = %e, "a verification failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        Self {
            status,
            message: e.to_string(),
        }
    }
}

impl From<PublicFetchError> for Problem {
    fn from(e: PublicFetchError) -> Self {
        let status = match e {
            PublicFetchError::Refused(_) => StatusCode::BAD_REQUEST,
            PublicFetchError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            PublicFetchError::Failed(_) => StatusCode::BAD_GATEWAY,
        };
        Self {
            status,
            message: format!("The address could not be used: {e}."),
        }
    }
}

/// The one thing handed in: a chosen file, pasted text or an address (empty fields do not
/// count, as browsers send an empty file field when no file was chosen).
fn submission(fields: Vec<(String, Vec<u8>)>) -> Result<Submission, Problem> {
    let mut given: Vec<Submission> = Vec::new();
    for (name, bytes) in fields {
        let blank = bytes.iter().all(u8::is_ascii_whitespace);
        match name.as_str() {
            _ if blank => {}
            "file" | "text" => given.push(Submission::Bytes(bytes)),
            "url" => given.push(Submission::Url(
                String::from_utf8_lossy(&bytes).trim().to_owned(),
            )),
            _ => {}
        }
    }
    match given.len() {
        0 => Err(Problem::bad(
            "Choose a file, paste a credential, or enter its address, then verify.",
        )),
        1 => Ok(given.remove(0)),
        _ => Err(Problem::bad(
            "Give one thing at a time: a file, pasted text, or an address.",
        )),
    }
}

async fn verify(state: &AppState, submission: Submission) -> Result<Verification, Problem> {
    let input = match submission {
        Submission::Bytes(bytes) => bytes,
        Submission::Url(address) => read_address(state, &address).await?,
    };
    Ok(award::verify_submission(state, input).await?)
}

/// The document at `address`: this server's own credential from the database, anything else
/// fetched with the public fetcher's limits.
async fn read_address(state: &AppState, address: &str) -> Result<Vec<u8>, Problem> {
    let url = url::Url::parse(address)
        .map_err(|_| Problem::bad("That is not a web address; it should start with https://."))?;
    match own_award_id(state.public_url(), &url) {
        Some(Ok(award_id)) => {
            let award = award::get_public(state.db(), &award_id)
                .await
                .map_err(|e| Problem::from(VerifyError::Internal(e.to_string())))?;
            let award = award
                .ok_or_else(|| Problem::bad("This server has no credential at that address."))?;
            Ok(award.credential.into_bytes())
        }
        Some(Err(problem)) => Err(problem),
        None => Ok(fetch::fetch_public(&url, MAX_VERIFY_BYTES).await?),
    }
}

/// For an address on this server: the award id of the credential it names, or why it names
/// none. `None` for addresses elsewhere.
fn own_award_id(public_url: &str, url: &url::Url) -> Option<Result<String, Problem>> {
    let base = url::Url::parse(public_url).ok()?;
    if base.origin() != url.origin() {
        return None;
    }
    let prefix = format!("{}/credentials/", base.path().trim_end_matches('/'));
    let Some(file) = url.path().strip_prefix(&prefix) else {
        return Some(Err(Problem::bad(
            "That address is on this server but is not a credential's; a credential's \
             address contains /credentials/.",
        )));
    };
    // Every form of a credential (`.json`, `.png`, `.svg`, `.jwt`) carries the same one.
    let id = match file.rsplit_once('.') {
        Some((id, "json" | "png" | "svg" | "jwt")) => id,
        _ => file,
    };
    Some(Ok(id.to_owned()))
}

/// What the form shows again after an error, so the visitor need not type it again.
#[derive(Debug, Default, Serialize)]
struct Entered {
    text: String,
    url: String,
}

impl Entered {
    fn from_fields(fields: &[(String, Vec<u8>)]) -> Self {
        let field = |wanted: &str| {
            fields
                .iter()
                .find(|(name, _)| name == wanted)
                .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
                .filter(|text| text.chars().count() <= MAX_ECHOED_CHARS)
                .unwrap_or_default()
        };
        Self {
            text: field("text"),
            url: field("url"),
        }
    }
}

/// The report as the page shows it.
#[derive(Debug, Serialize)]
struct ResultView {
    status: StatusView,
    format: String,
    name: Option<String>,
    issuer: Option<String>,
    checks: Vec<CheckView>,
    /// The credential's own page, when it is one of this server's.
    page_url: Option<String>,
}

impl ResultView {
    fn new(state: &AppState, verification: &Verification) -> Self {
        let report = &verification.report;
        let award = verification.award.as_ref();
        let issuer = issuer_name(report);
        let now = chrono::Utc::now();
        Self {
            status: status_view(
                award,
                report,
                issuer.as_deref().unwrap_or("The issuer"),
                now,
            ),
            format: report.format.clone(),
            name: report.name.clone(),
            issuer,
            checks: check_views(report),
            page_url: award.map(|a| award::credential::public_id(state.public_url(), &a.id)),
        }
    }
}

/// The issuer's name as the credential states it, else its id.
fn issuer_name(report: &Report) -> Option<String> {
    let stated = report
        .credential
        .as_ref()
        .and_then(|c| c["issuer"]["name"].as_str())
        .map(str::to_owned);
    stated.or_else(|| report.issuer.clone())
}

fn problem_page(entered: &Entered, problem: Problem) -> Response {
    render(problem.status, entered, None, Some(&problem.message))
}

fn render(
    status: StatusCode,
    entered: &Entered,
    result: Option<ResultView>,
    error: Option<&str>,
) -> Response {
    let context = context! {
        entered => Value::from(Serde(entered)),
        result => Value::from(Serde(&result)),
        error => error,
        max_mib => MAX_VERIFY_BYTES / (1024 * 1024),
    };
    page::respond(status, TEMPLATE, context)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn exactly_one_non_empty_field_is_verified() {
        let one = submission(fields(&[("file", ""), ("text", "{}"), ("url", "  ")]));
        assert!(matches!(one, Ok(Submission::Bytes(b)) if b == b"{}"));
        let url = submission(fields(&[("file", ""), ("url", " https://x.example/c ")]));
        assert!(matches!(url, Ok(Submission::Url(u)) if u == "https://x.example/c"));
        let none = submission(fields(&[("file", ""), ("text", "\n")]));
        assert_eq!(none.err().unwrap().status, StatusCode::BAD_REQUEST);
        let two = submission(fields(&[("text", "{}"), ("url", "https://x.example")]));
        assert!(two.err().unwrap().message.contains("one thing"));
    }

    #[test]
    fn addresses_on_this_server_name_their_award() {
        let own = |address: &str| {
            let url = url::Url::parse(address).unwrap();
            own_award_id("https://badges.example/r", &url).map(|r| r.map_err(|p| p.message))
        };
        assert_eq!(
            own("https://badges.example/r/credentials/abc"),
            Some(Ok("abc".into()))
        );
        assert_eq!(
            own("https://BADGES.example/r/credentials/abc.png?x=1#y"),
            Some(Ok("abc".into()))
        );
        assert!(matches!(
            own("https://badges.example/r/issuers/abc"),
            Some(Err(_))
        ));
        assert_eq!(own("https://other.example/r/credentials/abc"), None);
        assert_eq!(own("http://badges.example/r/credentials/abc"), None);
    }
}
