//! The only writes a repair makes, each atomic: a symlink or a file is built under a temporary
//! name in the same directory and swapped in for the old one, so at every instant the path
//! holds the old or the new version.
//!
//! Where the kernel can exchange two names (Linux `renameat2(RENAME_EXCHANGE)`, macOS
//! `renamex_np(RENAME_SWAP)`), the old version lands on the temporary name and is checked
//! there: if it is not what the plan expected, another process got in first, and swapping back
//! restores its version untouched. Elsewhere the check comes just before a plain `rename`.

use std::ffi::CString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::context::Context;

/// A write that did not happen, and why.
#[derive(Debug)]
pub(crate) enum FsError {
    /// The path no longer holds what the plan expected.
    Changed {
        /// The path.
        path: PathBuf,
        /// What it holds instead, in words.
        found: String,
    },
    /// The OS refused.
    Io {
        /// What was being done.
        op: &'static str,
        /// To which path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> FsError + use<> {
    let path = path.to_path_buf();
    move |source| FsError::Io { op, path, source }
}

/// Test-only pause points, compiled into debug builds only (the tests'; a release build has
/// none, whatever its environment says): with `GOWARDEN_TEST_PAUSE_AT=<point>` and
/// `GOWARDEN_TEST_PAUSE_DIR=<dir>`, reaching `<point>` creates `<dir>/<point>.reached` and
/// waits until `<dir>/resume` exists. The crash and race tests use it to stop the real binary
/// at an exact step, kill it there or change the disk under it, with no timing involved.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hooks {
    #[cfg(debug_assertions)]
    pause: Option<(String, PathBuf)>,
}

impl Hooks {
    /// The hooks the context's environment asks for (usually none; always none in release).
    #[cfg(debug_assertions)]
    pub(crate) fn from_ctx(ctx: &Context) -> Hooks {
        Hooks {
            pause: ctx
                .var_str("GOWARDEN_TEST_PAUSE_AT")
                .zip(ctx.var("GOWARDEN_TEST_PAUSE_DIR").map(PathBuf::from)),
        }
    }

    /// The hooks the context's environment asks for (usually none; always none in release).
    #[cfg(not(debug_assertions))]
    pub(crate) fn from_ctx(_ctx: &Context) -> Hooks {
        Hooks {}
    }

    /// The hooks of an administrator run: in a debug build (the tests') from this process's
    /// own environment, since an administrator run has no context; none in release.
    #[cfg(debug_assertions)]
    pub(crate) fn for_admin() -> Hooks {
        let var = |n| std::env::var_os(n);
        Hooks {
            pause: var("GOWARDEN_TEST_PAUSE_AT")
                .and_then(|v| v.into_string().ok())
                .zip(var("GOWARDEN_TEST_PAUSE_DIR").map(PathBuf::from)),
        }
    }

    /// The hooks of an administrator run: none in release.
    #[cfg(not(debug_assertions))]
    pub(crate) fn for_admin() -> Hooks {
        Hooks {}
    }

    /// Pauses here if asked to.
    #[cfg(debug_assertions)]
    pub(crate) fn checkpoint(&self, point: &str) {
        let Some((at, dir)) = &self.pause else { return };
        if at != point {
            return;
        }
        // Never through a symlink: whoever set up the directory does not choose what we write.
        let _ = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(dir.join(format!("{point}.reached")));
        // Bounded, so a test that forgets to resume or kill does not leave a process behind.
        for _ in 0..60_000 {
            if dir.join("resume").exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// Pauses here if asked to (never, in release).
    #[cfg(not(debug_assertions))]
    pub(crate) fn checkpoint(&self, _point: &str) {}
}

/// The temporary name for edit `k` of transaction `txid`, beside `path`.
pub(crate) fn temp_path(path: &Path, txid: &str, k: usize) -> PathBuf {
    path.with_file_name(format!(".gowarden-{txid}-{k}.tmp"))
}

/// The text of the symlink at `path`; `None` when it is something else or nothing.
pub(crate) fn link_text(path: &Path) -> Option<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::read_link(path).ok(),
        _ => None,
    }
}

/// What is at `path`, in words, for messages.
pub(crate) fn describe(path: &Path) -> String {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match fs::read_link(path) {
            Ok(t) => format!("a symlink to {}", t.display()),
            Err(_) => "an unreadable symlink".into(),
        },
        Ok(m) if m.is_dir() => "a directory".into(),
        Ok(m) if m.is_file() => "a regular file".into(),
        Ok(_) => "a special file".into(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => "nothing".into(),
        Err(e) => format!("unreadable ({e})"),
    }
}

/// Points the symlink at `path` to `target`. `expect` is the text it must hold now; `None`
/// accepts any symlink (a forced undo), but never a file or directory.
pub(crate) fn replace_link(
    path: &Path,
    expect: Option<&Path>,
    target: &Path,
    temp: &Path,
    hooks: &Hooks,
) -> Result<(), FsError> {
    let ok = |old: Option<&Path>| old.is_some() && (expect.is_none() || old == expect);
    remove_if_present(temp)?;
    std::os::unix::fs::symlink(target, temp).map_err(io_err("create a symlink at", temp))?;
    hooks.checkpoint("temp-created");
    swap_in(path, temp, hooks, |old| ok(link_text(old).as_deref()))
}

/// Replaces the file at `real` with `content`, keeping its mode and owner. `expect` is the
/// SHA-256 its content must have now; `None` accepts any regular file.
pub(crate) fn replace_file(
    real: &Path,
    expect: Option<&str>,
    content: &[u8],
    temp: &Path,
    hooks: &Hooks,
) -> Result<(), FsError> {
    let meta = fs::symlink_metadata(real).map_err(io_err("read", real))?;
    if !meta.is_file() {
        return Err(FsError::Changed {
            path: real.to_path_buf(),
            found: describe(real),
        });
    }
    remove_if_present(temp)?;
    write_new(temp, content, Some(&meta))?;
    hooks.checkpoint("temp-created");
    swap_in(real, temp, hooks, |old| {
        fs::symlink_metadata(old).is_ok_and(|m| m.is_file())
            && expect.is_none_or(|sha| file_sha256(old).as_deref() == Some(sha))
    })
}

/// Creates `path` (which must not exist) holding `content`, durably: with `like`'s mode and
/// owner, else private to the user.
pub(crate) fn write_new(
    path: &Path,
    content: &[u8],
    like: Option<&fs::Metadata>,
) -> Result<(), FsError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(io_err("create", path))?;
    let done = (|| {
        f.write_all(content)?;
        if let Some(m) = like {
            if (m.uid(), m.gid()) != (f.metadata()?.uid(), f.metadata()?.gid()) {
                std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid()))?;
            }
            f.set_permissions(fs::Permissions::from_mode(m.mode() & 0o7777))?;
        }
        f.sync_all()
    })();
    if let Err(e) = done {
        let _ = fs::remove_file(path);
        return Err(io_err("write", path)(e));
    }
    Ok(())
}

/// Swaps `temp` in at `path` if `check` accepts what `path` held; the old version is then
/// removed and the directory synced. On refusal the disk is as it was, `temp` removed.
fn swap_in(
    path: &Path,
    temp: &Path,
    hooks: &Hooks,
    check: impl Fn(&Path) -> bool,
) -> Result<(), FsError> {
    let changed = || FsError::Changed {
        path: path.to_path_buf(),
        found: describe(path),
    };
    let swapped = match exchange(temp, path) {
        Ok(swapped) => swapped,
        Err(e) => {
            let _ = fs::remove_file(temp);
            return Err(if e.kind() == io::ErrorKind::NotFound {
                changed()
            } else {
                io_err("replace", path)(e)
            });
        }
    };
    if swapped {
        // `temp` now holds what `path` held.
        if !check(temp) {
            let theirs = describe(temp);
            exchange(temp, path).map_err(io_err("put back", path))?;
            let _ = fs::remove_file(temp);
            return Err(FsError::Changed {
                path: path.to_path_buf(),
                found: theirs,
            });
        }
        hooks.checkpoint("swapped");
        fs::remove_file(temp).map_err(io_err("remove", temp))?;
    } else {
        if !check(path) {
            let _ = fs::remove_file(temp);
            return Err(changed());
        }
        fs::rename(temp, path).map_err(io_err("replace", path))?;
    }
    sync_parent(path)
}

/// Puts another program's version of `path`, found parked at `temp`, back at `path` (which
/// holds one of ours, then removed).
pub(crate) fn put_back(temp: &Path, path: &Path) -> Result<(), FsError> {
    if exchange(temp, path).map_err(io_err("put back", path))? {
        remove_if_present(temp)?;
    } else {
        fs::rename(temp, path).map_err(io_err("put back", path))?;
    }
    sync_parent(path)
}

/// Removes a leftover temporary file or link, if there is one.
pub(crate) fn remove_if_present(path: &Path) -> Result<(), FsError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err("remove", path)(e)),
        _ => Ok(()),
    }
}

/// Makes the last rename in `path`'s directory durable.
pub(crate) fn sync_parent(path: &Path) -> Result<(), FsError> {
    let dir = parent(path);
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("sync", dir))
}

/// The directory holding `path`.
pub(crate) fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Whether this user may create and rename entries in `dir`.
pub(crate) fn may_write_dir(dir: &Path) -> io::Result<()> {
    let c = cstring(dir)?;
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    if unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A file's bytes, refusing a symlink at `path`.
pub(crate) fn read_nofollow(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// SHA-256 of `bytes`, lowercase hex.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// SHA-256 of a file's content, when it can be read.
pub(crate) fn file_sha256(path: &Path) -> Option<String> {
    fs::read(path).ok().map(|b| sha256(&b))
}

fn cstring(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))
}

/// Exchanges the names `a` and `b` atomically. `Ok(false)` when this system or filesystem
/// cannot, and nothing happened.
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    let (a, b) = (cstring(a)?, cstring(b)?);
    exchange_at(libc::AT_FDCWD, &a, &b)
}

/// Exchanges the names `a` and `b` in the directory open as `dir` (`AT_FDCWD`: the working
/// directory) atomically: Linux `renameat2(RENAME_EXCHANGE)`, macOS `renameatx_np(RENAME_SWAP)`.
/// `Ok(false)` when this system or filesystem cannot, and nothing happened.
pub(crate) fn exchange_at(
    dir: libc::c_int,
    a: &std::ffi::CStr,
    b: &std::ffi::CStr,
) -> io::Result<bool> {
    match imp::exchange(dir, a, b) {
        Ok(()) => Ok(true),
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::EINVAL | libc::ENOSYS | libc::ENOTSUP)
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use std::ffi::CStr;
    use std::io;

    pub(super) fn exchange(dir: libc::c_int, a: &CStr, b: &CStr) -> io::Result<()> {
        // SAFETY: `dir` is AT_FDCWD or an open directory handle, and both names are valid
        // NUL-terminated strings that outlive the call.
        let r = unsafe { libc::renameat2(dir, a.as_ptr(), dir, b.as_ptr(), libc::RENAME_EXCHANGE) };
        if r == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
}

#[cfg(target_os = "macos")]
mod imp {
    use std::ffi::CStr;
    use std::io;

    pub(super) fn exchange(dir: libc::c_int, a: &CStr, b: &CStr) -> io::Result<()> {
        // SAFETY: `dir` is AT_FDCWD or an open directory handle, and both names are valid
        // NUL-terminated strings that outlive the call.
        let r = unsafe { libc::renameatx_np(dir, a.as_ptr(), dir, b.as_ptr(), libc::RENAME_SWAP) };
        if r == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
mod imp {
    use std::ffi::CStr;
    use std::io;

    pub(super) fn exchange(_: libc::c_int, _: &CStr, _: &CStr) -> io::Result<()> {
        Err(io::Error::from_raw_os_error(libc::ENOTSUP))
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn a_link_is_replaced_only_if_it_still_says_what_was_planned() {
        let d = tempfile::tempdir().unwrap();
        let link = d.path().join("go");
        symlink("old/bin/go", &link).unwrap();
        let temp = temp_path(&link, "t", 0);
        let h = Hooks::default();
        let e =
            replace_link(&link, Some(Path::new("other")), Path::new("new"), &temp, &h).unwrap_err();
        assert!(matches!(e, FsError::Changed { .. }), "{e:?}");
        assert_eq!(link_text(&link).unwrap(), Path::new("old/bin/go"));
        assert!(!temp.exists() && fs::symlink_metadata(&temp).is_err());
        replace_link(
            &link,
            Some(Path::new("old/bin/go")),
            Path::new("new"),
            &temp,
            &h,
        )
        .unwrap();
        assert_eq!(link_text(&link).unwrap(), Path::new("new"));
        assert!(fs::symlink_metadata(&temp).is_err(), "no leftovers");
    }

    #[test]
    fn a_file_or_directory_at_the_path_is_never_replaced() {
        let d = tempfile::tempdir().unwrap();
        let h = Hooks::default();
        let file = d.path().join("go");
        fs::write(&file, b"#!/bin/sh\n").unwrap();
        let dir = d.path().join("goroot");
        fs::create_dir(&dir).unwrap();
        for p in [&file, &dir] {
            let temp = temp_path(p, "t", 0);
            let e = replace_link(p, None, Path::new("x"), &temp, &h).unwrap_err();
            assert!(matches!(e, FsError::Changed { .. }), "{e:?}");
            assert!(fs::symlink_metadata(&temp).is_err());
        }
        assert_eq!(fs::read(&file).unwrap(), b"#!/bin/sh\n");
        assert!(dir.is_dir());
    }

    #[cfg(debug_assertions)]
    #[test]
    fn a_pause_marker_is_never_written_through_a_symlink() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("resume"), b"").unwrap();
        let victim = d.path().join("victim");
        symlink(&victim, d.path().join("swapped.reached")).unwrap();
        let h = Hooks {
            pause: Some(("swapped".into(), d.path().to_path_buf())),
        };
        h.checkpoint("swapped");
        assert!(
            fs::symlink_metadata(&victim).is_err(),
            "nothing written there"
        );
    }

    #[test]
    fn a_file_keeps_its_mode_and_is_checked_by_hash() {
        let d = tempfile::tempdir().unwrap();
        let rc = d.path().join(".zshrc");
        fs::write(&rc, b"export GOROOT=/x\n").unwrap();
        fs::set_permissions(&rc, fs::Permissions::from_mode(0o640)).unwrap();
        let temp = temp_path(&rc, "t", 0);
        let h = Hooks::default();
        let e = replace_file(&rc, Some(&sha256(b"other")), b"new\n", &temp, &h).unwrap_err();
        assert!(matches!(e, FsError::Changed { .. }), "{e:?}");
        assert_eq!(fs::read(&rc).unwrap(), b"export GOROOT=/x\n");
        let before = sha256(b"export GOROOT=/x\n");
        replace_file(&rc, Some(&before), b"new\n", &temp, &h).unwrap();
        assert_eq!(fs::read(&rc).unwrap(), b"new\n");
        assert_eq!(
            fs::metadata(&rc).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert!(fs::symlink_metadata(&temp).is_err());
    }
}
