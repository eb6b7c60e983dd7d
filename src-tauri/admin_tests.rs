//! The app's administrator repair, for real: the backend runs as user 65534 (nobody) inside a
//! private mount namespace whose `/usr/local` and `/var/lib` are fresh tmpfs mounts, where
//! root's `/usr/local/go` names a removed release. It repairs through pkexec (a set-user-id
//! stand-in, `tests/app/pkexec-stand-in.c`, doing what pkexec does after polkit's yes) and the
//! installed `gowarden` CLI, keeps the pointer in the user's journal, and undoes it the same
//! way. The outer test builds the namespace as root; the inner one (ignored on its own) is
//! this very test binary, run inside it as nobody.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

use std::io::BufRead as _;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gowarden::context::Context;
use gowarden::report::Code;

use crate::backend::Backend;
use crate::ipc_tests::fixture;

const NOBODY: u32 = 65534;
const CLI: &str = "/usr/local/bin/gowarden";
const PKEXEC: &str = "/usr/local/sbin/pkexec";

/// The inner test's name, as the harness filters it.
const INNER: &str = "admin_tests::inside_the_namespace_as_nobody";

#[test]
fn an_administrator_repair_from_the_app_goes_through_pkexec_and_undoes_the_same_way() {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 || !cfg!(target_os = "linux") {
        eprintln!("skipped: needs root on Linux to build the namespace");
        return;
    }
    let mut holder = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "mount -t tmpfs -o mode=0755 tmpfs /usr/local && \
             mount -t tmpfs -o mode=0755 tmpfs /var/lib && echo ready && exec sleep 900",
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    let pid = holder.id();
    let at = |abs: &str| PathBuf::from(format!("/proc/{pid}/root{abs}"));

    // The CLI as the package installs it, and pkexec's stand-in, set-user-id root.
    let this = std::env::current_exe().unwrap();
    let cli = this.parent().unwrap().parent().unwrap().join("gowarden");
    assert!(
        cli.is_file(),
        "{} is built with the workspace",
        cli.display()
    );
    std::fs::create_dir_all(at("/usr/local/bin")).unwrap();
    std::fs::create_dir_all(at("/usr/local/sbin")).unwrap();
    std::fs::copy(&cli, at(CLI)).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/app/pkexec-stand-in.c");
    let cc = Command::new("cc")
        .arg("-O")
        .arg("-o")
        .arg(at(PKEXEC))
        .arg(&source)
        .status()
        .unwrap();
    assert!(cc.success(), "cc builds the pkexec stand-in");
    std::fs::set_permissions(at(PKEXEC), std::fs::Permissions::from_mode(0o4755)).unwrap();

    // Root's /usr/local/go, naming a release that is gone; go1.23.2 installed beside it.
    let go = fixture("go1.23.2-linux-amd64/go");
    let root = at("/usr/local/go1.23.2");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::create_dir_all(root.join("pkg/tool/linux_amd64")).unwrap();
    for f in ["bin/go", "bin/gofmt", "VERSION"] {
        std::fs::copy(go.join(f), root.join(f)).unwrap();
    }
    symlink("go1.22.0", at("/usr/local/go")).unwrap();
    std::fs::create_dir_all(at("/var/lib/nobody")).unwrap();
    std::os::unix::fs::chown(at("/var/lib/nobody"), Some(NOBODY), Some(NOBODY)).unwrap();

    let out = Command::new("nsenter")
        .args(["-t", &pid.to_string(), "-m", "--wd=/", "--"])
        .args([
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
        ])
        .arg(&this)
        .args([
            "--exact",
            INNER,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_clear()
        .env("HOME", "/var/lib/nobody")
        .env("PATH", "/usr/local/go/bin:/usr/bin:/bin")
        .output()
        .unwrap();
    let _ = holder.kill();
    let _ = holder.wait();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the inner test failed:\n{text}");
    assert!(text.contains("1 passed"), "the inner test ran:\n{text}");
    eprintln!("the inner test, as nobody in the namespace:\n{text}");
}

#[test]
#[ignore = "run as nobody inside the namespace by the test above"]
fn inside_the_namespace_as_nobody() {
    let link = Path::new("/usr/local/go");
    let ctx = Context::from_process().unwrap();
    let data = gowarden::journal::data_dir_for(&ctx).unwrap();
    let backend =
        Backend::new(ctx, Some(data.clone()), Some(CLI.into())).with_pkexec(PKEXEC.into());
    let report = backend.rescan();
    let finding = report
        .findings
        .iter()
        .find(|f| f.code == Code::DanglingSymlink)
        .unwrap_or_else(|| panic!("no dangling-symlink finding: {:#?}", report.findings));

    let done = backend.repair(&finding.id, None).unwrap();
    assert_eq!(std::fs::read_link(link).unwrap(), Path::new("go1.23.2"));
    assert_eq!(done.outcome.finding.as_deref(), Some(finding.id.as_str()));
    assert!(done.outcome.undoable, "{:?}", done.outcome);
    // The user's journal holds a pointer to root's record, never root's files.
    let journal = std::fs::read_to_string(data.join("repairs.jsonl")).unwrap();
    assert!(
        journal.contains("\"elevated\":true") && journal.contains(&done.outcome.transaction),
        "{journal}"
    );
    assert!(
        std::fs::read_dir("/var/lib/gowarden").is_err(),
        "root's journal is out of the user's reach"
    );
    let history = backend.history(10).unwrap();
    assert!(
        history.iter().any(|e| e.subject == "/usr/local/go"),
        "History shows it: {history:#?}"
    );

    let undone = backend.undo(None).unwrap();
    assert_eq!(std::fs::read_link(link).unwrap(), Path::new("go1.22.0"));
    assert_eq!(
        undone.outcome.kind,
        gowarden::repair::RecordKind::Undo,
        "{:?}",
        undone.outcome
    );
    let again = backend.undo(None).unwrap_err();
    assert!(again.message.contains("nothing to undo"), "{again:?}");
}
