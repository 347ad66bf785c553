//! The web interface in a real headless Chromium, on both engines, as a person uses it: a new
//! owner follows the printed sign-in link, sets a password and signs in with it, creates an
//! issuer, designs an achievement with the live preview, awards it to a learner, opens the
//! credential's public page and sees it verified, revokes it and sees it revoked.

#[path = "common/chromium.rs"]
mod chromium;
mod common;

use chromium::Chromium;
use common::TestApp;
use rosette::validate::{Email, Slug};

on_both_engines!(an_owner_signs_in_designs_an_achievement_awards_it_and_opens_its_page);

const OWNER: &str = "owner@example.org";
const PASSWORD: &str = "correct horse battery staple";
const LEARNER: &str = "ada@example.org";

async fn an_owner_signs_in_designs_an_achievement_awards_it_and_opens_its_page(app: TestApp) {
    let link = new_org(&app).await;
    let browser = Chromium::start(&app.url).await;

    sign_in_for_the_first_time(&browser, &link).await;
    create_an_issuer(&browser).await;
    design_an_achievement(&browser).await;
    award_it(&browser).await;

    let award_page = browser.path().await;
    browser.click_and_wait("#award-public-page").await;
    let status = browser.find("#credential-status").await;
    assert_eq!(
        status.attr("data-status").await.unwrap().unwrap(),
        "verified"
    );
    let name = browser.text("#credential-name").await;
    assert_eq!(name, "Kubernetes Operator");
    assert_eq!(browser.text("#credential-recipient").await, "Ada Lovelace");
    assert!(
        !browser.page_text().await.contains(LEARNER),
        "the email shows publicly"
    );
    browser.screenshot("credential-page").await;

    browser.open(&award_page).await;
    browser
        .fill("#revoke-reason", "Awarded to the wrong person.")
        .await;
    browser.click_and_wait("#award-revoke").await;
    browser.click_and_wait("#award-public-page").await;
    let status = browser.find("#credential-status").await;
    assert_eq!(
        status.attr("data-status").await.unwrap().unwrap(),
        "revoked"
    );
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

async fn create_an_issuer(browser: &Chromium) {
    browser.open("/manage/issuers").await;
    browser.fill("#name", "Northwind Academy").await;
    browser.fill("#url", "https://academy.example.org").await;
    browser.fill("#email", "badges@academy.example.org").await;
    browser
        .click_and_wait("main form button[type=submit]")
        .await;
    assert!(browser.page_text().await.contains("Northwind Academy"));
}

/// Fills the achievement form with a designed image, checks that the live preview follows
/// the design, and saves.
async fn design_an_achievement(browser: &Chromium) {
    browser.open("/manage/achievements/new").await;
    browser
        .fill("#achievement-name", "Kubernetes Operator")
        .await;
    browser
        .fill("#achievement-description", "Runs production clusters.")
        .await;
    browser
        .fill(
            "#achievement-criteria",
            "Pass every check of the **operator** lab.",
        )
        .await;
    browser.fill("#skill-name-0", "Kubernetes").await;
    browser.fill("#skill-framework-0", "ESCO").await;
    browser.click("#image-source-design").await;
    browser
        .find("#design-shape")
        .await
        .select_by_value("shield")
        .await
        .unwrap();
    browser.fill("#design-text", "K8s Operator").await;

    // The designer's script redraws the preview from the fields as they change.
    let preview = browser.find("#design-preview").await;
    let started = std::time::Instant::now();
    loop {
        let src = preview.attr("src").await.unwrap().unwrap_or_default();
        if src.contains("shape=shield") && src.contains("text=K8s") {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 10,
            "the preview did not follow: {src}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let drawn: bool = browser
        .client
        .execute(
            "const i = document.getElementById('design-preview'); \
             i.scrollIntoView({block: 'center'}); \
             return i.complete && i.naturalWidth > 0;",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(drawn, "the preview image did not load");
    browser.screenshot("achievement-designer").await;

    browser.click_and_wait("#achievement-save").await;
    assert!(
        browser.path().await.starts_with("/manage/achievements/"),
        "saving did not open the achievement: {}",
        browser.page_text().await
    );
}

/// Awards the achievement now shown to a learner, from its own page.
async fn award_it(browser: &Chromium) {
    browser.fill("#award-email", LEARNER).await;
    browser.fill("#award-name", "Ada Lovelace").await;
    browser.click("#award-show-name").await;
    browser.click_and_wait("#award-submit").await;
    assert!(
        browser.path().await.starts_with("/manage/awards/"),
        "awarding did not open the award: {}",
        browser.page_text().await
    );
}
