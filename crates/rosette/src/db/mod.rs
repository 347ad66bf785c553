//! The database: one set of SQL for SQLite (embedded default) and PostgreSQL (for scale).
//!
//! Queries go through sqlx's `Any` driver, so the same SQL text runs on both engines. The
//! schema keeps to what both read the same way: TEXT, BIGINT and BLOB/BYTEA columns, ids as
//! UUID text, times as Unix milliseconds, JSON as text. Where the engines really differ (the
//! job queue's row locking), [`Db::engine`] says which one is in use.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};

/// Which database engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// SQLite, in one file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The connection pool and what it connects to.
#[derive(Debug, Clone)]
pub struct Db {
    /// The pool; every query goes through it.
    pub pool: AnyPool,
    /// The engine.
    pub engine: Engine,
    /// Queues this process's SQLite write transactions (see [`Db::write_lock`]).
    writer: Arc<tokio::sync::Mutex<()>>,
}

/// How long a pooled connection may sit idle before it is checked on its next use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`).
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Engine::Postgres
        } else {
            anyhow::bail!("the database URL must start with sqlite: or postgres:");
        };
        // Statements are not logged: their parameters may carry emails.
        let options = AnyConnectOptions::from_str(url)
            .context("the database URL is not valid")?
            .disable_statement_logging();
        let max = match engine {
            // SQLite has one writer; a few connections let readers proceed during a write.
            Engine::Sqlite => 8,
            Engine::Postgres => 32,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            // A connection is pinged before reuse only when it has been idle a while: pinging
            // every one doubled the round trips of a busy server, and a connection that broke
            // in the meantime fails its query, is dropped, and the next one is fresh.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_BEFORE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        // WAL lets reads go on during writes; busy_timeout makes writers queue
                        // instead of failing; foreign keys are off by default in SQLite.
                        // Reading pages through a memory map instead of a read call each, and
                        // a 16 MiB page cache per connection, keep page reads off the system
                        // call path (a profile under load showed them there).
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = NORMAL",
                            "PRAGMA busy_timeout = 5000",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA mmap_size = 268435456",
                            "PRAGMA cache_size = -16384",
                        ] {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .context("cannot connect to the database")?;
        Ok(Self {
            pool,
            engine,
            writer: Arc::default(),
        })
    }

    /// On SQLite, waits for this process's turn to write and holds it until the guard is
    /// dropped; on PostgreSQL, returns at once. Take it before a busy write transaction
    /// begins and keep it to the end: SQLite has one writer, and connections that race for
    /// its lock wait in its busy handler, which sleeps for milliseconds at a time, while a
    /// queue here hands the lock over at once. Never take it twice in one task.
    pub async fn write_lock(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.engine {
            Engine::Sqlite => Some(self.writer.lock().await),
            Engine::Postgres => None,
        }
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.engine {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("the database migration failed")
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// Milliseconds since the Unix epoch, the form every time is stored in.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The `VALUES` list of a multi-row insert of `rows` rows of `columns` values each:
/// `($1, $2), ($3, $4)` for two rows of two.
pub fn placeholders(rows: usize, columns: usize) -> String {
    let row = |r: usize| {
        let values: Vec<String> = (1..=columns)
            .map(|c| format!("${}", r * columns + c))
            .collect();
        format!("({})", values.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// Bytes as lower-case hexadecimal, the text form hashes and salts are stored and shown in.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_every_value_once() {
        assert_eq!(super::placeholders(1, 1), "($1)");
        assert_eq!(super::placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::placeholders(0, 3), "");
    }
}
