//! Who is calling, and what they may do.
//!
//! Machines call with an API token (`Authorization: Bearer rst_…`), scoped to one
//! organization and one role; people will call with a session cookie. Either way a handler
//! receives a [`Caller`]: the organization every query is scoped to, and the role that
//! [`Caller::require`] checks. Tokens are 32 random bytes; only their SHA-256 is stored.

pub mod tokens;

use std::fmt;
use std::str::FromStr;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::http::{ApiError, AppState};

/// A member's or token's role, from least to most powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything, changes nothing.
    Analyst,
    /// Designs achievements and awards them.
    Author,
    /// Manages issuers, members and tokens, and revokes awards.
    Admin,
    /// Everything, including the organization itself.
    Owner,
}

impl Role {
    /// The role's name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Analyst => "analyst",
            Self::Author => "author",
            Self::Admin => "admin",
            Self::Owner => "owner",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "analyst" => Ok(Self::Analyst),
            "author" => Ok(Self::Author),
            "admin" => Ok(Self::Admin),
            "owner" => Ok(Self::Owner),
            other => Err(format!(
                "{other:?} is not a role (owner, admin, author, analyst)"
            )),
        }
    }
}

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An API token, by id.
    Token(String),
    /// A signed-in person, by user id.
    User(String),
    /// A lab session, by id: its learner finished the track.
    LabSession(String),
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The organization every query of this request is scoped to.
    pub org_id: String,
    /// What the caller may do.
    pub role: Role,
    /// Who it is.
    pub actor: Actor,
}

impl Caller {
    /// Refuses the request unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs the {role} role; the caller is {}",
                self.role
            )))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION);
        let Some(header) = header.and_then(|h| h.to_str().ok()) else {
            return Err(ApiError::unauthorized(
                "this endpoint needs an API token: Authorization: Bearer rst_…",
            ));
        };
        let token = header
            .strip_prefix("Bearer ")
            .ok_or_else(|| ApiError::unauthorized("the Authorization header must be Bearer"))?;
        tokens::authenticate(state.db(), token.trim())
            .await?
            .ok_or_else(|| ApiError::unauthorized("the API token is not valid or was revoked"))
    }
}

/// A new random secret with a readable prefix (`rst_` for API tokens, `rsl_` for sign-in
/// links, `rss_` for sessions).
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).expect("system randomness");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a secret: hex SHA-256. The secrets are 256-bit random values, so a
/// fast hash is enough; nothing about them can be guessed from the database.
pub fn secret_hash(secret: &str) -> String {
    crate::db::hex(&Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Owner > Role::Admin && Role::Admin > Role::Author);
        assert!(Role::Author > Role::Analyst);
        assert_eq!("author".parse::<Role>().unwrap(), Role::Author);
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn secrets_are_random_and_stored_as_hashes() {
        let (a, b) = (new_secret("rst_"), new_secret("rst_"));
        assert_ne!(a, b);
        assert!(a.starts_with("rst_") && a.len() > 40);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), secret_hash(&b));
    }
}
