//! Symlink chains, hop by hop: `/opt/homebrew/bin/go → ../Cellar/go/1.23.2/bin/go →
//! ../libexec/bin/go`. Every hop is reported, loops and dangling hops are named, and nothing is
//! collapsed with `canonicalize`, because the hop that broke is what the user needs to see.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The most hops followed, as the kernel's `MAXSYMLINKS` (40 on Linux, 32 on macOS).
const MAX_HOPS: usize = 40;

/// One step of a chain: a path, and the link text if it is a symlink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Hop {
    /// The path at this step.
    #[serde(serialize_with = "crate::serde_path")]
    pub path: PathBuf,
    /// What the link says, verbatim, when this step is a symlink.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::serde_opt_path"
    )]
    pub target: Option<PathBuf>,
}

/// How a chain ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum End {
    /// At an existing file (or directory, or other non-link).
    Found,
    /// The starting path does not exist at all.
    Missing,
    /// A link points to a path that does not exist.
    Dangling,
    /// The links go round in a circle (or past the kernel's hop limit).
    Loop,
    /// A step could not be read; the message says why.
    Unreadable(String),
}

/// A resolved chain.
#[derive(Debug, Clone, Serialize, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct Chain {
    /// Each step, the starting path first; the last one is where it ended.
    pub hops: Vec<Hop>,
    /// How it ended.
    pub end: End,
    /// The physical path of what it ended at, when it ended at something.
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub real: Option<PathBuf>,
}

impl Chain {
    /// The links in the chain (all hops but the last).
    pub fn links(&self) -> impl Iterator<Item = &Hop> {
        self.hops.iter().filter(|h| h.target.is_some())
    }

    /// The hop that points nowhere, for a dangling chain: the last link.
    pub fn broken_link(&self) -> Option<&Hop> {
        match self.end {
            End::Dangling | End::Loop => self.links().last(),
            _ => None,
        }
    }
}

/// Follows `start` link by link.
pub fn resolve(start: &Path) -> Chain {
    let mut hops = Vec::new();
    let mut seen = HashSet::new();
    let mut cur = start.to_path_buf();
    // The last hop has no target: it is where the chain ended.
    let finish = |mut hops: Vec<Hop>, path: PathBuf, end: End, real: Option<PathBuf>| {
        hops.push(Hop { path, target: None });
        Chain { hops, end, real }
    };
    loop {
        if hops.len() >= MAX_HOPS || !seen.insert(cur.clone()) {
            return finish(hops, cur, End::Loop, None);
        }
        match fs::symlink_metadata(&cur) {
            Ok(meta) if meta.file_type().is_symlink() => match fs::read_link(&cur) {
                Ok(target) => {
                    let next = follow(&cur, &target);
                    hops.push(Hop {
                        path: cur,
                        target: Some(target),
                    });
                    cur = next;
                }
                Err(e) => return unreadable(hops, cur, &e),
            },
            Ok(_) => {
                let real = fs::canonicalize(&cur).ok();
                return finish(hops, cur, End::Found, real);
            }
            Err(e)
                if e.kind() == io::ErrorKind::NotFound
                    || e.raw_os_error() == Some(libc::ENOTDIR) =>
            {
                let end = if hops.is_empty() {
                    End::Missing
                } else {
                    End::Dangling
                };
                return finish(hops, cur, end, None);
            }
            // A directory on the way loops; the kernel gave up before we could see where.
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return finish(hops, cur, End::Loop, None);
            }
            Err(e) => return unreadable(hops, cur, &e),
        }
    }
}

fn unreadable(mut hops: Vec<Hop>, cur: PathBuf, e: &io::Error) -> Chain {
    let msg = format!("cannot read {}: {e}", cur.display());
    hops.push(Hop {
        path: cur,
        target: None,
    });
    Chain {
        hops,
        end: End::Unreadable(msg),
        real: None,
    }
}

/// Where a link at `link` with text `target` points. Relative targets are resolved against
/// the link's directory as the kernel does: the physical directory, so leading `..` steps
/// are taken from its real path; later `..` steps are kept for the next hop to resolve.
fn follow(link: &Path, target: &Path) -> PathBuf {
    if target.is_absolute() {
        return target.to_path_buf();
    }
    let parent = link.parent().unwrap_or(Path::new("."));
    let mut base = fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
    let mut rest = target.components().peekable();
    while let Some(c) = rest.peek() {
        match c {
            Component::ParentDir => {
                base.pop();
            }
            Component::CurDir => {}
            _ => break,
        }
        rest.next();
    }
    base.extend(rest);
    base
}

/// Go's `filepath.Clean` for absolute paths, lexically: drops `.`, folds `..`.
pub fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {} // "/.." is "/"
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn homebrew_chain_is_reported_hop_by_hop() {
        let d = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(d.path()).unwrap();
        let libexec = root.join("Cellar/go/1.23.2/libexec/bin");
        fs::create_dir_all(&libexec).unwrap();
        fs::write(libexec.join("go"), b"x").unwrap();
        fs::create_dir_all(root.join("Cellar/go/1.23.2/bin")).unwrap();
        symlink("../libexec/bin/go", root.join("Cellar/go/1.23.2/bin/go")).unwrap();
        fs::create_dir_all(root.join("bin")).unwrap();
        symlink("../Cellar/go/1.23.2/bin/go", root.join("bin/go")).unwrap();

        let chain = resolve(&root.join("bin/go"));
        assert_eq!(chain.end, End::Found);
        let paths: Vec<_> = chain
            .hops
            .iter()
            .map(|h| h.path.strip_prefix(&root).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            paths,
            [
                "bin/go",
                "Cellar/go/1.23.2/bin/go",
                "Cellar/go/1.23.2/libexec/bin/go"
            ]
            .map(PathBuf::from)
        );
        assert_eq!(
            chain.hops[0].target.as_deref(),
            Some(Path::new("../Cellar/go/1.23.2/bin/go"))
        );
        assert_eq!(chain.real.unwrap(), libexec.join("go"));
    }

    #[test]
    fn dangling_loop_and_missing() {
        let d = tempfile::tempdir().unwrap();
        symlink("nowhere", d.path().join("dangling")).unwrap();
        let c = resolve(&d.path().join("dangling"));
        assert_eq!(c.end, End::Dangling);
        assert_eq!(c.broken_link().unwrap().path, d.path().join("dangling"));
        symlink("b", d.path().join("a")).unwrap();
        symlink("a", d.path().join("b")).unwrap();
        assert_eq!(resolve(&d.path().join("a")).end, End::Loop);
        symlink("./self", d.path().join("self")).unwrap();
        assert_eq!(resolve(&d.path().join("self")).end, End::Loop);
        assert_eq!(resolve(&d.path().join("absent")).end, End::Missing);
        // Through a regular file used as a directory: ENOTDIR is "not there".
        fs::write(d.path().join("file"), b"").unwrap();
        symlink("file/go", d.path().join("through-file")).unwrap();
        assert_eq!(resolve(&d.path().join("through-file")).end, End::Dangling);
    }

    #[test]
    fn long_chains_stop_at_the_kernel_limit() {
        let d = tempfile::tempdir().unwrap();
        for i in 0..60 {
            symlink(format!("l{}", i + 1), d.path().join(format!("l{i}"))).unwrap();
        }
        let c = resolve(&d.path().join("l0"));
        assert_eq!(c.end, End::Loop);
        assert_eq!(c.hops.len(), MAX_HOPS + 1);
    }

    #[test]
    fn clean_matches_filepath_clean() {
        assert_eq!(
            clean(Path::new("/usr/local/go/")),
            PathBuf::from("/usr/local/go")
        );
        assert_eq!(
            clean(Path::new("/usr/./local/../lib/go")),
            PathBuf::from("/usr/lib/go")
        );
        assert_eq!(clean(Path::new("/..")), PathBuf::from("/"));
    }
}
