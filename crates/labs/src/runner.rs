//! Testing a track the way `rosette labs test` does: in one real sandbox, the track's setup,
//! then for each challenge in order its setup, its check (which must fail: a check that
//! passes before the work is done checks nothing), its solve, its check again (which must
//! pass now), and its cleanup; then the track's cleanup.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::sandbox::{
    As, Ending, Exec, Outcome, Sandbox, SandboxError, Sandboxes, Spec, TRACK_DIR,
};
use crate::track::{Challenge, Track};

/// The longest one script may run while a track is tested.
pub const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

/// What a step had to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Exit with status 0.
    Success,
    /// Exit with another status (a check before the solution).
    Failure,
}

/// One script run and what came of it.
#[derive(Debug, Clone)]
pub struct Step {
    /// What the step was: `setup`, `check before solve`, `solve`, …
    pub name: &'static str,
    /// The script, relative to the track's folder.
    pub script: PathBuf,
    /// What it had to do.
    pub expect: Expect,
    /// What it did.
    pub outcome: Outcome,
}

impl Step {
    /// Whether it did what it had to.
    pub fn passed(&self) -> bool {
        match self.expect {
            Expect::Success => self.outcome.succeeded(),
            Expect::Failure => matches!(self.outcome.ending, Ending::Exited(code) if code != 0),
        }
    }

    /// Why it did not, in a sentence.
    pub fn problem(&self) -> Option<String> {
        if self.passed() {
            return None;
        }
        let ending = match &self.outcome.ending {
            Ending::Exited(code) => format!("exited with status {code}"),
            Ending::Signalled(signal) => format!("was killed by signal {signal}"),
            Ending::TimedOut => format!("ran past {} s and was killed", SCRIPT_TIMEOUT.as_secs()),
        };
        Some(match (self.expect, self.name) {
            (Expect::Failure, _) if self.outcome.succeeded() => {
                "the check passes before the challenge is solved, so it checks nothing".to_owned()
            }
            (Expect::Failure, _) => format!("the check {ending} instead of reporting a failure"),
            (Expect::Success, "check after solve") => {
                format!("the check still fails after solve ({ending})")
            }
            (Expect::Success, "check again") => {
                format!("the check passed once after solve, then failed when run again ({ending})")
            }
            (Expect::Success, name) => format!("{name} {ending}"),
        })
    }

    /// The lines a check printed for the learner (`FAIL: …`), without the prefix.
    pub fn fail_lines(&self) -> Vec<&str> {
        fail_lines(&self.outcome.output)
    }
}

/// The lines a check printed for the learner (`FAIL: …`), without the prefix.
pub fn fail_lines(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("FAIL:"))
        .map(str::trim)
        .collect()
}

/// The steps of one part of the track: the track's own setup and cleanup, or a challenge.
#[derive(Debug, Clone)]
pub struct Part {
    /// `track` for the track's own scripts, else the challenge's folder name.
    pub name: String,
    /// The challenge's title, or the track's.
    pub title: String,
    /// The steps run, in order; a part stops at its first failed step.
    pub steps: Vec<Step>,
}

impl Part {
    /// Whether every step did what it had to.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(Step::passed)
    }
}

/// The result of testing a track.
#[derive(Debug, Clone)]
pub struct Report {
    /// The track's slug and version.
    pub track: String,
    /// Each part, in the order run.
    pub parts: Vec<Part>,
}

impl Report {
    /// Whether the whole track passed.
    pub fn passed(&self) -> bool {
        self.parts.iter().all(Part::passed)
    }

    /// The report for a person: one line per part, and what went wrong.
    pub fn to_text(&self) -> String {
        let mut text = format!("Testing {}\n", self.track);
        for part in &self.parts {
            let mark = if part.passed() { "ok  " } else { "FAIL" };
            let seconds: f64 = part
                .steps
                .iter()
                .map(|s| s.outcome.duration.as_secs_f64())
                .sum();
            let names: Vec<&str> = part.steps.iter().map(|s| s.name).collect();
            text.push_str(&format!(
                "{mark} {} ({}): {} [{seconds:.1} s]\n",
                part.name,
                part.title,
                names.join(", ")
            ));
            for step in &part.steps {
                if let Some(problem) = step.problem() {
                    text.push_str(&format!("     {}: {problem}\n", step.script.display()));
                    for line in step.outcome.output.lines().take(20) {
                        text.push_str(&format!("     | {line}\n"));
                    }
                } else if step.expect == Expect::Failure {
                    for line in step.fail_lines() {
                        text.push_str(&format!("     before solve: FAIL: {line}\n"));
                    }
                }
            }
        }
        let passed = self.parts.iter().filter(|p| p.passed()).count();
        let verdict = if self.passed() { "passed" } else { "FAILED" };
        text.push_str(&format!(
            "{verdict}: {passed} of {} parts\n",
            self.parts.len()
        ));
        text
    }
}

/// Tests `track` in a sandbox from `sandboxes`, keeping its state under `work_dir` (removed
/// at the end).
pub async fn test_track(
    track: &Track,
    sandboxes: &dyn Sandboxes,
    work_dir: &Path,
) -> Result<Report, SandboxError> {
    let spec = Spec {
        state_dir: work_dir.to_path_buf(),
        track_dir: track.root.clone(),
        limits: track.limits,
        network: track.network,
        hostname: hostname(&track.slug),
    };
    let sandbox = sandboxes.create(&spec).await?;
    let result = run_parts(track, sandbox.as_ref()).await;
    sandbox.destroy().await?;
    let _ = std::fs::remove_dir_all(work_dir);
    Ok(Report {
        track: format!("{} {}", track.slug, track.version),
        parts: result?,
    })
}

async fn run_parts(track: &Track, sandbox: &dyn Sandbox) -> Result<Vec<Part>, SandboxError> {
    let mut parts = Vec::new();
    let mut whole = Part {
        name: "track".into(),
        title: track.title.clone(),
        steps: Vec::new(),
    };
    if let Some(setup) = &track.setup {
        let step = run(sandbox, "setup", setup, As::Root, Expect::Success, None).await?;
        let failed = !step.passed();
        whole.steps.push(step);
        if failed {
            parts.push(whole);
            return Ok(parts);
        }
    }
    for challenge in &track.challenges {
        parts.push(run_challenge(sandbox, challenge).await?);
    }
    if let Some(cleanup) = &track.cleanup {
        let step = run(sandbox, "cleanup", cleanup, As::Root, Expect::Success, None).await?;
        whole.steps.push(step);
    }
    if !whole.steps.is_empty() {
        parts.insert(0, whole);
    }
    Ok(parts)
}

async fn run_challenge(sandbox: &dyn Sandbox, challenge: &Challenge) -> Result<Part, SandboxError> {
    let scripts = &challenge.scripts;
    let slug = Some(challenge.slug.as_str());
    let mut plan: Vec<(&'static str, &Path, As, Expect)> = Vec::new();
    if let Some(setup) = &scripts.setup {
        plan.push(("setup", setup, As::Root, Expect::Success));
    }
    plan.push((
        "check before solve",
        &scripts.check,
        As::Root,
        Expect::Failure,
    ));
    plan.push(("solve", &scripts.solve, As::Learner, Expect::Success));
    plan.push((
        "check after solve",
        &scripts.check,
        As::Root,
        Expect::Success,
    ));
    // A check that changes what it checks (a root-owned file left in the learner's home, a
    // lock taken) would pass once and fail the learner later.
    plan.push(("check again", &scripts.check, As::Root, Expect::Success));
    if let Some(cleanup) = &scripts.cleanup {
        plan.push(("cleanup", cleanup, As::Root, Expect::Success));
    }
    let mut part = Part {
        name: challenge.dir.file_name().map_or_else(
            || challenge.slug.clone(),
            |n| n.to_string_lossy().into_owned(),
        ),
        title: challenge.title.clone(),
        steps: Vec::new(),
    };
    for (name, script, user, expect) in plan {
        let step = run(sandbox, name, script, user, expect, slug).await?;
        let failed = !step.passed();
        part.steps.push(step);
        if failed {
            break;
        }
    }
    Ok(part)
}

async fn run(
    sandbox: &dyn Sandbox,
    name: &'static str,
    script: &Path,
    user: As,
    expect: Expect,
    challenge: Option<&str>,
) -> Result<Step, SandboxError> {
    let outcome = run_script(sandbox, script, user, challenge).await?;
    Ok(Step {
        name,
        script: script.to_path_buf(),
        expect,
        outcome,
    })
}

/// Runs the track script `script` (relative to the track's folder) as `user`, for the
/// challenge `challenge` if it is one's. The learner cannot read the track's folder, so for
/// the learner the sandbox's root copies the script where the learner can run it, for this
/// run only, and removes it afterwards.
pub async fn run_script(
    sandbox: &dyn Sandbox,
    script: &Path,
    user: As,
    challenge: Option<&str>,
) -> Result<Outcome, SandboxError> {
    let inside = Path::new(TRACK_DIR).join(script).display().to_string();
    sandbox.exec(&script_exec(&inside, user, challenge)).await
}

fn script_exec(inside: &str, user: As, challenge: Option<&str>) -> Exec {
    let mut exec = match user {
        As::Root => Exec::new(As::Root, &[inside]),
        As::Learner => {
            let script = format!(
                "copy=$(mktemp /tmp/.rosette-script.XXXXXX) && cp '{inside}' \"$copy\" && \
                 chown 1000:1000 \"$copy\" && chmod 0500 \"$copy\" && \
                 setpriv --reuid=1000 --regid=1000 --init-groups -- env HOME=/home/learner \
                 USER=learner LOGNAME=learner \"$copy\"; status=$?; rm -f \"$copy\"; \
                 exit $status"
            );
            Exec::new(As::Root, &["/bin/sh", "-c", &script])
        }
    };
    exec = exec
        .timeout(SCRIPT_TIMEOUT)
        .env("ROSETTE_TRACK_DIR", TRACK_DIR);
    if let Some(challenge) = challenge {
        exec = exec.env("ROSETTE_CHALLENGE", challenge);
    }
    exec
}

/// A hostname from a track's slug: at most 63 characters of letters, digits and hyphens.
fn hostname(slug: &str) -> String {
    let name: String = slug
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(63)
        .collect();
    let name = name.trim_matches('-');
    if name.is_empty() {
        "lab".into()
    } else {
        name.to_owned()
    }
}
