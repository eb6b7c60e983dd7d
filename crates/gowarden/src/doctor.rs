//! `gowarden doctor`: one scan of the machine — which `go` runs, why that one, is it healthy,
//! and what else is installed. The scan collects facts into a [`Report`]; the checks
//! ([`crate::check`]) then judge those facts without touching the disk again.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::binary::{self, Format};
use crate::check;
use crate::context::Context;
use crate::effective::HandOff;
use crate::goroot::{self, EnvFile, Goroot};
use crate::host::{self, host_slice, runs_on};
use crate::install::{self, Installation, Layouts, Source};
use crate::managers;
use crate::path::{self, Entry, EntryKind};
use crate::procs;
use crate::report::{
    Effective, Environment, GoOnPath, Link, LinkKind, LinkState, LoginShellOutcome, Report, SCHEMA,
    Setting, ShellFailure, Status,
};
use crate::shell;
use crate::symlink::{self, Chain, End};
use crate::toolchain;

/// The Go settings a report records, with where `go` reads each from.
pub const SETTINGS: &[&str] = &[
    "GOROOT",
    "GOPATH",
    "GOMODCACHE",
    "GOOS",
    "GOARCH",
    "CGO_ENABLED",
    "GOTOOLCHAIN",
    "GOFLAGS",
    "GOPROXY",
    "GOSUMDB",
    "GONOSUMDB",
    "GOPRIVATE",
    "GOWORK",
    "GOENV",
];

/// How to scan.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Which environment to judge: this process's (default), a login shell's captured now,
    /// or one captured earlier (the app captures once, then rescans many times).
    pub environment: EnvChoice,
    /// List every translated process, not only those that matter for Go work.
    pub all_processes: bool,
}

/// Which environment a scan judges.
#[derive(Debug, Clone, Default)]
pub enum EnvChoice {
    /// This process's.
    #[default]
    Process,
    /// Run the login shell now and judge its environment (`--login-shell`).
    LoginShell(LoginShell),
    /// A login-shell environment captured earlier with [`capture_login_shell`].
    Captured(CapturedEnv),
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

/// A login-shell capture, kept for later scans.
#[derive(Debug, Clone)]
pub struct CapturedEnv {
    /// What happened.
    pub outcome: LoginShellOutcome,
    /// The environment, when it was captured.
    pub vars: Option<Vec<(OsString, OsString)>>,
}

/// Scans the machine described by `ctx`.
pub fn scan(process_ctx: &Context, opts: &Options) -> Report {
    let captured = match &opts.environment {
        EnvChoice::Process => None,
        EnvChoice::LoginShell(ls) => Some(capture_login_shell(process_ctx, ls)),
        EnvChoice::Captured(c) => Some(c.clone()),
    };
    let (login_shell, vars) = match captured {
        Some(c) => (Some(c.outcome), c.vars),
        None => (None, None),
    };
    let environment = if vars.is_some() {
        Environment::LoginShell
    } else {
        Environment::Process
    };
    let owned;
    let ctx = match vars {
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
    let startup_files = ctx
        .home()
        .map(|h| shell::startup_files(&h, ctx.var("ZDOTDIR").map(Path::new)))
        .unwrap_or_default();
    let goroot_assignments = shell::find_assignments(&startup_files, "GOROOT");
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
    let layouts = Layouts::new(ctx, &user_env);
    let entries = path::scan(ctx);

    let mut seen_dirs = HashSet::new();
    let go_on_path: Vec<GoOnPath> = entries
        .iter()
        .filter(|e| e.has_go)
        .filter(|e| seen_dirs.insert(path::file_id(&e.dir)))
        .map(|e| go_on_path_entry(ctx, &user_env, &layouts, e, entries.len(), &mut inspector))
        .collect();
    let active = go_on_path.first().cloned();

    let links = collect_links(ctx, &layouts, &entries, &go_on_path);
    let vanished: Vec<PathBuf> = links
        .iter()
        .filter(|l| l.state != LinkState::Ok)
        .filter_map(|l| l.points_to.clone())
        .collect();
    let mut installations = install::discover(ctx, &layouts, &vanished, &mut inspector);
    add_path_installations(ctx, &go_on_path, &mut installations, &mut inspector);

    // The `go` binary the shell ends up running: the active one, the one its `exec` wrapper
    // script names, or the one a version manager's shim chooses.
    let (hand_off, script_target, unresolved) = hand_off(
        ctx,
        &user_env,
        &layouts,
        active.as_ref(),
        &go_on_path,
        &mut inspector,
    );
    let runner = script_target.as_ref().or(active.as_ref());
    let goroot_env = runner
        .and_then(|a| a.goroot_info.as_ref())
        .map(|g| g.go_env.clone())
        .unwrap_or_default();
    let gotoolchain = runner.filter(|a| a.format != Format::Script).map(|a| {
        let os = a.os.clone().unwrap_or_else(|| ctx.host().os.clone());
        let arch = a.arch.clone().unwrap_or_else(|| ctx.host().arch.clone());
        toolchain::select(
            ctx,
            &user_env,
            &goroot_env,
            a.version.as_ref(),
            (&os, &arch),
        )
    });

    let effective = match (runner.filter(|a| a.format != Format::Script), unresolved) {
        (_, Some(e)) => Some(e),
        (Some(r), None) => Some(crate::effective::decide(
            ctx,
            &user_env,
            r,
            hand_off.as_ref(),
            gotoolchain.as_ref(),
            &mut inspector,
        )),
        (None, None) => None,
    };

    let mut report = Report {
        schema: SCHEMA,
        host: host_facts,
        environment,
        login_shell,
        translated_processes,
        startup_files,
        goroot_assignments,
        launchctl,
        settings: settings(ctx, &user_env, &goroot_env),
        active,
        handed_to: script_target,
        go_on_path,
        path: entries,
        links,
        installations,
        install_roots: layouts.roots(),
        gotoolchain,
        effective,
        module_cache: toolchain::module_cache(ctx, &user_env),
        go_env_file,
        watch: None,
        findings: Vec::new(),
        status: Status::Ok,
    };
    report.findings = check::run(&report);
    report.status = Status::of(&report.findings);
    report
}

/// Each Go setting as `go` reads it: the environment, then the go env file, then
/// `$GOROOT/go.env` (FACTS.md §2.1). Empty values are unset, as for `go`.
fn settings(ctx: &Context, user_env: &EnvFile, goroot_env: &EnvFile) -> BTreeMap<String, Setting> {
    SETTINGS
        .iter()
        .filter_map(|&name| {
            let (value, origin) = toolchain::lookup(ctx, user_env, goroot_env, name)?;
            Some((name.to_string(), Setting { value, origin }))
        })
        .collect()
}

/// Runs the login shell once: its outcome for the report, and its environment when it gave one.
pub fn capture_login_shell(ctx: &Context, ls: &LoginShell) -> CapturedEnv {
    match shell::capture(ctx, &ls.printer, ls.timeout) {
        Ok(c) => CapturedEnv {
            outcome: LoginShellOutcome {
                shell: Some(c.shell.display().to_string()),
                ok: true,
                reason: None,
                error: None,
                exit_code: c.code,
                elapsed_ms: Some(c.elapsed.as_millis() as u64),
            },
            vars: Some(c.vars),
        },
        Err(e) => CapturedEnv {
            outcome: LoginShellOutcome {
                // The shell that was tried: $SHELL, or the account's when SHELL is unset.
                shell: shell::login_shell(ctx.var("SHELL"), shell::account(ctx.user().0).as_ref())
                    .filter(|_| !ctx.root_overridden() || ctx.var("SHELL").is_some())
                    .map(|p| p.display().to_string()),
                ok: false,
                reason: Some(ShellFailure::of(&e)),
                error: Some(e.to_string()),
                exit_code: None,
                elapsed_ms: None,
            },
            vars: None,
        },
    }
}

/// How the active `go` hands over to the `go` that does the work: through an `exec` wrapper
/// script or a version manager's shim. Returns the hand-off, the `go` it reaches (when it
/// reaches one), or what runs instead when it reaches none.
fn hand_off(
    ctx: &Context,
    user_env: &EnvFile,
    layouts: &Layouts,
    active: Option<&GoOnPath>,
    go_on_path: &[GoOnPath],
    inspector: &mut binary::Inspector,
) -> (Option<HandOff>, Option<GoOnPath>, Option<Effective>) {
    let Some(a) = active.filter(|a| a.home_goroot.is_none()) else {
        return (None, None, None);
    };
    let manager = layouts.shim_source(&a.path);
    if let Some(root) = layouts.manager_root(manager)
        && let Some(resolved) = managers::resolve(ctx, manager, root)
    {
        let choice = match resolved {
            Ok(c) => c,
            Err(u) => {
                let e = crate::effective::unresolved_manager(ctx, &a.path, manager, &u);
                return (None, None, Some(e));
            }
        };
        let target = match &choice.root {
            // `system`: the next go on PATH that is not one of the manager's shims.
            None => go_on_path
                .iter()
                .skip(1)
                .find(|g| layouts.shim_source(&g.path) != manager)
                .cloned(),
            Some(dir) => {
                let why = format!(
                    "chosen by {} through {}",
                    manager.words(),
                    choice.decided_by
                );
                // The manager exports GOROOT as the install it runs.
                let run_ctx = choice.sets_goroot.then(|| with_goroot(ctx, dir));
                let g = go_at(
                    run_ctx.as_ref().unwrap_or(ctx),
                    user_env,
                    layouts,
                    dir.join("bin/go"),
                    a.path_index,
                    |_: &Chain| why,
                    inspector,
                );
                (g.error.is_none() && g.format != Format::Script).then_some(g)
            }
        };
        let hand_off = HandOff::Manager {
            shim: a.path.clone(),
            manager,
            choice,
        };
        return match target {
            Some(t) => (Some(hand_off), Some(t), None),
            None => {
                let HandOff::Manager { choice, .. } = &hand_off else {
                    unreachable!("built above as a manager hand-off")
                };
                let u = managers::Unresolved {
                    requested: Some(choice.requested.clone()),
                    message: match &choice.root {
                        None => format!(
                            "{}: version 'system' (set by {}) runs the next go on PATH after the shims, and there is none",
                            manager.words(),
                            choice.decided_by
                        ),
                        Some(dir) => format!(
                            "{}: {} (set by {}) holds no working bin/go",
                            manager.words(),
                            dir.display(),
                            choice.decided_by
                        ),
                    },
                    decided_by: choice.decided_by.clone(),
                    not_installed: false,
                };
                let e = crate::effective::unresolved_manager(ctx, &a.path, manager, &u);
                (None, None, Some(e))
            }
        };
    }
    if a.format != Format::Script {
        return (None, None, None);
    }
    let Some(target) = std::fs::read(&a.path)
        .ok()
        .and_then(|b| crate::effective::exec_target(&b))
    else {
        return (None, None, None);
    };
    let why = format!("execed by the wrapper script {}", a.path.display());
    // A script that exports GOROOT (as golang.org/dl wrappers do) runs its go with it.
    let run_ctx = target.goroot.as_ref().map(|root| with_goroot(ctx, root));
    let target = target.program;
    let g = go_at(
        run_ctx.as_ref().unwrap_or(ctx),
        user_env,
        layouts,
        target.clone(),
        a.path_index,
        |_: &Chain| why,
        inspector,
    );
    if g.format == Format::Script {
        // Another script (a manager's own launcher): not followed further.
        return (None, None, None);
    }
    if g.error.is_some() {
        return (
            None,
            None,
            Some(crate::effective::missing_exec_target(&a.path, &target)),
        );
    }
    let hand_off = HandOff::Exec {
        script: a.path.clone(),
    };
    (Some(hand_off), Some(g), None)
}

/// The machine as a program that a shim or wrapper runs with `GOROOT=dir` sees it.
fn with_goroot(ctx: &Context, dir: &Path) -> Context {
    let mut vars: Vec<(OsString, OsString)> = ctx
        .vars()
        .filter(|(k, _)| *k != "GOROOT")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    vars.push(("GOROOT".into(), dir.as_os_str().to_owned()));
    ctx.with_vars(vars)
}

/// Every symlink that decides a `go` or GOROOT: the links in each `go`'s chain, PATH entries
/// that are links (or sit under a broken one), and a GOROOT that is a link. Deduplicated by
/// path, the first role seen winning.
fn collect_links(
    ctx: &Context,
    layouts: &Layouts,
    entries: &[Entry],
    go_on_path: &[GoOnPath],
) -> Vec<Link> {
    let mut out: Vec<Link> = Vec::new();
    let mut add_chain = |chain: &Chain, kind_of_last: LinkKind, via: &Path| {
        let links: Vec<_> = chain.links().collect();
        let end = chain.hops.last().map(|h| h.path.clone());
        for (i, hop) in links.iter().enumerate() {
            let last = i + 1 == links.len();
            let Some(target) = &hop.target else { continue };
            if out.iter().any(|l| l.path == hop.path) {
                continue;
            }
            let state = match (&chain.end, last) {
                (End::Dangling, true) => LinkState::Dangling,
                (End::Loop, true) => LinkState::Loop,
                _ => LinkState::Ok,
            };
            let points_to = match state {
                LinkState::Ok => chain.real.clone().or_else(|| end.clone()),
                _ => end.clone(),
            };
            let owner = points_to
                .as_deref()
                .map_or(Source::Unknown, |p| layouts.owner(p));
            out.push(Link {
                path: hop.path.clone(),
                target: target.clone(),
                kind: kind_of_last,
                state,
                points_to,
                owner,
                via: via.to_path_buf(),
            });
        }
    };
    for g in go_on_path {
        let chain = Chain {
            hops: g.chain.clone(),
            end: End::Found,
            real: g.real_path.clone(),
        };
        add_chain(&chain, LinkKind::GoBinary, &g.path);
    }
    for e in entries {
        if let Some(chain) = &e.broken_go {
            add_chain(chain, LinkKind::GoBinary, &e.dir.join("go"));
        }
        if matches!(e.kind, EntryKind::Dangling | EntryKind::Loop) || e.symlink.is_some() {
            add_chain(&symlink::resolve(&e.dir), LinkKind::BinDir, &e.dir);
        }
        if let Some(chain) = &e.broken_ancestor {
            // `/usr/local/go/bin` under a dangling `/usr/local/go`: the link stands for a Go
            // root when what is below it is `bin`, else for the directory itself.
            let link = chain.hops.first().map(|h| h.path.as_path());
            let below = link.and_then(|l| e.dir.strip_prefix(l).ok());
            let kind = if below == Some(Path::new("bin")) {
                LinkKind::Goroot
            } else {
                LinkKind::BinDir
            };
            add_chain(chain, kind, &e.dir);
        }
    }
    // A GOROOT that is (or runs through) a link, as set or derived.
    let mut roots: Vec<(PathBuf, bool)> = go_on_path
        .iter()
        .filter_map(|g| g.goroot.clone().map(|r| (r, true)))
        .collect();
    // The official place is often a link itself (`/usr/local/go -> go1.23.4`).
    roots.push((ctx.system("/usr/local/go"), false));
    for (root, in_use) in roots {
        let is_link = std::fs::symlink_metadata(&root).is_ok_and(|m| m.file_type().is_symlink());
        if !is_link {
            continue;
        }
        let chain = symlink::resolve(&root);
        if in_use || chain.end != End::Missing {
            add_chain(&chain, LinkKind::Goroot, &root);
        }
    }
    out
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
    layouts: &Layouts,
    entry: &Entry,
    path_len: usize,
    inspector: &mut binary::Inspector,
) -> GoOnPath {
    let why = |chain: &Chain| {
        format!(
            "the first `go` in {} (PATH entry {} of {path_len}){}",
            entry.dir.display(),
            entry.index + 1,
            match chain.links().count() {
                0 => String::new(),
                1 => ", a symlink".to_string(),
                n => format!(", through {n} symlinks"),
            }
        )
    };
    let invoked = entry.dir.join("go");
    go_at(ctx, user_env, layouts, invoked, entry.index, why, inspector)
}

/// The `go` at `invoked` as the shell runs it: what it is, the GOROOT it uses, who put it there;
/// `why` words how it was reached, from its symlink chain (resolved once, here).
fn go_at(
    ctx: &Context,
    user_env: &EnvFile,
    layouts: &Layouts,
    invoked: PathBuf,
    path_index: usize,
    why: impl FnOnce(&Chain) -> String,
    inspector: &mut binary::Inspector,
) -> GoOnPath {
    let chain = symlink::resolve(&invoked);
    let why = why(&chain);
    let inspection = inspector.inspect(&invoked);
    let runs = runs_on(ctx, &inspection);
    // One rule for "the slice the host runs" (os, arch, tool dir, signature, toolchain target).
    let running = host_slice(ctx.host(), &inspection);
    let is_script = inspection.format == Format::Script;
    let derived = if is_script {
        None
    } else {
        goroot::derive(ctx, user_env, &invoked, chain.real.as_deref())
    };
    let goroot_info = derived
        .as_ref()
        .map(|d| Goroot::read(&d.path, running.map(|s| (&s.os, &s.arch))));
    let home = if is_script {
        None
    } else {
        goroot::from_executable(ctx, &invoked, chain.real.as_deref())
    };
    let source = match &home {
        Some(d) => layouts.classify(&d.path),
        None => layouts.shim_source(&invoked),
    };
    GoOnPath {
        path: invoked,
        path_index,
        real_path: chain.real.clone(),
        chain: chain.hops,
        format: inspection.format,
        version: running
            .and_then(|s| s.go.as_ref())
            .or_else(|| inspection.go())
            .map(|g| g.version.clone()),
        os: running.map(|s| s.os.clone()),
        arch: running.map(|s| s.arch.clone()),
        archs: inspection.slices.iter().map(|s| s.arch.clone()).collect(),
        signature: running.and_then(|s| s.signature),
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
