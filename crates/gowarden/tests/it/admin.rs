//! The administrator path, tried as an attacker would. The real binary runs as root inside a
//! private mount namespace whose `/usr/local` and `/var/lib` are fresh tmpfs mounts, so the
//! system paths are the real ones (the administrator side takes no root prefix) while the
//! machine's own stay untouched; the other side is user 65534 (nobody), through setpriv.
//! The test reaches the namespace's files through `/proc/<pid>/root`.
//!
//! Needs root and Linux (CI has both); elsewhere each test says why it did nothing.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use gowarden::repair::elevate::{AdminRequest, pkexec_command, run as elevated};
use serde_json::Value;

use crate::util::{Rng, Run, fixture, run, running_as_root, says};

const NOBODY: u32 = 65534;
const HELPER: &str = "/usr/local/bin/gowarden";
const SECRET: &str = "root-only-secret-3f1d9c";

/// A private mount namespace with fresh `/usr/local` and `/var/lib`, kept alive by a
/// process of its own.
struct Ns {
    holder: Child,
    pid: u32,
}

impl Ns {
    /// A namespace with the gowarden binary installed at [`HELPER`] as a package would, a
    /// home for nobody, and a private root-only file holding [`SECRET`]. `None` where this
    /// cannot run (not root, not Linux, no unshare).
    fn new() -> Option<Ns> {
        if !running_as_root() || !cfg!(target_os = "linux") {
            eprintln!("skipped: the administrator tests need root on Linux");
            return None;
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
            .expect("unshare (util-linux) runs");
        let mut line = String::new();
        use std::io::BufRead as _;
        std::io::BufReader::new(holder.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the namespace is set up");
        let pid = holder.id();
        let ns = Ns { holder, pid };
        std::fs::create_dir_all(ns.at("/usr/local/bin")).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_gowarden"), ns.at(HELPER)).unwrap();
        std::fs::set_permissions(ns.at(HELPER), std::fs::Permissions::from_mode(0o755)).unwrap();
        for d in ["/var/lib/nobody", "/usr/local/nobody"] {
            std::fs::create_dir_all(ns.at(d)).unwrap();
            std::os::unix::fs::chown(ns.at(d), Some(NOBODY), Some(NOBODY)).unwrap();
        }
        std::fs::create_dir_all(ns.at("/usr/local/secret")).unwrap();
        std::fs::set_permissions(
            ns.at("/usr/local/secret"),
            std::fs::Permissions::from_mode(0o700),
        )
        .unwrap();
        std::fs::write(ns.at("/usr/local/secret/shadow"), SECRET).unwrap();
        symlink(SECRET, ns.at("/usr/local/secret/link")).unwrap();
        Some(ns)
    }

    /// The namespace's `abs`, as this process reaches it.
    fn at(&self, abs: &str) -> PathBuf {
        PathBuf::from(format!("/proc/{}/root{abs}", self.pid))
    }

    /// A minimal Go root from a fixture at `dest` (bin/go, bin/gofmt, VERSION and the tool
    /// directory: all the health check reads), root's and readable by everyone.
    fn go_root(&self, fixture_name: &str, dest: &str) {
        let src = fixture(&format!("{fixture_name}/go"));
        let to = self.at(dest);
        let tools = std::fs::read_dir(src.join("pkg/tool"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .file_name();
        std::fs::create_dir_all(to.join("bin")).unwrap();
        std::fs::create_dir_all(to.join("pkg/tool").join(&tools)).unwrap();
        for f in ["bin/go", "bin/gofmt", "VERSION"] {
            std::fs::copy(src.join(f), to.join(f)).unwrap();
        }
    }

    /// The link at `abs`, made with text `text`.
    fn link(&self, text: &str, abs: &str) {
        symlink(text, self.at(abs)).unwrap();
    }

    fn text(&self, abs: &str) -> PathBuf {
        std::fs::read_link(self.at(abs)).unwrap()
    }

    /// `prog args` inside the namespace, as `uid` (root when `None`), from `/`, with exactly
    /// the environment `env`.
    fn command(
        &self,
        uid: Option<u32>,
        env: &[(&str, &str)],
        prog: &str,
        args: &[&str],
    ) -> Command {
        self.command_in("/", uid, env, prog, args)
    }

    /// The same, from the working directory `wd`.
    fn command_in(
        &self,
        wd: &str,
        uid: Option<u32>,
        env: &[(&str, &str)],
        prog: &str,
        args: &[&str],
    ) -> Command {
        let mut cmd = Command::new("nsenter");
        cmd.arg("-t")
            .arg(self.pid.to_string())
            .args(["-m", "--wd=/", "--"]);
        if let Some(uid) = uid {
            cmd.args([
                "setpriv",
                &format!("--reuid={uid}"),
                &format!("--regid={uid}"),
                "--clear-groups",
                "--",
            ]);
        }
        // nsenter opens --wd before it enters the namespace, so the directory is changed in it.
        cmd.args(["env", "-C", wd, "--", prog])
            .args(args)
            .env_clear()
            .envs(env.iter().copied());
        cmd
    }

    /// `gowarden admin <args> --json` as root, the way pkexec runs it: from `/`, with a clean
    /// environment and PKEXEC_UID naming nobody.
    fn admin(&self, args: &[&str]) -> Run {
        self.admin_with(&[], args)
    }

    fn admin_with(&self, env: &[(&str, &str)], args: &[&str]) -> Run {
        let mut full = vec!["admin", args[0], "--json"];
        full.extend(&args[1..]);
        let mut vars = vec![
            ("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            ("PKEXEC_UID", "65534"),
        ];
        vars.extend(env);
        run(&mut self.command(None, &vars, HELPER, &full))
    }

    /// The user-side `gowarden <args>` as nobody, with their home and a PATH through
    /// `/usr/local/go/bin`.
    fn as_nobody(&self, args: &[&str]) -> Run {
        let env = [
            ("HOME", "/var/lib/nobody"),
            ("PATH", "/usr/local/go/bin:/usr/bin:/bin"),
        ];
        run(&mut self.command(Some(NOBODY), &env, HELPER, args))
    }

    /// Every entry under the namespace's `/usr/local` and `/var/lib` but root's own
    /// journal directory: kind, owner, mode, and link text or content digest.
    fn snapshot(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for top in ["/usr/local", "/var/lib"] {
            walk(&self.at(top), top, &mut out);
        }
        out.retain(|k, _| !k.starts_with("/var/lib/gowarden"));
        out
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

fn walk(dir: &Path, name: &str, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let e = e.unwrap();
        let path = e.path();
        let label = format!("{name}/{}", e.file_name().to_string_lossy());
        let m = std::fs::symlink_metadata(&path).unwrap();
        let what = if m.file_type().is_symlink() {
            format!("link {}", std::fs::read_link(&path).unwrap().display())
        } else if m.is_dir() {
            walk(&path, &label, out);
            "dir".into()
        } else {
            // A write changes the inode's ctime, and nobody but root can set it back.
            format!(
                "file {} ino={} ctime={}.{}",
                m.len(),
                m.ino(),
                m.ctime(),
                m.ctime_nsec()
            )
        };
        out.insert(
            label,
            format!("{what} uid={} mode={:o}", m.uid(), m.mode() & 0o7777),
        );
    }
}

#[track_caller]
fn done(r: &Run) -> Value {
    assert_eq!(r.status, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["status"], "done", "{v:#}");
    v
}

#[track_caller]
fn refused(r: &Run, reason: &str) -> Value {
    assert_eq!(r.status, 1, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["reason"], reason, "{v:#}");
    assert!(
        !r.stdout.contains(SECRET) && !r.stderr.contains(SECRET),
        "a root-only file's content came back: {}{}",
        r.stdout,
        r.stderr
    );
    v
}

/// `/usr/local/go -> go1.22.0` after that release was removed, with go1.23.2 installed
/// beside it: the official installer's layout, all root's.
fn stale_usr_local_go() -> Option<Ns> {
    let ns = Ns::new()?;
    ns.go_root("go1.23.2-linux-amd64", "/usr/local/go1.23.2");
    ns.link("go1.22.0", "/usr/local/go");
    Some(ns)
}

const RELINK: [&str; 4] = ["relink", "/usr/local/go", "go1.22.0", "go1.23.2"];

/// The same request as a whole command line, for runs that are not [`Ns::admin`]'s.
const RELINK_ARGV: [&str; 6] = [
    "admin",
    "relink",
    "--json",
    "/usr/local/go",
    "go1.22.0",
    "go1.23.2",
];

#[test]
fn a_root_owned_usr_local_go_is_repaired_through_pkexec_and_undone_from_roots_own_record() {
    let Some(ns) = stale_usr_local_go() else {
        return;
    };
    // The user's side: a plan, the policy checked as the user, and the exact sudo line.
    let out = ns.as_nobody(&["repair", "dangling-symlink", "--yes", "--json"]);
    assert_eq!(out.status, 1, "{}{}", out.stdout, out.stderr);
    let v = out.json();
    assert_eq!(v["status"], "needs-privilege", "{v:#}");
    assert_eq!(
        v["sudo"],
        format!("sudo {HELPER} admin relink /usr/local/go go1.22.0 go1.23.2"),
        "{v:#}"
    );
    assert_eq!(
        ns.text("/usr/local/go"),
        Path::new("go1.22.0"),
        "nothing changed yet"
    );

    // The app's way: pkexec (a stand-in that does what pkexec does after polkit's yes)
    // running the helper with the request's words.
    let stand_in = ns.at("/usr/local/pkexec");
    std::fs::write(
        &stand_in,
        format!(
            "#!/bin/sh\ncase \"$1\" in /*) ;; *) exit 127 ;; esac\n\
             exec nsenter -t {} -m --wd=/ -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin PKEXEC_UID={NOBODY} \"$@\"\n",
            ns.pid
        ),
    )
    .unwrap();
    std::fs::set_permissions(&stand_in, std::fs::Permissions::from_mode(0o755)).unwrap();
    let request =
        AdminRequest::relink(&RELINK[1..].iter().map(PathBuf::from).collect::<Vec<_>>()).unwrap();
    let out = elevated(
        &pkexec_command(&stand_in, Path::new(HELPER), &request),
        std::time::Duration::from_secs(60),
    )
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.code,
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["status"], "done", "{v:#}");
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(ns.text("/usr/local/go"), Path::new("go1.23.2"));

    // Root's journal is root's alone; nothing of root's landed in the user's home.
    let state = std::fs::symlink_metadata(ns.at("/var/lib/gowarden")).unwrap();
    assert_eq!((state.uid(), state.mode() & 0o7777), (0, 0o700));
    let journal = std::fs::read_to_string(ns.at("/var/lib/gowarden/repairs.jsonl")).unwrap();
    assert!(
        journal.contains(&id) && journal.contains("\"pending\""),
        "{journal}"
    );
    let home: Vec<_> = std::fs::read_dir(ns.at("/var/lib/nobody"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::symlink_metadata(p).unwrap().uid() != NOBODY)
        .collect();
    assert!(home.is_empty(), "root wrote in the user's home: {home:?}");

    // The user's journal points at root's record (as the app writes it after the prompt):
    // the user's `gowarden undo` then says which administrator command undoes it.
    let mut pointer = v["record"].clone();
    pointer["elevated"] = Value::Bool(true);
    pointer["finding"] = "dangling-symlink".into();
    let data = ns.at("/var/lib/nobody/.local/share/gowarden");
    let mut journal = std::fs::read(data.join("repairs.jsonl")).unwrap_or_default();
    journal.extend(format!("{pointer}\n").bytes());
    std::fs::write(data.join("repairs.jsonl"), journal).unwrap();
    let out = ns.as_nobody(&["undo", "--json"]);
    let u = out.json();
    assert_eq!(
        (&u["status"], &u["reason"], &u["sudo"]),
        (
            &Value::from("needs-privilege"),
            &Value::from("elevated"),
            &Value::from(format!(
                "sudo {HELPER} admin undo {id} /usr/local/go go1.23.2 go1.22.0"
            ))
        ),
        "{u:#}"
    );

    // The undo is root's record, undone under the same policy, and only as the words the
    // prompt showed say; once.
    let back = ["undo", &id, "/usr/local/go", "go1.23.2", "go1.22.0"];
    let v = refused(
        &ns.admin(&[
            "undo",
            &id,
            "/usr/local/go",
            "go1.23.2",
            "/usr/local/nobody",
        ]),
        "changed",
    );
    says(&v["message"], "not what undoing administrator repair");
    done(&ns.admin(&back));
    assert_eq!(
        ns.text("/usr/local/go"),
        Path::new("go1.22.0"),
        "put back as it was"
    );
    refused(&ns.admin(&back), "already-undone");
}

#[test]
fn root_never_reads_settles_or_undoes_anything_of_the_users() {
    let Some(ns) = stale_usr_local_go() else {
        return;
    };
    ns.go_root("go1.23.2-linux-amd64", "/usr/local/go1.22.0-old");
    ns.link("../go1.22.0-old/bin/go", "/usr/local/bin/go");
    // The user's journal, as malware running as the user could write it: a forged "done"
    // repair whose undo would point a root link into the user's tree and copy a root-only
    // file into saved/, and a pending intent that a reconciling root would "put back".
    let data = ns.at("/var/lib/nobody/.local/share/gowarden");
    std::fs::create_dir_all(data.join("saved")).unwrap();
    let forged = |id: &str, outcome: &str| {
        format!(
            r#"{{"kind":"repair","id":"{id}","at":"2026-12-01T00:00:00Z","finding":"f","path":"/usr/local/bin/go","edits":[{{"type":"link","path":"/usr/local/bin/go","before":"/usr/local/nobody/evil/bin/go","after":"../go1.22.0-old/bin/go"}},{{"type":"shell-line","path":"/usr/local/secret/shadow","real":"/usr/local/secret/shadow","line":1,"before":"x","after":"y","before_sha256":"00","after_sha256":"11"}}],"outcome":"{outcome}","message":"m"}}"#
        )
    };
    std::fs::write(
        data.join("repairs.jsonl"),
        format!(
            "{}\n{}\n",
            forged("20261201-000000-aaaa", "done"),
            forged("20261201-000000-bbbb", "pending")
        ),
    )
    .unwrap();
    symlink("/usr/local/secret/shadow", data.join("saved/11")).unwrap();
    for entry in walkdir(&ns.at("/var/lib/nobody")) {
        std::os::unix::fs::lchown(&entry, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    let user_before = listing(&ns.at("/var/lib/nobody"));
    let before = ns.snapshot();

    for id in ["20261201-000000-aaaa", "20261201-000000-bbbb"] {
        let words = [
            "undo",
            id,
            "/usr/local/bin/go",
            "../go1.22.0-old/bin/go",
            "/usr/local/nobody/evil/bin/go",
        ];
        refused(&ns.admin(&words), "unknown-repair");
    }
    done(&ns.admin(&RELINK));
    let mut expected = before.clone();
    expected.insert(
        "/usr/local/go".into(),
        before["/usr/local/go"].replace("go1.22.0", "go1.23.2"),
    );
    assert_eq!(ns.snapshot(), expected, "only the requested link changed");
    assert_eq!(
        listing(&ns.at("/var/lib/nobody")),
        user_before,
        "the user's files untouched"
    );
}

#[test]
fn the_callers_environment_and_working_directory_decide_nothing() {
    let Some(ns) = stale_usr_local_go() else {
        return;
    };
    // A healthy Go tree of the user's, and every variable that once steered the root run.
    ns.go_root("go1.23.2-linux-amd64", "/usr/local/nobody/go");
    for entry in walkdir(&ns.at("/usr/local/nobody")) {
        std::os::unix::fs::lchown(&entry, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    let steer = [
        ("PATH", "/usr/local/nobody/go/bin:/usr/bin:/bin"),
        ("GOROOT", "/usr/local/nobody/go"),
        ("HOME", "/usr/local/nobody"),
        ("ZDOTDIR", "/usr/local/nobody"),
        ("XDG_DATA_HOME", "/usr/local/nobody"),
        ("GOWARDEN_ROOT", "/usr/local/nobody"),
        ("GOWARDEN_HOST", "darwin/arm64"),
        ("GOWARDEN_DATA_DIR", "/usr/local/nobody"),
        ("SUDO_UID", "0"),
        ("SUDO_GID", "0"),
    ];
    let nobody_before = listing(&ns.at("/usr/local/nobody"));
    // The working directory is the user's too.
    let v = done(&run(&mut ns.command_in(
        "/usr/local/nobody",
        None,
        &steer,
        HELPER,
        &RELINK_ARGV,
    )));
    says(&v["message"], "/usr/local/go1.23.2");
    assert_eq!(ns.text("/usr/local/go"), Path::new("go1.23.2"));
    assert_eq!(
        listing(&ns.at("/usr/local/nobody")),
        nobody_before,
        "nothing written there"
    );
    assert!(std::fs::metadata(ns.at("/var/lib/gowarden/repairs.jsonl")).is_ok());

    // Pointing the link at the user's tree, as the steered environment once did on its own:
    // refused, naming the owner.
    let v = refused(
        &ns.admin(&[
            "relink",
            "/usr/local/go",
            "go1.23.2",
            "/usr/local/nobody/go",
        ]),
        "not-allowed",
    );
    says(&v["message"], "belongs to uid 65534, not to root");
    assert_eq!(ns.text("/usr/local/go"), Path::new("go1.23.2"));
}

#[test]
fn a_link_is_never_pointed_through_anything_another_account_can_write() {
    let Some(ns) = stale_usr_local_go() else {
        return;
    };
    let before = ns.snapshot();
    // A root-owned tree with one group-writable directory in it.
    ns.go_root("go1.23.2-linux-amd64", "/usr/local/go-gw");
    std::fs::set_permissions(
        ns.at("/usr/local/go-gw/pkg"),
        std::fs::Permissions::from_mode(0o775),
    )
    .unwrap();
    // A root-owned tree with a symlink that leads into the user's.
    ns.go_root("go1.23.2-linux-amd64", "/usr/local/go-escape");
    ns.link("/usr/local/nobody", "/usr/local/go-escape/src");
    // A root-owned link, in a root-owned directory, to the user's directory.
    ns.link("nobody", "/usr/local/go-via");
    // And a path through the world-writable /tmp.
    let cases = [
        ("go-gw", "can be written by its group or by others"),
        ("go-escape", "/usr/local/nobody belongs to uid 65534"),
        ("go-via", "/usr/local/nobody belongs to uid 65534"),
        ("../../tmp", "/tmp can be written"),
        (
            "/usr/local/secret",
            "/usr/local/secret cannot be read by other accounts",
        ),
        (
            "/usr/local/secret/link",
            "/usr/local/secret cannot be read by other accounts",
        ),
        // The review's find: /proc/self is root's own when root resolves it, and the caller's
        // when the caller's go does; so is anything else through procfs or /dev/fd.
        ("/proc/self/cwd/usr/local/go1.23.2", "/proc is on procfs"),
        (
            "/proc/thread-self/cwd/usr/local/go1.23.2",
            "/proc is on procfs",
        ),
        ("/dev/fd/0", "/proc is on procfs"),
        // Not a Go root at all: refused before anything in it is walked.
        ("/", "which is not a Go root (it has no bin/go)"),
        ("/usr", "which is not a Go root (it has no bin/go)"),
    ];
    let before_all = ns.snapshot();
    for (to, why) in cases {
        let v = refused(
            &ns.admin(&["relink", "/usr/local/go", "go1.22.0", to]),
            "not-allowed",
        );
        says(&v["message"], why);
    }
    assert_eq!(ns.snapshot(), before_all, "nothing changed");
    assert_eq!(before["/usr/local/go"], before_all["/usr/local/go"]);
}

#[test]
fn only_a_go_install_s_own_links_change_never_a_startup_file_or_another_root_file() {
    let Some(ns) = stale_usr_local_go() else {
        return;
    };
    ns.link("/usr/local/secret/shadow", "/usr/local/bin/not-go");
    let before = ns.snapshot();
    for (path, from) in [
        ("/usr/local/secret/shadow", SECRET),
        ("/usr/local/bin/not-go", "/usr/local/secret/shadow"),
        ("/var/lib/nobody/.zshrc", "x"),
        ("/var/lib/gowarden/repairs.jsonl", "x"),
        ("/etc/passwd", "x"),
    ] {
        let v = refused(
            &ns.admin(&["relink", path, from, "/usr/local/go1.23.2"]),
            "not-allowed",
        );
        says(
            &v["message"],
            "is not one of the links gowarden changes as an administrator",
        );
    }
    // A path spelled to escape the list, a text the kernel reads otherwise than `Path` does,
    // or one that would make the prompt read otherwise, is not even a request.
    for words in [
        ["relink", "/usr/local/bin/../secret/shadow", "x", "y"],
        ["relink", "/usr/local/go", "go1.22.0", "go1.23.2/"],
        ["relink", "/usr/local/go", "go1.22.0", "go1.23.2\u{202e}"],
    ] {
        let r = ns.admin(&words);
        assert_eq!(r.status, 2, "{words:?}: {}{}", r.stdout, r.stderr);
    }
    // The right place, but the link does not hold what the caller says: refused, and what it
    // does hold is not quoted.
    let v = refused(
        &ns.admin(&["relink", "/usr/local/go", "go1.21.0", "go1.23.2"]),
        "changed",
    );
    says(&v["message"], "no longer points to");
    assert_eq!(ns.snapshot(), before, "nothing changed");
}

#[test]
fn the_program_that_runs_as_root_must_be_roots() {
    let Some(ns) = stale_usr_local_go() else {
        return;
    };
    // A copy the user owns, and a root-owned copy in a directory the user owns.
    for (dir, exe_owner) in [("/usr/local/nobody/a", NOBODY), ("/usr/local/nobody/b", 0)] {
        std::fs::create_dir_all(ns.at(dir)).unwrap();
        std::os::unix::fs::chown(ns.at(dir), Some(NOBODY), Some(NOBODY)).unwrap();
        let exe = ns.at(&format!("{dir}/gowarden"));
        std::fs::copy(env!("CARGO_BIN_EXE_gowarden"), &exe).unwrap();
        std::os::unix::fs::chown(&exe, Some(exe_owner), Some(exe_owner)).unwrap();
        let prog = format!("{dir}/gowarden");
        let r = run(&mut ns.command(None, &[("PATH", "/usr/bin:/bin")], &prog, &RELINK_ARGV));
        let v = refused(&r, "untrusted-program");
        says(&v["message"], "belongs to uid 65534");
    }
    assert_eq!(ns.text("/usr/local/go"), Path::new("go1.22.0"));
    assert!(
        std::fs::symlink_metadata(ns.at("/var/lib/gowarden")).is_err(),
        "refused before anything was made"
    );
    // And only root runs it.
    let r = run(&mut ns.command(
        Some(NOBODY),
        &[("PATH", "/usr/bin:/bin")],
        HELPER,
        &RELINK_ARGV,
    ));
    refused(&r, "not-root");
}

#[test]
fn the_users_lock_cannot_hold_root_up_and_roots_cannot_be_taken() {
    let Some(ns) = stale_usr_local_go() else {
        return;
    };
    let data = "/var/lib/nobody/.local/share/gowarden";
    std::fs::create_dir_all(ns.at(data)).unwrap();
    for entry in walkdir(&ns.at("/var/lib/nobody")) {
        std::os::unix::fs::lchown(&entry, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    // The user holds their own lock for as long as they like.
    let mut holder = ns
        .command(
            Some(NOBODY),
            &[("PATH", "/usr/bin:/bin")],
            "flock",
            &[&format!("{data}/repairs.lock"), "sleep", "120"],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    done(&ns.admin(&RELINK));
    let _ = holder.kill();
    let _ = holder.wait();
    // Root's own lock and journal are out of the user's reach.
    let r = run(&mut ns.command(
        Some(NOBODY),
        &[("PATH", "/usr/bin:/bin")],
        "sh",
        &[
            "-c",
            "touch /var/lib/gowarden/repairs.lock || cat /var/lib/gowarden/repairs.jsonl",
        ],
    ));
    assert_ne!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("Permission denied"), "{}", r.stderr);
}

/// The debug build's pause point between root's checks (and its intent) and the swap: a link
/// replaced there, even with the same text, is not the inode root checked.
#[cfg(debug_assertions)]
#[test]
fn a_link_replaced_between_the_check_and_the_swap_is_left_as_it_was_made() {
    let Some(ns) = stale_usr_local_go() else {
        return;
    };
    let pause = tempfile::tempdir().unwrap();
    let pause_dir = pause.path().to_str().unwrap().to_string();
    let child = ns
        .command(
            None,
            &[
                ("PATH", "/usr/bin:/bin"),
                ("GOWARDEN_TEST_PAUSE_AT", "admin-checked"),
                ("GOWARDEN_TEST_PAUSE_DIR", &pause_dir),
            ],
            HELPER,
            &RELINK_ARGV,
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let reached = pause.path().join("admin-checked.reached");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !reached.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "root never reached the pause"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // Another administrator program makes a new link with the very same text.
    ns.link("go1.22.0", "/usr/local/.other");
    std::fs::rename(ns.at("/usr/local/.other"), ns.at("/usr/local/go")).unwrap();
    let theirs = std::fs::symlink_metadata(ns.at("/usr/local/go"))
        .unwrap()
        .ino();
    std::fs::write(pause.path().join("resume"), b"").unwrap();
    let out = child.wait_with_output().unwrap();
    let r = Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    refused(&r, "changed");
    let now = std::fs::symlink_metadata(ns.at("/usr/local/go")).unwrap();
    assert_eq!(
        (now.ino(), ns.text("/usr/local/go")),
        (theirs, PathBuf::from("go1.22.0"))
    );
    let leftovers: Vec<_> = std::fs::read_dir(ns.at("/usr/local"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".gowarden-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn random_tampering_before_the_root_run_changes_only_the_requested_link() {
    let Some(ns) = stale_usr_local_go() else {
        return;
    };
    ns.go_root("go1.23.2-linux-amd64", "/usr/local/nobody/go");
    ns.go_root("go1.22.10-linux-amd64", "/usr/local/go1.22.10");
    ns.link("../go1.22.10/bin/go", "/usr/local/bin/go");
    std::fs::create_dir_all(ns.at("/var/lib/nobody/.local/share/gowarden/saved")).unwrap();
    let chown_user = |ns: &Ns| {
        for top in ["/var/lib/nobody", "/usr/local/nobody"] {
            for entry in walkdir(&ns.at(top)) {
                std::os::unix::fs::lchown(&entry, Some(NOBODY), Some(NOBODY)).unwrap();
            }
        }
    };
    chown_user(&ns);
    let mut rng = Rng::seeded("GOWARDEN_ADMIN_SEED", "tampering");
    let seed = rng.state();
    // The user's side of the machine, changed as the user (nobody) would change it.
    let data = "/var/lib/nobody/.local/share/gowarden";
    let forged_done = r#"{"kind":"repair","id":"x","at":"2026-12-01T00:00:00Z","finding":"f","path":"/usr/local/go","edits":[{"type":"link","path":"/usr/local/go","before":"/usr/local/nobody/go","after":"go1.22.0"}],"outcome":"done","message":"m"}"#;
    let forged_pending = r#"{"kind":"repair","id":"y","at":"2026-12-01T00:00:00Z","finding":"f","path":"/usr/local/bin/go","edits":[{"type":"link","path":"/usr/local/bin/go","before":"/usr/local/nobody/go/bin/go","after":"../go1.22.10/bin/go"}],"outcome":"pending","message":"m"}"#;
    let old_request = r#"{"gowarden_request":1,"uid":0,"gid":0,"task":{"kind":"undo","id":null,"force":true},"data_dir":"/var/lib/gowarden","root":"/usr/local/nobody","host":"darwin/arm64","cwd":"/","env":[]}"#;
    let tamper = |rng: &mut Rng| -> String {
        match rng.below(4) {
            0 => {
                let line = [forged_done, forged_pending, "{not json"][rng.below(3)];
                format!("printf '%s\\n' '{line}' >> {data}/repairs.jsonl")
            }
            1 => {
                let target = [
                    "/usr/local/secret/shadow",
                    "/usr/local/go",
                    "/var/lib/gowarden",
                    "/usr/local/bin",
                ][rng.below(4)];
                format!(
                    "mkdir -p {data}/saved && ln -sfn {target} {data}/saved/{}",
                    rng.below(1000)
                )
            }
            2 => {
                // The user's data directory, their Go tree or their .local, swapped for a
                // link to root's places (and back).
                let (v, t) = [
                    (data, "/var/lib/gowarden"),
                    ("/usr/local/nobody/go", "/usr/local/go1.23.2"),
                    ("/var/lib/nobody/.local", "/usr/local"),
                ][rng.below(3)];
                format!(
                    "if [ -d {v} ] && [ ! -L {v} ]; then rm -rf {v}.parked; mv {v} {v}.parked && ln -s {t} {v}; \
                     elif [ -e {v}.parked ]; then rm -f {v} && mv {v}.parked {v}; fi"
                )
            }
            _ => format!(
                "mkdir -p {data}/requests && printf '%s' '{old_request}' > {data}/requests/repair-1.json"
            ),
        }
    };
    // What the root run is asked, by a user who may ask anything.
    let requests: &[&[&str]] = &[
        &["relink", "/usr/local/go", "go1.22.0", "go1.23.2"],
        &["relink", "/usr/local/go", "go1.23.2", "go1.22.10"],
        &[
            "relink",
            "/usr/local/go",
            "go1.22.0",
            "/usr/local/nobody/go",
        ],
        &[
            "relink",
            "/usr/local/go",
            "go1.22.0",
            "../../var/lib/nobody/.local/share/gowarden/../../../../../usr/local/nobody/go",
        ],
        &[
            "relink",
            "/usr/local/bin/go",
            "../go1.22.10/bin/go",
            "/usr/local/nobody/go/bin/go",
        ],
        &[
            "relink",
            "/usr/local/bin/go",
            "../go1.22.10/bin/go",
            "../go1.23.2/bin/go",
            "/usr/local/go",
            "go1.22.0",
            "/usr/local/nobody/go",
        ],
        &["relink", "/usr/local/secret/shadow", SECRET, "x"],
        &[
            "undo",
            "x",
            "/usr/local/go",
            "go1.22.0",
            "/usr/local/nobody/go",
        ],
        &[
            "undo",
            "y",
            "/usr/local/bin/go",
            "../go1.22.10/bin/go",
            "/usr/local/nobody/go/bin/go",
        ],
    ];
    let envs: &[&[(&str, &str)]] = &[
        &[],
        &[
            ("GOROOT", "/usr/local/nobody/go"),
            ("PATH", "/usr/local/nobody/go/bin:/usr/bin"),
        ],
        &[
            ("GOWARDEN_ROOT", "/usr/local/nobody"),
            ("GOWARDEN_DATA_DIR", "/var/lib/nobody"),
        ],
        &[
            ("HOME", "/var/lib/nobody"),
            ("XDG_DATA_HOME", "/var/lib/nobody/.local/share"),
        ],
    ];
    let mut outcomes = BTreeMap::new();
    for round in 0..64 {
        for _ in 0..=rng.below(4) {
            let script = tamper(&mut rng);
            run(&mut ns.command(
                Some(NOBODY),
                &[("PATH", "/usr/bin:/bin")],
                "sh",
                &["-c", &format!("{script}; true")],
            ));
        }
        let before = ns.snapshot();
        // The first round asks for the one change the policy allows, so a success under
        // tampering is always among the rounds.
        let request = if round == 0 {
            requests[0]
        } else {
            requests[rng.below(requests.len())]
        };
        let env = envs[rng.below(envs.len())];
        let r = ns.admin_with(env, request);
        if round == 0 {
            assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
        }
        *outcomes
            .entry(r.json()["reason"].as_str().unwrap_or("done").to_string())
            .or_insert(0) += 1;
        let after = ns.snapshot();
        // Only links named in the request may differ, and each is its old or new text.
        let allowed: Vec<(String, &str, &str)> = if request[0] == "relink" {
            request[1..]
                .chunks(3)
                .map(|c| (c[0].to_string(), c[1], c[2]))
                .collect()
        } else {
            Vec::new()
        };
        for (path, was) in &before {
            let now = after.get(path);
            if now == Some(was) {
                continue;
            }
            let ok = allowed.iter().any(|(p, from, to)| {
                p == path
                    && now.is_some_and(|n| {
                        n == &was.replace(&format!("link {from} "), &format!("link {to} "))
                    })
            });
            assert!(
                ok,
                "round {round} (seed {seed}): {request:?} changed {path}: {was} -> {now:?}\n{}{}",
                r.stdout, r.stderr
            );
        }
        let added: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).collect();
        assert!(
            added.is_empty(),
            "round {round} (seed {seed}): {request:?} added {added:?}"
        );
        assert!(
            !r.stdout.contains(SECRET) && !r.stderr.contains(SECRET),
            "round {round}: a root-only file's content came back"
        );
        // Nothing of root's appeared on the user's side.
        for top in ["/var/lib/nobody", "/usr/local/nobody"] {
            for entry in walkdir(&ns.at(top)) {
                let m = std::fs::symlink_metadata(&entry).unwrap();
                assert_eq!(
                    m.uid(),
                    NOBODY,
                    "round {round}: root made {}",
                    entry.display()
                );
            }
        }
    }
    eprintln!("outcomes of the 64 root runs: {outcomes:?}");
}

/// Every path under `dir`, not following symlinks, `dir` included.
fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        for e in std::fs::read_dir(dir).unwrap() {
            out.extend(walkdir(&e.unwrap().path()));
        }
    }
    out
}

/// What is under `dir`: each path with its kind, owner and size.
fn listing(dir: &Path) -> Vec<String> {
    walkdir(dir)
        .iter()
        .map(|p| {
            let m = std::fs::symlink_metadata(p).unwrap();
            format!("{} {} {} {}", p.display(), m.uid(), m.mode(), m.len())
        })
        .collect()
}

#[test]
fn sudo_gowarden_repair_is_refused_for_the_one_admin_command() {
    if !running_as_root() {
        eprintln!("skipped: needs root");
        return;
    }
    for (var, args) in [
        (
            "SUDO_UID",
            &["repair", "dangling-symlink", "--yes", "--json"][..],
        ),
        ("PKEXEC_UID", &["undo", "--json"]),
    ] {
        let r = run(Command::new(env!("CARGO_BIN_EXE_gowarden"))
            .args(args)
            .env_clear()
            .env(var, "65534")
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", "/nonexistent"));
        let v = refused(&r, "not-allowed");
        says(&v["message"], "not through sudo or pkexec");
    }
    // osascript, su and doas name nobody, but leave the user's HOME.
    let home = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(home.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    let r = run(Command::new(env!("CARGO_BIN_EXE_gowarden"))
        .args(["repair", "dangling-symlink", "--yes", "--json"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path()));
    refused(&r, "not-allowed");
}

/// A new text is checked against what the links it goes through say now; through a link the
/// same request changes (or through the link itself) it would lead somewhere never checked.
#[test]
fn a_new_text_through_a_link_the_request_changes_is_refused() {
    let Some(ns) = Ns::new() else { return };
    ns.go_root("go1.23.2-linux-amd64", "/usr/local/go1.23.2");
    ns.go_root("go1.22.10-linux-amd64", "/usr/local/go1.22.10");
    ns.link("go1.22.10", "/usr/local/go");
    ns.link("../go1.22.10/bin/go", "/usr/local/bin/go");
    let before = ns.snapshot();
    for words in [
        &["relink", "/usr/local/go", "go1.22.10", "go/../go1.23.2"][..],
        &[
            "relink",
            "/usr/local/go",
            "go1.22.10",
            "go1.23.2",
            "/usr/local/bin/go",
            "../go1.22.10/bin/go",
            "../go/bin/go",
        ],
    ] {
        let v = refused(&ns.admin(words), "not-allowed");
        says(&v["message"], "a link this request leaves as it is");
    }
    assert_eq!(ns.snapshot(), before, "nothing changed");
    // Each alone is fine: through a link the request leaves as it is.
    done(&ns.admin(&[
        "relink",
        "/usr/local/bin/go",
        "../go1.22.10/bin/go",
        "../go/bin/go",
    ]));
    // go and gofmt into one Go root, together (the root is walked once for both).
    ns.link("../go1.22.10/bin/gofmt", "/usr/local/bin/gofmt");
    let v = done(&ns.admin(&[
        "relink",
        "/usr/local/bin/go",
        "../go/bin/go",
        "../go1.23.2/bin/go",
        "/usr/local/bin/gofmt",
        "../go1.22.10/bin/gofmt",
        "../go1.23.2/bin/gofmt",
    ]));
    says(&v["message"], "and 1 more link");
    says(&v["message"], "go1.23.2 at /usr/local/go1.23.2");
    assert_eq!(
        ns.text("/usr/local/bin/gofmt"),
        Path::new("../go1.23.2/bin/gofmt")
    );
}

/// Intel Homebrew's `/usr/local/opt/go` leads to a keg: the whole keg is checked, its `bin`
/// (what runs through `opt/go/bin/go`) as well as the Go root in `libexec`.
#[test]
fn a_homebrew_keg_link_is_repaired_only_to_a_keg_that_is_roots_throughout() {
    let Some(ns) = Ns::new() else { return };
    let keg = "/usr/local/Cellar/go/1.23.2";
    ns.go_root("go1.23.2-linux-amd64", &format!("{keg}/libexec"));
    std::fs::create_dir_all(ns.at(&format!("{keg}/bin"))).unwrap();
    ns.link("../libexec/bin/go", &format!("{keg}/bin/go"));
    std::fs::create_dir_all(ns.at("/usr/local/opt")).unwrap();
    ns.link("../Cellar/go/1.22.10", "/usr/local/opt/go");
    let request = [
        "relink",
        "/usr/local/opt/go",
        "../Cellar/go/1.22.10",
        "../Cellar/go/1.23.2",
    ];
    // A keg whose bin another account may change: refused.
    std::os::unix::fs::chown(ns.at(&format!("{keg}/bin")), Some(NOBODY), Some(NOBODY)).unwrap();
    let v = refused(&ns.admin(&request), "not-allowed");
    says(&v["message"], "bin belongs to uid 65534");
    assert_eq!(
        ns.text("/usr/local/opt/go"),
        Path::new("../Cellar/go/1.22.10")
    );
    // Root's throughout: repaired.
    std::os::unix::fs::chown(ns.at(&format!("{keg}/bin")), Some(0), Some(0)).unwrap();
    done(&ns.admin(&request));
    assert_eq!(
        ns.text("/usr/local/opt/go"),
        Path::new("../Cellar/go/1.23.2")
    );
}
