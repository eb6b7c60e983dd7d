//! GOROOT: which one a `go` binary uses, derived the way `cmd/go` derives it (FACTS.md §1.1),
//! and what is in it.
//!
//! 1. `GOROOT` from the environment wins, with no existence check.
//! 2. Else `GOROOT` from the user's `go env -w` file.
//! 3. Else two, then three, levels above the executable *as invoked* (`os.Executable`, which on
//!    macOS is the unresolved path given to exec; on Linux `/proc/self/exe`, already resolved),
//!    wherever `pkg/tool` is a directory.
//! 4. Else the same after resolving symlinks.
//! 5. Else the binary's built-in default, which release builds (`-trimpath`) do not have.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::platform::{Arch, Os};
use crate::symlink::clean;
use crate::version::GoVersion;

/// Which rule gave a GOROOT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GorootSource {
    /// `GOROOT` in the environment.
    Env,
    /// `GOROOT` in the user's `go env -w` file.
    GoEnvFile,
    /// Found above the executable's path as invoked.
    Executable,
    /// Found above the executable's path after resolving symlinks.
    ResolvedExecutable,
}

impl GorootSource {
    /// Why this GOROOT, as a phrase: `GOROOT is X: <reason>`.
    pub fn reason(self) -> &'static str {
        match self {
            GorootSource::Env => {
                "set by GOROOT in the environment, which overrides everything else"
            }
            GorootSource::GoEnvFile => {
                "set by GOROOT in the go env file (go env -w), which overrides the executable's location"
            }
            GorootSource::Executable => {
                "the Go tree around the go executable, at the path it was run from"
            }
            GorootSource::ResolvedExecutable => {
                "the Go tree around the go executable, after resolving its symlinks"
            }
        }
    }
}

/// A `KEY=VALUE` file as `cmd/go` reads them (`go env -w` file, `$GOROOT/go.env`): one pair a
/// line, lines not starting with `A`-`Z` or without `=` ignored, no quoting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct EnvFile {
    /// The settings; a key set twice keeps its last value, as for `cmd/go`.
    pub vars: BTreeMap<String, String>,
}

impl EnvFile {
    /// Reads a file; a missing or unreadable file is empty, as for `cmd/go`.
    pub fn read(path: &Path) -> EnvFile {
        fs::read(path)
            .map(|b| EnvFile::parse(&String::from_utf8_lossy(&b)))
            .unwrap_or_default()
    }

    /// Parses the text of an env file.
    pub fn parse(text: &str) -> EnvFile {
        let vars = text
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(); // later pairs replace earlier ones
        EnvFile { vars }
    }

    /// The last value set for `key`, if non-empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// A derived GOROOT and the rule that gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    /// The directory.
    pub path: PathBuf,
    /// The rule.
    pub source: GorootSource,
}

/// Derives the GOROOT a `go` at `invoked` (PATH entry + `go`) uses; `real` is its resolved path.
pub fn derive(
    ctx: &Context,
    user_env: &EnvFile,
    invoked: &Path,
    real: Option<&Path>,
) -> Option<Derived> {
    // Taken verbatim, as `go env GOROOT` prints it (a trailing slash and all).
    if let Some(g) = ctx.var("GOROOT") {
        return Some(Derived {
            path: PathBuf::from(g),
            source: GorootSource::Env,
        });
    }
    if let Some(g) = user_env.get("GOROOT") {
        return Some(Derived {
            path: PathBuf::from(g),
            source: GorootSource::GoEnvFile,
        });
    }
    from_executable(ctx, invoked, real)
}

/// The GOROOT the executable's location gives (rules 3 and 4), ignoring any override: the Go
/// tree the binary belongs to.
pub fn from_executable(ctx: &Context, invoked: &Path, real: Option<&Path>) -> Option<Derived> {
    let mut candidates = Vec::new();
    if ctx.host().os == Os::Darwin {
        candidates.push((invoked, GorootSource::Executable));
        candidates.extend(real.map(|r| (r, GorootSource::ResolvedExecutable)));
    } else if let Some(r) = real {
        // os.Executable is already resolved on Linux; it is the "executable" rule unless the
        // path was a link.
        let source = if r == invoked {
            GorootSource::Executable
        } else {
            GorootSource::ResolvedExecutable
        };
        candidates.push((r, source));
    }
    candidates.into_iter().find_map(|(exe, source)| {
        let exe = clean(exe);
        [2, 3]
            .into_iter()
            .filter_map(|up| exe.ancestors().nth(up))
            .find(|dir| is_goroot(dir))
            .map(|dir| Derived {
                path: dir.to_path_buf(),
                source,
            })
    })
}

/// `cmd/go`'s test: `pkg/tool` is a directory.
pub fn is_goroot(dir: &Path) -> bool {
    dir.join("pkg/tool").is_dir()
}

/// What a GOROOT directory holds.
#[derive(Debug, Clone, Serialize, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct Goroot {
    /// The directory.
    #[serde(serialize_with = "crate::serde_path")]
    pub path: PathBuf,
    /// It exists and is a directory.
    pub exists: bool,
    /// `pkg/tool` is a directory (what `cmd/go` checks).
    pub is_goroot: bool,
    /// First line of `VERSION`.
    pub version: Option<GoVersion>,
    /// `go.env` settings (GOPROXY, GOSUMDB, GOTOOLCHAIN).
    pub go_env: EnvFile,
    /// `pkg/tool/<goos>_<goarch>` for the binary that uses this root.
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub tool_dir: Option<PathBuf>,
    /// Whether that tool directory exists.
    pub tool_dir_exists: bool,
}

impl Goroot {
    /// Reads `dir`; `for_binary` is the (os, arch) of the `go` that uses it, whose tools live in
    /// `pkg/tool/<os>_<arch>`.
    pub fn read(dir: &Path, for_binary: Option<(&Os, &Arch)>) -> Goroot {
        let tool_dir = for_binary.map(|(os, arch)| dir.join(format!("pkg/tool/{os}_{arch}")));
        Goroot {
            path: dir.to_path_buf(),
            exists: dir.is_dir(),
            is_goroot: is_goroot(dir),
            version: read_version_file(dir),
            go_env: EnvFile::read(&dir.join("go.env")),
            tool_dir_exists: tool_dir.as_ref().is_some_and(|t| t.is_dir()),
            tool_dir,
        }
    }
}

/// The Go version named on the first line of `<dir>/VERSION` (`go1.22.5`, then `time ...`).
pub fn read_version_file(dir: &Path) -> Option<GoVersion> {
    let text = fs::read(dir.join("VERSION")).ok()?;
    let text = String::from_utf8_lossy(text.get(..4096.min(text.len()))?);
    text.lines().next().and_then(|l| l.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(vars: &[(&str, &str)], host: &str) -> Context {
        Context::fake(vars, host, "/", Path::new("/"))
    }

    fn goroot_at(base: &Path, rel: &str) -> PathBuf {
        let root = base.join(rel);
        fs::create_dir_all(root.join("pkg/tool/darwin_arm64")).unwrap();
        fs::create_dir_all(root.join("bin")).unwrap();
        fs::write(root.join("bin/go"), b"").unwrap();
        root
    }

    #[test]
    fn env_file_rules() {
        let f = EnvFile::parse(
            "# comment\nGOTOOLCHAIN=auto\nlower=ignored\nNOEQUALS\nGOPROXY=a=b\nGOTOOLCHAIN=local\nGOROOT=\n",
        );
        assert_eq!(f.get("GOTOOLCHAIN"), Some("local"));
        assert_eq!(f.get("GOPROXY"), Some("a=b"));
        assert_eq!(f.get("lower"), None);
        assert_eq!(f.get("GOROOT"), None, "empty is unset");
    }

    #[test]
    fn env_beats_file_beats_executable() {
        let d = tempfile::tempdir().unwrap();
        let root = goroot_at(d.path(), "go");
        let exe = root.join("bin/go");
        let file = EnvFile::parse("GOROOT=/from/file/\n");
        let with_env = derive(
            &ctx(&[("GOROOT", "/from/env/./")], "darwin/arm64"),
            &file,
            &exe,
            Some(&exe),
        )
        .unwrap();
        assert_eq!(
            with_env,
            Derived {
                path: "/from/env".into(),
                source: GorootSource::Env
            }
        );
        let with_file = derive(&ctx(&[], "darwin/arm64"), &file, &exe, Some(&exe)).unwrap();
        assert_eq!(with_file.source, GorootSource::GoEnvFile);
        let derived = derive(
            &ctx(&[], "darwin/arm64"),
            &EnvFile::default(),
            &exe,
            Some(&exe),
        )
        .unwrap();
        assert_eq!(
            derived,
            Derived {
                path: root,
                source: GorootSource::Executable
            }
        );
    }

    #[test]
    fn symlinked_go_needs_resolution_on_darwin_only_as_a_second_try() {
        let d = tempfile::tempdir().unwrap();
        let root = goroot_at(d.path(), "Cellar/go/1.23.2/libexec");
        let invoked = d.path().join("bin/go");
        let real = root.join("bin/go");
        let got = derive(
            &ctx(&[], "darwin/arm64"),
            &EnvFile::default(),
            &invoked,
            Some(&real),
        )
        .unwrap();
        assert_eq!(
            got,
            Derived {
                path: root.clone(),
                source: GorootSource::ResolvedExecutable
            }
        );
        let linux = derive(
            &ctx(&[], "linux/amd64"),
            &EnvFile::default(),
            &invoked,
            Some(&real),
        )
        .unwrap();
        assert_eq!(linux.source, GorootSource::ResolvedExecutable);
        // GOROOT/bin/GOOS_GOARCH/go (cross-compiled install): three levels up.
        let cross = goroot_at(d.path(), "cross");
        let exe = cross.join("bin/linux_arm64/go");
        let got = derive(
            &ctx(&[], "linux/amd64"),
            &EnvFile::default(),
            &exe,
            Some(&exe),
        )
        .unwrap();
        assert_eq!(
            got,
            Derived {
                path: cross,
                source: GorootSource::Executable
            }
        );
    }

    #[test]
    fn copied_binary_has_no_goroot() {
        let d = tempfile::tempdir().unwrap();
        let exe = d.path().join("usr/local/bin/go");
        assert_eq!(
            derive(
                &ctx(&[], "darwin/arm64"),
                &EnvFile::default(),
                &exe,
                Some(&exe)
            ),
            None
        );
    }
}
