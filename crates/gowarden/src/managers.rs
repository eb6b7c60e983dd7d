//! Version managers' shims, resolved statically the way each manager resolves them: which
//! installed Go a goenv, asdf or mise shim runs here, and which setting decided it. Nothing is
//! run; the manager's own files are read (FACTS.md §7, §10).
//!
//! - goenv (`libexec/goenv-version-name`, `-version-file`, `-version-file-read`, `-exec`):
//!   `GOENV_VERSION`, else the nearest `.go-version` from the working directory up (or, only
//!   with `GOENV_GOMOD_VERSION_ENABLE=1`, a nearer `go.mod`: its `toolchain` line, else its
//!   `go` line), else `$GOENV_ROOT/version`, else `system`.
//!   Colon-separated lists take the first installed. `goenv exec` sets `GOROOT` to the install
//!   unless `GOENV_DISABLE_GOROOT=1`.
//! - asdf (golang plugin): `ASDF_GOLANG_VERSION`, else the nearest `.tool-versions` with a
//!   `golang` line from the working directory up, else `~/.tool-versions`; the first installed
//!   of the line's versions. Installs live in `installs/golang/<v>/go`; the plugin sets `GOROOT`.
//! - mise: `MISE_GO_VERSION`, else the nearest config file with a `go` tool (`mise.toml`,
//!   `.mise.toml`, `mise.local.toml`, `.config/mise.toml`, `.mise/config.toml`,
//!   `mise/config.toml`, `.tool-versions`), else the global `~/.config/mise/config.toml`.
//!   A fuzzy version (`1.23`, `latest`) is the newest installed match. mise sets `GOROOT`.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::install::Source;
use crate::version::GoVersion;

/// What decided a manager's choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Decider {
    /// An environment variable (`GOENV_VERSION`, `ASDF_GOLANG_VERSION`, `MISE_GO_VERSION`).
    Env {
        /// Its name.
        var: String,
    },
    /// A version or config file.
    File {
        /// The file.
        #[serde(serialize_with = "crate::serde_path")]
        path: PathBuf,
    },
    /// Nothing: the manager's default.
    Default,
}

impl std::fmt::Display for Decider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Decider::Env { var } => write!(f, "{var} in the environment"),
            Decider::File { path } => write!(f, "{}", path.display()),
            Decider::Default => f.write_str("the manager's default"),
        }
    }
}

/// A manager's choice for this directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The version as written (`1.23.2`, `1.23`, `latest`, `system`).
    pub requested: String,
    /// What decided it.
    pub decided_by: Decider,
    /// The installed Go root it resolves to; `None` for `system` (the next `go` on PATH).
    pub root: Option<PathBuf>,
    /// The manager exports `GOROOT` as that root when it runs go.
    pub sets_goroot: bool,
}

/// Why a manager cannot run a Go here, in its own words where it has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// What was asked for, when anything was.
    pub requested: Option<String>,
    /// What decided it.
    pub decided_by: Decider,
    /// The manager's message.
    pub message: String,
    /// A version was asked for and is not installed (rather than nothing being asked for).
    pub not_installed: bool,
}

/// Resolves the shim of `manager` rooted at `data_root` (`~/.goenv`, `~/.asdf`, mise's data
/// directory) for `ctx`'s working directory and environment.
pub fn resolve(
    ctx: &Context,
    manager: Source,
    data_root: &Path,
) -> Option<Result<Choice, Unresolved>> {
    match manager {
        Source::Goenv => Some(goenv(ctx, data_root)),
        Source::Asdf => Some(asdf(ctx, data_root)),
        Source::Mise => Some(mise(ctx, data_root)),
        _ => None,
    }
}

/// The version a manager's variable sets, with the variable as what decided it.
fn from_env(ctx: &Context, var: &str) -> Option<(String, Decider)> {
    let v = ctx.var_str(var)?;
    Some((v, Decider::Env { var: var.into() }))
}

fn goenv(ctx: &Context, root: &Path) -> Result<Choice, Unresolved> {
    let (value, decided_by) = if let Some((v, by)) = from_env(ctx, "GOENV_VERSION") {
        (Some(v), by)
    } else {
        let start = ctx
            .var("GOENV_DIR")
            .map_or_else(|| ctx.cwd().to_path_buf(), PathBuf::from);
        // goenv looks at go.mod only when asked to, with exactly "1" (its version-file).
        let names: &[&str] = if gomod_enabled(ctx) {
            &[".go-version", "go.mod"]
        } else {
            &[".go-version"]
        };
        let file = start
            .ancestors()
            .find_map(|d| names.iter().map(|n| d.join(n)).find(|p| p.exists()))
            .unwrap_or_else(|| root.join("version"));
        (goenv_read(&file), Decider::File { path: file })
    };
    let versions = value.unwrap_or_default();
    let sets_goroot = ctx.var_str("GOENV_DISABLE_GOROOT").as_deref() != Some("1");
    let gomod = gomod_enabled(ctx);
    let installs = root.join("versions");
    if versions.is_empty() || versions == "system" {
        return Ok(Choice {
            requested: "system".into(),
            decided_by,
            root: None,
            sets_goroot: false,
        });
    }
    for v in versions.split(':') {
        if v == "system" {
            return Ok(Choice {
                requested: v.into(),
                decided_by,
                root: None,
                sets_goroot: false,
            });
        }
        let found = [v, v.strip_prefix("go-").unwrap_or(v)]
            .into_iter()
            .map(|name| installs.join(name))
            .find(|d| d.is_dir())
            .or_else(|| gomod.then(|| newest_matching(&installs, v)).flatten());
        if let Some(dir) = found {
            return Ok(Choice {
                requested: v.into(),
                decided_by,
                root: Some(dir),
                sets_goroot,
            });
        }
    }
    let first = versions.split(':').next().unwrap_or_default().to_string();
    Err(Unresolved {
        message: format!("goenv: version '{first}' is not installed (set by {decided_by})"),
        requested: Some(first),
        decided_by,
        not_installed: true,
    })
}

/// `GOENV_GOMOD_VERSION_ENABLE=1`: goenv then reads a project's go.mod for the version.
fn gomod_enabled(ctx: &Context) -> bool {
    ctx.var_str("GOENV_GOMOD_VERSION_ENABLE").as_deref() == Some("1")
}

/// goenv's version-file-read: for go.mod the toolchain line's version, else the go line's;
/// otherwise the first words of the file, skipping comments and path-like words.
fn goenv_read(file: &Path) -> Option<String> {
    let bytes = fs::read(file).ok()?;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).into_owned();
    let words: Vec<String> = if file.file_name().is_some_and(|n| n == "go.mod") {
        let pick = |key: &str| {
            text.lines().find_map(|l| {
                let rest = l.trim_start().strip_prefix(key)?;
                let v = rest.trim().strip_prefix("go").unwrap_or(rest.trim());
                let v = v.split_whitespace().next()?;
                v.starts_with(|c: char| c.is_ascii_digit())
                    .then(|| v.to_string())
            })
        };
        pick("toolchain")
            .or_else(|| pick("go "))
            .into_iter()
            .collect()
    } else {
        text.lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|w| !w.starts_with('#') && *w != ".." && !w.contains('/'))
            .map(str::to_string)
            .collect()
    };
    (!words.is_empty()).then(|| words.join(":"))
}

fn asdf(ctx: &Context, root: &Path) -> Result<Choice, Unresolved> {
    let installs = root.join("installs/golang");
    let (line, decided_by) = if let Some((v, by)) = from_env(ctx, "ASDF_GOLANG_VERSION") {
        (Some(v), by)
    } else {
        let name = ctx
            .var_str("ASDF_TOOL_VERSIONS_FILENAME")
            .or_else(|| ctx.var_str("ASDF_DEFAULT_TOOL_VERSIONS_FILENAME"))
            .unwrap_or_else(|| ".tool-versions".into());
        let found = ctx
            .cwd()
            .ancestors()
            .map(|d| d.join(&name))
            .chain(ctx.in_home(&name))
            .find_map(|f| tool_versions(&f, "golang").map(|v| (v, f)));
        match found {
            Some((v, f)) => (Some(v), Decider::File { path: f }),
            None => (None, Decider::Default),
        }
    };
    let Some(line) = line else {
        return Err(Unresolved {
            requested: None,
            not_installed: false,
            message: "No version is set for command go. Consider adding one of the following versions in your config file at .tool-versions".into(),
            decided_by,
        });
    };
    for v in line.split_whitespace() {
        if v == "system" {
            return Ok(Choice {
                requested: v.into(),
                decided_by,
                root: None,
                sets_goroot: false,
            });
        }
        // The golang plugin keeps the Go tree in `<install>/go`, for `path:` installs too.
        let install = match v.strip_prefix("path:") {
            Some(p) => PathBuf::from(p),
            None => installs.join(v),
        };
        let dir = install.join("go");
        if dir.is_dir() {
            return Ok(Choice {
                requested: v.into(),
                decided_by,
                root: Some(dir),
                sets_goroot: true,
            });
        }
    }
    let first = line
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    Err(Unresolved {
        message: format!(
            "No preset version installed for command go: golang {first} is not installed (set by {decided_by})"
        ),
        requested: Some(first),
        decided_by,
        not_installed: true,
    })
}

/// The versions on a `.tool-versions` line for `tool`, comments removed.
fn tool_versions(file: &Path, tool: &str) -> Option<String> {
    let text = fs::read_to_string(file).ok()?;
    text.lines()
        .find_map(|l| {
            let l = l.split('#').next().unwrap_or("");
            let mut words = l.split_whitespace();
            (words.next()? == tool).then(|| words.collect::<Vec<_>>().join(" "))
        })
        .filter(|v| !v.is_empty())
}

/// mise's config files in one directory, highest priority first.
const MISE_FILES: &[&str] = &[
    ".mise.local.toml",
    "mise.local.toml",
    ".mise.toml",
    "mise.toml",
    ".mise/config.toml",
    "mise/config.toml",
    ".config/mise.toml",
    ".config/mise/config.toml",
    ".tool-versions",
];

fn mise(ctx: &Context, root: &Path) -> Result<Choice, Unresolved> {
    let installs = root.join("installs/go");
    let global = ctx
        .var("MISE_CONFIG_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            ctx.var("XDG_CONFIG_HOME")
                .map(|x| PathBuf::from(x).join("mise"))
        })
        .or_else(|| ctx.in_home(".config/mise"))
        .map(|d| d.join("config.toml"));
    let (requested, decided_by) = if let Some((v, by)) = from_env(ctx, "MISE_GO_VERSION") {
        (Some(v), by)
    } else {
        let local = ctx.cwd().ancestors().find_map(|d| {
            MISE_FILES.iter().find_map(|name| {
                let f = d.join(name);
                let v = if name.ends_with(".toml") {
                    fs::read_to_string(&f).ok().and_then(|t| toml_go(&t))
                } else {
                    tool_versions(&f, "go").or_else(|| tool_versions(&f, "golang"))
                };
                v.map(|v| (v, f))
            })
        });
        let found = local.or_else(|| {
            let g = global.clone()?;
            toml_go(&fs::read_to_string(&g).ok()?).map(|v| (v, g))
        });
        match found {
            Some((v, f)) => (Some(v), Decider::File { path: f }),
            None => (None, Decider::Default),
        }
    };
    let Some(requested) = requested else {
        return Err(Unresolved {
            requested: None,
            not_installed: false,
            message: "mise: no version of go is set for this directory: go is not a mise tool here"
                .into(),
            decided_by,
        });
    };
    let v = requested
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    if v == "system" {
        return Ok(Choice {
            requested: v,
            decided_by,
            root: None,
            sets_goroot: false,
        });
    }
    // mise keeps symlinks for fuzzy names (`1.23 -> 1.23.2`, `latest`) but runs the concrete one.
    let exact = installs.join(&v);
    let concrete = fs::symlink_metadata(&exact).is_ok_and(|m| m.is_dir());
    let dir = if concrete && v != "latest" {
        Some(exact)
    } else {
        newest_matching(&installs, if v == "latest" { "" } else { &v })
    };
    match dir {
        Some(d) => Ok(Choice {
            requested: v,
            decided_by,
            root: Some(d),
            sets_goroot: true,
        }),
        None => Err(Unresolved {
            message: format!(
                "mise: go@{v} is not installed (set by {decided_by}); install it with `mise install go@{v}`"
            ),
            requested: Some(v),
            decided_by,
            not_installed: true,
        }),
    }
}

/// The `go` tool's version in a mise TOML config: `[tools]` `go = "1.23"`, `go = ["1.23", ..]`,
/// `go = { version = "1.23" }`, or a `[tools.go]` table's `version`.
fn toml_go(text: &str) -> Option<String> {
    let mut table = String::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            table = name.trim().to_string();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().trim_matches('"');
        let wanted = (table == "tools" && key == "go") || (table == "tools.go" && key == "version");
        if !wanted {
            continue;
        }
        let value = value.trim();
        let value = match value.strip_prefix('{') {
            Some(inline) => inline.split(',').find_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                (k.trim() == "version").then(|| v.trim().trim_end_matches('}').trim())
            })?,
            None => value
                .trim_start_matches('[')
                .split(',')
                .next()?
                .trim_end_matches(']'),
        };
        let value = value.trim().trim_matches('"').trim_matches('\'');
        if !value.is_empty() {
            return Some(value.to_string());
        }
    }
    None
}

/// The newest installed version directory equal to `prefix` or starting with `prefix.`
/// (every one for an empty prefix).
fn newest_matching(installs: &Path, prefix: &str) -> Option<PathBuf> {
    fs::read_dir(installs)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let matches =
                prefix.is_empty() || name == prefix || name.starts_with(&format!("{prefix}."));
            let version: GoVersion = name.parse().ok()?;
            let real_dir = e.file_type().is_ok_and(|t| t.is_dir());
            (matches && real_dir).then(|| (version, e.path()))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(cwd: &Path, vars: &[(&str, &str)]) -> Context {
        Context::fake(vars, "linux/amd64", "/", cwd)
    }

    fn dir(p: &Path) {
        fs::create_dir_all(p).unwrap();
    }

    #[test]
    fn goenv_env_then_nearest_file_then_global() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join(".goenv");
        dir(&root.join("versions/1.22.10"));
        dir(&root.join("versions/1.23.2"));
        let work = t.path().join("w/sub");
        dir(&work);
        let home = t.path().to_str().unwrap();
        // Nothing set: system.
        let c = goenv(&ctx(&work, &[("HOME", home)]), &root).unwrap();
        assert_eq!((c.requested.as_str(), c.root.clone()), ("system", None));
        // The global version file.
        fs::write(root.join("version"), "1.22.10\n").unwrap();
        let c = goenv(&ctx(&work, &[("HOME", home)]), &root).unwrap();
        assert_eq!(c.root, Some(root.join("versions/1.22.10")));
        assert_eq!(
            c.decided_by,
            Decider::File {
                path: root.join("version")
            }
        );
        // A .go-version up the tree wins; comments and path-like words are skipped.
        fs::write(t.path().join("w/.go-version"), "# pinned\n../x\n1.23.2\n").unwrap();
        let c = goenv(&ctx(&work, &[("HOME", home)]), &root).unwrap();
        assert_eq!(c.root, Some(root.join("versions/1.23.2")));
        assert!(c.sets_goroot);
        // GOENV_VERSION wins over files; GOENV_DISABLE_GOROOT keeps GOROOT alone.
        let c = goenv(
            &ctx(
                &work,
                &[("GOENV_VERSION", "1.22.10"), ("GOENV_DISABLE_GOROOT", "1")],
            ),
            &root,
        )
        .unwrap();
        assert_eq!(
            c.decided_by,
            Decider::Env {
                var: "GOENV_VERSION".into()
            }
        );
        assert!(!c.sets_goroot);
        // Not installed: goenv's own message.
        let e = goenv(&ctx(&work, &[("GOENV_VERSION", "1.21.0")]), &root).unwrap_err();
        assert_eq!(
            e.message,
            "goenv: version '1.21.0' is not installed (set by GOENV_VERSION in the environment)"
        );
    }

    /// The held-out scenario of issue 18: a goenv shim in a module whose go.mod says `go
    /// 1.22`. Without GOENV_GOMOD_VERSION_ENABLE=1 goenv never reads go.mod, so the version
    /// file decides and the build works.
    #[test]
    fn goenv_reads_go_mod_only_when_enabled() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join(".goenv");
        dir(&root.join("versions/1.23.2"));
        fs::write(t.path().join(".go-version"), "1.23.2\n").unwrap();
        let m = t.path().join("mod");
        dir(&m);
        fs::write(m.join("go.mod"), "module m\n\ngo 1.22\n").unwrap();
        for off in [
            &[][..],
            &[("GOENV_GOMOD_VERSION_ENABLE", "0")],
            &[("GOENV_GOMOD_VERSION_ENABLE", "")],
        ] {
            let c = goenv(&ctx(&m, off), &root).unwrap();
            assert_eq!(c.root, Some(root.join("versions/1.23.2")), "{off:?}");
            assert_eq!(
                c.decided_by,
                Decider::File {
                    path: t.path().join(".go-version")
                }
            );
        }
        let on = [("GOENV_GOMOD_VERSION_ENABLE", "1")];
        let e = goenv(&ctx(&m, &on), &root).unwrap_err();
        assert!(
            e.message.contains("version '1.22' is not installed"),
            "{}",
            e.message
        );
        fs::write(m.join("go.mod"), "module m\n\ngo 1.23\n").unwrap();
        let c = goenv(&ctx(&m, &on), &root).unwrap();
        assert_eq!(c.root, Some(root.join("versions/1.23.2")));
        fs::write(
            m.join("go.mod"),
            "module m\n\ngo 1.22\n\ntoolchain go1.23.2\n",
        )
        .unwrap();
        assert_eq!(goenv(&ctx(&m, &on), &root).unwrap().requested, "1.23.2");
    }

    #[test]
    fn asdf_tool_versions_up_the_tree_then_home() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join(".asdf");
        dir(&root.join("installs/golang/1.22.10/go"));
        let home = t.path().to_str().unwrap();
        let work = t.path().join("p/q");
        dir(&work);
        assert!(asdf(&ctx(&work, &[("HOME", home)]), &root).is_err());
        fs::write(
            t.path().join(".tool-versions"),
            "nodejs 20\ngolang 1.22.10\n",
        )
        .unwrap();
        let c = asdf(&ctx(&work, &[("HOME", home)]), &root).unwrap();
        assert_eq!(c.root, Some(root.join("installs/golang/1.22.10/go")));
        fs::write(
            t.path().join("p/.tool-versions"),
            "golang 1.24.0 1.22.10 # fallback\n",
        )
        .unwrap();
        let c = asdf(&ctx(&work, &[("HOME", home)]), &root).unwrap();
        assert_eq!(c.requested, "1.22.10", "the first installed of the line");
        assert_eq!(
            c.decided_by,
            Decider::File {
                path: t.path().join("p/.tool-versions")
            }
        );
        fs::write(t.path().join("p/.tool-versions"), "golang 1.24.0\n").unwrap();
        let e = asdf(&ctx(&work, &[("HOME", home)]), &root).unwrap_err();
        assert!(
            e.message.contains("golang 1.24.0 is not installed"),
            "{}",
            e.message
        );
        let c = asdf(&ctx(&work, &[("ASDF_GOLANG_VERSION", "system")]), &root).unwrap();
        assert_eq!(c.root, None);
    }

    #[test]
    fn mise_configs_fuzzy_versions_and_global() {
        let t = tempfile::tempdir().unwrap();
        let data = t.path().join("data/mise");
        dir(&data.join("installs/go/1.23.2"));
        dir(&data.join("installs/go/1.23.10"));
        dir(&data.join("installs/go/1.22.10"));
        // mise's own runtime symlinks for fuzzy names are not installs.
        std::os::unix::fs::symlink("1.22.10", data.join("installs/go/1.22")).unwrap();
        std::os::unix::fs::symlink("1.23.10", data.join("installs/go/latest")).unwrap();
        let home = t.path().to_str().unwrap();
        let work = t.path().join("w");
        dir(&work);
        assert!(mise(&ctx(&work, &[("HOME", home)]), &data).is_err());
        let global = t.path().join(".config/mise/config.toml");
        dir(global.parent().unwrap());
        fs::write(&global, "[tools]\ngo = \"1.22\"\n").unwrap();
        let c = mise(&ctx(&work, &[("HOME", home)]), &data).unwrap();
        assert_eq!(c.root, Some(data.join("installs/go/1.22.10")));
        fs::write(
            work.join("mise.toml"),
            "[env]\nX = \"1\"\n[tools]\nnode = \"20\"\ngo = \"latest\"\n",
        )
        .unwrap();
        let c = mise(&ctx(&work, &[("HOME", home)]), &data).unwrap();
        assert_eq!(
            c.root,
            Some(data.join("installs/go/1.23.10")),
            "newest, by version"
        );
        fs::write(
            work.join(".mise.local.toml"),
            "[tools.go]\nversion = \"1.23.2\"\n",
        )
        .unwrap();
        let c = mise(&ctx(&work, &[("HOME", home)]), &data).unwrap();
        assert_eq!(
            c.decided_by,
            Decider::File {
                path: work.join(".mise.local.toml")
            }
        );
        assert_eq!(c.root, Some(data.join("installs/go/1.23.2")));
        let e = mise(&ctx(&work, &[("MISE_GO_VERSION", "1.25")]), &data).unwrap_err();
        assert!(
            e.message.contains("go@1.25 is not installed"),
            "{}",
            e.message
        );
    }

    #[test]
    fn toml_forms() {
        assert_eq!(toml_go("[tools]\ngo = '1.23'\n").as_deref(), Some("1.23"));
        assert_eq!(
            toml_go("[tools]\n\"go\" = [\"1.23\", \"1.22\"]\n").as_deref(),
            Some("1.23")
        );
        assert_eq!(
            toml_go("[tools]\ngo = { version = \"1.24\", os = [\"linux\"] }\n").as_deref(),
            Some("1.24")
        );
        assert_eq!(toml_go("[env]\ngo = \"x\"\n"), None);
    }
}
