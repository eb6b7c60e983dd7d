//! `gowarden watch` and `gowarden history` on fake machines built from real toolchains: the
//! machine changes on disk the way an upgrade, a cleanup or an edited shell file changes it,
//! and the watcher must say so, once per subject.
//!
//! No timing is asserted. Each wait has a 30 s deadline that only guards against a hang; "no
//! other event" is shown by order: a sentinel change made afterwards must be the very next
//! thing the watcher reports.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use serde_json::Value;

use crate::util::{Dir, Machine, copy_tree, shell};

/// How long to wait for one line before calling it a hang.
const HANG: Duration = Duration::from_secs(30);

/// A `gowarden watch --json` running on a machine.
struct Watching {
    child: Child,
    lines: Receiver<String>,
    /// The sentinel links made so far.
    sentinels: usize,
    sentinel_dir: PathBuf,
}

impl Watching {
    /// Starts watching `m` (whose PATH must include `sentinel_dir`), journaling to `data`,
    /// and reads the initial summary line.
    fn start(m: &Machine, data: &Path, sentinel_dir: &Path, extra: &[&str]) -> (Watching, Value) {
        let mut args = vec!["watch", "--json"];
        args.extend_from_slice(extra);
        let mut child = m
            .command(&args)
            .env("GOWARDEN_DATA_DIR", data)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn gowarden watch");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut w = Watching {
            child,
            lines,
            sentinels: 0,
            sentinel_dir: sentinel_dir.to_path_buf(),
        };
        let first = w.next();
        assert_eq!(first["kind"], "initial", "{first}");
        (w, first)
    }

    /// The next line, parsed.
    fn next(&mut self) -> Value {
        match self.lines.recv_timeout(HANG) {
            Ok(line) => serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}")),
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                panic!("gowarden watch printed nothing for {HANG:?}")
            }
            Err(RecvTimeoutError::Disconnected) => panic!("gowarden watch stopped early"),
        }
    }

    /// Events up to and including the first of `kind` about `subject`.
    fn until(&mut self, kind: &str, subject: &Path) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let e = self.next();
            let done = e["kind"] == kind && e["subject"] == subject.to_str().unwrap();
            seen.push(e);
            if done {
                return seen;
            }
        }
    }

    /// Makes a change nobody else makes (a new dangling `go` link late on PATH) and returns
    /// the events before its own: whatever else the watcher still had to say.
    fn drain_with_sentinel(&mut self) -> Vec<Value> {
        self.sentinels += 1;
        let link = self
            .sentinel_dir
            .join(format!("s{}", self.sentinels))
            .join("go");
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        let _ = std::fs::remove_dir_all(self.sentinel_dir.join(format!("s{}", self.sentinels - 1)));
        std::os::unix::fs::symlink("/nonexistent/sentinel", &link).unwrap();
        let mut seen = self.until("link-broken", &link);
        seen.pop();
        seen.into_iter()
            .filter(|e| !e["subject"].as_str().unwrap_or("").contains("/nonexistent"))
            .filter(|e| !is_sentinel(e))
            .collect()
    }

    /// Stops with `signal` and returns the exit status.
    fn stop(mut self, signal: i32) -> Option<i32> {
        // SAFETY: kill only sends a signal to our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, signal) };
        let deadline = std::time::Instant::now() + HANG;
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code();
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("gowarden watch did not stop within {HANG:?} of signal {signal}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Events the sentinel itself causes (its links, and the dangling-symlink findings about
/// them, which the diff already covers).
fn is_sentinel(e: &Value) -> bool {
    let s = e["subject"].as_str().unwrap_or("");
    s.contains("/sentinel/s")
}

fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

/// A Mac with Homebrew's go 1.23.2 and a second keg (1.22.10) poured beside it, Homebrew's
/// bin first on PATH and an empty sentinel area last.
fn mac_with_two_kegs() -> (Machine, PathBuf) {
    let m = Machine::new("darwin/arm64");
    m.homebrew("/opt/homebrew", "go1.23.2-darwin-arm64", "1.23.2");
    let keg = m.sys("/opt/homebrew/Cellar/go/1.22.10");
    m.install("go1.22.10-darwin-arm64", &keg.join("libexec"));
    m.link("../libexec/bin/go", &keg.join("bin/go"));
    let sentinel = m.work().join("sentinel");
    std::fs::create_dir_all(&sentinel).unwrap();
    m.path(m.sys("/opt/homebrew/bin"));
    (m, sentinel)
}

/// Sentinel links live in numbered PATH directories under `sentinel`; the machine's PATH must
/// list them before the watcher starts.
fn with_sentinel_path(m: &Machine, sentinel: &Path, n: usize) {
    for i in 1..=n {
        m.path(sentinel.join(format!("s{i}")));
    }
}

/// Replaces `link` atomically, as `ln -sfn` on macOS and Homebrew's relinking do: a new link
/// beside it, renamed over it.
fn relink(target: &str, link: &Path) {
    let tmp = link.with_extension("tmp-relink");
    std::os::unix::fs::symlink(target, &tmp).unwrap();
    std::fs::rename(&tmp, link).unwrap();
}

#[test]
fn flipping_homebrews_link_between_two_versions_is_one_version_changed() {
    let (m, sentinel) = mac_with_two_kegs();
    with_sentinel_path(&m, &sentinel, 3);
    let data = Dir::new();
    let (mut w, first) = Watching::start(&m, data.path(), &sentinel, &[]);
    assert_eq!(first["subject"], "process");
    assert_eq!(first["after"], "ok", "{first}");
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .starts_with("go1.23.2 · arm64 native")
    );

    let link = m.sys("/opt/homebrew/bin/go");
    relink("../Cellar/go/1.22.10/bin/go", &link);
    let events = w.until("version-changed", &link);
    assert_eq!(kinds(&events), ["version-changed"], "{events:#?}");
    let e = &events[0];
    assert_eq!(
        (e["before"].as_str(), e["after"].as_str()),
        (Some("go1.23.2"), Some("go1.22.10"))
    );
    assert!(e["at"].as_str().unwrap().ends_with('Z'), "{e}");
    for key in ["at", "kind", "subject", "before", "after", "message"] {
        assert!(e.get(key).is_some(), "{key} in {e}");
    }
    assert!(w.drain_with_sentinel().is_empty(), "one event for the flip");

    // And back.
    relink("../Cellar/go/1.23.2/bin/go", &link);
    let events = w.until("version-changed", &link);
    assert_eq!(kinds(&events), ["version-changed"], "{events:#?}");
    assert_eq!(events[0]["after"], "go1.23.2");
    assert!(w.drain_with_sentinel().is_empty());

    // Every event is in the history, in order.
    let h = m
        .command(&["history", "--json"])
        .env("GOWARDEN_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert!(h.status.success());
    let history: Vec<Value> = String::from_utf8(h.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let flips: Vec<_> = history
        .iter()
        .filter(|e| e["kind"] == "version-changed")
        .collect();
    assert_eq!(flips.len(), 2);
    assert_eq!(flips[1]["after"], "go1.23.2");
    assert!(
        history.iter().all(|e| e["kind"] != "initial"),
        "the summary line is not history"
    );
    assert_eq!(w.stop(libc::SIGINT), Some(0));
}

#[test]
fn brew_cleanup_of_the_linked_keg_breaks_the_link_and_reinstalling_repairs_it() {
    let (m, sentinel) = mac_with_two_kegs();
    with_sentinel_path(&m, &sentinel, 3);
    let data = Dir::new();
    let (mut w, _) = Watching::start(&m, data.path(), &sentinel, &[]);
    let link = m.sys("/opt/homebrew/bin/go");
    let keg = m.sys("/opt/homebrew/Cellar/go/1.23.2");
    let stash = m.work().join("stash");
    std::fs::rename(&keg, &stash).unwrap();
    let events = w.until("link-broken", &link);
    let mut all = events.clone();
    all.extend(w.drain_with_sentinel());
    let k = kinds(&all);
    assert!(k.contains(&"link-broken".to_string()), "{all:#?}");
    assert!(k.contains(&"installation-removed".to_string()), "{all:#?}");
    let broken = all.iter().find(|e| e["kind"] == "link-broken").unwrap();
    assert_eq!(broken["before"], "../Cellar/go/1.23.2/bin/go");
    // One event per subject.
    let mut subjects: Vec<(&str, &str)> = all
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["subject"].as_str().unwrap()))
        .collect();
    let n = subjects.len();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), n, "{all:#?}");

    std::fs::rename(&stash, &keg).unwrap();
    let mut back = w.until("link-repaired", &link);
    back.extend(w.drain_with_sentinel());
    let k = kinds(&back);
    assert!(k.contains(&"installation-added".to_string()), "{back:#?}");
    assert_eq!(w.stop(libc::SIGTERM), Some(0));
}

#[test]
fn a_new_path_directory_in_the_login_shells_profile_changes_which_go_runs() {
    let (m, sentinel) = mac_with_two_kegs();
    // The sentinel directories come from the profile too: the login shell's PATH is judged.
    let sentinels: String = (1..=3)
        .map(|i| format!(":{}", sentinel.join(format!("s{i}")).display()))
        .collect();
    let profile = m.home(".bash_profile");
    let base = format!(
        "export PATH={}:/usr/bin:/bin{sentinels}\n",
        m.sys("/opt/homebrew/bin").display()
    );
    m.write(&profile, &base);
    m.env("SHELL", shell("bash"));
    let sdk = m.install("go1.22.10-darwin-arm64", &m.home("sdk/go1.22.10"));
    let data = Dir::new();
    let (mut w, first) = Watching::start(
        &m,
        data.path(),
        &sentinel,
        &["--login-shell", "--shell-timeout", "60"],
    );
    assert_eq!(first["subject"], "login-shell", "{first}");

    // The user puts golang.org/dl's go1.22.10 first, in their profile.
    m.write(
        &profile,
        format!("{base}export PATH={}:$PATH\n", sdk.join("bin").display()),
    );
    let events = w.until("active-changed", Path::new("go"));
    assert_eq!(kinds(&events), ["active-changed"], "{events:#?}");
    assert_eq!(
        events[0]["before"],
        m.sys("/opt/homebrew/bin/go").to_str().unwrap()
    );
    assert_eq!(events[0]["after"], sdk.join("bin/go").to_str().unwrap());
    assert!(w.drain_with_sentinel().is_empty());
    assert_eq!(w.stop(libc::SIGINT), Some(0));
}

#[test]
fn a_path_directory_deleted_and_recreated_is_watched_again() {
    let m = Machine::new("linux/amd64");
    let tree = m.install("go1.22.10-linux-amd64", &m.home("sdk/go1.22.10"));
    let bin = m.home("bin");
    m.link(tree.join("bin/go"), &bin.join("go"));
    let sentinel = m.work().join("sentinel");
    m.path(&bin);
    with_sentinel_path(&m, &sentinel, 3);
    let data = Dir::new();
    let (mut w, first) = Watching::start(&m, data.path(), &sentinel, &[]);
    assert!(
        first["message"].as_str().unwrap().starts_with("go1.22.10"),
        "{first}"
    );

    std::fs::remove_dir_all(&bin).unwrap();
    let gone = w.until("active-changed", Path::new("go"));
    assert_eq!(gone.last().unwrap()["after"], Value::Null, "{gone:#?}");

    // Recreated: a new directory (new inode) under the old name, then the link again.
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(tree.join("bin/go"), bin.join("go")).unwrap();
    let back = w.until("active-changed", Path::new("go"));
    assert_eq!(
        back.last().unwrap()["after"],
        bin.join("go").to_str().unwrap()
    );
    w.drain_with_sentinel();

    // The new directory itself is watched: replacing the link there is seen.
    std::fs::remove_file(bin.join("go")).unwrap();
    let gone = w.until("active-changed", Path::new("go"));
    assert_eq!(gone.last().unwrap()["after"], Value::Null);
    assert_eq!(w.stop(libc::SIGINT), Some(0));
}

#[test]
fn a_15000_file_goroot_appearing_is_one_installation_added_and_removing_it_one_removed() {
    let m = Machine::new("linux/amd64");
    let tree = m.install("go1.22.10-linux-amd64", &m.home("sdk/go1.22.10"));
    let bin = m.home("bin");
    m.link(tree.join("bin/go"), &bin.join("go"));
    let sentinel = m.work().join("sentinel");
    m.path(&bin);
    with_sentinel_path(&m, &sentinel, 3);
    let data = Dir::new();
    let (mut w, _) = Watching::start(&m, data.path(), &sentinel, &[]);

    // An install unpacks a whole tree in place, file by file: the full linux toolchain
    // (11,000 files) padded to 15,000.
    let new = m.home("sdk/go1.23.2");
    m.install("go1.23.2-linux-amd64", &new);
    let pad = new.join("src/zz-padding");
    std::fs::create_dir_all(&pad).unwrap();
    let have = count_files(&new);
    for i in have..15_000 {
        std::fs::write(pad.join(format!("f{i}")), b"").unwrap();
    }
    assert!(count_files(&new) >= 15_000);
    let added = w.until("installation-added", &new);
    assert_eq!(kinds(&added), ["installation-added"], "{added:#?}");
    assert_eq!(added[0]["after"], "go1.23.2");
    assert!(w.drain_with_sentinel().is_empty());

    std::fs::remove_dir_all(&new).unwrap();
    let removed = w.until("installation-removed", &new);
    assert_eq!(kinds(&removed), ["installation-removed"], "{removed:#?}");
    assert!(w.drain_with_sentinel().is_empty());
    assert_eq!(w.stop(libc::SIGINT), Some(0));
}

/// The library's updates until an event of `kind` about `subject`: the events up to and
/// including it.
fn until_event(
    updates: &Receiver<gowarden::watch::Update>,
    kind: gowarden::report::ChangeKind,
    subject: &Path,
) -> Vec<gowarden::history::Event> {
    let mut seen = Vec::new();
    loop {
        let Ok(u) = updates.recv_timeout(HANG) else {
            panic!(
                "no {kind:?} about {} within {HANG:?}; events so far: {seen:#?}",
                subject.display()
            );
        };
        for e in u.events {
            let done = e.kind == kind && Path::new(&e.subject) == subject;
            seen.push(e);
            if done {
                return seen;
            }
        }
    }
}

/// Issue 18: `/usr/local/go -> go1.22.10`, and go1.22.10 moved away is a `link-broken`.
/// However it comes back (renamed into place, copied in file by file, or the link made anew
/// to another tree), the watcher must say the link works again.
///
/// The tree that comes back is listed under the link's name (`/usr/local/go`), as discovery
/// lists one real tree once; judged by its own name it never looked whole, and the repaired
/// report waited out the arrival grace. Here that grace is longer than the hang guard, so
/// waiting it out is a failure rather than a slow pass: a tree that is there and whole must
/// end the wait by itself.
#[test]
fn a_goroot_moved_away_and_renamed_back_is_reported_repaired() {
    use gowarden::report::ChangeKind;
    let m = Machine::new("linux/amd64");
    let tree = m.install("go1.22.10-linux-amd64", &m.sys("/usr/local/go1.22.10"));
    m.install("go1.23.2-linux-amd64", &m.sys("/usr/local/go1.23.2"));
    let link = m.sys("/usr/local/go");
    m.link("go1.22.10", &link);
    m.path(link.join("bin"));
    let opts = gowarden::watch::Options {
        timing: gowarden::watch::Timing {
            arrival_grace: Duration::from_secs(3600),
            arrival_limit: Duration::from_secs(3600),
            ..Default::default()
        },
        ..Default::default()
    };
    let (watcher, updates) = gowarden::watch::Watcher::channel(m.context(), opts).unwrap();
    let first = updates.recv_timeout(HANG).expect("the first report");
    let summary = first.report.summary();
    assert!(summary.starts_with("go1.22.10"), "{summary}");

    // Moves the tree out of the way and waits for the link to be reported broken.
    let away = |stash: &str| {
        let stash = m.work().join(stash);
        std::fs::rename(&tree, &stash).unwrap();
        let broken = until_event(&updates, ChangeKind::LinkBroken, &link);
        assert_eq!(
            broken.last().unwrap().before.as_deref(),
            Some("go1.22.10"),
            "{broken:#?}"
        );
        stash
    };

    // `mv` back: one rename into place.
    let stash = away("stash-1");
    std::fs::rename(&stash, &tree).unwrap();
    let back = until_event(&updates, ChangeKind::LinkRepaired, &link);
    assert_eq!(back.last().unwrap().after.as_deref(), Some("go1.22.10"));

    // `cp -r` back: the directory first, then its files one by one.
    let stash = away("stash-2");
    copy_tree(&stash, &tree);
    let back = until_event(&updates, ChangeKind::LinkRepaired, &link);
    assert_eq!(back.last().unwrap().after.as_deref(), Some("go1.22.10"));

    // A new link, to the other tree.
    away("stash-3");
    relink("go1.23.2", &link);
    let back = until_event(&updates, ChangeKind::LinkRepaired, &link);
    assert_eq!(back.last().unwrap().after.as_deref(), Some("go1.23.2"));
    watcher.stop();
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            if e.file_type().unwrap().is_dir() {
                count_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

/// The inotify watch limit, injected: the library is told the OS gives only one watch, and
/// gets notify's own `MaxFilesWatch` error past it, as at `fs.inotify.max_user_watches`.
#[test]
fn exhausted_watches_fall_back_to_polling_with_a_watch_degraded_warning() {
    let m = Machine::new("linux/amd64");
    let tree = m.install("go1.22.10-linux-amd64", &m.home("sdk/go1.22.10"));
    let other = m.install("go1.23.2-linux-amd64", &m.home("sdk/go1.23.2"));
    let bin = m.home("bin");
    m.link(tree.join("bin/go"), &bin.join("go"));
    m.path(&bin);
    let opts = gowarden::watch::Options {
        max_watches: Some(1),
        timing: gowarden::watch::Timing {
            poll_interval: Duration::from_millis(200),
            ..Default::default()
        },
        ..Default::default()
    };
    let (watcher, updates) = gowarden::watch::Watcher::channel(m.context(), opts).unwrap();
    let first = updates.recv_timeout(HANG).expect("the first report");
    let health = first.report.watch.clone().expect("watch health");
    assert_eq!(health.watched, 1);
    assert!(!health.polled.is_empty());
    assert!(
        health.polled.iter().any(|p| p.path == bin),
        "{bin:?} polled: {health:#?}"
    );
    assert!(
        health
            .polled
            .iter()
            .all(|p| p.reason == gowarden::report::PollReason::WatchLimit)
    );
    let f = first.report.finding("watch-degraded").expect("the warning");
    assert_eq!(f.severity, gowarden::report::Severity::Warning);
    assert!(f.message.contains("polled every 1 s"), "{}", f.message);

    // A change in a polled directory is still seen.
    relink(other.join("bin/go").to_str().unwrap(), &bin.join("go"));
    let events = loop {
        let u = updates.recv_timeout(HANG).expect("an update from polling");
        if !u.events.is_empty() {
            break u.events;
        }
    };
    let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [gowarden::report::ChangeKind::VersionChanged],
        "{events:#?}"
    );
    assert_eq!(events[0].after.as_deref(), Some("go1.23.2"));
    watcher.stop();
    assert!(
        updates.recv().is_err(),
        "the channel closes when the watcher stops"
    );
}

#[test]
fn two_watchers_share_one_journal_without_tearing_it() {
    let (m, sentinel) = mac_with_two_kegs();
    with_sentinel_path(&m, &sentinel, 3);
    let data = Dir::new();
    // The app and a terminal, watching the same machine.
    let (mut a, _) = Watching::start(&m, data.path(), &sentinel, &[]);
    let (mut b, _) = Watching::start(&m, data.path(), &sentinel, &[]);
    let link = m.sys("/opt/homebrew/bin/go");
    relink("../Cellar/go/1.22.10/bin/go", &link);
    a.until("version-changed", &link);
    b.until("version-changed", &link);
    assert_eq!(a.stop(libc::SIGINT), Some(0));
    assert_eq!(b.stop(libc::SIGINT), Some(0));
    let h = m
        .command(&["history", "--json"])
        .env("GOWARDEN_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert!(h.status.success());
    assert!(
        h.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&h.stderr)
    );
    let events: Vec<Value> = String::from_utf8(h.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        events
            .iter()
            .filter(|e| e["kind"] == "version-changed")
            .count(),
        2
    );
}

#[test]
fn history_skips_a_torn_line_reads_across_rotation_and_filters() {
    let m = Machine::new("linux/amd64");
    let data = Dir::new();
    let journal = gowarden::history::journal(data.path()).with_max_bytes(2000);
    let event = |i: i64| gowarden::history::Event {
        at: gowarden::watch::Timestamp::from_unix_ms(1_795_960_800_000 + i * 60_000),
        kind: gowarden::report::ChangeKind::VersionChanged,
        subject: "/opt/homebrew/bin/go".into(),
        before: Some(format!("go1.23.{i}")),
        after: Some(format!("go1.23.{}", i + 1)),
        message: format!(
            "/opt/homebrew/bin/go is now go1.23.{} (was go1.23.{i})",
            i + 1
        ),
    };
    for i in 0..20 {
        journal.append(&event(i)).unwrap();
    }
    assert!(journal.rotated_path().exists(), "rotated");
    // A crash in the middle of the next write.
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .append(true)
        .open(journal.path())
        .unwrap()
        .write_all(br#"{"at":"2026-11-29T14:30:00.000Z","kind":"versi"#)
        .unwrap();

    let history = |args: &[&str]| {
        let mut all = vec!["history"];
        all.extend_from_slice(args);
        let out = m
            .command(&all)
            .env("GOWARDEN_DATA_DIR", data.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (all, warning) = history(&["--json"]);
    let lines: Vec<Value> = all
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() > 5, "both generations: {}", lines.len());
    assert_eq!(lines.last().unwrap()["after"], "go1.23.20");
    assert!(warning.contains("1 damaged line"), "{warning}");

    let (last2, _) = history(&["--limit", "2"]);
    let last2: Vec<&str> = last2.lines().collect();
    assert_eq!(last2.len(), 2);
    assert!(
        last2[1].ends_with("is now go1.23.20 (was go1.23.19)"),
        "{last2:?}"
    );
    assert!(
        last2[1].starts_with("2026-11-29T14:19:00.000Z  "),
        "{last2:?}"
    );

    let (since, _) = history(&["--json", "--since", "2026-11-29T14:17:00Z"]);
    assert_eq!(since.lines().count(), 3);

    // A torn line does not stop the next event from being written whole.
    journal.append(&event(20)).unwrap();
    let (all, _) = history(&["--json", "--limit", "1"]);
    let last: Value = serde_json::from_str(all.trim()).unwrap();
    assert_eq!(last["after"], "go1.23.21");

    let out = m
        .command(&["history", "--since", "yesterday"])
        .env("GOWARDEN_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a time"));
}
