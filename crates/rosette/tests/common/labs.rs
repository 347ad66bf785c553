//! A small lab track for the tests that run lab sessions.

use std::path::{Path, PathBuf};

use rosette::auth::Role;
use serde_json::json;

use super::{TestApp, TestOrg};

/// An organization with an issuer and the hello track imported as `hello-lab`, and a token
/// of an author of it.
pub async fn org_with_hello_track(app: &TestApp) -> (TestOrg, String) {
    let org = app.org_with_token(Role::Admin).await;
    add_hello_track(app, &org).await;
    let author = app.token_for(&org, Role::Author).await;
    (org, author)
}

/// Starts a session of `hello-lab` for Ada with an author's token; the API's answer.
pub async fn start_hello(app: &TestApp, token: &str) -> serde_json::Value {
    let body = json!({"learner": {"email": "ada@example.org", "name": "Ada Lovelace"}});
    let (status, session) = app
        .post(token, "/api/v1/tracks/hello-lab/sessions", body)
        .await;
    assert_eq!(status, 201, "{session}");
    session
}

/// Gives an organization (`org.token` an admin's) an issuer and the hello track as
/// `hello-lab`.
pub async fn add_hello_track(app: &TestApp, org: &TestOrg) {
    let body = json!({"name": "Acme Academy", "url": "https://academy.example.org",
                      "email": "badges@academy.example.org"});
    let (status, issuer) = app.post(&org.token, "/api/v1/issuers", body).await;
    assert_eq!(status, 201, "{issuer}");
    let track = labs::track::Track::load(&hello_track(app, "hello-lab", "")).unwrap();
    rosette::lab::import(app.state.db(), &org.id, &track, None)
        .await
        .unwrap();
}

/// A track of two challenges: write `hello` into `~/hello.txt` (checked), then `bye` into
/// `~/bye.txt`; skipping allowed, a 2-hour time limit and a 10-minute idle timeout.
/// `slug` names it; `achievement_lines` are more lines for its inline achievement.
pub fn hello_track(app: &TestApp, slug: &str, achievement_lines: &str) -> PathBuf {
    let dir = app.data_dir.join(format!("src-{slug}"));
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "track.yaml",
        &format!(
            "slug: {slug}\ntitle: Hello lab\ndescription: Two small steps.\nversion: \"1.0\"\n\
             skipping_allowed: true\ntime_limit: 2h\nidle_timeout: 10m\n\
             achievement:\n  name: Hello Lab\n  description: Did it.\n  \
             criteria: Finished the hello lab.\n{achievement_lines}"
        ),
    );
    write(
        "challenges/01-hello/assignment.md",
        "---\ntitle: Say hello\n---\nWrite `hello` into `~/hello.txt`.\n",
    );
    write(
        "challenges/01-hello/check",
        "#!/bin/bash\ngrep -qx hello hello.txt 2>/dev/null || \
         { echo 'FAIL: ~/hello.txt does not say hello yet.'; exit 1; }\n",
    );
    write(
        "challenges/01-hello/solve",
        "#!/bin/bash\necho hello > hello.txt\n",
    );
    write(
        "challenges/02-bye/assignment.md",
        "---\ntitle: Say goodbye\n---\nWrite `bye` into `~/bye.txt`.\n",
    );
    write(
        "challenges/02-bye/check",
        "#!/bin/bash\ngrep -qx bye bye.txt 2>/dev/null || { echo 'FAIL: no bye'; exit 1; }\n",
    );
    write(
        "challenges/02-bye/solve",
        "#!/bin/bash\necho bye > bye.txt\n",
    );
    dir
}

/// A track that ships with Rosette (`tracks/NAME`).
pub fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tracks")
        .join(name)
}

/// A copy of a shipped track that a test may change.
pub fn copy_of(name: &str, app: &TestApp) -> PathBuf {
    let to = app.data_dir.join("tracks").join(name);
    copy(&shipped(name), &to);
    to
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// How many rows of `table` the organization has.
pub async fn count(app: &TestApp, table: &str, org_id: &str) -> i64 {
    use sqlx::Row;
    let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE org_id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id)
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get("n")
}
