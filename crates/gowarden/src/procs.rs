//! Processes running under translation: Rosetta on macOS, binfmt_misc/qemu-user (or FEX, box64,
//! Rosetta for Linux) on Linux. A Rosetta terminal makes `uname -m` say x86_64, and everything
//! started from it (installers, `go`, `gopls`) then picks amd64.
//!
//! Listing stays cheap: macOS reads one `proc_pidinfo` per pid and a path only for translated
//! ones; Linux reads one `/proc/<pid>/exe` link per pid and a command line only for emulated
//! ones.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A process running translated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TranslatedProcess {
    /// Process id.
    pub pid: u32,
    /// The program's name (the guest's, under an emulator).
    pub name: String,
    /// Its executable (on Linux, the guest program from the emulator's command line).
    #[serde(serialize_with = "crate::serde_path")]
    pub exe: PathBuf,
    /// What translates it: `Rosetta 2`, or the emulator's path.
    pub translator: String,
    /// Why a translated process of this kind matters for Go work.
    pub why: String,
}

/// What kind of program a process name is, for Go work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A shell: `uname -m` and installers inside it see the translated arch.
    Shell,
    /// A terminal: every shell it starts is translated too.
    Terminal,
    /// The go command or a Go tool.
    GoTool,
    /// An editor or IDE: the gopls and dlv it starts inherit translation.
    Editor,
    /// Anything else.
    Other,
}

/// Classifies a process by its name (basename of the executable, or `pbi_name`).
pub fn kind_of(name: &str) -> Kind {
    let n = name.to_ascii_lowercase();
    let n = n.trim_start_matches('-'); // login shells: "-zsh"
    match n {
        "zsh" | "bash" | "fish" | "sh" | "dash" | "ksh" | "tcsh" | "csh" | "nu" | "elvish"
        | "xonsh" => Kind::Shell,
        "terminal"
        | "iterm2"
        | "alacritty"
        | "kitty"
        | "wezterm"
        | "wezterm-gui"
        | "warp"
        | "stable"
        | "ghostty"
        | "hyper"
        | "tabby"
        | "rio"
        | "gnome-terminal-server"
        | "konsole"
        | "xterm"
        | "tmux"
        | "screen" => Kind::Terminal,
        "go" | "gopls" | "dlv" | "gofmt" | "staticcheck" | "golangci-lint" | "goimports"
        | "compile" | "link" | "asm" | "cgo" | "vet" => Kind::GoTool,
        "code"
        | "code helper"
        | "code helper (plugin)"
        | "electron"
        | "cursor"
        | "goland"
        | "idea"
        | "nvim"
        | "vim"
        | "emacs"
        | "zed"
        | "sublime_text"
        | "sublime text"
        | "fleet"
        | "helix"
        | "hx" => Kind::Editor,
        _ if n.starts_with("code helper") || n.starts_with("goland") => Kind::Editor,
        _ if n.starts_with("go1.") => Kind::GoTool,
        _ => Kind::Other,
    }
}

/// Why a translated process of this kind matters.
pub fn why(kind: Kind) -> &'static str {
    match kind {
        Kind::Shell => {
            "in a translated shell `uname -m` says x86_64, so installers and scripts run from it pick amd64 builds, and the go it starts builds amd64"
        }
        Kind::Terminal => {
            "every shell this terminal opens runs translated too, and with it every go, installer and build started there"
        }
        Kind::GoTool => {
            "it builds and analyses for amd64 by default and runs slower; cgo links against the wrong architecture"
        }
        Kind::Editor => {
            "the gopls, dlv and go it starts inherit the translation, so analysis, debugging and builds target amd64"
        }
        Kind::Other => "it runs translated",
    }
}

/// Emulators that run foreign binaries on Linux, by executable name.
pub fn is_emulator(exe: &Path) -> bool {
    let Some(name) = exe.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return false;
    };
    name.starts_with("qemu-")
        || matches!(
            name.as_str(),
            "FEXInterpreter" | "FEXLoader" | "box64" | "box86" | "rosetta"
        )
}

/// The guest program an emulator runs, from its command line. binfmt_misc passes the binary's
/// path as the first argument (after the interpreter; with the `P` flag the original `argv[0]`
/// follows it); a manual `qemu-aarch64 [-L dir] [-cpu x] prog args` names it after options.
pub fn guest_from_cmdline(args: &[String]) -> Option<String> {
    // qemu-user options that take a value.
    const WITH_VALUE: &[&str] = &[
        "-L",
        "-cpu",
        "-E",
        "-U",
        "-0",
        "-g",
        "-s",
        "-R",
        "-B",
        "-d",
        "-D",
        "-p",
        "-r",
        "-plugin",
        "-one-insn-per-tb",
    ];
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--" {
            return it.next().cloned();
        }
        if a.starts_with('-') {
            if WITH_VALUE.contains(&a.as_str()) {
                it.next();
            }
            continue;
        }
        return Some(a.clone());
    }
    None
}

/// Translated processes that matter for Go work (all of them with `everything`).
pub fn translated(everything: bool) -> Vec<TranslatedProcess> {
    let mut found = imp::list();
    found.retain(|p| everything || kind_of(&p.name) != Kind::Other);
    found.sort_by_key(|p| p.pid);
    found
}

#[cfg(target_os = "linux")]
mod imp {
    use std::fs;
    use std::path::{Path, PathBuf};

    use super::{TranslatedProcess, guest_from_cmdline, is_emulator, kind_of, why};

    pub(super) fn list() -> Vec<TranslatedProcess> {
        let interpreters = binfmt_interpreters();
        let Ok(rd) = fs::read_dir("/proc") else {
            return Vec::new();
        };
        rd.flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter_map(|pid| {
                // Other users' processes and kernel threads have no readable exe: skip them.
                let exe = fs::read_link(format!("/proc/{pid}/exe")).ok()?;
                if !is_emulator(&exe) && !interpreters.contains(&exe) {
                    return None;
                }
                let cmdline = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
                let args: Vec<String> = cmdline
                    .split(|&b| b == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                let guest = guest_from_cmdline(&args)?;
                let name = Path::new(&guest)
                    .file_name()?
                    .to_string_lossy()
                    .into_owned();
                Some(TranslatedProcess {
                    pid,
                    why: why(kind_of(&name)).to_string(),
                    name,
                    exe: PathBuf::from(guest),
                    translator: exe.display().to_string(),
                })
            })
            .collect()
    }

    /// Interpreters of the enabled binfmt_misc entries.
    fn binfmt_interpreters() -> Vec<PathBuf> {
        let Ok(rd) = fs::read_dir("/proc/sys/fs/binfmt_misc") else {
            return Vec::new();
        };
        rd.flatten()
            .filter_map(|e| fs::read_to_string(e.path()).ok())
            .filter_map(|text| crate::procs::binfmt_interpreter(&text))
            .collect()
    }
}

#[cfg(target_os = "macos")]
mod imp {
    use std::path::PathBuf;

    use super::{TranslatedProcess, kind_of, why};
    use crate::host::flags_say_translated;

    pub(super) fn list() -> Vec<TranslatedProcess> {
        let mut pids = vec![0 as libc::pid_t; 4096];
        // SAFETY: the buffer is valid for `len * size_of::<pid_t>()` bytes, which is the size
        // passed; the call writes at most that many.
        let n = unsafe {
            libc::proc_listallpids(
                pids.as_mut_ptr().cast(),
                (pids.len() * std::mem::size_of::<libc::pid_t>()) as libc::c_int,
            )
        };
        if n <= 0 {
            return Vec::new();
        }
        pids.truncate(n as usize);
        pids.into_iter()
            .filter(|&pid| pid > 0)
            .filter_map(|pid| {
                // SAFETY: proc_bsdinfo is plain old data; zeroed is a valid value.
                let mut info: libc::proc_bsdinfo = unsafe { std::mem::zeroed() };
                let size = std::mem::size_of::<libc::proc_bsdinfo>() as libc::c_int;
                // SAFETY: `info` is valid for `size` bytes of writes.
                let got = unsafe {
                    libc::proc_pidinfo(pid, libc::PROC_PIDTBSDINFO, 0, (&raw mut info).cast(), size)
                };
                if got != size || !flags_say_translated(info.pbi_flags) {
                    return None;
                }
                let name = c_chars(&info.pbi_name)
                    .or_else(|| c_chars(&info.pbi_comm))
                    .unwrap_or_default();
                let mut path = vec![0u8; libc::PROC_PIDPATHINFO_MAXSIZE as usize];
                // SAFETY: `path` is valid for its length in bytes, which is passed.
                let len =
                    unsafe { libc::proc_pidpath(pid, path.as_mut_ptr().cast(), path.len() as u32) };
                let exe = if len > 0 {
                    PathBuf::from(String::from_utf8_lossy(&path[..len as usize]).into_owned())
                } else {
                    PathBuf::from(&name)
                };
                Some(TranslatedProcess {
                    pid: pid as u32,
                    why: why(kind_of(&name)).to_string(),
                    name,
                    exe,
                    translator: "Rosetta 2".into(),
                })
            })
            .collect()
    }

    fn c_chars(chars: &[libc::c_char]) -> Option<String> {
        let bytes: Vec<u8> = chars
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        (!bytes.is_empty()).then(|| String::from_utf8_lossy(&bytes).into_owned())
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
mod imp {
    pub(super) fn list() -> Vec<super::TranslatedProcess> {
        Vec::new()
    }
}

/// The interpreter of an enabled binfmt_misc entry (`fs/binfmt_misc.c` `entry_status`):
///
/// ```text
/// enabled
/// interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
/// flags: PF
/// offset 0
/// magic 7f454c460201010000000000000000000200b700
/// ```
pub fn binfmt_interpreter(entry: &str) -> Option<PathBuf> {
    let mut lines = entry.lines();
    if lines.next()? != "enabled" {
        return None;
    }
    lines
        .find_map(|l| l.strip_prefix("interpreter "))
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_programs() {
        assert_eq!(kind_of("-zsh"), Kind::Shell);
        assert_eq!(kind_of("iTerm2"), Kind::Terminal);
        assert_eq!(kind_of("gopls"), Kind::GoTool);
        assert_eq!(kind_of("go1.22.5"), Kind::GoTool);
        assert_eq!(kind_of("Code Helper (Renderer)"), Kind::Editor);
        assert_eq!(kind_of("Spotify"), Kind::Other);
    }

    #[test]
    fn guests_from_emulator_command_lines() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            guest_from_cmdline(&v(&["/usr/bin/qemu-aarch64", "./gopls", "serve"])).as_deref(),
            Some("./gopls")
        );
        assert_eq!(
            guest_from_cmdline(&v(&[
                "qemu-aarch64",
                "-L",
                "/usr/aarch64-linux-gnu",
                "-cpu",
                "max",
                "/bin/dlv"
            ]))
            .as_deref(),
            Some("/bin/dlv")
        );
        // binfmt_misc with the P flag: interpreter, full path, original argv[0].
        assert_eq!(
            guest_from_cmdline(&v(&[
                "/usr/libexec/qemu-binfmt/aarch64-binfmt-P",
                "/usr/local/go/bin/go",
                "go",
                "build"
            ]))
            .as_deref(),
            Some("/usr/local/go/bin/go")
        );
        assert_eq!(guest_from_cmdline(&v(&["qemu-x86_64", "-strace"])), None);
    }

    #[test]
    fn emulators_and_binfmt_entries() {
        assert!(is_emulator(Path::new("/usr/bin/qemu-aarch64-static")));
        assert!(is_emulator(Path::new("/usr/bin/FEXInterpreter")));
        assert!(!is_emulator(Path::new("/usr/bin/zsh")));
        let entry = "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\noffset 0\nmagic 7f45\n";
        assert_eq!(
            binfmt_interpreter(entry),
            Some(PathBuf::from("/usr/libexec/qemu-binfmt/aarch64-binfmt-P"))
        );
        assert_eq!(binfmt_interpreter("disabled\ninterpreter /x\n"), None);
    }
}
