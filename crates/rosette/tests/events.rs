//! The event recorder: views and verifications are written in batches, none lost, each
//! under its own organization.

mod common;

use common::TestApp;
use rosette::auth::Role;
use rosette::event::EventKind;
use serde_json::json;
use sqlx::Row;

on_both_engines!(events_recorded_concurrently_are_all_stored_after_a_flush);

async fn events_recorded_concurrently_are_all_stored_after_a_flush(app: TestApp) {
    let first = app.org_with_token(Role::Owner).await;
    let second = app.org_with_token(Role::Owner).await;
    // More than one batch, from several tasks at once.
    let tasks: Vec<_> = (0..4)
        .map(|task| {
            let recorder = app.state.events().clone();
            let org = if task % 2 == 0 { &first.id } else { &second.id }.clone();
            tokio::spawn(async move {
                for n in 0..300 {
                    let subject = format!("award-{task}-{n}");
                    recorder.record(&org, EventKind::CredentialViewed, &subject, json!({}));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    app.state.events().flush().await;

    let rows = sqlx::query(
        "SELECT org_id, COUNT(*) AS n FROM events WHERE kind = 'credential.viewed' \
         GROUP BY org_id ORDER BY n",
    )
    .fetch_all(&app.state.db().pool)
    .await
    .unwrap();
    let counts: Vec<(String, i64)> = rows
        .iter()
        .map(|row| (row.get("org_id"), row.get("n")))
        .collect();
    assert_eq!(counts.len(), 2);
    assert!(counts.iter().all(|(_, n)| *n == 600), "{counts:?}");
    let distinct: i64 = sqlx::query("SELECT COUNT(DISTINCT subject_id) FROM events")
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(distinct, 1200);
}
