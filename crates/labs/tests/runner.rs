//! `rosette labs test`'s runner, on real sandboxes: the shipped tracks pass, and a track
//! whose checks are wrong fails for the right reasons.

use std::path::{Path, PathBuf};

use labs::runner::{Report, test_track};
use labs::sandbox::linux::Namespaces;
use labs::track::Track;

fn work_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("labs-runner-{}-{name}", std::process::id()))
}

async fn run(dir: &Path, name: &str) -> Report {
    let track = Track::load(dir).expect("the track loads");
    let sandboxes = Namespaces::detect().expect("this machine can make sandboxes");
    let work = work_dir(name);
    std::fs::create_dir_all(&work).unwrap();
    test_track(&track, &sandboxes, &work)
        .await
        .expect("the track runs")
}

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tracks")
        .join(name)
}

#[tokio::test]
async fn the_shipped_linux_track_passes() {
    let report = run(&shipped("linux-basics"), "linux").await;
    assert!(report.passed(), "{}", report.to_text());
    assert!(
        report.to_text().contains("before solve: FAIL:"),
        "{}",
        report.to_text()
    );
}

#[tokio::test]
async fn the_shipped_git_track_passes() {
    let report = run(&shipped("git-essentials"), "git").await;
    assert!(report.passed(), "{}", report.to_text());
}

/// A track of three challenges, each wrong in its own way.
fn broken_track() -> PathBuf {
    let dir = work_dir("broken-src");
    let _ = std::fs::remove_dir_all(&dir);
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "track.yaml",
        "slug: broken\ntitle: Broken\ndescription: Wrong on purpose.\nversion: \"1\"\n\
         achievement: broken-badge\n",
    );
    let assignment = "---\ntitle: A challenge\n---\nDo the thing.\n";
    // 01: the check passes before anything is done.
    write("challenges/01-lax/assignment.md", assignment);
    write("challenges/01-lax/check", "#!/bin/bash\nexit 0\n");
    write("challenges/01-lax/solve", "#!/bin/bash\ntrue\n");
    // 02: solve does not do what the check wants.
    write("challenges/02-wrong-solve/assignment.md", assignment);
    write(
        "challenges/02-wrong-solve/check",
        "#!/bin/bash\ntest -f done || { echo 'FAIL: no file named done'; exit 1; }\n",
    );
    write(
        "challenges/02-wrong-solve/solve",
        "#!/bin/bash\ntouch other\n",
    );
    // 03: all good, and solve runs as the learner.
    write("challenges/03-good/assignment.md", assignment);
    write(
        "challenges/03-good/check",
        "#!/bin/bash\n[ \"$(stat -c %U made-by)\" = learner ] || \
         { echo 'FAIL: not yet'; exit 1; }\n",
    );
    write(
        "challenges/03-good/solve",
        "#!/bin/bash\nid -un > made-by\n",
    );
    dir
}

#[tokio::test]
async fn a_wrong_track_fails_for_the_right_reasons() {
    let report = run(&broken_track(), "broken").await;
    assert!(!report.passed());
    let text = report.to_text();
    let parts: Vec<_> = report
        .parts
        .iter()
        .map(|p| (p.name.as_str(), p.passed()))
        .collect();
    assert_eq!(
        parts,
        [
            ("01-lax", false),
            ("02-wrong-solve", false),
            ("03-good", true)
        ],
        "{text}"
    );
    assert!(
        text.contains("the check passes before the challenge is solved"),
        "{text}"
    );
    assert!(text.contains("the check still fails after solve"), "{text}");
    assert!(text.contains("FAIL: no file named done"), "{text}");
    assert!(text.contains("FAILED: 1 of 3 parts"), "{text}");
    let _ = std::fs::remove_dir_all(work_dir("broken-src"));
}
