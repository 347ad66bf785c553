//! Lab sessions over the API, on both engines and in real sandboxes: a failed check with its
//! `FAIL:` lines, the work done, a pass, a skip, the award with its evidence, the events;
//! ending early; what is refused; and a restart's leftovers.

mod common;

use std::path::PathBuf;

use common::labs::{hello_track, org_with_hello_track, start_hello as start};
use common::{TestApp, TestOrg};
use rosette::auth::Role;
use serde_json::{Value, json};

on_both_engines!(
    a_learner_fails_fixes_passes_skips_and_is_awarded_with_evidence,
    a_session_ended_early_takes_no_more_checks,
    sessions_refuse_what_they_cannot_do,
    sessions_end_at_their_time_limit_or_when_idle,
    taking_a_track_again_renews_only_an_expiring_award,
);

/// An organization with an issuer, an author's token and the hello track as `hello-lab`.
async fn setup(app: &TestApp) -> (TestOrg, String) {
    org_with_hello_track(app).await
}

async fn post(app: &TestApp, token: &str, session: &Value, action: &str) -> (u16, Value) {
    let id = session["id"].as_str().unwrap();
    app.post(
        token,
        &format!("/api/v1/lab-sessions/{id}/{action}"),
        json!({}),
    )
    .await
}

/// Does the first challenge's work as the learner would, in the session's home.
fn write_as_learner(app: &TestApp, session: &Value, file: &str, text: &str) {
    let id = session["id"].as_str().unwrap();
    let home: PathBuf = app.data_dir.join("labs/sessions").join(id).join("home");
    let path = home.join(file);
    std::fs::write(&path, text).unwrap();
    std::os::unix::fs::chown(&path, Some(101_000), Some(101_000)).unwrap();
}

/// The JSON answer to a request.
async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

async fn event_kinds(app: &TestApp, org_id: &str, session_id: &str) -> Vec<String> {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT kind FROM events WHERE org_id = $1 AND subject_id = $2 ORDER BY created_at, id",
    )
    .bind(org_id)
    .bind(session_id)
    .fetch_all(&app.state.db().pool)
    .await
    .unwrap();
    rows.iter().map(|r| r.get::<String, _>("kind")).collect()
}

async fn a_learner_fails_fixes_passes_skips_and_is_awarded_with_evidence(app: TestApp) {
    let (org, author) = setup(&app).await;
    let session = start(&app, &author).await;
    assert_eq!(session["status"], "active");
    assert_eq!(session["current"], 0);
    assert_eq!(session["challenges"][0]["title"], "Say hello");
    assert!(
        session["challenges"][1]["assignment"]
            .as_str()
            .unwrap()
            .contains("bye.txt")
    );

    let (status, failed) = post(&app, &author, &session, "check").await;
    assert_eq!(status, 200, "{failed}");
    assert_eq!(failed["passed"], false);
    assert_eq!(
        failed["fail"],
        json!(["~/hello.txt does not say hello yet."])
    );
    assert_eq!(
        failed["session"]["challenges"][0]["progress"]["attempts"],
        1
    );

    write_as_learner(&app, &session, "hello.txt", "hello\n");
    let (status, passed) = post(&app, &author, &session, "check").await;
    assert_eq!(status, 200, "{passed}");
    assert_eq!(passed["passed"], true, "{passed}");
    assert_eq!(passed["session"]["current"], 1);
    assert_eq!(
        passed["session"]["challenges"][0]["progress"]["attempts"],
        2
    );

    let (status, done) = post(&app, &author, &session, "skip").await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["challenges"][1]["progress"]["skipped"], true);
    let award_id = done["award_id"].as_str().expect("an award").to_owned();

    // The award: to the learner, with evidence of the lab.
    let (status, award) = app
        .get(&author, &format!("/api/v1/awards/{award_id}"))
        .await;
    assert_eq!(status, 200, "{award}");
    let credential = json_of(app.client.get(award["credential_url"].as_str().unwrap())).await;
    let evidence = &credential["evidence"][0];
    assert_eq!(evidence["name"], "Hands-on lab: hello-lab");
    let narrative = evidence["narrative"].as_str().unwrap();
    assert!(
        narrative.contains("| Say hello | passed | 2 |"),
        "{narrative}"
    );
    assert!(
        narrative.contains("| Say goodbye | skipped | 0 |"),
        "{narrative}"
    );
    assert!(narrative.contains("version 1"), "{narrative}");
    // Results, each of a kind the achievement describes.
    let subject = &credential["credentialSubject"];
    let described: Vec<&str> = subject["achievement"]["resultDescription"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    let results = subject["result"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{subject}");
    assert_eq!(results[0]["status"], "Completed");
    assert_eq!(
        (&results[1]["value"], &results[2]["value"]),
        (&json!("passed"), &json!("skipped"))
    );
    for result in results {
        let id = result["resultDescription"].as_str().unwrap();
        assert!(described.contains(&id), "{id} not in {described:?}");
    }
    // And the credential with them verifies: schema, proof, status.
    let verified = json_of(app.client.post(app.at("/api/v1/verify")).json(&credential)).await;
    assert_eq!(verified["verdict"], "valid", "{verified}");

    let id = session["id"].as_str().unwrap();
    assert_eq!(
        event_kinds(&app, &org.id, id).await,
        [
            "lab.session_started",
            "lab.check_failed",
            "lab.check_passed",
            "lab.skipped",
            "lab.track_completed"
        ]
    );
    // Finished: no more checks, and the sandbox and its folder are gone.
    let (status, _) = post(&app, &author, &session, "check").await;
    assert_eq!(status, 409);
    assert!(!app.data_dir.join("labs/sessions").join(id).exists());
}

async fn a_session_ended_early_takes_no_more_checks(app: TestApp) {
    let (org, author) = setup(&app).await;
    let session = start(&app, &author).await;
    let (status, ended) = post(&app, &author, &session, "end").await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["status"], "ended");
    assert!(ended["end_reason"].as_str().is_some());
    for action in ["check", "skip", "end"] {
        let (status, problem) = post(&app, &author, &session, action).await;
        assert_eq!(status, 409, "{action}: {problem}");
    }
    let id = session["id"].as_str().unwrap();
    assert_eq!(
        event_kinds(&app, &org.id, id).await,
        ["lab.session_started", "lab.abandoned"]
    );

    // A session a server held when it stopped is ended when it starts again.
    let other = start(&app, &author).await;
    let ended = rosette::lab::session::end_orphans(&app.state)
        .await
        .unwrap();
    assert_eq!(ended, 1);
    let path = format!("/api/v1/lab-sessions/{}", other["id"].as_str().unwrap());
    let (status, after) = app.get(&author, &path).await;
    assert_eq!(status, 200);
    assert_eq!(
        (&after["status"], &after["end_reason"]),
        (&json!("ended"), &json!("the server restarted"))
    );
}

async fn sessions_refuse_what_they_cannot_do(app: TestApp) {
    let (org, author) = setup(&app).await;
    let analyst = app.token_for(&org, Role::Analyst).await;
    let body = json!({"learner": {"email": "ada@example.org"}});
    let (status, _) = app
        .post(&analyst, "/api/v1/tracks/hello-lab/sessions", body.clone())
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .post(&author, "/api/v1/tracks/no-such-track/sessions", body)
        .await;
    assert_eq!(status, 404);
    let bad = json!({"learner": {"email": "not an address"}});
    let (status, problem) = app
        .post(&author, "/api/v1/tracks/hello-lab/sessions", bad)
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/learner/email");

    let session = start(&app, &author).await;
    let (status, _) = post(&app, &analyst, &session, "check").await;
    assert_eq!(status, 403);
    let (other, _) = setup(&app).await;
    let path = format!("/api/v1/lab-sessions/{}", session["id"].as_str().unwrap());
    let (status, _) = app.get(&other.token, &path).await;
    assert_eq!(status, 404);
    let (status, _) = app.get(&author, "/api/v1/lab-sessions/nope").await;
    assert_eq!(status, 404);
}

async fn sessions_end_at_their_time_limit_or_when_idle(app: TestApp) {
    use rosette::lab::session::reap;
    let (org, author) = setup(&app).await;
    let now = rosette::db::now_ms();
    let idle = start(&app, &author).await;
    assert_eq!(idle["idle_timeout_seconds"], 600);
    let ends_at = chrono::DateTime::parse_from_rfc3339(idle["ends_at"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    assert!((ends_at - now - 2 * 3_600_000).abs() < 60_000, "{idle}");
    assert_eq!(
        reap(&app.state, now + 60_000).await.unwrap(),
        0,
        "a minute is not idle"
    );
    assert_eq!(reap(&app.state, now + 11 * 60_000).await.unwrap(), 1);
    let path = |s: &Value| format!("/api/v1/lab-sessions/{}", s["id"].as_str().unwrap());
    let (_, after) = app.get(&author, &path(&idle)).await;
    assert_eq!(after["status"], "ended");
    assert_eq!(after["end_reason"], "the session was idle for too long");
    assert_eq!(after["ends_at"], Value::Null);

    let timed = start(&app, &author).await;
    assert_eq!(
        reap(&app.state, now + 2 * 3_600_000 + 1_000).await.unwrap(),
        1
    );
    let (_, after) = app.get(&author, &path(&timed)).await;
    assert_eq!(after["end_reason"], "the track's time limit was reached");
    let id = timed["id"].as_str().unwrap();
    assert_eq!(
        event_kinds(&app, &org.id, id).await,
        ["lab.session_started", "lab.abandoned"]
    );
}

/// Starts a session of `slug` and skips through it; the finished session.
async fn skip_through(app: &TestApp, token: &str, slug: &str) -> Value {
    let body = json!({"learner": {"email": "ada@example.org"}});
    let path = format!("/api/v1/tracks/{slug}/sessions");
    let (status, session) = app.post(token, &path, body).await;
    assert_eq!(status, 201, "{session}");
    let mut last = session.clone();
    for _ in 0..2 {
        let (status, after) = post(app, token, &session, "skip").await;
        assert_eq!(status, 200, "{after}");
        last = after;
    }
    assert_eq!(last["status"], "completed", "{last}");
    last
}

async fn taking_a_track_again_renews_only_an_expiring_award(app: TestApp) {
    let (org, author) = setup(&app).await;
    // No validity: the learner keeps the award they hold.
    let first = skip_through(&app, &author, "hello-lab").await;
    let again = skip_through(&app, &author, "hello-lab").await;
    assert_eq!(first["award_id"], again["award_id"]);

    // Valid for ten days, so expiring at once: taking it again renews it, and the old
    // credential is revoked as superseded.
    let dir = hello_track(&app, "hello-renew", "  valid_for_days: 10\n");
    let track = labs::track::Track::load(&dir).unwrap();
    rosette::lab::import(app.state.db(), &org.id, &track, None)
        .await
        .unwrap();
    let old = skip_through(&app, &author, "hello-renew").await;
    let new = skip_through(&app, &author, "hello-renew").await;
    assert_ne!(old["award_id"], new["award_id"]);
    let path = |s: &Value| format!("/api/v1/awards/{}", s["award_id"].as_str().unwrap());
    let (_, old_award) = app.get(&author, &path(&old)).await;
    assert_eq!(old_award["status"], "revoked", "{old_award}");
    let reason = old_award["revocation_reason"].as_str().unwrap();
    assert!(
        reason.contains(new["award_id"].as_str().unwrap()),
        "{reason}"
    );
    let (_, new_award) = app.get(&author, &path(&new)).await;
    assert_eq!(new_award["status"], "active");
}

/// A server that may run one session at a time (`labs.max_sessions = 1`), on `backend`.
async fn server_of_one_session(backend: common::Backend) {
    let app = common::spawn_with(backend, |s| s.labs.max_sessions = 1).await;
    let (_, author) = setup(&app).await;
    let first = start(&app, &author).await;
    let body = json!({"learner": {"email": "bob@example.org"}});
    let (status, problem) = app
        .post(&author, "/api/v1/tracks/hello-lab/sessions", body.clone())
        .await;
    assert_eq!(status, 503, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("labs.max_sessions"),
        "{problem}"
    );
    // Refused, it left nothing behind; once the first has ended, there is room again.
    assert_eq!(post(&app, &author, &first, "end").await.0, 200);
    let (status, second) = app
        .post(&author, "/api/v1/tracks/hello-lab/sessions", body)
        .await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(post(&app, &author, &second, "end").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_runs_at_most_its_number_of_sessions_on_sqlite() {
    server_of_one_session(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_runs_at_most_its_number_of_sessions_on_postgres() {
    server_of_one_session(common::Backend::Postgres).await;
}
