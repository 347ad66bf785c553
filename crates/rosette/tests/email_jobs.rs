//! Background jobs and email: a real SMTP server on loopback receives the award email and a
//! learner's lab link (in a real sandbox); with no
//! SMTP server the message lands in the outbox; failures are retried with backoff; many
//! workers share the queue without running a job twice. On both engines.

mod common;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use common::{Backend, TestApp};
use rosette::config::SmtpSettings;
use rosette::db::{new_id, now_ms};
use rosette::jobs;
use serde_json::json;

on_both_engines_with_smtp!(the_award_email_reaches_a_real_smtp_server);
on_both_engines_with_smtp!(a_learner_is_emailed_a_working_link_to_their_lab);
on_both_engines!(
    without_smtp_the_email_lands_in_the_outbox,
    a_failing_job_is_retried_with_backoff_and_given_up_at_last,
    concurrent_workers_run_each_job_exactly_once,
);

/// Messages received by the test SMTP server: (recipients, raw message).
type Inbox = Arc<Mutex<Vec<(Vec<String>, String)>>>;

#[derive(Clone, Default)]
struct Capture {
    inbox: Inbox,
    to: Vec<String>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for Capture {
    fn data_start(
        &mut self,
        _: &str,
        _: &str,
        _: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let message = String::from_utf8_lossy(&self.data).into_owned();
        self.inbox.lock().unwrap().push((self.to.clone(), message));
        mailin_embedded::response::OK
    }
}

/// Starts an SMTP server on a free loopback port; returns its port and inbox.
fn smtp_server() -> (u16, Inbox) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let capture = Capture::default();
    let inbox = Arc::clone(&capture.inbox);
    let mut server = mailin_embedded::Server::new(capture);
    server.with_name("smtp.test").with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, inbox)
}

fn smtp_settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: "none".into(),
        username: None,
        password: None,
        from: "Acme Badges <badges@academy.example.org>".into(),
    }
}

/// Declares the SMTP scenario on both engines, each with its own SMTP server.
macro_rules! on_both_engines_with_smtp {
    ($scenario:ident) => {
        mod $scenario {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                run(Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                run(Backend::Postgres).await
            }

            async fn run(backend: Backend) {
                let (port, inbox) = smtp_server();
                let app = common::spawn_with(backend, |s| s.smtp = Some(smtp_settings(port))).await;
                super::$scenario(app, inbox).await
            }
        }
    };
}
use on_both_engines_with_smtp;

/// An award stored directly (the award API has its own tests), with its email job queued.
async fn stored_award(app: &TestApp) -> String {
    let org = app.org_with_token(rosette::auth::Role::Admin).await;
    let new = rosette::issuer::NewIssuer {
        name: "Acme Academy".into(),
        url: "https://academy.example.org".into(),
        email: "badges@academy.example.org".into(),
        description: None,
    };
    let issuer = rosette::issuer::create(&app.state, &org.id, new)
        .await
        .unwrap();
    let pool = &app.state.db().pool;
    let (achievement, list, award) = (new_id(), new_id(), new_id());
    sqlx::query(
        "INSERT INTO achievements (id, org_id, issuer_id, name, description, criteria, \
         achievement_type, skills, tags, points, created_at, updated_at) \
         VALUES ($1, $2, $3, 'Kubernetes Troubleshooter', 'd', 'c', 'Badge', '[]', '[]', 0, \
         $4, $4)",
    )
    .bind(&achievement)
    .bind(&org.id)
    .bind(&issuer.id)
    .bind(now_ms())
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO status_lists (id, org_id, issuer_id, purpose, capacity, next_index, bits, \
         updated_at) VALUES ($1, $2, $3, 'revocation', 131072, 1, $4, $5)",
    )
    .bind(&list)
    .bind(&org.id)
    .bind(&issuer.id)
    .bind(vec![0u8; 16])
    .bind(now_ms())
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO awards (id, org_id, achievement_id, issuer_id, recipient_email, \
         recipient_name, credential, status_list_id, status_index, valid_from, created_at) \
         VALUES ($1, $2, $3, $4, 'ada@example.org', 'Ada Lovelace', '{}', $5, 0, $6, $6)",
    )
    .bind(&award)
    .bind(&org.id)
    .bind(&achievement)
    .bind(&issuer.id)
    .bind(&list)
    .bind(now_ms())
    .execute(pool)
    .await
    .unwrap();
    let mut tx = pool.begin().await.unwrap();
    let payload = json!({"award_id": award});
    jobs::enqueue(&mut tx, Some(&org.id), "email.award_issued", &payload)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    award
}

async fn the_award_email_reaches_a_real_smtp_server(app: TestApp, inbox: Inbox) {
    let award = stored_award(&app).await;
    assert_eq!(
        jobs::run_next(&app.state).await.unwrap(),
        1,
        "one job was due"
    );
    assert_eq!(jobs::run_next(&app.state).await.unwrap(), 0, "and no other");

    let inbox = inbox.lock().unwrap();
    assert_eq!(inbox.len(), 1);
    let (to, message) = &inbox[0];
    assert_eq!(to, &["ada@example.org"]);
    assert!(
        message.contains("Subject: You earned the Kubernetes Troubleshooter badge"),
        "{message}"
    );
    assert!(
        message.contains(&app.at(&format!("/credentials/{award}"))),
        "{message}"
    );
    assert!(
        message.contains("From: \"Acme Badges\" <badges@academy.example.org>")
            || message.contains("From: Acme Badges <badges@academy.example.org>"),
        "{message}"
    );
}

async fn without_smtp_the_email_lands_in_the_outbox(app: TestApp) {
    let award = stored_award(&app).await;
    assert_eq!(jobs::run_next(&app.state).await.unwrap(), 1);
    let outbox = app.data_dir.join("outbox");
    let files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let message = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        message.contains("To: \"Ada Lovelace\" <ada@example.org>")
            || message.contains("To: Ada Lovelace <ada@example.org>"),
        "{message}"
    );
    assert!(message.contains(&format!("/credentials/{award}")));
}

async fn a_failing_job_is_retried_with_backoff_and_given_up_at_last(app: TestApp) {
    // A job of a kind nobody handles fails every time.
    let pool = &app.state.db().pool;
    let mut tx = pool.begin().await.unwrap();
    let id = jobs::enqueue(&mut tx, None, "no.such.kind", &json!({}))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(jobs::run_next(&app.state).await.unwrap(), 1);
    let (attempts, run_at, done, error) = job_row(&app, &id).await;
    assert_eq!(attempts, 1);
    assert!(run_at > now_ms() + 5_000, "the retry waits");
    assert!(done.is_none());
    assert!(error.unwrap().contains("unknown job kind"));
    assert_eq!(jobs::run_next(&app.state).await.unwrap(), 0, "not due yet");

    for attempt in 2..=jobs::MAX_ATTEMPTS {
        sqlx::query("UPDATE jobs SET run_at = 0 WHERE id = $1")
            .bind(&id)
            .execute(pool)
            .await
            .unwrap();
        assert_eq!(
            jobs::run_next(&app.state).await.unwrap(),
            1,
            "attempt {attempt}"
        );
    }
    let (attempts, _, done, _) = job_row(&app, &id).await;
    assert_eq!(attempts, jobs::MAX_ATTEMPTS);
    assert!(done.is_some(), "given up after the last attempt");
}

async fn job_row(app: &TestApp, id: &str) -> (i64, i64, Option<i64>, Option<String>) {
    use sqlx::Row;
    let row = sqlx::query("SELECT attempts, run_at, done_at, last_error FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap();
    (
        row.get("attempts"),
        row.get("run_at"),
        row.get("done_at"),
        row.get("last_error"),
    )
}

async fn concurrent_workers_run_each_job_exactly_once(app: TestApp) {
    let mut awards = Vec::new();
    for _ in 0..12 {
        awards.push(stored_award(&app).await);
    }
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let state = app.state.clone();
            tokio::spawn(async move {
                let mut ran = 0;
                loop {
                    match jobs::run_next(&state).await.unwrap() {
                        0 => break ran,
                        n => ran += n,
                    }
                }
            })
        })
        .collect();
    let mut total = 0;
    for worker in workers {
        total += worker.await.unwrap();
    }
    assert_eq!(total, 12, "every job ran exactly once");
    let files = std::fs::read_dir(app.data_dir.join("outbox"))
        .unwrap()
        .count();
    assert_eq!(files, 12);
}

async fn a_learner_is_emailed_a_working_link_to_their_lab(app: TestApp, inbox: Inbox) {
    let (_, author) = common::labs::org_with_hello_track(&app).await;
    let start = |email_link: bool| {
        let body = json!({"learner": {"email": "ada@example.org", "name": "Ada Lovelace"},
                          "email_link": email_link});
        app.post(&author, "/api/v1/tracks/hello-lab/sessions", body)
    };
    let (status, session) = start(true).await;
    assert_eq!(status, 201, "{session}");
    // A session whose link is not asked for, and one that ends before its email goes: no
    // email for either.
    let (status, quiet) = start(false).await;
    assert_eq!(status, 201, "{quiet}");
    let (status, ended) = start(true).await;
    assert_eq!(status, 201, "{ended}");
    let ended_id = ended["id"].as_str().unwrap();
    let path = format!("/api/v1/lab-sessions/{ended_id}/end");
    assert_eq!(app.post(&author, &path, json!({})).await.0, 200);
    while jobs::run_next(&app.state).await.unwrap() > 0 {}

    let link = session["learner_url"].as_str().unwrap().to_owned();
    {
        let inbox = inbox.lock().unwrap();
        assert_eq!(inbox.len(), 1, "one email: {inbox:?}");
        let (to, message) = &inbox[0];
        assert_eq!(to, &["ada@example.org"]);
        assert!(
            message.contains("Subject: Your hands-on lab is ready: Hello lab"),
            "{message}"
        );
        // The body is quoted-printable: long lines are folded with `=` at their ends.
        let unfolded = message.replace("=\r\n", "").replace("=3D", "=");
        assert!(unfolded.contains(&link), "{message}");
    }
    // The jobs table kept no readable link.
    use sqlx::Row;
    let payloads: Vec<String> = sqlx::query("SELECT payload FROM jobs")
        .fetch_all(&app.state.db().pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("payload"))
        .collect();
    let secret = link.rsplit('/').next().unwrap();
    assert!(payloads.iter().all(|p| !p.contains(secret)));
    let followed = app.client.get(&link).send().await.unwrap();
    assert_eq!(followed.status(), 303);
    for running in [&session, &quiet] {
        let id = running["id"].as_str().unwrap();
        let path = format!("/api/v1/lab-sessions/{id}/end");
        assert_eq!(app.post(&author, &path, json!({})).await.0, 200);
    }
}
