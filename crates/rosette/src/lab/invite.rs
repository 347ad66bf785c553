//! Emailing a learner the link to their lab session, when the session is started with
//! `email_link`; sent by the job [`LAB_LINK_JOB`].
//!
//! The link's secret must not lie in the jobs table in plain text, so the payload carries it
//! sealed with the master key (bound to the session id), as sign-in links are
//! (`crate::web::mail`); the session's row keeps only the secret's hash.

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lettre::Message;
use serde_json::json;
use sqlx::Row;

use super::session::JOIN_PATH;
use crate::http::AppState;
use crate::jobs::{self, Job};

/// The job kind that emails a learner their lab link.
pub const LAB_LINK_JOB: &str = "email.lab_link";

/// Queues the email of a session's link, in the caller's transaction.
pub async fn queue(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org_id: &str,
    session_id: &str,
    secret: &str,
) -> Result<(), sqlx::Error> {
    let sealed = state
        .sealer()
        .seal(secret.as_bytes(), &seal_context(session_id));
    let payload = json!({"session_id": session_id, "link": STANDARD.encode(sealed)});
    let job_id = jobs::enqueue(tx, Some(org_id), LAB_LINK_JOB, &payload).await?;
    tracing::info!(lab.session = %session_id, job.id = %job_id, "lab link email queued");
    Ok(())
}

/// The job `email.lab_link`: emails the learner their link, unless the session has ended
/// meanwhile.
pub async fn send(state: &AppState, job: &Job) -> anyhow::Result<()> {
    let session_id = job.payload["session_id"]
        .as_str()
        .context("the job names no lab session")?;
    let org_id = job
        .org_id
        .as_deref()
        .context("the job names no organization")?;
    let sealed = job.payload["link"]
        .as_str()
        .context("the job has no link")
        .and_then(|link| {
            STANDARD
                .decode(link)
                .context("the sealed link is not base64")
        })?;
    let secret = String::from_utf8(state.sealer().open(&sealed, &seal_context(session_id))?)
        .context("the sealed link is not text")?;
    let row = sqlx::query(
        "SELECT s.status, s.learner_email, s.learner_name, v.title, o.name AS org \
         FROM lab_sessions s JOIN track_versions v ON v.id = s.version_id \
         JOIN organizations o ON o.id = s.org_id WHERE s.org_id = $1 AND s.id = $2",
    )
    .bind(org_id)
    .bind(session_id)
    .fetch_optional(&state.db().pool)
    .await?;
    let Some(row) = row.filter(|row| row.get::<String, _>("status") == "active") else {
        tracing::info!(lab.session = %session_id, "lab session over: its link was not sent");
        return Ok(());
    };
    let email: String = row.get("learner_email");
    let name: Option<String> = row.get("learner_name");
    let to = crate::email::mailbox(&email, name.as_deref())?;
    let url = format!("{}{JOIN_PATH}{secret}", state.public_url());
    let title: String = row.get("title");
    let org: String = row.get("org");
    let message = Message::builder()
        .from(state.mailer().from().clone())
        .to(to)
        .subject(format!("Your hands-on lab is ready: {title}"))
        .body(body(name.as_deref(), &title, &org, &url))?;
    state.mailer().send(message).await?;
    tracing::info!(lab.session = %session_id, "lab link sent");
    Ok(())
}

/// What a sealed link is bound to: copied into another session's job, it does not open.
fn seal_context(session_id: &str) -> String {
    format!("lab-link:{session_id}")
}

fn body(name: Option<&str>, title: &str, org: &str, url: &str) -> String {
    let greeting = name.map_or_else(|| "Hello,".to_owned(), |n| format!("Hello {n},"));
    format!(
        "{greeting}\n\n{org} has opened the hands-on lab \"{title}\" for you on Rosette: a \
         terminal in your browser, the assignment beside it, and a Check button that tells \
         you when each step is done. Finish every challenge and the badge is yours.\n\n\
         Open your lab:\n{url}\n\n\
         The link is yours alone; keep it to come back to the lab while it runs.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::body;

    #[test]
    fn the_email_greets_the_learner_and_carries_the_link() {
        let text = body(
            Some("Ada"),
            "Linux essentials",
            "Acme",
            "https://x/lab/join/lab_1",
        );
        assert!(text.starts_with("Hello Ada,"));
        assert!(text.contains("\"Linux essentials\"") && text.contains("https://x/lab/join/lab_1"));
        assert!(body(None, "t", "o", "u").starts_with("Hello,"));
    }
}
