//! Containment: real sandboxes on this machine's kernel, tried from the inside.
//!
//! These need what a lab server needs (bubblewrap, util-linux, root); `scripts/test.sh`
//! installs them, and a machine without them fails here with the reason.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use labs::sandbox::linux::Namespaces;
use labs::sandbox::{As, Ending, Exec, Limits, Network, Outcome, Sandbox, Sandboxes, Spec};

/// A fresh folder under the system's temporary folder.
fn fresh_dir(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("labs-test-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A track folder with one check script.
fn track() -> PathBuf {
    let dir = fresh_dir("track");
    let challenge = dir.join("challenges/01-only");
    std::fs::create_dir_all(&challenge).unwrap();
    std::fs::write(
        challenge.join("check"),
        "#!/bin/bash\ntest -f done.txt || { echo 'FAIL: no done.txt'; exit 1; }\n",
    )
    .unwrap();
    dir
}

struct Lab {
    sandbox: Box<dyn Sandbox>,
    state: PathBuf,
}

impl Lab {
    async fn start(limits: Limits, network: Network) -> Self {
        let sandboxes = Namespaces::detect().expect("this machine can make sandboxes");
        let state = fresh_dir("state");
        let spec = Spec {
            state_dir: state.clone(),
            track_dir: track(),
            limits,
            network,
            hostname: "lab".into(),
        };
        let sandbox = sandboxes.create(&spec).await.expect("a sandbox starts");
        Self { sandbox, state }
    }

    async fn default() -> Self {
        Self::start(Limits::default(), Network::None).await
    }

    async fn sh(&self, user: As, script: &str) -> Outcome {
        self.run(Exec::new(user, &["/bin/bash", "-c", script]))
            .await
    }

    async fn run(&self, exec: Exec) -> Outcome {
        self.sandbox.exec(&exec).await.expect("the command runs")
    }

    async fn end(self) {
        self.sandbox.destroy().await.unwrap();
        let _ = std::fs::remove_dir_all(&self.state);
    }
}

fn assert_ok(outcome: &Outcome) {
    assert!(outcome.succeeded(), "{outcome:?}");
}

#[tokio::test]
async fn the_learner_and_root_are_separate_users_and_neither_is_a_host_user() {
    let lab = Lab::default().await;
    let learner = lab
        .sh(
            As::Learner,
            "id -u; id -un; pwd; hostname; grep Cap[EP] /proc/self/status",
        )
        .await;
    assert_ok(&learner);
    let lines: Vec<&str> = learner.output.lines().collect();
    assert_eq!(
        &lines[..4],
        ["1000", "learner", "/home/learner", "lab"],
        "{learner:?}"
    );
    assert!(
        learner.output.contains("CapEff:\t0000000000000000"),
        "{}",
        learner.output
    );
    let root = lab.sh(As::Root, "id -u; cat /proc/self/uid_map").await;
    assert_ok(&root);
    assert!(root.output.starts_with("0\n"), "{}", root.output);
    assert!(
        root.output.contains("100000"),
        "ids are mapped off the host's: {}",
        root.output
    );

    // A file the learner makes belongs, on the host, to an id no host account has.
    assert_ok(&lab.sh(As::Learner, "echo hi > note.txt").await);
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(lab.state.join("home/note.txt")).unwrap();
    assert_eq!(meta.uid(), 101_000);
    lab.end().await;
}

#[tokio::test]
async fn the_host_network_is_out_of_reach() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    for network in [Network::None, Network::Loopback] {
        let lab = Lab::start(Limits::default(), network).await;
        let connect = format!("exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected");
        for user in [As::Learner, As::Root] {
            let outcome = lab.sh(user, &connect).await;
            assert!(!outcome.succeeded(), "{network:?} {user:?}: {outcome:?}");
            assert!(!outcome.output.contains("connected"));
        }
        let interfaces = lab
            .sh(
                As::Learner,
                "cat /sys/class/net/*/operstate; ls /sys/class/net",
            )
            .await;
        assert!(!interfaces.output.contains("eth"), "{}", interfaces.output);
        lab.end().await;
    }
}

#[tokio::test]
async fn loopback_servers_work_inside_only_when_asked_for() {
    let serve = "python3 -m http.server 8000 --bind 127.0.0.1 >/tmp/server.log 2>&1 & \
                 for i in $(seq 50); do sleep 0.1; \
                 python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 8000), 1)' \
                 2>/dev/null && echo served && break; done; kill %1";
    let lab = Lab::start(Limits::default(), Network::Loopback).await;
    let outcome = lab.sh(As::Learner, serve).await;
    assert!(outcome.output.contains("served"), "{outcome:?}");
    lab.end().await;

    let lab = Lab::start(Limits::default(), Network::None).await;
    let outcome = lab.sh(As::Learner, serve).await;
    assert!(!outcome.output.contains("served"), "{outcome:?}");
    lab.end().await;
}

#[tokio::test]
async fn host_files_outside_the_sandbox_cannot_be_read() {
    let secret = fresh_dir("secret");
    std::fs::write(secret.join("database.sqlite"), "private").unwrap();
    let other = Lab::default().await;
    std::fs::write(other.state.join("home/other.txt"), "someone else's work").unwrap();
    let lab = Lab::default().await;
    for path in [
        secret.join("database.sqlite"),
        other.state.join("home/other.txt"),
        lab.state.join("anchor.json"),
    ] {
        for user in [As::Learner, As::Root] {
            let outcome = lab.sh(user, &format!("cat '{}'", path.display())).await;
            assert!(
                !outcome.succeeded(),
                "{user:?} read {}: {outcome:?}",
                path.display()
            );
        }
    }
    // Nothing in the sandbox's environment names the host's folders.
    let environment = lab
        .sh(As::Root, "cat /proc/1/environ /proc/self/environ")
        .await;
    assert!(
        !environment.output.contains("ROSETTE_"),
        "{}",
        environment.output
    );
    assert!(
        !environment.output.contains("labs-test"),
        "{}",
        environment.output
    );
    // The home of another session is not there at all, and the host's root is not either.
    let listing = lab.sh(As::Root, "ls /; ls /home").await;
    assert_ok(&listing);
    assert!(!listing.output.contains("work"), "{}", listing.output);
    assert_eq!(
        listing.output.lines().filter(|l| *l == "learner").count(),
        1,
        "{}",
        listing.output
    );
    // The system folders are read-only, even for the sandbox's root.
    for path in ["/usr/bin/evil", "/etc/evil", "/evil"] {
        let outcome = lab.sh(As::Root, &format!("echo x > {path}")).await;
        assert!(!outcome.succeeded(), "wrote {path}");
    }
    other.end().await;
    lab.end().await;
    let _ = std::fs::remove_dir_all(secret);
}

#[tokio::test]
async fn the_learner_can_neither_read_nor_change_the_track_nor_touch_roots_processes() {
    let lab = Lab::default().await;
    let check = "/opt/rosette/track/challenges/01-only/check";
    for script in [
        format!("cat {check}"),
        "ls /opt/rosette/track".to_owned(),
        format!("echo 'exit 0' > {check}"),
        format!("rm -f {check}"),
        "mv /opt/rosette/track /opt/rosette/gone".to_owned(),
    ] {
        let outcome = lab.sh(As::Learner, &script).await;
        assert!(
            !outcome.succeeded(),
            "the learner could: {script}: {outcome:?}"
        );
    }
    // The check still runs, as root, and still fails until the task is done.
    let checked = lab.run(Exec::new(As::Root, &[check])).await;
    assert_eq!(checked.ending, Ending::Exited(1));
    assert_eq!(checked.output.trim(), "FAIL: no done.txt");
    assert_ok(&lab.sh(As::Learner, "touch done.txt").await);
    assert_ok(&lab.run(Exec::new(As::Root, &[check])).await);

    // A process of root's (a running check) cannot be signalled or traced by the learner.
    assert_ok(
        &lab.sh(As::Root, "setsid sleep 30 >/dev/null 2>&1 < /dev/null &")
            .await,
    );
    let pid = lab.sh(As::Learner, "pgrep -u root -x sleep").await;
    assert_ok(&pid);
    let pid = pid.output.trim();
    for script in [
        format!("kill -9 {pid}"),
        format!("cat /proc/{pid}/environ"),
        format!("ls /proc/{pid}/fd"),
    ] {
        let outcome = lab.sh(As::Learner, &script).await;
        assert!(
            !outcome.succeeded(),
            "the learner could: {script}: {outcome:?}"
        );
    }
    lab.end().await;
}

#[tokio::test]
async fn an_endless_loop_dies_at_its_timeout_with_everything_it_started() {
    let lab = Lab::default().await;
    let exec = Exec::new(
        As::Learner,
        &["/bin/bash", "-c", "sleep 300 & while :; do :; done"],
    )
    .timeout(Duration::from_millis(500));
    let outcome = lab.run(exec).await;
    assert_eq!(outcome.ending, Ending::TimedOut);
    assert!(outcome.duration < Duration::from_secs(5), "{outcome:?}");
    let left = lab
        .sh(As::Root, "ps -eo args | grep -c '^sleep 300$'")
        .await;
    assert_eq!(left.output.trim(), "0", "the loop's child was left running");
    lab.end().await;
}

#[tokio::test]
async fn a_fork_bomb_is_stopped_at_the_process_limit() {
    let limits = Limits {
        processes: 40,
        ..Limits::default()
    };
    let lab = Lab::start(limits, Network::None).await;
    let bomb = r#"
import os, time
n = 0
try:
    for _ in range(1000):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
except OSError:
    pass
print(n, flush=True)
time.sleep(60)
"#;
    let bomb =
        Exec::new(As::Learner, &["/usr/bin/python3", "-c", bomb]).timeout(Duration::from_secs(3));
    let outcome = lab.run(bomb).await;
    assert_eq!(outcome.ending, Ending::TimedOut, "{outcome:?}");
    let started: u64 = outcome.output.trim().parse().expect("a count");
    assert!(started < 40, "{started} processes started: {outcome:?}");
    // The sandbox still answers, and the real thing ends at its timeout too.
    let classic = Exec::new(
        As::Learner,
        &["/bin/bash", "-c", "f() { f | f & }; f; sleep 10"],
    )
    .timeout(Duration::from_secs(2));
    lab.run(classic).await;
    assert_ok(&lab.sh(As::Root, "pkill -9 -u learner; true").await);
    assert_ok(&lab.sh(As::Learner, "echo still here").await);
    lab.end().await;
}

#[tokio::test]
async fn a_memory_hog_is_stopped_at_the_memory_limit() {
    let limits = Limits {
        memory_mib: 64,
        ..Limits::default()
    };
    let lab = Lab::start(limits, Network::None).await;
    let hog = Exec::new(
        As::Learner,
        &[
            "/usr/bin/python3",
            "-c",
            "x = bytearray(512 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096]); print('kept')",
        ],
    );
    let outcome = lab.run(hog).await;
    assert!(!outcome.succeeded(), "{outcome:?}");
    assert!(!outcome.output.contains("kept"), "{outcome:?}");
    assert_ok(&lab.sh(As::Learner, "echo still here").await);
    lab.end().await;
}

#[tokio::test]
async fn a_large_file_is_cut_at_the_file_size_limit() {
    let limits = Limits {
        file_size_mib: 1,
        ..Limits::default()
    };
    let lab = Lab::start(limits, Network::None).await;
    let outcome = lab
        .sh(As::Learner, "head -c 5M /dev/zero > big && echo wrote")
        .await;
    assert!(
        !outcome.succeeded() && !outcome.output.contains("wrote"),
        "{outcome:?}"
    );
    let size: u64 = std::fs::metadata(lab.state.join("home/big")).unwrap().len();
    assert!(size <= 1024 * 1024, "{size}");
    lab.end().await;
}

#[tokio::test]
async fn ending_a_sandbox_ends_its_processes_and_output_is_bounded() {
    let lab = Lab::default().await;
    let exec = Exec {
        max_output: 10,
        ..Exec::new(As::Learner, &["/bin/bash", "-c", "seq 1000"])
    };
    let outcome = lab.run(exec).await;
    assert!(outcome.truncated);
    assert_eq!(outcome.output, "1\n2\n3\n4\n5\n");
    let started = "setsid sleep 300 >/dev/null 2>&1 < /dev/null & readlink /proc/self/ns/pid";
    let namespace = lab.sh(As::Learner, started).await;
    assert_ok(&namespace);
    let namespace = namespace.output.trim().to_owned();
    assert!(!processes_in(&namespace).is_empty(), "{namespace}");
    let state = lab.state.clone();
    lab.sandbox.destroy().await.unwrap();
    let after = lab
        .sandbox
        .exec(&Exec::new(As::Learner, &["/bin/true"]))
        .await;
    assert!(after.is_err(), "a command ran after the end");
    assert_eq!(
        processes_in(&namespace),
        Vec::<String>::new(),
        "outlived their sandbox"
    );
    let _ = std::fs::remove_dir_all(state);
}

/// The host's live processes (zombies left for their parent to reap aside) in the process
/// namespace `namespace` (`pid:[…]`).
fn processes_in(namespace: &str) -> Vec<String> {
    let entries = std::fs::read_dir("/proc").unwrap();
    entries
        .flatten()
        .filter(|entry| {
            let link = std::fs::read_link(entry.path().join("ns/pid"));
            let status = std::fs::read_to_string(entry.path().join("status"));
            let zombie = status.is_ok_and(|s| s.contains("State:\tZ"));
            link.is_ok_and(|link| link == Path::new(namespace)) && !zombie
        })
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Reads a terminal's output until it contains `wanted`, for at most ten seconds.
async fn read_until(
    output: &mut (dyn tokio::io::AsyncRead + Send + Unpin),
    seen: &mut String,
    wanted: &str,
) {
    use tokio::io::AsyncReadExt;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut buffer = [0_u8; 4096];
    while !seen.contains(wanted) {
        let read = tokio::time::timeout_at(deadline, output.read(&mut buffer)).await;
        let n = match read {
            Ok(Ok(n)) if n > 0 => n,
            other => panic!("no {wanted:?} on the terminal ({other:?}); it showed {seen:?}"),
        };
        seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
}

#[tokio::test]
async fn a_terminal_is_the_learners_login_shell_and_follows_its_window() {
    use labs::sandbox::WindowSize;
    use tokio::io::AsyncWriteExt;
    let lab = Lab::default().await;
    let size = WindowSize {
        rows: 30,
        cols: 100,
    };
    let mut terminal = lab.sandbox.terminal(As::Learner, size).await.unwrap();
    let mut seen = String::new();
    let typed = b"echo \"$(id -un):$(id -u):$PWD:$(stty size):$(tty):$((6 * 7))\"\n";
    terminal.input.write_all(typed).await.unwrap();
    // The terminal is the sandbox's own: its name is a path inside.
    let wanted = "learner:1000:/home/learner:30 100:/dev/pts/0:42";
    read_until(terminal.output.as_mut(), &mut seen, wanted).await;
    assert!(
        !seen.contains("/tmp/labs-test"),
        "a host path shows: {seen}"
    );

    terminal.input.resize(WindowSize::clamped(40, 120)).unwrap();
    seen.clear();
    let typed = b"echo \"size=$(stty size)\"; touch done.txt\n";
    terminal.input.write_all(typed).await.unwrap();
    read_until(terminal.output.as_mut(), &mut seen, "size=40 120").await;
    // What the learner does in the terminal is what checks see.
    assert_ok(&lab.sh(As::Root, "test -f /home/learner/done.txt").await);

    // A program left running in the terminal ends with it.
    let namespace = lab.sh(As::Learner, "readlink /proc/self/ns/pid").await;
    let namespace = namespace.output.trim().to_owned();
    terminal.input.write_all(b"sleep 300\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let running = |list: &[String]| {
        list.iter().any(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.starts_with(concat!("sleep", "\0", "300")))
        })
    };
    assert!(running(&processes_in(&namespace)), "sleep did not start");
    let mut output = terminal.output;
    drop(terminal.input);
    let mut rest = Vec::new();
    let drained = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::io::AsyncReadExt::read_to_end(&mut output, &mut rest),
    )
    .await;
    assert!(drained.is_ok(), "the terminal's output never ended");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !running(&processes_in(&namespace)),
        "sleep outlived its terminal"
    );
    lab.end().await;
}

#[tokio::test]
async fn a_shell_that_exits_ends_its_terminal_and_another_can_open() {
    use tokio::io::AsyncWriteExt;
    let lab = Lab::default().await;
    let size = labs::sandbox::WindowSize::DEFAULT;
    let mut first = lab.sandbox.terminal(As::Learner, size).await.unwrap();
    first
        .input
        .write_all(b"echo one > one.txt; exit\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let drained = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::io::AsyncReadExt::read_to_end(&mut first.output, &mut rest),
    )
    .await;
    assert!(drained.is_ok(), "the terminal's output never ended");
    let mut second = lab.sandbox.terminal(As::Learner, size).await.unwrap();
    let mut seen = String::new();
    second.input.write_all(b"cat one.txt\n").await.unwrap();
    read_until(second.output.as_mut(), &mut seen, "\rone\r\n").await;
    lab.sandbox.destroy().await.unwrap();
    assert!(lab.sandbox.terminal(As::Learner, size).await.is_err());
    let _ = std::fs::remove_dir_all(&lab.state);
}

#[tokio::test]
async fn a_state_folder_its_users_cannot_reach_is_refused_with_the_reason() {
    use std::os::unix::fs::PermissionsExt;
    let closed = fresh_dir("closed");
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).unwrap();
    let spec = Spec {
        state_dir: closed.join("state"),
        track_dir: track(),
        limits: Limits::default(),
        network: Network::None,
        hostname: "lab".into(),
    };
    let sandboxes = Namespaces::detect().expect("this machine can make sandboxes");
    let error = sandboxes.create(&spec).await.err().expect("refused");
    let message = error.to_string();
    assert!(
        message.contains(&closed.display().to_string()) && message.contains("chmod o+x"),
        "{message}"
    );
    let _ = std::fs::remove_dir_all(closed);
}
