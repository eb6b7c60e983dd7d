//! Findings: what is wrong, why it hurts, and the exact fix. Each has a stable `code` that the
//! app, notifications and repairs key on.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::binary::{Format, Signature};
use crate::context::Context;
use crate::doctor::{GoOnPath, LoginShellOutcome};
use crate::goroot::{EnvFile, GorootSource};
use crate::host::{HostFacts, Runs};
use crate::install::{Installation, Source};
use crate::path::Entry;
use crate::platform::{Arch, Os};
use crate::procs::TranslatedProcess;
use crate::shell::{Assignment, Launchctl};
use crate::symlink::{self, Chain, End};
use crate::toolchain::{Provider, Toolchain};

/// How bad a finding is. Ordered worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Go is broken or about to be.
    Error,
    /// Works, but not as the user thinks, or fragile.
    Warning,
    /// Worth knowing.
    Info,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable identifier, e.g. `goroot-env-mismatch`.
    pub code: &'static str,
    /// How bad.
    pub severity: Severity,
    /// One sentence naming the paths and versions involved.
    pub message: String,
    /// What breaks for the user.
    pub why: String,
    /// The exact command to run, or what to do.
    pub fix: String,
    /// The paths involved.
    #[serde(serialize_with = "serialize_paths")]
    pub paths: Vec<PathBuf>,
}

fn serialize_paths<S: serde::Serializer>(paths: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(paths.iter().map(|p| p.display().to_string()))
}

/// What the checks look at.
pub struct Facts<'a> {
    /// The machine.
    pub ctx: &'a Context,
    /// The user's `go env -w` settings.
    pub user_env: &'a EnvFile,
    /// PATH entries.
    pub entries: &'a [Entry],
    /// Every `go` on PATH, active first.
    pub go_on_path: &'a [GoOnPath],
    /// Every installation.
    pub installations: &'a [Installation],
    /// Toolchain selection for the active `go`.
    pub gotoolchain: Option<&'a Toolchain>,
    /// Host facts: translation, Rosetta, developer tools, Homebrew prefixes.
    pub host: &'a HostFacts,
    /// Processes running translated.
    pub translated_processes: &'a [TranslatedProcess],
    /// The login-shell capture, when asked for.
    pub login_shell: Option<&'a LoginShellOutcome>,
    /// Where startup files set GOROOT.
    pub goroot_assignments: &'a [Assignment],
    /// launchd's GUI environment (macOS).
    pub launchctl: Option<&'a Launchctl>,
}

fn finding(
    code: &'static str,
    severity: Severity,
    message: String,
    why: &str,
    fix: String,
    paths: Vec<PathBuf>,
) -> Finding {
    Finding {
        code,
        severity,
        message,
        why: why.to_string(),
        fix,
        paths,
    }
}

/// Runs every check.
pub fn run(f: &Facts<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    path_checks(f, &mut out);
    match f.go_on_path.first() {
        None => out.push(no_go(f)),
        Some(active) => {
            active_checks(f, active, &mut out);
            shadowing(f, active, &mut out);
        }
    }
    env_arch(f, &mut out);
    if let Some(t) = f.gotoolchain {
        toolchain_checks(t, &mut out);
    }
    host_checks(f, &mut out);
    out
}

fn host_checks(f: &Facts<'_>, out: &mut Vec<Finding>) {
    if f.host.translated == Some(true) {
        out.push(finding(
            "self-translated",
            Severity::Warning,
            "gowarden itself is running under Rosetta: the terminal or app that started it is translated".into(),
            "everything started from that terminal runs as x86_64 too: `uname -m` says x86_64, installers pick amd64, and go builds amd64",
            "quit the terminal, then in Finder › Applications › (the terminal) › Get Info, uncheck \"Open using Rosetta\" and reopen it".into(),
            Vec::new(),
        ));
    }
    if let Some(dev) = &f.host.developer_dir
        && !f.go_on_path.is_empty()
        && cgo_enabled(f)
        && !dev.xcrun
    {
        let (message, fix) = match &dev.path {
            None => (
                "no Command Line Tools or Xcode is selected, and cgo is enabled".to_string(),
                "xcode-select --install".to_string(),
            ),
            Some(p) => (
                format!(
                    "the active developer directory {} ({}) {}, and cgo is enabled",
                    p.display(),
                    dev.source,
                    if dev.exists {
                        "has no usr/bin/xcrun"
                    } else {
                        "does not exist"
                    }
                ),
                if dev.kind == "xcode" {
                    "sudo xcode-select --switch /Library/Developer/CommandLineTools   (or reinstall Xcode; if the tools are missing too: xcode-select --install)".to_string()
                } else {
                    "xcode-select --install".to_string()
                },
            ),
        };
        let dir = dev.path.as_deref().map_or_else(
            || "/Library/Developer/CommandLineTools".into(),
            |p| p.display().to_string(),
        );
        out.push(finding(
            "missing-clt",
            Severity::Warning,
            message,
            &format!("any package using cgo (net, os/user, most database drivers) fails with: xcrun: error: invalid active developer path ({dir}), missing xcrun at: {dir}/usr/bin/xcrun"),
            fix,
            dev.path.iter().cloned().collect(),
        ));
    }
    if f.host.homebrew.len() == 2 {
        let describe = |i: usize| {
            let h = &f.host.homebrew[i];
            format!(
                "{} ({}) provides {}",
                h.prefix.display(),
                h.arch,
                h.go.as_deref().unwrap_or("no go")
            )
        };
        out.push(finding(
            "dual-homebrew",
            Severity::Warning,
            format!("both Homebrew prefixes are installed: {}; {}", describe(0), describe(1)),
            "whichever brew comes first on PATH installs and upgrades; the Intel one builds x86_64 bottles that run under Rosetta, and the two go installs drift apart",
            "keep the arm64 Homebrew (/opt/homebrew): move what you still need, then uninstall the Intel one (its uninstall script with --path=/usr/local)".into(),
            f.host.homebrew.iter().map(|h| h.prefix.clone()).collect(),
        ));
    }
    if !f.translated_processes.is_empty() {
        let list: Vec<String> = f
            .translated_processes
            .iter()
            .take(5)
            .map(|p| format!("{} (pid {}, {})", p.name, p.pid, p.exe.display()))
            .collect();
        let more = f.translated_processes.len().saturating_sub(5);
        let by = &f.translated_processes[0].translator;
        out.push(finding(
            "translated-process",
            Severity::Warning,
            format!(
                "{} process{} that matter{} for Go work run{} translated by {by}: {}{}",
                f.translated_processes.len(),
                if f.translated_processes.len() == 1 { "" } else { "es" },
                if f.translated_processes.len() == 1 { "s" } else { "" },
                if f.translated_processes.len() == 1 { "s" } else { "" },
                list.join(", "),
                if more > 0 { format!(", and {more} more") } else { String::new() }
            ),
            f.translated_processes[0].why,
            "quit them and start them natively: for an app, Finder › Get Info › uncheck \"Open using Rosetta\"; for a shell, start it from a native terminal (`arch -arm64 zsh`)".into(),
            f.translated_processes.iter().map(|p| p.exe.clone()).collect(),
        ));
    }
    if let Some(ls) = f.login_shell
        && !ls.ok
    {
        out.push(finding(
            "login-shell-env-failed",
            Severity::Warning,
            format!(
                "could not read your login shell's environment ({}): {}; judged this process's environment instead",
                ls.reason.unwrap_or("unknown"),
                ls.error.as_deref().unwrap_or("no details")
            ),
            "the menu-bar app and editors see the PATH and GOROOT your shell startup files set up; without them gowarden may judge a different go than your terminal runs",
            match ls.reason {
                Some("timeout") => "find what in your shell startup files waits or runs long (try: time $SHELL -i -l -c true)".into(),
                Some("unknown-shell") | Some("no-shell") => "set SHELL to bash, zsh or fish (chsh -s /bin/zsh)".into(),
                _ => "run `$SHELL -i -l -c true` and fix what it reports".into(),
            },
            Vec::new(),
        ));
    }
    if let Some(lc) = f.launchctl {
        let shell_goroot = f.ctx.var_str("GOROOT");
        if let Some(g) = &lc.goroot
            && shell_goroot.as_deref() != Some(g.as_str())
        {
            out.push(finding(
                "launchctl-env",
                Severity::Warning,
                format!(
                    "launchctl has GOROOT={g}, which GUI apps inherit, but your shell has {}",
                    shell_goroot.map_or_else(|| "no GOROOT".to_string(), |s| format!("GOROOT={s}"))
                ),
                "editors started from the Dock or Spotlight use a different Go tree than your terminal: builds there fail with version mismatches",
                "launchctl unsetenv GOROOT   (and remove any `launchctl setenv GOROOT` from your startup files)".into(),
                vec![PathBuf::from(g)],
            ));
        }
        if let (Some(lpath), Some(active)) = (&lc.path, f.go_on_path.first()) {
            let dir = active
                .path
                .parent()
                .map(|d| d.display().to_string())
                .unwrap_or_default();
            if !lpath.split(':').any(|e| e == dir) {
                out.push(finding(
                    "launchctl-env",
                    Severity::Warning,
                    format!("launchctl sets PATH for GUI apps without {dir}, where your shell finds go"),
                    "editors started from the Dock run a different go, or none",
                    format!("launchctl setenv PATH \"{dir}:$(launchctl getenv PATH)\"   (or launchctl unsetenv PATH)"),
                    vec![PathBuf::from(dir)],
                ));
            }
        }
    }
}

/// cgo is on unless CGO_ENABLED=0 (environment, then go env file).
fn cgo_enabled(f: &Facts<'_>) -> bool {
    let v = f
        .ctx
        .var_str("CGO_ENABLED")
        .or_else(|| f.user_env.get("CGO_ENABLED").map(str::to_string));
    v.as_deref() != Some("0")
}

fn no_go(f: &Facts<'_>) -> Finding {
    let best = best_installation(f.installations, None);
    let fix = match (best, &f.ctx.host().os) {
        (Some(i), _) => format!(
            "export PATH=\"{}:$PATH\"   (add it to your shell startup file)",
            i.goroot.join("bin").display()
        ),
        (None, Os::Darwin) => "brew install go   (or the installer from https://go.dev/dl)".into(),
        (None, _) => {
            "install Go from https://go.dev/dl (or your distribution's golang package)".into()
        }
    };
    let message = match best {
        Some(i) => format!(
            "no `go` on PATH, although {} is installed at {}",
            i.version.as_ref().map_or("Go".into(), ToString::to_string),
            i.goroot.display()
        ),
        None => "no `go` on PATH, and no Go installation was found".into(),
    };
    finding(
        "no-go-on-path",
        Severity::Error,
        message,
        "typing `go` fails with \"command not found\", and so does every tool that runs it",
        fix,
        best.map(|i| vec![i.goroot.clone()]).unwrap_or_default(),
    )
}

/// A healthy installation to point users at, preferring `version` and native ones.
fn best_installation<'a>(
    installs: &'a [Installation],
    version: Option<&crate::version::GoVersion>,
) -> Option<&'a Installation> {
    installs
        .iter()
        .filter(|i| i.healthy && i.source != Source::ToolchainCache)
        .max_by(|a, b| {
            let same = |i: &Installation| version.is_some_and(|v| i.version.as_ref() == Some(v));
            (same(a), &a.version).cmp(&(same(b), &b.version))
        })
}

fn path_checks(f: &Facts<'_>, out: &mut Vec<Finding>) {
    let active_index = f.go_on_path.first().map(|g| g.path_index);
    for e in f.entries {
        if e.relative {
            let what = if e.raw.is_empty() {
                "an empty entry (the current directory)".to_string()
            } else {
                format!("the relative entry {:?}", e.raw)
            };
            out.push(finding(
                "relative-path-entry",
                Severity::Warning,
                format!("PATH entry {} is {what}", e.index + 1),
                "which `go` runs then depends on the directory you are in: a `go` in any project you cd into can take over",
                format!("remove {:?} from PATH in your shell startup file", e.raw),
                vec![e.dir.clone()],
            ));
        }
        if e.writable_by_others && active_index.is_none_or(|a| e.index <= a) {
            out.push(finding(
                "writable-path-dir",
                Severity::Warning,
                format!("PATH entry {} ({}) is writable by other users, and comes before or holds the active go", e.index + 1, e.dir.display()),
                "another user (or a process running as one) can drop a `go` there that runs instead of yours",
                format!("chmod go-w {}", shell_quote(&e.dir)),
                vec![e.dir.clone()],
            ));
        }
        if e.kind == crate::path::EntryKind::Dangling || e.kind == crate::path::EntryKind::Loop {
            let code = if e.kind == crate::path::EntryKind::Loop {
                "symlink-loop"
            } else {
                "dangling-symlink"
            };
            out.push(finding(
                code,
                Severity::Error,
                format!(
                    "PATH entry {} ({}) is a symlink to {}, which {}",
                    e.index + 1,
                    e.dir.display(),
                    e.symlink.as_deref().unwrap_or(Path::new("?")).display(),
                    if code == "symlink-loop" { "loops back on itself" } else { "does not exist" }
                ),
                "the directory it stood for is gone, so whatever it provided (often a `go`) silently falls through to later PATH entries",
                format!("rm {}   (or point it at the directory that replaced it)", shell_quote(&e.dir)),
                vec![e.dir.clone()],
            ));
        }
        if let Some(chain) = &e.broken_go {
            out.push(broken_chain(f, chain));
        }
    }
}

fn broken_chain(f: &Facts<'_>, chain: &Chain) -> Finding {
    let start = chain
        .hops
        .first()
        .map(|h| h.path.clone())
        .unwrap_or_default();
    let link = chain
        .broken_link()
        .map(|h| h.path.clone())
        .unwrap_or_else(|| start.clone());
    let last = chain
        .hops
        .last()
        .map(|h| h.path.clone())
        .unwrap_or_default();
    let is_loop = chain.end == End::Loop;
    let via = if link == start {
        String::new()
    } else {
        format!(" (via {})", link.display())
    };
    let message = if is_loop {
        format!("{}{via} is a symlink loop", start.display())
    } else {
        format!(
            "{}{via} points to {}, which does not exist",
            start.display(),
            last.display()
        )
    };
    let fix = relink_fix(f, &start);
    let paths = chain.hops.iter().map(|h| h.path.clone()).collect();
    finding(
        if is_loop {
            "symlink-loop"
        } else {
            "dangling-symlink"
        },
        Severity::Error,
        message,
        if is_loop {
            "the shell cannot run it and moves on to the next `go` on PATH, or fails with \"too many levels of symbolic links\""
        } else {
            "the Go it pointed to was removed (a `brew upgrade` or `brew cleanup` does this); the shell skips it and runs the next `go` on PATH, or none"
        },
        fix,
        paths,
    )
}

/// How to make a broken `go` link whole again: Homebrew's own command for its links, else
/// a link to the best healthy installation, else removal.
fn relink_fix(f: &Facts<'_>, link: &Path) -> String {
    let brew = ["/opt/homebrew", "/usr/local", "/home/linuxbrew/.linuxbrew"]
        .iter()
        .any(|p| {
            link.starts_with(f.ctx.system(p).join("bin")) && f.ctx.system(p).join("Cellar").is_dir()
        });
    if brew {
        return "brew reinstall go   (relinks bin/go to the installed version)".into();
    }
    match best_installation(f.installations, None) {
        Some(i) => format!(
            "ln -sfn {} {}",
            shell_quote(&i.goroot.join("bin/go")),
            shell_quote(link)
        ),
        None => format!("rm {}", shell_quote(link)),
    }
}

fn active_checks(f: &Facts<'_>, g: &GoOnPath, out: &mut Vec<Finding>) {
    let host = f.ctx.host();
    let path = g.path.clone();
    let real = g.real_path.clone().unwrap_or_else(|| path.clone());
    let version = g
        .version
        .as_ref()
        .map_or("an unknown version".into(), ToString::to_string);
    match &g.runs {
        Runs::No { reason } => out.push(finding(
            "foreign-binary",
            Severity::Error,
            format!("the active go ({}) cannot run on this {} machine: {reason}", path.display(), host.name()),
            "every `go` command fails with \"exec format error\" or \"bad CPU type in executable\"",
            install_native_fix(host),
            vec![path.clone(), real.clone()],
        )),
        Runs::Translated { by } if host.os == Os::Darwin => out.push(finding(
            "rosetta-go",
            Severity::Warning,
            format!("the active go ({}, {version}) is an Intel (amd64) build running under {by} on this Apple Silicon Mac", path.display()),
            "it builds amd64 binaries by default (GOARCH follows the go binary), runs slower, and cgo links against the wrong architecture",
            install_native_fix(host),
            vec![path.clone(), real.clone()],
        )),
        Runs::Translated { by } => out.push(finding(
            "emulated-go",
            Severity::Warning,
            format!("the active go ({}, {version}) is built for {} and runs under {by} on this {} machine", path.display(), g.archs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "), host.name()),
            "everything it does is emulated (many times slower), and it builds for its own architecture by default",
            install_native_fix(host),
            vec![path.clone(), real.clone()],
        )),
        _ => {}
    }
    if host.os == Os::Darwin && host.arch == Arch::Arm64 && g.archs.contains(&Arch::Arm64) {
        match g.signature {
            Some(Signature::None) | Some(Signature::Invalid) => out.push(finding(
                "unsigned-arm64",
                Severity::Error,
                format!(
                    "the active go ({}) is an arm64 binary {}",
                    real.display(),
                    if g.signature == Some(Signature::None) {
                        "without a code signature"
                    } else {
                        "with a damaged code signature"
                    }
                ),
                "macOS on Apple Silicon kills unsigned arm64 programs at launch (\"Killed: 9\")",
                format!(
                    "codesign -s - --force {}   (ad hoc signature), or reinstall Go",
                    shell_quote(&real)
                ),
                vec![real.clone()],
            )),
            _ => {}
        }
    }
    if let Some(q) = &g.quarantine {
        out.push(finding(
            "quarantined",
            Severity::Warning,
            format!("the active go ({}) is quarantined as a download from {}", real.display(), q.agent.as_deref().unwrap_or("an unknown app")),
            "Gatekeeper may block it or ask before it runs, which fails in terminals and editors without a prompt",
            format!("xattr -d com.apple.quarantine {}", shell_quote(&real)),
            vec![real.clone()],
        ));
    }
    if g.format == Format::Script {
        return; // a shim: the Go it runs is chosen by its version manager at run time
    }
    goroot_checks(f, g, out);
}

fn install_native_fix(host: &crate::context::Host) -> String {
    match (&host.os, &host.arch) {
        (Os::Darwin, Arch::Arm64) => "install the arm64 Go: `brew install go` from a native terminal (Homebrew in /opt/homebrew), or the darwin-arm64 installer from https://go.dev/dl; then remove the Intel one from PATH".into(),
        (os, arch) => format!("install the {os}-{arch} build of Go from https://go.dev/dl and put it first on PATH"),
    }
}

fn goroot_checks(f: &Facts<'_>, g: &GoOnPath, out: &mut Vec<Finding>) {
    let version = g.version.as_ref();
    let (Some(root), Some(info), Some(source)) = (&g.goroot, &g.goroot_info, g.goroot_source)
    else {
        let same = best_installation(f.installations, version);
        out.push(finding(
            "goroot-not-found",
            Severity::Error,
            format!(
                "no GOROOT can be derived for {}: there is no pkg/tool two or three levels above it, and GOROOT is not set",
                g.path.display()
            ),
            "the go binary was copied out of its Go tree; every command fails with \"go: cannot find GOROOT directory\"",
            match same {
                Some(i) => format!("ln -sfn {} {}   (a symlink, not a copy)", shell_quote(&i.goroot.join("bin/go")), shell_quote(&g.path)),
                None => format!("rm {} and install Go properly (https://go.dev/dl)", shell_quote(&g.path)),
            },
            vec![g.path.clone()],
        ));
        return;
    };
    let overridden = matches!(source, GorootSource::Env | GorootSource::GoEnvFile);
    // Where a shell startup file sets it, when the environment is where it comes from.
    // Prefer the line that names this very value; else the last one read.
    let root_text = root.display().to_string();
    let origin = (source == GorootSource::Env)
        .then(|| {
            let named = f
                .goroot_assignments
                .iter()
                .rev()
                .find(|a| a.text.contains(&root_text));
            named.or(f.goroot_assignments.last())
        })
        .flatten();
    let unset = match (source, origin) {
        (GorootSource::GoEnvFile, _) => "go env -u GOROOT".to_string(),
        (_, Some(a)) => format!(
            "delete line {} of {} (`{}`), then open a new shell; go finds its own GOROOT",
            a.line,
            a.file.display(),
            a.text
        ),
        _ => "unset GOROOT   (and delete the `export GOROOT=...` line from your shell startup file; go finds its own GOROOT)".to_string(),
    };
    let where_set = match (source, origin) {
        (GorootSource::GoEnvFile, _) => "in the go env file".to_string(),
        (_, Some(a)) => format!("at {}:{}", a.file.display(), a.line),
        _ => "in the environment".to_string(),
    };
    let origin_file: Vec<PathBuf> = origin.map(|a| a.file.clone()).into_iter().collect();
    if overridden {
        if let Ok(meta) = std::fs::symlink_metadata(root)
            && meta.file_type().is_symlink()
        {
            let chain = symlink::resolve(root);
            if matches!(chain.end, End::Dangling | End::Loop) {
                out.push(broken_chain(f, &chain));
            }
        }
        if !info.exists || !info.is_goroot {
            out.push(finding(
                "goroot-env-invalid",
                Severity::Error,
                format!(
                    "GOROOT={} (set {where_set}) {}",
                    root.display(),
                    if info.exists { "is not a Go root: it has no pkg/tool" } else { "does not exist" }
                ),
                "every go command fails with \"go: cannot find GOROOT directory\" (or cannot find its compiler)",
                unset.clone(),
                [vec![root.clone()], origin_file.clone()].concat(),
            ));
            return;
        }
        if let (Some(bin), Some(rootv)) = (version, &info.version)
            && bin != rootv
        {
            out.push(finding(
                "goroot-env-mismatch",
                Severity::Error,
                format!("GOROOT={} (set {where_set}) is {rootv}, but the go on PATH ({}) is {bin}", root.display(), g.path.display()),
                &format!("builds fail with: compile: version \"{rootv}\" does not match go tool version \"{bin}\""),
                unset.clone(),
                [vec![root.clone(), g.path.clone()], origin_file.clone()].concat(),
            ));
        }
    } else if let (Some(bin), Some(rootv)) = (version, &info.version)
        && bin != rootv
    {
        out.push(finding(
            "version-mismatch",
            Severity::Error,
            format!("{} is {bin} but its GOROOT {} says VERSION {rootv}", g.real_path.as_deref().unwrap_or(&g.path).display(), root.display()),
            &format!("the tree is half-upgraded: builds fail with compile: version \"{rootv}\" does not match go tool version \"{bin}\""),
            reinstall_fix(g.source),
            vec![g.real_path.clone().unwrap_or_else(|| g.path.clone()), root.clone()],
        ));
    }
    if info.is_goroot
        && !info.tool_dir_exists
        && let Some(tools) = &info.tool_dir
    {
        out.push(finding(
            "goroot-incomplete",
            Severity::Error,
            format!(
                "GOROOT {} has no {} for the active go ({})",
                root.display(),
                tools.strip_prefix(root).unwrap_or(tools).display(),
                g.path.display()
            ),
            "go cannot find its compiler and linker: builds fail with \"go: no such tool\"",
            if overridden {
                unset
            } else {
                reinstall_fix(g.source)
            },
            vec![root.clone()],
        ));
    }
}

fn reinstall_fix(source: Source) -> String {
    match source {
        Source::Homebrew => "brew reinstall go".into(),
        Source::Official => {
            "reinstall from the installer at https://go.dev/dl (it replaces /usr/local/go)".into()
        }
        Source::Sdk => "rm -rf the sdk directory and run `goX.Y.Z download` again".into(),
        Source::Goenv => "goenv uninstall <version> && goenv install <version>".into(),
        Source::Asdf => "asdf uninstall golang <version> && asdf install golang <version>".into(),
        Source::Mise => "mise uninstall go@<version> && mise install go@<version>".into(),
        Source::Gvm => "gvm uninstall <version> && gvm install <version>".into(),
        Source::ToolchainCache => {
            "go clean -modcache   (go downloads the toolchain again when needed)".into()
        }
        Source::Distro => "reinstall your distribution's golang package".into(),
        Source::Unknown => "reinstall Go from https://go.dev/dl".into(),
    }
}

fn shadowing(f: &Facts<'_>, active: &GoOnPath, out: &mut Vec<Finding>) {
    // Distinct binaries: two links to one `go` are one install.
    let key = |g: &GoOnPath| g.real_path.clone().unwrap_or_else(|| g.path.clone());
    let winner = key(active);
    let mut shadowed: Vec<&GoOnPath> = Vec::new();
    for g in &f.go_on_path[1..] {
        let k = key(g);
        if k != winner && !shadowed.iter().any(|s| key(s) == k) {
            shadowed.push(g);
        }
    }
    if shadowed.is_empty() {
        return;
    }
    let describe = |g: &GoOnPath| {
        format!(
            "{} ({}, {})",
            g.path.display(),
            g.version
                .as_ref()
                .map_or("unknown version".into(), ToString::to_string),
            g.source.words()
        )
    };
    out.push(finding(
        "shadowed-go",
        Severity::Warning,
        format!(
            "{} Go installs are on PATH: {} wins over {}",
            shadowed.len() + 1,
            describe(active),
            shadowed.iter().map(|g| describe(g)).collect::<Vec<_>>().join(", ")
        ),
        "which Go you get depends on PATH order, which differs between shells, editors and the app launcher; upgrades of the shadowed one change nothing",
        "keep one: remove the others' directories from PATH, or uninstall them".into(),
        std::iter::once(active.path.clone()).chain(shadowed.iter().map(|g| g.path.clone())).collect(),
    ));
}

fn env_arch(f: &Facts<'_>, out: &mut Vec<Finding>) {
    let host = f.ctx.host();
    for (var, host_value) in [
        ("GOARCH", host.arch.to_string()),
        ("GOOS", host.os.to_string()),
    ] {
        let (value, from_file) = match f.ctx.var_str(var) {
            Some(v) => (v, false),
            None => match f.user_env.get(var) {
                Some(v) => (v.to_string(), true),
                None => continue,
            },
        };
        if value != host_value {
            out.push(finding(
                "goarch-env-foreign",
                Severity::Warning,
                format!("{var}={value} is set {} but this machine is {}", if from_file { "in the go env file" } else { "in the environment" }, host.name()),
                "every `go build` cross-compiles: binaries it makes do not run here, and `go run`/`go test` fail with \"exec format error\"",
                if from_file { format!("go env -u {var}") } else { format!("unset {var}   (and remove it from your shell startup file)") },
                Vec::new(),
            ));
        }
    }
}

fn toolchain_checks(t: &Toolchain, out: &mut Vec<Finding>) {
    if let Some(err) = &t.error {
        out.push(finding(
            "gotoolchain-invalid",
            Severity::Error,
            err.clone(),
            "every go command refuses to run until GOTOOLCHAIN is fixed",
            "unset GOTOOLCHAIN, or set it to local, auto, or a version like go1.23.4".into(),
            t.module_file.iter().cloned().collect(),
        ));
        return;
    }
    if !t.switches() {
        return;
    }
    let (where_, severity) = match &t.provider {
        Provider::Path(p) => (format!("found on PATH at {}", p.display()), Severity::Info),
        Provider::ModuleCache(p) => (
            format!("already in the module cache at {}", p.display()),
            Severity::Info,
        ),
        Provider::Download => (
            "not downloaded yet: the next go command downloads it".into(),
            Severity::Info,
        ),
        Provider::Unavailable => (
            "not on PATH, and GOTOOLCHAIN forbids downloads: go commands here fail".into(),
            Severity::Warning,
        ),
        Provider::Local => (String::new(), Severity::Info),
    };
    out.push(finding(
        "gotoolchain-switch",
        severity,
        format!(
            "here, `go` runs {} instead of its bundled {}: {}; {where_}",
            t.selected,
            t.local.as_deref().unwrap_or("toolchain"),
            t.reason
        ),
        "`go version` and builds use the switched toolchain, so what gowarden reports for the go on PATH is not what compiles this module",
        "nothing to do if intended; to stay on the bundled toolchain, set GOTOOLCHAIN=local".into(),
        t.module_file.iter().cloned().collect(),
    ));
}

/// Quotes a path for the POSIX shell commands in fixes, when it needs it.
fn shell_quote(p: &Path) -> String {
    crate::shell::quote(crate::shell::ShellKind::Posix, &p.display().to_string())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::context::Host;
    use crate::host::HostFacts;

    fn host(translated: Option<bool>) -> HostFacts {
        HostFacts {
            host: "darwin/arm64".parse::<Host>().unwrap(),
            translated,
            rosetta: Some(true),
            developer_dir: None,
            homebrew: Vec::new(),
        }
    }

    fn run_with(ctx: &Context, host: &HostFacts, launchctl: Option<&Launchctl>) -> Vec<Finding> {
        run(&Facts {
            ctx,
            user_env: &EnvFile::default(),
            entries: &[],
            go_on_path: &[],
            installations: &[],
            gotoolchain: None,
            host,
            translated_processes: &[],
            login_shell: None,
            goroot_assignments: &[],
            launchctl,
        })
    }

    fn codes(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.code).collect()
    }

    #[test]
    fn self_translated_only_when_the_kernel_says_so() {
        let ctx = Context::fake(&[], "darwin/arm64", "/", Path::new("/"));
        assert!(codes(&run_with(&ctx, &host(Some(true)), None)).contains(&"self-translated"));
        assert!(!codes(&run_with(&ctx, &host(Some(false)), None)).contains(&"self-translated"));
        assert!(!codes(&run_with(&ctx, &host(None), None)).contains(&"self-translated"));
    }

    #[test]
    fn launchctl_goroot_that_the_shell_does_not_share() {
        let stale = Launchctl {
            goroot: Some("/usr/local/go-1.20".into()),
            path: None,
        };
        let shell_without = Context::fake(&[], "darwin/arm64", "/", Path::new("/"));
        let found = run_with(&shell_without, &host(Some(false)), Some(&stale));
        let f = found
            .iter()
            .find(|f| f.code == "launchctl-env")
            .expect("launchctl-env");
        assert!(
            f.message.contains("GOROOT=/usr/local/go-1.20") && f.message.contains("no GOROOT"),
            "{}",
            f.message
        );
        assert_eq!(f.fix.split("   ").next(), Some("launchctl unsetenv GOROOT"));
        let shell_same = Context::fake(
            &[("GOROOT", "/usr/local/go-1.20")],
            "darwin/arm64",
            "/",
            Path::new("/"),
        );
        assert!(
            !codes(&run_with(&shell_same, &host(Some(false)), Some(&stale)))
                .contains(&"launchctl-env")
        );
    }
}
