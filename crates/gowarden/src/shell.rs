//! The user's login-shell environment, captured the way editors capture it: run `$SHELL` as an
//! interactive login shell whose command prints a marker, the environment NUL-separated, and
//! the marker again. rc files may print anything around it, exit non-zero after it, or hang:
//! a deadline kills the whole process group.
//!
//! On macOS the shell starts from what launchd gives a new terminal or app
//! ([`launchd_environment`]), not from the caller's environment; without `SHELL` (an app
//! launched from the Dock) the account's login shell from the password database is used.
//!
//! Also: where a `GOROOT` is set in the shell startup files, so a finding can point at the line.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::process;

/// Shells gowarden knows how to start as interactive login shells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ShellKind {
    /// bash.
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
    /// A POSIX sh: sh, dash, ksh, mksh.
    Posix,
}

/// The kind of shell at `path`, by its name.
pub fn shell_kind(path: &Path) -> Option<ShellKind> {
    match path.file_name()?.to_str()? {
        "bash" => Some(ShellKind::Bash),
        "zsh" => Some(ShellKind::Zsh),
        "fish" => Some(ShellKind::Fish),
        "sh" | "dash" | "ksh" | "mksh" | "ksh93" => Some(ShellKind::Posix),
        _ => None,
    }
}

/// Why the login-shell environment could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    /// `$SHELL` is not set.
    #[error("SHELL is not set, so there is no login shell to ask")]
    NoShell,
    /// `$SHELL` is not one gowarden knows how to drive.
    #[error("{0} is not a shell gowarden knows how to start (bash, zsh, fish, sh, dash, ksh)")]
    UnknownShell(String),
    /// It could not be started.
    #[error("{0}")]
    Spawn(String),
    /// It did not finish in time; its process group was killed.
    #[error(
        "{shell} did not finish within {secs} s (an rc file waits for input or runs something long){}",
        tail(stderr)
    )]
    Timeout {
        /// The shell.
        shell: String,
        /// The deadline.
        secs: u64,
        /// The end of what it printed on stderr.
        stderr: String,
    },
    /// It finished without printing the environment.
    #[error(
        "{shell} exited with {status} before printing its environment{}",
        tail(stderr)
    )]
    NoEnvironment {
        /// The shell.
        shell: String,
        /// `status N` or `a signal`.
        status: String,
        /// The end of what it printed on stderr.
        stderr: String,
    },
}

fn tail(stderr: &str) -> String {
    let t = stderr.trim();
    if t.is_empty() {
        return String::new();
    }
    let start = t.char_indices().rev().nth(299).map_or(0, |(i, _)| i);
    format!("; it said: {}", &t[start..])
}

impl CaptureError {
    /// A one-word reason: `no-shell`, `unknown-shell`, `spawn`, `timeout`, `exit`.
    pub fn reason(&self) -> &'static str {
        match self {
            CaptureError::NoShell => "no-shell",
            CaptureError::UnknownShell(_) => "unknown-shell",
            CaptureError::Spawn(_) => "spawn",
            CaptureError::Timeout { .. } => "timeout",
            CaptureError::NoEnvironment { .. } => "exit",
        }
    }
}

/// A captured environment.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The shell that was run.
    pub shell: PathBuf,
    /// Its environment.
    pub vars: Vec<(OsString, OsString)>,
    /// Its exit code (rc files may fail after the environment was printed).
    pub code: Option<i32>,
    /// How long it took.
    pub elapsed: Duration,
}

/// Starts `$SHELL` from `ctx` as an interactive login shell running `printer... MARKER`, which
/// must print the marker, `KEY=VALUE\0` pairs, and the marker.
pub fn capture(
    ctx: &Context,
    printer: &[OsString],
    timeout: Duration,
) -> Result<Captured, CaptureError> {
    // The password database describes this machine, not one rooted elsewhere for a preview.
    let account = if ctx.root_overridden() {
        None
    } else {
        account(ctx.user().0)
    };
    let shell = login_shell(ctx.var("SHELL"), account.as_ref()).ok_or(CaptureError::NoShell)?;
    let kind = shell_kind(&shell)
        .ok_or_else(|| CaptureError::UnknownShell(shell.display().to_string()))?;
    let marker = format!(
        "__GOWARDEN_ENV_{}_{}__",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    let mut command: Vec<String> = printer
        .iter()
        .map(|a| quote(kind, &a.to_string_lossy()))
        .collect();
    command.push(marker.clone());
    let command = command.join(" ");
    let args = [
        OsStr::new("-i"),
        OsStr::new("-l"),
        OsStr::new("-c"),
        OsStr::new(&command),
    ];
    let env: Vec<(OsString, OsString)> = if FRESH_LOGIN_ENVIRONMENT {
        launchd_environment(
            |n| ctx.var(n).map(OsStr::to_os_string),
            account.as_ref(),
            &shell,
        )
    } else {
        ctx.vars().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    let out = process::run(&shell, &args, env, timeout)
        .map_err(|e| CaptureError::Spawn(e.to_string()))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let shell_name = shell.display().to_string();
    if let Some(vars) = parse_env_block(&out.stdout, marker.as_bytes()) {
        return Ok(Captured {
            shell,
            vars,
            code: out.code,
            elapsed: out.elapsed,
        });
    }
    if out.timed_out {
        return Err(CaptureError::Timeout {
            shell: shell_name,
            secs: timeout.as_secs().max(1),
            stderr,
        });
    }
    let status = out
        .code
        .map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
    Err(CaptureError::NoEnvironment {
        shell: shell_name,
        status,
        stderr,
    })
}

/// Whether the login shell starts from a launchd-like environment rather than the caller's.
/// On macOS a new terminal window or a GUI app starts from launchd's small environment, and
/// `path_helper` in `/etc/zprofile` builds PATH from scratch: starting from the caller's
/// (already built) PATH would show what no new terminal or app sees. Elsewhere a terminal's
/// shell inherits the desktop session's environment, which the caller's approximates.
const FRESH_LOGIN_ENVIRONMENT: bool = cfg!(target_os = "macos");

/// The PATH launchd gives every process it starts (`launchctl print system` shows it).
pub const LAUNCHD_PATH: &str = "/usr/bin:/bin:/usr/sbin:/sbin";

/// A user's entry in the password database (`getpwuid_r`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    /// The login name.
    pub name: Option<OsString>,
    /// The home directory.
    pub home: Option<PathBuf>,
    /// The login shell (on macOS, the one Users & Groups › Advanced Options sets).
    pub shell: Option<PathBuf>,
}

/// The shell to start: `$SHELL`, else the account's login shell. An app launched from the Dock
/// may have no `SHELL`; Terminal then starts the account's shell, and so do we.
pub fn login_shell(env_shell: Option<&OsStr>, account: Option<&Account>) -> Option<PathBuf> {
    env_shell
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| account.and_then(|a| a.shell.clone()))
        .filter(|s| !s.as_os_str().is_empty())
}

/// The environment a new terminal's login shell starts from on macOS: what launchd gives a
/// user's processes (`HOME`, `USER`, `LOGNAME`, `SHELL`, `TMPDIR`, and
/// [`LAUNCHD_PATH`]), with the account filling in what `get` lacks, and
/// `SHELL_SESSIONS_DISABLE=1` so Terminal's zsh session hooks (`/etc/zshrc_Apple_Terminal`)
/// stay quiet.
pub fn launchd_environment(
    get: impl Fn(&str) -> Option<OsString>,
    account: Option<&Account>,
    shell: &Path,
) -> Vec<(OsString, OsString)> {
    let name = get("USER")
        .or_else(|| get("LOGNAME"))
        .or_else(|| account.and_then(|a| a.name.clone()));
    let home = get("HOME").or_else(|| {
        account
            .and_then(|a| a.home.clone())
            .map(PathBuf::into_os_string)
    });
    let logname = get("LOGNAME").or_else(|| name.clone());
    let mut env: Vec<(OsString, OsString)> = [
        ("HOME", home),
        ("USER", name),
        ("LOGNAME", logname),
        ("SHELL", Some(shell.as_os_str().to_os_string())),
        ("TMPDIR", get("TMPDIR")),
        ("PATH", Some(LAUNCHD_PATH.into())),
        ("SHELL_SESSIONS_DISABLE", Some("1".into())),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((OsString::from(k), v?)))
    .collect();
    env.sort();
    env
}

/// The password-database entry of `uid`, `None` when there is none (or off Unix).
pub fn account(uid: u32) -> Option<Account> {
    imp::account(uid)
}

/// Quotes a word for `kind`'s command line (`-c` strings, and the commands fixes print).
pub(crate) fn quote(kind: ShellKind, word: &str) -> String {
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c))
    {
        return word.to_string();
    }
    match kind {
        // fish: inside single quotes only \\ and \' are escapes.
        ShellKind::Fish => format!("'{}'", word.replace('\\', "\\\\").replace('\'', "\\'")),
        _ => format!("'{}'", word.replace('\'', "'\\''")),
    }
}

/// Finds `marker`, `K=V\0`..., `marker` in `stdout`, ignoring whatever rc files printed around
/// it. `None` when the block is missing or unterminated.
pub fn parse_env_block(stdout: &[u8], marker: &[u8]) -> Option<Vec<(OsString, OsString)>> {
    let start = memchr::memmem::find(stdout, marker)? + marker.len();
    let len = memchr::memmem::find(&stdout[start..], marker)?;
    let block = &stdout[start..start + len];
    Some(
        block
            .split(|&b| b == 0)
            .filter(|e| !e.is_empty())
            .filter_map(|e| {
                let eq = e.iter().position(|&b| b == b'=')?;
                (eq > 0).then(|| (bytes_to_os(&e[..eq]), bytes_to_os(&e[eq + 1..])))
            })
            .collect(),
    )
}

#[cfg(unix)]
fn bytes_to_os(b: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(b.to_vec())
}

#[cfg(not(unix))]
fn bytes_to_os(b: &[u8]) -> OsString {
    OsString::from(String::from_utf8_lossy(b).into_owned())
}

/// Writes the block [`parse_env_block`] reads: what the printer side of the protocol does.
pub fn write_env_block(
    out: &mut impl std::io::Write,
    marker: &str,
    vars: impl Iterator<Item = (OsString, OsString)>,
) -> std::io::Result<()> {
    out.write_all(marker.as_bytes())?;
    for (k, v) in vars {
        out.write_all(k.as_encoded_bytes())?;
        out.write_all(b"=")?;
        out.write_all(v.as_encoded_bytes())?;
        out.write_all(b"\0")?;
    }
    out.write_all(marker.as_bytes())?;
    out.flush()
}

/// A line in a shell startup file that sets a variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Assignment {
    /// The file.
    #[serde(serialize_with = "crate::serde_path")]
    pub file: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// The line, trimmed.
    pub text: String,
}

/// Startup files bash, zsh, fish and sh read, under `home` (fish's conf.d included).
pub fn startup_files(home: &Path, zdotdir: Option<&Path>) -> Vec<PathBuf> {
    let z = zdotdir.unwrap_or(home);
    let mut files: Vec<PathBuf> = [".zshenv", ".zprofile", ".zshrc", ".zlogin"]
        .iter()
        .map(|f| z.join(f))
        .collect();
    files.extend(
        [".bash_profile", ".bash_login", ".profile", ".bashrc"]
            .iter()
            .map(|f| home.join(f)),
    );
    let fish = home.join(".config/fish");
    files.push(fish.join("config.fish"));
    if let Ok(rd) = fs::read_dir(fish.join("conf.d")) {
        let mut confd: Vec<_> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension() == Some(OsStr::new("fish")))
            .collect();
        confd.sort();
        files.extend(confd);
    }
    files
}

/// The largest file read as a shell startup file: they are small, and a huge one is not one.
/// `gowarden repair` rewrites only files the scan read, so it uses the same limit.
pub const MAX_STARTUP_FILE: u64 = 1 << 20;

/// Lines in `files` that set `var`: `export GOROOT=…`, `GOROOT=…`, `typeset -x`/`declare -x`,
/// fish's `set -gx GOROOT …`, `launchctl setenv GOROOT …`. Comments are skipped.
pub fn find_assignments(files: &[PathBuf], var: &str) -> Vec<Assignment> {
    let mut found = Vec::new();
    for file in files {
        let Ok(bytes) = fs::read(file) else { continue };
        if bytes.len() as u64 > MAX_STARTUP_FILE {
            continue;
        }
        for (i, line) in String::from_utf8_lossy(&bytes).lines().enumerate() {
            if assigns(line, var) {
                found.push(Assignment {
                    file: file.clone(),
                    line: i + 1,
                    text: line.trim().to_string(),
                });
            }
        }
    }
    found
}

/// Whether a shell line sets `var` (the decision, apart from reading files).
pub fn assigns(line: &str, var: &str) -> bool {
    let l = line.trim();
    if l.starts_with('#') {
        return false;
    }
    let words: Vec<&str> = l.split_whitespace().collect();
    let is_var = |w: &str| w == var || w.strip_prefix(var).is_some_and(|r| r.starts_with('='));
    match words.as_slice() {
        [] => false,
        ["set", rest @ ..] => rest
            .iter()
            .find(|w| !w.starts_with('-'))
            .is_some_and(|w| *w == var),
        ["launchctl", "setenv", name, ..] => *name == var,
        [
            "export" | "typeset" | "declare" | "local" | "readonly",
            rest @ ..,
        ] => rest
            .iter()
            .find(|w| !w.starts_with('-'))
            .is_some_and(|w| w.strip_prefix(var).is_some_and(|r| r.starts_with('='))),
        [first, ..] => is_var(first) && first.contains('='),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_block_survives_noise_around_it() {
        let mut out = b"Welcome! fortune says hi\n".to_vec();
        write_env_block(
            &mut out,
            "MARK",
            [("PATH".into(), "/a:/b".into()), ("X".into(), "a=b".into())].into_iter(),
        )
        .unwrap();
        out.extend(b"bye\n");
        let vars = parse_env_block(&out, b"MARK").unwrap();
        assert_eq!(
            vars,
            [("PATH".into(), "/a:/b".into()), ("X".into(), "a=b".into())]
        );
        assert_eq!(parse_env_block(b"MARK only one", b"MARK"), None);
        assert_eq!(parse_env_block(b"nothing", b"MARK"), None);
    }

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn login_shell_starts_from_what_launchd_gives_not_the_callers_path() {
        let caller = [
            ("HOME", "/Users/me"),
            ("USER", "me"),
            ("LOGNAME", "me"),
            ("SHELL", "/bin/zsh"),
            ("TMPDIR", "/var/folders/xy/T/"),
            ("PATH", "/opt/homebrew/bin:/usr/local/go/bin:/usr/bin:/bin"),
            ("GOROOT", "/usr/local/go"),
            ("TERM_SESSION_ID", "w0t0p0"),
        ];
        let env = launchd_environment(lookup(&caller), None, Path::new("/bin/zsh"));
        let want: Vec<(OsString, OsString)> = [
            ("HOME", "/Users/me"),
            ("LOGNAME", "me"),
            ("PATH", "/usr/bin:/bin:/usr/sbin:/sbin"),
            ("SHELL", "/bin/zsh"),
            ("SHELL_SESSIONS_DISABLE", "1"),
            ("TMPDIR", "/var/folders/xy/T/"),
            ("USER", "me"),
        ]
        .iter()
        .map(|(k, v)| (OsString::from(k), OsString::from(v)))
        .collect();
        assert_eq!(env, want, "no GOROOT, no built PATH, no terminal session");
    }

    #[test]
    fn app_from_the_dock_without_shell_uses_the_accounts_login_shell() {
        let account = Account {
            name: Some("me".into()),
            home: Some("/Users/me".into()),
            shell: Some("/opt/homebrew/bin/fish".into()),
        };
        let shell = login_shell(None, Some(&account)).unwrap();
        assert_eq!(shell, PathBuf::from("/opt/homebrew/bin/fish"));
        assert_eq!(
            login_shell(Some(OsStr::new("/bin/bash")), Some(&account)),
            Some(PathBuf::from("/bin/bash")),
            "SHELL wins"
        );
        assert_eq!(login_shell(Some(OsStr::new("")), None), None);
        assert_eq!(login_shell(None, Some(&Account::default())), None);
        // Nothing from the caller at all: the account fills in HOME, USER and LOGNAME.
        let env = launchd_environment(lookup(&[]), Some(&account), &shell);
        let get = |k: &str| {
            env.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.to_string_lossy().into_owned())
        };
        assert_eq!(get("HOME").as_deref(), Some("/Users/me"));
        assert_eq!(get("USER").as_deref(), Some("me"));
        assert_eq!(get("LOGNAME").as_deref(), Some("me"));
        assert_eq!(get("SHELL").as_deref(), Some("/opt/homebrew/bin/fish"));
        assert_eq!(get("TMPDIR"), None, "left out rather than invented");
    }

    #[cfg(unix)]
    #[test]
    fn password_database_knows_who_we_are() {
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() };
        let me = account(uid).expect("the running user has a passwd entry");
        assert!(me.name.is_some(), "{me:?}");
        assert!(me.home.is_some(), "{me:?}");
        assert_eq!(account(u32::MAX - 7), None, "no such user");
    }

    #[test]
    fn shells_by_name() {
        assert_eq!(shell_kind(Path::new("/bin/zsh")), Some(ShellKind::Zsh));
        assert_eq!(
            shell_kind(Path::new("/opt/homebrew/bin/fish")),
            Some(ShellKind::Fish)
        );
        assert_eq!(shell_kind(Path::new("/usr/bin/nu")), None);
    }

    #[test]
    fn quoting_per_shell() {
        assert_eq!(
            quote(ShellKind::Zsh, "/usr/bin/gowarden"),
            "/usr/bin/gowarden"
        );
        assert_eq!(
            quote(ShellKind::Bash, "/Apps/My App's/gw"),
            "'/Apps/My App'\\''s/gw'"
        );
        assert_eq!(
            quote(ShellKind::Fish, "/Apps/My App's/gw"),
            "'/Apps/My App\\'s/gw'"
        );
    }

    #[test]
    fn goroot_assignments() {
        for yes in [
            "export GOROOT=/usr/local/go",
            "  GOROOT=/x",
            "export GOROOT=\"$HOME/go\"",
            "set -gx GOROOT /usr/local/go",
            "set -x GOROOT /x",
            "typeset -x GOROOT=/x",
            "declare -x GOROOT=/x",
            "launchctl setenv GOROOT /x",
            "GOROOT=/x go build",
        ] {
            assert!(assigns(yes, "GOROOT"), "{yes}");
        }
        for no in [
            "# export GOROOT=/old",
            "echo $GOROOT",
            "export GOROOTX=/x",
            "export PATH=$GOROOT/bin:$PATH",
            "set -gx PATH $GOROOT/bin",
        ] {
            assert!(!assigns(no, "GOROOT"), "{no}");
        }
    }
}

/// What `launchctl getenv` says: the environment launchd hands to GUI apps (editors started
/// from the Dock), set by `launchctl setenv` and easily left stale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Launchctl {
    /// `launchctl getenv GOROOT`.
    pub goroot: Option<String>,
    /// `launchctl getenv PATH`.
    pub path: Option<String>,
}

/// Reads launchd's user environment on a real Mac; `None` elsewhere.
pub fn launchctl_env() -> Option<Launchctl> {
    imp::launchctl_env()
}

#[cfg(unix)]
mod passwd {
    use std::ffi::{CStr, OsString};
    use std::os::unix::ffi::OsStringExt;
    use std::path::PathBuf;

    use super::Account;

    pub(super) fn account(uid: u32) -> Option<Account> {
        let mut buf = vec![0 as libc::c_char; 4096];
        loop {
            // SAFETY: passwd is plain old data (integers and pointers); zeroed is valid.
            let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            // SAFETY: `pwd`, `buf` (for its length) and `result` are valid for writes; the
            // strings `pwd` points at live in `buf`, which outlives their use below.
            let rc = unsafe {
                libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result)
            };
            if rc == libc::ERANGE && buf.len() < 1 << 20 {
                buf.resize(buf.len() * 2, 0);
                continue;
            }
            if rc != 0 || result.is_null() {
                return None;
            }
            let field = |p: *const libc::c_char| {
                // SAFETY: a non-null field of a found entry is a NUL-terminated string in `buf`.
                (!p.is_null())
                    .then(|| OsString::from_vec(unsafe { CStr::from_ptr(p) }.to_bytes().to_vec()))
                    .filter(|s| !s.is_empty())
            };
            return Some(Account {
                name: field(pwd.pw_name),
                home: field(pwd.pw_dir).map(PathBuf::from),
                shell: field(pwd.pw_shell).map(PathBuf::from),
            });
        }
    }
}

#[cfg(target_os = "macos")]
mod imp {
    use std::ffi::OsStr;
    use std::path::Path;
    use std::time::Duration;

    use super::Launchctl;

    pub(super) use super::passwd::account;

    pub(super) fn launchctl_env() -> Option<Launchctl> {
        let get = |var: &str| {
            let out = crate::process::run(
                Path::new("/bin/launchctl"),
                &[OsStr::new("getenv"), OsStr::new(var)],
                [("PATH", "/usr/bin:/bin")],
                Duration::from_secs(3),
            )
            .ok()?;
            let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
            (out.code == Some(0) && !v.is_empty()).then_some(v)
        };
        Some(Launchctl {
            goroot: get("GOROOT"),
            path: get("PATH"),
        })
    }
}

#[cfg(not(target_os = "macos"))]
mod imp {
    #[cfg(unix)]
    pub(super) use super::passwd::account;

    pub(super) fn launchctl_env() -> Option<super::Launchctl> {
        None
    }

    #[cfg(not(unix))]
    pub(super) fn account(_uid: u32) -> Option<super::Account> {
        None
    }
}
