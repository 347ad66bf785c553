//! How much memory idle sandboxes take: starts N sandboxes (default 50), each with a shell
//! waiting in it as a learner's open terminal would, and adds up the proportional set size
//! (shared pages divided among their users) of every process running as a sandbox's users
//! (host ids 100000-165535), which only sandboxes use; the server's own memory is apart.
//!
//! `cargo run --release -p labs --example idle_sandboxes [N]` (as root, like a lab server).

use labs::sandbox::linux::Namespaces;
use labs::sandbox::{As, Exec, Limits, Network, Sandboxes, Spec};

/// The processes of sandboxes and their summed proportional set size, in KiB.
fn sandbox_memory() -> (usize, u64) {
    let (mut processes, mut pss) = (0, 0);
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let path = entry.path();
        let Ok(status) = std::fs::read_to_string(path.join("status")) else {
            continue;
        };
        let uid: Option<u32> = status
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|u| u.parse().ok());
        if !uid.is_some_and(|u| (100_000..165_536).contains(&u)) {
            continue;
        }
        let rollup = std::fs::read_to_string(path.join("smaps_rollup")).unwrap_or_default();
        let kib: u64 = rollup
            .lines()
            .find(|l| l.starts_with("Pss:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|k| k.parse().ok())
            .unwrap_or(0);
        processes += 1;
        pss += kib;
    }
    (processes, pss)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let count: usize = std::env::args().nth(1).map_or(50, |n| n.parse().unwrap());
    let sandboxes = Namespaces::detect().unwrap();
    let root = std::env::temp_dir().join(format!("labs-idle-{}", std::process::id()));
    let track = root.join("track");
    std::fs::create_dir_all(&track).unwrap();
    let started = std::time::Instant::now();
    let mut running = Vec::new();
    for n in 0..count {
        let spec = Spec {
            state_dir: root.join(format!("s{n}")),
            track_dir: track.clone(),
            limits: Limits::default(),
            network: Network::None,
            hostname: "idle".into(),
        };
        let sandbox = sandboxes.create(&spec).await.unwrap();
        // A login shell that waits, as one behind an open terminal does.
        let shell = "setsid bash -l -c 'sleep infinity' </dev/null >/dev/null 2>&1 &";
        let outcome = sandbox
            .exec(&Exec::new(As::Learner, &["/bin/bash", "-c", shell]))
            .await;
        assert!(outcome.unwrap().succeeded());
        running.push(sandbox);
    }
    let took = started.elapsed();
    std::thread::sleep(std::time::Duration::from_secs(1));
    let (processes, pss) = sandbox_memory();
    println!(
        "{count} idle sandboxes, each with a waiting login shell, started in {:.2} s: \
         {processes} processes, {:.1} MiB in all (PSS), {:.2} MiB each",
        took.as_secs_f64(),
        pss as f64 / 1024.0,
        pss as f64 / 1024.0 / count as f64
    );
    for sandbox in running {
        sandbox.destroy().await.unwrap();
    }
    let _ = std::fs::remove_dir_all(root);
}
