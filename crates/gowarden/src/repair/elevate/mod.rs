//! Changing a link that only an administrator may change, as macOS's and polkit's privileged
//! helpers are meant to: one small, fixed operation that root validates entirely itself.
//!
//! - `request`: the operation, "change the symlink at P from its text T to the text N" (or
//!   undo such a change), carried as a few words on the command line and nothing else.
//! - `policy`: the fixed list of links it may change ([`PLACES`]) and what they may lead to
//!   (a healthy Go root of root's, for this host). Both sides check it: this one before it
//!   asks for an administrator, so a request the policy refuses never reaches a prompt.
//! - `trust`: walking paths through directory handles, without following symlinks, judging
//!   each component's owner and mode.
//! - `admin`: the root side (`gowarden admin ...`), with its own journal and lock in
//!   [`state_dir`]. It never reads anything of the user's.
//!
//! This side, the user's, builds the request from a plan, finds a copy of gowarden that root
//! may run ([`helper`]), asks through the system's prompt (pkexec, osascript) or prints the
//! `sudo` line, and afterwards keeps in the user's journal a record that points at root's
//! ([`crate::repair::Repairs::remember`]).

mod admin;
mod policy;
mod request;
mod trust;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use admin::{AdminError, run as run_admin, state_dir};
pub use policy::{PLACES, Place, Refusal, Role, place};
pub use request::{AdminRequest, BadRequest, LinkChange, MAX_LINKS};
pub use trust::{Untrusted, Why};

use super::{Plan, RepairError};
use crate::context::Host;
use crate::process::{self, Output, SpawnError};
use crate::quote::{applescript_string, sh_command};
use crate::repair::record::{Edit, RepairRecord};

/// Where an installed copy of gowarden that root may run is looked for, in order: the macOS
/// package installs its helper in the place Apple keeps privileged helpers.
#[cfg(target_os = "macos")]
pub const INSTALLED: &[&str] = &[
    "/Library/PrivilegedHelperTools/dev.gowarden.gowarden.helper",
    "/usr/local/bin/gowarden",
];

/// Where an installed copy of gowarden that root may run is looked for, in order: the .deb
/// installs `/usr/bin/gowarden`.
#[cfg(not(target_os = "macos"))]
pub const INSTALLED: &[&str] = &["/usr/bin/gowarden", "/usr/local/bin/gowarden"];

/// The administrator request that carries out `plan`'s link changes, checked against the
/// policy on this machine first (so one it refuses is never put to an administrator).
pub fn request_for(plan: &Plan) -> Result<AdminRequest, RepairError> {
    let mut words = Vec::new();
    for e in &plan.edits {
        match e {
            Edit::Link {
                path,
                before,
                after,
            } => words.extend([path.clone(), before.clone(), after.clone()]),
            Edit::ShellLine { path, .. } => {
                return Err(RepairError::NotForAdministrator { path: path.clone() });
            }
        }
    }
    let request = AdminRequest::relink(&words)?;
    precheck(&request)?;
    Ok(request)
}

/// The administrator request that undoes `repair` (an administrator's record: the user's
/// pointer, or root's own output), naming every change it makes.
pub fn undo_request(repair: &RepairRecord) -> Result<AdminRequest, RepairError> {
    let mut words = Vec::new();
    for e in &repair.edits {
        match e.reversed() {
            Edit::Link {
                path,
                before,
                after,
            } => words.extend([path, before, after]),
            Edit::ShellLine { path, .. } => {
                return Err(RepairError::NotForAdministrator { path });
            }
        }
    }
    Ok(AdminRequest::undo(&repair.id, &words)?)
}

/// Checks a relink against the policy from this side (as this user: everything it reads is
/// readable by everyone).
pub fn precheck(request: &AdminRequest) -> Result<(), RepairError> {
    if let AdminRequest::Relink(changes) = request {
        policy::check_all(changes, &Host::current())?;
    }
    Ok(())
}

/// No copy of gowarden that root may run was found.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "no copy of gowarden that an administrator may run is installed ({}). {}",
    tried.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
    how_to_install(this.as_deref())
)]
pub struct NoHelper {
    /// Each place tried, and why it will not do.
    pub tried: Vec<Untrusted>,
    /// This program, which could be copied into place.
    pub this: Option<PathBuf>,
}

/// How to get a copy root may run.
fn how_to_install(this: Option<&Path>) -> String {
    let copy = |dest: &str, group: &str| {
        this.map(|t| {
            format!(
                ", or copy this one into place: sudo install -o root -g {group} -m 0755 {} {dest}",
                crate::quote::sh_word(t.as_os_str().as_encoded_bytes())
            )
        })
        .unwrap_or_default()
    };
    if cfg!(target_os = "macos") {
        format!(
            "Install gowarden's .pkg, which puts its administrator helper at {}{}",
            INSTALLED[0],
            copy(INSTALLED[0], "wheel")
        )
    } else {
        format!(
            "Install the gowarden package, which puts a root-owned {} in place{}",
            INSTALLED[0],
            copy("/usr/local/bin/gowarden", "root")
        )
    }
}

/// The copy of gowarden an administrator run uses: `preferred` (the app's own, this program)
/// when root may run it (root's, in directories root's alone), else the first of
/// [`INSTALLED`] that is.
pub fn helper(preferred: Option<&Path>) -> Result<PathBuf, NoHelper> {
    let mut tried = Vec::new();
    let preferred = preferred.map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()));
    let candidates = preferred
        .iter()
        .cloned()
        .chain(INSTALLED.iter().map(PathBuf::from));
    for p in candidates {
        if tried.iter().any(|u: &Untrusted| u.path == p) {
            continue;
        }
        match trust::program(&p) {
            Ok(_) => return Ok(p),
            Err(u) => tried.push(u),
        }
    }
    Err(NoHelper {
        tried,
        this: preferred,
    })
}

/// The command a person types: `sudo <helper> admin ...`.
pub fn sudo_line(helper: &Path, request: &AdminRequest) -> String {
    let mut argv: Vec<OsString> = vec![helper.into()];
    argv.extend(request.args());
    format!("sudo {}", sh_command(&argv))
}

/// A program and its arguments, run without a shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElevatedCommand {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
}

/// `<helper> admin ... --json`.
fn admin_argv(helper: &Path, request: &AdminRequest) -> Vec<OsString> {
    let mut argv: Vec<OsString> = vec![helper.into()];
    let mut args = request.args();
    // `--json` before any `--`, so it stays an option.
    args.insert(2, "--json".into());
    argv.extend(args);
    argv
}

/// macOS: `osascript -e 'do shell script "..." with administrator privileges with prompt
/// "..."'`: the system's administrator prompt, saying what will change, then the command as
/// root.
pub fn osascript_command(helper: &Path, request: &AdminRequest) -> ElevatedCommand {
    let script = format!(
        "do shell script {} with administrator privileges with prompt {}",
        applescript_string(&sh_command(&admin_argv(helper, request))),
        applescript_string(&request.prompt())
    );
    ElevatedCommand {
        program: "/usr/bin/osascript".into(),
        args: vec!["-e".into(), script.into()],
    }
}

/// Linux: `pkexec <helper> admin ...`, argv as it is. polkit's prompt shows the command
/// line (the action in `packaging/linux/`), which names the link and both texts.
pub fn pkexec_command(pkexec: &Path, helper: &Path, request: &AdminRequest) -> ElevatedCommand {
    ElevatedCommand {
        program: pkexec.to_path_buf(),
        args: admin_argv(helper, request),
    }
}

/// How this system runs a request as an administrator: osascript on macOS, pkexec on Linux
/// when it is installed; `None` otherwise (print [`sudo_line`] instead).
pub fn elevated_command(helper: &Path, request: &AdminRequest) -> Option<ElevatedCommand> {
    if cfg!(target_os = "macos") {
        return Some(osascript_command(helper, request));
    }
    ["/usr/bin/pkexec", "/bin/pkexec"]
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .map(|p| pkexec_command(p, helper, request))
}

/// Runs an elevated command (the user has up to `timeout` to answer the prompt) with a
/// minimal environment: the administrator side reads none of it anyway.
pub fn run(cmd: &ElevatedCommand, timeout: Duration) -> Result<Output, SpawnError> {
    let args: Vec<&OsStr> = cmd.args.iter().map(OsString::as_os_str).collect();
    let mut env: Vec<(OsString, OsString)> =
        vec![("PATH".into(), "/usr/bin:/bin:/usr/sbin:/sbin".into())];
    for keep in [
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "XAUTHORITY",
        "DBUS_SESSION_BUS_ADDRESS",
        "LANG",
    ] {
        if let Some(v) = std::env::var_os(keep) {
            env.push((keep.into(), v));
        }
    }
    process::run(&cmd.program, &args, env, timeout)
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStringExt;

    use super::*;
    use crate::quote::tests::{nasty, through_sh, unescape_applescript};

    fn relink() -> AdminRequest {
        AdminRequest::relink(&[
            "/usr/local/go".into(),
            "go1.21.13".into(),
            "/usr/local/go1.23.4".into(),
        ])
        .unwrap()
    }

    #[test]
    fn osascript_gets_one_script_whose_command_and_prompt_read_back_exactly() {
        let exe = PathBuf::from(OsString::from_vec(nasty()[10].clone()));
        let cmd = osascript_command(&exe, &relink());
        assert_eq!(cmd.program, Path::new("/usr/bin/osascript"));
        assert_eq!(cmd.args.len(), 2, "-e and the script: no shell in between");
        let script = cmd.args[1].to_str().expect("the script is text");
        let rest = script.strip_prefix("do shell script ").unwrap();
        let (command, prompt) = rest
            .split_once(" with administrator privileges with prompt ")
            .unwrap();
        let expected: Vec<Vec<u8>> = admin_argv(&exe, &relink())
            .into_iter()
            .map(OsString::into_vec)
            .collect();
        assert_eq!(through_sh(&unescape_applescript(command)), expected);
        assert_eq!(
            unescape_applescript(prompt),
            "gowarden wants to point /usr/local/go (now go1.21.13) at /usr/local/go1.23.4."
        );
    }

    #[test]
    fn pkexec_and_sudo_carry_the_request_and_nothing_else() {
        let exe = Path::new("/usr/bin/gowarden");
        let cmd = pkexec_command(Path::new("/usr/bin/pkexec"), exe, &relink());
        assert_eq!(
            cmd.args,
            [
                "/usr/bin/gowarden",
                "admin",
                "relink",
                "--json",
                "/usr/local/go",
                "go1.21.13",
                "/usr/local/go1.23.4"
            ]
            .map(OsString::from)
        );
        assert_eq!(
            sudo_line(
                exe,
                &AdminRequest::undo(
                    "20261204-120000-00ff",
                    &["/usr/local/go".into(), "go1.23.4".into(), "go1.22.0".into()]
                )
                .unwrap()
            ),
            "sudo /usr/bin/gowarden admin undo 20261204-120000-00ff /usr/local/go go1.23.4 go1.22.0"
        );
        let dashed =
            AdminRequest::relink(&["/usr/bin/go".into(), "-x".into(), "y".into()]).unwrap();
        let args = pkexec_command(Path::new("/usr/bin/pkexec"), exe, &dashed).args;
        assert_eq!(args[3], "--json", "an option before the `--`: {args:?}");
        assert_eq!(args[4], "--");
    }

    #[test]
    fn a_startup_file_is_never_an_administrators_to_edit() {
        let plan = Plan {
            finding: "f".into(),
            code: crate::report::Code::GorootEnvMismatch,
            goroot: None,
            version: None,
            source: None,
            edits: vec![Edit::ShellLine {
                path: "/home/other/.zshrc".into(),
                real: "/home/other/.zshrc".into(),
                line: 1,
                before: "export GOROOT=/x".into(),
                after: "# gowarden: export GOROOT=/x".into(),
                before_sha256: String::new(),
                after_sha256: String::new(),
            }],
            notes: vec![],
        };
        let e = request_for(&plan).unwrap_err();
        assert!(matches!(e, RepairError::NotForAdministrator { .. }), "{e}");
    }

    #[test]
    fn without_a_copy_root_may_run_it_says_how_to_get_one() {
        let d = tempfile::tempdir().unwrap();
        let mine = d.path().join("gowarden");
        std::fs::write(&mine, b"x").unwrap();
        // The temp dir is never root's alone; the installed places may exist on this machine
        // (a CI that installed the package), so only the refusal of this copy is certain.
        match helper(Some(&mine)) {
            Ok(p) => assert_ne!(p, mine),
            Err(e) => {
                let text = e.to_string();
                assert!(text.contains(&mine.display().to_string()), "{text}");
                assert!(text.contains("sudo install -o root"), "{text}");
            }
        }
    }
}
