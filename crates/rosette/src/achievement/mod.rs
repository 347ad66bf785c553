//! Achievements: what an organization's learners can earn, as OB 3.0 Achievements.
//!
//! An achievement belongs to one issuer. Once awarded it is archived rather than deleted, so
//! every credential's achievement id keeps resolving.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::Db;

/// A skill an achievement aligns to (an OB 3.0 Alignment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// When it was made (Unix ms).
    pub created_at: i64,
    /// When it was archived (Unix ms), if it was.
    pub archived_at: Option<i64>,
}

/// The columns [`from_row`] reads.
pub const COLUMNS: &str = "id, org_id, issuer_id, name, description, criteria, achievement_type, \
     skills, tags, points, valid_for_days, image_type, created_at, archived_at";

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
        created_at: row.get("created_at"),
        archived_at: row.get("archived_at"),
    }
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
