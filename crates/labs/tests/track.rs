//! Loading track folders: what a valid track turns into, and the problem an author is told
//! about for each kind of mistake.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use labs::sandbox::{Limits, Network};
use labs::track::{AchievementRef, Track, TrackError};

const MANIFEST: &str = "\
slug: shell-basics
title: Shell basics
description: |
  Move around a shell with confidence.
version: \"1.0.0\"
achievement:
  name: Shell Basics
  description: Can find their way around a Unix shell.
  criteria: Finish every challenge of the Shell basics track.
  skills:
    - name: Use a command line interface
      framework: ESCO
      url: https://example.org/skills/cli
      code: S5.6.1
  tags: [shell, linux]
  points: 50
  valid_for_days: 365
time_limit: 2h
skipping_allowed: true
sandbox:
  memory: 1G
  processes: 256
  file_size: 64M
  cpu_seconds: 120
  network: loopback
";

const SCRIPT: &str = "#!/bin/bash\nset -u\nexit 0\n";

/// A track folder in a fresh temporary folder, valid until a test changes it; removed when
/// dropped.
struct Fixture {
    root: PathBuf,
}

impl Fixture {
    /// A valid track with two challenges; the first has a setup script.
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("labs-track-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).unwrap();

        let fixture = Fixture { root };
        fixture.write("track.yaml", MANIFEST);
        fixture.write("README.md", "Notes for authors; ignored.\n");
        fixture.challenge("01-hello", "Say hello");
        fixture.write("challenges/01-hello/setup", SCRIPT);
        fixture.challenge("02-files", "Make files");
        fixture
    }

    /// Adds a challenge folder with an assignment, a check and a solve script.
    fn challenge(&self, name: &str, title: &str) {
        let assignment = format!(
            "---\ntitle: {title}\nteaser: One line.\ntime_limit: 10m\n\
             hints:\n  - Look around.\n  - Read the manual.\n---\n\n# {title}\n\nDo it.\n"
        );
        self.write(&format!("challenges/{name}/assignment.md"), &assignment);
        self.write(&format!("challenges/{name}/check"), SCRIPT);
        self.write(&format!("challenges/{name}/solve"), SCRIPT);
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn write(&self, rel: &str, content: &str) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    fn remove(&self, rel: &str) {
        let path = self.path(rel);
        if path.is_dir() {
            fs::remove_dir_all(path).unwrap();
        } else {
            fs::remove_file(path).unwrap();
        }
    }

    /// Replaces one line of `track.yaml` that starts with `start`, or removes it.
    fn edit_manifest(&self, start: &str, replacement: Option<&str>) {
        let text = fs::read_to_string(self.path("track.yaml")).unwrap();
        let mut found = false;
        let lines: Vec<&str> = text
            .lines()
            .filter_map(|line| {
                if line.starts_with(start) {
                    found = true;
                    replacement
                } else {
                    Some(line)
                }
            })
            .collect();
        assert!(found, "track.yaml has no line starting with {start:?}");
        self.write("track.yaml", &(lines.join("\n") + "\n"));
    }

    /// Sets the front matter of a challenge's assignment, keeping a body.
    fn front_matter(&self, challenge: &str, yaml: &str) {
        let text = format!("---\n{yaml}---\n\nThe assignment.\n");
        self.write(&format!("challenges/{challenge}/assignment.md"), &text);
    }

    fn load(&self) -> Result<Track, TrackError> {
        Track::load(&self.root)
    }

    /// Every problem, written as an author reads it; fails the test if the track loads.
    fn problems(&self) -> Vec<String> {
        match self.load() {
            Ok(_) => panic!("the track loaded, but it should have problems"),
            Err(TrackError::Invalid(problems)) => problems.iter().map(|p| p.to_string()).collect(),
            Err(other) => panic!("expected problems, got {other}"),
        }
    }

    /// Asserts that loading reports exactly `expected`.
    fn assert_problems(&self, expected: &[&str]) {
        assert_eq!(self.problems(), expected);
    }

    /// Asserts that loading reports a problem that contains `needle`, among others.
    fn assert_problem_containing(&self, needle: &str) {
        let problems = self.problems();
        assert!(
            problems.iter().any(|p| p.contains(needle)),
            "no problem contains {needle:?}; the problems are:\n{}",
            problems.join("\n")
        );
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

#[test]
fn a_valid_track_loads_with_everything_it_says() {
    let fixture = Fixture::new();
    let track = fixture.load().unwrap();

    assert_eq!(track.root, fixture.root);
    assert_eq!(track.slug, "shell-basics");
    assert_eq!(track.title, "Shell basics");
    assert_eq!(track.description, "Move around a shell with confidence.");
    assert_eq!(track.version, "1.0.0");
    assert_eq!(track.time_limit, Some(Duration::from_secs(7200)));
    assert_eq!(track.idle_timeout, Duration::from_secs(15 * 60));
    assert!(track.skipping_allowed);
    assert_eq!(track.setup, None);
    assert_eq!(track.cleanup, None);

    let titles: Vec<_> = track.challenges.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Say hello", "Make files"]);
    let hello = &track.challenges[0];
    assert_eq!((hello.number, hello.slug.as_str()), (1, "hello"));
    assert_eq!(hello.dir, Path::new("challenges/01-hello"));
    assert_eq!(hello.teaser.as_deref(), Some("One line."));
    assert_eq!(hello.time_limit, Some(Duration::from_secs(600)));
    assert_eq!(hello.hints, ["Look around.", "Read the manual."]);
    assert_eq!(hello.assignment, "# Say hello\n\nDo it.");
}

#[test]
fn script_paths_are_relative_to_the_track_root() {
    let fixture = Fixture::new();
    fixture.write("setup", SCRIPT);
    fixture.write("cleanup", SCRIPT);
    fixture.write("challenges/02-files/cleanup", SCRIPT);
    let track = fixture.load().unwrap();

    assert_eq!(track.setup.as_deref(), Some(Path::new("setup")));
    assert_eq!(track.cleanup.as_deref(), Some(Path::new("cleanup")));
    let hello = &track.challenges[0].scripts;
    assert_eq!(
        hello.setup.as_deref(),
        Some(Path::new("challenges/01-hello/setup"))
    );
    assert_eq!(hello.check, Path::new("challenges/01-hello/check"));
    assert_eq!(hello.solve, Path::new("challenges/01-hello/solve"));
    assert_eq!(hello.cleanup, None);
    let files = &track.challenges[1].scripts;
    assert_eq!(files.setup, None);
    assert_eq!(
        files.cleanup.as_deref(),
        Some(Path::new("challenges/02-files/cleanup"))
    );
}

#[test]
fn each_required_field_of_track_yaml_is_reported_when_missing() {
    for field in ["slug", "title", "description", "version"] {
        let fixture = Fixture::new();
        fixture.edit_manifest(&format!("{field}:"), None);
        if field == "description" {
            fixture.edit_manifest("  Move around", None);
        }
        fixture.assert_problems(&[&format!("track.yaml: `{field}` is missing")]);
    }
}

#[test]
fn a_missing_achievement_is_reported() {
    let fixture = Fixture::new();
    let text = MANIFEST.replace(
        &MANIFEST[MANIFEST.find("achievement:").unwrap()..MANIFEST.find("time_limit").unwrap()],
        "",
    );
    fixture.write("track.yaml", &text);
    fixture.assert_problems(&["track.yaml: `achievement` is missing"]);
}

#[test]
fn all_missing_fields_are_reported_together() {
    let fixture = Fixture::new();
    fixture.write("track.yaml", "time_limit: 1h\n");
    fixture.assert_problems(&[
        "track.yaml: `slug` is missing",
        "track.yaml: `title` is missing",
        "track.yaml: `description` is missing",
        "track.yaml: `version` is missing",
        "track.yaml: `achievement` is missing",
    ]);
}

#[test]
fn empty_fields_are_reported() {
    let fixture = Fixture::new();
    fixture.edit_manifest("title:", Some("title: \"  \""));
    fixture.assert_problems(&["track.yaml: `title` is empty"]);
}

#[test]
fn an_unknown_field_in_track_yaml_is_named() {
    let fixture = Fixture::new();
    fixture.edit_manifest("title:", Some("titel: Shell basics"));
    let problems = fixture.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("track.yaml: unknown field `titel`, expected one of"),
        "{}",
        problems[0]
    );
    assert!(problems[0].contains("line 2"), "{}", problems[0]);
}

#[test]
fn unknown_fields_in_nested_mappings_are_named() {
    let fixture = Fixture::new();
    fixture.edit_manifest("  memory:", Some("  memroy: 1G"));
    fixture.assert_problem_containing("track.yaml: unknown field `memroy`");

    let fixture = Fixture::new();
    fixture.edit_manifest("  points:", Some("  pionts: 50"));
    fixture.assert_problem_containing("track.yaml: unknown field `pionts`");

    let fixture = Fixture::new();
    fixture.edit_manifest("      framework:", Some("      frame: ESCO"));
    fixture.assert_problem_containing("track.yaml: unknown field `frame`");
}

#[test]
fn an_unknown_field_in_front_matter_is_named_with_its_line_in_the_file() {
    let fixture = Fixture::new();
    fixture.front_matter("02-files", "title: Make files\nhint: try ls\n");
    fixture.assert_problem_containing(
        "challenges/02-files/assignment.md: unknown field `hint`, expected one of",
    );
    fixture.assert_problem_containing("line 3");
}

#[test]
fn yaml_that_does_not_parse_is_reported_with_its_line() {
    let fixture = Fixture::new();
    fixture.write("track.yaml", "slug: a\ntitle: 'unclosed\n");
    fixture.assert_problem_containing("track.yaml: ");
    fixture.assert_problem_containing("line 2");
}

#[test]
fn a_bad_slug_or_version_is_explained() {
    let fixture = Fixture::new();
    fixture.edit_manifest("slug:", Some("slug: Shell Basics"));
    fixture.edit_manifest("version:", Some("version: one point oh"));
    fixture.assert_problems(&[
        "track.yaml: `slug` \"Shell Basics\" is not a slug; use 1 to 64 lowercase letters, \
         digits and hyphens, starting and ending with a letter or digit",
        "track.yaml: `version` \"one point oh\" is not a version; use up to 64 letters, digits \
         and . - + _, like 1.0.0",
    ]);
}

#[test]
fn a_missing_track_yaml_is_reported_once() {
    let fixture = Fixture::new();
    fixture.remove("track.yaml");
    fixture.assert_problems(&["track.yaml: this file is missing; every track needs one"]);
}

#[test]
fn challenge_folders_must_be_a_number_and_a_slug() {
    let fixture = Fixture::new();
    for name in ["1-intro", "intro", "03-Intro", "04-"] {
        fixture.challenge(name, "Bad");
    }
    let message = "a challenge folder's name must be two or more digits, a hyphen and a slug, \
                   like 01-first-steps";
    fixture.assert_problems(&[
        "challenges/03-Intro: the folder's slug \"Intro\" is not a slug; use 1 to 64 lowercase \
         letters, digits and hyphens, starting and ending with a letter or digit",
        "challenges/04-: the folder's slug \"\" is not a slug; use 1 to 64 lowercase letters, \
         digits and hyphens, starting and ending with a letter or digit",
        &format!("challenges/1-intro: {message}"),
        &format!("challenges/intro: {message}"),
    ]);
}

#[test]
fn files_and_other_folders_beside_challenges_are_ignored() {
    let fixture = Fixture::new();
    fixture.write("challenges/README.md", "About the challenges.\n");
    fixture.write("assets/diagram.svg", "<svg/>\n");
    fixture.write("challenges/01-hello/notes.txt", "Author's notes.\n");
    assert_eq!(fixture.load().unwrap().challenges.len(), 2);
}

#[test]
fn challenges_are_ordered_by_number_not_by_name() {
    let fixture = Fixture::new();
    fixture.challenge("100-last", "Last");
    fixture.challenge("99-almost", "Almost");
    let track = fixture.load().unwrap();
    let numbers: Vec<_> = track.challenges.iter().map(|c| c.number).collect();
    assert_eq!(numbers, [1, 2, 99, 100]);
}

#[test]
fn two_challenges_with_one_number_are_reported() {
    let fixture = Fixture::new();
    fixture.challenge("002-more-files", "More files");
    fixture.assert_problems(&[
        "challenges/02-files: its number 2 is also used by challenges/002-more-files; give each \
         challenge its own number",
    ]);
}

#[test]
fn two_challenges_with_one_slug_are_reported() {
    let fixture = Fixture::new();
    fixture.challenge("03-hello", "Hello again");
    fixture.assert_problems(&[
        "challenges/03-hello: its slug \"hello\" is also used by challenges/01-hello; give each \
         challenge its own slug",
    ]);
}

#[test]
fn a_track_needs_at_least_one_challenge() {
    let fixture = Fixture::new();
    fixture.remove("challenges/01-hello");
    fixture.remove("challenges/02-files");
    fixture.assert_problems(&[
        "challenges: there are no challenges; add a folder such as challenges/01-first-steps",
    ]);

    fixture.remove("challenges");
    fixture.assert_problems(&[
        "challenges: this folder is missing; a track keeps its challenges in it",
    ]);
}

#[test]
fn check_and_solve_are_required() {
    let fixture = Fixture::new();
    fixture.remove("challenges/01-hello/check");
    fixture.remove("challenges/02-files/solve");
    fixture.assert_problems(&[
        "challenges/01-hello/check: this script is missing; every challenge needs one",
        "challenges/02-files/solve: this script is missing; every challenge needs one",
    ]);
}

#[test]
fn a_script_must_start_with_an_interpreter_line() {
    let fixture = Fixture::new();
    fixture.write("challenges/01-hello/check", "set -u\ntest -f hello.txt\n");
    fixture.write("setup", "#!\n");
    fixture.assert_problems(&[
        "setup: a script must start with `#!` and the program that runs it, like #!/bin/bash",
        "challenges/01-hello/check: a script must start with `#!` and the program that runs it, \
         like #!/bin/bash",
    ]);
}

#[test]
fn a_script_with_windows_line_endings_is_reported() {
    let fixture = Fixture::new();
    fixture.write("challenges/02-files/solve", "#!/bin/bash\r\nexit 0\r\n");
    fixture.assert_problems(&[
        "challenges/02-files/solve: this script has Windows line endings (CRLF); save it with \
         Unix ones (LF)",
    ]);
}

#[test]
fn a_folder_where_a_script_should_be_is_reported() {
    let fixture = Fixture::new();
    fixture.write("challenges/01-hello/cleanup/inside", "x\n");
    fixture.assert_problems(&[
        "challenges/01-hello/cleanup: this is a folder, where a script was expected",
    ]);
}

#[test]
fn symbolic_links_are_refused_anywhere_in_a_track() {
    let fixture = Fixture::new();
    fixture.remove("challenges/01-hello/check");
    std::os::unix::fs::symlink("/etc/passwd", fixture.path("challenges/01-hello/check")).unwrap();
    std::os::unix::fs::symlink("..", fixture.path("challenges/up")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", fixture.path("assets")).unwrap();
    fixture.assert_problems(&[
        "assets: this is a symbolic link, and a track may not contain any",
        "challenges/01-hello/check: this is a symbolic link, and a track may not contain any",
        "challenges/up: this is a symbolic link, and a track may not contain any",
    ]);
}

#[test]
fn an_oversized_assignment_or_script_is_reported() {
    let fixture = Fixture::new();
    let long = format!("---\ntitle: Big\n---\n{}\n", "x".repeat(300 * 1024));
    fixture.write("challenges/01-hello/assignment.md", &long);
    let script = format!("#!/bin/bash\n# {}\n", "x".repeat(1536 * 1024));
    fixture.write("challenges/02-files/check", &script);
    fixture.assert_problems(&[
        "challenges/01-hello/assignment.md: this file is 300 KiB, more than the 256 KiB allowed",
        "challenges/02-files/check: this script is 1.5 MiB, more than the 1 MiB allowed",
    ]);
}

#[test]
fn a_track_larger_than_the_limit_is_refused_before_it_is_read() {
    let fixture = Fixture::new();
    let chunk = "x".repeat(4 * 1024 * 1024);
    for i in 0..5 {
        fixture.write(&format!("assets/video-{i}.bin"), &chunk);
    }
    fixture.write("track.yaml", "not: valid\n");
    fixture.assert_problems(&["the track's files hold more than 16 MiB in all"]);
}

#[test]
fn a_track_with_too_many_files_is_refused_before_it_is_read() {
    let fixture = Fixture::new();
    for i in 0..1000 {
        fixture.write(&format!("assets/{i}.txt"), "x");
    }
    fixture.assert_problems(&["the track holds more than 1000 files and folders"]);
}

#[test]
fn folders_nested_too_deep_are_refused() {
    let fixture = Fixture::new();
    let deep: String = (0..20).map(|i| format!("d{i}/")).collect();
    fixture.write(&format!("assets/{deep}file"), "x");
    fixture.assert_problem_containing("folders nest more than 16 deep here");
}

#[test]
fn an_achievement_may_name_an_existing_one() {
    let fixture = Fixture::new();
    let start = MANIFEST.find("achievement:").unwrap();
    let end = MANIFEST.find("time_limit").unwrap();
    fixture.write(
        "track.yaml",
        &MANIFEST.replace(&MANIFEST[start..end], "achievement: shell-basics-badge\n"),
    );
    let track = fixture.load().unwrap();
    assert_eq!(
        track.achievement,
        AchievementRef::Existing("shell-basics-badge".to_owned())
    );
}

#[test]
fn an_inline_achievement_is_read_in_full() {
    let track = Fixture::new().load().unwrap();
    let AchievementRef::Inline(achievement) = track.achievement else {
        panic!("expected an inline achievement");
    };
    assert_eq!(achievement.name, "Shell Basics");
    assert_eq!(
        achievement.description,
        "Can find their way around a Unix shell."
    );
    assert_eq!(
        achievement.criteria,
        "Finish every challenge of the Shell basics track."
    );
    assert_eq!(achievement.tags, ["shell", "linux"]);
    assert_eq!(achievement.points, 50);
    assert_eq!(achievement.valid_for_days, Some(365));
    let skill = &achievement.skills[0];
    assert_eq!(skill.name, "Use a command line interface");
    assert_eq!(skill.framework.as_deref(), Some("ESCO"));
    assert_eq!(skill.url.as_deref(), Some("https://example.org/skills/cli"));
    assert_eq!(skill.code.as_deref(), Some("S5.6.1"));
}

#[test]
fn an_inline_achievement_is_checked_like_the_server_would() {
    let fixture = Fixture::new();
    fixture.edit_manifest("  criteria:", None);
    fixture.edit_manifest("  points:", Some("  points: -5"));
    fixture.edit_manifest("      url:", Some("      url: example.org/cli"));
    fixture.edit_manifest("  valid_for_days:", Some("  valid_for_days: 0"));
    fixture.assert_problems(&[
        "track.yaml: `achievement.criteria` is missing",
        "track.yaml: `achievement.skills` item 1's `url` must be an http or https URL",
        "track.yaml: `achievement.points` is \"-5\"; it must be a whole number from 0 to 1000000",
        "track.yaml: `achievement.valid_for_days` is \"0\"; it must be a whole number from 1 to \
         36500",
    ]);
}

#[test]
fn an_achievement_that_is_neither_an_id_nor_a_mapping_is_reported() {
    let fixture = Fixture::new();
    let start = MANIFEST.find("achievement:").unwrap();
    let end = MANIFEST.find("time_limit").unwrap();
    let text = MANIFEST.replace(&MANIFEST[start..end], "achievement: [a, b]\n");
    fixture.write("track.yaml", &text);
    fixture.assert_problem_containing("track.yaml: invalid type: sequence, expected an existing");
}

#[test]
fn sandbox_settings_map_onto_the_sandbox_limits() {
    let track = Fixture::new().load().unwrap();
    let expected = Limits {
        memory_mib: 1024,
        processes: 256,
        file_size_mib: 64,
        cpu_seconds: 120,
        ..Limits::default()
    };
    assert_eq!(track.limits, expected);
    assert_eq!(track.network, Network::Loopback);
}

#[test]
fn sandbox_settings_left_out_keep_their_defaults() {
    let fixture = Fixture::new();
    for line in [
        "sandbox:",
        "  memory:",
        "  processes:",
        "  file_size:",
        "  cpu_seconds:",
    ] {
        fixture.edit_manifest(line, None);
    }
    fixture.edit_manifest("  network:", None);
    let track = fixture.load().unwrap();
    assert_eq!(track.limits, Limits::default());
    assert_eq!(track.network, Network::None);
}

#[test]
fn sandbox_settings_beyond_their_bounds_are_reported() {
    let fixture = Fixture::new();
    fixture.edit_manifest("  memory:", Some("  memory: 16G"));
    fixture.edit_manifest("  processes:", Some("  processes: 5000"));
    fixture.edit_manifest("  file_size:", Some("  file_size: 512"));
    fixture.edit_manifest("  cpu_seconds:", Some("  cpu_seconds: lots"));
    fixture.edit_manifest("  network:", Some("  network: host"));
    fixture.assert_problems(&[
        "track.yaml: `sandbox.memory` is 16G; it must be from 32M to 8G",
        "track.yaml: `sandbox.processes` is \"5000\"; it must be a whole number from 8 to 4096",
        "track.yaml: `sandbox.file_size` \"512\" is not a size; write it like 512M or 2G",
        "track.yaml: `sandbox.cpu_seconds` is \"lots\"; it must be a whole number from 1 to \
         86400",
        "track.yaml: `sandbox.network` is \"host\"; it must be none or loopback",
    ]);
}

#[test]
fn durations_are_read_and_bounded() {
    let fixture = Fixture::new();
    fixture.edit_manifest("time_limit:", Some("time_limit: 25h\nidle_timeout: 1h30m"));
    fixture.edit_manifest("skipping_allowed:", Some("skipping_allowed: maybe"));
    fixture.front_matter("01-hello", "title: Hello\ntime_limit: ten minutes\n");
    fixture.assert_problems(&[
        "track.yaml: `time_limit` is 25h; it must be from 1m to 24h",
        "track.yaml: `skipping_allowed` is \"maybe\"; it must be true or false",
        "challenges/01-hello/assignment.md: `time_limit` \"ten minutes\" is not a duration; \
         write it like 90s, 45m, 2h or 1h30m",
    ]);

    fixture.edit_manifest("time_limit:", Some("time_limit: 90m"));
    fixture.edit_manifest("skipping_allowed:", None);
    fixture.front_matter("01-hello", "title: Hello\n");
    let track = fixture.load().unwrap();
    assert_eq!(track.time_limit, Some(Duration::from_secs(5400)));
    assert_eq!(track.idle_timeout, Duration::from_secs(5400));
    assert!(!track.skipping_allowed);
}

#[test]
fn a_challenge_may_not_take_longer_than_its_track() {
    let fixture = Fixture::new();
    fixture.front_matter("02-files", "title: Make files\ntime_limit: 3h\n");
    fixture.assert_problems(&[
        "challenges/02-files/assignment.md: `time_limit` 3h is longer than the track's own, 2h",
    ]);
}

#[test]
fn an_assignment_without_a_title_is_reported() {
    let fixture = Fixture::new();
    fixture.front_matter("02-files", "teaser: Files.\n");
    fixture.assert_problems(&[
        "challenges/02-files/assignment.md: `title` is missing from the front matter",
    ]);
}

#[test]
fn an_assignment_needs_front_matter_and_a_body() {
    let fixture = Fixture::new();
    fixture.write(
        "challenges/01-hello/assignment.md",
        "# Say hello\n\nDo it.\n",
    );
    fixture.write(
        "challenges/02-files/assignment.md",
        "---\ntitle: Make files\n---\n\n  \n",
    );
    fixture.assert_problems(&[
        "challenges/01-hello/assignment.md: it must start with front matter: a `---` line, YAML \
         with at least a title, and another `---` line",
        "challenges/02-files/assignment.md: there is no assignment after the front matter; \
         write it in Markdown",
    ]);
}

#[test]
fn a_teaser_is_one_line_and_hints_are_not_empty() {
    let fixture = Fixture::new();
    let yaml = "title: Hello\nteaser: |\n  two\n  lines\nhints:\n  - First.\n  - \"\"\n";
    fixture.front_matter("01-hello", yaml);
    fixture.assert_problems(&[
        "challenges/01-hello/assignment.md: `teaser` must be a single line",
        "challenges/01-hello/assignment.md: `hints` item 2 is empty",
    ]);
}

#[test]
fn problems_in_many_files_are_reported_together() {
    let fixture = Fixture::new();
    fixture.edit_manifest("title:", None);
    fixture.front_matter("01-hello", "teaser: Hi.\n");
    fixture.remove("challenges/02-files/check");
    fixture.write("challenges/02-files/solve", "echo no shebang\n");
    fixture.assert_problems(&[
        "track.yaml: `title` is missing",
        "challenges/01-hello/assignment.md: `title` is missing from the front matter",
        "challenges/02-files/check: this script is missing; every challenge needs one",
        "challenges/02-files/solve: a script must start with `#!` and the program that runs it, \
         like #!/bin/bash",
    ]);
    let error = fixture.load().unwrap_err().to_string();
    assert!(error.starts_with("the track has 4 problems:\n  track.yaml: `title` is missing\n"));
}

#[test]
fn a_path_that_is_not_a_folder_is_refused() {
    let fixture = Fixture::new();
    let file = fixture.path("track.yaml");
    assert!(matches!(Track::load(&file), Err(TrackError::NotAFolder(path)) if path == file));
    let missing = fixture.path("nowhere");
    assert!(matches!(
        Track::load(&missing),
        Err(TrackError::Unreadable { .. })
    ));
}

#[test]
fn the_demo_tracks_load() {
    let tracks = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tracks");
    let load = |name: &str| match Track::load(&tracks.join(name)) {
        Ok(track) => track,
        Err(error) => panic!("tracks/{name}: {error}"),
    };

    let linux = load("linux-basics");
    assert_eq!(linux.slug, "linux-basics");
    assert_eq!(
        linux.title,
        "Linux essentials: files, permissions and processes"
    );
    let titles: Vec<_> = linux.challenges.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Build a project folder",
            "Fix file permissions",
            "Find the needle",
            "Stop a runaway process",
        ]
    );
    assert!(
        matches!(&linux.achievement, AchievementRef::Inline(a) if a.name == "Linux Essentials")
    );

    let git = load("git-essentials");
    assert_eq!(git.slug, "git-essentials");
    let titles: Vec<_> = git.challenges.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Your first commit",
            "Work on a branch",
            "Merge your branch",
            "Resolve a merge conflict",
            "Tag a release",
        ]
    );
    assert!(matches!(&git.achievement, AchievementRef::Inline(a) if a.name == "Git Essentials"));
}
