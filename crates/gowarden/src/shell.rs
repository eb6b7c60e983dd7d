//! The user's login-shell environment, captured the way editors capture it: run `$SHELL` as an
//! interactive login shell whose command prints a marker, the environment NUL-separated, and
//! the marker again. rc files may print anything around it, exit non-zero after it, or hang:
//! a deadline kills the whole process group.
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
    let shell = ctx
        .var("SHELL")
        .map(PathBuf::from)
        .ok_or(CaptureError::NoShell)?;
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
    let out = process::run(&shell, &args, ctx.vars(), timeout)
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

/// Lines in `files` that set `var`: `export GOROOT=…`, `GOROOT=…`, `typeset -x`/`declare -x`,
/// fish's `set -gx GOROOT …`, `launchctl setenv GOROOT …`. Comments are skipped.
pub fn find_assignments(files: &[PathBuf], var: &str) -> Vec<Assignment> {
    let mut found = Vec::new();
    for file in files {
        let Ok(bytes) = fs::read(file) else { continue };
        // Startup files are small; a huge one is not a startup file.
        if bytes.len() > 1 << 20 {
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

#[cfg(target_os = "macos")]
mod imp {
    use std::ffi::OsStr;
    use std::path::Path;
    use std::time::Duration;

    use super::Launchctl;

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
    pub(super) fn launchctl_env() -> Option<super::Launchctl> {
        None
    }
}
