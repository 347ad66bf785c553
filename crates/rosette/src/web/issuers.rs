//! The issuer pages: the list, the form that creates one, and the form that edits one.
//! Everyone in the organization reads; admins and owners change.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::PageError;
use super::session::{Protected, SignedIn};
use super::templates::render;
use crate::auth::Role;
use crate::http::AppState;
use crate::issuer::{self, Issuer, NewIssuer, NewIssuerChanges};
use crate::validate::{self, Email};

/// The issuer form, as posted and as shown again.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerForm {
    name: String,
    url: String,
    email: String,
    #[serde(default)]
    description: String,
}

impl IssuerForm {
    fn of(issuer: &Issuer) -> Self {
        Self {
            name: issuer.name.clone(),
            url: issuer.url.clone(),
            email: issuer.email.clone(),
            description: issuer.description.clone().unwrap_or_default(),
        }
    }

    /// The validated issuer, or a sentence per invalid field.
    fn validate(&self) -> Result<NewIssuer, Vec<String>> {
        let name = validate::name(&self.name, "The name", 200);
        let url = validate::web_url(&self.url, "The web site");
        let email = Email::parse(&self.email);
        let description = validate::text(&self.description, "The description", 4000);
        match (name, url, email, description) {
            (Ok(name), Ok(url), Ok(email), Ok(description)) => Ok(NewIssuer {
                name,
                url,
                email: email.to_string(),
                description: Some(description).filter(|d| !d.is_empty()),
            }),
            (name, url, email, description) => {
                Err([name.err(), url.err(), email.err(), description.err()]
                    .into_iter()
                    .flatten()
                    .collect())
            }
        }
    }
}

/// `GET /manage/issuers`.
pub async fn list_issuers(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    let page = list_page(&state, &signed_in, &IssuerForm::default(), &[]).await?;
    Ok(page.into_response())
}

/// `POST /manage/issuers`.
pub async fn create_issuer(
    State(state): State<AppState>,
    Protected { signed_in, form }: Protected<IssuerForm>,
) -> Result<Response, PageError> {
    signed_in.require(Role::Admin, "create issuers")?;
    let new = match form.validate() {
        Ok(new) => new,
        Err(errors) => {
            let page = list_page(&state, &signed_in, &form, &errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    issuer::create(&state, &signed_in.org_id, new).await?;
    Ok(Redirect::to("/manage/issuers").into_response())
}

/// `GET /manage/issuers/{id}`: the edit form.
pub async fn edit_issuer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    signed_in.require(Role::Admin, "edit issuers")?;
    let issuer = find(&state, &signed_in, &id).await?;
    let page = edit_page(&signed_in, &issuer, &IssuerForm::of(&issuer), &[], false)?;
    Ok(page.into_response())
}

/// `POST /manage/issuers/{id}`: saves the edit form.
pub async fn update_issuer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Protected { signed_in, form }: Protected<IssuerForm>,
) -> Result<Response, PageError> {
    signed_in.require(Role::Admin, "edit issuers")?;
    let issuer = find(&state, &signed_in, &id).await?;
    let new = match form.validate() {
        Ok(new) => new,
        Err(errors) => {
            let page = edit_page(&signed_in, &issuer, &form, &errors, false)?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let changes = NewIssuerChanges {
        name: Some(new.name),
        url: Some(new.url),
        email: Some(new.email),
        description: Some(new.description),
    };
    let updated = issuer::update(state.db(), &issuer, changes).await?;
    let page = edit_page(&signed_in, &updated, &IssuerForm::of(&updated), &[], true)?;
    Ok(page.into_response())
}

async fn list_page(
    state: &AppState,
    signed_in: &SignedIn,
    form: &IssuerForm,
    errors: &[String],
) -> Result<axum::response::Html<String>, PageError> {
    let issuers = issuer::list(state.db(), &signed_in.org_id, true).await?;
    let page = context! {
        issuers => Value::from(Serde(&issuers)),
        can_edit => signed_in.role >= Role::Admin,
        form => Value::from(Serde(form)),
        errors => Value::from(Serde(errors)),
    };
    render("issuers.html", signed_in.page("issuers", page))
}

fn edit_page(
    signed_in: &SignedIn,
    issuer: &Issuer,
    form: &IssuerForm,
    errors: &[String],
    saved: bool,
) -> Result<axum::response::Html<String>, PageError> {
    let page = context! {
        issuer => Value::from(Serde(issuer)),
        form => Value::from(Serde(form)),
        errors => Value::from(Serde(errors)),
        saved => saved,
    };
    render("issuer_edit.html", signed_in.page("issuers", page))
}

/// The issuer of the signed-in organization with this id; another organization's is 404.
async fn find(state: &AppState, signed_in: &SignedIn, id: &str) -> Result<Issuer, PageError> {
    issuer::get(state.db(), &signed_in.org_id, id)
        .await?
        .ok_or_else(|| PageError::not_found("issuer"))
}
