//! Host facts and processes: Command Line Tools, two Homebrews, and programs running under
//! emulation (for real: an arm64 Go program under Debian's qemu-user).

use crate::util::{Machine, codes, finding, says};

fn homebrew_go(m: &Machine) {
    m.homebrew("/opt/homebrew", "go1.23.2-darwin-arm64", "1.23.2");
    m.path(m.sys("/opt/homebrew/bin"));
}

#[test]
fn macos_upgrade_removed_the_command_line_tools() {
    let m = Machine::new("darwin/arm64");
    homebrew_go(&m);
    std::fs::remove_dir_all(m.sys("/Library/Developer/CommandLineTools")).unwrap();
    let (r, status) = m.doctor();
    assert_eq!(status, 0, "a warning");
    assert_eq!(r["host"]["developer_dir"]["exists"], false);
    let f = finding(&r, "missing-clt");
    says(&f["why"], "xcrun: error: invalid active developer path");
    assert_eq!(f["fix"], "xcode-select --install");
    // cgo off: nothing to compile, nothing to warn about.
    m.env("CGO_ENABLED", "0");
    assert!(!codes(&m.doctor().0).contains(&"missing-clt".to_string()));
}

#[test]
fn xcode_selected_but_deleted() {
    let m = Machine::new("darwin/arm64");
    homebrew_go(&m);
    m.env(
        "DEVELOPER_DIR",
        "/Applications/Xcode.app/Contents/Developer",
    );
    let (r, _) = m.doctor();
    assert_eq!(r["host"]["developer_dir"]["kind"], "xcode");
    let f = finding(&r, "missing-clt");
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .starts_with("sudo xcode-select --switch /Library/Developer/CommandLineTools")
    );
}

#[test]
fn both_homebrew_prefixes_each_with_a_go() {
    let m = Machine::new("darwin/arm64");
    homebrew_go(&m);
    m.homebrew("/usr/local", "go1.22.10-darwin-amd64", "1.22.10");
    std::fs::create_dir_all(m.sys("/usr/local/Homebrew")).unwrap();
    let (r, _) = m.doctor();
    let f = finding(&r, "dual-homebrew");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("(arm64) provides go1.23.2 (arm64)")
            && msg.contains("(amd64) provides go1.22.10 (amd64)"),
        "{msg}"
    );
    assert_eq!(r["host"]["homebrew"].as_array().unwrap().len(), 2);
}

/// Linux's twin of Rosetta: a real arm64 program under qemu-user.
#[cfg(target_os = "linux")]
mod qemu {
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use crate::util::{Dir, Machine, finding, fixture, fixtures};

    /// A Go program that sleeps, cross-compiled for linux/arm64 with the fixture toolchain.
    fn arm64_sleeper(dir: &Dir) -> PathBuf {
        dir.write(
            "src/main.go",
            b"package main\n\nimport \"time\"\n\nfunc main() { time.Sleep(120 * time.Second) }\n",
        );
        dir.write("src/go.mod", b"module example.com/sleeper\n\ngo 1.22\n");
        let out = dir.join("sleeper");
        let status = Command::new(fixture("go1.23.2-linux-amd64/go/bin/go"))
            .args(["build", "-trimpath", "-o"])
            .arg(&out)
            .arg(".")
            .current_dir(dir.join("src"))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", dir.path())
            .env("GOCACHE", fixtures().join("gocache"))
            .env("GOENV", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOFLAGS", "-mod=mod")
            .envs([("GOOS", "linux"), ("GOARCH", "arm64"), ("CGO_ENABLED", "0")])
            .status()
            .unwrap();
        assert!(status.success(), "cross-compiling the arm64 sleeper failed");
        out
    }

    struct Killed(Child);

    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    impl Killed {
        fn pid(&self) -> u32 {
            self.0.id()
        }

        /// `None` while it runs; how it ended (with what the emulator printed) once it has.
        fn ended(&mut self, stderr: &Path) -> Option<String> {
            let status = self.0.try_wait().unwrap()?;
            let said = std::fs::read_to_string(stderr).unwrap_or_default();
            Some(format!("{status}: {}", said.trim()))
        }
    }

    fn under_qemu(program: &Path, stderr: &Path) -> Killed {
        let qemu = Path::new("/usr/bin/qemu-aarch64");
        assert!(
            qemu.is_file(),
            "qemu-user is not installed: run scripts/install-deps"
        );
        let child = Command::new(qemu)
            .arg(program)
            // Go's asynchronous preemption signals are what qemu-user mishandles now and then
            // (the guest dies of a signal); the sleeper needs none.
            .env("GODEBUG", "asyncpreemptoff=1")
            .stdin(Stdio::null())
            .stderr(std::fs::File::create(stderr).unwrap())
            .spawn()
            .unwrap();
        // Wait until the kernel shows it running the emulator: right after fork, and until
        // exec completes, /proc/<pid>/exe is still this test binary.
        let exe = format!("/proc/{}/exe", child.id());
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::fs::read_link(&exe).ok().as_deref() != Some(qemu) {
            assert!(
                Instant::now() < deadline,
                "qemu-aarch64 did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Killed(child)
    }

    #[test]
    fn gopls_running_under_qemu_is_reported() {
        let dir = Dir::new();
        let sleeper = arm64_sleeper(&dir);
        let gopls = dir.join("gopls");
        std::fs::copy(&sleeper, &gopls).unwrap();
        let m = Machine::new("linux/amd64");
        m.path(m.sys("/usr/bin"));

        // What is under test is gowarden's listing, not qemu-user's stability: a guest that
        // died while the doctor ran (said below) is started again, at most three times. A live
        // guest missing from the report is retried too, but every such miss is printed with
        // what /proc said then (seen twice in CI, never here): evidence, not a silent pass.
        let mut deaths = Vec::new();
        let mut misses = Vec::new();
        let (relevant, irrelevant, r) = loop {
            assert!(
                deaths.len() < 3,
                "the emulated programs kept dying: {deaths:#?}"
            );
            assert!(
                misses.len() < 3,
                "a live gopls under qemu was never reported: {misses:#?}"
            );
            let (gopls_err, sleeper_err) = (dir.join("gopls.err"), dir.join("sleeper.err"));
            let mut relevant = under_qemu(&gopls, &gopls_err);
            let mut irrelevant = under_qemu(&sleeper, &sleeper_err);
            let (r, _) = m.doctor();
            let died: Vec<String> = [relevant.ended(&gopls_err), irrelevant.ended(&sleeper_err)]
                .into_iter()
                .flatten()
                .collect();
            if !died.is_empty() {
                deaths.extend(died);
                continue;
            }
            let pid = relevant.pid();
            let listed = r["translated_processes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["pid"] == pid);
            if listed {
                break (relevant, irrelevant, r);
            }
            let (all, _) = m.doctor_with(&["--all-processes"]);
            misses.push(format!(
                "pid {pid}: exe {:?}, cmdline {:?}, {:?}; report {:#}; with --all-processes {:#}",
                std::fs::read_link(format!("/proc/{pid}/exe")),
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .map(|c| String::from_utf8_lossy(&c).into_owned()),
                std::fs::read_to_string(format!("/proc/{pid}/status")).map(|s| s
                    .lines()
                    .find(|l| l.starts_with("State"))
                    .unwrap_or("")
                    .to_string()),
                r["translated_processes"],
                all["translated_processes"],
            ));
        };
        if !misses.is_empty() {
            // Past the test harness's capture, so CI's log keeps it.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("gopls_running_under_qemu_is_reported: missed, then seen: {misses:#?}\n")
                    .as_bytes(),
            );
        }
        let procs = r["translated_processes"].as_array().unwrap();
        let mine = procs
            .iter()
            .find(|p| p["pid"] == relevant.pid())
            .expect("listed above");
        assert_eq!(mine["name"], "gopls");
        assert_eq!(mine["exe"], gopls.to_str().unwrap());
        assert_eq!(mine["translator"], "/usr/bin/qemu-aarch64");
        assert!(mine["why"].as_str().unwrap().contains("amd64"));
        assert!(
            !procs.iter().any(|p| p["pid"] == irrelevant.pid()),
            "a process named sleeper does not matter for Go work"
        );
        let f = finding(&r, "translated-process");
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains(&format!("gopls (pid {}", relevant.pid())),
            "{f:#}"
        );

        let (all, _) = m.doctor_with(&["--all-processes"]);
        assert!(
            all["translated_processes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["pid"] == irrelevant.pid())
        );

        // Previewing another host lists no live processes: they belong to this one.
        let mac = Machine::new("darwin/arm64");
        assert_eq!(
            mac.doctor().0["translated_processes"],
            serde_json::json!([])
        );
        drop((relevant, irrelevant));
    }
}
