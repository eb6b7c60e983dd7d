//! What a process running as root may act on, or through: only what no other account can
//! write or swap.
//!
//! Every path is walked from `/` one component at a time, each directory opened with
//! `O_NOFOLLOW | O_DIRECTORY` relative to the handle of the one before (`openat`), and judged
//! from the opened handle's own `fstat`: owned by root, writable by neither its group nor
//! others. A component that is a symlink is read with `readlinkat` in a directory already
//! judged, so its text is root's too. Nothing is looked up by path twice, so nothing can be
//! swapped between a check and a use; and since every directory on the way is root's alone,
//! nobody but root could have swapped it anyway. (Linux's `openat2(RESOLVE_NO_SYMLINKS)` would
//! refuse symlinks in one call, but it cannot tell who owns each component, which is the point
//! here; so the walk is the same on Linux and macOS.)

use std::ffi::{CString, OsStr, OsString};
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path, PathBuf};

/// Symlinks followed before a path is called a loop (Linux's own limit).
const MAX_HOPS: usize = 40;

/// Entries a Go root may hold before it is too large to check (a release has about 15,000).
const MAX_ENTRIES: usize = 200_000;

/// Directory depth checked inside a Go root (a release goes about 15 deep).
const MAX_DEPTH: usize = 64;

/// The part of an entry's `stat` that matters here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stat {
    /// Device.
    pub(crate) dev: u64,
    /// Inode.
    pub(crate) ino: u64,
    /// Owner.
    pub(crate) uid: u32,
    /// Type and permission bits.
    pub(crate) mode: u32,
}

// `dev_t`, `ino_t` and `mode_t` are other types on macOS (i32, u64, u16): the casts are not
// all no-ops there.
#[allow(clippy::unnecessary_cast)]
impl Stat {
    fn of(st: &libc::stat) -> Stat {
        Stat {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            uid: st.st_uid,
            mode: st.st_mode as u32,
        }
    }

    fn kind(&self) -> u32 {
        self.mode & libc::S_IFMT as u32
    }

    /// A directory.
    pub(crate) fn is_dir(&self) -> bool {
        self.kind() == libc::S_IFDIR as u32
    }

    /// A symlink.
    pub(crate) fn is_link(&self) -> bool {
        self.kind() == libc::S_IFLNK as u32
    }

    /// A regular file.
    pub(crate) fn is_file(&self) -> bool {
        self.kind() == libc::S_IFREG as u32
    }

    /// The same inode.
    pub(crate) fn same(&self, other: &Stat) -> bool {
        (self.dev, self.ino) == (other.dev, other.ino)
    }
}

/// Why a path is not one root may act on or through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// It belongs to another account.
    Owner(u32),
    /// Its group or others can write it.
    Writable(u32),
    /// Other accounts cannot read or search it, so it is no Go root for everyone.
    Private(u32),
    /// It is a symlink where none may be.
    Symlink,
    /// It is not a directory.
    NotADirectory,
    /// It does not exist.
    Missing,
    /// It leads through too many symlinks.
    Loop,
    /// It changed while it was being checked.
    Moved,
    /// It holds too much to check.
    TooLarge,
    /// It is on a file system root does not rely on (its words say which).
    Mount(&'static str),
    /// The OS would not say (the error's text).
    Io(String),
}

/// A path root will not act on or through, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {why}", path.display())]
pub struct Untrusted {
    /// The path.
    pub path: PathBuf,
    /// Why.
    pub why: Why,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Owner(uid) => write!(f, "belongs to uid {uid}, not to root"),
            Why::Writable(mode) => write!(
                f,
                "can be written by its group or by others (mode {:o})",
                mode & 0o7777
            ),
            Why::Private(mode) => write!(
                f,
                "cannot be read by other accounts (mode {:o})",
                mode & 0o7777
            ),
            Why::Symlink => f.write_str("is a symlink"),
            Why::NotADirectory => f.write_str("is not a directory"),
            Why::Missing => f.write_str("does not exist"),
            Why::Loop => write!(f, "leads through more than {MAX_HOPS} symlinks"),
            Why::Moved => f.write_str("changed while it was being checked"),
            Why::TooLarge => write!(
                f,
                "holds more than {MAX_ENTRIES} entries, too many to check"
            ),
            Why::Mount(what) => write!(f, "is on {what}, which root does not rely on"),
            Why::Io(e) => write!(f, "cannot be read ({e})"),
        }
    }
}

fn untrusted(path: &Path, why: Why) -> Untrusted {
    Untrusted {
        path: path.to_path_buf(),
        why,
    }
}

fn io_why(path: &Path, e: &io::Error) -> Untrusted {
    let why = match e.raw_os_error() {
        Some(libc::ENOENT) => Why::Missing,
        Some(libc::ELOOP) => Why::Symlink,
        Some(libc::ENOTDIR) => Why::NotADirectory,
        _ => Why::Io(e.to_string()),
    };
    untrusted(path, why)
}

/// Whether an entry may be relied on by root: root's, and (unless a symlink, whose own mode
/// means nothing) writable by neither its group nor others; with `public`, a directory must
/// also be searchable and a file readable by everyone.
fn judge(path: &Path, st: &Stat, public: bool) -> Result<(), Untrusted> {
    if st.uid != 0 {
        return Err(untrusted(path, Why::Owner(st.uid)));
    }
    if st.is_link() {
        return Ok(());
    }
    if st.mode & 0o022 != 0 {
        return Err(untrusted(path, Why::Writable(st.mode)));
    }
    let needs = if st.is_dir() { 0o005 } else { 0o004 };
    if public && st.mode & needs != needs {
        return Err(untrusted(path, Why::Private(st.mode)));
    }
    Ok(())
}

fn cstr(name: &OsStr) -> io::Result<CString> {
    CString::new(name.as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a name holds a NUL byte"))
}

fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// `fstat` of an open handle.
pub(crate) fn fstat(fd: BorrowedFd<'_>) -> io::Result<Stat> {
    // SAFETY: an all-zero `stat` is a valid value for the kernel to overwrite.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open for the call; `st` is a valid, writable stat buffer.
    check(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) })?;
    Ok(Stat::of(&st))
}

/// `fstatat(dir, name, AT_SYMLINK_NOFOLLOW)`: the entry itself, never where it leads.
pub(crate) fn lstat_at(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<Stat> {
    let c = cstr(name)?;
    // SAFETY: an all-zero `stat` is a valid value for the kernel to overwrite.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `dir` is open, `c` is NUL-terminated, and `st` is writable, for the call.
    check(unsafe {
        libc::fstatat(
            dir.as_raw_fd(),
            c.as_ptr(),
            &mut st,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })?;
    Ok(Stat::of(&st))
}

/// `readlinkat`: a symlink's text, verbatim.
pub(crate) fn readlink_at(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<PathBuf> {
    let c = cstr(name)?;
    let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
    // SAFETY: `dir` is open, `c` is NUL-terminated, and `buf` is writable for its length.
    let n = unsafe {
        libc::readlinkat(
            dir.as_raw_fd(),
            c.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = n as usize;
    if n >= buf.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the link text is too long",
        ));
    }
    buf.truncate(n);
    Ok(PathBuf::from(OsString::from_vec(buf)))
}

/// Opens the directory `name` in `dir`, refusing a symlink there.
pub(crate) fn open_dir_at(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<OwnedFd> {
    let c = cstr(name)?;
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: `dir` is open and `c` NUL-terminated for the call.
    let fd = check(unsafe { libc::openat(dir.as_raw_fd(), c.as_ptr(), flags) })?;
    // SAFETY: `fd` was just opened and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A directory that root may rely on: opened without following symlinks, every directory
/// from `/` to it root's alone.
#[derive(Debug)]
pub(crate) struct TrustedDir {
    /// The open handle: every operation in the directory goes through it.
    pub(crate) fd: OwnedFd,
    /// Its path, symlink-free.
    pub(crate) path: PathBuf,
    /// Its `fstat`.
    pub(crate) stat: Stat,
}

impl TrustedDir {
    /// `/`.
    pub(crate) fn root(public: bool) -> Result<TrustedDir, Untrusted> {
        let slash = Path::new("/");
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
        // SAFETY: a NUL-terminated literal.
        let fd =
            check(unsafe { libc::open(c"/".as_ptr(), flags) }).map_err(|e| io_why(slash, &e))?;
        // SAFETY: `fd` was just opened and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let stat = fstat(fd_of(&fd)).map_err(|e| io_why(slash, &e))?;
        judge(slash, &stat, public)?;
        mount::check(fd_of(&fd)).map_err(|what| untrusted(slash, what))?;
        Ok(TrustedDir {
            fd,
            path: slash.to_path_buf(),
            stat,
        })
    }

    /// The directory at `path`, an absolute path with no symlink in it.
    pub(crate) fn open(path: &Path, public: bool) -> Result<TrustedDir, Untrusted> {
        let mut dir = TrustedDir::root(public)?;
        for c in path.components() {
            match c {
                Component::RootDir => {}
                Component::Normal(name) => dir = dir.child(name, public)?,
                _ => return Err(untrusted(path, Why::Io("not a normal path".into()))),
            }
        }
        Ok(dir)
    }

    /// The directory `name` in this one, which must be a directory (not a symlink) that root
    /// may rely on.
    pub(crate) fn child(&self, name: &OsStr, public: bool) -> Result<TrustedDir, Untrusted> {
        let path = self.path.join(name);
        let seen = lstat_at(self.fd(), name).map_err(|e| io_why(&path, &e))?;
        if seen.is_link() {
            return Err(untrusted(&path, Why::Symlink));
        }
        if !seen.is_dir() {
            return Err(untrusted(&path, Why::NotADirectory));
        }
        let fd = open_dir_at(self.fd(), name).map_err(|e| io_why(&path, &e))?;
        let stat = fstat(fd_of(&fd)).map_err(|e| io_why(&path, &e))?;
        if !stat.same(&seen) {
            return Err(untrusted(&path, Why::Moved));
        }
        judge(&path, &stat, public)?;
        if stat.dev != self.stat.dev {
            // Another file system begins here.
            mount::check(fd_of(&fd)).map_err(|what| untrusted(&path, what))?;
        }
        Ok(TrustedDir { fd, path, stat })
    }

    /// The handle.
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        fd_of(&self.fd)
    }
}

fn fd_of(fd: &OwnedFd) -> BorrowedFd<'_> {
    use std::os::fd::AsFd as _;
    fd.as_fd()
}

/// Which file systems root relies on: none whose entries are made up per process or per
/// caller (Linux's `/proc/self` is root's own when root resolves it, and the caller's when the
/// caller's `go` does; sysfs, devpts, FUSE and other pseudo file systems), none mounted
/// `nosuid` (as every mount a user may make is: fstab `user`, udisks, FUSE), and on macOS none
/// mounted by another user or ignoring ownership (a disk image a user attached).
mod mount {
    use std::os::fd::{AsRawFd, BorrowedFd};

    use super::Why;

    pub(super) fn check(fd: BorrowedFd<'_>) -> Result<(), Why> {
        // SAFETY: an all-zero statvfs is a valid value for the kernel to overwrite.
        let mut v: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: `fd` is open and `v` writable for the call.
        if unsafe { libc::fstatvfs(fd.as_raw_fd(), &mut v) } != 0 {
            return Err(Why::Io(std::io::Error::last_os_error().to_string()));
        }
        if v.f_flag & libc::ST_NOSUID != 0 {
            return Err(Why::Mount(
                "a file system mounted nosuid (as every mount a user may make is)",
            ));
        }
        imp::check(fd)
    }

    #[cfg(target_os = "linux")]
    mod imp {
        use std::os::fd::{AsRawFd, BorrowedFd};

        use super::Why;

        /// statfs(2) magic numbers of pseudo and user-space file systems.
        const REFUSED: &[(i64, &str)] = &[
            (0x9fa0, "procfs"),
            (0x6265_6572, "sysfs"),
            (0x1cd1, "devpts"),
            (0x6573_5546, "a FUSE file system"),
            (0x0027_e0eb, "cgroupfs"),
            (0x6367_7270, "cgroup2"),
            (0x6462_6720, "debugfs"),
            (0x7472_6163, "tracefs"),
            (0x7363_6673, "securityfs"),
            (0xcafe_4a11, "bpffs"),
            (0x6e73_6673, "nsfs"),
            (0x6265_6570, "configfs"),
            (0x0187, "autofs"),
        ];

        // `f_type` is an i64 here and another type on other Linux targets.
        #[allow(clippy::unnecessary_cast)]
        pub(super) fn check(fd: BorrowedFd<'_>) -> Result<(), Why> {
            // SAFETY: an all-zero statfs is a valid value for the kernel to overwrite.
            let mut s: libc::statfs = unsafe { std::mem::zeroed() };
            // SAFETY: `fd` is open and `s` writable for the call.
            if unsafe { libc::fstatfs(fd.as_raw_fd(), &mut s) } != 0 {
                return Err(Why::Io(std::io::Error::last_os_error().to_string()));
            }
            let kind = s.f_type as i64;
            match REFUSED.iter().find(|(magic, _)| *magic == kind) {
                Some((_, name)) => Err(Why::Mount(name)),
                None => Ok(()),
            }
        }
    }

    #[cfg(target_os = "macos")]
    mod imp {
        use std::os::fd::{AsRawFd, BorrowedFd};

        use super::Why;

        /// `MNT_NOSUID` in <sys/mount.h>.
        const MNT_NOSUID: u32 = 0x0000_0008;

        pub(super) fn check(fd: BorrowedFd<'_>) -> Result<(), Why> {
            // SAFETY: an all-zero statfs is a valid value for the kernel to overwrite.
            let mut s: libc::statfs = unsafe { std::mem::zeroed() };
            // SAFETY: `fd` is open and `s` writable for the call.
            if unsafe { libc::fstatfs(fd.as_raw_fd(), &mut s) } != 0 {
                return Err(Why::Io(std::io::Error::last_os_error().to_string()));
            }
            if s.f_owner != 0 {
                return Err(Why::Mount("a file system another user mounted"));
            }
            if s.f_flags & (MNT_NOSUID | libc::MNT_IGNORE_OWNERSHIP as u32) != 0 {
                return Err(Why::Mount(
                    "a file system mounted nosuid or ignoring ownership",
                ));
            }
            // SAFETY: f_fstypename is a NUL-terminated name the kernel filled in.
            let name = unsafe { std::ffi::CStr::from_ptr(s.f_fstypename.as_ptr()) };
            match name.to_bytes() {
                b"devfs" | b"fdesc" | b"autofs" => Err(Why::Mount("a device file system")),
                _ => Ok(()),
            }
        }
    }

    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    mod imp {
        use std::os::fd::BorrowedFd;

        use super::Why;

        pub(super) fn check(_: BorrowedFd<'_>) -> Result<(), Why> {
            Ok(())
        }
    }
}

/// Where a link text leads, every step of the way checked.
#[derive(Debug)]
pub(crate) struct Resolved {
    /// The path it leads to, symlink-free.
    pub(crate) path: PathBuf,
    /// What is there.
    pub(crate) stat: Stat,
    /// The directory itself, when it leads to one.
    pub(crate) dir: Option<TrustedDir>,
    /// Every symlink it went through, in order.
    pub(crate) through: Vec<PathBuf>,
}

/// Where `text`, read as a symlink's text in `from`, leads, following symlinks as the kernel
/// would, and only through what root may rely on (and, with `public`, what every account
/// may read). `Err` with [`Why::Missing`] when it leads nowhere: the part that exists is then
/// trusted, so nobody but root can make it lead somewhere later.
pub(crate) fn resolve(from: &Path, text: &Path, public: bool) -> Result<Resolved, Untrusted> {
    let mut pending: Vec<OsString> = Vec::new(); // reversed: the next name is last
    push_components(&mut pending, &from.join(text));
    let mut chain = vec![TrustedDir::root(public)?];
    let mut hops = 0;
    let mut through = Vec::new();
    while let Some(name) = pending.pop() {
        if name == ".." {
            if chain.len() > 1 {
                chain.pop();
            }
            continue;
        }
        let dir = chain.last().expect("the chain always holds /");
        let here = dir.path.join(&name);
        let st = lstat_at(dir.fd(), &name).map_err(|e| io_why(&here, &e))?;
        if st.is_link() {
            judge(&here, &st, public)?;
            hops += 1;
            if hops > MAX_HOPS {
                return Err(untrusted(&here, Why::Loop));
            }
            let target = readlink_at(dir.fd(), &name).map_err(|e| io_why(&here, &e))?;
            if target.is_absolute() {
                chain.truncate(1);
            }
            push_components(&mut pending, &target);
            through.push(here);
            continue;
        }
        if st.is_dir() {
            let next = dir.child(&name, public)?;
            chain.push(next);
            continue;
        }
        judge(&here, &st, public)?;
        if !pending.is_empty() {
            return Err(untrusted(&here, Why::NotADirectory));
        }
        return Ok(Resolved {
            path: here,
            stat: st,
            dir: None,
            through,
        });
    }
    let dir = chain.pop().expect("the chain always holds /");
    Ok(Resolved {
        path: dir.path.clone(),
        stat: dir.stat,
        dir: Some(dir),
        through,
    })
}

/// Pushes `path`'s names onto `pending` so the first comes off first (`.` dropped, `..` kept).
fn push_components(pending: &mut Vec<OsString>, path: &Path) {
    let names: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    pending.extend(names.into_iter().rev());
}

/// Checks every entry under `dir` (a Go root): each root's, writable by neither group nor
/// others and readable by everyone (so nothing it names is a secret), and each symlink leading only through what root may rely on (or nowhere); a
/// directory a symlink leads to is checked the same way (Debian's Go roots link `src` into
/// `/usr/share`). Returns how many entries it checked.
pub(crate) fn check_tree(dir: TrustedDir) -> Result<usize, Untrusted> {
    let mut walk = Walk {
        visited: std::collections::HashSet::from([(dir.stat.dev, dir.stat.ino)]),
        seen: 0,
    };
    walk.dir(&dir, 0)?;
    Ok(walk.seen)
}

/// [`check_tree`]'s state. Directories are walked depth first, so at most one handle per
/// level is open at a time.
struct Walk {
    visited: std::collections::HashSet<(u64, u64)>,
    seen: usize,
}

impl Walk {
    fn dir(&mut self, dir: &TrustedDir, depth: usize) -> Result<(), Untrusted> {
        for name in list(dir)? {
            self.seen += 1;
            if self.seen > MAX_ENTRIES {
                return Err(untrusted(&dir.path, Why::TooLarge));
            }
            let here = dir.path.join(&name);
            let st = lstat_at(dir.fd(), &name).map_err(|e| io_why(&here, &e))?;
            judge(&here, &st, true)?;
            let next = if st.is_link() {
                let text = readlink_at(dir.fd(), &name).map_err(|e| io_why(&here, &e))?;
                match resolve(&dir.path, &text, true) {
                    Ok(r) => r.dir,
                    Err(Untrusted {
                        why: Why::Missing, ..
                    }) => None,
                    Err(e) => return Err(e),
                }
            } else if st.is_dir() {
                Some(dir.child(&name, true)?)
            } else {
                None
            };
            if let Some(next) = next
                && self.visited.insert((next.stat.dev, next.stat.ino))
            {
                if depth >= MAX_DEPTH {
                    return Err(untrusted(&here, Why::TooLarge));
                }
                self.dir(&next, depth + 1)?;
            }
        }
        Ok(())
    }
}

/// The names in a directory, `.` and `..` left out.
fn list(dir: &TrustedDir) -> Result<Vec<OsString>, Untrusted> {
    let fail = |e: io::Error| io_why(&dir.path, &e);
    // fdopendir takes the handle over, so it gets its own duplicate.
    let dup = dir.fd.try_clone().map_err(fail)?;
    use std::os::fd::IntoRawFd as _;
    let raw = dup.into_raw_fd();
    // SAFETY: `raw` is an open directory handle that the stream now owns.
    let stream = unsafe { libc::fdopendir(raw) };
    if stream.is_null() {
        let e = io::Error::last_os_error();
        // SAFETY: fdopendir failed, so `raw` is still ours to close.
        unsafe { libc::close(raw) };
        return Err(fail(e));
    }
    let mut names = Vec::new();
    loop {
        // SAFETY: `stream` is a valid open stream; errno is cleared to tell the end from an error.
        let entry = unsafe {
            *errno() = 0;
            libc::readdir(stream)
        };
        if entry.is_null() {
            // SAFETY: reading this thread's errno.
            let err = unsafe { *errno() };
            // SAFETY: `stream` is valid and closed once.
            unsafe { libc::closedir(stream) };
            if err != 0 {
                return Err(fail(io::Error::from_raw_os_error(err)));
            }
            return Ok(names);
        }
        // SAFETY: readdir returned a valid entry whose d_name is NUL-terminated, valid
        // until the next readdir on this stream.
        let name = unsafe { std::ffi::CStr::from_ptr((*entry).d_name.as_ptr()) };
        let name = name.to_bytes();
        if name != b"." && name != b".." {
            names.push(OsString::from_vec(name.to_vec()));
        }
    }
}

#[cfg(target_os = "linux")]
fn errno() -> *mut libc::c_int {
    // SAFETY: returns this thread's errno location, always valid.
    unsafe { libc::__errno_location() }
}

#[cfg(target_os = "macos")]
fn errno() -> *mut libc::c_int {
    // SAFETY: returns this thread's errno location, always valid.
    unsafe { libc::__error() }
}

/// Whether the program at `path` (an absolute, symlink-free path) is one root may run: a
/// regular file of root's that nobody else can write, in directories that are root's alone.
pub(crate) fn program(path: &Path) -> Result<Stat, Untrusted> {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(untrusted(path, Why::NotADirectory));
    };
    let dir = TrustedDir::open(parent, false)?;
    let st = lstat_at(dir.fd(), name).map_err(|e| io_why(path, &e))?;
    if st.is_link() {
        return Err(untrusted(path, Why::Symlink));
    }
    judge(path, &st, false)?;
    if !st.is_file() {
        return Err(untrusted(path, Why::Io("not a regular file".into())));
    }
    Ok(st)
}

/// This very process's program, when root may run it ([`program`]): on Linux the file
/// `/proc/self/exe` names must be the one that is running (same inode), so a copy replaced
/// after it started is not taken for it.
pub(crate) fn this_program() -> Result<PathBuf, Untrusted> {
    let path = imp::own_path()?;
    let st = program(&path)?;
    if let Some(running) = imp::running()
        && !running.same(&st)
    {
        return Err(untrusted(&path, Why::Moved));
    }
    Ok(path)
}

#[cfg(target_os = "linux")]
mod imp {
    use std::path::PathBuf;

    use super::{Stat, Untrusted, Why, untrusted};

    pub(super) fn own_path() -> Result<PathBuf, Untrusted> {
        let proc = std::path::Path::new("/proc/self/exe");
        std::fs::read_link(proc).map_err(|e| untrusted(proc, Why::Io(e.to_string())))
    }

    pub(super) fn running() -> Option<Stat> {
        use std::os::unix::fs::MetadataExt as _;
        let m = std::fs::metadata("/proc/self/exe").ok()?;
        Some(Stat {
            dev: m.dev(),
            ino: m.ino(),
            uid: m.uid(),
            mode: m.mode(),
        })
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::path::PathBuf;

    use super::{Stat, Untrusted, Why, untrusted};

    pub(super) fn own_path() -> Result<PathBuf, Untrusted> {
        let fail =
            |e: std::io::Error| untrusted(std::path::Path::new("gowarden"), Why::Io(e.to_string()));
        let exe = std::env::current_exe().map_err(fail)?;
        exe.canonicalize().map_err(fail)
    }

    pub(super) fn running() -> Option<Stat> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_roots_own_entries_that_nobody_else_can_write_are_trusted() {
        let st = |uid, mode| Stat {
            dev: 1,
            ino: 1,
            uid,
            mode,
        };
        let p = Path::new("/x");
        assert!(judge(p, &st(0, 0o40755), true).is_ok());
        assert_eq!(
            judge(p, &st(501, 0o40755), true).unwrap_err().why,
            Why::Owner(501)
        );
        assert_eq!(
            judge(p, &st(0, 0o40775), true).unwrap_err().why,
            Why::Writable(0o40775)
        );
        assert_eq!(
            judge(p, &st(0, 0o41777), true).unwrap_err().why,
            Why::Writable(0o41777)
        );
        assert_eq!(
            judge(p, &st(0, 0o40700), true).unwrap_err().why,
            Why::Private(0o40700)
        );
        assert!(judge(p, &st(0, 0o40700), false).is_ok());
        assert!(
            judge(p, &st(0, 0o120777), true).is_ok(),
            "a link's own mode means nothing"
        );
        assert_eq!(
            judge(p, &st(7, 0o120777), true).unwrap_err().why,
            Why::Owner(7)
        );
        assert!(judge(p, &st(0, 0o100644), true).is_ok());
        assert_eq!(
            judge(p, &st(0, 0o100640), true).unwrap_err().why,
            Why::Private(0o100640)
        );
    }

    #[test]
    fn a_path_through_a_temp_dir_is_never_trusted() {
        // /tmp is world-writable (sticky or not), so nothing under it is root's alone.
        let d = tempfile::tempdir().unwrap();
        let e = TrustedDir::open(d.path(), false).unwrap_err();
        assert!(matches!(e.why, Why::Writable(_) | Why::Owner(_)), "{e}");
        let e = resolve(d.path(), Path::new("x"), false).unwrap_err();
        assert!(matches!(e.why, Why::Writable(_) | Why::Owner(_)), "{e}");
    }
}
