//! Helpers: the fixture cache, temp-dir machines, and running the `gowarden` binary.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The fixture cache. A missing cache is a failure, not a skip: CI must have fetched it.
pub fn fixtures() -> PathBuf {
    let root = std::env::var_os("GOWARDEN_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/gowarden/fixtures")
        });
    assert!(
        root.join("MANIFEST.json").is_file(),
        "fixture cache {} is missing or incomplete: run scripts/fetch-fixtures",
        root.display()
    );
    root
}

/// A file in the fixture cache, which must exist.
pub fn fixture(rel: &str) -> PathBuf {
    let p = fixtures().join(rel);
    assert!(
        p.exists(),
        "fixture {} is missing: run scripts/fetch-fixtures",
        p.display()
    );
    p
}

/// A `go` from the fixtures that runs here (linux/amd64, or the Mac's own darwin build): a
/// trusted reference tool for cross-checks.
pub fn reference_go() -> PathBuf {
    if cfg!(all(target_os = "macos", target_arch = "aarch64")) {
        fixture("go1.23.2-darwin-arm64/go/bin/go")
    } else if cfg!(target_os = "macos") {
        fixture("go1.23.2-darwin-amd64/go/bin/go")
    } else {
        fixture("go1.23.2-linux-amd64/go/bin/go")
    }
}

/// A scratch directory that builds fixture files in code.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("create temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.tmp.path().join(rel)
    }

    pub fn write(&self, rel: impl AsRef<Path>, bytes: &[u8]) -> PathBuf {
        let p = self.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, bytes).expect("write fixture file");
        p
    }

    pub fn symlink(&self, target: impl AsRef<Path>, rel: impl AsRef<Path>) -> PathBuf {
        let p = self.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::os::unix::fs::symlink(target, &p).expect("symlink");
        p
    }
}

/// What a `gowarden` run produced.
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs the `gowarden` binary with a deadline, so a hang fails the test instead of the suite.
pub fn gowarden<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(Command::new(env!("CARGO_BIN_EXE_gowarden")).args(args))
}

/// Runs a prepared command with a 60 s deadline.
pub fn run(cmd: &mut Command) -> Run {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{cmd:?} did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = String::from_utf8_lossy(&out.join().expect("stdout reader")).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().expect("stderr reader")).into_owned();
    assert!(!stderr.contains("panicked"), "{cmd:?} panicked:\n{stderr}");
    Run {
        status: status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

/// A fake machine in a temp dir: a system root (`GOWARDEN_ROOT`), a home, a working directory,
/// and an environment that contains nothing of the real one.
pub struct Machine {
    dir: Dir,
    host: String,
    path: std::cell::RefCell<Vec<std::ffi::OsString>>,
    env: std::cell::RefCell<Vec<(String, std::ffi::OsString)>>,
}

impl Machine {
    pub fn new(host: &str) -> Machine {
        let dir = Dir::new();
        for d in ["root", "home", "work"] {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        }
        let m = Machine {
            dir,
            host: host.to_string(),
            path: Default::default(),
            env: Default::default(),
        };
        if host.starts_with("darwin/") {
            // A Mac set up for development: Command Line Tools installed and selected.
            let clt = m.sys("/Library/Developer/CommandLineTools");
            m.write(&clt.join("usr/bin/xcrun"), "");
            m.link(
                "/Library/Developer/CommandLineTools",
                &m.sys("/var/db/xcode_select_link"),
            );
        }
        m
    }

    /// Installs Rosetta 2 (its runtime file, which is what gowarden checks).
    pub fn with_rosetta(&self) -> &Machine {
        self.write(&self.sys("/Library/Apple/usr/share/rosetta/rosetta"), "");
        self
    }

    /// A path under the system root, for an absolute system path like `/opt/homebrew/bin`.
    pub fn sys(&self, abs: &str) -> PathBuf {
        self.dir.join("root").join(abs.trim_start_matches('/'))
    }

    pub fn home(&self, rel: &str) -> PathBuf {
        self.dir.join("home").join(rel)
    }

    pub fn work(&self) -> PathBuf {
        self.dir.join("work")
    }

    /// Strips the temp-dir prefix so output can be snapshotted.
    pub fn redact(&self, text: &str) -> String {
        text.replace(self.dir.path().to_str().unwrap(), "[machine]")
    }

    /// Installs a fixture Go tree (e.g. `go1.23.2-darwin-arm64`) at `dest` by hard links
    /// (copies across filesystems), so symlink resolution ends inside the machine.
    pub fn install(&self, fixture_name: &str, dest: &Path) -> PathBuf {
        let src = fixture(&format!("{fixture_name}/go"));
        copy_tree(&src, dest);
        dest.to_path_buf()
    }

    /// A Homebrew keg of a fixture Go under `prefix` (`/opt/homebrew` or `/usr/local`), linked
    /// the way `brew` links it: `<prefix>/bin/go → ../Cellar/go/V/bin/go → ../libexec/bin/go`.
    /// Returns the GOROOT (`…/libexec`).
    pub fn homebrew(&self, prefix: &str, fixture: &str, version: &str) -> PathBuf {
        let keg = self.sys(&format!("{prefix}/Cellar/go/{version}"));
        self.install(fixture, &keg.join("libexec"));
        self.link("../libexec/bin/go", &keg.join("bin/go"));
        self.link(
            format!("../Cellar/go/{version}/bin/go"),
            &self.sys(&format!("{prefix}/bin/go")),
        );
        keg.join("libexec")
    }

    pub fn link(&self, target: impl AsRef<Path>, link: &Path) {
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, link).unwrap();
    }

    /// Writes a file, replacing (never writing through) an existing one: installed trees are
    /// hard links into the fixture cache, which must stay pristine.
    pub fn write(&self, path: &Path, bytes: impl AsRef<[u8]>) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(path);
        std::fs::write(path, bytes).unwrap();
    }

    /// Appends a PATH entry (created as a directory unless it is relative or empty).
    pub fn path(&self, entry: impl AsRef<std::ffi::OsStr>) -> &Machine {
        let entry = entry.as_ref().to_owned();
        if Path::new(&entry).is_absolute()
            && !Path::new(&entry).exists()
            && std::fs::symlink_metadata(&entry).is_err()
        {
            std::fs::create_dir_all(&entry).unwrap();
        }
        self.path_as_is(entry)
    }

    /// Appends a PATH entry exactly as given, creating nothing.
    pub fn path_as_is(&self, entry: impl AsRef<std::ffi::OsStr>) -> &Machine {
        self.path.borrow_mut().push(entry.as_ref().to_owned());
        self
    }

    pub fn env(&self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> &Machine {
        self.env
            .borrow_mut()
            .push((key.to_string(), value.as_ref().to_owned()));
        self
    }

    /// The library's view of this machine: what `command` hands the binary, as a context.
    pub fn context(&self) -> gowarden::context::Context {
        let mut vars: Vec<(std::ffi::OsString, std::ffi::OsString)> = vec![
            (
                "PATH".into(),
                std::env::join_paths(self.path.borrow().iter()).unwrap(),
            ),
            ("HOME".into(), self.home("").into()),
        ];
        for (k, v) in self.env.borrow().iter() {
            vars.push((k.into(), v.clone()));
        }
        gowarden::context::Context::new(
            vars,
            self.dir.join("root"),
            self.host.parse().unwrap(),
            self.work(),
        )
    }

    /// The `gowarden` command as this machine runs it (its environment, its working directory).
    pub fn command<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gowarden"));
        let path = std::env::join_paths(self.path.borrow().iter()).unwrap();
        cmd.args(args)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.home(""))
            .env("GOWARDEN_ROOT", self.dir.join("root"))
            .env("GOWARDEN_HOST", &self.host)
            .current_dir(self.work());
        for (k, v) in self.env.borrow().iter() {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `gowarden ARGS...` on this machine.
    pub fn gowarden<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        run(&mut self.command(args))
    }

    /// `gowarden doctor --json`, parsed, with its exit status.
    pub fn doctor(&self) -> (serde_json::Value, i32) {
        self.doctor_with(&[])
    }

    /// `gowarden doctor --json EXTRA...`, parsed, with its exit status.
    pub fn doctor_with(&self, extra: &[&str]) -> (serde_json::Value, i32) {
        let mut args = vec!["doctor", "--json"];
        args.extend_from_slice(extra);
        let out = run(&mut self.command(&args));
        (out.json(), out.status)
    }

    /// `gowarden doctor` text, redacted for snapshots.
    pub fn doctor_text(&self) -> String {
        let out = run(&mut self.command(&["doctor"]));
        self.redact(&out.stdout)
    }
}

pub fn copy_tree(src: &Path, dest: &Path) {
    std::fs::create_dir_all(dest).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dest.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
        } else if std::fs::hard_link(entry.path(), &to).is_err() {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// A shell from Debian's packages (scripts/install-deps), or on a Mac the system's or
/// Homebrew's (the macOS workflow installs fish with brew).
pub fn shell(name: &str) -> PathBuf {
    ["/usr/bin", "/bin", "/opt/homebrew/bin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not installed: run scripts/install-deps"))
}

/// Whether any process's command line contains `token`.
#[cfg(target_os = "linux")]
pub fn process_with(token: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
        std::fs::read(e.path().join("cmdline"))
            .is_ok_and(|c| String::from_utf8_lossy(&c).contains(token))
    })
}

/// Whether any process's command line contains `token` (no /proc: ask `ps`).
#[cfg(not(target_os = "linux"))]
pub fn process_with(token: &str) -> bool {
    let out = Command::new("/bin/ps")
        .args(["-axww", "-o", "command="])
        .output()
        .expect("ps");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.contains(token) && !l.contains("/bin/ps"))
}

/// Whether the tests run as root (who reads any file).
pub fn running_as_root() -> bool {
    // SAFETY: geteuid cannot fail and touches no memory of ours.
    unsafe { libc::geteuid() == 0 }
}

/// Asserts that a JSON string field contains `needle`, showing the field when it does not.
#[track_caller]
pub fn says(field: &serde_json::Value, needle: &str) {
    let text = field
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {field:#}"));
    assert!(text.contains(needle), "{text:?} should say {needle:?}");
}

/// The codes of a doctor report's findings, in order.
pub fn codes(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// The finding with `code`, which must be present.
pub fn finding<'a>(report: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} finding in {:#}", report["findings"]))
}

/// A tiny deterministic generator (xorshift), seeded per run and printed, so a failure of a
/// randomized test can be replayed.
pub struct Rng(u64);

impl Rng {
    /// Seeded from the variable `var` when set (a replay), else from the clock; says which on
    /// stderr as `<what> seed: VAR=N`.
    pub fn seeded(var: &str, what: &str) -> Rng {
        let seed = std::env::var(var)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("{what} seed: {var}={seed}");
        Rng(seed)
    }

    /// The seed it would replay from now.
    pub fn state(&self) -> u64 {
        self.0
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}
