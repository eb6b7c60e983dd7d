//! The fixed policy of the administrator side: which links it may change, and what they may
//! be pointed at. Both sides run the same checks: the unprivileged side before it asks for an
//! administrator (so a request the policy refuses never reaches a prompt), root again itself.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::request::LinkChange;
use super::trust::{self, Stat, TrustedDir, Untrusted, Why};
use crate::binary::Inspector;
use crate::context::{Context, Host};
use crate::install::{self, Source};
use crate::version::GoVersion;

/// What a place's link must lead to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A Go root (`/usr/local/go`).
    Goroot,
    /// A Go root's `bin/<name>` (`/usr/local/bin/go`, `/usr/bin/gofmt`).
    Tool(&'static str),
    /// A Homebrew keg whose `libexec` is a Go root (`/opt/homebrew/opt/go`).
    HomebrewKeg,
}

/// A link the administrator side may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The link, exactly.
    pub path: &'static str,
    /// What it must lead to.
    pub role: Role,
    /// Who makes it.
    pub why: &'static str,
}

/// Every link the administrator side may change. Each is a place a Go install owns, in a
/// directory only root may write on a stock system; a link elsewhere (in a home directory,
/// a user-owned Homebrew prefix) needs no administrator at all.
pub const PLACES: &[Place] = &[
    Place {
        path: "/usr/local/go",
        role: Role::Goroot,
        why: "the official installer's Go root (go.dev/dl's .pkg, and its tarball instructions)",
    },
    Place {
        path: "/usr/local/bin/go",
        role: Role::Tool("go"),
        why: "a go command linked for everyone (Intel Homebrew when root owns it, by hand)",
    },
    Place {
        path: "/usr/local/bin/gofmt",
        role: Role::Tool("gofmt"),
        why: "its gofmt",
    },
    Place {
        path: "/usr/bin/go",
        role: Role::Tool("go"),
        why: "Debian's and Ubuntu's golang-go",
    },
    Place {
        path: "/usr/bin/gofmt",
        role: Role::Tool("gofmt"),
        why: "its gofmt",
    },
    Place {
        path: "/etc/alternatives/go",
        role: Role::Tool("go"),
        why: "update-alternatives' choice of go",
    },
    Place {
        path: "/etc/alternatives/gofmt",
        role: Role::Tool("gofmt"),
        why: "update-alternatives' choice of gofmt",
    },
    Place {
        path: "/opt/homebrew/bin/go",
        role: Role::Tool("go"),
        why: "Homebrew on Apple Silicon, only when root owns its prefix",
    },
    Place {
        path: "/opt/homebrew/bin/gofmt",
        role: Role::Tool("gofmt"),
        why: "its gofmt",
    },
    Place {
        path: "/opt/homebrew/opt/go",
        role: Role::HomebrewKeg,
        why: "Homebrew's link to the go keg, only when root owns its prefix",
    },
    Place {
        path: "/usr/local/opt/go",
        role: Role::HomebrewKeg,
        why: "Intel Homebrew's (/usr/local/Homebrew) link to the go keg, only when root owns it",
    },
];

/// Directories where root's own daemons create entries for users (mounted volumes, runtime
/// directories, homes): a link text leading to something missing there is not restored.
const USERS_PLACES: &[&str] = &[
    "/Volumes", "/media", "/mnt", "/run", "/home", "/Users", "/tmp", "/var/tmp",
];

/// The place `path` is, if it is one: spelled exactly as listed.
pub fn place(path: &Path) -> Option<&'static Place> {
    PLACES
        .iter()
        .find(|p| p.path.as_bytes() == path.as_os_str().as_encoded_bytes())
}

/// Why the policy refuses a change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The link is not one of [`PLACES`].
    #[error(
        "{} is not one of the links gowarden changes as an administrator ({})",
        path.display(),
        PLACES.iter().map(|p| p.path).collect::<Vec<_>>().join(", ")
    )]
    NotAPlace {
        /// The link.
        path: PathBuf,
    },
    /// Something on the way is not root's alone.
    #[error("{what}: {untrusted}; an administrator changes only what no other account can")]
    Untrusted {
        /// Which part: the link's directory, the new target.
        what: &'static str,
        /// The path and why.
        untrusted: Untrusted,
    },
    /// The path is not a symlink.
    #[error("{} is not a symlink; gowarden leaves it untouched", path.display())]
    NotASymlink {
        /// The link.
        path: PathBuf,
    },
    /// The link does not hold the text it was said to.
    #[error("{} no longer points to {}; nothing was changed", path.display(), from.display())]
    Changed {
        /// The link.
        path: PathBuf,
        /// The text expected.
        from: PathBuf,
    },
    /// The new text does not lead where the place's role says.
    #[error("{} would lead to {}, which is not {want}", path.display(), leads_to.display())]
    WrongTarget {
        /// The link.
        path: PathBuf,
        /// Where the new text leads.
        leads_to: PathBuf,
        /// What it must be.
        want: String,
    },
    /// The Go root it would lead to is not healthy here.
    #[error("{} is not a healthy Go root for this {host} machine: {}", goroot.display(), problems.join("; "))]
    Unhealthy {
        /// The Go root.
        goroot: PathBuf,
        /// This host.
        host: String,
        /// What is wrong.
        problems: Vec<String>,
    },
}

/// A change the policy accepts, with what was found when it was checked.
#[derive(Debug)]
pub(crate) struct Checked {
    /// The link's directory.
    pub(crate) dir: TrustedDir,
    /// The link's name in it.
    pub(crate) name: OsString,
    /// The link as it was found.
    pub(crate) link: Stat,
    /// The Go root the new text leads to.
    pub(crate) goroot: PathBuf,
    /// Its version.
    pub(crate) version: Option<GoVersion>,
}

/// The link `path`, in a directory root may rely on, as a symlink whose text is `from`.
pub(crate) fn open_link(path: &Path, from: &Path) -> Result<(TrustedDir, OsString, Stat), Refusal> {
    let untrusted = |untrusted| Refusal::Untrusted {
        what: "the link's directory",
        untrusted,
    };
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(Refusal::NotAPlace {
            path: path.to_path_buf(),
        });
    };
    let dir = TrustedDir::open(parent, true).map_err(untrusted)?;
    let link = trust::lstat_at(dir.fd(), name).map_err(|e| {
        untrusted(Untrusted {
            path: path.to_path_buf(),
            why: if e.raw_os_error() == Some(libc::ENOENT) {
                Why::Missing
            } else {
                Why::Io(e.to_string())
            },
        })
    })?;
    if !link.is_link() {
        return Err(Refusal::NotASymlink {
            path: path.to_path_buf(),
        });
    }
    if link.uid != 0 {
        return Err(untrusted(Untrusted {
            path: path.to_path_buf(),
            why: Why::Owner(link.uid),
        }));
    }
    let text = trust::readlink_at(dir.fd(), name).ok();
    if text.as_deref() != Some(from) {
        return Err(Refusal::Changed {
            path: path.to_path_buf(),
            from: from.to_path_buf(),
        });
    }
    Ok((dir, name.to_os_string(), link))
}

/// Checks every change of a request against the policy on this machine ([`check`] for each),
/// all or none.
pub(crate) fn check_all(changes: &[LinkChange], host: &Host) -> Result<Vec<Checked>, Refusal> {
    let changing: Vec<&Path> = changes.iter().map(|c| c.path.as_path()).collect();
    let mut verified = Vec::new();
    changes
        .iter()
        .map(|c| check(c, &changing, &mut verified, host))
        .collect()
}

/// Checks `change` against the policy on this machine (`host`, the real one): the link is one
/// of [`PLACES`] in a directory root's alone and holds `from`; `to` leads, through nothing but
/// root's, to what the place's role says, in a healthy Go root for `host` whose every entry is
/// root's and readable by everyone.
///
/// `changing` names every link the request changes: a new text that goes through one of them
/// (the link itself, or another of the request) was checked against what that link says now,
/// not what it will say, so it is refused. `verified` holds the Go roots this request already
/// found healthy, with their versions.
fn check(
    change: &LinkChange,
    changing: &[&Path],
    verified: &mut Vec<(PathBuf, Option<GoVersion>)>,
    host: &Host,
) -> Result<Checked, Refusal> {
    let place = place(&change.path).ok_or_else(|| Refusal::NotAPlace {
        path: change.path.clone(),
    })?;
    let (dir, name, link) = open_link(&change.path, &change.from)?;
    let target = |untrusted| Refusal::Untrusted {
        what: "the new target",
        untrusted,
    };
    let leads = trust::resolve(&dir.path, &change.to, true).map_err(target)?;
    if let Some(via) = leads
        .through
        .iter()
        .find(|p| changing.contains(&p.as_path()))
    {
        return Err(Refusal::WrongTarget {
            path: change.path.clone(),
            leads_to: via.clone(),
            want: "a link this request leaves as it is (it changes that one)".into(),
        });
    }
    let wrong = |want: &str| Refusal::WrongTarget {
        path: change.path.clone(),
        leads_to: leads.path.clone(),
        want: want.to_string(),
    };
    let goroot = match place.role {
        Role::Goroot if leads.stat.is_dir() => leads.path.clone(),
        Role::Goroot => return Err(wrong("a Go root")),
        Role::Tool(tool) => {
            let bin = leads
                .path
                .parent()
                .filter(|b| b.file_name() == Some("bin".as_ref()));
            match (leads.stat.is_file(), bin, leads.path.file_name()) {
                (true, Some(bin), Some(n)) if n == tool => match bin.parent() {
                    Some(root) => root.to_path_buf(),
                    None => return Err(wrong(&format!("a Go root's bin/{tool}"))),
                },
                _ => return Err(wrong(&format!("a Go root's bin/{tool}"))),
            }
        }
        Role::HomebrewKeg if leads.stat.is_dir() => leads.path.join("libexec"),
        Role::HomebrewKeg => return Err(wrong("a Homebrew go keg")),
    };
    // bin/go and bin/gofmt of one request lead into one Go root: walked once.
    let version = match verified.iter().find(|(root, _)| *root == goroot) {
        Some((_, version)) => version.clone(),
        None => {
            let version = healthy_goroot(&goroot, host)?;
            verified.push((goroot.clone(), version.clone()));
            version
        }
    };
    if place.role == Role::HomebrewKeg
        && let Some(keg) = leads.dir
    {
        // The whole keg, not only its libexec: `opt/go/bin/go` is what runs through it.
        trust::check_tree(keg).map_err(target)?;
    }
    Ok(Checked {
        dir,
        name,
        link,
        goroot,
        version,
    })
}

/// Whether `goroot` (symlink-free) is a Go root root may point a system link at: every
/// directory to it and every entry in it root's alone and readable by everyone, and healthy
/// for `host`, read from its files (never run). Returns its version.
fn healthy_goroot(goroot: &Path, host: &Host) -> Result<Option<GoVersion>, Refusal> {
    let untrusted = |untrusted| Refusal::Untrusted {
        what: "the new target",
        untrusted,
    };
    let dir = TrustedDir::open(goroot, true).map_err(untrusted)?;
    // The shape first, through the handles: a directory that is no Go root (`/`, `/etc`) is
    // refused before anything in it is walked.
    let go = dir
        .child(std::ffi::OsStr::new("bin"), true)
        .ok()
        .and_then(|bin| trust::lstat_at(bin.fd(), std::ffi::OsStr::new("go")).ok());
    if !go.is_some_and(|st| st.is_file()) {
        return Err(Refusal::WrongTarget {
            path: goroot.to_path_buf(),
            leads_to: goroot.to_path_buf(),
            want: "a Go root (it has no bin/go)".into(),
        });
    }
    trust::check_tree(dir).map_err(untrusted)?;
    // Nothing of the requester's environment: a context of the real host, rooted at /.
    let ctx = Context::new(
        Vec::new(),
        PathBuf::from("/"),
        host.clone(),
        PathBuf::from("/"),
    );
    let install = install::read(&ctx, goroot, Source::Unknown, &mut Inspector::default());
    if !install.healthy {
        return Err(Refusal::Unhealthy {
            goroot: goroot.to_path_buf(),
            host: host.name(),
            problems: install.problems,
        });
    }
    Ok(install.version)
}

/// Whether restoring `text` at a link in `dir` (an undo, or putting back an interrupted
/// change) stays within the policy: it leads only through what root may rely on, or nowhere
/// (then the part that exists is root's, and nobody else can make it lead somewhere).
pub(crate) fn check_restore(dir: &Path, text: &Path) -> Result<(), Refusal> {
    match trust::resolve(dir, text, true) {
        Ok(_) => Ok(()),
        // Missing where root's daemons make entries for users (a mounted volume, a user's
        // runtime directory or home): it could come to lead into the user's tree.
        Err(Untrusted {
            why: Why::Missing,
            path,
        }) if USERS_PLACES.iter().any(|p| path.starts_with(p)) => Err(Refusal::Untrusted {
            what: "the old target",
            untrusted: Untrusted {
                path,
                why: Why::Mount("a place where users' volumes and homes appear"),
            },
        }),
        Err(Untrusted {
            why: Why::Missing, ..
        }) => Ok(()),
        Err(untrusted) => Err(Refusal::Untrusted {
            what: "the old target",
            untrusted,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_listed_places_may_change() {
        for p in [
            "/usr/local/go",
            "/usr/bin/go",
            "/etc/alternatives/gofmt",
            "/opt/homebrew/opt/go",
        ] {
            assert!(place(Path::new(p)).is_some(), "{p}");
        }
        for p in [
            "/etc/shadow",
            "/usr/local/go/bin/go",
            "/usr/local/bin/sudo",
            "/usr/local/go/",
            "/home/me/go",
        ] {
            assert!(place(Path::new(p)).is_none(), "{p}");
        }
        let e = check_all(
            &[LinkChange {
                path: "/etc/sudoers".into(),
                from: "x".into(),
                to: "y".into(),
            }],
            &Host::current(),
        )
        .unwrap_err();
        assert!(matches!(e, Refusal::NotAPlace { .. }), "{e}");
        assert!(
            e.to_string().contains("/usr/local/go, /usr/local/bin/go"),
            "{e}"
        );
    }
}
