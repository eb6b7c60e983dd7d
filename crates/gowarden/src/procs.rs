//! Processes running under translation: Rosetta on macOS, binfmt_misc/qemu-user (or FEX, box64,
//! Rosetta for Linux) on Linux. A Rosetta terminal makes `uname -m` say x86_64, and everything
//! started from it (installers, `go`, `gopls`) then picks amd64.
//!
//! Listing stays cheap: macOS reads one short `proc_pidinfo` per pid (answered for every
//! user's processes) and a path only for translated ones; Linux reads one `/proc/<pid>/exe` link per pid and a command line only for emulated
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

    use super::{TranslatedProcess, kind_of, pid_capacity, pid_list_complete, process_name, why};
    use crate::host::flags_say_translated;

    pub(super) fn list() -> Vec<TranslatedProcess> {
        all_pids()
            .into_iter()
            .filter(|&pid| pid > 0)
            .filter_map(|pid| {
                // The short form, unlike PROC_PIDTBSDINFO, is answered for other users'
                // processes too (xnu proc_info.c), and its flags carry PROC_FLAG_ROSETTA.
                // SAFETY: proc_bsdshortinfo is plain old data; zeroed is a valid value.
                let mut info: libc::proc_bsdshortinfo = unsafe { std::mem::zeroed() };
                let size = std::mem::size_of::<libc::proc_bsdshortinfo>() as libc::c_int;
                // SAFETY: `info` is valid for `size` bytes of writes.
                let got = unsafe {
                    libc::proc_pidinfo(
                        pid,
                        libc::PROC_PIDT_SHORTBSDINFO,
                        0,
                        (&raw mut info).cast(),
                        size,
                    )
                };
                if got != size || !flags_say_translated(info.pbsi_flags) {
                    return None;
                }
                let comm = c_chars(&info.pbsi_comm).unwrap_or_default();
                let exe = pid_path(pid);
                let name = process_name(exe.as_deref(), &comm);
                Some(TranslatedProcess {
                    pid: pid as u32,
                    why: why(kind_of(&name)).to_string(),
                    exe: exe.unwrap_or_else(|| PathBuf::from(&name)),
                    name,
                    translator: "Rosetta 2".into(),
                })
            })
            .collect()
    }

    /// Every pid, with a buffer sized from the kernel's count and asked again while it came
    /// back full (processes started in between).
    fn all_pids() -> Vec<libc::pid_t> {
        let mut last = Vec::new();
        for _ in 0..4 {
            // SAFETY: a null buffer of size 0 only asks for the number of processes.
            let count = unsafe { libc::proc_listallpids(std::ptr::null_mut(), 0) };
            let Ok(count) = usize::try_from(count) else {
                return last;
            };
            let capacity = pid_capacity(count);
            let mut pids = vec![0 as libc::pid_t; capacity];
            let bytes = (capacity * std::mem::size_of::<libc::pid_t>()) as libc::c_int;
            // SAFETY: the buffer is valid for `bytes` bytes, which is the size passed; the
            // call writes at most that many.
            let n = unsafe { libc::proc_listallpids(pids.as_mut_ptr().cast(), bytes) };
            let Ok(n) = usize::try_from(n) else {
                return last;
            };
            pids.truncate(n.min(capacity));
            if pid_list_complete(n, capacity) {
                return pids;
            }
            last = pids;
        }
        last
    }

    /// The executable of `pid` (`proc_pidpath`, also answered for other users' processes).
    fn pid_path(pid: libc::pid_t) -> Option<PathBuf> {
        let mut path = vec![0u8; libc::PROC_PIDPATHINFO_MAXSIZE as usize];
        // SAFETY: `path` is valid for its length in bytes, which is passed.
        let len = unsafe { libc::proc_pidpath(pid, path.as_mut_ptr().cast(), path.len() as u32) };
        let len = usize::try_from(len).ok().filter(|&l| l > 0)?;
        path.truncate(len);
        Some(PathBuf::from(String::from_utf8_lossy(&path).into_owned()))
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

/// How many pids to make room for when the kernel counts `count` processes: a margin for those
/// started between counting and listing.
pub fn pid_capacity(count: usize) -> usize {
    count + (count / 8).max(64)
}

/// Whether a pid listing that filled `filled` of `capacity` slots is whole. A full buffer may
/// have cut the list short (more processes started since counting), so list again.
pub fn pid_list_complete(filled: usize, capacity: usize) -> bool {
    filled < capacity
}

/// A process's name for classifying it: the basename of its executable when known (the
/// kernel's `p_comm` is cut at 16 bytes: `Code Helper (Ren`), else that short name.
pub fn process_name(exe: Option<&Path>, comm: &str) -> String {
    exe.and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| comm.to_string())
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
    fn pid_buffer_is_sized_from_the_count_and_relisted_when_full() {
        assert_eq!(pid_capacity(0), 64);
        assert_eq!(pid_capacity(300), 364);
        assert_eq!(pid_capacity(700), 787);
        assert_eq!(
            pid_capacity(8000),
            9000,
            "more processes than the old fixed 4096"
        );
        assert!(pid_list_complete(700, 787));
        assert!(
            !pid_list_complete(764, 764),
            "a full buffer may have cut the list"
        );
    }

    #[test]
    fn names_come_from_the_executable_path() {
        assert_eq!(
            process_name(
                Some(Path::new(
                    "/Applications/Visual Studio Code.app/Contents/Frameworks/Code Helper (Renderer).app/Contents/MacOS/Code Helper (Renderer)"
                )),
                "Code Helper (Ren"
            ),
            "Code Helper (Renderer)"
        );
        assert_eq!(kind_of(&process_name(None, "zsh")), Kind::Shell);
        assert_eq!(
            process_name(
                Some(Path::new("/Applications/iTerm.app/Contents/MacOS/iTerm2")),
                "iTerm2"
            ),
            "iTerm2"
        );
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
