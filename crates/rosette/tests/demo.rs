//! The demo: the organization `rosette::demo::seed` makes (on both engines), and the real
//! `rosette demo` command started, used, stopped with SIGTERM, restarted and refused.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::TestApp;
use rosette::achievement::designer::Shape;
use rosette::demo::{self, Seeded};
use serde_json::{Value, json};

on_both_engines!(
    the_seed_makes_the_promised_organization,
    every_seeded_credential_verifies_except_the_revoked_one,
    the_printed_password_signs_in_and_the_token_reads_the_api,
    reopening_gives_a_new_password_and_the_old_one_stops_working,
);

async fn the_seed_makes_the_promised_organization(app: TestApp) {
    let started = Instant::now();
    let seeded = demo::seed(&app.state).await.unwrap();
    // Generous for a debug build on a shared machine; a release build takes a fraction.
    assert!(started.elapsed() < Duration::from_secs(10), "{started:?}");

    assert_eq!(seeded.access.org.slug, "northwind");
    assert_eq!(seeded.access.org.name, "Northwind Academy");
    assert_eq!(seeded.issuer.url, "https://academy.example.com");
    assert!(seeded.issuer.description.is_some());
    assert_eq!(member_roles(&app, &seeded).await, ["author", "owner"]);
    check_achievements(&seeded);
    check_awards(&seeded);

    let again = demo::seed(&app.state).await.unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");
}

/// Six designed achievements in five programs, each different to look at.
fn check_achievements(seeded: &Seeded) {
    let achievements = &seeded.achievements;
    assert_eq!(achievements.len(), 6);
    let mut looks = Vec::new();
    let mut programs = Vec::new();
    for a in achievements {
        let design = a.design.as_ref().expect("a designed image");
        assert_eq!(a.image_type.as_deref(), Some("image/svg+xml"), "{}", a.name);
        looks.push((design.shape, design.icon, design.primary.clone()));
        programs.push(a.tags[0].clone());
        assert!(a.criteria.contains("**"), "Markdown criteria: {}", a.name);
        assert!(!a.skills.is_empty() && a.tags.len() >= 2 && a.points > 0);
        let skill = &a.skills[0];
        assert!(
            skill.framework.is_some() && skill.code.is_some(),
            "{skill:?}"
        );
    }
    assert!(
        achievements
            .iter()
            .any(|a| a.skills.iter().any(|s| s.url.is_some()))
    );
    looks.sort_by_key(|l| format!("{l:?}"));
    looks.dedup();
    assert_eq!(looks.len(), 6, "every achievement looks different");
    let shapes: Vec<Shape> = achievements
        .iter()
        .map(|a| a.design.as_ref().unwrap().shape)
        .collect();
    assert!(Shape::ALL.iter().all(|s| shapes.contains(s)), "{shapes:?}");
    programs.sort();
    programs.dedup();
    assert_eq!(
        programs,
        [
            "community",
            "customer-onboarding",
            "developer-education",
            "internal-training",
            "partner-enablement"
        ]
    );
    let with_validity = achievements.iter().filter(|a| a.valid_for_days.is_some());
    assert_eq!(with_validity.count(), 3);
}

/// 25 awards to 12 learners at example domains, some with evidence, one revoked.
fn check_awards(seeded: &Seeded) {
    assert_eq!(seeded.awards.len(), 25);
    assert_eq!(seeded.learner_count(), 12);
    for award in &seeded.awards {
        let email = &award.recipient_email;
        assert!(
            email.ends_with("@example.org") || email.ends_with("@example.com"),
            "{email}"
        );
        assert!(award.recipient_name.is_some());
    }
    let credentials: Vec<Value> = seeded
        .awards
        .iter()
        .map(|a| serde_json::from_str(&a.credential).unwrap())
        .collect();
    let with_evidence = credentials.iter().filter(|c| c.get("evidence").is_some());
    assert_eq!(with_evidence.count(), 6);
    let expiring = credentials.iter().filter(|c| c.get("validUntil").is_some());
    assert_eq!(expiring.count(), 11);

    let revoked: Vec<_> = seeded
        .awards
        .iter()
        .filter(|a| a.revoked_at.is_some())
        .collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].id, seeded.revoked_award_id);
    assert_eq!(
        revoked[0].revocation_reason.as_deref(),
        Some(demo::REVOCATION_REASON)
    );
    let showcase = &seeded.access.showcase;
    assert!(showcase.revoked_at.is_none());
    assert!(showcase.credential.contains("\"evidence\""));
}

async fn member_roles(app: &TestApp, seeded: &Seeded) -> Vec<String> {
    use sqlx::Row;
    sqlx::query("SELECT role FROM memberships WHERE org_id = $1 ORDER BY role")
        .bind(&seeded.access.org.id)
        .fetch_all(&app.state.db().pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("role"))
        .collect()
}

async fn every_seeded_credential_verifies_except_the_revoked_one(app: TestApp) {
    let seeded = demo::seed(&app.state).await.unwrap();
    for award in &seeded.awards {
        let url = app.at(&format!("/credentials/{}.json", award.id));
        let response = app.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let credential: Value = response.json().await.unwrap();
        let response = app.client.post(app.at("/api/v1/verify")).json(&credential);
        let report: Value = response.send().await.unwrap().json().await.unwrap();
        let failed = |id: &str| {
            report["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id && c["outcome"] == "fail")
        };
        if award.id == seeded.revoked_award_id {
            assert_eq!(report["verdict"], "invalid", "{report}");
            assert!(failed("status") && !failed("proof"), "{report}");
        } else {
            assert_eq!(report["verdict"], "valid", "{report}");
        }
    }

    let token = seeded.access.api_token.as_deref().unwrap();
    let path = format!("/api/v1/awards/{}", seeded.revoked_award_id);
    let (status, award) = app.get(token, &path).await;
    assert_eq!(status, 200, "{award}");
    assert_eq!(award["status"], "revoked");
    assert_eq!(award["revocation_reason"], demo::REVOCATION_REASON);
}

async fn the_printed_password_signs_in_and_the_token_reads_the_api(app: TestApp) {
    let seeded = demo::seed(&app.state).await.unwrap();
    let access = &seeded.access;
    let browser = signed_in(&app, &access.owner_email, &access.owner_password)
        .await
        .expect("the printed password signs in");
    let dashboard = browser.get(app.at("/")).send().await.unwrap();
    assert_eq!(dashboard.status(), 200);
    assert!(
        dashboard
            .text()
            .await
            .unwrap()
            .contains("Northwind Academy")
    );
    assert!(
        signed_in(&app, demo::AUTHOR_EMAIL, &access.owner_password)
            .await
            .is_none(),
        "the author has no password"
    );

    let token = access.api_token.as_deref().unwrap();
    let (status, issuers) = app.get(token, "/api/v1/issuers").await;
    assert_eq!(status, 200, "{issuers}");
    assert_eq!(issuers["items"].as_array().unwrap().len(), 1);
    assert_eq!(issuers["items"][0]["name"], "Northwind Academy");
    let (status, achievements) = app.get(token, "/api/v1/achievements").await;
    assert_eq!(status, 200, "{achievements}");
    assert_eq!(achievements["items"].as_array().unwrap().len(), 6);
    let (status, _) = app.get("rst_not-a-token", "/api/v1/issuers").await;
    assert_eq!(status, 401);
}

async fn reopening_gives_a_new_password_and_the_old_one_stops_working(app: TestApp) {
    let seeded = demo::seed(&app.state).await.unwrap();
    let reopened = demo::reopen(&app.state).await.unwrap().expect("the demo");
    assert_eq!(reopened.org.id, seeded.access.org.id);
    assert_eq!(reopened.showcase.id, seeded.access.showcase.id);
    assert!(reopened.api_token.is_none(), "tokens are shown once");
    assert_ne!(reopened.owner_password, seeded.access.owner_password);

    let email = &reopened.owner_email;
    assert!(
        signed_in(&app, email, &seeded.access.owner_password)
            .await
            .is_none()
    );
    assert!(
        signed_in(&app, email, &reopened.owner_password)
            .await
            .is_some()
    );
}

/// A browser signed in through the sign-in form, or `None` if the form refused.
async fn signed_in(app: &TestApp, email: &str, password: &str) -> Option<reqwest::Client> {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = browser.get(app.at("/login")).send().await.unwrap();
    let form = form.text().await.unwrap();
    let start = form.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    let csrf = &form[start..start + form[start..].find('"').unwrap()];
    let fields = [("csrf", csrf), ("email", email), ("password", password)];
    let answer = browser.post(app.at("/login")).form(&fields).send().await;
    let answer = answer.unwrap();
    (answer.status() == 303).then_some(browser)
}

// The command itself.

/// A running `rosette demo` and what it printed before serving.
struct Demo {
    child: Child,
    url: String,
    password: String,
    token: Option<String>,
    credential_json: String,
    verify_command: Vec<String>,
    banner: String,
}

/// Starts `rosette demo` on a free port in `dir` and waits for its welcome.
fn start_demo(dir: &Path, extra: &[&str]) -> Demo {
    let log = std::fs::File::create(dir.with_extension("log")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rosette"))
        .args(["demo", "--data-dir", dir.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .env_remove("ROSETTE_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let banner = read_welcome(&mut child, dir);
    let after = |label: &str| {
        banner
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
    };
    let verify_command = banner
        .lines()
        .find(|l| l.trim().starts_with("rosette verify"))
        .expect("a verify command")
        .split_whitespace()
        .skip(1)
        .map(str::to_owned)
        .collect();
    Demo {
        url: after("Rosette is running at").expect("the URL line"),
        password: after("password").expect("a password"),
        token: after("API token").filter(|t| t.starts_with("rst_")),
        credential_json: after("JSON").expect("a credential URL"),
        verify_command,
        banner,
        child,
    }
}

/// Reads standard output until the welcome's last line, for at most a minute.
fn read_welcome(child: &mut Child, dir: &Path) -> String {
    let stdout = child.stdout.take().unwrap();
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if send.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let mut banner = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !banner.contains("Ctrl-C stops") {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => banner.push_str(&(line + "\n")),
            Err(_) => {
                let _ = child.kill();
                let log = std::fs::read_to_string(dir.with_extension("log")).unwrap_or_default();
                panic!("no welcome from rosette demo:\n{banner}\n{log}");
            }
        }
    }
    banner
}

impl Demo {
    fn get(&self, url: &str) -> reqwest::blocking::Response {
        reqwest::blocking::get(url).unwrap()
    }

    /// Sends SIGTERM and expects a clean exit within 20 seconds.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "rosette demo exited with {status}");
                return;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("rosette demo did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A fresh, not yet existing, data folder path for one test.
fn demo_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rosette-demo-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_demo_command_serves_restarts_and_starts_afresh() {
    let dir = demo_dir("serve");
    let first = start_demo(&dir, &[]);
    assert!(first.banner.contains("seeded in"), "{}", first.banner);
    assert!(!first.url.ends_with(":0"), "the real port: {}", first.url);
    let health = first.get(&format!("{}/healthz", first.url));
    assert_eq!(health.status(), 200);
    let credential = first.get(&first.credential_json);
    assert_eq!(credential.status(), 200);
    let credential: Value = credential.json().unwrap();
    assert_eq!(
        json!(first.credential_json.trim_end_matches(".json")),
        credential["id"]
    );
    let verified = Command::new(env!("CARGO_BIN_EXE_rosette"))
        .args(&first.verify_command)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verified.stdout);
    assert_eq!(verified.status.code(), Some(0), "{said}");
    assert!(dir.join("tour/badge.png").exists() && dir.join("tour/report.txt").exists());
    // The shipped lab tracks, written out for `rosette labs test`, which loads them.
    for track in ["linux-basics", "git-essentials"] {
        let folder = dir.join("tracks").join(track);
        assert!(
            first
                .banner
                .contains(&format!("rosette labs test {}", folder.display()))
        );
        let loaded = labs::track::Track::load(&folder).expect("a shipped track loads");
        assert!(loaded.challenges.len() >= 3, "{track}");
    }
    let (first_password, credential_id) = (first.password.clone(), credential["id"].clone());
    assert!(first.token.is_some(), "{}", first.banner);
    first.stop();

    // The same folder again: the same credential, a new password, no token.
    let second = start_demo(&dir, &[]);
    assert!(second.banner.contains("reusing"), "{}", second.banner);
    assert_ne!(second.password, first_password);
    assert!(second.token.is_none(), "{}", second.banner);
    let path = credential_id.as_str().unwrap().rsplit('/').next().unwrap();
    let again = second.get(&format!("{}/credentials/{path}.json", second.url));
    assert_eq!(again.status(), 200);
    second.stop();

    // --fresh wipes the demo's own folder and seeds anew.
    let third = start_demo(&dir, &["--fresh"]);
    assert!(third.banner.contains("seeded in"), "{}", third.banner);
    assert!(third.token.is_some());
    let gone = third.get(&format!("{}/credentials/{path}.json", third.url));
    assert_eq!(gone.status(), 404);
    third.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_demo_refuses_a_folder_it_did_not_make_with_or_without_fresh() {
    let dir = demo_dir("foreign");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    for extra in [&["--fresh"][..], &[]] {
        let out = Command::new(env!("CARGO_BIN_EXE_rosette"))
            .args(["demo", "--data-dir", dir.to_str().unwrap()])
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains("is not a Rosette demo folder"), "{err}");
        assert!(err.contains("--data-dir"), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_busy_port_is_named_with_the_flag_that_changes_it() {
    let dir = demo_dir("busy");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rosette"))
        .args(["demo", "--data-dir", dir.to_str().unwrap()])
        .args(["--listen", &address.to_string()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let port = format!("port {} is already in use", address.port());
    assert!(err.contains(&port) && err.contains("--listen"), "{err}");
    assert!(!dir.exists(), "nothing is written when the port is busy");
}
