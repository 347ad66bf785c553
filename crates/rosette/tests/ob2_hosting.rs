//! Open Badges 2.0 hosting: the hosted assertion, badge class, issuer and revocation list of
//! every award, checked as a 2.0 verifier would: over HTTP with the `badges::ob2` verifier and
//! with the `rosette verify` command, before and after revocation.

mod common;

use badges::ob2::{AssertionInput, Ob2Report, Ob2Status, Outcome};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::TestApp;
use rosette::auth::Role;
use serde_json::{Value, json};

on_both_engines!(
    the_documents_have_the_ob2_shapes_and_expand_under_its_context,
    a_hosted_assertion_verifies_over_http_until_it_is_revoked,
    the_rosette_command_verifies_the_url_and_the_baked_png_before_and_after_revocation,
    an_achievement_without_an_image_gets_a_stand_in_baked_as_svg,
    unknown_malformed_and_foreign_ids_are_not_found_but_archived_ones_serve,
);

/// What one test sets up through the API.
struct Setup {
    token: String,
    issuer: Value,
    achievement: Value,
    award: Value,
}

/// An organization with an issuer, an achievement (a PNG image when `with_image`, two skills,
/// a tag, valid for 30 days) and one award with two pieces of evidence.
async fn awarded(app: &TestApp, with_image: bool) -> Setup {
    let org = app.org_with_token(Role::Admin).await;
    let body = json!({"name": "Acme Academy", "url": "https://academy.example.org",
                      "email": "badges@academy.example.org", "description": "We teach."});
    let (status, issuer) = app.post(&org.token, "/api/v1/issuers", body).await;
    assert_eq!(status, 201, "{issuer}");
    let mut body = json!({
        "issuer_id": issuer["id"],
        "name": "Kubernetes Operator",
        "description": "Runs clusters.",
        "criteria": {"narrative": "Pass the **lab**."},
        "skills": [{"name": "Kubernetes", "framework": "ESCO"},
                   {"name": "Helm", "url": "https://skills.example/helm", "code": "H1"}],
        "tags": ["cloud"],
        "valid_for_days": 30,
    });
    if with_image {
        body["image"] = json!(format!("data:image/png;base64,{}", STANDARD.encode(png())));
    }
    let (status, achievement) = app.post(&org.token, "/api/v1/achievements", body).await;
    assert_eq!(status, 201, "{achievement}");
    let body = json!({"achievement_id": achievement["id"],
                      "recipient": {"email": "Ada@Example.org"},
                      "evidence": [{"name": "Lab run 7"},
                                   {"narrative": "Passed every check.",
                                    "url": "https://labs.example/runs/7"}]});
    let (status, award) = app.post(&org.token, "/api/v1/awards", body).await;
    assert_eq!(status, 201, "{award}");
    Setup {
        token: org.token,
        issuer,
        achievement,
        award,
    }
}

fn png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 4, 4);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[200; 64]).unwrap();
    writer.finish().unwrap();
    out
}

fn assertion_url(setup: &Setup) -> String {
    setup.award["ob2_assertion_url"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `GET url`: the status, the headers and the body as JSON.
async fn get(app: &TestApp, url: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = app.client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.json().await.unwrap_or(Value::Null),
    )
}

/// A document served with 200 as JSON-LD, with the cache lifetime expected of its kind.
async fn document(app: &TestApp, url: &str, max_age: u32) -> Value {
    let (status, headers, body) = get(app, url).await;
    assert_eq!(status, 200, "{url}: {body}");
    assert_eq!(headers["content-type"], "application/ld+json", "{url}");
    let cache = format!("public, max-age={max_age}");
    assert_eq!(headers["cache-control"], cache.as_str(), "{url}");
    body
}

/// The document turns into RDF under the OB 2.0 context in safe mode, which refuses any term
/// the context does not define, so none of its properties is silently dropped.
fn expands_under_the_ob2_context(doc: &Value) {
    let quads = badges::rdf::to_quads(doc.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("{e}: {doc:#}"));
    assert!(!quads.is_empty(), "{doc:#}");
}

async fn revoke(app: &TestApp, setup: &Setup) {
    let path = format!(
        "/api/v1/awards/{}/revoke",
        setup.award["id"].as_str().unwrap()
    );
    let body = json!({"reason": "Issued by mistake."});
    let (status, body) = app.post(&setup.token, &path, body).await;
    assert_eq!(status, 200, "{body}");
}

/// Verifies with `badges::ob2` as a 2.0 verifier would, through Rosette's own HTTP resolver.
async fn verify_over_http(input: AssertionInput, email: Option<&str>) -> Ob2Report {
    let email = email.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let resolver = rosette::fetch::HttpResolver::new(true).unwrap();
        let now = chrono::Utc::now();
        badges::ob2::verify_assertion(&input, &resolver, now, email.as_deref())
    })
    .await
    .unwrap()
}

fn outcome(report: &Ob2Report, id: &str) -> (Outcome, String) {
    let check = report
        .check(id)
        .unwrap_or_else(|| panic!("no {id} check: {report:#?}"));
    (check.outcome, check.message.clone())
}

/// Runs `rosette verify --online --allow-http-loopback` with `args`; the exit code and stdout.
async fn rosette_verify(args: Vec<String>) -> (Option<i32>, String) {
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_rosette"))
            .args(["verify", "--online", "--allow-http-loopback"])
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code(), said)
}

async fn the_documents_have_the_ob2_shapes_and_expand_under_its_context(app: TestApp) {
    let setup = awarded(&app, true).await;
    let award_id = setup.award["id"].as_str().unwrap();
    let url = assertion_url(&setup);
    assert_eq!(url, app.at(&format!("/ob2/assertions/{award_id}")));
    let assertion = document(&app, &url, 60).await;
    let credential = document(&app, setup.award["credential_url"].as_str().unwrap(), 300).await;

    let identity = &credential["credentialSubject"]["identifier"][0];
    let badge_url = app.at(&format!(
        "/ob2/badges/{}",
        setup.achievement["id"].as_str().unwrap()
    ));
    let expected = json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": url,
        "recipient": {"type": "email", "hashed": true, "salt": identity["salt"],
                      "identity": identity["identityHash"]},
        "badge": badge_url,
        "verification": {"type": "hosted"},
        "issuedOn": credential["validFrom"],
        "expires": credential["validUntil"],
        "evidence": [{"type": "Evidence", "name": "Lab run 7"},
                     {"type": "Evidence", "id": "https://labs.example/runs/7",
                      "narrative": "Passed every check."}],
        "image": format!("{url}.png"),
    });
    assert_eq!(assertion, expected);
    assert_eq!(
        identity["identityHash"],
        json!(badges::ob2::hash_email(
            "ada@example.org",
            identity["salt"].as_str().unwrap()
        ))
    );

    let badge = document(&app, &badge_url, 300).await;
    let issuer_url = app.at(&format!(
        "/ob2/issuers/{}",
        setup.issuer["id"].as_str().unwrap()
    ));
    let public_id = setup.achievement["public_id"].as_str().unwrap();
    let expected = json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "BadgeClass",
        "id": badge_url,
        "name": "Kubernetes Operator",
        "description": "Runs clusters.",
        "image": setup.achievement["image_url"],
        "criteria": {"id": public_id, "narrative": "Pass the **lab**."},
        "issuer": issuer_url,
        "tags": ["cloud"],
        "alignment": [
            {"type": "AlignmentObject", "targetName": "Kubernetes",
             "targetUrl": format!("{public_id}#skill-1"), "targetFramework": "ESCO"},
            {"type": "AlignmentObject", "targetName": "Helm",
             "targetUrl": "https://skills.example/helm", "targetCode": "H1"},
        ],
    });
    assert_eq!(badge, expected);

    let issuer = document(&app, &issuer_url, 300).await;
    let list_url = format!("{issuer_url}/revocations");
    let expected = json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Issuer",
        "id": issuer_url,
        "name": "Acme Academy",
        "url": "https://academy.example.org",
        "email": "badges@academy.example.org",
        "description": "We teach.",
        "revocationList": list_url,
    });
    assert_eq!(issuer, expected);

    let list = document(&app, &list_url, 60).await;
    assert_eq!(list["type"], "RevocationList");
    assert_eq!(list["issuer"], json!(issuer_url));
    assert_eq!(list["revokedAssertions"], json!([]));

    for doc in [&assertion, &badge, &issuer, &list] {
        expands_under_the_ob2_context(doc);
    }
}

async fn a_hosted_assertion_verifies_over_http_until_it_is_revoked(app: TestApp) {
    let setup = awarded(&app, true).await;
    let url = assertion_url(&setup);
    let kept_copy = document(&app, &url, 60).await;

    let report = verify_over_http(AssertionInput::Url(url.clone()), Some("ADA@example.org")).await;
    assert_eq!(report.status(), Ob2Status::Valid, "{report:#?}");
    for passed in [
        "assertion.fields",
        "badge_class",
        "issuer",
        "hosted.scope",
        "revocation",
    ] {
        assert_eq!(
            outcome(&report, passed).0,
            Outcome::Pass,
            "{passed}: {report:#?}"
        );
    }
    assert_eq!(outcome(&report, "recipient").0, Outcome::Pass);
    let someone_else = verify_over_http(AssertionInput::Url(url.clone()), Some("bob@example.org"));
    let someone_else = someone_else.await;
    assert_eq!(someone_else.status(), Ob2Status::Invalid);
    assert_eq!(outcome(&someone_else, "recipient").0, Outcome::Fail);

    revoke(&app, &setup).await;
    let (status, headers, notice) = get(&app, &url).await;
    assert_eq!(status, 410);
    assert_eq!(headers["content-type"], "application/ld+json");
    assert_eq!(headers["cache-control"], "public, max-age=60");
    let expected = json!({"@context": "https://w3id.org/openbadges/v2", "type": "Assertion",
                          "id": url, "revoked": true, "revocationReason": "Issued by mistake."});
    assert_eq!(notice, expected);
    expands_under_the_ob2_context(&notice);

    let issuer_url = kept_copy["badge"].as_str().unwrap().to_owned();
    let badge = document(&app, &issuer_url, 300).await;
    let issuer = document(&app, badge["issuer"].as_str().unwrap(), 300).await;
    let list = document(&app, issuer["revocationList"].as_str().unwrap(), 60).await;
    let revoked = json!([{"id": url, "revocationReason": "Issued by mistake."}]);
    assert_eq!(list["revokedAssertions"], revoked);
    expands_under_the_ob2_context(&list);

    for input in [
        AssertionInput::Url(url.clone()),
        AssertionInput::Json(kept_copy),
    ] {
        let report = verify_over_http(input, None).await;
        assert_eq!(report.status(), Ob2Status::Invalid, "{report:#?}");
        assert!(report.unresolved.is_empty(), "{report:#?}");
        let (revocation, message) = outcome(&report, "revocation");
        assert_eq!(revocation, Outcome::Fail);
        assert!(message.contains("Issued by mistake."), "{message}");
    }
}

async fn the_rosette_command_verifies_the_url_and_the_baked_png_before_and_after_revocation(
    app: TestApp,
) {
    let setup = awarded(&app, true).await;
    let url = assertion_url(&setup);
    let (code, said) = rosette_verify(vec![url.clone()]).await;
    assert_eq!(code, Some(0), "{said}");
    assert!(said.starts_with("VALID"), "{said}");
    assert!(said.contains("Open Badges 2.0"), "{said}");
    let email = |e: &str| vec!["--recipient-email".to_owned(), e.to_owned(), url.clone()];
    let (code, said) = rosette_verify(email("Ada@example.ORG")).await;
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("[pass] recipient"), "{said}");
    let (code, said) = rosette_verify(email("bob@example.org")).await;
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("[FAIL] recipient"), "{said}");

    let response = app.client.get(format!("{url}.png")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let baked = response.bytes().await.unwrap();
    let found = badges::bake::unbake(&baked, &Default::default()).unwrap();
    assert_eq!(found.version, badges::bake::BadgeVersion::V2);
    let hosted = document(&app, &url, 60).await;
    assert_eq!(
        serde_json::from_str::<Value>(&found.payload).unwrap(),
        hosted
    );
    let svg = app.client.get(format!("{url}.svg")).send().await.unwrap();
    assert_eq!(svg.status(), 404, "the image is a PNG");

    let dir = std::env::temp_dir().join(format!("rosette-ob2-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("badge.png");
    std::fs::write(&file, &baked).unwrap();
    let file = file.to_string_lossy().into_owned();
    let (code, said) = rosette_verify(vec![file.clone()]).await;
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("baked PNG"), "{said}");

    revoke(&app, &setup).await;
    for input in [url, file] {
        let (code, said) = rosette_verify(vec![input.clone()]).await;
        assert_eq!(code, Some(1), "{input}: {said}");
        assert!(said.starts_with("INVALID"), "{said}");
        assert!(said.contains("[FAIL] revocation"), "{said}");
        assert!(
            said.contains("revoked this assertion: Issued by mistake."),
            "{said}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

async fn an_achievement_without_an_image_gets_a_stand_in_baked_as_svg(app: TestApp) {
    let setup = awarded(&app, false).await;
    let url = assertion_url(&setup);
    let assertion = document(&app, &url, 60).await;
    assert_eq!(assertion["image"], json!(format!("{url}.svg")));
    let badge = document(&app, assertion["badge"].as_str().unwrap(), 300).await;
    let image = badge["image"].as_str().unwrap();
    let data = image.strip_prefix("data:image/svg+xml;base64,").unwrap();
    let drawing = String::from_utf8(STANDARD.decode(data).unwrap()).unwrap();
    assert!(drawing.contains("Kubernetes Operator"), "{drawing}");

    let png = app.client.get(format!("{url}.png")).send().await.unwrap();
    assert_eq!(png.status(), 404);
    let problem: Value = png.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains(".svg"),
        "{problem}"
    );
    let response = app.client.get(format!("{url}.svg")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let baked = response.bytes().await.unwrap();
    let file = std::env::temp_dir().join(format!("rosette-ob2-{}.svg", uuid::Uuid::new_v4()));
    std::fs::write(&file, &baked).unwrap();
    let (code, said) = rosette_verify(vec![file.to_string_lossy().into_owned()]).await;
    std::fs::remove_file(&file).unwrap();
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("baked SVG"), "{said}");
}

async fn unknown_malformed_and_foreign_ids_are_not_found_but_archived_ones_serve(app: TestApp) {
    let setup = awarded(&app, true).await;
    let award = setup.award["id"].as_str().unwrap();
    let achievement = setup.achievement["id"].as_str().unwrap();
    let issuer = setup.issuer["id"].as_str().unwrap();
    let unknown = uuid::Uuid::new_v4().to_string();
    let missing = [
        "/ob2/assertions/nope".to_owned(),
        "/ob2/assertions/nope.png".to_owned(),
        format!("/ob2/assertions/{unknown}"),
        format!("/ob2/assertions/{achievement}"),
        format!("/ob2/assertions/{award}.json"),
        format!("/ob2/assertions/{award}.gif"),
        format!("/ob2/badges/{award}"),
        format!("/ob2/badges/{issuer}"),
        "/ob2/badges/%27%20OR%201=1".to_owned(),
        format!("/ob2/issuers/{achievement}"),
        format!("/ob2/issuers/{unknown}/revocations"),
        format!("/ob2/issuers/{award}/revocations"),
        "/ob2/issuers/nope/revocations".to_owned(),
        format!("/ob2/issuers/{issuer}/keys"),
    ];
    for path in missing {
        let (status, headers, problem) = get(&app, &app.at(&path)).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(
            headers["content-type"], "application/problem+json",
            "{path}"
        );
        assert_eq!(problem["status"], 404, "{path}");
    }

    let archive = format!("/api/v1/achievements/{achievement}/archive");
    let (status, body) = app.post(&setup.token, &archive, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let archive = format!("/api/v1/issuers/{issuer}/archive");
    let (status, body) = app.post(&setup.token, &archive, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let url = assertion_url(&setup);
    let report = verify_over_http(AssertionInput::Url(url), None).await;
    assert_eq!(report.status(), Ob2Status::Valid, "{report:#?}");
}
