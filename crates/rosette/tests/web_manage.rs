//! The achievement and award pages, driven like a browser without JavaScript, on both
//! engines: the designer and uploads, bad inputs, editing and archiving, awarding with a
//! guard against double submits, search, revocation, roles, tenancy and CSRF.

mod common;

use common::TestApp;
use common::browser::{Browser, Page, emailed_link, owner_browser};
use reqwest::multipart::{Form, Part};
use rosette::auth::Role;
use serde_json::{Value, json};
use sqlx::Row;

on_both_engines!(
    an_author_designs_an_achievement_previews_it_and_edits_it,
    an_uploaded_png_becomes_the_image_and_bad_inputs_store_nothing,
    an_archived_achievement_can_no_longer_be_changed_or_awarded,
    an_awarded_credential_verifies_and_a_double_submit_makes_one_award,
    awards_are_found_by_email_and_achievement_and_revoked_with_a_reason,
    analysts_read_but_neither_create_award_nor_revoke_and_authors_do_not_revoke,
    another_organizations_achievements_and_awards_are_not_found,
    forms_without_the_csrf_token_are_refused_and_change_nothing,
    long_lists_come_in_pages_with_a_next_link,
);

/// Creates an issuer through its form; returns its id.
async fn issuer(app: &TestApp, browser: &Browser, org_id: &str) -> String {
    let created = browser
        .submit(
            "/manage/issuers",
            "/manage/issuers",
            &[
                ("name", "Acme Academy"),
                ("url", "https://academy.example.org"),
                ("email", "badges@academy.example.org"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    rosette::issuer::list(app.state.db(), org_id, false)
        .await
        .unwrap()
        .remove(0)
        .id
}

/// A form's fields in order.
type Fields = Vec<(String, String)>;
/// A file for the field `image`: its bytes and name.
type File = Option<(Vec<u8>, &'static str)>;

/// The fields of a complete achievement form with a designed image.
fn fields(csrf: &str, issuer_id: &str, name: &str) -> Fields {
    [
        ("csrf", csrf),
        ("issuer_id", issuer_id),
        ("name", name),
        ("description", "Runs production clusters."),
        ("criteria", "Pass the **three** labs of the track."),
        ("achievement_type", "Certificate"),
        ("skill_name_0", "Kubernetes"),
        ("skill_framework_0", "ESCO"),
        ("skill_code_0", "K8S-1"),
        ("skill_url_0", "https://esco.example.org/k8s"),
        ("skill_name_1", ""),
        ("skill_framework_1", ""),
        ("skill_code_1", ""),
        ("skill_url_1", ""),
        ("tags", "k8s, ops, k8s"),
        ("points", "25"),
        ("valid_for_days", ""),
        ("image_source", "design"),
        ("shape", "shield"),
        ("primary", "#112233"),
        ("secondary", "#ffcc00"),
        ("icon", "rocket"),
        ("text", "Operator"),
        ("subtitle", "Level 1"),
        ("action", "save"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

/// The fields with some replaced (or added).
fn with(mut fields: Fields, changes: &[(&str, &str)]) -> Fields {
    for (key, value) in changes {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = (*value).to_owned(),
            None => fields.push(((*key).to_owned(), (*value).to_owned())),
        }
    }
    fields
}

/// A multipart form of these fields and, when given, a file in the field `image`.
fn multipart(fields: &[(String, String)], file: File) -> Form {
    let mut form = Form::new();
    for (key, value) in fields {
        form = form.text(key.clone(), value.clone());
    }
    match file {
        Some((bytes, name)) => form.part("image", Part::bytes(bytes).file_name(name.to_owned())),
        // An empty file input, as a browser sends it.
        None => form.part("image", Part::bytes(Vec::new()).file_name("")),
    }
}

/// Creates an achievement through the form; returns its id.
async fn create(browser: &Browser, issuer_id: &str, name: &str) -> String {
    let csrf = browser.get("/manage/achievements/new").await.csrf();
    let page = browser
        .post_multipart(
            "/manage/achievements",
            multipart(&fields(&csrf, issuer_id, name), None),
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    id_in(&page.location, "/manage/achievements/")
}

/// Awards an achievement through the form on the achievement's page; returns the award id.
async fn award(browser: &Browser, achievement_id: &str, email: &str) -> String {
    let page = browser
        .get(&format!("/manage/achievements/{achievement_id}"))
        .await;
    let key = page.value_of("idempotency_key").expect("an award form");
    let csrf = page.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("achievement_id", achievement_id),
        ("email", email),
    ];
    let awarded = browser.post("/manage/awards", &fields).await;
    assert_eq!(awarded.status, 303, "{}", awarded.body);
    id_in(&awarded.location, "/manage/awards/")
}

/// The id in a redirect to `prefix{id}?notice=…`.
fn id_in(location: &str, prefix: &str) -> String {
    let rest = location.strip_prefix(prefix).expect(location);
    rest.split('?').next().unwrap().to_owned()
}

async fn count(app: &TestApp, sql: &str, org_id: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(org_id)
        .fetch_one(&app.state.db().pool)
        .await
        .unwrap()
        .get(0)
}

async fn achievements_in(app: &TestApp, org_id: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM achievements WHERE org_id = $1",
        org_id,
    )
    .await
}

async fn awards_in(app: &TestApp, org_id: &str) -> i64 {
    count(app, "SELECT COUNT(*) FROM awards WHERE org_id = $1", org_id).await
}

async fn stored(app: &TestApp, org_id: &str, id: &str) -> rosette::achievement::Achievement {
    rosette::achievement::get(app.state.db(), org_id, id)
        .await
        .unwrap()
        .expect("the achievement is stored")
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let pixels: Vec<u8> = (0..width * height * 4).map(|n| (n % 251) as u8).collect();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    out
}

/// An award's published credential.
async fn credential(app: &TestApp, award_id: &str) -> Value {
    let url = app.at(&format!("/credentials/{award_id}.json"));
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The verdict of the verify endpoint on an award's published credential.
async fn verdict(app: &TestApp, award_id: &str) -> String {
    let credential = credential(app, award_id).await;
    let response = app
        .client
        .post(app.at("/api/v1/verify"))
        .json(&credential)
        .send()
        .await
        .unwrap();
    let report: Value = response.json().await.unwrap();
    report["verdict"].as_str().unwrap().to_owned()
}

fn assert_problem(page: &Page, status: u16, sentence: &str) {
    assert_eq!(page.status, status, "{}", page.body);
    assert!(
        page.body.contains(sentence),
        "{sentence:?} in {}",
        page.body
    );
}

async fn an_author_designs_an_achievement_previews_it_and_edits_it(app: TestApp) {
    let (browser, org) = owner_browser(&app).await;
    let issuer_id = issuer(&app, &browser, &org.id).await;

    let form = browser.get("/manage/achievements/new").await;
    assert_eq!(form.status, 200);
    for part in [
        "id=\"achievement-name\"",
        "id=\"design-preview\"",
        "src=\"/api/v1/designer/preview?shape=hexagon",
        "<script src=\"/assets/designer.js\" defer></script>",
        "enctype=\"multipart/form-data\"",
        "Markdown",
    ] {
        assert!(form.body.contains(part), "{part}");
    }
    let script = browser.get("/assets/designer.js").await;
    assert_eq!(script.status, 200);
    let kind = script.headers["content-type"].to_str().unwrap();
    assert!(kind.starts_with("text/javascript"), "{kind}");
    assert!(script.body.contains("/api/v1/designer/preview?"));

    let csrf = form.csrf();
    let preview = with(
        fields(&csrf, &issuer_id, "Kubernetes Operator"),
        &[("action", "preview"), ("primary", "#000000")],
    );
    let previewed = browser
        .post_multipart("/manage/achievements", multipart(&preview, None))
        .await;
    assert_eq!(previewed.status, 200, "{}", previewed.body);
    assert!(previewed.body.contains("primary=%23000000"));
    assert!(previewed.body.contains("value=\"Kubernetes Operator\""));
    assert_eq!(
        achievements_in(&app, &org.id).await,
        0,
        "a preview saves nothing"
    );

    let id = create(&browser, &issuer_id, "Kubernetes Operator").await;
    let achievement = stored(&app, &org.id, &id).await;
    assert_eq!(achievement.achievement_type, "Certificate");
    assert_eq!(achievement.tags, ["k8s", "ops"]);
    assert_eq!(achievement.points, 25);
    assert_eq!(achievement.valid_for_days, None);
    assert_eq!(achievement.skills.len(), 1, "the empty row is ignored");
    assert_eq!(achievement.skills[0].code.as_deref(), Some("K8S-1"));
    let design = achievement.design.expect("the design is kept");
    assert_eq!(design.primary.as_str(), "#112233");
    assert_eq!(achievement.image_type.as_deref(), Some("image/svg+xml"));

    let path = format!("/manage/achievements/{id}");
    let page = browser.get(&format!("{path}?notice=created")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("The achievement was created."));
    assert!(page.body.contains("value=\"Operator\""));
    assert!(page.body.contains("id=\"award-email\""));
    assert!(page.body.contains("Credentials already issued keep the"));

    let edit = with(
        fields(&page.csrf(), &issuer_id, "Kubernetes Administrator"),
        &[("points", "40"), ("valid_for_days", "365"), ("tags", "")],
    );
    let saved = browser.post_multipart(&path, multipart(&edit, None)).await;
    assert_eq!(saved.location, format!("{path}?notice=saved"));
    let edited = stored(&app, &org.id, &id).await;
    assert_eq!(edited.name, "Kubernetes Administrator");
    assert_eq!((edited.points, edited.valid_for_days), (40, Some(365)));
    assert!(edited.tags.is_empty());
    assert!(browser.get(&saved.location).await.body.contains("Saved."));

    let list = browser.get("/manage/achievements").await;
    assert!(list.body.contains("Kubernetes Administrator"));
    assert!(list.body.contains(&format!("/achievements/{id}/image?v=")));
    assert!(!list.body.contains("through the API"));
    let found = browser.get("/manage/achievements?q=ADMIN").await;
    assert!(found.body.contains("Kubernetes Administrator"));
    let none = browser.get("/manage/achievements?q=50%25").await;
    assert!(!none.body.contains("Kubernetes Administrator"));
    assert!(none.body.contains("No achievement's name contains"));
}

async fn an_uploaded_png_becomes_the_image_and_bad_inputs_store_nothing(app: TestApp) {
    let (browser, org) = owner_browser(&app).await;
    let issuer_id = issuer(&app, &browser, &org.id).await;
    let csrf = browser.get("/manage/achievements/new").await.csrf();
    let base = with(
        fields(&csrf, &issuer_id, "Upload test"),
        &[("image_source", "upload")],
    );

    let image = png(64, 64);
    let created = browser
        .post_multipart(
            "/manage/achievements",
            multipart(&base, Some((image.clone(), "badge.png"))),
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let id = id_in(&created.location, "/manage/achievements/");
    let achievement = stored(&app, &org.id, &id).await;
    assert_eq!(achievement.image_type.as_deref(), Some("image/png"));
    assert!(achievement.design.is_none());
    let served = app
        .client
        .get(app.at(&format!("/achievements/{id}/image")))
        .send()
        .await
        .unwrap();
    assert_eq!(served.bytes().await.unwrap().to_vec(), image);
    let page = browser.get(&format!("/manage/achievements/{id}")).await;
    assert!(
        page.body.contains("id=\"image-source-keep\""),
        "{}",
        page.body
    );

    let other = app.org_with_token(Role::Admin).await;
    let body = json!({"name": "Other", "url": "https://o.example", "email": "o@o.example"});
    let (_, foreign) = app.post(&other.token, "/api/v1/issuers", body).await;
    let foreign = foreign["id"].as_str().unwrap();
    let mut oversized = b"\x89PNG\r\n\x1a\n".to_vec();
    oversized.resize(600 * 1024, 0);
    let cases: Vec<(Fields, File, &str)> = vec![
        (
            with(base.clone(), &[("name", " ")]),
            Some((image.clone(), "badge.png")),
            "The name must not be empty",
        ),
        (
            with(
                base.clone(),
                &[("image_source", "design"), ("primary", "blue")],
            ),
            None,
            "The primary colour: ",
        ),
        (
            base.clone(),
            Some((oversized, "huge.png")),
            "The uploaded image: the image is larger than 512 KiB",
        ),
        (
            base.clone(),
            Some((b"GIF89a not really".to_vec(), "cat.gif")),
            "is not a PNG or an SVG image",
        ),
        (
            base.clone(),
            Some((
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>".to_vec(),
                "x.svg",
            )),
            "must not contain &lt;script&gt; elements",
        ),
        (base.clone(), None, "Choose a PNG or SVG file to upload"),
        (
            with(
                base.clone(),
                &[("issuer_id", foreign), ("image_source", "none")],
            ),
            None,
            "there is no such issuer in this organization",
        ),
        (
            with(base.clone(), &[("points", "-3"), ("image_source", "none")]),
            None,
            "The points must be a whole number",
        ),
    ];
    for (fields, file, sentence) in cases {
        let page = browser
            .post_multipart("/manage/achievements", multipart(&fields, file))
            .await;
        assert_problem(&page, 422, sentence);
        assert!(
            page.body.contains("id=\"achievement-name\""),
            "the form is shown again"
        );
    }
    assert_eq!(achievements_in(&app, &org.id).await, 1);
    assert_eq!(achievements_in(&app, &other.id).await, 0);

    let mut too_big = b"\x89PNG\r\n\x1a\n".to_vec();
    too_big.resize(3 * 1024 * 1024, 0);
    let cut = browser
        .post_multipart(
            "/manage/achievements",
            multipart(&base, Some((too_big, "far-too-big.png"))),
        )
        .await;
    assert_eq!(cut.status, 400, "a body past the form's limit is not read");
    assert_eq!(achievements_in(&app, &org.id).await, 1);
}

async fn an_archived_achievement_can_no_longer_be_changed_or_awarded(app: TestApp) {
    let (browser, org) = owner_browser(&app).await;
    let issuer_id = issuer(&app, &browser, &org.id).await;
    let id = create(&browser, &issuer_id, "Retired Badge").await;
    let path = format!("/manage/achievements/{id}");
    let page = browser.get(&path).await;
    let key = page.value_of("idempotency_key").unwrap();

    let archive = format!("{path}/archive");
    let unconfirmed = browser.submit(&path, &archive, &[]).await;
    assert_problem(&unconfirmed, 422, "Tick the box to confirm");
    assert!(stored(&app, &org.id, &id).await.archived_at.is_none());
    let archived = browser.submit(&path, &archive, &[("confirm", "yes")]).await;
    assert_eq!(archived.location, format!("{path}?notice=archived"));
    assert!(stored(&app, &org.id, &id).await.archived_at.is_some());

    let page = browser.get(&path).await;
    assert!(page.body.contains("Archived on"));
    assert!(page.body.contains("<fieldset class=\"plain\" disabled>"));
    assert!(!page.body.contains("id=\"award-form\""));
    assert!(!page.body.contains("id=\"achievement-save\""));
    let list = browser.get("/manage/achievements").await;
    assert!(
        !list.body.contains("Retired Badge"),
        "archived ones are hidden"
    );
    let all = browser.get("/manage/achievements?archived=1").await;
    assert!(all.body.contains("Retired Badge"));

    let edit = fields(&page.csrf(), &issuer_id, "Renamed");
    let refused = browser.post_multipart(&path, multipart(&edit, None)).await;
    assert_problem(&refused, 400, "no longer changed");
    assert_eq!(stored(&app, &org.id, &id).await.name, "Retired Badge");

    let awarded = browser
        .submit(
            "/manage/awards",
            "/manage/awards",
            &[
                ("idempotency_key", key.as_str()),
                ("achievement_id", id.as_str()),
                ("email", "ada@example.org"),
            ],
        )
        .await;
    assert_problem(
        &awarded,
        422,
        "Retired Badge is archived and can no longer be awarded",
    );
    assert_eq!(awards_in(&app, &org.id).await, 0);
}

async fn an_awarded_credential_verifies_and_a_double_submit_makes_one_award(app: TestApp) {
    let (browser, org) = owner_browser(&app).await;
    let issuer_id = issuer(&app, &browser, &org.id).await;
    let id = create(&browser, &issuer_id, "Kubernetes Operator").await;

    let page = browser.get("/manage/awards").await;
    assert!(page.body.contains("id=\"award-email\"") && page.body.contains("No awards yet."));
    let key = page.value_of("idempotency_key").unwrap();
    let csrf = page.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("achievement_id", id.as_str()),
        ("email", "Ada@Example.org"),
        ("name", "Ada Lovelace"),
        ("evidence_name_0", "Lab run"),
        ("evidence_narrative_0", "Passed every check."),
        ("evidence_url_0", "https://labs.example.org/runs/1"),
        ("evidence_name_1", ""),
        ("evidence_narrative_1", ""),
        ("evidence_url_1", ""),
    ];
    let first = browser.post("/manage/awards", &fields).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let award_id = id_in(&first.location, "/manage/awards/");
    assert!(first.location.ends_with("?notice=issued"));
    let again = browser.post("/manage/awards", &fields).await;
    assert_eq!(
        again.location,
        format!("/manage/awards/{award_id}?notice=repeated")
    );
    assert_eq!(
        awards_in(&app, &org.id).await,
        1,
        "the same form makes one award"
    );

    let shown = browser.get(&first.location).await;
    assert_eq!(shown.status, 200);
    for part in [
        "Awarded.",
        "ada@example.org",
        "Ada Lovelace",
        "id=\"award-status\">valid<",
        &format!("href=\"/credentials/{award_id}\""),
        &format!("href=\"/credentials/{award_id}.json\""),
        &format!("href=\"/credentials/{award_id}.svg\""),
        &format!("href=\"/credentials/{award_id}.jwt\""),
    ] {
        assert!(shown.body.contains(part), "{part} in {}", shown.body);
    }
    assert!(
        browser
            .get(&again.location)
            .await
            .body
            .contains("Nothing new was awarded")
    );
    assert_eq!(verdict(&app, &award_id).await, "valid");
    let credential = credential(&app, &award_id).await;
    assert_eq!(
        credential["evidence"][0]["id"],
        "https://labs.example.org/runs/1"
    );
    assert!(!credential.to_string().contains("ada@example.org"));

    let other = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("achievement_id", id.as_str()),
        ("email", "grace@example.org"),
    ];
    let conflict = browser.post("/manage/awards", &other).await;
    assert_problem(&conflict, 409, "already used to make another award");
    assert_ne!(
        conflict.value_of("idempotency_key").unwrap(),
        key,
        "a fresh key"
    );
    assert_eq!(awards_in(&app, &org.id).await, 1);

    let invalid = browser
        .submit(
            "/manage/awards",
            "/manage/awards",
            &[
                ("idempotency_key", "web_fresh"),
                ("achievement_id", id.as_str()),
                ("email", "not an email"),
                ("evidence_url_0", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_problem(&invalid, 422, "is not a valid email address");
    assert!(invalid.body.contains("The address of evidence 1"));
    let keyless = browser
        .submit(
            "/manage/awards",
            "/manage/awards",
            &[("achievement_id", id.as_str()), ("email", "x@example.org")],
        )
        .await;
    assert_eq!(keyless.status, 400);
    assert_eq!(awards_in(&app, &org.id).await, 1);
}

async fn awards_are_found_by_email_and_achievement_and_revoked_with_a_reason(app: TestApp) {
    let (browser, org) = owner_browser(&app).await;
    let issuer_id = issuer(&app, &browser, &org.id).await;
    let first = create(&browser, &issuer_id, "First Steps").await;
    let second = create(&browser, &issuer_id, "Second Steps").await;
    let ada_first = award(&browser, &first, "ada@example.org").await;
    let grace = award(&browser, &first, "grace@example.org").await;
    let ada_second = award(&browser, &second, "Ada@Example.org").await;

    let by_email = browser.get("/manage/awards?email=ADA%40example.org").await;
    assert!(by_email.body.contains(&ada_first) && by_email.body.contains(&ada_second));
    assert!(!by_email.body.contains(&grace));
    let by_achievement = browser
        .get(&format!("/manage/awards?achievement_id={second}"))
        .await;
    assert!(by_achievement.body.contains(&ada_second));
    assert!(!by_achievement.body.contains(&ada_first) && !by_achievement.body.contains(&grace));
    let nobody = browser
        .get("/manage/awards?email=nobody%40example.org")
        .await;
    assert!(nobody.body.contains("No award matches this search."));
    assert_eq!(browser.get("/manage/awards?after=forged").await.status, 400);
    let list = browser.get("/manage/achievements").await;
    assert!(
        list.body
            .contains(&format!("achievement_id={first}\">2</a>"))
    );

    let path = format!("/manage/awards/{grace}");
    let revoke = format!("{path}/revoke");
    let blank = browser.submit(&path, &revoke, &[("reason", "  ")]).await;
    assert_problem(&blank, 422, "The reason must not be empty");
    assert_eq!(verdict(&app, &grace).await, "valid");
    let revoked = browser
        .submit(&path, &revoke, &[("reason", "Awarded by mistake.")])
        .await;
    assert_eq!(revoked.location, format!("{path}?notice=revoked"));
    let page = browser.get(&revoked.location).await;
    assert!(page.body.contains("id=\"award-status\">revoked<"));
    assert!(page.body.contains("Awarded by mistake."));
    assert!(
        !page.body.contains("id=\"revoke-reason\""),
        "no second revocation"
    );
    let twice = browser
        .submit("/manage/awards", &revoke, &[("reason", "x")])
        .await;
    assert_problem(&twice, 409, "already revoked");
    let list = browser.get("/manage/awards").await;
    assert_eq!(list.body.matches("status-revoked\">revoked<").count(), 1);
    assert_eq!(list.body.matches("status-valid\">valid<").count(), 2);
    assert_eq!(verdict(&app, &grace).await, "invalid");
}

async fn analysts_read_but_neither_create_award_nor_revoke_and_authors_do_not_revoke(app: TestApp) {
    let (owner, org) = owner_browser(&app).await;
    let issuer_id = issuer(&app, &owner, &org.id).await;
    let member = async |email: &str, role: &str| {
        let invited = owner
            .submit(
                "/manage/members",
                "/manage/members",
                &[("email", email), ("role", role)],
            )
            .await;
        assert_eq!(invited.status, 303);
        let browser = Browser::new(&app);
        assert_eq!(browser.get(&emailed_link(&app).await).await.status, 303);
        browser
    };
    // Invited first: each invitation's email is the only job queued when it is read.
    let analyst = member("ana@example.org", "analyst").await;
    let author = member("otto@example.org", "author").await;
    let id = create(&owner, &issuer_id, "Kubernetes Operator").await;
    let award_id = award(&owner, &id, "ada@example.org").await;

    let list = analyst.get("/manage/achievements").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Kubernetes Operator") && !list.body.contains("achievement-new"));
    assert_eq!(analyst.get("/manage/achievements/new").await.status, 403);
    let page = analyst.get(&format!("/manage/achievements/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<fieldset class=\"plain\" disabled>"));
    assert!(!page.body.contains("achievement-save") && !page.body.contains("award-form"));
    let awards = analyst.get("/manage/awards").await;
    assert!(
        awards.body.contains("ada@example.org"),
        "members see learners' emails"
    );
    assert!(!awards.body.contains("id=\"award-email\""));

    let csrf = page.csrf();
    let created = analyst
        .post_multipart(
            "/manage/achievements",
            multipart(&fields(&csrf, &issuer_id, "Sneaky"), None),
        )
        .await;
    assert_problem(&created, 403, "author role");
    let form = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", "web_analyst"),
        ("achievement_id", id.as_str()),
        ("email", "eve@example.org"),
    ];
    assert_eq!(analyst.post("/manage/awards", &form).await.status, 403);
    let revoke = format!("/manage/awards/{award_id}/revoke");
    let refused = analyst
        .post(&revoke, &[("csrf", csrf.as_str()), ("reason", "No.")])
        .await;
    assert_problem(&refused, 403, "admin role");
    let archive = format!("/manage/achievements/{id}/archive");
    let archive_form = [("csrf", csrf.as_str()), ("confirm", "yes")];
    assert_eq!(analyst.post(&archive, &archive_form).await.status, 403);

    let awarded = award(&author, &id, "grace@example.org").await;
    let detail = author.get(&format!("/manage/awards/{awarded}")).await;
    assert!(!detail.body.contains("id=\"revoke-reason\""));
    let refused = author
        .submit("/manage/awards", &revoke, &[("reason", "No.")])
        .await;
    assert_problem(&refused, 403, "admin role");

    assert_eq!(achievements_in(&app, &org.id).await, 1);
    assert_eq!(awards_in(&app, &org.id).await, 2);
    assert!(stored(&app, &org.id, &id).await.archived_at.is_none());
    assert_eq!(verdict(&app, &award_id).await, "valid");
}

async fn another_organizations_achievements_and_awards_are_not_found(app: TestApp) {
    let (browser, org) = owner_browser(&app).await;
    let issuer_id = issuer(&app, &browser, &org.id).await;
    let own = create(&browser, &issuer_id, "Our Badge").await;

    let other = app.org_with_token(Role::Admin).await;
    let body = json!({"name": "Other", "url": "https://o.example", "email": "o@o.example"});
    let (_, foreign_issuer) = app.post(&other.token, "/api/v1/issuers", body).await;
    let body = json!({"issuer_id": foreign_issuer["id"], "name": "Their Badge",
                      "description": "Theirs.", "criteria": {"narrative": "Theirs."}});
    let (status, theirs) = app.post(&other.token, "/api/v1/achievements", body).await;
    assert_eq!(status, 201, "{theirs}");
    let theirs = theirs["id"].as_str().unwrap().to_owned();
    let body = json!({"achievement_id": theirs, "recipient": {"email": "zoe@example.org"}});
    let (status, their_award) = app.post(&other.token, "/api/v1/awards", body).await;
    assert_eq!(status, 201, "{their_award}");
    let their_award = their_award["id"].as_str().unwrap().to_owned();

    let page = browser.get(&format!("/manage/achievements/{theirs}")).await;
    assert_problem(&page, 404, "no such achievement");
    let csrf = browser.get("/manage/achievements").await.csrf();
    let edit = fields(&csrf, &issuer_id, "Taken over");
    let path = format!("/manage/achievements/{theirs}");
    let update = browser.post_multipart(&path, multipart(&edit, None)).await;
    assert_eq!(update.status, 404);
    let archive = format!("{path}/archive");
    let archive_form = [("csrf", csrf.as_str()), ("confirm", "yes")];
    assert_eq!(browser.post(&archive, &archive_form).await.status, 404);
    let award_page = browser.get(&format!("/manage/awards/{their_award}")).await;
    assert_problem(&award_page, 404, "no such award");
    let revoke = format!("/manage/awards/{their_award}/revoke");
    let revoke_form = [("csrf", csrf.as_str()), ("reason", "Mine now.")];
    assert_eq!(browser.post(&revoke, &revoke_form).await.status, 404);
    let awarded = browser
        .submit(
            "/manage/awards",
            "/manage/awards",
            &[
                ("idempotency_key", "web_foreign"),
                ("achievement_id", theirs.as_str()),
                ("email", "eve@example.org"),
            ],
        )
        .await;
    assert_problem(
        &awarded,
        422,
        "There is no such achievement in this organization",
    );

    let lists = [
        browser.get("/manage/achievements?archived=1").await,
        browser.get("/manage/awards").await,
        browser.get(&format!("/manage/achievements/{own}")).await,
    ];
    for list in lists {
        assert!(!list.body.contains("Their Badge") && !list.body.contains("zoe@example.org"));
    }
    assert_eq!(awards_in(&app, &org.id).await, 0);
    assert_eq!(awards_in(&app, &other.id).await, 1);
    let theirs_now = stored(&app, &other.id, &theirs).await;
    assert_eq!(theirs_now.name, "Their Badge");
    assert!(theirs_now.archived_at.is_none());
    assert_eq!(verdict(&app, &their_award).await, "valid");
}

async fn forms_without_the_csrf_token_are_refused_and_change_nothing(app: TestApp) {
    let (browser, org) = owner_browser(&app).await;
    let issuer_id = issuer(&app, &browser, &org.id).await;
    let id = create(&browser, &issuer_id, "Kept").await;
    let award_id = award(&browser, &id, "ada@example.org").await;

    let without = |fields: Fields| {
        fields
            .into_iter()
            .filter(|(k, _)| k != "csrf")
            .collect::<Vec<_>>()
    };
    let base = fields("", &issuer_id, "Forged");
    let missing = browser
        .post_multipart(
            "/manage/achievements",
            multipart(&without(base.clone()), None),
        )
        .await;
    let wrong = browser
        .post_multipart(
            &format!("/manage/achievements/{id}"),
            multipart(&with(base, &[("csrf", "not-the-token")]), None),
        )
        .await;
    let award = browser
        .post(
            "/manage/awards",
            &[
                ("idempotency_key", "web_forged"),
                ("achievement_id", id.as_str()),
                ("email", "eve@example.org"),
            ],
        )
        .await;
    let revoke = browser
        .post(
            &format!("/manage/awards/{award_id}/revoke"),
            &[("reason", "Forged.")],
        )
        .await;
    let archive = browser
        .post(
            &format!("/manage/achievements/{id}/archive"),
            &[("confirm", "yes")],
        )
        .await;
    for page in [&missing, &wrong, &award, &revoke, &archive] {
        assert_problem(page, 403, "did not come from this site");
    }
    assert_eq!(achievements_in(&app, &org.id).await, 1);
    assert_eq!(awards_in(&app, &org.id).await, 1);
    let kept = stored(&app, &org.id, &id).await;
    assert_eq!(kept.name, "Kept");
    assert!(kept.archived_at.is_none());
    assert_eq!(verdict(&app, &award_id).await, "valid");
}

/// The "Next page" link of a list page, if it has one.
fn next_link(page: &Page, path: &str) -> Option<String> {
    let marker = format!("href=\"{path}?");
    let start = page.body.find(&marker)? + "href=\"".len();
    let end = page.body[start..].find('"')?;
    Some(page.body[start..start + end].replace("&amp;", "&"))
}

async fn long_lists_come_in_pages_with_a_next_link(app: TestApp) {
    let (browser, org) = owner_browser(&app).await;
    let issuer_id = issuer(&app, &browser, &org.id).await;
    let first = create(&browser, &issuer_id, "Paged 00").await;
    // Lists are newest first, and two made in the same millisecond follow their random ids.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let caller = rosette::auth::Caller {
        org_id: org.id.clone(),
        role: Role::Author,
        actor: rosette::auth::Actor::User("test".into()),
    };
    for n in 1..=50 {
        let new = rosette::achievement::NewAchievement {
            issuer_id: issuer_id.clone(),
            name: format!("Paged {n:02}"),
            description: "One of many.".into(),
            criteria: "Be counted.".into(),
            achievement_type: "Badge".into(),
            skills: Vec::new(),
            tags: Vec::new(),
            points: 0,
            valid_for_days: None,
            artwork: None,
        };
        rosette::achievement::create(app.state.db(), &org.id, new)
            .await
            .unwrap();
        let award = rosette::award::NewAward {
            achievement_id: first.clone(),
            recipient_email: rosette::validate::Email::parse(&format!("l{n}@example.org")).unwrap(),
            recipient_name: None,
            name_public: false,
            evidence: Vec::new(),
            idempotency_key: None,
            results: Vec::new(),
        };
        rosette::award::create(&app.state, &caller, award)
            .await
            .unwrap();
    }
    award(&browser, &first, "l0@example.org").await;

    let page = browser.get("/manage/achievements?q=paged").await;
    assert_eq!(
        page.body
            .matches("<td><a href=\"/manage/achievements/")
            .count(),
        50
    );
    assert!(page.body.contains("Paged 50") && !page.body.contains("Paged 00"));
    let next = next_link(&page, "/manage/achievements").expect("a next page");
    assert!(next.contains("q=paged"), "{next}");
    let rest = browser.get(&next).await;
    assert!(rest.body.contains("Paged 00") && !rest.body.contains("Paged 50"));
    assert_eq!(next_link(&rest, "/manage/achievements"), None);

    let awards = browser.get("/manage/awards").await;
    assert_eq!(awards.body.matches(">Details</a>").count(), 50);
    assert!(awards.body.contains("l0@example.org") && !awards.body.contains("l1@example.org"));
    let next = next_link(&awards, "/manage/awards").expect("a next page");
    let rest = browser.get(&next).await;
    assert_eq!(rest.body.matches(">Details</a>").count(), 1);
    assert!(rest.body.contains("l1@example.org"));
}

on_both_engines!(analysts_read_the_labs_pages_but_neither_upload_nor_start_and_tenancy_holds);

/// Imports a shipped track into the organization, as `rosette labs import` does.
async fn imported_track(app: &TestApp, org_id: &str, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tracks")
        .join(name);
    let track = labs::track::Track::load(&dir).unwrap();
    rosette::lab::import(app.state.db(), org_id, &track, None)
        .await
        .unwrap();
}

async fn analysts_read_the_labs_pages_but_neither_upload_nor_start_and_tenancy_holds(app: TestApp) {
    let (owner, org) = owner_browser(&app).await;
    issuer(&app, &owner, &org.id).await;
    imported_track(&app, &org.id, "linux-basics").await;
    let invited = owner
        .submit(
            "/manage/members",
            "/manage/members",
            &[("email", "ana@example.org"), ("role", "analyst")],
        )
        .await;
    assert_eq!(invited.status, 303);
    let analyst = Browser::new(&app);
    assert_eq!(analyst.get(&emailed_link(&app).await).await.status, 303);

    let list = analyst.get("/manage/labs").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("<a href=\"/manage/labs/linux-basics\">"));
    assert!(!list.body.contains("id=\"upload-form\""));
    assert!(
        list.body
            .contains("Authors, admins and owners can upload tracks.")
    );
    let page = analyst.get("/manage/labs/linux-basics").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Build a project folder"));
    assert!(!page.body.contains("id=\"try-form\"") && !page.body.contains("id=\"start-form\""));

    let csrf = page.csrf();
    let form = Form::new().text("csrf", csrf.clone()).part(
        "archive",
        Part::bytes(b"not read".to_vec()).file_name("t.tgz"),
    );
    assert_problem(
        &analyst.post_multipart("/manage/labs", form).await,
        403,
        "author role",
    );
    let tried = analyst
        .post("/manage/labs/linux-basics/try", &[("csrf", csrf.as_str())])
        .await;
    assert_problem(&tried, 403, "author role");
    let started = analyst
        .post(
            "/manage/labs/linux-basics/start",
            &[("csrf", csrf.as_str()), ("email", "ada@example.org")],
        )
        .await;
    assert_eq!(started.status, 403);

    // Another organization's track is not found, and its list has only its own.
    let other = app.org_with_token(Role::Admin).await;
    let body = json!({"name": "Other", "url": "https://o.example", "email": "o@o.example"});
    let (status, _) = app.post(&other.token, "/api/v1/issuers", body).await;
    assert_eq!(status, 201);
    imported_track(&app, &other.id, "git-essentials").await;
    assert_eq!(owner.get("/manage/labs/git-essentials").await.status, 404);
    let own = owner.get("/manage/labs").await;
    assert!(own.body.contains("linux-basics") && !own.body.contains("git-essentials"));
    let sessions = count(
        &app,
        "SELECT COUNT(*) FROM lab_sessions WHERE org_id = $1",
        &org.id,
    )
    .await;
    assert_eq!(sessions, 0);
}
