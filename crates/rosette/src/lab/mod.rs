//! Labs in the application: an organization's tracks, imported from folders and kept as
//! versions.
//!
//! Importing a track reads and checks its folder ([`labs::track::Track::load`]), resolves
//! the achievement it awards (an existing one by id, or one made from the track's inline
//! description and kept in step with it on later imports), and stores the track's files and
//! what was read from them as a new version, unless nothing changed since the last. Sessions
//! start on the latest version and stay on theirs. A track may also arrive as one archive,
//! over the API or from the web interface ([`archive`]), and is imported the same way.

mod api;
pub mod archive;
pub mod invite;
mod learner;
pub mod session;
mod terminal;

use std::collections::BTreeMap;

use base64::Engine;
use labs::track::{AchievementRef, InlineAchievement, Track};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::achievement::designer::{Colour, Design, Icon, MAX_TEXT_CHARS, Shape};
use crate::achievement::{self, AchievementChanges, Artwork, NewAchievement, Skill};
use crate::db::{Db, hex, new_id, now_ms};
use crate::issuer;

pub use api::{TrackApi, routes};
pub use learner::routes as learner_routes;

/// A track as listed: its latest version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackSummary {
    /// Its id.
    pub id: String,
    /// Its slug, unique in the organization.
    pub slug: String,
    /// The latest version's title.
    pub title: String,
    /// The latest version's description (Markdown).
    pub description: String,
    /// The author's version string of the latest version.
    pub version: String,
    /// The latest version's number: 1 for the first import, then one more for each change.
    pub number: i64,
    /// How many challenges the latest version has.
    pub challenges: usize,
    /// The achievement it awards.
    pub achievement_id: String,
    /// When the latest version was imported (Unix ms).
    pub updated_at: i64,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The track is new: version 1.
    Created,
    /// The track changed: a new version.
    NewVersion,
    /// The files are those of the latest version: nothing was stored.
    Unchanged,
}

/// The result of an import.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The track after the import.
    pub track: TrackSummary,
    /// What changed.
    pub change: Change,
    /// Whether the achievement was made by this import.
    pub achievement_created: bool,
}

/// Why a track was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The track or what it names is not acceptable; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// Something below failed.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        Self::Other(e.into())
    }
}

/// Imports `track` into the organization. `issuer_id` names the issuer of an inline
/// achievement made now; without it, the organization's only issuer is used.
pub async fn import(
    db: &Db,
    org_id: &str,
    track: &Track,
    issuer_id: Option<&str>,
) -> Result<Imported, ImportError> {
    let files = track
        .files()
        .map_err(|e| ImportError::Invalid(e.to_string()))?;
    let files: BTreeMap<String, String> = files
        .into_iter()
        .map(|f| {
            (
                f.path,
                base64::engine::general_purpose::STANDARD.encode(f.bytes),
            )
        })
        .collect();
    let files = serde_json::to_vec(&files).map_err(anyhow::Error::from)?;
    let digest = hex(&Sha256::digest(&files));

    let existing = find(db, org_id, &track.slug).await?;
    if let Some((summary, _, latest_digest)) = &existing
        && *latest_digest == digest
    {
        return Ok(Imported {
            track: summary.clone(),
            change: Change::Unchanged,
            achievement_created: false,
        });
    }
    let inline_before = existing.as_ref().map(|(_, inline, _)| *inline);
    let (achievement_id, inline, created) = match &track.achievement {
        AchievementRef::Existing(id) => {
            let found = achievement::get(db, org_id, id).await?;
            let found = found.ok_or_else(|| {
                ImportError::Invalid(format!(
                    "track.yaml: `achievement` names {id:?}, and the organization has no \
                     achievement with that id"
                ))
            })?;
            if found.archived_at.is_some() {
                return Err(ImportError::Invalid(format!(
                    "track.yaml: the achievement {id:?} is archived and can no longer be awarded"
                )));
            }
            (found.id, false, false)
        }
        AchievementRef::Inline(inline) => match (&existing, inline_before) {
            (Some((summary, _, _)), Some(true)) => {
                follow(db, org_id, &summary.achievement_id, inline).await?;
                (summary.achievement_id.clone(), true, false)
            }
            _ => {
                let issuer_id = choose_issuer(db, org_id, issuer_id).await?;
                let new = new_achievement(issuer_id, inline);
                let made = achievement::create(db, org_id, new)
                    .await
                    .map_err(|e| ImportError::Invalid(format!("the achievement: {e}")))?;
                (made.id, true, true)
            }
        },
    };

    achievement::set_result_kinds(db, org_id, &achievement_id, &result_kinds(track)).await?;
    let now = now_ms();
    let manifest = manifest(track);
    let _write = db.write_lock().await;
    let mut tx = db.pool.begin().await?;
    let (track_id, number) = match &existing {
        Some((summary, _, _)) => {
            let number = summary.number + 1;
            sqlx::query(
                "UPDATE tracks SET achievement_id = $1, achievement_inline = $2, \
                 latest_version = $3, updated_at = $4 WHERE org_id = $5 AND id = $6",
            )
            .bind(&achievement_id)
            .bind(i64::from(inline))
            .bind(number)
            .bind(now)
            .bind(org_id)
            .bind(&summary.id)
            .execute(&mut *tx)
            .await?;
            (summary.id.clone(), number)
        }
        None => {
            let id = new_id();
            sqlx::query(
                "INSERT INTO tracks (id, org_id, slug, achievement_id, achievement_inline, \
                 latest_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
            )
            .bind(&id)
            .bind(org_id)
            .bind(&track.slug)
            .bind(&achievement_id)
            .bind(i64::from(inline))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            (id, 1)
        }
    };
    sqlx::query(
        "INSERT INTO track_versions (id, org_id, track_id, number, version, title, description, \
         manifest, files, digest, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(new_id())
    .bind(org_id)
    .bind(&track_id)
    .bind(number)
    .bind(&track.version)
    .bind(&track.title)
    .bind(&track.description)
    .bind(manifest.to_string())
    .bind(files)
    .bind(&digest)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    drop(_write);
    tracing::info!(org.id = %org_id, track.slug = %track.slug, number, "track imported");

    let summary = TrackSummary {
        id: track_id,
        slug: track.slug.clone(),
        title: track.title.clone(),
        description: track.description.clone(),
        version: track.version.clone(),
        number,
        challenges: track.challenges.len(),
        achievement_id,
        updated_at: now,
    };
    Ok(Imported {
        track: summary,
        change: if number == 1 {
            Change::Created
        } else {
            Change::NewVersion
        },
        achievement_created: created,
    })
}

/// The organization's tracks, by slug.
pub async fn list(db: &Db, org_id: &str) -> anyhow::Result<Vec<TrackSummary>> {
    let sql = format!("{SUMMARY} WHERE t.org_id = $1 ORDER BY t.slug");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(|row| summary(row).0).collect())
}

/// One track of the organization, by slug.
pub async fn get(db: &Db, org_id: &str, slug: &str) -> anyhow::Result<Option<TrackSummary>> {
    Ok(find(db, org_id, slug).await?.map(|(summary, _, _)| summary))
}

const SUMMARY: &str = "SELECT t.id, t.slug, t.achievement_id, t.achievement_inline, \
     v.number, v.version, v.title, v.description, v.manifest, v.digest, v.created_at \
     FROM tracks t JOIN track_versions v ON v.track_id = t.id AND v.number = t.latest_version";

/// The track with whether its achievement follows it and its latest version's digest.
async fn find(
    db: &Db,
    org_id: &str,
    slug: &str,
) -> anyhow::Result<Option<(TrackSummary, bool, String)>> {
    let sql = format!("{SUMMARY} WHERE t.org_id = $1 AND t.slug = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id)
        .bind(slug)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(summary))
}

fn summary(row: &sqlx::any::AnyRow) -> (TrackSummary, bool, String) {
    let manifest: Value =
        serde_json::from_str(&row.get::<String, _>("manifest")).unwrap_or_default();
    let challenges = manifest["challenges"].as_array().map_or(0, Vec::len);
    let summary = TrackSummary {
        id: row.get("id"),
        slug: row.get("slug"),
        title: row.get("title"),
        description: row.get("description"),
        version: row.get("version"),
        number: row.get("number"),
        challenges,
        achievement_id: row.get("achievement_id"),
        updated_at: row.get("created_at"),
    };
    let inline = row.get::<i64, _>("achievement_inline") != 0;
    (summary, inline, row.get("digest"))
}

/// What sessions need of a version, read once at import.
fn manifest(track: &Track) -> Value {
    let seconds = |d: Option<std::time::Duration>| d.map(|d| d.as_secs());
    let challenges: Vec<Value> = track
        .challenges
        .iter()
        .map(|c| {
            json!({
                "number": c.number,
                "slug": c.slug,
                "dir": c.dir.to_string_lossy(),
                "title": c.title,
                "teaser": c.teaser,
                "time_limit_seconds": seconds(c.time_limit),
                "hints": c.hints,
                "assignment": c.assignment,
                "scripts": {
                    "setup": c.scripts.setup.as_ref().map(|p| p.to_string_lossy()),
                    "check": c.scripts.check.to_string_lossy(),
                    "solve": c.scripts.solve.to_string_lossy(),
                    "cleanup": c.scripts.cleanup.as_ref().map(|p| p.to_string_lossy()),
                },
            })
        })
        .collect();
    json!({
        "time_limit_seconds": seconds(track.time_limit),
        "idle_timeout_seconds": track.idle_timeout.as_secs(),
        "skipping_allowed": track.skipping_allowed,
        "limits": track.limits,
        "network": track.network,
        "setup": track.setup.as_ref().map(|p| p.to_string_lossy()),
        "cleanup": track.cleanup.as_ref().map(|p| p.to_string_lossy()),
        "challenges": challenges,
    })
}

/// The key of the result that says a track was completed; the challenges' results have
/// their slugs as keys.
pub const TRACK_RESULT: &str = "track";

/// The kinds of result a track's achievement carries: the track completed, and each
/// challenge passed or skipped.
pub fn result_kinds(track: &Track) -> Vec<achievement::ResultKind> {
    let whole = achievement::ResultKind {
        key: TRACK_RESULT.into(),
        name: track.title.clone(),
        result_type: "Status".into(),
        allowed_values: Vec::new(),
    };
    let challenges = track.challenges.iter().map(|c| achievement::ResultKind {
        key: c.slug.clone(),
        name: c.title.clone(),
        result_type: "Result".into(),
        allowed_values: vec!["passed".into(), "skipped".into()],
    });
    std::iter::once(whole).chain(challenges).collect()
}

/// The issuer for a new inline achievement.
async fn choose_issuer(db: &Db, org_id: &str, named: Option<&str>) -> Result<String, ImportError> {
    if let Some(id) = named {
        return Ok(id.to_owned());
    }
    let issuers = issuer::list(db, org_id, false).await?;
    match issuers.as_slice() {
        [only] => Ok(only.id.clone()),
        [] => Err(ImportError::Invalid(
            "the organization has no issuer to award the track's achievement; create one first"
                .into(),
        )),
        several => Err(ImportError::Invalid(format!(
            "the organization has {} issuers; name the one that awards the track's achievement \
             (--issuer ID on the command line, ?issuer=ID in an upload)",
            several.len()
        ))),
    }
}

fn skills(inline: &InlineAchievement) -> Vec<Skill> {
    inline
        .skills
        .iter()
        .map(|s| Skill {
            name: s.name.clone(),
            url: s.url.clone(),
            framework: s.framework.clone(),
            code: s.code.clone(),
        })
        .collect()
}

/// The badge a track's inline achievement starts with, drawn by the designer: a terminal on
/// a hexagon, its colour picked from the name, the name on the ribbon. Authors may redesign
/// it; later imports leave the image alone.
fn lab_design(name: &str) -> Design {
    const COLOURS: [(&str, &str); 6] = [
        ("#2563eb", "#1e3a8a"),
        ("#0d9488", "#134e4a"),
        ("#7c3aed", "#4c1d95"),
        ("#db2777", "#831843"),
        ("#ea580c", "#7c2d12"),
        ("#16a34a", "#14532d"),
    ];
    let pick = name.bytes().map(usize::from).sum::<usize>() % COLOURS.len();
    let (primary, secondary) = COLOURS[pick];
    let mut text = String::new();
    for word in name.split_whitespace() {
        let longer = if text.is_empty() {
            word.to_owned()
        } else {
            format!("{text} {word}")
        };
        if longer.chars().count() > MAX_TEXT_CHARS {
            break;
        }
        text = longer;
    }
    if text.is_empty() {
        text = name.chars().take(MAX_TEXT_CHARS).collect();
    }
    Design {
        shape: Shape::Hexagon,
        primary: Colour::parse(primary).unwrap_or_else(|_| unreachable!("a valid colour")),
        secondary: Colour::parse(secondary).unwrap_or_else(|_| unreachable!("a valid colour")),
        icon: Icon::Terminal,
        text,
        subtitle: Some("Hands-on lab".into()),
    }
}

fn new_achievement(issuer_id: String, inline: &InlineAchievement) -> NewAchievement {
    NewAchievement {
        issuer_id,
        name: inline.name.clone(),
        description: inline.description.clone(),
        criteria: inline.criteria.clone(),
        achievement_type: "Badge".into(),
        skills: skills(inline),
        tags: inline.tags.clone(),
        points: i64::from(inline.points),
        valid_for_days: inline.valid_for_days.map(i64::from),
        artwork: Some(Artwork::Designed(lab_design(&inline.name))),
    }
}

/// Brings an achievement made from a track's description up to date with it.
async fn follow(
    db: &Db,
    org_id: &str,
    achievement_id: &str,
    inline: &InlineAchievement,
) -> Result<(), ImportError> {
    let current = achievement::get(db, org_id, achievement_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a track's achievement vanished"))?;
    let changes = AchievementChanges {
        name: Some(inline.name.clone()),
        description: Some(inline.description.clone()),
        criteria: Some(inline.criteria.clone()),
        skills: Some(skills(inline)),
        tags: Some(inline.tags.clone()),
        points: Some(i64::from(inline.points)),
        valid_for_days: Some(inline.valid_for_days.map(i64::from)),
        ..AchievementChanges::default()
    };
    achievement::update(db, &current, changes)
        .await
        .map_err(|e| ImportError::Invalid(format!("the track's achievement: {e}")))?;
    Ok(())
}

#[cfg(test)]
mod design_tests {
    use super::lab_design;

    #[test]
    fn a_track_badge_carries_as_much_of_the_name_as_fits_in_whole_words() {
        let design = lab_design("Linux essentials: files, permissions and processes");
        assert_eq!(design.text, "Linux essentials: files,");
        assert_eq!(lab_design("Git").text, "Git");
        let long = lab_design("Supercalifragilisticexpialidocious-badge");
        assert_eq!(long.text.chars().count(), super::MAX_TEXT_CHARS);
        assert_eq!(lab_design("Git").primary, lab_design("Git").primary);
    }
}
