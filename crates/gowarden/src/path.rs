//! PATH: every entry in order, what it is, and which `go` each one holds.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::symlink::{self, Chain, End};

/// What a PATH entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// An existing directory.
    Dir,
    /// Nothing there.
    Missing,
    /// Something other than a directory.
    NotADir,
    /// A symlink to nothing.
    Dangling,
    /// Symlinks that loop.
    Loop,
    /// Exists but cannot be read.
    Unreadable,
}

/// One PATH entry.
#[derive(Debug, Clone, Serialize, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct Entry {
    /// Position in PATH, from 0.
    pub index: usize,
    /// The entry as written (lossy).
    pub raw: String,
    /// The directory it names (relative entries are relative to the working directory).
    #[serde(serialize_with = "crate::serde_path")]
    pub dir: PathBuf,
    /// What is there.
    pub kind: EntryKind,
    /// Empty, `.` or relative: resolved against whatever directory the shell is in.
    pub relative: bool,
    /// The entry itself is a symlink; where it points.
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub symlink: Option<PathBuf>,
    /// Other users can write into it (world-writable, group-writable by a group that is not
    /// the user's, or owned by someone else), so they could plant a `go` here.
    pub writable_by_others: bool,
    /// It holds a `go` (an executable file, or a link that resolves to one).
    pub has_go: bool,
    /// It holds a `go` link that points nowhere or loops: the shell skips it.
    pub broken_go: Option<Chain>,
    /// It is missing because a directory above it is a symlink that points nowhere or loops
    /// (`/usr/local/go/bin` under a dangling `/usr/local/go`): that link's chain.
    pub broken_ancestor: Option<Chain>,
}

/// Reads every PATH entry of `ctx`.
pub fn scan(ctx: &Context) -> Vec<Entry> {
    ctx.path_entries()
        .into_iter()
        .enumerate()
        .map(|(index, raw_os)| {
            let raw = raw_os.to_string_lossy().into_owned();
            let relative = !Path::new(&raw_os).is_absolute();
            // An empty entry is the current directory, as for the shell.
            let dir = if raw_os.is_empty() {
                ctx.cwd().to_path_buf()
            } else {
                ctx.cwd().join(&raw_os)
            };
            // One lstat, plus a stat only for links: this runs for every PATH entry.
            let (symlink, meta) = match fs::symlink_metadata(&dir) {
                Ok(l) if l.file_type().is_symlink() => {
                    (fs::read_link(&dir).ok(), fs::metadata(&dir))
                }
                other => (None, other),
            };
            let kind = match &meta {
                Ok(m) if m.is_dir() => EntryKind::Dir,
                Ok(_) => EntryKind::NotADir,
                Err(_) if symlink.is_some() => match symlink::resolve(&dir).end {
                    End::Loop => EntryKind::Loop,
                    _ => EntryKind::Dangling,
                },
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => EntryKind::Missing,
                Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => EntryKind::Missing,
                Err(_) => EntryKind::Unreadable,
            };
            let mut entry = Entry {
                index,
                raw,
                dir,
                kind,
                relative,
                symlink,
                writable_by_others: false,
                has_go: false,
                broken_go: None,
                broken_ancestor: None,
            };
            if kind == EntryKind::Missing {
                entry.broken_ancestor = broken_ancestor(&entry.dir);
            }
            if let (EntryKind::Dir, Ok(meta)) = (kind, &meta) {
                entry.writable_by_others = writable_by_others(meta, ctx.user());
                let go = entry.dir.join("go");
                // lstat first: most PATH entries have no `go`, and that costs one call.
                match fs::symlink_metadata(&go) {
                    Ok(l) if l.file_type().is_symlink() => match fs::metadata(&go) {
                        Ok(m) => entry.has_go = is_executable_meta(&m),
                        // A link that points nowhere (or loops) is skipped by the shell: a finding.
                        Err(_) => {
                            let chain = symlink::resolve(&go);
                            if matches!(chain.end, End::Dangling | End::Loop) {
                                entry.broken_go = Some(chain);
                            }
                        }
                    },
                    Ok(m) => entry.has_go = is_executable_meta(&m),
                    Err(_) => {}
                }
            }
            entry
        })
        .collect()
}

/// The nearest directory above `dir` that is a symlink leading nowhere (or looping), as a
/// chain; `None` when the path is simply absent.
fn broken_ancestor(dir: &Path) -> Option<Chain> {
    dir.ancestors().skip(1).find_map(|a| {
        let meta = fs::symlink_metadata(a).ok()?;
        if !meta.file_type().is_symlink() {
            return None;
        }
        let chain = symlink::resolve(a);
        matches!(chain.end, End::Dangling | End::Loop).then_some(chain)
    })
}

/// Identity of a file or directory (device, inode), following links: two paths name the same
/// thing when their ids are equal. One stat, where `canonicalize` costs a readlink per
/// path component.
pub fn file_id(p: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = p;
        None
    }
}

/// Whether `p` is what a shell would run: a regular file (through links) with an execute bit.
pub fn is_executable(p: &Path) -> bool {
    fs::metadata(p).is_ok_and(|m| is_executable_meta(&m))
}

fn is_executable_meta(m: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        m.is_file() && m.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        m.is_file()
    }
}

#[cfg(unix)]
fn writable_by_others(m: &fs::Metadata, (uid, gid): (u32, u32)) -> bool {
    use std::os::unix::fs::MetadataExt;
    decide_writable_by_others(m.mode(), m.uid(), m.gid(), uid, gid)
}

#[cfg(not(unix))]
fn writable_by_others(_: &fs::Metadata, _: (u32, u32)) -> bool {
    false
}

/// The decision, apart from the filesystem: can anyone but `uid` (and root) write here?
fn decide_writable_by_others(mode: u32, owner: u32, group: u32, uid: u32, gid: u32) -> bool {
    let world = mode & 0o002 != 0;
    let foreign_group = mode & 0o020 != 0 && group != gid;
    let foreign_owner = mode & 0o200 != 0 && owner != uid && owner != 0;
    world || foreign_group || foreign_owner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_else_can_write() {
        assert!(
            !decide_writable_by_others(0o755, 501, 20, 501, 20),
            "own dir"
        );
        assert!(
            !decide_writable_by_others(0o755, 0, 0, 501, 20),
            "root's dir"
        );
        assert!(
            decide_writable_by_others(0o777, 0, 0, 501, 20),
            "world-writable"
        );
        assert!(
            decide_writable_by_others(0o775, 0, 80, 501, 20),
            "group admin can write"
        );
        assert!(
            !decide_writable_by_others(0o775, 501, 20, 501, 20),
            "own group"
        );
        assert!(
            decide_writable_by_others(0o755, 502, 20, 501, 20),
            "another user's dir"
        );
    }
}
