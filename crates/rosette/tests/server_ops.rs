//! The operational endpoints and the server's common behaviour, on both engines.

mod common;

use common::TestApp;

on_both_engines!(
    health_and_readiness_answer,
    unknown_paths_answer_problem_details,
    metrics_count_requests_by_route,
    every_response_has_a_request_id,
);

async fn health_and_readiness_answer(app: TestApp) {
    let health = app.client.get(app.at("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready: serde_json::Value = app
        .client
        .get(app.at("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
}

async fn unknown_paths_answer_problem_details(app: TestApp) {
    let response = app
        .client
        .get(app.at("/no/such/thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 404);
    assert!(problem["detail"].as_str().unwrap().contains("no such"));
}

async fn metrics_count_requests_by_route(app: TestApp) {
    app.client.get(app.at("/healthz")).send().await.unwrap();
    let text = app
        .client
        .get(app.at("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            r#"rosette_http_requests_total{method="GET",route="/healthz",status="200"} 1"#
        ),
        "{text}"
    );
}

async fn every_response_has_a_request_id(app: TestApp) {
    let response = app.client.get(app.at("/healthz")).send().await.unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36);
    let given = app
        .client
        .get(app.at("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "abc-123");
}
