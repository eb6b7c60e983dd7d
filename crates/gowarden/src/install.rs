//! Installations: every Go on the machine, on PATH or not, and who put it there
//! (install layouts: FACTS.md §7).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::binary::{Inspection, Inspector};
use crate::context::Context;
use crate::goroot::{self, EnvFile};
use crate::host::{Runs, runs_on};
use crate::platform::Arch;
use crate::version::GoVersion;

/// Who installed a Go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
            Source::Unknown => "an unknown installer",
        }
    }
}

/// A place installations of one kind live: a glob-like pattern of directories.
struct Layout {
    source: Source,
    /// Directory whose children are candidates.
    parent: PathBuf,
    /// Which children are candidates, by name.
    accept: fn(&str) -> bool,
    /// Path inside each child that is the GOROOT ("" for the child itself).
    inner: &'static str,
}

fn layouts(ctx: &Context, user_env: &EnvFile) -> Vec<Layout> {
    let mut v = Vec::new();
    let mut add = |source, parent: Option<PathBuf>, accept: fn(&str) -> bool, inner| {
        if let Some(parent) = parent {
            v.push(Layout {
                source,
                parent,
                accept,
                inner,
            });
        }
    };
    let any: fn(&str) -> bool = |_| true;
    for prefix in ["/opt/homebrew", "/usr/local", "/home/linuxbrew/.linuxbrew"] {
        let cellar = ctx.system(prefix).join("Cellar");
        add(Source::Homebrew, Some(cellar.join("go")), any, "libexec");
        // Versioned formulae (go@1.22) live beside it; listed per formula below.
        if let Ok(rd) = fs::read_dir(&cellar) {
            for e in rd.flatten() {
                if e.file_name().to_string_lossy().starts_with("go@") {
                    add(Source::Homebrew, Some(e.path()), any, "libexec");
                }
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
    let gvm = ctx
        .var("GVM_ROOT")
        .map(PathBuf::from)
        .or_else(|| ctx.in_home(".gvm"));
    add(Source::Gvm, gvm.map(|g| g.join("gos")), any, "");
    let goenv = ctx
        .var("GOENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| ctx.in_home(".goenv"));
    add(Source::Goenv, goenv.map(|g| g.join("versions")), any, "");
    let asdf = ctx
        .var("ASDF_DATA_DIR")
        .map(PathBuf::from)
        .or_else(|| ctx.in_home(".asdf"));
    add(
        Source::Asdf,
        asdf.map(|a| a.join("installs/golang")),
        any,
        "go",
    );
    let mise = ctx
        .var("MISE_DATA_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            ctx.var("XDG_DATA_HOME")
                .map(|x| PathBuf::from(x).join("mise"))
        })
        .or_else(|| ctx.in_home(".local/share/mise"));
    add(Source::Mise, mise.map(|m| m.join("installs/go")), any, "");
    let cache = crate::toolchain::module_cache(ctx, user_env);
    add(
        Source::ToolchainCache,
        cache.map(|c| c.join("golang.org")),
        |n| n.starts_with("toolchain@v0.0.1-"),
        "",
    );
    v
}

/// Who installed the Go rooted at `goroot`, judged by where it is.
pub fn classify(ctx: &Context, user_env: &EnvFile, goroot: &Path) -> Source {
    if goroot == ctx.system("/usr/local/go") {
        return Source::Official;
    }
    for l in layouts(ctx, user_env) {
        if let Ok(rest) = goroot.strip_prefix(&l.parent) {
            let mut parts = rest.components();
            let child_ok = parts
                .next()
                .is_some_and(|c| (l.accept)(&c.as_os_str().to_string_lossy()));
            let inner_ok = l.inner.is_empty()
                || parts.as_path() == Path::new(l.inner)
                || l.source == Source::Mise;
            if child_ok && inner_ok {
                return l.source;
            }
        }
    }
    Source::Unknown
}

/// One Go installation.
#[derive(Debug, Clone, Serialize)]
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
}

/// Reads the installation rooted at `goroot`.
pub fn read(
    ctx: &Context,
    goroot: &Path,
    source: Source,
    inspector: &mut Inspector,
) -> Installation {
    let inspection = inspector.inspect(&goroot.join("bin/go"));
    let mut install = assess(goroot, source, &inspection);
    if let Runs::No { reason } = runs_on(ctx, &inspection) {
        install.problems.push(format!(
            "bin/go cannot run on this {} machine: {reason}",
            ctx.host().name()
        ));
        install.healthy = false;
    }
    install
}

/// Builds the installation record from an inspection of its `bin/go`.
pub fn assess(goroot: &Path, source: Source, go: &Inspection) -> Installation {
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
    }
}

/// Every installation in the well-known places, deduplicated by real path.
pub fn discover(ctx: &Context, user_env: &EnvFile, inspector: &mut Inspector) -> Vec<Installation> {
    let mut found: Vec<(PathBuf, Source)> = Vec::new();
    let official = ctx.system("/usr/local/go");
    if official.join("bin/go").exists() || official.join("VERSION").exists() {
        found.push((official, Source::Official));
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
    for l in layouts(ctx, user_env) {
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
            if root.join("bin/go").exists() || root.join("VERSION").exists() {
                found.push((root, l.source));
            }
        }
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
        let env = EnvFile::default();
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
            ("/opt/elsewhere/go", Source::Unknown),
        ];
        for (path, want) in cases {
            assert_eq!(classify(&ctx, &env, Path::new(path)), want, "{path}");
        }
    }
}
