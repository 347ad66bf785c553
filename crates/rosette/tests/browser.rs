//! The web interface in a real headless Chromium, on both engines: a new owner follows the
//! printed sign-in link, sets a password, signs out and back in with it.

#[path = "common/chromium.rs"]
mod chromium;
mod common;

use chromium::Chromium;
use common::TestApp;
use rosette::validate::{Email, Slug};

on_both_engines!(an_owner_signs_in_in_a_real_browser);

const OWNER: &str = "owner@example.org";
const PASSWORD: &str = "correct horse battery staple";

async fn an_owner_signs_in_in_a_real_browser(app: TestApp) {
    let link = new_org(&app).await;
    let browser = Chromium::start(&app.url).await;

    sign_in_for_the_first_time(&browser, &link).await;
    browser.screenshot("dashboard").await;
    browser.close().await;
}

/// An organization as `rosette orgs create` makes it; the path of its printed sign-in link.
async fn new_org(app: &TestApp) -> String {
    let slug = format!("org-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (_, link) = rosette::org::create(
        app.state.db(),
        &Slug::parse(&slug).unwrap(),
        "Northwind Academy",
        &Email::parse(OWNER).unwrap(),
    )
    .await
    .unwrap();
    format!("/login/link/{link}")
}

/// Follows the link, sets a password, signs out, and signs in with the password.
async fn sign_in_for_the_first_time(browser: &Chromium, link: &str) {
    browser.open(link).await;
    browser.open("/account/password").await;
    browser.fill("input[name=password]", PASSWORD).await;
    browser.fill("input[name=confirm]", PASSWORD).await;
    browser
        .click_and_wait("main form button[type=submit]")
        .await;
    browser
        .click_and_wait("form[action='/logout'] button")
        .await;
    assert_eq!(browser.path().await, "/login");

    browser.fill("input[name=email]", OWNER).await;
    browser.fill("input[name=password]", PASSWORD).await;
    browser
        .click_and_wait("main form button[type=submit]")
        .await;
    let nav = browser.text("nav.nav").await;
    assert!(
        nav.contains("Achievements"),
        "signed in, the nav shows: {nav}"
    );
    assert_eq!(browser.path().await, "/");
    assert!(browser.page_text().await.contains("Dashboard"));
}
