//! GOTOOLCHAIN: which toolchain `go` really runs in the current directory, decided statically
//! the way `cmd/go/internal/toolchain.Select` decides it (FACTS.md §2), without running `go`.
//!
//! 1. The setting: environment > user `go env -w` file > `$GOROOT/go.env` > `local`.
//! 2. `local` / `<name>` / `<name>+auto` / `<name>+path` (`auto` is `local+auto`).
//! 3. In `auto`/`path` mode, the `toolchain` and `go` lines of `go.work` (else `go.mod`), found
//!    upward from the working directory, may raise the minimum.
//! 4. A switch target is looked up on PATH (`go1.24.0` wrappers), then in the module cache
//!    (`golang.org/toolchain@v0.0.1-go1.24.0.<goos>-<goarch>`), else it would be downloaded.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::goroot::EnvFile;
use crate::platform::{Arch, Os};
use crate::version::GoVersion;

/// Where the GOTOOLCHAIN setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SettingSource {
    /// The process environment.
    Env,
    /// The user's `go env -w` file.
    GoEnvFile,
    /// `$GOROOT/go.env`.
    GorootGoEnv,
    /// Nothing set it: `local`.
    Default,
}

impl SettingSource {
    /// In words: "the environment", "$GOROOT/go.env", ...
    pub fn words(self) -> &'static str {
        match self {
            SettingSource::Env => "the environment",
            SettingSource::GoEnvFile => "the go env file",
            SettingSource::GorootGoEnv => "$GOROOT/go.env",
            SettingSource::Default => "the default",
        }
    }
}

/// Where the selected toolchain would come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "path")]
pub enum Provider {
    /// The `go` on PATH runs the command itself.
    Local,
    /// An executable of that name on PATH (a golang.org/dl wrapper, usually).
    Path(#[serde(serialize_with = "crate::serde_path")] PathBuf),
    /// Already downloaded into the module cache.
    ModuleCache(#[serde(serialize_with = "crate::serde_path")] PathBuf),
    /// Not present: `go` would download it (`auto`) or fail (`path`).
    Download,
    /// Not present and downloads are off (`+path`): `go` fails with "cannot find in PATH".
    Unavailable,
}

/// How GOTOOLCHAIN lets `go` pick a toolchain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// `local`: always the bundled toolchain.
    Local,
    /// `auto` / `<name>+auto`: go.mod and go.work may ask for a newer one, downloaded if need be.
    Auto,
    /// `path` / `<name>+path`: as `auto`, but only from PATH, never downloaded.
    Path,
    /// A bare `<name>` such as `go1.23.4`: always that toolchain.
    Pinned,
}

/// The toolchain that runs: the bundled one, or one named like `go1.24.0`. On the wire,
/// `"local"` or the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selected {
    /// The `go` on PATH runs the command itself.
    Local,
    /// Another toolchain, by name (`go1.24.0`).
    Toolchain(String),
}

impl Selected {
    fn from_name(name: &str) -> Selected {
        if name == "local" {
            Selected::Local
        } else {
            Selected::Toolchain(name.to_string())
        }
    }
}

impl std::fmt::Display for Selected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selected::Local => f.write_str("local"),
            Selected::Toolchain(n) => f.write_str(n),
        }
    }
}

impl Serialize for Selected {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Selected {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Selected::from_name(&String::deserialize(d)?))
    }
}

impl schemars::JsonSchema for Selected {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SelectedToolchain".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "\"local\" (the bundled toolchain) or a toolchain name such as go1.24.0"
        })
    }
}

/// The outcome of toolchain selection.
#[derive(Debug, Clone, Serialize, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct Toolchain {
    /// The effective GOTOOLCHAIN value, e.g. `auto`.
    pub value: String,
    /// Where that value came from.
    pub source: SettingSource,
    /// How the setting lets go choose (`local`, `auto`, `path`, or `pinned` for a bare name).
    pub mode: Mode,
    /// The toolchain the go command bundles (`go1.23.2`).
    pub local: Option<String>,
    /// The `go.work` or `go.mod` consulted.
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub module_file: Option<PathBuf>,
    /// Its `go` line.
    pub go_line: Option<String>,
    /// Its `toolchain` line.
    pub toolchain_line: Option<String>,
    /// The toolchain that would run: `local`, or a name like `go1.24.0`.
    pub selected: Selected,
    /// Where that toolchain would come from.
    pub provider: Provider,
    /// Why, in a sentence.
    pub reason: String,
    /// The setting (or the module's toolchain line) is malformed: `go` refuses to run.
    pub error: Option<ToolchainError>,
    /// `GOWORK` is unusable: every go command in module mode fails.
    pub gowork_problem: Option<GoworkProblem>,
    /// For a toolchain in the module cache: whether the checksum database's answer for it is
    /// cached too (`cache/download/sumdb/<db>/lookup/...`), so that go can verify it offline.
    pub sumdb_cached: Option<bool>,
}

impl Toolchain {
    /// Whether `go` would switch away from the bundled toolchain here.
    pub fn switches(&self) -> bool {
        match &self.selected {
            Selected::Local => false,
            Selected::Toolchain(n) => Some(n) != self.local.as_ref(),
        }
    }
}

/// A Go setting as `go`'s `cfg.Getenv` reads it: the environment, then the user's go env file,
/// then `$GOROOT/go.env` (FACTS.md §2.1); empty values are unset.
pub fn lookup(
    ctx: &Context,
    user_env: &EnvFile,
    goroot_env: &EnvFile,
    name: &str,
) -> Option<(String, SettingSource)> {
    if let Some(v) = ctx.var_str(name) {
        return Some((v, SettingSource::Env));
    }
    [
        (user_env, SettingSource::GoEnvFile),
        (goroot_env, SettingSource::GorootGoEnv),
    ]
    .into_iter()
    .find_map(|(file, source)| {
        file.get(name)
            .filter(|v| !v.is_empty())
            .map(|v| (v.to_string(), source))
    })
}

/// A malformed GOTOOLCHAIN or toolchain line, which makes `go` refuse to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ToolchainError {
    /// A suffix other than `+auto` or `+path`.
    BadSuffix {
        /// The whole setting.
        value: String,
        /// The suffix, without `+`.
        suffix: String,
    },
    /// A name that is no Go toolchain (`bash`, `1.23`).
    NotAToolchain {
        /// The whole setting.
        value: String,
        /// The name before any suffix.
        name: String,
    },
    /// The module file's `toolchain` line names no Go toolchain.
    BadToolchainLine {
        /// The line's value.
        line: String,
        /// `go.mod` or `go.work`.
        file: String,
    },
}

impl std::fmt::Display for ToolchainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ToolchainError::BadSuffix { value, suffix } => write!(
                f,
                "invalid GOTOOLCHAIN {value:?}: only version suffixes are +auto and +path (not +{suffix})"
            ),
            ToolchainError::NotAToolchain { value, name } => write!(
                f,
                "invalid GOTOOLCHAIN {value:?}: {name:?} names no Go toolchain (like go1.23.4)"
            ),
            ToolchainError::BadToolchainLine { line, file } => {
                write!(f, "invalid toolchain {line:?} in {file}")
            }
        }
    }
}

/// What is wrong with GOWORK, as `modload.FindGoWork` sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum GoworkProblem {
    /// It names a file that does not exist: "reading go.work: open ...: no such file".
    Missing {
        /// The file.
        #[serde(serialize_with = "crate::serde_path")]
        path: PathBuf,
    },
    /// It is neither `off`, `auto` nor an absolute path: "invalid GOWORK: not an absolute path".
    NotAbsolute {
        /// Its value.
        value: String,
    },
}

/// Decides the toolchain for the active `go` (bundled version `local`, built for `os`/`arch`).
pub fn select(
    ctx: &Context,
    user_env: &EnvFile,
    goroot_env: &EnvFile,
    local: Option<&GoVersion>,
    target: (&Os, &Arch),
) -> Toolchain {
    let (value, source) = lookup(ctx, user_env, goroot_env, "GOTOOLCHAIN")
        .unwrap_or_else(|| ("local".to_string(), SettingSource::Default));
    let local_name = local.and_then(GoVersion::release_name);
    let mut t = Toolchain {
        value: value.clone(),
        source,
        mode: Mode::Local,
        local: local_name.clone(),
        module_file: None,
        go_line: None,
        toolchain_line: None,
        selected: Selected::Local,
        provider: Provider::Local,
        reason: String::new(),
        error: None,
        gowork_problem: None,
        sumdb_cached: None,
    };

    let (min_name, mode) = match value.as_str() {
        "auto" | "path" => ("local".to_string(), value.clone()),
        _ => {
            let (min, suffix) = match value.split_once('+') {
                Some((m, s)) => (m, Some(s)),
                None => (value.as_str(), None),
            };
            if let Some(s) = suffix.filter(|s| *s != "auto" && *s != "path") {
                t.error = Some(ToolchainError::BadSuffix {
                    value: value.clone(),
                    suffix: s.to_string(),
                });
                return t;
            }
            if min != "local" && version_of_toolchain(min).is_none() {
                t.error = Some(ToolchainError::NotAToolchain {
                    value: value.clone(),
                    name: min.to_string(),
                });
                return t;
            }
            (min.to_string(), suffix.unwrap_or("").to_string())
        }
    };
    t.mode = match mode.as_str() {
        "auto" => Mode::Auto,
        "path" => Mode::Path,
        _ if min_name == "local" => Mode::Local,
        _ => Mode::Pinned,
    };
    let mut selected = min_name.clone();
    let mut min_vers = if min_name == "local" {
        local.cloned()
    } else {
        version_of_toolchain(&min_name)
    };
    t.reason = match (min_name.as_str(), source) {
        ("local", SettingSource::Default) => {
            "nothing sets GOTOOLCHAIN, so go runs its bundled toolchain".into()
        }
        ("local", _) => format!(
            "GOTOOLCHAIN={value} (from {}) starts from the bundled toolchain",
            source.words()
        ),
        (name, _) => format!(
            "GOTOOLCHAIN={value} (from {}) asks for {name}",
            source.words()
        ),
    };

    // The module file is read in every mode: its go line is a requirement the toolchain that
    // runs must meet, whether or not GOTOOLCHAIN lets it pick one.
    let gowork = lookup(ctx, user_env, goroot_env, "GOWORK").map(|(v, _)| v);
    let (file, gowork_problem) = find_module_file(ctx, gowork.as_deref());
    t.gowork_problem = gowork_problem;
    if let Some(file) = file {
        let text = fs::read(&file)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        t.go_line = mod_lookup(&text, "go");
        t.toolchain_line = mod_lookup(&text, "toolchain");
        t.module_file = Some(file);
    }
    if (mode == "auto" || mode == "path")
        && let Some(file) = t.module_file.clone()
    {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if t.toolchain_line.as_deref() != Some("default") {
            if let Some(tc) = &t.toolchain_line {
                match version_of_toolchain(tc) {
                    Some(v) if min_vers.as_ref().is_none_or(|m| v > *m) => {
                        t.reason = format!(
                            "{name} says toolchain {tc}, newer than {}",
                            display_min(&min_name, local)
                        );
                        selected = tc.clone();
                        min_vers = Some(v);
                    }
                    Some(_) => {}
                    None => {
                        t.error = Some(ToolchainError::BadToolchainLine {
                            line: tc.clone(),
                            file: name.clone(),
                        });
                        return t;
                    }
                }
            }
            if let Some(go) = t
                .go_line
                .as_deref()
                .and_then(|g| g.parse::<GoVersion>().ok())
                && min_vers.as_ref().is_none_or(|m| go > *m)
            {
                let mut name_for = format!("go{}", t.go_line.as_deref().unwrap_or_default());
                // A language version is not a toolchain: go 1.22 means go1.22.0 (go.dev/issue/62278).
                if language_only(&go) {
                    name_for.push_str(".0");
                }
                t.reason = format!(
                    "{name} requires go {}, newer than {}",
                    go,
                    display_min(&min_name, local)
                );
                selected = name_for;
            }
        } else {
            t.reason = format!(
                "{name} says toolchain default: always {}",
                display_min(&min_name, local)
            );
        }
    }

    if selected == "local" || Some(&selected) == local_name.as_ref() {
        t.selected = Selected::Local;
        t.provider = Provider::Local;
        return t;
    }
    t.selected = Selected::from_name(&selected);
    t.provider = if let Some(exe) = find_on_path(ctx, &selected) {
        Provider::Path(exe)
    } else if let Some((mc, dir)) = module_cache(ctx, user_env)
        .map(|mc| {
            let version = format!("v0.0.1-{selected}.{}-{}", target.0, target.1);
            let dir = mc.join(format!("golang.org/toolchain@{version}"));
            (mc, dir)
        })
        .filter(|(_, d)| d.join("bin/go").is_file())
    {
        t.sumdb_cached = Some(sumdb_cached(ctx, user_env, goroot_env, &mc, &dir));
        Provider::ModuleCache(dir)
    } else if mode == "path" {
        Provider::Unavailable
    } else {
        Provider::Download
    };
    t
}

fn display_min(min_name: &str, local: Option<&GoVersion>) -> String {
    if min_name == "local" {
        local.map_or_else(
            || "the bundled toolchain".into(),
            |v| format!("the bundled {v}"),
        )
    } else {
        min_name.to_string()
    }
}

/// A language version such as `1.24` that, since Go 1.21, names no toolchain: the release is
/// `1.24.0` (go.dev/issue/62278), and `go1.24` as a toolchain is invalid.
pub fn language_only(v: &GoVersion) -> bool {
    v.is_language() && v.language().is_some_and(|l| l >= (1, 21))
}

/// `gover.FromToolchain`: `go1.23.4`, `go1.23.4-custom`, `gccgo-go1.20.3` → their version.
pub fn version_of_toolchain(name: &str) -> Option<GoVersion> {
    let at = if name.starts_with("go1") {
        2
    } else {
        name.find("-go1")? + 3
    };
    let v = &name[at..];
    let v = v.split_once('-').map_or(v, |(v, _)| v);
    v.parse().ok()
}

/// The `go.work` (`GOWORK` unset or `auto`: found upward from cwd; `off`: none; else the
/// absolute path it names) or else the `go.mod` upward from cwd, as `modload.FindGoWork` and
/// `FindGoMod` find them; and what is wrong with GOWORK when something is.
fn find_module_file(
    ctx: &Context,
    gowork: Option<&str>,
) -> (Option<PathBuf>, Option<GoworkProblem>) {
    let go_mod = || find_up(ctx.cwd(), "go.mod");
    match gowork {
        Some("off") => (go_mod(), None),
        None | Some("auto") => (find_up(ctx.cwd(), "go.work").or_else(go_mod), None),
        Some(file) if !Path::new(file).is_absolute() => (
            go_mod(),
            Some(GoworkProblem::NotAbsolute {
                value: file.to_string(),
            }),
        ),
        Some(file) if Path::new(file).is_file() => (Some(PathBuf::from(file)), None),
        Some(file) => (
            go_mod(),
            Some(GoworkProblem::Missing {
                path: PathBuf::from(file),
            }),
        ),
    }
}

/// Whether the checksum database's answer for the toolchain module in `dir` is cached under
/// the module cache `mc`, so go verifies it without the network (`GOSUMDB` names the database,
/// `sum.golang.org` by default; `+key` and a URL may follow the name).
fn sumdb_cached(
    ctx: &Context,
    user_env: &EnvFile,
    goroot_env: &EnvFile,
    mc: &Path,
    dir: &Path,
) -> bool {
    let db = lookup(ctx, user_env, goroot_env, "GOSUMDB")
        .map_or_else(|| "sum.golang.org".into(), |(v, _)| v);
    let name = db
        .split_whitespace()
        .next()
        .and_then(|n| n.split('+').next())
        .unwrap_or("sum.golang.org")
        .to_string();
    let Some(module) = dir.file_name() else {
        return false;
    };
    mc.join("cache/download/sumdb")
        .join(name)
        .join("lookup/golang.org")
        .join(module)
        .is_file()
}

/// Whether a `go` line is one `go` accepts (`modfile.GoVersionRE`:
/// `1.N`, `1.N.P`, optionally followed by a prerelease such as `rc1`).
pub fn valid_go_line(v: &str) -> bool {
    fn number(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    }
    let split = v.find(|c: char| c.is_ascii_lowercase()).unwrap_or(v.len());
    let (nums, pre) = v.split_at(split);
    let pre_ok = pre.is_empty() || {
        let digits = pre.trim_start_matches(|c: char| c.is_ascii_lowercase());
        digits.len() < pre.len() && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    let parts: Vec<&str> = nums.split('.').collect();
    pre_ok
        && (parts.len() == 2 || parts.len() == 3)
        && parts[0] != "0"
        && parts.iter().all(|p| number(p))
}

fn find_up(start: &Path, name: &str) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// `gover.GoModLookup`: the first `key value` line (comments stripped), outside blocks.
fn mod_lookup(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.split("//").next().unwrap_or("").trim();
        let rest = line.strip_prefix(key)?;
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        rest.split_whitespace().next().map(str::to_string)
    })
}

/// `exec.LookPath` as go's toolchain switch uses it: since Go 1.19 a match found through a
/// relative PATH entry is refused (`exec.ErrDot`), so only absolute entries count.
fn find_on_path(ctx: &Context, name: &str) -> Option<PathBuf> {
    ctx.path_entries()
        .into_iter()
        .filter(|e| Path::new(e).is_absolute())
        .map(|e| PathBuf::from(e).join(name))
        .find(|p| crate::path::is_executable(p))
}

/// `$GOMODCACHE` (env, then go env file), else `<first GOPATH entry>/pkg/mod`, else `~/go/pkg/mod`.
pub fn module_cache(ctx: &Context, user_env: &EnvFile) -> Option<PathBuf> {
    if let Some(m) = ctx.var("GOMODCACHE") {
        return Some(PathBuf::from(m));
    }
    if let Some(m) = user_env.get("GOMODCACHE") {
        return Some(PathBuf::from(m));
    }
    let gopath = ctx
        .var_str("GOPATH")
        .or_else(|| user_env.get("GOPATH").map(str::to_string));
    match gopath
        .as_deref()
        .and_then(|g| g.split(':').find(|e| !e.is_empty()))
    {
        Some(first) => Some(PathBuf::from(first).join("pkg/mod")),
        None => ctx.in_home("go/pkg/mod"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(dir: &Path, vars: &[(&str, &str)]) -> Context {
        Context::fake(vars, "darwin/arm64", "/", dir)
    }

    fn sel(c: &Context, goroot_env: &str) -> Toolchain {
        let local: GoVersion = "go1.23.2".parse().unwrap();
        select(
            c,
            &EnvFile::default(),
            &EnvFile::parse(goroot_env),
            Some(&local),
            (&Os::Darwin, &Arch::Arm64),
        )
    }

    #[test]
    fn default_is_local_and_go_env_says_auto() {
        let d = tempfile::tempdir().unwrap();
        let t = sel(&ctx(d.path(), &[]), "");
        assert_eq!(
            (t.value.as_str(), t.source, &t.selected),
            ("local", SettingSource::Default, &Selected::Local)
        );
        let t = sel(&ctx(d.path(), &[]), "GOTOOLCHAIN=auto\n");
        assert_eq!(
            (t.value.as_str(), t.source, t.mode),
            ("auto", SettingSource::GorootGoEnv, Mode::Auto)
        );
        assert!(!t.switches());
    }

    #[test]
    fn go_mod_newer_than_bundled_switches_to_dot_zero() {
        let d = tempfile::tempdir().unwrap();
        fs::write(
            d.path().join("go.mod"),
            "module m\n\ngo 1.24 // needs iterators\n",
        )
        .unwrap();
        let sub = d.path().join("pkg/deep");
        fs::create_dir_all(&sub).unwrap();
        let t = sel(
            &ctx(&sub, &[("HOME", "/nonexistent")]),
            "GOTOOLCHAIN=auto\n",
        );
        assert_eq!(t.selected.to_string(), "go1.24.0");
        assert_eq!(t.provider, Provider::Download);
        assert!(t.switches());
        assert!(t.reason.contains("go.mod requires go 1.24"), "{}", t.reason);
    }

    #[test]
    fn toolchain_line_and_module_cache() {
        let d = tempfile::tempdir().unwrap();
        fs::write(
            d.path().join("go.mod"),
            "module m\ngo 1.22.0\ntoolchain go1.24.3\n",
        )
        .unwrap();
        let cache = d.path().join("cache");
        let dir = cache.join("golang.org/toolchain@v0.0.1-go1.24.3.darwin-arm64/bin");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("go"), b"").unwrap();
        let c = ctx(d.path(), &[("GOMODCACHE", cache.to_str().unwrap())]);
        let t = sel(&c, "GOTOOLCHAIN=auto\n");
        assert_eq!(t.selected.to_string(), "go1.24.3");
        assert!(matches!(t.provider, Provider::ModuleCache(_)));
    }

    #[test]
    fn path_mode_cannot_download_and_local_ignores_go_mod() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("go.mod"), "module m\ngo 1.25.1\n").unwrap();
        let t = sel(
            &ctx(
                d.path(),
                &[("GOTOOLCHAIN", "path"), ("HOME", "/nonexistent")],
            ),
            "",
        );
        assert_eq!(
            (t.selected.to_string().as_str(), &t.provider),
            ("go1.25.1", &Provider::Unavailable)
        );
        let t = sel(&ctx(d.path(), &[("GOTOOLCHAIN", "local")]), "");
        assert_eq!(t.selected, Selected::Local);
        let t = sel(
            &ctx(
                d.path(),
                &[("GOTOOLCHAIN", "go1.21.0+auto"), ("HOME", "/nonexistent")],
            ),
            "",
        );
        assert_eq!(t.selected.to_string(), "go1.25.1");
    }

    #[test]
    fn malformed_settings_are_reported() {
        let d = tempfile::tempdir().unwrap();
        assert!(
            sel(&ctx(d.path(), &[("GOTOOLCHAIN", "go1.22+always")]), "")
                .error
                .unwrap()
                .to_string()
                .contains("+auto and +path")
        );
        assert!(
            sel(&ctx(d.path(), &[("GOTOOLCHAIN", "bash")]), "")
                .error
                .is_some()
        );
    }

    #[test]
    fn a_toolchain_found_only_through_a_relative_path_entry_is_not_used() {
        // exec.LookPath refuses matches through relative entries (exec.ErrDot): go downloads.
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("go.mod"), "module m\ngo 1.25.1\n").unwrap();
        let bin = d.path().join("bin");
        fs::create_dir_all(&bin).unwrap();
        let wrapper = bin.join("go1.25.1");
        fs::write(&wrapper, b"#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).unwrap();
        let relative = ctx(d.path(), &[("PATH", "bin"), ("HOME", "/nonexistent")]);
        assert_eq!(
            sel(&relative, "GOTOOLCHAIN=auto\n").provider,
            Provider::Download
        );
        let absolute = ctx(
            d.path(),
            &[("PATH", bin.to_str().unwrap()), ("HOME", "/nonexistent")],
        );
        assert_eq!(
            sel(&absolute, "GOTOOLCHAIN=auto\n").provider,
            Provider::Path(wrapper)
        );
    }

    #[test]
    fn go_lines_as_modfile_accepts_them() {
        for ok in ["1.22", "1.22.0", "1.23.4", "1.21rc1", "1.24.0", "2.0"] {
            assert!(valid_go_line(ok), "{ok}");
        }
        for bad in [
            "1.2x", "1", "1.22.", "01.2", "1.02", "1.2.3.4", "go1.22", "1.22rc", "",
        ] {
            assert!(!valid_go_line(bad), "{bad}");
        }
    }

    #[test]
    fn toolchain_names() {
        assert_eq!(version_of_toolchain("go1.23.4").unwrap().as_str(), "1.23.4");
        assert_eq!(
            version_of_toolchain("gccgo-go1.20.3").unwrap().as_str(),
            "1.20.3"
        );
        assert_eq!(
            version_of_toolchain("go1.21.1-custom").unwrap().as_str(),
            "1.21.1"
        );
        assert!(version_of_toolchain("bash").is_none());
    }
}
