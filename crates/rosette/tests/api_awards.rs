//! The award API on both engines: issuing, reading, listing, revoking, idempotent retries,
//! and every way a request can be refused.

mod common;

use common::{TestApp, TestOrg};
use rosette::auth::Role;
use serde_json::{Value, json};
use sqlx::Row;

on_both_engines!(
    an_author_awards_and_an_admin_revokes,
    retries_with_one_idempotency_key_make_one_award,
    a_reused_idempotency_key_with_another_body_is_a_conflict,
    invalid_awards_are_refused_and_nothing_is_stored,
    another_organizations_award_is_not_found,
    roles_limit_who_awards_and_who_revokes,
    awards_are_listed_newest_first_with_filters_and_pages,
    an_award_past_its_valid_until_is_expired,
    concurrent_awards_take_distinct_status_entries_across_blocks,
    after_a_key_rotation_new_awards_are_signed_with_the_new_key,
    awards_stored_together_keep_their_keys_and_a_bad_one_fails_alone,
);

/// An organization with an issuer and one achievement, and tokens of several roles.
struct Setup {
    org: TestOrg,
    admin: String,
    author: String,
    achievement: String,
}

async fn setup(app: &TestApp) -> Setup {
    let org = app.org_with_token(Role::Admin).await;
    let admin = org.token.clone();
    let author = app.token_for(&org, Role::Author).await;
    let issuer = create_issuer(app, &admin).await;
    let achievement = insert_achievement(app, &org.id, &issuer, None, false).await;
    Setup {
        org,
        admin,
        author,
        achievement,
    }
}

async fn create_issuer(app: &TestApp, admin: &str) -> String {
    let body = json!({"name": "Acme Academy", "url": "https://academy.example.org",
                      "email": "badges@academy.example.org"});
    let (status, issuer) = app.post(admin, "/api/v1/issuers", body).await;
    assert_eq!(status, 201, "{issuer}");
    issuer["id"].as_str().unwrap().to_owned()
}

/// Inserts an achievement directly: the achievement API is built separately.
async fn insert_achievement(
    app: &TestApp,
    org_id: &str,
    issuer_id: &str,
    valid_for_days: Option<i64>,
    archived: bool,
) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let archived_at = archived.then_some(1_i64);
    sqlx::query(
        "INSERT INTO achievements (id, org_id, issuer_id, name, description, criteria, \
         achievement_type, skills, tags, points, valid_for_days, created_at, updated_at, \
         archived_at) VALUES ($1, $2, $3, 'Kubernetes Operator', 'Runs clusters.', \
         'Pass the lab.', 'Badge', '[]', '[\"k8s\"]', 10, $4, 1, 1, $5)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(issuer_id)
    .bind(valid_for_days)
    .bind(archived_at)
    .execute(&app.state.db().pool)
    .await
    .unwrap();
    id
}

fn award_body(achievement: &str, email: &str) -> Value {
    json!({"achievement_id": achievement, "recipient": {"email": email, "name": "Ada Lovelace"},
           "evidence": [{"name": "Lab run", "narrative": "Passed every check.",
                         "url": "https://labs.example.org/runs/1"}]})
}

async fn count(app: &TestApp, sql: &str, org_id: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(org_id)
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get::<i64, _>(0)
}

async fn awards_in(app: &TestApp, org_id: &str) -> i64 {
    count(app, "SELECT COUNT(*) FROM awards WHERE org_id = $1", org_id).await
}

async fn post_with_key(app: &TestApp, token: &str, key: &str, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.at("/api/v1/awards"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            let pointer = |e: &Value| e["pointer"].as_str().unwrap_or_default().to_owned();
            errors.iter().map(pointer).collect()
        })
        .unwrap_or_default()
}

async fn an_author_awards_and_an_admin_revokes(app: TestApp) {
    let s = setup(&app).await;
    let body = award_body(&s.achievement, "Ada@Example.org");
    let (status, award) = app.post(&s.author, "/api/v1/awards", body).await;
    assert_eq!(status, 201, "{award}");
    let id = award["id"].as_str().unwrap();
    assert_eq!(award["status"], "active");
    assert_eq!(
        award["recipient"],
        json!({"email": "ada@example.org", "name": "Ada Lovelace", "show_name": false})
    );
    assert_eq!(award["public_url"], app.at(&format!("/credentials/{id}")));
    assert_eq!(
        award["credential_url"],
        app.at(&format!("/credentials/{id}.json"))
    );
    assert!(award["valid_until"].is_null());

    let row = sqlx::query("SELECT credential FROM awards WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap();
    let credential: String = row.get("credential");
    assert!(
        !credential.contains("ada@example.org"),
        "the email must be hashed"
    );
    let credential: Value = serde_json::from_str(&credential).unwrap();
    assert_eq!(credential["name"], "Kubernetes Operator");
    assert_eq!(
        credential["evidence"][0]["id"],
        "https://labs.example.org/runs/1"
    );
    assert_eq!(
        credential["credentialStatus"]["statusPurpose"],
        "revocation"
    );
    let jobs = "SELECT COUNT(*) FROM jobs WHERE org_id = $1 AND kind = 'email.award_issued'";
    assert_eq!(count(&app, jobs, &s.org.id).await, 1);
    let issued = "SELECT COUNT(*) FROM events WHERE org_id = $1 AND kind = 'award.issued'";
    assert_eq!(count(&app, issued, &s.org.id).await, 1);

    let (status, read) = app.get(&s.author, &format!("/api/v1/awards/{id}")).await;
    assert_eq!((status, &read["id"]), (200, &award["id"]));

    let revoke = format!("/api/v1/awards/{id}/revoke");
    let (status, problem) = app.post(&s.admin, &revoke, json!({"reason": "  "})).await;
    assert_eq!(
        (status, pointers(&problem)),
        (422, vec!["/reason".to_owned()])
    );
    let (status, revoked) = app
        .post(&s.admin, &revoke, json!({"reason": "Awarded by mistake."}))
        .await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["revocation_reason"], "Awarded by mistake.");
    let (status, again) = app
        .post(&s.admin, &revoke, json!({"reason": "Twice."}))
        .await;
    assert_eq!(status, 409, "{again}");
    let revoked_events = "SELECT COUNT(*) FROM events WHERE org_id = $1 AND kind = 'award.revoked'";
    assert_eq!(count(&app, revoked_events, &s.org.id).await, 1);
}

async fn retries_with_one_idempotency_key_make_one_award(app: TestApp) {
    let s = setup(&app).await;
    let body = award_body(&s.achievement, "grace@example.org");
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (client, url, token, body) = (
            app.client.clone(),
            app.at("/api/v1/awards"),
            s.author.clone(),
            body.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "lms-enrolment-42")
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }

    let created = answers.iter().filter(|(status, _)| *status == 201).count();
    let replayed = answers.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!((created, replayed), (1, 19), "{answers:?}");
    let first = &answers[0].1["id"];
    assert!(answers.iter().all(|(_, award)| &award["id"] == first));
    assert_eq!(awards_in(&app, &s.org.id).await, 1);
    let jobs = "SELECT COUNT(*) FROM jobs WHERE org_id = $1";
    assert_eq!(count(&app, jobs, &s.org.id).await, 1);

    // A retry later answers the same award with the same body.
    let (status, again) = post_with_key(&app, &s.author, "lms-enrolment-42", &body).await;
    assert_eq!((status, &again["id"]), (200, first));
    assert_eq!(again, answers[0].1);
}

async fn a_reused_idempotency_key_with_another_body_is_a_conflict(app: TestApp) {
    let s = setup(&app).await;
    let first = award_body(&s.achievement, "grace@example.org");
    let (status, _) = post_with_key(&app, &s.author, "k-1", &first).await;
    assert_eq!(status, 201);
    let other = award_body(&s.achievement, "linus@example.org");
    let (status, problem) = post_with_key(&app, &s.author, "k-1", &other).await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );

    // The same key in another organization is another key.
    let t = setup(&app).await;
    let theirs = award_body(&t.achievement, "grace@example.org");
    let (status, _) = post_with_key(&app, &t.author, "k-1", &theirs).await;
    assert_eq!(status, 201);
    assert_eq!(awards_in(&app, &s.org.id).await, 1);
}

async fn invalid_awards_are_refused_and_nothing_is_stored(app: TestApp) {
    let s = setup(&app).await;
    let other = setup(&app).await;
    let issuer: String = sqlx::query("SELECT issuer_id FROM achievements WHERE id = $1")
        .bind(&s.achievement)
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get(0);
    let archived = insert_achievement(&app, &s.org.id, &issuer, None, true).await;
    let ok = award_body(&s.achievement, "ada@example.org");
    let with = |path: &str, value: Value| {
        let mut body = ok.clone();
        body.pointer_mut(path).map(|v| *v = value).unwrap();
        body
    };
    let evidence = |n: usize| json!(vec![json!({"name": "Lab"}); n]);

    let cases: Vec<(Value, u16, &str)> = vec![
        (with("/achievement_id", json!(5)), 422, "/"),
        (json!({"recipient": {"email": "ada@example.org"}}), 422, "/"),
        (
            json!({"achievement_id": s.achievement, "recipient": {"email": "a@b.org"},
                "points": 3}),
            422,
            "/",
        ),
        (
            with("/recipient/email", json!("ada@nowhere")),
            422,
            "/recipient/email",
        ),
        (
            with("/achievement_id", json!("no-such-achievement")),
            422,
            "/achievement_id",
        ),
        (
            with("/achievement_id", json!(other.achievement)),
            422,
            "/achievement_id",
        ),
        (
            with("/achievement_id", json!(archived)),
            422,
            "/achievement_id",
        ),
        (with("/evidence", evidence(21)), 422, "/evidence"),
        (
            with("/evidence", json!([{"url": "/relative"}])),
            422,
            "/evidence/0/url",
        ),
        (with("/evidence", json!([{}])), 422, "/evidence/0"),
        (
            with("/evidence", json!([{"name": "x".repeat(201)}])),
            422,
            "/evidence/0/name",
        ),
        (with("/recipient/name", json!("")), 422, "/recipient/name"),
    ];
    for (body, expected, pointer) in cases {
        let (status, problem) = app.post(&s.author, "/api/v1/awards", body.clone()).await;
        assert_eq!(status, expected, "{body} → {problem}");
        assert!(
            pointers(&problem).iter().any(|p| p == pointer),
            "{body} → {problem}"
        );
        assert!(!problem["detail"].as_str().unwrap().is_empty());
    }
    let response = app
        .client
        .post(app.at("/api/v1/awards"))
        .bearer_auth(&s.author)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(awards_in(&app, &s.org.id).await, 0);
}

async fn another_organizations_award_is_not_found(app: TestApp) {
    let s = setup(&app).await;
    let other = setup(&app).await;
    let (_, award) = app
        .post(
            &s.author,
            "/api/v1/awards",
            award_body(&s.achievement, "a@x.org"),
        )
        .await;
    let id = award["id"].as_str().unwrap();
    let (status, _) = app.get(&other.admin, &format!("/api/v1/awards/{id}")).await;
    assert_eq!(status, 404);
    let revoke = format!("/api/v1/awards/{id}/revoke");
    let (status, _) = app
        .post(&other.admin, &revoke, json!({"reason": "x"}))
        .await;
    assert_eq!(status, 404);
    let (_, list) = app.get(&other.admin, "/api/v1/awards").await;
    assert_eq!(list["items"], json!([]));
    let (status, still) = app.get(&s.admin, &format!("/api/v1/awards/{id}")).await;
    assert_eq!((status, &still["status"]), (200, &json!("active")));
}

async fn roles_limit_who_awards_and_who_revokes(app: TestApp) {
    let s = setup(&app).await;
    let analyst = app.token_for(&s.org, Role::Analyst).await;
    let body = award_body(&s.achievement, "ada@example.org");
    let (status, _) = app.post(&analyst, "/api/v1/awards", body.clone()).await;
    assert_eq!(status, 403);
    let (status, award) = app.post(&s.author, "/api/v1/awards", body).await;
    assert_eq!(status, 201);
    let revoke = format!("/api/v1/awards/{}/revoke", award["id"].as_str().unwrap());
    let (status, _) = app.post(&s.author, &revoke, json!({"reason": "x"})).await;
    assert_eq!(status, 403);
    let (status, _) = app
        .post("rst_not-a-token", "/api/v1/awards", json!({}))
        .await;
    assert_eq!(status, 401);
    let (status, _) = app.get(&analyst, "/api/v1/awards").await;
    assert_eq!(status, 200);
}

async fn awards_are_listed_newest_first_with_filters_and_pages(app: TestApp) {
    let s = setup(&app).await;
    let issuer: String = sqlx::query("SELECT issuer_id FROM achievements WHERE id = $1")
        .bind(&s.achievement)
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get(0);
    let second = insert_achievement(&app, &s.org.id, &issuer, None, false).await;
    let mut made = Vec::new();
    for (achievement, email) in [
        (&s.achievement, "ada@example.org"),
        (&s.achievement, "grace@example.org"),
        (&second, "ada@example.org"),
        (&s.achievement, "linus@example.org"),
        (&second, "margaret@example.org"),
    ] {
        let (status, award) = app
            .post(&s.author, "/api/v1/awards", award_body(achievement, email))
            .await;
        assert_eq!(status, 201, "{award}");
        made.push(award["id"].as_str().unwrap().to_owned());
    }

    let mut seen = Vec::new();
    let mut path = "/api/v1/awards?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let (status, page) = app.get(&s.admin, &path).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        let key = |a: &Value| {
            (
                a["created_at"].as_i64().unwrap(),
                a["id"].as_str().unwrap().to_owned(),
            )
        };
        seen.extend(items.iter().map(key));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/awards?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut newest_first = seen.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, newest_first, "newest first, by (created_at, id)");
    let mut ids: Vec<String> = seen.into_iter().map(|(_, id)| id).collect();
    ids.sort();
    made.sort();
    assert_eq!(ids, made, "every award exactly once");

    let (_, ada) = app
        .get(&s.admin, "/api/v1/awards?email=ADA@Example.org")
        .await;
    assert_eq!(ada["items"].as_array().unwrap().len(), 2);
    let by_achievement = format!("/api/v1/awards?achievement_id={second}");
    let (_, two) = app.get(&s.admin, &by_achievement).await;
    assert_eq!(two["items"].as_array().unwrap().len(), 2);
    let both = format!("/api/v1/awards?achievement_id={second}&email=ada@example.org");
    let (_, one) = app.get(&s.admin, &both).await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    assert_eq!(one["items"][0]["recipient"]["email"], "ada@example.org");
    assert_eq!(one["items"][0]["achievement_id"], json!(second));

    for bad in [
        "limit=0",
        "limit=101",
        "cursor=bm9wZQ",
        "limit=two",
        "colour=red",
    ] {
        let (status, problem) = app.get(&s.admin, &format!("/api/v1/awards?{bad}")).await;
        assert!(matches!(status, 400 | 422), "{bad} → {status} {problem}");
        assert!(problem["detail"].is_string(), "{bad} → {problem}");
    }
}

async fn an_award_past_its_valid_until_is_expired(app: TestApp) {
    let s = setup(&app).await;
    let issuer: String = sqlx::query("SELECT issuer_id FROM achievements WHERE id = $1")
        .bind(&s.achievement)
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get(0);
    let yearly = insert_achievement(&app, &s.org.id, &issuer, Some(365), false).await;
    let (status, award) = app
        .post(
            &s.author,
            "/api/v1/awards",
            award_body(&yearly, "ada@example.org"),
        )
        .await;
    assert_eq!(status, 201, "{award}");
    let (from, until) = (
        award["valid_from"].as_i64().unwrap(),
        award["valid_until"].as_i64(),
    );
    assert_eq!(until, Some(from + 365 * 24 * 3600 * 1000));
    assert_eq!(award["status"], "active");

    let id = award["id"].as_str().unwrap();
    sqlx::query("UPDATE awards SET valid_until = $1 WHERE id = $2")
        .bind(from - 1000)
        .bind(id)
        .execute(&app.state.db().pool)
        .await
        .unwrap();
    let (_, read) = app.get(&s.admin, &format!("/api/v1/awards/{id}")).await;
    assert_eq!(read["status"], "expired");
    let (_, list) = app.get(&s.admin, "/api/v1/awards").await;
    assert_eq!(list["items"][0]["status"], "expired");
}

/// More awards at once than one reserved block of status entries holds: every credential
/// names its own entry, and revoking one sets only its own bit.
async fn concurrent_awards_take_distinct_status_entries_across_blocks(app: TestApp) {
    let s = setup(&app).await;
    let count = rosette::status_list::RESERVATION_BLOCK + 16;
    let mut tasks = Vec::new();
    for n in 0..count {
        let (client, url, token) = (
            app.client.clone(),
            app.at("/api/v1/awards"),
            s.author.clone(),
        );
        let body = award_body(&s.achievement, &format!("learner{n}@example.org"));
        tasks.push(tokio::spawn(async move {
            let response = client.post(url).bearer_auth(token).json(&body).send().await;
            response.unwrap().json::<Value>().await.unwrap()
        }));
    }
    let mut entries = std::collections::HashSet::new();
    let mut first = None;
    for task in tasks {
        let award = task.await.unwrap();
        let url = award["credential_url"]
            .as_str()
            .expect("an award")
            .to_owned();
        let credential = public_json(&app, &url).await;
        let status = &credential["credentialStatus"];
        let entry = (
            status["statusListCredential"].as_str().unwrap().to_owned(),
            status["statusListIndex"].as_str().unwrap().to_owned(),
        );
        assert!(
            entries.insert(entry.clone()),
            "two awards share the entry {entry:?}"
        );
        first.get_or_insert((award["id"].as_str().unwrap().to_owned(), entry));
    }
    assert_eq!(entries.len(), count);

    let (award_id, (list_url, index)) = first.unwrap();
    let path = format!("/api/v1/awards/{award_id}/revoke");
    let (status, _) = app
        .post(&s.admin, &path, json!({"reason": "Mistake."}))
        .await;
    assert_eq!(status, 200);
    let list = public_json(&app, &list_url).await;
    let encoded = list["credentialSubject"]["encodedList"].as_str().unwrap();
    let bits = badges::status::BitstringStatusList::decode(encoded, 1).unwrap();
    let index: usize = index.parse().unwrap();
    for (list, other) in &entries {
        let other: usize = other.parse().unwrap();
        if *list == list_url {
            assert_eq!(
                bits.get(other).unwrap() == 1,
                other == index,
                "entry {other}"
            );
        }
    }
}

/// A public document, fetched without a token.
async fn public_json(app: &TestApp, url: &str) -> Value {
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.unwrap()
}

/// The server keeps unsealed signing keys for a while; a rotation must still take effect at
/// once for the awards it signs.
async fn after_a_key_rotation_new_awards_are_signed_with_the_new_key(app: TestApp) {
    let s = setup(&app).await;
    let method = |credential: &Value| {
        credential["proof"][0]["verificationMethod"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let body = award_body(&s.achievement, "before@example.org");
    let (_, before) = app.post(&s.author, "/api/v1/awards", body).await;
    let before = public_json(&app, before["credential_url"].as_str().unwrap()).await;
    let issuer_url = before["issuer"]["id"].as_str().unwrap().to_owned();
    let issuer_id = issuer_url.rsplit('/').next().unwrap();

    let path = format!("/api/v1/issuers/{issuer_id}/rotate-key");
    let (status, rotated) = app.post(&s.admin, &path, json!({})).await;
    assert_eq!(status, 200, "{rotated}");
    let body = award_body(&s.achievement, "after@example.org");
    let (_, after) = app.post(&s.author, "/api/v1/awards", body).await;
    let after = public_json(&app, after["credential_url"].as_str().unwrap()).await;

    assert_ne!(method(&before), method(&after));
    let current = rotated["verificationMethod"][0]["id"].as_str().unwrap();
    assert_eq!(method(&after), current, "{rotated}");
    let published: Vec<&str> = rotated["assertionMethod"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        published.contains(&method(&before).as_str()),
        "the old key is still published"
    );
}

/// A burst of awards reaches the writer at once, so they are stored in shared transactions:
/// awards that share an idempotency key still make one award each key, every stored award
/// has its event and email job, and an award the database refuses fails only its own store.
async fn awards_stored_together_keep_their_keys_and_a_bad_one_fails_alone(app: TestApp) {
    use rosette::event::{EventKind, NewEvent};
    let s = setup(&app).await;
    let body = award_body(&s.achievement, "first@example.org");
    let (status, first) = app.post(&s.author, "/api/v1/awards", body).await;
    assert_eq!(status, 201, "{first}");
    let template = rosette::award::get(app.state.db(), &s.org.id, first["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();

    const BAD: usize = 7;
    let mut tasks = Vec::new();
    for n in 0..40 {
        let mut award = template.clone();
        award.id = rosette::db::new_id();
        award.status_index = 1_000 + n as i64;
        award.idempotency_key = Some(format!("burst-{}", n % 20));
        if n == BAD {
            award.idempotency_key = Some("burst-bad".into());
            award.achievement_id = rosette::db::new_id();
        }
        let event = NewEvent::new(&award.org_id, EventKind::AwardIssued, &award.id, &json!({}));
        let email = json!({"award_id": award.id});
        let writer = app.state.award_writer().clone();
        tasks.push(tokio::spawn(async move {
            writer.store(award, event, email).await
        }));
    }
    let (mut stored, mut skipped, mut failed) = (Vec::new(), 0, Vec::new());
    for (n, task) in tasks.into_iter().enumerate() {
        match task.await.unwrap() {
            Ok(Some(award)) => stored.push(award.idempotency_key.unwrap()),
            Ok(None) => skipped += 1,
            Err(_) => failed.push(n),
        }
    }
    stored.sort();
    stored.dedup();
    assert_eq!((stored.len(), skipped, failed), (20, 19, vec![BAD]));
    assert_eq!(awards_in(&app, &s.org.id).await, 21);
    let issued = "SELECT COUNT(*) FROM events WHERE org_id = $1 AND kind = 'award.issued'";
    assert_eq!(count(&app, issued, &s.org.id).await, 21);
    let emails = "SELECT COUNT(*) FROM jobs WHERE org_id = $1 AND kind = 'email.award_issued'";
    assert_eq!(count(&app, emails, &s.org.id).await, 21);
}
