//! The dashboard: the organization's counts and its most recent events.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, TimeZone, Utc};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;
use sqlx::Row;

use super::PageError;
use super::session::SignedIn;
use super::templates::render;
use crate::http::AppState;

/// How many events the dashboard shows.
pub const RECENT_EVENTS: i64 = 10;

/// The dashboard's counts.
#[derive(Debug, Serialize)]
struct Counts {
    issuers: i64,
    achievements: i64,
    awards_this_month: i64,
}

/// One event, as the dashboard lists it.
#[derive(Debug, Serialize)]
struct EventRow {
    kind: String,
    subject_id: String,
    created_at: i64,
}

/// `GET /`: the dashboard (the sign-in page for people not signed in).
pub async fn dashboard(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    let org = signed_in.org_id.as_str();
    let counts = Counts {
        issuers: count(&state, "issuers", "archived_at IS NULL", org, 0).await?,
        achievements: count(&state, "achievements", "archived_at IS NULL", org, 0).await?,
        awards_this_month: count(&state, "awards", "created_at >= $2", org, month_start()).await?,
    };
    let rows = sqlx::query(
        "SELECT kind, subject_id, created_at FROM events WHERE org_id = $1 \
         ORDER BY created_at DESC, id LIMIT $2",
    )
    .bind(org)
    .bind(RECENT_EVENTS)
    .fetch_all(&state.db().pool)
    .await?;
    let events: Vec<EventRow> = rows
        .iter()
        .map(|row| EventRow {
            kind: row.get("kind"),
            subject_id: row.get("subject_id"),
            created_at: row.get("created_at"),
        })
        .collect();
    let page = signed_in.page(
        "dashboard",
        context! {
            counts => Value::from(Serde(&counts)),
            events => Value::from(Serde(&events)),
        },
    );
    Ok(render("dashboard.html", page)?.into_response())
}

/// Counts an organization's rows of `table` that match `condition` (which may use `$2`,
/// bound to `since`). Both are constants of this module, never input.
async fn count(
    state: &AppState,
    table: &'static str,
    condition: &'static str,
    org_id: &str,
    since: i64,
) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE org_id = $1 AND {condition}");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org_id);
    if condition.contains("$2") {
        query = query.bind(since);
    }
    let row = query.fetch_one(&state.db().pool).await?;
    Ok(row.get("n"))
}

/// The first millisecond of the current month, in UTC.
fn month_start() -> i64 {
    let now = Utc::now();
    Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .map_or(0, |t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use chrono::Timelike;

    use super::*;

    #[test]
    fn the_month_starts_on_its_first_day_at_midnight_utc() {
        let start = Utc.timestamp_millis_opt(month_start()).unwrap();
        assert_eq!((start.day(), start.hour(), start.minute()), (1, 0, 0));
        assert!(month_start() <= Utc::now().timestamp_millis());
    }
}
