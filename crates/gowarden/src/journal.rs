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

/// The Tauri app identifier, which names the data directory on macOS.
const APP_IDENTIFIER: &str = "dev.gowarden.app";

/// How many bytes [`Journal::read_tail`] reads per step, walking back from the end.
const TAIL_CHUNK: usize = 64 << 10;

/// How often an append or read reopens a journal rotated away under it before giving up.
/// Each reopen means another writer made progress, so this is never reached by gowarden alone.
const MAX_REOPENS: usize = 64;

/// Where gowarden keeps its journals, from the environment `var` gives.
///
/// `GOWARDEN_DATA_DIR` when set (taken as given); on macOS
/// `~/Library/Application Support/dev.gowarden.app` (the app's own directory); elsewhere
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
            opts.read(true).append(true).create(true).mode(0o600);
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
            let file = match File::open(&self.path) {
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
        match File::open(&self.rotated) {
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
