//! Importing lab tracks, on both engines: versions, the achievement a track awards, and the
//! imports that are refused with nothing stored.

mod common;

use common::labs::{copy_of, count, shipped};
use common::{TestApp, TestOrg};
use labs::track::Track;
use rosette::auth::Role;
use rosette::lab::{self, Change, ImportError};
use serde_json::json;

on_both_engines!(
    a_track_is_imported_then_versioned_only_when_it_changes,
    a_track_may_award_an_existing_achievement,
    imports_that_cannot_be_made_store_nothing,
);

async fn with_issuer(app: &TestApp) -> (TestOrg, String) {
    let org = app.org_with_token(Role::Admin).await;
    let body = json!({"name": "Acme Academy", "url": "https://academy.example.org",
                      "email": "badges@academy.example.org"});
    let (status, issuer) = app.post(&org.token, "/api/v1/issuers", body).await;
    assert_eq!(status, 201, "{issuer}");
    let id = issuer["id"].as_str().unwrap().to_owned();
    (org, id)
}

async fn a_track_is_imported_then_versioned_only_when_it_changes(app: TestApp) {
    let (org, _) = with_issuer(&app).await;
    let db = app.state.db();
    let dir = copy_of("linux-basics", &app);
    let track = Track::load(&dir).unwrap();

    let first = lab::import(db, &org.id, &track, None).await.unwrap();
    assert_eq!(first.change, Change::Created);
    assert!(first.achievement_created);
    assert_eq!((first.track.number, first.track.challenges), (1, 4));
    assert_eq!(first.track.slug, "linux-basics");
    let achievement = rosette::achievement::get(db, &org.id, &first.track.achievement_id)
        .await
        .unwrap()
        .expect("the inline achievement was made");
    assert_eq!(achievement.name, "Linux Essentials");
    assert!(!achievement.skills.is_empty());
    // It starts with a badge drawn by the designer, which the author may change.
    assert!(achievement.image_type.is_some());
    let design = achievement.design.as_ref().expect("a designed image");
    assert_eq!(design.text, "Linux Essentials");

    let again = lab::import(db, &org.id, &track, None).await.unwrap();
    assert_eq!(again.change, Change::Unchanged);
    assert_eq!(again.track, first.track);
    assert_eq!(count(&app, "track_versions", &org.id).await, 1);

    // A changed script and a renamed achievement: version 2, the same achievement, renamed.
    let check = dir.join("challenges/01-project-folder/check");
    let script = std::fs::read_to_string(&check).unwrap();
    std::fs::write(&check, format!("{script}\n# stricter one day\n")).unwrap();
    let yaml = std::fs::read_to_string(dir.join("track.yaml")).unwrap();
    let renamed = yaml.replace("name: Linux Essentials", "name: Linux Essentials II");
    assert_ne!(yaml, renamed, "the shipped track names its achievement");
    std::fs::write(dir.join("track.yaml"), renamed).unwrap();
    let track = Track::load(&dir).unwrap();
    let second = lab::import(db, &org.id, &track, None).await.unwrap();
    assert_eq!(second.change, Change::NewVersion);
    assert!(!second.achievement_created);
    assert_eq!(second.track.number, 2);
    assert_eq!(second.track.achievement_id, first.track.achievement_id);
    let renamed = rosette::achievement::get(db, &org.id, &second.track.achievement_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(renamed.name, "Linux Essentials II");
    assert_eq!(count(&app, "track_versions", &org.id).await, 2);

    // Another track, and the organization's list; another organization sees none of them.
    let git = Track::load(&shipped("git-essentials")).unwrap();
    lab::import(db, &org.id, &git, None).await.unwrap();
    let listed = lab::list(db, &org.id).await.unwrap();
    let slugs: Vec<&str> = listed.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, ["git-essentials", "linux-basics"]);
    let other = app.org_with_token(Role::Admin).await;
    assert!(lab::list(db, &other.id).await.unwrap().is_empty());
    assert_eq!(lab::get(db, &other.id, "linux-basics").await.unwrap(), None);

    // The same over the API, for any role.
    let analyst = app.token_for(&org, Role::Analyst).await;
    let (status, list) = app.get(&analyst, "/api/v1/tracks").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"][1]["slug"], "linux-basics");
    assert_eq!(list["items"][1]["number"], 2);
    assert_eq!(list["items"][1]["challenges"], 4);
    let (status, one) = app.get(&analyst, "/api/v1/tracks/git-essentials").await;
    assert_eq!((status, &one["title"]), (200, &json!(git.title)));
    let (status, problem) = app.get(&other.token, "/api/v1/tracks/git-essentials").await;
    assert_eq!(status, 404, "{problem}");
}

async fn a_track_may_award_an_existing_achievement(app: TestApp) {
    let (org, issuer) = with_issuer(&app).await;
    let body = json!({"issuer_id": issuer, "name": "Shell Ready", "description": "d",
                      "criteria": {"narrative": "Finish the lab."}});
    let (status, made) = app.post(&org.token, "/api/v1/achievements", body).await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_str().unwrap();

    let dir = copy_of("linux-basics", &app);
    // The inline block (the key and its indented lines) becomes the achievement's id.
    let yaml = std::fs::read_to_string(dir.join("track.yaml")).unwrap();
    let mut by_id = String::new();
    let mut inside = false;
    for line in yaml.lines() {
        if line.starts_with("achievement:") {
            inside = true;
            by_id.push_str(&format!("achievement: {id}\n"));
        } else if inside && (line.starts_with(' ') || line.is_empty()) {
            continue;
        } else {
            inside = false;
            by_id.push_str(line);
            by_id.push('\n');
        }
    }
    std::fs::write(dir.join("track.yaml"), by_id).unwrap();
    let track = Track::load(&dir).unwrap();
    let imported = lab::import(app.state.db(), &org.id, &track, None)
        .await
        .unwrap();
    assert_eq!(imported.track.achievement_id, id);
    assert!(!imported.achievement_created);
    assert_eq!(count(&app, "achievements", &org.id).await, 1);

    // Another organization cannot name it.
    let (other, _) = with_issuer(&app).await;
    let refused = lab::import(app.state.db(), &other.id, &track, None).await;
    assert!(
        matches!(&refused, Err(ImportError::Invalid(m)) if m.contains("no achievement")),
        "{refused:?}"
    );
    assert_eq!(count(&app, "tracks", &other.id).await, 0);
}

async fn imports_that_cannot_be_made_store_nothing(app: TestApp) {
    let db = app.state.db();
    let track = Track::load(&shipped("git-essentials")).unwrap();

    // No issuer to award the inline achievement.
    let bare = app.org_with_token(Role::Admin).await;
    let refused = lab::import(db, &bare.id, &track, None).await;
    assert!(
        matches!(&refused, Err(ImportError::Invalid(m)) if m.contains("no issuer")),
        "{refused:?}"
    );

    // Two issuers, and none named.
    let (org, first) = with_issuer(&app).await;
    let body = json!({"name": "Second", "url": "https://second.example.org",
                      "email": "b@second.example.org"});
    let (status, _) = app.post(&org.token, "/api/v1/issuers", body).await;
    assert_eq!(status, 201);
    let refused = lab::import(db, &org.id, &track, None).await;
    assert!(
        matches!(&refused, Err(ImportError::Invalid(m)) if m.contains("--issuer")),
        "{refused:?}"
    );
    // Another organization's issuer is refused by name too.
    let (_, foreign) = with_issuer(&app).await;
    let refused = lab::import(db, &org.id, &track, Some(&foreign)).await;
    assert!(
        matches!(&refused, Err(ImportError::Invalid(_))),
        "{refused:?}"
    );
    for (who, table) in [
        (&bare.id, "tracks"),
        (&org.id, "tracks"),
        (&org.id, "achievements"),
    ] {
        assert_eq!(count(&app, table, who).await, 0, "{table}");
    }

    // Named, it works.
    let imported = lab::import(db, &org.id, &track, Some(&first))
        .await
        .unwrap();
    assert_eq!(imported.change, Change::Created);
}
