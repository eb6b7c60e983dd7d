//! `gowarden repair` and `gowarden undo` on fake machines built from real toolchains: the
//! breakages users hit, repaired and undone the way users run it, judged on the disk, the JSON
//! contract and the journal.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use gowarden::journal::Journal;
use gowarden::repair::{Outcome, RecordKind, RepairRecord};
use serde_json::Value;

use crate::util::{Machine, Rng, Run, finding, run, running_as_root, says};

fn text(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn link_text(p: &Path) -> PathBuf {
    std::fs::read_link(p)
        .unwrap_or_else(|e| panic!("{} is not a readable symlink: {e}", p.display()))
}

/// The machine's repair journal (the data directory is HOME's, as for a darwin host).
fn journal(m: &Machine) -> Journal {
    Journal::open(m.home("Library/Application Support/dev.gowarden.gowarden/repairs.jsonl"))
}

fn records(m: &Machine) -> Vec<RepairRecord> {
    let r = journal(m).read_all::<RepairRecord>().unwrap();
    assert_eq!(r.skipped, 0, "every journal line parses");
    r.records
}

#[track_caller]
fn ok_json(r: &Run) -> Value {
    assert_eq!(r.status, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r.json()
}

#[track_caller]
fn refused(r: &Run, reason: &str) -> Value {
    assert_eq!(r.status, 1, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["reason"], reason, "{v:#}");
    v
}

/// Homebrew on Apple Silicon after an upgrade and `brew cleanup`: the 1.22.10 keg is gone but
/// `bin/go` and `bin/gofmt` still name it; the 1.23.2 keg is installed, unlinked. A `node`
/// link into another dangling keg sits beside them.
fn upgraded_homebrew() -> (Machine, [PathBuf; 3]) {
    let m = Machine::new("darwin/arm64");
    let keg = m.sys("/opt/homebrew/Cellar/go/1.23.2");
    m.install("go1.23.2-darwin-arm64", &keg.join("libexec"));
    m.link("../libexec/bin/go", &keg.join("bin/go"));
    m.link("../libexec/bin/gofmt", &keg.join("bin/gofmt"));
    let bin = m.sys("/opt/homebrew/bin");
    m.link("../Cellar/go/1.22.10/bin/go", &bin.join("go"));
    m.link("../Cellar/go/1.22.10/bin/gofmt", &bin.join("gofmt"));
    m.link("../Cellar/node/22.1.0/bin/node", &bin.join("node"));
    m.path(&bin).path(m.sys("/usr/bin"));
    (m, [bin.join("go"), bin.join("gofmt"), bin.join("node")])
}

#[test]
fn homebrew_upgrade_left_go_and_gofmt_dangling_repaired_to_the_remaining_keg() {
    let (m, [go, gofmt, node]) = upgraded_homebrew();
    let (r, status) = m.doctor();
    assert_eq!(status, 1, "no go works");
    let f = finding(&r, "dangling-symlink");
    let id = f["id"].as_str().unwrap().to_string();
    assert_eq!(f["action"]["kind"], "relink");

    let list = ok_json(&m.gowarden(&["repair", "--list", "--json"]));
    assert_eq!(list["repairable"][0]["id"], id.as_str());

    let dry = ok_json(&m.gowarden(&["repair", "dangling-symlink", "--dry-run", "--json"]));
    assert_eq!(dry["status"], "dry-run");
    assert_eq!(dry["plan"]["edits"].as_array().unwrap().len(), 2, "{dry:#}");
    assert_eq!(
        link_text(&go),
        Path::new("../Cellar/go/1.22.10/bin/go"),
        "dry run"
    );

    let out = m.gowarden(&["repair", &id, "--json"]);
    assert_eq!(
        out.status, 2,
        "no terminal to ask and no --yes: {}",
        out.stderr
    );
    says(&Value::String(out.stderr), "--yes");

    let done = ok_json(&m.gowarden(&["repair", &id, "--yes", "--json"]));
    assert_eq!(done["status"], "done");
    assert_eq!(link_text(&go), Path::new("../Cellar/go/1.23.2/bin/go"));
    assert_eq!(
        link_text(&gofmt),
        Path::new("../Cellar/go/1.23.2/bin/gofmt")
    );
    assert_eq!(
        link_text(&node),
        Path::new("../Cellar/node/22.1.0/bin/node"),
        "not Go's"
    );
    let (r, status) = m.doctor();
    assert_eq!(status, 0, "{:#}", r["findings"]);
    assert_eq!(r["active"]["version"], "go1.23.2");

    // The journal: an intent, then its outcome, with every edit's exact before and after.
    let recs = records(&m);
    let rid = done["id"].as_str().unwrap();
    let mine: Vec<_> = recs.iter().filter(|r| r.id == rid).collect();
    assert_eq!(
        mine.iter().map(|r| r.outcome).collect::<Vec<_>>(),
        [Outcome::Pending, Outcome::Done]
    );
    assert_eq!(mine[1].kind, RecordKind::Repair);
    assert_eq!(mine[1].finding, id);
    assert_eq!(mine[1].path, go);
    assert_eq!(mine[1].edits.len(), 2);
    assert!(mine[1].change().is_some(), "a drift event for history");

    // Undo brings the exact old state back: dangling, byte for byte.
    let undone = ok_json(&m.gowarden(&["undo", "--json"]));
    assert_eq!(undone["record"]["undoes"], rid);
    assert_eq!(link_text(&go), Path::new("../Cellar/go/1.22.10/bin/go"));
    assert_eq!(
        link_text(&gofmt),
        Path::new("../Cellar/go/1.22.10/bin/gofmt")
    );
    assert_eq!(m.doctor().1, 1);
    refused(&m.gowarden(&["undo", "--json"]), "nothing-to-undo");
    refused(&m.gowarden(&["undo", rid, "--json"]), "already-undone");

    // History holds the repair and the undo, in order, with what the link said before and after.
    let history = m.gowarden(&["history", "--json"]);
    assert_eq!(history.status, 0, "{}", history.stderr);
    let events: Vec<Value> = history
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["repaired", "undone"], "{events:#?}");
    assert_eq!(events[0]["subject"], go.to_str().unwrap());
    assert_eq!(events[0]["before"], "../Cellar/go/1.22.10/bin/go");
    assert_eq!(events[0]["after"], "../Cellar/go/1.23.2/bin/go");
}

#[test]
fn dry_run_and_undo_text() {
    let (m, _) = upgraded_homebrew();
    let dry = m.gowarden(&["repair", "dangling-symlink", "--dry-run"]);
    assert_eq!(dry.status, 0, "{}", dry.stderr);
    insta::assert_snapshot!("repair_dry_run_text", m.redact(&dry.stdout));

    let done = ok_json(&m.gowarden(&["repair", "dangling-symlink", "--yes", "--json"]));
    let undo = m.gowarden(&["undo"]);
    assert_eq!(undo.status, 0, "{}", undo.stderr);
    let id = done["id"].as_str().unwrap();
    insta::assert_snapshot!(
        "undo_text",
        m.redact(&undo.stdout).replace(id, "[repair id]")
    );
}

/// `/usr/local/go -> go1.22.0`, removed; two trees unpacked beside it.
fn stale_usr_local_go() -> (Machine, PathBuf) {
    let m = Machine::new("darwin/arm64");
    m.install("go1.23.2-darwin-arm64", &m.sys("/usr/local/go1.23.2"));
    m.install("go1.22.10-darwin-arm64", &m.sys("/usr/local/go1.22.10"));
    let link = m.sys("/usr/local/go");
    m.link("go1.22.0", &link);
    m.path_as_is(m.sys("/usr/local/go/bin"))
        .path(m.sys("/usr/bin"));
    (m, link)
}

#[test]
fn stale_usr_local_go_directory_link_and_to_picks_another_candidate() {
    let (m, link) = stale_usr_local_go();
    let older = m.sys("/usr/local/go1.22.10");
    let done = ok_json(&m.gowarden(&[
        "repair",
        text(&link),
        "--to",
        text(&older),
        "--yes",
        "--json",
    ]));
    assert_eq!(
        link_text(&link),
        Path::new("go1.22.10"),
        "relative, as it was"
    );
    let (r, status) = m.doctor();
    assert_eq!(
        (status, r["active"]["version"].as_str()),
        (0, Some("go1.22.10"))
    );

    let undone = ok_json(&m.gowarden(&["undo", done["id"].as_str().unwrap(), "--json"]));
    assert_eq!(undone["status"], "done");
    assert_eq!(link_text(&link), Path::new("go1.22.0"));

    // By default: the newest native candidate.
    ok_json(&m.gowarden(&["repair", "dangling-symlink", "--yes", "--json"]));
    assert_eq!(link_text(&link), Path::new("go1.23.2"));
    assert_eq!(m.doctor().1, 0);
}

#[test]
fn wrong_arch_and_non_go_targets_are_refused_untouched() {
    let (m, link) = stale_usr_local_go();
    let linux = m.install("go1.23.2-linux-amd64", &m.sys("/usr/local/go1.24.0"));
    let junk = m.sys("/usr/local/not-go");
    m.write(&junk.join("bin/go"), "#!/bin/sh\necho go version go1.99\n");
    m.write(&junk.join("VERSION"), "go1.99.0\n");
    let v = refused(
        &m.gowarden(&[
            "repair",
            text(&link),
            "--to",
            text(&linux),
            "--yes",
            "--json",
        ]),
        "not-a-candidate",
    );
    says(&v["message"], "cannot run on this darwin/arm64 machine");
    let v = refused(
        &m.gowarden(&[
            "repair",
            text(&link),
            "--to",
            text(&junk),
            "--yes",
            "--json",
        ]),
        "not-a-candidate",
    );
    says(&v["message"], "not one of this link's healthy targets");
    let v = refused(
        &m.gowarden(&["repair", text(&link), "--to", "/nowhere", "--yes", "--json"]),
        "not-a-candidate",
    );
    says(
        &v["message"],
        &m.sys("/usr/local/go1.23.2").display().to_string(),
    );
    assert_eq!(link_text(&link), Path::new("go1.22.0"));
    assert!(records(&m).is_empty(), "refused before any intent");
}

#[test]
fn a_regular_file_or_directory_at_the_path_is_refused_untouched() {
    let m = Machine::new("darwin/arm64");
    m.install("go1.23.2-darwin-arm64", &m.sys("/usr/local/go"));
    let copied = m.sys("/opt/homebrew/bin/go");
    m.write(&copied, "not a link");
    m.path(m.sys("/usr/local/go/bin"));
    let v = refused(
        &m.gowarden(&["repair", text(&copied), "--yes", "--json"]),
        "not-found",
    );
    says(&v["message"], "is a regular file");
    let v = refused(
        &m.gowarden(&["repair", text(&m.sys("/usr/local/go")), "--yes", "--json"]),
        "not-found",
    );
    says(&v["message"], "is a directory");
    assert_eq!(std::fs::read(&copied).unwrap(), b"not a link");
    assert!(m.sys("/usr/local/go/bin/go").is_file());
}

/// Starts `gowarden ARGS` on `m`, paused at `point` (the test-only hook), and waits until it
/// gets there.
fn paused(m: &Machine, args: &[&str], point: &str) -> (Child, PathBuf) {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let hooks = m.home(&format!("hooks/{n}"));
    std::fs::create_dir_all(&hooks).unwrap();
    let mut child = m
        .command(args)
        .env("GOWARDEN_TEST_PAUSE_AT", point)
        .env("GOWARDEN_TEST_PAUSE_DIR", &hooks)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while !hooks.join(format!("{point}.reached")).exists() {
        if let Some(s) = child.try_wait().unwrap() {
            panic!("gowarden exited ({s}) before reaching {point}");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    (child, hooks)
}

/// Lets a paused run go on, and returns how it ended.
fn resume(child: Child, hooks: &Path) -> Run {
    std::fs::write(hooks.join("resume"), b"").unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn replace_link(target: &str, link: &Path) {
    let tmp = link.with_file_name(".racer");
    std::os::unix::fs::symlink(target, &tmp).unwrap();
    std::fs::rename(&tmp, link).unwrap();
}

#[test]
fn a_repair_racing_another_process_that_changes_the_link_is_detected() {
    let (m, [go, gofmt, _]) = upgraded_homebrew();
    let args = ["repair", "dangling-symlink", "--yes", "--json"];

    // Another program re-points bin/go between the plan's last check and the swap.
    let (child, hooks) = paused(&m, &args, "temp-created");
    replace_link("../Cellar/go/1.21.0/bin/go", &go);
    let out = resume(child, &hooks);
    let v = refused(&out, "changed");
    says(&v["message"], "another program changed it");
    assert_eq!(
        link_text(&go),
        Path::new("../Cellar/go/1.21.0/bin/go"),
        "theirs kept"
    );
    assert_eq!(
        link_text(&gofmt),
        Path::new("../Cellar/go/1.22.10/bin/gofmt")
    );
    let last = records(&m).pop().unwrap();
    assert_eq!(last.outcome, Outcome::Failed);
    let leftovers: Vec<_> = std::fs::read_dir(go.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".gowarden"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Halfway: bin/go done, then bin/gofmt changes under it. All or nothing: bin/go goes back.
    replace_link("../Cellar/go/1.22.10/bin/go", &go);
    let (child, hooks) = paused(&m, &args, "edit-done");
    replace_link("/elsewhere/gofmt", &gofmt);
    refused(&resume(child, &hooks), "changed");
    assert_eq!(
        link_text(&go),
        Path::new("../Cellar/go/1.22.10/bin/go"),
        "put back"
    );
    assert_eq!(
        link_text(&gofmt),
        Path::new("/elsewhere/gofmt"),
        "theirs kept"
    );
}

#[test]
fn the_link_replaced_by_a_file_or_directory_mid_repair_is_left_untouched() {
    let (m, [go, _, _]) = upgraded_homebrew();
    let args = ["repair", "dangling-symlink", "--yes", "--json"];
    let (child, hooks) = paused(&m, &args, "temp-created");
    std::fs::remove_file(&go).unwrap();
    m.write(&go, "a real file now");
    refused(&resume(child, &hooks), "changed");
    assert_eq!(std::fs::read(&go).unwrap(), b"a real file now");

    std::fs::remove_file(&go).unwrap();
    m.link("../Cellar/go/1.22.10/bin/go", &go);
    let (child, hooks) = paused(&m, &args, "temp-created");
    std::fs::remove_file(&go).unwrap();
    std::fs::create_dir(&go).unwrap();
    std::fs::write(go.join("keep"), b"mine").unwrap();
    refused(&resume(child, &hooks), "changed");
    assert_eq!(std::fs::read(go.join("keep")).unwrap(), b"mine");
}

#[test]
fn a_repair_waits_while_an_interrupted_one_on_the_same_link_cannot_be_put_back() {
    let (m, [go, gofmt, _]) = upgraded_homebrew();
    // Interrupted halfway: gofmt was moved to the new keg, go not yet. Putting gofmt back
    // cannot work: the link text it had is longer than the system allows (how else to make
    // a put-back fail for root, who may write anywhere).
    replace_link("../Cellar/go/1.23.2/bin/gofmt", &gofmt);
    let intent = RepairRecord {
        kind: RecordKind::Repair,
        id: "20260523-141503-beef".into(),
        at: "2026-05-23T14:15:03Z".into(),
        finding: "dangling-symlink".into(),
        undoes: None,
        path: gofmt.clone(),
        edits: vec![
            gowarden::repair::Edit::Link {
                path: gofmt.clone(),
                before: "x/".repeat(4096).into(),
                after: "../Cellar/go/1.23.2/bin/gofmt".into(),
            },
            gowarden::repair::Edit::Link {
                path: go.clone(),
                before: "../Cellar/go/1.22.10/bin/go".into(),
                after: "../Cellar/go/1.23.2/bin/go".into(),
            },
        ],
        outcome: Outcome::Pending,
        reconciled: false,
        message: "m".into(),
        error: None,
        elevated: false,
        warning: None,
    };
    journal(&m).append(&intent).unwrap();

    let v = refused(
        &m.gowarden(&["repair", "dangling-symlink", "--yes", "--json"]),
        "unsettled",
    );
    assert_eq!(v["status"], "failed");
    says(&v["message"], &intent.id);
    says(&v["message"], "nothing was changed");
    assert_eq!(
        link_text(&go),
        Path::new("../Cellar/go/1.22.10/bin/go"),
        "not repaired"
    );
    assert_eq!(
        link_text(&gofmt),
        Path::new("../Cellar/go/1.23.2/bin/gofmt")
    );
    let latest = records(&m);
    assert_eq!(
        latest.last().unwrap().outcome,
        Outcome::Pending,
        "tried again later"
    );
}

#[test]
fn undo_refuses_a_link_changed_since_the_repair_unless_forced() {
    let (m, link) = stale_usr_local_go();
    let done = ok_json(&m.gowarden(&["repair", "dangling-symlink", "--yes", "--json"]));
    replace_link("go1.22.10", &link);
    let v = refused(&m.gowarden(&["undo", "--json"]), "changed");
    says(&v["message"], "--force");
    assert_eq!(link_text(&link), Path::new("go1.22.10"));
    let v = ok_json(&m.gowarden(&["undo", "--force", "--json"]));
    assert_eq!(v["record"]["undoes"], done["id"]);
    assert_eq!(link_text(&link), Path::new("go1.22.0"));
}

#[test]
fn goroot_export_line_is_commented_out_and_undo_restores_the_file_byte_for_byte() {
    let m = Machine::new("darwin/arm64");
    m.homebrew("/opt/homebrew", "go1.23.2-darwin-arm64", "1.23.2");
    let old = m.install("go1.22.10-darwin-arm64", &m.sys("/usr/local/go"));
    m.path(m.sys("/opt/homebrew/bin")).env("GOROOT", &old);
    // A dotfiles manager's link: the file it leads to is edited, the link stays.
    let rc = m.home("dotfiles/zshrc");
    m.link("dotfiles/zshrc", &m.home(".zshrc"));
    let mut before = b"# my zshrc\r\nalias ll='ls -l'\n".to_vec();
    before.extend_from_slice(format!("export GOROOT={}\n", old.display()).as_bytes());
    before.extend_from_slice(b"export PATH=$GOROOT/bin:$PATH\n\xff\xfe not utf-8, no newline");
    m.write(&rc, &before);
    std::fs::set_permissions(&rc, std::fs::Permissions::from_mode(0o640)).unwrap();

    let done = ok_json(&m.gowarden(&["repair", "goroot-env-mismatch", "--yes", "--json"]));
    let after = std::fs::read(&rc).unwrap();
    let mut expected = b"# my zshrc\r\nalias ll='ls -l'\n# gowarden: ".to_vec();
    expected.extend_from_slice(&before[b"# my zshrc\r\nalias ll='ls -l'\n".len()..]);
    assert_eq!(after, expected, "exactly that line, every other byte kept");
    let mode = std::fs::metadata(&rc).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    says(&done["message"], "commented out line 3");
    assert_eq!(link_text(&m.home(".zshrc")), Path::new("dotfiles/zshrc"));

    ok_json(&m.gowarden(&["undo", "--json"]));
    assert_eq!(std::fs::read(&rc).unwrap(), before, "byte for byte");
    assert_eq!(
        std::fs::metadata(&rc).unwrap().permissions().mode() & 0o777,
        0o640
    );

    // Edited by someone else while the repair was underway: refused, their edit kept.
    let (child, hooks) = paused(
        &m,
        &["repair", "goroot-env-mismatch", "--yes", "--json"],
        "temp-created",
    );
    let mut theirs = before.clone();
    theirs.extend_from_slice(b"\nexport EDITOR=vi\n");
    m.write(&rc, &theirs);
    refused(&resume(child, &hooks), "changed");
    assert_eq!(std::fs::read(&rc).unwrap(), theirs);
}

/// Makes a machine readable by anyone, so another user can scan it.
fn open_up(m: &Machine) {
    let top = m.sys("/").parent().unwrap().to_path_buf();
    for d in [top.clone(), m.sys("/"), m.home(""), m.work()] {
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_read_only_link_outside_the_administrator_policy_is_refused_without_a_sudo_line() {
    // A machine under GOWARDEN_ROOT is a preview: its links are not the system's, so none
    // is one of the places an administrator run may change, and no administrator is asked.
    let (m, link) = stale_usr_local_go();
    let parent = link.parent().unwrap().to_path_buf();
    let data = m.home("data");
    std::fs::create_dir_all(&data).unwrap();
    m.env("GOWARDEN_DATA_DIR", &data);
    let args = ["repair", "dangling-symlink", "--yes", "--json"];
    let out = if running_as_root() {
        if !cfg!(target_os = "linux") {
            return;
        }
        // Root writes anywhere: run as nobody, who owns only the data directory.
        as_nobody(&m, &data, &args)
    } else {
        std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o555)).unwrap();
        let out = m.gowarden(&args);
        std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o755)).unwrap();
        out
    };
    let v = refused(&out, "not-allowed");
    says(
        &v["message"],
        "is not one of the links gowarden changes as an administrator",
    );
    says(&v["message"], "no administrator is needed or allowed");
    assert_eq!(v["sudo"], Value::Null, "{v}");
    assert_eq!(link_text(&link), Path::new("go1.22.0"), "nothing changed");
    let j = Journal::open(data.join("repairs.jsonl"))
        .read_all::<RepairRecord>()
        .unwrap();
    assert!(j.records.is_empty(), "refused before any intent");
}

/// `gowarden <args>` on `m` as user 65534 (nobody), who owns only the data directory `data`
/// (root writes anywhere, so a root test needs someone who cannot).
fn as_nobody(m: &Machine, data: &Path, args: &[&str]) -> Run {
    open_up(m);
    std::os::unix::fs::chown(data, Some(65534), Some(65534)).unwrap();
    let mine = m.command(args);
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("setpriv (util-linux) is installed");
    let mut cmd = Command::new(setpriv);
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(mine.get_program())
        .args(mine.get_args())
        .env_clear()
        .envs(mine.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(mine.get_current_dir().unwrap());
    run(&mut cmd)
}

#[test]
fn kill_9_at_any_moment_leaves_the_old_or_new_link_and_a_journal_that_reconciles() {
    let (m, [go, gofmt, _]) = upgraded_homebrew();
    let old = [
        PathBuf::from("../Cellar/go/1.22.10/bin/go"),
        PathBuf::from("../Cellar/go/1.22.10/bin/gofmt"),
    ];
    let new = [
        PathBuf::from("../Cellar/go/1.23.2/bin/go"),
        PathBuf::from("../Cellar/go/1.23.2/bin/gofmt"),
    ];
    let mut rng = Rng::seeded("GOWARDEN_KILL_SEED", "kill -9 loop");
    let seed = rng.state();
    let points = [
        "intent-written",
        "temp-created",
        "swapped",
        "edit-done",
        "before-outcome",
    ];
    let (mut killed, mut finished) = (0, 0);
    let mut settled = std::collections::BTreeSet::new();
    for i in 0..240 {
        let state = [link_text(&go), link_text(&gofmt)];
        let repaired = state == new;
        assert!(
            repaired || state == old,
            "seed {seed}, iteration {i}: {state:?}"
        );
        let args: &[&str] = if repaired {
            &["undo", "--json"]
        } else {
            &["repair", "dangling-symlink", "--yes", "--json"]
        };
        let hooks = m.home(&format!("kill/{i}"));
        std::fs::create_dir_all(&hooks).unwrap();
        let mut cmd = m.command(args);
        // Every step in turn, and a random moment every third run or so.
        let point = points.get(i % (points.len() + 2)).copied();
        if let Some(p) = point {
            cmd.env("GOWARDEN_TEST_PAUSE_AT", p)
                .env("GOWARDEN_TEST_PAUSE_DIR", &hooks);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        match point {
            // Kill exactly at a step (if this run reaches it).
            Some(p) => loop {
                if hooks.join(format!("{p}.reached")).exists() {
                    break;
                }
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_micros(200));
            },
            // Kill at a random moment: before, during or after the transaction.
            None => std::thread::sleep(Duration::from_micros(rng.below(12_000) as u64)),
        }
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        } else {
            finished += 1;
        }
        let _ = child.kill();
        child.wait().unwrap();

        // Right after the kill: each link exists and says old or new.
        for (k, l) in [&go, &gofmt].into_iter().enumerate() {
            let t = link_text(l);
            assert!(
                t == old[k] || t == new[k],
                "seed {seed}, iteration {i} ({point:?}): {} -> {}",
                l.display(),
                t.display()
            );
        }
        // The journal reads, and the next start settles it.
        journal(&m).read_all::<RepairRecord>().unwrap();
        let list = m.gowarden(&["repair", "--list", "--json"]);
        assert_eq!(list.status, 0, "{}", list.stderr);
        for r in list.json()["reconciled"].as_array().unwrap() {
            settled.insert(r["outcome"].as_str().unwrap().to_string());
        }
        let recs = journal(&m).read_all::<RepairRecord>().unwrap().records;
        let latest = gowarden::repair::record::latest(&recs);
        assert!(
            latest.iter().all(|r| r.outcome != Outcome::Pending),
            "seed {seed}, iteration {i}: {latest:#?}"
        );
        let state = [link_text(&go), link_text(&gofmt)];
        assert!(
            state == old || state == new,
            "seed {seed}, iteration {i}: all or nothing, got {state:?}"
        );
        // The journal agrees with the disk: the last transaction that finished says where.
        if let Some(last) = latest.iter().rev().find(|r| r.outcome == Outcome::Done) {
            let repaired_now = state == new;
            assert_eq!(
                repaired_now,
                last.kind == RecordKind::Repair,
                "seed {seed}, iteration {i}: {last:#?}"
            );
        }
    }
    eprintln!("{killed} killed mid-run, {finished} finished before the kill; settled: {settled:?}");
    assert!(killed > 100, "the loop must mostly kill mid-run: {killed}");
    // Killed before acting, halfway through the two links, and after both: each was settled.
    for outcome in ["failed", "rolled-back", "done"] {
        assert!(
            settled.contains(outcome),
            "{outcome} never reconciled: {settled:?}"
        );
    }
}
