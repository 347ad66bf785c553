//! The achievement endpoints: the REST API under `/api/v1/achievements`, the designer under
//! `/api/v1/designer`, and the public `/achievements/{id}` document and image.
//!
//! There is no DELETE: achievements are archived (`POST …/archive`), because credentials
//! already issued keep linking to them.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::designer::{self, Design, DesignFields};
use super::image;
use super::{
    Achievement, AchievementChanges, AchievementError, Artwork, Cursor, ListFilter, NewAchievement,
    Skill,
};
use crate::auth::{Caller, Role};
use crate::http::{ApiError, ApiJson, AppState, Checks, FieldError};
use crate::validate;

/// The policy served with every SVG: no script, no loads, only inline styles.
pub const SVG_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";
/// How long browsers and caches may keep an achievement's image (it can be changed).
const IMAGE_CACHE: &str = "public, max-age=300";
/// How long a designer preview may be kept (the same query always draws the same image).
const PREVIEW_CACHE: &str = "public, max-age=86400, immutable";

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/achievements",
            post(create_achievement).get(list_achievements),
        )
        .route(
            "/api/v1/achievements/{id}",
            get(read_achievement).patch(update_achievement),
        )
        .route(
            "/api/v1/achievements/{id}/archive",
            post(archive_achievement),
        )
        .route("/api/v1/designer/options", get(designer_options))
        .route("/api/v1/designer/preview", get(designer_preview))
        .route("/achievements/{id}", get(achievement_document))
        .route("/achievements/{id}/image", get(achievement_image))
}

/// The OpenAPI description of this module's `/api/v1` routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create_achievement,
    list_achievements,
    read_achievement,
    update_achievement,
    archive_achievement,
    designer_options,
    designer_preview
))]
pub struct AchievementApi;

/// `POST /api/v1/achievements`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAchievementRequest {
    /// The issuer that awards it (one of the organization's, not archived).
    #[schema(example = "5b0e9a8e-3c55-4a43-9d9f-0c6f1f1f7b2e")]
    issuer_id: String,
    /// Its name (at most 200 characters).
    #[schema(example = "Kubernetes Operator")]
    name: String,
    /// What it stands for (at most 4000 characters).
    #[schema(example = "Runs production Kubernetes clusters.")]
    description: String,
    /// What a learner must do to earn it.
    criteria: CriteriaBody,
    /// An OB 3.0 achievement type (`Badge`, `Certificate`, …) or `ext:Name`; `Badge` if absent.
    achievement_type: Option<String>,
    /// Skills it aligns to (at most 30).
    #[serde(default)]
    skills: Vec<SkillBody>,
    /// Tags to find it by (at most 30, each at most 60 characters; repeats are dropped).
    #[serde(default)]
    tags: Vec<String>,
    /// Points a learner earns with it (0 to 1,000,000; 0 if absent).
    points: Option<i64>,
    /// Days a credential stays valid (1 to 36,500); absent means forever.
    valid_for_days: Option<i64>,
    /// An image as a `data:image/png` or `data:image/svg+xml` URL (at most 512 KiB);
    /// not together with `design`.
    image: Option<String>,
    /// An image drawn by the designer; not together with `image`.
    design: Option<DesignFields>,
}

/// `PATCH /api/v1/achievements/{id}`: only the fields given change; `valid_for_days: null`
/// means forever, `image: null` or `design: null` removes the image and its design.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAchievementRequest {
    /// Another issuer of the organization to award it.
    issuer_id: Option<String>,
    /// A new name.
    name: Option<String>,
    /// A new description.
    description: Option<String>,
    /// New criteria.
    criteria: Option<CriteriaBody>,
    /// A new achievement type.
    achievement_type: Option<String>,
    /// The new list of skills (replaces the old one).
    skills: Option<Vec<SkillBody>>,
    /// The new list of tags (replaces the old one).
    tags: Option<Vec<String>>,
    /// New points.
    points: Option<i64>,
    /// New validity in days; `null` means forever.
    #[serde(default, with = "double_option")]
    valid_for_days: Option<Option<i64>>,
    /// A new image as a data URL; `null` removes the image.
    #[serde(default, with = "double_option")]
    image: Option<Option<String>>,
    /// A new design; `null` removes the image.
    #[serde(default, with = "double_option")]
    design: Option<Option<DesignFields>>,
}

/// The criteria, as OB 3.0 writes them.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriteriaBody {
    /// The criteria as text (Markdown; at most 20,000 characters).
    #[schema(example = "Pass the cluster upgrade lab.")]
    narrative: String,
}

/// A skill in a request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillBody {
    /// The skill's name.
    #[schema(example = "Container orchestration")]
    name: String,
    /// Where the skill is described (`https://`).
    url: Option<String>,
    /// The framework it belongs to (ESCO, O*NET, a company framework).
    framework: Option<String>,
    /// Its code in that framework.
    code: Option<String>,
}

/// An achievement in responses.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AchievementResponse {
    /// Its id.
    id: String,
    /// Its OB 3.0 id, served publicly.
    public_id: String,
    /// The issuer that awards it.
    issuer_id: String,
    /// Its name.
    name: String,
    /// What it stands for.
    description: String,
    /// What a learner must do to earn it.
    criteria: CriteriaBody,
    /// Its OB 3.0 achievement type.
    achievement_type: String,
    /// The skills it aligns to.
    skills: Vec<Skill>,
    /// Its tags.
    tags: Vec<String>,
    /// Points a learner earns with it.
    points: i64,
    /// Days a credential stays valid; `null` means forever.
    valid_for_days: Option<i64>,
    /// The image's media type, when there is an image.
    image_type: Option<String>,
    /// Where the image is served, when there is one.
    image_url: Option<String>,
    /// The design the image was drawn from, when the designer drew it.
    design: Option<Design>,
    /// When it was made (Unix ms).
    created_at: i64,
    /// When it last changed (Unix ms).
    updated_at: i64,
    /// When it was archived (Unix ms), if it was.
    archived_at: Option<i64>,
    /// Whether it is archived (it can then no longer be awarded or changed).
    archived: bool,
}

/// A page of achievements.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AchievementList {
    /// The achievements of this page, newest first.
    items: Vec<AchievementResponse>,
    /// Pass as `cursor` for the next page; `null` on the last.
    next_cursor: Option<String>,
}

/// `GET /api/v1/achievements` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only the achievements of this issuer.
    issuer_id: Option<String>,
    /// Include archived achievements (`false` if absent).
    include_archived: Option<bool>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Achievements per page (1 to 100; 50 if absent).
    limit: Option<usize>,
}

/// `GET /api/v1/designer/preview` parameters; any left out take the designer's defaults.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    /// The outline (`hexagon` if absent); `GET /api/v1/designer/options` lists them.
    shape: Option<String>,
    /// The body's colour, `#rrggbb` (`#4f46e5` if absent).
    primary: Option<String>,
    /// The rim's and ribbon's colour, `#rrggbb` (`#f59e0b` if absent).
    secondary: Option<String>,
    /// The symbol in the middle (`star` if absent).
    icon: Option<String>,
    /// The label on the ribbon, at most 24 characters (`Achievement` if absent).
    text: Option<String>,
    /// A smaller line above the ribbon, at most 32 characters.
    subtitle: Option<String>,
}

fn respond(state: &AppState, a: Achievement) -> AchievementResponse {
    let public_id = super::public_id(state.public_url(), &a.id);
    let image_url = a.image_type.as_ref().map(|_| format!("{public_id}/image"));
    AchievementResponse {
        id: a.id,
        public_id,
        issuer_id: a.issuer_id,
        name: a.name,
        description: a.description,
        criteria: CriteriaBody {
            narrative: a.criteria,
        },
        achievement_type: a.achievement_type,
        skills: a.skills,
        tags: a.tags,
        points: a.points,
        valid_for_days: a.valid_for_days,
        image_type: a.image_type,
        image_url,
        design: a.design,
        created_at: a.created_at,
        updated_at: a.updated_at,
        archived: a.archived_at.is_some(),
        archived_at: a.archived_at,
    }
}

/// Creates an achievement.
///
/// Needs the author role. The image is either uploaded (`image`, a data URL) or drawn by
/// the designer (`design`); PNGs are checked and SVGs cleaned before they are stored.
#[utoipa::path(
    post,
    path = "/api/v1/achievements",
    tag = "achievements",
    request_body = CreateAchievementRequest,
    security(("api_token" = [])),
    responses(
        (status = 201, description = "The new achievement", body = AchievementResponse),
        crate::openapi::BodyErrors,
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
async fn create_achievement(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateAchievementRequest>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require(Role::Author)?;
    let artwork = artwork(body.image.map(Some), body.design.map(Some)).await?;
    let mut checks = Checks::default();
    let name = checks.check("/name", check_name(&body.name));
    let description = checks.check("/description", check_description(&body.description));
    let criteria = checks.check("/criteria/narrative", check_criteria(&body.criteria));
    let kind = body.achievement_type.as_deref();
    let kind = kind.unwrap_or(super::DEFAULT_ACHIEVEMENT_TYPE);
    let achievement_type = checks.check("/achievement_type", super::achievement_type(kind));
    let skills = check_skills(&mut checks, &body.skills);
    let tags = check_tags(&mut checks, &body.tags);
    let points = checks.check("/points", check_points(body.points.unwrap_or(0)));
    let valid_for_days = body
        .valid_for_days
        .map(|days| checks.check("/valid_for_days", check_validity(days)));
    let artwork = artwork.finish(&mut checks);
    checks.finish()?;

    let new = NewAchievement {
        issuer_id: body.issuer_id,
        name: name.unwrap_or_default(),
        description: description.unwrap_or_default(),
        criteria: criteria.unwrap_or_default(),
        achievement_type: achievement_type.unwrap_or_default(),
        skills,
        tags,
        points: points.unwrap_or_default(),
        valid_for_days: valid_for_days.flatten(),
        artwork: artwork.flatten(),
    };
    let achievement = super::create(state.db(), &caller.org_id, new)
        .await
        .map_err(refusal)?;
    Ok((StatusCode::CREATED, Json(respond(&state, achievement))))
}

/// Lists the organization's achievements, a page at a time.
///
/// Any role may read. Newest first; pass `next_cursor` as `cursor` for the next page.
#[utoipa::path(
    get,
    path = "/api/v1/achievements",
    tag = "achievements",
    params(ListQuery),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "A page of achievements", body = AchievementList),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
async fn list_achievements(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<AchievementList>, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    let mut checks = Checks::default();
    let limit = query.limit.unwrap_or(super::DEFAULT_PAGE);
    let limit = checks.check("/limit", check_limit(limit));
    let cursor = query
        .cursor
        .as_deref()
        .map(|c| checks.check("/cursor", Cursor::decode(c)));
    checks.finish()?;
    let filter = ListFilter {
        issuer_id: query.issuer_id,
        include_archived: query.include_archived.unwrap_or(false),
        name_contains: None,
        cursor: cursor.flatten(),
        limit: limit.unwrap_or(super::DEFAULT_PAGE),
    };
    let page = super::list(state.db(), &caller.org_id, &filter).await?;
    Ok(Json(AchievementList {
        items: page.items.into_iter().map(|a| respond(&state, a)).collect(),
        next_cursor: page.next_cursor.map(|c| c.encode()),
    }))
}

/// Reads one achievement.
///
/// Any role may read. An achievement of another organization is not found.
#[utoipa::path(
    get,
    path = "/api/v1/achievements/{id}",
    tag = "achievements",
    params(("id" = String, Path, description = "The achievement's id")),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The achievement", body = AchievementResponse),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
async fn read_achievement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AchievementResponse>, ApiError> {
    let achievement = find(&state, &caller, &id).await?;
    Ok(Json(respond(&state, achievement)))
}

/// Changes an achievement.
///
/// Needs the author role. Only the fields given change; an archived achievement cannot be
/// changed (409). Credentials already issued keep what they were signed with.
#[utoipa::path(
    patch,
    path = "/api/v1/achievements/{id}",
    tag = "achievements",
    params(("id" = String, Path, description = "The achievement's id")),
    request_body = UpdateAchievementRequest,
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The changed achievement", body = AchievementResponse),
        crate::openapi::BodyErrors,
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    )
)]
async fn update_achievement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateAchievementRequest>,
) -> Result<Json<AchievementResponse>, ApiError> {
    caller.require(Role::Author)?;
    let achievement = find(&state, &caller, &id).await?;
    let artwork = artwork(body.image, body.design).await?;
    let mut checks = Checks::default();
    let changes = AchievementChanges {
        issuer_id: body.issuer_id,
        name: body
            .name
            .and_then(|n| checks.check("/name", check_name(&n))),
        description: body
            .description
            .and_then(|d| checks.check("/description", check_description(&d))),
        criteria: body
            .criteria
            .and_then(|c| checks.check("/criteria/narrative", check_criteria(&c))),
        achievement_type: body
            .achievement_type
            .and_then(|t| checks.check("/achievement_type", super::achievement_type(&t))),
        skills: body.skills.map(|s| check_skills(&mut checks, &s)),
        tags: body.tags.map(|t| check_tags(&mut checks, &t)),
        points: body
            .points
            .and_then(|p| checks.check("/points", check_points(p))),
        valid_for_days: body
            .valid_for_days
            .map(|d| d.and_then(|d| checks.check("/valid_for_days", check_validity(d)))),
        artwork: artwork.finish(&mut checks),
    };
    checks.finish()?;
    let updated = super::update(state.db(), &achievement, changes)
        .await
        .map_err(refusal)?;
    Ok(Json(respond(&state, updated)))
}

/// Archives an achievement.
///
/// Needs the author role. It can then no longer be awarded or changed; credentials already
/// issued keep linking to it.
#[utoipa::path(
    post,
    path = "/api/v1/achievements/{id}/archive",
    tag = "achievements",
    params(("id" = String, Path, description = "The achievement's id")),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The archived achievement", body = AchievementResponse),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
async fn archive_achievement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AchievementResponse>, ApiError> {
    caller.require(Role::Author)?;
    let achievement = find(&state, &caller, &id).await?;
    let archived = super::archive(state.db(), &achievement).await?;
    Ok(Json(respond(&state, archived)))
}

/// `GET /achievements/{id}`: the OB 3.0 Achievement, as credentials embed it.
async fn achievement_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let achievement = super::get_public(state.db(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("achievement"))?;
    let ob3 = serde_json::to_value(super::to_ob3(state.public_url(), &achievement))
        .map_err(ApiError::internal)?;
    let mut document = serde_json::Map::new();
    document.insert(
        "@context".into(),
        json!([badges::contexts::CREDENTIALS_V2, badges::contexts::OB_V3]),
    );
    if let Value::Object(fields) = ob3 {
        document.extend(fields);
    }
    Ok((
        [(header::CONTENT_TYPE, "application/ld+json")],
        Json(Value::Object(document)),
    ))
}

/// `GET /achievements/{id}/image`: the image's bytes, public by id.
async fn achievement_image(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: HeaderMap,
) -> Result<Response, ApiError> {
    let (media_type, bytes) = super::image(state.db(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("achievement image"))?;
    let etag = crate::db::hex(&Sha256::digest(&bytes)[..12]);
    let etag = format!("\"{etag}\"");
    let mut headers = image_headers(&media_type, IMAGE_CACHE);
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).map_err(ApiError::internal)?,
    );
    let cached = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
    if cached {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    Ok((headers, bytes).into_response())
}

/// `GET /api/v1/designer/options`: what the designer offers.
///
/// The shapes, icons and text limits a `design` may use. No token needed.
#[utoipa::path(
    get,
    path = "/api/v1/designer/options",
    tag = "achievements",
    summary = "Lists what the badge designer offers",
    responses(
        (
            status = 200,
            description = "What the designer offers",
            body = crate::openapi::DesignerOptions
        ),
    )
)]
async fn designer_options() -> Json<Value> {
    let shapes: Vec<&str> = designer::Shape::ALL.iter().map(|s| s.as_str()).collect();
    let icons: Vec<&str> = designer::Icon::ALL.iter().map(|i| i.as_str()).collect();
    Json(json!({
        "shapes": shapes,
        "icons": icons,
        "max_text_chars": designer::MAX_TEXT_CHARS,
        "max_subtitle_chars": designer::MAX_SUBTITLE_CHARS,
        "size": designer::SIZE,
    }))
}

/// `GET /api/v1/designer/preview`: the SVG a design draws; no account needed, as the
/// drawing depends on the query alone.
///
/// The same query always draws the same image, so the answer may be cached for a day.
#[utoipa::path(
    get,
    path = "/api/v1/designer/preview",
    tag = "achievements",
    summary = "Draws a badge design as SVG",
    params(PreviewQuery),
    responses(
        (
            status = 200,
            description = "The drawn badge",
            body = String,
            content_type = "image/svg+xml"
        ),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
async fn designer_preview(
    query: Result<Query<PreviewQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    let fields = DesignFields {
        shape: query.shape.unwrap_or_else(|| "hexagon".into()),
        primary: query.primary.unwrap_or_else(|| "#4f46e5".into()),
        secondary: query.secondary.unwrap_or_else(|| "#f59e0b".into()),
        icon: query.icon.unwrap_or_else(|| "star".into()),
        text: query.text.unwrap_or_else(|| "Achievement".into()),
        subtitle: query.subtitle,
    };
    let design = Design::parse(&fields).map_err(|errors| design_errors("", errors))?;
    let svg = designer::render(&design);
    Ok((image_headers(image::SVG, PREVIEW_CACHE), svg).into_response())
}

/// The headers every served image has; SVGs also get a policy that forbids script.
fn image_headers(media_type: &str, cache: &'static str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let kind = HeaderValue::from_str(media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, kind);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if media_type == image::SVG {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(SVG_CSP),
        );
    }
    headers
}

/// The achievement of the caller's organization with this id; another organization's is 404.
async fn find(state: &AppState, caller: &Caller, id: &str) -> Result<Achievement, ApiError> {
    super::get(state.db(), &caller.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("achievement"))
}

/// The service's refusals as HTTP answers. An issuer of another organization reads exactly
/// like one that does not exist.
fn refusal(error: AchievementError) -> ApiError {
    match error {
        AchievementError::UnknownIssuer => ApiError::invalid_field(
            "/issuer_id",
            "there is no issuer with this id in your organization",
        ),
        AchievementError::ArchivedIssuer => ApiError::invalid_field(
            "/issuer_id",
            "this issuer is archived and can no longer award achievements",
        ),
        AchievementError::Archived => ApiError::conflict(error.to_string()),
        AchievementError::Storage(e) => ApiError::internal(e),
        AchievementError::Other(e) => ApiError::internal(format!("{e:#}")),
    }
}

fn bad_query(rejection: QueryRejection) -> ApiError {
    ApiError::bad_request(format!(
        "the query string is not valid: {}",
        rejection.body_text()
    ))
}

/// The requested image change, checked; its problems are added to the other fields' later.
struct CheckedArtwork {
    artwork: Option<Option<Artwork>>,
    errors: Vec<FieldError>,
}

impl CheckedArtwork {
    /// The artwork, with its problems recorded in `checks`.
    fn finish(self, checks: &mut Checks) -> Option<Option<Artwork>> {
        for error in self.errors {
            checks.check::<()>(&error.pointer, Err(error.detail));
        }
        self.artwork
    }
}

/// Checks `image` and `design` (each: absent, `null`, or a value). Decoding a large PNG
/// takes a while, so it runs off the async threads.
async fn artwork(
    image: Option<Option<String>>,
    design: Option<Option<DesignFields>>,
) -> Result<CheckedArtwork, ApiError> {
    tokio::task::spawn_blocking(move || check_artwork(image, design))
        .await
        .map_err(ApiError::internal)
}

fn check_artwork(
    image: Option<Option<String>>,
    design: Option<Option<DesignFields>>,
) -> CheckedArtwork {
    let mut errors = Vec::new();
    let artwork = match (image, design) {
        (Some(Some(_)), Some(Some(_))) => {
            errors.push(field(
                "/design",
                "give either an image or a design, not both",
            ));
            None
        }
        (Some(Some(url)), _) => match image::from_data_url(&url) {
            Ok(image) => Some(Some(Artwork::Uploaded(image))),
            Err(e) => {
                errors.push(field("/image", &e.to_string()));
                None
            }
        },
        (_, Some(Some(fields))) => match Design::parse(&fields) {
            Ok(design) => Some(Some(Artwork::Designed(design))),
            Err(problems) => {
                for (pointer, detail) in problems {
                    errors.push(field(&format!("/design{pointer}"), &detail));
                }
                None
            }
        },
        (Some(None), _) | (_, Some(None)) => Some(None),
        (None, None) => None,
    };
    CheckedArtwork { artwork, errors }
}

fn field(pointer: &str, detail: &str) -> FieldError {
    FieldError {
        pointer: pointer.to_owned(),
        detail: detail.to_owned(),
    }
}

fn design_errors(prefix: &str, problems: Vec<(&'static str, String)>) -> ApiError {
    let errors = problems
        .into_iter()
        .map(|(pointer, detail)| field(&format!("{prefix}{pointer}"), &detail))
        .collect();
    ApiError::invalid(errors)
}

fn check_name(name: &str) -> Result<String, String> {
    validate::name(name, "name", super::MAX_NAME_CHARS)
}

fn check_description(text: &str) -> Result<String, String> {
    required_text(text, "description", super::MAX_DESCRIPTION_CHARS)
}

fn check_criteria(criteria: &CriteriaBody) -> Result<String, String> {
    required_text(
        &criteria.narrative,
        "the criteria",
        super::MAX_CRITERIA_CHARS,
    )
}

fn required_text(text: &str, what: &str, max: usize) -> Result<String, String> {
    let text = validate::text(text, what, max)?;
    if text.is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    Ok(text)
}

fn check_points(points: i64) -> Result<i64, String> {
    if (0..=super::MAX_POINTS).contains(&points) {
        Ok(points)
    } else {
        Err(format!(
            "points must be a whole number from 0 to {}",
            super::MAX_POINTS
        ))
    }
}

fn check_validity(days: i64) -> Result<i64, String> {
    if (1..=super::MAX_VALID_FOR_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(format!(
            "valid_for_days must be from 1 to {} days; leave it out for no expiry",
            super::MAX_VALID_FOR_DAYS
        ))
    }
}

fn check_limit(limit: usize) -> Result<usize, String> {
    if (1..=super::MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(format!("limit must be from 1 to {}", super::MAX_PAGE))
    }
}

fn check_skills(checks: &mut Checks, skills: &[SkillBody]) -> Vec<Skill> {
    if skills.len() > super::MAX_SKILLS {
        let detail = format!(
            "at most {} skills are allowed; {} were given",
            super::MAX_SKILLS,
            skills.len()
        );
        checks.check::<()>("/skills", Err(detail));
        return Vec::new();
    }
    let max = super::MAX_SKILL_FIELD_CHARS;
    let mut checked = Vec::with_capacity(skills.len());
    for (n, skill) in skills.iter().enumerate() {
        let at = |what: &str| format!("/skills/{n}/{what}");
        let optional = |checks: &mut Checks, value: &Option<String>, what: &str| {
            let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
            checks.check(&at(what), validate::name(value, what, max))
        };
        let name = checks.check(
            &at("name"),
            validate::name(&skill.name, "a skill's name", max),
        );
        let url = skill
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .and_then(|u| checks.check(&at("url"), validate::web_url(u, "a skill's url")));
        let framework = optional(checks, &skill.framework, "framework");
        let code = optional(checks, &skill.code, "code");
        if let Some(name) = name {
            checked.push(Skill {
                name,
                url,
                framework,
                code,
            });
        }
    }
    checked
}

fn check_tags(checks: &mut Checks, tags: &[String]) -> Vec<String> {
    if tags.len() > super::MAX_TAGS {
        let detail = format!(
            "at most {} tags are allowed; {} were given",
            super::MAX_TAGS,
            tags.len()
        );
        checks.check::<()>("/tags", Err(detail));
        return Vec::new();
    }
    let mut checked: Vec<String> = Vec::with_capacity(tags.len());
    for (n, tag) in tags.iter().enumerate() {
        let tag = validate::name(tag, "a tag", super::MAX_TAG_CHARS);
        // Repeats are dropped rather than refused: they change nothing.
        if let Some(tag) = checks.check(&format!("/tags/{n}"), tag)
            && !checked.contains(&tag)
        {
            checked.push(tag);
        }
    }
    checked
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skill(name: &str, url: Option<&str>) -> SkillBody {
        SkillBody {
            name: name.into(),
            url: url.map(Into::into),
            framework: Some(" ".into()),
            code: Some("K-1".into()),
        }
    }

    fn pointers(checks: Checks) -> Vec<String> {
        match checks.finish() {
            Ok(()) => Vec::new(),
            Err(e) => {
                let body = format!("{e:?}");
                body.split("pointer: \"")
                    .skip(1)
                    .map(|s| s.split('"').next().unwrap_or_default().to_owned())
                    .collect()
            }
        }
    }

    #[test]
    fn skills_are_checked_and_blank_optional_fields_dropped() {
        let mut checks = Checks::default();
        let skills = check_skills(
            &mut checks,
            &[
                skill("Rust", Some("https://example.org/rust")),
                skill(" ", None),
                skill("SQL", Some("ftp://x")),
            ],
        );
        assert_eq!(skills[0].framework, None);
        assert_eq!(skills[0].code.as_deref(), Some("K-1"));
        assert_eq!(pointers(checks), ["/skills/1/name", "/skills/2/url"]);

        let mut checks = Checks::default();
        let many: Vec<SkillBody> = (0..=super::super::MAX_SKILLS)
            .map(|n| skill(&format!("s{n}"), None))
            .collect();
        check_skills(&mut checks, &many);
        assert_eq!(pointers(checks), ["/skills"]);
    }

    #[test]
    fn tags_are_limited_in_number_and_length_and_repeats_dropped() {
        let mut checks = Checks::default();
        let tags = check_tags(&mut checks, &["rust".into(), " rust ".into(), "sql".into()]);
        assert_eq!(tags, ["rust", "sql"]);
        assert!(pointers(checks).is_empty());

        let mut checks = Checks::default();
        let long = "x".repeat(super::super::MAX_TAG_CHARS + 1);
        check_tags(&mut checks, &["ok".into(), long, "".into()]);
        assert_eq!(pointers(checks), ["/tags/1", "/tags/2"]);

        let mut checks = Checks::default();
        check_tags(
            &mut checks,
            &vec!["t".to_owned(); super::super::MAX_TAGS + 1],
        );
        assert_eq!(pointers(checks), ["/tags"]);
    }

    #[test]
    fn numbers_are_checked_against_their_ranges() {
        assert!(check_points(0).is_ok() && check_points(-1).is_err());
        assert!(check_points(super::super::MAX_POINTS + 1).is_err());
        assert!(check_validity(1).is_ok() && check_validity(36_500).is_ok());
        assert!(check_validity(0).is_err() && check_validity(36_501).is_err());
        assert!(check_limit(100).is_ok() && check_limit(101).is_err() && check_limit(0).is_err());
    }

    #[test]
    fn an_image_and_a_design_together_are_refused() {
        let design = DesignFields {
            shape: "circle".into(),
            primary: "#000000".into(),
            secondary: "#ffffff".into(),
            icon: "star".into(),
            text: "Hi".into(),
            subtitle: None,
        };
        let checked = check_artwork(Some(Some("data:x".into())), Some(Some(design)));
        assert!(checked.artwork.is_none());
        assert_eq!(checked.errors[0].pointer, "/design");
        let removed = check_artwork(Some(None), None);
        assert!(matches!(removed.artwork, Some(None)));
    }
}
