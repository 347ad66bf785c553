//! The issuer API and the issuer's public document, on both engines.

mod common;

use common::TestApp;
use rosette::auth::Role;
use serde_json::json;

on_both_engines!(
    an_admin_creates_reads_lists_and_updates_an_issuer,
    invalid_issuers_are_refused_field_by_field,
    callers_without_a_valid_token_or_role_are_refused,
    another_organizations_issuer_is_not_found,
    the_public_document_lists_every_key_after_rotation,
);

fn acme() -> serde_json::Value {
    json!({"name": "Acme Academy", "url": "https://academy.example.org",
           "email": "Badges@Academy.Example.org", "description": "Training for everyone."})
}

async fn an_admin_creates_reads_lists_and_updates_an_issuer(app: TestApp) {
    let org = app.org_with_token(Role::Admin).await;
    let (status, issuer) = app.post(&org.token, "/api/v1/issuers", acme()).await;
    assert_eq!(status, 201, "{issuer}");
    let id = issuer["id"].as_str().unwrap();
    assert_eq!(issuer["email"], "badges@academy.example.org");
    assert_eq!(issuer["public_id"], app.at(&format!("/issuers/{id}")));

    let (status, read) = app.get(&org.token, &format!("/api/v1/issuers/{id}")).await;
    assert_eq!((status, &read["name"]), (200, &json!("Acme Academy")));
    let (_, list) = app.get(&org.token, "/api/v1/issuers").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let path = format!("/api/v1/issuers/{id}");
    let (status, updated) = app
        .patch(
            &org.token,
            &path,
            json!({"name": "Acme", "description": null}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["name"], "Acme");
    assert!(updated["description"].is_null());
    assert_eq!(updated["url"], "https://academy.example.org");

    let (status, archived) = app
        .post(&org.token, &format!("{path}/archive"), json!({}))
        .await;
    assert_eq!((status, &archived["archived"]), (200, &json!(true)));
}

async fn invalid_issuers_are_refused_field_by_field(app: TestApp) {
    let org = app.org_with_token(Role::Admin).await;
    let bad = json!({"name": " ", "url": "ftp://x", "email": "not-an-email"});
    let (status, problem) = app.post(&org.token, "/api/v1/issuers", bad).await;
    assert_eq!(status, 422, "{problem}");
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/name", "/url", "/email"]);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("not a valid email")
    );

    let (status, problem) = app
        .post(&org.token, "/api/v1/issuers", json!({"name": 5}))
        .await;
    assert_eq!(status, 422, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("invalid type"),
        "{problem}"
    );

    let mut extra = acme();
    extra["colour"] = json!("red");
    let (status, problem) = app.post(&org.token, "/api/v1/issuers", extra).await;
    assert_eq!(status, 422);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("unknown field"),
        "{problem}"
    );

    let response = app
        .client
        .post(app.at("/api/v1/issuers"))
        .bearer_auth(&org.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    // JSON sent as something else is refused for its media type.
    let response = app
        .client
        .post(app.at("/api/v1/issuers"))
        .bearer_auth(&org.token)
        .header("content-type", "text/plain")
        .body(acme().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );
    let (_, list) = app.get(&org.token, "/api/v1/issuers").await;
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing was stored"
    );
}

async fn callers_without_a_valid_token_or_role_are_refused(app: TestApp) {
    let response = app
        .client
        .post(app.at("/api/v1/issuers"))
        .json(&acme())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let (status, _) = app.post("rst_forged", "/api/v1/issuers", acme()).await;
    assert_eq!(status, 401);
    let org = app.org_with_token(Role::Analyst).await;
    let (status, problem) = app.post(&org.token, "/api/v1/issuers", acme()).await;
    assert_eq!(status, 403);
    assert!(problem["detail"].as_str().unwrap().contains("admin"));
}

async fn another_organizations_issuer_is_not_found(app: TestApp) {
    let ours = app.org_with_token(Role::Admin).await;
    let theirs = app.org_with_token(Role::Admin).await;
    let (_, issuer) = app.post(&theirs.token, "/api/v1/issuers", acme()).await;
    let path = format!("/api/v1/issuers/{}", issuer["id"].as_str().unwrap());
    assert_eq!(app.get(&ours.token, &path).await.0, 404);
    assert_eq!(
        app.patch(&ours.token, &path, json!({"name": "Mine"}))
            .await
            .0,
        404
    );
    assert_eq!(
        app.post(&ours.token, &format!("{path}/archive"), json!({}))
            .await
            .0,
        404
    );
    let (_, list) = app.get(&ours.token, "/api/v1/issuers").await;
    assert!(list["items"].as_array().unwrap().is_empty());
}

async fn the_public_document_lists_every_key_after_rotation(app: TestApp) {
    let org = app.org_with_token(Role::Admin).await;
    let (_, issuer) = app.post(&org.token, "/api/v1/issuers", acme()).await;
    let id = issuer["id"].as_str().unwrap();
    let document: serde_json::Value = app
        .client
        .get(app.at(&format!("/issuers/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["id"], app.at(&format!("/issuers/{id}")));
    assert_eq!(document["type"], json!(["Profile"]));
    assert_eq!(document["verificationMethod"].as_array().unwrap().len(), 1);

    let path = format!("/api/v1/issuers/{id}/rotate-key");
    let (status, rotated) = app.post(&org.token, &path, json!({})).await;
    assert_eq!(status, 200);
    let methods = rotated["verificationMethod"].as_array().unwrap();
    assert_eq!(methods.len(), 2);
    assert_eq!(rotated["assertionMethod"].as_array().unwrap().len(), 2);
    assert_ne!(
        methods[0]["publicKeyMultibase"],
        methods[1]["publicKeyMultibase"]
    );
    assert_eq!(
        app.client
            .get(app.at("/issuers/nope"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}
