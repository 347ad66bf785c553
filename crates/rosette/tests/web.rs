//! The web interface, driven like a browser (a cookie store, forms, no JavaScript), on both
//! engines: sign-in by link and password, rate limiting, CSRF, every page, roles, members,
//! API tokens and the security headers.

mod common;

use common::TestApp;
use common::browser::{Browser, PASSWORD, emailed_link, new_org, owner_browser};
use rosette::auth::Role;

on_both_engines!(
    a_new_owner_signs_in_with_the_printed_link_and_sets_a_password,
    a_wrong_password_or_unknown_address_gets_one_generic_message,
    ten_wrong_passwords_lock_the_address_out_for_a_while,
    forms_without_the_right_csrf_token_are_refused_and_change_nothing,
    every_page_renders_for_an_owner,
    an_analyst_may_read_but_not_create_tokens_or_issuers,
    admins_invite_members_and_change_their_roles,
    the_organization_always_keeps_an_owner,
    an_emailed_link_is_sealed_in_its_job_and_signs_in_once,
    pages_carry_the_security_headers_and_a_strict_session_cookie,
    another_organizations_things_are_not_found,
    people_in_two_organizations_choose_one,
);

async fn count(app: &TestApp, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get(0)
}

async fn a_new_owner_signs_in_with_the_printed_link_and_sets_a_password(app: TestApp) {
    let (_, link) = new_org(&app, "owner@example.org").await;
    let browser = Browser::new(&app);
    assert_eq!(browser.get("/").await.location, "/login");

    let signed_in = browser.get(&link).await;
    assert_eq!(
        (signed_in.status, signed_in.location.as_str()),
        (303, "/account/password")
    );
    let form = browser.get("/account/password").await;
    assert!(form.body.contains("Set a password"), "{}", form.body);
    let short = browser
        .submit(
            "/account/password",
            "/account/password",
            &[("password", "too short"), ("confirm", "too short")],
        )
        .await;
    assert_eq!(short.status, 422);
    assert!(short.body.contains("at least 12 characters"));
    let saved = browser
        .submit(
            "/account/password",
            "/account/password",
            &[("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert!(saved.body.contains("Your password is saved"));

    let again = Browser::new(&app).get(&link).await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("used already or it expired"));

    let out = browser.submit("/", "/logout", &[]).await;
    assert_eq!((out.status, out.location.as_str()), (303, "/login"));
    assert_eq!(browser.get("/").await.status, 303);

    let back = browser.sign_in("Owner@Example.org", PASSWORD).await;
    assert_eq!((back.status, back.location.as_str()), (303, "/"));
    let dashboard = browser.get("/").await;
    assert_eq!(dashboard.status, 200);
    assert!(dashboard.body.contains("Acme Academy") && dashboard.body.contains("Start here"));
}

async fn a_wrong_password_or_unknown_address_gets_one_generic_message(app: TestApp) {
    owner_browser(&app).await;
    let browser = Browser::new(&app);
    let wrong = browser
        .sign_in("owner@example.org", "not the password")
        .await;
    let unknown = browser.sign_in("nobody@example.org", PASSWORD).await;
    for page in [&wrong, &unknown] {
        assert_eq!(page.status, 401);
        assert!(page.body.contains("The email or password is wrong."));
    }
    assert_eq!(browser.get("/").await.status, 303, "not signed in");

    let next = browser.get("/manage/members").await;
    assert_eq!(next.location, "/login?next=%2Fmanage%2Fmembers");
    let login = browser.get(&next.location).await;
    let csrf = login.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("email", "owner@example.org"),
        ("password", PASSWORD),
        ("next", "/manage/members"),
    ];
    assert_eq!(
        browser.post("/login", &fields).await.location,
        "/manage/members"
    );
    let evil = Browser::new(&app);
    let csrf = evil.get("/login").await.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("email", "owner@example.org"),
        ("password", PASSWORD),
        ("next", "//evil.example/"),
    ];
    assert_eq!(evil.post("/login", &fields).await.location, "/");
}

async fn ten_wrong_passwords_lock_the_address_out_for_a_while(app: TestApp) {
    owner_browser(&app).await;
    let browser = Browser::new(&app);
    for _ in 0..10 {
        let page = browser
            .sign_in("owner@example.org", "wrong password!")
            .await;
        assert_eq!(page.status, 401);
    }
    let locked = browser.sign_in("owner@example.org", PASSWORD).await;
    assert_eq!(locked.status, 429);
    assert!(locked.body.contains("Too many attempts"));

    let other = browser
        .sign_in("someone@example.org", "wrong password!")
        .await;
    assert_eq!(other.status, 401, "another address is not locked");
}

async fn forms_without_the_right_csrf_token_are_refused_and_change_nothing(app: TestApp) {
    let (browser, _) = owner_browser(&app).await;
    let issuer = [
        ("name", "Acme"),
        ("url", "https://acme.example"),
        ("email", "badges@acme.example"),
    ];
    let missing = browser.post("/manage/issuers", &issuer).await;
    let mut wrong_fields = vec![("csrf", "not-the-token")];
    wrong_fields.extend_from_slice(&issuer);
    let wrong = browser.post("/manage/issuers", &wrong_fields).await;
    let token = browser
        .post("/manage/tokens", &[("name", "ci"), ("role", "admin")])
        .await;
    for page in [&missing, &wrong, &token] {
        assert_eq!(page.status, 403);
        assert!(page.body.contains("did not come from this site"));
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM issuers").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM api_tokens").await, 0);
    assert_eq!(browser.post("/logout", &[]).await.status, 403);
    assert_eq!(browser.get("/").await.status, 200, "still signed in");

    let fresh = Browser::new(&app);
    let login = [("email", "owner@example.org"), ("password", PASSWORD)];
    assert_eq!(
        fresh.post("/login", &login).await.status,
        403,
        "no login cookie"
    );
    let ok = fresh.submit("/login", "/login", &login).await;
    assert_eq!(ok.status, 303);
}

async fn every_page_renders_for_an_owner(app: TestApp) {
    let (browser, org) = owner_browser(&app).await;
    let created = browser
        .submit(
            "/manage/issuers",
            "/manage/issuers",
            &[
                ("name", "Acme <Academy>"),
                ("url", "https://acme.example"),
                ("email", "badges@acme.example"),
                ("description", "Training."),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    let issuer = rosette::issuer::list(app.state.db(), &org.id, false)
        .await
        .unwrap()
        .remove(0);
    sqlx::query(
        "INSERT INTO events (id, org_id, kind, subject_id, data, created_at) \
         VALUES ($1, $2, 'award.issued', 'award-1', '{}', $3)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&org.id)
    .bind(rosette::db::now_ms())
    .execute(&app.state.db().pool)
    .await
    .unwrap();

    let edit = format!("/manage/issuers/{}", issuer.id);
    for path in [
        "/",
        "/manage/issuers",
        edit.as_str(),
        "/manage/achievements",
        "/manage/awards",
        "/manage/members",
        "/manage/tokens",
        "/account/password",
        "/orgs",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let kind = page.headers["content-type"].to_str().unwrap();
        assert!(kind.starts_with("text/html"), "{path}");
        assert!(page.body.contains("</html>"), "{path}");
    }
    let dashboard = browser.get("/").await;
    assert!(dashboard.body.contains("award.issued") && !dashboard.body.contains("Start here"));
    let list = browser.get("/manage/issuers").await;
    assert!(list.body.contains("Acme &lt;Academy&gt;") && !list.body.contains("<Academy>"));

    let saved = browser
        .submit(
            &edit,
            &edit,
            &[
                ("name", "Acme"),
                ("url", "https://acme.example"),
                ("email", "x@acme.example"),
            ],
        )
        .await;
    assert!(saved.body.contains("Saved."), "{}", saved.body);
    let invalid = browser
        .submit(
            &edit,
            &edit,
            &[("name", " "), ("url", "ftp://x"), ("email", "nope")],
        )
        .await;
    assert_eq!(invalid.status, 422);
    assert!(
        invalid
            .body
            .contains("must be an absolute http or https URL")
    );

    let css = browser.get("/assets/app.css").await;
    assert_eq!(css.status, 200);
    assert!(
        css.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert!(css.body.contains("prefers-color-scheme: dark"));

    let missing = browser.get("/manage/nothing-here").await;
    assert_eq!(missing.status, 404);
    let request_id = missing.headers["x-request-id"].to_str().unwrap();
    assert!(
        missing.body.contains(request_id),
        "the 404 page shows the request id"
    );
}

async fn an_analyst_may_read_but_not_create_tokens_or_issuers(app: TestApp) {
    let (owner, _) = owner_browser(&app).await;
    let invited = owner
        .submit(
            "/manage/members",
            "/manage/members",
            &[("email", "ana@example.org"), ("role", "analyst")],
        )
        .await;
    assert_eq!(invited.location, "/manage/members?notice=invited");
    let analyst = Browser::new(&app);
    assert_eq!(analyst.get(&emailed_link(&app).await).await.status, 303);

    let tokens = analyst.get("/manage/tokens").await;
    assert_eq!(tokens.status, 200);
    assert!(!tokens.body.contains("Create the token"));
    let refused = analyst
        .submit(
            "/",
            "/manage/tokens",
            &[("name", "ci"), ("role", "analyst")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("admin role"), "{}", refused.body);
    let issuer = analyst
        .submit(
            "/",
            "/manage/issuers",
            &[
                ("name", "X"),
                ("url", "https://x.example"),
                ("email", "x@x.example"),
            ],
        )
        .await;
    assert_eq!(issuer.status, 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM api_tokens").await, 0);

    let created = owner
        .submit(
            "/manage/tokens",
            "/manage/tokens",
            &[("name", "ci"), ("role", "author")],
        )
        .await;
    assert_eq!(created.status, 200);
    let marker = "class=\"secret\">";
    let start = created.body.find(marker).expect("the secret is shown") + marker.len();
    let secret: String = created.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let (status, _) = app.get(&secret, "/api/v1/issuers").await;
    assert_eq!(status, 200, "the shown token works");
    assert!(
        !owner.get("/manage/tokens").await.body.contains(&secret),
        "shown once"
    );

    use sqlx::Row;
    let id: String = sqlx::query("SELECT id FROM api_tokens")
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get("id");
    let revoked = owner
        .submit(
            "/manage/tokens",
            &format!("/manage/tokens/{id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(revoked.status, 303);
    assert_eq!(app.get(&secret, "/api/v1/issuers").await.0, 401);
}

async fn admins_invite_members_and_change_their_roles(app: TestApp) {
    let (owner, org) = owner_browser(&app).await;
    owner
        .submit(
            "/manage/members",
            "/manage/members",
            &[("email", "Adam@Example.org"), ("role", "admin")],
        )
        .await;
    let twice = owner
        .submit(
            "/manage/members",
            "/manage/members",
            &[("email", "adam@example.org"), ("role", "author")],
        )
        .await;
    assert_eq!(twice.status, 409);
    assert!(twice.body.contains("already a member"));

    let admin = Browser::new(&app);
    assert_eq!(admin.get(&emailed_link(&app).await).await.status, 303);
    let members = admin.get("/manage/members").await;
    assert!(members.body.contains("adam@example.org") && members.body.contains("(you)"));

    let made_owner = admin
        .submit(
            "/manage/members",
            "/manage/members",
            &[("email", "olga@example.org"), ("role", "owner")],
        )
        .await;
    assert_eq!(made_owner.status, 403, "only owners make owners");
    admin
        .submit(
            "/manage/members",
            "/manage/members",
            &[("email", "olga@example.org"), ("role", "author")],
        )
        .await;

    use sqlx::Row;
    let olga: String = sqlx::query("SELECT id FROM users WHERE email = 'olga@example.org'")
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get("id");
    let changed = admin
        .submit(
            "/manage/members",
            &format!("/manage/members/{olga}/role"),
            &[("role", "analyst")],
        )
        .await;
    assert_eq!(changed.location, "/manage/members?notice=role");
    let role: String =
        sqlx::query("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(&org.id)
            .bind(&olga)
            .fetch_one(&app.state.db().pool)
            .await
            .unwrap()
            .get("role");
    assert_eq!(role, "analyst");

    let owner_id: String = sqlx::query("SELECT id FROM users WHERE email = 'owner@example.org'")
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get("id");
    let demote = admin
        .submit(
            "/manage/members",
            &format!("/manage/members/{owner_id}/role"),
            &[("role", "author")],
        )
        .await;
    assert_eq!(demote.status, 403, "only owners change owners");

    let removed = owner
        .submit(
            "/manage/members",
            &format!("/manage/members/{olga}/remove"),
            &[],
        )
        .await;
    assert_eq!(removed.status, 303);
    let left = count(&app, "SELECT COUNT(*) FROM memberships").await;
    assert_eq!(left, 2);
}

async fn the_organization_always_keeps_an_owner(app: TestApp) {
    let (owner, org) = owner_browser(&app).await;
    use sqlx::Row;
    let me: String = sqlx::query("SELECT id FROM users WHERE email = 'owner@example.org'")
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get("id");
    let role_path = format!("/manage/members/{me}/role");
    let demote = owner
        .submit("/manage/members", &role_path, &[("role", "admin")])
        .await;
    assert_eq!(demote.status, 409);
    assert!(demote.body.contains("at least one owner"));
    let remove = owner
        .submit(
            "/manage/members",
            &format!("/manage/members/{me}/remove"),
            &[],
        )
        .await;
    assert_eq!(remove.status, 409);

    owner
        .submit(
            "/manage/members",
            "/manage/members",
            &[("email", "second@example.org"), ("role", "owner")],
        )
        .await;
    let demote = owner
        .submit("/manage/members", &role_path, &[("role", "admin")])
        .await;
    assert_eq!(
        demote.status, 303,
        "with a second owner the first may step down"
    );
    let owners =
        sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE org_id = $1 AND role = 'owner'")
            .bind(&org.id)
            .fetch_one(&app.state.db().pool)
            .await
            .unwrap()
            .get::<i64, _>("n");
    assert_eq!(owners, 1);
}

async fn an_emailed_link_is_sealed_in_its_job_and_signs_in_once(app: TestApp) {
    owner_browser(&app).await;
    let browser = Browser::new(&app);
    let form = browser.get("/login/email-link").await;
    let csrf = form.csrf();
    let unknown = browser
        .post(
            "/login/email-link",
            &[("csrf", &csrf), ("email", "nobody@example.org")],
        )
        .await;
    assert!(unknown.body.contains("If an account uses that address"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM jobs").await, 0);

    let known = browser
        .post(
            "/login/email-link",
            &[("csrf", &csrf), ("email", "Owner@Example.org")],
        )
        .await;
    assert_eq!(
        known.body, unknown.body,
        "the answer does not tell who has an account"
    );
    let link = emailed_link(&app).await;
    let signed_in = browser.get(&link).await;
    assert_eq!((signed_in.status, signed_in.location.as_str()), (303, "/"));
    assert_eq!(browser.get("/").await.status, 200);
    assert_eq!(Browser::new(&app).get(&link).await.status, 400);
}

async fn pages_carry_the_security_headers_and_a_strict_session_cookie(app: TestApp) {
    let (_, link) = new_org(&app, "owner@example.org").await;
    let browser = Browser::new(&app);
    let signed_in = browser.get(&link).await;
    let cookie = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("rosette_session=rss_"))
        .expect("a session cookie")
        .to_owned();
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=1209600"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "the test server is plain http");
    let stored = count(
        &app,
        "SELECT COUNT(*) FROM sessions WHERE token_hash LIKE 'rss_%'",
    )
    .await;
    assert_eq!(stored, 0, "only the hash is stored");

    for path in ["/login", "/", "/manage/nothing"] {
        let page = browser.get(path).await;
        let header = |name: &str| page.headers[name].to_str().unwrap().to_owned();
        assert_eq!(
            header("content-security-policy"),
            rosette::web::CONTENT_SECURITY_POLICY,
            "{path}"
        );
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("referrer-policy"), "same-origin");
        assert_eq!(header("cache-control"), "no-store");
    }

    let https = common::spawn_with(common::Backend::Sqlite, |settings| {
        settings.public_url = "https://badges.example".into();
    })
    .await;
    let (_, link) = new_org(&https, "owner@example.org").await;
    let secure = Browser::new(&https).get(&link).await;
    let cookie = secure.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

async fn another_organizations_things_are_not_found(app: TestApp) {
    let (browser, _) = owner_browser(&app).await;
    let other = app.org_with_token(Role::Admin).await;
    let (status, issuer) = app
        .post(
            &other.token,
            "/api/v1/issuers",
            serde_json::json!({"name": "Other", "url": "https://o.example", "email": "o@o.example"}),
        )
        .await;
    assert_eq!(status, 201);
    let id = issuer["id"].as_str().unwrap();
    let page = browser.get(&format!("/manage/issuers/{id}")).await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("no such issuer"));
    let list = browser.get("/manage/issuers").await;
    assert!(!list.body.contains("Other"));
    let (stranger, _) = new_org(&app, "stranger@example.org").await;
    let switch = browser
        .submit("/", &format!("/orgs/{}/switch", stranger.id), &[])
        .await;
    assert_eq!(switch.status, 404);
}

async fn people_in_two_organizations_choose_one(app: TestApp) {
    let (browser, first) = owner_browser(&app).await;
    new_org(&app, "owner@example.org").await;
    let fresh = Browser::new(&app);
    let signed_in = fresh.sign_in("owner@example.org", PASSWORD).await;
    assert_eq!(signed_in.location, "/orgs");
    let choices = fresh.get("/orgs").await;
    assert_eq!(choices.body.matches("/switch").count(), 2);
    use sqlx::Row;
    let other: String = sqlx::query("SELECT id FROM organizations WHERE id <> $1")
        .bind(&first.id)
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get("id");
    let switched = fresh
        .submit("/orgs", &format!("/orgs/{other}/switch"), &[])
        .await;
    assert_eq!(switched.location, "/");
    let dashboard = fresh.get("/").await;
    assert!(dashboard.body.contains("Switch organization"));
    assert_eq!(browser.get("/").await.status, 200);
}
