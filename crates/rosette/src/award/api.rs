//! The award endpoints under `/api/v1/awards` (their routes also bring in the verify endpoint).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::{Award, AwardFilter, AwardStatus, EvidenceItem, NewAward};
use crate::auth::{Caller, Role};
use crate::db::now_ms;
use crate::http::{ApiError, ApiJson, AppState, Checks};
use crate::validate::{self, Email};

/// The most evidence items one award may carry.
pub const MAX_EVIDENCE: usize = 20;
/// The longest evidence name, in characters.
pub const MAX_EVIDENCE_NAME: usize = 200;
/// The longest evidence narrative, in characters.
pub const MAX_EVIDENCE_NARRATIVE: usize = 10_000;
/// The longest evidence URL, in bytes.
pub const MAX_URL: usize = 2_000;
/// The longest learner name, in characters.
pub const MAX_RECIPIENT_NAME: usize = 200;
/// The longest revocation reason, in characters.
pub const MAX_REASON: usize = 500;
/// The longest idempotency key, in characters.
pub const MAX_IDEMPOTENCY_KEY: usize = 200;
/// Awards per page when the client does not say.
pub const DEFAULT_PAGE: i64 = 50;
/// The most awards one page may hold.
pub const MAX_PAGE: i64 = 100;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/awards", post(create_award).get(list_awards))
        .route("/api/v1/awards/{id}", get(read_award))
        .route("/api/v1/awards/{id}/revoke", post(revoke_award))
        .merge(super::verify::routes())
}

/// The OpenAPI description of this module's `/api/v1` routes and the verify endpoint.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create_award,
    list_awards,
    read_award,
    revoke_award,
    super::verify::verify
))]
pub struct AwardApi;

/// `POST /api/v1/awards`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAwardRequest {
    /// The achievement to award (one of the organization's, not archived).
    #[schema(example = "9d3c2f4e-6a1b-4f0e-8c7d-2b5a1e0f3c9d")]
    achievement_id: String,
    /// Who earned it.
    recipient: RecipientRequest,
    /// What shows it was earned (at most 20 pieces).
    #[serde(default)]
    evidence: Vec<EvidenceRequest>,
}

/// The learner of a new award.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecipientRequest {
    /// The learner's email; the credential holds only its salted hash.
    #[schema(example = "ada@example.org")]
    email: String,
    /// The learner's name, for the email and the award's pages (at most 200 characters).
    name: Option<String>,
    /// Whether the name shows on the credential's public page (default: it does not; the
    /// email never does).
    #[serde(default)]
    show_name: bool,
}

/// One piece of evidence of a new award: at least one of its fields.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRequest {
    /// A name (at most 200 characters).
    name: Option<String>,
    /// What was done (at most 10,000 characters).
    narrative: Option<String>,
    /// Where it can be seen (`https://`, at most 2000 bytes).
    url: Option<String>,
}

/// `POST /api/v1/awards/{id}/revoke`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeAwardRequest {
    /// Why it is revoked (at most 500 characters); kept with the award.
    #[schema(example = "Awarded by mistake")]
    reason: String,
}

/// `GET /api/v1/awards` query parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListAwardsQuery {
    /// Only the awards of this achievement.
    achievement_id: Option<String>,
    /// Only the awards of this learner's email (any case).
    email: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Awards per page (1 to 100; 50 if absent).
    limit: Option<i64>,
}

/// An award in responses.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AwardResponse {
    id: String,
    /// The signed credential as JSON.
    credential_url: String,
    /// The award's public page.
    public_url: String,
    /// The award as an Open Badges 2.0 hosted assertion.
    ob2_assertion_url: String,
    status: AwardStatus,
    achievement_id: String,
    recipient: RecipientResponse,
    valid_from: i64,
    valid_until: Option<i64>,
    revoked_at: Option<i64>,
    revocation_reason: Option<String>,
    created_at: i64,
}

/// The learner of an award.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecipientResponse {
    /// The learner's email.
    email: String,
    /// The learner's name, when given.
    name: Option<String>,
    /// Whether the name shows on the credential's public page.
    show_name: bool,
}

/// A page of awards.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AwardList {
    /// The awards of this page, newest first.
    items: Vec<AwardResponse>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

fn respond(state: &AppState, award: Award) -> AwardResponse {
    let public_url = super::credential::public_id(state.public_url(), &award.id);
    AwardResponse {
        status: award.status_at(now_ms()),
        credential_url: format!("{public_url}.json"),
        public_url,
        ob2_assertion_url: crate::ob2::assertion_url(state.public_url(), &award.id),
        id: award.id,
        achievement_id: award.achievement_id,
        recipient: RecipientResponse {
            email: award.recipient_email,
            name: award.recipient_name,
            show_name: award.name_public,
        },
        valid_from: award.valid_from,
        valid_until: award.valid_until,
        revoked_at: award.revoked_at,
        revocation_reason: award.revocation_reason,
        created_at: award.created_at,
    }
}

/// Awards an achievement to a learner.
///
/// Needs the author role. The credential is signed at once and the learner is emailed. Send
/// an `Idempotency-Key` to retry safely: a repeat with the same key and body answers 200
/// with the award made first; the same key with another body is a conflict (409).
#[utoipa::path(
    post,
    path = "/api/v1/awards",
    tag = "awards",
    params((
        "Idempotency-Key" = Option<String>,
        Header,
        description = "Makes retries safe: 1 to 200 printable ASCII characters",
        example = "lms-enrolment-4711"
    )),
    request_body = CreateAwardRequest,
    security(("api_token" = [])),
    responses(
        (status = 201, description = "The new award", body = AwardResponse),
        (
            status = 200,
            description = "The award an earlier request with this key made",
            body = AwardResponse
        ),
        crate::openapi::BodyErrors,
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
async fn create_award(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CreateAwardRequest>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require(Role::Author)?;
    let new = new_award(body, idempotency_key(&headers)?)?;
    let (award, created) = super::create(&state, &caller, new).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(respond(&state, award))))
}

/// Checks a new award's body, field by field.
fn new_award(
    body: CreateAwardRequest,
    idempotency_key: Option<String>,
) -> Result<NewAward, ApiError> {
    let mut checks = Checks::default();
    let achievement_id = checks.check("/achievement_id", non_empty(&body.achievement_id));
    let email = checks.check("/recipient/email", Email::parse(&body.recipient.email));
    let name = body.recipient.name.as_deref().and_then(|n| {
        checks.check(
            "/recipient/name",
            validate::name(n, "the name", MAX_RECIPIENT_NAME),
        )
    });
    if body.evidence.len() > MAX_EVIDENCE {
        let why = format!("an award carries at most {MAX_EVIDENCE} pieces of evidence");
        checks.check::<()>("/evidence", Err(why));
    }
    let evidence: Vec<EvidenceItem> = body
        .evidence
        .iter()
        .take(MAX_EVIDENCE)
        .enumerate()
        .filter_map(|(i, e)| evidence_item(&mut checks, i, e))
        .collect();
    checks.finish()?;
    Ok(NewAward {
        achievement_id: achievement_id.unwrap_or_default(),
        recipient_email: email.ok_or_else(|| ApiError::internal("a checked email is missing"))?,
        recipient_name: name,
        name_public: body.recipient.show_name,
        evidence,
        idempotency_key,
        results: Vec::new(),
    })
}

fn evidence_item(checks: &mut Checks, i: usize, e: &EvidenceRequest) -> Option<EvidenceItem> {
    let at = |field: &str| format!("/evidence/{i}/{field}");
    let name = e.name.as_deref().map(|n| {
        checks.check(
            &at("name"),
            validate::name(n, "the name", MAX_EVIDENCE_NAME),
        )
    });
    let narrative = e.narrative.as_deref().map(|n| {
        let text = validate::text(n, "the narrative", MAX_EVIDENCE_NARRATIVE);
        checks.check(&at("narrative"), text)
    });
    let url = e
        .url
        .as_deref()
        .map(|u| checks.check(&at("url"), evidence_url(u)));
    if name.is_none() && narrative.is_none() && url.is_none() {
        let why = "evidence needs at least a name, a narrative or a url".to_owned();
        checks.check::<()>(&format!("/evidence/{i}"), Err(why));
        return None;
    }
    Some(EvidenceItem {
        name: name.flatten(),
        narrative: narrative.flatten().filter(|n| !n.is_empty()),
        url: url.flatten(),
    })
}

pub(crate) fn evidence_url(url: &str) -> Result<String, String> {
    if url.len() > MAX_URL {
        return Err(format!("the url must be at most {MAX_URL} bytes"));
    }
    validate::web_url(url, "the url")
}

fn non_empty(id: &str) -> Result<String, String> {
    match id.trim() {
        "" => Err("the achievement id must not be empty".to_owned()),
        id => Ok(id.to_owned()),
    }
}

/// The `Idempotency-Key` header, when sent: printable ASCII, at most 200 characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let bad = || {
        ApiError::bad_request(format!(
            "the Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII \
             characters"
        ))
    };
    let key = value.to_str().map_err(|_| bad())?.trim();
    let printable = key.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !printable {
        return Err(bad());
    }
    Ok(Some(key.to_owned()))
}

/// Reads one award.
///
/// Any role may read. An award of another organization is not found.
#[utoipa::path(
    get,
    path = "/api/v1/awards/{id}",
    tag = "awards",
    params(("id" = String, Path, description = "The award's id")),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The award", body = AwardResponse),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
async fn read_award(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AwardResponse>, ApiError> {
    let award = super::get(state.db(), &caller.org_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("award"))?;
    Ok(Json(respond(&state, award)))
}

/// Lists the organization's awards, a page at a time.
///
/// Any role may read. Newest first; pass `next_cursor` as `cursor` for the next page.
#[utoipa::path(
    get,
    path = "/api/v1/awards",
    tag = "awards",
    params(ListAwardsQuery),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "A page of awards", body = AwardList),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
async fn list_awards(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListAwardsQuery>, QueryRejection>,
) -> Result<Json<AwardList>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        let why = format!("the limit must be between 1 and {MAX_PAGE}");
        return Err(ApiError::invalid_field("/limit", why));
    }
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let filter = AwardFilter {
        achievement_id: query.achievement_id,
        email: query.email.map(|e| e.trim().to_lowercase()),
        after,
        // One more than asked tells whether there is a next page.
        limit: limit + 1,
    };
    let mut awards = super::list(state.db(), &caller.org_id, &filter).await?;
    let more = awards.len() as i64 > limit;
    awards.truncate(usize::try_from(limit).unwrap_or_default());
    let next_cursor = more
        .then(|| awards.last().map(|a| encode_cursor(a.created_at, &a.id)))
        .flatten();
    let items = awards.into_iter().map(|a| respond(&state, a)).collect();
    Ok(Json(AwardList { items, next_cursor }))
}

/// A cursor is the last award's `created_at` and id, base64url, so clients treat it as opaque.
fn encode_cursor(created_at: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{created_at}:{id}"))
}

fn decode_cursor(cursor: &str) -> Result<(i64, String), ApiError> {
    let bad = || ApiError::invalid_field("/cursor", "the cursor is not one this API gave out");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (created_at, id) = text.split_once(':').ok_or_else(bad)?;
    Ok((created_at.parse().map_err(|_| bad())?, id.to_owned()))
}

/// Revokes an award.
///
/// Needs the admin role. The credential's bit in its status list is set, so verifiers see
/// it revoked; revoking twice is a conflict (409).
#[utoipa::path(
    post,
    path = "/api/v1/awards/{id}/revoke",
    tag = "awards",
    params(("id" = String, Path, description = "The award's id")),
    request_body = RevokeAwardRequest,
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The revoked award", body = AwardResponse),
        crate::openapi::BodyErrors,
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
async fn revoke_award(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevokeAwardRequest>,
) -> Result<Json<AwardResponse>, ApiError> {
    caller.require(Role::Admin)?;
    let mut checks = Checks::default();
    let reason = checks.check("/reason", reason(&body.reason));
    checks.finish()?;
    let reason = reason.unwrap_or_default();
    let award = super::revoke(&state, &caller, &id, &reason).await?;
    Ok(Json(respond(&state, award)))
}

pub(crate) fn reason(text: &str) -> Result<String, String> {
    let reason = validate::text(text, "the reason", MAX_REASON)?;
    if reason.is_empty() {
        return Err("the reason must not be empty".to_owned());
    }
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        let cursor = encode_cursor(1_700_000_000_123, "0f8e");
        assert_eq!(
            decode_cursor(&cursor).unwrap(),
            (1_700_000_000_123, "0f8e".to_owned())
        );
        let (nope, letters) = (
            URL_SAFE_NO_PAD.encode("nope"),
            URL_SAFE_NO_PAD.encode("x:y"),
        );
        for forged in ["", "!!", &nope, &letters] {
            assert!(decode_cursor(forged).is_err(), "{forged}");
        }
    }

    #[test]
    fn reasons_must_be_given_and_bounded() {
        assert_eq!(reason("  mistake ").unwrap(), "mistake");
        assert!(reason("  ").is_err());
        assert!(reason(&"x".repeat(MAX_REASON + 1)).is_err());
        assert!(reason(&"x".repeat(MAX_REASON)).is_ok());
    }

    #[test]
    fn evidence_urls_must_be_absolute_web_urls() {
        assert!(evidence_url("https://labs.example/run/1").is_ok());
        assert!(evidence_url("javascript:alert(1)").is_err());
        assert!(evidence_url("/run/1").is_err());
        assert!(evidence_url(&format!("https://x.example/{}", "a".repeat(MAX_URL))).is_err());
    }
}
