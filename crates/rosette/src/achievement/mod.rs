//! Achievements: what an organization's learners can earn, as OB 3.0 Achievements.
//!
//! An achievement belongs to one issuer. Achievements are archived, never deleted: every
//! credential embeds its achievement's id, which must keep resolving, so there is no delete
//! endpoint. An archived achievement stays readable (in the API and publicly) but can no
//! longer be awarded or changed.
//!
//! The image is either uploaded (a PNG or an SVG, checked in [`image`]) or drawn by the
//! built-in [`designer`], in which case the design is kept too so it can be edited later.
//! Images are public by achievement id, as credentials link to them.

mod api;
pub mod designer;
pub mod image;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Db, new_id, now_ms};
use designer::Design;

pub use api::{AchievementApi, routes};

/// The most characters in a name.
pub const MAX_NAME_CHARS: usize = 200;
/// The most characters in a description.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// The most characters in the criteria.
pub const MAX_CRITERIA_CHARS: usize = 20_000;
/// The most skills an achievement aligns to.
pub const MAX_SKILLS: usize = 30;
/// The most characters in a skill's name, framework or code.
pub const MAX_SKILL_FIELD_CHARS: usize = 200;
/// The most tags.
pub const MAX_TAGS: usize = 30;
/// The most characters in one tag.
pub const MAX_TAG_CHARS: usize = 60;
/// The most points an achievement can give.
pub const MAX_POINTS: i64 = 1_000_000;
/// The longest validity, in days (a hundred years).
pub const MAX_VALID_FOR_DAYS: i64 = 36_500;
/// The most characters in an `ext:` achievement type.
pub const MAX_EXT_TYPE_CHARS: usize = 64;
/// The most achievements one list request returns.
pub const MAX_PAGE: usize = 100;
/// How many achievements a list request returns when it does not say.
pub const DEFAULT_PAGE: usize = 50;

/// The achievement types OB 3.0 defines; others are written `ext:Name`.
pub const ACHIEVEMENT_TYPES: &[&str] = &[
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
];

/// The achievement type when none is given.
pub const DEFAULT_ACHIEVEMENT_TYPE: &str = "Badge";

/// A skill an achievement aligns to (an OB 3.0 Alignment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skill {
    /// The skill's name.
    pub name: String,
    /// Where the skill is described.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The framework it belongs to (ESCO, O*NET, a company framework).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    /// Its code in that framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// An achievement as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Achievement {
    /// Its id (a UUID); its public id is `{public_url}/achievements/{id}`.
    pub id: String,
    /// The organization.
    #[serde(skip)]
    pub org_id: String,
    /// The issuer that awards it.
    pub issuer_id: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The criteria, in Markdown.
    pub criteria: String,
    /// The OB 3.0 achievement type (`Badge`, `Certificate`, …).
    pub achievement_type: String,
    /// Skills it aligns to.
    pub skills: Vec<Skill>,
    /// Keywords.
    pub tags: Vec<String>,
    /// Points a learner gets for it.
    pub points: i64,
    /// How long an award stays valid, in days; forever when absent.
    pub valid_for_days: Option<i64>,
    /// The image's media type (`image/png` or `image/svg+xml`), when it has one.
    pub image_type: Option<String>,
    /// The design the image was drawn from, when it came from the designer.
    pub design: Option<Design>,
    /// When it was made (Unix ms).
    pub created_at: i64,
    /// When it was last changed (Unix ms).
    pub updated_at: i64,
    /// When it was archived (Unix ms), if it was.
    pub archived_at: Option<i64>,
    /// The kinds of result its credentials carry.
    pub result_kinds: Vec<ResultKind>,
}

/// The columns [`from_row`] reads.
pub const COLUMNS: &str = "id, org_id, issuer_id, name, description, criteria, achievement_type, \
     skills, tags, points, valid_for_days, image_type, design, created_at, updated_at, \
     archived_at, result_descriptions";

/// Reads an achievement from a row with [`COLUMNS`].
pub fn from_row(row: &AnyRow) -> Achievement {
    let json_list = |column: &str| -> Value {
        serde_json::from_str(&row.get::<String, _>(column)).unwrap_or(Value::Array(Vec::new()))
    };
    Achievement {
        id: row.get("id"),
        org_id: row.get("org_id"),
        issuer_id: row.get("issuer_id"),
        name: row.get("name"),
        description: row.get("description"),
        criteria: row.get("criteria"),
        achievement_type: row.get("achievement_type"),
        skills: serde_json::from_value(json_list("skills")).unwrap_or_default(),
        tags: serde_json::from_value(json_list("tags")).unwrap_or_default(),
        points: row.get("points"),
        valid_for_days: row.get("valid_for_days"),
        image_type: row.get("image_type"),
        design: row
            .get::<Option<String>, _>("design")
            .and_then(|d| serde_json::from_str(&d).ok()),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
        archived_at: row.get("archived_at"),
        result_kinds: serde_json::from_value(json_list("result_descriptions")).unwrap_or_default(),
    }
}

/// A kind of result an achievement's credentials carry: an OB 3.0 `ResultDescription`,
/// whose id is the achievement's with `#result-{key}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultKind {
    /// What identifies it within the achievement (a lab challenge's slug, say).
    pub key: String,
    /// Its name.
    pub name: String,
    /// The OB 3.0 result type (`Status`, `Result`, …).
    pub result_type: String,
    /// The values a result of this kind may take.
    #[serde(default)]
    pub allowed_values: Vec<String>,
}

/// The id of a kind of result of the achievement whose public id is `achievement_id`.
pub fn result_kind_id(achievement_id: &str, key: &str) -> String {
    format!("{achievement_id}#result-{key}")
}

/// Sets the kinds of result an achievement's credentials carry (lab tracks set one per
/// challenge). Credentials already issued keep what they said.
pub async fn set_result_kinds(
    db: &Db,
    org_id: &str,
    id: &str,
    kinds: &[ResultKind],
) -> anyhow::Result<()> {
    let _write = db.write_lock().await;
    sqlx::query(
        "UPDATE achievements SET result_descriptions = $1, updated_at = $2 \
         WHERE org_id = $3 AND id = $4",
    )
    .bind(serde_json::to_string(kinds)?)
    .bind(now_ms())
    .bind(org_id)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Finds an achievement of an organization.
pub async fn get(db: &Db, org_id: &str, id: &str) -> anyhow::Result<Option<Achievement>> {
    let sql = format!("SELECT {COLUMNS} FROM achievements WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Finds an achievement of an organization together with its issuer, in one query.
pub async fn get_with_issuer(
    db: &Db,
    org_id: &str,
    id: &str,
) -> anyhow::Result<Option<(Achievement, crate::issuer::Issuer)>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let achievement: Vec<String> = COLUMNS.split(", ").map(|c| format!("a.{c}")).collect();
        format!(
            "SELECT {}, {} FROM achievements a \
             JOIN issuers i ON i.id = a.issuer_id AND i.org_id = a.org_id \
             WHERE a.org_id = $1 AND a.id = $2",
            achievement.join(", "),
            crate::issuer::joined_columns("i")
        )
    });
    let row = sqlx::query(sqlx::AssertSqlSafe(SQL.as_str()))
        .bind(org_id)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row
        .as_ref()
        .map(|row| (from_row(row), crate::issuer::from_joined_row(row))))
}

/// Finds an achievement by id alone, for its public documents and image.
pub async fn get_public(db: &Db, id: &str) -> anyhow::Result<Option<Achievement>> {
    let sql = format!("SELECT {COLUMNS} FROM achievements WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Why an achievement could not be created or changed.
#[derive(Debug, thiserror::Error)]
pub enum AchievementError {
    /// The issuer does not exist in the organization (whether it exists elsewhere is not said).
    #[error("there is no issuer with this id in the organization")]
    UnknownIssuer,
    /// The issuer is archived.
    #[error("the issuer is archived and can no longer award achievements")]
    ArchivedIssuer,
    /// The achievement is archived.
    #[error("the achievement is archived: it can be read but no longer changed or awarded")]
    Archived,
    /// The database failed.
    #[error("the achievement could not be stored: {0}")]
    Storage(#[from] sqlx::Error),
    /// Something else failed below.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// An achievement's image: uploaded and checked, or drawn from a design.
#[derive(Debug, Clone)]
pub enum Artwork {
    /// A checked PNG or SVG file.
    Uploaded(image::Image),
    /// A design, drawn by [`designer::render`] when stored.
    Designed(Design),
}

impl Artwork {
    /// The image to store and the design to keep with it.
    fn into_parts(self) -> (image::Image, Option<Design>) {
        match self {
            Self::Uploaded(image) => (image, None),
            Self::Designed(design) => {
                let bytes = designer::render(&design).into_bytes();
                let image = image::Image {
                    kind: image::ImageKind::Svg,
                    bytes,
                };
                (image, Some(design))
            }
        }
    }
}

/// What a new achievement is made from (already validated).
#[derive(Debug, Clone)]
pub struct NewAchievement {
    /// The issuer that awards it; it must belong to the organization and not be archived.
    pub issuer_id: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The criteria, in Markdown.
    pub criteria: String,
    /// The OB 3.0 achievement type.
    pub achievement_type: String,
    /// Skills it aligns to.
    pub skills: Vec<Skill>,
    /// Keywords.
    pub tags: Vec<String>,
    /// Points a learner gets for it.
    pub points: i64,
    /// How long an award stays valid, in days.
    pub valid_for_days: Option<i64>,
    /// Its image, if it has one.
    pub artwork: Option<Artwork>,
}

/// Changes to an achievement (already validated; `None` leaves a field as it is).
#[derive(Debug, Clone, Default)]
pub struct AchievementChanges {
    /// Another issuer of the organization.
    pub issuer_id: Option<String>,
    /// A new name.
    pub name: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// New criteria.
    pub criteria: Option<String>,
    /// A new type.
    pub achievement_type: Option<String>,
    /// New skills (replacing the old).
    pub skills: Option<Vec<Skill>>,
    /// New tags (replacing the old).
    pub tags: Option<Vec<String>>,
    /// New points.
    pub points: Option<i64>,
    /// A new validity (`Some(None)`: forever).
    pub valid_for_days: Option<Option<i64>>,
    /// A new image (`Some(None)` removes the image and its design).
    pub artwork: Option<Option<Artwork>>,
}

/// Creates an achievement for an issuer of the organization.
pub async fn create(
    db: &Db,
    org_id: &str,
    new: NewAchievement,
) -> Result<Achievement, AchievementError> {
    check_issuer(db, org_id, &new.issuer_id).await?;
    let now = now_ms();
    let (image, design) = split_artwork(new.artwork);
    let achievement = Achievement {
        id: new_id(),
        org_id: org_id.to_owned(),
        issuer_id: new.issuer_id,
        name: new.name,
        description: new.description,
        criteria: new.criteria,
        achievement_type: new.achievement_type,
        skills: new.skills,
        tags: new.tags,
        points: new.points,
        valid_for_days: new.valid_for_days,
        image_type: image.as_ref().map(|i| i.kind.media_type().to_owned()),
        design,
        created_at: now,
        updated_at: now,
        archived_at: None,
        result_kinds: Vec::new(),
    };
    sqlx::query(
        "INSERT INTO achievements (id, org_id, issuer_id, name, description, criteria, \
         achievement_type, skills, tags, points, valid_for_days, image_type, image, design, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
    )
    .bind(&achievement.id)
    .bind(org_id)
    .bind(&achievement.issuer_id)
    .bind(&achievement.name)
    .bind(&achievement.description)
    .bind(&achievement.criteria)
    .bind(&achievement.achievement_type)
    .bind(json_text(&achievement.skills))
    .bind(json_text(&achievement.tags))
    .bind(achievement.points)
    .bind(achievement.valid_for_days)
    .bind(&achievement.image_type)
    .bind(image.map(|i| i.bytes))
    .bind(achievement.design.as_ref().map(json_text))
    .bind(now)
    .execute(&db.pool)
    .await?;
    tracing::info!(achievement.id = %achievement.id, org.id = %org_id, "achievement created");
    Ok(achievement)
}

/// Which achievements [`list`] returns.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this issuer's.
    pub issuer_id: Option<String>,
    /// Archived ones too.
    pub include_archived: bool,
    /// Only those whose name contains this text, ignoring ASCII case.
    pub name_contains: Option<String>,
    /// Continue after this position (from a previous page's `next_cursor`).
    pub cursor: Option<Cursor>,
    /// At most this many (1 to [`MAX_PAGE`]).
    pub limit: usize,
}

/// A position in the list: the `(created_at, id)` of the last achievement seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    created_at: i64,
    id: String,
}

impl Cursor {
    /// The opaque text form clients pass back.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}~{}", self.created_at, self.id))
    }

    /// Reads a cursor this server gave out.
    pub fn decode(text: &str) -> Result<Self, String> {
        let bad = || "the cursor is not one this server gave out".to_owned();
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let (created_at, id) = text.split_once('~').ok_or_else(bad)?;
        Ok(Self {
            created_at: created_at.parse().map_err(|_| bad())?,
            id: id.to_owned(),
        })
    }
}

/// One page of achievements.
#[derive(Debug, Clone)]
pub struct Page {
    /// The achievements, newest first.
    pub items: Vec<Achievement>,
    /// Where the next page starts, when there is one.
    pub next_cursor: Option<Cursor>,
}

/// A page of the organization's achievements, newest first.
pub async fn list(db: &Db, org_id: &str, filter: &ListFilter) -> anyhow::Result<Page> {
    let limit = filter.limit.clamp(1, MAX_PAGE);
    // Only fixed fragments are added; every value is a bound parameter.
    let mut sql = format!("SELECT {COLUMNS} FROM achievements WHERE org_id = $1");
    let mut next = 2;
    if filter.issuer_id.is_some() {
        sql.push_str(&format!(" AND issuer_id = ${next}"));
        next += 1;
    }
    if !filter.include_archived {
        sql.push_str(" AND archived_at IS NULL");
    }
    if filter.name_contains.is_some() {
        sql.push_str(&format!(" AND LOWER(name) LIKE ${next} ESCAPE '\\'"));
        next += 1;
    }
    if filter.cursor.is_some() {
        let (at, id) = (next, next + 1);
        sql.push_str(&format!(
            " AND (created_at < ${at} OR (created_at = ${at} AND id < ${id}))"
        ));
        next += 2;
    }
    sql.push_str(&format!(" ORDER BY created_at DESC, id DESC LIMIT ${next}"));

    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org_id);
    if let Some(issuer_id) = &filter.issuer_id {
        query = query.bind(issuer_id);
    }
    if let Some(text) = &filter.name_contains {
        query = query.bind(like_pattern(text));
    }
    if let Some(cursor) = &filter.cursor {
        query = query.bind(cursor.created_at).bind(&cursor.id);
    }
    // One more than asked says whether another page follows.
    let rows = query.bind(limit as i64 + 1).fetch_all(&db.pool).await?;
    let mut items: Vec<Achievement> = rows.iter().map(from_row).collect();
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|a| Cursor {
            created_at: a.created_at,
            id: a.id.clone(),
        })
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// A `LIKE` pattern matching names that contain `text` (lower-cased, with `%`, `_` and the
/// escape character itself taken literally).
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Changes an achievement; an archived one cannot be changed.
pub async fn update(
    db: &Db,
    achievement: &Achievement,
    changes: AchievementChanges,
) -> Result<Achievement, AchievementError> {
    if achievement.archived_at.is_some() {
        return Err(AchievementError::Archived);
    }
    if let Some(issuer_id) = &changes.issuer_id {
        check_issuer(db, &achievement.org_id, issuer_id).await?;
    }
    let mut updated = achievement.clone();
    apply(&mut updated, &changes);
    updated.updated_at = now_ms();

    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "UPDATE achievements SET issuer_id = $1, name = $2, description = $3, criteria = $4, \
         achievement_type = $5, skills = $6, tags = $7, points = $8, valid_for_days = $9, \
         updated_at = $10 WHERE org_id = $11 AND id = $12",
    )
    .bind(&updated.issuer_id)
    .bind(&updated.name)
    .bind(&updated.description)
    .bind(&updated.criteria)
    .bind(&updated.achievement_type)
    .bind(json_text(&updated.skills))
    .bind(json_text(&updated.tags))
    .bind(updated.points)
    .bind(updated.valid_for_days)
    .bind(updated.updated_at)
    .bind(&updated.org_id)
    .bind(&updated.id)
    .execute(&mut *tx)
    .await?;
    if let Some(artwork) = changes.artwork {
        write_artwork(&mut tx, &mut updated, artwork).await?;
    }
    tx.commit().await?;
    tracing::info!(achievement.id = %updated.id, org.id = %updated.org_id, "achievement updated");
    Ok(updated)
}

fn apply(updated: &mut Achievement, changes: &AchievementChanges) {
    let AchievementChanges {
        issuer_id,
        name,
        description,
        criteria,
        achievement_type,
        skills,
        tags,
        points,
        valid_for_days,
        artwork: _,
    } = changes.clone();
    if let Some(v) = issuer_id {
        updated.issuer_id = v;
    }
    if let Some(v) = name {
        updated.name = v;
    }
    if let Some(v) = description {
        updated.description = v;
    }
    if let Some(v) = criteria {
        updated.criteria = v;
    }
    if let Some(v) = achievement_type {
        updated.achievement_type = v;
    }
    if let Some(v) = skills {
        updated.skills = v;
    }
    if let Some(v) = tags {
        updated.tags = v;
    }
    if let Some(v) = points {
        updated.points = v;
    }
    if let Some(v) = valid_for_days {
        updated.valid_for_days = v;
    }
}

/// Replaces (or, with `None`, removes) an achievement's image and design.
pub async fn set_image(
    db: &Db,
    achievement: &Achievement,
    artwork: Option<Artwork>,
) -> Result<Achievement, AchievementError> {
    if achievement.archived_at.is_some() {
        return Err(AchievementError::Archived);
    }
    let mut updated = achievement.clone();
    updated.updated_at = now_ms();
    let mut tx = db.pool.begin().await?;
    write_artwork(&mut tx, &mut updated, artwork).await?;
    tx.commit().await?;
    Ok(updated)
}

async fn write_artwork(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    achievement: &mut Achievement,
    artwork: Option<Artwork>,
) -> Result<(), AchievementError> {
    let (image, design) = split_artwork(artwork);
    achievement.image_type = image.as_ref().map(|i| i.kind.media_type().to_owned());
    achievement.design = design;
    sqlx::query(
        "UPDATE achievements SET image_type = $1, image = $2, design = $3, updated_at = $4 \
         WHERE org_id = $5 AND id = $6",
    )
    .bind(&achievement.image_type)
    .bind(image.map(|i| i.bytes))
    .bind(achievement.design.as_ref().map(json_text))
    .bind(achievement.updated_at)
    .bind(&achievement.org_id)
    .bind(&achievement.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Archives an achievement: it stays readable (its credentials' links keep working) but can
/// no longer be awarded or changed. Archiving twice keeps the first time.
pub async fn archive(db: &Db, achievement: &Achievement) -> anyhow::Result<Achievement> {
    if achievement.archived_at.is_some() {
        return Ok(achievement.clone());
    }
    let now = now_ms();
    sqlx::query(
        "UPDATE achievements SET archived_at = $1, updated_at = $1 \
         WHERE org_id = $2 AND id = $3 AND archived_at IS NULL",
    )
    .bind(now)
    .bind(&achievement.org_id)
    .bind(&achievement.id)
    .execute(&db.pool)
    .await?;
    tracing::info!(achievement.id = %achievement.id, "achievement archived");
    get(db, &achievement.org_id, &achievement.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the achievement disappeared while it was archived"))
}

impl Achievement {
    /// Whether it can be awarded now: an archived achievement cannot.
    pub fn is_awardable(&self) -> bool {
        self.archived_at.is_none()
    }
}

/// An achievement's image by id alone (images are public): its media type and bytes.
pub async fn image(db: &Db, id: &str) -> anyhow::Result<Option<(String, Vec<u8>)>> {
    let row = sqlx::query(
        "SELECT image_type, image FROM achievements \
         WHERE id = $1 AND image IS NOT NULL AND image_type IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|row| (row.get("image_type"), row.get("image"))))
}

/// Refuses an issuer that is not the organization's or is archived.
async fn check_issuer(db: &Db, org_id: &str, issuer_id: &str) -> Result<(), AchievementError> {
    match crate::issuer::get(db, org_id, issuer_id).await? {
        None => Err(AchievementError::UnknownIssuer),
        Some(issuer) if issuer.archived_at.is_some() => Err(AchievementError::ArchivedIssuer),
        Some(_) => Ok(()),
    }
}

fn split_artwork(artwork: Option<Artwork>) -> (Option<image::Image>, Option<Design>) {
    match artwork.map(Artwork::into_parts) {
        Some((image, design)) => (Some(image), design),
        None => (None, None),
    }
}

/// JSON text for a TEXT column (values made here always serialize).
fn json_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Checks an achievement type: one of [`ACHIEVEMENT_TYPES`] or `ext:` and a name.
pub fn achievement_type(text: &str) -> Result<String, String> {
    let text = text.trim();
    if ACHIEVEMENT_TYPES.contains(&text) {
        return Ok(text.to_owned());
    }
    if let Some(name) = text.strip_prefix("ext:") {
        let ok = !name.is_empty()
            && text.len() <= MAX_EXT_TYPE_CHARS
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if ok {
            return Ok(text.to_owned());
        }
        return Err(format!(
            "an extension type is ext: and a name of letters, digits, '.', '-' or '_' \
             (at most {MAX_EXT_TYPE_CHARS} characters)"
        ));
    }
    Err(format!(
        "{text:?} is not an Open Badges 3.0 achievement type; use one of {} or ext:YourType",
        ACHIEVEMENT_TYPES.join(", ")
    ))
}

/// The public id of an achievement.
pub fn public_id(public_url: &str, id: &str) -> String {
    format!("{public_url}/achievements/{id}")
}

/// The achievement as an OB 3.0 Achievement, as credentials embed it.
pub fn to_ob3(public_url: &str, achievement: &Achievement) -> badges::model::Achievement {
    let id = public_id(public_url, &achievement.id);
    let mut ob3 = badges::model::Achievement::new(
        id.clone(),
        achievement.name.clone(),
        achievement.description.clone(),
        achievement.criteria.clone(),
    );
    ob3.achievement_type = Some(achievement.achievement_type.clone());
    ob3.tag = achievement.tags.clone();
    if achievement.image_type.is_some() {
        ob3.image = Some(badges::model::Image::new(format!("{id}/image"), None));
    }
    ob3.result_description = achievement
        .result_kinds
        .iter()
        .map(|kind| badges::model::ResultDescription {
            id: result_kind_id(&id, &kind.key),
            types: badges::model::OneOrMany::one("ResultDescription".to_owned()),
            name: kind.name.clone(),
            result_type: kind.result_type.clone(),
            allowed_value: kind.allowed_values.clone(),
            required_value: None,
            extra: Default::default(),
        })
        .collect();
    ob3.alignment = achievement
        .skills
        .iter()
        .enumerate()
        .map(|(n, skill)| {
            // OB 3.0 requires a target URL; a skill without one points into the achievement.
            let url = skill
                .url
                .clone()
                .unwrap_or_else(|| format!("{id}#skill-{}", n + 1));
            let mut alignment = badges::model::Alignment::new(skill.name.clone(), url);
            alignment.target_framework = skill.framework.clone();
            alignment.target_code = skill.code.clone();
            alignment
        })
        .collect();
    ob3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn achievement_types_are_the_ob3_ones_or_extensions() {
        assert_eq!(achievement_type(" Badge ").unwrap(), "Badge");
        assert_eq!(
            achievement_type("MicroCredential").unwrap(),
            "MicroCredential"
        );
        assert_eq!(
            achievement_type("ext:Hackathon-2").unwrap(),
            "ext:Hackathon-2"
        );
        for bad in ["badge", "Trophy", "ext:", "ext:has space", "ext:a/b", ""] {
            assert!(achievement_type(bad).is_err(), "{bad}");
        }
        let long = format!("ext:{}", "a".repeat(MAX_EXT_TYPE_CHARS));
        assert!(achievement_type(&long).is_err());
    }

    #[test]
    fn name_searches_take_wildcards_literally() {
        assert_eq!(like_pattern("Rust"), "%rust%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn cursors_round_trip_and_forgeries_are_refused() {
        let cursor = Cursor {
            created_at: 1_700_000_000_123,
            id: "0b6c".into(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        for bad in [
            "",
            "!!",
            "bm90LWEtY3Vyc29y",
            &URL_SAFE_NO_PAD.encode("x~id"),
        ] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }
}
