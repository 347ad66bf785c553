//! Outgoing email: over SMTP when configured, otherwise into `DATA/outbox/` as `.eml` files.
//!
//! Mail is only ever sent by jobs (see [`crate::jobs`]), so a slow or failing mail server
//! never holds up a request, and a failed delivery is retried. Addresses are never logged.

use std::path::PathBuf;

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::Row;

use crate::config::{Settings, SmtpSettings};
use crate::http::AppState;
use crate::jobs::Job;

/// Where mail goes.
pub enum Mailer {
    /// An SMTP server.
    Smtp {
        /// The transport (pooled connections).
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The From address.
        from: Mailbox,
    },
    /// Files in a folder, for development and for servers without mail.
    Outbox {
        /// The folder.
        dir: PathBuf,
        /// The From address.
        from: Mailbox,
    },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp { .. } => f.write_str("Mailer::Smtp"),
            Self::Outbox { dir, .. } => write!(f, "Mailer::Outbox({})", dir.display()),
        }
    }
}

impl Mailer {
    /// The mailer the settings ask for.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        match &settings.smtp {
            Some(smtp) => {
                let from = smtp
                    .from
                    .parse()
                    .context("smtp.from is not a valid address")?;
                Ok(Self::Smtp {
                    transport: smtp_transport(smtp)?,
                    from,
                })
            }
            None => {
                let dir = settings.data_dir.join("outbox");
                tracing::info!(
                    outbox = %dir.display(),
                    "no SMTP server configured: mail is written to the outbox folder"
                );
                let host = url::Url::parse(&settings.public_url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .filter(|h| h.contains('.'))
                    .unwrap_or_else(|| "rosette.localhost".to_owned());
                let from = format!("Rosette <no-reply@{host}>").parse()?;
                Ok(Self::Outbox { dir, from })
            }
        }
    }

    /// The From address.
    pub fn from(&self) -> &Mailbox {
        match self {
            Self::Smtp { from, .. } | Self::Outbox { from, .. } => from,
        }
    }

    /// Sends a message.
    pub async fn send(&self, message: Message) -> anyhow::Result<()> {
        match self {
            Self::Smtp { transport, .. } => {
                transport
                    .send(message)
                    .await
                    .context("the SMTP server refused the message")?;
            }
            Self::Outbox { dir, .. } => {
                tokio::fs::create_dir_all(dir).await?;
                let name = format!("{}-{}.eml", crate::db::now_ms(), crate::db::new_id());
                tokio::fs::write(dir.join(name), message.formatted()).await?;
            }
        }
        Ok(())
    }
}

fn smtp_transport(smtp: &SmtpSettings) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let mut builder = match smtp.security.as_str() {
        "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)?,
        "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)?,
        "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
        other => anyhow::bail!("smtp.security must be starttls, tls or none, not {other:?}"),
    };
    builder = builder
        .port(smtp.port)
        .timeout(Some(std::time::Duration::from_secs(20)));
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// A learner's address with their name, when it makes a valid mailbox, else without.
pub fn mailbox(email: &str, name: Option<&str>) -> anyhow::Result<Mailbox> {
    Ok(match name {
        Some(n) => format!("{n} <{email}>")
            .parse()
            .or_else(|_| email.parse())?,
        None => email.parse()?,
    })
}

/// The job `email.award_issued`: tells a learner about their new badge.
pub async fn send_award_issued(state: &AppState, job: &Job) -> anyhow::Result<()> {
    let award_id = job.payload["award_id"]
        .as_str()
        .context("the job names no award")?;
    let org_id = job
        .org_id
        .as_deref()
        .context("the job names no organization")?;
    let AwardEmail {
        email,
        name,
        achievement,
        issuer,
    } = match serde_json::from_value::<AwardEmail>(job.payload.clone()) {
        Ok(details) => details,
        // Jobs queued before the payload carried the details.
        Err(_) => award_email_details(state, org_id, award_id).await?,
    };
    let link = format!("{}/credentials/{award_id}", state.public_url());

    let greeting = name
        .as_deref()
        .map_or_else(|| "Hello,".to_owned(), |n| format!("Hello {n},"));
    let text = format!(
        "{greeting}\n\n{issuer} has awarded you the badge \"{achievement}\".\n\n\
         See it, download it and share it here:\n{link}\n\n\
         It is an Open Badges 3.0 credential: anyone you share it with can check that it is \
         genuine.\n"
    );
    let html = format!(
        "<p>{}</p><p>{} has awarded you the badge <strong>{}</strong>.</p>\
         <p><a href=\"{link}\">See, download and share your badge</a></p>\
         <p>It is an Open Badges 3.0 credential: anyone you share it with can check that it is \
         genuine.</p>",
        escape(&greeting),
        escape(&issuer),
        escape(&achievement)
    );
    let to = mailbox(&email, name.as_deref())?;
    let message = Message::builder()
        .from(state.mailer().from().clone())
        .to(to)
        .subject(format!("You earned the {achievement} badge from {issuer}"))
        .multipart(MultiPart::alternative_plain_html(text, html))?;
    state.mailer().send(message).await?;
    tracing::info!(award.id = %award_id, "award email sent");
    Ok(())
}

/// What the email about a new award says, carried in its job's payload (beside `award_id`)
/// so that sending it reads nothing back.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AwardEmail {
    /// The learner's address.
    pub email: String,
    /// The learner's name.
    pub name: Option<String>,
    /// The achievement's name.
    pub achievement: String,
    /// The issuer's name.
    pub issuer: String,
}

async fn award_email_details(
    state: &AppState,
    org_id: &str,
    award_id: &str,
) -> anyhow::Result<AwardEmail> {
    let row = sqlx::query(
        "SELECT a.recipient_email, a.recipient_name, c.name AS achievement, i.name AS issuer \
         FROM awards a JOIN achievements c ON c.id = a.achievement_id \
         JOIN issuers i ON i.id = a.issuer_id WHERE a.org_id = $1 AND a.id = $2",
    )
    .bind(org_id)
    .bind(award_id)
    .fetch_optional(&state.db().pool)
    .await?
    .context("the award no longer exists")?;
    Ok(AwardEmail {
        email: row.get("recipient_email"),
        name: row.get("recipient_name"),
        achievement: row.get("achievement"),
        issuer: row.get("issuer"),
    })
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
