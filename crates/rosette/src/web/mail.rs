//! Emailed sign-in links: made on request (`/login/email-link`) or on invitation, and sent
//! by the job [`SIGN_IN_LINK_JOB`].
//!
//! The link's secret must reach the job without lying in the jobs table in plain text
//! (whoever reads a database backup must not be able to sign in). So the payload carries it
//! sealed with the master key ([`crate::secrets::Sealer`], AES-256-GCM, bound to the user
//! id), base64-encoded: `{user_id, org_id, link, invited}`. The `login_links` row keeps only
//! the secret's SHA-256, as for links made by `rosette orgs create`.

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lettre::Message;
use lettre::message::Mailbox;
use serde_json::json;
use sqlx::Row;

use crate::auth::{new_secret, secret_hash};
use crate::db::now_ms;
use crate::http::AppState;
use crate::jobs::{self, Job};
use crate::org::SIGN_IN_LINK_TTL_MS;

/// The job kind that emails a sign-in link.
pub const SIGN_IN_LINK_JOB: &str = "email.sign_in_link";

/// Makes a one-time sign-in link for a person in an organization and queues its email, in
/// the caller's transaction. `invited` words the email as an invitation.
pub async fn queue_sign_in_link(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
    org_id: &str,
    invited: bool,
) -> Result<(), sqlx::Error> {
    let link = new_secret("rsl_");
    let now = now_ms();
    sqlx::query(
        "INSERT INTO login_links (token_hash, user_id, org_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(secret_hash(&link))
    .bind(user_id)
    .bind(org_id)
    .bind(now)
    .bind(now + SIGN_IN_LINK_TTL_MS)
    .execute(&mut **tx)
    .await?;
    let sealed = state.sealer().seal(link.as_bytes(), &seal_context(user_id));
    let payload = json!({
        "user_id": user_id,
        "org_id": org_id,
        "link": STANDARD.encode(sealed),
        "invited": invited,
    });
    let job_id = jobs::enqueue(tx, Some(org_id), SIGN_IN_LINK_JOB, &payload).await?;
    tracing::info!(user.id = %user_id, org.id = %org_id, job.id = %job_id, "sign-in link queued");
    Ok(())
}

/// The job `email.sign_in_link`: emails the link, unless it was used or expired meanwhile
/// or the person left the organization.
pub async fn send_sign_in_link(state: &AppState, job: &Job) -> anyhow::Result<()> {
    let field = |name: &str| {
        job.payload[name]
            .as_str()
            .with_context(|| format!("the job has no {name}"))
    };
    let (user_id, org_id) = (field("user_id")?, field("org_id")?);
    let sealed = STANDARD
        .decode(field("link")?)
        .context("the sealed link is not base64")?;
    let link = String::from_utf8(state.sealer().open(&sealed, &seal_context(user_id))?)
        .context("the sealed link is not text")?;
    let invited = job.payload["invited"].as_bool().unwrap_or(false);

    let usable = sqlx::query(
        "SELECT user_id FROM login_links \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(secret_hash(&link))
    .bind(now_ms())
    .fetch_optional(&state.db().pool)
    .await?;
    let person = sqlx::query(
        "SELECT u.email, u.name, o.name AS org FROM users u \
         JOIN memberships m ON m.user_id = u.id JOIN organizations o ON o.id = m.org_id \
         WHERE u.id = $1 AND o.id = $2",
    )
    .bind(user_id)
    .bind(org_id)
    .fetch_optional(&state.db().pool)
    .await?;
    let (Some(_), Some(person)) = (usable, person) else {
        tracing::info!(
            user.id = %user_id,
            org.id = %org_id,
            "sign-in link no longer usable: not sent"
        );
        return Ok(());
    };

    let email: String = person.get("email");
    let org: String = person.get("org");
    let url = format!("{}/login/link/{link}", state.public_url());
    let message = Message::builder()
        .from(state.mailer().from().clone())
        .to(email.parse::<Mailbox>()?)
        .subject(subject(invited, &org))
        .body(body(invited, &person.get::<String, _>("name"), &org, &url))?;
    state.mailer().send(message).await?;
    tracing::info!(user.id = %user_id, org.id = %org_id, "sign-in link sent");
    Ok(())
}

/// What a sealed link is bound to: a sealed link copied into another person's job does not
/// open.
fn seal_context(user_id: &str) -> String {
    format!("sign-in-link:{user_id}")
}

fn subject(invited: bool, org: &str) -> String {
    if invited {
        format!("You are invited to {org} on Rosette")
    } else {
        format!("Your sign-in link for {org}")
    }
}

fn body(invited: bool, name: &str, org: &str, url: &str) -> String {
    let opening = if invited {
        format!("You have been invited to manage badges for {org} on Rosette.")
    } else {
        format!("Here is the sign-in link you asked for, for {org} on Rosette.")
    };
    format!(
        "Hello {name},\n\n{opening}\n\nSign in with this link:\n{url}\n\n\
         It works once, within 24 hours. After signing in you can set a password.\n\n\
         If you did not expect this email, you can ignore it.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitations_and_requested_links_read_differently() {
        assert!(subject(true, "Acme").contains("invited to Acme"));
        assert!(subject(false, "Acme").contains("sign-in link for Acme"));
        let text = body(false, "Ada", "Acme", "https://x/login/link/rsl_1");
        assert!(text.contains("Hello Ada,") && text.contains("https://x/login/link/rsl_1"));
    }
}
