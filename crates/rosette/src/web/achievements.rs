//! The achievement pages: the list with its search, the form that creates an achievement,
//! the page that edits one (with the form that awards it), and archiving. Everyone in the
//! organization reads; authors and above change.
//!
//! The forms are multipart, because they may carry an image file, and hold the same checks
//! as the API: an uploaded image goes through [`achievement::image`], a design through
//! [`Design::parse`], and the issuer must be the organization's own and not archived. The
//! checks of the form itself (one sentence per invalid field) are in [`AchievementForm`].

use std::collections::HashMap;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::PageError;
use super::achievement_form::{AchievementForm, ArtworkChange};
use super::awards;
use super::form::{Fields, Upload};
use super::session::{Protected, SignedIn};
use super::templates::render;
use crate::achievement::designer::{self, Icon, Shape};
use crate::achievement::image::{self, MAX_IMAGE_BYTES};
use crate::achievement::{
    self, Achievement, AchievementChanges, AchievementError, Cursor, ListFilter, NewAchievement,
};
use crate::auth::Role;
use crate::http::AppState;
use crate::issuer::{self, Issuer};

/// How many achievements one page of the list shows.
pub const LIST_PAGE: usize = 50;
/// The largest achievement form, file included: twice the largest image, so that a file
/// somewhat too large is read and refused with a sentence rather than cut off.
pub const MAX_UPLOAD_BYTES: usize = 2 * MAX_IMAGE_BYTES;
/// The name of the form's file field.
const IMAGE_FIELD: &str = "image";

/// `GET /manage/achievements` parameters.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Text the name contains.
    #[serde(default)]
    q: String,
    /// Present (any value): archived achievements too.
    archived: Option<String>,
    /// Where the page starts (from the previous page's "Next" link).
    cursor: Option<String>,
}

/// `?notice=` after a change.
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// An achievement in the list.
#[derive(Debug, Serialize)]
struct AchievementRow {
    id: String,
    name: String,
    issuer: String,
    points: i64,
    awards: i64,
    created_at: i64,
    archived: bool,
    /// When it has an image: its last change, which makes browsers fetch a changed one.
    image_version: Option<i64>,
}

/// An issuer the form offers.
#[derive(Debug, Serialize)]
struct IssuerOption {
    id: String,
    name: String,
    archived: bool,
}

/// Which page a form is on.
#[derive(Clone, Copy)]
enum Target<'a> {
    /// The new achievement page.
    New,
    /// The page of an existing achievement.
    Edit(&'a Achievement),
}

/// `GET /manage/achievements`: a page of the list, searched by name.
pub async fn list_achievements(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    let cursor = query.cursor.as_deref().filter(|c| !c.is_empty());
    let cursor = cursor
        .map(Cursor::decode)
        .transpose()
        .map_err(|_| PageError::bad_request("The page link is not one this site gave out."))?;
    let search = query.q.trim();
    let filter = ListFilter {
        include_archived: query.archived.is_some(),
        name_contains: Some(search.to_owned()).filter(|s| !s.is_empty()),
        cursor,
        limit: LIST_PAGE,
        ..ListFilter::default()
    };
    let page = achievement::list(state.db(), &signed_in.org_id, &filter).await?;
    let rows = list_rows(&state, &signed_in.org_id, page.items).await?;
    let next_query = page
        .next_cursor
        .map(|c| list_query(search, filter.include_archived, &c.encode()));
    let context = context! {
        achievements => Value::from(Serde(&rows)),
        q => search,
        archived => filter.include_archived,
        next_query => next_query,
        can_edit => signed_in.role >= Role::Author,
    };
    let page = render(
        "achievement_list.html",
        signed_in.page("achievements", context),
    )?;
    Ok(page.into_response())
}

/// `GET /manage/achievements/new`: the empty form.
pub async fn new_achievement(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    signed_in.require(Role::Author, "create achievements")?;
    let issuers = issuer_options(&state, &signed_in, None).await?;
    let form = AchievementForm::blank(issuers.first().map(|i| i.id.clone()));
    let page = form_page(&state, &signed_in, Target::New, &form, &issuers, &[], None).await?;
    Ok(page.into_response())
}

/// `POST /manage/achievements`: creates the achievement, or shows the form again with its
/// problems (or with the design's preview, for the "Preview" button).
pub async fn create_achievement(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, PageError> {
    let upload = Upload::read(request, &state, IMAGE_FIELD, MAX_IMAGE_BYTES).await?;
    let signed_in = &upload.signed_in;
    signed_in.require(Role::Author, "create achievements")?;
    let form = AchievementForm::read(&upload.fields);
    let issuers = issuer_options(&state, signed_in, None).await?;
    let show = async |errors: &[String]| {
        let page = form_page(
            &state,
            signed_in,
            Target::New,
            &form,
            &issuers,
            errors,
            None,
        );
        Ok::<_, PageError>(with_status(errors, page.await?))
    };
    if is_preview(&upload.fields) {
        return show(&form.design_problems()).await;
    }
    let (mut new, artwork) = match form.check(upload.file, false).await {
        Ok(checked) => checked,
        Err(errors) => return show(&errors).await,
    };
    if let ArtworkChange::Set(artwork) = artwork {
        new.artwork = artwork;
    }
    match achievement::create(state.db(), &signed_in.org_id, new).await {
        Ok(created) => Ok(redirect_to(&created.id, "created")),
        Err(e) => show(&refusal(e)?).await,
    }
}

/// `GET /manage/achievements/{id}`: the achievement's page, with its form (read-only for
/// analysts and once archived) and the form that awards it.
pub async fn edit_achievement(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    let achievement = find(&state, &signed_in, &id).await?;
    let issuers = issuer_options(&state, &signed_in, Some(&achievement)).await?;
    let form = AchievementForm::of(&achievement);
    let notice = query.notice.as_deref().and_then(notice);
    let target = Target::Edit(&achievement);
    let page = form_page(&state, &signed_in, target, &form, &issuers, &[], notice).await?;
    Ok(page.into_response())
}

/// `POST /manage/achievements/{id}`: saves the changes. Credentials already issued keep the
/// achievement as they signed it.
pub async fn update_achievement(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, PageError> {
    let upload = Upload::read(request, &state, IMAGE_FIELD, MAX_IMAGE_BYTES).await?;
    let signed_in = &upload.signed_in;
    signed_in.require(Role::Author, "edit achievements")?;
    let achievement = find(&state, signed_in, &id).await?;
    if !achievement.is_awardable() {
        return Err(archived());
    }
    let form = AchievementForm::read(&upload.fields);
    let issuers = issuer_options(&state, signed_in, Some(&achievement)).await?;
    let target = Target::Edit(&achievement);
    let show = async |errors: &[String]| {
        let page = form_page(&state, signed_in, target, &form, &issuers, errors, None);
        Ok::<_, PageError>(with_status(errors, page.await?))
    };
    if is_preview(&upload.fields) {
        return show(&form.design_problems()).await;
    }
    let (new, artwork) = match form.check(upload.file, true).await {
        Ok(checked) => checked,
        Err(errors) => return show(&errors).await,
    };
    let changes = changes_of(new, artwork, &achievement);
    match achievement::update(state.db(), &achievement, changes).await {
        Ok(updated) => Ok(redirect_to(&updated.id, "saved")),
        Err(e) => show(&refusal(e)?).await,
    }
}

/// `POST /manage/achievements/{id}/archive`, with the box `confirm` ticked.
pub async fn archive_achievement(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Protected { signed_in, form }: Protected<Fields>,
) -> Result<Response, PageError> {
    signed_in.require(Role::Author, "archive achievements")?;
    let achievement = find(&state, &signed_in, &id).await?;
    if form.get("confirm") != "yes" {
        let issuers = issuer_options(&state, &signed_in, Some(&achievement)).await?;
        let errors = [
            "Tick the box to confirm that the achievement should be archived. \
                       Nothing was changed."
                .to_owned(),
        ];
        let form = AchievementForm::of(&achievement);
        let target = Target::Edit(&achievement);
        let page = form_page(&state, &signed_in, target, &form, &issuers, &errors, None);
        return Ok(with_status(&errors, page.await?));
    }
    achievement::archive(state.db(), &achievement).await?;
    Ok(redirect_to(&achievement.id, "archived"))
}

/// Renders the new or the edit page with a form, its problems and a notice.
async fn form_page(
    state: &AppState,
    signed_in: &SignedIn,
    target: Target<'_>,
    form: &AchievementForm,
    issuers: &[IssuerOption],
    errors: &[String],
    notice: Option<&str>,
) -> Result<Html<String>, PageError> {
    let can_edit = signed_in.role >= Role::Author;
    let common = context! {
        form => Value::from(Serde(form.for_display())),
        errors => Value::from(Serde(errors)),
        issuers => Value::from(Serde(issuers)),
        types => Value::from(Serde(type_options(&form.achievement_type))),
        shapes => Value::from(Serde(Shape::ALL.map(Shape::as_str))),
        icons => Value::from(Serde(Icon::ALL.map(Icon::as_str))),
        preview_query => form.design.preview_query(),
        notice => notice,
        limits => limits(),
    };
    let Target::Edit(achievement) = target else {
        let page = context! { action => "/manage/achievements", editing => false,
        can_edit => can_edit, ..common };
        return render("achievement_new.html", signed_in.page("achievements", page));
    };
    let page = context! {
        ..edit_context(state, signed_in, achievement, can_edit).await?, ..common
    };
    render(
        "achievement_edit.html",
        signed_in.page("achievements", page),
    )
}

/// What the edit page adds to the form: the achievement, and the award form while it can
/// be awarded by this person.
async fn edit_context(
    state: &AppState,
    signed_in: &SignedIn,
    achievement: &Achievement,
    can_edit: bool,
) -> Result<Value, PageError> {
    let awardable = achievement.is_awardable();
    let award = if awardable && can_edit {
        awards::award_section(state, signed_in, Some(&achievement.id)).await?
    } else {
        context! {}
    };
    Ok(context! {
        action => format!("/manage/achievements/{}", achievement.id),
        editing => true,
        can_edit => can_edit && awardable,
        can_award => can_edit && awardable,
        achievement => context! {
            id => &achievement.id,
            name => &achievement.name,
            archived_at => achievement.archived_at,
            created_at => achievement.created_at,
            updated_at => achievement.updated_at,
            image_version => image_version(achievement),
        },
        ..award
    })
}

/// The limits the form's fields show (the service checks them again).
fn limits() -> Value {
    context! {
        name => achievement::MAX_NAME_CHARS,
        description => achievement::MAX_DESCRIPTION_CHARS,
        criteria => achievement::MAX_CRITERIA_CHARS,
        skill => achievement::MAX_SKILL_FIELD_CHARS,
        points => achievement::MAX_POINTS,
        valid_for_days => achievement::MAX_VALID_FOR_DAYS,
        text => designer::MAX_TEXT_CHARS,
        subtitle => designer::MAX_SUBTITLE_CHARS,
        image_kib => MAX_IMAGE_BYTES / 1024,
        png_side => image::MAX_PNG_SIDE,
    }
}

/// The page with 422 when the form had problems, 200 otherwise (a preview).
fn with_status(errors: &[String], page: Html<String>) -> Response {
    if errors.is_empty() {
        page.into_response()
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    }
}

fn is_preview(fields: &Fields) -> bool {
    fields.get("action") == "preview"
}

fn redirect_to(id: &str, notice: &str) -> Response {
    Redirect::to(&format!("/manage/achievements/{id}?notice={notice}")).into_response()
}

fn notice(key: &str) -> Option<&'static str> {
    match key {
        "created" => Some("The achievement was created. It can be awarded now."),
        "saved" => Some("Saved. Credentials already issued are not changed."),
        "archived" => Some("The achievement was archived. It can no longer be awarded or changed."),
        _ => None,
    }
}

fn archived() -> PageError {
    PageError::bad_request(
        "This achievement is archived: it can still be read, but no longer changed or awarded.",
    )
}

/// The service's refusals as sentences of the form; storage failures stay errors.
fn refusal(error: AchievementError) -> Result<Vec<String>, PageError> {
    match error {
        AchievementError::UnknownIssuer => Ok(vec![
            "The issuer: there is no such issuer in this organization. Choose one of the list."
                .to_owned(),
        ]),
        AchievementError::ArchivedIssuer => Ok(vec![
            "The issuer is archived and can no longer award achievements. Choose another one."
                .to_owned(),
        ]),
        AchievementError::Archived => Err(archived()),
        AchievementError::Storage(e) => Err(e.into()),
        AchievementError::Other(e) => Err(e.into()),
    }
}

/// Every field as the form has it; the issuer only when it changes, so that an achievement
/// whose issuer was archived since can still be edited.
fn changes_of(
    new: NewAchievement,
    artwork: ArtworkChange,
    achievement: &Achievement,
) -> AchievementChanges {
    AchievementChanges {
        issuer_id: Some(new.issuer_id).filter(|id| *id != achievement.issuer_id),
        name: Some(new.name),
        description: Some(new.description),
        criteria: Some(new.criteria),
        achievement_type: Some(new.achievement_type),
        skills: Some(new.skills),
        tags: Some(new.tags),
        points: Some(new.points),
        valid_for_days: Some(new.valid_for_days),
        artwork: match artwork {
            ArtworkChange::Keep => None,
            ArtworkChange::Set(artwork) => Some(artwork),
        },
    }
}

/// The achievement of the signed-in organization with this id; another organization's is 404.
async fn find(state: &AppState, signed_in: &SignedIn, id: &str) -> Result<Achievement, PageError> {
    achievement::get(state.db(), &signed_in.org_id, id)
        .await?
        .ok_or_else(|| PageError::not_found("achievement"))
}

/// The issuers the form offers: the active ones, and the achievement's own if it is archived.
async fn issuer_options(
    state: &AppState,
    signed_in: &SignedIn,
    achievement: Option<&Achievement>,
) -> Result<Vec<IssuerOption>, PageError> {
    let all = issuer::list(state.db(), &signed_in.org_id, true).await?;
    let current = achievement.map(|a| a.issuer_id.as_str());
    Ok(all
        .into_iter()
        .filter(|i| i.archived_at.is_none() || Some(i.id.as_str()) == current)
        .map(|i: Issuer| IssuerOption {
            archived: i.archived_at.is_some(),
            id: i.id,
            name: i.name,
        })
        .collect())
}

/// The achievement types the form offers: the OB 3.0 ones, and the current one if it is an
/// extension.
fn type_options(current: &str) -> Vec<&str> {
    let mut types = achievement::ACHIEVEMENT_TYPES.to_vec();
    if !current.is_empty() && !types.contains(&current) {
        types.push(current);
    }
    types
}

/// The version of an achievement's image (its last change), when it has one.
fn image_version(achievement: &Achievement) -> Option<i64> {
    achievement
        .image_type
        .as_ref()
        .map(|_| achievement.updated_at)
}

/// The query of the list's next page, keeping the search.
fn list_query(search: &str, archived: bool, cursor: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !search.is_empty() {
        query.append_pair("q", search);
    }
    if archived {
        query.append_pair("archived", "1");
    }
    query.append_pair("cursor", cursor);
    query.finish()
}

/// The list's rows, with their issuers' names and their award counts.
async fn list_rows(
    state: &AppState,
    org_id: &str,
    achievements: Vec<Achievement>,
) -> Result<Vec<AchievementRow>, PageError> {
    let issuers: HashMap<String, String> = issuer::list(state.db(), org_id, true)
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    let ids: Vec<&str> = achievements.iter().map(|a| a.id.as_str()).collect();
    let counts = award_counts(state, org_id, &ids).await?;
    Ok(achievements
        .iter()
        .map(|a| AchievementRow {
            id: a.id.clone(),
            name: a.name.clone(),
            issuer: issuers.get(&a.issuer_id).cloned().unwrap_or_default(),
            points: a.points,
            awards: counts.get(&a.id).copied().unwrap_or(0),
            created_at: a.created_at,
            archived: a.archived_at.is_some(),
            image_version: image_version(a),
        })
        .collect())
}

/// How many awards each of these achievements has: one grouped query on the index
/// `awards_by_achievement`, for at most one page of ids.
async fn award_counts(
    state: &AppState,
    org_id: &str,
    ids: &[&str],
) -> Result<HashMap<String, i64>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // Only placeholders go into the text; every id is bound.
    let placeholders: Vec<String> = (0..ids.len()).map(|n| format!("${}", n + 2)).collect();
    let sql = format!(
        "SELECT achievement_id, COUNT(*) AS n FROM awards WHERE org_id = $1 \
         AND achievement_id IN ({}) GROUP BY achievement_id",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org_id);
    for id in ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(&state.db().pool).await?;
    Ok(rows
        .iter()
        .map(|row| (row.get("achievement_id"), row.get("n")))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_links_keep_the_search_and_escape_it() {
        assert_eq!(
            list_query("rust & go", true, "abc"),
            "q=rust+%26+go&archived=1&cursor=abc"
        );
        assert_eq!(list_query("", false, "c"), "cursor=c");
    }

    #[test]
    fn extension_types_are_offered_when_an_achievement_has_one() {
        assert!(!type_options("Badge").contains(&"ext:Hackathon"));
        assert_eq!(type_options("ext:Hackathon").last(), Some(&"ext:Hackathon"));
    }
}
