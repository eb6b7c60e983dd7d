//! The append-only JSON-lines journal that `gowarden watch`/`history` (drift events) and
//! `gowarden repair`/`undo` (repair intents and outcomes) share.
//!
//! One JSON value per line. Several writers in separate processes (the app and the CLI) may
//! append at once: every append takes an exclusive `flock` on the journal file, writes the
//! whole line with one `write`, and `fsync`s before unlocking. A crash mid-write leaves at most
//! a torn last line: readers skip (and count) lines that do not parse, and the next append
//! first ends the torn line so the new record starts on its own.
//!
//! Size is bounded by rotation. An append that would take the file past its limit first
//! renames it to `<name>.1` (replacing the previous `.1`) and starts a new file. What is kept
//! is exactly two generations, the current file and `<name>.1`; older records are dropped by
//! design, so at most about twice the limit is on disk. Readers take a shared lock on the
//! current file, which holds rotation off, so [`Journal::read_all`] sees both generations
//! from one moment.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::os::unix::fs::{DirBuilderExt, FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::Context;
use crate::platform::Os;

/// The size past which a journal is rotated unless told otherwise: 4 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 4 << 20;

/// The app's identifier (`tauri.conf.json`), which names the data directory on macOS. Not
/// `dev.gowarden.app`: an identifier ending in `.app` clashes with the bundle extension.
pub const APP_IDENTIFIER: &str = "dev.gowarden.gowarden";

/// How many bytes [`Journal::read_tail`] reads per step, walking back from the end.
const TAIL_CHUNK: usize = 64 << 10;

/// How often an append or read reopens a journal rotated away under it before giving up.
/// Each reopen means another writer made progress, so this is never reached by gowarden alone.
const MAX_REOPENS: usize = 64;

/// Where gowarden keeps its journals, from the environment `var` gives.
///
/// `GOWARDEN_DATA_DIR` when set (taken as given); on macOS
/// `~/Library/Application Support/dev.gowarden.gowarden` (the app's own directory); elsewhere
/// `$XDG_DATA_HOME/gowarden` when that is absolute, else `~/.local/share/gowarden`. Empty
/// variables count as unset. `None` when the answer needs a HOME that is not set.
pub fn data_dir(os_is_macos: bool, var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let var = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("GOWARDEN_DATA_DIR") {
        return Some(dir);
    }
    if os_is_macos {
        return var("HOME").map(|home| {
            home.join("Library/Application Support")
                .join(APP_IDENTIFIER)
        });
    }
    match var("XDG_DATA_HOME") {
        Some(xdg) if xdg.is_absolute() => Some(xdg.join("gowarden")),
        _ => var("HOME").map(|home| home.join(".local/share/gowarden")),
    }
}

/// [`data_dir`] for the machine a [`Context`] describes.
pub fn data_dir_for(ctx: &Context) -> Option<PathBuf> {
    data_dir(ctx.host().os == Os::Darwin, |name| {
        ctx.var(name).map(OsStr::to_os_string)
    })
}

/// Flushes a directory's entries to disk, so a file created or renamed in it survives a crash.
pub fn fsync_dir(dir: &Path) -> Result<(), JournalError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| JournalError::SyncDir {
            path: dir.to_path_buf(),
            source,
        })
}

/// A journal operation that failed: what was being done, to which file, and why.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The journal's directory could not be created.
    #[error(
        "cannot create the journal directory {}: {source}; make its parent writable, or set \
         GOWARDEN_DATA_DIR to a writable directory",
        path.display()
    )]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The journal file could not be opened or created.
    #[error(
        "cannot open the journal {}: {source}; check its permissions, or set GOWARDEN_DATA_DIR \
         to a writable directory",
        path.display()
    )]
    Open {
        /// The journal file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The journal file could not be locked.
    #[error(
        "cannot lock the journal {}: {source}; its filesystem may not support flock, so set \
         GOWARDEN_DATA_DIR to a directory on a local disk",
        path.display()
    )]
    Lock {
        /// The journal file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The journal file could not be read.
    #[error(
        "cannot read the journal {}: {source}; check the file's permissions and the disk",
        path.display()
    )]
    Read {
        /// The journal file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A record could not be written or synced; it may be missing or torn (readers skip it).
    #[error(
        "cannot write to the journal {}: {source}; the record was not saved, so free disk \
         space or fix the file's permissions and retry",
        path.display()
    )]
    Write {
        /// The journal file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The full journal could not be renamed to its `.1` generation.
    #[error(
        "cannot rotate the journal {} to {}: {source}; remove {} (or make it writable) and retry",
        path.display(),
        to.display(),
        to.display()
    )]
    Rotate {
        /// The journal file.
        path: PathBuf,
        /// Where it was being renamed to.
        to: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A directory could not be synced after a file in it was created or renamed.
    #[error(
        "cannot sync the directory {}: {source}; the last change to it may not survive a \
         crash, so check the disk and retry",
        path.display()
    )]
    SyncDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A record could not be encoded as JSON.
    #[error(
        "cannot encode a record for the journal {}: {source}; this is a bug in gowarden, \
         please report it",
        path.display()
    )]
    Encode {
        /// The journal file.
        path: PathBuf,
        /// The encoder's error.
        source: serde_json::Error,
    },
    /// The journal kept being replaced while waiting for its lock.
    #[error(
        "the journal {} was replaced {MAX_REOPENS} times while waiting for its lock; another \
         program is recreating it in a loop, so stop it and retry",
        path.display()
    )]
    Unstable {
        /// The journal file.
        path: PathBuf,
    },
}

/// What a read found: the records that parsed, oldest first, and how many lines did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records<T> {
    /// The records that parsed, oldest first.
    pub records: Vec<T>,
    /// Lines that were not a `T` (torn by a crash, garbage, not UTF-8). Blank lines are not
    /// counted: they hold nothing that was lost.
    pub skipped: usize,
}

impl<T> Default for Records<T> {
    fn default() -> Self {
        Records {
            records: Vec::new(),
            skipped: 0,
        }
    }
}

/// An append-only JSON-lines file, rotated to `<name>.1` when it grows past its limit.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
    rotated: PathBuf,
    max_bytes: u64,
}

impl Journal {
    /// The journal at `path`, rotated past [`DEFAULT_MAX_BYTES`]. Nothing is touched until
    /// the first append (which creates the file and its directory) or read.
    pub fn open(path: impl Into<PathBuf>) -> Journal {
        let path = path.into();
        let mut rotated = path.clone().into_os_string();
        rotated.push(".1");
        Journal {
            path,
            rotated: PathBuf::from(rotated),
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }

    /// The same journal, rotated when an append would take it past `max_bytes`.
    pub fn with_max_bytes(self, max_bytes: u64) -> Journal {
        Journal { max_bytes, ..self }
    }

    /// The current file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The previous generation, `<name>.1`.
    pub fn rotated_path(&self) -> &Path {
        &self.rotated
    }

    /// Appends `record` as one line; when this returns, the line is on disk (`fsync`ed).
    ///
    /// If the file does not end in a newline (a crash tore the last line), a newline goes
    /// first so the record starts on its own line. If the line would take the file past the
    /// limit, the file is first rotated to `<name>.1`; a record larger than the limit gets a
    /// new file to itself.
    #[doc(alias = "append_durable")]
    pub fn append<T: Serialize + ?Sized>(&self, record: &T) -> Result<(), JournalError> {
        // `buf[0]` is a newline for ending a torn line, written only when needed, so the
        // whole thing still goes out in one write.
        let mut buf = vec![b'\n'];
        serde_json::to_writer(&mut buf, record).map_err(|source| JournalError::Encode {
            path: self.path.clone(),
            source,
        })?;
        buf.push(b'\n');
        let line_len = (buf.len() - 1) as u64;

        for _ in 0..MAX_REOPENS {
            let file = self.lock_current()?;
            let len = file.metadata().map_err(|e| self.read_err(e))?.len();
            if len > 0 && len + line_len > self.max_bytes {
                self.rotate()?;
                // Dropping `file` unlocks it; writers waiting on it will find it moved and
                // reopen, and so do we.
                continue;
            }
            let start =
                if len > 0 && !ends_with_newline(&file, len).map_err(|e| self.read_err(e))? {
                    0
                } else {
                    1
                };
            // A regular file takes the whole buffer in one write(2); write_all only loops if
            // the disk fills up, and the lock keeps other writers out either way.
            (&file)
                .write_all(&buf[start..])
                .and_then(|()| file.sync_data())
                .map_err(|source| JournalError::Write {
                    path: self.path.clone(),
                    source,
                })?;
            if len == 0 {
                // A new generation: make its directory entry durable too.
                fsync_dir(self.dir())?;
            }
            return Ok(());
        }
        Err(JournalError::Unstable {
            path: self.path.clone(),
        })
    }

    /// The current file's records (not the rotated generation). No journal yet reads as empty.
    pub fn read<T: DeserializeOwned>(&self) -> Result<Records<T>, JournalError> {
        let mut out = Records::default();
        if let Some(file) = self.lock_current_shared()? {
            self.parse_whole(&file, &self.path, &mut out)?;
        }
        Ok(out)
    }

    /// Every record kept: the rotated generation `<name>.1`, then the current file.
    pub fn read_all<T: DeserializeOwned>(&self) -> Result<Records<T>, JournalError> {
        // Holding the current file's shared lock keeps rotation off until both are read.
        let current = self.lock_current_shared()?;
        let mut out = Records::default();
        if let Some(old) = self.open_rotated()? {
            self.parse_whole(&old, &self.rotated, &mut out)?;
        }
        if let Some(file) = current {
            self.parse_whole(&file, &self.path, &mut out)?;
        }
        Ok(out)
    }

    /// The newest `limit` records kept (current file, then `<name>.1` if needed), oldest
    /// first. Reads backwards from the end, so only the lines it returns or skips are parsed;
    /// `skipped` counts just those.
    pub fn read_tail<T: DeserializeOwned>(&self, limit: usize) -> Result<Records<T>, JournalError> {
        let mut newest_first = Records::default();
        if limit == 0 {
            return Ok(newest_first);
        }
        let current = self.lock_current_shared()?;
        if let Some(file) = &current {
            tail_into(file, TAIL_CHUNK, limit, &mut newest_first).map_err(|e| self.read_err(e))?;
        }
        if newest_first.records.len() < limit
            && let Some(old) = self.open_rotated()?
        {
            tail_into(&old, TAIL_CHUNK, limit, &mut newest_first).map_err(|source| {
                JournalError::Read {
                    path: self.rotated.clone(),
                    source,
                }
            })?;
        }
        newest_first.records.reverse();
        Ok(newest_first)
    }

    /// The directory holding the journal (`.` for a bare file name).
    fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        }
    }

    /// The current file, created if missing (directory too, mode 0700), exclusively locked.
    fn lock_current(&self) -> Result<File, JournalError> {
        for _ in 0..MAX_REOPENS {
            let mut opts = OpenOptions::new();
            // Never through a symlink: an elevated repair appends to a user's journal.
            opts.read(true)
                .append(true)
                .create(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW);
            let file = match opts.open(&self.path) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    self.create_dir()?;
                    opts.open(&self.path).map_err(|e| self.open_err(e))?
                }
                Err(e) => return Err(self.open_err(e)),
            };
            lock(&file, true).map_err(|e| self.lock_err(e))?;
            if self.is_current(&file)? {
                return Ok(file);
            }
        }
        Err(JournalError::Unstable {
            path: self.path.clone(),
        })
    }

    /// The current file with a shared lock, or `None` when there is none.
    fn lock_current_shared(&self) -> Result<Option<File>, JournalError> {
        for _ in 0..MAX_REOPENS {
            let file = match open_nofollow(&self.path) {
                Ok(f) => f,
                // No journal yet, or just rotated away and not yet recreated: nothing newer
                // than `.1` exists at this moment.
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(self.open_err(e)),
            };
            lock(&file, false).map_err(|e| self.lock_err(e))?;
            if self.is_current(&file)? {
                return Ok(Some(file));
            }
        }
        Err(JournalError::Unstable {
            path: self.path.clone(),
        })
    }

    /// `<name>.1` for reading, or `None` when the journal never rotated. It needs no lock of
    /// its own: once rotated, a generation is never written again.
    fn open_rotated(&self) -> Result<Option<File>, JournalError> {
        match open_nofollow(&self.rotated) {
            Ok(f) => Ok(Some(f)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(JournalError::Open {
                path: self.rotated.clone(),
                source,
            }),
        }
    }

    /// Whether the file we locked is still the one at the path: a writer may have rotated it
    /// away while we waited for the lock.
    fn is_current(&self, file: &File) -> Result<bool, JournalError> {
        let ours = file.metadata().map_err(|e| self.read_err(e))?;
        match fs::metadata(&self.path) {
            Ok(there) => Ok(there.dev() == ours.dev() && there.ino() == ours.ino()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(self.open_err(e)),
        }
    }

    /// Renames the full current file (locked by the caller) to `<name>.1`.
    fn rotate(&self) -> Result<(), JournalError> {
        fs::rename(&self.path, &self.rotated).map_err(|source| JournalError::Rotate {
            path: self.path.clone(),
            to: self.rotated.clone(),
            source,
        })?;
        fsync_dir(self.dir())
    }

    /// Creates the journal's directory, private to the user.
    fn create_dir(&self) -> Result<(), JournalError> {
        let dir = self.dir();
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|source| JournalError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            fsync_dir(parent)?;
        }
        Ok(())
    }

    /// Parses every line of `file` into `out`.
    fn parse_whole<T: DeserializeOwned>(
        &self,
        mut file: &File,
        path: &Path,
        out: &mut Records<T>,
    ) -> Result<(), JournalError> {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|source| JournalError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        for line in bytes.split(|&b| b == b'\n') {
            parse_line(line, out);
        }
        Ok(())
    }

    fn open_err(&self, source: io::Error) -> JournalError {
        JournalError::Open {
            path: self.path.clone(),
            source,
        }
    }

    fn lock_err(&self, source: io::Error) -> JournalError {
        JournalError::Lock {
            path: self.path.clone(),
            source,
        }
    }

    fn read_err(&self, source: io::Error) -> JournalError {
        JournalError::Read {
            path: self.path.clone(),
            source,
        }
    }
}

/// Opens `path` for reading, refusing a symlink there.
fn open_nofollow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// Takes `flock` on `file` (exclusive or shared), retrying when a signal interrupts the wait.
/// The lock belongs to this open file description and goes away when `file` is closed.
fn lock(file: &File, exclusive: bool) -> io::Result<()> {
    loop {
        let got = if exclusive {
            file.lock()
        } else {
            file.lock_shared()
        };
        match got {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Whether the `len`-byte `file` ends with a newline.
fn ends_with_newline(file: &File, len: u64) -> io::Result<bool> {
    let mut last = [0u8];
    file.read_exact_at(&mut last, len - 1)?;
    Ok(last[0] == b'\n')
}

/// Adds one line to `out`: a record if it parses, a skip if not, nothing if blank.
fn parse_line<T: DeserializeOwned>(line: &[u8], out: &mut Records<T>) {
    if line.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    match serde_json::from_slice(line) {
        Ok(record) => out.records.push(record),
        Err(_) => out.skipped += 1,
    }
}

/// Walks `file` backwards from its end, `chunk` bytes at a time, adding its lines to `out`
/// newest first until `out` holds `limit` records.
fn tail_into<T: DeserializeOwned>(
    file: &File,
    chunk: usize,
    limit: usize,
    out: &mut Records<T>,
) -> io::Result<()> {
    let mut pos = file.metadata()?.len();
    // The bytes from `pos` to the end of the earliest line seen so far, whose start (before
    // `pos`) has not been read yet.
    let mut partial = Vec::new();
    while out.records.len() < limit {
        if pos == 0 {
            // What is left is the file's first line.
            parse_line(&partial, out);
            break;
        }
        let start = pos.saturating_sub(chunk as u64);
        let mut buf = vec![0; (pos - start) as usize];
        file.read_exact_at(&mut buf, start)?;
        buf.extend_from_slice(&partial);
        pos = start;
        // Everything after the first newline in `buf` is whole lines.
        let mut end = buf.len();
        while let Some(nl) = memchr::memrchr(b'\n', &buf[..end]) {
            parse_line(&buf[nl + 1..end], out);
            end = nl;
            if out.records.len() >= limit {
                return Ok(());
            }
        }
        buf.truncate(end);
        partial = buf;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Barrier};
    use std::thread;
    use std::time::Duration;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    struct Rec {
        writer: String,
        seq: u32,
    }

    fn rec(writer: &str, seq: u32) -> Rec {
        Rec {
            writer: writer.to_string(),
            seq,
        }
    }

    fn raw_lines(path: &Path) -> Vec<Vec<u8>> {
        let bytes = fs::read(path).unwrap();
        assert!(bytes.ends_with(b"\n"), "journal ends mid-line");
        bytes[..bytes.len() - 1]
            .split(|&b| b == b'\n')
            .map(<[u8]>::to_vec)
            .collect()
    }

    /// Each writer's sequence numbers, in the order they were read.
    fn by_writer(records: &[Rec]) -> BTreeMap<String, Vec<u32>> {
        let mut map: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for r in records {
            map.entry(r.writer.clone()).or_default().push(r.seq);
        }
        map
    }

    /// The names of the writers `append_concurrently` starts.
    fn writer_names(threads: usize, child: bool) -> Vec<String> {
        let mut names: Vec<String> = (0..threads).map(|t| format!("thread-{t}")).collect();
        if child {
            names.push("child".to_string());
        }
        names
    }

    const CHILD_PATH: &str = "GOWARDEN_JOURNAL_TEST_CHILD";
    const CHILD_MAX: &str = "GOWARDEN_JOURNAL_TEST_CHILD_MAX";
    const CHILD_COUNT: &str = "GOWARDEN_JOURNAL_TEST_CHILD_COUNT";

    /// Not a test on its own: when a test runs this binary as a second writer process (the
    /// CLI beside the app), this appends its records; otherwise it does nothing.
    #[test]
    fn child_appender() {
        let Some(path) = std::env::var_os(CHILD_PATH) else {
            return;
        };
        let num = |name| std::env::var(name).unwrap().parse::<u64>().unwrap();
        let journal = Journal::open(path).with_max_bytes(num(CHILD_MAX));
        for seq in 0..num(CHILD_COUNT) {
            journal.append(&rec("child", seq as u32)).unwrap();
        }
    }

    /// `threads` threads (each with its own `Journal`, so its own open file and flock) and,
    /// if `child`, one child process each append `per` records to `path` at the same time.
    fn append_concurrently(path: &Path, max_bytes: u64, threads: usize, child: bool, per: u32) {
        let child = child.then(|| {
            let exe = std::env::current_exe().unwrap();
            let env: Vec<(OsString, OsString)> = vec![
                (CHILD_PATH.into(), path.into()),
                (CHILD_MAX.into(), max_bytes.to_string().into()),
                (CHILD_COUNT.into(), per.to_string().into()),
            ];
            thread::spawn(move || {
                let args = [
                    OsStr::new("--exact"),
                    OsStr::new("journal::tests::child_appender"),
                    OsStr::new("--test-threads=1"),
                ];
                crate::process::run(&exe, &args, env, Duration::from_secs(300)).unwrap()
            })
        });
        let start = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let journal = Journal::open(path).with_max_bytes(max_bytes);
                let start = Arc::clone(&start);
                thread::spawn(move || {
                    start.wait();
                    for seq in 0..per {
                        journal.append(&rec(&format!("thread-{t}"), seq)).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        if let Some(child) = child {
            let out = child.join().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.code == Some(0) && stdout.contains("1 passed"),
                "child writer failed: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    #[test]
    fn records_round_trip_one_line_each() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path().join("events.jsonl"));
        let records = vec![
            rec("watch", 0),
            rec("line\nbreak \"quoted\" ünïcode", 1),
            rec("", 2),
        ];
        for r in &records {
            journal.append(r).unwrap();
        }
        let read = journal.read::<Rec>().unwrap();
        assert_eq!(read.records, records);
        assert_eq!(read.skipped, 0);
        assert_eq!(raw_lines(journal.path()).len(), 3, "one line per record");
        assert_eq!(journal.read_all::<Rec>().unwrap(), read);
    }

    #[test]
    fn first_write_creates_a_private_directory() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("share/gowarden");
        let journal = Journal::open(data.join("events.jsonl"));
        let empty = journal.read_all::<Rec>().unwrap();
        assert_eq!(empty, Records::default(), "no journal yet reads as empty");
        assert!(!data.exists(), "reading must not create anything");

        journal.append(&rec("watch", 0)).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(journal.path()), 0o600);
        assert_eq!(journal.read::<Rec>().unwrap().records, [rec("watch", 0)]);
    }

    #[test]
    fn torn_last_line_is_skipped_and_the_next_append_starts_a_new_line() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path().join("events.jsonl"));
        journal.append(&rec("w", 0)).unwrap();
        journal.append(&rec("w", 1)).unwrap();
        // A crash halfway through writing the third record.
        let torn = br#"{"writer":"w","se"#;
        let mut f = OpenOptions::new()
            .append(true)
            .open(journal.path())
            .unwrap();
        f.write_all(torn).unwrap();
        drop(f);

        let read = journal.read::<Rec>().unwrap();
        assert_eq!(read.records, [rec("w", 0), rec("w", 1)]);
        assert_eq!(read.skipped, 1);

        journal.append(&rec("w", 3)).unwrap();
        let read = journal.read::<Rec>().unwrap();
        assert_eq!(read.records, [rec("w", 0), rec("w", 1), rec("w", 3)]);
        assert_eq!(read.skipped, 1);
        let lines = raw_lines(journal.path());
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[2], torn, "the torn line stays as it was, on its own");
        assert_eq!(lines[3], br#"{"writer":"w","seq":3}"#);
    }

    #[test]
    fn garbage_and_non_utf8_lines_are_skipped_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path().join("events.jsonl"));
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"{\"writer\":\"a\",\"seq\":0}\n");
        bytes.extend_from_slice(b"not json at all\n");
        bytes.extend_from_slice(b"{\"writer\":\"\xff\xfe\",\"seq\":9}\n");
        bytes.extend_from_slice(b"\n   \n");
        bytes.extend_from_slice(b"{\"writer\":\"a\",\"seq\":1}\n");
        bytes.extend_from_slice(b"{\"writer\":\"a\",\"seq\":\"not a number\"}\n");
        bytes.extend_from_slice(b"{\"writer\":\"a\",\"seq\":2}\n");
        fs::write(journal.path(), &bytes).unwrap();

        let want = [rec("a", 0), rec("a", 1), rec("a", 2)];
        let read = journal.read::<Rec>().unwrap();
        assert_eq!(read.records, want);
        assert_eq!(read.skipped, 3, "blank lines are not counted");
        let tail = journal.read_tail::<Rec>(10).unwrap();
        assert_eq!(tail.records, want);
        assert_eq!(tail.skipped, 3);
        let tail = journal.read_tail::<Rec>(1).unwrap();
        assert_eq!(tail.records, [rec("a", 2)]);
        assert_eq!(tail.skipped, 0, "only lines it looked at are counted");
    }

    #[test]
    fn concurrent_writers_in_threads_and_a_process_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let (threads, per) = (4, 150);
        append_concurrently(&path, DEFAULT_MAX_BYTES, threads, true, per);

        let total = (threads + 1) * per as usize;
        let lines = raw_lines(&path);
        assert_eq!(lines.len(), total);
        for line in &lines {
            serde_json::from_slice::<Rec>(line)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(line)));
        }
        let read = Journal::open(&path).read::<Rec>().unwrap();
        assert_eq!(read.skipped, 0);
        let seqs = by_writer(&read.records);
        let every: Vec<u32> = (0..per).collect();
        for name in writer_names(threads, true) {
            assert_eq!(seqs.get(&name), Some(&every), "{name}'s records, in order");
        }
        assert!(!Journal::open(&path).rotated_path().exists());
    }

    #[test]
    fn one_rotation_keeps_every_record_across_both_generations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let (threads, per) = (3, 100);
        let names = writer_names(threads, true);
        let line_lens: Vec<u64> = names
            .iter()
            .flat_map(|n| (0..per).map(move |s| rec(n, s)))
            .map(|r| serde_json::to_vec(&r).unwrap().len() as u64 + 1)
            .collect();
        let total: u64 = line_lens.iter().sum();
        let longest = line_lens.iter().copied().max().unwrap();
        // More than one generation's worth, but (rotation leaving at most one line of room
        // unused) never enough to fill a second.
        let limit = total / 2 + 2 * longest;
        assert!(total > limit);
        append_concurrently(&path, limit, threads, true, per);

        let journal = Journal::open(&path).with_max_bytes(limit);
        for file in [journal.path(), journal.rotated_path()] {
            let len = fs::metadata(file).unwrap().len();
            assert!(0 < len && len <= limit, "{}: {len} bytes", file.display());
        }
        let all = journal.read_all::<Rec>().unwrap();
        assert_eq!(all.skipped, 0);
        assert_eq!(all.records.len(), names.len() * per as usize);
        let seqs = by_writer(&all.records);
        let every: Vec<u32> = (0..per).collect();
        for name in &names {
            assert_eq!(seqs.get(name), Some(&every), "{name}'s records, in order");
        }
        let current = journal.read::<Rec>().unwrap().records;
        assert!(current.len() < all.records.len());
        assert_eq!(
            current[..],
            all.records[all.records.len() - current.len()..]
        );
    }

    #[test]
    fn many_rotations_keep_the_newest_two_generations_without_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let (threads, per) = (3, 150);
        let limit = 20 * 30;
        let names = writer_names(threads, true);

        // A reader alongside the writers: every snapshot it takes must hold each writer's
        // records without a gap, or rotation slipped between reading `.1` and the current file.
        let done = Arc::new(AtomicBool::new(false));
        let reader = {
            let journal = Journal::open(&path);
            let done = Arc::clone(&done);
            thread::spawn(move || {
                let mut snapshots = 0;
                loop {
                    let finished = done.load(Ordering::Acquire);
                    let all = journal.read_all::<Rec>().unwrap();
                    assert_eq!(all.skipped, 0);
                    for (name, seqs) in by_writer(&all.records) {
                        assert!(
                            seqs.windows(2).all(|w| w[1] == w[0] + 1),
                            "gap in {name}'s records: {seqs:?}"
                        );
                    }
                    snapshots += 1;
                    if finished {
                        return snapshots;
                    }
                }
            })
        };
        append_concurrently(&path, limit, threads, true, per);
        done.store(true, Ordering::Release);
        assert!(reader.join().unwrap() >= 1);

        let journal = Journal::open(&path).with_max_bytes(limit);
        for file in [journal.path(), journal.rotated_path()] {
            let len = fs::metadata(file).unwrap().len();
            assert!(0 < len && len <= limit, "{}: {len} bytes", file.display());
        }
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            2,
            "only two generations"
        );

        let all = journal.read_all::<Rec>().unwrap();
        assert_eq!(all.skipped, 0);
        let seqs = by_writer(&all.records);
        for name in &names {
            // What survives of each writer is its newest records, none missing in between.
            let kept = seqs.get(name).map(Vec::as_slice).unwrap_or_default();
            let first = per - kept.len() as u32;
            let want: Vec<u32> = (first..per).collect();
            assert_eq!(kept, want, "{name} kept a suffix of its records");
        }
        assert!(
            all.records.len() < names.len() * per as usize,
            "old ones were dropped"
        );
        // The last record overall belongs in the current file.
        let current = journal.read::<Rec>().unwrap().records;
        assert_eq!(current.last(), all.records.last());
    }

    #[test]
    fn a_file_rotated_away_while_waiting_for_the_lock_is_not_current() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path().join("events.jsonl"));
        journal.append(&rec("w", 0)).unwrap();
        let held = File::open(journal.path()).unwrap();
        assert!(journal.is_current(&held).unwrap());
        fs::rename(journal.path(), journal.rotated_path()).unwrap();
        assert!(!journal.is_current(&held).unwrap(), "path is gone");
        journal.append(&rec("w", 1)).unwrap();
        assert!(!journal.is_current(&held).unwrap(), "path is a new file");
        assert_eq!(journal.read::<Rec>().unwrap().records, [rec("w", 1)]);
    }

    #[test]
    fn a_record_larger_than_the_limit_gets_a_file_to_itself() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path().join("events.jsonl")).with_max_bytes(10);
        journal.append(&rec("a long writer name", 0)).unwrap();
        journal.append(&rec("a long writer name", 1)).unwrap();
        assert_eq!(
            journal.read::<Rec>().unwrap().records,
            [rec("a long writer name", 1)]
        );
        let all = journal.read_all::<Rec>().unwrap().records;
        assert_eq!(
            all,
            [rec("a long writer name", 0), rec("a long writer name", 1)]
        );
    }

    #[test]
    fn read_tail_returns_the_newest_records_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path().join("events.jsonl"));
        let records: Vec<Rec> = (0..10).map(|s| rec("w", s)).collect();
        for r in &records {
            journal.append(r).unwrap();
        }
        assert_eq!(journal.read_tail::<Rec>(3).unwrap().records, records[7..]);
        assert_eq!(journal.read_tail::<Rec>(0).unwrap(), Records::default());
        assert_eq!(journal.read_tail::<Rec>(100).unwrap().records, records);

        // Walking back across chunk boundaries of every size finds the same lines.
        let file = File::open(journal.path()).unwrap();
        for chunk in [1, 2, 3, 7, 22, 23, 64, 1 << 16] {
            for limit in 0..=11 {
                let mut out = Records::default();
                tail_into::<Rec>(&file, chunk, limit, &mut out).unwrap();
                out.records.reverse();
                let want = &records[records.len().saturating_sub(limit)..];
                assert_eq!(out.records, want, "chunk {chunk}, limit {limit}");
                assert_eq!(out.skipped, 0);
            }
        }
    }

    #[test]
    fn read_tail_skips_a_torn_line_and_reaches_into_the_rotated_generation() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path().join("events.jsonl")).with_max_bytes(100);
        let records: Vec<Rec> = (0..12).map(|s| rec("w", s)).collect();
        for r in &records {
            journal.append(r).unwrap();
        }
        let mut f = OpenOptions::new()
            .append(true)
            .open(journal.path())
            .unwrap();
        f.write_all(b"{\"writer\":").unwrap();
        drop(f);

        let all = journal.read_all::<Rec>().unwrap();
        let current = journal.read::<Rec>().unwrap().records;
        assert!(journal.rotated_path().exists());
        assert!(
            all.records.len() > current.len() + 1,
            "both generations hold records"
        );
        assert_eq!(all.skipped, 1);

        let n = current.len() + 2;
        let tail = journal.read_tail::<Rec>(n).unwrap();
        assert_eq!(tail.records, all.records[all.records.len() - n..]);
        assert_eq!(tail.skipped, 1, "the torn line at the end");
        assert_eq!(journal.read_tail::<Rec>(1000).unwrap(), all);
    }

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn data_dir_follows_each_platforms_convention() {
        let mac = "/Users/me/Library/Application Support/dev.gowarden.gowarden";
        // (on macOS, environment, data directory)
        type Case = (
            bool,
            &'static [(&'static str, &'static str)],
            Option<&'static str>,
        );
        let cases: &[Case] = &[
            (true, &[("HOME", "/Users/me")], Some(mac)),
            (
                true,
                &[("HOME", "/Users/me"), ("XDG_DATA_HOME", "/x")],
                Some(mac),
            ),
            (
                false,
                &[("HOME", "/home/me")],
                Some("/home/me/.local/share/gowarden"),
            ),
            (
                false,
                &[("HOME", "/home/me"), ("XDG_DATA_HOME", "/xdg")],
                Some("/xdg/gowarden"),
            ),
            (
                false,
                &[("HOME", "/home/me"), ("XDG_DATA_HOME", "rel/xdg")],
                Some("/home/me/.local/share/gowarden"),
            ),
            (
                false,
                &[("HOME", "/home/me"), ("XDG_DATA_HOME", "")],
                Some("/home/me/.local/share/gowarden"),
            ),
            (false, &[("XDG_DATA_HOME", "/xdg")], Some("/xdg/gowarden")),
            (
                true,
                &[("HOME", "/Users/me"), ("GOWARDEN_DATA_DIR", "/d")],
                Some("/d"),
            ),
            (
                false,
                &[("XDG_DATA_HOME", "/xdg"), ("GOWARDEN_DATA_DIR", "/d")],
                Some("/d"),
            ),
            (
                false,
                &[("HOME", "/home/me"), ("GOWARDEN_DATA_DIR", "")],
                Some("/home/me/.local/share/gowarden"),
            ),
            (true, &[], None),
            (false, &[], None),
            (false, &[("XDG_DATA_HOME", "rel")], None),
            (true, &[("HOME", "")], None),
        ];
        for (macos, vars, want) in cases {
            assert_eq!(
                data_dir(*macos, env(vars)),
                want.map(PathBuf::from),
                "macos={macos} {vars:?}"
            );
        }
    }

    #[test]
    fn data_dir_for_reads_the_context() {
        let ctx = |host| Context::fake(&[("HOME", "/h")], host, "/", Path::new("/"));
        assert_eq!(
            data_dir_for(&ctx("darwin/arm64")),
            Some(PathBuf::from(
                "/h/Library/Application Support/dev.gowarden.gowarden"
            ))
        );
        assert_eq!(
            data_dir_for(&ctx("linux/amd64")),
            Some(PathBuf::from("/h/.local/share/gowarden"))
        );
    }
}
