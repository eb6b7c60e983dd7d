//! The doctor against the real `go`: scenario machines built from real linux toolchains, each
//! judged twice with the same environment and working directory — by the real `go` (`go env`,
//! `GODEBUG=toolchaintrace=1`, and a real `go build` with `GOPROXY=off`, `CGO_ENABLED=0`, a shared
//! `GOCACHE`) and by `gowarden doctor --json`. The rule held for every scenario:
//!
//! * exit 0 (no error finding) exactly when the build works;
//! * the version the report says runs (`effective.version`) is what `go env GOVERSION` prints;
//! * its GOROOT (`effective.goroot`) is what `go env GOROOT` prints;
//! * `gowarden doctor` (text) exits as `gowarden doctor --json` does.
//!
//! Groups run as separate tests (in parallel); every disagreement in a group is listed at once.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::util::{Dir, copy_tree, fixture, fixtures, run};

const V22: &str = "1.22.10";
const V23: &str = "1.23.2";
const V24: &str = "1.24.11";

/// A real linux/amd64 Go root from the fixture cache, for version `v` (used where it lies).
fn toolchain(v: &str) -> PathBuf {
    fixture(&format!("go{v}-linux-amd64/go"))
}

/// A scenario machine: a home, a working directory holding a small module, a PATH and an
/// environment; everything else of the real machine is left out.
struct World {
    dir: Dir,
    path: Vec<OsString>,
    env: Vec<(String, Option<OsString>)>,
    cwd: PathBuf,
    /// Whether builds work depends on the network, which gowarden cannot know: the report must
    /// say so in a warning instead of an error, and the build is not compared.
    network: Option<&'static str>,
    /// A finding code the report must carry (the one that explains the failure).
    expect: Option<&'static str>,
}

impl World {
    fn new() -> World {
        let dir = Dir::new();
        let w = World {
            cwd: dir.join("work"),
            dir,
            path: Vec::new(),
            env: Vec::new(),
            network: None,
            expect: None,
        };
        w.write("work/go.mod", "module example.com/hello\n\ngo 1.22\n");
        w.write("work/main.go", "package main\n\nfunc main() {}\n");
        w
    }

    fn at(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn home(&self, rel: &str) -> PathBuf {
        self.dir.join("home").join(rel)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&p);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn go_mod(&self, text: &str) {
        self.write("work/go.mod", text);
    }

    fn link(&self, target: impl AsRef<Path>, rel: &str) -> PathBuf {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, &p).unwrap();
        p
    }

    /// A hard-linked copy of a toolchain at `rel` (files inside can then be replaced).
    fn copy(&self, v: &str, rel: &str) -> PathBuf {
        let dest = self.dir.join(rel);
        copy_tree(&toolchain(v), &dest);
        dest
    }

    fn path(&mut self, entry: impl AsRef<OsStr>) -> &mut World {
        self.path.push(entry.as_ref().to_owned());
        self
    }

    fn env(&mut self, key: &str, value: impl AsRef<OsStr>) -> &mut World {
        self.env.push((key.into(), Some(value.as_ref().to_owned())));
        self
    }

    fn unset(&mut self, key: &str) -> &mut World {
        self.env.push((key.into(), None));
        self
    }

    /// The user's `go env -w` file (`~/.config/go/env`).
    fn go_env_file(&self, text: &str) {
        self.write("home/.config/go/env", text);
    }

    fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::join_paths(&self.path).unwrap())
            .env("HOME", self.home(""))
            .env("GOPROXY", "off")
            .env("CGO_ENABLED", "0")
            .env("GOCACHE", gocache())
            .env("GOTELEMETRY", "off")
            .current_dir(&self.cwd);
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd
    }
}

/// One GOCACHE for every scenario and test run: the standard library compiles once per version.
fn gocache() -> PathBuf {
    fixtures().join("gocache")
}

/// What the real `go` did, run through `sh -c` so PATH is searched as a shell searches it.
#[derive(Debug)]
struct GoSays {
    build_ok: bool,
    build_output: String,
    goversion: Option<String>,
    goroot: Option<String>,
    trace: String,
}

fn real_go(w: &World) -> GoSays {
    let env = run(w
        .command("/bin/sh")
        .args(["-c", "go env GOROOT GOVERSION GOTOOLCHAIN"])
        .env("GODEBUG", "toolchaintrace=1"));
    let mut lines = env.stdout.lines();
    let (goroot, goversion) = if env.status == 0 {
        (
            lines.next().map(str::to_string),
            lines.next().map(str::to_string),
        )
    } else {
        (None, None)
    };
    let out = w.at("out/hello");
    let build = run(w
        .command("/bin/sh")
        .args(["-c", "go build -o \"$1\" .", "sh"])
        .arg(&out));
    GoSays {
        build_ok: build.status == 0,
        build_output: format!("{}{}", build.stdout, build.stderr)
            .trim()
            .to_string(),
        goversion,
        goroot,
        trace: env.stderr.trim().to_string(),
    }
}

/// What gowarden said: its JSON report and both exit statuses.
struct DoctorSays {
    report: serde_json::Value,
    status: i32,
    text_status: i32,
}

fn doctor(w: &World) -> DoctorSays {
    let root = w.at("root");
    std::fs::create_dir_all(&root).unwrap();
    let with = |args: &[&str]| {
        let mut cmd = w.command(env!("CARGO_BIN_EXE_gowarden"));
        cmd.args(args)
            .env("GOWARDEN_HOST", "linux/amd64")
            .env("GOWARDEN_ROOT", &root);
        run(&mut cmd)
    };
    let json = with(&["doctor", "--json"]);
    let text = with(&["doctor"]);
    DoctorSays {
        report: json.json(),
        status: json.status,
        text_status: text.status,
    }
}

type Build = fn(&mut World);

/// Runs every scenario of a group and fails with one readable list of disagreements.
fn check_group(group: &str, scenarios: &[(&str, Build)]) {
    let mut problems = String::new();
    for (name, build) in scenarios {
        let mut w = World::new();
        build(&mut w);
        let go = real_go(&w);
        let doc = doctor(&w);
        let mut wrong = Vec::new();
        let errors: Vec<String> = doc.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| format!("{}: {}", f["code"].as_str().unwrap(), f["message"]))
            .collect();
        if let Some(reason) = w.network {
            // Straight to stderr, past the test harness's capture: a skip is always shown.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!(
                    "{group}/{name}: build not compared, it depends on the network: {reason}\n"
                )
                .as_bytes(),
            );
            let says_network = doc.report["findings"].as_array().unwrap().iter().any(|f| {
                f["severity"] == "warning" && f["message"].as_str().unwrap().contains("network")
            });
            if doc.status != 0 || !says_network {
                wrong.push(format!(
                    "depends on the network, but gowarden exits {} without a warning that says so",
                    doc.status
                ));
            }
        } else if go.build_ok != (doc.status == 0) {
            wrong.push(format!(
                "go build {}, gowarden exits {} with errors {errors:#?}",
                if go.build_ok { "works" } else { "fails" },
                doc.status
            ));
        }
        if doc.status != doc.text_status {
            wrong.push(format!(
                "doctor --json exits {}, doctor (text) exits {}",
                doc.status, doc.text_status
            ));
        }
        if let Some(code) = w.expect {
            let codes = crate::util::codes(&doc.report);
            if !codes.iter().any(|c| c == code) {
                wrong.push(format!("no {code} finding among {codes:?}"));
            }
        }
        let effective = &doc.report["effective"];
        if let Some(v) = &go.goversion {
            let said = effective["version"].as_str();
            if said != Some(v.as_str()) {
                wrong.push(format!("go env GOVERSION = {v}, gowarden says {said:?}"));
            }
        }
        if let Some(g) = &go.goroot {
            let said = effective["goroot"].as_str();
            if said != Some(g.as_str()) {
                wrong.push(format!("go env GOROOT = {g}, gowarden says {said:?}"));
            }
        }
        if !wrong.is_empty() {
            let _ = writeln!(
                problems,
                "\n--- {group}/{name}\n  {}\n  go build said: {}\n  go trace: {}",
                wrong.join("\n  "),
                first_lines(&go.build_output),
                first_lines(&go.trace),
            );
        }
    }
    assert!(
        problems.is_empty(),
        "gowarden disagrees with the real go:{problems}"
    );
}

fn first_lines(s: &str) -> String {
    let lines: Vec<&str> = s.lines().take(3).collect();
    if lines.is_empty() {
        "(nothing)".into()
    } else {
        lines.join(" | ")
    }
}

/// A `golang.org/dl/go<V>` wrapper, built once per run from a faithful copy of
/// `golang.org/dl/internal/version` (the module path, and so the build info, is the real one's):
/// it runs `~/sdk/go<V>/bin/go` with `GOROOT` set when `.unpacked-success` is there, and fails
/// with `go<V>: not downloaded` otherwise.
fn dl_wrapper(v: &str) -> PathBuf {
    static BUILT: OnceLock<(tempfile::TempDir, std::sync::Mutex<()>)> = OnceLock::new();
    let (dir, lock) = BUILT.get_or_init(|| (tempfile::tempdir().unwrap(), Default::default()));
    let _guard = lock.lock().unwrap();
    let name = format!("go{v}");
    let out = dir.path().join("bin").join(&name);
    if out.is_file() {
        return out;
    }
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join(&name)).unwrap();
    std::fs::write(src.join("go.mod"), "module golang.org/dl\n\ngo 1.21\n").unwrap();
    std::fs::write(
        src.join(&name).join("main.go"),
        DL_WRAPPER.replace("VERSION", &name),
    )
    .unwrap();
    let status = Command::new(toolchain(V23).join("bin/go"))
        .args(["build", "-trimpath", "-o"])
        .arg(&out)
        .arg(format!("./{name}"))
        .current_dir(&src)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir.path())
        .env("GOCACHE", gocache())
        .envs([
            ("GOENV", "off"),
            ("GOTOOLCHAIN", "local"),
            ("GOPROXY", "off"),
        ])
        .envs([("CGO_ENABLED", "0"), ("GOFLAGS", "-mod=mod")])
        .status()
        .unwrap();
    assert!(
        status.success(),
        "building the golang.org/dl wrapper failed"
    );
    out
}

const DL_WRAPPER: &str = r#"// The part of golang.org/dl/internal/version a wrapper runs once downloaded.
package main

import (
	"log"
	"os"
	"os/exec"
	"path/filepath"
)

const version = "VERSION"

func main() {
	log.SetFlags(0)
	home, err := os.UserHomeDir()
	if err != nil {
		log.Fatalf("%s: %v", version, err)
	}
	root := filepath.Join(home, "sdk", version)
	if len(os.Args) == 2 && os.Args[1] == "download" {
		log.Fatalf("%s: download failed: offline", version)
	}
	if _, err := os.Stat(filepath.Join(root, ".unpacked-success")); err != nil {
		log.Fatalf("%s: not downloaded. Run '%s download' to install to %v", version, version, root)
	}
	cmd := exec.Command(filepath.Join(root, "bin", "go"), os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	newPath := filepath.Join(root, "bin")
	if p := os.Getenv("PATH"); p != "" {
		newPath += string(filepath.ListSeparator) + p
	}
	cmd.Env = append(os.Environ(), "GOROOT="+root, "PATH="+newPath)
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			os.Exit(ee.ExitCode())
		}
		log.Fatal(err)
	}
}
"#;

/// A real directory at `dir` whose entries link to release `v`'s: a Go root the installer's
/// own files (a sentinel, mise's symlinks beside it) can be added to without touching the cache.
fn linked_tree(dir: &Path, v: &str) -> PathBuf {
    linked_tree_of(&toolchain(v), dir)
}

/// A real directory at `dir` whose entries link to `src`'s.
fn linked_tree_of(src: &Path, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        std::os::unix::fs::symlink(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    dir.to_path_buf()
}

/// `~/sdk/go<V>` as `go<V> download` leaves it: the tree (its entries linked to the fixture)
/// and the `.unpacked-success` sentinel.
fn dl_sdk(w: &World, v: &str, downloaded: bool) -> PathBuf {
    let sdk = linked_tree(&w.home(&format!("sdk/go{v}")), v);
    if downloaded {
        std::fs::write(sdk.join(".unpacked-success"), "").unwrap();
    }
    sdk
}

/// The wrapper installed where `go install golang.org/dl/go<V>@latest` puts it, on PATH.
fn dl_install(w: &mut World, v: &str) {
    let bin = w.home("go/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(dl_wrapper(v), bin.join(format!("go{v}"))).unwrap();
    w.path(bin);
}

/// `go` of version `v` first on PATH, straight from its GOROOT.
fn go(w: &mut World, v: &str) {
    w.path(toolchain(v).join("bin"));
}

/// An executable named `go<V>` on PATH that is that release's `go` (a symlink into its root).
fn named(w: &mut World, v: &str) {
    let bin = w.at("named");
    std::fs::create_dir_all(&bin).unwrap();
    w.link(toolchain(v).join("bin/go"), &format!("named/go{v}"));
    if !w.path.contains(&bin.clone().into_os_string()) {
        w.path(bin);
    }
}

// --- Which `go` runs: PATH, links, copies --------------------------------------------------

#[test]
fn path_and_links() {
    check_group(
        "path",
        &[
            ("go1.22 alone", |w| go(w, V22)),
            ("go1.23 alone", |w| go(w, V23)),
            ("go1.24 alone", |w| go(w, V24)),
            ("go1.24 shadows go1.22", |w| {
                go(w, V24);
                go(w, V22);
            }),
            ("go1.22 shadows go1.24 under a go 1.24 module", |w| {
                w.go_mod("module m\n\ngo 1.24.11\n");
                go(w, V22);
                go(w, V24);
            }),
            ("absolute symlink to go in ~/bin", |w| {
                w.link(toolchain(V23).join("bin/go"), "home/bin/go");
                w.path(w.home("bin"));
            }),
            ("relative chain through a directory link", |w| {
                w.link(toolchain(V23), "opt/go");
                w.link("../opt/go/bin/go", "bin/go");
                w.path(w.at("bin"));
            }),
            ("/usr/local/go as a directory link", |w| {
                w.link(toolchain(V24), "root/usr/local/go");
                w.path(w.at("root/usr/local/go/bin"));
            }),
            ("dangling link ahead of a working go", |w| {
                w.expect = Some("dangling-symlink");
                w.link(w.at("gone/bin/go"), "bin/go");
                w.path(w.at("bin"));
                go(w, V23);
            }),
            ("symlink loop ahead of a working go", |w| {
                w.expect = Some("symlink-loop");
                w.link("go", "bin/go");
                w.path(w.at("bin"));
                go(w, V23);
            }),
            (
                "dangling directory link on PATH ahead of a working go",
                |w| {
                    w.link(w.at("root/usr/local/go1.21.0"), "root/usr/local/go");
                    w.path(w.at("root/usr/local/go/bin"));
                    go(w, V22);
                },
            ),
            ("only a dangling link", |w| {
                w.link(w.at("gone/bin/go"), "bin/go");
                w.path(w.at("bin"));
            }),
            ("no go at all", |w| {
                w.path("/usr/bin");
            }),
            ("non-executable go ahead of a working go", |w| {
                w.write("bin/go", "#!/bin/sh\nexit 1\n");
                w.path(w.at("bin"));
                go(w, V23);
            }),
            ("a directory named go ahead of a working go", |w| {
                std::fs::create_dir_all(w.at("bin/go")).unwrap();
                w.path(w.at("bin"));
                go(w, V23);
            }),
            ("go copied out of its GOROOT", |w| {
                let bin = w.at("bin");
                std::fs::create_dir_all(&bin).unwrap();
                std::fs::copy(toolchain(V23).join("bin/go"), bin.join("go")).unwrap();
                w.path(bin);
            }),
            ("go copied out of its GOROOT, GOROOT set", |w| {
                let bin = w.at("bin");
                std::fs::create_dir_all(&bin).unwrap();
                std::fs::copy(toolchain(V23).join("bin/go"), bin.join("go")).unwrap();
                w.path(bin);
                w.env("GOROOT", toolchain(V23));
            }),
            ("relative PATH entry ahead of a working go", |w| {
                w.path("bin");
                go(w, V23);
            }),
        ],
    );
}

// --- GOROOT: the environment, the go env file, and which go.env is read ---------------------

#[test]
fn goroot() {
    check_group(
        "goroot",
        &[
            ("GOROOT is the go's own root", |w| {
                go(w, V23);
                w.env("GOROOT", toolchain(V23));
            }),
            ("GOROOT names another release's root", |w| {
                w.expect = Some("goroot-env-mismatch");
                go(w, V23);
                w.env("GOROOT", toolchain(V22));
            }),
            ("GOROOT names a missing directory", |w| {
                go(w, V23);
                w.env("GOROOT", w.at("gone"));
            }),
            ("GOROOT names an empty directory", |w| {
                std::fs::create_dir_all(w.at("empty")).unwrap();
                go(w, V23);
                w.env("GOROOT", w.at("empty"));
            }),
            ("GOROOT with a trailing slash", |w| {
                go(w, V24);
                w.env("GOROOT", format!("{}/", toolchain(V24).display()));
            }),
            ("GOROOT through a directory link", |w| {
                let l = w.link(toolchain(V24), "goroot-link");
                go(w, V24);
                w.env("GOROOT", l);
            }),
            ("GOROOT in the go env file, another release's", |w| {
                go(w, V23);
                w.go_env_file(&format!("GOROOT={}\n", toolchain(V22).display()));
            }),
            ("GOROOT in the go env file, its own", |w| {
                go(w, V23);
                w.go_env_file(&format!("GOROOT={}\n", toolchain(V23).display()));
            }),
            ("GOENV=off hides a bad GOROOT in the go env file", |w| {
                go(w, V23);
                w.go_env_file(&format!("GOROOT={}\n", toolchain(V22).display()));
                w.env("GOENV", "off");
            }),
            ("GOENV names another file", |w| {
                go(w, V23);
                let f = w.write("goenv", &format!("GOROOT={}\n", toolchain(V22).display()));
                w.env("GOENV", f);
            }),
            ("environment GOROOT wins over the go env file's", |w| {
                go(w, V23);
                w.go_env_file(&format!("GOROOT={}\n", toolchain(V22).display()));
                w.env("GOROOT", toolchain(V23));
            }),
            (
                "go.env of the GOROOT in use is read, not the binary's",
                |w| {
                    w.expect = Some("goos-goarch-unsupported");
                    // A copy of go1.23 whose go.env breaks builds; GOROOT points at it.
                    let copy = w.copy(V23, "copy/go");
                    w.write("copy/go/go.env", "GOTOOLCHAIN=auto\nGOARCH=bogus\n");
                    go(w, V23);
                    w.env("GOROOT", copy);
                },
            ),
            (
                "go.env of the binary's root is not read when GOROOT points elsewhere",
                |w| {
                    let copy = w.copy(V23, "copy/go");
                    w.write("copy/go/go.env", "GOTOOLCHAIN=auto\nGOARCH=bogus\n");
                    w.path(copy.join("bin"));
                    w.env("GOROOT", toolchain(V23));
                },
            ),
            ("go env file GOROOT picks the go.env", |w| {
                let copy = w.copy(V23, "copy/go");
                w.write("copy/go/go.env", "GOTOOLCHAIN=local\n");
                w.go_mod("module m\n\ngo 1.24.11\n");
                go(w, V23);
                w.go_env_file(&format!("GOROOT={}\n", copy.display()));
            }),
        ],
    );
}

// --- GOTOOLCHAIN: local, pinned, auto, path; go.mod, go.work; what can really be switched to --

#[test]
fn gotoolchain() {
    check_group(
        "gotoolchain",
        &[
            ("auto, module older than the bundled go", |w| go(w, V23)),
            ("auto, module needs a newer go, downloads off", |w| {
                w.expect = Some("toolchain-unavailable");
                w.go_mod("module m\n\ngo 1.24.11\n");
                go(w, V23);
            }),
            ("auto, module needs a newer go found on PATH", |w| {
                w.expect = Some("gotoolchain-switch");
                w.go_mod("module m\n\ngo 1.24.11\n");
                go(w, V23);
                named(w, V24);
            }),
            ("auto, toolchain line newer, found on PATH", |w| {
                w.go_mod("module m\n\ngo 1.22\n\ntoolchain go1.24.11\n");
                go(w, V23);
                named(w, V24);
            }),
            ("auto, toolchain line older than the bundled go", |w| {
                w.go_mod("module m\n\ngo 1.22\n\ntoolchain go1.22.10\n");
                go(w, V23);
            }),
            // Issue 18: a go line too large for any integer type is still a version to gover
            // (numbers of any length), so the build fails and so must the doctor.
            (
                "auto, a go line newer than any release, downloads off",
                |w| {
                    w.expect = Some("toolchain-unavailable");
                    w.go_mod("module m\n\ngo 1.9999999999999999999999999\n");
                    go(w, V23);
                },
            ),
            ("local, a go line newer than any release", |w| {
                w.expect = Some("module-needs-newer-go");
                w.go_mod("module m\n\ngo 1.9999999999999999999999999\n");
                go(w, V23);
                w.env("GOTOOLCHAIN", "local");
            }),
            ("local in the environment, module needs newer", |w| {
                w.expect = Some("module-needs-newer-go");
                w.go_mod("module m\n\ngo 1.24.11\n");
                go(w, V23);
                w.env("GOTOOLCHAIN", "local");
            }),
            (
                "local in the GOROOT's go.env (Debian's go), module needs newer",
                |w| {
                    w.expect = Some("module-needs-newer-go");
                    let copy = w.copy(V22, "usr/lib/go-1.22");
                    w.write("usr/lib/go-1.22/go.env", "GOTOOLCHAIN=local\n");
                    w.go_mod("module m\n\ngo 1.23.4\n");
                    w.path(copy.join("bin"));
                },
            ),
            ("local in the go env file, module needs newer", |w| {
                w.go_mod("module m\n\ngo 1.24\n");
                go(w, V23);
                w.go_env_file("GOTOOLCHAIN=local\n");
            }),
            (
                "local, module language version equal to the bundled go's",
                |w| {
                    w.go_mod("module m\n\ngo 1.23\n");
                    go(w, V23);
                    w.env("GOTOOLCHAIN", "local");
                },
            ),
            ("pinned older than the module needs, on PATH", |w| {
                w.expect = Some("module-needs-newer-go");
                w.go_mod("module m\n\ngo 1.23\n");
                go(w, V23);
                named(w, V22);
                w.env("GOTOOLCHAIN", "go1.22.10");
            }),
            ("pinned to the bundled version", |w| {
                go(w, V23);
                w.env("GOTOOLCHAIN", "go1.23.2");
            }),
            ("pinned newer, on PATH", |w| {
                go(w, V23);
                named(w, V24);
                w.env("GOTOOLCHAIN", "go1.24.11");
            }),
            ("pinned newer, not on PATH, downloads off", |w| {
                go(w, V23);
                w.env("GOTOOLCHAIN", "go1.24.11");
            }),
            (
                "pinned+auto lower than the module, module's found on PATH",
                |w| {
                    w.go_mod("module m\n\ngo 1.24.11\n");
                    go(w, V22);
                    named(w, V24);
                    w.env("GOTOOLCHAIN", "go1.23.2+auto");
                },
            ),
            ("path, module needs a go not on PATH", |w| {
                w.expect = Some("toolchain-unavailable");
                w.go_mod("module m\n\ngo 1.24.11\n");
                go(w, V23);
                w.env("GOTOOLCHAIN", "path");
            }),
            (
                "path from the go env file, module needs a go not on PATH",
                |w| {
                    w.go_mod("module m\n\ngo 1.24.11\n");
                    go(w, V23);
                    w.go_env_file("GOTOOLCHAIN=path\n");
                },
            ),
            ("path, module's go on PATH", |w| {
                w.go_mod("module m\n\ngo 1.24.11\n");
                go(w, V23);
                named(w, V24);
                w.env("GOTOOLCHAIN", "path");
            }),
            ("a language version as GOTOOLCHAIN", |w| {
                w.expect = Some("toolchain-unavailable");
                go(w, V23);
                w.env("GOTOOLCHAIN", "go1.24");
            }),
            ("a language version as the toolchain line", |w| {
                w.go_mod("module m\n\ngo 1.22\n\ntoolchain go1.24\n");
                go(w, V23);
            }),
            ("an unparseable go line", |w| {
                w.expect = Some("go-line-invalid");
                w.go_mod("module m\n\ngo 1.2x\n");
                go(w, V23);
            }),
            ("a bad suffix in GOTOOLCHAIN", |w| {
                go(w, V23);
                w.env("GOTOOLCHAIN", "go1.23.2+always");
            }),
            ("go.work needs a newer go", |w| {
                w.write("work/go.work", "go 1.24.11\n\nuse .\n");
                w.go_mod("module m\n\ngo 1.22\n");
                go(w, V23);
            }),
            ("GOWORK=off ignores a go.work that needs a newer go", |w| {
                w.write("work/go.work", "go 1.24.11\n\nuse .\n");
                go(w, V23);
                w.env("GOWORK", "off");
            }),
            ("module in a parent directory needs a newer go", |w| {
                w.go_mod("module m\n\ngo 1.24.11\n");
                w.write("work/sub/x.go", "package sub\n");
                w.cwd = w.at("work/sub");
                go(w, V23);
                w.env("GOFLAGS", "-o=/dev/null");
            }),
            (
                "GOPROXY=off from the go env file, switch needs a download",
                |w| {
                    w.go_mod("module m\n\ngo 1.24.11\n");
                    go(w, V23);
                    w.unset("GOPROXY");
                    w.go_env_file("GOPROXY=off\n");
                },
            ),
            ("toolchain in the module cache, GOSUMDB=off", |w| {
                w.expect = Some("toolchain-unavailable");
                w.go_mod("module m\n\ngo 1.24.11\n");
                go(w, V23);
                module_cache_toolchain(w, V24);
                w.env("GOSUMDB", "off");
            }),
            // Issue 18: cmd/go skips the checksum database for a toolchain only when GOPROXY
            // is exactly one file:// entry and GOSUMDB=off (modfetch.useSumDB).
            (
                "toolchain in the module cache, GOPROXY=file:// and GOSUMDB=off",
                |w| {
                    w.go_mod("module m\n\ngo 1.24.11\n");
                    go(w, V23);
                    module_cache_toolchain(w, V24);
                    let proxy = format!("file://{}", w.home("go/pkg/mod/cache/download").display());
                    w.env("GOPROXY", proxy);
                    w.env("GOSUMDB", "off");
                },
            ),
            (
                "toolchain in the module cache, GOPROXY=file:// then off, GOSUMDB=off",
                |w| {
                    w.expect = Some("toolchain-unavailable");
                    w.go_mod("module m\n\ngo 1.24.11\n");
                    go(w, V23);
                    module_cache_toolchain(w, V24);
                    let proxy = format!(
                        "file://{},off",
                        w.home("go/pkg/mod/cache/download").display()
                    );
                    w.env("GOPROXY", proxy);
                    w.env("GOSUMDB", "off");
                },
            ),
            (
                "toolchain in the module cache, checksum database unreachable",
                |w| {
                    w.go_mod("module m\n\ngo 1.24.11\n");
                    go(w, V23);
                    module_cache_toolchain(w, V24);
                    w.network = Some("go verifies the toolchain with sum.golang.org");
                },
            ),
        ],
    );
}

/// A toolchain as a GOTOOLCHAIN download leaves it in the module cache (`~/go/pkg/mod`): the
/// extracted tree and its `.ziphash`, without the checksum database's cached answer. The
/// module zip holds `src/_go.mod` (distpack renames nested go.mod files), which go copies to
/// `src/go.mod` on first use and checks on every use (toolchain/select.go): both are there.
fn module_cache_toolchain(w: &World, v: &str) {
    let name = format!("v0.0.1-go{v}.linux-amd64");
    let mc = w.home("go/pkg/mod");
    let dir = linked_tree(&mc.join(format!("golang.org/toolchain@{name}")), v);
    std::fs::remove_file(dir.join("src")).unwrap();
    linked_tree_of(&toolchain(v).join("src"), &dir.join("src"));
    std::fs::copy(toolchain(v).join("src/go.mod"), dir.join("src/_go.mod")).unwrap();
    let dl = mc.join("cache/download/golang.org/toolchain/@v");
    std::fs::create_dir_all(&dl).unwrap();
    std::fs::write(
        dl.join(format!("{name}.ziphash")),
        "h1:5ApM1gI6PSp6Hx1zyhMFLJgEa3pUcq9OGm7vKOVkkFE=",
    )
    .unwrap();
}

// --- Settings that break every build --------------------------------------------------------

#[test]
fn settings() {
    check_group(
        "settings",
        &[
            ("GOWORK names a missing file", |w| {
                w.expect = Some("gowork-missing");
                go(w, V23);
                w.env("GOWORK", w.at("gone/go.work"));
            }),
            ("GOWORK names a file that exists", |w| {
                let f = w.write("ws/go.work", "go 1.22\n\nuse ../work\n");
                go(w, V23);
                w.env("GOWORK", f);
            }),
            ("GOWORK=auto searches upward as if unset", |w| {
                go(w, V23);
                w.env("GOWORK", "auto");
            }),
            ("GOWORK names a relative path that exists", |w| {
                w.write("work/go.work", "go 1.22\n\nuse .\n");
                go(w, V23);
                w.env("GOWORK", "go.work");
                w.expect = Some("gowork-missing");
            }),
            ("GOWORK=off in the go env file", |w| {
                w.write("work/go.work", "go 1.24.11\n\nuse .\n");
                go(w, V23);
                w.go_env_file("GOWORK=off\n");
            }),
            ("an unsupported GOOS/GOARCH pair", |w| {
                go(w, V23);
                w.env("GOOS", "plan9").env("GOARCH", "bogus");
            }),
            ("an unknown GOARCH", |w| {
                w.expect = Some("goos-goarch-unsupported");
                go(w, V23);
                w.env("GOARCH", "bogus");
            }),
            ("an unknown GOOS in the go env file", |w| {
                w.expect = Some("goos-goarch-unsupported");
                go(w, V23);
                w.go_env_file("GOOS=bogus\n");
            }),
            ("cross-compiling to arm64", |w| {
                go(w, V23);
                w.env("GOARCH", "arm64");
            }),
            ("cross-compiling to windows", |w| {
                go(w, V24);
                w.env("GOOS", "windows");
            }),
            ("a GOOS/GOARCH pair an older release lacks", |w| {
                go(w, V22);
                w.env("GOOS", "wasip1").env("GOARCH", "wasm");
            }),
        ],
    );
}

// --- golang.org/dl wrappers -----------------------------------------------------------------

#[test]
fn dl_wrappers() {
    check_group(
        "dl",
        &[
            ("pinned to a downloaded wrapper", |w| {
                go(w, V23);
                dl_install(w, V24);
                dl_sdk(w, V24, true);
                w.env("GOTOOLCHAIN", "go1.24.11");
            }),
            ("pinned to a wrapper never downloaded", |w| {
                w.expect = Some("toolchain-unavailable");
                go(w, V23);
                dl_install(w, V24);
                w.env("GOTOOLCHAIN", "go1.24.11");
            }),
            ("pinned to a wrapper whose download did not finish", |w| {
                go(w, V23);
                dl_install(w, V24);
                dl_sdk(w, V24, false);
                w.env("GOTOOLCHAIN", "go1.24.11");
            }),
            ("module switches to a downloaded wrapper", |w| {
                w.go_mod("module m\n\ngo 1.24.11\n");
                go(w, V23);
                dl_install(w, V24);
                dl_sdk(w, V24, true);
            }),
            ("module switches to a wrapper never downloaded", |w| {
                w.go_mod("module m\n\ngo 1.24.11\n");
                go(w, V23);
                dl_install(w, V24);
            }),
            ("path mode, downloaded wrapper", |w| {
                w.go_mod("module m\n\ngo 1.24.11\n");
                go(w, V23);
                dl_install(w, V24);
                dl_sdk(w, V24, true);
                w.env("GOTOOLCHAIN", "path");
            }),
            ("an older wrapper pinned under a newer module", |w| {
                w.go_mod("module m\n\ngo 1.23\n");
                go(w, V23);
                dl_install(w, V22);
                dl_sdk(w, V22, true);
                w.env("GOTOOLCHAIN", "go1.22.10");
            }),
        ],
    );
}

// --- Wrapper scripts ------------------------------------------------------------------------

#[test]
fn wrapper_scripts() {
    check_group(
        "scripts",
        &[
            ("an exec wrapper script naming a go", |w| {
                w.write(
                    "bin/go",
                    &format!(
                        "#!/bin/sh\nexec {} \"$@\"\n",
                        toolchain(V24).join("bin/go").display()
                    ),
                );
                make_executable(&w.at("bin/go"));
                w.path(w.at("bin"));
                go(w, V22);
            }),
            // Issue 18: a golang.org/dl-style wrapper script that sets GOROOT itself; its
            // SDK's entries link to the release, so the go binary alone would say otherwise.
            (
                "a wrapper script that exports GOROOT and execs its go",
                |w| {
                    let sdk = dl_sdk(w, V24, true);
                    w.write(
                        "bin/go",
                        &format!(
                            "#!/bin/sh\nexport GOROOT=\"{}\"\nexec \"$GOROOT/bin/go\" \"$@\"\n",
                            sdk.display()
                        ),
                    );
                    make_executable(&w.at("bin/go"));
                    w.path(w.at("bin"));
                    go(w, V22);
                },
            ),
            ("an exec wrapper script naming a missing go", |w| {
                w.expect = Some("toolchain-unavailable");
                w.write(
                    "bin/go",
                    &format!("#!/bin/sh\nexec {} \"$@\"\n", w.at("gone/go").display()),
                );
                make_executable(&w.at("bin/go"));
                w.path(w.at("bin"));
                go(w, V22);
            }),
        ],
    );
}

// --- Version managers: mise for real (its shims are symlinks to the mise binary) ------------

/// mise from the fixtures, with `go` shimmed the way `mise reshim` does it, first on PATH.
fn mise(w: &mut World) -> PathBuf {
    let data = w.home(".local/share/mise");
    let shims = data.join("shims");
    std::fs::create_dir_all(&shims).unwrap();
    let mise = fixture("mise-2026.9.15-linux-amd64/mise");
    std::os::unix::fs::symlink(&mise, shims.join("go")).unwrap();
    w.path(&shims);
    w.path("/usr/bin").path("/bin");
    // Nothing of mise's own upkeep in the way of the answer.
    w.env("MISE_YES", "1").env("MISE_NO_CONFIG_WARNING", "1");
    data
}

/// A Go installed by mise at `installs/go/<v>`: a directory (mise's runtime symlinks for
/// fuzzy names are created by mise itself) holding the release's tree.
fn mise_install(w: &World, v: &str) {
    linked_tree(&w.home(&format!(".local/share/mise/installs/go/{v}")), v);
}

#[test]
fn version_managers() {
    check_group(
        "managers",
        &[
            ("mise, .tool-versions names an installed go", |w| {
                mise(w);
                mise_install(w, V23);
                w.write("work/.tool-versions", "go 1.23.2\n");
            }),
            (
                "mise, a fuzzy version picks the newest installed match",
                |w| {
                    mise(w);
                    mise_install(w, V22);
                    mise_install(w, V23);
                    w.write("work/.tool-versions", "go 1.22\n");
                },
            ),
            ("mise, MISE_GO_VERSION wins over the file", |w| {
                mise(w);
                mise_install(w, V22);
                mise_install(w, V24);
                w.write("work/.tool-versions", "go 1.22.10\n");
                w.env("MISE_GO_VERSION", V24);
            }),
            ("mise, the global config", |w| {
                mise(w);
                mise_install(w, V24);
                w.write(
                    "home/.config/mise/config.toml",
                    "[tools]\ngo = \"latest\"\n",
                );
            }),
            (
                "mise, a trusted mise.toml nearer than the global config",
                |w| {
                    mise(w);
                    mise_install(w, V22);
                    mise_install(w, V24);
                    w.write(
                        "home/.config/mise/config.toml",
                        "[tools]\ngo = \"1.24.11\"\n",
                    );
                    w.write("work/mise.toml", "[tools]\ngo = \"1.22.10\"\n");
                    let status = w
                        .command(fixture("mise-2026.9.15-linux-amd64/mise"))
                        .args(["trust", "--quiet"])
                        .arg(w.at("work/mise.toml"))
                        .status()
                        .unwrap();
                    assert!(status.success(), "mise trust");
                },
            ),
            ("mise, no go version set anywhere", |w| {
                mise(w);
                mise_install(w, V23);
                w.expect = Some("toolchain-unavailable");
            }),
            ("mise, a version that is not installed", |w| {
                mise(w);
                mise_install(w, V23);
                w.write("work/.tool-versions", "go 1.24.11\n");
                w.network = Some("mise installs a missing version on first use");
            }),
            (
                "mise, a version that is not installed, auto-install off",
                |w| {
                    mise(w);
                    mise_install(w, V23);
                    w.write("work/.tool-versions", "go 1.24.11\n");
                    w.env("MISE_AUTO_INSTALL", "0");
                    w.expect = Some("toolchain-unavailable");
                },
            ),
            ("mise, its go is older than the module needs", |w| {
                mise(w);
                mise_install(w, V22);
                w.write("work/.tool-versions", "go 1.22.10\n");
                w.go_mod("module m\n\ngo 1.23.2\n");
                w.expect = Some("toolchain-unavailable");
            }),
            (
                "mise, its go is older than the module needs, GOTOOLCHAIN=local",
                |w| {
                    mise(w);
                    mise_install(w, V22);
                    w.write("work/.tool-versions", "go 1.22.10\n");
                    w.go_mod("module m\n\ngo 1.23.2\n");
                    w.env("GOTOOLCHAIN", "local");
                    w.expect = Some("module-needs-newer-go");
                },
            ),
            ("mise, system hands over to the next go on PATH", |w| {
                w.write("work/.tool-versions", "go system\n");
                mise(w);
                go(w, V24);
            }),
        ],
    );
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}
