//! The public documents verifiers fetch (credentials, status lists) and the verify endpoint,
//! checked the way an outside verifier would: over HTTP, with the `badges` verifier and the
//! `rosette verify` command.

mod common;

use badges::resolve::{ResolveError, Resolver, without_fragment};
use badges::verify::{Options, Report, Verdict};
use common::TestApp;
use rosette::auth::Role;
use serde_json::{Value, json};
use sqlx::Row;

on_both_engines!(
    an_issued_credential_verifies_over_http_until_it_is_revoked,
    the_rosette_command_verifies_online_before_and_after_revocation,
    credentials_are_served_exactly_as_signed_and_browsers_get_the_page,
    the_verify_endpoint_reports_on_json_tampered_copies_and_files,
    baked_images_and_the_jwt_form_verify_online,
);

/// A verifier's view of the network: plain HTTP GETs to the test server.
struct HttpFetch(reqwest::blocking::Client);

impl Resolver for HttpFetch {
    fn fetch_json(&self, url: &str) -> Result<Value, ResolveError> {
        let url = without_fragment(url);
        let fail = |reason: String| ResolveError::Fetch {
            url: url.to_owned(),
            reason,
        };
        let response = self
            .0
            .get(url)
            .header("Accept", "application/ld+json")
            .send()
            .map_err(|e| fail(e.to_string()))?;
        if !response.status().is_success() {
            return Err(fail(format!("status {}", response.status())));
        }
        response.json().map_err(|e| fail(e.to_string()))
    }
}

/// Verifies a credential as an outside verifier would, fetching keys and status over HTTP.
async fn verify_over_http(credential: Value) -> Report {
    tokio::task::spawn_blocking(move || {
        let resolver = HttpFetch(reqwest::blocking::Client::new());
        let options = Options {
            resolver: &resolver,
            now: chrono::Utc::now(),
            recipient: Some(("emailAddress".into(), "ada@example.org".into())),
        };
        badges::verify::verify_credential(&credential, &options)
    })
    .await
    .unwrap()
}

/// An organization with an issuer, an achievement and one award; returns the admin token
/// and the award.
async fn awarded(app: &TestApp) -> (String, Value) {
    let org = app.org_with_token(Role::Admin).await;
    let body = json!({"name": "Acme Academy", "url": "https://academy.example.org",
                      "email": "badges@academy.example.org"});
    let (_, issuer) = app.post(&org.token, "/api/v1/issuers", body).await;
    let achievement = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO achievements (id, org_id, issuer_id, name, description, criteria, \
         achievement_type, skills, tags, points, created_at, updated_at) VALUES ($1, $2, $3, \
         'Kubernetes Operator', 'Runs clusters.', 'Pass the lab.', 'Badge', \
         '[{\"name\": \"Kubernetes\", \"framework\": \"ESCO\"}]', '[]', 10, 1, 1)",
    )
    .bind(&achievement)
    .bind(&org.id)
    .bind(issuer["id"].as_str().unwrap())
    .execute(&app.state.db().pool)
    .await
    .unwrap();
    let body = json!({"achievement_id": achievement,
                      "recipient": {"email": "Ada@Example.org"},
                      "evidence": [{"narrative": "Passed every check of the lab."}]});
    let (status, award) = app.post(&org.token, "/api/v1/awards", body).await;
    assert_eq!(status, 201, "{award}");
    (org.token, award)
}

async fn fetch_json(app: &TestApp, url: &str) -> Value {
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.unwrap()
}

async fn revoke(app: &TestApp, token: &str, award: &Value) {
    let path = format!("/api/v1/awards/{}/revoke", award["id"].as_str().unwrap());
    let (status, body) = app.post(token, &path, json!({"reason": "Mistake."})).await;
    assert_eq!(status, 200, "{body}");
}

async fn an_issued_credential_verifies_over_http_until_it_is_revoked(app: TestApp) {
    let (admin, award) = awarded(&app).await;
    let credential = fetch_json(&app, award["credential_url"].as_str().unwrap()).await;
    let report = verify_over_http(credential.clone()).await;
    assert_eq!(report.verdict, Verdict::Valid, "{}", report.to_text());

    let list_url = credential["credentialStatus"]["statusListCredential"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = fetch_json(&app, &list_url).await;
    assert_eq!(list["type"][1], "BitstringStatusListCredential");
    let issuer_id = credential["issuer"]["id"].as_str().unwrap().to_owned();
    assert_eq!(list["issuer"], json!(issuer_id));
    // Valid from the last change, so a verifier whose clock read "now" just before the
    // fetch does not find the list "not yet valid".
    let since = |c: &Value| chrono::DateTime::parse_from_rfc3339(c["validFrom"].as_str().unwrap());
    assert!(
        since(&list).unwrap() <= since(&credential).unwrap(),
        "{list}"
    );
    let checked = tokio::task::spawn_blocking(move || {
        let resolver = HttpFetch(reqwest::blocking::Client::new());
        badges::proof::verify_proofs(&list, &issuer_id, &resolver)
    })
    .await
    .unwrap()
    .unwrap();
    assert!(checked.iter().all(Result::is_ok), "{checked:?}");

    revoke(&app, &admin, &award).await;
    let report = verify_over_http(credential).await;
    assert_eq!(report.verdict, Verdict::Invalid, "{}", report.to_text());
    assert!(report.failed("status"), "{}", report.to_text());
    assert!(!report.failed("proof"), "{}", report.to_text());
}

async fn the_rosette_command_verifies_online_before_and_after_revocation(app: TestApp) {
    let (admin, award) = awarded(&app).await;
    let url = award["credential_url"].as_str().unwrap().to_owned();
    let run = |url: String| {
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_rosette"))
                .args(["verify", "--online", "--allow-http-loopback", &url])
                .output()
                .unwrap()
        })
    };
    let before = run(url.clone()).await.unwrap();
    let said = String::from_utf8_lossy(&before.stdout).into_owned();
    assert_eq!(before.status.code(), Some(0), "{said}");
    assert!(said.starts_with("VALID"), "{said}");

    revoke(&app, &admin, &award).await;
    let after = run(url).await.unwrap();
    let said = String::from_utf8_lossy(&after.stdout).into_owned();
    assert_eq!(after.status.code(), Some(1), "{said}");
    assert!(said.contains("revoked"), "{said}");
}

async fn credentials_are_served_exactly_as_signed_and_browsers_get_the_page(app: TestApp) {
    let (_, award) = awarded(&app).await;
    let id = award["id"].as_str().unwrap();
    let stored: String = sqlx::query("SELECT credential FROM awards WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get(0);

    let response = app
        .client
        .get(app.at(&format!("/credentials/{id}.json")))
        .send()
        .await;
    let body = response.unwrap().text().await.unwrap();
    assert_eq!(body, stored);

    let page = app.at(&format!("/credentials/{id}"));
    for media_type in [
        "application/ld+json",
        "application/vc+ld+json",
        "application/json",
    ] {
        let response = app
            .client
            .get(&page)
            .header("Accept", media_type)
            .send()
            .await;
        let response = response.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], media_type);
        assert_eq!(response.text().await.unwrap(), stored);
    }
    let html = app
        .client
        .get(&page)
        .header("Accept", "text/html")
        .send()
        .await;
    let html = html.unwrap();
    assert_eq!(html.status(), 200);
    let content_type = html.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(
        html.text()
            .await
            .unwrap()
            .contains("id=\"credential-status\"")
    );

    for missing in [
        "/credentials/nope.json",
        "/credentials/nope.png",
        "/status/nope",
    ] {
        let response = app.client.get(app.at(missing)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{missing}");
    }
    app.state.events().flush().await;
    let viewed: i64 = sqlx::query(
        "SELECT COUNT(*) FROM events WHERE kind = 'credential.viewed' AND subject_id = $1",
    )
    .bind(id)
    .fetch_one(&app.state.db().pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(viewed, 5);
}

async fn the_verify_endpoint_reports_on_json_tampered_copies_and_files(app: TestApp) {
    let (_, award) = awarded(&app).await;
    let credential = fetch_json(&app, award["credential_url"].as_str().unwrap()).await;
    let verify = app.at("/api/v1/verify");

    let response = app
        .client
        .post(&verify)
        .json(&credential)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["verdict"], "valid", "{report}");

    let mut tampered = credential.clone();
    tampered["credentialSubject"]["achievement"]["name"] = json!("Kubernetes Grandmaster");
    let response = app
        .client
        .post(&verify)
        .json(&tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["verdict"], "invalid", "{report}");
    let proof = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "proof");
    assert_eq!(proof.unwrap()["outcome"], "fail", "{report}");

    let file = reqwest::multipart::Part::bytes(credential.to_string().into_bytes())
        .file_name("badge.json");
    let form = reqwest::multipart::Form::new().part("file", file);
    let response = app
        .client
        .post(&verify)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["verdict"], "valid", "{report}");

    // Bodies that are not badges are 400s; a media type that cannot hold one is a 415.
    let garbage = [
        ("text/plain", "hello, is this a badge?".to_owned(), 400),
        ("application/json", "{\"almost\": ".to_owned(), 400),
        ("image/gif", "GIF89a".to_owned(), 415),
    ];
    for (content_type, body, status) in garbage {
        let response = app
            .client
            .post(&verify)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{content_type}");
        let problem: Value = response.json().await.unwrap();
        assert!(problem["detail"].is_string());
    }
    let huge = vec![b'x'; rosette::award::MAX_VERIFY_BYTES + 1];
    let response = app
        .client
        .post(&verify)
        .header("content-type", "text/plain")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);

    app.state.events().flush().await;
    let verified: i64 = sqlx::query(
        "SELECT COUNT(*) FROM events WHERE kind = 'credential.verified' AND subject_id = $1",
    )
    .bind(award["id"].as_str().unwrap())
    .fetch_one(&app.state.db().pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(verified, 3);
}

/// Gives the award's achievement a designed SVG image through the API.
async fn with_designed_image(app: &TestApp, token: &str, award: &Value) {
    let path = format!(
        "/api/v1/achievements/{}",
        award["achievement_id"].as_str().unwrap()
    );
    let design = json!({"design": {"shape": "hexagon", "primary": "#4f46e5",
        "secondary": "#e0e7ff", "icon": "terminal", "text": "OPERATOR"}});
    let (status, body) = app.patch(token, &path, design).await;
    assert_eq!(status, 200, "{body}");
}

async fn baked_images_and_the_jwt_form_verify_online(app: TestApp) {
    let (admin, award) = awarded(&app).await;
    let id = award["id"].as_str().unwrap();
    let none = app
        .client
        .get(app.at(&format!("/credentials/{id}.svg")))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 404, "no image yet");

    with_designed_image(&app, &admin, &award).await;
    let png = app
        .client
        .get(app.at(&format!("/credentials/{id}.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(png.status(), 404, "the image is an SVG");
    let problem: Value = png.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains(".svg"),
        "{problem}"
    );

    let dir = std::env::temp_dir().join(format!("rosette-forms-{id}"));
    std::fs::create_dir_all(&dir).unwrap();
    for form in ["svg", "jwt"] {
        let url = app.at(&format!("/credentials/{id}.{form}"));
        let response = app.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{form}");
        let file = dir.join(format!("badge.{form}"));
        std::fs::write(&file, response.bytes().await.unwrap()).unwrap();
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_rosette"))
                .args(["verify", "--online", "--allow-http-loopback"])
                .arg(&file)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let said = String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(output.status.code(), Some(0), "{form}: {said}");
        assert!(said.contains("[pass] status"), "{form}: {said}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
