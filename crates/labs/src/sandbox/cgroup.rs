//! Control groups: one per sandbox, capping the memory and the number of processes of
//! everything in it together.
//!
//! The unified hierarchy (cgroup v2) is used where its memory and pids controllers can be
//! enabled below this process's own group; otherwise the v1 memory and pids hierarchies,
//! where they are writable. Where neither is, [`Cgroup::create`] returns `None` and the
//! sandbox relies on per-process resource limits alone (see `linux.rs`).

use std::fs;
use std::path::PathBuf;

use super::Limits;

/// A sandbox's control group: one folder in v2, or one per controller in v1.
#[derive(Debug)]
pub struct Cgroup {
    dirs: Vec<PathBuf>,
    version: u8,
}

impl Cgroup {
    /// Makes a group named `name` with `limits`, or `None` when no hierarchy is writable.
    pub fn create(name: &str, limits: &Limits) -> Option<Self> {
        let mounts = fs::read_to_string("/proc/self/mountinfo").ok()?;
        let own = fs::read_to_string("/proc/self/cgroup").ok()?;
        if let Some(group) = v2(&mounts, &own, name, limits) {
            return Some(group);
        }
        v1(&mounts, &own, name, limits)
    }

    /// The files a process writes its pid to in order to join the group.
    pub fn procs_files(&self) -> Vec<PathBuf> {
        self.dirs.iter().map(|d| d.join("cgroup.procs")).collect()
    }

    /// Which cgroup version this is (1 or 2).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The pids of the processes in the group.
    pub fn pids(&self) -> Vec<i32> {
        let Some(dir) = self.dirs.first() else {
            return Vec::new();
        };
        let procs = fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
        procs
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }

    /// Kills whatever is left in the group and removes it.
    pub fn remove(&self) {
        for _ in 0..50 {
            let pids = self.pids();
            if pids.is_empty() {
                break;
            }
            for pid in pids {
                if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                    let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        for dir in &self.dirs {
            if let Err(e) = fs::remove_dir(dir) {
                tracing::warn!(dir = %dir.display(), error = %e, "a sandbox cgroup stays");
            }
        }
    }
}

/// Mount points of cgroup file systems: (file system type, super options, mount point).
fn cgroup_mounts(mountinfo: &str) -> Vec<(String, String, PathBuf)> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let mount_point = left.split(' ').nth(4)?;
            let mut right = right.split(' ');
            let fs_type = right.next()?;
            let options = right.nth(1).unwrap_or_default();
            fs_type.starts_with("cgroup").then(|| {
                (
                    fs_type.to_owned(),
                    options.to_owned(),
                    PathBuf::from(mount_point),
                )
            })
        })
        .collect()
}

/// This process's group in the hierarchy whose `/proc/self/cgroup` controllers field
/// matches `controllers` ("" for v2).
fn own_path(own: &str, wanted: impl Fn(&str) -> bool) -> Option<String> {
    own.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        wanted(controllers).then(|| path.trim_start_matches('/').to_owned())
    })
}

fn v2(mounts: &str, own: &str, name: &str, limits: &Limits) -> Option<Cgroup> {
    let (_, _, root) = cgroup_mounts(mounts)
        .into_iter()
        .find(|(fs_type, _, _)| fs_type == "cgroup2")?;
    let parent = root.join(own_path(own, str::is_empty)?);
    let available = fs::read_to_string(parent.join("cgroup.controllers")).ok()?;
    let has = |c: &str| available.split_whitespace().any(|a| a == c);
    if !has("memory") || !has("pids") {
        return None;
    }
    // Controllers are handed down through the parent's subtree_control; a group with
    // processes of its own cannot hand them down, so this fails in that case.
    fs::write(parent.join("cgroup.subtree_control"), "+memory +pids").ok()?;
    let dir = parent.join(name);
    fs::create_dir(&dir).ok()?;
    let group = Cgroup {
        dirs: vec![dir.clone()],
        version: 2,
    };
    let memory = (limits.memory_mib * 1024 * 1024).to_string();
    let written = fs::write(dir.join("memory.max"), &memory)
        .and_then(|()| fs::write(dir.join("pids.max"), limits.processes.to_string()));
    // Swap would let a sandbox go past its memory; not every kernel has the file.
    let _ = fs::write(dir.join("memory.swap.max"), "0");
    match written {
        Ok(()) => Some(group),
        Err(_) => {
            group.remove();
            None
        }
    }
}

fn v1(mounts: &str, own: &str, name: &str, limits: &Limits) -> Option<Cgroup> {
    let mounts = cgroup_mounts(mounts);
    let mut dirs = Vec::new();
    for controller in ["memory", "pids"] {
        let has = |options: &str| options.split(',').any(|o| o == controller);
        let root = mounts
            .iter()
            .find(|(fs_type, options, _)| fs_type == "cgroup" && has(options))
            .map(|(_, _, root)| root.clone());
        let Some(root) = root else {
            remove_all(&dirs);
            return None;
        };
        let Some(path) = own_path(own, |c| c.split(',').any(|c| c == controller)) else {
            remove_all(&dirs);
            return None;
        };
        let dir = root.join(path).join(name);
        if fs::create_dir(&dir).is_err() {
            remove_all(&dirs);
            return None;
        }
        dirs.push(dir);
    }
    let group = Cgroup { dirs, version: 1 };
    let memory = (limits.memory_mib * 1024 * 1024).to_string();
    let written = fs::write(group.dirs[0].join("memory.limit_in_bytes"), &memory)
        .and_then(|()| fs::write(group.dirs[1].join("pids.max"), limits.processes.to_string()));
    // With swap accounting, the same limit for memory and swap together.
    let _ = fs::write(group.dirs[0].join("memory.memsw.limit_in_bytes"), &memory);
    match written {
        Ok(()) => Some(group),
        Err(_) => {
            group.remove();
            None
        }
    }
}

fn remove_all(dirs: &[PathBuf]) {
    for dir in dirs {
        let _ = fs::remove_dir(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw";

    #[test]
    fn mounts_are_read_from_mountinfo() {
        let mounts = cgroup_mounts(MOUNTINFO);
        assert_eq!(mounts.len(), 3);
        assert_eq!(mounts[0].1, "rw,memory");
        assert_eq!(mounts[2].0, "cgroup2");
        assert_eq!(mounts[2].2, PathBuf::from("/sys/fs/cgroup/unified"));
    }

    #[test]
    fn the_own_group_is_found_per_controller() {
        let own = "8:pids:/\n4:memory:/jobs/abc\n0::/user.slice";
        let memory = own_path(own, |c| c.split(',').any(|c| c == "memory"));
        assert_eq!(memory.as_deref(), Some("jobs/abc"));
        assert_eq!(own_path(own, str::is_empty).as_deref(), Some("user.slice"));
        assert_eq!(own_path(own, |c| c == "cpu"), None);
    }
}
