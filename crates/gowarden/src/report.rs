//! The report: the engine's contract with everything that consumes it — `gowarden doctor
//! --json`, the watcher's drift events, repairs, the menu-bar app and its web UI.
//!
//! The scan ([`crate::doctor`]) collects facts into a [`Report`], the checks ([`crate::check`])
//! turn those facts into [`Finding`]s, and rendering ([`crate::render`]) reads the result. Every
//! closed set is an enum spelled kebab-case on the wire; a report written as JSON reads back
//! equal; its JSON Schema is generated from these types (`schema/report.schema.json`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::binary::{Format, Quarantine, Signature};
use crate::goroot::{Goroot, GorootSource};
use crate::host::{HostFacts, Runs};
use crate::install::{InstallRoot, Installation, Source};
use crate::path::Entry;
use crate::platform::{Arch, Os};
use crate::procs::TranslatedProcess;
use crate::shell::{self, Assignment, Launchctl};
use crate::symlink::Hop;
use crate::toolchain::{SettingSource, Toolchain};
use crate::version::GoVersion;

/// Version of the JSON document's shape; bumped only for incompatible changes.
/// 2: typed findings (`id`, `subjects`, `action`), `settings`, `links`, enums for closed sets.
pub const SCHEMA: u32 = 2;

/// The doctor's whole answer: the `gowarden doctor --json` contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Report {
    /// Shape version ([`SCHEMA`]).
    pub schema: u32,
    /// The host judged for, with its translation, Rosetta, developer-tools and Homebrew facts.
    pub host: HostFacts,
    /// Which environment was judged.
    pub environment: Environment,
    /// The login-shell capture, when asked for.
    pub login_shell: Option<LoginShellOutcome>,
    /// Processes running translated (Rosetta, qemu-user) that matter for Go work.
    pub translated_processes: Vec<TranslatedProcess>,
    /// The shell startup files consulted (existing or not: creating one changes the report).
    #[serde(serialize_with = "crate::serde_paths")]
    pub startup_files: Vec<PathBuf>,
    /// Where GOROOT is set in shell startup files.
    pub goroot_assignments: Vec<Assignment>,
    /// `launchctl getenv` values GUI apps inherit (macOS).
    pub launchctl: Option<Launchctl>,
    /// The Go settings judged (GOROOT, GOOS, GOARCH, CGO_ENABLED, GOTOOLCHAIN, ...), each with
    /// where `go` would read it from: the environment, the go env file, or `$GOROOT/go.env`.
    pub settings: BTreeMap<String, Setting>,
    /// The `go` that runs when the user types `go`.
    pub active: Option<GoOnPath>,
    /// The `go` binary the active one hands over to: an `exec` wrapper script's program, or the
    /// install a version manager's shim chooses. GOROOT checks judge this one.
    pub handed_to: Option<GoOnPath>,
    /// Every `go` on PATH, in PATH order (the active one first).
    pub go_on_path: Vec<GoOnPath>,
    /// Every PATH entry.
    pub path: Vec<Entry>,
    /// Every symlink that decides which `go` or GOROOT is used, healthy or broken.
    pub links: Vec<Link>,
    /// Every Go installation found.
    pub installations: Vec<Installation>,
    /// The directories installations were looked for in.
    pub install_roots: Vec<InstallRoot>,
    /// Toolchain selection for the working directory, for the active `go`.
    pub gotoolchain: Option<Toolchain>,
    /// The toolchain that really runs here (`go env GOVERSION` / `GOROOT`), after wrapper
    /// scripts and GOTOOLCHAIN switching.
    pub effective: Option<Effective>,
    /// The user's `go env -w` file.
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub go_env_file: Option<PathBuf>,
    /// The module cache (`GOMODCACHE`), where GOTOOLCHAIN downloads live.
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub module_cache: Option<PathBuf>,
    /// How a watcher (`gowarden watch`, the app) watches this report's inputs; `None` from a
    /// one-off scan.
    #[serde(default)]
    pub watch: Option<WatchHealth>,
    /// What is wrong, errors first.
    pub findings: Vec<Finding>,
    /// From the worst finding.
    pub status: Status,
}

/// How a watcher watches a report's inputs: with the OS's file events where it can, by
/// polling where it cannot.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WatchHealth {
    /// Directories watched with the OS's file events (inotify, FSEvents).
    pub watched: usize,
    /// Directories polled instead, and why.
    pub polled: Vec<PolledDir>,
    /// How often polled directories are looked at, in milliseconds.
    pub poll_interval_ms: u64,
}

/// A directory a watcher polls because the OS would not watch it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PolledDir {
    /// The directory.
    #[serde(serialize_with = "crate::serde_path")]
    pub path: PathBuf,
    /// Why it is polled.
    pub reason: PollReason,
    /// The OS's error, as it said it.
    pub error: String,
}

/// Why a directory is polled instead of watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PollReason {
    /// The OS's limit on watches is reached (Linux `fs.inotify.max_user_watches`).
    WatchLimit,
    /// The OS's file-event service could not be started at all.
    NoEventService,
    /// The OS refused the watch for another reason.
    WatchFailed,
}

/// The report's verdict, from its worst finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// No errors or warnings.
    Ok,
    /// Works, with warnings.
    Warning,
    /// At least one error.
    Broken,
}

impl Status {
    /// The status a set of findings gives.
    pub fn of(findings: &[Finding]) -> Status {
        match findings.iter().map(|f| f.severity).min() {
            Some(Severity::Error) => Status::Broken,
            Some(Severity::Warning) => Status::Warning,
            _ => Status::Ok,
        }
    }
}

/// Which environment a report judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Environment {
    /// This process's own environment.
    Process,
    /// The login shell's, as a new terminal (and the menu-bar app) sees it.
    LoginShell,
}

/// A Go setting as `go` would read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Setting {
    /// Its value (never empty: empty means unset, as for `go`).
    pub value: String,
    /// Where it was read from.
    pub origin: SettingSource,
}

/// Why the login shell's environment could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ShellFailure {
    /// `$SHELL` is not set.
    NoShell,
    /// `$SHELL` is not a shell gowarden can drive.
    UnknownShell,
    /// It could not be started.
    Spawn,
    /// It did not finish in time.
    Timeout,
    /// It exited before printing its environment.
    Exit,
}

impl ShellFailure {
    /// The failure a capture error stands for.
    pub fn of(e: &shell::CaptureError) -> ShellFailure {
        match e {
            shell::CaptureError::NoShell => ShellFailure::NoShell,
            shell::CaptureError::UnknownShell(_) => ShellFailure::UnknownShell,
            shell::CaptureError::Spawn(_) => ShellFailure::Spawn,
            shell::CaptureError::Timeout { .. } => ShellFailure::Timeout,
            shell::CaptureError::NoEnvironment { .. } => ShellFailure::Exit,
        }
    }

    /// The wire word, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ShellFailure::NoShell => "no-shell",
            ShellFailure::UnknownShell => "unknown-shell",
            ShellFailure::Spawn => "spawn",
            ShellFailure::Timeout => "timeout",
            ShellFailure::Exit => "exit",
        }
    }
}

/// What happened when the login shell was asked for its environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LoginShellOutcome {
    /// `$SHELL`.
    pub shell: Option<String>,
    /// Its environment was captured and is what the report judged.
    pub ok: bool,
    /// When not, why.
    pub reason: Option<ShellFailure>,
    /// When not: what went wrong, in a sentence.
    pub error: Option<String>,
    /// The shell's exit code (rc files may fail after printing the environment).
    pub exit_code: Option<i32>,
    /// How long it took.
    pub elapsed_ms: Option<u64>,
}

/// A `go` found on PATH.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GoOnPath {
    /// The path as the shell runs it: PATH entry + `go`.
    #[serde(serialize_with = "crate::serde_path")]
    pub path: PathBuf,
    /// Which PATH entry, from 0.
    pub path_index: usize,
    /// The symlink chain from `path` to the real file, hop by hop.
    pub chain: Vec<Hop>,
    /// The real file.
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub real_path: Option<PathBuf>,
    /// Its container format.
    pub format: Format,
    /// Go version from its build info.
    pub version: Option<GoVersion>,
    /// Target OS of the slice the host runs.
    pub os: Option<Os>,
    /// Architecture of the slice the host runs (of a universal binary, the one it picks).
    pub arch: Option<Arch>,
    /// Architectures it contains.
    pub archs: Vec<Arch>,
    /// Code signature of the slice the host runs (Mach-O).
    pub signature: Option<Signature>,
    /// `com.apple.quarantine`, parsed.
    pub quarantine: Option<Quarantine>,
    /// For scripts (version-manager shims), the interpreter.
    pub interpreter: Option<String>,
    /// Whether and how it runs here.
    pub runs: Runs,
    /// The GOROOT it uses.
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub goroot: Option<PathBuf>,
    /// Which rule gave that GOROOT.
    pub goroot_source: Option<GorootSource>,
    /// What that GOROOT holds.
    pub goroot_info: Option<Goroot>,
    /// The Go tree the binary itself sits in (its GOROOT were nothing overridden).
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub home_goroot: Option<PathBuf>,
    /// Who installed it (by where its GOROOT, or the shim, lives).
    pub source: Source,
    /// Why this `go` is where it is in the lookup, in a sentence.
    pub why: String,
    /// The inspection failed; why.
    pub error: Option<String>,
}

/// What `go` really runs in the working directory: the toolchain that compiles, after an
/// `exec` wrapper script and GOTOOLCHAIN switching (a `go1.X.Y` on PATH, a golang.org/dl
/// wrapper's SDK, the module cache).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Effective {
    /// The `go` binary that does the work (none when it would have to be downloaded).
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub go: Option<PathBuf>,
    /// Its version: what `go env GOVERSION` prints.
    pub version: Option<GoVersion>,
    /// Its GOROOT: what `go env GOROOT` prints.
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub goroot: Option<PathBuf>,
    /// How the `go` on PATH gets to it.
    pub via: Via,
    /// The script or golang.org/dl wrapper in between.
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub wrapper: Option<PathBuf>,
    /// It is on this machine, ready to run (a wrapper's SDK downloaded, a switch target present).
    pub present: bool,
    /// For a version manager's shim: what chose the version (a variable, a file).
    pub decided_by: Option<crate::managers::Decider>,
    /// The manager will try to download what is missing when go runs (mise's auto-install).
    pub installs_on_demand: bool,
    /// Why this toolchain, in a sentence.
    pub why: String,
}

/// How the `go` on PATH gets to the toolchain that runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// It runs its own toolchain.
    Local,
    /// A wrapper script on PATH execs a `go` binary, which runs its own toolchain.
    ExecScript,
    /// A version manager's shim (goenv, asdf, mise) runs the version its settings choose.
    VersionManager,
    /// GOTOOLCHAIN switches to a `go1.X.Y` found on PATH.
    PathToolchain,
    /// GOTOOLCHAIN switches to a golang.org/dl wrapper, which runs `~/sdk/go1.X.Y`.
    GolangDl,
    /// GOTOOLCHAIN switches to a toolchain already in the module cache.
    ModuleCache,
    /// GOTOOLCHAIN switches to a toolchain that is not here: it would be downloaded.
    Download,
}

/// A symlink that decides which `go` or GOROOT is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Link {
    /// The link itself.
    #[serde(serialize_with = "crate::serde_path")]
    pub path: PathBuf,
    /// What it says, verbatim.
    #[serde(serialize_with = "crate::serde_path")]
    pub target: PathBuf,
    /// What it stands for, and so what a repair may point it at.
    pub kind: LinkKind,
    /// Whether it leads anywhere.
    pub state: LinkState,
    /// Where following it ends: the real file, or the path that is missing.
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub points_to: Option<PathBuf>,
    /// Who installed what it points (or pointed) to, by location.
    pub owner: Source,
    /// What the user reaches through it: the PATH entry, the `go`, or the GOROOT.
    #[serde(serialize_with = "crate::serde_path")]
    pub via: PathBuf,
}

/// What a link stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LinkKind {
    /// A `go` binary (`/opt/homebrew/bin/go`): its healthy target is `<goroot>/bin/go`.
    GoBinary,
    /// A Go root directory (`/usr/local/go`): its healthy target is a GOROOT.
    Goroot,
    /// A directory put on PATH (`~/bin/go-current`): its healthy target is `<goroot>/bin`.
    BinDir,
}

/// Whether a link leads anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LinkState {
    /// It resolves.
    Ok,
    /// It points to a path that does not exist.
    Dangling,
    /// It loops.
    Loop,
}

/// How bad a finding is. Ordered worst first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Go is broken or about to be.
    Error,
    /// Works, but not as the user thinks, or fragile.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// The wire spelling: `error`, `warning`, `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $wire:literal,)*) => {
        /// A finding's stable identifier: what the app, notifications and repairs key on.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            schemars::JsonSchema,
        )]
        pub enum Code {
            $($(#[$doc])* #[serde(rename = $wire)] $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The wire spelling, e.g. `goroot-env-mismatch`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $wire,)*
                }
            }
        }
    };
}

codes! {
    /// No `go` on PATH.
    NoGoOnPath => "no-go-on-path",
    /// A symlink on the way to a `go` or GOROOT points nowhere.
    DanglingSymlink => "dangling-symlink",
    /// Symlinks on the way to a `go` or GOROOT loop.
    SymlinkLoop => "symlink-loop",
    /// The active `go` has no GOROOT it can find.
    GorootNotFound => "goroot-not-found",
    /// GOROOT is set to something that is not a Go root.
    GorootEnvInvalid => "goroot-env-invalid",
    /// GOROOT is set to a Go root of another version.
    GorootEnvMismatch => "goroot-env-mismatch",
    /// The active `go` and its own tree disagree on the version.
    VersionMismatch => "version-mismatch",
    /// The GOROOT lacks the tools for the active `go`.
    GorootIncomplete => "goroot-incomplete",
    /// The active `go` cannot run on this host.
    ForeignBinary => "foreign-binary",
    /// The active `go` is an Intel build running under Rosetta.
    RosettaGo => "rosetta-go",
    /// The active `go` runs under an emulator (Linux binfmt_misc).
    EmulatedGo => "emulated-go",
    /// An arm64 `go` without a valid code signature.
    UnsignedArm64 => "unsigned-arm64",
    /// The active `go` carries the quarantine attribute.
    Quarantined => "quarantined",
    /// Several Go installs on PATH.
    ShadowedGo => "shadowed-go",
    /// GOOS/GOARCH set to another platform.
    GoarchEnvForeign => "goarch-env-foreign",
    /// GOTOOLCHAIN makes `go` run another toolchain here.
    GotoolchainSwitch => "gotoolchain-switch",
    /// GOTOOLCHAIN (or a toolchain line) is malformed.
    GotoolchainInvalid => "gotoolchain-invalid",
    /// The toolchain that would run is not here and cannot be fetched: a golang.org/dl SDK
    /// never downloaded, a wrapper script's missing target, a download that is forbidden.
    ToolchainUnavailable => "toolchain-unavailable",
    /// The module's `go` line asks for a newer Go than the one that runs.
    ModuleNeedsNewerGo => "module-needs-newer-go",
    /// The module's `go` line is not a Go version.
    GoLineInvalid => "go-line-invalid",
    /// GOWORK names a file that does not exist.
    GoworkMissing => "gowork-missing",
    /// GOOS/GOARCH name a platform Go does not build for.
    GoosGoarchUnsupported => "goos-goarch-unsupported",
    /// A PATH directory others can write to.
    WritablePathDir => "writable-path-dir",
    /// A relative or empty PATH entry.
    RelativePathEntry => "relative-path-entry",
    /// gowarden itself runs under Rosetta.
    SelfTranslated => "self-translated",
    /// No working Command Line Tools while cgo is on.
    MissingClt => "missing-clt",
    /// Both Homebrew prefixes are installed.
    DualHomebrew => "dual-homebrew",
    /// Processes that matter for Go work run translated.
    TranslatedProcess => "translated-process",
    /// The login shell's environment could not be read.
    LoginShellEnvFailed => "login-shell-env-failed",
    /// launchd's environment for GUI apps disagrees with the shell.
    LaunchctlEnv => "launchctl-env",
    /// A watcher polls some directories because the OS would not watch them.
    WatchDegraded => "watch-degraded",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    /// Stable key: the code plus its primary subject (`dangling-symlink:/opt/homebrew/bin/go`).
    /// The same problem on the next scan has the same id.
    pub id: String,
    /// What kind of problem.
    pub code: Code,
    /// How bad.
    pub severity: Severity,
    /// One sentence naming the paths and versions involved.
    pub message: String,
    /// What breaks for the user.
    pub why: String,
    /// What to do, in words: rendered from `action`.
    pub fix: String,
    /// The paths involved, each with the part it plays.
    pub subjects: Vec<Subject>,
    /// What would fix it, for code (repairs, the app) to act on.
    pub action: Action,
}

/// A path a finding is about, and the part it plays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Subject {
    /// The part it plays.
    pub role: Role,
    /// The path.
    #[serde(serialize_with = "crate::serde_path")]
    pub path: PathBuf,
    /// For files: the 1-based line.
    pub line: Option<usize>,
}

/// The part a path plays in a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A `go` as the shell finds it (PATH entry + `go`).
    Go,
    /// The real `go` binary behind it.
    GoBinary,
    /// A symlink standing for a `go` binary.
    GoLink,
    /// A symlink standing for a Go root.
    GorootLink,
    /// A symlink put on PATH as a directory.
    BinDirLink,
    /// A Go root directory.
    Goroot,
    /// The value of GOROOT where it is set.
    GorootEnv,
    /// A PATH entry.
    PathEntry,
    /// An installation's root.
    Installation,
    /// A shell startup file.
    ShellFile,
    /// A running process's executable.
    Process,
    /// The `go env -w` file.
    GoEnvFile,
    /// A wrapper in front of the toolchain: an `exec` script, a golang.org/dl wrapper, a
    /// version manager's shim.
    Wrapper,
    /// A version manager's version or config file (`.go-version`, `.tool-versions`, `mise.toml`).
    VersionFile,
    /// The `go.mod` or `go.work` consulted.
    ModuleFile,
    /// The selected developer directory (macOS).
    DeveloperDir,
    /// A Homebrew prefix.
    HomebrewPrefix,
    /// A directory a watcher polls instead of watching.
    PolledDir,
}

/// What would fix a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    /// Point a symlink at a healthy target.
    Relink {
        /// The link.
        #[serde(serialize_with = "crate::serde_path")]
        link: PathBuf,
        /// What it stands for.
        link_kind: LinkKind,
        /// What it says today, verbatim.
        #[serde(serialize_with = "crate::serde_path")]
        current_target: PathBuf,
        /// Targets to choose from, best first: same source as the broken target, runs
        /// natively on the host, newest.
        candidates: Vec<Candidate>,
    },
    /// Comment out one line of a shell startup file.
    EditShellFile {
        /// The file.
        #[serde(serialize_with = "crate::serde_path")]
        file: PathBuf,
        /// The 1-based line.
        line: usize,
        /// The line as it reads today (trimmed).
        text: String,
    },
    /// Unset a variable where it is set.
    UnsetEnv {
        /// The variable.
        var: String,
        /// Where it is set.
        origin: EnvOrigin,
    },
    /// Install something that is missing.
    Install {
        /// What.
        what: Installable,
        /// The command that installs it, when there is one.
        argv: Vec<String>,
        /// Where to get it otherwise.
        url: Option<String>,
    },
    /// Run this exact command.
    Command {
        /// The program and its arguments.
        argv: Vec<String>,
    },
    /// Something a person does by hand (in Finder, in a settings pane, in a file).
    Manual {
        /// The steps, in a sentence.
        steps: String,
    },
    /// Nothing needs doing.
    None,
}

/// A healthy target a link could point at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Candidate {
    /// The link text to write (relative when the old one was).
    #[serde(serialize_with = "crate::serde_path")]
    pub target: PathBuf,
    /// The Go root it leads to.
    #[serde(serialize_with = "crate::serde_path")]
    pub goroot: PathBuf,
    /// Its version.
    pub version: Option<GoVersion>,
    /// Its `bin/go`'s architectures.
    pub archs: Vec<Arch>,
    /// Who installed it.
    pub source: Source,
    /// It runs natively on the host.
    pub native: bool,
}

/// Where a variable is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EnvOrigin {
    /// The environment (from a shell startup file gowarden could not pin down).
    Environment,
    /// The `go env -w` file.
    GoEnvFile,
    /// launchd's user environment (`launchctl setenv`).
    Launchctl,
}

/// Something that can be installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Installable {
    /// A Go toolchain for the host.
    Go,
    /// Apple's Command Line Tools.
    CommandLineTools,
    /// Rosetta 2.
    Rosetta,
}

impl Action {
    /// The fix as a person reads it: the command to run, or what to do.
    pub fn sentence(&self) -> String {
        match self {
            Action::Relink {
                link, candidates, ..
            } => match candidates.first() {
                Some(c) => format!("ln -sfn {} {}", quote(&c.target), quote(link)),
                None => format!("rm {}", quote(link)),
            },
            Action::EditShellFile { file, line, text } => format!(
                "comment out line {line} of {} (`{text}`), then open a new shell",
                file.display()
            ),
            Action::UnsetEnv { var, origin } => match origin {
                EnvOrigin::Environment => {
                    format!("unset {var}, and remove it from your shell startup file")
                }
                EnvOrigin::GoEnvFile => format!("go env -u {var}"),
                EnvOrigin::Launchctl => format!("launchctl unsetenv {var}"),
            },
            Action::Install { argv, url, what } => match (argv.is_empty(), url) {
                (false, _) => join_argv(argv),
                (true, Some(u)) => format!("install {} from {u}", what.words()),
                (true, None) => format!("install {}", what.words()),
            },
            Action::Command { argv } => join_argv(argv),
            Action::Manual { steps } => steps.clone(),
            Action::None => "nothing to do".into(),
        }
    }

    /// Whether gowarden can carry it out itself (`gowarden repair`).
    pub fn is_repairable(&self) -> bool {
        match self {
            Action::Relink { candidates, .. } => !candidates.is_empty(),
            Action::EditShellFile { .. } => true,
            _ => false,
        }
    }
}

impl Installable {
    /// In words.
    pub fn words(self) -> &'static str {
        match self {
            Installable::Go => "Go",
            Installable::CommandLineTools => "the Command Line Tools",
            Installable::Rosetta => "Rosetta 2",
        }
    }
}

/// Quotes a path for a POSIX shell command, when it needs it.
pub(crate) fn quote(p: &Path) -> String {
    shell::quote(shell::ShellKind::Posix, &p.display().to_string())
}

fn join_argv(argv: &[String]) -> String {
    argv.iter()
        .map(|a| shell::quote(shell::ShellKind::Posix, a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The JSON Schema of [`Report`] (draft 2020-12), as committed in `schema/report.schema.json`.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Report);
    serde_json::to_value(&schema).unwrap_or_default()
}

impl Report {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// A finding by id.
    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }

    /// One line for a tooltip or a watch header: `go1.23.4 · darwin/arm64 native · 2 warnings`.
    pub fn summary(&self) -> String {
        let go = match &self.active {
            Some(a) => {
                let version = a
                    .version
                    .as_ref()
                    .map_or_else(|| "go (unknown version)".into(), ToString::to_string);
                let arch = a.arch.as_ref().map(ToString::to_string).unwrap_or_default();
                let runs = match &a.runs {
                    Runs::Native => "native".to_string(),
                    Runs::Translated { by } => format!("under {by}"),
                    Runs::No { .. } => "cannot run".to_string(),
                };
                format!("{version} · {arch} {runs}")
            }
            None => "no go on PATH".into(),
        };
        let count = |s| self.findings.iter().filter(|f| f.severity == s).count();
        let (e, w) = (count(Severity::Error), count(Severity::Warning));
        let tail = match (e, w) {
            (0, 0) => "healthy".to_string(),
            (0, w) => format!("{w} warning{}", plural(w)),
            (e, 0) => format!("{e} error{}", plural(e)),
            (e, w) => format!("{e} error{}, {w} warning{}", plural(e), plural(w)),
        };
        format!("{go} · {tail}")
    }

    /// Every path whose change could change this report, each with why: what a watcher
    /// watches. Directories stand for the entries in them; links are watched through their
    /// parent directory, since a dangling link cannot be watched itself.
    pub fn inputs(&self) -> Vec<Input> {
        let mut out: Vec<Input> = Vec::new();
        let mut seen = BTreeSet::new();
        let mut add = |path: &Path, why: InputKind| {
            if seen.insert(path.to_path_buf()) {
                out.push(Input {
                    path: path.to_path_buf(),
                    why,
                });
            }
        };
        for e in &self.path {
            add(&e.dir, InputKind::PathDir);
        }
        let chain_links = self.go_on_path.iter().flat_map(|g| {
            g.chain
                .iter()
                .filter(|h| h.target.is_some())
                .map(|h| &h.path)
        });
        for link in self.links.iter().map(|l| &l.path).chain(chain_links) {
            if let Some(parent) = link.parent() {
                add(parent, InputKind::LinkParent);
            }
        }
        for g in &self.go_on_path {
            if let Some(root) = &g.goroot {
                add(&root.join("VERSION"), InputKind::GorootFile);
                add(&root.join("go.env"), InputKind::GorootFile);
            }
        }
        for r in &self.install_roots {
            add(&r.dir, InputKind::InstallRoot);
        }
        if let Some(f) = &self.go_env_file {
            add(f, InputKind::GoEnvFile);
        }
        for f in &self.startup_files {
            add(f, InputKind::ShellFile);
        }
        if let Some(m) = &self.module_cache {
            add(&m.join("golang.org"), InputKind::ToolchainCache);
        }
        if let Some(f) = self
            .gotoolchain
            .as_ref()
            .and_then(|t| t.module_file.as_ref())
        {
            add(f, InputKind::ModuleFile);
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A path a report depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Input {
    /// The path (a directory or a file).
    #[serde(serialize_with = "crate::serde_path")]
    pub path: PathBuf,
    /// Why it matters.
    pub why: InputKind,
}

/// Why a path is an input of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// A PATH directory: a `go` appearing or vanishing there changes which one runs.
    PathDir,
    /// The directory holding a link that decides a `go` or GOROOT.
    LinkParent,
    /// A GOROOT's `VERSION` or `go.env`.
    GorootFile,
    /// A directory installations live in.
    InstallRoot,
    /// The `go env -w` file.
    GoEnvFile,
    /// A shell startup file (changes the login shell's environment).
    ShellFile,
    /// Where GOTOOLCHAIN downloads land.
    ToolchainCache,
    /// The `go.mod`/`go.work` that decides the toolchain here.
    ModuleFile,
}

/// A difference between two consecutive reports that a user cares about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Change {
    /// What changed.
    pub kind: ChangeKind,
    /// What it changed for: a path, or a finding id.
    pub subject: String,
    /// The old value, when there was one.
    pub before: Option<String>,
    /// The new value, when there is one.
    pub after: Option<String>,
    /// One sentence for a notification.
    pub message: String,
}

/// The kinds of drift.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A different `go` now runs.
    ActiveChanged,
    /// The same `go` is now another version.
    VersionChanged,
    /// The same `go` now runs as another architecture (or translated).
    ArchChanged,
    /// The active `go` now uses another GOROOT.
    GorootChanged,
    /// A link now points elsewhere, and still resolves.
    LinkRetargeted,
    /// A link no longer resolves.
    LinkBroken,
    /// A broken link resolves again.
    LinkRepaired,
    /// A new installation.
    InstallationAdded,
    /// An installation is gone.
    InstallationRemoved,
    /// A new problem.
    FindingOpened,
    /// A problem went away.
    FindingResolved,
    /// gowarden repaired something (`gowarden repair`).
    Repaired,
    /// gowarden undid a repair (`gowarden undo`).
    Undone,
}

/// The changes from `before` to `after`, one per subject: link and active-`go` changes come
/// first, and a finding whose subject they already cover is not announced again.
pub fn diff(before: &Report, after: &Report) -> Vec<Change> {
    let mut out = Vec::new();
    let text = |p: &Path| p.display().to_string();
    let version = |g: &GoOnPath| g.version.as_ref().map(ToString::to_string);
    let arch = |g: &GoOnPath| {
        let a = g.arch.as_ref().map(ToString::to_string).unwrap_or_default();
        match &g.runs {
            Runs::Native => format!("{a} native"),
            Runs::Translated { by } => format!("{a} under {by}"),
            Runs::No { .. } => format!("{a} (cannot run)"),
        }
    };
    // The `go` is the path the shell runs; an upgrade behind the same path is the same `go`.
    match (&before.active, &after.active) {
        (Some(b), Some(a)) if b.path != a.path => {
            out.push(Change {
                kind: ChangeKind::ActiveChanged,
                subject: "go".into(),
                before: Some(text(&b.path)),
                after: Some(text(&a.path)),
                message: format!(
                    "`go` now runs {} ({}) instead of {} ({})",
                    a.path.display(),
                    version(a).unwrap_or_else(|| "unknown version".into()),
                    b.path.display(),
                    version(b).unwrap_or_else(|| "unknown version".into()),
                ),
            });
        }
        (Some(b), Some(a)) => {
            if version(b) != version(a) {
                out.push(Change {
                    kind: ChangeKind::VersionChanged,
                    subject: text(&a.path),
                    before: version(b),
                    after: version(a),
                    message: format!(
                        "{} is now {} (was {})",
                        a.path.display(),
                        version(a).unwrap_or_else(|| "an unknown version".into()),
                        version(b).unwrap_or_else(|| "an unknown version".into()),
                    ),
                });
            }
            if arch(b) != arch(a) {
                out.push(Change {
                    kind: ChangeKind::ArchChanged,
                    subject: text(&a.path),
                    before: Some(arch(b)),
                    after: Some(arch(a)),
                    message: format!(
                        "{} now runs as {} (was {})",
                        a.path.display(),
                        arch(a),
                        arch(b)
                    ),
                });
            }
            // A new version brings its own GOROOT: one event for the subject, not two.
            if b.goroot != a.goroot && version(b) == version(a) {
                let show = |g: &Option<PathBuf>| g.as_deref().map(text);
                out.push(Change {
                    kind: ChangeKind::GorootChanged,
                    subject: text(&a.path),
                    before: show(&b.goroot),
                    after: show(&a.goroot),
                    message: format!(
                        "{} now uses GOROOT {} (was {})",
                        a.path.display(),
                        show(&a.goroot).unwrap_or_else(|| "none".into()),
                        show(&b.goroot).unwrap_or_else(|| "none".into())
                    ),
                });
            }
        }
        (None, None) => {}
        (b, a) => out.push(Change {
            kind: ChangeKind::ActiveChanged,
            subject: "go".into(),
            before: b.as_ref().map(|g| text(&g.path)),
            after: a.as_ref().map(|g| text(&g.path)),
            message: match a {
                Some(a) => format!(
                    "`go` is back: {} ({})",
                    a.path.display(),
                    version(a).unwrap_or_else(|| "unknown version".into())
                ),
                None => "`go` is gone from PATH: typing `go` now fails".into(),
            },
        }),
    }

    let links = |r: &Report| -> HashMap<PathBuf, Link> {
        r.links
            .iter()
            .map(|l| (l.path.clone(), l.clone()))
            .collect()
    };
    let lb = links(before);
    // Paths an event already speaks for: a finding about them is not announced again.
    let mut covered: BTreeSet<PathBuf> = BTreeSet::new();
    // So far `out` holds only the active go's events.
    if !out.is_empty() {
        for g in [&before.active, &after.active].into_iter().flatten() {
            covered.insert(g.path.clone());
        }
    }
    // The active go's own link moving along with it is told by the version event.
    let active_paths = covered.clone();
    for l in &after.links {
        let old = lb.get(&l.path);
        let was_ok = old.map(|o| o.state == LinkState::Ok);
        let change = match (was_ok, l.state == LinkState::Ok) {
            (Some(true), true)
                if old.is_some_and(|o| o.target != l.target) && !active_paths.contains(&l.path) =>
            {
                Some((
                    ChangeKind::LinkRetargeted,
                    format!(
                        "{} now points to {} (was {})",
                        l.path.display(),
                        l.target.display(),
                        old.map(|o| o.target.display().to_string())
                            .unwrap_or_default()
                    ),
                ))
            }
            (Some(true) | None, false) => Some((
                ChangeKind::LinkBroken,
                format!(
                    "{} broke: it points to {}, which {}",
                    l.path.display(),
                    l.target.display(),
                    if l.state == LinkState::Loop {
                        "loops"
                    } else {
                        "no longer exists"
                    }
                ),
            )),
            (Some(false), true) => Some((
                ChangeKind::LinkRepaired,
                format!(
                    "{} works again: it points to {}",
                    l.path.display(),
                    l.target.display()
                ),
            )),
            _ => None,
        };
        if let Some((kind, message)) = change {
            covered.insert(l.path.clone());
            out.push(Change {
                kind,
                subject: text(&l.path),
                before: old.map(|o| text(&o.target)),
                after: Some(text(&l.target)),
                message,
            });
        }
    }

    let installs = |r: &Report| -> BTreeMap<PathBuf, Installation> {
        r.installations
            .iter()
            .map(|i| (i.goroot.clone(), i.clone()))
            .collect()
    };
    let (ib, ia) = (installs(before), installs(after));
    let describe = |i: &Installation| {
        format!(
            "{} ({}, {})",
            i.version
                .as_ref()
                .map_or_else(|| "Go".into(), ToString::to_string),
            i.goroot.display(),
            i.source.words()
        )
    };
    for (root, i) in &ia {
        if !ib.contains_key(root) {
            covered.insert(root.clone());
            out.push(Change {
                kind: ChangeKind::InstallationAdded,
                subject: text(root),
                before: None,
                after: i.version.as_ref().map(ToString::to_string),
                message: format!("new Go installation: {}", describe(i)),
            });
        }
    }
    for (root, i) in &ib {
        if !ia.contains_key(root) {
            covered.insert(root.clone());
            out.push(Change {
                kind: ChangeKind::InstallationRemoved,
                subject: text(root),
                before: i.version.as_ref().map(ToString::to_string),
                after: None,
                message: format!("Go installation removed: {}", describe(i)),
            });
        }
    }
    let primary = |f: &Finding| f.subjects.first().map(|s| s.path.clone());
    let is_covered = |f: &Finding| primary(f).is_some_and(|p| covered.contains(&p));
    let fb: BTreeMap<&str, &Finding> = before.findings.iter().map(|f| (f.id.as_str(), f)).collect();
    let fa: BTreeMap<&str, &Finding> = after.findings.iter().map(|f| (f.id.as_str(), f)).collect();
    for (id, f) in &fa {
        if !fb.contains_key(id) && !is_covered(f) {
            out.push(Change {
                kind: ChangeKind::FindingOpened,
                subject: id.to_string(),
                before: None,
                after: Some(f.severity.as_str().into()),
                message: f.message.clone(),
            });
        }
    }
    for (id, f) in &fb {
        if !fa.contains_key(id) && !is_covered(f) {
            out.push(Change {
                kind: ChangeKind::FindingResolved,
                subject: id.to_string(),
                before: Some(f.severity.as_str().into()),
                after: None,
                message: format!("resolved: {}", f.message),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture;
    use crate::host::Runs;

    fn link(path: &str, target: &str, state: LinkState) -> Link {
        Link {
            path: path.into(),
            target: target.into(),
            kind: LinkKind::GoBinary,
            state,
            points_to: None,
            owner: Source::Homebrew,
            via: path.into(),
        }
    }

    /// A healthy Homebrew go at `version`, with its link, finding-free.
    fn homebrew(version: &str) -> Report {
        let mut r = fixture::report("darwin/arm64");
        let root = format!("/opt/homebrew/Cellar/go/{version}/libexec");
        fixture::activate(
            &mut r,
            fixture::go("/opt/homebrew/bin", &root, &format!("go{version}"), "arm64"),
        );
        r.links = vec![link(
            "/opt/homebrew/bin/go",
            &format!("../Cellar/go/{version}/bin/go"),
            LinkState::Ok,
        )];
        r.installations = vec![fixture::install(
            &root,
            &format!("go{version}"),
            Source::Homebrew,
            Runs::Native,
        )];
        r
    }

    fn kinds(changes: &[Change]) -> Vec<ChangeKind> {
        changes.iter().map(|c| c.kind).collect()
    }

    #[test]
    fn nothing_changed_is_no_event() {
        assert!(diff(&homebrew("1.23.3"), &homebrew("1.23.3")).is_empty());
    }

    #[test]
    fn brew_upgrade_is_one_event_per_subject() {
        let changes = diff(&homebrew("1.23.3"), &homebrew("1.23.4"));
        assert_eq!(
            kinds(&changes),
            [
                ChangeKind::VersionChanged,
                ChangeKind::InstallationAdded,
                ChangeKind::InstallationRemoved,
            ]
        );
        let v = &changes[0];
        assert_eq!(
            (v.before.as_deref(), v.after.as_deref()),
            (Some("go1.23.3"), Some("go1.23.4"))
        );
        assert_eq!(v.subject, "/opt/homebrew/bin/go");
    }

    #[test]
    fn broken_and_repaired_links_and_their_findings() {
        let ok = homebrew("1.23.3");
        let mut broken = fixture::report("darwin/arm64");
        broken.links = vec![link(
            "/opt/homebrew/bin/go",
            "../Cellar/go/1.23.3/bin/go",
            LinkState::Dangling,
        )];
        broken.findings = crate::check::run(&broken);
        let changes = diff(&ok, &broken);
        assert!(
            kinds(&changes).contains(&ChangeKind::LinkBroken),
            "{changes:#?}"
        );
        assert!(kinds(&changes).contains(&ChangeKind::ActiveChanged));
        // The dangling-symlink finding is about the same link: not announced twice.
        assert!(
            !changes.iter().any(|c| c.kind == ChangeKind::FindingOpened
                && c.subject.starts_with("dangling-symlink")),
            "{changes:#?}"
        );
        // no-go-on-path is a different subject: announced.
        assert!(
            changes
                .iter()
                .any(|c| c.kind == ChangeKind::FindingOpened && c.subject == "no-go-on-path")
        );
        let back = diff(&broken, &ok);
        assert!(
            kinds(&back).contains(&ChangeKind::LinkRepaired),
            "{back:#?}"
        );
        assert!(
            back.iter()
                .any(|c| c.kind == ChangeKind::FindingResolved && c.subject == "no-go-on-path")
        );
    }

    #[test]
    fn another_go_first_on_path_and_arch_changes() {
        let before = homebrew("1.23.3");
        let mut after = before.clone();
        let mut other = fixture::go("/usr/local/go/bin", "/usr/local/go", "go1.22.10", "amd64");
        other.runs = Runs::Translated {
            by: "Rosetta 2".into(),
        };
        after.active = Some(other.clone());
        let c = diff(&before, &after);
        assert_eq!(kinds(&c), [ChangeKind::ActiveChanged]);
        assert_eq!(c[0].after.as_deref(), Some("/usr/local/go/bin/go"));
        // Same go, now translated: arch-changed.
        let mut translated = before.clone();
        let a = translated.active.as_mut().unwrap();
        a.arch = Some(crate::platform::Arch::Amd64);
        a.runs = Runs::Translated {
            by: "Rosetta 2".into(),
        };
        let c = diff(&before, &translated);
        assert_eq!(kinds(&c), [ChangeKind::ArchChanged]);
        assert_eq!(c[0].after.as_deref(), Some("amd64 under Rosetta 2"));
    }

    #[test]
    fn findings_open_and_resolve_by_id() {
        let before = homebrew("1.23.3");
        let mut after = before.clone();
        after.findings = vec![
            crate::check::run(&{
                let mut r = before.clone();
                r.host.translated = Some(true);
                r
            })
            .remove(0),
        ];
        let c = diff(&before, &after);
        assert_eq!(kinds(&c), [ChangeKind::FindingOpened]);
        assert_eq!(c[0].subject, "self-translated");
        assert_eq!(kinds(&diff(&after, &before)), [ChangeKind::FindingResolved]);
    }

    #[test]
    fn inputs_cover_what_can_change_the_report() {
        let mut r = homebrew("1.23.3");
        r.path = Vec::new();
        r.install_roots = vec![InstallRoot {
            source: Source::Homebrew,
            dir: "/opt/homebrew/Cellar/go".into(),
        }];
        r.go_env_file = Some("/home/me/.config/go/env".into());
        r.startup_files = vec!["/home/me/.zshrc".into()];
        r.module_cache = Some("/home/me/go/pkg/mod".into());
        let inputs = r.inputs();
        let has = |p: &str, why: InputKind| {
            inputs
                .iter()
                .any(|i| i.path == Path::new(p) && i.why == why)
        };
        assert!(
            has("/opt/homebrew/bin", InputKind::LinkParent),
            "{inputs:#?}"
        );
        assert!(has(
            "/opt/homebrew/Cellar/go/1.23.3/libexec/VERSION",
            InputKind::GorootFile
        ));
        assert!(has("/opt/homebrew/Cellar/go", InputKind::InstallRoot));
        assert!(has("/home/me/.config/go/env", InputKind::GoEnvFile));
        assert!(has("/home/me/.zshrc", InputKind::ShellFile));
        assert!(has(
            "/home/me/go/pkg/mod/golang.org",
            InputKind::ToolchainCache
        ));
        let mut paths: Vec<_> = inputs.iter().map(|i| &i.path).collect();
        paths.dedup();
        assert_eq!(paths.len(), inputs.len(), "no duplicates");
    }

    #[test]
    fn summary_line() {
        let mut r = homebrew("1.23.4");
        assert_eq!(r.summary(), "go1.23.4 · arm64 native · healthy");
        r.host.translated = Some(true);
        r.findings = crate::check::run(&r);
        assert_eq!(r.summary(), "go1.23.4 · arm64 native · 1 warning");
    }
}
