//! The toolchain that really runs in the working directory — what `go env GOVERSION` and
//! `go env GOROOT` print — from the `go` on PATH, through an `exec` wrapper script and a
//! GOTOOLCHAIN switch (a `go1.X.Y` on PATH, a golang.org/dl wrapper and its SDK, the module
//! cache), without running anything (FACTS.md §2.3–2.4, §7).

use std::path::{Path, PathBuf};

use crate::binary::{self, Format};
use crate::context::Context;
use crate::goroot::{self, EnvFile};
use crate::report::{Effective, GoOnPath, Via};
use crate::toolchain::{self, Provider, Selected, Toolchain};

/// golang.org/dl wrappers' main packages: `golang.org/dl/go1.24.3`.
const DL_PREFIX: &str = "golang.org/dl/";

/// The file `goX.Y.Z download` writes last (`golang.org/dl/internal/version`).
pub const DL_SENTINEL: &str = ".unpacked-success";

/// What an `exec` wrapper script hands over to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecTarget {
    /// The absolute program it execs.
    pub program: PathBuf,
    /// The GOROOT it exports first, as a golang.org/dl-style wrapper does (`export GOROOT=...`
    /// or `GOROOT=...`): the toolchain then runs with it.
    pub goroot: Option<PathBuf>,
}

/// What an `exec` wrapper script hands over to: the first `exec /path/to/go` line (quotes
/// removed), with `$GOROOT`/`${GOROOT}` in it standing for an absolute GOROOT the script set
/// on a line before; any other path built from variables is not followed.
pub fn exec_target(script: &[u8]) -> Option<ExecTarget> {
    let text = String::from_utf8_lossy(&script[..script.len().min(64 * 1024)]);
    let unquote = |w: &str| w.trim_matches(|c| c == '"' || c == '\'').to_string();
    // What GOROOT the script set: `None` not set, `Some(None)` set to something not read.
    let mut goroot: Option<Option<String>> = None;
    for statement in text.lines().skip(1).flat_map(|l| l.split(';')) {
        let statement = statement.trim();
        let assignment = statement.strip_prefix("export ").unwrap_or(statement);
        if let Some(value) = assignment.strip_prefix("GOROOT=") {
            let value = unquote(value.trim());
            let plain = value.starts_with('/')
                && !value.contains(|c: char| c.is_whitespace() || "$`&|<>()".contains(c));
            goroot = Some(plain.then_some(value));
            continue;
        }
        let Some(rest) = statement.strip_prefix("exec") else {
            continue;
        };
        if !rest.starts_with([' ', '\t']) {
            continue;
        }
        let mut word = unquote(rest.split_whitespace().next()?);
        if let Some(Some(root)) = &goroot {
            word = word.replace("${GOROOT}", root).replace("$GOROOT", root);
        }
        return (word.starts_with('/') && !word.contains('$')).then(|| ExecTarget {
            program: PathBuf::from(word),
            goroot: goroot.flatten().map(PathBuf::from),
        });
    }
    None
}

/// What runs, given the `go` that the shell runs (`runner`: the active `go`, or the binary its
/// wrapper script execs) and the toolchain selection made for it.
pub fn decide(
    ctx: &Context,
    user_env: &EnvFile,
    runner: &GoOnPath,
    hand_off: Option<&HandOff>,
    selection: Option<&Toolchain>,
    inspector: &mut binary::Inspector,
) -> Effective {
    let local = || Effective {
        go: runner
            .real_path
            .clone()
            .or_else(|| Some(runner.path.clone())),
        version: runner.version.clone(),
        goroot: runner.goroot.clone(),
        via: match hand_off {
            Some(HandOff::Exec { .. }) => Via::ExecScript,
            Some(HandOff::Manager { .. }) => Via::VersionManager,
            None => Via::Local,
        },
        wrapper: hand_off.map(|h| h.shim().to_path_buf()),
        present: true,
        decided_by: match hand_off {
            Some(HandOff::Manager { choice, .. }) => Some(choice.decided_by.clone()),
            _ => None,
        },
        installs_on_demand: false,
        why: match hand_off {
            Some(HandOff::Exec { script }) => format!(
                "{} execs {}, which runs its own toolchain",
                script.display(),
                runner.path.display()
            ),
            Some(HandOff::Manager {
                shim,
                manager,
                choice,
            }) => format!(
                "{} is a {} shim; {} chose {}: {}",
                shim.display(),
                manager.words(),
                choice.decided_by,
                choice.requested,
                runner.path.display()
            ),
            None => format!("{} runs its own toolchain", runner.path.display()),
        },
    };
    let Some(t) = selection.filter(|t| t.error.is_none() && t.switches()) else {
        return local();
    };
    let Selected::Toolchain(name) = &t.selected else {
        return local();
    };
    let named_version = toolchain::version_of_toolchain(name).and_then(|_| name.parse().ok());
    match &t.provider {
        Provider::Local => local(),
        Provider::Path(exe) => {
            let inspection = inspector.inspect(exe);
            let dl = inspection
                .go()
                .and_then(|g| g.main.as_deref())
                .is_some_and(|m| m.starts_with(DL_PREFIX));
            if dl {
                // The wrapper runs ~/sdk/<name>/bin/go with GOROOT set to that directory.
                let sdk = ctx.in_home(&format!("sdk/{name}"));
                let present = sdk
                    .as_deref()
                    .is_some_and(|s| s.join(DL_SENTINEL).is_file());
                return Effective {
                    go: sdk.as_ref().map(|s| s.join("bin/go")),
                    version: named_version,
                    goroot: sdk.clone(),
                    via: Via::GolangDl,
                    wrapper: Some(exe.clone()),
                    present,
                    decided_by: None,
                    installs_on_demand: false,
                    why: format!(
                        "{}, and {} is a golang.org/dl wrapper that runs the SDK in {}",
                        t.reason,
                        exe.display(),
                        sdk.as_deref()
                            .map_or("~/sdk".into(), |s| s.display().to_string())
                    ),
                };
            }
            // go execs it with GOROOT removed from the environment: it finds its own root
            // (or the go env file's GOROOT).
            let real = crate::symlink::resolve(exe).real;
            let goroot = user_env
                .get("GOROOT")
                .map(|g| crate::symlink::clean(Path::new(g)))
                .or_else(|| {
                    if inspection.format == Format::Script {
                        None
                    } else {
                        goroot::from_executable(ctx, exe, real.as_deref()).map(|d| d.path)
                    }
                });
            Effective {
                go: Some(real.unwrap_or_else(|| exe.clone())),
                version: inspection.go().map(|g| g.version.clone()).or(named_version),
                goroot,
                via: Via::PathToolchain,
                wrapper: None,
                present: true,
                decided_by: None,
                installs_on_demand: false,
                why: format!("{}, found on PATH at {}", t.reason, exe.display()),
            }
        }
        Provider::ModuleCache(dir) => Effective {
            go: Some(dir.join("bin/go")),
            version: named_version,
            goroot: Some(dir.clone()),
            via: Via::ModuleCache,
            wrapper: None,
            present: true,
            decided_by: None,
            installs_on_demand: false,
            why: format!("{}, downloaded earlier to {}", t.reason, dir.display()),
        },
        Provider::Download | Provider::Unavailable => Effective {
            go: None,
            version: named_version,
            goroot: None,
            via: Via::Download,
            wrapper: None,
            present: false,
            decided_by: None,
            installs_on_demand: false,
            why: format!("{}, which is not on this machine", t.reason),
        },
    }
}

/// How the `go` on PATH hands over to the `go` that runs its toolchain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandOff {
    /// A wrapper script that `exec`s a named program.
    Exec {
        /// The script.
        script: PathBuf,
    },
    /// A version manager's shim.
    Manager {
        /// The shim.
        shim: PathBuf,
        /// Which manager.
        manager: crate::install::Source,
        /// What it chose.
        choice: crate::managers::Choice,
    },
}

impl HandOff {
    /// The script or shim on PATH.
    pub fn shim(&self) -> &Path {
        match self {
            HandOff::Exec { script } => script,
            HandOff::Manager { shim, .. } => shim,
        }
    }
}

/// A version manager's shim that runs nothing here: no version set, or one not installed.
pub fn unresolved_manager(
    ctx: &Context,
    shim: &Path,
    manager: crate::install::Source,
    u: &crate::managers::Unresolved,
) -> Effective {
    Effective {
        go: None,
        version: u.requested.as_deref().and_then(|v| v.parse().ok()),
        goroot: None,
        via: Via::VersionManager,
        wrapper: Some(shim.to_path_buf()),
        present: false,
        decided_by: Some(u.decided_by.clone()),
        // mise installs a missing version the first time a shim runs (auto_install).
        installs_on_demand: manager == crate::install::Source::Mise
            && u.not_installed
            && !matches!(
                ctx.var_str("MISE_AUTO_INSTALL").as_deref(),
                Some("0" | "false")
            )
            && ctx.var_str("MISE_OFFLINE").is_none(),
        why: u.message.clone(),
    }
}

/// An `exec` wrapper script whose program is missing or is not a Go toolchain.
pub fn missing_exec_target(script: &Path, target: &Path) -> Effective {
    Effective {
        go: Some(target.to_path_buf()),
        version: None,
        goroot: None,
        via: Via::ExecScript,
        wrapper: Some(script.to_path_buf()),
        present: false,
        decided_by: None,
        installs_on_demand: false,
        why: format!(
            "{} execs {}, which is missing or not a Go toolchain",
            script.display(),
            target.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_wrappers_name_their_program() {
        let program = |script: &[u8]| exec_target(script).map(|t| t.program);
        assert_eq!(
            program(b"#!/bin/sh\nexec /usr/lib/go-1.23/bin/go \"$@\"\n"),
            Some(PathBuf::from("/usr/lib/go-1.23/bin/go"))
        );
        assert_eq!(
            program(b"#!/bin/sh\n# exec /not/this\n  exec \"/opt/go/bin/go\" \"$@\"\n"),
            Some(PathBuf::from("/opt/go/bin/go"))
        );
        assert_eq!(
            program(b"#!/bin/sh\nexec \"$GOROOT/bin/go\" \"$@\"\n"),
            None
        );
        assert_eq!(program(b"#!/bin/sh\nexec go \"$@\"\n"), None);
        assert_eq!(program(b"#!/bin/sh\nexecute /x\n"), None);
        assert_eq!(program(b"#!/bin/sh\n"), None);
    }

    /// Issue 18: a golang.org/dl-style wrapper script that sets GOROOT itself.
    #[test]
    fn a_wrapper_that_exports_goroot_runs_its_go_with_it() {
        let t = exec_target(
            b"#!/bin/sh\nexport GOROOT=\"/home/me/sdk/go1.24.11\"\nexec \"$GOROOT/bin/go\" \"$@\"\n",
        )
        .unwrap();
        assert_eq!(t.program, Path::new("/home/me/sdk/go1.24.11/bin/go"));
        assert_eq!(
            t.goroot.as_deref(),
            Some(Path::new("/home/me/sdk/go1.24.11"))
        );
        let t = exec_target(
            b"#!/bin/sh\nGOROOT=/opt/go; export GOROOT\nexec ${GOROOT}/bin/go \"$@\"\n",
        )
        .unwrap();
        assert_eq!(t.program, Path::new("/opt/go/bin/go"));
        assert_eq!(t.goroot.as_deref(), Some(Path::new("/opt/go")));
        let t = exec_target(b"#!/bin/sh\nGOROOT=/opt/go\nexec /opt/go/bin/go \"$@\"\n").unwrap();
        assert_eq!(t.goroot.as_deref(), Some(Path::new("/opt/go")));
        let t = exec_target(b"#!/bin/sh\nexport GOROOT=$HOME/go\nexec /opt/go/bin/go \"$@\"\n")
            .unwrap();
        assert_eq!(t.goroot, None, "a GOROOT built from variables is not taken");
    }
}
