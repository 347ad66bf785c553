//! What a sandbox costs: starting and ending one, and what running a command in one adds to
//! the command itself (the baseline: the same program started directly on the host).
//!
//! Needs what a lab server needs (bubblewrap, util-linux, root). `cargo bench -p labs`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use labs::sandbox::linux::Namespaces;
use labs::sandbox::{As, Exec, Limits, Network, Sandbox, Sandboxes, Spec};

fn main() {
    divan::main();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn spec() -> Spec {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let root = std::env::temp_dir().join(format!("labs-bench-{}-{n}", std::process::id()));
    let track = root.join("track");
    std::fs::create_dir_all(track.join("challenges/01-one")).unwrap();
    std::fs::write(track.join("challenges/01-one/check"), "#!/bin/sh\nexit 0\n").unwrap();
    Spec {
        state_dir: root.join("state"),
        track_dir: track,
        limits: Limits::default(),
        network: Network::None,
        hostname: "bench".into(),
    }
}

fn cleanup(spec: &Spec) {
    let _ = std::fs::remove_dir_all(spec.state_dir.parent().unwrap());
}

/// Starting a sandbox (user namespace, control group, bubblewrap, loopback taken down) and
/// ending it.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn start_and_end(bencher: divan::Bencher) {
    let runtime = runtime();
    let sandboxes = Namespaces::detect().unwrap();
    bencher.bench_local(|| {
        let spec = spec();
        runtime.block_on(async {
            let sandbox = sandboxes.create(&spec).await.unwrap();
            sandbox.destroy().await.unwrap();
        });
        cleanup(&spec);
    });
}

/// A check that does nothing (`/bin/true`), run in a sandbox as its root.
#[divan::bench(sample_count = 50, sample_size = 1)]
fn check_in_sandbox(bencher: divan::Bencher) {
    let runtime = runtime();
    let sandboxes = Namespaces::detect().unwrap();
    let spec = spec();
    let sandbox: Box<dyn Sandbox> = runtime.block_on(sandboxes.create(&spec)).unwrap();
    let exec = Exec::new(As::Root, &["/bin/true"]);
    bencher.bench_local(|| {
        let outcome = runtime.block_on(sandbox.exec(&exec)).unwrap();
        assert!(outcome.succeeded());
    });
    runtime.block_on(sandbox.destroy()).unwrap();
    cleanup(&spec);
}

/// The baseline: the same program started directly, with its output captured the same way.
#[divan::bench(sample_count = 50, sample_size = 1)]
fn check_on_host(bencher: divan::Bencher) {
    let runtime = runtime();
    let out: PathBuf = std::env::temp_dir().join(format!("labs-bench-{}.log", std::process::id()));
    bencher.bench_local(|| {
        runtime.block_on(async {
            let file = std::fs::File::create(&out).unwrap();
            let status = tokio::process::Command::new("/bin/true")
                .stdout(file)
                .status()
                .await
                .unwrap();
            assert!(status.success());
        });
    });
    let _ = std::fs::remove_file(out);
}
