//! Durable background jobs: rows in the `jobs` table, claimed by any server, retried with
//! backoff.
//!
//! A job is enqueued in the same transaction as the change that needs it (an award and its
//! email), so it exists exactly when the change does. Workers claim one job at a time with a
//! lease: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several servers share the queue
//! without blocking each other; on SQLite the single writer makes the claim atomic. A job
//! whose worker died is claimed again when its lease runs out.

use std::time::Duration;

use serde_json::Value;
use sqlx::Row;

use crate::db::{Db, Engine, new_id, now_ms};
use crate::http::AppState;

/// How long a claimed job is reserved for its worker.
pub const LEASE_MS: i64 = 60_000;
/// How many times a job is tried before it is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// The first retry waits this long; each further retry waits twice as long as the last.
pub const FIRST_BACKOFF_MS: i64 = 10_000;
/// The longest wait between retries.
pub const MAX_BACKOFF_MS: i64 = 60 * 60 * 1000;
/// How long an idle worker sleeps before looking for work again.
pub const IDLE_POLL: Duration = Duration::from_millis(500);

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    /// Its id.
    pub id: String,
    /// The organization it is for, if any.
    pub org_id: Option<String>,
    /// What to do (`email.award_issued`, …).
    pub kind: String,
    /// Its parameters.
    pub payload: Value,
    /// How many times it has been claimed, this time included.
    pub attempts: i64,
}

/// Adds a job, to run now; pass the transaction of the change that needs it
/// (`&mut *tx`).
pub async fn enqueue(
    conn: &mut sqlx::AnyConnection,
    org_id: Option<&str>,
    kind: &str,
    payload: &Value,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO jobs (id, org_id, kind, payload, run_at, attempts, max_attempts, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, $5)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(kind)
    .bind(payload.to_string())
    .bind(now)
    .bind(MAX_ATTEMPTS)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Claims the next due job, if any, leasing it for [`LEASE_MS`].
pub async fn claim(db: &Db) -> Result<Option<Job>, sqlx::Error> {
    let now = now_ms();
    let lock = match db.engine {
        Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        Engine::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET locked_until = $1, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $2 \
         AND (locked_until IS NULL OR locked_until < $2) ORDER BY run_at, id LIMIT 1{lock}) \
         RETURNING id, org_id, kind, payload, attempts"
    );
    let _write = db.write_lock().await;
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now + LEASE_MS)
        .bind(now)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|row| Job {
        id: row.get("id"),
        org_id: row.get("org_id"),
        kind: row.get("kind"),
        payload: serde_json::from_str(&row.get::<String, _>("payload")).unwrap_or(Value::Null),
        attempts: row.get("attempts"),
    }))
}

/// Marks a job done.
pub async fn complete(db: &Db, job: &Job) -> Result<(), sqlx::Error> {
    let _write = db.write_lock().await;
    sqlx::query(
        "UPDATE jobs SET done_at = $1, locked_until = NULL, last_error = NULL WHERE id = $2",
    )
    .bind(now_ms())
    .bind(&job.id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Records a failure: the job runs again after a backoff, or is given up after
/// [`MAX_ATTEMPTS`] (kept, with its last error, for an operator to see).
pub async fn fail(db: &Db, job: &Job, error: &str) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let given_up = job.attempts >= MAX_ATTEMPTS;
    let backoff = backoff_ms(job.attempts);
    let write = db.write_lock().await;
    sqlx::query(
        "UPDATE jobs SET locked_until = NULL, last_error = $1, run_at = $2, done_at = $3 \
         WHERE id = $4",
    )
    .bind(error)
    .bind(now + backoff)
    .bind(given_up.then_some(now))
    .bind(&job.id)
    .execute(&db.pool)
    .await?;
    drop(write);
    if given_up {
        tracing::error!(job.id = %job.id, job.kind = %job.kind, error, "job given up");
    } else {
        tracing::warn!(
            job.id = %job.id,
            job.kind = %job.kind,
            retry_in_ms = backoff,
            error,
            "job failed"
        );
    }
    Ok(())
}

/// The wait before the retry after `attempts` tries: 10 s, 20 s, 40 s, … up to an hour.
pub fn backoff_ms(attempts: i64) -> i64 {
    let doublings = attempts.clamp(1, 20) - 1;
    (FIRST_BACKOFF_MS << doublings).min(MAX_BACKOFF_MS)
}

/// Runs jobs until the process ends.
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run_next(&state).await {
                Ok(true) => {}
                Ok(false) => tokio::time::sleep(IDLE_POLL).await,
                Err(e) => {
                    tracing::error!(error = %e, "the job queue is unavailable");
                    tokio::time::sleep(IDLE_POLL * 4).await;
                }
            }
        }
    })
}

/// Claims and runs one job; false when none was due.
pub async fn run_next(state: &AppState) -> Result<bool, sqlx::Error> {
    let Some(job) = claim(state.db()).await? else {
        return Ok(false);
    };
    let started = std::time::Instant::now();
    match handle(state, &job).await {
        Ok(()) => {
            complete(state.db(), &job).await?;
            let duration_ms = started.elapsed().as_millis() as u64;
            tracing::info!(job.id = %job.id, job.kind = %job.kind, duration_ms, "job done");
        }
        Err(e) => fail(state.db(), &job, &format!("{e:#}")).await?,
    }
    Ok(true)
}

async fn handle(state: &AppState, job: &Job) -> anyhow::Result<()> {
    match job.kind.as_str() {
        "email.award_issued" => crate::email::send_award_issued(state, job).await,
        crate::web::SIGN_IN_LINK_JOB => crate::web::send_sign_in_link(state, job).await,
        other => anyhow::bail!("unknown job kind {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_ms(1), 10_000);
        assert_eq!(backoff_ms(2), 20_000);
        assert_eq!(backoff_ms(4), 80_000);
        assert_eq!(backoff_ms(30), MAX_BACKOFF_MS);
    }
}
