//! A lab in a real headless Chromium, on both engines and in a real sandbox: an author signs
//! in, finds the track and tries it, which opens the lab; there they type into the terminal,
//! press Check and see what is missing, fix it, pass, reload the page and find the terminal
//! as they left it, finish the track and find the badge, verified, on its public page.
//! And a lab close to its time limit: the countdown warns, and ending the lab says so.

#[path = "common/chromium.rs"]
mod chromium;
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use chromium::Chromium;
use common::labs::add_hello_track;
use common::{TestApp, TestOrg};
use fantoccini::key::Key;
use rosette::auth::Role;
use rosette::validate::{Email, Slug};

on_both_engines!(
    a_learner_works_in_the_terminal_passes_the_checks_and_finds_the_badge,
    a_lab_near_its_time_limit_warns_and_ending_it_says_so,
);

async fn a_learner_works_in_the_terminal_passes_the_checks_and_finds_the_badge(app: TestApp) {
    let slug = Slug::parse("northwind").unwrap();
    let owner = Email::parse("owner@example.org").unwrap();
    let (org, link) = rosette::org::create(app.state.db(), &slug, "Northwind", &owner)
        .await
        .unwrap();
    let (_, token) = rosette::auth::tokens::create(app.state.db(), &org.id, "t", Role::Admin)
        .await
        .unwrap();
    add_hello_track(&app, &TestOrg { id: org.id, token }).await;

    let browser = Chromium::start(&app.url).await;
    browser.open(&format!("/login/link/{link}")).await;
    browser.open("/manage/labs").await;
    browser
        .click_and_wait("#track-list a[href='/manage/labs/hello-lab']")
        .await;
    browser.click_and_wait("#try-track").await;
    let path = browser.path().await;
    let id = path.strip_prefix("/lab/sessions/").expect("the lab's page");
    let home = app.data_dir.join("labs/sessions").join(id).join("home");

    wait_for_text(&browser, "#lab-connection", "Connected").await;
    assert_eq!(browser.text("#challenge-0 h1").await, "Say hello");
    assert!(
        browser
            .find("#lab-countdown")
            .await
            .text()
            .await
            .unwrap()
            .ends_with("left")
    );

    browser.click("#lab-check").await;
    wait_for_text(
        &browser,
        "#lab-result",
        "~/hello.txt does not say hello yet.",
    )
    .await;

    type_in_terminal(&browser, "echo hello > hello.txt").await;
    wait_for_file(&home.join("hello.txt")).await;
    browser.click("#lab-check").await;
    wait_for_text(&browser, "#lab-result", "Passed").await;
    wait_for_text(&browser, "#challenge-1 h1", "Say goodbye").await;
    browser.screenshot("lab-session").await;

    // A reload is a reconnect: the same shell, its screen replayed.
    browser.client.refresh().await.unwrap();
    wait_for_text(&browser, "#lab-connection", "Connected").await;
    wait_for_text(&browser, "#lab-terminal", "echo hello > hello.txt").await;
    type_in_terminal(&browser, "echo bye > bye.txt").await;
    wait_for_file(&home.join("bye.txt")).await;
    browser.click("#lab-check").await;
    wait_for_text(&browser, "#lab-done", "Track complete").await;

    browser.click_and_wait("#lab-badge").await;
    let status = browser.find("#credential-status").await;
    assert_eq!(
        status.attr("data-status").await.unwrap().unwrap(),
        "verified"
    );
    assert_eq!(browser.text("#credential-name").await, "Hello Lab");
    browser.screenshot("lab-badge").await;
    browser.close().await;
}

async fn a_lab_near_its_time_limit_warns_and_ending_it_says_so(app: TestApp) {
    let (org, author) = common::labs::org_with_hello_track(&app).await;
    // The hello track again, with three minutes to do it in.
    let dir = common::labs::hello_track(&app, "quick-lab", "");
    let yaml = std::fs::read_to_string(dir.join("track.yaml")).unwrap();
    std::fs::write(
        dir.join("track.yaml"),
        yaml.replace("time_limit: 2h", "time_limit: 3m"),
    )
    .unwrap();
    let track = labs::track::Track::load(&dir).unwrap();
    rosette::lab::import(app.state.db(), &org.id, &track, None)
        .await
        .unwrap();
    let body = serde_json::json!({"learner": {"email": "ada@example.org"}});
    let (status, session) = app
        .post(&author, "/api/v1/tracks/quick-lab/sessions", body)
        .await;
    assert_eq!(status, 201, "{session}");

    let browser = Chromium::start(&app.url).await;
    let link = session["learner_url"].as_str().unwrap();
    browser.open(link.strip_prefix(&app.url).unwrap()).await;
    wait_for_text(&browser, "#lab-countdown", "the lab ends soon").await;
    let countdown = browser.find("#lab-countdown").await;
    let class = countdown.attr("class").await.unwrap().unwrap_or_default();
    assert!(class.contains("warning"), "{class}");
    let left = countdown.text().await.unwrap();
    assert!(
        left.starts_with("2:5") || left.starts_with("3:00"),
        "{left}"
    );

    browser.click("#lab-end").await;
    browser.client.accept_alert().await.unwrap();
    wait_for_text(
        &browser,
        "#lab-ended",
        "ended before the track was finished",
    )
    .await;
    assert!(
        browser
            .find("#lab-check")
            .await
            .is_displayed()
            .await
            .is_ok_and(|shown| !shown)
    );
    browser.close().await;
}

/// Types a command into the terminal and presses Enter.
async fn type_in_terminal(browser: &Chromium, command: &str) {
    let input = browser.find("#lab-terminal .xterm-helper-textarea").await;
    input.send_keys(command).await.unwrap();
    input
        .send_keys(&String::from(char::from(Key::Enter)))
        .await
        .unwrap();
}

/// Waits until the element's visible text contains `wanted`.
async fn wait_for_text(browser: &Chromium, css: &str, wanted: &str) {
    let started = Instant::now();
    loop {
        let text = browser.find(css).await.text().await.unwrap_or_default();
        if text.contains(wanted) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{css} never showed {wanted:?}; it shows {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the learner's command has written a file in the session's home.
async fn wait_for_file(path: &Path) {
    let started = Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{} never appeared: the typing did not reach the shell",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
