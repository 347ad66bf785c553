//! The achievement API, its images and designer, and the public achievement documents, on
//! both engines.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{TestApp, TestOrg, png};
use rosette::auth::Role;
use serde_json::{Value, json};

on_both_engines!(
    an_author_creates_an_achievement_with_skills_tags_points_and_validity,
    achievements_take_a_png_an_svg_or_a_design_as_their_image,
    achievements_are_listed_in_pages_and_filtered,
    an_author_updates_and_archives_an_achievement,
    the_public_document_and_image_are_served_safely,
    invalid_bodies_are_refused_field_by_field_and_nothing_is_stored,
    bad_images_and_designs_are_refused_and_nothing_is_stored,
    issuers_of_other_organizations_or_archived_ones_are_refused,
    another_organizations_achievement_is_not_found,
    an_analyst_reads_but_cannot_write,
    the_designer_previews_and_lists_its_options_without_an_account,
);

/// An organization with an author token and one issuer.
async fn setup(app: &TestApp) -> (TestOrg, String) {
    let org = app.org_with_token(Role::Admin).await;
    let issuer = json!({"name": "Acme Academy", "url": "https://academy.example.org",
                        "email": "badges@academy.example.org"});
    let (status, issuer) = app.post(&org.token, "/api/v1/issuers", issuer).await;
    assert_eq!(status, 201, "{issuer}");
    let author = app.token_for(&org, Role::Author).await;
    let issuer_id = issuer["id"].as_str().unwrap().to_owned();
    (
        TestOrg {
            id: org.id,
            token: author,
        },
        issuer_id,
    )
}

fn achievement(issuer_id: &str) -> Value {
    json!({
        "issuer_id": issuer_id,
        "name": "Rust Foundations",
        "description": "Writes safe, idiomatic Rust.",
        "criteria": {"narrative": "Pass the **labs** of the Rust track."},
    })
}

fn data_url(media_type: &str, bytes: &[u8]) -> String {
    format!("data:{media_type};base64,{}", STANDARD.encode(bytes))
}

fn design() -> Value {
    json!({"shape": "rosette", "primary": "#1E3A8A", "secondary": "#fbbf24",
           "icon": "terminal", "text": "Shell <Pro>", "subtitle": "Level 2"})
}

fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["pointer"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn detail(problem: &Value) -> &str {
    problem["detail"].as_str().unwrap_or_default()
}

async fn count(app: &TestApp, org: &TestOrg) -> usize {
    let path = "/api/v1/achievements?include_archived=true&limit=100";
    let (status, list) = app.get(&org.token, path).await;
    assert_eq!(status, 200, "{list}");
    list["items"].as_array().unwrap().len()
}

/// A GET without a token: the status, the headers and the body.
async fn fetch(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app.client.get(app.at(path)).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

async fn an_author_creates_an_achievement_with_skills_tags_points_and_validity(app: TestApp) {
    let (org, issuer_id) = setup(&app).await;
    let mut body = achievement(&issuer_id);
    body["achievement_type"] = json!("MicroCredential");
    body["skills"] = json!([
        {"name": "Ownership", "url": "https://skills.example.org/ownership",
         "framework": "Acme Skills", "code": "RS-1"},
        {"name": "Testing"}
    ]);
    body["tags"] = json!(["rust", "systems", "rust"]);
    body["points"] = json!(250);
    body["valid_for_days"] = json!(365);
    let (status, created) = app.post(&org.token, "/api/v1/achievements", body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["public_id"], app.at(&format!("/achievements/{id}")));
    assert_eq!(created["issuer_id"], issuer_id.as_str());
    assert_eq!(created["achievement_type"], "MicroCredential");
    assert_eq!(
        created["criteria"]["narrative"],
        "Pass the **labs** of the Rust track."
    );
    assert_eq!(created["skills"][0]["code"], "RS-1");
    assert_eq!(created["skills"][1], json!({"name": "Testing"}));
    assert_eq!(created["tags"], json!(["rust", "systems"]));
    assert_eq!(
        (
            created["points"].as_i64(),
            created["valid_for_days"].as_i64()
        ),
        (Some(250), Some(365))
    );
    assert_eq!(created["archived"], false);
    assert!(created["image_url"].is_null());

    let (status, read) = app
        .get(&org.token, &format!("/api/v1/achievements/{id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(read, created);

    // The defaults: a Badge worth no points that never expires.
    let (status, plain) = app
        .post(&org.token, "/api/v1/achievements", achievement(&issuer_id))
        .await;
    assert_eq!(status, 201, "{plain}");
    assert_eq!(plain["achievement_type"], "Badge");
    assert_eq!(plain["points"], 0);
    assert!(plain["valid_for_days"].is_null());
    assert_eq!(plain["skills"], json!([]));

    let mut extension = achievement(&issuer_id);
    extension["achievement_type"] = json!("ext:Hackathon");
    let (status, created) = app
        .post(&org.token, "/api/v1/achievements", extension)
        .await;
    assert_eq!(
        (status, &created["achievement_type"]),
        (201, &json!("ext:Hackathon"))
    );
}

async fn achievements_take_a_png_an_svg_or_a_design_as_their_image(app: TestApp) {
    let (org, issuer_id) = setup(&app).await;

    let picture = png(96, 64);
    let mut body = achievement(&issuer_id);
    body["image"] = json!(data_url("image/png", &picture));
    let (status, with_png) = app.post(&org.token, "/api/v1/achievements", body).await;
    assert_eq!(status, 201, "{with_png}");
    assert_eq!(with_png["image_type"], "image/png");
    assert!(with_png["design"].is_null());
    let url = with_png["image_url"].as_str().unwrap();
    assert_eq!(
        url,
        format!("{}/image", with_png["public_id"].as_str().unwrap())
    );
    let (status, headers, bytes) = fetch(&app, &url[app.url.len()..]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "image/png");
    assert_eq!(bytes, picture, "the PNG is served byte for byte");

    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">
        <circle cx="5" cy="5" r="4" fill="#0f766e"/></svg>"##;
    let mut body = achievement(&issuer_id);
    body["image"] = json!(data_url("image/svg+xml", svg.as_bytes()));
    let (status, with_svg) = app.post(&org.token, "/api/v1/achievements", body).await;
    assert_eq!(status, 201, "{with_svg}");
    assert_eq!(with_svg["image_type"], "image/svg+xml");
    let path = format!("/achievements/{}/image", with_svg["id"].as_str().unwrap());
    let (_, _, bytes) = fetch(&app, &path).await;
    assert_eq!(bytes, svg.as_bytes());

    let mut body = achievement(&issuer_id);
    body["design"] = design();
    let (status, designed) = app.post(&org.token, "/api/v1/achievements", body).await;
    assert_eq!(status, 201, "{designed}");
    assert_eq!(designed["image_type"], "image/svg+xml");
    assert_eq!(designed["design"]["shape"], "rosette");
    assert_eq!(
        designed["design"]["primary"], "#1e3a8a",
        "colours are normalized"
    );
    assert_eq!(designed["design"]["text"], "Shell <Pro>");
    let path = format!("/achievements/{}/image", designed["id"].as_str().unwrap());
    let (status, headers, bytes) = fetch(&app, &path).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "image/svg+xml");
    let drawing = String::from_utf8(bytes).unwrap();
    assert!(drawing.starts_with("<svg") && drawing.contains("Shell &lt;Pro&gt;"));

    // The design is kept with the achievement and comes back on reads.
    let (_, read) = app
        .get(
            &org.token,
            &format!("/api/v1/achievements/{}", designed["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(read["design"], designed["design"]);
}

async fn achievements_are_listed_in_pages_and_filtered(app: TestApp) {
    let (org, issuer_id) = setup(&app).await;
    let admin = app.token_for(&org, Role::Admin).await;
    let other = json!({"name": "Night School", "url": "https://night.example.org",
                       "email": "night@example.org"});
    let (_, other) = app.post(&admin, "/api/v1/issuers", other).await;
    let other_id = other["id"].as_str().unwrap();

    let mut made = Vec::new();
    for n in 0..5 {
        let mut body = achievement(if n < 3 { &issuer_id } else { other_id });
        body["name"] = json!(format!("Achievement {n}"));
        let (status, created) = app.post(&org.token, "/api/v1/achievements", body).await;
        assert_eq!(status, 201, "{created}");
        made.push(created["id"].as_str().unwrap().to_owned());
    }

    let mut seen = Vec::new();
    let mut path = "/api/v1/achievements?limit=2".to_owned();
    loop {
        let (status, page) = app.get(&org.token, &path).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|a| a["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/achievements?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen, made, "every achievement once, newest first");

    let path = format!("/api/v1/achievements?issuer_id={other_id}");
    let (_, page) = app.get(&org.token, &path).await;
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Achievement 4", "Achievement 3"]);
    assert!(page["next_cursor"].is_null());

    let archive = format!("/api/v1/achievements/{}/archive", made[0]);
    assert_eq!(app.post(&org.token, &archive, json!({})).await.0, 200);
    let (_, page) = app.get(&org.token, "/api/v1/achievements").await;
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        4,
        "archived ones are hidden"
    );
    let (_, page) = app
        .get(&org.token, "/api/v1/achievements?include_archived=true")
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 5);

    for bad in ["limit=101", "limit=0", "cursor=forged"] {
        let (status, problem) = app
            .get(&org.token, &format!("/api/v1/achievements?{bad}"))
            .await;
        assert_eq!(status, 422, "{bad}: {problem}");
    }
    for bad in ["limit=many", "include_archived=maybe", "colour=red"] {
        let (status, problem) = app
            .get(&org.token, &format!("/api/v1/achievements?{bad}"))
            .await;
        assert_eq!(status, 400, "{bad}: {problem}");
        assert!(detail(&problem).contains("query"), "{problem}");
    }
}

async fn an_author_updates_and_archives_an_achievement(app: TestApp) {
    let (org, issuer_id) = setup(&app).await;
    let mut body = achievement(&issuer_id);
    body["valid_for_days"] = json!(30);
    body["design"] = design();
    let (_, created) = app.post(&org.token, "/api/v1/achievements", body).await;
    let path = format!("/api/v1/achievements/{}", created["id"].as_str().unwrap());

    let changes = json!({"name": "Rust Fundamentals", "tags": ["rust"], "points": 10,
                         "valid_for_days": null, "skills": [{"name": "Borrowing"}]});
    let (status, updated) = app.patch(&org.token, &path, changes).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["name"], "Rust Fundamentals");
    assert_eq!(
        updated["description"], created["description"],
        "untouched fields stay"
    );
    assert_eq!(updated["tags"], json!(["rust"]));
    assert_eq!(updated["points"], 10);
    assert!(updated["valid_for_days"].is_null());
    assert_eq!(updated["skills"], json!([{"name": "Borrowing"}]));
    assert_eq!(updated["design"], created["design"], "the image is kept");

    let mut redesign = design();
    redesign["shape"] = json!("shield");
    let (status, updated) = app
        .patch(&org.token, &path, json!({"design": redesign}))
        .await;
    assert_eq!(
        (status, &updated["design"]["shape"]),
        (200, &json!("shield"))
    );

    let picture = png(8, 8);
    let upload = json!({"image": data_url("image/png", &picture)});
    let (status, updated) = app.patch(&org.token, &path, upload).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["image_type"], "image/png");
    assert!(updated["design"].is_null(), "an upload replaces the design");
    let image_path = format!("/achievements/{}/image", created["id"].as_str().unwrap());
    assert_eq!(fetch(&app, &image_path).await.2, picture);

    let (status, updated) = app.patch(&org.token, &path, json!({"image": null})).await;
    assert_eq!(status, 200);
    assert!(updated["image_url"].is_null() && updated["image_type"].is_null());
    assert_eq!(fetch(&app, &image_path).await.0, 404);

    let (status, archived) = app
        .post(&org.token, &format!("{path}/archive"), json!({}))
        .await;
    assert_eq!(status, 200, "{archived}");
    assert_eq!(archived["archived"], true);
    let archived_at = archived["archived_at"].as_i64().unwrap();
    let (status, again) = app
        .post(&org.token, &format!("{path}/archive"), json!({}))
        .await;
    assert_eq!(
        (status, again["archived_at"].as_i64()),
        (200, Some(archived_at))
    );

    let (status, read) = app.get(&org.token, &path).await;
    assert_eq!(
        (status, &read["archived"]),
        (200, &json!(true)),
        "archived stays readable"
    );
    let (status, problem) = app.patch(&org.token, &path, json!({"name": "New"})).await;
    assert_eq!(status, 409, "{problem}");
    assert!(detail(&problem).contains("archived"));
    let response = app
        .client
        .delete(app.at(&path))
        .bearer_auth(&org.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        405,
        "achievements are archived, not deleted"
    );
}

async fn the_public_document_and_image_are_served_safely(app: TestApp) {
    let (org, issuer_id) = setup(&app).await;
    let mut body = achievement(&issuer_id);
    body["skills"] = json!([{"name": "Testing"}]);
    body["tags"] = json!(["rust"]);
    body["design"] = design();
    let (_, created) = app.post(&org.token, "/api/v1/achievements", body).await;
    let id = created["id"].as_str().unwrap();

    let (status, headers, body) = fetch(&app, &format!("/achievements/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "application/ld+json");
    let document: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        document["@context"],
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ])
    );
    let public_id = app.at(&format!("/achievements/{id}"));
    assert_eq!(document["id"], public_id.as_str());
    assert_eq!(document["type"], json!(["Achievement"]));
    assert_eq!(document["achievementType"], "Badge");
    assert_eq!(
        document["criteria"]["narrative"],
        "Pass the **labs** of the Rust track."
    );
    assert_eq!(document["image"]["id"], format!("{public_id}/image"));
    assert_eq!(document["alignment"][0]["targetName"], "Testing");
    assert_eq!(document["tag"], json!(["rust"]));
    let parsed = serde_json::from_value::<badges::model::Achievement>(document);
    assert!(
        parsed.is_ok(),
        "the public JSON reads back as an OB 3.0 Achievement"
    );

    let (status, headers, _) = fetch(&app, &format!("/achievements/{id}/image")).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "image/svg+xml");
    assert_eq!(
        header(&headers, "content-security-policy"),
        "default-src 'none'; style-src 'unsafe-inline'"
    );
    assert!(header(&headers, "cache-control").starts_with("public"));
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    let etag = header(&headers, "etag").to_owned();
    let response = app
        .client
        .get(app.at(&format!("/achievements/{id}/image")))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 304);

    let mut body = achievement(&issuer_id);
    body["image"] = json!(data_url("image/png", &png(4, 4)));
    let (_, with_png) = app.post(&org.token, "/api/v1/achievements", body).await;
    let path = format!("/achievements/{}/image", with_png["id"].as_str().unwrap());
    let (_, headers, _) = fetch(&app, &path).await;
    assert_eq!(header(&headers, "content-type"), "image/png");
    assert!(headers.get("content-security-policy").is_none());

    // Archived achievements stay public: credentials link to them.
    let archive = format!("/api/v1/achievements/{id}/archive");
    app.post(&org.token, &archive, json!({})).await;
    assert_eq!(fetch(&app, &format!("/achievements/{id}")).await.0, 200);
    assert_eq!(
        fetch(&app, &format!("/achievements/{id}/image")).await.0,
        200
    );

    assert_eq!(fetch(&app, "/achievements/nope").await.0, 404);
    assert_eq!(fetch(&app, "/achievements/nope/image").await.0, 404);
    let (_, plain) = app
        .post(&org.token, "/api/v1/achievements", achievement(&issuer_id))
        .await;
    let path = format!("/achievements/{}/image", plain["id"].as_str().unwrap());
    assert_eq!(fetch(&app, &path).await.0, 404, "no image, no bytes");
}

async fn invalid_bodies_are_refused_field_by_field_and_nothing_is_stored(app: TestApp) {
    let (org, issuer_id) = setup(&app).await;

    let mut bad = achievement(&issuer_id);
    bad["name"] = json!("x".repeat(201));
    bad["description"] = json!(" ");
    bad["criteria"] = json!({"narrative": "y".repeat(20_001)});
    bad["achievement_type"] = json!("Trophy");
    bad["skills"] = json!([{"name": "Rust", "url": "javascript:alert(1)"}]);
    bad["tags"] = json!(["ok", "z".repeat(61)]);
    bad["points"] = json!(-5);
    bad["valid_for_days"] = json!(36_501);
    let (status, problem) = app.post(&org.token, "/api/v1/achievements", bad).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        pointers(&problem),
        [
            "/name",
            "/description",
            "/criteria/narrative",
            "/achievement_type",
            "/skills/0/url",
            "/tags/1",
            "/points",
            "/valid_for_days"
        ]
    );
    let text = detail(&problem);
    assert!(text.contains("at most 200 characters"), "{text}");
    assert!(text.contains("at most 20000 characters"), "{text}");
    assert!(text.contains("absolute http or https URL"), "{text}");

    let mut too_many = achievement(&issuer_id);
    too_many["tags"] = json!((0..31).map(|n| format!("t{n}")).collect::<Vec<_>>());
    too_many["skills"] = json!(
        (0..31)
            .map(|n| json!({"name": format!("s{n}")}))
            .collect::<Vec<_>>()
    );
    let (status, problem) = app.post(&org.token, "/api/v1/achievements", too_many).await;
    assert_eq!(status, 422);
    assert_eq!(pointers(&problem), ["/skills", "/tags"]);
    assert!(detail(&problem).contains("at most 30 tags"), "{problem}");

    let mut wrong_type = achievement(&issuer_id);
    wrong_type["points"] = json!("many");
    let (status, problem) = app
        .post(&org.token, "/api/v1/achievements", wrong_type)
        .await;
    assert_eq!(status, 422);
    assert!(detail(&problem).contains("invalid type"), "{problem}");

    let mut missing = achievement(&issuer_id);
    missing.as_object_mut().unwrap().remove("criteria");
    let (status, problem) = app.post(&org.token, "/api/v1/achievements", missing).await;
    assert_eq!(status, 422);
    assert!(
        detail(&problem).contains("missing field `criteria`"),
        "{problem}"
    );

    let mut unknown = achievement(&issuer_id);
    unknown["colour"] = json!("red");
    let (status, problem) = app.post(&org.token, "/api/v1/achievements", unknown).await;
    assert_eq!(status, 422);
    assert!(
        detail(&problem).contains("unknown field `colour`"),
        "{problem}"
    );

    let mut nested = achievement(&issuer_id);
    nested["criteria"] = json!({"narrative": "n", "url": "https://x.example"});
    let (status, problem) = app.post(&org.token, "/api/v1/achievements", nested).await;
    assert_eq!(status, 422);
    assert!(
        detail(&problem).contains("unknown field `url`"),
        "{problem}"
    );

    let response = app
        .client
        .post(app.at("/api/v1/achievements"))
        .bearer_auth(&org.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    assert_eq!(count(&app, &org).await, 0, "nothing was stored");

    // A bad change leaves the achievement as it was.
    let (_, created) = app
        .post(&org.token, "/api/v1/achievements", achievement(&issuer_id))
        .await;
    let path = format!("/api/v1/achievements/{}", created["id"].as_str().unwrap());
    let (status, problem) = app
        .patch(&org.token, &path, json!({"name": "Better", "points": -1}))
        .await;
    assert_eq!(
        (status, pointers(&problem)),
        (422, vec!["/points".to_owned()])
    );
    let (status, problem) = app.patch(&org.token, &path, json!({"nme": "typo"})).await;
    assert_eq!(status, 422, "{problem}");
    let (_, read) = app.get(&org.token, &path).await;
    assert_eq!(read, created);
}

async fn bad_images_and_designs_are_refused_and_nothing_is_stored(app: TestApp) {
    let (org, issuer_id) = setup(&app).await;
    let mut corrupt = png(16, 16);
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 0x5a;
    let truncated = png(16, 16)[..40].to_vec();
    let hostile_svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let handler_svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#;
    let external_svg =
        br#"<svg xmlns="http://www.w3.org/2000/svg"><image href="https://t.example/p"/></svg>"#;
    let oversized = {
        let mut svg = br#"<svg xmlns="http://www.w3.org/2000/svg">"#.to_vec();
        svg.extend(std::iter::repeat_n(b' ', 512 * 1024));
        svg.extend(b"</svg>");
        svg
    };
    let cases: Vec<(String, &str)> = vec![
        (data_url("image/png", &corrupt), "not a valid PNG"),
        (data_url("image/png", &truncated), "not a valid PNG"),
        (data_url("image/png", &png(2049, 1)), "2049×1"),
        (data_url("image/svg+xml", hostile_svg), "<script>"),
        (data_url("image/svg+xml", handler_svg), "event handler"),
        (data_url("image/svg+xml", external_svg), "outside itself"),
        (data_url("image/svg+xml", &oversized), "larger than 512 KiB"),
        (data_url("image/png", hostile_svg), "not a valid PNG"),
        (data_url("image/gif", b"GIF89a"), "data URL"),
        ("data:image/png;base64,@@@".to_owned(), "base64"),
    ];
    for (url, expected) in cases {
        let mut body = achievement(&issuer_id);
        body["image"] = json!(url);
        let (status, problem) = app.post(&org.token, "/api/v1/achievements", body).await;
        assert_eq!(status, 422, "{expected}: {problem}");
        assert_eq!(pointers(&problem), ["/image"], "{problem}");
        assert!(detail(&problem).contains(expected), "{expected}: {problem}");
    }

    let mut body = achievement(&issuer_id);
    let mut bad_design = design();
    bad_design["primary"] = json!("blue");
    bad_design["icon"] = json!("skull");
    bad_design["text"] = json!("x".repeat(25));
    body["design"] = bad_design;
    let (status, problem) = app.post(&org.token, "/api/v1/achievements", body).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        pointers(&problem),
        ["/design/primary", "/design/icon", "/design/text"]
    );
    assert!(detail(&problem).contains("six hex digits"), "{problem}");

    let mut body = achievement(&issuer_id);
    body["design"] = design();
    body["image"] = json!(data_url("image/png", &png(4, 4)));
    let (status, problem) = app.post(&org.token, "/api/v1/achievements", body).await;
    assert_eq!(
        (status, pointers(&problem)),
        (422, vec!["/design".to_owned()])
    );

    let mut body = achievement(&issuer_id);
    let mut extra = design();
    extra["font"] = json!("Comic Sans");
    body["design"] = extra;
    let (status, problem) = app.post(&org.token, "/api/v1/achievements", body).await;
    assert_eq!(status, 422);
    assert!(
        detail(&problem).contains("unknown field `font`"),
        "{problem}"
    );

    assert_eq!(count(&app, &org).await, 0, "nothing was stored");
}

async fn issuers_of_other_organizations_or_archived_ones_are_refused(app: TestApp) {
    let (org, _) = setup(&app).await;
    let (other, their_issuer) = setup(&app).await;

    let (status, foreign) = app
        .post(
            &org.token,
            "/api/v1/achievements",
            achievement(&their_issuer),
        )
        .await;
    let (_, unknown) = app
        .post(
            &org.token,
            "/api/v1/achievements",
            achievement("no-such-issuer"),
        )
        .await;
    assert_eq!(status, 422, "{foreign}");
    assert_eq!(pointers(&foreign), ["/issuer_id"]);
    assert_eq!(
        foreign, unknown,
        "a foreign issuer reads exactly like a missing one"
    );

    let admin = app.token_for(&other, Role::Admin).await;
    let path = format!("/api/v1/issuers/{their_issuer}/archive");
    assert_eq!(app.post(&admin, &path, json!({})).await.0, 200);
    let (status, problem) = app
        .post(
            &other.token,
            "/api/v1/achievements",
            achievement(&their_issuer),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(pointers(&problem), ["/issuer_id"]);
    assert!(detail(&problem).contains("archived"), "{problem}");

    assert_eq!(count(&app, &org).await, 0);
    assert_eq!(count(&app, &other).await, 0);
}

async fn another_organizations_achievement_is_not_found(app: TestApp) {
    let (ours, our_issuer) = setup(&app).await;
    let (theirs, their_issuer) = setup(&app).await;
    let (_, created) = app
        .post(
            &theirs.token,
            "/api/v1/achievements",
            achievement(&their_issuer),
        )
        .await;
    let path = format!("/api/v1/achievements/{}", created["id"].as_str().unwrap());
    assert_eq!(app.get(&ours.token, &path).await.0, 404);
    let (status, _) = app.patch(&ours.token, &path, json!({"name": "Mine"})).await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post(&ours.token, &format!("{path}/archive"), json!({}))
        .await;
    assert_eq!(status, 404);
    assert_eq!(count(&app, &ours).await, 0);

    // Moving our achievement to their issuer is refused like an unknown issuer.
    let (_, mine) = app
        .post(
            &ours.token,
            "/api/v1/achievements",
            achievement(&our_issuer),
        )
        .await;
    let path = format!("/api/v1/achievements/{}", mine["id"].as_str().unwrap());
    let (status, problem) = app
        .patch(&ours.token, &path, json!({"issuer_id": their_issuer}))
        .await;
    assert_eq!(
        (status, pointers(&problem)),
        (422, vec!["/issuer_id".to_owned()])
    );
    let (_, read) = app
        .get(
            &theirs.token,
            &format!("/api/v1/achievements/{}", created["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(
        read["name"], "Rust Foundations",
        "their achievement is untouched"
    );
}

async fn an_analyst_reads_but_cannot_write(app: TestApp) {
    let (org, issuer_id) = setup(&app).await;
    let (_, created) = app
        .post(&org.token, "/api/v1/achievements", achievement(&issuer_id))
        .await;
    let analyst = app.token_for(&org, Role::Analyst).await;
    let (status, problem) = app
        .post(&analyst, "/api/v1/achievements", achievement(&issuer_id))
        .await;
    assert_eq!(status, 403, "{problem}");
    assert!(detail(&problem).contains("author"), "{problem}");
    let path = format!("/api/v1/achievements/{}", created["id"].as_str().unwrap());
    assert_eq!(
        app.patch(&analyst, &path, json!({"name": "x"})).await.0,
        403
    );
    let archive = format!("{path}/archive");
    assert_eq!(app.post(&analyst, &archive, json!({})).await.0, 403);
    assert_eq!(app.get(&analyst, &path).await.0, 200);
    assert_eq!(app.get(&analyst, "/api/v1/achievements").await.0, 200);
    assert_eq!(count(&app, &org).await, 1);

    let response = app
        .client
        .get(app.at("/api/v1/achievements"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

async fn the_designer_previews_and_lists_its_options_without_an_account(app: TestApp) {
    let (status, headers, body) = fetch(&app, "/api/v1/designer/options").await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").starts_with("application/json"));
    let options: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        options["shapes"],
        json!(["hexagon", "circle", "shield", "rosette", "square"])
    );
    assert_eq!(options["icons"].as_array().unwrap().len(), 12);

    let path = "/api/v1/designer/preview?shape=circle&primary=%23115e59&secondary=%23fde68a\
                &icon=heart&text=Kind%20%26%20Fair&subtitle=Community";
    let (status, headers, first) = fetch(&app, path).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "image/svg+xml");
    assert_eq!(
        header(&headers, "content-security-policy"),
        "default-src 'none'; style-src 'unsafe-inline'"
    );
    let svg = String::from_utf8(first.clone()).unwrap();
    assert!(
        svg.contains("Kind &amp; Fair") && svg.contains("#115e59"),
        "{svg}"
    );
    assert_eq!(
        fetch(&app, path).await.2,
        first,
        "the same query draws the same image"
    );

    let (status, _, defaults) = fetch(&app, "/api/v1/designer/preview").await;
    assert_eq!(status, 200);
    assert!(String::from_utf8(defaults).unwrap().starts_with("<svg"));

    let (status, _, body) = fetch(&app, "/api/v1/designer/preview?primary=red&shape=blob").await;
    assert_eq!(status, 422);
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(pointers(&problem), ["/shape", "/primary"]);
    let (status, _, _) = fetch(&app, "/api/v1/designer/preview?font=serif").await;
    assert_eq!(status, 400);
}
