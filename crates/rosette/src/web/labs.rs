//! The lab pages: the organization's tracks with the form that uploads one, and a track's
//! page with its settings, versions, challenges and recent sessions, and the forms that start
//! a session (for the author, to try it, or for a learner, whose link is shown once).
//!
//! Everyone in the organization reads; authors and above upload and start sessions, as in
//! the API. An upload goes through the same import as `POST /api/v1/tracks`
//! ([`archive::import`]); a rejected track comes back to the list with every problem shown.
//! The learner's page for a running session is not here: starting one leads to its link.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use labs::sandbox::Network;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::PageError;
use super::form::{Fields, Upload, capitalized};
use super::session::{NoFields, Protected, SignedIn};
use super::templates::render;
use crate::auth::Role;
use crate::http::{ApiError, AppState};
use crate::lab::archive::{self, MAX_ARCHIVE_BYTES, UploadError};
use crate::lab::session::{self, Manifest};
use crate::lab::{self, Change, TrackSummary};
use crate::validate::{self, Email};
use crate::{achievement, issuer};

/// The largest upload form: twice the largest archive, so that an archive somewhat too large
/// is read up to its limit and refused with a sentence rather than cut off.
pub const MAX_UPLOAD_BYTES: usize = 2 * MAX_ARCHIVE_BYTES;
/// How many of a track's sessions its page lists, newest first.
pub const RECENT_SESSIONS: i64 = 20;
/// The name of the upload form's file field.
const ARCHIVE_FIELD: &str = "archive";

/// `?notice=` after an upload.
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// A track in the list.
#[derive(Debug, Serialize)]
struct TrackRow {
    slug: String,
    title: String,
    version: String,
    number: i64,
    challenges: usize,
    achievement_id: String,
    /// `None` when the achievement cannot be read (it always exists: tracks reference it).
    achievement: Option<String>,
    updated_at: i64,
}

/// An issuer the upload form offers.
#[derive(Debug, Serialize)]
struct IssuerOption {
    id: String,
    name: String,
}

/// The settings of a version, as sentences.
#[derive(Debug, Serialize)]
struct Settings {
    time_limit: String,
    idle_timeout: String,
    skipping: &'static str,
    network: &'static str,
    memory: String,
}

/// One version of a track.
#[derive(Debug, Serialize)]
struct VersionRow {
    number: i64,
    version: String,
    title: String,
    created_at: i64,
}

/// One session of a track.
#[derive(Debug, Serialize)]
struct SessionRow {
    email: String,
    name: Option<String>,
    status: String,
    version: i64,
    /// "2 of 4: Fix file permissions", while active.
    current: Option<String>,
    award_id: Option<String>,
    end_reason: Option<String>,
    started_at: i64,
}

/// A session just started for a learner, whose link the page shows once.
#[derive(Debug, Serialize)]
struct Started {
    email: String,
    learner_url: Option<String>,
    /// Whether the link was also emailed to the learner.
    emailed: bool,
}

/// `GET /manage/labs`: the tracks, and the upload form for authors.
pub async fn list_labs(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    let page = labs_page(&state, &signed_in, &[], None).await?;
    Ok(page.into_response())
}

/// `POST /manage/labs`: imports the uploaded archive and goes to the track's page, or shows
/// the list again with every problem of the archive or the track.
pub async fn upload_track(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, PageError> {
    let upload = Upload::read(request, &state, ARCHIVE_FIELD, MAX_ARCHIVE_BYTES).await?;
    let signed_in = &upload.signed_in;
    signed_in.require(Role::Author, "upload tracks")?;
    let issuer_id = Some(upload.fields.get("issuer_id").trim()).filter(|id| !id.is_empty());

    let problems = match upload.file {
        None => vec!["Choose the track's archive (.tar.gz, .tgz or .tar) to upload.".to_owned()],
        Some(file) if file.too_large => vec![format!(
            "The archive is larger than {} MiB, the most an upload may be.",
            MAX_ARCHIVE_BYTES / (1024 * 1024)
        )],
        Some(file) => {
            let data_dir = &state.settings().data_dir;
            let org_id = &signed_in.org_id;
            let bytes = file.bytes.into();
            match archive::import(state.db(), data_dir, org_id, bytes, issuer_id).await {
                Ok(imported) => return Ok(imported_redirect(&imported)),
                Err(UploadError::Other(e)) => return Err(e.into()),
                // A track's problems start with the file they are in, as they are written.
                Err(invalid @ UploadError::Invalid(_)) => invalid.problems(),
                Err(refused) => vec![capitalized(&refused.to_string())],
            }
        }
    };
    let page = labs_page(&state, signed_in, &problems, issuer_id).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `GET /manage/labs/{slug}`: the track's page.
pub async fn show_track(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<NoticeQuery>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    let notice = query.notice.as_deref().and_then(notice);
    let shown = TrackPage {
        notice,
        ..TrackPage::default()
    };
    Ok(track_page(&state, &signed_in, &slug, shown)
        .await?
        .into_response())
}

/// `POST /manage/labs/{slug}/try`: starts a session for the signed-in person and opens it.
pub async fn try_track(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Protected { signed_in, .. }: Protected<NoFields>,
) -> Result<Response, PageError> {
    signed_in.require(Role::Author, "start lab sessions")?;
    let email = Email::parse(&signed_in.email).map_err(PageError::bad_request)?;
    let caller = signed_in.caller();
    let name = Some(signed_in.name.clone());
    let view = session::start(&state, &caller, &slug, &email, name, false)
        .await
        .map_err(service_error)?;
    let to = view
        .learner_url
        .unwrap_or_else(|| format!("/manage/labs/{slug}"));
    Ok(Redirect::to(&to).into_response())
}

/// `POST /manage/labs/{slug}/start`: starts a session for a learner and shows the link to
/// send them, once.
pub async fn start_for_learner(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Protected { signed_in, form }: Protected<Fields>,
) -> Result<Response, PageError> {
    signed_in.require(Role::Author, "start lab sessions")?;
    let email_text = form.get("email").trim().to_owned();
    let email_link = form.get("email_link") == "yes";
    let name_text = form.get("name").trim().to_owned();
    let mut problems = Vec::new();
    let email = Email::parse(&email_text)
        .map_err(|e| problems.push(format!("Email: {}", capitalized(&e))))
        .ok();
    let name = match name_text.as_str() {
        "" => None,
        text => validate::name(text, "The name", 200)
            .map_err(|e| problems.push(e))
            .ok(),
    };
    let form_values = LearnerForm {
        email: email_text,
        name: name_text,
        keep_link: !email_link,
    };
    let Some(email) = email.filter(|_| problems.is_empty()) else {
        let shown = TrackPage {
            problems,
            form: form_values,
            ..TrackPage::default()
        };
        let page = track_page(&state, &signed_in, &slug, shown).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };

    let view = session::start(&state, &signed_in.caller(), &slug, &email, name, email_link)
        .await
        .map_err(service_error)?;
    let started = Started {
        email: email.as_str().to_owned(),
        learner_url: view.learner_url,
        emailed: email_link,
    };
    let shown = TrackPage {
        started: Some(started),
        ..TrackPage::default()
    };
    Ok(track_page(&state, &signed_in, &slug, shown)
        .await?
        .into_response())
}

/// The learner form, as posted and as shown again.
#[derive(Debug, Default, Serialize)]
struct LearnerForm {
    email: String,
    name: String,
    /// The "email the link" box was left unticked (it starts ticked).
    keep_link: bool,
}

/// What a track's page shows beyond the track: a notice, the learner form's problems and
/// values, or the session just started.
#[derive(Debug, Default)]
struct TrackPage {
    notice: Option<&'static str>,
    problems: Vec<String>,
    form: LearnerForm,
    started: Option<Started>,
}

async fn labs_page(
    state: &AppState,
    signed_in: &SignedIn,
    problems: &[String],
    chosen_issuer: Option<&str>,
) -> Result<Html<String>, PageError> {
    let org_id = &signed_in.org_id;
    let tracks = lab::list(state.db(), org_id).await?;
    let names = achievement_names(state, org_id).await?;
    let rows: Vec<TrackRow> = tracks.into_iter().map(|t| track_row(t, &names)).collect();
    let issuers: Vec<IssuerOption> = issuer::list(state.db(), org_id, false)
        .await?
        .into_iter()
        .map(|i| IssuerOption {
            id: i.id,
            name: i.name,
        })
        .collect();
    let context = context! {
        tracks => Value::from(Serde(&rows)),
        issuers => Value::from(Serde(&issuers)),
        chosen_issuer => chosen_issuer.unwrap_or_default(),
        problems => Value::from(Serde(problems)),
        max_mib => MAX_ARCHIVE_BYTES / (1024 * 1024),
        can_upload => signed_in.role >= Role::Author,
    };
    render("labs.html", signed_in.page("labs", context))
}

fn track_row(track: TrackSummary, names: &HashMap<String, String>) -> TrackRow {
    TrackRow {
        achievement: names.get(&track.achievement_id).cloned(),
        slug: track.slug,
        title: track.title,
        version: track.version,
        number: track.number,
        challenges: track.challenges,
        achievement_id: track.achievement_id,
        updated_at: track.updated_at,
    }
}

/// The names of the achievements the organization's tracks award, by id.
async fn achievement_names(
    state: &AppState,
    org_id: &str,
) -> Result<HashMap<String, String>, PageError> {
    let rows = sqlx::query(
        "SELECT a.id, a.name FROM achievements a JOIN tracks t ON t.achievement_id = a.id \
         WHERE t.org_id = $1 AND a.org_id = $1",
    )
    .bind(org_id)
    .fetch_all(&state.db().pool)
    .await?;
    Ok(rows.iter().map(|r| (r.get("id"), r.get("name"))).collect())
}

async fn track_page(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    shown: TrackPage,
) -> Result<Html<String>, PageError> {
    let org_id = &signed_in.org_id;
    let track = lab::get(state.db(), org_id, slug)
        .await?
        .ok_or_else(|| PageError::not_found("track"))?;
    let manifest = manifest(state, org_id, &track.id, track.number).await?;
    let achievement = achievement::get(state.db(), org_id, &track.achievement_id).await?;
    let versions = versions(state, org_id, &track.id).await?;
    let sessions = sessions(state, org_id, &track, &manifest).await?;
    let description = crate::public::to_safe_html(&track.description);

    let context = context! {
        track => context! {
            slug => &track.slug,
            title => &track.title,
            version => &track.version,
            number => track.number,
            updated_at => track.updated_at,
        },
        description => Value::from_safe_string(description),
        achievement => achievement.map(|a| context! { id => a.id, name => a.name }),
        settings => Value::from(Serde(settings(&manifest))),
        challenges => Value::from(Serde(&manifest.challenges)),
        versions => Value::from(Serde(&versions)),
        sessions => Value::from(Serde(&sessions)),
        recent_sessions => RECENT_SESSIONS,
        notice => shown.notice,
        problems => shown.problems,
        form => Value::from(Serde(&shown.form)),
        started => shown.started.as_ref().map(|s| Value::from(Serde(s))),
        can_start => signed_in.role >= Role::Author,
    };
    render("labs_track.html", signed_in.page("labs", context))
}

/// The manifest of version `number` of the track.
async fn manifest(
    state: &AppState,
    org_id: &str,
    track_id: &str,
    number: i64,
) -> Result<Manifest, PageError> {
    let row = sqlx::query(
        "SELECT manifest FROM track_versions WHERE org_id = $1 AND track_id = $2 AND number = $3",
    )
    .bind(org_id)
    .bind(track_id)
    .bind(number)
    .fetch_optional(&state.db().pool)
    .await?
    .ok_or_else(|| PageError::internal("a track's version vanished"))?;
    serde_json::from_str(&row.get::<String, _>("manifest"))
        .map_err(|e| PageError::internal(format!("a track's manifest does not read: {e}")))
}

async fn versions(
    state: &AppState,
    org_id: &str,
    track_id: &str,
) -> Result<Vec<VersionRow>, PageError> {
    let rows = sqlx::query(
        "SELECT number, version, title, created_at FROM track_versions \
         WHERE org_id = $1 AND track_id = $2 ORDER BY number DESC",
    )
    .bind(org_id)
    .bind(track_id)
    .fetch_all(&state.db().pool)
    .await?;
    Ok(rows
        .iter()
        .map(|row| VersionRow {
            number: row.get("number"),
            version: row.get("version"),
            title: row.get("title"),
            created_at: row.get("created_at"),
        })
        .collect())
}

/// The track's most recent sessions, each with the challenge it is on in its own version.
async fn sessions(
    state: &AppState,
    org_id: &str,
    track: &TrackSummary,
    latest: &Manifest,
) -> Result<Vec<SessionRow>, PageError> {
    let rows = sqlx::query(
        "SELECT s.learner_email, s.learner_name, s.status, s.current_challenge, s.award_id, \
         s.end_reason, s.started_at, v.number FROM lab_sessions s \
         JOIN track_versions v ON v.id = s.version_id AND v.org_id = s.org_id \
         WHERE s.org_id = $1 AND s.track_id = $2 \
         ORDER BY s.started_at DESC, s.id LIMIT $3",
    )
    .bind(org_id)
    .bind(&track.id)
    .bind(RECENT_SESSIONS)
    .fetch_all(&state.db().pool)
    .await?;
    let mut titles: HashMap<i64, Vec<String>> = HashMap::new();
    titles.insert(track.number, challenge_titles(latest));
    let mut sessions = Vec::with_capacity(rows.len());
    for row in &rows {
        let version: i64 = row.get("number");
        if let Entry::Vacant(slot) = titles.entry(version) {
            let older = manifest(state, org_id, &track.id, version).await?;
            slot.insert(challenge_titles(&older));
        }
        let status: String = row.get("status");
        let index = usize::try_from(row.get::<i64, _>("current_challenge")).unwrap_or(0);
        let of_version = &titles[&version];
        let current = (status == "active").then(|| {
            let title = of_version.get(index).map_or("", String::as_str);
            format!("{} of {}: {title}", index + 1, of_version.len())
        });
        sessions.push(SessionRow {
            email: row.get("learner_email"),
            name: row.get("learner_name"),
            status,
            version,
            current,
            award_id: row.get("award_id"),
            end_reason: row.get("end_reason"),
            started_at: row.get("started_at"),
        });
    }
    Ok(sessions)
}

fn challenge_titles(manifest: &Manifest) -> Vec<String> {
    manifest
        .challenges
        .iter()
        .map(|c| c.title.clone())
        .collect()
}

fn settings(manifest: &Manifest) -> Settings {
    let network = match manifest.network {
        Network::Loopback => "its own loopback only, for servers the learner starts",
        Network::None => "none",
    };
    Settings {
        time_limit: manifest
            .time_limit_seconds
            .map_or_else(|| "none".to_owned(), duration),
        idle_timeout: duration(manifest.idle_timeout_seconds),
        skipping: if manifest.skipping_allowed {
            "allowed"
        } else {
            "not allowed"
        },
        network,
        memory: memory(manifest.limits.memory_mib),
    }
}

/// Seconds as `track.yaml` writes durations: `1h30m`, `20m`, `90s` as `1m30s`.
fn duration(seconds: u64) -> String {
    labs::track::format_duration(std::time::Duration::from_secs(seconds))
}

fn memory(mib: u64) -> String {
    if mib >= 1024 && mib.is_multiple_of(1024) {
        format!("{} GiB", mib / 1024)
    } else {
        format!("{mib} MiB")
    }
}

/// Where an upload goes: the track's page, saying what the import did.
fn imported_redirect(imported: &lab::Imported) -> Response {
    let notice = match imported.change {
        Change::Created => "created",
        Change::NewVersion => "version",
        Change::Unchanged => "unchanged",
    };
    let slug = &imported.track.slug;
    Redirect::to(&format!("/manage/labs/{slug}?notice={notice}")).into_response()
}

fn notice(key: &str) -> Option<&'static str> {
    match key {
        "created" => Some("The track was imported as version 1."),
        "version" => Some(
            "A new version was imported. Sessions started from now on use it; sessions \
             already running stay on theirs.",
        ),
        "unchanged" => Some(
            "Nothing changed: the archive holds the files of the latest version, so nothing \
             was stored.",
        ),
        _ => None,
    }
}

/// The session service's errors as pages. Its details are written for people, and a server
/// that cannot run labs says what it lacks; a fault on our side was logged where it arose.
fn service_error(error: ApiError) -> PageError {
    let status = error.status();
    let title = match status {
        StatusCode::SERVICE_UNAVAILABLE => "Labs are not available here",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        s if s.is_client_error() => "This cannot be done",
        _ => return PageError::internal("the lab session service failed (logged above)"),
    };
    PageError::Page {
        status,
        title,
        detail: capitalized(error.detail()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_read_as_track_yaml_writes_them() {
        assert_eq!(duration(5400), "1h30m");
        assert_eq!(duration(1200), "20m");
        assert_eq!(duration(90), "1m30s");
        assert_eq!(duration(0), "0s");
        assert_eq!(memory(512), "512 MiB");
        assert_eq!(memory(2048), "2 GiB");
        assert_eq!(memory(1536), "1536 MiB");
    }

    #[test]
    fn a_server_without_labs_says_what_it_lacks_on_the_page() {
        let error = ApiError::unavailable("labs are not available on this server: no bwrap");
        match service_error(error) {
            PageError::Page {
                status,
                title,
                detail,
            } => {
                assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
                assert_eq!(title, "Labs are not available here");
                assert_eq!(detail, "Labs are not available on this server: no bwrap");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn notices_are_known_keys_only() {
        assert!(notice("created").is_some() && notice("version").is_some());
        assert!(notice("<script>").is_none());
    }
}
