//! `gowarden inspect` on real toolchains and on everything odd a PATH directory can hold.

use std::process::Command;

use serde_json::{Value, json};

use crate::util::{Dir, fixture, gowarden, reference_go, run, running_as_root};

/// A real binary from the fixture set and what it must be read as.
struct Real {
    file: &'static str,
    format: &'static str,
    /// `os/arch` of each slice, in file order.
    slices: &'static [&'static str],
    /// Go version of the primary slice.
    go: Option<&'static str>,
    signature: Option<&'static str>,
}

const fn real(
    file: &'static str,
    format: &'static str,
    slices: &'static [&'static str],
    go: Option<&'static str>,
    signature: Option<&'static str>,
) -> Real {
    Real {
        file,
        format,
        slices,
        go,
        signature,
    }
}

const REAL: &[Real] = &[
    real(
        "go1.23.2-darwin-arm64/go/bin/go",
        "macho",
        &["darwin/arm64"],
        Some("go1.23.2"),
        Some("signed"),
    ),
    real(
        "go1.23.2-darwin-amd64/go/bin/go",
        "macho",
        &["darwin/amd64"],
        Some("go1.23.2"),
        Some("signed"),
    ),
    real(
        "go1.23.2-linux-amd64/go/bin/go",
        "elf",
        &["linux/amd64"],
        Some("go1.23.2"),
        None,
    ),
    real(
        "go1.22.10-darwin-arm64/go/bin/go",
        "macho",
        &["darwin/arm64"],
        Some("go1.22.10"),
        Some("signed"),
    ),
    real(
        "go1.22.10-darwin-amd64/go/bin/go",
        "macho",
        &["darwin/amd64"],
        Some("go1.22.10"),
        Some("signed"),
    ),
    real(
        "go1.22.10-linux-amd64/go/bin/go",
        "elf",
        &["linux/amd64"],
        Some("go1.22.10"),
        None,
    ),
    real(
        "go1.23.2-darwin-arm64/go/pkg/tool/darwin_arm64/compile",
        "macho",
        &["darwin/arm64"],
        Some("go1.23.2"),
        Some("signed"),
    ),
    real(
        "esbuild-0.25.0-darwin-arm64/esbuild",
        "macho",
        &["darwin/arm64"],
        Some("go1.23.5"),
        Some("adhoc"),
    ),
    real(
        "esbuild-0.25.0-darwin-amd64/esbuild",
        "macho",
        &["darwin/amd64"],
        Some("go1.23.5"),
        Some("none"),
    ),
    real(
        "esbuild-0.14.0-darwin-arm64/esbuild",
        "macho",
        &["darwin/arm64"],
        Some("go1.17.2"),
        Some("adhoc"),
    ),
    real(
        "esbuild-0.14.0-linux-amd64/esbuild",
        "elf",
        &["linux/amd64"],
        Some("go1.17.2"),
        None,
    ),
    real(
        "esbuild-0.28.2-darwin-arm64/esbuild",
        "macho",
        &["darwin/arm64"],
        None,
        Some("adhoc"),
    ),
    real(
        "markupsafe-3.0.2-universal2/_speedups.cpython-311-darwin.so",
        "fat",
        &["darwin/amd64", "darwin/arm64"],
        None,
        Some("adhoc"),
    ),
];

fn os_arch(slice: &Value) -> String {
    format!(
        "{}/{}",
        slice["os"].as_str().unwrap(),
        slice["arch"].as_str().unwrap()
    )
}

#[test]
fn real_binaries_are_read_for_what_they_are() {
    let paths: Vec<_> = REAL.iter().map(|r| fixture(r.file)).collect();
    let out = gowarden(
        ["inspect", "--json"]
            .into_iter()
            .map(Into::into)
            .chain(paths.iter().map(|p| p.as_os_str().to_owned())),
    );
    assert_eq!(out.status, 0, "{}", out.stdout);
    let reports = out.json();
    for (r, report) in REAL.iter().zip(reports.as_array().unwrap()) {
        let name = r.file;
        assert_eq!(report["error"], Value::Null, "{name}");
        assert_eq!(report["format"], r.format, "{name}");
        let got: Vec<_> = report["slices"]
            .as_array()
            .unwrap()
            .iter()
            .map(os_arch)
            .collect();
        assert_eq!(got, r.slices, "{name}");
        let primary = report["slices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["arch"] == "arm64")
            .unwrap_or(&report["slices"][0]);
        assert_eq!(primary["go"]["version"].as_str(), r.go, "{name}");
        assert_eq!(report["signature"].as_str(), r.signature, "{name}");
    }
}

/// Parses `go version -m` output into (version, [lines]) with the tab-separated lines kept.
fn go_version_m(path: &std::path::Path) -> Option<(String, Vec<String>)> {
    let out = run(Command::new(reference_go())
        .args(["version", "-m"])
        .arg(path));
    if out.status != 0 {
        return None;
    }
    let mut lines = out.stdout.lines();
    let version = lines.next()?.rsplit_once(": ")?.1.to_string();
    Some((
        version,
        lines
            .map(|l| {
                l.trim_start_matches('\t')
                    .trim_end_matches('\t')
                    .to_string()
            })
            .collect(),
    ))
}

#[test]
fn build_info_agrees_with_go_version_m() {
    let mut compared = 0;
    for Real { file: name, .. } in REAL {
        let path = fixture(name);
        let ours = gowarden(["inspect".as_ref(), "--json".as_ref(), path.as_os_str()]).json();
        let slice = &ours[0]["slices"][0];
        let Some((version, lines)) = go_version_m(&path) else {
            assert_eq!(
                slice["go"],
                Value::Null,
                "{name}: go cannot read build info, nor should we"
            );
            continue;
        };
        let go = &slice["go"];
        assert_eq!(go["version"], version.as_str(), "{name}");
        let mut expected = Vec::new();
        for line in &lines {
            let mut f = line.split('\t');
            match f.next() {
                Some("path") => assert_eq!(go["main"], f.next().unwrap(), "{name}"),
                Some("mod") => {
                    assert_eq!(go["module"]["path"], f.next().unwrap(), "{name}");
                    assert_eq!(go["module"]["version"], f.next().unwrap(), "{name}");
                }
                Some("dep") => expected.push(f.next().unwrap().to_string()),
                Some("build") => {
                    let (k, v) = f.next().unwrap().split_once('=').unwrap();
                    if !v.starts_with('"') {
                        assert_eq!(go["settings"][k], v, "{name}: build setting {k}");
                    }
                }
                other => panic!("{name}: unexpected go version -m line {other:?}"),
            }
        }
        let deps: Vec<_> = go["deps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["path"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(deps, expected, "{name}");
        let settings = lines.iter().filter(|l| l.starts_with("build\t")).count();
        assert_eq!(
            go["settings"].as_object().unwrap().len(),
            settings,
            "{name}"
        );
        compared += 1;
    }
    assert!(
        compared >= 10,
        "only {compared} binaries had build info to compare"
    );
}

/// Lays two real thin slices into a universal file with a 64-bit (`FAT_MAGIC_64`) header,
/// as Apple's tools do past 4 GiB, page-aligning each slice.
fn assemble_fat64(slices: &[(&[u8], u32, u32)]) -> Vec<u8> {
    const ALIGN: u32 = 14;
    let mut out = Vec::new();
    out.extend(0xcafe_babf_u32.to_be_bytes());
    out.extend((slices.len() as u32).to_be_bytes());
    let mut offset = 1u64 << ALIGN;
    let mut placed = Vec::new();
    for (bytes, cputype, cpusubtype) in slices {
        out.extend(cputype.to_be_bytes());
        out.extend(cpusubtype.to_be_bytes());
        out.extend(offset.to_be_bytes());
        out.extend((bytes.len() as u64).to_be_bytes());
        out.extend(ALIGN.to_be_bytes());
        out.extend(0u32.to_be_bytes());
        placed.push((offset, *bytes));
        offset = (offset + bytes.len() as u64).next_multiple_of(1 << ALIGN);
    }
    for (at, bytes) in placed {
        out.resize(at as usize, 0);
        out.extend_from_slice(bytes);
    }
    out
}

#[test]
fn fat64_universal_binary_from_real_slices() {
    let arm = std::fs::read(fixture("esbuild-0.25.0-darwin-arm64/esbuild")).unwrap();
    let x64 = std::fs::read(fixture("esbuild-0.25.0-darwin-amd64/esbuild")).unwrap();
    let dir = Dir::new();
    let fat = dir.write(
        "esbuild-universal",
        &assemble_fat64(&[(&x64, 0x0100_0007, 3), (&arm, 0x0100_000c, 0)]),
    );
    let report = &gowarden(["inspect".as_ref(), "--json".as_ref(), fat.as_os_str()]).json()[0];
    assert_eq!(report["error"], Value::Null);
    assert_eq!(report["format"], "fat");
    let slices = report["slices"].as_array().unwrap();
    assert_eq!(
        slices.iter().map(os_arch).collect::<Vec<_>>(),
        ["darwin/amd64", "darwin/arm64"]
    );
    for s in slices {
        assert_eq!(s["go"]["version"], "go1.23.5");
        assert_eq!(s["go"]["settings"]["GOARCH"], s["arch"]);
    }
    assert_eq!(
        slices[1]["offset"],
        json!(((x64.len() as u64 + (1 << 14)).next_multiple_of(1 << 14)))
    );
    // The top-level signature is the arm64 slice's: what an Apple Silicon Mac runs.
    assert_eq!(report["signature"], "adhoc");
    assert_eq!(slices[0]["signature"], "none");
}

#[test]
fn json_contract_keys_are_present() {
    let go = fixture("go1.23.2-darwin-arm64/go/bin/go");
    let report = &gowarden(["inspect".as_ref(), "--json".as_ref(), go.as_os_str()]).json()[0];
    for key in [
        "path",
        "format",
        "slices",
        "signature",
        "min_os",
        "interpreter",
        "quarantine",
        "error",
    ] {
        assert!(report.get(key).is_some(), "missing key {key}");
    }
    let slice = &report["slices"][0];
    for key in ["os", "arch", "go"] {
        assert!(slice.get(key).is_some(), "missing slice key {key}");
    }
    for key in ["version", "main", "settings"] {
        assert!(slice["go"].get(key).is_some(), "missing go key {key}");
    }
    assert_eq!(report["min_os"], "11.0");
    assert_eq!(report["path"], go.to_str().unwrap());
}

#[test]
fn human_summary() {
    let dir = Dir::new();
    for (name, target) in [
        ("go-darwin-arm64", "go1.23.2-darwin-arm64/go/bin/go"),
        ("go-linux-amd64", "go1.23.2-linux-amd64/go/bin/go"),
        ("esbuild-stripped", "esbuild-0.28.2-darwin-arm64/esbuild"),
        (
            "universal.so",
            "markupsafe-3.0.2-universal2/_speedups.cpython-311-darwin.so",
        ),
    ] {
        dir.symlink(fixture(target), name);
    }
    dir.write(
        "goenv-shim",
        b"#!/usr/bin/env bash\nexec goenv exec go \"$@\"\n",
    );
    dir.write("empty", b"");
    let names = [
        "go-darwin-arm64",
        "go-linux-amd64",
        "esbuild-stripped",
        "universal.so",
        "goenv-shim",
        "empty",
    ];
    let out = gowarden(
        ["inspect".into()]
            .into_iter()
            .chain(names.iter().map(|n| dir.join(n).into_os_string())),
    );
    assert_eq!(out.status, 1, "the empty file is an error");
    let text = out.stdout.replace(dir.path().to_str().unwrap(), "[dir]");
    insta::assert_snapshot!(text);
}

#[test]
fn scripts_report_their_interpreter() {
    let dir = Dir::new();
    let shim = dir.write(
        "go",
        b"#!/usr/bin/env bash\nset -e\nexec \"$(goenv root)/libexec/goenv\" exec go \"$@\"\n",
    );
    let report = &gowarden(["inspect".as_ref(), "--json".as_ref(), shim.as_os_str()]).json()[0];
    assert_eq!(report["format"], "script");
    assert_eq!(report["interpreter"], "/usr/bin/env");
    assert_eq!(report["interpreter_args"], "bash");
    assert_eq!(report["slices"], json!([]));
}

/// Inspects one path and returns its JSON report and the exit status.
fn inspect_one(path: &std::path::Path) -> (Value, i32) {
    let out = gowarden(["inspect".as_ref(), "--json".as_ref(), path.as_os_str()]);
    (out.json()[0].clone(), out.status)
}

fn assert_error(path: &std::path::Path, needle: &str) -> Value {
    let (report, status) = inspect_one(path);
    assert_eq!(status, 1, "{}: {report}", path.display());
    let msg = report["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no error in {report}", path.display()));
    assert!(
        msg.contains(needle),
        "{}: error {msg:?} should mention {needle:?}",
        path.display()
    );
    assert!(
        msg.contains(&*path.to_string_lossy()),
        "error {msg:?} should name the path"
    );
    report
}

#[test]
fn truncated_real_binaries_are_errors_not_panics() {
    let dir = Dir::new();
    for (name, src) in [
        ("macho", "go1.23.2-darwin-arm64/go/bin/go"),
        ("elf", "go1.23.2-linux-amd64/go/bin/go"),
    ] {
        let bytes = std::fs::read(fixture(src)).unwrap();
        for len in [5, 31, 32, 64, 100, 4096, 65_536] {
            let p = dir.write(format!("{name}-{len}"), &bytes[..len]);
            let report = assert_error(&p, "damaged");
            assert_eq!(report["format"], name);
        }
    }
}

#[test]
fn hostile_fat_headers() {
    let dir = Dir::new();
    let absurd = dir.write("absurd", &[0xca, 0xfe, 0xba, 0xbf, 0xff, 0xff, 0xff, 0xff]);
    assert_error(&absurd, "claims 4294967295 slices");
    let mut past_end = vec![0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 1];
    for field in [0x0100_000c_u32, 0, 4096, 1 << 30, 12] {
        past_end.extend(field.to_be_bytes());
    }
    let past_end = dir.write("past-end", &past_end);
    assert_error(&past_end, "runs past the end of the file");
    let empty_table = dir.write("no-slices", &[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0]);
    assert_error(&empty_table, "no slices");
    // Java 21 class file: same magic, but not ours, and not an error either.
    let class = dir.write("Main.class", b"\xca\xfe\xba\xbe\x00\x00\x00\x41\x00\x0d");
    let (report, status) = inspect_one(&class);
    assert_eq!((report["format"].as_str(), status), (Some("unknown"), 0));
}

#[test]
fn empty_directories_and_special_files() {
    let dir = Dir::new();
    assert_error(&dir.write("empty", b""), "is empty");
    std::fs::create_dir(dir.join("a-dir")).unwrap();
    assert_error(&dir.join("a-dir"), "is a directory");
    let fifo = dir.join("fifo");
    let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    // Opening a FIFO for reading would block until a writer comes; this must not.
    assert_error(&fifo, "is a FIFO");
    let sock = dir.join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    assert_error(&sock, "is a socket");
    assert_error(std::path::Path::new("/dev/null"), "is a character device");
    assert_error(&dir.join("does-not-exist"), "No such file");
}

#[test]
fn symlink_loops_and_dangling_links() {
    let dir = Dir::new();
    dir.symlink("b", "a");
    dir.symlink("a", "b");
    assert_error(&dir.join("a"), "loop");
    dir.symlink("self", "self");
    assert_error(&dir.join("self"), "loop");
    dir.symlink("../Cellar/go/1.22.5/bin/go", "dangling");
    assert_error(
        &dir.join("dangling"),
        "../Cellar/go/1.22.5/bin/go, which does not exist",
    );
}

/// Linux only: APFS, like most Mac file systems, refuses names that are not UTF-8 (EILSEQ).
#[cfg(target_os = "linux")]
#[test]
fn non_utf8_paths_are_inspected() {
    use std::os::unix::ffi::OsStrExt;
    let dir = Dir::new();
    let name = std::ffi::OsStr::from_bytes(b"go-\xff\xfe");
    let p = dir.symlink(fixture("go1.23.2-linux-amd64/go/bin/go"), name);
    let (report, status) = inspect_one(&p);
    assert_eq!(status, 0);
    assert_eq!(report["slices"][0]["go"]["version"], "go1.23.2");
    assert!(
        report["path"]
            .as_str()
            .unwrap()
            .ends_with("go-\u{fffd}\u{fffd}")
    );
}

#[test]
fn unreadable_file_says_permission_denied() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    let p = dir.write("secret-go", b"\x7fELF....");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // Root reads anything, so run as nobody when the suite runs as root (as CI does); Linux's
    // setpriv does that, and a Mac suite does not run as root.
    if running_as_root() && !cfg!(target_os = "linux") {
        return;
    }
    let out = if running_as_root() {
        run(Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_gowarden"))
            .args(["inspect", "--json"])
            .arg(&p))
    } else {
        gowarden(["inspect".as_ref(), "--json".as_ref(), p.as_os_str()])
    };
    assert_eq!(out.status, 1, "{}{}", out.stdout, out.stderr);
    let msg = out.json()[0]["error"].as_str().unwrap().to_string();
    assert!(
        msg.contains("Permission denied") && msg.contains("check its permissions"),
        "{msg}"
    );
}

#[test]
fn exit_status_is_one_when_any_file_fails() {
    let dir = Dir::new();
    let good = fixture("go1.23.2-linux-amd64/go/bin/go");
    let out = gowarden(
        [good.as_os_str(), dir.join("missing").as_os_str()]
            .into_iter()
            .fold(
                vec!["inspect".into()],
                |mut v: Vec<std::ffi::OsString>, a| {
                    v.push(a.to_owned());
                    v
                },
            ),
    );
    assert_eq!(out.status, 1);
    assert!(
        out.stdout.contains("go1.23.2"),
        "the good file is still reported:\n{}",
        out.stdout
    );
    assert_eq!(gowarden(["inspect".as_ref(), good.as_os_str()]).status, 0);
}
