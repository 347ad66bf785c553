//! Sandboxes: where a lab session's shell and its challenge scripts run.
//!
//! A [`Sandbox`] is one isolated machine for one session: its own process tree, network,
//! hostname and mounts, a writable home for the learner that lasts as long as the session, a
//! private `/tmp`, and read-only system folders. Commands run in it as one of two users
//! ([`As`]): the *learner*, without privileges, and the sandbox's *root*, which runs the
//! setup, check and cleanup scripts from a folder only it can read. Neither is a user of the
//! host.
//!
//! The [`Sandboxes`] trait makes sandboxes; [`linux::Namespaces`] is the implementation on
//! this machine's kernel (bubblewrap for the mounts). A pod per session on a cluster can
//! implement the same trait.

pub mod cgroup;
pub mod linux;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A boxed future, so that the traits stay usable as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where the learner's home is inside every sandbox, and the working folder of every command.
pub const HOME: &str = "/home/learner";
/// Where the track's files are inside a sandbox: readable by the sandbox's root only.
pub const TRACK_DIR: &str = "/opt/rosette/track";
/// The learner's user and group id inside a sandbox.
pub const LEARNER_UID: u32 = 1000;

/// How much a sandbox may use. Every process in it shares the memory and process limits;
/// CPU time and file size bound each process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Memory for the whole sandbox, in MiB.
    pub memory_mib: u64,
    /// Processes (and threads) at once.
    pub processes: u64,
    /// The largest file a process may write, in MiB.
    pub file_size_mib: u64,
    /// CPU seconds one process may use.
    pub cpu_seconds: u64,
    /// Open files per process.
    pub open_files: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_mib: 512,
            processes: 128,
            file_size_mib: 256,
            cpu_seconds: 600,
            open_files: 1024,
        }
    }
}

/// What a sandbox can reach over the network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// Nothing at all: no interface is up, not even loopback.
    #[default]
    None,
    /// Its own loopback interface only (servers the learner starts in the sandbox); never
    /// the host's.
    Loopback,
}

/// What a new sandbox looks like.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The folder on the host that holds the sandbox's state (the learner's home, the copy of
    /// the track); the caller creates it, empty, and removes it after [`Sandbox::destroy`].
    pub state_dir: PathBuf,
    /// The track's folder on the host, copied in for the sandbox's root to read.
    pub track_dir: PathBuf,
    /// Resource limits.
    pub limits: Limits,
    /// Network access.
    pub network: Network,
    /// The hostname inside.
    pub hostname: String,
}

/// Who a command runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum As {
    /// The learner: no privileges, cannot read the track's scripts.
    Learner,
    /// The sandbox's root: runs setup, check and cleanup.
    Root,
}

/// A command to run in a sandbox.
#[derive(Debug, Clone)]
pub struct Exec {
    /// The program and its arguments, as paths inside the sandbox.
    pub argv: Vec<String>,
    /// Who runs it.
    pub user: As,
    /// Extra environment variables (the sandbox sets `PATH`, `HOME`, `USER`, `LANG`, `TERM`).
    pub env: Vec<(String, String)>,
    /// Wall-clock time after which the command and everything it started are killed.
    pub timeout: Duration,
    /// At most this many bytes of its output are kept (the rest is counted, not stored).
    pub max_output: usize,
}

impl Exec {
    /// Runs `argv` as `user`, with a 60-second timeout and 64 KiB of output kept.
    pub fn new(user: As, argv: &[&str]) -> Self {
        Self {
            argv: argv.iter().map(|a| (*a).to_owned()).collect(),
            user,
            env: Vec::new(),
            timeout: Duration::from_secs(60),
            max_output: 64 * 1024,
        }
    }

    /// The same command with another timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same command with an extra environment variable.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// It exited with this status.
    Exited(i32),
    /// A signal killed it (a memory limit, for instance).
    Signalled(i32),
    /// It ran past its timeout and was killed, with everything it started.
    TimedOut,
}

/// What a command did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// How it ended.
    pub ending: Ending,
    /// Its standard output and standard error, interleaved, cut at [`Exec::max_output`].
    pub output: String,
    /// Whether output was cut.
    pub truncated: bool,
    /// How long it ran.
    pub duration: Duration,
}

impl Outcome {
    /// Whether it exited with status 0.
    pub fn succeeded(&self) -> bool {
        self.ending == Ending::Exited(0)
    }
}

/// Why a sandbox could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// Something the sandbox needs is not on this machine.
    #[error("{0}")]
    Unavailable(String),
    /// The sandbox could not be started or a command could not be run.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The sandbox has ended.
    #[error("the sandbox has ended")]
    Ended,
}

impl SandboxError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }
}

/// A terminal's window size, in character cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSize {
    /// Lines.
    pub rows: u16,
    /// Columns.
    pub cols: u16,
}

impl WindowSize {
    /// The size a terminal starts with when its client has not said.
    pub const DEFAULT: Self = Self { rows: 24, cols: 80 };

    /// A size from a client, kept within 1–500 in each direction.
    pub fn clamped(rows: u16, cols: u16) -> Self {
        Self {
            rows: rows.clamp(1, 500),
            cols: cols.clamp(1, 500),
        }
    }
}

/// The keyboard side of a [`Terminal`]: what is written reaches the shell as typed input.
pub trait TerminalInput: tokio::io::AsyncWrite + Send + Unpin {
    /// Tells the shell its window has a new size (the programs in it get `SIGWINCH`).
    fn resize(&self, size: WindowSize) -> std::io::Result<()>;
}

/// An interactive login shell in a sandbox, on a pseudo-terminal. Its output ends when the
/// shell and everything it left on the terminal have gone; dropping the input ends the shell.
pub struct Terminal {
    /// What the shell and its programs write to the terminal.
    pub output: Box<dyn tokio::io::AsyncRead + Send + Unpin>,
    /// Input and window size.
    pub input: Box<dyn TerminalInput>,
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Terminal(..)")
    }
}

/// One running sandbox.
pub trait Sandbox: Send + Sync {
    /// Runs a command to its end (or its timeout).
    fn exec<'a>(&'a self, exec: &'a Exec) -> BoxFuture<'a, Result<Outcome, SandboxError>>;

    /// Opens a login shell as `user` on a new terminal of `size`. It has no timeout of its
    /// own: it lasts until it exits, its input is dropped, or the sandbox ends.
    fn terminal(&self, user: As, size: WindowSize)
    -> BoxFuture<'_, Result<Terminal, SandboxError>>;

    /// Ends the sandbox: every process in it is killed and its limits are released. Its
    /// state folder stays for the caller to remove or keep.
    fn destroy(&self) -> BoxFuture<'_, Result<(), SandboxError>>;
}

/// A maker of sandboxes.
pub trait Sandboxes: Send + Sync {
    /// Starts a sandbox.
    fn create<'a>(
        &'a self,
        spec: &'a Spec,
    ) -> BoxFuture<'a, Result<Box<dyn Sandbox>, SandboxError>>;
}
