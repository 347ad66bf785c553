//! Read-only pages: the dashboard, and the lists of achievements and awards (their forms
//! come with those modules; the API makes them meanwhile).

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
/// How many rows the achievement and award lists show.
pub const LIST_LIMIT: i64 = 100;

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

/// An achievement in the list.
#[derive(Debug, Serialize)]
struct AchievementRow {
    name: String,
    issuer: String,
    points: i64,
    created_at: i64,
    archived_at: Option<i64>,
}

/// An award in the list.
#[derive(Debug, Serialize)]
struct AwardRow {
    id: String,
    recipient: String,
    achievement: String,
    created_at: i64,
    revoked_at: Option<i64>,
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

/// `GET /manage/achievements`.
pub async fn achievements(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    let rows = sqlx::query(
        "SELECT a.name, i.name AS issuer, a.points, a.created_at, a.archived_at \
         FROM achievements a JOIN issuers i ON i.id = a.issuer_id \
         WHERE a.org_id = $1 ORDER BY a.created_at DESC, a.id LIMIT $2",
    )
    .bind(&signed_in.org_id)
    .bind(LIST_LIMIT)
    .fetch_all(&state.db().pool)
    .await?;
    let achievements: Vec<AchievementRow> = rows
        .iter()
        .map(|row| AchievementRow {
            name: row.get("name"),
            issuer: row.get("issuer"),
            points: row.get("points"),
            created_at: row.get("created_at"),
            archived_at: row.get("archived_at"),
        })
        .collect();
    let page = signed_in.page(
        "achievements",
        context! { achievements => Value::from(Serde(&achievements)) },
    );
    Ok(render("achievements.html", page)?.into_response())
}

/// `GET /manage/awards`: the most recent awards.
pub async fn awards(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, PageError> {
    let rows = sqlx::query(
        "SELECT w.id, w.recipient_name, w.recipient_email, c.name AS achievement, \
         w.created_at, w.revoked_at \
         FROM awards w JOIN achievements c ON c.id = w.achievement_id \
         WHERE w.org_id = $1 ORDER BY w.created_at DESC, w.id LIMIT $2",
    )
    .bind(&signed_in.org_id)
    .bind(LIST_LIMIT)
    .fetch_all(&state.db().pool)
    .await?;
    let awards: Vec<AwardRow> = rows
        .iter()
        .map(|row| {
            let name: Option<String> = row.get("recipient_name");
            let email: String = row.get("recipient_email");
            AwardRow {
                id: row.get("id"),
                recipient: name.map_or_else(|| email.clone(), |n| format!("{n} <{email}>")),
                achievement: row.get("achievement"),
                created_at: row.get("created_at"),
                revoked_at: row.get("revoked_at"),
            }
        })
        .collect();
    let page = signed_in.page(
        "awards",
        context! {
            awards => Value::from(Serde(&awards)),
            limit => LIST_LIMIT,
        },
    );
    Ok(render("awards.html", page)?.into_response())
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
