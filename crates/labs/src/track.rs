//! Tracks: the folders authors write, read and checked before anything runs.
//!
//! A track is a folder holding `track.yaml` (what the track is, what it awards, how long it
//! may take, what its sandbox may use), optional track-wide `setup` and `cleanup` scripts,
//! and a `challenges` folder with one folder per challenge, named `NN-slug`. Each challenge
//! has an `assignment.md` (YAML front matter, then Markdown for the learner) and its scripts:
//! `check` and `solve` always, `setup` and `cleanup` when needed.
//!
//! [`Track::load`] reads such a folder and returns either a [`Track`] or every problem it
//! found, each naming the file and saying what is wrong, so that an author can fix them all
//! at once. It bounds what it reads (how many files, how large, how deeply nested) because
//! tracks are uploaded to a server, and it refuses symbolic links, which could make a copy
//! of the track reach outside it. This module runs nothing: the sandbox runs the scripts, at
//! the paths recorded here relative to the track's folder.

use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};

use crate::sandbox::{Limits, Network};

/// The most bytes all the files of a track may hold together.
pub const MAX_TRACK_BYTES: u64 = 16 * 1024 * 1024;
/// The most files and folders a track may hold, counted together.
pub const MAX_TRACK_ENTRIES: usize = 1000;
/// How deep folders may nest inside a track.
pub const MAX_TRACK_DEPTH: usize = 16;
/// The largest `track.yaml` or `assignment.md`, in bytes.
pub const MAX_TEXT_BYTES: u64 = 256 * 1024;
/// The largest script, in bytes.
pub const MAX_SCRIPT_BYTES: u64 = 1024 * 1024;
/// How long a session may sit idle when `track.yaml` does not say.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The shortest and the longest a time limit or an idle timeout may be.
const DURATIONS: RangeInclusive<Duration> = Duration::from_secs(60)..=Duration::from_secs(86_400);
/// What `sandbox.memory` may be, in MiB.
const MEMORY_MIB: RangeInclusive<u64> = 32..=8 * 1024;
/// What `sandbox.processes` may be.
const PROCESSES: RangeInclusive<u64> = 8..=4096;
/// What `sandbox.file_size` may be, in MiB.
const FILE_SIZE_MIB: RangeInclusive<u64> = 1..=4 * 1024;
/// What `sandbox.cpu_seconds` may be.
const CPU_SECONDS: RangeInclusive<u64> = 1..=86_400;

// These mirror what the server accepts for an achievement, so that a track that loads here
// does not fail later, when it is imported.
const MAX_NAME_CHARS: usize = 200;
const MAX_ACHIEVEMENT_DESCRIPTION_CHARS: usize = 4000;
const MAX_CRITERIA_CHARS: usize = 20_000;
const MAX_SKILLS: usize = 30;
const MAX_SKILL_FIELD_CHARS: usize = 200;
const MAX_TAGS: usize = 30;
const MAX_TAG_CHARS: usize = 60;
const POINTS: RangeInclusive<u64> = 0..=1_000_000;
const VALID_FOR_DAYS: RangeInclusive<u64> = 1..=36_500;

const MAX_TITLE_CHARS: usize = 200;
const MAX_TEASER_CHARS: usize = 300;
const MAX_DESCRIPTION_CHARS: usize = 20_000;
const MAX_VERSION_CHARS: usize = 64;
const MAX_HINTS: usize = 20;
const MAX_HINT_CHARS: usize = 2000;

const TRACK_FILE: &str = "track.yaml";
const CHALLENGES: &str = "challenges";
const ASSIGNMENT_FILE: &str = "assignment.md";

const NO_FRONT_MATTER: &str = "it must start with front matter: a `---` line, YAML with at \
                               least a title, and another `---` line";
const UNCLOSED_FRONT_MATTER: &str = "the front matter has no closing `---` line";
const NO_INTERPRETER: &str =
    "a script must start with `#!` and the program that runs it, like #!/bin/bash";
const CRLF_SCRIPT: &str =
    "this script has Windows line endings (CRLF); save it with Unix ones (LF)";
const SYMLINK: &str = "this is a symbolic link, and a track may not contain any";

/// A track, read from its folder and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    /// The folder it was read from.
    pub root: PathBuf,
    /// Its identifier: lowercase letters, digits and hyphens.
    pub slug: String,
    /// Its title, one line.
    pub title: String,
    /// What it teaches, in Markdown.
    pub description: String,
    /// The author's version of it, such as `1.0.0`.
    pub version: String,
    /// What a learner earns by finishing it.
    pub achievement: AchievementRef,
    /// How long a session may last, if the track limits it.
    pub time_limit: Option<Duration>,
    /// How long a session may sit without input before it ends.
    pub idle_timeout: Duration,
    /// Whether a learner may skip a challenge and go on to the next.
    pub skipping_allowed: bool,
    /// What its sandbox may use.
    pub limits: Limits,
    /// What its sandbox may reach over the network.
    pub network: Network,
    /// The track's own setup script, run once before the first challenge, relative to `root`.
    pub setup: Option<PathBuf>,
    /// The track's own cleanup script, run once at the end, relative to `root`.
    pub cleanup: Option<PathBuf>,
    /// Its challenges, in order of their numbers; never empty.
    pub challenges: Vec<Challenge>,
}

/// The achievement a track awards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AchievementRef {
    /// One that already exists in the organization, by its id or slug.
    Existing(String),
    /// One described in `track.yaml`, to be created when the track is imported.
    Inline(InlineAchievement),
}

/// An achievement described in `track.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineAchievement {
    /// Its name, one line.
    pub name: String,
    /// What it stands for.
    pub description: String,
    /// What a learner must do to earn it, in Markdown.
    pub criteria: String,
    /// The skills it aligns to.
    pub skills: Vec<Skill>,
    /// Words to find it by.
    pub tags: Vec<String>,
    /// Points a learner earns with it.
    pub points: u32,
    /// Days a credential for it stays valid; `None` means for ever.
    pub valid_for_days: Option<u32>,
}

/// A skill an inline achievement aligns to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    /// Its name.
    pub name: String,
    /// Where it is described (`http` or `https`).
    pub url: Option<String>,
    /// The framework it belongs to, such as ESCO.
    pub framework: Option<String>,
    /// Its code in that framework.
    pub code: Option<String>,
}

/// One challenge of a track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The number its folder's name starts with, which orders the challenges.
    pub number: u32,
    /// The rest of its folder's name, which identifies it within the track.
    pub slug: String,
    /// Its folder, relative to the track's root, such as `challenges/01-first-steps`.
    pub dir: PathBuf,
    /// Its title, one line.
    pub title: String,
    /// A one-line summary for lists.
    pub teaser: Option<String>,
    /// How long a learner may take over it, if it is limited.
    pub time_limit: Option<Duration>,
    /// Hints the learner may reveal one at a time, in order.
    pub hints: Vec<String>,
    /// The assignment the learner reads, in Markdown: the body of `assignment.md`.
    pub assignment: String,
    /// Its scripts.
    pub scripts: Scripts,
}

/// A challenge's scripts, as paths relative to the track's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scripts {
    /// Prepares the sandbox for the challenge; run as the sandbox's root.
    pub setup: Option<PathBuf>,
    /// Exits 0 when the learner has done the challenge; run as the sandbox's root.
    pub check: PathBuf,
    /// Does the challenge as a learner would, so that the track can be tested; run as the
    /// learner.
    pub solve: PathBuf,
    /// Tidies up after the challenge; run as the sandbox's root.
    pub cleanup: Option<PathBuf>,
}

/// One thing wrong with a track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file or folder it is about, relative to the track's root; `None` when it is about
    /// the track as a whole.
    pub file: Option<PathBuf>,
    /// What is wrong, in a sentence for the track's author.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}: {}", file.display(), self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Why a track could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TrackError {
    /// The track's folder could not be read at all.
    #[error("cannot read the track folder {}: {source}", path.display())]
    Unreadable {
        /// The folder.
        path: PathBuf,
        /// Why it could not be read.
        source: io::Error,
    },
    /// The path given for the track is not a folder.
    #[error("{} is not a folder; a track is a folder with track.yaml in it", .0.display())]
    NotAFolder(PathBuf),
    /// The folder was read, and what it holds is not a valid track.
    #[error("{}", describe_problems(.0))]
    Invalid(Vec<Problem>),
}

/// One file of a track: what an import stores and a sandbox gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackFile {
    /// Its path under the track's folder, with `/` between names.
    pub path: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

impl Track {
    /// Reads every file of the track, in path order. The folder was checked by
    /// [`Track::load`]; what changed since (a link, a file grown past the limits) is refused
    /// here in the same words.
    pub fn files(&self) -> Result<Vec<TrackFile>, TrackError> {
        let mut files = Vec::new();
        let mut total = 0;
        let mut problems = Vec::new();
        read_tree(
            &self.root,
            Path::new(""),
            &mut files,
            &mut total,
            &mut problems,
        );
        if !problems.is_empty() {
            return Err(TrackError::Invalid(problems));
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }
}

fn read_tree(
    root: &Path,
    dir: &Path,
    files: &mut Vec<TrackFile>,
    total: &mut u64,
    problems: &mut Vec<Problem>,
) {
    fn problem(problems: &mut Vec<Problem>, file: &Path, message: String) {
        problems.push(Problem {
            file: Some(file.to_owned()),
            message,
        });
    }
    let entries = match fs::read_dir(root.join(dir)) {
        Ok(entries) => entries,
        Err(error) => {
            let message = format!("this folder cannot be read: {error}");
            return problem(problems, dir, message);
        }
    };
    for entry in entries.flatten() {
        let rel = dir.join(entry.file_name());
        let Ok(kind) = entry.file_type() else {
            problem(problems, &rel, "this cannot be read".into());
            continue;
        };
        if kind.is_dir() {
            read_tree(root, &rel, files, total, problems);
        } else if kind.is_file() {
            match fs::read(root.join(&rel)) {
                Ok(bytes) => {
                    *total += bytes.len() as u64;
                    if *total > MAX_TRACK_BYTES {
                        let max = format_bytes(MAX_TRACK_BYTES);
                        problems.push(Problem {
                            file: None,
                            message: format!("the track's files hold more than {max} in all"),
                        });
                        return;
                    }
                    let path = rel.to_string_lossy().into_owned();
                    files.push(TrackFile { path, bytes });
                }
                Err(error) => problem(problems, &rel, format!("this cannot be read: {error}")),
            }
        } else if kind.is_symlink() {
            problem(problems, &rel, SYMLINK.into());
        } else {
            let message = "this is neither a regular file nor a folder".into();
            problem(problems, &rel, message);
        }
        if !problems.is_empty() {
            return;
        }
    }
}

/// A value that does not read as what it should be, such as a malformed duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(String);

impl Track {
    /// Reads the track in `dir` and checks all of it. On failure the error lists every
    /// problem found, not only the first.
    pub fn load(dir: &Path) -> Result<Track, TrackError> {
        let metadata = fs::metadata(dir).map_err(|source| TrackError::Unreadable {
            path: dir.to_owned(),
            source,
        })?;
        if !metadata.is_dir() {
            return Err(TrackError::NotAFolder(dir.to_owned()));
        }

        let mut reader = Reader {
            root: dir,
            problems: Vec::new(),
        };
        if reader.survey().is_err() {
            return Err(TrackError::Invalid(reader.problems));
        }

        let manifest = reader.manifest();
        let setup = reader.script(PathBuf::from("setup"));
        let cleanup = reader.script(PathBuf::from("cleanup"));
        let challenges = reader.challenges();
        if let Some(manifest) = &manifest {
            reader.check_time_limits(manifest.time_limit, &challenges);
        }

        let Some(manifest) = manifest.filter(|_| reader.problems.is_empty()) else {
            return Err(TrackError::Invalid(reader.problems));
        };
        Ok(Track {
            root: dir.to_owned(),
            slug: manifest.slug,
            title: manifest.title,
            description: manifest.description,
            version: manifest.version,
            achievement: manifest.achievement,
            time_limit: manifest.time_limit,
            idle_timeout: manifest.idle_timeout,
            skipping_allowed: manifest.skipping_allowed,
            limits: manifest.limits,
            network: manifest.network,
            setup,
            cleanup,
            challenges,
        })
    }
}

/// Reads a duration written as hours, minutes and seconds, largest first, each at most
/// once: `90s`, `45m`, `2h`, `1h30m`, `1h0m30s`.
pub fn parse_duration(text: &str) -> Result<Duration, ValueError> {
    let invalid = || {
        let message = format!("{text:?} is not a duration; write it like 90s, 45m, 2h or 1h30m");
        ValueError(message)
    };
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(invalid());
    }

    let mut seconds: u64 = 0;
    for (unit, unit_seconds) in [('h', 3600), ('m', 60), ('s', 1)] {
        let digits = leading_digits(rest);
        if digits == 0 || !rest[digits..].starts_with(unit) {
            continue;
        }
        let count: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        seconds = count
            .checked_mul(unit_seconds)
            .and_then(|s| s.checked_add(seconds))
            .ok_or_else(invalid)?;
        rest = &rest[digits + 1..];
    }
    if !rest.is_empty() {
        return Err(invalid());
    }
    Ok(Duration::from_secs(seconds))
}

/// Reads a size in mebibytes or gibibytes, such as `512M` or `1G` (also `512MiB`, `512Mi`,
/// `512MB`; every unit is binary, so `1G` is 1024 MiB), and returns it in MiB.
fn parse_size_mib(text: &str) -> Result<u64, ValueError> {
    let invalid = || ValueError(format!("{text:?} is not a size; write it like 512M or 2G"));
    let text = text.trim();
    let (number, unit) = text.split_at(leading_digits(text));
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let factor = match unit {
        "M" | "Mi" | "MB" | "MiB" => 1,
        "G" | "Gi" | "GB" | "GiB" => 1024,
        _ => return Err(invalid()),
    };
    number.checked_mul(factor).ok_or_else(invalid)
}

/// Checks a slug: 1 to 64 lowercase ASCII letters, digits and hyphens, starting and ending
/// with a letter or a digit.
fn check_slug(text: &str) -> Result<(), ValueError> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    let ok = (1..=64).contains(&text.len())
        && text.chars().all(allowed)
        && !text.starts_with('-')
        && !text.ends_with('-');
    if ok {
        return Ok(());
    }
    Err(ValueError(format!(
        "{text:?} is not a slug; use 1 to 64 lowercase letters, digits and hyphens, starting \
         and ending with a letter or digit"
    )))
}

/// Splits a challenge folder's name, `NN-slug`, into its number and its slug.
fn parse_folder_name(name: &str) -> Result<(u32, String), ValueError> {
    let invalid = || {
        let message = "a challenge folder's name must be two or more digits, a hyphen and a \
                       slug, like 01-first-steps";
        ValueError(message.to_owned())
    };
    let (digits, slug) = name.split_once('-').ok_or_else(invalid)?;
    if digits.len() < 2 || leading_digits(digits) != digits.len() {
        return Err(invalid());
    }
    let number = digits
        .parse()
        .map_err(|_| ValueError(format!("the number {digits} is too large")))?;
    check_slug(slug).map_err(|error| ValueError(format!("the folder's slug {error}")))?;
    Ok((number, slug.to_owned()))
}

/// Splits Markdown into the YAML between its first two `---` lines and what follows them.
fn split_front_matter(text: &str) -> Result<(&str, &str), &'static str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let opening = lines.next().unwrap_or("");
    if opening.trim_end() != "---" {
        return Err(NO_FRONT_MATTER);
    }

    let start = opening.len();
    let mut at = start;
    for line in lines {
        if line.trim_end() == "---" {
            return Ok((&text[start..at], &text[at + line.len()..]));
        }
        at += line.len();
    }
    Err(UNCLOSED_FRONT_MATTER)
}

/// Checks that the script at `path` starts with `#!` and a program, on a Unix line.
fn check_interpreter_line(path: &Path) -> Result<(), String> {
    let mut head = Vec::new();
    fs::File::open(path)
        .and_then(|file| file.take(256).read_to_end(&mut head))
        .map_err(|error| format!("this script cannot be read: {error}"))?;
    let line = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let interpreter = line.strip_prefix(b"#!").map(<[u8]>::trim_ascii);
    if interpreter.is_none_or(<[u8]>::is_empty) {
        return Err(NO_INTERPRETER.to_owned());
    }
    if line.ends_with(b"\r") {
        return Err(CRLF_SCRIPT.to_owned());
    }
    Ok(())
}

/// Lists problems, one a line, under a line that counts them.
fn describe_problems(problems: &[Problem]) -> String {
    let count = match problems.len() {
        1 => "1 problem".to_owned(),
        n => format!("{n} problems"),
    };
    let mut text = format!("the track has {count}:");
    for problem in problems {
        text.push_str("\n  ");
        text.push_str(&problem.to_string());
    }
    text
}

// The reader.

/// Reads one track's files, writing down every problem it meets.
struct Reader<'a> {
    root: &'a Path,
    problems: Vec<Problem>,
}

/// Files and bytes counted so far by [`Reader::survey`].
#[derive(Default)]
struct Tally {
    entries: usize,
    bytes: u64,
}

/// The track is too large to read on; the problem that says so has been recorded.
struct Exceeded;

impl Reader<'_> {
    fn problem(&mut self, file: &Path, message: impl Into<String>) {
        self.problems.push(Problem {
            file: Some(file.to_owned()),
            message: message.into(),
        });
    }

    fn track_problem(&mut self, message: impl Into<String>) {
        self.problems.push(Problem {
            file: None,
            message: message.into(),
        });
    }

    /// Checks the fields of one file, against which they record their problems.
    fn fields<'f>(&'f mut self, file: &'f Path, missing_from: &'static str) -> Fields<'f> {
        Fields {
            file,
            problems: &mut self.problems,
            missing_from,
        }
    }

    /// Walks the whole track before anything in it is read, reporting symbolic links and
    /// files that are not regular, and stops as soon as the track is too large, holds too
    /// many files or nests too deep.
    fn survey(&mut self) -> Result<(), Exceeded> {
        self.walk(Path::new(""), 0, &mut Tally::default())
    }

    fn walk(&mut self, dir: &Path, depth: usize, tally: &mut Tally) -> Result<(), Exceeded> {
        for name in self.list(dir, tally)? {
            let rel = dir.join(&name);
            let metadata = match fs::symlink_metadata(self.root.join(&rel)) {
                Ok(metadata) => metadata,
                Err(error) => {
                    self.problem(&rel, format!("this cannot be read: {error}"));
                    continue;
                }
            };
            let kind = metadata.file_type();
            if kind.is_symlink() {
                self.problem(&rel, SYMLINK);
            } else if kind.is_dir() {
                if depth + 1 >= MAX_TRACK_DEPTH {
                    self.problem(
                        &rel,
                        format!("folders nest more than {MAX_TRACK_DEPTH} deep here"),
                    );
                    return Err(Exceeded);
                }
                self.walk(&rel, depth + 1, tally)?;
            } else if kind.is_file() {
                tally.bytes += metadata.len();
                if tally.bytes > MAX_TRACK_BYTES {
                    let max = format_bytes(MAX_TRACK_BYTES);
                    self.track_problem(format!("the track's files hold more than {max} in all"));
                    return Err(Exceeded);
                }
            } else {
                self.problem(&rel, "this is neither a regular file nor a folder");
            }
        }
        Ok(())
    }

    /// The names in one folder, sorted, counted against the track's limit as they are read.
    fn list(&mut self, dir: &Path, tally: &mut Tally) -> Result<Vec<OsString>, Exceeded> {
        let unreadable = |error: io::Error| Problem {
            file: (dir != Path::new("")).then(|| dir.to_owned()),
            message: format!("this folder cannot be read: {error}"),
        };
        let entries = match fs::read_dir(self.root.join(dir)) {
            Ok(entries) => entries,
            Err(error) => {
                self.problems.push(unreadable(error));
                return Ok(Vec::new());
            }
        };

        let mut names = Vec::new();
        for entry in entries {
            tally.entries += 1;
            if tally.entries > MAX_TRACK_ENTRIES {
                let max = MAX_TRACK_ENTRIES;
                self.track_problem(format!("the track holds more than {max} files and folders"));
                return Err(Exceeded);
            }
            match entry {
                Ok(entry) => names.push(entry.file_name()),
                Err(error) => self.problems.push(unreadable(error)),
            }
        }
        names.sort();
        Ok(names)
    }

    /// Reads and checks `track.yaml`; `None` when it cannot be read or parsed at all.
    fn manifest(&mut self) -> Option<Manifest> {
        let file = Path::new(TRACK_FILE);
        let text = self.text(file, "track")?;
        let raw: RawManifest = self.yaml(&text, file, 0)?;

        let mut fields = self.fields(file, "");
        let (limits, network) = sandbox(&mut fields, raw.sandbox.unwrap_or_default());
        let idle_timeout = fields.duration("`idle_timeout`", raw.idle_timeout);
        Some(Manifest {
            slug: slug(&mut fields, raw.slug),
            title: fields.line("`title`", raw.title, MAX_TITLE_CHARS),
            description: fields.markdown("`description`", raw.description, MAX_DESCRIPTION_CHARS),
            version: version(&mut fields, raw.version),
            achievement: achievement(&mut fields, raw.achievement),
            time_limit: fields.duration("`time_limit`", raw.time_limit),
            idle_timeout: idle_timeout.unwrap_or(DEFAULT_IDLE_TIMEOUT),
            skipping_allowed: fields.flag("`skipping_allowed`", raw.skipping_allowed),
            limits,
            network,
        })
    }

    /// Reads every challenge folder, in order of their numbers, and checks that no number or
    /// slug is used twice.
    fn challenges(&mut self) -> Vec<Challenge> {
        let dir = Path::new(CHALLENGES);
        let names = match self.challenge_folders(dir) {
            Ok(names) => names,
            Err(message) => {
                self.problem(dir, message);
                return Vec::new();
            }
        };
        if names.is_empty() {
            let message = "there are no challenges; add a folder such as challenges/01-first-steps";
            self.problem(dir, message);
        }

        let mut challenges = Vec::new();
        for name in names {
            let rel = dir.join(&name);
            match parse_folder_name(&name) {
                Ok((number, slug)) => challenges.push(self.challenge(number, slug, rel)),
                Err(error) => self.problem(&rel, error.to_string()),
            }
        }
        challenges.sort_by_key(|c| c.number);
        self.check_unique(&challenges);
        challenges
    }

    /// The names of the folders in `dir`, sorted; files there are ignored.
    fn challenge_folders(&self, dir: &Path) -> Result<Vec<String>, String> {
        let path = self.root.join(dir);
        let missing = "this folder is missing; a track keeps its challenges in it";
        let metadata = fs::symlink_metadata(&path).map_err(|_| missing.to_owned())?;
        if !metadata.is_dir() {
            return Err("this must be a folder that holds the challenges".to_owned());
        }

        let unreadable = |error: io::Error| format!("this folder cannot be read: {error}");
        let mut names = Vec::new();
        for entry in fs::read_dir(&path).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Reads and checks one challenge folder.
    fn challenge(&mut self, number: u32, slug: String, dir: PathBuf) -> Challenge {
        let file = dir.join(ASSIGNMENT_FILE);
        let assignment = self
            .text(&file, "challenge")
            .and_then(|text| self.assignment(&text, &file));
        let scripts = Scripts {
            setup: self.script(dir.join("setup")),
            check: self.required_script(dir.join("check")),
            solve: self.required_script(dir.join("solve")),
            cleanup: self.script(dir.join("cleanup")),
        };
        let mut challenge = Challenge {
            number,
            slug,
            dir,
            title: String::new(),
            teaser: None,
            time_limit: None,
            hints: Vec::new(),
            assignment: String::new(),
            scripts,
        };

        // Without front matter every field would be reported missing: say nothing more.
        let Some((front, body)) = assignment else {
            return challenge;
        };
        let mut fields = self.fields(&file, " from the front matter");
        challenge.title = fields.line("`title`", front.title, MAX_TITLE_CHARS);
        challenge.teaser = fields.optional_line("`teaser`", front.teaser, MAX_TEASER_CHARS);
        challenge.time_limit = fields.duration("`time_limit`", front.time_limit);
        challenge.hints = hints(&mut fields, front.hints.unwrap_or_default());
        challenge.assignment = body;
        challenge
    }

    /// Splits `assignment.md` into its parsed front matter and its body, which must not be
    /// empty; `None` when the front matter cannot be found or parsed.
    fn assignment(&mut self, text: &str, file: &Path) -> Option<(RawFrontMatter, String)> {
        let (yaml, body) = match split_front_matter(text) {
            Ok(parts) => parts,
            Err(message) => {
                self.problem(file, message);
                return None;
            }
        };
        let body = body.trim_start_matches(['\r', '\n']).trim_end().to_owned();
        if body.is_empty() {
            let message = "there is no assignment after the front matter; write it in Markdown";
            self.problem(file, message);
        }
        let front = self.yaml(yaml, file, 1)?;
        Some((front, body))
    }

    /// Reports challenges that share a number or a slug; `challenges` is sorted by number.
    fn check_unique(&mut self, challenges: &[Challenge]) {
        for (i, challenge) in challenges.iter().enumerate() {
            let earlier = &challenges[..i];
            if let Some(first) = earlier.iter().find(|c| c.number == challenge.number) {
                let message = format!(
                    "its number {} is also used by {}; give each challenge its own number",
                    challenge.number,
                    first.dir.display()
                );
                self.problem(&challenge.dir, message);
            }
            if let Some(first) = earlier.iter().find(|c| c.slug == challenge.slug) {
                let message = format!(
                    "its slug {:?} is also used by {}; give each challenge its own slug",
                    challenge.slug,
                    first.dir.display()
                );
                self.problem(&challenge.dir, message);
            }
        }
    }

    /// Reports challenges whose time limit is longer than the track's.
    fn check_time_limits(&mut self, track: Option<Duration>, challenges: &[Challenge]) {
        let Some(track) = track else { return };
        for challenge in challenges {
            if let Some(limit) = challenge.time_limit
                && limit > track
            {
                let message = format!(
                    "`time_limit` {} is longer than the track's own, {}",
                    format_duration(limit),
                    format_duration(track)
                );
                self.problem(&challenge.dir.join(ASSIGNMENT_FILE), message);
            }
        }
    }

    /// Checks the script at `rel` if there is one: a regular file of at most
    /// [`MAX_SCRIPT_BYTES`] whose first line names its program after `#!`. Returns its path
    /// whenever it exists, with or without problems.
    fn script(&mut self, rel: PathBuf) -> Option<PathBuf> {
        let path = self.root.join(&rel);
        let metadata = match fs::symlink_metadata(&path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return None,
            Err(error) => {
                self.problem(&rel, format!("this script cannot be read: {error}"));
                return Some(rel);
            }
        };

        // The survey has reported symbolic links and special files already.
        if metadata.is_dir() {
            self.problem(&rel, "this is a folder, where a script was expected");
        } else if metadata.is_file() {
            if metadata.len() > MAX_SCRIPT_BYTES {
                self.problem(&rel, too_large("script", metadata.len(), MAX_SCRIPT_BYTES));
            } else if let Err(message) = check_interpreter_line(&path) {
                self.problem(&rel, message);
            }
        }
        Some(rel)
    }

    /// Like [`Reader::script`], for a script every challenge must have.
    fn required_script(&mut self, rel: PathBuf) -> PathBuf {
        if let Some(path) = self.script(rel.clone()) {
            return path;
        }
        self.problem(&rel, "this script is missing; every challenge needs one");
        rel
    }

    /// Reads a UTF-8 text file of at most [`MAX_TEXT_BYTES`] that every `owner` (a track or
    /// a challenge) must have.
    fn text(&mut self, rel: &Path, owner: &str) -> Option<String> {
        let path = self.root.join(rel);
        let metadata = match fs::symlink_metadata(&path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                self.problem(
                    rel,
                    format!("this file is missing; every {owner} needs one"),
                );
                return None;
            }
            Err(error) => {
                self.problem(rel, format!("this file cannot be read: {error}"));
                return None;
            }
        };
        if metadata.is_dir() {
            self.problem(rel, "this is a folder, where a file was expected");
            return None;
        }
        if !metadata.is_file() {
            // The survey has reported symbolic links and special files already.
            return None;
        }
        if metadata.len() > MAX_TEXT_BYTES {
            self.problem(rel, too_large("file", metadata.len(), MAX_TEXT_BYTES));
            return None;
        }

        let mut bytes = Vec::new();
        let read = fs::File::open(&path)
            .and_then(|file| file.take(MAX_TEXT_BYTES).read_to_end(&mut bytes));
        if let Err(error) = read {
            self.problem(rel, format!("this file cannot be read: {error}"));
            return None;
        }
        let text = String::from_utf8(bytes).ok();
        if text.is_none() {
            self.problem(rel, "this file is not UTF-8 text");
        }
        text
    }

    /// Parses YAML that starts after `line_offset` lines of `file`; when it does not read as
    /// a `T`, records a problem that gives the line.
    fn yaml<T: DeserializeOwned>(
        &mut self,
        yaml: &str,
        file: &Path,
        line_offset: u64,
    ) -> Option<T> {
        match serde_saphyr::from_str(yaml) {
            Ok(value) => Some(value),
            Err(error) => {
                let options = serde_saphyr::render_options! {
                    formatter: &serde_saphyr::UserMessageFormatter,
                    snippets: serde_saphyr::SnippetMode::Off,
                    line_offset: line_offset,
                };
                self.problem(file, error.render_with_options(options));
                None
            }
        }
    }
}

// track.yaml and assignment.md as written.
//
// Scalars are read as text and checked afterwards, so that each bad value gets a message that
// names its field, and one bad value does not hide the rest. Unknown fields are refused so
// that a misspelt one is not silently ignored.

/// What `track.yaml` says, checked. When it has problems, the fields that are not valid hold
/// placeholders and the caller discards the whole.
struct Manifest {
    slug: String,
    title: String,
    description: String,
    version: String,
    achievement: AchievementRef,
    time_limit: Option<Duration>,
    idle_timeout: Duration,
    skipping_allowed: bool,
    limits: Limits,
    network: Network,
}

/// `track.yaml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    slug: Option<String>,
    title: Option<String>,
    description: Option<String>,
    version: Option<String>,
    achievement: Option<RawAchievement>,
    time_limit: Option<String>,
    idle_timeout: Option<String>,
    skipping_allowed: Option<String>,
    sandbox: Option<RawSandbox>,
}

/// The `sandbox` mapping of `track.yaml` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSandbox {
    memory: Option<String>,
    processes: Option<String>,
    file_size: Option<String>,
    cpu_seconds: Option<String>,
    network: Option<String>,
}

/// The `achievement` of `track.yaml` as written: an id, or a mapping that describes one.
#[derive(Debug)]
enum RawAchievement {
    Existing(String),
    Inline(RawInlineAchievement),
}

/// An inline achievement as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInlineAchievement {
    name: Option<String>,
    description: Option<String>,
    criteria: Option<String>,
    skills: Option<Vec<RawSkill>>,
    tags: Option<Vec<String>>,
    points: Option<String>,
    valid_for_days: Option<String>,
}

/// A skill as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSkill {
    name: Option<String>,
    url: Option<String>,
    framework: Option<String>,
    code: Option<String>,
}

/// The front matter of `assignment.md` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrontMatter {
    title: Option<String>,
    teaser: Option<String>,
    time_limit: Option<String>,
    hints: Option<Vec<String>>,
}

impl<'de> Deserialize<'de> for RawAchievement {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawAchievementVisitor)
    }
}

/// Tells an achievement's id from a mapping that describes one.
struct RawAchievementVisitor;

impl<'de> Visitor<'de> for RawAchievementVisitor {
    type Value = RawAchievement;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an existing achievement's id, or a mapping with name, description, criteria")
    }

    fn visit_str<E: de::Error>(self, id: &str) -> Result<RawAchievement, E> {
        Ok(RawAchievement::Existing(id.to_owned()))
    }

    fn visit_u64<E: de::Error>(self, id: u64) -> Result<RawAchievement, E> {
        Ok(RawAchievement::Existing(id.to_string()))
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<RawAchievement, M::Error> {
        let mapping = de::value::MapAccessDeserializer::new(map);
        RawInlineAchievement::deserialize(mapping).map(RawAchievement::Inline)
    }
}

// Checking what was written.

/// Checks the track's `slug`.
fn slug(fields: &mut Fields<'_>, value: Option<String>) -> String {
    let Some(slug) = value else {
        fields.missing("`slug`");
        return String::new();
    };
    let slug = slug.trim().to_owned();
    if let Err(error) = check_slug(&slug) {
        fields.problem(format!("`slug` {error}"));
    }
    slug
}

/// Checks `version`: a short word such as `1.0.0` or `2024.1-beta`.
fn version(fields: &mut Fields<'_>, value: Option<String>) -> String {
    let Some(version) = value else {
        fields.missing("`version`");
        return String::new();
    };
    let version = version.trim().to_owned();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_');
    let ok = (1..=MAX_VERSION_CHARS).contains(&version.len()) && version.chars().all(allowed);
    if !ok {
        fields.problem(format!(
            "`version` {version:?} is not a version; use up to {MAX_VERSION_CHARS} letters, \
             digits and . - + _, like 1.0.0"
        ));
    }
    version
}

/// Checks `achievement`: an existing achievement's id, or an inline achievement.
fn achievement(fields: &mut Fields<'_>, value: Option<RawAchievement>) -> AchievementRef {
    match value {
        None => {
            fields.missing("`achievement`");
            AchievementRef::Existing(String::new())
        }
        Some(RawAchievement::Existing(id)) => {
            let id = id.trim().to_owned();
            if id.is_empty() || id.len() > MAX_NAME_CHARS || id.contains(char::is_whitespace) {
                fields.problem(format!(
                    "`achievement` {id:?} is not an achievement's id or slug; give one, or a \
                     mapping with name, description and criteria"
                ));
            }
            AchievementRef::Existing(id)
        }
        Some(RawAchievement::Inline(raw)) => AchievementRef::Inline(inline(fields, raw)),
    }
}

/// Checks an inline achievement.
fn inline(fields: &mut Fields<'_>, raw: RawInlineAchievement) -> InlineAchievement {
    let name = fields.line("`achievement.name`", raw.name, MAX_NAME_CHARS);
    let description = fields.markdown(
        "`achievement.description`",
        raw.description,
        MAX_ACHIEVEMENT_DESCRIPTION_CHARS,
    );
    let criteria = fields.markdown("`achievement.criteria`", raw.criteria, MAX_CRITERIA_CHARS);

    let raw_skills = raw.skills.unwrap_or_default();
    if raw_skills.len() > MAX_SKILLS {
        fields.problem(format!(
            "`achievement.skills` has more than {MAX_SKILLS} skills"
        ));
    }
    let skills = raw_skills
        .into_iter()
        .enumerate()
        .map(|(i, raw)| skill(fields, i + 1, raw))
        .collect();

    let raw_tags = raw.tags.unwrap_or_default();
    if raw_tags.len() > MAX_TAGS {
        fields.problem(format!("`achievement.tags` has more than {MAX_TAGS} tags"));
    }
    let tags = raw_tags
        .into_iter()
        .enumerate()
        .map(|(i, tag)| {
            let label = format!("`achievement.tags` item {}", i + 1);
            fields.line(&label, Some(tag), MAX_TAG_CHARS)
        })
        .collect();

    let points = fields.number("`achievement.points`", raw.points, POINTS);
    let days = raw.valid_for_days;
    let valid_for_days = fields.number("`achievement.valid_for_days`", days, VALID_FOR_DAYS);
    InlineAchievement {
        name,
        description,
        criteria,
        skills,
        tags,
        // Both ranges fit in a u32.
        points: points.and_then(|p| u32::try_from(p).ok()).unwrap_or(0),
        valid_for_days: valid_for_days.and_then(|d| u32::try_from(d).ok()),
    }
}

/// Checks the `number`th skill of an inline achievement.
fn skill(fields: &mut Fields<'_>, number: usize, raw: RawSkill) -> Skill {
    let label = |field: &str| format!("`achievement.skills` item {number}'s `{field}`");
    let max = MAX_SKILL_FIELD_CHARS;
    let url = fields.optional_line(&label("url"), raw.url, max);
    if let Some(url) = &url
        && !is_web_url(url)
    {
        fields.problem(format!("{} must be an http or https URL", label("url")));
    }
    Skill {
        name: fields.line(&label("name"), raw.name, max),
        url,
        framework: fields.optional_line(&label("framework"), raw.framework, max),
        code: fields.optional_line(&label("code"), raw.code, max),
    }
}

/// Whether `text` looks like an absolute `http` or `https` URL with a host.
fn is_web_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !text.contains(char::is_whitespace)
    })
}

/// Checks `sandbox`; what it leaves out keeps its default.
fn sandbox(fields: &mut Fields<'_>, raw: RawSandbox) -> (Limits, Network) {
    let defaults = Limits::default();
    let limits = Limits {
        memory_mib: fields
            .size("`sandbox.memory`", raw.memory, MEMORY_MIB)
            .unwrap_or(defaults.memory_mib),
        processes: fields
            .number("`sandbox.processes`", raw.processes, PROCESSES)
            .unwrap_or(defaults.processes),
        file_size_mib: fields
            .size("`sandbox.file_size`", raw.file_size, FILE_SIZE_MIB)
            .unwrap_or(defaults.file_size_mib),
        cpu_seconds: fields
            .number("`sandbox.cpu_seconds`", raw.cpu_seconds, CPU_SECONDS)
            .unwrap_or(defaults.cpu_seconds),
        open_files: defaults.open_files,
    };
    (limits, network(fields, raw.network))
}

/// Checks `sandbox.network`: `none` (the default) or `loopback`.
fn network(fields: &mut Fields<'_>, value: Option<String>) -> Network {
    match value.as_deref().map(str::trim) {
        None | Some("none") => Network::None,
        Some("loopback") => Network::Loopback,
        Some(other) => {
            fields.problem(format!(
                "`sandbox.network` is {other:?}; it must be none or loopback"
            ));
            Network::None
        }
    }
}

/// Checks the hints of a challenge.
fn hints(fields: &mut Fields<'_>, raw: Vec<String>) -> Vec<String> {
    if raw.len() > MAX_HINTS {
        fields.problem(format!("`hints` has more than {MAX_HINTS} hints"));
    }
    raw.into_iter()
        .enumerate()
        .map(|(i, hint)| {
            let label = format!("`hints` item {}", i + 1);
            fields.markdown(&label, Some(hint), MAX_HINT_CHARS)
        })
        .collect()
}

/// Checks the fields of one file, recording each problem against that file. Each check
/// returns what it could read; the caller discards the whole when there are problems.
struct Fields<'a> {
    file: &'a Path,
    problems: &'a mut Vec<Problem>,
    /// Ends the message for a missing field: where it was looked for.
    missing_from: &'static str,
}

impl Fields<'_> {
    fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(Problem {
            file: Some(self.file.to_owned()),
            message: message.into(),
        });
    }

    fn missing(&mut self, label: &str) {
        let message = format!("{label} is missing{}", self.missing_from);
        self.problem(message);
    }

    /// A required line of text: not empty, no control characters, at most `max`
    /// characters, trimmed.
    fn line(&mut self, label: &str, value: Option<String>, max: usize) -> String {
        if value.is_none() {
            self.missing(label);
        }
        self.optional_line(label, value, max).unwrap_or_default()
    }

    /// An optional line of text, checked like [`Fields::line`] when it is given.
    fn optional_line(&mut self, label: &str, value: Option<String>, max: usize) -> Option<String> {
        let value = value?.trim().to_owned();
        if value.is_empty() {
            self.problem(format!("{label} is empty"));
        } else if value.chars().any(char::is_control) {
            self.problem(format!("{label} must be a single line"));
        } else if value.chars().count() > max {
            self.problem(format!("{label} is longer than {max} characters"));
        }
        Some(value)
    }

    /// Required Markdown: not empty, at most `max` characters, trimmed.
    fn markdown(&mut self, label: &str, value: Option<String>, max: usize) -> String {
        let Some(value) = value else {
            self.missing(label);
            return String::new();
        };
        let value = value.trim().to_owned();
        if value.is_empty() {
            self.problem(format!("{label} is empty"));
        } else if value.chars().count() > max {
            self.problem(format!("{label} is longer than {max} characters"));
        }
        value
    }

    /// An optional duration within [`DURATIONS`].
    fn duration(&mut self, label: &str, value: Option<String>) -> Option<Duration> {
        let text = value?;
        let (low, high) = (*DURATIONS.start(), *DURATIONS.end());
        match parse_duration(&text) {
            Ok(duration) if DURATIONS.contains(&duration) => Some(duration),
            Ok(_) => {
                self.problem(format!(
                    "{label} is {}; it must be from {} to {}",
                    text.trim(),
                    format_duration(low),
                    format_duration(high)
                ));
                None
            }
            Err(error) => {
                self.problem(format!("{label} {error}"));
                None
            }
        }
    }

    /// An optional whole number within `range`.
    fn number(
        &mut self,
        label: &str,
        value: Option<String>,
        range: RangeInclusive<u64>,
    ) -> Option<u64> {
        let text = value?;
        let text = text.trim();
        match text.parse::<u64>() {
            Ok(number) if range.contains(&number) => Some(number),
            _ => {
                let (low, high) = (range.start(), range.end());
                self.problem(format!(
                    "{label} is {text:?}; it must be a whole number from {low} to {high}"
                ));
                None
            }
        }
    }

    /// An optional size, in MiB, within `range`.
    fn size(
        &mut self,
        label: &str,
        value: Option<String>,
        range: RangeInclusive<u64>,
    ) -> Option<u64> {
        let text = value?;
        match parse_size_mib(&text) {
            Ok(mib) if range.contains(&mib) => Some(mib),
            Ok(_) => {
                self.problem(format!(
                    "{label} is {}; it must be from {} to {}",
                    text.trim(),
                    format_mib(*range.start()),
                    format_mib(*range.end())
                ));
                None
            }
            Err(error) => {
                self.problem(format!("{label} {error}"));
                None
            }
        }
    }

    /// An optional `true` or `false`; false when absent.
    fn flag(&mut self, label: &str, value: Option<String>) -> bool {
        match value.as_deref().map(str::trim) {
            None | Some("false" | "False" | "FALSE") => false,
            Some("true" | "True" | "TRUE") => true,
            Some(other) => {
                self.problem(format!("{label} is {other:?}; it must be true or false"));
                false
            }
        }
    }
}

// Small helpers.

/// How many ASCII digits `text` starts with.
fn leading_digits(text: &str) -> usize {
    text.bytes().take_while(u8::is_ascii_digit).count()
}

/// Says that a file (or a script) is larger than it may be.
fn too_large(what: &str, bytes: u64, max: u64) -> String {
    let (bytes, max) = (format_bytes(bytes), format_bytes(max));
    format!("this {what} is {bytes}, more than the {max} allowed")
}

/// Writes a duration the way authors write them, such as `1h30m`.
pub fn format_duration(duration: Duration) -> String {
    let total = duration.as_secs();
    let parts = [
        (total / 3600, 'h'),
        (total / 60 % 60, 'm'),
        (total % 60, 's'),
    ];
    let text: String = parts
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, unit)| format!("{count}{unit}"))
        .collect();
    if text.is_empty() {
        "0s".to_owned()
    } else {
        text
    }
}

/// Writes a size in MiB the way authors write them, such as `512M` or `8G`.
fn format_mib(mib: u64) -> String {
    if mib >= 1024 && mib.is_multiple_of(1024) {
        format!("{}G", mib / 1024)
    } else {
        format!("{mib}M")
    }
}

/// Writes a byte count for a person, such as `256 KiB` or `1.5 MiB`.
fn format_bytes(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes < KIB {
        return format!("{bytes} bytes");
    }
    if bytes < MIB {
        return format!("{} KiB", bytes / KIB);
    }
    let tenths = bytes * 10 / MIB;
    if tenths.is_multiple_of(10) {
        format!("{} MiB", tenths / 10)
    } else {
        format!("{}.{} MiB", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_hours_minutes_and_seconds() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("45m"), Ok(Duration::from_secs(45 * 60)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1h0m30s"), Ok(Duration::from_secs(3630)));
        assert_eq!(parse_duration(" 90m "), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn durations_without_units_or_out_of_order_are_refused() {
        for text in [
            "", "90", "m", "1.5h", "30m1h", "1h1h", "1 h", "-5m", "5d", "1h30", "h30m",
        ] {
            let error = parse_duration(text).expect_err(text);
            assert!(
                error.to_string().contains("is not a duration"),
                "{text}: {error}"
            );
        }
        assert!(parse_duration("99999999999999999999h").is_err());
        assert!(
            parse_duration("9999999999999999h").is_err(),
            "overflow must not wrap"
        );
    }

    #[test]
    fn sizes_read_mebibytes_and_gibibytes() {
        assert_eq!(parse_size_mib("512M"), Ok(512));
        assert_eq!(parse_size_mib("1G"), Ok(1024));
        assert_eq!(parse_size_mib("2GiB"), Ok(2048));
        assert_eq!(parse_size_mib("256Mi"), Ok(256));
        assert_eq!(parse_size_mib("64MB"), Ok(64));
        for text in [
            "512",
            "1.5G",
            "1T",
            "512K",
            "M",
            "",
            "1 G",
            "-1G",
            "99999999999999999999G",
        ] {
            let error = parse_size_mib(text).expect_err(text);
            assert!(
                error.to_string().contains("is not a size"),
                "{text}: {error}"
            );
        }
    }

    #[test]
    fn slugs_are_lowercase_letters_digits_and_inner_hyphens() {
        for good in ["a", "linux-basics", "git2", "0-to-1", &"x".repeat(64)] {
            assert_eq!(check_slug(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "Linux",
            "linux_basics",
            "-a",
            "a-",
            "ä",
            "a b",
            &"x".repeat(65),
        ] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn challenge_folder_names_are_a_number_and_a_slug() {
        assert_eq!(parse_folder_name("01-intro"), Ok((1, "intro".to_owned())));
        assert_eq!(parse_folder_name("120-a-b"), Ok((120, "a-b".to_owned())));
        for bad in [
            "1-intro", "intro", "01", "01-", "01-Intro", "ab-intro", "0x-intro",
        ] {
            assert!(parse_folder_name(bad).is_err(), "{bad}");
        }
        let error = parse_folder_name("99999999999-x").unwrap_err();
        assert!(error.to_string().contains("too large"), "{error}");
    }

    #[test]
    fn front_matter_is_split_from_the_body() {
        let (yaml, body) = split_front_matter("---\ntitle: A\n---\n\nBody\n").unwrap();
        assert_eq!((yaml, body), ("title: A\n", "\nBody\n"));
        let (yaml, body) = split_front_matter("\u{feff}---\r\ntitle: A\r\n---\r\nB").unwrap();
        assert_eq!((yaml, body), ("title: A\r\n", "B"));
        assert!(
            split_front_matter("# Title\n")
                .unwrap_err()
                .contains("must start")
        );
        assert!(
            split_front_matter("---\ntitle: A\n")
                .unwrap_err()
                .contains("closing")
        );
    }

    #[test]
    fn durations_and_sizes_are_written_back_the_way_authors_write_them() {
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_secs(86_400)), "24h");
        assert_eq!(format_duration(Duration::from_secs(61)), "1m1s");
        assert_eq!(format_mib(8192), "8G");
        assert_eq!(format_mib(1536), "1536M");
        assert_eq!(format_bytes(1536 * 1024), "1.5 MiB");
        assert_eq!(format_bytes(300 * 1024), "300 KiB");
    }

    #[test]
    fn problems_are_listed_one_a_line() {
        let error = TrackError::Invalid(vec![
            Problem {
                file: Some(PathBuf::from("track.yaml")),
                message: "`title` is missing".to_owned(),
            },
            Problem {
                file: None,
                message: "the track holds too much".to_owned(),
            },
        ]);
        let expected = "the track has 2 problems:\n  \
                        track.yaml: `title` is missing\n  \
                        the track holds too much";
        assert_eq!(error.to_string(), expected);
    }
}
