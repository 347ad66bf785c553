//! `POST /api/v1/verify`: anyone may hand in a credential (JSON, a VC-JWT, or a baked PNG or
//! SVG) and get the verification report. [`verify_submission`] is the procedure it shares
//! with the public `/verify` page, and [`report_at`] the one credential pages use.
//!
//! The endpoint is public, so it must not become a way to make this server fetch arbitrary
//! URLs. It therefore verifies *offline with respect to the rest of the web*: the
//! [`LocalResolver`] answers this server's own issuer documents and status lists straight from
//! the database and refuses every other URL. A credential from another issuer still gets its
//! structure, schema, dates and `did:key` proofs checked, and the report says which
//! documents were not fetched (its verdict is then "indeterminate" where a key is missing).
//! Full online checks of foreign credentials are what `rosette verify --online` is for.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use badges::resolve::{ResolveError, Resolver, without_fragment};
use badges::verify::{Options, Outcome, Report};
use serde_json::{Value, json};
use tokio::runtime::Handle;

use crate::event::EventKind;
use crate::http::{ApiError, AppState};
use crate::{issuer, status_list};

/// The largest body the verify endpoint reads: a baked image of the largest size the
/// `badges` crate unbakes, with room for the multipart envelope.
pub const MAX_VERIFY_BYTES: usize = badges::bake::DEFAULT_MAX_FILE_BYTES + 64 * 1024;

/// The route of this module, with its own body limit.
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/verify",
        post(verify).layer(DefaultBodyLimit::max(MAX_VERIFY_BYTES)),
    )
}

/// Verifies a credential.
///
/// Hand in an OB 3.0 credential as JSON (or any `+json` type), a VC-JWT as text, or a baked
/// PNG or SVG as the `file` field of a form (at most 8 MiB). No token needed. This server's
/// own credentials are checked fully; others are checked without fetching their issuer's
/// documents, and the report says what could not be checked.
#[utoipa::path(
    post,
    path = "/api/v1/verify",
    tag = "verification",
    request_body(
        description = "The credential, in one of three forms",
        content(
            (crate::openapi::Credential = "application/json"),
            (String = "text/plain"),
            (String = "application/jwt"),
            (crate::openapi::VerifyForm = "multipart/form-data")
        )
    ),
    responses(
        (status = 200, description = "The verification report", body = crate::openapi::Report),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 413, response = crate::openapi::TooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
    )
)]
async fn verify(State(state): State<AppState>, request: Request) -> Result<Json<Report>, ApiError> {
    let input = read_input(&state, request).await?;
    Ok(Json(verify_submission(&state, input).await?.report))
}

/// Why something handed in for verification got no report.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// More than [`MAX_VERIFY_BYTES`].
    #[error("at most {} MiB can be verified at once", MAX_VERIFY_BYTES / (1024 * 1024))]
    TooLarge,
    /// Not a credential at all, or a body or form that could not be read.
    #[error("{0}")]
    Unreadable(String),
    /// The verification could not run on our side.
    #[error("the verification could not be finished: {0}")]
    Internal(String),
}

impl From<VerifyError> for ApiError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::TooLarge => ApiError::too_large(e.to_string()),
            VerifyError::Unreadable(why) => ApiError::bad_request(why),
            VerifyError::Internal(_) => ApiError::internal(e),
        }
    }
}

/// A verification of something handed in: the report, and the award of this server the
/// credential claims to be, when there is one.
#[derive(Debug)]
pub struct Verification {
    /// The report.
    pub report: Report,
    /// The award whose id the credential carries (its proof decides whether it is that one).
    pub award: Option<super::Award>,
}

/// Verifies what someone handed in (a credential as JSON, a VC-JWT, or a baked PNG or SVG)
/// as `POST /api/v1/verify` and the `/verify` page both do: now, with this server's own
/// documents read locally, and recording the verification when the credential is ours.
/// Input that is not a credential at all is [`VerifyError::Unreadable`], not a report.
pub async fn verify_submission(
    state: &AppState,
    input: Vec<u8>,
) -> Result<Verification, VerifyError> {
    let report = report_at(state, input, chrono::Utc::now()).await?;
    if let Some(why) = unreadable(&report) {
        return Err(VerifyError::Unreadable(why));
    }
    let award = match claimed_award(state, &report).await {
        Ok(award) => award,
        Err(e) => {
            tracing::warn!(error = %e, "a verification could not be matched to an award");
            None
        }
    };
    if let Some(award) = &award {
        let data = json!({"verdict": report.verdict});
        let kind = EventKind::CredentialVerified;
        state.events().record(&award.org_id, kind, &award.id, data);
    }
    Ok(Verification { report, award })
}

/// The verification report of `input` as of `now`, with a [`LocalResolver`]; records nothing.
pub async fn report_at(
    state: &AppState,
    input: Vec<u8>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Report, VerifyError> {
    let resolver = LocalResolver::new(state.clone(), Handle::current());
    tokio::task::spawn_blocking(move || {
        let options = Options {
            resolver: &resolver,
            now,
            recipient: None,
        };
        badges::verify::verify_bytes(&input, &options)
    })
    .await
    .map_err(|e| VerifyError::Internal(e.to_string()))
}

/// The bytes to verify, by content type: JSON, a JWT as text, or a multipart `file` field.
async fn read_input(state: &AppState, request: Request) -> Result<Vec<u8>, ApiError> {
    let media_type = crate::http::media_type(request.headers());
    let essence = media_type.as_str();
    match essence {
        "multipart/form-data" => {
            let fields = read_form(state, request).await?;
            let file = fields.into_iter().find(|(name, _)| name == "file");
            let (_, bytes) = file.ok_or_else(|| {
                ApiError::bad_request("the form has no field named file to verify")
            })?;
            Ok(bytes)
        }
        "application/json" | "text/plain" | "application/jwt" => {
            let bytes = read_body(state, request).await?;
            if essence == "application/json" && serde_json::from_slice::<Value>(&bytes).is_err() {
                return Err(ApiError::bad_request("the body is not valid JSON"));
            }
            Ok(bytes.to_vec())
        }
        t if t.ends_with("+json") => Ok(read_body(state, request).await?.to_vec()),
        _ => Err(ApiError::unsupported_media_type(
            "send a credential as application/json, a VC-JWT as text/plain or \
             application/jwt, or an image as multipart/form-data in a field named file",
        )),
    }
}

async fn read_body(state: &AppState, request: Request) -> Result<Bytes, VerifyError> {
    Bytes::from_request(request, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            VerifyError::TooLarge
        } else {
            let why = format!("the body could not be read: {}", e.body_text());
            VerifyError::Unreadable(why)
        }
    })
}

/// Every named field of a multipart form, in order, within the route's body limit.
pub async fn read_form(
    state: &AppState,
    request: Request,
) -> Result<Vec<(String, Vec<u8>)>, VerifyError> {
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|e| VerifyError::Unreadable(e.body_text()))?;
    let mut fields = Vec::new();
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(multipart_error)?;
        if !name.is_empty() {
            fields.push((name, bytes.to_vec()));
        }
    }
    Ok(fields)
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> VerifyError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        VerifyError::TooLarge
    } else {
        VerifyError::Unreadable(format!("the form could not be read: {}", e.body_text()))
    }
}

/// Why the input is not a credential at all, when the report says so: that is a bad request
/// rather than a verdict.
fn unreadable(report: &Report) -> Option<String> {
    match report.checks.as_slice() {
        [only]
            if matches!(only.id.as_str(), "parse" | "image") && only.outcome == Outcome::Fail =>
        {
            Some(only.message.clone())
        }
        _ => None,
    }
}

/// The award of this server whose credential id the report's credential carries.
async fn claimed_award(state: &AppState, report: &Report) -> sqlx::Result<Option<super::Award>> {
    let prefix = format!("{}/credentials/", state.public_url());
    let claimed = report
        .credential
        .as_ref()
        .and_then(|c| c.get("id"))
        .and_then(Value::as_str)
        .and_then(|id| id.strip_prefix(&prefix));
    match claimed {
        Some(award_id) => super::get_public(state.db(), award_id).await,
        None => Ok(None),
    }
}

/// A resolver for verifications made by this server: it answers this server's own issuer
/// documents and status lists from the database, without HTTP, and refuses every other URL.
///
/// It blocks on the database, so it must be used from a blocking thread
/// (`tokio::task::spawn_blocking`), never from async code.
pub struct LocalResolver {
    state: AppState,
    runtime: Handle,
}

impl LocalResolver {
    /// A resolver reading through `state`, running its queries on `runtime`.
    pub fn new(state: AppState, runtime: Handle) -> Self {
        Self { state, runtime }
    }

    fn lookup(&self, path: &str) -> anyhow::Result<Option<Value>> {
        match path.split_once('/') {
            Some(("issuers", id)) => self.runtime.block_on(async {
                match issuer::get_public(self.state.db(), id).await? {
                    Some(issuer) => issuer::document(&self.state, &issuer).await.map(Some),
                    None => Ok(None),
                }
            }),
            Some(("status", id)) => self
                .runtime
                .block_on(status_list::signed_credential(&self.state, id)),
            _ => Ok(None),
        }
    }
}

impl Resolver for LocalResolver {
    fn fetch_json(&self, url: &str) -> Result<Value, ResolveError> {
        let url = without_fragment(url);
        let prefix = format!("{}/", self.state.public_url());
        let Some(path) = url.strip_prefix(&prefix) else {
            return Err(ResolveError::Refused {
                url: url.to_owned(),
                reason: "this server's verify endpoint reads only its own documents; use \
                         `rosette verify --online` to check credentials of other issuers"
                    .to_owned(),
            });
        };
        let fail = |reason: &str| ResolveError::Fetch {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        match self.lookup(path) {
            Ok(Some(document)) => Ok(document),
            Ok(None) => Err(fail("this server has no such document")),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "a local document could not be read");
                Err(fail("the document could not be read"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_lone_parse_failure_is_unreadable() {
        let mut garbage = Report::new("unknown input");
        garbage.add("parse", Outcome::Fail, "not a credential");
        assert_eq!(unreadable(&garbage).as_deref(), Some("not a credential"));

        let mut checked = Report::new("credential");
        checked.add("schema", Outcome::Pass, "ok");
        checked.add("proof", Outcome::Fail, "bad signature");
        assert_eq!(unreadable(&checked), None);
    }
}
