//! The administrator side, `gowarden admin relink|undo`, run as root.
//!
//! It takes nothing from whoever asked but the few words of an [`AdminRequest`]: no file, no
//! environment, no working directory, no host or root prefix. It refuses to run at all unless
//! its own program is root's ([`trust::this_program`]), checks each change against the fixed
//! [`policy`] itself, works only through directory handles it opened without following
//! symlinks, and keeps its own journal and lock in a directory of root's alone
//! ([`state_dir`]). It never reads, settles or undoes anything of a user's.

use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::policy::{self, Refusal};
use super::request::{AdminRequest, LinkChange};
use super::trust::{self, Stat, TrustedDir, Untrusted};
use crate::context::Host;
use crate::journal::{Journal, JournalError};
use crate::repair::fsops::{self, Hooks};
use crate::repair::record::{self, Decision, Edit, Outcome, RecordKind, RepairRecord, Seen};
use crate::repair::{Reason, Status, kind_word};

/// Where root keeps its journal and lock: a directory of root's, mode 0700.
pub fn state_dir() -> &'static Path {
    if cfg!(target_os = "macos") {
        Path::new("/Library/Application Support/gowarden")
    } else {
        Path::new("/var/lib/gowarden")
    }
}

/// An administrator run that did not happen (or, where the variant says so, went wrong).
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Not run as root.
    #[error(
        "gowarden admin runs only as root, through sudo, pkexec or the app's administrator \
         prompt (this process is uid {uid}, effective uid {euid}); nothing was changed"
    )]
    NotRoot {
        /// The real user id.
        uid: u32,
        /// The effective user id.
        euid: u32,
    },
    /// Its own program could be someone else's.
    #[error(
        "refusing to run as root: this program, {untrusted}, so another account could have \
         changed it. Run the copy an administrator installed instead ({}); nothing was changed",
        super::INSTALLED.join(" or ")
    )]
    UntrustedProgram {
        /// The program, and why.
        untrusted: Untrusted,
    },
    /// The policy refuses the change.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// Root's own directory is not root's alone.
    #[error(
        "refusing to keep the administrator's journal in {}: {untrusted}; nothing was changed",
        state_dir().display()
    )]
    StateDir {
        /// What is wrong with it.
        untrusted: Untrusted,
    },
    /// No repair of the administrator's has that id.
    #[error(
        "no administrator repair with id {id:?} in {} (it lists every change made as root)",
        state_dir().display()
    )]
    UnknownRepair {
        /// The id.
        id: String,
    },
    /// That repair is undone already.
    #[error("administrator repair {id} is already undone")]
    AlreadyUndone {
        /// The id.
        id: String,
    },
    /// That repair did not complete.
    #[error("administrator repair {id} did not complete ({outcome}), so there is nothing to undo")]
    NotDone {
        /// The id.
        id: String,
        /// How it ended.
        outcome: Outcome,
    },
    /// The undo's words are not what the repair's record says its undo does.
    #[error(
        "the changes named are not what undoing administrator repair {id} does; nothing was \
         changed (`sudo gowarden admin undo` prints its words after each repair)"
    )]
    NotWhatItDoes {
        /// The id.
        id: String,
    },
    /// Something changed the link between the check and the swap (only root can).
    #[error(
        "{} changed while gowarden was changing it (another administrator program?); it was \
         left as that program made it",
        path.display()
    )]
    Raced {
        /// The link.
        path: PathBuf,
    },
    /// It failed partway and putting back what it had done failed too.
    #[error(
        "administrator {what} {id} failed ({cause}), and putting back what it had changed \
         failed too: {}. The next administrator run tries again to put it back",
        states.join("; ")
    )]
    HalfApplied {
        /// `repair` or `undo`.
        what: &'static str,
        /// The transaction.
        id: String,
        /// Why it failed.
        cause: Box<AdminError>,
        /// Each path it had changed, and what it holds now.
        states: Vec<String>,
    },
    /// The administrator's journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// Any other I/O failure.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// To which path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

impl AdminError {
    /// How it ended.
    pub fn status(&self) -> Status {
        match self {
            AdminError::HalfApplied { .. } | AdminError::Journal(_) | AdminError::Io { .. } => {
                Status::Failed
            }
            _ => Status::Refused,
        }
    }

    /// Why, as a stable word for JSON.
    pub fn reason(&self) -> Reason {
        match self {
            AdminError::NotRoot { .. } => Reason::NotRoot,
            AdminError::UntrustedProgram { .. } => Reason::UntrustedProgram,
            AdminError::Refused(r) => r.reason(),
            AdminError::StateDir { .. } => Reason::NotAllowed,
            AdminError::UnknownRepair { .. } => Reason::UnknownRepair,
            AdminError::AlreadyUndone { .. } => Reason::AlreadyUndone,
            AdminError::NotDone { .. } => Reason::NotDone,
            AdminError::Raced { .. } | AdminError::NotWhatItDoes { .. } => Reason::Changed,
            AdminError::HalfApplied { .. } => Reason::HalfApplied,
            AdminError::Journal(_) => Reason::Journal,
            AdminError::Io { .. } => Reason::Io,
        }
    }
}

impl Refusal {
    /// Why, as a stable word for JSON.
    pub fn reason(&self) -> Reason {
        match self {
            Refusal::NotAPlace { .. } | Refusal::Untrusted { .. } | Refusal::WrongTarget { .. } => {
                Reason::NotAllowed
            }
            Refusal::NotASymlink { .. } => Reason::NotASymlink,
            Refusal::Changed { .. } => Reason::Changed,
            Refusal::Unhealthy { .. } => Reason::UnhealthyTarget,
        }
    }
}

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> AdminError + use<> {
    let path = path.to_path_buf();
    move |source| AdminError::Io { op, path, source }
}

/// Carries out `request` as root: the only way gowarden changes anything as an administrator.
/// Returns the administrator journal's outcome record.
pub fn run(request: &AdminRequest) -> Result<RepairRecord, AdminError> {
    // SAFETY: getuid/geteuid have no preconditions and cannot fail.
    let (uid, euid) = unsafe { (libc::getuid(), libc::geteuid()) };
    // Both ids: a set-user-id copy run by someone else is not an administrator's run.
    if uid != 0 || euid != 0 {
        return Err(AdminError::NotRoot { uid, euid });
    }
    trust::this_program().map_err(|untrusted| AdminError::UntrustedProgram { untrusted })?;
    // No working directory, umask, resource limits or terminal signals of the caller's: a
    // low RLIMIT_NOFILE or RLIMIT_FSIZE, or a Ctrl-C or Ctrl-Z, could otherwise stop root
    // between two swaps of one change.
    std::env::set_current_dir("/").map_err(io_err("change into", Path::new("/")))?;
    // SAFETY: umask has no preconditions and cannot fail.
    unsafe { libc::umask(0o022) };
    release_limits_and_signals();
    let admin = Admin::open()?;
    let _lock = admin.lock()?;
    admin.reconcile()?;
    match request {
        AdminRequest::Relink(changes) => admin.relink(changes),
        AdminRequest::Undo { id, links } => admin.undo(id, links),
    }
}

/// Raises the open-files and file-size limits to their maximum and ignores the signals a
/// terminal sends (the run is short, and a repair is all or nothing).
fn release_limits_and_signals() {
    for resource in [libc::RLIMIT_NOFILE, libc::RLIMIT_FSIZE] {
        // SAFETY: an all-zero rlimit is valid for getrlimit to overwrite.
        let mut lim: libc::rlimit = unsafe { std::mem::zeroed() };
        // SAFETY: `lim` is valid and writable for the calls; root may raise the soft limit to
        // the hard one, and RLIMIT_FSIZE's hard limit too.
        unsafe {
            if libc::getrlimit(resource, &mut lim) == 0 {
                lim.rlim_cur = lim.rlim_max;
                if resource == libc::RLIMIT_FSIZE {
                    lim.rlim_max = libc::RLIM_INFINITY;
                    lim.rlim_cur = libc::RLIM_INFINITY;
                }
                libc::setrlimit(resource, &lim);
            }
        }
    }
    for signal in [
        libc::SIGINT,
        libc::SIGQUIT,
        libc::SIGTSTP,
        libc::SIGTTIN,
        libc::SIGTTOU,
        libc::SIGHUP,
        libc::SIGXFSZ,
        libc::SIGPIPE,
    ] {
        // SAFETY: setting a signal to SIG_IGN has no preconditions.
        unsafe { libc::signal(signal, libc::SIG_IGN) };
    }
}

/// Root's journal, in root's directory.
struct Admin {
    dir: TrustedDir,
    journal: Journal,
    host: Host,
    hooks: Hooks,
}

impl Admin {
    /// Opens [`state_dir`], making it (mode 0700) when it is not there.
    fn open() -> Result<Admin, AdminError> {
        let path = state_dir();
        let state = |untrusted| AdminError::StateDir { untrusted };
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            unreachable!("state_dir is a fixed absolute path");
        };
        let above = TrustedDir::open(parent, false).map_err(state)?;
        let c = cstring(name);
        // SAFETY: `above` is open and `c` NUL-terminated for the call.
        if unsafe { libc::mkdirat(above.fd().as_raw_fd(), c.as_ptr(), 0o700) } != 0 {
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::AlreadyExists {
                return Err(io_err("create", path)(e));
            }
        }
        let dir = above.child(name, false).map_err(state)?;
        if dir.stat.mode & 0o077 != 0 {
            // SAFETY: `dir` is open for the call.
            if unsafe { libc::fchmod(dir.fd().as_raw_fd(), 0o700) } != 0 {
                return Err(io_err("make private", path)(io::Error::last_os_error()));
            }
        }
        Ok(Admin {
            journal: Journal::open(dir.path.join(record::JOURNAL_FILE)),
            dir,
            host: Host::current(),
            hooks: Hooks::for_admin(),
        })
    }

    /// The lock every administrator run holds, in root's directory.
    fn lock(&self) -> Result<File, AdminError> {
        let path = self.dir.path.join("repairs.lock");
        let c = cstring(OsStr::new("repairs.lock"));
        let flags = libc::O_RDWR | libc::O_CREAT | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: `dir` is open and `c` NUL-terminated for the call.
        let fd = unsafe { libc::openat(self.dir.fd().as_raw_fd(), c.as_ptr(), flags, 0o600) };
        if fd < 0 {
            return Err(io_err("open", &path)(io::Error::last_os_error()));
        }
        // SAFETY: `fd` was just opened and is owned by nobody else.
        let file = unsafe { File::from_raw_fd(fd) };
        loop {
            match file.lock() {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other.map_err(io_err("lock", &path))?,
            }
        }
        Ok(file)
    }

    fn records(&self) -> Result<Vec<RepairRecord>, AdminError> {
        Ok(self.journal.read_all()?.records)
    }

    fn relink(&self, changes: &[LinkChange]) -> Result<RepairRecord, AdminError> {
        let checked = policy::check_all(changes, &self.host)?;
        let first = &checked[0];
        let message = format!(
            "Pointed {} at {}{} ({}{}), as an administrator",
            changes[0].path.display(),
            changes[0].to.display(),
            plan_more(changes.len()),
            first
                .version
                .as_ref()
                .map(|v| format!("{v} at "))
                .unwrap_or_default(),
            first.goroot.display(),
        );
        let edits = changes.iter().map(LinkChange::edit).collect();
        let links = checked
            .into_iter()
            .map(|c| Link {
                dir: c.dir,
                name: c.name,
                stat: c.link,
            })
            .collect();
        self.execute(RecordKind::Repair, None, edits, links, message)
    }

    fn undo(&self, id: &str, words: &[LinkChange]) -> Result<RepairRecord, AdminError> {
        let records = self.records()?;
        let target = record::undoable(&records, Some(id)).map_err(|why| {
            let id = id.to_string();
            match why {
                record::Why::Nothing | record::Why::Unknown => AdminError::UnknownRepair { id },
                record::Why::AlreadyUndone => AdminError::AlreadyUndone { id },
                record::Why::NotDone(outcome) => AdminError::NotDone { id, outcome },
            }
        })?;
        // What the prompt showed must be what the record says the undo does.
        let said: Vec<Edit> = words.iter().map(LinkChange::edit).collect();
        let reversed: Vec<Edit> = target.edits.iter().map(Edit::reversed).collect();
        if said != reversed {
            return Err(AdminError::NotWhatItDoes { id: id.to_string() });
        }
        let mut edits = Vec::new();
        let mut links = Vec::new();
        for e in &target.edits {
            let Edit::Link {
                path,
                before,
                after,
            } = e
            else {
                // Root never writes one; a journal holding one is not root's doing.
                return Err(AdminError::UnknownRepair { id: id.to_string() });
            };
            if policy::place(path).is_none() {
                return Err(Refusal::NotAPlace { path: path.clone() }.into());
            }
            let (dir, name, stat) = policy::open_link(path, after)?;
            policy::check_restore(&dir.path, before)?;
            links.push(Link { dir, name, stat });
            edits.push(e.reversed());
        }
        let message = match target.edits.first() {
            Some(Edit::Link { path, before, .. }) => format!(
                "Put {} back to {}{}, as an administrator",
                path.display(),
                before.display(),
                plan_more(target.edits.len())
            ),
            _ => "Undid an administrator repair".into(),
        };
        self.execute(
            RecordKind::Undo,
            Some(target.id.clone()),
            edits,
            links,
            message,
        )
    }

    /// Journals the intent, swaps each link (putting back those swapped if one fails), and
    /// journals the outcome.
    fn execute(
        &self,
        kind: RecordKind,
        undoes: Option<String>,
        edits: Vec<Edit>,
        mut links: Vec<Link>,
        message: String,
    ) -> Result<RepairRecord, AdminError> {
        let ids: Vec<String> = self.records()?.into_iter().map(|r| r.id).collect();
        let now = SystemTime::now();
        let mut rec = RepairRecord::intent(
            kind,
            record::new_id(&ids, now),
            now,
            "",
            undoes,
            edits,
            message,
        );
        self.journal.append(&rec)?;
        self.hooks.checkpoint("admin-checked");
        for k in 0..links.len() {
            let (from, to) = texts(&rec.edits[k]);
            match swap(&rec.id, k, &mut links[k], from, to, &rec.edits[k]) {
                Ok(()) => self.hooks.checkpoint("edit-done"),
                Err(cause) => {
                    let mut states = Vec::new();
                    let mut stuck = false;
                    for j in (0..k).rev() {
                        let (from, to) = texts(&rec.edits[j]);
                        let back = swap(
                            &format!("{}.rb", rec.id),
                            j,
                            &mut links[j],
                            to,
                            from,
                            &rec.edits[j],
                        );
                        let path = rec.edits[j].path().display();
                        match back {
                            Ok(()) => states.push(format!("{path} is back as it was")),
                            Err(e) => {
                                stuck = true;
                                states
                                    .push(format!("{path} still points to {} ({e})", to.display()));
                            }
                        }
                    }
                    rec.outcome = if stuck {
                        Outcome::HalfApplied
                    } else {
                        Outcome::Failed
                    };
                    rec.at = record::rfc3339(SystemTime::now());
                    rec.error = Some(cause.to_string());
                    let _ = self.journal.append(&rec);
                    return Err(if stuck {
                        AdminError::HalfApplied {
                            what: kind_word(kind),
                            id: rec.id.clone(),
                            cause: Box::new(cause),
                            states,
                        }
                    } else {
                        cause
                    });
                }
            }
        }
        rec.outcome = Outcome::Done;
        rec.at = record::rfc3339(SystemTime::now());
        if let Err(e) = self.journal.append(&rec) {
            rec.warning = Some(format!(
                "the change is done, but its outcome could not be written to the administrator's \
                 journal ({e}); the next administrator run records it from the disk"
            ));
        }
        Ok(rec)
    }

    /// Settles the administrator's own transactions a crash interrupted, from the disk.
    fn reconcile(&self) -> Result<(), AdminError> {
        let records = self.records()?;
        for r in record::latest(&records) {
            let half = match r.outcome {
                Outcome::Pending => false,
                Outcome::HalfApplied => true,
                _ => continue,
            };
            let mut fin = r.clone();
            fin.reconciled = true;
            let mut links = Vec::new();
            let mut seen = Vec::new();
            for (k, e) in r.edits.iter().enumerate() {
                let Edit::Link {
                    path,
                    before,
                    after,
                } = e
                else {
                    seen.push(Seen::Other);
                    links.push(None);
                    continue;
                };
                let found = open_any_link(path);
                if let Some((dir, ..)) = &found {
                    remove_temps(dir, &r.id, k, before, after);
                }
                seen.push(match &found {
                    Some((_, _, _, text)) if text == after => Seen::After,
                    Some((_, _, _, text)) if text == before => Seen::Before,
                    _ => Seen::Other,
                });
                links.push(found.map(|(dir, name, stat, _)| Link { dir, name, stat }));
            }
            if links.iter().any(Option::is_none) {
                // A link that cannot be read now is not a conflict yet: left pending, for a
                // run that can read it.
                eprintln!(
                    "gowarden: an interrupted administrator {} ({}) is left to a later run: a \
                     link it changed cannot be read now",
                    kind_word(r.kind),
                    r.id
                );
                continue;
            }
            let decision = if half {
                record::decide_half_applied(&seen)
            } else {
                record::decide(&seen)
            };
            match decision {
                Decision::Done => fin.outcome = Outcome::Done,
                Decision::NothingChanged => {
                    fin.outcome = Outcome::Failed;
                    fin.error = Some("interrupted before it changed anything".into());
                }
                Decision::Conflict => {
                    fin.outcome = Outcome::Conflict;
                    fin.error = Some("interrupted, and a link changed since: left as it is".into());
                }
                Decision::RollBack(done) => {
                    let mut put_back = || -> Result<(), AdminError> {
                        for &i in done.iter().rev() {
                            let (from, to) = texts(&r.edits[i]);
                            let Some(link) = links[i].as_mut() else {
                                continue;
                            };
                            policy::check_restore(&link.dir.path, from)?;
                            swap(&format!("{}.rb", r.id), i, link, to, from, &r.edits[i])?;
                        }
                        Ok(())
                    };
                    if let Err(e) = put_back() {
                        // Left as it is, for the next run to try again; it blocks nothing else.
                        eprintln!(
                            "gowarden: an interrupted administrator {} ({}) could not be put back: \
                             {e}; it is left as it is",
                            kind_word(r.kind),
                            r.id
                        );
                        continue;
                    }
                    fin.outcome = Outcome::RolledBack;
                    fin.error =
                        Some("interrupted halfway; what it had changed was put back".into());
                }
            }
            fin.at = record::rfc3339(SystemTime::now());
            self.journal.append(&fin)?;
        }
        Ok(())
    }
}

/// ` and N more links`, or nothing.
fn plan_more(n: usize) -> String {
    crate::repair::plan::more_links(n.saturating_sub(1))
}

/// An edit's link texts: (before, after).
fn texts(e: &Edit) -> (&Path, &Path) {
    match e {
        Edit::Link { before, after, .. } => (before, after),
        Edit::ShellLine { path, .. } => (path, path),
    }
}

/// A link as root found it: its directory's handle, its name, and its inode then.
struct Link {
    dir: TrustedDir,
    name: OsString,
    stat: Stat,
}

/// The symlink at `path` in a directory root may rely on, whatever its text.
fn open_any_link(path: &Path) -> Option<(TrustedDir, OsString, Stat, PathBuf)> {
    let dir = TrustedDir::open(path.parent()?, false).ok()?;
    let name = path.file_name()?.to_os_string();
    let stat = trust::lstat_at(dir.fd(), &name)
        .ok()
        .filter(Stat::is_link)?;
    let text = trust::readlink_at(dir.fd(), &name).ok()?;
    Some((dir, name, stat, text))
}

/// Removes the temporary links an interrupted transaction of root's left in `dir` for edit `k`,
/// when they hold one of its own texts.
fn remove_temps(dir: &TrustedDir, id: &str, k: usize, before: &Path, after: &Path) {
    for txid in [id.to_string(), format!("{id}.rb")] {
        let temp = temp_name(&txid, k);
        let ours = trust::lstat_at(dir.fd(), &temp).is_ok_and(|s| s.is_link())
            && trust::readlink_at(dir.fd(), &temp).is_ok_and(|t| t == before || t == after);
        if ours {
            let _ = unlink_at(dir.fd(), &temp);
        }
    }
}

/// The temporary name for edit `k` of transaction `txid`.
fn temp_name(txid: &str, k: usize) -> OsString {
    format!(".gowarden-{txid}-{k}.tmp").into()
}

/// Swaps a new symlink holding `to` in for `link`, which must still be the very inode found
/// at the check, holding `from`. Linux's `renameat2(RENAME_EXCHANGE)` and macOS's
/// `renameatx_np(RENAME_SWAP)` exchange the two names in one step, so the old link is then
/// checked under the temporary name, and swapped back untouched if it is not the one
/// expected. On success `link.stat` is the new link's.
fn swap(
    txid: &str,
    k: usize,
    link: &mut Link,
    from: &Path,
    to: &Path,
    edit: &Edit,
) -> Result<(), AdminError> {
    let path = edit.path();
    let dir = link.dir.fd();
    let temp = temp_name(txid, k);
    let temp_path = link.dir.path.join(&temp);
    let _ = unlink_at(dir, &temp);
    symlink_at(to, dir, &temp).map_err(io_err("create a symlink at", &temp_path))?;
    let is_expected = |name: &OsStr| {
        trust::lstat_at(dir, name).is_ok_and(|s| s.same(&link.stat))
            && trust::readlink_at(dir, name).is_ok_and(|t| t == from)
    };
    match exchange(dir, &temp, &link.name) {
        Ok(true) => {
            if !is_expected(&temp) {
                // Another program's link is under the temporary name now: it goes back, and
                // is removed from nowhere if that fails.
                if exchange(dir, &temp, &link.name).is_ok_and(|swapped| swapped) {
                    let _ = unlink_at(dir, &temp);
                }
                return Err(AdminError::Raced {
                    path: path.to_path_buf(),
                });
            }
            // Committed: the new link is in place. What follows is tidying, and its failure
            // must not make a change that happened look like one that did not.
            let _ = unlink_at(dir, &temp);
        }
        Ok(false) => {
            if !is_expected(&link.name) {
                let _ = unlink_at(dir, &temp);
                return Err(AdminError::Raced {
                    path: path.to_path_buf(),
                });
            }
            rename_at(dir, &temp, &link.name).map_err(io_err("replace", path))?;
        }
        Err(e) => {
            let _ = unlink_at(dir, &temp);
            return Err(io_err("replace", path)(e));
        }
    }
    // SAFETY: `dir` is open for the call. A failed sync leaves the change made (and the
    // outcome journaled after it, fsynced), so it is not an error of the change.
    let _ = unsafe { libc::fsync(dir.as_raw_fd()) };
    if let Ok(now) = trust::lstat_at(dir, &link.name) {
        link.stat = now;
    }
    Ok(())
}

fn cstring(name: &OsStr) -> CString {
    // Names come from paths, which cannot hold NUL on Unix; the request's words are argv.
    CString::new(name.as_bytes()).unwrap_or_default()
}

fn rc(r: libc::c_int) -> io::Result<()> {
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn unlink_at(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<()> {
    let c = cstring(name);
    // SAFETY: `dir` is open and `c` NUL-terminated for the call.
    rc(unsafe { libc::unlinkat(dir.as_raw_fd(), c.as_ptr(), 0) })
}

fn symlink_at(text: &Path, dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<()> {
    let (t, n) = (cstring(text.as_os_str()), cstring(name));
    // SAFETY: both NUL-terminated; `dir` is open for the call.
    rc(unsafe { libc::symlinkat(t.as_ptr(), dir.as_raw_fd(), n.as_ptr()) })
}

fn rename_at(dir: BorrowedFd<'_>, from: &OsStr, to: &OsStr) -> io::Result<()> {
    let (a, b) = (cstring(from), cstring(to));
    // SAFETY: both NUL-terminated; `dir` is open for the call.
    rc(unsafe { libc::renameat(dir.as_raw_fd(), a.as_ptr(), dir.as_raw_fd(), b.as_ptr()) })
}

/// Exchanges two names in `dir` in one step; `Ok(false)` when this filesystem cannot.
fn exchange(dir: BorrowedFd<'_>, a: &OsStr, b: &OsStr) -> io::Result<bool> {
    fsops::exchange_at(dir.as_raw_fd(), &cstring(a), &cstring(b))
}
