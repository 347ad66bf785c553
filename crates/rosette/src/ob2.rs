//! Open Badges 2.0 hosting: every award published as a hosted OB 2.0 Assertion, for the
//! backpacks, LMS plug-ins and verifiers that read only 2.0. Public, no sign-in:
//!
//! | path | document |
//! | --- | --- |
//! | `/ob2/assertions/{award}` | the hosted Assertion; a revoked one answers 410 with a notice |
//! | `/ob2/assertions/{award}.png`, `.svg` | the badge image with the Assertion baked in (2.0) |
//! | `/ob2/badges/{achievement}` | the BadgeClass |
//! | `/ob2/issuers/{issuer}` | the issuer Profile, pointing at its revocation list |
//! | `/ob2/issuers/{issuer}/revocations` | the RevocationList of the issuer's revoked awards |
//!
//! The documents are built from the award, achievement and issuer as stored, with the
//! `badges::ob2` builders, whenever they are asked for; nothing is stored for them. The
//! recipient is the salted `sha256$` email hash of the award's OB 3.0 credential, with the
//! same salt, so both forms name the learner the same way. OB 2.0 hosted verification trusts
//! an assertion only when its id is on the issuer profile's host: every document here lives
//! under the server's public URL, so they always are. The OB 3.0 credential stays the record;
//! these documents are a view of it and are never signed.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use badges::bake::{BadgeVersion, BakeLimits};
use badges::ob2;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::Row;

use crate::achievement::{self, Achievement, designer};
use crate::award::{self, Award};
use crate::event::EventKind;
use crate::http::{ApiError, AppState};
use crate::issuer::{self, Issuer};

/// Cache lifetime of assertions and revocation lists: a revocation shows within this time.
const SHORT_CACHE: &str = "public, max-age=60";
/// Cache lifetime of badge classes, issuer profiles and baked images.
const LONG_CACHE: &str = "public, max-age=300";
/// The media type of every JSON document here.
const JSON_LD: &str = "application/ld+json";

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ob2/assertions/{file}", get(assertion_document))
        .route("/ob2/badges/{id}", get(badge_class_document))
        .route("/ob2/issuers/{id}", get(issuer_document))
        .route(
            "/ob2/issuers/{id}/revocations",
            get(revocation_list_document),
        )
}

/// The URL of an award's hosted OB 2.0 Assertion.
pub fn assertion_url(public_url: &str, award_id: &str) -> String {
    format!("{public_url}/ob2/assertions/{award_id}")
}

/// The URL of an achievement's OB 2.0 BadgeClass.
pub fn badge_class_url(public_url: &str, achievement_id: &str) -> String {
    format!("{public_url}/ob2/badges/{achievement_id}")
}

/// The URL of an issuer's OB 2.0 Profile.
pub fn issuer_url(public_url: &str, issuer_id: &str) -> String {
    format!("{public_url}/ob2/issuers/{issuer_id}")
}

/// The URL of an issuer's OB 2.0 RevocationList.
pub fn revocation_list_url(public_url: &str, issuer_id: &str) -> String {
    format!("{}/revocations", issuer_url(public_url, issuer_id))
}

/// The forms an assertion is served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// The hosted JSON-LD document.
    Json,
    /// Baked into a PNG image.
    Png,
    /// Baked into an SVG image.
    Svg,
}

impl Form {
    /// The award id and form named by the last path segment (`ID`, `ID.png`, `ID.svg`).
    fn split(file: &str) -> Option<(&str, Self)> {
        match file.rsplit_once('.') {
            None => Some((file, Self::Json)),
            Some((id, "png")) => Some((id, Self::Png)),
            Some((id, "svg")) => Some((id, Self::Svg)),
            Some(_) => None,
        }
    }

    /// The form a baked image of this media type is served in.
    fn of_image(media_type: &str) -> Self {
        if media_type == "image/png" {
            Self::Png
        } else {
            Self::Svg
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Json => "",
            Self::Png => ".png",
            Self::Svg => ".svg",
        }
    }

    fn event_format(self) -> &'static str {
        match self {
            Self::Json => "ob2",
            Self::Png => "ob2-png",
            Self::Svg => "ob2-svg",
        }
    }
}

/// `GET /ob2/assertions/{id}`, `.png` or `.svg`.
async fn assertion_document(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let (id, form) = Form::split(&file).ok_or_else(|| ApiError::not_found("assertion"))?;
    let award = find(id, award::get_public(state.db(), id), "assertion").await?;
    let achievement = achievement::get(state.db(), &award.org_id, &award.achievement_id)
        .await?
        .ok_or_else(|| ApiError::internal("an award's achievement is missing"))?;
    let data = json!({"format": form.event_format()});
    let kind = EventKind::CredentialViewed;
    state.events().record(&award.org_id, kind, &award.id, data);

    if form == Form::Json {
        return hosted(state.public_url(), &award, &achievement);
    }
    baked(&state, &award, &achievement, form).await
}

/// The hosted Assertion, or, for a revoked award, the revocation notice with 410 Gone.
fn hosted(
    public_url: &str,
    award: &Award,
    achievement: &Achievement,
) -> Result<Response, ApiError> {
    Ok(match &award.revoked_at {
        Some(_) => {
            let notice = revocation_notice(public_url, award)?;
            ld_json(StatusCode::GONE, &notice, SHORT_CACHE)
        }
        None => {
            let document = assertion(public_url, award, achievement)?;
            ld_json(StatusCode::OK, &document, SHORT_CACHE)
        }
    })
}

/// The badge image with the Assertion baked in, in the form of the achievement's image.
async fn baked(
    state: &AppState,
    award: &Award,
    achievement: &Achievement,
    form: Form,
) -> Result<Response, ApiError> {
    let (media_type, image) = artwork(state, achievement).await?;
    let have = Form::of_image(&media_type);
    if have != form {
        return Err(ApiError::not_found(&format!(
            "{} image for this badge; its image is {media_type}, so ask for {}",
            form.extension(),
            have.extension()
        )));
    }
    let payload = assertion(state.public_url(), award, achievement)?.to_string();
    let baked = badges::bake::bake(&image, BadgeVersion::V2, &payload, &BakeLimits::default())
        .map_err(ApiError::internal)?;
    Ok(with_headers(StatusCode::OK, &media_type, LONG_CACHE, baked))
}

/// `GET /ob2/badges/{id}`: archived achievements keep serving, as assertions point at them.
async fn badge_class_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let found = find(&id, achievement::get_public(state.db(), &id), "badge class").await?;
    let image = badge_class_image(&state, &found).await?;
    let document = badge_class(state.public_url(), &found, image)?;
    Ok(ld_json(StatusCode::OK, &document, LONG_CACHE))
}

/// `GET /ob2/issuers/{id}`: archived issuers keep serving, as their badge classes point here.
async fn issuer_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let found = find(&id, issuer::get_public(state.db(), &id), "issuer").await?;
    let document = issuer_profile(state.public_url(), &found)?;
    Ok(ld_json(StatusCode::OK, &document, LONG_CACHE))
}

/// `GET /ob2/issuers/{id}/revocations`.
async fn revocation_list_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let found = find(&id, issuer::get_public(state.db(), &id), "revocation list").await?;
    let public_url = state.public_url();
    let revoked = revoked_awards(&state, &found)
        .await?
        .into_iter()
        .map(|(award_id, reason)| ob2::RevokedAssertion {
            id: assertion_url(public_url, &award_id),
            reason,
        })
        .collect();
    let list = ob2::RevocationList {
        id: revocation_list_url(public_url, &found.id),
        issuer: issuer_url(public_url, &found.id),
        revoked,
    };
    let document = list.to_json().map_err(ApiError::internal)?;
    Ok(ld_json(StatusCode::OK, &document, SHORT_CACHE))
}

/// Looks a thing up by its public id; an id that is not a UUID is not looked up at all.
async fn find<T, E>(
    id: &str,
    lookup: impl Future<Output = Result<Option<T>, E>>,
    what: &str,
) -> Result<T, ApiError>
where
    ApiError: From<E>,
{
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(ApiError::not_found(what));
    }
    lookup.await?.ok_or_else(|| ApiError::not_found(what))
}

/// The hosted Assertion of an award that is not revoked.
fn assertion(
    public_url: &str,
    award: &Award,
    achievement: &Achievement,
) -> Result<Value, ApiError> {
    let credential: badges::model::Credential =
        serde_json::from_str(&award.credential).map_err(ApiError::internal)?;
    // The OB 3.0 credential's salt, so both forms carry the same hash of the learner's email.
    let salt = credential
        .credential_subject
        .identifier
        .first()
        .and_then(|identity| identity.salt.clone())
        .ok_or_else(|| ApiError::internal("an award's credential has no salted identity"))?;
    let evidence = credential
        .evidence
        .iter()
        .map(|e| ob2::Evidence {
            url: e.id.clone(),
            narrative: e.narrative.clone(),
            name: e.name.clone(),
            description: e.description.clone(),
        })
        .collect();
    let image_form = Form::of_image(achievement.image_type.as_deref().unwrap_or_default());
    let id = assertion_url(public_url, &award.id);
    let assertion = ob2::Assertion {
        image: Some(format!("{id}{}", image_form.extension())),
        id,
        recipient_email: award.recipient_email.clone(),
        salt,
        badge: badge_class_url(public_url, &achievement.id),
        verification: ob2::Verification::Hosted,
        issued_on: moment(award.valid_from)?,
        expires: award.valid_until.map(moment).transpose()?,
        evidence,
        narrative: None,
    };
    assertion.to_json().map_err(ApiError::internal)
}

/// What a revoked award's assertion URL serves instead of the assertion.
fn revocation_notice(public_url: &str, award: &Award) -> Result<Value, ApiError> {
    let notice = ob2::RevokedAssertion {
        id: assertion_url(public_url, &award.id),
        reason: award.revocation_reason.clone(),
    };
    notice.to_hosted_json().map_err(ApiError::internal)
}

/// The BadgeClass of an achievement, made from the same OB 3.0 Achievement its credentials
/// embed, so skills, tags and criteria say the same in both versions.
fn badge_class(
    public_url: &str,
    achievement: &Achievement,
    image: String,
) -> Result<Value, ApiError> {
    let ob3 = achievement::to_ob3(public_url, achievement);
    let alignment = ob3
        .alignment
        .into_iter()
        .map(|a| ob2::Alignment {
            target_name: a.target_name,
            target_url: a.target_url,
            target_description: a.target_description,
            target_framework: a.target_framework,
            target_code: a.target_code,
        })
        .collect();
    let badge_class = ob2::BadgeClass {
        id: badge_class_url(public_url, &achievement.id),
        name: ob3.name,
        description: ob3.description,
        image,
        criteria: ob2::Criteria {
            // The achievement's public document, whose criteria say the same.
            url: Some(ob3.id),
            narrative: ob3.criteria.narrative,
        },
        issuer: issuer_url(public_url, &achievement.issuer_id),
        tags: ob3.tag,
        alignment,
    };
    badge_class.to_json().map_err(ApiError::internal)
}

/// The issuer Profile, with its revocation list.
fn issuer_profile(public_url: &str, issuer: &Issuer) -> Result<Value, ApiError> {
    let profile = ob2::Issuer {
        id: issuer_url(public_url, &issuer.id),
        name: issuer.name.clone(),
        url: issuer.url.clone(),
        email: issuer.email.clone(),
        description: issuer.description.clone(),
        image: None,
        public_keys: Vec::new(),
        revocation_list: Some(revocation_list_url(public_url, &issuer.id)),
        verification: None,
    };
    profile.to_json().map_err(ApiError::internal)
}

/// The ids and reasons of the issuer's revoked awards, oldest revocation first.
///
/// The list is complete and unpaged, as OB 2.0 defines no paging for it.
async fn revoked_awards(
    state: &AppState,
    issuer: &Issuer,
) -> Result<Vec<(String, Option<String>)>, ApiError> {
    let rows = sqlx::query(
        "SELECT id, revocation_reason FROM awards \
         WHERE org_id = $1 AND issuer_id = $2 AND revoked_at IS NOT NULL \
         ORDER BY revoked_at, id",
    )
    .bind(&issuer.org_id)
    .bind(&issuer.id)
    .fetch_all(&state.db().pool)
    .await?;
    Ok(rows
        .iter()
        .map(|row| (row.get("id"), row.get("revocation_reason")))
        .collect())
}

/// The BadgeClass `image`: the achievement's own image URL, or, for an achievement without
/// one, the stand-in drawing as a data URI (OB 2.0 requires every badge class to have one).
async fn badge_class_image(
    state: &AppState,
    achievement: &Achievement,
) -> Result<String, ApiError> {
    let ob3 = achievement::to_ob3(state.public_url(), achievement);
    if let Some(badges::model::Image::Url(id) | badges::model::Image::Object { id, .. }) = ob3.image
    {
        return Ok(id);
    }
    let (media_type, bytes) = artwork(state, achievement).await?;
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(format!("data:{media_type};base64,{data}"))
}

/// The image to bake: the achievement's own, or the stand-in drawing when it has none.
async fn artwork(
    state: &AppState,
    achievement: &Achievement,
) -> Result<(String, Vec<u8>), ApiError> {
    if let Some(found) = achievement::image(state.db(), &achievement.id).await? {
        return Ok(found);
    }
    let drawing = designer::render(&stand_in_design(achievement)?);
    Ok(("image/svg+xml".to_owned(), drawing.into_bytes()))
}

/// A plain rosette with the achievement's name on the ribbon.
fn stand_in_design(achievement: &Achievement) -> Result<designer::Design, ApiError> {
    let colour = |hex: &str| designer::Colour::parse(hex).map_err(ApiError::internal);
    let label: String = achievement
        .name
        .chars()
        .take(designer::MAX_TEXT_CHARS)
        .collect();
    Ok(designer::Design {
        shape: designer::Shape::Rosette,
        primary: colour("#4f46e5")?,
        secondary: colour("#f59e0b")?,
        icon: designer::Icon::Star,
        text: label.trim_end().to_owned(),
        subtitle: None,
    })
}

/// A stored Unix-millisecond time as a date.
fn moment(ms: i64) -> Result<DateTime<Utc>, ApiError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| ApiError::internal("a stored time is out of range"))
}

/// A JSON-LD document with a cache lifetime.
fn ld_json(status: StatusCode, document: &Value, cache: &'static str) -> Response {
    with_headers(status, JSON_LD, cache, document.to_string().into_bytes())
}

fn with_headers(
    status: StatusCode,
    media_type: &str,
    cache: &'static str,
    body: Vec<u8>,
) -> Response {
    let kind = HeaderValue::from_str(media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let headers = [
        (header::CONTENT_TYPE, kind),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    (status, headers, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::achievement::Skill;

    fn achievement() -> Achievement {
        Achievement {
            id: "a1".into(),
            org_id: "o1".into(),
            issuer_id: "i1".into(),
            name: "Kubernetes Operator of Large Clusters".into(),
            description: "Runs clusters.".into(),
            criteria: "Pass the lab.".into(),
            achievement_type: "Badge".into(),
            skills: vec![
                Skill {
                    name: "Kubernetes".into(),
                    url: None,
                    framework: Some("ESCO".into()),
                    code: None,
                },
                Skill {
                    name: "Helm".into(),
                    url: Some("https://skills.example/helm".into()),
                    framework: None,
                    code: Some("H1".into()),
                },
            ],
            tags: vec!["cloud".into()],
            points: 10,
            valid_for_days: None,
            image_type: Some("image/png".into()),
            design: None,
            created_at: 0,
            updated_at: 0,
            archived_at: None,
            result_kinds: Vec::new(),
        }
    }

    #[test]
    fn the_last_path_segment_names_the_award_and_the_form() {
        assert_eq!(Form::split("w1"), Some(("w1", Form::Json)));
        assert_eq!(Form::split("w1.png"), Some(("w1", Form::Png)));
        assert_eq!(Form::split("w1.svg"), Some(("w1", Form::Svg)));
        assert_eq!(Form::split("w1.json"), None);
        assert_eq!(Form::split("w1.PNG"), None);
    }

    #[test]
    fn a_badge_class_aligns_to_the_skills_as_the_ob3_achievement_does() {
        let image = "https://b.example/achievements/a1/image".to_owned();
        let doc = badge_class("https://b.example", &achievement(), image).unwrap();
        assert_eq!(doc["id"], "https://b.example/ob2/badges/a1");
        assert_eq!(doc["issuer"], "https://b.example/ob2/issuers/i1");
        assert_eq!(
            doc["criteria"],
            json!({"id": "https://b.example/achievements/a1", "narrative": "Pass the lab."})
        );
        assert_eq!(doc["tags"], json!(["cloud"]));
        assert_eq!(
            doc["alignment"][0]["targetUrl"],
            "https://b.example/achievements/a1#skill-1"
        );
        assert_eq!(doc["alignment"][0]["targetFramework"], "ESCO");
        assert_eq!(
            doc["alignment"][1]["targetUrl"],
            "https://skills.example/helm"
        );
        assert_eq!(doc["alignment"][1]["targetCode"], "H1");
    }

    #[test]
    fn the_stand_in_image_fits_the_name_on_the_ribbon() {
        let design = stand_in_design(&achievement()).unwrap();
        assert!(design.text.chars().count() <= designer::MAX_TEXT_CHARS);
        assert!(achievement().name.starts_with(&design.text));
        assert!(designer::render(&design).starts_with("<svg"));
    }
}
