//! Facts about the host beyond its OS and architecture: whether gowarden itself runs under
//! Rosetta, whether Rosetta is installed, which Command Line Tools / Xcode is selected, and
//! whether both Homebrew prefixes exist.
//!
//! macOS system calls stay in small `imp` functions; the decisions they feed are portable.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::binary::{self, Format, Inspector};
use crate::context::{Context, Host};
use crate::platform::{Arch, Os};

/// Where Rosetta 2's runtime lives once installed (`softwareupdate --install-rosetta`). A
/// community convention rather than an Apple-documented test (FACTS.md §5.4): the oahd daemon
/// sits on the sealed system volume whether or not Rosetta is installed, this file does not.
pub const ROSETTA_RUNTIME: &str = "/Library/Apple/usr/share/rosetta/rosetta";

/// The host, as the doctor reports it under `host`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HostFacts {
    /// OS and architecture of the machine, Go's names (on an arm64 Mac, `arm64` even when
    /// gowarden itself runs under Rosetta).
    #[serde(flatten)]
    pub host: Host,
    /// The architecture gowarden itself runs as (its build): `amd64` under Rosetta on an
    /// arm64 host, where `arch` says `arm64`.
    pub process_arch: Arch,
    /// gowarden itself runs translated (`sysctl.proc_translated`). `None` when judging another
    /// host (`GOWARDEN_HOST`) or where the kernel cannot tell (Linux: qemu-user hides itself
    /// from the guest).
    pub translated: Option<bool>,
    /// Rosetta 2 is installed (arm64 Macs only; see [`ROSETTA_RUNTIME`]).
    pub rosetta: Option<bool>,
    /// The selected developer directory (macOS only).
    pub developer_dir: Option<DeveloperDir>,
    /// Homebrew prefixes present, and the `go` each provides.
    pub homebrew: Vec<HomebrewPrefix>,
    /// The OS as a person knows it: `macOS 15.1`, `Debian GNU/Linux 12` (from `sysinfo`).
    /// Absent when judging another host or root (`GOWARDEN_HOST`, `GOWARDEN_ROOT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    /// The processor by its marketing name: `Apple M3 Pro` (from `sysinfo`). Absent when
    /// judging another host or root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip: Option<String>,
}

/// The active developer directory and whether it can compile C.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DeveloperDir {
    /// The directory, when one is selected.
    #[serde(serialize_with = "crate::serde_opt_path")]
    pub path: Option<PathBuf>,
    /// Where the selection came from.
    pub source: DeveloperDirSource,
    /// What kind of developer directory it is.
    pub kind: DeveloperDirKind,
    /// The directory exists.
    pub exists: bool,
    /// `usr/bin/xcrun` exists in it: cgo's `clang` shim can find a compiler.
    pub xcrun: bool,
}

/// Where the active developer directory was read from, in the order Apple's tools look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeveloperDirSource {
    /// The `DEVELOPER_DIR` environment variable.
    #[serde(rename = "DEVELOPER_DIR")]
    DeveloperDir,
    /// The link `xcode-select --switch` writes, `/var/db/xcode_select_link`.
    XcodeSelectLink,
    /// `xcode-select -p` on this Mac.
    XcodeSelect,
    /// Nothing is selected.
    None,
}

impl DeveloperDirSource {
    /// The report's spelling: `DEVELOPER_DIR`, `xcode-select-link`, `xcode-select`, `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeveloperDirSource::DeveloperDir => "DEVELOPER_DIR",
            DeveloperDirSource::XcodeSelectLink => "xcode-select-link",
            DeveloperDirSource::XcodeSelect => "xcode-select",
            DeveloperDirSource::None => "none",
        }
    }

    /// The source in words, for messages: "set by DEVELOPER_DIR".
    pub fn words(self) -> &'static str {
        match self {
            DeveloperDirSource::DeveloperDir => "set by DEVELOPER_DIR",
            DeveloperDirSource::XcodeSelectLink => {
                "selected with xcode-select (/var/db/xcode_select_link)"
            }
            DeveloperDirSource::XcodeSelect => "as xcode-select -p prints it",
            DeveloperDirSource::None => "none is selected",
        }
    }
}

impl std::fmt::Display for DeveloperDirSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a developer directory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeveloperDirKind {
    /// `/Library/Developer/CommandLineTools`.
    CommandLineTools,
    /// An Xcode bundle's `Contents/Developer`.
    Xcode,
    /// Anything else.
    Other,
}

impl DeveloperDirKind {
    /// The report's spelling: `command-line-tools`, `xcode`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeveloperDirKind::CommandLineTools => "command-line-tools",
            DeveloperDirKind::Xcode => "xcode",
            DeveloperDirKind::Other => "other",
        }
    }

    /// The kind in words, for messages: "the Command Line Tools".
    pub fn words(self) -> &'static str {
        match self {
            DeveloperDirKind::CommandLineTools => "the Command Line Tools",
            DeveloperDirKind::Xcode => "Xcode",
            DeveloperDirKind::Other => {
                "a developer directory that is neither Xcode nor the Command Line Tools"
            }
        }
    }
}

impl std::fmt::Display for DeveloperDirKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Homebrew installation prefix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HomebrewPrefix {
    /// `/opt/homebrew` (arm64) or `/usr/local` (Intel).
    #[serde(serialize_with = "crate::serde_path")]
    pub prefix: PathBuf,
    /// The architecture that prefix serves.
    pub arch: Arch,
    /// The Go version its `bin/go` runs, when it has one.
    pub go: Option<String>,
}

/// Gathers the host facts for `ctx`.
pub fn facts(ctx: &Context, inspector: &mut Inspector) -> HostFacts {
    let host = ctx.host().clone();
    let darwin = host.os == Os::Darwin;
    // Facts read from the running system only describe the machine judged when it is this one.
    let this_machine = !ctx.host_overridden() && !ctx.root_overridden();
    HostFacts {
        translated: if ctx.host_overridden() {
            None
        } else {
            imp::self_translated()
        },
        rosetta: (darwin && host.arch == Arch::Arm64)
            .then(|| ctx.system(ROSETTA_RUNTIME).is_file()),
        developer_dir: darwin.then(|| developer_dir(ctx)),
        homebrew: if darwin {
            homebrew_prefixes(ctx, inspector)
        } else {
            Vec::new()
        },
        os_version: this_machine.then(os_version).flatten(),
        chip: this_machine.then(chip).flatten(),
        host,
        process_arch: crate::context::process_arch(),
    }
}

/// `macOS 15.1`, `Debian GNU/Linux 12`: the OS's name (Darwin is macOS to a person) and
/// version.
fn os_version() -> Option<String> {
    let name = sysinfo::System::name()?;
    let name = if name == "Darwin" {
        "macOS".to_string()
    } else {
        name
    };
    Some(match sysinfo::System::os_version() {
        Some(v) => format!("{name} {v}"),
        None => name,
    })
}

/// The first CPU's brand string (`machdep.cpu.brand_string` on a Mac, `model name` in
/// /proc/cpuinfo on Linux).
fn chip() -> Option<String> {
    let sys = sysinfo::System::new_with_specifics(
        sysinfo::RefreshKind::nothing().with_cpu(sysinfo::CpuRefreshKind::nothing()),
    );
    sys.cpus()
        .first()
        .map(|c| c.brand().trim().to_string())
        .filter(|b| !b.is_empty())
}

/// `DEVELOPER_DIR`, else the `xcode-select` link, else (on a real Mac) `xcode-select -p`.
fn developer_dir(ctx: &Context) -> DeveloperDir {
    let (path, source) = if let Some(d) = ctx.var("DEVELOPER_DIR") {
        // An absolute value is a system location (rooted under GOWARDEN_ROOT); a relative one
        // is relative to the real working directory.
        let d = Path::new(d);
        let d = if d.is_absolute() {
            ctx.system(&d.to_string_lossy())
        } else {
            d.to_path_buf()
        };
        (
            Some(normalize_developer_dir(&d, ctx.cwd())),
            DeveloperDirSource::DeveloperDir,
        )
    } else if let Ok(target) = fs::read_link(ctx.system("/var/db/xcode_select_link")) {
        (
            Some(ctx.system(&target.to_string_lossy())),
            DeveloperDirSource::XcodeSelectLink,
        )
    } else if let Some(p) = (!ctx.root_overridden())
        .then(imp::xcode_select_print_path)
        .flatten()
    {
        (Some(p), DeveloperDirSource::XcodeSelect)
    } else {
        (None, DeveloperDirSource::None)
    };
    describe_developer_dir(path, source)
}

/// A `DEVELOPER_DIR` value as Apple's tools read it (xcrun, xcode-select `--switch`): relative
/// to `cwd` when relative, without trailing `/` or `.` parts, and an Xcode bundle
/// (`/Applications/Xcode.app`, or its `Contents`) means its `Contents/Developer`.
pub fn normalize_developer_dir(value: &Path, cwd: &Path) -> PathBuf {
    let joined = if value.is_absolute() {
        value.to_path_buf()
    } else {
        cwd.join(value)
    };
    // Rebuilding from components drops trailing slashes and `.` parts.
    let dir: PathBuf = joined.components().collect();
    let is_app = |p: &Path| p.extension().is_some_and(|e| e == "app");
    if is_app(&dir) {
        dir.join("Contents/Developer")
    } else if dir.file_name().is_some_and(|n| n == "Contents") && dir.parent().is_some_and(is_app) {
        dir.join("Developer")
    } else {
        dir
    }
}

/// Classifies a developer directory and checks for `xcrun` in it.
pub fn describe_developer_dir(path: Option<PathBuf>, source: DeveloperDirSource) -> DeveloperDir {
    let kind = match &path {
        Some(p) if p.ends_with("CommandLineTools") => DeveloperDirKind::CommandLineTools,
        Some(p) if p.to_string_lossy().contains(".app/Contents/Developer") => {
            DeveloperDirKind::Xcode
        }
        _ => DeveloperDirKind::Other,
    };
    let exists = path.as_deref().is_some_and(Path::is_dir);
    let xcrun = path
        .as_deref()
        .is_some_and(|p| p.join("usr/bin/xcrun").is_file());
    DeveloperDir {
        path,
        source,
        kind,
        exists,
        xcrun,
    }
}

fn homebrew_prefixes(ctx: &Context, inspector: &mut Inspector) -> Vec<HomebrewPrefix> {
    // Apple Silicon Homebrew lives in /opt/homebrew; Intel (and Rosetta) Homebrew keeps its
    // repository in /usr/local/Homebrew.
    crate::install::HOMEBREWS
        .into_iter()
        .filter_map(|b| b.mac_arch.map(|arch| (b.prefix, b.repository, arch)))
        .filter(|(_, repository, _)| ctx.system(repository).is_dir())
        .map(|(prefix, _, arch)| {
            let prefix = ctx.system(prefix);
            let go = prefix.join("bin/go");
            let go = go.exists().then(|| {
                let i = inspector.inspect(&go);
                let archs: Vec<_> = i.slices.iter().map(|s| s.arch.to_string()).collect();
                match i.go() {
                    Some(g) => format!("{} ({})", g.version, archs.join("+")),
                    None => "a go that is not a readable Go binary".to_string(),
                }
            });
            HomebrewPrefix { prefix, arch, go }
        })
        .collect()
}

/// Whether a binary can run on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "how")]
pub enum Runs {
    /// A slice matches the host.
    Native,
    /// Only under a translator (Rosetta 2, qemu-user through binfmt_misc).
    Translated {
        /// The translator.
        by: String,
    },
    /// Not at all.
    No {
        /// Why not.
        reason: String,
    },
}

/// The slice this host would run: its own architecture, else one it can translate.
pub fn host_slice<'a>(
    host: &Host,
    inspection: &'a binary::Inspection,
) -> Option<&'a binary::Slice> {
    let native = |s: &&binary::Slice| s.os == host.os && s.arch == host.arch;
    inspection
        .slices
        .iter()
        .find(native)
        .or_else(|| inspection.primary_slice())
}

/// Whether `inspection`'s binary runs on the context's host, and how.
pub fn runs_on(ctx: &Context, inspection: &binary::Inspection) -> Runs {
    let host = ctx.host();
    match inspection.format {
        Format::Script => return Runs::Native,
        Format::Unknown => {
            return Runs::No {
                reason: "it is not an executable format this host loads".into(),
            };
        }
        _ => {}
    }
    if host_slice(host, inspection).is_some_and(|s| s.os == host.os && s.arch == host.arch) {
        return Runs::Native;
    }
    let same_os: Vec<_> = inspection
        .slices
        .iter()
        .filter(|s| s.os == host.os)
        .collect();
    if same_os.is_empty() {
        let oses: Vec<_> = inspection
            .slices
            .iter()
            .map(|s| format!("{}/{}", s.os, s.arch))
            .collect();
        return Runs::No {
            reason: format!("it is built for {}, not {}", oses.join(", "), host.name()),
        };
    }
    let archs = same_os
        .iter()
        .map(|s| s.arch.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    match host.os {
        Os::Darwin
            if host.arch == Arch::Arm64 && same_os.iter().all(|s| s.arch == Arch::Arm64e) =>
        {
            Runs::No {
                reason: ARM64E_REASON.into(),
            }
        }
        Os::Darwin if host.arch == Arch::Arm64 && same_os.iter().any(|s| s.arch == Arch::Amd64) => {
            if ctx.system(ROSETTA_RUNTIME).is_file() {
                Runs::Translated {
                    by: "Rosetta 2".into(),
                }
            } else {
                Runs::No {
                    reason: "it is an Intel (amd64) build and Rosetta 2 is not installed \
                             (softwareupdate --install-rosetta --agree-to-license)"
                        .into(),
                }
            }
        }
        Os::Linux => match same_os.iter().find_map(|s| linux_translator(ctx, &s.arch)) {
            Some(by) => Runs::Translated { by },
            None => Runs::No {
                reason: format!(
                    "it is built for {archs}, and no binfmt_misc emulator for it is registered on this {} host",
                    host.arch
                ),
            },
        },
        _ => Runs::No {
            reason: format!(
                "it is built for {archs}, which a {} host cannot run",
                host.name()
            ),
        },
    }
}

/// Why an arm64e-only binary is not native on an arm64 Mac (FACTS.md §4.1): arm64e is the
/// pointer-authentication ABI Apple builds its own system code with; Go never produces it, and
/// macOS loads third-party arm64e code only after the boot argument is set.
pub const ARM64E_REASON: &str = "it is built only for arm64e, the pointer-authentication ABI Apple \
     reserves for its own system code: Go never produces arm64e, and macOS runs third-party \
     arm64e programs only with the -arm64e_preview_abi boot argument; install a darwin-arm64 build";

/// An enabled binfmt_misc entry that emulates `arch` (qemu-user names its entries
/// `qemu-<machine>`; Rosetta for Linux registers `rosetta` for x86-64).
fn linux_translator(ctx: &Context, arch: &Arch) -> Option<String> {
    let names: &[&str] = match arch.as_str() {
        "arm64" => &["qemu-aarch64"],
        "amd64" => &["qemu-x86_64", "rosetta"],
        "386" => &["qemu-i386"],
        "arm" => &["qemu-arm"],
        "riscv64" => &["qemu-riscv64"],
        _ => &[],
    };
    let dir = ctx.system("/proc/sys/fs/binfmt_misc");
    names.iter().find_map(|n| {
        let text = fs::read_to_string(dir.join(n)).ok()?;
        text.lines()
            .next()
            .is_some_and(|l| l == "enabled")
            .then(|| format!("{n} (binfmt_misc)"))
    })
}

/// `PROC_FLAG_ROSETTA` in `proc_bsdinfo.pbi_flags` (xnu `bsd/sys/proc_info_private.h`, set
/// from `P_TRANSLATED`; FACTS.md §5.2).
pub const PROC_FLAG_ROSETTA: u32 = 0x0200_0000;

/// Whether a `pbi_flags` word marks a process as running under Rosetta.
pub fn flags_say_translated(pbi_flags: u32) -> bool {
    pbi_flags & PROC_FLAG_ROSETTA != 0
}

/// Whether `sysctlbyname("sysctl.proc_translated")`'s outcome means "translated": `Ok(1)` yes,
/// `Ok(0)` no, `ENOENT` (kernels without Rosetta) no, anything else unknown.
pub fn proc_translated_outcome(result: Result<i32, i32>) -> Option<bool> {
    match result {
        Ok(v) => Some(v == 1),
        Err(errno) if errno == libc::ENOENT => Some(false),
        Err(_) => None,
    }
}

#[cfg(target_os = "macos")]
mod imp {
    use std::ffi::OsStr;
    use std::path::{Path, PathBuf};

    pub(super) fn self_translated() -> Option<bool> {
        super::proc_translated_outcome(crate::context::imp::sysctl_int(c"sysctl.proc_translated"))
    }

    pub(super) fn xcode_select_print_path() -> Option<PathBuf> {
        let out = crate::process::run(
            Path::new("/usr/bin/xcode-select"),
            &[OsStr::new("-p")],
            [("PATH", "/usr/bin:/bin")],
            super::XCODE_SELECT_TIMEOUT,
        )
        .ok()?;
        if out.code != Some(0) {
            return None;
        }
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (!text.is_empty()).then(|| PathBuf::from(text))
    }
}

#[cfg(not(target_os = "macos"))]
mod imp {
    use std::path::PathBuf;

    /// Linux: the kernel does not tell a qemu-user guest that it is one.
    pub(super) fn self_translated() -> Option<bool> {
        None
    }

    pub(super) fn xcode_select_print_path() -> Option<PathBuf> {
        None
    }
}

/// `xcode-select -p` answers at once; a hung one must not hold up a scan.
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
const XCODE_SELECT_TIMEOUT: Duration = Duration::from_secs(3);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_flag_words() {
        assert!(flags_say_translated(0x0200_0000 | 0x10));
        assert!(!flags_say_translated(0x0000_4011));
        assert_eq!(proc_translated_outcome(Ok(1)), Some(true));
        assert_eq!(proc_translated_outcome(Ok(0)), Some(false));
        assert_eq!(
            proc_translated_outcome(Err(libc::ENOENT)),
            Some(false),
            "no Rosetta in the kernel: native"
        );
        assert_eq!(proc_translated_outcome(Err(libc::EPERM)), None);
    }

    #[test]
    fn report_says_both_the_host_and_what_gowarden_runs_as() {
        let facts = HostFacts {
            host: "darwin/arm64".parse().unwrap(),
            process_arch: crate::context::process_arch(),
            translated: Some(true),
            rosetta: Some(true),
            developer_dir: None,
            homebrew: Vec::new(),
            os_version: None,
            chip: None,
        };
        let json = serde_json::to_value(&facts).unwrap();
        assert_eq!(json["os"], "darwin");
        assert_eq!(json["arch"], "arm64");
        assert_eq!(
            json["process_arch"],
            crate::context::process_arch().as_str(),
            "the build gowarden runs as"
        );
        assert_eq!(json["translated"], true);
    }

    fn macho(archs: &[Arch]) -> binary::Inspection {
        let slice = |arch: &Arch| binary::Slice {
            os: Os::Darwin,
            arch: arch.clone(),
            go: None,
            signature: Some(binary::Signature::Adhoc),
            min_os: None,
            kind: "executable",
            offset: 0,
            size: 1,
        };
        binary::Inspection {
            path: "/x/go".into(),
            format: if archs.len() > 1 {
                Format::Fat
            } else {
                Format::Macho
            },
            slices: archs.iter().map(slice).collect(),
            signature: None,
            min_os: None,
            interpreter: None,
            interpreter_args: None,
            quarantine: None,
            size: Some(1),
            error: None,
        }
    }

    #[test]
    fn arm64e_is_not_native_on_an_arm64_mac() {
        let root = tempfile::tempdir().unwrap();
        let ctx = Context::fake(
            &[],
            "darwin/arm64",
            root.path().to_str().unwrap(),
            Path::new("/"),
        );
        let only_e = macho(&[Arch::Arm64e]);
        match runs_on(&ctx, &only_e) {
            Runs::No { reason } => {
                assert!(
                    reason.contains("arm64e") && reason.contains("boot argument"),
                    "{reason}"
                );
            }
            other => panic!("arm64e-only ran as {other:?}"),
        }
        // A fat arm64 + arm64e file runs its arm64 slice.
        let both = macho(&[Arch::Arm64e, Arch::Arm64]);
        assert_eq!(runs_on(&ctx, &both), Runs::Native);
        assert_eq!(
            host_slice(ctx.host(), &both).map(|s| &s.arch),
            Some(&Arch::Arm64)
        );
        assert_eq!(runs_on(&ctx, &macho(&[Arch::Arm64])), Runs::Native);
        // arm64e + x86_64 without Rosetta: the Intel slice is what could run.
        match runs_on(&ctx, &macho(&[Arch::Arm64e, Arch::Amd64])) {
            Runs::No { reason } => {
                assert!(reason.contains("Rosetta 2 is not installed"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn developer_dir_kinds() {
        let d = tempfile::tempdir().unwrap();
        let clt = d.path().join("Library/Developer/CommandLineTools");
        fs::create_dir_all(clt.join("usr/bin")).unwrap();
        fs::write(clt.join("usr/bin/xcrun"), b"").unwrap();
        let ok = describe_developer_dir(Some(clt.clone()), DeveloperDirSource::XcodeSelectLink);
        assert_eq!(
            (ok.kind, ok.exists, ok.xcrun),
            (DeveloperDirKind::CommandLineTools, true, true)
        );
        let xcode = describe_developer_dir(
            Some("/Applications/Xcode.app/Contents/Developer".into()),
            DeveloperDirSource::DeveloperDir,
        );
        assert_eq!(
            (xcode.kind, xcode.exists, xcode.xcrun),
            (DeveloperDirKind::Xcode, false, false)
        );
        assert_eq!(
            describe_developer_dir(None, DeveloperDirSource::None).kind,
            DeveloperDirKind::Other
        );
    }

    #[test]
    fn developer_dir_json_keeps_its_strings() {
        let dev = describe_developer_dir(
            Some("/Applications/Xcode.app/Contents/Developer".into()),
            DeveloperDirSource::DeveloperDir,
        );
        let json = serde_json::to_value(&dev).unwrap();
        assert_eq!(
            (json["source"].as_str(), json["kind"].as_str()),
            (Some("DEVELOPER_DIR"), Some("xcode"))
        );
        for (source, text) in [
            (DeveloperDirSource::DeveloperDir, "DEVELOPER_DIR"),
            (DeveloperDirSource::XcodeSelectLink, "xcode-select-link"),
            (DeveloperDirSource::XcodeSelect, "xcode-select"),
            (DeveloperDirSource::None, "none"),
        ] {
            assert_eq!(serde_json::to_value(source).unwrap(), text);
            assert_eq!(source.to_string(), text);
            let back: DeveloperDirSource = serde_json::from_value(text.into()).unwrap();
            assert_eq!(back, source);
        }
        for (kind, text) in [
            (DeveloperDirKind::CommandLineTools, "command-line-tools"),
            (DeveloperDirKind::Xcode, "xcode"),
            (DeveloperDirKind::Other, "other"),
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), text);
            assert_eq!(kind.to_string(), text);
        }
    }

    #[test]
    fn developer_dir_is_read_as_apple_tools_read_it() {
        let cwd = Path::new("/Users/me/src");
        let developer = PathBuf::from("/Applications/Xcode.app/Contents/Developer");
        for value in [
            "/Applications/Xcode.app",
            "/Applications/Xcode.app/",
            "/Applications/Xcode.app/Contents",
            "/Applications/Xcode.app/Contents/",
            "/Applications/Xcode.app/Contents/Developer",
            "/Applications/Xcode.app/Contents/Developer/",
            "/Applications/./Xcode.app",
        ] {
            assert_eq!(
                normalize_developer_dir(Path::new(value), cwd),
                developer,
                "{value}"
            );
        }
        assert_eq!(
            normalize_developer_dir(Path::new("Xcode-beta.app"), Path::new("/Applications")),
            PathBuf::from("/Applications/Xcode-beta.app/Contents/Developer"),
            "relative to the working directory"
        );
        assert_eq!(
            normalize_developer_dir(Path::new("/Library/Developer/CommandLineTools/"), cwd),
            PathBuf::from("/Library/Developer/CommandLineTools")
        );
        // Normalised, an Xcode bundle is Xcode, not "other" (the false missing-clt).
        let d = describe_developer_dir(
            Some(normalize_developer_dir(
                Path::new("/Applications/Xcode.app/"),
                cwd,
            )),
            DeveloperDirSource::DeveloperDir,
        );
        assert_eq!(d.kind, DeveloperDirKind::Xcode);
    }

    #[test]
    fn developer_dir_env_is_rooted_and_an_app_means_its_developer_dir() {
        let root = tempfile::tempdir().unwrap();
        let dev = root
            .path()
            .join("Applications/Xcode.app/Contents/Developer");
        fs::create_dir_all(dev.join("usr/bin")).unwrap();
        fs::write(dev.join("usr/bin/xcrun"), b"").unwrap();
        let ctx = Context::fake(
            &[("DEVELOPER_DIR", "/Applications/Xcode.app/")],
            "darwin/arm64",
            root.path().to_str().unwrap(),
            Path::new("/work"),
        );
        let d = developer_dir(&ctx);
        assert_eq!(d.path.as_deref(), Some(dev.as_path()));
        assert_eq!(d.source, DeveloperDirSource::DeveloperDir);
        assert!(d.exists && d.xcrun, "{d:?}");
        // Relative: to the working directory, which is not re-rooted.
        let rel = Context::fake(
            &[("DEVELOPER_DIR", "Xcode.app")],
            "darwin/arm64",
            root.path().to_str().unwrap(),
            &root.path().join("Applications"),
        );
        assert_eq!(developer_dir(&rel).path.as_deref(), Some(dev.as_path()));
    }
}
