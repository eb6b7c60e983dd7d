//! Installations: every Go on the machine, on PATH or not, and who put it there
//! (install layouts: FACTS.md §7).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::binary::{Inspection, Inspector};
use crate::context::Context;
use crate::goroot::{self, EnvFile};
use crate::host::{Runs, runs_on};
use crate::platform::Arch;
use crate::version::GoVersion;

/// Who installed a Go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Homebrew (`/opt/homebrew`, `/usr/local` or Linuxbrew `Cellar/go*`).
    Homebrew,
    /// The official installer or tarball at `/usr/local/go`.
    Official,
    /// golang.org/dl: `~/sdk/goX.Y.Z`.
    Sdk,
    /// gvm: `~/.gvm/gos/<name>`.
    Gvm,
    /// goenv: `~/.goenv/versions/<ver>`.
    Goenv,
    /// asdf: `~/.asdf/installs/golang/<ver>/go`.
    Asdf,
    /// mise: `~/.local/share/mise/installs/go/<ver>`.
    Mise,
    /// A GOTOOLCHAIN download in the module cache.
    ToolchainCache,
    /// A Linux distribution package (`/usr/lib/go-*`, `/usr/lib/golang`, snap).
    Distro,
    /// A tree unpacked by hand beside the usual places (`/usr/local/go1.23.4`, `/opt/go`,
    /// `~/go1.22.0`, `~/.local/go`).
    Tarball,
    /// None of the above.
    Unknown,
}

impl Source {
    /// In words, for messages: "Homebrew", "golang.org/dl", ...
    pub fn words(self) -> &'static str {
        match self {
            Source::Homebrew => "Homebrew",
            Source::Official => "the official installer",
            Source::Sdk => "golang.org/dl",
            Source::Gvm => "gvm",
            Source::Goenv => "goenv",
            Source::Asdf => "asdf",
            Source::Mise => "mise",
            Source::ToolchainCache => "a GOTOOLCHAIN download",
            Source::Distro => "the distribution's package",
            Source::Tarball => "a tarball unpacked by hand",
            Source::Unknown => "an unknown installer",
        }
    }
}

/// One Homebrew installation place.
#[derive(Debug, Clone)]
pub struct Homebrew {
    /// Its prefix (`bin/`, `Cellar/`, `opt/` live here).
    pub prefix: &'static str,
    /// Its repository, which exists only when this Homebrew is installed (the Intel prefix
    /// `/usr/local` exists on every Mac).
    pub repository: &'static str,
    /// The architecture a macOS Homebrew there serves; `None` for Linuxbrew.
    pub mac_arch: Option<Arch>,
}

/// Homebrew's prefixes: Apple Silicon, Intel (and Rosetta), Linux. The one list for
/// installations and host facts (links in them are classified through the layouts).
pub const HOMEBREWS: [Homebrew; 3] = [
    Homebrew {
        prefix: "/opt/homebrew",
        repository: "/opt/homebrew",
        mac_arch: Some(Arch::Arm64),
    },
    Homebrew {
        prefix: "/usr/local",
        repository: "/usr/local/Homebrew",
        mac_arch: Some(Arch::Amd64),
    },
    Homebrew {
        prefix: "/home/linuxbrew/.linuxbrew",
        repository: "/home/linuxbrew/.linuxbrew/Homebrew",
        mac_arch: None,
    },
];

/// A place installations of one kind live: the children of `parent` that `accept` names.
#[derive(Clone)]
pub struct Layout {
    /// Who installs there.
    pub source: Source,
    /// Directory whose children are candidates.
    pub parent: PathBuf,
    /// Which children are candidates, by name.
    accept: fn(&str) -> bool,
    /// Path inside each child that is the GOROOT ("" for the child itself).
    inner: &'static str,
}

/// A directory installations are looked for in, as the report lists it (the watcher watches
/// these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InstallRoot {
    /// Who installs there.
    pub source: Source,
    /// The directory.
    #[serde(serialize_with = "crate::serde_path")]
    pub dir: PathBuf,
}

/// Every install layout and version-manager root of one machine: one table that classifies
/// installations and shims alike (FACTS.md §7).
#[derive(Clone)]
pub struct Layouts {
    /// `/usr/local/go`, the official installer's place.
    official: PathBuf,
    /// Where installations live.
    installs: Vec<Layout>,
    /// Version managers' data roots, whose `shims`/`bin` hold `go` scripts.
    managers: Vec<(Source, PathBuf)>,
}

/// A name that looks like a Go tree unpacked by hand: `go`, `go1.23.4`, `go-1.22`, `go_1.21`.
fn tarball_name(n: &str) -> bool {
    n == "go" || n.starts_with("go1") || n.starts_with("go-") || n.starts_with("go_")
}

impl Layouts {
    /// The layouts of the machine `ctx` describes (honouring `GVM_ROOT`, `GOENV_ROOT`,
    /// `ASDF_DATA_DIR`, `MISE_DATA_DIR`, `XDG_DATA_HOME`, `GOMODCACHE`/`GOPATH`).
    pub fn new(ctx: &Context, user_env: &EnvFile) -> Layouts {
        let mut installs = Vec::new();
        let mut add = |source, parent: Option<PathBuf>, accept: fn(&str) -> bool, inner| {
            if let Some(parent) = parent {
                installs.push(Layout {
                    source,
                    parent,
                    accept,
                    inner,
                });
            }
        };
        let any: fn(&str) -> bool = |_| true;
        for brew in HOMEBREWS {
            let cellar = ctx.system(brew.prefix).join("Cellar");
            add(Source::Homebrew, Some(cellar.join("go")), any, "libexec");
            // Versioned formulae (go@1.22) live beside it; listed per formula.
            if let Ok(rd) = fs::read_dir(&cellar) {
                let mut formulae: Vec<_> = rd
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with("go@"))
                    .map(|e| e.path())
                    .collect();
                formulae.sort();
                for f in formulae {
                    add(Source::Homebrew, Some(f), any, "libexec");
                }
            }
        }
        // Debian's /usr/lib/go-1.19 (and /usr/lib/go → it), Fedora's /usr/lib/golang.
        add(
            Source::Distro,
            Some(ctx.system("/usr/lib")),
            |n| n == "go" || n == "golang" || n.starts_with("go-"),
            "",
        );
        add(
            Source::Distro,
            Some(ctx.system("/snap/go")),
            |n| n == "current",
            "",
        );
        add(
            Source::Sdk,
            ctx.in_home("sdk"),
            |n| n.starts_with("go1"),
            "",
        );
        let root_of = |var: &str, default: &str| {
            ctx.var(var)
                .map(PathBuf::from)
                .or_else(|| ctx.in_home(default))
        };
        let gvm = root_of("GVM_ROOT", ".gvm");
        let goenv = root_of("GOENV_ROOT", ".goenv");
        let asdf = root_of("ASDF_DATA_DIR", ".asdf");
        let mise = ctx
            .var("MISE_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                ctx.var("XDG_DATA_HOME")
                    .map(|x| PathBuf::from(x).join("mise"))
            })
            .or_else(|| ctx.in_home(".local/share/mise"));
        add(Source::Gvm, gvm.as_ref().map(|g| g.join("gos")), any, "");
        add(
            Source::Goenv,
            goenv.as_ref().map(|g| g.join("versions")),
            any,
            "",
        );
        add(
            Source::Asdf,
            asdf.as_ref().map(|a| a.join("installs/golang")),
            any,
            "go",
        );
        add(
            Source::Mise,
            mise.as_ref().map(|m| m.join("installs/go")),
            any,
            "",
        );
        let cache = crate::toolchain::module_cache(ctx, user_env);
        add(
            Source::ToolchainCache,
            cache.map(|c| c.join("golang.org")),
            |n| n.starts_with("toolchain@v0.0.1-"),
            "",
        );
        // Trees unpacked by hand beside the usual places: /usr/local/go1.23.4, /opt/go1.22,
        // ~/go1.21.3, ~/.local/go (not ~/go: that is GOPATH).
        add(
            Source::Tarball,
            Some(ctx.system("/usr/local")),
            |n| n != "go" && tarball_name(n),
            "",
        );
        add(Source::Tarball, Some(ctx.system("/opt")), tarball_name, "");
        add(
            Source::Tarball,
            ctx.home(),
            |n| n != "go" && tarball_name(n),
            "",
        );
        add(Source::Tarball, ctx.in_home(".local"), tarball_name, "");
        let managers = [
            (Source::Goenv, goenv),
            (Source::Asdf, asdf),
            (Source::Mise, mise),
            (Source::Gvm, gvm),
        ]
        .into_iter()
        .filter_map(|(s, r)| r.map(|r| (s, r)))
        .collect();
        Layouts {
            official: ctx.system("/usr/local/go"),
            installs,
            managers,
        }
    }

    /// The layouts `path` falls under (below its parent, in a child its names accept), each
    /// with what follows that child.
    fn under<'a>(&'a self, path: &'a Path) -> impl Iterator<Item = (&'a Layout, &'a Path)> {
        self.installs.iter().filter_map(move |l| {
            let mut parts = path.strip_prefix(&l.parent).ok()?.components();
            let child = parts.next()?;
            (l.accept)(&child.as_os_str().to_string_lossy()).then_some((l, parts.as_path()))
        })
    }

    /// Who installed the Go rooted at `goroot`, judged by where it is.
    pub fn classify(&self, goroot: &Path) -> Source {
        if goroot == self.official {
            return Source::Official;
        }
        self.under(goroot)
            .find(|(l, inner)| {
                l.inner.is_empty() || *inner == Path::new(l.inner) || l.source == Source::Mise
            })
            .map_or(Source::Unknown, |(l, _)| l.source)
    }

    /// Who owns a path anywhere inside an installation (a link's old target such as
    /// `Cellar/go/1.22.3/bin/go`): the source of the layout it falls under.
    pub fn owner(&self, path: &Path) -> Source {
        if path.starts_with(&self.official) {
            return Source::Official;
        }
        self.under(path)
            .next()
            .map_or(Source::Unknown, |(l, _)| l.source)
    }

    /// A version manager's shim (a script under its data root), by where it is.
    pub fn shim_source(&self, invoked: &Path) -> Source {
        self.managers
            .iter()
            .find(|(_, root)| invoked.starts_with(root))
            .map_or(Source::Unknown, |(s, _)| *s)
    }

    /// The data root of a version manager (`~/.goenv`, `~/.asdf`, mise's data directory).
    pub fn manager_root(&self, manager: Source) -> Option<&Path> {
        self.managers
            .iter()
            .find(|(s, _)| *s == manager)
            .map(|(_, r)| r.as_path())
    }

    /// Every directory installations are looked for in.
    pub fn roots(&self) -> Vec<InstallRoot> {
        let mut roots = vec![InstallRoot {
            source: Source::Official,
            dir: self.official.clone(),
        }];
        roots.extend(self.installs.iter().map(|l| InstallRoot {
            source: l.source,
            dir: l.parent.clone(),
        }));
        roots
    }
}

/// One Go installation.
#[derive(Debug, Clone, Serialize, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct Installation {
    /// Its GOROOT.
    #[serde(serialize_with = "crate::serde_path")]
    pub goroot: PathBuf,
    /// Version from `bin/go`'s build info, else from `VERSION`.
    pub version: Option<GoVersion>,
    /// Architectures of `bin/go`.
    pub archs: Vec<Arch>,
    /// Who installed it.
    pub source: Source,
    /// Runs and is complete: `bin/go` is a Go program whose version matches `VERSION`, and
    /// `pkg/tool/<os>_<arch>` exists for it.
    pub healthy: bool,
    /// What is wrong, when not healthy.
    pub problems: Vec<String>,
    /// Whether a `go` on PATH uses it.
    pub on_path: bool,
    /// Whether and how its `bin/go` runs on the host.
    pub runs: Runs,
}

/// Reads the installation rooted at `goroot`.
pub fn read(
    ctx: &Context,
    goroot: &Path,
    source: Source,
    inspector: &mut Inspector,
) -> Installation {
    let inspection = inspector.inspect(&goroot.join("bin/go"));
    let runs = runs_on(ctx, &inspection);
    let mut install = assess(goroot, source, &inspection, runs.clone());
    if let Runs::No { reason } = runs {
        install.problems.push(format!(
            "bin/go cannot run on this {} machine: {reason}",
            ctx.host().name()
        ));
        install.healthy = false;
    }
    install
}

/// Builds the installation record from an inspection of its `bin/go`.
pub fn assess(goroot: &Path, source: Source, go: &Inspection, runs: Runs) -> Installation {
    let mut problems = Vec::new();
    let file_version = goroot::read_version_file(goroot);
    let build = go.go();
    let version = build
        .map(|b| b.version.clone())
        .or_else(|| file_version.clone());
    if let Some(err) = &go.error {
        problems.push(err.to_string());
    } else if build.is_none() {
        problems.push(format!(
            "{} carries no Go build info",
            goroot.join("bin/go").display()
        ));
    }
    if let (Some(b), Some(f)) = (build, &file_version)
        && b.version != *f
    {
        problems.push(format!("bin/go is {} but VERSION says {f}", b.version));
    }
    if let Some(slice) = go.primary_slice() {
        let tools = goroot.join(format!("pkg/tool/{}_{}", slice.os, slice.arch));
        if !tools.is_dir() {
            problems.push(format!("{} is missing", tools.display()));
        }
    }
    Installation {
        goroot: goroot.to_path_buf(),
        version,
        archs: go.slices.iter().map(|s| s.arch.clone()).collect(),
        source,
        healthy: problems.is_empty(),
        problems,
        on_path: false,
        runs,
    }
}

/// Every installation in the well-known places (and Go trees beside `also_beside`'s paths:
/// where a broken link used to point), deduplicated by real path.
pub fn discover(
    ctx: &Context,
    layouts: &Layouts,
    also_beside: &[PathBuf],
    inspector: &mut Inspector,
) -> Vec<Installation> {
    let mut found: Vec<(PathBuf, Source)> = Vec::new();
    let looks_like_go = |root: &Path| root.join("bin/go").exists() || root.join("VERSION").exists();
    if looks_like_go(&layouts.official) {
        found.push((layouts.official.clone(), Source::Official));
    }
    // The macOS installer adds its bin directory to PATH through /etc/paths.d/go.
    if let Ok(text) = fs::read_to_string(ctx.system("/etc/paths.d/go")) {
        for line in text.lines().map(str::trim).filter(|l| l.starts_with('/')) {
            if let Some(root) = ctx
                .system(line)
                .parent()
                .filter(|r| r.join("bin/go").exists())
            {
                found.push((root.to_path_buf(), Source::Official));
            }
        }
    }
    for l in &layouts.installs {
        let Ok(rd) = fs::read_dir(&l.parent) else {
            continue;
        };
        let mut children: Vec<_> = rd
            .flatten()
            .filter(|e| (l.accept)(&e.file_name().to_string_lossy()))
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        children.sort();
        for child in children {
            let mut root = if l.inner.is_empty() {
                child.clone()
            } else {
                child.join(l.inner)
            };
            if l.source == Source::Mise && root.join("go/bin/go").exists() {
                root = root.join("go"); // mise's legacy layout
            }
            if looks_like_go(&root) {
                found.push((root, l.source));
            }
        }
    }
    // Siblings of a vanished tree: /usr/local/go1.23.4 beside a removed /usr/local/go1.22.0.
    for gone in also_beside {
        let Some(parent) = gone.parent() else {
            continue;
        };
        let Ok(rd) = fs::read_dir(parent) else {
            continue;
        };
        let mut children: Vec<_> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| goroot::is_goroot(p) && p.join("bin/go").exists())
            .collect();
        children.sort();
        found.extend(children.into_iter().map(|c| {
            let source = layouts.classify(&c);
            (c, source)
        }));
    }
    let mut seen = HashSet::new();
    found
        .into_iter()
        .filter(|(root, _)| match crate::path::file_id(root) {
            Some(id) => seen.insert(id),
            None => true,
        })
        .map(|(root, source)| read(ctx, &root, source, inspector))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_location() {
        let ctx = Context::fake(
            &[("HOME", "/Users/me")],
            "darwin/arm64",
            "/r",
            Path::new("/"),
        );
        let layouts = Layouts::new(&ctx, &EnvFile::default());
        let cases = [
            ("/r/opt/homebrew/Cellar/go/1.23.2/libexec", Source::Homebrew),
            ("/r/usr/local/Cellar/go/1.22.0/libexec", Source::Homebrew),
            ("/r/usr/local/go", Source::Official),
            ("/Users/me/sdk/go1.21.3", Source::Sdk),
            ("/Users/me/.gvm/gos/go1.20", Source::Gvm),
            ("/Users/me/.goenv/versions/1.22.1", Source::Goenv),
            ("/Users/me/.asdf/installs/golang/1.22.1/go", Source::Asdf),
            (
                "/Users/me/.local/share/mise/installs/go/1.22.1",
                Source::Mise,
            ),
            (
                "/Users/me/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.24.0.darwin-arm64",
                Source::ToolchainCache,
            ),
            ("/r/usr/lib/go-1.19", Source::Distro),
            ("/r/usr/local/go1.23.4", Source::Tarball),
            ("/r/usr/local/go-1.22", Source::Tarball),
            ("/r/opt/go1.21.0", Source::Tarball),
            ("/Users/me/go1.22.0", Source::Tarball),
            ("/Users/me/.local/go", Source::Tarball),
            ("/Users/me/go", Source::Unknown),
            ("/r/opt/google", Source::Unknown),
            ("/opt/elsewhere/go", Source::Unknown),
        ];
        for (path, want) in cases {
            assert_eq!(layouts.classify(Path::new(path)), want, "{path}");
        }
        assert_eq!(
            layouts.owner(Path::new("/r/opt/homebrew/Cellar/go/1.22.3/bin/go")),
            Source::Homebrew
        );
        assert_eq!(
            layouts.owner(Path::new("/r/usr/local/go1.22.0")),
            Source::Tarball
        );
    }

    #[test]
    fn shims_under_custom_roots_are_their_managers() {
        let ctx = Context::fake(
            &[
                ("HOME", "/home/me"),
                ("MISE_DATA_DIR", "/data/mise"),
                ("GVM_ROOT", "/opt/gvm"),
                ("GOENV_ROOT", "/srv/goenv"),
                ("ASDF_DATA_DIR", "/srv/asdf"),
            ],
            "linux/amd64",
            "/",
            Path::new("/"),
        );
        let layouts = Layouts::new(&ctx, &EnvFile::default());
        for (shim, want) in [
            ("/data/mise/shims/go", Source::Mise),
            ("/opt/gvm/bin/go", Source::Gvm),
            ("/srv/goenv/shims/go", Source::Goenv),
            ("/srv/asdf/shims/go", Source::Asdf),
            ("/home/me/.goenv/shims/go", Source::Unknown),
        ] {
            assert_eq!(layouts.shim_source(Path::new(shim)), want, "{shim}");
        }
        let xdg = Context::fake(
            &[("HOME", "/home/me"), ("XDG_DATA_HOME", "/xdg")],
            "linux/amd64",
            "/",
            Path::new("/"),
        );
        let layouts = Layouts::new(&xdg, &EnvFile::default());
        assert_eq!(
            layouts.shim_source(Path::new("/xdg/mise/shims/go")),
            Source::Mise
        );
        assert_eq!(
            layouts.classify(Path::new("/xdg/mise/installs/go/1.23.4")),
            Source::Mise
        );
    }
}
