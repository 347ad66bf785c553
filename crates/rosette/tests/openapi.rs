//! The OpenAPI document and the docs page: the document is OpenAPI 3.1 whose `$ref`s all
//! resolve, it lists exactly the API routes the server has, every operation answers a real
//! server as documented (with a token and the documented example body, and without a token),
//! every answer matches its documented schema, and the docs page shows every operation.

mod common;

use std::collections::BTreeSet;

use common::{Backend, TestApp};
use rosette::auth::Role;
use serde_json::{Value, json};

/// Every API route of the server, as `METHOD path`. Keep this in step with the routers.
const API_ROUTES: &[&str] = &[
    "POST /api/v1/issuers",
    "GET /api/v1/issuers",
    "GET /api/v1/issuers/{id}",
    "PATCH /api/v1/issuers/{id}",
    "POST /api/v1/issuers/{id}/archive",
    "POST /api/v1/issuers/{id}/rotate-key",
    "POST /api/v1/achievements",
    "GET /api/v1/achievements",
    "GET /api/v1/achievements/{id}",
    "PATCH /api/v1/achievements/{id}",
    "POST /api/v1/achievements/{id}/archive",
    "GET /api/v1/designer/options",
    "GET /api/v1/designer/preview",
    "POST /api/v1/awards",
    "GET /api/v1/awards",
    "GET /api/v1/awards/{id}",
    "POST /api/v1/awards/{id}/revoke",
    "POST /api/v1/verify",
    "GET /api/v1/tracks",
    "POST /api/v1/tracks",
    "GET /api/v1/tracks/{slug}",
    "POST /api/v1/tracks/{slug}/sessions",
    "GET /api/v1/lab-sessions/{id}",
    "POST /api/v1/lab-sessions/{id}/check",
    "POST /api/v1/lab-sessions/{id}/skip",
    "POST /api/v1/lab-sessions/{id}/end",
];

on_both_engines!(every_operation_answers_as_documented_with_and_without_a_token);

/// One operation of the document.
struct Operation {
    method: String,
    path: String,
    spec: Value,
}

impl Operation {
    fn label(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    fn secured(&self) -> bool {
        self.spec["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("api_token").is_some()))
    }
}

fn document(server: &str) -> Value {
    serde_json::to_value(rosette::openapi::document(server)).unwrap()
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, spec) in item.as_object().unwrap() {
            found.push(Operation {
                method: method.clone(),
                path: path.clone(),
                spec: spec.clone(),
            });
        }
    }
    found
}

/// Follows a `#/…` reference inside the document.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => doc
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{reference} does not resolve")),
        None => value,
    }
}

fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found.push(reference.clone());
            }
            map.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

#[test]
fn the_document_is_openapi_3_1_and_every_reference_resolves() {
    let doc = document("https://badges.example.org");
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Rosette API");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["servers"][0]["url"], "https://badges.example.org");
    assert_eq!(
        doc["components"]["securitySchemes"]["api_token"]["scheme"],
        "bearer"
    );

    let mut found = Vec::new();
    references(&doc, &mut found);
    assert!(found.len() > 50, "only {} references", found.len());
    for reference in found {
        let pointer = reference
            .strip_prefix('#')
            .expect("a reference inside the document");
        assert!(
            doc.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }
}

#[test]
fn every_operation_is_tagged_and_summarized_and_its_errors_are_problem_documents() {
    let doc = document("https://badges.example.org");
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        ["issuers", "achievements", "awards", "verification", "labs"]
    );
    for op in operations(&doc) {
        let label = op.label();
        assert!(op.spec["operationId"].is_string(), "{label}");
        assert!(
            !op.spec["summary"].as_str().unwrap_or("").is_empty(),
            "{label}"
        );
        let tag = op.spec["tags"][0].as_str().unwrap_or_default();
        assert!(tags.contains(&tag), "{label} has the tag {tag:?}");
        for (status, response) in op.spec["responses"].as_object().unwrap() {
            let response = resolve(&doc, response);
            if status.starts_with('4') {
                let problem = &response["content"]["application/problem+json"]["schema"];
                assert_eq!(
                    problem["$ref"], "#/components/schemas/Problem",
                    "{label} {status}"
                );
            }
        }
        assert_eq!(
            op.spec["responses"].get("401").is_some(),
            op.secured(),
            "{label}: a secured operation documents 401, a public one does not"
        );
    }
}

#[test]
fn the_document_lists_exactly_the_api_routes() {
    let doc = document("http://localhost");
    let documented: BTreeSet<String> = operations(&doc).iter().map(Operation::label).collect();
    let expected: BTreeSet<String> = API_ROUTES.iter().map(|r| r.to_string()).collect();
    assert_eq!(documented, expected);
}

/// The ids the operations' paths and bodies refer to.
struct Fixture {
    token: String,
    issuer: String,
    achievement: String,
    award: String,
    session: String,
}

async fn fixture(app: &TestApp, doc: &Value) -> Fixture {
    let org = app.org_with_token(Role::Admin).await;
    let token = org.token.clone();
    let body = |name: &str| {
        let schema = json!({"$ref": format!("#/components/schemas/{name}")});
        rosette::openapi::example_body(doc, &schema)
    };
    let (status, issuer) = app
        .post(&token, "/api/v1/issuers", body("CreateIssuerRequest"))
        .await;
    assert_eq!(status, 201, "{issuer}");
    let issuer = issuer["id"].as_str().unwrap().to_owned();

    // A designed image, so the award can also be handed to the verifier as a baked SVG.
    let mut achievement = body("CreateAchievementRequest");
    achievement["issuer_id"] = json!(issuer);
    achievement["design"] = json!({"shape": "circle", "primary": "#4f46e5",
        "secondary": "#f59e0b", "icon": "star", "text": "Operator"});
    let (status, achievement) = app.post(&token, "/api/v1/achievements", achievement).await;
    assert_eq!(status, 201, "{achievement}");
    let achievement = achievement["id"].as_str().unwrap().to_owned();

    let mut award = body("CreateAwardRequest");
    award["achievement_id"] = json!(achievement);
    let (status, award) = app.post(&token, "/api/v1/awards", award).await;
    assert_eq!(status, 201, "{award}");
    let award = award["id"].as_str().unwrap().to_owned();

    let tracks = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tracks");
    let track = labs::track::Track::load(&tracks.join(FIXTURE_TRACK)).unwrap();
    rosette::lab::import(app.state.db(), &org.id, &track, None)
        .await
        .unwrap();
    let learner = json!({"learner": {"email": "ada@example.org"}});
    let path = format!("/api/v1/tracks/{FIXTURE_TRACK}/sessions");
    let (status, session) = app.post(&token, &path, learner).await;
    assert_eq!(status, 201, "{session}");
    let session = session["id"].as_str().unwrap().to_owned();
    Fixture {
        token,
        issuer,
        achievement,
        award,
        session,
    }
}

/// A request body as sent.
enum Body {
    None,
    Json(Value),
    Text(String, String),
    Form(Vec<u8>),
    Bytes(String, Vec<u8>),
}

/// The bodies to send an operation: one per documented media type.
async fn bodies(app: &TestApp, doc: &Value, op: &Operation, ids: &Fixture) -> Vec<Body> {
    let content = op.spec.pointer("/requestBody/content");
    let Some(content) = content.and_then(Value::as_object) else {
        return vec![Body::None];
    };
    let mut bodies = Vec::new();
    for (media_type, media) in content {
        bodies.push(body_for(app, doc, op, ids, media_type, &media["schema"]).await);
    }
    bodies
}

/// A JSON body is the documented example with the fixture's ids in it; the verifier gets
/// the fixture's award in the form the media type names.
async fn body_for(
    app: &TestApp,
    doc: &Value,
    op: &Operation,
    ids: &Fixture,
    media_type: &str,
    schema: &Value,
) -> Body {
    let credential = |ext: &str| fetch(app, format!("/credentials/{}.{ext}", ids.award));
    match media_type {
        "application/json" if op.path == "/api/v1/verify" => {
            Body::Json(serde_json::from_slice(&credential("json").await).unwrap())
        }
        "application/json" => {
            let mut body = rosette::openapi::example_body(doc, schema);
            for (field, id) in [
                ("issuer_id", &ids.issuer),
                ("achievement_id", &ids.achievement),
            ] {
                if body.get(field).is_some() {
                    body[field] = json!(id);
                }
            }
            Body::Json(body)
        }
        "text/plain" | "application/jwt" => {
            Body::Text(media_type.to_owned(), text(&credential("jwt").await))
        }
        "multipart/form-data" => Body::Form(credential("svg").await),
        "application/gzip" | "application/x-tar" => {
            Body::Bytes(media_type.to_owned(), track_archive(media_type))
        }
        other => panic!("{}: no test body for {other}", op.label()),
    }
}

async fn fetch(app: &TestApp, path: String) -> Vec<u8> {
    let response = app.client.get(app.at(&path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.bytes().await.unwrap().to_vec()
}

/// The operation's path with the fixture's ids in it.
fn url(app: &TestApp, op: &Operation, ids: &Fixture) -> String {
    let id = if op.path.starts_with("/api/v1/issuers") {
        &ids.issuer
    } else if op.path.starts_with("/api/v1/achievements") {
        &ids.achievement
    } else if op.path.starts_with("/api/v1/lab-sessions") {
        &ids.session
    } else {
        &ids.award
    };
    let path = op.path.replace("{id}", id).replace("{slug}", FIXTURE_TRACK);
    if op.label() == "POST /api/v1/tracks" {
        // The operations before it made a second issuer: the upload names the fixture's.
        return app.at(&format!("{path}?issuer={}", ids.issuer));
    }
    app.at(&path)
}

/// The shipped track the fixture imports.
const FIXTURE_TRACK: &str = "linux-basics";
/// The shipped track the upload sends: new to the fixture's organization the first time
/// (201), unchanged the second (200).
const UPLOADED_TRACK: &str = "git-essentials";

/// The uploaded track's folder as a tar in one folder, gzip-compressed for `application/gzip`.
fn track_archive(media_type: &str) -> Vec<u8> {
    let tracks = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tracks");
    let mut builder = tar::Builder::new(Vec::new());
    builder
        .append_dir_all(UPLOADED_TRACK, tracks.join(UPLOADED_TRACK))
        .unwrap();
    let tar = builder.into_inner().unwrap();
    if media_type != "application/gzip" {
        return tar;
    }
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gzip, &tar).unwrap();
    gzip.finish().unwrap()
}

/// Sends one request; the status, the media type and the body of the answer.
async fn send(
    app: &TestApp,
    op: &Operation,
    url: &str,
    token: Option<&str>,
    body: &Body,
) -> (u16, String, Vec<u8>) {
    let method = reqwest::Method::from_bytes(op.method.to_uppercase().as_bytes()).unwrap();
    let mut request = app.client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for parameter in op.spec["parameters"].as_array().into_iter().flatten() {
        if parameter["in"] == "header" && parameter["example"].is_string() {
            let name = parameter["name"].as_str().unwrap();
            request = request.header(name, parameter["example"].as_str().unwrap());
        }
    }
    request = match body {
        Body::None => request,
        Body::Json(value) => request.json(value),
        Body::Text(kind, text) => request.header("content-type", kind).body(text.clone()),
        Body::Bytes(kind, bytes) => request.header("content-type", kind).body(bytes.clone()),
        Body::Form(bytes) => {
            let part = reqwest::multipart::Part::bytes(bytes.clone()).file_name("badge.svg");
            request.multipart(reqwest::multipart::Form::new().part("file", part))
        }
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let media_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, media_type, response.bytes().await.unwrap().to_vec())
}

/// Checks an answer against the operation's documented responses: the status is listed, the
/// media type is the documented one, and a JSON body matches the documented schema.
fn check_answer(doc: &Value, op: &Operation, (status, media_type, body): &(u16, String, Vec<u8>)) {
    let label = op.label();
    let Some(response) = op.spec["responses"].get(status.to_string()) else {
        panic!(
            "{label} answered {status}, which it does not document: {}",
            text(body)
        );
    };
    let response = resolve(doc, response);
    let Some((documented, media)) = response["content"]
        .as_object()
        .and_then(|c| c.iter().next())
    else {
        return;
    };
    assert!(
        media_type.starts_with(documented.as_str()),
        "{label} {status}: {media_type}"
    );
    if documented.ends_with("json") {
        let instance: Value = serde_json::from_slice(body).unwrap();
        conforms(
            doc,
            &media["schema"],
            &instance,
            &format!("{label} {status}"),
        );
    }
}

/// Validates a value against a schema of the document, `$ref`s and all.
fn conforms(doc: &Value, schema: &Value, instance: &Value, label: &str) {
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
    });
    for (key, value) in schema.as_object().unwrap() {
        root[key] = value.clone();
    }
    let validator = jsonschema::validator_for(&root).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{label}: {errors:?} in {instance}");
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

/// Archiving and revoking change what the other operations may do, so they go last.
fn in_a_safe_order(mut ops: Vec<Operation>) -> Vec<Operation> {
    ops.sort_by_key(|op| {
        op.path.ends_with("/archive") || op.path.ends_with("/revoke") || op.path.ends_with("/end")
    });
    ops
}

async fn every_operation_answers_as_documented_with_and_without_a_token(app: TestApp) {
    let doc = document(&app.url);
    let ids = fixture(&app, &doc).await;
    let mut called = BTreeSet::new();
    for op in in_a_safe_order(operations(&doc)) {
        let url = url(&app, &op, &ids);
        for body in bodies(&app, &doc, &op, &ids).await {
            if op.secured() {
                let anonymous = send(&app, &op, &url, None, &body).await;
                assert_eq!(anonymous.0, 401, "{} without a token", op.label());
                check_answer(&doc, &op, &anonymous);
            }
            let answer = send(&app, &op, &url, Some(&ids.token), &body).await;
            assert!(
                (200..300).contains(&answer.0),
                "{} answered {}: {}",
                op.label(),
                answer.0,
                text(&answer.2)
            );
            check_answer(&doc, &op, &answer);
            if op.path == "/api/v1/verify" {
                let report: Value = serde_json::from_slice(&answer.2).unwrap();
                assert_eq!(report["verdict"], "valid", "{report}");
            }
        }
        called.insert(op.label());
    }
    let expected: BTreeSet<String> = API_ROUTES.iter().map(|r| r.to_string()).collect();
    assert_eq!(called, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_served_public_and_cacheable() {
    let app = common::spawn(Backend::Sqlite).await;
    let response = app
        .client
        .get(app.at("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/json");
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let served: Value = response.json().await.unwrap();
    assert_eq!(served, document(&app.url));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_page_shows_every_operation_without_script() {
    let app = common::spawn(Backend::Sqlite).await;
    let response = app.client.get(app.at("/api/docs")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(
        headers["content-security-policy"],
        rosette::web::CONTENT_SECURITY_POLICY
    );
    let page = response.text().await.unwrap();
    assert!(
        !page.contains("<script") && !page.contains("style="),
        "inline code"
    );
    let page = unescape(&page);

    let doc = document(&app.url);
    for op in operations(&doc) {
        let id = op.spec["operationId"].as_str().unwrap();
        assert!(
            page.contains(&format!("id=\"op-{id}\"")),
            "{id} has no section"
        );
        let signature = format!(
            "{}</span> <code>{}</code>",
            op.method.to_uppercase(),
            op.path
        );
        assert!(page.contains(&signature), "{} is not shown", op.label());
        let summary = op.spec["summary"].as_str().unwrap();
        assert!(page.contains(summary), "{id}: {summary}");
    }
    for schema in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(
            page.contains(&format!("id=\"schema-{schema}\"")),
            "{schema}"
        );
    }
    // The examples are the ones the smoke test sends.
    let archive = format!(
        "curl -X POST \"{}/api/v1/issuers/${{ID}}/archive\"",
        app.url
    );
    assert!(page.contains(&archive), "no curl example");
    assert!(
        page.contains("-F file=@badge.png"),
        "no form example for verify"
    );
    assert!(page.contains("-H \"Idempotency-Key: lms-enrolment-4711\""));
    assert!(
        page.contains("-d '{\n    \"achievement_id\": "),
        "no JSON body example"
    );
}

/// The page's text with minijinja's HTML escapes undone.
fn unescape(page: &str) -> String {
    [
        ("&quot;", "\""),
        ("&#x27;", "'"),
        ("&#x2f;", "/"),
        ("&lt;", "<"),
        ("&gt;", ">"),
    ]
    .iter()
    .fold(page.to_owned(), |text, (entity, plain)| {
        text.replace(entity, plain)
    })
    .replace("&amp;", "&")
}
