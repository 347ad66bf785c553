//! `rosette demo`: the real server on embedded SQLite, with a seeded organization to sign in
//! to, in one command.
//!
//! The first start seeds Northwind Academy ([`crate::demo`]) into a new data folder and
//! marks the folder as the demo's with [`MARKER`]; later starts reuse it and print a new
//! owner password, since no password is stored in a form that could be printed again.
//! `--fresh` wipes the folder first, but only a folder that carries the marker: the demo
//! never deletes or seeds into a folder it did not make. Each start also writes the offline
//! tour of the credential core into `DIR/tour/`, and the lab tracks Rosette ships into
//! `DIR/tracks/`.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use serde::{Deserialize, Serialize};

use super::tour;
use crate::config::{LogFormat, ServeFlags, Settings};
use crate::demo::{self, Access};
use crate::http::AppState;

/// The lab tracks of the repository's `tracks/` folder, compiled in by `build.rs`.
mod shipped {
    include!(concat!(env!("OUT_DIR"), "/tracks.rs"));
}

/// The file that marks a folder as a Rosette demo folder.
pub const MARKER: &str = "rosette-demo.json";

/// Arguments of `rosette demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The demo's data folder: its SQLite database, master key, outbox and tour files.
    #[arg(long, default_value = "rosette-demo")]
    data_dir: PathBuf,
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The URL people and verifiers reach the demo at (default http:// and the bound
    /// address). Credentials name it, so keep it the same from one start to the next.
    #[arg(long)]
    public_url: Option<String>,
    /// Wipe the demo folder first and seed a new organization (only a folder the demo made).
    #[arg(long)]
    fresh: bool,
}

/// What the marker file says (nothing secret).
#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    /// Always 1: what makes the file the demo's.
    rosette_demo: u32,
    /// The public URL the credentials were signed for.
    public_url: String,
    /// Whether seeding finished; a start interrupted while seeding leaves `false`.
    seeded: bool,
}

/// What is in the data folder before the demo starts.
#[derive(Debug)]
enum Folder {
    /// Nothing yet: a missing or empty folder.
    New,
    /// A demo folder, with its marker.
    Demo(Marker),
}

impl DemoArgs {
    /// Starts the demo and serves until Ctrl-C or SIGTERM.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let folder = inspect(&self.data_dir, self.fresh)?;
        super::serve::runtime()?.block_on(self.start(folder))?;
        Ok(ExitCode::SUCCESS)
    }

    async fn start(self, folder: Folder) -> anyhow::Result<()> {
        // Bind first, so that a busy port fails before anything is written or wiped, and so
        // that port 0 becomes a real port before the credentials name it.
        let listener = bind(self.listen).await?;
        let settings = self.settings(listener.local_addr()?)?;
        let dir = settings.data_dir.clone();
        let folder = match folder {
            Folder::Demo(marker) if self.fresh || !marker.seeded => {
                if !self.fresh {
                    println!("The last start stopped while seeding the demo; starting afresh.");
                }
                wipe(&dir)?;
                Folder::New
            }
            other => other,
        };
        if matches!(folder, Folder::New) {
            write_marker(&dir, &settings.public_url, false)?;
        }

        let state = crate::server::prepare(settings).await?;
        let started = Instant::now();
        let welcome = match folder {
            Folder::Demo(marker) => match demo::reopen(&state).await? {
                Some(access) => Welcome::reused(access, &marker, &state),
                None => seed(&state, started).await?,
            },
            Folder::New => seed(&state, started).await?,
        };
        let tour = tour::run(&dir.join("tour"))?;
        anyhow::ensure!(
            tour.passed,
            "the offline tour found a problem; see {}",
            tour.dir.join("report.txt").display()
        );
        let tracks = write_tracks(&dir.join("tracks"))?;
        import_tracks(&state, &welcome.access.org.id, &tracks).await?;
        print!("{}", welcome.render(&state, &dir, &tracks));

        // Logs start after the welcome, so the seeding's hundred lines do not bury it.
        crate::telemetry::init(LogFormat::Text);
        crate::lab::session::end_orphans(&state).await?;
        crate::jobs::spawn_worker(state.clone());
        crate::lab::session::spawn_reaper(state.clone());
        crate::http::serve(listener, state).await
    }

    /// The demo's settings: always SQLite in the data folder, its own master key and the
    /// outbox, whatever the environment says, so the demo never touches a real deployment.
    fn settings(&self, bound: SocketAddr) -> anyhow::Result<Settings> {
        let flags = ServeFlags {
            data_dir: Some(self.data_dir.clone()),
            listen: Some(bound),
            public_url: self.public_url.clone(),
            log_format: Some(LogFormat::Text),
        };
        let mut settings = Settings::load(&flags)?;
        settings.database_url = None;
        settings.master_key = None;
        settings.smtp = None;
        Ok(settings)
    }
}

/// Seeds the demo and marks the folder as seeded.
async fn seed(state: &AppState, started: Instant) -> anyhow::Result<Welcome> {
    let seeded = demo::seed(state).await?;
    write_marker(&state.settings().data_dir, state.public_url(), true)?;
    let summary = format!(
        "seeded in {:.1} s: {} achievements, {} awards to {} learners, one revoked",
        started.elapsed().as_secs_f64(),
        seeded.achievements.len(),
        seeded.awards.len(),
        seeded.learner_count(),
    );
    Ok(Welcome {
        access: seeded.access,
        summary,
        note: None,
    })
}

/// Looks at the data folder, refusing one that is neither new, empty nor the demo's.
fn inspect(dir: &Path, fresh: bool) -> anyhow::Result<Folder> {
    if !dir.exists() {
        return Ok(Folder::New);
    }
    anyhow::ensure!(dir.is_dir(), "{} is not a folder", dir.display());
    if let Some(marker) = read_marker(dir)? {
        return Ok(Folder::Demo(marker));
    }
    let mut entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    if entries.next().is_none() {
        return Ok(Folder::New);
    }
    let what = if fresh {
        "--fresh wipes only a folder the demo made"
    } else {
        "the demo starts only in a new or empty folder, or one it made"
    };
    anyhow::bail!(
        "{} is not a Rosette demo folder (it has files but no {MARKER}); {what}. \
         Choose another folder with --data-dir",
        dir.display()
    )
}

/// The marker, when the folder has a valid one.
fn read_marker(dir: &Path) -> anyhow::Result<Option<Marker>> {
    let path = dir.join(MARKER);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(serde_json::from_slice::<Marker>(&text)
        .ok()
        .filter(|m| m.rosette_demo == 1))
}

fn write_marker(dir: &Path, public_url: &str, seeded: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let marker = Marker {
        rosette_demo: 1,
        public_url: public_url.to_owned(),
        seeded,
    };
    let path = dir.join(MARKER);
    std::fs::write(&path, serde_json::to_string_pretty(&marker)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Whether this server can run lab sessions, or why not.
fn labs_here(state: &AppState) -> Result<(), labs::sandbox::SandboxError> {
    labs::sandbox::linux::Namespaces::detect()?;
    labs::sandbox::linux::reachable(&state.settings().data_dir.join("labs").join("sessions"))
}

/// Writes the shipped lab tracks into `dir`, replacing what an earlier start wrote, and
/// returns each track's folder.
fn write_tracks(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    use std::os::unix::fs::PermissionsExt;
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("cannot replace {}", dir.display()))?;
    }
    let mut tracks = Vec::new();
    for (relative, bytes) in shipped::TRACK_FILES {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        if !relative.ends_with(".md") && !relative.ends_with(".yaml") {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        }
        let track = relative.split('/').next().map(|slug| dir.join(slug));
        if let Some(track) = track.filter(|t| !tracks.contains(t)) {
            tracks.push(track);
        }
    }
    Ok(tracks)
}

/// Imports the shipped tracks into the demo organization (a start that reuses the folder
/// finds them unchanged).
async fn import_tracks(state: &AppState, org_id: &str, tracks: &[PathBuf]) -> anyhow::Result<()> {
    for dir in tracks {
        let track = labs::track::Track::load(dir)
            .map_err(|e| anyhow::anyhow!("a shipped track is invalid: {e}"))?;
        crate::lab::import(state.db(), org_id, &track, None)
            .await
            .with_context(|| format!("cannot import {}", dir.display()))?;
    }
    Ok(())
}

/// Deletes a demo folder (its marker was checked by [`inspect`]).
fn wipe(dir: &Path) -> anyhow::Result<()> {
    std::fs::remove_dir_all(dir).with_context(|| format!("cannot wipe {}", dir.display()))
}

async fn bind(address: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
                "cannot listen on {address}: port {} is already in use; choose another with \
                 --listen 127.0.0.1:PORT (port 0 picks a free one)",
                address.port()
            ),
            _ => anyhow::anyhow!("cannot listen on {address} ({e}); choose another with --listen"),
        })
}

/// What the demo prints once it is ready.
struct Welcome {
    access: Access,
    /// What happened to the folder: seeded (with counts) or reused.
    summary: String,
    /// A warning worth reading, if there is one.
    note: Option<String>,
}

impl Welcome {
    fn reused(access: Access, marker: &Marker, state: &AppState) -> Self {
        let note = (marker.public_url != state.public_url()).then(|| {
            format!(
                "Note: the credentials were signed for {}, where verifiers look for their \
                 issuer;\n      start with --listen or --public-url to match, or --fresh to \
                 seed again.\n",
                marker.public_url
            )
        });
        Self {
            access,
            summary: format!(
                "reusing {} (--fresh starts over)",
                state.settings().data_dir.display()
            ),
            note,
        }
    }

    /// The whole welcome, laid out for a terminal.
    fn render(&self, state: &AppState, dir: &Path, tracks: &[PathBuf]) -> String {
        let url = state.public_url();
        let access = &self.access;
        let credential = crate::award::credential::public_id(url, &access.showcase.id);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nRosette demo: {}, {}.\n",
            access.org.name, self.summary
        );
        let _ = writeln!(out, "  Rosette is running at {url}\n");
        let _ = writeln!(out, "  Sign in      {url}/login");
        let _ = writeln!(out, "    email      {}", access.owner_email);
        let _ = writeln!(
            out,
            "    password   {}   (a new one on every start)",
            access.owner_password
        );
        let token = match &access.api_token {
            Some(token) => {
                let _ = writeln!(out, "  API token    {token}   (shown only this once)");
                token.as_str()
            }
            None => {
                let _ = writeln!(
                    out,
                    "  API token    printed at the first start; make another with\n    \
                     rosette tokens create --org {} --role admin --data-dir {}",
                    access.org.slug,
                    dir.display()
                );
                "$ROSETTE_TOKEN"
            }
        };
        let name = access
            .showcase
            .recipient_name
            .as_deref()
            .unwrap_or("a learner");
        let _ = writeln!(out, "\n  A credential, awarded to {name}");
        let _ = writeln!(out, "    page       {credential}");
        let _ = writeln!(out, "    JSON       {credential}.json");
        let _ = writeln!(out, "    baked SVG  {credential}.svg");
        let ob2 = credential.replace("/credentials/", "/ob2/assertions/");
        let _ = writeln!(out, "    OB 2.0     {ob2}");
        let _ = writeln!(out, "\n  Also");
        let _ = writeln!(
            out,
            "    verify     {url}/verify   (drop a badge file, paste, or a URL)"
        );
        let _ = writeln!(
            out,
            "    API docs   {url}/api/docs   (OpenAPI: {url}/api/openapi.json)"
        );
        let _ = writeln!(out, "\n  Try");
        let _ = writeln!(
            out,
            "    curl -H \"Authorization: Bearer {token}\" {url}/api/v1/issuers"
        );
        let _ = writeln!(
            out,
            "    rosette verify --online --allow-http-loopback {credential}.json"
        );
        if !tracks.is_empty() {
            let _ = writeln!(
                out,
                "\n  Hands-on labs: {} tracks at {url}/manage/labs",
                tracks.len()
            );
            match labs_here(state) {
                Ok(()) => {
                    let _ = writeln!(
                        out,
                        "    open one and press Try this track: a terminal in a sandbox, the \
                         assignment beside it,\n    Check until the badge is yours"
                    );
                }
                Err(why) => {
                    let _ = writeln!(out, "    sessions cannot run here: {why}");
                }
            }
            let _ = writeln!(
                out,
                "    written to {}; test one in real sandboxes (as root) with",
                dir.join("tracks").display()
            );
            for track in tracks {
                let _ = writeln!(out, "    rosette labs test {}", track.display());
            }
        }
        self.footer(&mut out, dir);
        out
    }

    fn footer(&self, out: &mut String, dir: &Path) {
        let tour = dir.join("tour");
        let _ = writeln!(
            out,
            "\n  Offline tour: a did:key badge signed as JSON-LD and VC-JWT, baked into PNG and \
             SVG,\n  each form verified and a forged copy caught; the files are in {}",
            tour.display()
        );
        let _ = writeln!(
            out,
            "  Learners' emails go to {}. Ctrl-C stops the server.\n",
            dir.join("outbox").display()
        );
        if let Some(note) = &self.note {
            out.push_str(note);
        }
    }
}
