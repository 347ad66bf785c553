//! The award pages: the list with its search by learner and filter by achievement, the form
//! that awards an achievement to one learner, and an award's page with its links and the
//! form that revokes it.
//!
//! Authors award and admins revoke, as in the API; everyone in the organization reads, and
//! sees the learners' emails (no page outside the organization shows them). Every award form
//! carries a fresh idempotency key in a hidden field, passed to [`award::create`] as the
//! API passes its `Idempotency-Key` header, so a form sent twice makes one award.
//!
//! Field names (kept stable for browser tests and documented in `docs/web.md`):
//! `achievement_id`, `email`, `name`, the evidence rows `evidence_name_N`,
//! `evidence_narrative_N`, `evidence_url_N` (N from 0), `idempotency_key`; `reason` to revoke.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::PageError;
use super::form::{Fields, Problems, capitalized};
use super::session::{Protected, SignedIn};
use super::templates::render;
use crate::auth::{Role, new_secret};
use crate::award::{self, Award, AwardFilter, AwardStatus, EvidenceItem, NewAward};
use crate::db::now_ms;
use crate::http::{ApiError, AppState};
use crate::validate::{self, Email};
use crate::{achievement, issuer};

/// How many awards one page of the list shows.
pub const LIST_PAGE: i64 = 50;
/// How many evidence rows the award form offers.
pub const EVIDENCE_ROWS: usize = 3;

/// The award form, as posted and as shown again.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AwardForm {
    achievement_id: String,
    email: String,
    name: String,
    /// Whether the name shows on the credential's public page.
    show_name: bool,
    evidence: Vec<EvidenceRow>,
    idempotency_key: String,
}

/// One row of evidence.
#[derive(Debug, Clone, Default, Serialize)]
struct EvidenceRow {
    name: String,
    narrative: String,
    url: String,
}

/// An achievement the award form and the list's filter offer.
#[derive(Debug, Clone, Serialize)]
struct Choice {
    id: String,
    name: String,
    archived: bool,
    /// Neither it nor its issuer is archived.
    awardable: bool,
}

/// `GET /manage/awards` parameters.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// The learner's email (the whole address, any case).
    #[serde(default)]
    email: String,
    /// Only this achievement's awards.
    #[serde(default)]
    achievement_id: String,
    /// Where the page starts (from the previous page's "Next" link).
    after: Option<String>,
}

/// `GET /manage/awards/new` parameters.
#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    /// The achievement to select.
    achievement_id: Option<String>,
}

/// `?notice=` after a change.
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// An award in the list.
#[derive(Debug, Serialize)]
struct AwardRow {
    id: String,
    email: String,
    learner: Option<String>,
    achievement: String,
    created_at: i64,
    status: &'static str,
}

/// `GET /manage/awards`: a page of awards, newest first, with the award form for authors.
pub async fn list_awards(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    let after = query.after.as_deref().filter(|a| !a.is_empty());
    let after = after.map(decode_after).transpose()?;
    let email = query.email.trim().to_lowercase();
    let achievement_id = query.achievement_id.trim();
    let filter = AwardFilter {
        achievement_id: Some(achievement_id.to_owned()).filter(|id| !id.is_empty()),
        email: Some(email.clone()).filter(|e| !e.is_empty()),
        after,
        // One more than shown says whether a next page follows.
        limit: LIST_PAGE + 1,
    };
    let mut awards = award::list(state.db(), &signed_in.org_id, &filter).await?;
    let more = awards.len() as i64 > LIST_PAGE;
    awards.truncate(usize::try_from(LIST_PAGE).unwrap_or_default());
    let next_query = more
        .then(|| awards.last().map(|a| list_query(&email, achievement_id, a)))
        .flatten();

    let choices = choices(&state, &signed_in.org_id).await?;
    let names: HashMap<&str, &str> = choices
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    let rows: Vec<AwardRow> = awards.iter().map(|a| row(a, &names)).collect();
    let award = award_context(&signed_in, &choices, Some(AwardForm::blank(None)));
    let context = context! {
        awards => Value::from(Serde(&rows)),
        email => &email,
        achievement_id => achievement_id,
        choices => Value::from(Serde(&choices)),
        next_query => next_query,
        ..award
    };
    Ok(render("award_list.html", signed_in.page("awards", context))?.into_response())
}

/// `GET /manage/awards/new`: the award form alone, an achievement chosen when given.
pub async fn new_award(
    State(state): State<AppState>,
    Query(query): Query<NewQuery>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    signed_in.require(Role::Author, "award achievements")?;
    let form = AwardForm::blank(query.achievement_id.as_deref());
    Ok(form_page(&state, &signed_in, &form, &[])
        .await?
        .into_response())
}

/// `POST /manage/awards`: awards the achievement and shows the award, or shows the form
/// again with its problems. The same form sent again shows the award it already made.
pub async fn create_award(
    State(state): State<AppState>,
    Protected { signed_in, form }: Protected<Fields>,
) -> Result<Response, PageError> {
    signed_in.require(Role::Author, "award achievements")?;
    let form = AwardForm::read(&form);
    let key = idempotency_key(&form.idempotency_key)?;
    let problem = awardable_problem(&state, &signed_in, &form.achievement_id).await?;
    let new = match form.check(key, problem) {
        Ok(new) => new,
        Err(errors) => return invalid(&state, &signed_in, &form, &errors).await,
    };
    match award::create(&state, &signed_in.caller(), new).await {
        Ok((award, created)) => {
            let notice = if created { "issued" } else { "repeated" };
            Ok(
                Redirect::to(&format!("/manage/awards/{}?notice={notice}", award.id))
                    .into_response(),
            )
        }
        Err(e) if e.status() == StatusCode::CONFLICT => stale(&state, &signed_in, form).await,
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = [
                "The achievement can no longer be awarded: it or its issuer was \
                           archived meanwhile."
                    .to_owned(),
            ];
            invalid(&state, &signed_in, &form, &errors).await
        }
        Err(e) => Err(service_error(e)),
    }
}

/// `GET /manage/awards/{id}`: the award, its links and (for admins) the revoke form.
pub async fn show_award(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    let award = find(&state, &signed_in, &id).await?;
    let notice = query.notice.as_deref().and_then(notice);
    let page = detail_page(&state, &signed_in, &award, notice, &[]).await?;
    Ok(page.into_response())
}

/// `POST /manage/awards/{id}/revoke`, with a reason.
pub async fn revoke_award(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Protected { signed_in, form }: Protected<Fields>,
) -> Result<Response, PageError> {
    signed_in.require(Role::Admin, "revoke awards")?;
    let existing = find(&state, &signed_in, &id).await?;
    let reason = match award::reason(form.get("reason")) {
        Ok(reason) => reason,
        Err(problem) => {
            let errors = [capitalized(&problem)];
            let page = detail_page(&state, &signed_in, &existing, None, &errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match award::revoke(&state, &signed_in.caller(), &id, &reason).await {
        Ok(revoked) => Ok(
            Redirect::to(&format!("/manage/awards/{}?notice=revoked", revoked.id)).into_response(),
        ),
        Err(e) if e.status() == StatusCode::CONFLICT => {
            let errors = ["The award was already revoked.".to_owned()];
            let page = detail_page(&state, &signed_in, &existing, None, &errors).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(service_error(e)),
    }
}

/// The award form for an achievement's page: the achievement chosen, a fresh key.
pub async fn award_section(
    state: &AppState,
    signed_in: &SignedIn,
    achievement_id: Option<&str>,
) -> Result<Value, PageError> {
    let choices = choices(state, &signed_in.org_id).await?;
    let form = AwardForm::blank(achievement_id);
    Ok(award_context(signed_in, &choices, Some(form)))
}

impl AwardForm {
    /// An empty form with a fresh idempotency key.
    fn blank(achievement_id: Option<&str>) -> Self {
        Self {
            achievement_id: achievement_id.unwrap_or_default().to_owned(),
            evidence: vec![EvidenceRow::default(); EVIDENCE_ROWS],
            idempotency_key: new_key(),
            ..Self::default()
        }
    }

    /// The form as posted (the evidence rows the page offers, no more).
    fn read(fields: &Fields) -> Self {
        let get = |name: &str| fields.get(name).to_owned();
        let evidence = (0..EVIDENCE_ROWS).map(|n| EvidenceRow {
            name: get(&format!("evidence_name_{n}")),
            narrative: get(&format!("evidence_narrative_{n}")),
            url: get(&format!("evidence_url_{n}")),
        });
        Self {
            achievement_id: get("achievement_id").trim().to_owned(),
            email: get("email"),
            name: get("name"),
            show_name: get("show_name") == "yes",
            evidence: evidence.collect(),
            idempotency_key: get("idempotency_key"),
        }
    }

    /// The award to make, or a sentence per invalid field (`achievement` is the problem
    /// with the chosen achievement, if any).
    fn check(&self, key: String, achievement: Option<String>) -> Result<NewAward, Vec<String>> {
        let mut problems = Problems::default();
        if let Some(problem) = achievement {
            problems.add(problem);
        }
        let email = problems.keep(Email::parse(&self.email).map_err(|e| capitalized(&e)));
        let name = match self.name.trim() {
            "" => None,
            name => problems.keep(validate::name(
                name,
                "The learner's name",
                award::MAX_RECIPIENT_NAME,
            )),
        };
        let evidence = self
            .evidence
            .iter()
            .enumerate()
            .filter_map(|(n, row)| row.check(n + 1, &mut problems))
            .collect();
        match email {
            Some(email) if problems.is_empty() => Ok(NewAward {
                achievement_id: self.achievement_id.clone(),
                recipient_email: email,
                name_public: self.show_name && name.is_some(),
                recipient_name: name,
                evidence,
                idempotency_key: Some(key),
                results: Vec::new(),
            }),
            _ => Err(problems.into_vec()),
        }
    }
}

impl EvidenceRow {
    /// The evidence of a filled row (`n` counts rows from 1); `None` when the row is empty
    /// or has problems.
    fn check(&self, n: usize, problems: &mut Problems) -> Option<EvidenceItem> {
        let (name, narrative, url) = (self.name.trim(), self.narrative.trim(), self.url.trim());
        if name.is_empty() && narrative.is_empty() && url.is_empty() {
            return None;
        }
        let what = |field: &str| format!("The {field} of evidence {n}");
        let name = (!name.is_empty())
            .then(|| {
                let name = validate::name(name, &what("name"), award::MAX_EVIDENCE_NAME);
                problems.keep(name)
            })
            .flatten();
        let max = award::MAX_EVIDENCE_NARRATIVE;
        let narrative = problems.keep(validate::text(narrative, &what("narrative"), max));
        let url = (!url.is_empty())
            .then(|| {
                let url = award::evidence_url(url).map_err(|e| format!("{}: {e}", what("address")));
                problems.keep(url)
            })
            .flatten();
        Some(EvidenceItem {
            name,
            narrative: narrative.filter(|n| !n.is_empty()),
            url,
        })
    }
}

/// What is wrong with awarding this achievement, if anything.
async fn awardable_problem(
    state: &AppState,
    signed_in: &SignedIn,
    achievement_id: &str,
) -> Result<Option<String>, PageError> {
    if achievement_id.is_empty() {
        return Ok(Some("Choose the achievement to award.".to_owned()));
    }
    let Some(chosen) = achievement::get(state.db(), &signed_in.org_id, achievement_id).await?
    else {
        return Ok(Some(
            "There is no such achievement in this organization. Choose one of the list.".into(),
        ));
    };
    if !chosen.is_awardable() {
        let name = &chosen.name;
        return Ok(Some(format!(
            "{name} is archived and can no longer be awarded."
        )));
    }
    let issuer = issuer::get(state.db(), &signed_in.org_id, &chosen.issuer_id).await?;
    if issuer.is_none_or(|i| i.archived_at.is_some()) {
        let name = &chosen.name;
        return Ok(Some(format!(
            "The issuer of {name} is archived and signs no more credentials."
        )));
    }
    Ok(None)
}

/// The hidden key of a posted form: refused when missing or not one a form could carry.
fn idempotency_key(text: &str) -> Result<String, PageError> {
    let key = text.trim();
    let printable = key.bytes().all(|b| b.is_ascii_graphic());
    if key.is_empty() || key.len() > award::MAX_IDEMPOTENCY_KEY || !printable {
        return Err(PageError::bad_request(
            "The form is incomplete (its hidden key is missing). Reload the page and try again.",
        ));
    }
    Ok(key.to_owned())
}

/// A fresh idempotency key for a form.
fn new_key() -> String {
    new_secret("web_")
}

/// The award service's other errors as pages (a server error was logged where it arose).
fn service_error(error: ApiError) -> PageError {
    match error.status() {
        StatusCode::NOT_FOUND => PageError::not_found("award"),
        StatusCode::FORBIDDEN => PageError::forbidden("You may not do this."),
        s if s.is_client_error() => PageError::bad_request("The request cannot be used."),
        _ => PageError::internal("the award service failed (its cause is logged above)"),
    }
}

/// The answer when a form's key already made another award: the form again, with a fresh
/// key, saying that nothing was awarded.
async fn stale(
    state: &AppState,
    signed_in: &SignedIn,
    form: AwardForm,
) -> Result<Response, PageError> {
    let fresh = AwardForm {
        idempotency_key: new_key(),
        ..form
    };
    let errors = [
        "This form was already used to make another award, so nothing was \
                   awarded now. Check the fields and send the form again to make this award."
            .to_owned(),
    ];
    let page = form_page(state, signed_in, &fresh, &errors).await?;
    Ok((StatusCode::CONFLICT, page).into_response())
}

async fn invalid(
    state: &AppState,
    signed_in: &SignedIn,
    form: &AwardForm,
    errors: &[String],
) -> Result<Response, PageError> {
    let page = form_page(state, signed_in, form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn form_page(
    state: &AppState,
    signed_in: &SignedIn,
    form: &AwardForm,
    errors: &[String],
) -> Result<Html<String>, PageError> {
    let choices = choices(state, &signed_in.org_id).await?;
    let award = award_context(signed_in, &choices, Some(form.clone()));
    let page = context! { errors => Value::from(Serde(errors)), ..award };
    render("award_new.html", signed_in.page("awards", page))
}

/// What the award form partial needs: the form (none for people who may not award) and the
/// achievements that can be awarded.
fn award_context(signed_in: &SignedIn, choices: &[Choice], form: Option<AwardForm>) -> Value {
    let awardable: Vec<&Choice> = choices.iter().filter(|c| c.awardable).collect();
    let form = form.filter(|_| signed_in.role >= Role::Author);
    context! {
        award_form => form.map(|f| Value::from(Serde(f))),
        awardable => Value::from(Serde(awardable)),
        award_limits => context! {
            name => award::MAX_RECIPIENT_NAME,
            evidence_name => award::MAX_EVIDENCE_NAME,
            evidence_narrative => award::MAX_EVIDENCE_NARRATIVE,
        },
    }
}

async fn detail_page(
    state: &AppState,
    signed_in: &SignedIn,
    award: &Award,
    notice: Option<&str>,
    errors: &[String],
) -> Result<Html<String>, PageError> {
    let achievement = achievement::get(state.db(), &signed_in.org_id, &award.achievement_id)
        .await?
        .ok_or_else(|| PageError::internal("an award names a missing achievement"))?;
    let status = award.status_at(now_ms());
    let image = achievement.image_type.as_deref().map(|t| match t {
        achievement::image::PNG => "png",
        _ => "svg",
    });
    let page = context! {
        award => context! {
            id => &award.id,
            email => &award.recipient_email,
            learner => &award.recipient_name,
            created_at => award.created_at,
            valid_until => award.valid_until,
            revoked_at => award.revoked_at,
            revocation_reason => &award.revocation_reason,
            status => status_word(status),
        },
        achievement => context! { id => &achievement.id, name => &achievement.name },
        image => image,
        can_revoke => signed_in.role >= Role::Admin && status != AwardStatus::Revoked,
        reason_limit => award::MAX_REASON,
        notice => notice,
        errors => Value::from(Serde(errors)),
    };
    render("award_detail.html", signed_in.page("awards", page))
}

fn notice(key: &str) -> Option<&'static str> {
    match key {
        "issued" => Some("Awarded. The learner gets an email with a link to the credential."),
        "repeated" => Some(
            "This form had been sent already: here is the award it made. Nothing new was \
             awarded.",
        ),
        "revoked" => Some("The award was revoked. Verifiers now see it as revoked."),
        _ => None,
    }
}

/// The award of the signed-in organization with this id; another organization's is 404.
async fn find(state: &AppState, signed_in: &SignedIn, id: &str) -> Result<Award, PageError> {
    award::get(state.db(), &signed_in.org_id, id)
        .await?
        .ok_or_else(|| PageError::not_found("award"))
}

fn status_word(status: AwardStatus) -> &'static str {
    match status {
        AwardStatus::Active => "valid",
        AwardStatus::Revoked => "revoked",
        AwardStatus::Expired => "expired",
    }
}

fn row(award: &Award, names: &HashMap<&str, &str>) -> AwardRow {
    AwardRow {
        id: award.id.clone(),
        email: award.recipient_email.clone(),
        learner: award.recipient_name.clone(),
        achievement: names
            .get(award.achievement_id.as_str())
            .map(|n| (*n).to_owned())
            .unwrap_or_default(),
        created_at: award.created_at,
        status: status_word(award.status_at(now_ms())),
    }
}

/// The organization's achievements, by name, with whether each can be awarded: only the
/// columns the lists need, as an organization may have many.
async fn choices(state: &AppState, org_id: &str) -> Result<Vec<Choice>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.id, a.name, a.archived_at, i.archived_at AS issuer_archived_at \
         FROM achievements a JOIN issuers i ON i.id = a.issuer_id AND i.org_id = a.org_id \
         WHERE a.org_id = $1 ORDER BY a.name, a.id",
    )
    .bind(org_id)
    .fetch_all(&state.db().pool)
    .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let archived = row.get::<Option<i64>, _>("archived_at").is_some();
            let issuer_archived = row.get::<Option<i64>, _>("issuer_archived_at").is_some();
            Choice {
                id: row.get("id"),
                name: row.get("name"),
                archived,
                awardable: !archived && !issuer_archived,
            }
        })
        .collect())
}

/// The query of the page after `last`, keeping the search.
fn list_query(email: &str, achievement_id: &str, last: &Award) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !email.is_empty() {
        query.append_pair("email", email);
    }
    if !achievement_id.is_empty() {
        query.append_pair("achievement_id", achievement_id);
    }
    query.append_pair("after", &format!("{}.{}", last.created_at, last.id));
    query.finish()
}

/// Reads `after` (`{created_at}.{id}` of the last award of the previous page).
fn decode_after(text: &str) -> Result<(i64, String), PageError> {
    let bad = || PageError::bad_request("The page link is not one this site gave out.");
    let (created_at, id) = text.split_once('.').ok_or_else(bad)?;
    let created_at = created_at.parse().map_err(|_| bad())?;
    Ok((created_at, id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(fields: &[(&str, &str)]) -> AwardForm {
        AwardForm::read(&super::super::form::pairs(fields))
    }

    #[test]
    fn an_award_form_gives_the_learner_and_the_filled_evidence_rows() {
        let form = filled(&[
            ("achievement_id", " a1 "),
            ("email", "Ada@Example.org"),
            ("evidence_name_1", "Lab run"),
            ("evidence_url_1", "https://labs.example/1"),
        ]);
        let new = form.check("k".into(), None).unwrap();
        assert_eq!(new.achievement_id, "a1");
        assert_eq!(new.recipient_email.as_str(), "ada@example.org");
        assert_eq!(new.recipient_name, None);
        assert_eq!(new.evidence.len(), 1);
        assert_eq!(new.evidence[0].narrative, None);
        assert_eq!(new.idempotency_key.as_deref(), Some("k"));
    }

    #[test]
    fn a_bad_email_and_evidence_address_are_each_a_sentence() {
        let form = filled(&[("email", "nope"), ("evidence_url_0", "javascript:alert(1)")]);
        let problems = form.check("k".into(), Some("Choose.".into())).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[1].starts_with("\"nope\" is not a valid email"));
        assert!(problems[2].starts_with("The address of evidence 1: "));
    }

    #[test]
    fn hidden_keys_must_be_present_and_printable() {
        assert_eq!(idempotency_key(" web_abc ").unwrap(), "web_abc");
        assert!(idempotency_key("").is_err());
        assert!(idempotency_key("a b").is_err());
        assert!(idempotency_key(&"k".repeat(award::MAX_IDEMPOTENCY_KEY + 1)).is_err());
        assert_ne!(new_key(), new_key());
    }

    #[test]
    fn page_links_round_trip() {
        assert_eq!(
            decode_after("1700.0b6c-id").unwrap(),
            (1700, "0b6c-id".to_owned())
        );
        assert!(decode_after("x.y").is_err() && decode_after("nodot").is_err());
    }
}
