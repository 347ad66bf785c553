//! Uploading lab tracks as archives, on both engines: over the API (`POST /api/v1/tracks`)
//! with versions and "unchanged", broken tracks and hostile archives refused with nothing
//! stored, the body limit; and the web interface's upload form and track page.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::browser::{Browser, owner_browser};
use common::labs::{copy_of, count, shipped};
use common::{TestApp, TestOrg};
use reqwest::multipart::{Form, Part};
use rosette::auth::Role;
use serde_json::{Value, json};
use sqlx::Row;

on_both_engines!(
    an_archive_is_imported_then_unchanged_and_a_changed_one_is_version_2,
    a_broken_track_lists_every_problem_and_stores_nothing,
    archives_that_reach_outside_the_track_are_refused_with_the_entry_named,
    bodies_that_are_not_archives_or_too_large_are_refused,
    the_upload_page_imports_a_track_and_shows_every_problem,
    the_track_page_shows_settings_challenges_versions_and_sessions,
);

/// A tar of the folder `dir`, its files named under `prefix` (`"linux-basics/"` or `""`).
fn tar_of(dir: &Path, prefix: &str) -> Vec<u8> {
    fn add(builder: &mut tar::Builder<Vec<u8>>, dir: &Path, name: &str) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = format!("{name}{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                builder.append_dir(&name, entry.path()).unwrap();
                add(builder, &entry.path(), &format!("{name}/"));
            } else {
                builder.append_path_with_name(entry.path(), &name).unwrap();
            }
        }
    }
    let mut builder = tar::Builder::new(Vec::new());
    add(&mut builder, dir, prefix);
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// `tar czf linux-basics.tgz linux-basics/`, as an author would make it.
fn tgz_of(dir: &Path) -> Vec<u8> {
    let name = dir.file_name().unwrap().to_string_lossy();
    gzip(&tar_of(dir, &format!("{name}/")))
}

/// A track's archive with one more entry whose header says exactly `name` and `kind`: the
/// `tar` crate's own checks on names are bypassed, as a hostile archive's maker would.
fn with_entry(dir: &Path, kind: tar::EntryType, name: &str) -> Vec<u8> {
    let mut tar = tar_of(dir, "");
    // Drop the end-of-archive blocks, add the entry, and end the archive again.
    while tar.ends_with(&[0; 512]) {
        tar.truncate(tar.len() - 512);
    }
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kind);
    let field = &mut header.as_old_mut().name;
    field[..name.len()].copy_from_slice(name.as_bytes());
    let contents: &[u8] = if kind == tar::EntryType::Regular {
        b"#!/bin/sh\necho pwned\n"
    } else {
        header.set_link_name("/etc/passwd").unwrap();
        b""
    };
    header.set_size(contents.len() as u64);
    header.set_mode(0o755);
    header.set_cksum();
    let mut builder = tar::Builder::new(tar);
    builder.append(&header, contents).unwrap();
    gzip(&builder.into_inner().unwrap())
}

async fn with_issuer(app: &TestApp) -> (TestOrg, String) {
    let org = app.org_with_token(Role::Author).await;
    let admin = app.token_for(&org, Role::Admin).await;
    let id = new_issuer(app, &admin, "Acme Academy").await;
    (org, id)
}

async fn new_issuer(app: &TestApp, admin: &str, name: &str) -> String {
    let body = json!({"name": name, "url": "https://academy.example.org",
                      "email": "badges@academy.example.org"});
    let (status, issuer) = app.post(admin, "/api/v1/issuers", body).await;
    assert_eq!(status, 201, "{issuer}");
    issuer["id"].as_str().unwrap().to_owned()
}

/// `POST /api/v1/tracks{query}` with the archive; the status, media type and answer.
async fn upload(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    content_type: &str,
    archive: Vec<u8>,
) -> (u16, String, Value) {
    let mut request = app
        .client
        .post(app.at(&format!("/api/v1/tracks{query}")))
        .header("content-type", content_type)
        .body(archive);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let media_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, media_type, body)
}

/// What the uploads left in the data folder: nothing, once each has answered.
fn left_behind(app: &TestApp) -> Vec<PathBuf> {
    match std::fs::read_dir(app.data_dir.join("labs/uploads")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

fn assert_refused(answer: &(u16, String, Value), status: u16, said: &str) {
    let (got, media_type, problem) = answer;
    assert_eq!(*got, status, "{problem}");
    assert_eq!(media_type, "application/problem+json");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains(said), "{said:?} in {detail:?}");
}

async fn an_archive_is_imported_then_unchanged_and_a_changed_one_is_version_2(app: TestApp) {
    let (org, _) = with_issuer(&app).await;
    let dir = copy_of("linux-basics", &app);
    let archive = tgz_of(&dir);

    let (status, _, first) = upload(
        &app,
        Some(&org.token),
        "",
        "application/gzip",
        archive.clone(),
    )
    .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["change"], "created");
    assert_eq!(first["achievement_created"], true);
    assert_eq!(first["track"]["slug"], "linux-basics");
    assert_eq!(
        (&first["track"]["number"], &first["track"]["challenges"]),
        (&json!(1), &json!(4))
    );

    // The same files again, as `application/x-gzip`: nothing stored.
    let (status, _, again) =
        upload(&app, Some(&org.token), "", "application/x-gzip", archive).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["change"], "unchanged");
    assert_eq!(again["achievement_created"], false);
    assert_eq!(again["track"], first["track"]);
    assert_eq!(count(&app, "track_versions", &org.id).await, 1);

    // A folder imported from the command line with the same files is unchanged too.
    let track = labs::track::Track::load(&dir).unwrap();
    let cli = rosette::lab::import(app.state.db(), &org.id, &track, None)
        .await
        .unwrap();
    assert_eq!(cli.change, rosette::lab::Change::Unchanged);

    // A changed script, sent as a plain tar with the files at its root: version 2.
    let check = dir.join("challenges/01-project-folder/check");
    let script = std::fs::read_to_string(&check).unwrap();
    std::fs::write(&check, format!("{script}\n# stricter one day\n")).unwrap();
    let plain = tar_of(&dir, "");
    let (status, _, second) = upload(&app, Some(&org.token), "", "application/x-tar", plain).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["change"], "new_version");
    assert_eq!(second["track"]["number"], 2);
    assert_eq!(
        second["track"]["achievement_id"],
        first["track"]["achievement_id"]
    );
    assert_eq!(count(&app, "track_versions", &org.id).await, 2);
    let (_, listed) = app.get(&org.token, "/api/v1/tracks/linux-basics").await;
    assert_eq!(listed["number"], 2);

    // Analysts read tracks but do not upload them; without a token, nothing at all.
    let analyst = app.token_for(&org, Role::Analyst).await;
    let archive = tgz_of(&shipped("git-essentials"));
    let refused = upload(
        &app,
        Some(&analyst),
        "",
        "application/gzip",
        archive.clone(),
    )
    .await;
    assert_refused(&refused, 403, "author");
    let anonymous = upload(&app, None, "", "application/gzip", archive).await;
    assert_eq!(anonymous.0, 401);
    assert_eq!(count(&app, "tracks", &org.id).await, 1);
    assert!(left_behind(&app).is_empty(), "{:?}", left_behind(&app));
}

async fn a_broken_track_lists_every_problem_and_stores_nothing(app: TestApp) {
    let (org, issuer) = with_issuer(&app).await;
    let dir = copy_of("linux-basics", &app);
    let yaml = std::fs::read_to_string(dir.join("track.yaml")).unwrap();
    let broken = yaml.replace("time_limit:", "time_limt:");
    std::fs::write(dir.join("track.yaml"), broken).unwrap();
    std::fs::remove_file(dir.join("challenges/02-permissions/solve")).unwrap();

    let answer = upload(&app, Some(&org.token), "", "application/gzip", tgz_of(&dir)).await;
    assert_refused(&answer, 422, "time_limt");
    let errors = answer.2["errors"].as_array().unwrap();
    let pointers: Vec<&str> = errors
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        ["/track.yaml", "/challenges/02-permissions/solve"],
        "{errors:?}"
    );
    assert!(errors[1]["detail"].as_str().unwrap().contains("missing"));
    let detail = answer.2["detail"].as_str().unwrap();
    assert!(
        !detail.contains(&*app.data_dir.to_string_lossy()),
        "{detail}"
    );
    for table in ["tracks", "track_versions", "achievements"] {
        assert_eq!(count(&app, table, &org.id).await, 0, "{table}");
    }

    // A valid track the organization cannot take as it is: two issuers, and none named.
    let admin = app.token_for(&org, Role::Admin).await;
    let second = new_issuer(&app, &admin, "Second Academy").await;
    let git = tgz_of(&shipped("git-essentials"));
    let answer = upload(&app, Some(&org.token), "", "application/gzip", git.clone()).await;
    assert_refused(&answer, 422, "?issuer=ID");
    assert_eq!(count(&app, "achievements", &org.id).await, 0);
    let unknown = upload(
        &app,
        Some(&org.token),
        "?isuer=x",
        "application/gzip",
        git.clone(),
    );
    assert_refused(&unknown.await, 400, "query string");

    // Named, it goes in, and its achievement is the named issuer's.
    let query = format!("?issuer={second}");
    let (status, _, made) = upload(&app, Some(&org.token), &query, "application/gzip", git).await;
    assert_eq!(status, 201, "{made}");
    let id = made["track"]["achievement_id"].as_str().unwrap();
    let achievement = rosette::achievement::get(app.state.db(), &org.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(achievement.issuer_id, second);
    assert_ne!(achievement.issuer_id, issuer);
    assert!(left_behind(&app).is_empty(), "{:?}", left_behind(&app));
}

async fn archives_that_reach_outside_the_track_are_refused_with_the_entry_named(app: TestApp) {
    let (org, _) = with_issuer(&app).await;
    let dir = shipped("linux-basics");
    let cases = [
        (
            tar::EntryType::Regular,
            "../x",
            "\"../x\" leads out of the track's folder",
        ),
        (
            tar::EntryType::Regular,
            "challenges/../../x",
            "\"challenges/../../x\" leads out",
        ),
        (
            tar::EntryType::Regular,
            "/etc/cron.d/x",
            "\"/etc/cron.d/x\" is an absolute path",
        ),
        (
            tar::EntryType::Symlink,
            "challenges/01-project-folder/solve2",
            "symbolic link",
        ),
        (
            tar::EntryType::Link,
            "README.link",
            "\"README.link\" is a hard link",
        ),
        (tar::EntryType::Char, "dev-null", "\"dev-null\" is a device"),
    ];
    for (kind, name, said) in cases {
        let archive = with_entry(&dir, kind, name);
        let answer = upload(&app, Some(&org.token), "", "application/gzip", archive).await;
        assert_refused(&answer, 400, said);
        assert!(
            answer.2["detail"].as_str().unwrap().contains(name),
            "{}",
            answer.2
        );
    }
    assert!(!app.data_dir.join("labs/x").exists() && !app.data_dir.join("x").exists());
    for table in ["tracks", "achievements"] {
        assert_eq!(count(&app, table, &org.id).await, 0, "{table}");
    }
    assert!(left_behind(&app).is_empty(), "{:?}", left_behind(&app));
}

async fn bodies_that_are_not_archives_or_too_large_are_refused(app: TestApp) {
    let (org, _) = with_issuer(&app).await;
    let token = Some(org.token.as_str());
    let archive = tgz_of(&shipped("linux-basics"));

    let json = upload(&app, token, "", "application/json", archive.clone()).await;
    assert_refused(&json, 415, "application/gzip");
    let zip = upload(
        &app,
        token,
        "",
        "application/gzip",
        b"PK\x03\x04....".to_vec(),
    )
    .await;
    assert_refused(&zip, 400, "zip file");
    let text = upload(&app, token, "", "application/x-tar", b"track.yaml".to_vec()).await;
    assert_refused(&text, 400, "neither a gzip-compressed tar");
    let mut cut = archive;
    cut.truncate(cut.len() / 2);
    let cut = upload(&app, token, "", "application/gzip", cut).await;
    assert_refused(&cut, 400, "cannot be read");

    let limit = rosette::lab::archive::MAX_ARCHIVE_BYTES;
    let mut too_large = gzip(b"");
    too_large.resize(limit + 1, 0);
    let answer = upload(&app, token, "", "application/gzip", too_large).await;
    assert_refused(&answer, 413, "at most 20 MiB");
    assert_eq!(count(&app, "tracks", &org.id).await, 0);
}

/// Creates the organization's issuer through its form.
async fn issuer_by_form(browser: &Browser) {
    let fields = [
        ("name", "Acme Academy"),
        ("url", "https://academy.example.org"),
        ("email", "badges@academy.example.org"),
    ];
    let created = browser
        .submit("/manage/issuers", "/manage/issuers", &fields)
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
}

fn upload_form(csrf: &str, archive: Option<Vec<u8>>) -> Form {
    let form = Form::new().text("csrf", csrf.to_owned());
    let part = match archive {
        Some(bytes) => Part::bytes(bytes)
            .file_name("linux-basics.tgz")
            .mime_str("application/gzip")
            .unwrap(),
        // An empty file input, as a browser sends it.
        None => Part::bytes(Vec::new()).file_name(""),
    };
    form.part("archive", part)
}

async fn the_upload_page_imports_a_track_and_shows_every_problem(app: TestApp) {
    let (browser, org) = owner_browser(&app).await;
    issuer_by_form(&browser).await;
    let page = browser.get("/manage/labs").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for part in [
        "aria-current=\"page\">Labs</a>",
        "No tracks yet.",
        "enctype=\"multipart/form-data\"",
        "name=\"archive\" type=\"file\"",
        "id=\"upload-issuer\" name=\"issuer_id\"",
    ] {
        assert!(page.body.contains(part), "{part}");
    }

    // A broken track: every problem on the page, nothing stored.
    let dir = copy_of("linux-basics", &app);
    let yaml = std::fs::read_to_string(dir.join("track.yaml")).unwrap();
    std::fs::write(dir.join("track.yaml"), yaml.replace("title:", "tittle:")).unwrap();
    std::fs::remove_file(dir.join("challenges/03-find-text/check")).unwrap();
    let refused = browser
        .post_multipart(
            "/manage/labs",
            upload_form(&page.csrf(), Some(tgz_of(&dir))),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("The track was not imported, and nothing was stored")
    );
    assert!(
        refused.body.contains("track.yaml: unknown field `tittle`"),
        "{}",
        refused.body
    );
    let missing = "challenges&#x2f;03-find-text&#x2f;check: this script is missing";
    assert!(refused.body.contains(missing), "{}", refused.body);
    let hostile = with_entry(&shipped("linux-basics"), tar::EntryType::Regular, "../x");
    let refused = browser
        .post_multipart("/manage/labs", upload_form(&page.csrf(), Some(hostile)))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("The archive&#x27;s entry &quot;..&#x2f;x&quot;")
    );
    let empty = browser
        .post_multipart("/manage/labs", upload_form(&page.csrf(), None))
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Choose the track&#x27;s archive"));
    assert_eq!(count(&app, "tracks", &org.id).await, 0);

    // The shipped track goes in, and again is unchanged.
    let archive = tgz_of(&shipped("linux-basics"));
    let done = browser
        .post_multipart(
            "/manage/labs",
            upload_form(&page.csrf(), Some(archive.clone())),
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location, "/manage/labs/linux-basics?notice=created");
    let shown = browser.get(&done.location).await;
    assert!(shown.body.contains("The track was imported as version 1."));
    let again = browser
        .post_multipart("/manage/labs", upload_form(&page.csrf(), Some(archive)))
        .await;
    assert_eq!(again.location, "/manage/labs/linux-basics?notice=unchanged");

    let list = browser.get("/manage/labs").await;
    let achievement = rosette::lab::get(app.state.db(), &org.id, "linux-basics")
        .await
        .unwrap()
        .unwrap()
        .achievement_id;
    for part in [
        "<a href=\"/manage/labs/linux-basics\">Linux essentials: files, permissions and",
        "<code>linux-basics</code>",
        "1 <span class=\"muted small\">(1.0.0)</span>",
        "<td class=\"num\">4</td>",
        &format!("<a href=\"/manage/achievements/{achievement}\">Linux Essentials</a>"),
    ] {
        assert!(list.body.contains(part), "{part} in {}", list.body);
    }
    assert!(left_behind(&app).is_empty(), "{:?}", left_behind(&app));
}

/// Adds a session row as the session service writes one, without a sandbox.
async fn stored_session(app: &TestApp, org_id: &str, status: &str, current: i64) -> String {
    let row = sqlx::query(
        "SELECT t.id AS track_id, v.id AS version_id FROM tracks t JOIN track_versions v \
         ON v.track_id = t.id AND v.number = t.latest_version WHERE t.org_id = $1",
    )
    .bind(org_id)
    .fetch_one(&app.state.db().pool)
    .await
    .unwrap();
    let id = uuid::Uuid::new_v4().to_string();
    let award = (status == "completed").then(|| format!("award-{}", &id[..8]));
    sqlx::query(
        "INSERT INTO lab_sessions (id, org_id, track_id, version_id, learner_email, \
         learner_name, status, current_challenge, progress, award_id, runner, started_at) \
         VALUES ($1, $2, $3, $4, $5, 'Ada', $6, $7, '[]', $8, 'elsewhere', $9)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(row.get::<String, _>("track_id"))
    .bind(row.get::<String, _>("version_id"))
    .bind(format!("{status}@example.org"))
    .bind(status)
    .bind(current)
    .bind(&award)
    .bind(1_700_000_000_000_i64)
    .execute(&app.state.db().pool)
    .await
    .unwrap();
    award.unwrap_or(id)
}

async fn the_track_page_shows_settings_challenges_versions_and_sessions(app: TestApp) {
    let (browser, org) = owner_browser(&app).await;
    issuer_by_form(&browser).await;
    let csrf = browser.get("/manage/labs").await.csrf();
    let archive = tgz_of(&shipped("linux-basics"));
    let done = browser
        .post_multipart("/manage/labs", upload_form(&csrf, Some(archive)))
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    stored_session(&app, &org.id, "active", 1).await;
    let award = stored_session(&app, &org.id, "completed", 3).await;

    let page = browser.get("/manage/labs/linux-basics").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for part in [
        "<h1>Linux essentials: files, permissions and processes</h1>",
        "<p>Four short, hands-on challenges in a real Linux shell.",
        "<dt>Time limit</dt><dd>1h30m</dd>",
        "<dt>Idle timeout</dt><dd>20m</dd>",
        "<dt>Skipping</dt><dd>allowed</dd>",
        "<dt>Network</dt><dd>none</dd>",
        "<dt>Memory</dt><dd>512 MiB</dd>",
        ">Linux Essentials</a>",
        "<strong>Fix file permissions</strong>",
        "Search two hundred log files for one line.",
        "<td class=\"num\">1</td><td>1.0.0</td>",
        "active@example.org <span class=\"muted small\">(Ada)</span>",
        "2 of 4: Fix file permissions",
        &format!("<a href=\"/manage/awards/{award}\">award</a>"),
        "action=\"/manage/labs/linux-basics/try\"",
        "id=\"try-track\">Try this track</button>",
        "action=\"/manage/labs/linux-basics/start\"",
        "id=\"start-email\" name=\"email\" type=\"email\"",
    ] {
        assert!(page.body.contains(part), "{part} in {}", page.body);
    }

    // The learner form checks its fields before any sandbox is asked for.
    let refused = browser
        .post(
            "/manage/labs/linux-basics/start",
            &[("csrf", csrf.as_str()), ("email", "ada@"), ("name", "")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("id=\"start-problems\""));
    assert!(refused.body.contains("value=\"ada@\""));
    assert_eq!(count(&app, "lab_sessions", &org.id).await, 2);

    // Without the form's token, nothing starts.
    let forged = browser.post("/manage/labs/linux-basics/try", &[]).await;
    assert_eq!(forged.status, 403);
    assert_eq!(count(&app, "lab_sessions", &org.id).await, 2);
    let missing = browser.get("/manage/labs/no-such-track").await;
    assert_eq!(missing.status, 404);
}
