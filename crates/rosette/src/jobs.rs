//! Durable background jobs: rows in the `jobs` table, claimed by any server, retried with
//! backoff.
//!
//! A job is enqueued in the same transaction as the change that needs it (an award and its
//! email), so it exists exactly when the change does. Workers claim due jobs in small
//! batches, run them concurrently and mark those that succeeded done together. A claim is a
//! lease: on PostgreSQL taken with `FOR UPDATE SKIP LOCKED`, so several servers share the
//! queue without blocking each other; on SQLite the single writer makes the claim atomic. A job
//! whose worker died is claimed again when its lease runs out. A job done is deleted (the log
//! records it); a job given up stays, with its last error, for an operator to look into.

use std::time::Duration;

use serde_json::Value;
use sqlx::Row;

use crate::db::{Db, Engine, new_id, now_ms, placeholders};
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
    let mut ids = enqueue_many(conn, kind, &[(org_id, payload.clone())]).await?;
    Ok(ids.pop().unwrap_or_default())
}

/// Adds several jobs of one kind in one statement, to run now, and returns their ids; like
/// [`enqueue`], pass the transaction of the change that needs them.
pub async fn enqueue_many(
    conn: &mut sqlx::AnyConnection,
    kind: &str,
    jobs: &[(Option<&str>, Value)],
) -> Result<Vec<String>, sqlx::Error> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = jobs.iter().map(|_| new_id()).collect();
    let now = now_ms();
    let sql = format!(
        "INSERT INTO jobs (id, org_id, kind, payload, run_at, attempts, max_attempts, \
         created_at) VALUES {}",
        placeholders(jobs.len(), 8)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (id, (org_id, payload)) in ids.iter().zip(jobs) {
        query = query
            .bind(id)
            .bind(*org_id)
            .bind(kind)
            .bind(payload.to_string())
            .bind(now)
            .bind(0_i64)
            .bind(MAX_ATTEMPTS)
            .bind(now);
    }
    query.execute(conn).await?;
    Ok(ids)
}

/// Claims the next due job, if any, leasing it for [`LEASE_MS`].
pub async fn claim(db: &Db) -> Result<Option<Job>, sqlx::Error> {
    Ok(claim_many(db, 1).await?.pop())
}

/// Claims up to `limit` due jobs, the longest due first, leasing them for [`LEASE_MS`].
pub async fn claim_many(db: &Db, limit: usize) -> Result<Vec<Job>, sqlx::Error> {
    let now = now_ms();
    let lock = match db.engine {
        Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        Engine::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET locked_until = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $2 \
         AND (locked_until IS NULL OR locked_until < $2) ORDER BY run_at, id LIMIT $3{lock}) \
         RETURNING id, org_id, kind, payload, attempts, run_at"
    );
    let _write = db.write_lock().await;
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now + LEASE_MS)
        .bind(now)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&db.pool)
        .await?;
    let mut jobs: Vec<(i64, Job)> = rows
        .iter()
        .map(|row| {
            let payload = serde_json::from_str(&row.get::<String, _>("payload"));
            let job = Job {
                id: row.get("id"),
                org_id: row.get("org_id"),
                kind: row.get("kind"),
                payload: payload.unwrap_or(Value::Null),
                attempts: row.get("attempts"),
            };
            (row.get("run_at"), job)
        })
        .collect();
    // RETURNING follows no order; run them as they came due.
    jobs.sort_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.id.cmp(&y.id)));
    Ok(jobs.into_iter().map(|(_, job)| job).collect())
}

/// Marks a job done, which removes it: only jobs still to run, and those given up, are kept.
pub async fn complete(db: &Db, job: &Job) -> Result<(), sqlx::Error> {
    complete_many(db, std::slice::from_ref(job)).await
}

/// Marks jobs done, in one statement; like [`complete`], this removes them.
pub async fn complete_many(db: &Db, jobs: &[Job]) -> Result<(), sqlx::Error> {
    if jobs.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = (0..jobs.len()).map(|i| format!("${}", i + 1)).collect();
    let sql = format!("DELETE FROM jobs WHERE id IN ({})", ids.join(", "));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for job in jobs {
        query = query.bind(&job.id);
    }
    let _write = db.write_lock().await;
    query.execute(&db.pool).await?;
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

/// How many jobs a worker claims at once; they run concurrently, and those that succeed
/// are marked done together.
pub const CLAIM_BATCH: usize = 32;

/// Runs jobs until the process ends.
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run_next(&state).await {
                Ok(0) => tokio::time::sleep(IDLE_POLL).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "the job queue is unavailable");
                    tokio::time::sleep(IDLE_POLL * 4).await;
                }
            }
        }
    })
}

/// Claims up to [`CLAIM_BATCH`] due jobs and runs them; returns how many ran (0 when none
/// was due).
pub async fn run_next(state: &AppState) -> Result<usize, sqlx::Error> {
    let jobs = claim_many(state.db(), CLAIM_BATCH).await?;
    let mut running = tokio::task::JoinSet::new();
    for job in jobs {
        let state = state.clone();
        running.spawn(async move {
            let started = std::time::Instant::now();
            let outcome = handle(&state, &job).await;
            (job, outcome, started.elapsed())
        });
    }
    let (mut done, mut failed) = (Vec::new(), Vec::new());
    let mut ran = 0;
    while let Some(finished) = running.join_next().await {
        ran += 1;
        let (job, outcome, took) = match finished {
            Ok(finished) => finished,
            // A job that panicked keeps its lease and runs again when the lease ends.
            Err(e) => {
                tracing::error!(error = %e, "a job panicked");
                continue;
            }
        };
        match outcome {
            Ok(()) => {
                let duration_ms = took.as_millis() as u64;
                tracing::info!(job.id = %job.id, job.kind = %job.kind, duration_ms, "job done");
                done.push(job);
            }
            Err(e) => failed.push((job, format!("{e:#}"))),
        }
    }
    complete_many(state.db(), &done).await?;
    for (job, error) in failed {
        fail(state.db(), &job, &error).await?;
    }
    Ok(ran)
}

async fn handle(state: &AppState, job: &Job) -> anyhow::Result<()> {
    match job.kind.as_str() {
        "email.award_issued" => crate::email::send_award_issued(state, job).await,
        crate::web::SIGN_IN_LINK_JOB => crate::web::send_sign_in_link(state, job).await,
        crate::lab::invite::LAB_LINK_JOB => crate::lab::invite::send(state, job).await,
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
