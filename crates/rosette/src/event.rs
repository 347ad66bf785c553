//! Events: the append-only record of what happened to an organization's credentials (issued,
//! revoked, viewed, verified), which analytics, webhooks and the activity feed read later.
//!
//! An event is written in the same transaction as the change it records, so the record and
//! the change stand or fall together. Event data holds ids and verdicts, never emails,
//! names or other personal data: events are kept longer and shown more widely than awards.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::db::{Db, new_id, now_ms, placeholders};

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
    /// A learner started a lab session.
    LabSessionStarted,
    /// A lab check failed.
    LabCheckFailed,
    /// A lab check passed.
    LabCheckPassed,
    /// A lab challenge was skipped (its solve script ran).
    LabSkipped,
    /// A learner finished a track.
    LabTrackCompleted,
    /// A lab session ended before the track was finished.
    LabAbandoned,
}

impl EventKind {
    /// The kind as stored (`award.issued`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwardIssued => "award.issued",
            Self::AwardRevoked => "award.revoked",
            Self::CredentialViewed => "credential.viewed",
            Self::CredentialVerified => "credential.verified",
            Self::LabSessionStarted => "lab.session_started",
            Self::LabCheckFailed => "lab.check_failed",
            Self::LabCheckPassed => "lab.check_passed",
            Self::LabSkipped => "lab.skipped",
            Self::LabTrackCompleted => "lab.track_completed",
            Self::LabAbandoned => "lab.abandoned",
        }
    }
}

/// Appends an event about `subject_id` (an award id, or a lab session's for `lab.*`).
///
/// Takes a connection so it joins the caller's transaction (`&mut *tx`): the record and the
/// change stand or fall together. Events that record no change go through a [`Recorder`].
pub async fn append(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
    kind: EventKind,
    subject_id: &str,
    data: Value,
) -> sqlx::Result<()> {
    insert_many(conn, &[NewEvent::new(org_id, kind, subject_id, &data)]).await
}

/// Appends several events in one statement; like [`append`], pass the transaction of the
/// change they record.
pub async fn insert_many(conn: &mut sqlx::AnyConnection, events: &[NewEvent]) -> sqlx::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO events (id, org_id, kind, subject_id, data, created_at) VALUES {}",
        placeholders(events.len(), 6)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for event in events {
        query = query
            .bind(&event.id)
            .bind(&event.org_id)
            .bind(event.kind.as_str())
            .bind(&event.subject_id)
            .bind(&event.data)
            .bind(event.created_at);
    }
    query.execute(conn).await?;
    Ok(())
}

/// How many events one batch insert writes at most.
const BATCH_SIZE: usize = 500;
/// How long a recorded event may wait before its batch is written.
const BATCH_DELAY: Duration = Duration::from_millis(250);
/// How many events may wait for the writer; beyond that, views are not recorded (and the
/// log says so) rather than slowing the pages down.
const QUEUE_CAPACITY: usize = 20_000;

/// An event on its way to the database, dated when it was made.
#[derive(Debug, Clone)]
pub struct NewEvent {
    id: String,
    org_id: String,
    kind: EventKind,
    subject_id: String,
    data: String,
    created_at: i64,
}

impl NewEvent {
    /// An event about `subject_id`, happening now.
    pub fn new(org_id: &str, kind: EventKind, subject_id: &str, data: &Value) -> Self {
        Self {
            id: new_id(),
            org_id: org_id.to_owned(),
            kind,
            subject_id: subject_id.to_owned(),
            data: data.to_string(),
            created_at: now_ms(),
        }
    }
}

enum Command {
    Record(NewEvent),
    Flush(oneshot::Sender<()>),
}

/// Records events that change nothing else (views and verifications) without making the
/// request wait for a database write: they are queued and written in batches, one insert
/// per batch, at most [`BATCH_DELAY`] after they happen.
///
/// A batch that fails to be written is logged and dropped: a page view must not fail, nor
/// wait, because its record could not be written.
#[derive(Clone)]
pub struct Recorder {
    queue: mpsc::Sender<Command>,
}

impl Recorder {
    /// Starts the writer task on the current Tokio runtime.
    pub fn spawn(db: Db) -> Self {
        let (queue, commands) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(write_batches(db, commands));
        Self { queue }
    }

    /// Queues an event about `subject_id`.
    pub fn record(&self, org_id: &str, kind: EventKind, subject_id: &str, data: Value) {
        let event = NewEvent::new(org_id, kind, subject_id, &data);
        if let Err(e) = self.queue.try_send(Command::Record(event)) {
            let reason = match e {
                mpsc::error::TrySendError::Full(_) => "the queue is full",
                mpsc::error::TrySendError::Closed(_) => "the writer has stopped",
            };
            tracing::warn!(
                event.kind = kind.as_str(),
                reason,
                "an event was not recorded"
            );
        }
    }

    /// Writes every event queued so far, and returns once they are stored.
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.queue.send(Command::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }
}

async fn write_batches(db: Db, mut commands: mpsc::Receiver<Command>) {
    let mut batch: Vec<NewEvent> = Vec::with_capacity(BATCH_SIZE);
    loop {
        // Wait for the first event of a batch, then for more until the batch is full or
        // the delay has passed.
        let command = match commands.recv().await {
            Some(command) => command,
            None => break,
        };
        let mut waiters = Vec::new();
        let deadline = tokio::time::Instant::now() + BATCH_DELAY;
        let mut next = Some(command);
        while let Some(command) = next.take() {
            match command {
                Command::Record(event) => batch.push(event),
                Command::Flush(done) => {
                    waiters.push(done);
                    break;
                }
            }
            if batch.len() >= BATCH_SIZE {
                break;
            }
            next = match tokio::time::timeout_at(deadline, commands.recv()).await {
                Ok(Some(command)) => Some(command),
                Ok(None) | Err(_) => None,
            };
        }
        if !batch.is_empty() {
            if let Err(e) = insert(&db, &batch).await {
                tracing::warn!(error = %e, events = batch.len(), "events could not be recorded");
            }
            batch.clear();
        }
        for done in waiters {
            let _ = done.send(());
        }
    }
}

async fn insert(db: &Db, batch: &[NewEvent]) -> sqlx::Result<()> {
    let _write = db.write_lock().await;
    let mut conn = db.pool.acquire().await?;
    insert_many(&mut conn, batch).await
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
