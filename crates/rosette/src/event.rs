//! Events: the append-only record of what happened to an organization's credentials (issued,
//! revoked, viewed, verified), which analytics, webhooks and the activity feed read later.
//!
//! An event is written in the same transaction as the change it records, so the record and
//! the change stand or fall together. Event data holds ids and verdicts, never emails,
//! names or other personal data: events are kept longer and shown more widely than awards.

use serde_json::Value;

use crate::db::{new_id, now_ms};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// An award was made and its credential signed.
    AwardIssued,
    /// An award was revoked.
    AwardRevoked,
    /// Someone fetched a credential's public document.
    CredentialViewed,
    /// Someone verified one of this server's credentials through its verify endpoint.
    CredentialVerified,
}

impl EventKind {
    /// The kind as stored (`award.issued`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwardIssued => "award.issued",
            Self::AwardRevoked => "award.revoked",
            Self::CredentialViewed => "credential.viewed",
            Self::CredentialVerified => "credential.verified",
        }
    }
}

/// Appends an event about `subject_id` (an award id, for every kind so far).
///
/// Takes a connection so it can join the caller's transaction (`&mut *tx`), or stand alone
/// on a pooled connection for events that record no change (views and verifications).
pub async fn append(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
    kind: EventKind,
    subject_id: &str,
    data: Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO events (id, org_id, kind, subject_id, data, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(org_id)
    .bind(kind.as_str())
    .bind(subject_id)
    .bind(data.to_string())
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// Appends an event outside any transaction. A failure is logged and swallowed: a view or
/// a verification must not fail because its record could not be written.
pub async fn record(
    pool: &sqlx::AnyPool,
    org_id: &str,
    kind: EventKind,
    subject_id: &str,
    data: Value,
) {
    let result = async {
        let mut conn = pool.acquire().await?;
        append(&mut conn, org_id, kind, subject_id, data).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, event.kind = kind.as_str(), award.id = %subject_id,
            "an event could not be recorded");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_stored_with_dotted_names() {
        let kinds = [
            EventKind::AwardIssued,
            EventKind::AwardRevoked,
            EventKind::CredentialViewed,
            EventKind::CredentialVerified,
        ];
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "award.issued",
                "award.revoked",
                "credential.viewed",
                "credential.verified"
            ]
        );
    }
}
