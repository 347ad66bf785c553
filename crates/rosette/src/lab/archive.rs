//! Tracks uploaded as one archive: a track's folder sent as a gzip-compressed tar (`.tar.gz`,
//! `.tgz`) or a plain tar, over the API or from the web interface.
//!
//! An archive is unpacked into a fresh folder under the data folder, read there with
//! [`Track::load`] and imported as a folder is ([`super::import`]); the folder is removed
//! afterwards, whatever happened. Unpacking trusts nothing in the archive: it writes only
//! regular files and folders, refuses links, devices, absolute paths and `..`, never writes
//! where something already is, and stops at limits that match the track's own
//! ([`labs::track::MAX_TRACK_BYTES`] and the rest), counting what it decompresses so that a
//! small archive cannot unpack into a large one. The archive's own bytes go nowhere else:
//! they are neither logged nor stored.
//!
//! An archive may hold the track's files at its root (`tar czf t.tgz -C my-track .`) or in
//! one folder (`tar czf t.tgz my-track/`); both unpack to the same track.

use std::cell::Cell;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use axum::body::Bytes;
use labs::track::{
    MAX_TRACK_BYTES, MAX_TRACK_DEPTH, MAX_TRACK_ENTRIES, Problem, Track, TrackError,
};

use super::{ImportError, Imported};
use crate::db::{Db, new_id};

/// The largest archive read, compressed or not, and the most a compressed one may unpack to
/// (headers and padding included): a full-sized track with room for a tar's overhead.
pub const MAX_ARCHIVE_BYTES: usize = MAX_TRACK_BYTES as usize + 4 * 1024 * 1024;
/// The most entries an archive may hold: a track's, and the folder around it.
const MAX_ENTRIES: usize = MAX_TRACK_ENTRIES + 1;
/// The most names an entry's path may have: a track's depth, in the folder around it.
const MAX_PATH_NAMES: usize = MAX_TRACK_DEPTH + 1;
/// Upload folders older than this were left by a server that stopped while importing.
const STALE_UPLOAD: Duration = Duration::from_secs(60 * 60);
/// What a track is made of, for the messages that refuse anything else.
const ONLY: &str = "a track holds only regular files and folders";

/// Why an uploaded archive was not imported.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The bytes are not an archive that can be read: not a tar, gzip-compressed or not, or
    /// one that is damaged or cut short.
    #[error("{0}")]
    Unreadable(String),
    /// The archive was read and holds something a track may not: the message names the
    /// entry (a link, a device, a path outside the track) or the limit it went past.
    #[error("{0}")]
    Refused(String),
    /// The track in the archive has problems, each naming its file.
    #[error("{}", TrackError::Invalid(.0.clone()))]
    Invalid(Vec<Problem>),
    /// The track is valid, and the organization cannot take it (the achievement it names,
    /// its issuer); the message says why.
    #[error("{0}")]
    Rejected(String),
    /// Something failed on our side.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl UploadError {
    /// What was wrong as sentences for a person, one per problem.
    pub fn problems(&self) -> Vec<String> {
        match self {
            Self::Invalid(problems) => problems.iter().map(ToString::to_string).collect(),
            other => vec![other.to_string()],
        }
    }
}

/// Imports the track in `archive` into the organization, as [`super::import`] imports a
/// folder; `issuer_id` is as there. The archive is unpacked under `data_dir`, and the
/// unpacked folder is removed before this returns, on failure too.
pub async fn import(
    db: &Db,
    data_dir: &Path,
    org_id: &str,
    archive: Bytes,
    issuer_id: Option<&str>,
) -> Result<Imported, UploadError> {
    let uploads = data_dir.join("labs").join("uploads");
    // The folder travels with the blocking task's answer, so that it is removed even when
    // the request is given up on while the archive is being unpacked.
    let unpacked = tokio::task::spawn_blocking(move || {
        let folder = UploadFolder::create(&uploads)?;
        let track = load(&unpack(&archive, folder.path())?)?;
        Ok::<_, UploadError>((folder, track))
    })
    .await
    .map_err(anyhow::Error::from)?;
    let (folder, track) = unpacked?;

    let imported = super::import(db, org_id, &track, issuer_id).await;
    drop(folder);
    imported.map_err(|e| match e {
        ImportError::Invalid(why) => UploadError::Rejected(why),
        ImportError::Other(e) => UploadError::Other(e),
    })
}

/// Unpacks `archive` into the empty folder `into` and returns the track's folder: `into`
/// itself, or the one folder the archive put everything in.
pub fn unpack(archive: &[u8], into: &Path) -> Result<PathBuf, UploadError> {
    let exceeded = Rc::new(Cell::new(false));
    let stream: Box<dyn Read + '_> = match Format::of(archive)? {
        Format::Gzip => Box::new(flate2::read::MultiGzDecoder::new(archive)),
        Format::Tar => Box::new(archive),
    };
    let stream = Capped {
        inner: stream,
        read: 0,
        exceeded: exceeded.clone(),
    };
    let mut unpacker = Unpacker {
        into,
        exceeded,
        entries: 0,
        bytes: 0,
    };
    let mut tar = tar::Archive::new(stream);
    let entries = tar.entries().map_err(|e| unpacker.unreadable(&e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| unpacker.unreadable(&e))?;
        unpacker.entry(&mut entry)?;
    }
    if unpacker.entries == 0 {
        return Err(UploadError::Refused("the archive is empty".into()));
    }
    track_folder(into)
}

/// How the archive's bytes are packed.
enum Format {
    Gzip,
    Tar,
}

impl Format {
    fn of(archive: &[u8]) -> Result<Self, UploadError> {
        let make_one = "make one with `tar czf track.tgz my-track/`";
        if archive.starts_with(&[0x1f, 0x8b]) {
            Ok(Self::Gzip)
        } else if archive.get(257..262) == Some(b"ustar") {
            Ok(Self::Tar)
        } else if archive.starts_with(b"PK\x03\x04") || archive.starts_with(b"PK\x05\x06") {
            Err(UploadError::Unreadable(format!(
                "this is a zip file; a track is uploaded as a tar, gzip-compressed or not: \
                 {make_one}"
            )))
        } else {
            Err(UploadError::Unreadable(format!(
                "this is neither a gzip-compressed tar (.tar.gz, .tgz) nor a tar: {make_one}"
            )))
        }
    }
}

/// A reader that fails, and says so in `exceeded`, once more than [`MAX_ARCHIVE_BYTES`]
/// have come through it.
struct Capped<R> {
    inner: R,
    read: usize,
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n;
        if self.read > MAX_ARCHIVE_BYTES {
            self.exceeded.set(true);
            return Err(io::Error::other(
                "the archive unpacks to more than its limit",
            ));
        }
        Ok(n)
    }
}

/// Writes the entries of one archive, counting them against the limits.
struct Unpacker<'a> {
    into: &'a Path,
    exceeded: Rc<Cell<bool>>,
    entries: usize,
    bytes: u64,
}

impl Unpacker<'_> {
    /// Checks one entry and writes it, when it is a file or a folder.
    fn entry<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) -> Result<(), UploadError> {
        let name = String::from_utf8(entry.path_bytes().into_owned()).map_err(|e| {
            let name = String::from_utf8_lossy(e.as_bytes()).into_owned();
            refused(&name, "has a name that is not UTF-8")
        })?;
        self.entries += 1;
        if self.entries > MAX_ENTRIES {
            return Err(UploadError::Refused(format!(
                "the archive holds more than {MAX_ENTRIES} files and folders (the track's \
                 limit, and the folder around it); it was still going at {name:?}"
            )));
        }
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() {
            // Metadata for the whole archive (`git archive` writes the commit there).
            return Ok(());
        }
        let path = relative(&name).map_err(|why| refused(&name, why))?;
        if path.components().count() > MAX_PATH_NAMES {
            let why = format!("nests more than {MAX_TRACK_DEPTH} folders deep");
            return Err(refused(&name, &why));
        }
        match kind {
            tar::EntryType::Directory => self.folder(&name, &path),
            // Old archives mark folders with a trailing slash only.
            tar::EntryType::Regular if name.ends_with('/') => self.folder(&name, &path),
            tar::EntryType::Regular => self.file(&name, &path, entry),
            tar::EntryType::Symlink => Err(refused(&name, &format!("is a symbolic link; {ONLY}"))),
            tar::EntryType::Link => Err(refused(&name, &format!("is a hard link; {ONLY}"))),
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                Err(refused(&name, &format!("is a device or a pipe; {ONLY}")))
            }
            _ => Err(refused(
                &name,
                &format!("is of a kind tar calls {kind:?}; {ONLY}"),
            )),
        }
    }

    fn folder(&self, name: &str, path: &Path) -> Result<(), UploadError> {
        fs::create_dir_all(self.into.join(path)).map_err(|e| placing(name, e))
    }

    fn file<R: Read>(
        &mut self,
        name: &str,
        path: &Path,
        entry: &mut tar::Entry<'_, R>,
    ) -> Result<(), UploadError> {
        if path.as_os_str().is_empty() {
            return Err(refused(name, "is a file without a name"));
        }
        let size = entry.size();
        self.bytes = self.bytes.saturating_add(size);
        if self.bytes > MAX_TRACK_BYTES {
            return Err(UploadError::Refused(format!(
                "the archive's files hold more than {} MiB in all, the most a track may \
                 hold; it was still going at {name:?}",
                MAX_TRACK_BYTES / (1024 * 1024)
            )));
        }
        let target = self.into.join(path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| placing(name, e))?;
        }
        // `create_new` writes nowhere that anything already is, a link included.
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .map_err(|e| placing(name, e))?;
        let written = io::copy(&mut entry.take(size), &mut file);
        match written.map_err(|e| self.unreadable(&e))? {
            n if n == size => Ok(()),
            _ => Err(UploadError::Unreadable(format!(
                "the archive is cut short: it ends inside {name:?}"
            ))),
        }
    }

    /// An error reading the archive, as the person who sent it should hear it.
    fn unreadable(&self, error: &io::Error) -> UploadError {
        if self.exceeded.get() {
            return UploadError::Refused(format!(
                "the archive unpacks to more than {} MiB; a track holds at most {} MiB",
                MAX_ARCHIVE_BYTES / (1024 * 1024),
                MAX_TRACK_BYTES / (1024 * 1024)
            ));
        }
        UploadError::Unreadable(format!("the archive cannot be read: {error}"))
    }
}

/// An entry's path inside the track, without `.` names; why not, when it would leave it.
fn relative(name: &str) -> Result<PathBuf, &'static str> {
    let mut path = PathBuf::new();
    for component in Path::new(name).components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err("leads out of the track's folder with `..`"),
            Component::RootDir | Component::Prefix(_) => {
                return Err("is an absolute path; a track's files are named inside its folder");
            }
        }
    }
    Ok(path)
}

fn refused(name: &str, why: &str) -> UploadError {
    UploadError::Refused(format!("the archive's entry {name:?} {why}"))
}

/// An entry that cannot be written where the archive puts it: a name used twice, or a file
/// where a folder should be, is the archive's fault; anything else is ours.
fn placing(name: &str, error: io::Error) -> UploadError {
    match error.kind() {
        io::ErrorKind::AlreadyExists | io::ErrorKind::NotADirectory => refused(
            name,
            "is in the archive twice, or a file of the archive has the name of its folder",
        ),
        _ => UploadError::Other(anyhow::anyhow!("cannot unpack an uploaded track: {error}")),
    }
}

/// The folder that holds the track: the root, unless `track.yaml` is not there and the
/// archive put everything in one folder.
fn track_folder(root: &Path) -> Result<PathBuf, UploadError> {
    let unreadable = |e: io::Error| anyhow::anyhow!("cannot read an unpacked track: {e}");
    if root.join("track.yaml").exists() {
        return Ok(root.to_owned());
    }
    let entries = fs::read_dir(root).map_err(unreadable)?;
    let entries: Vec<fs::DirEntry> = entries.collect::<Result<_, _>>().map_err(unreadable)?;
    match entries.as_slice() {
        [only] if only.file_type().map_err(unreadable)?.is_dir() => Ok(only.path()),
        _ => Ok(root.to_owned()),
    }
}

/// Reads the unpacked track. Its problems name files inside it; the folder it is in is
/// ours, and stays out of every message.
fn load(dir: &Path) -> Result<Track, UploadError> {
    Track::load(dir).map_err(|e| match e {
        TrackError::Invalid(problems) => UploadError::Invalid(problems),
        other => UploadError::Other(anyhow::anyhow!("cannot read an unpacked track: {other}")),
    })
}

/// A fresh folder for one upload, removed with everything in it when dropped.
struct UploadFolder(PathBuf);

impl UploadFolder {
    /// Makes a new folder in `uploads`, first removing those that uploads cut short by a
    /// stopped server left there.
    fn create(uploads: &Path) -> Result<Self, UploadError> {
        let failed = |e: io::Error| anyhow::anyhow!("cannot make a folder for an upload: {e}");
        fs::create_dir_all(uploads).map_err(failed)?;
        remove_stale(uploads);
        let path = uploads.join(new_id());
        fs::create_dir(&path).map_err(failed)?;
        Ok(Self(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for UploadFolder {
    fn drop(&mut self) {
        if let Err(e) = fs::remove_dir_all(&self.0)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(error = %e, path = %self.0.display(), "an upload folder stays behind");
        }
    }
}

fn remove_stale(uploads: &Path) {
    let Ok(entries) = fs::read_dir(uploads) else {
        return;
    };
    for entry in entries.flatten() {
        let age = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok());
        if age.is_some_and(|age| age > STALE_UPLOAD) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A folder of its own under the system's temporary folder, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new() -> Self {
            let path = std::env::temp_dir().join(format!("rosette-archive-{}", new_id()));
            fs::create_dir_all(&path).unwrap();
            Self(path)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// A tar of `(name, contents)` files, each named exactly so: the `tar` crate's own
    /// checks on names are bypassed, as a hostile archive's maker would.
    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, contents) in files {
            let mut header = tar::Header::new_ustar();
            header.set_entry_type(tar::EntryType::Regular);
            raw_name(&mut header, name);
            header.set_size(contents.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append(&header, *contents).unwrap();
        }
        builder.into_inner().unwrap()
    }

    fn raw_name(header: &mut tar::Header, name: &str) {
        let field = &mut header.as_old_mut().name;
        field.fill(0);
        field[..name.len()].copy_from_slice(name.as_bytes());
    }

    fn entry_of(kind: tar::EntryType, name: &str, link: Option<&str>) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(kind);
        raw_name(&mut header, name);
        if let Some(link) = link {
            header.set_link_name(link).unwrap();
        }
        header.set_size(0);
        header.set_cksum();
        builder.append(&header, io::empty()).unwrap();
        builder.into_inner().unwrap()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn refusal(archive: &[u8]) -> String {
        let scratch = Scratch::new();
        match unpack(archive, &scratch.0) {
            Err(UploadError::Refused(why) | UploadError::Unreadable(why)) => why,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn files_in_one_folder_or_at_the_root_unpack_to_the_track() {
        for (prefix, gzipped) in [("my-track/", true), ("./", false), ("", true)] {
            let yaml = format!("{prefix}track.yaml");
            let check = format!("{prefix}challenges/01-one/check");
            let tar = tar_of(&[(&yaml, b"slug: x\n"), (&check, b"#!/bin/sh\n")]);
            let archive = if gzipped { gzip(&tar) } else { tar };
            let scratch = Scratch::new();
            let root = unpack(&archive, &scratch.0).unwrap();
            let expected = match prefix {
                "my-track/" => scratch.0.join("my-track"),
                _ => scratch.0.clone(),
            };
            assert_eq!(root, expected, "{prefix:?}");
            assert_eq!(fs::read(root.join("track.yaml")).unwrap(), b"slug: x\n");
            assert!(root.join("challenges/01-one/check").is_file());
        }
    }

    #[test]
    fn entries_that_leave_the_folder_are_refused_by_name() {
        let parent = refusal(&tar_of(&[("t/../../x", b"boo")]));
        assert!(
            parent.contains("\"t/../../x\"") && parent.contains(".."),
            "{parent}"
        );
        let absolute = refusal(&gzip(&tar_of(&[("/etc/cron.d/x", b"boo")])));
        assert!(
            absolute.contains("\"/etc/cron.d/x\" is an absolute path"),
            "{absolute}"
        );
    }

    #[test]
    fn links_devices_and_pipes_are_refused_by_name() {
        let cases = [
            (tar::EntryType::Symlink, "symbolic link"),
            (tar::EntryType::Link, "hard link"),
            (tar::EntryType::Char, "device"),
            (tar::EntryType::Block, "device"),
            (tar::EntryType::Fifo, "pipe"),
        ];
        for (kind, said) in cases {
            let archive = entry_of(kind, "t/challenges/x", Some("/etc/passwd"));
            let why = refusal(&archive);
            assert!(
                why.contains("\"t/challenges/x\"") && why.contains(said),
                "{why}"
            );
        }
    }

    #[test]
    fn a_name_used_twice_or_a_file_where_a_folder_goes_is_refused() {
        let twice = refusal(&tar_of(&[("t/a", b"1"), ("t/a", b"2")]));
        assert!(twice.contains("\"t/a\" is in the archive twice"), "{twice}");
        let under_a_file = refusal(&tar_of(&[("t/a", b"1"), ("t/a/b", b"2")]));
        assert!(under_a_file.contains("\"t/a/b\""), "{under_a_file}");
    }

    #[test]
    fn limits_are_refused_with_the_entry_where_they_were_passed() {
        let deep = format!("{}f", "d/".repeat(MAX_PATH_NAMES));
        let why = refusal(&tar_of(&[(&deep, b"x")]));
        assert!(why.contains("nests more than 16 folders deep"), "{why}");

        let names: Vec<String> = (0..=MAX_ENTRIES).map(|n| format!("t/{n}")).collect();
        let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        let why = refusal(&tar_of(&files));
        assert!(why.contains("more than 1001 files and folders"), "{why}");
        assert!(why.contains(&format!("\"t/{MAX_ENTRIES}\"")), "{why}");

        let big = vec![0_u8; MAX_TRACK_BYTES as usize / 2 + 1];
        let why = refusal(&gzip(&tar_of(&[("t/a", &big), ("t/b", &big)])));
        assert!(
            why.contains("more than 16 MiB in all") && why.contains("\"t/b\""),
            "{why}"
        );
    }

    #[test]
    fn an_archive_that_unpacks_past_its_limit_stops_there() {
        // One entry claiming far more than a track may hold, made of zeros that compress
        // to almost nothing: the size is refused before a byte of it is written.
        let mut header = tar::Header::new_ustar();
        raw_name(&mut header, "t/zeros");
        header.set_size(1 << 40);
        header.set_cksum();
        let mut stream = header.as_bytes().to_vec();
        stream.extend(vec![0_u8; MAX_ARCHIVE_BYTES + 1024]);
        let why = refusal(&gzip(&stream));
        assert!(why.contains("more than 16 MiB in all"), "{why}");

        // A long name (a GNU extension entry) that is all padding: the stream is cut off.
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::GNULongName);
        raw_name(&mut header, "././@LongLink");
        header.set_size(MAX_ARCHIVE_BYTES as u64 * 2);
        header.set_cksum();
        let mut stream = header.as_bytes().to_vec();
        stream.extend(vec![b'a'; MAX_ARCHIVE_BYTES + 1024]);
        let why = refusal(&gzip(&stream));
        assert!(why.contains("unpacks to more than 20 MiB"), "{why}");
    }

    #[test]
    fn what_is_not_a_tar_is_said_to_be_unreadable() {
        for (bytes, said) in [
            (&b"PK\x03\x04rest of a zip"[..], "zip file"),
            (b"hello", "neither a gzip-compressed tar"),
        ] {
            let why = refusal(bytes);
            assert!(why.contains(said), "{why}");
        }
        let damaged = gzip(&[7_u8; 1024]);
        assert!(refusal(&damaged).contains("cannot be read"));
        let mut cut = gzip(&tar_of(&[("t/a", &[1_u8; 4096])]));
        cut.truncate(cut.len() / 2);
        assert!(refusal(&cut).contains("cannot be read"));
        assert_eq!(refusal(&gzip(&[0_u8; 1024])), "the archive is empty");
    }

    #[test]
    fn an_upload_folder_goes_when_dropped_and_stale_ones_are_swept() {
        let scratch = Scratch::new();
        let stale = scratch.0.join("left-behind");
        fs::create_dir_all(stale.join("inner")).unwrap();
        let long_ago = std::time::SystemTime::now() - STALE_UPLOAD * 2;
        fs::File::open(&stale)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        let fresh = scratch.0.join("in-progress");
        fs::create_dir_all(&fresh).unwrap();

        let folder = UploadFolder::create(&scratch.0).unwrap();
        let path = folder.path().to_owned();
        fs::write(path.join("track.yaml"), "x").unwrap();
        assert!(!stale.exists() && fresh.exists());
        drop(folder);
        assert!(!path.exists());
    }
}
