//! Group commit for new awards.
//!
//! Every new award, with its `award.issued` event and its email job, goes to one writer task,
//! which stores whatever has queued up while the previous batch was being written in one
//! transaction of three multi-row inserts. Under load that turns a commit (and, on
//! PostgreSQL, a flush of the write-ahead log) per award into one per batch, and on SQLite it
//! spares the single write lock a hand-over per award. A lone award is written at once: the
//! writer never waits for a batch to fill.
//!
//! An award whose idempotency key is already taken is skipped by its insert
//! (`ON CONFLICT DO NOTHING`), so concurrent retries of one request, even in one batch, still
//! make one award. If a batch fails, each of its awards is written again on its own, so one
//! bad award fails only its own request.

use std::collections::HashSet;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::{Award, EMAIL_JOB, insert_many};
use crate::db::Db;
use crate::event::{self, NewEvent};
use crate::jobs;

/// The most awards one transaction stores.
pub const MAX_BATCH: usize = 64;
/// How many awards may wait for the writer; further requests wait for room.
const QUEUE_CAPACITY: usize = 4096;

/// An award waiting to be stored, with the event that records it and the payload of the
/// job that emails the learner.
struct Pending {
    award: Award,
    event: NewEvent,
    email: Value,
    stored: oneshot::Sender<sqlx::Result<Option<Award>>>,
}

/// The handle of the writer task; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Pending>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("award::Writer(..)")
    }
}

/// Why an award was not stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused the batch and the award alone.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The writer task has stopped (the server is shutting down).
    #[error("the award writer has stopped")]
    Stopped,
}

impl Writer {
    /// Starts the writer task on the current Tokio runtime.
    pub fn spawn(db: Db) -> Self {
        let (queue, pending) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(write_batches(db, pending));
        Self { queue }
    }

    /// Stores an award with its event and the job that emails the learner (`email` is that
    /// job's payload). Returns the award, or `None` when its idempotency key already belongs
    /// to another award (which the caller then looks up).
    pub async fn store(
        &self,
        award: Award,
        event: NewEvent,
        email: Value,
    ) -> Result<Option<Award>, StoreError> {
        let (stored, outcome) = oneshot::channel();
        let pending = Pending {
            award,
            event,
            email,
            stored,
        };
        self.queue
            .send(pending)
            .await
            .map_err(|_| StoreError::Stopped)?;
        Ok(outcome.await.map_err(|_| StoreError::Stopped)??)
    }
}

async fn write_batches(db: Db, mut queue: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match write(&db, &batch).await {
            Ok(inserted) => {
                for pending in batch.drain(..) {
                    let award = inserted
                        .contains(&pending.award.id)
                        .then_some(pending.award);
                    let _ = pending.stored.send(Ok(award));
                }
            }
            Err(e) => {
                if batch.len() > 1 {
                    tracing::warn!(error = %e, awards = batch.len(), "an award batch failed; \
                                   writing its awards one by one");
                }
                for pending in batch.drain(..) {
                    let outcome = match write(&db, std::slice::from_ref(&pending)).await {
                        Ok(inserted) => Ok(inserted.contains(&pending.award.id)),
                        Err(e) => Err(e),
                    };
                    let outcome = outcome.map(|stored| stored.then_some(pending.award));
                    let _ = pending.stored.send(outcome);
                }
            }
        }
    }
}

/// Stores a batch in one transaction; returns the ids of the awards stored (an award whose
/// idempotency key was taken is not).
async fn write(db: &Db, batch: &[Pending]) -> sqlx::Result<HashSet<String>> {
    let awards: Vec<&Award> = batch.iter().map(|p| &p.award).collect();
    // The first statement writes, so on SQLite the transaction holds the write lock from the
    // start instead of failing on a stale read snapshot.
    let _write = db.write_lock().await;
    let mut tx = db.pool.begin().await?;
    let inserted = insert_many(&mut tx, &awards).await?;
    let stored = |p: &&Pending| inserted.contains(&p.award.id);
    let events: Vec<NewEvent> = batch
        .iter()
        .filter(stored)
        .map(|p| p.event.clone())
        .collect();
    event::insert_many(&mut tx, &events).await?;
    let emails: Vec<_> = batch
        .iter()
        .filter(stored)
        .map(|p| (Some(p.award.org_id.as_str()), p.email.clone()))
        .collect();
    jobs::enqueue_many(&mut tx, EMAIL_JOB, &emails).await?;
    tx.commit().await?;
    Ok(inserted)
}
