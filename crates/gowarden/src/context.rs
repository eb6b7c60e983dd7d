//! The one seam to the outside: environment variables, where well-known system locations are
//! rooted, which host to judge for, the working directory, and who we are.
//!
//! Scans read the machine only through a [`Context`], so tests (and "preview another machine")
//! build one over a temp dir instead of touching the real PATH, HOME or `/usr/local`.
//!
//! - `GOWARDEN_HOST=<goos>/<goarch>` judges as if on that host (e.g. `darwin/arm64`).
//! - `GOWARDEN_ROOT=<dir>` roots every well-known system location (`/usr/local`, `/opt/homebrew`,
//!   `/usr/lib`, `/etc/paths.d`, `/Library/...`) under `<dir>`. PATH entries are taken as given.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::platform::{Arch, Os};

/// The OS and architecture a scan judges binaries against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Host {
    /// `GOOS` of the host.
    pub os: Os,
    /// `GOARCH` of the host.
    pub arch: Arch,
}

impl Host {
    /// The machine this process runs on: its OS, and its CPU as the kernel reports it, which
    /// is not the compiled architecture when an x86_64 gowarden runs under Rosetta on an
    /// Apple Silicon Mac (see [`decide_host_arch`]).
    pub fn current() -> Host {
        let os = match std::env::consts::OS {
            "macos" => Os::Darwin,
            other => other.parse().unwrap_or(Os::Linux),
        };
        let arch = decide_host_arch(
            process_arch(),
            imp::sysctl_flag(c"sysctl.proc_translated"),
            imp::sysctl_flag(c"hw.optional.arm64"),
        );
        Host { os, arch }
    }

    /// `darwin/arm64`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.os, self.arch)
    }
}

/// The architecture gowarden itself was compiled for, and so runs as (translated or not).
pub fn process_arch() -> Arch {
    match std::env::consts::ARCH {
        "x86_64" => Arch::Amd64,
        "aarch64" => Arch::Arm64,
        "x86" => Arch::I386,
        "arm" => Arch::Arm,
        other => Arch::Other(other.to_string()),
    }
}

/// The host's CPU from the compiled architecture and what macOS's sysctls say (FACTS.md §5.1):
/// `sysctl.proc_translated` is 1 only for a process Rosetta translates, and
/// `hw.optional.arm64` is 1 on Apple Silicon, translated or not. Either one means an arm64
/// host; `None` (the OID is absent, as on Intel Macs and Linux) says nothing.
pub fn decide_host_arch(
    compiled: Arch,
    proc_translated: Option<bool>,
    hw_optional_arm64: Option<bool>,
) -> Arch {
    if proc_translated == Some(true) || hw_optional_arm64 == Some(true) {
        Arch::Arm64
    } else {
        compiled
    }
}

impl std::str::FromStr for Host {
    type Err = ContextError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ContextError::BadHost(s.to_string());
        let (os, arch) = s.split_once('/').ok_or_else(bad)?;
        if os.is_empty() || arch.is_empty() || arch.contains('/') {
            return Err(bad());
        }
        Ok(Host {
            os: os.parse().map_err(|_| bad())?,
            arch: arch.parse().map_err(|_| bad())?,
        })
    }
}

/// A context that could not be built from the process environment.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// `GOWARDEN_HOST` is not `<goos>/<goarch>`.
    #[error("GOWARDEN_HOST={0:?} is not of the form <goos>/<goarch> (for example darwin/arm64)")]
    BadHost(String),
    /// The working directory is gone or unreadable.
    #[error("cannot read the current directory: {0}; cd into an existing directory and retry")]
    Cwd(std::io::Error),
}

/// Everything a scan may know about the machine it runs on.
#[derive(Debug, Clone)]
pub struct Context {
    vars: BTreeMap<OsString, OsString>,
    root: PathBuf,
    host: Host,
    cwd: PathBuf,
    uid: u32,
    gid: u32,
    host_overridden: bool,
    root_overridden: bool,
    clock: fn() -> SystemTime,
}

impl Context {
    /// The real process: its environment, working directory and user, honouring
    /// `GOWARDEN_HOST` and `GOWARDEN_ROOT`.
    pub fn from_process() -> Result<Context, ContextError> {
        let vars: BTreeMap<_, _> = std::env::vars_os().collect();
        let host = match vars.get(OsStr::new("GOWARDEN_HOST")) {
            Some(h) => h.to_string_lossy().parse()?,
            None => Host::current(),
        };
        let root = vars
            .get(OsStr::new("GOWARDEN_ROOT"))
            .map_or_else(|| PathBuf::from("/"), PathBuf::from);
        let cwd = std::env::current_dir().map_err(ContextError::Cwd)?;
        Ok(Context::new(vars, root, host, cwd))
    }

    /// A context over explicit parts, for tests and for previewing another machine.
    pub fn new(
        vars: impl IntoIterator<Item = (OsString, OsString)>,
        root: PathBuf,
        host: Host,
        cwd: PathBuf,
    ) -> Context {
        let (uid, gid) = ids();
        let host_overridden = host != Host::current();
        let root_overridden = root != Path::new("/");
        Context {
            vars: vars.into_iter().collect(),
            root,
            host,
            cwd,
            uid,
            gid,
            host_overridden,
            root_overridden,
            clock: SystemTime::now,
        }
    }

    /// The same machine with another clock, for tests of what records a time.
    pub fn with_clock(self, clock: fn() -> SystemTime) -> Context {
        Context { clock, ..self }
    }

    /// The time now, by this context's clock (the system's unless a test set one).
    pub fn now(&self) -> SystemTime {
        (self.clock)()
    }

    /// The same machine seen through another environment (a login shell's): root, host, cwd
    /// and user are kept.
    pub fn with_vars(&self, vars: impl IntoIterator<Item = (OsString, OsString)>) -> Context {
        Context {
            vars: vars.into_iter().collect(),
            ..self.clone()
        }
    }

    /// All environment variables, for handing to a subprocess.
    pub fn vars(&self) -> impl Iterator<Item = (&OsString, &OsString)> {
        self.vars.iter()
    }

    /// The host being judged is not the one this process runs on (`GOWARDEN_HOST`): facts
    /// about this process (translation) do not apply to it.
    pub fn host_overridden(&self) -> bool {
        self.host_overridden
    }

    /// System locations are rooted elsewhere (`GOWARDEN_ROOT`): asking this machine's tools
    /// (`xcode-select`, `launchctl`) would describe the wrong machine.
    pub fn root_overridden(&self) -> bool {
        self.root_overridden
    }

    /// An environment variable, `None` when unset or empty (as Go treats empty).
    pub fn var(&self, name: &str) -> Option<&OsStr> {
        self.vars
            .get(OsStr::new(name))
            .map(OsString::as_os_str)
            .filter(|v| !v.is_empty())
    }

    /// An environment variable as text (lossy), `None` when unset or empty.
    pub fn var_str(&self, name: &str) -> Option<String> {
        self.var(name).map(|v| v.to_string_lossy().into_owned())
    }

    /// A well-known absolute system location (`/usr/local/go`), under `GOWARDEN_ROOT` if set.
    pub fn system(&self, abs: &str) -> PathBuf {
        self.root.join(abs.trim_start_matches('/'))
    }

    /// The `GOWARDEN_ROOT` (or `/`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The host binaries are judged against.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The working directory, where `go.mod`/`go.work` lookups start.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// `$HOME`, when set.
    pub fn home(&self) -> Option<PathBuf> {
        self.var("HOME").map(PathBuf::from)
    }

    /// `$HOME/<rel>`, when HOME is set.
    pub fn in_home(&self, rel: &str) -> Option<PathBuf> {
        self.home().map(|h| h.join(rel))
    }

    /// The user id and primary group id of whoever the scan is for.
    pub fn user(&self) -> (u32, u32) {
        (self.uid, self.gid)
    }

    /// Go's `os.UserConfigDir()`: `~/Library/Application Support` on macOS,
    /// `$XDG_CONFIG_HOME` (if absolute) or `~/.config` elsewhere.
    pub fn user_config_dir(&self) -> Option<PathBuf> {
        if self.host.os == Os::Darwin {
            return self.in_home("Library/Application Support");
        }
        match self.var("XDG_CONFIG_HOME").map(PathBuf::from) {
            Some(p) if p.is_absolute() => Some(p),
            _ => self.in_home(".config"),
        }
    }

    /// The user's `go env -w` file: `$GOENV`, unless `off`; else `<config dir>/go/env`.
    pub fn go_env_file(&self) -> Option<PathBuf> {
        match self.var("GOENV") {
            Some(v) if v == "off" => None,
            Some(v) => Some(PathBuf::from(v)),
            None => self.user_config_dir().map(|d| d.join("go/env")),
        }
    }

    /// The PATH entries, in order, as given (empty entries kept: they mean ".").
    pub fn path_entries(&self) -> Vec<OsString> {
        match self.vars.get(OsStr::new("PATH")) {
            Some(p) => split_path(p),
            None => Vec::new(),
        }
    }
}

/// Splits a PATH value on `:`, keeping empty entries.
pub fn split_path(value: &OsStr) -> Vec<OsString> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::{OsStrExt, OsStringExt};
        value
            .as_bytes()
            .split(|&b| b == b':')
            .map(|e| OsString::from_vec(e.to_vec()))
            .collect()
    }
    #[cfg(not(unix))]
    {
        std::env::split_paths(value)
            .map(PathBuf::into_os_string)
            .collect()
    }
}

#[cfg(unix)]
fn ids() -> (u32, u32) {
    // SAFETY: getuid and getgid cannot fail and touch no memory of ours.
    unsafe { (libc::getuid(), libc::getgid()) }
}

#[cfg(not(unix))]
fn ids() -> (u32, u32) {
    (0, 0)
}

#[cfg(target_os = "macos")]
pub(crate) mod imp {
    use std::ffi::CStr;

    /// An integer sysctl by name: `Ok(value)`, or `Err(errno)` (`ENOENT` when the kernel has
    /// no such OID).
    pub(crate) fn sysctl_int(name: &CStr) -> Result<i32, i32> {
        let mut value: libc::c_int = 0;
        let mut size = std::mem::size_of::<libc::c_int>();
        // SAFETY: `name` is NUL-terminated; `value` and `size` are valid for writes and sized
        // for the int these sysctls return; no new value is set.
        let rc = unsafe {
            libc::sysctlbyname(
                name.as_ptr(),
                (&raw mut value).cast(),
                &mut size,
                std::ptr::null_mut(),
                0,
            )
        };
        if rc == 0 {
            Ok(value)
        } else {
            Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        }
    }

    /// A 0/1 sysctl by name; `None` when it cannot be read.
    pub(super) fn sysctl_flag(name: &CStr) -> Option<bool> {
        sysctl_int(name).ok().map(|v| v == 1)
    }
}

#[cfg(not(target_os = "macos"))]
mod imp {
    use std::ffi::CStr;

    /// Only macOS has these sysctls; elsewhere the compiled architecture stands.
    pub(super) fn sysctl_flag(_name: &CStr) -> Option<bool> {
        None
    }
}

#[cfg(test)]
impl Context {
    /// A context for unit tests: these variables, judged as `host`, rooted at `root`, in `cwd`.
    pub(crate) fn fake(vars: &[(&str, &str)], host: &str, root: &str, cwd: &Path) -> Context {
        let vars = vars
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        Context::new(
            vars,
            PathBuf::from(root),
            host.parse().expect("test host"),
            cwd.to_path_buf(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(vars: &[(&str, &str)], host: &str) -> Context {
        Context::fake(vars, host, "/fake", Path::new("/work"))
    }

    #[test]
    fn host_names_parse_strictly() {
        assert_eq!(
            "darwin/arm64".parse::<Host>().unwrap().name(),
            "darwin/arm64"
        );
        for bad in ["", "darwin", "/arm64", "darwin/", "a/b/c"] {
            assert!(bad.parse::<Host>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn host_arch_under_rosetta_is_the_machine_not_the_build() {
        // An x86_64 gowarden started from a Rosetta terminal on an M-series Mac.
        assert_eq!(
            decide_host_arch(Arch::Amd64, Some(true), Some(true)),
            Arch::Arm64
        );
        // The same build with the translated flag unreadable: hw.optional.arm64 alone.
        assert_eq!(decide_host_arch(Arch::Amd64, None, Some(true)), Arch::Arm64);
        // translated alone (hw.optional.arm64 unreadable) is still an arm64 machine.
        assert_eq!(decide_host_arch(Arch::Amd64, Some(true), None), Arch::Arm64);
        // An Intel Mac: proc_translated is 0, hw.optional.arm64 is absent.
        assert_eq!(
            decide_host_arch(Arch::Amd64, Some(false), None),
            Arch::Amd64
        );
        // A native arm64 build, and Linux (no such sysctls).
        assert_eq!(
            decide_host_arch(Arch::Arm64, Some(false), Some(true)),
            Arch::Arm64
        );
        assert_eq!(decide_host_arch(Arch::Amd64, None, None), Arch::Amd64);
    }

    #[test]
    fn system_locations_are_rooted() {
        assert_eq!(
            ctx(&[], "linux/amd64").system("/usr/local/go"),
            PathBuf::from("/fake/usr/local/go")
        );
    }

    #[test]
    fn go_env_file_follows_go_rules() {
        let mac = ctx(&[("HOME", "/Users/me")], "darwin/arm64");
        assert_eq!(
            mac.go_env_file().unwrap(),
            PathBuf::from("/Users/me/Library/Application Support/go/env")
        );
        let linux = ctx(
            &[("HOME", "/home/me"), ("XDG_CONFIG_HOME", "relative")],
            "linux/amd64",
        );
        assert_eq!(
            linux.go_env_file().unwrap(),
            PathBuf::from("/home/me/.config/go/env")
        );
        let xdg = ctx(
            &[("HOME", "/home/me"), ("XDG_CONFIG_HOME", "/cfg")],
            "linux/amd64",
        );
        assert_eq!(xdg.go_env_file().unwrap(), PathBuf::from("/cfg/go/env"));
        assert_eq!(
            ctx(&[("GOENV", "off"), ("HOME", "/h")], "linux/amd64").go_env_file(),
            None
        );
        assert_eq!(
            ctx(&[("GOENV", "/x/env")], "linux/amd64")
                .go_env_file()
                .unwrap(),
            PathBuf::from("/x/env")
        );
    }

    #[test]
    fn path_keeps_empty_entries() {
        let c = ctx(&[("PATH", "/a::/b:")], "linux/amd64");
        assert_eq!(c.path_entries(), ["/a", "", "/b", ""].map(OsString::from));
        assert!(
            ctx(&[("GOROOT", "")], "linux/amd64")
                .var("GOROOT")
                .is_none(),
            "empty is unset"
        );
    }
}
