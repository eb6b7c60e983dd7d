//! `gowarden doctor`: one scan of the machine — which `go` runs, why that one, is it healthy,
//! and what else is installed — and the findings that follow. Everything else (the menu-bar
//! app, drift notifications, repairs) is a view of this [`Report`].

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::binary::{self, Format, Quarantine, Signature};
use crate::check::{self, Finding, Severity};
use crate::context::Context;
use crate::goroot::{self, EnvFile, Goroot, GorootSource};
use crate::host::{self, HostFacts, Runs, host_slice, runs_on};
use crate::install::{self, Installation, Source};
use crate::path::{self, Entry};
use crate::platform::{Arch, Os};
use crate::procs::{self, TranslatedProcess};
use crate::shell::{self, Assignment};
use crate::symlink::{self, Hop};
use crate::toolchain::{self, Toolchain};
use crate::version::GoVersion;

/// Version of the JSON document's shape; bumped only for incompatible changes.
pub const SCHEMA: u32 = 1;

/// How to scan.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Judge with the login shell's environment instead of this process's (`--login-shell`;
    /// the app always does, since launchd gives it almost no environment).
    pub login_shell: Option<LoginShell>,
    /// List every translated process, not only those that matter for Go work.
    pub all_processes: bool,
}

/// How to capture the login-shell environment.
#[derive(Debug, Clone)]
pub struct LoginShell {
    /// The program (and arguments) the shell runs to print its environment; it is given the
    /// marker as its last argument (`gowarden __print-env`).
    pub printer: Vec<OsString>,
    /// Deadline for the whole shell.
    pub timeout: Duration,
}

/// What happened when the login shell was asked for its environment.
#[derive(Debug, Clone, Serialize)]
pub struct LoginShellOutcome {
    /// `$SHELL`.
    pub shell: Option<String>,
    /// Its environment was captured and is what the report judged.
    pub ok: bool,
    /// When not: `no-shell`, `unknown-shell`, `spawn`, `timeout` or `exit`.
    pub reason: Option<&'static str>,
    /// When not: what went wrong, in a sentence.
    pub error: Option<String>,
    /// The shell's exit code (rc files may fail after printing the environment).
    pub exit_code: Option<i32>,
    /// How long it took.
    pub elapsed_ms: Option<u64>,
}

/// A `go` found on PATH.
#[derive(Debug, Clone, Serialize)]
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
    /// `macho`, `fat`, `elf`, `script`, `unknown`.
    pub format: Format,
    /// Go version from its build info.
    pub version: Option<GoVersion>,
    /// Target OS of its slices.
    pub os: Option<Os>,
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

/// The doctor's whole answer: the `gowarden doctor --json` contract.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Shape version ([`SCHEMA`]).
    pub schema: u32,
    /// The host judged for, with its translation, Rosetta, developer-tools and Homebrew facts.
    pub host: HostFacts,
    /// Which environment was judged: `process`, or `login-shell` when it was captured.
    pub environment: &'static str,
    /// The login-shell capture, when asked for.
    pub login_shell: Option<LoginShellOutcome>,
    /// Processes running translated (Rosetta, qemu-user) that matter for Go work.
    pub translated_processes: Vec<TranslatedProcess>,
    /// Where GOROOT is set in shell startup files.
    pub goroot_assignments: Vec<Assignment>,
    /// `launchctl getenv` values GUI apps inherit (macOS).
    pub launchctl: Option<shell::Launchctl>,
    /// The `go` that runs when the user types `go`.
    pub active: Option<GoOnPath>,
    /// Every `go` on PATH, in PATH order (the active one first).
    pub go_on_path: Vec<GoOnPath>,
    /// Every PATH entry.
    pub path: Vec<Entry>,
    /// Every Go installation found.
    pub installations: Vec<Installation>,
    /// Toolchain selection for the working directory, for the active `go`.
    pub gotoolchain: Option<Toolchain>,
    /// The user's `go env -w` file.
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub go_env_file: Option<PathBuf>,
    /// What is wrong, errors first.
    pub findings: Vec<Finding>,
    /// `ok`, `warning` or `broken`, from the worst finding.
    pub status: &'static str,
}

impl Report {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Scans the machine described by `ctx`.
pub fn scan(process_ctx: &Context, opts: &Options) -> Report {
    let (login_shell, captured) = match &opts.login_shell {
        None => (None, None),
        Some(ls) => {
            let (outcome, vars) = capture_login_shell(process_ctx, ls);
            (Some(outcome), vars)
        }
    };
    let environment = if captured.is_some() {
        "login-shell"
    } else {
        "process"
    };
    let owned;
    let ctx = match captured {
        Some(vars) => {
            owned = process_ctx.with_vars(vars);
            &owned
        }
        None => process_ctx,
    };
    let mut inspector = binary::Inspector::default();
    let host_facts = host::facts(ctx, &mut inspector);
    // Live processes belong to the machine this runs on; a preview of another host has none.
    let translated_processes = if ctx.host_overridden() {
        Vec::new()
    } else {
        procs::translated(opts.all_processes)
    };
    let goroot_assignments = ctx
        .home()
        .map(|h| {
            shell::find_assignments(
                &shell::startup_files(&h, ctx.var("ZDOTDIR").map(Path::new)),
                "GOROOT",
            )
        })
        .unwrap_or_default();
    let launchctl = if ctx.root_overridden() || ctx.host_overridden() {
        None
    } else {
        shell::launchctl_env()
    };

    let go_env_file = ctx.go_env_file();
    let user_env = go_env_file
        .as_deref()
        .map(EnvFile::read)
        .unwrap_or_default();
    let entries = path::scan(ctx);

    let mut seen_dirs = HashSet::new();
    let go_on_path: Vec<GoOnPath> = entries
        .iter()
        .filter(|e| e.has_go)
        .filter(|e| seen_dirs.insert(path::file_id(&e.dir)))
        .map(|e| go_on_path_entry(ctx, &user_env, e, entries.len(), &mut inspector))
        .collect();

    let mut installations = install::discover(ctx, &user_env, &mut inspector);
    add_path_installations(ctx, &go_on_path, &mut installations, &mut inspector);

    let active = go_on_path.first().cloned();
    let gotoolchain = active
        .as_ref()
        .filter(|a| a.format != Format::Script)
        .map(|a| {
            let goroot_env = a
                .goroot_info
                .as_ref()
                .map(|g| g.go_env.clone())
                .unwrap_or_default();
            let os = a.os.clone().unwrap_or_else(|| ctx.host().os.clone());
            let arch = a
                .archs
                .first()
                .cloned()
                .unwrap_or_else(|| ctx.host().arch.clone());
            toolchain::select(
                ctx,
                &user_env,
                &goroot_env,
                a.version.as_ref(),
                (&os, &arch),
            )
        });

    let mut findings = check::run(&check::Facts {
        ctx,
        user_env: &user_env,
        entries: &entries,
        go_on_path: &go_on_path,
        installations: &installations,
        gotoolchain: gotoolchain.as_ref(),
        host: &host_facts,
        translated_processes: &translated_processes,
        login_shell: login_shell.as_ref(),
        goroot_assignments: &goroot_assignments,
        launchctl: launchctl.as_ref(),
    });
    findings.sort_by_key(|f| f.severity);
    let status = match findings.iter().map(|f| f.severity).min() {
        Some(Severity::Error) => "broken",
        Some(Severity::Warning) => "warning",
        _ => "ok",
    };
    Report {
        schema: SCHEMA,
        host: host_facts,
        environment,
        login_shell,
        translated_processes,
        goroot_assignments,
        launchctl,
        active,
        go_on_path,
        path: entries,
        installations,
        gotoolchain,
        go_env_file,
        findings,
        status,
    }
}

/// Runs the login shell; its outcome for the report, and its environment when it gave one.
fn capture_login_shell(
    ctx: &Context,
    ls: &LoginShell,
) -> (LoginShellOutcome, Option<Vec<(OsString, OsString)>>) {
    match shell::capture(ctx, &ls.printer, ls.timeout) {
        Ok(c) => (
            LoginShellOutcome {
                shell: Some(c.shell.display().to_string()),
                ok: true,
                reason: None,
                error: None,
                exit_code: c.code,
                elapsed_ms: Some(c.elapsed.as_millis() as u64),
            },
            Some(c.vars),
        ),
        Err(e) => (
            LoginShellOutcome {
                shell: ctx.var_str("SHELL"),
                ok: false,
                reason: Some(e.reason()),
                error: Some(e.to_string()),
                exit_code: None,
                elapsed_ms: None,
            },
            None,
        ),
    }
}

/// Marks the installations the `go`s on PATH belong to, adding trees found nowhere else.
/// The tree is the binary's own, even when GOROOT overrides it (that override is judged by
/// the findings, not listed as an install).
fn add_path_installations(
    ctx: &Context,
    go_on_path: &[GoOnPath],
    installations: &mut Vec<Installation>,
    inspector: &mut binary::Inspector,
) {
    let mut root_ids: Vec<_> = installations
        .iter()
        .map(|i| path::file_id(&i.goroot))
        .collect();
    for g in go_on_path {
        let Some(root) = &g.home_goroot else { continue };
        let id = path::file_id(root);
        match root_ids.iter().position(|r| id.is_some() && *r == id) {
            Some(i) => installations[i].on_path = true,
            None => {
                let mut i = install::read(ctx, root, g.source, inspector);
                i.on_path = true;
                installations.push(i);
                root_ids.push(id);
            }
        }
    }
}

fn go_on_path_entry(
    ctx: &Context,
    user_env: &EnvFile,
    entry: &Entry,
    path_len: usize,
    inspector: &mut binary::Inspector,
) -> GoOnPath {
    let invoked = entry.dir.join("go");
    let chain = symlink::resolve(&invoked);
    let inspection = inspector.inspect(&invoked);
    let runs = runs_on(ctx, &inspection);
    let primary = inspection.primary_slice();
    let is_script = inspection.format == Format::Script;
    let derived = if is_script {
        None
    } else {
        goroot::derive(ctx, user_env, &invoked, chain.real.as_deref())
    };
    let goroot_info = derived
        .as_ref()
        .map(|d| Goroot::read(&d.path, primary.map(|s| (&s.os, &s.arch))));
    let home = if is_script {
        None
    } else {
        goroot::from_executable(ctx, &invoked, chain.real.as_deref())
    };
    let source = match &home {
        Some(d) => install::classify(ctx, user_env, &d.path),
        None => shim_source(ctx, &invoked),
    };
    let links = chain.links().count();
    let why = format!(
        "the first `go` in {} (PATH entry {} of {path_len}){}",
        entry.dir.display(),
        entry.index + 1,
        match links {
            0 => String::new(),
            1 => ", a symlink".to_string(),
            n => format!(", through {n} symlinks"),
        }
    );
    GoOnPath {
        path: invoked,
        path_index: entry.index,
        real_path: chain.real.clone(),
        chain: chain.hops,
        format: inspection.format,
        version: inspection.go().map(|g| g.version.clone()),
        os: primary.map(|s| s.os.clone()),
        archs: inspection.slices.iter().map(|s| s.arch.clone()).collect(),
        signature: host_slice(ctx.host(), &inspection).and_then(|s| s.signature),
        quarantine: inspection.quarantine.clone(),
        interpreter: inspection.interpreter.clone(),
        runs,
        goroot: derived.as_ref().map(|d| d.path.clone()),
        goroot_source: derived.map(|d| d.source),
        goroot_info,
        home_goroot: home.map(|h| h.path),
        source,
        why,
        error: inspection.error.as_ref().map(ToString::to_string),
    }
}

/// Version managers' shims are scripts in their own directories.
fn shim_source(ctx: &Context, invoked: &Path) -> Source {
    let under = |rel: &str| ctx.in_home(rel).is_some_and(|d| invoked.starts_with(d));
    if under(".goenv")
        || ctx
            .var("GOENV_ROOT")
            .is_some_and(|r| invoked.starts_with(r))
    {
        Source::Goenv
    } else if under(".asdf")
        || ctx
            .var("ASDF_DATA_DIR")
            .is_some_and(|r| invoked.starts_with(r))
    {
        Source::Asdf
    } else if under(".local/share/mise") {
        Source::Mise
    } else if under(".gvm") {
        Source::Gvm
    } else {
        Source::Unknown
    }
}
