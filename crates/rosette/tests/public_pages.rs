//! The public pages people see without signing in (a credential's page, an issuer's page and
//! `/verify`), on both engines, set up through the API as an organization would.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{TestApp, png};
use rosette::auth::Role;
use serde_json::{Value, json};
use sqlx::Row;

on_both_engines!(
    a_fresh_award_has_a_verified_page_with_its_facts_and_no_email,
    a_revoked_award_shows_revoked_with_its_reason_at_once,
    an_award_past_its_validity_shows_expired,
    json_clients_still_get_the_stored_credential_bytes,
    html_in_the_criteria_markdown_is_escaped,
    the_issuer_page_lists_its_keys_and_the_json_form_is_unchanged,
    the_verify_page_checks_pasted_text_an_uploaded_png_and_this_servers_address,
    the_verify_page_explains_bad_input_and_refuses_private_addresses,
    unknown_ids_get_a_friendly_html_404,
    the_learners_name_shows_only_when_the_award_says_so,
);

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// An organization's badge as the API made it.
struct Awarded {
    token: String,
    issuer_id: String,
    achievement_id: String,
    award: Value,
}

impl Awarded {
    fn id(&self) -> &str {
        self.award["id"].as_str().unwrap()
    }
}

/// An issuer, an achievement (adjusted by `configure`) with a PNG image, and an award to Ada.
async fn awarded(app: &TestApp, configure: impl FnOnce(&mut Value)) -> Awarded {
    let org = app.org_with_token(Role::Admin).await;
    let body = json!({"name": "Acme Academy", "url": "https://academy.example.org",
                      "email": "badges@academy.example.org",
                      "description": "Hands-on cloud training."});
    let (status, issuer) = app.post(&org.token, "/api/v1/issuers", body).await;
    assert_eq!(status, 201, "{issuer}");
    let image = format!("data:image/png;base64,{}", STANDARD.encode(png(8, 8)));
    let mut achievement = json!({
        "issuer_id": issuer["id"],
        "name": "Kubernetes Operator",
        "description": "Runs production clusters.",
        "criteria": {"narrative": "Pass **every** check of the [lab](https://labs.example/k8s)."},
        "skills": [{"name": "Kubernetes", "framework": "ESCO", "code": "K8S-1",
                    "url": "https://esco.example/k8s"}],
        "image": image,
    });
    configure(&mut achievement);
    let (status, achievement) = app
        .post(&org.token, "/api/v1/achievements", achievement)
        .await;
    assert_eq!(status, 201, "{achievement}");
    let body = json!({"achievement_id": achievement["id"],
                      "recipient": {"email": "Ada@Example.org", "name": "Ada Lovelace"},
                      "evidence": [{"name": "Lab run",
                                    "narrative": "Passed *all* checks.",
                                    "url": "https://labs.example/runs/1"}]});
    let (status, award) = app.post(&org.token, "/api/v1/awards", body).await;
    assert_eq!(status, 201, "{award}");
    Awarded {
        token: org.token,
        issuer_id: issuer["id"].as_str().unwrap().to_owned(),
        achievement_id: achievement["id"].as_str().unwrap().to_owned(),
        award,
    }
}

/// `GET path` as a browser would; the status, the headers and the page as [`readable`].
async fn browse(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let (status, headers, page) = browse_raw(app, path).await;
    (status, headers, readable(&page))
}

/// The page with the character references of the template's escaping (which also escapes
/// `/`) turned back into characters, so tests can look for addresses as written. Tests of
/// escaping itself read the raw page.
fn readable(page: &str) -> String {
    page.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `GET path` as a browser would; the status, the headers and the page as sent.
async fn browse_raw(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = app
        .client
        .get(app.at(path))
        .header("Accept", BROWSER)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// Fails with the first text the page lacks.
fn assert_contains_all(page: &str, texts: &[&str]) {
    for text in texts {
        assert!(page.contains(text), "no {text:?} in {page}");
    }
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

/// The `data-status` of the banner with this element id.
fn banner<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let rest = &page[start..];
    let value = &rest[rest.find("data-status=\"").unwrap() + 13..];
    &value[..value.find('"').unwrap()]
}

async fn count_events(app: &TestApp, kind: &str, award_id: &str) -> i64 {
    app.state.events().flush().await;
    sqlx::query("SELECT COUNT(*) FROM events WHERE kind = $1 AND subject_id = $2")
        .bind(kind)
        .bind(award_id)
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get(0)
}

async fn a_fresh_award_has_a_verified_page_with_its_facts_and_no_email(app: TestApp) {
    let badge = awarded(&app, |_| {}).await;
    let id = badge.id();
    let (status, headers, page) = browse(&app, &format!("/credentials/{id}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(header(&headers, "content-type").starts_with("text/html"));
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    assert!(header(&headers, "content-security-policy").contains("script-src 'self'"));

    assert_eq!(banner(&page, "credential-status"), "verified");
    assert!(page.contains(">Verified<"), "{page}");
    assert!(page.contains("Kubernetes Operator"));
    assert!(page.contains("Runs production clusters."));
    let issuer_link = format!("href=\"/issuers/{}\">Acme Academy</a>", badge.issuer_id);
    assert!(page.contains(&issuer_link), "{page}");
    let today = format!(">{}</time>", chrono::Utc::now().format("%-d %B %Y"));
    let facts = [
        today.as_str(),
        "Does not expire",
        "<strong>every</strong>",
        "href=\"https://esco.example/k8s\"",
        "Passed <em>all</em> checks.",
    ];
    assert_contains_all(&page, &facts);
    assert!(page.contains("data-check=\"proof\""), "{page}");

    let credential = app.at(&format!("/credentials/{id}"));
    for (element, href) in [
        ("download-json", format!("{credential}.json")),
        ("download-image", format!("{credential}.png")),
        ("download-jwt", format!("{credential}.jwt")),
    ] {
        assert!(
            page.contains(&format!("id=\"{element}\" href=\"{href}\"")),
            "{element}: {page}"
        );
    }
    assert!(page.contains(&format!(
        "id=\"share-url\" class=\"share-url\" type=\"url\" \
                                    readonly value=\"{credential}\""
    )));
    let image = app.at(&format!("/achievements/{}/image", badge.achievement_id));
    assert!(page.contains(&format!("property=\"og:image\" content=\"{image}\"")));
    assert!(page.contains("property=\"og:title\" content=\"Kubernetes Operator · Acme Academy\""));
    let linkedin = "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME\
                    &name=Kubernetes+Operator&organizationName=Acme+Academy";
    assert!(page.contains(linkedin), "{page}");
    assert!(page.contains(&format!("certId={id}")));

    let lower = page.to_lowercase();
    assert!(
        !lower.contains("ada@example.org"),
        "the email must not show"
    );
    assert!(
        !page.contains("Ada Lovelace"),
        "the credential does not state the name"
    );
    // A client that takes anything gets the page too.
    let any = app
        .client
        .get(&credential)
        .header("Accept", "*/*")
        .send()
        .await;
    let any = any.unwrap();
    assert!(header(any.headers(), "content-type").starts_with("text/html"));
    assert_eq!(count_events(&app, "credential.viewed", id).await, 2);
}

async fn a_revoked_award_shows_revoked_with_its_reason_at_once(app: TestApp) {
    let badge = awarded(&app, |_| {}).await;
    let path = format!("/api/v1/awards/{}/revoke", badge.id());
    let reason = json!({"reason": "Issued by mistake."});
    let (status, body) = app.post(&badge.token, &path, reason).await;
    assert_eq!(status, 200, "{body}");

    let (status, _, page) = browse(&app, &format!("/credentials/{}", badge.id())).await;
    assert_eq!(status, 200);
    assert_eq!(banner(&page, "credential-status"), "revoked");
    assert!(page.contains(">Revoked<"), "{page}");
    assert!(
        page.contains("Acme Academy revoked this credential: Issued by mistake."),
        "{page}"
    );
    assert!(!page.contains(">Verified<"));
    // The details list shows the failed status check, open since the credential is not valid.
    assert!(page.contains("id=\"verification-details\" open"), "{page}");
    assert!(
        page.contains("check-fail\" data-check=\"status\""),
        "{page}"
    );
}

async fn an_award_past_its_validity_shows_expired(app: TestApp) {
    let badge = awarded(&app, |a| a["valid_for_days"] = json!(1)).await;
    let (_, _, page) = browse(&app, &format!("/credentials/{}", badge.id())).await;
    assert_eq!(banner(&page, "credential-status"), "verified");
    let until = chrono::Utc::now() + chrono::Duration::days(1);
    let date = until.format("%-d %B %Y").to_string();
    assert!(
        page.contains(&format!(">{date}</time>")),
        "expiry date: {page}"
    );
    assert!(page.contains("expirationYear="), "{page}");

    // The domain makes no award valid in the past, so the page is read two days from now.
    let award = rosette::award::get_public(app.state.db(), badge.id())
        .await
        .unwrap()
        .unwrap();
    let later = chrono::Utc::now() + chrono::Duration::days(2);
    let page = rosette::public::credential_page_at(&app.state, &award, later)
        .await
        .unwrap();
    assert_eq!(banner(&page, "credential-status"), "expired");
    assert!(page.contains(&format!("Expired on {date}")), "{page}");
    assert!(page.contains("check-fail\" data-check=\"dates\""), "{page}");
}

async fn json_clients_still_get_the_stored_credential_bytes(app: TestApp) {
    let badge = awarded(&app, |_| {}).await;
    let stored: String = sqlx::query("SELECT credential FROM awards WHERE id = $1")
        .bind(badge.id())
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get(0);
    let url = app.at(&format!("/credentials/{}", badge.id()));
    for accept in ["application/ld+json", "application/json, text/html;q=0.5"] {
        let response = app.client.get(&url).header("Accept", accept).send().await;
        let response = response.unwrap();
        assert_eq!(response.status(), 200);
        assert!(header(response.headers(), "content-type").contains("json"));
        assert_eq!(response.text().await.unwrap(), stored, "{accept}");
    }
}

async fn html_in_the_criteria_markdown_is_escaped(app: TestApp) {
    let narrative = "Pass the lab.\n\n<script>alert('owned')</script>\n\n\
                     <img src=x onerror=alert(1)> [click](javascript:alert(2))";
    let badge = awarded(&app, |a| a["criteria"]["narrative"] = json!(narrative)).await;
    let (status, _, page) = browse_raw(&app, &format!("/credentials/{}", badge.id())).await;
    assert_eq!(status, 200);
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(page.contains("&lt;script&gt;alert("), "{page}");
    assert!(!page.contains("<img src=x"), "{page}");
    assert!(!page.contains("javascript:"), "{page}");
    assert!(page.contains("click"), "the link's text stays: {page}");
}

async fn the_issuer_page_lists_its_keys_and_the_json_form_is_unchanged(app: TestApp) {
    let badge = awarded(&app, |_| {}).await;
    let path = format!("/issuers/{}", badge.issuer_id);
    let issuer = rosette::issuer::get_public(app.state.db(), &badge.issuer_id)
        .await
        .unwrap()
        .unwrap();
    let rotate = format!("/api/v1/issuers/{}/rotate-key", badge.issuer_id);
    let (status, _) = app.post(&badge.token, &rotate, json!({})).await;
    assert_eq!(status, 200);

    let (status, headers, page) = browse(&app, &path).await;
    assert_eq!(status, 200, "{page}");
    assert!(header(&headers, "content-type").starts_with("text/html"));
    let profile = [
        "<h1 id=\"issuer-name\">Acme Academy</h1>",
        "Hands-on cloud training.",
        "href=\"https://academy.example.org/\"",
        "mailto:badges@academy.example.org",
    ];
    assert_contains_all(&page, &profile);
    assert_eq!(page.matches(">Current<").count(), 1, "{page}");
    assert_eq!(page.matches(">Rotated<").count(), 1, "{page}");

    let expected = rosette::issuer::document(&app.state, &issuer)
        .await
        .unwrap();
    for accept in [None, Some("application/ld+json"), Some("*/*")] {
        let mut request = app.client.get(app.at(&path));
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(response.headers(), "content-type"),
            "application/ld+json"
        );
        let document: Value = response.json().await.unwrap();
        assert_eq!(document, expected, "{accept:?}");
    }
    for method in expected["verificationMethod"].as_array().unwrap() {
        let id = method["id"].as_str().unwrap();
        assert!(page.contains(id), "key {id} listed: {page}");
    }
}

/// Posts the `/verify` form with one field; the status and the page.
async fn verify_form(app: &TestApp, form: reqwest::multipart::Form) -> (u16, String) {
    let response = app
        .client
        .post(app.at("/verify"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, readable(&response.text().await.unwrap()))
}

fn text_field(name: &'static str, value: String) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().text(name, value)
}

async fn the_verify_page_checks_pasted_text_an_uploaded_png_and_this_servers_address(app: TestApp) {
    let (status, _, empty) = browse(&app, "/verify").await;
    assert_eq!(status, 200);
    for form in ["verify-file-form", "verify-text-form", "verify-url-form"] {
        assert!(empty.contains(&format!("id=\"{form}\"")), "{empty}");
    }
    assert!(!empty.contains("id=\"verify-result\""));

    let badge = awarded(&app, |_| {}).await;
    let credential_url = app.at(&format!("/credentials/{}", badge.id()));
    let stored = app
        .client
        .get(format!("{credential_url}.json"))
        .send()
        .await;
    let stored = stored.unwrap().text().await.unwrap();
    let (status, page) = verify_form(&app, text_field("text", stored)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(banner(&page, "verify-status"), "verified", "{page}");
    assert!(page.contains("id=\"verify-result\""));
    assert!(page.contains("Kubernetes Operator"));
    assert!(page.contains("data-check=\"status\""), "{page}");
    assert!(
        page.contains(&format!("href=\"{credential_url}\"")),
        "{page}"
    );

    let baked = app.client.get(format!("{credential_url}.png")).send().await;
    let baked = baked.unwrap().bytes().await.unwrap().to_vec();
    let part = reqwest::multipart::Part::bytes(baked)
        .file_name("badge.png")
        .mime_str("image/png")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .part("file", part)
        .text("text", "")
        .text("url", "");
    let (status, page) = verify_form(&app, form).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(banner(&page, "verify-status"), "verified", "{page}");
    assert!(page.contains("data-check=\"image\""), "{page}");

    let (status, page) = verify_form(&app, text_field("url", credential_url)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(banner(&page, "verify-status"), "verified", "{page}");
    assert_eq!(
        count_events(&app, "credential.verified", badge.id()).await,
        3
    );
}

async fn the_verify_page_explains_bad_input_and_refuses_private_addresses(app: TestApp) {
    let error_of = |page: &str| {
        let start = page.find("id=\"verify-error\"").expect("an error message");
        let rest = &page[start..];
        rest[rest.find("<p>").unwrap() + 3..rest.find("</p>").unwrap()].to_owned()
    };
    let (status, page) = verify_form(&app, text_field("text", "is this a badge?".into())).await;
    assert_eq!(status, 400, "{page}");
    assert!(error_of(&page).contains("not a credential"), "{page}");
    assert!(
        page.contains("is this a badge?"),
        "the text is kept in the form"
    );

    let (status, page) = verify_form(&app, text_field("text", "  ".into())).await;
    assert_eq!(status, 400);
    assert!(error_of(&page).contains("Choose a file"), "{page}");

    let started = std::time::Instant::now();
    let private = "https://10.0.0.1/credentials/x.json".to_owned();
    let (status, page) = verify_form(&app, text_field("url", private)).await;
    assert_eq!(status, 400, "{page}");
    assert!(error_of(&page).contains("private"), "{page}");
    // Refused before connecting: a connection to that address would take seconds to fail.
    assert!(started.elapsed() < std::time::Duration::from_secs(2));

    let plain = "http://badges.example.org/credentials/x".to_owned();
    let (status, page) = verify_form(&app, text_field("url", plain)).await;
    assert_eq!(status, 400);
    assert!(error_of(&page).contains("only https://"), "{page}");

    let not_a_credential = app.at("/status/whatever");
    let (status, page) = verify_form(&app, text_field("url", not_a_credential)).await;
    assert_eq!(status, 400);
    assert!(error_of(&page).contains("not a credential"), "{page}");

    let nothing_here = app.at("/credentials/00000000-0000-0000-0000-000000000000");
    let (status, page) = verify_form(&app, text_field("url", nothing_here)).await;
    assert_eq!(status, 400);
    assert!(error_of(&page).contains("no credential"), "{page}");

    let huge = "x".repeat(rosette::award::MAX_VERIFY_BYTES + 1);
    let (status, page) = verify_form(&app, text_field("text", huge)).await;
    assert_eq!(status, 413);
    assert!(error_of(&page).contains("MiB"), "{page}");
}

async fn unknown_ids_get_a_friendly_html_404(app: TestApp) {
    for path in ["/credentials/nope", "/issuers/nope"] {
        let (status, headers, page) = browse(&app, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(header(&headers, "content-type").starts_with("text/html"));
        assert!(page.contains("id=\"public-error\""), "{page}");
        assert!(page.contains("Not found"));
    }
    for path in ["/credentials/nope.json", "/issuers/nope"] {
        let response = app.client.get(app.at(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(
            header(response.headers(), "content-type"),
            "application/problem+json"
        );
    }
}

async fn the_learners_name_shows_only_when_the_award_says_so(app: TestApp) {
    let badge = awarded(&app, |_| {}).await;
    let (_, _, page) = browse(&app, &format!("/credentials/{}", badge.id())).await;
    assert!(!page.contains("Ada Lovelace"), "{page}");
    assert_eq!(badge.award["recipient"]["show_name"], json!(false));

    let body = json!({"achievement_id": badge.achievement_id,
                      "recipient": {"email": "grace@example.org", "name": "Grace Hopper",
                                    "show_name": true}});
    let (status, shown) = app.post(&badge.token, "/api/v1/awards", body).await;
    assert_eq!(status, 201, "{shown}");
    assert_eq!(shown["recipient"]["show_name"], json!(true));
    let id = shown["id"].as_str().unwrap();
    let (_, _, page) = browse(&app, &format!("/credentials/{id}")).await;
    assert!(
        page.contains("<strong id=\"credential-recipient\">Grace Hopper</strong>"),
        "{page}"
    );
    assert!(!page.contains("grace@example.org"), "{page}");
}
