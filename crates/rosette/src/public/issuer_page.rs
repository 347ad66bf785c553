//! The page people see at `/issuers/{id}`: the issuer's public profile and the keys it signs
//! with. Machines asking for JSON get the controller document there instead (see
//! `issuer::api`); this page shows the same facts, no more.

use axum::http::StatusCode;
use axum::response::Response;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;

use super::page::{self, web_link};
use crate::http::AppState;
use crate::issuer::{self, Issuer};

/// `GET /issuers/{id}` for people.
pub async fn show(state: &AppState, issuer_id: &str) -> Response {
    let issuer = match issuer::get_public(state.db(), issuer_id).await {
        Ok(Some(issuer)) => issuer,
        Ok(None) => return page::not_found("issuer"),
        Err(e) => return page::failed(format!("{e:#}")),
    };
    match view(state, &issuer).await {
        Ok(view) => {
            let context = context! { issuer => Value::from(Serde(&view)) };
            page::respond(StatusCode::OK, "public_issuer.html", context)
        }
        Err(e) => page::failed(format!("{e:#}")),
    }
}

/// What the page says about the issuer.
#[derive(Debug, Serialize)]
struct IssuerView {
    id: String,
    name: String,
    description: Option<String>,
    url: Option<String>,
    email: Option<String>,
    archived: bool,
    keys: Vec<KeyView>,
}

/// One published key.
#[derive(Debug, Serialize)]
struct KeyView {
    /// The verification method id credentials name.
    id: String,
    /// Whether the issuer signs with it now (`false`: rotated out, kept for old credentials).
    current: bool,
}

/// The view, from the published profile (so the page shows exactly what verifiers see).
async fn view(state: &AppState, issuer: &Issuer) -> anyhow::Result<IssuerView> {
    let profile = issuer::profile(state.public_url(), issuer);
    let text = |key: &str| profile[key].as_str().map(str::to_owned);
    let keys = issuer::published_keys(state, issuer).await?;
    Ok(IssuerView {
        id: issuer::public_id(state.public_url(), &issuer.id),
        name: issuer.name.clone(),
        description: text("description"),
        url: text("url").as_deref().and_then(web_link),
        email: text("email"),
        archived: issuer.archived_at.is_some(),
        // `published_keys` lists the current key first.
        keys: keys
            .into_iter()
            .enumerate()
            .map(|(n, key)| KeyView {
                id: key.id,
                current: n == 0,
            })
            .collect(),
    })
}
