//! Sandboxes made of Linux namespaces, on this machine's kernel.
//!
//! A sandbox is a user namespace whose ids 0–65535 are the host's 100000–165535, so neither
//! of its users is a user of the host: its root is host id 100000 and the learner (1000)
//! is host id 101000. In it, bubblewrap builds the sandbox's mounts (read-only system
//! folders, the learner's home, a private `/tmp`, the track's files readable by the
//! sandbox's root only) and new process, network, IPC and hostname namespaces, and keeps a
//! process running as the sandbox's anchor. Every command then enters the anchor's
//! namespaces with `nsenter`, as the learner (no capabilities, `no_new_privs`) or as the
//! sandbox's root.
//!
//! Limits: a control group per sandbox caps memory and processes together where one is
//! writable ([`super::cgroup`]); per-process limits (`prlimit`: processes per user,
//! file size, CPU time, open files, and address space where no control group caps memory)
//! apply always; a command that outlives its timeout is killed with its whole process
//! group; ending the sandbox kills its process namespace, and so everything in it.
//!
//! Mapping a range of ids takes root, so the server must run as root to host labs (the
//! processes in the sandbox never are). Anchors die with the server (`--die-with-parent`),
//! so a server that stops, even killed, leaves no sandbox running.

use std::fs;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::unix::AsyncFd;
use tokio::process::{Child, Command};

use super::cgroup::Cgroup;
use super::{
    As, BoxFuture, Ending, Exec, HOME, LEARNER_UID, Limits, Network, Outcome, Sandbox,
    SandboxError, Sandboxes, Spec, TRACK_DIR, Terminal, TerminalInput, WindowSize,
};

/// The host id that the sandbox's root (id 0) is.
pub const ID_BASE: u32 = 100_000;
/// How many ids a sandbox's user namespace maps.
pub const ID_COUNT: u32 = 65_536;
/// How long starting a sandbox may take.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// The `PATH` inside.
const PATH: &str = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";

/// Joins the control group named by `ROSETTE_CGROUP_PROCS` (files separated by `:`), then
/// runs its arguments.
/// The program runs with an empty environment (the sandbox sets its own).
const JOIN_AND_RUN: &str = concat!(
    r#"IFS=:; for f in $ROSETTE_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; "#,
    r#"unset IFS; exec /usr/bin/env -i "$@""#
);
/// [`JOIN_AND_RUN`] for the anchor, which also gets the user namespace as descriptor 3 and
/// writes bubblewrap's report to descriptor 4.
const JOIN_AND_RUN_ANCHOR: &str = concat!(
    r#"exec 3<"$ROSETTE_USERNS" 4>"$ROSETTE_INFO" || exit 125; "#,
    r#"IFS=:; for f in $ROSETTE_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; "#,
    r#"unset IFS; exec /usr/bin/env -i "$@""#
);

/// The programs a sandbox is made with, found at start.
#[derive(Debug, Clone)]
struct Tools {
    bwrap: PathBuf,
    unshare: PathBuf,
    nsenter: PathBuf,
    setpriv: PathBuf,
    prlimit: PathBuf,
    setsid: PathBuf,
    sh: PathBuf,
}

/// Makes sandboxes with Linux namespaces.
#[derive(Debug, Clone)]
pub struct Namespaces {
    tools: Tools,
}

impl Namespaces {
    /// Checks that this machine can make sandboxes: the programs are installed and the
    /// process may map the sandboxes' ids. The error says what is missing.
    pub fn detect() -> Result<Self, SandboxError> {
        let find = |name: &str, package: &str| {
            find_program(name).ok_or_else(|| {
                SandboxError::Unavailable(format!(
                    "labs need the program {name}, which is not installed here (Debian \
                     package {package}: apt-get install {package})"
                ))
            })
        };
        let tools = Tools {
            bwrap: find("bwrap", "bubblewrap")?,
            unshare: find("unshare", "util-linux")?,
            nsenter: find("nsenter", "util-linux")?,
            setpriv: find("setpriv", "util-linux")?,
            prlimit: find("prlimit", "util-linux")?,
            setsid: find("setsid", "util-linux")?,
            sh: find("sh", "dash")?,
        };
        if !rustix::process::geteuid().is_root() {
            return Err(SandboxError::Unavailable(format!(
                "labs need the server to run as root: each sandbox maps host ids {ID_BASE}-{} \
                 to its own users (the learner and the sandbox's root), which only root may \
                 do; no process in a sandbox runs as root on the host",
                ID_BASE + ID_COUNT - 1
            )));
        }
        Ok(Self { tools })
    }
}

impl Sandboxes for Namespaces {
    fn create<'a>(
        &'a self,
        spec: &'a Spec,
    ) -> BoxFuture<'a, Result<Box<dyn Sandbox>, SandboxError>> {
        Box::pin(async move {
            let sandbox = start(&self.tools, spec).await?;
            Ok(Box::new(sandbox) as Box<dyn Sandbox>)
        })
    }
}

/// A running sandbox.
struct Running {
    tools: Tools,
    state_dir: PathBuf,
    limits: Limits,
    cgroup: Option<Cgroup>,
    /// The host pid of the sandbox's anchor, whose namespaces commands enter.
    init_pid: u32,
    anchor: tokio::sync::Mutex<Option<Child>>,
    outputs: AtomicU64,
}

fn unique_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("rosette-lab-{}-{n}", std::process::id())
}

async fn start(tools: &Tools, spec: &Spec) -> Result<Running, SandboxError> {
    let state = &spec.state_dir;
    reachable(state)?;
    prepare_state(state, &spec.track_dir)?;
    let cgroup = Cgroup::create(&unique_name(), &spec.limits);

    // The user namespace, held open by a process until bubblewrap has entered it.
    // Made by the host id of the sandbox's root, so that bubblewrap, run by that id too,
    // may enter it and needs no other id of the host.
    let mut holder = Command::new(&tools.setpriv)
        .args(as_sandbox_root())
        .args(["--pdeathsig", "KILL", "--"])
        .arg(&tools.unshare)
        .args(["--user", "--", "sleep", "infinity"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(SandboxError::io(
            "cannot start the sandbox's user namespace",
        ))?;
    let holder_pid = holder.id().ok_or(SandboxError::Ended)?;
    wait_for_new_userns(holder_pid).await?;
    let map = format!("0 {ID_BASE} {ID_COUNT}\n");
    for file in ["uid_map", "gid_map"] {
        fs::write(format!("/proc/{holder_pid}/{file}"), &map)
            .map_err(SandboxError::io("cannot map the sandbox's user ids"))?;
    }

    let info = state.join("anchor.json");
    let mut command = Command::new(&tools.sh);
    command
        .args(["-c", JOIN_AND_RUN_ANCHOR])
        .arg("sh")
        .env_clear()
        .env("ROSETTE_CGROUP_PROCS", procs_list(cgroup.as_ref()))
        .env("ROSETTE_USERNS", format!("/proc/{holder_pid}/ns/user"))
        .env("ROSETTE_INFO", &info);
    // No per-process limits here: the process count would be of the host id, shared by
    // every sandbox's anchor. Commands get them when they enter (see `Running::run`).
    command
        .arg(&tools.setpriv)
        .args(as_sandbox_root())
        .arg("--");
    command.arg(&tools.bwrap).args(bwrap_args(spec)?);
    command.args(["--", "/usr/bin/sleep", "infinity"]);
    let anchor = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(SandboxError::io("cannot start the sandbox"))?;
    let init_pid = match wait_for_info(&info).await {
        Ok(pid) => pid,
        Err(e) => {
            let output = anchor.wait_with_output().await;
            let stderr = output.map(|o| String::from_utf8_lossy(&o.stderr).into_owned());
            if let Some(group) = &cgroup {
                group.remove();
            }
            return Err(SandboxError::Unavailable(format!(
                "the sandbox did not start ({e}): {}",
                stderr.unwrap_or_default().trim()
            )));
        }
    };
    // bubblewrap reports its first process before the mounts are made; the anchor's own
    // program runs once they are, and commands enter its namespaces.
    let init_pid = match wait_for_anchor(init_pid).await {
        Ok(pid) => pid,
        Err(e) => {
            if let Some(group) = &cgroup {
                group.remove();
            }
            return Err(e);
        }
    };
    // The namespace lives on in the sandbox's processes.
    let _ = holder.start_kill();
    let _ = holder.wait().await;

    let sandbox = Running {
        tools: tools.clone(),
        state_dir: state.clone(),
        limits: spec.limits,
        cgroup,
        init_pid,
        anchor: tokio::sync::Mutex::new(Some(anchor)),
        outputs: AtomicU64::new(0),
    };
    if spec.network == Network::None {
        // bubblewrap brings loopback up in the new network namespace; `none` means none, and
        // with no address left a connection fails at once instead of waiting on a dead link.
        let down = Exec::new(
            As::Root,
            &[
                "/bin/sh",
                "-c",
                "ip addr flush dev lo && ip link set lo down",
            ],
        );
        let outcome = sandbox.run(&down).await?;
        if !outcome.succeeded() {
            sandbox.end().await;
            return Err(SandboxError::Unavailable(format!(
                "the sandbox's loopback interface could not be taken down: {}",
                outcome.output.trim()
            )));
        }
    }
    Ok(sandbox)
}

/// Checks that the sandbox's users, who are no user of the host, may pass through every
/// folder above the state folder `state` to reach the home and the track in it.
pub fn reachable(state: &Path) -> Result<(), SandboxError> {
    use std::os::unix::fs::PermissionsExt;
    let absolute =
        std::path::absolute(state).map_err(SandboxError::io("cannot find the sandbox's folder"))?;
    for folder in absolute.ancestors().skip(1) {
        let Ok(metadata) = fs::metadata(folder) else {
            continue;
        };
        if metadata.permissions().mode() & 0o001 == 0 {
            return Err(SandboxError::Unavailable(format!(
                "the sandboxes' users cannot pass through {} (mode {:o}): let others search \
                 it (chmod o+x), or keep the data folder somewhere they can reach",
                folder.display(),
                metadata.permissions().mode() & 0o7777
            )));
        }
    }
    Ok(())
}

/// Makes the state folder: the learner's home, the track's files for the sandbox's root,
/// the account files, and a folder for command output (outside the sandbox's view).
fn prepare_state(state: &Path, track_dir: &Path) -> Result<(), SandboxError> {
    let home = state.join("home");
    let track = state.join("track");
    let etc = state.join("etc");
    for dir in [&home, &track, &etc, &state.join("out")] {
        fs::create_dir_all(dir).map_err(SandboxError::io("cannot make the sandbox's folders"))?;
    }
    copy_tree(track_dir, &track).map_err(SandboxError::io("cannot copy the track in"))?;
    let chown = |path: &Path, id: u32| {
        std::os::unix::fs::chown(path, Some(id), Some(id)).map_err(SandboxError::io(
            "cannot give the sandbox's folders to its users",
        ))
    };
    chown(&home, ID_BASE + LEARNER_UID)?;
    chown_tree(&track, ID_BASE).map_err(SandboxError::io("cannot give the track to root"))?;
    let passwd = format!(
        "root:x:0:0:root:/root:/bin/bash\n\
         learner:x:{LEARNER_UID}:{LEARNER_UID}:Learner:{HOME}:/bin/bash\n\
         nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    );
    let group = format!("root:x:0:\nlearner:x:{LEARNER_UID}:\nnogroup:x:65534:\n");
    fs::write(etc.join("passwd"), passwd)
        .and_then(|()| fs::write(etc.join("group"), group))
        .map_err(SandboxError::io("cannot write the sandbox's accounts"))
}

/// Copies a folder's regular files and folders; links are skipped, never followed.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            fs::create_dir_all(&target)?;
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Gives a copied folder to `id`, for it alone to read, write and run.
fn chown_tree(path: &Path, id: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::os::unix::fs::lchown(path, Some(id), Some(id))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o700))?;
    if fs::symlink_metadata(path)?.is_dir() {
        for entry in fs::read_dir(path)? {
            chown_tree(&entry?.path(), id)?;
        }
    }
    Ok(())
}

/// `setpriv` options that become the host id of the sandbox's root, with no other groups.
fn as_sandbox_root() -> [String; 3] {
    [
        format!("--reuid={ID_BASE}"),
        format!("--regid={ID_BASE}"),
        "--clear-groups".to_owned(),
    ]
}

fn procs_list(cgroup: Option<&Cgroup>) -> String {
    let files = cgroup.map(Cgroup::procs_files).unwrap_or_default();
    let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    files.join(":")
}

/// `prlimit` options, then `--`. The address space is capped only when no control group
/// caps memory: a cap per process is cruder (programs reserve more than they use).
fn prlimit_args(limits: &Limits, cgroup: bool) -> Vec<String> {
    const MIB: u64 = 1024 * 1024;
    let mut args = vec![
        format!("--nproc={}", limits.processes),
        format!("--fsize={}", limits.file_size_mib * MIB),
        format!("--cpu={}", limits.cpu_seconds),
        format!("--nofile={}", limits.open_files),
    ];
    if !cgroup {
        args.push(format!("--as={}", limits.memory_mib * MIB));
    }
    args.push("--".into());
    args
}

/// bubblewrap's options for the anchor.
fn bwrap_args(spec: &Spec) -> Result<Vec<String>, SandboxError> {
    let state = |p: &str| spec.state_dir.join(p).display().to_string();
    let mut args: Vec<String> = [
        "--userns",
        "3",
        "--uid",
        "0",
        "--gid",
        "0",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-net",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--info-fd",
        "4",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect();
    // Merged-/usr systems link these to folders under /usr; others have real folders.
    for top in ["bin", "sbin", "lib", "lib64", "lib32", "libx32"] {
        let path = Path::new("/").join(top);
        match fs::read_link(&path) {
            Ok(target) => args.extend(["--symlink".into(), target.display().to_string()]),
            Err(_) if path.is_dir() => {
                args.extend(["--ro-bind".into(), path.display().to_string()]);
            }
            Err(_) => continue,
        }
        args.push(path.display().to_string());
    }
    let home = state("home");
    let track = state("track");
    args.extend(
        [
            "--ro-bind",
            "/etc",
            "/etc",
            "--ro-bind",
            &state("etc/passwd"),
            "/etc/passwd",
            "--ro-bind",
            &state("etc/group"),
            "/etc/group",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--perms",
            "1777",
            "--tmpfs",
            "/tmp",
            "--tmpfs",
            "/root",
            "--tmpfs",
            "/run",
            // The learner must reach their home by its path: the folders bubblewrap makes for a
            // mount point are for root alone.
            "--perms",
            "0755",
            "--dir",
            "/home",
            "--bind",
            &home,
            HOME,
            "--bind",
            &track,
            TRACK_DIR,
            "--hostname",
            &spec.hostname,
            "--chdir",
            HOME,
            "--remount-ro",
            "/",
            "--clearenv",
            "--setenv",
            "PATH",
            PATH,
        ]
        .iter()
        .map(|a| (*a).to_owned()),
    );
    if spec.hostname.is_empty() || spec.hostname.len() > 63 {
        return Err(SandboxError::Unavailable(
            "a sandbox's hostname must be 1 to 63 characters".into(),
        ));
    }
    Ok(args)
}

/// Waits until `pid` is in a user namespace other than this process's.
async fn wait_for_new_userns(pid: u32) -> Result<(), SandboxError> {
    let own = fs::read_link("/proc/self/ns/user").map_err(SandboxError::io(
        "cannot read this process's user namespace",
    ))?;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match fs::read_link(format!("/proc/{pid}/ns/user")) {
            Ok(ns) if ns != own => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(SandboxError::io("the user namespace did not start")(e)),
        }
        if Instant::now() > deadline {
            return Err(SandboxError::Unavailable(
                "the sandbox's user namespace did not start in time".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Waits for bubblewrap's `{"child-pid": N}`.
async fn wait_for_info(info: &Path) -> Result<u32, String> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(text) = fs::read_to_string(info) {
            // The object may still be being written.
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
                let pid = value["child-pid"]
                    .as_u64()
                    .and_then(|p| u32::try_from(p).ok());
                return pid.ok_or_else(|| "bubblewrap reported no child pid".to_owned());
            }
        }
        if Instant::now() > deadline {
            return Err("it took too long".into());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Waits for the sandbox's first process to start the anchor's program, and returns the
/// program's pid.
async fn wait_for_anchor(init_pid: u32) -> Result<u32, SandboxError> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let children = fs::read_to_string(format!("/proc/{init_pid}/task/{init_pid}/children"))
            .unwrap_or_default();
        for child in children.split_whitespace() {
            let comm = fs::read_to_string(format!("/proc/{child}/comm")).unwrap_or_default();
            if comm.trim() == "sleep" {
                return child.parse().map_err(|_| SandboxError::Ended);
            }
        }
        if Instant::now() > deadline || !Path::new(&format!("/proc/{init_pid}")).exists() {
            return Err(SandboxError::Unavailable(
                "the sandbox's anchor did not start in time".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Finds a program in the usual folders.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/bin", "/bin", "/usr/sbin", "/sbin"])
        .map(|dir| Path::new(dir).join(name))
        .find(|p| p.is_file())
}

impl Running {
    async fn run(&self, exec: &Exec) -> Result<Outcome, SandboxError> {
        if exec.argv.is_empty() {
            return Err(SandboxError::Unavailable(
                "a command needs a program".into(),
            ));
        }
        if self.anchor.lock().await.is_none() {
            return Err(SandboxError::Ended);
        }
        let n = self.outputs.fetch_add(1, Ordering::Relaxed);
        let output_path = self.state_dir.join("out").join(format!("{n}.log"));
        let output = fs::File::create(&output_path)
            .map_err(SandboxError::io("cannot make the command's output file"))?;
        let stderr = output
            .try_clone()
            .map_err(SandboxError::io("cannot share the command's output file"))?;

        let mut command = self.command(exec.user, &exec.env, &exec.argv);
        command
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(stderr)
            .process_group(0)
            .kill_on_drop(true);
        let started = Instant::now();
        let mut child = command
            .spawn()
            .map_err(SandboxError::io("cannot run a command in the sandbox"))?;
        let ending = match tokio::time::timeout(exec.timeout, child.wait()).await {
            Ok(status) => {
                let status = status.map_err(SandboxError::io("lost a sandbox command"))?;
                use std::os::unix::process::ExitStatusExt;
                match (status.code(), status.signal()) {
                    (Some(code), _) => Ending::Exited(code),
                    (None, Some(signal)) => Ending::Signalled(signal),
                    (None, None) => Ending::Signalled(0),
                }
            }
            Err(_) => {
                kill_group(child.id());
                let _ = child.wait().await;
                Ending::TimedOut
            }
        };
        let duration = started.elapsed();
        let (output, truncated) = read_output(&output_path, exec.max_output);
        let _ = fs::remove_file(&output_path);
        Ok(Outcome {
            ending,
            output,
            truncated,
            duration,
        })
    }

    /// The command that runs `argv` in the sandbox as `user`: it joins the control group,
    /// takes the per-process limits, enters the anchor's namespaces as `user`, drops the
    /// right to gain privileges, and starts from a clean environment.
    fn command(&self, user: As, env: &[(String, String)], argv: &[String]) -> Command {
        let (uid, user, home) = match user {
            As::Learner => (LEARNER_UID, "learner", HOME),
            As::Root => (0, "root", "/root"),
        };
        let mut command = Command::new(&self.tools.sh);
        command
            .args(["-c", JOIN_AND_RUN, "sh"])
            .env_clear()
            .env("ROSETTE_CGROUP_PROCS", procs_list(self.cgroup.as_ref()))
            .arg(&self.tools.prlimit)
            .args(prlimit_args(&self.limits, self.cgroup.is_some()))
            .arg(&self.tools.nsenter)
            .arg(format!("--target={}", self.init_pid))
            .args(["--user", "--mount", "--pid", "--net", "--ipc", "--uts"])
            .arg(format!("--setuid={uid}"))
            .arg(format!("--setgid={uid}"))
            // The anchor's root and working folder: the sandbox's root and the home.
            .args(["--root", "--wd"])
            .args([
                "--",
                "/usr/bin/setpriv",
                "--no-new-privs",
                "--",
                "/usr/bin/env",
                "-i",
            ])
            .arg(format!("PATH={PATH}"))
            .arg(format!("HOME={home}"))
            .arg(format!("USER={user}"))
            .arg(format!("LOGNAME={user}"))
            .args(["LANG=C.UTF-8", "TERM=xterm-256color"]);
        for (name, value) in env {
            command.arg(format!("{name}={value}"));
        }
        command.args(argv);
        command
    }

    async fn open_terminal(&self, user: As, size: WindowSize) -> Result<Terminal, SandboxError> {
        if self.anchor.lock().await.is_none() {
            return Err(SandboxError::Ended);
        }
        let (master, peer) = open_pty(self.init_pid, size)
            .map_err(SandboxError::io("cannot open a terminal in the sandbox"))?;
        let shell = ["/bin/bash".to_owned(), "--login".to_owned()];
        // `setsid --ctty` first: a session of its own whose controlling terminal is the
        // terminal, inherited by everything after it (`nsenter` forks into the sandbox).
        let mut command = Command::new(&self.tools.setsid);
        command.arg("--ctty");
        let inner = self.command(user, &[], &shell);
        command
            .arg(inner.as_std().get_program())
            .args(inner.as_std().get_args())
            .env_clear()
            .envs(inner.as_std().get_envs().filter_map(|(k, v)| Some((k, v?))));
        let stdout = peer
            .try_clone()
            .map_err(SandboxError::io("cannot share the terminal"))?;
        let stderr = peer
            .try_clone()
            .map_err(SandboxError::io("cannot share the terminal"))?;
        command
            .stdin(Stdio::from(peer))
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true);
        let shell = command
            .spawn()
            .map_err(SandboxError::io("cannot start a shell in the sandbox"))?;
        // `AsyncFd::new` is deprecated because a type whose descriptor can change under it
        // would be unsound; an `OwnedFd` is one descriptor for its whole life. Its safe
        // successor is an `unsafe fn`, which this crate forbids.
        #[allow(deprecated)]
        let master = AsyncFd::new(master).map_err(SandboxError::io("cannot watch the terminal"))?;
        let master = std::sync::Arc::new(master);
        Ok(Terminal {
            output: Box::new(PtyOutput(master.clone())),
            input: Box::new(ShellInput { master, shell }),
        })
    }

    async fn end(&self) {
        if let Some(mut anchor) = self.anchor.lock().await.take() {
            let _ = anchor.start_kill();
            let _ = anchor.wait().await;
        }
        // The kernel ends every process of the namespace once its first one has gone.
        let deadline = Instant::now() + Duration::from_secs(5);
        let anchor = format!("/proc/{}", self.init_pid);
        while Path::new(&anchor).exists() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if let Some(group) = &self.cgroup {
            group.remove();
        }
    }
}

fn kill_group(pid: Option<u32>) {
    let group = pid
        .and_then(|p| i32::try_from(p).ok())
        .and_then(rustix::process::Pid::from_raw);
    if let Some(group) = group {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
}

/// Reads at most `max` bytes of a command's output, cut at a character boundary.
fn read_output(path: &Path, max: usize) -> (String, bool) {
    use std::io::Read;
    let Ok(file) = fs::File::open(path) else {
        return (String::new(), false);
    };
    let mut bytes = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let _ = file.take(limit).read_to_end(&mut bytes);
    let truncated = bytes.len() > max;
    bytes.truncate(max);
    (String::from_utf8_lossy(&bytes).into_owned(), truncated)
}

/// Opens a pseudo-terminal of the sandbox's own (bubblewrap's `/dev/pts`), so that inside,
/// the shell's terminal is `/dev/pts/0` like any other: the server's end, non-blocking, and
/// the shell's.
fn open_pty(init_pid: u32, size: WindowSize) -> std::io::Result<(OwnedFd, OwnedFd)> {
    use rustix::fs::OFlags;
    use rustix::pty::OpenptFlags;
    use std::os::unix::fs::OpenOptionsExt;
    let ptmx = format!("/proc/{init_pid}/root/dev/pts/ptmx");
    let master: OwnedFd = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags((OFlags::NOCTTY | OFlags::CLOEXEC).bits() as i32)
        .open(ptmx)?
        .into();
    rustix::pty::unlockpt(&master)?;
    let peer = rustix::pty::ioctl_tiocgptpeer(
        &master,
        OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC,
    )?;
    rustix::termios::tcsetwinsize(&peer, winsize(size))?;
    rustix::fs::fcntl_setfl(&master, OFlags::NONBLOCK)?;
    Ok((master, peer))
}

fn winsize(size: WindowSize) -> rustix::termios::Winsize {
    rustix::termios::Winsize {
        ws_row: size.rows,
        ws_col: size.cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

/// The terminal's output, read from its server end.
struct PtyOutput(std::sync::Arc<AsyncFd<OwnedFd>>);

impl tokio::io::AsyncRead for PtyOutput {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        loop {
            let mut ready = std::task::ready!(self.0.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            match ready.try_io(|fd| Ok(rustix::io::read(fd.get_ref(), &mut *unfilled)?)) {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                // Every end of the shell's side has closed: the terminal is over.
                Ok(Err(e)) if e.raw_os_error() == Some(rustix::io::Errno::IO.raw_os_error()) => {
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                Err(_would_block) => continue,
            }
        }
    }
}

/// A terminal's input, which owns its shell: dropping it kills the shell's session.
struct ShellInput {
    master: std::sync::Arc<AsyncFd<OwnedFd>>,
    shell: Child,
}

impl TerminalInput for ShellInput {
    fn resize(&self, size: WindowSize) -> std::io::Result<()> {
        Ok(rustix::termios::tcsetwinsize(
            self.master.get_ref(),
            winsize(size),
        )?)
    }
}

impl tokio::io::AsyncWrite for ShellInput {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        loop {
            let mut ready = std::task::ready!(self.master.poll_write_ready(cx))?;
            match ready.try_io(|fd| Ok(rustix::io::write(fd.get_ref(), buf)?)) {
                Ok(result) => return Poll::Ready(result),
                Err(_would_block) => continue,
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl Drop for ShellInput {
    fn drop(&mut self) {
        // The shell's programs are in process groups of their own (job control), all in the
        // session the terminal's first process leads.
        if let Some(session) = self.shell.id() {
            kill_session(session);
        }
    }
}

/// Kills every process of the session `sid` (as this process's namespace numbers them).
fn kill_session(sid: u32) {
    let Ok(entries) = fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // After the command's name in parentheses: state, parent, group, session.
        let session = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(3))
            .and_then(|s| s.parse::<u32>().ok());
        if session == Some(sid)
            && let Some(pid) = rustix::process::Pid::from_raw(pid)
        {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
}

impl Sandbox for Running {
    fn exec<'a>(&'a self, exec: &'a Exec) -> BoxFuture<'a, Result<Outcome, SandboxError>> {
        Box::pin(self.run(exec))
    }

    fn terminal(
        &self,
        user: As,
        size: WindowSize,
    ) -> BoxFuture<'_, Result<Terminal, SandboxError>> {
        Box::pin(self.open_terminal(user, size))
    }

    fn destroy(&self) -> BoxFuture<'_, Result<(), SandboxError>> {
        Box::pin(async move {
            self.end().await;
            Ok(())
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // The anchor is killed on drop; the control group must go too.
        if let Ok(mut anchor) = self.anchor.try_lock()
            && let Some(mut anchor) = anchor.take()
        {
            let _ = anchor.start_kill();
            if let Some(group) = &self.cgroup {
                group.remove();
            }
        }
    }
}
